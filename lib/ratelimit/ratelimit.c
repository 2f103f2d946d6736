/*
 * ratelimit.c - sharded token buckets with a bounded pool of keys.
 *
 * Layout: 16 shards, each with its own mutex, a pool of entries and a table
 * of chain heads.  A key hashes to one shard and one chain; the hash is
 * seeded with random bytes per process so that an outsider cannot pick
 * source addresses that all land in one chain.  When a shard's pool is
 * full, the stalest entry of a short clock sweep is reused.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "jet/ratelimit.h"

#define NSHARDS 16
#define KEY_MAX 255
#define NONE UINT32_MAX
#define SWEEP 8 /* entries the clock hand looks at to pick a victim */

struct entry {
	uint32_t next;       /* chain link, NONE at the end */
	uint32_t chain;      /* index of the chain head it hangs from */
	uint64_t hash;
	double tokens;
	uint64_t updated_ms;
	uint8_t len;
	char key[KEY_MAX];
};

struct shard {
	pthread_mutex_t mu;
	struct entry *pool;
	uint32_t *heads;     /* nchains chain heads */
	uint32_t used;
	uint32_t hand;       /* clock hand for eviction */
};

struct jet_ratelimit {
	double rate, burst;
	uint32_t per_shard, nchains;
	uint64_t seed;
	atomic_uint_fast64_t refused;
	struct shard shards[NSHARDS];
};

static uint64_t
hash_key(uint64_t seed, const char *k, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

int
jet_ratelimit_new(double rate, double burst, size_t max_keys, struct jet_ratelimit **out)
{
	struct jet_ratelimit *rl;

	*out = NULL;
	if (!(rate > 0) || !(burst >= 1) || max_keys < NSHARDS || max_keys > (1u << 24))
		return JET_EINVAL;
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return JET_ENOMEM;
	rl->rate = rate;
	rl->burst = burst;
	rl->per_shard = (uint32_t)(max_keys / NSHARDS);
	rl->nchains = rl->per_shard;
	if (RAND_bytes((unsigned char *)&rl->seed, sizeof(rl->seed)) != 1) {
		free(rl);
		return JET_EIO;
	}
	for (int i = 0; i < NSHARDS; i++) {
		struct shard *s = &rl->shards[i];

		pthread_mutex_init(&s->mu, NULL);
		s->pool = calloc(rl->per_shard, sizeof(*s->pool));
		s->heads = malloc(rl->nchains * sizeof(*s->heads));
		if (s->pool == NULL || s->heads == NULL) {
			jet_ratelimit_free(rl);
			return JET_ENOMEM;
		}
		for (uint32_t c = 0; c < rl->nchains; c++)
			s->heads[c] = NONE;
	}
	*out = rl;
	return JET_OK;
}

void
jet_ratelimit_free(struct jet_ratelimit *rl)
{
	if (rl == NULL)
		return;
	for (int i = 0; i < NSHARDS; i++) {
		pthread_mutex_destroy(&rl->shards[i].mu);
		free(rl->shards[i].pool);
		free(rl->shards[i].heads);
	}
	free(rl);
}

static void
unlink_entry(struct shard *s, uint32_t idx)
{
	struct entry *e = &s->pool[idx];
	uint32_t *link = &s->heads[e->chain];

	while (*link != NONE && *link != idx)
		link = &s->pool[*link].next;
	if (*link == idx)
		*link = e->next;
}

/* An entry for a new key: a free one, else the stalest of a few. */
static uint32_t
take_slot(struct shard *s, uint32_t cap)
{
	uint32_t victim, best = NONE;

	if (s->used < cap)
		return s->used++;
	for (int i = 0; i < SWEEP; i++) {
		victim = s->hand;
		s->hand = (s->hand + 1) % cap;
		if (best == NONE || s->pool[victim].updated_ms < s->pool[best].updated_ms)
			best = victim;
	}
	unlink_entry(s, best);
	return best;
}

int
jet_ratelimit_take(struct jet_ratelimit *rl, const char *key, size_t len, uint64_t now_ms,
	uint64_t *retry_after_s)
{
	uint64_t h;
	struct shard *s;
	struct entry *e = NULL;
	uint32_t chain, idx;
	int rc = JET_OK;

	if (len > KEY_MAX)
		len = KEY_MAX;
	h = hash_key(rl->seed, key, len);
	s = &rl->shards[h % NSHARDS];
	chain = (uint32_t)((h / NSHARDS) % rl->nchains);
	pthread_mutex_lock(&s->mu);
	for (idx = s->heads[chain]; idx != NONE; idx = s->pool[idx].next) {
		struct entry *c = &s->pool[idx];

		if (c->hash == h && c->len == len && memcmp(c->key, key, len) == 0) {
			e = c;
			break;
		}
	}
	if (e == NULL) {
		idx = take_slot(s, rl->per_shard);
		e = &s->pool[idx];
		e->hash = h;
		e->len = (uint8_t)len;
		memcpy(e->key, key, len);
		e->tokens = rl->burst;
		e->updated_ms = now_ms;
		e->chain = chain;
		e->next = s->heads[chain];
		s->heads[chain] = idx;
	} else if (now_ms > e->updated_ms) {
		e->tokens += (double)(now_ms - e->updated_ms) * rl->rate / 1000.0;
		if (e->tokens > rl->burst)
			e->tokens = rl->burst;
		e->updated_ms = now_ms;
	}
	if (e->tokens >= 1.0) {
		e->tokens -= 1.0;
	} else {
		rc = JET_EBUSY;
		if (retry_after_s != NULL) {
			double wait = (1.0 - e->tokens) / rl->rate;
			uint64_t secs = (uint64_t)ceil(wait);

			*retry_after_s = secs < 1 ? 1 : secs;
		}
	}
	pthread_mutex_unlock(&s->mu);
	if (rc != JET_OK)
		atomic_fetch_add_explicit(&rl->refused, 1, memory_order_relaxed);
	return rc;
}

uint64_t
jet_ratelimit_refused(const struct jet_ratelimit *rl)
{
	return atomic_load_explicit(&((struct jet_ratelimit *)rl)->refused,
		memory_order_relaxed);
}
