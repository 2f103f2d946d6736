/*
 * Unit tests for the TLS policy of lib/tls over real loopback handshakes.
 *
 * Each refusal is paired with a control: the same client, offering the same
 * thing, against a permissive reference server built from raw OpenSSL.  The
 * control must succeed with exactly what was offered, so a refusal by the
 * Jetstream server is the policy at work, not a client that never offered
 * the weak option.  RSA-only suites get an RSA server certificate, for the
 * same reason.
 *
 * The process runs under a deliberately weak openssl.cnf (TLS 1.0 floor,
 * every cipher at security level 0, weak groups and sigalgs, client
 * renegotiation allowed) to show the policy is set explicitly and does not
 * lean on the system configuration.
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

#include <openssl/rsa.h>

#include "jet/pki.h"
#include "testpki.h"
#include "tlstest.h"

struct fixture {
	struct jet_testpki pki;
	char rsa_cert[512], rsa_key[512];
	struct jet_tls_server *ts_ec, *ts_rsa;
	SSL_CTX *ref_ec_ctx, *ref_rsa_ctx;
	struct tt_server jet_ec, jet_rsa, ref_ec, ref_rsa;
};

/* An RSA-2048 server certificate from the test CA (lib/pki only makes EC
 * keys, but issues for any key). */
static int
make_rsa_server(struct fixture *f)
{
	static const char *const ips[] = { "127.0.0.1" };
	struct jet_pki_cert_spec spec = {
		.common_name = "rsa-server",
		.ips = ips,
		.n_ips = 1,
		.eku = JET_PKI_EKU_SERVER,
		.not_before_s = -3600,
		.not_after_s = 3600,
	};
	EVP_PKEY *key = EVP_RSA_gen(2048), *ca_key = NULL;
	X509 *ca = NULL, *leaf = NULL;
	int rc = -1;

	snprintf(f->rsa_cert, sizeof(f->rsa_cert), "%s/server-rsa.crt", f->pki.dir);
	snprintf(f->rsa_key, sizeof(f->rsa_key), "%s/server-rsa.key", f->pki.dir);
	if (key != NULL && jet_pki_read_cert(f->pki.ca, &ca) == JET_OK &&
		jet_pki_read_key(f->pki.ca_key, &ca_key) == JET_OK &&
		jet_pki_issue(&spec, key, ca, ca_key, &leaf) == JET_OK &&
		jet_pki_write_certs(f->rsa_cert, &leaf, 1) == JET_OK &&
		jet_pki_write_key(f->rsa_key, key) == JET_OK)
		rc = 0;
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

	if (f == NULL || jet_testpki_create(&f->pki) != JET_OK || make_rsa_server(f) != 0)
		return -1;
	memset(&conf, 0, sizeof(conf));
	conf.cert_file = f->pki.server.cert;
	conf.key_file = f->pki.server.key;
	conf.ticket_lifetime_s = 3600;
	conf.session_cache = true;
	if (jet_tls_server_new(&conf, &f->ts_ec, err, sizeof(err)) != JET_OK) {
		fprintf(stderr, "server: %s\n", err);
		return -1;
	}
	conf.cert_file = f->rsa_cert;
	conf.key_file = f->rsa_key;
	if (jet_tls_server_new(&conf, &f->ts_rsa, err, sizeof(err)) != JET_OK) {
		fprintf(stderr, "rsa server: %s\n", err);
		return -1;
	}
	f->ref_ec_ctx = tt_ref_ctx(f->pki.server.cert, f->pki.server.key);
	f->ref_rsa_ctx = tt_ref_ctx(f->rsa_cert, f->rsa_key);
	if (f->ref_ec_ctx == NULL || f->ref_rsa_ctx == NULL)
		return -1;
	f->jet_ec.ts = f->ts_ec;
	f->jet_rsa.ts = f->ts_rsa;
	f->ref_ec.ref = f->ref_ec_ctx;
	f->ref_rsa.ref = f->ref_rsa_ctx;
	if (tt_listen(&f->jet_ec) != 0 || tt_listen(&f->jet_rsa) != 0 ||
		tt_listen(&f->ref_ec) != 0 || tt_listen(&f->ref_rsa) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tt_close(&f->jet_ec);
	tt_close(&f->jet_rsa);
	tt_close(&f->ref_ec);
	tt_close(&f->ref_rsa);
	jet_tls_server_free(f->ts_ec);
	jet_tls_server_free(f->ts_rsa);
	SSL_CTX_free(f->ref_ec_ctx);
	SSL_CTX_free(f->ref_rsa_ctx);
	jet_testpki_destroy(&f->pki);
	free(f);
	return 0;
}

/* Runs o against the reference server (must succeed with want_version, and
 * want_cipher when set) and against the Jetstream server (must fail on both
 * sides).  Returns the Jetstream server's failure reason. */
static void
assert_refused_with_control(struct tt_server *ref, struct tt_server *jet,
	const struct tt_client_opts *o, int want_version, const char *want_cipher,
	const char *want_reason)
{
	struct tt_client_res cr;
	struct tt_result *sr;

	sr = tt_exchange(ref, o, &cr);
	assert_true(cr.setup_ok);
	assert_true(cr.connected);
	assert_true(cr.got_reply);
	assert_true(sr->accepted);
	assert_int_equal(sr->version, want_version);
	if (want_cipher != NULL)
		assert_string_equal(sr->cipher, want_cipher);
	tt_client_res_free(&cr);

	sr = tt_exchange(jet, o, &cr);
	assert_true(cr.setup_ok);
	assert_false(cr.connected);
	assert_false(cr.got_reply);
	assert_false(sr->accepted);
	if (want_reason != NULL && strstr(sr->reason, want_reason) == NULL)
		fail_msg("server refused with \"%s\", expected \"%s\"", sr->reason, want_reason);
	tt_client_res_free(&cr);
}

/* ------------------------------------------------------------------------
 * What is accepted
 * --------------------------------------------------------------------- */

static void
weak_system_config_is_in_force(void **state)
{
	/* Precondition for the rest: a context that does not set its own
	 * policy inherits the weak floor from our openssl.cnf. */
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());

	assert_non_null(c);
	assert_int_equal(SSL_CTX_get_min_proto_version(c), TLS1_VERSION);
	assert_int_equal(SSL_CTX_get_security_level(c), 0);
	SSL_CTX_free(c);
}

