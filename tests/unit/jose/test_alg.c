/*
 * Unit tests for lib/jose algorithm names: exact, case-sensitive matching;
 * "none" in any spelling, HMAC other than the HS256 name, and unknown
 * names are JET_JWS_UNKNOWN; only the five asymmetric algorithms count as
 * asymmetric; algorithm lists refuse symmetric and unknown names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jet/jose.h"

static enum jet_jws_alg
parse(const char *s)
{
	return jet_jws_alg_parse(s, strlen(s));
}

static void
test_names_round_trip(void **state)
{
	static const enum jet_jws_alg all[] = { JET_JWS_ES256, JET_JWS_ES384, JET_JWS_EDDSA,
		JET_JWS_RS256, JET_JWS_PS256, JET_JWS_HS256 };
	static const char *const names[] = { "ES256", "ES384", "EdDSA", "RS256", "PS256", "HS256" };

	(void)state;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		assert_string_equal(jet_jws_alg_name(all[i]), names[i]);
		assert_int_equal(parse(names[i]), all[i]);
	}
	assert_string_equal(jet_jws_alg_name(JET_JWS_UNKNOWN), "unknown");
	assert_string_equal(jet_jws_alg_name((enum jet_jws_alg)99), "unknown");
}

static void
test_none_and_unknown(void **state)
{
	static const char *const bad[] = { "none", "None", "NONE", "nOnE", "", "unknown", "HS384",
		"HS512", "RS384", "RS512", "ES512", "PS384", "ES256K", "Ed25519", "EDDSA", "eddsa",
		"es256", "Es256", "RS256 ", " RS256", "RS2560", "RS25", "ES256\n" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i]), JET_JWS_UNKNOWN);
	/* Lengths are honoured: a prefix or an embedded NUL is no match. */
	assert_int_equal(jet_jws_alg_parse("ES256", 4), JET_JWS_UNKNOWN);
	assert_int_equal(jet_jws_alg_parse("ES256\0x", 7), JET_JWS_UNKNOWN);
	assert_int_equal(jet_jws_alg_parse("ES256x", 5), JET_JWS_ES256);
	assert_int_equal(jet_jws_alg_parse(NULL, 0), JET_JWS_UNKNOWN);
}

static void
test_asymmetric(void **state)
{
	(void)state;
	assert_true(jet_jws_alg_asymmetric(JET_JWS_ES256));
	assert_true(jet_jws_alg_asymmetric(JET_JWS_ES384));
	assert_true(jet_jws_alg_asymmetric(JET_JWS_EDDSA));
	assert_true(jet_jws_alg_asymmetric(JET_JWS_RS256));
	assert_true(jet_jws_alg_asymmetric(JET_JWS_PS256));
	assert_false(jet_jws_alg_asymmetric(JET_JWS_HS256));
	assert_false(jet_jws_alg_asymmetric(JET_JWS_UNKNOWN));
	assert_false(jet_jws_alg_asymmetric(parse("none")));
	assert_false(jet_jws_alg_asymmetric((enum jet_jws_alg)42));
}

static void
test_set_parse(void **state)
{
	unsigned set = 12345;

	(void)state;
	assert_int_equal(jet_jws_alg_set_parse("ES256 EdDSA", &set), JET_OK);
	assert_int_equal(set, (1u << JET_JWS_ES256) | (1u << JET_JWS_EDDSA));
	assert_int_equal(jet_jws_alg_set_parse("RS256,PS256", &set), JET_OK);
	assert_int_equal(set, (1u << JET_JWS_RS256) | (1u << JET_JWS_PS256));
	assert_int_equal(jet_jws_alg_set_parse(" ES384 ,  RS256,,", &set), JET_OK);
	assert_int_equal(set, (1u << JET_JWS_ES384) | (1u << JET_JWS_RS256));
	assert_int_equal(jet_jws_alg_set_parse("ES256 ES256", &set), JET_OK);
	assert_int_equal(set, 1u << JET_JWS_ES256);
	assert_int_equal(jet_jws_alg_set_parse("", &set), JET_OK);
	assert_int_equal(set, 0);
}

static void
test_set_parse_refusals(void **state)
{
	static const char *const bad[] = { "HS256", "ES256 HS256", "none", "ES256 none",
		"ES256 RS512", "es256", "ES256;RS256", "ES256\tRS256" };
	unsigned set;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set = 77;
		assert_int_equal(jet_jws_alg_set_parse(bad[i], &set), JET_EINVAL);
		assert_int_equal(set, 0);
	}
	assert_int_equal(jet_jws_alg_set_parse(NULL, &set), JET_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_none_and_unknown),
		cmocka_unit_test(test_asymmetric),
		cmocka_unit_test(test_set_parse),
		cmocka_unit_test(test_set_parse_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
