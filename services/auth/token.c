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

static json_t *
audience(struct auth_call *call, const char **error)
{
	struct auth_state *st = call->st;
	const struct jet_form_field *res[AUTH_MAX_RESOURCES];
	size_t n = jet_form_get_all(&call->form, "resource", res, AUTH_MAX_RESOURCES);
	json_t *aud;

	if (n == 0)
		return json_string(st->conf.audience);
	if (n > AUTH_MAX_RESOURCES) {
		*error = "too many resource parameters";
		return NULL;
	}
	if ((aud = json_array()) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool known = false;

		for (size_t k = 0; k < st->nresources && !known; k++)
			known = strcmp(res[i]->value.p, st->resources[k]) == 0;
		if (!known) {
			*error = "unknown resource";
			json_decref(aud);
			return NULL;
		}
		json_array_append_new(aud, json_string(res[i]->value.p));
	}
	/* One resource: a plain string, as most verifiers expect. */
	if (n == 1) {
		json_t *one = json_incref(json_array_get(aud, 0));

		json_decref(aud);
		return one;
	}
	return aud;
}

static void
issue(struct auth_call *call)
{
	struct auth_state *st = call->st;
	struct jet_http_req *req = call->req;
	const char *gt, *scope_req, *scope, *error = NULL;
	bool dup;
	struct jet_buf scope_buf, tok, body;
	uint8_t rnd[16];
	char jti[32], x5t[44];
	int64_t now = (int64_t)time(NULL);
	int64_t life = (int64_t)(st->conf.token_lifetime_ms / 1000);
	json_t *claims = NULL, *aud = NULL, *grants = NULL, *resp = NULL;

	jet_buf_init(&scope_buf, JET_SCOPE_MAX);
	jet_buf_init(&tok, 16384);
	jet_buf_init(&body, 20000);
	gt = auth_form_value(call, "grant_type", NULL, &dup);
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
	if ((aud = audience(call, &error)) == NULL) {
		if (error != NULL)
			auth_reply_error(req, 400, "invalid_target", error, false);
		else
			jet_http_respond_error(req, 503, "unavailable", "out of memory");
		goto out;
	}
	grants = jet_json_parse(call->client.grants ? call->client.grants : "{}",
		call->client.grants ? strlen(call->client.grants) : 2, 65536, 4, true, NULL, 0);
	if (!json_is_object(grants) || RAND_bytes(rnd, sizeof(rnd)) != 1 ||
		jet_b64url_encode(rnd, sizeof(rnd), jti, sizeof(jti)) != JET_OK) {
		jet_http_respond_error(req, 500, "internal_error", "cannot issue a token");
		goto out;
	}
	claims = json_pack("{s:s, s:s, s:O, s:I, s:I, s:I, s:s, s:s, s:s, s:O}",
		"iss", st->conf.issuer, "sub", call->client_id, "aud", aud,
		"exp", (json_int_t)(now + life), "iat", (json_int_t)now, "nbf", (json_int_t)now,
		"jti", jti, "client_id", call->client_id, "scope", scope, "buildings", grants);
	if (claims == NULL) {
		jet_http_respond_error(req, 503, "unavailable", "out of memory");
		goto out;
	}
	if (call->method == AUTH_TLS_CLIENT) {
		if (jet_b64url_encode(call->peer.sha256, 32, x5t, sizeof(x5t)) != JET_OK) {
			jet_http_respond_error(req, 500, "internal_error", "cannot issue a token");
			goto out;
		}
		json_object_set_new(claims, "cnf", json_pack("{s:s}", "x5t#S256", x5t));
	}
	if (jet_keyring_sign(st->keys, "at+jwt", claims, &tok) != JET_OK) {
		jet_http_respond_error(req, 500, "internal_error", "cannot sign the token");
		goto out;
	}
	resp = json_pack("{s:s%, s:s, s:I, s:s}", "access_token", tok.data, tok.len,
		"token_type", "Bearer", "expires_in", (json_int_t)life, "scope", scope);
	if (resp == NULL || jet_json_dump(&body, resp) != JET_OK) {
		jet_http_respond_error(req, 503, "unavailable", "out of memory");
		goto out;
	}
	atomic_fetch_add_explicit(&st->tokens_issued, 1, memory_order_relaxed);
	auth_reply_json(req, 200, body.data, body.len);
out:
	json_decref(resp);
	json_decref(claims);
	json_decref(grants);
	json_decref(aud);
	jet_buf_cleanup(&scope_buf);
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
