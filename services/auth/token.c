/*
 * token.c - POST /oauth2/token: the client credentials grant (RFC 6749
 * §4.4) issuing RFC 9068 access tokens.
 *
 * After the client is authenticated (clientauth.c): grant_type must be
 * client_credentials; the requested scope must be a subset of the client's
 * (absent: all of them); each RFC 8707 resource must be one the server
 * knows, and the token's aud is then exactly those resources (absent: the
 * default audience).  A client that authenticated with its certificate gets
 * a certificate-bound token (cnf.x5t#S256, RFC 8705 §3).  No refresh token:
 * a client credentials client asks again.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "jet/json.h"
#include "auth/auth.h"

/* RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
static bool
scope_token_valid(const char *s, size_t n)
{
	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x21 || c > 0x7e || c == '"' || c == '\\')
			return false;
	}
	return true;
}

/* Whether the space-separated list has the token s[0..n). */
static bool
list_has(const char *list, const char *s, size_t n)
{
	const char *p = list;

	while (p != NULL && *p) {
		size_t m;

		while (*p == ' ')
			p++;
		m = strcspn(p, " ");
		if (m == n && memcmp(p, s, n) == 0)
			return true;
		p += m;
	}
	return false;
}

/* The granted scope into out: the requested tokens (each allowed, each
 * once, in request order) or every scope the client has.  NULL on an
 * invalid or unallowed scope. */
static const char *
grant_scope(const char *requested, const char *allowed, struct jet_buf *out)
{
	const char *p = requested != NULL ? requested : allowed != NULL ? allowed : "";

	while (*p) {
		size_t n;

		/* RFC 6749: tokens separated by single spaces; be lenient only
		 * about where the stored list has them. */
		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == 0)
			break;
		if (!scope_token_valid(p, n) || (requested != NULL && !list_has(allowed, p, n)))
			return NULL;
		if (!(out->len > 0 && list_has(out->data, p, n))) {
			if ((out->len > 0 && jet_buf_append(out, " ", 1) != JET_OK) ||
				jet_buf_append(out, p, n) != JET_OK ||
				jet_buf_reserve(out, 1) != JET_OK)
				return NULL;
			out->data[out->len] = '\0';
		}
		p += n;
	}
	if (out->len == 0 && (jet_buf_append(out, "", 0) != JET_OK ||
		jet_buf_reserve(out, 1) != JET_OK))
		return NULL;
	out->data[out->len] = '\0';
	return out->data;
}

/* Appends the token's aud to out: the default audience, or exactly the
 * requested resources (RFC 8707), each one the server knows.  *error set
 * (and JET_EINVAL returned) for a request the client must fix. */
static int
audience(struct auth_call *call, struct jet_buf *out, const char **error)
{
	struct auth_state *st = call->st;
	const struct jet_form_field *res[AUTH_MAX_RESOURCES];
	size_t n = jet_form_get_all(&call->form, "resource", res, AUTH_MAX_RESOURCES);
	int rc = JET_OK;

	if (n == 0)
		return jet_json_escape(out, st->conf.audience, strlen(st->conf.audience));
	if (n > AUTH_MAX_RESOURCES) {
		*error = "too many resource parameters";
		return JET_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		bool known = false;

		for (size_t k = 0; k < st->nresources && !known; k++)
			known = strcmp(res[i]->value.p, st->resources[k]) == 0;
		if (!known) {
			*error = "unknown resource";
			return JET_EINVAL;
		}
	}
	/* One resource: a plain string, as most verifiers expect. */
	if (n > 1)
		rc = jet_buf_append(out, "[", 1);
	for (size_t i = 0; i < n && rc == JET_OK; i++) {
		if (i > 0)
			rc = jet_buf_append(out, ",", 1);
		if (rc == JET_OK)
			rc = jet_json_escape(out, res[i]->value.p, res[i]->value.len);
	}
	if (n > 1 && rc == JET_OK)
		rc = jet_buf_append(out, "]", 1);
	return rc;
}

/*
 * The claims, written directly rather than through a JSON tree: this is
 * the hot path of the token endpoint, and every string is escaped by
 * jet_json_escape, the library's one JSON string writer.  The building
 * grants are the client's stored JSON object, validated by the store when
 * it was written.
 */
