/*
 * Unit tests for lib/keyring, the timeline: a manual rotation (the new key
 * signs at once, the old one stays published for lifetime + leeway, then
 * its file goes); the automatic schedule (prepublished, activated, retired
 * on time); algorithm changes; a second handle on the same directory (the
 * CLI) whose rotation the first sees on its next tick; revocation; the key
 * count limit.
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

#define KID_LEN (JET_JWK_KID_MAX + 1)
#define GRACE (600 + 60) /* kr_test_policy: lifetime + leeway */

static int
tick(struct jet_keyring *kr, int64_t now, bool *changed)
{
	char err[256] = "";
	int rc = jet_keyring_tick(kr, now, changed, err, sizeof(err));

	if (rc != JET_OK)
		print_error("tick: %s\n", err);
	return rc;
}

/* A token signed now, to be verified later. */
static void
sign_token(struct jet_keyring *kr, struct jet_buf *tok)
{
	json_t *claims = json_pack("{s:s}", "sub", "d1");

	jet_buf_init(tok, 1 << 16);
	assert_int_equal(jet_keyring_sign(kr, "at+jwt", claims, tok), JET_OK);
	json_decref(claims);
}

static int
verify_now(struct jet_keyring *kr, const struct jet_buf *tok)
{
	struct jet_jwks set = { 0 };
	int rc = kr_test_jwks(kr, &set);

	if (rc == JET_OK)
		rc = kr_test_verify(&set, tok->data, tok->len, NULL);
	jet_jwks_cleanup(&set);
	return rc;
}

static void
manual_rotation(void **state)
{
	struct jet_keyring_policy pol = kr_test_policy(JET_JWS_ES256, 0);
	struct jet_keyring *kr = NULL;
	struct jet_jwks set = { 0 };
	struct jet_buf old_tok;
	char dir[600], a[KID_LEN], b[KID_LEN], used[KID_LEN], err[256] = "";
	const struct jet_keyring_info *inf;
	const int64_t t = T0 + 100;
	bool changed = true;
	uint64_t v;

	kr_test_dir(dir, sizeof(dir), "kr-manual");
	assert_int_equal(jet_keyring_open(dir, &pol, T0, &kr, err, sizeof(err)), JET_OK);
	jet_keyring_signing_kid(kr, a);
	sign_token(kr, &old_tok);
	v = jet_keyring_version(kr);

	assert_int_equal(jet_keyring_rotate(kr, t, b, err, sizeof(err)), JET_OK);
	assert_string_not_equal(a, b);
	assert_int_equal(jet_keyring_version(kr), v + 1);
	/* The new key signs at once. */
	assert_int_equal(kr_test_sign_verify(kr, used), JET_OK);
	assert_string_equal(used, b);
	assert_int_equal(kr_test_mode(dir, b, ".pem"), 0600);
	/* The old one is retiring, published after the new one. */
	inf = kr_test_info(kr, a);
	assert_non_null(inf);
	assert_int_equal(inf->state, JET_KEYRING_RETIRING);
	assert_int_equal(inf->retire_at, t + GRACE);
	assert_int_equal(kr_test_info(kr, b)->state, JET_KEYRING_ACTIVE);
	assert_int_equal(kr_test_jwks(kr, &set), JET_OK);
	assert_int_equal(set.n, 2);
	assert_string_equal(set.keys[0]->kid, b);
	assert_string_equal(set.keys[1]->kid, a);
	jet_jwks_cleanup(&set);
	/* Tokens it signed still verify. */
	assert_int_equal(verify_now(kr, &old_tok), JET_OK);

	/* One second before retire_at: still there, nothing changed. */
	assert_int_equal(tick(kr, t + GRACE - 1, &changed), JET_OK);
	assert_false(changed);
	assert_true(kr_test_published(kr, a));
	assert_true(kr_test_exists(dir, a));
	assert_int_equal(jet_keyring_version(kr), v + 1);

	/* At retire_at: gone from the JWKS and from the disk. */
	assert_int_equal(tick(kr, t + GRACE, &changed), JET_OK);
	assert_true(changed);
	assert_int_equal(jet_keyring_version(kr), v + 2);
	assert_false(kr_test_published(kr, a));
	assert_true(kr_test_published(kr, b));
	assert_false(kr_test_exists(dir, a));
	assert_int_equal(kr_test_count_pem(dir), 1);
	assert_null(kr_test_info(kr, a));
	assert_int_equal(verify_now(kr, &old_tok), JET_ENOTFOUND);
	jet_buf_cleanup(&old_tok);
	jet_keyring_free(kr);

	/* And the directory says so too. */
	assert_int_equal(jet_keyring_open(dir, &pol, t + GRACE + 1, &kr, err, sizeof(err)),
		JET_OK);
	assert_int_equal(kr_test_nkeys(kr), 1);
	jet_keyring_signing_kid(kr, used);
	assert_string_equal(used, b);
	jet_keyring_free(kr);
}

