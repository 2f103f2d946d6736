/*
 * Unit tests for lib/http/chunked.c: valid streams, extensions, trailers,
 * every framing error, the limits at and past, and the property that the
 * verdict does not depend on how the input is split.  check() runs each
 * stream whole, byte by byte, in small pieces and split at every offset,
 * each piece an exact-size heap copy so ASan sees any read past it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jet/http.h"

struct result {
	int rc;
	size_t used;     /* input bytes consumed in all */
	uint64_t total;  /* decoder's total */
	char out[8192];
	size_t outlen;
};

struct opts {
	uint64_t max_body;
	size_t max_trailer;
	size_t max_out;
};

static const struct opts defaults = { 1 << 20, 1024, 1 << 20 };

/* Feeds in[0..len) in pieces: the first split bytes, then step-sized ones
 * (step 0: the rest at once). */
static void
run(const char *in, size_t len, const struct opts *o, size_t split, size_t step,
	struct result *r)
{
	struct jet_http_chunked c;
	struct jet_buf out;
	size_t off = 0;

	jet_http_chunked_init(&c, o->max_body, o->max_trailer);
	jet_buf_init(&out, o->max_out);
	r->rc = JET_AGAIN;
	while (off < len) {
		size_t n = len - off, used = 99999;
		char *piece;

		if (off < split)
			n = JET_MIN(n, split - off);
		else if (step > 0)
			n = JET_MIN(n, step);
		piece = malloc(n);
		assert_non_null(piece);
		memcpy(piece, in + off, n);
		r->rc = jet_http_chunked_feed(&c, piece, n, &out, &used);
		free(piece);
		assert_true(used <= n);
		off += used;
		if (r->rc != JET_AGAIN)
			break;
		assert_int_equal(used, n); /* JET_AGAIN means all of it was used */
	}
	r->used = off;
	r->total = c.total;
	assert_true(out.len < sizeof(r->out));
	r->outlen = out.len;
	if (out.len > 0)
		memcpy(r->out, out.data, out.len);
	jet_buf_cleanup(&out);
}

/*
 * Runs in[0..len) every way it can be split and asserts the same result
 * each time; returns it in *r.  Errors may be found at a different offset
 * only in the sense that nothing after the error is consumed.
 */
static void
check_opts(const char *in, size_t len, const struct opts *o, struct result *r)
{
	static struct result other;
	static const size_t steps[] = { 1, 2, 3, 7 };

	run(in, len, o, 0, 0, r);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		run(in, len, o, 0, steps[i], &other);
		assert_int_equal(other.rc, r->rc);
		assert_int_equal(other.used, r->used);
		assert_int_equal(other.outlen, r->outlen);
		assert_memory_equal(other.out, r->out, r->outlen);
	}
	for (size_t split = 1; split < len; split++) {
		run(in, len, o, split, 0, &other);
		assert_int_equal(other.rc, r->rc);
		assert_int_equal(other.used, r->used);
		assert_int_equal(other.outlen, r->outlen);
	}
}

static struct result res;

static int
check(const char *in)
{
	check_opts(in, strlen(in), &defaults, &res);
	return res.rc;
}

#define assert_decoded(lit)                                                             \
	do {                                                                            \
		assert_int_equal(res.outlen, sizeof(lit) - 1);                          \
		assert_memory_equal(res.out, lit, sizeof(lit) - 1);                     \
		assert_int_equal(res.total, sizeof(lit) - 1);                           \
	} while (0)

/* ------------------------------------------------------------------------
 * Valid streams
 * --------------------------------------------------------------------- */

static void
single_chunk_decodes(void **state)
{
	assert_int_equal(check("5\r\nhello\r\n0\r\n\r\n"), JET_OK);
	assert_decoded("hello");
	assert_int_equal(res.used, 15);
}

static void
several_chunks_with_mixed_case_hex(void **state)
{
	assert_int_equal(check("A\r\n0123456789\r\nb\r\nhello world\r\n1\r\n!\r\n0\r\n\r\n"),
		JET_OK);
	assert_decoded("0123456789hello world!");
}

static void
leading_zeros_in_size_are_accepted(void **state)
{
	assert_int_equal(check("0005\r\nhello\r\n000\r\n\r\n"), JET_OK);
	assert_decoded("hello");
}

