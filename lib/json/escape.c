/*
 * escape.c - the library's one JSON string writer (RFC 8259 section 7).
 *
 * Input is any byte string; output is always a valid JSON string literal:
 *  - well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing past
 *    U+10FFFF) is copied as is; every byte that does not start a well-formed
 *    sequence becomes U+FFFD on its own, so the input length bounds the
 *    number of replacements and no byte can swallow its neighbours;
 *  - '"' and '\' are escaped, control characters and DEL become \b \f \n \r
 *    \t or \u00XX, and U+2028/U+2029 become \u2028/\u2029: log lines stay
 *    free of terminal escapes and bodies stay safe to embed in JavaScript.
 *
 * Truncation (for the log's 4 KiB lines) cuts only between output atoms: an
 * escape sequence or a multi-byte character is never split, so the cut
 * literal is still valid JSON and valid UTF-8.
 *
 * Invariant: on failure out->len is restored to its value at entry.
 */
#include <stdint.h>
#include <string.h>

#include "jet/json.h"

#define ELLIPSIS "\xe2\x80\xa6" /* U+2026, 3 bytes */
#define ELLIPSIS_LEN 3
/* Room a cut needs after the last atom kept: the ellipsis and the quote. */
#define CUT_TAIL (ELLIPSIS_LEN + 1)

struct esc {
	struct jet_buf *out;
	size_t start;   /* out->len at entry: where the literal begins */
	size_t limit;   /* largest literal, quotes included */
	size_t used;    /* literal bytes written so far */
	size_t cut;     /* largest boundary <= used where CUT_TAIL still fits */
	int rc;         /* first append error */
	bool truncated; /* the literal was cut and closed: write nothing more */
};

/*
 * Length of the well-formed UTF-8 sequence at p (1 to 4), or 0 when p[0]
 * does not start one.  The ranges are RFC 3629's table: the second byte's
 * range is what excludes overlongs (E0, F0), surrogates (ED) and code points
 * past U+10FFFF (F4).
 */
static size_t
utf8_len(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0; /* continuation byte, C0/C1 overlong lead, F5-FF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static void
append(struct esc *e, const void *p, size_t n)
{
	int rc;

	if (e->rc == JET_OK && (rc = jet_buf_append(e->out, p, n)) != JET_OK)
		e->rc = rc;
}

/* Ends the literal at the last recorded cut point with "…\"". */
static void
close_cut(struct esc *e)
{
	e->out->len = e->start + e->cut;
	append(e, ELLIPSIS "\"", CUT_TAIL);
	e->truncated = true;
}

/* A run of plain ASCII: every byte is a character, so it may be cut anywhere. */
static void
put_run(struct esc *e, const char *p, size_t n)
{
	size_t from = e->used;

	if (n == 0 || e->truncated || e->rc != JET_OK)
		return;
	if (n + 1 <= e->limit - e->used) { /* + 1: the closing quote */
		append(e, p, n);
		e->used += n;
		if (e->limit - e->used >= CUT_TAIL)
			e->cut = e->used;
		else if (e->limit - CUT_TAIL >= from)
			e->cut = e->limit - CUT_TAIL; /* a boundary inside this run */
		return;
	}
	/* Keep as much of the run as leaves room for the tail. */
	if (e->limit - CUT_TAIL >= from) {
		size_t keep = e->limit - CUT_TAIL - from;

		append(e, p, keep);
		e->used += keep;
		e->cut = e->used;
	}
	close_cut(e);
}

/* An escape sequence or one multi-byte character: kept whole or not at all. */
static void
put_atom(struct esc *e, const char *p, size_t n)
{
	if (e->truncated || e->rc != JET_OK)
		return;
	if (n + 1 <= e->limit - e->used) {
		append(e, p, n);
		e->used += n;
		if (e->limit - e->used >= CUT_TAIL)
			e->cut = e->used;
		return;
	}
	close_cut(e);
}

/* Short escapes of RFC 8259; other control characters use \u00XX. */
static const char *const short_esc[0x20] = {
	['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t",
};

static void
put_ascii_escape(struct esc *e, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	if (c == '"')
		put_atom(e, "\\\"", 2);
	else if (c == '\\')
		put_atom(e, "\\\\", 2);
	else if (c < 0x20 && short_esc[c] != NULL)
		put_atom(e, short_esc[c], 2);
	else
		put_atom(e, u, sizeof(u));
}

int
jet_json_escape_trunc(struct jet_buf *out, const char *s, size_t len, size_t limit,
	bool *truncated)
{
	const unsigned char *u;
	struct esc e = { .out = out, .start = out->len, .limit = limit, .used = 1, .cut = 1 };
	size_t i = 0, run = 0;

	if (truncated != NULL)
		*truncated = false;
	if (limit < 1 + CUT_TAIL || (s == NULL && len > 0))
		return JET_EINVAL;
	if (s == NULL)
		s = ""; /* NULL + 0 is undefined behaviour in C, even unused */
	u = (const unsigned char *)s;
	append(&e, "\"", 1);
	while (i < len && !e.truncated && e.rc == JET_OK) {
		unsigned char c = u[i];
		size_t n;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		put_run(&e, s + run, i - run);
		if (c < 0x80) {
			put_ascii_escape(&e, c);
			i++;
		} else if ((n = utf8_len(u + i, len - i)) == 0) {
			put_atom(&e, "\xef\xbf\xbd", 3); /* U+FFFD */
			i++;
		} else if (n == 3 && c == 0xe2 && u[i + 1] == 0x80 && (u[i + 2] & 0xfe) == 0xa8) {
			put_atom(&e, u[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
			i += 3;
		} else {
			put_atom(&e, s + i, n);
			i += n;
		}
		run = i;
	}
	put_run(&e, s + run, i - run);
	if (!e.truncated)
		append(&e, "\"", 1);
	if (e.rc != JET_OK) {
		out->len = e.start;
		return e.rc;
	}
	if (truncated != NULL)
		*truncated = e.truncated;
	return JET_OK;
}

int
jet_json_escape(struct jet_buf *out, const char *s, size_t len)
{
	return jet_json_escape_trunc(out, s, len, SIZE_MAX, NULL);
}
