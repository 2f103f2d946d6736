/*
 * `jetstream client` as an operator meets it: the real binary on a fresh
 * data directory, its output read back as text and as JSON, and the store
 * and secret-hash key checked from here through their own interfaces
 * (jet_store_client_get, jet_secret_check), so a claim like "the old secret
 * stops working" is checked on what the authorization server will read.
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
#include <jansson.h>

#include "jet/jose.h"
#include "jet/store.h"
#include "auth/secret.h"
#include "testnet.h"
#include "testproc.h"

static struct jet_testproc proc;
static char data[600];                 /* the --data directory of the test */
static char out[1 << 17], err[1 << 14]; /* the last command's stdout, stderr */

/* ------------------------------------------------------------ helpers */

static int
setup(void **state)
{
	jet_testproc_fresh(&proc, "cli-client");
	snprintf(data, sizeof(data), "%s/data", proc.dir);
	return 0;
}

/* Runs `jetstream` with exactly argv (NULL-terminated, argv[0] included). */
static int
run_argv(char *const argv[])
{
	int rc = jet_testproc_run(&proc, argv, NULL, NULL);

	snprintf(out, sizeof(out), "%s", jet_test_read_file(proc.out));
	snprintf(err, sizeof(err), "%s", jet_test_read_file(proc.err));
	return rc;
}

/* Runs `jetstream client <args...> --data DATA`; args end with NULL. */
static int
cli(const char *first, ...)
{
	char *argv[80];
	va_list ap;
	int n = 0;

	argv[n++] = "jetstream";
	argv[n++] = "client";
	argv[n++] = (char *)first;
	va_start(ap, first);
	for (char *a; (a = va_arg(ap, char *)) != NULL && n < 76;)
		argv[n++] = a;
	va_end(ap);
	argv[n++] = "--data";
	argv[n++] = data;
	argv[n] = NULL;
	return run_argv(argv);
}

/* stdout parsed as one JSON document (fails the test otherwise). */
static json_t *
out_json(void)
{
	json_error_t je;
	json_t *v = json_loads(out, 0, &je);

	if (v == NULL)
		fprintf(stderr, "not JSON (%s): %s\n", je.text, out);
	assert_non_null(v);
	return v;
}

/* The value after "label: " on its line of stdout, into dst. */
static void
out_field(const char *label, char *dst, size_t dstlen)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "%s: ", label);
	p = strstr(out, pat);
	assert_non_null(p);
	p += strlen(pat);
	snprintf(dst, dstlen, "%.*s", (int)strcspn(p, "\n"), p);
}

