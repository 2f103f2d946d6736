/*
 * lib/conf, the value types: each accepted spelling, each refusal and its
 * reason, every range at its bounds and one past, and overflow.
 *
 * Values are fed through the environment (literal, no file syntax), which
 * exercises the same parsers as the file with less noise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jet/conf.h"

struct cfg {
	uint64_t u;     /* UINT 1..256 */
	uint64_t big;   /* UINT, no upper limit */
	uint64_t d;     /* DURATION 100ms..1h */
	uint64_t dsec;  /* DURATION 0..90s */
	uint64_t sz;    /* SIZE 0..1g */
	uint64_t szmin; /* SIZE 1k..1500 */
	bool b;
	int e;
	char *s;
	char *p;
	char *a;
};

static const char *const modes[] = { "off", "optional", "required", NULL };

#define OPT(key, type, field, def, lo, hi, ch) \
	{ "t", key, type, offsetof(struct cfg, field), def, lo, hi, ch, key }
static const struct jet_conf_option table[] = {
	OPT("u", JET_CONF_UINT, u, "2", 1, 256, NULL),
	OPT("big", JET_CONF_UINT, big, "0", 0, 0, NULL),
	OPT("d", JET_CONF_DURATION, d, "10s", 100, 3600000, NULL),
	OPT("dsec", JET_CONF_DURATION, dsec, "1s", 0, 90000, NULL),
	OPT("sz", JET_CONF_SIZE, sz, "1m", 0, 1ull << 30, NULL),
	OPT("szmin", JET_CONF_SIZE, szmin, "1k", 1024, 1500, NULL),
	OPT("b", JET_CONF_BOOL, b, "false", 0, 0, NULL),
	OPT("e", JET_CONF_ENUM, e, "optional", 0, 0, modes),
	OPT("s", JET_CONF_STRING, s, NULL, 0, 0, NULL),
	OPT("p", JET_CONF_PATH, p, "/var/lib/jet", 0, 0, NULL),
	OPT("a", JET_CONF_ADDR, a, "[::1]:443", 0, 0, NULL),
};
#define N JET_ARRAY_LEN(table)

static char err[512];

/* Loads with JETSTREAM_T_<KEY>=value; returns the rc, c filled. */
static int
with_env(struct cfg *c, const char *key, const char *value)
{
	char name[64];
	int rc;

	snprintf(name, sizeof(name), "JETSTREAM_T_%s", key);
	for (char *q = name; *q; q++)
		if (*q >= 'a' && *q <= 'z')
			*q = (char)(*q - 32);
	setenv(name, value, 1);
	memset(c, 0, sizeof(*c));
	rc = jet_conf_load(table, N, c, NULL, err, sizeof(err));
	unsetenv(name);
	return rc;
}

static uint64_t
num_ok(const char *key, const char *value, size_t off)
{
	struct cfg c;
	uint64_t v;

	if (with_env(&c, key, value) != JET_OK)
		fail_msg("%s = '%s' refused: %s", key, value, err);
	memcpy(&v, (char *)&c + off, sizeof(v));
	jet_conf_free(table, N, &c);
	return v;
}

/* Refused with "JETSTREAM_T_KEY: reason", and the defaults left. */
static void
bad(const char *key, const char *value, const char *reason)
{
	struct cfg c;
	char want[600], upper[32];

	snprintf(upper, sizeof(upper), "%s", key);
	for (char *q = upper; *q; q++)
		if (*q >= 'a' && *q <= 'z')
			*q = (char)(*q - 32);
	snprintf(want, sizeof(want), "JETSTREAM_T_%s: %s", upper, reason);
	if (with_env(&c, key, value) != JET_ECONF)
		fail_msg("%s = '%s' accepted", key, value);
	if (strcmp(err, want) != 0)
		fail_msg("%s = '%s'\n got: %s\nwant: %s", key, value, err, want);
	assert_int_equal(c.u, 2);
	assert_int_equal(c.e, 1);
	assert_string_equal(c.a, "[::1]:443");
	jet_conf_free(table, N, &c);
}

