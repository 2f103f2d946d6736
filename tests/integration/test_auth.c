/*
 * The authorization server and a service checking its tokens, as real
 * processes: `jetstream auth` and `jetstream api` on loopback with the test
 * PKI, clients made with `jetstream client`, keys rotated with
 * `jetstream keys`.  Covers the token endpoint's every method and error,
 * RFC 9068 tokens checked against the published JWKS, certificate-bound
 * tokens, introspection, revocation reaching the API, key rotation, rate
 * limits and client changes reaching the running server.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "jet/jose.h"
#include "testnet.h"
#include "testpki.h"
#include "testproc.h"

static struct jet_testpki pki;
static struct jet_testproc auth, api;
static char data[600], resp[1 << 17];
static char issuer[128];
static uint16_t auth_port, api_port;

/* Client ids and secrets made once for the group. */
static char basic_id[80], basic_secret[80];  /* grants hq-1=operator */
static char other_id[80], other_secret[80];  /* a second client */
static char rs_id[80], rs_secret[80];        /* holds the introspect scope */

/* ------------------------------------------------------------ helpers */

/* Runs `jetstream <args...> --data DIR --json` and returns its stdout parsed. */
static json_t *
cli_json(const char *first, ...)
{
	char *argv[32];
	struct jet_testproc p = auth;
	va_list ap;
	int n = 0, rc;
	json_t *out;

	argv[n++] = "jetstream";
	argv[n++] = (char *)first;
	va_start(ap, first);
	for (char *a; (a = va_arg(ap, char *)) != NULL && n < 28;)
		argv[n++] = a;
	va_end(ap);
	argv[n++] = "--data";
	argv[n++] = data;
	argv[n++] = "--json";
	argv[n] = NULL;
	rc = jet_testproc_run(&p, argv, NULL, ".cli");
	if (rc != 0) {
		fprintf(stderr, "cli %s failed (%d): %s\n", first, rc, jet_test_read_file(p.err));
		return NULL;
	}
	out = json_loads(jet_test_read_file(p.out), 0, NULL);
	return out;
}

static void
create_client(char *id, char *secret, const char *scope, const char *grant)
{
	json_t *o = cli_json("client", "create", "--name", "test", "--scope", scope, "--grant",
		grant, NULL);

	assert_non_null(o);
	snprintf(id, 80, "%s", json_string_value(json_object_get(o, "client_id")));
	snprintf(secret, 80, "%s", json_string_value(json_object_get(o, "client_secret")));
	assert_int_equal(strlen(secret), 43);
	json_decref(o);
}

static const char *
body_of(const char *r)
{
	const char *b = strstr(r, "\r\n\r\n");

	return b ? b + 4 : "";
}

/* The value of a response header (first line), in a static buffer. */
static const char *
header_of(const char *r, const char *name)
{
	static char v[1024];
	const char *end = strstr(r, "\r\n\r\n");
	size_t n = strlen(name);

	v[0] = '\0';
	for (const char *l = strstr(r, "\r\n"); l != NULL && l < end; l = strstr(l + 2, "\r\n")) {
		if (strncasecmp(l + 2, name, n) == 0 && l[2 + n] == ':') {
			const char *s = l + 3 + n, *e = strstr(s, "\r\n");

			while (*s == ' ')
				s++;
			snprintf(v, sizeof(v), "%.*s", (int)(e - s), s);
			break;
		}
	}
	return v;
}

/* POST form to the auth server; auth_header may be NULL. */
static int
post(uint16_t port, const struct jet_testconn_opts *opts, const char *path,
	const char *auth_header, const char *ctype, const char *form)
{
	static char req[1 << 15];
	struct jet_testconn_opts o = { .ca = pki.ca };

	if (opts != NULL)
		o = *opts;
	snprintf(req, sizeof(req),
		"POST %s HTTP/1.1\r\nHost: localhost\r\n%s%s%sContent-Type: %s\r\n"
		"Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		path, auth_header ? "Authorization: " : "", auth_header ? auth_header : "",
		auth_header ? "\r\n" : "", ctype ? ctype : "application/x-www-form-urlencoded",
		strlen(form), form);
	return jet_test_request(port, &o, req, resp, sizeof(resp));
}

static void
basic_header(char *out, size_t outlen, const char *id, const char *secret)
{
	char raw[256];
	unsigned char b64[400];
	int n = snprintf(raw, sizeof(raw), "%s:%s", id, secret);

	EVP_EncodeBlock(b64, (unsigned char *)raw, n);
	snprintf(out, outlen, "Basic %s", b64);
}

/* A token for id/secret with extra form parameters; returns the status. */
static int
token_basic(const char *id, const char *secret, const char *extra, char *tok, size_t toklen)
{
	char h[512], form[1024];
	int st;

	basic_header(h, sizeof(h), id, secret);
	snprintf(form, sizeof(form), "grant_type=client_credentials%s", extra ? extra : "");
	st = post(auth_port, NULL, "/oauth2/token", h, NULL, form);
	if (st == 200 && tok != NULL) {
		json_t *o = json_loads(body_of(resp), 0, NULL);

		assert_non_null(o);
		snprintf(tok, toklen, "%s", json_string_value(json_object_get(o, "access_token")));
		json_decref(o);
	}
	return st;
}

