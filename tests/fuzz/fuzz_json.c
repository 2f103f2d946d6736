/*
 * libFuzzer target for lib/json: jet_json_parse, the entry point for every
 * JSON body from the network, and jet_json_escape, the writer behind every
 * log line and error body.  Invariants checked (abort() on violation):
 *  - no crash, leak or undefined behaviour (ASan/UBSan build);
 *  - a refusal carries one of the fixed reasons, never text from the input;
 *  - top_container=false accepts everything top_container=true accepts,
 *    with an equal value;
 *  - an accepted document dumps and parses again to an equal value;
 *  - escaping any bytes gives one valid JSON string literal, and a cut one
 *    stays within its limit and valid.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jet/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const reasons[] = {
	"invalid argument", "input too large", "nesting too deep", "NUL byte in input",
	"out of memory", "invalid UTF-8", "unexpected end of input",
	"trailing data after the value", "invalid syntax", "NUL character in a string",
	"duplicate object key", "number out of range", "top level must be an object or array",
	"invalid JSON",
};

static void
check_reason(const char *err)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(err, reasons[i]) == 0)
			return;
	abort();
}

static void
check_literal(const struct jet_buf *b, size_t limit)
{
	json_t *s;

	if (b->len > limit)
		abort();
	s = json_loadb(b->data, b->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (s == NULL || !json_is_string(s))
		abort();
	json_decref(s);
}

static void
fuzz_escape(const char *p, size_t size)
{
	struct jet_buf b;
	size_t limit = 5 + size % 97;

	jet_buf_init(&b, 16 * size + 64);
	if (jet_json_escape(&b, p, size) != JET_OK)
		abort();
	check_literal(&b, b.max);
	jet_buf_reset(&b);
	if (jet_json_escape_trunc(&b, p, size, limit, NULL) != JET_OK)
		abort();
	check_literal(&b, limit);
	jet_buf_cleanup(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	char err[128] = "", err2[128] = "";
	json_t *j = jet_json_parse(p, size, 65536, 32, true, err, sizeof(err));
	json_t *any = jet_json_parse(p, size, 65536, 32, false, err2, sizeof(err2));

	fuzz_escape(p, size);
	if (any == NULL)
		check_reason(err2);
	if (j == NULL) {
		check_reason(err);
		json_decref(any);
		return 0;
	}
	if (any == NULL || !json_equal(j, any))
		abort();
	{
		struct jet_buf b;
		json_t *again;

		jet_buf_init(&b, 1 << 20);
		if (jet_json_dump(&b, j) != JET_OK)
			abort(); /* 64 KiB of input cannot dump past 1 MiB */
		again = jet_json_parse(b.data, b.len, 1 << 20, 32, true, err, sizeof(err));
		if (again == NULL || !json_equal(j, again))
			abort();
		json_decref(again);
		jet_buf_cleanup(&b);
	}
	json_decref(any);
	json_decref(j);
	return 0;
}
