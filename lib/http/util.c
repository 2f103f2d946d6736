/*
 * util.c - the small pieces of lib/http that are not a parser: method names,
 * reason phrases, default limits, header lookup, strict percent-decoding and
 * the Host / authority syntax check shared by the request parser.
 *
 * Follows RFC 9110 (methods section 9, status codes section 15, Host section
 * 7.2) and RFC 3986 (authority section 3.2, percent-encoding section 2.1).
 */
#include <string.h>

#include "http_int.h"

const char *
jet_http_method_name(enum jet_http_method m)
{
	switch (m) {
	case JET_HTTP_GET: return "GET";
	case JET_HTTP_HEAD: return "HEAD";
	case JET_HTTP_POST: return "POST";
	case JET_HTTP_PUT: return "PUT";
	case JET_HTTP_DELETE: return "DELETE";
	case JET_HTTP_PATCH: return "PATCH";
	case JET_HTTP_OPTIONS: return "OPTIONS";
	case JET_HTTP_METHOD_OTHER: break;
	}
	/* Out-of-range values land here too, so a corrupted enum never
	 * turns into a NULL dereference in a log line. */
	return "OTHER";
}

const char *
jet_http_reason(int status)
{
	/* RFC 9110 section 15 phrases; 413 and 422 use the RFC 9110 names
	 * ("Content Too Large", "Unprocessable Content"). */
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 203: return "Non-Authoritative Information";
	case 204: return "No Content";
	case 205: return "Reset Content";
	case 206: return "Partial Content";
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Content";
	case 426: return "Upgrade Required";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

void
jet_http_limits_default(struct jet_http_limits *lim)
{
	lim->max_request_line = 8 * 1024;
	lim->max_head = 32 * 1024;
	lim->max_headers = 100;
	lim->max_body = 1024 * 1024;
}

const struct jet_http_header *
jet_http_find_header(const struct jet_http_header *h, size_t n, const char *name)
{
	if (h == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (jet_str_caseeq_cstr(h[i].name, name))
			return &h[i];
	return NULL;
}

bool
jet_http_caseeq(struct jet_str a, struct jet_str b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++) {
		unsigned char x = (unsigned char)a.p[i], y = (unsigned char)b.p[i];

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

/*
 * uri-host [ ":" port ].  Stricter than RFC 3986 in three ways, each because
 * the relaxed form has no legitimate use at a gateway and has been used to
 * make two components disagree about the host:
 *  - no percent-encoding in a reg-name (IDNs travel as punycode), so no
 *    zone identifiers in IP literals either;
 *  - the port, when its colon is present, has 1 to 5 digits and is <= 65535;
 *  - a port without a host (":80") is refused.
 * The empty value is accepted: RFC 9110 section 7.2 defines it for targets
 * without an authority.  Userinfo ('@'), '/', whitespace and controls fall
 * out of the character classes.
 */
bool
jet_http_host_valid(struct jet_str h)
{
	const unsigned char *p = (const unsigned char *)h.p;
	size_t i = 0, n = h.len, digits;
	unsigned long port = 0;

	if (n == 0)
		return true;
	if (p[0] == '[') {
		/* IP-literal: only its alphabet is checked (hex, ':', '.', and
		 * the unreserved / sub-delims of IPvFuture). */
		for (i = 1; i < n && p[i] != ']'; i++)
			if (!jet_http_is_regname(p[i]) && p[i] != ':')
				return false;
		if (i == n || i == 1)
			return false;
		i++;
	} else {
		while (i < n && jet_http_is_regname(p[i]))
			i++;
		if (i == 0)
			return false;
	}
	if (i == n)
		return true;
	if (p[i++] != ':')
		return false;
	digits = n - i;
	if (digits == 0 || digits > 5)
		return false;
	for (; i < n; i++) {
		if (!jet_http_is_digit(p[i]))
			return false;
		port = port * 10 + (unsigned long)(p[i] - '0');
	}
	return port <= 65535;
}

/*
 * Strict on purpose: '+' stays '+' (this is not form decoding), a '%' must
 * start exactly two hex digits, and NUL - raw or as %00 - is refused because
 * the result is a C string and a NUL would silently cut it short.
 */
int
jet_http_pct_decode(struct jet_str src, char *dst, size_t dstlen, size_t *outlen)
{
	size_t i = 0, o = 0;

	if (outlen != NULL)
		*outlen = 0;
	if (dst == NULL || dstlen == 0)
		return JET_EINVAL;
	dst[0] = '\0';
	if (src.len > 0 && src.p == NULL)
		return JET_EINVAL;
	while (i < src.len) {
		unsigned char c = (unsigned char)src.p[i];

		if (c == '%') {
			int hi, lo;

			if (src.len - i < 3)
				goto fail;
			hi = jet_http_hexval((unsigned char)src.p[i + 1]);
			lo = jet_http_hexval((unsigned char)src.p[i + 2]);
			if (hi < 0 || lo < 0)
				goto fail;
			c = (unsigned char)(hi << 4 | lo);
			i += 3;
		} else {
			i++;
		}
		if (c == '\0' || o >= dstlen - 1)
			goto fail;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return JET_OK;
fail:
	dst[0] = '\0';
	return JET_EINVAL;
}