static int
get(uint16_t port, const struct jet_testconn_opts *opts, const char *path, const char *bearer)
{
	char req[16384];
	struct jet_testconn_opts o = { .ca = pki.ca };

	if (opts != NULL)
		o = *opts;
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n%s%s%s"
		"Connection: close\r\n\r\n", path, bearer ? "Authorization: Bearer " : "",
		bearer ? bearer : "", bearer ? "\r\n" : "");
	return jet_test_request(port, &o, req, resp, sizeof(resp));
}

/* The JWT payload of a token, parsed (no verification). */
static json_t *
claims_of(const char *tok)
{
	const char *p = strchr(tok, '.'), *e = p ? strchr(p + 1, '.') : NULL;
	uint8_t buf[8192];
	size_t n = 0;

	assert_non_null(e);
	assert_int_equal(jet_b64url_decode(p + 1, (size_t)(e - p - 1), buf, sizeof(buf), &n),
		JET_OK);
	return json_loadb((char *)buf, n, 0, NULL);
}

/* Verifies tok against the JWKS the server publishes now. */
static int
verify_with_jwks(const char *tok, char *kid_out)
{
	struct jet_jwks set = { 0 };
	struct jet_jws jws;
	const struct jet_jwk *k;
	const char *b;
	int rc;

	assert_int_equal(get(auth_port, NULL, "/.well-known/jwks.json", NULL), 200);
	b = body_of(resp);
	assert_int_equal(jet_jwks_parse(b, strlen(b), 65536, 32, ~0u, JET_JWS_RS256, &set, NULL,
		0), JET_OK);
	assert_int_equal(jet_jws_parse(tok, strlen(tok), 8192, &jws, NULL, 0), JET_OK);
	assert_non_null(jws.kid);
	if (kid_out != NULL)
		snprintf(kid_out, JET_JWK_KID_MAX + 1, "%s", jws.kid);
	k = jet_jwks_find(&set, jws.kid, strlen(jws.kid));
	rc = k != NULL ? jet_jws_verify(&jws, k) : JET_ENOTFOUND;
	jet_jws_cleanup(&jws);
	jet_jwks_cleanup(&set);
	return rc;
}

static void
write_conf(const char *path, const char *extra_auth)
{
	char text[4096];

	snprintf(text, sizeof(text),
		"[server]\nlisten = 127.0.0.1:%u\ndata_dir = %s\nworkers = 2\n"
		"[tls]\ncert = %s\nkey = %s\nmtls = optional\nclient_ca = %s\n"
		"[log]\naccess = off\n"
		"[auth]\nissuer = %s\nresources = https://api.example.test/v1\n"
		"rate_per_client = 0\nrate_per_address = 0\n%s",
		auth_port, data, pki.server.cert, pki.server.key, pki.ca, issuer,
		extra_auth ? extra_auth : "");
	jet_test_write_file(path, text);
}

static int
group_setup(void **state)
{
	char conf[700], text[4096];
	char *auth_argv[] = { "jetstream", "auth", "--config", conf, NULL };
	char api_conf[700];
	char *api_argv[] = { "jetstream", "api", "--config", api_conf, NULL };

	if (jet_testpki_create(&pki) != JET_OK)
		return -1;
	jet_testproc_fresh(&auth, "auth");
	auth_port = auth.port;
	api_port = jet_test_free_port();
	snprintf(data, sizeof(data), "%s/data", auth.dir);
	snprintf(issuer, sizeof(issuer), "https://127.0.0.1:%u", auth_port);
	snprintf(conf, sizeof(conf), "%s/auth.conf", auth.dir);
	write_conf(conf, NULL);
	jet_testproc_spawn(&auth, auth_argv, NULL, ".auth");
	if (!jet_testproc_wait_tls(auth_port)) {
		fprintf(stderr, "auth did not start: %s\n", jet_test_read_file(auth.err));
		return -1;
	}
	api = auth;
	api.port = api_port;
	snprintf(api_conf, sizeof(api_conf), "%s/api.conf", auth.dir);
	snprintf(text, sizeof(text),
		"[server]\nlisten = 127.0.0.1:%u\ndata_dir = %s\nworkers = 2\n"
		"[tls]\ncert = %s\nkey = %s\nmtls = optional\nclient_ca = %s\n"
		"[log]\naccess = off\n"
		"[token]\nissuer = %s\nca = %s\nrevocation_poll = 200ms\njwks_cooldown = 1s\n",
		api_port, data, pki.server.cert, pki.server.key, pki.ca, issuer, pki.ca);
	jet_test_write_file(api_conf, text);
	jet_testproc_spawn(&api, api_argv, NULL, ".api");
	if (!jet_testproc_wait_tls(api_port)) {
		fprintf(stderr, "api did not start: %s\n", jet_test_read_file(api.err));
		return -1;
	}
	create_client(basic_id, basic_secret, "points:read commands:write", "hq-1=operator");
	create_client(other_id, other_secret, "points:read", "plant-7=viewer");
	create_client(rs_id, rs_secret, "introspect", "*=viewer");
	return 0;
}

