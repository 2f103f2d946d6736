/*
 * conn.c - one HTTP/1.1 server connection: TLS handshake, request framing,
 * dispatch, response writing, keep-alive and timeouts (RFC 9112).
 *
 * State machine (server_int.h, enum conn_state):
 *
 *   HANDSHAKE -> IDLE <-> READ_HEAD -> READ_BODY -> HANDLING -> IDLE ...
 *                                 \-> (error) CLOSING -> CLOSED
 *
 * Invariants:
 *  - One request is in flight at a time; pipelined requests wait in rbuf,
 *    so responses leave in request order.
 *  - rbuf holds [head][rest] while a request is in flight: the parsed head
 *    (msg) borrows from it, so it is consumed only after the response.
 *  - Every buffer is bounded: rbuf by the head limit plus one read, body by
 *    max_body, wbuf by JET_HTTP_WBUF_HIGH plus one response (new requests
 *    are not taken while wbuf is above the mark).
 *  - A connection whose handler has not answered is never freed: when the
 *    peer goes away meanwhile, the struct lives on (CLOSED) until
 *    jet_http_respond() is called.
 *  - After a protocol error the error response is the last thing sent and
 *    the connection closes: nothing after a framing error can be trusted.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "jet/json.h"
#include "jet/log.h"
#include "server_int.h"

static void conn_process(struct jet_http_conn *c);
static void conn_update_poll(struct jet_http_conn *c);
static void conn_flush(struct jet_http_conn *c);
static void on_poll(uv_poll_t *h, int status, int events);

/* ------------------------------------------------------------------------
 * Small helpers
 * --------------------------------------------------------------------- */

static uint64_t
now_ms(void)
{
	return jet_now_ms();
}

static void
set_state(struct jet_http_conn *c, enum conn_state st)
{
	c->state = st;
	c->since_ms = now_ms();
}

static const char *
error_code(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 408: return "request_timeout";
	case 411: return "length_required";
	case 413: return "payload_too_large";
	case 414: return "uri_too_long";
	case 417: return "expectation_failed";
	case 431: return "request_header_fields_too_large";
	case 500: return "internal_error";
	case 501: return "not_implemented";
	case 503: return "service_unavailable";
	case 505: return "http_version_not_supported";
	default: return "error";
	}
}

static const char *
error_message(int status)
{
	switch (status) {
	case 400: return "The request is malformed.";
	case 404: return "No such resource.";
	case 405: return "The method is not allowed on this resource.";
	case 408: return "The request was not received in time.";
	case 413: return "The request body is larger than allowed.";
	case 414: return "The request target is longer than allowed.";
	case 417: return "Only 'Expect: 100-continue' is supported.";
	case 431: return "The request headers are larger than allowed.";
	case 501: return "The method or transfer coding is not implemented.";
	case 503: return "The server is shutting down.";
	case 505: return "Only HTTP/1.1 and HTTP/1.0 are supported.";
	default: return "The request failed.";
	}
}

