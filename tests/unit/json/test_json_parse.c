/*
 * Unit tests for lib/json parsing: every refusal of jet_json_parse, each
 * limit at and past it, reasons that never echo input, dump and error body.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jet/json.h"

#define BIG (1024 * 1024)

static json_t *
parse(const char *s, size_t max_depth, bool top, char *err)
{
	return jet_json_parse(s, strlen(s), BIG, max_depth, top, err, 128);
}

/* Asserts refusal with exactly this reason. */
static void
refused(const char *s, size_t len, size_t max_len, size_t depth, bool top, const char *reason)
{
	char err[128] = "untouched";
	json_t *v = jet_json_parse(s, len, max_len, depth, top, err, sizeof(err));

	assert_null(v);
	assert_string_equal(err, reason);
}

static void
accepts_plain_documents(void **state)
{
	char err[128];
	json_t *v = parse(" {\"a\":[1,2,{\"b\":null}],\"c\":\"\\u00e9\"} \n", 8, true, err);

	assert_non_null(v);
	assert_string_equal(err, "");
	assert_true(json_is_object(v));
	assert_int_equal(json_array_size(json_object_get(v, "a")), 3);
	assert_string_equal(json_string_value(json_object_get(v, "c")), "\xc3\xa9");
	json_decref(v);
}

static void
rejects_duplicate_keys(void **state)
{
	refused("{\"a\":1,\"a\":2}", 13, BIG, 8, true, "duplicate object key");
	/* also nested, and with escapes that decode to the same key */
	refused("[{\"k\":1,\"\\u006b\":2}]", 20, BIG, 8, true, "duplicate object key");
}

static void
depth_limit_at_and_past(void **state)
{
	char err[128];
	json_t *v;

	v = parse("[[[{}]]]", 4, true, err); /* depth 4, limit 4 */
	assert_non_null(v);
	json_decref(v);
	refused("[[[{}]]]", 8, BIG, 3, true, "nesting too deep");
	v = parse("[[],[],{\"a\":1},[[]]]", 3, true, err); /* siblings do not add up */
	assert_non_null(v);
	json_decref(v);
	refused("[[],[],{\"a\":[]}]", 16, BIG, 2, true, "nesting too deep");
	/* brackets inside strings are not nesting, escaped quotes do not end them */
	v = parse("[\"[[[[\\\"{{{{\"]", 1, true, err);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_array_get(v, 0)), "[[[[\"{{{{");
	json_decref(v);
	/* a scalar has depth 0 */
	v = parse("42", 0, false, err);
	assert_non_null(v);
	json_decref(v);
	refused("[]", 2, BIG, 0, false, "nesting too deep");
}

static void
deep_nesting_refused_before_jansson(void **state)
{
	/* 100000 levels: past jansson's own 2048 and cheap to refuse. */
	size_t n = 100000;
	char *s = malloc(2 * n);

	assert_non_null(s);
	memset(s, '[', n);
	memset(s + n, ']', n);
	refused(s, 2 * n, 4 * n, 64, true, "nesting too deep");
	free(s);
}

static void
max_len_at_and_past(void **state)
{
	char err[128];
	json_t *v = jet_json_parse("[1]", 3, 3, 4, true, err, sizeof(err));

	assert_non_null(v);
	json_decref(v);
	refused("[1]", 3, 2, 4, true, "input too large");
	/* the limit is checked on len, before anything is read */
	refused("[1]    ", 7, 6, 4, true, "input too large");
}

static void
rejects_trailing_garbage(void **state)
{
	refused("{} x", 4, BIG, 4, true, "trailing data after the value");
	refused("[1][2]", 6, BIG, 4, true, "trailing data after the value");
	refused("1 2", 3, BIG, 4, false, "trailing data after the value");
}

