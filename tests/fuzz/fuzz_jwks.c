/*
 * libFuzzer target for lib/jose key sets: jet_jwks_parse, the reader of
 * every JWKS fetched from an identity provider or registered by a client.
 * Invariants checked (abort() on violation):
 *  - no crash, leak or undefined behaviour (ASan/UBSan build);
 *  - a refused set is empty and has a short printable reason;
 *  - every key of an accepted set is public, has a valid kid found by
 *    jet_jwks_find, exports to a JWK that reads back to an equal key with
 *    the same alg and kid, and has a thumbprint.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jet/jose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_key(const struct jet_jwks *set, const struct jet_jwk *k)
{
	struct jet_jwk *back = NULL;
	char thumb[44];
	json_t *o;

	if (k->has_private || !jet_jws_alg_asymmetric(k->alg) ||
		!jet_jwk_kid_valid(k->kid, strlen(k->kid)) ||
		jet_jwks_find(set, k->kid, strlen(k->kid)) != k)
		abort();
	if ((o = jet_jwk_public_json(k)) == NULL)
		abort();
	if (jet_jwk_parse(o, 1u << k->alg, k->alg, &back, NULL, 0) != JET_OK ||
		back->alg != k->alg || strcmp(back->kid, k->kid) != 0 ||
		EVP_PKEY_eq(back->pkey, k->pkey) != 1)
		abort();
	if (jet_jwk_thumbprint(k, thumb) != JET_OK || strlen(thumb) != 43)
		abort();
	jet_jwk_free(back);
	json_decref(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jet_jwks set;
	char err[128];
	int rc = jet_jwks_parse((const char *)data, size, 65536, 16, ~0u, JET_JWS_RS256, &set, err,
		sizeof(err));

	if (rc != JET_OK) {
		size_t n = strlen(err);

		if (set.n != 0 || set.keys != NULL || n == 0 || n > 100)
			abort();
		for (size_t i = 0; i < n; i++)
			if (err[i] < 0x20 || err[i] > 0x7e)
				abort();
		return 0;
	}
	if (set.n > 16)
		abort();
	for (size_t i = 0; i < set.n; i++)
		check_key(&set, set.keys[i]);
	jet_jwks_cleanup(&set);
	return 0;
}
