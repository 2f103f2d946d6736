/*
 * form.c - application/x-www-form-urlencoded: the body of every OAuth token,
 * revocation and introspection request (RFC 6749 appendix B, which points at
 * the WHATWG URL standard's parser, section 5.1).
 *
 * Decoding never lengthens text, so a body decodes in place into one
 * caller-provided buffer of len + 1 bytes: each pair "n=v" of L bytes needs
 * at most L + 1 (two NULs, no '='), a pair without '=' at most L + 1 too,
 * and the '&' between pairs pays for the last pair's extra byte.  No
 * allocation, no per-field copy, and every field is a C string.
 *
 * Stricter than WHATWG (which never fails): a stray '%', control characters,
 * invalid UTF-8 and empty names are refused.  WHATWG keeps "%zz" literally
 * and maps invalid UTF-8 to U+FFFD; doing either here would let this parser
 * and a client library see different client_id or redirect_uri values.
 */
#include <string.h>

#include "jet/form.h"
#include "http_int.h"

static void
set_err(char *err, size_t errlen, const char *reason)
{
	if (err != NULL && errlen > 0)
		jet_str_copy(err, errlen, jet_str_from_cstr(reason));
}

/*
 * Returns NULL when s[0..n) is well-formed UTF-8 (RFC 3629 table of
 * section 4, the same as Unicode's table 3-7) without controls, else the
 * reason.  C1 controls (U+0080-U+009F) count as controls: they include CSI,
 * which terminals act on, and no OAuth parameter holds them.
 */
static const char *
check_text(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xbf;
		size_t need;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return "control character";
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			if (c == 0xc2)
				lo = 0xa0; /* C2 80..9F are the C1 controls */
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0; /* overlong below U+0800 */
			else if (c == 0xed)
				hi = 0x9f; /* surrogates U+D800-U+DFFF */
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90; /* overlong below U+10000 */
			else if (c == 0xf4)
				hi = 0x8f; /* past U+10FFFF */
		} else {
			/* continuation byte first, C0/C1 (overlong ASCII), F5-FF */
			return "invalid UTF-8";
		}
		if (n - i - 1 < need)
			return "invalid UTF-8";
		if (s[i + 1] < lo || s[i + 1] > hi) {
			/* C2 80..9F is well-formed, but a control */
			if (c == 0xc2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
				return "control character";
			return "invalid UTF-8";
		}
		for (size_t k = 2; k <= need; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return "invalid UTF-8";
		i += need + 1;
	}
	return NULL;
}

