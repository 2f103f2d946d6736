/*
 * Data-driven protocol cases: every .txt file in tests/cases/http is one
 * cmocka test, named by its file.  Adding a case is adding a file.
 *
 * Format (also in docs/internals/http-parser.md):
 *
 *   # free text: what the case is about
 *   # type: request                       request (default) | response | chunked
 *   # limits: max_head=256 max_body=10    optional; the rest keep defaults
 *   # head-request: yes                   response only: the request was HEAD
 *   # expect: 400                         see below
 *   GET / HTTP/1.1\r\n
 *   Host: a\r\n
 *   \r\n
 *
 * The header is the leading run of lines starting with '#'; "# key: value"
 * lines are directives, other '#' lines comments.  Every later line is
 * message data: the file's own newlines are dropped and the escapes \r \n
 * \t \0 \\ and \xHH give the bytes.  Raw control bytes, non-ASCII bytes and
 * trailing whitespace are format errors, so a case means what it shows.
 *
 * expect:
 *   request   400 | 413 | 414 | 417 | 431 | 501 | 505 | again | ok [checks]
 *   response  eproto | etoobig | again | ok [checks]
 *   chunked   eproto | etoobig | again | ok [checks]
 * checks are key=value words (values take the same escapes):
 *   request   method= (GET ... OTHER) path= query= host= version= (0|1)
 *             body= (none|length|chunked) length= keep-alive= (yes|no)
 *             continue= (yes|no) headers= consumed=
 *   response  status= body= (none|length|chunked|eof) length= keep-alive=
 *             consumed=
 *   chunked   decoded= consumed=
 * consumed defaults to the whole input for "ok".
 *
 * Besides its expectation, every request and response case must give
 * JET_AGAIN or the same verdict on each prefix of its input, and every
 * chunked case the same verdict fed one byte at a time.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jet/http.h"

#define CASES_DIR JET_SOURCE_DIR "/tests/cases/http"
#define CASE_FILE_MAX (1 << 20)

enum case_type { T_REQUEST = 0, T_RESPONSE, T_CHUNKED };

struct tcase {
	const char *file;
	enum case_type type;
	struct jet_http_limits lim;
	size_t max_trailer;
	bool head_request;
	char expect[512];  /* the expect directive, unescaped later word by word */
	char *msg;         /* decoded message bytes */
	size_t len;
};

/* ------------------------------------------------------------------------
 * Reading a case file
 * --------------------------------------------------------------------- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the escapes of s[0..n) into out (which has room for n bytes). */
static size_t
unescape(const char *file, int line, const char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f)
			fail_msg("%s:%d: raw byte 0x%02x: escape it", file, line, c);
		if (c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		if (++i == n)
			fail_msg("%s:%d: lone backslash at end of line", file, line);
		switch (s[i]) {
		case 'r': out[o++] = '\r'; break;
		case 'n': out[o++] = '\n'; break;
		case 't': out[o++] = '\t'; break;
		case '0': out[o++] = '\0'; break;
		case '\\': out[o++] = '\\'; break;
		case 'x': {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				fail_msg("%s:%d: \\x needs two hex digits", file, line);
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
			break;
		}
		default:
			fail_msg("%s:%d: unknown escape \\%c", file, line, s[i]);
		}
	}
	return o;
}

static bool
strip_prefix(const char **s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(*s, prefix, n) != 0)
		return false;
	*s += n;
	return true;
}

/* Parses "name=value" words into the limits. */
static void
read_limits(struct tcase *tc, int line, const char *v)
{
	char word[128];
	int used;

	while (sscanf(v, " %127s%n", word, &used) == 1) {
		char *eq = strchr(word, '=');
		uint64_t n;

		v += used;
		if (eq == NULL || jet_parse_u64_cstr(eq + 1, UINT64_MAX, &n) != JET_OK)
			fail_msg("%s:%d: bad limit \"%s\"", tc->file, line, word);
		*eq = '\0';
		if (strcmp(word, "max_request_line") == 0)
			tc->lim.max_request_line = (size_t)n;
		else if (strcmp(word, "max_head") == 0)
			tc->lim.max_head = (size_t)n;
		else if (strcmp(word, "max_headers") == 0)
			tc->lim.max_headers = (size_t)n;
		else if (strcmp(word, "max_body") == 0)
			tc->lim.max_body = n;
		else if (strcmp(word, "max_trailer") == 0)
			tc->max_trailer = (size_t)n;
		else
			fail_msg("%s:%d: unknown limit \"%s\"", tc->file, line, word);
	}
}

