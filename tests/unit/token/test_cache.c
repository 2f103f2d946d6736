/*
 * test_cache.c - the verified-token cache: hits are counted and still
 * checked (certificate binding, revocation, expiry against the caller's
 * clock), refused tokens never enter, the LRU bound holds, and four
 * threads verifying at once agree with one.
 */
#include <pthread.h>

#include "tokentest.h"

static struct jet_jwk *key;
static char *jwks;
static struct jet_issuer_conf ic;

static int
setup(void **state)
{
	(void)state;
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
	return 0;
}

static struct jet_verifier *
verifier(uint64_t entries)
{
	struct jet_verifier_conf conf;

	jet_verifier_conf_default(&conf);
	conf.issuers = &ic;
	conf.nissuers = 1;
	conf.cache_entries = entries;
	return tt_verifier_conf(&conf);
}

/* Token number i: its own jti and sub; bound to TT_X5T when bound. */
static char *
token_n(int i, bool bound)
{
	json_t *c = tt_claims();
	char s[64];
	char *t;

	snprintf(s, sizeof(s), "jti-%d", i);
	json_object_set_new(c, "jti", json_string(s));
	snprintf(s, sizeof(s), "client-%d", i);
	json_object_set_new(c, "sub", json_string(s));
	if (bound)
		json_object_set_new(c, "cnf", json_pack("{s:s}", "x5t#S256", TT_X5T));
	t = tt_sign(key, "at+jwt", c);
	json_decref(c);
	return t;
}

static void
test_hit(void **state)
{
	struct jet_verifier *v = verifier(16);
	struct jet_principal p1, p2;
	char *t = token_n(1, false);
	struct jet_verifier_stats st;

	(void)state;
	assert_int_equal(tt_verify_at(v, t, NULL, TT_NOW, &p1, NULL), JET_OK);
	st = tt_stats(v);
	assert_int_equal(st.cache_misses, 1);
	assert_int_equal(st.cache_hits, 0);
	assert_int_equal(tt_verify_at(v, t, NULL, TT_NOW, &p2, NULL), JET_OK);
	st = tt_stats(v);
	assert_int_equal(st.cache_misses, 1);
	assert_int_equal(st.cache_hits, 1);
	assert_int_equal(st.verified, 2);
	assert_memory_equal(&p1, &p2, sizeof(p1));
	assert_string_equal(p2.sub, "client-1");
	free(t);

	/* A refused token is never cached: the same forgery twice, two misses
	 * and two full refusals. */
	t = token_n(2, false);
	t[strlen(t) - 5] = t[strlen(t) - 5] == 'A' ? 'B' : 'A';
	assert_string_equal(tt_why(v, t), "bad signature");
	assert_string_equal(tt_why(v, t), "bad signature");
	st = tt_stats(v);
	assert_int_equal(st.cache_misses, 3);
	assert_int_equal(st.cache_hits, 1);
	assert_int_equal(st.rejected, 2);
	free(t);
	jet_verifier_free(v);

	/* cache_entries 0: no cache at all. */
	v = verifier(0);
	t = token_n(3, false);
	assert_string_equal(tt_why(v, t), "");
	assert_string_equal(tt_why(v, t), "");
	st = tt_stats(v);
	assert_int_equal(st.cache_hits, 0);
	assert_int_equal(st.cache_misses, 0);
	assert_int_equal(st.verified, 2);
	free(t);
	jet_verifier_free(v);
}

static void
test_binding_on_hit(void **state)
{
	struct jet_verifier *v = verifier(16);
	char *t = token_n(1, true), other[44];
	const char *why = NULL;

	(void)state;
	assert_int_equal(tt_verify_at(v, t, TT_X5T, TT_NOW, NULL, NULL), JET_OK);
	assert_int_equal(tt_stats(v).cache_misses, 1);
	/* From the cache now: another certificate, or none, is refused. */
	snprintf(other, sizeof(other), "%s", TT_X5T);
	other[5] = other[5] == 'A' ? 'B' : 'A';
	assert_int_equal(tt_verify_at(v, t, other, TT_NOW, NULL, &why), JET_EPERM);
	assert_string_equal(why, "certificate binding");
	assert_int_equal(tt_verify_at(v, t, NULL, TT_NOW, NULL, &why), JET_EPERM);
	assert_string_equal(why, "certificate binding");
	assert_int_equal(tt_stats(v).cache_hits, 2);
	/* The entry survives a wrong presenter; the right one still passes. */
	assert_int_equal(tt_verify_at(v, t, TT_X5T, TT_NOW, NULL, NULL), JET_OK);
	assert_int_equal(tt_stats(v).cache_hits, 3);
	assert_int_equal(tt_stats(v).cache_misses, 1);
	free(t);
	jet_verifier_free(v);
}

