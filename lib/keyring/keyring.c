/*
 * keyring.c - the keyring handle: opening, ticking, rotating, and the
 * snapshots that signing threads read.
 *
 * Two locks per handle, and one per directory:
 *  - op_mu serialises the operations that read or change the directory
 *    (open, tick, rotate, revoke) within the process and guards the fields
 *    marked (op_mu).  Signing never takes it.
 *  - snap_mu guards only the snap pointer: a reader takes it for a pointer
 *    load and an atomic increment, then signs with its own reference.  A
 *    new snapshot is built completely before it is swapped in; the old one
 *    is freed when its last reader lets go.  Snapshots and the keys in them
 *    are immutable, so no lock is held while signing.
 *  - The flock on dir/lock: exclusive for every change to the directory
 *    (across processes: the auth services and the CLI), shared while a
 *    handle reads keys.json and the PEM files it names, so a reader never
 *    sees a keys.json whose key files are being removed.
 *
 * Changes are ordered so that a crash at any point leaves a usable
 * directory: new PEM files are written before the keys.json that names
 * them, and PEM files are unlinked only after keys.json stopped naming
 * them.  The worst case is a stray PEM file no state refers to.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "keyring_int.h"

/* A loaded key, shared by the snapshots that publish it. */
struct kr_key {
	atomic_uint refs;
	struct jet_jwk *jwk; /* owned, immutable */
};

/* What readers see: immutable after it is built. */
struct kr_snap {
	atomic_uint refs;
	struct kr_key *keys[JET_KEYRING_MAX_KEYS]; /* published order: signing first */
	size_t n;
	struct jet_keyring_info info[JET_KEYRING_MAX_KEYS]; /* keys.json order */
	size_t ninfo;
	char *jwks;        /* serialised {"keys":[...]} */
	size_t jwks_len;
	uint64_t version;
};

struct jet_keyring {
	char dir[KR_PATH_MAX];
	struct jet_keyring_policy pol;
	int lockfd;              /* dir/lock, for flock (immutable after open) */
	pthread_mutex_t op_mu;
	struct kr_state st;      /* keys.json as last read or written (op_mu) */
	int statefd;             /* that keys.json, kept open (op_mu) */
	struct stat statest;     /* its fstat (op_mu) */
	uint64_t version;        /* of the current snapshot (op_mu) */
	pthread_mutex_t snap_mu; /* guards snap only */
	struct kr_snap *snap;    /* current; written under op_mu and snap_mu */
};

enum kr_op {
	KR_OP_APPLY = 0, /* open / tick: the rules only */
	KR_OP_ROTATE,
	KR_OP_REVOKE,
};

/* ------------------------------------------------------------------------
 * Keys and snapshots
 * --------------------------------------------------------------------- */

static void
key_unref(struct kr_key *k)
{
	if (k != NULL && atomic_fetch_sub(&k->refs, 1) == 1) {
		jet_jwk_free(k->jwk);
		free(k);
	}
}

static void
snap_unref(struct kr_snap *s)
{
	if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	for (size_t i = 0; i < s->n; i++)
		key_unref(s->keys[i]);
	free(s->jwks);
	free(s);
}

static struct kr_snap *
snap_get(struct jet_keyring *kr)
{
	struct kr_snap *s;

	pthread_mutex_lock(&kr->snap_mu);
	s = kr->snap;
	atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&kr->snap_mu);
	return s;
}

/* The loaded key for rec from the current snapshot (a new reference), or
 * NULL.  Called under op_mu, which is what keeps kr->snap stable. */
static struct kr_key *
key_cached(struct jet_keyring *kr, const struct kr_rec *rec)
{
	struct kr_snap *s = kr->snap;

	for (size_t i = 0; s != NULL && i < s->n; i++) {
		struct kr_key *k = s->keys[i];

		if (strcmp(k->jwk->kid, rec->kid) == 0 && k->jwk->alg == rec->alg) {
			atomic_fetch_add(&k->refs, 1);
			return k;
		}
	}
	return NULL;
}

