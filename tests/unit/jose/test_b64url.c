/*
 * Unit tests for lib/jose base64url: RFC 4648 §10 vectors in the URL-safe
 * alphabet, round trips of every length and byte value, and every
 * non-canonical or invalid input refused (padding, the standard alphabet,
 * whitespace, non-zero trailing bits, a length of 1 mod 4), plus the
 * output bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jet/jose.h"

static void
assert_decodes_to(const char *in, const char *want)
{
	uint8_t out[64];
	size_t n = 99;

	assert_int_equal(jet_b64url_decode(in, strlen(in), out, sizeof(out), &n), JET_OK);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
}

static void
assert_refused(const char *in)
{
	uint8_t out[64];
	size_t n = 99;

	assert_int_equal(jet_b64url_decode(in, strlen(in), out, sizeof(out), &n), JET_EINVAL);
	assert_int_equal(n, 0);
}

static void
test_rfc4648_vectors(void **state)
{
	static const struct {
		const char *raw, *enc;
	} v[] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" }, { "foob", "Zm9vYg" },
		{ "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
	};
	char enc[32];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(jet_b64url_len(strlen(v[i].raw)), strlen(v[i].enc));
		assert_int_equal(jet_b64url_encode(v[i].raw, strlen(v[i].raw), enc, sizeof(enc)),
			JET_OK);
		assert_string_equal(enc, v[i].enc);
		assert_decodes_to(v[i].enc, v[i].raw);
	}
}

static void
test_url_alphabet(void **state)
{
	static const uint8_t raw[] = { 0xfb, 0xff, 0xbf, 0xfe };
	char enc[16];
	uint8_t out[8];
	size_t n;

	(void)state;
	/* 0xfb 0xff 0xbf is "+/+/" in the standard alphabet. */
	assert_int_equal(jet_b64url_encode(raw, 3, enc, sizeof(enc)), JET_OK);
	assert_string_equal(enc, "-_-_");
	assert_int_equal(jet_b64url_encode(raw, 4, enc, sizeof(enc)), JET_OK);
	assert_string_equal(enc, "-_-__g");
	assert_int_equal(jet_b64url_decode(enc, strlen(enc), out, sizeof(out), &n), JET_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(out, raw, 4);
}

static void
test_round_trip_all_lengths(void **state)
{
	uint8_t raw[300], back[300];
	char enc[401];
	struct jet_buf b;

	(void)state;
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof(raw); len++) {
		size_t n;

		assert_int_equal(jet_b64url_encode(raw, len, enc, sizeof(enc)), JET_OK);
		assert_int_equal(strlen(enc), jet_b64url_len(len));
		assert_int_equal(jet_b64url_decode(enc, strlen(enc), back, sizeof(back), &n), JET_OK);
		assert_int_equal(n, len);
		assert_memory_equal(back, raw, len);
		/* The buffer form appends the same text, without a NUL. */
		jet_buf_init(&b, 1024);
		assert_int_equal(jet_buf_append(&b, "x", 1), JET_OK);
		assert_int_equal(jet_b64url_encode_buf(&b, raw, len), JET_OK);
		assert_int_equal(b.len, 1 + strlen(enc));
		assert_memory_equal(b.data + 1, enc, strlen(enc));
		jet_buf_cleanup(&b);
	}
}

static void
test_every_byte_value(void **state)
{
	uint8_t raw[256], back[256];
	char enc[350];
	size_t n;

	(void)state;
	for (size_t i = 0; i < 256; i++)
		raw[i] = (uint8_t)i;
	assert_int_equal(jet_b64url_encode(raw, sizeof(raw), enc, sizeof(enc)), JET_OK);
	for (const char *p = enc; *p; p++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				       "0123456789-_",
			*p));
	assert_int_equal(jet_b64url_decode(enc, strlen(enc), back, sizeof(back), &n), JET_OK);
	assert_int_equal(n, 256);
	assert_memory_equal(back, raw, 256);
}