#define U(v) num_ok("u", v, offsetof(struct cfg, u))
#define BIG(v) num_ok("big", v, offsetof(struct cfg, big))
#define D(v) num_ok("d", v, offsetof(struct cfg, d))
#define DS(v) num_ok("dsec", v, offsetof(struct cfg, dsec))
#define SZ(v) num_ok("sz", v, offsetof(struct cfg, sz))

static void
defaults(void **state)
{
	struct cfg c;

	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(jet_conf_load(table, N, &c, NULL, err, sizeof(err)), JET_OK);
	assert_int_equal(c.u, 2);
	assert_int_equal(c.big, 0);
	assert_int_equal(c.d, 10000);
	assert_int_equal(c.sz, 1 << 20);
	assert_int_equal(c.szmin, 1024);
	assert_false(c.b);
	assert_int_equal(c.e, 1);
	assert_null(c.s); /* NULL default: unset */
	assert_string_equal(c.p, "/var/lib/jet");
	assert_string_equal(c.a, "[::1]:443");
	jet_conf_free(table, N, &c);
}

static void
uint_values(void **state)
{
	assert_int_equal(U("1"), 1);     /* min */
	assert_int_equal(U("256"), 256); /* max */
	assert_int_equal(U("0042"), 42);
	bad("u", "0", "0 is below the minimum 1");
	bad("u", "257", "257 is above the maximum 256");
	bad("u", "18446744073709551616", "18446744073709551616 is above the maximum 256");
	bad("u", "-1", "'-1' is not a number");
	bad("u", "+1", "'+1' is not a number");
	bad("u", "1.0", "'1.0' is not a number");
	bad("u", "0x10", "'0x10' is not a number");
	bad("u", " 1", "' 1' is not a number"); /* env values are literal */
	bad("u", "", "'' is not a number");
	bad("u", "1k", "'1k' is not a number");
	/* max 0: no upper limit, up to 2^64-1 */
	assert_true(BIG("18446744073709551615") == UINT64_MAX);
	bad("big", "18446744073709551616",
		"18446744073709551616 is above the maximum 18446744073709551615");
}

static void
duration_values(void **state)
{
	assert_int_equal(D("100ms"), 100); /* min */
	assert_int_equal(D("1h"), 3600000); /* max */
	assert_int_equal(D("3600000ms"), 3600000);
	assert_int_equal(D("60m"), 3600000);
	assert_int_equal(D("1"), 1000); /* bare number: seconds */
	assert_int_equal(D("250ms"), 250);
	assert_int_equal(D("10s"), 10000);
	assert_int_equal(D("5m"), 300000);
	assert_int_equal(DS("0"), 0);
	assert_int_equal(DS("0ms"), 0);
	assert_int_equal(DS("90s"), 90000);
	assert_int_equal(DS("1m"), 60000);
	bad("d", "99ms", "99ms is below the minimum 100ms");
	bad("d", "0", "0 is below the minimum 100ms");
	bad("d", "3600001ms", "3600001ms is above the maximum 1h");
	bad("d", "61m", "61m is above the maximum 1h");
	bad("d", "1d", "1d is above the maximum 1h");
	bad("dsec", "91s", "91s is above the maximum 90s");
	bad("dsec", "2m", "2m is above the maximum 90s");
	/* overflow of the digits, and of the multiplication */
	bad("d", "99999999999999999999ms", "99999999999999999999ms is above the maximum 1h");
	bad("d", "213503982334602d", "213503982334602d is above the maximum 1h");
	static const char *const syntax[] = { "soon", "", "ms", "1.5s", "1M", "1S", "1 s", "1sec",
		"-1s", "1h30m", "1y", "10us", " 1s" };
	for (size_t i = 0; i < JET_ARRAY_LEN(syntax); i++) {
		char reason[128];

		snprintf(reason, sizeof(reason),
			"'%s' is not a duration (e.g. 250ms, 10s, 5m, 1h, 7d)", syntax[i]);
		bad("d", syntax[i], reason);
	}
}

