/*
 * issue.c - EC P-256 keys and X.509 v3 certificates (RFC 5280).
 *
 * Every certificate gets:
 *  - a 128-bit random positive serial (CA/B Forum BR 7.1 asks for >= 64
 *    bits of CSPRNG output; unpredictable serials defeat chosen-prefix
 *    collision tricks);
 *  - basicConstraints, critical (4.2.1.9); keyUsage, critical (4.2.1.3):
 *    keyCertSign|cRLSign for CAs, digitalSignature for leaves (ECDSA keys
 *    only sign);
 *  - subjectKeyIdentifier (method 1 of 4.2.1.2: SHA-1 of the key bits) and
 *    authorityKeyIdentifier with the issuer's key id (4.2.1.1);
 *  - extendedKeyUsage (4.2.1.12) for leaves that ask for it;
 *  - subjectAltName built as typed GeneralNames, never through OpenSSL's
 *    "DNS:a,IP:b" configuration strings, so a name cannot smuggle in a
 *    second entry;
 *  - an ecdsa-with-SHA256 signature.
 */
#include <limits.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "jet/pki.h"

/* Longest name accepted in a certificate; matches the identity limit of
 * jet/tls.h so what we issue is always what we accept. */
#define PKI_NAME_MAX 255

int
jet_pki_key_new(EVP_PKEY **out)
{
	*out = EVP_EC_gen("P-256");
	return *out != NULL ? JET_OK : JET_ETLS;
}

/* DNS names: LDH labels, dots, and a "*." wildcard prefix only. */
static bool
dns_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PKI_NAME_MAX)
		return false;
	if (s[0] == '*' && s[1] == '.')
		s += 2;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* URIs: printable ASCII without spaces, with a scheme. */
static bool
uri_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PKI_NAME_MAX || strchr(s, ':') == NULL)
		return false;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return false;
	}
	return true;
}

static bool
push_ia5(GENERAL_NAMES *gens, int type, const char *s)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

	if (g == NULL || ia5 == NULL || ASN1_STRING_set(ia5, s, (int)strlen(s)) != 1)
		goto fail;
	GENERAL_NAME_set0_value(g, type, ia5);
	ia5 = NULL;
	if (sk_GENERAL_NAME_push(gens, g) == 0)
		goto fail;
	return true;
fail:
	ASN1_IA5STRING_free(ia5);
	GENERAL_NAME_free(g);
	return false;
}

static bool
push_ip(GENERAL_NAMES *gens, const char *s)
{
	GENERAL_NAME *g;
	ASN1_OCTET_STRING *ip = a2i_IPADDRESS(s);

	if (ip == NULL)
		return false;
	g = GENERAL_NAME_new();
	if (g == NULL) {
		ASN1_OCTET_STRING_free(ip);
		return false;
	}
	GENERAL_NAME_set0_value(g, GEN_IPADD, ip);
	if (sk_GENERAL_NAME_push(gens, g) == 0) {
		GENERAL_NAME_free(g);
		return false;
	}
	return true;
}

static int
add_san(X509 *x, const struct jet_pki_cert_spec *spec)
{
	GENERAL_NAMES *gens;
	int rc = JET_EINVAL;

	if (spec->n_dns + spec->n_ips + spec->n_uris == 0)
		return JET_OK;
	gens = sk_GENERAL_NAME_new_null();
	if (gens == NULL)
		return JET_ENOMEM;
	for (size_t i = 0; i < spec->n_dns; i++)
		if (spec->dns[i] == NULL || !dns_ok(spec->dns[i]) ||
			!push_ia5(gens, GEN_DNS, spec->dns[i]))
			goto fail;
	for (size_t i = 0; i < spec->n_ips; i++)
		if (spec->ips[i] == NULL || !push_ip(gens, spec->ips[i]))
			goto fail;
	for (size_t i = 0; i < spec->n_uris; i++)
		if (spec->uris[i] == NULL || !uri_ok(spec->uris[i]) ||
			!push_ia5(gens, GEN_URI, spec->uris[i]))
			goto fail;
	/* Critical only when the subject is empty (5280 4.2.1.6); ours has a CN. */
	rc = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) == 1
		? JET_OK
		: JET_ETLS;
