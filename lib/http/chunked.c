/*
 * chunked.c - incremental decoder for the chunked transfer coding
 * (RFC 9112 section 7.1):
 *
 *   chunked-body    = *chunk last-chunk trailer-section CRLF
 *   chunk           = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-size      = 1*HEXDIG
 *   chunk-ext       = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   chunk-ext-val   = token / quoted-string
 *   trailer-section = *( field-line CRLF )
 *
 * A byte-driven state machine, so the result never depends on how the input
 * was split: feeding one byte at a time gives the same output, the same
 * consumed count and the same verdict as feeding everything at once.
 *
 * Strictness, because chunk framing is the other half of request smuggling:
 *  - CRLF only, after the size line, after each chunk's data and after each
 *    trailer line; a bare CR or LF is JET_EPROTO.
 *  - chunk-size has at most 16 hex digits (so it always fits 64 bits); no
 *    sign, no "0x", no whitespace unless a ';' follows (BWS exists only
 *    before ';' and around '=' in the grammar).
 *  - Extensions are parsed to the grammar above, then ignored; a size line
 *    longer than JET_HTTP_CHUNK_LINE_MAX is JET_ETOOBIG.
 *  - Trailer fields are checked like header fields (token name, no space
 *    before ':', no obs-fold, no controls in the value), counted against
 *    max_trailer and discarded: nothing in them can change framing.
 *  - The running total is checked against max_body when each chunk size is
 *    read, before its data arrives.
 *
 * After an error the decoder is dead: further feeds return JET_ESTATE.
 */
#include "http_int.h"

enum {
	CS_SIZE = 0,        /* chunk-size digits; line_len counts them */
	CS_SIZE_BWS,        /* BWS after the size or an extension: ';' must follow */
	CS_EXT_NAME_BWS,    /* after ';': BWS, then the extension name */
	CS_EXT_NAME,
	CS_EXT_NAME_BWS2,   /* BWS after a name: '=' or ';' must follow */
	CS_EXT_VAL_BWS,     /* after '=': BWS, then a token or a quoted-string */
	CS_EXT_TOKEN,
	CS_EXT_QUOTED,
	CS_EXT_QPAIR,       /* after a backslash inside the quoted-string */
	CS_EXT_QEND,        /* after the closing quote */
	CS_SIZE_LF,         /* CR of the size line seen */
	CS_DATA,
	CS_DATA_CR,
	CS_DATA_LF,
	CS_TRAILER_START,   /* start of a trailer line or of the final CRLF */
	CS_TRAILER_NAME,
	CS_TRAILER_VALUE,
	CS_TRAILER_LF,
	CS_FINAL_LF,
	CS_DONE,
	CS_ERROR,
};

#define SIZE_DIGITS_MAX 16

void
jet_http_chunked_init(struct jet_http_chunked *c, uint64_t max_body, size_t max_trailer)
{
	c->state = CS_SIZE;
	c->remaining = 0;
	c->total = 0;
	c->max_body = max_body;
	c->line_len = 0;
	c->trailer_bytes = 0;
	c->max_trailer = max_trailer;
}

static bool
is_ws(unsigned char ch)
{
	return ch == ' ' || ch == '\t';
}

/* qdtext (RFC 9110 section 5.6.4): HTAB, SP, VCHAR but '"' and '\', obs-text. */
static bool
is_qdtext(unsigned char ch)
{
	return ch != '"' && ch != '\\' && jet_http_is_field_byte(ch);
}

/*
 * One byte of the size line (size, extensions, and its CR).  Returns 0 or
 * a jet_err.  Only the size digits and extension bytes count towards the
 * line limit; the CRLF does not.
 */
