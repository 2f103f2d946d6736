/*
 * tickets.c - session ticket keys that Jetstream generates, holds and
 * rotates itself, instead of OpenSSL's per-context key (which would die with
 * each reload and never rotate).
 *
 * Format: OpenSSL's ticket layout (RFC 5077 section 4 recommendation):
 * key_name(16) || IV(16) || AES-256-CBC(session) || HMAC-SHA256 over all of
 * it.  OpenSSL builds and checks the bytes; this file only supplies keys.
 *
 * Invariants:
 *  - keys[0] is the only key that encrypts.  keys[1] is the key that was
 *    current before the last rotation and only decrypts; a ticket under it
 *    is accepted and replaced by a fresh one (callback returns 2).  Older
 *    keys are wiped: after two rotations a ticket no longer resumes.
 *  - Key bytes come from RAND_priv_bytes, are copied out of the ring only
 *    onto the stack for one cipher/MAC initialisation, and are wiped with
 *    OPENSSL_cleanse when dropped.
 *  - Workers take the read lock for each handshake; rotate (main thread)
 *    takes the write lock for a memcpy, never while generating keys.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/rand.h>

#include "tls_int.h"

static int
key_generate(struct jet_tls_ticket_key *k)
{
	if (RAND_bytes(k->name, sizeof(k->name)) != 1 ||
		RAND_priv_bytes(k->aes, sizeof(k->aes)) != 1 ||
		RAND_priv_bytes(k->hmac, sizeof(k->hmac)) != 1) {
		OPENSSL_cleanse(k, sizeof(*k));
		return JET_ETLS;
	}
	k->set = true;
	return JET_OK;
}

int
jet_tls_tickets_init(struct jet_tls_ticket_ring *r)
{
	memset(r, 0, sizeof(*r));
	r->cipher = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
	if (r->cipher == NULL)
		return JET_ETLS;
	if (pthread_rwlock_init(&r->lock, NULL) != 0) {
		EVP_CIPHER_free(r->cipher);
		r->cipher = NULL;
		return JET_ENOMEM;
	}
	if (key_generate(&r->keys[0]) != JET_OK) {
		pthread_rwlock_destroy(&r->lock);
		EVP_CIPHER_free(r->cipher);
		r->cipher = NULL;
		return JET_ETLS;
	}
	return JET_OK;
}

void
jet_tls_tickets_cleanup(struct jet_tls_ticket_ring *r)
{
	if (r->cipher == NULL)
		return;
	OPENSSL_cleanse(r->keys, sizeof(r->keys));
	pthread_rwlock_destroy(&r->lock);
	EVP_CIPHER_free(r->cipher);
	r->cipher = NULL;
}

int
jet_tls_tickets_rotate(struct jet_tls_ticket_ring *r)
{
	struct jet_tls_ticket_key fresh;

	if (key_generate(&fresh) != JET_OK)
		return JET_ETLS; /* keep serving with the keys we have */
	pthread_rwlock_wrlock(&r->lock);
	OPENSSL_cleanse(&r->keys[1], sizeof(r->keys[1]));
	r->keys[1] = r->keys[0];
	r->keys[0] = fresh;
	pthread_rwlock_unlock(&r->lock);
	OPENSSL_cleanse(&fresh, sizeof(fresh));
	return JET_OK;
}

/* Keys the cipher and MAC contexts for one ticket. */
static int
key_apply(const struct jet_tls_ticket_ring *r, const struct jet_tls_ticket_key *k,
	const unsigned char *iv, EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	OSSL_PARAM params[2];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_CipherInit_ex(cctx, r->cipher, NULL, k->aes, iv, enc) != 1)
		return -1;
	if (EVP_MAC_init(hctx, k->hmac, sizeof(k->hmac), params) != 1)
		return -1;
	return 0;
}

int
jet_tls_tickets_cb(SSL *ssl, unsigned char *key_name, unsigned char *iv,
	EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	struct jet_tls_server *ts = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	struct jet_tls_ticket_ring *r;
	struct jet_tls_ticket_key k;
	int rc = 0, slot = -1;

	if (ts == NULL)
		return enc ? -1 : 0;
	r = &ts->tickets;
	pthread_rwlock_rdlock(&r->lock);
	if (enc) {
		if (r->keys[0].set)
			slot = 0;
	} else {
		for (int i = 0; i < 2; i++) {
			/* Key names are not secret; a plain compare is fine. */
			if (r->keys[i].set &&
				memcmp(key_name, r->keys[i].name, JET_TLS_TICKET_NAME_LEN) == 0) {
				slot = i;
				break;
			}
		}
	}
	if (slot >= 0)
		k = r->keys[slot];
	pthread_rwlock_unlock(&r->lock);

	if (slot < 0)
		return enc ? -1 : 0; /* decrypt: unknown key -> full handshake */
	if (enc) {
		memcpy(key_name, k.name, JET_TLS_TICKET_NAME_LEN);
		if (RAND_bytes(iv, 16) != 1) /* the AES block size */
			rc = -1;
	}
	if (rc == 0 && key_apply(r, &k, iv, cctx, hctx, enc) != 0)
		rc = -1;
	OPENSSL_cleanse(&k, sizeof(k));
	if (rc != 0)
		return -1;
	/* 2 asks OpenSSL to issue a fresh ticket under the current key.  Also
	 * for the current key: TLS 1.3 clients use a ticket once (RFC 8446
	 * appendix C.4; OpenSSL does), so a resumption that got no new ticket
	 * would make the client's next connection a full handshake. */
	return enc ? 1 : 2;
}
