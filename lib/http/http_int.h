/*
 * http_int.h - helpers shared by the files of lib/http only: the character
 * classes of RFC 9110 / RFC 3986 and small slice comparisons.
 *
 * The classes are switch-based inline functions rather than one 256-entry
 * table: each reads like the grammar it implements, which matters more here
 * than the last nanosecond, and the compiler turns them into bit tests.
 */
#ifndef JET_HTTP_INT_H
#define JET_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "jet/http.h"

static inline bool
jet_http_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool
jet_http_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Value of a hex digit, or -1. */
static inline int
jet_http_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* tchar (RFC 9110 section 5.6.2): the bytes of methods, header names,
 * transfer codings and connection options. */
static inline bool
jet_http_is_tchar(unsigned char c)
{
	if (jet_http_is_alpha(c) || jet_http_is_digit(c))
		return true;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
	case '+': case '-': case '.': case '^': case '_': case '`': case '|':
	case '~':
		return true;
	default:
		return false;
	}
}

/* VCHAR: visible US-ASCII, 0x21-0x7E. */
static inline bool
jet_http_is_vchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e;
}

/* A byte allowed inside a field value (RFC 9110 section 5.5): VCHAR, SP,
 * HTAB and obs-text.  Everything else - NUL, CR, LF, DEL and the other
 * controls - is refused outright rather than replaced with SP, which the
 * RFC also permits: a gateway that rewrites bytes invites disagreement
 * with the next hop about what the field said. */
static inline bool
jet_http_is_field_byte(unsigned char c)
{
	return c == ' ' || c == '\t' || jet_http_is_vchar(c) || c >= 0x80;
}

/* unreserved / sub-delims (RFC 3986 section 2): the bytes of a reg-name
 * other than pct-encoded. */
static inline bool
jet_http_is_regname(unsigned char c)
{
	if (jet_http_is_alpha(c) || jet_http_is_digit(c))
		return true;
	switch (c) {
	case '-': case '.': case '_': case '~':                       /* unreserved */
	case '!': case '$': case '&': case '\'': case '(': case ')':  /* sub-delims */
	case '*': case '+': case ',': case ';': case '=':
		return true;
	default:
		return false;
	}
}

/* pchar without pct-encoded (RFC 3986 section 3.3). */
static inline bool
jet_http_is_pchar(unsigned char c)
{
	return jet_http_is_regname(c) || c == ':' || c == '@';
}

/* ASCII case-insensitive equality of two slices. */
bool jet_http_caseeq(struct jet_str a, struct jet_str b);

/* Validates a Host field value or an absolute-form authority:
 * uri-host [ ":" port ] without userinfo (RFC 9110 section 7.2, RFC 3986
 * section 3.2).  See util.c for what is deliberately refused. */
bool jet_http_host_valid(struct jet_str h);

#endif /* JET_HTTP_INT_H */
