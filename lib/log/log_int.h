/*
 * log_int.h - shared only between the files of lib/log.
 *
 *   stream.c  where lines go: the two fds, open/close/re-open, level
 *   line.c    building one JSON line within JET_LOG_LINE_MAX
 *   event.c   jet_log_event (error log, one write(2) per line)
 *   access.c  jet_log_access and the per-thread buffers
 *   redact.c  the redaction rule
 */
#ifndef JET_LOG_INT_H
#define JET_LOG_INT_H

#include "jet/log.h"

/* ---------------------------------------------------------------- line.c */

/*
 * One line under construction.  The jet_buf wraps the array in the same
 * struct with cap == max, which buf.c never reallocates (it grows only when
 * a request exceeds cap, and refuses one that exceeds max): no allocation
 * per line, and the struct must not be copied or passed to jet_buf_cleanup.
 */
struct log_line {
	struct jet_buf b;
	bool truncated;              /* something was cut or dropped */
	char data[JET_LOG_LINE_MAX];
};

/* Starts a line: {"ts":"<now>". */
void log_line_begin(struct log_line *l);
/* Appends ,"key":"value" with the value escaped and cut at cap bytes
 * (v NULL: null).  A field that no longer fits is dropped whole. */
void log_line_str(struct log_line *l, const char *key, const char *v, size_t vlen, size_t cap);
/* Appends ,"key":<number>. */
void log_line_u64(struct log_line *l, const char *key, uint64_t v);
void log_line_int(struct log_line *l, const char *key, int v);
/* Ends the line: [,"truncated":true] } \n.  Always fits. */
void log_line_end(struct log_line *l);

/* -------------------------------------------------------------- stream.c */

/* Current fds: -1 when the stream is off.  Lock-free (atomic loads). */
int log_access_fd(void);
int log_error_fd(void);
/* "debug" ... "error"; an out-of-range level reads "error". */
const char *log_level_name(enum jet_log_level level);
/* write(2)s all of p, retrying EINTR and short writes; gives up on errors
 * (a log must never stop the process). */
void log_write_all(int fd, const char *p, size_t n);

/* -------------------------------------------------------------- access.c */

/* Flushes every thread's access buffer (jet_log_close, exit). */
void log_access_flush_all(void);

#endif /* JET_LOG_INT_H */
