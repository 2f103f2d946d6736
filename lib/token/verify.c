/*
 * verify.c - jet_verifier_verify: one token, one decision.
 *
 * Order of the checks, cheapest and most decisive first:
 *   1. length (max_token_len), before anything is hashed or decoded;
 *   2. the cache, by SHA-256 of the token: a hit still checks exp against
 *      the clock, the issuer's key-set epoch, revocation and the
 *      certificate binding;
 *   3. jet_jws_parse: three canonical base64url parts, strict JSON, no
 *      key-carrying or critical headers;
 *   4. "iss" selects the issuer, exactly; "typ" must suit its profile; the
 *      header's alg must be in its allow-list;
 *   5. "kid" selects the key within that issuer's current key set (no kid:
 *      only a set of exactly one key of the header's algorithm); an
 *      unknown kid may start a refresh (JET_AGAIN);
 *   6. the signature, with the key's own algorithm (jet_jws_verify);
 *   7. the claims (claims.c), revocation, then the binding.
 * Only a token that passed 1-7 enters the cache.
 */
#include <string.h>

#include "token_int.h"

static bool
binding_ok(const struct jet_principal *p, const char *peer)
{
	if (p->cnf_x5t[0] == '\0')
		return true;
	if (peer == NULL || strnlen(peer, 44) != 43)
		return false;
	return jet_ct_equal(peer, p->cnf_x5t, 43);
}

static bool
revoked(struct jet_verifier *v, const struct jet_principal *p)
{
	return p->jti[0] != '\0' && token_revset_has(v->revoked, p->jti, strlen(p->jti));
}

static struct token_issuer *
issuer_of(struct jet_verifier *v, const json_t *payload)
{
	const json_t *iss = json_object_get(payload, "iss");
	size_t len;

	if (!json_is_string(iss))
		return NULL;
	len = json_string_length(iss);
	for (size_t i = 0; i < v->niss; i++)
		if (strlen(v->iss[i].iss) == len &&
			memcmp(v->iss[i].iss, json_string_value(iss), len) == 0)
			return &v->iss[i];
	return NULL;
}

/* Selects the key; NULL with *rc and *why set when there is none. */
static const struct jet_jwk *
select_key(struct token_issuer *is, const struct token_keyset *ks, const struct jet_jws *jws,
	int *rc, const char **why)
{
	const struct jet_jwk *k;

	if (jws->kid != NULL) {
		k = jet_jwks_find(&ks->jwks, jws->kid, strlen(jws->kid));
		if (k == NULL) {
			*rc = token_unknown_kid(is);
			*why = *rc == JET_AGAIN ? "key set refresh started" : "unknown key";
		}
		return k;
	}
	/* No kid: only when the choice is not a choice. */
	if (ks->jwks.n == 1 && ks->jwks.keys[0]->alg == jws->alg)
		return ks->jwks.keys[0];
	*rc = JET_EPERM;
	*why = "kid missing";
	return NULL;
}

/* Steps 3-7 for a token not in the cache. */
static int
verify_full(struct jet_verifier *v, const char *token, size_t len, const uint8_t hash[32],
	const struct jet_verify_ctx *ctx, int64_t now, struct jet_principal *out,
	const char **why)
{
	struct jet_jws jws;
	struct token_issuer *is;
	struct token_keyset *ks = NULL;
	const struct jet_jwk *key;
	struct token_limits lim;
	struct token_cache_val cv;
	char err[128];
	int rc = JET_EPERM;

	if ((rc = jet_jws_parse(token, len, v->conf.max_token_len, &jws, err, sizeof(err))) !=
		JET_OK) {
		/* lib/jose folds allocation failures into JET_EINVAL; its reason
		 * tells them apart, and they must not read as a bad token. */
		if (strstr(err, "out of memory") != NULL) {
			*why = "out of memory";
			return JET_ENOMEM;
		}
		*why = rc == JET_ETOOBIG ? "token too large" : "malformed token";
		return JET_EPERM;
	}
	rc = JET_EPERM;
	if ((is = issuer_of(v, jws.payload)) == NULL) {
		*why = "unknown issuer";
		goto out;
	}
	if ((*why = token_check_typ(is, jws.typ)) != NULL)
		goto out;
	if (!jet_jws_alg_asymmetric(jws.alg) || (is->algs & (1u << jws.alg)) == 0) {
		*why = "algorithm not allowed";
		goto out;
	}
	ks = token_issuer_keys(is);
	if ((key = select_key(is, ks, &jws, &rc, why)) == NULL)
		goto out;
	if (jet_jws_verify(&jws, key) != JET_OK) {
		*why = "bad signature";
		goto out;
	}
	lim.now = now;
	lim.leeway = (int64_t)v->conf.leeway_s;
	lim.max_lifetime = (int64_t)v->conf.max_lifetime_s;
	if ((*why = token_check_claims(is, jws.payload, &lim, &cv.p)) != NULL)
		goto out;
	if (revoked(v, &cv.p)) {
		*why = "revoked";
		goto out;
	}
	if (v->cache != NULL) {
		cv.epoch = ks->epoch;
		token_cache_put(v->cache, hash, &cv);
	}
	if (!binding_ok(&cv.p, ctx->peer_x5t)) {
		*why = "certificate binding";
		goto out;
	}
	memcpy(out, &cv.p, sizeof(*out));
	rc = JET_OK;
out:
	token_keyset_unref(ks);
	jet_jws_cleanup(&jws);
	return rc;
}

