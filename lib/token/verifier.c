/*
 * verifier.c - the verifier's life: configuration checks, issuers and
 * their key sets, the revoked set, statistics, and the revocation poll.
 *
 * jet_verifier_new checks the whole configuration before anything starts
 * (every issuer, every limit, every inline JWKS), reads the store's
 * current revocations once (so a revoked token is refused from the first
 * request, not from the first poll), then starts the verifier thread when
 * there is something for it to do (fetch.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "jet/log.h"
#include "token_int.h"

#define DEFAULT_ALGS ((1u << JET_JWS_ES256) | (1u << JET_JWS_EDDSA) | (1u << JET_JWS_RS256))
#define ASYM_ALGS ((1u << JET_JWS_ES256) | (1u << JET_JWS_ES384) | (1u << JET_JWS_EDDSA) | \
	(1u << JET_JWS_RS256) | (1u << JET_JWS_PS256))

void
jet_verifier_conf_default(struct jet_verifier_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->leeway_s = 60;
	conf->max_token_len = 8192;
	conf->max_lifetime_s = 86400;
	conf->cache_entries = 4096;
	conf->jwks_refresh_ms = 300000;
	conf->jwks_cooldown_ms = 30000;
	conf->revocation_poll_ms = 2000;
	conf->max_jwks_bytes = 65536;
}

/* ------------------------------------------------------------------------
 * Small shared helpers
 * --------------------------------------------------------------------- */

int
token_sha256(const struct jet_verifier *v, const void *p, size_t len, uint8_t out[32])
{
	unsigned int n = 0;

	if (EVP_Digest(p, len, out, &n, v->sha256, NULL) != 1 || n != 32)
		return JET_ENOMEM;
	return JET_OK;
}

struct token_keyset *
token_keyset_new(void)
{
	struct token_keyset *ks = calloc(1, sizeof(*ks));

	if (ks != NULL)
		atomic_init(&ks->refs, 1);
	return ks;
}

void
token_keyset_unref(struct token_keyset *ks)
{
	if (ks != NULL && atomic_fetch_sub(&ks->refs, 1) == 1) {
		jet_jwks_cleanup(&ks->jwks);
		free(ks);
	}
}

struct token_keyset *
token_issuer_keys(struct token_issuer *is)
{
	struct token_keyset *ks;

	pthread_mutex_lock(&is->mu);
	ks = is->keys;
	atomic_fetch_add(&ks->refs, 1);
	pthread_mutex_unlock(&is->mu);
	return ks;
}

void
token_signal_unref(struct token_signal *s)
{
	if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1)
		free(s);
}

/*
 * The cooldown counts from the start of the issuer's last fetch, whatever
 * started it.  A fetch already asked for or running answers JET_AGAIN (at
 * start, before the first fetch has finished, every token would otherwise
 * be refused); otherwise one is started when the cooldown has passed.
 */
int
token_unknown_kid(struct token_issuer *is)
{
	struct jet_verifier *v = is->v;
	uint64_t now = jet_now_ms();
	bool start = false;
	int rc = JET_EPERM;

	if (!is->has_uri)
		return JET_EPERM;
	pthread_mutex_lock(&is->mu);
	if (is->want || is->fetching) {
		rc = JET_AGAIN;
	} else if (!is->fetched_once || now - is->last_start_ms >= v->conf.jwks_cooldown_ms) {
		is->want = true;
		is->fetched_once = true;
		is->last_start_ms = now;
		atomic_fetch_add(&v->sig->busy, 1);
		start = true;
		rc = JET_AGAIN;
	}
	pthread_mutex_unlock(&is->mu);
	if (start)
		uv_async_send(&v->wake);
	return rc;
}

/* ------------------------------------------------------------------------
 * Revocations
 * --------------------------------------------------------------------- */

struct poll_ctx {
	struct jet_verifier *v;
	int64_t now;
	size_t got;
	bool failed;
};