static void
automatic_schedule(void **state)
{
	const int64_t day = 86400, pre = 3600;
	struct jet_keyring_policy pol = kr_test_policy(JET_JWS_ES256, day);
	struct jet_keyring *kr = NULL;
	struct jet_jwks set = { 0 };
	char dir[600], a[KID_LEN], b[KID_LEN], k[KID_LEN], err[256] = "";
	struct jet_keyring_info info[JET_KEYRING_MAX_KEYS];
	bool changed = false;
	size_t n;

	kr_test_dir(dir, sizeof(dir), "kr-auto");
	assert_int_equal(jet_keyring_open(dir, &pol, T0, &kr, err, sizeof(err)), JET_OK);
	jet_keyring_signing_kid(kr, a);

	/* Not yet time to publish the next key. */
	assert_int_equal(tick(kr, T0 + day - pre - 1, &changed), JET_OK);
	assert_false(changed);
	assert_int_equal(kr_test_nkeys(kr), 1);

	/* prepublish_s before the rotation: the next key is published. */
	assert_int_equal(tick(kr, T0 + day - pre, &changed), JET_OK);
	assert_true(changed);
	jet_keyring_list(kr, info, JET_ARRAY_LEN(info), &n);
	assert_int_equal(n, 2);
	assert_string_equal(info[0].kid, a);
	assert_int_equal(info[0].state, JET_KEYRING_ACTIVE);
	assert_int_equal(info[1].state, JET_KEYRING_NEXT);
	assert_int_equal(info[1].activate_at, T0 + day);
	assert_int_equal(info[1].created, T0 + day - pre);
	assert_int_equal(info[1].retire_at, 0);
	memcpy(b, info[1].kid, KID_LEN);
	assert_true(kr_test_published(kr, b));
	assert_int_equal(kr_test_mode(dir, b, ".pem"), 0600);
	assert_int_equal(kr_test_jwks(kr, &set), JET_OK);
	assert_string_equal(set.keys[0]->kid, a); /* the signing key first */
	jet_jwks_cleanup(&set);

	/* Until activate_at the old key signs; ticks change nothing. */
	assert_int_equal(tick(kr, T0 + day - 1, &changed), JET_OK);
	assert_false(changed);
	assert_int_equal(kr_test_sign_verify(kr, k), JET_OK);
	assert_string_equal(k, a);

	/* On time: the next key signs, the old one retires on schedule. */
	assert_int_equal(tick(kr, T0 + day, &changed), JET_OK);
	assert_true(changed);
	assert_int_equal(kr_test_sign_verify(kr, k), JET_OK);
	assert_string_equal(k, b);
	assert_int_equal(kr_test_info(kr, a)->state, JET_KEYRING_RETIRING);
	assert_int_equal(kr_test_info(kr, a)->retire_at, T0 + day + GRACE);
	assert_int_equal(kr_test_info(kr, b)->state, JET_KEYRING_ACTIVE);
	assert_int_equal(kr_test_jwks(kr, &set), JET_OK);
	assert_string_equal(set.keys[0]->kid, b);
	assert_string_equal(set.keys[1]->kid, a);
	jet_jwks_cleanup(&set);

	assert_int_equal(tick(kr, T0 + day + GRACE - 1, &changed), JET_OK);
	assert_false(changed);
	assert_true(kr_test_exists(dir, a));
	assert_int_equal(tick(kr, T0 + day + GRACE, &changed), JET_OK);
	assert_true(changed);
	assert_false(kr_test_published(kr, a));
	assert_false(kr_test_exists(dir, a));
	assert_int_equal(kr_test_nkeys(kr), 1);

	/* The schedule goes on from b's activation. */
	assert_int_equal(tick(kr, T0 + 2 * day - pre, &changed), JET_OK);
	assert_true(changed);
	jet_keyring_list(kr, info, JET_ARRAY_LEN(info), &n);
	assert_int_equal(n, 2);
	assert_int_equal(info[1].activate_at, T0 + 2 * day);
	jet_keyring_free(kr);
}

