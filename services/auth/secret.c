/*
 * secret.c - client secret generation and keyed hashing (see secret.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "jet/core.h"
#include "jet/jose.h"
#include "auth/secret.h"

static int
read_key(const char *path, uint8_t key[JET_SECRET_KEY_BYTES], char *err, size_t errlen)
{
	struct stat st;
	uint8_t buf[JET_SECRET_KEY_BYTES + 1]; /* one more: a longer file is refused */
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? JET_ENOTFOUND : JET_EIO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file", path);
		return JET_EPERM;
	}
	if ((st.st_mode & 077) != 0) {
		close(fd);
		snprintf(err, errlen, "%s: mode %03o, must be 0600 or stricter", path,
			(unsigned)(st.st_mode & 0777));
		return JET_EPERM;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != JET_SECRET_KEY_BYTES) {
		jet_wipe(buf, sizeof(buf));
		snprintf(err, errlen, "%s: must hold exactly %d bytes", path, JET_SECRET_KEY_BYTES);
		return JET_EINVAL;
	}
	memcpy(key, buf, JET_SECRET_KEY_BYTES);
	jet_wipe(buf, sizeof(buf));
	return JET_OK;
}

static int
create_key(const char *path, char *err, size_t errlen)
{
	uint8_t key[JET_SECRET_KEY_BYTES];
	int fd;
	ssize_t n;

	if (RAND_priv_bytes(key, sizeof(key)) != 1) {
		snprintf(err, errlen, "random number generator failed");
		return JET_EIO;
	}
	/* O_EXCL: two processes starting at once create it once; the loser
	 * reads the winner's key. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		jet_wipe(key, sizeof(key));
		if (errno == EEXIST)
			return JET_OK;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return JET_EIO;
	}
	n = write(fd, key, sizeof(key));
	jet_wipe(key, sizeof(key));
	if (n != (ssize_t)sizeof(key) || fsync(fd) != 0) {
		close(fd);
		unlink(path);
		snprintf(err, errlen, "%s: write failed", path);
		return JET_EIO;
	}
	close(fd);
	return JET_OK;
}

int
jet_secret_key_load(const char *data_dir, uint8_t key[JET_SECRET_KEY_BYTES], char *err,
	size_t errlen)
{
	char dir[512], path[600];
	int rc;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/auth", data_dir) >= sizeof(dir)) {
		snprintf(err, errlen, "data directory path too long");
		return JET_ECONF;
	}
	if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", data_dir, strerror(errno));
		return JET_EIO;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return JET_EIO;
	}
	snprintf(path, sizeof(path), "%s/client-secret.key", dir);
	rc = read_key(path, key, err, errlen);
	if (rc != JET_ENOTFOUND)
		return rc;
	if ((rc = create_key(path, err, errlen)) != JET_OK)
		return rc;
	return read_key(path, key, err, errlen);
}

int
jet_secret_generate(char out[JET_SECRET_TEXT])
{
	uint8_t raw[JET_SECRET_BYTES];
	int rc;

	if (RAND_priv_bytes(raw, sizeof(raw)) != 1)
		return JET_EIO;
	rc = jet_b64url_encode(raw, sizeof(raw), out, JET_SECRET_TEXT);
	jet_wipe(raw, sizeof(raw));
	return rc;
}

int
jet_secret_hash(const uint8_t key[JET_SECRET_KEY_BYTES], const char *secret, size_t len,
	uint8_t out[32])
{
	return jet_hmac_sha256(key, JET_SECRET_KEY_BYTES, secret, len, out);
}

bool
jet_secret_check(const uint8_t key[JET_SECRET_KEY_BYTES], const char *secret, size_t len,
	const uint8_t hash[32])
{
	uint8_t h[32];
	bool ok;

	/* The HMAC runs whatever the length, so timing tells nothing about
	 * the stored value; only the equal-length tags are compared. */
	if (jet_secret_hash(key, secret, len, h) != JET_OK)
		return false;
	ok = jet_ct_equal(h, hash, sizeof(h));
	jet_wipe(h, sizeof(h));
	return ok;
}
