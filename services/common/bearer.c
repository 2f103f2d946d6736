/*
 * bearer.c - the [token] section and bearer-token authentication of a
 * service's requests (see bearer.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "jet/jose.h"
#include "jet/json.h"
#include "jet/log.h"
#include "jet/tls.h"
#include "common/bearer.h"

#define OPT(sec, key, type, field, def, lo, hi, choices, help) \
	{ sec, key, type, offsetof(struct jet_bearer_conf, field), def, lo, hi, choices, help }
#define SEC 1000ull
#define ISSUERS_FILE_MAX (64 * 1024)
#define MAX_ISSUERS 16

const struct jet_conf_option jet_bearer_options[] = {
	OPT("token", "issuer", JET_CONF_STRING, issuer, "https://localhost:8444", 0, 0, NULL,
		"Jetstream's authorization server (exact iss); empty: only external issuers"),
	OPT("token", "audience", JET_CONF_STRING, audience, "jetstream", 0, 0, NULL,
		"aud this service requires in Jetstream's tokens"),
	OPT("token", "jwks_uri", JET_CONF_STRING, jwks_uri, NULL, 0, 0, NULL,
		"where the issuer's keys are fetched; empty: <issuer>/.well-known/jwks.json"),
	OPT("token", "ca", JET_CONF_STRING, ca, NULL, 0, 0, NULL,
		"PEM trust anchors for JWKS fetches; empty: the development CA when the service "
		"runs on the development PKI, else the system store"),
	OPT("token", "algs", JET_CONF_STRING, algs, "ES256 EdDSA RS256", 0, 0, NULL,
		"signature algorithms accepted from the issuer (asymmetric only)"),
	OPT("token", "external_issuers", JET_CONF_STRING, external_issuers, NULL, 0, 0, NULL,
		"JSON file listing further trusted issuers (Okta, ...); see docs/security.md"),
	OPT("token", "store", JET_CONF_STRING, store, NULL, 0, 0, NULL,
		"store holding revocations; empty: sqlite:<data_dir>/jetstream.db"),
	OPT("token", "leeway", JET_CONF_DURATION, leeway_ms, "60s", 0, 300 * SEC, NULL,
		"clock skew allowed on exp, nbf and iat"),
	OPT("token", "cache_entries", JET_CONF_UINT, cache_entries, "4096", 0, 1000000, NULL,
		"verified tokens remembered (0: check every signature)"),
	OPT("token", "jwks_refresh", JET_CONF_DURATION, jwks_refresh_ms, "5m", 10 * SEC,
		24 * 3600 * SEC, NULL, "how often issuers' keys are fetched again"),
	OPT("token", "jwks_cooldown", JET_CONF_DURATION, jwks_cooldown_ms, "30s", 1 * SEC,
		3600 * SEC, NULL, "least time between fetches caused by unknown key ids"),
	OPT("token", "revocation_poll", JET_CONF_DURATION, revocation_poll_ms, "2s", 100,
		60 * SEC, NULL, "how often the revocation feed is read"),
	OPT("token", "max_token_len", JET_CONF_SIZE, max_token_len, "8k", 512, 64 * 1024, NULL,
		"longest access token accepted"),
};
_Static_assert(sizeof(jet_bearer_options) / sizeof(jet_bearer_options[0]) ==
	JET_BEARER_NOPTIONS, "JET_BEARER_NOPTIONS");

static bool
empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

static int
parse_profile(const char *s, enum jet_token_profile *out)
{
	if (s == NULL || strcmp(s, "jetstream") == 0)
		*out = JET_PROFILE_JETSTREAM;
	else if (strcmp(s, "okta") == 0)
		*out = JET_PROFILE_OKTA;
	else if (strcmp(s, "generic") == 0)
		*out = JET_PROFILE_GENERIC;
	else
		return JET_EINVAL;
	return JET_OK;
}

static const char *
opt_string(json_t *o, const char *key, bool *bad)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 512) {
		*bad = true;
		return NULL;
	}
	return json_string_value(v);
}

/* The external issuers file: a JSON array of objects (docs/security.md). */
static int
load_external(struct jet_bearer *b, const char *path, struct jet_issuer_conf *iss,
	size_t *n, char *err, size_t errlen)
{
	static const char *const known[] = { "issuer", "audience", "jwks_uri", "profile", "algs",
		"buildings_claim", "groups_claim", "group_prefix", NULL };
	char buf[ISSUERS_FILE_MAX + 1];
	char why[96];
	size_t len;
	FILE *f;
	json_t *doc, *o;
	size_t i;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "[token] external_issuers: cannot open %s", path);
		return JET_ECONF;
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (len > ISSUERS_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, ISSUERS_FILE_MAX);
		return JET_ECONF;
	}
	doc = jet_json_parse(buf, len, ISSUERS_FILE_MAX, 4, true, why, sizeof(why));
	if (!json_is_array(doc)) {
		snprintf(err, errlen, "%s: %s", path, doc ? "must be a JSON array" : why);
		json_decref(doc);
		return JET_ECONF;
	}
	b->issuers_doc = doc;
	json_array_foreach(doc, i, o) {
		struct jet_issuer_conf *c = &iss[*n];
		const char *key, *profile;
		json_t *v, *algs;
		bool bad = false;

		if (*n >= MAX_ISSUERS) {
			snprintf(err, errlen, "%s: at most %d issuers in all", path, MAX_ISSUERS);
			return JET_ECONF;
		}
		if (!json_is_object(o)) {
			snprintf(err, errlen, "%s: entry %zu is not an object", path, i + 1);
			return JET_ECONF;
		}
		json_object_foreach(o, key, v) {
			bool ok = false;

			for (size_t k = 0; known[k] && !ok; k++)
				ok = strcmp(key, known[k]) == 0;
			if (!ok) {
				snprintf(err, errlen, "%s: entry %zu: unknown member", path, i + 1);
				return JET_ECONF;
			}
		}
		memset(c, 0, sizeof(*c));
		c->issuer = opt_string(o, "issuer", &bad);
		c->audience = opt_string(o, "audience", &bad);
		c->jwks_uri = opt_string(o, "jwks_uri", &bad);
		profile = opt_string(o, "profile", &bad);
		c->buildings_claim = opt_string(o, "buildings_claim", &bad);
		c->groups_claim = opt_string(o, "groups_claim", &bad);
		c->group_prefix = opt_string(o, "group_prefix", &bad);
		if (bad || c->issuer == NULL || c->audience == NULL || c->jwks_uri == NULL ||
			parse_profile(profile, &c->profile) != JET_OK) {
			snprintf(err, errlen, "%s: entry %zu needs issuer, audience and jwks_uri "
				"strings and a profile of jetstream, okta or generic", path, i + 1);
			return JET_ECONF;
		}
		algs = json_object_get(o, "algs");
		if (algs != NULL) {
			size_t k;
			json_t *a;

			if (!json_is_array(algs) || json_array_size(algs) == 0) {
				snprintf(err, errlen, "%s: entry %zu: algs must be a non-empty array",
					path, i + 1);
				return JET_ECONF;
			}
			json_array_foreach(algs, k, a) {
				const char *name = json_string_value(a);
				enum jet_jws_alg alg = name ? jet_jws_alg_parse(name, strlen(name)) :
					JET_JWS_UNKNOWN;

				if (!jet_jws_alg_asymmetric(alg)) {
					snprintf(err, errlen, "%s: entry %zu: algs: asymmetric JOSE "
						"algorithms only", path, i + 1);
					return JET_ECONF;
				}
				c->algs |= 1u << alg;
			}
		}
		(*n)++;
	}
	return JET_OK;
}

