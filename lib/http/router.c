/*
 * router.c - method + path pattern -> route, from one table.
 *
 * Patterns are split into segments once, when the router is built; a match
 * splits the request path once and scans the routes with the same number of
 * segments, comparing literal segments with memcmp.  For the tables we have
 * (well under a hundred routes) that is a handful of short compares per
 * request and needs no trie.
 *
 * Which route wins (documented in docs/internals/http-parser.md):
 *  - Among the routes of the request's method whose pattern matches, the
 *    most specific: comparing segments left to right, the first position
 *    where one pattern has a literal and the other a {param} decides for
 *    the literal.  Two patterns that match the same paths with the same
 *    shape are refused at build time, so the winner is unique.
 *  - HEAD uses a matching HEAD route if there is one, else the GET route.
 *  - No route for the method but some for the path: 405, and Allow lists
 *    the methods of every route matching the path (HEAD with GET).
 *
 * Paths are matched as received (RFC 3986 section 3.3 syntax); nothing is
 * normalised, because any normalisation the gateway does is one a backend
 * may do differently.  So these never match (404): a path not starting with
 * '/', empty segments ("//", a trailing '/' other than the root), "." and
 * ".." segments including percent-encoded ones ("%2e%2E"), an encoded '/'
 * or '\' (%2F, %5C) or NUL (%00), a malformed '%' escape, and any byte
 * outside pchar (controls, space, '\', '{', '"', non-ASCII ...).  Literal
 * segments compare byte for byte, case-sensitively: "/V1" is not "/v1" and
 * "%76" is not "v".
 */
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

#define MAX_SEGMENTS 32    /* in a pattern or a path: deeper paths do not match */
#define PATTERN_MAX 1024   /* so segment offsets fit 16 bits */
#define PARAM_NAME_MAX 64

struct segment {
	uint16_t off; /* in the pattern; a parameter's name without its braces */
	uint16_t len;
	bool param;
};

struct compiled {
	const struct jet_route *route; /* borrowed from the caller's table */
	size_t nseg;
	size_t nparams;
	/* Bit (31 - i) set when segment i is literal: a higher value is more
	 * specific, which makes "literal first, left to right" one compare. */
	uint32_t shape;
	struct segment seg[MAX_SEGMENTS];
};

struct jet_router {
	size_t n;
	struct compiled *routes;
};

/* ------------------------------------------------------------------------
 * Building
 * --------------------------------------------------------------------- */

static bool
is_param_name_byte(unsigned char c)
{
	return jet_http_is_alpha(c) || jet_http_is_digit(c) || c == '_';
}

/* Returns false when the pattern is not one we accept: see jet_router_new. */
static bool
compile(const struct jet_route *route, struct compiled *out)
{
	const char *p = route->pattern;
	size_t len, i;

	memset(out, 0, sizeof(*out));
	out->route = route;
	if (p == NULL || route->method < JET_HTTP_GET || route->method >= JET_HTTP_METHOD_OTHER)
		return false;
	len = strnlen(p, PATTERN_MAX + 1);
	if (len == 0 || len > PATTERN_MAX || p[0] != '/')
		return false;
	if (len == 1)
		return true; /* the root: no segments */

	i = 1;
	for (;;) {
		size_t s = i, slen;
		struct segment *sg;

		while (i < len && p[i] != '/')
			i++;
		slen = i - s;
		if (slen == 0 || out->nseg == MAX_SEGMENTS)
			return false;
		sg = &out->seg[out->nseg];
		if (p[s] == '{') {
			if (slen < 3 || p[i - 1] != '}' || slen - 2 > PARAM_NAME_MAX)
				return false;
			for (size_t k = s + 1; k < i - 1; k++)
				if (!is_param_name_byte((unsigned char)p[k]))
					return false;
			if (out->nparams == JET_HTTP_MAX_PARAMS)
				return false;
			for (size_t k = 0; k < out->nseg; k++) {
				const struct segment *o = &out->seg[k];

				if (o->param && o->len == slen - 2 &&
					memcmp(p + o->off, p + s + 1, slen - 2) == 0)
					return false; /* parameter names are unique */
			}
			sg->off = (uint16_t)(s + 1);
			sg->len = (uint16_t)(slen - 2);
			sg->param = true;
			out->nparams++;
		} else {
			/* Literal: pchar without '%', so it can be compared with
			 * the raw path; "." and ".." could never match. */
			for (size_t k = s; k < i; k++)
				if (!jet_http_is_pchar((unsigned char)p[k]))
					return false;
			if ((slen == 1 && p[s] == '.') || (slen == 2 && p[s] == '.' && p[s + 1] == '.'))
				return false;
			sg->off = (uint16_t)s;
			sg->len = (uint16_t)slen;
			sg->param = false;
			out->shape |= UINT32_C(1) << (31 - out->nseg);
		}
		out->nseg++;
		if (i == len)
			return true;
		i++; /* the '/'; a trailing one makes an empty segment above */
	}
}

