/*
 * Unit tests for lib/http/form.c: application/x-www-form-urlencoded bodies
 * (WHATWG examples, RFC 6749 token requests, empty pairs, '=' splitting,
 * escapes, the strict refusals: stray '%', controls, invalid UTF-8, empty
 * names), the field and buffer limits at and past their bounds, duplicate
 * lookup, and the Content-Type check.
 *
 * Every parse runs on an exact-size heap copy of the body into an exact-size
 * heap buffer of len + 1 bytes, so ASan sees a read or write one byte past
 * either.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jet/form.h"

#define assert_slice(s, lit)                                                            \
	do {                                                                            \
		struct jet_str s_ = (s);                                                \
		const char *l_ = (lit);                                                 \
		assert_int_equal(s_.len, strlen(l_));                                   \
		if (s_.len > 0)                                                         \
			assert_memory_equal(s_.p, l_, s_.len);                          \
	} while (0)

static struct jet_form form;
static char *body_copy, *buf;
static size_t buf_len;
static char err[128];

/* Parses body[0..len) with max_fields from an exact-size copy into an
 * exact-size buffer (len + 1 + extra bytes), then checks what every result
 * must satisfy: slices inside buf, NUL-terminated, no longer than the body. */
static int
parse_x(const char *body, size_t len, size_t max_fields, size_t extra)
{
	int rc;

	free(body_copy);
	free(buf);
	body_copy = malloc(len > 0 ? len : 1);
	assert_non_null(body_copy);
	if (len > 0)
		memcpy(body_copy, body, len);
	buf_len = len + 1 + extra;
	buf = malloc(buf_len);
	assert_non_null(buf);
	memset(buf, 'Z', buf_len);
	memset(&form, 0xa5, sizeof(form));
	snprintf(err, sizeof(err), "unset");
	rc = jet_form_parse(body_copy, len, max_fields, &form, buf, buf_len, err, sizeof(err));
	if (rc != JET_OK) {
		assert_int_equal(form.n, 0);
		assert_true(strlen(err) > 0);
		return rc;
	}
	assert_string_equal(err, "");
	assert_true(form.n <= JET_FORM_MAX_FIELDS);
	for (size_t i = 0; i < form.n; i++) {
		const struct jet_str *s[2] = { &form.fields[i].name, &form.fields[i].value };

		assert_true(form.fields[i].name.len > 0);
		for (int k = 0; k < 2; k++) {
			assert_true(s[k]->p >= buf && s[k]->p + s[k]->len < buf + buf_len);
			assert_int_equal(s[k]->p[s[k]->len], '\0');
			assert_int_equal(strlen(s[k]->p), s[k]->len);
			assert_true(s[k]->len <= len);
		}
	}
	return rc;
}

static int
parse_n(const char *body, size_t len, size_t max_fields)
{
	return parse_x(body, len, max_fields, 0);
}

static int
parse(const char *body)
{
	return parse_n(body, strlen(body), JET_FORM_MAX_FIELDS);
}

static int
teardown(void **state)
{
	free(body_copy);
	free(buf);
	body_copy = buf = NULL;
	return 0;
}

/* ------------------------------------------------------------------------
 * Decoding
 * --------------------------------------------------------------------- */

static void
whatwg_plus_and_escapes(void **state)
{
	assert_int_equal(parse("a=b+c%20d"), JET_OK);
	assert_int_equal(form.n, 1);
	assert_slice(form.fields[0].name, "a");
	assert_slice(form.fields[0].value, "b c d");
	/* '+' in a name too, and %2B is a literal '+'. */
	assert_int_equal(parse("a+b=1%2B1"), JET_OK);
	assert_slice(form.fields[0].name, "a b");
	assert_slice(form.fields[0].value, "1+1");
	/* Hex digits in either case. */
	assert_int_equal(parse("x=%4a%4A%4f%4F"), JET_OK);
	assert_slice(form.fields[0].value, "JJOO");
	/* Raw bytes other than '+' and '%' pass through. */
	assert_int_equal(parse("x=a b*~!'()/?:@"), JET_OK);
	assert_slice(form.fields[0].value, "a b*~!'()/?:@");
}