static void
read_case(const char *path, const char *file, struct tcase *tc)
{
	FILE *f = fopen(path, "rb");
	char *text, *p, *end;
	size_t n;
	int line = 0;
	bool in_header = true, have_expect = false;

	memset(tc, 0, sizeof(*tc));
	tc->file = file;
	jet_http_limits_default(&tc->lim);
	tc->max_trailer = 4096;
	if (f == NULL)
		fail_msg("%s: cannot open", path);
	text = malloc(CASE_FILE_MAX + 1);
	assert_non_null(text);
	n = fread(text, 1, CASE_FILE_MAX + 1, f);
	fclose(f);
	if (n > CASE_FILE_MAX)
		fail_msg("%s: larger than %d bytes", file, CASE_FILE_MAX);
	text[n] = '\0';
	tc->msg = malloc(n + 1);
	assert_non_null(tc->msg);

	for (p = text, end = text + n; p < end; p = p + strcspn(p, "\n") + 1) {
		size_t ll = strcspn(p, "\n");
		const char *v;

		line++;
		if (in_header && p[0] == '#') {
			char dir[600];

			if (ll >= sizeof(dir))
				fail_msg("%s:%d: directive too long", file, line);
			memcpy(dir, p, ll);
			dir[ll] = '\0';
			v = dir;
			if (strip_prefix(&v, "# type: ")) {
				if (strcmp(v, "request") == 0)
					tc->type = T_REQUEST;
				else if (strcmp(v, "response") == 0)
					tc->type = T_RESPONSE;
				else if (strcmp(v, "chunked") == 0)
					tc->type = T_CHUNKED;
				else
					fail_msg("%s:%d: unknown type \"%s\"", file, line, v);
			} else if (strip_prefix(&v, "# limits: ")) {
				read_limits(tc, line, v);
			} else if (strip_prefix(&v, "# head-request: ")) {
				tc->head_request = strcmp(v, "yes") == 0;
			} else if (strip_prefix(&v, "# expect: ")) {
				if (strlen(v) >= sizeof(tc->expect))
					fail_msg("%s:%d: expect too long", file, line);
				memcpy(tc->expect, v, strlen(v) + 1);
				have_expect = true;
			}
			continue;
		}
		in_header = false;
		if (ll > 0 && (p[ll - 1] == ' ' || p[ll - 1] == '\t'))
			fail_msg("%s:%d: trailing whitespace: use \\x20", file, line);
		if (ll > 0 && p[ll - 1] == '\r')
			fail_msg("%s:%d: CRLF line ending in the file: use \\r", file, line);
		tc->len += unescape(file, line, p, ll, tc->msg + tc->len);
	}
	free(text);
	if (!have_expect)
		fail_msg("%s: no \"# expect:\" line", file);
	if (tc->len == 0 && strncmp(tc->expect, "again", 5) != 0)
		fail_msg("%s: empty message", file);
}

/* ------------------------------------------------------------------------
 * Checking expectations
 * --------------------------------------------------------------------- */

/* Calls check(key, value) for each key=value word after the verdict. */
static void
each_check(const struct tcase *tc, void (*check)(const struct tcase *, const char *,
	const char *, size_t, void *), void *arg)
{
	const char *v = strchr(tc->expect, ' ');
	char word[256], value[256];
	int used;

	while (v != NULL && sscanf(v, " %255s%n", word, &used) == 1) {
		char *eq = strchr(word, '=');
		size_t vlen;

		v += used;
		if (eq == NULL)
			fail_msg("%s: bad check \"%s\"", tc->file, word);
		*eq = '\0';
		vlen = unescape(tc->file, 0, eq + 1, strlen(eq + 1), value);
		value[vlen] = '\0';
		check(tc, word, value, vlen, arg);
	}
}

