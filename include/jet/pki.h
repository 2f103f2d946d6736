/*
 * jet/pki.h - issuing keys, certificates and CRLs with OpenSSL: the
 * development PKI `make run` generates on first start, the test PKI the
 * suites generate, and (later) device enrolment.
 *
 * Keys are EC P-256.  Files holding private keys are written with mode 0600,
 * atomically (temporary file + rename), never over a symlink.
 */
#ifndef JET_PKI_H
#define JET_PKI_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "jet/core.h"

enum jet_pki_eku {
	JET_PKI_EKU_NONE = 0,
	JET_PKI_EKU_SERVER = 1 << 0, /* id-kp-serverAuth */
	JET_PKI_EKU_CLIENT = 1 << 1, /* id-kp-clientAuth */
};

struct jet_pki_cert_spec {
	const char *common_name;     /* required */
	const char *organization;    /* optional */
	const char *const *dns;      /* subjectAltName dNSName entries */
	size_t n_dns;
	const char *const *ips;      /* iPAddress entries, textual v4 or v6 */
	size_t n_ips;
	const char *const *uris;     /* uniformResourceIdentifier entries */
	size_t n_uris;
	bool is_ca;                  /* basicConstraints CA:TRUE + keyCertSign/cRLSign */
	int path_len;                /* for CAs; -1 for no constraint */
	unsigned eku;                /* enum jet_pki_eku bits; leaves only */
	int64_t not_before_s;        /* offset from now, may be negative */
	int64_t not_after_s;         /* offset from now, may be negative (expired) */
};

/* New EC P-256 key. */
int jet_pki_key_new(EVP_PKEY **out);

/*
 * Issues a certificate for subject_key.  issuer NULL: self-signed with
 * subject_key.  Serial numbers are 128 random bits.  Leaves get
 * digitalSignature key usage, SKI/AKI are set.  Returns JET_OK or an error.
 */
int jet_pki_issue(const struct jet_pki_cert_spec *spec, EVP_PKEY *subject_key, X509 *issuer,
	EVP_PKEY *issuer_key, X509 **out);

/* A CRL from ca listing the serials of revoked[0..n), valid for next_update_s. */
int jet_pki_crl_new(X509 *ca, EVP_PKEY *ca_key, X509 *const *revoked, size_t n,
	int64_t next_update_s, X509_CRL **out);

/* PEM writers.  Keys: 0600, refuse to follow symlinks, atomic replace. */
int jet_pki_write_key(const char *path, EVP_PKEY *key);
int jet_pki_write_certs(const char *path, X509 *const *chain, size_t n);
int jet_pki_write_crl(const char *path, X509_CRL *crl);

/* PEM readers (the first object in the file). */
int jet_pki_read_key(const char *path, EVP_PKEY **out);
int jet_pki_read_cert(const char *path, X509 **out);

/*
 * The development PKI: when dir (created 0700 if missing) lacks them,
 * writes dir/ca.crt and dir/ca.key (a development root), and dir/server.crt
 * (leaf + root) with dir/server.key for localhost, 127.0.0.1 and ::1.  Files
 * already present are kept.  err gets a one-line reason on failure.
 */
int jet_pki_dev_ensure(const char *dir, char *err, size_t errlen);

/*
 * The full development PKI for a gateway in front of private services:
 * jet_pki_dev_ensure(dir) first (its ca.crt/ca.key are the root), then in
 * dir, when missing:
 *   service-ca.crt/.key  CA under the root (pathlen 0) for gateway <-> services
 *   device-ca.crt/.key   CA under the root (pathlen 0) for devices
 *   gateway.crt/.key     leaf + service CA; serverAuth and clientAuth; SAN
 *                        URI spiffe://<trust_domain>/gateway, DNS localhost,
 *                        IP 127.0.0.1
 *   auth.crt/.key, api.crt/.key  the same with spiffe://<td>/service/<name>
 *   service-trust.pem    root + service CA (what gateway and services trust)
 *   device-trust.pem     root + device CA (what verifies devices)
 * trust_domain: NULL for "jetstream.local", else 1..200 of [a-z0-9.-] in
 * non-empty dot-separated labels; anything else is JET_EINVAL.
 * CAs 10 years, leaves 1 year.  Existing CAs are kept (a half-present or
 * foreign one is an error naming the file); a leaf is reissued when its
 * pair is incomplete, does not match, was not issued by the current service
 * CA, carries another SPIFFE ID or expires within 30 days; bundles are
 * rewritten when stale.  A root with pathLenConstraint 0 (written before
 * this function existed) is refused: remove dir to regenerate.  Returns
 * JET_OK, or an error with a one-line reason in err.
 */
int jet_pki_dev_ensure_full(const char *dir, const char *trust_domain, char *err,
	size_t errlen);

#endif /* JET_PKI_H */
