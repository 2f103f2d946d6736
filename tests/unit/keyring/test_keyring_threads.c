/*
 * Unit tests for lib/keyring, threads: four threads sign (and read the
 * JWKS and the list) while a fifth rotates and ticks keys in and out of the
 * published set.  Nothing may crash or race (this suite runs under ASan and
 * UBSan in the sanitizer build), and every token must verify against the
 * union of the key sets that were published while it was signed.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jet/json.h"
#include "krtest.h"

#define SIGNERS 4
#define MAX_TOKENS 1500 /* per signer */
#define ROTATIONS 12

struct signer {
	struct jet_keyring *kr;
	atomic_bool *stop;
	char *tokens[MAX_TOKENS + 1]; /* kept for verification, then the final one */
	size_t n;                     /* kept */
	size_t signed_total;          /* kept or not */
	int failures;
	pthread_t thread;
};

static void *
signer_main(void *arg)
{
	struct signer *s = arg;
	json_t *claims = json_pack("{s:s, s:I}", "sub", "worker", "exp", (json_int_t)T0 + 600);

	/* Sign until the rotator is done, and at least a few times; keep the
	 * first MAX_TOKENS for verification. */
	while (s->n < 20 || !atomic_load(s->stop)) {
		struct jet_keyring_info info[JET_KEYRING_MAX_KEYS];
		struct jet_buf tok, jwks;
		size_t n;

		jet_buf_init(&tok, 4096);
		if (jet_keyring_sign(s->kr, "at+jwt", claims, &tok) != JET_OK) {
			s->failures++;
			jet_buf_cleanup(&tok);
			continue;
		}
		s->signed_total++;
		if (s->n < MAX_TOKENS)
			s->tokens[s->n++] = strndup(tok.data, tok.len);
		jet_buf_cleanup(&tok);
		/* The readers the server runs besides signing. */
		if (s->signed_total % 8 == 0) {
			jet_buf_init(&jwks, 1 << 20);
			if (jet_keyring_jwks(s->kr, &jwks, NULL) != JET_OK)
				s->failures++;
			jet_buf_cleanup(&jwks);
			jet_keyring_list(s->kr, info, JET_ARRAY_LEN(info), &n);
			if (n == 0 || n > JET_KEYRING_MAX_KEYS)
				s->failures++;
		}
	}
	/* One after the last rotation: it must use the last key. */
	{
		struct jet_buf tok;

		jet_buf_init(&tok, 4096);
		if (jet_keyring_sign(s->kr, "at+jwt", claims, &tok) == JET_OK)
			s->tokens[s->n++] = strndup(tok.data, tok.len);
		else
			s->failures++;
		jet_buf_cleanup(&tok);
	}
	json_decref(claims);
	return NULL;
}

/* Adds every key of kr's JWKS not yet in u to u (a verifier that never
 * forgets a key: tokens signed by a key removed later still count). */
static void
union_add(struct jet_jwks *u, struct jet_keyring *kr)
{
	struct jet_jwks set = { 0 };

	assert_int_equal(kr_test_jwks(kr, &set), JET_OK);
	for (size_t i = 0; i < set.n; i++) {
		struct jet_jwk *k = set.keys[i];

		if (jet_jwks_find(u, k->kid, strlen(k->kid)) != NULL)
			continue;
		u->keys = realloc(u->keys, (u->n + 1) * sizeof(u->keys[0]));
		assert_non_null(u->keys);
		u->keys[u->n++] = k;
		set.keys[i] = NULL;
	}
	/* Keys moved to u are NULL here; jet_jwks_cleanup frees the rest. */
	for (size_t i = 0, j = 0; i < set.n; i++) {
		if (set.keys[i] != NULL)
			set.keys[j++] = set.keys[i];
		if (i + 1 == set.n)
			set.n = j;
	}
	jet_jwks_cleanup(&set);
}

static void
concurrent_signing_while_rotating(void **state)
{
	struct jet_keyring_policy pol = kr_test_policy(JET_JWS_ES256, 0);
	struct signer *s = calloc(SIGNERS, sizeof(*s));
	struct jet_keyring *kr = NULL;
	struct jet_jwks u = { 0 };
	char dir[600], err[256] = "";
	atomic_bool stop;
	int64_t now = T0;
	size_t total = 0;
	char kids[ROTATIONS + 1][JET_JWK_KID_MAX + 1];
	bool seen[ROTATIONS + 1] = { false };

	assert_non_null(s);
	atomic_init(&stop, false);
	kr_test_dir(dir, sizeof(dir), "kr-threads");
	assert_int_equal(jet_keyring_open(dir, &pol, now, &kr, err, sizeof(err)), JET_OK);
	jet_keyring_signing_kid(kr, kids[0]);
	union_add(&u, kr);

	for (int i = 0; i < SIGNERS; i++) {
		s[i].kr = kr;
		s[i].stop = &stop;
		assert_int_equal(pthread_create(&s[i].thread, NULL, signer_main, &s[i]), 0);
	}
	/* This thread is the service's timer plus the CLI: rotate, and tick
	 * far enough for the previous keys to retire and their files to go
	 * while the signers hold snapshots that still use them. */
	for (int r = 1; r <= ROTATIONS; r++) {
		bool changed = false;

		now += 10;
		assert_int_equal(jet_keyring_rotate(kr, now, kids[r], err, sizeof(err)), JET_OK);
		union_add(&u, kr);
		now += 600 + 60;
		assert_int_equal(jet_keyring_tick(kr, now, &changed, err, sizeof(err)), JET_OK);
		assert_true(changed);
		union_add(&u, kr);
		assert_int_equal(kr_test_nkeys(kr), 1);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < SIGNERS; i++)
		assert_int_equal(pthread_join(s[i].thread, NULL), 0);

	assert_int_equal(u.n, ROTATIONS + 1);
	assert_int_equal(kr_test_count_pem(dir), 1);
	for (int i = 0; i < SIGNERS; i++) {
		assert_int_equal(s[i].failures, 0);
		for (size_t t = 0; t < s[i].n; t++) {
			char kid[JET_JWK_KID_MAX + 1];

			if (kr_test_verify(&u, s[i].tokens[t], strlen(s[i].tokens[t]), kid) !=
				JET_OK)
				fail_msg("signer %d token %zu does not verify", i, t);
			for (int r = 0; r <= ROTATIONS; r++)
				seen[r] |= strcmp(kid, kids[r]) == 0;
			if (t + 1 == s[i].n) /* the final one */
				assert_string_equal(kid, kids[ROTATIONS]);
			free(s[i].tokens[t]);
		}
		assert_true(s[i].n >= 2);
		total += s[i].signed_total;
	}
	assert_true(total >= SIGNERS * 20);
	/* The final tokens were signed with the last key. */
	assert_true(seen[ROTATIONS]);
	print_message("%zu tokens signed, %zu keys published over time\n", total, u.n);

	jet_jwks_cleanup(&u);
	free(s);
	jet_keyring_free(kr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(concurrent_signing_while_rotating),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
