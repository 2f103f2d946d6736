/*
 * Unit tests for session resumption and reload in lib/tls: tickets under
 * Jetstream's own rotating keys (TLS 1.2 RFC 5077 tickets and TLS 1.3
 * PSK tickets), the session cache switches, and certificate reload while
 * connections come and go.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "jet/pki.h"
#include "testpki.h"
#include "tlstest.h"

struct fixture {
	struct jet_testpki pki;
};

static const int versions[] = { TLS1_3_VERSION, TLS1_2_VERSION };

struct srv {
	struct jet_tls_server *ts;
	struct tt_server t;
};

static void
srv_start(struct srv *s, const char *cert, const char *key, uint64_t lifetime, bool cache)
{
	struct jet_tls_server_conf conf = {
		.cert_file = cert,
		.key_file = key,
		.ticket_lifetime_s = lifetime,
		.session_cache = cache,
	};
	char err[256];

	memset(s, 0, sizeof(*s));
	if (jet_tls_server_new(&conf, &s->ts, err, sizeof(err)) != JET_OK)
		fail_msg("server: %s", err);
	s->t.ts = s->ts;
	assert_int_equal(tt_listen(&s->t), 0);
}

static void
srv_stop(struct srv *s)
{
	tt_close(&s->t);
	jet_tls_server_free(s->ts);
	s->ts = NULL;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || jet_testpki_create(&f->pki) != JET_OK)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	jet_testpki_destroy(&f->pki);
	free(f);
	return 0;
}

/* One connection; resumes `session` when not NULL.  Returns whether both
 * sides saw a resumption (and asserts they agree).  *out receives the new
 * session when out is not NULL. */
static bool
connect_once(struct srv *s, const struct jet_testpki *pki, int version, SSL_SESSION *session,
	SSL_SESSION **out)
{
	struct tt_client_opts o = {
		.ca = pki->ca,
		.min_version = version,
		.max_version = version,
		.session = session,
	};
	struct tt_client_res cr;
	struct tt_result *sr = tt_exchange(&s->t, &o, &cr);
	bool reused;

	assert_true(cr.setup_ok); /* includes: the offered session is resumable */
	assert_true(cr.connected);
	assert_true(cr.got_reply);
	assert_true(sr->served);
	assert_int_equal(sr->version, version);
	assert_int_equal(cr.reused, sr->reused);
	reused = sr->reused;
	if (out != NULL) {
		*out = cr.session;
		cr.session = NULL;
	}
	tt_client_res_free(&cr);
	return reused;
}

static void
tickets_resume(void **state)
{
	struct fixture *f = *state;
	struct srv s;

	/* No server cache: resumption can only come from the ticket. */
	srv_start(&s, f->pki.server.cert, f->pki.server.key, 3600, false);
	for (size_t i = 0; i < JET_ARRAY_LEN(versions); i++) {
		SSL_SESSION *sess = NULL;

		assert_false(connect_once(&s, &f->pki, versions[i], NULL, &sess));
		assert_non_null(sess);
		assert_true(SSL_SESSION_has_ticket(sess));
		assert_true(connect_once(&s, &f->pki, versions[i], sess, NULL));
		SSL_SESSION_free(sess);
	}
	srv_stop(&s);
}

static void
rotation_keeps_one_previous_key(void **state)
{
	struct fixture *f = *state;
	struct srv s;

	srv_start(&s, f->pki.server.cert, f->pki.server.key, 3600, false);
	for (size_t i = 0; i < JET_ARRAY_LEN(versions); i++) {
		SSL_SESSION *sess = NULL, *renewed = NULL;

		assert_false(connect_once(&s, &f->pki, versions[i], NULL, &sess));
		jet_tls_server_rotate_tickets(s.ts);
		/* Under the previous key: still resumes, and a fresh ticket under
		 * the current key is issued. */
		assert_true(connect_once(&s, &f->pki, versions[i], sess, &renewed));
		assert_non_null(renewed);
		jet_tls_server_rotate_tickets(s.ts);
		/* The original ticket's key is gone now: full handshake. */
		assert_false(connect_once(&s, &f->pki, versions[i], sess, NULL));
		/* The renewed one was under the key that is now previous. */
		assert_true(connect_once(&s, &f->pki, versions[i], renewed, NULL));
		SSL_SESSION_free(sess);
		SSL_SESSION_free(renewed);
	}
	srv_stop(&s);
}

