/*
 * lib/conf: print_defaults (content, quoting, and that its output loads
 * back to the defaults), refusal of malformed tables, and split_addr.
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
	uint64_t timeout;
	uint64_t body;
	char *hashy;
	char *padded;
	char *empty;
	char *unset;
	bool flag;
	int mode;
	char *path;
};

static const char *const modes[] = { "off", "on", NULL };

/* Sections interleaved on purpose: output groups them in first-seen order. */
static const struct jet_conf_option table[] = {
	{ "server", "listen", JET_CONF_ADDR, offsetof(struct cfg, listen), "[::1]:8443", 0, 0, NULL,
		"where to listen" },
	{ "http", "timeout", JET_CONF_DURATION, offsetof(struct cfg, timeout), "90s", 1000,
		3600000, NULL, "head deadline" },
	{ "server", "workers", JET_CONF_UINT, offsetof(struct cfg, workers), "4", 1, 64, NULL,
		"threads\nsecond line" },
	{ "http", "body", JET_CONF_SIZE, offsetof(struct cfg, body), "64k", 0, 0, NULL, NULL },
	{ "odd", "hashy", JET_CONF_STRING, offsetof(struct cfg, hashy), "a#b \"c\" d\\e", 0, 0,
		NULL, "needs quotes" },
	{ "odd", "padded", JET_CONF_STRING, offsetof(struct cfg, padded), "  lead and trail ", 0, 0,
		NULL, "needs quotes" },
	{ "odd", "empty", JET_CONF_STRING, offsetof(struct cfg, empty), "", 0, 0, NULL, "empty" },
	{ "odd", "unset", JET_CONF_STRING, offsetof(struct cfg, unset), NULL, 0, 0, NULL, "unset" },
	{ "odd", "flag", JET_CONF_BOOL, offsetof(struct cfg, flag), "yes", 0, 0, NULL, "flag" },
	{ "odd", "mode", JET_CONF_ENUM, offsetof(struct cfg, mode), "on", 0, 0, modes, "mode" },
	{ "odd", "path", JET_CONF_PATH, offsetof(struct cfg, path), "/tmp/x y", 0, 0, NULL, "path" },
};
#define N JET_ARRAY_LEN(table)

static char err[512];

/* noinline: once inlined at -O2, gcc's -Wdangling-pointer mistakes the
 * returned open_memstream buffer for this function's local variable. */
__attribute__((noinline)) static char *
print_to_string(const struct jet_conf_option *t, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	jet_conf_print_defaults(t, n, f);
	fclose(f);
	return buf;
}

static void
output_content(void **state)
{
	char *out = print_to_string(table, N);
	char *server = strstr(out, "\n[server]\n"), *http = strstr(out, "\n[http]\n");
	char *odd = strstr(out, "\n[odd]\n");

	/* each section once, in first-seen order, its options grouped under it */
	assert_non_null(server);
	assert_non_null(http);
	assert_non_null(odd);
	assert_true(server < http && http < odd);
	assert_null(strstr(server + 1, "\n[server]\n"));
	assert_true(strstr(out, "workers = 4") < http);
	assert_true(strstr(out, "timeout = 90s") > http);
	/* help, hints with ranges in file syntax, and the environment name */
	assert_non_null(strstr(out, "# where to listen\n# (address host:port or [v6]:port; "
		"env JETSTREAM_SERVER_LISTEN)\nlisten = [::1]:8443\n"));
	assert_non_null(strstr(out, "# threads\n# second line\n# (integer 1 to 64; env "
		"JETSTREAM_SERVER_WORKERS)\n"));
	assert_non_null(strstr(out, "# (duration 1s to 1h; env JETSTREAM_HTTP_TIMEOUT)\n"));
	assert_non_null(strstr(out, "\n# (size >= 0; env JETSTREAM_HTTP_BODY)\nbody = 64k\n"));
	assert_non_null(strstr(out, "# (enum: off, on; env JETSTREAM_ODD_MODE)\nmode = on\n"));
	/* values the lexer would misread are quoted; unset is commented out */
	assert_non_null(strstr(out, "\nhashy = \"a#b \\\"c\\\" d\\\\e\"\n"));
	assert_non_null(strstr(out, "\npadded = \"  lead and trail \"\n"));
	assert_non_null(strstr(out, "\nempty = \"\"\n"));
	assert_non_null(strstr(out, "\n#unset =\n"));
	assert_non_null(strstr(out, "\npath = /tmp/x y\n"));
	free(out);
}

