/*
 * secret.h - client secrets: generated here, shown once, stored only as a
 * keyed hash.
 *
 * A secret is 32 random bytes (256 bits) from the OS CSPRNG, handed to the
 * client as 43 base64url characters.  The store keeps HMAC-SHA-256(K,
 * secret) where K is the deployment's secret-hash key, 32 random bytes in
 * DATA_DIR/auth/client-secret.key (mode 0600, created on first use).  A slow
 * password hash would add nothing on a 256-bit random secret (there is no
 * dictionary to slow down) and would cap the token endpoint at a few dozen
 * requests per second per core; the key means a stolen database alone
 * cannot even confirm a guessed secret.
 */
#ifndef JET_AUTH_SECRET_H
#define JET_AUTH_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JET_SECRET_BYTES 32
#define JET_SECRET_TEXT 44 /* 43 base64url characters + NUL */
#define JET_SECRET_KEY_BYTES 32

/* Loads DATA_DIR/auth/client-secret.key, creating DATA_DIR/auth (0700) and
 * the key (0600) when missing; refuses a key file that is not a regular
 * file of exactly 32 bytes with mode 0600 or stricter. */
int jet_secret_key_load(const char *data_dir, uint8_t key[JET_SECRET_KEY_BYTES], char *err,
	size_t errlen);

/* A new random secret, as text. */
int jet_secret_generate(char out[JET_SECRET_TEXT]);

/* HMAC-SHA-256(key, secret text). */
int jet_secret_hash(const uint8_t key[JET_SECRET_KEY_BYTES], const char *secret, size_t len,
	uint8_t out[32]);

/* Constant-time check of a presented secret against a stored hash. */
bool jet_secret_check(const uint8_t key[JET_SECRET_KEY_BYTES], const char *secret, size_t len,
	const uint8_t hash[32]);

#endif /* JET_AUTH_SECRET_H */
