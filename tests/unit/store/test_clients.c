/*
 * Unit tests for the OAuth client table of the store (SQLite backend): a
 * round trip of every field (secret hash bytes exact, NULLs kept), the
 * defaults for unset text, timestamps, duplicates and missing ids, list
 * order across pages and early stop, and every validation limit at the
 * limit and one past it.
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

#include "jet/store.h"
#include "storetest.h"

static int
setup(void **state)
{
	return fixture_open(state, "store-clients", "sqlite:");
}

static struct jet_client
full_client(const char *id)
{
	struct jet_client c = {
		.id = (char *)id,
		.name = "Building 7 \xc3\xa9nergie", /* UTF-8 is text too */
		.scopes = "read:telemetry write:setpoints",
		.grants = "{\"b7\": \"operator\", \"b9\": \"viewer\"}",
		.has_secret = true,
		.jwks = "{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"AA\", "
			"\"y\": \"BB\"}]}",
		.tls_subject = "CN=dev-7,O=Jetstream Test",
		.tls_san = "spiffe://jetstream.test/dev-7",
		.disabled = true,
	};

	/* Every byte value, NUL included: a blob, not a string. */
	for (size_t i = 0; i < JET_CLIENT_SECRET_HASH; i++)
		c.secret_hash[i] = (uint8_t)(i * 37 + 0x80 * (i & 1));
	c.secret_hash[3] = 0;
	return c;
}

static void
test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct jet_client c = full_client("dev-7.b_X"), got;
	int64_t t0 = time(NULL);

	assert_int_equal(jet_store_client_create(f->s, &c), JET_OK);
	assert_int_equal(jet_store_client_get(f->s, "dev-7.b_X", &got), JET_OK);
	assert_string_equal(got.id, c.id);
	assert_string_equal(got.name, c.name);
	assert_string_equal(got.scopes, c.scopes);
	assert_string_equal(got.grants, c.grants);
	assert_true(got.has_secret);
	assert_memory_equal(got.secret_hash, c.secret_hash, JET_CLIENT_SECRET_HASH);
	assert_string_equal(got.jwks, c.jwks);
	assert_string_equal(got.tls_subject, c.tls_subject);
	assert_string_equal(got.tls_san, c.tls_san);
	assert_true(got.disabled);
	assert_true(got.created_at >= t0 && got.created_at <= time(NULL));
	assert_int_equal(got.updated_at, got.created_at);
	jet_client_cleanup(&got);
	assert_null(got.id); /* cleanup leaves no alias */

	/* Ids are case-sensitive. */
	assert_int_equal(jet_store_client_get(f->s, "DEV-7.B_X", &got), JET_ENOTFOUND);
}

static void
test_nulls_and_defaults(void **state)
{
	struct fixture *f = *state;
	struct jet_client c = { .id = "bare" }, got;

	assert_int_equal(jet_store_client_create(f->s, &c), JET_OK);
	assert_int_equal(jet_store_client_get(f->s, "bare", &got), JET_OK);
	/* Unset name/scopes/grants read back as "", "" and "{}" so callers
	 * need no NULL checks; the optional fields stay NULL. */
	assert_string_equal(got.name, "");
	assert_string_equal(got.scopes, "");
	assert_string_equal(got.grants, "{}");
	assert_false(got.has_secret);
	assert_null(got.jwks);
	assert_null(got.tls_subject);
	assert_null(got.tls_san);
	assert_false(got.disabled);
	jet_client_cleanup(&got);

	/* Empty strings are kept as empty strings, not turned into NULL. */
	c = (struct jet_client){ .id = "empty", .tls_subject = "", .tls_san = "" };
	assert_int_equal(jet_store_client_create(f->s, &c), JET_OK);
	assert_int_equal(jet_store_client_get(f->s, "empty", &got), JET_OK);
	assert_non_null(got.tls_subject);
	assert_string_equal(got.tls_subject, "");
	assert_string_equal(got.tls_san, "");
	jet_client_cleanup(&got);
}

