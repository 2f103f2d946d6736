/*
 * print.c - the table as an example configuration file.
 *
 * Output is a valid file that loads back to the defaults (a unit test holds
 * this): sections in the order the table first names them, each option
 * preceded by its help and a hint line (type, range, environment name).
 * A default that the lexer would read differently (empty, '#', quotes,
 * backslashes, outer blanks) is written quoted; an unset (NULL) default is
 * written as a commented-out line.
 */
#include <string.h>

#include "conf_int.h"

/* Help text is one line by contract; a stray newline still stays a comment. */
static void
print_comment(FILE *out, const char *text)
{
	fputs("# ", out);
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\n')
			fputs("\n# ", out);
		else if (*p != '\r')
			fputc(*p, out);
	}
	fputc('\n', out);
}

static bool
needs_quotes(const char *v)
{
	size_t n = strlen(v);

	return n == 0 || v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' || v[n - 1] == '\t' ||
		strpbrk(v, "#\"\\") != NULL;
}

static void
print_value(FILE *out, const char *v)
{
	if (!needs_quotes(v)) {
		fputs(v, out);
		return;
	}
	fputc('"', out);
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', out);
		fputc(*v, out);
	}
	fputc('"', out);
}

static void
print_hint(FILE *out, const struct jet_conf_option *o, const struct conf_type *t)
{
	char env[2 * CONF_NAME_MAX + 16], lo[32], hi[32];

	fprintf(out, "# (%s", t->name);
	if (o->type == JET_CONF_ENUM) {
		fputs(":", out);
		for (size_t i = 0; o->choices != NULL && o->choices[i] != NULL; i++)
			fprintf(out, "%s %s", i > 0 ? "," : "", o->choices[i]);
	} else if (o->type == JET_CONF_ADDR) {
		fputs(" host:port or [v6]:port", out);
	} else if (o->type == JET_CONF_BOOL) {
		fputs(" true/false", out);
	} else if (t->ranged) {
		t->format(o->min, lo, sizeof(lo));
		if (o->max == 0) {
			fprintf(out, " >= %s", lo);
		} else {
			t->format(o->max, hi, sizeof(hi));
			fprintf(out, " %s to %s", lo, hi);
		}
	}
	if (conf_env_name(o, env, sizeof(env)))
		fprintf(out, "; env %s", env);
	fputs(")\n", out);
}

void
jet_conf_print_defaults(const struct jet_conf_option *table, size_t n, FILE *out)
{
	fputs("# Jetstream configuration: every option with its default value.\n"
	      "# Values set here are overridden by JETSTREAM_<SECTION>_<KEY> variables.\n",
		out);
	for (size_t s = 0; s < n; s++) {
		bool first_of_section = true;

		for (size_t j = 0; j < s; j++)
			if (strcmp(table[j].section, table[s].section) == 0)
				first_of_section = false;
		if (!first_of_section)
			continue;
		fprintf(out, "\n[%s]\n", table[s].section);
		for (size_t i = s; i < n; i++) {
			const struct jet_conf_option *o = &table[i];
			const struct conf_type *t = conf_type_of(o->type);

			if (strcmp(o->section, table[s].section) != 0 || t == NULL)
				continue;
			fputc('\n', out);
			if (o->help != NULL)
				print_comment(out, o->help);
			print_hint(out, o, t);
			if (o->def == NULL) {
				fprintf(out, "#%s =\n", o->name);
				continue;
			}
			fprintf(out, "%s = ", o->name);
			print_value(out, o->def);
			fputc('\n', out);
		}
	}
}
