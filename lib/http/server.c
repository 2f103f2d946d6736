/*
 * server.c - the HTTP server runtime: worker threads with one libuv loop
 * and one SO_REUSEPORT listener each, the connection cap, timeout sweeps,
 * signals and graceful shutdown.  One connection's life is in conn.c.
 *
 * Threads:
 *  - main thread: jet_http_server_run() runs a small loop for SIGTERM,
 *    SIGINT, SIGHUP, the ticket-rotation timer and the stop request.
 *  - worker i: its loop, listener, connections.  Workers share nothing but
 *    the atomics in struct jet_http_server and the TLS policy (thread-safe).
 *
 * Shutdown: stop -> every worker closes its listener, closes idle
 * connections and lets in-flight requests finish (answered with
 * "Connection: close"); when its last connection is gone its loop ends.  A
 * deadline timer forces the rest closed after shutdown_timeout.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "jet/log.h"
#include "server_int.h"

void
jet_http_server_conf_default(struct jet_http_server_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->host = "127.0.0.1";
	conf->port = 8443;
	conf->workers = 0;
	conf->max_connections = 10000;
	jet_http_limits_default(&conf->limits);
	conf->header_timeout_ms = 10000;
	conf->body_timeout_ms = 30000;
	conf->idle_timeout_ms = 60000;
	conf->write_timeout_ms = 30000;
	conf->shutdown_timeout_ms = 10000;
	conf->ticket_rotation_ms = 3600 * 1000;
	conf->hsts = true;
	conf->name = "http";
}

/* ------------------------------------------------------------------------
 * Accepting
 * --------------------------------------------------------------------- */

/* At the cap: close this worker's oldest connection that has no request in
 * progress (idle keep-alive, or a head still trickling in), so slow or idle
 * peers cannot lock real clients out. */
static bool
evict_one(struct jet_http_worker *w)
{
	for (struct jet_http_conn *c = w->head; c != NULL; c = c->next) {
		if (jet_http_conn_evictable(c)) {
			jet_http_conn_close(c);
			return true;
		}
	}
	return false;
}

static void
on_accept(uv_poll_t *h, int status, int events)
{
	struct jet_http_worker *w = h->data;
	struct jet_http_server *srv = w->srv;

	if (status < 0 || w->draining)
		return;
	/* Bounded per wake-up so one busy listener cannot starve the
	 * connections already on this loop. */
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(w->listen_fd, (struct sockaddr *)&ss, &len,
			SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* Out of descriptors: make room for the next. */
				evict_one(w);
				atomic_fetch_add(&srv->refused_at_cap, 1);
			}
			return;
		}
		if (atomic_fetch_add(&srv->nconns, 1) >= srv->conf.max_connections) {
			atomic_fetch_add(&srv->refused_at_cap, 1);
			if (!evict_one(w)) {
				atomic_fetch_sub(&srv->nconns, 1);
				close(fd);
				continue;
			}
		}
		atomic_fetch_add(&srv->accepted, 1);
		jet_http_conn_accept(w, fd, &ss);
	}
}

/* ------------------------------------------------------------------------
 * Worker loop
 * --------------------------------------------------------------------- */

static void
worker_maybe_finish(struct jet_http_worker *w)
{
	if (!w->draining || w->nconns > 0)
		return;
	if (!uv_is_closing((uv_handle_t *)&w->sweep)) {
		uv_close((uv_handle_t *)&w->sweep, NULL);
		uv_close((uv_handle_t *)&w->deadline, NULL);
		uv_close((uv_handle_t *)&w->stop_async, NULL);
	}
}

void
jet_http_worker_conn_gone(struct jet_http_worker *w)
{
	worker_maybe_finish(w);
}

static void
on_sweep(uv_timer_t *t)
{
	struct jet_http_worker *w = t->data;
	uint64_t now = jet_now_ms();
	struct jet_http_conn *c = w->head, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		jet_http_conn_sweep(c, now);
	}
	jet_log_flush();
}

