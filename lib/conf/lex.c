/*
 * lex.c - one configuration line into its parts.
 *
 * Grammar of a line (after the caller has removed "\n" or "\r\n"):
 *
 *     line    = ws ( "" | comment | section | kv ) ws
 *     section = "[" 1*( a-z / 0-9 / "_" / "." / "-" ) "]" [ ws comment ]
 *     kv      = 1*( a-z / 0-9 / "_" ) ws "=" ws value [ ws comment ]
 *     value   = quoted / *( any but '"' and '#' )      (trimmed)
 *     quoted  = DQUOTE *( any but '"' and '\' / "\\" / "\"" ) DQUOTE
 *     comment = "#" *any
 *
 * Strict on purpose: no spaces inside brackets, no upper-case keys, no
 * escapes other than \" and \\, no stray quote inside an unquoted value.
 * Every one of those is more often a typo than an intent, and a config that
 * means something other than what it says is a security bug.
 *
 * Invariant: on success out->value is NUL-terminated and holds no control
 * character other than TAB; the lexer never reads past len.
 */
#include <stdio.h>
#include <string.h>

#include "conf_int.h"

bool
conf_is_section_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		c == '-';
}

bool
conf_is_key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

void
conf_quote(char *dst, size_t dstlen, const char *s, size_t len)
{
	char tmp[48];
	size_t n = 0, show = len > 40 ? 37 : len;

	for (size_t i = 0; i < show; i++) {
		unsigned char c = (unsigned char)s[i];

		tmp[n++] = (char)((c >= 0x20 && c < 0x7f) ? c : '?');
	}
	if (show < len) {
		memcpy(tmp + n, "...", 3);
		n += 3;
	}
	tmp[n] = '\0';
	snprintf(dst, dstlen, "'%s'", tmp);
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* The rest of a line after a value or a header: blanks, then a comment. */
static bool
rest_is_empty(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && is_ws(p[i]))
		i++;
	return i == len || p[i] == '#';
}

static int
lex_section(const char *p, size_t len, struct conf_line *out, char *why, size_t whylen)
{
	size_t i = 1;

	while (i < len && conf_is_section_char((unsigned char)p[i]))
		i++;
	if (i == len || p[i] != ']' || i == 1 || !rest_is_empty(p + i + 1, len - i - 1)) {
		snprintf(why, whylen,
			"invalid section header (expected [name], name of a-z 0-9 _ . -)");
		return JET_ECONF;
	}
	out->kind = CONF_LINE_SECTION;
	out->name = (struct jet_str){ p + 1, i - 1 };
	return JET_OK;
}

static int
lex_quoted(const char *p, size_t len, struct conf_line *out, char *why, size_t whylen)
{
	size_t i = 1, n = 0;

	for (;;) {
		if (i == len) {
			snprintf(why, whylen, "unterminated quote");
			return JET_ECONF;
		}
		if (p[i] == '"')
			break;
		if (p[i] == '\\') {
			if (i + 1 == len) {
				snprintf(why, whylen, "unterminated quote");
				return JET_ECONF;
			}
			if (p[i + 1] != '"' && p[i + 1] != '\\') {
				char q[8];

				conf_quote(q, sizeof(q), p + i + 1, 1);
				snprintf(why, whylen,
					"invalid escape \\%s in quoted value (only \\\" and \\\\)", q);
				return JET_ECONF;
			}
			i++;
		}
		out->value[n++] = p[i++];
	}
	if (!rest_is_empty(p + i + 1, len - i - 1)) {
		snprintf(why, whylen, "unexpected text after the closing quote");
		return JET_ECONF;
	}
	out->value[n] = '\0';
	out->value_len = n;
	return JET_OK;
}

static int
lex_kv(const char *p, size_t len, struct conf_line *out, char *why, size_t whylen)
{
	size_t i = 0, end;
	struct jet_str v;

	while (i < len && conf_is_key_char((unsigned char)p[i]))
		i++;
	if (i < len && !is_ws(p[i]) && p[i] != '=') {
		char q[64];

		end = i;
		while (end < len && !is_ws(p[end]) && p[end] != '=')
			end++;
		conf_quote(q, sizeof(q), p, end);
		snprintf(why, whylen, "invalid key %s (keys are a-z, 0-9 and _)", q);
		return JET_ECONF;
	}
	out->name = (struct jet_str){ p, i };
	while (i < len && is_ws(p[i]))
		i++;
	if (out->name.len == 0 || i == len || p[i] != '=') {
		snprintf(why, whylen, "expected 'key = value'");
		return JET_ECONF;
	}
	i++;
	while (i < len && is_ws(p[i]))
		i++;
	out->kind = CONF_LINE_KV;
	if (i < len && p[i] == '"')
		return lex_quoted(p + i, len - i, out, why, whylen);
	end = i;
	while (end < len && p[end] != '#') {
		if (p[end] == '"') {
			snprintf(why, whylen,
				"unexpected '\"' in an unquoted value (quote the whole value)");
			return JET_ECONF;
		}
		end++;
	}
	v = jet_str_trim_ows((struct jet_str){ p + i, end - i });
	if (v.len > 0)
		memcpy(out->value, v.p, v.len);
	out->value[v.len] = '\0';
	out->value_len = v.len;
	return JET_OK;
}

int
conf_lex_line(const char *p, size_t len, struct conf_line *out, char *why, size_t whylen)
{
	struct jet_str s;

	out->kind = CONF_LINE_EMPTY;
	out->name = JET_STR_NULL;
	out->value[0] = '\0';
	out->value_len = 0;
	if (len > JET_CONF_LINE_MAX) {
		snprintf(why, whylen, "line longer than %d bytes", JET_CONF_LINE_MAX);
		return JET_ECONF;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\0') {
			snprintf(why, whylen, "NUL byte");
			return JET_ECONF;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			snprintf(why, whylen, "control character 0x%02x", c);
			return JET_ECONF;
		}
	}
	s = jet_str_trim_ows((struct jet_str){ p, len });
	if (s.len == 0 || s.p[0] == '#')
		return JET_OK;
	if (s.p[0] == '[')
		return lex_section(s.p, s.len, out, why, whylen);
	return lex_kv(s.p, s.len, out, why, whylen);
}
