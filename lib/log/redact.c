/*
 * redact.c - which log fields are secrets.
 *
 * Two independent rules, either one redacts (log.h states them for users):
 *
 *  1. The key names a secret.  A plain substring test on "key" would hide
 *     keepalive, keyspace and monkey and teach operators to ignore
 *     "[redacted]"; so "key" counts only as the last word of the key
 *     (api_key, private_key, signingKey), while the unambiguous names
 *     (token, secret, password, ...) count anywhere.  Erring towards
 *     redaction is intended: "token_type" is hidden too.
 *
 *  2. The value looks like a credential whatever its key: a Bearer or
 *     Basic credential (RFC 6750 section 2.1, RFC 7617), or a JWT/JWS/JWE
 *     in compact form (RFC 7519, RFC 7515 section 7.1), whose header is
 *     base64url JSON and therefore always begins with "eyJ" ('{"').  This
 *     catches the token a caller passed under an innocent key ("reason",
 *     "path") or that a peer sent in a field we echo.  The scheme must be
 *     followed by something shaped like a credential (is_credential), so
 *     error prose such as "missing bearer token" stays readable.
 *
 * Both scans are linear in the input and allocate nothing.
 */
#include <string.h>

#include "jet/log.h"

/* Secret wherever they appear in the key (compared in lower case). */
static const char *const secret_words[] = {
	"authorization", "token", "secret", "password", "passwd", "passphrase",
	"cookie", "assertion", "credential", "apikey", "privkey",
};

static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static bool
is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
is_lower_or_digit(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
contains_nocase(const char *s, size_t len, const char *word)
{
	size_t wl = strlen(word);

	for (size_t i = 0; i + wl <= len; i++) {
		size_t j = 0;

		while (j < wl && lower((unsigned char)s[i + j]) == (unsigned char)word[j])
			j++;
		if (j == wl)
			return true;
	}
	return false;
}

/* The last word of the key: after the last separator or lower->Upper step. */
static bool
last_word_is_key(const char *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '_' || c == '-' || c == '.' || c == ' ')
			start = i + 1;
		else if (i > 0 && is_upper(c) && is_lower_or_digit((unsigned char)s[i - 1]))
			start = i;
	}
	return len - start == 3 && lower((unsigned char)s[start]) == 'k' &&
		lower((unsigned char)s[start + 1]) == 'e' && lower((unsigned char)s[start + 2]) == 'y';
}

bool
jet_log_key_is_secret(const char *key)
{
	size_t len;

	if (key == NULL)
		return false;
	len = strlen(key);
	for (size_t i = 0; i < JET_ARRAY_LEN(secret_words); i++)
		if (contains_nocase(key, len, secret_words[i]))
			return true;
	return last_word_is_key(key, len);
}

static bool
is_b64url(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		c == '-' || c == '_';
}

/* token68 of RFC 9110 section 11.2, the syntax of a Bearer credential. */
static bool
is_token68(unsigned char c)
{
	return is_b64url(c) || c == '.' || c == '~' || c == '+' || c == '/';
}

static bool
is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/*
 * Does a credential start at s[j]?  A token68 run of at least 8 characters
 * that is not only lower-case letters: "Bearer mF_9.B5f-4.1JqM" and
 * "Basic dXNlcjpwYXNz" are credentials, while the prose of an error message
 * ("missing bearer token", "bearer credentials", "basic auth") is not and
 * stays readable.  Real tokens carry digits, upper case or punctuation.
 */
static bool
is_credential(const unsigned char *s, size_t len, size_t j)
{
	size_t n = 0;
	bool not_lower = false;

	while (j + n < len && is_token68(s[j + n])) {
		not_lower |= !(s[j + n] >= 'a' && s[j + n] <= 'z');
		n++;
	}
	return n >= 8 && not_lower;
}

/* scheme (any case, not inside a longer word) + blanks + a credential:
 * the Authorization header syntax of RFC 9110 section 11.4. */
static bool
has_scheme(const unsigned char *s, size_t len, const char *scheme)
{
	size_t sl = strlen(scheme);

	for (size_t i = 0; i + sl < len; i++) {
		size_t j = i + sl;

		if ((i > 0 && is_alpha(s[i - 1])) || !contains_nocase((const char *)s + i, sl, scheme))
			continue;
		if (s[j] != ' ' && s[j] != '\t')
			continue;
		while (j < len && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (is_credential(s, len, j))
			return true;
	}
	return false;
}

/* Length of the base64url run at s[i..). */
static size_t
b64_run(const unsigned char *s, size_t len, size_t i)
{
	size_t n = 0;

	while (i + n < len && is_b64url(s[i + n]))
		n++;
	return n;
}

/* "eyJ..." "." run "." : a compact JWS/JWT (third part may be empty, as in
 * alg "none") or the first three parts of a JWE. */
static bool
has_jwt(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i + 3 <= len; i++) {
		size_t j, n;

		if (s[i] != 'e' || s[i + 1] != 'y' || s[i + 2] != 'J' ||
		    (i > 0 && is_b64url(s[i - 1])))
			continue;
		j = i + b64_run(s, len, i);
		if (j >= len || s[j] != '.')
			continue;
		n = b64_run(s, len, j + 1);
		if (n == 0 || j + 1 + n >= len || s[j + 1 + n] != '.')
			continue;
		return true;
	}
	return false;
}

bool
jet_log_value_is_secret(const char *v, size_t len)
{
	if (v == NULL)
		return false;
	const unsigned char *u = (const unsigned char *)v;

	return has_scheme(u, len, "bearer") || has_scheme(u, len, "basic") || has_jwt(u, len);
}