static int
jwks_serialise(struct kr_snap *s)
{
	struct jet_buf b;
	json_t *doc, *arr;
	int rc = JET_ENOMEM;

	doc = json_object();
	arr = json_array();
	if (doc == NULL || arr == NULL || json_object_set(doc, "keys", arr) != 0)
		goto out;
	for (size_t i = 0; i < s->n; i++) {
		json_t *pub = jet_jwk_public_json(s->keys[i]->jwk);

		if (pub == NULL || json_array_append_new(arr, pub) != 0)
			goto out;
	}
	jet_buf_init(&b, (size_t)JET_KEYRING_MAX_KEYS * 2048);
	rc = jet_json_dump(&b, doc);
	if (rc == JET_OK) {
		s->jwks = b.data;
		s->jwks_len = b.len;
	} else {
		jet_buf_cleanup(&b);
	}
out:
	json_decref(arr);
	json_decref(doc);
	return rc;
}

/* Builds the snapshot of st at now, loading key files not already loaded.
 * Called under op_mu and a flock. */
static int
snap_build(struct jet_keyring *kr, const struct kr_state *st, int64_t now,
	struct kr_snap **out, char *err, size_t errlen)
{
	struct kr_key *loaded[JET_KEYRING_MAX_KEYS] = { 0 };
	struct kr_snap *s;
	int sig = kr_state_signing(st, now), rc;
	size_t i;

	*out = NULL;
	if (sig < 0) {
		kr_err(err, errlen, "keys.json: no key is active");
		return JET_ESTATE;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		kr_err(err, errlen, "keyring: out of memory");
		return JET_ENOMEM;
	}
	atomic_init(&s->refs, 1);
	for (i = 0; i < st->n; i++) {
		const struct kr_rec *r = &st->recs[i];
		struct jet_keyring_info *inf = &s->info[i];

		loaded[i] = key_cached(kr, r);
		if (loaded[i] == NULL) {
			struct jet_jwk *jwk;

			rc = kr_key_load(kr->dir, r->kid, r->alg, &jwk, err, errlen);
			if (rc != JET_OK)
				goto fail;
			loaded[i] = calloc(1, sizeof(*loaded[i]));
			if (loaded[i] == NULL) {
				jet_jwk_free(jwk);
				kr_err(err, errlen, "keyring: out of memory");
				rc = JET_ENOMEM;
				goto fail;
			}
			atomic_init(&loaded[i]->refs, 1);
			loaded[i]->jwk = jwk;
		}
		memcpy(inf->kid, r->kid, sizeof(inf->kid));
		inf->alg = r->alg;
		inf->created = r->created;
		inf->activate_at = r->activate_at;
		inf->retire_at = r->retire_at;
		inf->state = (int)i == sig ? JET_KEYRING_ACTIVE :
			(int)i > sig       ? JET_KEYRING_NEXT :
					     JET_KEYRING_RETIRING;
	}
	s->ninfo = st->n;
	/* Published order: signing, scheduled (earliest first), retiring
	 * (newest first).  Ownership of loaded[] moves to s->keys[]. */
	s->keys[s->n++] = loaded[sig];
	for (i = (size_t)sig + 1; i < st->n; i++)
		s->keys[s->n++] = loaded[i];
	for (i = (size_t)sig; i-- > 0;)
		s->keys[s->n++] = loaded[i];
	memset(loaded, 0, sizeof(loaded));
	rc = jwks_serialise(s);
	if (rc != JET_OK) {
		kr_err(err, errlen, "keyring: cannot serialise the JWKS");
		goto fail;
	}
	*out = s;
	return JET_OK;
fail:
	for (i = 0; i < JET_ARRAY_LEN(loaded); i++)
		key_unref(loaded[i]);
	snap_unref(s);
	return rc;
}

/* Installs s as the current snapshot (under op_mu), giving it the next
 * version when its JWKS differs from the current one. */
static void
snap_install(struct jet_keyring *kr, struct kr_snap *s)
{
	struct kr_snap *old = kr->snap;

	if (old == NULL || old->jwks_len != s->jwks_len ||
		memcmp(old->jwks, s->jwks, s->jwks_len) != 0)
		kr->version++;
	s->version = kr->version;
	pthread_mutex_lock(&kr->snap_mu);
	kr->snap = s;
	pthread_mutex_unlock(&kr->snap_mu);
	snap_unref(old);
}

/* ------------------------------------------------------------------------
 * Changing the directory
 * --------------------------------------------------------------------- */

