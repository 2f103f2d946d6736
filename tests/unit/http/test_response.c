/*
 * Unit tests for lib/http/parser.c, response side (the client of an
 * upstream): status line, framing per RFC 9112 section 6.3 with its lenient
 * branches refused, keep-alive, limits.  Inputs are exact-size heap copies
 * so ASan catches reads past len.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jet/http.h"

#define assert_slice(s, lit)                                                            \
	do {                                                                            \
		struct jet_str s_ = (s);                                                \
		const char *l_ = (lit);                                                 \
		assert_int_equal(s_.len, strlen(l_));                                   \
		if (s_.len > 0)                                                         \
			assert_memory_equal(s_.p, l_, s_.len);                          \
	} while (0)

static struct jet_http_response res;
static char *copy;

static int
parse_full(const char *s, size_t len, const struct jet_http_limits *lim, bool head)
{
	free(copy);
	copy = malloc(len > 0 ? len : 1);
	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, s, len);
	return jet_http_parse_response(copy, len, lim, head, &res);
}

/* Parses s; every prefix must give JET_AGAIN or the same result, and
 * JET_AGAIN when shorter than a complete head. */
static int
parse(const char *s, bool head)
{
	size_t len = strlen(s);
	int full = parse_full(s, len, NULL, head);

	for (size_t k = 0; k < len; k++) {
		int rc = parse_full(s, k, NULL, head);

		if (full > 0 && k < (size_t)full)
			assert_int_equal(rc, JET_AGAIN);
		else
			assert_true(rc == JET_AGAIN || rc == full);
	}
	return parse_full(s, len, NULL, head);
}

static void
ok_with_content_length_is_length_body(void **state)
{
	const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello";

	assert_int_equal(parse(r, false), (int)strlen(r) - 5);
	assert_int_equal(res.status, 200);
	assert_int_equal(res.version_minor, 1);
	assert_slice(res.reason, "OK");
	assert_int_equal(res.nheaders, 2);
	assert_int_equal(res.body, JET_HTTP_BODY_LENGTH);
	assert_int_equal(res.content_length, 5);
	assert_true(res.keep_alive);
}

static void
chunked_response_is_chunked_body(void **state)
{
	assert_true(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n", false) > 0);
	assert_int_equal(res.body, JET_HTTP_BODY_CHUNKED);
	assert_true(res.keep_alive);
}

static void
no_framing_means_body_until_close(void **state)
{
	assert_true(parse("HTTP/1.1 200 OK\r\n\r\n", false) > 0);
	assert_int_equal(res.body, JET_HTTP_BODY_EOF);
	assert_false(res.keep_alive);
}

static void
content_length_zero_is_no_body(void **state)
{
	assert_true(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false) > 0);
	assert_int_equal(res.body, JET_HTTP_BODY_NONE);
	assert_true(res.keep_alive);
}

static void
head_1xx_204_304_have_no_body(void **state)
{
	assert_true(parse("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", true) > 0);
	assert_int_equal(res.body, JET_HTTP_BODY_NONE);
	assert_int_equal(res.content_length, 50);
	assert_true(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true) > 0);
	assert_int_equal(res.body, JET_HTTP_BODY_NONE);
	assert_true(parse("HTTP/1.1 200 OK\r\n\r\n", true) > 0);
	assert_int_equal(res.body, JET_HTTP_BODY_NONE);
	assert_true(res.keep_alive);
	assert_true(parse("HTTP/1.1 100 Continue\r\n\r\n", false) > 0);
	assert_int_equal(res.body, JET_HTTP_BODY_NONE);
	assert_true(parse("HTTP/1.1 101 Switching Protocols\r\n\r\n", false) > 0);
	assert_int_equal(res.body, JET_HTTP_BODY_NONE);
	assert_true(parse("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", false) > 0);
	assert_int_equal(res.body, JET_HTTP_BODY_NONE);
	assert_true(parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", false) > 0);
	assert_int_equal(res.body, JET_HTTP_BODY_NONE);
}

static void
content_length_with_transfer_encoding_is_eproto(void **state)
{
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
		"Transfer-Encoding: chunked\r\n\r\n", false), JET_EPROTO);
	/* Even where neither would be used. */
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
		"Transfer-Encoding: chunked\r\n\r\n", true), JET_EPROTO);
}

static void
transfer_encoding_other_than_chunked_is_eproto(void **state)
{
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		false), JET_EPROTO);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
		false), JET_EPROTO);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		"Transfer-Encoding: chunked\r\n\r\n", false), JET_EPROTO);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n", false),
		JET_EPROTO);
}

static void
transfer_encoding_in_http10_response_is_eproto(void **state)
{
	assert_int_equal(parse("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false),
		JET_EPROTO);
}

static void
bad_or_repeated_content_length_is_eproto(void **state)
{
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
		false), JET_EPROTO);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", false),
		JET_EPROTO);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false),
		JET_EPROTO);
	assert_int_equal(parse("HTTP/1.1 204 No Content\r\nContent-Length: x\r\n\r\n", false),
		JET_EPROTO);
}