static void
size_values(void **state)
{
	assert_int_equal(SZ("0"), 0);         /* min */
	assert_true(SZ("1g") == 1ull << 30);  /* max */
	assert_true(SZ("1G") == 1ull << 30);
	assert_true(SZ("1024m") == 1ull << 30);
	assert_true(SZ("1048576k") == 1ull << 30);
	assert_int_equal(SZ("512"), 512);
	assert_int_equal(SZ("64k"), 65536);
	assert_int_equal(SZ("64K"), 65536);
	assert_int_equal(SZ("1m"), 1 << 20);
	assert_int_equal(SZ("1M"), 1 << 20);
	bad("sz", "1025m", "1025m is above the maximum 1g");
	bad("sz", "1073741825", "1073741825 is above the maximum 1g");
	bad("sz", "17179869184g", "17179869184g is above the maximum 1g"); /* 2^64 */
	bad("szmin", "1023", "1023 is below the minimum 1k");
	bad("szmin", "1501", "1501 is above the maximum 1500");
	assert_int_equal(num_ok("szmin", "1k", offsetof(struct cfg, szmin)), 1024);
	assert_int_equal(num_ok("szmin", "1500", offsetof(struct cfg, szmin)), 1500);
	static const char *const syntax[] = { "3x", "", "k", "1kb", "1KB", "1MiB", "1b", "1B",
		"1 k", "1.5m", "-1", "1t", "1kk" };
	for (size_t i = 0; i < JET_ARRAY_LEN(syntax); i++) {
		char reason[128];

		snprintf(reason, sizeof(reason), "'%s' is not a size (e.g. 512k, 1m)", syntax[i]);
		bad("sz", syntax[i], reason);
	}
}

static void
bool_values(void **state)
{
	static const struct {
		const char *word;
		bool value;
	} ok[] = { { "true", true }, { "yes", true }, { "on", true }, { "1", true },
		{ "false", false }, { "no", false }, { "off", false }, { "0", false } };

	for (size_t i = 0; i < JET_ARRAY_LEN(ok); i++) {
		struct cfg c;

		assert_int_equal(with_env(&c, "b", ok[i].word), JET_OK);
		assert_int_equal(c.b, ok[i].value);
		jet_conf_free(table, N, &c);
	}
	static const char *const no[] = { "TRUE", "True", "y", "n", "2", "", "enabled", "o" };
	for (size_t i = 0; i < JET_ARRAY_LEN(no); i++) {
		char reason[128];

		snprintf(reason, sizeof(reason),
			"'%s' is not a boolean (true/false, yes/no, on/off, 1/0)", no[i]);
		bad("b", no[i], reason);
	}
}

static void
enum_values(void **state)
{
	struct cfg c;

	assert_int_equal(with_env(&c, "e", "off"), JET_OK);
	assert_int_equal(c.e, 0);
	jet_conf_free(table, N, &c);
	assert_int_equal(with_env(&c, "e", "required"), JET_OK);
	assert_int_equal(c.e, 2);
	jet_conf_free(table, N, &c);
	bad("e", "OFF", "'OFF' is not one of: off, optional, required");
	bad("e", "", "'' is not one of: off, optional, required");
	bad("e", "require", "'require' is not one of: off, optional, required");
	bad("e", "1", "'1' is not one of: off, optional, required");
}

static void
string_and_path_values(void **state)
{
	struct cfg c;

	assert_int_equal(with_env(&c, "s", ""), JET_OK);
	assert_non_null(c.s);
	assert_string_equal(c.s, ""); /* set-but-empty differs from unset */
	jet_conf_free(table, N, &c);
	assert_int_equal(with_env(&c, "s", "caf\xc3\xa9 \t# \"x\""), JET_OK);
	assert_string_equal(c.s, "caf\xc3\xa9 \t# \"x\"");
	jet_conf_free(table, N, &c);
	assert_int_equal(with_env(&c, "p", "relative/dir"), JET_OK);
	assert_string_equal(c.p, "relative/dir");
	jet_conf_free(table, N, &c);
	bad("p", "", "a path must not be empty");
}

