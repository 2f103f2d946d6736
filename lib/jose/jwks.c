/*
 * jwks.c - JWK Sets (RFC 7517 §5): all or nothing.
 *
 * A set is used whole or not at all.  A key this module does not use (an
 * encryption key, a P-521 or X25519 key, an alg outside the caller's set,
 * an RSA size outside [2048, 4096]) is skipped, because identity providers
 * publish such keys next to their signing keys.  Anything else wrong with a
 * key - a private member, a bad kid, an off-curve point, an alg that
 * contradicts the key type - fails the parse, as does a kid used twice
 * among the usable keys: with two keys under one kid, which one verifies
 * would depend on their order.  Size and key count are bounded before any
 * key is built.
 */
#include <stdlib.h>
#include <string.h>

#include "jet/json.h"
#include "jose_int.h"

int
jet_jwks_parse(const char *json, size_t len, size_t max_len, size_t max_keys,
	unsigned allowed, enum jet_jws_alg rsa_default, struct jet_jwks *out, char *err,
	size_t errlen)
{
	json_t *doc = NULL, *keys, *v;
	char jerr[64];
	const char *why = "";
	size_t i, n;
	int rc = JET_EINVAL;

	memset(out, 0, sizeof(*out));
	jose_err(err, errlen, "");
	if (len > max_len) {
		jose_err(err, errlen, "JWKS too large");
		return JET_ETOOBIG;
	}
	if ((doc = jet_json_parse(json, len, max_len, JOSE_JSON_DEPTH, true, jerr,
		     sizeof(jerr))) == NULL) {
		/* jet_json_parse reasons are fixed strings too. */
		jose_err(err, errlen, jerr[0] != '\0' ? jerr : "invalid JSON");
		return JET_EINVAL;
	}
	keys = json_object_get(doc, "keys");
	if (!json_is_object(doc) || !json_is_array(keys)) {
		why = "not a JWKS (no keys array)";
		goto fail;
	}
	n = json_array_size(keys);
	if (n > max_keys) {
		why = "too many keys";
		rc = JET_ETOOBIG;
		goto fail;
	}
	if (n > 0 && (out->keys = calloc(n, sizeof(*out->keys))) == NULL) {
		why = "out of memory";
		rc = JET_ENOMEM;
		goto fail;
	}
	json_array_foreach(keys, i, v) {
		struct jet_jwk *k;
		bool skip;

		rc = jose_jwk_parse(v, allowed, rsa_default, &k, &why, &skip);
		if (rc != JET_OK && skip)
			continue;
		if (rc != JET_OK) {
			rc = rc == JET_ENOMEM ? JET_ENOMEM : JET_EINVAL;
			goto fail;
		}
		if (jet_jwks_find(out, k->kid, strlen(k->kid)) != NULL) {
			jet_jwk_free(k);
			why = "duplicate kid";
			rc = JET_EINVAL;
			goto fail;
		}
		out->keys[out->n++] = k;
	}
	json_decref(doc);
	return JET_OK;
fail:
	jose_err(err, errlen, why);
	json_decref(doc);
	jet_jwks_cleanup(out);
	return rc;
}

const struct jet_jwk *
jet_jwks_find(const struct jet_jwks *set, const char *kid, size_t len)
{
	if (set == NULL || kid == NULL)
		return NULL;
	for (size_t i = 0; i < set->n; i++)
		if (strlen(set->keys[i]->kid) == len && memcmp(set->keys[i]->kid, kid, len) == 0)
			return set->keys[i];
	return NULL;
}

void
jet_jwks_cleanup(struct jet_jwks *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->n; i++)
		jet_jwk_free(set->keys[i]);
	free(set->keys);
	set->keys = NULL;
	set->n = 0;
}
