/*
 * server.c - the server side of the TLS policy: one jet_tls_server per
 * listener, shared by all worker threads, reloadable while they run.
 *
 * Invariants:
 *  - ts->ctx always points at a complete, valid SSL_CTX.  Reload builds a
 *    new one from the files and swaps the pointer under ts->lock; it never
 *    edits a context in use.  SSL_new takes its own reference on the
 *    context, so an old context lives until its last connection is freed.
 *  - Ticket keys live in ts, not in any SSL_CTX, so tickets issued before a
 *    reload still resume after it (see tickets.c).
 *  - The session id context is a digest of the client-authentication
 *    configuration (mode, CA bundle bytes, CRL bytes).  A session records
 *    whether its client certificate verified; when the trust configuration
 *    changes (a CRL revoking someone, a CA removed), sessions made under the
 *    old one stop resuming and the client goes through full verification
 *    again.  Reloading only the server certificate keeps resumption.
 *
 * Client authentication (mTLS, RFC 8446 4.3.2 / RFC 5246 7.4.4):
 *  - trust anchors come only from client_ca_file, never the system store;
 *    their names are sent in the CertificateRequest;
 *  - when crl_file is set, CRLs are checked for every certificate in the
 *    chain (X509_V_FLAG_CRL_CHECK_ALL): the file must hold a current CRL
 *    from every CA in the chain, and a missing or expired CRL fails the
 *    handshake (fail closed);
 *  - the leaf must carry extendedKeyUsage with id-kp-clientAuth (RFC 5280
 *    4.2.1.12); a leaf without the extension is refused too;
 *  - chains are verified in X509 strict mode, at most JET_TLS_VERIFY_DEPTH
 *    deep;
 *  - an allow-list of SAN URIs (peers.c), when set, is applied by the
 *    connection layer after the handshake (jet_tls_server_peer_allowed), not
 *    in the verify callback: a resumed session skips verification, but it
 *    still passes through that check on every connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls_int.h"

/* Server-side session cache bound: ~20k sessions is a few MB, enough for a
 * building's devices to resume TLS 1.2 sessions by id. */
#define JET_TLS_SESS_CACHE_SIZE 20000
/* Sessions resumed from the cache alone (tickets off) last this long. */
#define JET_TLS_SESS_CACHE_TIMEOUT_S 7200
/* RFC 8446 4.6.1: ticket lifetimes above 7 days are not allowed. */
#define JET_TLS_TICKET_MAX_S (7 * 24 * 3600)

/* ------------------------------------------------------------------------
 * Client certificate verification
 * --------------------------------------------------------------------- */

/*
 * Called by OpenSSL for every certificate in the client's chain, with
 * preverify_ok = its own verdict.  Adds the clientAuth EKU requirement on
 * the leaf; OpenSSL's own "sslclient" purpose check accepts a leaf with no
 * EKU at all, which Jetstream does not.
 */
static int
verify_client_cb(int preverify_ok, X509_STORE_CTX *sctx)
{
	X509 *cert;

	if (!preverify_ok)
		return 0;
	if (X509_STORE_CTX_get_error_depth(sctx) != 0)
		return 1;
	cert = X509_STORE_CTX_get_current_cert(sctx);
	if (cert == NULL || !jet_tls_has_client_eku(cert)) {
		X509_STORE_CTX_set_error(sctx, X509_V_ERR_INVALID_PURPOSE);
		return 0;
	}
	return 1;
}

/* Loads the CA bundle into the context's store and the CA name list. */
static int
load_client_cas(SSL_CTX *ctx, const char *path, const char *data, size_t len, char *err,
	size_t errlen)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	unsigned long e;
	X509 *x;
	int n = 0, rc = JET_ETLS;

	if (names == NULL || bio == NULL) {
		snprintf(err, errlen, "client CA file %s: out of memory", path);
		rc = JET_ENOMEM;
		goto fail;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		X509_NAME *nm = X509_NAME_dup(X509_get_subject_name(x));

		if (nm == NULL || sk_X509_NAME_push(names, nm) == 0) {
			X509_NAME_free(nm);
			X509_free(x);
			jet_tls_set_err(err, errlen, "client CA file %s", path);
			goto fail;
		}
		if (X509_STORE_add_cert(store, x) != 1) {
			X509_free(x);
			jet_tls_set_err(err, errlen, "client CA file %s: certificate %d refused",
				path, n + 1);
			goto fail;
		}
		X509_free(x);
		n++;
	}
	e = ERR_peek_last_error();
	if (e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
		jet_tls_set_err(err, errlen, "client CA file %s: malformed PEM", path);
		goto fail;
	}
	ERR_clear_error();
	if (n == 0) {
		snprintf(err, errlen, "client CA file %s: no PEM certificate", path);
		goto fail;
	}
	SSL_CTX_set_client_CA_list(ctx, names); /* takes ownership */
	names = NULL;
	rc = JET_OK;
