/*
 * dev.c - the development PKI `make run` and the embedded defaults use: a
 * local root CA and a server certificate for localhost, so a fresh checkout
 * speaks TLS (never plain HTTP) without any setup.
 *
 * Files in dir (created 0700):
 *   ca.crt      "Jetstream development CA", 10 years, pathlen 1 (room for
 *               the service and device CAs of jet_pki_dev_ensure_full)
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
 *
 * jet_pki_dev_ensure_full adds, under that root, a service CA (gateway <->
 * services mTLS) and a device CA, the gateway's and each private service's
 * certificate, and the two trust bundles; docs/internals/pki.md has the
 * layout and the rules for what is kept and what is reissued.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

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
		/* 1, not 0: the full development PKI hangs intermediates under it. */
		.path_len = 1,
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

/* Reads a certificate and its key and checks they belong together. */
static int
load_pair(const char *crt_path, const char *key_path, X509 **crt, EVP_PKEY **key, char *err,
	size_t errlen)
{
	if (jet_pki_read_cert(crt_path, crt) != JET_OK) {
		snprintf(err, errlen, "cannot read %s", crt_path);
		return JET_EIO;
	}
	if (jet_pki_read_key(key_path, key) != JET_OK) {
		snprintf(err, errlen, "cannot read %s", key_path);
		return JET_EIO;
	}
	if (X509_check_private_key(*crt, *key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "%s does not match %s", key_path, crt_path);
		return JET_EINVAL;
	}
	return JET_OK;
}

static int
load_ca(const struct dev_paths *p, X509 **ca, EVP_PKEY **ca_key, char *err, size_t errlen)
{
	return load_pair(p->ca_crt, p->ca_key, ca, ca_key, err, errlen);
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

/* ---- the full development PKI ---------------------------------------- */

#define TRUST_DOMAIN_MAX 200
#define TRUST_DOMAIN_DEFAULT "jetstream.local"
/* A kept leaf closer than this to its end is reissued on the next start. */
#define DEV_RENEW_S (30 * DAY_S)
/* Trust bundles hold two certificates; anything bigger is not ours. */
#define BUNDLE_MAX (64 * 1024)

/* Private listeners that get a certificate of their own. */
static const char *const dev_services[] = { "auth", "api" };

/* [a-z0-9.-], 1..200, dot-separated non-empty labels: a DNS-like name that
 * fits a SPIFFE ID and needs no escaping anywhere it is printed. */
static bool
trust_domain_ok(const char *td)
{
	size_t n = 0;
	char prev = '.';

	for (; td[n] != '\0'; n++) {
		char c = td[n];

		if (n >= TRUST_DOMAIN_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return false;
		if (c == '.' && prev == '.')
			return false;
		prev = c;
	}
	return n > 0 && prev != '.';
}

static bool
pair_paths(char *crt, char *key, size_t len, const char *dir, const char *base)
{
	return (size_t)snprintf(crt, len, "%s/%s.crt", dir, base) < len &&
		(size_t)snprintf(key, len, "%s/%s.key", dir, base) < len;
}

/* issuer's key signed x (not just the names match). */
static bool
signed_by(X509 *x, X509 *issuer)
{
	bool ok = X509_check_issued(issuer, x) == X509_V_OK &&
		X509_verify(x, X509_get0_pubkey(issuer)) == 1;

	ERR_clear_error();
	return ok;
}

/*
 * An intermediate CA under the root: kept when both files are present and
 * it was signed by this root, generated when both are absent, and any
 * other state is an error (reissuing a CA silently would orphan whatever
 * trusts the old one).  *made tells whether it was generated now.
 */
static int
ensure_sub_ca(const char *dir, const char *base, const char *cn, X509 *root,
	EVP_PKEY *root_key, X509 **ca, EVP_PKEY **key, char *err, size_t errlen)
{
	struct jet_pki_cert_spec spec = {
		.common_name = cn,
		.organization = "Jetstream development",
		.is_ca = true,
		.path_len = 0, /* issues leaves only */
		.not_before_s = -DEV_BACKDATE_S,
		.not_after_s = (int64_t)DEV_CA_DAYS * DAY_S,
	};
	char crt_path[512], key_path[512];
	bool has_crt, has_key;
	int rc;

	if (!pair_paths(crt_path, key_path, sizeof(crt_path), dir, base)) {
		snprintf(err, errlen, "development PKI: directory path too long");
		return JET_ETOOBIG;
	}
	if ((rc = check_key_mode(key_path, err, errlen)) != JET_OK)
		return rc;
	has_crt = exists(crt_path);
	has_key = exists(key_path);
	if (has_crt && has_key) {
		if ((rc = load_pair(crt_path, key_path, ca, key, err, errlen)) != JET_OK)
			return rc;
		if (!signed_by(*ca, root) || X509_get_pathlen(*ca) != 0) {
			snprintf(err, errlen,
				"%s is not a pathlen-0 CA issued by %s/ca.crt: remove the directory to "
				"regenerate the development PKI", crt_path, dir);
			return JET_EINVAL;
		}
		return JET_OK;
	}
	if (has_crt || has_key) {
		snprintf(err, errlen,
			"incomplete development PKI: %s.crt %s, %s.key %s in %s: remove the "
			"directory to regenerate it",
			base, has_crt ? "present" : "missing", base, has_key ? "present" : "missing",
			dir);
		return JET_EINVAL;
	}
	if ((rc = jet_pki_key_new(key)) != JET_OK ||
		(rc = jet_pki_issue(&spec, *key, root, root_key, ca)) != JET_OK) {
		snprintf(err, errlen, "cannot generate %s: %s", crt_path, jet_strerror(rc));
		return rc;
	}
	/* Key first, as for the root. */
	if ((rc = jet_pki_write_key(key_path, *key)) != JET_OK) {
		snprintf(err, errlen, "cannot write %s: %s", key_path, jet_strerror(rc));
		return rc;
	}
	if ((rc = jet_pki_write_certs(crt_path, ca, 1)) != JET_OK) {
		snprintf(err, errlen, "cannot write %s: %s", crt_path, jet_strerror(rc));
		return rc;
	}
	return JET_OK;
}

static bool
has_uri(X509 *x, const char *uri)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t want = strlen(uri);
	bool found = false;

	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_URI &&
			(size_t)ASN1_STRING_length(g->d.uniformResourceIdentifier) == want &&
			memcmp(ASN1_STRING_get0_data(g->d.uniformResourceIdentifier), uri, want) == 0)
			found = true;
	}
	GENERAL_NAMES_free(gens);
	return found;
}

