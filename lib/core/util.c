/*
 * util.c - constant-time comparison, wiping, and clocks.
 */
#include <time.h>

#include <openssl/crypto.h>

#include "jet/core.h"

bool
jet_ct_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void
jet_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}

uint64_t
jet_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
jet_now_ms(void)
{
	return jet_now_ns() / 1000000u;
}

uint64_t
jet_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
jet_time_rfc3339(uint64_t wall_ms, char out[25])
{
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	/* %Y is at most 4 digits for any time this process will see. */
	strftime(out, 21, "%Y-%m-%dT%H:%M:%S", &tm);
	out[19] = '.';
	out[20] = (char)('0' + (wall_ms % 1000) / 100);
	out[21] = (char)('0' + (wall_ms % 100) / 10);
	out[22] = (char)('0' + wall_ms % 10);
	out[23] = 'Z';
	out[24] = '\0';
}
