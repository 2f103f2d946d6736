/*
 * alg.c - JOSE algorithm names (RFC 7518 §3.1, RFC 8037 §3.1), the curves
 * behind ES256/ES384, and the check that a key fits an algorithm.
 *
 * Names match exactly and case-sensitively: "none", "None", "NONE" and
 * every HMAC or unknown name are JET_JWS_UNKNOWN, except "HS256", which is
 * recognised only so that configuration can refuse it by name.
 */
#include <stdio.h>
#include <string.h>

#include "jose_int.h"

static const struct {
	enum jet_jws_alg alg;
	const char *name;
} names[] = {
	{ JET_JWS_ES256, "ES256" },
	{ JET_JWS_ES384, "ES384" },
	{ JET_JWS_EDDSA, "EdDSA" },
	{ JET_JWS_RS256, "RS256" },
	{ JET_JWS_PS256, "PS256" },
	{ JET_JWS_HS256, "HS256" },
};

/* Group orders (SEC 2 §2.4.2 and §2.5.1, FIPS 186-4 D.1.2). */
static const uint8_t p256_order[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
	0x25, 0x51,
};
static const uint8_t p384_order[48] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37,
	0x2d, 0xdf, 0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc,
	0xc5, 0x29, 0x73,
};

static const struct jose_curve curves[] = {
	{ "P-256", "prime256v1", JET_JWS_ES256, 32, p256_order, "SHA256" },
	{ "P-384", "secp384r1", JET_JWS_ES384, 48, p384_order, "SHA384" },
};

const char *
jet_jws_alg_name(enum jet_jws_alg alg)
{
	for (size_t i = 0; i < JET_ARRAY_LEN(names); i++)
		if (names[i].alg == alg)
			return names[i].name;
	return "unknown";
}

enum jet_jws_alg
jet_jws_alg_parse(const char *s, size_t len)
{
	if (s == NULL)
		return JET_JWS_UNKNOWN;
	for (size_t i = 0; i < JET_ARRAY_LEN(names); i++)
		if (strlen(names[i].name) == len && memcmp(names[i].name, s, len) == 0)
			return names[i].alg;
	return JET_JWS_UNKNOWN;
}

bool
jet_jws_alg_asymmetric(enum jet_jws_alg alg)
{
	switch (alg) {
	case JET_JWS_ES256:
	case JET_JWS_ES384:
	case JET_JWS_EDDSA:
	case JET_JWS_RS256:
	case JET_JWS_PS256:
		return true;
	case JET_JWS_UNKNOWN:
	case JET_JWS_HS256:
		break;
	}
	return false;
}

int
jet_jws_alg_set_parse(const char *list, unsigned *set)
{
	unsigned acc = 0;
	size_t i = 0;

	*set = 0;
	if (list == NULL)
		return JET_EINVAL;
	while (list[i] != '\0') {
		size_t start;
		enum jet_jws_alg alg;

		if (list[i] == ' ' || list[i] == ',') {
			i++;
			continue;
		}
		start = i;
		while (list[i] != '\0' && list[i] != ' ' && list[i] != ',')
			i++;
		alg = jet_jws_alg_parse(list + start, i - start);
		if (!jet_jws_alg_asymmetric(alg))
			return JET_EINVAL;
		acc |= 1u << alg;
	}
	*set = acc;
	return JET_OK;
}

const struct jose_curve *
jose_curve_by_alg(enum jet_jws_alg alg)
{
	for (size_t i = 0; i < JET_ARRAY_LEN(curves); i++)
		if (curves[i].alg == alg)
			return &curves[i];
	return NULL;
}

const struct jose_curve *
jose_curve_by_crv(const char *crv)
{
	for (size_t i = 0; crv != NULL && i < JET_ARRAY_LEN(curves); i++)
		if (strcmp(curves[i].crv, crv) == 0)
			return &curves[i];
	return NULL;
}

int
jose_pkey_fits(enum jet_jws_alg alg, EVP_PKEY *pkey)
{
	const struct jose_curve *c;
	char group[64];
	size_t glen = 0;
	int bits;

	if (pkey == NULL)
		return JET_EINVAL;
	switch (alg) {
	case JET_JWS_ES256:
	case JET_JWS_ES384:
		c = jose_curve_by_alg(alg);
		/* The group by name: a 256-bit size alone would also admit
		 * secp256k1 or brainpoolP256r1. */
		if (!EVP_PKEY_is_a(pkey, "EC") ||
			EVP_PKEY_get_group_name(pkey, group, sizeof(group), &glen) != 1 ||
			strcmp(group, c->group) != 0)
			return JET_EINVAL;
		return JET_OK;
	case JET_JWS_EDDSA:
		return EVP_PKEY_is_a(pkey, "ED25519") ? JET_OK : JET_EINVAL;
	case JET_JWS_RS256:
	case JET_JWS_PS256:
		/* Plain rsaEncryption keys only: an RSA-PSS key carries its own
		 * parameter restrictions, which JOSE has no way to express. */
		if (!EVP_PKEY_is_a(pkey, "RSA"))
			return JET_EINVAL;
		bits = EVP_PKEY_get_bits(pkey);
		if (bits < JOSE_RSA_MIN_BITS || bits > JOSE_RSA_MAX_BYTES * 8)
			return JET_EINVAL;
		return JET_OK;
	case JET_JWS_UNKNOWN:
	case JET_JWS_HS256:
		break;
	}
	return JET_EINVAL;
}

size_t
jose_sig_max(enum jet_jws_alg alg, EVP_PKEY *pkey)
{
	const struct jose_curve *c = jose_curve_by_alg(alg);

	if (c != NULL)
		return 2 * c->field;
	if (alg == JET_JWS_EDDSA)
		return 64;
	if (alg == JET_JWS_RS256 || alg == JET_JWS_PS256) {
		int n = EVP_PKEY_get_size(pkey);

		return n > 0 ? (size_t)n : 0;
	}
	return 0;
}

void
jose_err(char *err, size_t errlen, const char *reason)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", reason);
}
