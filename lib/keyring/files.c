/*
 * files.c - the keyring directory: its checks, keys.json reads and atomic
 * writes, and the PEM key files.
 *
 * Invariants:
 *  - The directory is the user's own and closed to group and others (0700):
 *    whoever can write into it can replace keys.json and choose the signing
 *    key.
 *  - Key files are read through O_NOFOLLOW descriptors and checked with
 *    fstat (regular, owned, no group or other access), so the file checked
 *    is the file read; the PEM text is wiped once parsed.
 *  - keys.json is replaced atomically (temporary file, fsync, rename, fsync
 *    of the directory): a reader sees the old state or the new one.
 *  - Error messages name the file at fault and never carry key material.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "jet/pki.h"
#include "keyring_int.h"

void
kr_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
kr_path(char *out, size_t outlen, const char *dir, const char *name, const char *suffix)
{
	int n = snprintf(out, outlen, "%s/%s%s", dir, name, suffix);

	return n < 0 || (size_t)n >= outlen ? JET_ETOOBIG : JET_OK;
}

/* The mode test shared by every file and the directory. */
static int
check_owned_private(const struct stat *st, const char *what, const char *name, char *err,
	size_t errlen)
{
	if (st->st_uid != geteuid()) {
		kr_err(err, errlen, "%s %s: not owned by this user", what, name);
		return JET_EPERM;
	}
	if ((st->st_mode & 077) != 0) {
		kr_err(err, errlen, "%s %s: accessible by group or others (mode %04o); chmod %s it",
			what, name, (unsigned)(st->st_mode & 07777),
			S_ISDIR(st->st_mode) ? "700" : "600");
		return JET_EPERM;
	}
	return JET_OK;
}

int
kr_dir_prepare(const char *dir, char *err, size_t errlen)
{
	char path[KR_PATH_MAX];
	struct stat st;
	size_t len;

	if (dir == NULL || dir[0] == '\0' || (len = strlen(dir)) >= sizeof(path)) {
		kr_err(err, errlen, "keyring directory: invalid path");
		return JET_EINVAL;
	}
	/* mkdir -p, each new component 0700 (existing parents are left as
	 * they are: only the keyring directory itself is checked). */
	memcpy(path, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			kr_err(err, errlen, "keyring directory %s: %s", path, strerror(errno));
			return JET_EIO;
		}
		if (i < len)
			path[i] = '/';
	}
	if (lstat(dir, &st) != 0) {
		kr_err(err, errlen, "keyring directory %s: %s", dir, strerror(errno));
		return JET_EIO;
	}
	if (!S_ISDIR(st.st_mode)) {
		kr_err(err, errlen, "keyring directory %s: not a directory", dir);
		return JET_EPERM;
	}
	return check_owned_private(&st, "keyring directory", dir, err, errlen);
}

bool
kr_dir_has_pem(const char *dir)
{
	struct dirent *de;
	bool found = false;
	DIR *d = opendir(dir);

	if (d == NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		found = n > 4 && strcmp(de->d_name + n - 4, ".pem") == 0;
	}
	closedir(d);
	return found;
}

/* Reads the whole of fd (at most max bytes) into a new buffer with a NUL
 * after the data. */
static int
read_fd(int fd, size_t max, char **data, size_t *len)
{
	struct stat st;
	size_t n = 0, cap;
	char *buf;

	if (fstat(fd, &st) != 0)
		return JET_EIO;
	if ((uint64_t)st.st_size > max)
		return JET_ETOOBIG;
	/* +1: room to notice growth since fstat, and the NUL. */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (buf == NULL)
		return JET_ENOMEM;
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return JET_EIO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap) {
			/* Grew while being read: a writer that does not rename. */
			jet_wipe(buf, cap);
			free(buf);
			return JET_EIO;
		}
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return JET_OK;
}

/* Opens dir/name read-only without following a symlink and checks the
 * descriptor.  Returns the descriptor or a negative error. */
static int
open_private(const char *dir, const char *name, const char *suffix, const char *what,
	struct stat *st, char *err, size_t errlen)
{
	char path[KR_PATH_MAX];
	char shown[JET_JWK_KID_MAX + 16];
	int fd, rc;

	snprintf(shown, sizeof(shown), "%s%s", name, suffix);
	if (kr_path(path, sizeof(path), dir, name, suffix) != JET_OK) {
		kr_err(err, errlen, "%s %s: path too long", what, shown);
		return JET_ETOOBIG;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT) {
			kr_err(err, errlen, "%s %s: missing", what, shown);
			return JET_ENOTFOUND;
		}
		if (errno == ELOOP) {
			kr_err(err, errlen, "%s %s: is a symlink", what, shown);
			return JET_EPERM;
		}
		kr_err(err, errlen, "%s %s: %s", what, shown, strerror(errno));
		return JET_EIO;
	}
	if (fstat(fd, st) != 0) {
		kr_err(err, errlen, "%s %s: %s", what, shown, strerror(errno));
		close(fd);
		return JET_EIO;
	}
	if (!S_ISREG(st->st_mode)) {
		kr_err(err, errlen, "%s %s: not a regular file", what, shown);
		close(fd);
		return JET_EPERM;
	}
	rc = check_owned_private(st, what, shown, err, errlen);
	if (rc != JET_OK) {
		close(fd);
		return rc;
	}
	return fd;
}

