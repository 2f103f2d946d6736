/*
 * parser.c - HTTP/1.1 request and response heads: start line, field lines
 * and the framing decision (RFC 9112 sections 2 to 6; field syntax from
 * RFC 9110 section 5; Host, Connection and Expect from RFC 9110 sections
 * 7.2, 7.6.1 and 10.1.1).
 *
 * This is the security boundary against request smuggling, so wherever the
 * RFCs allow a recipient to either repair or reject something, we reject:
 * bare CR or LF, obs-fold, whitespace before a colon or before the first
 * field, several Content-Length fields (even identical ones), Content-Length
 * with Transfer-Encoding, any transfer coding list other than exactly
 * "chunked", and a Host that is missing, repeated or not a plain
 * host[:port].  docs/internals/http-parser.md lists every rule and why.
 *
 * Invariants:
 *  - Stateless, allocation-free, never reads buf[len] or past it.  Every
 *    slice stored in the result points into buf[0 .. returned count).
 *  - The scan runs strictly left to right and stops at the first byte that
 *    decides the outcome, including the limits, which are checked at the
 *    byte where they are passed.  Hence, for a buffer B and any prefix P of
 *    B, parse(P) is either JET_AGAIN or exactly parse(B): a head is never
 *    judged differently depending on how TCP cut it, and a peer that never
 *    sends CRLF gets 414/431 as soon as the limit is passed, not JET_AGAIN
 *    forever.  The fuzz drivers assert this property.
 *  - Nothing after the empty line that ends the head is looked at: a
 *    pipelined request or the body starts at the returned count.
 *
 * Cost: a caller that re-parses after every read does O(n^2) work over a
 * head of n bytes in the worst case (a peer sending one byte at a time).
 * With the default 32 KiB max_head that bounds the work per connection; the
 * server's header timeout bounds the time.
 */
#include <limits.h>
#include <string.h>

#include "http_int.h"

/* Internal results: 0 (done), NEED (the bytes so far are a valid prefix)
 * or the HTTP status code that refuses the message. */
#define NEED (-1)

/* RFC 9112 section 2.2: a server SHOULD ignore at least one empty line
 * before the request line.  A few are tolerated for clients that send an
 * extra CRLF after a body; more is not a client we want to serve. */
#define LEADING_EMPTY_LINES_MAX 4

/* ------------------------------------------------------------------------
 * Limits
 * --------------------------------------------------------------------- */

static void
effective_limits(const struct jet_http_limits *in, struct jet_http_limits *out)
{
	if (in == NULL)
		jet_http_limits_default(out);
	else
		*out = *in;
	if (out->max_headers > JET_HTTP_MAX_HEADERS)
		out->max_headers = JET_HTTP_MAX_HEADERS;
	/* The consumed count is returned as an int. */
	if (out->max_head > (size_t)INT_MAX)
		out->max_head = (size_t)INT_MAX;
}

/* Maps a refusal status to the library error the parsers return. */
static int
status_err(int status)
{
	return status == 413 || status == 414 || status == 431 ? JET_ETOOBIG : JET_EPROTO;
}

/* ------------------------------------------------------------------------
 * Start lines
 *
 * A start line is read with two bounds: content bytes (everything but the
 * CRLF) only below lend, and the LF of the CRLF below end.  lend is set one
 * byte past the longest allowed content, so running out at lend proves that
 * a content byte sits at offset max: the line is too long whatever follows.
 * --------------------------------------------------------------------- */

struct line {
	const char *b;
	size_t start;  /* offset of the line's first byte */
	size_t lend;   /* content bytes are read only below this */
	size_t end;    /* no byte at or past this is read */
	size_t max;    /* longest content allowed */
	int too_long;  /* status for a line past max (414 / 431) */
};

static void
line_init(struct line *l, const char *b, size_t start, size_t end, size_t max, int too_long)
{
	l->b = b;
	l->start = start;
	l->end = end;
	l->max = max;
	l->too_long = too_long;
	l->lend = end - start > max ? start + max + 1 : end;
}

/* Out of content bytes at lend: a limit breach or a need for more. */
static int
line_run_out(const struct line *l)
{
	return l->lend - l->start > l->max ? l->too_long : NEED;
}

/* HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 2.3). */
static int
scan_version(const struct line *l, size_t *pp, int *major, int *minor)
{
	static const char name[] = "HTTP/";
	size_t p = *pp;

	for (size_t i = 0; i < 8; i++, p++) {
		unsigned char c;
		bool ok;

		if (p == l->lend)
			return line_run_out(l);
		c = (unsigned char)l->b[p];
		if (i < 5)
			ok = c == (unsigned char)name[i];
		else if (i == 6)
			ok = c == '.';
		else
			ok = jet_http_is_digit(c);
		if (!ok)
			return 400;
	}
	*major = l->b[p - 3] - '0';
	*minor = l->b[p - 1] - '0';
	*pp = p;
	return 0;
}

/* The CRLF that must end the line at p; *next is set past it. */
static int
scan_eol(const struct line *l, size_t p, size_t *next)
{
	if (p == l->lend)
		return line_run_out(l);
	if (l->b[p] != '\r')
		return 400;
	if (p + 1 == l->end)
		return NEED;
	if (l->b[p + 1] != '\n')
		return 400;
	*next = p + 2;
	return 0;
}

/*
 * request-line = method SP request-target SP HTTP-version CRLF
 * (RFC 9112 section 3).  Exactly one SP each time: the "relaxed" parsing of
 * section 3 is not used.  The target is any run of VCHAR; its form is
 * checked afterwards.
 */
static int
scan_request_line(const char *b, size_t end, size_t *pos, size_t max,
	struct jet_http_request *req)
{
	struct line l;
	size_t p = *pos, t;
	int st, major, minor;

	line_init(&l, b, p, end, max, 414);
	while (p < l.lend && jet_http_is_tchar((unsigned char)b[p]))
		p++;
	if (p == l.lend)
		return line_run_out(&l);
	if (p == l.start || b[p] != ' ')
		return 400;
	req->method_name = (struct jet_str){ b + l.start, p - l.start };
	t = ++p;
	while (p < l.lend && jet_http_is_vchar((unsigned char)b[p]))
		p++;
	if (p == l.lend)
		return line_run_out(&l);
	if (p == t || b[p] != ' ')
		return 400;
	req->target = (struct jet_str){ b + t, p - t };
	p++;
	if ((st = scan_version(&l, &p, &major, &minor)) != 0)
		return st;
	if ((st = scan_eol(&l, p, pos)) != 0)
		return st;
	/* Well-formed but not ours (HTTP/2.0, HTTP/1.2, HTTP/0.9). */
	if (major != 1 || minor > 1)
		return 505;
	req->version_minor = minor;
	return 0;
}

/* status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF
 * (RFC 9112 section 4).  The SP before an empty reason is required. */
static int
scan_status_line(const char *b, size_t end, size_t *pos, size_t max,
	struct jet_http_response *res)
{
	struct line l;
	size_t p = *pos, r;
	int st, major, minor, code = 0;

	line_init(&l, b, p, end, max, 414);
	if ((st = scan_version(&l, &p, &major, &minor)) != 0)
		return st;
	for (int i = 0; i < 5; i++, p++) {
		unsigned char c;

		if (p == l.lend)
			return line_run_out(&l);
		c = (unsigned char)b[p];
		if (i == 0 || i == 4) {
			if (c != ' ')
				return 400;
		} else {
			if (!jet_http_is_digit(c))
				return 400;
			code = code * 10 + (c - '0');
		}
	}
	r = p;
	while (p < l.lend && jet_http_is_field_byte((unsigned char)b[p]))
		p++;
	if ((st = scan_eol(&l, p, pos)) != 0)
		return st;
	if (major != 1 || minor > 1 || code < 100 || code > 599)
		return 400;
	res->version_minor = minor;
	res->status = code;
	res->reason = (struct jet_str){ b + r, p - r };
	return 0;
}

/* ------------------------------------------------------------------------
 * Field lines (RFC 9112 section 5, RFC 9110 section 5.5)
 * --------------------------------------------------------------------- */

/*
 * field-line = field-name ":" OWS field-value OWS, up to and including the
 * empty line that ends the head.  A line that starts with SP or HTAB is
 * obs-fold (or whitespace before the first field): both refused, since
 * RFC 9112 sections 2.2 and 5.2 let a server reject them and unfolding is
 * exactly where front and back ends have disagreed.  The max+1-th field
 * is refused at its first byte.
 */
