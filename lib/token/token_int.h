/*
 * token_int.h - what the files of lib/token share: the verifier's layout,
 * the issuer state, the key-set snapshots, the verified-token cache, the
 * revoked-jti set, claim checking and the verifier thread.
 *
 * Threads: jet_verifier_verify runs on any number of caller threads at
 * once.  The verifier's own thread (when an issuer has a jwks_uri or a
 * store is set) runs a private libuv loop: JWKS fetches, the periodic
 * refresh timers and the revocation poll.  Which thread owns which field is
 * noted on the field.
 */
#ifndef JET_TOKEN_INT_H
#define JET_TOKEN_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include <openssl/evp.h>
#include <uv.h>

#include "jet/client.h"
#include "jet/jose.h"
#include "jet/token.h"

/* Limits (docs/internals/token.md). */
#define TOKEN_MAX_ISSUERS 16
#define TOKEN_MAX_AUD 16          /* entries of an "aud" array */
#define TOKEN_MAX_GROUPS 1024     /* entries of a groups claim */
#define TOKEN_MAX_SCP 256         /* entries of an Okta "scp" array */
#define TOKEN_JWKS_MAX_KEYS 64    /* keys in one issuer's JWKS */
#define TOKEN_MAX_WAITERS 256     /* concurrent jet_verifier_wait calls */
#define TOKEN_CACHE_MAX 65536     /* cache_entries at most */
#define TOKEN_REVOKED_MAX (1u << 20) /* jtis remembered as revoked */
#define TOKEN_REV_PAGE 512        /* revocations read per store call */
#define TOKEN_REV_PAGES 16        /* store calls per poll at most */
#define TOKEN_NUM_MAX 9007199254740992LL /* 2^53: the largest exact JSON number */
#define TOKEN_LEN_MIN 128         /* max_token_len bounds */
#define TOKEN_LEN_MAX 65536
#define TOKEN_WAIT_TICK_MS 10     /* jet_verifier_wait polls this often */
#define TOKEN_URL_HOST_MAX 253
#define TOKEN_URL_TARGET_MAX 1024

/* ------------------------------------------------------------------------
 * Key sets: immutable, reference-counted snapshots.  An issuer points at
 * its current one; a verification takes a reference under the issuer's
 * mutex and uses the keys without any lock, so a fetch that swaps the set
 * never makes a verification wait.
 * --------------------------------------------------------------------- */

struct token_keyset {
	atomic_uint refs;
	struct jet_jwks jwks;
	uint64_t epoch;  /* the issuer's epoch when this set became current */
};

struct token_keyset *token_keyset_new(void);
void token_keyset_unref(struct token_keyset *ks);

/* https://host[:port]/path[?query], split for jet_http_client_request. */
struct token_url {
	char host[TOKEN_URL_HOST_MAX + 1]; /* DNS name or IP literal, no brackets */
	uint16_t port;
	char target[TOKEN_URL_TARGET_MAX + 1];
};

/* Strict https URL: scheme "https", a host, an optional port, a path and
 * query; no userinfo, no fragment, visible ASCII only.  JET_OK/JET_EINVAL. */
int token_url_parse(const char *uri, struct token_url *out);

struct jet_verifier;

struct token_issuer {
	/* Configuration: set by jet_verifier_new, read-only afterwards. */
	char *iss;
	char *aud;
	char *buildings_claim;   /* NULL: none */
	char *groups_claim;      /* NULL: none */
	char *group_prefix;
	bool has_uri;
	struct token_url url;
	unsigned algs;
	enum jet_token_profile profile;
	int index;
	struct jet_verifier *v;

	/* Shared: guarded by mu. */
	pthread_mutex_t mu;
	struct token_keyset *keys;   /* current set, never NULL */
	bool want;                   /* a refresh was asked for, not yet started */
	bool fetching;               /* a fetch is running */
	bool fetched_once;           /* last_start_ms is meaningful */
	uint64_t last_start_ms;      /* monotonic start of the last fetch (cooldown) */

	atomic_uint_fast64_t epoch;  /* bumped when the key set's content changes;
	                              * cache entries remember it */

	/* Verifier thread only. */
	uv_timer_t timer;            /* next periodic refresh */
	uint8_t doc_hash[32];        /* SHA-256 of the last JWKS document used */
	bool have_doc;
};

/* What jet_verifier_wait's timers look at.  Reference-counted so that a
 * wait still pending when the verifier is freed reads valid memory. */
struct token_signal {
	atomic_uint refs;
	atomic_uint_fast64_t gen;    /* bumped when a fetch finishes */
	atomic_uint busy;            /* fetches asked for or running */
	atomic_uint waiters;
	atomic_bool closed;          /* the verifier is gone */
};

