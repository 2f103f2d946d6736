/*
 * jose_int.h - what the files of lib/jose share and nobody else sees:
 * the curve table, the key-type check, error reporting and the limits.
 */
#ifndef JET_JOSE_INT_H
#define JET_JOSE_INT_H

#include "jet/jose.h"

/* Limits of what this module reads from the network. */
#define JOSE_JSON_DEPTH 8        /* header, payload and JWKS nesting */
#define JOSE_HEADER_MAX 1024     /* decoded JWS header bytes */
#define JOSE_RSA_MIN_BITS 2048   /* RFC 7518 §3.3: 2048 or larger */
#define JOSE_RSA_MAX_BYTES 512   /* 4096 bits: JET_JWS_SIG_MAX */
#define JOSE_RSA_E_MAX_BYTES 4   /* public exponents above 2^32 are refused */
#define JOSE_EC_MAX_FIELD 48     /* P-384 */

/* A curve this module speaks: the JOSE and OpenSSL names, the field and
 * order sizes (equal for both curves), and the group order n in big-endian
 * for the r, s range check done before OpenSSL is called. */
struct jose_curve {
	const char *crv;        /* JOSE "crv" */
	const char *group;      /* OpenSSL group name */
	enum jet_jws_alg alg;   /* the ECDSA algorithm bound to it */
	size_t field;           /* bytes of a coordinate, of r and of s */
	const uint8_t *order;   /* n, field bytes, big-endian */
	const char *md;         /* digest of alg */
};

/* The curve for ES256/ES384, NULL for any other alg. */
const struct jose_curve *jose_curve_by_alg(enum jet_jws_alg alg);
/* The curve with this JOSE crv name, NULL when unsupported. */
const struct jose_curve *jose_curve_by_crv(const char *crv);

/* JET_OK when pkey's type and size fit alg (EC group, Ed25519, RSA modulus
 * within [2048, 4096] bits), JET_EINVAL otherwise. */
int jose_pkey_fits(enum jet_jws_alg alg, EVP_PKEY *pkey);

/* The most bytes jet_sig_sign writes for key (r||s, 64 or the RSA size). */
size_t jose_sig_max(enum jet_jws_alg alg, EVP_PKEY *pkey);

/*
 * jet_jwk_parse with the distinction a JWKS needs: *skip is set when the
 * key is well-formed enough to be recognised as one this module does not
 * use (unsupported kty or crv, "use" other than "sig", an alg that is
 * unknown or not in allowed, an RSA size outside [2048, 4096]) rather than
 * a broken one.  *why gets a fixed reason.
 */
int jose_jwk_parse(const json_t *obj, unsigned allowed, enum jet_jws_alg rsa_default,
	struct jet_jwk **out, const char **why, bool *skip);

/* Writes a fixed reason into err (either may be NULL/0). */
void jose_err(char *err, size_t errlen, const char *reason);

#endif /* JET_JOSE_INT_H */
