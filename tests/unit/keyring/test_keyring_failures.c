/*
 * Unit tests for lib/keyring, failures: a corrupt or missing keys.json next
 * to existing keys is refused and never "repaired" by new keys; key files
 * and state with loose modes, symlinks, the wrong key type or garbage are
 * refused; the directory must be private; a tick that meets a broken
 * directory keeps serving the last good keys.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "jet/json.h"
#include "krtest.h"

#define KID_LEN (JET_JWK_KID_MAX + 1)

static void
write_file(const char *dir, const char *name, const char *data, size_t len, mode_t mode)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static size_t
read_file(const char *dir, const char *name, char *buf, size_t cap)
{
	char path[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

/* Copies in to out with every needle replaced by rep. */
static void
subst(char *out, size_t outlen, const char *in, const char *needle, const char *rep)
{
	struct jet_buf b;
	const char *p;

	jet_buf_init(&b, outlen - 1);
	while ((p = strstr(in, needle)) != NULL) {
		assert_int_equal(jet_buf_append(&b, in, (size_t)(p - in)), JET_OK);
		assert_int_equal(jet_buf_append_str(&b, rep), JET_OK);
		in = p + strlen(needle);
	}
	assert_int_equal(jet_buf_append_str(&b, in), JET_OK);
	memcpy(out, b.data, b.len);
	out[b.len] = '\0';
	jet_buf_cleanup(&b);
}

/* A keyring with one ES256 key; its kid in kid. */
static void
make_keyring(char *dir, size_t dirlen, const char *tag, char *kid)
{
	struct jet_keyring_policy pol = kr_test_policy(JET_JWS_ES256, 0);
	struct jet_keyring *kr = NULL;
	char err[256] = "";

	kr_test_dir(dir, dirlen, tag);
	assert_int_equal(jet_keyring_open(dir, &pol, T0, &kr, err, sizeof(err)), JET_OK);
	jet_keyring_signing_kid(kr, kid);
	jet_keyring_free(kr);
}

static int
open_at(const char *dir, enum jet_jws_alg alg, char *err, size_t errlen)
{
	struct jet_keyring_policy pol = kr_test_policy(alg, 0);
	struct jet_keyring *kr = NULL;
	int rc = jet_keyring_open(dir, &pol, T0 + 10, &kr, err, errlen);

	if (rc == JET_OK)
		jet_keyring_free(kr);
	else
		assert_null(kr);
	return rc;
}

static void
corrupt_state_is_refused(void **state)
{
	static const char *const bad[] = {
		"not json",
		"{}",
		"[]",
		"{\"version\": 1, \"keys\": []}",
		"{\"version\": 2, \"keys\": [ENTRY]}",
		"{\"version\": 1, \"keys\": [ENTRY], \"extra\": 1}",
		"{\"version\": 1, \"keys\": [ENTRY]} trailing",
		"{\"version\": 1, \"keys\": [ENTRY, ENTRY]}", /* duplicate kid */
		"{\"version\": 1, \"keys\": [{\"kid\": \"KID\", \"alg\": \"ES256\", "
		"\"created\": \"1764000000\", \"activate_at\": 1764000000, \"retire_at\": null}]}",
		"{\"version\": 1, \"keys\": [{\"kid\": \"KID\", \"alg\": \"HS256\", "
		"\"created\": 1764000000, \"activate_at\": 1764000000, \"retire_at\": null}]}",
		"{\"version\": 1, \"keys\": [{\"kid\": \"KID\", \"alg\": \"none\", "
		"\"created\": 1764000000, \"activate_at\": 1764000000, \"retire_at\": null}]}",
		"{\"version\": 1, \"keys\": [{\"kid\": \"KID\", \"alg\": \"ES256\", "
		"\"created\": 1764000000, \"activate_at\": 1764000000, \"retire_at\": 1}]}",
		"{\"version\": 1, \"keys\": [{\"kid\": \"KID\", \"alg\": \"ES256\", "
		"\"created\": 1764000000, \"activate_at\": -1, \"retire_at\": null}]}",
		"{\"version\": 1, \"keys\": [{\"kid\": \"KID\", \"alg\": \"ES256\", "
		"\"created\": 1764000000, \"activate_at\": 1764000000}]}",
		"{\"version\": 1, \"keys\": [{\"kid\": \"KID\", \"alg\": \"ES256\", "
		"\"created\": 1764000000, \"activate_at\": 1764000000, \"retire_at\": null, "
		"\"d\": \"x\"}]}",
		"{\"version\": 1, \"keys\": [{\"kid\": \"../KID\", \"alg\": \"ES256\", "
		"\"created\": 1764000000, \"activate_at\": 1764000000, \"retire_at\": null}]}",
		"{\"version\": 1, \"keys\": [{\"kid\": \".hidden\", \"alg\": \"ES256\", "
		"\"created\": 1764000000, \"activate_at\": 1764000000, \"retire_at\": null}]}",
		/* Names a key file that does not exist. */
		"{\"version\": 1, \"keys\": [{\"kid\": \"nosuchkey\", \"alg\": \"ES256\", "
		"\"created\": 1764000000, \"activate_at\": 1764000000, \"retire_at\": null}]}",
	};
	char dir[600], kid[KID_LEN], good[4096], entry[512], doc[8192], now[8192], err[256];
	const char *p;

	make_keyring(dir, sizeof(dir), "kr-corrupt", kid);
	assert_true(read_file(dir, "keys.json", good, sizeof(good)) > 0);
	/* The one entry of the good file, to build the bad ones from. */
	p = strchr(strchr(good, '['), '{');
	snprintf(entry, sizeof(entry), "%.*s", (int)(strchr(p, '}') + 1 - p), p);
	assert_non_null(strstr(entry, kid));

	assert_int_equal(open_at(dir, JET_JWS_ES256, err, sizeof(err)), JET_OK);
	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++) {
		char tmp[8192];

		/* KID is the real kid, ENTRY the good entry (in that order: a
		 * kid could contain "ENTRY", never an entry "KID" by chance
		 * once substituted first). */
		subst(tmp, sizeof(tmp), bad[i], "KID", kid);
		subst(doc, sizeof(doc), tmp, "ENTRY", entry);
		write_file(dir, "keys.json", doc, strlen(doc), 0600);
		err[0] = '\0';
		if (open_at(dir, JET_JWS_ES256, err, sizeof(err)) == JET_OK)
			fail_msg("case %zu accepted: %s", i, doc);
		assert_non_null(strstr(err, "keys.json") != NULL ? err : strstr(err, ".pem"));
		/* Refused, not replaced: the bad file is still there, no key was
		 * added. */
		read_file(dir, "keys.json", now, sizeof(now));
		assert_string_equal(now, doc);
		assert_int_equal(kr_test_count_pem(dir), 1);
	}

	/* Restoring the file restores the keyring. */
	write_file(dir, "keys.json", good, strlen(good), 0600);
	assert_int_equal(open_at(dir, JET_JWS_ES256, err, sizeof(err)), JET_OK);
}

