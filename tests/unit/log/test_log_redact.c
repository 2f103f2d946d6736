/*
 * lib/log redaction: the key rule and the value rule on both sides of their
 * edges (what is hidden and what must stay readable), then end to end: no
 * secret byte reaches the error log or the access log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "jet/log.h"

static void
key_rule(void **state)
{
	static const char *const secret[] = {
		"authorization", "Authorization", "proxy_authorization", "X-Auth-Token",
		"access_token", "refresh_token", "id_token", "csrf_token",
		"token_type", /* a false positive on purpose: erring towards redaction */
		"client_secret", "SECRET", "password", "db_password", "passwd", "passphrase",
		"set-cookie", "Cookie", "client_assertion", "saml_assertion", "credentials",
		"credential_id", "apikey", "APIKey", "api_key", "x-api-key", "private_key",
		"signingKey", "sshKey", "key", "KEY", "privkey", "tls.key", "client key",
	};
	static const char *const plain[] = {
		"keepalive", "keep_alive", "key_id", "keys", "keyspace", "monkey", "hotkey", "kid",
		"keyword", "keys_loaded", "turkey", "jwks_uri", "peer", "reason", "path", "status",
		"component", "Keepalive", "",
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(secret); i++)
		if (!jet_log_key_is_secret(secret[i]))
			fail_msg("key '%s' should be secret", secret[i]);
	for (size_t i = 0; i < JET_ARRAY_LEN(plain); i++)
		if (jet_log_key_is_secret(plain[i]))
			fail_msg("key '%s' should not be secret", plain[i]);
	assert_false(jet_log_key_is_secret(NULL));
}

#define JWT "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"

static void
value_rule(void **state)
{
	static const char *const secret[] = {
		"Bearer mF_9.B5f-4.1JqM", "bearer abcdefgh1", "BEARER\tABCDEFGH",
		"Authorization: Bearer abc.def.ghi", "Bearer   tok/en+68~ab=", "x (Bearer AAAAAAAA)",
		"Basic dXNlcjpwYXNz", "basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
		JWT, "eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.", /* unsecured JWT: empty signature */
		"token=" JWT "&x=1", "failed to verify " JWT " because",
		"eyJhbGciOiJSU0EtT0FFUCJ9.ZW5j.aXY.Y2lwaGVy.dGFn", /* JWE, five parts */
		"(" JWT ")",
	};
	static const char *const plain[] = {
		"Bearer", "Bearer ", "Bearer\t", "missing bearer token", "invalid Bearer credentials",
		"Bearer abc", "bearers ABCDEFGH1", "forbearer ABCDEFGH1", "bearer:ABCDEFGH1",
		"basic auth failed", "Basic", "eyJ", "eyJhbGciOiJIUzI1NiJ9", "eyJhbGciOiJIUzI1NiJ9.",
		"eyJhbGci..sig", "xeyJhbGci.eyJ4.sig", "127.0.0.1:443", "/v1/devices/42",
		"handshake failed", "",
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(secret); i++)
		if (!jet_log_value_is_secret(secret[i], strlen(secret[i])))
			fail_msg("value '%s' should be secret", secret[i]);
	for (size_t i = 0; i < JET_ARRAY_LEN(plain); i++)
		if (jet_log_value_is_secret(plain[i], strlen(plain[i])))
			fail_msg("value '%s' should not be secret", plain[i]);
	assert_false(jet_log_value_is_secret(NULL, 0));
	/* the length bounds the scan: a secret just past len is not seen */
	assert_false(jet_log_value_is_secret("ok Bearer ABCDEFGH1", 12));
}

/* ------------------------------------------------------------ end to end */

static char access_path[512], error_path[512];

