/*
 * store_int.h - what lib/store/store.c and the backends share: the backend
 * table, the handle header every backend embeds, and the limits checked at
 * the store boundary.
 *
 * Division of labour: store.c validates every argument (so a backend may
 * assume ids, lengths and JSON are sane), reads the clock, walks lists page
 * by page and calls the caller's callbacks with no backend lock or
 * connection held.  A backend only moves rows.
 */
#ifndef JET_STORE_INT_H
#define JET_STORE_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "jet/store.h"

/* Limits enforced by store.c before a backend sees a value (bytes, without
 * the terminating NUL).  A string longer than its limit is JET_EINVAL. */
#define JET_STORE_ISSUER_MAX 256   /* jti issuer (a client_id, or an issuer URL) */
#define JET_STORE_JTI_MAX 128
#define JET_STORE_NAME_MAX 200
#define JET_STORE_SCOPES_MAX 1024
#define JET_STORE_GRANTS_MAX (16 * 1024)
#define JET_STORE_JWKS_MAX (64 * 1024)
#define JET_STORE_TLS_MAX 1024
#define JET_STORE_JSON_DEPTH 8     /* grants and jwks nesting */

/* Rows a backend returns per page of a walk (client_list, revoked_since). */
#define JET_STORE_PAGE 32

/* One revocation as a backend hands it to store.c. */
struct jet_store_revocation {
	uint64_t seq;
	int64_t exp;
	char jti[JET_STORE_JTI_MAX + 1];
};

/*
 * A backend.  Every function returns JET_OK or a jet_err: JET_ENOTFOUND,
 * JET_EEXIST, JET_EBUSY (locked past the backend's wait), JET_ENOMEM,
 * JET_EIO (anything else the database reported).  Arguments are already
 * validated; `now` is the wall clock in Unix seconds read by store.c.
 * Every function may be called from many threads at once, except open and
 * close.
 */
struct jet_store_backend {
	const char *name; /* what jet_store_backend() returns */
	/* target: the URL with the backend's scheme removed where the URL
	 * syntax allows it (a file path for SQLite), else the whole URL.  err
	 * may name the target but never a password. */
	int (*open)(const char *target, struct jet_store **out, char *err, size_t errlen);
	void (*close)(struct jet_store *s);

	int (*client_create)(struct jet_store *s, const struct jet_client *c, int64_t now);
	int (*client_update)(struct jet_store *s, const struct jet_client *c, int64_t now);
	int (*client_get)(struct jet_store *s, const char *id, struct jet_client *out);
	/* Up to cap clients with id > after (after "" = from the start), in id
	 * order, into page[0..*n); each filled entry is the caller's to clean
	 * up, also when an error is returned. */
	int (*client_page)(struct jet_store *s, const char *after, struct jet_client *page,
		size_t cap, size_t *n);
	int (*client_delete)(struct jet_store *s, const char *id);

	/* purge: also delete a bounded number of expired rows. */
	int (*jti_use)(struct jet_store *s, const char *issuer, const char *jti, int64_t exp,
		int64_t now, bool purge);
	int (*revoke)(struct jet_store *s, const char *jti, const char *client_id, int64_t exp);
	int (*is_revoked)(struct jet_store *s, const char *jti);
	/* Up to cap revocations with seq > after and exp >= now, in seq order. */
	int (*revoked_page)(struct jet_store *s, uint64_t after, int64_t now,
		struct jet_store_revocation *page, size_t cap, size_t *n);
	int (*purge)(struct jet_store *s, int64_t now);
};

/* The head of every backend's handle (a backend's struct starts with it). */
struct jet_store {
	const struct jet_store_backend *be;
	atomic_uint jti_calls; /* counts jti_use calls: every 256th purges */
};

extern const struct jet_store_backend jet_store_sqlite;
extern const struct jet_store_backend jet_store_postgres;

/* snprintf into err when err is non-NULL; always returns rc. */
int jet_store_err(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* JET_STORE_INT_H */