static void
test_revoke(void **state)
{
	struct jet_verifier *v = verifier(16);
	char *t1 = token_n(1, false), *t2 = token_n(2, false), *t3 = token_n(3, false);

	(void)state;
	assert_string_equal(tt_why(v, t1), "");
	assert_string_equal(tt_why(v, t1), "");
	assert_int_equal(tt_stats(v).cache_hits, 1);
	jet_verifier_revoke(v, "jti-1", tt_rev_exp());
	assert_int_equal(tt_stats(v).revocations, 1);
	assert_string_equal(tt_why(v, t1), "revoked");
	/* Dropped from the cache: the next attempt is a miss, refused again. */
	assert_string_equal(tt_why(v, t1), "revoked");
	assert_int_equal(tt_stats(v).cache_hits, 2);
	assert_int_equal(tt_stats(v).cache_misses, 2);
	/* Others are untouched; a revocation before first sight works too. */
	assert_string_equal(tt_why(v, t2), "");
	jet_verifier_revoke(v, "jti-3", tt_rev_exp());
	assert_string_equal(tt_why(v, t3), "revoked");
	/* Idempotent; NULL and "" are ignored. */
	jet_verifier_revoke(v, "jti-3", tt_rev_exp());
	jet_verifier_revoke(v, NULL, 0);
	jet_verifier_revoke(v, "", 0);
	assert_int_equal(tt_stats(v).revocations, 2);
	free(t1);
	free(t2);
	free(t3);
	jet_verifier_free(v);
}

static void
test_expiry(void **state)
{
	struct jet_verifier *v = verifier(16);
	char *t = token_n(1, false); /* exp TT_NOW + 600, leeway 60 */
	const char *why = NULL;

	(void)state;
	assert_int_equal(tt_verify_at(v, t, NULL, TT_NOW, NULL, NULL), JET_OK);
	assert_int_equal(tt_verify_at(v, t, NULL, TT_NOW + 659, NULL, NULL), JET_OK);
	assert_int_equal(tt_stats(v).cache_hits, 1);
	assert_int_equal(tt_verify_at(v, t, NULL, TT_NOW + 660, NULL, &why), JET_EPERM);
	assert_string_equal(why, "expired");
	assert_int_equal(tt_stats(v).cache_hits, 2);
	/* Dropped: a later look is a miss (and still expired). */
	assert_int_equal(tt_verify_at(v, t, NULL, TT_NOW + 660, NULL, &why), JET_EPERM);
	assert_string_equal(why, "expired");
	assert_int_equal(tt_stats(v).cache_misses, 2);
	free(t);
	jet_verifier_free(v);
}

static void
test_lru_bound(void **state)
{
	struct jet_verifier *v = verifier(8);
	char *t[100];
	struct jet_verifier_stats st;

	(void)state;
	for (int i = 0; i < 100; i++) {
		t[i] = token_n(i, false);
		assert_string_equal(tt_why(v, t[i]), "");
	}
	st = tt_stats(v);
	assert_int_equal(st.cache_misses, 100);
	/* The 8 most recent are there... */
	for (int i = 92; i < 100; i++)
		assert_string_equal(tt_why(v, t[i]), "");
	st = tt_stats(v);
	assert_int_equal(st.cache_hits, 8);
	/* ...and the 9th most recent is not: at most 8 entries. */
	assert_string_equal(tt_why(v, t[91]), "");
	assert_int_equal(tt_stats(v).cache_misses, 101);
	/* Cycling through more tokens than entries misses every time. */
	for (int i = 0; i < 91; i++)
		assert_string_equal(tt_why(v, t[i]), "");
	st = tt_stats(v);
	assert_int_equal(st.cache_hits, 8);
	assert_int_equal(st.cache_misses, 192);
	/* Least recently used goes first: touching t[83] keeps it while t[84]
	 * .. t[90] and the new ones push older entries out. */
	assert_string_equal(tt_why(v, t[83]), ""); /* hit */
	assert_string_equal(tt_why(v, t[99]), ""); /* miss: evicts t[84] */
	assert_string_equal(tt_why(v, t[83]), ""); /* hit */
	assert_string_equal(tt_why(v, t[84]), ""); /* miss */
	st = tt_stats(v);
	assert_int_equal(st.cache_hits, 10);
	assert_int_equal(st.cache_misses, 194);
	for (int i = 0; i < 100; i++)
		free(t[i]);
	jet_verifier_free(v);
}

