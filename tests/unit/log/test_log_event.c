/*
 * lib/log events: exact layout and field order, timestamps, escaping of
 * hostile bytes, the 4 KiB cap (values cut, fields dropped, "truncated"),
 * fixed keys that cannot be shadowed, the level filter, and the streams:
 * a file, "off", "-" (stderr), the stderr default, re-open and failed opens.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "jet/log.h"

static char dir[400], access_path[512], error_path[512];

static char *
slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	if (f == NULL)
		return buf;
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
setup(void **state)
{
	const char *base = getenv("JET_TEST_TMP");
	char err[256];

	if (base == NULL)
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(dir, sizeof(dir), "%s/log-event-XXXXXX", base);
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

/* Parses the one line of text (strictly: duplicate keys refused). */
static json_t *
only_line(const char *text, size_t *linelen)
{
	json_error_t e;
	const char *nl = strchr(text, '\n');
	json_t *j;

	if (nl == NULL || nl[1] != '\0')
		fail_msg("want exactly one line, got: %s", text);
	j = json_loadb(text, (size_t)(nl - text), JSON_REJECT_DUPLICATES, &e);
	if (j == NULL)
		fail_msg("invalid JSON line (%s): %s", e.text, text);
	if (linelen != NULL)
		*linelen = (size_t)(nl - text) + 1;
	return j;
}

static void
layout_and_order(void **state)
{
	char *text;
	const char *want = "\",\"level\":\"warn\",\"component\":\"tls\",\"msg\":\"handshake failed\","
		"\"peer\":\"127.0.0.1:5000\",\"reason\":\"no shared cipher\",\"absent\":null}\n";
	struct tm tm = { 0 };
	int ms;
	uint64_t now = jet_wall_ms(), t;

	jet_log_event(JET_LOG_WARN, "tls", "handshake failed", "peer", "127.0.0.1:5000", "reason",
		"no shared cipher", "absent", NULL, NULL);
	text = slurp(error_path);
	/* {"ts":"YYYY-MM-DDTHH:MM:SS.mmmZ" then the fields in this order */
	assert_memory_equal(text, "{\"ts\":\"", 7);
	assert_string_equal(text + 31, want);
	assert_int_equal(sscanf(text + 7, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon,
		&tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms), 7);
	assert_int_equal(text[30], 'Z');
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = (uint64_t)timegm(&tm) * 1000 + (uint64_t)ms;
	assert_true(t + 5000 > now && t < now + 5000);
	free(text);
}

static void
every_level_name(void **state)
{
	char err[256], *text;
	json_t *j;
	static const char *const names[] = { "debug", "info", "warn", "error" };

	assert_int_equal(jet_log_open(access_path, error_path, JET_LOG_DEBUG, err, sizeof(err)),
		JET_OK);
	for (int l = JET_LOG_DEBUG; l <= JET_LOG_ERROR; l++)
		jet_log_event((enum jet_log_level)l, "c", "m", NULL);
	text = slurp(error_path);
	for (int l = 0; l < 4; l++) {
		char *nl = strchr(text, '\n');
		char *line = text;
		json_error_t e;

		assert_non_null(nl);
		*nl = '\0';
		j = json_loads(line, 0, &e);
		assert_non_null(j);
		assert_string_equal(json_string_value(json_object_get(j, "level")), names[l]);
		json_decref(j);
		memmove(text, nl + 1, strlen(nl + 1) + 1);
	}
	assert_string_equal(text, "");
	free(text);
}

static void
hostile_bytes_stay_one_valid_line(void **state)
{
	char *text;
	json_t *j;

	jet_log_event(JET_LOG_ERROR, "c\n\"omp", "line1\nline2\r\x1b[31m\x01\x7f \"q\" \\",
		"bad\xff" "key", "caf\xc3\xa9 \xc3 \xed\xa0\x80 \xe2\x80\xa8", NULL);
	text = slurp(error_path);
	j = only_line(text, NULL);
	assert_null(strchr(text, '\x1b'));
	assert_null(strchr(text, '\r'));
	assert_string_equal(json_string_value(json_object_get(j, "component")), "c\n\"omp");
	assert_string_equal(json_string_value(json_object_get(j, "msg")),
		"line1\nline2\r\x1b[31m\x01\x7f \"q\" \\");
	/* invalid UTF-8, in a key and in a value, became U+FFFD */
	assert_string_equal(json_string_value(json_object_get(j, "bad\xef\xbf\xbdkey")),
		"caf\xc3\xa9 \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xe2\x80\xa8");
	json_decref(j);
	free(text);
}

