/*
 * event.c - error-log events: {"ts","level","component","msg", fields...}.
 *
 * One line, one write(2), no lock: the line is built on the stack and
 * written whole, and since it is at most JET_LOG_LINE_MAX (= PIPE_BUF on
 * Linux) bytes, lines from concurrent threads do not interleave in a file
 * opened O_APPEND nor in a pipe.
 *
 * Redaction happens here, before any byte of a secret reaches the line:
 * a field whose key or value is secret (redact.c) and a message that looks
 * like a credential are written as "[redacted]".
 */
#include <stdarg.h>
#include <string.h>

#include "log_int.h"

#define REDACTED "[redacted]"
/* The component is a short module name from code. */
#define COMPONENT_CAP 64

/* Fields written by this file; a caller's key equal to one gets a '_'. */
static const char *const fixed_keys[] = { "ts", "level", "component", "msg", "truncated" };

static bool
is_fixed_key(const char *k)
{
	for (size_t i = 0; i < JET_ARRAY_LEN(fixed_keys); i++)
		if (strcmp(k, fixed_keys[i]) == 0)
			return true;
	return false;
}

static void
put_value(struct log_line *l, const char *key, const char *v, bool secret_key)
{
	size_t len = v != NULL ? strlen(v) : 0;

	if (v != NULL && (secret_key || jet_log_value_is_secret(v, len)))
		log_line_str(l, key, REDACTED, sizeof(REDACTED) - 1, JET_LOG_VALUE_MAX);
	else
		log_line_str(l, key, v, len, JET_LOG_VALUE_MAX);
}

void
jet_log_event(enum jet_log_level level, const char *component, const char *msg, ...)
{
	struct log_line l;
	const char *k, *v;
	va_list ap;
	int fd;

	if (!jet_log_enabled(level))
		return;
	log_line_begin(&l);
	log_line_str(&l, "level", log_level_name(level), strlen(log_level_name(level)),
		JET_LOG_VALUE_MAX);
	log_line_str(&l, "component", component ? component : "",
		component ? strlen(component) : 0, COMPONENT_CAP);
	put_value(&l, "msg", msg ? msg : "", false);
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		char renamed[16];

		v = va_arg(ap, const char *);
		if (is_fixed_key(k)) {
			renamed[0] = '_';
			memcpy(renamed + 1, k, strlen(k) + 1); /* fixed keys are < 15 bytes */
			put_value(&l, renamed, v, false);
		} else {
			put_value(&l, k, v, jet_log_key_is_secret(k));
		}
	}
	va_end(ap);
	log_line_end(&l);
	if ((fd = log_error_fd()) >= 0)
		log_write_all(fd, l.b.data, l.b.len);
}
