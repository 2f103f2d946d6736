/*
 * Unit tests for lib/http/parser.c, request side: the request line, field
 * syntax, framing (Content-Length / Transfer-Encoding), Host, Connection,
 * Expect, every limit at the limit and one past it, incremental and
 * pipelined parsing.
 *
 * Each parse runs on an exactly-sized heap copy of the input, so ASan flags
 * any read past len.  Most refusals are also checked on every prefix of the
 * input (check_prefixes): a prefix must give JET_AGAIN or the same verdict.
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

static struct jet_http_request req;
static int status;
static char *copy;   /* the exact-size buffer req borrows from */
static struct jet_buf scratch; /* for building long inputs */

/* Parses s[0..len) from an exact-size heap copy kept until the next call. */
static int
parse_lim(const char *s, size_t len, const struct jet_http_limits *lim)
{
	free(copy);
	copy = malloc(len > 0 ? len : 1);
	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, s, len);
	status = -1;
	return jet_http_parse_request(copy, len, lim, &req, &status);
}

static int
parse(const char *s)
{
	return parse_lim(s, strlen(s), NULL);
}

/*
 * Every prefix of s must give JET_AGAIN or exactly the full verdict, and a
 * complete head must give JET_AGAIN for all shorter prefixes.
 */
static void
check_prefixes(const char *s, size_t len, const struct jet_http_limits *lim)
{
	int full = parse_lim(s, len, lim), full_status = status;

	for (size_t k = 0; k < len; k++) {
		int rc = parse_lim(s, k, lim);

		if (rc == JET_AGAIN)
			continue;
		if (full > 0)
			assert_true((size_t)full <= k);
		assert_int_equal(rc, full);
		assert_int_equal(status, full_status);
	}
	/* Leave req parsed from the whole input for the caller. */
	assert_int_equal(parse_lim(s, len, lim), full);
}

/* Asserts a refusal with the given status, on the input and its prefixes. */
static void
refused(const char *s, int want)
{
	int rc;

	check_prefixes(s, strlen(s), NULL);
	rc = parse(s);
	if (want == 413 || want == 414 || want == 431)
		assert_int_equal(rc, JET_ETOOBIG);
	else
		assert_int_equal(rc, JET_EPROTO);
	assert_int_equal(status, want);
}

/* Asserts that s is exactly one complete head. */
static void
accepted(const char *s)
{
	check_prefixes(s, strlen(s), NULL);
	assert_int_equal(parse(s), (int)strlen(s));
	assert_int_equal(status, 0);
}

/* a, b and c concatenated, in scratch (valid until the next join). */
static const char *
join(const char *a, const char *b, const char *c)
{
	jet_buf_reset(&scratch);
	assert_int_equal(jet_buf_printf(&scratch, "%s%s%s", a, b, c), JET_OK);
	return scratch.data;
}

static const char *
fill(char ch, size_t n)
{
	static struct jet_buf f;

	if (f.max == 0)
		jet_buf_init(&f, 1 << 20);
	jet_buf_reset(&f);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(jet_buf_append(&f, &ch, 1), JET_OK);
	assert_int_equal(jet_buf_append(&f, "", 1), JET_OK);
	return f.data;
}

/* ------------------------------------------------------------------------
 * Request line
 * --------------------------------------------------------------------- */

static void
simple_get_fills_every_field(void **state)
{
	const char *r = "GET /v1/points?since=10&x HTTP/1.1\r\nHost: example.com\r\n"
			"Accept:  */* \t\r\n\r\n";

	accepted(r);
	assert_int_equal(req.method, JET_HTTP_GET);
	assert_slice(req.method_name, "GET");
	assert_slice(req.target, "/v1/points?since=10&x");
	assert_slice(req.path, "/v1/points");
	assert_slice(req.query, "since=10&x");
	assert_int_equal(req.version_minor, 1);
	assert_slice(req.host, "example.com");
	assert_int_equal(req.nheaders, 2);
	assert_slice(req.headers[0].name, "Host");
	assert_slice(req.headers[1].name, "Accept");
	assert_slice(req.headers[1].value, "*/*");
	assert_int_equal(req.body, JET_HTTP_BODY_NONE);
	assert_int_equal(req.content_length, 0);
	assert_true(req.keep_alive);
	assert_false(req.expect_continue);
}

