/*
 * value.c - the value types of jet/conf.h, declared once in a table.
 *
 * Each type is a parser (text -> union conf_value, with a reason on
 * failure), a storage kind and, for numbers, a formatter that writes a value
 * back in the file's syntax so messages and print_defaults speak the same
 * language as the file ("above the maximum 1h", not "3600000").
 *
 * Numbers go through jet_parse_u64 only: digits, nothing else, overflow
 * checked; suffix multiplication is checked again here.  Every reason that
 * echoes input goes through conf_quote, so messages stay printable and short.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

/* ------------------------------------------------------------ suffixes */

struct unit {
	const char *suffix;
	uint64_t mult;
};

/* Formatting walks these from the largest unit down; parsing matches the
 * whole suffix, so the order does not matter for it. */
static const struct unit duration_units[] = {
	{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 },
	{ "", 1000 }, /* a bare number is seconds */
};

static const struct unit size_units[] = {
	{ "g", 1ull << 30 }, { "m", 1ull << 20 }, { "k", 1ull << 10 },
	{ "G", 1ull << 30 }, { "M", 1ull << 20 }, { "K", 1ull << 10 },
	{ "", 1 },
};

/*
 * digits + suffix from units.  JET_OK; JET_EINVAL (not that syntax);
 * JET_ETOOBIG (does not fit 64 bits).
 */
static int
parse_scaled(const char *s, size_t len, const struct unit *units, size_t nunits, uint64_t *out)
{
	size_t ndig = 0;
	uint64_t v;
	int rc;

	while (ndig < len && s[ndig] >= '0' && s[ndig] <= '9')
		ndig++;
	if (ndig == 0)
		return JET_EINVAL;
	for (size_t i = 0; i < nunits; i++) {
		if (strlen(units[i].suffix) != len - ndig ||
		    memcmp(units[i].suffix, s + ndig, len - ndig) != 0)
			continue;
		if ((rc = jet_parse_u64(s, ndig, UINT64_MAX, &v)) != JET_OK)
			return rc;
		if (v > UINT64_MAX / units[i].mult)
			return JET_ETOOBIG;
		*out = v * units[i].mult;
		return JET_OK;
	}
	return JET_EINVAL;
}

/* The largest unit that divides v exactly ("90s" -> "90s", "120s" -> "2m"). */
static void
format_scaled(uint64_t v, const struct unit *units, size_t nunits, const char *base,
	char *out, size_t outlen)
{
	for (size_t i = 0; i < nunits; i++) {
		if (units[i].mult > 1 && v != 0 && v % units[i].mult == 0) {
			snprintf(out, outlen, "%llu%s", (unsigned long long)(v / units[i].mult),
				units[i].suffix);
			return;
		}
	}
	snprintf(out, outlen, "%llu%s", (unsigned long long)v, base);
}

static void
format_uint(uint64_t v, char *out, size_t outlen)
{
	snprintf(out, outlen, "%llu", (unsigned long long)v);
}

static void
format_duration(uint64_t v, char *out, size_t outlen)
{
	format_scaled(v, duration_units, JET_ARRAY_LEN(duration_units), "ms", out, outlen);
}

static void
format_size(uint64_t v, char *out, size_t outlen)
{
	/* Upper-case duplicates are never reached: lower case comes first. */
	format_scaled(v, size_units, JET_ARRAY_LEN(size_units), "", out, outlen);
}

uint64_t
conf_max(const struct jet_conf_option *o)
{
	return o->max == 0 ? UINT64_MAX : o->max;
}

/* Shared by the three numeric types: the range check and its wording. */
static int
check_range(const struct jet_conf_option *o, const char *s, size_t len, int rc, uint64_t v,
	void (*format)(uint64_t, char *, size_t), char *why, size_t whylen)
{
	char q[64], lim[32];

	conf_quote(q, sizeof(q), s, len);
	/* q is 'text'; the range messages show the text without quotes. */
	q[strlen(q) - 1] = '\0';
	if (rc == JET_ETOOBIG || v > conf_max(o)) {
		format(conf_max(o), lim, sizeof(lim));
		snprintf(why, whylen, "%s is above the maximum %s", q + 1, lim);
		return JET_ECONF;
	}
	if (v < o->min) {
		format(o->min, lim, sizeof(lim));
		snprintf(why, whylen, "%s is below the minimum %s", q + 1, lim);
		return JET_ECONF;
	}
	return JET_OK;
}

/* ------------------------------------------------------------ parsers */

static int
parse_string(const struct jet_conf_option *o, const char *s, size_t len,
	union conf_value *out, char *why, size_t whylen)
{
	char *p = malloc(len + 1);

	if (p == NULL) {
		snprintf(why, whylen, "out of memory");
		return JET_ENOMEM;
	}
	memcpy(p, s, len);
	p[len] = '\0';
	out->s = p;
	return JET_OK;
}

static int
parse_path(const struct jet_conf_option *o, const char *s, size_t len,
	union conf_value *out, char *why, size_t whylen)
{
	if (len == 0) {
		snprintf(why, whylen, "a path must not be empty");
		return JET_ECONF;
	}
	return parse_string(o, s, len, out, why, whylen);
}

static int
parse_uint(const struct jet_conf_option *o, const char *s, size_t len,
	union conf_value *out, char *why, size_t whylen)
{
	uint64_t v = 0;
	int rc = jet_parse_u64(s, len, UINT64_MAX, &v);
	char q[64];

