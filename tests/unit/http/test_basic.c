/*
 * Unit tests for lib/http/basic.c: HTTP Basic client credentials (RFC 7617,
 * RFC 6749 section 2.3.1) - the RFC examples, what real clients send
 * (oauth4webapi form-encodes both parts, curl -u sends them raw), scheme
 * matching and its JET_ENOTFOUND, canonical base64, the ':' split, the
 * form-decoding of each part and its refusals, and every size bound at and
 * past its limit.  The header value is always an exact-size heap copy so
 * ASan sees any read past it.
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

static char id[256], secret[256], err[128];
static char *hdr;

static int
basic_n(const char *value, size_t len, size_t idlen, size_t secretlen)
{
	int rc;

	assert_true(idlen <= sizeof(id) && secretlen <= sizeof(secret));
	free(hdr);
	hdr = malloc(len > 0 ? len : 1);
	assert_non_null(hdr);
	if (len > 0)
		memcpy(hdr, value, len);
	memset(id, 'I', sizeof(id));
	memset(secret, 'S', sizeof(secret));
	snprintf(err, sizeof(err), "unset");
	rc = jet_basic_parse((struct jet_str){ hdr, len }, id, idlen, secret, secretlen, err,
		sizeof(err));
	if (rc == JET_OK) {
		assert_string_equal(err, "");
		assert_true(strlen(id) > 0 && strlen(id) < idlen);
		assert_true(strlen(secret) < secretlen);
	} else {
		assert_string_equal(id, "");
		assert_string_equal(secret, "");
		assert_true(strlen(err) > 0);
	}
	return rc;
}

static int
basic(const char *value)
{
	return basic_n(value, strlen(value), sizeof(id), sizeof(secret));
}

/* A plain encoder, independent of the decoder under test (checked against
 * the RFC vectors below). */
static void
b64enc(const char *in, size_t n, char *out, size_t outlen)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;

	assert_true(outlen > (n + 2) / 3 * 4);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = i + 1 < n ? a[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? a[v & 63] : '=';
	}
	out[o] = '\0';
}

/* "Basic " + base64(user_pass) in a static buffer. */
static const char *
hdr_for_n(const char *user_pass, size_t n)
{
	static char h[8192];

	memcpy(h, "Basic ", 6);
	b64enc(user_pass, n, h + 6, sizeof(h) - 6);
	return h;
}

static const char *
hdr_for(const char *user_pass)
{
	return hdr_for_n(user_pass, strlen(user_pass));
}

static int
teardown(void **state)
{
	free(hdr);
	hdr = NULL;
	return 0;
}

/* ------------------------------------------------------------------------
 * What clients send
 * --------------------------------------------------------------------- */

