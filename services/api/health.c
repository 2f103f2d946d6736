/*
 * health.c - GET /healthz, the liveness probe load balancers and `make run`
 * users hit first.  It answers from memory: a health check must stay cheap
 * enough to run every second against every replica.
 */
#include "api/handlers.h"

void
jet_api_health(struct jet_http_req *req, const void *udata)
{
	static const char body[] = "{\"status\":\"ok\"}";

	jet_http_req_add_header(req, "Cache-Control", "no-store");
	jet_http_respond(req, 200, "application/json", body, sizeof(body) - 1);
}
