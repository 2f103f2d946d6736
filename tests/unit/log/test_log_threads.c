/*
 * lib/log under concurrency: lines from several threads neither interleave
 * nor get lost nor duplicated - with explicit flushes, with flushes left to
 * thread exit, and while another thread re-opens the logs again and again
 * (the dup2 swap of stream.c).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "jet/log.h"

#define THREADS 4
#define LINES 2000

static char dir[400], access_path[512], error_path[512];
static char access2_path[512], error2_path[512];

static int
setup(void **state)
{
	const char *base = getenv("JET_TEST_TMP");
	char err[256];

	if (base == NULL)
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(dir, sizeof(dir), "%s/log-threads-XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(access_path, sizeof(access_path), "%s/access.log", dir);
	snprintf(error_path, sizeof(error_path), "%s/error.log", dir);
	snprintf(access2_path, sizeof(access2_path), "%s/access2.log", dir);
	snprintf(error2_path, sizeof(error2_path), "%s/error2.log", dir);
	return jet_log_open(access_path, error_path, JET_LOG_INFO, err, sizeof(err)) == JET_OK ?
		0 : -1;
}

static int
teardown(void **state)
{
	jet_log_close();
	return 0;
}

static atomic_int finished; /* writers done */
static int reopens;

/* seen[t][i] counts lines whose id field is "t<t>-<i>". */
static unsigned char seen[THREADS][LINES];

/* Parses every line of p, strictly, and counts ids; returns the line count. */
static int
scan(const char *p, const char *field)
{
	FILE *f = fopen(p, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int lines = 0;

	if (f == NULL)
		return 0;
	while ((n = getline(&buf, &cap, f)) > 0) {
		json_error_t e;
		json_t *j;
		unsigned t = 0, i = 0;
		const char *id;

		if (buf[n - 1] != '\n')
			fail_msg("partial line: %s", buf);
		j = json_loadb(buf, (size_t)n - 1, JSON_REJECT_DUPLICATES, &e);
		if (j == NULL)
			fail_msg("invalid line (%s): %s", e.text, buf);
		id = json_string_value(json_object_get(j, field));
		if (id == NULL || sscanf(id, "t%u-%u", &t, &i) != 2 || t >= THREADS || i >= LINES)
			fail_msg("bad id in %s", buf);
		seen[t][i]++;
		json_decref(j);
		lines++;
	}
	free(buf);
	fclose(f);
	return lines;
}

static void
assert_each_seen_once(void)
{
	for (int t = 0; t < THREADS; t++)
		for (int i = 0; i < LINES; i++)
			if (seen[t][i] != 1)
				fail_msg("line t%d-%d seen %d times", t, i, seen[t][i]);
	memset(seen, 0, sizeof(seen));
}

struct job {
	int id;
	bool flush;  /* call jet_log_flush at the end */
	bool events; /* also write an event per line */
};

static void *
writer(void *arg)
{
	const struct job *job = arg;
	struct jet_access_rec r = { .method = "POST", .path = JET_STR_LIT("/v1/ingest"),
		.status = 202, .bytes_in = 512, .bytes_out = 40, .duration_us = 99,
		.peer = "127.0.0.1:40000", .identity = "spiffe://jet/device/x" };
	char id[32];

	for (int i = 0; i < LINES; i++) {
		snprintf(id, sizeof(id), "t%d-%d", job->id, i);
		r.request_id = id;
		jet_log_access(&r);
		if (job->events)
			jet_log_event(JET_LOG_WARN, "test", "concurrent", "rid", id, "pad",
				"some words to make the line longer than a few bytes", NULL);
	}
	if (job->flush)
		jet_log_flush();
	atomic_fetch_add(&finished, 1);
	return NULL;
}

static void
run(bool flush, bool events, bool reopen)
{
	pthread_t th[THREADS];
	struct job jobs[THREADS];
	char err[256];

	atomic_store(&finished, 0);
	for (int t = 0; t < THREADS; t++) {
		jobs[t] = (struct job){ t, flush, events };
		assert_int_equal(pthread_create(&th[t], NULL, writer, &jobs[t]), 0);
	}
	/* Re-open back and forth for as long as they write. */
	reopens = 0;
	while (reopen && atomic_load(&finished) < THREADS) {
		bool second = reopens++ % 2 == 0;

		assert_int_equal(jet_log_open(second ? access2_path : access_path,
			second ? error2_path : error_path, JET_LOG_INFO, err, sizeof(err)), JET_OK);
		usleep(200);
	}
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(pthread_join(th[t], NULL), 0);
	jet_log_flush();
}

static void
explicit_flush(void **state)
{
	run(true, false, false);
	assert_int_equal(scan(access_path, "request_id"), THREADS * LINES);
	assert_each_seen_once();
}

static void
flush_at_thread_exit(void **state)
{
	run(false, false, false);
	assert_int_equal(scan(access_path, "request_id"), THREADS * LINES);
	assert_each_seen_once();
}

static void
events_and_access_while_reopening(void **state)
{
	int a1, a2, e1, e2;

	run(false, true, true);
	a1 = scan(access_path, "request_id");
	a2 = scan(access2_path, "request_id");
	assert_int_equal(a1 + a2, THREADS * LINES);
	assert_each_seen_once();
	e1 = scan(error_path, "rid");
	e2 = scan(error2_path, "rid");
	assert_int_equal(e1 + e2, THREADS * LINES);
	assert_each_seen_once();
	/* the swap really happened under the writers' feet */
	print_message("%d re-opens; access %d + %d, error %d + %d\n", reopens, a1, a2, e1, e2);
	assert_true(reopens >= 4);
	assert_true(e1 > 0 && e2 > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(explicit_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(flush_at_thread_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(events_and_access_while_reopening, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
