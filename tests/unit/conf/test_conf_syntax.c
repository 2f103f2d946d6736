/*
 * lib/conf, the file format: every syntax error and its exact
 * "path:line: reason", comments and quotes, line and file limits, and the
 * all-or-nothing promise (a refused file leaves only the defaults).
 *
 * The test runs in a private directory under $JET_TEST_TMP so the files are
 * named "api.conf" as an operator would see them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "jet/conf.h"

struct cfg {
	char *listen;
	uint64_t workers;
	uint64_t max_body;
	uint64_t header_timeout;
	char *name;
	bool flag;
	char *dotted;
};

static const struct jet_conf_option table[] = {
	{ "server", "listen", JET_CONF_ADDR, offsetof(struct cfg, listen), "127.0.0.1:8443", 0, 0,
		NULL, "listen address" },
	{ "server", "workers", JET_CONF_UINT, offsetof(struct cfg, workers), "2", 1, 256, NULL,
		"worker threads" },
	{ "http", "max_body", JET_CONF_SIZE, offsetof(struct cfg, max_body), "1m", 0, 1u << 30,
		NULL, "largest body" },
	{ "http", "header_timeout", JET_CONF_DURATION, offsetof(struct cfg, header_timeout), "10s",
		1, 3600000, NULL, "head deadline" },
	{ "misc", "name", JET_CONF_STRING, offsetof(struct cfg, name), "jet", 0, 0, NULL, "name" },
	{ "misc", "flag", JET_CONF_BOOL, offsetof(struct cfg, flag), "off", 0, 0, NULL, "flag" },
	{ "a.b-c_9", "v", JET_CONF_STRING, offsetof(struct cfg, dotted), NULL, 0, 0, NULL, "odd" },
};
#define N JET_ARRAY_LEN(table)

static char err[512];

static void
write_bytes(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int
load_bytes(struct cfg *c, const char *data, size_t len)
{
	write_bytes("api.conf", data, len);
	/* Garbage first: load must not read or free what dst held. */
	memset(c, 0xa5, sizeof(*c));
	return jet_conf_load(table, N, c, "api.conf", err, sizeof(err));
}

static int
load(struct cfg *c, const char *text)
{
	return load_bytes(c, text, strlen(text));
}

static void
assert_defaults(const struct cfg *c)
{
	assert_string_equal(c->listen, "127.0.0.1:8443");
	assert_int_equal(c->workers, 2);
	assert_int_equal(c->max_body, 1 << 20);
	assert_int_equal(c->header_timeout, 10000);
	assert_string_equal(c->name, "jet");
	assert_false(c->flag);
	assert_null(c->dotted);
}

/* The file is refused with exactly this message, and dst holds defaults. */
static void
refused(const char *text, const char *message)
{
	struct cfg c;

	if (load(&c, text) != JET_ECONF)
		fail_msg("accepted: %s", text);
	if (strcmp(err, message) != 0)
		fail_msg("for %s\n got: %s\nwant: %s", text, err, message);
	assert_defaults(&c);
	jet_conf_free(table, N, &c);
}

static int
enter_tmpdir(void **state)
{
	const char *base = getenv("JET_TEST_TMP");
	char dir[512];

	if (base == NULL)
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(dir, sizeof(dir), "%s/conf-syntax-XXXXXX", base);
	if (mkdtemp(dir) == NULL || chdir(dir) != 0)
		return -1;
	return 0;
}

static void
messages_from_the_brief(void **state)
{
	refused("# api\n\n[server]\nlisten = 127.0.0.1:1\n\n# the next is a typo\nlisen = x\n",
		"api.conf:7: unknown key 'lisen' in [server]");
	refused("[server]\nworkers = 3\nlisten = 1.2.3.4:80\nlisten = 1.2.3.4:81\n",
		"api.conf:4: duplicate key 'listen'");
	refused("[server]\n[http]\n\n\n\n\n\n\nmax_body = 3x\n",
		"api.conf:9: max_body: '3x' is not a size (e.g. 512k, 1m)");
	refused("\n\n[server]\nworkers = 500\n", "api.conf:4: workers: 500 is above the maximum 256");
	refused("#\nlisten = 1.2.3.4:80\n", "api.conf:2: key outside any section");
	refused("[misc]\n\n\n\nname = \"abc\n", "api.conf:5: unterminated quote");
}

