/*
 * jet/authz.h - the one authorisation decision.  Every handler (REST,
 * GraphQL, device routes) asks jet_authz_check before it touches a
 * building's data; the matrix below is documented in docs/security.md.
 *
 *   action            roles allowed                    scope required
 *   READ              viewer operator integrator admin points:read
 *   COMMAND           operator admin                   commands:write
 *   PUSH              integrator admin                 points:write
 *   MANAGE_POINTS     integrator admin                 points:write
 *   ADMIN             admin                            admin
 *
 * The "admin" scope stands in for every other scope; a grant on building
 * "*" applies to every building.
 */
#ifndef JET_AUTHZ_H
#define JET_AUTHZ_H

#include "jet/token.h"

enum jet_action {
	JET_ACT_READ = 0,
	JET_ACT_COMMAND,
	JET_ACT_PUSH,
	JET_ACT_MANAGE_POINTS,
	JET_ACT_ADMIN,
};

enum jet_authz {
	JET_AUTHZ_ALLOW = 0,
	JET_AUTHZ_NO_ROLE,   /* no grant on the building, or one too weak: answer as if
	                      * the object did not exist (404) or 403 forbidden */
	JET_AUTHZ_NO_SCOPE,  /* the role suffices but the token's scope does not:
	                      * 403 with error="insufficient_scope" */
};

enum jet_authz jet_authz_check(const struct jet_principal *p, const char *building,
	enum jet_action action);
/* The scope an action requires ("points:read", ...). */
const char *jet_authz_scope(enum jet_action action);
/* Whether role may perform action at all (the matrix's middle column:
 * roles are not a ladder, an integrator sends no commands). */
bool jet_authz_role_allows(enum jet_role role, enum jet_action action);
/* "read", "command", ... */
const char *jet_action_name(enum jet_action action);

#endif /* JET_AUTHZ_H */