static void
rfc6749_token_request(void **state)
{
	/* RFC 6749 section 4.1.3, with the client authenticating in the body
	 * (section 2.3.1). */
	static const char body[] =
		"grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA"
		"&redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb"
		"&client_id=s6BhdRkqt3&client_secret=7Fjfp0ZBr1KtDRbnfVdmIw";
	size_t count = 99;
	const struct jet_form_field *f;

	assert_int_equal(parse(body), JET_OK);
	assert_int_equal(form.n, 5);
	assert_slice(form.fields[0].name, "grant_type");
	assert_slice(form.fields[0].value, "authorization_code");
	assert_slice(form.fields[1].value, "SplxlOBeZQQYbYS6WxSbIA");
	f = jet_form_get(&form, "redirect_uri", &count);
	assert_non_null(f);
	assert_int_equal(count, 1);
	assert_slice(f->value, "https://client.example.com/cb");
	assert_string_equal(jet_form_get(&form, "client_secret", NULL)->value.p,
		"7Fjfp0ZBr1KtDRbnfVdmIw");
	/* RFC 7636 code_verifier and RFC 6749 scope with '+' for SP. */
	assert_int_equal(parse("scope=read+write%20admin&code_verifier="
			       "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
		JET_OK);
	assert_slice(form.fields[0].value, "read write admin");
	assert_slice(form.fields[1].value, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
}

static void
empty_pairs_are_skipped(void **state)
{
	assert_int_equal(parse("a=1&&b=2"), JET_OK);
	assert_int_equal(form.n, 2);
	assert_slice(form.fields[0].name, "a");
	assert_slice(form.fields[1].name, "b");
	assert_slice(form.fields[1].value, "2");
	assert_int_equal(parse("&&a=1&&&"), JET_OK);
	assert_int_equal(form.n, 1);
	assert_slice(form.fields[0].value, "1");
	assert_int_equal(parse("&"), JET_OK);
	assert_int_equal(form.n, 0);
	assert_int_equal(parse("&&&&"), JET_OK);
	assert_int_equal(form.n, 0);
	assert_int_equal(parse(""), JET_OK);
	assert_int_equal(form.n, 0);
	/* A NULL body of length 0 is an empty body. */
	{
		char b[1];

		assert_int_equal(jet_form_parse(NULL, 0, 4, &form, b, sizeof(b), err, sizeof(err)),
			JET_OK);
	}
	assert_int_equal(form.n, 0);
}

static void
split_at_first_equals(void **state)
{
	assert_int_equal(parse("a=b=c"), JET_OK);
	assert_slice(form.fields[0].name, "a");
	assert_slice(form.fields[0].value, "b=c");
	assert_int_equal(parse("a=="), JET_OK);
	assert_slice(form.fields[0].value, "=");
	/* Encoded separators are data, not structure. */
	assert_int_equal(parse("a%3Db=c%26d&e%26=%3D"), JET_OK);
	assert_int_equal(form.n, 2);
	assert_slice(form.fields[0].name, "a=b");
	assert_slice(form.fields[0].value, "c&d");
	assert_slice(form.fields[1].name, "e&");
	assert_slice(form.fields[1].value, "=");
}

static void
pair_without_equals_has_empty_value(void **state)
{
	assert_int_equal(parse("a"), JET_OK); /* the 1-byte body */
	assert_int_equal(form.n, 1);
	assert_slice(form.fields[0].name, "a");
	assert_slice(form.fields[0].value, "");
	assert_int_equal(parse("flag&b=&c"), JET_OK);
	assert_int_equal(form.n, 3);
	assert_slice(form.fields[0].value, "");
	assert_slice(form.fields[1].name, "b");
	assert_slice(form.fields[1].value, "");
	assert_slice(form.fields[2].name, "c");
	assert_slice(form.fields[2].value, "");
	/* 1-byte bodies that are not a field. */
	assert_int_equal(parse("="), JET_EINVAL);
	assert_int_equal(parse("%"), JET_EINVAL);
	assert_int_equal(parse("+"), JET_OK); /* a name of one SP */
	assert_slice(form.fields[0].name, " ");
}

static void
stray_percent_is_refused(void **state)
{
	static const char *const bad[] = {
		"a=%", "a=%4", "a=%4g", "a=%g4", "a=%zz", "a=1%", "a=%%41", "%=1", "a%2=1",
		"a=%4&b=1", "a=% 41", "a=%+41", "a=%-1",
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++) {
		assert_int_equal(parse(bad[i]), JET_EINVAL);
		assert_string_equal(err, "malformed percent-escape");
	}
	/* '%' at the very end of a body, with nothing after it to read. */
	assert_int_equal(parse_n("a=%4", 4, 4), JET_EINVAL);
	assert_int_equal(parse_n("a=%", 3, 4), JET_EINVAL);
	assert_int_equal(parse("a=%25"), JET_OK);
	assert_slice(form.fields[0].value, "%");
}

static void
control_characters_are_refused(void **state)
{
	static const char *const bad[] = {
		"a=%00", "%00=a", "a=%01", "a=%09", "a=%0A", "a=%0D", "a=%1F", "a=%7F",
		"a=\x01", "a=x\ty", "a=\r\n", "a=\x7f", "a=%C2%80", "a=%C2%9B", "a=%C2%9F",
		"a=\xc2\x85",
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++) {
		assert_int_equal(parse(bad[i]), JET_EINVAL);
		assert_string_equal(err, "control character");
	}
	/* A raw NUL inside the body, length given explicitly. */
	assert_int_equal(parse_n("a=b\0c", 5, 4), JET_EINVAL);
	assert_string_equal(err, "control character");
	/* The neighbours are fine: SP, '~', NBSP (U+00A0). */
	assert_int_equal(parse("a=%20%7E%C2%A0"), JET_OK);
	assert_slice(form.fields[0].value, " ~\xc2\xa0");
}

static void
utf8_well_formed_is_kept(void **state)
{
	assert_int_equal(parse("name=%C3%A9t%C3%A9&raw=\xc3\xa9t\xc3\xa9"), JET_OK);
	assert_slice(form.fields[0].value, "\xc3\xa9t\xc3\xa9");
	assert_slice(form.fields[1].value, "\xc3\xa9t\xc3\xa9");
	/* The edges of every row of RFC 3629's table. */
	assert_int_equal(parse("a=%DF%BF%E0%A0%80%ED%9F%BF%EE%80%80%EF%BF%BF"
			       "%F0%90%80%80%F3%BF%BF%BF%F4%8F%BF%BF"),
		JET_OK);
	assert_int_equal(form.fields[0].value.len, 2 + 3 * 4 + 4 * 3);
	assert_int_equal(parse("a=%E2%82%AC"), JET_OK); /* U+20AC */
	assert_slice(form.fields[0].value, "\xe2\x82\xac");
}

static void
utf8_ill_formed_is_refused(void **state)
{
	static const char *const bad[] = {
		"a=%80",          /* lone continuation */
		"a=%BF",          /* lone continuation */
		"a=%C0%AF",       /* overlong '/' */
		"a=%C1%BF",       /* overlong */
		"a=%E0%80%AF",    /* overlong '/' in 3 bytes */
		"a=%E0%9F%BF",    /* overlong U+07FF */
		"a=%F0%80%80%AF", /* overlong '/' in 4 bytes */
		"a=%F0%8F%BF%BF", /* overlong U+FFFF */
		"a=%ED%A0%80",    /* U+D800, a surrogate */
		"a=%ED%BF%BF",    /* U+DFFF */
		"a=%ED%A0%BD%ED%B8%80", /* a CESU-8 surrogate pair */
		"a=%F4%90%80%80", /* U+110000 */
		"a=%F5%80%80%80", "a=%F8%88%80%80%80", "a=%FE", "a=%FF",
		"a=%E2%82",       /* truncated at the end */
		"a=%E2%82x",      /* truncated by ASCII */
		"a=%E2%82&b=%AC", /* split across pairs */
		"%C3=%A9",        /* split across name and value */
		"a=%F0%9F%98",    /* truncated 4-byte */
		"a=%C3%C3%A9",    /* lead byte where a continuation belongs */
		"a=\xc3",         /* raw, truncated */
		"a=\xe9t\xe9",    /* Latin-1 */
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++) {
		assert_int_equal(parse(bad[i]), JET_EINVAL);
		assert_string_equal(err, "invalid UTF-8");
	}
}

static void
empty_name_is_refused(void **state)
{
	static const char *const bad[] = { "=x", "=", "a=1&=2", "==", "a&=" };

	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++) {
		assert_int_equal(parse(bad[i]), JET_EINVAL);
		assert_string_equal(err, "empty field name");
	}
}

/* ------------------------------------------------------------------------
 * Limits
 * --------------------------------------------------------------------- */

/* "f0=v&f1=v&..." with n fields. */
static size_t
make_fields(char *out, size_t cap, size_t n)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(out + o, cap - o, "%sf%zu=v", i > 0 ? "&" : "", i);

		assert_true(w > 0 && (size_t)w < cap - o);
		o += (size_t)w;
	}
	return o;
}

