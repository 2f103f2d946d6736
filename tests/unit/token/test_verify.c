/*
 * test_verify.c - the verifier's rules, one by one, with real signatures:
 * each profile's happy path and claim mapping, every time rule at its
 * bound and one past it, audience shapes, typ variants, issuer and key
 * selection, size limits of every copied claim, grants, scopes and the
 * configuration checks of jet_verifier_new.
 */
#include "jet/log.h"
#include "jet/tls.h"
#include "tokentest.h"

struct fx {
	struct jet_jwk *k;
	char *jwks;
	struct jet_issuer_conf ic;
	struct jet_verifier *v;
};

static struct jet_jwk *es_key; /* shared: generated once */

static int
group_setup(void **state)
{
	char err[128];

	(void)state;
	/* test_config_uris starts fetches that fail on purpose. */
	jet_log_open("off", "off", JET_LOG_ERROR, err, sizeof(err));
	es_key = tt_key(JET_JWS_ES256, "k1");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	jet_jwk_free(es_key);
	jet_log_close();
	return 0;
}

static void
fx_start(struct fx *f, enum jet_token_profile profile)
{
	memset(f, 0, sizeof(*f));
	f->k = es_key;
	f->jwks = tt_jwks(&f->k, 1);
	tt_issuer(&f->ic, f->jwks, profile);
}

static void
fx_verifier(struct fx *f)
{
	f->v = tt_verifier(&f->ic);
}

static void
fx_stop(struct fx *f)
{
	jet_verifier_free(f->v);
	free(f->jwks);
}

/* Signs c (consumed) with typ and returns the verifier's reason, "" when
 * accepted. */
static const char *
why_claims(struct fx *f, json_t *c, const char *typ)
{
	char *t = tt_sign(f->k, typ, c);
	const char *why = tt_why(f->v, t);

	free(t);
	json_decref(c);
	return why;
}

/* Signs c (consumed). */
static char *
sign_c(struct fx *f, const char *typ, json_t *c)
{
	char *t = tt_sign(f->k, typ, c);

	json_decref(c);
	return t;
}

static json_t *
with(json_t *c, const char *name, json_t *val)
{
	assert_int_equal(json_object_set_new(c, name, val), 0);
	return c;
}

static json_t *
without(json_t *c, const char *name)
{
	json_object_del(c, name);
	return c;
}

static json_t *
str_of(char ch, size_t n)
{
	char *s = malloc(n + 1);
	json_t *j;

	assert_non_null(s);
	memset(s, ch, n);
	s[n] = '\0';
	j = json_string(s);
	free(s);
	return j;
}

/* ------------------------------------------------------------------------
 * Happy paths and mapping
 * --------------------------------------------------------------------- */

static void
test_jetstream_happy(void **state)
{
	struct fx f;
	struct jet_principal p;
	const char *why = "x";
	char *t;
	json_t *c;

	(void)state;
	fx_start(&f, JET_PROFILE_JETSTREAM);
	fx_verifier(&f);
	c = tt_claims();
	with(c, "scope", json_string("  points:read   commands:write "));
	with(c, "cnf", json_pack("{s:s}", "x5t#S256", TT_X5T));
	t = tt_sign(f.k, "at+jwt", c);
	assert_int_equal(tt_verify_at(f.v, t, TT_X5T, TT_NOW, &p, &why), JET_OK);
	assert_null(why);
	assert_string_equal(p.iss, TT_ISS);
	assert_string_equal(p.sub, "client-1");
	assert_string_equal(p.client_id, "client-1");
	assert_string_equal(p.jti, "jti-0001");
	assert_string_equal(p.scope, "points:read commands:write");
	assert_string_equal(p.cnf_x5t, TT_X5T);
	assert_int_equal(p.exp, TT_NOW + 600);
	assert_int_equal(p.iat, TT_NOW);
	assert_int_equal(p.issuer, 0);
	assert_int_equal(p.ngrants, 2);
	assert_int_equal(jet_principal_role(&p, "hq-1"), JET_ROLE_OPERATOR);
	assert_int_equal(jet_principal_role(&p, "hq-9"), JET_ROLE_VIEWER);
	assert_true(jet_principal_has_scope(&p, "commands:write"));
	assert_int_equal(tt_stats(f.v).verified, 1);
	free(t);
	json_decref(c);
	fx_stop(&f);
}

