/*
 * api.c - the API service's wiring: its route table and its entry point.
 * Handlers live in one file per resource (health.c, ...).
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "common/cli.h"
#include "common/service.h"

/* Every route of the API service, declared once. */
const struct jet_route jet_api_routes[] = {
	{ JET_HTTP_GET, "/healthz", (void *)jet_api_health, NULL },
};
const size_t jet_api_nroutes = sizeof(jet_api_routes) / sizeof(jet_api_routes[0]);

int
jet_api_main(int argc, char **argv)
{
	return jet_service_main("api", "the API service", jet_api_routes, jet_api_nroutes, argc,
		argv);
}
