/*
 * introspect.c - POST /oauth2/introspect (RFC 7662) and POST /oauth2/revoke
 * (RFC 7009), both for authenticated clients only.
 *
 * Introspection answers {"active": false} for anything that is not an
 * active token this server issued *and* that the caller may see (its own
 * tokens, or any token for a client holding the "introspect" or "admin"
 * scope, i.e. a resource server): the answer for a forged, expired,
 * revoked or foreign token is the same, so the endpoint is no oracle.
 *
 * Revocation records the token's jti in the store until its exp; every
 * verifier polls the store's revocation feed (lib/token) and refuses the
 * token within its poll interval.  A client revokes only its own tokens;
 * for any other token, valid or not, the answer is the same 200 and
 * nothing happens.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jet/json.h"
#include "jet/log.h"
#include "auth/auth.h"

#define TOKEN_MAX 8192

int
auth_token_check(struct auth_state *st, const char *token, size_t len, json_t **claims)
{
	struct jet_buf doc;
	struct jet_jwks set = { 0 };
	struct jet_jws jws;
	const struct jet_jwk *key;
	const char *iss;
	json_t *v;
	int64_t now = (int64_t)time(NULL);
	int rc = JET_EPERM;

	*claims = NULL;
	if (jet_jws_parse(token, len, TOKEN_MAX, &jws, NULL, 0) != JET_OK)
		return JET_EPERM;
	jet_buf_init(&doc, 256 * 1024);
	if (jws.kid == NULL || jws.typ == NULL || strcasecmp(jws.typ, "at+jwt") != 0 ||
		jet_keyring_jwks(st->keys, &doc, NULL) != JET_OK ||
		jet_jwks_parse(doc.data, doc.len, doc.len, 64, ~0u, JET_JWS_RS256, &set, NULL, 0) !=
			JET_OK ||
		(key = jet_jwks_find(&set, jws.kid, strlen(jws.kid))) == NULL ||
		jet_jws_verify(&jws, key) != JET_OK)
		goto out;
	iss = json_string_value(json_object_get(jws.payload, "iss"));
	if (iss == NULL || strcmp(iss, st->conf.issuer) != 0)
		goto out;
	v = json_object_get(jws.payload, "exp");
	if (!json_is_integer(v) || json_integer_value(v) <= now)
		goto out;
	v = json_object_get(jws.payload, "nbf");
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) > now))
		goto out;
	if (!json_is_string(json_object_get(jws.payload, "jti")) ||
		!json_is_string(json_object_get(jws.payload, "client_id")))
		goto out;
	*claims = json_incref(jws.payload);
	rc = JET_OK;
out:
	jet_jwks_cleanup(&set);
	jet_buf_cleanup(&doc);
	jet_jws_cleanup(&jws);
	return rc;
}

static void
reply_inactive(struct auth_call *call)
{
	static const char body[] = "{\"active\":false}";

	auth_reply_json(call->req, 200, body, sizeof(body) - 1);
	auth_call_finish(call);
}

static void
work_is_revoked(uv_work_t *w)
{
	struct auth_call *call = w->data;
	const char *jti = json_string_value(json_object_get(call->claims, "jti"));

	call->work_rc = jet_store_is_revoked(call->st->store, jti);
}

static void
after_is_revoked(uv_work_t *w, int status)
{
	struct auth_call *call = w->data;
	struct jet_buf b;
	json_t *out;

	if (status != 0 || (call->work_rc != JET_OK && call->work_rc != JET_ENOTFOUND)) {
		auth_reply_error(call->req, 503, "temporarily_unavailable",
			"the store is unavailable", false);
		auth_call_finish(call);
		return;
	}
	if (call->work_rc == JET_OK) { /* revoked */
		reply_inactive(call);
		return;
	}
	out = json_deep_copy(call->claims);
	jet_buf_init(&b, 65536);
	if (out == NULL || json_object_set_new(out, "active", json_true()) != 0 ||
		json_object_set_new(out, "token_type", json_string("Bearer")) != 0 ||
		jet_json_dump(&b, out) != JET_OK) {
		jet_http_respond_error(call->req, 503, "unavailable", "out of memory");
	} else {
		auth_reply_json(call->req, 200, b.data, b.len);
	}
	json_decref(out);
	jet_buf_cleanup(&b);
	auth_call_finish(call);
}

