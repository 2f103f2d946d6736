/*
 * tlstest.h - the loopback harness the TLS unit tests share: a one-shot
 * server thread (accept, blocking handshake with an SSL from a
 * jet_tls_server or from a raw reference SSL_CTX, read a line, answer
 * "pong") and a raw OpenSSL client with every protocol knob exposed, so a
 * test can offer exactly what it wants to see refused.
 *
 * Every socket has SO_RCVTIMEO/SO_SNDTIMEO and accept() polls with a
 * timeout: a broken test fails, it never hangs.  Header-only (static inline)
 * because it is private to tests/unit/tls.
 */
#ifndef JET_TLSTEST_H
#define JET_TLSTEST_H

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "jet/tls.h"

#define TT_TIMEOUT_MS 3000

/* What the server thread saw of one connection. */
struct tt_result {
	bool accepted;                /* SSL_accept returned 1 */
	bool served;                  /* read "ping" and wrote "pong" */
	int version;                  /* SSL_version */
	char cipher[64];
	bool ecdhe_aead;              /* negotiated suite: ECDHE (or 1.3) + AEAD */
	bool reused;
	bool peer_cert;               /* a client certificate was presented */
	int id_rc;                    /* jet_tls_peer_identity */
	struct jet_peer_identity id;
	char sni[256];
	char reason[128];             /* jet_tls_last_error when not accepted */
	uint64_t options;             /* SSL_get_options of the server SSL */
	long verify_result;           /* SSL_get_verify_result of the server SSL */
};

struct tt_server {
	int lfd;
	uint16_t port;
	struct jet_tls_server *ts; /* borrowed; or: */
	SSL_CTX *ref;              /* borrowed reference server context */
	bool enforce_identity;     /* close without answering when mTLS identity is
				      not acceptable, as the HTTP layer does */
	pthread_t thr;
	bool running;
	struct tt_result res;
};

static inline void
tt_timeouts(int fd)
{
	struct timeval tv = { TT_TIMEOUT_MS / 1000, (TT_TIMEOUT_MS % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Listens on 127.0.0.1, ephemeral port.  0 or -1. */
static inline int
tt_listen(struct tt_server *s)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int one = 1;

	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -1;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(s->lfd, 16) != 0 ||
		getsockname(s->lfd, (struct sockaddr *)&sa, &len) != 0) {
		close(s->lfd);
		s->lfd = -1;
		return -1;
	}
	s->port = ntohs(sa.sin_port);
	return 0;
}

static inline void *
tt_server_main(void *arg)
{
	struct tt_server *s = arg;
	struct tt_result *r = &s->res;
	struct pollfd pfd = { .fd = s->lfd, .events = POLLIN };
	const SSL_CIPHER *c;
	const char *sni;
	char line[64];
	size_t n = 0;
	SSL *ssl;
	int fd;

	if (poll(&pfd, 1, TT_TIMEOUT_MS) != 1)
		return NULL;
	fd = accept(s->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	tt_timeouts(fd);
	ssl = s->ts != NULL ? jet_tls_server_ssl_new(s->ts) : SSL_new(s->ref);
	if (ssl == NULL) {
		close(fd);
		return NULL;
	}
	r->options = SSL_get_options(ssl);
	SSL_set_fd(ssl, fd);
	ERR_clear_error();
	if (SSL_accept(ssl) != 1) {
		r->verify_result = SSL_get_verify_result(ssl);
		jet_tls_last_error(r->reason, sizeof(r->reason));
		if (getenv("TT_DEBUG") != NULL)
			fprintf(stderr, "tt server: %s\n", r->reason);
		goto out;
	}
	r->accepted = true;
	r->verify_result = SSL_get_verify_result(ssl);
	r->version = SSL_version(ssl);
	c = SSL_get_current_cipher(ssl);
	snprintf(r->cipher, sizeof(r->cipher), "%s", SSL_CIPHER_get_name(c));
	r->ecdhe_aead = SSL_CIPHER_is_aead(c) &&
		(SSL_CIPHER_get_kx_nid(c) == NID_kx_ecdhe || SSL_CIPHER_get_kx_nid(c) == NID_kx_any);
	r->reused = SSL_session_reused(ssl) == 1;
	r->peer_cert = SSL_get0_peer_certificate(ssl) != NULL;
	sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	snprintf(r->sni, sizeof(r->sni), "%s", sni != NULL ? sni : "");
	r->id_rc = jet_tls_peer_identity(ssl, &r->id);
	if (s->enforce_identity && s->ts != NULL) {
		enum jet_mtls_mode m = jet_tls_server_mtls(s->ts);

		if (m != JET_MTLS_OFF && r->id_rc != JET_OK &&
			!(m == JET_MTLS_OPTIONAL && r->id_rc == JET_ENOTFOUND))
			goto out;
	}
	while (n < sizeof(line) - 1) {
		int k = SSL_read(ssl, line + n, (int)(sizeof(line) - 1 - n));

		if (k <= 0)
			goto out;
		n += (size_t)k;
		if (memchr(line, '\n', n) != NULL)
			break;
	}
	line[n] = '\0';
	if (strcmp(line, "ping\n") == 0 && SSL_write(ssl, "pong\n", 5) == 5)
		r->served = true;
	SSL_shutdown(ssl);
out:
	ERR_clear_error();
	SSL_free(ssl);
	close(fd);
	return NULL;
}

/* Serves one connection in a thread; tt_join collects the result. */
static inline void
tt_start(struct tt_server *s)
{
	memset(&s->res, 0, sizeof(s->res));
	s->running = pthread_create(&s->thr, NULL, tt_server_main, s) == 0;
}

static inline struct tt_result *
tt_join(struct tt_server *s)
{
	if (s->running)
		pthread_join(s->thr, NULL);
	s->running = false;
	return &s->res;
}

static inline void
tt_close(struct tt_server *s)
{
	tt_join(s);
	if (s->lfd >= 0)
		close(s->lfd);
	s->lfd = -1;
}

/* A reference server that accepts everything OpenSSL 3.0 can still do:
 * the control that shows a client really offers what a test says. */
static inline SSL_CTX *
tt_ref_ctx(const char *cert, const char *key)
{
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());

	if (c == NULL)
		return NULL;
	SSL_CTX_clear_options(c, SSL_CTX_get_options(c));
	SSL_CTX_set_security_level(c, 0);
	if (SSL_CTX_set_min_proto_version(c, TLS1_VERSION) != 1 ||
		SSL_CTX_set_max_proto_version(c, 0) != 1 ||
		SSL_CTX_set_cipher_list(c, "ALL:@SECLEVEL=0") != 1 ||
		SSL_CTX_set_ciphersuites(c, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
					    "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256") != 1 ||
		SSL_CTX_set1_groups_list(c, "X25519:P-256:P-384:P-521:ffdhe2048") != 1 ||
		SSL_CTX_set1_sigalgs_list(c, "ECDSA+SHA256:ECDSA+SHA384:rsa_pss_rsae_sha256:"
					     "RSA+SHA256:RSA+SHA1:ECDSA+SHA1") != 1 ||
		SSL_CTX_use_certificate_file(c, cert, SSL_FILETYPE_PEM) != 1 ||
		SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) != 1) {
		SSL_CTX_free(c);
		return NULL;
	}
	SSL_CTX_set_dh_auto(c, 1);
	SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
	return c;
}