static void
empty_body_is_just_the_last_chunk(void **state)
{
	assert_int_equal(check("0\r\n\r\n"), JET_OK);
	assert_int_equal(res.outlen, 0);
	assert_int_equal(res.used, 5);
}

static void
data_may_hold_crlf_and_any_byte(void **state)
{
	static const char in[] = "6\r\n\r\n\0\xff\r\n\r\n0\r\n\r\n";

	check_opts(in, sizeof(in) - 1, &defaults, &res);
	assert_int_equal(res.rc, JET_OK);
	assert_int_equal(res.outlen, 6);
	assert_memory_equal(res.out, "\r\n\0\xff\r\n", 6);
}

static void
byte_at_a_time_equals_one_shot(void **state)
{
	const char *in = "3;x=y\r\nabc\r\n4\r\ndefg\r\n0\r\nT: v\r\n\r\nNEXT";
	struct result one, whole;

	run(in, strlen(in), &defaults, 0, 1, &one);
	run(in, strlen(in), &defaults, 0, 0, &whole);
	assert_int_equal(one.rc, JET_OK);
	assert_int_equal(whole.rc, JET_OK);
	assert_int_equal(one.used, strlen(in) - 4);
	assert_int_equal(whole.used, one.used);
	assert_int_equal(one.outlen, 7);
	assert_memory_equal(one.out, "abcdefg", 7);
	assert_memory_equal(whole.out, "abcdefg", 7);
}

static void
incomplete_stream_is_again(void **state)
{
	const char *in = "5\r\nhello\r\n0\r\n\r\n";

	for (size_t k = 0; k < strlen(in); k++) {
		check_opts(in, k, &defaults, &res);
		assert_int_equal(res.rc, JET_AGAIN);
		assert_int_equal(res.used, k);
	}
}

/* ------------------------------------------------------------------------
 * Extensions
 * --------------------------------------------------------------------- */

static void
extensions_are_parsed_and_ignored(void **state)
{
	const char *ok[] = {
		"5;a\r\nhello\r\n0\r\n\r\n",
		"5;a=b\r\nhello\r\n0\r\n\r\n",
		"5;a=b;c;d=e\r\nhello\r\n0\r\n\r\n",
		"5 ; a = b\r\nhello\r\n0\r\n\r\n",
		"5\t;\ta\t=\t\"q\"\r\nhello\r\n0\r\n\r\n",
		"5;a=\"x;y\\\"z\\\\\"\r\nhello\r\n0\r\n\r\n",
		"5;a=\"\"\r\nhello\r\n0\r\n\r\n",
		"5;a=\"caf\xc3\xa9\"\r\nhello\r\n0\r\n\r\n",
		"5;a=\"x\" ;b\r\nhello\r\n0\r\n\r\n",
		"5;a=\"x\";b=\"y\"\r\nhello\r\n0\r\n\r\n",
		"5;a ;b\r\nhello\r\n0\r\n\r\n",
		"5;a=b ;c\r\nhello\r\n0\r\n\r\n",
		"5;a\r\nhello\r\n0;last=yes\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (check(ok[i]) != JET_OK)
			fail_msg("ok[%zu] gave %d", i, res.rc);
		assert_decoded("hello");
	}
}

static void
malformed_extensions_are_eproto(void **state)
{
	const char *bad[] = {
		"5;\r\nhello\r\n0\r\n\r\n",         /* no name */
		"5;=b\r\nhello\r\n0\r\n\r\n",
		"5;a=\r\nhello\r\n0\r\n\r\n",       /* no value */
		"5;a=b c\r\nhello\r\n0\r\n\r\n",
		"5 \r\nhello\r\n0\r\n\r\n",         /* BWS not followed by ';' */
		"5\t\r\nhello\r\n0\r\n\r\n",
		"5 x\r\nhello\r\n0\r\n\r\n",
		"5;a b\r\nhello\r\n0\r\n\r\n",
		"5;a=b \r\nhello\r\n0\r\n\r\n",
		"5;a=\"x\r\nhello\r\n0\r\n\r\n",    /* unterminated quote */
		"5;a=\"x\"y\r\nhello\r\n0\r\n\r\n",
		"5;a=\"\x01\"\r\nhello\r\n0\r\n\r\n",
		"5;a=\"\\\x01\"\r\nhello\r\n0\r\n\r\n",
		"5;a(b)\r\nhello\r\n0\r\n\r\n",
		"5;a\nhello\r\n0\r\n\r\n",
		"5;a=\x7f\r\nhello\r\n0\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (check(bad[i]) != JET_EPROTO)
			fail_msg("bad[%zu] gave %d", i, res.rc);
		assert_int_equal(res.outlen, 0);
	}
}

