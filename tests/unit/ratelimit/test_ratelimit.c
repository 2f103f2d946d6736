/*
 * test_ratelimit.c - token buckets: burst, refill, Retry-After, key bound,
 * isolation between keys, threads.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "jet/ratelimit.h"

static void
test_invalid(void **state)
{
	struct jet_ratelimit *rl;

	assert_int_equal(jet_ratelimit_new(0, 5, 64, &rl), JET_EINVAL);
	assert_int_equal(jet_ratelimit_new(1, 0.5, 64, &rl), JET_EINVAL);
	assert_int_equal(jet_ratelimit_new(1, 5, 8, &rl), JET_EINVAL);
	assert_null(rl);
}

static void
test_burst_then_refill(void **state)
{
	struct jet_ratelimit *rl;
	uint64_t ra = 0;

	assert_int_equal(jet_ratelimit_new(2, 5, 64, &rl), JET_OK);
	for (int i = 0; i < 5; i++)
		assert_int_equal(jet_ratelimit_take(rl, "a", 1, 1000, &ra), JET_OK);
	assert_int_equal(jet_ratelimit_take(rl, "a", 1, 1000, &ra), JET_EBUSY);
	assert_int_equal(ra, 1);
	/* 2 per second: after 499 ms not yet, after 500 ms one token. */
	assert_int_equal(jet_ratelimit_take(rl, "a", 1, 1499, &ra), JET_EBUSY);
	assert_int_equal(jet_ratelimit_take(rl, "a", 1, 1500, &ra), JET_OK);
	assert_int_equal(jet_ratelimit_take(rl, "a", 1, 1500, &ra), JET_EBUSY);
	/* A long pause refills to the burst, no further. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(jet_ratelimit_take(rl, "a", 1, 100000, NULL), JET_OK);
	assert_int_equal(jet_ratelimit_take(rl, "a", 1, 100000, NULL), JET_EBUSY);
	assert_int_equal(jet_ratelimit_refused(rl), 4);
	jet_ratelimit_free(rl);
}

static void
test_retry_after_slow_rate(void **state)
{
	struct jet_ratelimit *rl;
	uint64_t ra = 0;

	/* One token every 10 s. */
	assert_int_equal(jet_ratelimit_new(0.1, 1, 64, &rl), JET_OK);
	assert_int_equal(jet_ratelimit_take(rl, "k", 1, 0, &ra), JET_OK);
	assert_int_equal(jet_ratelimit_take(rl, "k", 1, 0, &ra), JET_EBUSY);
	assert_int_equal(ra, 10);
	assert_int_equal(jet_ratelimit_take(rl, "k", 1, 2500, &ra), JET_EBUSY);
	assert_int_equal(ra, 8);
	jet_ratelimit_free(rl);
}

static void
test_keys_isolated(void **state)
{
	struct jet_ratelimit *rl;

	assert_int_equal(jet_ratelimit_new(1, 1, 64, &rl), JET_OK);
	assert_int_equal(jet_ratelimit_take(rl, "client-a", 8, 0, NULL), JET_OK);
	assert_int_equal(jet_ratelimit_take(rl, "client-a", 8, 0, NULL), JET_EBUSY);
	assert_int_equal(jet_ratelimit_take(rl, "client-b", 8, 0, NULL), JET_OK);
	/* A prefix is another key. */
	assert_int_equal(jet_ratelimit_take(rl, "client-a", 7, 0, NULL), JET_OK);
	jet_ratelimit_free(rl);
}

static void
test_bounded_keys(void **state)
{
	struct jet_ratelimit *rl;
	char key[32];

	/* 64 buckets, 10000 keys: memory stays bounded and every new key is
	 * served (old ones are forgotten, nobody is refused for the churn). */
	assert_int_equal(jet_ratelimit_new(1, 1, 64, &rl), JET_OK);
	for (int i = 0; i < 10000; i++) {
		int n = snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);

		assert_int_equal(jet_ratelimit_take(rl, key, (size_t)n, (uint64_t)i, NULL), JET_OK);
	}
	/* The most recent key is still remembered. */
	assert_int_equal(jet_ratelimit_take(rl, key, strlen(key), 9999, NULL), JET_EBUSY);
	jet_ratelimit_free(rl);
}

static void
test_long_key(void **state)
{
	struct jet_ratelimit *rl;
	char a[600], b[600];

	memset(a, 'x', sizeof(a));
	memcpy(b, a, sizeof(b));
	b[599] = 'y'; /* differs only past the 255 bytes that count */
	assert_int_equal(jet_ratelimit_new(1, 1, 64, &rl), JET_OK);
	assert_int_equal(jet_ratelimit_take(rl, a, sizeof(a), 0, NULL), JET_OK);
	assert_int_equal(jet_ratelimit_take(rl, b, sizeof(b), 0, NULL), JET_EBUSY);
	jet_ratelimit_free(rl);
}

#define THREADS 4
#define PER_THREAD 5000

static struct jet_ratelimit *shared_rl;
static int allowed[THREADS];

static void *
hammer(void *arg)
{
	int t = (int)(intptr_t)arg;

	for (int i = 0; i < PER_THREAD; i++)
		if (jet_ratelimit_take(shared_rl, "same", 4, 0, NULL) == JET_OK)
			allowed[t]++;
	return NULL;
}

static void
test_threads_share_bucket(void **state)
{
	pthread_t th[THREADS];
	int total = 0;

	/* Time does not move: exactly the burst is allowed, whatever the
	 * interleaving. */
	assert_int_equal(jet_ratelimit_new(1, 100, 1024, &shared_rl), JET_OK);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, hammer, (void *)(intptr_t)i);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		total += allowed[i];
	}
	assert_int_equal(total, 100);
	assert_int_equal(jet_ratelimit_refused(shared_rl), THREADS * PER_THREAD - 100);
	jet_ratelimit_free(shared_rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_burst_then_refill),
		cmocka_unit_test(test_retry_after_slow_rate),
		cmocka_unit_test(test_keys_isolated),
		cmocka_unit_test(test_bounded_keys),
		cmocka_unit_test(test_long_key),
		cmocka_unit_test(test_threads_share_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