static void
test_update(void **state)
{
	struct fixture *f = *state;
	struct jet_client c = full_client("upd"), got, before;

	assert_int_equal(jet_store_client_create(f->s, &c), JET_OK);
	assert_int_equal(jet_store_client_get(f->s, "upd", &before), JET_OK);
	/* Every field is replaced: set fields become NULL, flags flip. */
	c = (struct jet_client){ .id = "upd", .name = "renamed", .scopes = "a", .grants = "{}" };
	assert_int_equal(jet_store_client_update(f->s, &c), JET_OK);
	assert_int_equal(jet_store_client_get(f->s, "upd", &got), JET_OK);
	assert_string_equal(got.name, "renamed");
	assert_string_equal(got.scopes, "a");
	assert_string_equal(got.grants, "{}");
	assert_false(got.has_secret);
	assert_null(got.jwks);
	assert_null(got.tls_subject);
	assert_null(got.tls_san);
	assert_false(got.disabled);
	assert_int_equal(got.created_at, before.created_at);
	assert_true(got.updated_at >= before.updated_at);
	jet_client_cleanup(&got);
	jet_client_cleanup(&before);

	/* And back: a secret appears again, byte exact. */
	c = full_client("upd");
	c.disabled = false;
	assert_int_equal(jet_store_client_update(f->s, &c), JET_OK);
	assert_int_equal(jet_store_client_get(f->s, "upd", &got), JET_OK);
	assert_true(got.has_secret);
	assert_memory_equal(got.secret_hash, c.secret_hash, JET_CLIENT_SECRET_HASH);
	assert_false(got.disabled);
	jet_client_cleanup(&got);
}

static void
test_exists_and_missing(void **state)
{
	struct fixture *f = *state;
	struct jet_client c = full_client("dup"), other = { .id = "dup", .name = "other" }, got;

	assert_int_equal(jet_store_client_create(f->s, &c), JET_OK);
	assert_int_equal(jet_store_client_create(f->s, &other), JET_EEXIST);
	/* The first one is untouched. */
	assert_int_equal(jet_store_client_get(f->s, "dup", &got), JET_OK);
	assert_string_equal(got.name, c.name);
	jet_client_cleanup(&got);

	other.id = "missing";
	assert_int_equal(jet_store_client_update(f->s, &other), JET_ENOTFOUND);
	assert_int_equal(jet_store_client_delete(f->s, "missing"), JET_ENOTFOUND);
	memset(&got, 0x5a, sizeof(got));
	assert_int_equal(jet_store_client_get(f->s, "missing", &got), JET_ENOTFOUND);
	assert_null(got.id); /* out is cleared on failure: cleanup is safe */
	jet_client_cleanup(&got);

	assert_int_equal(jet_store_client_delete(f->s, "dup"), JET_OK);
	assert_int_equal(jet_store_client_get(f->s, "dup", &got), JET_ENOTFOUND);
	assert_int_equal(jet_store_client_delete(f->s, "dup"), JET_ENOTFOUND);
	/* The id is free again. */
	other.id = "dup";
	assert_int_equal(jet_store_client_create(f->s, &other), JET_OK);
}

struct walk {
	char ids[200][JET_CLIENT_ID_MAX + 1];
	size_t n;
	size_t stop_at; /* return 7 after this many; 0: never */
};

static int
walk_cb(const struct jet_client *c, void *arg)
{
	struct walk *w = arg;

	assert_true(w->n < 200);
	snprintf(w->ids[w->n], sizeof(w->ids[0]), "%s", c->id);
	w->n++;
	return w->stop_at != 0 && w->n == w->stop_at ? 7 : 0;
}

