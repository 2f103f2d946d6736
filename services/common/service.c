/*
 * service.c - the shared configuration table and start-up of a service.
 *
 * The option table below is the single source of truth for the [server],
 * [tls], [http] and [log] sections: parsing, environment overrides,
 * `--print-config` and the documentation check (tests/scripts) all read it.
 */
#include <errno.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "jet/net.h"
#include "jet/pki.h"
#include "common/service.h"

#define OPT(sec, key, type, field, def, lo, hi, choices, help) \
	{ sec, key, type, offsetof(struct jet_service_conf, field), def, lo, hi, choices, help }
#define KB 1024ull
#define MB (1024ull * 1024ull)
#define SEC 1000ull

static const char *const mtls_modes[] = { "off", "optional", "required", NULL };
static const char *const log_levels[] = { "debug", "info", "warn", "error", NULL };

const struct jet_conf_option jet_service_options[] = {
	OPT("server", "listen", JET_CONF_ADDR, listen, "127.0.0.1:8443", 0, 0, NULL,
		"address and port to listen on (numeric IP or localhost)"),
	OPT("server", "workers", JET_CONF_UINT, workers, "0", 0, 64, NULL,
		"event-loop threads; 0 means one per CPU core"),
	OPT("server", "max_connections", JET_CONF_UINT, max_connections, "10000", 1, 1000000,
		NULL, "open connections at most; past it the oldest idle one is closed"),
	OPT("server", "data_dir", JET_CONF_PATH, data_dir, "./jetstream-data", 0, 0, NULL,
		"directory for generated keys, certificates and data"),
	OPT("server", "shutdown_timeout", JET_CONF_DURATION, shutdown_timeout_ms, "10s", 0,
		600 * SEC, NULL, "graceful shutdown: time allowed for in-flight requests"),
	OPT("server", "max_requests_per_connection", JET_CONF_UINT, max_requests_per_conn, "0",
		0, 100000000, NULL, "requests served on one connection before it closes; 0: no limit"),
	OPT("server", "plain_http", JET_CONF_BOOL, plain_http, "false", 0, 0, NULL,
		"serve unencrypted HTTP; refused unless listen is a loopback address (tests only)"),
	OPT("tls", "cert", JET_CONF_STRING, tls_cert, NULL, 0, 0, NULL,
		"PEM certificate chain, leaf first; empty: a development certificate is generated"),
	OPT("tls", "key", JET_CONF_STRING, tls_key, NULL, 0, 0, NULL,
		"PEM private key (mode 0600 or stricter)"),
	OPT("tls", "mtls", JET_CONF_ENUM, tls_mtls, "off", 0, 0, mtls_modes,
		"client certificates: off, optional or required"),
	OPT("tls", "client_ca", JET_CONF_STRING, tls_client_ca, NULL, 0, 0, NULL,
		"PEM bundle of CAs that issue client certificates (required with mtls)"),
	OPT("tls", "crl", JET_CONF_STRING, tls_crl, NULL, 0, 0, NULL,
		"PEM CRLs checked for client certificates; reloaded on SIGHUP"),
	OPT("tls", "allowed_peers", JET_CONF_STRING, tls_allowed_peers, NULL, 0, 0, NULL,
		"space-separated SAN URIs of the only clients served (needs mtls = required)"),
	OPT("tls", "ticket_rotation", JET_CONF_DURATION, tls_ticket_rotation_ms, "1h", 0,
		7 * 24 * 3600 * SEC, NULL, "session ticket key lifetime; 0 disables tickets"),
	OPT("tls", "session_cache", JET_CONF_BOOL, tls_session_cache, "true", 0, 0, NULL,
		"server-side TLS session cache"),
	OPT("tls", "hsts", JET_CONF_BOOL, tls_hsts, "true", 0, 0, NULL,
		"send Strict-Transport-Security on every response"),
	OPT("http", "max_request_line", JET_CONF_SIZE, http_max_request_line, "8k", 256, 64 * KB,
		NULL, "request line limit (414 past it)"),
	OPT("http", "max_head", JET_CONF_SIZE, http_max_head, "32k", 1 * KB, 1 * MB, NULL,
		"request head limit, request line and headers (431 past it)"),
	OPT("http", "max_headers", JET_CONF_UINT, http_max_headers, "100", 1, 128, NULL,
		"header fields per request (431 past it)"),
	OPT("http", "max_body", JET_CONF_SIZE, http_max_body, "1m", 0, 1024 * MB, NULL,
		"request body limit (413 past it)"),
	OPT("http", "header_timeout", JET_CONF_DURATION, http_header_timeout_ms, "10s", 100,
		600 * SEC, NULL, "time to receive a complete request head (408 past it)"),
	OPT("http", "body_timeout", JET_CONF_DURATION, http_body_timeout_ms, "30s", 100,
		3600 * SEC, NULL, "time to receive a complete request body (408 past it)"),
	OPT("http", "idle_timeout", JET_CONF_DURATION, http_idle_timeout_ms, "60s", 100,
		3600 * SEC, NULL, "keep-alive connection idle time before it is closed"),
	OPT("http", "write_timeout", JET_CONF_DURATION, http_write_timeout_ms, "30s", 100,
		3600 * SEC, NULL, "time a peer may leave our response unread before we close"),
	OPT("log", "access", JET_CONF_STRING, log_access, "-", 0, 0, NULL,
		"access log: '-' for stdout, 'off', or a file path"),
	OPT("log", "error", JET_CONF_STRING, log_error, "-", 0, 0, NULL,
		"error log: '-' for stderr, 'off', or a file path"),
	OPT("log", "level", JET_CONF_ENUM, log_level, "info", 0, 0, log_levels,
		"error log level: debug, info, warn or error"),
};
const size_t jet_service_noptions =
	sizeof(jet_service_options) / sizeof(jet_service_options[0]);

