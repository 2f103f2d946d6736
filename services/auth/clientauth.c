/*
 * clientauth.c - who is calling the token, introspection and revocation
 * endpoints: exactly one of client_secret_basic, client_secret_post,
 * private_key_jwt (RFC 7523) or tls_client_auth (RFC 8705 §2).
 *
 * The steps, in order, each able to end the request:
 *   1. the form body: size, media type, syntax, no repeated parameter
 *      (only RFC 8707 "resource" may repeat);
 *   2. the per-address rate limit;
 *   3. which method: two at once is invalid_request;
 *   4. the per-client rate limit (before any credential check, so it also
 *      bounds guessing);
 *   5. the client record: from this thread's cache (client_cache_ttl) or
 *      the store on the thread pool;
 *   6. the credential; for private_key_jwt then the jti, recorded in the
 *      store on the thread pool (a replay fails even on another replica).
 * Every failure of steps 5-6 is the same invalid_client answer, so the
 * response does not tell an unknown client from a wrong credential; an
 * unknown client still costs an HMAC, so timing does not tell either.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jet/json.h"
#include "jet/log.h"
#include "auth/auth.h"

#define ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define ASSERTION_MAX 8192
#define CACHE_SLOTS 256

const char *
auth_method_name(enum auth_method m)
{
	switch (m) {
	case AUTH_SECRET_BASIC: return "client_secret_basic";
	case AUTH_SECRET_POST: return "client_secret_post";
	case AUTH_PRIVATE_KEY_JWT: return "private_key_jwt";
	case AUTH_TLS_CLIENT: return "tls_client_auth";
	default: return "none";
	}
}

/* ------------------------------------------------------------ the cache */

struct cache_slot {
	bool used;
	uint64_t at_ms;
	struct jet_client c;
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void
cache_destroy(void *p)
{
	struct cache_slot *slots = p;

	for (size_t i = 0; i < CACHE_SLOTS; i++)
		if (slots[i].used)
			jet_client_cleanup(&slots[i].c);
	free(slots);
}

static void
cache_key_init(void)
{
	(void)pthread_key_create(&cache_key, cache_destroy);
}

/* Each worker thread has its own small direct-mapped cache: no lock on the
 * hot path, and a stale entry lives at most client_cache_ttl. */
static struct cache_slot *
cache_slot_for(const char *id)
{
	struct cache_slot *slots;
	uint32_t h = 2166136261u;

	pthread_once(&cache_once, cache_key_init);
	if ((slots = pthread_getspecific(cache_key)) == NULL) {
		if ((slots = calloc(CACHE_SLOTS, sizeof(*slots))) == NULL)
			return NULL;
		if (pthread_setspecific(cache_key, slots) != 0) {
			free(slots);
			return NULL;
		}
	}
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return &slots[h % CACHE_SLOTS];
}

static char *
dup_or_null(const char *s, bool *ok)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*ok = false;
	return d;
}

static int
client_copy(struct jet_client *dst, const struct jet_client *src)
{
	bool ok = true;

	*dst = *src;
	dst->id = dup_or_null(src->id, &ok);
	dst->name = dup_or_null(src->name, &ok);
	dst->scopes = dup_or_null(src->scopes, &ok);
	dst->grants = dup_or_null(src->grants, &ok);
	dst->jwks = dup_or_null(src->jwks, &ok);
	dst->tls_subject = dup_or_null(src->tls_subject, &ok);
	dst->tls_san = dup_or_null(src->tls_san, &ok);
	if (!ok) {
		jet_client_cleanup(dst);
		return JET_ENOMEM;
	}
	return JET_OK;
}

static bool
cache_get(struct auth_state *st, const char *id, struct jet_client *out)
{
	struct cache_slot *s = cache_slot_for(id);

	if (s == NULL || !s->used || strcmp(s->c.id, id) != 0 ||
		jet_now_ms() - s->at_ms >= st->conf.client_cache_ttl_ms)
		return false;
	return client_copy(out, &s->c) == JET_OK;
}

