/*
 * test_jwks_fetch.c - keys fetched over real HTTPS: a jet_http_server in a
 * thread (test PKI certificate for 127.0.0.1) serves a JWKS the test
 * changes and counts the fetches; the verifier trusts the test CA.
 * Covered: the first fetch, rotation through JET_AGAIN and
 * jet_verifier_wait, the cooldown (no extra fetch), key removal reaching
 * cached tokens, a server that goes away, size, media type, status and
 * content failures keeping the previous keys, a wrong CA, and the bound on
 * concurrent waits.
 */
#include <stdatomic.h>
#include <unistd.h>

#include "jet/log.h"
#include "jet/server.h"
#include "jet/tls.h"
#include "testnet.h"
#include "testpki.h"
#include "tokentest.h"

/* ------------------------------------------------------------------------
 * The JWKS server
 * --------------------------------------------------------------------- */

static struct {
	pthread_mutex_t mu;
	char *doc;                 /* body served */
	char content_type[64];
	int status;
	atomic_int fetches;        /* GET /jwks.json received */
} srv_state = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void
serve(const char *doc, const char *ctype, int status)
{
	pthread_mutex_lock(&srv_state.mu);
	free(srv_state.doc);
	srv_state.doc = strdup(doc);
	assert_non_null(srv_state.doc);
	snprintf(srv_state.content_type, sizeof(srv_state.content_type), "%s", ctype);
	srv_state.status = status;
	pthread_mutex_unlock(&srv_state.mu);
}

static void
serve_keys(struct jet_jwk *const *keys, size_t n)
{
	char *doc = tt_jwks(keys, n);

	serve(doc, "application/jwk-set+json", 200);
	free(doc);
}

static void
h_jwks(struct jet_http_req *req, const void *udata)
{
	char *body, ctype[64];
	int status;

	(void)udata;
	atomic_fetch_add(&srv_state.fetches, 1);
	pthread_mutex_lock(&srv_state.mu);
	body = strdup(srv_state.doc != NULL ? srv_state.doc : "");
	snprintf(ctype, sizeof(ctype), "%s", srv_state.content_type);
	status = srv_state.status;
	pthread_mutex_unlock(&srv_state.mu);
	jet_http_respond(req, status, ctype, body, body != NULL ? strlen(body) : 0);
	free(body);
}

static const struct jet_route routes[] = {
	{ JET_HTTP_GET, "/jwks.json", (void *)h_jwks, NULL },
};

static struct jet_testpki pki;

struct https {
	struct jet_testsrv srv;
	struct jet_tls_server *ts;
	bool up;
};

static void
https_start(struct https *s)
{
	struct jet_tls_server_conf tconf;
	struct jet_http_server_conf conf;
	char err[256];

	memset(&tconf, 0, sizeof(tconf));
	tconf.cert_file = pki.server.cert;
	tconf.key_file = pki.server.key;
	if (jet_tls_server_new(&tconf, &s->ts, err, sizeof(err)) != JET_OK)
		fail_msg("jet_tls_server_new: %s", err);
	jet_http_server_conf_default(&conf);
	conf.host = "127.0.0.1";
	conf.port = 0;
	conf.workers = 1;
	conf.tls = s->ts;
	conf.routes = routes;
	conf.nroutes = JET_ARRAY_LEN(routes);
	conf.limits.max_body = 1 << 20;
	conf.name = "jwks-test";
	assert_int_equal(jet_testsrv_start(&s->srv, &conf), JET_OK);
	s->up = true;
	atomic_store(&srv_state.fetches, 0);
}

static void
https_stop(struct https *s)
{
	if (!s->up)
		return;
	jet_testsrv_stop(&s->srv);
	jet_tls_server_free(s->ts);
	s->up = false;
}

static SSL_CTX *
client_ctx(const char *ca)
{
	struct jet_tls_client_conf conf = { ca, NULL, NULL, false };
	SSL_CTX *ctx = NULL;
	char err[256];

	if (jet_tls_client_ctx_new(&conf, &ctx, err, sizeof(err)) != JET_OK)
		fail_msg("jet_tls_client_ctx_new: %s", err);
	return ctx;
}

/* ------------------------------------------------------------------------
 * Verifier and loop helpers
 * --------------------------------------------------------------------- */

