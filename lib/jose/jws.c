/*
 * jws.c - compact JWS (RFC 7515 §7.1) carrying a JWT (RFC 7519): parsing,
 * verification with a key chosen by the caller, and signing.
 *
 * Parsing accepts exactly BASE64URL(header) "." BASE64URL(payload) "."
 * BASE64URL(signature), each part canonical base64url, at most max_len
 * bytes in all.  Header and payload go through jet_json_parse (duplicate
 * keys refused, depth and size bounded) and must be objects.  The header
 * must carry a string "alg"; it is refused when it asks for something this
 * module deliberately does not do:
 *  - "crit": no extension is understood, so RFC 7515 §4.1.11 requires
 *    refusal;
 *  - "jku", "jwk", "x5u", "x5c": the verifying key never comes from the
 *    token itself (that is how forged tokens carry their own key);
 *  - "b64" (RFC 7797) and "zip" (a JWE member; compression in a signed
 *    token is a decompression bomb, not a feature).
 * "kid" must pass jet_jwk_kid_valid and "typ" must be a string when present.
 *
 * Verification never lets the token choose: the header alg must equal the
 * algorithm the key was loaded for, and HMAC and "none" never verify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jet/json.h"
#include "jose_int.h"

/* Header members refused by name (see above). */
static const char *const refused_members[] = { "crit", "jku", "jwk", "x5u", "x5c", "b64", "zip" };

/* Decodes part and parses it as a JSON object; prefix names the part in
 * the reason. */
static json_t *
decode_object(const char *part, size_t n, size_t cap, const char *prefix, char *err,
	size_t errlen)
{
	char jerr[64];
	uint8_t *buf;
	size_t len;
	json_t *v = NULL;
	int rc;

	/* A canonical encoding longer than that of cap bytes decodes to more
	 * than cap bytes: refuse before allocating. */
	if (n > jet_b64url_len(cap)) {
		snprintf(err, errlen, "%s too large", prefix);
		return NULL;
	}
	if ((buf = malloc(n / 4 * 3 + 3)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rc = jet_b64url_decode(part, n, buf, n / 4 * 3 + 3, &len);
	if (rc != JET_OK) {
		snprintf(err, errlen, "%s is not canonical base64url", prefix);
		goto out;
	}
	v = jet_json_parse((const char *)buf, len, cap, JOSE_JSON_DEPTH, true, jerr, sizeof(jerr));
	if (v == NULL) {
		snprintf(err, errlen, "%s: %s", prefix, jerr); /* jerr is a fixed reason */
		goto out;
	}
	if (!json_is_object(v)) {
		snprintf(err, errlen, "%s is not a JSON object", prefix);
		json_decref(v);
		v = NULL;
	}
out:
	free(buf);
	return v;
}

static const char *
check_header(struct jet_jws *jws)
{
	const json_t *h = jws->header, *alg, *kid, *typ;

	for (size_t i = 0; i < JET_ARRAY_LEN(refused_members); i++)
		if (json_object_get(h, refused_members[i]) != NULL)
			return "header member not accepted (crit, jku, jwk, x5u, x5c, b64, zip)";
	alg = json_object_get(h, "alg");
	if (!json_is_string(alg))
		return "header alg missing or not a string";
	jws->alg = jet_jws_alg_parse(json_string_value(alg), json_string_length(alg));
	kid = json_object_get(h, "kid");
	if (kid != NULL) {
		if (!json_is_string(kid) ||
			!jet_jwk_kid_valid(json_string_value(kid), json_string_length(kid)))
			return "header kid invalid";
		jws->kid = json_string_value(kid);
	}
	typ = json_object_get(h, "typ");
	if (typ != NULL) {
		if (!json_is_string(typ))
			return "header typ not a string";
		jws->typ = json_string_value(typ);
	}
	return NULL;
}

int
jet_jws_parse(const char *token, size_t len, size_t max_len, struct jet_jws *out,
	char *err, size_t errlen)
{
	char why[96] = "";
	const char *d1, *d2, *reason;
	size_t hlen, plen, slen;
	int rc = JET_EINVAL;

	memset(out, 0, sizeof(*out));
	jose_err(err, errlen, "");
	if (token == NULL && len > 0) {
		jose_err(err, errlen, "invalid argument");
		return JET_EINVAL;
	}
	if (len > max_len) {
		jose_err(err, errlen, "token too large");
		return JET_ETOOBIG;
	}
	d1 = len > 0 ? memchr(token, '.', len) : NULL;
	d2 = d1 != NULL ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
	if (d2 == NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)) != NULL) {
		jose_err(err, errlen, "not a compact JWS (three parts)");
		return JET_EINVAL;
	}
	hlen = (size_t)(d1 - token);
	plen = (size_t)(d2 - d1 - 1);
	slen = len - (size_t)(d2 + 1 - token);
	if (slen == 0) {
		jose_err(err, errlen, "signature missing");
		return JET_EINVAL;
	}
	rc = jet_b64url_decode(d2 + 1, slen, out->sig, sizeof(out->sig), &out->sig_len);
	if (rc != JET_OK) {
		jose_err(err, errlen, rc == JET_ETOOBIG ? "signature too long" :
			"signature is not canonical base64url");
		goto fail;
	}
	out->header = decode_object(token, hlen, JOSE_HEADER_MAX, "header", why, sizeof(why));
	if (out->header == NULL) {
		jose_err(err, errlen, why);
		goto fail;
	}
	if ((reason = check_header(out)) != NULL) {
		jose_err(err, errlen, reason);
		goto fail;
	}
	out->payload = decode_object(d1 + 1, plen, max_len, "payload", why, sizeof(why));
	if (out->payload == NULL) {
		jose_err(err, errlen, why);
		goto fail;
	}
	out->signing_input.p = token;
	out->signing_input.len = (size_t)(d2 - token);
	return JET_OK;
fail:
	jet_jws_cleanup(out);
	return JET_EINVAL;
}

