/*
 * Unit tests for the JSON string escaper: every output is a valid JSON
 * literal that decodes to the input (well-formed UTF-8) or to the input with
 * U+FFFD for each bad byte; truncation never splits a character or escape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jet/json.h"

/* Escapes s and decodes the literal back with jansson; returns the decoded
 * value (caller frees) and the literal in *lit (a static copy). */
static json_t *
round_trip(const char *s, size_t len, size_t limit, bool *cut, struct jet_buf *lit)
{
	json_error_t e;
	json_t *v;

	jet_buf_init(lit, 1 << 20);
	assert_int_equal(jet_json_escape_trunc(lit, s, len, limit, cut), JET_OK);
	v = json_loadb(lit->data, lit->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (v == NULL)
		fail_msg("not valid JSON: %.*s (%s)", (int)lit->len, lit->data, e.text);
	assert_true(json_is_string(v));
	return v;
}

static void
expect(const char *in, size_t len, const char *literal)
{
	struct jet_buf b;

	jet_buf_init(&b, 4096);
	assert_int_equal(jet_json_escape(&b, in, len), JET_OK);
	if (b.len != strlen(literal) || memcmp(b.data, literal, b.len) != 0)
		fail_msg("escape gave %.*s, want %s", (int)b.len, b.data, literal);
	jet_buf_cleanup(&b);
}

static void
plain_and_special(void **state)
{
	expect("", 0, "\"\"");
	expect("hello /world", 12, "\"hello /world\"");
	expect("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	expect("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
	expect("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	expect("\0", 1, "\"\\u0000\"");
	expect("\x1b[31m", 5, "\"\\u001b[31m\"");
	expect("\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\"");
	/* well-formed UTF-8 is kept as is, 2, 3 and 4 bytes */
	expect("\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e", 9, "\"\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e\"");
	/* boundaries of the ranges: U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF */
	expect("\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 18,
		"\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"");
}

#define FFFD "\xef\xbf\xbd"

static void
invalid_utf8_replaced(void **state)
{
	expect("\x80", 1, "\"" FFFD "\"");
	expect("a\xffz", 3, "\"a" FFFD "z\"");
	expect("\xc0\xaf", 2, "\"" FFFD FFFD "\"");         /* overlong '/' */
	expect("\xc1\xbf", 2, "\"" FFFD FFFD "\"");
	expect("\xe0\x80\xaf", 3, "\"" FFFD FFFD FFFD "\""); /* overlong 3-byte */
	expect("\xed\xa0\x80", 3, "\"" FFFD FFFD FFFD "\""); /* surrogate D800 */
	expect("\xf0\x80\x80\xaf", 4, "\"" FFFD FFFD FFFD FFFD "\"");
	expect("\xf4\x90\x80\x80", 4, "\"" FFFD FFFD FFFD FFFD "\""); /* > U+10FFFF */
	expect("\xf5\x80", 2, "\"" FFFD FFFD "\"");
	expect("\xc3", 1, "\"" FFFD "\"");                  /* cut at the end */
	expect("\xe2\x82", 2, "\"" FFFD FFFD "\"");
	expect("\xe2\x82x", 3, "\"" FFFD FFFD "x\"");       /* cut in the middle */
	expect("\xc3\xc3\xa9", 3, "\"" FFFD "\xc3\xa9\"");  /* bad lead does not eat a good one */
}

/* Pseudo-random bytes (fixed seed): every output parses; valid input decodes
 * to itself. */
static void
random_bytes_always_valid_json(void **state)
{
	uint32_t x = 12345;
	char in[64];

	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(round % 64);
		struct jet_buf lit;
		json_t *v;

		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			/* bias towards the interesting bytes */
			in[i] = (char)((x >> 16) % 4 == 0 ? (x >> 8) % 0x20 : (x >> 8));
		}
		v = round_trip(in, len, SIZE_MAX, NULL, &lit);
		if (json_string_length(v) == len)
			assert_memory_equal(json_string_value(v), in, len);
		json_decref(v);
		jet_buf_cleanup(&lit);
	}
}

/* Every limit from the minimum to past the full size: the literal is at most
 * limit bytes, valid JSON, and decodes to a prefix of the input plus U+2026
 * exactly when it was cut. */
static void
truncation_at_every_limit(void **state)
{
	const char in[] = "ab\"\xc3\xa9\n\xf0\x9d\x84\x9e" "cd\x01\xe2\x80\xa8" "efgh";
	size_t len = sizeof(in) - 1, full;
	struct jet_buf b;

	jet_buf_init(&b, 4096);
	assert_int_equal(jet_json_escape(&b, in, len), JET_OK);
	full = b.len;
	jet_buf_cleanup(&b);

	for (size_t limit = 5; limit <= full + 3; limit++) {
		struct jet_buf lit;
		bool cut = true;
		json_t *v = round_trip(in, len, limit, &cut, &lit);
		const char *d = json_string_value(v);
		size_t dl = json_string_length(v);

		assert_true(lit.len <= limit);
		assert_int_equal(cut, full > limit);
		if (!cut) {
			assert_int_equal(lit.len, full);
			assert_int_equal(dl, len);
			assert_memory_equal(d, in, len);
		} else {
			assert_true(dl >= 3);
			assert_memory_equal(d + dl - 3, "\xe2\x80\xa6", 3);
			assert_memory_equal(d, in, dl - 3); /* a prefix of whole characters */
			/* and the cut keeps as much as fits: at most one atom (<= 6) lost */
			assert_true(lit.len + 6 >= limit);
		}
		json_decref(v);
		jet_buf_cleanup(&lit);
	}
}

static void
truncation_of_long_ascii(void **state)
{
	char in[100];
	struct jet_buf b;
	bool cut = false;

	memset(in, 'x', sizeof(in));
	jet_buf_init(&b, 4096);
	assert_int_equal(jet_json_escape_trunc(&b, in, sizeof(in), 50, &cut), JET_OK);
	assert_true(cut);
	assert_int_equal(b.len, 50); /* runs are cut exactly at the limit */
	assert_memory_equal(b.data + 46, "\xe2\x80\xa6\"", 4); /* '"' + 45 x, then the tail */
	jet_buf_reset(&b);
	assert_int_equal(jet_json_escape_trunc(&b, in, sizeof(in), 102, &cut), JET_OK);
	assert_false(cut);
	assert_int_equal(b.len, 102);
	jet_buf_reset(&b);
	assert_int_equal(jet_json_escape_trunc(&b, in, sizeof(in), 101, &cut), JET_OK);
	assert_true(cut);
	assert_int_equal(b.len, 101);
	jet_buf_cleanup(&b);
}

static void
arguments_and_limits(void **state)
{
	struct jet_buf b;
	bool cut = true;

	jet_buf_init(&b, 64);
	assert_int_equal(jet_json_escape_trunc(&b, "abc", 3, 4, &cut), JET_EINVAL);
	assert_int_equal(jet_json_escape_trunc(&b, "abc", 3, 5, &cut), JET_OK);
	assert_false(cut);
	assert_int_equal(jet_json_escape_trunc(&b, "abcd", 4, 5, &cut), JET_OK);
	assert_true(cut);
	assert_memory_equal(b.data, "\"abc\"\"\xe2\x80\xa6\"", b.len);
	assert_int_equal(jet_json_escape(&b, NULL, 1), JET_EINVAL);
	assert_int_equal(jet_json_escape(&b, NULL, 0), JET_OK);
	jet_buf_cleanup(&b);

	/* out->max reached: error, and out->len as before */
	jet_buf_init(&b, 10);
	assert_int_equal(jet_buf_append_str(&b, "12345"), JET_OK);
	assert_int_equal(jet_json_escape(&b, "abcd", 4), JET_ETOOBIG);
	assert_int_equal(b.len, 5);
	assert_int_equal(jet_json_escape(&b, "abc", 3), JET_OK); /* exactly fills */
	assert_int_equal(b.len, 10);
	jet_buf_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_and_special),
		cmocka_unit_test(invalid_utf8_replaced),
		cmocka_unit_test(random_bytes_always_valid_json),
		cmocka_unit_test(truncation_at_every_limit),
		cmocka_unit_test(truncation_of_long_ascii),
		cmocka_unit_test(arguments_and_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
