/*
 * Unit tests for lib/jose raw signatures: sign/verify round trips for
 * every algorithm, cross-checked against OpenSSL used directly (ECDSA DER
 * built with ECDSA_SIG, PSS with an explicit salt), and every refusal:
 * wrong key type or size for the algorithm, HS256 and unknown algorithms,
 * signatures of the wrong length, r or s equal to 0, to n or above it,
 * tampered messages and signatures, PKCS#1 v1.5 and PSS confused, PSS salt
 * other than 32 bytes.  HMAC-SHA-256 against RFC 4231.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "jet/jose.h"
/* The module's curve table, to check its group orders against OpenSSL's. */
#include "../../../lib/jose/jose_int.h"

struct keys {
	EVP_PKEY *p256, *p384, *ed25519, *rsa2048, *rsa1024, *k256, *ed448;
};

static int
setup(void **state)
{
	struct keys *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return -1;
	k->p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	k->p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	k->ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	k->rsa2048 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	k->rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	k->k256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	k->ed448 = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	*state = k;
	return k->p256 && k->p384 && k->ed25519 && k->rsa2048 && k->rsa1024 && k->k256 &&
			k->ed448 ?
		0 :
		-1;
}

static int
teardown(void **state)
{
	struct keys *k = *state;

	EVP_PKEY_free(k->p256);
	EVP_PKEY_free(k->p384);
	EVP_PKEY_free(k->ed25519);
	EVP_PKEY_free(k->rsa2048);
	EVP_PKEY_free(k->rsa1024);
	EVP_PKEY_free(k->k256);
	EVP_PKEY_free(k->ed448);
	free(k);
	return 0;
}

static const char msg[] = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0";

static void
round_trip(enum jet_jws_alg alg, EVP_PKEY *pkey, size_t want_len)
{
	uint8_t sig[JET_JWS_SIG_MAX + 8], bad[JET_JWS_SIG_MAX + 8];
	size_t len = 0;

	assert_int_equal(jet_sig_sign(alg, pkey, msg, strlen(msg), sig, sizeof(sig), &len), JET_OK);
	assert_int_equal(len, want_len);
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), sig, len), JET_OK);
	/* Tampered message. */
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg) - 1, sig, len), JET_EPERM);
	assert_int_equal(jet_sig_verify(alg, pkey, "x", 1, sig, len), JET_EPERM);
	/* Every single-bit flip in the first and last bytes of the signature. */
	for (int bit = 0; bit < 8; bit++) {
		memcpy(bad, sig, len);
		bad[0] ^= (uint8_t)(1u << bit);
		assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), bad, len), JET_EPERM);
		memcpy(bad, sig, len);
		bad[len - 1] ^= (uint8_t)(1u << bit);
		assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), bad, len), JET_EPERM);
	}
	/* Truncated and extended signatures. */
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), sig, len - 1), JET_EPERM);
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), sig, 0), JET_EPERM);
	memcpy(bad, sig, len);
	bad[len] = 0;
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), bad, len + 1), JET_EPERM);
	memmove(bad + 1, sig, len);
	bad[0] = 0;
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), bad, len + 1), JET_EPERM);
	/* Too small a buffer to sign into. */
	assert_int_equal(jet_sig_sign(alg, pkey, msg, strlen(msg), sig, want_len - 1, &len),
		JET_ETOOBIG);
	/* The empty message signs and verifies too. */
	assert_int_equal(jet_sig_sign(alg, pkey, "", 0, sig, sizeof(sig), &len), JET_OK);
	assert_int_equal(jet_sig_verify(alg, pkey, "", 0, sig, len), JET_OK);
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), sig, len), JET_EPERM);
}

static void
test_round_trip_es256(void **state)
{
	round_trip(JET_JWS_ES256, ((struct keys *)*state)->p256, 64);
}

static void
test_round_trip_es384(void **state)
{
	round_trip(JET_JWS_ES384, ((struct keys *)*state)->p384, 96);
}

static void
test_round_trip_eddsa(void **state)
{
	round_trip(JET_JWS_EDDSA, ((struct keys *)*state)->ed25519, 64);
}

static void
test_round_trip_rs256(void **state)
{
	round_trip(JET_JWS_RS256, ((struct keys *)*state)->rsa2048, 256);
}