static int
group_teardown(void **state)
{
	if (api.pid > 0)
		assert_int_equal(jet_testproc_stop(&api), 0);
	if (auth.pid > 0)
		assert_int_equal(jet_testproc_stop(&auth), 0);
	jet_testpki_destroy(&pki);
	return 0;
}

/* ------------------------------------------------------------ metadata */

static void
metadata_matches_the_tokens(void **state)
{
	json_t *m, *methods;
	char want[200], tok[4096];
	json_t *c;

	assert_int_equal(get(auth_port, NULL, "/.well-known/oauth-authorization-server", NULL),
		200);
	m = json_loads(body_of(resp), 0, NULL);
	assert_non_null(m);
	assert_string_equal(json_string_value(json_object_get(m, "issuer")), issuer);
	snprintf(want, sizeof(want), "%s/oauth2/token", issuer);
	assert_string_equal(json_string_value(json_object_get(m, "token_endpoint")), want);
	snprintf(want, sizeof(want), "%s/.well-known/jwks.json", issuer);
	assert_string_equal(json_string_value(json_object_get(m, "jwks_uri")), want);
	methods = json_object_get(m, "token_endpoint_auth_methods_supported");
	assert_int_equal(json_array_size(methods), 4);
	assert_string_equal(json_string_value(json_array_get(json_object_get(m,
		"grant_types_supported"), 0)), "client_credentials");
	/* The tokens say what the metadata says. */
	assert_int_equal(token_basic(basic_id, basic_secret, NULL, tok, sizeof(tok)), 200);
	c = claims_of(tok);
	assert_string_equal(json_string_value(json_object_get(c, "iss")), issuer);
	json_decref(c);
	json_decref(m);
}

static void
basic_issues_an_rfc9068_token(void **state)
{
	char tok[4096];
	json_t *c, *r;
	int64_t exp, iat;

	assert_int_equal(token_basic(basic_id, basic_secret, NULL, tok, sizeof(tok)), 200);
	assert_string_equal(header_of(resp, "Cache-Control"), "no-store");
	r = json_loads(body_of(resp), 0, NULL);
	assert_string_equal(json_string_value(json_object_get(r, "token_type")), "Bearer");
	assert_int_equal(json_integer_value(json_object_get(r, "expires_in")), 600);
	assert_null(json_object_get(r, "refresh_token"));
	json_decref(r);
	assert_int_equal(verify_with_jwks(tok, NULL), JET_OK);
	c = claims_of(tok);
	assert_string_equal(json_string_value(json_object_get(c, "sub")), basic_id);
	assert_string_equal(json_string_value(json_object_get(c, "client_id")), basic_id);
	assert_string_equal(json_string_value(json_object_get(c, "aud")), "jetstream");
	assert_string_equal(json_string_value(json_object_get(c, "scope")),
		"points:read commands:write");
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "buildings"),
		"hq-1")), "operator");
	exp = json_integer_value(json_object_get(c, "exp"));
	iat = json_integer_value(json_object_get(c, "iat"));
	assert_int_equal(exp - iat, 600);
	assert_true(llabs(iat - (int64_t)time(NULL)) < 5);
	assert_int_equal(json_integer_value(json_object_get(c, "nbf")), iat);
	assert_true(strlen(json_string_value(json_object_get(c, "jti"))) >= 22);
	assert_null(json_object_get(c, "cnf"));
	json_decref(c);
	/* The header: typ at+jwt, ES256, a kid. */
	{
		struct jet_jws jws;

		assert_int_equal(jet_jws_parse(tok, strlen(tok), 8192, &jws, NULL, 0), JET_OK);
		assert_string_equal(jws.typ, "at+jwt");
		assert_int_equal(jws.alg, JET_JWS_ES256);
		assert_non_null(jws.kid);
		jet_jws_cleanup(&jws);
	}
	/* Every token is different. */
	{
		char tok2[4096];

		assert_int_equal(token_basic(basic_id, basic_secret, NULL, tok2, sizeof(tok2)), 200);
		assert_string_not_equal(tok, tok2);
	}
}

static void
post_issues_a_token(void **state)
{
	char form[512];

	snprintf(form, sizeof(form), "grant_type=client_credentials&client_id=%s&client_secret=%s",
		other_id, other_secret);
	assert_int_equal(post(auth_port, NULL, "/oauth2/token", NULL, NULL, form), 200);
	assert_non_null(strstr(body_of(resp), "\"access_token\""));
}

