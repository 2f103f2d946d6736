/*
 * io.c - PEM files for keys, certificates and CRLs.
 *
 * Writes are atomic: the PEM goes to a fresh temporary file next to the
 * target (O_CREAT|O_EXCL|O_NOFOLLOW, so it can be neither a pre-planted
 * file nor a symlink), is fsync'ed, then renamed over the target, and the
 * directory is fsync'ed.  A reader sees the old file or the new one, never
 * half of one, and a crash leaves at worst a stray temporary file.
 *
 * A target that is a symlink is refused rather than replaced: in a key
 * directory a symlink is either a mistake or an attack.  (rename(2) would
 * replace the link itself, never write through it, so even a link planted
 * between the check and the rename cannot redirect the write.)
 *
 * Private keys: PKCS#8 PEM, unencrypted (the file mode is the protection),
 * mode 0600; their PEM text is built in OpenSSL's secure heap and wiped.
 * Certificates and CRLs: mode 0644.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "jet/pki.h"

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
fsync_parent(const char *path)
{
	char copy[4096];
	int fd;

	if ((size_t)snprintf(copy, sizeof(copy), "%s", path) >= sizeof(copy))
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd); /* best effort: the data itself is already synced */
		close(fd);
	}
}

static int
atomic_write(const char *path, const char *data, size_t len, mode_t mode)
{
	unsigned char rnd[8];
	char tmp[4096];
	struct stat st;
	int fd, tries;

	if (path == NULL || path[0] == '\0')
		return JET_EINVAL;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return JET_EPERM;
	for (tries = 0;; tries++) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return JET_ETLS;
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%02x%02x%02x%02x%02x%02x%02x%02x",
			    path, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
			    rnd[7]) >= sizeof(tmp))
			return JET_ETOOBIG;
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0)
			break;
		if (errno != EEXIST || tries >= 3)
			return JET_EIO;
	}
	/* The umask may have removed bits from a certificate's 0644; set the
	 * exact mode (for keys this cannot add any bit beyond 0600). */
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		close(fd);
		unlink(tmp);
		return JET_EIO;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return JET_EIO;
	}
	fsync_parent(path);
	return JET_OK;
}

/* Writes the contents of a memory BIO atomically. */
static int
write_bio(const char *path, BIO *bio, mode_t mode)
{
	char *p = NULL;
	long n = BIO_get_mem_data(bio, &p);

	if (n <= 0 || p == NULL)
		return JET_ETLS;
	return atomic_write(path, p, (size_t)n, mode);
}

int
jet_pki_write_key(const char *path, EVP_PKEY *key)
{
	BIO *bio;
	int rc = JET_ETLS;

	if (key == NULL)
		return JET_EINVAL;
	/* Secure-heap memory BIO: wiped when freed. */
	bio = BIO_new(BIO_s_secmem());
	if (bio == NULL)
		return JET_ENOMEM;
	if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1)
		rc = write_bio(path, bio, 0600);
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

int
jet_pki_write_certs(const char *path, X509 *const *chain, size_t n)
{
	BIO *bio;
	int rc = JET_ETLS;

	if (chain == NULL || n == 0)
		return JET_EINVAL;
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL)
		return JET_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (chain[i] == NULL || PEM_write_bio_X509(bio, chain[i]) != 1)
			goto fail;
	}
	rc = write_bio(path, bio, 0644);
fail:
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

int
jet_pki_write_crl(const char *path, X509_CRL *crl)
{
	BIO *bio;
	int rc = JET_ETLS;

	if (crl == NULL)
		return JET_EINVAL;
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL)
		return JET_ENOMEM;
	if (PEM_write_bio_X509_CRL(bio, crl) == 1)
		rc = write_bio(path, bio, 0644);
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

int
jet_pki_read_key(const char *path, EVP_PKEY **out)
{
	BIO *bio;

	*out = NULL;
	bio = BIO_new_file(path, "r");
	if (bio == NULL) {
		ERR_clear_error();
		return JET_EIO;
	}
	*out = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	return *out != NULL ? JET_OK : JET_EINVAL;
}

int
jet_pki_read_cert(const char *path, X509 **out)
{
	BIO *bio;

	*out = NULL;
	bio = BIO_new_file(path, "r");
	if (bio == NULL) {
		ERR_clear_error();
		return JET_EIO;
	}
	*out = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	return *out != NULL ? JET_OK : JET_EINVAL;
}