static int
size_line_byte(struct jet_http_chunked *c, unsigned char ch)
{
	int s = c->state;

	if (ch == '\r') {
		/* The line may end after the size, a name, a value, or a
		 * closing quote - not after BWS, ';' or '='. */
		if ((s == CS_SIZE && c->line_len > 0) || s == CS_EXT_NAME ||
			s == CS_EXT_TOKEN || s == CS_EXT_QEND) {
			c->state = CS_SIZE_LF;
			return JET_OK;
		}
		if (s != CS_EXT_QUOTED && s != CS_EXT_QPAIR)
			return JET_EPROTO;
		/* A CR inside a quoted-string falls through to be refused. */
	}
	if (++c->line_len > JET_HTTP_CHUNK_LINE_MAX)
		return JET_ETOOBIG;

	switch (s) {
	case CS_SIZE: {
		int v = jet_http_hexval(ch);

		if (v >= 0) {
			/* line_len now counts this digit too. */
			if (c->line_len > SIZE_DIGITS_MAX)
				return JET_EPROTO;
			c->remaining = c->remaining << 4 | (uint64_t)v;
			if (c->remaining > c->max_body - c->total)
				return JET_ETOOBIG;
			return JET_OK;
		}
		if (c->line_len == 1)
			return JET_EPROTO; /* no digit at all */
		if (ch == ';')
			c->state = CS_EXT_NAME_BWS;
		else if (is_ws(ch))
			c->state = CS_SIZE_BWS;
		else
			return JET_EPROTO;
		return JET_OK;
	}
	case CS_SIZE_BWS:
		if (ch == ';')
			c->state = CS_EXT_NAME_BWS;
		else if (!is_ws(ch))
			return JET_EPROTO;
		return JET_OK;
	case CS_EXT_NAME_BWS:
		if (jet_http_is_tchar(ch))
			c->state = CS_EXT_NAME;
		else if (!is_ws(ch))
			return JET_EPROTO;
		return JET_OK;
	case CS_EXT_NAME:
		if (jet_http_is_tchar(ch))
			return JET_OK;
		if (ch == '=')
			c->state = CS_EXT_VAL_BWS;
		else if (ch == ';')
			c->state = CS_EXT_NAME_BWS;
		else if (is_ws(ch))
			c->state = CS_EXT_NAME_BWS2;
		else
			return JET_EPROTO;
		return JET_OK;
	case CS_EXT_NAME_BWS2:
		if (ch == '=')
			c->state = CS_EXT_VAL_BWS;
		else if (ch == ';')
			c->state = CS_EXT_NAME_BWS;
		else if (!is_ws(ch))
			return JET_EPROTO;
		return JET_OK;
	case CS_EXT_VAL_BWS:
		if (ch == '"')
			c->state = CS_EXT_QUOTED;
		else if (jet_http_is_tchar(ch))
			c->state = CS_EXT_TOKEN;
		else if (!is_ws(ch))
			return JET_EPROTO;
		return JET_OK;
	case CS_EXT_TOKEN:
		if (jet_http_is_tchar(ch))
			return JET_OK;
		if (ch == ';')
			c->state = CS_EXT_NAME_BWS;
		else if (is_ws(ch))
			c->state = CS_SIZE_BWS;
		else
			return JET_EPROTO;
		return JET_OK;
	case CS_EXT_QUOTED:
		if (ch == '"')
			c->state = CS_EXT_QEND;
		else if (ch == '\\')
			c->state = CS_EXT_QPAIR;
		else if (!is_qdtext(ch))
			return JET_EPROTO;
		return JET_OK;
	case CS_EXT_QPAIR:
		/* quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
		if (!jet_http_is_field_byte(ch))
			return JET_EPROTO;
		c->state = CS_EXT_QUOTED;
		return JET_OK;
	case CS_EXT_QEND:
		if (ch == ';')
			c->state = CS_EXT_NAME_BWS;
		else if (is_ws(ch))
			c->state = CS_SIZE_BWS;
		else
			return JET_EPROTO;
		return JET_OK;
	default:
		return JET_ESTATE;
	}
}

/* One byte of the trailer section, the final CRLF excluded. */
static int
trailer_byte(struct jet_http_chunked *c, unsigned char ch)
{
	if (++c->trailer_bytes > c->max_trailer)
		return JET_ETOOBIG;
	switch (c->state) {
	case CS_TRAILER_START:
		/* A leading SP/HTAB would be obs-fold; ':' an empty name. */
		if (!jet_http_is_tchar(ch))
			return JET_EPROTO;
		c->state = CS_TRAILER_NAME;
		return JET_OK;
	case CS_TRAILER_NAME:
		if (ch == ':')
			c->state = CS_TRAILER_VALUE;
		else if (!jet_http_is_tchar(ch))
			return JET_EPROTO;
		return JET_OK;
	case CS_TRAILER_VALUE:
		if (ch == '\r')
			c->state = CS_TRAILER_LF;
		else if (!jet_http_is_field_byte(ch))
			return JET_EPROTO;
		return JET_OK;
	case CS_TRAILER_LF:
		if (ch != '\n')
			return JET_EPROTO;
		c->state = CS_TRAILER_START;
		return JET_OK;
	default:
		return JET_ESTATE;
	}
}

int
jet_http_chunked_feed(struct jet_http_chunked *c, const char *in, size_t len,
	struct jet_buf *out, size_t *consumed)
{
	size_t i = 0;
	int rc = JET_OK;

	*consumed = 0;
	if (c->state == CS_DONE)
		return JET_OK;
	if (c->state == CS_ERROR || c->state < 0 || c->state > CS_ERROR)
		return JET_ESTATE;
	if (in == NULL && len > 0)
		return JET_EINVAL;

	while (i < len) {
		unsigned char ch = (unsigned char)in[i];

		switch (c->state) {
		case CS_DATA: {
			size_t n = len - i;

			if ((uint64_t)n > c->remaining)
				n = (size_t)c->remaining;
			/* Deliver what fits before refusing, so that how far we
			 * got never depends on how the input was split. */
			if (out != NULL && n > out->max - out->len) {
				n = out->max - out->len;
				rc = JET_ETOOBIG;
			}
			if (out != NULL && n > 0 && jet_buf_append(out, in + i, n) != JET_OK) {
				rc = JET_ENOMEM;
				goto fail;
			}
			i += n;
			c->remaining -= n;
			c->total += n;
			if (rc != JET_OK)
				goto fail;
			if (c->remaining == 0)
				c->state = CS_DATA_CR;
			continue;
		}
		case CS_SIZE_LF:
			if (ch != '\n') {
				rc = JET_EPROTO;
				goto fail;
			}
			c->line_len = 0;
			if (c->remaining == 0) {
				c->state = CS_TRAILER_START;
			} else {
				c->state = CS_DATA;
			}
			break;
		case CS_DATA_CR:
			if (ch != '\r') {
				rc = JET_EPROTO;
				goto fail;
			}
			c->state = CS_DATA_LF;
			break;
		case CS_DATA_LF:
			if (ch != '\n') {
				rc = JET_EPROTO;
				goto fail;
			}
			c->state = CS_SIZE;
			c->line_len = 0;
			c->remaining = 0;
			break;
		case CS_TRAILER_START:
			if (ch == '\r')
				c->state = CS_FINAL_LF;
			else if ((rc = trailer_byte(c, ch)) != JET_OK)
				goto fail;
			break;
		case CS_TRAILER_NAME:
		case CS_TRAILER_VALUE:
		case CS_TRAILER_LF:
			if ((rc = trailer_byte(c, ch)) != JET_OK)
				goto fail;
			break;
		case CS_FINAL_LF:
			if (ch != '\n') {
				rc = JET_EPROTO;
				goto fail;
			}
			c->state = CS_DONE;
			*consumed = i + 1;
			return JET_OK;
		default:
			if ((rc = size_line_byte(c, ch)) != JET_OK)
				goto fail;
			break;
		}
		i++;
	}
	*consumed = i;
	return JET_AGAIN;
fail:
	c->state = CS_ERROR;
	*consumed = i;
	return rc;
}
