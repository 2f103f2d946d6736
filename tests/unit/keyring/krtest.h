/*
 * krtest.h - helpers shared by the keyring unit tests: a fresh keyring
 * directory, a policy, and the verifier's side (parse the published JWKS,
 * verify a token against it) written with lib/jose as a real verifier
 * would.
 */
#ifndef JET_KRTEST_H
#define JET_KRTEST_H

#include <dirent.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "jet/jose.h"
#include "jet/keyring.h"

#define T0 1764000000LL /* 2025-11-24: the tests' "now" */

#define ALL_ALGS ((1u << JET_JWS_ES256) | (1u << JET_JWS_ES384) | (1u << JET_JWS_EDDSA) | \
	(1u << JET_JWS_RS256) | (1u << JET_JWS_PS256))

/*
 * A new directory under $JET_TEST_TMP, as jet_test_tmpdir makes them (that
 * helper lives in testnet.c, which would pull the HTTP server into a
 * keyring-only build); the keyring goes to <it>/auth/keys (created by open).
 */
static inline void
kr_test_dir(char *out, size_t outlen, const char *tag)
{
	static int counter;
	const char *tmp = getenv("JET_TEST_TMP");
	char base[512];

	if (tmp == NULL)
		tmp = "/tmp";
	mkdir(tmp, 0700);
	snprintf(base, sizeof(base), "%s/%s-%d-XXXXXX", tmp, tag, counter++);
	if (mkdtemp(base) == NULL)
		fail_msg("mkdtemp under %s failed", tmp);
	snprintf(out, outlen, "%s/auth/keys", base);
}

static inline struct jet_keyring_policy
kr_test_policy(enum jet_jws_alg alg, int64_t rotation_s)
{
	struct jet_keyring_policy p;

	jet_keyring_policy_default(&p);
	p.alg = alg;
	p.token_lifetime_s = 600;
	p.leeway_s = 60;
	p.rotation_s = rotation_s;
	p.prepublish_s = 3600;
	return p;
}

static inline unsigned
kr_test_mode(const char *dir, const char *name, const char *suffix)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffix);
	if (lstat(path, &st) != 0)
		return 0xFFFF; /* missing */
	return (unsigned)(st.st_mode & 07777);
}

static inline bool
kr_test_exists(const char *dir, const char *kid)
{
	return kr_test_mode(dir, kid, ".pem") != 0xFFFF;
}

/* Number of *.pem files in dir. */
static inline int
kr_test_count_pem(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		n += l > 4 && strcmp(de->d_name + l - 4, ".pem") == 0;
	}
	closedir(d);
	return n;
}

/* The published JWKS, parsed as a verifier parses it. */
static inline int
kr_test_jwks(struct jet_keyring *kr, struct jet_jwks *set)
{
	struct jet_buf b;
	char err[128];
	int rc;

	jet_buf_init(&b, 1 << 20);
	rc = jet_keyring_jwks(kr, &b, NULL);
	if (rc == JET_OK)
		rc = jet_jwks_parse(b.data, b.len, 1 << 20, 64, ALL_ALGS, JET_JWS_RS256, set, err,
			sizeof(err));
	jet_buf_cleanup(&b);
	return rc;
}

/* True when kid is in the published JWKS. */
static inline bool
kr_test_published(struct jet_keyring *kr, const char *kid)
{
	struct jet_jwks set = { 0 };
	bool found;

	if (kr_test_jwks(kr, &set) != JET_OK)
		return false;
	found = jet_jwks_find(&set, kid, strlen(kid)) != NULL;
	jet_jwks_cleanup(&set);
	return found;
}

/* Verifies token against set; JET_OK and the kid in kid_out (65 bytes,
 * may be NULL), else an error. */
static inline int
kr_test_verify(const struct jet_jwks *set, const char *token, size_t len, char *kid_out)
{
	struct jet_jws jws;
	const struct jet_jwk *k;
	char err[128];
	int rc;

	rc = jet_jws_parse(token, len, 1 << 16, &jws, err, sizeof(err));
	if (rc != JET_OK)
		return rc;
	k = jws.kid != NULL ? jet_jwks_find(set, jws.kid, strlen(jws.kid)) : NULL;
	rc = k != NULL ? jet_jws_verify(&jws, k) : JET_ENOTFOUND;
	if (rc == JET_OK && kid_out != NULL)
		snprintf(kid_out, JET_JWK_KID_MAX + 1, "%s", jws.kid);
	jet_jws_cleanup(&jws);
	return rc;
}

/* Signs a small claim set with kr and verifies it against kr's JWKS;
 * returns the verification result, the kid used in kid_out. */
static inline int
kr_test_sign_verify(struct jet_keyring *kr, char *kid_out)
{
	struct jet_jwks set = { 0 };
	struct jet_buf tok;
	json_t *claims = json_pack("{s:s, s:I}", "sub", "device-1", "exp", (json_int_t)T0 + 600);
	int rc;

	jet_buf_init(&tok, 1 << 16);
	rc = jet_keyring_sign(kr, "at+jwt", claims, &tok);
	if (rc == JET_OK)
		rc = kr_test_jwks(kr, &set);
	if (rc == JET_OK)
		rc = kr_test_verify(&set, tok.data, tok.len, kid_out);
	jet_jwks_cleanup(&set);
	jet_buf_cleanup(&tok);
	json_decref(claims);
	return rc;
}

/* The info entry for kid, or NULL (points into a static copy). */
static inline const struct jet_keyring_info *
kr_test_info(struct jet_keyring *kr, const char *kid)
{
	static struct jet_keyring_info info[JET_KEYRING_MAX_KEYS];
	size_t n;

	jet_keyring_list(kr, info, JET_ARRAY_LEN(info), &n);
	for (size_t i = 0; i < n && i < JET_ARRAY_LEN(info); i++) {
		if (strcmp(info[i].kid, kid) == 0)
			return &info[i];
	}
	return NULL;
}

static inline size_t
kr_test_nkeys(struct jet_keyring *kr)
{
	struct jet_keyring_info info[JET_KEYRING_MAX_KEYS];
	size_t n;

	jet_keyring_list(kr, info, JET_ARRAY_LEN(info), &n);
	return n;
}

#endif /* JET_KRTEST_H */
