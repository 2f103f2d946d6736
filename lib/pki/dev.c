/*
 * dev.c - the development PKI `make run` and the embedded defaults use: a
 * local root CA and a server certificate for localhost, so a fresh checkout
 * speaks TLS (never plain HTTP) without any setup.
 *
 * Files in dir (created 0700):
 *   ca.crt      "Jetstream development CA", 10 years, pathlen 0
 *   ca.key      its key, 0600
 *   server.crt  leaf for DNS localhost, IP 127.0.0.1 and ::1, serverAuth,
 *               365 days (under the 398-day limit browsers enforce), followed
 *               by ca.crt so clients that only trust ca.crt get the chain
 *   server.key  0600
 *
 * Existing files are never overwritten: with all of ca.crt, server.crt and
 * server.key present nothing happens; with the CA pair present a missing or
 * half-present server pair is issued anew; with none of the four present
 * everything is generated; any other mix is an error that says what to do.
 * A key file with group/world access is refused, as the TLS layer would.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "jet/pki.h"

#define DEV_CA_DAYS 3650
#define DEV_LEAF_DAYS 365
#define DAY_S (24 * 3600)
/* Backdate a little so a client with a slightly slow clock accepts. */
#define DEV_BACKDATE_S 300

struct dev_paths {
	char ca_crt[512], ca_key[512], srv_crt[512], srv_key[512];
};

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* The same rule as jet_tls_check_key_file, kept local so the PKI module
 * does not depend on the TLS module. */
static int
check_key_mode(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return JET_OK; /* absent: will be generated */
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		snprintf(err, errlen,
			"key file %s: must be a regular file with mode 0600 (is %04o); fix or remove it",
			path, (unsigned)(st.st_mode & 07777));
		return JET_EPERM;
	}
	return JET_OK;
}

static int
make_ca(const struct dev_paths *p, X509 **ca, EVP_PKEY **ca_key, char *err, size_t errlen)
{
	struct jet_pki_cert_spec spec = {
		.common_name = "Jetstream development CA",
		.organization = "Jetstream development",
		.is_ca = true,
		.path_len = 0,
		.not_before_s = -DEV_BACKDATE_S,
		.not_after_s = (int64_t)DEV_CA_DAYS * DAY_S,
	};
	int rc;

	if ((rc = jet_pki_key_new(ca_key)) != JET_OK ||
		(rc = jet_pki_issue(&spec, *ca_key, NULL, NULL, ca)) != JET_OK) {
		snprintf(err, errlen, "cannot generate the development CA: %s", jet_strerror(rc));
		return rc;
	}
	/* Key first: a crash between the two leaves a key without a
	 * certificate, which the next start reports instead of trusting. */
	if ((rc = jet_pki_write_key(p->ca_key, *ca_key)) != JET_OK) {
		snprintf(err, errlen, "cannot write %s: %s", p->ca_key, jet_strerror(rc));
		return rc;
	}
	if ((rc = jet_pki_write_certs(p->ca_crt, ca, 1)) != JET_OK) {
		snprintf(err, errlen, "cannot write %s: %s", p->ca_crt, jet_strerror(rc));
		return rc;
	}
	return JET_OK;
}

static int
load_ca(const struct dev_paths *p, X509 **ca, EVP_PKEY **ca_key, char *err, size_t errlen)
{
	if (jet_pki_read_cert(p->ca_crt, ca) != JET_OK) {
		snprintf(err, errlen, "cannot read %s", p->ca_crt);
		return JET_EIO;
	}
	if (jet_pki_read_key(p->ca_key, ca_key) != JET_OK) {
		snprintf(err, errlen, "cannot read %s", p->ca_key);
		return JET_EIO;
	}
	if (X509_check_private_key(*ca, *ca_key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "%s does not match %s", p->ca_key, p->ca_crt);
		return JET_EINVAL;
	}
	return JET_OK;
}

