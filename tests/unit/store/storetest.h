/*
 * storetest.h - what the store tests share: a private directory and a
 * store opened in it.  (jet_test_tmpdir lives in tests/support/testnet.c,
 * which needs lib/http; these tests build with core, json, pki and store
 * only.)  Included by one test file each, so the functions are static;
 * STORETEST_DIR_ONLY leaves out the fixture for tests that make their own.
 */
#ifndef JET_STORETEST_H
#define JET_STORETEST_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "jet/store.h"

static void
tmpdir(char *out, size_t outlen, const char *tag)
{
	const char *base = getenv("JET_TEST_TMP");

	if (base == NULL)
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(out, outlen, "%s/%s-XXXXXX", base, tag);
	assert_non_null(mkdtemp(out));
}

#ifndef STORETEST_DIR_ONLY
struct fixture {
	char dir[512];
	char path[600];
	struct jet_store *s;
};

/* A fresh store in a fresh directory, opened by url_prefix + path
 * ("sqlite:" or "" for a plain path). */
static int
fixture_open(void **state, const char *tag, const char *url_prefix)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256] = "";

	if (f == NULL)
		return -1;
	tmpdir(f->dir, sizeof(f->dir), tag);
	snprintf(f->path, sizeof(f->path), "%s%s/jet.db", url_prefix, f->dir);
	if (jet_store_open(f->path, &f->s, err, sizeof(err)) != JET_OK) {
		fprintf(stderr, "open: %s\n", err);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	jet_store_close(f->s);
	free(f);
	return 0;
}

#endif /* STORETEST_DIR_ONLY */

#endif /* JET_STORETEST_H */