static void
rejects_nul(void **state)
{
	refused("[\"a\\u0000b\"]", 12, BIG, 4, true, "NUL character in a string");
	refused("{\"a\\u0000\":1}", 13, BIG, 4, true, "NUL character in a string");
	refused("[\"a\0b\"]", 7, BIG, 4, true, "NUL byte in input");
	refused("[1]\0", 4, BIG, 4, true, "NUL byte in input");
	/* a NUL right after a backslash is not hidden by the escape */
	refused("[\"\\\0\"]", 6, BIG, 4, true, "NUL byte in input");
}

static void
top_level_container(void **state)
{
	char err[128];
	json_t *v;

	refused("\"s\"", 3, BIG, 4, true, "top level must be an object or array");
	refused("1", 1, BIG, 4, true, "top level must be an object or array");
	refused("null", 4, BIG, 4, true, "top level must be an object or array");
	v = parse("\"s\"", 4, false, err);
	assert_non_null(v);
	json_decref(v);
}

static void
other_refusals(void **state)
{
	refused("", 0, BIG, 4, true, "unexpected end of input");
	refused(NULL, 0, BIG, 4, true, "unexpected end of input");
	refused("   ", 3, BIG, 4, true, "unexpected end of input");
	refused("[1,", 3, BIG, 4, true, "unexpected end of input");
	refused("[1,]", 4, BIG, 4, true, "invalid syntax");
	refused("[\"\xff\"]", 5, BIG, 4, true, "invalid UTF-8");
	refused("[\"\\ud800\"]", 10, BIG, 4, true, "invalid syntax");
	refused("[99999999999999999999]", 22, BIG, 4, true, "number out of range");
	refused("[1e400]", 7, BIG, 4, true, "number out of range");
	refused("\xef\xbb\xbf[]", 5, BIG, 4, true, "invalid syntax"); /* BOM */
	refused("[01]", 4, BIG, 4, true, "invalid syntax");
	refused(NULL, 3, BIG, 4, true, "invalid argument");
}

/* Reasons go to logs and peers: no byte of the input may appear in them. */
static void
reasons_never_echo_input(void **state)
{
	static const char *const inputs[] = {
		"{\"SECRETKEY\":1,\"SECRETKEY\":2}", "[SECRETKEY]", "{\"a\":1} SECRETKEY",
		"[\"SECRETKEY\\u0000\"]", "[\"SECRETKEY", "[99999999999999999999999SECRETKEY]",
		"\"SECRETKEY\"", "[\"SECRETKEY\xff\"]", "{\"a\" SECRETKEY}",
	};
	char err[128];

	for (size_t i = 0; i < JET_ARRAY_LEN(inputs); i++) {
		json_t *v = parse(inputs[i], 8, true, err);

		assert_null(v);
		assert_true(strlen(err) > 0);
		assert_null(strstr(err, "SECRET"));
		assert_null(strstr(err, "near"));
	}
}

static void
err_may_be_null_or_short(void **state)
{
	char err[8];

	assert_null(jet_json_parse("[", 1, BIG, 4, true, NULL, 0));
	assert_null(jet_json_parse("[", 1, BIG, 4, true, err, sizeof(err)));
	assert_int_equal(strlen(err), sizeof(err) - 1); /* truncated, terminated */
}