struct fx {
	struct https https;
	SSL_CTX *ctx;
	char uri[128];
	struct jet_issuer_conf ic;
	struct jet_verifier_conf conf;
	struct jet_verifier *v;
	uv_loop_t loop;
};

static void
fx_init(struct fx *f, const char *ca)
{
	memset(f, 0, sizeof(*f));
	https_start(&f->https);
	f->ctx = client_ctx(ca);
	snprintf(f->uri, sizeof(f->uri), "https://127.0.0.1:%u/jwks.json",
		(unsigned)f->https.srv.port);
	tt_issuer(&f->ic, NULL, JET_PROFILE_JETSTREAM);
	f->ic.jwks_uri = f->uri;
	jet_verifier_conf_default(&f->conf);
	f->conf.issuers = &f->ic;
	f->conf.nissuers = 1;
	f->conf.tls = f->ctx;
	f->conf.jwks_cooldown_ms = 300;
	assert_int_equal(uv_loop_init(&f->loop), 0);
}

static void
fx_stop(struct fx *f)
{
	jet_verifier_free(f->v);
	https_stop(&f->https);
	SSL_CTX_free(f->ctx);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
}

static void
on_tick(uv_timer_t *t)
{
	(void)t;
}

static void
on_waited(void *arg)
{
	(*(int *)arg)++;
}

/* jet_verifier_wait on the test loop, run until its callback. */
static void
wait_refresh(struct fx *f)
{
	uv_timer_t tick;
	uint64_t deadline = jet_now_ms() + 10000;
	int done = 0;

	assert_int_equal(jet_verifier_wait(f->v, &f->loop, 5000, on_waited, &done), JET_OK);
	uv_timer_init(&f->loop, &tick);
	uv_timer_start(&tick, on_tick, 5, 5);
	while (done == 0 && jet_now_ms() < deadline)
		uv_run(&f->loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&tick, NULL);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	assert_int_equal(done, 1);
}

/* Waits (bounded) until the fetch counters reach n. */
static void
wait_fetches(struct fx *f, uint64_t n)
{
	uint64_t deadline = jet_now_ms() + 10000;

	while (tt_stats(f->v).jwks_fetches < n && jet_now_ms() < deadline)
		usleep(5000);
	assert_true(tt_stats(f->v).jwks_fetches >= n);
}

static void
sleep_ms(unsigned ms)
{
	usleep(ms * 1000u);
}

/* A fresh token from k (its own jti: never a cache hit). */
static char *
fresh_token(const struct jet_jwk *k)
{
	static int n;
	json_t *c = tt_claims();
	char jti[32], *t;

	snprintf(jti, sizeof(jti), "fresh-%d", ++n);
	json_object_set_new(c, "jti", json_string(jti));
	t = tt_sign(k, "at+jwt", c);
	json_decref(c);
	return t;
}

static int
verify_rc(struct fx *f, const char *tok, const char **why)
{
	return tt_verify_at(f->v, tok, NULL, TT_NOW, NULL, why);
}

static int
group_setup(void **state)
{
	char err[256];

	(void)state;
	/* Fetch failures are logged on purpose here; keep the output clean. */
	jet_log_open("off", "off", JET_LOG_ERROR, err, sizeof(err));
	return jet_testpki_create(&pki) == JET_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	jet_testpki_destroy(&pki);
	free(srv_state.doc);
	jet_log_close();
	return 0;
}

/* ------------------------------------------------------------------------
 * Tests
 * --------------------------------------------------------------------- */

