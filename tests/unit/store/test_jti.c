/*
 * Unit tests for one-time identifiers and revocation in the store (SQLite
 * backend): replay detection within one handle and across two handles on
 * the same file (two replicas), expired ids usable again, the occasional
 * purge, idempotent revocation, revoked_since ordering/after/max/expiry,
 * sequence numbers never reused after a purge, and the input limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "jet/store.h"
#include "storetest.h"

static int
setup(void **state)
{
	return fixture_open(state, "store-jti", "");
}

static int64_t
raw_count(const char *path, const char *sql)
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
test_replay_one_handle(void **state)
{
	struct fixture *f = *state;
	int64_t exp = time(NULL) + 300;

	assert_int_equal(jet_store_jti_use(f->s, "client-a", "j-1", exp), JET_OK);
	assert_int_equal(jet_store_jti_use(f->s, "client-a", "j-1", exp), JET_EEXIST);
	/* A later exp does not make a replay new. */
	assert_int_equal(jet_store_jti_use(f->s, "client-a", "j-1", exp + 1000), JET_EEXIST);
	/* The key is (issuer, jti). */
	assert_int_equal(jet_store_jti_use(f->s, "client-b", "j-1", exp), JET_OK);
	assert_int_equal(jet_store_jti_use(f->s, "client-a", "j-2", exp), JET_OK);
	assert_int_equal(jet_store_jti_use(f->s, "client-a", "J-1", exp), JET_OK);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM used_jti"), 4);
}

static void
test_replay_two_handles(void **state)
{
	struct fixture *f = *state;
	struct jet_store *s2 = NULL;
	char err[256];
	int64_t exp = time(NULL) + 300;

	/* A second replica on the same file. */
	assert_int_equal(jet_store_open(f->path, &s2, err, sizeof(err)), JET_OK);
	assert_int_equal(jet_store_jti_use(f->s, "c", "shared", exp), JET_OK);
	assert_int_equal(jet_store_jti_use(s2, "c", "shared", exp), JET_EEXIST);
	assert_int_equal(jet_store_jti_use(s2, "c", "other", exp), JET_OK);
	assert_int_equal(jet_store_jti_use(f->s, "c", "other", exp), JET_EEXIST);
	jet_store_close(s2);
}

static void
test_expired_reusable(void **state)
{
	struct fixture *f = *state;
	int64_t now = time(NULL);

	assert_int_equal(jet_store_jti_use(f->s, "c", "old", now - 10), JET_OK);
	/* Its exp has passed: the id is free again, and takes the new exp. */
	assert_int_equal(jet_store_jti_use(f->s, "c", "old", now + 300), JET_OK);
	assert_int_equal(jet_store_jti_use(f->s, "c", "old", now + 300), JET_EEXIST);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM used_jti"), 1);
	assert_int_equal(raw_count(f->path, "SELECT exp FROM used_jti"), now + 300);
}

static void
test_jti_occasional_purge(void **state)
{
	struct fixture *f = *state;
	char jti[32];
	int64_t now = time(NULL);

	/* Expired entries are deleted as a side effect every 256th call: the
	 * 256th call (index 255) removes the 255 before it. */
	assert_int_equal(jet_store_jti_use(f->s, "c", "live", now + 600), JET_OK);
	for (int i = 1; i < 300; i++) {
		snprintf(jti, sizeof(jti), "x%d", i);
		assert_int_equal(jet_store_jti_use(f->s, "c", jti, now - 100), JET_OK);
	}
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM used_jti"), 1 + 1 + 44);
	assert_int_equal(raw_count(f->path,
		"SELECT count(*) FROM used_jti WHERE jti = 'live'"), 1);
}

static void
test_purge(void **state)
{
	struct fixture *f = *state;
	int64_t now = 1000000;

	assert_int_equal(jet_store_jti_use(f->s, "c", "a", now - 1), JET_OK);
	assert_int_equal(jet_store_jti_use(f->s, "c", "b", now), JET_OK);
	assert_int_equal(jet_store_revoke(f->s, "ra", "c", now - 1), JET_OK);
	assert_int_equal(jet_store_revoke(f->s, "rb", "c", now), JET_OK);
	assert_int_equal(jet_store_purge(f->s, now), JET_OK);
	/* exp before now goes; exp == now stays. */
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM used_jti"), 1);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM used_jti WHERE jti = 'b'"), 1);
	assert_int_equal(jet_store_is_revoked(f->s, "ra"), JET_ENOTFOUND);
	assert_int_equal(jet_store_is_revoked(f->s, "rb"), JET_OK);
	assert_int_equal(jet_store_purge(f->s, now + 1), JET_OK);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM used_jti"), 0);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM revoked"), 0);
}

