/*
 * test_render.c - the exposition text byte for byte: a golden registry,
 * number spelling, escaping of help and label values, label value
 * sanitising, and a render into a buffer too small for it.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "jet/metrics.h"

static const char golden[] =
	"# HELP jet_requests_total Requests answered.\n"
	"# TYPE jet_requests_total counter\n"
	"jet_requests_total{route=\"/token\",code=\"200\"} 3\n"
	"jet_requests_total{route=\"/jwks\",code=\"404\"} 1\n"
	"# HELP jet_temperature Temperature.\n"
	"# TYPE jet_temperature gauge\n"
	"jet_temperature 21.5\n"
	"# HELP jet_request_seconds Time to answer.\n"
	"# TYPE jet_request_seconds histogram\n"
	"jet_request_seconds_bucket{route=\"/token\",le=\"0.25\"} 1\n"
	"jet_request_seconds_bucket{route=\"/token\",le=\"0.5\"} 2\n"
	"jet_request_seconds_bucket{route=\"/token\",le=\"1\"} 3\n"
	"jet_request_seconds_bucket{route=\"/token\",le=\"+Inf\"} 4\n"
	"jet_request_seconds_sum{route=\"/token\"} 4.5\n"
	"jet_request_seconds_count{route=\"/token\"} 4\n"
	"# HELP jet_open_connections Open connections.\n"
	"# TYPE jet_open_connections gauge\n"
	"jet_open_connections 7\n"
	"# HELP jet_empty_total Never touched.\n"
	"# TYPE jet_empty_total counter\n"
	"jet_empty_total 0\n";

static double
read_seven(void *arg)
{
	(*(int *)arg)++;
	return 7;
}

static int cb_calls;

static struct jet_metrics *
golden_registry(void)
{
	static const char *const req_labels[] = { "route", "code" };
	static const char *const route[] = { "route" };
	static const double bounds[] = { 0.25, 0.5, 1 };
	struct jet_metrics *m;
	struct jet_metrics_family *req, *temp, *secs, *empty;
	struct jet_histogram *h;

	assert_int_equal(jet_metrics_new(&m), JET_OK);
	assert_int_equal(jet_metrics_counter_family(m, "jet_requests_total", "Requests answered.",
				 req_labels, 2, &req), JET_OK);
	assert_int_equal(jet_metrics_gauge_family(m, "jet_temperature", "Temperature.", NULL, 0,
				 &temp), JET_OK);
	assert_int_equal(jet_metrics_histogram_family(m, "jet_request_seconds", "Time to answer.",
				 route, 1, bounds, 3, &secs), JET_OK);
	assert_int_equal(jet_metrics_callback_family(m, JET_METRICS_GAUGE, "jet_open_connections",
				 "Open connections.", read_seven, &cb_calls), JET_OK);
	assert_int_equal(jet_metrics_counter_family(m, "jet_empty_total", "Never touched.", NULL, 0,
				 &empty), JET_OK);

	jet_counter_add(jet_metrics_counter(req, (const char *const[]){ "/token", "200" }), 2);
	jet_counter_add(jet_metrics_counter(req, (const char *const[]){ "/jwks", "404" }), 1);
	jet_counter_add(jet_metrics_counter(req, (const char *const[]){ "/token", "200" }), 1);
	jet_gauge_set(jet_metrics_gauge(temp, NULL), 20);
	jet_gauge_add(jet_metrics_gauge(temp, NULL), 1.5);
	h = jet_metrics_histogram(secs, (const char *const[]){ "/token" });
	jet_histogram_observe(h, 0.25);
	jet_histogram_observe(h, 0.5);
	jet_histogram_observe(h, 0.75);
	jet_histogram_observe(h, 3);
	return m;
}

static void
test_golden(void **state)
{
	struct jet_metrics *m = golden_registry();
	struct jet_buf b;

	jet_buf_init(&b, 1 << 16);
	cb_calls = 0;
	assert_int_equal(jet_metrics_render(m, &b), JET_OK);
	assert_int_equal(b.len, sizeof(golden) - 1);
	assert_memory_equal(b.data, golden, sizeof(golden) - 1);
	assert_int_equal(cb_calls, 1);
	/* A second render is the same text (nothing is reset by reading). */
	jet_buf_reset(&b);
	assert_int_equal(jet_metrics_render(m, &b), JET_OK);
	assert_int_equal(b.len, sizeof(golden) - 1);
	assert_memory_equal(b.data, golden, sizeof(golden) - 1);
	jet_buf_cleanup(&b);
	jet_metrics_free(m);
}

/* A buffer one byte short of the exposition: refused, and what the buffer
 * held before is untouched; exactly long enough: accepted. */
static void
test_too_big(void **state)
{
	struct jet_metrics *m = golden_registry();
	size_t need = sizeof(golden) - 1;
	struct jet_buf b;

	jet_buf_init(&b, 5 + need - 1);
	assert_int_equal(jet_buf_append_str(&b, "keep\n"), JET_OK);
	assert_int_equal(jet_metrics_render(m, &b), JET_ETOOBIG);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "keep\n", 5);
	jet_buf_cleanup(&b);

	jet_buf_init(&b, 64);
	assert_int_equal(jet_metrics_render(m, &b), JET_ETOOBIG);
	assert_int_equal(b.len, 0);
	jet_buf_cleanup(&b);

	jet_buf_init(&b, 5 + need);
	assert_int_equal(jet_buf_append_str(&b, "keep\n"), JET_OK);
	assert_int_equal(jet_metrics_render(m, &b), JET_OK);
	assert_int_equal(b.len, 5 + need);
	assert_memory_equal(b.data, "keep\n", 5);
	assert_memory_equal(b.data + 5, golden, need);
	jet_buf_cleanup(&b);
	jet_metrics_free(m);
}

