/*
 * jet/ratelimit.h - token buckets by key (a client id, a source address),
 * shared by the worker threads of one process.
 *
 * Each key has a bucket of `burst` tokens refilled at `rate` per second; a
 * request takes one.  Memory is bounded: at most max_keys buckets; a new key
 * past that reuses the bucket touched least recently (a bucket that has
 * been idle long enough to be full again loses nothing by being forgotten;
 * a flood of new keys can make the limiter forget old ones early, never
 * refuse everyone).  Limits hold per process: N replicas allow N times the
 * rate (docs/security.md).
 */
#ifndef JET_RATELIMIT_H
#define JET_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "jet/core.h"

struct jet_ratelimit; /* opaque */

/* rate: tokens per second (> 0); burst: bucket size (>= 1); max_keys >= 16.
 * JET_EINVAL or JET_ENOMEM on failure. */
int jet_ratelimit_new(double rate, double burst, size_t max_keys, struct jet_ratelimit **out);
void jet_ratelimit_free(struct jet_ratelimit *rl);

/*
 * Takes one token from key's bucket at now_ms (monotonic milliseconds).
 * JET_OK: allowed.  JET_EBUSY: refused; *retry_after_s (may be NULL) gets
 * the whole seconds until a token is available (at least 1), for a
 * Retry-After header.  Keys longer than 255 bytes are hashed by their first
 * 255 bytes.  Thread-safe.
 */
int jet_ratelimit_take(struct jet_ratelimit *rl, const char *key, size_t len, uint64_t now_ms,
	uint64_t *retry_after_s);

/* Refusals since creation. */
uint64_t jet_ratelimit_refused(const struct jet_ratelimit *rl);

#endif /* JET_RATELIMIT_H */
