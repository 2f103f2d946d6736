/*
 * revoke.c - the set of revoked jtis, consulted on every verification
 * (cache hits included), fed by jet_verifier_revoke and the store poll.
 *
 * An open-addressing table (linear probing) of 16-byte SHA-256 prefixes of
 * the jti with the token's exp, behind a read-write lock: lookups are
 * constant time and share the lock; writes are rare.  Nothing is deleted
 * in place: a purge rebuilds the table without the entries whose exp (plus
 * leeway) has passed, which is also when the table would grow.  The table
 * doubles up to twice the maximum count, so probes stay short.
 *
 * Bounded at TOKEN_REVOKED_MAX live entries.  When a new revocation finds
 * the set full of unexpired entries, the entry that expires first is
 * forgotten to make room (and a warning logged): that token is at most a
 * few minutes from expiring on its own, and the alternative, dropping the
 * new revocation, would keep the freshest leak alive longest.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "jet/log.h"
#include "token_int.h"

struct rslot {
	uint8_t h[16];
	int64_t exp;
	bool used;
};

struct token_revset {
	pthread_rwlock_t lk;
	struct rslot *slots;         /* cap slots, cap a power of two */
	size_t cap, n, max;
	int64_t leeway;
	bool warned;
};

#define REV_MIN_CAP 64

static void
jti_hash(const char *jti, size_t len, uint8_t h[16])
{
	uint8_t full[SHA256_DIGEST_LENGTH];

	/* One-shot SHA-256 through the EVP layer (SHA256() is a thin wrapper
	 * over it in OpenSSL 3). */
	EVP_Digest(jti, len, full, NULL, EVP_sha256(), NULL);
	memcpy(h, full, 16);
}

static size_t
slot_of(const uint8_t h[16], size_t cap)
{
	uint64_t x;

	memcpy(&x, h, sizeof(x));
	return (size_t)(x & (cap - 1));
}

static struct rslot *
lookup(const struct token_revset *rs, const uint8_t h[16], bool *found)
{
	size_t i = slot_of(h, rs->cap);

	for (;;) {
		struct rslot *s = &rs->slots[i];

		if (!s->used) {
			*found = false;
			return s;
		}
		if (memcmp(s->h, h, 16) == 0) {
			*found = true;
			return s;
		}
		i = (i + 1) & (rs->cap - 1);
	}
}

int
token_revset_new(size_t max, int64_t leeway, struct token_revset **out)
{
	struct token_revset *rs;

	*out = NULL;
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return JET_ENOMEM;
	rs->cap = REV_MIN_CAP;
	rs->max = max;
	rs->leeway = leeway;
	if ((rs->slots = calloc(rs->cap, sizeof(*rs->slots))) == NULL ||
		pthread_rwlock_init(&rs->lk, NULL) != 0) {
		free(rs->slots);
		free(rs);
		return JET_ENOMEM;
	}
	*out = rs;
	return JET_OK;
}

void
token_revset_free(struct token_revset *rs)
{
	if (rs == NULL)
		return;
	pthread_rwlock_destroy(&rs->lk);
	free(rs->slots);
	free(rs);
}

/* Rebuilds into cap slots, keeping entries alive at now (all when now is
 * INT64_MIN) except skip (may be NULL).  Write lock held. */
static int
rebuild(struct token_revset *rs, size_t cap, int64_t now, const struct rslot *skip)
{
	struct rslot *old = rs->slots, *nw;
	size_t oldcap = rs->cap;

	if ((nw = calloc(cap, sizeof(*nw))) == NULL)
		return JET_ENOMEM;
	rs->slots = nw;
	rs->cap = cap;
	rs->n = 0;
	for (size_t i = 0; i < oldcap; i++) {
		bool found;
		struct rslot *s;

		if (!old[i].used || &old[i] == skip)
			continue;
		if (now != INT64_MIN && old[i].exp < now - rs->leeway)
			continue;
		s = lookup(rs, old[i].h, &found);
		*s = old[i];
		rs->n++;
	}
	free(old);
	return JET_OK;
}

/* Makes room for one more entry.  Write lock held. */
static int
make_room(struct token_revset *rs, int64_t now)
{
	const struct rslot *oldest = NULL;

	/* Keep the load at most one half. */
	if ((rs->n + 1) * 2 <= rs->cap)
		return JET_OK;
	if (rebuild(rs, rs->cap, now, NULL) != JET_OK)
		return JET_ENOMEM;
	if ((rs->n + 1) * 2 <= rs->cap)
		return JET_OK;
	if (rs->n < rs->max)
		return rebuild(rs, rs->cap * 2, INT64_MIN, NULL);
	for (size_t i = 0; i < rs->cap; i++)
		if (rs->slots[i].used && (oldest == NULL || rs->slots[i].exp < oldest->exp))
			oldest = &rs->slots[i];
	if (!rs->warned) {
		rs->warned = true;
		jet_log_event(JET_LOG_WARN, "token", "revoked set full: forgetting the "
			"revocations closest to expiry", NULL);
	}
	return rebuild(rs, rs->cap, INT64_MIN, oldest);
}

int
token_revset_add(struct token_revset *rs, const char *jti, size_t len, int64_t exp, int64_t now)
{
	uint8_t h[16];
	struct rslot *s;
	bool found;
	int rc = JET_OK;

	jti_hash(jti, len, h);
	pthread_rwlock_wrlock(&rs->lk);
	s = lookup(rs, h, &found);
	if (found) {
		if (exp > s->exp)
			s->exp = exp;
		goto out;
	}
	if ((rc = make_room(rs, now)) != JET_OK)
		goto out;
	s = lookup(rs, h, &found);
	memcpy(s->h, h, 16);
	s->exp = exp;
	s->used = true;
	rs->n++;
out:
	pthread_rwlock_unlock(&rs->lk);
	return rc;
}

bool
token_revset_has(struct token_revset *rs, const char *jti, size_t len)
{
	uint8_t h[16];
	bool found;

	jti_hash(jti, len, h);
	pthread_rwlock_rdlock(&rs->lk);
	(void)lookup(rs, h, &found);
	pthread_rwlock_unlock(&rs->lk);
	return found;
}

void
token_revset_purge(struct token_revset *rs, int64_t now)
{
	size_t cap;

	pthread_rwlock_wrlock(&rs->lk);
	/* Shrink back when mostly empty, never below the minimum. */
	cap = rs->cap;
	while (cap > REV_MIN_CAP && rs->n * 8 < cap)
		cap /= 2;
	(void)rebuild(rs, cap, now, NULL);
	pthread_rwlock_unlock(&rs->lk);
}

size_t
token_revset_count(struct token_revset *rs)
{
	size_t n;

	pthread_rwlock_rdlock(&rs->lk);
	n = rs->n;
	pthread_rwlock_unlock(&rs->lk);
	return n;
}
