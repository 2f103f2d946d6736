/*
 * testnet.h - test support for everything that crosses a socket:
 *  - jet_testsrv: a jet_http_server running in a thread of the test process;
 *  - jet_testconn: a blocking raw client (plain or TLS, every protocol knob
 *    exposed) that sends exact bytes and reads exact answers, so tests can
 *    speak broken HTTP and broken TLS on purpose.
 */
#ifndef JET_TESTNET_H
#define JET_TESTNET_H

#include <pthread.h>

#include <openssl/ssl.h>

#include "jet/server.h"

struct jet_testsrv {
	struct jet_http_server *srv;
	pthread_t thread;
	uint16_t port;
	int run_rc;
	bool running;
};

/* Binds (port 0 unless conf->port is set) and runs conf in a thread. */
int jet_testsrv_start(struct jet_testsrv *t, const struct jet_http_server_conf *conf);
/* Graceful stop + join; returns what jet_http_server_run returned. */
int jet_testsrv_stop(struct jet_testsrv *t);

struct jet_testconn_opts {
	bool plain;              /* no TLS */
	const char *ca;          /* trust anchor; NULL: do not verify the server */
	const char *cert, *key;  /* client certificate */
	int min_version, max_version; /* TLS1_VERSION ... ; 0: library default */
	const char *ciphers;     /* TLS <= 1.2 cipher list; NULL: default */
	const char *suites;      /* TLS 1.3 suites; NULL: default */
	const char *groups;      /* NULL: default */
	bool insecure_seclevel;  /* security level 0, so the client can offer old things */
	SSL_SESSION *session;    /* resume this session */
	int timeout_ms;          /* per read/write; 0: 5000 */
};

struct jet_testconn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	int handshake_rc;        /* 1 on success */
	char buf[1 << 18];       /* bytes received and not yet returned */
	size_t len;
};

/* Connects to 127.0.0.1:port and, unless plain, handshakes.  Returns 0 when
 * connected (and handshaken), -1 when the TCP connect failed, -2 when the
 * TLS handshake failed (the connection is still open for inspection). */
int jet_testconn_open(struct jet_testconn *c, uint16_t port, const struct jet_testconn_opts *o);
int jet_testconn_send(struct jet_testconn *c, const void *p, size_t len);
int jet_testconn_send_str(struct jet_testconn *c, const char *s);

/*
 * Reads one HTTP response (head, then a Content-Length body) into out
 * (NUL-terminated).  Returns the status code, 0 when the peer closed or
 * failed (TLS alert included) before a complete response, -1 on timeout.
 * Bytes after the response stay buffered for the next call (pipelining).
 */
int jet_testconn_response(struct jet_testconn *c, char *out, size_t outlen);

/* True when the peer closes (EOF, reset or TLS alert) within timeout_ms and
 * sends nothing else first. */
bool jet_testconn_wait_closed(struct jet_testconn *c, int timeout_ms);

void jet_testconn_close(struct jet_testconn *c);

/* One request on a fresh connection: the status, body into out. */
int jet_test_request(uint16_t port, const struct jet_testconn_opts *o, const char *request,
	char *out, size_t outlen);

/* A per-test temporary directory under $JET_TEST_TMP (created). */
void jet_test_tmpdir(char *out, size_t outlen, const char *tag);

/* Raises RLIMIT_NOFILE to the hard limit (tests that open thousands of
 * connections). */
void jet_test_raise_nofile(void);

#endif /* JET_TESTNET_H */