static bool
empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

static int
build_tls(struct jet_service *svc, char *err, size_t errlen)
{
	struct jet_service_conf *c = &svc->conf;
	struct jet_tls_server_conf tc;
	char key_path[512];
	char tlsdir[400]; /* leaves room for "/server.crt" in 512 */

	memset(&tc, 0, sizeof(tc));
	if (empty(c->tls_cert) != empty(c->tls_key)) {
		snprintf(err, errlen, "[tls] cert and key must be set together");
		return JET_ECONF;
	}
	if (empty(c->tls_cert)) {
		/* Embedded defaults: a development PKI under data_dir. */
		if (mkdir(c->data_dir, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create data directory %s: %s", c->data_dir,
				strerror(errno));
			return JET_EIO;
		}
		if ((size_t)snprintf(tlsdir, sizeof(tlsdir), "%s/tls", c->data_dir) >=
			sizeof(tlsdir)) {
			snprintf(err, errlen, "data_dir path too long");
			return JET_ECONF;
		}
		if (jet_pki_dev_ensure(tlsdir, err, errlen) != JET_OK)
			return JET_EIO;
		snprintf(svc->cert_path, sizeof(svc->cert_path), "%s/server.crt", tlsdir);
		snprintf(key_path, sizeof(key_path), "%s/server.key", tlsdir);
		snprintf(svc->ca_path, sizeof(svc->ca_path), "%s/ca.crt", tlsdir);
		svc->dev_cert = true;
	} else {
		snprintf(svc->cert_path, sizeof(svc->cert_path), "%s", c->tls_cert);
		snprintf(key_path, sizeof(key_path), "%s", c->tls_key);
	}
	tc.cert_file = svc->cert_path;
	tc.key_file = key_path;
	tc.mtls = (enum jet_mtls_mode)c->tls_mtls;
	tc.client_ca_file = empty(c->tls_client_ca) ? NULL : c->tls_client_ca;
	tc.crl_file = empty(c->tls_crl) ? NULL : c->tls_crl;
	tc.allowed_peers = empty(c->tls_allowed_peers) ? NULL : c->tls_allowed_peers;
	tc.ticket_lifetime_s = c->tls_ticket_rotation_ms / 1000;
	if (c->tls_ticket_rotation_ms > 0 && tc.ticket_lifetime_s == 0)
		tc.ticket_lifetime_s = 1;
	tc.session_cache = c->tls_session_cache;
	if (tc.mtls != JET_MTLS_OFF && tc.client_ca_file == NULL) {
		snprintf(err, errlen, "[tls] mtls = %s needs client_ca",
			tc.mtls == JET_MTLS_REQUIRED ? "required" : "optional");
		return JET_ECONF;
	}
	return jet_tls_server_new(&tc, &svc->tls, err, errlen);
}

