/*
 * jet/json.h - JSON at the trust boundary, over jansson 2.14.
 *
 * Every service that reads JSON from the network parses it with
 * jet_json_parse, which adds the limits jansson lacks (input length, nesting
 * depth) and turns jansson's diagnostics, which quote the input, into short
 * fixed reasons that are safe to log or send back.
 *
 * The escaper is the one JSON string writer of the library: the log module
 * writes every string through it, so "a log line is always valid JSON" and
 * "an API body is always valid JSON" rest on the same code.
 *
 * Output conventions: functions appending to a struct jet_buf return JET_OK,
 * JET_ETOOBIG (out->max would be passed) or JET_ENOMEM, and on failure leave
 * out->len as it was (the bytes past it are unspecified).
 */
#ifndef JET_JSON_H
#define JET_JSON_H

#include <jansson.h>

#include "jet/core.h"

/*
 * Strict parse of untrusted JSON: rejects duplicate object keys, NUL in
 * strings (raw or \u0000), invalid UTF-8, nesting deeper than max_depth
 * (a scalar has depth 0, "[]" depth 1, "[{}]" depth 2), input longer than
 * max_len, and anything but whitespace after the value; requires an object
 * or array at the top level if top_container is true.  Returns a new
 * reference (release with json_decref) or NULL with err (may be NULL) set to
 * a short, log-safe reason that never echoes the input.
 */
json_t *jet_json_parse(const char *buf, size_t len, size_t max_len, size_t max_depth,
	bool top_container, char *err, size_t errlen);

/*
 * Appends s[0..len) as a JSON string literal (with quotes) to out.  Invalid
 * UTF-8 is replaced byte by byte with U+FFFD; control characters, DEL and
 * U+2028/U+2029 are written as \uXXXX (or \n, \t, ... ) so the literal is
 * safe in a terminal and inside a <script> too.
 */
int jet_json_escape(struct jet_buf *out, const char *s, size_t len);

/*
 * Like jet_json_escape, but the literal written (quotes included) is at most
 * limit bytes: a longer string is cut on a character boundary and ends with
 * "\xe2\x80\xa6" (U+2026, an ellipsis) before the closing quote.  *truncated
 * (may be NULL) tells whether that happened.  limit must be at least 5 (the
 * smallest cut literal), else JET_EINVAL.
 */
int jet_json_escape_trunc(struct jet_buf *out, const char *s, size_t len, size_t limit,
	bool *truncated);

/* Serialises v compactly into out (bounded by out->max): JET_OK / JET_ETOOBIG
 * / JET_ENOMEM (JET_EINVAL if jansson refuses v, e.g. a cycle). */
int jet_json_dump(struct jet_buf *out, const json_t *v);

/* {"error":code,"message":message} - the body of every API error response.
 * Both are escaped; message NULL is written as "". */
int jet_json_error_body(struct jet_buf *out, const char *code, const char *message);

#endif /* JET_JSON_H */