static void
tls13_handshake_succeeds(void **state)
{
	struct fixture *f = *state;
	struct tt_client_opts o = { .ca = f->pki.ca };
	struct tt_client_res cr;
	struct tt_result *sr = tt_exchange(&f->jet_ec, &o, &cr);

	assert_true(cr.connected);
	assert_true(cr.got_reply);
	assert_int_equal(cr.verify_result, X509_V_OK);
	assert_true(sr->served);
	assert_int_equal(sr->version, TLS1_3_VERSION);
	assert_true(sr->ecdhe_aead);
	assert_false(cr.cert_requested);
	tt_client_res_free(&cr);
}

static void
tls12_handshake_is_ecdhe_aead(void **state)
{
	struct fixture *f = *state;
	struct tt_client_opts o = { .ca = f->pki.ca, .max_version = TLS1_2_VERSION };
	struct tt_server *servers[] = { &f->jet_ec, &f->jet_rsa };

	for (size_t i = 0; i < JET_ARRAY_LEN(servers); i++) {
		struct tt_client_res cr;
		struct tt_result *sr = tt_exchange(servers[i], &o, &cr);

		assert_true(cr.connected);
		assert_true(cr.got_reply);
		assert_int_equal(sr->version, TLS1_2_VERSION);
		assert_true(sr->ecdhe_aead);
		assert_non_null(strstr(sr->cipher, "ECDHE-"));
		tt_client_res_free(&cr);
	}
}