static void
max_fields_at_and_past(void **state)
{
	char body[2048];
	size_t n;

	n = make_fields(body, sizeof(body), 3);
	assert_int_equal(parse_n(body, n, 3), JET_OK);
	assert_int_equal(form.n, 3);
	assert_int_equal(parse_n(body, n, 2), JET_ETOOBIG);
	assert_string_equal(err, "too many fields");
	/* Empty pairs do not count. */
	assert_int_equal(parse_n("&&a&&b&&", 8, 2), JET_OK);
	assert_int_equal(form.n, 2);
	/* max_fields 0 admits only bodies without fields. */
	assert_int_equal(parse_n("&&", 2, 0), JET_OK);
	assert_int_equal(parse_n("a", 1, 0), JET_ETOOBIG);
	/* The hard ceiling applies to larger max_fields. */
	n = make_fields(body, sizeof(body), JET_FORM_MAX_FIELDS);
	assert_int_equal(parse_n(body, n, (size_t)-1), JET_OK);
	assert_int_equal(form.n, JET_FORM_MAX_FIELDS);
	assert_slice(form.fields[JET_FORM_MAX_FIELDS - 1].name, "f63");
	n = make_fields(body, sizeof(body), JET_FORM_MAX_FIELDS + 1);
	assert_int_equal(parse_n(body, n, 1000), JET_ETOOBIG);
	/* A stray '%' before the limit is passed wins: leftmost problem. */
	assert_int_equal(parse_n("a&%&c", 5, 2), JET_EINVAL);
	assert_int_equal(parse_n("a&b&%", 5, 2), JET_ETOOBIG);
}