int
jet_bearer_init(struct jet_bearer *b, struct jet_bearer_conf *conf, const char *data_dir,
	const char *dev_ca, bool check_only, char *err, size_t errlen)
{
	struct jet_issuer_conf iss[MAX_ISSUERS];
	struct jet_verifier_conf vc;
	struct jet_tls_client_conf tc;
	char jwks_uri[600], store_url[600];
	unsigned algs = 0;
	size_t n = 0;
	int rc;

	memset(b, 0, sizeof(*b));
	b->conf = conf;
	if (!empty(conf->issuer)) {
		if (jet_jws_alg_set_parse(conf->algs, &algs) != JET_OK || algs == 0) {
			snprintf(err, errlen, "[token] algs: asymmetric JOSE algorithms only");
			return JET_ECONF;
		}
		if (empty(conf->jwks_uri))
			snprintf(jwks_uri, sizeof(jwks_uri), "%s/.well-known/jwks.json", conf->issuer);
		else
			snprintf(jwks_uri, sizeof(jwks_uri), "%s", conf->jwks_uri);
		memset(&iss[0], 0, sizeof(iss[0]));
		iss[0].issuer = conf->issuer;
		iss[0].audience = conf->audience;
		iss[0].jwks_uri = jwks_uri;
		iss[0].algs = algs;
		iss[0].profile = JET_PROFILE_JETSTREAM;
		n = 1;
	}
	if (!empty(conf->external_issuers) &&
		(rc = load_external(b, conf->external_issuers, iss, &n, err, errlen)) != JET_OK)
		return rc;
	if (n == 0) {
		snprintf(err, errlen, "[token] no issuer: set issuer or external_issuers");
		return JET_ECONF;
	}
	if (check_only)
		return JET_OK;

	memset(&tc, 0, sizeof(tc));
	tc.ca_file = !empty(conf->ca) ? conf->ca : dev_ca;
	if ((rc = jet_tls_client_ctx_new(&tc, &b->tls, err, errlen)) != JET_OK)
		return rc;
	if (!empty(conf->store))
		snprintf(store_url, sizeof(store_url), "%s", conf->store);
	else
		snprintf(store_url, sizeof(store_url), "sqlite:%s/jetstream.db", data_dir);
	if ((rc = jet_store_open(store_url, &b->store, err, errlen)) != JET_OK)
		return rc;

	jet_verifier_conf_default(&vc);
	vc.issuers = iss;
	vc.nissuers = n;
	vc.tls = b->tls;
	vc.store = b->store;
	vc.leeway_s = conf->leeway_ms / 1000;
	vc.max_token_len = conf->max_token_len;
	vc.cache_entries = conf->cache_entries;
	vc.jwks_refresh_ms = conf->jwks_refresh_ms;
	vc.jwks_cooldown_ms = conf->jwks_cooldown_ms;
	vc.revocation_poll_ms = conf->revocation_poll_ms;
	return jet_verifier_new(&vc, &b->verifier, err, errlen);
}

