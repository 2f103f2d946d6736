/*
 * test_http_client.c - the asynchronous HTTP client (include/jet/client.h)
 * against real sockets on 127.0.0.1:
 *  - a jet_http_server in a thread (plain and TLS) with a small route table;
 *  - raw test servers: a thread that accepts and speaks exact bytes, for
 *    malformed, chunked, EOF-delimited, oversize, silent and closing peers.
 * The client runs on a loop owned by the test; every wait is bounded.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "jet/client.h"
#include "jet/log.h"
#include "jet/server.h"
#include "jet/tls.h"
#include "testnet.h"
#include "testpki.h"

/* ------------------------------------------------------------------------
 * Results and loop helpers
 * --------------------------------------------------------------------- */

struct result {
	bool done;
	int rc;
	int status;
	char *body;         /* malloc'd copy, NUL-terminated */
	size_t body_len;
	char xtest[64];     /* value of the X-Test response header, if any */
	int *order;         /* completion order log (optional) */
	int id;
	int *counter;
	bool *in_submit;    /* set while the test is inside jet_http_client_request */
	bool was_sync;      /* the callback ran inside jet_http_client_request */
};

static void
result_reset(struct result *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

static void
on_result(int rc, const struct jet_http_client_resp *resp, void *arg)
{
	struct result *r = arg;

	assert_false(r->done); /* exactly once */
	r->done = true;
	r->rc = rc;
	if (r->in_submit != NULL && *r->in_submit)
		r->was_sync = true;
	if (r->counter != NULL)
		r->order[(*r->counter)++] = r->id;
	if (rc != JET_OK) {
		assert_null(resp);
		return;
	}
	assert_non_null(resp);
	r->status = resp->status;
	r->body_len = resp->body.len;
	r->body = malloc(resp->body.len + 1);
	assert_non_null(r->body);
	if (resp->body.len > 0)
		memcpy(r->body, resp->body.p, resp->body.len);
	r->body[resp->body.len] = '\0';
	{
		const struct jet_http_header *h =
			jet_http_find_header(resp->head->headers, resp->head->nheaders, "x-test");

		if (h != NULL)
			jet_str_copy(r->xtest, sizeof(r->xtest), h->value);
	}
}

static void
on_tick(uv_timer_t *t)
{
	(void)t;
}

typedef bool (*pred_fn)(void *arg);

/* Runs the loop until pred holds; fails the test after timeout_ms. */
static void
run_until(uv_loop_t *loop, pred_fn pred, void *arg, int timeout_ms)
{
	uv_timer_t tick;
	uint64_t deadline = jet_now_ms() + (uint64_t)timeout_ms;
	bool ok;

	uv_timer_init(loop, &tick);
	uv_timer_start(&tick, on_tick, 5, 5);
	while (!(ok = pred(arg)) && jet_now_ms() < deadline)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&tick, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	assert_true(ok);
}

static bool
pred_done(void *arg)
{
	return ((struct result *)arg)->done;
}

struct many {
	struct result *r;
	size_t n;
};

static bool
pred_all_done(void *arg)
{
	struct many *m = arg;

	for (size_t i = 0; i < m->n; i++)
		if (!m->r[i].done)
			return false;
	return true;
}

/* Runs the loop for ms milliseconds. */
static void
run_for(uv_loop_t *loop, int ms)
{
	uv_timer_t tick;
	uint64_t deadline = jet_now_ms() + (uint64_t)ms;

	uv_timer_init(loop, &tick);
	uv_timer_start(&tick, on_tick, 5, 5);
	while (jet_now_ms() < deadline)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&tick, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
}

/* A client on its own loop. */
struct tc {
	uv_loop_t loop;
	struct jet_http_client *c;
	struct jet_http_client_conf conf;
};

static void
tc_conf(struct tc *t)
{
	jet_http_client_conf_default(&t->conf);
	t->conf.connect_timeout_ms = 3000;
	t->conf.request_timeout_ms = 5000;
}

static void
tc_start(struct tc *t)
{
	assert_int_equal(uv_loop_init(&t->loop), 0);
	assert_int_equal(jet_http_client_new(&t->loop, &t->conf, &t->c), JET_OK);
}

/* Frees the client, runs the loop until every handle closed and closes the
 * loop: leaks and dangling handles fail here (and under ASan). */
static void
tc_stop(struct tc *t)
{
	jet_http_client_free(t->c);
	t->c = NULL;
	uv_run(&t->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&t->loop), 0);
}

static struct jet_http_client_stats
tc_stats(struct tc *t)
{
	struct jet_http_client_stats st;

	jet_http_client_stats(t->c, &st);
	return st;
}

static int
submit(struct tc *t, enum jet_http_method m, const char *host, uint16_t port,
	const char *target, const void *body, size_t body_len, struct result *r)
{
	struct jet_http_client_req q;
	bool in_submit = true;
	int rc;

	memset(&q, 0, sizeof(q));
	q.method = m;
	q.host = host;
	q.port = port;
	q.target = target;
	q.body = body;
	q.body_len = body_len;
	r->in_submit = &in_submit;
	rc = jet_http_client_request(t->c, &q, on_result, r);
	in_submit = false;
	r->in_submit = NULL;
	return rc;
}

/* One request, run to completion. */
static void
request_sync(struct tc *t, enum jet_http_method m, uint16_t port, const char *target,
	const void *body, size_t body_len, struct result *r)
{
	result_reset(r);
	assert_int_equal(submit(t, m, "127.0.0.1", port, target, body, body_len, r), JET_OK);
	run_until(&t->loop, pred_done, r, 10000);
	assert_false(r->was_sync);
}

/* ------------------------------------------------------------------------
 * The jet_http_server under test
 * --------------------------------------------------------------------- */

static void
h_hello(struct jet_http_req *req, const void *udata)
{
	(void)udata;
	jet_http_req_add_header(req, "X-Test", "hello-header");
	jet_http_respond(req, 200, "text/plain", "hello", 5);
}

static void
h_echo(struct jet_http_req *req, const void *udata)
{
	struct jet_str b = jet_http_req_body(req);

	(void)udata;
	jet_http_respond(req, 200, "application/octet-stream", b.p, b.len);
}

#define BIG_LEN (4u * 1024 * 1024 + 123)
static char *big_body;
static struct jet_testpki pki; /* TLS tests are skipped when it cannot be built */
static bool pki_ok;

static void
h_big(struct jet_http_req *req, const void *udata)
{
	(void)udata;
	jet_http_respond(req, 200, "application/octet-stream", big_body, BIG_LEN);
}

static void
h_nocontent(struct jet_http_req *req, const void *udata)
{
	(void)udata;
	jet_http_respond(req, 204, NULL, NULL, 0);
}

static void
h_whoami(struct jet_http_req *req, const void *udata)
{
	const struct jet_peer_identity *id = jet_http_req_peer(req);
	const char *who = id != NULL ? id->subject : "anonymous";

	(void)udata;
	jet_http_respond(req, 200, "text/plain", who, strlen(who));
}

struct slow {
	uv_timer_t t;
	struct jet_http_req *req;
};

static void
slow_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
slow_fire(uv_timer_t *t)
{
	struct slow *s = t->data;

	jet_http_respond(s->req, 200, "text/plain", "slow", 4);
	uv_close((uv_handle_t *)&s->t, slow_closed);
}

/* GET /slow?ms=N answers after N ms (default 200) from the worker loop. */
static void
h_slow(struct jet_http_req *req, const void *udata)
{
	const struct jet_http_request *m = jet_http_req_msg(req);
	struct slow *s = calloc(1, sizeof(*s));
	uint64_t ms = 200;

	(void)udata;
	if (m->query.len > 3 && memcmp(m->query.p, "ms=", 3) == 0)
		assert_int_equal(jet_parse_u64(m->query.p + 3, m->query.len - 3, 60000, &ms),
			JET_OK);
	assert_non_null(s);
	s->req = req;
	uv_timer_init(jet_http_req_loop(req), &s->t);
	s->t.data = s;
	uv_timer_start(&s->t, slow_fire, ms, 0);
}

static const struct jet_route routes[] = {
	{ JET_HTTP_GET, "/hello", (void *)h_hello, NULL },
	{ JET_HTTP_POST, "/echo", (void *)h_echo, NULL },
	{ JET_HTTP_GET, "/big", (void *)h_big, NULL },
	{ JET_HTTP_GET, "/nocontent", (void *)h_nocontent, NULL },
	{ JET_HTTP_GET, "/whoami", (void *)h_whoami, NULL },
	{ JET_HTTP_GET, "/slow", (void *)h_slow, NULL },
};

static void
plain_server(struct jet_testsrv *s)
{
	struct jet_http_server_conf conf;

	jet_http_server_conf_default(&conf);
	conf.port = 0;
	conf.workers = 1;
	conf.plain_http = true;
	conf.routes = routes;
	conf.nroutes = JET_ARRAY_LEN(routes);
	conf.limits.max_body = 8u * 1024 * 1024;
	conf.name = "test";
	assert_int_equal(jet_testsrv_start(s, &conf), JET_OK);
}

/* ------------------------------------------------------------------------
 * Raw servers: one thread, connections served one after another by a script
 * ------------------------------------------------------------------------ */

