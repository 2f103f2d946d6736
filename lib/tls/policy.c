/*
 * policy.c - the one TLS policy every Jetstream context gets, server or
 * client, and the module's error reporting.
 *
 * The policy is written into each SSL_CTX field by field instead of being
 * inherited: Debian's openssl.cnf (the "system_default" section applied by
 * SSL_CTX_new) or an administrator's edit of it could otherwise lower the
 * protocol floor, widen the suites or turn on options behind our back.
 * Options in particular are replaced as a whole word, not OR-ed in.
 *
 *  - Protocols: TLS 1.2 (RFC 5246) and TLS 1.3 (RFC 8446); nothing older
 *    (RFC 8996 deprecates 1.0 and 1.1).
 *  - TLS 1.2 suites: ECDHE + AEAD only (RFC 5289, RFC 7905), i.e. forward
 *    secrecy and no CBC/MAC-then-encrypt.  TLS 1.3: the three standard AEAD
 *    suites (RFC 8446 section 9.1 minus CCM).
 *  - Groups: X25519 (RFC 7748), P-256, P-384; no finite-field DH, so no
 *    small-subgroup or weak-prime surprises.
 *  - Signature algorithms: ECDSA, Ed25519, RSA-PSS, RSA PKCS#1 v1.5 with
 *    SHA-2 only (no SHA-1, RFC 9155).
 *  - No compression (CRIME), no renegotiation of any kind (the triple
 *    handshake and renegotiation DoS classes), TLS 1.3 resumption always
 *    with (EC)DHE (psk_dhe_ke), extended master secret kept on (RFC 7627).
 *  - Security level 2 (>= 112-bit keys: RSA/DH >= 2048, ECC >= 224).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "tls_int.h"

#define JET_TLS_SIGALGS                                                                    \
	"ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:ed25519:"     \
	"rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:"                      \
	"rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:"                         \
	"rsa_pkcs1_sha256:rsa_pkcs1_sha384:rsa_pkcs1_sha512"

void
jet_tls_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	char reason[128];
	va_list ap;
	size_t n;

	if (err == NULL || errlen == 0) {
		ERR_clear_error();
		return;
	}
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (ERR_peek_error() == 0)
		return;
	jet_tls_last_error(reason, sizeof(reason));
	n = strlen(err);
	if (n + 2 < errlen)
		snprintf(err + n, errlen - n, ": %s", reason);
}

const char *
jet_tls_last_error(char *buf, size_t len)
{
	unsigned long e, last = 0;
	const char *reason;

	/* The last error is the most specific one OpenSSL recorded (the
	 * first is often a generic "system lib" or ASN.1 wrapper).  Only the
	 * reason string is used: function names and the data field OpenSSL
	 * attaches (which can hold file names or certificate bytes) are not. */
	while ((e = ERR_get_error()) != 0)
		last = e;
	if (buf == NULL || len == 0)
		return "";
	if (last == 0) {
		snprintf(buf, len, "no TLS error recorded");
		return buf;
	}
	reason = ERR_reason_error_string(last);
	if (reason == NULL)
		snprintf(buf, len, "TLS error 0x%lx", last);
	else
		snprintf(buf, len, "%s", reason);
	return buf;
}

int
jet_tls_ctx_policy(SSL_CTX *ctx, char *err, size_t errlen)
{
	uint64_t opts;

	/* Level 2 is Debian's default too, but set it: openssl.cnf can lower it,
	 * and the cipher string below must not carry its own @SECLEVEL. */
	SSL_CTX_set_security_level(ctx, 2);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
		SSL_CTX_set_max_proto_version(ctx, 0) != 1) {
		jet_tls_set_err(err, errlen, "TLS protocol range");
		return JET_ETLS;
	}
	if (SSL_CTX_set_cipher_list(ctx, JET_TLS12_CIPHERS) != 1 ||
		SSL_CTX_set_ciphersuites(ctx, JET_TLS13_SUITES) != 1) {
		jet_tls_set_err(err, errlen, "TLS cipher suites");
		return JET_ETLS;
	}
	if (SSL_CTX_set1_groups_list(ctx, JET_TLS_GROUPS) != 1) {
		jet_tls_set_err(err, errlen, "TLS groups");
		return JET_ETLS;
	}
	if (SSL_CTX_set1_sigalgs_list(ctx, JET_TLS_SIGALGS) != 1) {
		jet_tls_set_err(err, errlen, "TLS signature algorithms");
		return JET_ETLS;
	}

	/*
	 * The whole option word, so nothing openssl.cnf enabled survives:
	 * ALLOW_CLIENT_RENEGOTIATION, ALLOW_NO_DHE_KEX (TLS 1.3 resumption
	 * without forward secrecy), NO_EXTENDED_MASTER_SECRET, legacy
	 * renegotiation, NO_TLSv1_3 and friends all end up off.
	 * MIDDLEBOX_COMPAT is OpenSSL's default and helps clients behind old
	 * middleboxes; it changes no security property.
	 */
	opts = SSL_CTX_get_options(ctx);
	SSL_CTX_clear_options(ctx, opts);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
		SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_ENABLE_MIDDLEBOX_COMPAT);

	/*
	 * The I/O layer writes from a buffer that may move between retries of a
	 * non-blocking SSL_write and wants partial progress reported.
	 * RELEASE_BUFFERS: a gateway holds many idle keep-alive connections
	 * (devices polling every few seconds); each would otherwise pin ~34 KiB
	 * of record buffers while idle.  Re-allocating them per burst costs a
	 * malloc/free pair, which is small next to the record crypto.
	 * NO_AUTO_CHAIN: send exactly the chain from the certificate file, not
	 * one OpenSSL completes from the verification store (which holds the
	 * client CAs on a server, and possibly the system roots on a client).
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
		SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN);
	return JET_OK;
}
