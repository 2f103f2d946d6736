/*
 * buf.c - bounded growable buffers (in the spirit of curl's dynbuf).
 *
 * Invariant: cap <= max, len <= cap.  Growth doubles up to max, so a peer
 * that streams bytes at us can never make a buffer larger than the limit
 * its owner chose.  On any failure the buffer is left exactly as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jet/core.h"

void
jet_buf_init(struct jet_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

int
jet_buf_reserve(struct jet_buf *b, size_t extra)
{
	size_t need, ncap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return JET_ETOOBIG;
	need = b->len + extra;
	if (need <= b->cap)
		return JET_OK;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > b->max / 2 ? b->max : ncap * 2;
	if (ncap > b->max)
		ncap = b->max;
	p = realloc(b->data, ncap);
	if (p == NULL)
		return JET_ENOMEM;
	b->data = p;
	b->cap = ncap;
	return JET_OK;
}

int
jet_buf_append(struct jet_buf *b, const void *p, size_t n)
{
	int rc;

	if (n == 0)
		return JET_OK;
	if ((rc = jet_buf_reserve(b, n)) != JET_OK)
		return rc;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return JET_OK;
}

int
jet_buf_append_str(struct jet_buf *b, const char *s)
{
	return jet_buf_append(b, s, strlen(s));
}

int
jet_buf_vprintf(struct jet_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return JET_EINVAL;
	/* +1 for vsnprintf's terminator, which is not counted in len. */
	if ((rc = jet_buf_reserve(b, (size_t)n + 1)) != JET_OK)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return JET_OK;
}

int
jet_buf_printf(struct jet_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = jet_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void
jet_buf_consume(struct jet_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void
jet_buf_reset(struct jet_buf *b)
{
	b->len = 0;
}

void
jet_buf_cleanup(struct jet_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