struct raw;
typedef void (*raw_fn)(struct raw *s, int fd, int idx);

struct raw {
	int lfd;
	uint16_t port;
	pthread_t thread;
	raw_fn fn;
	const void *arg;
	atomic_int accepted;
	atomic_bool stop;
	atomic_int requests;   /* request heads read by raw_read_request */
};

static void *
raw_main(void *arg)
{
	struct raw *s = arg;

	for (int idx = 0; !atomic_load(&s->stop); ) {
		struct pollfd p = { s->lfd, POLLIN, 0 };
		struct timeval tv = { 5, 0 };
		int fd;

		if (poll(&p, 1, 20) <= 0)
			continue;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		atomic_fetch_add(&s->accepted, 1);
		s->fn(s, fd, idx++);
		close(fd);
	}
	return NULL;
}

static void
raw_start(struct raw *s, raw_fn fn, const void *arg)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->fn = fn;
	s->arg = arg;
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->lfd >= 0);
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->lfd, 64), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&sa, &len), 0);
	s->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, raw_main, s), 0);
}

static void
raw_stop(struct raw *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	close(s->lfd);
}

static void
raw_send(int fd, const void *p, size_t len)
{
	const char *b = p;

	while (len > 0) {
		ssize_t n = send(fd, b, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		b += n;
		len -= (size_t)n;
	}
}

static void
raw_send_str(int fd, const char *s)
{
	raw_send(fd, s, strlen(s));
}

/* Reads one request (head and Content-Length body) into buf; returns its
 * length, 0 on EOF, -1 on timeout/error. */
static ssize_t
raw_read_request(struct raw *s, int fd, char *buf, size_t cap)
{
	size_t len = 0;

	for (;;) {
		char *end;
		ssize_t n;

		if (len > 0 && (end = memmem(buf, len, "\r\n\r\n", 4)) != NULL) {
			size_t head = (size_t)(end - buf) + 4, body = 0;
			char *cl = memmem(buf, head, "Content-Length: ", 16);
			uint64_t v = 0;

			if (cl != NULL) {
				char *eol = memchr(cl, '\r', head - (size_t)(cl - buf));

				assert_int_equal(jet_parse_u64(cl + 16, (size_t)(eol - cl - 16),
					UINT32_MAX, &v), JET_OK);
				body = (size_t)v;
			}
			while (len < head + body && len < cap) {
				n = recv(fd, buf + len, JET_MIN(cap - len, head + body - len), 0);
				if (n <= 0)
					return -1;
				len += (size_t)n;
			}
			atomic_fetch_add(&s->requests, 1);
			return (ssize_t)len;
		}
		if (len == cap)
			return -1;
		n = recv(fd, buf + len, cap - len, 0);
		if (n == 0)
			return 0;
		if (n < 0)
			return -1;
		len += (size_t)n;
	}
}

/* Waits until the client closes (or 5 s). */
static void
raw_wait_eof(int fd)
{
	char b[4096];

	while (recv(fd, b, sizeof(b), 0) > 0)
		;
}

/* Reads one request, sends arg (a string) and waits for the client to
 * close. */
static void
fn_canned(struct raw *s, int fd, int idx)
{
	char buf[65536];

	(void)idx;
	if (raw_read_request(s, fd, buf, sizeof(buf)) <= 0)
		return;
	raw_send_str(fd, s->arg);
	raw_wait_eof(fd);
}

/* The same, then closes right away (EOF-delimited bodies). */
static void
fn_canned_close(struct raw *s, int fd, int idx)
{
	char buf[65536];

	(void)idx;
	if (raw_read_request(s, fd, buf, sizeof(buf)) <= 0)
		return;
	raw_send_str(fd, s->arg);
}

/* Answers every request on the connection with arg (keep-alive). */
static void
fn_canned_all(struct raw *s, int fd, int idx)
{
	char buf[65536];

	(void)idx;
	while (raw_read_request(s, fd, buf, sizeof(buf)) > 0)
		raw_send_str(fd, s->arg);
}

/* ------------------------------------------------------------------------
 * Basic requests against jet_http_server
 * --------------------------------------------------------------------- */

static int
group_setup(void **state)
{
	char err[128];

	(void)state;
	/* The server's access lines would drown cmocka's output. */
	jet_log_open("off", "-", JET_LOG_WARN, err, sizeof(err));
	big_body = malloc(BIG_LEN);
	if (big_body == NULL)
		return -1;
	for (size_t i = 0; i < BIG_LEN; i++)
		big_body[i] = (char)('a' + (i * 7 + i / 1000) % 26);
	pki_ok = jet_testpki_create(&pki) == JET_OK;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	free(big_body);
	jet_testpki_destroy(&pki);
	jet_log_close();
	return 0;
}

static void
test_get_post(void **state)
{
	struct jet_testsrv srv;
	struct tc t;
	struct result r = { 0 };
	char body[100000];
	struct jet_http_client_stats st;

	(void)state;
	plain_server(&srv);
	tc_conf(&t);
	tc_start(&t);

	request_sync(&t, JET_HTTP_GET, srv.port, "/hello", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "hello");
	assert_string_equal(r.xtest, "hello-header");

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (char)(i * 31);
	request_sync(&t, JET_HTTP_POST, srv.port, "/echo", body, sizeof(body), &r);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, sizeof(body));
	assert_memory_equal(r.body, body, sizeof(body));

	/* A POST without a body still carries Content-Length: 0. */
	request_sync(&t, JET_HTTP_POST, srv.port, "/echo", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);

	request_sync(&t, JET_HTTP_GET, srv.port, "/nope", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.status, 404);

	st = tc_stats(&t);
	assert_int_equal(st.connects, 1);
	assert_int_equal(st.reused, 3);
	assert_int_equal(st.responses, 4);
	assert_int_equal(st.failures, 0);
	result_reset(&r);
	tc_stop(&t);
	jet_testsrv_stop(&srv);
}

static void
test_keepalive_reuse(void **state)
{
	struct jet_testsrv srv;
	struct tc t;
	struct result r = { 0 };
	struct jet_http_client_stats st;

	(void)state;
	plain_server(&srv);
	tc_conf(&t);
	tc_start(&t);
	for (int i = 0; i < 10; i++) {
		request_sync(&t, JET_HTTP_GET, srv.port, "/hello", NULL, 0, &r);
		assert_int_equal(r.rc, JET_OK);
		assert_int_equal(r.status, 200);
	}
	st = tc_stats(&t);
	assert_int_equal(st.connects, 1);
	assert_int_equal(st.reused, 9);
	assert_int_equal(st.conns_now, 1);
	assert_int_equal(st.idle_now, 1);
	result_reset(&r);
	tc_stop(&t);
	jet_testsrv_stop(&srv);
}

/* Each callback submits the next request: the connection is back in the
 * pool before the callback runs, so the chain uses one connection even with
 * max_idle_per_origin 0. */
struct chain {
	struct tc *t;
	uint16_t port;
	int left;
	int ok;
	bool done;
};

static void
on_chain(int rc, const struct jet_http_client_resp *resp, void *arg)
{
	struct chain *ch = arg;
	struct jet_http_client_req q;

	if (rc == JET_OK && resp->status == 200 && jet_str_eq_cstr(resp->body, "hello"))
		ch->ok++;
	if (--ch->left == 0) {
		ch->done = true;
		return;
	}
	memset(&q, 0, sizeof(q));
	q.method = JET_HTTP_GET;
	q.host = "127.0.0.1";
	q.port = ch->port;
	q.target = "/hello";
	assert_int_equal(jet_http_client_request(ch->t->c, &q, on_chain, ch), JET_OK);
}

static bool
pred_chain(void *arg)
{
	return ((struct chain *)arg)->done;
}

static void
test_chain_in_callback(void **state)
{
	struct jet_testsrv srv;
	struct tc t;
	struct chain ch = { 0 };
	struct jet_http_client_req q;
	struct jet_http_client_stats st;

	(void)state;
	plain_server(&srv);
	tc_conf(&t);
	t.conf.max_idle_per_origin = 0;
	tc_start(&t);
	ch.t = &t;
	ch.port = srv.port;
	ch.left = 10;
	memset(&q, 0, sizeof(q));
	q.method = JET_HTTP_GET;
	q.host = "127.0.0.1";
	q.port = srv.port;
	q.target = "/hello";
	assert_int_equal(jet_http_client_request(t.c, &q, on_chain, &ch), JET_OK);
	run_until(&t.loop, pred_chain, &ch, 10000);
	assert_int_equal(ch.ok, 10);
	st = tc_stats(&t);
	assert_int_equal(st.connects, 1);
	assert_int_equal(st.reused, 9);
	/* With max_idle 0 the last connection is not kept. */
	assert_int_equal(st.conns_now, 0);
	tc_stop(&t);
	jet_testsrv_stop(&srv);
}

