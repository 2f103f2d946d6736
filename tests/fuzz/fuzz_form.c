/*
 * fuzz_form.c - libFuzzer driver for include/jet/form.h: jet_form_parse
 * (token endpoint bodies), jet_basic_parse (Authorization header values)
 * and jet_form_content_type_ok.  The whole input is each of the three.
 * Invariants checked (abort() on violation):
 *  - no crash, leak or undefined behaviour (ASan/UBSan build); body and
 *    buffers are exact-size heap copies, so any overrun is seen;
 *  - a form parse fits a buffer of len + 1, every name and value lies inside
 *    it, is NUL-terminated, no longer than the input, free of controls;
 *    names are non-empty; n <= max_fields; on failure n is 0;
 *  - jet_form_get's count equals jet_form_get_all's for every name parsed;
 *  - the result does not depend on max_fields except through ETOOBIG: with
 *    a limit of 2 the verdict is that of the full limit, or ETOOBIG;
 *  - a Basic parse returns only the documented codes, id non-empty and both
 *    parts within their buffers on success, both "" on failure;
 *  - every reason is a fixed phrase, never input bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jet/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const reasons[] = {
	"invalid argument", "body too large", "too many fields", "empty field name",
	"malformed percent-escape", "control character", "invalid UTF-8", "value too long",
	"not Basic credentials", "missing credentials", "malformed Basic credentials",
	"credentials too long", "invalid base64 in credentials", "missing ':' in credentials",
	"empty client id", "client id too long", "client secret too long",
	"client id: malformed percent-escape", "client id: control character",
	"client id: invalid UTF-8", "client secret: malformed percent-escape",
	"client secret: control character", "client secret: invalid UTF-8",
};

static void
check_reason(const char *err)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(err, reasons[i]) == 0)
			return;
	abort();
}

static void
check_slice(struct jet_str s, const char *buf, size_t buflen, size_t inlen)
{
	if (s.p == NULL || s.p < buf || s.len > inlen || s.len >= buflen ||
		(size_t)(s.p - buf) > buflen - 1 - s.len)
		abort();
	if (s.p[s.len] != '\0' || strlen(s.p) != s.len)
		abort();
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c < 0x20 || c == 0x7f)
			abort();
	}
}

static int
fuzz_form(const char *body, size_t size, size_t max_fields)
{
	struct jet_form *f = malloc(sizeof(*f));
	char *buf = malloc(size + 1);
	char err[64];
	int rc;

	if (f == NULL || buf == NULL)
		abort();
	rc = jet_form_parse(body, size, max_fields, f, buf, size + 1, err, sizeof(err));
	if (rc != JET_OK) {
		if ((rc != JET_EINVAL && rc != JET_ETOOBIG) || f->n != 0)
			abort();
		check_reason(err);
		goto out;
	}
	if (err[0] != '\0' || f->n > max_fields || f->n > JET_FORM_MAX_FIELDS)
		abort();
	for (size_t i = 0; i < f->n; i++) {
		const struct jet_form_field *all[JET_FORM_MAX_FIELDS];
		size_t count = 0, n;

		check_slice(f->fields[i].name, buf, size + 1, size);
		check_slice(f->fields[i].value, buf, size + 1, size);
		if (f->fields[i].name.len == 0)
			abort();
		if (jet_form_get(f, f->fields[i].name.p, &count) == NULL || count == 0)
			abort();
		n = jet_form_get_all(f, f->fields[i].name.p, all, JET_ARRAY_LEN(all));
		if (n != count || all[0] != jet_form_get(f, f->fields[i].name.p, NULL))
			abort();
	}
out:
	jet_wipe(buf, size + 1);
	free(buf);
	free(f);
	return rc;
}

static void
fuzz_basic(const char *value, size_t size)
{
	/* Small outputs half the time, so the ETOOBIG paths are reached. */
	size_t idlen = size % 2 ? 8 : 512, secretlen = size % 3 ? 8 : 512;
	char *id = malloc(idlen), *secret = malloc(secretlen);
	char err[64];
	int rc;

	if (id == NULL || secret == NULL)
		abort();
	rc = jet_basic_parse((struct jet_str){ value, size }, id, idlen, secret, secretlen, err,
		sizeof(err));
	if (rc == JET_OK) {
		if (err[0] != '\0' || id[0] == '\0' || strlen(id) >= idlen ||
			strlen(secret) >= secretlen)
			abort();
	} else {
		if (rc != JET_EINVAL && rc != JET_ETOOBIG && rc != JET_ENOTFOUND)
			abort();
		if (id[0] != '\0' || secret[0] != '\0')
			abort();
		check_reason(err);
	}
	jet_wipe(secret, secretlen);
	free(id);
	free(secret);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = malloc(size > 0 ? size : 1);
	int full, small;

	if (p == NULL)
		abort();
	if (size > 0)
		memcpy(p, data, size);
	full = fuzz_form(p, size, JET_FORM_MAX_FIELDS);
	small = fuzz_form(p, size, 2);
	if (small != full && small != JET_ETOOBIG)
		abort();
	fuzz_basic(p, size);
	(void)jet_form_content_type_ok((struct jet_str){ p, size });
	free(p);
	return 0;
}
