/*
 * fuzz_token.c - libFuzzer driver for lib/token: jet_verifier_verify over
 * a verifier with inline JWKS (a Jetstream issuer, and an Okta-profile
 * issuer reading groups), so everything from the length check through the
 * claim mapping is reached.  The first input byte picks what the rest is:
 *   0  the token itself (any bytes);
 *   1  the payload: signed with the Jetstream issuer's key under a fixed
 *      valid header, so the claim checks see arbitrary JSON (or non-JSON)
 *      behind a good signature;
 *   2  header "\n" payload: both arbitrary, really signed;
 *   3  as 1 with the Okta issuer's key and typ "JWT".
 * Bit 2 of the first byte presents a client certificate thumbprint.
 * Invariants checked (abort() on violation):
 *  - no crash, leak or undefined behaviour (ASan/UBSan build);
 *  - the result is JET_OK or JET_EPERM (never JET_AGAIN: the keys are
 *    inline); a refusal carries one of the fixed reasons, never input
 *    text, and leaves *out zeroed;
 *  - an accepted principal is well-formed: every string NUL-terminated in
 *    its field, at most 64 grants, each on a valid building id with a real
 *    role, a scope of single-space-separated tokens, a 43-character
 *    thumbprint or none, exp in the future (within leeway), and the
 *    certificate binding honoured;
 *  - verifying the same bytes again gives the same answer (the cache
 *    agrees with the full check).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jet/jose.h"
#include "jet/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000LL
#define X5T "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"

static const char *const reasons[] = {
	"token missing", "token too large", "malformed token", "unknown issuer",
	"wrong token type", "algorithm not allowed", "unknown key", "kid missing",
	"bad signature", "revoked", "certificate binding", "expired", "out of memory",
	"wrong audience", "exp missing or invalid", "nbf invalid", "not yet valid",
	"iat invalid", "issued in the future", "exp not after iat", "lifetime too long",
	"sub missing or invalid", "jti missing or invalid", "client_id missing or invalid",
	"invalid scope", "scope too long", "too many grants", "invalid buildings claim",
	"invalid building id", "invalid role", "invalid groups claim", "too many groups",
	"unsupported confirmation",
};

static struct jet_verifier *v;
static struct jet_jwk *key_js, *key_okta;

static char *
jwks_of(struct jet_jwk *k)
{
	json_t *doc = json_pack("{s:[o]}", "keys", jet_jwk_public_json(k));
	char *s = json_dumps(doc, JSON_COMPACT);

	json_decref(doc);
	return s;
}

static void
init(void)
{
	static struct jet_issuer_conf ic[2];
	struct jet_verifier_conf conf;
	char err[256];
	char *j1, *j2;

	if (jet_jwk_generate(JET_JWS_ES256, "k1", &key_js) != JET_OK ||
		jet_jwk_generate(JET_JWS_ES256, "okta-1", &key_okta) != JET_OK)
		abort();
	j1 = jwks_of(key_js);
	j2 = jwks_of(key_okta);
	ic[0].issuer = "https://auth.jetstream.test";
	ic[0].audience = "jetstream-api";
	ic[0].jwks_json = j1;
	ic[0].profile = JET_PROFILE_JETSTREAM;
	ic[1].issuer = "https://example.okta.com";
	ic[1].audience = "api://jetstream";
	ic[1].jwks_json = j2;
	ic[1].profile = JET_PROFILE_OKTA;
	ic[1].groups_claim = "groups";
	jet_verifier_conf_default(&conf);
	conf.issuers = ic;
	conf.nissuers = 2;
	conf.cache_entries = 64;
	if (jet_verifier_new(&conf, &v, err, sizeof(err)) != JET_OK)
		abort();
	jet_verifier_revoke(v, "revoked-jti", (int64_t)(jet_wall_ms() / 1000) + 86400 * 365);
	free(j1); /* copied: the keys were parsed in jet_verifier_new */
	free(j2);
}

static void
check_reason(const char *why)
{
	if (why == NULL)
		abort();
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(why, reasons[i]) == 0)
			return;
	abort();
}

static void
check_cstr(const char *s, size_t cap, bool nonempty)
{
	size_t n = strnlen(s, cap);

	if (n == cap || (nonempty && n == 0))
		abort();
}

static bool
building_ok(const char *b)
{
	size_t n = strlen(b);

	if (n == 1 && b[0] == '*')
		return true;
	if (n == 0 || n > JET_BUILDING_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-",
			    b[i]) == NULL)
			return false;
	return true;
}

