/*
 * api.h - the API service: Jetstream's REST API for building data.  For now
 * its skeleton: the route table and GET /healthz; the data platform grows
 * here.
 */
#ifndef JET_API_H
#define JET_API_H

#include "jet/server.h"
#include "common/bearer.h"

extern const struct jet_route jet_api_routes[];
extern const size_t jet_api_nroutes;

/* The API service's run-time state (one per process). */
struct jet_api_state {
	struct jet_bearer_conf token_conf; /* [token] */
	struct jet_bearer bearer;
};
extern struct jet_api_state jet_api_state;

/* `jetstream api [--config FILE] [--check] [--print-config]` */
int jet_api_main(int argc, char **argv);

#endif /* JET_API_H */
