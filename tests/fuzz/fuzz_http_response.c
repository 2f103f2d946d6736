/*
 * fuzz_http_response.c - libFuzzer driver for jet_http_parse_response.
 *
 * The input is one buffer as read from an upstream server, parsed as the
 * answer to a GET and to a HEAD, with default and with small limits.
 * Invariants (abort when broken): the result is a byte count <= size,
 * JET_AGAIN, JET_EPROTO or JET_ETOOBIG; on success the status is 100-599,
 * slices lie inside the consumed bytes, the body kind agrees with the
 * status, the request method and the limits, and a body that runs until
 * close never keeps the connection; a prefix of the input gives JET_AGAIN
 * or the same verdict.
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

static void
check_success(const char *buf, size_t n, const struct jet_http_limits *lim, bool head,
	const struct jet_http_response *r)
{
	bool bodiless = head || r->status < 200 || r->status == 204 || r->status == 304;

	if (r->status < 100 || r->status > 599 || r->version_minor < 0 || r->version_minor > 1)
		abort();
	if (n > lim->max_head || r->nheaders > JET_HTTP_MAX_HEADERS)
		abort();
	inside(r->reason, buf, n);
	for (size_t i = 0; i < r->nheaders; i++) {
		inside(r->headers[i].name, buf, n);
		inside(r->headers[i].value, buf, n);
		if (r->headers[i].name.len == 0)
			abort();
	}
	if (bodiless && r->body != JET_HTTP_BODY_NONE)
		abort();
	if (r->body == JET_HTTP_BODY_LENGTH &&
		(r->content_length == 0 || r->content_length > lim->max_body))
		abort();
	if (r->body == JET_HTTP_BODY_EOF && r->keep_alive)
		abort();
	if (r->body == JET_HTTP_BODY_CHUNKED && r->version_minor != 1)
		abort();
	if (n < 4 || memcmp(buf + n - 4, "\r\n\r\n", 4) != 0)
		abort();
}

static int
parse_copy(const char *data, size_t k, const struct jet_http_limits *lim, bool head,
	struct jet_http_response *r)
{
	char *copy = malloc(k > 0 ? k : 1);
	int rc;

	if (copy == NULL)
		abort();
	if (k > 0)
		memcpy(copy, data, k);
	rc = jet_http_parse_response(copy, k, lim, head, r);
	free(copy);
	return rc;
}

static void
one(const char *data, size_t size, const struct jet_http_limits *lim, bool head)
{
	static struct jet_http_response res, pres;
	int rc = jet_http_parse_response(data, size, lim, head, &res);
	size_t prefixes[3];

	if (rc > 0) {
		if ((size_t)rc > size)
			abort();
		check_success(data, (size_t)rc, lim, head, &res);
	} else if (rc != JET_AGAIN && rc != JET_EPROTO && rc != JET_ETOOBIG) {
		abort();
	}
	prefixes[0] = size / 2;
	prefixes[1] = size > 0 ? size - 1 : 0;
	prefixes[2] = rc > 0 ? (size_t)rc - 1 : size / 3;
	for (size_t i = 0; i < 3; i++) {
		size_t k = prefixes[i];
		int prc;

		if (k >= size)
			continue;
		prc = parse_copy(data, k, lim, head, &pres);
		if (prc != JET_AGAIN && (prc != rc || (rc > 0 && k < (size_t)rc)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jet_http_limits lim;

	jet_http_limits_default(&lim);
	one((const char *)data, size, &lim, false);
	one((const char *)data, size, &lim, true);
	lim.max_request_line = 32;
	lim.max_head = 128;
	lim.max_headers = 4;
	lim.max_body = 64;
	one((const char *)data, size, &lim, false);
	return 0;
}