static void
path_without_query_has_empty_query(void **state)
{
	accepted("GET /a/b HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_slice(req.path, "/a/b");
	assert_int_equal(req.query.len, 0);
	accepted("GET /a? HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_slice(req.path, "/a");
	assert_int_equal(req.query.len, 0);
	accepted("GET /a?b?c HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_slice(req.query, "b?c");
}

static void
known_methods_map_to_their_enum(void **state)
{
	static const struct {
		const char *name;
		enum jet_http_method m;
	} tab[] = {
		{ "GET", JET_HTTP_GET },       { "HEAD", JET_HTTP_HEAD },
		{ "POST", JET_HTTP_POST },     { "PUT", JET_HTTP_PUT },
		{ "DELETE", JET_HTTP_DELETE }, { "PATCH", JET_HTTP_PATCH },
		{ "OPTIONS", JET_HTTP_OPTIONS },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		accepted(join(tab[i].name, " / HTTP/1.1\r\n", "Host: h\r\n\r\n"));
		assert_int_equal(req.method, tab[i].m);
		assert_slice(req.method_name, tab[i].name);
		assert_string_equal(jet_http_method_name(tab[i].m), tab[i].name);
	}
}

static void
unknown_method_token_parses_as_other(void **state)
{
	/* Methods are case-sensitive: "get" is a token we do not implement. */
	const char *names[] = { "TRACE", "get", "PROPFIND", "M-SEARCH", "X!#$%&'*+.^_`|~1" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		accepted(join(names[i], " / HTTP/1.1\r\n", "Host: h\r\n\r\n"));
		assert_int_equal(req.method, JET_HTTP_METHOD_OTHER);
		assert_slice(req.method_name, names[i]);
	}
	assert_string_equal(jet_http_method_name(JET_HTTP_METHOD_OTHER), "OTHER");
}

static void
connect_is_refused_with_501(void **state)
{
	refused("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501);
	refused("CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n", 501);
}

static void
method_must_be_a_token(void **state)
{
	refused("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GE\"T / HTTP/1.1\r\n\r\n", 400);
	refused(" GET / HTTP/1.1\r\n\r\n", 400);
	refused("\x16\x03\x01\x02\x00", 400); /* a TLS ClientHello is refused at once */
}

static void
request_line_needs_exactly_one_space_between_parts(void **state)
{
	refused("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GET /  HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GET /\tHTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400);
	refused("GET /\r\nHost: h\r\n\r\n", 400); /* HTTP/0.9 style */
	refused("GET\r\n\r\n", 400);
}

static void
target_must_be_visible_ascii(void **state)
{
	static const char nul[] = "GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n";

	refused("GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	assert_int_equal(parse_lim(nul, sizeof(nul) - 1, NULL), JET_EPROTO);
	assert_int_equal(status, 400);
}

static void
target_with_fragment_is_refused(void **state)
{
	refused("GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GET /a?q#frag HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GET http://h/#x HTTP/1.1\r\nHost: h\r\n\r\n", 400);
}

static void
http_10_and_11_are_accepted(void **state)
{
	accepted("GET / HTTP/1.0\r\n\r\n");
	assert_int_equal(req.version_minor, 0);
	accepted("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(req.version_minor, 1);
}

static void
other_well_formed_versions_are_505(void **state)
{
	refused("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505);
	refused("GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505);
	refused("GET / HTTP/0.9\r\nHost: h\r\n\r\n", 505);
	refused("GET / HTTP/9.9\r\n", 505); /* decided at the end of the line */
	refused("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505);
}

static void
malformed_versions_are_400(void **state)
{
	refused("GET / HTTP/1.10\r\nHost: h\r\n\r\n", 400);
	refused("GET / HTTP/11.1\r\nHost: h\r\n\r\n", 400);
	refused("GET / http/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GET / HTTP/1\r\nHost: h\r\n\r\n", 400);
	refused("GET / HTTP/1.x\r\nHost: h\r\n\r\n", 400);
	refused("GET / HTTPS/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GET / HTTP/1,1\r\nHost: h\r\n\r\n", 400);
}

static void
up_to_four_leading_empty_lines_are_skipped(void **state)
{
	accepted("\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_slice(req.method_name, "GET");
	refused("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("\r\rGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	assert_int_equal(parse("\r\n\r\n"), JET_AGAIN);
	assert_int_equal(parse("\r"), JET_AGAIN);
}

/* ------------------------------------------------------------------------
 * Target forms
 * --------------------------------------------------------------------- */

static void
absolute_form_is_reduced_to_path_and_query(void **state)
{
	accepted("GET http://example.com/a/b?c=d HTTP/1.1\r\nHost: example.com\r\n\r\n");
	assert_slice(req.target, "http://example.com/a/b?c=d");
	assert_slice(req.path, "/a/b");
	assert_slice(req.query, "c=d");
	assert_slice(req.host, "example.com");
	accepted("GET HTTPS://Example.com:8443/x HTTP/1.1\r\nHost: example.COM:8443\r\n\r\n");
	assert_slice(req.path, "/x");
	assert_slice(req.host, "Example.com:8443"); /* the authority, per RFC 9112 3.2.2 */
}

static void
absolute_form_without_path_has_root_path(void **state)
{
	accepted("GET http://h HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_slice(req.path, "/");
	assert_int_equal(req.query.len, 0);
	/* The "/" is borrowed from the input, like every other slice. */
	assert_true(req.path.p >= copy && req.path.p < copy + strlen("GET http://h"));
	accepted("GET http://h?q=1 HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_slice(req.path, "/");
	assert_slice(req.query, "q=1");
}

static void
absolute_form_in_http10_takes_host_from_target(void **state)
{
	accepted("GET http://h:81/p HTTP/1.0\r\n\r\n");
	assert_slice(req.host, "h:81");
}

static void
absolute_form_authority_must_match_host(void **state)
{
	refused("GET http://a.example/ HTTP/1.1\r\nHost: b.example\r\n\r\n", 400);
	refused("GET http://a.example/ HTTP/1.1\r\nHost: a.example:80\r\n\r\n", 400);
	refused("GET http://a.example/ HTTP/1.1\r\n\r\n", 400); /* Host still required */
}

static void
absolute_form_authority_must_be_a_plain_host(void **state)
{
	refused("GET http://user@h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GET http:///p HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GET http:// HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GET http://h:99999/ HTTP/1.1\r\nHost: h:99999\r\n\r\n", 400);
}

static void
other_schemes_and_relative_targets_are_400(void **state)
{
	refused("GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GET http:/h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	/* authority-form is for CONNECT only */
	refused("GET example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n", 400);
}

static void
asterisk_form_only_with_options(void **state)
{
	accepted("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(req.method, JET_HTTP_OPTIONS);
	assert_slice(req.path, "*");
	refused("GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	refused("OPTIONS *x HTTP/1.1\r\nHost: h\r\n\r\n", 400);
}

/* ------------------------------------------------------------------------
 * Line endings and field syntax
 * --------------------------------------------------------------------- */

static void
bare_lf_anywhere_is_400(void **state)
{
	refused("GET / HTTP/1.1\nHost: h\r\n\r\n", 400);
	refused("GET / HTTP/1.1\r\nHost: h\n\r\n", 400);
	refused("GET / HTTP/1.1\r\nHost: h\r\n\n", 400);
	refused("GET / HTTP/1.1\r\nHost: h\r\nX: a\nb\r\n\r\n", 400);
	refused("GET /\n HTTP/1.1\r\nHost: h\r\n\r\n", 400);
}

static void
bare_cr_anywhere_is_400(void **state)
{
	refused("GET / HTTP/1.1\rHost: h\r\n\r\n", 400);
	refused("GET / HTTP/1.1\r\nHost: h\r\r\n\r\n", 400);
	refused("GET / HTTP/1.1\r\nHost: h\r\n\rX", 400);
	refused("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400);
	refused("GET / HTTP/1.1\r\nHo\rst: h\r\n\r\n", 400);
}

static void
whitespace_before_colon_is_400(void **state)
{
	refused("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400);
	refused("GET / HTTP/1.1\r\nHost: h\r\nContent-Length\t: 5\r\n\r\n", 400);
}

static void
field_name_must_be_a_nonempty_token(void **state)
{
	refused("GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n", 400);
	refused("GET / HTTP/1.1\r\nHost: h\r\nX(y): v\r\n\r\n", 400);
	refused("GET / HTTP/1.1\r\nHost: h\r\nX\x80: v\r\n\r\n", 400);
	refused("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400);
}

static void
obs_fold_is_400(void **state)
{
	refused("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400);
	refused("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n", 400);
	/* Whitespace between the request line and the first field. */
	refused("GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400);
}

static void
field_value_is_ows_trimmed_inner_space_kept(void **state)
{
	accepted("GET / HTTP/1.1\r\nHost: h\r\nX: \t a  b \t \r\nY:\r\nZ:   \r\n\r\n");
	assert_int_equal(req.nheaders, 4);
	assert_slice(req.headers[1].value, "a  b");
	assert_slice(req.headers[2].value, "");
	assert_slice(req.headers[3].value, "");
}

static void
field_value_accepts_obs_text(void **state)
{
	accepted("GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9 \xff\r\n\r\n");
	assert_slice(req.headers[1].value, "caf\xc3\xa9 \xff");
}

static void
field_value_with_control_byte_is_400(void **state)
{
	static const char tmpl[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a?b\r\n\r\n";
	char buf[sizeof(tmpl)];
	size_t at = strlen("GET / HTTP/1.1\r\nHost: h\r\nX: a");

	for (int c = 0; c < 0x20; c++) {
		if (c == '\t')
			continue;
		memcpy(buf, tmpl, sizeof(tmpl));
		buf[at] = (char)c;
		assert_int_equal(parse_lim(buf, sizeof(tmpl) - 1, NULL), JET_EPROTO);
		assert_int_equal(status, 400);
	}
	memcpy(buf, tmpl, sizeof(tmpl));
	buf[at] = 0x7f;
	assert_int_equal(parse_lim(buf, sizeof(tmpl) - 1, NULL), JET_EPROTO);
	assert_int_equal(status, 400);
	buf[at] = '\t';
	assert_int_equal(parse_lim(buf, sizeof(tmpl) - 1, NULL), (int)sizeof(tmpl) - 1);
}

static void
find_header_is_case_insensitive_and_first_wins(void **state)
{
	const struct jet_http_header *h;

	accepted("GET / HTTP/1.1\r\nHost: h\r\nX-Tag: one\r\nx-tag: two\r\n\r\n");
	h = jet_http_find_header(req.headers, req.nheaders, "X-TAG");
	assert_non_null(h);
	assert_slice(h->value, "one");
	assert_null(jet_http_find_header(req.headers, req.nheaders, "X-Ta"));
	assert_null(jet_http_find_header(req.headers, req.nheaders, "missing"));
	assert_null(jet_http_find_header(req.headers, 0, "host"));
	assert_null(jet_http_find_header(NULL, 3, "host"));
}

/* ------------------------------------------------------------------------
 * Content-Length
 * --------------------------------------------------------------------- */

static void
content_length_sets_length_body(void **state)
{
	accepted("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n");
	assert_int_equal(req.body, JET_HTTP_BODY_LENGTH);
	assert_int_equal(req.content_length, 12);
	accepted("POST / HTTP/1.1\r\nHost: h\r\ncontent-length:  007 \r\n\r\n");
	assert_int_equal(req.content_length, 7);
}

static void
content_length_zero_means_no_body(void **state)
{
	accepted("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(req.body, JET_HTTP_BODY_NONE);
	assert_int_equal(req.content_length, 0);
}

static void
content_length_must_be_digits_only(void **state)
{
	const char *bad[] = { "", "+5", "-5", "5 5", "0x10", "5,5", "5, 5", "1e3", "5.0", "five",
		"\"5\"" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		refused(join("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ", bad[i], "\r\n\r\n"),
			400);
	}
}

static void
duplicate_content_length_is_400_even_when_equal(void **state)
{
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
		400);
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n",
		400);
}

static void
content_length_at_max_body_and_one_past(void **state)
{
	struct jet_http_limits lim;
	const char *at = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n";
	const char *past = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n";

	jet_http_limits_default(&lim);
	lim.max_body = 1000;
	assert_int_equal(parse_lim(at, strlen(at), &lim), (int)strlen(at));
	assert_int_equal(req.content_length, 1000);
	assert_int_equal(parse_lim(past, strlen(past), &lim), JET_ETOOBIG);
	assert_int_equal(status, 413);
}

static void
content_length_past_64_bits_is_413(void **state)
{
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		413);
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551616\r\n\r\n", 413);
}

/* ------------------------------------------------------------------------
 * Transfer-Encoding
 * --------------------------------------------------------------------- */

static void
chunked_sets_chunked_body(void **state)
{
	const char *forms[] = { "chunked", "Chunked", "CHUNKED", " chunked\t" };

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		accepted(join("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:", forms[i],
			"\r\n\r\n"));
		assert_int_equal(req.body, JET_HTTP_BODY_CHUNKED);
	}
}

static void
transfer_encoding_with_content_length_is_400(void **state)
{
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
		"Transfer-Encoding: chunked\r\n\r\n", 400);
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
		"Content-Length: 5\r\n\r\n", 400);
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
		"Content-Length: 0\r\n\r\n", 400);
	/* Even when the coding itself would be 501. */
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n"
		"Content-Length: 5\r\n\r\n", 400);
}

static void
transfer_encoding_in_http10_is_400(void **state)
{
	refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	refused("POST / HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 400);
}

static void
unknown_codings_before_chunked_are_501(void **state)
{
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501);
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity,chunked\r\n\r\n", 501);
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n"
		"Transfer-Encoding: chunked\r\n\r\n", 501);
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: x;q=1, chunked\r\n\r\n", 501);
}

static void
chunked_not_last_or_repeated_is_400(void **state)
{
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400);
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 400);
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400);
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
		"Transfer-Encoding: chunked\r\n\r\n", 400);
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
		"Transfer-Encoding: gzip\r\n\r\n", 400);
}

static void
malformed_transfer_encoding_is_400(void **state)
{
	const char *bad[] = { "", "chunked,", ",chunked", "chunked, ,", "chunked;a=b", "chun ked",
		"\"chunked\"", "chunked x", "chunked\x80", "chunk" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(join("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ", bad[i],
			"\r\n\r\n"), 400);
}

/* ------------------------------------------------------------------------
 * Host
 * --------------------------------------------------------------------- */

static void
host_is_required_once_in_http11(void **state)
{
	refused("GET / HTTP/1.1\r\n\r\n", 400);
	refused("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
	refused("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400);
}

static void
host_is_optional_but_single_in_http10(void **state)
{
	accepted("GET / HTTP/1.0\r\n\r\n");
	assert_int_equal(req.host.len, 0);
	accepted("GET / HTTP/1.0\r\nHost: h\r\n\r\n");
	assert_slice(req.host, "h");
	refused("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400);
}

static void
host_accepts_names_addresses_and_ports(void **state)
{
	const char *good[] = { "example.com", "example.com:8080", "127.0.0.1", "[::1]",
		"[::1]:443", "a-b_c~d.e", "x:0", "h:65535", "" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		accepted(join("GET / HTTP/1.1\r\nHost: ", good[i], "\r\n\r\n"));
		assert_slice(req.host, good[i]);
	}
}

static void
host_with_bad_syntax_is_400(void **state)
{
	const char *bad[] = { "a b", "user@h", "h/p", "h?q", "h#f", "h:", ":80", "h:8o",
		"h:123456", "h:65536", "h:1:2", "[::1", "[]", "[::1]x", "[::1%eth0]", "[a b]",
		"[::1]:", "h%41", "h\\x",
		"h\x80", "h\"", "h<" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(join("GET / HTTP/1.1\r\nHost: ", bad[i], "\r\n\r\n"), 400);
}

/* ------------------------------------------------------------------------
 * Connection and Expect
 * --------------------------------------------------------------------- */

static void
http11_keeps_alive_unless_close(void **state)
{
	accepted("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_true(req.keep_alive);
	accepted("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
	assert_false(req.keep_alive);
	accepted("GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, CLOSE\r\n\r\n");
	assert_false(req.keep_alive);
	accepted("GET / HTTP/1.1\r\nHost: h\r\nConnection: te\r\nConnection: ,close,\r\n\r\n");
	assert_false(req.keep_alive);
	accepted("GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\n\r\n");
	assert_true(req.keep_alive);
}

static void
http10_keeps_alive_only_with_keep_alive(void **state)
{
	accepted("GET / HTTP/1.0\r\n\r\n");
	assert_false(req.keep_alive);
	accepted("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	assert_true(req.keep_alive);
	accepted("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
	assert_true(req.keep_alive);
	accepted("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n");
	assert_false(req.keep_alive);
	accepted("GET / HTTP/1.0\r\nConnection: keepalive\r\n\r\n");
	assert_false(req.keep_alive);
}

static void
connection_options_must_be_tokens(void **state)
{
	refused("GET / HTTP/1.1\r\nHost: h\r\nConnection: clo se\r\n\r\n", 400);
	refused("GET / HTTP/1.1\r\nHost: h\r\nConnection: \"close\"\r\n\r\n", 400);
}

static void
expect_100_continue_sets_flag(void **state)
{
	accepted("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
	assert_true(req.expect_continue);
	accepted("POST / HTTP/1.1\r\nHost: h\r\nexpect:  100-Continue \r\n\r\n");
	assert_true(req.expect_continue);
}

static void
expect_100_continue_is_ignored_in_http10(void **state)
{
	accepted("POST / HTTP/1.0\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
	assert_false(req.expect_continue);
}

static void
other_expectations_are_417(void **state)
{
	refused("POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n", 417);
	refused("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue, x\r\n\r\n", 417);
	refused("POST / HTTP/1.1\r\nHost: h\r\nExpect:\r\n\r\n", 417);
	refused("POST / HTTP/1.0\r\nExpect: something\r\n\r\n", 417);
}

/* ------------------------------------------------------------------------
 * Limits, each at the limit and one past it
 * --------------------------------------------------------------------- */

static struct jet_http_limits
small_limits(void)
{
	struct jet_http_limits lim;

	jet_http_limits_default(&lim);
	lim.max_request_line = 64;
	lim.max_head = 256;
	lim.max_headers = 4;
	return lim;
}

static void
defaults_are_the_documented_ones(void **state)
{
	struct jet_http_limits lim;

	jet_http_limits_default(&lim);
	assert_int_equal(lim.max_request_line, 8192);
	assert_int_equal(lim.max_head, 32768);
	assert_int_equal(lim.max_headers, 100);
	assert_int_equal(lim.max_body, 1048576);
}

/* "GET /aaa... HTTP/1.1" of exactly n bytes (n >= 14). */
static const char *
request_line_of(size_t n)
{
	return join("GET /", fill('a', n - 14), " HTTP/1.1");
}

static void
request_line_at_limit_is_accepted(void **state)
{
	struct jet_http_limits lim = small_limits();
	char r[512];

	snprintf(r, sizeof(r), "%s\r\nHost: h\r\n\r\n", request_line_of(64));
	check_prefixes(r, strlen(r), &lim);
	assert_int_equal(parse_lim(r, strlen(r), &lim), (int)strlen(r));
	assert_int_equal(req.target.len, 51);
}

static void
request_line_one_past_limit_is_414(void **state)
{
	struct jet_http_limits lim = small_limits();
	char r[512];

	snprintf(r, sizeof(r), "%s\r\nHost: h\r\n\r\n", request_line_of(65));
	check_prefixes(r, strlen(r), &lim);
	assert_int_equal(parse_lim(r, strlen(r), &lim), JET_ETOOBIG);
	assert_int_equal(status, 414);
}

static void
request_line_414_is_seen_before_the_crlf(void **state)
{
	struct jet_http_limits lim = small_limits();
	char a[201], r[512];

	memset(a, 'a', 200);
	a[200] = '\0';

	/* 64 content bytes and nothing more: still a possible request. */
	snprintf(r, sizeof(r), "GET /%.59s", a);
	assert_int_equal(strlen(r), 64);
	assert_int_equal(parse_lim(r, 64, &lim), JET_AGAIN);
	/* The CR right at the limit is fine too. */
	assert_int_equal(parse_lim(request_line_of(64), 64, &lim), JET_AGAIN);
	snprintf(r, sizeof(r), "%s\r", request_line_of(64));
	assert_int_equal(parse_lim(r, 65, &lim), JET_AGAIN);
	/* A 65th content byte proves the line too long. */
	snprintf(r, sizeof(r), "GET /%.60s", a);
	assert_int_equal(parse_lim(r, 65, &lim), JET_ETOOBIG);
	assert_int_equal(status, 414);
	/* Whatever part of the line it falls in. */
	snprintf(r, sizeof(r), "%.65s", a);
	assert_int_equal(parse_lim(r, 65, &lim), JET_ETOOBIG);
	assert_int_equal(status, 414);
}

static void
request_line_limit_excludes_leading_empty_lines(void **state)
{
	struct jet_http_limits lim = small_limits();
	char r[512];

	snprintf(r, sizeof(r), "\r\n\r\n%s\r\nHost: h\r\n\r\n", request_line_of(64));
	assert_int_equal(parse_lim(r, strlen(r), &lim), (int)strlen(r));
}

/* A complete head of exactly n bytes (n >= 34) using a padding field. */
static const char *
head_of(size_t n)
{
	static char r[70000];
	const char *pre = "GET / HTTP/1.1\r\nHost: h\r\nX: ";

	snprintf(r, sizeof(r), "%s%s\r\n\r\n", pre, fill('v', n - strlen(pre) - 4));
	assert_int_equal(strlen(r), n);
	return r;
}

static void
head_at_limit_is_accepted(void **state)
{
	struct jet_http_limits lim = small_limits();
	const char *r = head_of(256);

	check_prefixes(r, 256, &lim);
	assert_int_equal(parse_lim(r, 256, &lim), 256);
}

static void
head_one_past_limit_is_431(void **state)
{
	struct jet_http_limits lim = small_limits();
	const char *r = head_of(257);

	check_prefixes(r, 257, &lim);
	assert_int_equal(parse_lim(r, 257, &lim), JET_ETOOBIG);
	assert_int_equal(status, 431);
}

static void
endless_header_line_gets_431_not_again(void **state)
{
	struct jet_http_limits lim = small_limits();
	char r[1024];
	int n = snprintf(r, sizeof(r), "GET / HTTP/1.1\r\nHost: h\r\nX: %s", fill('v', 900));

	assert_true(n > 300);
	assert_int_equal(parse_lim(r, 256, &lim), JET_AGAIN);
	assert_int_equal(parse_lim(r, 257, &lim), JET_ETOOBIG);
	assert_int_equal(status, 431);
	assert_int_equal(parse_lim(r, (size_t)n, &lim), JET_ETOOBIG);
	assert_int_equal(status, 431);
}

static void
head_limit_counts_leading_empty_lines(void **state)
{
	struct jet_http_limits lim = small_limits();
	char r[600];

	snprintf(r, sizeof(r), "\r\n%s", head_of(255));
	assert_int_equal(parse_lim(r, 257, &lim), JET_ETOOBIG);
	assert_int_equal(status, 431);
	snprintf(r, sizeof(r), "\r\n%s", head_of(254));
	assert_int_equal(parse_lim(r, 256, &lim), 256);
}

static void
default_head_limit_is_enforced(void **state)
{
	const char *r = head_of(32768);

	assert_int_equal(parse_lim(r, 32768, NULL), 32768);
	r = head_of(32769);
	assert_int_equal(parse_lim(r, 32769, NULL), JET_ETOOBIG);
	assert_int_equal(status, 431);
}

static const char *
with_fields(size_t n, const char *version)
{
	jet_buf_reset(&scratch);
	assert_int_equal(jet_buf_printf(&scratch, "GET / HTTP/%s\r\n", version), JET_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(jet_buf_printf(&scratch, "X%zu: v\r\n", i), JET_OK);
	assert_int_equal(jet_buf_printf(&scratch, "\r\n"), JET_OK);
	return scratch.data;
}

static void
max_headers_at_limit_and_one_past(void **state)
{
	struct jet_http_limits lim = small_limits();
	const char *r = with_fields(4, "1.0");

	assert_int_equal(parse_lim(r, strlen(r), &lim), (int)strlen(r));
	assert_int_equal(req.nheaders, 4);
	r = with_fields(5, "1.0");
	check_prefixes(r, strlen(r), &lim);
	assert_int_equal(parse_lim(r, strlen(r), &lim), JET_ETOOBIG);
	assert_int_equal(status, 431);
}

static void
max_headers_default_is_100(void **state)
{
	const char *r = with_fields(100, "1.0");

	assert_int_equal(parse_lim(r, strlen(r), NULL), (int)strlen(r));
	r = with_fields(101, "1.0");
	assert_int_equal(parse_lim(r, strlen(r), NULL), JET_ETOOBIG);
	assert_int_equal(status, 431);
}

static void
huge_limits_do_not_overflow(void **state)
{
	struct jet_http_limits lim = { SIZE_MAX, SIZE_MAX, SIZE_MAX, UINT64_MAX };
	const char *r = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551615\r\n\r\n";

	check_prefixes(r, strlen(r), &lim);
	assert_int_equal(parse_lim(r, strlen(r), &lim), (int)strlen(r));
	assert_true(req.content_length == UINT64_MAX);
	assert_int_equal(parse_lim("GET /", 5, &lim), JET_AGAIN);
}

static void
max_headers_is_capped_at_the_array_size(void **state)
{
	struct jet_http_limits lim;
	const char *r;

	jet_http_limits_default(&lim);
	lim.max_headers = 100000;
	r = with_fields(JET_HTTP_MAX_HEADERS, "1.0");
	assert_int_equal(parse_lim(r, strlen(r), &lim), (int)strlen(r));
	assert_int_equal(req.nheaders, JET_HTTP_MAX_HEADERS);
	r = with_fields(JET_HTTP_MAX_HEADERS + 1, "1.0");
	assert_int_equal(parse_lim(r, strlen(r), &lim), JET_ETOOBIG);
	assert_int_equal(status, 431);
}

/* ------------------------------------------------------------------------
 * Incremental and pipelined input
 * --------------------------------------------------------------------- */

static void
every_prefix_of_a_valid_request_is_again(void **state)
{
	const char *r = "\r\nPOST http://h/x?y HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
			"Connection: close\r\nExpect: 100-continue\r\n\r\nabc";
	size_t head = strlen(r) - 3;

	for (size_t k = 0; k < head; k++)
		assert_int_equal(parse_lim(r, k, NULL), JET_AGAIN);
	for (size_t k = head; k <= strlen(r); k++)
		assert_int_equal(parse_lim(r, k, NULL), (int)head);
	assert_int_equal(req.content_length, 3);
	assert_false(req.keep_alive);
	assert_true(req.expect_continue);
}

static void
pipelined_requests_are_found_by_the_returned_count(void **state)
{
	const char *r = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
			"POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi"
			"GET /three HTTP/1.1\r\nHost: h\r\n\r\n";
	size_t off = 0, len = strlen(r);
	int n;

	n = parse_lim(r + off, len - off, NULL);
	assert_true(n > 0);
	assert_slice(req.path, "/one");
	off += (size_t)n;
	n = parse_lim(r + off, len - off, NULL);
	assert_true(n > 0);
	assert_slice(req.path, "/two");
	off += (size_t)n + req.content_length;
	assert_memory_equal(r + off - 2, "hi", 2);
	n = parse_lim(r + off, len - off, NULL);
	assert_int_equal(n, (int)(len - off));
	assert_slice(req.path, "/three");
}

static void
null_arguments_are_refused(void **state)
{
	assert_int_equal(jet_http_parse_request(NULL, 5, NULL, &req, &status), JET_EINVAL);
	assert_int_equal(jet_http_parse_request("GET", 3, NULL, NULL, &status), JET_EINVAL);
	assert_int_equal(jet_http_parse_request(NULL, 0, NULL, &req, NULL), JET_AGAIN);
	assert_int_equal(jet_http_parse_request("G(", 2, NULL, &req, NULL), JET_EPROTO);
}

static void
reason_phrases_cover_the_codes_we_send(void **state)
{
	static const struct {
		int code;
		const char *reason;
	} tab[] = {
		{ 100, "Continue" }, { 101, "Switching Protocols" }, { 200, "OK" },
		{ 201, "Created" }, { 202, "Accepted" }, { 204, "No Content" },
		{ 206, "Partial Content" }, { 301, "Moved Permanently" }, { 302, "Found" },
		{ 304, "Not Modified" }, { 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 406, "Not Acceptable" }, { 408, "Request Timeout" }, { 409, "Conflict" },
		{ 411, "Length Required" }, { 413, "Content Too Large" },
		{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
		{ 417, "Expectation Failed" }, { 422, "Unprocessable Content" },
		{ 429, "Too Many Requests" }, { 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" }, { 505, "HTTP Version Not Supported" },
		/* Not sent by us today, but an upstream may. */
		{ 203, "Non-Authoritative Information" }, { 205, "Reset Content" },
		{ 300, "Multiple Choices" }, { 303, "See Other" },
		{ 307, "Temporary Redirect" }, { 308, "Permanent Redirect" }, { 410, "Gone" },
		{ 412, "Precondition Failed" }, { 416, "Range Not Satisfiable" },
		{ 421, "Misdirected Request" }, { 426, "Upgrade Required" },
		{ 428, "Precondition Required" },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		assert_string_equal(jet_http_reason(tab[i].code), tab[i].reason);
	assert_string_equal(jet_http_reason(299), "Unknown");
	assert_string_equal(jet_http_reason(-1), "Unknown");
	assert_string_equal(jet_http_reason(1000), "Unknown");
}

static int
teardown_all(void **state)
{
	free(copy);
	copy = NULL;
	jet_buf_cleanup(&scratch);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(simple_get_fills_every_field),
		cmocka_unit_test(path_without_query_has_empty_query),
		cmocka_unit_test(known_methods_map_to_their_enum),
		cmocka_unit_test(unknown_method_token_parses_as_other),
		cmocka_unit_test(connect_is_refused_with_501),
		cmocka_unit_test(method_must_be_a_token),
		cmocka_unit_test(request_line_needs_exactly_one_space_between_parts),
		cmocka_unit_test(target_must_be_visible_ascii),
		cmocka_unit_test(target_with_fragment_is_refused),
		cmocka_unit_test(http_10_and_11_are_accepted),
		cmocka_unit_test(other_well_formed_versions_are_505),
		cmocka_unit_test(malformed_versions_are_400),
		cmocka_unit_test(up_to_four_leading_empty_lines_are_skipped),
		cmocka_unit_test(absolute_form_is_reduced_to_path_and_query),
		cmocka_unit_test(absolute_form_without_path_has_root_path),
		cmocka_unit_test(absolute_form_in_http10_takes_host_from_target),
		cmocka_unit_test(absolute_form_authority_must_match_host),
		cmocka_unit_test(absolute_form_authority_must_be_a_plain_host),
		cmocka_unit_test(other_schemes_and_relative_targets_are_400),
		cmocka_unit_test(asterisk_form_only_with_options),
		cmocka_unit_test(bare_lf_anywhere_is_400),
		cmocka_unit_test(bare_cr_anywhere_is_400),
		cmocka_unit_test(whitespace_before_colon_is_400),
		cmocka_unit_test(field_name_must_be_a_nonempty_token),
		cmocka_unit_test(obs_fold_is_400),
		cmocka_unit_test(field_value_is_ows_trimmed_inner_space_kept),
		cmocka_unit_test(field_value_accepts_obs_text),
		cmocka_unit_test(field_value_with_control_byte_is_400),
		cmocka_unit_test(find_header_is_case_insensitive_and_first_wins),
		cmocka_unit_test(content_length_sets_length_body),
		cmocka_unit_test(content_length_zero_means_no_body),
		cmocka_unit_test(content_length_must_be_digits_only),
		cmocka_unit_test(duplicate_content_length_is_400_even_when_equal),
		cmocka_unit_test(content_length_at_max_body_and_one_past),
		cmocka_unit_test(content_length_past_64_bits_is_413),
		cmocka_unit_test(chunked_sets_chunked_body),
		cmocka_unit_test(transfer_encoding_with_content_length_is_400),
		cmocka_unit_test(transfer_encoding_in_http10_is_400),
		cmocka_unit_test(unknown_codings_before_chunked_are_501),
		cmocka_unit_test(chunked_not_last_or_repeated_is_400),
		cmocka_unit_test(malformed_transfer_encoding_is_400),
		cmocka_unit_test(host_is_required_once_in_http11),
		cmocka_unit_test(host_is_optional_but_single_in_http10),
		cmocka_unit_test(host_accepts_names_addresses_and_ports),
		cmocka_unit_test(host_with_bad_syntax_is_400),
		cmocka_unit_test(http11_keeps_alive_unless_close),
		cmocka_unit_test(http10_keeps_alive_only_with_keep_alive),
		cmocka_unit_test(connection_options_must_be_tokens),
		cmocka_unit_test(expect_100_continue_sets_flag),
		cmocka_unit_test(expect_100_continue_is_ignored_in_http10),
		cmocka_unit_test(other_expectations_are_417),
		cmocka_unit_test(defaults_are_the_documented_ones),
		cmocka_unit_test(request_line_at_limit_is_accepted),
		cmocka_unit_test(request_line_one_past_limit_is_414),
		cmocka_unit_test(request_line_414_is_seen_before_the_crlf),
		cmocka_unit_test(request_line_limit_excludes_leading_empty_lines),
		cmocka_unit_test(head_at_limit_is_accepted),
		cmocka_unit_test(head_one_past_limit_is_431),
		cmocka_unit_test(endless_header_line_gets_431_not_again),
		cmocka_unit_test(head_limit_counts_leading_empty_lines),
		cmocka_unit_test(default_head_limit_is_enforced),
		cmocka_unit_test(max_headers_at_limit_and_one_past),
		cmocka_unit_test(max_headers_default_is_100),
		cmocka_unit_test(max_headers_is_capped_at_the_array_size),
		cmocka_unit_test(huge_limits_do_not_overflow),
		cmocka_unit_test(every_prefix_of_a_valid_request_is_again),
		cmocka_unit_test(pipelined_requests_are_found_by_the_returned_count),
		cmocka_unit_test(null_arguments_are_refused),
		cmocka_unit_test(reason_phrases_cover_the_codes_we_send),
	};

	jet_buf_init(&scratch, 1 << 20);
	return cmocka_run_group_tests(tests, NULL, teardown_all);
}
