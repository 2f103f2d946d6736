/*
 * auth.h - the authorization server (`jetstream auth`): the only holder of
 * the token-signing keys.  OAuth 2.0 client credentials grant (RFC 6749
 * §4.4) issuing JWT access tokens (RFC 9068), with metadata (RFC 8414),
 * JWKS, introspection (RFC 7662) and revocation (RFC 7009).
 *
 * Files: main.c (wiring, configuration, housekeeping thread), clientauth.c
 * (who is calling: the four client authentication methods), token.c (the
 * token endpoint), introspect.c (introspection and revocation), meta.c
 * (metadata and JWKS documents), reply.c (OAuth error responses), secret.c
 * (client secrets).
 */
#ifndef JET_AUTH_H
#define JET_AUTH_H

#include <pthread.h>
#include <stdatomic.h>
#include <uv.h>

#include "jet/form.h"
#include "jet/jose.h"
#include "jet/keyring.h"
#include "jet/ratelimit.h"
#include "jet/server.h"
#include "jet/store.h"
#include "jet/token.h"
#include "auth/secret.h"

#define AUTH_MAX_RESOURCES 8     /* resource parameters per request */
#define AUTH_FORM_MAX 16384      /* token, introspection, revocation bodies */
#define AUTH_FORM_FIELDS 32
#define AUTH_JTI_MAX 128

/* [auth] */
struct auth_conf {
	char *issuer;
	char *audience;
	char *resources;            /* space-separated extra resource indicators */
	uint64_t token_lifetime_ms;
	int signing_alg;            /* index into auth_alg_names */
	uint64_t key_rotation_ms;
	uint64_t key_prepublish_ms;
	uint64_t leeway_ms;
	uint64_t assertion_max_lifetime_ms;
	char *assertion_algs;       /* accepted private_key_jwt algorithms */
	char *store;
	uint64_t rate_per_client;
	uint64_t burst_per_client;
	uint64_t rate_per_address;
	uint64_t burst_per_address;
	uint64_t client_cache_ttl_ms;
};

extern const char *const auth_alg_names[];

struct auth_state {
	struct auth_conf conf;
	char data_dir[512];
	char store_url[600];
	struct jet_store *store;
	struct jet_keyring *keys;
	uint8_t secret_key[JET_SECRET_KEY_BYTES];
	struct jet_ratelimit *rl_client;   /* NULL when off */
	struct jet_ratelimit *rl_address;  /* NULL when off */
	unsigned assertion_algs;           /* bit set of enum jet_jws_alg */
	char *resources[16];               /* parsed [auth] resources + audience */
	size_t nresources;
	char *metadata;                    /* RFC 8414 document, built once */
	size_t metadata_len;
	/* The published JWKS, serialised when the key ring's version changes. */
	pthread_mutex_t jwks_mu;
	uint64_t jwks_version;
	char *jwks;
	size_t jwks_len;
	/* Housekeeping: key schedule and store purge on a thread of its own. */
	pthread_t hk_thread;
	bool hk_running;
	uv_loop_t hk_loop;
	uv_timer_t hk_timer;
	uv_async_t hk_stop;
	atomic_uint_fast64_t tokens_issued;
	atomic_uint_fast64_t client_failures;
};

/* The one auth state of this process (routes point at it). */
extern struct auth_state auth_state;

/* ---------------------------------------------------------------- replies */

/* An RFC 6749 §5.2 error: {"error", "error_description"} with
 * Cache-Control: no-store.  basic_challenge: add WWW-Authenticate: Basic. */
void auth_reply_error(struct jet_http_req *req, int status, const char *error,
	const char *description, bool basic_challenge);
/* 429 with Retry-After. */
void auth_reply_limited(struct jet_http_req *req, uint64_t retry_after_s);
/* 200 application/json with Cache-Control: no-store. */
void auth_reply_json(struct jet_http_req *req, int status, const char *body, size_t len);

/* ----------------------------------------------------- client authentication */

enum auth_method {
	AUTH_NONE = 0,
	AUTH_SECRET_BASIC,
	AUTH_SECRET_POST,
	AUTH_PRIVATE_KEY_JWT,
	AUTH_TLS_CLIENT,
};

struct auth_call;

/* Continues a request once the client is authenticated (call->client set)
 * or answers it.  Runs on the request's loop. */
typedef void (*auth_next_fn)(struct auth_call *call);

/*
 * One request to an endpoint that authenticates the client.  Owned by the
 * request's chain of callbacks; freed by auth_call_finish after the reply.
 */
struct auth_call {
	struct jet_http_req *req;
	struct auth_state *st;
	char *form_buf;                 /* decoded form text (owned, wiped) */
	size_t form_len;
	struct jet_form form;
	enum auth_method method;
	char client_id[JET_CLIENT_ID_MAX + 1];
	char secret[128];               /* wiped in auth_call_finish */
	size_t secret_len;
	const char *assertion;          /* in form_buf */
	size_t assertion_len;
	struct jet_jws jws;             /* the parsed assertion */
	bool jws_parsed;
	char jti[AUTH_JTI_MAX + 1];
	int64_t jti_exp;
	struct jet_peer_identity peer;
	bool has_peer;
	struct jet_client client;       /* the authenticated client (owned) */
	bool have_client;
	int work_rc;                    /* result of the last thread-pool job */
	uv_work_t work;
	auth_next_fn next;
	/* endpoint-specific */
	const char *token;              /* introspect / revoke: the token */
	size_t token_len;
	char revoke_jti[AUTH_JTI_MAX + 1];
	int64_t revoke_exp;
	json_t *claims;                 /* introspect: verified claims (owned) */
	bool active;
};

/*
 * Parses the form body, applies the per-address limit, identifies and
 * authenticates the client by exactly one method (answering the request
 * itself on any failure), then calls next.  The call is allocated here;
 * whoever answers calls auth_call_finish.
 */
void auth_call_start(struct jet_http_req *req, struct auth_state *st, auth_next_fn next);
void auth_call_finish(struct auth_call *call);
/* RFC name of a method ("client_secret_basic" ...). */
const char *auth_method_name(enum auth_method m);
/* The form field name's single value: NULL when absent; sets *dup when the
 * field appears more than once. */
const char *auth_form_value(const struct auth_call *call, const char *name, size_t *len,
	bool *dup);

/* ---------------------------------------------------------------- handlers */

void auth_handle_token(struct jet_http_req *req, const void *udata);
void auth_handle_token_get(struct jet_http_req *req, const void *udata);
void auth_handle_introspect(struct jet_http_req *req, const void *udata);
void auth_handle_revoke(struct jet_http_req *req, const void *udata);
void auth_handle_metadata(struct jet_http_req *req, const void *udata);
void auth_handle_jwks(struct jet_http_req *req, const void *udata);
void auth_handle_health(struct jet_http_req *req, const void *udata);

/* Builds st->metadata from the configuration (main.c calls it at start);
 * mtls: the listener requests client certificates, so tls_client_auth and
 * certificate-bound tokens are offered. */
int auth_metadata_build(struct auth_state *st, bool mtls);

/* Checks one of our own access tokens: signature by a published key, iss,
 * exp/nbf within leeway.  On success *claims is a new reference.  Does not
 * consult revocation (the caller does, off the loop).  Thread-safe. */
int auth_token_check(struct auth_state *st, const char *token, size_t len, json_t **claims);

int jet_auth_main(int argc, char **argv);

#endif /* JET_AUTH_H */