static void
test_head_and_204(void **state)
{
	struct jet_testsrv srv;
	struct tc t;
	struct result r = { 0 };

	(void)state;
	plain_server(&srv);
	tc_conf(&t);
	tc_start(&t);
	/* HEAD: Content-Length 5, no body, and the connection stays usable. */
	request_sync(&t, JET_HTTP_HEAD, srv.port, "/hello", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	request_sync(&t, JET_HTTP_GET, srv.port, "/nocontent", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.status, 204);
	assert_int_equal(r.body_len, 0);
	request_sync(&t, JET_HTTP_GET, srv.port, "/hello", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_string_equal(r.body, "hello");
	assert_int_equal(tc_stats(&t).connects, 1);
	result_reset(&r);
	tc_stop(&t);
	jet_testsrv_stop(&srv);
}

static void
test_big_body_and_limit(void **state)
{
	struct jet_testsrv srv;
	struct tc t;
	struct result r = { 0 };

	(void)state;
	plain_server(&srv);
	tc_conf(&t);
	tc_start(&t);
	request_sync(&t, JET_HTTP_GET, srv.port, "/big", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.body_len, BIG_LEN);
	assert_memory_equal(r.body, big_body, BIG_LEN);
	tc_stop(&t);

	/* Exactly at max_body: accepted.  One byte under it: refused. */
	tc_conf(&t);
	t.conf.limits.max_body = BIG_LEN;
	tc_start(&t);
	request_sync(&t, JET_HTTP_GET, srv.port, "/big", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.body_len, BIG_LEN);
	tc_stop(&t);
	tc_conf(&t);
	t.conf.limits.max_body = BIG_LEN - 1;
	tc_start(&t);
	request_sync(&t, JET_HTTP_GET, srv.port, "/big", NULL, 0, &r);
	assert_int_equal(r.rc, JET_ETOOBIG);
	assert_int_equal(tc_stats(&t).conns_now, 0);
	result_reset(&r);
	tc_stop(&t);
	jet_testsrv_stop(&srv);
}

static void
test_resolve_localhost(void **state)
{
	struct jet_testsrv srv;
	struct tc t;
	struct result r = { 0 };

	(void)state;
	plain_server(&srv);
	tc_conf(&t);
	tc_start(&t);
	/* "localhost" goes through uv_getaddrinfo (and, where it also names
	 * ::1, the fallback to the next address). */
	assert_int_equal(submit(&t, JET_HTTP_GET, "localhost", srv.port, "/hello", NULL, 0, &r),
		JET_OK);
	run_until(&t.loop, pred_done, &r, 10000);
	assert_int_equal(r.rc, JET_OK);
	assert_string_equal(r.body, "hello");

	result_reset(&r);
	assert_int_equal(submit(&t, JET_HTTP_GET, "nonexistent.invalid", srv.port, "/hello",
		NULL, 0, &r), JET_OK);
	run_until(&t.loop, pred_done, &r, 20000);
	assert_int_equal(r.rc, JET_ENOTFOUND);
	result_reset(&r);
	tc_stop(&t);
	jet_testsrv_stop(&srv);
}

static void
test_connect_refused(void **state)
{
	struct tc t;
	struct result r = { 0 };
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port;

	(void)state;
	/* A port nobody listens on: bind one, note it, close it. */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);

	tc_conf(&t);
	tc_start(&t);
	request_sync(&t, JET_HTTP_GET, port, "/", NULL, 0, &r);
	assert_int_equal(r.rc, JET_EIO);
	assert_int_equal(tc_stats(&t).connect_failures, 1);
	result_reset(&r);
	tc_stop(&t);
}

/* ------------------------------------------------------------------------
 * Validation: refused synchronously, callback never called
 * --------------------------------------------------------------------- */

static void
test_validation(void **state)
{
	struct tc t;
	struct result r = { 0 };
	struct jet_http_client_req q;
	struct jet_http_header h;
	static const char *bad_targets[] = { "", "noslash", "/a b", "/a\r\nX: y", "/a\tb",
		"/\x7f", "/caf\xc3\xa9", "*" };
	static const char *bad_names[] = { "Host", "content-length", "Transfer-Encoding",
		"CONNECTION", "Keep-Alive", "TE", "Trailer", "Upgrade", "Proxy-Connection",
		"Bad Name", "Bad:Name", "" };
	static const char *bad_hosts[] = { "", "-x.example", "a b", "x\r\n.example",
		"[::1]", "host/path", "user@host", "a..b", ".example", "127.1", "2130706433",
		"0x7f.1", "10.0.0.0x1", "example.123" };

	(void)state;
	tc_conf(&t);
	tc_start(&t);
	memset(&q, 0, sizeof(q));
	q.method = JET_HTTP_GET;
	q.host = "127.0.0.1";
	q.port = 80;
	q.target = "/";

	for (size_t i = 0; i < JET_ARRAY_LEN(bad_targets); i++) {
		q.target = bad_targets[i];
		assert_int_equal(jet_http_client_request(t.c, &q, on_result, &r), JET_EINVAL);
	}
	q.target = "/";
	for (size_t i = 0; i < JET_ARRAY_LEN(bad_hosts); i++) {
		q.host = bad_hosts[i];
		assert_int_equal(jet_http_client_request(t.c, &q, on_result, &r), JET_EINVAL);
	}
	q.host = "127.0.0.1";
	q.headers = &h;
	q.nheaders = 1;
	for (size_t i = 0; i < JET_ARRAY_LEN(bad_names); i++) {
		h.name = jet_str_from_cstr(bad_names[i]);
		h.value = JET_STR_LIT("x");
		assert_int_equal(jet_http_client_request(t.c, &q, on_result, &r), JET_EINVAL);
	}
	h.name = JET_STR_LIT("X-Ok");
	h.value = JET_STR_LIT("a\r\nInjected: 1");
	assert_int_equal(jet_http_client_request(t.c, &q, on_result, &r), JET_EINVAL);
	h.value = (struct jet_str){ "a\0b", 3 };
	assert_int_equal(jet_http_client_request(t.c, &q, on_result, &r), JET_EINVAL);
	h.value = JET_STR_LIT("a\nb");
	assert_int_equal(jet_http_client_request(t.c, &q, on_result, &r), JET_EINVAL);
	q.nheaders = 0;
	q.headers = NULL;

	q.port = 0;
	assert_int_equal(jet_http_client_request(t.c, &q, on_result, &r), JET_EINVAL);
	q.port = 80;
	q.method = JET_HTTP_METHOD_OTHER;
	assert_int_equal(jet_http_client_request(t.c, &q, on_result, &r), JET_EINVAL);
	q.method = JET_HTTP_POST;
	q.body_len = 5;
	assert_int_equal(jet_http_client_request(t.c, &q, on_result, &r), JET_EINVAL);
	q.body_len = 0;
	assert_int_equal(jet_http_client_request(t.c, &q, NULL, &r), JET_EINVAL);
	/* OPTIONS * is the one non-origin-form target. */
	q.method = JET_HTTP_OPTIONS;
	q.target = "*";
	q.host = "10.1.2.3";
	/* Plain HTTP never leaves the host. */
	assert_int_equal(jet_http_client_request(t.c, &q, on_result, &r), JET_EPERM);
	q.host = "::ffff:10.1.2.3";
	assert_int_equal(jet_http_client_request(t.c, &q, on_result, &r), JET_EPERM);

	/* A request head over 64 KiB. */
	{
		char *target = malloc(70000);

		assert_non_null(target);
		memset(target, 'a', 69999);
		target[0] = '/';
		target[69999] = '\0';
		q.method = JET_HTTP_GET;
		q.host = "127.0.0.1";
		q.target = target;
		assert_int_equal(jet_http_client_request(t.c, &q, on_result, &r), JET_ETOOBIG);
		free(target);
	}
	run_for(&t.loop, 20);
	assert_false(r.done);
	assert_int_equal(tc_stats(&t).requests, 0);
	tc_stop(&t);

	/* Configuration. */
	{
		struct jet_http_client_conf conf;
		struct jet_http_client *c = NULL;
		uv_loop_t loop;

		uv_loop_init(&loop);
		jet_http_client_conf_default(&conf);
		conf.max_conns_per_origin = 0;
		assert_int_equal(jet_http_client_new(&loop, &conf, &c), JET_ECONF);
		jet_http_client_conf_default(&conf);
		conf.limits.max_headers = JET_HTTP_MAX_HEADERS + 1;
		assert_int_equal(jet_http_client_new(&loop, &conf, &c), JET_ECONF);
		jet_http_client_conf_default(&conf);
		conf.request_timeout_ms = 0;
		assert_int_equal(jet_http_client_new(&loop, &conf, &c), JET_ECONF);
		assert_null(c);
		assert_int_equal(uv_loop_close(&loop), 0);
	}
}

/* The request as the server received it: Host, Content-Length, extra
 * headers, body. */
static char seen_request[65536];

static void
fn_capture(struct raw *s, int fd, int idx)
{
	ssize_t n;

	(void)idx;
	n = raw_read_request(s, fd, seen_request, sizeof(seen_request) - 1);
	if (n <= 0)
		return;
	seen_request[n] = '\0';
	raw_send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	raw_wait_eof(fd);
}

static void
test_request_wire_format(void **state)
{
	struct raw s;
	struct tc t;
	struct result r = { 0 };
	struct jet_http_client_req q;
	struct jet_http_header h[2] = {
		{ JET_STR_LIT("X-Request-Id"), JET_STR_LIT("abc-123") },
		{ JET_STR_LIT("Accept"), JET_STR_LIT("application/json") },
	};
	char expect[256];

	(void)state;
	raw_start(&s, fn_capture, NULL);
	tc_conf(&t);
	tc_start(&t);
	memset(&q, 0, sizeof(q));
	q.method = JET_HTTP_PUT;
	q.host = "127.0.0.1";
	q.port = s.port;
	q.target = "/v1/points?x=1";
	q.headers = h;
	q.nheaders = 2;
	q.body = "{}";
	q.body_len = 2;
	assert_int_equal(jet_http_client_request(t.c, &q, on_result, &r), JET_OK);
	run_until(&t.loop, pred_done, &r, 10000);
	assert_int_equal(r.rc, JET_OK);
	snprintf(expect, sizeof(expect),
		"PUT /v1/points?x=1 HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nX-Request-Id: abc-123\r\n"
		"Accept: application/json\r\nContent-Length: 2\r\n\r\n{}", (unsigned)s.port);
	assert_string_equal(seen_request, expect);
	result_reset(&r);
	tc_stop(&t);
	raw_stop(&s);
}

/* ------------------------------------------------------------------------
 * Framing: chunked, EOF, 1xx, malformed, oversize
 * --------------------------------------------------------------------- */

/* Runs one GET against a raw server speaking script fn with arg; returns
 * the result (caller resets). */
static void
raw_get(raw_fn fn, const char *arg, const struct jet_http_client_conf *conf,
	enum jet_http_method m, struct result *r, struct jet_http_client_stats *st)
{
	struct raw s;
	struct tc t;

	raw_start(&s, fn, arg);
	if (conf != NULL)
		t.conf = *conf;
	else
		tc_conf(&t);
	tc_start(&t);
	request_sync(&t, m, s.port, "/", NULL, 0, r);
	if (st != NULL)
		*st = tc_stats(&t);
	tc_stop(&t);
	raw_stop(&s);
}

static void
test_chunked(void **state)
{
	struct result r = { 0 };
	struct jet_http_client_stats st;

	(void)state;
	raw_get(fn_canned_all,
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Test: c\r\n\r\n"
		"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
		NULL, JET_HTTP_GET, &r, &st);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "hello world");
	assert_string_equal(r.xtest, "c");
	/* Cleanly framed: kept for reuse. */
	assert_int_equal(st.idle_now, 1);
	result_reset(&r);
}

