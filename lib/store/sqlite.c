/*
 * sqlite.c - the SQLite 3 backend: one database file shared by every
 * process on the host that names it (auth replicas, the gateway's
 * revocation poller, the admin CLI).
 *
 * The file:
 *  - is created here, mode 0600, with open(O_CREAT|O_EXCL|O_NOFOLLOW)
 *    before SQLite sees it (SQLite is never allowed to create it, so it can
 *    never pick the mode); an existing file that is a symlink, not a
 *    regular file, or open to group or others is refused.  SQLite creates
 *    the -wal and -shm files with the main file's mode;
 *  - runs in WAL mode with synchronous=NORMAL: readers never block the
 *    writer nor the writer readers, and a commit costs no fsync (a power
 *    cut may lose the last commits, never corrupt the file);
 *  - has foreign_keys=ON, defensive mode, untrusted schema.
 *
 * Concurrency: connections are opened SQLITE_OPEN_NOMUTEX (no SQLite
 * mutex on every call) and a connection is only ever used by the thread
 * that took it from the pool (POOL_SIZE connections, a mutex and a
 * condition variable).  Each connection caches its prepared statements.
 * Between processes, SQLite's file locks serialise writers; a writer waits
 * up to BUSY_TIMEOUT_MS for the lock and then the call fails with
 * JET_EBUSY.  Transactions that read before they write start with BEGIN
 * IMMEDIATE so the wait happens up front (a deferred transaction would fail
 * at once with SQLITE_BUSY_SNAPSHOT instead of waiting).
 *
 * The schema lives below in migrations[] (docs/internals/store.md has the
 * rules): PRAGMA user_version is the number of migrations applied, and
 * PRAGMA application_id marks the file as Jetstream's.
 *
 * Error strings never contain a value from a row or an argument; open's
 * error names the database path.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_int.h"

#define POOL_SIZE 4
#define BUSY_TIMEOUT_MS 5000
#define JTI_PURGE_BATCH 512       /* rows deleted by one opportunistic purge */
#define APPLICATION_ID 0x4a455453 /* "JETS" */

/* ------------------------------------------------------------------------
 * Schema: migrations[i] takes the database from version i to i + 1.  Never
 * edit an entry once released; append one.  All pending entries run in one
 * transaction.
 * --------------------------------------------------------------------- */

static const char *const migrations[] = {
	/* 1: clients, used assertion ids, revocations.  STRICT tables: a value
	 * of the wrong type is an error, not a silent conversion. */
	"CREATE TABLE clients ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" name TEXT NOT NULL,"
	" scopes TEXT NOT NULL,"
	" grants TEXT NOT NULL,"
	" secret_hash BLOB CHECK (secret_hash IS NULL OR length(secret_hash) = 32),"
	" jwks TEXT,"
	" tls_subject TEXT,"
	" tls_san TEXT,"
	" disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE used_jti ("
	" issuer TEXT NOT NULL,"
	" jti TEXT NOT NULL,"
	" exp INTEGER NOT NULL,"
	" PRIMARY KEY (issuer, jti)"
	") STRICT;"
	"CREATE INDEX used_jti_exp ON used_jti (exp);"
	/* AUTOINCREMENT: a sequence number is never reused, even after the
	 * highest row is purged, so a poller's cursor never skips a newer
	 * revocation. */
	"CREATE TABLE revoked ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" jti TEXT NOT NULL UNIQUE,"
	" client_id TEXT NOT NULL,"
	" exp INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX revoked_exp ON revoked (exp);",
};

#define SCHEMA_VERSION ((int)JET_ARRAY_LEN(migrations))

/* ------------------------------------------------------------------------
 * Statements, prepared once per connection
 * --------------------------------------------------------------------- */

#define CLIENT_COLS "id, name, scopes, grants, secret_hash, jwks, tls_subject, tls_san, " \
	"disabled, created_at, updated_at"

