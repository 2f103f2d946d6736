/*
 * Unit tests for client-certificate authentication in lib/tls: the three
 * mTLS modes, every way a client certificate can be wrong, CRLs, the
 * identity handlers see, and its limits.
 *
 * With TLS 1.3 the client finishes its handshake before the server has
 * looked at its certificate, so a refusal is asserted on both sides: the
 * server's handshake fails with the expected verification error, and the
 * client's first read never returns the server's payload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "jet/pki.h"
#include "testpki.h"
#include "tlstest.h"

struct srv {
	struct jet_tls_server *ts;
	struct tt_server t;
};

struct fixture {
	struct jet_testpki pki;
	struct srv required, required_crl, required_crl_empty, optional, off;
};

static const int versions[] = { TLS1_3_VERSION, TLS1_2_VERSION };

static int
srv_start(struct srv *s, const struct jet_testpki *pki, enum jet_mtls_mode mode, const char *crl)
{
	struct jet_tls_server_conf conf = {
		.cert_file = pki->server.cert,
		.key_file = pki->server.key,
		.mtls = mode,
		.client_ca_file = pki->ca,
		.crl_file = crl,
		.ticket_lifetime_s = 3600,
		.session_cache = true,
	};
	char err[256];

	if (jet_tls_server_new(&conf, &s->ts, err, sizeof(err)) != JET_OK) {
		fprintf(stderr, "server: %s\n", err);
		return -1;
	}
	s->t.ts = s->ts;
	s->t.enforce_identity = true;
	return tt_listen(&s->t);
}

static void
srv_stop(struct srv *s)
{
	tt_close(&s->t);
	jet_tls_server_free(s->ts);
	s->ts = NULL;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || jet_testpki_create(&f->pki) != JET_OK)
		return -1;
	if (srv_start(&f->required, &f->pki, JET_MTLS_REQUIRED, NULL) != 0 ||
		srv_start(&f->required_crl, &f->pki, JET_MTLS_REQUIRED, f->pki.crl) != 0 ||
		srv_start(&f->required_crl_empty, &f->pki, JET_MTLS_REQUIRED, f->pki.crl_empty) != 0 ||
		srv_start(&f->optional, &f->pki, JET_MTLS_OPTIONAL, NULL) != 0 ||
		srv_start(&f->off, &f->pki, JET_MTLS_OFF, NULL) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	srv_stop(&f->required);
	srv_stop(&f->required_crl);
	srv_stop(&f->required_crl_empty);
	srv_stop(&f->optional);
	srv_stop(&f->off);
	jet_testpki_destroy(&f->pki);
	free(f);
	return 0;
}

/* Connects with pair (NULL: no certificate) and expects acceptance. */
static struct tt_result *
expect_accepted(struct srv *s, const struct jet_testpki *pki,
	const struct jet_testpki_pair *pair, int version, struct tt_client_res *cr)
{
	struct tt_client_opts o = {
		.ca = pki->ca,
		.cert = pair ? pair->cert : NULL,
		.key = pair ? pair->key : NULL,
		.min_version = version,
		.max_version = version,
		.cert_cb = pair == NULL,
	};
	struct tt_result *sr = tt_exchange(&s->t, &o, cr);

	assert_true(cr->setup_ok);
	assert_true(cr->connected);
	assert_true(sr->accepted);
	assert_true(sr->served);
	assert_true(cr->got_reply);
	assert_int_equal(sr->version, version);
	return sr;
}

/* Connects with pair and expects a refusal with verify error want_verify
 * (X509_V_OK: refused without a verification error, e.g. no certificate). */
static void
expect_refused(struct srv *s, const struct jet_testpki *pki,
	const struct jet_testpki_pair *pair, int version, long want_verify)
{
	struct tt_client_opts o = {
		.ca = pki->ca,
		.cert = pair ? pair->cert : NULL,
		.key = pair ? pair->key : NULL,
		.min_version = version,
		.max_version = version,
	};
	struct tt_client_res cr;
	struct tt_result *sr = tt_exchange(&s->t, &o, &cr);

	assert_true(cr.setup_ok);
	assert_false(sr->accepted);
	assert_false(sr->served);
	assert_false(cr.got_reply); /* the first read gets an alert, never "pong" */
	if (version == TLS1_2_VERSION)
		assert_false(cr.connected);
	if (sr->verify_result != want_verify)
		fail_msg("verify result %ld (%s), expected %ld (%s)", sr->verify_result,
			X509_verify_cert_error_string(sr->verify_result), want_verify,
			X509_verify_cert_error_string(want_verify));
	tt_client_res_free(&cr);
}