static void
test_okta_mapping(void **state)
{
	struct fx f;
	struct jet_principal p;
	char *t;
	json_t *c;

	(void)state;
	fx_start(&f, JET_PROFILE_OKTA);
	f.ic.groups_claim = "groups";
	fx_verifier(&f);
	c = tt_claims();
	without(c, "client_id");
	without(c, "scope");
	without(c, "buildings"); /* OKTA: no buildings claim unless configured */
	with(c, "cid", json_string("0oa1okta"));
	with(c, "scp", json_pack("[s,s]", "points:read", "points:write"));
	with(c, "groups", json_pack("[s,s,s,s,s,s,s]", "Everyone", "jetstream:hq-1:integrator",
		"jetstream:hq-2:boss", "jetstream:bad id:viewer", "other:hq-3:admin",
		"jetstream:*:viewer", "jetstream:hq-4"));
	t = tt_sign(f.k, "JWT", c); /* Okta sends typ JWT */
	assert_int_equal(tt_verify_at(f.v, t, NULL, TT_NOW, &p, NULL), JET_OK);
	assert_string_equal(p.client_id, "0oa1okta");
	assert_string_equal(p.scope, "points:read points:write");
	assert_int_equal(p.ngrants, 2);
	assert_string_equal(p.grants[0].building, "hq-1");
	assert_int_equal(p.grants[0].role, JET_ROLE_INTEGRATOR);
	assert_string_equal(p.grants[1].building, "*");
	assert_int_equal(p.grants[1].role, JET_ROLE_VIEWER);
	free(t);

	/* No typ at all is fine for Okta too; the buildings claim in the
	 * token is ignored without buildings_claim. */
	with(c, "buildings", json_pack("{s:s}", "hq-9", "admin"));
	t = tt_sign(f.k, NULL, c);
	assert_int_equal(tt_verify_at(f.v, t, NULL, TT_NOW, &p, NULL), JET_OK);
	assert_int_equal(jet_principal_role(&p, "hq-9"), JET_ROLE_VIEWER);
	free(t);

	/* cid absent: client_id is the fallback; scp absent: scope. */
	without(c, "cid");
	with(c, "client_id", json_string("fallback-id"));
	without(c, "scp");
	with(c, "scope", json_string("admin"));
	t = tt_sign(f.k, "JWT", c);
	assert_int_equal(tt_verify_at(f.v, t, NULL, TT_NOW, &p, NULL), JET_OK);
	assert_string_equal(p.client_id, "fallback-id");
	assert_string_equal(p.scope, "admin");
	free(t);
	json_decref(c);

	/* Neither: refused. */
	c = without(without(tt_claims(), "client_id"), "buildings");
	assert_string_equal(why_claims(&f, c, "JWT"), "client_id missing or invalid");
	/* scp must be an array of single scope tokens. */
	c = with(tt_claims(), "scp", json_string("points:read"));
	assert_string_equal(why_claims(&f, c, "JWT"), "invalid scope");
	c = with(tt_claims(), "scp", json_pack("[s]", "points:read admin"));
	assert_string_equal(why_claims(&f, c, "JWT"), "invalid scope");
	c = with(tt_claims(), "scp", json_pack("[s,i]", "points:read", 1));
	assert_string_equal(why_claims(&f, c, "JWT"), "invalid scope");
	c = with(tt_claims(), "scp", json_pack("[]"));
	assert_string_equal(why_claims(&f, c, "JWT"), "");
	/* Groups: not an array, or a non-string member, refuses. */
	c = with(tt_claims(), "groups", json_string("jetstream:hq-1:admin"));
	assert_string_equal(why_claims(&f, c, "JWT"), "invalid groups claim");
	c = with(tt_claims(), "groups", json_pack("[s,{}]", "jetstream:hq-1:admin"));
	assert_string_equal(why_claims(&f, c, "JWT"), "invalid groups claim");
	/* jti is optional outside the Jetstream profile. */
	c = without(tt_claims(), "jti");
	assert_string_equal(why_claims(&f, c, "JWT"), "");
	fx_stop(&f);
}

static void
test_generic_mapping(void **state)
{
	struct fx f;
	struct jet_principal p;
	char *t;
	json_t *c;

	(void)state;
	fx_start(&f, JET_PROFILE_GENERIC);
	f.ic.buildings_claim = "https://jetstream.test/bldg";
	f.ic.groups_claim = "roles";
	f.ic.group_prefix = "js/";
	fx_verifier(&f);
	c = without(tt_claims(), "buildings");
	with(c, "https://jetstream.test/bldg", json_pack("{s:s}", "plant_7", "admin"));
	with(c, "roles", json_pack("[s,s]", "js/hq-1:operator", "jetstream:hq-2:admin"));
	with(c, "cid", json_string("ignored-outside-okta"));
	t = tt_sign(f.k, NULL, c); /* typ optional */
	assert_int_equal(tt_verify_at(f.v, t, NULL, TT_NOW, &p, NULL), JET_OK);
	assert_string_equal(p.client_id, "client-1");
	assert_int_equal(p.ngrants, 2);
	assert_int_equal(jet_principal_role(&p, "plant_7"), JET_ROLE_ADMIN);
	assert_int_equal(jet_principal_role(&p, "hq-1"), JET_ROLE_OPERATOR);
	assert_int_equal(jet_principal_role(&p, "hq-2"), JET_ROLE_NONE);
	free(t);
	t = tt_sign(f.k, "application/AT+JWT", c);
	assert_string_equal(tt_why(f.v, t), "");
	free(t);
	/* When present, typ must be at+jwt. */
	t = tt_sign(f.k, "JWT", c);
	assert_string_equal(tt_why(f.v, t), "wrong token type");
	free(t);
	json_decref(c);
	fx_stop(&f);
}

/* RS256 and EdDSA keys work the same way (the ES256 path is everywhere
 * else). */
static void
test_other_algorithms(void **state)
{
	struct jet_jwk *keys[2] = { tt_key(JET_JWS_RS256, "rsa-1"), tt_key(JET_JWS_EDDSA, "ed-1") };
	char *jwks = tt_jwks(keys, 2), *t;
	struct jet_issuer_conf ic;
	struct jet_verifier *v;

	(void)state;
	tt_issuer(&ic, jwks, JET_PROFILE_JETSTREAM);
	v = tt_verifier(&ic);
	for (size_t i = 0; i < 2; i++) {
		t = tt_token(keys[i]);
		assert_string_equal(tt_why(v, t), "");
		free(t);
	}
	jet_verifier_free(v);
	/* An allow-list without EdDSA: the EdDSA key is not even loaded, and
	 * its tokens are refused by algorithm. */
	ic.algs = 1u << JET_JWS_RS256;
	v = tt_verifier(&ic);
	t = tt_token(keys[1]);
	assert_string_equal(tt_why(v, t), "algorithm not allowed");
	free(t);
	t = tt_token(keys[0]);
	assert_string_equal(tt_why(v, t), "");
	free(t);
	jet_verifier_free(v);
	free(jwks);
	jet_jwk_free(keys[0]);
	jet_jwk_free(keys[1]);
}

