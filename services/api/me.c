/*
 * me.c - GET /v1/me: who the access token says the caller is.  Needs any
 * valid token and no particular role: it reveals nothing the token itself
 * does not carry.
 */
#include <string.h>

#include "jet/json.h"
#include "api/api.h"
#include "api/handlers.h"

static void
me(struct jet_http_req *req, const struct jet_principal *p, void *arg)
{
	json_t *o = json_object(), *b = json_object();
	struct jet_buf out;

	jet_buf_init(&out, 65536);
	for (size_t i = 0; o != NULL && b != NULL && i < p->ngrants; i++)
		json_object_set_new(b, p->grants[i].building,
			json_string(jet_role_name(p->grants[i].role)));
	if (o == NULL || b == NULL ||
		json_object_set_new(o, "iss", json_string(p->iss)) != 0 ||
		json_object_set_new(o, "sub", json_string(p->sub)) != 0 ||
		json_object_set_new(o, "client_id", json_string(p->client_id)) != 0 ||
		json_object_set_new(o, "scope", json_string(p->scope)) != 0 ||
		json_object_set(o, "buildings", b) != 0 ||
		json_object_set_new(o, "exp", json_integer(p->exp)) != 0 ||
		json_object_set_new(o, "certificate_bound", json_boolean(p->cnf_x5t[0] != '\0')) !=
			0 ||
		jet_json_dump(&out, o) != JET_OK) {
		jet_http_respond_error(req, 503, "unavailable", "out of memory");
	} else {
		(void)jet_http_req_add_header(req, "Cache-Control", "no-store");
		jet_http_respond(req, 200, "application/json", out.data, out.len);
	}
	jet_buf_cleanup(&out);
	json_decref(b);
	json_decref(o);
}

void
jet_api_me(struct jet_http_req *req, const void *udata)
{
	struct jet_api_state *st = (struct jet_api_state *)udata;

	jet_bearer_authenticate(&st->bearer, req, me, NULL);
}