void
jet_bearer_cleanup(struct jet_bearer *b)
{
	jet_verifier_free(b->verifier);
	b->verifier = NULL;
	jet_store_close(b->store);
	b->store = NULL;
	SSL_CTX_free(b->tls);
	b->tls = NULL;
	json_decref(b->issuers_doc);
	b->issuers_doc = NULL;
}

/* ------------------------------------------------------------ requests */

static void
challenge(struct jet_http_req *req, int status, const char *error, const char *desc,
	const char *scope)
{
	char h[256];
	const char *code = error ? error : "unauthorized";

	if (error == NULL)
		snprintf(h, sizeof(h), "Bearer realm=\"jetstream\"");
	else if (scope != NULL)
		snprintf(h, sizeof(h), "Bearer realm=\"jetstream\", error=\"%s\", "
			"error_description=\"%s\", scope=\"%s\"", error, desc, scope);
	else
		snprintf(h, sizeof(h), "Bearer realm=\"jetstream\", error=\"%s\", "
			"error_description=\"%s\"", error, desc);
	(void)jet_http_req_add_header(req, "WWW-Authenticate", h);
	jet_http_respond_error(req, status, code, desc);
}

/* RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
 * "+" / "/" ) *"=" */
static bool
b64token(struct jet_str t)
{
	size_t i = 0;

	while (i < t.len) {
		char c = t.p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'))
			break;
		i++;
	}
	if (i == 0)
		return false;
	while (i < t.len && t.p[i] == '=')
		i++;
	return i == t.len;
}

struct pending {
	struct jet_bearer *b;
	struct jet_http_req *req;
	jet_bearer_next_fn next;
	void *arg;
	struct jet_str token;
};

