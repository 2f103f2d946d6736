/*
 * test_revocation.c - revocations through a real SQLite store: a token
 * revoked in the store stops working at every verifier within a couple of
 * poll intervals (50 ms here), cached or not; revocations present at start
 * apply from the first request; expired ones are not loaded; more than one
 * page of them arrives whole.
 */
#include <unistd.h>

#include "jet/log.h"
#include "jet/store.h"
#include "testnet.h"
#include "tokentest.h"

static struct jet_jwk *key;
static char *jwks;
static struct jet_issuer_conf ic;

static int
setup(void **state)
{
	char err[128];

	(void)state;
	jet_log_open("off", "off", JET_LOG_ERROR, err, sizeof(err));
	key = tt_key(JET_JWS_ES256, "k1");
	jwks = tt_jwks(&key, 1);
	tt_issuer(&ic, jwks, JET_PROFILE_JETSTREAM);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	jet_jwk_free(key);
	free(jwks);
	jet_log_close();
	return 0;
}

static struct jet_store *
store_open(const char *tag)
{
	char dir[512], url[600], err[256];
	struct jet_store *s = NULL;

	jet_test_tmpdir(dir, sizeof(dir), tag);
	snprintf(url, sizeof(url), "sqlite:%s/jetstream.db", dir);
	unlink(url + 7);
	if (jet_store_open(url, &s, err, sizeof(err)) != JET_OK)
		fail_msg("jet_store_open: %s", err);
	return s;
}

static struct jet_verifier *
verifier(struct jet_store *s)
{
	struct jet_verifier_conf conf;

	jet_verifier_conf_default(&conf);
	conf.issuers = &ic;
	conf.nissuers = 1;
	conf.store = s;
	conf.revocation_poll_ms = 50;
	return tt_verifier_conf(&conf);
}

static char *
token_jti(const char *jti)
{
	json_t *c = tt_claims();
	char *t;

	json_object_set_new(c, "jti", json_string(jti));
	t = tt_sign(key, "at+jwt", c);
	json_decref(c);
	return t;
}

/* Verifies until refused as revoked (at most 2 s); the milliseconds it
 * took. */
static uint64_t
until_revoked(struct jet_verifier *v, const char *tok)
{
	uint64_t start = jet_now_ms(), deadline = start + 2000;
	const char *why = "";

	while (jet_now_ms() < deadline) {
		why = tt_why(v, tok);
		if (strcmp(why, "revoked") == 0)
			return jet_now_ms() - start;
		assert_string_equal(why, "");
		usleep(5000);
	}
	fail_msg("still accepted after 2 s (last: \"%s\")", why);
	return 0;
}

static void
test_poll(void **state)
{
	struct jet_store *s = store_open("token-rev-poll");
	struct jet_verifier *v1 = verifier(s), *v2 = verifier(s);
	char *t = token_jti("jti-r1"), *other = token_jti("jti-r2");
	uint64_t ms1, ms2;

	(void)state;
	/* Accepted and cached at both verifiers. */
	assert_string_equal(tt_why(v1, t), "");
	assert_string_equal(tt_why(v1, t), "");
	assert_string_equal(tt_why(v2, t), "");
	assert_int_equal(tt_stats(v1).cache_hits, 1);
	assert_int_equal(jet_store_revoke(s, "jti-r1", "client-1", tt_rev_exp()), JET_OK);
	ms1 = until_revoked(v1, t);
	ms2 = until_revoked(v2, t);
	/* Two poll intervals and scheduling slack. */
	assert_true(ms1 <= 1000);
	assert_true(ms2 <= 1000);
	assert_int_equal(tt_stats(v1).revocations, 1);
	assert_int_equal(tt_stats(v2).revocations, 1);
	/* Only that token. */
	assert_string_equal(tt_why(v1, other), "");
	/* Still refused later (cache dropped, set kept). */
	usleep(120 * 1000);
	assert_string_equal(tt_why(v1, t), "revoked");
	assert_string_equal(tt_why(v2, t), "revoked");
	free(t);
	free(other);
	jet_verifier_free(v1);
	jet_verifier_free(v2);
	jet_store_close(s);
}

static void
test_at_start(void **state)
{
	struct jet_store *s = store_open("token-rev-start");
	struct jet_verifier *v;
	char *t2 = token_jti("jti-r2"), *t3 = token_jti("jti-r3");
	int64_t wall = (int64_t)(jet_wall_ms() / 1000);

	(void)state;
	assert_int_equal(jet_store_revoke(s, "jti-r2", "client-1", tt_rev_exp()), JET_OK);
	/* Expired long ago: nothing to remember. */
	assert_int_equal(jet_store_revoke(s, "jti-r3", "client-1", wall - 3600), JET_OK);
	v = verifier(s);
	/* No waiting: read in jet_verifier_new. */
	assert_string_equal(tt_why(v, t2), "revoked");
	assert_int_equal(tt_stats(v).revocations, 1);
	assert_string_equal(tt_why(v, t3), "");
	free(t2);
	free(t3);
	jet_verifier_free(v);
	jet_store_close(s);
}

/* More revocations than one page of the feed (512): all of them arrive,
 * at start and by polling. */
static void
test_many(void **state)
{
	struct jet_store *s = store_open("token-rev-many");
	struct jet_verifier *v;
	char jti[32], *t;
	int64_t exp = tt_rev_exp();
	uint64_t deadline;

	(void)state;
	for (int i = 0; i < 600; i++) {
		snprintf(jti, sizeof(jti), "bulk-a-%d", i);
		assert_int_equal(jet_store_revoke(s, jti, "client-1", exp), JET_OK);
	}
	v = verifier(s);
	assert_int_equal(tt_stats(v).revocations, 600);
	t = token_jti("bulk-a-599");
	assert_string_equal(tt_why(v, t), "revoked");
	free(t);
	for (int i = 0; i < 600; i++) {
		snprintf(jti, sizeof(jti), "bulk-b-%d", i);
		assert_int_equal(jet_store_revoke(s, jti, "client-1", exp), JET_OK);
	}
	deadline = jet_now_ms() + 2000;
	while (tt_stats(v).revocations < 1200 && jet_now_ms() < deadline)
		usleep(5000);
	assert_int_equal(tt_stats(v).revocations, 1200);
	t = token_jti("bulk-b-0");
	assert_string_equal(tt_why(v, t), "revoked");
	free(t);
	t = token_jti("bulk-b-600");
	assert_string_equal(tt_why(v, t), "");
	free(t);
	jet_verifier_free(v);
	jet_store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poll),
		cmocka_unit_test(test_at_start),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
