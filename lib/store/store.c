/*
 * store.c - the public face of lib/store: URL dispatch to a backend, the
 * checks every value passes before any backend sees it, and the walks
 * (client_list, revoked_since) that fetch pages from the backend and call
 * the caller's callback with nothing locked.
 *
 * Invariants:
 *  - a backend never sees an id outside [A-Za-z0-9._-]{1,64}, a jti longer
 *    than 128 bytes, a string past its limit (store_int.h), or grants/jwks
 *    that are not a JSON object;
 *  - callbacks run with no connection held, so a callback may call back
 *    into the store (and a slow one does not starve other threads);
 *  - error strings never contain a value handed in, except the database
 *    path in jet_store_open's err (never a URL, which may hold a password).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jet/json.h"
#include "store_int.h"

/* Every 256th jti_use also deletes a bounded batch of expired rows, so the
 * table stays near the number of live assertions without a timer. */
#define JTI_PURGE_EVERY 256u

int
jet_store_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* ------------------------------------------------------------------------
 * Opening: which backend
 * --------------------------------------------------------------------- */

static const struct {
	const char *prefix;
	bool strip; /* hand the backend what follows the prefix */
	const struct jet_store_backend *be;
} schemes[] = {
	{ "sqlite:", true, &jet_store_sqlite },
	{ "postgresql://", false, &jet_store_postgres },
	{ "postgres://", false, &jet_store_postgres },
};

/* "name://" with an RFC 3986 scheme name: a URL, not a file path. */
static bool
looks_like_url(const char *s)
{
	size_t i = 0;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	while (s[i] != '\0' && s[i] != ':') {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.'))
			return false;
		i++;
	}
	return s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/';
}

int
jet_store_open(const char *url, struct jet_store **out, char *err, size_t errlen)
{
	const struct jet_store_backend *be = &jet_store_sqlite;
	const char *target = url;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (url == NULL || out == NULL || url[0] == '\0')
		return jet_store_err(err, errlen, JET_ECONF, "no store URL given");
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	for (size_t i = 0; i < JET_ARRAY_LEN(schemes); i++) {
		size_t n = strlen(schemes[i].prefix);

		if (strncmp(url, schemes[i].prefix, n) == 0) {
			be = schemes[i].be;
			target = schemes[i].strip ? url + n : url;
			goto found;
		}
	}
	/* The URL is not echoed: it may carry a password. */
	if (looks_like_url(url))
		return jet_store_err(err, errlen, JET_ECONF,
			"unknown store URL scheme (use sqlite:PATH or postgresql://...)");
found:
	if ((rc = be->open(target, out, err, errlen)) != JET_OK) {
		*out = NULL;
		return rc;
	}
	(*out)->be = be;
	atomic_init(&(*out)->jti_calls, 0);
	return JET_OK;
}

void
jet_store_close(struct jet_store *s)
{
	if (s != NULL)
		s->be->close(s);
}

const char *
jet_store_backend(const struct jet_store *s)
{
	return s != NULL ? s->be->name : "none";
}

/* ------------------------------------------------------------------------
 * Validation at the boundary
 * --------------------------------------------------------------------- */

static int64_t
wall_s(void)
{
	return (int64_t)(jet_wall_ms() / 1000);
}

