/*
 * lib/conf: every value type, ranges at and past their bounds, errors with
 * file:line, environment overrides and their errors, precedence, and the
 * promise that a refused file leaves the defaults untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <cmocka.h>

#include "jet/conf.h"

struct cfg {
	char *name;
	char *path;
	uint64_t count;
	bool flag;
	uint64_t timeout_ms;
	uint64_t size;
	int mode;
	char *addr;
};


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

static const char *const modes[] = { "off", "optional", "required", NULL };

#define O(sec, key, type, field, def, lo, hi, ch) \
	{ sec, key, type, offsetof(struct cfg, field), def, lo, hi, ch, "help" }
static const struct jet_conf_option table[] = {
	O("main", "name", JET_CONF_STRING, name, "jet", 0, 0, NULL),
	O("main", "path", JET_CONF_PATH, path, "./data", 0, 0, NULL),
	O("main", "count", JET_CONF_UINT, count, "4", 1, 64, NULL),
	O("main", "flag", JET_CONF_BOOL, flag, "false", 0, 0, NULL),
	O("net", "timeout", JET_CONF_DURATION, timeout_ms, "10s", 100, 3600000, NULL),
	O("net", "size", JET_CONF_SIZE, size, "1m", 0, 1073741824ull, NULL),
	O("net", "mode", JET_CONF_ENUM, mode, "off", 0, 0, modes),
	O("net", "addr", JET_CONF_ADDR, addr, "127.0.0.1:8443", 0, 0, NULL),
};
#define N JET_ARRAY_LEN(table)

static char path[512];
static char err[512];

static void
write_conf(const char *text)
{
	char dir[400];
	FILE *f;

	test_tmpdir(dir, sizeof(dir), "conf");
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
load(struct cfg *c, const char *text)
{
	memset(c, 0, sizeof(*c));
	if (text == NULL)
		return jet_conf_load(table, N, c, NULL, err, sizeof(err));
	write_conf(text);
	return jet_conf_load(table, N, c, path, err, sizeof(err));
}

static void
assert_defaults(const struct cfg *c)
{
	assert_string_equal(c->name, "jet");
	assert_int_equal(c->count, 4);
	assert_false(c->flag);
	assert_int_equal(c->timeout_ms, 10000);
	assert_int_equal(c->size, 1048576);
	assert_int_equal(c->mode, 0);
	assert_string_equal(c->addr, "127.0.0.1:8443");
}

static void
defaults_apply_without_a_file(void **state)
{
	struct cfg c;

	assert_int_equal(load(&c, NULL), JET_OK);
	assert_defaults(&c);
	jet_conf_free(table, N, &c);
}

static void
every_type_parses(void **state)
{
	struct cfg c;

	assert_int_equal(load(&c, "# comment\n\n[main]\nname = \"a # b\"  # trailing\n"
		"count = 64\nflag = yes\n[net]\ntimeout = 250ms\nsize = 64k\nmode = required\n"
		"addr = [::1]:9443\n"), JET_OK);
	assert_string_equal(c.name, "a # b");
	assert_int_equal(c.count, 64);
	assert_true(c.flag);
	assert_int_equal(c.timeout_ms, 250);
	assert_int_equal(c.size, 65536);
	assert_int_equal(c.mode, 2);
	assert_string_equal(c.addr, "[::1]:9443");
	jet_conf_free(table, N, &c);

	assert_int_equal(load(&c, "[net]\ntimeout = 5m\nsize = 2g\n"), JET_ECONF); /* 2g > max */
	jet_conf_free(table, N, &c);
	assert_int_equal(load(&c, "[net]\ntimeout = 1h\nsize = 1g\n"), JET_OK);
	assert_int_equal(c.timeout_ms, 3600000);
	assert_int_equal(c.size, 1073741824ull);
	jet_conf_free(table, N, &c);
}

/* Each bad file fails with file:line naming the right line, and leaves
 * exactly the defaults behind. */
static void
errors_name_file_and_line(void **state)
{
	static const struct {
		const char *text;
		int line;
	} bad[] = {
		{ "[main]\nlisten = x\n", 2 },            /* unknown key */
		{ "[nope]\n", 1 },                        /* unknown section */
		{ "name = x\n", 1 },                      /* outside a section */
		{ "[main]\nname = a\nname = b\n", 3 },    /* duplicate */
		{ "[main]\ncount = 0\n", 2 },             /* below min */
		{ "[main]\ncount = 65\n", 2 },            /* above max */
		{ "[main]\ncount = 1x\n", 2 },            /* not a number */
		{ "[main]\ncount = -1\n", 2 },
		{ "[main]\nflag = maybe\n", 2 },
		{ "[net]\ntimeout = 99ms\n", 2 },         /* below min */
		{ "[net]\ntimeout = soon\n", 2 },
		{ "[net]\nsize = 3x\n", 2 },
		{ "[net]\nmode = sometimes\n", 2 },
		{ "[net]\naddr = nohost\n", 2 },
		{ "[net]\naddr = 1.2.3.4:0\n", 2 },
		{ "[net]\naddr = 1.2.3.4:65536\n", 2 },
		{ "[main]\nname = \"open\n", 2 },          /* unterminated quote */
		{ "[main]\npath = \n", 2 },               /* PATH must not be empty */
		{ "\n\n[main]\nname\n", 4 },              /* no '=' */
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++) {
		struct cfg c;
		char want[600];

		assert_int_equal(load(&c, bad[i].text), JET_ECONF);
		snprintf(want, sizeof(want), "%s:%d:", path, bad[i].line);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("case %zu: got '%s', want prefix '%s'", i, err, want);
		assert_defaults(&c);
		jet_conf_free(table, N, &c);
	}
}