/* Refreshes the worker's cached Date header once per second. */
static const char *
worker_date(struct jet_http_worker *w)
{
	time_t t = time(NULL);

	if ((int64_t)t != w->date_sec) {
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(w->date, sizeof(w->date), "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
		w->date_sec = (int64_t)t;
	}
	return w->date;
}

/* X-Request-Id: the client's when it is short and plain, else ours. */
static void
make_request_id(struct jet_http_conn *c)
{
	const struct jet_http_header *h =
		jet_http_find_header(c->msg.headers, c->msg.nheaders, "x-request-id");

	if (h != NULL && h->value.len > 0 && h->value.len <= 64) {
		bool ok = true;

		for (size_t i = 0; i < h->value.len && ok; i++) {
			char ch = h->value.p[i];

			ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				(ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
				ch == '.' || ch == ':';
		}
		if (ok) {
			jet_str_copy(c->req.id, sizeof(c->req.id), h->value);
			return;
		}
	}
	snprintf(c->req.id, sizeof(c->req.id), "%s-%llx", c->w->id_prefix,
		(unsigned long long)++c->w->id_counter);
}

/* ------------------------------------------------------------------------
 * Accept and close
 * --------------------------------------------------------------------- */

void
jet_http_conn_accept(struct jet_http_worker *w, int fd, const struct sockaddr_storage *peer)
{
	struct jet_http_server *srv = w->srv;
	struct jet_http_conn *c;
	SSL *ssl = NULL;
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto fail;
	if (!srv->conf.plain_http) {
		ssl = jet_tls_server_ssl_new(srv->conf.tls);
		if (ssl == NULL)
			goto fail;
	}
	if (uv_poll_init(&w->loop, &c->poll, fd) != 0)
		goto fail;
	c->poll.data = c;
	c->w = w;
	jet_stream_init(&c->stream, fd, ssl, true);
	jet_net_addr_str(peer, c->peer_addr, sizeof(c->peer_addr));
	jet_buf_init(&c->rbuf, srv->conf.limits.max_head + JET_HTTP_READ_CHUNK);
	jet_buf_init(&c->wbuf, (size_t)-1 / 2);
	jet_buf_init(&c->body, srv->conf.limits.max_body);
	jet_buf_init(&c->req.headers, JET_HTTP_RESP_HEADERS_MAX);
	c->req.conn = c;
	c->counted = true;
	/* The head deadline starts at accept: it covers the handshake too. */
	c->deadline_ms = now_ms() + srv->conf.header_timeout_ms;
	set_state(c, ssl != NULL ? CONN_HANDSHAKE : CONN_IDLE);

	c->prev = w->tail;
	if (w->tail != NULL)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
	w->nconns++;

	c->poll_events = UV_READABLE;
	uv_poll_start(&c->poll, UV_READABLE, on_poll);
	return;
fail:
	SSL_free(ssl);
	free(c);
	close(fd);
	atomic_fetch_sub(&srv->nconns, 1);
}

static void
on_handle_closed(uv_handle_t *h)
{
	struct jet_http_conn *c = h->data;

	c->handle_closed = true;
	if (c->req.active)
		return; /* the handler still owns the request; respond frees */
	jet_buf_cleanup(&c->rbuf);
	jet_buf_cleanup(&c->wbuf);
	jet_buf_cleanup(&c->body);
	jet_buf_cleanup(&c->req.headers);
	free(c->peer_id);
	free(c);
}

void
jet_http_conn_close(struct jet_http_conn *c)
{
	struct jet_http_worker *w = c->w;

	if (c->state == CONN_CLOSED)
		return;
	set_state(c, CONN_CLOSED);
	uv_poll_stop(&c->poll);
	jet_stream_close(&c->stream);

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		w->tail = c->prev;
	c->prev = c->next = NULL;
	w->nconns--;
	if (c->counted) {
		atomic_fetch_sub(&w->srv->nconns, 1);
		c->counted = false;
	}
	uv_close((uv_handle_t *)&c->poll, on_handle_closed);
	jet_http_worker_conn_gone(w);
}

bool
jet_http_conn_evictable(const struct jet_http_conn *c)
{
	return c->state == CONN_IDLE || c->state == CONN_HANDSHAKE ||
		c->state == CONN_READ_HEAD;
}

/* ------------------------------------------------------------------------
 * Responses
 * --------------------------------------------------------------------- */

/* Access log line and per-request reset once a response is queued. */
static void
request_done(struct jet_http_conn *c, int status, size_t resp_bytes)
{
	struct jet_access_rec rec;
	const struct jet_peer_identity *id = c->peer_id;
	char method[24] = "-";

	atomic_fetch_add(&c->w->srv->requests, 1);
	if (c->msg.method_name.len > 0)
		jet_str_copy(method, sizeof(method), c->msg.method_name);
	rec.method = method;
	rec.path = c->msg.path;
	rec.status = status;
	rec.bytes_in = c->req.bytes_in;
	rec.bytes_out = resp_bytes;
	rec.duration_us = (jet_now_ns() - c->req.start_ns) / 1000;
	rec.peer = c->peer_addr;
	rec.request_id = c->req.id;
	rec.identity = id == NULL ? NULL : id->n_uri > 0 ? id->san_uri[0] : id->subject;
	jet_log_access(&rec);
}

/*
 * Appends a complete response to wbuf.  extra: preformatted header lines
 * (each ending in CRLF) or NULL.  Returns the bytes appended, 0 on failure
 * (then the connection must close).
 */
static size_t
write_response(struct jet_http_conn *c, int status, const char *content_type, const void *body,
	size_t len, const char *extra, size_t extra_len, bool head)
{
	struct jet_http_server *srv = c->w->srv;
	struct jet_buf *b = &c->wbuf;
	size_t before = b->len;
	bool no_body = head || status == 204 || status == 304 || (status >= 100 && status < 200);
	int rc;

	rc = jet_buf_printf(b, "HTTP/1.1 %d %s\r\n%s", status, jet_http_reason(status),
		worker_date(c->w));
	if (rc == JET_OK && status != 204 && status != 304 && status >= 200)
		rc = jet_buf_printf(b, "Content-Length: %zu\r\n", len);
	if (rc == JET_OK && content_type != NULL && len > 0)
		rc = jet_buf_printf(b, "Content-Type: %s\r\n", content_type);
	if (rc == JET_OK && c->req.id[0] != '\0')
		rc = jet_buf_printf(b, "X-Request-Id: %s\r\n", c->req.id);
	if (rc == JET_OK)
		rc = jet_buf_append_str(b, "X-Content-Type-Options: nosniff\r\n");
	if (rc == JET_OK && srv->conf.hsts && !srv->conf.plain_http)
		rc = jet_buf_append_str(b, "Strict-Transport-Security: max-age=31536000\r\n");
	if (rc == JET_OK && !c->keep_alive)
		rc = jet_buf_append_str(b, "Connection: close\r\n");
	else if (rc == JET_OK && c->msg.version_minor == 0)
		rc = jet_buf_append_str(b, "Connection: keep-alive\r\n");
	if (rc == JET_OK && extra_len > 0)
		rc = jet_buf_append(b, extra, extra_len);
	if (rc == JET_OK)
		rc = jet_buf_append(b, "\r\n", 2);
	if (rc == JET_OK && !no_body && len > 0)
		rc = jet_buf_append(b, body, len);
	if (rc != JET_OK) {
		b->len = before;
		return 0;
	}
	return b->len - before;
}

/* After a response is queued: close, or make the connection ready for the
 * next request (the finished head leaves rbuf, so it is never answered
 * twice). */
static void
finish_request(struct jet_http_conn *c)
{
	if (!c->keep_alive) {
		set_state(c, CONN_CLOSING);
		return;
	}
	jet_buf_consume(&c->rbuf, c->head_len);
	c->head_len = 0;
	set_state(c, CONN_IDLE);
	c->deadline_ms = now_ms() + c->w->srv->conf.idle_timeout_ms;
}

/* An error the server produces itself, outside any handler.  close: the
 * connection cannot be trusted any more (framing errors). */
static void
respond_protocol_error(struct jet_http_conn *c, int status, bool close_after, const char *allow)
{
	struct jet_buf body;
	char extra[160];
	size_t extra_len = 0, n;

	if (close_after)
		c->keep_alive = false;
	jet_buf_init(&body, 512);
	if (jet_json_error_body(&body, error_code(status), error_message(status)) != JET_OK)
		body.len = 0;
	extra_len = (size_t)snprintf(extra, sizeof(extra), "Cache-Control: no-store\r\n");
	if (allow != NULL)
		extra_len += (size_t)snprintf(extra + extra_len, sizeof(extra) - extra_len,
			"Allow: %s\r\n", allow);
	if (c->req.id[0] == '\0' && c->msg.nheaders > 0)
		make_request_id(c);
	n = write_response(c, status, "application/json", body.data, body.len, extra, extra_len,
		c->req.head);
	jet_buf_cleanup(&body);
	if (c->req.start_ns == 0)
		c->req.start_ns = jet_now_ns();
	request_done(c, status, n);
	if (n == 0)
		c->keep_alive = false;
	finish_request(c);
}

/* ------------------------------------------------------------------------
 * Handler-facing API
 * --------------------------------------------------------------------- */

const struct jet_http_request *
jet_http_req_msg(const struct jet_http_req *req)
{
	return &req->conn->msg;
}

struct jet_str
jet_http_req_body(const struct jet_http_req *req)
{
	return (struct jet_str){ req->conn->body.data, req->conn->body.len };
}

struct jet_str
jet_http_req_param(const struct jet_http_req *req, const char *name)
{
	for (size_t i = 0; i < req->params.n; i++)
		if (jet_str_eq_cstr(req->params.name[i], name))
			return req->params.value[i];
	return JET_STR_NULL;
}

const struct jet_peer_identity *
jet_http_req_peer(const struct jet_http_req *req)
{
	return req->conn->peer_id;
}

const char *
jet_http_req_peer_addr(const struct jet_http_req *req)
{
	return req->conn->peer_addr;
}

const char *
jet_http_req_id(const struct jet_http_req *req)
{
	return req->id;
}

uv_loop_t *
jet_http_req_loop(const struct jet_http_req *req)
{
	return &req->conn->w->loop;
}

static bool
is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		(ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

int
jet_http_req_add_header(struct jet_http_req *req, const char *name, const char *value)
{
	size_t before = req->headers.len;
	int rc;

	if (name[0] == '\0')
		return JET_EINVAL;
	for (const char *p = name; *p; p++)
		if (!is_tchar((unsigned char)*p))
			return JET_EINVAL;
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return JET_EINVAL;
	rc = jet_buf_printf(&req->headers, "%s: %s\r\n", name, value);
	if (rc != JET_OK)
		req->headers.len = before;
	return rc;
}

static void
conn_free_if_closed(struct jet_http_conn *c)
{
	if (c->handle_closed)
		on_handle_closed((uv_handle_t *)&c->poll);
}

void
jet_http_respond(struct jet_http_req *req, int status, const char *content_type, const void *body,
	size_t len)
{
	struct jet_http_conn *c = req->conn;
	size_t n;

	if (!req->active)
		return; /* answered twice: a handler bug; the first answer stands */
	req->active = false;
	if (c->state == CONN_CLOSED) {
		conn_free_if_closed(c);
		return;
	}
	if (c->w->draining)
		c->keep_alive = false;
	n = write_response(c, status, content_type, body, len, req->headers.data,
		req->headers.len, req->head);
	if (n == 0) {
		c->keep_alive = false;
		n = write_response(c, 500, NULL, NULL, 0, NULL, 0, req->head);
		status = 500;
	}
	request_done(c, status, n);
	if (n == 0)
		c->keep_alive = false;
	finish_request(c);
	/* A synchronous answer returns into conn_process, which carries on;
	 * an asynchronous one restarts the machine here. */
	if (!c->in_dispatch)
		conn_process(c);
}

void
jet_http_respond_error(struct jet_http_req *req, int status, const char *code,
	const char *message)
{
	struct jet_buf body;

	jet_buf_init(&body, 4096);
	jet_http_req_add_header(req, "Cache-Control", "no-store");
	if (jet_json_error_body(&body, code, message) != JET_OK)
		body.len = 0;
	jet_http_respond(req, status, "application/json", body.data, body.len);
	jet_buf_cleanup(&body);
}

/* ------------------------------------------------------------------------
 * Request framing and dispatch
 * --------------------------------------------------------------------- */

static void
reset_request(struct jet_http_conn *c)
{
	jet_buf_reset(&c->body);
	jet_buf_reset(&c->req.headers);
	c->req.route = NULL;
	c->req.params.n = 0;
	c->req.id[0] = '\0';
	c->req.bytes_in = 0;
	c->req.head = false;
	c->req.start_ns = 0;
	c->msg.nheaders = 0;
	c->msg.method_name = JET_STR_NULL;
	c->msg.path = JET_STR_NULL;
	c->head_len = 0;
}

static void
dispatch(struct jet_http_conn *c)
{
	struct jet_http_server *srv = c->w->srv;
	const struct jet_route *route = NULL;
	char allow[128];
	enum jet_route_result rr;

	c->req.bytes_in = c->body.len;
	if (c->msg.method == JET_HTTP_METHOD_OTHER) {
		respond_protocol_error(c, 501, false, NULL);
		return;
	}
	/* Defence in depth: the handshake already refused these. */
	if (!srv->conf.plain_http && c->peer_id == NULL &&
		jet_tls_server_mtls(srv->conf.tls) == JET_MTLS_REQUIRED) {
		jet_http_conn_close(c);
		return;
	}
	rr = jet_router_match(srv->router, c->msg.method, c->msg.path, &route, &c->req.params,
		allow, sizeof(allow));
	if (rr == JET_ROUTE_NOT_FOUND) {
		respond_protocol_error(c, 404, false, NULL);
		return;
	}
	if (rr == JET_ROUTE_METHOD_MISMATCH) {
		respond_protocol_error(c, 405, false, allow);
		return;
	}
	c->req.route = route;
	c->req.active = true;
	set_state(c, CONN_HANDLING);
	c->deadline_ms = 0;
	c->in_dispatch = true;
	((jet_http_handler_fn)route->handler)(&c->req, route->udata);
	c->in_dispatch = false;
}

/* Moves body bytes from rbuf (after the head) into c->body.  Returns
 * JET_OK when the body is complete, JET_AGAIN, or an HTTP status > 0. */
static int
read_body(struct jet_http_conn *c)
{
	char *start = c->rbuf.data + c->head_len;
	size_t avail = c->rbuf.len - c->head_len, used = 0;
	int rc = JET_OK;

	if (c->msg.body == JET_HTTP_BODY_LENGTH) {
		uint64_t need = c->msg.content_length - c->body.len;

		used = avail < need ? avail : (size_t)need;
		if (jet_buf_append(&c->body, start, used) != JET_OK)
			return 413;
		rc = c->body.len == c->msg.content_length ? JET_OK : JET_AGAIN;
	} else if (c->msg.body == JET_HTTP_BODY_CHUNKED) {
		rc = jet_http_chunked_feed(&c->chunked, start, avail, &c->body, &used);
		if (rc == JET_ETOOBIG)
			return 413;
		if (rc != JET_OK && rc != JET_AGAIN)
			return 400;
	}
	/* Drop the consumed body bytes; pipelined bytes slide down. */
	if (used > 0) {
		memmove(start, start + used, avail - used);
		c->rbuf.len -= used;
	}
	return rc;
}

/* Parses the next head from rbuf.  Returns false when it is incomplete
 * (wait for more bytes), true when it was handled one way or another. */
static bool
start_request(struct jet_http_conn *c)
{
	struct jet_http_server *srv = c->w->srv;
	int status = 400;
	int n;

	reset_request(c);
	n = jet_http_parse_request(c->rbuf.data, c->rbuf.len, &srv->conf.limits, &c->msg, &status);
	if (n == JET_AGAIN) {
		if (c->rbuf.len > 0 && c->state == CONN_IDLE) {
			set_state(c, CONN_READ_HEAD);
			c->deadline_ms = now_ms() + srv->conf.header_timeout_ms;
		}
		return false;
	}
	c->req.start_ns = jet_now_ns();
	if (n < 0) {
		c->msg.nheaders = 0;
		respond_protocol_error(c, status, true, NULL);
		return true;
	}
	c->head_len = (size_t)n;
	c->nrequests++;
	c->keep_alive = c->msg.keep_alive && !c->w->draining &&
		(srv->conf.max_requests_per_conn == 0 ||
			c->nrequests < srv->conf.max_requests_per_conn);
	c->req.head = c->msg.method == JET_HTTP_HEAD;
	make_request_id(c);
	if (c->msg.body == JET_HTTP_BODY_CHUNKED)
		jet_http_chunked_init(&c->chunked, srv->conf.limits.max_body,
			srv->conf.limits.max_head);
	if (c->msg.body == JET_HTTP_BODY_NONE) {
		dispatch(c);
		return true;
	}
	set_state(c, CONN_READ_BODY);
	c->deadline_ms = now_ms() + srv->conf.body_timeout_ms;
	if (c->msg.expect_continue && c->rbuf.len == c->head_len)
		jet_buf_append_str(&c->wbuf, "HTTP/1.1 100 Continue\r\n\r\n");
	return true;
}

/* Runs the state machine over what rbuf holds, as far as it can go. */
static void
conn_process(struct jet_http_conn *c)
{
	for (;;) {
		size_t pending = c->wbuf.len - c->wbuf_off;

		if (c->state == CONN_IDLE || c->state == CONN_READ_HEAD) {
			if (pending > JET_HTTP_WBUF_HIGH)
				break; /* the peer is not reading: stop taking requests */
			if (c->rbuf.len == 0)
				break;
			if (!start_request(c))
				break; /* head incomplete */
			continue;
		}
		if (c->state == CONN_READ_BODY) {
			int rc = read_body(c);

			if (rc == JET_AGAIN)
				break;
			if (rc > 0) {
				respond_protocol_error(c, rc, true, NULL);
				break;
			}
			dispatch(c);
			continue;
		}
		break; /* HANDLING, CLOSING, CLOSED, HANDSHAKE */
	}
	conn_flush(c);
}

/* ------------------------------------------------------------------------
 * I/O
 * --------------------------------------------------------------------- */

static void
conn_flush(struct jet_http_conn *c)
{
	struct jet_http_server *srv = c->w->srv;

	if (c->state == CONN_CLOSED)
		return;
	while (c->wbuf_off < c->wbuf.len) {
		ssize_t n = jet_stream_write(&c->stream, c->wbuf.data + c->wbuf_off,
			c->wbuf.len - c->wbuf_off);

		if (n == JET_AGAIN) {
			if (c->write_deadline_ms == 0)
				c->write_deadline_ms = now_ms() + srv->conf.write_timeout_ms;
			conn_update_poll(c);
			return;
		}
		if (n < 0) {
			jet_http_conn_close(c);
			return;
		}
		c->wbuf_off += (size_t)n;
		c->write_deadline_ms = 0;
	}
	jet_buf_reset(&c->wbuf);
	c->wbuf_off = 0;
	c->write_deadline_ms = 0;
	if (c->state == CONN_CLOSING) {
		jet_http_conn_close(c);
		return;
	}
	if (c->state == CONN_IDLE && c->w->draining && c->rbuf.len == 0) {
		jet_http_conn_close(c);
		return;
	}
	conn_update_poll(c);
}

static void
conn_update_poll(struct jet_http_conn *c)
{
	int ev = 0;
	bool reading = c->state == CONN_IDLE || c->state == CONN_READ_HEAD ||
		c->state == CONN_READ_BODY;

	if (c->state == CONN_CLOSED)
		return;
	if (c->state == CONN_HANDSHAKE) {
		ev = c->stream.want == JET_WANT_WRITE ? UV_WRITABLE : UV_READABLE;
	} else {
		if (reading && c->rbuf.len < c->rbuf.max &&
			c->wbuf.len - c->wbuf_off <= JET_HTTP_WBUF_HIGH)
			ev |= UV_READABLE;
		if (c->wbuf_off < c->wbuf.len)
			ev |= c->stream.want == JET_WANT_READ ? UV_READABLE : UV_WRITABLE;
		/* Still watch for the peer going away while we wait. */
		if (ev == 0 && c->state != CONN_CLOSING)
			ev = UV_DISCONNECT;
	}
	if (ev != c->poll_events) {
		c->poll_events = ev;
		uv_poll_start(&c->poll, ev, on_poll);
	}
}

/* Moves a slice that pointed into [from, from + len) to the same offset
 * from to; other slices (route names, literals) are left alone.  Compared
 * as integers: from is no longer a live allocation. */
static struct jet_str
rebase(struct jet_str s, uintptr_t from, size_t len, const char *to)
{
	uintptr_t p = (uintptr_t)s.p;

	if (s.p != NULL && p >= from && p <= from + len)
		s.p = to + (p - from);
	return s;
}

/*
 * Appends to rbuf.  The parsed head (msg) borrows from rbuf, and growing it
 * may move it: then every slice is moved along, so a head parsed before its
 * body arrived stays valid.
 */
static int
rbuf_append(struct jet_http_conn *c, const char *p, size_t n)
{
	uintptr_t old = (uintptr_t)c->rbuf.data;
	size_t len = c->rbuf.len;
	int rc = jet_buf_append(&c->rbuf, p, n);
	struct jet_http_request *m = &c->msg;
	const char *to = c->rbuf.data;

	if (rc != JET_OK || old == 0 || old == (uintptr_t)to || c->head_len == 0)
		return rc;
	m->method_name = rebase(m->method_name, old, len, to);
	m->target = rebase(m->target, old, len, to);
	m->path = rebase(m->path, old, len, to);
	m->query = rebase(m->query, old, len, to);
	m->host = rebase(m->host, old, len, to);
	for (size_t i = 0; i < m->nheaders; i++) {
		m->headers[i].name = rebase(m->headers[i].name, old, len, to);
		m->headers[i].value = rebase(m->headers[i].value, old, len, to);
	}
	for (size_t i = 0; i < c->req.params.n; i++)
		c->req.params.value[i] = rebase(c->req.params.value[i], old, len, to);
	return rc;
}

static void
handshake_done(struct jet_http_conn *c)
{
	struct jet_http_server *srv = c->w->srv;
	enum jet_mtls_mode mode = jet_tls_server_mtls(srv->conf.tls);
	struct jet_peer_identity *id;
	int rc;

	set_state(c, CONN_IDLE);
	if (mode == JET_MTLS_OFF)
		return;
	id = malloc(sizeof(*id));
	if (id == NULL) {
		jet_http_conn_close(c);
		return;
	}
	rc = jet_tls_peer_identity(c->stream.ssl, id);
	if (rc == JET_OK && jet_tls_server_peer_allowed(srv->conf.tls, id)) {
		c->peer_id = id;
		return;
	}
	if (rc == JET_OK) {
		/* Verified, but not an identity this server talks to.  The
		 * name is printable ASCII (identity.c) and not a secret. */
		atomic_fetch_add(&srv->tls_failures, 1);
		jet_log_event(JET_LOG_INFO, "tls", "client certificate refused", "peer",
			c->peer_addr, "reason", "peer not allowed", "identity",
			id->n_uri > 0 ? id->san_uri[0] : id->subject, NULL);
		free(id);
		jet_http_conn_close(c);
		return;
	}
	free(id);
	if (rc == JET_ENOTFOUND && mode == JET_MTLS_OPTIONAL)
		return;
	/* Required but absent, or presented and not acceptable: no HTTP. */
	atomic_fetch_add(&srv->tls_failures, 1);
	jet_log_event(JET_LOG_INFO, "tls", "client certificate refused", "peer", c->peer_addr,
		"reason", rc == JET_ENOTFOUND ? "no certificate" : "certificate not acceptable",
		NULL);
	jet_http_conn_close(c);
}

static void
on_poll(uv_poll_t *h, int status, int events)
{
	struct jet_http_conn *c = h->data;
	struct jet_http_server *srv = c->w->srv;

	if (c->state == CONN_CLOSED)
		return;
	if (status < 0) {
		jet_http_conn_close(c);
		return;
	}
	if (c->state == CONN_HANDSHAKE) {
		int rc = jet_stream_handshake(&c->stream);

		if (rc == JET_AGAIN) {
			conn_update_poll(c);
			return;
		}
		if (rc != JET_OK) {
			char why[128];

			atomic_fetch_add(&srv->tls_failures, 1);
			if (jet_log_enabled(JET_LOG_DEBUG)) {
				ERR_put_error(ERR_LIB_SSL, 0, (int)ERR_GET_REASON(c->stream.tls_err),
					__FILE__, __LINE__);
				jet_log_event(JET_LOG_DEBUG, "tls", "handshake failed", "peer",
					c->peer_addr, "reason",
					jet_tls_last_error(why, sizeof(why)), NULL);
			}
			jet_http_conn_close(c);
			return;
		}
		handshake_done(c);
		if (c->state == CONN_CLOSED)
			return;
	}
	if ((events & UV_WRITABLE) || (c->stream.want == JET_WANT_READ && c->wbuf_off < c->wbuf.len))
		conn_flush(c);
	if (c->state == CONN_CLOSED)
		return;
	if ((events & (UV_READABLE | UV_DISCONNECT)) &&
		(c->state == CONN_IDLE || c->state == CONN_READ_HEAD || c->state == CONN_READ_BODY)) {
		/* One read per event (the loop is level-triggered), plus whatever
		 * TLS already decrypted and holds. */
		do {
			/* Read into the worker's scratch buffer and keep only what
			 * arrived: an idle connection costs no 16 KiB buffer. */
			size_t room = JET_MIN(c->rbuf.max - c->rbuf.len, sizeof(c->w->scratch));
			ssize_t n;

			if (room == 0)
				break; /* full: the parser says 431, or we wait */
			n = jet_stream_read(&c->stream, c->w->scratch, room);
			if (n == JET_AGAIN)
				break;
			if (n < 0 || rbuf_append(c, c->w->scratch, (size_t)n) != JET_OK) {
				jet_http_conn_close(c);
				return;
			}
		} while (jet_stream_pending(&c->stream) && c->rbuf.len < c->rbuf.max);
		conn_process(c);
		return;
	}
	if ((events & UV_DISCONNECT) && c->state == CONN_HANDLING) {
		/* The peer left while its request is handled: close now; the
		 * handler's answer will find the connection closed. */
		jet_http_conn_close(c);
		return;
	}
	conn_update_poll(c);
}

/* ------------------------------------------------------------------------
 * Timeouts and draining
 * --------------------------------------------------------------------- */

void
jet_http_conn_sweep(struct jet_http_conn *c, uint64_t now)
{
	struct jet_http_server *srv = c->w->srv;

	if (c->write_deadline_ms != 0 && now >= c->write_deadline_ms) {
		atomic_fetch_add(&srv->timeouts, 1);
		jet_http_conn_close(c);
		return;
	}
	if (c->deadline_ms == 0 || now < c->deadline_ms)
		return;
	atomic_fetch_add(&srv->timeouts, 1);
	switch (c->state) {
	case CONN_READ_HEAD:
	case CONN_READ_BODY:
		/* A slow client gets a clear answer, then the door. */
		c->deadline_ms = 0;
		c->msg.nheaders = 0;
		if (c->state == CONN_READ_HEAD)
			c->msg.path = JET_STR_NULL;
		respond_protocol_error(c, 408, true, NULL);
		conn_flush(c);
		/* If the peer does not even read the 408, the write deadline
		 * ends it. */
		if (c->state != CONN_CLOSED && c->write_deadline_ms == 0)
			c->write_deadline_ms = now + srv->conf.write_timeout_ms;
		break;
	case CONN_HANDLING:
		break;
	default: /* HANDSHAKE, IDLE, CLOSING */
		jet_http_conn_close(c);
		break;
	}
}

void
jet_http_conn_drain(struct jet_http_conn *c)
{
	if (c->state == CONN_HANDSHAKE || (c->state == CONN_IDLE && c->rbuf.len == 0 &&
		c->wbuf_off == c->wbuf.len))
		jet_http_conn_close(c);
	/* Requests in progress finish; their response says Connection: close
	 * (see jet_http_respond and start_request). */
	else if (c->state == CONN_READ_HEAD || c->state == CONN_READ_BODY ||
		c->state == CONN_HANDLING)
		c->keep_alive = false;
}
