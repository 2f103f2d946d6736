/*
 * Unit tests for lib/keyring, opening: the first open of an empty
 * directory creates one key (0600 PEM, 0600 keys.json, 0700 directory)
 * active now; a reopen finds the same key; tokens it signs verify against
 * the JWKS it publishes; the list, the version and the policy checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jet/json.h"
#include "krtest.h"

static void
first_open_creates_one_key(void **state)
{
	struct jet_keyring_policy pol = kr_test_policy(JET_JWS_ES256, 0);
	struct jet_keyring *kr = NULL;
	const struct jet_keyring_info *inf;
	char dir[600], kid[JET_JWK_KID_MAX + 1], err[256] = "";
	struct stat st;

	kr_test_dir(dir, sizeof(dir), "kr-first");
	assert_int_equal(jet_keyring_open(dir, &pol, T0, &kr, err, sizeof(err)), JET_OK);
	assert_non_null(kr);

	jet_keyring_signing_kid(kr, kid);
	assert_true(jet_jwk_kid_valid(kid, strlen(kid)));
	assert_int_equal(kr_test_mode(dir, kid, ".pem"), 0600);
	assert_int_equal(kr_test_mode(dir, "keys.json", ""), 0600);
	assert_int_equal(lstat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(kr_test_count_pem(dir), 1);

	assert_int_equal(kr_test_nkeys(kr), 1);
	inf = kr_test_info(kr, kid);
	assert_non_null(inf);
	assert_int_equal(inf->state, JET_KEYRING_ACTIVE);
	assert_int_equal(inf->alg, JET_JWS_ES256);
	assert_int_equal(inf->created, T0);
	assert_int_equal(inf->activate_at, T0);
	assert_int_equal(inf->retire_at, 0);
	assert_string_equal(jet_keyring_state_name(inf->state), "active");
	assert_int_equal(jet_keyring_version(kr), 1);
	jet_keyring_free(kr);
}

static void
reopen_loads_the_same_key(void **state)
{
	struct jet_keyring_policy pol = kr_test_policy(JET_JWS_ES256, 0);
	struct jet_keyring *kr = NULL;
	char dir[600], kid1[JET_JWK_KID_MAX + 1], kid2[JET_JWK_KID_MAX + 1], err[256] = "";
	char path[700], before[2048], after[2048];
	FILE *f;
	size_t n1, n2;

	kr_test_dir(dir, sizeof(dir), "kr-reopen");
	assert_int_equal(jet_keyring_open(dir, &pol, T0, &kr, err, sizeof(err)), JET_OK);
	jet_keyring_signing_kid(kr, kid1);
	jet_keyring_free(kr);

	snprintf(path, sizeof(path), "%s/keys.json", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n1 = fread(before, 1, sizeof(before), f);
	fclose(f);

	/* A day later, with no rotation configured: nothing changes. */
	assert_int_equal(jet_keyring_open(dir, &pol, T0 + 86400, &kr, err, sizeof(err)), JET_OK);
	jet_keyring_signing_kid(kr, kid2);
	assert_string_equal(kid1, kid2);
	assert_int_equal(kr_test_nkeys(kr), 1);
	assert_int_equal(kr_test_count_pem(dir), 1);
	assert_int_equal(kr_test_sign_verify(kr, NULL), JET_OK);
	jet_keyring_free(kr);

	f = fopen(path, "r");
	assert_non_null(f);
	n2 = fread(after, 1, sizeof(after), f);
	fclose(f);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
}

static void
sign_verifies_against_published_jwks(void **state)
{
	struct jet_keyring_policy pol = kr_test_policy(JET_JWS_ES256, 0);
	struct jet_keyring *kr = NULL;
	struct jet_jwks set = { 0 };
	struct jet_buf tok;
	struct jet_jws jws;
	json_t *claims, *doc;
	char dir[600], kid[JET_JWK_KID_MAX + 1], used[JET_JWK_KID_MAX + 1], err[256] = "";
	uint64_t v = 0;

	kr_test_dir(dir, sizeof(dir), "kr-sign");
	assert_int_equal(jet_keyring_open(dir, &pol, T0, &kr, err, sizeof(err)), JET_OK);
	jet_keyring_signing_kid(kr, kid);

	claims = json_pack("{s:s, s:s, s:I}", "iss", "https://auth.test", "sub", "d1", "exp",
		(json_int_t)T0 + 600);
	jet_buf_init(&tok, 4096);
	assert_int_equal(jet_keyring_sign_kid(kr, "at+jwt", claims, &tok, used), JET_OK);
	assert_string_equal(used, kid);

	assert_int_equal(kr_test_jwks(kr, &set), JET_OK);
	assert_int_equal(set.n, 1);
	assert_string_equal(set.keys[0]->kid, kid);
	assert_int_equal(set.keys[0]->alg, JET_JWS_ES256);
	assert_false(set.keys[0]->has_private);

	assert_int_equal(jet_jws_parse(tok.data, tok.len, 1 << 16, &jws, err, sizeof(err)),
		JET_OK);
	assert_string_equal(jws.kid, kid);
	assert_string_equal(jws.typ, "at+jwt");
	assert_int_equal(jws.alg, JET_JWS_ES256);
	assert_int_equal(jet_jws_verify(&jws, set.keys[0]), JET_OK);
	assert_string_equal(json_string_value(json_object_get(jws.payload, "sub")), "d1");
	jet_jws_cleanup(&jws);

	/* A flipped byte in the signature no longer verifies: the check is real. */
	tok.data[tok.len - 2] = tok.data[tok.len - 2] == 'A' ? 'B' : 'A';
	assert_int_not_equal(kr_test_verify(&set, tok.data, tok.len, NULL), JET_OK);

	/* The JSON form is the same document; no private member anywhere. */
	doc = jet_keyring_jwks_json(kr, &v);
	assert_non_null(doc);
	assert_int_equal(v, 1);
	assert_int_equal(json_array_size(json_object_get(doc, "keys")), 1);
	assert_null(json_object_get(json_array_get(json_object_get(doc, "keys"), 0), "d"));
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(doc, "keys"), 0), "kid")), kid);
	json_decref(doc);

	jet_jwks_cleanup(&set);
	jet_buf_cleanup(&tok);
	json_decref(claims);
	jet_keyring_free(kr);
}