static char *
slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
setup(void **state)
{
	const char *base = getenv("JET_TEST_TMP");
	char dir[400], err[256];

	if (base == NULL)
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(dir, sizeof(dir), "%s/log-redact-XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(access_path, sizeof(access_path), "%s/access.log", dir);
	snprintf(error_path, sizeof(error_path), "%s/error.log", dir);
	return jet_log_open(access_path, error_path, JET_LOG_DEBUG, err, sizeof(err)) == JET_OK ?
		0 : -1;
}

static int
teardown(void **state)
{
	jet_log_close();
	return 0;
}

static json_t *
only_line(const char *text)
{
	json_error_t e;
	json_t *j;
	const char *nl = strchr(text, '\n');

	assert_non_null(nl);
	assert_int_equal(nl[1], '\0');
	j = json_loadb(text, (size_t)(nl - text), JSON_REJECT_DUPLICATES, &e);
	if (j == NULL)
		fail_msg("invalid line %s: %s", text, e.text);
	return j;
}

static void
events_hide_secrets(void **state)
{
	json_t *j;
	char *text;

	jet_log_event(JET_LOG_WARN, "auth", "token refused",
		"Authorization", "Basic QWxhZGRpbjpvcGVu", "refresh_token", "rt-SECRET-1",
		"api_key", "ak-SECRET-2", "signingKey", "sk-SECRET-3",
		"reason", "bad " JWT, "header", "Bearer SECRET-4-xyz",
		"keepalive", "30s", "key_id", "kid-7", "secret_null", NULL, NULL);
	text = slurp(error_path);
	assert_null(strstr(text, "SECRET"));
	assert_null(strstr(text, "QWxhZGRpbjpvcGVu"));
	assert_null(strstr(text, "eyJ"));
	j = only_line(text);
	assert_string_equal(json_string_value(json_object_get(j, "Authorization")), "[redacted]");
	assert_string_equal(json_string_value(json_object_get(j, "refresh_token")), "[redacted]");
	assert_string_equal(json_string_value(json_object_get(j, "reason")), "[redacted]");
	assert_string_equal(json_string_value(json_object_get(j, "header")), "[redacted]");
	/* harmless keys stay readable; a NULL secret stays null (nothing to hide) */
	assert_string_equal(json_string_value(json_object_get(j, "keepalive")), "30s");
	assert_string_equal(json_string_value(json_object_get(j, "key_id")), "kid-7");
	assert_true(json_is_null(json_object_get(j, "secret_null")));
	/* the message itself was not a secret */
	assert_string_equal(json_string_value(json_object_get(j, "msg")), "token refused");
	json_decref(j);
	free(text);
}

static void
message_that_is_a_credential(void **state)
{
	json_t *j;
	char *text;

	jet_log_event(JET_LOG_ERROR, "x", "got Bearer SECRET-5-abcdef", NULL);
	text = slurp(error_path);
	assert_null(strstr(text, "SECRET"));
	j = only_line(text);
	assert_string_equal(json_string_value(json_object_get(j, "msg")), "[redacted]");
	json_decref(j);
	free(text);
}

static void
access_fields_hide_tokens(void **state)
{
	struct jet_access_rec r = { .method = "GET",
		.path = JET_STR_LIT("/magic/" JWT), .status = 302, .peer = "10.0.0.1:5",
		.request_id = "Bearer SECRET-6-abcdef", .identity = "spiffe://t/d" };
	json_t *j;
	char *text;

	jet_log_access(&r);
	jet_log_flush();
	text = slurp(access_path);
	assert_null(strstr(text, "SECRET"));
	assert_null(strstr(text, "eyJ"));
	j = only_line(text);
	assert_string_equal(json_string_value(json_object_get(j, "path")), "[redacted]");
	assert_string_equal(json_string_value(json_object_get(j, "request_id")), "[redacted]");
	assert_string_equal(json_string_value(json_object_get(j, "peer")), "10.0.0.1:5");
	json_decref(j);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_rule),
		cmocka_unit_test(value_rule),
		cmocka_unit_test_setup_teardown(events_hide_secrets, setup, teardown),
		cmocka_unit_test_setup_teardown(message_that_is_a_credential, setup, teardown),
		cmocka_unit_test_setup_teardown(access_fields_hide_tokens, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