static void
no_tickets_no_cache_never_resumes(void **state)
{
	struct fixture *f = *state;
	struct srv s;
	SSL *ssl;

	srv_start(&s, f->pki.server.cert, f->pki.server.key, 0, false);
	ssl = jet_tls_server_ssl_new(s.ts);
	assert_true(SSL_get_options(ssl) & SSL_OP_NO_TICKET);
	assert_int_equal(SSL_get_num_tickets(ssl), 0);
	assert_int_equal(SSL_CTX_get_session_cache_mode(SSL_get_SSL_CTX(ssl)), SSL_SESS_CACHE_OFF);
	SSL_free(ssl);
	for (size_t i = 0; i < JET_ARRAY_LEN(versions); i++) {
		SSL_SESSION *sess = NULL;

		/* The server handed out nothing to resume with: no ticket (1.2
		 * or 1.3) and no session id; the client cannot even offer it.
		 * (cache_without_tickets_resumes_by_id is the control.) */
		assert_false(connect_once(&s, &f->pki, versions[i], NULL, &sess));
		assert_non_null(sess);
		assert_false(SSL_SESSION_has_ticket(sess));
		assert_false(SSL_SESSION_is_resumable(sess));
		SSL_SESSION_free(sess);
	}
	srv_stop(&s);
}

static void
cache_without_tickets_resumes_by_id(void **state)
{
	/* Control for the test above, and the TLS 1.2 session-id path. */
	struct fixture *f = *state;
	struct srv s;

	srv_start(&s, f->pki.server.cert, f->pki.server.key, 0, true);
	for (size_t i = 0; i < JET_ARRAY_LEN(versions); i++) {
		SSL_SESSION *sess = NULL;

		assert_false(connect_once(&s, &f->pki, versions[i], NULL, &sess));
		assert_true(connect_once(&s, &f->pki, versions[i], sess, NULL));
		SSL_SESSION_free(sess);
	}
	srv_stop(&s);
}

/* ------------------------------------------------------------------------
 * Reload
 * --------------------------------------------------------------------- */

static int
copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[8192];
	FILE *in = fopen(from, "rb"), *out;
	size_t n;

	if (in == NULL)
		return -1;
	unlink(to);
	out = fopen(to, "wb");
	if (out == NULL) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
	return chmod(to, mode);
}

static X509 *
served_cert(struct srv *s, const struct jet_testpki *pki, SSL_SESSION *session, bool *reused)
{
	struct tt_client_opts o = { .ca = pki->ca, .session = session };
	struct tt_client_res cr;
	struct tt_result *sr = tt_exchange(&s->t, &o, &cr);
	X509 *x = cr.server_cert;

	assert_true(cr.got_reply);
	if (reused != NULL)
		*reused = sr->reused;
	cr.server_cert = NULL;
	tt_client_res_free(&cr);
	return x;
}

