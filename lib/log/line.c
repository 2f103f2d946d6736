/*
 * line.c - one JSON log line, never longer than JET_LOG_LINE_MAX.
 *
 * Invariant: while a line is open, b.len <= JET_LOG_LINE_MAX - TAIL_LEN, so
 * the longest ending (",\"truncated\":true}\n") always fits and every line
 * ends as a complete JSON object followed by one "\n".  A field is added
 * whole or not at all; a string inside it may be cut (jet_json_escape_trunc
 * cuts between characters and marks the cut with U+2026), and either event
 * sets "truncated":true.  Strings are escaped by lib/json's escaper, the one
 * JSON string writer of the library.
 */
#include <stdio.h>
#include <string.h>

#include "jet/json.h"
#include "log_int.h"

#define TAIL ",\"truncated\":true}\n"
#define TAIL_LEN (sizeof(TAIL) - 1)
/* Longest key literal, quotes included: keys come from code, not peers. */
#define KEY_CAP 128
/* Shortest cut string literal: the quotes and U+2026. */
#define MIN_LIT 5

static size_t
room(const struct log_line *l)
{
	return JET_LOG_LINE_MAX - TAIL_LEN - l->b.len;
}

void
log_line_begin(struct log_line *l)
{
	char ts[25];

	l->b.data = l->data;
	l->b.len = 0;
	l->b.cap = l->b.max = sizeof(l->data);
	l->truncated = false;
	jet_time_rfc3339(jet_wall_ms(), ts);
	/* 33 bytes: cannot fail in an empty 4 KiB buffer. */
	jet_buf_append_str(&l->b, "{\"ts\":\"");
	jet_buf_append(&l->b, ts, 24);
	jet_buf_append(&l->b, "\"", 1);
}

/* ,"key": - leaves at least MIN_LIT bytes of room for the value. */
static bool
put_key(struct log_line *l, const char *key)
{
	bool cut = false;
	size_t r = room(l);

	if (r < 1 + MIN_LIT + 1 + MIN_LIT)
		return false;
	if (jet_buf_append(&l->b, ",", 1) != JET_OK ||
	    jet_json_escape_trunc(&l->b, key, strlen(key), JET_MIN((size_t)KEY_CAP,
		r - 2 - MIN_LIT), &cut) != JET_OK ||
	    jet_buf_append(&l->b, ":", 1) != JET_OK)
		return false;
	l->truncated |= cut;
	return true;
}

static void
put_raw(struct log_line *l, const char *key, const char *json, size_t len)
{
	size_t save = l->b.len;

	if (!put_key(l, key) || len > room(l) || jet_buf_append(&l->b, json, len) != JET_OK) {
		l->b.len = save;
		l->truncated = true;
	}
}

void
log_line_str(struct log_line *l, const char *key, const char *v, size_t vlen, size_t cap)
{
	size_t save = l->b.len;
	bool cut = false;

	if (v == NULL) {
		put_raw(l, key, "null", 4);
		return;
	}
	if (!put_key(l, key) || JET_MIN(cap, room(l)) < MIN_LIT ||
	    jet_json_escape_trunc(&l->b, v, vlen, JET_MIN(cap, room(l)), &cut) != JET_OK) {
		l->b.len = save;
		l->truncated = true;
		return;
	}
	l->truncated |= cut;
}

void
log_line_u64(struct log_line *l, const char *key, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);

	put_raw(l, key, num, (size_t)n);
}

void
log_line_int(struct log_line *l, const char *key, int v)
{
	char num[16];
	int n = snprintf(num, sizeof(num), "%d", v);

	put_raw(l, key, num, (size_t)n);
}

void
log_line_end(struct log_line *l)
{
	if (l->truncated)
		jet_buf_append(&l->b, TAIL, TAIL_LEN);
	else
		jet_buf_append(&l->b, "}\n", 2);
}
