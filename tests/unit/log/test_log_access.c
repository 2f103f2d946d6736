/*
 * lib/log access lines: exact layout, omitted identity, hostile and huge
 * fields, and when buffered lines reach the file: not before a flush, when
 * the per-thread buffer is full, at thread exit, at process exit (also for a
 * thread still running), on close and on re-open.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "jet/log.h"

static char dir[400], access_path[512], error_path[512];

static char *
slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	char *buf = calloc(1, 1 << 21);
	size_t n;

	if (f == NULL)
		return buf;
	n = fread(buf, 1, (1 << 21) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Number of lines in the file, each checked to be a valid JSON object. */
static int
count_lines(const char *p)
{
	char *text = slurp(p), *line = text, *nl;
	int n = 0;

	while ((nl = strchr(line, '\n')) != NULL) {
		json_error_t e;
		/* \u0000 is valid JSON (a NUL in a path is escaped, not dropped) */
		json_t *j = json_loadb(line, (size_t)(nl - line),
			JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);

		if (j == NULL)
			fail_msg("invalid line %d: %s", n, e.text);
		json_decref(j);
		n++;
		line = nl + 1;
	}
	assert_string_equal(line, ""); /* no partial line */
	free(text);
	return n;
}

static int
setup(void **state)
{
	const char *base = getenv("JET_TEST_TMP");
	char err[256];

	if (base == NULL)
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(dir, sizeof(dir), "%s/log-access-XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(access_path, sizeof(access_path), "%s/access.log", dir);
	snprintf(error_path, sizeof(error_path), "%s/error.log", dir);
	return jet_log_open(access_path, error_path, JET_LOG_INFO, err, sizeof(err)) == JET_OK ?
		0 : -1;
}

static int
teardown(void **state)
{
	jet_log_close();
	return 0;
}

static const struct jet_access_rec sample = {
	.method = "GET", .path = { "/healthz", 8 }, .status = 200, .bytes_in = 0,
	.bytes_out = 123, .duration_us = 456, .peer = "127.0.0.1:5555",
	.request_id = "r-1", .identity = "spiffe://jet/device/d1",
};

static void
layout(void **state)
{
	struct jet_access_rec r = sample;
	char *text;

	jet_log_access(&r);
	r.identity = NULL; /* omitted, not null */
	r.bytes_in = UINT64_MAX;
	r.status = -1;
	jet_log_access(&r);
	jet_log_flush();
	text = slurp(access_path);
	assert_memory_equal(text, "{\"ts\":\"", 7);
	assert_int_equal(text[30], 'Z');
	{
		static const char first[] = "\",\"type\":\"access\",\"method\":\"GET\","
			"\"path\":\"/healthz\",\"status\":200,\"bytes_in\":0,\"bytes_out\":123,"
			"\"duration_us\":456,\"peer\":\"127.0.0.1:5555\",\"request_id\":\"r-1\","
			"\"identity\":\"spiffe://jet/device/d1\"}\n";

		assert_memory_equal(text + 31, first, sizeof(first) - 1);
	}
	{
		const char *second = strchr(text, '\n') + 1;

		assert_string_equal(second + 31,
			"\",\"type\":\"access\",\"method\":\"GET\",\"path\":\"/healthz\",\"status\":-1,"
			"\"bytes_in\":18446744073709551615,\"bytes_out\":123,\"duration_us\":456,"
			"\"peer\":\"127.0.0.1:5555\",\"request_id\":\"r-1\"}\n");
	}
	free(text);
}

static void
null_fields(void **state)
{
	struct jet_access_rec r = { .status = 400, .path = { NULL, 5 } };
	char *text;

	jet_log_access(&r);
	jet_log_access(NULL); /* ignored */
	jet_log_flush();
	text = slurp(access_path);
	assert_string_equal(text + 31,
		"\",\"type\":\"access\",\"method\":\"\",\"path\":\"\",\"status\":400,\"bytes_in\":0,"
		"\"bytes_out\":0,\"duration_us\":0,\"peer\":\"\",\"request_id\":\"\"}\n");
	free(text);
}

static void
hostile_path(void **state)
{
	static const char path[] = "/a\"b\\c\n\r\x01\x1b[2J\xff\xc0\xaf/\xe2\x82\xac\0tail";
	struct jet_access_rec r = sample;
	char *text;
	json_t *j;

	r.path = (struct jet_str){ path, sizeof(path) - 1 };
	jet_log_access(&r);
	jet_log_flush();
	assert_int_equal(count_lines(access_path), 1);
	text = slurp(access_path);
	assert_non_null(strstr(text, "\\u0000tail"));
	j = json_loads(text, JSON_ALLOW_NUL, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "path")),
		"/a\"b\\c\n\r\x01\x1b[2J\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd/\xe2\x82\xac");
	/* the NUL was escaped, not an end: the tail is there (3 bad bytes became
	 * 3 x U+FFFD: 25 bytes in, 31 out) */
	assert_int_equal(json_string_length(json_object_get(j, "path")), 31);
	assert_memory_equal(json_string_value(json_object_get(j, "path")) + 26, "\0tail", 5);
	json_decref(j);
	free(text);
}