static void
sign_respects_the_output_bound(void **state)
{
	struct jet_keyring_policy pol = kr_test_policy(JET_JWS_ES256, 0);
	struct jet_keyring *kr = NULL;
	struct jet_buf tok;
	json_t *claims = json_pack("{s:s}", "sub", "d1");
	char dir[600], err[256] = "";

	kr_test_dir(dir, sizeof(dir), "kr-bound");
	assert_int_equal(jet_keyring_open(dir, &pol, T0, &kr, err, sizeof(err)), JET_OK);
	jet_buf_init(&tok, 32);
	assert_int_equal(jet_keyring_sign(kr, NULL, claims, &tok), JET_ETOOBIG);
	jet_buf_cleanup(&tok);
	jet_buf_init(&tok, 16);
	assert_int_equal(jet_keyring_jwks(kr, &tok, NULL), JET_ETOOBIG);
	jet_buf_cleanup(&tok);
	json_decref(claims);
	jet_keyring_free(kr);
}

static void
each_algorithm_signs_and_verifies(void **state)
{
	static const enum jet_jws_alg algs[] = { JET_JWS_ES256, JET_JWS_ES384, JET_JWS_EDDSA,
		JET_JWS_RS256, JET_JWS_PS256 };

	for (size_t i = 0; i < JET_ARRAY_LEN(algs); i++) {
		struct jet_keyring_policy pol = kr_test_policy(algs[i], 0);
		struct jet_keyring *kr = NULL;
		char dir[600], kid[JET_JWK_KID_MAX + 1], err[256] = "";

		kr_test_dir(dir, sizeof(dir), "kr-alg");
		assert_int_equal(jet_keyring_open(dir, &pol, T0, &kr, err, sizeof(err)), JET_OK);
		jet_keyring_signing_kid(kr, kid);
		assert_int_equal(kr_test_info(kr, kid)->alg, algs[i]);
		assert_int_equal(kr_test_sign_verify(kr, NULL), JET_OK);
		jet_keyring_free(kr);
		/* And again from the file. */
		assert_int_equal(jet_keyring_open(dir, &pol, T0 + 1, &kr, err, sizeof(err)),
			JET_OK);
		assert_int_equal(kr_test_sign_verify(kr, NULL), JET_OK);
		jet_keyring_free(kr);
	}
}

static void
invalid_policies_are_refused(void **state)
{
	struct jet_keyring_policy base = kr_test_policy(JET_JWS_ES256, 86400), p;
	struct jet_keyring *kr = (struct jet_keyring *)&base;
	char dir[600], err[256] = "";

	kr_test_dir(dir, sizeof(dir), "kr-policy");
	p = base;
	p.alg = JET_JWS_HS256;
	assert_int_equal(jet_keyring_open(dir, &p, T0, &kr, err, sizeof(err)), JET_EINVAL);
	assert_null(kr);
	p = base;
	p.token_lifetime_s = 0;
	assert_int_equal(jet_keyring_open(dir, &p, T0, &kr, err, sizeof(err)), JET_EINVAL);
	p = base;
	p.leeway_s = -1;
	assert_int_equal(jet_keyring_open(dir, &p, T0, &kr, err, sizeof(err)), JET_EINVAL);
	p = base;
	p.rotation_s = p.prepublish_s; /* must be longer than the prepublication */
	assert_int_equal(jet_keyring_open(dir, &p, T0, &kr, err, sizeof(err)), JET_EINVAL);
	p = base;
	p.prepublish_s = -5;
	assert_int_equal(jet_keyring_open(dir, &p, T0, &kr, err, sizeof(err)), JET_EINVAL);
	p = base;
	p.token_lifetime_s = INT64_MAX; /* would overflow retire_at */
	assert_int_equal(jet_keyring_open(dir, &p, T0, &kr, err, sizeof(err)), JET_EINVAL);
	assert_int_equal(jet_keyring_open(dir, &base, -1, &kr, err, sizeof(err)), JET_EINVAL);
	assert_int_equal(jet_keyring_open("", &base, T0, &kr, err, sizeof(err)), JET_EINVAL);
	/* Nothing was created by the refused opens. */
	assert_int_equal(kr_test_count_pem(dir), -1);
	/* The boundary itself is fine. */
	p = base;
	p.rotation_s = p.prepublish_s + 1;
	assert_int_equal(jet_keyring_open(dir, &p, T0, &kr, err, sizeof(err)), JET_OK);
	jet_keyring_free(kr);
	jet_keyring_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_open_creates_one_key),
		cmocka_unit_test(reopen_loads_the_same_key),
		cmocka_unit_test(sign_verifies_against_published_jwks),
		cmocka_unit_test(sign_respects_the_output_bound),
		cmocka_unit_test(each_algorithm_signs_and_verifies),
		cmocka_unit_test(invalid_policies_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
