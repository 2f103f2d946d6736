/*
 * fuzz_http_request.c - libFuzzer driver for jet_http_parse_request.
 *
 * The input is one buffer as read from a client.  It is parsed with the
 * default limits and with small ones (so 414 / 431 / 413 paths are reached
 * by short inputs), and these invariants abort when broken:
 *  - the result is a byte count <= size, JET_AGAIN, or an error whose
 *    *status is one the server knows how to send, with the matching error;
 *  - on success every slice lies inside the consumed bytes, field names are
 *    tokens, values carry no CR, LF or NUL and no edge whitespace, the
 *    framing agrees with the limits;
 *  - a prefix of the input gives JET_AGAIN or exactly the same verdict
 *    (parsed from an exact-size copy, so ASan sees any read past it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jet/http.h"

static void
inside(struct jet_str s, const char *base, size_t n)
{
	uintptr_t p = (uintptr_t)s.p, b = (uintptr_t)base;

	if (s.len == 0)
		return;
	if (s.p == NULL || p < b || s.len > n || p - b > n - s.len)
		abort();
}

static int
is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void
check_success(const char *buf, size_t n, const struct jet_http_limits *lim,
	const struct jet_http_request *r)
{
	size_t maxh = lim->max_headers < JET_HTTP_MAX_HEADERS ? lim->max_headers :
		JET_HTTP_MAX_HEADERS;

	inside(r->method_name, buf, n);
	inside(r->target, buf, n);
	inside(r->path, buf, n);
	inside(r->query, buf, n);
	inside(r->host, buf, n);
	if (n > lim->max_head || r->nheaders > maxh || r->method_name.len == 0)
		abort();
	if (r->version_minor != 0 && r->version_minor != 1)
		abort();
	if (r->path.len == 0 || (r->path.p[0] != '/' && !jet_str_eq_cstr(r->path, "*")))
		abort();
	if (r->method != JET_HTTP_METHOD_OTHER &&
		!jet_str_eq_cstr(r->method_name, jet_http_method_name(r->method)))
		abort();
	for (size_t i = 0; i < r->nheaders; i++) {
		const struct jet_http_header *h = &r->headers[i];

		inside(h->name, buf, n);
		inside(h->value, buf, n);
		if (h->name.len == 0)
			abort();
		for (size_t k = 0; k < h->name.len; k++)
			if (!is_tchar((unsigned char)h->name.p[k]))
				abort();
		for (size_t k = 0; k < h->value.len; k++) {
			unsigned char c = (unsigned char)h->value.p[k];

			if (c == '\r' || c == '\n' || c == '\0')
				abort();
		}
		if (h->value.len > 0 && (h->value.p[0] == ' ' || h->value.p[0] == '\t' ||
			h->value.p[h->value.len - 1] == ' ' || h->value.p[h->value.len - 1] == '\t'))
			abort();
	}
	switch (r->body) {
	case JET_HTTP_BODY_NONE:
		if (r->content_length != 0)
			abort();
		break;
	case JET_HTTP_BODY_LENGTH:
		if (r->content_length == 0 || r->content_length > lim->max_body)
			abort();
		if (jet_http_find_header(r->headers, r->nheaders, "transfer-encoding") != NULL)
			abort();
		break;
	case JET_HTTP_BODY_CHUNKED:
		if (r->version_minor != 1 ||
			jet_http_find_header(r->headers, r->nheaders, "content-length") != NULL)
			abort();
		break;
	default:
		abort(); /* requests never run until close */
	}
	if (r->version_minor == 1 && jet_http_find_header(r->headers, r->nheaders, "host") == NULL)
		abort();
	/* The head ends with the empty line. */
	if (n < 4 || memcmp(buf + n - 4, "\r\n\r\n", 4) != 0)
		abort();
}

static int
parse_copy(const char *data, size_t k, const struct jet_http_limits *lim,
	struct jet_http_request *r, int *status)
{
	char *copy = malloc(k > 0 ? k : 1);
	int rc;

	if (copy == NULL)
		abort();
	if (k > 0)
		memcpy(copy, data, k);
	rc = jet_http_parse_request(copy, k, lim, r, status);
	free(copy);
	return rc;
}

static void
one(const char *data, size_t size, const struct jet_http_limits *lim)
{
	static struct jet_http_request req, preq;
	int status = -1, pstatus, rc;
	size_t prefixes[3];

	rc = jet_http_parse_request(data, size, lim, &req, &status);
	if (rc > 0) {
		if ((size_t)rc > size || status != 0)
			abort();
		check_success(data, (size_t)rc, lim, &req);
	} else if (rc == JET_AGAIN) {
		if (status != 0 || size > lim->max_head)
			abort();
	} else {
		switch (status) {
		case 400: case 417: case 501: case 505:
			if (rc != JET_EPROTO)
				abort();
			break;
		case 413: case 414: case 431:
			if (rc != JET_ETOOBIG)
				abort();
			break;
		default:
			abort();
		}
	}

	prefixes[0] = size / 2;
	prefixes[1] = size > 0 ? size - 1 : 0;
	prefixes[2] = rc > 0 ? (size_t)rc - 1 : size / 3;
	for (size_t i = 0; i < 3; i++) {
		size_t k = prefixes[i];
		int prc;

		if (k >= size)
			continue;
		pstatus = -1;
		prc = parse_copy(data, k, lim, &preq, &pstatus);

		if (prc == JET_AGAIN)
			continue;
		if (prc != rc || pstatus != status || (rc > 0 && k < (size_t)rc))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jet_http_limits lim;

	jet_http_limits_default(&lim);
	one((const char *)data, size, &lim);
	lim.max_request_line = 40;
	lim.max_head = 160;
	lim.max_headers = 5;
	lim.max_body = 99;
	one((const char *)data, size, &lim);
	return 0;
}