static void
tls12_server_order_wins(void **state)
{
	struct fixture *f = *state;
	struct tt_client_opts o = {
		.max_version = TLS1_2_VERSION,
		.ciphers = "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256",
	};
	struct tt_client_res cr;
	struct tt_result *sr;

	/* Control: a server honouring the client's order picks ChaCha20. */
	sr = tt_exchange(&f->ref_ec, &o, &cr);
	assert_true(sr->accepted);
	assert_string_equal(sr->cipher, "ECDHE-ECDSA-CHACHA20-POLY1305");
	tt_client_res_free(&cr);
	sr = tt_exchange(&f->jet_ec, &o, &cr);
	assert_true(sr->accepted);
	assert_string_equal(sr->cipher, "ECDHE-ECDSA-AES128-GCM-SHA256");
	tt_client_res_free(&cr);
}

/* ------------------------------------------------------------------------
 * What is refused
 * --------------------------------------------------------------------- */

static void
tls10_and_tls11_refused(void **state)
{
	struct fixture *f = *state;
	int versions[] = { TLS1_VERSION, TLS1_1_VERSION };

	for (size_t i = 0; i < JET_ARRAY_LEN(versions); i++) {
		struct tt_client_opts o = {
			.min_version = versions[i],
			.max_version = versions[i],
			.seclevel0 = true,
			.ciphers = "DEFAULT@SECLEVEL=0",
		};

		assert_refused_with_control(&f->ref_ec, &f->jet_ec, &o, versions[i], NULL,
			"unsupported protocol");
	}
}

static void
tls12_cbc_suites_refused(void **state)
{
	struct fixture *f = *state;
	struct tt_client_opts ec = {
		.max_version = TLS1_2_VERSION,
		.ciphers = "ECDHE-ECDSA-AES128-SHA256",
	};
	struct tt_client_opts ec_sha1 = {
		.max_version = TLS1_2_VERSION,
		.ciphers = "ECDHE-ECDSA-AES128-SHA",
	};
	struct tt_client_opts rsa = {
		.max_version = TLS1_2_VERSION,
		.ciphers = "ECDHE-RSA-AES128-SHA",
	};

	assert_refused_with_control(&f->ref_ec, &f->jet_ec, &ec, TLS1_2_VERSION,
		"ECDHE-ECDSA-AES128-SHA256", "no shared cipher");
	assert_refused_with_control(&f->ref_ec, &f->jet_ec, &ec_sha1, TLS1_2_VERSION,
		"ECDHE-ECDSA-AES128-SHA", "no shared cipher");
	assert_refused_with_control(&f->ref_rsa, &f->jet_rsa, &rsa, TLS1_2_VERSION,
		"ECDHE-RSA-AES128-SHA", "no shared cipher");
}

static void
tls12_non_ecdhe_suites_refused(void **state)
{
	struct fixture *f = *state;
	struct tt_client_opts rsa_kx = {
		.max_version = TLS1_2_VERSION,
		.ciphers = "AES128-GCM-SHA256",
	};
	struct tt_client_opts dhe = {
		.max_version = TLS1_2_VERSION,
		.ciphers = "DHE-RSA-AES128-GCM-SHA256",
	};

	assert_refused_with_control(&f->ref_rsa, &f->jet_rsa, &rsa_kx, TLS1_2_VERSION,
		"AES128-GCM-SHA256", "no shared cipher");
	assert_refused_with_control(&f->ref_rsa, &f->jet_rsa, &dhe, TLS1_2_VERSION,
		"DHE-RSA-AES128-GCM-SHA256", "no shared cipher");
}

