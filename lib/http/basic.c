/*
 * basic.c - HTTP Basic credentials as OAuth clients send them
 * (client_secret_basic): RFC 7617 for the header, RFC 4648 section 4 for
 * the base64, RFC 6749 section 2.3.1 for the form-encoding of client_id and
 * client_secret inside it.
 *
 * The base64 decoder is strict, not forgiving: padding is required,
 * whitespace and the URL-safe alphabet are refused, and the unused bits of
 * the last group must be zero.  Each accepted token68 then has exactly one
 * spelling, so two parsers (this one and a proxy or an audit log reader)
 * cannot disagree about which client a header names.
 *
 * The decoded credentials pass through one stack buffer, wiped on every
 * path out of jet_basic_parse.
 */
#include <stdio.h>
#include <string.h>

#include "jet/form.h"
#include "http_int.h"

/* Decoded bytes of the longest token68 accepted. */
#define BASIC_MAX_DECODED (JET_BASIC_MAX_TOKEN / 4 * 3)

static void
set_err(char *err, size_t errlen, const char *reason)
{
	if (err != NULL && errlen > 0)
		jet_str_copy(err, errlen, jet_str_from_cstr(reason));
}

/* Value of a standard-alphabet base64 digit, or -1. */
static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Canonical padded base64 of s[0..n) into out (room for n / 4 * 3 bytes).
 * Returns the decoded length or -1.  '=' may only end the last group, one
 * or two of them, and the bits they leave unused must be zero: "QQ==" is
 * 'A', "QR==" is refused although lenient decoders also read 'A' from it.
 */
static long
b64_decode(const char *s, size_t n, unsigned char *out)
{
	size_t o = 0;

	if (n == 0 || n % 4 != 0)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		bool last = i + 4 == n;
		int v[4];
		size_t pad = 0;

		for (size_t k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)s[i + k];

			v[k] = b64val(c);
			if (v[k] >= 0) {
				if (pad > 0)
					return -1; /* data after '=' */
				continue;
			}
			if (c != '=' || !last || k < 2)
				return -1;
			pad++;
			v[k] = 0;
		}
		out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad == 2) {
			if ((v[1] & 0x0f) != 0)
				return -1;
			break;
		}
		out[o++] = (unsigned char)((v[1] & 0x0f) << 4 | v[2] >> 2);
		if (pad == 1) {
			if ((v[2] & 0x03) != 0)
				return -1;
			break;
		}
		out[o++] = (unsigned char)((v[2] & 0x03) << 6 | v[3]);
	}
	return (long)o;
}

/* jet_form_decode of one part, with the part named in the reason. */
static int
decode_part(const char *what, const unsigned char *p, size_t n, char *dst, size_t dstlen,
	size_t *outlen, char *err, size_t errlen)
{
	char why[64];
	int rc;

	rc = jet_form_decode((struct jet_str){ (const char *)p, n }, dst, dstlen, outlen, why,
		sizeof(why));
	/* Both parts of the reason are fixed phrases, never input. */
	if (rc == JET_ETOOBIG && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s too long", what);
	else if (rc != JET_OK && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", what, why);
	return rc;
}

int
jet_basic_parse(struct jet_str authorization_value, char *id, size_t idlen, char *secret,
	size_t secretlen, char *err, size_t errlen)
{
	unsigned char tmp[BASIC_MAX_DECODED];
	struct jet_str v = authorization_value;
	const unsigned char *colon;
	size_t i = 0, tlen, idout;
	long dlen = 0;
	int rc = JET_EINVAL;

	set_err(err, errlen, "");
	if (id == NULL || idlen == 0 || secret == NULL || secretlen == 0 ||
		(v.p == NULL && v.len > 0)) {
		if (id != NULL && idlen > 0)
			id[0] = '\0';
		if (secret != NULL && secretlen > 0)
			secret[0] = '\0';
		set_err(err, errlen, "invalid argument");
		return JET_EINVAL;
	}
	id[0] = '\0';
	secret[0] = '\0';
	v = jet_str_trim_ows(v);

	/* auth-scheme is a token; what follows it decides nothing about
	 * whether this is Basic ("Basicx" is another scheme, "Basic\tx" is
	 * broken Basic). */
	while (i < v.len && jet_http_is_tchar((unsigned char)v.p[i]))
		i++;
	if (!jet_str_caseeq_cstr((struct jet_str){ v.p, i }, "Basic")) {
		set_err(err, errlen, "not Basic credentials");
		return JET_ENOTFOUND;
	}
	if (i == v.len) {
		set_err(err, errlen, "missing credentials");
		return JET_EINVAL;
	}
	if (v.p[i] != ' ') {
		set_err(err, errlen, "malformed Basic credentials");
		return JET_EINVAL;
	}
	while (i < v.len && v.p[i] == ' ')
		i++;
	tlen = v.len - i; /* > 0: v ends in a non-blank byte */
	if (tlen > JET_BASIC_MAX_TOKEN) {
		set_err(err, errlen, "credentials too long");
		return JET_ETOOBIG;
	}
	dlen = b64_decode(v.p + i, tlen, tmp);
	if (dlen < 0) {
		dlen = (long)(tlen / 4 * 3); /* bound on the partial output */
		set_err(err, errlen, "invalid base64 in credentials");
		goto fail;
	}
	colon = memchr(tmp, ':', (size_t)dlen);
	if (colon == NULL) {
		set_err(err, errlen, "missing ':' in credentials");
		goto fail;
	}
	rc = decode_part("client id", tmp, (size_t)(colon - tmp), id, idlen, &idout, err, errlen);
	if (rc != JET_OK)
		goto fail;
	if (idout == 0) {
		set_err(err, errlen, "empty client id");
		rc = JET_EINVAL;
		goto fail;
	}
	rc = decode_part("client secret", colon + 1, (size_t)(tmp + dlen - colon - 1), secret,
		secretlen, NULL, err, errlen);
	if (rc != JET_OK)
		goto fail;
	jet_wipe(tmp, (size_t)dlen);
	return JET_OK;
fail:
	/* The secret is decoded last, so it is never complete here: a failure
	 * inside it was wiped by jet_form_decode. */
	jet_wipe(tmp, (size_t)dlen);
	jet_wipe(id, idlen);
	id[0] = '\0';
	secret[0] = '\0';
	return rc;
}