static void
on_revoked(const char *jti, int64_t exp, void *arg)
{
	struct poll_ctx *pc = arg;

	pc->got++;
	if (token_revset_add(pc->v->revoked, jti, strlen(jti), exp, pc->now) != JET_OK)
		pc->failed = true;
}

void
token_poll_revocations(struct jet_verifier *v)
{
	struct poll_ctx pc = { v, (int64_t)(jet_wall_ms() / 1000), 0, false };

	if (v->conf.store == NULL)
		return;
	for (int page = 0; page < TOKEN_REV_PAGES; page++) {
		uint64_t last = v->rev_last;
		int rc;

		pc.got = 0;
		/* Entries whose exp passed more than leeway ago can no longer
		 * matter: such a token is refused as expired. */
		rc = jet_store_revoked_since(v->conf.store, v->rev_last,
			pc.now - (int64_t)v->conf.leeway_s, TOKEN_REV_PAGE, on_revoked, &pc, &last);
		if (rc != JET_OK) {
			jet_log_event(JET_LOG_WARN, "token", "revocation poll failed", "reason",
				jet_strerror(rc), NULL);
			break;
		}
		if (pc.failed) {
			/* Read the same page again next time rather than lose one. */
			jet_log_event(JET_LOG_WARN, "token", "revocation poll: out of memory", NULL);
			break;
		}
		v->rev_last = last;
		if (pc.got < TOKEN_REV_PAGE)
			break;
	}
	token_revset_purge(v->revoked, pc.now);
}

void
jet_verifier_revoke(struct jet_verifier *v, const char *jti, int64_t exp)
{
	size_t len;

	if (v == NULL || jti == NULL || (len = strlen(jti)) == 0)
		return;
	if (token_revset_add(v->revoked, jti, len, exp, (int64_t)(jet_wall_ms() / 1000)) !=
		JET_OK)
		jet_log_event(JET_LOG_ERROR, "token", "revocation not recorded: out of memory",
			NULL);
}

void
jet_verifier_stats(const struct jet_verifier *v, struct jet_verifier_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (v == NULL)
		return;
	st->verified = atomic_load(&v->verified);
	st->rejected = atomic_load(&v->rejected);
	st->cache_hits = atomic_load(&v->cache_hits);
	st->cache_misses = atomic_load(&v->cache_misses);
	st->jwks_fetches = atomic_load(&v->jwks_fetches);
	st->jwks_failures = atomic_load(&v->jwks_failures);
	st->revocations = token_revset_count(v->revoked);
}

/* ------------------------------------------------------------------------
 * Configuration
 * --------------------------------------------------------------------- */

static int
conf_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
conf_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return JET_ECONF;
}

/* A claim name: printable ASCII, 1..64. */
static bool
claim_name_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static int
check_limits(const struct jet_verifier_conf *c, char *err, size_t errlen)
{
	if (c->issuers == NULL || c->nissuers == 0 || c->nissuers > TOKEN_MAX_ISSUERS)
		return conf_fail(err, errlen, "token: 1 to %d issuers", TOKEN_MAX_ISSUERS);
	if (c->leeway_s > 300)
		return conf_fail(err, errlen, "token: leeway at most 300 s");
	if (c->max_token_len < TOKEN_LEN_MIN || c->max_token_len > TOKEN_LEN_MAX)
		return conf_fail(err, errlen, "token: max_token_len %d to %d", TOKEN_LEN_MIN,
			TOKEN_LEN_MAX);
	if (c->max_lifetime_s == 0 || c->max_lifetime_s > 366u * 86400)
		return conf_fail(err, errlen, "token: max_lifetime 1 s to 366 days");
	if (c->cache_entries > TOKEN_CACHE_MAX)
		return conf_fail(err, errlen, "token: cache_entries at most %d", TOKEN_CACHE_MAX);
	if (c->jwks_refresh_ms < 10 || c->jwks_refresh_ms > 7u * 86400 * 1000)
		return conf_fail(err, errlen, "token: jwks_refresh 10 ms to 7 days");
	if (c->jwks_cooldown_ms < 10 || c->jwks_cooldown_ms > c->jwks_refresh_ms)
		return conf_fail(err, errlen, "token: jwks_cooldown 10 ms to jwks_refresh");
	if (c->revocation_poll_ms < 10 || c->revocation_poll_ms > 3600u * 1000)
		return conf_fail(err, errlen, "token: revocation_poll 10 ms to 1 h");
	if (c->max_jwks_bytes < 1024 || c->max_jwks_bytes > 16u * 1024 * 1024)
		return conf_fail(err, errlen, "token: max_jwks_bytes 1 KiB to 16 MiB");
	return JET_OK;
}

