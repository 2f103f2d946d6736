/*
 * fuzz_http_chunked.c - libFuzzer driver for the chunked decoder.
 *
 * The input is a chunked body (and whatever follows it).  It is decoded
 * three ways - all at once, in pseudo-random pieces derived from the input
 * itself, and (for inputs up to 4 KiB) one byte at a time - each piece an
 * exact-size heap copy so ASan sees reads past it.  Invariants (abort when
 * broken): every way gives the same verdict, the same consumed count and
 * the same decoded bytes; consumed never exceeds the input; the decoded
 * total equals the output length and stays within max_body; JET_AGAIN
 * consumes everything it was given; after JET_OK more input is not taken.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jet/http.h"

#define MAX_BODY 4096
#define MAX_TRAILER 256
#define MAX_OUT 3000 /* below MAX_BODY so the output limit is reached too */

struct run {
	int rc;
	size_t used;
	struct jet_buf out;
};

/* xorshift over an FNV-1a hash of the input: splits that depend on the
 * input only, so a crash reproduces from its file. */
static uint64_t
next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
decode(const char *in, size_t len, int mode, uint64_t seed, struct run *r)
{
	struct jet_http_chunked c;
	size_t off = 0;

	jet_http_chunked_init(&c, MAX_BODY, MAX_TRAILER);
	jet_buf_init(&r->out, MAX_OUT);
	r->rc = JET_AGAIN;
	while (off < len) {
		size_t n = len - off, used = (size_t)-1;
		char *piece;

		if (mode == 1)
			n = 1 + (size_t)(next(&seed) % (n < 64 ? n : 64));
		else if (mode == 2)
			n = 1;
		piece = malloc(n);
		if (piece == NULL)
			abort();
		memcpy(piece, in + off, n);
		r->rc = jet_http_chunked_feed(&c, piece, n, &r->out, &used);
		free(piece);
		if (used > n)
			abort();
		if (r->rc == JET_AGAIN && used != n)
			abort();
		off += used;
		if (r->rc != JET_AGAIN)
			break;
	}
	r->used = off;
	if (c.total != r->out.len || c.total > MAX_BODY)
		abort();
	switch (r->rc) {
	case JET_OK: {
		size_t used = (size_t)-1;

		/* Done means done: nothing more is taken. */
		if (jet_http_chunked_feed(&c, "0\r\n\r\n", 5, &r->out, &used) != JET_OK || used != 0)
			abort();
		break;
	}
	case JET_AGAIN:
		if (off != len)
			abort();
		break;
	case JET_EPROTO:
	case JET_ETOOBIG:
		break;
	default:
		abort();
	}
}

static void
same(const struct run *a, const struct run *b)
{
	if (a->rc != b->rc || a->used != b->used || a->out.len != b->out.len)
		abort();
	if (a->out.len > 0 && memcmp(a->out.data, b->out.data, a->out.len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct run whole, pieces, bytes;
	uint64_t seed = 1469598103934665603ull;

	for (size_t i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 1099511628211ull;
	if (seed == 0)
		seed = 1;

	decode(in, size, 0, seed, &whole);
	decode(in, size, 1, seed, &pieces);
	same(&whole, &pieces);
	if (size <= 4096) {
		decode(in, size, 2, seed, &bytes);
		same(&whole, &bytes);
		jet_buf_cleanup(&bytes.out);
	}
	jet_buf_cleanup(&whole.out);
	jet_buf_cleanup(&pieces.out);
	return 0;
}
