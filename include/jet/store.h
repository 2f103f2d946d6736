/*
 * jet/store.h - Jetstream's persistent state behind one interface.
 *
 * Backends: SQLite 3 (the embedded default: one file in the data
 * directory) and, later, PostgreSQL (the store for scale).  Callers never
 * see SQL: every operation is a function here, and a backend is a table of
 * functions (lib/store/store_int.h).  Adding a backend is adding a file.
 *
 * Threads: a struct jet_store may be used from any number of threads at
 * once; the backend keeps a small pool of connections.  Calls block (disk,
 * and for PostgreSQL the network): services make them from the libuv
 * thread pool (uv_queue_work), never on an event loop, and the admin
 * commands call them directly.
 *
 * Strings handed in are copied; strings handed out are owned by the struct
 * they are in (free with the matching *_cleanup).  Times are Unix seconds.
 */
#ifndef JET_STORE_H
#define JET_STORE_H

#include <stdint.h>

#include "jet/core.h"

struct jet_store; /* opaque */

/*
 * Opens the store named by url:
 *   "sqlite:PATH" or a plain PATH   SQLite database file (created, mode 0600,
 *                                   WAL journal, foreign keys on); the schema
 *                                   is created or migrated on open
 *   "postgresql://..."              JET_ECONF until the PostgreSQL backend lands
 * err gets a one-line reason (never a password from the URL).
 */
int jet_store_open(const char *url, struct jet_store **out, char *err, size_t errlen);
void jet_store_close(struct jet_store *s);
/* "sqlite", ... */
const char *jet_store_backend(const struct jet_store *s);

/* ------------------------------------------------------------------------
 * OAuth clients
 * --------------------------------------------------------------------- */

#define JET_CLIENT_ID_MAX 64     /* client_id: [A-Za-z0-9._-], 1..64 */
#define JET_CLIENT_SECRET_HASH 32 /* HMAC-SHA-256 of the secret */

struct jet_client {
	char *id;            /* client_id */
	char *name;          /* display name */
	char *scopes;        /* space-separated scopes the client may be granted */
	char *grants;        /* JSON object text {"building": "role", ...}; "{}" none */
	bool has_secret;     /* client_secret_basic / client_secret_post allowed */
	uint8_t secret_hash[JET_CLIENT_SECRET_HASH];
	char *jwks;          /* JSON text of the client's public keys (private_key_jwt),
	                      * or NULL */
	char *tls_subject;   /* registered certificate subject (RFC 2253), or NULL */
	char *tls_san;       /* registered SAN URI or DNS name, or NULL */
	bool disabled;
	int64_t created_at;
	int64_t updated_at;
};

void jet_client_cleanup(struct jet_client *c);

/* Inserts a new client (JET_EEXIST when the id is taken).  created_at and
 * updated_at are set by the store. */
int jet_store_client_create(struct jet_store *s, const struct jet_client *c);
/* Replaces every field of an existing client (JET_ENOTFOUND), updated_at
 * set by the store. */
int jet_store_client_update(struct jet_store *s, const struct jet_client *c);
/* JET_OK with *out filled (caller cleans up), JET_ENOTFOUND. */
int jet_store_client_get(struct jet_store *s, const char *id, struct jet_client *out);
/* Calls cb for every client, ordered by id; a non-zero return from cb stops
 * the walk and is returned. */
int jet_store_client_list(struct jet_store *s,
	int (*cb)(const struct jet_client *c, void *arg), void *arg);
/* JET_OK, JET_ENOTFOUND. */
int jet_store_client_delete(struct jet_store *s, const char *id);

/* ------------------------------------------------------------------------
 * One-time identifiers and revocation
 * --------------------------------------------------------------------- */

/*
 * Records that jti was used by issuer (for client assertions: the
 * client_id), remembered until exp.  JET_OK the first time, JET_EEXIST for a
 * replay (even from another process sharing the store).  Expired entries
 * are purged as a side effect now and then.
 */
int jet_store_jti_use(struct jet_store *s, const char *issuer, const char *jti, int64_t exp);

/*
 * Revokes the access token with this jti (issued to client_id, valid until
 * exp).  Idempotent.  Each new revocation gets the next sequence number.
 */
int jet_store_revoke(struct jet_store *s, const char *jti, const char *client_id, int64_t exp);
/* JET_OK (revoked), JET_ENOTFOUND (not revoked). */
int jet_store_is_revoked(struct jet_store *s, const char *jti);
/*
 * Calls cb for every revocation with sequence number > after whose exp is
 * not yet past now, in sequence order, at most max of them; *last gets the
 * highest sequence number seen (unchanged when none).  Verifiers poll this
 * to learn of revocations within seconds.
 */
int jet_store_revoked_since(struct jet_store *s, uint64_t after, int64_t now, size_t max,
	void (*cb)(const char *jti, int64_t exp, void *arg), void *arg, uint64_t *last);

/* Deletes used jtis and revocations whose exp is before now. */
int jet_store_purge(struct jet_store *s, int64_t now);

#endif /* JET_STORE_H */
