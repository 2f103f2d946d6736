/*
 * testpki.c - see testpki.h.  Everything is issued with lib/pki, so these
 * tests also exercise the code that issues production certificates.
 */
#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "jet/pki.h"
#include "testpki.h"

#define HOUR_S 3600
#define DAY_S (24 * HOUR_S)

/* mkdir -p for the tmp root (its parent is the build directory). */
static int
mkdir_p(const char *path, mode_t mode)
{
	char buf[256];
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "%s", path);
	if (n >= sizeof(buf))
		return -1;
	for (size_t i = 1; i < n; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -1;
		buf[i] = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

static bool
join(char *out, size_t outlen, const char *dir, const char *name)
{
	return (size_t)snprintf(out, outlen, "%s/%s", dir, name) < outlen;
}

struct issued {
	X509 *cert;
	EVP_PKEY *key;
};

static void
issued_free(struct issued *i)
{
	X509_free(i->cert);
	EVP_PKEY_free(i->key);
	i->cert = NULL;
	i->key = NULL;
}

/* Issues a certificate, writes name.crt / name.key, and keeps both in out
 * when out is not NULL. */
static int
issue_pair(const struct jet_testpki *pki, const char *name, const struct jet_pki_cert_spec *spec,
	const struct issued *issuer, struct jet_testpki_pair *pair, char *crt_path,
	size_t crt_len, struct issued *out)
{
	struct issued me = { NULL, NULL };
	char file[64];
	char crt[512], key[512];
	int rc;

	snprintf(file, sizeof(file), "%s.crt", name);
	if (!join(crt, sizeof(crt), pki->dir, file))
		return JET_ETOOBIG;
	snprintf(file, sizeof(file), "%s.key", name);
	if (!join(key, sizeof(key), pki->dir, file))
		return JET_ETOOBIG;
	rc = jet_pki_key_new(&me.key);
	if (rc == JET_OK)
		rc = jet_pki_issue(spec, me.key, issuer ? issuer->cert : NULL,
			issuer ? issuer->key : NULL, &me.cert);
	if (rc == JET_OK)
		rc = jet_pki_write_certs(crt, &me.cert, 1);
	if (rc == JET_OK)
		rc = jet_pki_write_key(key, me.key);
	if (rc != JET_OK) {
		fprintf(stderr, "testpki: %s: %s\n", name, jet_strerror(rc));
		issued_free(&me);
		return rc;
	}
	if (pair != NULL) {
		snprintf(pair->cert, sizeof(pair->cert), "%s", crt);
		snprintf(pair->key, sizeof(pair->key), "%s", key);
	}
	if (crt_path != NULL)
		snprintf(crt_path, crt_len, "%s", crt);
	if (out != NULL)
		*out = me;
	else
		issued_free(&me);
	return JET_OK;
}

static int
write_crl(const struct jet_testpki *pki, const char *name, const struct issued *ca,
	X509 *const *revoked, size_t n, char *path, size_t pathlen)
{
	X509_CRL *crl = NULL;
	int rc;

	if (!join(path, pathlen, pki->dir, name))
		return JET_ETOOBIG;
	rc = jet_pki_crl_new(ca->cert, ca->key, revoked, n, 7 * DAY_S, &crl);
	if (rc == JET_OK)
		rc = jet_pki_write_crl(path, crl);
	X509_CRL_free(crl);
	if (rc != JET_OK)
		fprintf(stderr, "testpki: %s: %s\n", name, jet_strerror(rc));
	return rc;
}

static int
make_dir(struct jet_testpki *pki)
{
	static atomic_uint counter;
	const char *root = getenv("JET_TEST_TMP");

	if (root == NULL || root[0] == '\0')
		root = "/tmp";
	if (mkdir_p(root, 0755) != 0) {
		fprintf(stderr, "testpki: cannot create %s: %s\n", root, strerror(errno));
		return JET_EIO;
	}
	/* mkdtemp: a unique, fresh 0700 directory even when a killed run
	 * left one behind under a reused pid. */
	if ((size_t)snprintf(pki->dir, sizeof(pki->dir), "%s/pki-%u-XXXXXX", root,
		    atomic_fetch_add(&counter, 1)) >= sizeof(pki->dir))
		return JET_ETOOBIG;
	if (mkdtemp(pki->dir) == NULL) {
		fprintf(stderr, "testpki: cannot create %s: %s\n", pki->dir, strerror(errno));
		pki->dir[0] = '\0';
		return JET_EIO;
	}
	return JET_OK;
}

int
jet_testpki_create(struct jet_testpki *pki)
{
	static const char *const srv_dns[] = { "localhost" };
	static const char *const srv_ips[] = { "127.0.0.1", "::1" };
	static const char *const cli_dns[] = { JET_TESTPKI_CLIENT_DNS };
	static const char *const cli_uri[] = { JET_TESTPKI_CLIENT_URI };
	struct jet_pki_cert_spec ca_spec = {
		.common_name = "Jetstream test root CA",
		.organization = "Jetstream tests",
		.is_ca = true,
		.path_len = 1,
		.not_before_s = -HOUR_S,
		.not_after_s = 30 * DAY_S,
	};
	struct jet_pki_cert_spec srv = {
		.common_name = "localhost",
		.dns = srv_dns, .n_dns = 1,
		.ips = srv_ips, .n_ips = 2,
		.eku = JET_PKI_EKU_SERVER,
		.not_before_s = -HOUR_S,
		.not_after_s = 30 * DAY_S,
	};
	struct jet_pki_cert_spec cli = {
		.common_name = JET_TESTPKI_CLIENT_CN,
		.organization = "Jetstream tests",
		.dns = cli_dns, .n_dns = 1,
		.uris = cli_uri, .n_uris = 1,
		.eku = JET_PKI_EKU_CLIENT,
		.not_before_s = -HOUR_S,
		.not_after_s = 30 * DAY_S,
	};
	struct jet_pki_cert_spec s;
	struct issued ca = { 0 }, other = { 0 }, revoked = { 0 };
	int rc;

	memset(pki, 0, sizeof(*pki));
	if ((rc = make_dir(pki)) != JET_OK)
		return rc;
	if ((rc = issue_pair(pki, "ca", &ca_spec, NULL, NULL, pki->ca, sizeof(pki->ca), &ca)) !=
		JET_OK)
		goto out;
	join(pki->ca_key, sizeof(pki->ca_key), pki->dir, "ca.key");
	s = ca_spec;
	s.common_name = "Jetstream untrusted CA";
	if ((rc = issue_pair(pki, "other-ca", &s, NULL, NULL, pki->other_ca, sizeof(pki->other_ca),
		     &other)) != JET_OK)
		goto out;
	if ((rc = issue_pair(pki, "server", &srv, &ca, &pki->server, NULL, 0, NULL)) != JET_OK ||
		(rc = issue_pair(pki, "client", &cli, &ca, &pki->client, NULL, 0, NULL)) != JET_OK)
		goto out;
	s = cli;
	s.common_name = "device-noeku";
	s.eku = JET_PKI_EKU_NONE;
	if ((rc = issue_pair(pki, "client-noeku", &s, &ca, &pki->client_noeku, NULL, 0, NULL)) !=
		JET_OK)
		goto out;
	s.common_name = "device-server-eku";
	s.eku = JET_PKI_EKU_SERVER;
	if ((rc = issue_pair(pki, "client-server-eku", &s, &ca, &pki->client_server_eku, NULL, 0,
		     NULL)) != JET_OK)
		goto out;
	s = cli;
	s.common_name = "device-expired";
	s.not_before_s = -2 * DAY_S;
	s.not_after_s = -HOUR_S;
	if ((rc = issue_pair(pki, "client-expired", &s, &ca, &pki->client_expired, NULL, 0,
		     NULL)) != JET_OK)
		goto out;
	s = cli;
	s.common_name = "device-revoked";
	if ((rc = issue_pair(pki, "client-revoked", &s, &ca, &pki->client_revoked, NULL, 0,
		     &revoked)) != JET_OK)
		goto out;
	s.common_name = "device-wrong-ca";
	if ((rc = issue_pair(pki, "client-wrong-ca", &s, &other, &pki->client_wrong_ca, NULL, 0,
		     NULL)) != JET_OK)
		goto out;
	if ((rc = write_crl(pki, "crl.pem", &ca, &revoked.cert, 1, pki->crl, sizeof(pki->crl))) !=
		JET_OK ||
		(rc = write_crl(pki, "crl-empty.pem", &ca, NULL, 0, pki->crl_empty,
			 sizeof(pki->crl_empty))) != JET_OK)
		goto out;
out:
	issued_free(&ca);
	issued_free(&other);
	issued_free(&revoked);
	if (rc != JET_OK)
		jet_testpki_destroy(pki);
	return rc;
}

void
jet_testpki_destroy(struct jet_testpki *pki)
{
	struct dirent *de;
	DIR *d;

	if (pki == NULL || pki->dir[0] == '\0')
		return;
	d = opendir(pki->dir);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			char path[512];

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (join(path, sizeof(path), pki->dir, de->d_name))
				(void)unlink(path); /* never follows a symlink */
		}
		closedir(d);
	}
	(void)rmdir(pki->dir);
	pki->dir[0] = '\0';
}