static void
test_first_fetch_and_rotation(void **state)
{
	struct jet_jwk *k1 = tt_key(JET_JWS_ES256, "k1"), *k2 = tt_key(JET_JWS_ES256, "k2");
	struct jet_jwk *k3 = tt_key(JET_JWS_ES256, "k3");
	struct jet_jwk *both[2] = { k1, k2 };
	struct fx f;
	const char *why = NULL;
	char *t1, *t2, *t3;

	(void)state;
	fx_init(&f, pki.ca);
	serve_keys(&k1, 1);
	f.v = tt_verifier_conf(&f.conf);
	/* The first fetch is under way: a wait returns when it is done. */
	wait_refresh(&f);
	assert_int_equal(tt_stats(f.v).jwks_fetches, 1);
	assert_int_equal(tt_stats(f.v).jwks_failures, 0);
	assert_int_equal(atomic_load(&srv_state.fetches), 1);
	t1 = tt_token(k1);
	assert_int_equal(verify_rc(&f, t1, NULL), JET_OK);
	assert_int_equal(verify_rc(&f, t1, NULL), JET_OK);
	assert_int_equal(tt_stats(f.v).cache_hits, 1);

	/* Rotation: k2 published, a token signed by it arrives. */
	sleep_ms(350); /* past the cooldown since the first fetch */
	serve_keys(both, 2);
	t2 = tt_token(k2);
	assert_int_equal(verify_rc(&f, t2, &why), JET_AGAIN);
	wait_refresh(&f);
	assert_int_equal(atomic_load(&srv_state.fetches), 2);
	assert_int_equal(verify_rc(&f, t2, NULL), JET_OK);
	/* The key set changed: t1 is checked afresh (a miss), and passes. */
	assert_int_equal(tt_stats(f.v).cache_misses, 3);
	assert_int_equal(verify_rc(&f, t1, NULL), JET_OK);
	assert_int_equal(tt_stats(f.v).cache_misses, 4);

	/* Another unknown kid within the cooldown: refused, nothing fetched. */
	t3 = tt_token(k3);
	assert_int_equal(verify_rc(&f, t3, &why), JET_EPERM);
	assert_string_equal(why, "unknown key");
	sleep_ms(100);
	assert_int_equal(atomic_load(&srv_state.fetches), 2);
	assert_int_equal(tt_stats(f.v).jwks_fetches, 2);
	/* After the cooldown it may fetch once more; k3 is still not there. */
	sleep_ms(350);
	assert_int_equal(verify_rc(&f, t3, &why), JET_AGAIN);
	wait_refresh(&f);
	assert_int_equal(verify_rc(&f, t3, &why), JET_EPERM);
	assert_string_equal(why, "unknown key");
	assert_int_equal(atomic_load(&srv_state.fetches), 3);

	/* k1 withdrawn: its cached token must not outlive the key. */
	sleep_ms(350);
	serve_keys(&k2, 1);
	assert_int_equal(verify_rc(&f, t3, &why), JET_AGAIN);
	wait_refresh(&f);
	assert_int_equal(atomic_load(&srv_state.fetches), 4);
	assert_int_equal(verify_rc(&f, t1, &why), JET_EPERM);
	assert_string_equal(why, "unknown key");
	assert_int_equal(verify_rc(&f, t2, NULL), JET_OK);
	assert_int_equal(tt_stats(f.v).jwks_failures, 0);
	free(t1);
	free(t2);
	free(t3);
	fx_stop(&f);
	jet_jwk_free(k1);
	jet_jwk_free(k2);
	jet_jwk_free(k3);
}

/* The periodic refresh runs; when the server goes away the previous keys
 * stay in use and the failures are counted. */
static void
test_server_down(void **state)
{
	struct jet_jwk *k1 = tt_key(JET_JWS_ES256, "k1");
	struct fx f;
	char *t;
	uint64_t failures;

	(void)state;
	fx_init(&f, pki.ca);
	f.conf.jwks_refresh_ms = 100;
	f.conf.jwks_cooldown_ms = 50;
	serve_keys(&k1, 1);
	f.v = tt_verifier_conf(&f.conf);
	wait_fetches(&f, 3); /* first fetch and two refreshes */
	assert_true(atomic_load(&srv_state.fetches) >= 3);
	assert_int_equal(tt_stats(f.v).jwks_failures, 0);
	https_stop(&f.https);
	failures = tt_stats(f.v).jwks_failures;
	{
		uint64_t deadline = jet_now_ms() + 10000;

		while (tt_stats(f.v).jwks_failures < failures + 2 && jet_now_ms() < deadline)
			usleep(5000);
	}
	assert_true(tt_stats(f.v).jwks_failures >= failures + 2);
	t = fresh_token(k1);
	assert_int_equal(verify_rc(&f, t, NULL), JET_OK);
	free(t);
	fx_stop(&f);
	jet_jwk_free(k1);
}

/* Answers that are not a usable JWKS: each keeps the previous keys.  A
 * failed fetch is retried after the cooldown on its own, so the test waits
 * until a fetch has run entirely after each change of the answer. */