fail:
	sk_X509_NAME_pop_free(names, X509_NAME_free);
	BIO_free(bio);
	return rc;
}

/* Loads every CRL of the file into the store; refuses a file with none, or
 * with a CRL already past its nextUpdate (it would fail every handshake). */
static int
load_crls(SSL_CTX *ctx, const char *path, const char *data, size_t len, char *err,
	size_t errlen)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	unsigned long e;
	X509_CRL *crl;
	int n = 0, rc = JET_ETLS;

	if (bio == NULL) {
		snprintf(err, errlen, "CRL file %s: out of memory", path);
		return JET_ENOMEM;
	}
	while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
		const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);

		n++;
		if (next != NULL && X509_cmp_current_time(next) <= 0) {
			X509_CRL_free(crl);
			snprintf(err, errlen, "CRL file %s: CRL %d is past its nextUpdate", path, n);
			goto fail;
		}
		if (X509_STORE_add_crl(store, crl) != 1) {
			X509_CRL_free(crl);
			jet_tls_set_err(err, errlen, "CRL file %s: CRL %d refused", path, n);
			goto fail;
		}
		X509_CRL_free(crl);
	}
	e = ERR_peek_last_error();
	if (e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
		jet_tls_set_err(err, errlen, "CRL file %s: malformed PEM", path);
		goto fail;
	}
	ERR_clear_error();
	if (n == 0) {
		snprintf(err, errlen, "CRL file %s: no PEM CRL", path);
		goto fail;
	}
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	rc = JET_OK;
fail:
	BIO_free(bio);
	return rc;
}

/* Sets up client authentication; feeds the trust files into sid_md. */
static int
setup_mtls(const struct jet_tls_server *ts, SSL_CTX *ctx, EVP_MD_CTX *sid_md, char *err,
	size_t errlen)
{
	char *ca = NULL, *crl = NULL;
	size_t ca_len = 0, crl_len = 0;
	int mode, rc;

	if (ts->mtls == JET_MTLS_OFF) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return JET_OK;
	}
	rc = jet_tls_read_file(ts->client_ca_file, "client CA file", JET_TLS_MAX_FILE, &ca,
		&ca_len, err, errlen);
	if (rc != JET_OK)
		goto fail;
	rc = load_client_cas(ctx, ts->client_ca_file, ca, ca_len, err, errlen);
	if (rc != JET_OK)
		goto fail;
	if (ts->crl_file != NULL) {
		rc = jet_tls_read_file(ts->crl_file, "CRL file", JET_TLS_MAX_FILE, &crl, &crl_len,
			err, errlen);
		if (rc != JET_OK)
			goto fail;
		rc = load_crls(ctx, ts->crl_file, crl, crl_len, err, errlen);
		if (rc != JET_OK)
			goto fail;
	}
	/* Strict RFC 5280 checks (e.g. critical basicConstraints on CAs, AKI
	 * on issued certificates): client chains come from Jetstream's own
	 * PKI or a deliberate enterprise one, never from the open web. */
	X509_STORE_set_flags(SSL_CTX_get_cert_store(ctx), X509_V_FLAG_X509_STRICT);
	mode = SSL_VERIFY_PEER;
	if (ts->mtls == JET_MTLS_REQUIRED)
		mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	SSL_CTX_set_verify(ctx, mode, verify_client_cb);
	SSL_CTX_set_verify_depth(ctx, JET_TLS_VERIFY_DEPTH);

	/* Lengths first, so (CA, CRL) pairs cannot collide by shifting bytes. */
	if (EVP_DigestUpdate(sid_md, &ca_len, sizeof(ca_len)) != 1 ||
		EVP_DigestUpdate(sid_md, ca, ca_len) != 1 ||
		EVP_DigestUpdate(sid_md, &crl_len, sizeof(crl_len)) != 1 ||
		(crl_len > 0 && EVP_DigestUpdate(sid_md, crl, crl_len) != 1)) {
		jet_tls_set_err(err, errlen, "session id context");
		rc = JET_ETLS;
		goto fail;
	}
	rc = JET_OK;
fail:
	free(ca);
	free(crl);
	return rc;
}