static void
test_list(void **state)
{
	struct fixture *f = *state;
	struct walk *w = calloc(1, sizeof(*w));
	char id[32];

	assert_int_equal(jet_store_client_list(f->s, walk_cb, w), JET_OK);
	assert_int_equal(w->n, 0);

	/* 100 clients (over three backend pages), inserted out of order. */
	for (int i = 0; i < 100; i++) {
		struct jet_client c = { .id = id, .name = "n" };

		snprintf(id, sizeof(id), "c%03d", (i * 37) % 100);
		assert_int_equal(jet_store_client_create(f->s, &c), JET_OK);
	}
	assert_int_equal(jet_store_client_list(f->s, walk_cb, w), JET_OK);
	assert_int_equal(w->n, 100);
	for (int i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "c%03d", i);
		assert_string_equal(w->ids[i], id);
	}

	/* A non-zero return stops the walk and is returned, also on a page
	 * boundary. */
	memset(w, 0, sizeof(*w));
	w->stop_at = 5;
	assert_int_equal(jet_store_client_list(f->s, walk_cb, w), 7);
	assert_int_equal(w->n, 5);
	memset(w, 0, sizeof(*w));
	w->stop_at = 32;
	assert_int_equal(jet_store_client_list(f->s, walk_cb, w), 7);
	assert_int_equal(w->n, 32);
	free(w);
}

static int
reenter_cb(const struct jet_client *c, void *arg)
{
	struct jet_store *s = arg;
	struct jet_client got;

	/* The walk holds no connection while calling back: the store can be
	 * used (read and written) from inside the callback. */
	assert_int_equal(jet_store_client_get(s, c->id, &got), JET_OK);
	jet_client_cleanup(&got);
	assert_int_equal(jet_store_client_delete(s, c->id), JET_OK);
	return 0;
}

static void
test_list_reentrant(void **state)
{
	struct fixture *f = *state;
	struct walk *w = calloc(1, sizeof(*w));
	char id[32];

	for (int i = 0; i < 70; i++) {
		struct jet_client c = { .id = id };

		snprintf(id, sizeof(id), "r%02d", i);
		assert_int_equal(jet_store_client_create(f->s, &c), JET_OK);
	}
	assert_int_equal(jet_store_client_list(f->s, reenter_cb, f->s), JET_OK);
	assert_int_equal(jet_store_client_list(f->s, walk_cb, w), JET_OK);
	assert_int_equal(w->n, 0);
	free(w);
}

/* A string of n copies of ch (caller frees). */
static char *
rep(char ch, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, ch, n);
	s[n] = '\0';
	return s;
}

/* '{"k":"xxxx"}' of exactly n bytes (n >= 8). */
static char *
json_of(size_t n)
{
	char *s = rep('x', n);

	memcpy(s, "{\"k\":\"", 6);
	s[n - 2] = '"';
	s[n - 1] = '}';
	return s;
}

static void
expect_create(struct jet_store *s, struct jet_client *c, int want)
{
	struct jet_client got;

	assert_int_equal(jet_store_client_create(s, c), want);
	if (want == JET_OK) {
		assert_int_equal(jet_store_client_get(s, c->id, &got), JET_OK);
		jet_client_cleanup(&got);
		assert_int_equal(jet_store_client_delete(s, c->id), JET_OK);
	} else {
		/* update refuses the same value; nothing was stored */
		assert_int_equal(jet_store_client_update(s, c), JET_EINVAL);
		if (c->id != NULL && strlen(c->id) <= JET_CLIENT_ID_MAX)
			assert_true(jet_store_client_get(s, c->id, &got) != JET_OK);
	}
}