static void
on_deadline(uv_timer_t *t)
{
	struct jet_http_worker *w = t->data;
	struct jet_http_conn *c = w->head, *next;

	if (c != NULL) {
		w->forced = true;
		atomic_store(&w->srv->forced, true);
	}
	for (; c != NULL; c = next) {
		next = c->next;
		jet_http_conn_close(c);
	}
}

static void
worker_drain(struct jet_http_worker *w)
{
	struct jet_http_conn *c = w->head, *next;

	if (w->draining)
		return;
	w->draining = true;
	uv_close((uv_handle_t *)&w->accept_poll, NULL);
	close(w->listen_fd);
	w->listen_fd = -1;
	for (; c != NULL; c = next) {
		next = c->next;
		jet_http_conn_drain(c);
	}
	uv_timer_start(&w->deadline, on_deadline, w->srv->conf.shutdown_timeout_ms, 0);
	worker_maybe_finish(w);
}

static void
on_worker_stop(uv_async_t *a)
{
	worker_drain(a->data);
}

static void *
worker_main(void *arg)
{
	struct jet_http_worker *w = arg;
	unsigned char rnd[4];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0, sizeof(rnd));
	snprintf(w->id_prefix, sizeof(w->id_prefix), "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
		rnd[3]);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	jet_log_flush();
	return NULL;
}

static int
worker_init(struct jet_http_worker *w)
{
	if (uv_loop_init(&w->loop) != 0)
		return JET_ENOMEM;
	uv_poll_init(&w->loop, &w->accept_poll, w->listen_fd);
	w->accept_poll.data = w;
	uv_timer_init(&w->loop, &w->sweep);
	w->sweep.data = w;
	uv_timer_init(&w->loop, &w->deadline);
	w->deadline.data = w;
	uv_async_init(&w->loop, &w->stop_async, on_worker_stop);
	w->stop_async.data = w;
	uv_poll_start(&w->accept_poll, UV_READABLE, on_accept);
	uv_timer_start(&w->sweep, on_sweep, JET_HTTP_SWEEP_MS, JET_HTTP_SWEEP_MS);
	return JET_OK;
}

/* ------------------------------------------------------------------------
 * Main thread: signals, timers, stop
 * --------------------------------------------------------------------- */

struct main_ctx {
	struct jet_http_server *srv;
	uv_loop_t loop;
	uv_signal_t sigterm, sigint, sighup;
	uv_timer_t tickets;
	uv_async_t stop;
	bool signals;
	bool stopping;
};

static void
main_begin_stop(struct main_ctx *m)
{
	struct jet_http_server *srv = m->srv;

	if (m->stopping)
		return;
	m->stopping = true;
	jet_log_event(JET_LOG_INFO, srv->conf.name, "shutting down", NULL);
	for (unsigned i = 0; i < srv->nworkers; i++)
		uv_async_send(&srv->workers[i].stop_async);
	/* The main loop has nothing left to do: let run() join the workers. */
	if (m->signals) {
		uv_close((uv_handle_t *)&m->sigterm, NULL);
		uv_close((uv_handle_t *)&m->sigint, NULL);
		uv_close((uv_handle_t *)&m->sighup, NULL);
	}
	uv_close((uv_handle_t *)&m->tickets, NULL);
	uv_close((uv_handle_t *)&m->stop, NULL);
}

static void
on_main_stop(uv_async_t *a)
{
	main_begin_stop(a->data);
}

static void
on_signal(uv_signal_t *s, int signum)
{
	struct main_ctx *m = s->data;
	struct jet_http_server *srv = m->srv;

	if (signum == SIGHUP) {
		char err[256];

		if (srv->conf.tls != NULL) {
			if (jet_tls_server_reload(srv->conf.tls, err, sizeof(err)) == JET_OK)
				jet_log_event(JET_LOG_INFO, srv->conf.name,
					"TLS certificates reloaded", NULL);
			else
				jet_log_event(JET_LOG_ERROR, srv->conf.name,
					"TLS reload failed; keeping the running certificates",
					"reason", err, NULL);
		}
		if (srv->conf.on_reload != NULL)
			srv->conf.on_reload(srv->conf.reload_arg);
		return;
	}
	main_begin_stop(m);
}