static void
reload_serves_new_cert_and_keeps_tickets(void **state)
{
	struct fixture *f = *state;
	static const char *const ips[] = { "127.0.0.1" };
	struct jet_pki_cert_spec spec = {
		.common_name = "second server",
		.ips = ips,
		.n_ips = 1,
		.eku = JET_PKI_EKU_SERVER,
		.not_before_s = -60,
		.not_after_s = 3600,
	};
	char cert[600], key[600], err[256];
	EVP_PKEY *k2 = NULL, *ca_key = NULL;
	X509 *ca = NULL, *c1 = NULL, *c2 = NULL, *seen;
	struct tt_client_opts o = { .ca = f->pki.ca };
	struct tt_client_res first;
	struct srv s;
	bool reused;
	SSL *held;

	snprintf(cert, sizeof(cert), "%s/live.crt", f->pki.dir);
	snprintf(key, sizeof(key), "%s/live.key", f->pki.dir);
	assert_int_equal(copy_file(f->pki.server.cert, cert, 0644), 0);
	assert_int_equal(copy_file(f->pki.server.key, key, 0600), 0);
	assert_int_equal(jet_pki_read_cert(f->pki.server.cert, &c1), JET_OK);
	srv_start(&s, cert, key, 3600, false);
	tt_exchange(&s.t, &o, &first);
	assert_non_null(first.session);
	assert_int_equal(X509_cmp(first.server_cert, c1), 0);
	/* An SSL made before the reload keeps working on the old context. */
	held = jet_tls_server_ssl_new(s.ts);
	assert_non_null(held);

	/* A new certificate and key from the same CA, then reload. */
	assert_int_equal(jet_pki_key_new(&k2), JET_OK);
	assert_int_equal(jet_pki_read_cert(f->pki.ca, &ca), JET_OK);
	assert_int_equal(jet_pki_read_key(f->pki.ca_key, &ca_key), JET_OK);
	assert_int_equal(jet_pki_issue(&spec, k2, ca, ca_key, &c2), JET_OK);
	assert_int_equal(jet_pki_write_certs(cert, &c2, 1), JET_OK);
	assert_int_equal(jet_pki_write_key(key, k2), JET_OK);
	assert_int_equal(jet_tls_server_reload(s.ts, err, sizeof(err)), JET_OK);

	seen = served_cert(&s, &f->pki, NULL, NULL);
	assert_int_equal(X509_cmp(seen, c2), 0);
	X509_free(seen);
	/* A ticket from before the reload still resumes. */
	X509_free(served_cert(&s, &f->pki, first.session, &reused));
	assert_true(reused);
	assert_non_null(SSL_get_SSL_CTX(held));
	SSL_free(held);

	/* A broken key: the reload fails, naming the file, and the running
	 * certificate stays. */
	{
		FILE *fp = fopen(key, "w");

		assert_non_null(fp);
		fputs("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", fp);
		fclose(fp);
		assert_int_equal(chmod(key, 0600), 0);
	}
	assert_int_equal(jet_tls_server_reload(s.ts, err, sizeof(err)), JET_ETLS);
	assert_non_null(strstr(err, key));
	seen = served_cert(&s, &f->pki, NULL, NULL);
	assert_int_equal(X509_cmp(seen, c2), 0);
	X509_free(seen);
	/* A key that became group-readable: refused the same way. */
	assert_int_equal(jet_pki_write_key(key, k2), JET_OK);
	assert_int_equal(chmod(key, 0640), 0);
	assert_int_equal(jet_tls_server_reload(s.ts, err, sizeof(err)), JET_EPERM);
	seen = served_cert(&s, &f->pki, NULL, NULL);
	assert_int_equal(X509_cmp(seen, c2), 0);
	X509_free(seen);

	tt_client_res_free(&first);
	srv_stop(&s);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(ca_key);
	X509_free(ca);
	X509_free(c1);
	X509_free(c2);
	unlink(cert);
	unlink(key);
}

/* ------------------------------------------------------------------------
 * Concurrency: workers handshake while the main thread rotates and reloads
 * --------------------------------------------------------------------- */

struct hammer {
	struct jet_tls_server *ts;
	int iterations;
	int made;
};

static void *
hammer_main(void *arg)
{
	struct hammer *h = arg;

	for (int i = 0; i < h->iterations; i++) {
		SSL *ssl = jet_tls_server_ssl_new(h->ts);

		if (ssl != NULL)
			h->made++;
		SSL_free(ssl);
	}
	return NULL;
}

static void
ssl_new_races_reload_and_rotate(void **state)
{
	/* Run under ThreadSanitizer or ASan to be meaningful; here it checks
	 * nothing is lost or crashes while contexts are swapped. */
	struct fixture *f = *state;
	struct hammer h[3];
	pthread_t thr[3];
	struct srv s;
	char err[256];

	srv_start(&s, f->pki.server.cert, f->pki.server.key, 3600, true);
	for (int i = 0; i < 3; i++) {
		h[i] = (struct hammer){ .ts = s.ts, .iterations = 2000 };
		assert_int_equal(pthread_create(&thr[i], NULL, hammer_main, &h[i]), 0);
	}
	for (int i = 0; i < 20; i++) {
		assert_int_equal(jet_tls_server_reload(s.ts, err, sizeof(err)), JET_OK);
		jet_tls_server_rotate_tickets(s.ts);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(thr[i], NULL);
		assert_int_equal(h[i].made, h[i].iterations);
	}
	srv_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tickets_resume),
		cmocka_unit_test(rotation_keeps_one_previous_key),
		cmocka_unit_test(no_tickets_no_cache_never_resumes),
		cmocka_unit_test(cache_without_tickets_resumes_by_id),
		cmocka_unit_test(reload_serves_new_cert_and_keeps_tickets),
		cmocka_unit_test(ssl_new_races_reload_and_rotate),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