/* Sends the response a few bytes at a time, so every parser state sees a
 * split. */
static void
fn_trickle(struct raw *s, int fd, int idx)
{
	char buf[4096];
	const char *resp = s->arg;
	size_t len = strlen(resp);

	(void)idx;
	if (raw_read_request(s, fd, buf, sizeof(buf)) <= 0)
		return;
	for (size_t i = 0; i < len; i += 3) {
		raw_send(fd, resp + i, JET_MIN((size_t)3, len - i));
		usleep(1000);
	}
	raw_wait_eof(fd);
}

static void
test_trickled_response(void **state)
{
	struct result r = { 0 };

	(void)state;
	raw_get(fn_trickle,
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"a\r\n0123456789\r\n3\r\nabc\r\n0\r\n\r\n", NULL, JET_HTTP_GET, &r, NULL);
	assert_int_equal(r.rc, JET_OK);
	assert_string_equal(r.body, "0123456789abc");
	result_reset(&r);
	raw_get(fn_trickle, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nhello, world", NULL,
		JET_HTTP_GET, &r, NULL);
	assert_int_equal(r.rc, JET_OK);
	assert_string_equal(r.body, "hello, world");
	result_reset(&r);
}

static void
test_eof_body(void **state)
{
	struct result r = { 0 };
	struct jet_http_client_stats st;

	(void)state;
	raw_get(fn_canned_close, "HTTP/1.1 200 OK\r\nX-Test: eof\r\n\r\nuntil the end", NULL,
		JET_HTTP_GET, &r, &st);
	assert_int_equal(r.rc, JET_OK);
	assert_string_equal(r.body, "until the end");
	assert_int_equal(st.conns_now, 0); /* never reused */
	result_reset(&r);
	/* HTTP/1.0 without keep-alive: EOF-delimited too. */
	raw_get(fn_canned_close, "HTTP/1.0 200 OK\r\n\r\nold", NULL, JET_HTTP_GET, &r, &st);
	assert_int_equal(r.rc, JET_OK);
	assert_string_equal(r.body, "old");
	result_reset(&r);
	/* Truncated Content-Length body. */
	raw_get(fn_canned_close, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", NULL,
		JET_HTTP_GET, &r, &st);
	assert_int_equal(r.rc, JET_ECLOSED);
	result_reset(&r);
	/* Truncated chunked body. */
	raw_get(fn_canned_close,
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", NULL,
		JET_HTTP_GET, &r, &st);
	assert_int_equal(r.rc, JET_ECLOSED);
	result_reset(&r);
	/* Nothing at all. */
	raw_get(fn_canned_close, "", NULL, JET_HTTP_GET, &r, &st);
	assert_int_equal(r.rc, JET_ECLOSED);
	result_reset(&r);
}

static void
test_interim_responses(void **state)
{
	struct result r = { 0 };
	char many[40 * 32];
	size_t off = 0;

	(void)state;
	raw_get(fn_canned,
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", NULL, JET_HTTP_GET, &r, NULL);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok");
	result_reset(&r);
	/* 101 answers an upgrade nobody asked for. */
	raw_get(fn_canned, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", NULL,
		JET_HTTP_GET, &r, NULL);
	assert_int_equal(r.rc, JET_EPROTO);
	result_reset(&r);
	/* An endless stream of 100 Continue is cut off. */
	for (int i = 0; i < 17; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off,
			"HTTP/1.1 100 Continue\r\n\r\n");
	snprintf(many + off, sizeof(many) - off, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	raw_get(fn_canned, many, NULL, JET_HTTP_GET, &r, NULL);
	assert_int_equal(r.rc, JET_EPROTO);
	result_reset(&r);
}

static void
test_malformed(void **state)
{
	static const char *bad[] = {
		"garbage\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Header: x\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
		"HTTP/1.1 999 Nine\r\nContent-Length: 0\r\n\r\n",
	};

	(void)state;
	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++) {
		struct result r = { 0 };
		struct jet_http_client_stats st;

		raw_get(fn_canned, bad[i], NULL, JET_HTTP_GET, &r, &st);
		if (r.rc != JET_EPROTO)
			fail_msg("case %zu: %d (%s)", i, r.rc, jet_strerror(r.rc));
		assert_int_equal(st.conns_now, 0);
		result_reset(&r);
	}
}

static void
test_oversize(void **state)
{
	struct jet_http_client_conf conf;
	struct result r = { 0 };
	char resp[8192], body[2001];
	char *head;
	size_t off;

	(void)state;
	jet_http_client_conf_default(&conf);
	conf.limits.max_body = 1000;
	memset(body, 'b', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';

	/* Content-Length at the limit, then one past it. */
	snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n%.1000s",
		body);
	raw_get(fn_canned, resp, &conf, JET_HTTP_GET, &r, NULL);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.body_len, 1000);
	result_reset(&r);
	snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Length: 1001\r\n\r\n%.1001s",
		body);
	raw_get(fn_canned, resp, &conf, JET_HTTP_GET, &r, NULL);
	assert_int_equal(r.rc, JET_ETOOBIG);
	result_reset(&r);

	/* Chunked: 1000 decoded bytes pass, 1001 do not. */
	snprintf(resp, sizeof(resp),
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n%.1000s\r\n0\r\n\r\n",
		body);
	raw_get(fn_canned, resp, &conf, JET_HTTP_GET, &r, NULL);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.body_len, 1000);
	result_reset(&r);
	snprintf(resp, sizeof(resp),
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n%.1000s\r\n1\r\nx\r\n"
		"0\r\n\r\n", body);
	raw_get(fn_canned, resp, &conf, JET_HTTP_GET, &r, NULL);
	assert_int_equal(r.rc, JET_ETOOBIG);
	result_reset(&r);

	/* EOF-delimited. */
	snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\n\r\n%.1000s", body);
	raw_get(fn_canned_close, resp, &conf, JET_HTTP_GET, &r, NULL);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.body_len, 1000);
	result_reset(&r);
	snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\n\r\n%.1001s", body);
	raw_get(fn_canned_close, resp, &conf, JET_HTTP_GET, &r, NULL);
	assert_int_equal(r.rc, JET_ETOOBIG);
	result_reset(&r);

	/* A head past max_head. */
	jet_http_client_conf_default(&conf);
	conf.limits.max_head = 4096;
	head = malloc(8192);
	assert_non_null(head);
	off = (size_t)snprintf(head, 8192, "HTTP/1.1 200 OK\r\nX-Big: ");
	memset(head + off, 'h', 5000);
	off += 5000;
	snprintf(head + off, 8192 - off, "\r\nContent-Length: 0\r\n\r\n");
	raw_get(fn_canned, head, &conf, JET_HTTP_GET, &r, NULL);
	assert_int_equal(r.rc, JET_ETOOBIG);
	result_reset(&r);
	free(head);
}

/* Bytes after the response (the server misframed, or pipelines junk): the
 * response is delivered, the connection is not reused. */
