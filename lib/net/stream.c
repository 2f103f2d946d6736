/*
 * stream.c - one non-blocking byte stream over a socket, plain or TLS.
 *
 * The TLS state machine lives here once, for servers and clients alike.
 * OpenSSL works directly on the fd (no memory BIOs): a record is read with
 * one read(2) thanks to read-ahead, and a response leaves in one write(2).
 *
 * Invariants:
 *  - After JET_AGAIN, `want` holds the poll events that will let the same
 *    call make progress (a TLS read can need the socket writable and a write
 *    readable).
 *  - OpenSSL's per-thread error queue is cleared before every call, so a
 *    failure is attributed to this stream and not to an earlier one.
 */
#include <errno.h>
#include <unistd.h>

#include <openssl/err.h>

#include "jet/net.h"

void
jet_stream_init(struct jet_stream *s, int fd, SSL *ssl, bool is_server)
{
	s->fd = fd;
	s->ssl = ssl;
	s->want = JET_WANT_NONE;
	s->handshake_done = (ssl == NULL);
	s->tls_error = false;
	s->tls_err = 0;
	if (ssl != NULL) {
		SSL_set_fd(ssl, fd);
		/* One read(2) fetches as many records as the kernel holds. */
		SSL_set_read_ahead(ssl, 1);
		if (is_server)
			SSL_set_accept_state(ssl);
		else
			SSL_set_connect_state(ssl);
	}
}

/* Maps an SSL_* result to the stream convention. */
static int
tls_result(struct jet_stream *s, int ret)
{
	int e = SSL_get_error(s->ssl, ret);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		s->want = JET_WANT_READ;
		return JET_AGAIN;
	case SSL_ERROR_WANT_WRITE:
		s->want = JET_WANT_WRITE;
		return JET_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return JET_ECLOSED;
	case SSL_ERROR_SYSCALL:
		s->tls_err = ERR_peek_last_error();
		if (s->tls_err != 0) {
			s->tls_error = true;
			return JET_ETLS;
		}
		/* EOF without close_notify, or a socket error. */
		if (errno == EAGAIN || errno == EINTR) {
			s->want = JET_WANT_READ;
			return JET_AGAIN;
		}
		return ret == 0 || errno == 0 || errno == ECONNRESET || errno == EPIPE ?
			JET_ECLOSED : JET_EIO;
	default:
		s->tls_error = true;
		s->tls_err = ERR_peek_last_error();
		return JET_ETLS;
	}
}

int
jet_stream_handshake(struct jet_stream *s)
{
	int ret;

	if (s->handshake_done)
		return JET_OK;
	ERR_clear_error();
	ret = SSL_do_handshake(s->ssl);
	if (ret == 1) {
		s->handshake_done = true;
		s->want = JET_WANT_NONE;
		return JET_OK;
	}
	ret = tls_result(s, ret);
	/* A peer that closes mid-handshake failed the handshake. */
	return ret == JET_ECLOSED ? JET_ETLS : ret;
}

ssize_t
jet_stream_read(struct jet_stream *s, void *buf, size_t len)
{
	if (s->fd < 0)
		return JET_ECLOSED;
	if (s->ssl == NULL) {
		ssize_t n;

		do
			n = read(s->fd, buf, len);
		while (n < 0 && errno == EINTR);
		if (n > 0)
			return n;
		if (n == 0)
			return JET_ECLOSED;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			s->want = JET_WANT_READ;
			return JET_AGAIN;
		}
		return errno == ECONNRESET ? JET_ECLOSED : JET_EIO;
	}
	{
		size_t got = 0;
		int ret;

		ERR_clear_error();
		ret = SSL_read_ex(s->ssl, buf, len, &got);
		if (ret == 1)
			return (ssize_t)got;
		return tls_result(s, 0);
	}
}

ssize_t
jet_stream_write(struct jet_stream *s, const void *buf, size_t len)
{
	if (s->fd < 0)
		return JET_ECLOSED;
	if (s->ssl == NULL) {
		ssize_t n;

		do
			n = send(s->fd, buf, len, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			s->want = JET_WANT_WRITE;
			return JET_AGAIN;
		}
		return errno == EPIPE || errno == ECONNRESET ? JET_ECLOSED : JET_EIO;
	}
	{
		size_t put = 0;
		int ret;

		ERR_clear_error();
		ret = SSL_write_ex(s->ssl, buf, len, &put);
		if (ret == 1)
			return (ssize_t)put;
		ret = tls_result(s, 0);
		return ret == JET_ECLOSED ? JET_ECLOSED : ret;
	}
}

bool
jet_stream_pending(const struct jet_stream *s)
{
	return s->ssl != NULL && s->fd >= 0 && SSL_has_pending(s->ssl);
}

void
jet_stream_close(struct jet_stream *s)
{
	if (s->ssl != NULL) {
		/* close_notify only after a completed handshake and no fatal
		 * error: OpenSSL forbids it otherwise.  Never waits for the
		 * peer's reply. */
		if (s->handshake_done && !s->tls_error) {
			ERR_clear_error();
			SSL_shutdown(s->ssl);
		}
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	ERR_clear_error();
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
}