static void
output_loads_back_to_the_defaults(void **state)
{
	struct cfg a, b;
	char *out = print_to_string(table, N);
	char path[512];
	const char *base = getenv("JET_TEST_TMP");
	FILE *f;

	snprintf(path, sizeof(path), "%s/conf-print-%d.conf", base ? base : "/tmp", (int)getpid());
	if (base != NULL)
		mkdir(base, 0700);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(out, f);
	fclose(f);
	free(out);

	memset(&a, 0, sizeof(a));
	memset(&b, 0xa5, sizeof(b));
	assert_int_equal(jet_conf_load(table, N, &a, NULL, err, sizeof(err)), JET_OK);
	if (jet_conf_load(table, N, &b, path, err, sizeof(err)) != JET_OK)
		fail_msg("printed defaults refused: %s", err);
	assert_string_equal(a.listen, b.listen);
	assert_int_equal(a.workers, b.workers);
	assert_int_equal(a.timeout, b.timeout);
	assert_int_equal(a.body, b.body);
	assert_string_equal(b.hashy, "a#b \"c\" d\\e");
	assert_string_equal(b.padded, "  lead and trail ");
	assert_string_equal(b.empty, "");
	assert_null(b.unset);
	assert_true(b.flag);
	assert_int_equal(b.mode, 1);
	assert_string_equal(a.path, b.path);
	jet_conf_free(table, N, &a);
	jet_conf_free(table, N, &b);
	unlink(path);
}

/* ------------------------------------------------------------ bad tables */

struct one {
	uint64_t u;
	char *s;
	int e;
};

static void
table_refused(const struct jet_conf_option *t, size_t n, const char *message)
{
	struct one o;

	memset(&o, 0x5a, sizeof(o));
	assert_int_equal(jet_conf_load(t, n, &o, NULL, err, sizeof(err)), JET_EINVAL);
	if (strcmp(err, message) != 0)
		fail_msg(" got: %s\nwant: %s", err, message);
	/* dst untouched: there are no defaults to give */
	assert_true(o.u == 0x5a5a5a5a5a5a5a5aull);
}

#define U(sec, key, def, lo, hi) \
	{ sec, key, JET_CONF_UINT, offsetof(struct one, u), def, lo, hi, NULL, "" }