static void
buffer_of_len_plus_one_always_suffices(void **state)
{
	char body[2 * JET_FORM_MAX_FIELDS * 4];
	size_t o = 0;

	/* The worst case for the buffer: pairs "k=" (two NULs per two bytes)
	 * up to the field limit; the last needs the extra byte. */
	for (size_t i = 0; i < JET_FORM_MAX_FIELDS; i++) {
		if (i > 0)
			body[o++] = '&';
		body[o++] = 'k';
		body[o++] = '=';
	}
	assert_int_equal(parse_n(body, o, JET_FORM_MAX_FIELDS), JET_OK);
	assert_int_equal(form.n, JET_FORM_MAX_FIELDS);
	assert_ptr_equal(form.fields[JET_FORM_MAX_FIELDS - 1].value.p, buf + buf_len - 1);
	/* Names without '=' and a single '=' pair are the other tight cases. */
	assert_int_equal(parse("a&b&c"), JET_OK);
	assert_ptr_equal(form.fields[2].value.p, buf + buf_len - 1);
	assert_int_equal(parse("k="), JET_OK);
	assert_ptr_equal(form.fields[0].value.p, buf + 2);
}

static void
buffer_too_small_is_toobig(void **state)
{
	struct jet_form f;
	char b[8];

	/* buflen == len: refused before reading, whatever the content. */
	assert_int_equal(jet_form_parse("abcdefgh", 8, 4, &f, b, 8, err, sizeof(err)),
		JET_ETOOBIG);
	assert_string_equal(err, "body too large");
	assert_int_equal(f.n, 0);
	assert_int_equal(jet_form_parse("%%%%%%%%", 8, 4, &f, b, 8, err, sizeof(err)),
		JET_ETOOBIG);
	assert_int_equal(jet_form_parse("", 0, 4, &f, b, 0, err, sizeof(err)), JET_ETOOBIG);
	assert_int_equal(jet_form_parse("abcdefg", 7, 4, &f, b, 8, err, sizeof(err)), JET_OK);
	assert_int_equal(jet_form_parse("", 0, 4, &f, b, 1, err, sizeof(err)), JET_OK);
	assert_int_equal(jet_form_parse("x", (size_t)-1, 4, &f, b, 8, err, sizeof(err)),
		JET_ETOOBIG);
}