/* Where part i of a service's own options sits in the buffer the combined
 * table loads into: after the shared struct and the parts before it, each
 * suitably aligned. */
#define ALIGN16(x) (((x) + 15) & ~(size_t)15)

static size_t
part_offset(const struct jet_service_def *def, size_t i)
{
	size_t off = ALIGN16(sizeof(struct jet_service_conf));

	for (size_t k = 0; k < i; k++)
		off += ALIGN16(def->parts[k].size);
	return off;
}

struct jet_conf_option *
jet_service_options_for(const struct jet_service_def *def, size_t *n)
{
	struct jet_conf_option *t;
	size_t total = jet_service_noptions, at;

	for (size_t i = 0; i < def->nparts; i++)
		total += def->parts[i].n;
	if ((t = calloc(total, sizeof(*t))) == NULL)
		return NULL;
	memcpy(t, jet_service_options, jet_service_noptions * sizeof(*t));
	for (size_t i = 0; i < jet_service_noptions; i++)
		if (def->listen != NULL && strcmp(t[i].section, "server") == 0 &&
			strcmp(t[i].name, "listen") == 0)
			t[i].def = def->listen;
		else if (def->max_body != NULL && strcmp(t[i].section, "http") == 0 &&
			strcmp(t[i].name, "max_body") == 0)
			t[i].def = def->max_body;
	at = jet_service_noptions;
	for (size_t i = 0; i < def->nparts; i++) {
		size_t off = part_offset(def, i);

		for (size_t k = 0; k < def->parts[i].n; k++) {
			t[at] = def->parts[i].options[k];
			t[at++].offset += off;
		}
	}
	*n = total;
	return t;
}

/* Loads the shared sections into svc->conf and the service's own into
 * their parts in one pass, so an unknown key is refused whichever table it
 * would have belonged to, and nothing is half-applied. */
static int
load_conf(struct jet_service *svc, const char *path, char *err, size_t errlen)
{
	const struct jet_service_def *def = svc->def;
	struct jet_conf_option *t;
	size_t n;
	char *buf = NULL;
	int rc;

	if ((t = jet_service_options_for(def, &n)) == NULL ||
		(buf = calloc(1, part_offset(def, def->nparts))) == NULL) {
		free(t);
		snprintf(err, errlen, "out of memory");
		return JET_ENOMEM;
	}
	rc = jet_conf_load(t, n, buf, path, err, errlen);
	memcpy(&svc->conf, buf, sizeof(svc->conf));
	for (size_t i = 0; i < def->nparts; i++)
		memcpy(def->parts[i].conf, buf + part_offset(def, i), def->parts[i].size);
	free(buf);
	free(t);
	return rc;
}