static void
too_many_keys_is_refused(void **state)
{
	char dir[600], kid[KID_LEN], err[256];
	struct jet_buf b;

	make_keyring(dir, sizeof(dir), "kr-33", kid);
	jet_buf_init(&b, 1 << 20);
	assert_int_equal(jet_buf_append_str(&b, "{\"version\": 1, \"keys\": ["), JET_OK);
	for (int i = 0; i <= JET_KEYRING_MAX_KEYS; i++)
		assert_int_equal(jet_buf_printf(&b,
			"%s{\"kid\": \"k%d\", \"alg\": \"ES256\", \"created\": 1764000000, "
			"\"activate_at\": 1764000000, \"retire_at\": null}", i ? "," : "", i),
			JET_OK);
	assert_int_equal(jet_buf_append_str(&b, "]}"), JET_OK);
	write_file(dir, "keys.json", b.data, b.len, 0600);
	assert_int_equal(open_at(dir, JET_JWS_ES256, err, sizeof(err)), JET_ETOOBIG);
	assert_non_null(strstr(err, "more than 32"));
	jet_buf_cleanup(&b);

	/* And a file past the size bound. */
	jet_buf_init(&b, 1 << 20);
	assert_int_equal(jet_buf_append_str(&b, "{\"version\": 1, \"keys\": [] }"), JET_OK);
	while (b.len <= JET_KEYRING_STATE_MAX)
		assert_int_equal(jet_buf_append_str(&b, "          "), JET_OK);
	write_file(dir, "keys.json", b.data, b.len, 0600);
	assert_int_equal(open_at(dir, JET_JWS_ES256, err, sizeof(err)), JET_ETOOBIG);
	jet_buf_cleanup(&b);
}