static void
on_rotate_tickets(uv_timer_t *t)
{
	struct main_ctx *m = t->data;

	jet_tls_server_rotate_tickets(m->srv->conf.tls);
}

/* ------------------------------------------------------------------------
 * Public API
 * --------------------------------------------------------------------- */

int
jet_http_server_new(const struct jet_http_server_conf *conf, struct jet_http_server **out,
	char *err, size_t errlen)
{
	struct jet_http_server *srv;
	struct sockaddr_storage ss;
	socklen_t sslen;
	long ncpu;
	int rc;

	*out = NULL;
	if (jet_net_resolve(conf->host, conf->port, &ss, &sslen) != JET_OK) {
		snprintf(err, errlen, "listen address '%s' is not a numeric IP address",
			conf->host);
		return JET_ECONF;
	}
	if (conf->plain_http && !jet_net_is_loopback(&ss)) {
		snprintf(err, errlen, "plain HTTP is only allowed on a loopback address");
		return JET_ECONF;
	}
	if (!conf->plain_http && conf->tls == NULL) {
		snprintf(err, errlen, "a TLS configuration is required");
		return JET_ECONF;
	}
	if (conf->limits.max_headers > JET_HTTP_MAX_HEADERS || conf->limits.max_headers == 0) {
		snprintf(err, errlen, "max_headers must be between 1 and %d", JET_HTTP_MAX_HEADERS);
		return JET_ECONF;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return JET_ENOMEM;
	srv->conf = *conf;
	if (srv->conf.name == NULL)
		srv->conf.name = "http";
	pthread_mutex_init(&srv->lock, NULL);
	for (unsigned i = 0; i < JET_HTTP_MAX_WORKERS; i++)
		srv->workers[i].listen_fd = -1;
	rc = jet_router_new(conf->routes, conf->nroutes, &srv->router);
	if (rc != JET_OK) {
		snprintf(err, errlen, "invalid route table");
		goto fail;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	srv->nworkers = conf->workers ? conf->workers : (unsigned)(ncpu > 0 ? ncpu : 1);
	if (srv->nworkers > JET_HTTP_MAX_WORKERS)
		srv->nworkers = JET_HTTP_MAX_WORKERS;
	/* The first listener picks the port (port 0 in tests); the others
	 * join it with SO_REUSEPORT. */
	for (unsigned i = 0; i < srv->nworkers; i++) {
		struct jet_http_worker *w = &srv->workers[i];
		int fd;

		w->srv = srv;
		w->index = i;
		w->listen_fd = -1;
		fd = jet_net_listen(&ss, sslen, true, 1024, err, errlen);
		if (fd < 0) {
			rc = fd;
			goto fail;
		}
		w->listen_fd = fd;
		if (i == 0) {
			srv->port = jet_net_local_port(fd);
			if (ss.ss_family == AF_INET)
				((struct sockaddr_in *)&ss)->sin_port = htons(srv->port);
			else
				((struct sockaddr_in6 *)&ss)->sin6_port = htons(srv->port);
		}
	}
	*out = srv;
	return JET_OK;
fail:
	jet_http_server_free(srv);
	return rc < 0 ? rc : JET_ECONF;
}

uint16_t
jet_http_server_port(const struct jet_http_server *srv)
{
	return srv->port;
}

void
jet_http_server_stop(struct jet_http_server *srv)
{
	atomic_store(&srv->stop_requested, true);
	pthread_mutex_lock(&srv->lock);
	if (srv->main_stop != NULL)
		uv_async_send(srv->main_stop);
	pthread_mutex_unlock(&srv->lock);
}

int
jet_http_server_run(struct jet_http_server *srv, bool handle_signals)
{
	struct main_ctx m;
	unsigned started = 0;
	int rc = JET_OK;

	memset(&m, 0, sizeof(m));
	m.srv = srv;
	m.signals = handle_signals;
	if (uv_loop_init(&m.loop) != 0)
		return JET_ENOMEM;
	uv_async_init(&m.loop, &m.stop, on_main_stop);
	m.stop.data = &m;
	uv_timer_init(&m.loop, &m.tickets);
	m.tickets.data = &m;
	if (srv->conf.tls != NULL && srv->conf.ticket_rotation_ms > 0)
		uv_timer_start(&m.tickets, on_rotate_tickets, srv->conf.ticket_rotation_ms,
			srv->conf.ticket_rotation_ms);
	if (handle_signals) {
		uv_signal_init(&m.loop, &m.sigterm);
		uv_signal_init(&m.loop, &m.sigint);
		uv_signal_init(&m.loop, &m.sighup);
		m.sigterm.data = m.sigint.data = m.sighup.data = &m;
		uv_signal_start(&m.sigterm, on_signal, SIGTERM);
		uv_signal_start(&m.sigint, on_signal, SIGINT);
		uv_signal_start(&m.sighup, on_signal, SIGHUP);
	}
	/* OpenSSL writes with write(2): a peer that vanished must cost us an
	 * EPIPE on that connection, not the process. */
	signal(SIGPIPE, SIG_IGN);
	for (unsigned i = 0; i < srv->nworkers; i++) {
		struct jet_http_worker *w = &srv->workers[i];

		if (worker_init(w) != JET_OK ||
			pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			rc = JET_ENOMEM;
			break;
		}
		started++;
	}
	pthread_mutex_lock(&srv->lock);
	srv->main_stop = &m.stop;
	pthread_mutex_unlock(&srv->lock);
	if (rc != JET_OK || atomic_load(&srv->stop_requested))
		main_begin_stop(&m);
	else {
		char addr[300];

		snprintf(addr, sizeof(addr), strchr(srv->conf.host, ':') ? "[%s]:%u" : "%s:%u",
			srv->conf.host, (unsigned)srv->port);
		jet_log_event(JET_LOG_INFO, srv->conf.name, "listening", "address", addr, "tls",
			srv->conf.plain_http ? "off" : "on", NULL);
	}
	uv_run(&m.loop, UV_RUN_DEFAULT);

	pthread_mutex_lock(&srv->lock);
	srv->main_stop = NULL;
	pthread_mutex_unlock(&srv->lock);
	for (unsigned i = 0; i < started; i++) {
		pthread_join(srv->workers[i].thread, NULL);
		uv_loop_close(&srv->workers[i].loop);
	}
	uv_loop_close(&m.loop);
	jet_log_flush();
	if (rc == JET_OK && atomic_load(&srv->forced))
		rc = JET_ETIMEDOUT;
	return rc;
}

void
jet_http_server_free(struct jet_http_server *srv)
{
	if (srv == NULL)
		return;
	for (unsigned i = 0; i < srv->nworkers; i++)
		if (srv->workers[i].listen_fd >= 0)
			close(srv->workers[i].listen_fd);
	jet_router_free(srv->router);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}

void
jet_http_server_stats(const struct jet_http_server *srv, struct jet_http_server_stats *st)
{
	struct jet_http_server *s = (struct jet_http_server *)srv;

	st->connections = atomic_load_explicit(&s->nconns, memory_order_relaxed);
	st->accepted = atomic_load_explicit(&s->accepted, memory_order_relaxed);
	st->refused_at_cap = atomic_load_explicit(&s->refused_at_cap, memory_order_relaxed);
	st->requests = atomic_load_explicit(&s->requests, memory_order_relaxed);
	st->tls_failures = atomic_load_explicit(&s->tls_failures, memory_order_relaxed);
	st->timeouts = atomic_load_explicit(&s->timeouts, memory_order_relaxed);
}