static void
fixed_keys_cannot_be_shadowed(void **state)
{
	char *text;
	json_t *j;

	jet_log_event(JET_LOG_WARN, "c", "m", "level", "debug", "ts", "1970", "msg", "fake",
		"component", "other", "truncated", "yes", NULL);
	text = slurp(error_path);
	j = only_line(text, NULL); /* strict parse: no duplicate keys */
	assert_string_equal(json_string_value(json_object_get(j, "level")), "warn");
	assert_string_equal(json_string_value(json_object_get(j, "_level")), "debug");
	assert_string_equal(json_string_value(json_object_get(j, "_ts")), "1970");
	assert_string_equal(json_string_value(json_object_get(j, "_msg")), "fake");
	assert_string_equal(json_string_value(json_object_get(j, "_component")), "other");
	assert_string_equal(json_string_value(json_object_get(j, "_truncated")), "yes");
	assert_null(json_object_get(j, "truncated"));
	json_decref(j);
	free(text);
}

static void
null_component_and_message(void **state)
{
	char *text;
	json_t *j;

	jet_log_event(JET_LOG_ERROR, NULL, NULL, NULL);
	text = slurp(error_path);
	j = only_line(text, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "component")), "");
	assert_string_equal(json_string_value(json_object_get(j, "msg")), "");
	json_decref(j);
	free(text);
}

/* A value exactly at the cap is kept whole; one byte more is cut. */
static void
value_cap_at_and_past(void **state)
{
	char v[JET_LOG_VALUE_MAX + 2], *text;
	size_t at = JET_LOG_VALUE_MAX - 2; /* the literal's quotes take 2 */
	json_t *j;

	memset(v, 'v', sizeof(v));
	v[at] = '\0';
	jet_log_event(JET_LOG_ERROR, "c", "m", "k", v, NULL);
	text = slurp(error_path);
	j = only_line(text, NULL);
	assert_int_equal(json_string_length(json_object_get(j, "k")), at);
	assert_null(json_object_get(j, "truncated"));
	json_decref(j);
	free(text);
	truncate(error_path, 0);

	v[at] = 'v';
	v[at + 1] = '\0';
	jet_log_event(JET_LOG_ERROR, "c", "m", "k", v, NULL);
	text = slurp(error_path);
	j = only_line(text, NULL);
	{
		const char *s = json_string_value(json_object_get(j, "k"));
		size_t n = json_string_length(json_object_get(j, "k"));

		assert_true(n < at + 1);
		assert_memory_equal(s + n - 3, "\xe2\x80\xa6", 3); /* ends in an ellipsis */
	}
	assert_true(json_is_true(json_object_get(j, "truncated")));
	json_decref(j);
	free(text);
}

/* Many big fields: the line stops at 4 KiB, whole fields are dropped, the
 * ones kept are intact, and the line says it was truncated. */
