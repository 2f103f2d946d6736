/*
 * parse.c - strict parsing of untrusted JSON (RFC 8259), compact dumping
 * and the API error body.
 *
 * jansson does the parsing; this file adds what an input from the network
 * needs on top of it:
 *  - a length limit checked before any work is done;
 *  - a depth limit, by a pre-scan of the bytes: jansson's own limit
 *    (JSON_PARSER_MAX_DEPTH, 2048) is far deeper than any document we accept,
 *    and counting brackets outside strings costs one pass with no allocation,
 *    where walking the tree afterwards would first build all of it;
 *  - duplicate keys refused (JSON_REJECT_DUPLICATES): two parsers that pick
 *    different duplicates are a classic way to smuggle a field past a check;
 *  - error reasons from a fixed table keyed by jansson's error code, because
 *    jansson's error text quotes the input ("near '...'") and our reasons go
 *    to logs and to the peer.
 *
 * jansson rejects NUL in strings (\u0000) unless JSON_ALLOW_NUL, invalid
 * UTF-8, lone surrogates and out-of-range numbers itself; the pre-scan also
 * refuses a raw NUL byte anywhere so no C string view of the input is ever
 * shorter than the input.
 */
#include <stdio.h>
#include <string.h>

#include "jet/json.h"

enum scan_result {
	SCAN_OK = 0,
	SCAN_TOO_DEEP,
	SCAN_NUL,
};

/*
 * Counts container depth outside strings.  For valid JSON the count is exact
 * (strings are tracked with their escapes); for invalid JSON it may be off,
 * but then jansson refuses the input anyway, so the only effect is which
 * reason is reported.
 */
static enum scan_result
prescan(const unsigned char *p, size_t len, size_t max_depth)
{
	size_t depth = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (c == '\0')
			return SCAN_NUL;
		if (in_string) {
			if (c == '\\' && i + 1 < len && p[i + 1] != '\0')
				i++; /* the escaped byte cannot end the string */
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return SCAN_TOO_DEEP;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return SCAN_OK;
}

/* jansson error code -> our reason.  Codes not listed read "invalid JSON". */
static const struct {
	enum json_error_code code;
	const char *reason;
} reasons[] = {
	{ json_error_out_of_memory, "out of memory" },
	{ json_error_stack_overflow, "nesting too deep" },
	{ json_error_invalid_utf8, "invalid UTF-8" },
	{ json_error_premature_end_of_input, "unexpected end of input" },
	{ json_error_end_of_input_expected, "trailing data after the value" },
	{ json_error_invalid_syntax, "invalid syntax" },
	{ json_error_null_character, "NUL character in a string" },
	{ json_error_null_byte_in_key, "NUL character in a string" },
	{ json_error_duplicate_key, "duplicate object key" },
	{ json_error_numeric_overflow, "number out of range" },
};

static void
set_err(char *err, size_t errlen, const char *reason)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", reason);
}

json_t *
jet_json_parse(const char *buf, size_t len, size_t max_len, size_t max_depth,
	bool top_container, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *v;

	set_err(err, errlen, "");
	if (buf == NULL && len > 0) {
		set_err(err, errlen, "invalid argument");
		return NULL;
	}
	if (len > max_len) {
		set_err(err, errlen, "input too large");
		return NULL;
	}
	switch (prescan((const unsigned char *)buf, len, max_depth)) {
	case SCAN_TOO_DEEP:
		set_err(err, errlen, "nesting too deep");
		return NULL;
	case SCAN_NUL:
		set_err(err, errlen, "NUL byte in input");
		return NULL;
	case SCAN_OK:
		break;
	}
	/* DECODE_ANY so that a scalar gets our own reason below rather than
	 * jansson's "'[' or '{' expected", which reads as a syntax error. */
	v = json_loadb(len > 0 ? buf : "", len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (v == NULL) {
		const char *reason = "invalid JSON";

		for (size_t i = 0; i < JET_ARRAY_LEN(reasons); i++)
			if (reasons[i].code == json_error_code(&jerr))
				reason = reasons[i].reason;
		set_err(err, errlen, reason);
		return NULL;
	}
	if (top_container && !json_is_object(v) && !json_is_array(v)) {
		json_decref(v);
		set_err(err, errlen, "top level must be an object or array");
		return NULL;
	}
	return v;
}

struct dump_ctx {
	struct jet_buf *out;
	int rc; /* first append error, reported instead of jansson's -1 */
};

static int
dump_cb(const char *p, size_t n, void *data)
{
	struct dump_ctx *ctx = data;
	int rc = jet_buf_append(ctx->out, p, n);

	if (rc != JET_OK) {
		ctx->rc = rc;
		return -1;
	}
	return 0;
}

int
jet_json_dump(struct jet_buf *out, const json_t *v)
{
	struct dump_ctx ctx = { out, JET_OK };
	size_t start = out->len;

	if (v == NULL)
		return JET_EINVAL;
	/* The callback streams into the bounded buffer: one pass, and a value
	 * too big for out->max stops at the limit instead of being built whole. */
	if (json_dump_callback(v, dump_cb, &ctx, JSON_COMPACT | JSON_ENCODE_ANY) != 0) {
		out->len = start;
		return ctx.rc != JET_OK ? ctx.rc : JET_EINVAL;
	}
	return JET_OK;
}

int
jet_json_error_body(struct jet_buf *out, const char *code, const char *message)
{
	size_t start = out->len;
	int rc;

	if (code == NULL)
		return JET_EINVAL;
	if (message == NULL)
		message = "";
	if ((rc = jet_buf_append_str(out, "{\"error\":")) != JET_OK ||
	    (rc = jet_json_escape(out, code, strlen(code))) != JET_OK ||
	    (rc = jet_buf_append_str(out, ",\"message\":")) != JET_OK ||
	    (rc = jet_json_escape(out, message, strlen(message))) != JET_OK ||
	    (rc = jet_buf_append(out, "}", 1)) != JET_OK) {
		out->len = start;
		return rc;
	}
	return JET_OK;
}
