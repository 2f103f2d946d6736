/*
 * jet/net.h - sockets and the byte stream every connection speaks through.
 *
 * A jet_stream is a non-blocking socket, plain or TLS, with no event-loop
 * knowledge: callers poll the fd (libuv uv_poll_t) for the events the stream
 * asks for in `want` after a call returns JET_AGAIN.  Server connections and
 * the HTTP client share it, so the TLS state machine exists once.
 */
#ifndef JET_NET_H
#define JET_NET_H

#include <sys/socket.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "jet/core.h"

enum jet_want {
	JET_WANT_NONE = 0,
	JET_WANT_READ = 1,  /* equal to UV_READABLE */
	JET_WANT_WRITE = 2, /* equal to UV_WRITABLE */
};

struct jet_stream {
	int fd;               /* owned; -1 once closed */
	SSL *ssl;             /* owned; NULL for plain TCP */
	int want;             /* enum jet_want bits after JET_AGAIN */
	bool handshake_done;  /* TLS handshake completed (always true when plain) */
	bool tls_error;       /* the last failure was a TLS alert / verification */
	unsigned long tls_err; /* ERR_peek_last_error() of the failure, 0 if none */
};

/* Takes ownership of fd (already non-blocking) and ssl (may be NULL).
 * is_server chooses accept or connect state for the handshake. */
void jet_stream_init(struct jet_stream *s, int fd, SSL *ssl, bool is_server);

/* Drives the TLS handshake: JET_OK when done, JET_AGAIN (see want),
 * JET_ETLS or JET_ECLOSED. */
int jet_stream_handshake(struct jet_stream *s);

/* Reads up to len bytes: count (> 0), JET_AGAIN, JET_ECLOSED (orderly EOF),
 * JET_ETLS or JET_EIO. */
ssize_t jet_stream_read(struct jet_stream *s, void *buf, size_t len);

/* Writes up to len bytes: count (> 0, may be short), JET_AGAIN, JET_ETLS or
 * JET_EIO.  After JET_AGAIN with TLS, the same bytes must be offered again. */
ssize_t jet_stream_write(struct jet_stream *s, const void *buf, size_t len);

/* True when TLS holds decrypted bytes not yet returned by jet_stream_read:
 * the fd will not poll readable for them. */
bool jet_stream_pending(const struct jet_stream *s);

/* Sends close_notify (best effort, never blocks) and closes the fd; frees
 * the SSL.  Safe to call twice. */
void jet_stream_close(struct jet_stream *s);

/* ------------------------------------------------------------------------
 * Sockets
 * ------------------------------------------------------------------------ */

/* Resolves a numeric host (IPv4 / IPv6 literal or "localhost") and port. */
int jet_net_resolve(const char *host, uint16_t port, struct sockaddr_storage *ss,
	socklen_t *sslen);

/*
 * A non-blocking listening socket on addr with SO_REUSEADDR and, when
 * reuseport, SO_REUSEPORT (one listener per event loop, the kernel balances
 * accepts).  IPv6 sockets are v6-only.  Returns the fd or a negative
 * jet_err with err set.
 */
int jet_net_listen(const struct sockaddr_storage *ss, socklen_t sslen, bool reuseport,
	int backlog, char *err, size_t errlen);

/* The port a socket is bound to (for listeners on port 0). */
uint16_t jet_net_local_port(int fd);

/* True when the address is in 127.0.0.0/8 or is ::1. */
bool jet_net_is_loopback(const struct sockaddr_storage *ss);

/* "1.2.3.4:5" or "[::1]:5" into out (>= 64 bytes). */
void jet_net_addr_str(const struct sockaddr_storage *ss, char *out, size_t outlen);

/* Non-blocking connect to host:port: the fd, or a negative jet_err.  The
 * connection completes when the fd polls writable (check SO_ERROR). */
int jet_net_connect(const struct sockaddr_storage *ss, socklen_t sslen);

#endif /* JET_NET_H */
