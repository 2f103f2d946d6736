/*
 * server_int.h - private layout of the HTTP server, shared by server.c (the
 * runtime: workers, listeners, signals, sweeps) and conn.c (one
 * connection's state machine).  Nothing outside lib/http includes this.
 *
 * Threads: struct jet_http_server is built by the main thread and then read
 * by every worker; its mutable fields are atomics.  A worker and all its
 * connections belong to that worker's thread alone.
 */
#ifndef JET_HTTP_SERVER_INT_H
#define JET_HTTP_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include <uv.h>

#include "jet/net.h"
#include "jet/server.h"

#define JET_HTTP_MAX_WORKERS 64
#define JET_HTTP_READ_CHUNK 16384       /* bytes offered to one read */
#define JET_HTTP_WBUF_HIGH 65536        /* stop taking requests above this */
#define JET_HTTP_RESP_HEADERS_MAX 8192  /* handler-added response headers */
#define JET_HTTP_SWEEP_MS 250           /* timeout granularity */

enum conn_state {
	CONN_HANDSHAKE = 0, /* TLS handshake in progress */
	CONN_IDLE,          /* keep-alive, no byte of the next request yet */
	CONN_READ_HEAD,     /* some bytes of a head received */
	CONN_READ_BODY,     /* head parsed, body incomplete */
	CONN_HANDLING,      /* handler called, response not yet given */
	CONN_CLOSING,       /* flushing the last response, then close */
	CONN_CLOSED,        /* fd closed; struct waits for handle close / handler */
};

struct jet_http_worker;
struct jet_http_conn;

struct jet_http_req {
	struct jet_http_conn *conn;
	const struct jet_route *route;
	struct jet_http_params params;
	struct jet_buf headers;  /* response headers added by the handler */
	char id[72];             /* X-Request-Id */
	uint64_t start_ns;
	uint64_t bytes_in;
	bool head;               /* HEAD request: no body in the response */
	bool active;             /* between dispatch and respond */
};

struct jet_http_conn {
	struct jet_stream stream;
	uv_poll_t poll;               /* data = this conn */
	struct jet_http_worker *w;
	struct jet_http_conn *prev, *next; /* worker's list, oldest first */
	enum conn_state state;
	int poll_events;              /* events registered with the loop */
	uint64_t deadline_ms;         /* read-side deadline; 0: none */
	uint64_t write_deadline_ms;   /* while wbuf holds unsent bytes */
	uint64_t since_ms;            /* entered the current state */
	struct jet_buf rbuf;          /* head, body bytes, pipelined requests */
	struct jet_buf wbuf;          /* responses not yet written */
	size_t wbuf_off;              /* bytes of wbuf already written */
	struct jet_buf body;          /* decoded request body */
	struct jet_http_chunked chunked;
	struct jet_http_request msg;  /* parsed head; borrows rbuf */
	size_t head_len;              /* bytes of rbuf the head occupies */
	struct jet_http_req req;
	struct jet_peer_identity *peer_id; /* verified client certificate, or NULL */
	char peer_addr[64];
	uint64_t nrequests;
	bool keep_alive;              /* the current request allows reuse */
	bool handle_closed;           /* uv_close finished */
	bool in_dispatch;             /* inside the handler call */
	bool counted;                 /* included in the server's connection count */
};

struct jet_http_worker {
	struct jet_http_server *srv;
	unsigned index;
	pthread_t thread;
	uv_loop_t loop;
	uv_poll_t accept_poll;
	int listen_fd;
	uv_timer_t sweep;
	uv_timer_t deadline;          /* graceful shutdown deadline */
	uv_async_t stop_async;
	struct jet_http_conn *head, *tail; /* open connections, oldest first */
	uint64_t nconns;
	bool draining;
	bool forced;                  /* the deadline closed connections */
	char date[40];                /* "Date: ...\r\n" for this second */
	int64_t date_sec;
	char id_prefix[12];           /* random per worker, for request ids */
	uint64_t id_counter;
	char scratch[JET_HTTP_READ_CHUNK]; /* one read's bytes, before rbuf */
};

struct jet_http_server {
	struct jet_http_server_conf conf; /* copy; pointers borrowed */
	struct jet_router *router;
	unsigned nworkers;
	struct jet_http_worker workers[JET_HTTP_MAX_WORKERS];
	uint16_t port;
	atomic_bool stop_requested;
	uv_async_t *main_stop;        /* set while run() is active */
	pthread_mutex_t lock;         /* guards main_stop */
	atomic_uint_fast64_t nconns;  /* open connections, all workers */
	atomic_uint_fast64_t accepted;
	atomic_uint_fast64_t refused_at_cap;
	atomic_uint_fast64_t requests;
	atomic_uint_fast64_t tls_failures;
	atomic_uint_fast64_t timeouts;
	atomic_bool forced;
};

/* conn.c */
void jet_http_conn_accept(struct jet_http_worker *w, int fd,
	const struct sockaddr_storage *peer);
void jet_http_conn_close(struct jet_http_conn *c);
/* Checks deadlines; called by the sweep timer. */
void jet_http_conn_sweep(struct jet_http_conn *c, uint64_t now);
/* Graceful shutdown: closes the connection now if it has no request in
 * progress; otherwise its current response will carry Connection: close. */
void jet_http_conn_drain(struct jet_http_conn *c);
/* True when the connection may be evicted for the connection cap. */
bool jet_http_conn_evictable(const struct jet_http_conn *c);

/* server.c */
void jet_http_worker_conn_gone(struct jet_http_worker *w);

#endif /* JET_HTTP_SERVER_INT_H */
