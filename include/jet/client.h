/*
 * jet/client.h - asynchronous HTTP/1.1 client on a libuv loop, with TLS and
 * keep-alive connection pooling.  The gateway (reverse proxy to backends
 * over mTLS) and the edge connector are built on it.
 *
 * One client belongs to one loop and one thread: every function here must be
 * called on the loop's thread, and every callback runs there.
 *
 *  - TLS: every connection of a client with conf.tls set is TLS; the server
 *    certificate is verified against the context's trust anchors and must
 *    match the request's host (DNS name or IP address).  A client
 *    certificate, when the context carries one, is presented.  Without TLS
 *    only loopback addresses may be reached (tests, local sidecars).
 *  - Pooling: connections are per origin (host, port).  A request takes an
 *    idle connection when there is one, else opens a new connection while
 *    the origin has fewer than max_conns_per_origin, else waits in the
 *    origin's FIFO queue (at most max_queue requests, each for at most
 *    queue_timeout_ms).
 *  - Bounded: response heads by conf.limits (max_head, max_headers), bodies
 *    by conf.limits.max_body, every phase by a timeout.
 *  - Retry: a request is re-sent once, on a fresh connection, only when it
 *    went out on a reused keep-alive connection that went away (EOF, reset,
 *    socket error, TLS alert) before a single byte of the response arrived,
 *    and either its method is idempotent (GET, HEAD, PUT, DELETE, OPTIONS)
 *    or its bytes were not all written (so the server cannot have acted on
 *    it).  A timeout is never retried.  See docs/internals/http-client.md.
 */
#ifndef JET_CLIENT_H
#define JET_CLIENT_H

#include <openssl/ssl.h>
#include <uv.h>

#include "jet/core.h"
#include "jet/http.h"

struct jet_http_client; /* opaque */

struct jet_http_client_conf {
	SSL_CTX *tls;                /* borrowed, must outlive the client (a context from
	                              * jet_tls_client_ctx_new); NULL: plain HTTP, allowed
	                              * only to loopback addresses */
	size_t max_conns_per_origin; /* open (or opening) connections per origin; >= 1 */
	size_t max_idle_per_origin;  /* idle keep-alive connections kept per origin */
	size_t max_queue;            /* requests waiting per origin; past it: JET_EBUSY */
	uint64_t connect_timeout_ms; /* name resolution + TCP connect + TLS handshake */
	uint64_t request_timeout_ms; /* first byte sent -> response complete */
	uint64_t idle_timeout_ms;    /* an idle pooled connection is closed after this;
	                              * keep it below the servers' own idle timeout */
	uint64_t queue_timeout_ms;   /* longest wait in the queue for a connection */
	struct jet_http_limits limits; /* response status line (max_request_line), head
	                                * (max_head, max_headers) and body (max_body) */
};

/* Defaults: plain HTTP, 32 connections, 8 idle, queue of 256 per origin;
 * connect 5 s, request 30 s, idle 30 s, queue 10 s; jet_http_limits_default()
 * but an 8 MiB body limit. */
void jet_http_client_conf_default(struct jet_http_client_conf *conf);

/*
 * Creates a client on loop.  conf is copied (conf->tls stays borrowed).
 * JET_ECONF when conf is inconsistent (a zero limit or timeout, max_headers
 * outside 1..JET_HTTP_MAX_HEADERS) or conf->tls does not verify the server
 * (no SSL_VERIFY_PEER); JET_ENOMEM.  Idle pooled connections do not keep the
 * loop alive.  With TLS, SIGPIPE is set to SIG_IGN process-wide unless the
 * program handles it (OpenSSL writes with write(2), as for the server).
 */
int jet_http_client_new(uv_loop_t *loop, const struct jet_http_client_conf *conf,
	struct jet_http_client **out);

/*
 * Fails every pending request with JET_ECLOSED (their callbacks run before
 * this returns, requests that had already failed get their own result),
 * closes every connection and starts closing the client's libuv handles.
 * The memory is released from the handles' close callbacks, so the loop
 * must run afterwards (uv_run until it has no more active handles) before
 * uv_loop_close.  Callbacks may call it; NULL and a second call are no-ops.
 * After it, jet_http_client_request returns JET_ESTATE.
 */