/* ------------------------------------------------------------------------
 * Client
 * --------------------------------------------------------------------- */

struct tt_client_opts {
	SSL_CTX *ctx;            /* use this context (e.g. jet_tls_client_ctx_new) ... */
	const char *host;        /* ... with jet_tls_client_set_host(host) */
	/* or build a raw one: */
	const char *ca;          /* verify the server against it (IP 127.0.0.1) */
	const char *cert, *key;  /* client certificate */
	int min_version, max_version; /* 0: lowest / highest the library has */
	const char *ciphers, *suites, *groups;
	bool seclevel0;
	bool cert_cb;            /* record CertificateRequest (when no cert is set) */
	SSL_SESSION *session;    /* resume it */
	bool renegotiate;        /* TLS 1.2: ask for a renegotiation after the handshake */
};

struct tt_client_res {
	bool setup_ok;          /* the client context took every option */
	bool connected;         /* SSL_connect returned 1 */
	bool got_reply;         /* "pong" came back */
	bool renegotiated;      /* the renegotiation handshake completed */
	bool reused;
	bool cert_requested;    /* the server sent a CertificateRequest */
	int n_ca_names;         /* CA names the server sent with it */
	char ca_name0[256];     /* the first, RFC 2253 */
	int version;
	char cipher[64];
	long verify_result;
	SSL_SESSION *session;   /* owned: free with tt_client_res_free */
	X509 *server_cert;      /* owned */
};

static inline int
tt_cert_cb(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
	struct tt_client_res *r = SSL_get_app_data(ssl);

	r->cert_requested = true;
	return 0; /* no certificate */
}

