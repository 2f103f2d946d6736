/*
 * lib/log: every line is valid JSON with the documented fields; secrets
 * are redacted by key and by shape; control bytes and invalid UTF-8 never
 * break a line; lines from many threads neither interleave nor get lost.
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

#include <cmocka.h>
#include <jansson.h>

#include "jet/log.h"


/* A fresh directory under $JET_TEST_TMP (local, so this test links without
 * the HTTP test support in a JET_ONLY_MODULES build). */
static void
test_tmpdir(char *out, size_t outlen, const char *tag)
{
	const char *base = getenv("JET_TEST_TMP");

	if (base == NULL)
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(out, outlen, "%s/%s-XXXXXX", base, tag);
	assert_non_null(mkdtemp(out));
}

static char access_path[512], error_path[512];

static char *
slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	char *buf = calloc(1, 1 << 22);
	size_t n;

	if (f == NULL)
		return buf;
	n = fread(buf, 1, (1 << 22) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
setup(void **state)
{
	char dir[400], err[256];

	test_tmpdir(dir, sizeof(dir), "log");
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

/* Parses every line; returns how many, failing on any invalid one. */
static int
each_line(char *text, json_t **last)
{
	char *save = NULL;
	int n = 0;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_error_t je;
		json_t *j = json_loads(l, 0, &je);

		if (j == NULL)
			fail_msg("invalid JSON line: %s", l);
		if (last) {
			json_decref(*last);
			*last = j;
		} else {
			json_decref(j);
		}
		n++;
	}
	return n;
}

static void
access_line_has_fields(void **state)
{
	struct jet_access_rec r = { .method = "GET", .path = JET_STR_LIT("/v1/x"), .status = 201,
		.bytes_in = 3, .bytes_out = 99, .duration_us = 1234, .peer = "127.0.0.1:5",
		.request_id = "rid-1", .identity = "spiffe://t/device/d1" };
	json_t *j = NULL;
	char *text;

	jet_log_access(&r);
	jet_log_flush();
	text = slurp(access_path);
	assert_int_equal(each_line(text, &j), 1);
	assert_string_equal(json_string_value(json_object_get(j, "method")), "GET");
	assert_string_equal(json_string_value(json_object_get(j, "path")), "/v1/x");
	assert_int_equal(json_integer_value(json_object_get(j, "status")), 201);
	assert_int_equal(json_integer_value(json_object_get(j, "bytes_out")), 99);
	assert_int_equal(json_integer_value(json_object_get(j, "duration_us")), 1234);
	assert_string_equal(json_string_value(json_object_get(j, "request_id")), "rid-1");
	assert_string_equal(json_string_value(json_object_get(j, "identity")), "spiffe://t/device/d1");
	assert_non_null(json_object_get(j, "ts"));
	json_decref(j);
	free(text);
}

static void
secrets_redacted_by_key_and_shape(void **state)
{
	json_t *j = NULL;
	char *text;

	jet_log_event(JET_LOG_WARN, "test", "event",
		"authorization", "Basic c2VjcmV0", "client_secret", "s3cr3t-value",
		"password", "hunter2", "private_key", "-----BEGIN", "cookie", "sid=abc",
		"note", "Bearer abc.def.ghi",
		"other", "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
		"peer", "127.0.0.1:1", NULL);
	text = slurp(error_path);
	assert_null(strstr(text, "c2VjcmV0"));
	assert_null(strstr(text, "s3cr3t-value"));
	assert_null(strstr(text, "hunter2"));
	assert_null(strstr(text, "BEGIN"));
	assert_null(strstr(text, "sid=abc"));
	assert_null(strstr(text, "abc.def.ghi"));
	assert_null(strstr(text, "eyJhbGci"));
	assert_int_equal(each_line(text, &j), 1);
	assert_string_equal(json_string_value(json_object_get(j, "peer")), "127.0.0.1:1");
	assert_string_equal(json_string_value(json_object_get(j, "password")), "[redacted]");
	assert_string_equal(json_string_value(json_object_get(j, "level")), "warn");
	json_decref(j);
	free(text);
}

static void
hostile_bytes_keep_lines_valid(void **state)
{
	char big[6000];
	char *text;
	json_t *j = NULL;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	jet_log_event(JET_LOG_ERROR, "test", "ctl\n\r\t\x01\"\\ and \xff\xfe bad utf8", "long", big,
		NULL);
	text = slurp(error_path);
	/* One line: the newline inside the message was escaped. */
	assert_int_equal(each_line(text, &j), 1);
	assert_true(strlen(text) <= 4096);
	json_decref(j);
	free(text);
}

static void
level_filter(void **state)
{
	char *text;

	jet_log_event(JET_LOG_DEBUG, "test", "hidden", NULL);
	assert_false(jet_log_enabled(JET_LOG_DEBUG));
	assert_true(jet_log_enabled(JET_LOG_WARN));
	text = slurp(error_path);
	assert_null(strstr(text, "hidden"));
	free(text);
}

static void *
writer(void *arg)
{
	struct jet_access_rec r = { .method = "GET", .path = JET_STR_LIT("/t"), .status = 200,
		.peer = "p", .request_id = "r" };

	for (int i = 0; i < 2000; i++)
		jet_log_access(&r);
	jet_log_flush();
	return arg;
}

static void
threads_never_interleave_or_lose(void **state)
{
	pthread_t t[4];
	char *text;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, writer, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	text = slurp(access_path);
	assert_int_equal(each_line(text, NULL), 8000);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(access_line_has_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(secrets_redacted_by_key_and_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_bytes_keep_lines_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(level_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(threads_never_interleave_or_lose, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