/* ------------------------------------------------------------------------
 * Time
 * --------------------------------------------------------------------- */

static void
test_exp(void **state)
{
	struct fx f;

	(void)state;
	fx_start(&f, JET_PROFILE_JETSTREAM);
	fx_verifier(&f);
	/* Leeway 60: exp must be > now - 60. */
	assert_string_equal(why_claims(&f, with(without(tt_claims(), "iat"), "exp",
		json_integer(TT_NOW - 59)), "at+jwt"), "");
	assert_string_equal(why_claims(&f, with(without(tt_claims(), "iat"), "exp",
		json_integer(TT_NOW - 60)), "at+jwt"), "expired");
	assert_string_equal(why_claims(&f, with(without(tt_claims(), "iat"), "exp",
		json_integer(TT_NOW - 61)), "at+jwt"), "expired");
	/* Reals are NumericDates too; rounded down for exp. */
	assert_string_equal(why_claims(&f, with(tt_claims(), "exp", json_real(TT_NOW + 10.9)),
		"at+jwt"), "");
	assert_string_equal(why_claims(&f, with(without(tt_claims(), "iat"), "exp",
		json_real(TT_NOW - 59.5)), "at+jwt"), "expired");
	/* Required, numeric, in [0, 2^53]. */
	assert_string_equal(why_claims(&f, without(tt_claims(), "exp"), "at+jwt"),
		"exp missing or invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "exp", json_string("1700000600")),
		"at+jwt"), "exp missing or invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "exp", json_null()), "at+jwt"),
		"exp missing or invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "exp", json_true()), "at+jwt"),
		"exp missing or invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "exp", json_pack("[I]",
		(json_int_t)(TT_NOW + 600))), "at+jwt"), "exp missing or invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "exp", json_integer(-1)), "at+jwt"),
		"exp missing or invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "exp", json_real(-0.5)), "at+jwt"),
		"exp missing or invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "exp",
		json_integer(9007199254740993LL)), "at+jwt"), "exp missing or invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "exp", json_real(1e300)), "at+jwt"),
		"exp missing or invalid");
	/* 2^53 itself is a number; it fails on lifetime instead. */
	assert_string_equal(why_claims(&f, with(tt_claims(), "exp",
		json_integer(9007199254740992LL)), "at+jwt"), "lifetime too long");
	fx_stop(&f);
}

static void
test_nbf_iat(void **state)
{
	struct fx f;

	(void)state;
	fx_start(&f, JET_PROFILE_JETSTREAM);
	fx_verifier(&f);
	assert_string_equal(why_claims(&f, with(tt_claims(), "nbf", json_integer(TT_NOW + 60)),
		"at+jwt"), "");
	assert_string_equal(why_claims(&f, with(tt_claims(), "nbf", json_integer(TT_NOW + 61)),
		"at+jwt"), "not yet valid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "nbf", json_real(TT_NOW + 60.2)),
		"at+jwt"), "not yet valid"); /* rounded up */
	assert_string_equal(why_claims(&f, with(tt_claims(), "nbf", json_string("0")), "at+jwt"),
		"nbf invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "nbf", json_integer(-5)), "at+jwt"),
		"nbf invalid");
	assert_string_equal(why_claims(&f, without(tt_claims(), "nbf"), "at+jwt"), "");

	assert_string_equal(why_claims(&f, with(tt_claims(), "iat", json_integer(TT_NOW + 60)),
		"at+jwt"), "");
	assert_string_equal(why_claims(&f, with(tt_claims(), "iat", json_integer(TT_NOW + 61)),
		"at+jwt"), "issued in the future");
	assert_string_equal(why_claims(&f, with(tt_claims(), "iat", json_false()), "at+jwt"),
		"iat invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "iat",
		json_integer(9007199254740993LL)), "at+jwt"), "iat invalid");
	fx_stop(&f);
}

static void
test_lifetime(void **state)
{
	struct fx f;
	struct jet_verifier_conf conf;

	(void)state;
	fx_start(&f, JET_PROFILE_JETSTREAM);
	jet_verifier_conf_default(&conf);
	conf.issuers = &f.ic;
	conf.nissuers = 1;
	conf.max_lifetime_s = 3600;
	f.v = tt_verifier_conf(&conf);
	assert_string_equal(why_claims(&f, with(with(tt_claims(), "iat", json_integer(TT_NOW - 100)),
		"exp", json_integer(TT_NOW - 100 + 3600)), "at+jwt"), "");
	assert_string_equal(why_claims(&f, with(with(tt_claims(), "iat", json_integer(TT_NOW - 100)),
		"exp", json_integer(TT_NOW - 100 + 3601)), "at+jwt"), "lifetime too long");
	assert_string_equal(why_claims(&f, with(with(tt_claims(), "iat", json_integer(TT_NOW)),
		"exp", json_integer(TT_NOW)), "at+jwt"), "exp not after iat");
	/* Without iat, the lifetime counts from now (plus leeway). */
	assert_string_equal(why_claims(&f, with(without(tt_claims(), "iat"), "exp",
		json_integer(TT_NOW + 3600 + 60)), "at+jwt"), "");
	assert_string_equal(why_claims(&f, with(without(tt_claims(), "iat"), "exp",
		json_integer(TT_NOW + 3600 + 61)), "at+jwt"), "lifetime too long");
	fx_stop(&f);
}

/* ------------------------------------------------------------------------
 * Audience, type, issuer, key
 * --------------------------------------------------------------------- */

