/*
 * The HTTP server over TLS, end to end: the protocol floor, suites, mTLS
 * (every refusal is checked at the HTTP layer, since with TLS 1.3 a client
 * learns of a refused certificate only when it reads), the verified
 * identity reaching handlers, CRL reload without restart, and resumption.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/ssl.h>

#include "jet/pki.h"
#include "jet/server.h"
#include "jet/tls.h"
#include "testnet.h"
#include "testpki_more.h"

static struct jet_testpki pki;
static char resp[1 << 16];

static void
h_hello(struct jet_http_req *req, const void *udata)
{
	jet_http_respond(req, 200, "text/plain", "hello", 5);
}

/* Echoes the verified identity, as a service would use it. */
static void
h_whoami(struct jet_http_req *req, const void *udata)
{
	const struct jet_peer_identity *id = jet_http_req_peer(req);
	char body[1024];
	int n;

	if (id == NULL)
		n = snprintf(body, sizeof(body), "anonymous");
	else
		n = snprintf(body, sizeof(body), "uri=%s dns=%s x5t=%s subject=%s",
			id->n_uri ? id->san_uri[0] : "", id->n_dns ? id->san_dns[0] : "",
			id->x5t_s256, id->subject);
	jet_http_respond(req, 200, "text/plain", body, (size_t)n);
}

static const struct jet_route routes[] = {
	{ JET_HTTP_GET, "/hello", (void *)h_hello, NULL },
	{ JET_HTTP_GET, "/whoami", (void *)h_whoami, NULL },
};

struct fixture {
	struct jet_tls_server *tls;
	struct jet_testsrv srv;
	char crl_path[600];
};

static int
start_allowed(struct fixture *f, enum jet_mtls_mode mtls, uint64_t tickets, bool cache,
	const char *allowed_peers)
{
	struct jet_tls_server_conf tc = { 0 };
	struct jet_http_server_conf c;
	char err[256];

	/* The CRL in use is a copy, so a test can replace it and reload. */
	snprintf(f->crl_path, sizeof(f->crl_path), "%s/live.crl", pki.dir);
	{
		char cmd[1400];

		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", pki.crl, f->crl_path);
		if (system(cmd) != 0)
			return -1;
	}
	tc.cert_file = pki.server.cert;
	tc.key_file = pki.server.key;
	tc.mtls = mtls;
	tc.client_ca_file = mtls ? pki.ca : NULL;
	tc.crl_file = mtls ? f->crl_path : NULL;
	tc.ticket_lifetime_s = tickets;
	tc.session_cache = cache;
	tc.allowed_peers = allowed_peers;
	if (jet_tls_server_new(&tc, &f->tls, err, sizeof(err)) != JET_OK) {
		fprintf(stderr, "tls: %s\n", err);
		return -1;
	}
	jet_http_server_conf_default(&c);
	c.port = 0;
	c.workers = 1;
	c.tls = f->tls;
	c.routes = routes;
	c.nroutes = JET_ARRAY_LEN(routes);
	return jet_testsrv_start(&f->srv, &c) == JET_OK ? 0 : -1;
}

static int
start(struct fixture *f, enum jet_mtls_mode mtls, uint64_t tickets, bool cache)
{
	return start_allowed(f, mtls, tickets, cache, NULL);
}

static void
stop(struct fixture *f)
{
	jet_testsrv_stop(&f->srv);
	jet_tls_server_free(f->tls);
}

static int
group_setup(void **state)
{
	return jet_testpki_create(&pki) == JET_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
	jet_testpki_destroy(&pki);
	return 0;
}

static const char get_hello[] = "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n";
static const char get_whoami[] = "GET /whoami HTTP/1.1\r\nHost: localhost\r\n\r\n";

static void
modern_protocols_succeed(void **state)
{
	struct fixture f;
	struct jet_testconn c;
	struct jet_testconn_opts o = { .ca = pki.ca };

	assert_int_equal(start(&f, JET_MTLS_OFF, 3600, true), 0);
	o.min_version = o.max_version = TLS1_3_VERSION;
	assert_int_equal(jet_testconn_open(&c, f.srv.port, &o), 0);
	assert_string_equal(SSL_get_version(c.ssl), "TLSv1.3");
	jet_testconn_send_str(&c, get_hello);
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "Strict-Transport-Security: max-age="));
	jet_testconn_close(&c);

	o.min_version = o.max_version = TLS1_2_VERSION;
	assert_int_equal(jet_testconn_open(&c, f.srv.port, &o), 0);
	assert_string_equal(SSL_get_version(c.ssl), "TLSv1.2");
	{
		const char *name = SSL_get_cipher_name(c.ssl);

		assert_non_null(strstr(name, "ECDHE"));
		assert_true(strstr(name, "GCM") != NULL || strstr(name, "CHACHA20") != NULL);
	}
	jet_testconn_send_str(&c, get_hello);
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	jet_testconn_close(&c);
	stop(&f);
}

