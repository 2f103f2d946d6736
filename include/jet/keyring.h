/*
 * jet/keyring.h - the authorization server's token-signing keys on disk,
 * with rotation (docs/internals/keyring.md).
 *
 * A keyring is a directory (DATA_DIR/auth/keys, mode 0700) holding one PEM
 * private key per key, "<kid>.pem" (0600), and a state file "keys.json"
 * (0600) that lists every key with its algorithm and its timeline:
 *
 *   created      when the key was generated
 *   activate_at  when it starts signing (in the future: "next", published
 *                ahead so that verifiers know it before its first token)
 *   retire_at    after which it is no longer published (null while it may
 *                still sign; set when a newer key takes over, to the
 *                take-over time + token lifetime + leeway, so that its last
 *                token stays verifiable until it expires)
 *
 * The published set (the JWKS) is every key in keys.json: tick deletes a
 * key once its retire_at has passed.  The signing key is the key with the
 * latest activate_at <= now (ties: the later entry in keys.json).
 *
 * Several processes share one directory: the auth services that sign and
 * the admin CLI (`jetstream keys list|rotate`).  Every change takes an
 * exclusive flock on "lock" in the directory, re-reads keys.json under it,
 * writes new PEM files before the keys.json that names them and removes
 * PEM files only after keys.json no longer names them.  Other handles notice
 * a new keys.json on their next tick (inode, mtime, size).
 *
 * Time: every function that applies the rules takes now (Unix seconds)
 * explicitly; a handle's signing key and published set are those computed
 * at its last open/tick/rotate.  The rules are applied on every tick, so a
 * scheduled key starts signing at the first tick at or after its
 * activate_at: leeway_s must be at least the tick interval.
 *
 * Threads: jet_keyring_sign, jet_keyring_jwks, jet_keyring_jwks_json,
 * jet_keyring_version, jet_keyring_signing_kid and jet_keyring_list may be
 * called from any thread at any time, concurrently with each other and with
 * one thread calling jet_keyring_tick / jet_keyring_rotate /
 * jet_keyring_revoke (those are serialised by the handle too).  Readers
 * take a reference to an immutable, reference-counted snapshot (a mutex is
 * held only for the pointer load and the increment, never for a signature),
 * so signing threads never wait for each other or for a reload.
 */
#ifndef JET_KEYRING_H
#define JET_KEYRING_H

#include <jansson.h>

#include "jet/core.h"
#include "jet/jose.h"

#define JET_KEYRING_MAX_KEYS 32     /* keys in keys.json; more is refused */
#define JET_KEYRING_STATE_MAX 65536 /* bytes of keys.json */
#define JET_KEYRING_TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z */
#define JET_KEYRING_SPAN_MAX (10LL * 366 * 86400) /* bound of every policy duration */

struct jet_keyring;

struct jet_keyring_policy {
	/* Algorithm of new keys: ES256, ES384, EDDSA, RS256 or PS256.  When the
	 * signing key's algorithm differs (the configuration changed), a key of
	 * this algorithm becomes active at once and the old one retires.
	 * JET_JWS_UNKNOWN: keep the current algorithm (the admin CLI, which
	 * must not impose one); new keys then take the signing key's
	 * algorithm, or ES256 for an empty directory. */
	enum jet_jws_alg alg;
	int64_t token_lifetime_s; /* longest lifetime of a signed token, > 0 */
	int64_t leeway_s;         /* verifiers' clock leeway + tick interval, >= 0 */
	int64_t rotation_s;       /* age at which a key is replaced; 0: manual only.
	                           * Otherwise more than prepublish_s. */
	int64_t prepublish_s;     /* a scheduled key is published this long before it
	                           * signs, >= 0 */
};

/* Defaults: ES256, token lifetime 3600 s, leeway 300 s, rotation every
 * 30 days, prepublish 3600 s. */
void jet_keyring_policy_default(struct jet_keyring_policy *pol);

/*
 * Opens (creating it 0700 when missing, with missing parents) the keyring
 * directory dir and applies the rules at now: an empty directory gets one
 * key active now; a signing key of another algorithm than pol->alg is
 * replaced at once; scheduled keys are created, activated and expired keys
 * removed as jet_keyring_tick does.
 *
 * Refused (with a one-line reason in err, which names files but never
 * carries key material): a directory that is not owned by the user or is
 * accessible by group or others; a keys.json that is missing while PEM
 * files exist (keys are never generated over existing ones), unreadable,
 * larger than JET_KEYRING_STATE_MAX, not exactly the documented format, or
 * with more than JET_KEYRING_MAX_KEYS keys; a key file that is missing, a
 * symlink, not owned by the user, accessible by group or others, or not a
 * key of the algorithm keys.json gives it; an invalid policy (JET_EINVAL).
 *
 * pol is copied.  Returns JET_OK with *out set (free with jet_keyring_free)
 * or an error with *out NULL.
 */
int jet_keyring_open(const char *dir, const struct jet_keyring_policy *pol, int64_t now,
	struct jet_keyring **out, char *err, size_t errlen);

/* Releases the handle.  No other thread may still be using it.  NULL is
 * accepted. */
void jet_keyring_free(struct jet_keyring *kr);