static void
test_extra_bytes_not_reused(void **state)
{
	struct result r = { 0 };
	struct jet_http_client_stats st;

	(void)state;
	raw_get(fn_canned, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokJUNK", NULL,
		JET_HTTP_GET, &r, &st);
	assert_int_equal(r.rc, JET_OK);
	assert_string_equal(r.body, "ok");
	assert_int_equal(st.conns_now, 0);
	result_reset(&r);
}

/* Connection: close on a response: the next request opens a new
 * connection even though the server keeps the socket open. */
static void
test_connection_close(void **state)
{
	struct raw s;
	struct tc t;
	struct result r = { 0 };
	struct jet_http_client_stats st;

	(void)state;
	raw_start(&s, fn_canned,
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
	tc_conf(&t);
	tc_start(&t);
	request_sync(&t, JET_HTTP_GET, s.port, "/", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	st = tc_stats(&t);
	assert_int_equal(st.conns_now, 0);
	request_sync(&t, JET_HTTP_GET, s.port, "/", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	st = tc_stats(&t);
	assert_int_equal(st.connects, 2);
	assert_int_equal(st.reused, 0);
	result_reset(&r);
	tc_stop(&t);
	raw_stop(&s);
	assert_int_equal(atomic_load(&s.accepted), 2);
}

/* The server answers 413 after the head and stops reading, while a large
 * body is still going out: the early response is delivered, and the
 * connection is not reused. */
static void
fn_early_413(struct raw *s, int fd, int idx)
{
	char buf[8192];
	size_t len = 0;

	(void)idx;
	while (len < sizeof(buf)) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - len, 0);

		if (n <= 0)
			return;
		len += (size_t)n;
		if (memmem(buf, len, "\r\n\r\n", 4) != NULL)
			break;
	}
	raw_send_str(fd, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\n"
		"Connection: close\r\n\r\nbig");
	shutdown(fd, SHUT_WR);
	/* Keep draining so the client never sees a reset. */
	raw_wait_eof(fd);
}

static void
test_early_response(void **state)
{
	struct raw s;
	struct tc t;
	struct result r = { 0 };
	size_t len = 16u * 1024 * 1024;
	char *body = calloc(1, len);

	(void)state;
	assert_non_null(body);
	raw_start(&s, fn_early_413, NULL);
	tc_conf(&t);
	t.conf.limits.max_body = 1024;
	tc_start(&t);
	request_sync(&t, JET_HTTP_POST, s.port, "/upload", body, len, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.status, 413);
	assert_string_equal(r.body, "big");
	assert_int_equal(tc_stats(&t).conns_now, 0);
	result_reset(&r);
	tc_stop(&t);
	raw_stop(&s);
	free(body);
}

/* ------------------------------------------------------------------------
 * Pooling, queueing, retries
 * --------------------------------------------------------------------- */

static void
test_pool_limit_and_queue(void **state)
{
	struct jet_testsrv srv;
	struct tc t;
	struct result r[6];
	struct many m = { r, 6 };
	struct jet_http_client_stats st;

	(void)state;
	memset(r, 0, sizeof(r));
	plain_server(&srv);
	tc_conf(&t);
	t.conf.max_conns_per_origin = 2;
	t.conf.max_queue = 3;
	tc_start(&t);
	for (int i = 0; i < 6; i++)
		assert_int_equal(submit(&t, JET_HTTP_GET, "127.0.0.1", srv.port, "/slow?ms=100",
			NULL, 0, &r[i]), JET_OK);
	st = tc_stats(&t);
	assert_int_equal(st.conns_now, 2);
	assert_int_equal(st.queued_now, 3);
	run_until(&t.loop, pred_all_done, &m, 10000);
	for (int i = 0; i < 5; i++) {
		assert_false(r[i].was_sync);
		assert_int_equal(r[i].rc, JET_OK);
		assert_string_equal(r[i].body, "slow");
	}
	/* Past the queue: refused, but asynchronously. */
	assert_int_equal(r[5].rc, JET_EBUSY);
	assert_false(r[5].was_sync);
	st = tc_stats(&t);
	assert_int_equal(st.connects, 2);
	assert_int_equal(st.reused, 3);
	assert_int_equal(st.busy, 1);
	assert_int_equal(st.queued_now, 0);
	for (int i = 0; i < 6; i++)
		result_reset(&r[i]);
	tc_stop(&t);
	jet_testsrv_stop(&srv);
}

static void
test_concurrent(void **state)
{
	enum { N = 64 };
	struct jet_testsrv srv;
	struct tc t;
	struct result *r = calloc(N, sizeof(*r));
	struct many m = { r, N };
	struct jet_http_client_stats st;

	(void)state;
	assert_non_null(r);
	plain_server(&srv);
	tc_conf(&t);
	t.conf.max_conns_per_origin = 4;
	t.conf.max_queue = N;
	tc_start(&t);
	for (int i = 0; i < N; i++)
		assert_int_equal(submit(&t, i % 2 ? JET_HTTP_POST : JET_HTTP_GET, "127.0.0.1",
			srv.port, i % 2 ? "/echo" : "/hello", "hello", i % 2 ? 5 : 0, &r[i]),
			JET_OK);
	run_until(&t.loop, pred_all_done, &m, 20000);
	for (int i = 0; i < N; i++) {
		assert_int_equal(r[i].rc, JET_OK);
		assert_string_equal(r[i].body, "hello");
		result_reset(&r[i]);
	}
	st = tc_stats(&t);
	assert_true(st.connects <= 4);
	assert_int_equal(st.responses, N);
	tc_stop(&t);
	jet_testsrv_stop(&srv);
	free(r);
}

static void
test_queue_timeout(void **state)
{
	struct jet_testsrv srv;
	struct tc t;
	struct result r[2];
	struct many m = { r, 2 };

	(void)state;
	memset(r, 0, sizeof(r));
	plain_server(&srv);
	tc_conf(&t);
	t.conf.max_conns_per_origin = 1;
	t.conf.queue_timeout_ms = 100;
	tc_start(&t);
	assert_int_equal(submit(&t, JET_HTTP_GET, "127.0.0.1", srv.port, "/slow?ms=500", NULL, 0,
		&r[0]), JET_OK);
	assert_int_equal(submit(&t, JET_HTTP_GET, "127.0.0.1", srv.port, "/hello", NULL, 0,
		&r[1]), JET_OK);
	run_until(&t.loop, pred_all_done, &m, 10000);
	assert_int_equal(r[0].rc, JET_OK);
	assert_int_equal(r[1].rc, JET_ETIMEDOUT);
	assert_int_equal(tc_stats(&t).timeouts, 1);
	result_reset(&r[0]);
	result_reset(&r[1]);
	tc_stop(&t);
	jet_testsrv_stop(&srv);
}

/* Connection 0 answers the first request, reads the second and closes
 * without a byte (a server closing an idle connection just as the request
 * arrives); later connections answer everything. */
static void
fn_stale(struct raw *s, int fd, int idx)
{
	char buf[65536];

	if (idx == 0) {
		if (raw_read_request(s, fd, buf, sizeof(buf)) <= 0)
			return;
		raw_send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok1");
		raw_read_request(s, fd, buf, sizeof(buf));
		return;
	}
	while (raw_read_request(s, fd, buf, sizeof(buf)) > 0)
		raw_send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok2");
}

static void
test_stale_retry(void **state)
{
	static const enum jet_http_method idem[] = { JET_HTTP_GET, JET_HTTP_HEAD, JET_HTTP_PUT,
		JET_HTTP_DELETE, JET_HTTP_OPTIONS };

	(void)state;
	for (size_t i = 0; i < JET_ARRAY_LEN(idem); i++) {
		struct raw s;
		struct tc t;
		struct result r = { 0 };
		struct jet_http_client_stats st;

		raw_start(&s, fn_stale, NULL);
		tc_conf(&t);
		tc_start(&t);
		request_sync(&t, JET_HTTP_GET, s.port, "/", NULL, 0, &r);
		assert_int_equal(r.rc, JET_OK);
		assert_string_equal(r.body, "ok1");
		request_sync(&t, idem[i], s.port, "/", "x", idem[i] == JET_HTTP_PUT ? 1 : 0, &r);
		assert_int_equal(r.rc, JET_OK);
		if (idem[i] != JET_HTTP_HEAD)
			assert_string_equal(r.body, "ok2");
		st = tc_stats(&t);
		assert_int_equal(st.retries, 1);
		assert_int_equal(st.connects, 2);
		assert_int_equal(st.reused, 1);
		result_reset(&r);
		tc_stop(&t);
		raw_stop(&s);
	}
}

/* A POST fully written on a reused connection is not re-sent: the server
 * may have acted on it. */
static void
test_stale_post_not_retried(void **state)
{
	struct raw s;
	struct tc t;
	struct result r = { 0 };
	struct jet_http_client_stats st;

	(void)state;
	raw_start(&s, fn_stale, NULL);
	tc_conf(&t);
	tc_start(&t);
	request_sync(&t, JET_HTTP_GET, s.port, "/", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	request_sync(&t, JET_HTTP_POST, s.port, "/", "data", 4, &r);
	assert_int_equal(r.rc, JET_ECLOSED);
	st = tc_stats(&t);
	assert_int_equal(st.retries, 0);
	assert_int_equal(st.connects, 1);
	result_reset(&r);
	tc_stop(&t);
	raw_stop(&s);
	assert_int_equal(atomic_load(&s.accepted), 1);
}

/* Connection 0 answers the first request, then reads only the head of the
 * second (a large upload) and closes: the client cannot finish writing.
 * Later connections read whole requests and answer them. */
static void
fn_stale_upload(struct raw *s, int fd, int idx)
{
	char buf[65536];

	if (idx == 0) {
		if (raw_read_request(s, fd, buf, sizeof(buf)) <= 0)
			return;
		raw_send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok1");
		if (recv(fd, buf, 1024, 0) <= 0)
			return;
		atomic_fetch_add(&s->requests, 1);
		return; /* close with the upload unread: a reset */
	}
	for (;;) {
		size_t len = 0, head, body = 0;
		char *end, *cl;
		uint64_t v = 0;

		while ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL) {
			ssize_t n = recv(fd, buf + len, sizeof(buf) - len, 0);

			if (n <= 0)
				return;
			len += (size_t)n;
		}
		head = (size_t)(end - buf) + 4;
		cl = memmem(buf, head, "Content-Length: ", 16);
		if (cl != NULL) {
			assert_int_equal(jet_parse_u64(cl + 16,
				(size_t)((char *)memchr(cl, '\r', head) - cl - 16), UINT32_MAX, &v),
				JET_OK);
			body = (size_t)v;
		}
		/* Drain the body without keeping it. */
		for (size_t got = len - head; got < body; ) {
			ssize_t n = recv(fd, buf, JET_MIN(sizeof(buf), body - got), 0);

			if (n <= 0)
				return;
			got += (size_t)n;
		}
		atomic_fetch_add(&s->requests, 1);
		raw_send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok2");
	}
}

/* Even a POST is re-sent when it could not be written whole on the reused
 * connection: the server cannot have acted on a request it never got. */
static void
test_partial_post_retried(void **state)
{
	struct raw s;
	struct tc t;
	struct result r = { 0 };
	struct jet_http_client_stats st;
	size_t len = 32u * 1024 * 1024;
	char *body = calloc(1, len);

	(void)state;
	assert_non_null(body);
	raw_start(&s, fn_stale_upload, NULL);
	tc_conf(&t);
	t.conf.request_timeout_ms = 20000;
	tc_start(&t);
	request_sync(&t, JET_HTTP_GET, s.port, "/", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_string_equal(r.body, "ok1");
	request_sync(&t, JET_HTTP_POST, s.port, "/upload", body, len, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_string_equal(r.body, "ok2");
	st = tc_stats(&t);
	assert_int_equal(st.retries, 1);
	assert_int_equal(st.connects, 2);
	result_reset(&r);
	tc_stop(&t);
	raw_stop(&s);
	free(body);
}

/* An unreachable origin fails its queued requests with the connect error
 * at once instead of letting each wait out a connect of its own. */
static void
test_unreachable_fails_queue(void **state)
{
	struct tc t;
	struct result r[3];
	struct many m = { r, 3 };
	struct sockaddr_in sa;
	socklen_t slen = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port;

	(void)state;
	memset(r, 0, sizeof(r));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &slen), 0);
	port = ntohs(sa.sin_port);
	close(fd);

	tc_conf(&t);
	t.conf.max_conns_per_origin = 1;
	tc_start(&t);
	for (int i = 0; i < 3; i++)
		assert_int_equal(submit(&t, JET_HTTP_GET, "127.0.0.1", port, "/", NULL, 0, &r[i]),
			JET_OK);
	assert_int_equal(tc_stats(&t).queued_now, 2);
	run_until(&t.loop, pred_all_done, &m, 5000);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r[i].rc, JET_EIO);
		assert_false(r[i].was_sync);
	}
	assert_int_equal(tc_stats(&t).connects, 1);
	assert_int_equal(tc_stats(&t).queued_now, 0);
	tc_stop(&t);
}