/* Same method and the same set of matching paths. */
static bool
same_route(const struct compiled *a, const struct compiled *b)
{
	if (a->route->method != b->route->method || a->nseg != b->nseg || a->shape != b->shape)
		return false;
	for (size_t i = 0; i < a->nseg; i++) {
		const struct segment *x = &a->seg[i], *y = &b->seg[i];

		if (!x->param && (x->len != y->len ||
			memcmp(a->route->pattern + x->off, b->route->pattern + y->off, x->len) != 0))
			return false;
	}
	return true;
}

int
jet_router_new(const struct jet_route *routes, size_t n, struct jet_router **out)
{
	struct jet_router *r;

	if (out == NULL)
		return JET_EINVAL;
	*out = NULL;
	if (routes == NULL && n > 0)
		return JET_EINVAL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return JET_ENOMEM;
	if (n > 0 && (r->routes = calloc(n, sizeof(*r->routes))) == NULL) {
		free(r);
		return JET_ENOMEM;
	}
	r->n = n;
	for (size_t i = 0; i < n; i++) {
		if (!compile(&routes[i], &r->routes[i]))
			goto invalid;
		for (size_t j = 0; j < i; j++)
			if (same_route(&r->routes[j], &r->routes[i]))
				goto invalid;
	}
	*out = r;
	return JET_OK;
invalid:
	jet_router_free(r);
	return JET_EINVAL;
}

void
jet_router_free(struct jet_router *r)
{
	if (r == NULL)
		return;
	free(r->routes);
	free(r);
}

/* ------------------------------------------------------------------------
 * Matching
 * --------------------------------------------------------------------- */

/* A segment that is "." or "..", written with raw or encoded dots. */
static bool
is_dot_segment(const char *s, size_t len)
{
	size_t dots = 0, i = 0;

	while (i < len) {
		if (s[i] == '.') {
			i++;
		} else if (len - i >= 3 && s[i] == '%' && s[i + 1] == '2' &&
			(s[i + 2] == 'e' || s[i + 2] == 'E')) {
			i += 3;
		} else {
			return false;
		}
		dots++;
	}
	return dots == 1 || dots == 2;
}

/*
 * Splits a request path into segments (slices of the path); false when it
 * cannot match any route (see the note at the top of the file).
 */
