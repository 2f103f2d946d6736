/*
 * Unit tests for lib/jose compact JWS: JWT signing for every algorithm read
 * back by the parser and verifier; verification refusals (header alg that
 * differs from the key's, HS256 keyed with the public key, "none", wrong
 * signature lengths, truncated or extended signatures, tampered header or
 * payload); and each refusal of the parser: size, part count, every kind
 * of non-canonical base64url in every part, non-object or duplicate-key
 * JSON, depth, the refused header members, bad kid and typ, signature
 * length.  Error reasons never echo the token.  Signing from threads that
 * share one key.
 */
#include <pthread.h>
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

#define MARK "ZqMARKqZ"
#define MAX_LEN 16384

struct fixture {
	struct jet_jwk *keys[5]; /* ES256, ES384, EdDSA, RS256, PS256 */
	struct jet_jwk *es256_pub; /* the ES256 key read back from its JWK */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	json_t *pub;

	if (f == NULL || rsa == NULL ||
		jet_jwk_generate(JET_JWS_ES256, "es256", &f->keys[0]) != JET_OK ||
		jet_jwk_generate(JET_JWS_ES384, "es384", &f->keys[1]) != JET_OK ||
		jet_jwk_generate(JET_JWS_EDDSA, "eddsa", &f->keys[2]) != JET_OK ||
		jet_jwk_from_pkey(rsa, JET_JWS_RS256, "rs256", &f->keys[3]) != JET_OK)
		return -1;
	EVP_PKEY_up_ref(rsa);
	if (jet_jwk_from_pkey(rsa, JET_JWS_PS256, "ps256", &f->keys[4]) != JET_OK)
		return -1;
	pub = jet_jwk_public_json(f->keys[0]);
	if (jet_jwk_parse(pub, ~0u, JET_JWS_RS256, &f->es256_pub, NULL, 0) != JET_OK)
		return -1;
	json_decref(pub);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < 5; i++)
		jet_jwk_free(f->keys[i]);
	jet_jwk_free(f->es256_pub);
	free(f);
	return 0;
}

/* ------------------------------------------------------------ helpers */

static void
append_b64(struct jet_buf *b, const void *p, size_t n)
{
	assert_int_equal(jet_b64url_encode_buf(b, p, n), JET_OK);
}

/* b64(header) "." b64(payload) "." b64(sig), NUL-terminated, malloc'd. */
static char *
token_raw(const char *header, const char *payload, const uint8_t *sig, size_t siglen)
{
	struct jet_buf b;

	jet_buf_init(&b, 1 << 20);
	append_b64(&b, header, strlen(header));
	assert_int_equal(jet_buf_append(&b, ".", 1), JET_OK);
	append_b64(&b, payload, strlen(payload));
	assert_int_equal(jet_buf_append(&b, ".", 1), JET_OK);
	append_b64(&b, sig, siglen);
	assert_int_equal(jet_buf_append(&b, "", 1), JET_OK);
	return b.data;
}

/* The same, signed with key (whatever the header says). */
static char *
token_signed(const struct jet_jwk *key, const char *header, const char *payload)
{
	struct jet_buf b;
	uint8_t sig[JET_JWS_SIG_MAX];
	size_t siglen;

	jet_buf_init(&b, 1 << 20);
	append_b64(&b, header, strlen(header));
	assert_int_equal(jet_buf_append(&b, ".", 1), JET_OK);
	append_b64(&b, payload, strlen(payload));
	assert_int_equal(jet_sig_sign(key->alg, key->pkey, b.data, b.len, sig, sizeof(sig),
				 &siglen),
		JET_OK);
	assert_int_equal(jet_buf_append(&b, ".", 1), JET_OK);
	append_b64(&b, sig, siglen);
	assert_int_equal(jet_buf_append(&b, "", 1), JET_OK);
	return b.data;
}

/* Parses token; on refusal checks the no-cleanup contract and the reason. */
static int
parse(const char *token, size_t len, struct jet_jws *jws)
{
	char err[128];
	int rc = jet_jws_parse(token, len, MAX_LEN, jws, err, sizeof(err));

	if (rc != JET_OK) {
		assert_null(jws->header);
		assert_null(jws->payload);
		assert_true(err[0] != '\0');
		assert_null(strstr(err, MARK));
		assert_null(strstr(err, "eyJ"));
	}
	return rc;
}