/* A fresh connection that fails is never retried: only reuse can explain
 * a failure the server did not mean. */
static void
test_fresh_failure_not_retried(void **state)
{
	struct result r = { 0 };
	struct jet_http_client_stats st;

	(void)state;
	raw_get(fn_canned_close, "", NULL, JET_HTTP_GET, &r, &st);
	assert_int_equal(r.rc, JET_ECLOSED);
	assert_int_equal(st.retries, 0);
	assert_int_equal(st.connects, 1);
	result_reset(&r);
}

/* Answers one request and closes the idle connection 50 ms later. */
static void
fn_close_idle(struct raw *s, int fd, int idx)
{
	char buf[65536];

	(void)idx;
	if (raw_read_request(s, fd, buf, sizeof(buf)) <= 0)
		return;
	raw_send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	usleep(50000);
}

static bool
pred_no_idle(void *arg)
{
	struct tc *t = arg;

	return tc_stats(t).idle_now == 0;
}

static void
test_server_closes_idle(void **state)
{
	struct raw s;
	struct tc t;
	struct result r = { 0 };
	struct jet_http_client_stats st;

	(void)state;
	raw_start(&s, fn_close_idle, NULL);
	tc_conf(&t);
	tc_start(&t);
	request_sync(&t, JET_HTTP_GET, s.port, "/", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(tc_stats(&t).idle_now, 1);
	run_until(&t.loop, pred_no_idle, &t, 5000);
	st = tc_stats(&t);
	assert_int_equal(st.idle_closed, 1);
	assert_int_equal(st.conns_now, 0);
	request_sync(&t, JET_HTTP_GET, s.port, "/", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	st = tc_stats(&t);
	assert_int_equal(st.connects, 2);
	assert_int_equal(st.retries, 0);
	result_reset(&r);
	tc_stop(&t);
	raw_stop(&s);
}

static void
test_idle_timeout(void **state)
{
	struct jet_testsrv srv;
	struct tc t;
	struct result r = { 0 };
	uint64_t t0;

	(void)state;
	plain_server(&srv);
	tc_conf(&t);
	t.conf.idle_timeout_ms = 100;
	tc_start(&t);
	request_sync(&t, JET_HTTP_GET, srv.port, "/hello", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	t0 = jet_now_ms();
	assert_int_equal(tc_stats(&t).idle_now, 1);
	run_until(&t.loop, pred_no_idle, &t, 5000);
	assert_true(jet_now_ms() - t0 >= 90);
	assert_int_equal(tc_stats(&t).idle_closed, 1);
	result_reset(&r);
	tc_stop(&t);
	jet_testsrv_stop(&srv);
}

/* max_idle_per_origin: concurrent requests open several connections, only
 * that many stay. */
static void
test_max_idle(void **state)
{
	struct jet_testsrv srv;
	struct tc t;
	struct result r[4];
	struct many m = { r, 4 };
	struct jet_http_client_stats st;

	(void)state;
	memset(r, 0, sizeof(r));
	plain_server(&srv);
	tc_conf(&t);
	t.conf.max_idle_per_origin = 1;
	tc_start(&t);
	for (int i = 0; i < 4; i++)
		assert_int_equal(submit(&t, JET_HTTP_GET, "127.0.0.1", srv.port, "/slow?ms=50",
			NULL, 0, &r[i]), JET_OK);
	run_until(&t.loop, pred_all_done, &m, 10000);
	st = tc_stats(&t);
	assert_int_equal(st.connects, 4);
	assert_int_equal(st.idle_now, 1);
	assert_int_equal(st.conns_now, 1);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(r[i].rc, JET_OK);
		result_reset(&r[i]);
	}
	tc_stop(&t);
	jet_testsrv_stop(&srv);
}

/* ------------------------------------------------------------------------
 * Timeouts and shutdown
 * --------------------------------------------------------------------- */

/* Reads the request and never answers. */
static void
fn_silent(struct raw *s, int fd, int idx)
{
	char buf[65536];

	(void)idx;
	if (raw_read_request(s, fd, buf, sizeof(buf)) <= 0)
		return;
	raw_wait_eof(fd);
}

static void
test_request_timeout(void **state)
{
	struct jet_http_client_conf conf;
	struct result r = { 0 };
	struct jet_http_client_stats st;
	uint64_t t0 = jet_now_ms(), dt;

	(void)state;
	jet_http_client_conf_default(&conf);
	conf.request_timeout_ms = 200;
	raw_get(fn_silent, NULL, &conf, JET_HTTP_GET, &r, &st);
	dt = jet_now_ms() - t0;
	assert_int_equal(r.rc, JET_ETIMEDOUT);
	assert_true(dt >= 190 && dt < 3000);
	assert_int_equal(st.timeouts, 1);
	assert_int_equal(st.retries, 0);
	result_reset(&r);
}

static void
test_free_with_pending(void **state)
{
	struct raw s;
	struct tc t;
	struct result r[3];

	(void)state;
	memset(r, 0, sizeof(r));
	raw_start(&s, fn_silent, NULL);
	tc_conf(&t);
	t.conf.max_conns_per_origin = 1;
	tc_start(&t);
	for (int i = 0; i < 3; i++)
		assert_int_equal(submit(&t, JET_HTTP_GET, "127.0.0.1", s.port, "/", NULL, 0, &r[i]),
			JET_OK);
	run_for(&t.loop, 50);
	for (int i = 0; i < 3; i++)
		assert_false(r[i].done);
	/* Callbacks run inside free, with JET_ECLOSED. */
	jet_http_client_free(t.c);
	for (int i = 0; i < 3; i++) {
		assert_true(r[i].done);
		assert_int_equal(r[i].rc, JET_ECLOSED);
	}
	uv_run(&t.loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&t.loop), 0);
	raw_stop(&s);
}

/* A callback that frees the client while other requests are pending, then
 * tries to submit again. */
struct free_in_cb {
	struct tc *t;
	int calls;
	int eclosed;
	int submit_rc;
};

static void
on_free_in_cb(int rc, const struct jet_http_client_resp *resp, void *arg)
{
	struct free_in_cb *f = arg;
	struct jet_http_client_req q;

	(void)resp;
	f->calls++;
	if (rc == JET_ECLOSED)
		f->eclosed++;
	if (f->calls > 1)
		return;
	jet_http_client_free(f->t->c);
	jet_http_client_free(f->t->c); /* a second call is a no-op */
	memset(&q, 0, sizeof(q));
	q.method = JET_HTTP_GET;
	q.host = "127.0.0.1";
	q.port = 1;
	q.target = "/";
	f->submit_rc = jet_http_client_request(f->t->c, &q, on_free_in_cb, f);
}

static bool
pred_calls3(void *arg)
{
	return ((struct free_in_cb *)arg)->calls == 3;
}

static void
test_free_in_callback(void **state)
{
	struct jet_testsrv srv;
	struct raw s;
	struct tc t;
	struct free_in_cb f = { 0 };
	struct jet_http_client_req q;

	(void)state;
	plain_server(&srv);
	raw_start(&s, fn_silent, NULL);
	tc_conf(&t);
	tc_start(&t);
	f.t = &t;
	memset(&q, 0, sizeof(q));
	q.method = JET_HTTP_GET;
	q.host = "127.0.0.1";
	q.target = "/";
	q.port = s.port;
	assert_int_equal(jet_http_client_request(t.c, &q, on_free_in_cb, &f), JET_OK);
	assert_int_equal(jet_http_client_request(t.c, &q, on_free_in_cb, &f), JET_OK);
	run_for(&t.loop, 50);
	q.port = srv.port;
	q.target = "/hello";
	assert_int_equal(jet_http_client_request(t.c, &q, on_free_in_cb, &f), JET_OK);
	run_until(&t.loop, pred_calls3, &f, 10000);
	assert_int_equal(f.eclosed, 2);
	assert_int_equal(f.submit_rc, JET_ESTATE);
	uv_run(&t.loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&t.loop), 0);
	raw_stop(&s);
	jet_testsrv_stop(&srv);
}