static void
test_round_trip_ps256(void **state)
{
	round_trip(JET_JWS_PS256, ((struct keys *)*state)->rsa2048, 256);
}

/* r||s -> DER with OpenSSL's own encoder, then OpenSSL's verifier. */
static bool
openssl_verify_rs(EVP_PKEY *pkey, const char *md, const uint8_t *rs, size_t field,
	const void *m, size_t mlen)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs, (int)field, NULL), *s = BN_bin2bn(rs + field, (int)field, NULL);
	unsigned char *der = NULL;
	int derlen;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok;

	assert_non_null(es);
	assert_int_equal(ECDSA_SIG_set0(es, r, s), 1);
	derlen = i2d_ECDSA_SIG(es, &der);
	assert_true(derlen > 0);
	ok = EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL, pkey, NULL) == 1 &&
		EVP_DigestVerify(ctx, der, (size_t)derlen, m, mlen) == 1;
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	return ok;
}

/* OpenSSL's DER signature -> r||s, for our verifier. */
static void
openssl_sign_rs(EVP_PKEY *pkey, const char *md, size_t field, const void *m, size_t mlen,
	uint8_t *rs)
{
	unsigned char der[160];
	const unsigned char *p = der;
	size_t derlen = sizeof(der);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ECDSA_SIG *es;
	const BIGNUM *r, *s;

	assert_int_equal(EVP_DigestSignInit_ex(ctx, NULL, md, NULL, NULL, pkey, NULL), 1);
	assert_int_equal(EVP_DigestSign(ctx, der, &derlen, m, mlen), 1);
	es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	assert_non_null(es);
	ECDSA_SIG_get0(es, &r, &s);
	assert_int_equal(BN_bn2binpad(r, rs, (int)field), (int)field);
	assert_int_equal(BN_bn2binpad(s, rs + field, (int)field), (int)field);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(ctx);
}

static void
cross_check_ecdsa(enum jet_jws_alg alg, EVP_PKEY *pkey, const char *md, size_t field)
{
	uint8_t sig[96], m[40];
	size_t len;

	/* Enough signatures that r or s with a leading zero byte, or with the
	 * high bit set (DER needs a 0x00 pad), come up along the way. */
	for (int i = 0; i < 300; i++) {
		assert_int_equal(RAND_bytes(m, sizeof(m)), 1);
		assert_int_equal(jet_sig_sign(alg, pkey, m, sizeof(m), sig, sizeof(sig), &len),
			JET_OK);
		assert_int_equal(len, 2 * field);
		assert_true(openssl_verify_rs(pkey, md, sig, field, m, sizeof(m)));
		openssl_sign_rs(pkey, md, field, m, sizeof(m), sig);
		assert_int_equal(jet_sig_verify(alg, pkey, m, sizeof(m), sig, 2 * field), JET_OK);
	}
}

static void
test_ecdsa_interop_p256(void **state)
{
	cross_check_ecdsa(JET_JWS_ES256, ((struct keys *)*state)->p256, "SHA256", 32);
}

static void
test_ecdsa_interop_p384(void **state)
{
	cross_check_ecdsa(JET_JWS_ES384, ((struct keys *)*state)->p384, "SHA384", 48);
}

/* The group order n of pkey's curve, big-endian, field bytes. */
static void
curve_order(EVP_PKEY *pkey, uint8_t *out, size_t field)
{
	BIGNUM *n = NULL;

	assert_int_equal(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_ORDER, &n), 1);
	assert_int_equal(BN_bn2binpad(n, out, (int)field), (int)field);
	BN_free(n);
}

/* Big-endian v += d (d small), no overflow expected. */
static void
be_add(uint8_t *v, size_t len, unsigned d)
{
	for (size_t i = len; i-- > 0 && d > 0;) {
		unsigned t = v[i] + d;

		v[i] = (uint8_t)t;
		d = t >> 8;
	}
}

