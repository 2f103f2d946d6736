/*
 * Unit tests for lib/jose key sets: a provider-style JWKS is read whole,
 * keys this module does not use (encryption keys, other curves, algorithms
 * outside the caller's set) are skipped, and everything else wrong fails
 * the whole set: a malformed or private key, a duplicate kid, too many
 * keys, too many bytes, a document that is not a JWKS.  Lookup by kid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jet/jose.h"

#define ALL_ALGS (~0u)
#define MARK "ZqMARKqZ"

/* RFC 7517 Appendix A.1: an encryption EC key and a signing RSA key. */
static const char rfc7517_a1[] =
	"{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
	"\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\","
	"\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\",\"use\":\"enc\",\"kid\":\"1\"},"
	"{\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zw"
	"u1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w"
	"6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbI"
	"SD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awa"
	"pJzKnqDKgw\",\"e\":\"AQAB\",\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}]}";

struct fixture {
	struct jet_jwk *es256, *eddsa, *rs256;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);

	if (f == NULL || rsa == NULL ||
		jet_jwk_generate(JET_JWS_ES256, "ec-1", &f->es256) != JET_OK ||
		jet_jwk_generate(JET_JWS_EDDSA, "ed-1", &f->eddsa) != JET_OK ||
		jet_jwk_from_pkey(rsa, JET_JWS_RS256, "rsa-1", &f->rs256) != JET_OK)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	jet_jwk_free(f->es256);
	jet_jwk_free(f->eddsa);
	jet_jwk_free(f->rs256);
	free(f);
	return 0;
}

/* {"keys":[public JWKs of keys..., then extra objects]} as text. */
static char *
jwks_text(const struct jet_jwk *const *keys, size_t n, json_t *extra)
{
	json_t *doc = json_object(), *arr = json_array();
	char *s;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, jet_jwk_public_json(keys[i]));
	if (extra != NULL)
		json_array_extend(arr, extra);
	json_object_set_new(doc, "keys", arr);
	s = json_dumps(doc, JSON_COMPACT);
	assert_non_null(s);
	json_decref(doc);
	return s;
}

static int
parse(const char *text, size_t max_keys, unsigned allowed, struct jet_jwks *set)
{
	char err[128];
	int rc = jet_jwks_parse(text, strlen(text), 65536, max_keys, allowed, JET_JWS_RS256, set,
		err, sizeof(err));

	if (rc != JET_OK) {
		assert_int_equal(set->n, 0);
		assert_null(set->keys);
		assert_true(err[0] != '\0');
		assert_null(strstr(err, MARK));
	} else {
		assert_string_equal(err, "");
	}
	return rc;
}

static void
test_provider_set(void **state)
{
	struct fixture *f = *state;
	const struct jet_jwk *keys[] = { f->es256, f->eddsa, f->rs256 };
	char *text = jwks_text(keys, 3, NULL);
	struct jet_jwks set;
	const struct jet_jwk *k;

	assert_int_equal(parse(text, 8, ALL_ALGS, &set), JET_OK);
	assert_int_equal(set.n, 3);
	k = jet_jwks_find(&set, "ed-1", 4);
	assert_non_null(k);
	assert_int_equal(k->alg, JET_JWS_EDDSA);
	assert_false(k->has_private);
	assert_int_equal(EVP_PKEY_eq(k->pkey, f->eddsa->pkey), 1);
	assert_non_null(jet_jwks_find(&set, "rsa-1", 5));
	assert_non_null(jet_jwks_find(&set, "ec-1xyz", 4));
	assert_null(jet_jwks_find(&set, "ec-", 3));
	assert_null(jet_jwks_find(&set, "ec-1x", 5));
	assert_null(jet_jwks_find(&set, "nope", 4));
	assert_null(jet_jwks_find(&set, NULL, 0));
	assert_null(jet_jwks_find(NULL, "ec-1", 4));
	jet_jwks_cleanup(&set);
	jet_jwks_cleanup(&set); /* idempotent */
	free(text);
}

