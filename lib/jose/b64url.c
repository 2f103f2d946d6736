/*
 * b64url.c - base64url without padding (RFC 4648 §5, RFC 7515 §2).
 *
 * Decoding is canonical: every byte string has exactly one encoding that
 * is accepted.  Refused: '=' padding, '+' and '/' (the other alphabet),
 * whitespace and every other byte, a length of 1 mod 4 (no whole byte),
 * and non-zero unused bits in the last character.  Two spellings of one
 * signature or one header would let a token be altered without breaking
 * it, which defeats replay caches and logs keyed on the token text.
 */
#include <string.h>

#include "jose_int.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* One more than the value of each character of the alphabet; 0 for every
 * other byte (the table then needs no range initialiser). */
static const uint8_t dec[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7,
	['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
	['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
	['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28,
	['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
	['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
	['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
	['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['-'] = 63,
	['_'] = 64,
};

#define BAD(c) (dec[(c)] == 0)
#define VAL(c) ((uint8_t)(dec[(c)] - 1))

size_t
jet_b64url_len(size_t n)
{
	return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

/* Encodes in[0..n) into out, which has room for jet_b64url_len(n). */
static void
encode(const uint8_t *in, size_t n, char *out)
{
	size_t i = 0, o = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (n - i == 1) {
		out[o++] = alphabet[in[i] >> 2];
		out[o++] = alphabet[(in[i] & 3) << 4];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		out[o++] = alphabet[v >> 10];
		out[o++] = alphabet[(v >> 4) & 63];
		out[o++] = alphabet[(v & 15) << 2];
	}
}

int
jet_b64url_encode_buf(struct jet_buf *out, const void *in, size_t n)
{
	size_t elen;
	int rc;

	if (n > (SIZE_MAX / 4) * 3 - 3)
		return JET_ETOOBIG;
	elen = jet_b64url_len(n);
	if (elen == 0)
		return JET_OK; /* out->data may still be NULL */
	if ((rc = jet_buf_reserve(out, elen)) != JET_OK)
		return rc;
	encode(in, n, out->data + out->len);
	out->len += elen;
	return JET_OK;
}

int
jet_b64url_encode(const void *in, size_t n, char *out, size_t outlen)
{
	size_t elen;

	if (n > (SIZE_MAX / 4) * 3 - 3)
		return JET_ETOOBIG;
	elen = jet_b64url_len(n);
	if (out == NULL || outlen < elen + 1)
		return JET_ETOOBIG;
	encode(in, n, out);
	out[elen] = '\0';
	return JET_OK;
}

int
jet_b64url_decode(const char *in, size_t n, uint8_t *out, size_t outcap, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t rem = n % 4, full = n - rem, need, o = 0;
	uint8_t a, b, c, d;

	*outlen = 0;
	if (rem == 1 || (in == NULL && n > 0))
		return JET_EINVAL;
	need = full / 4 * 3 + (rem == 0 ? 0 : rem - 1);
	/* Validate every character before writing anything, so that a refused
	 * input never leaves half a decoding in out. */
	for (size_t i = 0; i < n; i++)
		if (BAD(p[i]))
			return JET_EINVAL;
	if (rem == 2 && (VAL(p[n - 1]) & 15) != 0)
		return JET_EINVAL;
	if (rem == 3 && (VAL(p[n - 1]) & 3) != 0)
		return JET_EINVAL;
	if (need > outcap)
		return JET_ETOOBIG;
	for (size_t i = 0; i < full; i += 4) {
		a = VAL(p[i]);
		b = VAL(p[i + 1]);
		c = VAL(p[i + 2]);
		d = VAL(p[i + 3]);
		out[o++] = (uint8_t)(a << 2 | b >> 4);
		out[o++] = (uint8_t)(b << 4 | c >> 2);
		out[o++] = (uint8_t)(c << 6 | d);
	}
	if (rem >= 2) {
		a = VAL(p[full]);
		b = VAL(p[full + 1]);
		out[o++] = (uint8_t)(a << 2 | b >> 4);
		if (rem == 3) {
			c = VAL(p[full + 2]);
			out[o++] = (uint8_t)(b << 4 | c >> 2);
		}
	}
	*outlen = o;
	return JET_OK;
}