static void
tls13_weak_or_foreign_groups_refused(void **state)
{
	struct fixture *f = *state;
	const char *groups[] = { "P-521", "ffdhe2048", "P-521:ffdhe2048" };

	for (size_t i = 0; i < JET_ARRAY_LEN(groups); i++) {
		struct tt_client_opts o = {
			.min_version = TLS1_3_VERSION,
			.groups = groups[i],
		};

		assert_refused_with_control(&f->ref_ec, &f->jet_ec, &o, TLS1_3_VERSION, NULL,
			NULL);
	}
}

static void
tls13_ccm_suite_refused(void **state)
{
	struct fixture *f = *state;
	struct tt_client_opts o = {
		.min_version = TLS1_3_VERSION,
		.suites = "TLS_AES_128_CCM_SHA256",
	};

	assert_refused_with_control(&f->ref_ec, &f->jet_ec, &o, TLS1_3_VERSION,
		"TLS_AES_128_CCM_SHA256", "no shared cipher");
}

static void
client_renegotiation_refused(void **state)
{
	struct fixture *f = *state;
	struct tt_client_opts o = { .max_version = TLS1_2_VERSION, .renegotiate = true };
	struct tt_client_res cr;
	struct tt_result *sr;

	/* Control: a server that allows it renegotiates. */
	sr = tt_exchange(&f->ref_ec, &o, &cr);
	assert_true(cr.renegotiated);
	assert_true(cr.got_reply);
	assert_true(sr->served);
	tt_client_res_free(&cr);

	sr = tt_exchange(&f->jet_ec, &o, &cr);
	assert_true(cr.connected);
	assert_false(cr.renegotiated);
	assert_true(sr->accepted);
	tt_client_res_free(&cr);
}