static void
finish(struct jet_bearer *b, struct jet_http_req *req, struct jet_str token, int rc,
	const struct jet_principal *p, const char *why, jet_bearer_next_fn next, void *arg)
{
	if (rc == JET_OK) {
		next(req, p, arg);
		return;
	}
	if (rc == JET_ENOMEM) {
		jet_http_respond_error(req, 503, "unavailable", "out of memory");
		return;
	}
	jet_log_event(JET_LOG_INFO, "token", "access token refused", "peer",
		jet_http_req_peer_addr(req), "reason", why ? why : "invalid", NULL);
	challenge(req, 401, "invalid_token", "the access token is not valid", NULL);
}

static int
verify(struct jet_bearer *b, struct jet_http_req *req, struct jet_str token,
	struct jet_principal *p, const char **why)
{
	const struct jet_peer_identity *peer = jet_http_req_peer(req);
	struct jet_verify_ctx ctx = { 0 };

	ctx.peer_x5t = peer != NULL ? peer->x5t_s256 : NULL;
	return jet_verifier_verify(b->verifier, token.p, token.len, &ctx, p, why);
}

static void
after_wait(void *arg)
{
	struct pending *pd = arg;
	struct jet_principal *p = malloc(sizeof(*p));
	const char *why = NULL;
	int rc = JET_ENOMEM;

	if (p != NULL) {
		rc = verify(pd->b, pd->req, pd->token, p, &why);
		if (rc == JET_AGAIN) {
			rc = JET_EPERM;
			why = "unknown key";
		}
	}
	finish(pd->b, pd->req, pd->token, rc, p, why, pd->next, pd->arg);
	free(p);
	free(pd);
}

void
jet_bearer_authenticate(struct jet_bearer *b, struct jet_http_req *req,
	jet_bearer_next_fn next, void *arg)
{
	const struct jet_http_request *msg = jet_http_req_msg(req);
	const struct jet_http_header *h;
	struct jet_principal *p;
	struct jet_str v, token;
	const char *why = NULL;
	int rc;

	h = jet_http_find_header(msg->headers, msg->nheaders, "Authorization");
	if (h == NULL) {
		challenge(req, 401, NULL, "an access token is required", NULL);
		return;
	}
	v = h->value;
	if (v.len < 7 || strncasecmp(v.p, "Bearer ", 7) != 0) {
		challenge(req, 401, NULL, "an access token is required (Bearer)", NULL);
		return;
	}
	token.p = v.p + 7;
	token.len = v.len - 7;
	while (token.len > 0 && token.p[0] == ' ') {
		token.p++;
		token.len--;
	}
	if (!b64token(token)) {
		challenge(req, 400, "invalid_request", "malformed Authorization header", NULL);
		return;
	}
	/* The principal is ~10 KiB: on the heap, not a worker's stack. */
	if ((p = malloc(sizeof(*p))) == NULL) {
		jet_http_respond_error(req, 503, "unavailable", "out of memory");
		return;
	}
	rc = verify(b, req, token, p, &why);
	if (rc == JET_AGAIN) {
		struct pending *pd = malloc(sizeof(*pd));

		free(p);
		if (pd == NULL) {
			jet_http_respond_error(req, 503, "unavailable", "out of memory");
			return;
		}
		*pd = (struct pending){ b, req, next, arg, token };
		if (jet_verifier_wait(b->verifier, jet_http_req_loop(req), 3000, after_wait, pd) !=
			JET_OK) {
			free(pd);
			challenge(req, 401, "invalid_token", "the access token is not valid", NULL);
		}
		return;
	}
	finish(b, req, token, rc, p, why, next, arg);
	free(p);
}

void
jet_bearer_forbidden(struct jet_http_req *req, enum jet_authz why, enum jet_action action)
{
	if (why == JET_AUTHZ_NO_SCOPE)
		challenge(req, 403, "insufficient_scope", "the token's scope does not allow this",
			jet_authz_scope(action));
	else
		jet_http_respond_error(req, 403, "forbidden",
			"the token does not grant this on this building");
}
