/*
 * load.c - jet_conf_load: table default < file < environment, all or nothing.
 *
 * Every option has a slot (its parsed value and the file line that set it).
 * Defaults fill the slots, the file overwrites them line by line, the
 * environment overwrites them again, and only when all three succeeded are
 * the slots moved into the caller's struct.  On any failure the slots are
 * dropped and the defaults are parsed afresh into the caller's struct, so no
 * value of a rejected file or variable is ever visible.
 *
 * The first error stops the load and is reported as "path:line: reason" or
 * "JETSTREAM_X_Y: reason"; reasons never echo more than a bounded, printable
 * excerpt of a value (conf_quote).
 *
 * getenv is called only for the names the table declares: the process
 * environment is not scanned, so an unrelated JETSTREAM_* variable is
 * neither an error nor read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_int.h"

struct slot {
	union conf_value v; /* parsed value; strings owned by the slot */
	unsigned line;      /* file line that set it, 0 if not from the file */
};

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

bool
conf_env_name(const struct jet_conf_option *o, char *out, size_t outlen)
{
	int w = snprintf(out, outlen, "JETSTREAM_%s_%s", o->section, o->name);

	if (w < 0 || (size_t)w >= outlen)
		return false;
	for (char *p = out; *p != '\0'; p++) {
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
		else if (*p == '-' || *p == '.')
			*p = '_';
	}
	return true;
}

static bool
valid_name(const char *s, bool (*ok)(unsigned char))
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; s[n] != '\0'; n++)
		if (n >= CONF_NAME_MAX || !ok((unsigned char)s[n]))
			return false;
	return n > 0;
}

static void
slot_release(const struct jet_conf_option *o, struct slot *s)
{
	if (conf_type_of(o->type)->store == CONF_STORE_STR) {
		free(s->v.s);
		s->v.s = NULL;
	}
}

static void
slots_release(const struct jet_conf_option *table, size_t n, struct slot *slots)
{
	for (size_t i = 0; i < n; i++)
		slot_release(&table[i], &slots[i]);
}

/*
 * Parses one value (from the file, the environment or a default) into a
 * slot, replacing what it held.  Control characters are refused here too,
 * for values that did not come through the lexer.
 */
static int
set_value(const struct jet_conf_option *o, struct slot *s, const char *v, size_t len,
	char *why, size_t whylen)
{
	union conf_value nv = { 0 };
	int rc;

	if (len > JET_CONF_LINE_MAX) {
		snprintf(why, whylen, "value longer than %d bytes", JET_CONF_LINE_MAX);
		return JET_ECONF;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			snprintf(why, whylen, "control character 0x%02x in value", c);
			return JET_ECONF;
		}
	}
	if ((rc = conf_type_of(o->type)->parse(o, v, len, &nv, why, whylen)) != JET_OK)
		return rc;
	slot_release(o, s);
	s->v = nv;
	return JET_OK;
}

/* A NULL default is "unset": NULL string, 0, false, the first choice. */
static int
set_default(const struct jet_conf_option *o, struct slot *s, char *why, size_t whylen)
{
	if (o->def != NULL)
		return set_value(o, s, o->def, strlen(o->def), why, whylen);
	slot_release(o, s);
	memset(&s->v, 0, sizeof(s->v));
	if (conf_type_of(o->type)->ranged && o->min > 0) {
		snprintf(why, whylen, "no default, and 0 is below the minimum");
		return JET_ECONF;
	}
	return JET_OK;
}

/* ------------------------------------------------------------ the table */

static int
check_option(const struct jet_conf_option *table, size_t i, char *err, size_t errlen)
{
	const struct jet_conf_option *o = &table[i];
	const struct conf_type *t;
	char env[2 * CONF_NAME_MAX + 16], env2[sizeof(env)], why[CONF_WHY_MAX];
	struct slot s = { { 0 }, 0 };
	int rc;

	if (!valid_name(o->section, conf_is_section_char) || !valid_name(o->name, conf_is_key_char))
		return fail(err, errlen, JET_EINVAL,
			"configuration table: option %zu: invalid section or key name", i);
	if ((t = conf_type_of(o->type)) == NULL)
		return fail(err, errlen, JET_EINVAL,
			"configuration table: [%s] %s: unknown type", o->section, o->name);
	if (o->type == JET_CONF_ENUM && (o->choices == NULL || o->choices[0] == NULL))
		return fail(err, errlen, JET_EINVAL,
			"configuration table: [%s] %s: enum without choices", o->section, o->name);
	if (t->ranged && o->min > conf_max(o))
		return fail(err, errlen, JET_EINVAL,
			"configuration table: [%s] %s: min above max", o->section, o->name);
	conf_env_name(o, env, sizeof(env));
	for (size_t j = 0; j < i; j++) {
		if (strcmp(table[j].section, o->section) == 0 &&
		    strcmp(table[j].name, o->name) == 0)
			return fail(err, errlen, JET_EINVAL,
				"configuration table: [%s] %s declared twice", o->section, o->name);
		conf_env_name(&table[j], env2, sizeof(env2));
		if (strcmp(env, env2) == 0)
			return fail(err, errlen, JET_EINVAL,
				"configuration table: [%s] %s and [%s] %s share %s", table[j].section,
				table[j].name, o->section, o->name, env);
	}
	rc = set_default(o, &s, why, sizeof(why));
	slot_release(o, &s);
	if (rc == JET_ENOMEM)
		return fail(err, errlen, rc, "out of memory");
	if (rc != JET_OK)
		return fail(err, errlen, JET_EINVAL,
			"configuration table: [%s] %s: invalid default: %s", o->section, o->name,
			why);
	return JET_OK;
}