static void
assert_parse_refused(const char *token)
{
	struct jet_jws jws;

	assert_int_equal(parse(token, strlen(token), &jws), JET_EINVAL);
}

static void
assert_header_refused(const char *header)
{
	char *t = token_raw(header, "{\"sub\":\"x\"}", (const uint8_t *)"0123456789", 10);

	assert_parse_refused(t);
	free(t);
}

static void
assert_payload_refused(const char *payload)
{
	char *t = token_raw("{\"alg\":\"ES256\"}", payload, (const uint8_t *)"0123456789", 10);

	assert_parse_refused(t);
	free(t);
}

static json_t *
claims(void)
{
	return json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:[s,s]}", "iss", "https://auth.jetstream.test",
		"sub", "device-1", "aud", "api", "iat", (json_int_t)1700000000, "exp",
		(json_int_t)1700000300, "jti", "3q2-7w", "scope", "read", "write");
}

/* ------------------------------------------------------------ signing */

static void
test_jwt_sign_every_alg(void **state)
{
	struct fixture *f = *state;
	json_t *c = claims();

	for (size_t i = 0; i < 5; i++) {
		const struct jet_jwk *k = f->keys[i];
		struct jet_buf out;
		struct jet_jws jws;
		char want[128];
		json_t *want_h;

		jet_buf_init(&out, 8192);
		assert_int_equal(jet_buf_append_str(&out, "Bearer "), JET_OK);
		assert_int_equal(jet_jwt_sign(k, "at+jwt", c, &out), JET_OK);
		assert_memory_equal(out.data, "Bearer ", 7);
		assert_int_equal(parse(out.data + 7, out.len - 7, &jws), JET_OK);
		assert_int_equal(jws.alg, k->alg);
		assert_string_equal(jws.kid, k->kid);
		assert_string_equal(jws.typ, "at+jwt");
		assert_true(json_equal(jws.payload, c));
		snprintf(want, sizeof(want), "{\"alg\":\"%s\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}",
			jet_jws_alg_name(k->alg), k->kid);
		want_h = json_loads(want, 0, NULL);
		assert_true(json_equal(jws.header, want_h));
		json_decref(want_h);
		assert_int_equal(jet_jws_verify(&jws, k), JET_OK);
		/* The header is exactly that text, compact, in that order. */
		{
			char enc[256];

			assert_int_equal(jet_b64url_encode(want, strlen(want), enc, sizeof(enc)),
				JET_OK);
			assert_memory_equal(out.data + 7, enc, strlen(enc));
			assert_int_equal(out.data[7 + strlen(enc)], '.');
		}
		jet_jws_cleanup(&jws);
		jet_buf_cleanup(&out);
	}
	json_decref(c);
}

static void
test_jwt_sign_details(void **state)
{
	struct fixture *f = *state;
	json_t *c = claims(), *arr = json_array();
	struct jet_buf out;
	struct jet_jws jws;

	/* No typ: the header has alg and kid only. */
	jet_buf_init(&out, 8192);
	assert_int_equal(jet_jwt_sign(f->keys[0], NULL, c, &out), JET_OK);
	assert_int_equal(parse(out.data, out.len, &jws), JET_OK);
	assert_null(jws.typ);
	assert_int_equal(json_object_size(jws.header), 2);
	jet_jws_cleanup(&jws);
	/* typ is escaped. */
	jet_buf_reset(&out);
	assert_int_equal(jet_jwt_sign(f->keys[0], "a\"b\\c", c, &out), JET_OK);
	assert_int_equal(parse(out.data, out.len, &jws), JET_OK);
	assert_string_equal(jws.typ, "a\"b\\c");
	jet_jws_cleanup(&jws);
	/* Public keys do not sign; claims must be an object. */
	jet_buf_reset(&out);
	assert_int_equal(jet_jwt_sign(f->es256_pub, NULL, c, &out), JET_EINVAL);
	assert_int_equal(jet_jwt_sign(f->keys[0], NULL, arr, &out), JET_EINVAL);
	assert_int_equal(jet_jwt_sign(f->keys[0], NULL, NULL, &out), JET_EINVAL);
	assert_int_equal(jet_jwt_sign(NULL, NULL, c, &out), JET_EINVAL);
	assert_int_equal(out.len, 0);
	jet_buf_cleanup(&out);
	/* Bounded by out->max, and nothing is left behind on failure. */
	jet_buf_init(&out, 200);
	assert_int_equal(jet_buf_append_str(&out, "keep"), JET_OK);
	assert_int_equal(jet_jwt_sign(f->keys[0], "JWT", c, &out), JET_ETOOBIG);
	assert_int_equal(out.len, 4);
	jet_buf_cleanup(&out);
	json_decref(arr);
	json_decref(c);
}