static void
check_slice(const struct tcase *tc, const char *key, struct jet_str got, const char *want,
	size_t wlen)
{
	if (got.len != wlen || (wlen > 0 && memcmp(got.p, want, wlen) != 0))
		fail_msg("%s: %s is \"%.*s\", expected \"%s\"", tc->file, key, (int)got.len,
			got.p ? got.p : "", want);
}

static void
check_u64(const struct tcase *tc, const char *key, uint64_t got, const char *want)
{
	uint64_t w;

	if (jet_parse_u64_cstr(want, UINT64_MAX, &w) != JET_OK)
		fail_msg("%s: %s=%s is not a number", tc->file, key, want);
	if (got != w)
		fail_msg("%s: %s is %llu, expected %s", tc->file, key, (unsigned long long)got, want);
}

static void
check_bool(const struct tcase *tc, const char *key, bool got, const char *want)
{
	if (strcmp(want, "yes") != 0 && strcmp(want, "no") != 0)
		fail_msg("%s: %s wants yes or no", tc->file, key);
	if (got != (strcmp(want, "yes") == 0))
		fail_msg("%s: %s is %s, expected %s", tc->file, key, got ? "yes" : "no", want);
}

static const char *
body_name(enum jet_http_body b)
{
	switch (b) {
	case JET_HTTP_BODY_NONE: return "none";
	case JET_HTTP_BODY_LENGTH: return "length";
	case JET_HTTP_BODY_CHUNKED: return "chunked";
	case JET_HTTP_BODY_EOF: return "eof";
	}
	return "?";
}

static void
check_request(const struct tcase *tc, const char *key, const char *want, size_t wlen,
	void *arg)
{
	const struct jet_http_request *r = arg;

	if (strcmp(key, "method") == 0) {
		if (strcmp(jet_http_method_name(r->method), want) != 0)
			fail_msg("%s: method is %s, expected %s", tc->file,
				jet_http_method_name(r->method), want);
	} else if (strcmp(key, "method-name") == 0) {
		check_slice(tc, key, r->method_name, want, wlen);
	} else if (strcmp(key, "path") == 0) {
		check_slice(tc, key, r->path, want, wlen);
	} else if (strcmp(key, "query") == 0) {
		check_slice(tc, key, r->query, want, wlen);
	} else if (strcmp(key, "host") == 0) {
		check_slice(tc, key, r->host, want, wlen);
	} else if (strcmp(key, "version") == 0) {
		check_u64(tc, key, (uint64_t)r->version_minor, want);
	} else if (strcmp(key, "body") == 0) {
		if (strcmp(body_name(r->body), want) != 0)
			fail_msg("%s: body is %s, expected %s", tc->file, body_name(r->body), want);
	} else if (strcmp(key, "length") == 0) {
		check_u64(tc, key, r->content_length, want);
	} else if (strcmp(key, "keep-alive") == 0) {
		check_bool(tc, key, r->keep_alive, want);
	} else if (strcmp(key, "continue") == 0) {
		check_bool(tc, key, r->expect_continue, want);
	} else if (strcmp(key, "headers") == 0) {
		check_u64(tc, key, r->nheaders, want);
	} else if (strcmp(key, "consumed") != 0) {
		fail_msg("%s: unknown request check \"%s\"", tc->file, key);
	}
}

static void
check_response(const struct tcase *tc, const char *key, const char *want, size_t wlen,
	void *arg)
{
	const struct jet_http_response *r = arg;

	if (strcmp(key, "status") == 0) {
		check_u64(tc, key, (uint64_t)r->status, want);
	} else if (strcmp(key, "body") == 0) {
		if (strcmp(body_name(r->body), want) != 0)
			fail_msg("%s: body is %s, expected %s", tc->file, body_name(r->body), want);
	} else if (strcmp(key, "length") == 0) {
		check_u64(tc, key, r->content_length, want);
	} else if (strcmp(key, "keep-alive") == 0) {
		check_bool(tc, key, r->keep_alive, want);
	} else if (strcmp(key, "consumed") != 0) {
		fail_msg("%s: unknown response check \"%s\"", tc->file, key);
	}
}

struct chunked_result {
	int rc;
	size_t used;
	struct jet_buf out;
};

