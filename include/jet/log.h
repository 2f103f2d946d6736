/*
 * jet/log.h - structured JSON-line logs.
 *
 * Two streams: the access log (one line per HTTP request) and the error log
 * (events).  Every line is one JSON object terminated by "\n", written with a
 * single write(2) so lines from several threads never interleave.
 *
 * Secrets never reach a log: the access record has no field for headers, the
 * query string is not logged (it can carry tokens), and event fields whose
 * key names a secret (authorization, token, secret, password, key, cookie,
 * assertion, ...) are replaced by "[redacted]" whatever the caller passes.
 *
 * The access log is buffered per thread and flushed when the buffer fills,
 * when jet_log_flush() is called (event loops call it from a timer), and at
 * exit.  The error log is unbuffered.
 */
#ifndef JET_LOG_H
#define JET_LOG_H

#include "jet/core.h"

enum jet_log_level {
	JET_LOG_DEBUG = 0,
	JET_LOG_INFO,
	JET_LOG_WARN,
	JET_LOG_ERROR,
};

/*
 * Opens the logs.  path "-" means stdout (access) / stderr (error); "off"
 * disables the stream; anything else is a file opened for append (0640,
 * created if missing).  May be called again (SIGHUP re-open).  Before the
 * first call, both logs go to stderr at level info.
 */
int jet_log_open(const char *access_path, const char *error_path, enum jet_log_level level,
	char *err, size_t errlen);
void jet_log_close(void);

/* Parses "debug" / "info" / "warn" / "error". */
int jet_log_level_parse(const char *s, enum jet_log_level *out);

/*
 * Error-log event: {"ts":..., "level":..., "component":..., "msg":..., k: v, ...}
 * followed by key/value pairs of C strings, terminated by NULL:
 *   jet_log_event(JET_LOG_WARN, "tls", "handshake failed",
 *                 "peer", "127.0.0.1:5000", "reason", why, NULL);
 * Values are JSON-escaped; lines are capped at 4 KiB (values truncated).
 */
void jet_log_event(enum jet_log_level level, const char *component, const char *msg, ...)
	__attribute__((sentinel));

struct jet_access_rec {
	const char *method;     /* as received, bounded by the parser */
	struct jet_str path;    /* path only, never the query */
	int status;
	uint64_t bytes_in;      /* request body bytes */
	uint64_t bytes_out;     /* response bytes, head included */
	uint64_t duration_us;   /* first byte of request to last byte queued */
	const char *peer;       /* "ip:port" */
	const char *request_id; /* X-Request-Id as sent back */
	const char *identity;   /* verified client identity (SAN URI or subject), or NULL */
};

void jet_log_access(const struct jet_access_rec *rec);

/* Writes out this thread's buffered access lines. */
void jet_log_flush(void);

/* True if events at this level are written (skip building costly fields). */
bool jet_log_enabled(enum jet_log_level level);

#endif /* JET_LOG_H */