static void
scalar_range(enum jet_jws_alg alg, EVP_PKEY *pkey, size_t field)
{
	uint8_t good[96], bad[96], n[48];
	size_t len;

	curve_order(pkey, n, field);
	assert_int_equal(jet_sig_sign(alg, pkey, msg, strlen(msg), good, sizeof(good), &len),
		JET_OK);
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), good, len), JET_OK);
	/* r = 0, s = 0, both 0. */
	memcpy(bad, good, len);
	memset(bad, 0, field);
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), bad, len), JET_EPERM);
	memcpy(bad, good, len);
	memset(bad + field, 0, field);
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), bad, len), JET_EPERM);
	memset(bad, 0, len);
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), bad, len), JET_EPERM);
	/* r = n, s = n. */
	memcpy(bad, good, len);
	memcpy(bad, n, field);
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), bad, len), JET_EPERM);
	memcpy(bad, good, len);
	memcpy(bad + field, n, field);
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), bad, len), JET_EPERM);
	/* s = n + 1 and s = 2^k - 1 (above n). */
	memcpy(bad, good, len);
	memcpy(bad + field, n, field);
	be_add(bad + field, field, 1);
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), bad, len), JET_EPERM);
	memset(bad + field, 0xff, field);
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), bad, len), JET_EPERM);
	/* r = n - 1, s = 1: in range, so it reaches OpenSSL, which refuses. */
	memcpy(bad, n, field);
	bad[field - 1]--;
	memset(bad + field, 0, field);
	bad[2 * field - 1] = 1;
	assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), bad, len), JET_EPERM);
	/* (r, n - s) is the other valid ECDSA signature: JOSE accepts both. */
	{
		uint8_t neg[48];
		unsigned borrow = 0;

		for (size_t i = field; i-- > 0;) {
			int t = (int)n[i] - (int)good[field + i] - (int)borrow;

			borrow = t < 0;
			neg[i] = (uint8_t)(t + (borrow ? 256 : 0));
		}
		memcpy(bad, good, field);
		memcpy(bad + field, neg, field);
		assert_int_equal(jet_sig_verify(alg, pkey, msg, strlen(msg), bad, len), JET_OK);
	}
}

static void
test_ecdsa_scalar_range_p256(void **state)
{
	scalar_range(JET_JWS_ES256, ((struct keys *)*state)->p256, 32);
}

static void
test_ecdsa_scalar_range_p384(void **state)
{
	scalar_range(JET_JWS_ES384, ((struct keys *)*state)->p384, 48);
}

static void
test_curve_orders(void **state)
{
	struct keys *k = *state;
	uint8_t n[48];

	/* The r, s range check runs on the table's n before OpenSSL does: it
	 * must be OpenSSL's n exactly. */
	curve_order(k->p256, n, 32);
	assert_memory_equal(jose_curve_by_alg(JET_JWS_ES256)->order, n, 32);
	assert_int_equal(jose_curve_by_alg(JET_JWS_ES256)->field, 32);
	curve_order(k->p384, n, 48);
	assert_memory_equal(jose_curve_by_alg(JET_JWS_ES384)->order, n, 48);
	assert_int_equal(jose_curve_by_alg(JET_JWS_ES384)->field, 48);
	assert_null(jose_curve_by_alg(JET_JWS_EDDSA));
}

static void
test_ecdsa_der_is_refused(void **state)
{
	struct keys *k = *state;
	unsigned char der[80];
	size_t derlen = sizeof(der);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	/* An ASN.1 DER signature (what OpenSSL produces) is not a JOSE one. */
	assert_int_equal(EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, k->p256, NULL), 1);
	assert_int_equal(EVP_DigestSign(ctx, der, &derlen, (const unsigned char *)msg, strlen(msg)), 1);
	EVP_MD_CTX_free(ctx);
	assert_int_equal(jet_sig_verify(JET_JWS_ES256, k->p256, msg, strlen(msg), der, derlen),
		JET_EPERM);
	if (derlen < 64) {
		uint8_t padded[64] = { 0 };

		memcpy(padded, der, derlen);
		assert_int_equal(
			jet_sig_verify(JET_JWS_ES256, k->p256, msg, strlen(msg), padded, 64),
			JET_EPERM);
	}
}