static void
check_chunked(const struct tcase *tc, const char *key, const char *want, size_t wlen,
	void *arg)
{
	const struct chunked_result *r = arg;

	if (strcmp(key, "decoded") == 0)
		check_slice(tc, key, (struct jet_str){ r->out.data, r->out.len }, want, wlen);
	else if (strcmp(key, "consumed") != 0)
		fail_msg("%s: unknown chunked check \"%s\"", tc->file, key);
}

/* The consumed=N check, or the whole input. */
static size_t
expected_consumed(const struct tcase *tc)
{
	const char *c = strstr(tc->expect, " consumed=");
	uint64_t n;

	if (c == NULL)
		return tc->len;
	c += strlen(" consumed=");
	if (jet_parse_u64(c, strcspn(c, " "), UINT64_MAX, &n) != JET_OK)
		fail_msg("%s: bad consumed=", tc->file);
	return (size_t)n;
}

static bool
verdict_is(const struct tcase *tc, const char *v)
{
	size_t n = strlen(v);

	return strncmp(tc->expect, v, n) == 0 && (tc->expect[n] == '\0' || tc->expect[n] == ' ');
}

static int
parse_request_exact(const struct tcase *tc, size_t len, struct jet_http_request *req,
	int *status, char **copy)
{
	free(*copy);
	*copy = malloc(len > 0 ? len : 1);
	assert_non_null(*copy);
	memcpy(*copy, tc->msg, len);
	return jet_http_parse_request(*copy, len, &tc->lim, req, status);
}

static void
run_request(const struct tcase *tc)
{
	static struct jet_http_request req;
	char *copy = NULL;
	int status = 0, rc, want_status;
	int full_rc, full_status;

	rc = parse_request_exact(tc, tc->len, &req, &status, &copy);
	full_rc = rc;
	full_status = status;
	if (verdict_is(tc, "ok")) {
		if (rc < 0)
			fail_msg("%s: refused (%d, status %d), expected ok", tc->file, rc, status);
		if ((size_t)rc != expected_consumed(tc))
			fail_msg("%s: consumed %d, expected %zu", tc->file, rc,
				expected_consumed(tc));
		each_check(tc, check_request, &req);
	} else if (verdict_is(tc, "again")) {
		if (rc != JET_AGAIN)
			fail_msg("%s: got %d (status %d), expected again", tc->file, rc, status);
	} else {
		uint64_t ws;

		if (jet_parse_u64(tc->expect, strcspn(tc->expect, " "), 599, &ws) != JET_OK ||
			ws < 100)
			fail_msg("%s: unknown verdict \"%s\"", tc->file, tc->expect);
		want_status = (int)ws;
		if (rc >= 0 || status != want_status)
			fail_msg("%s: got %d status %d, expected %s", tc->file, rc, status,
				tc->expect);
		if (rc != ((want_status == 413 || want_status == 414 || want_status == 431) ?
			JET_ETOOBIG : JET_EPROTO))
			fail_msg("%s: status %d came with error %d", tc->file, status, rc);
	}
	for (size_t k = 0; k < tc->len; k++) {
		rc = parse_request_exact(tc, k, &req, &status, &copy);
		if (rc == JET_AGAIN)
			continue;
		if (rc != full_rc || status != full_status || (full_rc > 0 && k < (size_t)full_rc))
			fail_msg("%s: prefix of %zu bytes gave %d status %d, the whole %d status %d",
				tc->file, k, rc, status, full_rc, full_status);
	}
	free(copy);
}

static int
parse_response_exact(const struct tcase *tc, size_t len, struct jet_http_response *res,
	char **copy)
{
	free(*copy);
	*copy = malloc(len > 0 ? len : 1);
	assert_non_null(*copy);
	memcpy(*copy, tc->msg, len);
	return jet_http_parse_response(*copy, len, &tc->lim, tc->head_request, res);
}

static int
verdict_code(const struct tcase *tc)
{
	if (verdict_is(tc, "eproto"))
		return JET_EPROTO;
	if (verdict_is(tc, "etoobig"))
		return JET_ETOOBIG;
	if (verdict_is(tc, "again"))
		return JET_AGAIN;
	if (verdict_is(tc, "ok"))
		return JET_OK;
	fail_msg("%s: unknown verdict \"%s\"", tc->file, tc->expect);
	return 0;
}

