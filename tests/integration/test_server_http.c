/*
 * HTTP/1.1 server behaviour through real sockets: framing, keep-alive,
 * pipelining, smuggling defences, limits, timeouts, the connection cap and
 * graceful shutdown.  Plain HTTP on 127.0.0.1 keeps the focus on HTTP; the
 * TLS suite (test_server_tls.c) covers the same server over TLS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "jet/server.h"
#include "testnet.h"

/* ------------------------------------------------------------------ routes */

static void
h_hello(struct jet_http_req *req, const void *udata)
{
	jet_http_respond(req, 200, "text/plain", "hello", 5);
}

static void
h_echo(struct jet_http_req *req, const void *udata)
{
	struct jet_str b = jet_http_req_body(req);

	jet_http_respond(req, 200, "application/octet-stream", b.p, b.len);
}

static void
h_item(struct jet_http_req *req, const void *udata)
{
	struct jet_str id = jet_http_req_param(req, "id");

	jet_http_respond(req, 200, "text/plain", id.p, id.len);
}

static void
h_big(struct jet_http_req *req, const void *udata)
{
	size_t n = 8u << 20;
	char *p = malloc(n);

	memset(p, 'b', n);
	jet_http_respond(req, 200, "text/plain", p, n);
	free(p);
}

static void
h_error(struct jet_http_req *req, const void *udata)
{
	jet_http_respond_error(req, 422, "invalid_thing", "The thing is invalid.");
}

/* Answers after 300 ms from a timer on the worker loop: an asynchronous
 * handler, like one waiting on the thread pool. */
struct slow_ctx {
	uv_timer_t timer;
	struct jet_http_req *req;
};

static void
slow_close_cb(uv_handle_t *h)
{
	free(h->data);
}

static void
slow_fire(uv_timer_t *t)
{
	struct slow_ctx *s = t->data;

	jet_http_respond(s->req, 200, "text/plain", "slow", 4);
	uv_close((uv_handle_t *)&s->timer, slow_close_cb);
}

static void
h_slow(struct jet_http_req *req, const void *udata)
{
	struct slow_ctx *s = calloc(1, sizeof(*s));

	s->req = req;
	uv_timer_init(jet_http_req_loop(req), &s->timer);
	s->timer.data = s;
	uv_timer_start(&s->timer, slow_fire, 300, 0);
}

static const struct jet_route routes[] = {
	{ JET_HTTP_GET, "/hello", (void *)h_hello, NULL },
	{ JET_HTTP_POST, "/echo", (void *)h_echo, NULL },
	{ JET_HTTP_GET, "/items/{id}", (void *)h_item, NULL },
	{ JET_HTTP_GET, "/big", (void *)h_big, NULL },
	{ JET_HTTP_GET, "/error", (void *)h_error, NULL },
	{ JET_HTTP_GET, "/slow", (void *)h_slow, NULL },
};

static const struct jet_testconn_opts plain = { .plain = true };

static void
base_conf(struct jet_http_server_conf *c)
{
	jet_http_server_conf_default(c);
	c->port = 0;
	c->plain_http = true;
	c->workers = 2;
	c->routes = routes;
	c->nroutes = JET_ARRAY_LEN(routes);
	c->header_timeout_ms = 1000;
	c->body_timeout_ms = 1000;
	c->idle_timeout_ms = 1000;
	c->write_timeout_ms = 1000;
	c->shutdown_timeout_ms = 2000;
	c->limits.max_request_line = 1024;
	c->limits.max_head = 4096;
	c->limits.max_headers = 20;
	c->limits.max_body = 64 * 1024;
}

static int
setup(void **state)
{
	struct jet_testsrv *t = calloc(1, sizeof(*t));
	struct jet_http_server_conf c;

	base_conf(&c);
	if (jet_testsrv_start(t, &c) != JET_OK)
		return -1;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct jet_testsrv *t = *state;

	jet_testsrv_stop(t);
	free(t);
	return 0;
}