void token_signal_unref(struct token_signal *s);

/* ------------------------------------------------------------------------
 * The verified-token cache (cache.c): SHA-256 of the token -> principal,
 * bounded LRU, one mutex held only for the lookup and the copy.
 * --------------------------------------------------------------------- */

struct token_cache;

struct token_cache_val {
	struct jet_principal p;
	uint64_t epoch;              /* issuer key-set epoch at verification */
};

int token_cache_new(size_t entries, struct token_cache **out);
void token_cache_free(struct token_cache *c);
/* Copies the entry for key into *val and makes it the most recent. */
bool token_cache_get(struct token_cache *c, const uint8_t key[32], struct token_cache_val *val);
/* Inserts or replaces; evicts the least recently used entry when full. */
void token_cache_put(struct token_cache *c, const uint8_t key[32],
	const struct token_cache_val *val);
void token_cache_del(struct token_cache *c, const uint8_t key[32]);
size_t token_cache_count(struct token_cache *c);

/* ------------------------------------------------------------------------
 * The revoked set (revoke.c): SHA-256(jti) -> exp, bounded, read-mostly.
 * --------------------------------------------------------------------- */

struct token_revset;

int token_revset_new(size_t max, int64_t leeway, struct token_revset **out);
void token_revset_free(struct token_revset *rs);
/* JET_OK or JET_ENOMEM.  now is the wall clock in seconds (purging). */
int token_revset_add(struct token_revset *rs, const char *jti, size_t len, int64_t exp,
	int64_t now);
bool token_revset_has(struct token_revset *rs, const char *jti, size_t len);
/* Drops entries whose exp + leeway is before now. */
void token_revset_purge(struct token_revset *rs, int64_t now);
size_t token_revset_count(struct token_revset *rs);

/* ------------------------------------------------------------------------
 * Claims (claims.c)
 * --------------------------------------------------------------------- */

struct token_limits {
	int64_t now;
	int64_t leeway;
	int64_t max_lifetime;
};

/* NULL when the header's typ suits the issuer's profile, else a reason. */
const char *token_check_typ(const struct token_issuer *is, const char *typ);
/* Checks the claims of a token whose signature verified and maps them into
 * *p (zeroed first).  NULL when acceptable, else a short static reason. */
const char *token_check_claims(const struct token_issuer *is, const json_t *payload,
	const struct token_limits *lim, struct jet_principal *p);
/* [A-Za-z0-9._-]{1,64} or "*" */
bool token_building_valid(const char *s, size_t len);

/* ------------------------------------------------------------------------
 * The verifier
 * --------------------------------------------------------------------- */

struct jet_verifier {
	struct jet_verifier_conf conf;      /* copy; conf.issuers is not used */
	struct token_issuer iss[TOKEN_MAX_ISSUERS];
	size_t niss;
	EVP_MD *sha256;                     /* fetched once */
	struct token_cache *cache;          /* NULL when cache_entries is 0 */
	struct token_revset *revoked;
	struct token_signal *sig;

	atomic_uint_fast64_t verified, rejected, cache_hits, cache_misses;
	atomic_uint_fast64_t jwks_fetches, jwks_failures;

	/* The verifier thread, when there is one. */
	bool has_thread;
	bool loop_ready;                    /* loop initialised (free must close it) */
	pthread_t thread;
	uv_loop_t loop;
	uv_async_t wake;                    /* any thread -> verifier thread */
	uv_timer_t poll;                    /* revocation poll (with a store) */
	struct jet_http_client *client;     /* NULL without jwks_uri issuers */
	atomic_bool stopping;
	uint64_t rev_last;                  /* verifier thread (and new()): last
	                                     * revocation sequence number seen */
};

/* SHA-256 with the verifier's digest. */
int token_sha256(const struct jet_verifier *v, const void *p, size_t len, uint8_t out[32]);

/* The issuer's current key set, with a reference (token_keyset_unref). */
struct token_keyset *token_issuer_keys(struct token_issuer *is);

/* The token named a kid the issuer lacks: JET_AGAIN when a refresh runs or
 * was started for it, JET_EPERM when the cooldown forbids one. */
int token_unknown_kid(struct token_issuer *is);

/* RSA keys without "alg" take RS256 when allowed, else PS256. */
enum jet_jws_alg token_rsa_default(unsigned algs);

/* Polls the store once (new() and the verifier thread). */
void token_poll_revocations(struct jet_verifier *v);

/* Starts / stops the verifier thread (fetch.c). */
int token_thread_start(struct jet_verifier *v, char *err, size_t errlen);
void token_thread_stop(struct jet_verifier *v);

#endif /* JET_TOKEN_INT_H */
