/*
 * test_threads.c - four threads update shared counters, gauges and
 * histograms and create series while a fifth renders without pause; every
 * render is well formed and the final totals are exact.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "jet/metrics.h"

#define NTHREADS 4
#define ROUNDS 100000
#define NROUTES 40 /* per thread: 160 + 1 shared series, under the cap of 200 */

struct shared {
	struct jet_metrics *m;
	struct jet_metrics_family *req, *lat, *inflight;
	atomic_bool stop;
	unsigned renders;
	int bad;
};

struct worker {
	struct shared *sh;
	int id;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	struct jet_counter *shared = jet_metrics_counter(sh->req, (const char *const[]){ "shared" });
	struct jet_histogram *h = jet_metrics_histogram(sh->lat, (const char *const[]){ "shared" });
	struct jet_gauge *g = jet_metrics_gauge(sh->inflight, NULL);
	char route[32];

	for (int i = 0; i < ROUNDS; i++) {
		jet_gauge_add(g, 1);
		jet_counter_add(shared, 1);
		/* Dyadic values keep the double sum exact: 0.25 + 0.5 + 2. */
		jet_histogram_observe(h, (const double[]){ 0.25, 0.5, 2 }[i % 3]);
		/* Series created (and looked up) while the renderer walks. */
		snprintf(route, sizeof(route), "t%d-r%d", w->id, i % NROUTES);
		jet_counter_add(jet_metrics_counter(sh->req, (const char *const[]){ route }), 2);
		jet_histogram_observe(jet_metrics_histogram(sh->lat, (const char *const[]){ route }),
			0.75);
		jet_gauge_add(g, -1);
	}
	return NULL;
}

static void *
render(void *arg)
{
	struct shared *sh = arg;
	struct jet_buf b;

	jet_buf_init(&b, 1 << 22);
	while (!atomic_load(&sh->stop)) {
		jet_buf_reset(&b);
		if (jet_metrics_render(sh->m, &b) != JET_OK || b.len == 0 ||
			b.data[b.len - 1] != '\n' || memchr(b.data, '\0', b.len) != NULL)
			sh->bad++;
		sh->renders++;
	}
	jet_buf_cleanup(&b);
	return NULL;
}

static uint64_t
sample(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix);
	uint64_t v = 0;
	size_t n;

	assert_non_null(p);
	p += strlen(prefix);
	n = strcspn(p, "\n");
	assert_int_equal(jet_parse_u64(p, n, UINT64_MAX, &v), JET_OK);
	return v;
}

static void
test_concurrent(void **state)
{
	static const char *const route[] = { "route" };
	static const double bounds[] = { 0.25, 1 };
	struct shared sh = { 0 };
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS], r;
	struct jet_buf b;
	char want[128];

	assert_int_equal(jet_metrics_new(&sh.m), JET_OK);
	assert_int_equal(jet_metrics_counter_family(sh.m, "req_total", "h", route, 1, &sh.req),
		JET_OK);
	assert_int_equal(jet_metrics_histogram_family(sh.m, "lat_seconds", "h", route, 1, bounds, 2,
				 &sh.lat), JET_OK);
	assert_int_equal(jet_metrics_gauge_family(sh.m, "inflight", "h", NULL, 0, &sh.inflight),
		JET_OK);
	assert_int_equal(jet_metrics_family_set_max_series(sh.req, 200), JET_OK);
	assert_int_equal(jet_metrics_family_set_max_series(sh.lat, 200), JET_OK);

	atomic_store(&sh.stop, false);
	assert_int_equal(pthread_create(&r, NULL, render, &sh), 0);
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ &sh, i };
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	atomic_store(&sh.stop, true);
	pthread_join(r, NULL);
	assert_int_equal(sh.bad, 0);
	assert_true(sh.renders > 0);
	assert_int_equal(jet_metrics_family_overflows(sh.req), 0);

	jet_buf_init(&b, 1 << 22);
	assert_int_equal(jet_metrics_render(sh.m, &b), JET_OK);
	assert_int_equal(jet_buf_append(&b, "", 1), JET_OK);
	assert_int_equal(sample(b.data, "req_total{route=\"shared\"} "), NTHREADS * ROUNDS);
	assert_int_equal(sample(b.data, "lat_seconds_count{route=\"shared\"} "), NTHREADS * ROUNDS);
	assert_int_equal(sample(b.data, "lat_seconds_bucket{route=\"shared\",le=\"0.25\"} "),
		NTHREADS * (ROUNDS / 3 + 1));
	assert_int_equal(sample(b.data, "lat_seconds_bucket{route=\"shared\",le=\"1\"} "),
		NTHREADS * (ROUNDS / 3 + 1 + ROUNDS / 3));
	/* Per thread: 33334 x 0.25 + 33333 x 0.5 + 33333 x 2 = 91666. */
	snprintf(want, sizeof(want), "lat_seconds_sum{route=\"shared\"} %d\n",
		NTHREADS * 91666);
	assert_non_null(strstr(b.data, want));
	for (int i = 0; i < NTHREADS; i++) {
		for (int j = 0; j < NROUTES; j++) {
			snprintf(want, sizeof(want), "req_total{route=\"t%d-r%d\"} ", i, j);
			assert_int_equal(sample(b.data, want), 2 * (ROUNDS / NROUTES));
			snprintf(want, sizeof(want), "lat_seconds_count{route=\"t%d-r%d\"} ", i, j);
			assert_int_equal(sample(b.data, want), ROUNDS / NROUTES);
		}
	}
	assert_non_null(strstr(b.data, "\ninflight 0\n"));
	jet_buf_cleanup(&b);
	jet_metrics_free(sh.m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
