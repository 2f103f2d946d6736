/*
 * libFuzzer target for lib/jose compact JWS: jet_jws_parse, then
 * jet_jws_verify against a fixed ES256 key generated at start-up, and
 * jet_b64url_decode of the raw input.  Invariants checked (abort() on
 * violation):
 *  - no crash, leak or undefined behaviour (ASan/UBSan build);
 *  - base64url is canonical: whatever decodes re-encodes to the input;
 *  - a refused token leaves nothing to clean up and a short printable
 *    reason; an accepted one has object header and payload, a signing
 *    input that is a prefix of the token, and a bounded signature;
 *  - verification answers JET_OK or JET_EPERM only, and JET_OK only for
 *    an ES256 header.
 * Random bytes rarely form base64url of JSON, so an input with two
 * newlines is also read as "header\npayload\nsignature", encoded into a
 * token and parsed: that reaches the header and payload rules directly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jet/jose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jet_jwk *key;

static void
check_b64url(const char *p, size_t size)
{
	uint8_t *out = malloc(size + 1);
	char *enc;
	size_t n;
	int rc;

	if (out == NULL)
		abort();
	rc = jet_b64url_decode(p, size, out, size, &n);
	if (rc == JET_OK) {
		enc = malloc(size + 1);
		if (enc == NULL || jet_b64url_encode(out, n, enc, size + 1) != JET_OK ||
			strlen(enc) != size || memcmp(enc, p, size) != 0)
			abort();
		free(enc);
	} else if (rc != JET_EINVAL) {
		abort(); /* size bytes of input never decode to more than size */
	}
	free(out);
}

static void
check_reason(const char *err)
{
	size_t n = strlen(err);

	if (n == 0 || n > 100)
		abort();
	for (size_t i = 0; i < n; i++)
		if (err[i] < 0x20 || err[i] > 0x7e)
			abort();
}

static void
check_token(const char *p, size_t size)
{
	struct jet_jws jws;
	char err[128];
	int rc;

	rc = jet_jws_parse(p, size, 16384, &jws, err, sizeof(err));
	if (rc != JET_OK) {
		if (jws.header != NULL || jws.payload != NULL || (rc != JET_EINVAL && rc != JET_ETOOBIG))
			abort();
		check_reason(err);
		return;
	}
	if (!json_is_object(jws.header) || !json_is_object(jws.payload) ||
		jws.sig_len == 0 || jws.sig_len > JET_JWS_SIG_MAX ||
		jws.signing_input.p != p || jws.signing_input.len >= size ||
		p[jws.signing_input.len] != '.')
		abort();
	if (jws.kid != NULL && !jet_jwk_kid_valid(jws.kid, strlen(jws.kid)))
		abort();
	rc = jet_jws_verify(&jws, key);
	if ((rc != JET_OK && rc != JET_EPERM) || (rc == JET_OK && jws.alg != JET_JWS_ES256))
		abort();
	jet_jws_cleanup(&jws);
}

/* "header\npayload\nsignature" -> the compact JWS of those three parts. */
static void
check_structured(const char *p, size_t size)
{
	const char *n1 = memchr(p, '\n', size), *n2;
	struct jet_buf b;

	if (n1 == NULL || (n2 = memchr(n1 + 1, '\n', size - (size_t)(n1 + 1 - p))) == NULL)
		return;
	jet_buf_init(&b, 4 * size + 16);
	if (jet_b64url_encode_buf(&b, p, (size_t)(n1 - p)) != JET_OK ||
		jet_buf_append(&b, ".", 1) != JET_OK ||
		jet_b64url_encode_buf(&b, n1 + 1, (size_t)(n2 - n1 - 1)) != JET_OK ||
		jet_buf_append(&b, ".", 1) != JET_OK ||
		jet_b64url_encode_buf(&b, n2 + 1, size - (size_t)(n2 + 1 - p)) != JET_OK)
		abort();
	check_token(b.data, b.len);
	jet_buf_cleanup(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;

	if (key == NULL && jet_jwk_generate(JET_JWS_ES256, "fuzz", &key) != JET_OK)
		abort();
	check_b64url(p, size);
	check_token(p, size);
	check_structured(p, size);
	return 0;
}
