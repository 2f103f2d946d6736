/*
 * main.c - `jetstream auth`: configuration, start-up and the housekeeping
 * thread (key schedule, store purge).  Endpoints live in their own files.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "jet/log.h"
#include "auth/auth.h"
#include "common/cli.h"
#include "common/service.h"

struct auth_state auth_state;

const char *const auth_alg_names[] = { "ES256", "EdDSA", "RS256", NULL };
static const enum jet_jws_alg auth_algs[] = { JET_JWS_ES256, JET_JWS_EDDSA, JET_JWS_RS256 };

#define OPT(sec, key, type, field, def, lo, hi, choices, help) \
	{ sec, key, type, offsetof(struct auth_conf, field), def, lo, hi, choices, help }
#define SEC 1000ull
#define DAY (24ull * 3600ull * SEC)

static const struct jet_conf_option auth_options[] = {
	OPT("auth", "issuer", JET_CONF_STRING, issuer, "https://localhost:8444", 0, 0, NULL,
		"issuer identifier: the tokens' iss and the metadata's issuer (https URL)"),
	OPT("auth", "audience", JET_CONF_STRING, audience, "jetstream", 0, 0, NULL,
		"aud of tokens issued without a resource parameter"),
	OPT("auth", "resources", JET_CONF_STRING, resources, NULL, 0, 0, NULL,
		"space-separated resource indicators (RFC 8707) a client may ask for"),
	OPT("auth", "token_lifetime", JET_CONF_DURATION, token_lifetime_ms, "10m", 30 * SEC,
		DAY, NULL, "access token lifetime"),
	OPT("auth", "signing_alg", JET_CONF_ENUM, signing_alg, "ES256", 0, 0, auth_alg_names,
		"token signature algorithm: ES256, EdDSA or RS256"),
	OPT("auth", "key_rotation", JET_CONF_DURATION, key_rotation_ms, "30d", 0, 3650 * DAY,
		NULL, "automatic signing key rotation period; 0: only `jetstream keys rotate`"),
	OPT("auth", "key_prepublish", JET_CONF_DURATION, key_prepublish_ms, "1h", 0, 30 * DAY,
		NULL, "a new key is published this long before it signs"),
	OPT("auth", "leeway", JET_CONF_DURATION, leeway_ms, "60s", 0, 300 * SEC, NULL,
		"clock skew allowed on client assertions' exp, nbf and iat"),
	OPT("auth", "assertion_max_lifetime", JET_CONF_DURATION, assertion_max_lifetime_ms,
		"5m", 10 * SEC, 3600 * SEC, NULL,
		"private_key_jwt: how far in the future an assertion's exp may be"),
	OPT("auth", "assertion_algs", JET_CONF_STRING, assertion_algs, "ES256 ES384 EdDSA RS256 PS256",
		0, 0, NULL, "private_key_jwt: accepted signature algorithms (asymmetric only)"),
	OPT("auth", "store", JET_CONF_STRING, store, NULL, 0, 0, NULL,
		"store URL; empty: sqlite:<data_dir>/jetstream.db"),
	OPT("auth", "rate_per_client", JET_CONF_UINT, rate_per_client, "20", 0, 1000000, NULL,
		"token endpoint requests per second per client; 0: no limit"),
	OPT("auth", "burst_per_client", JET_CONF_UINT, burst_per_client, "40", 1, 1000000, NULL,
		"requests a client may make at once before rate_per_client applies"),
	OPT("auth", "rate_per_address", JET_CONF_UINT, rate_per_address, "50", 0, 1000000, NULL,
		"token endpoint requests per second per source address; 0: no limit"),
	OPT("auth", "burst_per_address", JET_CONF_UINT, burst_per_address, "100", 1, 1000000,
		NULL, "requests an address may make at once before rate_per_address applies"),
	OPT("auth", "client_cache_ttl", JET_CONF_DURATION, client_cache_ttl_ms, "1s", 0,
		60 * SEC, NULL, "how long a client record is reused before the store is read again"),
};

static const struct jet_route auth_routes[] = {
	{ JET_HTTP_POST, "/oauth2/token", (void *)auth_handle_token, &auth_state },
	{ JET_HTTP_GET, "/oauth2/token", (void *)auth_handle_token_get, &auth_state },
	{ JET_HTTP_POST, "/oauth2/introspect", (void *)auth_handle_introspect, &auth_state },
	{ JET_HTTP_POST, "/oauth2/revoke", (void *)auth_handle_revoke, &auth_state },
	{ JET_HTTP_GET, "/.well-known/oauth-authorization-server",
		(void *)auth_handle_metadata, &auth_state },
	{ JET_HTTP_GET, "/.well-known/jwks.json", (void *)auth_handle_jwks, &auth_state },
	{ JET_HTTP_GET, "/healthz", (void *)auth_handle_health, &auth_state },
};

static int auth_init(struct jet_service *svc, bool check_only, char *err, size_t errlen);
static void auth_cleanup(struct jet_service *svc);

static const struct jet_service_def auth_def = {
	.name = "auth",
	.what = "the authorization server",
	.listen = "127.0.0.1:8444",
	/* Form bodies of a few hundred bytes: a connection never buffers more
	 * than the endpoints read (AUTH_FORM_MAX). */
	.max_body = "16k",
	.routes = auth_routes,
	.nroutes = sizeof(auth_routes) / sizeof(auth_routes[0]),
	.parts = (const struct jet_conf_part[]){
		{ auth_options, sizeof(auth_options) / sizeof(auth_options[0]), &auth_state.conf,
			sizeof(auth_state.conf) },
	},
	.nparts = 1,
	.init = auth_init,
	.cleanup = auth_cleanup,
};

