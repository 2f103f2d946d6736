/*
 * test_forged.c - the forged-token suite: every trick in the book, built
 * with real keys (an attacker's own, or the issuer's public key misused)
 * or byte by byte, and every one must be refused with JET_EPERM.  The
 * verifier under attack has its cache on, as in production, and at the end
 * the genuine token still passes: no forgery poisoned anything.
 */
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>

#include "tokentest.h"

static struct jet_jwk *key;      /* the issuer's key, kid "k1" */
static struct jet_jwk *attacker; /* the attacker's key, also kid "k1" */
static char *jwks;
static struct jet_issuer_conf ic;
static struct jet_verifier *v;
static char *genuine;            /* a valid token signed by key */
static char *payload;            /* its claims as JSON text */
static size_t forged;            /* tokens refused so far */
static size_t accepted;          /* genuine verifications so far */

/* P-256 group order n, big-endian. */
static const uint8_t p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
	0x25, 0x51,
};

#define HDR "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}"

static int
setup(void **state)
{
	json_t *c;

	(void)state;
	key = tt_key(JET_JWS_ES256, "k1");
	attacker = tt_key(JET_JWS_ES256, "k1");
	jwks = tt_jwks(&key, 1);
	tt_issuer(&ic, jwks, JET_PROFILE_JETSTREAM);
	v = tt_verifier(&ic);
	genuine = tt_token(key);
	c = tt_claims();
	payload = tt_json(c);
	json_decref(c);
	assert_string_equal(tt_why(v, genuine), "");
	accepted++;
	return 0;
}

static int
teardown(void **state)
{
	struct jet_verifier_stats st;

	(void)state;
	/* Nothing forged got in, and the genuine token still works. */
	st = tt_stats(v);
	assert_int_equal(st.verified, accepted);
	assert_int_equal(st.rejected, forged);
	assert_string_equal(tt_why(v, genuine), "");
	jet_verifier_free(v);
	jet_jwk_free(key);
	jet_jwk_free(attacker);
	free(jwks);
	free(genuine);
	free(payload);
	return 0;
}

/* Refused with JET_EPERM, and for the given reason when not NULL. */
static void
refused_len(const char *tok, size_t len, const char *reason, const char *peer)
{
	struct jet_verify_ctx ctx = { peer, TT_NOW };
	struct jet_principal p;
	const char *why = NULL;
	int rc = jet_verifier_verify(v, tok, len, &ctx, &p, &why);

	if (rc != JET_EPERM)
		fail_msg("forged token got %d: %.*s", rc, (int)JET_MIN(len, 200), tok);
	assert_non_null(why);
	if (reason != NULL && strcmp(reason, why) != 0)
		fail_msg("refused as \"%s\", expected \"%s\"", why, reason);
	assert_int_equal(p.ngrants, 0);
	forged++;
}

static void
refused(const char *tok, const char *reason)
{
	refused_len(tok, strlen(tok), reason, NULL);
}

/* refused(), then frees tok. */
static void
refused_free(char *tok, const char *reason)
{
	refused(tok, reason);
	free(tok);
}

/* The signature part of genuine, decoded. */
static size_t
genuine_sig(uint8_t sig[64])
{
	const char *dot = strrchr(genuine, '.');
	size_t n;

	assert_int_equal(jet_b64url_decode(dot + 1, strlen(dot + 1), sig, 64, &n), JET_OK);
	assert_int_equal(n, 64);
	return n;
}

/* genuine's signing input with another signature. */
static char *
with_sig(const uint8_t *sig, size_t len)
{
	return tt_raw(HDR, payload, sig, len);
}

static char *
with_claims(json_t *c, const char *typ, const struct jet_jwk *k)
{
	char *t = tt_sign(k, typ, c);

	json_decref(c);
	return t;
}

/* ------------------------------------------------------------------------
 * No signature, or the wrong kind
 * --------------------------------------------------------------------- */