static void
sections(void **state)
{
	struct cfg c;

	refused("[nope]\n", "api.conf:1: unknown section [nope]");
	refused("[server]\nworkers = 3\n[server]\n",
		"api.conf:3: duplicate section [server] (first at line 1)");
	static const char *const bad[] = { "[ server ]", "[Server]", "[server", "[]",
		"[server] x", "[ser ver]", "[server]]", "[[server]]", "[server/x]" };
	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++) {
		char text[64];

		snprintf(text, sizeof(text), "\n%s\n", bad[i]);
		refused(text,
			"api.conf:2: invalid section header (expected [name], name of a-z 0-9 _ . -)");
	}
	/* '.', '-', '_', digits are section characters; a comment may follow */
	assert_int_equal(load(&c, "  [a.b-c_9]   # odd name\nv = x\n"), JET_OK);
	assert_string_equal(c.dotted, "x");
	jet_conf_free(table, N, &c);
}

static void
keys(void **state)
{
	refused("[server]\nWorkers = 2\n",
		"api.conf:2: invalid key 'Workers' (keys are a-z, 0-9 and _)");
	refused("[server]\nwork-ers = 2\n",
		"api.conf:2: invalid key 'work-ers' (keys are a-z, 0-9 and _)");
	refused("[server]\nworkers 2\n", "api.conf:2: expected 'key = value'");
	refused("[server]\nworkers\n", "api.conf:2: expected 'key = value'");
	refused("[server]\n= 2\n", "api.conf:2: expected 'key = value'");
	refused("[server]\nworkers: 2\n",
		"api.conf:2: invalid key 'workers:' (keys are a-z, 0-9 and _)");
	/* a key of another section is unknown here */
	refused("[server]\nmax_body = 1k\n", "api.conf:2: unknown key 'max_body' in [server]");
	/* the echo of a long unknown key is bounded */
	refused("[server]\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1\n",
		"api.conf:2: unknown key 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' in [server]");
}

static void
values_quotes_and_comments(void **state)
{
	static const struct {
		const char *line;
		const char *value;
	} ok[] = {
		{ "name = plain", "plain" },
		{ "name=tight", "tight" },
		{ "name = \t inner  spaces kept \t ", "inner  spaces kept" },
		{ "name = a # comment", "a" },
		{ "name = a#b", "a" },
		{ "name = # only a comment", "" },
		{ "name =", "" },
		{ "name = \"\"", "" },
		{ "name = \"  padded  \"", "  padded  " },
		{ "name = \"a # not a comment\" # but this is", "a # not a comment" },
		{ "name = \"q\\\"uote\"", "q\"uote" },
		{ "name = \"back\\\\slash\"", "back\\slash" },
		{ "name = \"\\\\\\\"\"", "\\\"" },
		{ "name = back\\slash", "back\\slash" }, /* no escapes outside quotes */
		{ "name = caf\xc3\xa9", "caf\xc3\xa9" },
		{ "\t name \t=\t x", "x" },
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(ok); i++) {
		struct cfg c;
		char text[256];

		snprintf(text, sizeof(text), "[misc]\n%s\n", ok[i].line);
		if (load(&c, text) != JET_OK)
			fail_msg("refused %s: %s", ok[i].line, err);
		if (strcmp(c.name, ok[i].value) != 0)
			fail_msg("%s gave '%s', want '%s'", ok[i].line, c.name, ok[i].value);
		jet_conf_free(table, N, &c);
	}
	refused("[misc]\nname = \"a\\nb\"\n",
		"api.conf:2: invalid escape \\'n' in quoted value (only \\\" and \\\\)");
	refused("[misc]\nname = \"a\\\"\n", "api.conf:2: unterminated quote");
	refused("[misc]\nname = \"a\\\n", "api.conf:2: unterminated quote");
	refused("[misc]\nname = \"x\" y\n", "api.conf:2: unexpected text after the closing quote");
	refused("[misc]\nname = \"x\"\"y\"\n",
		"api.conf:2: unexpected text after the closing quote");
	refused("[misc]\nname = a\"b\n",
		"api.conf:2: unexpected '\"' in an unquoted value (quote the whole value)");
}