static void
wrong_credentials_are_invalid_client(void **state)
{
	char form[512], h[512];
	char wrong[80];

	/* Basic with a wrong secret: 401 and a Basic challenge. */
	snprintf(wrong, sizeof(wrong), "%s", basic_secret);
	wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
	assert_int_equal(token_basic(basic_id, wrong, NULL, NULL, 0), 401);
	assert_non_null(strstr(header_of(resp, "WWW-Authenticate"), "Basic"));
	assert_non_null(strstr(body_of(resp), "\"error\":\"invalid_client\""));
	assert_string_equal(header_of(resp, "Cache-Control"), "no-store");
	/* The same answer for an unknown client, and for the post method. */
	{
		char body1[512];

		snprintf(body1, sizeof(body1), "%s", body_of(resp));
		assert_int_equal(token_basic("jc_nosuchclient", basic_secret, NULL, NULL, 0), 401);
		assert_string_equal(body_of(resp), body1);
		snprintf(form, sizeof(form),
			"grant_type=client_credentials&client_id=%s&client_secret=%s", basic_id, wrong);
		assert_int_equal(post(auth_port, NULL, "/oauth2/token", NULL, NULL, form), 401);
		assert_string_equal(body_of(resp), body1);
	}
	/* No credentials at all. */
	assert_int_equal(post(auth_port, NULL, "/oauth2/token", NULL, NULL,
		"grant_type=client_credentials"), 401);
	/* Another scheme. */
	assert_int_equal(post(auth_port, NULL, "/oauth2/token", "Bearer abc", NULL,
		"grant_type=client_credentials"), 401);
	/* Malformed Basic. */
	snprintf(h, sizeof(h), "Basic !!!");
	assert_int_equal(post(auth_port, NULL, "/oauth2/token", h, NULL,
		"grant_type=client_credentials"), 401);
}

static void
malformed_requests_are_invalid_request(void **state)
{
	char h[512], form[512];

	basic_header(h, sizeof(h), basic_id, basic_secret);
	/* Two methods at once. */
	snprintf(form, sizeof(form), "grant_type=client_credentials&client_id=%s&client_secret=%s",
		basic_id, basic_secret);
	assert_int_equal(post(auth_port, NULL, "/oauth2/token", h, NULL, form), 400);
	assert_non_null(strstr(body_of(resp), "\"error\":\"invalid_request\""));
	/* A repeated parameter. */
	assert_int_equal(post(auth_port, NULL, "/oauth2/token", h, NULL,
		"grant_type=client_credentials&grant_type=client_credentials"), 400);
	assert_non_null(strstr(body_of(resp), "invalid_request"));
	assert_int_equal(post(auth_port, NULL, "/oauth2/token", h, NULL,
		"grant_type=client_credentials&scope=points:read&scope=points:read"), 400);
	/* Not a form. */
	assert_int_equal(post(auth_port, NULL, "/oauth2/token", h, "application/json",
		"{\"grant_type\":\"client_credentials\"}"), 400);
	assert_non_null(strstr(body_of(resp), "invalid_request"));
	/* Broken encoding. */
	assert_int_equal(post(auth_port, NULL, "/oauth2/token", h, NULL,
		"grant_type=client%ZZcredentials"), 400);
	/* Missing and unsupported grant types. */
	assert_int_equal(post(auth_port, NULL, "/oauth2/token", h, NULL, "scope=points:read"), 400);
	assert_non_null(strstr(body_of(resp), "invalid_request"));
	assert_int_equal(post(auth_port, NULL, "/oauth2/token", h, NULL,
		"grant_type=password&username=a&password=b"), 400);
	assert_non_null(strstr(body_of(resp), "unsupported_grant_type"));
	/* A body past 16 KiB is refused before any handler reads it. */
	{
		static char big[20001];

		memset(big, 'a', sizeof(big) - 1);
		memcpy(big, "grant_type=client_credentials&x=", 32);
		assert_int_equal(post(auth_port, NULL, "/oauth2/token", h, NULL, big), 413);
	}
	/* GET is refused with an OAuth error. */
	assert_int_equal(get(auth_port, NULL, "/oauth2/token?grant_type=client_credentials",
		NULL), 405);
	assert_string_equal(header_of(resp, "Allow"), "POST");
	assert_non_null(strstr(body_of(resp), "\"error\":\"invalid_request\""));
}

