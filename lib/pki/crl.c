/*
 * crl.c - X.509 v2 certificate revocation lists (RFC 5280 section 5).
 *
 * A CRL carries thisUpdate = now, nextUpdate = now + validity, the revoked
 * serials with revocationDate = now, authorityKeyIdentifier (5.2.1, the
 * issuing CA's key id, so a verifier picks the right CA key) and cRLNumber
 * (5.2.3).  CRL numbers must grow for successive CRLs of one CA: they are
 * taken from the wall clock in microseconds and never repeat within the
 * process.  Signed with ecdsa-with-SHA256.
 */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "jet/pki.h"

static uint64_t
crl_number_next(void)
{
	static _Atomic uint64_t last;
	struct timespec ts;
	uint64_t now, prev, next;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	prev = atomic_load(&last);
	do {
		next = now > prev ? now : prev + 1;
	} while (!atomic_compare_exchange_weak(&last, &prev, next));
	return next;
}

static int
add_crl_exts(X509_CRL *crl, X509 *ca)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(ca);
	AUTHORITY_KEYID *akid = NULL;
	ASN1_INTEGER *num = NULL;
	BIGNUM *bn = NULL;
	int rc = JET_ETLS;

	if (ski != NULL) {
		akid = AUTHORITY_KEYID_new();
		if (akid == NULL || (akid->keyid = ASN1_OCTET_STRING_dup(ski)) == NULL ||
			X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid, 0,
				X509V3_ADD_DEFAULT) != 1)
			goto fail;
	}
	bn = BN_new();
	if (bn == NULL || BN_set_word(bn, crl_number_next()) != 1 ||
		(num = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
		X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, X509V3_ADD_DEFAULT) != 1)
		goto fail;
	rc = JET_OK;
fail:
	AUTHORITY_KEYID_free(akid);
	ASN1_INTEGER_free(num);
	BN_free(bn);
	return rc;
}

int
jet_pki_crl_new(X509 *ca, EVP_PKEY *ca_key, X509 *const *revoked, size_t n,
	int64_t next_update_s, X509_CRL **out)
{
	ASN1_TIME *now = NULL, *next = NULL;
	X509_CRL *crl = NULL;
	int rc = JET_ETLS;

	*out = NULL;
	if (ca == NULL || ca_key == NULL || (n > 0 && revoked == NULL) || next_update_s <= 0 ||
		next_update_s > 10LL * 366 * 24 * 3600)
		return JET_EINVAL;
	if (X509_check_private_key(ca, ca_key) != 1) {
		ERR_clear_error();
		return JET_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		/* A CRL speaks only for its issuer's certificates (5.3.3 aside). */
		if (revoked[i] == NULL ||
			X509_NAME_cmp(X509_get_issuer_name(revoked[i]), X509_get_subject_name(ca)) != 0)
			return JET_EINVAL;
	}
	crl = X509_CRL_new();
	now = X509_gmtime_adj(NULL, 0);
	next = X509_gmtime_adj(NULL, (long)next_update_s);
	if (crl == NULL || now == NULL || next == NULL) {
		rc = JET_ENOMEM;
		goto fail;
	}
	if (X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
		X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) != 1 ||
		X509_CRL_set1_lastUpdate(crl, now) != 1 || X509_CRL_set1_nextUpdate(crl, next) != 1)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		X509_REVOKED *r = X509_REVOKED_new();

		if (r == NULL ||
			X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked[i])) != 1 ||
			X509_REVOKED_set_revocationDate(r, now) != 1 || X509_CRL_add0_revoked(crl, r) != 1) {
			X509_REVOKED_free(r);
			goto fail;
		}
	}
	if (add_crl_exts(crl, ca) != JET_OK || X509_CRL_sort(crl) != 1 ||
		X509_CRL_sign(crl, ca_key, EVP_sha256()) <= 0)
		goto fail;
	*out = crl;
	crl = NULL;
	rc = JET_OK;
fail:
	ERR_clear_error();
	X509_CRL_free(crl);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	return rc;
}