static int
apply_defaults(const struct jet_conf_option *table, size_t n, struct slot *slots, char *err,
	size_t errlen)
{
	char why[CONF_WHY_MAX];

	for (size_t i = 0; i < n; i++) {
		slots[i].line = 0;
		/* Only allocation can fail: the table was checked. */
		if (set_default(&table[i], &slots[i], why, sizeof(why)) != JET_OK)
			return fail(err, errlen, JET_ENOMEM, "out of memory");
	}
	return JET_OK;
}

/* ------------------------------------------------------------ the file */

static int
read_file(const char *path, struct jet_buf *b, char *err, size_t errlen)
{
	int fd, rc = JET_OK;

	/* One byte over the limit tells "too large" from "exactly the limit". */
	jet_buf_init(b, JET_CONF_FILE_MAX + 1);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return fail(err, errlen, JET_ECONF, "%s: %s", path, strerror(errno));
	while (b->len < b->max) {
		size_t want = JET_MIN((size_t)65536, b->max - b->len);
		ssize_t r;

		if (jet_buf_reserve(b, want) != JET_OK) {
			rc = fail(err, errlen, JET_ENOMEM, "%s: out of memory", path);
			break;
		}
		r = read(fd, b->data + b->len, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = fail(err, errlen, JET_ECONF, "%s: %s", path, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		b->len += (size_t)r;
	}
	close(fd);
	if (rc == JET_OK && b->len > JET_CONF_FILE_MAX)
		rc = fail(err, errlen, JET_ECONF, "%s: file larger than %d bytes", path,
			JET_CONF_FILE_MAX);
	return rc;
}

/* Index of the first option of section name, or -1. */
static long
find_section(const struct jet_conf_option *table, size_t n, struct jet_str name)
{
	for (size_t i = 0; i < n; i++)
		if (jet_str_eq_cstr(name, table[i].section))
			return (long)i;
	return -1;
}

static long
find_key(const struct jet_conf_option *table, size_t n, const char *section,
	struct jet_str key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].section, section) == 0 && jet_str_eq_cstr(key, table[i].name))
			return (long)i;
	return -1;
}

struct file_state {
	const struct jet_conf_option *table;
	size_t n;
	struct slot *slots;
	unsigned *section_line; /* per first option of a section: line of its header */
	long section;           /* first option of the current section, -1 before any */
	const char *path;
};

static int
apply_line(struct file_state *st, unsigned lineno, const struct conf_line *l, char *err,
	size_t errlen)
{
	char why[CONF_WHY_MAX], q[64];
	const struct jet_conf_option *o;
	long i;
	int rc;

	switch (l->kind) {
	case CONF_LINE_EMPTY:
		return JET_OK;
	case CONF_LINE_SECTION:
		if ((i = find_section(st->table, st->n, l->name)) < 0)
			return fail(err, errlen, JET_ECONF, "%s:%u: unknown section [%.*s]", st->path,
				lineno, (int)JET_MIN(l->name.len, (size_t)CONF_NAME_MAX), l->name.p);
		/* A second [server] is refused: it is almost always two configs
		 * merged by hand, and the later block would silently win. */
		if (st->section_line[i] != 0)
			return fail(err, errlen, JET_ECONF,
				"%s:%u: duplicate section [%s] (first at line %u)", st->path, lineno,
				st->table[i].section, st->section_line[i]);
		st->section_line[i] = lineno;
		st->section = i;
		return JET_OK;
	case CONF_LINE_KV:
		break;
	}
	if (st->section < 0)
		return fail(err, errlen, JET_ECONF, "%s:%u: key outside any section", st->path,
			lineno);
	conf_quote(q, sizeof(q), l->name.p, l->name.len);
	if ((i = find_key(st->table, st->n, st->table[st->section].section, l->name)) < 0)
		return fail(err, errlen, JET_ECONF, "%s:%u: unknown key %s in [%s]", st->path,
			lineno, q, st->table[st->section].section);
	o = &st->table[i];
	if (st->slots[i].line != 0)
		return fail(err, errlen, JET_ECONF, "%s:%u: duplicate key %s", st->path, lineno, q);
	if ((rc = set_value(o, &st->slots[i], l->value, l->value_len, why, sizeof(why))) !=
	    JET_OK)
		return fail(err, errlen, rc, "%s:%u: %s: %s", st->path, lineno, o->name, why);
	st->slots[i].line = lineno;
	return JET_OK;
}

