/*
 * lib/conf, the environment: names (upper case, '-' and '.' -> '_'),
 * precedence default < file < environment, literal values, errors named by
 * the variable, and that a refused variable drops the whole file too.
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
	uint64_t workers;
	uint64_t max_body;
	char *name;
	char *odd;
	bool flag;
};

static const struct jet_conf_option table[] = {
	{ "server", "workers", JET_CONF_UINT, offsetof(struct cfg, workers), "2", 1, 256, NULL, "" },
	{ "http", "max_body", JET_CONF_SIZE, offsetof(struct cfg, max_body), "1m", 0, 1u << 30,
		NULL, "" },
	{ "misc", "name", JET_CONF_STRING, offsetof(struct cfg, name), "jet", 0, 0, NULL, "" },
	{ "up-stream.v2", "odd_key", JET_CONF_STRING, offsetof(struct cfg, odd), NULL, 0, 0, NULL,
		"" },
	{ "misc", "flag", JET_CONF_BOOL, offsetof(struct cfg, flag), "no", 0, 0, NULL, "" },
};
#define N JET_ARRAY_LEN(table)

static const char *const vars[] = { "JETSTREAM_SERVER_WORKERS", "JETSTREAM_HTTP_MAX_BODY",
	"JETSTREAM_MISC_NAME", "JETSTREAM_UP_STREAM_V2_ODD_KEY", "JETSTREAM_MISC_FLAG",
	"JETSTREAM_SERVER_BOGUS" };

static char err[512];

static int
clean_env(void **state)
{
	for (size_t i = 0; i < JET_ARRAY_LEN(vars); i++)
		unsetenv(vars[i]);
	return 0;
}

static int
enter_tmpdir(void **state)
{
	const char *base = getenv("JET_TEST_TMP");
	char dir[512];

	if (base == NULL)
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(dir, sizeof(dir), "%s/conf-env-XXXXXX", base);
	if (mkdtemp(dir) == NULL || chdir(dir) != 0)
		return -1;
	return clean_env(state);
}

static int
load(struct cfg *c, const char *text)
{
	FILE *f;

	memset(c, 0, sizeof(*c));
	if (text == NULL)
		return jet_conf_load(table, N, c, NULL, err, sizeof(err));
	f = fopen("api.conf", "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return jet_conf_load(table, N, c, "api.conf", err, sizeof(err));
}

static void
assert_defaults(const struct cfg *c)
{
	assert_int_equal(c->workers, 2);
	assert_int_equal(c->max_body, 1 << 20);
	assert_string_equal(c->name, "jet");
	assert_null(c->odd);
	assert_false(c->flag);
}

static void
precedence(void **state)
{
	struct cfg c;
	const char *file = "[server]\nworkers = 9\n[misc]\nname = file\n";

	assert_int_equal(load(&c, file), JET_OK);
	assert_int_equal(c.workers, 9);             /* file beats default */
	assert_string_equal(c.name, "file");
	jet_conf_free(table, N, &c);

	setenv("JETSTREAM_SERVER_WORKERS", "17", 1);
	setenv("JETSTREAM_HTTP_MAX_BODY", "2m", 1);
	assert_int_equal(load(&c, file), JET_OK);
	assert_int_equal(c.workers, 17);            /* env beats file */
	assert_int_equal(c.max_body, 2 << 20);      /* env beats default */
	assert_string_equal(c.name, "file");        /* untouched by env */
	jet_conf_free(table, N, &c);

	assert_int_equal(load(&c, NULL), JET_OK);   /* env without a file */
	assert_int_equal(c.workers, 17);
	jet_conf_free(table, N, &c);
}

static void
names_are_mapped(void **state)
{
	struct cfg c;

	setenv("JETSTREAM_UP_STREAM_V2_ODD_KEY", "mapped", 1);
	assert_int_equal(load(&c, NULL), JET_OK);
	assert_string_equal(c.odd, "mapped");
	jet_conf_free(table, N, &c);
	/* lower case or the original spelling are not the variable */
	unsetenv("JETSTREAM_UP_STREAM_V2_ODD_KEY");
	setenv("jetstream_misc_name", "lower", 1);
	setenv("JETSTREAM_UP-STREAM.V2_ODD_KEY", "dotted", 1);
	assert_int_equal(load(&c, NULL), JET_OK);
	assert_string_equal(c.name, "jet");
	assert_null(c.odd);
	jet_conf_free(table, N, &c);
	unsetenv("jetstream_misc_name");
	unsetenv("JETSTREAM_UP-STREAM.V2_ODD_KEY");
}