static int
flock_take(struct jet_keyring *kr, int how, char *err, size_t errlen)
{
	while (flock(kr->lockfd, how) != 0) {
		if (errno != EINTR) {
			kr_err(err, errlen, "keyring lock: %s", strerror(errno));
			return JET_EIO;
		}
	}
	return JET_OK;
}

static void
flock_drop(struct jet_keyring *kr)
{
	(void)flock(kr->lockfd, LOCK_UN);
}

/* Remembers the keys.json just read (fd, stat) as the handle's. */
static void
state_adopt(struct jet_keyring *kr, const struct kr_state *st, int fd, const struct stat *sb)
{
	if (kr->statefd >= 0)
		close(kr->statefd);
	kr->statefd = fd;
	kr->statest = *sb;
	kr->st = *st;
}

/* Generates a key for alg, writes its PEM file and adds it to st (which is
 * written by the caller).  The new kid goes to created[]. */
static int
key_create(struct jet_keyring *kr, struct kr_state *st, enum jet_jws_alg alg,
	int64_t activate_at, int64_t now, struct kr_removed *created, char *err, size_t errlen)
{
	struct jet_jwk *k = NULL;
	struct kr_rec rec;
	int rc;

	if (st->n >= JET_KEYRING_MAX_KEYS) {
		kr_err(err, errlen, "keyring: already %d keys", JET_KEYRING_MAX_KEYS);
		return JET_ETOOBIG;
	}
	/* kid NULL: the RFC 7638 thumbprint, which is also a safe file name. */
	rc = jet_jwk_generate(alg, NULL, &k);
	if (rc != JET_OK) {
		kr_err(err, errlen, "keyring: cannot generate a %s key", jet_jws_alg_name(alg));
		return rc;
	}
	if (kr_state_find(st, k->kid) >= 0 || k->kid[0] == '.') {
		kr_err(err, errlen, "keyring: generated kid already in use");
		rc = JET_EEXIST;
		goto out;
	}
	rc = kr_key_write(kr->dir, k, err, errlen);
	if (rc != JET_OK)
		goto out;
	memset(&rec, 0, sizeof(rec));
	memcpy(rec.kid, k->kid, sizeof(rec.kid));
	rec.alg = alg;
	rec.created = now;
	rec.activate_at = activate_at;
	rec.retire_at = 0;
	if (created->n < JET_ARRAY_LEN(created->kid))
		memcpy(created->kid[created->n++], rec.kid, sizeof(rec.kid));
	rc = kr_state_add(st, &rec);
out:
	jet_jwk_free(k);
	return rc;
}

/* Applies the rules until they are satisfied, creating the keys they ask
 * for. */
static int
rules_settle(struct jet_keyring *kr, struct kr_state *st, int64_t now, struct kr_removed *rm,
	struct kr_removed *created, bool *changed, char *err, size_t errlen)
{
	/* Each pass either settles or adds one key that settles a rule for
	 * good (a key active now, or the scheduled one): three suffice. */
	for (int pass = 0; pass < 4; pass++) {
		struct kr_plan plan;
		int rc;

		kr_rules_apply(st, &kr->pol, now, rm, &plan, changed);
		if (!plan.need_key)
			return JET_OK;
		rc = key_create(kr, st, plan.new_alg, plan.new_activate, now, created, err,
			errlen);
		if (rc != JET_OK)
			return rc;
		*changed = true;
	}
	kr_err(err, errlen, "keyring: rules did not settle");
	return JET_ESTATE;
}

/*
 * The one path that changes the directory: under the exclusive flock,
 * reads keys.json afresh (another process may have changed it), performs
 * op, settles the rules, writes what changed and installs the snapshot.
 */
