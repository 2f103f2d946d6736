/*
 * test_families.c - declaration refusals (names, labels, bounds, duplicates),
 * histogram buckets at and past their bounds, the series cap and the
 * overflow series, callback families, NULL and type-mismatch handling.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "jet/metrics.h"

static void
expect_render(struct jet_metrics *m, const char *want)
{
	struct jet_buf b;

	jet_buf_init(&b, 1 << 20);
	assert_int_equal(jet_metrics_render(m, &b), JET_OK);
	assert_int_equal(jet_buf_append(&b, "", 1), JET_OK);
	assert_string_equal(b.data, want);
	jet_buf_cleanup(&b);
}

static double
zero(void *arg)
{
	return 0;
}

static void
test_name_refusals(void **state)
{
	static const char *const bad[] = { "", "1abc", "a-b", "a b", "a.b", "\xc3\xa9", "a\n" };
	static const char *const good[] = { "a", "_x", ":x", "a:b_c1", "A9" };
	struct jet_metrics *m;
	struct jet_metrics_family *f;
	char longname[JET_METRICS_NAME_MAX + 2];

	assert_int_equal(jet_metrics_new(&m), JET_OK);
	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++) {
		f = (void *)1;
		assert_int_equal(jet_metrics_counter_family(m, bad[i], "h", NULL, 0, &f), JET_EINVAL);
		assert_null(f);
		assert_int_equal(jet_metrics_callback_family(m, JET_METRICS_GAUGE, bad[i], "h", zero,
					 NULL), JET_EINVAL);
	}
	assert_int_equal(jet_metrics_counter_family(m, NULL, "h", NULL, 0, &f), JET_EINVAL);
	assert_int_equal(jet_metrics_counter_family(m, "nohelp", NULL, NULL, 0, &f), JET_EINVAL);
	for (size_t i = 0; i < JET_ARRAY_LEN(good); i++)
		assert_int_equal(jet_metrics_gauge_family(m, good[i], "h", NULL, 0, &f), JET_OK);

	/* At the name limit and one past it. */
	memset(longname, 'n', sizeof(longname) - 1);
	longname[JET_METRICS_NAME_MAX + 1] = '\0';
	assert_int_equal(jet_metrics_counter_family(m, longname, "h", NULL, 0, &f), JET_EINVAL);
	longname[JET_METRICS_NAME_MAX] = '\0';
	assert_int_equal(jet_metrics_counter_family(m, longname, "h", NULL, 0, &f), JET_OK);

	/* Names are unique across types. */
	assert_int_equal(jet_metrics_counter_family(m, "a", "h", NULL, 0, &f), JET_EEXIST);
	assert_int_equal(jet_metrics_callback_family(m, JET_METRICS_COUNTER, "a", "h", zero, NULL),
		JET_EEXIST);
	/* Callbacks: a function, and a counter or gauge only. */
	assert_int_equal(jet_metrics_callback_family(m, JET_METRICS_GAUGE, "cb", "h", NULL, NULL),
		JET_EINVAL);
	assert_int_equal(jet_metrics_callback_family(m, JET_METRICS_HISTOGRAM, "cb", "h", zero,
				 NULL), JET_EINVAL);
	jet_metrics_free(m);
}

static void
test_label_refusals(void **state)
{
	static const double bounds[] = { 1 };
	struct jet_metrics *m;
	struct jet_metrics_family *f;

	assert_int_equal(jet_metrics_new(&m), JET_OK);
#define REFUSED(...)                                                                         \
	assert_int_equal(jet_metrics_counter_family(m, "c", "h", (const char *const[]){ __VA_ARGS__ }, \
				 JET_ARRAY_LEN(((const char *const[]){ __VA_ARGS__ })), &f),           \
		JET_EINVAL)
	REFUSED("__name");
	REFUSED("__");
	REFUSED("a:b");
	REFUSED("1a");
	REFUSED("");
	REFUSED("a-b");
	REFUSED("a", "a");
	REFUSED("a", "b", "c", "d", "e");
#undef REFUSED
	assert_int_equal(jet_metrics_counter_family(m, "c", "h", NULL, 1, &f), JET_EINVAL);
	assert_int_equal(jet_metrics_counter_family(m, "c", "h", (const char *const[]){ NULL }, 1,
				 &f), JET_EINVAL);
	/* "le" belongs to histogram buckets; fine elsewhere. */
	assert_int_equal(jet_metrics_histogram_family(m, "hist", "h", (const char *const[]){ "le" },
				 1, bounds, 1, &f), JET_EINVAL);
	assert_int_equal(jet_metrics_counter_family(m, "c", "h", (const char *const[]){ "le" }, 1,
				 &f), JET_OK);
	/* Four labels is the limit; a single underscore is a name. */
	assert_int_equal(jet_metrics_counter_family(m, "c4", "h",
				 (const char *const[]){ "a", "b", "_c", "_" }, 4, &f), JET_OK);
	jet_metrics_free(m);
}

