/*
 * keyring_int.h - what the files of lib/keyring share: the in-memory form
 * of keys.json, the rules, the file helpers and the snapshot readers use.
 */
#ifndef JET_KEYRING_INT_H
#define JET_KEYRING_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "jet/json.h"
#include "jet/keyring.h"

#define KR_STATE_FILE "keys.json"
#define KR_LOCK_FILE "lock"
#define KR_PEM_MAX 16384   /* bytes of one PEM key file (RSA 4096 is ~3.3 KiB) */
#define KR_PATH_MAX 4096
#define KR_STATE_DEPTH 4   /* {"keys":[{...}]} is depth 3 */

/* One entry of keys.json. */
struct kr_rec {
	char kid[JET_JWK_KID_MAX + 1];
	enum jet_jws_alg alg;
	int64_t created;
	int64_t activate_at;
	int64_t retire_at; /* 0: null (may still sign) */
};

/* keys.json in memory, always sorted by activate_at with ties kept in file
 * order (the later entry wins a tie for signing). */
struct kr_state {
	struct kr_rec recs[JET_KEYRING_MAX_KEYS];
	size_t n;
};

/* Kids removed by one application of the rules (their PEM files go after
 * keys.json is written). */
struct kr_removed {
	char kid[JET_KEYRING_MAX_KEYS * 2][JET_JWK_KID_MAX + 1];
	size_t n;
};

/* What the rules ask for beyond the edits they made themselves. */
struct kr_plan {
	bool need_key;           /* create a key of new_alg active at new_activate */
	int64_t new_activate;
	enum jet_jws_alg new_alg;
};

/* ---------------------------------------------------------------- state.c */

/* Strict parse of keys.json (format in docs/internals/keyring.md). */
int kr_state_parse(const char *buf, size_t len, struct kr_state *st, char *err, size_t errlen);
/* Serialises st (pretty-printed, one member order) into out. */
int kr_state_dump(const struct kr_state *st, struct jet_buf *out);
/* Index of the signing key at now, or -1. */
int kr_state_signing(const struct kr_state *st, int64_t now);
/* Removes entry i, keeping the order. */
void kr_state_remove(struct kr_state *st, size_t i);
/* Appends rec and restores the order (stable: rec goes after equal ones).
 * JET_ETOOBIG when full. */
int kr_state_add(struct kr_state *st, const struct kr_rec *rec);
/* Index of kid, or -1. */
int kr_state_find(const struct kr_state *st, const char *kid);

/*
 * One pass of the rules at now (see jet_keyring_tick).  Edits st in place,
 * records removed kids in rm, sets *changed when st was edited, and fills
 * plan when a new key is needed (the caller creates it, adds it and runs
 * the rules again).
 */
void kr_rules_apply(struct kr_state *st, const struct jet_keyring_policy *pol, int64_t now,
	struct kr_removed *rm, struct kr_plan *plan, bool *changed);

/* The algorithm of a key created now: the policy's, else the signing
 * key's, else the newest key's, else ES256. */
enum jet_jws_alg kr_new_alg(const struct kr_state *st, const struct jet_keyring_policy *pol,
	int64_t now);

/* ---------------------------------------------------------------- files.c */

/* Creates dir (and missing parents) 0700 and checks it: a real directory,
 * owned by the user, no group or other access. */
int kr_dir_prepare(const char *dir, char *err, size_t errlen);
/* dir/name into out; JET_ETOOBIG when it does not fit. */
int kr_path(char *out, size_t outlen, const char *dir, const char *name, const char *suffix);
/* True when dir holds a file whose name ends in ".pem". */
bool kr_dir_has_pem(const char *dir);

/* Opens and reads dir/keys.json (O_NOFOLLOW, regular, owned, 0600 or
 * stricter).  JET_ENOTFOUND when missing.  On success *fd is the open
 * descriptor (kept by the caller so the inode cannot be reused, which makes
 * the inode comparison of kr_state_changed exact) and *st its fstat. */
int kr_state_read(const char *dir, struct kr_state *state, int *fd, struct stat *st,
	char *err, size_t errlen);
/* Atomically replaces dir/keys.json (temporary file, fsync, rename, fsync of
 * the directory), mode 0600. */
int kr_state_write(const char *dir, const struct kr_state *state, char *err, size_t errlen);
/* True when dir/keys.json is not the file described by st (another inode,
 * size or mtime), or cannot be stat'ed. */
bool kr_state_changed(const char *dir, const struct stat *st);

/* Loads dir/<kid>.pem as a key for alg; checks the opened descriptor
 * (regular, owned, no group or other access). */
int kr_key_load(const char *dir, const char *kid, enum jet_jws_alg alg, struct jet_jwk **out,
	char *err, size_t errlen);
/* Writes dir/<kid>.pem (jet_pki_write_key: 0600, atomic). */
int kr_key_write(const char *dir, const struct jet_jwk *k, char *err, size_t errlen);
/* Unlinks dir/<kid>.pem; a missing file is not an error. */
void kr_key_unlink(const char *dir, const char *kid);

/* Writes a fixed reason. */
void kr_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* JET_KEYRING_INT_H */