static int
mutate(struct jet_keyring *kr, int64_t now, enum kr_op op, const char *kid, char *kid_out,
	char *err, size_t errlen)
{
	struct kr_removed rm = { .n = 0 }, created = { .n = 0 };
	char newkid[JET_JWK_KID_MAX + 1] = "";
	struct kr_snap *snap = NULL;
	struct kr_state st;
	struct stat sb;
	bool changed = false;
	int fd = -1, rc, idx;

	rc = flock_take(kr, LOCK_EX, err, errlen);
	if (rc != JET_OK)
		return rc;
	rc = kr_state_read(kr->dir, &st, &fd, &sb, err, errlen);
	if (rc == JET_ENOTFOUND) {
		/* Never generate keys next to key files a lost keys.json used
		 * to describe: tokens they signed would stop verifying. */
		if (kr_dir_has_pem(kr->dir)) {
			kr_err(err, errlen,
				"keys.json is missing but key files exist; refusing to create "
				"new keys (restore keys.json or move the .pem files away)");
			rc = JET_ESTATE;
			goto out;
		}
		memset(&st, 0, sizeof(st));
		changed = true;
	} else if (rc != JET_OK) {
		goto out;
	}

	if (op == KR_OP_ROTATE) {
		rc = key_create(kr, &st, kr_new_alg(&st, &kr->pol, now), now, now, &created, err,
			errlen);
		if (rc != JET_OK)
			goto out;
		changed = true;
		memcpy(newkid, created.kid[0], sizeof(newkid));
	} else if (op == KR_OP_REVOKE) {
		idx = kr_state_find(&st, kid);
		if (idx < 0) {
			kr_err(err, errlen, "keyring: no key with that kid");
			rc = JET_ENOTFOUND;
			goto out;
		}
		if (idx == kr_state_signing(&st, now)) {
			rc = key_create(kr, &st, kr_new_alg(&st, &kr->pol, now), now, now,
				&created, err, errlen);
			if (rc != JET_OK)
				goto out;
			idx = kr_state_find(&st, kid);
		}
		memcpy(rm.kid[rm.n++], st.recs[idx].kid, sizeof(rm.kid[0]));
		kr_state_remove(&st, (size_t)idx);
		changed = true;
	}
	rc = rules_settle(kr, &st, now, &rm, &created, &changed, err, errlen);
	if (rc != JET_OK)
		goto out;

	if (changed) {
		rc = kr_state_write(kr->dir, &st, err, errlen);
		if (rc != JET_OK)
			goto out;
		memset(&created, 0, sizeof(created)); /* named by keys.json now */
		if (fd >= 0)
			close(fd);
		fd = -1;
		/* Re-read what was written: its stat is the handle's reference
		 * for noticing the next change, and the check is free. */
		rc = kr_state_read(kr->dir, &st, &fd, &sb, err, errlen);
		if (rc != JET_OK)
			goto out;
		for (size_t i = 0; i < rm.n; i++) {
			if (kr_state_find(&st, rm.kid[i]) < 0)
				kr_key_unlink(kr->dir, rm.kid[i]);
		}
	}
	rc = snap_build(kr, &st, now, &snap, err, errlen);
	if (rc != JET_OK)
		goto out;
	snap_install(kr, snap);
	state_adopt(kr, &st, fd, &sb);
	fd = -1;
	if (kid_out != NULL)
		memcpy(kid_out, newkid, sizeof(newkid));
out:
	/* Keys created for a keys.json that was never written are strays. */
	for (size_t i = 0; i < created.n; i++)
		kr_key_unlink(kr->dir, created.kid[i]);
	if (fd >= 0)
		close(fd);
	flock_drop(kr);
	return rc;
}

