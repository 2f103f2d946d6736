/*
 * Unit tests for lib/http/router.c and jet_http_pct_decode: matching,
 * parameters, specificity, 404 / 405 with Allow, HEAD via GET, refused
 * patterns, and the paths that must never match (traversal, empty
 * segments, encoded separators, raw controls).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jet/http.h"

#define assert_slice(s, lit)                                                            \
	do {                                                                            \
		struct jet_str s_ = (s);                                                \
		const char *l_ = (lit);                                                 \
		assert_int_equal(s_.len, strlen(l_));                                   \
		if (s_.len > 0)                                                         \
			assert_memory_equal(s_.p, l_, s_.len);                          \
	} while (0)

/* Handlers are opaque to the router: distinct addresses are enough. */
static char h_list, h_get, h_points, h_point, h_put, h_del, h_me, h_root, h_head, h_opt;

static const struct jet_route table[] = {
	{ JET_HTTP_GET, "/", &h_root, NULL },
	{ JET_HTTP_GET, "/v1/buildings", &h_list, NULL },
	{ JET_HTTP_GET, "/v1/buildings/{id}", &h_get, "scope:read" },
	{ JET_HTTP_PUT, "/v1/buildings/{id}", &h_put, NULL },
	{ JET_HTTP_DELETE, "/v1/buildings/{id}", &h_del, NULL },
	{ JET_HTTP_GET, "/v1/buildings/me", &h_me, NULL },
	{ JET_HTTP_GET, "/v1/buildings/{id}/points", &h_points, NULL },
	{ JET_HTTP_GET, "/v1/buildings/{bid}/points/{pid}", &h_point, NULL },
	{ JET_HTTP_HEAD, "/v1/head-only", &h_head, NULL },
	{ JET_HTTP_OPTIONS, "/v1/buildings", &h_opt, NULL },
};

static struct jet_router *router;

static int
setup(void **state)
{
	return jet_router_new(table, sizeof(table) / sizeof(table[0]), &router) == JET_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	jet_router_free(router);
	router = NULL;
	return 0;
}

static const struct jet_route *route;
static struct jet_http_params params;
static char allow[JET_HTTP_ALLOW_MAX];

/* Matches path on an exact-size heap copy (ASan sees overreads). */
static enum jet_route_result
match_n(enum jet_http_method m, const char *path, size_t len)
{
	static char *copy;
	enum jet_route_result rr;

	free(copy);
	copy = malloc(len > 0 ? len : 1);
	assert_non_null(copy);
	memcpy(copy, path, len);
	memset(allow, 'x', sizeof(allow));
	rr = jet_router_match(router, m, (struct jet_str){ copy, len }, &route, &params, allow,
		sizeof(allow));
	if (rr != JET_ROUTE_FOUND)
		assert_null(route);
	if (rr != JET_ROUTE_METHOD_MISMATCH)
		assert_string_equal(allow, "");
	/* The copy stays alive until the next match so params can be read. */
	return rr;
}

static enum jet_route_result
match(enum jet_http_method m, const char *path)
{
	return match_n(m, path, strlen(path));
}

/* ------------------------------------------------------------------------
 * Matching
 * --------------------------------------------------------------------- */

static void
literal_route_matches(void **state)
{
	assert_int_equal(match(JET_HTTP_GET, "/v1/buildings"), JET_ROUTE_FOUND);
	assert_ptr_equal(route->handler, &h_list);
	assert_int_equal(params.n, 0);
	assert_int_equal(match(JET_HTTP_GET, "/"), JET_ROUTE_FOUND);
	assert_ptr_equal(route->handler, &h_root);
}

static void
param_captures_raw_segment(void **state)
{
	assert_int_equal(match(JET_HTTP_GET, "/v1/buildings/b-42"), JET_ROUTE_FOUND);
	assert_ptr_equal(route->handler, &h_get);
	assert_string_equal((const char *)route->udata, "scope:read");
	assert_int_equal(params.n, 1);
	assert_slice(params.name[0], "id");
	assert_slice(params.value[0], "b-42");
	/* Values stay percent-encoded: the handler decodes. */
	assert_int_equal(match(JET_HTTP_GET, "/v1/buildings/a%20b"), JET_ROUTE_FOUND);
	assert_slice(params.value[0], "a%20b");
}