struct thread_arg {
	const struct jet_jwk *key;
	int ok;
};

static void *
sign_loop(void *p)
{
	struct thread_arg *a = p;
	json_t *c = claims();
	struct jet_buf out;

	jet_buf_init(&out, 8192);
	for (int i = 0; i < 200; i++) {
		struct jet_jws jws;

		jet_buf_reset(&out);
		json_object_set_new(c, "n", json_integer(i));
		if (jet_jwt_sign(a->key, "at+jwt", c, &out) != JET_OK ||
			jet_jws_parse(out.data, out.len, MAX_LEN, &jws, NULL, 0) != JET_OK)
			continue;
		if (jet_jws_verify(&jws, a->key) == JET_OK && json_equal(jws.payload, c))
			a->ok++;
		jet_jws_cleanup(&jws);
	}
	jet_buf_cleanup(&out);
	json_decref(c);
	return NULL;
}

static void
test_threads_share_a_key(void **state)
{
	struct fixture *f = *state;
	pthread_t t[4];
	struct thread_arg a[4];

	for (int i = 0; i < 4; i++) {
		a[i].key = f->keys[i % 2 == 0 ? 0 : 2];
		a[i].ok = 0;
		assert_int_equal(pthread_create(&t[i], NULL, sign_loop, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].ok, 200);
	}
}

/* ------------------------------------------------------------ verification */

static void
test_verify_with_public_key(void **state)
{
	struct fixture *f = *state;
	char *t = token_signed(f->keys[0], "{\"alg\":\"ES256\",\"kid\":\"es256\"}", "{\"a\":1}");
	struct jet_jws jws;

	assert_int_equal(parse(t, strlen(t), &jws), JET_OK);
	assert_int_equal(jet_jws_verify(&jws, f->es256_pub), JET_OK);
	assert_int_equal(jet_jws_verify(&jws, f->keys[1]), JET_EPERM);
	assert_int_equal(jet_jws_verify(&jws, NULL), JET_EPERM);
	assert_int_equal(jet_jws_verify(NULL, f->es256_pub), JET_EPERM);
	jet_jws_cleanup(&jws);
	jet_jws_cleanup(&jws); /* idempotent */
	free(t);
}

static void
test_verify_alg_must_match_key(void **state)
{
	struct fixture *f = *state;
	static const char *const algs[] = { "ES256", "ES384", "EdDSA", "RS256", "PS256" };

	/* Every key, every header alg: only the key's own alg verifies, even
	 * though the signature itself is genuine. */
	for (size_t i = 0; i < 5; i++) {
		for (size_t j = 0; j < 5; j++) {
			char h[64];
			char *t;
			struct jet_jws jws;

			snprintf(h, sizeof(h), "{\"alg\":\"%s\"}", algs[j]);
			t = token_signed(f->keys[i], h, "{\"a\":1}");
			assert_int_equal(parse(t, strlen(t), &jws), JET_OK);
			assert_int_equal(jet_jws_verify(&jws, f->keys[i]), i == j ? JET_OK : JET_EPERM);
			jet_jws_cleanup(&jws);
			free(t);
		}
	}
}