	if (rc == JET_EINVAL) {
		conf_quote(q, sizeof(q), s, len);
		snprintf(why, whylen, "%s is not a number", q);
		return JET_ECONF;
	}
	if ((rc = check_range(o, s, len, rc, v, format_uint, why, whylen)) != JET_OK)
		return rc;
	out->u = v;
	return JET_OK;
}

static int
parse_duration(const struct jet_conf_option *o, const char *s, size_t len,
	union conf_value *out, char *why, size_t whylen)
{
	uint64_t v = 0;
	int rc = parse_scaled(s, len, duration_units, JET_ARRAY_LEN(duration_units), &v);
	char q[64];

	if (rc == JET_EINVAL) {
		conf_quote(q, sizeof(q), s, len);
		snprintf(why, whylen, "%s is not a duration (e.g. 250ms, 10s, 5m, 1h, 7d)", q);
		return JET_ECONF;
	}
	if ((rc = check_range(o, s, len, rc, v, format_duration, why, whylen)) != JET_OK)
		return rc;
	out->u = v;
	return JET_OK;
}

static int
parse_size(const struct jet_conf_option *o, const char *s, size_t len,
	union conf_value *out, char *why, size_t whylen)
{
	uint64_t v = 0;
	int rc = parse_scaled(s, len, size_units, JET_ARRAY_LEN(size_units), &v);
	char q[64];

	if (rc == JET_EINVAL) {
		conf_quote(q, sizeof(q), s, len);
		snprintf(why, whylen, "%s is not a size (e.g. 512k, 1m)", q);
		return JET_ECONF;
	}
	if ((rc = check_range(o, s, len, rc, v, format_size, why, whylen)) != JET_OK)
		return rc;
	out->u = v;
	return JET_OK;
}

static const struct {
	const char *word;
	bool value;
} bool_words[] = {
	{ "true", true }, { "yes", true }, { "on", true }, { "1", true },
	{ "false", false }, { "no", false }, { "off", false }, { "0", false },
};

static int
parse_bool(const struct jet_conf_option *o, const char *s, size_t len,
	union conf_value *out, char *why, size_t whylen)
{
	char q[64];

	for (size_t i = 0; i < JET_ARRAY_LEN(bool_words); i++) {
		if (jet_str_eq_cstr((struct jet_str){ s, len }, bool_words[i].word)) {
			out->b = bool_words[i].value;
			return JET_OK;
		}
	}
	conf_quote(q, sizeof(q), s, len);
	snprintf(why, whylen, "%s is not a boolean (true/false, yes/no, on/off, 1/0)", q);
	return JET_ECONF;
}

static int
parse_enum(const struct jet_conf_option *o, const char *s, size_t len,
	union conf_value *out, char *why, size_t whylen)
{
	char q[64];
	size_t n;
	int w;

	for (int i = 0; o->choices[i] != NULL; i++) {
		if (jet_str_eq_cstr((struct jet_str){ s, len }, o->choices[i])) {
			out->e = i;
			return JET_OK;
		}
	}
	conf_quote(q, sizeof(q), s, len);
	w = snprintf(why, whylen, "%s is not one of:", q);
	n = w > 0 ? (size_t)w : 0;
	for (int i = 0; o->choices[i] != NULL && n < whylen; i++) {
		w = snprintf(why + n, whylen - n, "%s %s", i > 0 ? "," : "", o->choices[i]);
		n += w > 0 ? (size_t)w : 0;
	}
	return JET_ECONF;
}

static int
parse_addr(const struct jet_conf_option *o, const char *s, size_t len,
	union conf_value *out, char *why, size_t whylen)
{
	struct jet_str host;
	const char *reason;
	uint16_t port;
	char q[64];

	if (conf_addr_parse(s, len, &host, &port, &reason) != JET_OK) {
		conf_quote(q, sizeof(q), s, len);
		snprintf(why, whylen, "%s is not an address: %s", q, reason);
		return JET_ECONF;
	}
	return parse_string(o, s, len, out, why, whylen);
}

/* ------------------------------------------------------------ the table */

static const struct conf_type types[] = {
	[JET_CONF_STRING] = { "string", CONF_STORE_STR, false, parse_string, NULL },
	[JET_CONF_PATH] = { "path", CONF_STORE_STR, false, parse_path, NULL },
	[JET_CONF_UINT] = { "integer", CONF_STORE_U64, true, parse_uint, format_uint },
	[JET_CONF_BOOL] = { "boolean", CONF_STORE_BOOL, false, parse_bool, NULL },
	[JET_CONF_DURATION] = { "duration", CONF_STORE_U64, true, parse_duration,
		format_duration },
	[JET_CONF_SIZE] = { "size", CONF_STORE_U64, true, parse_size, format_size },
	[JET_CONF_ENUM] = { "enum", CONF_STORE_INT, false, parse_enum, NULL },
	[JET_CONF_ADDR] = { "address", CONF_STORE_STR, false, parse_addr, NULL },
};

const struct conf_type *
conf_type_of(enum jet_conf_type t)
{
	if ((unsigned)t >= JET_ARRAY_LEN(types) || types[t].parse == NULL)
		return NULL;
	return &types[t];
}