static void
cache_put(struct auth_state *st, const struct jet_client *c)
{
	struct cache_slot *s;

	if (st->conf.client_cache_ttl_ms == 0 || (s = cache_slot_for(c->id)) == NULL)
		return;
	if (s->used) {
		jet_client_cleanup(&s->c);
		s->used = false;
	}
	if (client_copy(&s->c, c) == JET_OK) {
		s->used = true;
		s->at_ms = jet_now_ms();
	}
}

/* ------------------------------------------------------------ the call */

void
auth_call_finish(struct auth_call *call)
{
	if (call == NULL)
		return;
	jet_wipe(call->secret, sizeof(call->secret));
	if (call->form_buf != NULL) {
		jet_wipe(call->form_buf, call->form_len);
		free(call->form_buf);
	}
	if (call->jws_parsed)
		jet_jws_cleanup(&call->jws);
	if (call->have_client)
		jet_client_cleanup(&call->client);
	json_decref(call->claims);
	free(call);
}

const char *
auth_form_value(const struct auth_call *call, const char *name, size_t *len, bool *dup)
{
	size_t count = 0;
	const struct jet_form_field *f = jet_form_get(&call->form, name, &count);

	if (dup != NULL)
		*dup = count > 1;
	if (f == NULL)
		return NULL;
	if (len != NULL)
		*len = f->value.len;
	return f->value.p;
}

static void
fail_client(struct auth_call *call, const char *why)
{
	atomic_fetch_add_explicit(&call->st->client_failures, 1, memory_order_relaxed);
	jet_log_event(JET_LOG_INFO, "auth", "client authentication failed",
		"method", auth_method_name(call->method), "client_id", call->client_id,
		"reason", why, NULL);
	/* One answer for every failure: nothing tells which check failed. */
	auth_reply_error(call->req, 401, "invalid_client", "client authentication failed", true);
	auth_call_finish(call);
}

static void
fail_request(struct auth_call *call, int status, const char *error, const char *desc)
{
	auth_reply_error(call->req, status, error, desc, false);
	auth_call_finish(call);
}