static int
scan_fields(const char *b, size_t end, size_t *pos, struct jet_http_header *h, size_t max,
	size_t *nout)
{
	size_t p = *pos, n = 0;

	for (;;) {
		size_t ns, ne, vs;

		if (p == end)
			return NEED;
		if (b[p] == '\r') {
			if (p + 1 == end)
				return NEED;
			if (b[p + 1] != '\n')
				return 400;
			*pos = p + 2;
			*nout = n;
			return 0;
		}
		if (n == max)
			return 431;
		ns = p;
		while (p < end && jet_http_is_tchar((unsigned char)b[p]))
			p++;
		if (p == end)
			return NEED;
		/* Covers an empty name, obs-fold, bare LF and "Name :". */
		if (p == ns || b[p] != ':')
			return 400;
		ne = p++;
		vs = p;
		while (p < end && jet_http_is_field_byte((unsigned char)b[p]))
			p++;
		if (p == end)
			return NEED;
		if (b[p] != '\r')
			return 400; /* NUL, DEL, bare LF or another control */
		if (p + 1 == end)
			return NEED;
		if (b[p + 1] != '\n')
			return 400;
		h[n].name = (struct jet_str){ b + ns, ne - ns };
		h[n].value = jet_str_trim_ows((struct jet_str){ b + vs, p - vs });
		n++;
		p += 2;
	}
}

/* ------------------------------------------------------------------------
 * Field semantics shared by requests and responses
 * --------------------------------------------------------------------- */

struct fields {
	const struct jet_http_header *cl;   /* first Content-Length */
	const struct jet_http_header *host; /* first Host */
	size_t ncl, nte, nhost, nexpect;
	bool te_bad;          /* bad syntax, chunked twice, or chunked with parameters */
	bool te_unknown;      /* a coding other than chunked */
	bool te_chunked_seen;
	bool te_chunked_last; /* the last coding listed is chunked */
	bool conn_bad;        /* a Connection element that is not a token */
	bool conn_close, conn_keep_alive;
	bool expect_other;    /* an Expect value other than 100-continue */
};

/* Calls fn on each OWS-trimmed element of a comma-separated list. */
static void
each_element(struct jet_str v, void (*fn)(struct jet_str, struct fields *), struct fields *f)
{
	size_t i = 0;

	for (;;) {
		size_t s = i;

		while (i < v.len && v.p[i] != ',')
			i++;
		fn(jet_str_trim_ows((struct jet_str){ v.p + s, i - s }), f);
		if (i == v.len)
			return;
		i++;
	}
}

static size_t
token_len(struct jet_str s)
{
	size_t k = 0;

	while (k < s.len && jet_http_is_tchar((unsigned char)s.p[k]))
		k++;
	return k;
}

/*
 * transfer-coding = token *( OWS ";" OWS transfer-parameter ).  Empty
 * elements are refused (RFC 9110 section 5.6.1 says to skip them; here a
 * list that is not literally "chunked" is never what a client meant).
 * Parameters of unknown codings are not parsed: such a message is refused
 * with 501 whatever they say.
 */
static void
te_element(struct jet_str e, struct fields *f)
{
	size_t k = token_len(e);
	bool params = false;

	if (k == 0) {
		f->te_bad = true;
		return;
	}
	if (k < e.len) {
		struct jet_str rest = jet_str_trim_ows((struct jet_str){ e.p + k, e.len - k });

		if (rest.len == 0 || rest.p[0] != ';') {
			f->te_bad = true;
			return;
		}
		params = true;
	}
	if (jet_http_caseeq((struct jet_str){ e.p, k }, JET_STR_LIT("chunked"))) {
		if (params || f->te_chunked_seen)
			f->te_bad = true;
		f->te_chunked_seen = true;
		f->te_chunked_last = true;
	} else {
		f->te_unknown = true;
		f->te_chunked_last = false;
	}
}

/* connection-option = token; empty elements are skipped (RFC 9110 5.6.1). */
static void
conn_element(struct jet_str e, struct fields *f)
{
	if (e.len == 0)
		return;
	if (token_len(e) != e.len)
		f->conn_bad = true;
	else if (jet_str_caseeq_cstr(e, "close"))
		f->conn_close = true;
	else if (jet_str_caseeq_cstr(e, "keep-alive"))
		f->conn_keep_alive = true;
}