static void
expect_render(struct jet_metrics *m, const char *want)
{
	struct jet_buf b;

	jet_buf_init(&b, 1 << 16);
	assert_int_equal(jet_metrics_render(m, &b), JET_OK);
	assert_int_equal(jet_buf_append(&b, "", 1), JET_OK);
	assert_string_equal(b.data, want);
	jet_buf_cleanup(&b);
}

static void
test_numbers(void **state)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{ 0.1, "0.1" },
		{ -2.5, "-2.5" },
		{ 1234567, "1234567" },
		{ -0.0, "0" },
		{ 1.0 / 3, "0.3333333333333333" },
		{ 9007199254740991.0, "9007199254740991" },
		{ 9007199254740992.0, "9007199254740992" },
		{ 9007199254740994.0 * 4, "36028797018963976" },
		{ 1e20, "1e+20" },
		{ 5e-324, "4.94065645841247e-324" },
		{ NAN, "NaN" },
		{ INFINITY, "+Inf" },
		{ -INFINITY, "-Inf" },
	};
	char want[256];

	for (size_t i = 0; i < JET_ARRAY_LEN(cases); i++) {
		struct jet_metrics *m;
		struct jet_metrics_family *f;

		assert_int_equal(jet_metrics_new(&m), JET_OK);
		assert_int_equal(jet_metrics_gauge_family(m, "g", "h", NULL, 0, &f), JET_OK);
		jet_gauge_set(jet_metrics_gauge(f, NULL), cases[i].v);
		snprintf(want, sizeof(want), "# HELP g h\n# TYPE g gauge\ng %s\n", cases[i].text);
		expect_render(m, want);
		jet_metrics_free(m);
	}
}

static void
test_escaping(void **state)
{
	static const char *const labels[] = { "path", "agent" };
	struct jet_metrics *m;
	struct jet_metrics_family *f;

	assert_int_equal(jet_metrics_new(&m), JET_OK);
	assert_int_equal(jet_metrics_counter_family(m, "c_total",
				 "Back\\slash, \"quotes\" kept,\nnew line.", labels, 2, &f), JET_OK);
	jet_counter_add(jet_metrics_counter(f, (const char *const[]){ "a\"b\\c\nd", "" }), 1);
	jet_counter_add(jet_metrics_counter(f, (const char *const[]){ "}\"} 9\n# x", NULL }), 2);
	expect_render(m,
		"# HELP c_total Back\\\\slash, \"quotes\" kept,\\nnew line.\n"
		"# TYPE c_total counter\n"
		"c_total{path=\"a\\\"b\\\\c\\nd\",agent=\"\"} 1\n"
		"c_total{path=\"}\\\"} 9\\n# x\",agent=\"\"} 2\n");
	jet_metrics_free(m);
}

/* Label values are kept as bounded, valid UTF-8. */
static void
test_value_sanitising(void **state)
{
	static const char *const labels[] = { "v" };
	char longv[301], cut[200], want[1024];
	struct jet_metrics *m;
	struct jet_metrics_family *f;
	struct jet_counter *a, *b;

	assert_int_equal(jet_metrics_new(&m), JET_OK);
	assert_int_equal(jet_metrics_counter_family(m, "c", "h", labels, 1, &f), JET_OK);
	/* Invalid bytes (a lone continuation, an overlong, a surrogate) -> '?'. */
	jet_counter_add(jet_metrics_counter(f, (const char *const[]){ "x\x80y\xc0\xafz\xed\xa0\x80" }),
		1);
	/* Valid multi-byte characters pass. */
	jet_counter_add(jet_metrics_counter(f, (const char *const[]){ "caf\xc3\xa9 \xf0\x9f\x98\x80" }),
		1);
	/* 300 bytes are cut to JET_METRICS_VALUE_MAX; two values equal up to the
	 * cut share the series. */
	memset(longv, 'a', 300);
	longv[300] = '\0';
	a = jet_metrics_counter(f, (const char *const[]){ longv });
	longv[299] = 'b';
	b = jet_metrics_counter(f, (const char *const[]){ longv });
	assert_ptr_equal(a, b);
	jet_counter_add(a, 1);
	/* A two-byte character that would cross the limit is dropped whole. */
	memset(cut, 'c', JET_METRICS_VALUE_MAX - 1);
	memcpy(cut + JET_METRICS_VALUE_MAX - 1, "\xc3\xa9", 3);
	jet_counter_add(jet_metrics_counter(f, (const char *const[]){ cut }), 1);

	snprintf(want, sizeof(want),
		"# HELP c h\n# TYPE c counter\n"
		"c{v=\"x?y??z???\"} 1\n"
		"c{v=\"caf\xc3\xa9 \xf0\x9f\x98\x80\"} 1\n"
		"c{v=\"%.*s\"} 1\n"
		"c{v=\"%.*s\"} 1\n",
		JET_METRICS_VALUE_MAX, longv, JET_METRICS_VALUE_MAX - 1, cut);
	expect_render(m, want);
	jet_metrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_value_sanitising),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