static bool
may_introspect(const struct auth_call *call, const json_t *claims)
{
	const char *owner = json_string_value(json_object_get(claims, "client_id"));
	const char *scopes = call->client.scopes ? call->client.scopes : "";
	const char *p = scopes;

	if (owner != NULL && strcmp(owner, call->client_id) == 0)
		return true;
	while (*p) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if ((n == 10 && memcmp(p, "introspect", 10) == 0) ||
			(n == 5 && memcmp(p, "admin", 5) == 0))
			return true;
		p += n;
	}
	return false;
}

static void
introspect(struct auth_call *call)
{
	size_t len = 0;
	const char *token = auth_form_value(call, "token", &len, NULL);

	if (token == NULL) {
		auth_reply_error(call->req, 400, "invalid_request", "token is required", false);
		auth_call_finish(call);
		return;
	}
	if (auth_token_check(call->st, token, len, &call->claims) != JET_OK ||
		!may_introspect(call, call->claims)) {
		reply_inactive(call);
		return;
	}
	call->work.data = call;
	if (uv_queue_work(jet_http_req_loop(call->req), &call->work, work_is_revoked,
		after_is_revoked) != 0) {
		auth_reply_error(call->req, 503, "temporarily_unavailable", "busy", false);
		auth_call_finish(call);
	}
}

void
auth_handle_introspect(struct jet_http_req *req, const void *udata)
{
	auth_call_start(req, (struct auth_state *)udata, introspect);
}

/* ------------------------------------------------------------ revoke */

static void
reply_revoked(struct auth_call *call)
{
	auth_reply_json(call->req, 200, "", 0);
	auth_call_finish(call);
}

static void
work_revoke(uv_work_t *w)
{
	struct auth_call *call = w->data;

	call->work_rc = jet_store_revoke(call->st->store, call->revoke_jti, call->client_id,
		call->revoke_exp);
}

static void
after_revoke(uv_work_t *w, int status)
{
	struct auth_call *call = w->data;

	if (status != 0 || call->work_rc != JET_OK) {
		/* RFC 7009 §2.2.1: the client may retry later. */
		auth_reply_error(call->req, 503, "temporarily_unavailable",
			"the revocation could not be recorded; retry", false);
		auth_call_finish(call);
		return;
	}
	jet_log_event(JET_LOG_INFO, "auth", "token revoked", "client_id", call->client_id,
		"jti", call->revoke_jti, NULL);
	reply_revoked(call);
}

static void
do_revoke(struct auth_call *call)
{
	size_t len = 0;
	const char *token = auth_form_value(call, "token", &len, NULL);
	const char *owner, *jti;
	json_t *claims = NULL;

	if (token == NULL) {
		auth_reply_error(call->req, 400, "invalid_request", "token is required", false);
		auth_call_finish(call);
		return;
	}
	/* Unknown, invalid, expired or someone else's: 200, nothing done. */
	if (auth_token_check(call->st, token, len, &claims) != JET_OK) {
		reply_revoked(call);
		return;
	}
	owner = json_string_value(json_object_get(claims, "client_id"));
	jti = json_string_value(json_object_get(claims, "jti"));
	if (owner == NULL || jti == NULL || strcmp(owner, call->client_id) != 0 ||
		strlen(jti) > AUTH_JTI_MAX) {
		json_decref(claims);
		reply_revoked(call);
		return;
	}
	snprintf(call->revoke_jti, sizeof(call->revoke_jti), "%s", jti);
	call->revoke_exp = (int64_t)json_integer_value(json_object_get(claims, "exp"));
	json_decref(claims);
	call->work.data = call;
	if (uv_queue_work(jet_http_req_loop(call->req), &call->work, work_revoke,
		after_revoke) != 0) {
		auth_reply_error(call->req, 503, "temporarily_unavailable", "busy", false);
		auth_call_finish(call);
	}
}

void
auth_handle_revoke(struct jet_http_req *req, const void *udata)
{
	auth_call_start(req, (struct auth_state *)udata, do_revoke);
}
