/*
 * client.c - asynchronous HTTP/1.1 client (RFC 9110, RFC 9112) on a libuv
 * loop: name resolution, non-blocking connect with address fallback, TLS
 * through jet_stream, keep-alive pooling per origin, bounded queues, one
 * retry on a stale pooled connection, and TLS session resumption.
 *
 * A connection's life (client_int.h, enum cconn_state):
 *
 *   RESOLVING -> CONNECTING -> HANDSHAKE -> ACTIVE <-> IDLE
 *        \            \             \          \        \-> CLOSED
 *         `------------`-------------`----------`-> CLOSED
 *
 * Invariants:
 *  - A connection is opened for one request (conn->req from RESOLVING on);
 *    its connect failure fails that request, and also the origin's queue
 *    when the origin has no established connection left (the backend is
 *    unreachable: queued requests must not each wait out a connect timeout).
 *  - One request per connection at a time (no pipelining), so the response
 *    belongs to conn->req and anything the server sends beyond it makes the
 *    connection unusable.
 *  - Idle connections in the pool are polled for readability: a byte or an
 *    EOF there means the server closed or misbehaves, and the connection is
 *    dropped before a request can be lost on it.
 *  - No request completes inside jet_http_client_request, nor while a
 *    response is being handed over (defer_depth > 0): such completions go
 *    to the deferred list and run from an idle callback.  User callbacks
 *    therefore never nest inside our own list surgery.
 *  - Memory of connections, origins and the client is only released from
 *    loop callbacks where none of our frames is on the stack (handle close
 *    callbacks, the idle callback), so pointers held across a user callback
 *    stay valid; state (CCONN_CLOSED, c->closing) says what may still be
 *    done with them.
 *  - Every buffer is bounded: rbuf by max_head + max_body + one read, the
 *    decoded body by max_body, the request by CLIENT_MAX_HEAD_OUT + body.
 *
 * TLS: the server certificate is verified by the context (a context
 * without SSL_VERIFY_PEER is refused, and the verification result is checked
 * again after the handshake) against the host given to
 * jet_tls_client_set_host.  An EOF-delimited body over TLS is complete only
 * with close_notify (OpenSSL 3 reports a bare EOF as an error, and the
 * policy does not set SSL_OP_IGNORE_UNEXPECTED_EOF), so a truncation cannot
 * pass for a body.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "jet/log.h"
#include "jet/tls.h"
#include "client_int.h"

static void conn_open(struct origin *o, struct creq *r);
static void conn_fail(struct cconn *k, int err);
static void conn_close(struct cconn *k);
static void conn_update_poll(struct cconn *k);
static void conn_read(struct cconn *k);
static void on_conn_poll(uv_poll_t *h, int status, int events);
static void on_conn_timer(uv_timer_t *t);
static void origin_kick(struct origin *o);
static void client_maybe_release(struct jet_http_client *c);

/* ------------------------------------------------------------------------
 * Configuration
 * --------------------------------------------------------------------- */

void
jet_http_client_conf_default(struct jet_http_client_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->tls = NULL;
	conf->max_conns_per_origin = 32;
	conf->max_idle_per_origin = 8;
	conf->max_queue = 256;
	conf->connect_timeout_ms = 5000;
	conf->request_timeout_ms = 30000;
	conf->idle_timeout_ms = 30000;
	conf->queue_timeout_ms = 10000;
	jet_http_limits_default(&conf->limits);
	conf->limits.max_body = (uint64_t)8 * 1024 * 1024;
}

static bool
conf_valid(const struct jet_http_client_conf *conf)
{
	const struct jet_http_limits *lim = &conf->limits;

	/* rbuf's maximum is max_head + max_body + one read: keep it far from
	 * overflowing size_t. */
	return conf->max_conns_per_origin > 0 && conf->connect_timeout_ms > 0 &&
		conf->request_timeout_ms > 0 && conf->idle_timeout_ms > 0 &&
		conf->queue_timeout_ms > 0 && lim->max_head > 0 && lim->max_request_line > 0 &&
		lim->max_head <= SIZE_MAX / 4 && lim->max_body <= SIZE_MAX / 4 &&
		lim->max_headers > 0 && lim->max_headers <= JET_HTTP_MAX_HEADERS;
}

/* ------------------------------------------------------------------------
 * Requests: validation, serialization, completion
 * --------------------------------------------------------------------- */

static bool
is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		(ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* Framing and connection management are the client's alone: a caller (a
 * gateway forwarding headers) must not be able to change them. */
static const char *const refused_headers[] = {
	"host", "content-length", "transfer-encoding", "connection", "keep-alive",
	"proxy-connection", "te", "trailer", "upgrade",
};