static void
nothing_half_applied(void **state)
{
	struct cfg c;

	/* Valid lines first, then one bad line: none of the valid ones stick. */
	assert_int_equal(load(&c, "[main]\nname = changed\ncount = 9\n[net]\nmode = maybe\n"),
		JET_ECONF);
	assert_defaults(&c);
	jet_conf_free(table, N, &c);
}

static void
limits_on_the_file_itself(void **state)
{
	struct cfg c;
	char *big = malloc(5000);

	memset(big, 'a', 4999);
	big[4999] = '\0';
	memcpy(big, "[main]\nname = ", 14);
	assert_int_equal(load(&c, big), JET_ECONF); /* a line over 4096 bytes */
	jet_conf_free(table, N, &c);
	free(big);
	{
		char withnul[] = "[main]\nname = a\0b\n";
		FILE *f;

		write_conf("");
		f = fopen(path, "w");
		fwrite(withnul, 1, sizeof(withnul) - 1, f);
		fclose(f);
		memset(&c, 0, sizeof(c));
		assert_int_equal(jet_conf_load(table, N, &c, path, err, sizeof(err)), JET_ECONF);
		jet_conf_free(table, N, &c);
	}
	memset(&c, 0, sizeof(c));
	assert_int_equal(jet_conf_load(table, N, &c, "/nonexistent/x.conf", err, sizeof(err)),
		JET_ECONF);
	assert_non_null(strstr(err, "/nonexistent/x.conf"));
	jet_conf_free(table, N, &c);
}

static void
environment_overrides_file(void **state)
{
	struct cfg c;

	setenv("JETSTREAM_MAIN_COUNT", "7", 1);
	setenv("JETSTREAM_NET_MODE", "optional", 1);
	assert_int_equal(load(&c, "[main]\ncount = 9\nname = fromfile\n"), JET_OK);
	assert_int_equal(c.count, 7);          /* env beats file */
	assert_string_equal(c.name, "fromfile"); /* file beats default */
	assert_int_equal(c.mode, 1);
	jet_conf_free(table, N, &c);

	setenv("JETSTREAM_MAIN_COUNT", "700", 1);
	assert_int_equal(load(&c, "[main]\nname = fromfile\n"), JET_ECONF);
	assert_non_null(strstr(err, "JETSTREAM_MAIN_COUNT"));
	assert_defaults(&c);
	jet_conf_free(table, N, &c);
	unsetenv("JETSTREAM_MAIN_COUNT");
	unsetenv("JETSTREAM_NET_MODE");
}

static void
printed_defaults_parse_back(void **state)
{
	struct cfg c;
	char dir[400], p[512];
	FILE *f;

	test_tmpdir(dir, sizeof(dir), "conf-print");
	snprintf(p, sizeof(p), "%s/defaults.conf", dir);
	f = fopen(p, "w");
	jet_conf_print_defaults(table, N, f);
	fclose(f);
	memset(&c, 0, sizeof(c));
	assert_int_equal(jet_conf_load(table, N, &c, p, err, sizeof(err)), JET_OK);
	assert_defaults(&c);
	jet_conf_free(table, N, &c);
}

static void
split_addr_cases(void **state)
{
	char host[64];
	uint16_t port;

	assert_int_equal(jet_conf_split_addr("127.0.0.1:8443", host, sizeof(host), &port), JET_OK);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8443);
	assert_int_equal(jet_conf_split_addr("[::1]:1", host, sizeof(host), &port), JET_OK);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 1);
	assert_int_not_equal(jet_conf_split_addr("127.0.0.1", host, sizeof(host), &port), JET_OK);
	assert_int_not_equal(jet_conf_split_addr("h:0", host, sizeof(host), &port), JET_OK);
	assert_int_not_equal(jet_conf_split_addr("h:65536", host, sizeof(host), &port), JET_OK);
	assert_int_not_equal(jet_conf_split_addr(":80", host, sizeof(host), &port), JET_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_apply_without_a_file),
		cmocka_unit_test(every_type_parses),
		cmocka_unit_test(errors_name_file_and_line),
		cmocka_unit_test(nothing_half_applied),
		cmocka_unit_test(limits_on_the_file_itself),
		cmocka_unit_test(environment_overrides_file),
		cmocka_unit_test(printed_defaults_parse_back),
		cmocka_unit_test(split_addr_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
