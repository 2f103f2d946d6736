/*
 * Unit tests for lib/jose keys: generation, wrapping and PEM loading (mode
 * and type checks); public JWK export read back to an equal key for every
 * algorithm; RFC 7638 thumbprints (the §3.1 example); and every refusal of
 * the public JWK reader: private members, missing or unsafe kid, off-curve
 * or out-of-range EC points, wrong-size coordinates, non-minimal RSA
 * integers, small moduli and exponents, unsupported types and curves,
 * "use" other than "sig", and algorithms that do not fit the key or are not
 * allowed.  Error reasons never echo the input.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "jet/jose.h"
#include "jet/pki.h"

#define ALL_ALGS (~0u)
#define MARK "ZqMARKqZ"

/* RFC 7638 §3.1 (the RSA key of RFC 7517 Appendix A.1). */
static const char rfc7638_n[] =
	"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
	"BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
	"FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
	"bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
static const char rfc7638_thumb[] = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

struct fixture {
	struct jet_jwk *es256, *es384, *eddsa, *rs256, *ps256;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || jet_jwk_generate(JET_JWS_ES256, "es256-key", &f->es256) != JET_OK ||
		jet_jwk_generate(JET_JWS_ES384, NULL, &f->es384) != JET_OK ||
		jet_jwk_generate(JET_JWS_EDDSA, "ed.key_1", &f->eddsa) != JET_OK ||
		jet_jwk_generate(JET_JWS_RS256, "rsa", &f->rs256) != JET_OK)
		return -1;
	/* One RSA modulus, two algorithms: the binding is per key record. */
	EVP_PKEY_up_ref(f->rs256->pkey);
	if (jet_jwk_from_pkey(f->rs256->pkey, JET_JWS_PS256, "rsa-pss", &f->ps256) != JET_OK)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	jet_jwk_free(f->es256);
	jet_jwk_free(f->es384);
	jet_jwk_free(f->eddsa);
	jet_jwk_free(f->rs256);
	jet_jwk_free(f->ps256);
	free(f);
	return 0;
}

/* jet_jwk_parse of a JSON text; the reason never carries MARK. */
static int
parse_text(const char *text, unsigned allowed, enum jet_jws_alg rsa_default,
	struct jet_jwk **out)
{
	json_error_t jerr;
	json_t *o = json_loads(text, 0, &jerr);
	char err[128];
	int rc;

	assert_non_null(o);
	rc = jet_jwk_parse(o, allowed, rsa_default, out, err, sizeof(err));
	if (rc != JET_OK) {
		assert_null(*out);
		assert_true(err[0] != '\0');
		assert_null(strstr(err, MARK));
	}
	json_decref(o);
	return rc;
}

static int
parse_obj(const json_t *o, unsigned allowed, struct jet_jwk **out)
{
	char err[128];
	int rc = jet_jwk_parse(o, allowed, JET_JWS_RS256, out, err, sizeof(err));

	if (rc != JET_OK) {
		assert_null(*out);
		assert_true(err[0] != '\0');
		assert_null(strstr(err, MARK));
	}
	return rc;
}

static void
assert_parse_fails(const json_t *o, int want)
{
	struct jet_jwk *k = (struct jet_jwk *)1;

	assert_int_equal(parse_obj(o, ALL_ALGS, &k), want);
	assert_null(k);
}

static void
set_b64(json_t *o, const char *name, const uint8_t *raw, size_t n)
{
	char enc[1024];

	assert_int_equal(jet_b64url_encode(raw, n, enc, sizeof(enc)), JET_OK);
	assert_int_equal(json_object_set_new(o, name, json_string(enc)), 0);
}

static size_t
get_b64(const json_t *o, const char *name, uint8_t *raw, size_t cap)
{
	const char *s = json_string_value(json_object_get(o, name));
	size_t n;

	assert_non_null(s);
	assert_int_equal(jet_b64url_decode(s, strlen(s), raw, cap, &n), JET_OK);
	return n;
}

/* ------------------------------------------------------------ kid */