static int
load_file(const struct jet_conf_option *table, size_t n, struct slot *slots, const char *path,
	char *err, size_t errlen)
{
	struct file_state st = { table, n, slots, NULL, -1, path };
	struct conf_line *line = NULL;
	struct jet_buf b;
	char why[CONF_WHY_MAX];
	unsigned lineno = 1;
	size_t pos = 0;
	int rc;

	if ((rc = read_file(path, &b, err, errlen)) != JET_OK)
		goto out;
	st.section_line = calloc(n ? n : 1, sizeof(*st.section_line));
	line = malloc(sizeof(*line));
	if (st.section_line == NULL || line == NULL) {
		rc = fail(err, errlen, JET_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	while (pos < b.len) {
		const char *p = b.data + pos;
		const char *nl = memchr(p, '\n', b.len - pos);
		size_t len = nl ? (size_t)(nl - p) : b.len - pos;

		pos += len + (nl != NULL);
		if (len > 0 && p[len - 1] == '\r')
			len--; /* CRLF files from other editors read the same */
		if ((rc = conf_lex_line(p, len, line, why, sizeof(why))) != JET_OK) {
			rc = fail(err, errlen, rc, "%s:%u: %s", path, lineno, why);
			goto out;
		}
		if ((rc = apply_line(&st, lineno, line, err, errlen)) != JET_OK)
			goto out;
		lineno++;
	}
out:
	free(line);
	free(st.section_line);
	jet_buf_cleanup(&b);
	return rc;
}

/* ------------------------------------------------------------ environment */

static int
load_env(const struct jet_conf_option *table, size_t n, struct slot *slots, char *err,
	size_t errlen)
{
	char name[2 * CONF_NAME_MAX + 16], why[CONF_WHY_MAX];
	const char *v;
	int rc;

	for (size_t i = 0; i < n; i++) {
		conf_env_name(&table[i], name, sizeof(name));
		if ((v = getenv(name)) == NULL)
			continue;
		if ((rc = set_value(&table[i], &slots[i], v, strlen(v), why, sizeof(why))) != JET_OK)
			return fail(err, errlen, rc, "%s: %s", name, why);
	}
	return JET_OK;
}

/* ------------------------------------------------------------ the result */

/* Moves the slots into dst; strings change owner. */
static void
store(const struct jet_conf_option *table, size_t n, struct slot *slots, void *dst)
{
	for (size_t i = 0; i < n; i++) {
		/* The table's type names the field's C type (conf.h), so the
		 * field is correctly aligned for it. */
		void *f = (char *)dst + table[i].offset;

		switch (conf_type_of(table[i].type)->store) {
		case CONF_STORE_STR:
			*(char **)f = slots[i].v.s;
			slots[i].v.s = NULL;
			break;
		case CONF_STORE_U64:
			*(uint64_t *)f = slots[i].v.u;
			break;
		case CONF_STORE_BOOL:
			*(bool *)f = slots[i].v.b;
			break;
		case CONF_STORE_INT:
			*(int *)f = slots[i].v.e;
			break;
		}
	}
}

int
jet_conf_load(const struct jet_conf_option *table, size_t n, void *dst, const char *path,
	char *err, size_t errlen)
{
	struct slot *slots;
	int rc;

	fail(err, errlen, JET_OK, "%s", "");
	if ((table == NULL && n > 0) || dst == NULL)
		return fail(err, errlen, JET_EINVAL, "configuration: invalid argument");
	for (size_t i = 0; i < n; i++)
		if ((rc = check_option(table, i, err, errlen)) != JET_OK)
			return rc;
	if ((slots = calloc(n ? n : 1, sizeof(*slots))) == NULL)
		return fail(err, errlen, JET_ENOMEM, "out of memory");
	rc = apply_defaults(table, n, slots, err, errlen);
	if (rc == JET_OK && path != NULL)
		rc = load_file(table, n, slots, path, err, errlen);
	if (rc == JET_OK)
		rc = load_env(table, n, slots, err, errlen);
	if (rc != JET_OK) {
		/* Start again from nothing: the slots may hold file values. */
		slots_release(table, n, slots);
		memset(slots, 0, n * sizeof(*slots));
		if (apply_defaults(table, n, slots, NULL, 0) != JET_OK) {
			slots_release(table, n, slots);
			memset(slots, 0, n * sizeof(*slots));
			rc = fail(err, errlen, JET_ENOMEM, "out of memory");
		}
	}
	store(table, n, slots, dst);
	slots_release(table, n, slots);
	free(slots);
	return rc;
}

void
jet_conf_free(const struct jet_conf_option *table, size_t n, void *dst)
{
	if (table == NULL || dst == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct conf_type *t = conf_type_of(table[i].type);
		char **f = (char **)(void *)((char *)dst + table[i].offset);

		if (t == NULL || t->store != CONF_STORE_STR)
			continue;
		free(*f);
		*f = NULL;
	}
}