static void
several_params_in_order(void **state)
{
	assert_int_equal(match(JET_HTTP_GET, "/v1/buildings/B1/points/P9"), JET_ROUTE_FOUND);
	assert_ptr_equal(route->handler, &h_point);
	assert_int_equal(params.n, 2);
	assert_slice(params.name[0], "bid");
	assert_slice(params.value[0], "B1");
	assert_slice(params.name[1], "pid");
	assert_slice(params.value[1], "P9");
	assert_int_equal(match(JET_HTTP_GET, "/v1/buildings/B1/points"), JET_ROUTE_FOUND);
	assert_ptr_equal(route->handler, &h_points);
	assert_slice(params.value[0], "B1");
}

static void
literal_segment_beats_param(void **state)
{
	/* "/v1/buildings/me" is listed after "/v1/buildings/{id}". */
	assert_int_equal(match(JET_HTTP_GET, "/v1/buildings/me"), JET_ROUTE_FOUND);
	assert_ptr_equal(route->handler, &h_me);
	assert_int_equal(params.n, 0);
	/* But the literal is only for GET: PUT /me is the {id} route. */
	assert_int_equal(match(JET_HTTP_PUT, "/v1/buildings/me"), JET_ROUTE_FOUND);
	assert_ptr_equal(route->handler, &h_put);
	assert_slice(params.value[0], "me");
}

static void
leftmost_literal_decides_specificity(void **state)
{
	static char a, b;
	static const struct jet_route t[] = {
		{ JET_HTTP_GET, "/x/{p}/c", &a, NULL },
		{ JET_HTTP_GET, "/{q}/b/c", &b, NULL },
	};
	struct jet_router *r;
	const struct jet_route *got = NULL;

	assert_int_equal(jet_router_new(t, 2, &r), JET_OK);
	assert_int_equal(jet_router_match(r, JET_HTTP_GET, JET_STR_LIT("/x/b/c"), &got, NULL,
		NULL, 0), JET_ROUTE_FOUND);
	assert_ptr_equal(got->handler, &a);
	assert_int_equal(jet_router_match(r, JET_HTTP_GET, JET_STR_LIT("/y/b/c"), &got, NULL,
		NULL, 0), JET_ROUTE_FOUND);
	assert_ptr_equal(got->handler, &b);
	jet_router_free(r);
}

static void
literals_are_case_sensitive_and_raw(void **state)
{
	assert_int_equal(match(JET_HTTP_GET, "/V1/buildings"), JET_ROUTE_NOT_FOUND);
	assert_int_equal(match(JET_HTTP_GET, "/v1/%62uildings"), JET_ROUTE_NOT_FOUND);
}

static void
unknown_paths_are_404(void **state)
{
	assert_int_equal(match(JET_HTTP_GET, "/v2/buildings"), JET_ROUTE_NOT_FOUND);
	assert_int_equal(match(JET_HTTP_GET, "/v1"), JET_ROUTE_NOT_FOUND);
	assert_int_equal(match(JET_HTTP_GET, "/v1/buildings/1/points/2/x"), JET_ROUTE_NOT_FOUND);
	assert_int_equal(match(JET_HTTP_POST, "/nowhere"), JET_ROUTE_NOT_FOUND);
	assert_int_equal(match(JET_HTTP_METHOD_OTHER, "/nowhere"), JET_ROUTE_NOT_FOUND);
}

/* ------------------------------------------------------------------------
 * 405 and HEAD
 * --------------------------------------------------------------------- */