static void
late_tick_still_prepublishes(void **state)
{
	const int64_t day = 86400, pre = 3600;
	struct jet_keyring_policy pol = kr_test_policy(JET_JWS_ES256, day);
	struct jet_keyring *kr = NULL;
	struct jet_keyring_info info[JET_KEYRING_MAX_KEYS];
	char dir[600], a[KID_LEN], k[KID_LEN], err[256] = "";
	const int64_t late = T0 + 10 * day;
	size_t n;

	kr_test_dir(dir, sizeof(dir), "kr-late");
	assert_int_equal(jet_keyring_open(dir, &pol, T0, &kr, err, sizeof(err)), JET_OK);
	jet_keyring_signing_kid(kr, a);
	jet_keyring_free(kr);

	/* The service was down for ten days: the overdue key is still
	 * published prepublish_s before it signs, never sprung on verifiers. */
	assert_int_equal(jet_keyring_open(dir, &pol, late, &kr, err, sizeof(err)), JET_OK);
	jet_keyring_list(kr, info, JET_ARRAY_LEN(info), &n);
	assert_int_equal(n, 2);
	assert_int_equal(info[1].state, JET_KEYRING_NEXT);
	assert_int_equal(info[1].activate_at, late + pre);
	jet_keyring_signing_kid(kr, k);
	assert_string_equal(k, a);
	/* The first tick after activation takes over. */
	assert_int_equal(tick(kr, late + pre + 30, NULL), JET_OK);
	jet_keyring_signing_kid(kr, k);
	assert_string_equal(k, info[1].kid);
	assert_int_equal(kr_test_info(kr, a)->retire_at, late + pre + 30 + GRACE);
	jet_keyring_free(kr);
}