static void
test_audience(void **state)
{
	struct fx f;
	json_t *arr;

	(void)state;
	fx_start(&f, JET_PROFILE_JETSTREAM);
	fx_verifier(&f);
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", json_string(TT_AUD)), "at+jwt"),
		"");
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", json_string("other")),
		"at+jwt"), "wrong audience");
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", json_string(TT_AUD "x")),
		"at+jwt"), "wrong audience");
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", json_string("JETSTREAM-API")),
		"at+jwt"), "wrong audience");
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", json_string("")), "at+jwt"),
		"wrong audience");
	assert_string_equal(why_claims(&f, without(tt_claims(), "aud"), "at+jwt"), "wrong audience");
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", json_pack("[s,s]", "a", TT_AUD)),
		"at+jwt"), "");
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", json_pack("[s,s]", "a", "b")),
		"at+jwt"), "wrong audience");
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", json_pack("[]")), "at+jwt"),
		"wrong audience");
	/* Confusions: the audience inside something that is not a string or
	 * an array of strings. */
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", json_pack("{s:i}", TT_AUD, 1)),
		"at+jwt"), "wrong audience");
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", json_pack("{s:s}", "aud",
		TT_AUD)), "at+jwt"), "wrong audience");
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", json_pack("[[s]]", TT_AUD)),
		"at+jwt"), "wrong audience");
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", json_pack("[s,i]", TT_AUD, 1)),
		"at+jwt"), "wrong audience");
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", json_pack("[s,n]", TT_AUD)),
		"at+jwt"), "wrong audience");
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", json_integer(1)), "at+jwt"),
		"wrong audience");
	/* 16 entries at most. */
	arr = json_array();
	for (int i = 0; i < 15; i++)
		json_array_append_new(arr, json_string("other"));
	json_array_append_new(arr, json_string(TT_AUD));
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", json_deep_copy(arr)), "at+jwt"),
		"");
	json_array_insert_new(arr, 0, json_string("one-more"));
	assert_string_equal(why_claims(&f, with(tt_claims(), "aud", arr), "at+jwt"),
		"wrong audience");
	fx_stop(&f);
}

static void
test_typ(void **state)
{
	static const char *const good[] = { "at+jwt", "AT+JWT", "At+Jwt", "application/at+jwt",
		"APPLICATION/AT+JWT" };
	static const char *const bad[] = { "JWT", "jwt", "application/jwt", "at+jwt ",
		" at+jwt", "at+jwt;x=1", "id_token", "client-authentication+jwt", "",
		"application/at+jwt+x", "xapplication/at+jwt" };
	struct fx f;

	(void)state;
	fx_start(&f, JET_PROFILE_JETSTREAM);
	fx_verifier(&f);
	for (size_t i = 0; i < JET_ARRAY_LEN(good); i++)
		assert_string_equal(why_claims(&f, tt_claims(), good[i]), "");
	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++)
		assert_string_equal(why_claims(&f, tt_claims(), bad[i]), "wrong token type");
	assert_string_equal(why_claims(&f, tt_claims(), NULL), "wrong token type");
	fx_stop(&f);
}

static void
test_issuer(void **state)
{
	struct fx f;

	(void)state;
	fx_start(&f, JET_PROFILE_JETSTREAM);
	fx_verifier(&f);
	assert_string_equal(why_claims(&f, with(tt_claims(), "iss", json_string(TT_ISS "/")),
		"at+jwt"), "unknown issuer");
	assert_string_equal(why_claims(&f, with(tt_claims(), "iss",
		json_string("HTTPS://auth.jetstream.test")), "at+jwt"), "unknown issuer");
	assert_string_equal(why_claims(&f, with(tt_claims(), "iss", json_pack("[s]", TT_ISS)),
		"at+jwt"), "unknown issuer");
	assert_string_equal(why_claims(&f, without(tt_claims(), "iss"), "at+jwt"),
		"unknown issuer");
	fx_stop(&f);
}

/* Two issuers: each token is checked against its own issuer's keys, and
 * a key of one issuer does not sign for the other. */
static void
test_two_issuers(void **state)
{
	struct jet_jwk *k2 = tt_key(JET_JWS_ES256, "k1"); /* same kid, other issuer */
	char *jwks1 = tt_jwks(&es_key, 1), *jwks2 = tt_jwks(&k2, 1), *t;
	struct jet_issuer_conf ic[2];
	struct jet_verifier_conf conf;
	struct jet_verifier *v;
	struct jet_principal p;
	json_t *c;

	(void)state;
	tt_issuer(&ic[0], jwks1, JET_PROFILE_JETSTREAM);
	tt_issuer(&ic[1], jwks2, JET_PROFILE_OKTA);
	ic[1].issuer = "https://example.okta.com/oauth2/default";
	ic[1].audience = "api://jetstream";
	jet_verifier_conf_default(&conf);
	conf.issuers = ic;
	conf.nissuers = 2;
	v = tt_verifier_conf(&conf);
	c = tt_claims();
	with(c, "iss", json_string(ic[1].issuer));
	with(c, "aud", json_string(ic[1].audience));
	t = tt_sign(k2, "JWT", c);
	assert_int_equal(tt_verify_at(v, t, NULL, TT_NOW, &p, NULL), JET_OK);
	assert_int_equal(p.issuer, 1);
	free(t);
	/* Signed by issuer 0's key, claiming issuer 1. */
	t = tt_sign(es_key, "JWT", c);
	assert_string_equal(tt_why(v, t), "bad signature");
	free(t);
	json_decref(c);
	/* Issuer 1's audience is not issuer 0's. */
	c = with(tt_claims(), "aud", json_string("api://jetstream"));
	t = tt_sign(es_key, "at+jwt", c);
	assert_string_equal(tt_why(v, t), "wrong audience");
	free(t);
	json_decref(c);
	jet_verifier_free(v);
	free(jwks1);
	free(jwks2);
	jet_jwk_free(k2);
}

