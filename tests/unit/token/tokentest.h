/*
 * tokentest.h - what the lib/token unit tests share: real keys from
 * lib/jose, tokens signed with them (or assembled byte by byte for the
 * forgeries), and a verifier over an inline JWKS.
 *
 * Included by each test file (one CTest executable each); every helper is
 * static and marked unused so a file may use any subset.
 */
#ifndef JET_TOKENTEST_H
#define JET_TOKENTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "jet/jose.h"
#include "jet/token.h"

#define TT_UNUSED __attribute__((unused))

#define TT_NOW 1700000000LL                 /* ctx.now of most tests */
#define TT_ISS "https://auth.jetstream.test"
#define TT_AUD "jetstream-api"
#define TT_X5T "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU" /* SHA-256 of "" */

/* An exp for jet_verifier_revoke: revocations are kept until their exp by
 * the wall clock, whatever ctx.now the tests verify at. */
static TT_UNUSED int64_t
tt_rev_exp(void)
{
	return (int64_t)(jet_wall_ms() / 1000) + 3600;
}

static TT_UNUSED struct jet_jwk *
tt_key(enum jet_jws_alg alg, const char *kid)
{
	struct jet_jwk *k = NULL;

	assert_int_equal(jet_jwk_generate(alg, kid, &k), JET_OK);
	return k;
}

/* {"keys": [public JWK of every key]}, malloc'd. */
static TT_UNUSED char *
tt_jwks(struct jet_jwk *const *keys, size_t n)
{
	json_t *doc = json_object(), *arr = json_array();
	char *s;

	for (size_t i = 0; i < n; i++)
		assert_int_equal(json_array_append_new(arr, jet_jwk_public_json(keys[i])), 0);
	json_object_set_new(doc, "keys", arr);
	s = json_dumps(doc, JSON_COMPACT);
	assert_non_null(s);
	json_decref(doc);
	return s;
}

/* Claims of a valid Jetstream access token at TT_NOW (new reference). */
static TT_UNUSED json_t *
tt_claims(void)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:{s:s, s:s}}",
		"iss", TT_ISS, "sub", "client-1", "aud", TT_AUD, "client_id", "client-1",
		"jti", "jti-0001", "exp", (json_int_t)(TT_NOW + 600), "iat", (json_int_t)TT_NOW,
		"nbf", (json_int_t)TT_NOW, "scope", "points:read commands:write", "buildings",
		"hq-1", "operator", "*", "viewer");

	assert_non_null(c);
	return c;
}

/* Signs claims (borrowed) as a compact JWS; malloc'd NUL-terminated. */
static TT_UNUSED char *
tt_sign(const struct jet_jwk *k, const char *typ, const json_t *claims)
{
	struct jet_buf b;
	char *s;

	jet_buf_init(&b, 1 << 20);
	assert_int_equal(jet_jwt_sign(k, typ, claims, &b), JET_OK);
	s = strndup(b.data, b.len);
	assert_non_null(s);
	jet_buf_cleanup(&b);
	return s;
}

/* The usual token: tt_claims() signed with typ "at+jwt". */
static TT_UNUSED char *
tt_token(const struct jet_jwk *k)
{
	json_t *c = tt_claims();
	char *t = tt_sign(k, "at+jwt", c);

	json_decref(c);
	return t;
}

/* b64url(header) "." b64url(payload) "." b64url(sig), exactly these bytes;
 * sig NULL: no third part at all (and no second dot). */
static TT_UNUSED char *
tt_raw(const char *header, const char *payload, const uint8_t *sig, size_t siglen)
{
	struct jet_buf b;
	char *s;

	jet_buf_init(&b, 1 << 20);
	assert_int_equal(jet_b64url_encode_buf(&b, header, strlen(header)), JET_OK);
	assert_int_equal(jet_buf_append(&b, ".", 1), JET_OK);
	assert_int_equal(jet_b64url_encode_buf(&b, payload, strlen(payload)), JET_OK);
	if (sig != NULL) {
		assert_int_equal(jet_buf_append(&b, ".", 1), JET_OK);
		assert_int_equal(jet_b64url_encode_buf(&b, sig, siglen), JET_OK);
	}
	s = strndup(b.data, b.len);
	assert_non_null(s);
	jet_buf_cleanup(&b);
	return s;
}

/* header and payload as given (duplicate keys and all), really signed by k. */
static TT_UNUSED char *
tt_raw_signed(const struct jet_jwk *k, const char *header, const char *payload)
{
	char *unsigned_tok = tt_raw(header, payload, NULL, 0), *t;
	uint8_t sig[JET_JWS_SIG_MAX];
	size_t siglen;

	assert_int_equal(jet_sig_sign(k->alg, k->pkey, unsigned_tok, strlen(unsigned_tok), sig,
				 sizeof(sig), &siglen),
		JET_OK);
	t = tt_raw(header, payload, sig, siglen);
	free(unsigned_tok);
	return t;
}

/* The claims as compact JSON text, malloc'd. */
static TT_UNUSED char *
tt_json(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT);

	assert_non_null(s);
	return s;
}

/* One issuer with an inline JWKS. */
static TT_UNUSED void
tt_issuer(struct jet_issuer_conf *ic, const char *jwks, enum jet_token_profile profile)
{
	memset(ic, 0, sizeof(*ic));
	ic->issuer = TT_ISS;
	ic->audience = TT_AUD;
	ic->jwks_json = jwks;
	ic->profile = profile;
}

static TT_UNUSED struct jet_verifier *
tt_verifier_conf(const struct jet_verifier_conf *conf)
{
	struct jet_verifier *v = NULL;
	char err[256] = "";

	if (jet_verifier_new(conf, &v, err, sizeof(err)) != JET_OK)
		fail_msg("jet_verifier_new: %s", err);
	return v;
}

/* A verifier over one issuer (copied by jet_verifier_new). */
static TT_UNUSED struct jet_verifier *
tt_verifier(const struct jet_issuer_conf *ic)
{
	struct jet_verifier_conf conf;

	jet_verifier_conf_default(&conf);
	conf.issuers = ic;
	conf.nissuers = 1;
	return tt_verifier_conf(&conf);
}

static TT_UNUSED int
tt_verify_at(struct jet_verifier *v, const char *tok, const char *peer, int64_t now,
	struct jet_principal *p, const char **why)
{
	struct jet_verify_ctx ctx = { peer, now };
	struct jet_principal scratch;

	return jet_verifier_verify(v, tok, strlen(tok), &ctx, p != NULL ? p : &scratch, why);
}

/* Verifies at TT_NOW without a certificate; returns the reason ("" when
 * accepted) so tests compare it directly. */
static TT_UNUSED const char *
tt_why(struct jet_verifier *v, const char *tok)
{
	const char *why = NULL;
	int rc = tt_verify_at(v, tok, NULL, TT_NOW, NULL, &why);

	if (rc == JET_OK)
		return "";
	assert_int_equal(rc, JET_EPERM);
	assert_non_null(why);
	return why;
}

static TT_UNUSED struct jet_verifier_stats
tt_stats(struct jet_verifier *v)
{
	struct jet_verifier_stats st;

	jet_verifier_stats(v, &st);
	return st;
}

#endif /* JET_TOKENTEST_H */