void jet_http_client_free(struct jet_http_client *c);

struct jet_http_client_req {
	enum jet_http_method method;   /* not JET_HTTP_METHOD_OTHER */
	const char *host;              /* IPv4/IPv6 literal (no brackets) or DNS name
	                                * ([A-Za-z0-9._-], last label not numeric),
	                                * resolved with uv_getaddrinfo; the server
	                                * certificate must match it */
	uint16_t port;                 /* != 0 */
	const char *target;            /* origin-form "/path?query" ("*" for OPTIONS);
	                                * visible ASCII only: no CR, LF, SP, NUL */
	const struct jet_http_header *headers; /* extra header fields, copied at submit */
	size_t nheaders;
	const void *body;              /* copied at submit; may be NULL when body_len 0 */
	size_t body_len;
};

/*
 * Header fields the client writes itself and refuses in req->headers:
 * Host, Content-Length, Transfer-Encoding, Connection, Keep-Alive,
 * Proxy-Connection, TE, Trailer, Upgrade.  Names must be tokens; values must
 * not hold CR, LF, NUL or other control characters except HTAB.
 */

struct jet_http_client_resp {
	int status;                           /* final status, 200..599 */
	const struct jet_http_response *head; /* borrowed: valid during the callback only */
	struct jet_str body;                  /* decoded body (length, chunked or EOF
	                                       * framing); borrowed during the callback */
};

/*
 * Completion of one request.  result is JET_OK (resp set) or an error (resp
 * NULL):
 *   JET_ETIMEDOUT  connect, request or queue timeout
 *   JET_ECLOSED    the server closed the connection early, or the client was freed
 *   JET_ETLS       handshake or verification failed, or a TLS alert
 *   JET_EIO        connect refused or another socket error
 *   JET_EPROTO     malformed response (framing, status line, 101, too many 1xx)
 *   JET_ETOOBIG    response head or body over conf.limits
 *   JET_EBUSY      the origin's queue was full
 *   JET_ENOTFOUND  the host name did not resolve
 *   JET_EPERM      plain HTTP to a name that resolved to a non-loopback address
 *   JET_ENOMEM
 * Called exactly once for every request jet_http_client_request accepted,
 * always from the loop (never from inside jet_http_client_request).  The
 * callback may submit requests and may free the client.
 */
typedef void (*jet_http_client_cb)(int result, const struct jet_http_client_resp *resp,
	void *arg);

/*
 * Submits a request.  Everything req points to is copied: it may be freed
 * when this returns.  JET_OK: cb will be called exactly once.  Otherwise cb
 * is never called: JET_EINVAL (invalid method, host, port, target or
 * header), JET_ETOOBIG (request head over 64 KiB), JET_EPERM (plain HTTP to
 * a non-loopback address literal), JET_ESTATE (the client is being freed),
 * JET_ENOMEM.
 */
int jet_http_client_request(struct jet_http_client *c, const struct jet_http_client_req *req,
	jet_http_client_cb cb, void *arg);

/* Counters for tests and metrics.  "now" fields are gauges, the rest count
 * since the client was created. */
struct jet_http_client_stats {
	uint64_t requests;         /* accepted by jet_http_client_request */
	uint64_t responses;        /* completed with JET_OK */
	uint64_t failures;         /* completed with an error */
	uint64_t connects;         /* connections opened (attempts) */
	uint64_t connect_failures; /* attempts that never carried a request */
	uint64_t reused;           /* requests sent on a pooled connection */
	uint64_t retries;          /* requests re-sent on a fresh connection */
	uint64_t timeouts;         /* requests failed with JET_ETIMEDOUT */
	uint64_t busy;             /* requests refused with JET_EBUSY */
	uint64_t tls_handshakes;   /* completed TLS handshakes */
	uint64_t tls_resumed;      /* ... of which resumed a saved session */
	uint64_t idle_closed;      /* idle connections closed by the server or timeout */
	uint64_t conns_now;        /* open or opening connections */
	uint64_t idle_now;         /* of which idle in the pool */
	uint64_t queued_now;       /* requests waiting for a connection */
};

void jet_http_client_stats(const struct jet_http_client *c, struct jet_http_client_stats *st);

#endif /* JET_CLIENT_H */