static void
line_ends_and_blank_lines(void **state)
{
	struct cfg c;

	/* CRLF, no final newline, whitespace-only and comment-only lines */
	assert_int_equal(load(&c, "# c\r\n\r\n  \t \r\n[server]\r\nworkers = 7\r\n  # x\r\n"
		"[misc]\r\nname = crlf"), JET_OK);
	assert_int_equal(c.workers, 7);
	assert_string_equal(c.name, "crlf");
	jet_conf_free(table, N, &c);
	/* an empty file is the defaults */
	assert_int_equal(load(&c, ""), JET_OK);
	assert_defaults(&c);
	jet_conf_free(table, N, &c);
	/* a lone CR inside a line is a control character */
	refused("[misc]\nname = a\rb\n", "api.conf:2: control character 0x0d");
	refused("[misc]\nname = a\x01" "b\n", "api.conf:2: control character 0x01");
	refused("[misc]\nname = a\x7f\n", "api.conf:2: control character 0x7f");
	refused("[misc]\n# \x1b[31m in a comment too\n", "api.conf:2: control character 0x1b");
}

static void
nul_byte(void **state)
{
	struct cfg c;
	static const char text[] = "[misc]\nname = a\n\nname\0 = b\n";

	assert_int_equal(load_bytes(&c, text, sizeof(text) - 1), JET_ECONF);
	assert_string_equal(err, "api.conf:4: NUL byte");
	assert_defaults(&c);
	jet_conf_free(table, N, &c);
}

/* Builds "[misc]\nname = xxx...\n" whose second line is exactly linelen bytes. */
static char *
long_line_file(size_t linelen, size_t *total)
{
	char *t = malloc(linelen + 16);

	memcpy(t, "[misc]\nname = ", 14);
	memset(t + 14, 'x', linelen - 7);
	t[7 + linelen] = '\n';
	*total = 7 + linelen + 1;
	return t;
}

static void
line_length_at_and_past(void **state)
{
	struct cfg c;
	size_t len;
	char *t = long_line_file(JET_CONF_LINE_MAX, &len);

	assert_int_equal(load_bytes(&c, t, len), JET_OK);
	assert_int_equal(strlen(c.name), JET_CONF_LINE_MAX - 7);
	jet_conf_free(table, N, &c);
	/* CRLF does not count against the limit */
	t[len - 1] = '\r';
	t = realloc(t, len + 1);
	t[len] = '\n';
	assert_int_equal(load_bytes(&c, t, len + 1), JET_OK);
	jet_conf_free(table, N, &c);
	free(t);

	t = long_line_file(JET_CONF_LINE_MAX + 1, &len);
	assert_int_equal(load_bytes(&c, t, len), JET_ECONF);
	assert_string_equal(err, "api.conf:2: line longer than 4096 bytes");
	assert_defaults(&c);
	jet_conf_free(table, N, &c);
	free(t);
	/* a comment line is a line too */
	t = long_line_file(JET_CONF_LINE_MAX + 1, &len);
	memcpy(t + 7, "#", 1);
	assert_int_equal(load_bytes(&c, t, len), JET_ECONF);
	assert_string_equal(err, "api.conf:2: line longer than 4096 bytes");
	jet_conf_free(table, N, &c);
	free(t);
}

