/*
 * test_authz.c - the role x action x scope matrix of jet_authz_check,
 * checked cell by cell against the table in docs/security.md (written out
 * again here by hand, so a change to the code's table shows up as a
 * failure), plus the building rules: "*" grants, no grant, a grant on
 * another building, NULL and empty building, and a principal with the
 * maximum number of grants.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "jet/authz.h"

static const enum jet_role roles[] = {
	JET_ROLE_VIEWER, JET_ROLE_OPERATOR, JET_ROLE_INTEGRATOR, JET_ROLE_ADMIN,
};
static const enum jet_action acts[] = {
	JET_ACT_READ, JET_ACT_COMMAND, JET_ACT_PUSH, JET_ACT_MANAGE_POINTS, JET_ACT_ADMIN,
};

/* docs/security.md, "Authorization": rows are actions, columns viewer,
 * operator, integrator, admin. */
static const bool matrix[5][4] = {
	/* READ */          { true, true, true, true },
	/* COMMAND */       { false, true, false, true },
	/* PUSH */          { false, false, true, true },
	/* MANAGE_POINTS */ { false, false, true, true },
	/* ADMIN */         { false, false, false, true },
};
static const char *const scopes[5] = {
	"points:read", "commands:write", "points:write", "points:write", "admin",
};

static void
principal(struct jet_principal *p, const char *building, enum jet_role role, const char *scope)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->scope, sizeof(p->scope), "%s", scope);
	if (building != NULL) {
		snprintf(p->grants[0].building, sizeof(p->grants[0].building), "%s", building);
		p->grants[0].role = role;
		p->ngrants = 1;
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(jet_action_name(JET_ACT_READ), "read");
	assert_string_equal(jet_action_name(JET_ACT_COMMAND), "command");
	assert_string_equal(jet_action_name(JET_ACT_PUSH), "push");
	assert_string_equal(jet_action_name(JET_ACT_MANAGE_POINTS), "manage_points");
	assert_string_equal(jet_action_name(JET_ACT_ADMIN), "admin");
	assert_string_equal(jet_action_name((enum jet_action)99), "unknown");
	for (size_t a = 0; a < 5; a++)
		assert_string_equal(jet_authz_scope(acts[a]), scopes[a]);
	assert_string_equal(jet_authz_scope((enum jet_action)-1), "admin");
}

static void
test_role_allows(void **state)
{
	(void)state;
	for (size_t a = 0; a < 5; a++) {
		for (size_t r = 0; r < 4; r++)
			assert_int_equal(jet_authz_role_allows(roles[r], acts[a]), matrix[a][r]);
		assert_false(jet_authz_role_allows(JET_ROLE_NONE, acts[a]));
		assert_false(jet_authz_role_allows((enum jet_role)5, acts[a]));
		assert_false(jet_authz_role_allows((enum jet_role)-1, acts[a]));
	}
	assert_false(jet_authz_role_allows(JET_ROLE_ADMIN, (enum jet_action)5));
	assert_false(jet_authz_role_allows(JET_ROLE_ADMIN, (enum jet_action)-1));
}

/* Every role x every action, with the action's scope, with every other
 * scope but it, with "admin", with none. */
static void
test_matrix(void **state)
{
	struct jet_principal p;
	char others[256];

	(void)state;
	for (size_t a = 0; a < 5; a++) {
		size_t len = 0;

		others[0] = '\0';
		for (size_t o = 0; o < 5; o++) {
			if (strcmp(scopes[o], scopes[a]) == 0 || strcmp(scopes[o], "admin") == 0)
				continue;
			len += (size_t)snprintf(others + len, sizeof(others) - len, "%s ", scopes[o]);
		}
		for (size_t r = 0; r < 4; r++) {
			enum jet_authz role_fail = matrix[a][r] ? JET_AUTHZ_NO_SCOPE : JET_AUTHZ_NO_ROLE;
			enum jet_authz ok = matrix[a][r] ? JET_AUTHZ_ALLOW : JET_AUTHZ_NO_ROLE;
			char with[300];

			snprintf(with, sizeof(with), "openid %s profile", scopes[a]);
			principal(&p, "hq-1", roles[r], with);
			assert_int_equal(jet_authz_check(&p, "hq-1", acts[a]), ok);

			principal(&p, "hq-1", roles[r], others);
			assert_int_equal(jet_authz_check(&p, "hq-1", acts[a]), role_fail);

			principal(&p, "hq-1", roles[r], "admin");
			assert_int_equal(jet_authz_check(&p, "hq-1", acts[a]), ok);

			/* Empty scope: never allowed; the role decides which refusal. */
			principal(&p, "hq-1", roles[r], "");
			assert_int_equal(jet_authz_check(&p, "hq-1", acts[a]), role_fail);

			/* "*" grant: the same answers on any building. */
			principal(&p, "*", roles[r], with);
			assert_int_equal(jet_authz_check(&p, "hq-1", acts[a]), ok);
			assert_int_equal(jet_authz_check(&p, "plant.7_b", acts[a]), ok);
			principal(&p, "*", roles[r], others);
			assert_int_equal(jet_authz_check(&p, "hq-2", acts[a]), role_fail);

			/* A grant on another building, even with every scope. */
			principal(&p, "hq-2", roles[r], "admin");
			assert_int_equal(jet_authz_check(&p, "hq-1", acts[a]), JET_AUTHZ_NO_ROLE);

			/* NULL and empty building are refused whatever is held. */
			principal(&p, "*", roles[r], "admin");
			assert_int_equal(jet_authz_check(&p, NULL, acts[a]), JET_AUTHZ_NO_ROLE);
			assert_int_equal(jet_authz_check(&p, "", acts[a]), JET_AUTHZ_NO_ROLE);
		}
		/* No grant at all. */
		principal(&p, NULL, JET_ROLE_NONE, "admin");
		assert_int_equal(jet_authz_check(&p, "hq-1", acts[a]), JET_AUTHZ_NO_ROLE);
		/* A grant with role NONE is no grant. */
		principal(&p, "hq-1", JET_ROLE_NONE, "admin");
		assert_int_equal(jet_authz_check(&p, "hq-1", acts[a]), JET_AUTHZ_NO_ROLE);
		assert_int_equal(jet_authz_check(NULL, "hq-1", acts[a]), JET_AUTHZ_NO_ROLE);
	}
}