/* ---------------------------------------------------------------- checks */

/* An issuer identifier is an https URL without query or fragment
 * (RFC 8414 §2); its exact text is the tokens' iss. */
static bool
issuer_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 9 || n > 200 || strncmp(s, "https://", 8) != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 127 || s[i] == '?' || s[i] == '#' || s[i] == '"' ||
			s[i] == '\\')
			return false;
	return s[n - 1] != '/';
}

/* A resource indicator is an absolute URI without a fragment (RFC 8707 §2);
 * the default audience may be any short token-safe string. */
static bool
resource_valid(const char *s, bool uri)
{
	size_t n = strlen(s);

	if (n == 0 || n > 200)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 127 || s[i] == '#' || s[i] == '"' || s[i] == '\\')
			return false;
	return !uri || strstr(s, "://") != NULL;
}

static int
parse_resources(struct auth_state *st, char *err, size_t errlen)
{
	const char *p = st->conf.resources ? st->conf.resources : "";

	if (!resource_valid(st->conf.audience, false)) {
		snprintf(err, errlen, "[auth] audience: 1-200 visible characters, no quotes");
		return JET_ECONF;
	}
	if ((st->resources[0] = strdup(st->conf.audience)) == NULL)
		return JET_ENOMEM;
	st->nresources = 1;
	while (*p) {
		size_t n;
		char *r;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == 0)
			break;
		if (st->nresources == JET_ARRAY_LEN(st->resources)) {
			snprintf(err, errlen, "[auth] resources: at most %zu",
				JET_ARRAY_LEN(st->resources) - 1);
			return JET_ECONF;
		}
		if ((r = strndup(p, n)) == NULL)
			return JET_ENOMEM;
		st->resources[st->nresources++] = r;
		if (!resource_valid(r, true)) {
			snprintf(err, errlen, "[auth] resources: each must be an absolute URI "
				"without a fragment");
			return JET_ECONF;
		}
		p += n;
	}
	return JET_OK;
}

/* ---------------------------------------------------------- housekeeping */

static void
hk_tick(uv_timer_t *t)
{
	struct auth_state *st = t->data;
	static unsigned ticks;
	bool changed = false;
	int64_t now = (int64_t)time(NULL);
	char err[256];

	if (jet_keyring_tick(st->keys, now, &changed, err, sizeof(err)) != JET_OK)
		jet_log_event(JET_LOG_WARN, "auth", "key ring: reload or rotation failed",
			"reason", err, NULL);
	else if (changed)
		jet_log_event(JET_LOG_INFO, "auth", "signing keys changed", NULL);
	/* Used jtis and revocations past their exp are of no further use. */
	if (++ticks % 60 == 0)
		(void)jet_store_purge(st->store, now);
}

static void
hk_stop(uv_async_t *a)
{
	struct auth_state *st = a->data;

	uv_timer_stop(&st->hk_timer);
	uv_close((uv_handle_t *)&st->hk_timer, NULL);
	uv_close((uv_handle_t *)&st->hk_stop, NULL);
}

static void *
hk_main(void *arg)
{
	struct auth_state *st = arg;

	uv_run(&st->hk_loop, UV_RUN_DEFAULT);
	return NULL;
}

static int
hk_start(struct auth_state *st)
{
	if (uv_loop_init(&st->hk_loop) != 0)
		return JET_ENOMEM;
	uv_timer_init(&st->hk_loop, &st->hk_timer);
	uv_async_init(&st->hk_loop, &st->hk_stop, hk_stop);
	st->hk_timer.data = st;
	st->hk_stop.data = st;
	/* Every second: a `keys rotate` from the command line reaches the
	 * service within a second, and so does a scheduled activation. */
	uv_timer_start(&st->hk_timer, hk_tick, 1000, 1000);
	if (pthread_create(&st->hk_thread, NULL, hk_main, st) != 0) {
		uv_close((uv_handle_t *)&st->hk_timer, NULL);
		uv_close((uv_handle_t *)&st->hk_stop, NULL);
		uv_run(&st->hk_loop, UV_RUN_DEFAULT);
		uv_loop_close(&st->hk_loop);
		return JET_EIO;
	}
	st->hk_running = true;
	return JET_OK;
}

/* ---------------------------------------------------------- start, stop */

