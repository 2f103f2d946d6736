/*
 * postgres.c - the place of the PostgreSQL backend ("postgresql://" and
 * "postgres://" URLs).  Until it is written (it needs libpq), opening such
 * a URL is a configuration error with a clear reason, so a deployment that
 * asks for PostgreSQL never silently falls back to a local SQLite file.
 *
 * docs/internals/store.md says what the real backend must do.
 */
#include "store_int.h"

static int
pg_open(const char *target, struct jet_store **out, char *err, size_t errlen)
{
	(void)target; /* never echoed: it may hold a password */
	*out = NULL;
	return jet_store_err(err, errlen, JET_ECONF,
		"the PostgreSQL backend is not available yet");
}

static void
pg_close(struct jet_store *s)
{
	(void)s;
}

const struct jet_store_backend jet_store_postgres = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
};