static void
values_are_literal(void **state)
{
	struct cfg c;

	/* no trimming, no quotes, no comments: what the variable holds */
	setenv("JETSTREAM_MISC_NAME", "  \"quoted\" # not a comment ", 1);
	assert_int_equal(load(&c, NULL), JET_OK);
	assert_string_equal(c.name, "  \"quoted\" # not a comment ");
	jet_conf_free(table, N, &c);
	/* empty is a value, not "unset" */
	setenv("JETSTREAM_MISC_NAME", "", 1);
	assert_int_equal(load(&c, NULL), JET_OK);
	assert_string_equal(c.name, "");
	jet_conf_free(table, N, &c);
}

static void
refused(const char *var, const char *value, const char *message)
{
	struct cfg c;

	setenv(var, value, 1);
	/* the file is valid: its values must not survive the env error */
	assert_int_equal(load(&c, "[server]\nworkers = 9\n[misc]\nname = file\n"), JET_ECONF);
	assert_string_equal(err, message);
	assert_defaults(&c);
	jet_conf_free(table, N, &c);
	unsetenv(var);
}

static void
errors_name_the_variable(void **state)
{
	char big[JET_CONF_LINE_MAX + 2];
	struct cfg c;

	refused("JETSTREAM_HTTP_MAX_BODY", "3x",
		"JETSTREAM_HTTP_MAX_BODY: '3x' is not a size (e.g. 512k, 1m)");
	refused("JETSTREAM_SERVER_WORKERS", "257",
		"JETSTREAM_SERVER_WORKERS: 257 is above the maximum 256");
	refused("JETSTREAM_SERVER_WORKERS", "",
		"JETSTREAM_SERVER_WORKERS: '' is not a number");
	refused("JETSTREAM_MISC_FLAG", "maybe",
		"JETSTREAM_MISC_FLAG: 'maybe' is not a boolean (true/false, yes/no, on/off, 1/0)");
	refused("JETSTREAM_MISC_NAME", "two\nlines",
		"JETSTREAM_MISC_NAME: control character 0x0a in value");
	refused("JETSTREAM_MISC_NAME", "esc\x1b[0m",
		"JETSTREAM_MISC_NAME: control character 0x1b in value");
	/* length at and past the line limit */
	memset(big, 'v', JET_CONF_LINE_MAX);
	big[JET_CONF_LINE_MAX] = '\0';
	setenv("JETSTREAM_MISC_NAME", big, 1);
	assert_int_equal(load(&c, NULL), JET_OK);
	assert_int_equal(strlen(c.name), JET_CONF_LINE_MAX);
	jet_conf_free(table, N, &c);
	big[JET_CONF_LINE_MAX] = 'v';
	big[JET_CONF_LINE_MAX + 1] = '\0';
	refused("JETSTREAM_MISC_NAME", big, "JETSTREAM_MISC_NAME: value longer than 4096 bytes");
}

static void
first_error_wins(void **state)
{
	struct cfg c;

	/* a bad file is reported even when a variable is bad too */
	setenv("JETSTREAM_HTTP_MAX_BODY", "3x", 1);
	assert_int_equal(load(&c, "[server]\nworkers = 0\n"), JET_ECONF);
	assert_string_equal(err, "api.conf:2: workers: 0 is below the minimum 1");
	assert_defaults(&c);
	jet_conf_free(table, N, &c);
	unsetenv("JETSTREAM_HTTP_MAX_BODY");
}

static void
undeclared_variables_are_ignored(void **state)
{
	struct cfg c;

	setenv("JETSTREAM_SERVER_BOGUS", "whatever", 1);
	assert_int_equal(load(&c, NULL), JET_OK);
	assert_defaults(&c);
	jet_conf_free(table, N, &c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(precedence, clean_env),
		cmocka_unit_test_teardown(names_are_mapped, clean_env),
		cmocka_unit_test_teardown(values_are_literal, clean_env),
		cmocka_unit_test_teardown(errors_name_the_variable, clean_env),
		cmocka_unit_test_teardown(first_error_wins, clean_env),
		cmocka_unit_test_teardown(undeclared_variables_are_ignored, clean_env),
	};
	return cmocka_run_group_tests(tests, enter_tmpdir, NULL);
}