static void
test_bad_answers(void **state)
{
	struct jet_jwk *k1 = tt_key(JET_JWS_ES256, "k1"), *k2 = tt_key(JET_JWS_ES256, "k2");
	struct jet_jwk *both[2] = { k1, k2 };
	char *good2 = tt_jwks(both, 2);
	const struct {
		const char *doc, *ctype;
		int status;
	} bad[] = {
		{ good2, "text/html", 200 },
		{ good2, "application/jwk-set+json+x", 200 },
		{ good2, "application/json", 404 },
		{ good2, "application/json", 500 },
		{ good2, "application/json", 301 },
		{ "{\"keys\":[", "application/json", 200 },
		{ "{\"keys\":[]}", "application/json", 200 },
		{ "{\"keys\":{}}", "application/json", 200 },
		{ "[]", "application/json", 200 },
		{ "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k2\",\"x\":\"AA\","
			"\"y\":\"AA\"}]}", "application/json; charset=utf-8", 200 },
	};
	struct fx f;
	char *t1, *t2;
	uint64_t deadline;
	int rc;

	(void)state;
	fx_init(&f, pki.ca);
	f.conf.jwks_cooldown_ms = 20;
	serve_keys(&k1, 1);
	f.v = tt_verifier_conf(&f.conf);
	wait_refresh(&f);
	t1 = fresh_token(k1);
	t2 = tt_token(k2);
	for (size_t i = 0; i < JET_ARRAY_LEN(bad); i++) {
		uint64_t failures, done;

		serve(bad[i].doc, bad[i].ctype, bad[i].status);
		/* One fetch at a time per issuer: of two fetches finishing after
		 * the change, the second started after it. */
		failures = tt_stats(f.v).jwks_failures;
		done = tt_stats(f.v).jwks_fetches;
		deadline = jet_now_ms() + 10000;
		while (tt_stats(f.v).jwks_fetches < done + 2 && jet_now_ms() < deadline) {
			if (verify_rc(&f, t2, NULL) == JET_AGAIN)
				wait_refresh(&f);
			else
				sleep_ms(5);
		}
		assert_true(tt_stats(f.v).jwks_fetches >= done + 2);
		if (tt_stats(f.v).jwks_failures < failures + 1)
			fail_msg("bad answer %zu was accepted", i);
		/* Still the old set: k1 works, k2 does not. */
		assert_int_equal(verify_rc(&f, t1, NULL), JET_OK);
		rc = verify_rc(&f, t2, NULL);
		if (rc != JET_EPERM && rc != JET_AGAIN)
			fail_msg("bad answer %zu: k2 accepted", i);
	}
	/* The good document, with a media type parameter, is taken. */
	serve(good2, "Application/JSON; charset=utf-8", 200);
	deadline = jet_now_ms() + 10000;
	while ((rc = verify_rc(&f, t2, NULL)) != JET_OK && jet_now_ms() < deadline) {
		if (rc == JET_AGAIN)
			wait_refresh(&f);
		else
			sleep_ms(5);
	}
	assert_int_equal(rc, JET_OK);
	assert_int_equal(verify_rc(&f, t1, NULL), JET_OK);
	free(t1);
	free(t2);
	free(good2);
	fx_stop(&f);
	jet_jwk_free(k1);
	jet_jwk_free(k2);
}

/* max_jwks_bytes: a document of exactly that size is used, one byte more
 * is refused. */
