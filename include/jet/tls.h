/*
 * jet/tls.h - Jetstream's TLS policy, in one place, for every listener and
 * every client.
 *
 *  - TLS 1.2 minimum, TLS 1.3 preferred.
 *  - TLS 1.2 suites: Mozilla "intermediate" ECDHE + AEAD only
 *    (ECDHE-ECDSA/RSA with AES-GCM and CHACHA20-POLY1305).  TLS 1.3: the
 *    three standard AEAD suites.  Groups: X25519, P-256, P-384.
 *  - No compression, no renegotiation, server cipher preference.
 *  - Session tickets encrypted with keys Jetstream generates and rotates
 *    (jet_tls_server_rotate_tickets); the previous keys still decrypt for one
 *    more period so resumption survives a rotation.
 *  - mTLS per listener: off / optional / required, verified against a CA
 *    bundle, CRLs checked for the whole chain when a CRL file is set, and the
 *    leaf must carry the clientAuth extended key usage.
 *  - An optional allow-list of peer identities (SAN URIs) on top of mTLS:
 *    a certificate the CA verified is still refused unless it names one of
 *    them, so a service can accept one caller (the gateway) only.
 *  - Certificates, key, CA and CRL reloadable without restart: new
 *    connections use the new context, established ones keep the old.
 *
 * Key files are refused when group- or world-accessible.
 */
#ifndef JET_TLS_H
#define JET_TLS_H

#include <openssl/ssl.h>

#include "jet/core.h"

enum jet_mtls_mode {
	JET_MTLS_OFF = 0,      /* no client certificate is requested */
	JET_MTLS_OPTIONAL = 1, /* requested; absent is fine, invalid is refused */
	JET_MTLS_REQUIRED = 2, /* absent or invalid is refused */
};

struct jet_tls_server_conf {
	const char *cert_file;      /* PEM chain, leaf first */
	const char *key_file;       /* PEM private key; mode 0600 or stricter */
	enum jet_mtls_mode mtls;
	const char *client_ca_file; /* PEM bundle; required unless mtls is OFF */
	const char *crl_file;       /* PEM CRLs; optional; checked for the whole chain */
	uint64_t ticket_lifetime_s; /* ticket key rotation period; 0 disables tickets */
	bool session_cache;         /* server-side session cache (TLS 1.2 ids) */
	/* Space-separated SAN URIs ("spiffe://td/gateway ..."), at most
	 * JET_TLS_MAX_ALLOWED_PEERS, each shorter than JET_TLS_NAME_MAX and
	 * containing "://".  NULL or empty: any certificate the CA verifies.
	 * Non-empty requires mtls REQUIRED.  Copied by jet_tls_server_new. */
	const char *allowed_peers;
};

#define JET_TLS_MAX_ALLOWED_PEERS 16

struct jet_tls_server; /* opaque; thread-safe */

/* Builds the server policy.  On failure err receives a one-line reason that
 * names the file at fault (never key material). */
int jet_tls_server_new(const struct jet_tls_server_conf *conf, struct jet_tls_server **out,
	char *err, size_t errlen);
/* Frees ts (NULL is fine).  Call it only after every SSL made by
 * jet_tls_server_ssl_new has been freed: their handshakes use ts's ticket
 * keys. */
void jet_tls_server_free(struct jet_tls_server *ts);

/* A new SSL for an accepted connection, from the current context; NULL on
 * allocation failure.  Safe to call from any thread. */
SSL *jet_tls_server_ssl_new(struct jet_tls_server *ts);

/* Re-reads cert, key, CA bundle and CRL.  On failure the running context is
 * kept and err says why.  Safe to call while other threads create SSLs. */
int jet_tls_server_reload(struct jet_tls_server *ts, char *err, size_t errlen);

/* Makes a fresh ticket key current; the previous one keeps decrypting until
 * the next rotation. */
void jet_tls_server_rotate_tickets(struct jet_tls_server *ts);

enum jet_mtls_mode jet_tls_server_mtls(const struct jet_tls_server *ts);

struct jet_peer_identity;

/*
 * Whether a verified peer may talk to this server: true when no allow-list
 * is configured, else only when one of id's SAN URIs equals (byte for byte)
 * an entry of the list.  id NULL (no certificate) is false under a list.
 * The list never changes after jet_tls_server_new (a reload keeps it), so
 * this takes no lock.
 */
bool jet_tls_server_peer_allowed(const struct jet_tls_server *ts,
	const struct jet_peer_identity *id);

struct jet_tls_client_conf {
	const char *ca_file;   /* trust anchors; NULL: the system's default store */
	const char *cert_file; /* optional client certificate (PEM chain) */
	const char *key_file;  /* its key; mode 0600 or stricter */
	bool session_cache;    /* resume sessions to the same server */
};

/* Builds a client context with the same policy (protocol floor, suites,
 * groups) and peer verification on. */
int jet_tls_client_ctx_new(const struct jet_tls_client_conf *conf, SSL_CTX **out, char *err,
	size_t errlen);

/* Sets SNI (for names) and the name or IP address the server certificate
 * must match; ssl is fresh from SSL_new on a client context. */
int jet_tls_client_set_host(SSL *ssl, const char *host);

/* ------------------------------------------------------------------------
 * Peer identity: what handlers see of a verified client certificate.
 * ------------------------------------------------------------------------ */

#define JET_TLS_MAX_SAN 8
#define JET_TLS_NAME_MAX 256

struct jet_peer_identity {
	char subject[JET_TLS_NAME_MAX];               /* RFC 2253 one-line form */
	char san_uri[JET_TLS_MAX_SAN][JET_TLS_NAME_MAX];
	size_t n_uri;
	char san_dns[JET_TLS_MAX_SAN][JET_TLS_NAME_MAX];
	size_t n_dns;
	unsigned char sha256[32];  /* SHA-256 of the leaf certificate's DER */
	char x5t_s256[44];         /* the same, base64url without padding (RFC 8705) */
	int64_t not_after;         /* leaf expiry, Unix seconds */
};

/*
 * Fills id from the connection's verified peer certificate.  Returns JET_OK
 * when a certificate was presented and verified, JET_ENOTFOUND when none was
 * presented, JET_EPERM when one was presented but did not verify (or lacks
 * the clientAuth EKU).  SANs beyond JET_TLS_MAX_SAN, or longer than
 * JET_TLS_NAME_MAX, make it JET_EPERM: an identity is never truncated.
 */
int jet_tls_peer_identity(SSL *ssl, struct jet_peer_identity *id);

/* A one-line, log-safe reason for the last TLS failure on this thread
 * (drains OpenSSL's error queue). */
const char *jet_tls_last_error(char *buf, size_t len);

/* Refuses a key file that is group- or world-accessible or not a regular
 * file: JET_OK or JET_EPERM / JET_EIO with err set. */
int jet_tls_check_key_file(const char *path, char *err, size_t errlen);

#endif /* JET_TLS_H */
