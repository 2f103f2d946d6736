/*
 * bearer.h - access tokens on a service's requests (RFC 6750): the [token]
 * configuration section, the process's verifier, and the step every
 * protected handler starts with.
 *
 *   jet_bearer_authenticate(&bearer, req, handler_continue, arg);
 *
 * reads "Authorization: Bearer <token>", verifies it (lib/token: issuer,
 * keys, claims, revocation, certificate binding against this connection's
 * client certificate) and calls the continuation with the principal, or
 * answers 401 itself with a WWW-Authenticate challenge.  The handler then
 * asks jet_authz_check and answers 403 through jet_bearer_forbidden.
 */
#ifndef JET_BEARER_H
#define JET_BEARER_H

#include "jet/authz.h"
#include "jet/server.h"
#include "jet/token.h"
#include "common/service.h"

/* [token] */
struct jet_bearer_conf {
	char *issuer;            /* Jetstream's own authorization server */
	char *audience;
	char *jwks_uri;
	char *ca;                /* trust for JWKS fetches; empty: the system store */
	char *algs;
	char *external_issuers;  /* JSON file of further trusted issuers */
	char *store;             /* revocation feed; empty: sqlite:<data_dir>/jetstream.db */
	uint64_t leeway_ms;
	uint64_t cache_entries;
	uint64_t jwks_refresh_ms;
	uint64_t jwks_cooldown_ms;
	uint64_t revocation_poll_ms;
	uint64_t max_token_len;
};

/* The [token] option table; its length is a constant so that service
 * definitions can name it in static initialisers (checked in bearer.c). */
#define JET_BEARER_NOPTIONS 13
extern const struct jet_conf_option jet_bearer_options[JET_BEARER_NOPTIONS];

struct jet_bearer {
	struct jet_bearer_conf *conf;     /* borrowed from the service */
	struct jet_verifier *verifier;
	struct jet_store *store;
	SSL_CTX *tls;
	/* Strings the verifier's issuer table points at (external issuers). */
	void *issuers_doc;                /* json_t * */
};

/* Builds the verifier from conf.  dev_ca: the development CA when the
 * service runs on the development PKI (the default trust for JWKS fetches),
 * else NULL.  check_only: validate only (the external issuers file is read
 * and checked; nothing is started). */
int jet_bearer_init(struct jet_bearer *b, struct jet_bearer_conf *conf, const char *data_dir,
	const char *dev_ca, bool check_only, char *err, size_t errlen);
void jet_bearer_cleanup(struct jet_bearer *b);

typedef void (*jet_bearer_next_fn)(struct jet_http_req *req, const struct jet_principal *p,
	void *arg);

/* See the top of this file.  next runs on the request's loop, now or after
 * a key refresh; the principal is valid during the call. */
void jet_bearer_authenticate(struct jet_bearer *b, struct jet_http_req *req,
	jet_bearer_next_fn next, void *arg);

/* Answers an authorisation refusal: NO_SCOPE as 403 insufficient_scope
 * with the scope the action needs (RFC 6750 §3.1), NO_ROLE as 403
 * forbidden. */
void jet_bearer_forbidden(struct jet_http_req *req, enum jet_authz why, enum jet_action action);

#endif /* JET_BEARER_H */