fail:
	GENERAL_NAMES_free(gens);
	return rc;
}

static int
add_constraints(X509 *x, const struct jet_pki_cert_spec *spec)
{
	BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
	ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
	int rc = JET_ETLS;

	if (bc == NULL || ku == NULL)
		goto fail;
	bc->ca = spec->is_ca ? 0xff : 0;
	if (spec->is_ca && spec->path_len >= 0) {
		bc->pathlen = ASN1_INTEGER_new();
		if (bc->pathlen == NULL || ASN1_INTEGER_set(bc->pathlen, spec->path_len) != 1)
			goto fail;
	}
	if (X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1, X509V3_ADD_DEFAULT) != 1)
		goto fail;
	/* Bit numbers of RFC 5280 KeyUsage. */
	if (spec->is_ca) {
		if (ASN1_BIT_STRING_set_bit(ku, 5, 1) != 1 || /* keyCertSign */
			ASN1_BIT_STRING_set_bit(ku, 6, 1) != 1)  /* cRLSign */
			goto fail;
	} else if (ASN1_BIT_STRING_set_bit(ku, 0, 1) != 1) { /* digitalSignature */
		goto fail;
	}
	if (X509_add1_ext_i2d(x, NID_key_usage, ku, 1, X509V3_ADD_DEFAULT) != 1)
		goto fail;
	rc = JET_OK;
fail:
	BASIC_CONSTRAINTS_free(bc);
	ASN1_BIT_STRING_free(ku);
	return rc;
}

static int
add_eku(X509 *x, unsigned eku)
{
	EXTENDED_KEY_USAGE *ext;
	int rc = JET_ETLS;

	if (eku == JET_PKI_EKU_NONE)
		return JET_OK;
	ext = sk_ASN1_OBJECT_new_null();
	if (ext == NULL)
		return JET_ENOMEM;
	/* OBJ_nid2obj returns static objects: pushing them is not a copy to free. */
	if ((eku & JET_PKI_EKU_SERVER) && sk_ASN1_OBJECT_push(ext, OBJ_nid2obj(NID_server_auth)) == 0)
		goto fail;
	if ((eku & JET_PKI_EKU_CLIENT) && sk_ASN1_OBJECT_push(ext, OBJ_nid2obj(NID_client_auth)) == 0)
		goto fail;
	if (X509_add1_ext_i2d(x, NID_ext_key_usage, ext, 0, X509V3_ADD_DEFAULT) == 1)
		rc = JET_OK;
fail:
	sk_ASN1_OBJECT_pop_free(ext, ASN1_OBJECT_free);
	return rc;
}

/* SKI of x from its own key; AKI from the issuer's SKI (or key). */
static int
add_key_ids(X509 *x, X509 *issuer)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	ASN1_OCTET_STRING *ski = ASN1_OCTET_STRING_new();
	AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
	const ASN1_OCTET_STRING *issuer_ski;
	int rc = JET_ETLS;

	if (ski == NULL || akid == NULL)
		goto fail;
	if (X509_pubkey_digest(x, EVP_sha1(), md, &mdlen) != 1 ||
		ASN1_OCTET_STRING_set(ski, md, (int)mdlen) != 1 ||
		X509_add1_ext_i2d(x, NID_subject_key_identifier, ski, 0, X509V3_ADD_DEFAULT) != 1)
		goto fail;
	issuer_ski = issuer == x ? ski : X509_get0_subject_key_id(issuer);
	akid->keyid = issuer_ski != NULL ? ASN1_OCTET_STRING_dup(issuer_ski)
					 : ASN1_OCTET_STRING_new();
	if (akid->keyid == NULL)
		goto fail;
	if (issuer_ski == NULL &&
		(X509_pubkey_digest(issuer, EVP_sha1(), md, &mdlen) != 1 ||
			ASN1_OCTET_STRING_set(akid->keyid, md, (int)mdlen) != 1))
		goto fail;
	if (X509_add1_ext_i2d(x, NID_authority_key_identifier, akid, 0, X509V3_ADD_DEFAULT) != 1)
		goto fail;
	rc = JET_OK;