/*
 * The periodic call (the auth service's timer, e.g. every 10-60 s): reloads
 * keys.json when another handle changed it, then applies the rules at now:
 *  - with rotation_s > 0, when the signing key is older than
 *    rotation_s - prepublish_s and no scheduled key exists, a new key is
 *    created with activate_at = signing key's activate_at + rotation_s (at
 *    least now + prepublish_s);
 *  - a key whose activate_at has passed takes over signing, and the key it
 *    replaces gets retire_at = max(take-over, now) + token_lifetime_s +
 *    leeway_s;
 *  - keys whose retire_at has passed are removed from keys.json and their
 *    PEM files unlinked.
 * *published_changed (may be NULL) tells whether the published JWKS (its
 * keys or their order) changed.  On error the handle keeps serving its last
 * good snapshot and err says why; the next tick tries again.
 */
int jet_keyring_tick(struct jet_keyring *kr, int64_t now, bool *published_changed,
	char *err, size_t errlen);

/*
 * `keys rotate`: a new key (pol->alg, or the signing key's algorithm when
 * that is JET_JWS_UNKNOWN) signs from now on; the previous signing key gets
 * retire_at = now + token_lifetime_s + leeway_s.  Verifiers meet the new
 * kid in tokens before their next JWKS refresh and must refresh on an
 * unknown kid.  Scheduled keys are kept (and activate later as planned).
 * *kid_out (may be NULL, JET_JWK_KID_MAX + 1 bytes) gets the new kid.
 * JET_ETOOBIG when the keyring already holds JET_KEYRING_MAX_KEYS keys.
 */
int jet_keyring_rotate(struct jet_keyring *kr, int64_t now, char *kid_out, char *err,
	size_t errlen);

/*
 * Emergency removal of a key (a compromised key): it is removed from
 * keys.json and its PEM file unlinked at once, so tokens it signed stop
 * verifying as soon as verifiers refresh their JWKS.  When it is the
 * signing key, a new key becomes active now first.  JET_ENOTFOUND when no
 * such kid.
 */
int jet_keyring_revoke(struct jet_keyring *kr, const char *kid, int64_t now, char *err,
	size_t errlen);

/*
 * Signs claims as a JWT (header alg, typ when not NULL, kid) with the
 * current signing key and appends the compact JWS to out (bounded by
 * out->max).  Thread-safe, never blocks on a tick.  Returns what
 * jet_jwt_sign returns.
 */
int jet_keyring_sign(struct jet_keyring *kr, const char *typ, const json_t *claims,
	struct jet_buf *out);
/* The same; kid_out (may be NULL, JET_JWK_KID_MAX + 1 bytes) gets the kid
 * of the key that signed (for logs and tests). */
int jet_keyring_sign_kid(struct jet_keyring *kr, const char *typ, const json_t *claims,
	struct jet_buf *out, char *kid_out);
/* Like jet_keyring_sign, with claims already serialised (a JSON object's text), for the
 * token endpoint's hot path (jet_jws_sign_compact). */
int jet_keyring_sign_payload(struct jet_keyring *kr, const char *typ, const void *payload,
	size_t len, struct jet_buf *out);

/*
 * The published JWKS, {"keys":[...]} with each key's jet_jwk_public_json,
 * the signing key first, then scheduled keys (earliest first), then
 * retiring keys (newest first).  The bytes are those of the snapshot and
 * change exactly when the version changes, so a server may cache them by
 * version.  *version (may be NULL) gets the snapshot's version.
 * JET_OK / JET_ETOOBIG / JET_ENOMEM.
 */
int jet_keyring_jwks(struct jet_keyring *kr, struct jet_buf *out, uint64_t *version);
/* The same document as a new jansson object (json_decref it); NULL on
 * allocation failure. */
json_t *jet_keyring_jwks_json(struct jet_keyring *kr, uint64_t *version);
/* Starts at 1 and increases whenever the published JWKS changes. */
uint64_t jet_keyring_version(struct jet_keyring *kr);
/* Copies the signing kid into out (JET_JWK_KID_MAX + 1 bytes). */
void jet_keyring_signing_kid(struct jet_keyring *kr, char *out);

/* ------------------------------------------------------------------------
 * Listing (the admin CLI)
 * --------------------------------------------------------------------- */

enum jet_keyring_state {
	JET_KEYRING_NEXT = 0,     /* published, activate_at in the future */
	JET_KEYRING_ACTIVE = 1,   /* the signing key */
	JET_KEYRING_RETIRING = 2, /* published, no longer signing */
};

/* "next", "active", "retiring". */
const char *jet_keyring_state_name(enum jet_keyring_state st);

struct jet_keyring_info {
	char kid[JET_JWK_KID_MAX + 1];
	enum jet_jws_alg alg;
	enum jet_keyring_state state; /* as of the last open/tick/rotate */
	int64_t created;
	int64_t activate_at;
	int64_t retire_at;            /* 0: not set (null in keys.json) */
};

/*
 * Copies up to cap entries of the current snapshot, in keys.json order
 * (activate_at ascending), into out; *n gets the number of keys (which may
 * exceed cap: then only cap were written).  Thread-safe.
 */
void jet_keyring_list(struct jet_keyring *kr, struct jet_keyring_info *out, size_t cap,
	size_t *n);

#endif /* JET_KEYRING_H */