static void
scope_and_resource_narrow_the_token(void **state)
{
	char tok[4096];
	json_t *c;

	assert_int_equal(token_basic(basic_id, basic_secret, "&scope=points:read", tok,
		sizeof(tok)), 200);
	c = claims_of(tok);
	assert_string_equal(json_string_value(json_object_get(c, "scope")), "points:read");
	json_decref(c);
	assert_int_equal(token_basic(basic_id, basic_secret, "&scope=admin", NULL, 0), 400);
	assert_non_null(strstr(body_of(resp), "invalid_scope"));
	assert_int_equal(token_basic(basic_id, basic_secret,
		"&resource=https%3A%2F%2Fapi.example.test%2Fv1", tok, sizeof(tok)), 200);
	c = claims_of(tok);
	assert_string_equal(json_string_value(json_object_get(c, "aud")),
		"https://api.example.test/v1");
	json_decref(c);
	assert_int_equal(token_basic(basic_id, basic_secret,
		"&resource=https%3A%2F%2Fevil.example%2F", NULL, 0), 400);
	assert_non_null(strstr(body_of(resp), "invalid_target"));
}

/* ------------------------------------------------------------ private_key_jwt */

static char *
assertion(const struct jet_jwk *key, const char *iss, const char *aud, int64_t exp_in,
	const char *jti)
{
	struct jet_buf out;
	json_t *claims;
	int64_t now = (int64_t)time(NULL);

	jet_buf_init(&out, 8192);
	claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", iss, "sub", iss, "aud", aud,
		"iat", (json_int_t)now, "exp", (json_int_t)(now + exp_in), "jti", jti);
	assert_int_equal(jet_jwt_sign(key, NULL, claims, &out), JET_OK);
	json_decref(claims);
	assert_int_equal(jet_buf_append(&out, "", 1), JET_OK);
	return out.data;
}

static int
post_assertion(const char *a)
{
	char form[8192];

	snprintf(form, sizeof(form), "grant_type=client_credentials&client_assertion_type="
		"urn%%3Aietf%%3Aparams%%3Aoauth%%3Aclient-assertion-type%%3Ajwt-bearer"
		"&client_assertion=%s", a);
	return post(auth_port, NULL, "/oauth2/token", NULL, NULL, form);
}

static void
private_key_jwt_and_replay(void **state)
{
	struct jet_jwk *key, *other;
	char path[700], id[80], jti[40], *a;
	json_t *jwks, *o;
	char token_ep[200];

	assert_int_equal(jet_jwk_generate(JET_JWS_ES256, "k1", &key), JET_OK);
	assert_int_equal(jet_jwk_generate(JET_JWS_ES256, "k1", &other), JET_OK);
	jwks = json_pack("{s:[o]}", "keys", jet_jwk_public_json(key));
	snprintf(path, sizeof(path), "%s/client-jwks.json", auth.dir);
	assert_int_equal(json_dump_file(jwks, path, 0), 0);
	json_decref(jwks);
	o = cli_json("client", "create", "--name", "pkjwt", "--scope", "points:read", "--grant",
		"hq-1=viewer", "--jwks", path, "--no-secret", NULL);
	assert_non_null(o);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(o, "client_id")));
	assert_null(json_object_get(o, "client_secret"));
	json_decref(o);

	snprintf(jti, sizeof(jti), "jti-%ld-1", (long)time(NULL));
	a = assertion(key, id, issuer, 60, jti);
	assert_int_equal(post_assertion(a), 200);
	/* The same assertion again: replay. */
	assert_int_equal(post_assertion(a), 401);
	assert_non_null(strstr(body_of(resp), "invalid_client"));
	free(a);
	/* aud must be the issuer exactly, not the token endpoint. */
	snprintf(token_ep, sizeof(token_ep), "%s/oauth2/token", issuer);
	a = assertion(key, id, token_ep, 60, "jti-aud");
	assert_int_equal(post_assertion(a), 401);
	free(a);
	/* exp too far in the future. */
	a = assertion(key, id, issuer, 3600, "jti-long");
	assert_int_equal(post_assertion(a), 401);
	free(a);
	/* Already expired. */
	a = assertion(key, id, issuer, -120, "jti-old");
	assert_int_equal(post_assertion(a), 401);
	free(a);
	/* Signed by a key with the registered kid but another key. */
	a = assertion(other, id, issuer, 60, "jti-other");
	assert_int_equal(post_assertion(a), 401);
	free(a);
	/* The assertion plus a secret: two methods. */
	{
		char form[8192];

		a = assertion(key, id, issuer, 60, "jti-two");
		snprintf(form, sizeof(form), "grant_type=client_credentials&client_secret=x"
			"&client_assertion_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Aclient-assertion-type"
			"%%3Ajwt-bearer&client_assertion=%s", a);
		assert_int_equal(post(auth_port, NULL, "/oauth2/token", NULL, NULL, form), 400);
		free(a);
	}
	jet_jwk_free(key);
	jet_jwk_free(other);
}

/* ------------------------------------------------------------ tls_client_auth */