static void
rfc_examples(void **state)
{
	/* RFC 7617 section 2. */
	assert_int_equal(basic("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), JET_OK);
	assert_string_equal(id, "Aladdin");
	assert_string_equal(secret, "open sesame");
	assert_string_equal(hdr_for("Aladdin:open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
	/* RFC 6749 section 2.3.1. */
	assert_int_equal(basic("Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"), JET_OK);
	assert_string_equal(id, "s6BhdRkqt3");
	assert_string_equal(secret, "7Fjfp0ZBr1KtDRbnfVdmIw");
	assert_string_equal(hdr_for("s6BhdRkqt3:7Fjfp0ZBr1KtDRbnfVdmIw"),
		"Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3");
}

static void
oauth4webapi_form_encodes_both_parts(void **state)
{
	/* client_id "urn:example:client one", client_secret "p@ss w0rd!~'()*"
	 * through oauth4webapi's formUrlEncode (encodeURIComponent, then
	 * %20 -> '+' and -_.!~*'() escaped). */
	assert_int_equal(basic(hdr_for("urn%3Aexample%3Aclient+one:"
				       "p%40ss+w0rd%21%7E%27%28%29%2A")),
		JET_OK);
	assert_string_equal(id, "urn:example:client one");
	assert_string_equal(secret, "p@ss w0rd!~'()*");
	/* A URL client_id (client ID metadata documents). */
	assert_int_equal(basic(hdr_for("https%3A%2F%2Fapp.example.com%2Fclient.json:")), JET_OK);
	assert_string_equal(id, "https://app.example.com/client.json");
	assert_string_equal(secret, "");
	/* Non-ASCII, escaped and raw. */
	assert_int_equal(basic(hdr_for("cl%C3%AFent:s\xc3\xa9")), JET_OK);
	assert_string_equal(id, "cl\xc3\xaf" "ent");
	assert_string_equal(secret, "s\xc3\xa9");
}

static void
curl_u_sends_raw(void **state)
{
	/* curl -u client:secret */
	assert_int_equal(basic("Basic Y2xpZW50OnNlY3JldA=="), JET_OK);
	assert_string_equal(id, "client");
	assert_string_equal(secret, "secret");
	/* A raw secret with ':' keeps it: the split is at the first ':'. */
	assert_int_equal(basic(hdr_for("client:a:b:c")), JET_OK);
	assert_string_equal(id, "client");
	assert_string_equal(secret, "a:b:c");
	/* The documented cost of RFC 6749's encoding: a raw '+' is SP and a
	 * raw '%' that starts no escape is refused. */
	assert_int_equal(basic(hdr_for("client:a+b")), JET_OK);
	assert_string_equal(secret, "a b");
	assert_int_equal(basic(hdr_for("client:50%off")), JET_EINVAL);
	assert_string_equal(err, "client secret: malformed percent-escape");
	/* A generated base64url secret has none of those characters. */
	assert_int_equal(basic(hdr_for("client:Xk-3_q9ZdBjftJeZ4CVP")), JET_OK);
	assert_string_equal(secret, "Xk-3_q9ZdBjftJeZ4CVP");
}

/* ------------------------------------------------------------------------
 * Scheme and separator
 * --------------------------------------------------------------------- */

static void
scheme_is_case_insensitive(void **state)
{
	assert_int_equal(basic("basic Y2xpZW50OnNlY3JldA=="), JET_OK);
	assert_int_equal(basic("BASIC Y2xpZW50OnNlY3JldA=="), JET_OK);
	assert_int_equal(basic("bAsIc Y2xpZW50OnNlY3JldA=="), JET_OK);
	assert_string_equal(secret, "secret");
}

static void
other_schemes_are_not_found(void **state)
{
	static const char *const other[] = {
		"Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig",
		"DPoP eyJhbGciOiJFUzI1NiJ9.e30.sig",
		"Digest username=\"client\", realm=\"x\"",
		"Basicx Y2xpZW50OnNlY3JldA==",
		"Basi Y2xpZW50OnNlY3JldA==",
		"Bas1c Y2xpZW50OnNlY3JldA==",
		"Y2xpZW50OnNlY3JldA==",
		"",
		"   ",
		"@Basic Y2xpZW50OnNlY3JldA==",
		"\"Basic\" Y2xpZW50OnNlY3JldA==",
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(other); i++) {
		if (basic(other[i]) != JET_ENOTFOUND)
			fail_msg("not ENOTFOUND: %s", other[i]);
		assert_string_equal(err, "not Basic credentials");
	}
	assert_int_equal(jet_basic_parse(JET_STR_NULL, id, sizeof(id), secret, sizeof(secret),
		err, sizeof(err)), JET_ENOTFOUND);
}

static void
separator_spaces(void **state)
{
	/* One or more SP (RFC 9110 credentials = auth-scheme 1*SP token68);
	 * outer OWS of the field value is not part of it. */
	assert_int_equal(basic("Basic   Y2xpZW50OnNlY3JldA=="), JET_OK);
	assert_int_equal(basic(" \tBasic Y2xpZW50OnNlY3JldA== \t"), JET_OK);
	assert_string_equal(secret, "secret");
	/* Broken Basic: no credentials, or a separator other than SP. */
	assert_int_equal(basic("Basic"), JET_EINVAL);
	assert_string_equal(err, "missing credentials");
	assert_int_equal(basic("Basic   "), JET_EINVAL);
	assert_string_equal(err, "missing credentials");
	assert_int_equal(basic("Basic\tY2xpZW50OnNlY3JldA=="), JET_EINVAL);
	assert_string_equal(err, "malformed Basic credentials");
	assert_int_equal(basic("Basic=Y2xpZW50OnNlY3JldA=="), JET_EINVAL);
	assert_int_equal(basic("Basic,Y2xpZW50OnNlY3JldA=="), JET_EINVAL);
	assert_int_equal(basic_n("Basic\0Y2xpZW50OnNlY3JldA==", 26, 256, 256), JET_EINVAL);
}

/* ------------------------------------------------------------------------
 * base64
 * --------------------------------------------------------------------- */

static void
base64_must_be_canonical(void **state)
{
	static const char *const bad[] = {
		"Basic Y2xpZW50OnNlY3JldA",      /* padding missing */
		"Basic Y2xpZW50OnNlY3JldA=",     /* padding short */
		"Basic Y2xpZW50OnNlY3JldA===",   /* padding long */
		"Basic Y2xp ZW50OnNlY3JldA==",   /* embedded SP */
		"Basic Y2xp\tZW50OnNlY3JldA==",  /* embedded HTAB */
		"Basic Y2xpZW50\r\nOnNlY3JldA==", /* embedded CRLF */
		"Basic Y2xpZW50OnNlY3JldA== x",  /* auth-param after token68 */
		"Basic Y2xpZW50OnNlY3JldB==",    /* non-zero trailing bits, '==' */
		"Basic aWQ6eHl=",                /* non-zero trailing bits, '=' */
		"Basic aWQ6eHk=aWQ6",            /* data after padding */
		"Basic aW==eHk=",                /* padding inside */
		"Basic ====",
		"Basic a===",
		"Basic aWQ=eA==",
		"Basic aWQ6-_-_",                /* base64url alphabet */
		"Basic aWQ6eH.=",
		"Basic aWQ6eA==,",
		"Basic =",
		"Basic aWQ",
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++) {
		if (basic(bad[i]) != JET_EINVAL)
			fail_msg("not EINVAL: %s", bad[i]);
		assert_string_equal(err, "invalid base64 in credentials");
	}
	/* The canonical spellings of the same inputs. */
	assert_int_equal(basic("Basic aWQ6eA=="), JET_OK);
	assert_string_equal(secret, "x");
	assert_int_equal(basic("Basic aWQ6eHk="), JET_OK);
	assert_string_equal(secret, "xy");
	assert_int_equal(basic("Basic aWQ6eHl6"), JET_OK);
	assert_string_equal(secret, "xyz");
	/* The two non-alphanumeric digits of the standard alphabet. */
	assert_int_equal(basic("Basic aWQ6Pz8/"), JET_OK); /* "id:???" via '/' */
	assert_string_equal(secret, "???");
	assert_int_equal(basic("Basic aWQ6Pj4+"), JET_OK); /* "id:>>>" via '+' */
	assert_string_equal(secret, ">>>");
}

/* ------------------------------------------------------------------------
 * The decoded user-pass
 * --------------------------------------------------------------------- */

static void
colon_and_empty_parts(void **state)
{
	assert_int_equal(basic(hdr_for("client")), JET_EINVAL);
	assert_string_equal(err, "missing ':' in credentials");
	assert_int_equal(basic(hdr_for(":secret")), JET_EINVAL);
	assert_string_equal(err, "empty client id");
	assert_int_equal(basic(hdr_for(":")), JET_EINVAL);
	/* An id that decodes to nothing is not possible, but "+" is a SP. */
	assert_int_equal(basic(hdr_for("+:s")), JET_OK);
	assert_string_equal(id, " ");
	/* The secret may be empty: comparing it fails later. */
	assert_int_equal(basic(hdr_for("client:")), JET_OK);
	assert_string_equal(id, "client");
	assert_string_equal(secret, "");
	/* An encoded ':' is data in either part. */
	assert_int_equal(basic(hdr_for("a%3Ab:c%3Ad")), JET_OK);
	assert_string_equal(id, "a:b");
	assert_string_equal(secret, "c:d");
}

static void
parts_are_checked_after_decoding(void **state)
{
	static const struct {
		const char *user_pass;
		const char *reason;
	} bad[] = {
		{ "cl%zzent:s", "client id: malformed percent-escape" },
		{ "client%:s", "client id: malformed percent-escape" },
		{ "cl%00ent:s", "client id: control character" },
		{ "client%0A:s", "client id: control character" },
		{ "client%C2%85:s", "client id: control character" },
		{ "cl%C0%AFent:s", "client id: invalid UTF-8" },
		{ "cl%ED%A0%80:s", "client id: invalid UTF-8" },
		{ "cl%E2%82:s", "client id: invalid UTF-8" },
		{ "client:s%0", "client secret: malformed percent-escape" },
		{ "client:s%00", "client secret: control character" },
		{ "client:s%09t", "client secret: control character" },
		{ "client:s%7F", "client secret: control character" },
		{ "client:s%F4%90%80%80", "client secret: invalid UTF-8" },
		{ "client:s%E2%82", "client secret: invalid UTF-8" },
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++) {
		assert_int_equal(basic(hdr_for(bad[i].user_pass)), JET_EINVAL);
		assert_string_equal(err, bad[i].reason);
	}
	/* Raw bytes straight out of base64: NUL, CR LF, invalid UTF-8. */
	assert_int_equal(basic(hdr_for_n("cli\0nt:s", 8)), JET_EINVAL);
	assert_string_equal(err, "client id: control character");
	assert_int_equal(basic(hdr_for_n("client:s\0", 9)), JET_EINVAL);
	assert_int_equal(basic(hdr_for("client:s\r\n")), JET_EINVAL);
	assert_int_equal(basic(hdr_for("client:\xff")), JET_EINVAL);
	assert_string_equal(err, "client secret: invalid UTF-8");
	assert_int_equal(basic(hdr_for("\xc0\xaf:s")), JET_EINVAL);
}

/* ------------------------------------------------------------------------
 * Limits
 * --------------------------------------------------------------------- */

static void
id_and_secret_fit_at_and_past(void **state)
{
	char up[64];

	/* id "abcd" needs 5 bytes, secret "wxyz" 5. */
	assert_int_equal(basic_n(hdr_for("abcd:wxyz"), strlen(hdr_for("abcd:wxyz")), 5, 5),
		JET_OK);
	assert_string_equal(id, "abcd");
	assert_string_equal(secret, "wxyz");
	assert_int_equal(basic_n(hdr_for("abcd:wxyz"), strlen(hdr_for("abcd:wxyz")), 4, 5),
		JET_ETOOBIG);
	assert_string_equal(err, "client id too long");
	assert_int_equal(basic_n(hdr_for("abcd:wxyz"), strlen(hdr_for("abcd:wxyz")), 5, 4),
		JET_ETOOBIG);
	assert_string_equal(err, "client secret too long");
	/* The decoded length counts, not the encoded one. */
	snprintf(up, sizeof(up), "%s", "%61%62%63%64:%77%78%79%7A");
	assert_int_equal(basic_n(hdr_for(up), strlen(hdr_for(up)), 5, 5), JET_OK);
	assert_string_equal(id, "abcd");
	assert_string_equal(secret, "wxyz");
	/* Smallest buffers: an empty secret fits in 1 byte, no id in 1. */
	assert_int_equal(basic_n(hdr_for("a:"), strlen(hdr_for("a:")), 2, 1), JET_OK);
	assert_int_equal(basic_n(hdr_for("a:"), strlen(hdr_for("a:")), 1, 1), JET_ETOOBIG);
}

static void
token68_length_at_and_past(void **state)
{
	/* JET_BASIC_MAX_TOKEN characters decode to 4098 bytes: "a:" and a
	 * secret of 4096 escapes-free bytes, checked with a large secret
	 * buffer of our own. */
	size_t n = JET_BASIC_MAX_TOKEN / 4 * 3;
	char *up = malloc(n + 3);
	char *big = malloc(n);
	char *h;
	char idb[8];
	int rc;

	assert_non_null(up);
	assert_non_null(big);
	memcpy(up, "a:", 2);
	memset(up + 2, 's', n - 2);
	h = (char *)hdr_for_n(up, n);
	assert_int_equal(strlen(h), 6 + JET_BASIC_MAX_TOKEN);
	rc = jet_basic_parse(jet_str_from_cstr(h), idb, sizeof(idb), big, n, err, sizeof(err));
	assert_int_equal(rc, JET_OK);
	assert_string_equal(idb, "a");
	assert_int_equal(strlen(big), n - 2);
	/* One more group is refused before decoding. */
	memset(up + n, 's', 3);
	h = (char *)hdr_for_n(up, n + 3);
	assert_int_equal(strlen(h), 6 + JET_BASIC_MAX_TOKEN + 4);
	rc = jet_basic_parse(jet_str_from_cstr(h), idb, sizeof(idb), big, n, err, sizeof(err));
	assert_int_equal(rc, JET_ETOOBIG);
	assert_string_equal(err, "credentials too long");
	assert_string_equal(idb, "");
	assert_string_equal(big, "");
	free(up);
	free(big);
}

static void
bad_arguments(void **state)
{
	struct jet_str v = JET_STR_LIT("Basic Y2xpZW50OnNlY3JldA==");

	assert_int_equal(jet_basic_parse(v, NULL, 8, secret, 8, err, sizeof(err)), JET_EINVAL);
	assert_string_equal(secret, "");
	assert_string_equal(err, "invalid argument");
	assert_int_equal(jet_basic_parse(v, id, 0, secret, 8, err, sizeof(err)), JET_EINVAL);
	assert_int_equal(jet_basic_parse(v, id, 8, NULL, 8, err, sizeof(err)), JET_EINVAL);
	assert_string_equal(id, "");
	assert_int_equal(jet_basic_parse(v, id, 8, secret, 0, err, sizeof(err)), JET_EINVAL);
	assert_int_equal(jet_basic_parse((struct jet_str){ NULL, 3 }, id, 8, secret, 8, err,
		sizeof(err)), JET_EINVAL);
	/* err is optional and cut to its size. */
	assert_int_equal(jet_basic_parse(v, id, 8, secret, 8, NULL, 0), JET_OK);
	{
		char e[5];

		assert_int_equal(jet_basic_parse(JET_STR_LIT("Basic x"), id, 8, secret, 8, e,
			sizeof(e)), JET_EINVAL);
		assert_string_equal(e, "inva");
	}
}

/* ------------------------------------------------------------------------
 * Secrets
 * --------------------------------------------------------------------- */

static void
failures_leave_nothing_behind(void **state)
{
	/* The id decodes, then the secret fails: the id is wiped too. */
	assert_int_equal(basic(hdr_for("myclient:hunter2%zz")), JET_EINVAL);
	assert_null(memmem(id, sizeof(id), "yclient", 7));
	assert_null(memmem(secret, sizeof(secret), "unter2", 6));
	assert_null(strstr(err, "hunter"));
	assert_null(strstr(err, "myclient"));
	assert_null(strstr(err, "zz"));
	/* Too long for the secret buffer: nothing of it stays. */
	assert_int_equal(basic_n(hdr_for("myclient:hunter2hunter2"),
		strlen(hdr_for("myclient:hunter2hunter2")), 16, 10), JET_ETOOBIG);
	assert_null(memmem(secret, 10, "hunter", 6));
	assert_null(memmem(id, 16, "yclient", 7));
	/* Reasons are fixed phrases even for binary garbage. */
	assert_int_equal(basic(hdr_for_n("\x01\x02\x03:\xff", 5)), JET_EINVAL);
	assert_string_equal(err, "client id: control character");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc_examples),
		cmocka_unit_test(oauth4webapi_form_encodes_both_parts),
		cmocka_unit_test(curl_u_sends_raw),
		cmocka_unit_test(scheme_is_case_insensitive),
		cmocka_unit_test(other_schemes_are_not_found),
		cmocka_unit_test(separator_spaces),
		cmocka_unit_test(base64_must_be_canonical),
		cmocka_unit_test(colon_and_empty_parts),
		cmocka_unit_test(parts_are_checked_after_decoding),
		cmocka_unit_test(id_and_secret_fit_at_and_past),
		cmocka_unit_test(token68_length_at_and_past),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(failures_leave_nothing_behind),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