int
jet_service_init(struct jet_service *svc, const struct jet_service_def *def,
	const char *config_path, bool check_only, char *err, size_t errlen)
{
	struct jet_service_conf *c = &svc->conf;
	struct jet_http_server_conf hc;
	char *host = svc->host;
	uint16_t port;
	int rc;

	memset(svc, 0, sizeof(*svc));
	svc->name = def->name;
	svc->def = def;
	rc = load_conf(svc, config_path, err, errlen);
	svc->conf_loaded = true; /* even on failure: the defaults own strings */
	if (rc != JET_OK)
		return rc;
	if (jet_conf_split_addr(c->listen, host, sizeof(svc->host), &port) != JET_OK) {
		snprintf(err, errlen, "[server] listen: '%s' is not host:port", c->listen);
		return JET_ECONF;
	}
	if (c->http_max_request_line > c->http_max_head) {
		snprintf(err, errlen, "[http] max_request_line must not exceed max_head");
		return JET_ECONF;
	}
	if (!check_only) {
		rc = jet_log_open(c->log_access, c->log_error, (enum jet_log_level)c->log_level,
			err, errlen);
		if (rc != JET_OK)
			return rc;
		/* Keys, the store and generated certificates live here. */
		if (mkdir(c->data_dir, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create data directory %s: %s", c->data_dir,
				strerror(errno));
			return JET_EIO;
		}
	}
	if (!c->plain_http && (rc = build_tls(svc, err, errlen)) != JET_OK)
		return rc;
	if (def->init != NULL) {
		svc->init_called = true;
		if ((rc = def->init(svc, check_only, err, errlen)) != JET_OK)
			return rc;
	}

	jet_http_server_conf_default(&hc);
	hc.name = def->name;
	hc.host = host;
	hc.port = port;
	hc.workers = (unsigned)c->workers;
	hc.max_connections = c->max_connections;
	hc.tls = svc->tls;
	hc.plain_http = c->plain_http;
	hc.limits.max_request_line = c->http_max_request_line;
	hc.limits.max_head = c->http_max_head;
	hc.limits.max_headers = c->http_max_headers;
	hc.limits.max_body = c->http_max_body;
	hc.header_timeout_ms = c->http_header_timeout_ms;
	hc.body_timeout_ms = c->http_body_timeout_ms;
	hc.idle_timeout_ms = c->http_idle_timeout_ms;
	hc.write_timeout_ms = c->http_write_timeout_ms;
	hc.shutdown_timeout_ms = c->shutdown_timeout_ms;
	hc.ticket_rotation_ms = c->tls_ticket_rotation_ms;
	hc.max_requests_per_conn = c->max_requests_per_conn;
	hc.hsts = c->tls_hsts;
	hc.routes = def->routes;
	hc.nroutes = def->nroutes;
	hc.on_reload = def->reload;
	hc.reload_arg = svc;
	if (check_only) {
		/* Validate the address without binding it: the service may be
		 * running already. */
		struct sockaddr_storage ss;
		socklen_t sslen;

		if (jet_net_resolve(host, port, &ss, &sslen) != JET_OK) {
			snprintf(err, errlen, "[server] listen: '%s' is not a numeric address",
				host);
			return JET_ECONF;
		}
		if (c->plain_http && !jet_net_is_loopback(&ss)) {
			snprintf(err, errlen, "[server] plain_http is only allowed on loopback");
			return JET_ECONF;
		}
		return JET_OK;
	}
	return jet_http_server_new(&hc, &svc->http, err, errlen);
}

int
jet_service_run(struct jet_service *svc)
{
	int rc = jet_http_server_run(svc->http, true);

	jet_log_event(JET_LOG_INFO, svc->name, rc == JET_OK ? "stopped" :
		"stopped; the shutdown deadline closed connections", NULL);
	return 0;
}

void
jet_service_cleanup(struct jet_service *svc)
{
	jet_http_server_free(svc->http);
	svc->http = NULL;
	if (svc->init_called && svc->def->cleanup != NULL)
		svc->def->cleanup(svc);
	svc->init_called = false;
	jet_tls_server_free(svc->tls);
	svc->tls = NULL;
	if (svc->conf_loaded) {
		jet_conf_free(jet_service_options, jet_service_noptions, &svc->conf);
		for (size_t i = 0; i < svc->def->nparts; i++)
			jet_conf_free(svc->def->parts[i].options, svc->def->parts[i].n,
				svc->def->parts[i].conf);
		svc->conf_loaded = false;
	}
	jet_log_flush();
}