struct seen {
	char jti[100][129];
	int64_t exp[100];
	size_t n;
};

static void
seen_cb(const char *jti, int64_t exp, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 100);
	snprintf(s->jti[s->n], sizeof(s->jti[0]), "%s", jti);
	s->exp[s->n] = exp;
	s->n++;
}

static void
test_revoke(void **state)
{
	struct fixture *f = *state;
	struct seen *v = calloc(1, sizeof(*v));
	int64_t now = time(NULL);
	uint64_t last = 12345, first_seq, b_seq;

	assert_int_equal(jet_store_is_revoked(f->s, "t-a"), JET_ENOTFOUND);
	/* Nothing yet: last unchanged. */
	assert_int_equal(jet_store_revoked_since(f->s, 0, now, 100, seen_cb, v, &last), JET_OK);
	assert_int_equal(v->n, 0);
	assert_int_equal(last, 12345);

	assert_int_equal(jet_store_revoke(f->s, "t-a", "c1", now + 100), JET_OK);
	assert_int_equal(jet_store_revoke(f->s, "t-b", "c2", now + 200), JET_OK);
	assert_int_equal(jet_store_revoke(f->s, "t-a", "c1", now + 100), JET_OK); /* again */
	assert_int_equal(jet_store_revoke(f->s, "t-expired", "c1", now - 1), JET_OK);
	assert_int_equal(jet_store_revoke(f->s, "t-c", "c3", now + 300), JET_OK);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM revoked"), 4);
	assert_int_equal(jet_store_is_revoked(f->s, "t-a"), JET_OK);
	assert_int_equal(jet_store_is_revoked(f->s, "t-expired"), JET_OK);
	assert_int_equal(jet_store_is_revoked(f->s, "t-z"), JET_ENOTFOUND);

	/* All live ones, in sequence order, the expired one skipped. */
	last = 0;
	assert_int_equal(jet_store_revoked_since(f->s, 0, now, 100, seen_cb, v, &last), JET_OK);
	assert_int_equal(v->n, 3);
	assert_string_equal(v->jti[0], "t-a");
	assert_int_equal(v->exp[0], now + 100);
	assert_string_equal(v->jti[1], "t-b");
	assert_string_equal(v->jti[2], "t-c");
	assert_int_equal(v->exp[2], now + 300);
	assert_int_equal(last, (uint64_t)raw_count(f->path, "SELECT max(seq) FROM revoked"));

	/* max bounds the batch; after resumes it. */
	memset(v, 0, sizeof(*v));
	last = 0;
	assert_int_equal(jet_store_revoked_since(f->s, 0, now, 1, seen_cb, v, &last), JET_OK);
	assert_int_equal(v->n, 1);
	assert_string_equal(v->jti[0], "t-a");
	first_seq = last;
	memset(v, 0, sizeof(*v));
	assert_int_equal(jet_store_revoked_since(f->s, first_seq, now, 1, seen_cb, v, &last),
		JET_OK);
	assert_int_equal(v->n, 1);
	assert_string_equal(v->jti[0], "t-b");
	b_seq = last;
	assert_true(b_seq > first_seq);
	memset(v, 0, sizeof(*v));
	assert_int_equal(jet_store_revoked_since(f->s, b_seq, now, 10, seen_cb, v, &last),
		JET_OK);
	assert_int_equal(v->n, 1); /* the expired one between is skipped */
	assert_string_equal(v->jti[0], "t-c");
	memset(v, 0, sizeof(*v));
	assert_int_equal(jet_store_revoked_since(f->s, last, now, 10, seen_cb, v, NULL), JET_OK);
	assert_int_equal(v->n, 0);
	/* max 0: nothing; a later now filters more. */
	assert_int_equal(jet_store_revoked_since(f->s, 0, now, 0, seen_cb, v, NULL), JET_OK);
	assert_int_equal(v->n, 0);
	assert_int_equal(jet_store_revoked_since(f->s, 0, now + 250, 10, seen_cb, v, NULL),
		JET_OK);
	assert_int_equal(v->n, 1);
	assert_string_equal(v->jti[0], "t-c");
	/* after past anything representable */
	memset(v, 0, sizeof(*v));
	assert_int_equal(jet_store_revoked_since(f->s, UINT64_MAX, now, 10, seen_cb, v, NULL),
		JET_OK);
	assert_int_equal(v->n, 0);
	free(v);
}