static int
write_claims(struct auth_call *call, struct jet_buf *c, const char *scope, int64_t now,
	int64_t life, const char *jti, const char *x5t, const char **error)
{
	struct auth_state *st = call->st;
	const char *grants = call->client.grants && call->client.grants[0] ? call->client.grants :
		"{}";
	int rc;

	if ((rc = jet_buf_append_str(c, "{\"iss\":")) != JET_OK ||
		(rc = jet_json_escape(c, st->conf.issuer, strlen(st->conf.issuer))) != JET_OK ||
		(rc = jet_buf_append_str(c, ",\"sub\":")) != JET_OK ||
		(rc = jet_json_escape(c, call->client_id, strlen(call->client_id))) != JET_OK ||
		(rc = jet_buf_append_str(c, ",\"aud\":")) != JET_OK ||
		(rc = audience(call, c, error)) != JET_OK ||
		(rc = jet_buf_printf(c, ",\"exp\":%lld,\"iat\":%lld,\"nbf\":%lld,\"jti\":\"%s\""
			",\"client_id\":", (long long)(now + life), (long long)now, (long long)now,
			jti)) != JET_OK ||
		(rc = jet_json_escape(c, call->client_id, strlen(call->client_id))) != JET_OK ||
		(rc = jet_buf_append_str(c, ",\"scope\":")) != JET_OK ||
		(rc = jet_json_escape(c, scope, strlen(scope))) != JET_OK ||
		(rc = jet_buf_append_str(c, ",\"buildings\":")) != JET_OK ||
		(rc = jet_buf_append_str(c, grants)) != JET_OK)
		return rc;
	if (x5t != NULL &&
		(rc = jet_buf_printf(c, ",\"cnf\":{\"x5t#S256\":\"%s\"}", x5t)) != JET_OK)
		return rc;
	return jet_buf_append(c, "}", 1);
}

static void
issue(struct auth_call *call)
{
	struct auth_state *st = call->st;
	struct jet_http_req *req = call->req;
	const char *gt, *scope_req, *scope, *error = NULL;
	struct jet_buf scope_buf, claims, tok, body;
	uint8_t rnd[16];
	char jti[32], x5t[44];
	int64_t now = (int64_t)time(NULL);
	int64_t life = (int64_t)(st->conf.token_lifetime_ms / 1000);
	int rc;

	jet_buf_init(&scope_buf, JET_SCOPE_MAX);
	jet_buf_init(&claims, 32768);
	jet_buf_init(&tok, 65536);
	jet_buf_init(&body, 66000);
	gt = auth_form_value(call, "grant_type", NULL, NULL);
	if (gt == NULL) {
		auth_reply_error(req, 400, "invalid_request", "grant_type is required", false);
		goto out;
	}
	if (strcmp(gt, "client_credentials") != 0) {
		auth_reply_error(req, 400, "unsupported_grant_type",
			"only client_credentials is supported", false);
		goto out;
	}
	scope_req = auth_form_value(call, "scope", NULL, NULL);
	if ((scope = grant_scope(scope_req, call->client.scopes, &scope_buf)) == NULL) {
		auth_reply_error(req, 400, "invalid_scope",
			"a requested scope is not allowed for this client", false);
		goto out;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1 ||
		jet_b64url_encode(rnd, sizeof(rnd), jti, sizeof(jti)) != JET_OK ||
		(call->method == AUTH_TLS_CLIENT &&
			jet_b64url_encode(call->peer.sha256, 32, x5t, sizeof(x5t)) != JET_OK)) {
		jet_http_respond_error(req, 500, "internal_error", "cannot issue a token");
		goto out;
	}
	rc = write_claims(call, &claims, scope, now, life, jti,
		call->method == AUTH_TLS_CLIENT ? x5t : NULL, &error);
	if (rc != JET_OK) {
		if (error != NULL)
			auth_reply_error(req, 400, "invalid_target", error, false);
		else
			jet_http_respond_error(req, 503, "unavailable", "out of memory");
		goto out;
	}
	if (jet_keyring_sign_payload(st->keys, "at+jwt", claims.data, claims.len, &tok) !=
		JET_OK) {
		jet_http_respond_error(req, 500, "internal_error", "cannot sign the token");
		goto out;
	}
	/* The token is base64url and dots: nothing in it needs escaping. */
	if (jet_buf_append_str(&body, "{\"access_token\":\"") != JET_OK ||
		jet_buf_append(&body, tok.data, tok.len) != JET_OK ||
		jet_buf_printf(&body, "\",\"token_type\":\"Bearer\",\"expires_in\":%lld,"
			"\"scope\":", (long long)life) != JET_OK ||
		jet_json_escape(&body, scope, strlen(scope)) != JET_OK ||
		jet_buf_append(&body, "}", 1) != JET_OK) {
		jet_http_respond_error(req, 503, "unavailable", "out of memory");
		goto out;
	}
	atomic_fetch_add_explicit(&st->tokens_issued, 1, memory_order_relaxed);
	auth_reply_json(req, 200, body.data, body.len);
out:
	jet_buf_cleanup(&scope_buf);
	jet_buf_cleanup(&claims);
	if (tok.data != NULL)
		jet_wipe(tok.data, tok.len);
	jet_buf_cleanup(&tok);
	if (body.data != NULL)
		jet_wipe(body.data, body.len);
	jet_buf_cleanup(&body);
	auth_call_finish(call);
}

void
auth_handle_token(struct jet_http_req *req, const void *udata)
{
	auth_call_start(req, (struct auth_state *)udata, issue);
}

void
auth_handle_token_get(struct jet_http_req *req, const void *udata)
{
	/* Credentials in a URL end up in logs and histories: refuse GET with
	 * an OAuth error, whatever the query holds. */
	(void)jet_http_req_add_header(req, "Allow", "POST");
	auth_reply_error(req, 405, "invalid_request", "the token endpoint accepts POST only",
		false);
}