static void
test_bound_refusals(void **state)
{
	struct jet_metrics *m;
	struct jet_metrics_family *f;
	double many[JET_METRICS_BUCKETS_MAX + 1];

#define BOUNDS_REFUSED(n, ...)                                                              \
	assert_int_equal(jet_metrics_histogram_family(m, "h", "h", NULL, 0,                      \
				 (const double[]){ __VA_ARGS__ }, (n), &f), JET_EINVAL)
	assert_int_equal(jet_metrics_new(&m), JET_OK);
	BOUNDS_REFUSED(0, 1);
	BOUNDS_REFUSED(2, 2, 1);
	BOUNDS_REFUSED(2, 1, 1);
	BOUNDS_REFUSED(2, 1, NAN);
	BOUNDS_REFUSED(2, 1, INFINITY);
	BOUNDS_REFUSED(2, -INFINITY, 1);
#undef BOUNDS_REFUSED
	assert_int_equal(jet_metrics_histogram_family(m, "h", "h", NULL, 0, NULL, 1, &f),
		JET_EINVAL);
	for (size_t i = 0; i < JET_ARRAY_LEN(many); i++)
		many[i] = (double)i;
	assert_int_equal(jet_metrics_histogram_family(m, "h", "h", NULL, 0, many,
				 JET_METRICS_BUCKETS_MAX + 1, &f), JET_EINVAL);
	assert_int_equal(jet_metrics_histogram_family(m, "h", "h", NULL, 0, many,
				 JET_METRICS_BUCKETS_MAX, &f), JET_OK);
	/* Negative bounds are fine. */
	assert_int_equal(jet_metrics_histogram_family(m, "h2", "h", NULL, 0,
				 (const double[]){ -1, 0 }, 2, &f), JET_OK);
	jet_metrics_free(m);
}

/* le means "less than or equal": a value on a bound counts in that bucket,
 * the next double above it in the next one. */
static void
test_histogram_bounds(void **state)
{
	static const double bounds[] = { 1, 2 };
	struct jet_metrics *m;
	struct jet_metrics_family *f;
	struct jet_histogram *h;

	assert_int_equal(jet_metrics_new(&m), JET_OK);
	assert_int_equal(jet_metrics_histogram_family(m, "lat", "Latency.", NULL, 0, bounds, 2, &f),
		JET_OK);
	h = jet_metrics_histogram(f, NULL);
	assert_non_null(h);
	expect_render(m, "# HELP lat Latency.\n# TYPE lat histogram\n"
			 "lat_bucket{le=\"1\"} 0\nlat_bucket{le=\"2\"} 0\nlat_bucket{le=\"+Inf\"} 0\n"
			 "lat_sum 0\nlat_count 0\n");
	jet_histogram_observe(h, -4);                 /* le=1 */
	jet_histogram_observe(h, 1);                  /* le=1 */
	jet_histogram_observe(h, nextafter(1, 2));    /* le=2 */
	jet_histogram_observe(h, 2);                  /* le=2 */
	jet_histogram_observe(h, nextafter(2, 3));    /* +Inf */
	jet_histogram_observe(h, 1e300);              /* +Inf */
	expect_render(m, "# HELP lat Latency.\n# TYPE lat histogram\n"
			 "lat_bucket{le=\"1\"} 2\nlat_bucket{le=\"2\"} 4\nlat_bucket{le=\"+Inf\"} 6\n"
			 "lat_sum 1e+300\nlat_count 6\n");
	/* NaN lands in +Inf only and poisons the sum, as the format allows. */
	jet_histogram_observe(h, NAN);
	expect_render(m, "# HELP lat Latency.\n# TYPE lat histogram\n"
			 "lat_bucket{le=\"1\"} 2\nlat_bucket{le=\"2\"} 4\nlat_bucket{le=\"+Inf\"} 7\n"
			 "lat_sum NaN\nlat_count 7\n");
	jet_metrics_free(m);
}