static void
test_refuses_padding(void **state)
{
	(void)state;
	assert_refused("Zg==");
	assert_refused("Zg=");
	assert_refused("Zm8=");
	assert_refused("====");
	assert_refused("Zm9v====");
}

static void
test_refuses_standard_alphabet(void **state)
{
	(void)state;
	assert_refused("-_+/");
	assert_refused("++++");
	assert_refused("////");
	assert_refused("ab+c");
}

static void
test_refuses_whitespace_and_others(void **state)
{
	static const char *const bad[] = {
		"Zm9v Yg", " Zm9v", "Zm9v\n", "Zm9v\r\nYg", "Zm\t9v", "Zm9v.g", "Zm9v!g", "Zm9v*g",
		"Zm9v~g", "Zm9v%3D", "Zm9vYg\x80", "\xff\xfe",
	};
	uint8_t out[16];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(bad[i]);
	/* An embedded NUL is a byte outside the alphabet, not an end. */
	assert_int_equal(jet_b64url_decode("Zm\0v", 4, out, sizeof(out), &n), JET_EINVAL);
}

static void
test_refuses_nonzero_trailing_bits(void **state)
{
	(void)state;
	/* "f" is Zg; Zh..Zv differ only in the 4 unused bits. */
	assert_decodes_to("Zg", "f");
	assert_refused("Zh");
	assert_refused("Zv");
	assert_refused("Z_");
	/* "fo" is Zm8; Zm9 differs only in the 2 unused bits. */
	assert_decodes_to("Zm8", "fo");
	assert_refused("Zm9");
	assert_refused("Zm-");
	assert_refused("Zm_");
}

static void
test_refuses_length_1_mod_4(void **state)
{
	(void)state;
	assert_refused("Z");
	assert_refused("Zm9vY");
	assert_refused("Zm9vYmFyZ");
}

static void
test_bounds(void **state)
{
	uint8_t out[3];
	char enc[5];
	size_t n = 7;
	struct jet_buf b;

	(void)state;
	/* Decoding: outcap is checked before anything is written. */
	assert_int_equal(jet_b64url_decode("Zm9vYg", 6, out, 3, &n), JET_ETOOBIG);
	assert_int_equal(n, 0);
	assert_int_equal(jet_b64url_decode("Zm9v", 4, out, 3, &n), JET_OK);
	assert_int_equal(n, 3);
	/* Invalid input is JET_EINVAL even when it would also be too long. */
	assert_int_equal(jet_b64url_decode("Zm9vYg==", 8, out, 3, &n), JET_EINVAL);
	assert_int_equal(jet_b64url_decode("", 0, out, 0, &n), JET_OK);
	assert_int_equal(n, 0);
	/* Encoding: room for the text and the NUL. */
	assert_int_equal(jet_b64url_encode("foo", 3, enc, 4), JET_ETOOBIG);
	assert_int_equal(jet_b64url_encode("foo", 3, enc, 5), JET_OK);
	assert_string_equal(enc, "Zm9v");
	jet_buf_init(&b, 5);
	assert_int_equal(jet_b64url_encode_buf(&b, "foobar", 6), JET_ETOOBIG);
	assert_int_equal(b.len, 0);
	assert_int_equal(jet_b64url_encode_buf(&b, "foo", 3), JET_OK);
	assert_int_equal(b.len, 4);
	jet_buf_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_url_alphabet),
		cmocka_unit_test(test_round_trip_all_lengths),
		cmocka_unit_test(test_every_byte_value),
		cmocka_unit_test(test_refuses_padding),
		cmocka_unit_test(test_refuses_standard_alphabet),
		cmocka_unit_test(test_refuses_whitespace_and_others),
		cmocka_unit_test(test_refuses_nonzero_trailing_bits),
		cmocka_unit_test(test_refuses_length_1_mod_4),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