static void
large_body(void **state)
{
	size_t len = 1024 * 1024;
	char *body = malloc(len);

	assert_non_null(body);
	memcpy(body, "assertion=", 10);
	memset(body + 10, 'A', len - 10);
	assert_int_equal(parse_n(body, len, 4), JET_OK);
	assert_int_equal(form.fields[0].value.len, len - 10);
	/* The same size all escapes: a third of it decoded. */
	for (size_t i = 10; i + 3 <= len; i += 3)
		memcpy(body + i, "%41", 3);
	assert_int_equal(parse_n(body, 10 + (len - 10) / 3 * 3, 4), JET_OK);
	assert_int_equal(form.fields[0].value.len, (len - 10) / 3);
	free(body);
}

static void
bad_arguments(void **state)
{
	struct jet_form f;
	char b[16];

	assert_int_equal(jet_form_parse(NULL, 1, 4, &f, b, sizeof(b), err, sizeof(err)),
		JET_EINVAL);
	assert_int_equal(f.n, 0);
	assert_string_equal(err, "invalid argument");
	assert_int_equal(jet_form_parse("a", 1, 4, NULL, b, sizeof(b), err, sizeof(err)),
		JET_EINVAL);
	assert_int_equal(jet_form_parse("a", 1, 4, &f, NULL, 16, err, sizeof(err)), JET_EINVAL);
	/* err is optional; a tiny err is cut, never overrun. */
	assert_int_equal(jet_form_parse("=", 1, 4, &f, b, sizeof(b), NULL, 0), JET_EINVAL);
	{
		char e[4] = "xyz";

		assert_int_equal(jet_form_parse("=", 1, 4, &f, b, sizeof(b), e, 1), JET_EINVAL);
		assert_string_equal(e, "");
		assert_int_equal(jet_form_parse("=", 1, 4, &f, b, sizeof(b), e, sizeof(e)),
			JET_EINVAL);
		assert_string_equal(e, "emp");
	}
}

/* ------------------------------------------------------------------------
 * Secrets
 * --------------------------------------------------------------------- */

static void
failure_wipes_decoded_bytes_and_never_echoes(void **state)
{
	static const char body[] = "client_id=abc&client_secret=hunter2-secret&code=%zz";

	assert_int_equal(parse(body), JET_EINVAL);
	assert_null(strstr(err, "hunter"));
	assert_null(strstr(err, "zz"));
	assert_null(memmem(buf, buf_len, "unter2", 6));
	assert_null(memmem(buf, buf_len, "lient_id", 8));
	/* Failing inside the secret itself wipes its decoded start too. */
	assert_int_equal(parse("client_secret=hunter2%ZZ"), JET_EINVAL);
	assert_null(memmem(buf, buf_len, "unter2", 6));
	assert_int_equal(parse("client_secret=hunter2%C0%80"), JET_EINVAL);
	assert_null(memmem(buf, buf_len, "unter2", 6));
}

