/*
 * claims.c - what the claims of a signed access token must be, and how
 * they become a struct jet_principal (RFC 7519 §4.1, RFC 9068 §2.2 and
 * §4, RFC 8705 §3.1).
 *
 * Runs after the signature verified: the claims come from the issuer, but
 * they are still checked as if hostile, because an issuer's bug must not
 * become a buffer overflow or a silently widened grant here.  Everything
 * is all-or-nothing: a claim that does not fit (too long, wrong type,
 * unknown role, too many grants) refuses the token; nothing is truncated or
 * skipped, except group names that are not Jetstream grants at all.
 *
 * Numbers (NumericDate) are integers or reals in [0, 2^53]; a real exp is
 * rounded down and a real nbf or iat up, so that rounding never extends a
 * token's life.
 */
#include <math.h>
#include <string.h>

#include "token_int.h"

bool
token_building_valid(const char *s, size_t len)
{
	if (len == 1 && s[0] == '*')
		return true;
	if (len == 0 || len > JET_BUILDING_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			    c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* RFC 9068 §2.1 / RFC 7515 §4.1.9: "at+jwt", the "application/" prefix may
 * be present, media types compare case-insensitively. */
static bool
typ_is_at_jwt(const char *typ)
{
	struct jet_str t = jet_str_from_cstr(typ);

	return jet_str_caseeq_cstr(t, "at+jwt") || jet_str_caseeq_cstr(t, "application/at+jwt");
}

const char *
token_check_typ(const struct token_issuer *is, const char *typ)
{
	switch (is->profile) {
	case JET_PROFILE_JETSTREAM:
		/* Absent or "JWT" is an ID token or an assertion: not for us. */
		return typ != NULL && typ_is_at_jwt(typ) ? NULL : "wrong token type";
	case JET_PROFILE_GENERIC:
		return typ == NULL || typ_is_at_jwt(typ) ? NULL : "wrong token type";
	case JET_PROFILE_OKTA:
		return NULL; /* Okta sends "JWT" or nothing */
	}
	return "wrong token type";
}

/* ------------------------------------------------------------------------
 * Scalars
 * --------------------------------------------------------------------- */

/* A NumericDate: JET_OK, JET_ENOTFOUND (absent) or JET_EINVAL. */
static int
num_claim(const json_t *payload, const char *name, bool round_up, int64_t *out)
{
	const json_t *v = json_object_get(payload, name);

	if (v == NULL)
		return JET_ENOTFOUND;
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < 0 || i > TOKEN_NUM_MAX)
			return JET_EINVAL;
		*out = (int64_t)i;
		return JET_OK;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);

		if (!isfinite(d) || d < 0 || d > (double)TOKEN_NUM_MAX)
			return JET_EINVAL;
		*out = (int64_t)(round_up ? ceil(d) : floor(d));
		return JET_OK;
	}
	return JET_EINVAL;
}

/* Text that ends up in logs and records: no control characters. */
static bool
text_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* A string claim copied into dst (never truncated).  JET_OK, JET_ENOTFOUND
 * (absent) or JET_EINVAL (not a non-empty string of printable text, or
 * longer than dst holds). */
static int
str_claim(const json_t *v, char *dst, size_t dstlen)
{
	size_t len;

	if (v == NULL)
		return JET_ENOTFOUND;
	if (!json_is_string(v))
		return JET_EINVAL;
	len = json_string_length(v);
	if (len == 0 || len >= dstlen || !text_ok(json_string_value(v), len))
		return JET_EINVAL;
	memcpy(dst, json_string_value(v), len);
	dst[len] = '\0';
	return JET_OK;
}

/* "aud": a string, or an array of 1..TOKEN_MAX_AUD strings, one of which
 * is the audience exactly.  Any other shape is refused even when the
 * audience appears inside it: a verifier that searched nested values would
 * accept what the issuer never meant. */
static bool
aud_ok(const json_t *aud, const char *want)
{
	size_t wlen = strlen(want), i, n;
	const json_t *e;
	bool found = false;

	if (json_is_string(aud))
		return json_string_length(aud) == wlen &&
			memcmp(json_string_value(aud), want, wlen) == 0;
	if (!json_is_array(aud) || (n = json_array_size(aud)) == 0 || n > TOKEN_MAX_AUD)
		return false;
	json_array_foreach(aud, i, e) {
		if (!json_is_string(e))
			return false;
		if (json_string_length(e) == wlen && memcmp(json_string_value(e), want, wlen) == 0)
			found = true;
	}
	return found;
}

/* ------------------------------------------------------------------------
 * Scope
 * --------------------------------------------------------------------- */

/* RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E. */
static bool
scope_token_ok(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x21 || c > 0x7e || c == 0x22 || c == 0x5c)
			return false;
	}
	return true;
}

/* Appends one scope token to p->scope with a single space between tokens. */
static const char *
scope_add(struct jet_principal *p, size_t *len, const char *s, size_t n)
{
	size_t need = n + (*len > 0 ? 1 : 0);

	if (!scope_token_ok(s, n))
		return "invalid scope";
	if (*len + need + 1 > sizeof(p->scope))
		return "scope too long";
	if (*len > 0)
		p->scope[(*len)++] = ' ';
	memcpy(p->scope + *len, s, n);
	*len += n;
	p->scope[*len] = '\0';
	return NULL;
}

/* A space-separated scope string; runs of spaces are tolerated and
 * normalised to one. */
static const char *
scope_from_string(struct jet_principal *p, const json_t *v)
{
	const char *s, *end, *why;
	size_t len = 0;

	if (!json_is_string(v))
		return "invalid scope";
	s = json_string_value(v);
	end = s + json_string_length(v);
	while (s < end) {
		const char *w = s;

		while (w < end && *w != ' ')
			w++;
		if (w > s && (why = scope_add(p, &len, s, (size_t)(w - s))) != NULL)
			return why;
		s = w + 1;
	}
	return NULL;
}