static void
line_cap(void **state)
{
	char v[900], *text;
	size_t len;
	json_t *j;

	memset(v, 'x', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	jet_log_event(JET_LOG_ERROR, "c", "m", "a", v, "b", v, "c", v, "d", v, "e", v, "f", v,
		"g", v, NULL);
	text = slurp(error_path);
	j = only_line(text, &len);
	assert_true(len <= JET_LOG_LINE_MAX);
	assert_true(len > JET_LOG_LINE_MAX - 1000); /* and used most of it */
	assert_true(json_is_true(json_object_get(j, "truncated")));
	assert_int_equal(json_string_length(json_object_get(j, "a")), sizeof(v) - 1);
	assert_int_equal(json_string_length(json_object_get(j, "d")), sizeof(v) - 1);
	assert_null(json_object_get(j, "g"));
	json_decref(j);
	free(text);
}

/* Escaping multiplies size by 6: the cap holds on the escaped form. */
static void
line_cap_with_escapes(void **state)
{
	char v[3000], *text;
	size_t len;
	json_t *j;

	memset(v, '\x01', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	jet_log_event(JET_LOG_ERROR, "c", v, "a", v, "b", v, "c", v, "d", v, "e", v, NULL);
	text = slurp(error_path);
	j = only_line(text, &len);
	assert_true(len <= JET_LOG_LINE_MAX);
	assert_true(json_is_true(json_object_get(j, "truncated")));
	json_decref(j);
	free(text);
}

/*
 * Sweeps the room left for the last field through every value from "plenty"
 * to "none": three big fields and a filler of growing length come first,
 * then "z":"zzzzz".  Every line must end right, parse, stay within the cap,
 * keep "z" whole or say "truncated", and say "truncated" only when it was.
 */
static void
sweep_room(const char *component, bool already_cut)
{
	char big[1001], filler[1000];

	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(filler, 'f', sizeof(filler));
	for (size_t flen = 800; flen < 990; flen++) {
		char *text;
		size_t len;
		json_t *j, *z;

		truncate(error_path, 0);
		filler[flen] = '\0';
		jet_log_event(JET_LOG_ERROR, component, "m", "a", big, "b", big, "c", big, "f",
			filler, "z", "zzzzz", NULL);
		filler[flen] = 'f';
		text = slurp(error_path);
		j = only_line(text, &len);
		if (len > JET_LOG_LINE_MAX)
			fail_msg("filler %zu: line of %zu bytes", flen, len);
		z = json_object_get(j, "z");
		if (!already_cut && z != NULL && strcmp(json_string_value(z), "zzzzz") == 0 &&
		    json_string_length(json_object_get(j, "f")) == flen)
			assert_null(json_object_get(j, "truncated"));
		else
			assert_true(json_is_true(json_object_get(j, "truncated")));
		json_decref(j);
		free(text);
	}
}

static void
every_room_near_the_cap(void **state)
{
	char comp[100];

	sweep_room("c", false);
	/* a component past its 64-byte cap: "truncated" is due from the start,
	 * so its 19 bytes must stay reserved at every step */
	memset(comp, 'k', sizeof(comp) - 1);
	comp[sizeof(comp) - 1] = '\0';
	sweep_room(comp, true);
}

/* SIGHUP after SIGHUP: the same fd numbers are reused, none leaks. */
static size_t
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static void
reopen_does_not_leak_fds(void **state)
{
	char err[256];
	size_t before;

	/* twice first: the first open from the stderr default allocates */
	assert_int_equal(jet_log_open(access_path, error_path, JET_LOG_INFO, err, sizeof(err)),
		JET_OK);
	before = open_fds();
	for (int i = 0; i < 20; i++) {
		assert_int_equal(jet_log_open(access_path, error_path, JET_LOG_INFO, err,
			sizeof(err)), JET_OK);
		assert_int_equal(jet_log_open(i % 2 ? "-" : "off", error_path, JET_LOG_INFO, err,
			sizeof(err)), JET_OK);
	}
	assert_int_equal(jet_log_open(access_path, error_path, JET_LOG_INFO, err, sizeof(err)),
		JET_OK);
	assert_int_equal(open_fds(), before);
	jet_log_event(JET_LOG_ERROR, "c", "after-many-reopens", NULL);
	{
		char *text = slurp(error_path);

		assert_non_null(strstr(text, "after-many-reopens"));
		free(text);
	}
}

static void
level_filter(void **state)
{
	char err[256], *text;

	assert_int_equal(jet_log_open(access_path, error_path, JET_LOG_WARN, err, sizeof(err)),
		JET_OK);
	assert_false(jet_log_enabled(JET_LOG_DEBUG));
	assert_false(jet_log_enabled(JET_LOG_INFO));
	assert_true(jet_log_enabled(JET_LOG_WARN));
	assert_true(jet_log_enabled(JET_LOG_ERROR));
	assert_false(jet_log_enabled((enum jet_log_level)7));
	jet_log_event(JET_LOG_DEBUG, "c", "hidden-debug", NULL);
	jet_log_event(JET_LOG_INFO, "c", "hidden-info", NULL);
	jet_log_event(JET_LOG_WARN, "c", "shown-warn", NULL);
	jet_log_event(JET_LOG_ERROR, "c", "shown-error", NULL);
	text = slurp(error_path);
	assert_null(strstr(text, "hidden"));
	assert_non_null(strstr(text, "shown-warn"));
	assert_non_null(strstr(text, "shown-error"));
	free(text);
	/* access lines ignore the level */
	{
		struct jet_access_rec r = { .method = "GET", .path = JET_STR_LIT("/"), .status = 200 };

		assert_int_equal(jet_log_open(access_path, error_path, JET_LOG_ERROR, err,
			sizeof(err)), JET_OK);
		jet_log_access(&r);
		jet_log_flush();
		text = slurp(access_path);
		assert_non_null(strstr(text, "\"type\":\"access\""));
		free(text);
	}
}

static void
level_parse(void **state)
{
	enum jet_log_level l = JET_LOG_ERROR;

	assert_int_equal(jet_log_level_parse("debug", &l), JET_OK);
	assert_int_equal(l, JET_LOG_DEBUG);
	assert_int_equal(jet_log_level_parse("info", &l), JET_OK);
	assert_int_equal(l, JET_LOG_INFO);
	assert_int_equal(jet_log_level_parse("warn", &l), JET_OK);
	assert_int_equal(l, JET_LOG_WARN);
	assert_int_equal(jet_log_level_parse("error", &l), JET_OK);
	assert_int_equal(l, JET_LOG_ERROR);
	assert_int_equal(jet_log_level_parse("WARN", &l), JET_EINVAL);
	assert_int_equal(jet_log_level_parse("warning", &l), JET_EINVAL);
	assert_int_equal(jet_log_level_parse("", &l), JET_EINVAL);
	assert_int_equal(jet_log_level_parse(NULL, &l), JET_EINVAL);
	assert_int_equal(l, JET_LOG_ERROR);
}

static void
off_writes_nothing(void **state)
{
	char err[256], *text;
	struct jet_access_rec r = { .method = "GET", .path = JET_STR_LIT("/"), .status = 200 };

	assert_int_equal(jet_log_open("off", "off", JET_LOG_DEBUG, err, sizeof(err)), JET_OK);
	assert_false(jet_log_enabled(JET_LOG_ERROR));
	jet_log_event(JET_LOG_ERROR, "c", "nowhere", NULL);
	jet_log_access(&r);
	jet_log_flush();
	text = slurp(error_path);
	assert_string_equal(text, "");
	free(text);
	text = slurp(access_path);
	assert_string_equal(text, "");
	free(text);
	/* and back on: the same files again */
	assert_int_equal(jet_log_open(access_path, error_path, JET_LOG_INFO, err, sizeof(err)),
		JET_OK);
	jet_log_event(JET_LOG_ERROR, "c", "back", NULL);
	text = slurp(error_path);
	assert_non_null(strstr(text, "back"));
	free(text);
}

/* Runs fn with fd 2 (and 1) pointing at files; returns what stderr got. */
static char *
capture_std(void (*fn)(void), char **out_stdout)
{
	char epath[512], opath[512];
	int save2 = dup(2), save1 = dup(1), e, o;
	char *text;

	snprintf(epath, sizeof(epath), "%s/stderr.txt", dir);
	snprintf(opath, sizeof(opath), "%s/stdout.txt", dir);
	e = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	o = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(e >= 0 && o >= 0);
	fflush(stdout);
	dup2(e, 2);
	dup2(o, 1);
	fn();
	dup2(save2, 2);
	dup2(save1, 1);
	close(save2);
	close(save1);
	close(e);
	close(o);
	text = slurp(epath);
	if (out_stdout != NULL)
		*out_stdout = slurp(opath);
	return text;
}

static void
log_both(void)
{
	struct jet_access_rec r = { .method = "PUT", .path = JET_STR_LIT("/std"), .status = 204 };

	jet_log_event(JET_LOG_ERROR, "c", "to-std", NULL);
	jet_log_access(&r);
	jet_log_flush();
}

static void
dash_means_stdout_and_stderr(void **state)
{
	char err[256], *e, *o;

	assert_int_equal(jet_log_open("-", "-", JET_LOG_INFO, err, sizeof(err)), JET_OK);
	e = capture_std(log_both, &o);
	assert_non_null(strstr(e, "to-std"));
	assert_null(strstr(e, "/std"));
	assert_non_null(strstr(o, "\"path\":\"/std\""));
	assert_null(strstr(o, "to-std"));
	free(e);
	free(o);
}

static void
stderr_before_open_and_after_close(void **state)
{
	char *e, *o;

	jet_log_close(); /* back to the initial state: both on stderr, info */
	assert_false(jet_log_enabled(JET_LOG_DEBUG));
	assert_true(jet_log_enabled(JET_LOG_INFO));
	e = capture_std(log_both, &o);
	assert_non_null(strstr(e, "to-std"));
	assert_non_null(strstr(e, "\"path\":\"/std\""));
	assert_string_equal(o, "");
	free(e);
	free(o);
}

static void
reopen_switches_files(void **state)
{
	char err[256], rotated[600], *a, *b;

	jet_log_event(JET_LOG_ERROR, "c", "before-rotate", NULL);
	/* logrotate: rename, then re-open the same path */
	snprintf(rotated, sizeof(rotated), "%s.1", error_path);
	assert_int_equal(rename(error_path, rotated), 0);
	jet_log_event(JET_LOG_ERROR, "c", "still-old", NULL);
	assert_int_equal(jet_log_open(access_path, error_path, JET_LOG_INFO, err, sizeof(err)),
		JET_OK);
	jet_log_event(JET_LOG_ERROR, "c", "after-rotate", NULL);
	a = slurp(rotated);
	b = slurp(error_path);
	assert_non_null(strstr(a, "before-rotate"));
	assert_non_null(strstr(a, "still-old"));
	assert_null(strstr(a, "after-rotate"));
	assert_non_null(strstr(b, "after-rotate"));
	assert_null(strstr(b, "before-rotate"));
	free(a);
	free(b);
}

static void
new_files_are_0640_and_append(void **state)
{
	struct stat st;
	char err[256], p[600], *text;
	mode_t old = umask(0);

	snprintf(p, sizeof(p), "%s/new-error.log", dir);
	{
		FILE *f = fopen(p, "w");

		assert_non_null(f);
		fputs("existing\n", f);
		fclose(f);
	}
	unlink(p);
	assert_int_equal(jet_log_open("off", p, JET_LOG_INFO, err, sizeof(err)), JET_OK);
	umask(old);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	jet_log_event(JET_LOG_ERROR, "c", "one", NULL);
	assert_int_equal(jet_log_open("off", p, JET_LOG_INFO, err, sizeof(err)), JET_OK);
	jet_log_event(JET_LOG_ERROR, "c", "two", NULL);
	text = slurp(p);
	assert_non_null(strstr(text, "one"));
	assert_non_null(strstr(text, "two")); /* appended, not truncated */
	free(text);
}

static void
failed_open_changes_nothing(void **state)
{
	char err[256], bad[600], *text;

	snprintf(bad, sizeof(bad), "%s/no/such/dir/e.log", dir);
	assert_int_equal(jet_log_open(access_path, bad, JET_LOG_DEBUG, err, sizeof(err)), JET_EIO);
	assert_non_null(strstr(err, "error log"));
	assert_non_null(strstr(err, bad));
	assert_non_null(strstr(err, "No such file or directory"));
	assert_int_equal(jet_log_open(bad, error_path, JET_LOG_DEBUG, err, sizeof(err)), JET_EIO);
	assert_non_null(strstr(err, "access log"));
	/* level unchanged (info), still writing to the old error file */
	assert_false(jet_log_enabled(JET_LOG_DEBUG));
	jet_log_event(JET_LOG_ERROR, "c", "still-here", NULL);
	text = slurp(error_path);
	assert_non_null(strstr(text, "still-here"));
	free(text);
	assert_int_equal(jet_log_open(NULL, error_path, JET_LOG_INFO, err, sizeof(err)),
		JET_EINVAL);
	assert_int_equal(jet_log_open(access_path, error_path, (enum jet_log_level)9, err,
		sizeof(err)), JET_EINVAL);
	assert_int_equal(jet_log_open(access_path, bad, JET_LOG_INFO, NULL, 0), JET_EIO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(layout_and_order, setup, teardown),
		cmocka_unit_test_setup_teardown(every_level_name, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_bytes_stay_one_valid_line, setup, teardown),
		cmocka_unit_test_setup_teardown(fixed_keys_cannot_be_shadowed, setup, teardown),
		cmocka_unit_test_setup_teardown(null_component_and_message, setup, teardown),
		cmocka_unit_test_setup_teardown(value_cap_at_and_past, setup, teardown),
		cmocka_unit_test_setup_teardown(line_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(line_cap_with_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(every_room_near_the_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(reopen_does_not_leak_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(level_filter, setup, teardown),
		cmocka_unit_test(level_parse),
		cmocka_unit_test_setup_teardown(off_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(dash_means_stdout_and_stderr, setup, teardown),
		cmocka_unit_test_setup_teardown(stderr_before_open_and_after_close, setup, teardown),
		cmocka_unit_test_setup_teardown(reopen_switches_files, setup, teardown),
		cmocka_unit_test_setup_teardown(new_files_are_0640_and_append, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_open_changes_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