int
jet_jws_verify(const struct jet_jws *jws, const struct jet_jwk *key)
{
	if (jws == NULL || key == NULL || jws->header == NULL || jws->payload == NULL)
		return JET_EPERM;
	/* The key decides the algorithm; the header may only agree with it. */
	if (!jet_jws_alg_asymmetric(key->alg) || jws->alg != key->alg)
		return JET_EPERM;
	if (jet_sig_verify(key->alg, key->pkey, jws->signing_input.p, jws->signing_input.len,
		    jws->sig, jws->sig_len) != JET_OK)
		return JET_EPERM;
	return JET_OK;
}

void
jet_jws_cleanup(struct jet_jws *jws)
{
	if (jws == NULL)
		return;
	json_decref(jws->header);
	json_decref(jws->payload);
	memset(jws, 0, sizeof(*jws));
}

/* {"alg":..,"typ":..,"kid":..}: fixed member order, no whitespace. */
static int
header_json(const struct jet_jwk *key, const char *typ, struct jet_buf *h)
{
	int rc;

	if ((rc = jet_buf_printf(h, "{\"alg\":\"%s\"", jet_jws_alg_name(key->alg))) != JET_OK)
		return rc;
	if (typ != NULL && ((rc = jet_buf_append_str(h, ",\"typ\":")) != JET_OK ||
				   (rc = jet_json_escape(h, typ, strlen(typ))) != JET_OK))
		return rc;
	/* A kid is [A-Za-z0-9._-] (jet_jwk_kid_valid): nothing to escape. */
	return jet_buf_printf(h, ",\"kid\":\"%s\"}", key->kid);
}

int
jet_jws_sign_compact(const struct jet_jwk *key, const char *typ, const void *payload,
	size_t len, struct jet_buf *out)
{
	struct jet_buf h;
	uint8_t sig[JET_JWS_SIG_MAX];
	size_t start = out->len, siglen, sigmax, total, input_len;
	int rc;

	if (key == NULL || !key->has_private || !jet_jws_alg_asymmetric(key->alg) ||
		(payload == NULL && len > 0))
		return JET_EINVAL;
	sigmax = jose_sig_max(key->alg, key->pkey);
	if (sigmax == 0 || sigmax > sizeof(sig))
		return JET_EINVAL;
	jet_buf_init(&h, 512);
	if ((rc = header_json(key, typ, &h)) != JET_OK)
		goto out;
	/* Everything is reserved up front, so the signing input written into
	 * out does not move while it is signed. */
	input_len = jet_b64url_len(h.len) + 1 + jet_b64url_len(len);
	total = input_len + 1 + jet_b64url_len(sigmax);
	if (total < input_len || (rc = jet_buf_reserve(out, total)) != JET_OK) {
		rc = rc != JET_OK ? rc : JET_ETOOBIG;
		goto out;
	}
	if ((rc = jet_b64url_encode_buf(out, h.data, h.len)) != JET_OK ||
		(rc = jet_buf_append(out, ".", 1)) != JET_OK ||
		(rc = jet_b64url_encode_buf(out, payload, len)) != JET_OK ||
		(rc = jet_sig_sign(key->alg, key->pkey, out->data + start, input_len, sig,
			 sizeof(sig), &siglen)) != JET_OK ||
		(rc = jet_buf_append(out, ".", 1)) != JET_OK ||
		(rc = jet_b64url_encode_buf(out, sig, siglen)) != JET_OK)
		goto out;
out:
	if (rc != JET_OK)
		out->len = start;
	jet_buf_cleanup(&h);
	return rc;
}

int
jet_jwt_sign(const struct jet_jwk *key, const char *typ, const json_t *claims,
	struct jet_buf *out)
{
	struct jet_buf c;
	int rc;

	if (!json_is_object(claims))
		return JET_EINVAL;
	jet_buf_init(&c, out->max);
	if ((rc = jet_json_dump(&c, claims)) == JET_OK)
		rc = jet_jws_sign_compact(key, typ, c.data, c.len, out);
	jet_buf_cleanup(&c);
	return rc;
}
