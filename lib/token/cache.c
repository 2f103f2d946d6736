/*
 * cache.c - verified tokens, by SHA-256 of the token bytes: a fixed pool of
 * entries, a chained hash table and an LRU list, behind one mutex.
 *
 * The critical section is a lookup and a copy of the principal (a few KiB);
 * hashing the token and verifying the signature happen outside it.  The
 * key is a SHA-256 of the whole token, so its first bytes index the table
 * directly: only tokens that verified are ever inserted, and nobody can
 * pick a signed token's hash.
 *
 * The cache holds no policy: expiry, revocation, the key-set epoch and the
 * certificate binding are checked by the caller on every hit (verify.c).
 */
#include <stdlib.h>
#include <string.h>

#include "token_int.h"

#define NIL UINT32_MAX

struct centry {
	uint8_t key[32];
	uint32_t hnext;              /* hash chain, or free list */
	uint32_t prev, next;         /* LRU list: prev toward the most recent */
	struct token_cache_val val;
};

struct token_cache {
	pthread_mutex_t mu;
	struct centry *e;            /* cap entries */
	uint32_t *heads;             /* nbuckets chain heads */
	uint32_t mask;               /* nbuckets - 1 */
	uint32_t cap;
	uint32_t fresh;              /* entries [fresh, cap) were never used */
	uint32_t free_head;          /* freed entries, through hnext */
	uint32_t lru_head, lru_tail; /* most / least recently used */
	uint32_t count;
};

static uint32_t
bucket(const struct token_cache *c, const uint8_t key[32])
{
	uint32_t h;

	memcpy(&h, key, sizeof(h));
	return h & c->mask;
}

int
token_cache_new(size_t entries, struct token_cache **out)
{
	struct token_cache *c;
	uint32_t nb = 1;

	*out = NULL;
	if (entries == 0 || entries > TOKEN_CACHE_MAX)
		return JET_EINVAL;
	while (nb < entries)
		nb <<= 1;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return JET_ENOMEM;
	/* calloc'd pages stay untouched until used: a large, mostly empty cache
	 * costs address space, not memory. */
	c->e = calloc(entries, sizeof(*c->e));
	c->heads = malloc(nb * sizeof(*c->heads));
	if (c->e == NULL || c->heads == NULL || pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c->e);
		free(c->heads);
		free(c);
		return JET_ENOMEM;
	}
	for (uint32_t i = 0; i < nb; i++)
		c->heads[i] = NIL;
	c->mask = nb - 1;
	c->cap = (uint32_t)entries;
	c->free_head = c->lru_head = c->lru_tail = NIL;
	*out = c;
	return JET_OK;
}

void
token_cache_free(struct token_cache *c)
{
	if (c == NULL)
		return;
	/* Principals carry no secret, but a scope list and grants need not
	 * linger in freed memory either. */
	jet_wipe(c->e, (size_t)c->cap * sizeof(*c->e));
	pthread_mutex_destroy(&c->mu);
	free(c->e);
	free(c->heads);
	free(c);
}

static uint32_t
find(const struct token_cache *c, const uint8_t key[32], uint32_t **link)
{
	uint32_t *l = &c->heads[bucket(c, key)];

	while (*l != NIL) {
		if (memcmp(c->e[*l].key, key, 32) == 0) {
			if (link != NULL)
				*link = l;
			return *l;
		}
		l = &c->e[*l].hnext;
	}
	return NIL;
}

static void
lru_unlink(struct token_cache *c, uint32_t i)
{
	struct centry *e = &c->e[i];

	if (e->prev != NIL)
		c->e[e->prev].next = e->next;
	else
		c->lru_head = e->next;
	if (e->next != NIL)
		c->e[e->next].prev = e->prev;
	else
		c->lru_tail = e->prev;
	e->prev = e->next = NIL;
}

static void
lru_push(struct token_cache *c, uint32_t i)
{
	struct centry *e = &c->e[i];

	e->prev = NIL;
	e->next = c->lru_head;
	if (c->lru_head != NIL)
		c->e[c->lru_head].prev = i;
	c->lru_head = i;
	if (c->lru_tail == NIL)
		c->lru_tail = i;
}

/* Unlinks entry i from its chain and the LRU list and frees it. */
static void
drop(struct token_cache *c, uint32_t i)
{
	uint32_t *l = NULL;

	if (find(c, c->e[i].key, &l) != i || l == NULL)
		return; /* cannot happen: every live entry is in its chain */
	*l = c->e[i].hnext;
	lru_unlink(c, i);
	c->e[i].hnext = c->free_head;
	c->free_head = i;
	c->count--;
}

bool
token_cache_get(struct token_cache *c, const uint8_t key[32], struct token_cache_val *val)
{
	uint32_t i;

	pthread_mutex_lock(&c->mu);
	i = find(c, key, NULL);
	if (i != NIL) {
		memcpy(val, &c->e[i].val, sizeof(*val));
		if (c->lru_head != i) {
			lru_unlink(c, i);
			lru_push(c, i);
		}
	}
	pthread_mutex_unlock(&c->mu);
	return i != NIL;
}

void
token_cache_put(struct token_cache *c, const uint8_t key[32], const struct token_cache_val *val)
{
	uint32_t i;

	pthread_mutex_lock(&c->mu);
	i = find(c, key, NULL);
	if (i != NIL) {
		lru_unlink(c, i);
	} else {
		if (c->free_head != NIL) {
			i = c->free_head;
			c->free_head = c->e[i].hnext;
		} else if (c->fresh < c->cap) {
			i = c->fresh++;
		} else {
			i = c->lru_tail;
			drop(c, i);
			c->free_head = c->e[i].hnext; /* take it back off the free list */
		}
		memcpy(c->e[i].key, key, 32);
		c->e[i].hnext = c->heads[bucket(c, key)];
		c->heads[bucket(c, key)] = i;
		c->count++;
	}
	memcpy(&c->e[i].val, val, sizeof(*val));
	lru_push(c, i);
	pthread_mutex_unlock(&c->mu);
}

void
token_cache_del(struct token_cache *c, const uint8_t key[32])
{
	uint32_t i;

	pthread_mutex_lock(&c->mu);
	if ((i = find(c, key, NULL)) != NIL)
		drop(c, i);
	pthread_mutex_unlock(&c->mu);
}

size_t
token_cache_count(struct token_cache *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->count;
	pthread_mutex_unlock(&c->mu);
	return n;
}