/* ------------------------------------------------------------------------
 * TLS
 * --------------------------------------------------------------------- */

static void
need_pki(void)
{
	if (!pki_ok)
		skip();
}

struct tls_srv {
	struct jet_testsrv srv;
	struct jet_tls_server *ts;
};

static void
tls_server(struct tls_srv *s, const char *host, enum jet_mtls_mode mtls, uint64_t idle_ms)
{
	struct jet_tls_server_conf tconf;
	struct jet_http_server_conf conf;
	char err[256];

	memset(&tconf, 0, sizeof(tconf));
	tconf.cert_file = pki.server.cert;
	tconf.key_file = pki.server.key;
	tconf.mtls = mtls;
	tconf.client_ca_file = mtls != JET_MTLS_OFF ? pki.ca : NULL;
	tconf.ticket_lifetime_s = 3600;
	tconf.session_cache = true;
	if (jet_tls_server_new(&tconf, &s->ts, err, sizeof(err)) != JET_OK)
		fail_msg("jet_tls_server_new: %s", err);
	jet_http_server_conf_default(&conf);
	conf.host = host;
	conf.port = 0;
	conf.workers = 1;
	conf.tls = s->ts;
	conf.routes = routes;
	conf.nroutes = JET_ARRAY_LEN(routes);
	conf.limits.max_body = 8u * 1024 * 1024;
	if (idle_ms != 0)
		conf.idle_timeout_ms = idle_ms;
	conf.name = "test-tls";
	assert_int_equal(jet_testsrv_start(&s->srv, &conf), JET_OK);
}

static void
tls_server_stop(struct tls_srv *s)
{
	jet_testsrv_stop(&s->srv);
	jet_tls_server_free(s->ts);
}

static SSL_CTX *
client_ctx(const char *ca, const char *cert, const char *key, bool cache)
{
	struct jet_tls_client_conf conf = { ca, cert, key, cache };
	SSL_CTX *ctx = NULL;
	char err[256];

	if (jet_tls_client_ctx_new(&conf, &ctx, err, sizeof(err)) != JET_OK)
		fail_msg("jet_tls_client_ctx_new: %s", err);
	return ctx;
}

/* A TLS client on its own loop, requests to host. */
static void
tls_tc(struct tc *t, SSL_CTX *ctx)
{
	tc_conf(t);
	t->conf.tls = ctx;
	tc_start(t);
}

static void
tls_request(struct tc *t, enum jet_http_method m, const char *host, uint16_t port,
	const char *target, const void *body, size_t len, struct result *r)
{
	result_reset(r);
	assert_int_equal(submit(t, m, host, port, target, body, len, r), JET_OK);
	run_until(&t->loop, pred_done, r, 10000);
}