/* ------------------------------------------------------------------------
 * jet_form_decode on its own
 * --------------------------------------------------------------------- */

static void
decode_fits_exactly_and_one_short(void **state)
{
	char d[4];
	size_t n = 99;

	assert_int_equal(jet_form_decode(JET_STR_LIT("a+%62"), d, 4, &n, err, sizeof(err)),
		JET_OK);
	assert_string_equal(d, "a b");
	assert_int_equal(n, 3);
	assert_int_equal(jet_form_decode(JET_STR_LIT("abcd"), d, 4, &n, err, sizeof(err)),
		JET_ETOOBIG);
	assert_string_equal(d, "");
	assert_int_equal(n, 0);
	assert_string_equal(err, "value too long");
	assert_int_equal(jet_form_decode(JET_STR_LIT(""), d, 1, &n, NULL, 0), JET_OK);
	assert_string_equal(d, "");
	assert_int_equal(jet_form_decode(JET_STR_LIT("a"), d, 1, NULL, NULL, 0), JET_ETOOBIG);
	assert_int_equal(jet_form_decode(JET_STR_LIT("a"), NULL, 4, NULL, NULL, 0), JET_EINVAL);
	assert_int_equal(jet_form_decode(JET_STR_LIT("a"), d, 0, NULL, NULL, 0), JET_EINVAL);
	assert_int_equal(jet_form_decode((struct jet_str){ NULL, 2 }, d, 4, NULL, err,
		sizeof(err)), JET_EINVAL);
	assert_string_equal(d, "");
	assert_string_equal(err, "invalid argument");
}

/* ------------------------------------------------------------------------
 * Lookup
 * --------------------------------------------------------------------- */

static void
get_counts_duplicates(void **state)
{
	const struct jet_form_field *all[2];
	const struct jet_form_field *f;
	size_t count = 99;

	assert_int_equal(parse("resource=https%3A%2F%2Fa&scope=x&resource=https%3A%2F%2Fb"
			       "&Resource=c&resource=d"),
		JET_OK);
	f = jet_form_get(&form, "resource", &count);
	assert_ptr_equal(f, &form.fields[0]);
	assert_int_equal(count, 3);
	f = jet_form_get(&form, "scope", &count);
	assert_int_equal(count, 1);
	assert_slice(f->value, "x");
	/* Names are case-sensitive. */
	assert_int_equal(jet_form_get_all(&form, "Resource", all, 2), 1);
	assert_slice(all[0]->value, "c");
	/* get_all stores at most max and reports the true count. */
	all[1] = NULL;
	assert_int_equal(jet_form_get_all(&form, "resource", all, 2), 3);
	assert_slice(all[0]->value, "https://a");
	assert_slice(all[1]->value, "https://b");
	assert_int_equal(jet_form_get_all(&form, "resource", NULL, 0), 3);
	/* Missing names and bad arguments. */
	assert_null(jet_form_get(&form, "client_id", &count));
	assert_int_equal(count, 0);
	assert_null(jet_form_get(&form, "", &count));
	assert_null(jet_form_get(NULL, "scope", &count));
	assert_int_equal(count, 0);
	assert_null(jet_form_get(&form, NULL, &count));
	assert_int_equal(jet_form_get_all(NULL, "scope", all, 2), 0);
	/* A name that is a prefix of another is not it. */
	assert_null(jet_form_get(&form, "scop", NULL));
	assert_null(jet_form_get(&form, "scopes", NULL));
}

/* ------------------------------------------------------------------------
 * Content-Type
 * --------------------------------------------------------------------- */

static bool
ct(const char *s)
{
	return jet_form_content_type_ok(jet_str_from_cstr(s));
}