static void
test_series_cap(void **state)
{
	static const char *const labels[] = { "route" };
	struct jet_metrics *m;
	struct jet_metrics_family *f;
	struct jet_counter *a, *b, *c, *o1, *o2;

	assert_int_equal(jet_metrics_new(&m), JET_OK);
	assert_int_equal(jet_metrics_counter_family(m, "req_total", "h", labels, 1, &f), JET_OK);
	assert_int_equal(jet_metrics_family_set_max_series(f, 0), JET_EINVAL);
	assert_int_equal(jet_metrics_family_set_max_series(f, 3), JET_OK);
	a = jet_metrics_counter(f, (const char *const[]){ "/a" });
	b = jet_metrics_counter(f, (const char *const[]){ "/b" });
	c = jet_metrics_counter(f, (const char *const[]){ "/c" });
	assert_true(a != b && b != c && a != c);
	assert_int_equal(jet_metrics_family_overflows(f), 0);
	/* At the cap: existing series are still found, new ones overflow. */
	assert_ptr_equal(jet_metrics_counter(f, (const char *const[]){ "/b" }), b);
	o1 = jet_metrics_counter(f, (const char *const[]){ "/d" });
	o2 = jet_metrics_counter(f, (const char *const[]){ "/e" });
	assert_ptr_equal(o1, o2);
	assert_true(o1 != a && o1 != b && o1 != c);
	assert_int_equal(jet_metrics_family_overflows(f), 2);
	/* Asking for the overflow values finds the one overflow series, so the
	 * output never holds two series with the same labels. */
	assert_ptr_equal(jet_metrics_counter(f, (const char *const[]){ JET_METRICS_OVERFLOW_VALUE }),
		o1);
	assert_int_equal(jet_metrics_family_overflows(f), 2);
	jet_counter_add(a, 1);
	jet_counter_add(o1, 5);
	jet_counter_add(o2, 1);
	assert_int_equal(jet_counter_value(o1), 6);
	expect_render(m, "# HELP req_total h\n# TYPE req_total counter\n"
			 "req_total{route=\"/a\"} 1\nreq_total{route=\"/b\"} 0\n"
			 "req_total{route=\"/c\"} 0\nreq_total{route=\"__overflow__\"} 6\n");
	jet_metrics_free(m);
}

/* The default cap holds against a flood of distinct hostile values. */
static void
test_series_flood(void **state)
{
	static const char *const labels[] = { "method", "path" };
	struct jet_metrics *m;
	struct jet_metrics_family *f;
	struct jet_histogram *first, *h, *over = NULL;
	struct jet_buf b;
	char path[64];
	size_t lines = 0;

	assert_int_equal(jet_metrics_new(&m), JET_OK);
	assert_int_equal(jet_metrics_histogram_family(m, "h", "h", labels, 2,
				 (const double[]){ 0.1 }, 1, &f), JET_OK);
	first = jet_metrics_histogram(f, (const char *const[]){ "GET", "/0" });
	for (int i = 0; i < 50000; i++) {
		snprintf(path, sizeof(path), "/%d", i);
		h = jet_metrics_histogram(f, (const char *const[]){ "GET", path });
		assert_non_null(h);
		if (i < JET_METRICS_MAX_SERIES) {
			assert_true(i > 0 || h == first);
			continue;
		}
		if (over == NULL)
			over = h;
		assert_ptr_equal(h, over);
		jet_histogram_observe(h, 1);
	}
	assert_int_equal(jet_metrics_family_overflows(f), 50000 - JET_METRICS_MAX_SERIES);
	/* The 1000 first are still distinct and found again. */
	assert_ptr_equal(jet_metrics_histogram(f, (const char *const[]){ "GET", "/0" }), first);
	assert_ptr_equal(jet_metrics_histogram(f, (const char *const[]){ "GET", "/999" }),
		jet_metrics_histogram(f, (const char *const[]){ "GET", "/999" }));

	jet_buf_init(&b, 1 << 22);
	assert_int_equal(jet_metrics_render(m, &b), JET_OK);
	for (size_t i = 0; i < b.len; i++)
		lines += b.data[i] == '\n';
	/* 2 metadata lines, 4 lines per series (2 buckets, sum, count). */
	assert_int_equal(lines, 2 + 4 * (JET_METRICS_MAX_SERIES + 1));
	assert_int_equal(jet_buf_append(&b, "", 1), JET_OK);
	assert_non_null(strstr(b.data, "h_count{method=\"__overflow__\",path=\"__overflow__\"} 49000\n"));
	jet_buf_cleanup(&b);
	jet_metrics_free(m);
}