static uint16_t
port_of(void **state)
{
	return ((struct jet_testsrv *)*state)->port;
}

static char resp[1 << 16];

/* ------------------------------------------------------------------ tests */

static void
get_returns_body_and_standard_headers(void **state)
{
	int st = jet_test_request(port_of(state), &plain,
		"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", resp, sizeof(resp));

	assert_int_equal(st, 200);
	assert_non_null(strstr(resp, "Content-Length: 5\r\n"));
	assert_non_null(strstr(resp, "Date: "));
	assert_non_null(strstr(resp, "X-Request-Id: "));
	assert_non_null(strstr(resp, "X-Content-Type-Options: nosniff\r\n"));
	assert_null(strstr(resp, "Server:"));
	assert_non_null(strstr(resp, "\r\n\r\nhello"));
}

static void
request_id_propagated_or_generated(void **state)
{
	assert_int_equal(jet_test_request(port_of(state), &plain,
		"GET /hello HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-123\r\n\r\n", resp,
		sizeof(resp)), 200);
	assert_non_null(strstr(resp, "X-Request-Id: abc-123\r\n"));
	/* An id with characters that could forge log lines or headers is
	 * replaced by one of ours. */
	assert_int_equal(jet_test_request(port_of(state), &plain,
		"GET /hello HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\"b{}\r\n\r\n", resp,
		sizeof(resp)), 200);
	assert_null(strstr(resp, "a\"b{}"));
	assert_non_null(strstr(resp, "X-Request-Id: "));
}

static void
keep_alive_serves_many_requests_on_one_connection(void **state)
{
	struct jet_testconn c;

	assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(jet_testconn_send_str(&c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
		assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	}
	jet_testconn_close(&c);
}

static void
pipelined_requests_answered_in_order(void **state)
{
	struct jet_testconn c;

	assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
	/* The slow (async) request comes first: order must still hold. */
	assert_int_equal(jet_testconn_send_str(&c,
		"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /items/a1 HTTP/1.1\r\nHost: x\r\n\r\n"
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nping"
		"GET /items/b2 HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "\r\n\r\nslow"));
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "\r\n\r\na1"));
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "\r\n\r\nping"));
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "\r\n\r\nb2"));
	jet_testconn_close(&c);
}

static void
chunked_body_decoded(void **state)
{
	struct jet_testconn c;

	assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
	assert_int_equal(jet_testconn_send_str(&c,
		"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
		"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer-X: y\r\n\r\n"
		"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "\r\n\r\nhello world"));
	/* The next pipelined request after the chunked body is intact. */
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "\r\n\r\nhello"));
	jet_testconn_close(&c);
}

/* A smuggling attempt gets 400, a JSON error and the connection closes:
 * the smuggled request behind it is never answered. */
static void
expect_400_and_close(void **state, const char *req)
{
	struct jet_testconn c;

	assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
	assert_int_equal(jet_testconn_send_str(&c, req), 0);
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 400);
	assert_non_null(strstr(resp, "Connection: close\r\n"));
	assert_non_null(strstr(resp, "Content-Type: application/json"));
	assert_non_null(strstr(resp, "{\"error\":\"bad_request\""));
	assert_true(jet_testconn_wait_closed(&c, 2000));
	jet_testconn_close(&c);
}