enum stmt {
	ST_BEGIN = 0,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_CLIENT_INSERT,
	ST_CLIENT_UPDATE,
	ST_CLIENT_GET,
	ST_CLIENT_PAGE,
	ST_CLIENT_DELETE,
	ST_JTI_USE,
	ST_JTI_PURGE_SOME,
	ST_REVOKE,
	ST_IS_REVOKED,
	ST_REVOKED_PAGE,
	ST_PURGE_JTI,
	ST_PURGE_REVOKED,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_CLIENT_INSERT] = "INSERT INTO clients (" CLIENT_COLS ") "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
	[ST_CLIENT_UPDATE] = "UPDATE clients SET name = ?2, scopes = ?3, grants = ?4, "
		"secret_hash = ?5, jwks = ?6, tls_subject = ?7, tls_san = ?8, disabled = ?9, "
		"updated_at = ?10 WHERE id = ?1",
	[ST_CLIENT_GET] = "SELECT " CLIENT_COLS " FROM clients WHERE id = ?1",
	[ST_CLIENT_PAGE] = "SELECT " CLIENT_COLS " FROM clients WHERE id > ?1 ORDER BY id LIMIT ?2",
	[ST_CLIENT_DELETE] = "DELETE FROM clients WHERE id = ?1",
	/* A replay conflicts with a live row and changes nothing; a row whose
	 * exp has passed is taken over, in the same statement. */
	[ST_JTI_USE] = "INSERT INTO used_jti (issuer, jti, exp) VALUES (?1, ?2, ?3) "
		"ON CONFLICT (issuer, jti) DO UPDATE SET exp = excluded.exp "
		"WHERE used_jti.exp < ?4",
	[ST_JTI_PURGE_SOME] = "DELETE FROM used_jti WHERE rowid IN "
		"(SELECT rowid FROM used_jti WHERE exp < ?1 LIMIT ?2)",
	[ST_REVOKE] = "INSERT INTO revoked (jti, client_id, exp) VALUES (?1, ?2, ?3) "
		"ON CONFLICT (jti) DO NOTHING",
	[ST_IS_REVOKED] = "SELECT 1 FROM revoked WHERE jti = ?1",
	[ST_REVOKED_PAGE] = "SELECT seq, jti, exp FROM revoked WHERE seq > ?1 AND exp >= ?2 "
		"ORDER BY seq LIMIT ?3",
	[ST_PURGE_JTI] = "DELETE FROM used_jti WHERE exp < ?1",
	[ST_PURGE_REVOKED] = "DELETE FROM revoked WHERE exp < ?1",
};

struct conn {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT]; /* prepared on first use */
};

struct sq_store {
	struct jet_store base;        /* first: the public handle */
	pthread_mutex_t mu;           /* guards free_conns, nfree */
	pthread_cond_t cv;            /* signalled when a connection is returned */
	struct conn conns[POOL_SIZE]; /* a connection belongs to one thread while taken */
	struct conn *free_conns[POOL_SIZE];
	size_t nfree;
	size_t nconn;                 /* opened, for close */
	bool sync_init;
};

/* ------------------------------------------------------------------------
 * Helpers
 * --------------------------------------------------------------------- */

static int
map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return JET_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return JET_EBUSY;
	case SQLITE_NOMEM:
		return JET_ENOMEM;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
			return JET_EEXIST;
		return JET_EINVAL;
	default:
		return JET_EIO;
	}
}

static struct sq_store *
sq(struct jet_store *s)
{
	return (struct sq_store *)s;
}

static struct conn *
acquire(struct sq_store *q)
{
	struct conn *c;

	pthread_mutex_lock(&q->mu);
	while (q->nfree == 0)
		pthread_cond_wait(&q->cv, &q->mu);
	c = q->free_conns[--q->nfree];
	pthread_mutex_unlock(&q->mu);
	return c;
}