/* RSA keys without "alg" take RS256 when allowed, else PS256. */
enum jet_jws_alg
token_rsa_default(unsigned algs)
{
	return (algs & (1u << JET_JWS_RS256)) || !(algs & (1u << JET_JWS_PS256)) ? JET_JWS_RS256 :
		JET_JWS_PS256;
}

static char *
dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*oom = true;
	return d;
}

static int
issuer_init(struct jet_verifier *v, size_t i, const struct jet_issuer_conf *ic, char *err,
	size_t errlen)
{
	struct token_issuer *is = &v->iss[i];
	char why[96];
	bool oom = false;
	int rc;

	is->index = (int)i;
	is->v = v;
	if (pthread_mutex_init(&is->mu, NULL) != 0)
		return JET_ENOMEM;
	atomic_init(&is->epoch, 1);
	if ((is->keys = token_keyset_new()) == NULL)
		return JET_ENOMEM;
	is->keys->epoch = 1;
	if (ic->issuer == NULL || ic->issuer[0] == '\0' || strlen(ic->issuer) > 255)
		return conf_fail(err, errlen, "issuer %zu: issuer 1 to 255 characters", i + 1);
	for (size_t j = 0; j < i; j++)
		if (strcmp(v->iss[j].iss, ic->issuer) == 0)
			return conf_fail(err, errlen, "issuer %zu: configured twice", i + 1);
	if (ic->audience == NULL || ic->audience[0] == '\0' || strlen(ic->audience) > 1024)
		return conf_fail(err, errlen, "issuer %zu: audience 1 to 1024 characters", i + 1);
	if ((ic->jwks_uri == NULL) == (ic->jwks_json == NULL))
		return conf_fail(err, errlen, "issuer %zu: exactly one of jwks_uri, jwks_json",
			i + 1);
	if (ic->jwks_uri != NULL && token_url_parse(ic->jwks_uri, &is->url) != JET_OK)
		return conf_fail(err, errlen, "issuer %zu: jwks_uri must be https://host[:port]/path "
			"(no userinfo, no fragment)", i + 1);
	is->has_uri = ic->jwks_uri != NULL;
	if (is->has_uri && v->conf.tls == NULL)
		return conf_fail(err, errlen, "issuer %zu: jwks_uri needs a TLS context", i + 1);
	is->algs = ic->algs != 0 ? ic->algs : DEFAULT_ALGS;
	if ((is->algs & ~ASYM_ALGS) != 0)
		return conf_fail(err, errlen, "issuer %zu: only asymmetric algorithms", i + 1);
	if (ic->profile != JET_PROFILE_JETSTREAM && ic->profile != JET_PROFILE_OKTA &&
		ic->profile != JET_PROFILE_GENERIC)
		return conf_fail(err, errlen, "issuer %zu: unknown profile", i + 1);
	is->profile = ic->profile;
	if ((ic->buildings_claim != NULL && !claim_name_ok(ic->buildings_claim)) ||
		(ic->groups_claim != NULL && !claim_name_ok(ic->groups_claim)) ||
		(ic->group_prefix != NULL && strlen(ic->group_prefix) > 64))
		return conf_fail(err, errlen, "issuer %zu: invalid claim name or group prefix", i + 1);

	is->iss = dup_or_null(ic->issuer, &oom);
	is->aud = dup_or_null(ic->audience, &oom);
	is->buildings_claim = dup_or_null(ic->buildings_claim != NULL ? ic->buildings_claim :
		ic->profile == JET_PROFILE_OKTA ? NULL : "buildings", &oom);
	is->groups_claim = dup_or_null(ic->groups_claim, &oom);
	is->group_prefix = dup_or_null(ic->group_prefix != NULL ? ic->group_prefix : "jetstream:",
		&oom);
	if (oom)
		return JET_ENOMEM;
	if (ic->jwks_json != NULL) {
		rc = jet_jwks_parse(ic->jwks_json, strlen(ic->jwks_json), v->conf.max_jwks_bytes,
			TOKEN_JWKS_MAX_KEYS, is->algs, token_rsa_default(is->algs), &is->keys->jwks, why,
			sizeof(why));
		if (rc == JET_ENOMEM)
			return rc;
		if (rc != JET_OK)
			return conf_fail(err, errlen, "issuer %zu: jwks_json: %s", i + 1, why);
		if (is->keys->jwks.n == 0)
			return conf_fail(err, errlen, "issuer %zu: jwks_json has no usable key", i + 1);
	}
	return JET_OK;
}