static void
old_protocols_and_weak_suites_refused(void **state)
{
	struct fixture f;
	struct jet_testconn c;
	struct {
		int version;
		const char *ciphers;
	} cases[] = {
		{ TLS1_VERSION, "DEFAULT@SECLEVEL=0" },
		{ TLS1_1_VERSION, "DEFAULT@SECLEVEL=0" },
		{ TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA" },
		{ TLS1_2_VERSION, "AES128-GCM-SHA256:AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256" },
	};

	assert_int_equal(start(&f, JET_MTLS_OFF, 3600, true), 0);
	for (size_t i = 0; i < JET_ARRAY_LEN(cases); i++) {
		struct jet_testconn_opts o = { .insecure_seclevel = true };

		o.min_version = o.max_version = cases[i].version;
		o.ciphers = cases[i].ciphers;
		assert_int_equal(jet_testconn_open(&c, f.srv.port, &o), -2);
		jet_testconn_close(&c);
	}
	/* TLS 1.3 with only groups outside the policy. */
	{
		struct jet_testconn_opts o = { .groups = "secp521r1:ffdhe2048" };

		o.min_version = o.max_version = TLS1_3_VERSION;
		assert_int_equal(jet_testconn_open(&c, f.srv.port, &o), -2);
		jet_testconn_close(&c);
	}
	stop(&f);
}

/* A refused client must never get an HTTP answer, whichever step reports
 * the refusal (handshake under TLS 1.2, first read under TLS 1.3). */
static void
assert_refused(uint16_t port, const char *cert, const char *key, int version)
{
	struct jet_testconn c;
	struct jet_testconn_opts o = { .ca = pki.ca, .cert = cert, .key = key };
	int rc;

	o.min_version = o.max_version = version;
	rc = jet_testconn_open(&c, port, &o);
	if (rc == 0) {
		jet_testconn_send_str(&c, get_whoami);
		assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 0);
	} else {
		assert_int_equal(rc, -2);
	}
	jet_testconn_close(&c);
}

static void
mtls_required_refuses_bad_certificates(void **state)
{
	struct fixture f;
	struct jet_http_server_stats before, after;
	const struct jet_testpki_pair *bad[] = {
		&pki.client_wrong_ca, &pki.client_expired, &pki.client_revoked,
		&pki.client_noeku, &pki.client_server_eku,
	};
	int versions[] = { TLS1_2_VERSION, TLS1_3_VERSION };

	assert_int_equal(start(&f, JET_MTLS_REQUIRED, 3600, true), 0);
	for (size_t v = 0; v < 2; v++) {
		jet_http_server_stats(f.srv.srv, &before);
		assert_refused(f.srv.port, NULL, NULL, versions[v]);
		for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++)
			assert_refused(f.srv.port, bad[i]->cert, bad[i]->key, versions[v]);
		/* The server counts a refusal just after the client gave up:
		 * allow it a moment. */
		for (int i = 0; i < 100; i++) {
			jet_http_server_stats(f.srv.srv, &after);
			if (after.tls_failures - before.tls_failures >= 1 + JET_ARRAY_LEN(bad))
				break;
			usleep(10000);
		}
		assert_int_equal(after.tls_failures - before.tls_failures,
			1 + JET_ARRAY_LEN(bad));
		assert_int_equal(after.requests, before.requests);
	}
	stop(&f);
}

static void
mtls_identity_reaches_the_handler(void **state)
{
	struct fixture f;
	struct jet_testconn_opts o = { .ca = pki.ca, .cert = pki.client.cert,
		.key = pki.client.key };

	assert_int_equal(start(&f, JET_MTLS_REQUIRED, 3600, true), 0);
	for (int v = TLS1_2_VERSION; v <= TLS1_3_VERSION; v++) {
		o.min_version = o.max_version = v;
		assert_int_equal(jet_test_request(f.srv.port, &o, get_whoami, resp, sizeof(resp)),
			200);
		assert_non_null(strstr(resp, "uri=spiffe://jetstream.test/building/b1/device/d1"));
		assert_non_null(strstr(resp, "dns=d1.jetstream.test"));
		assert_non_null(strstr(resp, "CN=device-1"));
		assert_non_null(strstr(resp, "x5t="));
		assert_null(strstr(resp, "x5t= "));
	}
	stop(&f);
}

/* A client certificate from the test CA with the given SAN URI (NULL: no
 * URI SAN at all, only a DNS name), written as pki.dir/<name>.crt/.key. */