static int
make_server(const struct dev_paths *p, X509 *ca, EVP_PKEY *ca_key, char *err, size_t errlen)
{
	static const char *const dns[] = { "localhost" };
	static const char *const ips[] = { "127.0.0.1", "::1" };
	struct jet_pki_cert_spec spec = {
		.common_name = "localhost",
		.organization = "Jetstream development",
		.dns = dns,
		.n_dns = 1,
		.ips = ips,
		.n_ips = 2,
		.eku = JET_PKI_EKU_SERVER,
		.not_before_s = -DEV_BACKDATE_S,
		.not_after_s = (int64_t)DEV_LEAF_DAYS * DAY_S,
	};
	EVP_PKEY *key = NULL;
	X509 *leaf = NULL;
	int rc;

	if ((rc = jet_pki_key_new(&key)) != JET_OK ||
		(rc = jet_pki_issue(&spec, key, ca, ca_key, &leaf)) != JET_OK) {
		snprintf(err, errlen, "cannot issue the development server certificate: %s",
			jet_strerror(rc));
		goto out;
	}
	if ((rc = jet_pki_write_key(p->srv_key, key)) != JET_OK) {
		snprintf(err, errlen, "cannot write %s: %s", p->srv_key, jet_strerror(rc));
		goto out;
	}
	{
		X509 *chain[2] = { leaf, ca };

		if ((rc = jet_pki_write_certs(p->srv_crt, chain, 2)) != JET_OK)
			snprintf(err, errlen, "cannot write %s: %s", p->srv_crt, jet_strerror(rc));
	}
out:
	EVP_PKEY_free(key);
	X509_free(leaf);
	return rc;
}

static bool
path_join(char *out, size_t outlen, const char *dir, const char *name)
{
	return (size_t)snprintf(out, outlen, "%s/%s", dir, name) < outlen;
}

int
jet_pki_dev_ensure(const char *dir, char *err, size_t errlen)
{
	struct dev_paths p;
	struct stat st;
	bool ca_crt, ca_key, srv_crt, srv_key;
	EVP_PKEY *key = NULL;
	X509 *ca = NULL;
	int rc;

	if (dir == NULL || dir[0] == '\0') {
		snprintf(err, errlen, "development PKI: no directory");
		return JET_EINVAL;
	}
	if (!path_join(p.ca_crt, sizeof(p.ca_crt), dir, "ca.crt") ||
		!path_join(p.ca_key, sizeof(p.ca_key), dir, "ca.key") ||
		!path_join(p.srv_crt, sizeof(p.srv_crt), dir, "server.crt") ||
		!path_join(p.srv_key, sizeof(p.srv_key), dir, "server.key")) {
		snprintf(err, errlen, "development PKI: directory path too long");
		return JET_ETOOBIG;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return JET_EIO;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		return JET_EIO;
	}
	if ((rc = check_key_mode(p.srv_key, err, errlen)) != JET_OK ||
		(rc = check_key_mode(p.ca_key, err, errlen)) != JET_OK)
		return rc;
	ca_crt = exists(p.ca_crt);
	ca_key = exists(p.ca_key);
	srv_crt = exists(p.srv_crt);
	srv_key = exists(p.srv_key);
	if (ca_crt && srv_crt && srv_key)
		return JET_OK;

	if (ca_crt && ca_key) {
		rc = load_ca(&p, &ca, &key, err, errlen);
	} else if (!ca_crt && !ca_key && !srv_crt && !srv_key) {
		rc = make_ca(&p, &ca, &key, err, errlen);
	} else {
		snprintf(err, errlen,
			"incomplete development PKI in %s (ca.crt %s, ca.key %s, server.crt %s, "
			"server.key %s): remove the directory to regenerate it",
			dir, ca_crt ? "present" : "missing", ca_key ? "present" : "missing",
			srv_crt ? "present" : "missing", srv_key ? "present" : "missing");
		return JET_EINVAL;
	}
	if (rc == JET_OK)
		rc = make_server(&p, ca, key, err, errlen);
	X509_free(ca);
	EVP_PKEY_free(key);
	return rc;
}