static void
test_keys(void **state)
{
	struct jet_jwk *k2 = tt_key(JET_JWS_ES256, "k2"), *unknown = tt_key(JET_JWS_ES256, "k9");
	struct jet_jwk *both[2] = { es_key, k2 };
	char *jwks1 = tt_jwks(&es_key, 1), *jwks2 = tt_jwks(both, 2), *t;
	struct jet_issuer_conf ic;
	struct jet_verifier *v;
	json_t *c = tt_claims();
	char *payload = tt_json(c);

	(void)state;
	/* Inline JWKS: an unknown kid is refused at once (nothing to fetch). */
	tt_issuer(&ic, jwks2, JET_PROFILE_JETSTREAM);
	v = tt_verifier(&ic);
	t = tt_token(unknown);
	assert_string_equal(tt_why(v, t), "unknown key");
	free(t);
	t = tt_token(k2);
	assert_string_equal(tt_why(v, t), "");
	free(t);
	/* No kid with two keys: no choosing. */
	t = tt_raw_signed(k2, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}", payload);
	assert_string_equal(tt_why(v, t), "kid missing");
	free(t);
	jet_verifier_free(v);

	/* No kid with exactly one key of that algorithm: that key. */
	tt_issuer(&ic, jwks1, JET_PROFILE_JETSTREAM);
	v = tt_verifier(&ic);
	t = tt_raw_signed(es_key, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}", payload);
	assert_string_equal(tt_why(v, t), "");
	free(t);
	t = tt_raw_signed(k2, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\"}", payload);
	assert_string_equal(tt_why(v, t), "bad signature");
	free(t);
	jet_verifier_free(v);
	free(payload);
	json_decref(c);
	free(jwks1);
	free(jwks2);
	jet_jwk_free(k2);
	jet_jwk_free(unknown);
}

/* ------------------------------------------------------------------------
 * Sizes, grants, scopes
 * --------------------------------------------------------------------- */

static void
test_string_limits(void **state)
{
	struct fx f;
	struct jet_principal p;
	char *t;

	(void)state;
	fx_start(&f, JET_PROFILE_JETSTREAM);
	fx_verifier(&f);
	/* Each copied claim: at its field's size, and one past it. */
	t = sign_c(&f, "at+jwt", with(with(with(tt_claims(), "sub", str_of('s', 255)), "client_id",
		str_of('c', 256)), "jti", str_of('j', 128)));
	assert_int_equal(tt_verify_at(f.v, t, NULL, TT_NOW, &p, NULL), JET_OK);
	assert_int_equal(strlen(p.sub), 255);
	assert_int_equal(strlen(p.client_id), 256);
	assert_int_equal(strlen(p.jti), 128);
	free(t);
	assert_string_equal(why_claims(&f, with(tt_claims(), "sub", str_of('s', 256)), "at+jwt"),
		"sub missing or invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "client_id", str_of('c', 257)),
		"at+jwt"), "client_id missing or invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "jti", str_of('j', 129)), "at+jwt"),
		"jti missing or invalid");
	/* Required, non-empty strings without control characters. */
	assert_string_equal(why_claims(&f, without(tt_claims(), "sub"), "at+jwt"),
		"sub missing or invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "sub", json_string("")), "at+jwt"),
		"sub missing or invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "sub", json_integer(7)), "at+jwt"),
		"sub missing or invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "sub", json_string("a\nb")), "at+jwt"),
		"sub missing or invalid");
	assert_string_equal(why_claims(&f, without(tt_claims(), "client_id"), "at+jwt"),
		"client_id missing or invalid");
	assert_string_equal(why_claims(&f, without(tt_claims(), "jti"), "at+jwt"),
		"jti missing or invalid");
	assert_string_equal(why_claims(&f, with(tt_claims(), "jti", json_integer(1)), "at+jwt"),
		"jti missing or invalid");
	fx_stop(&f);
}

static void
test_scope(void **state)
{
	struct fx f;
	struct jet_principal p;
	char long_scope[JET_SCOPE_MAX + 8], *t;

	(void)state;
	fx_start(&f, JET_PROFILE_JETSTREAM);
	fx_verifier(&f);
	/* 1023 characters fit (with the NUL), 1024 do not: made of words so the
	 * normalised form has the same length. */
	memset(long_scope, 'a', sizeof(long_scope));
	for (size_t i = 5; i < JET_SCOPE_MAX; i += 11)
		long_scope[i] = ' ';
	long_scope[JET_SCOPE_MAX - 1] = '\0';
	t = sign_c(&f, "at+jwt", with(tt_claims(), "scope", json_string(long_scope)));
	assert_int_equal(tt_verify_at(f.v, t, NULL, TT_NOW, &p, NULL), JET_OK);
	assert_int_equal(strlen(p.scope), JET_SCOPE_MAX - 1);
	free(t);
	long_scope[JET_SCOPE_MAX - 1] = 'b';
	long_scope[JET_SCOPE_MAX] = '\0';
	assert_string_equal(why_claims(&f, with(tt_claims(), "scope", json_string(long_scope)),
		"at+jwt"), "scope too long");
	/* RFC 6749 scope-token characters only. */
	assert_string_equal(why_claims(&f, with(tt_claims(), "scope", json_string("a \"b\"")),
		"at+jwt"), "invalid scope");
	assert_string_equal(why_claims(&f, with(tt_claims(), "scope", json_string("a\\b")),
		"at+jwt"), "invalid scope");
	assert_string_equal(why_claims(&f, with(tt_claims(), "scope", json_string("a\tb")),
		"at+jwt"), "invalid scope");
	assert_string_equal(why_claims(&f, with(tt_claims(), "scope", json_string("caf\xc3\xa9")),
		"at+jwt"), "invalid scope");
	assert_string_equal(why_claims(&f, with(tt_claims(), "scope", json_pack("[s]", "a")),
		"at+jwt"), "invalid scope");
	/* Absent or empty: no scope. */
	t = sign_c(&f, "at+jwt", without(tt_claims(), "scope"));
	assert_int_equal(tt_verify_at(f.v, t, NULL, TT_NOW, &p, NULL), JET_OK);
	assert_string_equal(p.scope, "");
	free(t);
	fx_stop(&f);
}

