/*
 * principal.c - what a verified token says about its holder: role names,
 * scope membership and the role held in a building.  No dependency on the
 * verifier, so lib/authz and the services' tests use these alone.
 */
#include <string.h>

#include "jet/token.h"

static const char *const role_names[] = {
	[JET_ROLE_NONE] = NULL,
	[JET_ROLE_VIEWER] = "viewer",
	[JET_ROLE_OPERATOR] = "operator",
	[JET_ROLE_INTEGRATOR] = "integrator",
	[JET_ROLE_ADMIN] = "admin",
};

const char *
jet_role_name(enum jet_role r)
{
	if ((unsigned)r >= JET_ARRAY_LEN(role_names))
		return NULL;
	return role_names[r];
}

enum jet_role
jet_role_parse(const char *s, size_t len)
{
	if (s == NULL)
		return JET_ROLE_NONE;
	for (size_t i = 1; i < JET_ARRAY_LEN(role_names); i++)
		if (strlen(role_names[i]) == len && memcmp(role_names[i], s, len) == 0)
			return (enum jet_role)i;
	return JET_ROLE_NONE;
}

bool
jet_principal_has_scope(const struct jet_principal *p, const char *s)
{
	size_t slen;
	const char *q, *end;

	if (p == NULL || s == NULL || (slen = strlen(s)) == 0)
		return false;
	/* p->scope is NUL-terminated by construction; memchr bounds the walk
	 * even if it were not. */
	end = memchr(p->scope, '\0', sizeof(p->scope));
	if (end == NULL)
		return false;
	for (q = p->scope; q < end;) {
		const char *w = q;

		while (w < end && *w != ' ')
			w++;
		if ((size_t)(w - q) == slen && memcmp(q, s, slen) == 0)
			return true;
		q = w + 1;
	}
	return false;
}

/*
 * An exact grant on the building takes precedence over a "*" grant; among
 * several exact (or several "*") grants the first in the token wins.
 * jet_authz_check does not use this: it lets any applicable grant allow
 * an action, since roles are not a ladder and grants add up.
 */
enum jet_role
jet_principal_role(const struct jet_principal *p, const char *building)
{
	enum jet_role star = JET_ROLE_NONE;
	size_t n;

	if (p == NULL || building == NULL || building[0] == '\0')
		return JET_ROLE_NONE;
	n = JET_MIN(p->ngrants, (size_t)JET_PRINCIPAL_MAX_GRANTS);
	for (size_t i = 0; i < n; i++) {
		const struct jet_grant *g = &p->grants[i];

		if (strcmp(g->building, building) == 0)
			return g->role;
		if (star == JET_ROLE_NONE && strcmp(g->building, "*") == 0)
			star = g->role;
	}
	return star;
}