static void
test_alg_none(void **state)
{
	static const char *const nones[] = {
		"{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
		"{\"alg\":\"None\",\"typ\":\"at+jwt\"}", "{\"alg\":\"NONE\",\"typ\":\"at+jwt\"}",
		"{\"alg\":\"none\",\"typ\":\"at+jwt\"}",
	};
	uint8_t sig[64];

	(void)state;
	genuine_sig(sig);
	for (size_t i = 0; i < JET_ARRAY_LEN(nones); i++) {
		char *t = tt_raw(nones[i], payload, (const uint8_t *)"", 0); /* "h.p." */

		refused_free(t, "malformed token");
		refused_free(tt_raw(nones[i], payload, NULL, 0), "malformed token"); /* "h.p" */
		refused_free(tt_raw(nones[i], payload, sig, 64), "algorithm not allowed");
	}
	/* alg missing, or not a string. */
	refused_free(tt_raw("{\"typ\":\"at+jwt\",\"kid\":\"k1\"}", payload, sig, 64),
		"malformed token");
	refused_free(tt_raw("{\"alg\":[\"ES256\"],\"typ\":\"at+jwt\",\"kid\":\"k1\"}", payload, sig,
		64), "malformed token");
	refused_free(tt_raw("{\"alg\":\"es256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}", payload, sig,
		64), "algorithm not allowed");
}

static void
test_signature_missing(void **state)
{
	char *t = strdup(genuine);

	(void)state;
	/* Empty third part. */
	*(strrchr(t, '.') + 1) = '\0';
	refused(t, "malformed token");
	/* Two parts. */
	*strrchr(t, '.') = '\0';
	refused(t, "malformed token");
	/* One part, and nothing. */
	*strchr(t, '.') = '\0';
	refused(t, "malformed token");
	refused_len(genuine, 0, "token missing", NULL);
	free(t);
	/* Four and five parts (a JWE shape). */
	if (asprintf(&t, "%s.", genuine) < 0)
		fail();
	refused_free(t, "malformed token");
	if (asprintf(&t, "%s.AAAA.AAAA", genuine) < 0)
		fail();
	refused_free(t, "malformed token");
}

/* The classic: HS256 with the issuer's public key as the HMAC secret. */
static void
test_hmac_with_public_key(void **state)
{
	const char *hdr = "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}";
	char *input = tt_raw(hdr, payload, NULL, 0), *pem = NULL, *jwk_text;
	json_t *jwk = jet_jwk_public_json(key);
	BIO *bio = BIO_new(BIO_s_mem());
	uint8_t mac[32];
	long pemlen;

	(void)state;
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PUBKEY(bio, key->pkey), 1);
	pemlen = BIO_get_mem_data(bio, &pem);
	assert_true(pemlen > 0);
	assert_int_equal(jet_hmac_sha256(pem, (size_t)pemlen, input, strlen(input), mac), JET_OK);
	refused_free(tt_raw(hdr, payload, mac, 32), "algorithm not allowed");
	jwk_text = tt_json(jwk);
	assert_int_equal(jet_hmac_sha256(jwk_text, strlen(jwk_text), input, strlen(input), mac),
		JET_OK);
	refused_free(tt_raw(hdr, payload, mac, 32), "algorithm not allowed");
	/* Without kid, and as HS384/HS512, the same. */
	refused_free(tt_raw("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", payload, mac, 32),
		"algorithm not allowed");
	refused_free(tt_raw("{\"alg\":\"HS512\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}", payload, mac,
		32), "algorithm not allowed");
	free(jwk_text);
	json_decref(jwk);
	BIO_free(bio);
	free(input);
}

/* Another algorithm named in the header than the key's. */
static void
test_alg_confusion(void **state)
{
	uint8_t sig[64];

	(void)state;
	genuine_sig(sig);
	/* RS256 and EdDSA are in the default allow-list, but not the key's. */
	refused_free(tt_raw("{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}", payload, sig,
		64), "bad signature");
	refused_free(tt_raw("{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}", payload, sig,
		64), "bad signature");
	refused_free(tt_raw("{\"alg\":\"PS256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}", payload, sig,
		64), "algorithm not allowed");
	refused_free(tt_raw("{\"alg\":\"ES384\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}", payload, sig,
		64), "algorithm not allowed");
}