static bool
client_id_valid(const char *s, size_t n)
{
	if (n == 0 || n > JET_CLIENT_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* ------------------------------------------------ credential checks */

static bool
check_secret(struct auth_call *call)
{
	const struct jet_client *c = &call->client;

	return c->has_secret &&
		jet_secret_check(call->st->secret_key, call->secret, call->secret_len,
			c->secret_hash);
}

static bool
check_tls(struct auth_call *call)
{
	const struct jet_client *c = &call->client;
	const struct jet_peer_identity *p = &call->peer;
	bool subject = c->tls_subject != NULL && c->tls_subject[0] != '\0';
	bool san = c->tls_san != NULL && c->tls_san[0] != '\0';

	if (!call->has_peer || (!subject && !san))
		return false;
	/* Both registered: both must match (RFC 8705 §2.1 allows one
	 * registered name; a client that registers two means both). */
	if (subject && strcmp(c->tls_subject, p->subject) != 0)
		return false;
	if (san) {
		bool found = false;

		for (size_t i = 0; i < p->n_uri && !found; i++)
			found = strcmp(c->tls_san, p->san_uri[i]) == 0;
		for (size_t i = 0; i < p->n_dns && !found; i++)
			found = strcmp(c->tls_san, p->san_dns[i]) == 0;
		if (!found)
			return false;
	}
	return true;
}

static bool
num_claim(const json_t *payload, const char *name, bool required, int64_t *out)
{
	json_t *v = json_object_get(payload, name);
	double d;

	if (v == NULL)
		return !required;
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
	} else if (json_is_real(v)) {
		d = json_real_value(v);
		if (!(d >= 0 && d < 9007199254740992.0))
			return false;
		*out = (int64_t)d;
	} else {
		return false;
	}
	return *out >= 0;
}

/* RFC 7523 §3 with draft-ietf-oauth-rfc7523bis: iss = sub = client_id,
 * aud exactly the issuer (a string, not an array), exp required and near,
 * jti required (replay-checked afterwards), an asymmetric algorithm bound
 * to a registered key. */
static const char *
check_assertion(struct auth_call *call)
{
	struct auth_state *st = call->st;
	const json_t *pl = call->jws.payload;
	const struct jet_jwk *key = NULL;
	struct jet_jwks set = { 0 };
	const char *s;
	int64_t now = (int64_t)time(NULL), exp = 0, nbf = 0, iat = 0;
	int64_t leeway = (int64_t)(st->conf.leeway_ms / 1000);
	int64_t maxlife = (int64_t)(st->conf.assertion_max_lifetime_ms / 1000);
	char err[128];
	const char *why = NULL;
	json_t *aud;

	if (call->client.jwks == NULL)
		return "no registered keys";
	if (call->jws.typ != NULL && strcasecmp(call->jws.typ, "JWT") != 0 &&
		strcasecmp(call->jws.typ, "client-authentication+jwt") != 0 &&
		strcasecmp(call->jws.typ, "application/client-authentication+jwt") != 0)
		return "assertion typ";
	if (!(st->assertion_algs & (1u << call->jws.alg)))
		return "assertion algorithm not accepted";
	if (jet_jwks_parse(call->client.jwks, strlen(call->client.jwks), 65536, 32,
		st->assertion_algs, JET_JWS_RS256, &set, err, sizeof(err)) != JET_OK)
		return "registered keys unusable";
	if (call->jws.kid != NULL) {
		key = jet_jwks_find(&set, call->jws.kid, strlen(call->jws.kid));
	} else if (set.n == 1) {
		key = set.keys[0];
	}
	if (key == NULL) {
		why = "no registered key for the assertion";
		goto out;
	}
	if (jet_jws_verify(&call->jws, key) != JET_OK) {
		why = "assertion signature";
		goto out;
	}
	s = json_string_value(json_object_get(pl, "sub"));
	if (s == NULL || strcmp(s, call->client_id) != 0) {
		why = "assertion sub";
		goto out;
	}
	aud = json_object_get(pl, "aud");
	if (!json_is_string(aud) || strcmp(json_string_value(aud), st->conf.issuer) != 0) {
		why = "assertion aud";
		goto out;
	}
	if (!num_claim(pl, "exp", true, &exp) || !num_claim(pl, "nbf", false, &nbf) ||
		!num_claim(pl, "iat", false, &iat)) {
		why = "assertion time claims";
		goto out;
	}
	if (exp + leeway <= now) {
		why = "assertion expired";
		goto out;
	}
	if (exp > now + maxlife + leeway) {
		why = "assertion lifetime too long";
		goto out;
	}
	if (nbf > now + leeway || iat > now + leeway) {
		why = "assertion not yet valid";
		goto out;
	}
	s = json_string_value(json_object_get(pl, "jti"));
	if (s == NULL || s[0] == '\0' || strlen(s) > AUTH_JTI_MAX) {
		why = "assertion jti";
		goto out;
	}
	snprintf(call->jti, sizeof(call->jti), "%s", s);
	/* Remember the jti as long as the assertion could be accepted. */
	call->jti_exp = exp + leeway;
out:
	jet_jwks_cleanup(&set);
	return why;
}

/* ------------------------------------------------ thread-pool steps */

static void
work_get_client(uv_work_t *w)
{
	struct auth_call *call = w->data;

	call->work_rc = jet_store_client_get(call->st->store, call->client_id, &call->client);
}

static void
work_jti(uv_work_t *w)
{
	struct auth_call *call = w->data;

	call->work_rc = jet_store_jti_use(call->st->store, call->client_id, call->jti,
		call->jti_exp);
}

static void
after_jti(uv_work_t *w, int status)
{
	struct auth_call *call = w->data;

	if (status != 0 || call->work_rc == JET_EIO || call->work_rc == JET_EBUSY) {
		fail_request(call, 503, "temporarily_unavailable", "the store is unavailable");
		return;
	}
	if (call->work_rc != JET_OK) {
		fail_client(call, call->work_rc == JET_EEXIST ? "assertion replayed" :
			"assertion jti refused");
		return;
	}
	call->next(call);
}

static void
verify_credential(struct auth_call *call)
{
	const char *why = NULL;

	if (call->client.disabled) {
		fail_client(call, "client disabled");
		return;
	}
	switch (call->method) {
	case AUTH_SECRET_BASIC:
	case AUTH_SECRET_POST:
		if (!check_secret(call))
			why = "wrong secret";
		break;
	case AUTH_TLS_CLIENT:
		if (!check_tls(call))
			why = "certificate does not match the registration";
		break;
	case AUTH_PRIVATE_KEY_JWT:
		if ((why = check_assertion(call)) != NULL)
			break;
		call->work.data = call;
		if (uv_queue_work(jet_http_req_loop(call->req), &call->work, work_jti,
			after_jti) != 0)
			fail_request(call, 503, "temporarily_unavailable", "busy");
		return;
	default:
		why = "no method";
	}
	if (why != NULL) {
		fail_client(call, why);
		return;
	}
	call->next(call);
}

static void
after_get_client(uv_work_t *w, int status)
{
	struct auth_call *call = w->data;

	if (status != 0 || (call->work_rc != JET_OK && call->work_rc != JET_ENOTFOUND)) {
		fail_request(call, 503, "temporarily_unavailable", "the store is unavailable");
		return;
	}
	if (call->work_rc == JET_ENOTFOUND) {
		uint8_t dummy[32] = { 0 };

		/* Same work as for a wrong secret. */
		(void)jet_secret_check(call->st->secret_key, call->secret, call->secret_len, dummy);
		fail_client(call, "unknown client");
		return;
	}
	call->have_client = true;
	cache_put(call->st, &call->client);
	verify_credential(call);
}

/* ------------------------------------------------ parsing the request */

/* Names that may appear more than once in a request. */
static bool
may_repeat(const struct jet_str *name)
{
	return jet_str_eq_cstr(*name, "resource");
}

static bool
has_repeats(const struct jet_form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		if (may_repeat(&f->fields[i].name))
			continue;
		for (size_t j = i + 1; j < f->n; j++)
			if (jet_str_eq(f->fields[i].name, f->fields[j].name))
				return true;
	}
	return false;
}