/* "5;" then padding to a size line of n bytes, then the rest of a body. */
static char *
size_line_of(size_t n)
{
	char *s = malloc(n + 32);

	assert_non_null(s);
	memcpy(s, "5;x", 3);
	memset(s + 3, 'a', n - 3);
	memcpy(s + n, "\r\nhello\r\n0\r\n\r\n", 15);
	return s;
}

static void
size_line_at_limit_and_one_past(void **state)
{
	char *at = size_line_of(JET_HTTP_CHUNK_LINE_MAX);
	char *past = size_line_of(JET_HTTP_CHUNK_LINE_MAX + 1);

	run(at, JET_HTTP_CHUNK_LINE_MAX + 14, &defaults, 0, 0, &res);
	assert_int_equal(res.rc, JET_OK);
	assert_decoded("hello");
	run(at, JET_HTTP_CHUNK_LINE_MAX + 14, &defaults, 0, 1, &res);
	assert_int_equal(res.rc, JET_OK);
	run(past, JET_HTTP_CHUNK_LINE_MAX + 15, &defaults, 0, 0, &res);
	assert_int_equal(res.rc, JET_ETOOBIG);
	/* Refused at the byte past the limit, not at the CRLF. */
	assert_int_equal(res.used, JET_HTTP_CHUNK_LINE_MAX);
	run(past, JET_HTTP_CHUNK_LINE_MAX + 15, &defaults, 0, 1, &res);
	assert_int_equal(res.rc, JET_ETOOBIG);
	free(at);
	free(past);
}

/* ------------------------------------------------------------------------
 * Chunk size
 * --------------------------------------------------------------------- */

static void
chunk_size_of_16_hex_digits_is_accepted(void **state)
{
	struct opts o = defaults;

	o.max_body = UINT64_MAX;
	check_opts("ffffffffffffffff\r\nabc", 21, &o, &res);
	assert_int_equal(res.rc, JET_AGAIN); /* waiting for 2^64-1 bytes */
	check_opts("0000000000000001\r\nx\r\n0\r\n\r\n", 27, &o, &res);
	assert_int_equal(res.rc, JET_OK);
	assert_decoded("x");
}

static void
chunk_size_of_17_hex_digits_is_eproto(void **state)
{
	struct opts o = defaults;

	o.max_body = UINT64_MAX;
	check_opts("10000000000000000\r\n", 19, &o, &res);
	assert_int_equal(res.rc, JET_EPROTO);
	check_opts("00000000000000001\r\nx\r\n0\r\n\r\n", 28, &o, &res);
	assert_int_equal(res.rc, JET_EPROTO);
	assert_int_equal(res.used, 16);
}