/* Okta's "scp": an array of scope tokens. */
static const char *
scope_from_array(struct jet_principal *p, const json_t *v)
{
	const json_t *e;
	const char *why;
	size_t i, len = 0;

	if (json_array_size(v) > TOKEN_MAX_SCP)
		return "invalid scope";
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			return "invalid scope";
		if ((why = scope_add(p, &len, json_string_value(e), json_string_length(e))) != NULL)
			return why;
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * Grants
 * --------------------------------------------------------------------- */

static const char *
grant_add(struct jet_principal *p, const char *b, size_t blen, enum jet_role role)
{
	struct jet_grant *g;

	if (p->ngrants >= JET_PRINCIPAL_MAX_GRANTS)
		return "too many grants";
	g = &p->grants[p->ngrants++];
	memcpy(g->building, b, blen);
	g->building[blen] = '\0';
	g->role = role;
	return NULL;
}

/* {"building": "role", ...}: every key a building id, every value a role
 * name.  An unknown role refuses the token: guessing what it meant would
 * grant either too much or, silently, nothing. */
static const char *
grants_from_object(struct jet_principal *p, const json_t *obj)
{
	const char *key, *why;
	const json_t *val;

	if (!json_is_object(obj))
		return "invalid buildings claim";
	json_object_foreach((json_t *)obj, key, val) {
		size_t klen = strlen(key);
		enum jet_role role;

		if (!token_building_valid(key, klen))
			return "invalid building id";
		if (!json_is_string(val))
			return "invalid role";
		role = jet_role_parse(json_string_value(val), json_string_length(val));
		if (role == JET_ROLE_NONE)
			return "invalid role";
		if ((why = grant_add(p, key, klen, role)) != NULL)
			return why;
	}
	return NULL;
}

/* ["<prefix><building>:<role>", ...]: groups of that shape grant the role;
 * every other group (another application's, or one whose building or role
 * does not parse) is ignored, since an identity provider's groups serve
 * many applications. */
static const char *
grants_from_groups(struct jet_principal *p, const json_t *arr, const char *prefix)
{
	size_t plen = strlen(prefix), i;
	const json_t *e;
	const char *why;

	if (!json_is_array(arr))
		return "invalid groups claim";
	if (json_array_size(arr) > TOKEN_MAX_GROUPS)
		return "too many groups";
	json_array_foreach(arr, i, e) {
		const char *s, *colon;
		size_t len, blen;
		enum jet_role role;

		if (!json_is_string(e))
			return "invalid groups claim";
		s = json_string_value(e);
		len = json_string_length(e);
		if (len <= plen || memcmp(s, prefix, plen) != 0)
			continue;
		s += plen;
		len -= plen;
		if ((colon = memchr(s, ':', len)) == NULL)
			continue;
		blen = (size_t)(colon - s);
		role = jet_role_parse(colon + 1, len - blen - 1);
		if (role == JET_ROLE_NONE || !token_building_valid(s, blen))
			continue;
		if ((why = grant_add(p, s, blen, role)) != NULL)
			return why;
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * The whole check
 * --------------------------------------------------------------------- */

static const char *
check_times(const json_t *payload, const struct token_limits *lim, struct jet_principal *p)
{
	int64_t exp, nbf, iat;
	int rc;

	if (num_claim(payload, "exp", false, &exp) != JET_OK)
		return "exp missing or invalid";
	if (!(exp > lim->now - lim->leeway))
		return "expired";
	if ((rc = num_claim(payload, "nbf", true, &nbf)) == JET_EINVAL)
		return "nbf invalid";
	if (rc == JET_OK && nbf > lim->now + lim->leeway)
		return "not yet valid";
	if ((rc = num_claim(payload, "iat", true, &iat)) == JET_EINVAL)
		return "iat invalid";
	if (rc == JET_OK) {
		if (iat > lim->now + lim->leeway)
			return "issued in the future";
		if (exp <= iat)
			return "exp not after iat";
		if (exp - iat > lim->max_lifetime)
			return "lifetime too long";
		p->iat = iat;
	} else if (exp - lim->now > lim->max_lifetime + lim->leeway) {
		/* Without iat the lifetime is measured from now. */
		return "lifetime too long";
	}
	p->exp = exp;
	return NULL;
}

/* cnf (RFC 8705 §3.1): {"x5t#S256": base64url SHA-256} and nothing else.
 * Another confirmation method (DPoP's "jkt", ...) is refused rather than
 * ignored: ignoring it would turn a bound token into a bearer token. */
static const char *
check_cnf(const json_t *cnf, struct jet_principal *p)
{
	const json_t *x;
	uint8_t raw[32];
	size_t rawlen;

	if (cnf == NULL)
		return NULL;
	if (!json_is_object(cnf) || json_object_size(cnf) != 1)
		return "unsupported confirmation";
	x = json_object_get(cnf, "x5t#S256");
	if (!json_is_string(x) || json_string_length(x) != 43 ||
		jet_b64url_decode(json_string_value(x), 43, raw, sizeof(raw), &rawlen) != JET_OK ||
		rawlen != 32)
		return "unsupported confirmation";
	memcpy(p->cnf_x5t, json_string_value(x), 43);
	p->cnf_x5t[43] = '\0';
	return NULL;
}

const char *
token_check_claims(const struct token_issuer *is, const json_t *payload,
	const struct token_limits *lim, struct jet_principal *p)
{
	const json_t *v;
	const char *why, *bclaim;
	int rc;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(payload))
		return "malformed token";
	/* The caller matched iss against is->iss exactly. */
	if (str_claim(json_object_get(payload, "iss"), p->iss, sizeof(p->iss)) != JET_OK)
		return "unknown issuer";
	if (!aud_ok(json_object_get(payload, "aud"), is->aud))
		return "wrong audience";
	if ((why = check_times(payload, lim, p)) != NULL)
		return why;
	if (str_claim(json_object_get(payload, "sub"), p->sub, sizeof(p->sub)) != JET_OK)
		return "sub missing or invalid";

	/* jti: RFC 9068 requires it, and revocation needs it. */
	rc = str_claim(json_object_get(payload, "jti"), p->jti, sizeof(p->jti));
	if (rc == JET_EINVAL || (rc == JET_ENOTFOUND && is->profile == JET_PROFILE_JETSTREAM))
		return "jti missing or invalid";

	/* client_id (Okta: cid, falling back to client_id). */
	v = NULL;
	if (is->profile == JET_PROFILE_OKTA)
		v = json_object_get(payload, "cid");
	if (v == NULL)
		v = json_object_get(payload, "client_id");
	if (str_claim(v, p->client_id, sizeof(p->client_id)) != JET_OK)
		return "client_id missing or invalid";

	/* scope (Okta: scp array, falling back to a scope string). */
	v = is->profile == JET_PROFILE_OKTA ? json_object_get(payload, "scp") : NULL;
	if (v != NULL) {
		if (!json_is_array(v))
			return "invalid scope";
		if ((why = scope_from_array(p, v)) != NULL)
			return why;
	} else if ((v = json_object_get(payload, "scope")) != NULL &&
		(why = scope_from_string(p, v)) != NULL) {
		return why;
	}

	/* Grants: the buildings object, then groups. */
	bclaim = is->buildings_claim;
	if (bclaim != NULL && (v = json_object_get(payload, bclaim)) != NULL &&
		(why = grants_from_object(p, v)) != NULL)
		return why;
	if (is->groups_claim != NULL && (v = json_object_get(payload, is->groups_claim)) != NULL &&
		(why = grants_from_groups(p, v, is->group_prefix)) != NULL)
		return why;

	if ((why = check_cnf(json_object_get(payload, "cnf"), p)) != NULL)
		return why;
	p->issuer = is->index;
	return NULL;
}
