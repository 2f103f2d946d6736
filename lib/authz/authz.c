/*
 * authz.c - the one authorisation decision: role x action x scope.
 *
 * The matrix (include/jet/authz.h, docs/security.md) is a table here, not
 * a chain of conditions, so that a reader checks it against the document
 * line by line.  Roles are not a ladder: an integrator pushes data but
 * sends no commands, an operator sends commands but pushes nothing, so the
 * table lists, for every action, the set of roles that may perform it.
 *
 * A principal may hold several grants that apply to one building (a "*"
 * grant and a grant on the building itself, or two roles from two groups).
 * Grants add up: the action is allowed when any applicable grant's role
 * allows it.  Nothing a grant says can take away what another grants.
 */
#include <string.h>

#include "jet/authz.h"

#define ROLE_BIT(r) (1u << (r))

static const struct {
	const char *name;
	const char *scope;
	unsigned roles; /* ROLE_BIT set of the roles allowed */
} actions[] = {
	[JET_ACT_READ] = { "read", "points:read",
		ROLE_BIT(JET_ROLE_VIEWER) | ROLE_BIT(JET_ROLE_OPERATOR) |
		ROLE_BIT(JET_ROLE_INTEGRATOR) | ROLE_BIT(JET_ROLE_ADMIN) },
	[JET_ACT_COMMAND] = { "command", "commands:write",
		ROLE_BIT(JET_ROLE_OPERATOR) | ROLE_BIT(JET_ROLE_ADMIN) },
	[JET_ACT_PUSH] = { "push", "points:write",
		ROLE_BIT(JET_ROLE_INTEGRATOR) | ROLE_BIT(JET_ROLE_ADMIN) },
	[JET_ACT_MANAGE_POINTS] = { "manage_points", "points:write",
		ROLE_BIT(JET_ROLE_INTEGRATOR) | ROLE_BIT(JET_ROLE_ADMIN) },
	[JET_ACT_ADMIN] = { "admin", "admin", ROLE_BIT(JET_ROLE_ADMIN) },
};

static bool
action_valid(enum jet_action action)
{
	return (unsigned)action < JET_ARRAY_LEN(actions);
}

const char *
jet_action_name(enum jet_action action)
{
	return action_valid(action) ? actions[action].name : "unknown";
}

const char *
jet_authz_scope(enum jet_action action)
{
	/* An unknown action requires the one scope that covers everything. */
	return action_valid(action) ? actions[action].scope : "admin";
}

bool
jet_authz_role_allows(enum jet_role role, enum jet_action action)
{
	if (!action_valid(action) || role <= JET_ROLE_NONE || role > JET_ROLE_ADMIN)
		return false;
	return (actions[action].roles & ROLE_BIT(role)) != 0;
}

/* The building a grant names applies to the building asked about: the same
 * id exactly, or "*".  An empty building is no building. */
static bool
grant_applies(const struct jet_grant *g, const char *building)
{
	return strcmp(g->building, "*") == 0 || strcmp(g->building, building) == 0;
}

enum jet_authz
jet_authz_check(const struct jet_principal *p, const char *building, enum jet_action action)
{
	bool role_ok = false;
	size_t n;

	if (p == NULL || building == NULL || building[0] == '\0' || !action_valid(action))
		return JET_AUTHZ_NO_ROLE;
	/* A bounded walk even over a corrupted principal. */
	n = JET_MIN(p->ngrants, (size_t)JET_PRINCIPAL_MAX_GRANTS);
	for (size_t i = 0; i < n && !role_ok; i++)
		if (grant_applies(&p->grants[i], building) &&
			jet_authz_role_allows(p->grants[i].role, action))
			role_ok = true;
	if (!role_ok)
		return JET_AUTHZ_NO_ROLE;
	if (!jet_principal_has_scope(p, actions[action].scope) &&
		!jet_principal_has_scope(p, "admin"))
		return JET_AUTHZ_NO_SCOPE;
	return JET_AUTHZ_ALLOW;
}