int
jet_form_decode(struct jet_str src, char *dst, size_t dstlen, size_t *outlen, char *err,
	size_t errlen)
{
	size_t i = 0, o = 0;
	const char *why;
	int rc = JET_EINVAL;

	if (outlen != NULL)
		*outlen = 0;
	set_err(err, errlen, "");
	if (dst == NULL || dstlen == 0 || (src.p == NULL && src.len > 0)) {
		if (dst != NULL && dstlen > 0)
			dst[0] = '\0';
		set_err(err, errlen, "invalid argument");
		return JET_EINVAL;
	}
	while (i < src.len) {
		unsigned char c = (unsigned char)src.p[i];

		if (c == '%') {
			int h = -1, l = -1;

			if (src.len - i >= 3) {
				h = jet_http_hexval((unsigned char)src.p[i + 1]);
				l = jet_http_hexval((unsigned char)src.p[i + 2]);
			}
			if (h < 0 || l < 0) {
				why = "malformed percent-escape";
				goto fail;
			}
			c = (unsigned char)(h << 4 | l);
			i += 3;
		} else {
			if (c == '+')
				c = ' ';
			i++;
		}
		if (o >= dstlen - 1) {
			why = "value too long";
			rc = JET_ETOOBIG;
			goto fail;
		}
		dst[o++] = (char)c;
	}
	why = check_text((const unsigned char *)dst, o);
	if (why != NULL)
		goto fail;
	dst[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return JET_OK;
fail:
	jet_wipe(dst, o);
	dst[0] = '\0';
	set_err(err, errlen, why);
	return rc;
}

int
jet_form_parse(const char *body, size_t len, size_t max_fields, struct jet_form *out,
	char *buf, size_t buflen, char *err, size_t errlen)
{
	size_t i = 0, o = 0;
	int rc;

	set_err(err, errlen, "");
	if (out == NULL || buf == NULL || (body == NULL && len > 0)) {
		if (out != NULL)
			out->n = 0;
		set_err(err, errlen, "invalid argument");
		return JET_EINVAL;
	}
	out->n = 0;
	if (buflen == 0 || len > buflen - 1) {
		set_err(err, errlen, "body too large");
		return JET_ETOOBIG;
	}
	if (max_fields > JET_FORM_MAX_FIELDS)
		max_fields = JET_FORM_MAX_FIELDS;
	while (i < len) {
		const char *pair = body + i, *amp, *eq;
		size_t plen, nlen, dlen;
		struct jet_form_field *f;

		amp = memchr(pair, '&', len - i);
		plen = amp != NULL ? (size_t)(amp - pair) : len - i;
		i += plen + (amp != NULL);
		if (plen == 0)
			continue; /* "a=1&&b=2", leading or trailing '&' */
		if (out->n == max_fields) {
			set_err(err, errlen, "too many fields");
			rc = JET_ETOOBIG;
			goto fail;
		}
		eq = memchr(pair, '=', plen);
		nlen = eq != NULL ? (size_t)(eq - pair) : plen;
		f = &out->fields[out->n];

		rc = jet_form_decode((struct jet_str){ pair, nlen }, buf + o, buflen - o, &dlen,
			err, errlen);
		if (rc != JET_OK)
			goto fail;
		if (dlen == 0) {
			set_err(err, errlen, "empty field name");
			rc = JET_EINVAL;
			goto fail;
		}
		f->name = (struct jet_str){ buf + o, dlen };
		o += dlen + 1;
		if (eq == NULL) {
			/* Empty value: point at the name's NUL so that every
			 * slice lies inside buf and is a C string. */
			f->value = (struct jet_str){ buf + o - 1, 0 };
		} else {
			rc = jet_form_decode((struct jet_str){ eq + 1, plen - nlen - 1 }, buf + o,
				buflen - o, &dlen, err, errlen);
			if (rc != JET_OK)
				goto fail;
			f->value = (struct jet_str){ buf + o, dlen };
			o += dlen + 1;
		}
		out->n++;
	}
	return JET_OK;
fail:
	/* jet_form_decode wiped its own partial output; this wipes the fields
	 * decoded before it. */
	jet_wipe(buf, o);
	out->n = 0;
	return rc;
}

const struct jet_form_field *
jet_form_get(const struct jet_form *f, const char *name, size_t *count)
{
	const struct jet_form_field *first = NULL;
	size_t c;

	c = jet_form_get_all(f, name, &first, 1);
	if (count != NULL)
		*count = c;
	return c > 0 ? first : NULL;
}

size_t
jet_form_get_all(const struct jet_form *f, const char *name, const struct jet_form_field **out,
	size_t max)
{
	size_t c = 0;

	if (f == NULL || name == NULL)
		return 0;
	for (size_t i = 0; i < f->n && i < JET_FORM_MAX_FIELDS; i++) {
		if (!jet_str_eq_cstr(f->fields[i].name, name))
			continue;
		if (c < max && out != NULL)
			out[c] = &f->fields[i];
		c++;
	}
	return c;
}

/* ------------------------------------------------------------------------
 * Content-Type
 * --------------------------------------------------------------------- */

static size_t
skip_ows(const char *p, size_t i, size_t n)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i;
}

/*
 * media-type = type "/" subtype parameters
 * parameters = *( OWS ";" OWS [ parameter ] )
 * parameter  = parameter-name "=" ( token / quoted-string )   (RFC 9110 5.6.6)
 * The only parameter a form body has is charset, and the only charset
 * decoding here knows is UTF-8: anything else would be decoded wrongly, so
 * it is refused (415) instead.  Quoted-pairs are refused rather than
 * unescaped: "utf-8" has no character that needs one.
 */
bool
jet_form_content_type_ok(struct jet_str content_type)
{
	static const char type[] = "application/x-www-form-urlencoded";
	struct jet_str s;
	const char *p;
	size_t n, i = sizeof(type) - 1;
	bool charset = false;

	if (content_type.p == NULL)
		return false;
	s = jet_str_trim_ows(content_type);
	p = s.p;
	n = s.len;
	if (n < i || !jet_http_caseeq((struct jet_str){ p, i }, JET_STR_LIT(type)))
		return false;
	for (;;) {
		size_t start;
		struct jet_str name, value;

		i = skip_ows(p, i, n);
		if (i == n)
			return true;
		if (p[i] != ';')
			return false;
		i = skip_ows(p, i + 1, n);
		if (i == n || p[i] == ';')
			continue; /* empty parameter */
		for (start = i; i < n && jet_http_is_tchar((unsigned char)p[i]); i++)
			;
		name = (struct jet_str){ p + start, i - start };
		if (name.len == 0 || i == n || p[i] != '=')
			return false;
		i++;
		if (i < n && p[i] == '"') {
			for (start = ++i; i < n && p[i] != '"'; i++)
				if (p[i] == '\\')
					return false;
			if (i == n)
				return false;
			value = (struct jet_str){ p + start, i - start };
			i++;
		} else {
			for (start = i; i < n && jet_http_is_tchar((unsigned char)p[i]); i++)
				;
			value = (struct jet_str){ p + start, i - start };
		}
		if (charset || !jet_str_caseeq_cstr(name, "charset") ||
			!jet_str_caseeq_cstr(value, "utf-8"))
			return false;
		charset = true;
	}
}