static void
test_kid_valid(void **state)
{
	static const char *const good[] = { "a", "A-z_0.9", "2011-04-29", "...", "a..b", ".x",
		"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
		"0123456789012345678901234567890123456789012345678901234567890123" };
	static const char *const bad[] = { "", ".", "..", "../x", "a/b", "a\\b", "a'b", "a\"b",
		"a b", "<x>", "a?b", "a#b", "a%2e", "a+b", "a=b", "a:b", "a\nb", "caf\xc3\xa9",
		"01234567890123456789012345678901234567890123456789012345678901234" };

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(jet_jwk_kid_valid(good[i], strlen(good[i])));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(jet_jwk_kid_valid(bad[i], strlen(bad[i])));
	assert_false(jet_jwk_kid_valid("ab\0c", 4));
	assert_false(jet_jwk_kid_valid(NULL, 0));
}

/* ------------------------------------------------------------ making keys */

static void
test_generate(void **state)
{
	struct fixture *f = *state;
	char thumb[44];

	assert_int_equal(f->es256->alg, JET_JWS_ES256);
	assert_true(f->es256->has_private);
	assert_string_equal(f->es256->kid, "es256-key");
	assert_int_equal(EVP_PKEY_get_bits(f->rs256->pkey), 3072);
	assert_true(f->rs256->has_private && f->ps256->has_private && f->eddsa->has_private);
	/* kid NULL: the RFC 7638 thumbprint. */
	assert_int_equal(jet_jwk_thumbprint(f->es384, thumb), JET_OK);
	assert_int_equal(strlen(thumb), 43);
	assert_string_equal(f->es384->kid, thumb);
	{
		struct jet_jwk *k = (struct jet_jwk *)1;

		assert_int_equal(jet_jwk_generate(JET_JWS_UNKNOWN, NULL, &k), JET_EINVAL);
		assert_null(k);
		assert_int_equal(jet_jwk_generate(JET_JWS_HS256, NULL, &k), JET_EINVAL);
		assert_null(k);
		assert_int_equal(jet_jwk_generate(JET_JWS_ES256, "../x", &k), JET_EINVAL);
		assert_null(k);
	}
}

static void
test_from_pkey(void **state)
{
	EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *rsa1k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	struct jet_jwk *k = NULL;

	(void)state;
	assert_non_null(p256);
	assert_non_null(rsa1k);
	assert_non_null(k1);
	/* Refusals leave the reference with the caller. */
	assert_int_equal(jet_jwk_from_pkey(p256, JET_JWS_ES384, NULL, &k), JET_EINVAL);
	assert_int_equal(jet_jwk_from_pkey(p256, JET_JWS_RS256, NULL, &k), JET_EINVAL);
	assert_int_equal(jet_jwk_from_pkey(p256, JET_JWS_HS256, NULL, &k), JET_EINVAL);
	assert_int_equal(jet_jwk_from_pkey(p256, JET_JWS_ES256, "a'b", &k), JET_EINVAL);
	assert_int_equal(jet_jwk_from_pkey(rsa1k, JET_JWS_RS256, NULL, &k), JET_EINVAL);
	assert_int_equal(jet_jwk_from_pkey(k1, JET_JWS_ES256, NULL, &k), JET_EINVAL);
	assert_null(k);
	EVP_PKEY_free(rsa1k);
	EVP_PKEY_free(k1);
	/* Success takes it (ASan would report a leak or a double free). */
	assert_int_equal(jet_jwk_from_pkey(p256, JET_JWS_ES256, "p256", &k), JET_OK);
	assert_ptr_equal(k->pkey, p256);
	assert_true(k->has_private);
	jet_jwk_free(k);
	jet_jwk_free(NULL);
}

