/*
 * jwk.c - JSON Web Keys for signatures (RFC 7517, RFC 7518 §6, RFC 8037 §2)
 * and their thumbprints (RFC 7638).
 *
 * A struct jet_jwk is an EVP_PKEY bound to one algorithm and one kid.  It is
 * immutable once made, so threads share it without locks.
 *
 * Reading a public JWK is strict, because a JWKS comes from the network:
 *  - private members ("d", "p", "q", "dp", "dq", "qi", "oth", "k") are
 *    refused outright: a key set that carries them is a leak, not a key set;
 *  - EC: crv P-256 or P-384, x and y exactly the field size, the point on
 *    the curve (EVP_PKEY_public_check_quick: in range, on the curve, not at
 *    infinity; both curves have cofactor 1, so that is the whole check);
 *  - OKP: crv Ed25519, x exactly 32 bytes;
 *  - RSA: n and e in the minimal big-endian encoding RFC 7518 §6.3.1
 *    requires (no leading zero octet), n odd and of 2048..4096 bits, e odd,
 *    at least 3 and at most 32 bits;
 *  - "alg", when present, must fit the key and be allowed; without it the
 *    key type decides (RSA keys take the caller's default);
 *  - "use", when present, must be "sig"; "kid" is required and must pass
 *    jet_jwk_kid_valid, since it ends up in logs, caches and lookups.
 * Reasons are fixed strings: nothing from the document is echoed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "jose_int.h"

#define KEY_FILE_MAX (64 * 1024) /* a PEM private key is a few KiB at most */

/* base64url of the largest member (a 4096-bit modulus) plus a NUL. */
#define MEMBER_MAX (((JOSE_RSA_MAX_BYTES + 2) / 3) * 4 + 1)

