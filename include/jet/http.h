/*
 * jet/http.h - HTTP/1.1 message parsing (RFC 9112), strict by design: this
 * parser is Jetstream's security boundary, so anything ambiguous is refused
 * rather than guessed at.
 *
 * The head parsers are stateless: call them again with the whole buffer
 * when more bytes arrive (heads are bounded, so re-scanning is cheap).  All
 * jet_str fields borrow from the caller's buffer and are valid only while it
 * is unchanged.
 *
 * Return convention: bytes consumed (> 0) when a complete head was parsed,
 * JET_AGAIN when more input is needed, or a negative error.  On error the
 * request parser sets *status to the HTTP status the server must answer with
 * before closing the connection (400, 413, 414, 417, 431, 501, 505).
 *
 * For a buffer B and any prefix P of B, parsing P gives either JET_AGAIN or
 * exactly the result of parsing B: limits are checked at the byte where they
 * are passed, so the verdict never depends on how the input was split.
 * docs/internals/http-parser.md lists every rule.
 */
#ifndef JET_HTTP_H
#define JET_HTTP_H

#include "jet/core.h"

#define JET_HTTP_MAX_HEADERS 128 /* hard ceiling; limits->max_headers is <= this */
#define JET_HTTP_CHUNK_LINE_MAX 4096 /* chunk-size line incl. extensions, without CRLF */
#define JET_HTTP_ALLOW_MAX 64 /* room for any Allow value jet_router_match writes */

enum jet_http_method {
	JET_HTTP_GET = 0,
	JET_HTTP_HEAD,
	JET_HTTP_POST,
	JET_HTTP_PUT,
	JET_HTTP_DELETE,
	JET_HTTP_PATCH,
	JET_HTTP_OPTIONS,
	JET_HTTP_METHOD_OTHER, /* a valid token we do not implement: answer 501 */
};

/* "GET" ... "OPTIONS"; "OTHER" for JET_HTTP_METHOD_OTHER and out-of-range
 * values (log req->method_name instead to see the token). */
const char *jet_http_method_name(enum jet_http_method m);

struct jet_http_header {
	struct jet_str name;  /* as received; compare case-insensitively */
	struct jet_str value; /* OWS trimmed */
};

struct jet_http_limits {
	size_t max_request_line; /* request (status) line without CRLF; past it: 414 */
	size_t max_head;         /* whole head from the first byte through the final
	                          * CRLF CRLF, leading empty lines included; past
	                          * it: 431.  Values above INT_MAX act as INT_MAX. */
	size_t max_headers;      /* number of field lines; past it: 431.  Values
	                          * above JET_HTTP_MAX_HEADERS act as that. */
	uint64_t max_body;       /* Content-Length or decoded chunked total; past it: 413 */
};

/* Sensible defaults: 8 KiB request line, 32 KiB head, 100 headers, 1 MiB body. */
void jet_http_limits_default(struct jet_http_limits *lim);

enum jet_http_body {
	JET_HTTP_BODY_NONE = 0, /* no body (no CL/TE, or CL: 0) */
	JET_HTTP_BODY_LENGTH,   /* content_length bytes follow */
	JET_HTTP_BODY_CHUNKED,  /* chunked transfer coding follows */
	JET_HTTP_BODY_EOF,      /* responses only: body runs until the peer closes */
};

struct jet_http_request {
	enum jet_http_method method;
	struct jet_str method_name; /* the token as received */
	struct jet_str target;      /* request-target as received */
	struct jet_str path;        /* target up to '?' (origin-form; absolute-form
	                             * reduced, "/" when it has no path); "*" for
	                             * OPTIONS * */
	struct jet_str query;       /* after '?', without it; empty if none */
	int version_minor;          /* 0 for HTTP/1.0, 1 for HTTP/1.1 */
	struct jet_str host;        /* Host header value (required in 1.1); for an
	                             * absolute-form target its authority, which
	                             * must then equal Host; empty in a 1.0 request
	                             * without either */
	struct jet_http_header headers[JET_HTTP_MAX_HEADERS];
	size_t nheaders;
	enum jet_http_body body;
	uint64_t content_length; /* valid when body == JET_HTTP_BODY_LENGTH */
	bool keep_alive;         /* from version and Connection: close / keep-alive */
	bool expect_continue;    /* Expect: 100-continue was sent */
};