static char *
tmpdir(void)
{
	const char *base = getenv("JET_TEST_TMP");
	char *dir = malloc(512);

	assert_non_null(dir);
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if (mkdir(base, 0700) != 0)
		assert_int_equal(errno, EEXIST);
	snprintf(dir, 512, "%s/jose-XXXXXX", base);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static void
test_load_pem(void **state)
{
	char *dir = tmpdir(), path[600], link[600], pub[600], bad[600], err[128];
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct jet_jwk *k = NULL;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/sign.key", dir);
	snprintf(link, sizeof(link), "%s/link.key", dir);
	snprintf(pub, sizeof(pub), "%s/pub.pem", dir);
	snprintf(bad, sizeof(bad), "%s/bad.key", dir);
	assert_int_equal(jet_pki_write_key(path, pkey), JET_OK);
	assert_int_equal(jet_jwk_load_pem(path, JET_JWS_EDDSA, "ed", &k, err, sizeof(err)), JET_OK);
	assert_true(k->has_private);
	assert_int_equal(EVP_PKEY_eq(k->pkey, pkey), 1);
	jet_jwk_free(k);
	k = NULL;
	/* The key must fit the algorithm. */
	assert_int_equal(jet_jwk_load_pem(path, JET_JWS_ES256, "ed", &k, err, sizeof(err)),
		JET_EINVAL);
	assert_null(k);
	/* 0400 is fine, group or other bits are not. */
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(jet_jwk_load_pem(path, JET_JWS_EDDSA, NULL, &k, err, sizeof(err)), JET_OK);
	jet_jwk_free(k);
	k = NULL;
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(jet_jwk_load_pem(path, JET_JWS_EDDSA, NULL, &k, err, sizeof(err)),
		JET_EPERM);
	assert_non_null(strstr(err, "0600"));
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(jet_jwk_load_pem(path, JET_JWS_EDDSA, NULL, &k, err, sizeof(err)),
		JET_EPERM);
	assert_int_equal(chmod(path, 0600), 0);
	/* Never through a symlink. */
	assert_int_equal(symlink(path, link), 0);
	assert_int_not_equal(jet_jwk_load_pem(link, JET_JWS_EDDSA, NULL, &k, err, sizeof(err)),
		JET_OK);
	assert_null(k);
	/* A public key, garbage, a directory, a missing file. */
	fp = fopen(pub, "w");
	assert_non_null(fp);
	assert_int_equal(PEM_write_PUBKEY(fp, pkey), 1);
	fclose(fp);
	assert_int_equal(chmod(pub, 0600), 0);
	assert_int_equal(jet_jwk_load_pem(pub, JET_JWS_EDDSA, NULL, &k, err, sizeof(err)),
		JET_EINVAL);
	fp = fopen(bad, "w");
	assert_non_null(fp);
	fputs("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n", fp);
	fclose(fp);
	assert_int_equal(chmod(bad, 0600), 0);
	assert_int_equal(jet_jwk_load_pem(bad, JET_JWS_EDDSA, NULL, &k, err, sizeof(err)),
		JET_EINVAL);
	assert_int_not_equal(jet_jwk_load_pem(dir, JET_JWS_EDDSA, NULL, &k, err, sizeof(err)),
		JET_OK);
	assert_int_equal(jet_jwk_load_pem("/nonexistent/x.key", JET_JWS_EDDSA, NULL, &k, err,
				 sizeof(err)),
		JET_EIO);
	assert_null(k);
	unlink(path);
	unlink(link);
	unlink(pub);
	unlink(bad);
	rmdir(dir);
	free(dir);
	EVP_PKEY_free(pkey);
}

/* ------------------------------------------------------------ export */

static void
export_round_trip(const struct jet_jwk *k, const char *kty, const char *const *members)
{
	json_t *o = jet_jwk_public_json(k);
	struct jet_jwk *back = NULL;
	char t1[44], t2[44];
	size_t n = 0;

	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "kty")), kty);
	assert_string_equal(json_string_value(json_object_get(o, "kid")), k->kid);
	assert_string_equal(json_string_value(json_object_get(o, "alg")), jet_jws_alg_name(k->alg));
	assert_string_equal(json_string_value(json_object_get(o, "use")), "sig");
	for (; members[n] != NULL; n++)
		assert_true(json_is_string(json_object_get(o, members[n])));
	assert_int_equal(json_object_size(o), n + 4);
	assert_null(json_object_get(o, "d"));
	/* Read back: the same public key, alg and kid, no private part. */
	assert_int_equal(parse_obj(o, 1u << k->alg, &back), JET_OK);
	assert_int_equal(back->alg, k->alg);
	assert_string_equal(back->kid, k->kid);
	assert_false(back->has_private);
	assert_int_equal(EVP_PKEY_eq(back->pkey, k->pkey), 1);
	assert_int_equal(jet_jwk_thumbprint(k, t1), JET_OK);
	assert_int_equal(jet_jwk_thumbprint(back, t2), JET_OK);
	assert_string_equal(t1, t2);
	/* A signature by the original verifies under the read-back key. */
	{
		uint8_t sig[JET_JWS_SIG_MAX];
		size_t len;

		assert_int_equal(jet_sig_sign(k->alg, k->pkey, "m", 1, sig, sizeof(sig), &len),
			JET_OK);
		assert_int_equal(jet_sig_verify(back->alg, back->pkey, "m", 1, sig, len), JET_OK);
	}
	jet_jwk_free(back);
	json_decref(o);
}

