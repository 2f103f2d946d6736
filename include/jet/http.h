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
 * before closing the connection (400, 413, 414, 431, 501, 505).
 */
#ifndef JET_HTTP_H
#define JET_HTTP_H

#include "jet/core.h"

#define JET_HTTP_MAX_HEADERS 128 /* hard ceiling; limits->max_headers is <= this */

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

const char *jet_http_method_name(enum jet_http_method m);

struct jet_http_header {
	struct jet_str name;  /* as received; compare case-insensitively */
	struct jet_str value; /* OWS trimmed */
};

struct jet_http_limits {
	size_t max_request_line; /* request line incl. target; past it: 414 */
	size_t max_head;         /* whole head incl. request line; past it: 431 */
	size_t max_headers;      /* number of header fields; past it: 431 */
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
	struct jet_str path;        /* target up to '?' (origin-form; absolute-form reduced) */
	struct jet_str query;       /* after '?', without it; empty if none */
	int version_minor;          /* 0 for HTTP/1.0, 1 for HTTP/1.1 */
	struct jet_str host;        /* Host header value (required in 1.1) */
	struct jet_http_header headers[JET_HTTP_MAX_HEADERS];
	size_t nheaders;
	enum jet_http_body body;
	uint64_t content_length; /* valid when body == JET_HTTP_BODY_LENGTH */
	bool keep_alive;         /* from version and Connection: close / keep-alive */
	bool expect_continue;    /* Expect: 100-continue was sent */
};

/*
 * Parses one request head from buf[0..len).  Leading empty lines (CRLF) are
 * skipped, a few at most.  Refused with 400: bare CR or LF, obs-fold,
 * whitespace before a header colon, invalid token or value characters,
 * Content-Length together with Transfer-Encoding, several or invalid
 * Content-Length values, Transfer-Encoding in HTTP/1.0, missing or repeated
 * Host in HTTP/1.1, a malformed request line.  501: a transfer coding other
 * than a single "chunked", or an unknown method.  505: a version other than
 * HTTP/1.0 or HTTP/1.1.  414 / 431 / 413 for the limits, detected as soon as
 * the bytes seen so far prove the limit is exceeded (before the head is
 * complete).
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
 */
int jet_http_parse_response(const char *buf, size_t len, const struct jet_http_limits *lim,
	bool head_request, struct jet_http_response *res);

/*
 * Incremental decoder for the chunked transfer coding (RFC 9112 section 7.1).
 * Chunk extensions are bounded and ignored; trailer fields are bounded
 * (max_trailer bytes in all) and discarded.
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
 * also applies: JET_ETOOBIG).  *consumed is set to the input bytes used.
 * Returns JET_OK when the last chunk and trailers were read (bytes after
 * them are left unconsumed: they belong to the next pipelined message),
 * JET_AGAIN when all input was consumed and more is needed, JET_EPROTO on
 * malformed framing, JET_ETOOBIG past a limit.
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
 * the router).  Refuses malformed patterns and duplicates with JET_EINVAL. */
int jet_router_new(const struct jet_route *routes, size_t n, struct jet_router **out);
void jet_router_free(struct jet_router *r);

/*
 * Matches a request.  On JET_ROUTE_FOUND *route and params are set.  On
 * JET_ROUTE_METHOD_MISMATCH, allow (if not NULL) receives the comma-separated
 * list of allowed methods for the Allow header ("GET, HEAD").  A GET route
 * also answers HEAD.  Paths are matched as received: a path that is not in
 * origin form, or that holds "..", "." or empty segments, or NUL, is
 * JET_ROUTE_NOT_FOUND.
 */
enum jet_route_result jet_router_match(const struct jet_router *r, enum jet_http_method m,
	struct jet_str path, const struct jet_route **route, struct jet_http_params *params,
	char *allow, size_t allowlen);

/* Percent-decodes src into dst (size dstlen, NUL-terminated).  Refuses
 * malformed escapes, %00 and a result that does not fit: JET_EINVAL. */
int jet_http_pct_decode(struct jet_str src, char *dst, size_t dstlen, size_t *outlen);

#endif /* JET_HTTP_H */
