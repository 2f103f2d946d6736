/*
 * api.c - the API service's wiring: its route table, configuration and
 * start-up.  Handlers live in one file per resource (health.c, me.c, ...).
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "common/cli.h"
#include "common/service.h"

struct jet_api_state jet_api_state;

/* Every route of the API service, declared once. */
const struct jet_route jet_api_routes[] = {
	{ JET_HTTP_GET, "/healthz", (void *)jet_api_health, NULL },
	{ JET_HTTP_GET, "/v1/me", (void *)jet_api_me, &jet_api_state },
};
const size_t jet_api_nroutes = sizeof(jet_api_routes) / sizeof(jet_api_routes[0]);

static int
api_init(struct jet_service *svc, bool check_only, char *err, size_t errlen)
{
	struct jet_api_state *st = &jet_api_state;

	svc->state = st;
	return jet_bearer_init(&st->bearer, &st->token_conf, svc->conf.data_dir,
		svc->dev_cert ? svc->ca_path : NULL, check_only, err, errlen);
}

static void
api_cleanup(struct jet_service *svc)
{
	jet_bearer_cleanup(&jet_api_state.bearer);
}

static const struct jet_service_def api_def = {
	.name = "api",
	.what = "the API service",
	.routes = jet_api_routes,
	.nroutes = sizeof(jet_api_routes) / sizeof(jet_api_routes[0]),
	.parts = (const struct jet_conf_part[]){
		{ jet_bearer_options, JET_BEARER_NOPTIONS,
			&jet_api_state.token_conf, sizeof(jet_api_state.token_conf) },
	},
	.nparts = 1,
	.init = api_init,
	.cleanup = api_cleanup,
};

int
jet_api_main(int argc, char **argv)
{
	return jet_service_main(&api_def, argc, argv);
}