static int
auth_init(struct jet_service *svc, bool check_only, char *err, size_t errlen)
{
	struct auth_state *st = &auth_state;
	struct jet_keyring_policy pol;
	char dir[600];
	int rc;

	svc->state = st;
	if (!issuer_valid(st->conf.issuer)) {
		snprintf(err, errlen, "[auth] issuer must be an https URL without query, fragment "
			"or trailing slash");
		return JET_ECONF;
	}
	if ((rc = parse_resources(st, err, errlen)) != JET_OK)
		return rc;
	if (jet_jws_alg_set_parse(st->conf.assertion_algs, &st->assertion_algs) != JET_OK ||
		st->assertion_algs == 0) {
		snprintf(err, errlen, "[auth] assertion_algs: asymmetric JOSE algorithms only "
			"(ES256 ES384 EdDSA RS256 PS256)");
		return JET_ECONF;
	}
	if (st->conf.key_rotation_ms != 0 &&
		st->conf.key_rotation_ms <= st->conf.key_prepublish_ms + st->conf.token_lifetime_ms) {
		snprintf(err, errlen, "[auth] key_rotation must exceed key_prepublish plus "
			"token_lifetime");
		return JET_ECONF;
	}
	if ((size_t)snprintf(st->data_dir, sizeof(st->data_dir), "%s", svc->conf.data_dir) >=
		sizeof(st->data_dir) - 32) {
		snprintf(err, errlen, "[server] data_dir: path too long");
		return JET_ECONF;
	}
	if (st->conf.store != NULL && st->conf.store[0] != '\0')
		rc = snprintf(st->store_url, sizeof(st->store_url), "%s", st->conf.store);
	else
		rc = snprintf(st->store_url, sizeof(st->store_url), "sqlite:%s/jetstream.db",
			st->data_dir);
	if (rc < 0 || (size_t)rc >= sizeof(st->store_url)) {
		snprintf(err, errlen, "[auth] store: URL too long");
		return JET_ECONF;
	}
	if ((rc = auth_metadata_build(st, svc->conf.tls_mtls != JET_MTLS_OFF)) != JET_OK) {
		snprintf(err, errlen, "cannot build the metadata document");
		return rc;
	}
	if (check_only)
		return JET_OK;

	if ((rc = jet_secret_key_load(st->data_dir, st->secret_key, err, errlen)) != JET_OK)
		return rc;
	if ((rc = jet_store_open(st->store_url, &st->store, err, errlen)) != JET_OK)
		return rc;
	jet_keyring_policy_default(&pol);
	pol.alg = auth_algs[st->conf.signing_alg];
	pol.token_lifetime_s = (int64_t)(st->conf.token_lifetime_ms / 1000);
	pol.leeway_s = (int64_t)(st->conf.leeway_ms / 1000);
	pol.rotation_s = (int64_t)(st->conf.key_rotation_ms / 1000);
	pol.prepublish_s = (int64_t)(st->conf.key_prepublish_ms / 1000);
	if ((size_t)snprintf(dir, sizeof(dir), "%s/auth/keys", st->data_dir) >= sizeof(dir))
		return JET_ECONF; /* cannot happen: data_dir was checked above */
	if ((rc = jet_keyring_open(dir, &pol, (int64_t)time(NULL), &st->keys, err, errlen)) !=
		JET_OK)
		return rc;
	if (st->conf.rate_per_client > 0 &&
		jet_ratelimit_new((double)st->conf.rate_per_client,
			(double)st->conf.burst_per_client, 65536, &st->rl_client) != JET_OK)
		return JET_ENOMEM;
	if (st->conf.rate_per_address > 0 &&
		jet_ratelimit_new((double)st->conf.rate_per_address,
			(double)st->conf.burst_per_address, 65536, &st->rl_address) != JET_OK)
		return JET_ENOMEM;
	pthread_mutex_init(&st->jwks_mu, NULL);
	if ((rc = hk_start(st)) != JET_OK) {
		snprintf(err, errlen, "cannot start the housekeeping thread");
		return rc;
	}
	jet_log_event(JET_LOG_INFO, "auth", "authorization server ready", NULL);
	return JET_OK;
}

static void
auth_cleanup(struct jet_service *svc)
{
	struct auth_state *st = &auth_state;

	if (st->hk_running) {
		uv_async_send(&st->hk_stop);
		pthread_join(st->hk_thread, NULL);
		uv_loop_close(&st->hk_loop);
		st->hk_running = false;
		pthread_mutex_destroy(&st->jwks_mu);
	}
	jet_keyring_free(st->keys);
	st->keys = NULL;
	jet_store_close(st->store);
	st->store = NULL;
	jet_ratelimit_free(st->rl_client);
	jet_ratelimit_free(st->rl_address);
	st->rl_client = st->rl_address = NULL;
	for (size_t i = 0; i < st->nresources; i++)
		free(st->resources[i]);
	st->nresources = 0;
	free(st->metadata);
	st->metadata = NULL;
	free(st->jwks);
	st->jwks = NULL;
	jet_wipe(st->secret_key, sizeof(st->secret_key));
}

int
jet_auth_main(int argc, char **argv)
{
	return jet_service_main(&auth_def, argc, argv);
}
