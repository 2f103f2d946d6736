/*
 * jet/token.h - access-token checking, used by every service and the
 * gateway: one verifier per process, shared by its worker threads.
 *
 * What a token must be to pass (docs/security.md, "Access tokens"):
 *  - at most max_token_len bytes, a compact JWS (jet_jws_parse rules);
 *  - from a configured issuer (exact "iss"), signed by a key of that
 *    issuer's JWKS whose kid the header names, with that key's algorithm,
 *    which must be in the issuer's allow-list;
 *  - "typ" as the issuer's profile requires ("at+jwt" or
 *    "application/at+jwt" for the Jetstream profile: an ID token or a client
 *    assertion is not an access token);
 *  - "aud" (string or array of strings) containing the issuer's audience;
 *  - "exp" in the future, "nbf" and "iat" not in the future, all within
 *    leeway; "exp" required, numbers only; a lifetime over max_lifetime
 *    refused;
 *  - not revoked (by jti), and bound to the presented client certificate
 *    when it carries "cnf": {"x5t#S256"} (RFC 8705 §3).
 *
 * Keys: an issuer's JWKS is fetched over TLS from jwks_uri (or given
 * inline), cached, refreshed every jwks_refresh_ms and, when a token names
 * an unknown kid, at most once per jwks_cooldown_ms.  The fetches run on
 * the verifier's own thread; a caller that meets an unknown kid gets
 * JET_AGAIN and waits with jet_verifier_wait.
 *
 * Cache: a token that passed is remembered (keyed by its SHA-256) until its
 * exp or its revocation, so a token seen again costs a hash and a lookup,
 * not a signature check; at most cache_entries, least recently used go
 * first.  The cnf binding and revocation are checked on every hit.
 *
 * Revocation: with a store, the verifier polls jet_store_revoked_since
 * every revocation_poll_ms (default 2 s) and drops revoked tokens from the
 * cache; jet_verifier_revoke applies one at once (the auth service calls it
 * for its own revocations).
 */
#ifndef JET_TOKEN_H
#define JET_TOKEN_H

#include <openssl/ssl.h>
#include <uv.h>

#include "jet/core.h"
#include "jet/store.h"

/* ------------------------------------------------------------------------
 * The verified caller
 * --------------------------------------------------------------------- */

enum jet_role {
	JET_ROLE_NONE = 0,
	JET_ROLE_VIEWER,     /* read */
	JET_ROLE_OPERATOR,   /* read + commands */
	JET_ROLE_INTEGRATOR, /* read + push data + manage points */
	JET_ROLE_ADMIN,      /* everything in the building, clients and devices */
};

/* "viewer", ... ; NULL for JET_ROLE_NONE. */
const char *jet_role_name(enum jet_role r);
/* Exact lower-case name -> role; JET_ROLE_NONE when unknown. */
enum jet_role jet_role_parse(const char *s, size_t len);

#define JET_PRINCIPAL_MAX_GRANTS 64
#define JET_BUILDING_ID_MAX 64   /* building ids: [A-Za-z0-9._-], 1..64, or "*" */
#define JET_SCOPE_MAX 1024

struct jet_grant {
	char building[JET_BUILDING_ID_MAX + 1]; /* "*" = every building */
	enum jet_role role;
};

struct jet_principal {
	char iss[256];
	char sub[256];
	char client_id[JET_CLIENT_ID_MAX + 1 + 192]; /* external issuers may use long ids */
	char jti[129];                   /* "" when the token had none */
	char scope[JET_SCOPE_MAX];       /* space-separated, normalised */
	struct jet_grant grants[JET_PRINCIPAL_MAX_GRANTS];
	size_t ngrants;
	char cnf_x5t[44];                /* "" unless certificate-bound */
	int64_t exp, iat;
	int issuer;                      /* index into the verifier's issuers */
};

/* True when scope (space-separated) of p contains s exactly. */
bool jet_principal_has_scope(const struct jet_principal *p, const char *s);
/* The role p holds in building (a "*" grant applies to all), or NONE. */
enum jet_role jet_principal_role(const struct jet_principal *p, const char *building);

/* ------------------------------------------------------------------------
 * Configuration
 * --------------------------------------------------------------------- */

enum jet_token_profile {
	JET_PROFILE_JETSTREAM = 0, /* RFC 9068: typ at+jwt, client_id, scope (string),
	                            * "buildings" {"id": "role"} */
	JET_PROFILE_OKTA,          /* no typ check (Okta sends "JWT" or none), cid, scp
	                            * (array), grants from buildings_claim or groups */
	JET_PROFILE_GENERIC,       /* RFC 9068 claims, typ at+jwt optional */
};

