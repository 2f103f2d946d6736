/*
 * Unit tests for jet_store_open on SQLite: the file is created 0600 and in
 * WAL mode; files open to group/others, symlinks and non-files are refused
 * with a reason; data survives a reopen; a schema newer than the code, or a
 * foreign database, is refused; URLs pick the backend (postgresql:// is a
 * clear configuration error for now); a lock held past the busy timeout is
 * JET_EBUSY.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "jet/store.h"
#define STORETEST_DIR_ONLY
#include "storetest.h"

struct fixture {
	char dir[512];
	char path[600];
	char url[620];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	tmpdir(f->dir, sizeof(f->dir), "store-open");
	snprintf(f->path, sizeof(f->path), "%s/jet.db", f->dir);
	snprintf(f->url, sizeof(f->url), "sqlite:%s", f->path);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

/* Runs SQL on the file through a separate, plain SQLite connection. */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
test_create_mode_and_settings(void **state)
{
	struct fixture *f = *state;
	struct jet_store *s = NULL;
	char err[256] = "";
	struct stat st;
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;

	umask(022); /* the mode must not depend on a permissive umask */
	assert_int_equal(jet_store_open(f->url, &s, err, sizeof(err)), JET_OK);
	assert_string_equal(jet_store_backend(s), "sqlite");
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	/* WAL is a property of the file; the schema is at version 1. */
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	sqlite3_close(db);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 1);
	assert_int_equal(raw_int(f->path,
		"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
		"('clients', 'used_jti', 'revoked')"), 3);
	jet_store_close(s);

	/* The -wal file SQLite made carries the same mode. */
	{
		char wal[700];

		snprintf(wal, sizeof(wal), "%s-wal", f->path);
		s = NULL;
		assert_int_equal(jet_store_open(f->path, &s, err, sizeof(err)), JET_OK);
		assert_int_equal(jet_store_revoke(s, "j", "c", INT64_MAX), JET_OK);
		assert_int_equal(stat(wal, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		jet_store_close(s);
	}
}

static void
test_reopen_persists(void **state)
{
	struct fixture *f = *state;
	struct jet_store *s = NULL;
	struct jet_client c = { .id = "keep", .name = "Kept" }, got;
	char err[256];

	assert_int_equal(jet_store_open(f->url, &s, err, sizeof(err)), JET_OK);
	assert_int_equal(jet_store_client_create(s, &c), JET_OK);
	assert_int_equal(jet_store_jti_use(s, "keep", "j1", INT64_MAX), JET_OK);
	assert_int_equal(jet_store_revoke(s, "t1", "keep", INT64_MAX), JET_OK);
	jet_store_close(s);

	/* A plain path opens the same file. */
	s = NULL;
	assert_int_equal(jet_store_open(f->path, &s, err, sizeof(err)), JET_OK);
	assert_int_equal(jet_store_client_get(s, "keep", &got), JET_OK);
	assert_string_equal(got.name, "Kept");
	jet_client_cleanup(&got);
	assert_int_equal(jet_store_jti_use(s, "keep", "j1", INT64_MAX), JET_EEXIST);
	assert_int_equal(jet_store_is_revoked(s, "t1"), JET_OK);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 1);
	jet_store_close(s);
}

static void
test_refuse_open_mode(void **state)
{
	struct fixture *f = *state;
	struct jet_store *s = (struct jet_store *)1;
	char err[256] = "";

	assert_int_equal(jet_store_open(f->url, &s, err, sizeof(err)), JET_OK);
	jet_store_close(s);
	assert_int_equal(chmod(f->path, 0644), 0);
	s = (struct jet_store *)1;
	assert_int_equal(jet_store_open(f->url, &s, err, sizeof(err)), JET_ECONF);
	assert_null(s);
	assert_non_null(strstr(err, f->path));
	assert_non_null(strstr(err, "group or others"));

	assert_int_equal(chmod(f->path, 0620), 0); /* group-writable: refused too */
	assert_int_equal(jet_store_open(f->url, &s, err, sizeof(err)), JET_ECONF);

	assert_int_equal(chmod(f->path, 0600), 0);
	assert_int_equal(jet_store_open(f->url, &s, err, sizeof(err)), JET_OK);
	jet_store_close(s);
}

static void
test_refuse_symlink_and_dir(void **state)
{
	struct fixture *f = *state;
	struct jet_store *s = NULL;
	char link[700], dangling[700], url[720], err[256] = "";
	struct stat st;

	assert_int_equal(jet_store_open(f->url, &s, err, sizeof(err)), JET_OK);
	jet_store_close(s);

	/* A link to a good database file is refused all the same. */
	snprintf(link, sizeof(link), "%s/link.db", f->dir);
	assert_int_equal(symlink(f->path, link), 0);
	snprintf(url, sizeof(url), "sqlite:%s", link);
	assert_int_equal(jet_store_open(url, &s, err, sizeof(err)), JET_ECONF);
	assert_null(s);
	assert_non_null(strstr(err, "symbolic link"));

	/* A dangling link is not followed to create its target. */
	snprintf(dangling, sizeof(dangling), "%s/dangling.db", f->dir);
	assert_int_equal(symlink("target.db", dangling), 0);
	assert_int_equal(jet_store_open(dangling, &s, err, sizeof(err)), JET_ECONF);
	assert_non_null(strstr(err, "symbolic link"));
	snprintf(link, sizeof(link), "%s/target.db", f->dir);
	assert_int_equal(lstat(link, &st), -1);

	/* A directory is not a database. */
	assert_int_equal(jet_store_open(f->dir, &s, err, sizeof(err)), JET_ECONF);
	snprintf(url, sizeof(url), "%s/", f->dir);
	assert_int_equal(jet_store_open(url, &s, err, sizeof(err)), JET_ECONF);
	/* Nor a missing directory. */
	snprintf(url, sizeof(url), "%s/no/such/dir.db", f->dir);
	assert_int_equal(jet_store_open(url, &s, err, sizeof(err)), JET_ECONF);
	assert_null(s);
}

