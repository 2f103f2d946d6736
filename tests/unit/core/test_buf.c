/*
 * Unit tests for lib/core: bounded buffers, strict number parsing, slices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jet/core.h"

static void
buf_grows_to_max_and_no_further(void **state)
{
	struct jet_buf b;
	char chunk[100];

	memset(chunk, 'x', sizeof(chunk));
	jet_buf_init(&b, 1000);
	for (int i = 0; i < 10; i++)
		assert_int_equal(jet_buf_append(&b, chunk, sizeof(chunk)), JET_OK);
	assert_int_equal(b.len, 1000);
	assert_true(b.cap <= 1000);
	assert_int_equal(jet_buf_append(&b, "y", 1), JET_ETOOBIG);
	assert_int_equal(b.len, 1000); /* unchanged on failure */
	jet_buf_consume(&b, 999);
	assert_int_equal(b.len, 1);
	assert_int_equal(jet_buf_printf(&b, "%d-%s", 42, "ok"), JET_OK);
	assert_memory_equal(b.data, "x42-ok", 6);
	jet_buf_cleanup(&b);
	jet_buf_cleanup(&b); /* idempotent */
}

static void
buf_printf_past_max_fails_cleanly(void **state)
{
	struct jet_buf b;

	jet_buf_init(&b, 8);
	assert_int_equal(jet_buf_printf(&b, "%s", "1234567"), JET_OK);
	assert_int_equal(jet_buf_printf(&b, "%s", "89"), JET_ETOOBIG);
	assert_int_equal(b.len, 7);
	jet_buf_cleanup(&b);
}

static void
parse_u64_is_strict(void **state)
{
	uint64_t v = 7;

	assert_int_equal(jet_parse_u64_cstr("0", 10, &v), JET_OK);
	assert_int_equal(v, 0);
	assert_int_equal(jet_parse_u64_cstr("18446744073709551615", UINT64_MAX, &v), JET_OK);
	assert_true(v == UINT64_MAX);
	assert_int_equal(jet_parse_u64_cstr("18446744073709551616", UINT64_MAX, &v), JET_ETOOBIG);
	assert_int_equal(jet_parse_u64_cstr("11", 10, &v), JET_ETOOBIG);
	assert_int_equal(jet_parse_u64_cstr("", 10, &v), JET_EINVAL);
	assert_int_equal(jet_parse_u64_cstr("+1", 10, &v), JET_EINVAL);
	assert_int_equal(jet_parse_u64_cstr(" 1", 10, &v), JET_EINVAL);
	assert_int_equal(jet_parse_u64_cstr("1 ", 10, &v), JET_EINVAL);
	assert_int_equal(jet_parse_u64_cstr("0x1", 10, &v), JET_EINVAL);
	assert_int_equal(jet_parse_u64_cstr("-1", 10, &v), JET_EINVAL);
}

static void
str_helpers(void **state)
{
	struct jet_str s = jet_str_trim_ows(JET_STR_LIT(" \tChunked \t"));
	char small[4];

	assert_true(jet_str_caseeq_cstr(s, "chunked"));
	assert_false(jet_str_eq_cstr(s, "chunked"));
	assert_false(jet_str_copy(small, sizeof(small), s));
	assert_string_equal(small, "Chu");
	assert_true(jet_ct_equal("abc", "abc", 3));
	assert_false(jet_ct_equal("abc", "abd", 3));
}

static void
rfc3339_format(void **state)
{
	char out[25];

	jet_time_rfc3339(1764064800123ull, out); /* 2025-11-25T10:00:00.123Z */
	assert_string_equal(out, "2025-11-25T10:00:00.123Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_grows_to_max_and_no_further),
		cmocka_unit_test(buf_printf_past_max_fails_cleanly),
		cmocka_unit_test(parse_u64_is_strict),
		cmocka_unit_test(str_helpers),
		cmocka_unit_test(rfc3339_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