/* ------------------------------------------------------------------------
 * Keys from the token, and kid games
 * --------------------------------------------------------------------- */

static void
test_injected_keys(void **state)
{
	json_t *jwk = jet_jwk_public_json(attacker);
	char *jwk_text = tt_json(jwk), hdr[1024];

	(void)state;
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\",\"jwk\":%s}",
		jwk_text);
	refused_free(tt_raw_signed(attacker, hdr, payload), "malformed token");
	refused_free(tt_raw_signed(attacker, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\","
		"\"jku\":\"https://evil.test/jwks.json\"}", payload), "malformed token");
	refused_free(tt_raw_signed(attacker, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\","
		"\"x5u\":\"https://evil.test/cert.pem\"}", payload), "malformed token");
	refused_free(tt_raw_signed(attacker, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\","
		"\"x5c\":[\"MIIB\"]}", payload), "malformed token");
	/* And with the attacker's key simply claiming our kid. */
	refused_free(tt_raw_signed(attacker, HDR, payload), "bad signature");
	free(jwk_text);
	json_decref(jwk);
}

static void
test_kid_games(void **state)
{
	struct jet_jwk *evil = tt_key(JET_JWS_ES256, "evil");

	(void)state;
	refused_free(tt_token(evil), "unknown key");
	refused_free(tt_raw_signed(evil, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\","
		"\"kid\":\"../../etc/passwd\"}", payload), "malformed token");
	refused_free(tt_raw_signed(evil, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\","
		"\"kid\":\"x' OR '1'='1\"}", payload), "malformed token");
	refused_free(tt_raw_signed(evil, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"\"}",
		payload), "malformed token");
	refused_free(tt_raw_signed(evil, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":1}",
		payload), "malformed token");
	refused_free(tt_raw_signed(evil, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\","
		"\"kid\":\"k1\\u0000\"}", payload), "malformed token");
	/* No kid: the one key is tried, and fails. */
	refused_free(tt_raw_signed(evil, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}", payload),
		"bad signature");
	jet_jwk_free(evil);
}

/* ------------------------------------------------------------------------
 * Claims an attacker would like to change
 * --------------------------------------------------------------------- */

static void
test_wrong_claims(void **state)
{
	json_t *c;

	(void)state;
	refused_free(with_claims(json_pack("{s:s}", "iss", "https://evil.test"), "at+jwt", key),
		"unknown issuer");
	c = tt_claims();
	json_object_set_new(c, "iss", json_string("https://evil.test"));
	refused_free(with_claims(c, "at+jwt", attacker), "unknown issuer");
	c = tt_claims();
	json_object_set_new(c, "aud", json_string("another-api"));
	refused_free(with_claims(c, "at+jwt", key), "wrong audience");
	c = tt_claims();
	json_object_set_new(c, "aud", json_pack("[[s]]", TT_AUD));
	refused_free(with_claims(c, "at+jwt", key), "wrong audience");
	c = tt_claims();
	json_object_set_new(c, "aud", json_pack("{s:b}", TT_AUD, 1));
	refused_free(with_claims(c, "at+jwt", key), "wrong audience");
	c = tt_claims();
	json_object_set_new(c, "exp", json_integer(TT_NOW - 3600));
	json_object_set_new(c, "iat", json_integer(TT_NOW - 4200));
	json_object_set_new(c, "nbf", json_integer(TT_NOW - 4200));
	refused_free(with_claims(c, "at+jwt", key), "expired");
	c = tt_claims();
	json_object_set_new(c, "nbf", json_integer(TT_NOW + 300));
	refused_free(with_claims(c, "at+jwt", key), "not yet valid");
}

/* An ID token and a client assertion are JWTs from the right issuer, but
 * not access tokens. */