static json_t *
buildings(size_t n, const char *role)
{
	json_t *o = json_object();
	char id[32];

	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "b-%zu", i);
		json_object_set_new(o, id, json_string(role));
	}
	return o;
}

static void
test_grants(void **state)
{
	struct fx f;
	struct jet_principal p;
	char id64[65], *t;
	json_t *groups;

	(void)state;
	fx_start(&f, JET_PROFILE_JETSTREAM);
	f.ic.groups_claim = "groups";
	fx_verifier(&f);
	t = sign_c(&f, "at+jwt", with(tt_claims(), "buildings", buildings(64, "viewer")));
	assert_int_equal(tt_verify_at(f.v, t, NULL, TT_NOW, &p, NULL), JET_OK);
	assert_int_equal(p.ngrants, 64);
	assert_int_equal(jet_principal_role(&p, "b-63"), JET_ROLE_VIEWER);
	free(t);
	assert_string_equal(why_claims(&f, with(tt_claims(), "buildings", buildings(65, "viewer")),
		"at+jwt"), "too many grants");
	/* The bound covers buildings and groups together. */
	groups = json_pack("[s,s]", "jetstream:x-1:admin", "jetstream:x-2:admin");
	assert_string_equal(why_claims(&f, with(with(tt_claims(), "buildings", buildings(63,
		"viewer")), "groups", groups), "at+jwt"), "too many grants");
	/* Building ids. */
	memset(id64, 'a', 64);
	id64[64] = '\0';
	assert_string_equal(why_claims(&f, with(tt_claims(), "buildings", json_pack("{s:s}", id64,
		"admin")), "at+jwt"), "");
	id64[63] = '/';
	assert_string_equal(why_claims(&f, with(tt_claims(), "buildings", json_pack("{s:s}", id64,
		"admin")), "at+jwt"), "invalid building id");
	assert_string_equal(why_claims(&f, with(tt_claims(), "buildings", json_pack("{s:s}",
		"hq 1", "admin")), "at+jwt"), "invalid building id");
	assert_string_equal(why_claims(&f, with(tt_claims(), "buildings", json_pack("{s:s}", "",
		"admin")), "at+jwt"), "invalid building id");
	assert_string_equal(why_claims(&f, with(tt_claims(), "buildings", json_pack("{s:s}",
		"../x", "admin")), "at+jwt"), "invalid building id");
	assert_string_equal(why_claims(&f, with(tt_claims(), "buildings", json_pack("{s:s}", "**",
		"admin")), "at+jwt"), "invalid building id");
	{
		char id65[66];

		memset(id65, 'b', 65);
		id65[65] = '\0';
		assert_string_equal(why_claims(&f, with(tt_claims(), "buildings", json_pack("{s:s}",
			id65, "viewer")), "at+jwt"), "invalid building id");
	}
	/* Roles: exact names only; an unknown one refuses the token. */
	assert_string_equal(why_claims(&f, with(tt_claims(), "buildings", json_pack("{s:s}", "hq-1",
		"superuser")), "at+jwt"), "invalid role");
	assert_string_equal(why_claims(&f, with(tt_claims(), "buildings", json_pack("{s:s}", "hq-1",
		"Admin")), "at+jwt"), "invalid role");
	assert_string_equal(why_claims(&f, with(tt_claims(), "buildings", json_pack("{s:s}", "hq-1",
		"")), "at+jwt"), "invalid role");
	assert_string_equal(why_claims(&f, with(tt_claims(), "buildings", json_pack("{s:i}", "hq-1",
		4)), "at+jwt"), "invalid role");
	assert_string_equal(why_claims(&f, with(tt_claims(), "buildings", json_pack("{s:[s]}",
		"hq-1", "admin")), "at+jwt"), "invalid role");
	assert_string_equal(why_claims(&f, with(tt_claims(), "buildings", json_pack("[s]", "hq-1")),
		"at+jwt"), "invalid buildings claim");
	assert_string_equal(why_claims(&f, with(tt_claims(), "buildings", json_string("hq-1")),
		"at+jwt"), "invalid buildings claim");
	/* Groups beyond the bound are refused, not cut. */
	groups = json_array();
	for (int i = 0; i < 1024; i++)
		json_array_append_new(groups, json_string("E"));
	assert_string_equal(why_claims(&f, with(tt_claims(), "groups", json_deep_copy(groups)),
		"at+jwt"), "");
	json_array_append_new(groups, json_string("E"));
	assert_string_equal(why_claims(&f, with(tt_claims(), "groups", groups), "at+jwt"),
		"too many groups");
	fx_stop(&f);
}