/* ------------------------------------------------------------------------
 * Independent computations for the identity assertions
 * --------------------------------------------------------------------- */

static X509 *
read_cert(const char *path)
{
	FILE *fp = fopen(path, "r");
	X509 *x;

	assert_non_null(fp);
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(x);
	return x;
}

static void
der_sha256(X509 *x, unsigned char md[32])
{
	unsigned char *der = NULL;
	unsigned int mdlen = 0;
	int n = i2d_X509(x, &der);

	assert_true(n > 0);
	assert_int_equal(EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL), 1);
	assert_int_equal(mdlen, 32);
	OPENSSL_free(der);
}

/* base64url via EVP_EncodeBlock and character substitution: a different
 * route from the library's encoder. */
static void
to_b64url(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	unsigned char tmp[128];
	int len = EVP_EncodeBlock(tmp, in, (int)n);

	assert_true(len > 0 && (size_t)len < outlen);
	for (int i = 0; i < len && (size_t)i + 1 < outlen; i++) {
		char c = (char)tmp[i];

		out[i] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
}

static int64_t
not_after_unix(X509 *x)
{
	ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
	int days = 0, secs = 0;

	assert_non_null(epoch);
	assert_int_equal(ASN1_TIME_diff(&days, &secs, epoch, X509_get0_notAfter(x)), 1);
	ASN1_TIME_free(epoch);
	return (int64_t)days * 86400 + secs;
}

/* ------------------------------------------------------------------------
 * Required
 * --------------------------------------------------------------------- */

static void
required_valid_client_identity(void **state)
{
	struct fixture *f = *state;
	X509 *x = read_cert(f->pki.client.cert);
	unsigned char md[32];
	char x5t[64];

	der_sha256(x, md);
	to_b64url(md, sizeof(md), x5t, sizeof(x5t));
	for (size_t i = 0; i < JET_ARRAY_LEN(versions); i++) {
		struct tt_client_res cr;
		struct tt_result *sr =
			expect_accepted(&f->required, &f->pki, &f->pki.client, versions[i], &cr);

		assert_int_equal(sr->id_rc, JET_OK);
		assert_string_equal(sr->id.subject, "O=Jetstream tests,CN=" JET_TESTPKI_CLIENT_CN);
		assert_int_equal(sr->id.n_uri, 1);
		assert_string_equal(sr->id.san_uri[0], JET_TESTPKI_CLIENT_URI);
		assert_int_equal(sr->id.n_dns, 1);
		assert_string_equal(sr->id.san_dns[0], JET_TESTPKI_CLIENT_DNS);
		assert_memory_equal(sr->id.sha256, md, 32);
		assert_int_equal(strlen(sr->id.x5t_s256), 43);
		assert_string_equal(sr->id.x5t_s256, x5t);
		assert_true(sr->id.not_after == not_after_unix(x));
		/* The CertificateRequest named the trusted CA and only it. */
		assert_int_equal(cr.n_ca_names, 1);
		assert_non_null(strstr(cr.ca_name0, "Jetstream test root CA"));
		tt_client_res_free(&cr);
	}
	X509_free(x);
}

static void
required_refuses_bad_clients(void **state)
{
	struct fixture *f = *state;
	struct jet_testpki *p = &f->pki;

	for (size_t i = 0; i < JET_ARRAY_LEN(versions); i++) {
		int v = versions[i];

		expect_refused(&f->required, p, NULL, v, X509_V_OK);
		expect_refused(&f->required, p, &p->client_wrong_ca, v,
			X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
		expect_refused(&f->required, p, &p->client_expired, v, X509_V_ERR_CERT_HAS_EXPIRED);
		expect_refused(&f->required, p, &p->client_noeku, v, X509_V_ERR_INVALID_PURPOSE);
		expect_refused(&f->required, p, &p->client_server_eku, v,
			X509_V_ERR_INVALID_PURPOSE);
	}
}

static void
required_crl_revokes(void **state)
{
	struct fixture *f = *state;
	struct jet_testpki *p = &f->pki;

	for (size_t i = 0; i < JET_ARRAY_LEN(versions); i++) {
		struct tt_client_res cr;
		int v = versions[i];

		expect_refused(&f->required_crl, p, &p->client_revoked, v, X509_V_ERR_CERT_REVOKED);
		/* The CRL covers the whole chain (leaf and root) and lets good
		 * certificates through. */
		expect_accepted(&f->required_crl, p, &p->client, v, &cr);
		tt_client_res_free(&cr);
		/* Controls: the same certificate passes with a CRL that does not
		 * list it, and without CRL checking. */
		expect_accepted(&f->required_crl_empty, p, &p->client_revoked, v, &cr);
		tt_client_res_free(&cr);
		expect_accepted(&f->required, p, &p->client_revoked, v, &cr);
		tt_client_res_free(&cr);
	}
}

static void
crl_of_every_ca_in_the_chain_is_needed(void **state)
{
	/* A CRL file without the root's CRL: the root's CRL is missing for the
	 * leaf, so every client fails (fail closed), even a good one. */
	struct fixture *f = *state;
	struct srv s = { 0 };
	char crl[600];
	EVP_PKEY *key = NULL;
	X509 *other = NULL;
	X509_CRL *c = NULL;

	snprintf(crl, sizeof(crl), "%s/crl-other-only.pem", f->pki.dir);
	assert_int_equal(jet_pki_read_cert(f->pki.other_ca, &other), JET_OK);
	{
		char other_key[600];

		snprintf(other_key, sizeof(other_key), "%s/other-ca.key", f->pki.dir);
		assert_int_equal(jet_pki_read_key(other_key, &key), JET_OK);
	}
	assert_int_equal(jet_pki_crl_new(other, key, NULL, 0, 3600, &c), JET_OK);
	assert_int_equal(jet_pki_write_crl(crl, c), JET_OK);
	assert_int_equal(srv_start(&s, &f->pki, JET_MTLS_REQUIRED, crl), 0);
	expect_refused(&s, &f->pki, &f->pki.client, TLS1_3_VERSION, X509_V_ERR_UNABLE_TO_GET_CRL);
	srv_stop(&s);
	X509_CRL_free(c);
	X509_free(other);
	EVP_PKEY_free(key);
	unlink(crl);
}

static void
expired_crl_refused_at_load(void **state)
{
	struct fixture *f = *state;
	struct jet_tls_server_conf conf = {
		.cert_file = f->pki.server.cert,
		.key_file = f->pki.server.key,
		.mtls = JET_MTLS_REQUIRED,
		.client_ca_file = f->pki.ca,
	};
	struct jet_tls_server *ts = NULL;
	char crl[600], err[512];
	EVP_PKEY *key = NULL;
	X509 *ca = NULL;
	X509_CRL *c = NULL;

	/* A CRL whose nextUpdate is a minute ago (re-signed by hand: lib/pki
	 * refuses to issue one). */
	assert_int_equal(jet_pki_read_cert(f->pki.ca, &ca), JET_OK);
	assert_int_equal(jet_pki_read_key(f->pki.ca_key, &key), JET_OK);
	assert_int_equal(jet_pki_crl_new(ca, key, NULL, 0, 3600, &c), JET_OK);
	{
		ASN1_TIME *past = X509_gmtime_adj(NULL, -60);

		assert_int_equal(X509_CRL_set1_nextUpdate(c, past), 1);
		assert_true(X509_CRL_sign(c, key, EVP_sha256()) > 0);
		ASN1_TIME_free(past);
	}
	snprintf(crl, sizeof(crl), "%s/crl-stale.pem", f->pki.dir);
	assert_int_equal(jet_pki_write_crl(crl, c), JET_OK);
	conf.crl_file = crl;
	assert_int_equal(jet_tls_server_new(&conf, &ts, err, sizeof(err)), JET_ETLS);
	assert_null(ts);
	assert_non_null(strstr(err, crl));
	assert_non_null(strstr(err, "nextUpdate"));
	X509_CRL_free(c);
	X509_free(ca);
	EVP_PKEY_free(key);
	unlink(crl);
}

/* ------------------------------------------------------------------------
 * Optional and off
 * --------------------------------------------------------------------- */

static void
optional_accepts_no_cert_refuses_bad_cert(void **state)
{
	struct fixture *f = *state;
	struct jet_testpki *p = &f->pki;

	for (size_t i = 0; i < JET_ARRAY_LEN(versions); i++) {
		struct tt_client_res cr;
		struct tt_result *sr;
		int v = versions[i];

		sr = expect_accepted(&f->optional, p, NULL, v, &cr);
		assert_true(cr.cert_requested);
		assert_false(sr->peer_cert);
		assert_int_equal(sr->id_rc, JET_ENOTFOUND);
		tt_client_res_free(&cr);

		sr = expect_accepted(&f->optional, p, &p->client, v, &cr);
		assert_int_equal(sr->id_rc, JET_OK);
		assert_string_equal(sr->id.san_uri[0], JET_TESTPKI_CLIENT_URI);
		tt_client_res_free(&cr);

		expect_refused(&f->optional, p, &p->client_wrong_ca, v,
			X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
		expect_refused(&f->optional, p, &p->client_noeku, v, X509_V_ERR_INVALID_PURPOSE);
		expect_refused(&f->optional, p, &p->client_expired, v, X509_V_ERR_CERT_HAS_EXPIRED);
	}
}

static void
off_requests_no_certificate(void **state)
{
	struct fixture *f = *state;
	struct jet_testpki *p = &f->pki;

	for (size_t i = 0; i < JET_ARRAY_LEN(versions); i++) {
		struct tt_client_res cr;
		struct tt_result *sr;
		int v = versions[i];

		sr = expect_accepted(&f->off, p, NULL, v, &cr);
		assert_false(cr.cert_requested);
		assert_int_equal(cr.n_ca_names, 0);
		assert_int_equal(sr->id_rc, JET_ENOTFOUND);
		tt_client_res_free(&cr);
		/* A client holding a certificate is not asked for it. */
		sr = expect_accepted(&f->off, p, &p->client_wrong_ca, v, &cr);
		assert_false(sr->peer_cert);
		tt_client_res_free(&cr);
	}
	/* Control: the same probe sees the request from a required server
	 * (which then refuses the empty answer). */
	{
		struct tt_client_opts o = { .ca = p->ca, .cert_cb = true };
		struct tt_client_res cr;

		tt_exchange(&f->required.t, &o, &cr);
		assert_true(cr.cert_requested);
		assert_false(cr.got_reply);
		tt_client_res_free(&cr);
	}
}

/* ------------------------------------------------------------------------
 * Identity limits: never truncated
 * --------------------------------------------------------------------- */

/* Issues a client certificate from the test CA with SAN built by add_san
 * (raw OpenSSL, to make names lib/pki refuses to issue). */
static void
issue_client(struct fixture *f, const char *name, const struct jet_pki_cert_spec *spec,
	GENERAL_NAMES *extra_san, int extra_ou, struct jet_testpki_pair *out)
{
	EVP_PKEY *key = NULL, *ca_key = NULL;
	X509 *ca = NULL, *leaf = NULL;

	snprintf(out->cert, sizeof(out->cert), "%s/%s.crt", f->pki.dir, name);
	snprintf(out->key, sizeof(out->key), "%s/%s.key", f->pki.dir, name);
	assert_int_equal(jet_pki_key_new(&key), JET_OK);
	assert_int_equal(jet_pki_read_cert(f->pki.ca, &ca), JET_OK);
	assert_int_equal(jet_pki_read_key(f->pki.ca_key, &ca_key), JET_OK);
	assert_int_equal(jet_pki_issue(spec, key, ca, ca_key, &leaf), JET_OK);
	if (extra_san != NULL) {
		assert_int_equal(X509_add1_ext_i2d(leaf, NID_subject_alt_name, extra_san, 0,
					 X509V3_ADD_DEFAULT), 1);
		GENERAL_NAMES_free(extra_san);
	}
	for (int i = 0; i < extra_ou; i++) {
		char ou[61];

		memset(ou, 'u', 60);
		ou[60] = '\0';
		assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(leaf), "OU",
					 MBSTRING_ASC, (const unsigned char *)ou, -1, -1, 0), 1);
	}
	if (extra_san != NULL || extra_ou > 0)
		assert_true(X509_sign(leaf, ca_key, EVP_sha256()) > 0);
	assert_int_equal(jet_pki_write_certs(out->cert, &leaf, 1), JET_OK);
	assert_int_equal(jet_pki_write_key(out->key, key), JET_OK);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
	X509_free(ca);
	X509_free(leaf);
}

static GENERAL_NAMES *
one_uri(const char *p, size_t n)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_IA5STRING *s = ASN1_IA5STRING_new();

	assert_non_null(gens);
	assert_non_null(g);
	assert_non_null(s);
	assert_int_equal(ASN1_STRING_set(s, p, (int)n), 1);
	GENERAL_NAME_set0_value(g, GEN_URI, s);
	assert_true(sk_GENERAL_NAME_push(gens, g) > 0);
	return gens;
}

