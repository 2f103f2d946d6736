/*
 * files.c - reading the PEM files a TLS context is built from: certificate
 * chains, private keys, CA bundles, CRLs.
 *
 * Invariants:
 *  - A private key is read only from a regular file that is neither group-
 *    nor world-accessible, checked on the opened descriptor (O_NOFOLLOW +
 *    fstat), so the file checked is the file read.  Its bytes are wiped
 *    from memory once parsed.
 *  - Every error message names the file at fault and never carries key
 *    material (OpenSSL reason strings only, see jet_tls_last_error).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls_int.h"

/* Reads fd to the end into a buffer of at most max bytes. */
static int
read_fd(int fd, const char *path, const char *what, size_t max, char **data, size_t *len,
	char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	size_t n = 0;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return JET_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s: not a regular file", what, path);
		return JET_EIO;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%s %s: larger than %zu bytes", what, path, max);
		return JET_ETOOBIG;
	}
	/* +1: room to notice growth since fstat, and a terminating NUL. */
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "%s %s: out of memory", what, path);
		return JET_ENOMEM;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
			OPENSSL_clear_free(buf, (size_t)st.st_size + 1);
			return JET_EIO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > (size_t)st.st_size) {
			snprintf(err, errlen, "%s %s: changed while being read", what, path);
			OPENSSL_clear_free(buf, (size_t)st.st_size + 1);
			return JET_EIO;
		}
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return JET_OK;
}

int
jet_tls_read_file(const char *path, const char *what, size_t max, char **data, size_t *len,
	char *err, size_t errlen)
{
	int fd, rc;

	if (path == NULL || path[0] == '\0') {
		snprintf(err, errlen, "%s: no file configured", what);
		return JET_ECONF;
	}
	/* O_NONBLOCK: a FIFO put in place of a certificate must not hang
	 * start-up or a reload in open(); read_fd then refuses it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return JET_EIO;
	}
	rc = read_fd(fd, path, what, max, data, len, err, errlen);
	close(fd);
	return rc;
}

/* The mode test shared by the path check and the descriptor check. */
static int
check_key_stat(const struct stat *st, const char *path, char *err, size_t errlen)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "key file %s: not a regular file (symlinks are refused)",
			path);
		return JET_EPERM;
	}
	if ((st->st_mode & 077) != 0) {
		snprintf(err, errlen,
			"key file %s: accessible by group or others (mode %04o); chmod 600 it",
			path, (unsigned)(st->st_mode & 07777));
		return JET_EPERM;
	}
	return JET_OK;
}

int
jet_tls_check_key_file(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (path == NULL || path[0] == '\0') {
		snprintf(err, errlen, "key file: no file configured");
		return JET_EIO;
	}
	if (lstat(path, &st) != 0) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		return JET_EIO;
	}
	return check_key_stat(&st, path, err, errlen);
}

int
jet_tls_load_key(const char *path, EVP_PKEY **out, char *err, size_t errlen)
{
	struct stat st;
	EVP_PKEY *key = NULL;
	char *data = NULL;
	size_t len = 0;
	BIO *bio;
	int fd, rc;

	*out = NULL;
	if (path == NULL || path[0] == '\0') {
		snprintf(err, errlen, "key file: no file configured");
		return JET_ECONF;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP)
			snprintf(err, errlen,
				"key file %s: not a regular file (symlinks are refused)", path);
		else
			snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		return errno == ELOOP ? JET_EPERM : JET_EIO;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		close(fd);
		return JET_EIO;
	}
	rc = check_key_stat(&st, path, err, errlen);
	if (rc == JET_OK)
		rc = read_fd(fd, path, "key file", 1u << 20, &data, &len, err, errlen);
	close(fd);
	if (rc != JET_OK)
		return rc;

	ERR_clear_error();
	bio = BIO_new_mem_buf(data, (int)len);
	if (bio != NULL)
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	OPENSSL_clear_free(data, len + 1);
	if (key == NULL) {
		jet_tls_set_err(err, errlen, "key file %s: no usable PEM private key", path);
		return JET_ETLS;
	}
	*out = key;
	return JET_OK;
}

/* True when the PEM loop stopped at the end of the input rather than at a
 * malformed object; clears the expected "no start line". */
static bool
pem_clean_end(void)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0 || (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
		ERR_clear_error();
		return true;
	}
	return false;
}

int
jet_tls_ctx_use_cert_key(SSL_CTX *ctx, const char *cert_file, const char *key_file,
	char *err, size_t errlen)
{
	EVP_PKEY *key = NULL;
	X509 *leaf = NULL, *x;
	char *data = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	int rc;

	rc = jet_tls_read_file(cert_file, "certificate file", JET_TLS_MAX_FILE, &data, &len, err,
		errlen);
	if (rc != JET_OK)
		return rc;
	rc = JET_ETLS;
	ERR_clear_error();
	bio = BIO_new_mem_buf(data, (int)len);
	if (bio == NULL) {
		jet_tls_set_err(err, errlen, "certificate file %s", cert_file);
		goto fail;
	}
	leaf = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL);
	if (leaf == NULL) {
		jet_tls_set_err(err, errlen, "certificate file %s: no PEM certificate", cert_file);
		goto fail;
	}
	if (SSL_CTX_use_certificate(ctx, leaf) != 1) {
		jet_tls_set_err(err, errlen, "certificate file %s: certificate refused",
			cert_file);
		goto fail;
	}
	SSL_CTX_clear_chain_certs(ctx);
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
			X509_free(x);
			jet_tls_set_err(err, errlen, "certificate file %s: chain certificate refused",
				cert_file);
			goto fail;
		}
	}
	if (!pem_clean_end()) {
		jet_tls_set_err(err, errlen, "certificate file %s: malformed PEM after the leaf",
			cert_file);
		goto fail;
	}

	rc = jet_tls_load_key(key_file, &key, err, errlen);
	if (rc != JET_OK)
		goto fail;
	rc = JET_ETLS;
	if (X509_check_private_key(leaf, key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "key file %s does not match certificate file %s", key_file,
			cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		jet_tls_set_err(err, errlen, "key file %s: key refused", key_file);
		goto fail;
	}
	rc = JET_OK;
fail:
	EVP_PKEY_free(key);
	X509_free(leaf);
	BIO_free(bio);
	free(data);
	return rc;
}

bool
jet_tls_has_client_eku(X509 *cert)
{
	/* X509_get_extension_flags computes (and caches) the flags; a malformed
	 * extension sets EXFLAG_INVALID, which is refused too. */
	uint32_t flags = X509_get_extension_flags(cert);

	if ((flags & EXFLAG_INVALID) != 0 || (flags & EXFLAG_XKUSAGE) == 0)
		return false;
	return (X509_get_extended_key_usage(cert) & XKU_SSL_CLIENT) != 0;
}