static void
test_key_must_fit_alg(void **state)
{
	struct keys *k = *state;
	uint8_t sig[JET_JWS_SIG_MAX];
	size_t len;
	static const struct {
		enum jet_jws_alg alg;
		size_t which; /* index into the key list below */
	} wrong[] = {
		{ JET_JWS_ES256, 1 }, { JET_JWS_ES256, 2 }, { JET_JWS_ES256, 3 },
		{ JET_JWS_ES256, 5 }, { JET_JWS_ES384, 0 }, { JET_JWS_ES384, 3 },
		{ JET_JWS_EDDSA, 0 }, { JET_JWS_EDDSA, 3 }, { JET_JWS_EDDSA, 6 },
		{ JET_JWS_RS256, 0 }, { JET_JWS_RS256, 2 }, { JET_JWS_RS256, 4 },
		{ JET_JWS_PS256, 1 }, { JET_JWS_PS256, 4 }, { JET_JWS_HS256, 0 },
		{ JET_JWS_HS256, 3 }, { JET_JWS_UNKNOWN, 0 }, { JET_JWS_UNKNOWN, 2 },
	};
	EVP_PKEY *list[] = { k->p256, k->p384, k->ed25519, k->rsa2048, k->rsa1024, k->k256,
		k->ed448 };

	(void)state;
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		EVP_PKEY *pkey = list[wrong[i].which];

		memset(sig, 1, sizeof(sig));
		assert_int_equal(jet_sig_verify(wrong[i].alg, pkey, msg, strlen(msg), sig, 64),
			JET_EINVAL);
		assert_int_equal(jet_sig_verify(wrong[i].alg, pkey, msg, strlen(msg), sig, 256),
			JET_EINVAL);
		assert_int_equal(jet_sig_sign(wrong[i].alg, pkey, msg, strlen(msg), sig,
					 sizeof(sig), &len),
			JET_EINVAL);
	}
	assert_int_equal(jet_sig_verify(JET_JWS_ES256, NULL, msg, 1, sig, 64), JET_EINVAL);
}

/* A real signature from one key never verifies under another key type. */
static void
test_cross_algorithm_confusion(void **state)
{
	struct keys *k = *state;
	uint8_t rs[JET_JWS_SIG_MAX], ps[JET_JWS_SIG_MAX], es[64], ed[64];
	size_t rlen, plen, elen, dlen;

	assert_int_equal(jet_sig_sign(JET_JWS_RS256, k->rsa2048, msg, strlen(msg), rs,
				 sizeof(rs), &rlen),
		JET_OK);
	assert_int_equal(jet_sig_sign(JET_JWS_PS256, k->rsa2048, msg, strlen(msg), ps,
				 sizeof(ps), &plen),
		JET_OK);
	assert_int_equal(
		jet_sig_sign(JET_JWS_ES256, k->p256, msg, strlen(msg), es, sizeof(es), &elen),
		JET_OK);
	assert_int_equal(
		jet_sig_sign(JET_JWS_EDDSA, k->ed25519, msg, strlen(msg), ed, sizeof(ed), &dlen),
		JET_OK);
	/* PKCS#1 v1.5 and PSS under one RSA key. */
	assert_int_equal(jet_sig_verify(JET_JWS_PS256, k->rsa2048, msg, strlen(msg), rs, rlen),
		JET_EPERM);
	assert_int_equal(jet_sig_verify(JET_JWS_RS256, k->rsa2048, msg, strlen(msg), ps, plen),
		JET_EPERM);
	/* Equal-length ES256 and EdDSA signatures, swapped keys. */
	assert_int_equal(jet_sig_verify(JET_JWS_EDDSA, k->ed25519, msg, strlen(msg), es, elen),
		JET_EPERM);
	assert_int_equal(jet_sig_verify(JET_JWS_ES256, k->p256, msg, strlen(msg), ed, dlen),
		JET_EPERM);
}

static size_t
pss_sign(EVP_PKEY *pkey, int saltlen, const char *mgf1, uint8_t *sig, size_t cap)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t len = cap;

	assert_int_equal(EVP_DigestSignInit_ex(ctx, &pctx, "SHA256", NULL, NULL, pkey, NULL), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0);
	assert_true(EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, mgf1, NULL) > 0);
	assert_true(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, saltlen) > 0);
	assert_int_equal(EVP_DigestSign(ctx, sig, &len, (const unsigned char *)msg, strlen(msg)), 1);
	EVP_MD_CTX_free(ctx);
	return len;
}