static int
identity_rc(struct fixture *f, const struct jet_testpki_pair *pair, struct jet_peer_identity *id)
{
	struct tt_client_opts o = { .ca = f->pki.ca, .cert = pair->cert, .key = pair->key };
	struct tt_client_res cr;
	struct tt_result *sr = tt_exchange(&f->required.t, &o, &cr);

	assert_true(cr.connected);
	assert_true(sr->accepted); /* the certificate verifies ... */
	/* ... and the identity decides whether the connection is served. */
	assert_int_equal(cr.got_reply, sr->id_rc == JET_OK);
	if (id != NULL)
		*id = sr->id;
	tt_client_res_free(&cr);
	return sr->id_rc;
}

static void
identity_limits(void **state)
{
	struct fixture *f = *state;
	const char *uris[JET_TLS_MAX_SAN + 1];
	char names[JET_TLS_MAX_SAN + 1][40];
	char at_limit[JET_TLS_NAME_MAX], past_limit[JET_TLS_NAME_MAX + 1];
	struct jet_pki_cert_spec spec = {
		.common_name = "limits",
		.eku = JET_PKI_EKU_CLIENT,
		.not_before_s = -60,
		.not_after_s = 3600,
	};
	struct jet_testpki_pair pair;
	struct jet_peer_identity id;

	for (size_t i = 0; i <= JET_TLS_MAX_SAN; i++) {
		snprintf(names[i], sizeof(names[i]), "urn:jetstream:test:%zu", i);
		uris[i] = names[i];
	}
	/* JET_TLS_MAX_SAN URIs: accepted, all of them. */
	spec.uris = uris;
	spec.n_uris = JET_TLS_MAX_SAN;
	issue_client(f, "max-san", &spec, NULL, 0, &pair);
	assert_int_equal(identity_rc(f, &pair, &id), JET_OK);
	assert_int_equal(id.n_uri, JET_TLS_MAX_SAN);
	assert_string_equal(id.san_uri[JET_TLS_MAX_SAN - 1], names[JET_TLS_MAX_SAN - 1]);
	/* One more: refused, not truncated to the first eight. */
	spec.n_uris = JET_TLS_MAX_SAN + 1;
	issue_client(f, "too-many-san", &spec, NULL, 0, &pair);
	assert_int_equal(identity_rc(f, &pair, NULL), JET_EPERM);
	spec.uris = NULL;
	spec.n_uris = 0;

	/* A URI of JET_TLS_NAME_MAX - 1 bytes fits; one byte more does not. */
	memcpy(at_limit, "urn:", 4);
	memset(at_limit + 4, 'a', sizeof(at_limit) - 5);
	at_limit[sizeof(at_limit) - 1] = '\0';
	issue_client(f, "uri-at-limit", &spec, one_uri(at_limit, strlen(at_limit)), 0, &pair);
	assert_int_equal(identity_rc(f, &pair, &id), JET_OK);
	assert_string_equal(id.san_uri[0], at_limit);
	memcpy(past_limit, "urn:", 4);
	memset(past_limit + 4, 'a', sizeof(past_limit) - 5);
	past_limit[sizeof(past_limit) - 1] = '\0';
	issue_client(f, "uri-past-limit", &spec, one_uri(past_limit, strlen(past_limit)), 0,
		&pair);
	assert_int_equal(identity_rc(f, &pair, NULL), JET_EPERM);

	/* An embedded NUL would make "urn:a\0.evil" read as "urn:a". */
	issue_client(f, "uri-nul", &spec, one_uri("urn:a\0.evil", 11), 0, &pair);
	assert_int_equal(identity_rc(f, &pair, NULL), JET_EPERM);
	/* A control byte (log injection). */
	issue_client(f, "uri-ctl", &spec, one_uri("urn:a\nb", 7), 0, &pair);
	assert_int_equal(identity_rc(f, &pair, NULL), JET_EPERM);

	/* A subject that fits (3 x 60-byte OUs), and one longer than the
	 * buffer (5 of them). */
	issue_client(f, "subject-fits", &spec, NULL, 3, &pair);
	assert_int_equal(identity_rc(f, &pair, &id), JET_OK);
	assert_true(strlen(id.subject) > 190);
	issue_client(f, "subject-too-long", &spec, NULL, 5, &pair);
	assert_int_equal(identity_rc(f, &pair, NULL), JET_EPERM);
}

