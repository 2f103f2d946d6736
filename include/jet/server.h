/*
 * jet/server.h - the HTTP/1.1 server every Jetstream service runs on.
 *
 * One event loop per worker thread (libuv), each with its own SO_REUSEPORT
 * listener; the main thread only handles signals and timers:
 *   SIGTERM, SIGINT  graceful shutdown: stop accepting, close idle
 *                    connections, finish in-flight requests (answered with
 *                    "Connection: close") within shutdown_timeout, return.
 *   SIGHUP           reload: TLS certificate/key/CA/CRL, then on_reload.
 *
 * Requests on one connection are handled one at a time, in order
 * (pipelined requests wait in the receive buffer).  A handler answers with
 * jet_http_respond*() exactly once, now or later from the same worker loop
 * (for example after work on the libuv thread pool).
 *
 * Every error the server produces itself carries a JSON body
 * {"error": "...", "message": "..."} and, for protocol errors, closes the
 * connection.
 */
#ifndef JET_SERVER_H
#define JET_SERVER_H

#include <uv.h>

#include "jet/http.h"
#include "jet/tls.h"

struct jet_http_server;
struct jet_http_req;

/* A route's handler: struct jet_route.handler holds one of these. */
typedef void (*jet_http_handler_fn)(struct jet_http_req *req, const void *route_udata);

struct jet_http_server_conf {
	const char *host;          /* numeric address or "localhost" */
	uint16_t port;             /* 0: any free port (tests) */
	unsigned workers;          /* event-loop threads; 0: one per core */
	uint64_t max_connections;  /* across workers; past it the oldest idle goes */
	struct jet_tls_server *tls; /* borrowed; NULL only with plain_http */
	bool plain_http;           /* unencrypted: refused unless host is loopback */
	struct jet_http_limits limits;
	uint64_t header_timeout_ms;   /* accept or previous response -> complete head */
	uint64_t body_timeout_ms;     /* complete head -> complete body */
	uint64_t idle_timeout_ms;     /* keep-alive wait for the next request */
	uint64_t write_timeout_ms;    /* peer not reading our response */
	uint64_t shutdown_timeout_ms; /* graceful shutdown deadline */
	uint64_t ticket_rotation_ms;  /* TLS ticket key rotation; 0: never */
	uint64_t max_requests_per_conn; /* 0: unlimited */
	bool hsts;                 /* Strict-Transport-Security on TLS responses */
	const struct jet_route *routes; /* borrowed; handlers are jet_http_handler_fn */
	size_t nroutes;
	void (*on_reload)(void *arg); /* SIGHUP, on the main thread; may be NULL */
	void *reload_arg;
	const char *name;          /* for logs: "api", "gateway" ... */
};

/* Fills conf with the documented defaults (host 127.0.0.1, port 8443, ...). */
void jet_http_server_conf_default(struct jet_http_server_conf *conf);

/* Validates conf and binds the listeners (so an address in use is reported
 * here, at start).  The conf's pointers are borrowed for the server's life. */
int jet_http_server_new(const struct jet_http_server_conf *conf, struct jet_http_server **out,
	char *err, size_t errlen);

/* Runs until shutdown completes; installs the signal handlers when
 * handle_signals.  Returns JET_OK after a graceful shutdown, or
 * JET_ETIMEDOUT when the deadline forced connections closed. */
int jet_http_server_run(struct jet_http_server *srv, bool handle_signals);

/* Begins graceful shutdown; any thread, any time (also before run). */
void jet_http_server_stop(struct jet_http_server *srv);

/* Frees a server that has returned from run (or never ran). */
void jet_http_server_free(struct jet_http_server *srv);

uint16_t jet_http_server_port(const struct jet_http_server *srv);

/* Counters for metrics and tests; read with relaxed atomics. */
struct jet_http_server_stats {
	uint64_t connections;      /* open now */
	uint64_t accepted;         /* since start */
	uint64_t refused_at_cap;   /* refused or evicted for the connection cap */
	uint64_t requests;
	uint64_t tls_failures;     /* handshakes that failed */
	uint64_t timeouts;         /* connections closed for a timeout */
};
void jet_http_server_stats(const struct jet_http_server *srv, struct jet_http_server_stats *st);

/* ------------------------------------------------------------------------
 * The request, as a handler sees it.  Valid from the handler call until the
 * handler's jet_http_respond*() returns.
 * ------------------------------------------------------------------------ */

const struct jet_http_request *jet_http_req_msg(const struct jet_http_req *req);
struct jet_str jet_http_req_body(const struct jet_http_req *req);
/* Path parameter by name from the route pattern, raw (percent-encoded). */
struct jet_str jet_http_req_param(const struct jet_http_req *req, const char *name);
/* The verified client certificate, or NULL. */
const struct jet_peer_identity *jet_http_req_peer(const struct jet_http_req *req);
const char *jet_http_req_peer_addr(const struct jet_http_req *req);
const char *jet_http_req_id(const struct jet_http_req *req);
uv_loop_t *jet_http_req_loop(const struct jet_http_req *req);

/* Adds a response header.  Names must be tokens and values free of CR, LF
 * and NUL: JET_EINVAL otherwise; JET_ETOOBIG past the header budget. */
int jet_http_req_add_header(struct jet_http_req *req, const char *name, const char *value);

/* Sends the response (Content-Length framing; no body for HEAD, 1xx, 204,
 * 304).  Exactly once per request. */
void jet_http_respond(struct jet_http_req *req, int status, const char *content_type,
	const void *body, size_t len);
/* {"error": code, "message": message} with the given status. */
void jet_http_respond_error(struct jet_http_req *req, int status, const char *code,
	const char *message);

#endif /* JET_SERVER_H */
