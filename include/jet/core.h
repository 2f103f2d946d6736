/*
 * jet/core.h - the few types every Jetstream module shares: the error enum,
 * borrowed string slices, bounded growable buffers, constant-time compare,
 * strict number parsing and the monotonic clock.
 *
 * Conventions used across the library:
 *  - Functions return JET_OK (0) or a negative enum jet_err.  Parsers return
 *    the number of bytes consumed (> 0), JET_AGAIN (need more input) or an
 *    error.
 *  - struct jet_str never owns memory: it borrows from a buffer whose lifetime
 *    the caller controls (usually a connection's receive buffer).
 *  - struct jet_buf owns its memory and never grows past the maximum it was
 *    created with: everything that grows from network input is one of these.
 */
#ifndef JET_CORE_H
#define JET_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jet_err {
	JET_OK = 0,
	JET_AGAIN = -1,     /* need more input / would block */
	JET_ENOMEM = -2,    /* allocation failed */
	JET_EINVAL = -3,    /* invalid argument or malformed input */
	JET_EIO = -4,       /* system call failed; errno tells more */
	JET_ETOOBIG = -5,   /* a configured or built-in limit was exceeded */
	JET_ETIMEDOUT = -6, /* a deadline passed */
	JET_ECLOSED = -7,   /* peer closed the connection */
	JET_ETLS = -8,      /* TLS handshake, verification or record error */
	JET_ENOTFOUND = -9, /* no such entry */
	JET_EPERM = -10,    /* refused by policy */
	JET_ECONF = -11,    /* configuration is invalid */
	JET_EPROTO = -12,   /* protocol violation by the peer */
	JET_EBUSY = -13,    /* resource exhausted (connection cap, pool full) */
	JET_ESTATE = -14,   /* call not valid in the object's current state */
	JET_EEXIST = -15,   /* the entry exists already (or a one-time value was used) */
};

/* Returns a static, human-readable description of a jet_err value. */
const char *jet_strerror(int err);

/* ------------------------------------------------------------------------
 * Borrowed string slices
 * --------------------------------------------------------------------- */

struct jet_str {
	const char *p; /* not NUL-terminated in general; may be NULL when len 0 */
	size_t len;
};

#define JET_STR_LIT(lit) ((struct jet_str){ (lit), sizeof(lit) - 1 })
#define JET_STR_NULL ((struct jet_str){ NULL, 0 })

struct jet_str jet_str_from_cstr(const char *s);
bool jet_str_eq(struct jet_str a, struct jet_str b);
bool jet_str_eq_cstr(struct jet_str a, const char *s);
/* ASCII case-insensitive comparison (header names, tokens). */
bool jet_str_caseeq_cstr(struct jet_str a, const char *s);
/* Strips leading and trailing SP and HTAB (RFC 9110 OWS). */
struct jet_str jet_str_trim_ows(struct jet_str s);
/* Copies s into dst (size dstlen), always NUL-terminating; returns false when
 * truncated. */
bool jet_str_copy(char *dst, size_t dstlen, struct jet_str s);

/*
 * Strict unsigned decimal: one or more ASCII digits, nothing else (no sign,
 * no spaces, no leading "0x"); values above max are refused.  Returns JET_OK
 * or JET_EINVAL (bad syntax) or JET_ETOOBIG (above max).
 */
int jet_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);
/* The same for a NUL-terminated string. */
int jet_parse_u64_cstr(const char *s, uint64_t max, uint64_t *out);

/* ------------------------------------------------------------------------
 * Bounded buffers
 * --------------------------------------------------------------------- */

struct jet_buf {
	char *data; /* owned; NULL until the first reservation */
	size_t len; /* bytes in use */
	size_t cap; /* bytes allocated */
	size_t max; /* hard limit on cap; growth past it fails with JET_ETOOBIG */
};

/* Prepares an empty buffer that may grow up to max bytes.  Allocates lazily. */
void jet_buf_init(struct jet_buf *b, size_t max);
/* Makes room for at least extra more bytes: JET_OK, JET_ETOOBIG or JET_ENOMEM.
 * On failure the buffer is unchanged. */
int jet_buf_reserve(struct jet_buf *b, size_t extra);
int jet_buf_append(struct jet_buf *b, const void *p, size_t n);
int jet_buf_append_str(struct jet_buf *b, const char *s);
/* printf-style append; fails without change when the result would pass max. */
int jet_buf_printf(struct jet_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int jet_buf_vprintf(struct jet_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Drops the first n bytes (n <= len). */
void jet_buf_consume(struct jet_buf *b, size_t n);
void jet_buf_reset(struct jet_buf *b);
/* Releases the memory; the buffer may be reused after jet_buf_init. */
void jet_buf_cleanup(struct jet_buf *b);

/* ------------------------------------------------------------------------
 * Secrets and time
 * --------------------------------------------------------------------- */

/* Constant-time equality of two equal-length byte strings. */
bool jet_ct_equal(const void *a, const void *b, size_t len);
/* Wipes memory in a way the compiler may not elide. */
void jet_wipe(void *p, size_t len);

/* Monotonic clock in milliseconds / nanoseconds (CLOCK_MONOTONIC). */
uint64_t jet_now_ms(void);
uint64_t jet_now_ns(void);
/* Wall clock in milliseconds since the Unix epoch (CLOCK_REALTIME). */
uint64_t jet_wall_ms(void);
/* Formats a wall-clock time (ms since epoch) as RFC 3339 UTC with
 * milliseconds, e.g. "2026-11-25T10:00:00.123Z"; out must hold 25 bytes. */
void jet_time_rfc3339(uint64_t wall_ms, char out[25]);

#define JET_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define JET_MIN(a, b) ((a) < (b) ? (a) : (b))
#define JET_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif /* JET_CORE_H */