static void
test_verify_refuses_hs256(void **state)
{
	struct fixture *f = *state;
	uint8_t mac[32];
	char *pem = NULL;
	long pemlen;
	BIO *bio = BIO_new(BIO_s_mem());
	struct jet_buf b;
	struct jet_jws jws;
	char *t;

	/* The classic confusion: HS256 keyed with the verifier's public key. */
	assert_int_equal(PEM_write_bio_PUBKEY(bio, f->keys[3]->pkey), 1);
	pemlen = BIO_get_mem_data(bio, &pem);
	jet_buf_init(&b, 4096);
	append_b64(&b, "{\"alg\":\"HS256\"}", 15);
	assert_int_equal(jet_buf_append(&b, ".", 1), JET_OK);
	append_b64(&b, "{\"a\":1}", 7);
	assert_int_equal(jet_hmac_sha256(pem, (size_t)pemlen, b.data, b.len, mac), JET_OK);
	assert_int_equal(jet_buf_append(&b, ".", 1), JET_OK);
	append_b64(&b, mac, sizeof(mac));
	assert_int_equal(parse(b.data, b.len, &jws), JET_OK);
	assert_int_equal(jws.alg, JET_JWS_HS256);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(jet_jws_verify(&jws, f->keys[i]), JET_EPERM);
	jet_jws_cleanup(&jws);
	jet_buf_cleanup(&b);
	BIO_free(bio);
	/* A key record claiming HS256 never verifies either. */
	{
		struct jet_jwk fake = *f->keys[0];

		fake.alg = JET_JWS_HS256;
		t = token_signed(f->keys[0], "{\"alg\":\"HS256\"}", "{\"a\":1}");
		assert_int_equal(parse(t, strlen(t), &jws), JET_OK);
		assert_int_equal(jet_jws_verify(&jws, &fake), JET_EPERM);
		jet_jws_cleanup(&jws);
		free(t);
	}
}

static void
test_verify_refuses_none(void **state)
{
	struct fixture *f = *state;
	static const char *const nones[] = { "none", "None", "NONE", "" };
	struct jet_jws jws;

	for (size_t n = 0; n < sizeof(nones) / sizeof(nones[0]); n++) {
		char h[64], *t;

		snprintf(h, sizeof(h), "{\"alg\":\"%s\"}", nones[n]);
		/* Unsecured JWS: empty signature, refused by the parser. */
		t = token_raw(h, "{\"a\":1}", NULL, 0);
		assert_parse_refused(t);
		free(t);
		/* With a signature: parsed, never verified. */
		t = token_signed(f->keys[0], h, "{\"a\":1}");
		assert_int_equal(parse(t, strlen(t), &jws), JET_OK);
		assert_int_equal(jws.alg, JET_JWS_UNKNOWN);
		for (size_t i = 0; i < 5; i++)
			assert_int_equal(jet_jws_verify(&jws, f->keys[i]), JET_EPERM);
		jet_jws_cleanup(&jws);
		free(t);
	}
}