static void
count_cb(const char *jti, int64_t exp, void *arg)
{
	struct seen *s = arg;
	char want[32];

	snprintf(want, sizeof(want), "p%03zu", s->n);
	assert_string_equal(jti, want);
	(void)exp;
	s->n++;
}

static void
test_revoked_since_pages(void **state)
{
	struct fixture *f = *state;
	struct seen *v = calloc(1, sizeof(*v));
	int64_t now = time(NULL);
	uint64_t last = 0;
	char jti[32];

	/* More than one backend page. */
	for (int i = 0; i < 80; i++) {
		snprintf(jti, sizeof(jti), "p%03d", i);
		assert_int_equal(jet_store_revoke(f->s, jti, "c", now + 60), JET_OK);
	}
	assert_int_equal(jet_store_revoked_since(f->s, 0, now, SIZE_MAX, count_cb, v, &last),
		JET_OK);
	assert_int_equal(v->n, 80);
	v->n = 0;
	assert_int_equal(jet_store_revoked_since(f->s, 0, now, 50, count_cb, v, &last), JET_OK);
	assert_int_equal(v->n, 50);
	v->n = 50;
	assert_int_equal(jet_store_revoked_since(f->s, last, now, 50, count_cb, v, &last), JET_OK);
	assert_int_equal(v->n, 80);
	free(v);
}

static void
test_seq_not_reused(void **state)
{
	struct fixture *f = *state;
	struct seen *v = calloc(1, sizeof(*v));
	uint64_t last = 0;

	/* A poller has seen the newest revocation, which then expires and is
	 * purged: the next revocation must still come after its cursor. */
	assert_int_equal(jet_store_revoke(f->s, "short", "c", 100), JET_OK);
	assert_int_equal(jet_store_revoked_since(f->s, 0, 0, 10, seen_cb, v, &last), JET_OK);
	assert_int_equal(v->n, 1);
	assert_int_equal(jet_store_purge(f->s, 101), JET_OK);
	assert_int_equal(jet_store_revoke(f->s, "next", "c", 1000), JET_OK);
	memset(v, 0, sizeof(*v));
	assert_int_equal(jet_store_revoked_since(f->s, last, 0, 10, seen_cb, v, &last), JET_OK);
	assert_int_equal(v->n, 1);
	assert_string_equal(v->jti[0], "next");
	free(v);
}

static void
test_limits(void **state)
{
	struct fixture *f = *state;
	char jti128[129], jti129[130], iss256[257], iss257[258];
	int64_t exp = time(NULL) + 60;

	memset(jti128, 'j', 128), jti128[128] = '\0';
	memset(jti129, 'j', 129), jti129[129] = '\0';
	memset(iss256, 'i', 256), iss256[256] = '\0';
	memset(iss257, 'i', 257), iss257[257] = '\0';

	assert_int_equal(jet_store_jti_use(f->s, iss256, jti128, exp), JET_OK);
	assert_int_equal(jet_store_jti_use(f->s, iss256, jti128, exp), JET_EEXIST);
	assert_int_equal(jet_store_jti_use(f->s, "c", jti129, exp), JET_EINVAL);
	assert_int_equal(jet_store_jti_use(f->s, iss257, "j", exp), JET_EINVAL);
	assert_int_equal(jet_store_jti_use(f->s, "", "j", exp), JET_EINVAL);
	assert_int_equal(jet_store_jti_use(f->s, "c", "", exp), JET_EINVAL);
	assert_int_equal(jet_store_jti_use(f->s, NULL, "j", exp), JET_EINVAL);
	assert_int_equal(jet_store_jti_use(f->s, "c", NULL, exp), JET_EINVAL);
	assert_int_equal(jet_store_jti_use(NULL, "c", "j", exp), JET_EINVAL);

	assert_int_equal(jet_store_revoke(f->s, jti128, "c", exp), JET_OK);
	assert_int_equal(jet_store_is_revoked(f->s, jti128), JET_OK);
	assert_int_equal(jet_store_revoke(f->s, jti129, "c", exp), JET_EINVAL);
	assert_int_equal(jet_store_is_revoked(f->s, jti129), JET_EINVAL);
	assert_int_equal(jet_store_revoke(f->s, "", "c", exp), JET_EINVAL);
	assert_int_equal(jet_store_revoke(f->s, "j", "bad id", exp), JET_EINVAL);
	assert_int_equal(jet_store_revoke(f->s, "j", NULL, exp), JET_EINVAL);
	assert_int_equal(jet_store_revoked_since(f->s, 0, 0, 1, NULL, NULL, NULL), JET_EINVAL);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM revoked"), 1);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM used_jti"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replay_one_handle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_two_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_reusable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jti_occasional_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked_since_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_not_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