static void
test_pss_parameters(void **state)
{
	struct keys *k = *state;
	uint8_t sig[JET_JWS_SIG_MAX];
	size_t len;

	/* Exactly salt 32 and MGF1-SHA-256 verify, as OpenSSL makes them. */
	len = pss_sign(k->rsa2048, 32, "SHA256", sig, sizeof(sig));
	assert_int_equal(jet_sig_verify(JET_JWS_PS256, k->rsa2048, msg, strlen(msg), sig, len),
		JET_OK);
	len = pss_sign(k->rsa2048, 0, "SHA256", sig, sizeof(sig));
	assert_int_equal(jet_sig_verify(JET_JWS_PS256, k->rsa2048, msg, strlen(msg), sig, len),
		JET_EPERM);
	len = pss_sign(k->rsa2048, 20, "SHA256", sig, sizeof(sig));
	assert_int_equal(jet_sig_verify(JET_JWS_PS256, k->rsa2048, msg, strlen(msg), sig, len),
		JET_EPERM);
	len = pss_sign(k->rsa2048, 64, "SHA256", sig, sizeof(sig));
	assert_int_equal(jet_sig_verify(JET_JWS_PS256, k->rsa2048, msg, strlen(msg), sig, len),
		JET_EPERM);
	len = pss_sign(k->rsa2048, 32, "SHA1", sig, sizeof(sig));
	assert_int_equal(jet_sig_verify(JET_JWS_PS256, k->rsa2048, msg, strlen(msg), sig, len),
		JET_EPERM);
}

static void
test_hmac_sha256(void **state)
{
	/* RFC 4231 test cases 1 and 2, and HMAC with an empty key. */
	static const uint8_t tc1[32] = { 0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53, 0x5c,
		0xa8, 0xaf, 0xce, 0xaf, 0x0b, 0xf1, 0x2b, 0x88, 0x1d, 0xc2, 0x00, 0xc9, 0x83, 0x3d,
		0xa7, 0x26, 0xe9, 0x37, 0x6c, 0x2e, 0x32, 0xcf, 0xf7 };
	static const uint8_t tc2[32] = { 0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a,
		0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39,
		0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43 };
	static const uint8_t empty[32] = { 0xb6, 0x13, 0x67, 0x9a, 0x08, 0x14, 0xd9, 0xec, 0x77,
		0x2f, 0x95, 0xd7, 0x78, 0xc3, 0x5f, 0xc5, 0xff, 0x16, 0x97, 0xc4, 0x93, 0x71, 0x56,
		0x53, 0xc6, 0xc7, 0x12, 0x14, 0x42, 0x92, 0xc5, 0xad };
	uint8_t key[20], out[32];

	(void)state;
	memset(key, 0x0b, sizeof(key));
	assert_int_equal(jet_hmac_sha256(key, sizeof(key), "Hi There", 8, out), JET_OK);
	assert_memory_equal(out, tc1, 32);
	assert_int_equal(jet_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, out),
		JET_OK);
	assert_memory_equal(out, tc2, 32);
	assert_int_equal(jet_hmac_sha256(NULL, 0, NULL, 0, out), JET_OK);
	assert_memory_equal(out, empty, 32);
	assert_int_equal(jet_hmac_sha256(NULL, 3, "x", 1, out), JET_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_es256),
		cmocka_unit_test(test_round_trip_es384),
		cmocka_unit_test(test_round_trip_eddsa),
		cmocka_unit_test(test_round_trip_rs256),
		cmocka_unit_test(test_round_trip_ps256),
		cmocka_unit_test(test_ecdsa_interop_p256),
		cmocka_unit_test(test_ecdsa_interop_p384),
		cmocka_unit_test(test_ecdsa_scalar_range_p256),
		cmocka_unit_test(test_ecdsa_scalar_range_p384),
		cmocka_unit_test(test_curve_orders),
		cmocka_unit_test(test_ecdsa_der_is_refused),
		cmocka_unit_test(test_key_must_fit_alg),
		cmocka_unit_test(test_cross_algorithm_confusion),
		cmocka_unit_test(test_pss_parameters),
		cmocka_unit_test(test_hmac_sha256),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
