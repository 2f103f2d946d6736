/*
 * jet/conf.h - configuration files, declared by table.
 *
 * Format (one per line; '#' starts a comment outside quotes):
 *
 *     # the API service
 *     [server]
 *     listen = 127.0.0.1:8443
 *     workers = 2
 *     [http]
 *     header_timeout = 10s
 *     max_body = 1m
 *
 * A value is the rest of the line, trimmed; "double quotes" keep spaces and
 * '#' (escapes \" and \\ only).  Every key must be declared in the caller's
 * table under its section; unknown sections and keys, duplicates, bad values
 * and values outside their range are refused with "file:line: reason" and
 * nothing of the file is applied.
 *
 * Precedence: table default < file < environment.  The environment variable
 * for [section] key is JETSTREAM_<SECTION>_<KEY> in upper case ("-" and "."
 * become "_"), e.g. JETSTREAM_HTTP_MAX_BODY=2m.
 *
 * Values: durations "250ms", "10s", "5m", "1h", "7d" (a bare number means
 * seconds) are stored as milliseconds; sizes "512", "64k", "1m", "2g" (powers
 * of 1024) as bytes; booleans true/false/yes/no/on/off; enums as the index of
 * the matching choice; addresses "host:port" or "[v6]:port".
 *
 * Details (docs/internals/conf.md has the full grammar):
 *  - size suffixes are k/m/g or K/M/G, nothing else: no "kb", "MiB" or "b",
 *    because "1MB" reads as 10^6 to half the readers;
 *  - duration suffixes are lower case (ms s m h d): "1M" is not a duration;
 *  - booleans are lower case true/false, yes/no, on/off, 1/0;
 *  - lines may end in CRLF; other control characters are refused;
 *  - an environment value is taken literally: no trimming, quotes or
 *    comments, and an empty variable is an empty value, not "unset".
 */
#ifndef JET_CONF_H
#define JET_CONF_H

#include <stdio.h>

#include "jet/core.h"

enum jet_conf_type {
	JET_CONF_STRING = 0, /* char *, owned by the destination (jet_conf_free) */
	JET_CONF_PATH,       /* char *, like STRING, must not be empty */
	JET_CONF_UINT,       /* uint64_t, within [min, max] */
	JET_CONF_BOOL,       /* bool */
	JET_CONF_DURATION,   /* uint64_t milliseconds, within [min, max] */
	JET_CONF_SIZE,       /* uint64_t bytes, within [min, max] */
	JET_CONF_ENUM,       /* int: index into choices */
	JET_CONF_ADDR,       /* char * "host:port", syntax and port checked */
};

/* Limits of a configuration file (a longer line or larger file is refused). */
#define JET_CONF_LINE_MAX 4096         /* bytes per line, line end excluded */
#define JET_CONF_FILE_MAX 1048576      /* bytes per file (1 MiB) */

struct jet_conf_option {
	const char *section; /* "server" */
	const char *name;    /* "listen" */
	enum jet_conf_type type;
	size_t offset;       /* offsetof(destination struct, field) */
	const char *def;     /* default, in the file's syntax; NULL: empty/unset */
	uint64_t min, max;   /* UINT, DURATION (ms), SIZE (bytes); max 0: no upper limit */
	const char *const *choices; /* ENUM: NULL-terminated */
	const char *help;    /* one line, for --help-config and the docs check */
};

/*
 * Applies defaults, then path (NULL: no file), then the environment, into
 * dst.  On failure returns JET_ECONF with err set to "file:line: reason"
 * (or "JETSTREAM_X_Y: reason" for the environment), and dst holds the
 * defaults only (all owned strings freed and re-set), never a half-applied
 * file.
 *
 * Everything is parsed into a private copy first; dst is written once, at
 * the end.  dst's previous contents are overwritten, not freed (dst may be
 * uninitialised): call jet_conf_free before loading into the same struct
 * again.  A malformed table (bad names, an invalid default, two options
 * with the same environment name, ...) is a programming error: JET_EINVAL
 * with err naming the option, and dst untouched.  JET_ENOMEM: dst holds
 * zeros.  err may be NULL.
 */
int jet_conf_load(const struct jet_conf_option *table, size_t n, void *dst, const char *path,
	char *err, size_t errlen);

/* Frees the strings the table's STRING/PATH/ADDR options own in dst. */
void jet_conf_free(const struct jet_conf_option *table, size_t n, void *dst);

/* Writes the table as a commented example configuration with defaults:
 * sections in table order, each option's help, type, range and environment
 * name as comments.  The output loads back to the defaults. */
void jet_conf_print_defaults(const struct jet_conf_option *table, size_t n, FILE *out);

/* Splits "host:port" / "[v6]:port" into host (no brackets) and port.
 * JET_OK; JET_EINVAL for anything jet_conf_load would refuse as an ADDR
 * (port outside 1-65535, empty host, bad host characters, unbracketed
 * IPv6); JET_ETOOBIG when host does not fit hostlen.  Outputs are written
 * only on success. */
int jet_conf_split_addr(const char *addr, char *host, size_t hostlen, uint16_t *port);

#endif /* JET_CONF_H */
