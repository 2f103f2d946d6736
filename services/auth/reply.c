/*
 * reply.c - the shapes of the authorization server's answers: RFC 6749
 * §5.2 errors and no-store JSON.
 */
#include <stdio.h>

#include "jet/json.h"
#include "auth/auth.h"

/* Token, introspection and revocation responses carry credentials or
 * say something about them: never cached (RFC 6749 §5.1). */
static void
no_store(struct jet_http_req *req)
{
	(void)jet_http_req_add_header(req, "Cache-Control", "no-store");
	(void)jet_http_req_add_header(req, "Pragma", "no-cache");
}

void
auth_reply_json(struct jet_http_req *req, int status, const char *body, size_t len)
{
	no_store(req);
	jet_http_respond(req, status, "application/json", body, len);
}

void
auth_reply_error(struct jet_http_req *req, int status, const char *error,
	const char *description, bool basic_challenge)
{
	struct jet_buf b;

	jet_buf_init(&b, 1024);
	if (jet_buf_append_str(&b, "{\"error\":") != JET_OK ||
		jet_json_escape(&b, error, strlen(error)) != JET_OK ||
		jet_buf_append_str(&b, ",\"error_description\":") != JET_OK ||
		jet_json_escape(&b, description, strlen(description)) != JET_OK ||
		jet_buf_append_str(&b, "}") != JET_OK) {
		jet_buf_cleanup(&b);
		jet_http_respond_error(req, 500, "internal_error", "out of memory");
		return;
	}
	if (basic_challenge)
		(void)jet_http_req_add_header(req, "WWW-Authenticate",
			"Basic realm=\"jetstream\", charset=\"UTF-8\"");
	auth_reply_json(req, status, b.data, b.len);
	jet_buf_cleanup(&b);
}

void
auth_reply_limited(struct jet_http_req *req, uint64_t retry_after_s)
{
	char ra[24];

	snprintf(ra, sizeof(ra), "%llu", (unsigned long long)retry_after_s);
	(void)jet_http_req_add_header(req, "Retry-After", ra);
	auth_reply_error(req, 429, "too_many_requests",
		"rate limit exceeded; retry after the number of seconds in Retry-After", false);
}