static void
test_wrong_typ(void **state)
{
	json_t *c;

	(void)state;
	refused_free(with_claims(tt_claims(), "JWT", key), "wrong token type");
	c = tt_claims();
	json_object_set_new(c, "nonce", json_string("n-0S6_WzA2Mj"));
	json_object_set_new(c, "at_hash", json_string("77QmUPtjPfzWtF2AnpK9RQ"));
	json_object_set_new(c, "auth_time", json_integer(TT_NOW - 10));
	refused_free(with_claims(c, NULL, key), "wrong token type");
	c = tt_claims();
	json_object_set_new(c, "nonce", json_string("n-0S6_WzA2Mj"));
	refused_free(with_claims(c, "JWT", key), "wrong token type");
	refused_free(with_claims(tt_claims(), "client-authentication+jwt", key),
		"wrong token type");
	refused_free(with_claims(tt_claims(), "id_token+jwt", key), "wrong token type");
}

static void
test_crit_and_friends(void **state)
{
	(void)state;
	refused_free(tt_raw_signed(key, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\","
		"\"crit\":[\"exp\"],\"exp\":1}", payload), "malformed token");
	refused_free(tt_raw_signed(key, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\","
		"\"crit\":[]}", payload), "malformed token");
	refused_free(tt_raw_signed(key, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\","
		"\"b64\":false}", payload), "malformed token");
	refused_free(tt_raw_signed(key, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\","
		"\"zip\":\"DEF\"}", payload), "malformed token");
	/* typ of the wrong type. */
	refused_free(tt_raw_signed(key, "{\"alg\":\"ES256\",\"typ\":1,\"kid\":\"k1\"}", payload),
		"malformed token");
}

static void
test_tampered_payload(void **state)
{
	json_t *c = tt_claims();
	char *claims, *t;
	uint8_t sig[64];

	(void)state;
	genuine_sig(sig);
	json_object_set_new(c, "buildings", json_pack("{s:s}", "*", "admin"));
	json_object_set_new(c, "scope", json_string("admin"));
	claims = tt_json(c);
	refused_free(tt_raw(HDR, claims, sig, 64), "bad signature");
	/* The same claims, re-encoded with a space: other bytes, same meaning. */
	free(claims);
	json_decref(c);
	c = tt_claims();
	claims = json_dumps(c, JSON_INDENT(1));
	refused_free(tt_raw(HDR, claims, sig, 64), "bad signature");
	/* The header changed instead (an extra member). */
	refused_free(tt_raw("{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\",\"x\":1}",
		payload, sig, 64), "bad signature");
	/* One bit of the signature. */
	sig[10] ^= 0x01;
	refused_free(with_sig(sig, 64), "bad signature");
	/* And the genuine signing input is really the one signed. */
	sig[10] ^= 0x01;
	t = with_sig(sig, 64);
	assert_string_equal(t, genuine);
	free(t);
	free(claims);
	json_decref(c);
}

/* ------------------------------------------------------------------------
 * ECDSA signature encodings
 * --------------------------------------------------------------------- */

static void
test_ecdsa_lengths(void **state)
{
	uint8_t sig[72], der[80], *p = der;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r, *s;
	int derlen;

	(void)state;
	genuine_sig(sig);
	refused_free(with_sig(sig, 63), "bad signature");
	sig[64] = 0;
	refused_free(with_sig(sig, 65), "bad signature");
	memmove(sig + 1, sig, 64);
	sig[0] = 0;
	refused_free(with_sig(sig, 65), "bad signature"); /* leading zero */
	memmove(sig, sig + 1, 64);
	refused_free(with_sig(sig, 32), "bad signature");
	refused_free(with_sig(sig, 0), "malformed token");
	/* The same r and s, DER-encoded (what OpenSSL itself would emit). */
	r = BN_bin2bn(sig, 32, NULL);
	s = BN_bin2bn(sig + 32, 32, NULL);
	assert_non_null(es);
	assert_int_equal(ECDSA_SIG_set0(es, r, s), 1);
	derlen = i2d_ECDSA_SIG(es, &p);
	assert_true(derlen > 0 && derlen <= (int)sizeof(der));
	refused_free(with_sig(der, (size_t)derlen), "bad signature");
	ECDSA_SIG_free(es);
}