static void
issue_client(const char *name, const char *uri, struct jet_testpki_pair *out)
{
	static const char *const dns[] = { "other.jetstream.test" };
	const char *uris[1] = { uri };
	struct jet_pki_cert_spec spec = {
		.common_name = name, .dns = dns, .n_dns = 1, .uris = uris,
		.n_uris = uri != NULL ? 1 : 0, .eku = JET_PKI_EKU_CLIENT, .path_len = -1,
		.not_before_s = -60, .not_after_s = 3600,
	};
	EVP_PKEY *key = NULL, *ca_key = NULL;
	X509 *ca = NULL, *leaf = NULL;

	snprintf(out->cert, sizeof(out->cert), "%s/%s.crt", pki.dir, name);
	snprintf(out->key, sizeof(out->key), "%s/%s.key", pki.dir, name);
	assert_int_equal(jet_pki_key_new(&key), JET_OK);
	assert_int_equal(jet_pki_read_cert(pki.ca, &ca), JET_OK);
	assert_int_equal(jet_pki_read_key(pki.ca_key, &ca_key), JET_OK);
	assert_int_equal(jet_pki_issue(&spec, key, ca, ca_key, &leaf), JET_OK);
	assert_int_equal(jet_pki_write_certs(out->cert, &leaf, 1), JET_OK);
	assert_int_equal(jet_pki_write_key(out->key, key), JET_OK);
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
}

/* With an allow-list, only a certificate naming a listed URI is served;
 * every other one, though the CA verifies it, gets no HTTP answer and
 * counts as a TLS failure. */
static void
allowed_peers_admit_only_listed_identities(void **state)
{
	struct fixture f;
	struct jet_http_server_stats before, after;
	struct jet_testpki_pair other, other_prefix, no_uri;
	struct jet_testconn_opts o = { .ca = pki.ca, .cert = pki.client.cert,
		.key = pki.client.key };
	int versions[] = { TLS1_2_VERSION, TLS1_3_VERSION };
	/* Refusals per version: other URI, a longer URI with the allowed one
	 * as prefix, no URI SAN, no certificate at all. */
	const uint64_t refused = 4;

	issue_client("peer-other", "spiffe://jetstream.test/gateway", &other);
	issue_client("peer-prefix", JET_TESTPKI_CLIENT_URI "/x", &other_prefix);
	issue_client("peer-no-uri", NULL, &no_uri);
	assert_int_equal(start_allowed(&f, JET_MTLS_REQUIRED, 3600, true,
				 " spiffe://jetstream.test/auth " JET_TESTPKI_CLIENT_URI " "),
		0);
	for (size_t v = 0; v < 2; v++) {
		o.min_version = o.max_version = versions[v];
		jet_http_server_stats(f.srv.srv, &before);
		assert_int_equal(jet_test_request(f.srv.port, &o, get_whoami, resp, sizeof(resp)),
			200);
		assert_non_null(strstr(resp, "uri=" JET_TESTPKI_CLIENT_URI " "));
		assert_refused(f.srv.port, other.cert, other.key, versions[v]);
		assert_refused(f.srv.port, other_prefix.cert, other_prefix.key, versions[v]);
		assert_refused(f.srv.port, no_uri.cert, no_uri.key, versions[v]);
		assert_refused(f.srv.port, NULL, NULL, versions[v]);
		for (int i = 0; i < 100; i++) {
			jet_http_server_stats(f.srv.srv, &after);
			if (after.tls_failures - before.tls_failures >= refused)
				break;
			usleep(10000);
		}
		assert_int_equal(after.tls_failures - before.tls_failures, refused);
		assert_int_equal(after.requests - before.requests, 1);
	}
	/* A resumed session (no certificate sent, the identity comes from the
	 * session) passes the same check and is still served. */
	{
		struct jet_testconn c;
		SSL_SESSION *sess;

		o.min_version = o.max_version = TLS1_3_VERSION;
		assert_int_equal(jet_testconn_open(&c, f.srv.port, &o), 0);
		jet_testconn_send_str(&c, get_hello);
		assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
		sess = SSL_get1_session(c.ssl);
		jet_testconn_close(&c);
		o.session = sess;
		assert_int_equal(jet_testconn_open(&c, f.srv.port, &o), 0);
		assert_int_equal(SSL_session_reused(c.ssl), 1);
		jet_testconn_send_str(&c, get_hello);
		assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
		jet_testconn_close(&c);
		o.session = NULL;
		SSL_SESSION_free(sess);
	}
	/* The list survives a reload (SIGHUP re-reads files, not the list). */
	{
		char err[256];

		assert_int_equal(jet_tls_server_reload(f.tls, err, sizeof(err)), JET_OK);
		assert_refused(f.srv.port, other.cert, other.key, TLS1_3_VERSION);
		o.min_version = o.max_version = TLS1_3_VERSION;
		assert_int_equal(jet_test_request(f.srv.port, &o, get_hello, resp, sizeof(resp)),
			200);
	}
	stop(&f);
}