int
kr_state_read(const char *dir, struct kr_state *state, int *fdp, struct stat *st, char *err,
	size_t errlen)
{
	char *data = NULL;
	size_t len = 0;
	int fd, rc;

	*fdp = -1;
	fd = open_private(dir, KR_STATE_FILE, "", "state file", st, err, errlen);
	if (fd < 0)
		return fd;
	rc = read_fd(fd, JET_KEYRING_STATE_MAX, &data, &len);
	if (rc != JET_OK) {
		kr_err(err, errlen, "state file %s: %s", KR_STATE_FILE,
			rc == JET_ETOOBIG ? "too large" : "read failed");
		close(fd);
		return rc;
	}
	rc = kr_state_parse(data, len, state, err, errlen);
	free(data);
	if (rc != JET_OK) {
		close(fd);
		return rc;
	}
	*fdp = fd;
	return JET_OK;
}

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

int
kr_state_write(const char *dir, const struct kr_state *state, char *err, size_t errlen)
{
	char path[KR_PATH_MAX], tmp[KR_PATH_MAX], sfx[32];
	unsigned char rnd[8];
	struct jet_buf b;
	int fd = -1, dfd, rc;

	jet_buf_init(&b, JET_KEYRING_STATE_MAX);
	rc = kr_state_dump(state, &b);
	if (rc != JET_OK) {
		kr_err(err, errlen, "state file: cannot serialise");
		goto out;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		ERR_clear_error();
		kr_err(err, errlen, "state file: no randomness");
		rc = JET_ETLS;
		goto out;
	}
	snprintf(sfx, sizeof(sfx), ".tmp-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
		rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	if (kr_path(path, sizeof(path), dir, KR_STATE_FILE, "") != JET_OK ||
		kr_path(tmp, sizeof(tmp), dir, KR_STATE_FILE, sfx) != JET_OK) {
		kr_err(err, errlen, "state file: path too long");
		rc = JET_ETOOBIG;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		kr_err(err, errlen, "state file: cannot create a temporary file: %s",
			strerror(errno));
		rc = JET_EIO;
		goto out;
	}
	if (fchmod(fd, 0600) != 0 || write_all(fd, b.data, b.len) != 0 || fsync(fd) != 0) {
		kr_err(err, errlen, "state file: write failed: %s", strerror(errno));
		rc = JET_EIO;
		goto out_unlink;
	}
	rc = close(fd);
	fd = -1;
	if (rc != 0 || rename(tmp, path) != 0) {
		kr_err(err, errlen, "state file: replace failed: %s", strerror(errno));
		rc = JET_EIO;
		goto out_unlink;
	}
	/* The rename is durable once the directory is. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = JET_OK;
	goto out;
out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	jet_buf_cleanup(&b);
	return rc;
}

bool
kr_state_changed(const char *dir, const struct stat *old)
{
	char path[KR_PATH_MAX];
	struct stat st;

	if (kr_path(path, sizeof(path), dir, KR_STATE_FILE, "") != JET_OK ||
		lstat(path, &st) != 0)
		return true;
	return st.st_dev != old->st_dev || st.st_ino != old->st_ino ||
		st.st_size != old->st_size || st.st_mtim.tv_sec != old->st_mtim.tv_sec ||
		st.st_mtim.tv_nsec != old->st_mtim.tv_nsec;
}

int
kr_key_load(const char *dir, const char *kid, enum jet_jws_alg alg, struct jet_jwk **out,
	char *err, size_t errlen)
{
	struct stat st;
	EVP_PKEY *pkey = NULL;
	char *pem = NULL;
	size_t len = 0;
	BIO *bio;
	int fd, rc;

	*out = NULL;
	fd = open_private(dir, kid, ".pem", "key file", &st, err, errlen);
	if (fd < 0)
		return fd;
	rc = read_fd(fd, KR_PEM_MAX, &pem, &len);
	close(fd);
	if (rc != JET_OK) {
		kr_err(err, errlen, "key file %s.pem: %s", kid,
			rc == JET_ETOOBIG ? "too large" : "read failed");
		return rc;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio != NULL) {
		pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	ERR_clear_error();
	jet_wipe(pem, len);
	free(pem);
	if (pkey == NULL) {
		kr_err(err, errlen, "key file %s.pem: not a PEM private key", kid);
		return JET_EINVAL;
	}
	rc = jet_jwk_from_pkey(pkey, alg, kid, out);
	if (rc != JET_OK) {
		EVP_PKEY_free(pkey);
		kr_err(err, errlen, "key file %s.pem: not a %s key", kid, jet_jws_alg_name(alg));
		return rc;
	}
	return JET_OK;
}

int
kr_key_write(const char *dir, const struct jet_jwk *k, char *err, size_t errlen)
{
	char path[KR_PATH_MAX];
	int rc;

	if (kr_path(path, sizeof(path), dir, k->kid, ".pem") != JET_OK) {
		kr_err(err, errlen, "key file: path too long");
		return JET_ETOOBIG;
	}
	rc = jet_pki_write_key(path, k->pkey);
	if (rc != JET_OK)
		kr_err(err, errlen, "key file %s.pem: write failed (%s)", k->kid, jet_strerror(rc));
	return rc;
}

void
kr_key_unlink(const char *dir, const char *kid)
{
	char path[KR_PATH_MAX];

	if (kr_path(path, sizeof(path), dir, kid, ".pem") == JET_OK)
		(void)unlink(path);
}