static void
release(struct sq_store *q, struct conn *c)
{
	/* Never hand on a connection inside a transaction (a failed COMMIT
	 * leaves one open). */
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_lock(&q->mu);
	q->free_conns[q->nfree++] = c;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* The cached statement i, reset and unbound; NULL with *rc set on error. */
static sqlite3_stmt *
stmt(struct conn *c, enum stmt i, int *rc)
{
	int r;

	if (c->st[i] == NULL) {
		r = sqlite3_prepare_v3(c->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
			&c->st[i], NULL);
		if (r != SQLITE_OK) {
			sqlite3_finalize(c->st[i]);
			c->st[i] = NULL;
			*rc = map_rc(r) == JET_OK ? JET_EIO : map_rc(r);
			return NULL;
		}
	}
	return c->st[i];
}

/* Ends a use of a statement: the next user finds it reset and unbound,
 * and no string of this call stays referenced. */
static void
done(sqlite3_stmt *st)
{
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

/* Runs a statement that returns no rows to completion. */
static int
run(sqlite3_stmt *st)
{
	int r = sqlite3_step(st);

	if (r == SQLITE_ROW)
		r = SQLITE_DONE;
	done(st);
	return map_rc(r);
}

static int
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* Column i as a new C string; NULL stays NULL when nullable, else
 * becomes dflt. */
static int
col_text(sqlite3_stmt *st, int i, bool nullable, const char *dflt, char **out)
{
	const unsigned char *p;
	size_t n;

	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		if (nullable) {
			*out = NULL;
			return JET_OK;
		}
		return (*out = strdup(dflt)) != NULL ? JET_OK : JET_ENOMEM;
	}
	if ((p = sqlite3_column_text(st, i)) == NULL)
		return JET_ENOMEM;
	n = (size_t)sqlite3_column_bytes(st, i);
	if ((*out = malloc(n + 1)) == NULL)
		return JET_ENOMEM;
	memcpy(*out, p, n);
	(*out)[n] = '\0';
	return JET_OK;
}

static int
read_client(sqlite3_stmt *st, struct jet_client *c)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = col_text(st, 0, false, "", &c->id)) != JET_OK ||
		(rc = col_text(st, 1, false, "", &c->name)) != JET_OK ||
		(rc = col_text(st, 2, false, "", &c->scopes)) != JET_OK ||
		(rc = col_text(st, 3, false, "{}", &c->grants)) != JET_OK ||
		(rc = col_text(st, 5, true, NULL, &c->jwks)) != JET_OK ||
		(rc = col_text(st, 6, true, NULL, &c->tls_subject)) != JET_OK ||
		(rc = col_text(st, 7, true, NULL, &c->tls_san)) != JET_OK)
		return rc;
	if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
		const void *h = sqlite3_column_blob(st, 4);

		/* The CHECK constraint makes any other length impossible in a
		 * file this code wrote. */
		if (h == NULL || sqlite3_column_bytes(st, 4) != JET_CLIENT_SECRET_HASH)
			return JET_EIO;
		memcpy(c->secret_hash, h, JET_CLIENT_SECRET_HASH);
		c->has_secret = true;
	}
	c->disabled = sqlite3_column_int64(st, 8) != 0;
	c->created_at = sqlite3_column_int64(st, 9);
	c->updated_at = sqlite3_column_int64(st, 10);
	return JET_OK;
}

/* ------------------------------------------------------------------------
 * Opening: the file, the connections, the schema
 * --------------------------------------------------------------------- */

/*
 * Resolves the directory of path (symlinked directories are fine) and
 * keeps the last component as given, so that SQLITE_OPEN_NOFOLLOW, which
 * refuses a symlink anywhere in the name, only ever meets one in the last
 * component.
 */