static void
test_tls_basic(void **state)
{
	struct tls_srv s;
	struct tc t;
	struct result r = { 0 };
	SSL_CTX *ctx;
	struct jet_http_client_stats st;
	size_t len = 2u * 1024 * 1024 + 7;
	char *body;

	(void)state;
	need_pki();
	tls_server(&s, "127.0.0.1", JET_MTLS_OFF, 0);
	ctx = client_ctx(pki.ca, NULL, NULL, false);
	tls_tc(&t, ctx);
	/* An IP literal (matched against iPAddress SANs) ... */
	tls_request(&t, JET_HTTP_GET, "127.0.0.1", s.srv.port, "/hello", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "hello");
	tls_request(&t, JET_HTTP_GET, "127.0.0.1", s.srv.port, "/hello", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	/* ... and a DNS name (SNI, dNSName SAN). */
	tls_request(&t, JET_HTTP_GET, "localhost", s.srv.port, "/hello", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_string_equal(r.body, "hello");
	/* Large bodies both ways: partial TLS writes and many records. */
	body = malloc(len);
	assert_non_null(body);
	for (size_t i = 0; i < len; i++)
		body[i] = (char)(i * 13 + 1);
	tls_request(&t, JET_HTTP_POST, "127.0.0.1", s.srv.port, "/echo", body, len, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.body_len, len);
	assert_memory_equal(r.body, body, len);
	free(body);
	tls_request(&t, JET_HTTP_GET, "127.0.0.1", s.srv.port, "/big", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.body_len, BIG_LEN);
	assert_memory_equal(r.body, big_body, BIG_LEN);
	st = tc_stats(&t);
	assert_int_equal(st.connects, 2); /* one per origin: 127.0.0.1 and localhost */
	assert_int_equal(st.tls_handshakes, 2);
	assert_int_equal(st.reused, 3);
	result_reset(&r);
	tc_stop(&t);
	SSL_CTX_free(ctx);
	tls_server_stop(&s);
}

static void
test_tls_wrong_hostname(void **state)
{
	struct tls_srv s;
	struct tc t;
	struct result r = { 0 };
	SSL_CTX *ctx;

	(void)state;
	need_pki();
	/* 127.0.0.2 is loopback on Linux but not in the certificate. */
	tls_server(&s, "127.0.0.2", JET_MTLS_OFF, 0);
	ctx = client_ctx(pki.ca, NULL, NULL, false);
	tls_tc(&t, ctx);
	tls_request(&t, JET_HTTP_GET, "127.0.0.2", s.srv.port, "/hello", NULL, 0, &r);
	assert_int_equal(r.rc, JET_ETLS);
	assert_int_equal(tc_stats(&t).tls_handshakes, 0);
	assert_int_equal(tc_stats(&t).conns_now, 0);
	result_reset(&r);
	tc_stop(&t);
	SSL_CTX_free(ctx);
	tls_server_stop(&s);
}

static int
verify_anything(int ok, X509_STORE_CTX *store)
{
	(void)ok;
	(void)store;
	return 1;
}

static void
test_tls_untrusted_ca(void **state)
{
	struct tls_srv s;
	struct tc t;
	struct result r = { 0 };
	SSL_CTX *ctx;

	(void)state;
	need_pki();
	tls_server(&s, "127.0.0.1", JET_MTLS_OFF, 0);
	ctx = client_ctx(pki.other_ca, NULL, NULL, false);
	tls_tc(&t, ctx);
	tls_request(&t, JET_HTTP_GET, "127.0.0.1", s.srv.port, "/hello", NULL, 0, &r);
	assert_int_equal(r.rc, JET_ETLS);
	assert_int_equal(tc_stats(&t).tls_handshakes, 0);
	tc_stop(&t);

	/* A verify callback that waves the failure through does not get a
	 * request out either. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_anything);
	tls_tc(&t, ctx);
	tls_request(&t, JET_HTTP_GET, "127.0.0.1", s.srv.port, "/hello", NULL, 0, &r);
	assert_int_equal(r.rc, JET_ETLS);
	assert_int_equal(tc_stats(&t).tls_handshakes, 0);
	tc_stop(&t);

	/* A context that does not verify at all is refused up front. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	{
		struct jet_http_client_conf conf;
		struct jet_http_client *c = NULL;
		uv_loop_t loop;

		uv_loop_init(&loop);
		jet_http_client_conf_default(&conf);
		conf.tls = ctx;
		assert_int_equal(jet_http_client_new(&loop, &conf, &c), JET_ECONF);
		assert_null(c);
		assert_int_equal(uv_loop_close(&loop), 0);
	}
	result_reset(&r);
	SSL_CTX_free(ctx);
	tls_server_stop(&s);
}

static void
test_tls_client_certificate(void **state)
{
	struct tls_srv s;
	struct tc t;
	struct result r = { 0 };
	SSL_CTX *ctx;

	(void)state;
	need_pki();
	tls_server(&s, "127.0.0.1", JET_MTLS_REQUIRED, 0);

	/* The server sees the identity of the certificate the context holds. */
	ctx = client_ctx(pki.ca, pki.client.cert, pki.client.key, false);
	tls_tc(&t, ctx);
	tls_request(&t, JET_HTTP_GET, "127.0.0.1", s.srv.port, "/whoami", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "CN=" JET_TESTPKI_CLIENT_CN));
	tc_stop(&t);
	SSL_CTX_free(ctx);

	/* No certificate, or one from a CA the server does not trust: with
	 * TLS 1.3 the client's handshake completes first and the refusal
	 * arrives as an alert, followed by a reset (the request is unread).
	 * The alert is read before the reset is reported: JET_ETLS. */
	ctx = client_ctx(pki.ca, NULL, NULL, false);
	tls_tc(&t, ctx);
	tls_request(&t, JET_HTTP_GET, "127.0.0.1", s.srv.port, "/whoami", NULL, 0, &r);
	if (r.rc != JET_ETLS)
		fail_msg("no client certificate: %d %s", r.rc, jet_strerror(r.rc));
	assert_int_equal(tc_stats(&t).retries, 0);
	tc_stop(&t);
	SSL_CTX_free(ctx);
	ctx = client_ctx(pki.ca, pki.client_wrong_ca.cert, pki.client_wrong_ca.key, false);
	tls_tc(&t, ctx);
	tls_request(&t, JET_HTTP_GET, "127.0.0.1", s.srv.port, "/whoami", NULL, 0, &r);
	if (r.rc != JET_ETLS)
		fail_msg("untrusted client certificate: %d %s", r.rc, jet_strerror(r.rc));
	result_reset(&r);
	tc_stop(&t);
	SSL_CTX_free(ctx);
	tls_server_stop(&s);
}

static void
test_tls_session_resumption(void **state)
{
	struct tls_srv s;
	struct tc t;
	struct result r = { 0 };
	SSL_CTX *ctx;
	struct jet_http_client_stats st;

	(void)state;
	need_pki();
	tls_server(&s, "127.0.0.1", JET_MTLS_REQUIRED, 0);
	/* With a client session cache the second connection resumes.  max_idle
	 * 0 makes every request open a connection. */
	ctx = client_ctx(pki.ca, pki.client.cert, pki.client.key, true);
	tc_conf(&t);
	t.conf.tls = ctx;
	t.conf.max_idle_per_origin = 0;
	tc_start(&t);
	for (int i = 0; i < 3; i++) {
		tls_request(&t, JET_HTTP_GET, "127.0.0.1", s.srv.port, "/whoami", NULL, 0, &r);
		assert_int_equal(r.rc, JET_OK);
		/* Resumed sessions keep the client identity. */
		assert_non_null(strstr(r.body, "CN=" JET_TESTPKI_CLIENT_CN));
		if (i == 1)
			assert_int_equal(tc_stats(&t).tls_resumed, 1);
	}
	/* A TLS 1.3 ticket is used once: the third connection resumes only if
	 * the server sent a fresh ticket on the resumed one, else it makes a
	 * full handshake (and must not fail for it). */
	st = tc_stats(&t);
	assert_int_equal(st.connects, 3);
	assert_int_equal(st.tls_handshakes, 3);
	assert_true(st.tls_resumed >= 1 && st.tls_resumed <= 2);
	tc_stop(&t);
	SSL_CTX_free(ctx);

	/* Without one: full handshakes only. */
	ctx = client_ctx(pki.ca, pki.client.cert, pki.client.key, false);
	tc_conf(&t);
	t.conf.tls = ctx;
	t.conf.max_idle_per_origin = 0;
	tc_start(&t);
	for (int i = 0; i < 2; i++) {
		tls_request(&t, JET_HTTP_GET, "127.0.0.1", s.srv.port, "/hello", NULL, 0, &r);
		assert_int_equal(r.rc, JET_OK);
	}
	st = tc_stats(&t);
	assert_int_equal(st.tls_handshakes, 2);
	assert_int_equal(st.tls_resumed, 0);
	result_reset(&r);
	tc_stop(&t);
	SSL_CTX_free(ctx);
	tls_server_stop(&s);
}

/* The server closes idle TLS connections (close_notify): the pool notices
 * and the next request opens a new one without a retry. */
static void
test_tls_server_idle_close(void **state)
{
	struct tls_srv s;
	struct tc t;
	struct result r = { 0 };
	SSL_CTX *ctx;
	struct jet_http_client_stats st;

	(void)state;
	need_pki();
	tls_server(&s, "127.0.0.1", JET_MTLS_OFF, 200);
	ctx = client_ctx(pki.ca, NULL, NULL, true);
	tls_tc(&t, ctx);
	tls_request(&t, JET_HTTP_GET, "127.0.0.1", s.srv.port, "/hello", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	assert_int_equal(tc_stats(&t).idle_now, 1);
	run_until(&t.loop, pred_no_idle, &t, 5000);
	tls_request(&t, JET_HTTP_GET, "127.0.0.1", s.srv.port, "/hello", NULL, 0, &r);
	assert_int_equal(r.rc, JET_OK);
	st = tc_stats(&t);
	assert_int_equal(st.idle_closed, 1);
	assert_int_equal(st.connects, 2);
	assert_int_equal(st.retries, 0);
	assert_int_equal(st.tls_resumed, 1);
	result_reset(&r);
	tc_stop(&t);
	SSL_CTX_free(ctx);
	tls_server_stop(&s);
}

/* A peer that accepts TCP and never speaks TLS: the connect timeout
 * covers the handshake. */
static void
test_tls_handshake_timeout(void **state)
{
	struct raw s;
	struct tc t;
	struct result r = { 0 };
	SSL_CTX *ctx;
	uint64_t t0;

	(void)state;
	need_pki();
	raw_start(&s, fn_silent, NULL);
	ctx = client_ctx(pki.ca, NULL, NULL, false);
	tc_conf(&t);
	t.conf.tls = ctx;
	t.conf.connect_timeout_ms = 200;
	tc_start(&t);
	t0 = jet_now_ms();
	tls_request(&t, JET_HTTP_GET, "127.0.0.1", s.port, "/", NULL, 0, &r);
	assert_int_equal(r.rc, JET_ETIMEDOUT);
	assert_true(jet_now_ms() - t0 >= 190);
	assert_int_equal(tc_stats(&t).connect_failures, 1);
	result_reset(&r);
	tc_stop(&t);
	SSL_CTX_free(ctx);
	raw_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_post),
		cmocka_unit_test(test_keepalive_reuse),
		cmocka_unit_test(test_chain_in_callback),
		cmocka_unit_test(test_head_and_204),
		cmocka_unit_test(test_big_body_and_limit),
		cmocka_unit_test(test_resolve_localhost),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_request_wire_format),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_trickled_response),
		cmocka_unit_test(test_eof_body),
		cmocka_unit_test(test_interim_responses),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_extra_bytes_not_reused),
		cmocka_unit_test(test_connection_close),
		cmocka_unit_test(test_early_response),
		cmocka_unit_test(test_pool_limit_and_queue),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_queue_timeout),
		cmocka_unit_test(test_stale_retry),
		cmocka_unit_test(test_stale_post_not_retried),
		cmocka_unit_test(test_fresh_failure_not_retried),
		cmocka_unit_test(test_partial_post_retried),
		cmocka_unit_test(test_unreachable_fails_queue),
		cmocka_unit_test(test_server_closes_idle),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_max_idle),
		cmocka_unit_test(test_request_timeout),
		cmocka_unit_test(test_free_with_pending),
		cmocka_unit_test(test_free_in_callback),
		cmocka_unit_test(test_tls_basic),
		cmocka_unit_test(test_tls_wrong_hostname),
		cmocka_unit_test(test_tls_untrusted_ca),
		cmocka_unit_test(test_tls_client_certificate),
		cmocka_unit_test(test_tls_session_resumption),
		cmocka_unit_test(test_tls_server_idle_close),
		cmocka_unit_test(test_tls_handshake_timeout),
	};

	return cmocka_run_group_tests_name("http_client", tests, group_setup, group_teardown);
}
