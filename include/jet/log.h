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
 *
 * Redaction rule (docs/internals/log.md), ASCII case-insensitive:
 *  - a key is secret if it contains authorization, token, secret, password,
 *    passwd, passphrase, cookie, assertion, credential, apikey or privkey,
 *    or if its last word is "key" (words split at '_', '-', '.', ' ' and at
 *    a lower-to-upper case change): api_key, private_key, signingKey and
 *    x-api-key are secret; keepalive, key_id, keys and monkey are not;
 *  - a value is secret, whatever its key, if it contains "Bearer" or
 *    "Basic" (a whole word, any case) followed by blanks and a credential -
 *    a token68 run of 8+ characters not made only of a-z, so that prose
 *    such as "missing bearer token" stays readable - or a JWT/JWS/JWE:
 *    "eyJ" starting a base64url run, then '.', a non-empty base64url run
 *    and '.'.
 * A secret value is written as "[redacted]".  Value redaction also applies
 * to the event message and to every string of the access record.
 *
 * Lines are at most JET_LOG_LINE_MAX bytes, so a write(2) of one line to a
 * pipe is atomic (PIPE_BUF is 4096 on Linux).  A line that had to be cut
 * carries "truncated":true and its cut strings end in U+2026.
 */
#ifndef JET_LOG_H
#define JET_LOG_H

#include "jet/core.h"

#define JET_LOG_LINE_MAX 4096     /* bytes per line, "\n" included */
#define JET_LOG_VALUE_MAX 1024    /* bytes of one escaped event value or message */
#define JET_LOG_ACCESS_BUF 32768  /* per-thread access-log buffer */

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
 *
 * Safe while other threads log: a re-opened file is dup2(2)'d onto the fd
 * number the stream already uses, so a writer sees the old file or the new
 * one, never a closed or reused descriptor.  Both paths are opened before
 * either stream changes: on failure (JET_EIO, err says which path and why;
 * JET_EINVAL for a bad level or a NULL path) nothing changed.
 */
int jet_log_open(const char *access_path, const char *error_path, enum jet_log_level level,
	char *err, size_t errlen);
/* Flushes every thread's access buffer, closes the files and returns to the
 * initial state (stderr, info).  Call it when no other thread logs. */
void jet_log_close(void);

/* Parses "debug" / "info" / "warn" / "error". */
int jet_log_level_parse(const char *s, enum jet_log_level *out);

/*
 * Error-log event: {"ts":..., "level":..., "component":..., "msg":..., k: v, ...}
 * followed by key/value pairs of C strings, terminated by NULL:
 *   jet_log_event(JET_LOG_WARN, "tls", "handshake failed",
 *                 "peer", "127.0.0.1:5000", "reason", why, NULL);
 * Values are JSON-escaped; lines are capped at 4 KiB (values truncated).
 * The list is pairs: a NULL value is written as null (the NULL key after it
 * still ends the list).  A key equal to a fixed field (ts, level, component,
 * msg, truncated) is written with a leading '_' so it cannot shadow it.
 * Fields that no longer fit in the line are dropped ("truncated":true).
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

/* Writes out this thread's buffered access lines (one write(2)). */
void jet_log_flush(void);

/* True if events at this level are written (skip building costly fields):
 * at or above the level, and the error log not "off". */
bool jet_log_enabled(enum jet_log_level level);

/* The redaction rule above, for modules that log or dump other key/value
 * data (key NULL: false). */
bool jet_log_key_is_secret(const char *key);
bool jet_log_value_is_secret(const char *v, size_t len);

#endif /* JET_LOG_H */