static void
algorithm_changes(void **state)
{
	struct jet_keyring_policy pol = kr_test_policy(JET_JWS_ES256, 86400);
	struct jet_keyring *kr = NULL;
	struct jet_jwks set = { 0 };
	struct jet_keyring_info info[JET_KEYRING_MAX_KEYS];
	char dir[600], a[KID_LEN], next[KID_LEN], b[KID_LEN], c[KID_LEN], k[KID_LEN];
	char err[256] = "";
	struct jet_buf tok;
	struct jet_jws jws;
	json_t *claims;
	size_t n;

	kr_test_dir(dir, sizeof(dir), "kr-algs");
	assert_int_equal(jet_keyring_open(dir, &pol, T0, &kr, err, sizeof(err)), JET_OK);
	jet_keyring_signing_kid(kr, a);
	/* An ES256 key is scheduled. */
	assert_int_equal(tick(kr, T0 + 86400 - 3600, NULL), JET_OK);
	jet_keyring_list(kr, info, JET_ARRAY_LEN(info), &n);
	assert_int_equal(n, 2);
	memcpy(next, info[1].kid, KID_LEN);
	jet_keyring_free(kr);

	/* ES256 -> EdDSA: an EdDSA key signs now; the ES256 key retires; the
	 * scheduled ES256 key, which never signed, is dropped. */
	pol.alg = JET_JWS_EDDSA;
	assert_int_equal(jet_keyring_open(dir, &pol, T0 + 86400 - 3000, &kr, err, sizeof(err)),
		JET_OK);
	jet_keyring_signing_kid(kr, b);
	assert_string_not_equal(a, b);
	assert_int_equal(kr_test_info(kr, b)->alg, JET_JWS_EDDSA);
	assert_int_equal(kr_test_info(kr, a)->state, JET_KEYRING_RETIRING);
	assert_int_equal(kr_test_info(kr, a)->retire_at, T0 + 86400 - 3000 + GRACE);
	assert_null(kr_test_info(kr, next));
	assert_false(kr_test_exists(dir, next));
	assert_int_equal(kr_test_sign_verify(kr, k), JET_OK);
	assert_string_equal(k, b);
	jet_buf_init(&tok, 4096);
	claims = json_object();
	assert_int_equal(jet_keyring_sign(kr, NULL, claims, &tok), JET_OK);
	json_decref(claims);
	assert_int_equal(jet_jws_parse(tok.data, tok.len, 1 << 16, &jws, err, sizeof(err)),
		JET_OK);
	assert_int_equal(jws.alg, JET_JWS_EDDSA);
	jet_jws_cleanup(&jws);
	jet_buf_cleanup(&tok);
	jet_keyring_free(kr);

	/* EdDSA -> RS256, a minute later. */
	pol.alg = JET_JWS_RS256;
	assert_int_equal(jet_keyring_open(dir, &pol, T0 + 86400 - 2940, &kr, err, sizeof(err)),
		JET_OK);
	jet_keyring_signing_kid(kr, c);
	assert_int_equal(kr_test_info(kr, c)->alg, JET_JWS_RS256);
	assert_int_equal(kr_test_info(kr, b)->state, JET_KEYRING_RETIRING);
	assert_int_equal(kr_test_sign_verify(kr, k), JET_OK);
	assert_string_equal(k, c);
	/* Published: the RS256 key, then the retiring ones newest first. */
	assert_int_equal(kr_test_jwks(kr, &set), JET_OK);
	assert_int_equal(set.n, 3);
	assert_string_equal(set.keys[0]->kid, c);
	assert_string_equal(set.keys[1]->kid, b);
	assert_string_equal(set.keys[2]->kid, a);
	assert_int_equal(set.keys[0]->alg, JET_JWS_RS256);
	assert_int_equal(set.keys[1]->alg, JET_JWS_EDDSA);
	assert_int_equal(set.keys[2]->alg, JET_JWS_ES256);
	jet_jwks_cleanup(&set);

	/* Reopening with the same policy changes nothing more. */
	jet_keyring_free(kr);
	assert_int_equal(jet_keyring_open(dir, &pol, T0 + 86400 - 2900, &kr, err, sizeof(err)),
		JET_OK);
	jet_keyring_signing_kid(kr, k);
	assert_string_equal(k, c);
	assert_int_equal(kr_test_nkeys(kr), 3);

	/* Both old keys leave on their own schedules. */
	assert_int_equal(tick(kr, T0 + 86400 - 3000 + GRACE, NULL), JET_OK);
	assert_false(kr_test_published(kr, a));
	assert_true(kr_test_published(kr, b));
	assert_int_equal(tick(kr, T0 + 86400 - 2940 + GRACE, NULL), JET_OK);
	assert_false(kr_test_published(kr, b));
	assert_int_equal(kr_test_count_pem(dir), 1);
	jet_keyring_free(kr);
}

static void
second_handle_rotation_reaches_the_first(void **state)
{
	struct jet_keyring_policy svc = kr_test_policy(JET_JWS_EDDSA, 0);
	struct jet_keyring_policy cli = kr_test_policy(JET_JWS_UNKNOWN, 0);
	struct jet_keyring *kr = NULL, *kr2 = NULL;
	char dir[600], a[KID_LEN], b[KID_LEN], k[KID_LEN], err[256] = "";
	bool changed = false;
	uint64_t v;

	kr_test_dir(dir, sizeof(dir), "kr-two");
	assert_int_equal(jet_keyring_open(dir, &svc, T0, &kr, err, sizeof(err)), JET_OK);
	jet_keyring_signing_kid(kr, a);
	v = jet_keyring_version(kr);

	/* The CLI: no algorithm of its own, so it changes nothing on open. */
	assert_int_equal(jet_keyring_open(dir, &cli, T0 + 5, &kr2, err, sizeof(err)), JET_OK);
	jet_keyring_signing_kid(kr2, k);
	assert_string_equal(k, a);
	assert_int_equal(jet_keyring_rotate(kr2, T0 + 10, b, err, sizeof(err)), JET_OK);
	assert_int_equal(kr_test_info(kr2, b)->alg, JET_JWS_EDDSA); /* kept */
	jet_keyring_free(kr2);

	/* The service still signs with a until its tick. */
	jet_keyring_signing_kid(kr, k);
	assert_string_equal(k, a);
	assert_int_equal(tick(kr, T0 + 12, &changed), JET_OK);
	assert_true(changed);
	assert_true(jet_keyring_version(kr) > v);
	assert_int_equal(kr_test_sign_verify(kr, k), JET_OK);
	assert_string_equal(k, b);
	assert_true(kr_test_published(kr, a));
	/* The retirement the CLI wrote is kept, not recomputed. */
	assert_int_equal(kr_test_info(kr, a)->retire_at, T0 + 10 + GRACE);

	/* A second tick with nothing new changes nothing. */
	assert_int_equal(tick(kr, T0 + 13, &changed), JET_OK);
	assert_false(changed);
	assert_int_equal(tick(kr, T0 + 10 + GRACE, &changed), JET_OK);
	assert_true(changed);
	assert_false(kr_test_exists(dir, a));
	jet_keyring_free(kr);
}