static void
test_symlinked_directory_ok(void **state)
{
	struct fixture *f = *state;
	struct jet_store *s = NULL;
	char sub[600], link[600], path[700], err[256] = "";

	/* Data directories are often links (/var/lib/x -> /srv/x): fine. */
	snprintf(sub, sizeof(sub), "%s/real", f->dir);
	snprintf(link, sizeof(link), "%s/linked", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(symlink(sub, link), 0);
	snprintf(path, sizeof(path), "%s/jet.db", link);
	assert_int_equal(jet_store_open(path, &s, err, sizeof(err)), JET_OK);
	assert_int_equal(jet_store_revoke(s, "j", "c", INT64_MAX), JET_OK);
	jet_store_close(s);
	snprintf(path, sizeof(path), "%s/jet.db", sub);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM revoked"), 1);
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct jet_store *s = NULL;
	char err[256] = "";

	assert_int_equal(jet_store_open(f->url, &s, err, sizeof(err)), JET_OK);
	jet_store_close(s);
	raw_exec(f->path, "PRAGMA user_version = 2");
	s = (struct jet_store *)1;
	assert_int_equal(jet_store_open(f->url, &s, err, sizeof(err)), JET_ECONF);
	assert_null(s);
	assert_non_null(strstr(err, "schema version 2 is newer"));
	/* Refusing did not touch the file. */
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 2);
}

static void
test_foreign_database_refused(void **state)
{
	struct fixture *f = *state;
	struct jet_store *s = NULL;
	char err[256] = "";
	sqlite3 *db = NULL;

	/* Some other program's database (mode 0600 so only the content is
	 * wrong). */
	assert_int_equal(sqlite3_open_v2(f->path, &db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE other (x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(chmod(f->path, 0600), 0);
	assert_int_equal(jet_store_open(f->url, &s, err, sizeof(err)), JET_ECONF);
	assert_non_null(strstr(err, "not a Jetstream database"));
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_schema"), 1);

	/* A file that is not SQLite at all. */
	{
		FILE *fp = fopen(f->path, "w");

		assert_non_null(fp);
		fputs("this is not a database, just some text that is long enough "
			"to have a header.......................................\n", fp);
		fclose(fp);
	}
	assert_int_equal(chmod(f->path, 0600), 0);
	assert_int_equal(jet_store_open(f->url, &s, err, sizeof(err)), JET_EIO);
	assert_non_null(strstr(err, f->path));
}

static void
test_urls(void **state)
{
	struct fixture *f = *state;
	struct jet_store *s = (struct jet_store *)1;
	char err[256] = "";

	assert_int_equal(jet_store_open("postgresql://u:hunter2@db/jet", &s, err, sizeof(err)),
		JET_ECONF);
	assert_null(s);
	assert_string_equal(err, "the PostgreSQL backend is not available yet");
	assert_int_equal(jet_store_open("postgres://u:hunter2@db/jet", &s, err, sizeof(err)),
		JET_ECONF);
	assert_null(strstr(err, "hunter2"));

	assert_int_equal(jet_store_open("mysql://u:hunter2@db/jet", &s, err, sizeof(err)),
		JET_ECONF);
	assert_non_null(strstr(err, "unknown store URL scheme"));
	assert_null(strstr(err, "hunter2"));

	assert_int_equal(jet_store_open("", &s, err, sizeof(err)), JET_ECONF);
	assert_int_equal(jet_store_open("sqlite:", &s, err, sizeof(err)), JET_ECONF);
	assert_int_equal(jet_store_open(NULL, &s, err, sizeof(err)), JET_ECONF);
	/* In-memory databases and SQLite URIs are not files. */
	assert_int_equal(jet_store_open("sqlite::memory:", &s, err, sizeof(err)), JET_ECONF);
	assert_int_equal(jet_store_open("file:x.db?mode=memory", &s, err, sizeof(err)), JET_ECONF);
	assert_null(s);
	(void)f;
}

static void
test_busy(void **state)
{
	struct fixture *f = *state;
	struct jet_store *s = NULL;
	struct jet_client got;
	char err[256] = "";
	sqlite3 *db = NULL;
	uint64_t t0;

	assert_int_equal(jet_store_open(f->url, &s, err, sizeof(err)), JET_OK);
	assert_int_equal(jet_store_revoke(s, "r0", "c", INT64_MAX), JET_OK);

	/* Another process holds the write lock past the busy timeout. */
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE; INSERT INTO used_jti VALUES "
		"('x', 'y', 1)", NULL, NULL, NULL), SQLITE_OK);
	t0 = jet_now_ms();
	assert_int_equal(jet_store_jti_use(s, "iss", "busy", INT64_MAX), JET_EBUSY);
	assert_true(jet_now_ms() - t0 >= 4000);
	/* Readers are not blocked by the writer (WAL). */
	assert_int_equal(jet_store_is_revoked(s, "r0"), JET_OK);
	assert_int_equal(jet_store_client_get(s, "nobody", &got), JET_ENOTFOUND);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	/* The lock is gone: the same call works, nothing was recorded before. */
	assert_int_equal(jet_store_jti_use(s, "iss", "busy", INT64_MAX), JET_OK);
	jet_store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_mode_and_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_persists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_open_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_symlink_and_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinked_directory_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_database_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_urls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