static void
test_export_round_trip(void **state)
{
	struct fixture *f = *state;
	static const char *const ec[] = { "crv", "x", "y", NULL };
	static const char *const okp[] = { "crv", "x", NULL };
	static const char *const rsa[] = { "n", "e", NULL };

	export_round_trip(f->es256, "EC", ec);
	export_round_trip(f->es384, "EC", ec);
	export_round_trip(f->eddsa, "OKP", okp);
	export_round_trip(f->rs256, "RSA", rsa);
	export_round_trip(f->ps256, "RSA", rsa);
}

static void
test_export_coordinates_fixed_size(void **state)
{
	/* EC coordinates are padded to the field size even when they have
	 * leading zero bytes; RSA integers are minimal. */
	for (int i = 0; i < 64; i++) {
		struct jet_jwk *k;
		json_t *o;
		uint8_t raw[64];

		assert_int_equal(jet_jwk_generate(JET_JWS_ES256, "p", &k), JET_OK);
		o = jet_jwk_public_json(k);
		assert_int_equal(get_b64(o, "x", raw, sizeof(raw)), 32);
		assert_int_equal(get_b64(o, "y", raw, sizeof(raw)), 32);
		json_decref(o);
		jet_jwk_free(k);
	}
	{
		struct fixture *f = *state;
		json_t *o = jet_jwk_public_json(f->rs256);
		uint8_t raw[512];

		assert_int_equal(get_b64(o, "n", raw, sizeof(raw)), 384);
		assert_int_not_equal(raw[0], 0);
		assert_string_equal(json_string_value(json_object_get(o, "e")), "AQAB");
		json_decref(o);
	}
	assert_null(jet_jwk_public_json(NULL));
}

/* ------------------------------------------------------------ thumbprint */

static void
test_rfc7638_thumbprint(void **state)
{
	char text[1024], thumb[44];
	struct jet_jwk *k = NULL, *k2 = NULL;

	(void)state;
	snprintf(text, sizeof(text), "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\",\"alg\":\"RS256\","
		"\"kid\":\"2011-04-29\"}", rfc7638_n);
	assert_int_equal(parse_text(text, ALL_ALGS, JET_JWS_RS256, &k), JET_OK);
	assert_int_equal(EVP_PKEY_get_bits(k->pkey), 2048);
	assert_int_equal(jet_jwk_thumbprint(k, thumb), JET_OK);
	assert_string_equal(thumb, rfc7638_thumb);
	/* The thumbprint depends on the key only, not on kid or alg. */
	EVP_PKEY_up_ref(k->pkey);
	assert_int_equal(jet_jwk_from_pkey(k->pkey, JET_JWS_PS256, NULL, &k2), JET_OK);
	assert_string_equal(k2->kid, rfc7638_thumb);
	jet_jwk_free(k);
	jet_jwk_free(k2);
}