static void
bad_chunk_size_is_eproto(void **state)
{
	const char *bad[] = { "g\r\n", "\r\n", "-1\r\n", "+1\r\n", "0x5\r\n", " 5\r\n",
		";a\r\n", "5\n", "5\rX", "5\r\r\n", "\n", "5 5\r\n", "1_0\r\n" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (check(bad[i]) != JET_EPROTO)
			fail_msg("bad[%zu] gave %d", i, res.rc);
}

static void
missing_crlf_after_data_is_eproto(void **state)
{
	const char *bad[] = {
		"5\r\nhelloX\r\n0\r\n\r\n",
		"5\r\nhello\n0\r\n\r\n",
		"5\r\nhello\rX0\r\n\r\n",
		"5\r\nhello0\r\n\r\n",
		"5\r\nhello world\r\n0\r\n\r\n", /* more data than announced */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (check(bad[i]) != JET_EPROTO)
			fail_msg("bad[%zu] gave %d", i, res.rc);
		assert_decoded("hello"); /* the chunk itself was delivered */
	}
}

static void
last_chunk_needs_the_final_crlf(void **state)
{
	assert_int_equal(check("0\r\n\n"), JET_EPROTO);
	assert_int_equal(check("0\r\n\r\r"), JET_EPROTO);
	assert_int_equal(check("0\r\n\r"), JET_AGAIN);
	assert_int_equal(check("0\r\n"), JET_AGAIN);
}

/* ------------------------------------------------------------------------
 * Trailers
 * --------------------------------------------------------------------- */

static void
trailers_are_validated_and_discarded(void **state)
{
	assert_int_equal(check("5\r\nhello\r\n0\r\nX-Sum: abc\r\nEmpty:\r\nObs: \xe9t\xe9\r\n\r\n"),
		JET_OK);
	assert_decoded("hello");
	assert_int_equal(res.used, 45);
}

static void
malformed_trailers_are_eproto(void **state)
{
	static const char *bad[] = {
		"0\r\n X: a\r\n\r\n",
		"0\r\nX : a\r\n\r\n",
		"0\r\n: a\r\n\r\n",
		"0\r\nX a\r\n\r\n",
		"0\r\nX: a\nb\r\n\r\n",
		"0\r\nX: a\rb\r\n\r\n",
		"0\r\nX: a\r\n b\r\n\r\n",
		"0\r\nX: a\x7f\r\n\r\n",
		"0\r\nX\n\r\n",
	};
	static const char nul[] = "0\r\nX: a\0b\r\n\r\n";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (check(bad[i]) != JET_EPROTO)
			fail_msg("bad[%zu] gave %d", i, res.rc);
	check_opts(nul, sizeof(nul) - 1, &defaults, &res);
	assert_int_equal(res.rc, JET_EPROTO);
}

static void
trailer_limit_at_and_one_past(void **state)
{
	const char *in = "0\r\nX: 1\r\nYY: 2\r\n\r\n"; /* trailer lines: 6 + 7 bytes */
	struct opts o = defaults;

	o.max_trailer = 13;
	check_opts(in, strlen(in), &o, &res);
	assert_int_equal(res.rc, JET_OK);
	o.max_trailer = 12;
	check_opts(in, strlen(in), &o, &res);
	assert_int_equal(res.rc, JET_ETOOBIG);
	assert_int_equal(res.used, 3 + 12);
	o.max_trailer = 0;
	check_opts(in, strlen(in), &o, &res);
	assert_int_equal(res.rc, JET_ETOOBIG);
	check_opts("0\r\n\r\n", 5, &o, &res);
	assert_int_equal(res.rc, JET_OK);
}

/* ------------------------------------------------------------------------
 * Body limits and message boundaries
 * --------------------------------------------------------------------- */

static void
max_body_at_limit_and_one_past(void **state)
{
	const char *in = "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n";
	struct opts o = defaults;

	o.max_body = 10;
	check_opts(in, strlen(in), &o, &res);
	assert_int_equal(res.rc, JET_OK);
	assert_decoded("helloworld");
	o.max_body = 9;
	check_opts(in, strlen(in), &o, &res);
	assert_int_equal(res.rc, JET_ETOOBIG);
	/* Refused at the size digit, before any of the second chunk's data. */
	assert_int_equal(res.used, 10);
	assert_int_equal(res.outlen, 5);
}

static void
oversized_chunk_is_refused_before_its_data(void **state)
{
	struct opts o = defaults;

	o.max_body = 255;
	check_opts("100\r\n", 5, &o, &res);
	assert_int_equal(res.rc, JET_ETOOBIG);
	assert_int_equal(res.used, 2);
	check_opts("ff\r\n", 4, &o, &res);
	assert_int_equal(res.rc, JET_AGAIN);
	check_opts("ffffffffffffffff\r\n", 18, &defaults, &res);
	assert_int_equal(res.rc, JET_ETOOBIG);
}

static void
output_buffer_maximum_applies(void **state)
{
	struct opts o = defaults;

	o.max_out = 4;
	check_opts("5\r\nhello\r\n0\r\n\r\n", 15, &o, &res);
	assert_int_equal(res.rc, JET_ETOOBIG);
	/* What fits is delivered, however the input was cut. */
	assert_int_equal(res.outlen, 4);
	assert_int_equal(res.used, 7);
	o.max_out = 5;
	check_opts("5\r\nhello\r\n0\r\n\r\n", 15, &o, &res);
	assert_int_equal(res.rc, JET_OK);
}

static void
bytes_after_the_message_are_left_unconsumed(void **state)
{
	const char *in = "2\r\nhi\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n";

	assert_int_equal(check(in), JET_OK);
	assert_int_equal(res.used, 12);
	assert_decoded("hi");
}

static void
feeding_after_done_consumes_nothing(void **state)
{
	struct jet_http_chunked c;
	size_t used = 99;

	jet_http_chunked_init(&c, 100, 100);
	assert_int_equal(jet_http_chunked_feed(&c, "0\r\n\r\nabc", 8, NULL, &used), JET_OK);
	assert_int_equal(used, 5);
	assert_int_equal(jet_http_chunked_feed(&c, "abc", 3, NULL, &used), JET_OK);
	assert_int_equal(used, 0);
}

static void
feeding_after_an_error_is_estate(void **state)
{
	struct jet_http_chunked c;
	size_t used = 99;

	jet_http_chunked_init(&c, 100, 100);
	assert_int_equal(jet_http_chunked_feed(&c, "x", 1, NULL, &used), JET_EPROTO);
	assert_int_equal(jet_http_chunked_feed(&c, "0\r\n\r\n", 5, NULL, &used), JET_ESTATE);
	assert_int_equal(used, 0);
}

static void
null_output_discards_but_counts(void **state)
{
	struct jet_http_chunked c;
	size_t used = 0;

	jet_http_chunked_init(&c, 100, 100);
	assert_int_equal(jet_http_chunked_feed(&c, "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", 20, NULL,
		&used), JET_OK);
	assert_int_equal(used, 20);
	assert_int_equal(c.total, 5);
}

static void
empty_input_is_again(void **state)
{
	struct jet_http_chunked c;
	size_t used = 99;

	jet_http_chunked_init(&c, 100, 100);
	assert_int_equal(jet_http_chunked_feed(&c, NULL, 0, NULL, &used), JET_AGAIN);
	assert_int_equal(used, 0);
	assert_int_equal(jet_http_chunked_feed(&c, NULL, 1, NULL, &used), JET_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(single_chunk_decodes),
		cmocka_unit_test(several_chunks_with_mixed_case_hex),
		cmocka_unit_test(leading_zeros_in_size_are_accepted),
		cmocka_unit_test(empty_body_is_just_the_last_chunk),
		cmocka_unit_test(data_may_hold_crlf_and_any_byte),
		cmocka_unit_test(byte_at_a_time_equals_one_shot),
		cmocka_unit_test(incomplete_stream_is_again),
		cmocka_unit_test(extensions_are_parsed_and_ignored),
		cmocka_unit_test(malformed_extensions_are_eproto),
		cmocka_unit_test(size_line_at_limit_and_one_past),
		cmocka_unit_test(chunk_size_of_16_hex_digits_is_accepted),
		cmocka_unit_test(chunk_size_of_17_hex_digits_is_eproto),
		cmocka_unit_test(bad_chunk_size_is_eproto),
		cmocka_unit_test(missing_crlf_after_data_is_eproto),
		cmocka_unit_test(last_chunk_needs_the_final_crlf),
		cmocka_unit_test(trailers_are_validated_and_discarded),
		cmocka_unit_test(malformed_trailers_are_eproto),
		cmocka_unit_test(trailer_limit_at_and_one_past),
		cmocka_unit_test(max_body_at_limit_and_one_past),
		cmocka_unit_test(oversized_chunk_is_refused_before_its_data),
		cmocka_unit_test(output_buffer_maximum_applies),
		cmocka_unit_test(bytes_after_the_message_are_left_unconsumed),
		cmocka_unit_test(feeding_after_done_consumes_nothing),
		cmocka_unit_test(feeding_after_an_error_is_estate),
		cmocka_unit_test(null_output_discards_but_counts),
		cmocka_unit_test(empty_input_is_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