static int
canonical_path(const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	size_t dlen = slash != NULL ? (size_t)(slash - path) : 0;
	int n;

	if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return jet_store_err(err, errlen, JET_ECONF, "%s: not a database file name", path);
	if (slash == NULL)
		jet_str_copy(dir, sizeof(dir), JET_STR_LIT("."));
	else if (dlen == 0)
		jet_str_copy(dir, sizeof(dir), JET_STR_LIT("/"));
	else if (!jet_str_copy(dir, sizeof(dir), (struct jet_str){ path, dlen }))
		return jet_store_err(err, errlen, JET_ECONF, "database path too long");
	if (realpath(dir, real) == NULL)
		return jet_store_err(err, errlen, JET_ECONF, "%s: directory: %s", path,
			strerror(errno));
	n = snprintf(out, outlen, "%s/%s", strcmp(real, "/") == 0 ? "" : real, base);
	if (n < 0 || (size_t)n >= outlen)
		return jet_store_err(err, errlen, JET_ECONF, "database path too long");
	return JET_OK;
}

/*
 * Creates the file (0600) when missing; refuses a symlink, a non-regular
 * file and a file open to group or others.  *st gets the file's identity.
 */
static int
check_file(const char *path, const char *shown, struct stat *st, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0 && errno == EEXIST)
		/* O_NONBLOCK: a FIFO planted at the path must not hang us. */
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			return jet_store_err(err, errlen, JET_ECONF,
				"%s: is a symbolic link (refused)", shown);
		return jet_store_err(err, errlen, JET_ECONF, "%s: %s", shown, strerror(errno));
	}
	if (fstat(fd, st) != 0) {
		int e = errno;

		close(fd);
		return jet_store_err(err, errlen, JET_EIO, "%s: %s", shown, strerror(e));
	}
	close(fd);
	if (!S_ISREG(st->st_mode))
		return jet_store_err(err, errlen, JET_ECONF, "%s: not a regular file", shown);
	if ((st->st_mode & 077) != 0)
		return jet_store_err(err, errlen, JET_ECONF,
			"%s: mode %03o gives group or others access (chmod 600)", shown,
			(unsigned)(st->st_mode & 0777));
	return JET_OK;
}