static void
smuggling_attempts_refused(void **state)
{
	static const char *const reqs[] = {
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
		"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\nabcd",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 4\r\n\r\nabcd",
		"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
		" chunked\r\n\r\n0\r\n\r\n",
		"GET /hello HTTP/1.1\nHost: x\r\n\r\n",
		"GET /hello HTTP/1.1\r\nHost: x\rX: y\r\n\r\n",
		"GET /hello HTTP/1.1\r\nHost : x\r\n\r\n",
		"GET /hello HTTP/1.1\r\nHo(st: x\r\n\r\n",
		"GET /hello HTTP/1.1\r\n\r\n",
		"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(reqs); i++)
		expect_400_and_close(state, reqs[i]);
}

static void
limits_answer_with_their_status(void **state)
{
	char *big = malloc(70000);
	int n;

	/* URI: max_request_line is 1024. */
	n = snprintf(big, 70000, "GET /%0*d HTTP/1.1\r\nHost: x\r\n\r\n", 1100, 0);
	assert_true(n > 0);
	assert_int_equal(jet_test_request(port_of(state), &plain, big, resp, sizeof(resp)), 414);
	assert_non_null(strstr(resp, "uri_too_long"));
	/* Exactly at the limit is fine (404: no such item route). */
	n = snprintf(big, 70000, "GET /items/%0*d HTTP/1.1\r\nHost: x\r\n\r\n",
		1024 - (int)strlen("GET /items/ HTTP/1.1"), 0);
	assert_int_equal(jet_test_request(port_of(state), &plain, big, resp, sizeof(resp)), 200);
	/* Head: max_head is 4096. */
	n = snprintf(big, 70000, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Pad: %0*d\r\n\r\n", 5000, 0);
	assert_int_equal(jet_test_request(port_of(state), &plain, big, resp, sizeof(resp)), 431);
	/* Header count: max_headers is 20. */
	n = snprintf(big, 70000, "GET /hello HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < 20; i++)
		n += snprintf(big + n, 70000 - (size_t)n, "X-H%d: v\r\n", i);
	snprintf(big + n, 70000 - (size_t)n, "\r\n");
	assert_int_equal(jet_test_request(port_of(state), &plain, big, resp, sizeof(resp)), 431);
	/* Body: max_body is 64 KiB; declared above it -> 413 at once. */
	assert_int_equal(jet_test_request(port_of(state), &plain,
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 65537\r\n\r\n", resp,
		sizeof(resp)), 413);
	assert_non_null(strstr(resp, "payload_too_large"));
	/* Chunked past the limit -> 413 once the decoded size passes it. */
	{
		struct jet_testconn c;
		char chunk[8200];

		assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
		jet_testconn_send_str(&c, "POST /echo HTTP/1.1\r\nHost: x\r\n"
			"Transfer-Encoding: chunked\r\n\r\n");
		memset(chunk, 'c', sizeof(chunk));
		for (int i = 0; i < 9; i++) {
			char line[16];

			snprintf(line, sizeof(line), "%x\r\n", 8192);
			jet_testconn_send_str(&c, line);
			jet_testconn_send(&c, chunk, 8192);
			jet_testconn_send_str(&c, "\r\n");
		}
		assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 413);
		jet_testconn_close(&c);
	}
	free(big);
}

static void
exact_body_limit_accepted(void **state)
{
	size_t n = 64 * 1024;
	char *req = malloc(n + 200);
	int hl = snprintf(req, 200, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", n);
	struct jet_testconn c;
	static char big[(64 << 10) + 1024];

	memset(req + hl, 'z', n);
	assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
	assert_int_equal(jet_testconn_send(&c, req, (size_t)hl + n), 0);
	assert_int_equal(jet_testconn_response(&c, big, sizeof(big)), 200);
	assert_non_null(strstr(big, "Content-Length: 65536\r\n"));
	jet_testconn_close(&c);
	free(req);
}

static void
not_found_and_method_not_allowed_are_json(void **state)
{
	assert_int_equal(jet_test_request(port_of(state), &plain,
		"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", resp, sizeof(resp)), 404);
	assert_non_null(strstr(resp, "{\"error\":\"not_found\""));
	assert_int_equal(jet_test_request(port_of(state), &plain,
		"DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n", resp, sizeof(resp)), 405);
	assert_non_null(strstr(resp, "Allow: GET, HEAD"));
	assert_int_equal(jet_test_request(port_of(state), &plain,
		"BREW /hello HTTP/1.1\r\nHost: x\r\n\r\n", resp, sizeof(resp)), 501);
	assert_int_equal(jet_test_request(port_of(state), &plain,
		"GET /hello HTTP/2.0\r\nHost: x\r\n\r\n", resp, sizeof(resp)), 505);
	assert_int_equal(jet_test_request(port_of(state), &plain,
		"GET /error HTTP/1.1\r\nHost: x\r\n\r\n", resp, sizeof(resp)), 422);
	assert_non_null(strstr(resp, "{\"error\":\"invalid_thing\",\"message\":\"The thing is invalid.\"}"));
	assert_non_null(strstr(resp, "Cache-Control: no-store"));
	/* Traversal never reaches a route. */
	assert_int_equal(jet_test_request(port_of(state), &plain,
		"GET /items/../hello HTTP/1.1\r\nHost: x\r\n\r\n", resp, sizeof(resp)), 404);
}

/* Errors the server answers itself keep the connection usable, and each
 * request is answered exactly once. */
static void
server_errors_answered_once_on_keepalive(void **state)
{
	struct jet_testsrv *t = *state;
	struct jet_http_server_stats before, after;
	struct jet_testconn c;

	jet_http_server_stats(t->srv, &before);
	assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
	jet_testconn_send_str(&c, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
		"DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n"
		"BREW /hello HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 404);
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 405);
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 501);
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "\r\n\r\nhello"));
	jet_http_server_stats(t->srv, &after);
	assert_int_equal(after.requests - before.requests, 4);
	jet_testconn_close(&c);
}