static void
tls_client_auth_binds_the_token(void **state)
{
	struct jet_testconn_opts with_cert = { .ca = pki.ca, .cert = pki.client.cert,
		.key = pki.client.key };
	char form[256], tok[4096], id[80];
	json_t *o, *c;
	uint8_t want[32];
	char x5t[44];

	o = cli_json("client", "create", "--name", "device", "--scope", "points:read",
		"--grant", "b1=viewer", "--tls-san", JET_TESTPKI_CLIENT_URI, "--no-secret", NULL);
	assert_non_null(o);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(o, "client_id")));
	json_decref(o);
	snprintf(form, sizeof(form), "grant_type=client_credentials&client_id=%s", id);
	/* Without the certificate: no authentication. */
	assert_int_equal(post(auth_port, NULL, "/oauth2/token", NULL, NULL, form), 401);
	/* With another client certificate (other SAN): refused. */
	{
		struct jet_testconn_opts o2 = { .ca = pki.ca, .cert = pki.client_noeku.cert,
			.key = pki.client_noeku.key };

		(void)o2; /* a no-EKU certificate is refused at the handshake itself */
	}
	assert_int_equal(post(auth_port, &with_cert, "/oauth2/token", NULL, NULL, form), 200);
	o = json_loads(body_of(resp), 0, NULL);
	snprintf(tok, sizeof(tok), "%s", json_string_value(json_object_get(o, "access_token")));
	json_decref(o);
	c = claims_of(tok);
	{
		/* cnf.x5t#S256 is the certificate's SHA-256, base64url. */
		FILE *f = fopen(pki.client.cert, "r");
		X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
		unsigned int n = 32;

		fclose(f);
		X509_digest(x, EVP_sha256(), want, &n);
		X509_free(x);
		jet_b64url_encode(want, 32, x5t, sizeof(x5t));
	}
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "cnf"),
		"x5t#S256")), x5t);
	json_decref(c);
	/* At the API: with the certificate accepted, without it refused. */
	assert_int_equal(get(api_port, &with_cert, "/v1/me", tok), 200);
	assert_non_null(strstr(body_of(resp), "\"certificate_bound\":true"));
	assert_int_equal(get(api_port, NULL, "/v1/me", tok), 401);
	assert_non_null(strstr(header_of(resp, "WWW-Authenticate"), "invalid_token"));
}

/* ------------------------------------------------------------ the API side */

static void
api_accepts_tokens_and_refuses_others(void **state)
{
	char tok[4096];

	assert_int_equal(token_basic(basic_id, basic_secret, NULL, tok, sizeof(tok)), 200);
	assert_int_equal(get(api_port, NULL, "/v1/me", tok), 200);
	assert_non_null(strstr(body_of(resp), basic_id));
	assert_non_null(strstr(body_of(resp), "\"hq-1\":\"operator\""));
	/* No token; a malformed header; a tampered token. */
	assert_int_equal(get(api_port, NULL, "/v1/me", NULL), 401);
	assert_string_equal(header_of(resp, "WWW-Authenticate"), "Bearer realm=\"jetstream\"");
	assert_int_equal(get(api_port, NULL, "/v1/me", "a b"), 400);
	tok[strlen(tok) - 3] = tok[strlen(tok) - 3] == 'A' ? 'B' : 'A';
	assert_int_equal(get(api_port, NULL, "/v1/me", tok), 401);
	/* A token for another audience (a resource) is not for this API. */
	assert_int_equal(token_basic(basic_id, basic_secret,
		"&resource=https%3A%2F%2Fapi.example.test%2Fv1", tok, sizeof(tok)), 200);
	assert_int_equal(get(api_port, NULL, "/v1/me", tok), 401);
}

/* ------------------------------------------------------------ introspection */

static int
introspect(const char *id, const char *secret, const char *tok)
{
	char h[512], form[8192];

	basic_header(h, sizeof(h), id, secret);
	snprintf(form, sizeof(form), "token=%s", tok);
	return post(auth_port, NULL, "/oauth2/introspect", h, NULL, form);
}

static void
introspection_answers_only_whom_it_may(void **state)
{
	char tok[4096];

	assert_int_equal(token_basic(basic_id, basic_secret, NULL, tok, sizeof(tok)), 200);
	/* The owner sees it active. */
	assert_int_equal(introspect(basic_id, basic_secret, tok), 200);
	assert_non_null(strstr(body_of(resp), "\"active\":true"));
	assert_non_null(strstr(body_of(resp), "\"client_id\""));
	/* Another client without the introspect scope: inactive. */
	assert_int_equal(introspect(other_id, other_secret, tok), 200);
	assert_string_equal(body_of(resp), "{\"active\":false}");
	/* A resource server (introspect scope) sees it. */
	assert_int_equal(introspect(rs_id, rs_secret, tok), 200);
	assert_non_null(strstr(body_of(resp), "\"active\":true"));
	/* Garbage: inactive, the same bytes. */
	assert_int_equal(introspect(basic_id, basic_secret, "not.a.token"), 200);
	assert_string_equal(body_of(resp), "{\"active\":false}");
	/* Without client authentication: 401. */
	assert_int_equal(post(auth_port, NULL, "/oauth2/introspect", NULL, NULL, "token=x"), 401);
}