static int
conn_open(struct conn *c, const char *path, const char *shown, char *err, size_t errlen)
{
	static const char pragmas[] = "PRAGMA foreign_keys = ON;"
		"PRAGMA synchronous = NORMAL;";
	sqlite3_stmt *st = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	/* No SQLITE_OPEN_CREATE: check_file made the file, with our mode. */
	r = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE, NULL);
	if (r != SQLITE_OK)
		goto fail;
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	/* The mode is stored in the file: set by the first opener, a no-op
	 * afterwards.  It fails where shared memory cannot work (some network
	 * file systems); that is an error, not a silent fallback. */
	if ((r = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode = WAL", -1, &st, NULL)) !=
		SQLITE_OK)
		goto fail;
	if ((r = sqlite3_step(st)) != SQLITE_ROW)
		goto fail;
	if (sqlite3_column_text(st, 0) == NULL ||
		strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
		sqlite3_finalize(st);
		sqlite3_close(c->db);
		c->db = NULL;
		return jet_store_err(err, errlen, JET_ECONF,
			"%s: the file system does not support WAL mode", shown);
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((r = sqlite3_exec(c->db, pragmas, NULL, NULL, NULL)) != SQLITE_OK)
		goto fail;
	return JET_OK;

fail:
	sqlite3_finalize(st);
	sqlite3_close(c->db);
	c->db = NULL;
	return jet_store_err(err, errlen, map_rc(r) == JET_EBUSY ? JET_EBUSY : JET_EIO,
		"%s: %s", shown, sqlite3_errstr(r));
}

static void
conn_close(struct conn *c)
{
	for (size_t i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close(c->db);
	memset(c, 0, sizeof(*c));
}

/* One integer from a query (a PRAGMA or a count). */
static int
query_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int r = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (r == SQLITE_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		r = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return r;
}

/*
 * Brings the schema to SCHEMA_VERSION in one IMMEDIATE transaction, so two
 * processes opening a new file at once cannot both migrate it.
 */
static int
migrate(sqlite3 *db, const char *shown, char *err, size_t errlen)
{
	int64_t version = 0, app = 0, tables = 0;
	char sql[96];
	int r, rc;

	if ((r = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
		return jet_store_err(err, errlen, map_rc(r) == JET_EBUSY ? JET_EBUSY : JET_EIO,
			"%s: %s", shown, sqlite3_errstr(r));
	if ((r = query_int(db, "PRAGMA user_version", &version)) != SQLITE_OK ||
		(r = query_int(db, "PRAGMA application_id", &app)) != SQLITE_OK ||
		(r = query_int(db, "SELECT count(*) FROM sqlite_schema", &tables)) != SQLITE_OK) {
		rc = jet_store_err(err, errlen, JET_EIO, "%s: %s", shown, sqlite3_errstr(r));
		goto fail;
	}
	if (version > SCHEMA_VERSION || version < 0) {
		rc = jet_store_err(err, errlen, JET_ECONF,
			"%s: schema version %lld is newer than this program knows (%d); "
			"upgrade Jetstream", shown, (long long)version, SCHEMA_VERSION);
		goto fail;
	}
	if ((version > 0 && app != APPLICATION_ID) || (version == 0 && tables > 0)) {
		rc = jet_store_err(err, errlen, JET_ECONF, "%s: not a Jetstream database", shown);
		goto fail;
	}
	if (version == SCHEMA_VERSION) {
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		return JET_OK;
	}
	for (int64_t v = version; v < SCHEMA_VERSION; v++) {
		if ((r = sqlite3_exec(db, migrations[v], NULL, NULL, NULL)) != SQLITE_OK) {
			rc = jet_store_err(err, errlen, JET_EIO,
				"%s: migration to schema version %lld failed: %s", shown,
				(long long)v + 1, sqlite3_errstr(r));
			goto fail;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d;",
		SCHEMA_VERSION, APPLICATION_ID);
	if ((r = sqlite3_exec(db, sql, NULL, NULL, NULL)) != SQLITE_OK ||
		(r = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
		rc = jet_store_err(err, errlen, map_rc(r) == JET_EBUSY ? JET_EBUSY : JET_EIO,
			"%s: %s", shown, sqlite3_errstr(r));
		goto fail;
	}
	return JET_OK;

fail:
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static void sq_close(struct jet_store *s);

static int
sq_open(const char *path, struct jet_store **out, char *err, size_t errlen)
{
	char full[PATH_MAX];
	struct stat before = { 0 }, after;
	struct sq_store *q = NULL;
	int rc;

	*out = NULL;
	if (path[0] == '\0')
		return jet_store_err(err, errlen, JET_ECONF, "no database path given");
	/* SQLite would read these as an in-memory database or a URI. */
	if (path[0] == ':' || strncmp(path, "file:", 5) == 0)
		return jet_store_err(err, errlen, JET_ECONF,
			"%s: a database path may not start with ':' or 'file:' (write ./NAME)", path);
	if (sqlite3_threadsafe() == 0)
		return jet_store_err(err, errlen, JET_ECONF,
			"the SQLite library was built without thread support");
	if ((rc = canonical_path(path, full, sizeof(full), err, errlen)) != JET_OK ||
		(rc = check_file(full, path, &before, err, errlen)) != JET_OK)
		return rc;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return jet_store_err(err, errlen, JET_ENOMEM, "out of memory");
	q->base.be = &jet_store_sqlite;
	if (pthread_mutex_init(&q->mu, NULL) != 0) {
		free(q);
		return jet_store_err(err, errlen, JET_ENOMEM, "cannot create a mutex");
	}
	if (pthread_cond_init(&q->cv, NULL) != 0) {
		pthread_mutex_destroy(&q->mu);
		free(q);
		return jet_store_err(err, errlen, JET_ENOMEM, "cannot create a condition variable");
	}
	q->sync_init = true;
	for (size_t i = 0; i < POOL_SIZE; i++) {
		if ((rc = conn_open(&q->conns[i], full, path, err, errlen)) != JET_OK)
			goto fail;
		q->nconn++;
		q->free_conns[q->nfree++] = &q->conns[i];
		if (i > 0)
			continue;
		/* The file SQLite opened is the one we checked (nothing swapped
		 * it in between: NOFOLLOW covers symlinks, this covers rename). */
		if (stat(full, &after) != 0 || after.st_dev != before.st_dev ||
			after.st_ino != before.st_ino) {
			rc = jet_store_err(err, errlen, JET_ECONF, "%s: replaced while opening", path);
			goto fail;
		}
		if ((rc = migrate(q->conns[0].db, path, err, errlen)) != JET_OK)
			goto fail;
	}
	*out = &q->base;
	return JET_OK;

fail:
	sq_close(&q->base);
	return rc;
}

static void
sq_close(struct jet_store *s)
{
	struct sq_store *q = sq(s);

	for (size_t i = 0; i < q->nconn; i++)
		conn_close(&q->conns[i]);
	if (q->sync_init) {
		pthread_cond_destroy(&q->cv);
		pthread_mutex_destroy(&q->mu);
	}
	free(q);
}

/* ------------------------------------------------------------------------
 * Clients
 * --------------------------------------------------------------------- */

static int
bind_client(sqlite3_stmt *st, const struct jet_client *c, int64_t now)
{
	int r;

	if ((r = bind_text(st, 1, c->id)) != SQLITE_OK ||
		(r = bind_text(st, 2, c->name != NULL ? c->name : "")) != SQLITE_OK ||
		(r = bind_text(st, 3, c->scopes != NULL ? c->scopes : "")) != SQLITE_OK ||
		(r = bind_text(st, 4, c->grants != NULL ? c->grants : "{}")) != SQLITE_OK ||
		(r = c->has_secret ? sqlite3_bind_blob(st, 5, c->secret_hash,
			JET_CLIENT_SECRET_HASH, SQLITE_STATIC) : sqlite3_bind_null(st, 5)) !=
			SQLITE_OK ||
		(r = bind_text(st, 6, c->jwks)) != SQLITE_OK ||
		(r = bind_text(st, 7, c->tls_subject)) != SQLITE_OK ||
		(r = bind_text(st, 8, c->tls_san)) != SQLITE_OK ||
		(r = sqlite3_bind_int64(st, 9, c->disabled ? 1 : 0)) != SQLITE_OK ||
		(r = sqlite3_bind_int64(st, 10, now)) != SQLITE_OK)
		return map_rc(r) == JET_OK ? JET_EIO : map_rc(r);
	return JET_OK;
}

/* Runs the client INSERT (c), UPDATE (c) or DELETE (id); an UPDATE or
 * DELETE that touched no row is JET_ENOTFOUND. */
static int
write_client(struct jet_store *s, enum stmt i, const struct jet_client *c, const char *id,
	int64_t now)
{
	struct sq_store *q = sq(s);
	struct conn *cn = acquire(q);
	sqlite3_stmt *st;
	int rc = JET_OK;

	if ((st = stmt(cn, i, &rc)) == NULL)
		goto out;
	if (c != NULL)
		rc = bind_client(st, c, now);
	else
		rc = map_rc(bind_text(st, 1, id));
	if (rc != JET_OK) {
		done(st);
		goto out;
	}
	if ((rc = run(st)) == JET_OK && i != ST_CLIENT_INSERT && sqlite3_changes(cn->db) == 0)
		rc = JET_ENOTFOUND;
out:
	release(q, cn);
	return rc;
}

static int
sq_client_create(struct jet_store *s, const struct jet_client *c, int64_t now)
{
	return write_client(s, ST_CLIENT_INSERT, c, NULL, now);
}

static int
sq_client_update(struct jet_store *s, const struct jet_client *c, int64_t now)
{
	return write_client(s, ST_CLIENT_UPDATE, c, NULL, now);
}

static int
sq_client_delete(struct jet_store *s, const char *id)
{
	return write_client(s, ST_CLIENT_DELETE, NULL, id, 0);
}

static int
sq_client_get(struct jet_store *s, const char *id, struct jet_client *out)
{
	struct sq_store *q = sq(s);
	struct conn *cn = acquire(q);
	sqlite3_stmt *st;
	int rc = JET_OK, r;

	if ((st = stmt(cn, ST_CLIENT_GET, &rc)) == NULL)
		goto out;
	if ((r = bind_text(st, 1, id)) != SQLITE_OK)
		rc = map_rc(r);
	else if ((r = sqlite3_step(st)) == SQLITE_ROW)
		rc = read_client(st, out);
	else
		rc = r == SQLITE_DONE ? JET_ENOTFOUND : map_rc(r);
	done(st);
out:
	release(q, cn);
	return rc;
}

static int
sq_client_page(struct jet_store *s, const char *after, struct jet_client *page, size_t cap,
	size_t *n)
{
	struct sq_store *q = sq(s);
	struct conn *cn = acquire(q);
	sqlite3_stmt *st;
	int rc = JET_OK, r;

	*n = 0;
	if ((st = stmt(cn, ST_CLIENT_PAGE, &rc)) == NULL)
		goto out;
	if ((r = bind_text(st, 1, after)) != SQLITE_OK ||
		(r = sqlite3_bind_int64(st, 2, (int64_t)cap)) != SQLITE_OK) {
		rc = map_rc(r);
		goto done;
	}
	while (*n < cap && (r = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_client(st, &page[*n]);
		(*n)++; /* counted even when half read: the caller cleans it up */
		if (rc != JET_OK)
			goto done;
	}
	if (*n < cap && r != SQLITE_DONE)
		rc = map_rc(r);
done:
	done(st);
out:
	release(q, cn);
	return rc;
}

/* ------------------------------------------------------------------------
 * One-time identifiers and revocation
 * --------------------------------------------------------------------- */

static int
sq_jti_use(struct jet_store *s, const char *issuer, const char *jti, int64_t exp, int64_t now,
	bool purge)
{
	struct sq_store *q = sq(s);
	struct conn *cn = acquire(q);
	sqlite3_stmt *st;
	int rc = JET_OK;

	/* Bounded work on the caller's time; a failure here is not the
	 * caller's business (the next purge retries). */
	if (purge && (st = stmt(cn, ST_JTI_PURGE_SOME, &rc)) != NULL) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, JTI_PURGE_BATCH);
		(void)run(st);
	}
	rc = JET_OK;
	if ((st = stmt(cn, ST_JTI_USE, &rc)) == NULL)
		goto out;
	if (bind_text(st, 1, issuer) != SQLITE_OK || bind_text(st, 2, jti) != SQLITE_OK ||
		sqlite3_bind_int64(st, 3, exp) != SQLITE_OK ||
		sqlite3_bind_int64(st, 4, now) != SQLITE_OK) {
		done(st);
		rc = JET_EIO;
		goto out;
	}
	/* No row changed: the key is held by a live row, a replay. */
	if ((rc = run(st)) == JET_OK && sqlite3_changes(cn->db) == 0)
		rc = JET_EEXIST;
out:
	release(q, cn);
	return rc;
}

static int
sq_revoke(struct jet_store *s, const char *jti, const char *client_id, int64_t exp)
{
	struct sq_store *q = sq(s);
	struct conn *cn = acquire(q);
	sqlite3_stmt *st;
	int rc = JET_OK;

	if ((st = stmt(cn, ST_REVOKE, &rc)) == NULL)
		goto out;
	if (bind_text(st, 1, jti) != SQLITE_OK || bind_text(st, 2, client_id) != SQLITE_OK ||
		sqlite3_bind_int64(st, 3, exp) != SQLITE_OK) {
		done(st);
		rc = JET_EIO;
		goto out;
	}
	rc = run(st);
out:
	release(q, cn);
	return rc;
}

static int
sq_is_revoked(struct jet_store *s, const char *jti)
{
	struct sq_store *q = sq(s);
	struct conn *cn = acquire(q);
	sqlite3_stmt *st;
	int rc = JET_OK, r;

	if ((st = stmt(cn, ST_IS_REVOKED, &rc)) == NULL)
		goto out;
	if ((r = bind_text(st, 1, jti)) != SQLITE_OK)
		rc = map_rc(r);
	else if ((r = sqlite3_step(st)) == SQLITE_ROW)
		rc = JET_OK;
	else
		rc = r == SQLITE_DONE ? JET_ENOTFOUND : map_rc(r);
	done(st);
out:
	release(q, cn);
	return rc;
}

static int
sq_revoked_page(struct jet_store *s, uint64_t after, int64_t now,
	struct jet_store_revocation *page, size_t cap, size_t *n)
{
	struct sq_store *q = sq(s);
	struct conn *cn;
	sqlite3_stmt *st;
	int rc = JET_OK, r = SQLITE_DONE;

	*n = 0;
	if (after >= INT64_MAX) /* no sequence number is that high */
		return JET_OK;
	cn = acquire(q);
	if ((st = stmt(cn, ST_REVOKED_PAGE, &rc)) == NULL)
		goto out;
	if (sqlite3_bind_int64(st, 1, (int64_t)after) != SQLITE_OK ||
		sqlite3_bind_int64(st, 2, now) != SQLITE_OK ||
		sqlite3_bind_int64(st, 3, (int64_t)cap) != SQLITE_OK) {
		rc = JET_EIO;
		goto done;
	}
	while (*n < cap && (r = sqlite3_step(st)) == SQLITE_ROW) {
		struct jet_store_revocation *v = &page[*n];
		const unsigned char *jti = sqlite3_column_text(st, 1);
		int len = sqlite3_column_bytes(st, 1);

		if (jti == NULL || len <= 0 || len > JET_STORE_JTI_MAX) {
			rc = jti == NULL ? JET_ENOMEM : JET_EIO;
			goto done;
		}
		v->seq = (uint64_t)sqlite3_column_int64(st, 0);
		v->exp = sqlite3_column_int64(st, 2);
		memcpy(v->jti, jti, (size_t)len);
		v->jti[len] = '\0';
		(*n)++;
	}
	if (*n < cap && r != SQLITE_DONE)
		rc = map_rc(r);
done:
	done(st);
out:
	release(q, cn);
	return rc;
}

static int
sq_purge(struct jet_store *s, int64_t now)
{
	struct sq_store *q = sq(s);
	struct conn *cn = acquire(q);
	sqlite3_stmt *st;
	int rc = JET_OK;

	if ((st = stmt(cn, ST_BEGIN, &rc)) == NULL || (rc = run(st)) != JET_OK)
		goto out;
	if ((st = stmt(cn, ST_PURGE_JTI, &rc)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, now);
	if ((rc = run(st)) != JET_OK)
		goto out;
	if ((st = stmt(cn, ST_PURGE_REVOKED, &rc)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, now);
	if ((rc = run(st)) != JET_OK)
		goto out;
	if ((st = stmt(cn, ST_COMMIT, &rc)) != NULL)
		rc = run(st);
out:
	release(q, cn); /* rolls back what did not commit */
	return rc;
}

const struct jet_store_backend jet_store_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.client_create = sq_client_create,
	.client_update = sq_client_update,
	.client_get = sq_client_get,
	.client_page = sq_client_page,
	.client_delete = sq_client_delete,
	.jti_use = sq_jti_use,
	.revoke = sq_revoke,
	.is_revoked = sq_is_revoked,
	.revoked_page = sq_revoked_page,
	.purge = sq_purge,
};