static void
test_thumbprint_other_types(void **state)
{
	/* RFC 8037 Appendix A.3: the Ed25519 key of A.2 and its thumbprint. */
	static const char ed[] = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"a3\","
				 "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
	struct jet_jwk *k = NULL;
	char thumb[44];

	(void)state;
	assert_int_equal(parse_text(ed, ALL_ALGS, JET_JWS_RS256, &k), JET_OK);
	assert_int_equal(k->alg, JET_JWS_EDDSA);
	assert_int_equal(jet_jwk_thumbprint(k, thumb), JET_OK);
	assert_string_equal(thumb, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
	jet_jwk_free(k);
}

/* ------------------------------------------------------------ refusals */

static void
test_private_members_refused(void **state)
{
	struct fixture *f = *state;
	static const char *const priv[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k" };
	const struct jet_jwk *keys[] = { f->es256, f->eddsa, f->rs256 };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		for (size_t j = 0; j < sizeof(priv) / sizeof(priv[0]); j++) {
			json_t *o = jet_jwk_public_json(keys[i]);

			json_object_set_new(o, priv[j], json_string("AQAB" MARK));
			assert_parse_fails(o, JET_EINVAL);
			json_decref(o);
		}
	}
}

static void
test_kid_required_and_safe(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = { "../x", "a'b", "", ".", "..", "a b", MARK "/",
		"<script>", "01234567890123456789012345678901234567890123456789012345678901234" };
	json_t *o = jet_jwk_public_json(f->es256);

	json_object_del(o, "kid");
	assert_parse_fails(o, JET_EINVAL);
	json_object_set_new(o, "kid", json_integer(7));
	assert_parse_fails(o, JET_EINVAL);
	json_object_set_new(o, "kid", json_null());
	assert_parse_fails(o, JET_EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object_set_new(o, "kid", json_string(bad[i]));
		assert_parse_fails(o, JET_EINVAL);
	}
	json_decref(o);
}

static void
test_ec_point_checks(void **state)
{
	struct fixture *f = *state;
	json_t *o = jet_jwk_public_json(f->es256), *o384 = jet_jwk_public_json(f->es384);
	uint8_t x[48], y[48], big[64];
	size_t xl = get_b64(o, "x", x, sizeof(x)), yl = get_b64(o, "y", y, sizeof(y));
	struct jet_jwk *k = NULL;

	assert_int_equal(xl, 32);
	assert_int_equal(yl, 32);
	/* Off the curve: one bit of y changed. */
	y[31] ^= 1;
	set_b64(o, "y", y, 32);
	assert_parse_fails(o, JET_EINVAL);
	y[31] ^= 1;
	set_b64(o, "y", y, 32);
	assert_int_equal(parse_obj(o, ALL_ALGS, &k), JET_OK);
	jet_jwk_free(k);
	/* The origin, and coordinates that are not field elements (>= p). */
	memset(big, 0, sizeof(big));
	set_b64(o, "x", big, 32);
	set_b64(o, "y", big, 32);
	assert_parse_fails(o, JET_EINVAL);
	memset(big, 0xff, sizeof(big));
	set_b64(o, "x", big, 32);
	set_b64(o, "y", y, 32);
	assert_parse_fails(o, JET_EINVAL);
	/* Wrong sizes: 31 and 33 bytes (a leading zero is not the field size). */
	set_b64(o, "x", x + 1, 31);
	assert_parse_fails(o, JET_EINVAL);
	big[0] = 0;
	memcpy(big + 1, x, 32);
	set_b64(o, "x", big, 33);
	assert_parse_fails(o, JET_EINVAL);
	set_b64(o, "x", x, 32);
	set_b64(o, "y", y, 31);
	assert_parse_fails(o, JET_EINVAL);
	set_b64(o, "y", y, 0);
	assert_parse_fails(o, JET_EINVAL);
	/* Non-canonical base64url, missing and non-string members. */
	json_object_set_new(o, "y", json_string("AAAA="));
	assert_parse_fails(o, JET_EINVAL);
	json_object_del(o, "y");
	assert_parse_fails(o, JET_EINVAL);
	json_object_set_new(o, "y", json_integer(1));
	assert_parse_fails(o, JET_EINVAL);
	/* A P-384 point labelled P-256 and the reverse. */
	json_object_set_new(o384, "crv", json_string("P-256"));
	json_object_del(o384, "alg");
	assert_parse_fails(o384, JET_EINVAL);
	json_decref(o);
	o = jet_jwk_public_json(f->es256);
	json_object_set_new(o, "crv", json_string("P-384"));
	json_object_del(o, "alg");
	assert_parse_fails(o, JET_EINVAL);
	json_decref(o);
	json_decref(o384);
}

static void
test_okp_checks(void **state)
{
	struct fixture *f = *state;
	json_t *o = jet_jwk_public_json(f->eddsa);
	uint8_t x[40];

	assert_int_equal(get_b64(o, "x", x, sizeof(x)), 32);
	set_b64(o, "x", x, 31);
	assert_parse_fails(o, JET_EINVAL);
	x[32] = 0;
	set_b64(o, "x", x, 33);
	assert_parse_fails(o, JET_EINVAL);
	json_object_del(o, "x");
	assert_parse_fails(o, JET_EINVAL);
	json_decref(o);
	/* Other OKP curves are not signature keys here. */
	assert_int_equal(parse_text("{\"kty\":\"OKP\",\"crv\":\"X25519\",\"kid\":\"a\","
				    "\"x\":\"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo\"}",
				 ALL_ALGS, JET_JWS_RS256, &(struct jet_jwk *){ NULL }),
		JET_EINVAL);
	assert_int_equal(parse_text("{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"kid\":\"a\","
				    "\"x\":\"AAAA\"}",
				 ALL_ALGS, JET_JWS_RS256, &(struct jet_jwk *){ NULL }),
		JET_EINVAL);
}

static void
test_rsa_checks(void **state)
{
	struct fixture *f = *state;
	json_t *o = jet_jwk_public_json(f->rs256);
	uint8_t n[520], e[8];
	size_t nl = get_b64(o, "n", n + 1, sizeof(n) - 1);
	struct jet_jwk *k = NULL;

	/* A leading zero octet on n or e (RFC 7518 §6.3.1.1: minimal). */
	n[0] = 0;
	set_b64(o, "n", n, nl + 1);
	assert_parse_fails(o, JET_EINVAL);
	set_b64(o, "n", n + 1, nl);
	json_object_set_new(o, "e", json_string("AAEAAQ"));
	assert_parse_fails(o, JET_EINVAL);
	/* e even, e = 1, e above 32 bits, e empty. */
	json_object_set_new(o, "e", json_string("AQAA"));
	assert_parse_fails(o, JET_EINVAL);
	json_object_set_new(o, "e", json_string("AQ"));
	assert_parse_fails(o, JET_EINVAL);
	e[0] = 1;
	memset(e + 1, 0, 3);
	e[4] = 1;
	set_b64(o, "e", e, 5);
	assert_parse_fails(o, JET_EINVAL);
	json_object_set_new(o, "e", json_string(""));
	assert_parse_fails(o, JET_EINVAL);
	/* e = 3 is accepted. */
	json_object_set_new(o, "e", json_string("Aw"));
	assert_int_equal(parse_obj(o, ALL_ALGS, &k), JET_OK);
	jet_jwk_free(k);
	json_object_set_new(o, "e", json_string("AQAB"));
	/* An even modulus. */
	n[nl] ^= 1;
	set_b64(o, "n", n + 1, nl);
	assert_parse_fails(o, JET_EINVAL);
	n[nl] ^= 1;
	/* 1024 and 2047 bits: refused by policy; 4097 bits: too large. */
	set_b64(o, "n", n + 1, 128);
	assert_parse_fails(o, JET_EPERM);
	{
		uint8_t m[513];

		memset(m, 0xff, sizeof(m));
		m[0] = 0x7f;
		set_b64(o, "n", m, 256);
		assert_parse_fails(o, JET_EPERM);
		m[0] = 0x01;
		set_b64(o, "n", m, 513);
		assert_parse_fails(o, JET_EPERM);
		m[0] = 0x80;
		set_b64(o, "n", m, 256); /* 2048 bits exactly: fine */
		assert_int_equal(parse_obj(o, ALL_ALGS, &k), JET_OK);
		assert_int_equal(EVP_PKEY_get_bits(k->pkey), 2048);
		jet_jwk_free(k);
	}
	json_object_del(o, "n");
	assert_parse_fails(o, JET_EINVAL);
	json_decref(o);
}

static void
test_alg_must_fit_key(void **state)
{
	struct fixture *f = *state;
	static const struct {
		int which;
		const char *alg;
	} wrong[] = {
		{ 0, "RS256" }, { 0, "ES384" }, { 0, "EdDSA" }, { 0, "HS256" }, { 0, "PS256" },
		{ 1, "ES256" }, { 2, "ES256" }, { 2, "RS256" }, { 2, "HS256" }, { 3, "ES256" },
		{ 3, "EdDSA" }, { 3, "HS256" },
	};
	const struct jet_jwk *keys[] = { f->es256, f->es384, f->eddsa, f->rs256 };

	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		json_t *o = jet_jwk_public_json(keys[wrong[i].which]);

		json_object_set_new(o, "alg", json_string(wrong[i].alg));
		assert_parse_fails(o, JET_EPERM);
		json_decref(o);
	}
}

