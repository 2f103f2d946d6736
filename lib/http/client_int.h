/*
 * client_int.h - private layout of the HTTP client (client.c).  Nothing
 * outside lib/http includes this.
 *
 * Threads: a client, its origins, connections and requests all belong to
 * the thread running the client's loop.
 *
 * Ownership:
 *  - The client owns its origins (freed only from loop callbacks with none
 *    of our frames on the stack: the deferred-work idle handle and the final
 *    close callback), so a pointer to an origin survives any user callback.
 *  - An origin lists its connections; a connection's memory is released
 *    when its timer and poll handles have closed and no name resolution is
 *    in flight (refs reaches 0), again from a loop callback.
 *  - A request (struct creq) is owned by exactly one of: the client's
 *    deferred list, an origin's queue, or a connection (conn->req).  It is
 *    freed right after its callback returns.
 */
#ifndef JET_HTTP_CLIENT_INT_H
#define JET_HTTP_CLIENT_INT_H

#include <uv.h>

#include "jet/client.h"
#include "jet/net.h"

#define CLIENT_READ_CHUNK 16384       /* bytes offered to one read */
#define CLIENT_MAX_HEAD_OUT 65536     /* serialized request head */
#define CLIENT_MAX_ADDRS 8            /* resolved addresses tried in order */
#define CLIENT_MAX_1XX 16             /* interim responses skipped per request */
#define CLIENT_MAX_EMPTY_ORIGINS 256  /* origins kept only for their TLS session */
#define CLIENT_HOST_MAX 253           /* DNS name length (RFC 1035) */

enum cconn_state {
	CCONN_RESOLVING = 0, /* uv_getaddrinfo in flight */
	CCONN_CONNECTING,    /* non-blocking connect, waiting for writable */
	CCONN_HANDSHAKE,     /* TLS handshake */
	CCONN_ACTIVE,        /* a request is being written / its response read */
	CCONN_IDLE,          /* in the pool, watched for EOF */
	CCONN_CLOSED,        /* fd closed; waits for handles to close */
};

struct origin;
struct cconn;

/* One submitted request and everything it needs to be (re-)sent. */
struct creq {
	struct creq *next;           /* deferred list or origin queue */
	struct jet_http_client *client;
	jet_http_client_cb cb;
	void *arg;
	enum jet_http_method method;
	struct jet_buf out;          /* serialized head + body, sent as is (twice on retry) */
	uint64_t queue_deadline_ms;  /* while queued */
	int result;                  /* while on the deferred list */
	bool retried;                /* already re-sent once */
};

struct cconn {
	struct jet_http_client *client;
	struct origin *origin;       /* NULL once closed */
	struct cconn *prev, *next;   /* origin's idle or busy list */
	enum cconn_state state;
	uv_timer_t timer;            /* the current phase's deadline; data = this */
	uv_poll_t *poll;             /* malloc'd per fd (address fallback); NULL before */
	uv_getaddrinfo_t *gai;       /* resolution in flight, or NULL */
	int refs;                    /* timer + poll + gai not yet closed/finished */
	struct jet_stream stream;    /* fd owned from connect on */
	int poll_events;             /* events registered with the loop */
	bool poll_failed;            /* the poll reported an error (EPOLLERR) */
	int read_want, write_want;   /* poll events that unblock a read / a write */
	struct sockaddr_storage addrs[CLIENT_MAX_ADDRS];
	socklen_t addrlens[CLIENT_MAX_ADDRS];
	size_t naddrs, addr_i;       /* candidates, the one being tried */
	int connect_err;             /* last connect failure, reported if all fail */
	int pending_err;             /* failure to report from the timer (async) */
	struct creq *req;            /* in flight (from RESOLVING to response) */
	size_t woff;                 /* bytes of req->out written */
	bool wdone;                  /* req->out fully written */
	int wfail;                   /* the write failed with this error; 0: no */
	bool got_byte;               /* any byte received for the current request */
	bool reused;                 /* the current request is not the conn's first */
	struct jet_buf rbuf;         /* response head, then raw body bytes */
	struct jet_buf body;         /* decoded chunked / EOF body */
	struct jet_http_response resp; /* parsed head; borrows rbuf */
	size_t head_len;             /* bytes of rbuf the head takes; 0 before parsed */
	struct jet_http_chunked chunked;
	unsigned n1xx;               /* interim responses skipped */
	uint64_t served;             /* responses completed on this connection */
};

struct origin {
	struct origin *prev, *next;  /* client's list, most recently used first */
	char host[CLIENT_HOST_MAX + 1];
	uint16_t port;
	bool literal;                /* host is an IP literal (no resolution) */
	struct sockaddr_storage addr; /* when literal */
	socklen_t addrlen;
	struct cconn *idle;          /* idle connections, most recent first */
	struct cconn *busy;          /* every other open connection */
	size_t nconns, nidle;        /* nconns counts idle and busy */
	struct creq *qhead, *qtail;  /* requests waiting for a connection */
	size_t nqueued;
	SSL_SESSION *session;        /* last resumable session, owned */
	uint64_t last_used_ms;       /* last request submitted (for collection) */
};

struct jet_http_client {
	uv_loop_t *loop;
	struct jet_http_client_conf conf; /* copy; tls borrowed */
	bool session_cache;          /* the context keeps client sessions */
	struct origin *origins;      /* most recently used first */
	size_t norigins;
	struct creq *dhead, *dtail;  /* completed in submit, delivered from `defer` */
	uv_idle_t defer;             /* delivers deferred results, collects origins */
	uv_timer_t queue_timer;      /* earliest queue deadline */
	uint64_t queue_timer_due;    /* when queue_timer fires; 0: stopped */
	int defer_depth;             /* > 0: completions go to the deferred list
	                              * (inside jet_http_client_request, or while a
	                              * connection is handed back) */
	bool closing;                /* jet_http_client_free was called */
	int handles;                 /* own handles not yet closed */
	uint64_t conns_alive;        /* connection structs not yet released */
	struct jet_http_client_stats st;
};

#endif /* JET_HTTP_CLIENT_INT_H */
