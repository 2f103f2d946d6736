/* handlers.h - the API service's request handlers (jet_http_handler_fn). */
#ifndef JET_API_HANDLERS_H
#define JET_API_HANDLERS_H

#include "jet/server.h"

/* GET /healthz: 200 {"status":"ok"} while the service takes requests. */
void jet_api_health(struct jet_http_req *req, const void *udata);

/* GET /v1/me: the caller as the access token describes it (client, scope,
 * building roles) - what an app developer checks first. */
void jet_api_me(struct jet_http_req *req, const void *udata);

#endif