static void
test_alg_policy(void **state)
{
	struct fixture *f = *state;
	json_t *o = jet_jwk_public_json(f->rs256);
	struct jet_jwk *k = NULL;

	/* Unknown or "none" alg. */
	json_object_set_new(o, "alg", json_string("none"));
	assert_parse_fails(o, JET_EPERM);
	json_object_set_new(o, "alg", json_string("RS512"));
	assert_parse_fails(o, JET_EPERM);
	json_object_set_new(o, "alg", json_integer(1));
	assert_parse_fails(o, JET_EINVAL);
	/* Known but not allowed. */
	json_object_set_new(o, "alg", json_string("RS256"));
	assert_int_equal(parse_obj(o, 1u << JET_JWS_ES256, &k), JET_EPERM);
	assert_int_equal(parse_obj(o, 1u << JET_JWS_PS256, &k), JET_EPERM);
	assert_int_equal(parse_obj(o, 1u << JET_JWS_RS256, &k), JET_OK);
	jet_jwk_free(k);
	/* Without alg: the caller's RSA default, which must be an RSA alg. */
	json_object_del(o, "alg");
	assert_int_equal(jet_jwk_parse(o, ALL_ALGS, JET_JWS_PS256, &k, NULL, 0), JET_OK);
	assert_int_equal(k->alg, JET_JWS_PS256);
	jet_jwk_free(k);
	assert_int_equal(jet_jwk_parse(o, ALL_ALGS, JET_JWS_ES256, &k, NULL, 0), JET_EINVAL);
	assert_int_equal(jet_jwk_parse(o, 1u << JET_JWS_RS256, JET_JWS_PS256, &k, NULL, 0),
		JET_EPERM);
	json_decref(o);
	/* Without alg, EC and OKP keys follow from the curve. */
	o = jet_jwk_public_json(f->es384);
	json_object_del(o, "alg");
	assert_int_equal(parse_obj(o, 1u << JET_JWS_ES384, &k), JET_OK);
	assert_int_equal(k->alg, JET_JWS_ES384);
	jet_jwk_free(k);
	assert_int_equal(parse_obj(o, 1u << JET_JWS_ES256, &k), JET_EPERM);
	json_decref(o);
}

