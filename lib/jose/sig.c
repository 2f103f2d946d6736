/*
 * sig.c - JOSE signatures over OpenSSL 3 EVP (RFC 7518 §3, RFC 8037 §3.1)
 * and HMAC-SHA-256.
 *
 * The JOSE encoding is checked here, before OpenSSL sees anything:
 *  - ECDSA: exactly r||s of twice the field size (64 bytes for P-256, 96
 *    for P-384), r and s each in [1, n-1], compared big-endian against the
 *    group order.  The DER that OpenSSL verifies is then built from r and s
 *    (minimal INTEGERs), so no attacker-controlled DER is ever parsed and
 *    there is exactly one accepted encoding of each signature.
 *  - Ed25519: exactly 64 bytes (pure EdDSA, no pre-hash, NULL digest).
 *  - RSA: exactly the modulus size; PKCS#1 v1.5 with SHA-256 (RS256) or
 *    PSS with SHA-256, MGF1-SHA-256 and a salt of exactly 32 bytes (PS256).
 *
 * The key must fit the algorithm (jose_pkey_fits): an RSA key never checks
 * an ES256 signature, an HMAC or "none" never gets this far.  Every failure
 * to verify, malformed encodings included, is JET_EPERM; the OpenSSL error
 * queue is cleared so that nothing about a rejected token lingers on the
 * thread.  Contexts are made per call: nothing here is shared between
 * threads but the (read-only) EVP_PKEY.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "jose_int.h"

/* ------------------------------------------------------------------------
 * ECDSA r||s <-> DER
 * --------------------------------------------------------------------- */

/* 1 <= v <= n-1 for a big-endian v of the order's size. */
static bool
scalar_in_range(const uint8_t *v, const uint8_t *order, size_t len)
{
	uint8_t any = 0;

	for (size_t i = 0; i < len; i++)
		any |= v[i];
	/* Equal-length big-endian strings compare bytewise as numbers. */
	return any != 0 && memcmp(v, order, len) < 0;
}

/* Appends a minimal DER INTEGER holding the non-zero unsigned v. */
static size_t
der_integer(uint8_t *out, const uint8_t *v, size_t len)
{
	size_t o = 0;
	bool pad;

	while (len > 1 && v[0] == 0) {
		v++;
		len--;
	}
	pad = (v[0] & 0x80) != 0; /* a set high bit would read as negative */
	out[o++] = 0x02;
	out[o++] = (uint8_t)(len + pad); /* <= 49: short-form length */
	if (pad)
		out[o++] = 0x00;
	memcpy(out + o, v, len);
	return o + len;
}

/* SEQUENCE { INTEGER r, INTEGER s } of r||s; out holds 8 + 2*(field+1). */
#define DER_SIG_MAX (8 + 2 * (JOSE_EC_MAX_FIELD + 1))

static size_t
der_from_rs(uint8_t out[DER_SIG_MAX], const uint8_t *rs, size_t field)
{
	uint8_t body[2 * (JOSE_EC_MAX_FIELD + 3)];
	size_t blen = 0, o = 0;

	blen += der_integer(body, rs, field);
	blen += der_integer(body + blen, rs + field, field);
	out[o++] = 0x30;
	if (blen >= 128) /* P-384 can reach 102 content bytes */
		out[o++] = 0x81;
	out[o++] = (uint8_t)blen;
	memcpy(out + o, body, blen);
	return o + blen;
}

/* OpenSSL's own DER (never the peer's) to fixed-size r||s. */
static int
rs_from_der(const uint8_t *der, size_t derlen, size_t field, uint8_t *out)
{
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	const BIGNUM *r, *s;
	int rc = JET_ETLS;

	if (es == NULL)
		return JET_ETLS;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, out, (int)field) == (int)field &&
		BN_bn2binpad(s, out + field, (int)field) == (int)field)
		rc = JET_OK;
	ECDSA_SIG_free(es);
	return rc;
}

/* ------------------------------------------------------------------------
 * Contexts
 * --------------------------------------------------------------------- */

static const char *
digest_of(enum jet_jws_alg alg)
{
	const struct jose_curve *c = jose_curve_by_alg(alg);

	if (c != NULL)
		return c->md;
	if (alg == JET_JWS_RS256 || alg == JET_JWS_PS256)
		return "SHA256";
	return NULL; /* Ed25519 hashes internally */
}

/* RSA padding on a fresh signing or verifying context. */
static bool
set_padding(enum jet_jws_alg alg, EVP_PKEY_CTX *pctx)
{
	if (alg == JET_JWS_RS256)
		return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0;
	if (alg == JET_JWS_PS256)
		/* RFC 7518 §3.5: salt as long as the hash; verification
		 * requires exactly that rather than recovering it. */
		return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
			EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", NULL) > 0 &&
			EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) > 0;
	return true;
}

