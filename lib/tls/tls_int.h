/*
 * tls_int.h - private to lib/tls: the server handle's layout, the session
 * ticket key ring, and the helpers the module's files share.
 *
 * Threads: a jet_tls_server is shared by every worker thread (they call
 * jet_tls_server_ssl_new and run handshakes, which call the ticket callback)
 * and the main thread (which calls reload and rotate).  Each mutable field
 * names the lock that guards it.
 */
#ifndef JET_TLS_INT_H
#define JET_TLS_INT_H

#include <pthread.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "jet/tls.h"

/* ------------------------------------------------------------------------
 * Policy constants (policy.c)
 * --------------------------------------------------------------------- */

/* Mozilla "intermediate": forward secrecy (ECDHE) and AEAD only. */
#define JET_TLS12_CIPHERS                                                                  \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                        \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                        \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define JET_TLS13_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define JET_TLS_GROUPS "X25519:P-256:P-384"

/* Longest chain accepted from a peer: leaf + 3 intermediates + root is far
 * more than any deployment here needs, and bounds verification work. */
#define JET_TLS_VERIFY_DEPTH 4

/* Largest PEM file read (a CA bundle or a CRL is the big one). */
#define JET_TLS_MAX_FILE (16u << 20)

/*
 * Applies the shared policy (protocol range, suites, groups, signature
 * algorithms, options, modes, security level) to a fresh context, overriding
 * whatever the system's openssl.cnf put there.  JET_OK or JET_ETLS with err.
 */
int jet_tls_ctx_policy(SSL_CTX *ctx, char *err, size_t errlen);

/* Reads a whole file (at most max bytes) into a new buffer the caller frees.
 * JET_OK, or JET_EIO / JET_ETOOBIG with err naming the file. */
int jet_tls_read_file(const char *path, const char *what, size_t max, char **data,
	size_t *len, char *err, size_t errlen);

/*
 * Opens a private key file without following a symlink, refuses it when it
 * is not a regular file or is group/world accessible (checked on the opened
 * descriptor, so there is no window between check and use), and parses it.
 * The file's bytes are wiped after parsing.
 */
int jet_tls_load_key(const char *path, EVP_PKEY **out, char *err, size_t errlen);

/* Loads a PEM chain (leaf first) and its key into ctx and checks they
 * match. */
int jet_tls_ctx_use_cert_key(SSL_CTX *ctx, const char *cert_file, const char *key_file,
	char *err, size_t errlen);

/* True when the certificate carries an extendedKeyUsage extension that
 * lists id-kp-clientAuth.  No extension at all is false: Jetstream only
 * accepts client certificates issued for client authentication. */
bool jet_tls_has_client_eku(X509 *cert);

/* Appends OpenSSL's reason for the last queued error, if any, to a
 * message: "what: reason".  Drains the queue. */
void jet_tls_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------------
 * Session ticket keys (tickets.c)
 * --------------------------------------------------------------------- */

#define JET_TLS_TICKET_NAME_LEN 16

struct jet_tls_ticket_key {
	unsigned char name[JET_TLS_TICKET_NAME_LEN]; /* random; tells the keys apart */
	unsigned char aes[32];                       /* AES-256-CBC key */
	unsigned char hmac[32];                      /* HMAC-SHA256 key */
	bool set;                                    /* false: slot empty */
};

/*
 * keys[0] encrypts new tickets; keys[1] (the previous current key) only
 * decrypts, so a ticket lives between one and two rotation periods.
 */
struct jet_tls_ticket_ring {
	pthread_rwlock_t lock;               /* readers: handshakes; writer: rotate */
	struct jet_tls_ticket_key keys[2];   /* guarded by lock */
	EVP_CIPHER *cipher;                  /* AES-256-CBC, fetched once; immutable */
};

int jet_tls_tickets_init(struct jet_tls_ticket_ring *r);
void jet_tls_tickets_cleanup(struct jet_tls_ticket_ring *r);
/* Makes a fresh key current; JET_OK or JET_ETLS (RNG failure: keys kept). */
int jet_tls_tickets_rotate(struct jet_tls_ticket_ring *r);
/* The SSL_CTX_set_tlsext_ticket_key_evp_cb callback; finds the ring through
 * the SSL_CTX's app data (the jet_tls_server). */
int jet_tls_tickets_cb(SSL *ssl, unsigned char *key_name, unsigned char *iv,
	EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc);

/* ------------------------------------------------------------------------
 * The server handle (server.c)
 * --------------------------------------------------------------------- */

struct jet_tls_server {
	pthread_mutex_t lock;       /* guards ctx only; held for a pointer swap or up-ref */
	SSL_CTX *ctx;               /* current context; each SSL holds its own reference */
	/* Immutable after jet_tls_server_new: */
	char *cert_file;
	char *key_file;
	char *client_ca_file;       /* NULL when mtls is OFF */
	char *crl_file;             /* NULL when unset or mtls is OFF */
	enum jet_mtls_mode mtls;
	uint64_t ticket_lifetime_s; /* 0: no tickets */
	bool session_cache;
	char allowed[JET_TLS_MAX_ALLOWED_PEERS][JET_TLS_NAME_MAX]; /* SAN URIs */
	size_t n_allowed;           /* 0: any verified certificate */
	struct jet_tls_ticket_ring tickets; /* survives reloads */
};

/* ------------------------------------------------------------------------
 * Peer allow-list (peers.c)
 * --------------------------------------------------------------------- */

/* Parses conf->allowed_peers into ts->allowed.  JET_OK, or JET_ECONF with a
 * reason in err that names the entry by position (never its text). */
int jet_tls_peers_parse(struct jet_tls_server *ts, const char *list, char *err, size_t errlen);

#endif /* JET_TLS_INT_H */