static void
other_method_on_known_path_is_405_with_allow(void **state)
{
	assert_int_equal(match(JET_HTTP_POST, "/v1/buildings/7"), JET_ROUTE_METHOD_MISMATCH);
	assert_string_equal(allow, "GET, HEAD, PUT, DELETE");
	assert_int_equal(match(JET_HTTP_DELETE, "/v1/buildings"), JET_ROUTE_METHOD_MISMATCH);
	assert_string_equal(allow, "GET, HEAD, OPTIONS");
	assert_int_equal(match(JET_HTTP_METHOD_OTHER, "/v1/buildings"), JET_ROUTE_METHOD_MISMATCH);
	/* Allow unites every pattern matching the path: "me" and "{id}". */
	assert_int_equal(match(JET_HTTP_PATCH, "/v1/buildings/me"), JET_ROUTE_METHOD_MISMATCH);
	assert_string_equal(allow, "GET, HEAD, PUT, DELETE");
}

static void
head_only_route_allows_just_head(void **state)
{
	assert_int_equal(match(JET_HTTP_GET, "/v1/head-only"), JET_ROUTE_METHOD_MISMATCH);
	assert_string_equal(allow, "HEAD");
	assert_int_equal(match(JET_HTTP_HEAD, "/v1/head-only"), JET_ROUTE_FOUND);
	assert_ptr_equal(route->handler, &h_head);
}

static void
allow_is_cut_to_its_buffer(void **state)
{
	char small[8];
	const struct jet_route *got = &table[0];

	memset(small, 'x', sizeof(small));
	assert_int_equal(jet_router_match(router, JET_HTTP_POST, JET_STR_LIT("/v1/buildings/7"),
		&got, NULL, small, sizeof(small)), JET_ROUTE_METHOD_MISMATCH);
	assert_string_equal(small, "GET, HE");
	assert_null(got);
	assert_int_equal(jet_router_match(router, JET_HTTP_POST, JET_STR_LIT("/v1/buildings/7"),
		NULL, NULL, NULL, 0), JET_ROUTE_METHOD_MISMATCH);
}

static void
get_route_answers_head(void **state)
{
	assert_int_equal(match(JET_HTTP_HEAD, "/v1/buildings/9/points"), JET_ROUTE_FOUND);
	assert_ptr_equal(route->handler, &h_points);
	assert_int_equal(route->method, JET_HTTP_GET);
	assert_slice(params.value[0], "9");
}

static void
explicit_head_route_wins_over_get(void **state)
{
	static char g, h;
	static const struct jet_route t[] = {
		{ JET_HTTP_GET, "/r", &g, NULL },
		{ JET_HTTP_HEAD, "/r", &h, NULL },
	};
	struct jet_router *r;
	const struct jet_route *got = NULL;

	assert_int_equal(jet_router_new(t, 2, &r), JET_OK);
	assert_int_equal(jet_router_match(r, JET_HTTP_HEAD, JET_STR_LIT("/r"), &got, NULL, NULL,
		0), JET_ROUTE_FOUND);
	assert_ptr_equal(got->handler, &h);
	assert_int_equal(jet_router_match(r, JET_HTTP_GET, JET_STR_LIT("/r"), &got, NULL, NULL,
		0), JET_ROUTE_FOUND);
	assert_ptr_equal(got->handler, &g);
	jet_router_free(r);
}

/* ------------------------------------------------------------------------
 * Paths that never match
 * --------------------------------------------------------------------- */