static bool
valid_header(const struct jet_http_header *h)
{
	if (h->name.len == 0 || h->name.p == NULL || (h->value.len > 0 && h->value.p == NULL))
		return false;
	for (size_t i = 0; i < h->name.len; i++)
		if (!is_tchar((unsigned char)h->name.p[i]))
			return false;
	for (size_t i = 0; i < h->value.len; i++) {
		unsigned char ch = (unsigned char)h->value.p[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return false;
	}
	for (size_t i = 0; i < JET_ARRAY_LEN(refused_headers); i++)
		if (jet_str_caseeq_cstr(h->name, refused_headers[i]))
			return false;
	return true;
}

/* Origin-form target, or "*" for OPTIONS; visible ASCII only (non-ASCII must
 * be percent-encoded by the caller). */
static bool
valid_target(const char *t, enum jet_http_method m)
{
	if (t == NULL || t[0] == '\0')
		return false;
	if (t[0] != '/' && !(m == JET_HTTP_OPTIONS && strcmp(t, "*") == 0))
		return false;
	for (const char *p = t; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

/* An IP literal (into addr) or a plausible DNS name; nothing that could
 * smuggle bytes into the Host header or the SNI. */
static bool
valid_host(const char *host, uint16_t port, struct sockaddr_storage *addr, socklen_t *addrlen,
	bool *literal)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
	size_t n;

	memset(addr, 0, sizeof(*addr));
	*literal = false;
	if (host == NULL)
		return false;
	n = strnlen(host, CLIENT_HOST_MAX + 1);
	if (n == 0 || n > CLIENT_HOST_MAX)
		return false;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		*addrlen = sizeof(*v4);
		*literal = true;
		return true;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		*addrlen = sizeof(*v6);
		*literal = true;
		return true;
	}
	if (host[0] == '-' || host[0] == '.' || strstr(host, "..") != NULL)
		return false;
	for (const char *p = host; *p; p++) {
		char ch = *p;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_'))
			return false;
	}
	/* A name whose last label is numeric ("127.1", "2130706433",
	 * "0x7f.1") is no DNS name but an address in a form inet_pton refuses
	 * and getaddrinfo would accept: ambiguous, so refused. */
	{
		const char *last = host, *end = host + n;

		if (end[-1] == '.')
			end--;
		for (const char *p = host; p < end; p++)
			if (*p == '.')
				last = p + 1;
		if (last < end && (strspn(last, "0123456789") >= (size_t)(end - last) ||
			(end - last > 1 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X'))))
			return false;
	}
	return true;
}

static bool
idempotent(enum jet_http_method m)
{
	return m == JET_HTTP_GET || m == JET_HTTP_HEAD || m == JET_HTTP_PUT ||
		m == JET_HTTP_DELETE || m == JET_HTTP_OPTIONS;
}

/* Serializes the whole request once; a retry sends the same bytes. */
static int
build_request(const struct jet_http_client *c, const struct jet_http_client_req *q,
	struct jet_buf *out)
{
	bool v6 = strchr(q->host, ':') != NULL;
	bool default_port = q->port == (c->conf.tls != NULL ? 443 : 80);
	size_t estimate = 96 + strlen(q->target) + strlen(q->host);
	int rc;

	if (q->body_len > SIZE_MAX - CLIENT_MAX_HEAD_OUT - 1)
		return JET_ETOOBIG;
	jet_buf_init(out, CLIENT_MAX_HEAD_OUT + 1 + q->body_len);
	/* One allocation in the common case (the estimate is a guess: the
	 * buffer still grows, within its maximum, if it was short). */
	for (size_t i = 0; i < q->nheaders; i++)
		estimate += q->headers[i].name.len + q->headers[i].value.len + 4;
	rc = jet_buf_reserve(out, JET_MIN(estimate, (size_t)CLIENT_MAX_HEAD_OUT) + q->body_len);
	if (rc == JET_OK)
		rc = jet_buf_printf(out, "%s %s HTTP/1.1\r\nHost: %s%s%s",
			jet_http_method_name(q->method), q->target, v6 ? "[" : "", q->host,
			v6 ? "]" : "");
	if (rc == JET_OK && !default_port)
		rc = jet_buf_printf(out, ":%u", (unsigned)q->port);
	if (rc == JET_OK)
		rc = jet_buf_append(out, "\r\n", 2);
	for (size_t i = 0; rc == JET_OK && i < q->nheaders; i++) {
		const struct jet_http_header *h = &q->headers[i];

		rc = jet_buf_append(out, h->name.p, h->name.len);
		if (rc == JET_OK)
			rc = jet_buf_append(out, ": ", 2);
		if (rc == JET_OK)
			rc = jet_buf_append(out, h->value.p, h->value.len);
		if (rc == JET_OK)
			rc = jet_buf_append(out, "\r\n", 2);
	}
	/* RFC 9110 8.6: a POST, PUT or PATCH without a body still says 0, so
	 * the server need not guess. */
	if (rc == JET_OK && (q->body_len > 0 || q->method == JET_HTTP_POST ||
		q->method == JET_HTTP_PUT || q->method == JET_HTTP_PATCH))
		rc = jet_buf_printf(out, "Content-Length: %zu\r\n", q->body_len);
	if (rc == JET_OK)
		rc = jet_buf_append(out, "\r\n", 2);
	if (rc == JET_OK && out->len > CLIENT_MAX_HEAD_OUT)
		rc = JET_ETOOBIG;
	if (rc == JET_OK)
		rc = jet_buf_append(out, q->body, q->body_len);
	if (rc != JET_OK)
		jet_buf_cleanup(out);
	return rc;
}

static void
creq_free(struct creq *r)
{
	jet_buf_cleanup(&r->out);
	free(r);
}

/* Runs the user's callback and frees the request. */
static void
finish(struct creq *r, int rc, const struct jet_http_client_resp *resp)
{
	struct jet_http_client *c = r->client;

	if (rc == JET_OK) {
		c->st.responses++;
	} else {
		c->st.failures++;
		if (rc == JET_ETIMEDOUT)
			c->st.timeouts++;
		else if (rc == JET_EBUSY)
			c->st.busy++;
	}
	r->cb(rc, resp, r->arg);
	creq_free(r);
}

static void
on_defer(uv_idle_t *h);

/* A failure, delivered now or, inside a deferring section, from the idle
 * callback.  Responses never go through here (see conn_complete). */
static void
complete(struct creq *r, int rc)
{
	struct jet_http_client *c = r->client;

	if (c->defer_depth > 0) {
		r->result = rc;
		r->next = NULL;
		if (c->dtail != NULL)
			c->dtail->next = r;
		else
			c->dhead = r;
		c->dtail = r;
		uv_idle_start(&c->defer, on_defer);
		return;
	}
	finish(r, rc, NULL);
}

static void
deliver_deferred(struct jet_http_client *c)
{
	struct creq *r;

	while ((r = c->dhead) != NULL) {
		c->dhead = r->next;
		if (c->dhead == NULL)
			c->dtail = NULL;
		finish(r, r->result, NULL);
	}
}

/* ------------------------------------------------------------------------
 * Origins
 * --------------------------------------------------------------------- */

static bool
origin_empty(const struct origin *o)
{
	return o->nconns == 0 && o->nqueued == 0;
}

static void
origin_free(struct jet_http_client *c, struct origin *o)
{
	if (o->prev != NULL)
		o->prev->next = o->next;
	else
		c->origins = o->next;
	if (o->next != NULL)
		o->next->prev = o->prev;
	c->norigins--;
	SSL_SESSION_free(o->session);
	free(o);
}

/* Past CLIENT_MAX_EMPTY_ORIGINS, the least recently used origins that hold
 * nothing but a session go.  Runs from the idle callback only. */
static void
origins_collect(struct jet_http_client *c)
{
	while (c->norigins > CLIENT_MAX_EMPTY_ORIGINS) {
		struct origin *victim = NULL;

		for (struct origin *o = c->origins; o != NULL; o = o->next)
			if (origin_empty(o) &&
				(victim == NULL || o->last_used_ms < victim->last_used_ms))
				victim = o;
		if (victim == NULL)
			return; /* every origin is busy: they are bounded by their connections */
		origin_free(c, victim);
	}
}

static struct origin *
origin_get(struct jet_http_client *c, const char *host, uint16_t port, bool literal,
	const struct sockaddr_storage *addr, socklen_t addrlen)
{
	struct origin *o;

	for (o = c->origins; o != NULL; o = o->next)
		if (o->port == port && strcasecmp(o->host, host) == 0)
			break;
	if (o == NULL) {
		o = calloc(1, sizeof(*o));
		if (o == NULL)
			return NULL;
		/* valid_host bounded the length. */
		memcpy(o->host, host, strlen(host) + 1);
		o->port = port;
		o->literal = literal;
		o->addr = *addr;
		o->addrlen = addrlen;
		o->next = c->origins;
		if (c->origins != NULL)
			c->origins->prev = o;
		c->origins = o;
		if (++c->norigins > CLIENT_MAX_EMPTY_ORIGINS)
			uv_idle_start(&c->defer, on_defer);
	}
	o->last_used_ms = jet_now_ms();
	return o;
}

static bool
origin_has_established(const struct origin *o)
{
	if (o->idle != NULL)
		return true;
	for (const struct cconn *k = o->busy; k != NULL; k = k->next)
		if (k->state == CCONN_ACTIVE)
			return true;
	return false;
}

static void
on_queue_timer(uv_timer_t *t);

static void
origin_enqueue(struct origin *o, struct creq *r)
{
	struct jet_http_client *c = r->client;

	r->next = NULL;
	r->queue_deadline_ms = jet_now_ms() + c->conf.queue_timeout_ms;
	if (o->qtail != NULL)
		o->qtail->next = r;
	else
		o->qhead = r;
	o->qtail = r;
	o->nqueued++;
	c->st.queued_now++;
	/* Every request waits the same time, so a later one never expires
	 * first: the timer only needs starting when it is not running. */
	if (!uv_is_active((uv_handle_t *)&c->queue_timer))
		uv_timer_start(&c->queue_timer, on_queue_timer, c->conf.queue_timeout_ms, 0);
}

static struct creq *
origin_dequeue(struct origin *o)
{
	struct creq *r = o->qhead;

	if (r == NULL)
		return NULL;
	o->qhead = r->next;
	if (o->qhead == NULL)
		o->qtail = NULL;
	r->next = NULL;
	o->nqueued--;
	r->client->st.queued_now--;
	return r;
}

/* Fails every request queued now (not those that callbacks add). */
static void
origin_fail_queue(struct origin *o, int err)
{
	struct creq *r = o->qhead;

	o->qhead = o->qtail = NULL;
	if (r != NULL)
		r->client->st.queued_now -= o->nqueued;
	o->nqueued = 0;
	while (r != NULL) {
		struct creq *next = r->next;

		r->next = NULL;
		complete(r, err);
		r = next;
	}
}

static void
on_queue_timer(uv_timer_t *t)
{
	struct jet_http_client *c = t->data;
	uint64_t now = jet_now_ms(), next = 0;

	for (struct origin *o = c->origins; o != NULL && !c->closing; o = o->next) {
		while (o->qhead != NULL && o->qhead->queue_deadline_ms <= now && !c->closing)
			complete(origin_dequeue(o), JET_ETIMEDOUT);
	}
	if (c->closing)
		return;
	for (struct origin *o = c->origins; o != NULL; o = o->next)
		if (o->qhead != NULL && (next == 0 || o->qhead->queue_deadline_ms < next))
			next = o->qhead->queue_deadline_ms;
	if (next != 0)
		uv_timer_start(&c->queue_timer, on_queue_timer, next > now ? next - now : 1, 0);
}

/* ------------------------------------------------------------------------
 * Connection lists and handles
 * --------------------------------------------------------------------- */

static void
list_push(struct cconn **head, struct cconn *k)
{
	k->prev = NULL;
	k->next = *head;
	if (*head != NULL)
		(*head)->prev = k;
	*head = k;
}

static void
list_remove(struct cconn **head, struct cconn *k)
{
	if (k->prev != NULL)
		k->prev->next = k->next;
	else
		*head = k->next;
	if (k->next != NULL)
		k->next->prev = k->prev;
	k->prev = k->next = NULL;
}

static void
conn_unref(struct cconn *k)
{
	struct jet_http_client *c = k->client;

	if (--k->refs > 0)
		return;
	jet_buf_cleanup(&k->rbuf);
	jet_buf_cleanup(&k->body);
	free(k);
	c->conns_alive--;
	client_maybe_release(c);
}

static void
on_timer_closed(uv_handle_t *h)
{
	conn_unref(h->data);
}

static void
on_poll_closed(uv_handle_t *h)
{
	struct cconn *k = h->data;

	free(h);
	conn_unref(k);
}

/* Closes the socket and its poll handle (the conn.c order: stop polling,
 * close the fd, then close the handle). */
static void
conn_drop_fd(struct cconn *k)
{
	if (k->poll != NULL) {
		uv_poll_stop(k->poll);
		jet_stream_close(&k->stream);
		uv_close((uv_handle_t *)k->poll, on_poll_closed);
		k->poll = NULL;
		k->poll_events = 0;
	} else {
		jet_stream_close(&k->stream);
	}
}

static void
conn_set_poll(struct cconn *k, int events)
{
	if (k->poll == NULL || events == k->poll_events)
		return;
	k->poll_events = events;
	uv_poll_start(k->poll, events, on_conn_poll);
}

static void
conn_update_poll(struct cconn *k)
{
	if (k->state == CCONN_ACTIVE)
		conn_set_poll(k, k->read_want | (k->wdone || k->wfail != 0 ? 0 : k->write_want));
	else if (k->state == CCONN_IDLE)
		conn_set_poll(k, k->read_want);
}

/* Idle pooled connections must not keep the loop alive on their own. */
static void
conn_set_ref(struct cconn *k, bool ref)
{
	if (ref) {
		uv_ref((uv_handle_t *)&k->timer);
		if (k->poll != NULL)
			uv_ref((uv_handle_t *)k->poll);
	} else {
		uv_unref((uv_handle_t *)&k->timer);
		if (k->poll != NULL)
			uv_unref((uv_handle_t *)k->poll);
	}
}

/* Reports err from the timer callback on the next loop iteration: failures
 * found while opening a connection must not complete a request inside the
 * caller's frame. */
static void
conn_defer_fail(struct cconn *k, int err)
{
	k->pending_err = err;
	uv_timer_start(&k->timer, on_conn_timer, 0, 0);
}

/* Tears the connection down; the caller has dealt with k->req. */
static void
conn_close(struct cconn *k)
{
	struct jet_http_client *c = k->client;
	struct origin *o = k->origin;

	if (k->state == CCONN_CLOSED)
		return;
	if (k->req != NULL) {
		/* Defensive: every caller detaches the request first. */
		struct creq *r = k->req;

		k->req = NULL;
		complete(r, JET_ECLOSED);
	}
	if (k->state == CCONN_IDLE) {
		list_remove(&o->idle, k);
		o->nidle--;
		c->st.idle_now--;
	} else {
		list_remove(&o->busy, k);
	}
	o->nconns--;
	c->st.conns_now--;
	k->state = CCONN_CLOSED;
	k->origin = NULL;
	uv_timer_stop(&k->timer);
	uv_close((uv_handle_t *)&k->timer, on_timer_closed);
	conn_drop_fd(k);
	if (k->gai != NULL)
		uv_cancel((uv_req_t *)k->gai); /* on_resolved still runs and unrefs */
}

/* ------------------------------------------------------------------------
 * Opening: resolve, connect, handshake
 * --------------------------------------------------------------------- */

static void
conn_save_session(struct cconn *k)
{
	struct origin *o = k->origin;
	SSL_SESSION *s;

	if (!k->client->session_cache || k->stream.ssl == NULL || o == NULL)
		return;
	/* With TLS 1.3 the resumable session arrives after the handshake
	 * (NewSessionTicket), hence the checks after every response too. */
	s = SSL_get0_session(k->stream.ssl);
	if (s == NULL || s == o->session || !SSL_SESSION_is_resumable(s))
		return;
	SSL_SESSION_up_ref(s);
	SSL_SESSION_free(o->session);
	o->session = s;
}

static void
conn_start(struct cconn *k);

static void
conn_ready(struct cconn *k)
{
	conn_save_session(k);
	conn_start(k);
}

/* The reason a handshake failed, for operators: verification errors name
 * the check that failed (hostname mismatch, unknown CA, expiry ...). */
static void
log_tls_failure(const struct cconn *k)
{
	char why[256], port[8];
	long vr;

	if (!jet_log_enabled(JET_LOG_INFO))
		return;
	vr = SSL_get_verify_result(k->stream.ssl);
	if (vr != X509_V_OK)
		snprintf(why, sizeof(why), "certificate verify failed: %s",
			X509_verify_cert_error_string(vr));
	else if (k->stream.tls_err != 0)
		ERR_error_string_n(k->stream.tls_err, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "connection closed during the handshake");
	snprintf(port, sizeof(port), "%u", (unsigned)k->origin->port);
	jet_log_event(JET_LOG_INFO, "http-client", "TLS handshake failed", "host",
		k->origin->host, "port", port, "reason", why, NULL);
}

static void
conn_handshake(struct cconn *k)
{
	struct jet_http_client *c = k->client;
	int rc = jet_stream_handshake(&k->stream);

	if (rc == JET_AGAIN && k->poll_failed)
		rc = JET_EIO; /* the socket failed and TLS did not see why */
	if (rc == JET_AGAIN) {
		conn_set_poll(k, k->stream.want == JET_WANT_WRITE ? UV_WRITABLE : UV_READABLE);
		return;
	}
	if (rc != JET_OK) {
		struct origin *o = k->origin;

		log_tls_failure(k);
		/* A session the server no longer accepts must not poison every
		 * later attempt (conn_fail drops it for JET_ETLS). */
		if (rc == JET_EIO) {
			SSL_SESSION_free(o->session);
			o->session = NULL;
		}
		conn_fail(k, rc == JET_EIO ? JET_EIO : JET_ETLS);
		return;
	}
	/* Defence in depth: the context verifies the peer (checked at
	 * jet_http_client_new), but a verify callback could have waved a
	 * failure through. */
	if (SSL_get_verify_result(k->stream.ssl) != X509_V_OK ||
		SSL_get0_peer_certificate(k->stream.ssl) == NULL) {
		conn_fail(k, JET_ETLS);
		return;
	}
	c->st.tls_handshakes++;
	if (SSL_session_reused(k->stream.ssl))
		c->st.tls_resumed++;
	conn_ready(k);
}

static void
conn_connected(struct cconn *k)
{
	struct jet_http_client *c = k->client;
	struct origin *o = k->origin;
	SSL *ssl;

	if (c->conf.tls == NULL) {
		conn_ready(k);
		return;
	}
	ssl = SSL_new(c->conf.tls);
	if (ssl == NULL) {
		conn_fail(k, JET_ENOMEM);
		return;
	}
	if (jet_tls_client_set_host(ssl, o->host) != JET_OK) {
		SSL_free(ssl);
		conn_fail(k, JET_ETLS);
		return;
	}
	if (o->session != NULL && !SSL_SESSION_is_resumable(o->session)) {
		/* TLS 1.3 tickets are single-use: OpenSSL marks a session
		 * spent once a connection resumed it. */
		SSL_SESSION_free(o->session);
		o->session = NULL;
	}
	if (c->session_cache && o->session != NULL)
		SSL_set_session(ssl, o->session);
	jet_stream_init(&k->stream, k->stream.fd, ssl, false);
	k->state = CCONN_HANDSHAKE;
	conn_handshake(k);
}

/* Starts a connect to addrs[addr_i], or the next that can be tried. */
static void
conn_connect(struct cconn *k)
{
	struct jet_http_client *c = k->client;

	for (; k->addr_i < k->naddrs; k->addr_i++) {
		uv_poll_t *p;
		int fd = jet_net_connect(&k->addrs[k->addr_i], k->addrlens[k->addr_i]);

		if (fd < 0) {
			k->connect_err = JET_EIO;
			continue;
		}
		p = malloc(sizeof(*p));
		if (p == NULL) {
			close(fd);
			conn_defer_fail(k, JET_ENOMEM);
			return;
		}
		if (uv_poll_init(c->loop, p, fd) != 0) {
			free(p);
			close(fd);
			k->connect_err = JET_EIO;
			continue;
		}
		p->data = k;
		k->poll = p;
		k->poll_failed = false;
		k->refs++;
		jet_stream_init(&k->stream, fd, NULL, false);
		k->state = CCONN_CONNECTING;
		conn_set_poll(k, UV_WRITABLE);
		return;
	}
	conn_defer_fail(k, k->connect_err != 0 ? k->connect_err : JET_EIO);
}

static void
conn_on_connect(struct cconn *k, int status)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(k->stream.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0 && status < 0)
		err = EIO;
	if (err != 0) {
		/* Refused or unreachable: the next address, if any. */
		k->connect_err = JET_EIO;
		conn_drop_fd(k);
		k->addr_i++;
		conn_connect(k);
		return;
	}
	conn_connected(k);
}

static void
on_resolved(uv_getaddrinfo_t *gai, int status, struct addrinfo *res)
{
	struct cconn *k = gai->data;
	struct jet_http_client *c = k->client;
	bool skipped = false;

	free(gai);
	k->gai = NULL;
	if (k->state != CCONN_CLOSED && status != 0) {
		conn_fail(k, JET_ENOTFOUND);
	} else if (k->state != CCONN_CLOSED) {
		uint16_t port = htons(k->origin->port);

		for (struct addrinfo *ai = res; ai != NULL && k->naddrs < CLIENT_MAX_ADDRS;
			ai = ai->ai_next) {
			struct sockaddr_storage *ss = &k->addrs[k->naddrs];

			if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
				ai->ai_addrlen > sizeof(*ss))
				continue;
			memset(ss, 0, sizeof(*ss));
			memcpy(ss, ai->ai_addr, ai->ai_addrlen);
			if (ai->ai_family == AF_INET)
				((struct sockaddr_in *)ss)->sin_port = port;
			else
				((struct sockaddr_in6 *)ss)->sin6_port = port;
			/* Plain HTTP never leaves the host, whatever DNS says. */
			if (c->conf.tls == NULL && !jet_net_is_loopback(ss)) {
				skipped = true;
				continue;
			}
			k->addrlens[k->naddrs++] = (socklen_t)ai->ai_addrlen;
		}
		if (k->naddrs == 0)
			conn_fail(k, skipped ? JET_EPERM : JET_ENOTFOUND);
		else
			conn_connect(k);
	}
	uv_freeaddrinfo(res);
	conn_unref(k);
}

/* Opens a connection for r.  Failures are reported asynchronously. */
static void
conn_open(struct origin *o, struct creq *r)
{
	struct jet_http_client *c = r->client;
	struct cconn *k = calloc(1, sizeof(*k));
	struct addrinfo hints;

	if (k == NULL) {
		complete(r, JET_ENOMEM);
		return;
	}
	k->client = c;
	k->origin = o;
	k->req = r;
	k->stream.fd = -1;
	k->state = CCONN_RESOLVING;
	k->read_want = UV_READABLE;
	k->write_want = UV_WRITABLE;
	jet_buf_init(&k->rbuf, c->conf.limits.max_head + (size_t)c->conf.limits.max_body +
		CLIENT_READ_CHUNK);
	jet_buf_init(&k->body, (size_t)c->conf.limits.max_body);
	uv_timer_init(c->loop, &k->timer);
	k->timer.data = k;
	k->refs = 1;
	c->conns_alive++;
	list_push(&o->busy, k);
	o->nconns++;
	c->st.conns_now++;
	c->st.connects++;
	/* One deadline for resolution, connect (all addresses) and handshake. */
	uv_timer_start(&k->timer, on_conn_timer, c->conf.connect_timeout_ms, 0);
	if (o->literal) {
		k->addrs[0] = o->addr;
		k->addrlens[0] = o->addrlen;
		k->naddrs = 1;
		conn_connect(k);
		return;
	}
	k->gai = malloc(sizeof(*k->gai));
	if (k->gai == NULL) {
		conn_defer_fail(k, JET_ENOMEM);
		return;
	}
	k->gai->data = k;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (uv_getaddrinfo(c->loop, k->gai, on_resolved, o->host, NULL, &hints) != 0) {
		free(k->gai);
		k->gai = NULL;
		conn_defer_fail(k, JET_ENOTFOUND);
		return;
	}
	k->refs++;
}

/* ------------------------------------------------------------------------
 * Sending a request and reading its response
 * --------------------------------------------------------------------- */

static int
conn_write(struct cconn *k)
{
	const struct jet_buf *out = &k->req->out;

	while (k->woff < out->len) {
		/* After JET_AGAIN the same bytes are offered again: out does not
		 * move while the request is on this connection. */
		ssize_t n = jet_stream_write(&k->stream, out->data + k->woff, out->len - k->woff);

		if (n == JET_AGAIN) {
			k->write_want = k->stream.want == JET_WANT_READ ? UV_READABLE : UV_WRITABLE;
			return JET_AGAIN;
		}
		if (n < 0)
			return (int)n;
		k->woff += (size_t)n;
	}
	k->wdone = true;
	return JET_OK;
}

/* The server may have answered (an early 413, say) and closed before taking
 * the whole request: read what arrived before reporting the write error. */
static void
conn_write_failed(struct cconn *k, int err)
{
	k->wfail = err;
	if (k->client->defer_depth > 0) {
		/* Reading could complete a response, whose callback must not run
		 * here: the timer reads on the next iteration. */
		uv_timer_start(&k->timer, on_conn_timer, 0, 0);
		conn_update_poll(k);
		return;
	}
	conn_read(k);
}

/* Puts k->req on the wire.  Called when a connection becomes ready or is
 * taken from the pool. */
static void
conn_start(struct cconn *k)
{
	struct jet_http_client *c = k->client;
	int rc;

	jet_buf_reset(&k->rbuf);
	jet_buf_reset(&k->body);
	k->head_len = 0;
	k->n1xx = 0;
	k->woff = 0;
	k->wdone = false;
	k->wfail = 0;
	k->got_byte = false;
	k->read_want = UV_READABLE;
	k->write_want = UV_WRITABLE;
	k->reused = k->served > 0;
	k->state = CCONN_ACTIVE;
	uv_timer_start(&k->timer, on_conn_timer, c->conf.request_timeout_ms, 0);
	rc = conn_write(k);
	if (rc != JET_OK && rc != JET_AGAIN) {
		conn_write_failed(k, rc);
		return;
	}
	conn_update_poll(k);
}

/* Takes an idle pooled connection for r. */
static void
conn_assign(struct cconn *k, struct creq *r)
{
	struct jet_http_client *c = k->client;
	struct origin *o = k->origin;

	list_remove(&o->idle, k);
	o->nidle--;
	c->st.idle_now--;
	list_push(&o->busy, k);
	conn_set_ref(k, true);
	c->st.reused++;
	k->req = r;
	conn_start(k);
}

/* Whether a failed request may be sent again on a fresh connection: only
 * when nothing suggests the server acted on it.  See the header. */
static bool
may_retry(const struct cconn *k, const struct creq *r, int err)
{
	if (r->retried || !k->reused || k->got_byte)
		return false;
	if (err != JET_ECLOSED && err != JET_EIO && err != JET_ETLS)
		return false; /* timeouts above all: the server may be working on it */
	return idempotent(r->method) || !k->wdone;
}

/* The connection failed with err: its request fails, or is retried once. */
static void
conn_fail(struct cconn *k, int err)
{
	struct jet_http_client *c = k->client;
	struct origin *o = k->origin;
	struct creq *r = k->req;
	bool connecting = k->state < CCONN_ACTIVE;
	bool retry;

	if (k->state == CCONN_CLOSED)
		return;
	if (err == JET_ETLS && o->session != NULL) {
		/* Whatever went wrong, the next handshake starts afresh. */
		SSL_SESSION_free(o->session);
		o->session = NULL;
	}
	retry = r != NULL && !c->closing && may_retry(k, r, err);
	k->req = NULL;
	if (connecting)
		c->st.connect_failures++;
	conn_close(k);
	if (r != NULL) {
		if (retry) {
			r->retried = true;
			c->st.retries++;
			conn_open(o, r); /* the slot k held */
		} else {
			complete(r, err);
		}
	}
	if (c->closing)
		return;
	if (connecting && !origin_has_established(o))
		origin_fail_queue(o, err);
	origin_kick(o);
}

/* Gives a reusable connection back: to the next queued request, else to the
 * pool (trimmed to max_idle later, see conn_complete). */
static void
conn_hand_back(struct cconn *k)
{
	struct jet_http_client *c = k->client;
	struct origin *o = k->origin;
	struct creq *next = origin_dequeue(o);

	if (next != NULL) {
		c->st.reused++;
		k->req = next;
		conn_start(k);
		return;
	}
	list_remove(&o->busy, k);
	list_push(&o->idle, k);
	o->nidle++;
	c->st.idle_now++;
	k->state = CCONN_IDLE;
	k->read_want = UV_READABLE;
	uv_timer_start(&k->timer, on_conn_timer, c->conf.idle_timeout_ms, 0);
	conn_update_poll(k);
	conn_set_ref(k, false);
}

/* Closes the oldest idle connections past max_idle_per_origin. */
static void
origin_trim_idle(struct origin *o, size_t max_idle)
{
	while (o->nidle > max_idle) {
		struct cconn *oldest = o->idle;

		while (oldest->next != NULL)
			oldest = oldest->next;
		conn_close(oldest);
	}
}

/*
 * The response to k->req is complete.  clean: nothing follows it in rbuf.
 *
 * The connection is handed back before the callback, so a request the
 * callback submits can reuse it; the response stays valid meanwhile because
 * it borrows rbuf, body and resp, which only a read overwrites, and reads
 * happen only from the loop.  Completions the hand-back causes (a queued
 * request failing on it) are deferred, so this callback runs first.
 */
static void
conn_complete(struct cconn *k, bool clean)
{
	struct jet_http_client *c = k->client;
	struct origin *o = k->origin;
	struct creq *r = k->req;
	struct jet_http_client_resp resp;
	bool reusable = clean && k->resp.keep_alive && k->wdone && k->wfail == 0 &&
		k->resp.body != JET_HTTP_BODY_EOF && !jet_stream_pending(&k->stream);

	resp.status = k->resp.status;
	resp.head = &k->resp;
	switch (k->resp.body) {
	case JET_HTTP_BODY_LENGTH:
		resp.body.p = k->rbuf.data + k->head_len;
		resp.body.len = (size_t)k->resp.content_length;
		break;
	case JET_HTTP_BODY_CHUNKED:
	case JET_HTTP_BODY_EOF:
		resp.body.p = k->body.len > 0 ? k->body.data : "";
		resp.body.len = k->body.len;
		break;
	default:
		resp.body = JET_STR_LIT("");
		break;
	}
	k->req = NULL;
	k->served++;
	conn_save_session(k);
	c->defer_depth++;
	if (reusable && !c->closing) {
		conn_hand_back(k);
	} else {
		conn_close(k);
		origin_kick(o);
	}
	c->defer_depth--;
	finish(r, JET_OK, &resp);
	if (c->closing)
		return;
	/* The callback may have changed the origin: serve what waits first,
	 * then close the idle connections past the limit. */
	origin_kick(o);
	origin_trim_idle(o, c->conf.max_idle_per_origin);
}

/*
 * Parses what rbuf holds.  Returns JET_AGAIN when more bytes are needed,
 * JET_OK when the request was completed or failed (k may be reused or
 * closed by then: the caller must not touch it).
 */
static int
conn_parse(struct cconn *k)
{
	const struct jet_http_limits *lim = &k->client->conf.limits;

	while (k->head_len == 0) {
		int n = jet_http_parse_response(k->rbuf.data, k->rbuf.len, lim,
			k->req->method == JET_HTTP_HEAD, &k->resp);

		if (n == JET_AGAIN) {
			if (k->rbuf.len > lim->max_head) {
				conn_fail(k, JET_ETOOBIG);
				return JET_OK;
			}
			return JET_AGAIN;
		}
		if (n < 0) {
			conn_fail(k, n == JET_ETOOBIG ? JET_ETOOBIG : JET_EPROTO);
			return JET_OK;
		}
		if (k->resp.status < 100 || k->resp.status > 599) {
			conn_fail(k, JET_EPROTO);
			return JET_OK;
		}
		if (k->resp.status < 200) {
			/* 100 Continue, 103 Early Hints: skipped.  101 answers an
			 * Upgrade we never ask for. */
			if (k->resp.status == 101 || ++k->n1xx > CLIENT_MAX_1XX) {
				conn_fail(k, JET_EPROTO);
				return JET_OK;
			}
			jet_buf_consume(&k->rbuf, (size_t)n);
			continue;
		}
		k->head_len = (size_t)n;
		if (k->resp.body == JET_HTTP_BODY_LENGTH &&
			k->resp.content_length > lim->max_body) {
			conn_fail(k, JET_ETOOBIG);
			return JET_OK;
		}
		if (k->resp.body == JET_HTTP_BODY_CHUNKED)
			jet_http_chunked_init(&k->chunked, lim->max_body, lim->max_head);
		/* resp borrows rbuf, so rbuf must not move while it is in use:
		 * room for the whole Content-Length body now, or for one read
		 * (chunked and EOF bodies are moved out of rbuf as they come);
		 * if that moved rbuf, the head is parsed again (the parser is
		 * stateless and the head bounded). */
		{
			size_t want = k->head_len + (k->resp.body == JET_HTTP_BODY_LENGTH ?
				(size_t)k->resp.content_length : (size_t)CLIENT_READ_CHUNK);

			if (want > k->rbuf.cap) {
				if (jet_buf_reserve(&k->rbuf, want - k->rbuf.len) != JET_OK) {
					conn_fail(k, JET_ENOMEM);
					return JET_OK;
				}
				if (jet_http_parse_response(k->rbuf.data, k->head_len, lim,
					k->req->method == JET_HTTP_HEAD, &k->resp) != n) {
					conn_fail(k, JET_EPROTO);
					return JET_OK;
				}
			}
		}
	}
	switch (k->resp.body) {
	case JET_HTTP_BODY_NONE:
		conn_complete(k, k->rbuf.len == k->head_len);
		return JET_OK;
	case JET_HTTP_BODY_LENGTH: {
		size_t have = k->rbuf.len - k->head_len;

		if (have < k->resp.content_length)
			return JET_AGAIN;
		conn_complete(k, have == k->resp.content_length);
		return JET_OK;
	}
	case JET_HTTP_BODY_CHUNKED: {
		char *start = k->rbuf.data + k->head_len;
		size_t avail = k->rbuf.len - k->head_len, used = 0;
		int rc = jet_http_chunked_feed(&k->chunked, start, avail, &k->body, &used);

		if (used > 0) {
			memmove(start, start + used, avail - used);
			k->rbuf.len -= used;
		}
		if (rc == JET_AGAIN)
			return JET_AGAIN;
		if (rc != JET_OK) {
			conn_fail(k, rc == JET_ETOOBIG || rc == JET_ENOMEM ? rc : JET_EPROTO);
			return JET_OK;
		}
		conn_complete(k, k->rbuf.len == k->head_len);
		return JET_OK;
	}
	case JET_HTTP_BODY_EOF:
	default: {
		int rc = jet_buf_append(&k->body, k->rbuf.data + k->head_len,
			k->rbuf.len - k->head_len);

		if (rc != JET_OK) {
			conn_fail(k, rc);
			return JET_OK;
		}
		k->rbuf.len = k->head_len;
		return JET_AGAIN; /* until the server closes */
	}
	}
}

/* EOF or an error while reading the response. */
static void
conn_read_error(struct cconn *k, int err)
{
	if (err == JET_ECLOSED && k->head_len > 0 && k->resp.body == JET_HTTP_BODY_EOF) {
		conn_complete(k, true);
		return;
	}
	/* After a failed write the write error is the story, not the read
	 * that followed it. */
	conn_fail(k, k->wfail != 0 ? k->wfail : err);
}

/*
 * Reads and parses: a few full reads per wake-up, so a large body does not
 * cost a loop iteration per 16 KiB but others are not starved.  Whatever
 * TLS holds already decrypted or read ahead is always drained: the fd will
 * not poll readable for it.
 */
static void
conn_read(struct cconn *k)
{
	for (int i = 0;; i++) {
		size_t room;
		ssize_t n;

		if (k->rbuf.len >= k->rbuf.max) {
			conn_fail(k, JET_ETOOBIG);
			return;
		}
		room = JET_MIN(k->rbuf.max - k->rbuf.len, (size_t)CLIENT_READ_CHUNK);
		if (k->head_len > 0) {
			/* Never reallocate under the parsed head (conn_parse made
			 * room); a full buffer here means the body outgrew it. */
			room = JET_MIN(room, k->rbuf.cap - k->rbuf.len);
			if (room == 0) {
				conn_fail(k, JET_EPROTO);
				return;
			}
		} else if (jet_buf_reserve(&k->rbuf, room) != JET_OK) {
			conn_fail(k, JET_ENOMEM);
			return;
		}
		n = jet_stream_read(&k->stream, k->rbuf.data + k->rbuf.len, room);
		if (n == JET_AGAIN) {
			k->read_want = k->stream.want == JET_WANT_WRITE ? UV_WRITABLE : UV_READABLE;
			break;
		}
		if (n < 0) {
			conn_read_error(k, (int)n);
			return;
		}
		k->read_want = UV_READABLE;
		k->got_byte = true;
		k->rbuf.len += (size_t)n;
		if (conn_parse(k) == JET_OK)
			return;
		if (jet_stream_pending(&k->stream))
			continue;
		/* After a failure, read to the end of what arrived. */
		if (k->wfail == 0 && !k->poll_failed && ((size_t)n < room || i >= 7))
			break; /* drained, or enough for this wake-up */
	}
	if (k->wfail != 0 || k->poll_failed) {
		/* The write or the socket failed and no complete response is in. */
		conn_fail(k, k->wfail != 0 ? k->wfail : JET_EIO);
		return;
	}
	conn_update_poll(k);
}

/* An idle connection polled readable: the server closed it, sent bytes it
 * had no business sending, or (TLS) a post-handshake message. */
static void
conn_idle_event(struct cconn *k)
{
	char b[256];
	ssize_t n = jet_stream_read(&k->stream, b, sizeof(b));

	if (n == JET_AGAIN && !k->poll_failed) {
		/* A session ticket or key update: keep the connection. */
		conn_save_session(k);
		k->read_want = k->stream.want == JET_WANT_WRITE ? UV_WRITABLE : UV_READABLE;
		conn_update_poll(k);
		return;
	}
	k->client->st.idle_closed++;
	conn_close(k);
}

static void
on_conn_poll(uv_poll_t *h, int status, int events)
{
	struct cconn *k = h->data;

	if (k->state == CCONN_CLOSED || h != k->poll)
		return;
	if (status < 0) {
		/* EPOLLERR, typically a reset.  libuv has stopped the watcher;
		 * bytes that arrived before the error (a TLS alert, a response)
		 * are still readable and tell more than the error itself. */
		k->poll_events = 0;
		k->poll_failed = true;
	}
	switch (k->state) {
	case CCONN_CONNECTING:
		conn_on_connect(k, status);
		return;
	case CCONN_HANDSHAKE:
		conn_handshake(k);
		return;
	case CCONN_IDLE:
		conn_idle_event(k);
		return;
	case CCONN_ACTIVE:
		break;
	default:
		return;
	}
	if (status < 0) {
		conn_read(k);
		return;
	}
	if (!k->wdone && k->wfail == 0 && ((events & UV_WRITABLE) ||
		(k->write_want == UV_READABLE && (events & UV_READABLE)))) {
		int rc = conn_write(k);

		if (rc != JET_OK && rc != JET_AGAIN) {
			conn_write_failed(k, rc);
			return;
		}
	}
	if ((events & UV_READABLE) || (k->read_want == UV_WRITABLE && (events & UV_WRITABLE))) {
		conn_read(k);
		return;
	}
	conn_update_poll(k);
}

static void
on_conn_timer(uv_timer_t *t)
{
	struct cconn *k = t->data;

	if (k->state == CCONN_CLOSED)
		return;
	if (k->pending_err != 0) {
		int err = k->pending_err;

		k->pending_err = 0;
		conn_fail(k, err);
		return;
	}
	if (k->state == CCONN_ACTIVE && k->wfail != 0) {
		conn_read(k); /* see conn_write_failed */
		return;
	}
	if (k->state == CCONN_IDLE) {
		k->client->st.idle_closed++;
		conn_close(k);
		return;
	}
	conn_fail(k, JET_ETIMEDOUT);
}

/* ------------------------------------------------------------------------
 * Scheduling
 * --------------------------------------------------------------------- */

/* Gives queued requests the idle connections and the free slots. */
static void
origin_kick(struct origin *o)
{
	struct jet_http_client *c;

	while (o->qhead != NULL) {
		c = o->qhead->client;
		if (c->closing)
			return;
		if (o->idle != NULL)
			conn_assign(o->idle, origin_dequeue(o));
		else if (o->nconns < c->conf.max_conns_per_origin)
			conn_open(o, origin_dequeue(o));
		else
			return;
	}
}

static void
origin_submit(struct origin *o, struct creq *r)
{
	struct jet_http_client *c = r->client;

	/* Queued requests go first (an idle connection and a non-empty queue
	 * should never meet: a connection handed back serves the queue). */
	if (o->idle != NULL && o->qhead == NULL)
		conn_assign(o->idle, r);
	else if (o->nconns < c->conf.max_conns_per_origin)
		conn_open(o, r);
	else if (o->nqueued < c->conf.max_queue)
		origin_enqueue(o, r);
	else
		complete(r, JET_EBUSY);
}

/* ------------------------------------------------------------------------
 * Public API
 * --------------------------------------------------------------------- */

static void
on_defer(uv_idle_t *h)
{
	struct jet_http_client *c = h->data;

	deliver_deferred(c);
	if (c->closing)
		return; /* the handle is closing */
	origins_collect(c);
	if (c->dhead == NULL)
		uv_idle_stop(h);
}

int
jet_http_client_new(uv_loop_t *loop, const struct jet_http_client_conf *conf,
	struct jet_http_client **out)
{
	struct jet_http_client *c;

	*out = NULL;
	if (!conf_valid(conf))
		return JET_ECONF;
	/* A context that does not verify the server would make every
	 * connection open to interception: refused outright. */
	if (conf->tls != NULL && !(SSL_CTX_get_verify_mode(conf->tls) & SSL_VERIFY_PEER))
		return JET_ECONF;
	if (conf->tls != NULL) {
		struct sigaction sa;

		/* OpenSSL writes to the socket with write(2), not send(2) with
		 * MSG_NOSIGNAL: a peer that reset the connection would raise
		 * SIGPIPE and kill the process for one failed request.  Ignored
		 * unless the program installed a handler (the server does the
		 * same). */
		if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
			signal(SIGPIPE, SIG_IGN);
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return JET_ENOMEM;
	c->loop = loop;
	c->conf = *conf;
	if (conf->tls != NULL)
		c->session_cache =
			(SSL_CTX_get_session_cache_mode(conf->tls) & SSL_SESS_CACHE_CLIENT) != 0;
	uv_idle_init(loop, &c->defer);
	c->defer.data = c;
	uv_timer_init(loop, &c->queue_timer);
	c->queue_timer.data = c;
	c->handles = 2;
	*out = c;
	return JET_OK;
}

static void
client_maybe_release(struct jet_http_client *c)
{
	if (!c->closing || c->handles > 0 || c->conns_alive > 0)
		return;
	for (struct origin *o = c->origins, *next; o != NULL; o = next) {
		next = o->next;
		SSL_SESSION_free(o->session);
		free(o);
	}
	free(c);
}

static void
on_client_handle_closed(uv_handle_t *h)
{
	struct jet_http_client *c = h->data;

	c->handles--;
	client_maybe_release(c);
}

void
jet_http_client_free(struct jet_http_client *c)
{
	if (c == NULL || c->closing)
		return;
	c->closing = true;
	deliver_deferred(c);
	/* Origins are not freed before the client's last handle closes, and
	 * callbacks cannot add any (requests are refused now). */
	for (struct origin *o = c->origins; o != NULL; o = o->next) {
		origin_fail_queue(o, JET_ECLOSED);
		while (o->busy != NULL)
			conn_fail(o->busy, JET_ECLOSED);
		while (o->idle != NULL)
			conn_close(o->idle);
	}
	uv_close((uv_handle_t *)&c->defer, on_client_handle_closed);
	uv_close((uv_handle_t *)&c->queue_timer, on_client_handle_closed);
}

int
jet_http_client_request(struct jet_http_client *c, const struct jet_http_client_req *req,
	jet_http_client_cb cb, void *arg)
{
	struct sockaddr_storage addr;
	socklen_t addrlen = 0;
	struct origin *o;
	struct creq *r;
	bool literal;
	int rc;

	if (c->closing)
		return JET_ESTATE;
	if (cb == NULL || (unsigned)req->method >= (unsigned)JET_HTTP_METHOD_OTHER ||
		req->port == 0 || !valid_target(req->target, req->method) ||
		!valid_host(req->host, req->port, &addr, &addrlen, &literal) ||
		(req->body_len > 0 && req->body == NULL) ||
		(req->nheaders > 0 && req->headers == NULL))
		return JET_EINVAL;
	for (size_t i = 0; i < req->nheaders; i++)
		if (!valid_header(&req->headers[i]))
			return JET_EINVAL;
	if (c->conf.tls == NULL && literal && !jet_net_is_loopback(&addr))
		return JET_EPERM;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return JET_ENOMEM;
	rc = build_request(c, req, &r->out);
	if (rc != JET_OK) {
		free(r);
		return rc;
	}
	o = origin_get(c, req->host, req->port, literal, &addr, addrlen);
	if (o == NULL) {
		creq_free(r);
		return JET_ENOMEM;
	}
	r->client = c;
	r->cb = cb;
	r->arg = arg;
	r->method = req->method;
	c->st.requests++;
	c->defer_depth++;
	origin_submit(o, r);
	c->defer_depth--;
	return JET_OK;
}

void
jet_http_client_stats(const struct jet_http_client *c, struct jet_http_client_stats *st)
{
	*st = c->st;
}
