/*
 * Project Wycheproof vectors (JET_SHARED_DIR/testdata/wycheproof) through
 * lib/jose: every ECDSA P-256/P-384 (IEEE P1363, i.e. JOSE r||s), Ed25519,
 * RSA PKCS#1 v1.5 and RSA-PSS vector through jet_sig_verify, and every
 * HMAC-SHA-256 vector through jet_hmac_sha256.
 *
 * Keys come from each group's JWK through jet_jwk_parse when the group has
 * one (so the JWK reader meets Wycheproof's edge-case keys too), checked
 * equal to the group's PEM key; groups without a JWK use the PEM key.
 * "valid" must verify, "invalid" must not; "acceptable" may go either way
 * and the outcome is counted and printed.  Each file's numberOfTests must
 * equal the vectors run, so a file that silently ran nothing fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/pem.h>

#include "jet/jose.h"

#define WYCHEPROOF JET_SHARED_DIR "/testdata/wycheproof/"

static json_t *
load(const char *name)
{
	json_error_t jerr;
	json_t *doc = json_load_file(name, 0, &jerr);

	if (doc == NULL)
		fail_msg("%s: %s (line %d)", name, jerr.text, jerr.line);
	return doc;
}

/* Hex string -> malloc'd bytes (at least one byte allocated). */
static uint8_t *
unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex);
	uint8_t *out = malloc(n / 2 + 1);

	assert_non_null(out);
	assert_int_equal(n % 2, 0);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v = 0;

		for (int j = 0; j < 2; j++) {
			char c = hex[2 * i + (size_t)j];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
			else
				fail_msg("bad hex");
		}
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return out;
}

static const char *
str(const json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));

	if (s == NULL)
		fail_msg("vector member %s missing", name);
	return s;
}

struct tally {
	size_t run, valid, invalid, acc_accepted, acc_rejected, mismatches, jwk_keys, pem_keys;
};

static void
judge(struct tally *t, const char *file, const json_t *test, bool accepted)
{
	const char *result = str(test, "result");
	json_int_t tc = json_integer_value(json_object_get(test, "tcId"));

	t->run++;
	if (strcmp(result, "valid") == 0) {
		t->valid++;
		if (!accepted) {
			print_error("%s tcId %lld: valid vector rejected (%s)\n", file, (long long)tc,
				str(test, "comment"));
			t->mismatches++;
		}
	} else if (strcmp(result, "invalid") == 0) {
		t->invalid++;
		if (accepted) {
			print_error("%s tcId %lld: invalid vector accepted (%s)\n", file,
				(long long)tc, str(test, "comment"));
			t->mismatches++;
		}
	} else if (strcmp(result, "acceptable") == 0) {
		if (accepted)
			t->acc_accepted++;
		else
			t->acc_rejected++;
	} else {
		fail_msg("%s tcId %lld: unknown result", file, (long long)tc);
	}
}

static void
report(const char *file, const json_t *doc, const struct tally *t)
{
	json_int_t want = json_integer_value(json_object_get(doc, "numberOfTests"));

	print_message("wycheproof %s: %zu run (%zu valid, %zu invalid, acceptable: %zu accepted, "
		      "%zu rejected), keys: %zu from JWK, %zu from PEM\n",
		file, t->run, t->valid, t->invalid, t->acc_accepted, t->acc_rejected, t->jwk_keys,
		t->pem_keys);
	if (t->mismatches > 0)
		fail_msg("%s: %zu vectors disagree (tcIds above)", file, t->mismatches);
	if (want <= 0 || t->run != (size_t)want)
		fail_msg("%s: ran %zu vectors, the file has %lld", file, t->run, (long long)want);
}

static EVP_PKEY *
pem_key(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);

	BIO_free(bio);
	assert_non_null(k);
	return k;
}