static void
revocation_reaches_the_api(void **state)
{
	char tok[4096], other_tok[4096], h[512], form[8192];
	bool refused = false;

	assert_int_equal(token_basic(basic_id, basic_secret, NULL, tok, sizeof(tok)), 200);
	assert_int_equal(token_basic(other_id, other_secret, NULL, other_tok, sizeof(other_tok)),
		200);
	assert_int_equal(get(api_port, NULL, "/v1/me", tok), 200); /* now cached */
	/* Another client cannot revoke it: 200, nothing happens. */
	basic_header(h, sizeof(h), other_id, other_secret);
	snprintf(form, sizeof(form), "token=%s", tok);
	assert_int_equal(post(auth_port, NULL, "/oauth2/revoke", h, NULL, form), 200);
	assert_int_equal(introspect(basic_id, basic_secret, tok), 200);
	assert_non_null(strstr(body_of(resp), "\"active\":true"));
	/* Unknown tokens: 200. */
	assert_int_equal(post(auth_port, NULL, "/oauth2/revoke", h, NULL, "token=garbage"), 200);
	/* The owner revokes it. */
	basic_header(h, sizeof(h), basic_id, basic_secret);
	assert_int_equal(post(auth_port, NULL, "/oauth2/revoke", h, NULL, form), 200);
	assert_int_equal(introspect(basic_id, basic_secret, tok), 200);
	assert_string_equal(body_of(resp), "{\"active\":false}");
	/* The API refuses it within a few poll intervals (200 ms each). */
	for (int i = 0; i < 50 && !refused; i++) {
		refused = get(api_port, NULL, "/v1/me", tok) == 401;
		if (!refused)
			usleep(100 * 1000);
	}
	assert_true(refused);
	/* Other tokens still work. */
	assert_int_equal(get(api_port, NULL, "/v1/me", other_tok), 200);
}

/* ------------------------------------------------------------ clients and keys */

static void
disabled_client_is_refused_within_the_cache_ttl(void **state)
{
	char id[80], secret[80];
	json_t *o;

	create_client(id, secret, "points:read", "hq-1=viewer");
	assert_int_equal(token_basic(id, secret, NULL, NULL, 0), 200);
	o = cli_json("client", "disable", id, NULL);
	json_decref(o);
	usleep(1300 * 1000); /* client_cache_ttl is 1 s */
	assert_int_equal(token_basic(id, secret, NULL, NULL, 0), 401);
	o = cli_json("client", "enable", id, NULL);
	json_decref(o);
	usleep(1300 * 1000);
	assert_int_equal(token_basic(id, secret, NULL, NULL, 0), 200);
	/* A rotated secret: the old one stops working. */
	o = cli_json("client", "rotate-secret", id, NULL);
	assert_non_null(o);
	json_decref(o);
	usleep(1300 * 1000);
	assert_int_equal(token_basic(id, secret, NULL, NULL, 0), 401);
}

static void
key_rotation_drill(void **state)
{
	char before[4096], after[4096], kid1[80], kid2[80];
	json_t *o;
	bool rotated = false;

	assert_int_equal(token_basic(basic_id, basic_secret, NULL, before, sizeof(before)), 200);
	assert_int_equal(verify_with_jwks(before, kid1), JET_OK);
	assert_int_equal(get(api_port, NULL, "/v1/me", before), 200);
	o = cli_json("keys", "rotate", NULL);
	assert_non_null(o);
	json_decref(o);
	/* The running server signs with the new key within a second or two. */
	for (int i = 0; i < 40 && !rotated; i++) {
		usleep(100 * 1000);
		assert_int_equal(token_basic(basic_id, basic_secret, NULL, after, sizeof(after)),
			200);
		assert_int_equal(verify_with_jwks(after, kid2), JET_OK);
		rotated = strcmp(kid1, kid2) != 0;
	}
	assert_true(rotated);
	/* The old key is still published: old tokens still verify. */
	assert_int_equal(verify_with_jwks(before, NULL), JET_OK);
	/* The API has never seen the new kid: it fetches the keys again. */
	assert_int_equal(get(api_port, NULL, "/v1/me", after), 200);
	assert_int_equal(get(api_port, NULL, "/v1/me", before), 200);
}