/* ------------------------------------------------------------------------
 * Threads
 * --------------------------------------------------------------------- */

#define NTHREADS 4
#define NTOKENS 16
#define ROUNDS 400

struct worker {
	struct jet_verifier *v;
	char **tokens;
	int id;
	int failures;
};

static void *
work(void *arg)
{
	struct worker *w = arg;

	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < NTOKENS; i++) {
			int k = (i + w->id * 5) % NTOKENS;
			bool bound = k % 4 == 0;
			struct jet_principal p;
			const char *why = NULL;
			char sub[32];
			int rc;

			rc = tt_verify_at(w->v, w->tokens[k], bound ? TT_X5T : NULL, TT_NOW, &p, &why);
			snprintf(sub, sizeof(sub), "client-%d", k);
			if (k == NTOKENS - 1) {
				/* Revoked by the main thread before the start. */
				if (rc != JET_EPERM || strcmp(why, "revoked") != 0)
					w->failures++;
			} else if (rc != JET_OK || strcmp(p.sub, sub) != 0 ||
				p.ngrants != 2) {
				w->failures++;
			}
		}
		/* Revocations of other jtis while the others read. */
		if (r % 50 == 0) {
			char jti[32];

			snprintf(jti, sizeof(jti), "other-%d-%d", w->id, r);
			jet_verifier_revoke(w->v, jti, tt_rev_exp());
		}
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct jet_verifier *v = verifier(8); /* fewer entries than tokens: evictions too */
	char *tokens[NTOKENS];
	struct worker w[NTHREADS];
	pthread_t th[NTHREADS];
	struct jet_verifier_stats st;

	(void)state;
	for (int i = 0; i < NTOKENS; i++)
		tokens[i] = token_n(i, i % 4 == 0);
	jet_verifier_revoke(v, "jti-15", tt_rev_exp());
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ v, tokens, i, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL); /* all of them before any assertion */
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(w[i].failures, 0);
	st = tt_stats(v);
	assert_int_equal(st.verified, NTHREADS * ROUNDS * (NTOKENS - 1));
	assert_int_equal(st.rejected, NTHREADS * ROUNDS);
	assert_int_equal(st.cache_hits + st.cache_misses, NTHREADS * ROUNDS * NTOKENS);
	assert_int_equal(st.revocations, 1 + NTHREADS * (ROUNDS / 50));
	for (int i = 0; i < NTOKENS; i++)
		free(tokens[i]);
	jet_verifier_free(v);

	/* And with a cache large enough: after the first round, all hits. */
	v = verifier(64);
	for (int i = 0; i < NTOKENS; i++)
		tokens[i] = token_n(i, i % 4 == 0);
	jet_verifier_revoke(v, "jti-15", tt_rev_exp());
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ v, tokens, i, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL); /* all of them before any assertion */
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(w[i].failures, 0);
	st = tt_stats(v);
	/* Each token misses at most once per thread that raced to it first;
	 * the revoked one misses every time (it never enters). */
	assert_true(st.cache_misses <= (uint64_t)NTHREADS * (NTOKENS - 1) +
		(uint64_t)NTHREADS * ROUNDS);
	assert_true(st.cache_hits >= (uint64_t)NTHREADS * (ROUNDS - 1) * (NTOKENS - 1));
	for (int i = 0; i < NTOKENS; i++)
		free(tokens[i]);
	jet_verifier_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit),
		cmocka_unit_test(test_binding_on_hit),
		cmocka_unit_test(test_revoke),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_lru_bound),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