static bool
split_path(struct jet_str path, struct jet_str *segs, size_t *nseg)
{
	const char *p = path.p;
	size_t len = path.len, i = 1, n = 0;

	if (len == 0 || p == NULL || p[0] != '/')
		return false;
	if (len == 1) {
		*nseg = 0;
		return true;
	}
	for (;;) {
		size_t s = i;

		while (i < len && p[i] != '/') {
			unsigned char c = (unsigned char)p[i];

			if (c == '%') {
				int hi, lo, v;

				if (len - i < 3)
					return false;
				hi = jet_http_hexval((unsigned char)p[i + 1]);
				lo = jet_http_hexval((unsigned char)p[i + 2]);
				if (hi < 0 || lo < 0)
					return false;
				v = hi << 4 | lo;
				if (v == 0 || v == '/' || v == '\\')
					return false;
				i += 3;
			} else if (jet_http_is_pchar(c)) {
				i++;
			} else {
				return false;
			}
		}
		if (i == s || n == MAX_SEGMENTS || is_dot_segment(p + s, i - s))
			return false;
		segs[n++] = (struct jet_str){ p + s, i - s };
		if (i == len)
			break;
		i++;
	}
	*nseg = n;
	return true;
}

static bool
route_matches(const struct compiled *c, const struct jet_str *segs, size_t nseg)
{
	if (c->nseg != nseg)
		return false;
	for (size_t i = 0; i < nseg; i++) {
		const struct segment *sg = &c->seg[i];

		if (!sg->param && (sg->len != segs[i].len ||
			memcmp(c->route->pattern + sg->off, segs[i].p, sg->len) != 0))
			return false;
	}
	return true;
}

static void
write_allow(unsigned mask, char *allow, size_t allowlen)
{
	char tmp[JET_HTTP_ALLOW_MAX];
	size_t o = 0;

	if (allow == NULL || allowlen == 0)
		return;
	for (int m = JET_HTTP_GET; m < JET_HTTP_METHOD_OTHER; m++) {
		const char *name;
		size_t nlen;

		if (!(mask & (1u << m)))
			continue;
		name = jet_http_method_name((enum jet_http_method)m);
		nlen = strlen(name);
		if (o > 0) {
			memcpy(tmp + o, ", ", 2);
			o += 2;
		}
		memcpy(tmp + o, name, nlen);
		o += nlen;
	}
	/* All seven methods take 44 bytes, well inside tmp. */
	jet_str_copy(allow, allowlen, (struct jet_str){ tmp, o });
}

enum jet_route_result
jet_router_match(const struct jet_router *r, enum jet_http_method m, struct jet_str path,
	const struct jet_route **route, struct jet_http_params *params, char *allow,
	size_t allowlen)
{
	struct jet_str segs[MAX_SEGMENTS];
	const struct compiled *best = NULL, *get = NULL;
	unsigned mask = 0;
	size_t nseg;

	if (route != NULL)
		*route = NULL;
	if (params != NULL)
		params->n = 0;
	if (allow != NULL && allowlen > 0)
		allow[0] = '\0';
	if (r == NULL || !split_path(path, segs, &nseg))
		return JET_ROUTE_NOT_FOUND;

	for (size_t i = 0; i < r->n; i++) {
		const struct compiled *c = &r->routes[i];
		enum jet_http_method rm = c->route->method;

		if (!route_matches(c, segs, nseg))
			continue;
		mask |= 1u << rm;
		if (rm == JET_HTTP_GET)
			mask |= 1u << JET_HTTP_HEAD;
		if (rm == m && (best == NULL || c->shape > best->shape))
			best = c;
		if (m == JET_HTTP_HEAD && rm == JET_HTTP_GET && (get == NULL || c->shape > get->shape))
			get = c;
	}
	if (best == NULL)
		best = get;
	if (best == NULL) {
		if (mask == 0)
			return JET_ROUTE_NOT_FOUND;
		write_allow(mask, allow, allowlen);
		return JET_ROUTE_METHOD_MISMATCH;
	}
	if (route != NULL)
		*route = best->route;
	if (params != NULL) {
		for (size_t i = 0; i < nseg; i++) {
			const struct segment *sg = &best->seg[i];

			if (!sg->param)
				continue;
			params->name[params->n] = (struct jet_str){ best->route->pattern + sg->off,
				sg->len };
			params->value[params->n] = segs[i];
			params->n++;
		}
	}
	return JET_ROUTE_FOUND;
}