struct pool {
	int open;
	unsigned reads;
};

static double
read_open(void *arg)
{
	struct pool *p = arg;

	p->reads++;
	return p->open;
}

static double
read_bytes(void *arg)
{
	return 1e6 + 0.5;
}

static void
test_callback(void **state)
{
	struct jet_metrics *m;
	struct pool p = { 3, 0 };

	assert_int_equal(jet_metrics_new(&m), JET_OK);
	assert_int_equal(jet_metrics_callback_family(m, JET_METRICS_GAUGE, "open_connections",
				 "Connections open now.", read_open, &p), JET_OK);
	assert_int_equal(jet_metrics_callback_family(m, JET_METRICS_COUNTER, "bytes_total",
				 "Bytes.", read_bytes, NULL), JET_OK);
	assert_int_equal(p.reads, 0);
	expect_render(m, "# HELP open_connections Connections open now.\n"
			 "# TYPE open_connections gauge\nopen_connections 3\n"
			 "# HELP bytes_total Bytes.\n# TYPE bytes_total counter\nbytes_total 1000000.5\n");
	p.open = 41;
	expect_render(m, "# HELP open_connections Connections open now.\n"
			 "# TYPE open_connections gauge\nopen_connections 41\n"
			 "# HELP bytes_total Bytes.\n# TYPE bytes_total counter\nbytes_total 1000000.5\n");
	assert_int_equal(p.reads, 2);
	jet_metrics_free(m);
}

/* Wrong type or NULL family: NULL series; updates on NULL do nothing. */
static void
test_null_and_types(void **state)
{
	struct jet_metrics *m;
	struct jet_metrics_family *c, *g;
	struct jet_buf b;

	assert_int_equal(jet_metrics_new(&m), JET_OK);
	assert_int_equal(jet_metrics_counter_family(m, "c", "h", NULL, 0, &c), JET_OK);
	assert_int_equal(jet_metrics_gauge_family(m, "g", "h", (const char *const[]){ "x" }, 1, &g),
		JET_OK);
	assert_null(jet_metrics_gauge(c, NULL));
	assert_null(jet_metrics_histogram(c, NULL));
	assert_null(jet_metrics_counter(g, (const char *const[]){ "1" }));
	assert_null(jet_metrics_counter(NULL, NULL));
	assert_non_null(jet_metrics_counter(c, NULL));
	assert_ptr_equal(jet_metrics_counter(c, NULL), jet_metrics_counter(c, NULL));
	/* A NULL value is "". */
	assert_ptr_equal(jet_metrics_gauge(g, (const char *const[]){ NULL }),
		jet_metrics_gauge(g, (const char *const[]){ "" }));
	jet_counter_add(NULL, 1);
	jet_gauge_set(NULL, 1);
	jet_gauge_add(NULL, 1);
	jet_histogram_observe(NULL, 1);
	assert_int_equal(jet_counter_value(NULL), 0);
	assert_int_equal(jet_metrics_family_overflows(NULL), 0);
	assert_int_equal(jet_metrics_family_set_max_series(c, 10), JET_EINVAL);
	jet_buf_init(&b, 100);
	assert_int_equal(jet_metrics_render(NULL, &b), JET_EINVAL);
	jet_buf_cleanup(&b);
	jet_metrics_free(m);
	jet_metrics_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_refusals),
		cmocka_unit_test(test_label_refusals),
		cmocka_unit_test(test_bound_refusals),
		cmocka_unit_test(test_histogram_bounds),
		cmocka_unit_test(test_series_cap),
		cmocka_unit_test(test_series_flood),
		cmocka_unit_test(test_callback),
		cmocka_unit_test(test_null_and_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