static void
collect_fields(const struct jet_http_header *h, size_t n, struct fields *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		struct jet_str name = h[i].name;

		if (jet_str_caseeq_cstr(name, "content-length")) {
			if (f->ncl++ == 0)
				f->cl = &h[i];
		} else if (jet_str_caseeq_cstr(name, "transfer-encoding")) {
			f->nte++;
			each_element(h[i].value, te_element, f);
		} else if (jet_str_caseeq_cstr(name, "host")) {
			if (f->nhost++ == 0)
				f->host = &h[i];
		} else if (jet_str_caseeq_cstr(name, "connection")) {
			each_element(h[i].value, conn_element, f);
		} else if (jet_str_caseeq_cstr(name, "expect")) {
			f->nexpect++;
			/* One expectation per field, and only the one RFC 9110
			 * defines; anything else gets 417. */
			if (!jet_str_caseeq_cstr(h[i].value, "100-continue"))
				f->expect_other = true;
		}
	}
}

/* The transfer coding list is exactly one "chunked": 0, 400 or 501
 * (RFC 9112 sections 6.1 and 6.3). */
static int
te_status(const struct fields *f)
{
	if (f->te_bad || !f->te_chunked_last)
		return 400;
	if (f->te_unknown)
		return 501;
	return 0;
}

/* ------------------------------------------------------------------------
 * Requests
 * --------------------------------------------------------------------- */

static enum jet_http_method
method_from_token(struct jet_str m)
{
	/* Methods are case-sensitive (RFC 9110 section 9.1): "get" is a
	 * valid token, hence OTHER, hence 501. */
	static const struct {
		const char *name;
		enum jet_http_method method;
	} tab[] = {
		{ "GET", JET_HTTP_GET },       { "HEAD", JET_HTTP_HEAD },
		{ "POST", JET_HTTP_POST },     { "PUT", JET_HTTP_PUT },
		{ "DELETE", JET_HTTP_DELETE }, { "PATCH", JET_HTTP_PATCH },
		{ "OPTIONS", JET_HTTP_OPTIONS },
	};

	for (size_t i = 0; i < JET_ARRAY_LEN(tab); i++)
		if (jet_str_eq_cstr(m, tab[i].name))
			return tab[i].method;
	return JET_HTTP_METHOD_OTHER;
}

/* path [ "?" query ] of an origin-form target or the rest of an
 * absolute-form one. */
static void
split_query(struct jet_http_request *req, struct jet_str t)
{
	const char *q = memchr(t.p, '?', t.len);

	if (q == NULL) {
		req->path = t;
		req->query = JET_STR_NULL;
	} else {
		req->path = (struct jet_str){ t.p, (size_t)(q - t.p) };
		req->query = (struct jet_str){ q + 1, t.len - (size_t)(q - t.p) - 1 };
		if (req->query.len == 0)
			req->query = JET_STR_NULL;
	}
}

/*
 * The four forms of RFC 9112 section 3.2.  origin-form is split; "*" is
 * only for OPTIONS; absolute-form is accepted for the http and https
 * schemes and reduced to its path and query, its authority returned for
 * the Host check; authority-form belongs to CONNECT, refused earlier, so
 * here it is 400 like anything else.  A '#' is refused in every form: a
 * fragment is never sent in a request-target.
 */
static int
split_target(struct jet_http_request *req, struct jet_str *authority)
{
	struct jet_str t = req->target;
	size_t skip, i;

	*authority = JET_STR_NULL;
	if (memchr(t.p, '#', t.len) != NULL)
		return 400;
	if (t.p[0] == '/') {
		split_query(req, t);
		return 0;
	}
	if (t.len == 1 && t.p[0] == '*') {
		if (req->method != JET_HTTP_OPTIONS)
			return 400;
		req->path = t;
		req->query = JET_STR_NULL;
		return 0;
	}
	if (t.len >= 7 && jet_http_caseeq((struct jet_str){ t.p, 7 }, JET_STR_LIT("http://")))
		skip = 7;
	else if (t.len >= 8 && jet_http_caseeq((struct jet_str){ t.p, 8 }, JET_STR_LIT("https://")))
		skip = 8;
	else
		return 400;
	for (i = skip; i < t.len && t.p[i] != '/' && t.p[i] != '?'; i++)
		;
	*authority = (struct jet_str){ t.p + skip, i - skip };
	if (authority->len == 0 || !jet_http_host_valid(*authority))
		return 400;
	if (i < t.len && t.p[i] == '/') {
		split_query(req, (struct jet_str){ t.p + i, t.len - i });
	} else {
		/* "http://h" or "http://h?q": the path is "/" (RFC 9110
		 * section 4.2.3).  Borrow the '/' of the "//" so the slice
		 * still lies inside the caller's buffer. */
		split_query(req, (struct jet_str){ t.p + i, t.len - i });
		req->path = (struct jet_str){ t.p + skip - 1, 1 };
	}
	return 0;
}