/*
 * Parses one request head from buf[0..len).  Leading empty lines (CRLF) are
 * skipped, four at most.  Refused with 400: bare CR or LF, obs-fold,
 * whitespace before a header colon, invalid token or value characters,
 * Content-Length together with Transfer-Encoding, several or invalid
 * Content-Length values, Transfer-Encoding in HTTP/1.0, a transfer coding
 * list whose last element is not "chunked" or that repeats it, missing or
 * repeated Host in HTTP/1.1 (or an invalid one), a '#' in the target, an
 * absolute-form authority that differs from Host, a malformed request line.
 * 501: other transfer codings before a final "chunked", and CONNECT (a
 * tunnel is never offered).  505: a well-formed version other than HTTP/1.0
 * or HTTP/1.1.  417: an Expect other than "100-continue".  414 / 431 / 413
 * for the limits, detected as soon as the bytes seen so far prove the limit
 * is exceeded (before the head is complete).
 *
 * An unknown but valid method token (including TRACE and lowercase "get")
 * is not an error: it parses with method JET_HTTP_METHOD_OTHER and the
 * server answers 501.  lim may be NULL for the defaults; status may be NULL.
 * Nothing is allocated; req's fields are defined only when the result is
 * > 0, and then headers[0..nheaders) and every slice borrow from buf.  The
 * returned count is where the body or the next pipelined request starts.
 */
int jet_http_parse_request(const char *buf, size_t len, const struct jet_http_limits *lim,
	struct jet_http_request *req, int *status);

/* First header with this name (case-insensitive), or NULL. */
const struct jet_http_header *jet_http_find_header(const struct jet_http_header *h, size_t n,
	const char *name);

struct jet_http_response {
	int status;
	int version_minor;
	struct jet_str reason;
	struct jet_http_header headers[JET_HTTP_MAX_HEADERS];
	size_t nheaders;
	enum jet_http_body body;
	uint64_t content_length;
	bool keep_alive;
};

/*
 * Parses one response head (the client side).  head_request: the request was
 * HEAD, so no body follows whatever the headers say.  1xx, 204 and 304 have
 * no body.  Returns bytes consumed, JET_AGAIN or JET_EPROTO / JET_ETOOBIG.
 * Field rules are those of requests (Host is not required).  JET_EPROTO:
 * malformed status line (version other than 1.0 / 1.1, status outside
 * 100-599, missing SP before the reason), Content-Length with
 * Transfer-Encoding, Transfer-Encoding in 1.0 or other than "chunked",
 * several Content-Length fields.  JET_ETOOBIG: the limits (the status line
 * counts against max_request_line) and a Content-Length past max_body for a
 * body that will be read.  Without Content-Length or Transfer-Encoding the
 * body runs until close (JET_HTTP_BODY_EOF, keep_alive false).
 */
int jet_http_parse_response(const char *buf, size_t len, const struct jet_http_limits *lim,
	bool head_request, struct jet_http_response *res);

/*
 * Incremental decoder for the chunked transfer coding (RFC 9112 section 7.1).
 * Chunk extensions are checked against the grammar, bounded (the size line
 * may hold JET_HTTP_CHUNK_LINE_MAX bytes) and ignored; trailer fields are
 * checked like header fields, bounded (max_trailer bytes in all, counting
 * each trailer line with its CRLF but not the final empty line; 0 allows no
 * trailer field) and discarded.  A chunk-size has at most 16 hex digits.
 */
struct jet_http_chunked {
	int state;            /* private */
	uint64_t remaining;   /* private: bytes left in the current chunk */
	uint64_t total;       /* decoded payload bytes so far */
	uint64_t max_body;    /* decoded total past this: JET_ETOOBIG (413) */
	size_t line_len;      /* private: bytes of the current size/trailer line */
	size_t trailer_bytes; /* private */
	size_t max_trailer;   /* private */
};

void jet_http_chunked_init(struct jet_http_chunked *c, uint64_t max_body, size_t max_trailer);

/*
 * Feeds in[0..len).  Decoded payload is appended to out (whose own maximum
 * also applies: JET_ETOOBIG); out may be NULL to discard the payload while
 * still counting it in total.  *consumed is set to the input bytes used.
 * Returns JET_OK when the last chunk and trailers were read (bytes after
 * them are left unconsumed: they belong to the next pipelined message; later
 * calls return JET_OK and consume nothing), JET_AGAIN when all input was
 * consumed and more is needed, JET_EPROTO on malformed framing, JET_ETOOBIG
 * past a limit (max_body, max_trailer, the size-line bound, out's maximum)
 * or JET_ENOMEM.  The result does not depend on how the input is split.
 * After an error the decoder returns JET_ESTATE until re-initialised.
 */
