/*
 * identity.c - what a handler may know about the client certificate of a
 * connection: subject, SAN URIs and DNS names, the SHA-256 thumbprint used
 * for certificate-bound tokens (RFC 8705 3.1, "x5t#S256") and the expiry.
 *
 * Invariants:
 *  - An identity is filled only from a certificate OpenSSL verified on this
 *    connection (or on the session it resumed), and that carries the
 *    clientAuth EKU; this repeats the handshake's check so a caller cannot
 *    get an identity from a context configured without it.
 *  - Nothing is truncated or silently dropped: a name that does not fit,
 *    holds a NUL or a control byte, or a SAN list longer than
 *    JET_TLS_MAX_SAN, refuses the whole identity (JET_EPERM).  A truncated
 *    name could match a different, shorter identity.
 *  - On any result other than JET_OK, *id is zeroed.
 */
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls_int.h"

/* Copies an IA5String SAN into dst when it is printable ASCII and fits. */
static bool
copy_ia5(char *dst, size_t dstlen, const ASN1_IA5STRING *s)
{
	const unsigned char *p = ASN1_STRING_get0_data(s);
	int n = ASN1_STRING_length(s);

	if (p == NULL || n <= 0 || (size_t)n >= dstlen)
		return false;
	for (int i = 0; i < n; i++) {
		if (p[i] < 0x21 || p[i] > 0x7e)
			return false; /* NUL, controls, space, DEL, 8-bit */
	}
	memcpy(dst, p, (size_t)n);
	dst[n] = '\0';
	return true;
}

static int
fill_sans(X509 *cert, struct jet_peer_identity *id)
{
	GENERAL_NAMES *gens;
	int crit = -1, rc = JET_OK;

	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
	if (gens == NULL)
		/* -1: no SAN; -2: the extension appears twice, which RFC 5280
		 * forbids and which would make "the" SANs ambiguous. */
		return crit == -1 ? JET_OK : JET_EPERM;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens) && rc == JET_OK; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_URI) {
			if (id->n_uri >= JET_TLS_MAX_SAN ||
				!copy_ia5(id->san_uri[id->n_uri], JET_TLS_NAME_MAX,
					g->d.uniformResourceIdentifier))
				rc = JET_EPERM;
			else
				id->n_uri++;
		} else if (g->type == GEN_DNS) {
			if (id->n_dns >= JET_TLS_MAX_SAN ||
				!copy_ia5(id->san_dns[id->n_dns], JET_TLS_NAME_MAX, g->d.dNSName))
				rc = JET_EPERM;
			else
				id->n_dns++;
		}
	}
	GENERAL_NAMES_free(gens);
	return rc;
}

static bool
fill_subject(X509 *cert, char *dst, size_t dstlen)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;
	bool ok = false;

	if (bio == NULL)
		return false;
	/* RFC 2253 flags escape controls and 8-bit bytes, so the result is
	 * printable ASCII; the checks below keep it that way regardless. */
	if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(bio, &p);
		if (n >= 0 && (size_t)n < dstlen && (n == 0 || memchr(p, '\0', (size_t)n) == NULL)) {
			memcpy(dst, p, (size_t)n);
			dst[n] = '\0';
			ok = true;
		}
	}
	BIO_free(bio);
	return ok;
}

/* base64url without padding (RFC 4648 5, as RFC 7515 uses it). */
static void
b64url(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t chunk = n - i < 3 ? n - i : 3;

		if (chunk > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (chunk > 2)
			v |= in[i + 2];
		for (size_t k = 0; k < chunk + 1 && o + 1 < outlen; k++)
			out[o++] = tab[(v >> (18 - 6 * k)) & 0x3f];
	}
	out[o] = '\0';
}

static bool
fill_not_after(X509 *cert, int64_t *out)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1)
		return false;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*out = (int64_t)t;
	return true;
}

int
jet_tls_peer_identity(SSL *ssl, struct jet_peer_identity *id)
{
	unsigned int mdlen = 0;
	X509 *cert;
	int rc = JET_EPERM;

	memset(id, 0, sizeof(*id));
	if (ssl == NULL)
		return JET_EINVAL;
	cert = SSL_get0_peer_certificate(ssl);
	if (cert == NULL)
		return JET_ENOTFOUND;
	if (SSL_get_verify_result(ssl) != X509_V_OK || !jet_tls_has_client_eku(cert))
		goto fail;
	if (!fill_subject(cert, id->subject, sizeof(id->subject)))
		goto fail;
	rc = fill_sans(cert, id);
	if (rc != JET_OK)
		goto fail;
	rc = JET_EPERM;
	if (X509_digest(cert, EVP_sha256(), id->sha256, &mdlen) != 1 ||
		mdlen != sizeof(id->sha256))
		goto fail;
	b64url(id->sha256, sizeof(id->sha256), id->x5t_s256, sizeof(id->x5t_s256));
	if (!fill_not_after(cert, &id->not_after))
		goto fail;
	return JET_OK;
fail:
	ERR_clear_error();
	memset(id, 0, sizeof(*id));
	return rc;
}