static void
context_options_are_the_policy(void **state)
{
	struct fixture *f = *state;
	SSL *ssl = jet_tls_server_ssl_new(f->ts_ec);
	uint64_t opts;

	assert_non_null(ssl);
	opts = SSL_get_options(ssl);
	assert_true(opts & SSL_OP_NO_COMPRESSION);
	assert_true(opts & SSL_OP_NO_RENEGOTIATION);
	assert_true(opts & SSL_OP_CIPHER_SERVER_PREFERENCE);
	assert_false(opts & SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
	assert_false(opts & SSL_OP_ALLOW_NO_DHE_KEX);
	assert_false(opts & SSL_OP_NO_TICKET); /* tickets on in this fixture */
	assert_false(opts & SSL_OP_NO_TLSv1_3);
	assert_int_equal(SSL_get_min_proto_version(ssl), TLS1_2_VERSION);
	assert_int_equal(SSL_get_max_proto_version(ssl), 0);
	assert_int_equal(SSL_get_security_level(ssl), 2);
	assert_int_equal(SSL_get_max_early_data(ssl), 0);
	assert_int_equal(SSL_get_recv_max_early_data(ssl), 0);
	assert_true(SSL_get_mode(ssl) & SSL_MODE_ENABLE_PARTIAL_WRITE);
	assert_true(SSL_get_mode(ssl) & SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	assert_int_equal(SSL_get_verify_mode(ssl), SSL_VERIFY_NONE);
	assert_int_equal(jet_tls_server_mtls(f->ts_ec), JET_MTLS_OFF);
	SSL_free(ssl);
}

/* ------------------------------------------------------------------------
 * Configuration errors
 * --------------------------------------------------------------------- */

static int
copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[8192];
	FILE *in = fopen(from, "rb"), *out;
	size_t n;

	if (in == NULL)
		return -1;
	unlink(to);
	out = fopen(to, "wb");
	if (out == NULL) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
	return chmod(to, mode);
}

static int
try_server(const char *cert, const char *key, enum jet_mtls_mode mtls, const char *ca,
	const char *crl, char *err, size_t errlen)
{
	struct jet_tls_server_conf conf = {
		.cert_file = cert, .key_file = key, .mtls = mtls, .client_ca_file = ca,
		.crl_file = crl,
	};
	struct jet_tls_server *ts = NULL;
	int rc;

	err[0] = '\0';
	rc = jet_tls_server_new(&conf, &ts, err, errlen);
	assert_true((rc == JET_OK) == (ts != NULL));
	jet_tls_server_free(ts);
	return rc;
}

static void
group_readable_key_refused(void **state)
{
	struct fixture *f = *state;
	char key[600], link[600], err[512];

	snprintf(key, sizeof(key), "%s/loose.key", f->pki.dir);
	assert_int_equal(copy_file(f->pki.server.key, key, 0644), 0);
	assert_int_equal(try_server(f->pki.server.cert, key, JET_MTLS_OFF, NULL, NULL, err,
				 sizeof(err)), JET_EPERM);
	assert_non_null(strstr(err, key));
	assert_non_null(strstr(err, "group or others"));
	assert_int_equal(jet_tls_check_key_file(key, err, sizeof(err)), JET_EPERM);
	assert_int_equal(chmod(key, 0640), 0);
	assert_int_equal(jet_tls_check_key_file(key, err, sizeof(err)), JET_EPERM);
	/* Control: the same bytes at 0600 are accepted. */
	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(jet_tls_check_key_file(key, err, sizeof(err)), JET_OK);
	assert_int_equal(try_server(f->pki.server.cert, key, JET_MTLS_OFF, NULL, NULL, err,
				 sizeof(err)), JET_OK);
	/* A symlink to a good key is not a regular file. */
	snprintf(link, sizeof(link), "%s/link.key", f->pki.dir);
	unlink(link);
	assert_int_equal(symlink(key, link), 0);
	assert_int_equal(jet_tls_check_key_file(link, err, sizeof(err)), JET_EPERM);
	assert_int_equal(try_server(f->pki.server.cert, link, JET_MTLS_OFF, NULL, NULL, err,
				 sizeof(err)), JET_EPERM);
	assert_non_null(strstr(err, link));
	unlink(link);
	unlink(key);
}

static void
missing_and_broken_files_named(void **state)
{
	struct fixture *f = *state;
	char missing[600], junk[600], err[512];
	FILE *fp;

	snprintf(missing, sizeof(missing), "%s/does-not-exist.pem", f->pki.dir);
	assert_int_equal(try_server(missing, f->pki.server.key, JET_MTLS_OFF, NULL, NULL, err,
				 sizeof(err)), JET_EIO);
	assert_non_null(strstr(err, missing));
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(try_server(f->pki.server.cert, missing, JET_MTLS_OFF, NULL, NULL, err,
				 sizeof(err)), JET_EIO);
	assert_non_null(strstr(err, missing));
	assert_int_equal(jet_tls_check_key_file(missing, err, sizeof(err)), JET_EIO);
	assert_int_equal(try_server(f->pki.server.cert, f->pki.server.key, JET_MTLS_REQUIRED,
				 missing, NULL, err, sizeof(err)), JET_EIO);
	assert_non_null(strstr(err, missing));
	assert_int_equal(try_server(f->pki.server.cert, f->pki.server.key, JET_MTLS_REQUIRED,
				 f->pki.ca, missing, err, sizeof(err)), JET_EIO);
	assert_non_null(strstr(err, missing));

	/* Not PEM at all. */
	snprintf(junk, sizeof(junk), "%s/junk.pem", f->pki.dir);
	fp = fopen(junk, "w");
	assert_non_null(fp);
	fputs("this is not a certificate\n", fp);
	fclose(fp);
	assert_int_equal(try_server(junk, f->pki.server.key, JET_MTLS_OFF, NULL, NULL, err,
				 sizeof(err)), JET_ETLS);
	assert_non_null(strstr(err, junk));
	assert_int_equal(try_server(f->pki.server.cert, f->pki.server.key, JET_MTLS_REQUIRED,
				 junk, NULL, err, sizeof(err)), JET_ETLS);
	assert_non_null(strstr(err, junk));
	assert_int_equal(try_server(f->pki.server.cert, f->pki.server.key, JET_MTLS_REQUIRED,
				 f->pki.ca, junk, err, sizeof(err)), JET_ETLS);
	assert_non_null(strstr(err, junk));
	unlink(junk);

	/* A key that belongs to another certificate. */
	assert_int_equal(try_server(f->pki.server.cert, f->pki.client.key, JET_MTLS_OFF, NULL,
				 NULL, err, sizeof(err)), JET_ETLS);
	assert_non_null(strstr(err, "does not match"));

	/* mTLS without a CA bundle. */
	assert_int_equal(try_server(f->pki.server.cert, f->pki.server.key, JET_MTLS_OPTIONAL,
				 NULL, NULL, err, sizeof(err)), JET_ECONF);
	assert_non_null(strstr(err, "client_ca_file"));
}

static void
last_error_is_short_and_drains(void **state)
{
	char buf[128];

	ERR_clear_error();
	assert_string_equal(jet_tls_last_error(buf, sizeof(buf)), "no TLS error recorded");
	ERR_raise(ERR_LIB_SSL, SSL_R_NO_SHARED_CIPHER);
	assert_string_equal(jet_tls_last_error(buf, sizeof(buf)), "no shared cipher");
	assert_int_equal(ERR_peek_error(), 0);
}

/* ------------------------------------------------------------------------ */

static char weak_cnf_path[512];

static void
use_weak_system_config(void)
{
	static const char cnf[] =
		"openssl_conf = jet_test_conf\n"
		"[jet_test_conf]\n"
		"ssl_conf = jet_ssl\n"
		"[jet_ssl]\n"
		"system_default = jet_weak\n"
		"[jet_weak]\n"
		"MinProtocol = TLSv1\n"
		"MaxProtocol = TLSv1.2\n"
		"CipherString = ALL:@SECLEVEL=0\n"
		"Ciphersuites = TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256\n"
		"Groups = ffdhe2048:P-521\n"
		"SignatureAlgorithms = RSA+SHA1:ECDSA+SHA1\n"
		"Options = Compression,ClientRenegotiation,AllowNoDHEKEX\n";
	const char *root = getenv("JET_TEST_TMP");
	char *path = weak_cnf_path;
	FILE *fp;

	if (root == NULL)
		root = "/tmp";
	mkdir(root, 0755);
	snprintf(path, sizeof(weak_cnf_path), "%s/weak-openssl-%ld.cnf", root, (long)getpid());
	fp = fopen(path, "w");
	if (fp == NULL)
		return;
	fputs(cnf, fp);
	fclose(fp);
	setenv("OPENSSL_CONF", path, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(weak_system_config_is_in_force),
		cmocka_unit_test(tls13_handshake_succeeds),
		cmocka_unit_test(tls12_handshake_is_ecdhe_aead),
		cmocka_unit_test(tls12_server_order_wins),
		cmocka_unit_test(tls10_and_tls11_refused),
		cmocka_unit_test(tls12_cbc_suites_refused),
		cmocka_unit_test(tls12_non_ecdhe_suites_refused),
		cmocka_unit_test(tls13_weak_or_foreign_groups_refused),
		cmocka_unit_test(tls13_ccm_suite_refused),
		cmocka_unit_test(client_renegotiation_refused),
		cmocka_unit_test(context_options_are_the_policy),
		cmocka_unit_test(group_readable_key_refused),
		cmocka_unit_test(missing_and_broken_files_named),
		cmocka_unit_test(last_error_is_short_and_drains),
	};

	int rc;

	/* Before any OpenSSL call: the library reads its config once. */
	use_weak_system_config();
	rc = cmocka_run_group_tests(tests, setup, teardown);
	if (weak_cnf_path[0] != '\0')
		unlink(weak_cnf_path);
	return rc;
}
