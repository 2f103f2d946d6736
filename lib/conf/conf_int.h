/*
 * conf_int.h - shared only between the files of lib/conf.
 *
 *   lex.c    one line of text -> section header / key and unquoted value
 *   value.c  the table of value types: parse, range-check, describe
 *   addr.c   "host:port" / "[v6]:port" (also jet_conf_split_addr)
 *   load.c   jet_conf_load: table check, defaults, file, environment
 *   print.c  jet_conf_print_defaults
 */
#ifndef JET_CONF_INT_H
#define JET_CONF_INT_H

#include "jet/conf.h"

/* Longest reason text ("'3x' is not a size ...") a parser writes. */
#define CONF_WHY_MAX 256
/* Longest section or key name a table may declare. */
#define CONF_NAME_MAX 64

/* ------------------------------------------------------------------ lex.c */

enum conf_line_kind {
	CONF_LINE_EMPTY = 0, /* blank or comment only */
	CONF_LINE_SECTION,   /* [name] */
	CONF_LINE_KV,        /* key = value */
};

struct conf_line {
	enum conf_line_kind kind;
	struct jet_str name;                /* section or key; borrows the input */
	char value[JET_CONF_LINE_MAX + 1];  /* KV: unquoted, NUL-terminated */
	size_t value_len;
};

/* Splits one line (without its end) into out.  JET_OK, or JET_ECONF with a
 * reason in why.  Control characters other than TAB are refused. */
int conf_lex_line(const char *p, size_t len, struct conf_line *out, char *why, size_t whylen);

/* True if c may appear in a section name / a key name. */
bool conf_is_section_char(unsigned char c);
bool conf_is_key_char(unsigned char c);

/* Writes s as 'text' for an error message: at most 40 characters, anything
 * not printable ASCII shown as '?', so a message never carries control bytes. */
void conf_quote(char *dst, size_t dstlen, const char *s, size_t len);

/* ---------------------------------------------------------------- value.c */

/* How a parsed value is held before it is stored into the destination. */
union conf_value {
	uint64_t u; /* UINT, DURATION, SIZE */
	bool b;     /* BOOL */
	int e;      /* ENUM */
	char *s;    /* STRING, PATH, ADDR: malloc'd, owned by whoever holds it */
};

enum conf_store {
	CONF_STORE_STR = 0, /* char * */
	CONF_STORE_U64,     /* uint64_t */
	CONF_STORE_BOOL,    /* bool */
	CONF_STORE_INT,     /* int */
};

struct conf_type {
	const char *name;        /* "size", for hints in print_defaults */
	enum conf_store store;
	bool ranged;             /* min/max apply */
	/* Parses s[0..len) (NUL-terminated at len) into out.  JET_OK;
	 * JET_ECONF with why set; JET_ENOMEM. */
	int (*parse)(const struct jet_conf_option *o, const char *s, size_t len,
		union conf_value *out, char *why, size_t whylen);
	/* Writes a stored number back in the file's syntax ("1m", "10s"). */
	void (*format)(uint64_t v, char *out, size_t outlen);
};

/* The entry for t, or NULL for a value outside enum jet_conf_type. */
const struct conf_type *conf_type_of(enum jet_conf_type t);
/* The effective upper bound: max, or UINT64_MAX when max is 0. */
uint64_t conf_max(const struct jet_conf_option *o);

/* ----------------------------------------------------------------- addr.c */

/* Checks "host:port" / "[v6]:port"; host borrows from s.  JET_OK, or
 * JET_EINVAL with *why a static reason. */
int conf_addr_parse(const char *s, size_t len, struct jet_str *host, uint16_t *port,
	const char **why);

/* ----------------------------------------------------------------- load.c */

/* Writes JETSTREAM_<SECTION>_<KEY> into out; false if it does not fit. */
bool conf_env_name(const struct jet_conf_option *o, char *out, size_t outlen);

#endif /* JET_CONF_INT_H */