static void
test_ecdsa_ranges(void **state)
{
	uint8_t good[64], sig[64];

	(void)state;
	genuine_sig(good);
	/* r = 0, s = 0 (and both). */
	memcpy(sig, good, 64);
	memset(sig, 0, 32);
	refused_free(with_sig(sig, 64), "bad signature");
	memcpy(sig, good, 64);
	memset(sig + 32, 0, 32);
	refused_free(with_sig(sig, 64), "bad signature");
	memset(sig, 0, 64);
	refused_free(with_sig(sig, 64), "bad signature");
	/* r = n, s = n. */
	memcpy(sig, good, 64);
	memcpy(sig, p256_n, 32);
	refused_free(with_sig(sig, 64), "bad signature");
	memcpy(sig, good, 64);
	memcpy(sig + 32, p256_n, 32);
	refused_free(with_sig(sig, 64), "bad signature");
	/* s = n + 1, s = 2^256 - 1, r = n + r (congruent, out of range). */
	memcpy(sig, good, 64);
	memcpy(sig + 32, p256_n, 32);
	sig[63]++;
	refused_free(with_sig(sig, 64), "bad signature");
	memset(sig + 32, 0xff, 32);
	refused_free(with_sig(sig, 64), "bad signature");
	{
		/* r + n, when it fits in 256 bits (r < 2^256 - n). */
		unsigned carry = 0;

		memcpy(sig, good, 64);
		for (int i = 31; i >= 0; i--) {
			unsigned x = sig[i] + p256_n[i] + carry;

			sig[i] = (uint8_t)x;
			carry = x >> 8;
		}
		if (carry == 0)
			refused_free(with_sig(sig, 64), "bad signature");
	}
}

/* ------------------------------------------------------------------------
 * base64url and JSON strictness
 * --------------------------------------------------------------------- */

static char
b64_char(unsigned x)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

	return a[x & 63];
}

static unsigned
b64_val(char c)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

	return (unsigned)(strchr(a, c) - a);
}

static void
test_noncanonical_b64(void **state)
{
	char *t = strdup(genuine), *last, *padded;
	size_t len = strlen(t);
	bool converted = false;

	(void)state;
	/* 64 bytes are 86 characters with 4 unused bits in the last one. */
	last = t + len - 1;
	assert_int_equal(b64_val(*last) & 0x0f, 0);
	*last = b64_char(b64_val(*last) | 1);
	refused(t, "malformed token");
	*last = b64_char(b64_val(*last) | 8);
	refused(t, "malformed token");
	free(t);
	/* Padding on the signature, on the header. */
	if (asprintf(&padded, "%s==", genuine) < 0)
		fail();
	refused_free(padded, "malformed token");
	{
		const char *dot = strchr(genuine, '.');

		if (asprintf(&padded, "%.*s=%s", (int)(dot - genuine), genuine, dot) < 0)
			fail();
		refused_free(padded, "malformed token");
	}
	/* The standard alphabet's '+' and '/' for '-' and '_': signatures are
	 * random, so sign until one holds either character. */
	for (int tries = 0; tries < 64 && !converted; tries++) {
		char *tok = tt_token(key);

		for (char *c = tok; *c != '\0'; c++) {
			if (*c == '-' || *c == '_') {
				*c = *c == '-' ? '+' : '/';
				converted = true;
			}
		}
		if (converted)
			refused(tok, "malformed token");
		free(tok);
	}
	assert_true(converted);
	/* Whitespace and a NUL inside. */
	if (asprintf(&padded, " %s", genuine) < 0)
		fail();
	refused_free(padded, "malformed token");
	if (asprintf(&padded, "%s\n", genuine) < 0)
		fail();
	refused_free(padded, "malformed token");
	t = strdup(genuine);
	refused_len(t, len + 1, "malformed token", NULL); /* the NUL counted */
	free(t);
}

