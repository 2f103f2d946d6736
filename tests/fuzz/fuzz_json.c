/*
 * libFuzzer target for jet_json_parse, the entry point for every JSON body
 * from the network.  Invariants: no crash or leak, an error always has a
 * message, and a document accepted once serialises and parses again to an
 * equal value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jet/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128] = "";
	json_t *j = jet_json_parse((const char *)data, size, 65536, 32, true, err, sizeof(err));

	if (j == NULL) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	{
		struct jet_buf b;
		json_t *again;

		jet_buf_init(&b, 1 << 20);
		if (jet_json_dump(&b, j) == JET_OK) {
			again = jet_json_parse(b.data, b.len, 1 << 20, 32, true, err, sizeof(err));
			if (again == NULL || !json_equal(j, again))
				abort();
			json_decref(again);
		}
		jet_buf_cleanup(&b);
	}
	json_decref(j);
	return 0;
}