static inline SSL_CTX *
tt_client_ctx(const struct tt_client_opts *o, struct tt_client_res *r)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	/* Every knob explicit: the process may run under a weak openssl.cnf,
	 * and the client must offer exactly what the test says. */
	SSL_CTX_clear_options(ctx, SSL_CTX_get_options(ctx));
	SSL_CTX_set_security_level(ctx, o->seclevel0 ? 0 : 1);
	r->setup_ok = SSL_CTX_set_min_proto_version(ctx, o->min_version) == 1 &&
		SSL_CTX_set_max_proto_version(ctx, o->max_version) == 1 &&
		SSL_CTX_set1_sigalgs_list(ctx,
			"ECDSA+SHA256:ECDSA+SHA384:RSA-PSS+SHA256:RSA+SHA256:RSA+SHA384:RSA+SHA1:"
			"ECDSA+SHA1") == 1 &&
		(o->ciphers == NULL || SSL_CTX_set_cipher_list(ctx, o->ciphers) == 1) &&
		SSL_CTX_set_ciphersuites(ctx, o->suites != NULL ? o->suites
			: "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256") == 1 &&
		SSL_CTX_set1_groups_list(ctx, o->groups != NULL ? o->groups
			: "X25519:P-256:P-384:P-521:ffdhe2048") == 1;
	if (o->ciphers == NULL && r->setup_ok)
		r->setup_ok = SSL_CTX_set_cipher_list(ctx, "DEFAULT") == 1;
	if (o->ca != NULL) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		if (SSL_CTX_load_verify_file(ctx, o->ca) != 1 ||
			X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(ctx), "127.0.0.1") != 1)
			r->setup_ok = false;
	}
	if (o->cert != NULL &&
		(SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1 ||
			SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1))
		r->setup_ok = false;
	if (o->cert_cb)
		SSL_CTX_set_client_cert_cb(ctx, tt_cert_cb);
	/* No internal store: freeing the context would flush it and mark
	 * every session in it (including ones we keep) not resumable. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	return ctx;
}

static inline int
tt_connect_fd(uint16_t port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	tt_timeouts(fd);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One connection: handshake, "ping", read the answer.  Fills r. */
static inline void
tt_client_run(uint16_t port, const struct tt_client_opts *o, struct tt_client_res *r)
{
	SSL_CTX *ctx = o->ctx;
	STACK_OF(X509_NAME) *cas;
	char buf[64];
	size_t n = 0;
	SSL *ssl = NULL;
	int fd = -1;

	memset(r, 0, sizeof(*r));
	/* A refused client writes into a closed socket: EPIPE, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (ctx == NULL) {
		ctx = tt_client_ctx(o, r);
		if (ctx == NULL || !r->setup_ok)
			goto out;
	} else {
		SSL_CTX_up_ref(ctx);
		r->setup_ok = true;
	}
	ssl = SSL_new(ctx);
	if (ssl == NULL) {
		r->setup_ok = false;
		goto out;
	}
	SSL_set_app_data(ssl, r);
	if (o->ctx != NULL && o->host != NULL && jet_tls_client_set_host(ssl, o->host) != JET_OK) {
		r->setup_ok = false;
		goto out;
	}
	if (o->session != NULL) {
		/* Offer a copy: OpenSSL marks a TLS 1.3 session used once as not
		 * resumable (single-use tickets), and a test offering it again
		 * would then see "not resumed" whatever the server does. */
		SSL_SESSION *copy = SSL_SESSION_dup(o->session);

		if (copy == NULL || !SSL_SESSION_is_resumable(copy) ||
			SSL_set_session(ssl, copy) != 1)
			r->setup_ok = false;
		SSL_SESSION_free(copy);
		if (!r->setup_ok)
			goto out;
	}
	fd = tt_connect_fd(port);
	if (fd < 0) {
		r->setup_ok = false;
		goto out;
	}
	SSL_set_fd(ssl, fd);
	r->connected = SSL_connect(ssl) == 1;
	r->verify_result = SSL_get_verify_result(ssl);
	if (!r->connected && getenv("TT_DEBUG") != NULL)
		ERR_print_errors_fp(stderr);
	if (!r->connected)
		goto out;
	r->version = SSL_version(ssl);
	snprintf(r->cipher, sizeof(r->cipher), "%s", SSL_get_cipher_name(ssl));
	r->server_cert = SSL_get1_peer_certificate(ssl);
	cas = SSL_get_client_CA_list(ssl);
	r->n_ca_names = cas != NULL ? sk_X509_NAME_num(cas) : 0;
	if (r->n_ca_names > 0)
		X509_NAME_oneline(sk_X509_NAME_value(cas, 0), r->ca_name0, sizeof(r->ca_name0));
	if (o->renegotiate)
		r->renegotiated = SSL_renegotiate(ssl) == 1 && SSL_do_handshake(ssl) == 1;
	if (SSL_write(ssl, "ping\n", 5) != 5)
		goto out;
	while (n < sizeof(buf) - 1) {
		int k = SSL_read(ssl, buf + n, (int)(sizeof(buf) - 1 - n));

		if (k <= 0)
			break;
		n += (size_t)k;
		if (memchr(buf, '\n', n) != NULL)
			break;
	}
	buf[n] = '\0';
	r->got_reply = strcmp(buf, "pong\n") == 0;
	r->reused = SSL_session_reused(ssl) == 1;
	/* After the read: TLS 1.3 tickets arrive after the handshake. */
	r->session = SSL_get1_session(ssl);
	SSL_shutdown(ssl);
out:
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
}

static inline void
tt_client_res_free(struct tt_client_res *r)
{
	SSL_SESSION_free(r->session);
	X509_free(r->server_cert);
	r->session = NULL;
	r->server_cert = NULL;
}

/* Runs one connection against s: start, client, join. */
static inline struct tt_result *
tt_exchange(struct tt_server *s, const struct tt_client_opts *o, struct tt_client_res *r)
{
	tt_start(s);
	tt_client_run(s->port, o, r);
	return tt_join(s);
}

#endif /* JET_TLSTEST_H */