static void
content_length_past_max_body_is_etoobig(void **state)
{
	struct jet_http_limits lim;
	const char *at = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
	const char *past = "HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n";

	jet_http_limits_default(&lim);
	lim.max_body = 100;
	assert_int_equal(parse_full(at, strlen(at), &lim, false), (int)strlen(at));
	assert_int_equal(parse_full(past, strlen(past), &lim, false), JET_ETOOBIG);
	/* A body that will not be read is not limited. */
	assert_int_equal(parse_full(past, strlen(past), &lim, true), (int)strlen(past));
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
		false), JET_ETOOBIG);
}

static void
status_line_syntax_is_strict(void **state)
{
	const char *bad[] = {
		"HTTP/1.1 200\r\n\r\n",        /* SP before the reason is required */
		"HTTP/1.1  200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 099 X\r\n\r\n",
		"HTTP/1.1 600 X\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/2.0 200 OK\r\n\r\n",
		"HTTP/1.2 200 OK\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 O\x01K\r\n\r\n",
		"HTTP/1.1 200 OK\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\n\r\n",
		"HTTP/1.1 200 OK\r\nX : a\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
		"\r\nHTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nConnection: a b\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i], false);

		if (rc != JET_EPROTO)
			fail_msg("bad[%zu] gave %d, not JET_EPROTO", i, rc);
	}
}

static void
reason_may_be_empty_or_hold_obs_text(void **state)
{
	assert_true(parse("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", false) > 0);
	assert_int_equal(res.reason.len, 0);
	assert_true(parse("HTTP/1.1 599 Caf\xc3\xa9 \tok\r\nContent-Length: 0\r\n\r\n", false) > 0);
	assert_int_equal(res.status, 599);
	assert_slice(res.reason, "Caf\xc3\xa9 \tok");
	assert_true(parse("HTTP/1.1 100 Continue\r\n\r\n", false) > 0);
	assert_int_equal(res.status, 100);
}

static void
response_keep_alive_follows_version_and_connection(void **state)
{
	assert_true(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		false) > 0);
	assert_false(res.keep_alive);
	assert_true(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false) > 0);
	assert_int_equal(res.version_minor, 0);
	assert_false(res.keep_alive);
	assert_true(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n",
		false) > 0);
	assert_true(res.keep_alive);
	assert_true(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", false) > 0);
	assert_int_equal(res.body, JET_HTTP_BODY_EOF);
	assert_false(res.keep_alive);
}

static void
response_limits_at_and_past(void **state)
{
	struct jet_http_limits lim;
	char r[512];
	const char *three = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
	const char *four = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";

	jet_http_limits_default(&lim);
	lim.max_headers = 3;
	assert_true(parse_full(three, strlen(three), &lim, true) > 0);
	assert_int_equal(parse_full(four, strlen(four), &lim, true), JET_ETOOBIG);

	/* Status line of exactly 20 bytes, then 21. */
	jet_http_limits_default(&lim);
	lim.max_request_line = 20;
	snprintf(r, sizeof(r), "HTTP/1.1 200 OKOKOKO\r\n\r\n");
	assert_true(parse_full(r, strlen(r), &lim, true) > 0);
	snprintf(r, sizeof(r), "HTTP/1.1 200 OKOKOKOK\r\n\r\n");
	assert_int_equal(parse_full(r, strlen(r), &lim, true), JET_ETOOBIG);
	assert_int_equal(parse_full(r, 21, &lim, true), JET_ETOOBIG);
	assert_int_equal(parse_full(r, 20, &lim, true), JET_AGAIN);

	/* Head of exactly max_head, then one more byte. */
	jet_http_limits_default(&lim);
	lim.max_head = 40;
	snprintf(r, sizeof(r), "HTTP/1.1 200 OK\r\nX: 1234567890123456\r\n\r\n");
	assert_int_equal(strlen(r), 40);
	assert_int_equal(parse_full(r, 40, &lim, true), 40);
	snprintf(r, sizeof(r), "HTTP/1.1 200 OK\r\nX: 12345678901234567\r\n\r\n");
	assert_int_equal(parse_full(r, 41, &lim, true), JET_ETOOBIG);
	assert_int_equal(parse_full(r, 40, &lim, true), JET_AGAIN);
}

static void
response_null_arguments_are_refused(void **state)
{
	assert_int_equal(jet_http_parse_response(NULL, 3, NULL, false, &res), JET_EINVAL);
	assert_int_equal(jet_http_parse_response("HTTP", 4, NULL, false, NULL), JET_EINVAL);
}

static int
teardown_all(void **state)
{
	free(copy);
	copy = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ok_with_content_length_is_length_body),
		cmocka_unit_test(chunked_response_is_chunked_body),
		cmocka_unit_test(no_framing_means_body_until_close),
		cmocka_unit_test(content_length_zero_is_no_body),
		cmocka_unit_test(head_1xx_204_304_have_no_body),
		cmocka_unit_test(content_length_with_transfer_encoding_is_eproto),
		cmocka_unit_test(transfer_encoding_other_than_chunked_is_eproto),
		cmocka_unit_test(transfer_encoding_in_http10_response_is_eproto),
		cmocka_unit_test(bad_or_repeated_content_length_is_eproto),
		cmocka_unit_test(content_length_past_max_body_is_etoobig),
		cmocka_unit_test(status_line_syntax_is_strict),
		cmocka_unit_test(reason_may_be_empty_or_hold_obs_text),
		cmocka_unit_test(response_keep_alive_follows_version_and_connection),
		cmocka_unit_test(response_limits_at_and_past),
		cmocka_unit_test(response_null_arguments_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, teardown_all);
}