static void
check_principal(const struct jet_principal *p, const char *peer)
{
	size_t n;

	check_cstr(p->iss, sizeof(p->iss), true);
	check_cstr(p->sub, sizeof(p->sub), true);
	check_cstr(p->client_id, sizeof(p->client_id), true);
	check_cstr(p->jti, sizeof(p->jti), false);
	check_cstr(p->scope, sizeof(p->scope), false);
	check_cstr(p->cnf_x5t, sizeof(p->cnf_x5t), false);
	if (p->ngrants > JET_PRINCIPAL_MAX_GRANTS || p->issuer < 0 || p->issuer > 1)
		abort();
	for (size_t i = 0; i < p->ngrants; i++) {
		check_cstr(p->grants[i].building, sizeof(p->grants[i].building), true);
		if (!building_ok(p->grants[i].building) || jet_role_name(p->grants[i].role) == NULL)
			abort();
	}
	n = strlen(p->scope);
	if (n > 0 && (p->scope[0] == ' ' || p->scope[n - 1] == ' ' || strstr(p->scope, "  ")))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p->scope[i] < 0x20 || (unsigned char)p->scope[i] > 0x7e ||
			p->scope[i] == '"' || p->scope[i] == '\\')
			abort();
	if (p->cnf_x5t[0] != '\0' && (strlen(p->cnf_x5t) != 43 || peer == NULL ||
					   strcmp(peer, p->cnf_x5t) != 0))
		abort();
	if (!(p->exp > NOW - 60) || strcmp(p->jti, "revoked-jti") == 0)
		abort();
}

/* b64url(header) "." b64url(payload), signed by k; NULL when too large. */
static char *
sign(const struct jet_jwk *k, const void *h, size_t hlen, const void *p, size_t plen,
	size_t *outlen)
{
	struct jet_buf b;
	uint8_t sig[JET_JWS_SIG_MAX];
	size_t siglen;
	char *out = NULL;

	jet_buf_init(&b, 64 * 1024);
	if (jet_b64url_encode_buf(&b, h, hlen) != JET_OK || jet_buf_append(&b, ".", 1) != JET_OK ||
		jet_b64url_encode_buf(&b, p, plen) != JET_OK ||
		jet_sig_sign(k->alg, k->pkey, b.data, b.len, sig, sizeof(sig), &siglen) != JET_OK ||
		jet_buf_append(&b, ".", 1) != JET_OK ||
		jet_b64url_encode_buf(&b, sig, siglen) != JET_OK)
		goto out;
	if ((out = malloc(b.len)) == NULL)
		goto out;
	memcpy(out, b.data, b.len);
	*outlen = b.len;
out:
	jet_buf_cleanup(&b);
	return out;
}

static void
verify(const char *tok, size_t len, const char *peer)
{
	struct jet_verify_ctx ctx = { peer, NOW };
	struct jet_principal p, again;
	const char *why = NULL, *why2 = NULL;
	int rc, rc2;

	rc = jet_verifier_verify(v, tok, len, &ctx, &p, &why);
	if (rc == JET_OK) {
		check_principal(&p, peer);
	} else {
		static const struct jet_principal zero;

		if (rc != JET_EPERM || memcmp(&p, &zero, sizeof(p)) != 0)
			abort();
		check_reason(why);
	}
	rc2 = jet_verifier_verify(v, tok, len, &ctx, &again, &why2);
	if (rc2 != rc || (rc == JET_OK && memcmp(&p, &again, sizeof(p)) != 0) ||
		(rc != JET_OK && strcmp(why, why2) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char hdr_js[] = "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}";
	static const char hdr_okta[] = "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"okta-1\"}";
	const char *peer;
	char *tok = NULL;
	size_t len = 0;

	if (v == NULL)
		init();
	if (size == 0)
		return 0;
	peer = (data[0] & 4) ? X5T : NULL;
	switch (data[0] & 3) {
	case 0:
		/* An exact-size heap copy, so any overread is seen. */
		if ((tok = malloc(size > 1 ? size - 1 : 1)) == NULL)
			return 0;
		memcpy(tok, data + 1, size - 1);
		len = size - 1;
		break;
	case 1:
		tok = sign(key_js, hdr_js, sizeof(hdr_js) - 1, data + 1, size - 1, &len);
		break;
	case 2: {
		const uint8_t *nl = memchr(data + 1, '\n', size - 1);
		size_t hlen = nl != NULL ? (size_t)(nl - data - 1) : size - 1;

		tok = sign(key_js, data + 1, hlen, nl != NULL ? nl + 1 : data + size,
			nl != NULL ? size - 2 - hlen : 0, &len);
		break;
	}
	case 3:
		tok = sign(key_okta, hdr_okta, sizeof(hdr_okta) - 1, data + 1, size - 1, &len);
		break;
	}
	if (tok != NULL)
		verify(tok, len, peer);
	free(tok);
	return 0;
}