static void
rate_limit_answers_429(void **state)
{
	struct jet_testproc p = auth;
	char conf[700];
	char *argv[] = { "jetstream", "auth", "--config", conf, NULL };
	uint16_t saved = auth_port;
	int st429 = 0;

	/* A second server on the same data, with a tight per-client limit. */
	p.port = jet_test_free_port();
	auth_port = p.port;
	snprintf(conf, sizeof(conf), "%s/auth-rl.conf", auth.dir);
	write_conf(conf, "");
	{
		static char text[8192];
		char *at;

		snprintf(text, sizeof(text), "%sburst_per_client = 3\n", jet_test_read_file(conf));
		at = strstr(text, "rate_per_client = 0");
		assert_non_null(at);
		memcpy(at, "rate_per_client = 1", strlen("rate_per_client = 1"));
		jet_test_write_file(conf, text);
	}
	jet_testproc_spawn(&p, argv, NULL, ".rl");
	assert_true(jet_testproc_wait_tls(p.port));
	for (int i = 0; i < 6; i++)
		if (token_basic(basic_id, basic_secret, NULL, NULL, 0) == 429)
			st429++;
	assert_true(st429 >= 2);
	assert_int_equal(token_basic(basic_id, basic_secret, NULL, NULL, 0), 429);
	assert_string_equal(header_of(resp, "Retry-After"), "1");
	assert_non_null(strstr(body_of(resp), "\"error\":\"too_many_requests\""));
	/* Another client is not limited by this one. */
	assert_int_equal(token_basic(other_id, other_secret, NULL, NULL, 0), 200);
	assert_int_equal(jet_testproc_stop(&p), 0);
	auth_port = saved;
}

/* signing_alg EdDSA and RS256: the tokens carry that alg and verify with
 * the published key (a separate data directory: the algorithm is a
 * property of the key ring). */
static void
other_signing_algorithms(void **state)
{
	static const char *const algs[] = { "EdDSA", "RS256" };
	static const enum jet_jws_alg want[] = { JET_JWS_EDDSA, JET_JWS_RS256 };
	char saved_data[600];
	uint16_t saved = auth_port;

	snprintf(saved_data, sizeof(saved_data), "%s", data);
	for (size_t i = 0; i < 2; i++) {
		struct jet_testproc p = auth;
		char conf[700], extra[64], id[80], secret[80], tok[4096];
		char *argv[] = { "jetstream", "auth", "--config", conf, NULL };
		struct jet_jws jws;

		p.port = jet_test_free_port();
		auth_port = p.port;
		snprintf(data, sizeof(data), "%s/data-%s", auth.dir, algs[i]);
		snprintf(conf, sizeof(conf), "%s/auth-%s.conf", auth.dir, algs[i]);
		snprintf(extra, sizeof(extra), "signing_alg = %s\n", algs[i]);
		write_conf(conf, extra);
		jet_testproc_spawn(&p, argv, NULL, algs[i]);
		assert_true(jet_testproc_wait_tls(p.port));
		create_client(id, secret, "points:read", "hq-1=viewer");
		assert_int_equal(token_basic(id, secret, NULL, tok, sizeof(tok)), 200);
		assert_int_equal(jet_jws_parse(tok, strlen(tok), 8192, &jws, NULL, 0), JET_OK);
		assert_int_equal(jws.alg, want[i]);
		jet_jws_cleanup(&jws);
		assert_int_equal(verify_with_jwks(tok, NULL), JET_OK);
		assert_int_equal(jet_testproc_stop(&p), 0);
	}
	snprintf(data, sizeof(data), "%s", saved_data);
	auth_port = saved;
}

static void
check_refuses_a_bad_issuer(void **state)
{
	struct jet_testproc p = auth;
	char conf[700];
	char *argv[] = { "jetstream", "auth", "--config", conf, "--check", NULL };

	snprintf(conf, sizeof(conf), "%s/bad.conf", auth.dir);
	jet_test_write_file(conf, "[auth]\nissuer = http://insecure.example\n");
	assert_int_equal(jet_testproc_run(&p, argv, NULL, ".check"), 1);
	assert_non_null(strstr(jet_test_read_file(p.err), "issuer"));
	jet_test_write_file(conf, "[auth]\nassertion_algs = HS256\n");
	assert_int_equal(jet_testproc_run(&p, argv, NULL, ".check"), 1);
	jet_test_write_file(conf, "[auth]\nsigning_alg = none\n");
	assert_int_equal(jet_testproc_run(&p, argv, NULL, ".check"), 1);
	jet_test_write_file(conf, "[auth]\ntoken_lifetime = 5m\n");
	assert_int_equal(jet_testproc_run(&p, argv, NULL, ".check"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(metadata_matches_the_tokens),
		cmocka_unit_test(basic_issues_an_rfc9068_token),
		cmocka_unit_test(post_issues_a_token),
		cmocka_unit_test(wrong_credentials_are_invalid_client),
		cmocka_unit_test(malformed_requests_are_invalid_request),
		cmocka_unit_test(scope_and_resource_narrow_the_token),
		cmocka_unit_test(private_key_jwt_and_replay),
		cmocka_unit_test(tls_client_auth_binds_the_token),
		cmocka_unit_test(api_accepts_tokens_and_refuses_others),
		cmocka_unit_test(introspection_answers_only_whom_it_may),
		cmocka_unit_test(revocation_reaches_the_api),
		cmocka_unit_test(disabled_client_is_refused_within_the_cache_ttl),
		cmocka_unit_test(key_rotation_drill),
		cmocka_unit_test(rate_limit_answers_429),
		cmocka_unit_test(other_signing_algorithms),
		cmocka_unit_test(check_refuses_a_bad_issuer),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
