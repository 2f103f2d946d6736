/*
 * Concurrency test of the SQLite store: four threads on one handle, a
 * fifth on a second handle and a forked process with its own handle all
 * hammer the same file at once (the auth replicas and the admin CLI do
 * this).  No call may fail, every contested one-time id is won exactly
 * once, and the counts of revocations and clients add up afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "jet/store.h"
#define STORETEST_DIR_ONLY
#include "storetest.h"

#define N 150           /* iterations per worker */
#define THREADS 5       /* 4 on the first handle, 1 on the second */
#define WORKERS (THREADS + 1) /* + the child process */

struct worker {
	struct jet_store *s;
	int id;
	int start_fd;    /* read one byte before starting */
	int wins;        /* contested jtis this worker got */
	int errors;      /* calls that returned something unexpected */
	int last_error;
};

static void
fail_once(struct worker *w, int rc)
{
	w->errors++;
	w->last_error = rc;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	int64_t exp = time(NULL) + 600;
	char a[64], b[64];
	char go;
	int rc;

	if (read(w->start_fd, &go, 1) != 1)
		fail_once(w, -1000);
	for (int k = 0; k < N; k++) {
		struct jet_client c = { .id = a, .name = "worker", .scopes = "read",
			.grants = "{}", .has_secret = true };
		struct jet_client got;

		snprintf(a, sizeof(a), "w%d-%d", w->id, k);
		if ((rc = jet_store_jti_use(w->s, "mine", a, exp)) != JET_OK)
			fail_once(w, rc);
		/* Every worker races for the same id: one wins. */
		snprintf(b, sizeof(b), "shared-%d", k);
		rc = jet_store_jti_use(w->s, "race", b, exp);
		if (rc == JET_OK)
			w->wins++;
		else if (rc != JET_EEXIST)
			fail_once(w, rc);
		if ((rc = jet_store_revoke(w->s, a, "worker", exp)) != JET_OK)
			fail_once(w, rc);
		snprintf(b, sizeof(b), "common-%d", k);
		if ((rc = jet_store_revoke(w->s, b, "worker", exp)) != JET_OK)
			fail_once(w, rc);
		if ((rc = jet_store_is_revoked(w->s, a)) != JET_OK)
			fail_once(w, rc);

		memset(c.secret_hash, w->id + k, sizeof(c.secret_hash));
		if ((rc = jet_store_client_create(w->s, &c)) != JET_OK)
			fail_once(w, rc);
		if ((rc = jet_store_client_get(w->s, a, &got)) != JET_OK)
			fail_once(w, rc);
		else if (strcmp(got.id, a) != 0 || got.secret_hash[31] != (uint8_t)(w->id + k))
			fail_once(w, -2000);
		jet_client_cleanup(&got);
		c.name = "updated";
		if ((rc = jet_store_client_update(w->s, &c)) != JET_OK)
			fail_once(w, rc);
		if (k % 2 == 1 && (rc = jet_store_client_delete(w->s, a)) != JET_OK)
			fail_once(w, rc);
	}
	return NULL;
}

static int
count_client(const struct jet_client *c, void *arg)
{
	if (strcmp(c->name, "updated") == 0)
		(*(int *)arg)++;
	return 0;
}

static void
count_revoked(const char *jti, int64_t exp, void *arg)
{
	(void)jti, (void)exp;
	(*(int *)arg)++;
}

static void
test_hammer(void **state)
{
	char dir[512], path[600], err[256] = "";
	struct jet_store *s1 = NULL, *s2 = NULL;
	struct worker w[WORKERS];
	pthread_t th[THREADS];
	int go[2], res[2], wins = 0, errors = 0, nclients = 0, nrevoked = 0, status;
	pid_t pid;

	(void)state;
	tmpdir(dir, sizeof(dir), "store-conc");
	snprintf(path, sizeof(path), "sqlite:%s/jet.db", dir);
	assert_int_equal(jet_store_open(path, &s1, err, sizeof(err)), JET_OK);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(res), 0);

	/* The other process: forked before any thread exists, and using only
	 * a handle of its own. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct worker cw = { .id = THREADS, .start_fd = go[0] };
		int out[2];

		if (jet_store_open(path, &cw.s, err, sizeof(err)) != JET_OK)
			_exit(2);
		work(&cw);
		out[0] = cw.wins;
		out[1] = cw.errors;
		if (write(res[1], out, sizeof(out)) != sizeof(out))
			_exit(3);
		jet_store_close(cw.s);
		_exit(0);
	}
	assert_int_equal(jet_store_open(path, &s2, err, sizeof(err)), JET_OK);
	memset(w, 0, sizeof(w));
	for (int i = 0; i < THREADS; i++) {
		w[i].s = i < 4 ? s1 : s2;
		w[i].id = i;
		w[i].start_fd = go[0];
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < WORKERS; i++) /* everyone starts at once */
		assert_int_equal(write(go[1], "g", 1), 1);
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		if (w[i].errors != 0)
			fprintf(stderr, "worker %d: %d errors, last %d\n", i, w[i].errors,
				w[i].last_error);
		wins += w[i].wins;
		errors += w[i].errors;
	}
	{
		int out[2];

		assert_int_equal(read(res[0], out, sizeof(out)), (ssize_t)sizeof(out));
		wins += out[0];
		errors += out[1];
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	assert_int_equal(errors, 0);
	assert_int_equal(wins, N);
	/* WORKERS * N own revocations plus N common ones (idempotent). */
	assert_int_equal(jet_store_revoked_since(s2, 0, 0, SIZE_MAX, count_revoked, &nrevoked,
		NULL), JET_OK);
	assert_int_equal(nrevoked, WORKERS * N + N);
	/* Every worker kept the even half of its clients. */
	assert_int_equal(jet_store_client_list(s1, count_client, &nclients), JET_OK);
	assert_int_equal(nclients, WORKERS * (N / 2 + N % 2));

	jet_store_close(s2);
	jet_store_close(s1);
	close(go[0]), close(go[1]), close(res[0]), close(res[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hammer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
