/*
 * meta.c - the documents the authorization server publishes: RFC 8414
 * metadata (built once from the configuration, so that what it advertises
 * is what the code accepts) and the JWKS (re-serialised whenever the key
 * ring's published set changes).
 */
#include <stdlib.h>
#include <string.h>

#include "jet/json.h"
#include "auth/auth.h"

int
auth_metadata_build(struct auth_state *st, bool mtls)
{
	json_t *m = json_object(), *methods = json_array(), *algs = json_array();
	const char *iss = st->conf.issuer;
	char url[400];
	struct jet_buf b;
	int rc = JET_ENOMEM;

	if (m == NULL || methods == NULL || algs == NULL)
		goto fail;
	json_object_set_new(m, "issuer", json_string(iss));
#define URL(key, path)                                              \
	do {                                                        \
		snprintf(url, sizeof(url), "%s%s", iss, path);      \
		json_object_set_new(m, key, json_string(url));      \
	} while (0)
	URL("token_endpoint", "/oauth2/token");
	URL("jwks_uri", "/.well-known/jwks.json");
	URL("introspection_endpoint", "/oauth2/introspect");
	URL("revocation_endpoint", "/oauth2/revoke");
#undef URL
	json_object_set_new(m, "grant_types_supported", json_pack("[s]", "client_credentials"));
	json_object_set_new(m, "response_types_supported", json_array());
	json_array_append_new(methods, json_string("client_secret_basic"));
	json_array_append_new(methods, json_string("client_secret_post"));
	json_array_append_new(methods, json_string("private_key_jwt"));
	/* Certificates are only seen when the listener asks for them. */
	if (mtls)
		json_array_append_new(methods, json_string("tls_client_auth"));
	for (int a = JET_JWS_ES256; a <= JET_JWS_PS256; a++)
		if (st->assertion_algs & (1u << a))
			json_array_append_new(algs, json_string(jet_jws_alg_name(a)));
	json_object_set(m, "token_endpoint_auth_methods_supported", methods);
	json_object_set(m, "token_endpoint_auth_signing_alg_values_supported", algs);
	json_object_set(m, "introspection_endpoint_auth_methods_supported", methods);
	json_object_set(m, "introspection_endpoint_auth_signing_alg_values_supported", algs);
	json_object_set(m, "revocation_endpoint_auth_methods_supported", methods);
	json_object_set(m, "revocation_endpoint_auth_signing_alg_values_supported", algs);
	json_object_set_new(m, "tls_client_certificate_bound_access_tokens", json_boolean(mtls));
	json_object_set_new(m, "scopes_supported", json_pack("[sssss]", "points:read",
		"points:write", "commands:write", "admin", "introspect"));
	jet_buf_init(&b, 16384);
	if ((rc = jet_json_dump(&b, m)) == JET_OK) {
		st->metadata = b.data;
		st->metadata_len = b.len;
	} else {
		jet_buf_cleanup(&b);
	}
fail:
	json_decref(methods);
	json_decref(algs);
	json_decref(m);
	return rc;
}

void
auth_handle_metadata(struct jet_http_req *req, const void *udata)
{
	const struct auth_state *st = udata;

	/* Public and changes only with the configuration: cacheable. */
	(void)jet_http_req_add_header(req, "Cache-Control", "public, max-age=300");
	jet_http_respond(req, 200, "application/json", st->metadata, st->metadata_len);
}

void
auth_handle_jwks(struct jet_http_req *req, const void *udata)
{
	struct auth_state *st = (struct auth_state *)udata;
	uint64_t version = jet_keyring_version(st->keys);
	struct jet_buf b;

	pthread_mutex_lock(&st->jwks_mu);
	if (st->jwks == NULL || st->jwks_version != version) {
		jet_buf_init(&b, 256 * 1024);
		if (jet_keyring_jwks(st->keys, &b, &version) == JET_OK) {
			free(st->jwks);
			st->jwks = b.data;
			st->jwks_len = b.len;
			st->jwks_version = version;
		} else {
			jet_buf_cleanup(&b);
		}
	}
	if (st->jwks == NULL) {
		pthread_mutex_unlock(&st->jwks_mu);
		jet_http_respond_error(req, 503, "unavailable", "no published keys");
		return;
	}
	/* Short caching: verifiers must see a rotation's new key quickly. */
	(void)jet_http_req_add_header(req, "Cache-Control", "public, max-age=60");
	jet_http_respond(req, 200, "application/jwk-set+json", st->jwks, st->jwks_len);
	pthread_mutex_unlock(&st->jwks_mu);
}

void
auth_handle_health(struct jet_http_req *req, const void *udata)
{
	static const char body[] = "{\"status\":\"ok\"}";

	jet_http_respond(req, 200, "application/json", body, sizeof(body) - 1);
}