static void
test_validation(void **state)
{
	struct fixture *f = *state;
	struct jet_client got;
	char *id64 = rep('a', 64), *id65 = rep('a', 65);
	char *name200 = rep('n', 200), *name201 = rep('n', 201);
	char *scopes1024 = rep('s', 1024), *scopes1025 = rep('s', 1025);
	char *grants16k = json_of(16 * 1024), *grants16k1 = json_of(16 * 1024 + 1);
	char *jwks64k = json_of(64 * 1024), *jwks64k1 = json_of(64 * 1024 + 1);
	char *tls1024 = rep('t', 1024), *tls1025 = rep('t', 1025);
	struct jet_client c;

	/* ids: 1..64 of [A-Za-z0-9._-] */
	c = (struct jet_client){ .id = id64 };
	expect_create(f->s, &c, JET_OK);
	c.id = id65;
	expect_create(f->s, &c, JET_EINVAL);
	c.id = "";
	expect_create(f->s, &c, JET_EINVAL);
	c.id = NULL;
	expect_create(f->s, &c, JET_EINVAL);
	const char *bad_ids[] = { "a b", "a/b", "a:b", "caf\xc3\xa9", "a\nb", "a'b", "a%b",
		"a+b" };
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		c.id = (char *)bad_ids[i];
		expect_create(f->s, &c, JET_EINVAL);
		assert_int_equal(jet_store_client_get(f->s, bad_ids[i], &got), JET_EINVAL);
		assert_int_equal(jet_store_client_delete(f->s, bad_ids[i]), JET_EINVAL);
	}
	assert_int_equal(jet_store_client_get(f->s, id65, &got), JET_EINVAL);
	assert_int_equal(jet_store_client_get(f->s, NULL, &got), JET_EINVAL);

	/* text fields: limits and no control characters */
	c = (struct jet_client){ .id = "v", .name = name200 };
	expect_create(f->s, &c, JET_OK);
	c.name = name201;
	expect_create(f->s, &c, JET_EINVAL);
	c.name = "tab\there";
	expect_create(f->s, &c, JET_EINVAL);
	c.name = "esc\x1b[31m";
	expect_create(f->s, &c, JET_EINVAL);

	c = (struct jet_client){ .id = "v", .scopes = scopes1024 };
	expect_create(f->s, &c, JET_OK);
	c.scopes = scopes1025;
	expect_create(f->s, &c, JET_EINVAL);
	c.scopes = "read \"quoted\"";
	expect_create(f->s, &c, JET_EINVAL);
	c.scopes = "caf\xc3\xa9";
	expect_create(f->s, &c, JET_EINVAL);

	c = (struct jet_client){ .id = "v", .tls_subject = tls1024, .tls_san = tls1024 };
	expect_create(f->s, &c, JET_OK);
	c.tls_subject = tls1025;
	expect_create(f->s, &c, JET_EINVAL);
	c.tls_subject = NULL;
	c.tls_san = tls1025;
	expect_create(f->s, &c, JET_EINVAL);

	/* JSON fields: a JSON object within the limit */
	c = (struct jet_client){ .id = "v", .grants = grants16k, .jwks = jwks64k };
	expect_create(f->s, &c, JET_OK);
	c.grants = grants16k1;
	expect_create(f->s, &c, JET_EINVAL);
	c.grants = "{}";
	c.jwks = jwks64k1;
	expect_create(f->s, &c, JET_EINVAL);
	const char *bad_json[] = { "", "[]", "\"s\"", "{", "{\"a\":1,\"a\":2}", "{} x",
		"[[[[[[[[[[]]]]]]]]]]", "{\"a\":[[[[[[[[[1]]]]]]]]]}" };
	for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		c = (struct jet_client){ .id = "v", .grants = (char *)bad_json[i] };
		expect_create(f->s, &c, JET_EINVAL);
		c = (struct jet_client){ .id = "v", .jwks = (char *)bad_json[i] };
		expect_create(f->s, &c, JET_EINVAL);
	}

	assert_int_equal(jet_store_client_create(f->s, NULL), JET_EINVAL);
	assert_int_equal(jet_store_client_create(NULL, &c), JET_EINVAL);
	assert_int_equal(jet_store_client_list(f->s, NULL, NULL), JET_EINVAL);

	free(id64), free(id65), free(name200), free(name201), free(scopes1024);
	free(scopes1025), free(grants16k), free(grants16k1), free(jwks64k), free(jwks64k1);
	free(tls1024), free(tls1025);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nulls_and_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exists_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_reentrant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
