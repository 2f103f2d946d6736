/*
 * jet/jose.h - the JOSE pieces Jetstream needs, and no more: base64url,
 * JSON Web Keys (RFC 7517) for signature keys, compact JWS (RFC 7515) and
 * signing of JWTs (RFC 7519).  Over OpenSSL 3 (every primitive) and jansson.
 *
 * Written here rather than taken from a JOSE library because this is the
 * security boundary of every API call: the rules below are the product's
 * and are tested as such (docs/internals/jose.md).
 *
 *  - A key is bound to exactly one algorithm when it is loaded
 *    (struct jet_jwk.alg).  Verification uses the key's algorithm; the
 *    token's "alg" header must equal it, it never selects one.
 *  - "none" and every HMAC algorithm are refused for verification: public
 *    keys must never double as HMAC secrets.
 *  - base64url is canonical: no padding, no characters outside the URL-safe
 *    alphabet, unused trailing bits zero, no length of 1 mod 4.
 *  - ECDSA signatures are JOSE r||s of exactly twice the field size, with
 *    r and s in [1, n-1], converted to DER by construction (never parsed
 *    as DER).
 *  - JSON in headers and payloads is parsed with jet_json_parse (duplicate
 *    keys refused, depth and size bounded).
 *
 * Ownership: struct jet_jwk owns its EVP_PKEY (EVP_PKEY_free on
 * jet_jwk_free); a struct jet_jws owns its parsed header and payload and
 * borrows the token text.  Keys are immutable after creation and may be
 * shared by threads; EVP_PKEY operations here never modify the key.
 */
#ifndef JET_JOSE_H
#define JET_JOSE_H

#include <jansson.h>
#include <openssl/evp.h>

#include "jet/core.h"

/* ------------------------------------------------------------------------
 * Algorithms
 * --------------------------------------------------------------------- */

enum jet_jws_alg {
	JET_JWS_UNKNOWN = 0, /* unparsed, unsupported, or "none" */
	JET_JWS_ES256,       /* ECDSA P-256 + SHA-256, r||s 64 bytes */
	JET_JWS_ES384,       /* ECDSA P-384 + SHA-384, r||s 96 bytes */
	JET_JWS_EDDSA,       /* Ed25519 (RFC 8037) */
	JET_JWS_RS256,       /* RSASSA-PKCS1-v1_5 + SHA-256, modulus >= 2048 bits */
	JET_JWS_PS256,       /* RSASSA-PSS + SHA-256, MGF1-SHA-256, salt 32 */
	JET_JWS_HS256,       /* recognised only so that it can be refused by name */
};

/* "ES256", ... ; "unknown" for JET_JWS_UNKNOWN. */
const char *jet_jws_alg_name(enum jet_jws_alg alg);
/* Exact, case-sensitive match of the JOSE name; JET_JWS_UNKNOWN otherwise
 * (including "none", "None", "HS384", ...). */
enum jet_jws_alg jet_jws_alg_parse(const char *s, size_t len);
/* True for the asymmetric algorithms this module signs and verifies. */
bool jet_jws_alg_asymmetric(enum jet_jws_alg alg);
/* Parses a space- or comma-separated list ("ES256 EdDSA") into a bit set
 * (1u << alg).  JET_EINVAL on an unknown or symmetric name. */
int jet_jws_alg_set_parse(const char *list, unsigned *set);

/* ------------------------------------------------------------------------
 * base64url (RFC 4648 §5, no padding)
 * --------------------------------------------------------------------- */

/* Encoded length of n bytes, without terminator. */
size_t jet_b64url_len(size_t n);
/* Appends the encoding of in[0..n) to out (no NUL): JET_OK / JET_ETOOBIG /
 * JET_ENOMEM. */
int jet_b64url_encode_buf(struct jet_buf *out, const void *in, size_t n);
/* Writes the encoding plus a NUL into out (outlen >= jet_b64url_len(n)+1),
 * else JET_ETOOBIG. */