static void
test_rfc7517_example(void **state)
{
	struct jet_jwks set;
	char thumb[44];

	(void)state;
	/* The "use":"enc" EC key is skipped, the RSA signing key kept. */
	assert_int_equal(parse(rfc7517_a1, 8, ALL_ALGS, &set), JET_OK);
	assert_int_equal(set.n, 1);
	assert_string_equal(set.keys[0]->kid, "2011-04-29");
	assert_int_equal(set.keys[0]->alg, JET_JWS_RS256);
	assert_int_equal(jet_jwk_thumbprint(set.keys[0], thumb), JET_OK);
	assert_string_equal(thumb, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	assert_null(jet_jwks_find(&set, "1", 1));
	jet_jwks_cleanup(&set);
	/* With RS256 not allowed, nothing usable is left: an empty set. */
	assert_int_equal(parse(rfc7517_a1, 8, 1u << JET_JWS_ES256, &set), JET_OK);
	assert_int_equal(set.n, 0);
	jet_jwks_cleanup(&set);
}

static void
test_skipped_keys(void **state)
{
	struct fixture *f = *state;
	const struct jet_jwk *keys[] = { f->es256 };
	json_t *extra = json_array(), *enc = jet_jwk_public_json(f->rs256), *odd;
	struct jet_jwks set;
	char *text;

	/* An encryption key (may even share a kid with a signing key). */
	json_object_set_new(enc, "use", json_string("enc"));
	json_object_set_new(enc, "alg", json_string("RSA-OAEP"));
	json_object_set_new(enc, "kid", json_string("ec-1"));
	json_array_append_new(extra, enc);
	/* An unknown alg, other curves and key types. */
	odd = jet_jwk_public_json(f->rs256);
	json_object_set_new(odd, "alg", json_string("RS512"));
	json_object_set_new(odd, "kid", json_string("rs512"));
	json_array_append_new(extra, odd);
	json_array_append_new(extra, json_pack("{s:s,s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "P-521",
					     "kid", "p521", "x", "AA", "y", "AA"));
	json_array_append_new(extra, json_pack("{s:s,s:s,s:s,s:s}", "kty", "OKP", "crv", "X25519",
					     "kid", "x25519", "x", "AA"));
	json_array_append_new(extra, json_pack("{s:s,s:s}", "kty", "OKP-future", "kid", "z"));
	/* An allowed type, but an algorithm outside the caller's set. */
	json_array_append_new(extra, jet_jwk_public_json(f->eddsa));
	text = jwks_text(keys, 1, extra);
	assert_int_equal(parse(text, 16, 1u << JET_JWS_ES256, &set), JET_OK);
	assert_int_equal(set.n, 1);
	assert_string_equal(set.keys[0]->kid, "ec-1");
	assert_int_equal(set.keys[0]->alg, JET_JWS_ES256);
	jet_jwks_cleanup(&set);
	json_decref(extra);
	free(text);
}

/* A key set that fails whole because of one bad entry. */
static void
assert_set_fails(struct fixture *f, json_t *bad, int want)
{
	const struct jet_jwk *keys[] = { f->es256, f->rs256 };
	json_t *extra = json_array();
	struct jet_jwks set;
	char *text;

	json_array_append_new(extra, bad);
	text = jwks_text(keys, 2, extra);
	assert_int_equal(parse(text, 16, ALL_ALGS, &set), want);
	json_decref(extra);
	free(text);
}

static void
test_bad_key_fails_set(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	/* Private member. */
	o = jet_jwk_public_json(f->eddsa);
	json_object_set_new(o, "d", json_string("AAAA" MARK));
	assert_set_fails(f, o, JET_EINVAL);
	/* Bad kid, missing kid. */
	o = jet_jwk_public_json(f->eddsa);
	json_object_set_new(o, "kid", json_string("../" MARK));
	assert_set_fails(f, o, JET_EINVAL);
	o = jet_jwk_public_json(f->eddsa);
	json_object_del(o, "kid");
	assert_set_fails(f, o, JET_EINVAL);
	/* Alg that contradicts the key type. */
	o = jet_jwk_public_json(f->eddsa);
	json_object_set_new(o, "alg", json_string("ES256"));
	assert_set_fails(f, o, JET_EINVAL);
	/* Wrong-size OKP key. */
	o = jet_jwk_public_json(f->eddsa);
	json_object_set_new(o, "x", json_string("AAAA"));
	assert_set_fails(f, o, JET_EINVAL);
	/* Not an object, no kty. */
	assert_set_fails(f, json_string(MARK), JET_EINVAL);
	assert_set_fails(f, json_pack("{s:s}", "kid", "x"), JET_EINVAL);
}

static void
test_off_curve_fails_set(void **state)
{
	struct fixture *f = *state;
	json_t *o = jet_jwk_public_json(f->es256);
	const char *y = json_string_value(json_object_get(o, "y"));
	uint8_t raw[32];
	char enc[64];
	size_t n;

	assert_int_equal(jet_b64url_decode(y, strlen(y), raw, sizeof(raw), &n), JET_OK);
	raw[0] ^= 0x40;
	assert_int_equal(jet_b64url_encode(raw, n, enc, sizeof(enc)), JET_OK);
	json_object_set_new(o, "y", json_string(enc));
	json_object_set_new(o, "kid", json_string("ec-2"));
	assert_set_fails(f, o, JET_EINVAL);
}

static void
test_duplicate_kid(void **state)
{
	struct fixture *f = *state;
	json_t *o = jet_jwk_public_json(f->eddsa);

	json_object_set_new(o, "kid", json_string("rsa-1"));
	assert_set_fails(f, o, JET_EINVAL);
	/* The same key twice under one kid is a duplicate too. */
	assert_set_fails(f, jet_jwk_public_json(f->es256), JET_EINVAL);
}

static void
test_limits(void **state)
{
	struct fixture *f = *state;
	const struct jet_jwk *keys[] = { f->es256, f->eddsa, f->rs256 };
	char *text = jwks_text(keys, 3, NULL);
	struct jet_jwks set;
	char err[64];

	/* Key count: at the limit and one past it (skipped keys count). */
	assert_int_equal(parse(text, 3, ALL_ALGS, &set), JET_OK);
	jet_jwks_cleanup(&set);
	assert_int_equal(parse(text, 2, ALL_ALGS, &set), JET_ETOOBIG);
	assert_int_equal(parse(text, 2, 1u << JET_JWS_ES256, &set), JET_ETOOBIG);
	assert_int_equal(parse(text, 0, ALL_ALGS, &set), JET_ETOOBIG);
	/* Bytes: at the limit and one past it. */
	assert_int_equal(jet_jwks_parse(text, strlen(text), strlen(text), 8, ALL_ALGS,
				 JET_JWS_RS256, &set, err, sizeof(err)),
		JET_OK);
	jet_jwks_cleanup(&set);
	assert_int_equal(jet_jwks_parse(text, strlen(text), strlen(text) - 1, 8, ALL_ALGS,
				 JET_JWS_RS256, &set, err, sizeof(err)),
		JET_ETOOBIG);
	assert_int_equal(set.n, 0);
	free(text);
}

static void
test_not_a_jwks(void **state)
{
	static const char *const bad[] = {
		"", "{}", "[]", "{\"keys\":{}}", "{\"keys\":\"" MARK "\"}", "{\"keys\":[1]}",
		"{\"keys\":[null]}", "{\"keys\":[[]]}", "{\"keys\":[]", "\"" MARK "\"",
		"{\"keys\":[],\"keys\":[]}", "{\"keys\":[]} x",
		"{\"keys\":[{\"kty\":\"EC\",\"x\":[[[[[[[[[[1]]]]]]]]]]}]}",
	};
	struct jet_jwks set;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], 8, ALL_ALGS, &set), JET_EINVAL);
	/* An empty set is a set. */
	assert_int_equal(parse("{\"keys\":[]}", 8, ALL_ALGS, &set), JET_OK);
	assert_int_equal(set.n, 0);
	jet_jwks_cleanup(&set);
	/* Members other than keys are ignored. */
	assert_int_equal(parse("{\"keys\":[],\"x\":{\"y\":1}}", 8, ALL_ALGS, &set), JET_OK);
	jet_jwks_cleanup(&set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_provider_set),
		cmocka_unit_test(test_rfc7517_example),
		cmocka_unit_test(test_skipped_keys),
		cmocka_unit_test(test_bad_key_fails_set),
		cmocka_unit_test(test_off_curve_fails_set),
		cmocka_unit_test(test_duplicate_kid),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_not_a_jwks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