static bool
valid_client_id(const char *id)
{
	size_t n;

	if (id == NULL)
		return false;
	for (n = 0; id[n] != '\0'; n++) {
		char ch = id[n];

		if (n >= JET_CLIENT_ID_MAX)
			return false;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return n > 0;
}

/* 1..max bytes (a C string has no NUL inside by construction). */
static bool
valid_key(const char *s, size_t max)
{
	return s != NULL && s[0] != '\0' && strnlen(s, max + 1) <= max;
}

/* NULL, or at most max bytes of text without control characters (these
 * fields end up in terminals and logs via the admin CLI). */
static bool
valid_text(const char *s, size_t max)
{
	size_t n;

	if (s == NULL)
		return true;
	for (n = 0; s[n] != '\0'; n++) {
		unsigned char ch = (unsigned char)s[n];

		if (n >= max || ch < 0x20 || ch == 0x7f)
			return false;
	}
	return true;
}

/* NULL, or scope-tokens (RFC 6749 §3.3: %x21 / %x23-5B / %x5D-7E) separated
 * by spaces. */
static bool
valid_scopes(const char *s)
{
	size_t n;

	if (s == NULL)
		return true;
	for (n = 0; s[n] != '\0'; n++) {
		unsigned char ch = (unsigned char)s[n];

		if (n >= JET_STORE_SCOPES_MAX || ch < 0x20 || ch > 0x7e || ch == '"' ||
			ch == '\\')
			return false;
	}
	return true;
}

/* NULL, or a JSON object of at most max bytes (strict parse: no duplicate
 * keys, valid UTF-8, bounded depth). */
static bool
valid_json_object(const char *s, size_t max)
{
	json_t *v;
	size_t n;
	bool ok;

	if (s == NULL)
		return true;
	if ((n = strnlen(s, max + 1)) > max)
		return false;
	v = jet_json_parse(s, n, max, JET_STORE_JSON_DEPTH, true, NULL, 0);
	ok = v != NULL && json_is_object(v);
	json_decref(v);
	return ok;
}

static bool
valid_client(const struct jet_client *c)
{
	return c != NULL && valid_client_id(c->id) && valid_text(c->name, JET_STORE_NAME_MAX) &&
		valid_scopes(c->scopes) && valid_json_object(c->grants, JET_STORE_GRANTS_MAX) &&
		valid_json_object(c->jwks, JET_STORE_JWKS_MAX) &&
		valid_text(c->tls_subject, JET_STORE_TLS_MAX) &&
		valid_text(c->tls_san, JET_STORE_TLS_MAX);
}

/* ------------------------------------------------------------------------
 * Clients
 * --------------------------------------------------------------------- */

void
jet_client_cleanup(struct jet_client *c)
{
	if (c == NULL)
		return;
	free(c->id);
	free(c->name);
	free(c->scopes);
	free(c->grants);
	free(c->jwks);
	free(c->tls_subject);
	free(c->tls_san);
	jet_wipe(c, sizeof(*c));
}

int
jet_store_client_create(struct jet_store *s, const struct jet_client *c)
{
	if (s == NULL || !valid_client(c))
		return JET_EINVAL;
	return s->be->client_create(s, c, wall_s());
}

int
jet_store_client_update(struct jet_store *s, const struct jet_client *c)
{
	if (s == NULL || !valid_client(c))
		return JET_EINVAL;
	return s->be->client_update(s, c, wall_s());
}

int
jet_store_client_get(struct jet_store *s, const char *id, struct jet_client *out)
{
	int rc;

	if (out == NULL)
		return JET_EINVAL;
	memset(out, 0, sizeof(*out));
	if (s == NULL || !valid_client_id(id))
		return JET_EINVAL;
	if ((rc = s->be->client_get(s, id, out)) != JET_OK)
		jet_client_cleanup(out);
	return rc;
}

int
jet_store_client_list(struct jet_store *s, int (*cb)(const struct jet_client *c, void *arg),
	void *arg)
{
	char after[JET_CLIENT_ID_MAX + 1] = "";

	if (s == NULL || cb == NULL)
		return JET_EINVAL;
	for (;;) {
		struct jet_client page[JET_STORE_PAGE];
		size_t n = 0;
		int rc, stop = 0;

		memset(page, 0, sizeof(page));
		rc = s->be->client_page(s, after, page, JET_ARRAY_LEN(page), &n);
		for (size_t i = 0; rc == JET_OK && i < n && stop == 0; i++)
			stop = cb(&page[i], arg);
		if (n > 0)
			jet_str_copy(after, sizeof(after), jet_str_from_cstr(page[n - 1].id));
		for (size_t i = 0; i < n; i++)
			jet_client_cleanup(&page[i]);
		if (rc != JET_OK)
			return rc;
		if (stop != 0)
			return stop;
		if (n < JET_ARRAY_LEN(page))
			return JET_OK;
	}
}

int
jet_store_client_delete(struct jet_store *s, const char *id)
{
	if (s == NULL || !valid_client_id(id))
		return JET_EINVAL;
	return s->be->client_delete(s, id);
}

/* ------------------------------------------------------------------------
 * One-time identifiers and revocation
 * --------------------------------------------------------------------- */

int
jet_store_jti_use(struct jet_store *s, const char *issuer, const char *jti, int64_t exp)
{
	bool purge;

	if (s == NULL || !valid_key(issuer, JET_STORE_ISSUER_MAX) ||
		!valid_key(jti, JET_STORE_JTI_MAX))
		return JET_EINVAL;
	purge = atomic_fetch_add(&s->jti_calls, 1) % JTI_PURGE_EVERY == JTI_PURGE_EVERY - 1;
	return s->be->jti_use(s, issuer, jti, exp, wall_s(), purge);
}

int
jet_store_revoke(struct jet_store *s, const char *jti, const char *client_id, int64_t exp)
{
	if (s == NULL || !valid_key(jti, JET_STORE_JTI_MAX) || !valid_client_id(client_id))
		return JET_EINVAL;
	return s->be->revoke(s, jti, client_id, exp);
}

int
jet_store_is_revoked(struct jet_store *s, const char *jti)
{
	if (s == NULL || !valid_key(jti, JET_STORE_JTI_MAX))
		return JET_EINVAL;
	return s->be->is_revoked(s, jti);
}

int
jet_store_revoked_since(struct jet_store *s, uint64_t after, int64_t now, size_t max,
	void (*cb)(const char *jti, int64_t exp, void *arg), void *arg, uint64_t *last)
{
	if (s == NULL || cb == NULL)
		return JET_EINVAL;
	while (max > 0) {
		struct jet_store_revocation page[JET_STORE_PAGE];
		size_t cap = JET_MIN(max, JET_ARRAY_LEN(page)), n = 0;
		int rc;

		if ((rc = s->be->revoked_page(s, after, now, page, cap, &n)) != JET_OK)
			return rc;
		for (size_t i = 0; i < n; i++) {
			cb(page[i].jti, page[i].exp, arg);
			after = page[i].seq;
			if (last != NULL)
				*last = after;
		}
		if (n < cap)
			break;
		max -= n;
	}
	return JET_OK;
}

int
jet_store_purge(struct jet_store *s, int64_t now)
{
	if (s == NULL)
		return JET_EINVAL;
	return s->be->purge(s, now);
}