static int
request_semantics(struct jet_http_request *req, struct jet_str authority,
	const struct jet_http_limits *lim)
{
	struct fields f;

	collect_fields(req->headers, req->nheaders, &f);

	/* RFC 9112 section 3.2: exactly one Host in 1.1, never two. */
	if (f.nhost > 1 || (f.nhost == 0 && req->version_minor == 1))
		return 400;
	if (f.host != NULL) {
		if (!jet_http_host_valid(f.host->value))
			return 400;
		req->host = f.host->value;
	}
	/* Section 3.2.2 says to ignore Host for an absolute-form target;
	 * a Host that disagrees is refused instead, so no component
	 * downstream can be steered by the one we ignored. */
	if (authority.len > 0) {
		if (f.host != NULL && !jet_http_caseeq(authority, f.host->value))
			return 400;
		req->host = authority;
	}
	if (f.conn_bad)
		return 400;

	/* Framing, RFC 9112 sections 6.1 to 6.3. */
	if (f.nte > 0) {
		int st;

		if (req->version_minor == 0 || f.ncl > 0)
			return 400;
		if ((st = te_status(&f)) != 0)
			return st;
		req->body = JET_HTTP_BODY_CHUNKED;
	} else if (f.ncl > 0) {
		uint64_t v;
		int rc;

		/* Identical duplicates are refused too: section 6.3 allows
		 * collapsing them, but a peer that sends two is suspect. */
		if (f.ncl > 1)
			return 400;
		rc = jet_parse_u64(f.cl->value.p, f.cl->value.len, lim->max_body, &v);
		if (rc == JET_ETOOBIG)
			return 413; /* past max_body, or too many digits for 64 bits */
		if (rc != JET_OK)
			return 400;
		req->content_length = v;
		req->body = v > 0 ? JET_HTTP_BODY_LENGTH : JET_HTTP_BODY_NONE;
	}

	if (f.expect_other)
		return 417;
	/* RFC 9110 section 10.1.1: a 1.0 request's 100-continue is ignored. */
	req->expect_continue = f.nexpect > 0 && req->version_minor == 1;
	if (req->version_minor == 1)
		req->keep_alive = !f.conn_close;
	else
		req->keep_alive = f.conn_keep_alive && !f.conn_close;
	return 0;
}

static int
parse_request_head(const char *b, size_t end, const struct jet_http_limits *lim,
	struct jet_http_request *req, size_t *pos)
{
	struct jet_str authority;
	size_t p = 0;
	int st;

	for (int n = 0;; n++) {
		if (p == end)
			return NEED;
		if (b[p] != '\r')
			break;
		if (p + 1 == end)
			return NEED;
		if (b[p + 1] != '\n' || n == LEADING_EMPTY_LINES_MAX)
			return 400;
		p += 2;
	}
	if ((st = scan_request_line(b, end, &p, lim->max_request_line, req)) != 0)
		return st;
	req->method = method_from_token(req->method_name);
	/* CONNECT turns the connection into a tunnel we do not offer; what
	 * follows its head may not be HTTP, so the connection must end. */
	if (jet_str_eq_cstr(req->method_name, "CONNECT"))
		return 501;
	if ((st = split_target(req, &authority)) != 0)
		return st;
	if ((st = scan_fields(b, end, &p, req->headers, lim->max_headers, &req->nheaders)) != 0)
		return st;
	if ((st = request_semantics(req, authority, lim)) != 0)
		return st;
	*pos = p;
	return 0;
}

int
jet_http_parse_request(const char *buf, size_t len, const struct jet_http_limits *lim,
	struct jet_http_request *req, int *status)
{
	struct jet_http_limits l;
	size_t end, pos = 0;
	int dummy, st;