static void
test_verify_refuses_bad_signatures(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < 5; i++) {
		const struct jet_jwk *k = f->keys[i];
		char h[64], *good, *t;
		struct jet_jws jws;
		uint8_t sig[JET_JWS_SIG_MAX];
		size_t siglen;

		snprintf(h, sizeof(h), "{\"alg\":\"%s\"}", jet_jws_alg_name(k->alg));
		good = token_signed(k, h, "{\"sub\":\"alice\"}");
		assert_int_equal(parse(good, strlen(good), &jws), JET_OK);
		assert_int_equal(jet_jws_verify(&jws, k), JET_OK);
		siglen = jws.sig_len;
		memcpy(sig, jws.sig, siglen);
		jet_jws_cleanup(&jws);
		/* Truncated by one byte, extended by one zero byte, zero-filled,
		 * halved. */
		t = token_raw(h, "{\"sub\":\"alice\"}", sig, siglen - 1);
		assert_int_equal(parse(t, strlen(t), &jws), JET_OK);
		assert_int_equal(jet_jws_verify(&jws, k), JET_EPERM);
		jet_jws_cleanup(&jws);
		free(t);
		sig[siglen] = 0;
		t = token_raw(h, "{\"sub\":\"alice\"}", sig, siglen + 1);
		assert_int_equal(parse(t, strlen(t), &jws), JET_OK);
		assert_int_equal(jet_jws_verify(&jws, k), JET_EPERM);
		jet_jws_cleanup(&jws);
		free(t);
		t = token_raw(h, "{\"sub\":\"alice\"}", sig, siglen / 2);
		assert_int_equal(parse(t, strlen(t), &jws), JET_OK);
		assert_int_equal(jet_jws_verify(&jws, k), JET_EPERM);
		jet_jws_cleanup(&jws);
		free(t);
		/* Tampered payload with the original signature. */
		t = token_raw(h, "{\"sub\":\"admin\"}", sig, siglen);
		assert_int_equal(parse(t, strlen(t), &jws), JET_OK);
		assert_int_equal(jet_jws_verify(&jws, k), JET_EPERM);
		jet_jws_cleanup(&jws);
		free(t);
		/* Tampered header (an added member) with the original signature. */
		snprintf(h, sizeof(h), "{\"alg\":\"%s\",\"x\":1}", jet_jws_alg_name(k->alg));
		t = token_raw(h, "{\"sub\":\"alice\"}", sig, siglen);
		assert_int_equal(parse(t, strlen(t), &jws), JET_OK);
		assert_int_equal(jet_jws_verify(&jws, k), JET_EPERM);
		jet_jws_cleanup(&jws);
		free(t);
		free(good);
	}
}

static void
test_verify_ecdsa_scalars_via_token(void **state)
{
	struct fixture *f = *state;
	/* P-256 n, big-endian. */
	static const uint8_t n[32] = { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
		0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51 };
	char *good = token_signed(f->keys[0], "{\"alg\":\"ES256\"}", "{\"a\":1}");
	struct jet_jws jws;
	uint8_t sig[64];

	assert_int_equal(parse(good, strlen(good), &jws), JET_OK);
	assert_int_equal(jws.sig_len, 64);
	memcpy(sig, jws.sig, 64);
	jet_jws_cleanup(&jws);
	for (int c = 0; c < 4; c++) {
		uint8_t bad[64];
		char *t;

		memcpy(bad, sig, 64);
		if (c == 0)
			memset(bad, 0, 32); /* r = 0 */
		else if (c == 1)
			memset(bad + 32, 0, 32); /* s = 0 */
		else if (c == 2)
			memcpy(bad, n, 32); /* r = n */
		else
			memcpy(bad + 32, n, 32); /* s = n */
		t = token_raw("{\"alg\":\"ES256\"}", "{\"a\":1}", bad, 64);
		assert_int_equal(parse(t, strlen(t), &jws), JET_OK);
		assert_int_equal(jet_jws_verify(&jws, f->keys[0]), JET_EPERM);
		jet_jws_cleanup(&jws);
		free(t);
	}
	free(good);
}

/* ------------------------------------------------------------ parsing */

static void
test_parse_size_limit(void **state)
{
	struct fixture *f = *state;
	char *t = token_signed(f->keys[0], "{\"alg\":\"ES256\"}", "{\"a\":1}");
	size_t len = strlen(t);
	struct jet_jws jws;
	char err[64];

	assert_int_equal(jet_jws_parse(t, len, len, &jws, err, sizeof(err)), JET_OK);
	jet_jws_cleanup(&jws);
	assert_int_equal(jet_jws_parse(t, len, len - 1, &jws, err, sizeof(err)), JET_ETOOBIG);
	assert_null(jws.header);
	assert_int_equal(jet_jws_parse(NULL, 5, 100, &jws, err, sizeof(err)), JET_EINVAL);
	free(t);
}