int jet_b64url_encode(const void *in, size_t n, char *out, size_t outlen);
/* Canonical decode (see top): JET_OK with *outlen set, JET_EINVAL for any
 * non-canonical or invalid input, JET_ETOOBIG when outcap is too small. */
int jet_b64url_decode(const char *in, size_t n, uint8_t *out, size_t outcap, size_t *outlen);

/* ------------------------------------------------------------------------
 * Keys
 * --------------------------------------------------------------------- */

#define JET_JWK_KID_MAX 64 /* kid: 1..64 characters of [A-Za-z0-9._-] */

struct jet_jwk {
	char kid[JET_JWK_KID_MAX + 1];
	enum jet_jws_alg alg;  /* the only algorithm this key signs or verifies */
	EVP_PKEY *pkey;        /* owned */
	bool has_private;      /* pkey holds a private key (signing) */
};

/* A kid is 1..64 characters of [A-Za-z0-9._-], and not "." or "..":
 * nothing that could be a path, a query or markup. */
bool jet_jwk_kid_valid(const char *kid, size_t len);

/* Generates a signing key for alg (ES256/ES384: EC, EDDSA: Ed25519,
 * RS256/PS256: RSA 3072).  kid NULL: the RFC 7638 thumbprint is used. */
int jet_jwk_generate(enum jet_jws_alg alg, const char *kid, struct jet_jwk **out);
/* Wraps pkey (the caller's reference becomes the key's on success only;
 * on failure the caller still owns it) after checking that its type and
 * size fit alg; kid as above. */
int jet_jwk_from_pkey(EVP_PKEY *pkey, enum jet_jws_alg alg, const char *kid,
	struct jet_jwk **out);
/* Reads a PEM private key file (jet_pki_read_key rules: mode 0600 or
 * stricter, regular file, no symlink) for alg.  JET_EPERM for a file that
 * group or others may access, JET_EIO when it cannot be opened or read,
 * JET_EINVAL for anything else. */
int jet_jwk_load_pem(const char *path, enum jet_jws_alg alg, const char *kid,
	struct jet_jwk **out, char *err, size_t errlen);
void jet_jwk_free(struct jet_jwk *k);

/*
 * Public JWK object -> key.  kty EC (crv P-256, P-384; point checked on the
 * curve), OKP (crv Ed25519), RSA (n >= 2048 bits, e odd and >= 3).  Private
 * members ("d", "p", ...) are refused: a JWKS is public.  The algorithm is
 * the JWK's "alg" when present (it must fit the key type and be in allowed,
 * else JET_EPERM); without "alg" it follows from the key: P-256 ES256,
 * P-384 ES384, Ed25519 EdDSA, RSA rsa_default.  "use", when present, must be
 * "sig".  kid is required.  err gets a short reason that never echoes input.
 * JET_EINVAL for a malformed key or an unsupported kty/crv; JET_EPERM for a
 * policy refusal (alg unknown, not fitting the key or not allowed, "use"
 * not "sig", RSA modulus outside 2048..4096 bits).
 */
int jet_jwk_parse(const json_t *obj, unsigned allowed, enum jet_jws_alg rsa_default,
	struct jet_jwk **out, char *err, size_t errlen);

/* The public JWK of k: {"kty","crv","x","y"|"n","e","kid","alg","use":"sig"}
 * as a new jansson object. */
json_t *jet_jwk_public_json(const struct jet_jwk *k);

/* RFC 7638 SHA-256 thumbprint, base64url (43 characters + NUL). */
int jet_jwk_thumbprint(const struct jet_jwk *k, char out[44]);

/* A key set (a parsed JWKS document). */
struct jet_jwks {
	struct jet_jwk **keys; /* owned */
	size_t n;
};

/*
 * Parses a JWKS document {"keys": [...]} of at most max_len bytes and
 * max_keys keys (JET_ETOOBIG past either).  Keys with "use" other than
 * "sig", with an unsupported kty/crv, or with an alg that is unknown or not
 * in allowed are skipped (a provider may publish encryption keys); a
 * malformed key, a duplicate kid or a document that is not a JWKS fails the
 * whole parse (JET_EINVAL), so a half-understood set is never used.
 */