/* A file of comment lines, size bytes in all. */
static char *
big_file(size_t size)
{
	char *t = malloc(size);

	memset(t, ' ', size);
	for (size_t i = 0; i < size; i += 100) {
		t[i] = '#';
		if (i + 99 < size)
			t[i + 99] = '\n';
	}
	return t;
}

static void
file_size_at_and_past(void **state)
{
	struct cfg c;
	char *t = big_file(JET_CONF_FILE_MAX);

	assert_int_equal(load_bytes(&c, t, JET_CONF_FILE_MAX), JET_OK);
	assert_defaults(&c);
	jet_conf_free(table, N, &c);
	free(t);
	t = big_file(JET_CONF_FILE_MAX + 1);
	assert_int_equal(load_bytes(&c, t, JET_CONF_FILE_MAX + 1), JET_ECONF);
	assert_string_equal(err, "api.conf: file larger than 1048576 bytes");
	assert_defaults(&c);
	jet_conf_free(table, N, &c);
	free(t);
}

static void
unreadable_files(void **state)
{
	struct cfg c;

	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(jet_conf_load(table, N, &c, "missing.conf", err, sizeof(err)), JET_ECONF);
	assert_string_equal(err, "missing.conf: No such file or directory");
	assert_defaults(&c);
	jet_conf_free(table, N, &c);
	mkdir("api.d", 0700);
	assert_int_equal(jet_conf_load(table, N, &c, "api.d", err, sizeof(err)), JET_ECONF);
	assert_string_equal(err, "api.d: Is a directory");
	jet_conf_free(table, N, &c);
}

/* Every valid line before the bad one is dropped, strings included. */
static void
nothing_half_applied(void **state)
{
	refused("[server]\nworkers = 9\nlisten = 10.0.0.1:1\n[misc]\nname = other\nflag = on\n"
		"[a.b-c_9]\nv = set\n[http]\nmax_body = 2m\nheader_timeout = 1x\n",
		"api.conf:11: header_timeout: '1x' is not a duration (e.g. 250ms, 10s, 5m, 1h, 7d)");
}

static void
null_file_and_err(void **state)
{
	struct cfg c;

	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(jet_conf_load(table, N, &c, NULL, NULL, 0), JET_OK);
	assert_defaults(&c);
	jet_conf_free(table, N, &c);
	assert_null(c.name); /* free resets */
	jet_conf_free(table, N, &c); /* and is idempotent */
	jet_conf_free(table, N, NULL);
	/* err NULL on failure is fine too; a short err is truncated */
	write_bytes("api.conf", "[nope]\n", 7);
	assert_int_equal(jet_conf_load(table, N, &c, "api.conf", NULL, 0), JET_ECONF);
	jet_conf_free(table, N, &c);
	{
		char small[10];

		assert_int_equal(jet_conf_load(table, N, &c, "api.conf", small, sizeof(small)),
			JET_ECONF);
		assert_string_equal(small, "api.conf:");
		jet_conf_free(table, N, &c);
	}
	assert_int_equal(jet_conf_load(table, N, NULL, NULL, err, sizeof(err)), JET_EINVAL);
	assert_int_equal(jet_conf_load(NULL, 1, &c, NULL, err, sizeof(err)), JET_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(messages_from_the_brief),
		cmocka_unit_test(sections),
		cmocka_unit_test(keys),
		cmocka_unit_test(values_quotes_and_comments),
		cmocka_unit_test(line_ends_and_blank_lines),
		cmocka_unit_test(nul_byte),
		cmocka_unit_test(line_length_at_and_past),
		cmocka_unit_test(file_size_at_and_past),
		cmocka_unit_test(unreadable_files),
		cmocka_unit_test(nothing_half_applied),
		cmocka_unit_test(null_file_and_err),
	};
	return cmocka_run_group_tests(tests, enter_tmpdir, NULL);
}