static void
identity_on_resumed_session(void **state)
{
	struct fixture *f = *state;
	struct tt_client_opts o = { .ca = f->pki.ca, .cert = f->pki.client.cert,
		.key = f->pki.client.key };
	struct tt_client_res first, again;
	struct tt_result *sr;
	unsigned char md[32];

	sr = tt_exchange(&f->required.t, &o, &first);
	assert_int_equal(sr->id_rc, JET_OK);
	memcpy(md, sr->id.sha256, sizeof(md));
	assert_non_null(first.session);
	o.session = first.session;
	sr = tt_exchange(&f->required.t, &o, &again);
	assert_true(sr->reused);
	assert_true(again.got_reply);
	assert_int_equal(sr->id_rc, JET_OK);
	assert_memory_equal(sr->id.sha256, md, 32);
	tt_client_res_free(&first);
	tt_client_res_free(&again);
}

static void
trust_change_on_reload_ends_resumption(void **state)
{
	/* A session made while a certificate was good must not outlive its
	 * revocation: a reload with a CRL that now lists it forces full
	 * verification, which refuses it. */
	struct fixture *f = *state;
	struct srv s = { 0 };
	char live[600], err[256];
	struct tt_client_opts o = { .ca = f->pki.ca, .cert = f->pki.client_revoked.cert,
		.key = f->pki.client_revoked.key };
	struct tt_client_res first, cr;
	struct tt_result *sr;
	FILE *in, *out;
	char buf[4096];
	size_t n;

	snprintf(live, sizeof(live), "%s/crl-live.pem", f->pki.dir);
#define COPY(from)                                                 \
	do {                                                           \
		in = fopen(from, "rb");                                \
		out = fopen(live, "wb");                               \
		assert_non_null(in);                                   \
		assert_non_null(out);                                  \
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)       \
			fwrite(buf, 1, n, out);                        \
		fclose(in);                                            \
		fclose(out);                                           \
	} while (0)
	COPY(f->pki.crl_empty);
	assert_int_equal(srv_start(&s, &f->pki, JET_MTLS_REQUIRED, live), 0);
	sr = tt_exchange(&s.t, &o, &first);
	assert_int_equal(sr->id_rc, JET_OK);
	assert_non_null(first.session);

	/* Control: a reload that changes nothing keeps resumption. */
	assert_int_equal(jet_tls_server_reload(s.ts, err, sizeof(err)), JET_OK);
	o.session = first.session;
	sr = tt_exchange(&s.t, &o, &cr);
	assert_true(sr->reused);
	assert_true(cr.got_reply);
	tt_client_res_free(&cr);

	COPY(f->pki.crl);
