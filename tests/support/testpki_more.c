/*
 * testpki_more.c - see testpki_more.h.  Built with the library's own PKI
 * module, like the rest of the test PKI.
 */
#include <stdio.h>

#include <openssl/x509.h>

#include "jet/pki.h"
#include "testpki_more.h"

int
jet_testpki_server2(const struct jet_testpki *pki, struct jet_testpki_pair *out)
{
	static const char *const dns[] = { "localhost" };
	static const char *const ips[] = { "127.0.0.1", "::1" };
	struct jet_pki_cert_spec spec = {
		.common_name = "jetstream test server 2", .dns = dns, .n_dns = 1, .ips = ips,
		.n_ips = 2, .eku = JET_PKI_EKU_SERVER, .path_len = -1, .not_before_s = -60,
		.not_after_s = 86400,
	};
	EVP_PKEY *ca_key = NULL, *key = NULL;
	X509 *ca = NULL, *cert = NULL;
	int rc;

	snprintf(out->cert, sizeof(out->cert), "%s/server2.crt", pki->dir);
	snprintf(out->key, sizeof(out->key), "%s/server2.key", pki->dir);
	rc = jet_pki_read_cert(pki->ca, &ca);
	if (rc == JET_OK)
		rc = jet_pki_read_key(pki->ca_key, &ca_key);
	if (rc == JET_OK)
		rc = jet_pki_key_new(&key);
	if (rc == JET_OK)
		rc = jet_pki_issue(&spec, key, ca, ca_key, &cert);
	if (rc == JET_OK)
		rc = jet_pki_write_key(out->key, key);
	if (rc == JET_OK)
		rc = jet_pki_write_certs(out->cert, &cert, 1);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
	return rc;
}

int
jet_testpki_crl_revoking(const struct jet_testpki *pki, const char *const *certs, size_t n,
	const char *out_path)
{
	X509 *revoked[8] = { 0 };
	EVP_PKEY *ca_key = NULL;
	X509 *ca = NULL;
	X509_CRL *crl = NULL;
	int rc;

	if (n > 8)
		return JET_ETOOBIG;
	rc = jet_pki_read_cert(pki->ca, &ca);
	if (rc == JET_OK)
		rc = jet_pki_read_key(pki->ca_key, &ca_key);
	for (size_t i = 0; i < n && rc == JET_OK; i++)
		rc = jet_pki_read_cert(certs[i], &revoked[i]);
	if (rc == JET_OK)
		rc = jet_pki_crl_new(ca, ca_key, revoked, n, 3600, &crl);
	if (rc == JET_OK)
		rc = jet_pki_write_crl(out_path, crl);
	X509_CRL_free(crl);
	for (size_t i = 0; i < n; i++)
		X509_free(revoked[i]);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return rc;
}