void
auth_call_start(struct jet_http_req *req, struct auth_state *st, auth_next_fn next)
{
	const struct jet_http_request *msg = jet_http_req_msg(req);
	const struct jet_http_header *h;
	struct jet_str body = jet_http_req_body(req);
	struct auth_call *call;
	const char *post_secret, *assertion, *atype, *form_id;
	size_t post_secret_len = 0, assertion_len = 0, form_id_len = 0;
	uint64_t retry;
	unsigned methods = 0;
	char err[96];
	const char *addr;
	int rc;

	if (body.len > AUTH_FORM_MAX) {
		auth_reply_error(req, 413, "invalid_request", "request body too large", false);
		return;
	}
	h = jet_http_find_header(msg->headers, msg->nheaders, "Content-Type");
	if (h == NULL || !jet_form_content_type_ok(h->value)) {
		auth_reply_error(req, 400, "invalid_request",
			"the body must be application/x-www-form-urlencoded", false);
		return;
	}
	/* The limit is per address, not per connection: the key is "ip:port"
	 * without its port. */
	addr = jet_http_req_peer_addr(req);
	if (st->rl_address != NULL && addr != NULL &&
		jet_ratelimit_take(st->rl_address, addr,
			strrchr(addr, ':') ? (size_t)(strrchr(addr, ':') - addr) : strlen(addr),
			jet_now_ms(), &retry) != JET_OK) {
		auth_reply_limited(req, retry);
		return;
	}
	if ((call = calloc(1, sizeof(*call))) == NULL ||
		(call->form_buf = malloc(body.len + 1)) == NULL) {
		free(call);
		jet_http_respond_error(req, 503, "unavailable", "out of memory");
		return;
	}
	call->form_len = body.len + 1;
	call->req = req;
	call->st = st;
	call->next = next;
	rc = jet_form_parse(body.p, body.len, AUTH_FORM_FIELDS, &call->form, call->form_buf,
		body.len + 1, err, sizeof(err));
	if (rc != JET_OK) {
		fail_request(call, 400, "invalid_request", "malformed form body");
		return;
	}
	if (has_repeats(&call->form)) {
		fail_request(call, 400, "invalid_request", "a parameter is repeated");
		return;
	}

	/* Which method: each one the request carries counts. */
	h = jet_http_find_header(msg->headers, msg->nheaders, "Authorization");
	if (h != NULL) {
		rc = jet_basic_parse(h->value, call->client_id, sizeof(call->client_id),
			call->secret, sizeof(call->secret), err, sizeof(err));
		if (rc != JET_OK) {
			fail_client(call, rc == JET_ENOTFOUND ? "Authorization scheme is not Basic" :
				"malformed Basic credentials");
			return;
		}
		call->secret_len = strlen(call->secret);
		call->method = AUTH_SECRET_BASIC;
		methods++;
	}
	post_secret = auth_form_value(call, "client_secret", &post_secret_len, NULL);
	if (post_secret != NULL) {
		call->method = AUTH_SECRET_POST;
		methods++;
	}
	assertion = auth_form_value(call, "client_assertion", &assertion_len, NULL);
	atype = auth_form_value(call, "client_assertion_type", NULL, NULL);
	if (assertion != NULL || atype != NULL) {
		call->method = AUTH_PRIVATE_KEY_JWT;
		methods++;
	}
	if (methods > 1) {
		fail_request(call, 400, "invalid_request",
			"more than one client authentication method");
		return;
	}
	form_id = auth_form_value(call, "client_id", &form_id_len, NULL);
	if (form_id != NULL && !client_id_valid(form_id, form_id_len)) {
		fail_client(call, "malformed client_id");
		return;
	}
	call->has_peer = jet_http_req_peer(req) != NULL;
	if (call->has_peer)
		call->peer = *jet_http_req_peer(req);

	switch (call->method) {
	case AUTH_SECRET_BASIC:
		if (form_id != NULL && strcmp(form_id, call->client_id) != 0) {
			fail_request(call, 400, "invalid_request",
				"client_id differs from the authenticated client");
			return;
		}
		break;
	case AUTH_SECRET_POST:
		if (form_id == NULL) {
			fail_client(call, "client_secret without client_id");
			return;
		}
		if (post_secret_len >= sizeof(call->secret)) {
			fail_client(call, "secret too long");
			return;
		}
		memcpy(call->secret, post_secret, post_secret_len + 1);
		call->secret_len = post_secret_len;
		snprintf(call->client_id, sizeof(call->client_id), "%s", form_id);
		break;
	case AUTH_PRIVATE_KEY_JWT: {
		const char *iss;

		if (atype == NULL || strcmp(atype, ASSERTION_TYPE) != 0 || assertion == NULL) {
			fail_request(call, 400, "invalid_request",
				"client_assertion_type must be " ASSERTION_TYPE);
			return;
		}
		if (jet_jws_parse(assertion, assertion_len, ASSERTION_MAX, &call->jws, err,
			sizeof(err)) != JET_OK) {
			fail_client(call, "malformed assertion");
			return;
		}
		call->jws_parsed = true;
		iss = json_string_value(json_object_get(call->jws.payload, "iss"));
		if (iss == NULL || !client_id_valid(iss, strlen(iss))) {
			fail_client(call, "assertion iss");
			return;
		}
		snprintf(call->client_id, sizeof(call->client_id), "%s", iss);
		if (form_id != NULL && strcmp(form_id, iss) != 0) {
			fail_client(call, "client_id differs from the assertion's iss");
			return;
		}
		break;
	}
	default:
		/* No credential in the request: tls_client_auth, which names
		 * the client in client_id and proves it with the certificate. */
		if (form_id == NULL || !call->has_peer) {
			fail_client(call, "no client authentication");
			return;
		}
		call->method = AUTH_TLS_CLIENT;
		snprintf(call->client_id, sizeof(call->client_id), "%s", form_id);
		break;
	}
	if (!client_id_valid(call->client_id, strlen(call->client_id))) {
		fail_client(call, "malformed client_id");
		return;
	}
	if (st->rl_client != NULL &&
		jet_ratelimit_take(st->rl_client, call->client_id, strlen(call->client_id),
			jet_now_ms(), &retry) != JET_OK) {
		auth_reply_limited(req, retry);
		auth_call_finish(call);
		return;
	}
	if (cache_get(st, call->client_id, &call->client)) {
		call->have_client = true;
		verify_credential(call);
		return;
	}
	call->work.data = call;
	if (uv_queue_work(jet_http_req_loop(req), &call->work, work_get_client,
		after_get_client) != 0)
		fail_request(call, 503, "temporarily_unavailable", "busy");
}