static void
test_cnf_shapes(void **state)
{
	struct fx f;
	char *t;

	(void)state;
	fx_start(&f, JET_PROFILE_JETSTREAM);
	fx_verifier(&f);
	t = sign_c(&f, "at+jwt", with(tt_claims(), "cnf", json_pack("{s:s}", "x5t#S256",
		TT_X5T)));
	assert_int_equal(tt_verify_at(f.v, t, TT_X5T, TT_NOW, NULL, NULL), JET_OK);
	free(t);
	/* Other confirmation methods are not silently dropped. */
	assert_string_equal(why_claims(&f, with(tt_claims(), "cnf", json_pack("{s:s}", "jkt",
		TT_X5T)), "at+jwt"), "unsupported confirmation");
	assert_string_equal(why_claims(&f, with(tt_claims(), "cnf", json_pack("{s:s,s:s}",
		"x5t#S256", TT_X5T, "jkt", TT_X5T)), "at+jwt"), "unsupported confirmation");
	assert_string_equal(why_claims(&f, with(tt_claims(), "cnf", json_pack("{s:s}", "x5t#S256",
		"abc")), "at+jwt"), "unsupported confirmation");
	assert_string_equal(why_claims(&f, with(tt_claims(), "cnf", json_pack("{s:s}", "x5t#S256",
		TT_X5T "A")), "at+jwt"), "unsupported confirmation");
	/* 43 characters, but the last one has unused bits set. */
	assert_string_equal(why_claims(&f, with(tt_claims(), "cnf", json_pack("{s:s}", "x5t#S256",
		"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFV")), "at+jwt"), "unsupported confirmation");
	assert_string_equal(why_claims(&f, with(tt_claims(), "cnf", json_string(TT_X5T)),
		"at+jwt"), "unsupported confirmation");
	assert_string_equal(why_claims(&f, with(tt_claims(), "cnf", json_object()), "at+jwt"),
		"unsupported confirmation");
	fx_stop(&f);
}

/* ------------------------------------------------------------------------
 * Configuration and arguments
 * --------------------------------------------------------------------- */

static int
new_with(const struct jet_issuer_conf *ic, size_t n, void (*tweak)(struct jet_verifier_conf *),
	char *err, size_t errlen)
{
	struct jet_verifier_conf conf;
	struct jet_verifier *v = NULL;
	int rc;

	jet_verifier_conf_default(&conf);
	conf.issuers = ic;
	conf.nissuers = n;
	if (tweak != NULL)
		tweak(&conf);
	rc = jet_verifier_new(&conf, &v, err, errlen);
	if (rc == JET_OK)
		jet_verifier_free(v);
	else
		assert_null(v);
	return rc;
}

static void tw_leeway(struct jet_verifier_conf *c) { c->leeway_s = 301; }
static void tw_len(struct jet_verifier_conf *c) { c->max_token_len = 100; }
static void tw_cache(struct jet_verifier_conf *c) { c->cache_entries = 65537; }
static void tw_cooldown(struct jet_verifier_conf *c) { c->jwks_cooldown_ms = 1; }
static void tw_nocache(struct jet_verifier_conf *c) { c->cache_entries = 0; }
static void tw_life(struct jet_verifier_conf *c) { c->max_lifetime_s = 0; }

static void
test_config(void **state)
{
	static const char *const bad_uris[] = {
		"http://idp.test/keys", "https://user@idp.test/keys", "https://idp.test/keys#frag",
		"https://", "https:///keys", "https://idp.test:0/keys", "https://idp.test:65536/k",
		"https://idp.test:/keys", "https://idp.test:44a/keys", "https://idp test/keys",
		"https://idp.test/ke ys", "https://[::1/keys", "https://[zz::1]/keys",
		"HTTPS://idp.test/keys", "https://idp.test/k\xc3\xa9ys", "ftp://idp.test/keys",
	};
	static const char *const good_uris[] = {
		"https://idp.test/keys", "https://idp.test:8443/oauth2/v1/keys?x=1",
		"https://127.0.0.1", "https://[::1]:443/jwks.json",
	};
	struct jet_issuer_conf ic[3];
	char err[256], *jwks = tt_jwks(&es_key, 1);
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	(void)state;
	assert_non_null(ctx);
	tt_issuer(&ic[0], jwks, JET_PROFILE_JETSTREAM);
	assert_int_equal(new_with(ic, 1, NULL, err, sizeof(err)), JET_OK);
	assert_int_equal(new_with(ic, 1, tw_nocache, err, sizeof(err)), JET_OK);
	assert_int_equal(new_with(ic, 0, NULL, err, sizeof(err)), JET_ECONF);
	assert_int_equal(new_with(ic, 1, tw_leeway, err, sizeof(err)), JET_ECONF);
	assert_int_equal(new_with(ic, 1, tw_len, err, sizeof(err)), JET_ECONF);
	assert_int_equal(new_with(ic, 1, tw_cache, err, sizeof(err)), JET_ECONF);
	assert_int_equal(new_with(ic, 1, tw_cooldown, err, sizeof(err)), JET_ECONF);
	assert_int_equal(new_with(ic, 1, tw_life, err, sizeof(err)), JET_ECONF);
	/* HMAC or unknown bits in the allow-list. */
	ic[0].algs = 1u << JET_JWS_HS256;
	assert_int_equal(new_with(ic, 1, NULL, err, sizeof(err)), JET_ECONF);
	ic[0].algs = 1u << JET_JWS_UNKNOWN;
	assert_int_equal(new_with(ic, 1, NULL, err, sizeof(err)), JET_ECONF);
	ic[0].algs = 0;
	/* The same issuer twice. */
	ic[1] = ic[0];
	assert_int_equal(new_with(ic, 2, NULL, err, sizeof(err)), JET_ECONF);
	assert_non_null(strstr(err, "twice"));
	/* Neither or both key sources. */
	ic[1].issuer = "https://other.test";
	ic[1].jwks_json = NULL;
	assert_int_equal(new_with(ic, 2, NULL, err, sizeof(err)), JET_ECONF);
	ic[1].jwks_json = jwks;
	ic[1].jwks_uri = "https://idp.test/keys";
	assert_int_equal(new_with(ic, 2, NULL, err, sizeof(err)), JET_ECONF);
	/* A broken or empty inline JWKS. */
	ic[1].jwks_uri = NULL;
	ic[1].jwks_json = "{\"keys\":[]}";
	assert_int_equal(new_with(ic, 2, NULL, err, sizeof(err)), JET_ECONF);
	ic[1].jwks_json = "{\"keys\":[{\"kty\":\"EC\"}]}";
	assert_int_equal(new_with(ic, 2, NULL, err, sizeof(err)), JET_ECONF);
	ic[1].jwks_json = "not json";
	assert_int_equal(new_with(ic, 2, NULL, err, sizeof(err)), JET_ECONF);
	ic[1].jwks_json = jwks;
	ic[1].audience = "";
	assert_int_equal(new_with(ic, 2, NULL, err, sizeof(err)), JET_ECONF);
	ic[1].audience = TT_AUD;
	ic[1].profile = (enum jet_token_profile)7;
	assert_int_equal(new_with(ic, 2, NULL, err, sizeof(err)), JET_ECONF);
	ic[1].profile = JET_PROFILE_GENERIC;
	ic[1].groups_claim = "";
	assert_int_equal(new_with(ic, 2, NULL, err, sizeof(err)), JET_ECONF);
	ic[1].groups_claim = NULL;
	assert_int_equal(new_with(ic, 2, NULL, err, sizeof(err)), JET_OK);

	/* jwks_uri: strict https URLs; and a TLS context is required. */
	ic[1].jwks_json = NULL;
	for (size_t i = 0; i < JET_ARRAY_LEN(bad_uris); i++) {
		struct jet_verifier_conf conf;
		struct jet_verifier *v = NULL;

		ic[1].jwks_uri = bad_uris[i];
		jet_verifier_conf_default(&conf);
		conf.issuers = ic;
		conf.nissuers = 2;
		conf.tls = ctx;
		if (jet_verifier_new(&conf, &v, err, sizeof(err)) != JET_ECONF)
			fail_msg("accepted jwks_uri %s", bad_uris[i]);
		assert_non_null(strstr(err, "jwks_uri"));
	}
	ic[1].jwks_uri = good_uris[0];
	assert_int_equal(new_with(ic, 2, NULL, err, sizeof(err)), JET_ECONF); /* no TLS */
	assert_non_null(strstr(err, "TLS"));
	SSL_CTX_free(ctx);
	free(jwks);
	(void)good_uris;
}