static void
head_has_no_body(void **state)
{
	struct jet_testconn c;

	assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
	/* HEAD then GET on one connection: if HEAD sent a body, the GET's
	 * response would be misread. */
	jet_testconn_send_str(&c, "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	memset(resp, 0, sizeof(resp));
	{
		/* Content-Length: 5 is announced but no body follows. */
		int st;

		jet_testconn_send_str(&c, "GET /items/zz HTTP/1.1\r\nHost: x\r\n\r\n");
		usleep(100000);
		st = jet_testconn_response(&c, resp, sizeof(resp));
		assert_int_equal(st, 200);
		/* The reader took "Content-Length: 5" bytes after HEAD's head:
		 * those must be the start of the next response, not a body. */
		assert_non_null(strstr(resp, "\r\n\r\nHTTP/"));
	}
	jet_testconn_close(&c);
}

static void
connection_close_and_http10(void **state)
{
	struct jet_testconn c;

	assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
	jet_testconn_send_str(&c, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "Connection: close\r\n"));
	assert_true(jet_testconn_wait_closed(&c, 2000));
	jet_testconn_close(&c);

	assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
	jet_testconn_send_str(&c, "GET /hello HTTP/1.0\r\n\r\n");
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	assert_true(jet_testconn_wait_closed(&c, 2000));
	jet_testconn_close(&c);

	assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
	jet_testconn_send_str(&c, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "Connection: keep-alive\r\n"));
	jet_testconn_send_str(&c, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	jet_testconn_close(&c);
}

static void
expect_continue_gets_100(void **state)
{
	struct jet_testconn c;
	char *p;

	assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
	jet_testconn_send_str(&c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
		"Expect: 100-continue\r\n\r\n");
	usleep(200000);
	/* Read the raw interim response before sending the body. */
	p = c.buf;
	{
		ssize_t n = recv(c.fd, p, sizeof(c.buf), 0);

		assert_true(n > 0);
		c.len = (size_t)n;
	}
	assert_memory_equal(c.buf, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	c.len = 0;
	jet_testconn_send_str(&c, "abc");
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "\r\n\r\nabc"));
	jet_testconn_close(&c);
}