	if (status == NULL)
		status = &dummy;
	*status = 0;
	if (req == NULL || (buf == NULL && len > 0))
		return JET_EINVAL;
	effective_limits(lim, &l);

	/* The headers array is left alone: only [0, nheaders) is defined. */
	req->method = JET_HTTP_METHOD_OTHER;
	req->method_name = req->target = req->path = req->query = req->host = JET_STR_NULL;
	req->version_minor = 0;
	req->nheaders = 0;
	req->body = JET_HTTP_BODY_NONE;
	req->content_length = 0;
	req->keep_alive = false;
	req->expect_continue = false;
	if (len == 0)
		return JET_AGAIN;

	/* Nothing past max_head is ever looked at: if the head is not over
	 * by then, it is too large whatever the rest says. */
	end = len < l.max_head ? len : l.max_head;
	st = parse_request_head(buf, end, &l, req, &pos);
	if (st == NEED) {
		if (len <= l.max_head)
			return JET_AGAIN;
		st = 431;
	}
	if (st != 0) {
		*status = st;
		return status_err(st);
	}
	return (int)pos;
}

/* ------------------------------------------------------------------------
 * Responses
 * --------------------------------------------------------------------- */

/*
 * Message body length of a response, RFC 9112 section 6.3 items 1 to 8,
 * with the lenient branches replaced by refusals: Content-Length with
 * Transfer-Encoding, Transfer-Encoding in a 1.0 response or other than
 * "chunked", and several Content-Length fields are all JET_EPROTO.
 */
static int
response_semantics(struct jet_http_response *res, bool head_request,
	const struct jet_http_limits *lim)
{
	struct fields f;
	uint64_t v = 0;
	bool bodiless;

	collect_fields(res->headers, res->nheaders, &f);
	if (f.conn_bad)
		return 400;
	if (f.nte > 0) {
		if (res->version_minor == 0 || f.ncl > 0 || te_status(&f) != 0)
			return 400;
	}
	if (f.ncl > 1)
		return 400;
	if (f.ncl == 1) {
		int rc = jet_parse_u64(f.cl->value.p, f.cl->value.len, UINT64_MAX, &v);

		if (rc == JET_ETOOBIG)
			return 413;
		if (rc != JET_OK)
			return 400;
		res->content_length = v;
	}
	if (res->version_minor == 1)
		res->keep_alive = !f.conn_close;
	else
		res->keep_alive = f.conn_keep_alive && !f.conn_close;

	bodiless = head_request || res->status < 200 || res->status == 204 ||
		res->status == 304;
	if (bodiless) {
		res->body = JET_HTTP_BODY_NONE;
	} else if (f.nte > 0) {
		res->body = JET_HTTP_BODY_CHUNKED;
	} else if (f.ncl == 1) {
		if (v > lim->max_body)
			return 413;
		res->body = v > 0 ? JET_HTTP_BODY_LENGTH : JET_HTTP_BODY_NONE;
	} else {
		res->body = JET_HTTP_BODY_EOF;
		res->keep_alive = false; /* the close is the end of the body */
	}
	return 0;
}

int
jet_http_parse_response(const char *buf, size_t len, const struct jet_http_limits *lim,
	bool head_request, struct jet_http_response *res)
{
	struct jet_http_limits l;
	size_t end, pos = 0;
	int st;

	if (res == NULL || (buf == NULL && len > 0))
		return JET_EINVAL;
	effective_limits(lim, &l);

	res->status = 0;
	res->version_minor = 0;
	res->reason = JET_STR_NULL;
	res->nheaders = 0;
	res->body = JET_HTTP_BODY_NONE;
	res->content_length = 0;
	res->keep_alive = false;
	if (len == 0)
		return JET_AGAIN;

	end = len < l.max_head ? len : l.max_head;
	/* No leading empty lines here: a server has no excuse to send them,
	 * and after a body they would mean the framing was wrong. */
	st = scan_status_line(buf, end, &pos, l.max_request_line, res);
	if (st == 0)
		st = scan_fields(buf, end, &pos, res->headers, l.max_headers, &res->nheaders);
	if (st == 0)
		st = response_semantics(res, head_request, &l);
	if (st == NEED) {
		if (len <= l.max_head)
			return JET_AGAIN;
		st = 431;
	}
	if (st != 0)
		return status_err(st);
	return (int)pos;
}