/* Session cache, tickets and the session id context. */
static int
setup_sessions(struct jet_tls_server *ts, SSL_CTX *ctx, EVP_MD_CTX *sid_md, char *err,
	size_t errlen)
{
	unsigned char sid[EVP_MAX_MD_SIZE];
	unsigned int sid_len = 0;

	if (EVP_DigestFinal_ex(sid_md, sid, &sid_len) != 1 ||
		sid_len > SSL_MAX_SID_CTX_LENGTH ||
		SSL_CTX_set_session_id_context(ctx, sid, sid_len) != 1) {
		jet_tls_set_err(err, errlen, "session id context");
		return JET_ETLS;
	}
	if (ts->session_cache) {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
		SSL_CTX_sess_set_cache_size(ctx, JET_TLS_SESS_CACHE_SIZE);
	} else {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	}
	if (ts->ticket_lifetime_s > 0) {
		/* A ticket is encrypted under the current key, which keeps
		 * decrypting for one more period after the next rotation: the
		 * advertised lifetime of one period is always honoured. */
		uint64_t life = JET_MIN(ts->ticket_lifetime_s, (uint64_t)JET_TLS_TICKET_MAX_S);

		SSL_CTX_set_app_data(ctx, ts);
		if (SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, jet_tls_tickets_cb) != 1) {
			jet_tls_set_err(err, errlen, "session tickets");
			return JET_ETLS;
		}
		SSL_CTX_set_timeout(ctx, (long)life);
		SSL_CTX_set_num_tickets(ctx, 1);
	} else {
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
		SSL_CTX_set_timeout(ctx, JET_TLS_SESS_CACHE_TIMEOUT_S);
		/* With NO_TICKET, TLS 1.3 "tickets" are stateful: a cache id.
		 * Without a cache there is nothing to resume, so issue none. */
		SSL_CTX_set_num_tickets(ctx, ts->session_cache ? 1 : 0);
	}
	return JET_OK;
}

/* Builds a complete context from the configured files. */
static int
build_ctx(struct jet_tls_server *ts, SSL_CTX **out, char *err, size_t errlen)
{
	static const char sid_label[] = "jetstream tls session context v1";
	unsigned char mode = (unsigned char)ts->mtls;
	EVP_MD_CTX *sid_md = NULL;
	SSL_CTX *ctx;
	int rc;

	*out = NULL;
	ERR_clear_error();
	ctx = SSL_CTX_new(TLS_server_method());
	sid_md = EVP_MD_CTX_new();
	if (ctx == NULL || sid_md == NULL || EVP_DigestInit_ex(sid_md, EVP_sha256(), NULL) != 1 ||
		EVP_DigestUpdate(sid_md, sid_label, sizeof(sid_label)) != 1 ||
		EVP_DigestUpdate(sid_md, &mode, 1) != 1) {
		jet_tls_set_err(err, errlen, "TLS server context");
		rc = JET_ENOMEM;
		goto fail;
	}
	rc = jet_tls_ctx_policy(ctx, err, errlen);
	if (rc != JET_OK)
		goto fail;
	/* No 0-RTT: early data is replayable (RFC 8446 8, E.5). */
	SSL_CTX_set_max_early_data(ctx, 0);
	SSL_CTX_set_recv_max_early_data(ctx, 0);
	rc = jet_tls_ctx_use_cert_key(ctx, ts->cert_file, ts->key_file, err, errlen);
	if (rc != JET_OK)
		goto fail;
	rc = setup_mtls(ts, ctx, sid_md, err, errlen);
	if (rc != JET_OK)
		goto fail;
	rc = setup_sessions(ts, ctx, sid_md, err, errlen);
	if (rc != JET_OK)
		goto fail;
	EVP_MD_CTX_free(sid_md);
	*out = ctx;
	return JET_OK;
fail:
	EVP_MD_CTX_free(sid_md);
	SSL_CTX_free(ctx);
	return rc;
}

/* ------------------------------------------------------------------------
 * Public API
 * --------------------------------------------------------------------- */

static int
dup_path(const char *in, char **out, char *err, size_t errlen)
{
	*out = NULL;
	if (in == NULL || in[0] == '\0')
		return JET_OK;
	*out = strdup(in);
	if (*out == NULL) {
		snprintf(err, errlen, "out of memory");
		return JET_ENOMEM;
	}
	return JET_OK;
}