static void
test_parse_part_count(void **state)
{
	static const char *const bad[] = {
		"", ".", "..", "...", "eyJhbGciOiJFUzI1NiJ9", "eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ",
		"eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.AAAA.AAAA", "eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.AAAA.",
		".eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.AAAA",
		"eyJhbGciOiJFUzI1NiJ9..eyJhIjoxfQ.AAAA.AAAA", /* JWE: five parts */
		"eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.", "eyJhbGciOiJFUzI1NiJ9..AAAA", ".eyJhIjoxfQ.AAAA",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_parse_refused(bad[i]);
	/* An embedded NUL is not an end of the token. */
	{
		struct jet_jws jws;
		static const char t[] = "eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.AAAA\0.x";

		assert_int_equal(parse(t, sizeof(t) - 1, &jws), JET_EINVAL);
	}
}

/* Replaces part (0, 1, 2) of a good token with text. */
static char *
replace_part(const char *token, int part, const char *text)
{
	const char *d1 = strchr(token, '.'), *d2 = strchr(d1 + 1, '.');
	struct jet_buf b;

	jet_buf_init(&b, 1 << 20);
	if (part == 0) {
		jet_buf_append_str(&b, text);
		jet_buf_append_str(&b, d1);
	} else if (part == 1) {
		jet_buf_append(&b, token, (size_t)(d1 + 1 - token));
		jet_buf_append_str(&b, text);
		jet_buf_append_str(&b, d2);
	} else {
		jet_buf_append(&b, token, (size_t)(d2 + 1 - token));
		jet_buf_append_str(&b, text);
	}
	jet_buf_append(&b, "", 1);
	return b.data;
}

static void
test_parse_non_canonical_base64url(void **state)
{
	struct fixture *f = *state;
	/* header {"alg":"ES256"} is eyJhbGciOiJFUzI1NiJ9 (len 20, no padding);
	 * payload {"a":1} is eyJhIjoxfQ (len 10: 2 bytes of padding in b64). */
	char *good = token_signed(f->keys[0], "{\"alg\":\"ES256\"}", "{\"a\":1}");
	const char *d2 = strrchr(good, '.');
	char sig[100], buf[200];
	/* Prefix and suffix around each part: padding, whitespace, escapes. */
	static const char *const mods[][2] = { { "", "=" }, { "", "==" }, { " ", "" }, { "", " " },
		{ "", "\n" }, { "\t", "" }, { "", "%3D" }, { "", "\r\n" } };
	struct jet_jws jws;

	snprintf(sig, sizeof(sig), "%s", d2 + 1);
	assert_int_equal(parse(good, strlen(good), &jws), JET_OK);
	jet_jws_cleanup(&jws);
	for (size_t m = 0; m < sizeof(mods) / sizeof(mods[0]); m++) {
		const char *parts[3] = { "eyJhbGciOiJFUzI1NiJ9", "eyJhIjoxfQ", sig };

		for (int p = 0; p < 3; p++) {
			char *t;

			snprintf(buf, sizeof(buf), "%s%s%s", mods[m][0], parts[p], mods[m][1]);
			t = replace_part(good, p, buf);
			assert_parse_refused(t);
			free(t);
		}
	}
	{
		/* eyJhIjoxfQ with its last character's unused bits set: eyJhIjoxfR */
		char *t = replace_part(good, 1, "eyJhIjoxfR");

		assert_parse_refused(t);
		free(t);
		t = replace_part(good, 0, "eyJhbGciOiJFUzI1NiJ9A"); /* length 1 mod 4 */
		assert_parse_refused(t);
		free(t);
		t = replace_part(good, 1, "eyJhIjox+Q");
		assert_parse_refused(t);
		free(t);
		t = replace_part(good, 1, "eyJhIjox/Q");
		assert_parse_refused(t);
		free(t);
	}
	/* The signature's own last character with unused bits set. */
	{
		size_t sl = strlen(sig);
		char *t;

		/* 64 bytes encode to 86 characters: 4 unused bits in the last. */
		assert_int_equal(sl, 86);
		sig[sl - 1] = sig[sl - 1] == 'A' ? 'B' : (char)(sig[sl - 1] ^ 1);
		t = replace_part(good, 2, sig);
		assert_parse_refused(t);
		free(t);
		sig[sl - 1] = '+';
		t = replace_part(good, 2, sig);
		assert_parse_refused(t);
		free(t);
	}
	free(good);
}

static void
test_parse_header_not_object(void **state)
{
	(void)state;
	assert_header_refused("[\"alg\",\"ES256\"]");
	assert_header_refused("\"ES256\"");
	assert_header_refused("7");
	assert_header_refused("null");
	assert_header_refused("");
	assert_header_refused("{\"alg\":\"ES256\"");
	assert_header_refused("{\"alg\":\"" MARK "\"} x");
	assert_header_refused("{'alg':'ES256'}");
}

static void
test_parse_payload_not_object(void **state)
{
	(void)state;
	assert_payload_refused("[1,2]");
	assert_payload_refused("\"" MARK "\"");
	assert_payload_refused("1");
	assert_payload_refused("true");
	assert_payload_refused("");
	assert_payload_refused("hello " MARK);
	assert_payload_refused("{\"a\":1");
}

static void
test_parse_duplicate_keys(void **state)
{
	(void)state;
	assert_header_refused("{\"alg\":\"ES256\",\"alg\":\"none\"}");
	assert_header_refused("{\"alg\":\"ES256\",\"kid\":\"a\",\"kid\":\"b\"}");
	assert_payload_refused("{\"sub\":\"alice\",\"sub\":\"admin\"}");
	assert_payload_refused("{\"a\":{\"b\":1,\"b\":2}}");
}

static void
test_parse_depth(void **state)
{
	struct fixture *f = *state;
	char *t;
	struct jet_jws jws;

	/* Depth 8 is the limit: {"a":[[[[[[1]]]]]]} is 7 deep, plus one. */
	t = token_signed(f->keys[0], "{\"alg\":\"ES256\"}", "{\"a\":[[[[[[[1]]]]]]]}");
	assert_int_equal(parse(t, strlen(t), &jws), JET_OK);
	jet_jws_cleanup(&jws);
	free(t);
	assert_payload_refused("{\"a\":[[[[[[[[1]]]]]]]]}");
	assert_header_refused("{\"alg\":\"ES256\",\"x\":[[[[[[[[1]]]]]]]]}");
}

static void
test_parse_alg_member(void **state)
{
	(void)state;
	assert_header_refused("{}");
	assert_header_refused("{\"typ\":\"JWT\"}");
	assert_header_refused("{\"alg\":null}");
	assert_header_refused("{\"alg\":256}");
	assert_header_refused("{\"alg\":[\"ES256\"]}");
	assert_header_refused("{\"alg\":{\"name\":\"ES256\"}}");
	assert_header_refused("{\"ALG\":\"ES256\"}");
}

static void
test_parse_refused_members(void **state)
{
	static const char *const members[] = { "crit", "jku", "jwk", "x5u", "x5c", "b64", "zip" };
	static const char *const values[] = { "[\"exp\"]", "\"https://" MARK "/jwks\"",
		"{\"kty\":\"EC\"}", "\"https://" MARK "/c.pem\"", "[\"MIIB\"]", "false", "\"DEF\"" };

	(void)state;
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		char h[128];

		snprintf(h, sizeof(h), "{\"alg\":\"ES256\",\"%s\":%s}", members[i], values[i]);
		assert_header_refused(h);
		/* Refused by presence, whatever the value. */
		snprintf(h, sizeof(h), "{\"alg\":\"ES256\",\"%s\":null}", members[i]);
		assert_header_refused(h);
	}
}