static void
addr_values(void **state)
{
	static const char *const ok[] = { "127.0.0.1:1", "localhost:65535", "[::1]:443",
		"[fe80::1%eth0]:80", "[::ffff:10.0.0.1]:8443", "my-host.example_x:8080",
		"0.0.0.0:08443" };
	static const struct {
		const char *v, *why;
	} no[] = {
		{ "localhost", "missing ':port' (host:port or [v6]:port)" },
		{ "[::1]", "missing ':port' (host:port or [v6]:port)" },
		{ "[::1]80", "missing ':port' (host:port or [v6]:port)" },
		{ "", "missing ':port' (host:port or [v6]:port)" },
		{ ":80", "empty host" },
		{ "h:", "port must be 1-65535" },
		{ "h:0", "port must be 1-65535" },
		{ "h:65536", "port must be 1-65535" },
		{ "h:99999999999999999999", "port must be 1-65535" },
		{ "h:8a", "port must be 1-65535" },
		{ "h:-1", "port must be 1-65535" },
		{ "::1:80", "an IPv6 address needs brackets ([::1]:443)" },
		{ "[]:80", "invalid IPv6 address in brackets" },
		{ "[zz::1]:80", "invalid IPv6 address in brackets" },
		{ "[1.2.3.4]:80", "invalid IPv6 address in brackets" },
		{ "[fe80::1%]:80", "invalid IPv6 address in brackets" },
		{ "[::1:80", "missing ']' after an IPv6 address" },
		{ "a b:80", "invalid character in host (A-Z a-z 0-9 . - _)" },
		{ "*:80", "invalid character in host (A-Z a-z 0-9 . - _)" },
		{ "h/x:80", "invalid character in host (A-Z a-z 0-9 . - _)" },
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(ok); i++) {
		struct cfg c;

		if (with_env(&c, "a", ok[i]) != JET_OK)
			fail_msg("refused %s: %s", ok[i], err);
		assert_string_equal(c.a, ok[i]);
		jet_conf_free(table, N, &c);
	}
	for (size_t i = 0; i < JET_ARRAY_LEN(no); i++) {
		char reason[256];

		snprintf(reason, sizeof(reason), "'%s' is not an address: %s", no[i].v, no[i].why);
		bad("a", no[i].v, reason);
	}
}

static void
host_length_at_and_past(void **state)
{
	char v[300];
	struct cfg c;

	memset(v, 'h', 255);
	memcpy(v + 255, ":80", 4);
	assert_int_equal(with_env(&c, "a", v), JET_OK);
	jet_conf_free(table, N, &c);
	memset(v, 'h', 256);
	memcpy(v + 256, ":80", 4);
	assert_int_equal(with_env(&c, "a", v), JET_ECONF);
	assert_non_null(strstr(err, "host longer than 255 bytes"));
	jet_conf_free(table, N, &c);
}

/* Echoed values are short and printable, whatever they were. */
static void
echo_is_bounded_and_printable(void **state)
{
	char v[200];

	memset(v, 'z', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	bad("u", v, "'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...' is not a number");
	bad("u", "\xc3\xa9t\xc3\xa9", "'?" "?t?" "?' is not a number"); /* no trigraphs */
	bad("u", "a\tb", "'a?b' is not a number");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(uint_values),
		cmocka_unit_test(duration_values),
		cmocka_unit_test(size_values),
		cmocka_unit_test(bool_values),
		cmocka_unit_test(enum_values),
		cmocka_unit_test(string_and_path_values),
		cmocka_unit_test(addr_values),
		cmocka_unit_test(host_length_at_and_past),
		cmocka_unit_test(echo_is_bounded_and_printable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