int
jet_tls_server_new(const struct jet_tls_server_conf *conf, struct jet_tls_server **out,
	char *err, size_t errlen)
{
	struct jet_tls_server *ts;
	int rc;

	*out = NULL;
	if (conf == NULL || conf->cert_file == NULL || conf->key_file == NULL) {
		snprintf(err, errlen, "TLS: cert_file and key_file are required");
		return JET_ECONF;
	}
	if (conf->mtls != JET_MTLS_OFF && conf->mtls != JET_MTLS_OPTIONAL &&
		conf->mtls != JET_MTLS_REQUIRED) {
		snprintf(err, errlen, "TLS: unknown mtls mode %d", (int)conf->mtls);
		return JET_ECONF;
	}
	if (conf->mtls != JET_MTLS_OFF &&
		(conf->client_ca_file == NULL || conf->client_ca_file[0] == '\0')) {
		snprintf(err, errlen, "TLS: mtls %s needs client_ca_file",
			conf->mtls == JET_MTLS_REQUIRED ? "required" : "optional");
		return JET_ECONF;
	}
	if (conf->allowed_peers != NULL && conf->allowed_peers[strspn(conf->allowed_peers, " \t")] !=
		'\0' && conf->mtls != JET_MTLS_REQUIRED) {
		/* Optional would let an anonymous client past a check that only
		 * looks at certificates. */
		snprintf(err, errlen, "TLS: allowed_peers needs mtls required");
		return JET_ECONF;
	}
	ts = calloc(1, sizeof(*ts));
	if (ts == NULL) {
		snprintf(err, errlen, "out of memory");
		return JET_ENOMEM;
	}
	rc = jet_tls_peers_parse(ts, conf->allowed_peers, err, errlen);
	if (rc != JET_OK) {
		free(ts);
		return rc;
	}
	ts->mtls = conf->mtls;
	ts->ticket_lifetime_s = conf->ticket_lifetime_s;
	ts->session_cache = conf->session_cache;
	if (pthread_mutex_init(&ts->lock, NULL) != 0) {
		free(ts);
		snprintf(err, errlen, "out of memory");
		return JET_ENOMEM;
	}
	if ((rc = dup_path(conf->cert_file, &ts->cert_file, err, errlen)) != JET_OK ||
		(rc = dup_path(conf->key_file, &ts->key_file, err, errlen)) != JET_OK)
		goto fail;
	if (conf->mtls != JET_MTLS_OFF &&
		((rc = dup_path(conf->client_ca_file, &ts->client_ca_file, err, errlen)) != JET_OK ||
			(rc = dup_path(conf->crl_file, &ts->crl_file, err, errlen)) != JET_OK))
		goto fail;
	if (jet_tls_tickets_init(&ts->tickets) != JET_OK) {
		jet_tls_set_err(err, errlen, "session ticket keys");
		rc = JET_ETLS;
		goto fail;
	}
	rc = build_ctx(ts, &ts->ctx, err, errlen);
	if (rc != JET_OK)
		goto fail;
	*out = ts;
	return JET_OK;
fail:
	jet_tls_server_free(ts);
	return rc;
}

void
jet_tls_server_free(struct jet_tls_server *ts)
{
	if (ts == NULL)
		return;
	SSL_CTX_free(ts->ctx);
	jet_tls_tickets_cleanup(&ts->tickets);
	pthread_mutex_destroy(&ts->lock);
	free(ts->cert_file);
	free(ts->key_file);
	free(ts->client_ca_file);
	free(ts->crl_file);
	free(ts);
}

SSL *
jet_tls_server_ssl_new(struct jet_tls_server *ts)
{
	SSL_CTX *ctx;
	SSL *ssl;

	/* Hold the lock only for the reference, not for SSL_new's allocations:
	 * every worker comes through here for every connection. */
	pthread_mutex_lock(&ts->lock);
	ctx = ts->ctx;
	SSL_CTX_up_ref(ctx);
	pthread_mutex_unlock(&ts->lock);
	ssl = SSL_new(ctx);
	SSL_CTX_free(ctx);
	return ssl;
}

int
jet_tls_server_reload(struct jet_tls_server *ts, char *err, size_t errlen)
{
	SSL_CTX *fresh, *old;
	int rc;

	rc = build_ctx(ts, &fresh, err, errlen);
	if (rc != JET_OK)
		return rc;
	pthread_mutex_lock(&ts->lock);
	old = ts->ctx;
	ts->ctx = fresh;
	pthread_mutex_unlock(&ts->lock);
	SSL_CTX_free(old); /* connections still using it hold references */
	return JET_OK;
}

void
jet_tls_server_rotate_tickets(struct jet_tls_server *ts)
{
	if (ts == NULL || ts->ticket_lifetime_s == 0)
		return;
	/* On RNG failure the old keys stay in service until the next period. */
	(void)jet_tls_tickets_rotate(&ts->tickets);
}

enum jet_mtls_mode
jet_tls_server_mtls(const struct jet_tls_server *ts)
{
	return ts->mtls;
}
