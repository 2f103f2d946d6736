/*
 * Unit tests for the client side of lib/tls: server verification (trust
 * anchor, host names, IP literals, wildcards), the shared protocol policy
 * seen from the client, client certificates and session reuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "jet/pki.h"
#include "testpki.h"
#include "tlstest.h"

struct fixture {
	struct jet_testpki pki;
	struct jet_tls_server *ts, *ts_mtls, *ts_wild;
	struct tt_server srv, mtls, wild;
	char wild_cert[512], wild_key[512];
};

/* A server certificate whose SANs lib/pki would refuse to issue: a partial
 * wildcard and a full one. */
static int
make_wildcard_cert(struct fixture *f)
{
	struct jet_pki_cert_spec spec = {
		.common_name = "wildcards",
		.eku = JET_PKI_EKU_SERVER,
		.not_before_s = -60,
		.not_after_s = 3600,
	};
	const char *names[] = { "w*.jetstream.test", "*.wild.jetstream.test" };
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	EVP_PKEY *key = NULL, *ca_key = NULL;
	X509 *ca = NULL, *leaf = NULL;
	int rc = -1;

	snprintf(f->wild_cert, sizeof(f->wild_cert), "%s/wild.crt", f->pki.dir);
	snprintf(f->wild_key, sizeof(f->wild_key), "%s/wild.key", f->pki.dir);
	for (size_t i = 0; gens != NULL && i < 2; i++) {
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();

		if (g == NULL || s == NULL || ASN1_STRING_set(s, names[i], -1) != 1)
			goto out;
		GENERAL_NAME_set0_value(g, GEN_DNS, s);
		sk_GENERAL_NAME_push(gens, g);
	}
	if (gens != NULL && jet_pki_key_new(&key) == JET_OK &&
		jet_pki_read_cert(f->pki.ca, &ca) == JET_OK &&
		jet_pki_read_key(f->pki.ca_key, &ca_key) == JET_OK &&
		jet_pki_issue(&spec, key, ca, ca_key, &leaf) == JET_OK &&
		X509_add1_ext_i2d(leaf, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) == 1 &&
		X509_sign(leaf, ca_key, EVP_sha256()) > 0 &&
		jet_pki_write_certs(f->wild_cert, &leaf, 1) == JET_OK &&
		jet_pki_write_key(f->wild_key, key) == JET_OK)
		rc = 0;
out:
	GENERAL_NAMES_free(gens);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
	X509_free(ca);
	X509_free(leaf);
	return rc;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct jet_tls_server_conf conf;
	char err[256];

	if (f == NULL || jet_testpki_create(&f->pki) != JET_OK || make_wildcard_cert(f) != 0)
		return -1;
	memset(&conf, 0, sizeof(conf));
	conf.cert_file = f->pki.server.cert;
	conf.key_file = f->pki.server.key;
	conf.ticket_lifetime_s = 3600;
	if (jet_tls_server_new(&conf, &f->ts, err, sizeof(err)) != JET_OK)
		return -1;
	conf.mtls = JET_MTLS_REQUIRED;
	conf.client_ca_file = f->pki.ca;
	if (jet_tls_server_new(&conf, &f->ts_mtls, err, sizeof(err)) != JET_OK)
		return -1;
	memset(&conf, 0, sizeof(conf));
	conf.cert_file = f->wild_cert;
	conf.key_file = f->wild_key;
	if (jet_tls_server_new(&conf, &f->ts_wild, err, sizeof(err)) != JET_OK)
		return -1;
	f->srv.ts = f->ts;
	f->mtls.ts = f->ts_mtls;
	f->mtls.enforce_identity = true;
	f->wild.ts = f->ts_wild;
	if (tt_listen(&f->srv) != 0 || tt_listen(&f->mtls) != 0 || tt_listen(&f->wild) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tt_close(&f->srv);
	tt_close(&f->mtls);
	tt_close(&f->wild);
	jet_tls_server_free(f->ts);
	jet_tls_server_free(f->ts_mtls);
	jet_tls_server_free(f->ts_wild);
	jet_testpki_destroy(&f->pki);
	free(f);
	return 0;
}

static SSL_CTX *
client_ctx(const char *ca, const char *cert, const char *key, bool cache)
{
	struct jet_tls_client_conf conf = {
		.ca_file = ca, .cert_file = cert, .key_file = key, .session_cache = cache,
	};
	SSL_CTX *ctx = NULL;
	char err[256];

	if (jet_tls_client_ctx_new(&conf, &ctx, err, sizeof(err)) != JET_OK)
		fail_msg("client ctx: %s", err);
	return ctx;
}

/* Connects with ctx to s, checking host; returns the client's result. */
static struct tt_result *
run(struct tt_server *s, SSL_CTX *ctx, const char *host, struct tt_client_res *cr)
{
	struct tt_client_opts o = { .ctx = ctx, .host = host };

	return tt_exchange(s, &o, cr);
}

static void
verifies_server_by_ip_and_name(void **state)
{
	struct fixture *f = *state;
	SSL_CTX *ctx = client_ctx(f->pki.ca, NULL, NULL, false);
	struct {
		const char *host, *sni;
	} ok[] = {
		/* SNI carries names, never IP literals (RFC 6066 3). */
		{ "127.0.0.1", "" },
		{ "::1", "" },
		{ "[::1]", "" },
		{ "localhost", "localhost" },
		{ "LOCALHOST", "LOCALHOST" },
	};
	struct tt_client_res cr;
	struct tt_result *sr;

	for (size_t i = 0; i < JET_ARRAY_LEN(ok); i++) {
		sr = run(&f->srv, ctx, ok[i].host, &cr);
		assert_true(cr.setup_ok);
		assert_true(cr.connected);
		assert_true(cr.got_reply);
		assert_int_equal(cr.verify_result, X509_V_OK);
		assert_int_equal(sr->version, TLS1_3_VERSION);
		assert_string_equal(sr->sni, ok[i].sni);
		tt_client_res_free(&cr);
	}
	SSL_CTX_free(ctx);
}

static void
refuses_wrong_name_or_address(void **state)
{
	struct fixture *f = *state;
	SSL_CTX *ctx = client_ctx(f->pki.ca, NULL, NULL, false);
	struct {
		const char *host;
		long verify;
	} bad[] = {
		{ "wrong.example", X509_V_ERR_HOSTNAME_MISMATCH },
		{ "localhost.evil.example", X509_V_ERR_HOSTNAME_MISMATCH },
		{ "10.0.0.1", X509_V_ERR_IP_ADDRESS_MISMATCH },
		{ "::2", X509_V_ERR_IP_ADDRESS_MISMATCH },
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++) {
		struct tt_client_res cr;
		struct tt_result *sr = run(&f->srv, ctx, bad[i].host, &cr);

		assert_true(cr.setup_ok);
		assert_false(cr.connected);
		assert_false(cr.got_reply);
		assert_false(sr->served);
		assert_int_equal(cr.verify_result, bad[i].verify);
		tt_client_res_free(&cr);
	}
	SSL_CTX_free(ctx);
}

static void
refuses_untrusted_ca(void **state)
{
	struct fixture *f = *state;
	SSL_CTX *ctx = client_ctx(f->pki.other_ca, NULL, NULL, false);
	struct tt_client_res cr;
	struct tt_result *sr = run(&f->srv, ctx, "127.0.0.1", &cr);

	assert_false(cr.connected);
	assert_false(sr->served);
	assert_int_equal(cr.verify_result, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	tt_client_res_free(&cr);
	SSL_CTX_free(ctx);
}

static void
no_partial_wildcards(void **state)
{
	struct fixture *f = *state;
	SSL_CTX *ctx = client_ctx(f->pki.ca, NULL, NULL, false);
	struct tt_client_res cr;

	/* A full wildcard covers one label. */
	run(&f->wild, ctx, "a.wild.jetstream.test", &cr);
	assert_true(cr.got_reply);
	tt_client_res_free(&cr);
	run(&f->wild, ctx, "a.b.wild.jetstream.test", &cr);
	assert_false(cr.connected);
	tt_client_res_free(&cr);
	/* "w*" must not match "www". */
	run(&f->wild, ctx, "www.jetstream.test", &cr);
	assert_false(cr.connected);
	assert_int_equal(cr.verify_result, X509_V_ERR_HOSTNAME_MISMATCH);
	tt_client_res_free(&cr);
	SSL_CTX_free(ctx);

	/* Control: OpenSSL's default matching (no flag) accepts it. */
	{
		SSL_CTX *raw = SSL_CTX_new(TLS_client_method());
		SSL *ssl;
		int fd;

		assert_non_null(raw);
		assert_int_equal(SSL_CTX_load_verify_file(raw, f->pki.ca), 1);
		SSL_CTX_set_verify(raw, SSL_VERIFY_PEER, NULL);
		ssl = SSL_new(raw);
		assert_int_equal(SSL_set1_host(ssl, "www.jetstream.test"), 1);
		tt_start(&f->wild);
		fd = tt_connect_fd(f->wild.port);
		assert_true(fd >= 0);
		SSL_set_fd(ssl, fd);
		assert_int_equal(SSL_connect(ssl), 1);
		assert_int_equal(SSL_get_verify_result(ssl), X509_V_OK);
		SSL_shutdown(ssl);
		SSL_free(ssl);
		close(fd);
		SSL_CTX_free(raw);
		tt_join(&f->wild);
	}
}

static void
set_host_refuses_bad_input(void **state)
{
	struct fixture *f = *state;
	SSL_CTX *ctx = client_ctx(f->pki.ca, NULL, NULL, false);
	SSL *ssl = SSL_new(ctx);
	char longname[300];

	assert_int_equal(jet_tls_client_set_host(ssl, ""), JET_EINVAL);
	assert_int_equal(jet_tls_client_set_host(ssl, NULL), JET_EINVAL);
	assert_int_equal(jet_tls_client_set_host(NULL, "localhost"), JET_EINVAL);
	assert_int_equal(jet_tls_client_set_host(ssl, "[not-an-ip]"), JET_EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(jet_tls_client_set_host(ssl, longname), JET_EINVAL);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

static void
client_policy_refuses_weak_servers(void **state)
{
	struct fixture *f = *state;
	SSL_CTX *ctx = client_ctx(f->pki.ca, NULL, NULL, false);
	SSL_CTX *weak[2];
	const char *what[2] = { "TLS 1.1 only", "TLS 1.2 CBC only" };

	weak[0] = tt_ref_ctx(f->pki.server.cert, f->pki.server.key);
	weak[1] = tt_ref_ctx(f->pki.server.cert, f->pki.server.key);
	assert_non_null(weak[0]);
	assert_non_null(weak[1]);
	assert_int_equal(SSL_CTX_set_max_proto_version(weak[0], TLS1_1_VERSION), 1);
	assert_int_equal(SSL_CTX_set_max_proto_version(weak[1], TLS1_2_VERSION), 1);
	assert_int_equal(SSL_CTX_set_cipher_list(weak[1], "ECDHE-ECDSA-AES128-SHA256"), 1);
	for (int i = 0; i < 2; i++) {
		struct tt_server s = { .ref = weak[i] };
		struct tt_client_opts control = {
			.ca = f->pki.ca, .seclevel0 = true, .ciphers = "ALL:@SECLEVEL=0",
		};
		struct tt_client_res cr;
		struct tt_result *sr;

		assert_int_equal(tt_listen(&s), 0);
		/* Control: a permissive client connects. */
		sr = tt_exchange(&s, &control, &cr);
		if (!cr.got_reply)
			fail_msg("control client failed against %s", what[i]);
		assert_true(sr->served);
		tt_client_res_free(&cr);
		sr = run(&s, ctx, "127.0.0.1", &cr);
		assert_false(cr.connected);
		assert_false(sr->accepted);
		tt_client_res_free(&cr);
		tt_close(&s);
		SSL_CTX_free(weak[i]);
	}
	SSL_CTX_free(ctx);
}

static void
client_certificate_to_mtls_server(void **state)
{
	struct fixture *f = *state;
	SSL_CTX *with = client_ctx(f->pki.ca, f->pki.client.cert, f->pki.client.key, false);
	SSL_CTX *without = client_ctx(f->pki.ca, NULL, NULL, false);
	struct tt_client_res cr;
	struct tt_result *sr;

	sr = run(&f->mtls, with, "localhost", &cr);
	assert_true(cr.got_reply);
	assert_int_equal(sr->id_rc, JET_OK);
	assert_string_equal(sr->id.san_uri[0], JET_TESTPKI_CLIENT_URI);
	tt_client_res_free(&cr);
	sr = run(&f->mtls, without, "localhost", &cr);
	assert_false(cr.got_reply);
	assert_false(sr->accepted);
	tt_client_res_free(&cr);
	SSL_CTX_free(with);
	SSL_CTX_free(without);
}

static void
client_ctx_refuses_bad_files(void **state)
{
	struct fixture *f = *state;
	char key[600], missing[600], err[512];
	struct jet_tls_client_conf conf = { .ca_file = f->pki.ca };
	SSL_CTX *ctx = NULL;
	FILE *in, *out;
	char buf[4096];
	size_t n;

	snprintf(key, sizeof(key), "%s/client-loose.key", f->pki.dir);
	in = fopen(f->pki.client.key, "rb");
	out = fopen(key, "wb");
	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
	assert_int_equal(chmod(key, 0644), 0);

	conf.cert_file = f->pki.client.cert;
	conf.key_file = key;
	assert_int_equal(jet_tls_client_ctx_new(&conf, &ctx, err, sizeof(err)), JET_EPERM);
	assert_null(ctx);
	assert_non_null(strstr(err, key));
	assert_int_equal(chmod(key, 0600), 0); /* control */
	assert_int_equal(jet_tls_client_ctx_new(&conf, &ctx, err, sizeof(err)), JET_OK);
	SSL_CTX_free(ctx);
	ctx = NULL;
	unlink(key);

	conf.key_file = f->pki.server.key; /* another certificate's key */
	assert_int_equal(jet_tls_client_ctx_new(&conf, &ctx, err, sizeof(err)), JET_ETLS);
	assert_non_null(strstr(err, "does not match"));
	conf.key_file = NULL;
	assert_int_equal(jet_tls_client_ctx_new(&conf, &ctx, err, sizeof(err)), JET_ECONF);
	snprintf(missing, sizeof(missing), "%s/missing-ca.pem", f->pki.dir);
	conf = (struct jet_tls_client_conf){ .ca_file = missing };
	assert_int_equal(jet_tls_client_ctx_new(&conf, &ctx, err, sizeof(err)), JET_EIO);
	assert_non_null(strstr(err, missing));
	assert_null(ctx);
}

static void
client_session_cache_resumes(void **state)
{
	struct fixture *f = *state;
	SSL_CTX *ctx = client_ctx(f->pki.ca, NULL, NULL, true);
	struct tt_client_opts o = { .ctx = ctx, .host = "localhost" };
	struct tt_client_res first, again;
	struct tt_result *sr;

	sr = tt_exchange(&f->srv, &o, &first);
	assert_false(sr->reused);
	assert_non_null(first.session);
	o.session = first.session;
	sr = tt_exchange(&f->srv, &o, &again);
	assert_true(sr->reused);
	assert_true(again.reused);
	assert_true(again.got_reply);
	tt_client_res_free(&first);
	tt_client_res_free(&again);
	SSL_CTX_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(verifies_server_by_ip_and_name),
		cmocka_unit_test(refuses_wrong_name_or_address),
		cmocka_unit_test(refuses_untrusted_ca),
		cmocka_unit_test(no_partial_wildcards),
		cmocka_unit_test(set_host_refuses_bad_input),
		cmocka_unit_test(client_policy_refuses_weak_servers),
		cmocka_unit_test(client_certificate_to_mtls_server),
		cmocka_unit_test(client_ctx_refuses_bad_files),
		cmocka_unit_test(client_session_cache_resumes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
