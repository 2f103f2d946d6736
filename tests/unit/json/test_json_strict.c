/*
 * lib/json: untrusted JSON is parsed strictly (duplicates, depth, size,
 * NUL, trailing bytes), errors never echo the input, and error bodies have
 * the API's shape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "jet/json.h"

static char err[256];

static json_t *
parse(const char *s, size_t max_len, size_t depth)
{
	return jet_json_parse(s, strlen(s), max_len, depth, true, err, sizeof(err));
}

static void
accepts_plain_documents(void **state)
{
	json_t *j = parse("{\"a\":[1,2,{\"b\":null}],\"c\":\"d\"}", 1024, 8);

	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "a")), 3);
	json_decref(j);
}

static void
refuses_ambiguous_or_oversized(void **state)
{
	static const char *const bad[] = {
		"{\"a\":1,\"a\":2}",           /* duplicate key: which one wins? */
		"{\"a\":\"x\\u0000y\"}",        /* NUL inside a string */
		"{\"a\":1} trailing",
		"{\"a\":1}{\"b\":2}",
		"\"top-level string\"",
		"42",
		"{\"a\":",
		"",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = parse(bad[i], 1024, 8);

		if (j != NULL)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err[0] != '\0');
	}
}

static void
depth_limit_at_and_past(void **state)
{
	char doc[64];
	json_t *j;

	/* depth 4 exactly: [[[[ ]]]] */
	snprintf(doc, sizeof(doc), "[[[[1]]]]");
	j = parse(doc, 1024, 4);
	assert_non_null(j);
	json_decref(j);
	snprintf(doc, sizeof(doc), "[[[[[1]]]]]");
	assert_null(parse(doc, 1024, 4));
	/* Brackets inside strings do not count. */
	j = parse("[\"[[[[[[[[\"]", 1024, 2);
	assert_non_null(j);
	json_decref(j);
}

static void
size_limit_at_and_past(void **state)
{
	json_t *j = parse("{\"k\":\"12345\"}", 13, 4);

	assert_non_null(j);
	json_decref(j);
	assert_null(parse("{\"k\":\"123456\"}", 13, 4));
}

static void
errors_never_echo_input(void **state)
{
	assert_null(parse("{\"password\":\"hunter2\",}", 1024, 8));
	assert_null(strstr(err, "hunter2"));
}

static void
escape_and_error_body(void **state)
{
	struct jet_buf b;
	json_t *j;

	jet_buf_init(&b, 4096);
	assert_int_equal(jet_json_escape(&b, "a\"b\\c\n\x01\xff", 8), JET_OK);
	assert_int_equal(jet_buf_append(&b, "", 1), JET_OK);
	j = json_loads(b.data, JSON_DECODE_ANY, NULL);
	assert_non_null(j);
	assert_true(json_is_string(j));
	json_decref(j);
	jet_buf_reset(&b);
	assert_int_equal(jet_json_error_body(&b, "not_found", "No \"such\" thing."), JET_OK);
	assert_int_equal(jet_buf_append(&b, "", 1), JET_OK);
	j = json_loads(b.data, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "error")), "not_found");
	assert_string_equal(json_string_value(json_object_get(j, "message")), "No \"such\" thing.");
	assert_int_equal(json_object_size(j), 2);
	json_decref(j);
	jet_buf_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_plain_documents),
		cmocka_unit_test(refuses_ambiguous_or_oversized),
		cmocka_unit_test(depth_limit_at_and_past),
		cmocka_unit_test(size_limit_at_and_past),
		cmocka_unit_test(errors_never_echo_input),
		cmocka_unit_test(escape_and_error_body),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
