/*
 * test_identity.c - identity header names in every spelling, and the
 * ordinary ones that must pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "jet/http.h"

static bool
is_id(const char *s)
{
	return jet_http_is_identity_header(jet_str_from_cstr(s));
}

static void
test_identity_spellings(void **state)
{
	static const char *const yes[] = {
		"X-Client-Cert", "x-client-cert", "X_CLIENT_CERT", "X_Client_Cert", "x-client-",
		"X-Client-Id", "X-Client-Building", "X-SSL-Client-Verify", "x_ssl_client_s_dn",
		"SSL-Client-Cert", "X-Jetstream-Client", "x_jetstream_device",
		"X-Forwarded-Client-Cert", "x_forwarded_client_cert", "Client-Cert", "client_cert",
		"Client-Cert-Chain", "Client-Certificate", "Client-Cert-", "Remote-User", "X-Remote-User", "X-Authenticated-User",
		"X-Amzn-Mtls-Clientcert", "X-Amzn-Mtls-Clientcert-Leaf",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!is_id(yes[i]))
			fail_msg("not recognised: %s", yes[i]);
	}
}

static void
test_ordinary_headers_pass(void **state)
{
	static const char *const no[] = {
		"Host", "Authorization", "Content-Type", "X-Request-Id", "X-Forwarded-For",
		"X-Client", "Client", "Client-Cer", "X-Clients-Cert", "XClient-Cert",
		"X-Forwarded-Client", "Remote-User-Agent", "", "X-Jetstreams",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (is_id(no[i]))
			fail_msg("wrongly recognised: %s", no[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_spellings),
		cmocka_unit_test(test_ordinary_headers_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