static void
dump_compact_and_bounded(void **state)
{
	char err[128];
	json_t *v = parse("{ \"b\" : [ 1 , 2.5 , true , null ] , \"a\" : \"x\\ny\" }", 4, true, err);
	struct jet_buf b;

	assert_non_null(v);
	jet_buf_init(&b, 1024);
	assert_int_equal(jet_buf_append_str(&b, "P:"), JET_OK);
	assert_int_equal(jet_json_dump(&b, v), JET_OK);
	assert_int_equal(b.len, 2 + strlen("{\"b\":[1,2.5,true,null],\"a\":\"x\\ny\"}"));
	assert_memory_equal(b.data, "P:{\"b\":[1,2.5,true,null],\"a\":\"x\\ny\"}", b.len);
	jet_buf_cleanup(&b);

	/* exactly fitting (34 bytes), then one byte short: ETOOBIG, len unchanged */
	jet_buf_init(&b, 34);
	assert_int_equal(jet_json_dump(&b, v), JET_OK);
	assert_int_equal(b.len, 34);
	jet_buf_cleanup(&b);
	jet_buf_init(&b, 35);
	assert_int_equal(jet_buf_append_str(&b, "ab"), JET_OK);
	assert_int_equal(jet_json_dump(&b, v), JET_ETOOBIG);
	assert_int_equal(b.len, 2);
	jet_buf_cleanup(&b);

	jet_buf_init(&b, 64);
	assert_int_equal(jet_json_dump(&b, NULL), JET_EINVAL);
	json_t *s = json_string("scalar");
	assert_int_equal(jet_json_dump(&b, s), JET_OK); /* scalars too */
	assert_memory_equal(b.data, "\"scalar\"", 8);
	json_decref(s);
	jet_buf_cleanup(&b);
	json_decref(v);
}

static void
dump_round_trip(void **state)
{
	char err[128];
	const char *in = "[{\"k\":\"\\u2028\\u0001\\\"\\\\/\xc3\xa9\"},-0,1e-3,[],{}]";
	json_t *v = parse(in, 4, true, err), *w;
	struct jet_buf b;

	assert_non_null(v);
	jet_buf_init(&b, 4096);
	assert_int_equal(jet_json_dump(&b, v), JET_OK);
	w = jet_json_parse(b.data, b.len, BIG, 4, true, err, sizeof(err));
	assert_non_null(w);
	assert_true(json_equal(v, w));
	json_decref(w);
	json_decref(v);
	jet_buf_cleanup(&b);
}

static void
error_body_shape(void **state)
{
	struct jet_buf b;
	char err[128];
	json_t *v;

	jet_buf_init(&b, 256);
	assert_int_equal(jet_json_error_body(&b, "invalid_request", "bad \"scope\"\n"), JET_OK);
	assert_memory_equal(b.data,
		"{\"error\":\"invalid_request\",\"message\":\"bad \\\"scope\\\"\\n\"}", b.len);
	v = jet_json_parse(b.data, b.len, 256, 1, true, err, sizeof(err));
	assert_non_null(v);
	assert_int_equal(json_object_size(v), 2);
	assert_string_equal(json_string_value(json_object_get(v, "error")), "invalid_request");
	assert_string_equal(json_string_value(json_object_get(v, "message")), "bad \"scope\"\n");
	json_decref(v);

	jet_buf_reset(&b);
	assert_int_equal(jet_json_error_body(&b, "x", NULL), JET_OK);
	assert_memory_equal(b.data, "{\"error\":\"x\",\"message\":\"\"}", b.len);
	assert_int_equal(jet_json_error_body(&b, NULL, "m"), JET_EINVAL);
	jet_buf_cleanup(&b);

	/* too small: fails and leaves the buffer as it was */
	jet_buf_init(&b, 20);
	assert_int_equal(jet_buf_append_str(&b, "keep"), JET_OK);
	assert_int_equal(jet_json_error_body(&b, "code", "message"), JET_ETOOBIG);
	assert_int_equal(b.len, 4);
	jet_buf_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_plain_documents),
		cmocka_unit_test(rejects_duplicate_keys),
		cmocka_unit_test(depth_limit_at_and_past),
		cmocka_unit_test(deep_nesting_refused_before_jansson),
		cmocka_unit_test(max_len_at_and_past),
		cmocka_unit_test(rejects_trailing_garbage),
		cmocka_unit_test(rejects_nul),
		cmocka_unit_test(top_level_container),
		cmocka_unit_test(other_refusals),
		cmocka_unit_test(reasons_never_echo_input),
		cmocka_unit_test(err_may_be_null_or_short),
		cmocka_unit_test(dump_compact_and_bounded),
		cmocka_unit_test(dump_round_trip),
		cmocka_unit_test(error_body_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
