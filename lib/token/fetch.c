/*
 * fetch.c - the verifier's thread: JWKS fetches over HTTPS, the periodic
 * refresh, the revocation poll; and jet_verifier_wait.
 *
 * The thread runs a private libuv loop with one jet_http_client.  Other
 * threads talk to it only through the issuers' want flags (under the
 * issuer mutex) and a uv_async_t; it hands results back by swapping an
 * issuer's key-set pointer (under the same mutex, for an instant) and by
 * bumping the signal's generation.  It may block: the revocation poll
 * calls the store (SQLite) directly, which delays a fetch by a few
 * milliseconds at worst and never a verification.
 *
 * A fetch succeeds only with status 200, a JSON media type
 * (application/json or application/jwk-set+json), a body of at most
 * max_jwks_bytes and a JWKS that jet_jwks_parse accepts whole with at least
 * one usable key.  Anything else keeps the previous key set; the next
 * attempt comes after the cooldown instead of the full refresh period.
 * Redirects are not followed: a jwks_uri is configured, not discovered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jet/log.h"
#include "token_int.h"

/* ------------------------------------------------------------------------
 * jwks_uri
 * --------------------------------------------------------------------- */

static bool
host_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		c == '.' || c == '-';
}

int
token_url_parse(const char *uri, struct token_url *out)
{
	static const char scheme[] = "https://";
	const char *p, *auth, *auth_end, *host, *host_end, *port = NULL;
	size_t hlen, tlen;
	uint64_t portnum = 443;

	memset(out, 0, sizeof(*out));
	if (uri == NULL || strncmp(uri, scheme, sizeof(scheme) - 1) != 0)
		return JET_EINVAL;
	for (p = uri; *p != '\0'; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e || *p == '#')
			return JET_EINVAL; /* visible ASCII, no fragment */
	auth = uri + sizeof(scheme) - 1;
	auth_end = auth + strcspn(auth, "/?");
	if (memchr(auth, '@', (size_t)(auth_end - auth)) != NULL)
		return JET_EINVAL; /* userinfo */
	if (*auth == '[') {
		host = auth + 1;
		host_end = memchr(host, ']', (size_t)(auth_end - host));
		if (host_end == NULL)
			return JET_EINVAL;
		for (p = host; p < host_end; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
				    (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'))
				return JET_EINVAL;
		p = host_end + 1;
	} else {
		host = auth;
		for (p = auth; p < auth_end && *p != ':'; p++)
			if (!host_char(*p))
				return JET_EINVAL;
		host_end = p;
	}
	if (p < auth_end) {
		if (*p != ':')
			return JET_EINVAL;
		port = p + 1;
		if (jet_parse_u64(port, (size_t)(auth_end - port), 65535, &portnum) != JET_OK ||
			portnum == 0)
			return JET_EINVAL;
	}
	hlen = (size_t)(host_end - host);
	if (hlen == 0 || hlen > TOKEN_URL_HOST_MAX)
		return JET_EINVAL;
	memcpy(out->host, host, hlen);
	out->host[hlen] = '\0';
	out->port = (uint16_t)portnum;
	/* The target: the path and query, "/" when empty. */
	tlen = strlen(auth_end);
	if (tlen + 1 > TOKEN_URL_TARGET_MAX)
		return JET_EINVAL;
	if (*auth_end != '/') {
		out->target[0] = '/';
		memcpy(out->target + 1, auth_end, tlen + 1);
	} else {
		memcpy(out->target, auth_end, tlen + 1);
	}
	return JET_OK;
}

/* ------------------------------------------------------------------------
 * Fetches (verifier thread)
 * --------------------------------------------------------------------- */

static void on_refresh_timer(uv_timer_t *t);

static void
fetch_done(struct token_issuer *is, bool ok, const char *reason)
{
	struct jet_verifier *v = is->v;
	bool stopping = atomic_load(&v->stopping);
	uint64_t next = ok ? v->conf.jwks_refresh_ms :
		JET_MIN(v->conf.jwks_refresh_ms, v->conf.jwks_cooldown_ms);

	atomic_fetch_add(&v->jwks_fetches, 1);
	if (!ok) {
		atomic_fetch_add(&v->jwks_failures, 1);
		if (!stopping)
			jet_log_event(JET_LOG_WARN, "token", "JWKS fetch failed; previous keys kept",
				"issuer", is->iss, "reason", reason, NULL);
	}
	pthread_mutex_lock(&is->mu);
	is->fetching = false;
	pthread_mutex_unlock(&is->mu);
	atomic_fetch_sub(&v->sig->busy, 1);
	atomic_fetch_add(&v->sig->gen, 1);
	if (!stopping)
		uv_timer_start(&is->timer, on_refresh_timer, next, 0);
}

static bool
json_media_type(const struct jet_http_response *head)
{
	const struct jet_http_header *h =
		jet_http_find_header(head->headers, head->nheaders, "content-type");
	struct jet_str t;
	const char *semi;

	if (h == NULL)
		return false;
	t = h->value;
	if ((semi = memchr(t.p, ';', t.len)) != NULL)
		t.len = (size_t)(semi - t.p);
	t = jet_str_trim_ows(t);
	return jet_str_caseeq_cstr(t, "application/json") ||
		jet_str_caseeq_cstr(t, "application/jwk-set+json");
}

/* Installs a fetched set (consumed) unless it equals the current one.
 * False only when out of memory. */
static bool
install(struct token_issuer *is, struct jet_jwks *set, const uint8_t hash[32])
{
	struct token_keyset *ks, *old;

	if (is->have_doc && memcmp(is->doc_hash, hash, 32) == 0) {
		jet_jwks_cleanup(set);
		return true;
	}
	if ((ks = token_keyset_new()) == NULL) {
		jet_jwks_cleanup(set);
		return false;
	}
	ks->jwks = *set;
	memset(set, 0, sizeof(*set));
	pthread_mutex_lock(&is->mu);
	old = is->keys;
	ks->epoch = atomic_load(&is->epoch) + 1;
	is->keys = ks;
	atomic_store(&is->epoch, ks->epoch);
	pthread_mutex_unlock(&is->mu);
	token_keyset_unref(old);
	memcpy(is->doc_hash, hash, 32);
	is->have_doc = true;
	return true;
}

static void
on_fetched(int result, const struct jet_http_client_resp *resp, void *arg)
{
	struct token_issuer *is = arg;
	struct jet_verifier *v = is->v;
	struct jet_jwks set;
	uint8_t hash[32];
	char why[96];
	int rc;

	if (atomic_load(&v->stopping)) {
		fetch_done(is, false, NULL);
		return;
	}
	if (result != JET_OK) {
		fetch_done(is, false, jet_strerror(result));
		return;
	}
	if (resp->status != 200) {
		fetch_done(is, false, "status not 200");
		return;
	}
	if (!json_media_type(resp->head)) {
		fetch_done(is, false, "not a JSON media type");
		return;
	}
	if (resp->body.len > v->conf.max_jwks_bytes) {
		fetch_done(is, false, "JWKS too large");
		return;
	}
	rc = jet_jwks_parse(resp->body.p, resp->body.len, v->conf.max_jwks_bytes,
		TOKEN_JWKS_MAX_KEYS, is->algs, token_rsa_default(is->algs), &set, why, sizeof(why));
	if (rc != JET_OK) {
		fetch_done(is, false, why); /* a fixed reason from lib/jose */
		return;
	}
	if (set.n == 0) {
		jet_jwks_cleanup(&set);
		fetch_done(is, false, "no usable key");
		return;
	}
	if (token_sha256(v, resp->body.p, resp->body.len, hash) != JET_OK) {
		jet_jwks_cleanup(&set);
		fetch_done(is, false, "out of memory");
		return;
	}
	if (!install(is, &set, hash)) {
		fetch_done(is, false, "out of memory");
		return;
	}
	fetch_done(is, true, NULL);
}

static void
start_fetch(struct token_issuer *is)
{
	struct jet_verifier *v = is->v;
	struct jet_http_header accept = {
		JET_STR_LIT("Accept"), JET_STR_LIT("application/jwk-set+json, application/json")
	};
	struct jet_http_client_req req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.method = JET_HTTP_GET;
	req.host = is->url.host;
	req.port = is->url.port;
	req.target = is->url.target;
	req.headers = &accept;
	req.nheaders = 1;
	if ((rc = jet_http_client_request(v->client, &req, on_fetched, is)) != JET_OK)
		fetch_done(is, false, jet_strerror(rc));
}

static void
on_refresh_timer(uv_timer_t *t)
{
	struct token_issuer *is = t->data;
	bool go = false;

	pthread_mutex_lock(&is->mu);
	if (!is->want && !is->fetching) {
		is->fetching = true;
		is->fetched_once = true;
		is->last_start_ms = jet_now_ms();
		atomic_fetch_add(&is->v->sig->busy, 1);
		go = true;
	}
	pthread_mutex_unlock(&is->mu);
	if (go)
		start_fetch(is);
}

static void
on_poll_timer(uv_timer_t *t)
{
	token_poll_revocations(t->data);
}

static void
shutdown_loop(struct jet_verifier *v)
{
	/* Fails the running fetches (their callbacks see stopping). */
	jet_http_client_free(v->client);
	v->client = NULL;
	for (size_t i = 0; i < v->niss; i++)
		if (v->iss[i].has_uri && !uv_is_closing((uv_handle_t *)&v->iss[i].timer))
			uv_close((uv_handle_t *)&v->iss[i].timer, NULL);
	if (v->conf.store != NULL && !uv_is_closing((uv_handle_t *)&v->poll))
		uv_close((uv_handle_t *)&v->poll, NULL);
	if (!uv_is_closing((uv_handle_t *)&v->wake))
		uv_close((uv_handle_t *)&v->wake, NULL);
}

static void
on_wake(uv_async_t *a)
{
	struct jet_verifier *v = a->data;

	if (atomic_load(&v->stopping)) {
		shutdown_loop(v);
		return;
	}
	for (size_t i = 0; i < v->niss; i++) {
		struct token_issuer *is = &v->iss[i];
		bool go = false;

		if (!is->has_uri)
			continue;
		pthread_mutex_lock(&is->mu);
		if (is->want && !is->fetching) {
			is->want = false;
			is->fetching = true;
			go = true;
		}
		pthread_mutex_unlock(&is->mu);
		if (go) {
			uv_timer_stop(&is->timer);
			start_fetch(is);
		}
	}
}

static void *
thread_main(void *arg)
{
	struct jet_verifier *v = arg;

	uv_run(&v->loop, UV_RUN_DEFAULT);
	return NULL;
}

/* Closes whatever start got to and the loop; the thread is not running. */
static void
loop_teardown(struct jet_verifier *v)
{
	shutdown_loop(v);
	uv_run(&v->loop, UV_RUN_DEFAULT);
	uv_loop_close(&v->loop);
	v->loop_ready = false;
}

int
token_thread_start(struct jet_verifier *v, char *err, size_t errlen)
{
	struct jet_http_client_conf cc;
	bool any_uri = false;
	int rc;

	for (size_t i = 0; i < v->niss; i++)
		any_uri |= v->iss[i].has_uri;
	if (!any_uri && v->conf.store == NULL)
		return JET_OK;
	/* Everything is set up here, before the thread exists: a verification
	 * may call uv_async_send as soon as jet_verifier_new returns. */
	if (uv_loop_init(&v->loop) != 0)
		return JET_ENOMEM;
	v->loop_ready = true;
	uv_async_init(&v->loop, &v->wake, on_wake);
	v->wake.data = v;
	for (size_t i = 0; i < v->niss; i++) {
		struct token_issuer *is = &v->iss[i];

		if (!is->has_uri)
			continue;
		uv_timer_init(&v->loop, &is->timer);
		is->timer.data = is;
		/* The first fetch, as if a token had asked for it. */
		is->want = true;
		is->fetched_once = true;
		is->last_start_ms = jet_now_ms();
		atomic_fetch_add(&v->sig->busy, 1);
	}
	if (v->conf.store != NULL) {
		uv_timer_init(&v->loop, &v->poll);
		v->poll.data = v;
		uv_timer_start(&v->poll, on_poll_timer, v->conf.revocation_poll_ms,
			v->conf.revocation_poll_ms);
	}
	if (any_uri) {
		jet_http_client_conf_default(&cc);
		cc.tls = v->conf.tls;
		cc.max_conns_per_origin = 2;
		cc.max_idle_per_origin = 1;
		cc.max_queue = 16;
		cc.connect_timeout_ms = 5000;
		cc.request_timeout_ms = 10000;
		cc.queue_timeout_ms = 10000;
		cc.limits.max_body = v->conf.max_jwks_bytes;
		if ((rc = jet_http_client_new(&v->loop, &cc, &v->client)) != JET_OK) {
			snprintf(err, errlen, "token: JWKS client: %s", jet_strerror(rc));
			loop_teardown(v);
			return rc == JET_ENOMEM ? rc : JET_ECONF;
		}
	}
	uv_async_send(&v->wake);
	if (pthread_create(&v->thread, NULL, thread_main, v) != 0) {
		loop_teardown(v);
		return JET_ENOMEM;
	}
	v->has_thread = true;
	return JET_OK;
}

void
token_thread_stop(struct jet_verifier *v)
{
	if (!v->loop_ready)
		return;
	if (v->has_thread) {
		atomic_store(&v->stopping, true);
		uv_async_send(&v->wake);
		pthread_join(v->thread, NULL);
		v->has_thread = false;
	}
	uv_run(&v->loop, UV_RUN_DEFAULT);
	uv_loop_close(&v->loop);
	v->loop_ready = false;
}

/* ------------------------------------------------------------------------
 * jet_verifier_wait: a timer on the caller's loop polls the generation.
 * Polling (every TOKEN_WAIT_TICK_MS) keeps the caller's loop free of any
 * handle the verifier thread would have to touch: nothing crosses threads
 * but atomics.
 * --------------------------------------------------------------------- */

struct waiter {
	uv_timer_t t;
	struct token_signal *s;
	uint64_t gen0;
	uint64_t deadline;
	void (*cb)(void *arg);
	void *arg;
};

static void
on_wait_closed(uv_handle_t *h)
{
	struct waiter *w = h->data;

	atomic_fetch_sub(&w->s->waiters, 1);
	token_signal_unref(w->s);
	free(w);
}

static void
on_wait_tick(uv_timer_t *t)
{
	struct waiter *w = t->data;

	if (!atomic_load(&w->s->closed) && atomic_load(&w->s->gen) == w->gen0 &&
		atomic_load(&w->s->busy) != 0 && jet_now_ms() < w->deadline)
		return;
	uv_timer_stop(t);
	uv_close((uv_handle_t *)t, on_wait_closed);
	w->cb(w->arg);
}

int
jet_verifier_wait(struct jet_verifier *v, uv_loop_t *loop, uint64_t timeout_ms,
	void (*cb)(void *arg), void *arg)
{
	struct waiter *w;

	if (v == NULL || loop == NULL || cb == NULL)
		return JET_EINVAL;
	if (atomic_fetch_add(&v->sig->waiters, 1) >= TOKEN_MAX_WAITERS) {
		atomic_fetch_sub(&v->sig->waiters, 1);
		return JET_EBUSY;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		atomic_fetch_sub(&v->sig->waiters, 1);
		return JET_ENOMEM;
	}
	w->s = v->sig;
	atomic_fetch_add(&w->s->refs, 1);
	w->gen0 = atomic_load(&w->s->gen);
	w->deadline = jet_now_ms() + JET_MIN(timeout_ms, UINT64_MAX / 2);
	w->cb = cb;
	w->arg = arg;
	uv_timer_init(loop, &w->t);
	w->t.data = w;
	uv_timer_start(&w->t, on_wait_tick, 0, TOKEN_WAIT_TICK_MS);
	return JET_OK;
}