fail:
	ASN1_OCTET_STRING_free(ski);
	AUTHORITY_KEYID_free(akid);
	return rc;
}

static int
set_serial(X509 *x)
{
	BIGNUM *bn = BN_new();
	int rc = JET_ETLS;

	if (bn == NULL)
		return JET_ENOMEM;
	do {
		if (BN_rand(bn, 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1)
			goto fail;
	} while (BN_is_zero(bn)); /* 5280 4.1.2.2: positive */
	if (BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL)
		rc = JET_OK;
fail:
	BN_free(bn);
	return rc;
}

static int
set_names(X509 *x, const struct jet_pki_cert_spec *spec, X509 *issuer)
{
	X509_NAME *name = X509_get_subject_name(x);

	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
		    (const unsigned char *)spec->common_name, -1, -1, 0) != 1)
		return JET_EINVAL;
	if (spec->organization != NULL &&
		X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
			(const unsigned char *)spec->organization, -1, -1, 0) != 1)
		return JET_EINVAL;
	if (X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name) != 1)
		return JET_ETLS;
	return JET_OK;
}

static bool
spec_ok(const struct jet_pki_cert_spec *spec, EVP_PKEY *subject_key, X509 *issuer,
	EVP_PKEY *issuer_key)
{
	if (spec == NULL || subject_key == NULL || spec->common_name == NULL ||
		spec->common_name[0] == '\0' || strlen(spec->common_name) > 64) /* ub-common-name */
		return false;
	if ((spec->n_dns > 0 && spec->dns == NULL) || (spec->n_ips > 0 && spec->ips == NULL) ||
		(spec->n_uris > 0 && spec->uris == NULL))
		return false;
	/* An EKU on a CA constrains every certificate under it in OpenSSL's
	 * chain checks; keep CAs unconstrained and put EKUs on leaves. */
	if (spec->is_ca && spec->eku != JET_PKI_EKU_NONE)
		return false;
	if ((spec->eku & ~(unsigned)(JET_PKI_EKU_SERVER | JET_PKI_EKU_CLIENT)) != 0)
		return false;
	if (spec->not_after_s <= spec->not_before_s || spec->not_before_s < LONG_MIN / 2 ||
		spec->not_after_s > LONG_MAX / 2)
		return false;
	if ((issuer == NULL) != (issuer_key == NULL))
		return false;
	return true;
}

int
jet_pki_issue(const struct jet_pki_cert_spec *spec, EVP_PKEY *subject_key, X509 *issuer,
	EVP_PKEY *issuer_key, X509 **out)
{
	X509 *x;
	int rc = JET_ETLS;

	*out = NULL;
	if (!spec_ok(spec, subject_key, issuer, issuer_key))
		return JET_EINVAL;
	if (issuer != NULL && X509_check_private_key(issuer, issuer_key) != 1) {
		ERR_clear_error();
		return JET_EINVAL;
	}
	x = X509_new();
	if (x == NULL)
		return JET_ENOMEM;
	if (X509_set_version(x, X509_VERSION_3) != 1 || set_serial(x) != JET_OK)
		goto fail;
	if ((rc = set_names(x, spec, issuer)) != JET_OK)
		goto fail;
	rc = JET_ETLS;
	if (X509_gmtime_adj(X509_getm_notBefore(x), (long)spec->not_before_s) == NULL ||
		X509_gmtime_adj(X509_getm_notAfter(x), (long)spec->not_after_s) == NULL ||
		X509_set_pubkey(x, subject_key) != 1)
		goto fail;
	if ((rc = add_constraints(x, spec)) != JET_OK || (rc = add_eku(x, spec->eku)) != JET_OK ||
		(rc = add_san(x, spec)) != JET_OK ||
		(rc = add_key_ids(x, issuer != NULL ? issuer : x)) != JET_OK)
		goto fail;
	rc = JET_ETLS;
	if (X509_sign(x, issuer_key != NULL ? issuer_key : subject_key, EVP_sha256()) <= 0)
		goto fail;
	*out = x;
	return JET_OK;
fail:
	ERR_clear_error();
	X509_free(x);
	return rc;
}