struct jet_issuer_conf {
	const char *issuer;          /* exact "iss" */
	const char *audience;        /* required member of "aud" */
	const char *jwks_uri;        /* https://host:port/path; NULL with jwks_json */
	const char *jwks_json;       /* inline JWKS (tests, pinned keys); NULL with uri */
	unsigned algs;               /* allowed algorithms (1u << enum jet_jws_alg);
	                              * 0: ES256 | EdDSA | RS256 */
	enum jet_token_profile profile;
	const char *buildings_claim; /* object claim {"building": "role"}; NULL: "buildings"
	                              * (NULL with OKTA: none) */
	const char *groups_claim;    /* array claim of group names, or NULL */
	const char *group_prefix;    /* groups "<prefix><building>:<role>" grant roles;
	                              * NULL: "jetstream:" */
};

struct jet_verifier_conf {
	const struct jet_issuer_conf *issuers; /* copied */
	size_t nissuers;                       /* 1..16 */
	SSL_CTX *tls;                /* trust for jwks_uri fetches (borrowed; must outlive
	                              * the verifier); NULL only with inline JWKS */
	struct jet_store *store;     /* revocations (borrowed); NULL: no polling */
	uint64_t leeway_s;           /* default 60, at most 300 */
	uint64_t max_token_len;      /* default 8192 */
	uint64_t max_lifetime_s;     /* exp - iat at most; default 86400 */
	uint64_t cache_entries;      /* default 4096; 0 disables the cache */
	uint64_t jwks_refresh_ms;    /* default 300000 */
	uint64_t jwks_cooldown_ms;   /* default 30000 */
	uint64_t revocation_poll_ms; /* default 2000 */
	uint64_t max_jwks_bytes;     /* default 65536 */
};

void jet_verifier_conf_default(struct jet_verifier_conf *conf);

struct jet_verifier; /* opaque */

/* Validates conf, loads inline keys and starts the verifier's thread, which
 * makes a first fetch of every jwks_uri (failures are retried; they are not
 * fatal at start). */
int jet_verifier_new(const struct jet_verifier_conf *conf, struct jet_verifier **out,
	char *err, size_t errlen);
void jet_verifier_free(struct jet_verifier *v);

/* ------------------------------------------------------------------------
 * Checking
 * --------------------------------------------------------------------- */

struct jet_verify_ctx {
	const char *peer_x5t;   /* base64url SHA-256 of the connection's client
	                         * certificate, or NULL when there is none */
	int64_t now;            /* 0: the wall clock (tests set it) */
};

/*
 * Checks token (the bytes after "Bearer ").  Returns
 *   JET_OK       *out filled
 *   JET_EPERM    the token is not acceptable; *why (may be NULL) points at a
 *                short static reason for logs ("expired", "bad signature",
 *                "certificate binding", ...), never at token text
 *   JET_AGAIN    the token names a kid the issuer's key set lacks and a
 *                refresh has been started (or is running): call
 *                jet_verifier_wait, then verify again (once that refresh
 *                has finished, a second JET_AGAIN will not happen before
 *                the cooldown: it becomes JET_EPERM "unknown key")
 *   JET_ENOMEM
 * Thread-safe.
 */
int jet_verifier_verify(struct jet_verifier *v, const char *token, size_t len,
	const struct jet_verify_ctx *ctx, struct jet_principal *out, const char **why);

/* Calls cb(arg) on loop (from that loop's thread) once the refresh started
 * by a JET_AGAIN has finished, or after timeout_ms (at once, from the loop,
 * when no refresh is running).  A timer on loop polls the verifier every
 * 10 ms; it holds no reference the verifier needs, so a wait may outlive
 * jet_verifier_free (it then fires at its next tick).  JET_OK, JET_ENOMEM,
 * or JET_EBUSY when 256 waits are already pending (the caller refuses the
 * request instead of queueing more). */
int jet_verifier_wait(struct jet_verifier *v, uv_loop_t *loop, uint64_t timeout_ms,
	void (*cb)(void *arg), void *arg);

/* Revokes a jti at once in this verifier (until exp). */
void jet_verifier_revoke(struct jet_verifier *v, const char *jti, int64_t exp);

struct jet_verifier_stats {
	uint64_t verified;       /* tokens accepted */
	uint64_t rejected;       /* tokens refused */
	uint64_t cache_hits;
	uint64_t cache_misses;
	uint64_t jwks_fetches;
	uint64_t jwks_failures;
	uint64_t revocations;    /* revocations known now */
};
void jet_verifier_stats(const struct jet_verifier *v, struct jet_verifier_stats *st);

#endif /* JET_TOKEN_H */
