/*
 * jet/form.h - the two encodings an OAuth token endpoint reads from clients:
 * application/x-www-form-urlencoded bodies (WHATWG URL standard section 5,
 * as RFC 6749 appendix B profiles it) and HTTP Basic credentials (RFC 7617,
 * with the extra form-decoding step of RFC 6749 section 2.3.1).
 *
 * Both are parsers of hostile input and are strict where WHATWG is lenient:
 * a '%' that does not start an escape, control characters, invalid UTF-8
 * and empty names are refused rather than passed on, because no RFC 6749
 * client sends them and every one of them has been used to make two
 * components disagree about a value.  docs/internals/form.md lists the rules
 * and why.
 *
 * Nothing is allocated.  Decoded text goes to buffers the caller provides and
 * is always NUL-terminated; since NUL is refused inside, a decoded value is
 * also a C string of the same length.  Error reasons (err, may be NULL) are
 * short fixed phrases that never contain input bytes.
 */
#ifndef JET_FORM_H
#define JET_FORM_H

#include "jet/core.h"

/* Hard ceiling on fields per body; max_fields above it acts as it.  A token
 * request has about ten parameters; repeated ones (RFC 8707 "resource")
 * still leave ample room. */
#define JET_FORM_MAX_FIELDS 64

/* Longest Basic token68 accepted (base64 of 4 KiB): room for a URL
 * client_id percent-encoded three times over plus a long secret. */
#define JET_BASIC_MAX_TOKEN 5464

struct jet_form_field {
	struct jet_str name;  /* decoded, non-empty, NUL-terminated in buf */
	struct jet_str value; /* decoded, may be empty, NUL-terminated in buf */
};

struct jet_form {
	struct jet_form_field fields[JET_FORM_MAX_FIELDS]; /* in body order */
	size_t n;
};

/*
 * Decodes one name or value (the bytes between '&' / '=') into dst, dstlen
 * bytes with the terminating NUL: '+' becomes SP, %XX (hex in either case)
 * its byte, other bytes are kept.  Then the result must be valid UTF-8
 * (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF)
 * without control characters (C0, DEL, C1; TAB included).
 * Returns JET_OK with *outlen (may be NULL) the decoded length, or
 * JET_EINVAL (a '%' not followed by two hex digits, a control character,
 * invalid UTF-8; also NULL dst or dstlen 0) or JET_ETOOBIG (the result and
 * its NUL do not fit).  On failure dst is "" and the bytes written before
 * the failure are wiped, so a half-decoded secret does not linger.  The
 * decoded text is never longer than src: dstlen = src.len + 1 always fits.
 */
int jet_form_decode(struct jet_str src, char *dst, size_t dstlen, size_t *outlen, char *err,
	size_t errlen);

/*
 * Parses a form body, body[0..len), into out.  Pairs are split at '&'; empty
 * pairs (leading, trailing or doubled '&') are skipped as WHATWG does; name
 * and value split at the first '=' (later '=' belong to the value); a pair
 * without '=' has an empty value.  Names and values are decoded as by
 * jet_form_decode into buf, which must hold len + 1 bytes (the decoded
 * fields with their NULs never need more; a smaller buffer is JET_ETOOBIG
 * before anything is read, so buflen doubles as the body limit).  Every
 * field's name.p and value.p point into buf, also for an empty value.
 *
 * Returns JET_OK, or with out->n = 0 and err set:
 *   JET_EINVAL   a name or value jet_form_decode refuses, an empty name
 *                ("=x"), body NULL with len > 0, out or buf NULL;
 *   JET_ETOOBIG  more than max_fields non-empty pairs (values above
 *                JET_FORM_MAX_FIELDS act as it), buflen < len + 1.
 * The first problem from the left decides.  An empty body (or only '&')
 * gives n = 0.  Duplicates are kept in order: policy about them belongs to
 * the caller (jet_form_get counts them).  buf holds decoded secrets
 * (client_secret, code_verifier): the caller wipes it after use; on failure
 * the bytes decoded so far are wiped already.
 */
int jet_form_parse(const char *body, size_t len, size_t max_fields, struct jet_form *out,
	char *buf, size_t buflen, char *err, size_t errlen);

/* First field whose name equals name exactly (form names are
 * case-sensitive), or NULL.  *count (may be NULL) receives the number of
 * fields with that name, 0 when none, so a caller refuses a repeated
 * parameter in one call.  f or name NULL: NULL, count 0. */
const struct jet_form_field *jet_form_get(const struct jet_form *f, const char *name,
	size_t *count);

/* Stores pointers to the first max fields named name, in body order, in
 * out[0..max) (out may be NULL when max is 0) and returns how many fields
 * have that name - possibly more than max, which the caller can refuse. */
size_t jet_form_get_all(const struct jet_form *f, const char *name,
	const struct jet_form_field **out, size_t max);

/*
 * True when a Content-Type value names a form body the token endpoint reads:
 * "application/x-www-form-urlencoded" (ASCII case-insensitive), optionally
 * followed by RFC 9110 parameters (OWS ';' OWS name=value; empty parameters
 * allowed) of which only one charset=utf-8 is accepted (name and value
 * case-insensitive, value as a token or a quoted-string without escapes).
 * Any other parameter, charset, repeated charset, whitespace around '=',
 * another media type or an empty value: false.
 */
bool jet_form_content_type_ok(struct jet_str content_type);

/*
 * Parses an Authorization header value carrying OAuth client credentials
 * (RFC 7617 Basic; RFC 6749 section 2.3.1).  Grammar:
 *   "Basic" (ASCII case-insensitive) 1*SP token68
 * where token68 is standard base64 (RFC 4648 section 4) with the padding
 * required, canonical (the unused bits of the last group are zero), no
 * whitespace, at most JET_BASIC_MAX_TOKEN characters.  The decoded bytes are
 * split at the first ':' into client_id and client_secret, and each is then
 * form-decoded as by jet_form_decode (so "%3A" in a client_id is ':' and
 * '+' is SP; a raw '+' or a '%' in a secret sent unencoded, as curl -u does,
 * decodes differently or fails - RFC 6749 requires clients to encode).
 * Outer OWS of the value is ignored.
 *
 * id (idlen bytes) and secret (secretlen bytes) receive the NUL-terminated
 * results.  Returns
 *   JET_OK        id non-empty; the secret may be empty (the caller's check
 *                 against the stored secret fails it);
 *   JET_ENOTFOUND the scheme is not Basic (another scheme, or no valid
 *                 scheme token at all): the caller may try other schemes;
 *   JET_EINVAL    Basic but malformed: missing or non-SP separator, bad
 *                 base64, no ':', an empty id, a part jet_form_decode
 *                 refuses; also a NULL or zero-length output buffer;
 *   JET_ETOOBIG   token68 too long, or a part that does not fit its buffer.
 * On any failure id and secret are "" and every temporary copy of the
 * decoded credentials is wiped; on success the caller wipes secret.
 */
int jet_basic_parse(struct jet_str authorization_value, char *id, size_t idlen, char *secret,
	size_t secretlen, char *err, size_t errlen);

#endif /* JET_FORM_H */
