/*
 * testnet.c - see testnet.h.  Blocking sockets with SO_RCVTIMEO/SO_SNDTIMEO
 * keep every wait in a test bounded.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "testnet.h"

static void *
srv_thread(void *arg)
{
	struct jet_testsrv *t = arg;

	t->run_rc = jet_http_server_run(t->srv, false);
	return NULL;
}

int
jet_testsrv_start(struct jet_testsrv *t, const struct jet_http_server_conf *conf)
{
	char err[256];
	int rc;

	memset(t, 0, sizeof(*t));
	rc = jet_http_server_new(conf, &t->srv, err, sizeof(err));
	if (rc != JET_OK) {
		fprintf(stderr, "testsrv: %s\n", err);
		return rc;
	}
	t->port = jet_http_server_port(t->srv);
	if (pthread_create(&t->thread, NULL, srv_thread, t) != 0)
		return JET_ENOMEM;
	t->running = true;
	return JET_OK;
}

int
jet_testsrv_stop(struct jet_testsrv *t)
{
	if (t->running) {
		jet_http_server_stop(t->srv);
		pthread_join(t->thread, NULL);
		t->running = false;
	}
	jet_http_server_free(t->srv);
	t->srv = NULL;
	return t->run_rc;
}

static void
set_timeouts(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int
jet_testconn_open(struct jet_testconn *c, uint16_t port, const struct jet_testconn_opts *o)
{
	struct jet_testconn_opts none = { 0 };
	struct sockaddr_in sa;
	int one = 1;

	if (o == NULL)
		o = &none;
	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	set_timeouts(c->fd, o->timeout_ms ? o->timeout_ms : 5000);
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	if (o->plain)
		return 0;
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (o->insecure_seclevel)
		SSL_CTX_set_security_level(c->ctx, 0);
	if (o->min_version)
		SSL_CTX_set_min_proto_version(c->ctx, o->min_version);
	if (o->max_version)
		SSL_CTX_set_max_proto_version(c->ctx, o->max_version);
	if (o->ciphers)
		SSL_CTX_set_cipher_list(c->ctx, o->ciphers);
	if (o->suites)
		SSL_CTX_set_ciphersuites(c->ctx, o->suites);
	if (o->groups)
		SSL_CTX_set1_groups_list(c->ctx, o->groups);
	if (o->ca) {
		SSL_CTX_load_verify_locations(c->ctx, o->ca, NULL);
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	}
	if (o->cert) {
		SSL_CTX_use_certificate_chain_file(c->ctx, o->cert);
		SSL_CTX_use_PrivateKey_file(c->ctx, o->key, SSL_FILETYPE_PEM);
	}
	c->ssl = SSL_new(c->ctx);
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_tlsext_host_name(c->ssl, "localhost");
	if (o->session)
		SSL_set_session(c->ssl, o->session);
	c->handshake_rc = SSL_connect(c->ssl);
	ERR_clear_error();
	return c->handshake_rc == 1 ? 0 : -2;
}

int
jet_testconn_send(struct jet_testconn *c, const void *p, size_t len)
{
	const char *s = p;

	while (len > 0) {
		ssize_t n;

		if (c->ssl) {
			int r = SSL_write(c->ssl, s, (int)len);

			ERR_clear_error();
			n = r > 0 ? r : -1;
		} else {
			n = send(c->fd, s, len, MSG_NOSIGNAL);
		}
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int
jet_testconn_send_str(struct jet_testconn *c, const char *s)
{
	return jet_testconn_send(c, s, strlen(s));
}

/* 1: got bytes, 0: EOF/error, -1: timeout */
static int
fill(struct jet_testconn *c)
{
	ssize_t n;

	if (c->len >= sizeof(c->buf))
		return 0;
	errno = 0;
	if (c->ssl) {
		int r = SSL_read(c->ssl, c->buf + c->len, (int)(sizeof(c->buf) - c->len));

		if (r <= 0) {
			int e = SSL_get_error(c->ssl, r);

			ERR_clear_error();
			if (e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))
				return -1;
			if (e == SSL_ERROR_WANT_READ)
				return -1;
			return 0;
		}
		n = r;
	} else {
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -1;
		if (n <= 0)
			return 0;
	}
	c->len += (size_t)n;
	return 1;
}

int
jet_testconn_response(struct jet_testconn *c, char *out, size_t outlen)
{
	for (;;) {
		char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);

		if (end != NULL) {
			size_t head = (size_t)(end - c->buf) + 4, body = 0, total;
			int status = 0;
			char *cl;

			c->buf[head - 1] = '\0';
			if (sscanf(c->buf, "HTTP/1.%*d %3d", &status) != 1)
				status = 0;
			cl = strcasestr(c->buf, "\r\ncontent-length:");
			if (cl != NULL)
				body = (size_t)strtoul(cl + 17, NULL, 10);
			c->buf[head - 1] = '\n';
			if (status == 100) { /* interim: drop it, read on */
				memmove(c->buf, c->buf + head, c->len - head);
				c->len -= head;
				continue;
			}
			total = head + body;
			while (c->len < total) {
				int r = fill(c);

				if (r <= 0)
					return r == 0 ? 0 : -1;
			}
			if (out != NULL && outlen > 0) {
				size_t n = total < outlen - 1 ? total : outlen - 1;

				memcpy(out, c->buf, n);
				out[n] = '\0';
			}
			memmove(c->buf, c->buf + total, c->len - total);
			c->len -= total;
			return status;
		}
		{
			int r = fill(c);

			if (r <= 0)
				return r == 0 ? 0 : -1;
		}
	}
}

bool
jet_testconn_wait_closed(struct jet_testconn *c, int timeout_ms)
{
	set_timeouts(c->fd, timeout_ms);
	for (;;) {
		size_t before = c->len;
		int r = fill(c);

		if (r == 0)
			return c->len == before;
		if (r < 0)
			return false;
		return false; /* the peer sent something */
	}
}

void
jet_testconn_close(struct jet_testconn *c)
{
	if (c->ssl) {
		/* A clean close_notify: without it OpenSSL marks the session
		 * not resumable, as a real client's would not be. */
		if (c->handshake_rc == 1)
			SSL_shutdown(c->ssl);
		ERR_clear_error();
		SSL_free(c->ssl);
	}
	if (c->ctx)
		SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->ctx = NULL;
	c->fd = -1;
}

int
jet_test_request(uint16_t port, const struct jet_testconn_opts *o, const char *request,
	char *out, size_t outlen)
{
	struct jet_testconn c;
	int status;

	if (jet_testconn_open(&c, port, o) != 0) {
		jet_testconn_close(&c);
		return -2;
	}
	if (jet_testconn_send_str(&c, request) != 0) {
		jet_testconn_close(&c);
		return 0;
	}
	status = jet_testconn_response(&c, out, outlen);
	jet_testconn_close(&c);
	return status;
}

void
jet_test_tmpdir(char *out, size_t outlen, const char *tag)
{
	static int counter;
	const char *base = getenv("JET_TEST_TMP");

	if (base == NULL)
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(out, outlen, "%s/%s-%d-XXXXXX", base, tag, counter++);
	if (mkdtemp(out) == NULL)
		snprintf(out, outlen, "%s", base);
}

void
jet_test_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}