static void
test_use_member(void **state)
{
	struct fixture *f = *state;
	json_t *o = jet_jwk_public_json(f->es256);
	struct jet_jwk *k = NULL;

	json_object_set_new(o, "use", json_string("enc"));
	assert_parse_fails(o, JET_EPERM);
	json_object_set_new(o, "use", json_string("SIG"));
	assert_parse_fails(o, JET_EPERM);
	json_object_set_new(o, "use", json_true());
	assert_parse_fails(o, JET_EINVAL);
	json_object_del(o, "use");
	assert_int_equal(parse_obj(o, ALL_ALGS, &k), JET_OK);
	jet_jwk_free(k);
	json_decref(o);
}

static void
test_unsupported_types(void **state)
{
	static const char *const texts[] = {
		"{\"kty\":\"oct\",\"kid\":\"a\"}",
		"{\"kty\":\"ec\",\"crv\":\"P-256\",\"kid\":\"a\",\"x\":\"AA\",\"y\":\"AA\"}",
		"{\"kty\":\"EC\",\"crv\":\"P-521\",\"kid\":\"a\",\"x\":\"AA\",\"y\":\"AA\"}",
		"{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"kid\":\"a\",\"x\":\"AA\",\"y\":\"AA\"}",
		"{\"kty\":\"EC\",\"kid\":\"a\",\"x\":\"AA\",\"y\":\"AA\"}",
		"{\"kid\":\"a\",\"n\":\"AQAB\",\"e\":\"AQAB\"}",
		"{\"kty\":7,\"kid\":\"a\"}",
		"[]",
		"\"RSA\"",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		json_t *o = json_loads(texts[i], JSON_DECODE_ANY, NULL);

		assert_non_null(o);
		assert_parse_fails(o, JET_EINVAL);
		json_decref(o);
	}
	assert_parse_fails(NULL, JET_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kid_valid),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_from_pkey),
		cmocka_unit_test(test_load_pem),
		cmocka_unit_test(test_export_round_trip),
		cmocka_unit_test(test_export_coordinates_fixed_size),
		cmocka_unit_test(test_rfc7638_thumbprint),
		cmocka_unit_test(test_thumbprint_other_types),
		cmocka_unit_test(test_private_members_refused),
		cmocka_unit_test(test_kid_required_and_safe),
		cmocka_unit_test(test_ec_point_checks),
		cmocka_unit_test(test_okp_checks),
		cmocka_unit_test(test_rsa_checks),
		cmocka_unit_test(test_alg_must_fit_key),
		cmocka_unit_test(test_alg_policy),
		cmocka_unit_test(test_use_member),
		cmocka_unit_test(test_unsupported_types),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