/* A present leaf is kept only while it still fits: its key, this CA, this
 * trust domain, and more than DEV_RENEW_S of life left. */
static bool
leaf_current(const char *crt_path, const char *key_path, X509 *ca, const char *uri)
{
	X509 *leaf = NULL;
	EVP_PKEY *key = NULL;
	time_t renew = time(NULL) + DEV_RENEW_S;
	bool ok = false;

	if (!exists(crt_path) || !exists(key_path) ||
		jet_pki_read_cert(crt_path, &leaf) != JET_OK ||
		jet_pki_read_key(key_path, &key) != JET_OK)
		goto out;
	ok = X509_check_private_key(leaf, key) == 1 && signed_by(leaf, ca) && has_uri(leaf, uri) &&
		X509_cmp_time(X509_get0_notAfter(leaf), &renew) > 0;
out:
	ERR_clear_error();
	X509_free(leaf);
	EVP_PKEY_free(key);
	return ok;
}

/*
 * dir/<base>.crt (leaf + CA) and dir/<base>.key from the service CA, for
 * localhost / 127.0.0.1 and the SPIFFE ID uri.  Both EKUs: every party on
 * the service network is a TLS server for some peers and a client of
 * others (the gateway dials the services, a service may dial another).
 */
static int
ensure_leaf(const char *dir, const char *base, const char *uri, X509 *ca, EVP_PKEY *ca_key,
	char *err, size_t errlen)
{
	static const char *const dns[] = { "localhost" };
	static const char *const ips[] = { "127.0.0.1" };
	const char *uris[] = { uri };
	struct jet_pki_cert_spec spec = {
		.common_name = base,
		.organization = "Jetstream development",
		.dns = dns,
		.n_dns = 1,
		.ips = ips,
		.n_ips = 1,
		.uris = uris,
		.n_uris = 1,
		.eku = JET_PKI_EKU_SERVER | JET_PKI_EKU_CLIENT,
		.path_len = -1,
		.not_before_s = -DEV_BACKDATE_S,
		.not_after_s = (int64_t)DEV_LEAF_DAYS * DAY_S,
	};
	char crt_path[512], key_path[512];
	EVP_PKEY *key = NULL;
	X509 *leaf = NULL;
	int rc;

	if (!pair_paths(crt_path, key_path, sizeof(crt_path), dir, base)) {
		snprintf(err, errlen, "development PKI: directory path too long");
		return JET_ETOOBIG;
	}
	if ((rc = check_key_mode(key_path, err, errlen)) != JET_OK)
		return rc;
	if (leaf_current(crt_path, key_path, ca, uri))
		return JET_OK;
	if ((rc = jet_pki_key_new(&key)) != JET_OK ||
		(rc = jet_pki_issue(&spec, key, ca, ca_key, &leaf)) != JET_OK) {
		snprintf(err, errlen, "cannot issue %s: %s", crt_path, jet_strerror(rc));
		goto out;
	}
	if ((rc = jet_pki_write_key(key_path, key)) != JET_OK) {
		snprintf(err, errlen, "cannot write %s: %s", key_path, jet_strerror(rc));
		goto out;
	}
	{
		X509 *chain[2] = { leaf, ca };

		if ((rc = jet_pki_write_certs(crt_path, chain, 2)) != JET_OK)
			snprintf(err, errlen, "cannot write %s: %s", crt_path, jet_strerror(rc));
	}
out:
	EVP_PKEY_free(key);
	X509_free(leaf);
	return rc;
}