/* A verifier with a jwks_uri starts (the fetch fails in the background:
 * nothing listens) and each good URL form is accepted. */
static void
test_config_uris(void **state)
{
	static const char *const good_uris[] = {
		"https://127.0.0.1:9/keys", "https://127.0.0.1:9/oauth2/v1/keys?x=1",
		"https://127.0.0.1:9", "https://[::1]:9/jwks.json", "https://localhost:9/k",
	};
	struct jet_tls_client_conf tc = { NULL, NULL, NULL, false };
	struct jet_issuer_conf ic;
	struct jet_verifier_conf conf;
	struct jet_verifier *v;
	SSL_CTX *ctx = NULL;
	char err[256];

	(void)state;
	assert_int_equal(jet_tls_client_ctx_new(&tc, &ctx, err, sizeof(err)), JET_OK);
	for (size_t i = 0; i < JET_ARRAY_LEN(good_uris); i++) {
		tt_issuer(&ic, NULL, JET_PROFILE_JETSTREAM);
		ic.jwks_uri = good_uris[i];
		jet_verifier_conf_default(&conf);
		conf.issuers = &ic;
		conf.nissuers = 1;
		conf.tls = ctx;
		v = NULL;
		if (jet_verifier_new(&conf, &v, err, sizeof(err)) != JET_OK)
			fail_msg("refused %s: %s", good_uris[i], err);
		jet_verifier_free(v);
	}
	SSL_CTX_free(ctx);
}

static void
test_arguments(void **state)
{
	struct fx f;
	struct jet_principal p;
	const char *why = NULL;
	char *t;

	(void)state;
	fx_start(&f, JET_PROFILE_JETSTREAM);
	fx_verifier(&f);
	assert_int_equal(jet_verifier_verify(f.v, NULL, 0, NULL, &p, &why), JET_EPERM);
	assert_string_equal(why, "token missing");
	assert_int_equal(jet_verifier_verify(f.v, "", 0, NULL, &p, &why), JET_EPERM);
	assert_int_equal(jet_verifier_verify(NULL, "x", 1, NULL, &p, &why), JET_EINVAL);
	t = tt_token(f.k);
	assert_int_equal(jet_verifier_verify(f.v, t, strlen(t), NULL, NULL, &why), JET_EINVAL);
	/* ctx NULL: wall clock (the token is from 2023: expired), no peer. */
	assert_int_equal(jet_verifier_verify(f.v, t, strlen(t), NULL, &p, &why), JET_EPERM);
	assert_string_equal(why, "expired");
	/* why may be NULL; *out is zeroed on refusal. */
	memset(&p, 0xa5, sizeof(p));
	assert_int_equal(jet_verifier_verify(f.v, t, strlen(t) - 1, NULL, &p, NULL), JET_EPERM);
	assert_int_equal(p.ngrants, 0);
	assert_string_equal(p.sub, "");
	free(t);
	jet_verifier_free(NULL);
	fx_stop(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jetstream_happy),
		cmocka_unit_test(test_okta_mapping),
		cmocka_unit_test(test_generic_mapping),
		cmocka_unit_test(test_other_algorithms),
		cmocka_unit_test(test_exp),
		cmocka_unit_test(test_nbf_iat),
		cmocka_unit_test(test_lifetime),
		cmocka_unit_test(test_audience),
		cmocka_unit_test(test_typ),
		cmocka_unit_test(test_issuer),
		cmocka_unit_test(test_two_issuers),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_string_limits),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_grants),
		cmocka_unit_test(test_cnf_shapes),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_config_uris),
		cmocka_unit_test(test_arguments),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
