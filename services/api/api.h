/*
 * api.h - the API service: Jetstream's REST API for building data.  For now
 * its skeleton: the route table and GET /healthz; the data platform grows
 * here.
 */
#ifndef JET_API_H
#define JET_API_H

#include "jet/server.h"

extern const struct jet_route jet_api_routes[];
extern const size_t jet_api_nroutes;

/* `jetstream api [--config FILE] [--check] [--print-config]` */
int jet_api_main(int argc, char **argv);

#endif /* JET_API_H */