/* Re-reads keys.json written by another handle (shared flock). */
static int
reload(struct jet_keyring *kr, int64_t now, char *err, size_t errlen)
{
	struct kr_snap *snap = NULL;
	struct kr_state st;
	struct stat sb;
	int fd = -1, rc;

	rc = flock_take(kr, LOCK_SH, err, errlen);
	if (rc != JET_OK)
		return rc;
	rc = kr_state_read(kr->dir, &st, &fd, &sb, err, errlen);
	if (rc == JET_OK)
		rc = snap_build(kr, &st, now, &snap, err, errlen);
	if (rc == JET_OK) {
		snap_install(kr, snap);
		state_adopt(kr, &st, fd, &sb);
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	flock_drop(kr);
	return rc;
}

/* ------------------------------------------------------------------------
 * Public API
 * --------------------------------------------------------------------- */

void
jet_keyring_policy_default(struct jet_keyring_policy *pol)
{
	pol->alg = JET_JWS_ES256;
	pol->token_lifetime_s = 3600;
	pol->leeway_s = 300;
	pol->rotation_s = 30LL * 86400;
	pol->prepublish_s = 3600;
}

static bool
policy_valid(const struct jet_keyring_policy *p)
{
	const int64_t max = JET_KEYRING_SPAN_MAX;

	if (p->alg != JET_JWS_UNKNOWN && p->alg != JET_JWS_ES256 && p->alg != JET_JWS_ES384 &&
		p->alg != JET_JWS_EDDSA && p->alg != JET_JWS_RS256 && p->alg != JET_JWS_PS256)
		return false;
	if (p->token_lifetime_s <= 0 || p->token_lifetime_s > max || p->leeway_s < 0 ||
		p->leeway_s > max || p->prepublish_s < 0 || p->prepublish_s > max ||
		p->rotation_s < 0 || p->rotation_s > max)
		return false;
	return p->rotation_s == 0 || p->rotation_s > p->prepublish_s;
}

int
jet_keyring_open(const char *dir, const struct jet_keyring_policy *pol, int64_t now,
	struct jet_keyring **out, char *err, size_t errlen)
{
	struct jet_keyring *kr;
	char path[KR_PATH_MAX];
	int rc;

	*out = NULL;
	if (pol == NULL || !policy_valid(pol) || now < 0 || now > JET_KEYRING_TIME_MAX) {
		kr_err(err, errlen, "keyring: invalid policy");
		return JET_EINVAL;
	}
	rc = kr_dir_prepare(dir, err, errlen);
	if (rc != JET_OK)
		return rc;
	kr = calloc(1, sizeof(*kr));
	if (kr == NULL) {
		kr_err(err, errlen, "keyring: out of memory");
		return JET_ENOMEM;
	}
	kr->lockfd = -1;
	kr->statefd = -1;
	kr->pol = *pol;
	memcpy(kr->dir, dir, strlen(dir) + 1); /* fits: checked by kr_dir_prepare */
	pthread_mutex_init(&kr->op_mu, NULL);
	pthread_mutex_init(&kr->snap_mu, NULL);
	if (kr_path(path, sizeof(path), dir, KR_LOCK_FILE, "") != JET_OK) {
		kr_err(err, errlen, "keyring: path too long");
		rc = JET_ETOOBIG;
		goto fail;
	}
	kr->lockfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (kr->lockfd < 0) {
		kr_err(err, errlen, "keyring lock file: %s", strerror(errno));
		rc = JET_EIO;
		goto fail;
	}
	pthread_mutex_lock(&kr->op_mu);
	rc = mutate(kr, now, KR_OP_APPLY, NULL, NULL, err, errlen);
	pthread_mutex_unlock(&kr->op_mu);
	if (rc != JET_OK)
		goto fail;
	*out = kr;
	return JET_OK;
fail:
	jet_keyring_free(kr);
	return rc;
}

void
jet_keyring_free(struct jet_keyring *kr)
{
	if (kr == NULL)
		return;
	snap_unref(kr->snap);
	if (kr->statefd >= 0)
		close(kr->statefd);
	if (kr->lockfd >= 0)
		close(kr->lockfd);
	pthread_mutex_destroy(&kr->op_mu);
	pthread_mutex_destroy(&kr->snap_mu);
	free(kr);
}

int
jet_keyring_tick(struct jet_keyring *kr, int64_t now, bool *published_changed, char *err,
	size_t errlen)
{
	struct kr_removed rm = { .n = 0 };
	struct kr_state dry;
	struct kr_plan plan;
	bool changed = false;
	uint64_t before;
	int rc = JET_OK;

	if (published_changed != NULL)
		*published_changed = false;
	if (now < 0 || now > JET_KEYRING_TIME_MAX) {
		kr_err(err, errlen, "keyring: invalid time");
		return JET_EINVAL;
	}
	pthread_mutex_lock(&kr->op_mu);
	before = kr->version;
	if (kr_state_changed(kr->dir, &kr->statest))
		rc = reload(kr, now, err, errlen);
	if (rc == JET_OK) {
		/* A dry run on a copy: most ticks change nothing and need no
		 * exclusive lock. */
		dry = kr->st;
		kr_rules_apply(&dry, &kr->pol, now, &rm, &plan, &changed);
		if (changed || plan.need_key)
			rc = mutate(kr, now, KR_OP_APPLY, NULL, NULL, err, errlen);
	}
	if (published_changed != NULL)
		*published_changed = kr->version != before;
	pthread_mutex_unlock(&kr->op_mu);
	return rc;
}

int
jet_keyring_rotate(struct jet_keyring *kr, int64_t now, char *kid_out, char *err,
	size_t errlen)
{
	int rc;

	if (now < 0 || now > JET_KEYRING_TIME_MAX) {
		kr_err(err, errlen, "keyring: invalid time");
		return JET_EINVAL;
	}
	pthread_mutex_lock(&kr->op_mu);
	rc = mutate(kr, now, KR_OP_ROTATE, NULL, kid_out, err, errlen);
	pthread_mutex_unlock(&kr->op_mu);
	return rc;
}

int
jet_keyring_revoke(struct jet_keyring *kr, const char *kid, int64_t now, char *err,
	size_t errlen)
{
	int rc;

	if (kid == NULL || !jet_jwk_kid_valid(kid, strlen(kid))) {
		kr_err(err, errlen, "keyring: invalid kid");
		return JET_EINVAL;
	}
	if (now < 0 || now > JET_KEYRING_TIME_MAX) {
		kr_err(err, errlen, "keyring: invalid time");
		return JET_EINVAL;
	}
	pthread_mutex_lock(&kr->op_mu);
	rc = mutate(kr, now, KR_OP_REVOKE, kid, NULL, err, errlen);
	pthread_mutex_unlock(&kr->op_mu);
	return rc;
}

int
jet_keyring_sign_kid(struct jet_keyring *kr, const char *typ, const json_t *claims,
	struct jet_buf *out, char *kid_out)
{
	struct kr_snap *s = snap_get(kr);
	int rc;

	rc = jet_jwt_sign(s->keys[0]->jwk, typ, claims, out);
	if (kid_out != NULL)
		memcpy(kid_out, s->keys[0]->jwk->kid, JET_JWK_KID_MAX + 1);
	snap_unref(s);
	return rc;
}

int
jet_keyring_sign_payload(struct jet_keyring *kr, const char *typ, const void *payload,
	size_t len, struct jet_buf *out)
{
	struct kr_snap *s = snap_get(kr);
	int rc;

	rc = jet_jws_sign_compact(s->keys[0]->jwk, typ, payload, len, out);
	snap_unref(s);
	return rc;
}

int
jet_keyring_sign(struct jet_keyring *kr, const char *typ, const json_t *claims,
	struct jet_buf *out)
{
	return jet_keyring_sign_kid(kr, typ, claims, out, NULL);
}

int
jet_keyring_jwks(struct jet_keyring *kr, struct jet_buf *out, uint64_t *version)
{
	struct kr_snap *s = snap_get(kr);
	int rc;

	rc = jet_buf_append(out, s->jwks, s->jwks_len);
	if (version != NULL)
		*version = s->version;
	snap_unref(s);
	return rc;
}

json_t *
jet_keyring_jwks_json(struct jet_keyring *kr, uint64_t *version)
{
	struct kr_snap *s = snap_get(kr);
	json_t *doc;

	/* Our own serialisation of our own keys: jansson's plain loader. */
	doc = json_loadb(s->jwks, s->jwks_len, 0, NULL);
	if (version != NULL)
		*version = s->version;
	snap_unref(s);
	return doc;
}

uint64_t
jet_keyring_version(struct jet_keyring *kr)
{
	struct kr_snap *s = snap_get(kr);
	uint64_t v = s->version;

	snap_unref(s);
	return v;
}

void
jet_keyring_signing_kid(struct jet_keyring *kr, char *out)
{
	struct kr_snap *s = snap_get(kr);

	memcpy(out, s->keys[0]->jwk->kid, JET_JWK_KID_MAX + 1);
	snap_unref(s);
}

void
jet_keyring_list(struct jet_keyring *kr, struct jet_keyring_info *out, size_t cap, size_t *n)
{
	struct kr_snap *s = snap_get(kr);

	for (size_t i = 0; i < s->ninfo && i < cap; i++)
		out[i] = s->info[i];
	*n = s->ninfo;
	snap_unref(s);
}

const char *
jet_keyring_state_name(enum jet_keyring_state st)
{
	switch (st) {
	case JET_KEYRING_NEXT:
		return "next";
	case JET_KEYRING_ACTIVE:
		return "active";
	case JET_KEYRING_RETIRING:
		return "retiring";
	}
	return "unknown";
}
