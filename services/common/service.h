/*
 * service.h - what every Jetstream service shares: the [server], [tls],
 * [http] and [log] configuration sections, and the start-up sequence that
 * turns them into a running HTTPS server (logs, TLS policy or the
 * development certificate, limits, timeouts).
 *
 * A service adds its own routes; everything else is here once.
 */
#ifndef JET_SERVICE_H
#define JET_SERVICE_H

#include "jet/conf.h"
#include "jet/log.h"
#include "jet/server.h"
#include "jet/tls.h"

struct jet_service_conf {
	/* [server] */
	char *listen;               /* "host:port" */
	uint64_t workers;
	uint64_t max_connections;
	char *data_dir;
	uint64_t shutdown_timeout_ms;
	uint64_t max_requests_per_conn;
	bool plain_http;
	/* [tls] */
	char *tls_cert;
	char *tls_key;
	int tls_mtls;               /* enum jet_mtls_mode */
	char *tls_client_ca;
	char *tls_crl;
	char *tls_allowed_peers;    /* space-separated SAN URIs; empty: any */
	uint64_t tls_ticket_rotation_ms;
	bool tls_session_cache;
	bool tls_hsts;
	/* [http] */
	uint64_t http_max_request_line;
	uint64_t http_max_head;
	uint64_t http_max_headers;
	uint64_t http_max_body;
	uint64_t http_header_timeout_ms;
	uint64_t http_body_timeout_ms;
	uint64_t http_idle_timeout_ms;
	uint64_t http_write_timeout_ms;
	/* [log] */
	char *log_access;
	char *log_error;
	int log_level;              /* enum jet_log_level */
};

extern const struct jet_conf_option jet_service_options[];
extern const size_t jet_service_noptions;

struct jet_service;

/* A group of a service's own configuration sections and the struct they
 * load into (offsets in options are into conf, which holds size bytes and
 * owns the loaded strings until jet_service_cleanup). */
struct jet_conf_part {
	const struct jet_conf_option *options;
	size_t n;
	void *conf;
	size_t size;
};

/*
 * What makes one service different from another: its name, routes, default
 * address, its own configuration sections and its start-up and shut-down
 * steps.  Each service declares one of these, statically.
 */
struct jet_service_def {
	const char *name;      /* "api", "auth": logs, banner, command name */
	const char *what;      /* "the API service" (usage text) */
	const char *listen;    /* default [server] listen; NULL: the shared default */
	const char *max_body;  /* default [http] max_body; NULL: the shared default */
	const struct jet_route *routes;
	size_t nroutes;
	/* The service's own sections ([auth], [token] ...). */
	const struct jet_conf_part *parts;
	size_t nparts;
	/* After the configuration is loaded and the TLS policy built, before
	 * the listener binds.  check_only: --check, validate without side
	 * effects (nothing opened, generated or started).  May be NULL. */
	int (*init)(struct jet_service *svc, bool check_only, char *err, size_t errlen);
	/* After the server has stopped, or after a failed start; must accept a
	 * partial init.  May be NULL. */
	void (*cleanup)(struct jet_service *svc);
	/* SIGHUP, on the main thread, after the TLS files were reloaded. */
	void (*reload)(void *arg);
};

/* The full option table of def (shared sections first, def's listen and
 * max_body defaults applied, then def's own), for --print-config and the docs check.
 * Returns a malloc'd array (free it) or NULL; *n gets its length. */
struct jet_conf_option *jet_service_options_for(const struct jet_service_def *def, size_t *n);

/* A service being started: owns the TLS policy and the server. */
struct jet_service {
	const char *name;
	const struct jet_service_def *def;
	struct jet_service_conf conf;
	struct jet_tls_server *tls;
	struct jet_http_server *http;
	char host[256];             /* listen host; the server borrows it */
	char cert_path[512];        /* certificate in use (for the banner) */
	char ca_path[512];          /* development CA, when one was generated */
	bool dev_cert;
	bool conf_loaded;           /* cleanup frees the configuration's strings */
	bool init_called;           /* cleanup calls def->cleanup */
	void *state;                /* the service's own run-time state (def->init) */
};

/*
 * Loads the configuration (defaults < file < environment), opens logs,
 * builds the TLS policy (generating the development PKI in data_dir/tls when
 * no certificate is configured) and binds the listener.  check_only: stop
 * after validating (for --check).  On failure err holds "file:line: reason"
 * or another one-line reason and nothing is left running.
 */
int jet_service_init(struct jet_service *svc, const struct jet_service_def *def,
	const char *config_path, bool check_only, char *err, size_t errlen);

/* Runs until SIGTERM/SIGINT; returns the process exit status. */
int jet_service_run(struct jet_service *svc);

void jet_service_cleanup(struct jet_service *svc);

#endif /* JET_SERVICE_H */