static bool
is_b64url(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Creates a client with a secret; id and secret from --json output. */
static void
create_with_secret(const char *id, char secret[JET_SECRET_TEXT])
{
	json_t *o;

	assert_int_equal(cli("create", "--name", "test", "--id", id, "--json", NULL), 0);
	o = out_json();
	assert_string_equal(json_string_value(json_object_get(o, "client_id")), id);
	snprintf(secret, JET_SECRET_TEXT, "%s",
		json_string_value(json_object_get(o, "client_secret")));
	assert_true(is_b64url(secret, 43));
	json_decref(o);
}

/* The stored record of id (assert it exists). */
static void
stored(const char *id, struct jet_client *cl)
{
	char url[700], e[256];
	struct jet_store *s = NULL;

	snprintf(url, sizeof(url), "sqlite:%s/jetstream.db", data);
	assert_int_equal(jet_store_open(url, &s, e, sizeof(e)), JET_OK);
	assert_int_equal(jet_store_client_get(s, id, cl), JET_OK);
	jet_store_close(s);
}

static void
secret_key(uint8_t key[JET_SECRET_KEY_BYTES])
{
	char e[256];

	assert_int_equal(jet_secret_key_load(data, key, e, sizeof(e)), JET_OK);
}

/* Writes a JWKS of the public halves of keys[0..n) to path; extra (may be
 * NULL) is merged into the first key (to plant a private member). */
static void
write_jwks(const char *path, struct jet_jwk *const *keys, size_t n, json_t *extra)
{
	json_t *arr = json_array(), *doc;

	for (size_t i = 0; i < n; i++) {
		json_t *k = jet_jwk_public_json(keys[i]);

		assert_non_null(k);
		if (i == 0 && extra != NULL)
			json_object_update(k, extra);
		json_array_append_new(arr, k);
	}
	doc = json_pack("{s:o}", "keys", arr);
	assert_non_null(doc);
	assert_int_equal(json_dump_file(doc, path, 0), 0);
	json_decref(doc);
}

/* ------------------------------------------------------------ tests */

static void
create_prints_the_id_and_the_secret_once(void **state)
{
	char id[128], secret[128];
	json_t *o;

	assert_int_equal(cli("create", "--name", "dashboard", "--grant", "hq-1=viewer", NULL), 0);
	out_field("client_id", id, sizeof(id));
	out_field("client_secret", secret, sizeof(secret));
	/* jc_ + 16 random base64url characters; 256-bit secret = 43 characters. */
	assert_int_equal(strncmp(id, "jc_", 3), 0);
	assert_true(is_b64url(id + 3, 16));
	assert_true(is_b64url(secret, 43));
	assert_non_null(strstr(out, "shown once: store it now; it cannot be recovered"));
	assert_string_equal(err, "");

	/* Two creates make two different ids and secrets. */
	assert_int_equal(cli("create", "--name", "second", "--json", NULL), 0);
	o = out_json();
	assert_string_not_equal(json_string_value(json_object_get(o, "client_id")), id);
	assert_string_not_equal(json_string_value(json_object_get(o, "client_secret")), secret);
	assert_true(is_b64url(json_string_value(json_object_get(o, "client_secret")), 43));
	/* --json output is the document alone. */
	assert_int_equal(json_object_size(o), 2);
	json_decref(o);
}

static void
create_with_a_taken_id_fails(void **state)
{
	char secret[JET_SECRET_TEXT];
	struct jet_client cl;
	uint8_t key[JET_SECRET_KEY_BYTES];

	create_with_secret("fixed-1", secret);
	assert_int_equal(cli("create", "--name", "other", "--id", "fixed-1", NULL), 1);
	assert_non_null(strstr(err, "client fixed-1 already exists"));
	assert_string_equal(out, "");
	/* The first client is untouched: its secret still checks. */
	stored("fixed-1", &cl);
	assert_string_equal(cl.name, "test");
	secret_key(key);
	assert_true(jet_secret_check(key, secret, strlen(secret), cl.secret_hash));
	jet_client_cleanup(&cl);
}

static void
list_and_show_never_print_the_secret_or_its_hash(void **state)
{
	char secret[JET_SECRET_TEXT], hex[65], hexu[65], b64[64], b64std[64];
	const char *cmds[][3] = { { "list", NULL, NULL }, { "list", "--json", NULL },
		{ "show", "c1", NULL }, { "show", "c1", "--json" } };
	struct jet_client cl;
	json_t *o, *e;

	create_with_secret("c1", secret);
	assert_int_equal(cli("create", "--name", "two", "--id", "c2", "--scope",
		"points:read commands:write", "--grant", "hq-1=operator", "--grant", "*=viewer",
		NULL), 0);
	stored("c1", &cl);
	for (int i = 0; i < 32; i++) {
		snprintf(hex + 2 * i, 3, "%02x", cl.secret_hash[i]);
		snprintf(hexu + 2 * i, 3, "%02X", cl.secret_hash[i]);
	}
	assert_int_equal(jet_b64url_encode(cl.secret_hash, 32, b64, sizeof(b64)), JET_OK);
	assert_int_equal(EVP_EncodeBlock((unsigned char *)b64std, cl.secret_hash, 32), 44);
	jet_client_cleanup(&cl);

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		assert_int_equal(cli(cmds[i][0], cmds[i][1], cmds[i][2], NULL), 0);
		assert_null(strstr(out, secret));
		assert_null(strstr(out, hex));
		assert_null(strstr(out, hexu));
		assert_null(strstr(out, b64));
		assert_null(strstr(out, b64std));
		/* Not even a fragment: the first 8 characters of each form. */
		assert_null(strstr(out, (char[9]){ hex[0], hex[1], hex[2], hex[3], hex[4], hex[5],
			hex[6], hex[7], 0 }));
		assert_null(strstr(out, (char[9]){ b64[0], b64[1], b64[2], b64[3], b64[4], b64[5],
			b64[6], b64[7], 0 }));
		assert_null(strstr(err, secret));
	}

	/* The listing, as JSON: every client, its methods, scopes and grants. */
	assert_int_equal(cli("list", "--json", NULL), 0);
	o = out_json();
	assert_true(json_is_array(o));
	assert_int_equal(json_array_size(o), 2);
	e = json_array_get(o, 1);
	assert_string_equal(json_string_value(json_object_get(e, "client_id")), "c2");
	assert_string_equal(json_string_value(json_object_get(e, "status")), "enabled");
	assert_string_equal(json_string_value(json_array_get(json_object_get(e,
		"auth_methods"), 0)), "client_secret_basic");
	assert_string_equal(json_string_value(json_array_get(json_object_get(e,
		"auth_methods"), 1)), "client_secret_post");
	assert_int_equal(json_array_size(json_object_get(e, "auth_methods")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(e, "scopes"),
		1)), "commands:write");
	assert_string_equal(json_string_value(json_object_get(json_object_get(e, "grants"),
		"hq-1")), "operator");
	assert_string_equal(json_string_value(json_object_get(json_object_get(e, "grants"),
		"*")), "viewer");
	json_decref(o);

	/* The table: a header and one row per client. */
	assert_int_equal(cli("list", NULL), 0);
	assert_int_equal(count_lines(out), 3);
	assert_non_null(strstr(out, "ID"));
	assert_non_null(strstr(out, "hq-1=operator,*=viewer"));
	assert_non_null(strstr(out, "points:read,commands:write"));

	/* show: every field; created and updated are RFC 3339. */
	assert_int_equal(cli("show", "c2", "--json", NULL), 0);
	o = out_json();
	assert_string_equal(json_string_value(json_object_get(o, "name")), "two");
	assert_true(json_is_true(json_object_get(o, "has_secret")));
	assert_true(json_is_null(json_object_get(o, "jwks")));
	assert_true(json_is_null(json_object_get(o, "tls_subject")));
	assert_int_equal(strlen(json_string_value(json_object_get(o, "created_at"))), 20);
	assert_int_equal(json_string_value(json_object_get(o, "created_at"))[10], 'T');
	assert_int_equal(json_string_value(json_object_get(o, "updated_at"))[19], 'Z');
	assert_null(json_object_get(o, "secret_hash"));
	json_decref(o);
	assert_int_equal(cli("show", "c2", NULL), 0);
	assert_non_null(strstr(out, "client_id:     c2\n"));
	assert_non_null(strstr(out, "scopes:        points:read commands:write\n"));
	assert_non_null(strstr(out, "status:        enabled\n"));
}

