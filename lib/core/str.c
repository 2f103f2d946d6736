/*
 * str.c - borrowed string slices and strict number parsing.
 *
 * jet_parse_u64 replaces atoi/strtol everywhere input is untrusted: it accepts
 * only ASCII digits and checks overflow before it happens.
 */
#include <string.h>

#include "jet/core.h"

struct jet_str
jet_str_from_cstr(const char *s)
{
	return (struct jet_str){ s, s ? strlen(s) : 0 };
}

bool
jet_str_eq(struct jet_str a, struct jet_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool
jet_str_eq_cstr(struct jet_str a, const char *s)
{
	return jet_str_eq(a, jet_str_from_cstr(s));
}

static inline unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

bool
jet_str_caseeq_cstr(struct jet_str a, const char *s)
{
	size_t n = strlen(s);

	if (a.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)a.p[i]) != lower((unsigned char)s[i]))
			return false;
	return true;
}

struct jet_str
jet_str_trim_ows(struct jet_str s)
{
	while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
		s.len--;
	return s;
}

bool
jet_str_copy(char *dst, size_t dstlen, struct jet_str s)
{
	size_t n;

	if (dstlen == 0)
		return false;
	n = s.len < dstlen - 1 ? s.len : dstlen - 1;
	if (n > 0)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
	return n == s.len;
}

int
jet_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || len == 0)
		return JET_EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return JET_EINVAL;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return JET_ETOOBIG;
		v = v * 10 + d;
	}
	if (v > max)
		return JET_ETOOBIG;
	*out = v;
	return JET_OK;
}

int
jet_parse_u64_cstr(const char *s, uint64_t max, uint64_t *out)
{
	return jet_parse_u64(s, s ? strlen(s) : 0, max, out);
}