static void
content_type_accepted(void **state)
{
	static const char *const ok[] = {
		"application/x-www-form-urlencoded",
		"Application/X-WWW-Form-URLEncoded",
		"APPLICATION/X-WWW-FORM-URLENCODED",
		"application/x-www-form-urlencoded;charset=utf-8",
		"application/x-www-form-urlencoded;charset=UTF-8",
		"application/x-www-form-urlencoded; charset=UTF-8",
		"application/x-www-form-urlencoded ; charset=utf-8",
		"application/x-www-form-urlencoded\t;\tCharSet=Utf-8",
		"application/x-www-form-urlencoded;charset=\"utf-8\"",
		"application/x-www-form-urlencoded; charset=\"UTF-8\" ",
		"application/x-www-form-urlencoded;",
		"application/x-www-form-urlencoded; ;charset=utf-8;",
		" application/x-www-form-urlencoded ",
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(ok); i++)
		assert_true(ct(ok[i]));
}

static void
content_type_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"application/x-www-form-urlencode",
		"application/x-www-form-urlencodedx",
		"application/x-www-form-urlencoded charset=utf-8",
		"application/x-www-form-urlencoded;charset=latin1",
		"application/x-www-form-urlencoded;charset=ISO-8859-1",
		"application/x-www-form-urlencoded;charset=utf8",
		"application/x-www-form-urlencoded;charset=utf-16",
		"application/x-www-form-urlencoded;charset=utf-8x",
		"application/x-www-form-urlencoded;charset = utf-8",
		"application/x-www-form-urlencoded;charset= utf-8",
		"application/x-www-form-urlencoded;charset =utf-8",
		"application/x-www-form-urlencoded;charset=",
		"application/x-www-form-urlencoded;charset",
		"application/x-www-form-urlencoded;=utf-8",
		"application/x-www-form-urlencoded;charset=\"utf-8",
		"application/x-www-form-urlencoded;charset=\"utf\\-8\"",
		"application/x-www-form-urlencoded;charset=\"utf-8\"x",
		"application/x-www-form-urlencoded;charset=\"\"",
		"application/x-www-form-urlencoded;charset=utf-8;charset=utf-8",
		"application/x-www-form-urlencoded;foo=bar",
		"application/x-www-form-urlencoded;charset=utf-8;boundary=x",
		"application/x-www-form-urlencoded,text/plain",
		"multipart/form-data; boundary=----x",
		"multipart/form-data",
		"application/json",
		"application/json; charset=utf-8",
		"text/plain",
		"application/*",
		"*/*",
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++) {
		if (ct(bad[i]))
			fail_msg("accepted: %s", bad[i]);
	}
	/* Missing header, and an embedded NUL. */
	assert_false(jet_form_content_type_ok(JET_STR_NULL));
	assert_false(jet_form_content_type_ok((struct jet_str){ NULL, 40 }));
	assert_false(jet_form_content_type_ok(
		(struct jet_str){ "application/x-www-form-urlencoded\0", 34 }));
	assert_false(jet_form_content_type_ok(
		(struct jet_str){ "application/x-www-form-urlencoded;charset=utf-8\0", 48 }));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whatwg_plus_and_escapes),
		cmocka_unit_test(rfc6749_token_request),
		cmocka_unit_test(empty_pairs_are_skipped),
		cmocka_unit_test(split_at_first_equals),
		cmocka_unit_test(pair_without_equals_has_empty_value),
		cmocka_unit_test(stray_percent_is_refused),
		cmocka_unit_test(control_characters_are_refused),
		cmocka_unit_test(utf8_well_formed_is_kept),
		cmocka_unit_test(utf8_ill_formed_is_refused),
		cmocka_unit_test(empty_name_is_refused),
		cmocka_unit_test(max_fields_at_and_past),
		cmocka_unit_test(buffer_of_len_plus_one_always_suffices),
		cmocka_unit_test(buffer_too_small_is_toobig),
		cmocka_unit_test(large_body),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(failure_wipes_decoded_bytes_and_never_echoes),
		cmocka_unit_test(decode_fits_exactly_and_one_short),
		cmocka_unit_test(get_counts_duplicates),
		cmocka_unit_test(content_type_accepted),
		cmocka_unit_test(content_type_refused),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