static void
test_parse_kid_and_typ(void **state)
{
	struct fixture *f = *state;
	static const char *const bad_kids[] = { "\"../x\"", "\"a'b\"", "\"\"", "\"..\"",
		"\"" MARK "/\"", "\"a b\"", "7", "null", "[\"a\"]",
		"\"01234567890123456789012345678901234567890123456789012345678901234\"" };
	char h[160], *t;
	struct jet_jws jws;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_kids) / sizeof(bad_kids[0]); i++) {
		snprintf(h, sizeof(h), "{\"alg\":\"ES256\",\"kid\":%s}", bad_kids[i]);
		assert_header_refused(h);
	}
	assert_header_refused("{\"alg\":\"ES256\",\"typ\":1}");
	assert_header_refused("{\"alg\":\"ES256\",\"typ\":null}");
	assert_header_refused("{\"alg\":\"ES256\",\"typ\":[\"JWT\"]}");
	/* Good ones are exposed, borrowed from the header. */
	t = token_signed(f->keys[0],
		"{\"alg\":\"ES256\",\"kid\":\"0123456789012345678901234567890123456789012345678901"
		"234567890123\",\"typ\":\"JWT\",\"cty\":\"x\"}",
		"{}");
	assert_int_equal(parse(t, strlen(t), &jws), JET_OK);
	assert_int_equal(strlen(jws.kid), 64);
	assert_string_equal(jws.typ, "JWT");
	assert_true(jws.signing_input.len < strlen(t));
	assert_ptr_equal(jws.signing_input.p, t);
	assert_int_equal(t[jws.signing_input.len], '.');
	jet_jws_cleanup(&jws);
	free(t);
}