bool
jet_jwk_kid_valid(const char *kid, size_t len)
{
	if (kid == NULL || len == 0 || len > JET_JWK_KID_MAX)
		return false;
	/* "." and ".." are path components even in this alphabet. */
	if ((len == 1 && kid[0] == '.') || (len == 2 && kid[0] == '.' && kid[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = kid[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			    c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------------
 * The public members of a key, base64url, as RFC 7638 and 7517 spell them
 * --------------------------------------------------------------------- */

struct members {
	const char *kty;
	const char *crv;    /* EC, OKP; NULL for RSA */
	char a[MEMBER_MAX]; /* x (EC, OKP) or n (RSA) */
	char b[MEMBER_MAX]; /* y (EC) or e (RSA); "" for OKP */
};

/* A BIGNUM parameter of pkey, big-endian: padded to pad bytes, or minimal
 * when pad is 0; then base64url into out. */
static int
bn_member(EVP_PKEY *pkey, const char *param, size_t pad, char *out)
{
	uint8_t raw[JOSE_RSA_MAX_BYTES];
	BIGNUM *bn = NULL;
	int n, rc = JET_ETLS;

	if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1)
		return JET_ETLS;
	if ((size_t)BN_num_bytes(bn) > sizeof(raw) || BN_is_zero(bn))
		goto out;
	n = pad > 0 ? BN_bn2binpad(bn, raw, (int)pad) : BN_bn2bin(bn, raw);
	if (n <= 0)
		goto out;
	rc = jet_b64url_encode(raw, (size_t)n, out, MEMBER_MAX);
out:
	BN_free(bn);
	return rc;
}

static int
members_of(const struct jet_jwk *k, struct members *m)
{
	const struct jose_curve *c = jose_curve_by_alg(k->alg);
	int rc;

	memset(m, 0, sizeof(*m));
	if (c != NULL) {
		m->kty = "EC";
		m->crv = c->crv;
		if ((rc = bn_member(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, c->field, m->a)) != JET_OK ||
			(rc = bn_member(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, c->field, m->b)) != JET_OK)
			return rc;
	} else if (k->alg == JET_JWS_EDDSA) {
		uint8_t raw[32];
		size_t n = sizeof(raw);

		m->kty = "OKP";
		m->crv = "Ed25519";
		if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &n) != 1 || n != 32) {
			ERR_clear_error();
			return JET_ETLS;
		}
		if ((rc = jet_b64url_encode(raw, n, m->a, sizeof(m->a))) != JET_OK)
			return rc;
	} else if (k->alg == JET_JWS_RS256 || k->alg == JET_JWS_PS256) {
		m->kty = "RSA";
		if ((rc = bn_member(k->pkey, OSSL_PKEY_PARAM_RSA_N, 0, m->a)) != JET_OK ||
			(rc = bn_member(k->pkey, OSSL_PKEY_PARAM_RSA_E, 0, m->b)) != JET_OK)
			return rc;
	} else {
		return JET_EINVAL;
	}
	return JET_OK;
}

int
jet_jwk_thumbprint(const struct jet_jwk *k, char out[44])
{
	struct members m;
	struct jet_buf b;
	uint8_t md[32];
	unsigned mdlen = 0;
	int rc;

	out[0] = '\0';
	if (k == NULL || (rc = members_of(k, &m)) != JET_OK)
		return k == NULL ? JET_EINVAL : rc;
	/* RFC 7638 §3.2: required members only, lexicographic order, no
	 * whitespace.  Every value is base64url or a fixed name: no escaping. */
	jet_buf_init(&b, 2048);
	if (m.crv != NULL && m.b[0] != '\0')
		rc = jet_buf_printf(&b, "{\"crv\":\"%s\",\"kty\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"}",
			m.crv, m.kty, m.a, m.b);
	else if (m.crv != NULL)
		rc = jet_buf_printf(&b, "{\"crv\":\"%s\",\"kty\":\"%s\",\"x\":\"%s\"}", m.crv, m.kty,
			m.a);
	else
		rc = jet_buf_printf(&b, "{\"e\":\"%s\",\"kty\":\"%s\",\"n\":\"%s\"}", m.b, m.kty,
			m.a);
	if (rc == JET_OK) {
		if (EVP_Digest(b.data, b.len, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32)
			rc = jet_b64url_encode(md, sizeof(md), out, 44);
		else
			rc = JET_ETLS;
	}
	jet_buf_cleanup(&b);
	ERR_clear_error();
	return rc;
}

json_t *
jet_jwk_public_json(const struct jet_jwk *k)
{
	struct members m;
	json_t *o;

	if (k == NULL || members_of(k, &m) != JET_OK || (o = json_object()) == NULL)
		return NULL;
	if (json_object_set_new(o, "kty", json_string(m.kty)) != 0 ||
		(m.crv != NULL && json_object_set_new(o, "crv", json_string(m.crv)) != 0) ||
		json_object_set_new(o, m.crv != NULL ? "x" : "n", json_string(m.a)) != 0 ||
		(m.b[0] != '\0' &&
			json_object_set_new(o, m.crv != NULL ? "y" : "e", json_string(m.b)) != 0) ||
		json_object_set_new(o, "kid", json_string(k->kid)) != 0 ||
		json_object_set_new(o, "alg", json_string(jet_jws_alg_name(k->alg))) != 0 ||
		json_object_set_new(o, "use", json_string("sig")) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ------------------------------------------------------------------------
 * Making keys
 * --------------------------------------------------------------------- */

static bool
pkey_has_private(EVP_PKEY *pkey)
{
	BIGNUM *bn = NULL;
	size_t n = 0;
	bool yes;

	if (EVP_PKEY_is_a(pkey, "ED25519")) {
		yes = EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, NULL, 0,
			      &n) == 1 &&
			n > 0;
	} else {
		yes = EVP_PKEY_get_bn_param(pkey,
			      EVP_PKEY_is_a(pkey, "RSA") ? OSSL_PKEY_PARAM_RSA_D :
							   OSSL_PKEY_PARAM_PRIV_KEY,
			      &bn) == 1;
		BN_clear_free(bn);
	}
	ERR_clear_error();
	return yes;
}

/* The key record around pkey (not yet owned: the caller commits). */
static int
jwk_make(EVP_PKEY *pkey, enum jet_jws_alg alg, const char *kid, struct jet_jwk **out)
{
	struct jet_jwk *k;
	int rc;

	*out = NULL;
	if (!jet_jws_alg_asymmetric(alg) || jose_pkey_fits(alg, pkey) != JET_OK)
		return JET_EINVAL;
	if (kid != NULL && !jet_jwk_kid_valid(kid, strlen(kid)))
		return JET_EINVAL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return JET_ENOMEM;
	k->alg = alg;
	k->pkey = pkey;
	k->has_private = pkey_has_private(pkey);
	if (kid != NULL) {
		memcpy(k->kid, kid, strlen(kid) + 1);
	} else if ((rc = jet_jwk_thumbprint(k, k->kid)) != JET_OK) {
		free(k);
		return rc;
	}
	*out = k;
	return JET_OK;
}

int
jet_jwk_from_pkey(EVP_PKEY *pkey, enum jet_jws_alg alg, const char *kid, struct jet_jwk **out)
{
	/* The caller's reference becomes the key's on success only. */
	return jwk_make(pkey, alg, kid, out);
}

int
jet_jwk_generate(enum jet_jws_alg alg, const char *kid, struct jet_jwk **out)
{
	const struct jose_curve *c = jose_curve_by_alg(alg);
	EVP_PKEY *pkey = NULL;
	int rc;

	*out = NULL;
	if (c != NULL)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", c->group);
	else if (alg == JET_JWS_EDDSA)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else if (alg == JET_JWS_RS256 || alg == JET_JWS_PS256)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	else
		return JET_EINVAL;
	if (pkey == NULL) {
		ERR_clear_error();
		return JET_ETLS;
	}
	if ((rc = jwk_make(pkey, alg, kid, out)) != JET_OK)
		EVP_PKEY_free(pkey);
	return rc;
}

int
jet_jwk_load_pem(const char *path, enum jet_jws_alg alg, const char *kid,
	struct jet_jwk **out, char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	int fd, rc = JET_EINVAL;

	*out = NULL;
	jose_err(err, errlen, "");
	if (path == NULL)
		return JET_EINVAL;
	/* The mode is checked on the descriptor that is then read, so the file
	 * cannot be swapped between the check and the read. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		jose_err(err, errlen, errno == ELOOP ? "key file is a symlink" :
						       "cannot open key file");
		return JET_EIO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		jose_err(err, errlen, "key file is not a regular file");
		goto fail;
	}
	if ((st.st_mode & 077) != 0) {
		jose_err(err, errlen, "key file is accessible to group or others (want 0600)");
		rc = JET_EPERM;
		goto fail;
	}
	if (st.st_size <= 0 || st.st_size > KEY_FILE_MAX) {
		jose_err(err, errlen, "key file size out of range");
		goto fail;
	}
	if ((text = OPENSSL_secure_malloc((size_t)st.st_size)) == NULL) {
		rc = JET_ENOMEM;
		goto fail;
	}
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, text + len, (size_t)st.st_size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (len != (size_t)st.st_size) {
		jose_err(err, errlen, "cannot read key file");
		rc = JET_EIO;
		goto fail;
	}
	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL) {
		rc = JET_ENOMEM;
		goto fail;
	}
	if ((pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL) {
		jose_err(err, errlen, "not a PEM private key");
		goto fail;
	}
	if (!pkey_has_private(pkey)) {
		jose_err(err, errlen, "not a private key");
		goto fail;
	}
	if ((rc = jwk_make(pkey, alg, kid, out)) != JET_OK) {
		jose_err(err, errlen, rc == JET_ENOMEM ? "out of memory" :
			"key type or size does not fit the algorithm, or kid invalid");
		goto fail;
	}
	pkey = NULL;
	rc = JET_OK;
fail:
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	if (text != NULL)
		OPENSSL_secure_clear_free(text, (size_t)st.st_size);
	close(fd);
	ERR_clear_error();
	return rc;
}

void
jet_jwk_free(struct jet_jwk *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

/* ------------------------------------------------------------------------
 * Reading a public JWK
 * --------------------------------------------------------------------- */

static const char *const private_members[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k" };

/* 1: string (set), 0: absent, -1: present but not a string. */
static int
str_member(const json_t *obj, const char *name, const char **s, size_t *len)
{
	const json_t *v = json_object_get(obj, name);

	*s = NULL;
	*len = 0;
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return -1;
	*s = json_string_value(v);
	*len = json_string_length(v);
	return 1;
}

/* Decodes a required member to exactly want bytes (want 0: 1..cap bytes). */
static bool
bytes_member(const json_t *obj, const char *name, uint8_t *out, size_t cap, size_t want,
	size_t *got)
{
	const char *s;
	size_t len;

	*got = 0;
	if (str_member(obj, name, &s, &len) != 1 ||
		jet_b64url_decode(s, len, out, cap, got) != JET_OK || *got == 0)
		return false;
	return want == 0 || *got == want;
}

static int
ec_pkey(const json_t *obj, const struct jose_curve *c, EVP_PKEY **out, const char **why)
{
	uint8_t pt[1 + 2 * JOSE_EC_MAX_FIELD];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL;
	size_t got;
	int rc = JET_EINVAL;

	pt[0] = 0x04; /* uncompressed point: 04 || x || y */
	if (!bytes_member(obj, "x", pt + 1, c->field, c->field, &got) ||
		!bytes_member(obj, "y", pt + 1 + c->field, c->field, c->field, &got)) {
		*why = "EC x or y missing or not the field size";
		return JET_EINVAL;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
		(char *)c->group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt,
		1 + 2 * c->field);
	params[2] = OSSL_PARAM_construct_end();
	*why = "EC point not on the curve";
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
		EVP_PKEY_fromdata_init(ctx) != 1 ||
		EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	EVP_PKEY_CTX_free(ctx);
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL)) == NULL ||
		EVP_PKEY_public_check_quick(ctx) != 1) {
		EVP_PKEY_free(*out);
		*out = NULL;
		goto out;
	}
	rc = JET_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static int
okp_pkey(const json_t *obj, EVP_PKEY **out, const char **why)
{
	uint8_t x[32];
	size_t got;

	if (!bytes_member(obj, "x", x, sizeof(x), sizeof(x), &got)) {
		*why = "OKP x missing or not 32 bytes";
		return JET_EINVAL;
	}
	*out = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, x, sizeof(x));
	if (*out == NULL) {
		*why = "Ed25519 key refused";
		return JET_EINVAL;
	}
	return JET_OK;
}

/* n and e as RFC 7518 §6.3.1 spells them: minimal, no leading zero. */
static int
rsa_pkey(const json_t *obj, EVP_PKEY **out, const char **why, bool *skip)
{
	uint8_t n[JOSE_RSA_MAX_BYTES], e[JOSE_RSA_E_MAX_BYTES];
	size_t nlen, elen, bits;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	const char *s;
	size_t slen;
	int rc = JET_EINVAL;

	if (str_member(obj, "n", &s, &slen) != 1) {
		*why = "RSA n missing";
		return JET_EINVAL;
	}
	rc = jet_b64url_decode(s, slen, n, sizeof(n), &nlen);
	if (rc == JET_ETOOBIG) {
		*why = "RSA modulus above 4096 bits";
		*skip = true;
		return JET_EPERM;
	}
	if (rc != JET_OK || nlen == 0 || n[0] == 0) {
		*why = "RSA n malformed";
		return JET_EINVAL;
	}
	bits = nlen * 8;
	for (uint8_t top = n[0]; (top & 0x80) == 0; top <<= 1)
		bits--;
	if (bits < JOSE_RSA_MIN_BITS) {
		*why = "RSA modulus below 2048 bits";
		*skip = true;
		return JET_EPERM;
	}
	if ((n[nlen - 1] & 1) == 0) {
		*why = "RSA n malformed";
		return JET_EINVAL;
	}
	if (!bytes_member(obj, "e", e, sizeof(e), 0, &elen) || e[0] == 0 ||
		(e[elen - 1] & 1) == 0 || (elen == 1 && e[0] < 3)) {
		*why = "RSA e malformed";
		return JET_EINVAL;
	}
	*why = "RSA key refused";
	rc = JET_EINVAL;
	if ((bn_n = BN_bin2bn(n, (int)nlen, NULL)) == NULL ||
		(bn_e = BN_bin2bn(e, (int)elen, NULL)) == NULL || (bld = OSSL_PARAM_BLD_new()) == NULL ||
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) != 1 ||
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) != 1 ||
		(params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
		(ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
		EVP_PKEY_fromdata_init(ctx) != 1 ||
		EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	rc = JET_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return rc;
}

/* Does alg fit a key of this kty (and curve)? */
static bool
alg_fits_kty(enum jet_jws_alg alg, const char *kty, const struct jose_curve *c)
{
	if (strcmp(kty, "EC") == 0)
		return c != NULL && c->alg == alg;
	if (strcmp(kty, "OKP") == 0)
		return alg == JET_JWS_EDDSA;
	return alg == JET_JWS_RS256 || alg == JET_JWS_PS256;
}

int
jose_jwk_parse(const json_t *obj, unsigned allowed, enum jet_jws_alg rsa_default,
	struct jet_jwk **out, const char **why, bool *skip)
{
	const struct jose_curve *c = NULL;
	const char *kty, *crv, *use, *alg_s, *kid;
	size_t len, kidlen;
	enum jet_jws_alg alg;
	EVP_PKEY *pkey = NULL;
	int rc;

	*out = NULL;
	*skip = false;
	*why = "";
	if (!json_is_object(obj)) {
		*why = "key is not an object";
		return JET_EINVAL;
	}
	for (size_t i = 0; i < JET_ARRAY_LEN(private_members); i++) {
		if (json_object_get(obj, private_members[i]) != NULL) {
			*why = "private key member in a public key";
			return JET_EINVAL;
		}
	}
	if (str_member(obj, "kty", &kty, &len) != 1) {
		*why = "kty missing or not a string";
		return JET_EINVAL;
	}
	switch (str_member(obj, "use", &use, &len)) {
	case -1:
		*why = "use not a string";
		return JET_EINVAL;
	case 1:
		if (strcmp(use, "sig") != 0) {
			*why = "key not for signatures";
			*skip = true;
			return JET_EPERM;
		}
		break;
	}
	if (strcmp(kty, "EC") == 0 || strcmp(kty, "OKP") == 0) {
		if (str_member(obj, "crv", &crv, &len) != 1) {
			*why = "crv missing or not a string";
			return JET_EINVAL;
		}
		c = jose_curve_by_crv(crv);
		if ((kty[0] == 'E' && c == NULL) || (kty[0] == 'O' && strcmp(crv, "Ed25519") != 0)) {
			*why = "unsupported curve";
			*skip = true;
			return JET_EINVAL;
		}
	} else if (strcmp(kty, "RSA") != 0) {
		*why = "unsupported key type";
		*skip = true;
		return JET_EINVAL;
	}
	switch (str_member(obj, "alg", &alg_s, &len)) {
	case -1:
		*why = "alg not a string";
		return JET_EINVAL;
	case 1:
		alg = jet_jws_alg_parse(alg_s, len);
		if (alg == JET_JWS_UNKNOWN) {
			*why = "unsupported alg";
			*skip = true;
			return JET_EPERM;
		}
		if (!alg_fits_kty(alg, kty, c)) {
			*why = "alg does not fit the key type";
			return JET_EPERM;
		}
		break;
	default:
		if (c != NULL)
			alg = c->alg;
		else if (kty[0] == 'O')
			alg = JET_JWS_EDDSA;
		else if (rsa_default == JET_JWS_RS256 || rsa_default == JET_JWS_PS256)
			alg = rsa_default;
		else {
			*why = "no algorithm for an RSA key without alg";
			return JET_EINVAL;
		}
		break;
	}
	if ((allowed & (1u << alg)) == 0) {
		*why = "alg not allowed";
		*skip = true;
		return JET_EPERM;
	}
	if (str_member(obj, "kid", &kid, &kidlen) != 1 || !jet_jwk_kid_valid(kid, kidlen)) {
		*why = "kid missing or invalid";
		return JET_EINVAL;
	}
	if (c != NULL)
		rc = ec_pkey(obj, c, &pkey, why);
	else if (kty[0] == 'O')
		rc = okp_pkey(obj, &pkey, why);
	else
		rc = rsa_pkey(obj, &pkey, why, skip);
	ERR_clear_error();
	if (rc != JET_OK)
		return rc;
	if ((rc = jwk_make(pkey, alg, kid, out)) != JET_OK) {
		*why = rc == JET_ENOMEM ? "out of memory" : "key does not fit the algorithm";
		EVP_PKEY_free(pkey);
		return rc;
	}
	return JET_OK;
}

int
jet_jwk_parse(const json_t *obj, unsigned allowed, enum jet_jws_alg rsa_default,
	struct jet_jwk **out, char *err, size_t errlen)
{
	const char *why;
	bool skip;
	int rc = jose_jwk_parse(obj, allowed, rsa_default, out, &why, &skip);

	jose_err(err, errlen, rc == JET_OK ? "" : why);
	return rc;
}