static void
missing_state_next_to_keys_is_refused(void **state)
{
	char dir[600], kid[KID_LEN], path[700], err[256] = "";

	make_keyring(dir, sizeof(dir), "kr-nostate", kid);
	snprintf(path, sizeof(path), "%s/keys.json", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(open_at(dir, JET_JWS_ES256, err, sizeof(err)), JET_ESTATE);
	assert_non_null(strstr(err, "keys.json is missing"));
	/* No key generated, no state written. */
	assert_int_equal(kr_test_count_pem(dir), 1);
	assert_int_equal(kr_test_mode(dir, "keys.json", ""), 0xFFFF);
	assert_true(kr_test_exists(dir, kid));
}

static void
loose_modes_and_links_are_refused(void **state)
{
	char dir[600], kid[KID_LEN], path[700], other[700], err[256] = "";

	make_keyring(dir, sizeof(dir), "kr-modes", kid);
	snprintf(path, sizeof(path), "%s/%s.pem", dir, kid);

	/* Key file 0644. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(open_at(dir, JET_JWS_ES256, err, sizeof(err)), JET_EPERM);
	assert_non_null(strstr(err, "chmod 600"));
	assert_non_null(strstr(err, kid));
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(open_at(dir, JET_JWS_ES256, err, sizeof(err)), JET_EPERM);
	assert_int_equal(chmod(path, 0400), 0); /* stricter is fine */
	assert_int_equal(open_at(dir, JET_JWS_ES256, err, sizeof(err)), JET_OK);
	assert_int_equal(chmod(path, 0600), 0);

	/* Key file replaced by a symlink to a (private) copy. */
	snprintf(other, sizeof(other), "%s/../copy.key", dir);
	assert_int_equal(rename(path, other), 0);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(open_at(dir, JET_JWS_ES256, err, sizeof(err)), JET_EPERM);
	assert_non_null(strstr(err, "symlink"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(other, path), 0);
	assert_int_equal(open_at(dir, JET_JWS_ES256, err, sizeof(err)), JET_OK);

	/* keys.json 0644. */
	snprintf(other, sizeof(other), "%s/keys.json", dir);
	assert_int_equal(chmod(other, 0644), 0);
	assert_int_equal(open_at(dir, JET_JWS_ES256, err, sizeof(err)), JET_EPERM);
	assert_int_equal(chmod(other, 0600), 0);

	/* The directory 0755. */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(open_at(dir, JET_JWS_ES256, err, sizeof(err)), JET_EPERM);
	assert_non_null(strstr(err, "chmod 700"));
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(open_at(dir, JET_JWS_ES256, err, sizeof(err)), JET_OK);
}

static void
wrong_or_broken_key_files_are_refused(void **state)
{
	static const char garbage[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	char dir[600], kid[KID_LEN], name[KID_LEN + 8], good[4096], doc[4096], err[256] = "";
	char *p;

	make_keyring(dir, sizeof(dir), "kr-wrongkey", kid);
	read_file(dir, "keys.json", good, sizeof(good));

	/* keys.json says EdDSA for what is a P-256 key. */
	snprintf(doc, sizeof(doc), "%s", good);
	p = strstr(doc, "\"ES256\"");
	assert_non_null(p);
	memcpy(p, "\"EdDSA\"", 7);
	write_file(dir, "keys.json", doc, strlen(doc), 0600);
	assert_int_equal(open_at(dir, JET_JWS_EDDSA, err, sizeof(err)), JET_EINVAL);
	assert_non_null(strstr(err, "not a EdDSA key"));
	assert_int_equal(kr_test_count_pem(dir), 1);
	write_file(dir, "keys.json", good, strlen(good), 0600);

	/* A key file that is not a key. */
	snprintf(name, sizeof(name), "%s.pem", kid);
	write_file(dir, name, garbage, sizeof(garbage) - 1, 0600);
	assert_int_equal(open_at(dir, JET_JWS_ES256, err, sizeof(err)), JET_EINVAL);
	assert_non_null(strstr(err, "not a PEM private key"));
	write_file(dir, name, "", 0, 0600);
	assert_int_equal(open_at(dir, JET_JWS_ES256, err, sizeof(err)), JET_EINVAL);
}

static void
tick_keeps_serving_on_a_broken_directory(void **state)
{
	struct jet_keyring_policy pol = kr_test_policy(JET_JWS_ES256, 0);
	struct jet_keyring *kr = NULL;
	char dir[600], kid[KID_LEN], k[KID_LEN], good[4096], err[256] = "";
	bool changed = true;
	uint64_t v;

	kr_test_dir(dir, sizeof(dir), "kr-tickbad");
	assert_int_equal(jet_keyring_open(dir, &pol, T0, &kr, err, sizeof(err)), JET_OK);
	jet_keyring_signing_kid(kr, kid);
	v = jet_keyring_version(kr);
	read_file(dir, "keys.json", good, sizeof(good));

	write_file(dir, "keys.json", "{\"version\": 1", 13, 0600);
	assert_int_equal(jet_keyring_tick(kr, T0 + 1, &changed, err, sizeof(err)), JET_EINVAL);
	assert_false(changed);
	assert_non_null(strstr(err, "keys.json"));
	assert_int_equal(kr_test_sign_verify(kr, k), JET_OK);
	assert_string_equal(k, kid);
	assert_int_equal(jet_keyring_version(kr), v);
	/* Rotation under a broken keys.json is refused as well. */
	assert_int_equal(jet_keyring_rotate(kr, T0 + 2, NULL, err, sizeof(err)), JET_EINVAL);
	assert_int_equal(kr_test_count_pem(dir), 1);

	/* Repaired: the next tick reloads and the version is unchanged (same
	 * published set). */
	write_file(dir, "keys.json", good, strlen(good), 0600);
	assert_int_equal(jet_keyring_tick(kr, T0 + 3, &changed, err, sizeof(err)), JET_OK);
	assert_false(changed);
	assert_int_equal(jet_keyring_version(kr), v);
	jet_keyring_free(kr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(corrupt_state_is_refused),
		cmocka_unit_test(too_many_keys_is_refused),
		cmocka_unit_test(missing_state_next_to_keys_is_refused),
		cmocka_unit_test(loose_modes_and_links_are_refused),
		cmocka_unit_test(wrong_or_broken_key_files_are_refused),
		cmocka_unit_test(tick_keeps_serving_on_a_broken_directory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