static void
revocation(void **state)
{
	struct jet_keyring_policy pol = kr_test_policy(JET_JWS_ES256, 0);
	struct jet_keyring *kr = NULL;
	char dir[600], a[KID_LEN], b[KID_LEN], c[KID_LEN], err[256] = "";

	kr_test_dir(dir, sizeof(dir), "kr-revoke");
	assert_int_equal(jet_keyring_open(dir, &pol, T0, &kr, err, sizeof(err)), JET_OK);
	jet_keyring_signing_kid(kr, a);
	assert_int_equal(jet_keyring_rotate(kr, T0 + 1, b, err, sizeof(err)), JET_OK);

	/* A retiring key goes at once. */
	assert_int_equal(jet_keyring_revoke(kr, a, T0 + 2, err, sizeof(err)), JET_OK);
	assert_false(kr_test_published(kr, a));
	assert_false(kr_test_exists(dir, a));

	/* The signing key: a new one takes over first, then it goes. */
	assert_int_equal(jet_keyring_revoke(kr, b, T0 + 3, err, sizeof(err)), JET_OK);
	jet_keyring_signing_kid(kr, c);
	assert_string_not_equal(c, b);
	assert_false(kr_test_published(kr, b));
	assert_false(kr_test_exists(dir, b));
	assert_int_equal(kr_test_nkeys(kr), 1);
	assert_int_equal(kr_test_sign_verify(kr, NULL), JET_OK);

	assert_int_equal(jet_keyring_revoke(kr, b, T0 + 4, err, sizeof(err)), JET_ENOTFOUND);
	assert_int_equal(jet_keyring_revoke(kr, "../x", T0 + 4, err, sizeof(err)), JET_EINVAL);
	jet_keyring_free(kr);
}

static void
key_count_limit(void **state)
{
	struct jet_keyring_policy pol = kr_test_policy(JET_JWS_EDDSA, 0);
	struct jet_keyring *kr = NULL;
	char dir[600], k[KID_LEN], err[256] = "";
	uint64_t v;

	kr_test_dir(dir, sizeof(dir), "kr-limit");
	assert_int_equal(jet_keyring_open(dir, &pol, T0, &kr, err, sizeof(err)), JET_OK);
	for (int i = 1; i < JET_KEYRING_MAX_KEYS; i++)
		assert_int_equal(jet_keyring_rotate(kr, T0 + i, NULL, err, sizeof(err)), JET_OK);
	assert_int_equal(kr_test_nkeys(kr), JET_KEYRING_MAX_KEYS);
	jet_keyring_signing_kid(kr, k);
	v = jet_keyring_version(kr);

	/* One more is refused, and leaves neither a stray file nor a change. */
	assert_int_equal(jet_keyring_rotate(kr, T0 + 100, NULL, err, sizeof(err)), JET_ETOOBIG);
	assert_int_equal(kr_test_count_pem(dir), JET_KEYRING_MAX_KEYS);
	assert_int_equal(jet_keyring_version(kr), v);
	jet_keyring_signing_kid(kr, err);
	assert_string_equal(err, k);
	jet_keyring_free(kr);

	/* 32 keys load again. */
	assert_int_equal(jet_keyring_open(dir, &pol, T0 + 101, &kr, err, sizeof(err)), JET_OK);
	assert_int_equal(kr_test_nkeys(kr), JET_KEYRING_MAX_KEYS);
	jet_keyring_free(kr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(manual_rotation),
		cmocka_unit_test(automatic_schedule),
		cmocka_unit_test(late_tick_still_prepublishes),
		cmocka_unit_test(algorithm_changes),
		cmocka_unit_test(second_handle_rotation_reaches_the_first),
		cmocka_unit_test(revocation),
		cmocka_unit_test(key_count_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
