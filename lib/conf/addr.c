/*
 * addr.c - listen and upstream addresses: "host:port" or "[v6]:port".
 *
 * Only the syntax is checked here; resolution belongs to lib/net.  The
 * rules are narrow so that what passes here cannot surprise a resolver:
 *  - a name or IPv4 host is 1*( A-Z / a-z / 0-9 / "." / "-" / "_" );
 *  - an IPv6 host is bracketed (RFC 3986 section 3.2.2), holds hex digits,
 *    ':' and '.', at least one ':', and optionally "%zone";
 *  - the port is decimal 1-65535 (0 would mean "any port" to bind(2));
 *  - the host is at most 255 bytes (the DNS name limit, RFC 1035).
 */
#include <string.h>

#include "conf_int.h"

#define HOST_MAX 255

static bool
is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '.' || c == '-' || c == '_';
}

static bool
is_v6_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
		c == ':' || c == '.';
}

static bool
valid_v6(const char *p, size_t len)
{
	size_t i = 0;
	bool colon = false;

	for (; i < len && p[i] != '%'; i++) {
		if (!is_v6_char((unsigned char)p[i]))
			return false;
		colon |= p[i] == ':';
	}
	if (i < len) { /* zone id, e.g. fe80::1%eth0 */
		if (i + 1 == len)
			return false;
		for (size_t j = i + 1; j < len; j++)
			if (!is_name_char((unsigned char)p[j]))
				return false;
	}
	return colon;
}

int
conf_addr_parse(const char *s, size_t len, struct jet_str *host, uint16_t *port,
	const char **why)
{
	const char *colon;
	uint64_t v;
	struct jet_str h;

	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL) {
			*why = "missing ']' after an IPv6 address";
			return JET_EINVAL;
		}
		h = (struct jet_str){ s + 1, (size_t)(close - s - 1) };
		if (h.len == 0 || !valid_v6(h.p, h.len)) {
			*why = "invalid IPv6 address in brackets";
			return JET_EINVAL;
		}
		colon = close + 1;
		if (colon == s + len || *colon != ':') {
			*why = "missing ':port' (host:port or [v6]:port)";
			return JET_EINVAL;
		}
	} else {
		colon = len > 0 ? memrchr(s, ':', len) : NULL;
		if (colon == NULL) {
			*why = "missing ':port' (host:port or [v6]:port)";
			return JET_EINVAL;
		}
		h = (struct jet_str){ s, (size_t)(colon - s) };
		if (h.len == 0) {
			*why = "empty host";
			return JET_EINVAL;
		}
		if (memchr(h.p, ':', h.len) != NULL) {
			*why = "an IPv6 address needs brackets ([::1]:443)";
			return JET_EINVAL;
		}
		for (size_t i = 0; i < h.len; i++) {
			if (!is_name_char((unsigned char)h.p[i])) {
				*why = "invalid character in host (A-Z a-z 0-9 . - _)";
				return JET_EINVAL;
			}
		}
	}
	if (h.len > HOST_MAX) {
		*why = "host longer than 255 bytes";
		return JET_EINVAL;
	}
	colon++;
	if (jet_parse_u64(colon, (size_t)(s + len - colon), 65535, &v) != JET_OK || v == 0) {
		*why = "port must be 1-65535";
		return JET_EINVAL;
	}
	*host = h;
	*port = (uint16_t)v;
	return JET_OK;
}

int
jet_conf_split_addr(const char *addr, char *host, size_t hostlen, uint16_t *port)
{
	struct jet_str h;
	const char *why;
	uint16_t p;

	if (addr == NULL || conf_addr_parse(addr, strlen(addr), &h, &p, &why) != JET_OK)
		return JET_EINVAL;
	if (host == NULL || h.len >= hostlen)
		return JET_ETOOBIG;
	memcpy(host, h.p, h.len);
	host[h.len] = '\0';
	*port = p;
	return JET_OK;
}