#undef COPY
	assert_int_equal(jet_tls_server_reload(s.ts, err, sizeof(err)), JET_OK);
	sr = tt_exchange(&s.t, &o, &cr);
	assert_false(sr->reused);
	assert_false(sr->accepted);
	assert_false(cr.got_reply);
	assert_int_equal(sr->verify_result, X509_V_ERR_CERT_REVOKED);
	tt_client_res_free(&cr);
	tt_client_res_free(&first);
	srv_stop(&s);
	unlink(live);
}

/* ------------------------------------------------------------------------
 * Allow-list of peer identities
 * --------------------------------------------------------------------- */

/* Builds a server with mtls mode and allowed_peers list; returns the rc and
 * frees the server.  err gets the reason. */
static int
allowed_new(struct fixture *f, enum jet_mtls_mode mode, const char *list,
	struct jet_tls_server **out, char *err, size_t errlen)
{
	struct jet_tls_server_conf conf = {
		.cert_file = f->pki.server.cert,
		.key_file = f->pki.server.key,
		.mtls = mode,
		.client_ca_file = mode != JET_MTLS_OFF ? f->pki.ca : NULL,
		.allowed_peers = list,
	};

	err[0] = '\0';
	return jet_tls_server_new(&conf, out, err, errlen);
}

static void
allowed_peers_validated(void **state)
{
	struct fixture *f = *state;
	struct jet_tls_server *ts = NULL;
	char err[256], list[JET_TLS_MAX_ALLOWED_PEERS + 1][40], joined[1024];
	char long_uri[JET_TLS_NAME_MAX + 1];
	size_t off = 0;

	/* A list needs mtls required: optional or off would let a client
	 * without a certificate past a check made on certificates. */
	assert_int_equal(allowed_new(f, JET_MTLS_OPTIONAL, "spiffe://t/gateway", &ts, err,
				 sizeof(err)), JET_ECONF);
	assert_null(ts);
	assert_non_null(strstr(err, "mtls required"));
	assert_int_equal(allowed_new(f, JET_MTLS_OFF, "spiffe://t/gateway", &ts, err,
				 sizeof(err)), JET_ECONF);
	/* Not a URI; the reason names the entry, not its text. */
	assert_int_equal(allowed_new(f, JET_MTLS_REQUIRED, "spiffe://t/gateway gateway-secret",
				 &ts, err, sizeof(err)), JET_ECONF);
	assert_non_null(strstr(err, "entry 2"));
	assert_null(strstr(err, "gateway-secret"));
	assert_int_equal(allowed_new(f, JET_MTLS_REQUIRED, "://nothing", &ts, err, sizeof(err)),
		JET_ECONF);
	/* Controls are refused, not taken as separators. */
	assert_int_equal(allowed_new(f, JET_MTLS_REQUIRED, "spiffe://t/a\nspiffe://t/b", &ts,
				 err, sizeof(err)), JET_ECONF);

	/* 16 entries fit, 17 do not. */
	for (size_t i = 0; i <= JET_TLS_MAX_ALLOWED_PEERS; i++) {
		snprintf(list[i], sizeof(list[i]), "spiffe://jetstream.test/svc%zu", i);
		if (i == JET_TLS_MAX_ALLOWED_PEERS) {
			assert_int_equal(allowed_new(f, JET_MTLS_REQUIRED, joined, &ts, err,
						 sizeof(err)), JET_OK);
			jet_tls_server_free(ts);
			ts = NULL;
		}
		off += (size_t)snprintf(joined + off, sizeof(joined) - off, "%s%s",
			i ? " " : "", list[i]);
		assert_true(off < sizeof(joined));
	}
	assert_int_equal(allowed_new(f, JET_MTLS_REQUIRED, joined, &ts, err, sizeof(err)),
		JET_ECONF);
	assert_null(ts);
	assert_non_null(strstr(err, "16"));

	/* 255 bytes fit, 256 do not. */
	memcpy(long_uri, "urn://", 6);
	memset(long_uri + 6, 'a', JET_TLS_NAME_MAX - 7);
	long_uri[JET_TLS_NAME_MAX - 1] = '\0';
	assert_int_equal(strlen(long_uri), 255);
	assert_int_equal(allowed_new(f, JET_MTLS_REQUIRED, long_uri, &ts, err, sizeof(err)),
		JET_OK);
	jet_tls_server_free(ts);
	ts = NULL;
	long_uri[JET_TLS_NAME_MAX - 1] = 'a';
	long_uri[JET_TLS_NAME_MAX] = '\0';
	assert_int_equal(allowed_new(f, JET_MTLS_REQUIRED, long_uri, &ts, err, sizeof(err)),
		JET_ECONF);

	/* Empty or blank: no list, so any mode is fine. */
	assert_int_equal(allowed_new(f, JET_MTLS_OPTIONAL, " \t ", &ts, err, sizeof(err)),
		JET_OK);
	jet_tls_server_free(ts);
}