static void
run_signature_file(const char *file, enum jet_jws_alg alg, const char *jwk_member)
{
	char path[512];
	json_t *doc, *groups, *g;
	struct tally t = { 0 };
	size_t gi;

	snprintf(path, sizeof(path), "%s%s", WYCHEPROOF, file);
	doc = load(path);
	groups = json_object_get(doc, "testGroups");
	assert_true(json_array_size(groups) > 0);
	json_array_foreach(groups, gi, g) {
		EVP_PKEY *pem = pem_key(str(g, "publicKeyPem"));
		const json_t *jwk = json_object_get(g, jwk_member), *tests, *test;
		struct jet_jwk *k = NULL;
		EVP_PKEY *pkey = pem;
		size_t ti;

		if (jwk != NULL) {
			char err[128];
			int rc = jet_jwk_parse(jwk, 1u << alg, alg, &k, err, sizeof(err));

			if (rc != JET_OK)
				fail_msg("%s group %zu: JWK refused: %s", file, gi, err);
			assert_int_equal(k->alg, alg);
			assert_int_equal(EVP_PKEY_eq(k->pkey, pem), 1);
			pkey = k->pkey;
			t.jwk_keys++;
		} else {
			t.pem_keys++;
		}
		tests = json_object_get(g, "tests");
		json_array_foreach(tests, ti, test) {
			size_t mlen, slen;
			uint8_t *m = unhex(str(test, "msg"), &mlen);
			uint8_t *s = unhex(str(test, "sig"), &slen);
			int rc = jet_sig_verify(alg, pkey, m, mlen, s, slen);

			/* Nothing but OK and EPERM: the key fits the algorithm. */
			assert_true(rc == JET_OK || rc == JET_EPERM);
			judge(&t, file, test, rc == JET_OK);
			free(m);
			free(s);
		}
		jet_jwk_free(k);
		EVP_PKEY_free(pem);
	}
	report(file, doc, &t);
	json_decref(doc);
}

static void
test_ecdsa_p256(void **state)
{
	(void)state;
	run_signature_file("ecdsa_secp256r1_sha256_p1363_test.json", JET_JWS_ES256, "publicKeyJwk");
}

static void
test_ecdsa_p384(void **state)
{
	(void)state;
	run_signature_file("ecdsa_secp384r1_sha384_p1363_test.json", JET_JWS_ES384, "publicKeyJwk");
}

static void
test_ed25519(void **state)
{
	(void)state;
	run_signature_file("ed25519_test.json", JET_JWS_EDDSA, "publicKeyJwk");
}

static void
test_rsa_pkcs1_2048_sha256(void **state)
{
	(void)state;
	run_signature_file("rsa_signature_2048_sha256_test.json", JET_JWS_RS256, "keyJwk");
}

static void
test_rsa_pss_2048_sha256_32(void **state)
{
	(void)state;
	run_signature_file("rsa_pss_2048_sha256_mgf1_32_test.json", JET_JWS_PS256,
		"publicKeyJwk");
}

static void
test_hmac_sha256(void **state)
{
	const char *file = "hmac_sha256_test.json";
	char path[512];
	json_t *doc, *groups, *g;
	struct tally t = { 0 };
	size_t gi;

	(void)state;
	snprintf(path, sizeof(path), "%s%s", WYCHEPROOF, file);
	doc = load(path);
	groups = json_object_get(doc, "testGroups");
	json_array_foreach(groups, gi, g) {
		json_int_t tag_bits = json_integer_value(json_object_get(g, "tagSize"));
		const json_t *tests = json_object_get(g, "tests"), *test;
		size_t ti;

		/* Groups with truncated tags compare a prefix of the full tag. */
		assert_true(tag_bits > 0 && tag_bits <= 256 && tag_bits % 8 == 0);
		json_array_foreach(tests, ti, test) {
			size_t klen, mlen, tlen;
			uint8_t *key = unhex(str(test, "key"), &klen);
			uint8_t *m = unhex(str(test, "msg"), &mlen);
			uint8_t *tag = unhex(str(test, "tag"), &tlen);
			uint8_t mac[32];

			assert_int_equal(jet_hmac_sha256(key, klen, m, mlen, mac), JET_OK);
			judge(&t, file, test,
				tlen == (size_t)tag_bits / 8 && jet_ct_equal(mac, tag, tlen));
			free(key);
			free(m);
			free(tag);
		}
	}
	report(file, doc, &t);
	json_decref(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecdsa_p256),
		cmocka_unit_test(test_ecdsa_p384),
		cmocka_unit_test(test_ed25519),
		cmocka_unit_test(test_rsa_pkcs1_2048_sha256),
		cmocka_unit_test(test_rsa_pss_2048_sha256_32),
		cmocka_unit_test(test_hmac_sha256),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