/* A cache hit: JET_OK, JET_EPERM, or JET_ENOTFOUND to verify afresh. */
static int
verify_cached(struct jet_verifier *v, const uint8_t hash[32], const struct jet_verify_ctx *ctx,
	int64_t now, struct jet_principal *out, const char **why)
{
	struct token_cache_val cv;
	struct token_issuer *is;

	if (!token_cache_get(v->cache, hash, &cv))
		return JET_ENOTFOUND;
	is = &v->iss[cv.p.issuer];
	if (cv.epoch != atomic_load(&is->epoch)) {
		/* The issuer's keys changed since: the key that signed this one
		 * may be gone. */
		token_cache_del(v->cache, hash);
		return JET_ENOTFOUND;
	}
	if (!(cv.p.exp > now - (int64_t)v->conf.leeway_s)) {
		token_cache_del(v->cache, hash);
		*why = "expired";
		return JET_EPERM;
	}
	if (revoked(v, &cv.p)) {
		token_cache_del(v->cache, hash);
		*why = "revoked";
		return JET_EPERM;
	}
	if (!binding_ok(&cv.p, ctx->peer_x5t)) {
		*why = "certificate binding";
		return JET_EPERM;
	}
	memcpy(out, &cv.p, sizeof(*out));
	return JET_OK;
}

int
jet_verifier_verify(struct jet_verifier *v, const char *token, size_t len,
	const struct jet_verify_ctx *ctx, struct jet_principal *out, const char **why)
{
	static const struct jet_verify_ctx none = { NULL, 0 };
	const char *reason = NULL;
	uint8_t hash[32];
	int64_t now;
	int rc;

	if (why != NULL)
		*why = NULL;
	if (v == NULL || out == NULL)
		return JET_EINVAL;
	memset(out, 0, sizeof(*out));
	if (ctx == NULL)
		ctx = &none;
	now = ctx->now != 0 ? ctx->now : (int64_t)(jet_wall_ms() / 1000);
	if (token == NULL || len == 0) {
		reason = "token missing";
		rc = JET_EPERM;
		goto done;
	}
	if (len > v->conf.max_token_len) {
		reason = "token too large";
		rc = JET_EPERM;
		goto done;
	}
	if (token_sha256(v, token, len, hash) != JET_OK) {
		reason = "out of memory";
		rc = JET_ENOMEM;
		goto done;
	}
	rc = JET_ENOTFOUND;
	if (v->cache != NULL) {
		rc = verify_cached(v, hash, ctx, now, out, &reason);
		atomic_fetch_add(rc == JET_ENOTFOUND ? &v->cache_misses : &v->cache_hits, 1);
	}
	if (rc == JET_ENOTFOUND)
		rc = verify_full(v, token, len, hash, ctx, now, out, &reason);
done:
	if (rc == JET_OK) {
		atomic_fetch_add(&v->verified, 1);
	} else {
		memset(out, 0, sizeof(*out));
		if (rc == JET_EPERM)
			atomic_fetch_add(&v->rejected, 1);
		if (why != NULL)
			*why = reason;
	}
	return rc;
}