/* A scope is matched as a whole word: "points:readonly", "xpoints:read" or
 * "admins" are not the scope. */
static void
test_scope_words(void **state)
{
	struct jet_principal p;

	(void)state;
	principal(&p, "hq-1", JET_ROLE_VIEWER, "points:readonly xpoints:read admins");
	assert_int_equal(jet_authz_check(&p, "hq-1", JET_ACT_READ), JET_AUTHZ_NO_SCOPE);
	principal(&p, "hq-1", JET_ROLE_VIEWER, "points:rea");
	assert_int_equal(jet_authz_check(&p, "hq-1", JET_ACT_READ), JET_AUTHZ_NO_SCOPE);
	principal(&p, "hq-1", JET_ROLE_VIEWER, "a points:read");
	assert_int_equal(jet_authz_check(&p, "hq-1", JET_ACT_READ), JET_AUTHZ_ALLOW);
	principal(&p, "hq-1", JET_ROLE_VIEWER, "points:read");
	assert_int_equal(jet_authz_check(&p, "hq-1", JET_ACT_READ), JET_AUTHZ_ALLOW);
	principal(&p, "hq-1", JET_ROLE_ADMIN, "ADMIN");
	assert_int_equal(jet_authz_check(&p, "hq-1", JET_ACT_ADMIN), JET_AUTHZ_NO_SCOPE);
	assert_false(jet_principal_has_scope(&p, ""));
	assert_false(jet_principal_has_scope(&p, NULL));
	assert_false(jet_principal_has_scope(NULL, "admin"));
}

/* Building ids compare exactly: no prefix, case or wildcard matching. */
static void
test_building_exact(void **state)
{
	struct jet_principal p;

	(void)state;
	principal(&p, "hq-1", JET_ROLE_ADMIN, "admin");
	assert_int_equal(jet_authz_check(&p, "hq-1", JET_ACT_ADMIN), JET_AUTHZ_ALLOW);
	assert_int_equal(jet_authz_check(&p, "HQ-1", JET_ACT_ADMIN), JET_AUTHZ_NO_ROLE);
	assert_int_equal(jet_authz_check(&p, "hq-10", JET_ACT_ADMIN), JET_AUTHZ_NO_ROLE);
	assert_int_equal(jet_authz_check(&p, "hq-", JET_ACT_ADMIN), JET_AUTHZ_NO_ROLE);
	/* Asking about "*" is asking about every building: only a "*" grant. */
	assert_int_equal(jet_authz_check(&p, "*", JET_ACT_READ), JET_AUTHZ_NO_ROLE);
	principal(&p, "*", JET_ROLE_VIEWER, "points:read");
	assert_int_equal(jet_authz_check(&p, "*", JET_ACT_READ), JET_AUTHZ_ALLOW);
}

/* Grants add up: a "*" viewer who is operator on hq-1 commands hq-1 only;
 * an integrator who is also operator on one building does both there. */