/* Exact matching against the identity of a real, verified certificate. */
static void
allowed_peers_match_exactly(void **state)
{
	struct fixture *f = *state;
	struct jet_peer_identity id, no_uri;
	struct jet_tls_server *ts = NULL;
	char err[256];
	const struct {
		const char *list;
		bool allowed;
	} cases[] = {
		{ NULL, true },
		{ "", true },
		{ JET_TESTPKI_CLIENT_URI, true },
		{ "spiffe://jetstream.test/gateway\t" JET_TESTPKI_CLIENT_URI, true },
		{ "spiffe://jetstream.test/gateway", false },
		/* No prefix, suffix or case folding. */
		{ "spiffe://jetstream.test/building/b1/device/d", false },
		{ JET_TESTPKI_CLIENT_URI "/", false },
		{ "SPIFFE://jetstream.test/building/b1/device/d1", false },
		/* Subject and DNS names are never identities here. */
		{ "dns://" JET_TESTPKI_CLIENT_DNS, false },
	};

	assert_int_equal(identity_rc(f, &f->pki.client, &id), JET_OK);
	assert_int_equal(id.n_uri, 1);
	no_uri = id;
	no_uri.n_uri = 0;
	for (size_t i = 0; i < JET_ARRAY_LEN(cases); i++) {
		assert_int_equal(allowed_new(f, JET_MTLS_REQUIRED, cases[i].list, &ts, err,
					 sizeof(err)), JET_OK);
		assert_int_equal(jet_tls_server_peer_allowed(ts, &id), cases[i].allowed);
		/* Without a URI SAN, or without a certificate, only "no list"
		 * admits. */
		assert_int_equal(jet_tls_server_peer_allowed(ts, &no_uri),
			cases[i].list == NULL || cases[i].list[0] == '\0');
		assert_int_equal(jet_tls_server_peer_allowed(ts, NULL),
			cases[i].list == NULL || cases[i].list[0] == '\0');
		jet_tls_server_free(ts);
		ts = NULL;
	}
	/* The list is kept across a reload. */
	assert_int_equal(allowed_new(f, JET_MTLS_REQUIRED, "spiffe://jetstream.test/gateway", &ts,
				 err, sizeof(err)), JET_OK);
	assert_int_equal(jet_tls_server_reload(ts, err, sizeof(err)), JET_OK);
	assert_false(jet_tls_server_peer_allowed(ts, &id));
	jet_tls_server_free(ts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(required_valid_client_identity),
		cmocka_unit_test(required_refuses_bad_clients),
		cmocka_unit_test(required_crl_revokes),
		cmocka_unit_test(crl_of_every_ca_in_the_chain_is_needed),
		cmocka_unit_test(expired_crl_refused_at_load),
		cmocka_unit_test(optional_accepts_no_cert_refuses_bad_cert),
		cmocka_unit_test(off_requests_no_certificate),
		cmocka_unit_test(identity_limits),
		cmocka_unit_test(identity_on_resumed_session),
		cmocka_unit_test(trust_change_on_reload_ends_resumption),
		cmocka_unit_test(allowed_peers_validated),
		cmocka_unit_test(allowed_peers_match_exactly),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