static void
slow_head_gets_408_then_close(void **state)
{
	struct jet_testconn c;

	assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
	/* Trickle a head, never finish it: the header deadline (1 s) is a
	 * total, trickling does not extend it. */
	for (int i = 0; i < 6; i++) {
		jet_testconn_send_str(&c, i == 0 ? "GET /hello HTTP/1.1\r\n" : "X-A: b\r\n");
		usleep(250000);
	}
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 408);
	assert_non_null(strstr(resp, "request_timeout"));
	assert_true(jet_testconn_wait_closed(&c, 2000));
	jet_testconn_close(&c);
}

static void
slow_body_gets_408(void **state)
{
	struct jet_testconn c;

	assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
	jet_testconn_send_str(&c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 408);
	assert_true(jet_testconn_wait_closed(&c, 2000));
	jet_testconn_close(&c);
}

static void
idle_keepalive_closed_silently(void **state)
{
	struct jet_testconn c;
	uint64_t t0;

	assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
	jet_testconn_send_str(&c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(jet_testconn_response(&c, resp, sizeof(resp)), 200);
	t0 = jet_now_ms();
	assert_true(jet_testconn_wait_closed(&c, 3000));
	/* idle_timeout is 1 s, swept every 250 ms. */
	assert_true(jet_now_ms() - t0 >= 900);
	jet_testconn_close(&c);
}

static void
unread_response_hits_write_timeout(void **state)
{
	struct jet_testsrv *t = *state;
	struct jet_http_server_stats before, after;
	struct jet_testconn c;
	int rcv = 4096;

	jet_http_server_stats(t->srv, &before);
	assert_int_equal(jet_testconn_open(&c, port_of(state), &plain), 0);
	setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	jet_testconn_send_str(&c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
	/* Never read: the server's write deadline (1 s) must close it. */
	for (int i = 0; i < 40; i++) {
		usleep(100000);
		jet_http_server_stats(t->srv, &after);
		if (after.timeouts > before.timeouts)
			break;
	}
	assert_true(after.timeouts > before.timeouts);
	jet_testconn_close(&c);
}

/* Thousands of slow, idle connections must not lock real clients out. */
static void
slow_clients_do_not_starve_real_ones(void **state)
{
	struct jet_http_server_conf conf;
	struct jet_testsrv t;
	enum { SLOW = 3000 };
	struct jet_testconn *slow = calloc(SLOW, sizeof(*slow));
	int served = 0;

	jet_test_raise_nofile();
	base_conf(&conf);
	conf.max_connections = 1000;
	conf.header_timeout_ms = 30000; /* they are not timed out during the test */
	assert_int_equal(jet_testsrv_start(&t, &conf), JET_OK);
	for (int i = 0; i < SLOW; i++) {
		assert_int_equal(jet_testconn_open(&slow[i], t.port, &plain), 0);
		jet_testconn_send_str(&slow[i], "GET /hello HTTP/1.1\r\nHo");
	}
	for (int i = 0; i < 20; i++) {
		if (jet_test_request(t.port, &plain, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n",
			resp, sizeof(resp)) == 200)
			served++;
	}
	assert_int_equal(served, 20);
	{
		struct jet_http_server_stats st;

		jet_http_server_stats(t.srv, &st);
		assert_true(st.connections <= 1000);
		assert_true(st.refused_at_cap > 0);
	}
	for (int i = 0; i < SLOW; i++)
		jet_testconn_close(&slow[i]);
	free(slow);
	jet_testsrv_stop(&t);
}

struct stopper {
	struct jet_testsrv *t;
	int delay_ms;
};

static void *
stop_later(void *arg)
{
	struct stopper *s = arg;

	usleep((useconds_t)s->delay_ms * 1000);
	jet_http_server_stop(s->t->srv);
	return NULL;
}

static void
graceful_shutdown_finishes_in_flight(void **state)
{
	struct jet_http_server_conf conf;
	struct jet_testsrv t;
	struct jet_testconn busy, idle, again;
	struct stopper s = { &t, 100 };
	pthread_t th;

	base_conf(&conf);
	assert_int_equal(jet_testsrv_start(&t, &conf), JET_OK);
	assert_int_equal(jet_testconn_open(&idle, t.port, &plain), 0);
	jet_testconn_send_str(&idle, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(jet_testconn_response(&idle, resp, sizeof(resp)), 200);
	assert_int_equal(jet_testconn_open(&busy, t.port, &plain), 0);
	jet_testconn_send_str(&busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
	usleep(50000);
	pthread_create(&th, NULL, stop_later, &s);
	/* The slow request (300 ms) completes, marked as the last one. */
	assert_int_equal(jet_testconn_response(&busy, resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "Connection: close\r\n"));
	assert_true(jet_testconn_wait_closed(&busy, 2000));
	/* The idle keep-alive connection was closed. */
	assert_true(jet_testconn_wait_closed(&idle, 2000));
	pthread_join(th, NULL);
	assert_int_equal(jet_testsrv_stop(&t), JET_OK);
	/* Nobody listens any more. */
	assert_int_equal(jet_testconn_open(&again, t.port, &plain), -1);
	jet_testconn_close(&again);
	jet_testconn_close(&busy);
	jet_testconn_close(&idle);
}

static void
shutdown_deadline_forces_close(void **state)
{
	struct jet_http_server_conf conf;
	struct jet_testsrv t;
	struct jet_testconn c;
	uint64_t t0;

	base_conf(&conf);
	conf.shutdown_timeout_ms = 300;
	conf.body_timeout_ms = 10000;
	assert_int_equal(jet_testsrv_start(&t, &conf), JET_OK);
	assert_int_equal(jet_testconn_open(&c, t.port, &plain), 0);
	/* A body that never completes keeps the request in flight. */
	jet_testconn_send_str(&c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab");
	usleep(100000);
	t0 = jet_now_ms();
	assert_int_equal(jet_testsrv_stop(&t), JET_ETIMEDOUT);
	assert_true(jet_now_ms() - t0 < 2000);
	jet_testconn_close(&c);
}

static void
plain_http_refused_off_loopback(void **state)
{
	struct jet_http_server_conf conf;
	struct jet_http_server *srv = NULL;
	char err[256];

	base_conf(&conf);
	conf.host = "0.0.0.0";
	assert_int_equal(jet_http_server_new(&conf, &srv, err, sizeof(err)), JET_ECONF);
	assert_null(srv);
	assert_non_null(strstr(err, "loopback"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(get_returns_body_and_standard_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(request_id_propagated_or_generated, setup, teardown),
		cmocka_unit_test_setup_teardown(keep_alive_serves_many_requests_on_one_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(pipelined_requests_answered_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(chunked_body_decoded, setup, teardown),
		cmocka_unit_test_setup_teardown(smuggling_attempts_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(limits_answer_with_their_status, setup, teardown),
		cmocka_unit_test_setup_teardown(exact_body_limit_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(not_found_and_method_not_allowed_are_json, setup, teardown),
		cmocka_unit_test_setup_teardown(server_errors_answered_once_on_keepalive, setup, teardown),
		cmocka_unit_test_setup_teardown(head_has_no_body, setup, teardown),
		cmocka_unit_test_setup_teardown(connection_close_and_http10, setup, teardown),
		cmocka_unit_test_setup_teardown(expect_continue_gets_100, setup, teardown),
		cmocka_unit_test_setup_teardown(slow_head_gets_408_then_close, setup, teardown),
		cmocka_unit_test_setup_teardown(slow_body_gets_408, setup, teardown),
		cmocka_unit_test_setup_teardown(idle_keepalive_closed_silently, setup, teardown),
		cmocka_unit_test_setup_teardown(unread_response_hits_write_timeout, setup, teardown),
		cmocka_unit_test(slow_clients_do_not_starve_real_ones),
		cmocka_unit_test(graceful_shutdown_finishes_in_flight),
		cmocka_unit_test(shutdown_deadline_forces_close),
		cmocka_unit_test(plain_http_refused_off_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