static void
run_response(const struct tcase *tc)
{
	static struct jet_http_response res;
	char *copy = NULL;
	int rc = parse_response_exact(tc, tc->len, &res, &copy), want = verdict_code(tc);
	int full = rc;

	if (want == JET_OK) {
		if (rc < 0 || (size_t)rc != expected_consumed(tc))
			fail_msg("%s: got %d, expected ok consuming %zu", tc->file, rc,
				expected_consumed(tc));
		each_check(tc, check_response, &res);
	} else if (rc != want) {
		fail_msg("%s: got %d, expected %s", tc->file, rc, tc->expect);
	}
	for (size_t k = 0; k < tc->len; k++) {
		rc = parse_response_exact(tc, k, &res, &copy);
		if (rc != JET_AGAIN && (rc != full || (full > 0 && k < (size_t)full)))
			fail_msg("%s: prefix of %zu bytes gave %d, the whole %d", tc->file, k, rc,
				full);
	}
	free(copy);
}

/* Feeds the message in pieces of step bytes (0: at once). */
static void
feed_chunked(const struct tcase *tc, size_t step, struct chunked_result *r)
{
	struct jet_http_chunked c;
	size_t off = 0;

	jet_http_chunked_init(&c, tc->lim.max_body, tc->max_trailer);
	jet_buf_init(&r->out, 1 << 20);
	r->rc = JET_AGAIN;
	while (off < tc->len) {
		size_t n = step ? JET_MIN(step, tc->len - off) : tc->len - off, used;
		char *piece = malloc(n);

		assert_non_null(piece);
		memcpy(piece, tc->msg + off, n);
		r->rc = jet_http_chunked_feed(&c, piece, n, &r->out, &used);
		free(piece);
		off += used;
		if (r->rc != JET_AGAIN)
			break;
	}
	r->used = off;
}

static void
run_chunked(const struct tcase *tc)
{
	struct chunked_result whole, bytes;
	int want = verdict_code(tc);

	feed_chunked(tc, 0, &whole);
	feed_chunked(tc, 1, &bytes);
	if (whole.rc != want)
		fail_msg("%s: got %d, expected %s", tc->file, whole.rc, tc->expect);
	if (bytes.rc != whole.rc || bytes.used != whole.used || bytes.out.len != whole.out.len)
		fail_msg("%s: byte-at-a-time gave %d/%zu, at once %d/%zu", tc->file, bytes.rc,
			bytes.used, whole.rc, whole.used);
	if (want == JET_OK) {
		if (whole.used != expected_consumed(tc))
			fail_msg("%s: consumed %zu, expected %zu", tc->file, whole.used,
				expected_consumed(tc));
		each_check(tc, check_chunked, &whole);
	}
	jet_buf_cleanup(&whole.out);
	jet_buf_cleanup(&bytes.out);
}

static void
run_case(void **state)
{
	const char *file = *state;
	char path[1024];
	struct tcase tc;

	snprintf(path, sizeof(path), "%s/%s", CASES_DIR, file);
	read_case(path, file, &tc);
	switch (tc.type) {
	case T_REQUEST: run_request(&tc); break;
	case T_RESPONSE: run_response(&tc); break;
	case T_CHUNKED: run_chunked(&tc); break;
	}
	free(tc.msg);
}

static void
case_directory_is_not_empty(void **state)
{
	fail_msg("no *.txt case in %s", CASES_DIR);
}

static int
is_case(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && d->d_name[0] != '.' && strcmp(d->d_name + n - 4, ".txt") == 0;
}

int
main(void)
{
	struct dirent **names = NULL;
	struct CMUnitTest *tests;
	int n = scandir(CASES_DIR, &names, is_case, alphasort), rc;

	if (n <= 0) {
		const struct CMUnitTest none[] = { cmocka_unit_test(case_directory_is_not_empty) };

		return cmocka_run_group_tests(none, NULL, NULL);
	}
	tests = calloc((size_t)n, sizeof(*tests));
	if (tests == NULL)
		return 1;
	for (int i = 0; i < n; i++) {
		tests[i].name = names[i]->d_name;
		tests[i].test_func = run_case;
		tests[i].initial_state = names[i]->d_name;
	}
	rc = _cmocka_run_group_tests("http cases", tests, (size_t)n, NULL, NULL);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(tests);
	return rc;
}