int
jet_sig_verify(enum jet_jws_alg alg, EVP_PKEY *pkey, const void *msg, size_t len,
	const uint8_t *sig, size_t siglen)
{
	const struct jose_curve *c = jose_curve_by_alg(alg);
	uint8_t der[DER_SIG_MAX];
	const uint8_t *vsig = sig;
	size_t vlen = siglen;
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int rc = JET_EPERM;

	if (!jet_jws_alg_asymmetric(alg) || jose_pkey_fits(alg, pkey) != JET_OK)
		return JET_EINVAL;
	if (sig == NULL || (msg == NULL && len > 0))
		return JET_EPERM;
	if (siglen != jose_sig_max(alg, pkey))
		return JET_EPERM;
	if (c != NULL) {
		if (!scalar_in_range(sig, c->order, c->field) ||
			!scalar_in_range(sig + c->field, c->order, c->field))
			return JET_EPERM;
		vlen = der_from_rs(der, sig, c->field);
		vsig = der;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return JET_ENOMEM;
	if (EVP_DigestVerifyInit_ex(ctx, &pctx, digest_of(alg), NULL, NULL, pkey, NULL) != 1 ||
		!set_padding(alg, pctx))
		goto out;
	if (EVP_DigestVerify(ctx, vsig, vlen, msg != NULL ? msg : (const void *)"", len) == 1)
		rc = JET_OK;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/*
 * ECDSA signing is on the token endpoint's hot path.  OpenSSL 3 looks up
 * the digest and the signature implementation by name for every new
 * context, which costs about a sixth of a signature; so each thread keeps
 * one initialised signing context for the last key it signed with, and the
 * digest is fetched once.  The context holds a reference to its key, so a
 * key freed elsewhere is not reused under it.
 */
struct sign_cache {
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *pctx;
};

static pthread_once_t sign_once = PTHREAD_ONCE_INIT;
static pthread_key_t sign_key;
static EVP_MD *md_sha256, *md_sha384;

static void
sign_cache_free(void *p)
{
	struct sign_cache *c = p;

	EVP_PKEY_CTX_free(c->pctx);
	free(c);
}

static void
sign_init_once(void)
{
	if (pthread_key_create(&sign_key, sign_cache_free) != 0)
		return;
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	md_sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
}

/* This thread's signing context for pkey, or NULL (then the caller takes
 * the general path). */
static EVP_PKEY_CTX *
ecdsa_ctx(EVP_PKEY *pkey)
{
	struct sign_cache *c;

	pthread_once(&sign_once, sign_init_once);
	if (md_sha256 == NULL || md_sha384 == NULL)
		return NULL;
	if ((c = pthread_getspecific(sign_key)) == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return NULL;
		if (pthread_setspecific(sign_key, c) != 0) {
			free(c);
			return NULL;
		}
	}
	if (c->pkey == pkey && c->pctx != NULL)
		return c->pctx;
	EVP_PKEY_CTX_free(c->pctx);
	c->pctx = NULL;
	c->pkey = NULL;
	if ((c->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
		EVP_PKEY_sign_init(c->pctx) != 1) {
		EVP_PKEY_CTX_free(c->pctx);
		c->pctx = NULL;
		return NULL;
	}
	c->pkey = pkey;
	return c->pctx;
}

/* The fast path: digest, then sign the digest on the cached context.
 * JET_AGAIN when the cache is unavailable. */
static int
ecdsa_sign_fast(const struct jose_curve *c, EVP_PKEY *pkey, const void *msg, size_t len,
	uint8_t *sig)
{
	EVP_PKEY_CTX *pctx = ecdsa_ctx(pkey);
	const EVP_MD *md;
	uint8_t dgst[EVP_MAX_MD_SIZE], der[DER_SIG_MAX + 8];
	unsigned int dlen = 0;
	size_t outlen = sizeof(der);

	if (pctx == NULL)
		return JET_AGAIN;
	md = strcmp(c->md, "SHA384") == 0 ? md_sha384 : md_sha256;
	if (EVP_Digest(msg, len, dgst, &dlen, md, NULL) != 1 ||
		EVP_PKEY_sign(pctx, der, &outlen, dgst, dlen) != 1) {
		ERR_clear_error();
		return JET_ETLS;
	}
	return rs_from_der(der, outlen, c->field, sig);
}

int
jet_sig_sign(enum jet_jws_alg alg, EVP_PKEY *pkey, const void *msg, size_t len,
	uint8_t *sig, size_t sigcap, size_t *siglen)
{
	const struct jose_curve *c = jose_curve_by_alg(alg);
	size_t want, outlen;
	uint8_t der[DER_SIG_MAX + 8];
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int rc = JET_ETLS;

	*siglen = 0;
	if (!jet_jws_alg_asymmetric(alg) || jose_pkey_fits(alg, pkey) != JET_OK)
		return JET_EINVAL;
	if (msg == NULL && len > 0)
		return JET_EINVAL;
	want = jose_sig_max(alg, pkey);
	if (want == 0 || sigcap < want)
		return JET_ETOOBIG;
	if (c != NULL && (rc = ecdsa_sign_fast(c, pkey, msg != NULL ? msg : "", len, sig)) !=
		JET_AGAIN) {
		if (rc == JET_OK)
			*siglen = want;
		return rc;
	}
	rc = JET_ETLS;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return JET_ENOMEM;
	if (EVP_DigestSignInit_ex(ctx, &pctx, digest_of(alg), NULL, NULL, pkey, NULL) != 1 ||
		!set_padding(alg, pctx))
		goto out;
	if (msg == NULL)
		msg = "";
	if (c != NULL) {
		outlen = sizeof(der);
		if (EVP_DigestSign(ctx, der, &outlen, msg, len) != 1)
			goto out;
		rc = rs_from_der(der, outlen, c->field, sig);
	} else {
		outlen = sigcap;
		if (EVP_DigestSign(ctx, sig, &outlen, msg, len) != 1 || outlen != want)
			goto out;
		rc = JET_OK;
	}
	if (rc == JET_OK)
		*siglen = want;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/* ------------------------------------------------------------------------
 * HMAC
 * --------------------------------------------------------------------- */

int
jet_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len, uint8_t out[32])
{
	size_t outlen = 0;
	int rc = JET_OK;

	if ((key == NULL && keylen > 0) || (msg == NULL && len > 0))
		return JET_EINVAL;
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key != NULL ? key : "", keylen,
		    msg != NULL ? msg : "", len, out, 32, &outlen) == NULL ||
		outlen != 32)
		rc = JET_ETLS;
	ERR_clear_error();
	return rc;
}