static void
test_parse_signature_length(void **state)
{
	uint8_t sig[JET_JWS_SIG_MAX + 1];
	char *t;
	struct jet_jws jws;

	(void)state;
	memset(sig, 0xa5, sizeof(sig));
	/* At the limit, and one past it. */
	t = token_raw("{\"alg\":\"RS256\"}", "{}", sig, JET_JWS_SIG_MAX);
	assert_int_equal(parse(t, strlen(t), &jws), JET_OK);
	assert_int_equal(jws.sig_len, JET_JWS_SIG_MAX);
	assert_memory_equal(jws.sig, sig, JET_JWS_SIG_MAX);
	jet_jws_cleanup(&jws);
	free(t);
	t = token_raw("{\"alg\":\"RS256\"}", "{}", sig, JET_JWS_SIG_MAX + 1);
	assert_parse_refused(t);
	free(t);
	/* Empty. */
	t = token_raw("{\"alg\":\"ES256\"}", "{}", sig, 0);
	assert_parse_refused(t);
	free(t);
}

static void
test_parse_header_size(void **state)
{
	char h[1200];
	char *t;
	struct jet_jws jws;
	size_t pad;

	(void)state;
	/* A header of exactly 1024 bytes parses; 1025 does not. */
	pad = 1024 - strlen("{\"alg\":\"ES256\",\"x\":\"\"}");
	snprintf(h, sizeof(h), "{\"alg\":\"ES256\",\"x\":\"%0*d\"}", (int)pad, 0);
	assert_int_equal(strlen(h), 1024);
	t = token_raw(h, "{}", (const uint8_t *)"sig", 3);
	assert_int_equal(parse(t, strlen(t), &jws), JET_OK);
	jet_jws_cleanup(&jws);
	free(t);
	snprintf(h, sizeof(h), "{\"alg\":\"ES256\",\"x\":\"%0*d\"}", (int)pad + 1, 0);
	t = token_raw(h, "{}", (const uint8_t *)"sig", 3);
	assert_parse_refused(t);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jwt_sign_every_alg),
		cmocka_unit_test(test_jwt_sign_details),
		cmocka_unit_test(test_threads_share_a_key),
		cmocka_unit_test(test_verify_with_public_key),
		cmocka_unit_test(test_verify_alg_must_match_key),
		cmocka_unit_test(test_verify_refuses_hs256),
		cmocka_unit_test(test_verify_refuses_none),
		cmocka_unit_test(test_verify_refuses_bad_signatures),
		cmocka_unit_test(test_verify_ecdsa_scalars_via_token),
		cmocka_unit_test(test_parse_size_limit),
		cmocka_unit_test(test_parse_part_count),
		cmocka_unit_test(test_parse_non_canonical_base64url),
		cmocka_unit_test(test_parse_header_not_object),
		cmocka_unit_test(test_parse_payload_not_object),
		cmocka_unit_test(test_parse_duplicate_keys),
		cmocka_unit_test(test_parse_depth),
		cmocka_unit_test(test_parse_alg_member),
		cmocka_unit_test(test_parse_refused_members),
		cmocka_unit_test(test_parse_kid_and_typ),
		cmocka_unit_test(test_parse_signature_length),
		cmocka_unit_test(test_parse_header_size),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