static void
test_duplicate_keys(void **state)
{
	char *dup;

	(void)state;
	refused_free(tt_raw_signed(key, "{\"alg\":\"ES256\",\"alg\":\"ES256\",\"typ\":\"at+jwt\","
		"\"kid\":\"k1\"}", payload), "malformed token");
	refused_free(tt_raw_signed(key, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k2\","
		"\"kid\":\"k1\"}", payload), "malformed token");
	/* Payload: a second "sub", "aud" or "buildings" after the genuine ones. */
	if (asprintf(&dup, "%.*s,\"sub\":\"admin\"}", (int)strlen(payload) - 1, payload) < 0)
		fail();
	refused_free(tt_raw_signed(key, HDR, dup), "malformed token");
	free(dup);
	if (asprintf(&dup, "%.*s,\"aud\":\"x\"}", (int)strlen(payload) - 1, payload) < 0)
		fail();
	refused_free(tt_raw_signed(key, HDR, dup), "malformed token");
	free(dup);
	if (asprintf(&dup, "%.*s,\"buildings\":{\"*\":\"admin\"}}", (int)strlen(payload) - 1,
		    payload) < 0)
		fail();
	refused_free(tt_raw_signed(key, HDR, dup), "malformed token");
	free(dup);
	/* Not an object; nested too deep. */
	refused_free(tt_raw_signed(key, HDR, "[]"), "malformed token");
	refused_free(tt_raw_signed(key, HDR, "\"x\""), "malformed token");
	refused_free(tt_raw_signed(key, HDR, "{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}"),
		"malformed token");
	refused_free(tt_raw_signed(key, "[\"ES256\"]", payload), "malformed token");
}

/* ------------------------------------------------------------------------
 * Size and binding
 * --------------------------------------------------------------------- */

static void
test_oversized(void **state)
{
	struct jet_verifier_conf conf;
	struct jet_verifier *small;
	size_t len = strlen(genuine);
	char *big = malloc(1 << 20);

	(void)state;
	assert_non_null(big);
	memset(big, 'A', 1 << 20);
	refused_len(big, 1 << 20, "token too large", NULL);
	refused_len(big, 8193, "token too large", NULL);
	free(big);
	/* At max_token_len exactly it passes; one byte less and it does not. */
	jet_verifier_conf_default(&conf);
	conf.issuers = &ic;
	conf.nissuers = 1;
	conf.max_token_len = len;
	small = tt_verifier_conf(&conf);
	assert_string_equal(tt_why(small, genuine), "");
	jet_verifier_free(small);
	conf.max_token_len = len - 1;
	small = tt_verifier_conf(&conf);
	assert_string_equal(tt_why(small, genuine), "token too large");
	jet_verifier_free(small);
}

static void
test_certificate_binding(void **state)
{
	json_t *c = tt_claims();
	char *t, other[44];

	(void)state;
	json_object_set_new(c, "cnf", json_pack("{s:s}", "x5t#S256", TT_X5T));
	t = with_claims(c, "at+jwt", key);
	refused_len(t, strlen(t), "certificate binding", NULL);
	snprintf(other, sizeof(other), "%s", TT_X5T);
	other[0] = 'X';
	refused_len(t, strlen(t), "certificate binding", other);
	other[0] = TT_X5T[0];
	other[42] = '\0';
	refused_len(t, strlen(t), "certificate binding", other); /* a prefix */
	refused_len(t, strlen(t), "certificate binding", "");
	/* The right certificate: accepted (then refused again without it,
	 * from the cache). */
	assert_int_equal(tt_verify_at(v, t, TT_X5T, TT_NOW, NULL, NULL), JET_OK);
	accepted++;
	refused_len(t, strlen(t), "certificate binding", NULL);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alg_none),
		cmocka_unit_test(test_signature_missing),
		cmocka_unit_test(test_hmac_with_public_key),
		cmocka_unit_test(test_alg_confusion),
		cmocka_unit_test(test_injected_keys),
		cmocka_unit_test(test_kid_games),
		cmocka_unit_test(test_wrong_claims),
		cmocka_unit_test(test_wrong_typ),
		cmocka_unit_test(test_crit_and_friends),
		cmocka_unit_test(test_tampered_payload),
		cmocka_unit_test(test_ecdsa_lengths),
		cmocka_unit_test(test_ecdsa_ranges),
		cmocka_unit_test(test_noncanonical_b64),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_certificate_binding),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