static void
test_grants_add_up(void **state)
{
	struct jet_principal p;

	(void)state;
	principal(&p, "*", JET_ROLE_VIEWER, "points:read commands:write points:write");
	snprintf(p.grants[1].building, sizeof(p.grants[1].building), "hq-1");
	p.grants[1].role = JET_ROLE_OPERATOR;
	p.ngrants = 2;
	assert_int_equal(jet_authz_check(&p, "hq-1", JET_ACT_COMMAND), JET_AUTHZ_ALLOW);
	assert_int_equal(jet_authz_check(&p, "hq-2", JET_ACT_COMMAND), JET_AUTHZ_NO_ROLE);
	assert_int_equal(jet_authz_check(&p, "hq-2", JET_ACT_READ), JET_AUTHZ_ALLOW);
	assert_int_equal(jet_principal_role(&p, "hq-1"), JET_ROLE_OPERATOR);
	assert_int_equal(jet_principal_role(&p, "hq-2"), JET_ROLE_VIEWER);

	principal(&p, "hq-1", JET_ROLE_INTEGRATOR, "commands:write points:write");
	snprintf(p.grants[1].building, sizeof(p.grants[1].building), "hq-1");
	p.grants[1].role = JET_ROLE_OPERATOR;
	p.ngrants = 2;
	assert_int_equal(jet_authz_check(&p, "hq-1", JET_ACT_COMMAND), JET_AUTHZ_ALLOW);
	assert_int_equal(jet_authz_check(&p, "hq-1", JET_ACT_PUSH), JET_AUTHZ_ALLOW);
	assert_int_equal(jet_authz_check(&p, "hq-1", JET_ACT_ADMIN), JET_AUTHZ_NO_ROLE);
}

/* 64 grants: the last one counts; ngrants beyond the array is not read
 * past it. */
static void
test_many_grants(void **state)
{
	struct jet_principal p;

	(void)state;
	principal(&p, NULL, JET_ROLE_NONE, "admin");
	for (size_t i = 0; i < JET_PRINCIPAL_MAX_GRANTS; i++) {
		snprintf(p.grants[i].building, sizeof(p.grants[i].building), "b%zu", i);
		p.grants[i].role = i % 2 ? JET_ROLE_OPERATOR : JET_ROLE_VIEWER;
	}
	p.ngrants = JET_PRINCIPAL_MAX_GRANTS;
	assert_int_equal(jet_authz_check(&p, "b0", JET_ACT_READ), JET_AUTHZ_ALLOW);
	assert_int_equal(jet_authz_check(&p, "b0", JET_ACT_COMMAND), JET_AUTHZ_NO_ROLE);
	assert_int_equal(jet_authz_check(&p, "b63", JET_ACT_COMMAND), JET_AUTHZ_ALLOW);
	assert_int_equal(jet_authz_check(&p, "b63", JET_ACT_PUSH), JET_AUTHZ_NO_ROLE);
	assert_int_equal(jet_authz_check(&p, "b64", JET_ACT_READ), JET_AUTHZ_NO_ROLE);
	assert_int_equal(jet_principal_role(&p, "b62"), JET_ROLE_VIEWER);
	assert_int_equal(jet_principal_role(&p, "b63"), JET_ROLE_OPERATOR);
	p.ngrants = 1000; /* corrupted: bounded by the array */
	assert_int_equal(jet_authz_check(&p, "b63", JET_ACT_READ), JET_AUTHZ_ALLOW);
	assert_int_equal(jet_authz_check(&p, "b64", JET_ACT_READ), JET_AUTHZ_NO_ROLE);
}

static void
test_roles(void **state)
{
	(void)state;
	assert_null(jet_role_name(JET_ROLE_NONE));
	assert_string_equal(jet_role_name(JET_ROLE_VIEWER), "viewer");
	assert_string_equal(jet_role_name(JET_ROLE_OPERATOR), "operator");
	assert_string_equal(jet_role_name(JET_ROLE_INTEGRATOR), "integrator");
	assert_string_equal(jet_role_name(JET_ROLE_ADMIN), "admin");
	assert_null(jet_role_name((enum jet_role)9));
	for (size_t r = 0; r < 4; r++) {
		const char *n = jet_role_name(roles[r]);

		assert_int_equal(jet_role_parse(n, strlen(n)), roles[r]);
	}
	assert_int_equal(jet_role_parse("Admin", 5), JET_ROLE_NONE);
	assert_int_equal(jet_role_parse("admin ", 6), JET_ROLE_NONE);
	assert_int_equal(jet_role_parse("admi", 4), JET_ROLE_NONE);
	assert_int_equal(jet_role_parse("adminx", 5), JET_ROLE_ADMIN); /* length given */
	assert_int_equal(jet_role_parse("", 0), JET_ROLE_NONE);
	assert_int_equal(jet_role_parse(NULL, 0), JET_ROLE_NONE);
	assert_int_equal(jet_role_parse("none", 4), JET_ROLE_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_role_allows),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_scope_words),
		cmocka_unit_test(test_building_exact),
		cmocka_unit_test(test_grants_add_up),
		cmocka_unit_test(test_many_grants),
		cmocka_unit_test(test_roles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