static void
malformed_tables(void **state)
{
	static const char *const none[] = { NULL };
	const struct jet_conf_option bad_section[] = { U("Server", "u", "1", 0, 9) };
	const struct jet_conf_option bad_key[] = { U("s", "u-x", "1", 0, 9) };
	const struct jet_conf_option empty_key[] = { U("s", "", "1", 0, 9) };
	const struct jet_conf_option null_section[] = { U(NULL, "u", "1", 0, 9) };
	const struct jet_conf_option bad_type[] = {
		{ "s", "u", (enum jet_conf_type)99, 0, "1", 0, 0, NULL, "" } };
	const struct jet_conf_option enum_nothing[] = {
		{ "s", "e", JET_CONF_ENUM, offsetof(struct one, e), NULL, 0, 0, NULL, "" } };
	const struct jet_conf_option enum_empty[] = {
		{ "s", "e", JET_CONF_ENUM, offsetof(struct one, e), NULL, 0, 0, none, "" } };
	const struct jet_conf_option min_max[] = { U("s", "u", "5", 9, 1) };
	const struct jet_conf_option twice[] = { U("s", "u", "1", 0, 9), U("s", "u", "1", 0, 9) };
	const struct jet_conf_option env_clash[] = { U("a.b", "c", "1", 0, 9),
		U("a", "b_c", "1", 0, 9) };
	const struct jet_conf_option bad_default[] = { U("s", "u", "10", 0, 9) };
	const struct jet_conf_option no_default_below_min[] = { U("s", "u", NULL, 1, 9) };
	const struct jet_conf_option ctl_default[] = {
		{ "s", "s", JET_CONF_STRING, offsetof(struct one, s), "a\nb", 0, 0, NULL, "" } };
	char longname[80];
	struct jet_conf_option long_key[] = { U("s", longname, "1", 0, 9) };

	table_refused(bad_section, 1, "configuration table: option 0: invalid section or key name");
	table_refused(bad_key, 1, "configuration table: option 0: invalid section or key name");
	table_refused(empty_key, 1, "configuration table: option 0: invalid section or key name");
	table_refused(null_section, 1,
		"configuration table: option 0: invalid section or key name");
	table_refused(bad_type, 1, "configuration table: [s] u: unknown type");
	table_refused(enum_nothing, 1, "configuration table: [s] e: enum without choices");
	table_refused(enum_empty, 1, "configuration table: [s] e: enum without choices");
	table_refused(min_max, 1, "configuration table: [s] u: min above max");
	table_refused(twice, 2, "configuration table: [s] u declared twice");
	table_refused(env_clash, 2,
		"configuration table: [a.b] c and [a] b_c share JETSTREAM_A_B_C");
	table_refused(bad_default, 1,
		"configuration table: [s] u: invalid default: 10 is above the maximum 9");
	table_refused(no_default_below_min, 1,
		"configuration table: [s] u: invalid default: no default, and 0 is below the minimum");
	table_refused(ctl_default, 1,
		"configuration table: [s] s: invalid default: control character 0x0a in value");
	/* names at and past 64 characters */
	memset(longname, 'k', 64);
	longname[64] = '\0';
	{
		struct one o;

		assert_int_equal(jet_conf_load(long_key, 1, &o, NULL, err, sizeof(err)), JET_OK);
	}
	longname[64] = 'k';
	longname[65] = '\0';
	table_refused(long_key, 1, "configuration table: option 0: invalid section or key name");
}

static void
empty_table(void **state)
{
	struct one o;
	char *out;

	assert_int_equal(jet_conf_load(table, 0, &o, NULL, err, sizeof(err)), JET_OK);
	out = print_to_string(table, 0);
	assert_null(strchr(out, '['));
	free(out);
}

/* ------------------------------------------------------------ split_addr */

static void
split_addr(void **state)
{
	char host[16];
	uint16_t port = 7;

	assert_int_equal(jet_conf_split_addr("127.0.0.1:8443", host, sizeof(host), &port), JET_OK);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8443);
	assert_int_equal(jet_conf_split_addr("[::1]:1", host, sizeof(host), &port), JET_OK);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 1);
	assert_int_equal(jet_conf_split_addr("[fe80::1%eth0]:65535", host, sizeof(host), &port),
		JET_OK);
	assert_string_equal(host, "fe80::1%eth0");
	assert_int_equal(port, 65535);
	assert_int_equal(jet_conf_split_addr("localhost:80", host, sizeof(host), &port), JET_OK);
	assert_string_equal(host, "localhost");

	/* host buffer: exactly enough (15 + NUL), then one short */
	assert_int_equal(jet_conf_split_addr("123456789012345:1", host, 16, &port), JET_OK);
	assert_string_equal(host, "123456789012345");
	port = 7;
	memcpy(host, "keep", 5);
	assert_int_equal(jet_conf_split_addr("1234567890123456:1", host, 16, &port), JET_ETOOBIG);
	assert_string_equal(host, "keep"); /* outputs only on success */
	assert_int_equal(port, 7);

	static const char *const bad[] = { "127.0.0.1", "127.0.0.1:", "h:0", "h:65536", ":80",
		"[::1]", "::1:80", "[::1]:0", "[::1]:65536", "a b:1", "", "h:1 ", " h:1" };
	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++)
		if (jet_conf_split_addr(bad[i], host, sizeof(host), &port) != JET_EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(jet_conf_split_addr(NULL, host, sizeof(host), &port), JET_EINVAL);
	assert_int_equal(port, 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(output_content),
		cmocka_unit_test(output_loads_back_to_the_defaults),
		cmocka_unit_test(malformed_tables),
		cmocka_unit_test(empty_table),
		cmocka_unit_test(split_addr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