/* True when path holds exactly root then ca. */
static bool
bundle_current(const char *path, X509 *root, X509 *ca)
{
	STACK_OF(X509_INFO) *infos = NULL;
	struct stat st;
	BIO *bio = NULL;
	bool ok = false;

	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > BUNDLE_MAX)
		return false;
	bio = BIO_new_file(path, "r");
	if (bio == NULL)
		goto out;
	infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	ok = infos != NULL && sk_X509_INFO_num(infos) == 2 &&
		sk_X509_INFO_value(infos, 0)->x509 != NULL &&
		sk_X509_INFO_value(infos, 1)->x509 != NULL &&
		X509_cmp(sk_X509_INFO_value(infos, 0)->x509, root) == 0 &&
		X509_cmp(sk_X509_INFO_value(infos, 1)->x509, ca) == 0;
out:
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	ERR_clear_error();
	return ok;
}

/* A trust bundle holds public data only: rewritten whenever stale. */
static int
ensure_bundle(const char *dir, const char *name, X509 *root, X509 *ca, char *err, size_t errlen)
{
	X509 *chain[2] = { root, ca };
	char path[512];
	int rc;

	if (!path_join(path, sizeof(path), dir, name)) {
		snprintf(err, errlen, "development PKI: directory path too long");
		return JET_ETOOBIG;
	}
	if (bundle_current(path, root, ca))
		return JET_OK;
	if ((rc = jet_pki_write_certs(path, chain, 2)) != JET_OK)
		snprintf(err, errlen, "cannot write %s: %s", path, jet_strerror(rc));
	return rc;
}

int
jet_pki_dev_ensure_full(const char *dir, const char *trust_domain, char *err, size_t errlen)
{
	X509 *root = NULL, *svc_ca = NULL, *dev_ca = NULL;
	EVP_PKEY *root_key = NULL, *svc_key = NULL, *dev_key = NULL;
	char ca_crt[512], ca_key[512], uri[512];
	int rc;

	if (trust_domain == NULL)
		trust_domain = TRUST_DOMAIN_DEFAULT;
	if (!trust_domain_ok(trust_domain)) {
		/* Not echoed: it may come from anywhere. */
		snprintf(err, errlen,
			"development PKI: invalid trust domain (1..%d of a-z 0-9 . -, no empty label)",
			TRUST_DOMAIN_MAX);
		return JET_EINVAL;
	}
	if ((rc = jet_pki_dev_ensure(dir, err, errlen)) != JET_OK)
		return rc;
	if (!pair_paths(ca_crt, ca_key, sizeof(ca_crt), dir, "ca")) {
		snprintf(err, errlen, "development PKI: directory path too long");
		return JET_ETOOBIG;
	}
	if ((rc = check_key_mode(ca_key, err, errlen)) != JET_OK ||
		(rc = load_pair(ca_crt, ca_key, &root, &root_key, err, errlen)) != JET_OK)
		goto out;
	if (X509_get_pathlen(root) == 0) {
		/* Roots written before the full PKI existed: they cannot carry
		 * intermediates, and replacing a root silently is not ours to do. */
		snprintf(err, errlen,
			"%s has pathLenConstraint 0 and cannot issue the service and device CAs: "
			"remove %s to regenerate the development PKI", ca_crt, dir);
		rc = JET_EINVAL;
		goto out;
	}
	if ((rc = ensure_sub_ca(dir, "service-ca", "Jetstream development service CA", root,
		     root_key, &svc_ca, &svc_key, err, errlen)) != JET_OK ||
		(rc = ensure_sub_ca(dir, "device-ca", "Jetstream development device CA", root,
			 root_key, &dev_ca, &dev_key, err, errlen)) != JET_OK)
		goto out;

	/* Cannot overflow: the trust domain is at most 200 bytes. */
	(void)snprintf(uri, sizeof(uri), "spiffe://%s/gateway", trust_domain);
	if ((rc = ensure_leaf(dir, "gateway", uri, svc_ca, svc_key, err, errlen)) != JET_OK)
		goto out;
	for (size_t i = 0; i < sizeof(dev_services) / sizeof(dev_services[0]); i++) {
		(void)snprintf(uri, sizeof(uri), "spiffe://%s/service/%s", trust_domain,
			dev_services[i]);
		if ((rc = ensure_leaf(dir, dev_services[i], uri, svc_ca, svc_key, err, errlen)) !=
			JET_OK)
			goto out;
	}
	if ((rc = ensure_bundle(dir, "service-trust.pem", root, svc_ca, err, errlen)) != JET_OK ||
		(rc = ensure_bundle(dir, "device-trust.pem", root, dev_ca, err, errlen)) != JET_OK)
		goto out;
out:
	X509_free(root);
	X509_free(svc_ca);
	X509_free(dev_ca);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(svc_key);
	EVP_PKEY_free(dev_key);
	return rc;
}
