/*
 * client.c - the client side of the TLS policy: outgoing connections (to
 * an identity provider, a database proxy, another Jetstream service) with
 * the same protocol floor, suites and groups as the listeners, and the
 * server always verified.
 *
 * Name checks follow RFC 6125 as OpenSSL implements it, with partial
 * wildcards ("f*.example.com") refused; an IP literal is matched against
 * iPAddress SANs only and sends no SNI (RFC 6066 3: literal addresses are
 * not permitted in server_name).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls_int.h"

int
jet_tls_client_ctx_new(const struct jet_tls_client_conf *conf, SSL_CTX **out, char *err,
	size_t errlen)
{
	SSL_CTX *ctx;
	int rc;

	*out = NULL;
	if (conf == NULL) {
		snprintf(err, errlen, "TLS client: no configuration");
		return JET_ECONF;
	}
	if ((conf->cert_file == NULL) != (conf->key_file == NULL)) {
		snprintf(err, errlen, "TLS client: cert_file and key_file must be set together");
		return JET_ECONF;
	}
	ERR_clear_error();
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		jet_tls_set_err(err, errlen, "TLS client context");
		return JET_ENOMEM;
	}
	rc = jet_tls_ctx_policy(ctx, err, errlen);
	if (rc != JET_OK)
		goto fail;
	rc = JET_ETLS;
	if (conf->ca_file != NULL) {
		char *data = NULL;
		size_t len;

		/* Read it ourselves first for an error that names the file. */
		rc = jet_tls_read_file(conf->ca_file, "CA file", JET_TLS_MAX_FILE, &data, &len, err,
			errlen);
		free(data);
		if (rc != JET_OK)
			goto fail;
		rc = JET_ETLS;
		if (SSL_CTX_load_verify_file(ctx, conf->ca_file) != 1) {
			jet_tls_set_err(err, errlen, "CA file %s: no usable PEM certificate",
				conf->ca_file);
			goto fail;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		jet_tls_set_err(err, errlen, "system CA store");
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (conf->cert_file != NULL) {
		rc = jet_tls_ctx_use_cert_key(ctx, conf->cert_file, conf->key_file, err, errlen);
		if (rc != JET_OK)
			goto fail;
	}
	/*
	 * OpenSSL never looks sessions up for a client: the caller keeps them
	 * (SSL_get1_session, or a new-session callback) and offers one with
	 * SSL_set_session.  NO_INTERNAL_STORE: an internal store would only
	 * grow, and freeing the context would flush it, marking every session
	 * the caller still holds as not resumable.
	 */
	SSL_CTX_set_session_cache_mode(ctx, conf->session_cache
			? SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE
			: SSL_SESS_CACHE_OFF);
	if (!conf->session_cache)
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	*out = ctx;
	return JET_OK;
fail:
	SSL_CTX_free(ctx);
	return rc;
}

int
jet_tls_client_set_host(SSL *ssl, const char *host)
{
	unsigned char addr[16];
	char lit[INET6_ADDRSTRLEN];
	size_t len;

	if (ssl == NULL || host == NULL)
		return JET_EINVAL;
	len = strlen(host);
	if (len == 0 || len > 253)
		return JET_EINVAL;
	/* "[::1]" as written in URLs. */
	if (host[0] == '[' && host[len - 1] == ']' && len - 2 < sizeof(lit)) {
		memcpy(lit, host + 1, len - 2);
		lit[len - 2] = '\0';
		if (inet_pton(AF_INET6, lit, addr) != 1)
			return JET_EINVAL;
		host = lit;
	}
	if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1)
			return JET_ETLS;
		return JET_OK;
	}
	if (SSL_set_tlsext_host_name(ssl, host) != 1)
		return JET_EINVAL;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (SSL_set1_host(ssl, host) != 1)
		return JET_EINVAL;
	return JET_OK;
}