static void
store_and_key_files_are_private(void **state)
{
	char secret[JET_SECRET_TEXT], path[700];
	struct stat st;

	create_with_secret("c1", secret);
	snprintf(path, sizeof(path), "%s/jetstream.db", data);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/auth/client-secret.key", data);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, JET_SECRET_KEY_BYTES);
	assert_int_equal(stat(data, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/auth", data);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	/* A key file others can read is refused, and nothing is created. */
	snprintf(path, sizeof(path), "%s/auth/client-secret.key", data);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(cli("create", "--name", "x", "--id", "c2", NULL), 1);
	assert_non_null(strstr(err, "0600"));
	assert_int_equal(cli("show", "c2", NULL), 1);
	assert_non_null(strstr(err, "client c2 not found"));
}

static void
rotate_secret_replaces_the_stored_hash(void **state)
{
	char secret[JET_SECRET_TEXT], id[128], next[128];
	uint8_t key[JET_SECRET_KEY_BYTES], before[32];
	struct jet_client cl;
	json_t *o;

	create_with_secret("rot", secret);
	stored("rot", &cl);
	memcpy(before, cl.secret_hash, 32);
	jet_client_cleanup(&cl);

	assert_int_equal(cli("rotate-secret", "rot", NULL), 0);
	out_field("client_id", id, sizeof(id));
	out_field("client_secret", next, sizeof(next));
	assert_string_equal(id, "rot");
	assert_true(is_b64url(next, 43));
	assert_string_not_equal(next, secret);
	assert_non_null(strstr(out, "shown once"));
	assert_non_null(strstr(out, "1 s"));

	secret_key(key);
	stored("rot", &cl);
	assert_memory_not_equal(cl.secret_hash, before, 32);
	assert_true(jet_secret_check(key, next, strlen(next), cl.secret_hash));
	assert_false(jet_secret_check(key, secret, strlen(secret), cl.secret_hash));
	jet_client_cleanup(&cl);

	/* Again, as JSON. */
	assert_int_equal(cli("rotate-secret", "rot", "--json", NULL), 0);
	o = out_json();
	assert_string_equal(json_string_value(json_object_get(o, "client_id")), "rot");
	assert_string_not_equal(json_string_value(json_object_get(o, "client_secret")), next);
	stored("rot", &cl);
	assert_true(jet_secret_check(key, json_string_value(json_object_get(o,
		"client_secret")), 43, cl.secret_hash));
	assert_false(jet_secret_check(key, next, strlen(next), cl.secret_hash));
	jet_client_cleanup(&cl);
	json_decref(o);

	assert_int_equal(cli("rotate-secret", "nosuch", NULL), 1);
	assert_non_null(strstr(err, "client nosuch not found"));
}

static void
disable_enable_delete(void **state)
{
	char secret[JET_SECRET_TEXT];
	struct jet_client cl;
	json_t *o;

	create_with_secret("d1", secret);
	assert_int_equal(cli("disable", "d1", NULL), 0);
	assert_non_null(strstr(out, "disabled"));
	stored("d1", &cl);
	assert_true(cl.disabled);
	jet_client_cleanup(&cl);
	assert_int_equal(cli("show", "d1", "--json", NULL), 0);
	o = out_json();
	assert_string_equal(json_string_value(json_object_get(o, "status")), "disabled");
	json_decref(o);
	assert_int_equal(cli("list", NULL), 0);
	assert_non_null(strstr(out, "disabled"));

	assert_int_equal(cli("enable", "d1", "--json", NULL), 0);
	o = out_json();
	assert_string_equal(json_string_value(json_object_get(o, "status")), "enabled");
	json_decref(o);
	stored("d1", &cl);
	assert_false(cl.disabled);
	jet_client_cleanup(&cl);

	assert_int_equal(cli("delete", "d1", NULL), 0);
	assert_non_null(strstr(out, "client d1 deleted"));
	assert_int_equal(cli("show", "d1", NULL), 1);
	assert_non_null(strstr(err, "client d1 not found"));
	assert_int_equal(cli("delete", "d1", NULL), 1);
	assert_non_null(strstr(err, "client d1 not found"));
	assert_int_equal(cli("disable", "d1", NULL), 1);
	assert_int_equal(cli("enable", "d1", NULL), 1);

	create_with_secret("d2", secret);
	assert_int_equal(cli("delete", "d2", "--json", NULL), 0);
	o = out_json();
	assert_string_equal(json_string_value(json_object_get(o, "client_id")), "d2");
	assert_true(json_is_true(json_object_get(o, "deleted")));
	json_decref(o);
	assert_int_equal(cli("list", "--json", NULL), 0);
	o = out_json();
	assert_int_equal(json_array_size(o), 0);
	json_decref(o);
}

static void
set_jwks_accepts_public_signature_keys_only(void **state)
{
	struct jet_jwk *keys[2];
	char path[700], secret[JET_SECRET_TEXT];
	struct jet_client cl;
	json_t *o, *extra;

	assert_int_equal(jet_jwk_generate(JET_JWS_ES256, "k-es", &keys[0]), JET_OK);
	assert_int_equal(jet_jwk_generate(JET_JWS_EDDSA, "k-ed", &keys[1]), JET_OK);
	create_with_secret("j1", secret);
	snprintf(path, sizeof(path), "%s/jwks.json", proc.dir);

	/* A valid set of two keys. */
	write_jwks(path, keys, 2, NULL);
	assert_int_equal(cli("set-jwks", "j1", path, NULL), 0);
	assert_non_null(strstr(out, "2 keys"));
	assert_int_equal(cli("show", "j1", NULL), 0);
	assert_non_null(strstr(out, "k-es (ES256)"));
	assert_non_null(strstr(out, "k-ed (EdDSA)"));
	assert_non_null(strstr(out, "private_key_jwt"));
	assert_int_equal(cli("show", "j1", "--json", NULL), 0);
	o = out_json();
	assert_int_equal(json_array_size(json_object_get(json_object_get(o, "jwks"), "keys")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(o, "jwks_keys"), 1), "alg")), "EdDSA");
	json_decref(o);
	stored("j1", &cl);
	assert_non_null(cl.jwks);
	assert_non_null(strstr(cl.jwks, "k-ed"));
	jet_client_cleanup(&cl);

	/* A private member: refused, saying why; the stored set is unchanged. */
	extra = json_pack("{s:s}", "d", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	write_jwks(path, keys, 1, extra);
	json_decref(extra);
	assert_int_not_equal(cli("set-jwks", "j1", path, NULL), 0);
	assert_non_null(strstr(err, "private"));
	assert_int_equal(count_lines(err), 1);
	stored("j1", &cl);
	assert_non_null(strstr(cl.jwks, "k-ed"));
	jet_client_cleanup(&cl);
	/* The same at create. */
	assert_int_not_equal(cli("create", "--name", "p", "--id", "p1", "--jwks", path,
		"--no-secret", NULL), 0);
	assert_non_null(strstr(err, "private"));
	assert_int_equal(cli("show", "p1", NULL), 1);

	/* Not JSON; no keys; not a JWKS; an encryption key; a missing file. */
	jet_test_write_file(path, "{\"keys\": [");
	assert_int_not_equal(cli("set-jwks", "j1", path, NULL), 0);
	assert_non_null(strstr(err, "refused"));
	jet_test_write_file(path, "{\"keys\": []}");
	assert_int_not_equal(cli("set-jwks", "j1", path, NULL), 0);
	assert_non_null(strstr(err, "no signature key"));
	jet_test_write_file(path, "[1, 2]");
	assert_int_not_equal(cli("set-jwks", "j1", path, NULL), 0);
	assert_non_null(strstr(err, "not a JWKS"));
	extra = json_pack("{s:s}", "use", "enc");
	write_jwks(path, keys, 2, extra);
	json_decref(extra);
	assert_int_not_equal(cli("set-jwks", "j1", path, NULL), 0);
	assert_non_null(strstr(err, "key 1"));
	snprintf(path, sizeof(path), "%s/none.json", proc.dir);
	assert_int_equal(cli("set-jwks", "j1", path, NULL), 1);

	/* Larger than 64 KiB: refused before parsing. */
	{
		static char big[70 * 1024];

		memset(big, ' ', sizeof(big) - 1);
		memcpy(big, "{\"keys\":[]}", 11);
		snprintf(path, sizeof(path), "%s/big.json", proc.dir);
		jet_test_write_file(path, big);
		assert_int_equal(cli("set-jwks", "j1", path, NULL), 1);
		assert_non_null(strstr(err, "64 KiB"));
	}

	/* --clear: fine while the secret remains; the last credential stays. */
	assert_int_equal(cli("set-jwks", "j1", "--clear", NULL), 0);
	stored("j1", &cl);
	assert_null(cl.jwks);
	jet_client_cleanup(&cl);
	snprintf(path, sizeof(path), "%s/jwks.json", proc.dir);
	write_jwks(path, keys, 1, NULL);
	assert_int_equal(cli("create", "--name", "k", "--id", "k1", "--jwks", path,
		"--no-secret", "--json", NULL), 0);
	o = out_json();
	assert_null(json_object_get(o, "client_secret"));
	json_decref(o);
	assert_int_equal(cli("set-jwks", "k1", "--clear", NULL), 1);
	assert_non_null(strstr(err, "without any credential"));
	stored("k1", &cl);
	assert_non_null(cl.jwks);
	assert_false(cl.has_secret);
	jet_client_cleanup(&cl);
	/* Usage: FILE and --clear together, or neither. */
	assert_int_equal(cli("set-jwks", "k1", path, "--clear", NULL), 2);
	assert_int_equal(cli("set-jwks", "k1", NULL), 2);
	jet_jwk_free(keys[0]);
	jet_jwk_free(keys[1]);
}

static void
grants_are_validated(void **state)
{
	char grant[100], building[70];
	struct jet_client cl;
	json_t *g;

	assert_int_equal(cli("create", "--name", "g", "--id", "g0", NULL), 0);
	/* Bad role, bad building, duplicate building, no '=': usage errors. */
	assert_int_equal(cli("create", "--name", "g", "--grant", "hq-1=boss", NULL), 2);
	assert_non_null(strstr(err, "role"));
	assert_int_equal(cli("create", "--name", "g", "--grant", "hq-1=Admin", NULL), 2);
	assert_int_equal(cli("create", "--name", "g", "--grant", "hq-1=", NULL), 2);
	assert_int_equal(cli("create", "--name", "g", "--grant", "hq/1=viewer", NULL), 2);
	assert_non_null(strstr(err, "building"));
	assert_int_equal(cli("create", "--name", "g", "--grant", "=viewer", NULL), 2);
	assert_int_equal(cli("create", "--name", "g", "--grant", "**=viewer", NULL), 2);
	assert_int_equal(cli("create", "--name", "g", "--grant", "hq-1", NULL), 2);
	assert_int_equal(cli("create", "--name", "g", "--grant", "hq-1=viewer", "--grant",
		"hq-1=admin", NULL), 2);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(count_lines(err), 1);
	/* None of them created anything. */
	assert_int_equal(cli("list", "--json", NULL), 0);
	g = out_json();
	assert_int_equal(json_array_size(g), 1);
	json_decref(g);

	/* A building id at the limit (64) and past it. */
	memset(building, 'b', 64);
	building[64] = '\0';
	snprintf(grant, sizeof(grant), "%s=integrator", building);
	assert_int_equal(cli("create", "--name", "g", "--id", "g1", "--grant", grant, "--grant",
		"*=viewer", NULL), 0);
	stored("g1", &cl);
	g = json_loads(cl.grants, 0, NULL);
	assert_non_null(g);
	assert_int_equal(json_object_size(g), 2);
	assert_string_equal(json_string_value(json_object_get(g, building)), "integrator");
	assert_string_equal(json_string_value(json_object_get(g, "*")), "viewer");
	json_decref(g);
	jet_client_cleanup(&cl);
	snprintf(grant, sizeof(grant), "%sb=viewer", building);
	assert_int_equal(cli("create", "--name", "g", "--grant", grant, NULL), 2);

	/* set-grants replaces them all; --clear removes them. */
	assert_int_equal(cli("set-grants", "g1", "--grant", "plant-7=operator", NULL), 0);
	stored("g1", &cl);
	assert_string_equal(cl.grants, "{\"plant-7\":\"operator\"}");
	jet_client_cleanup(&cl);
	assert_int_equal(cli("set-grants", "g1", "--grant", "a=viewer", "--grant", "a=admin",
		NULL), 2);
	assert_int_equal(cli("set-grants", "g1", "--clear", NULL), 0);
	stored("g1", &cl);
	assert_string_equal(cl.grants, "{}");
	jet_client_cleanup(&cl);
	assert_int_equal(cli("set-grants", "g1", NULL), 2);
	assert_int_equal(cli("set-grants", "g1", "--clear", "--grant", "a=viewer", NULL), 2);
}

static void
scopes_are_validated_at_their_limits(void **state)
{
	char many[40 * 4], tok[80];
	struct jet_client cl;
	size_t n = 0;

	/* Default scope. */
	assert_int_equal(cli("create", "--name", "s", "--id", "s0", NULL), 0);
	stored("s0", &cl);
	assert_string_equal(cl.scopes, "points:read");
	jet_client_cleanup(&cl);

	/* 32 scopes pass, 33 do not. */
	for (int i = 0; i < 33; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "%ss%d", i ? " " : "", i);
	assert_int_equal(cli("create", "--name", "s", "--scope", many, NULL), 2);
	assert_non_null(strstr(err, "32"));
	many[strlen(many) - 4] = '\0'; /* drop " s32" */
	assert_int_equal(cli("create", "--name", "s", "--id", "s32", "--scope", many, NULL), 0);

	/* A 64-character scope passes, 65 do not. */
	memset(tok, 'x', 64);
	tok[64] = '\0';
	assert_int_equal(cli("create", "--name", "s", "--id", "s64", "--scope", tok, NULL), 0);
	tok[64] = 'x';
	tok[65] = '\0';
	assert_int_equal(cli("create", "--name", "s", "--scope", tok, NULL), 2);

	/* 1023 bytes in all pass (a verified token holds no more), 1024 do not:
	 * 15 scopes of 64 characters and one of 48, then one of 49. */
	{
		static char all[1100];
		size_t len = 0;

		for (int i = 0; i < 16; i++) {
			len += (size_t)snprintf(all + len, sizeof(all) - len, "%s%02d", i ? " " : "",
				i);
			memset(all + len, 'y', i < 15 ? 62 : 46);
			len += i < 15 ? 62 : 46;
			all[len] = '\0';
		}
		assert_int_equal(strlen(all), 1023);
		assert_int_equal(cli("create", "--name", "s", "--id", "s1023", "--scope", all,
			NULL), 0);
		stored("s1023", &cl);
		assert_int_equal(strlen(cl.scopes), 1023);
		jet_client_cleanup(&cl);
		memcpy(all + len, "y", 2);
		assert_int_equal(cli("create", "--name", "s", "--scope", all, NULL), 2);
		assert_non_null(strstr(err, "1023 bytes"));
	}

	/* Characters outside [A-Za-z0-9:._-], duplicates, empty. */
	assert_int_equal(cli("create", "--name", "s", "--scope", "points:read a\"b", NULL), 2);
	assert_int_equal(cli("create", "--name", "s", "--scope", "a/b", NULL), 2);
	assert_int_equal(cli("create", "--name", "s", "--scope", "a\tb", NULL), 2);
	assert_int_equal(cli("create", "--name", "s", "--scope", "a b a", NULL), 2);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(cli("create", "--name", "s", "--scope", "  ", NULL), 2);

	/* set-scope normalises spacing. */
	assert_int_equal(cli("set-scope", "s0", "  a:b   c.d-e_f ", NULL), 0);
	stored("s0", &cl);
	assert_string_equal(cl.scopes, "a:b c.d-e_f");
	jet_client_cleanup(&cl);
	assert_int_equal(cli("set-scope", "s0", "bad scope!", NULL), 2);
	assert_int_equal(cli("set-scope", "s0", NULL), 2);
	assert_int_equal(cli("set-scope", "nosuch", "a", NULL), 1);
	assert_non_null(strstr(err, "client nosuch not found"));
}

static void
tls_identity_and_the_credential_rule(void **state)
{
	struct jet_client cl;
	json_t *o;

	/* --no-secret alone leaves no credential: refused. */
	assert_int_equal(cli("create", "--name", "t", "--no-secret", NULL), 2);
	assert_non_null(strstr(err, "credential"));

	assert_int_equal(cli("create", "--name", "device", "--id", "t1", "--no-secret",
		"--tls-san", "urn:jetstream:device:1", "--tls-subject", "CN=device-1,O=Example",
		NULL), 0);
	assert_non_null(strstr(out, "client_id: t1"));
	assert_null(strstr(out, "client_secret"));
	stored("t1", &cl);
	assert_false(cl.has_secret);
	assert_string_equal(cl.tls_san, "urn:jetstream:device:1");
	assert_string_equal(cl.tls_subject, "CN=device-1,O=Example");
	jet_client_cleanup(&cl);
	/* No key file is made for a client without a secret. */
	{
		char path[700];
		struct stat st;

		snprintf(path, sizeof(path), "%s/auth/client-secret.key", data);
		assert_int_not_equal(stat(path, &st), 0);
	}
	assert_int_equal(cli("show", "t1", "--json", NULL), 0);
	o = out_json();
	assert_string_equal(json_string_value(json_array_get(json_object_get(o,
		"auth_methods"), 0)), "tls_client_auth");
	assert_int_equal(json_array_size(json_object_get(o, "auth_methods")), 1);
	assert_string_equal(json_string_value(json_object_get(o, "tls_subject")),
		"CN=device-1,O=Example");
	json_decref(o);

	/* set-tls replaces the identity; an option left out is removed. */
	assert_int_equal(cli("set-tls", "t1", "--san", "device-2.example.com", NULL), 0);
	stored("t1", &cl);
	assert_string_equal(cl.tls_san, "device-2.example.com");
	assert_null(cl.tls_subject);
	jet_client_cleanup(&cl);
	/* OpenSSL's notation: the type prefix is dropped, the value kept. */
	assert_int_equal(cli("set-tls", "t1", "--san", "URI:spiffe://example.test/d3", NULL), 0);
	stored("t1", &cl);
	assert_string_equal(cl.tls_san, "spiffe://example.test/d3");
	jet_client_cleanup(&cl);
	assert_int_equal(cli("set-tls", "t1", "--san", "DNS:d4.example.test", NULL), 0);
	stored("t1", &cl);
	assert_string_equal(cl.tls_san, "d4.example.test");
	jet_client_cleanup(&cl);
	assert_int_equal(cli("set-tls", "t1", "--san", "DNS:", NULL), 2);
	/* The only credential cannot be cleared... */
	assert_int_equal(cli("set-tls", "t1", "--clear", NULL), 1);
	assert_non_null(strstr(err, "without any credential"));
	/* ...until it has another. */
	assert_int_equal(cli("rotate-secret", "t1", NULL), 0);
	assert_int_equal(cli("set-tls", "t1", "--clear", NULL), 0);
	stored("t1", &cl);
	assert_null(cl.tls_san);
	assert_true(cl.has_secret);
	jet_client_cleanup(&cl);

	/* Names with spaces or control characters are refused. */
	assert_int_equal(cli("set-tls", "t1", "--san", "a b", NULL), 2);
	assert_int_equal(cli("set-tls", "t1", "--subject", "CN=a\nb", NULL), 2);
	assert_int_equal(cli("set-tls", "t1", "--subject", "CN=x", "--clear", NULL), 2);
	assert_int_equal(cli("set-tls", "t1", NULL), 2);
}

static void
usage_errors_exit_2_with_one_line(void **state)
{
	char *bare[] = { "jetstream", "client", NULL };
	char *first[] = { "jetstream", "client", "--json", "list", NULL };

	assert_int_equal(cli("create", "--name", "u", "--id", "u1", NULL), 0);
	assert_int_equal(run_argv(bare), 2);
	assert_non_null(strstr(err, "usage: jetstream client <command>"));
	assert_int_equal(run_argv(first), 2);
	assert_int_equal(count_lines(err), 1);

	struct {
		int rc;
		const char *a[8];
		const char *why;
	} cases[] = {
		{ 2, { "frobnicate" }, "unknown command" },
		{ 2, { "create" }, "--name is required" },
		{ 2, { "create", "--name" }, "needs a value" },
		{ 2, { "create", "--name", "a", "--name", "b" }, "given twice" },
		{ 2, { "create", "--name", "a", "--frob" }, "unknown option" },
		{ 2, { "create", "--name", "a", "--id", "a b" }, "--id" },
		{ 2, { "create", "--name", "a", "--id", "x/../y" }, "--id" },
		{ 2, { "create", "--name", "" }, "--name" },
		{ 2, { "create", "--name", "a\033[2J" }, "--name" },
		{ 2, { "create", "--name", "a", "extra" }, "unexpected argument" },
		{ 2, { "create", "--name", "a", "--no-secret=yes", "--tls-san", "x" }, "no value" },
		{ 2, { "list", "--clear" }, "unknown option" },
		{ 2, { "list", "--json", "--json" }, "given twice" },
		{ 2, { "show" }, "missing argument" },
		{ 2, { "show", "a", "b" }, "unexpected argument" },
		{ 2, { "show", "bad/id" }, "client id" },
		{ 2, { "delete" }, "missing argument" },
		{ 2, { "rotate-secret", "--name", "x", "a" }, "unknown option" },
		{ 2, { "set-scope", "a" }, "missing argument" },
		{ 2, { "list", "--data" }, "needs a value" },
		{ 2, { "list", "--store", "" }, "--store" },
		{ 1, { "show", "nosuch" }, "client nosuch not found" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[16];
		int n = 0;

		argv[n++] = "jetstream";
		argv[n++] = "client";
		for (int k = 0; cases[i].a[k] != NULL; k++)
			argv[n++] = (char *)cases[i].a[k];
		argv[n++] = "--data";
		argv[n++] = data;
		argv[n] = NULL;
		if (run_argv(argv) != cases[i].rc || strstr(err, cases[i].why) == NULL ||
			count_lines(err) != 1)
			fail_msg("case %zu (%s): exit status or message: %s", i, cases[i].a[0], err);
		/* A control character typed by mistake is never echoed back. */
		assert_null(strchr(err, '\033'));
		assert_string_equal(out, "");
	}
	/* list with a data directory that does not exist: an error, not an
	 * empty store created by a typo. */
	{
		char *argv[] = { "jetstream", "client", "list", "--data", "/nonexistent/dir", NULL };

		assert_int_equal(run_argv(argv), 1);
		assert_non_null(strstr(err, "/nonexistent/dir"));
	}
}

static void
help_describes_every_command(void **state)
{
	static const char *const subs[] = { "create", "list", "show", "rotate-secret", "disable",
		"enable", "delete", "set-jwks", "set-tls", "set-scope", "set-grants" };
	char *top[] = { "jetstream", "client", "--help", NULL };

	assert_int_equal(run_argv(top), 0);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		char line[64];

		snprintf(line, sizeof(line), "\n  %s ", subs[i]);
		assert_non_null(strstr(out, line));
	}
	assert_non_null(strstr(out, "--data DIR"));
	assert_non_null(strstr(out, "--store URL"));
	assert_non_null(strstr(out, "--json"));
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		char *argv[] = { "jetstream", "client", (char *)subs[i], "--help", NULL };
		char u[64];

		assert_int_equal(run_argv(argv), 0);
		snprintf(u, sizeof(u), "usage: jetstream client %s", subs[i]);
		assert_non_null(strstr(out, u));
		assert_non_null(strstr(out, "--data DIR"));
	}
	{
		char *argv[] = { "jetstream", "client", "create", "-h", NULL };

		assert_int_equal(run_argv(argv), 0);
		for (const char *const *o = (const char *const[]){ "--name", "--id", "--scope",
			"--grant", "--jwks", "--tls-subject", "--tls-san", "--no-secret", NULL };
			*o != NULL; o++)
			assert_non_null(strstr(out, *o));
		assert_non_null(strstr(out, "viewer, operator, integrator or admin"));
	}
	/* Help writes nothing anywhere: no data directory appears. */
	{
		struct stat st;

		assert_int_not_equal(stat(data, &st), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(create_prints_the_id_and_the_secret_once, setup),
		cmocka_unit_test_setup(create_with_a_taken_id_fails, setup),
		cmocka_unit_test_setup(list_and_show_never_print_the_secret_or_its_hash, setup),
		cmocka_unit_test_setup(store_and_key_files_are_private, setup),
		cmocka_unit_test_setup(rotate_secret_replaces_the_stored_hash, setup),
		cmocka_unit_test_setup(disable_enable_delete, setup),
		cmocka_unit_test_setup(set_jwks_accepts_public_signature_keys_only, setup),
		cmocka_unit_test_setup(grants_are_validated, setup),
		cmocka_unit_test_setup(scopes_are_validated_at_their_limits, setup),
		cmocka_unit_test_setup(tls_identity_and_the_credential_rule, setup),
		cmocka_unit_test_setup(usage_errors_exit_2_with_one_line, setup),
		cmocka_unit_test_setup(help_describes_every_command, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