static void
huge_fields_are_capped(void **state)
{
	static char path[10000], ident[3000], rid[500];
	struct jet_access_rec r = sample;
	char *text;
	json_t *j;

	memset(path, 'p', sizeof(path));
	path[0] = '/';
	memset(ident, 'i', sizeof(ident) - 1);
	memset(rid, 'r', sizeof(rid) - 1);
	r.path = (struct jet_str){ path, sizeof(path) };
	r.identity = ident;
	r.request_id = rid;
	jet_log_access(&r);
	jet_log_flush();
	assert_int_equal(count_lines(access_path), 1);
	text = slurp(access_path);
	assert_true(strlen(text) <= JET_LOG_LINE_MAX);
	j = json_loads(text, 0, NULL);
	assert_true(json_is_true(json_object_get(j, "truncated")));
	assert_true(json_string_length(json_object_get(j, "path")) < 2048);
	assert_memory_equal(json_string_value(json_object_get(j, "path")), "/ppp", 4);
	/* the small fields after the big ones survive */
	assert_int_equal(json_integer_value(json_object_get(j, "status")), 200);
	assert_string_equal(json_string_value(json_object_get(j, "peer")), "127.0.0.1:5555");
	assert_non_null(json_object_get(j, "identity"));
	json_decref(j);
	free(text);
}

static size_t
sample_line_len(void)
{
	struct stat st;
	struct jet_access_rec r = sample;

	jet_log_access(&r);
	jet_log_flush();
	assert_int_equal(stat(access_path, &st), 0);
	truncate(access_path, 0);
	return (size_t)st.st_size;
}

static void
buffered_until_flush_or_full(void **state)
{
	size_t len = sample_line_len(), fit = JET_LOG_ACCESS_BUF / len;
	struct jet_access_rec r = sample;

	for (size_t i = 0; i < fit; i++)
		jet_log_access(&r);
	assert_int_equal(count_lines(access_path), 0); /* nothing written yet */
	jet_log_access(&r);                            /* does not fit: flush first */
	assert_int_equal(count_lines(access_path), (int)fit);
	jet_log_flush();
	assert_int_equal(count_lines(access_path), (int)fit + 1);
	jet_log_flush(); /* nothing more */
	assert_int_equal(count_lines(access_path), (int)fit + 1);
}

static void *
write_and_exit(void *arg)
{
	struct jet_access_rec r = sample;
	int n = (int)(intptr_t)arg;

	for (int i = 0; i < n; i++)
		jet_log_access(&r);
	return NULL; /* no flush: the thread-exit destructor does it */
}

static void
thread_exit_flushes(void **state)
{
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, write_and_exit, (void *)(intptr_t)10), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(count_lines(access_path), 10);
}

static void
many_short_threads(void **state)
{
	pthread_t t[100];

	for (int i = 0; i < 100; i++)
		assert_int_equal(pthread_create(&t[i], NULL, write_and_exit, (void *)(intptr_t)3), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(count_lines(access_path), 300);
}

static pthread_mutex_t park_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cv = PTHREAD_COND_INITIALIZER;
static int parked;

/* Writes 5 lines, then waits forever: still alive when the process exits. */
static void *
write_and_park(void *arg)
{
	struct jet_access_rec r = sample;

	for (int i = 0; i < 5; i++)
		jet_log_access(&r);
	pthread_mutex_lock(&park_mu);
	parked = 1;
	pthread_cond_broadcast(&park_cv);
	for (;;)
		pthread_cond_wait(&park_cv, &park_mu);
	return NULL;
}

static void
process_exit_flushes(void **state)
{
	pid_t pid;
	int status;

	jet_log_flush(); /* the child must not inherit unwritten lines */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct jet_access_rec r = sample;
		pthread_t t;

		for (int i = 0; i < 3; i++)
			jet_log_access(&r); /* main thread, never flushed */
		pthread_create(&t, NULL, write_and_park, NULL);
		pthread_mutex_lock(&park_mu);
		while (!parked)
			pthread_cond_wait(&park_cv, &park_mu);
		pthread_mutex_unlock(&park_mu);
		exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(count_lines(access_path), 8);
}

static void
close_flushes(void **state)
{
	struct jet_access_rec r = sample;

	jet_log_access(&r);
	jet_log_access(&r);
	assert_int_equal(count_lines(access_path), 0);
	jet_log_close();
	assert_int_equal(count_lines(access_path), 2);
}

static void
reopen_writes_buffered_lines_to_the_old_file(void **state)
{
	struct jet_access_rec r = sample;
	char err[256], other[600];

	jet_log_access(&r);
	snprintf(other, sizeof(other), "%s/access2.log", dir);
	assert_int_equal(jet_log_open(other, error_path, JET_LOG_INFO, err, sizeof(err)), JET_OK);
	jet_log_access(&r);
	jet_log_access(&r);
	jet_log_flush();
	assert_int_equal(count_lines(access_path), 1);
	assert_int_equal(count_lines(other), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(layout, setup, teardown),
		cmocka_unit_test_setup_teardown(null_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_path, setup, teardown),
		cmocka_unit_test_setup_teardown(huge_fields_are_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(buffered_until_flush_or_full, setup, teardown),
		cmocka_unit_test_setup_teardown(thread_exit_flushes, setup, teardown),
		cmocka_unit_test_setup_teardown(many_short_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(process_exit_flushes, setup, teardown),
		cmocka_unit_test_setup_teardown(close_flushes, setup, teardown),
		cmocka_unit_test_setup_teardown(reopen_writes_buffered_lines_to_the_old_file, setup,
			teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