static void
traversal_and_empty_segments_do_not_match(void **state)
{
	const char *bad[] = {
		"/v1/buildings/..", "/v1/buildings/.", "/v1/../v1/buildings",
		"/v1/./buildings", "/v1/buildings/%2e%2e", "/v1/buildings/%2E",
		"/v1/buildings/.%2e", "/v1/buildings/%2e.", "/v1//buildings", "//v1/buildings",
		"/v1/buildings/", "/v1/buildings//", "v1/buildings", "", "*",
		"/v1/buildings/a%2fb", "/v1/buildings/a%2Fb", "/v1/buildings/a%5cb",
		"/v1/buildings/a%00", "/v1/buildings/a%", "/v1/buildings/a%4", "/v1/buildings/a%zz",
		"/v1/buildings/a\\b", "/v1/buildings/a b", "/v1/buildings/\x01",
		"/v1/buildings/\x7f", "/v1/buildings/caf\xc3\xa9", "/v1/buildings/{id}",
		"/v1/buildings/a?b", "/v1/buildings/a#b", "/v1/buildings/\"x\"",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (match(JET_HTTP_GET, bad[i]) != JET_ROUTE_NOT_FOUND)
			fail_msg("\"%s\" matched", bad[i]);
}

static void
nul_in_path_does_not_match(void **state)
{
	assert_int_equal(match_n(JET_HTTP_GET, "/v1/buildings\0", 14), JET_ROUTE_NOT_FOUND);
	assert_int_equal(match_n(JET_HTTP_GET, "/v1/buil\0dings", 14), JET_ROUTE_NOT_FOUND);
	assert_int_equal(jet_router_match(router, JET_HTTP_GET, JET_STR_NULL, NULL, NULL, NULL, 0),
		JET_ROUTE_NOT_FOUND);
}

static void
dots_inside_a_segment_are_ordinary(void **state)
{
	assert_int_equal(match(JET_HTTP_GET, "/v1/buildings/..."), JET_ROUTE_FOUND);
	assert_slice(params.value[0], "...");
	assert_int_equal(match(JET_HTTP_GET, "/v1/buildings/a..b"), JET_ROUTE_FOUND);
	assert_int_equal(match(JET_HTTP_GET, "/v1/buildings/.hidden"), JET_ROUTE_FOUND);
	assert_int_equal(match(JET_HTTP_GET, "/v1/buildings/urn:x;y=z@w!$&'()*+,~_-"),
		JET_ROUTE_FOUND);
}

static void
too_deep_paths_do_not_match(void **state)
{
	char p[200];

	for (int i = 0; i < 33; i++)
		memcpy(p + 2 * i, "/a", 2);
	p[66] = '\0';
	assert_int_equal(match(JET_HTTP_GET, p), JET_ROUTE_NOT_FOUND);
}

/* ------------------------------------------------------------------------
 * Building
 * --------------------------------------------------------------------- */

static int
build_one(enum jet_http_method m, const char *pattern)
{
	struct jet_route t[1] = { { m, pattern, NULL, NULL } };
	struct jet_router *r = (struct jet_router *)&t; /* must be reset on failure */
	int rc = jet_router_new(t, 1, &r);

	if (rc != JET_OK)
		assert_null(r);
	jet_router_free(r);
	return rc;
}

static void
valid_patterns_are_accepted(void **state)
{
	const char *good[] = { "/", "/a", "/a/b", "/{x}", "/a/{x}/b/{y}", "/v1/x:y@z",
		"/a-b_c.d~e", "/{a_1}/{B2}", "/..a", "/a.", "/{x1}/{x2}/{x3}/{x4}/{x5}/{x6}/{x7}/{x8}" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (build_one(JET_HTTP_GET, good[i]) != JET_OK)
			fail_msg("\"%s\" refused", good[i]);
}

static void
invalid_patterns_are_refused(void **state)
{
	const char *bad[] = {
		"", "a", "a/b", "//", "/a/", "/a//b", "/{}", "/{a", "/a}", "/{a}b", "/a{b}",
		"/{a-b}", "/{a}/{a}", "/{x1}/{x2}/{x3}/{x4}/{x5}/{x6}/{x7}/{x8}/{x9}", "/.",
		"/..", "/a/../b", "/a?b", "/a#b", "/a b", "/a%20b", "/a\\b", "/caf\xc3\xa9",
		"/a\x01", "/{a}}", "/{{a}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (build_one(JET_HTTP_GET, bad[i]) != JET_EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
	assert_int_equal(build_one(JET_HTTP_GET, NULL), JET_EINVAL);
	assert_int_equal(build_one(JET_HTTP_METHOD_OTHER, "/a"), JET_EINVAL);
	assert_int_equal(build_one((enum jet_http_method)99, "/a"), JET_EINVAL);
}

static void
pattern_length_and_depth_limits(void **state)
{
	char p[1100];

	memset(p, 'a', sizeof(p));
	p[0] = '/';
	p[1024] = '\0';
	assert_int_equal(build_one(JET_HTTP_GET, p), JET_OK);
	p[1024] = 'a';
	p[1025] = '\0';
	assert_int_equal(build_one(JET_HTTP_GET, p), JET_EINVAL);

	for (int i = 0; i < 33; i++)
		memcpy(p + 2 * i, "/a", 2);
	p[64] = '\0';
	assert_int_equal(build_one(JET_HTTP_GET, p), JET_OK);
	p[64] = '/';
	p[66] = '\0';
	assert_int_equal(build_one(JET_HTTP_GET, p), JET_EINVAL);
}

static void
duplicate_routes_are_refused(void **state)
{
	static const struct jet_route same[] = {
		{ JET_HTTP_GET, "/a/{x}", NULL, NULL },
		{ JET_HTTP_GET, "/a/{x}", NULL, NULL },
	};
	static const struct jet_route renamed[] = {
		{ JET_HTTP_PUT, "/a/{x}/b", NULL, NULL },
		{ JET_HTTP_PUT, "/a/{y}/b", NULL, NULL },
	};
	static const struct jet_route distinct[] = {
		{ JET_HTTP_GET, "/a/{x}", NULL, NULL },
		{ JET_HTTP_PUT, "/a/{x}", NULL, NULL },
		{ JET_HTTP_GET, "/a/b", NULL, NULL },
		{ JET_HTTP_GET, "/{x}/b", NULL, NULL },
		{ JET_HTTP_GET, "/a/{x}/c", NULL, NULL },
	};
	struct jet_router *r;

	assert_int_equal(jet_router_new(same, 2, &r), JET_EINVAL);
	assert_null(r);
	assert_int_equal(jet_router_new(renamed, 2, &r), JET_EINVAL);
	assert_int_equal(jet_router_new(distinct, 5, &r), JET_OK);
	jet_router_free(r);
}

static void
empty_table_matches_nothing(void **state)
{
	struct jet_router *r;

	assert_int_equal(jet_router_new(NULL, 0, &r), JET_OK);
	assert_int_equal(jet_router_match(r, JET_HTTP_GET, JET_STR_LIT("/"), NULL, NULL, NULL, 0),
		JET_ROUTE_NOT_FOUND);
	jet_router_free(r);
	jet_router_free(NULL);
	assert_int_equal(jet_router_new(NULL, 1, &r), JET_EINVAL);
	assert_int_equal(jet_router_new(table, 1, NULL), JET_EINVAL);
	assert_int_equal(jet_router_match(NULL, JET_HTTP_GET, JET_STR_LIT("/"), NULL, NULL, NULL,
		0), JET_ROUTE_NOT_FOUND);
}

static void
hundred_routes_each_match_their_own(void **state)
{
	static struct jet_route t[100];
	static char pat[100][32];
	struct jet_router *r;
	const struct jet_route *got;
	struct jet_http_params pr;
	char path[64];

	for (int i = 0; i < 100; i++) {
		snprintf(pat[i], sizeof(pat[i]), "/svc%d/{id}/x%d", i % 10, i);
		t[i] = (struct jet_route){ (enum jet_http_method)(i % 7), pat[i], &t[i], NULL };
	}
	assert_int_equal(jet_router_new(t, 100, &r), JET_OK);
	for (int i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "/svc%d/v%d/x%d", i % 10, i, i);
		assert_int_equal(jet_router_match(r, (enum jet_http_method)(i % 7),
			jet_str_from_cstr(path), &got, &pr, NULL, 0), JET_ROUTE_FOUND);
		assert_ptr_equal(got, &t[i]);
		assert_int_equal(pr.n, 1);
	}
	jet_router_free(r);
}

/* ------------------------------------------------------------------------
 * Percent-decoding
 * --------------------------------------------------------------------- */

static void
pct_decode_decodes_hex_escapes(void **state)
{
	char out[32];
	size_t n = 99;

	assert_int_equal(jet_http_pct_decode(JET_STR_LIT("a%41%4a%4A%20b+c"), out, sizeof(out),
		&n), JET_OK);
	assert_string_equal(out, "aAJJ b+c"); /* '+' is not a space here */
	assert_int_equal(n, 8);
	assert_int_equal(jet_http_pct_decode(JET_STR_LIT("%e2%82%ac"), out, sizeof(out), NULL),
		JET_OK);
	assert_string_equal(out, "\xe2\x82\xac");
	assert_int_equal(jet_http_pct_decode(JET_STR_NULL, out, sizeof(out), &n), JET_OK);
	assert_string_equal(out, "");
	assert_int_equal(n, 0);
}

static void
pct_decode_refuses_malformed_and_nul(void **state)
{
	const char *bad[] = { "%", "%4", "a%zz", "%g0", "%0g", "%00", "a%00b", "%%41", "%-1" };
	char out[32];
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 99;
		if (jet_http_pct_decode(jet_str_from_cstr(bad[i]), out, sizeof(out), &n) !=
			JET_EINVAL)
			fail_msg("\"%s\" decoded", bad[i]);
		assert_string_equal(out, "");
		assert_int_equal(n, 0);
	}
	assert_int_equal(jet_http_pct_decode((struct jet_str){ "a\0b", 3 }, out, sizeof(out), &n),
		JET_EINVAL);
	assert_int_equal(jet_http_pct_decode((struct jet_str){ NULL, 3 }, out, sizeof(out), &n),
		JET_EINVAL);
}

static void
pct_decode_output_exactly_fits_and_one_short(void **state)
{
	char out[4];

	assert_int_equal(jet_http_pct_decode(JET_STR_LIT("ab%43"), out, 4, NULL), JET_OK);
	assert_string_equal(out, "abC");
	assert_int_equal(jet_http_pct_decode(JET_STR_LIT("ab%43d"), out, 4, NULL), JET_EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(jet_http_pct_decode(JET_STR_LIT(""), out, 1, NULL), JET_OK);
	assert_int_equal(jet_http_pct_decode(JET_STR_LIT("a"), out, 1, NULL), JET_EINVAL);
	assert_int_equal(jet_http_pct_decode(JET_STR_LIT("a"), out, 0, NULL), JET_EINVAL);
	assert_int_equal(jet_http_pct_decode(JET_STR_LIT("a"), NULL, 4, NULL), JET_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literal_route_matches),
		cmocka_unit_test(param_captures_raw_segment),
		cmocka_unit_test(several_params_in_order),
		cmocka_unit_test(literal_segment_beats_param),
		cmocka_unit_test(leftmost_literal_decides_specificity),
		cmocka_unit_test(literals_are_case_sensitive_and_raw),
		cmocka_unit_test(unknown_paths_are_404),
		cmocka_unit_test(other_method_on_known_path_is_405_with_allow),
		cmocka_unit_test(head_only_route_allows_just_head),
		cmocka_unit_test(allow_is_cut_to_its_buffer),
		cmocka_unit_test(get_route_answers_head),
		cmocka_unit_test(explicit_head_route_wins_over_get),
		cmocka_unit_test(traversal_and_empty_segments_do_not_match),
		cmocka_unit_test(nul_in_path_does_not_match),
		cmocka_unit_test(dots_inside_a_segment_are_ordinary),
		cmocka_unit_test(too_deep_paths_do_not_match),
		cmocka_unit_test(valid_patterns_are_accepted),
		cmocka_unit_test(invalid_patterns_are_refused),
		cmocka_unit_test(pattern_length_and_depth_limits),
		cmocka_unit_test(duplicate_routes_are_refused),
		cmocka_unit_test(empty_table_matches_nothing),
		cmocka_unit_test(hundred_routes_each_match_their_own),
		cmocka_unit_test(pct_decode_decodes_hex_escapes),
		cmocka_unit_test(pct_decode_refuses_malformed_and_nul),
		cmocka_unit_test(pct_decode_output_exactly_fits_and_one_short),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