static void
mtls_optional_allows_anonymous_but_not_bad(void **state)
{
	struct fixture f;
	struct jet_testconn_opts anon = { .ca = pki.ca };

	assert_int_equal(start(&f, JET_MTLS_OPTIONAL, 3600, true), 0);
	assert_int_equal(jet_test_request(f.srv.port, &anon, get_whoami, resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "anonymous"));
	assert_refused(f.srv.port, pki.client_wrong_ca.cert, pki.client_wrong_ca.key,
		TLS1_3_VERSION);
	assert_refused(f.srv.port, pki.client_expired.cert, pki.client_expired.key,
		TLS1_2_VERSION);
	stop(&f);
}

/* A certificate revoked after start is refused once the CRL is reloaded
 * (SIGHUP does exactly this call), without a restart. */
static void
crl_reload_revokes_without_restart(void **state)
{
	struct fixture f;
	struct jet_testconn_opts o = { .ca = pki.ca, .cert = pki.client.cert,
		.key = pki.client.key };
	char err[256];

	assert_int_equal(start(&f, JET_MTLS_REQUIRED, 3600, true), 0);
	assert_int_equal(jet_test_request(f.srv.port, &o, get_whoami, resp, sizeof(resp)), 200);
	{
		const char *const certs[] = { pki.client_revoked.cert, pki.client.cert };

		assert_int_equal(jet_testpki_crl_revoking(&pki, certs, 2, f.crl_path), JET_OK);
	}
	assert_int_equal(jet_tls_server_reload(f.tls, err, sizeof(err)), JET_OK);
	o.min_version = o.max_version = TLS1_3_VERSION;
	assert_refused(f.srv.port, pki.client.cert, pki.client.key, TLS1_3_VERSION);
	assert_refused(f.srv.port, pki.client.cert, pki.client.key, TLS1_2_VERSION);
	stop(&f);
}

static int
resumed(uint16_t port, int version)
{
	struct jet_testconn c;
	struct jet_testconn_opts o = { .ca = pki.ca };
	SSL_SESSION *sess;
	int reused;

	o.min_version = o.max_version = version;
	assert_int_equal(jet_testconn_open(&c, port, &o), 0);
	/* TLS 1.3 tickets arrive after the handshake: read a response first. */
	jet_testconn_send_str(&c, get_hello);
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	sess = SSL_get1_session(c.ssl);
	jet_testconn_close(&c);
	o.session = sess;
	assert_int_equal(jet_testconn_open(&c, port, &o), 0);
	reused = SSL_session_reused(c.ssl);
	jet_testconn_send_str(&c, get_hello);
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	jet_testconn_close(&c);
	SSL_SESSION_free(sess);
	return reused;
}

static void
resumption_follows_configuration(void **state)
{
	struct fixture f;

	assert_int_equal(start(&f, JET_MTLS_OFF, 3600, true), 0);
	assert_int_equal(resumed(f.srv.port, TLS1_3_VERSION), 1);
	assert_int_equal(resumed(f.srv.port, TLS1_2_VERSION), 1);
	stop(&f);
	/* Tickets and cache off: every connection is a full handshake. */
	assert_int_equal(start(&f, JET_MTLS_OFF, 0, false), 0);
	assert_int_equal(resumed(f.srv.port, TLS1_3_VERSION), 0);
	assert_int_equal(resumed(f.srv.port, TLS1_2_VERSION), 0);
	stop(&f);
}

static void
garbage_instead_of_tls_is_dropped(void **state)
{
	struct fixture f;
	struct jet_testconn c;
	struct jet_testconn_opts plain = { .plain = true };

	assert_int_equal(start(&f, JET_MTLS_OFF, 3600, true), 0);
	assert_int_equal(jet_testconn_open(&c, f.srv.port, &plain), 0);
	jet_testconn_send_str(&c, get_hello);
	assert_true(jet_testconn_wait_closed(&c, 2000) || c.len > 0);
	/* Whatever came back, it is not an HTTP answer. */
	assert_null(memmem(c.buf, c.len, "HTTP/1.1", 8));
	jet_testconn_close(&c);
	stop(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(modern_protocols_succeed),
		cmocka_unit_test(old_protocols_and_weak_suites_refused),
		cmocka_unit_test(mtls_required_refuses_bad_certificates),
		cmocka_unit_test(mtls_identity_reaches_the_handler),
		cmocka_unit_test(mtls_optional_allows_anonymous_but_not_bad),
		cmocka_unit_test(allowed_peers_admit_only_listed_identities),
		cmocka_unit_test(crl_reload_revokes_without_restart),
		cmocka_unit_test(resumption_follows_configuration),
		cmocka_unit_test(garbage_instead_of_tls_is_dropped),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