static void
test_oversize(void **state)
{
	struct jet_jwk *k1 = tt_key(JET_JWS_ES256, "k1");
	char *doc = tt_jwks(&k1, 1), *padded = malloc(4097 + 1), *t;
	size_t len = strlen(doc);
	struct fx f;
	const char *why = NULL;

	(void)state;
	assert_non_null(padded);
	assert_true(len < 4096);
	/* Trailing whitespace is valid JSON: pad the document to the byte. */
	memcpy(padded, doc, len);
	memset(padded + len, ' ', 4097 - len);
	padded[4096] = '\0';
	fx_init(&f, pki.ca);
	f.conf.max_jwks_bytes = 4096;
	serve(padded, "application/json", 200);
	f.v = tt_verifier_conf(&f.conf);
	wait_refresh(&f);
	assert_int_equal(tt_stats(f.v).jwks_failures, 0);
	t = tt_token(k1);
	assert_int_equal(verify_rc(&f, t, NULL), JET_OK);
	jet_verifier_free(f.v);

	padded[4096] = ' ';
	padded[4097] = '\0';
	serve(padded, "application/json", 200);
	f.v = tt_verifier_conf(&f.conf);
	wait_refresh(&f);
	/* Failed fetches are retried after the cooldown: counts may grow. */
	assert_true(tt_stats(f.v).jwks_fetches >= 1);
	assert_int_equal(tt_stats(f.v).jwks_failures, tt_stats(f.v).jwks_fetches);
	assert_int_not_equal(verify_rc(&f, t, &why), JET_OK);
	free(t);
	free(doc);
	free(padded);
	fx_stop(&f);
	jet_jwk_free(k1);
}

/* A server certificate from another CA: no key set, and no request was
 * ever served. */
static void
test_wrong_ca(void **state)
{
	struct jet_jwk *k1 = tt_key(JET_JWS_ES256, "k1");
	struct fx f;
	char *t;
	const char *why = NULL;

	(void)state;
	fx_init(&f, pki.other_ca);
	serve_keys(&k1, 1);
	f.v = tt_verifier_conf(&f.conf);
	wait_refresh(&f);
	assert_true(tt_stats(f.v).jwks_fetches >= 1);
	assert_int_equal(tt_stats(f.v).jwks_failures, tt_stats(f.v).jwks_fetches);
	t = tt_token(k1);
	assert_int_not_equal(verify_rc(&f, t, &why), JET_OK);
	assert_int_equal(atomic_load(&srv_state.fetches), 0);
	free(t);
	fx_stop(&f);
	jet_jwk_free(k1);
}

/* A token met before the first fetch finished waits for it rather than
 * being refused. */
static void
test_before_first_fetch(void **state)
{
	struct jet_jwk *k1 = tt_key(JET_JWS_ES256, "k1");
	struct fx f;
	char *t = tt_token(k1);
	int rc;

	(void)state;
	fx_init(&f, pki.ca);
	serve_keys(&k1, 1);
	f.v = tt_verifier_conf(&f.conf);
	rc = verify_rc(&f, t, NULL);
	if (rc == JET_AGAIN) {
		wait_refresh(&f);
		rc = verify_rc(&f, t, NULL);
	}
	assert_int_equal(rc, JET_OK);
	assert_int_equal(atomic_load(&srv_state.fetches), 1);
	free(t);
	fx_stop(&f);
	jet_jwk_free(k1);
}

static void
count_cb(void *arg)
{
	(*(int *)arg)++;
}

/* At most 256 waits at once; a wait survives the verifier's free. */
static void
test_wait_bound(void **state)
{
	struct jet_jwk *k1 = tt_key(JET_JWS_ES256, "k1");
	char *jwks = tt_jwks(&k1, 1);
	struct jet_issuer_conf ic;
	struct jet_verifier *v;
	uv_loop_t loop;
	int fired = 0;

	(void)state;
	tt_issuer(&ic, jwks, JET_PROFILE_JETSTREAM);
	v = tt_verifier(&ic);
	assert_int_equal(uv_loop_init(&loop), 0);
	for (int i = 0; i < 256; i++)
		assert_int_equal(jet_verifier_wait(v, &loop, 1000, count_cb, &fired), JET_OK);
	assert_int_equal(jet_verifier_wait(v, &loop, 1000, count_cb, &fired), JET_EBUSY);
	assert_int_equal(jet_verifier_wait(v, NULL, 1000, count_cb, &fired), JET_EINVAL);
	/* Nothing is being fetched: every wait fires at its first tick. */
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(fired, 256);
	assert_int_equal(jet_verifier_wait(v, &loop, 1000, count_cb, &fired), JET_OK);
	jet_verifier_free(v);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(fired, 257);
	assert_int_equal(uv_loop_close(&loop), 0);
	free(jwks);
	jet_jwk_free(k1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_fetch_and_rotation),
		cmocka_unit_test(test_server_down),
		cmocka_unit_test(test_bad_answers),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_wrong_ca),
		cmocka_unit_test(test_before_first_fetch),
		cmocka_unit_test(test_wait_bound),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