int jet_jwks_parse(const char *json, size_t len, size_t max_len, size_t max_keys,
	unsigned allowed, enum jet_jws_alg rsa_default, struct jet_jwks *out, char *err,
	size_t errlen);
/* The key with this kid, or NULL. */
const struct jet_jwk *jet_jwks_find(const struct jet_jwks *set, const char *kid, size_t len);
void jet_jwks_cleanup(struct jet_jwks *set);

/* ------------------------------------------------------------------------
 * Signatures (raw; the Wycheproof tests drive these directly)
 * --------------------------------------------------------------------- */

/* JET_OK when sig is a valid JOSE-encoded signature of msg under pkey with
 * alg; JET_EPERM otherwise (any malformed signature included); JET_EINVAL
 * when alg does not fit pkey or is not asymmetric. */
int jet_sig_verify(enum jet_jws_alg alg, EVP_PKEY *pkey, const void *msg, size_t len,
	const uint8_t *sig, size_t siglen);
/* Signs msg; writes the JOSE encoding (r||s for ECDSA) to sig. */
int jet_sig_sign(enum jet_jws_alg alg, EVP_PKEY *pkey, const void *msg, size_t len,
	uint8_t *sig, size_t sigcap, size_t *siglen);

/* HMAC-SHA-256 (for keyed hashes of secrets; never a JWS algorithm here). */
int jet_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
	uint8_t out[32]);

/* ------------------------------------------------------------------------
 * Compact JWS
 * --------------------------------------------------------------------- */

#define JET_JWS_SIG_MAX 512 /* RSA 4096 */

struct jet_jws {
	struct jet_str signing_input; /* "header.payload", borrowed from the token */
	json_t *header;               /* owned, a JSON object */
	json_t *payload;              /* owned, a JSON object */
	enum jet_jws_alg alg;         /* from the header (verification checks it) */
	const char *kid;              /* header "kid" (borrowed from header), or NULL */
	const char *typ;              /* header "typ", or NULL */
	uint8_t sig[JET_JWS_SIG_MAX];
	size_t sig_len;
};

/*
 * Parses a compact JWS whose payload is a JSON object (a JWT): exactly
 * three canonical base64url parts, at most max_len bytes in all.  The
 * header must be a JSON object with a string "alg"; it is refused when it
 * carries "crit" (no extension is understood), "jku", "jwk", "x5u", "x5c"
 * (keys never come from the token), "b64" or "zip", or a kid that fails
 * jet_jwk_kid_valid.  The signature must be non-empty and at most
 * JET_JWS_SIG_MAX bytes.  Nothing is verified yet.  JET_OK, JET_ETOOBIG,
 * JET_EINVAL; err gets a short reason that never echoes input.  On failure
 * *out needs no cleanup.
 */
int jet_jws_parse(const char *token, size_t len, size_t max_len, struct jet_jws *out,
	char *err, size_t errlen);

/* Checks the signature with key: the header alg must equal key->alg and be
 * asymmetric.  JET_OK or JET_EPERM. */
int jet_jws_verify(const struct jet_jws *jws, const struct jet_jwk *key);

void jet_jws_cleanup(struct jet_jws *jws);

/* Signs payload[0..len) (the caller's serialised claims: it must be a JSON
 * object; nothing here checks it) as a compact JWS with header {"alg",
 * "typ" (when not NULL), "kid"}, appended to out.  For hot paths that build
 * their claims text directly. */
int jet_jws_sign_compact(const struct jet_jwk *key, const char *typ, const void *payload,
	size_t len, struct jet_buf *out);

/* Signs claims as a compact JWS with header {"alg", "typ" (when typ is not
 * NULL), "kid"} and appends it to out (bounded by out->max). */
int jet_jwt_sign(const struct jet_jwk *key, const char *typ, const json_t *claims,
	struct jet_buf *out);

#endif /* JET_JOSE_H */