int jet_http_chunked_feed(struct jet_http_chunked *c, const char *in, size_t len,
	struct jet_buf *out, size_t *consumed);

/* Standard reason phrase for a status code ("Not Found"), or "Unknown". */
const char *jet_http_reason(int status);

/* ------------------------------------------------------------------------
 * Router: method + path pattern -> handler, declared once in a table.
 * Patterns are literal segments and "{name}" segments, e.g.
 * "/v1/points/{id}/history".  A {name} matches one non-empty segment.
 * ------------------------------------------------------------------------ */

#define JET_HTTP_MAX_PARAMS 8

struct jet_http_params {
	struct jet_str name[JET_HTTP_MAX_PARAMS];
	struct jet_str value[JET_HTTP_MAX_PARAMS]; /* raw, still percent-encoded */
	size_t n;
};

struct jet_router;

/* An entry's handler is opaque to the router: the server casts it. */
struct jet_route {
	enum jet_http_method method;
	const char *pattern;
	void *handler;
	const void *udata; /* per-route data for the handler (scope, limits ...) */
};

enum jet_route_result {
	JET_ROUTE_FOUND = 0,
	JET_ROUTE_NOT_FOUND,       /* 404 */
	JET_ROUTE_METHOD_MISMATCH, /* 405: the path matched, not the method */
};

/* Builds a router from routes[0..n) (the table is borrowed and must outlive
 * the router).  Refuses with JET_EINVAL: a pattern that is NULL, empty, not
 * starting with '/', longer than 1024 bytes, with an empty segment (so a
 * trailing '/' other than the root), more than 32 segments, a "." or ".."
 * segment, a literal byte outside pchar or a '%', a {param} that is not a
 * whole segment or whose name is not [A-Za-z0-9_]{1,64}, a repeated param
 * name, more than JET_HTTP_MAX_PARAMS params; a method that is
 * JET_HTTP_METHOD_OTHER; two routes with the same method whose patterns
 * match the same paths ("/a/{x}" and "/a/{y}").  JET_ENOMEM on allocation
 * failure. */
int jet_router_new(const struct jet_route *routes, size_t n, struct jet_router **out);
void jet_router_free(struct jet_router *r);

/*
 * Matches a request.  On JET_ROUTE_FOUND *route and params are set (params
 * and route may be NULL; parameter names borrow from the route table,
 * values from path).  On JET_ROUTE_METHOD_MISMATCH, allow (if not NULL)
 * receives the comma-separated list of allowed methods for the Allow header
 * ("GET, HEAD"), NUL-terminated and cut to allowlen (JET_HTTP_ALLOW_MAX
 * always suffices); otherwise allow is set to "".  A GET route also answers
 * HEAD unless a HEAD route matches.  When several patterns match, literal
 * segments win over {param} ones, the leftmost difference deciding.  Paths
 * are matched as received: a path that is not in origin form, or that holds
 * "..", "." (raw or percent-encoded) or empty segments, a trailing '/'
 * other than the root, NUL, %00, %2F, %5C, a malformed escape or any byte
 * outside RFC 3986 pchar, is JET_ROUTE_NOT_FOUND.
 */
enum jet_route_result jet_router_match(const struct jet_router *r, enum jet_http_method m,
	struct jet_str path, const struct jet_route **route, struct jet_http_params *params,
	char *allow, size_t allowlen);

/* Percent-decodes src into dst (size dstlen, NUL-terminated).  Refuses
 * malformed escapes, %00 or a raw NUL, and a result that does not fit (with
 * its NUL): JET_EINVAL, leaving dst "".  '+' is not decoded.  outlen, if not
 * NULL, receives the decoded length. */
int jet_http_pct_decode(struct jet_str src, char *dst, size_t dstlen, size_t *outlen);

/*
 * True when a request header field name claims a client identity
 * (X-Client-*, X-SSL-Client-*, X-Forwarded-Client-Cert, Client-Cert,
 * X-Jetstream-*, Remote-User, ...), compared ASCII case-insensitively with
 * '_' and '-' alike, so no spelling slips past.  The gateway removes all of
 * them before forwarding; the list is in lib/http/identity.c.
 */
bool jet_http_is_identity_header(struct jet_str name);

#endif /* JET_HTTP_H */