static void
issuer_cleanup(struct token_issuer *is)
{
	if (is->v == NULL)
		return;
	token_keyset_unref(is->keys);
	pthread_mutex_destroy(&is->mu);
	free(is->iss);
	free(is->aud);
	free(is->buildings_claim);
	free(is->groups_claim);
	free(is->group_prefix);
	memset(is, 0, sizeof(*is));
}

int
jet_verifier_new(const struct jet_verifier_conf *conf, struct jet_verifier **out, char *err,
	size_t errlen)
{
	struct jet_verifier *v;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	*out = NULL;
	if (conf == NULL)
		return conf_fail(err, errlen, "token: no configuration");
	if ((rc = check_limits(conf, err, errlen)) != JET_OK)
		return rc;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return JET_ENOMEM;
	v->conf = *conf;
	v->conf.issuers = NULL;
	v->conf.nissuers = 0;
	if ((v->sig = calloc(1, sizeof(*v->sig))) == NULL) {
		rc = JET_ENOMEM;
		goto fail;
	}
	atomic_init(&v->sig->refs, 1);
	if ((v->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL) {
		rc = conf_fail(err, errlen, "token: SHA-256 unavailable");
		goto fail;
	}
	for (size_t i = 0; i < conf->nissuers; i++) {
		v->niss = i + 1;
		if ((rc = issuer_init(v, i, &conf->issuers[i], err, errlen)) != JET_OK)
			goto fail;
	}
	if (conf->cache_entries > 0 &&
		(rc = token_cache_new((size_t)conf->cache_entries, &v->cache)) != JET_OK)
		goto fail;
	if ((rc = token_revset_new(TOKEN_REVOKED_MAX, (int64_t)conf->leeway_s, &v->revoked)) !=
		JET_OK)
		goto fail;
	token_poll_revocations(v);
	if ((rc = token_thread_start(v, err, errlen)) != JET_OK)
		goto fail;
	*out = v;
	return JET_OK;
fail:
	jet_verifier_free(v);
	return rc;
}

void
jet_verifier_free(struct jet_verifier *v)
{
	if (v == NULL)
		return;
	token_thread_stop(v);
	if (v->sig != NULL) {
		/* Waits still pending fire on their next tick. */
		atomic_store(&v->sig->closed, true);
		token_signal_unref(v->sig);
	}
	for (size_t i = 0; i < v->niss; i++)
		issuer_cleanup(&v->iss[i]);
	token_cache_free(v->cache);
	token_revset_free(v->revoked);
	EVP_MD_free(v->sha256);
	free(v);
}
