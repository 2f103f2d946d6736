/*
 * client.c - `jetstream client <command>`: registers and manages the OAuth
 * clients of the authorization server, directly in its store (the data
 * directory and store URL `jetstream auth` uses by default).  A running
 * server sees every change within its client cache TTL ([auth]
 * client_cache_ttl, 1 s by default): nothing is restarted.
 *
 * Invariants:
 *  - a client secret exists in clear only in this process, between its
 *    generation and the output that shows it once; the store keeps
 *    HMAC-SHA-256 of it under DATA_DIR/auth/client-secret.key (auth/secret.h),
 *    and no listing ever prints that hash;
 *  - every value is checked here, with a reason naming the option, before
 *    the store or the key file is touched: a refused command changes
 *    nothing;
 *  - a client always keeps at least one credential (secret, JWKS or TLS
 *    identity); a registered JWKS is public keys only, every one of them
 *    usable for signatures (lib/jose refuses private members);
 *  - text read from the store goes through a filter (valid UTF-8, no
 *    control or bidirectional-override characters) before it reaches a
 *    terminal or a JSON document.
 *
 * The commands, their options and their help are tables (opts[], subs[]):
 * parsing, dispatch and --help read them.  Exit status: 0 success, 1
 * operational error (store, file, client not found), 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "jet/core.h"
#include "jet/jose.h"
#include "jet/json.h"
#include "jet/store.h"
#include "jet/token.h"
#include "auth/secret.h"
#include "client.h"

/* Limits.  Where the store or the token verifier has a tighter one, the
 * value here matches it, so a client accepted here is usable everywhere. */
#define NAME_MAX_BYTES 200      /* the store's limit on a client name */
#define SCOPE_TOKEN_MAX 64
#define SCOPES_MAX 32
#define SCOPES_TEXT_MAX (JET_SCOPE_MAX - 1) /* a verified token keeps its scope in
                                             * JET_SCOPE_MAX bytes with the NUL */
#define GRANTS_MAX JET_PRINCIPAL_MAX_GRANTS /* what a verified token carries */
#define JWKS_FILE_MAX (64 * 1024)           /* as the auth service parses it */
#define JWKS_KEYS_MAX 32
#define JWKS_ALGS "ES256 ES384 EdDSA RS256 PS256"
#define TLS_NAME_MAX 255        /* lib/tls never reports a longer subject or SAN */
#define STORE_URL_MAX 700
#define GEN_ID_RANDOM 12        /* bytes: 16 base64url characters, 96 bits */

#define DEFAULT_DATA "./jetstream-data"
#define DEFAULT_SCOPE "points:read"
#define TTL_NOTE "a running authorization server applies this within its client cache " \
	"TTL ([auth] client_cache_ttl, 1 s by default)"
#define TOKENS_NOTE "access tokens already issued to it stay valid until they expire " \
	"([auth] token_lifetime, 10 min by default)"
#define SHOWN_ONCE "(shown once: store it now; it cannot be recovered)"

/* ------------------------------------------------------------------------
 * The command line: options and commands, declared once
 * --------------------------------------------------------------------- */

enum opt {
	OPT_DATA = 0,
	OPT_STORE,
	OPT_JSON,
	OPT_NAME,
	OPT_ID,
	OPT_SCOPE,
	OPT_GRANT,
	OPT_JWKS,
	OPT_TLS_SUBJECT,
	OPT_TLS_SAN,
	OPT_NO_SECRET,
	OPT_SUBJECT,
	OPT_SAN,
	OPT_CLEAR,
	OPT_COUNT
};

struct opt_def {
	const char *name; /* "--data" */
	const char *arg;  /* value placeholder; NULL for a flag */
	const char *help;
};

static const struct opt_def opts[OPT_COUNT] = {
	[OPT_DATA] = { "--data", "DIR",
		"data directory (default ./jetstream-data, the one `make run` uses); "
		"holds the store and auth/client-secret.key" },
	[OPT_STORE] = { "--store", "URL",
		"store URL (default sqlite:DIR/jetstream.db, as the auth service)" },
	[OPT_JSON] = { "--json", NULL, "machine-readable output: one JSON document" },
	[OPT_NAME] = { "--name", "NAME", "display name: 1..200 bytes of UTF-8 text" },
	[OPT_ID] = { "--id", "ID",
		"client_id: 1..64 of A-Z a-z 0-9 . _ - (default jc_ + 16 random characters)" },
	[OPT_SCOPE] = { "--scope", "\"S1 S2\"",
		"scopes the client may ask for, space-separated: at most 32, each 1..64 of "
		"A-Z a-z 0-9 : . _ - (default \"points:read\")" },
	[OPT_GRANT] = { "--grant", "BUILDING=ROLE",
		"a role in a building, repeatable (at most 64): building 1..64 of A-Z a-z 0-9 "
		". _ - or \"*\" (every building); role viewer, operator, integrator or admin" },
	[OPT_JWKS] = { "--jwks", "FILE",
		"public JWKS for private_key_jwt: at most 64 KiB and 32 keys, each with a kid, "
		"ES256 ES384 EdDSA RS256 or PS256, no private members" },
	[OPT_TLS_SUBJECT] = { "--tls-subject", "DN",
		"certificate subject for tls_client_auth, RFC 2253 form "
		"(openssl x509 -noout -subject -nameopt RFC2253)" },
	[OPT_TLS_SAN] = { "--tls-san", "URI|DNS",
		"certificate SAN (URI or DNS name) for tls_client_auth; OpenSSL's \"URI:\" or "
		"\"DNS:\" prefix is accepted and dropped" },
	[OPT_NO_SECRET] = { "--no-secret", NULL,
		"no client secret (the client then needs --jwks or a TLS identity)" },
	[OPT_SUBJECT] = { "--subject", "DN", "certificate subject, RFC 2253 form" },
	[OPT_SAN] = { "--san", "URI|DNS",
		"certificate SAN: URI or DNS name (a \"URI:\" or \"DNS:\" prefix is dropped)" },
	[OPT_CLEAR] = { "--clear", NULL, "remove the value instead of setting one" },
};

#define O(x) (1u << (x))
#define COMMON_OPTS (O(OPT_DATA) | O(OPT_STORE) | O(OPT_JSON))

struct ctx;

struct sub {
	const char *name;
	int (*run)(struct ctx *c);
	size_t min_pos, max_pos; /* positional arguments */
	unsigned opts;           /* options accepted besides COMMON_OPTS */
	const char *args;        /* the positional arguments, for messages */
	const char *synopsis;    /* the usage line(s) */
	const char *summary;     /* one line for `client --help` */
	const char *help;        /* the paragraph of `client <command> --help` */
};

struct ctx {
	const struct sub *sub;
	const char *val[OPT_COUNT];
	bool set[OPT_COUNT];
	const char *grants[GRANTS_MAX];
	size_t ngrants;
	const char *pos[2];
	size_t npos;
	bool json;
	const char *data;
	char store_url[STORE_URL_MAX];
	bool default_store;      /* store_url derived from the data directory */
	struct jet_store *store;
};

static int cmd_create(struct ctx *c);
static int cmd_list(struct ctx *c);
static int cmd_show(struct ctx *c);
static int cmd_rotate(struct ctx *c);
static int cmd_disable(struct ctx *c);
static int cmd_enable(struct ctx *c);
static int cmd_delete(struct ctx *c);
static int cmd_set_jwks(struct ctx *c);
static int cmd_set_tls(struct ctx *c);
static int cmd_set_scope(struct ctx *c);
static int cmd_set_grants(struct ctx *c);

static const struct sub subs[] = {
	{ "create", cmd_create, 0, 0,
		O(OPT_NAME) | O(OPT_ID) | O(OPT_SCOPE) | O(OPT_GRANT) | O(OPT_JWKS) |
			O(OPT_TLS_SUBJECT) | O(OPT_TLS_SAN) | O(OPT_NO_SECRET),
		"", "jetstream client create --name NAME [--id ID] [--scope \"S1 S2\"]\n"
		"         [--grant BUILDING=ROLE]... [--jwks FILE] [--tls-subject DN]\n"
		"         [--tls-san URI|DNS] [--no-secret]",
		"register a client; prints its id and its secret (shown once)",
		"Registers a client.  Unless --no-secret, a secret of 256 random bits is\n"
		"generated and printed once; only a keyed hash of it is stored.  The client\n"
		"needs at least one credential: a secret, a JWKS or a TLS identity." },
	{ "list", cmd_list, 0, 0, 0, "", "jetstream client list",
		"list the clients: id, name, status, auth methods, grants, scopes",
		"Lists every client, ordered by id.  Secrets and their hashes are never shown." },
	{ "show", cmd_show, 1, 1, 0, "ID", "jetstream client show ID",
		"show every field of a client",
		"Shows every field of a client; the JWKS as its key ids and algorithms\n"
		"(--json includes the whole document).  Never the secret or its hash." },
	{ "rotate-secret", cmd_rotate, 1, 1, 0, "ID", "jetstream client rotate-secret ID",
		"replace the client's secret; prints the new one (shown once)",
		"Generates a new secret and prints it once.  The previous secret stops\n"
		"working when the authorization server next reads the client: within its\n"
		"client cache TTL (1 s by default).  Gives a secret to a client that had none." },
	{ "disable", cmd_disable, 1, 1, 0, "ID", "jetstream client disable ID",
		"refuse the client at the token endpoint (reversible)",
		"Disables a client: the token endpoint refuses it within the client cache\n"
		"TTL.  Access tokens already issued stay valid until they expire." },
	{ "enable", cmd_enable, 1, 1, 0, "ID", "jetstream client enable ID", "enable a disabled client",
		"Enables a disabled client again." },
	{ "delete", cmd_delete, 1, 1, 0, "ID", "jetstream client delete ID", "delete the client (asks no questions)",
		"Deletes a client at once, without asking.  Access tokens already issued stay\n"
		"valid until they expire." },
	{ "set-jwks", cmd_set_jwks, 1, 2, O(OPT_CLEAR), "ID FILE",
		"jetstream client set-jwks ID FILE\n       jetstream client set-jwks ID --clear",
		"register (or remove) the client's public keys for private_key_jwt",
		"Replaces the client's JWKS with the one in FILE (checked as --jwks of create),\n"
		"or removes it with --clear." },
	{ "set-tls", cmd_set_tls, 1, 1, O(OPT_SUBJECT) | O(OPT_SAN) | O(OPT_CLEAR),
		"ID", "jetstream client set-tls ID [--subject DN] [--san URI|DNS]\n"
		"       jetstream client set-tls ID --clear",
		"set (or remove) the certificate identity for tls_client_auth",
		"Replaces the client's TLS identity: the certificate subject, the SAN, or both\n"
		"(both registered: both must match).  An option left out is removed.  --clear\n"
		"removes the identity." },
	{ "set-scope", cmd_set_scope, 2, 2, 0, "ID \"S1 S2\"", "jetstream client set-scope ID \"S1 S2\"",
		"replace the scopes the client may ask for",
		"Replaces the client's scopes (rules as --scope of create)." },
	{ "set-grants", cmd_set_grants, 1, 1, O(OPT_GRANT) | O(OPT_CLEAR),
		"ID", "jetstream client set-grants ID --grant BUILDING=ROLE...\n"
		"       jetstream client set-grants ID --clear",
		"replace the client's roles in buildings",
		"Replaces every grant of the client with the --grant options given, or\n"
		"removes them all with --clear." },
};

/* ------------------------------------------------------------------------
 * Messages and help
 * --------------------------------------------------------------------- */

/* An argument as it may be echoed in a message: command-line text the
 * operator typed, but never one that could carry terminal controls. */
static const char *
shown(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f || n >= 200)
			return "(unprintable argument)";
	return s;
}

static const char *
sub_name(const struct ctx *c)
{
	return c->sub != NULL ? c->sub->name : NULL;
}

static void __attribute__((format(printf, 2, 0)))
vmsg(const struct ctx *c, const char *fmt, va_list ap)
{
	const char *name = sub_name(c);

	fprintf(stderr, "jetstream client%s%s: ", name ? " " : "", name ? name : "");
	vfprintf(stderr, fmt, ap);
}

/* An operational error: one line on stderr, exit status 1. */
static int __attribute__((format(printf, 2, 3)))
fail(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* A usage error: one line on stderr, exit status 2. */
static int __attribute__((format(printf, 2, 3)))
bad(const struct ctx *c, const char *fmt, ...)
{
	const char *name = sub_name(c);
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'jetstream client%s%s --help')\n", name ? " " : "",
		name ? name : "");
	return 2;
}

/* "  --opt ARG   help", the help wrapped at 79 columns under its column. */
static void
print_opt(FILE *out, enum opt o)
{
	enum { PAD = 24, WIDTH = 79 }; /* PAD: "  " + the 22-column option name */
	const char *p = opts[o].help;
	char left[64];
	size_t col = PAD;

	snprintf(left, sizeof(left), "%s%s%s", opts[o].name, opts[o].arg ? " " : "",
		opts[o].arg ? opts[o].arg : "");
	fprintf(out, "  %-22s", left);
	while (*p != '\0') {
		size_t n = strcspn(p, " ");

		if (col > PAD && col + 1 + n > WIDTH) {
			fprintf(out, "\n%*s", PAD, "");
			col = PAD;
		}
		fprintf(out, " %.*s", (int)n, p);
		col += 1 + n;
		p += n;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
}

static void
print_common(FILE *out)
{
	fprintf(out, "common options:\n");
	for (int o = 0; o < OPT_COUNT; o++)
		if (COMMON_OPTS & O(o))
			print_opt(out, (enum opt)o);
	fprintf(out, "  %-22s %s\n", "--help, -h", "describe the command");
}

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: jetstream client <command> [arguments] [--data DIR] [--store URL] [--json]\n"
		"Manages the OAuth clients of the authorization server, in its store.  A running\n"
		"server applies changes within its client cache TTL (1 s by default).\n\n"
		"commands:\n");
	for (size_t i = 0; i < JET_ARRAY_LEN(subs); i++)
		fprintf(out, "  %-14s %s\n", subs[i].name, subs[i].summary);
	fputc('\n', out);
	print_common(out);
	fprintf(out,
		"\n'jetstream client <command> --help' describes a command.\n"
		"exit status: 0 success, 1 operational error (store, file, client not found),\n"
		"2 usage error.\n");
}

static void
sub_usage(FILE *out, const struct sub *s)
{
	fprintf(out, "usage: %s\n\n%s\n", s->synopsis, s->help);
	if (s->opts != 0) {
		fprintf(out, "\noptions:\n");
		for (int o = 0; o < OPT_COUNT; o++)
			if (s->opts & O(o))
				print_opt(out, (enum opt)o);
	}
	fputc('\n', out);
	print_common(out);
	fprintf(out, "\nexit status: 0 success, 1 operational error, 2 usage error.\n");
}

/* ------------------------------------------------------------------------
 * Parsing the command line
 * --------------------------------------------------------------------- */

static int
find_opt(const char *s, size_t n)
{
	for (int o = 0; o < OPT_COUNT; o++)
		if (strlen(opts[o].name) == n && memcmp(opts[o].name, s, n) == 0)
			return o;
	return -1;
}

static bool
is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

static bool
is_option_name(const char *a)
{
	return is_help(a) || find_opt(a, strlen(a)) >= 0;
}

/* Options may come anywhere after the command, as "--opt VALUE" or
 * "--opt=VALUE"; "--" ends them (an id may start with '-').  Strict:
 * unknown options, missing values and repeats are refused. */
static int
parse_args(struct ctx *c, int argc, char **argv)
{
	unsigned allowed = COMMON_OPTS | c->sub->opts;
	bool only_pos = false;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq;
		size_t n;
		int o;

		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (c->npos == c->sub->max_pos)
				return bad(c, "unexpected argument '%s'", shown(a));
			c->pos[c->npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = true;
			continue;
		}
		eq = strchr(a, '=');
		n = eq != NULL ? (size_t)(eq - a) : strlen(a);
		o = find_opt(a, n);
		if (o < 0 || !(allowed & O(o)))
			return bad(c, "unknown option '%.*s'", (int)JET_MIN(n, 64),
				shown(a) == a ? a : "?");
		if (opts[o].arg == NULL && eq != NULL)
			return bad(c, "option %s takes no value", opts[o].name);
		if (opts[o].arg != NULL) {
			/* "--name --json" forgot the value: a following option name is
			 * not taken as one ("--name=--json" is). */
			if (eq != NULL)
				val = eq + 1;
			else if (i + 1 < argc && !is_option_name(argv[i + 1]))
				val = argv[++i];
			else
				return bad(c, "option %s needs a value (%s)", opts[o].name,
					opts[o].arg);
		}
		if (o == OPT_GRANT) {
			if (c->ngrants == GRANTS_MAX)
				return bad(c, "at most %d --grant options", GRANTS_MAX);
			c->grants[c->ngrants++] = val;
			continue;
		}
		if (c->set[o])
			return bad(c, "option %s given twice", opts[o].name);
		c->set[o] = true;
		c->val[o] = val;
	}
	if (c->npos < c->sub->min_pos)
		return bad(c, "missing argument: %s", c->sub->args);
	return 0;
}

/* ------------------------------------------------------------------------
 * Text: validation and safe output
 * --------------------------------------------------------------------- */

/* Decodes one UTF-8 character: its length (1..4), or 0 when p does not
 * start a valid, shortest-form character (a NUL is length 1). */
static size_t
utf8_next(const unsigned char *p, uint32_t *cp)
{
	unsigned char b = p[0];
	uint32_t v;
	size_t n;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		n = 2;
		v = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		n = 3;
		v = b & 0x0f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		n = 4;
		v = b & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) ||
		(v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* Characters that would move the cursor, recolour the terminal or reorder
 * what the operator reads (C0, DEL, C1, line separators, bidi controls). */
static bool
is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
		(cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
		cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

/* True for 1..max bytes of valid UTF-8 without control characters. */
static bool
text_valid(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), n;
	uint32_t cp;

	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i += n)
		if ((n = utf8_next(p + i, &cp)) == 0 || is_control(cp))
			return false;
	return true;
}

/* A copy of s that is safe to print and to put in JSON: every invalid
 * byte and every control character becomes U+FFFD.  NULL on ENOMEM. */
static char *
printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), o = 0, n;
	char *out = malloc(3 * len + 1);
	uint32_t cp;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i += n) {
		if ((n = utf8_next(p + i, &cp)) == 0 || is_control(cp)) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			n = n == 0 ? 1 : n;
		} else {
			memcpy(out + o, p + i, n);
			o += n;
		}
	}
	out[o] = '\0';
	return out;
}

/* Writes s (NULL: "-") to stdout through printable(). */
static void
put_text(const char *s)
{
	char *t;

	if (s == NULL || s[0] == '\0') {
		fputs("-", stdout);
		return;
	}
	if ((t = printable(s)) == NULL) {
		fputs("?", stdout);
		return;
	}
	fputs(t, stdout);
	free(t);
}

/* A JSON string of printable(s), or null when s is NULL. */
static json_t *
jtext(const char *s)
{
	char *t;
	json_t *v;

	if (s == NULL)
		return json_null();
	if ((t = printable(s)) == NULL)
		return NULL;
	v = json_string(t);
	free(t);
	return v;
}

/* [A-Za-z0-9._-]{1,max}: client ids and building ids. */
static bool
id_valid(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

static bool
scope_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		ch == ':' || ch == '.' || ch == '_' || ch == '-';
}

/* Whether the space-separated list has the token s[0..n). */
static bool
list_has(const char *list, size_t listlen, const char *s, size_t n)
{
	size_t i = 0;

	while (i < listlen) {
		size_t m = 0;

		while (i + m < listlen && list[i + m] != ' ')
			m++;
		if (m == n && memcmp(list + i, s, n) == 0)
			return true;
		i += m + 1;
	}
	return false;
}

/*
 * "S1 S2 ..." -> the normalised list (single spaces) in out.  Refuses an
 * empty list, a token outside [A-Za-z0-9:._-]{1,64}, a repeated token,
 * more than 32 tokens or more than SCOPES_TEXT_MAX bytes in all.  The
 * reason may quote a token only once it passed the character check.
 */
static bool
parse_scopes(const char *in, struct jet_buf *out, char *why, size_t whylen)
{
	const char *p = in;
	size_t count = 0;

	jet_buf_init(out, SCOPES_TEXT_MAX + 1);
	while (*p != '\0') {
		size_t n;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, " ");
		if (++count > SCOPES_MAX) {
			snprintf(why, whylen, "more than %d scopes", SCOPES_MAX);
			return false;
		}
		if (n > SCOPE_TOKEN_MAX) {
			snprintf(why, whylen, "scope %zu is longer than %d characters", count,
				SCOPE_TOKEN_MAX);
			return false;
		}
		for (size_t i = 0; i < n; i++) {
			if (!scope_char(p[i])) {
				snprintf(why, whylen, "scope %zu has a character outside "
					"A-Z a-z 0-9 : . _ -", count);
				return false;
			}
		}
		if (list_has(out->data, out->len, p, n)) {
			snprintf(why, whylen, "scope '%.*s' given twice", (int)n, p);
			return false;
		}
		if ((out->len > 0 && jet_buf_append(out, " ", 1) != JET_OK) ||
			jet_buf_append(out, p, n) != JET_OK || out->len > SCOPES_TEXT_MAX) {
			snprintf(why, whylen, "scopes longer than %d bytes in all", SCOPES_TEXT_MAX);
			return false;
		}
		p += n;
	}
	/* The buffer's maximum leaves room for this NUL. */
	if (count == 0 || jet_buf_append(out, "", 1) != JET_OK) {
		snprintf(why, whylen, "%s", count == 0 ? "no scope given" : "out of memory");
		return false;
	}
	return true;
}

/* The --grant options -> a JSON object text {"building": "role"} (owned,
 * free()).  Refuses a malformed grant, an unknown role and a building
 * granted twice (two roles for one building would depend on their order). */
static char *
parse_grants(const struct ctx *c, char *why, size_t whylen)
{
	json_t *o = json_object();
	char *text = NULL;

	if (o == NULL)
		goto nomem;
	for (size_t i = 0; i < c->ngrants; i++) {
		const char *g = c->grants[i], *eq = strchr(g, '=');
		char building[JET_BUILDING_ID_MAX + 1];
		enum jet_role role;
		size_t bl;

		if (eq == NULL) {
			snprintf(why, whylen, "grant %zu is not BUILDING=ROLE", i + 1);
			goto fail;
		}
		bl = (size_t)(eq - g);
		if (!(bl == 1 && g[0] == '*') && !id_valid(g, bl, JET_BUILDING_ID_MAX)) {
			snprintf(why, whylen, "grant %zu: a building id is 1..%d of A-Z a-z 0-9 . _ - "
				"(or \"*\" for every building)", i + 1, JET_BUILDING_ID_MAX);
			goto fail;
		}
		role = jet_role_parse(eq + 1, strlen(eq + 1));
		if (role == JET_ROLE_NONE) {
			snprintf(why, whylen, "grant %zu: the role must be viewer, operator, "
				"integrator or admin", i + 1);
			goto fail;
		}
		memcpy(building, g, bl);
		building[bl] = '\0';
		if (json_object_get(o, building) != NULL) {
			snprintf(why, whylen, "building '%s' granted twice", building);
			goto fail;
		}
		if (json_object_set_new(o, building, json_string(jet_role_name(role))) != 0)
			goto nomem;
	}
	if ((text = json_dumps(o, JSON_COMPACT)) == NULL)
		goto nomem;
	json_decref(o);
	return text;
nomem:
	snprintf(why, whylen, "out of memory");
fail:
	json_decref(o);
	return NULL;
}

/* A certificate subject as lib/tls reports it (RFC 2253: printable ASCII,
 * non-ASCII escaped), or a SAN (no spaces either). */
static bool
tls_name_valid(const char *s, bool san)
{
	size_t n = strlen(s);

	if (n == 0 || n > TLS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch > 0x7e || (san && ch == ' '))
			return false;
	}
	return true;
}

/* A SAN as given, or without the "URI:" / "DNS:" prefix OpenSSL prints
 * (`openssl x509 -noout -ext subjectAltName`): the server compares the bare
 * value with the certificate's URI and DNS entries. */
static const char *
san_value(const char *s)
{
	if (strncmp(s, "URI:", 4) == 0 || strncmp(s, "DNS:", 4) == 0)
		return s + 4;
	return s;
}

/* ------------------------------------------------------------------------
 * JWKS files
 * --------------------------------------------------------------------- */

static unsigned
jwks_allowed(void)
{
	unsigned set = 0;

	(void)jet_jws_alg_set_parse(JWKS_ALGS, &set);
	return set;
}

/*
 * Checks a JWKS document as the auth service will use it, but stricter:
 * the service skips keys it cannot use (a provider may publish others),
 * while a client registering its own keys gets told.  JET_OK or an error
 * with why set (a fixed reason; never the document's text).
 */
static int
jwks_check(const char *text, size_t len, char *why, size_t whylen)
{
	struct jet_jwks set = { 0 };
	json_t *doc = NULL, *keys;
	char err[128];
	int rc;

	rc = jet_jwks_parse(text, len, JWKS_FILE_MAX, JWKS_KEYS_MAX, jwks_allowed(),
		JET_JWS_RS256, &set, err, sizeof(err));
	if (rc != JET_OK) {
		snprintf(why, whylen, "%s", rc == JET_ETOOBIG && err[0] == '\0' ? "too large" : err);
		return rc;
	}
	rc = JET_EINVAL;
	if (set.n == 0) {
		snprintf(why, whylen, "no signature key in the set");
		goto out;
	}
	for (size_t i = 0; i < set.n; i++) {
		if (set.keys[i]->has_private) { /* lib/jose refuses these already */
			snprintf(why, whylen, "private key material in a public key set");
			goto out;
		}
	}
	doc = jet_json_parse(text, len, JWKS_FILE_MAX, 16, true, NULL, 0);
	keys = json_object_get(doc, "keys");
	if (json_array_size(keys) != set.n) {
		/* Name the first key the service would skip, and why. */
		for (size_t i = 0; i < json_array_size(keys); i++) {
			struct jet_jwk *k = NULL;

			if (jet_jwk_parse(json_array_get(keys, i), jwks_allowed(), JET_JWS_RS256, &k,
				err, sizeof(err)) != JET_OK) {
				snprintf(why, whylen, "key %zu is not a usable signature key: %.80s",
					i + 1, err);
				goto out;
			}
			jet_jwk_free(k);
		}
		snprintf(why, whylen, "a key is not a usable signature key");
		goto out;
	}
	rc = JET_OK;
out:
	json_decref(doc);
	jet_jwks_cleanup(&set);
	return rc;
}

/* Reads and checks a JWKS file: the text (owned, free()) or NULL after
 * printing why (exit status 1). */
static char *
jwks_load(const struct ctx *c, const char *path)
{
	struct stat st;
	char *buf = NULL, why[160];
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block */

	if (fd < 0) {
		fail(c, "%s: %s", shown(path), strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fail(c, "%s: not a regular file", shown(path));
		goto fail;
	}
	if (st.st_size > JWKS_FILE_MAX) {
		fail(c, "%s: larger than %d KiB", shown(path), JWKS_FILE_MAX / 1024);
		goto fail;
	}
	if ((buf = malloc(JWKS_FILE_MAX + 2)) == NULL) {
		fail(c, "out of memory");
		goto fail;
	}
	/* Read to the limit and one byte more: the file may grow after fstat. */
	while (len <= JWKS_FILE_MAX && (n = read(fd, buf + len, JWKS_FILE_MAX + 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail(c, "%s: %s", shown(path), strerror(errno));
			goto fail;
		}
		len += (size_t)n;
	}
	if (len > JWKS_FILE_MAX) {
		fail(c, "%s: larger than %d KiB", shown(path), JWKS_FILE_MAX / 1024);
		goto fail;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		fail(c, "%s: refused: not a JSON text (NUL byte)", shown(path));
		goto fail;
	}
	if (jwks_check(buf, len, why, sizeof(why)) != JET_OK) {
		fail(c, "%s: refused: %s", shown(path), why);
		goto fail;
	}
	close(fd);
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

/* ------------------------------------------------------------------------
 * The store and the secret
 * --------------------------------------------------------------------- */

/* Opens the store.  With the default store, the data directory must exist
 * unless create_dir (a typo in --data should not silently start an empty
 * store for list or show). */
static int
open_store(struct ctx *c, bool create_dir)
{
	struct stat st;
	char err[256];

	if (c->default_store && stat(c->data, &st) != 0) {
		if (!create_dir || errno != ENOENT)
			return fail(c, "data directory %s: %s", shown(c->data), strerror(errno));
		if (mkdir(c->data, 0700) != 0 && errno != EEXIST)
			return fail(c, "cannot create %s: %s", shown(c->data), strerror(errno));
	}
	if (jet_store_open(c->store_url, &c->store, err, sizeof(err)) != JET_OK)
		return fail(c, "store: %s", err);
	return 0;
}

/* The client, or exit status 1 with the reason printed. */
static int
get_client(struct ctx *c, const char *id, struct jet_client *out)
{
	int rc = jet_store_client_get(c->store, id, out);

	if (rc == JET_ENOTFOUND)
		return fail(c, "client %s not found", id);
	if (rc != JET_OK)
		return fail(c, "store: %s", jet_strerror(rc));
	return 0;
}

/* A new secret and its keyed hash under the data directory's key. */
static int
new_secret(const struct ctx *c, char secret[JET_SECRET_TEXT],
	uint8_t hash[JET_CLIENT_SECRET_HASH])
{
	uint8_t key[JET_SECRET_KEY_BYTES];
	char err[256];
	int rc;

	if (jet_secret_key_load(c->data, key, err, sizeof(err)) != JET_OK)
		return fail(c, "secret key: %s", err);
	rc = jet_secret_generate(secret);
	if (rc == JET_OK)
		rc = jet_secret_hash(key, secret, strlen(secret), hash);
	jet_wipe(key, sizeof(key));
	if (rc != JET_OK) {
		jet_wipe(secret, JET_SECRET_TEXT);
		return fail(c, "cannot generate a secret: %s", jet_strerror(rc));
	}
	return 0;
}

static bool
has_jwks(const struct jet_client *cl)
{
	return cl->jwks != NULL;
}

static bool
has_tls(const struct jet_client *cl)
{
	return (cl->tls_subject != NULL && cl->tls_subject[0] != '\0') ||
		(cl->tls_san != NULL && cl->tls_san[0] != '\0');
}

static bool
has_secret(const struct jet_client *cl)
{
	return cl->has_secret;
}

/* The client authentication methods (RFC 8414 names) a client's
 * credentials allow, in the order the metadata lists them. */
static const struct {
	const char *name;
	bool (*has)(const struct jet_client *cl);
} methods[] = {
	{ "client_secret_basic", has_secret },
	{ "client_secret_post", has_secret },
	{ "private_key_jwt", has_jwks },
	{ "tls_client_auth", has_tls },
};

static bool
has_credential(const struct jet_client *cl)
{
	return has_secret(cl) || has_jwks(cl) || has_tls(cl);
}

/* Writes the modified client; exit status. */
static int
save_client(struct ctx *c, const struct jet_client *cl)
{
	int rc;

	if (!has_credential(cl))
		return fail(c, "refused: client %s would be left without any credential "
			"(secret, JWKS or TLS identity)", cl->id);
	rc = jet_store_client_update(c->store, cl);
	if (rc == JET_ENOTFOUND)
		return fail(c, "client %s not found", cl->id);
	if (rc != JET_OK)
		return fail(c, "store: %s", jet_strerror(rc));
	return 0;
}

/* ------------------------------------------------------------------------
 * Output
 * --------------------------------------------------------------------- */

static void
fmt_time(int64_t t, char out[32])
{
	char ts[25];

	if (t <= 0) {
		snprintf(out, 32, "-");
		return;
	}
	jet_time_rfc3339((uint64_t)t * 1000, ts);
	snprintf(out, 32, "%.19sZ", ts);
}

static bool
put(json_t *o, const char *key, json_t *v)
{
	return v != NULL && json_object_set_new(o, key, v) == 0;
}

static bool
append(json_t *a, json_t *v)
{
	return v != NULL && json_array_append_new(a, v) == 0;
}

static json_t *
methods_json(const struct jet_client *cl)
{
	json_t *a = json_array();
	bool ok = a != NULL;

	for (size_t i = 0; ok && i < JET_ARRAY_LEN(methods); i++)
		if (methods[i].has(cl))
			ok = append(a, json_string(methods[i].name));
	if (!ok) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *
scopes_json(const char *scopes)
{
	json_t *a = json_array();
	const char *p = scopes != NULL ? scopes : "";
	bool ok = a != NULL;

	while (ok && *p != '\0') {
		size_t n;
		char *t;

		while (*p == ' ')
			p++;
		if ((n = strcspn(p, " ")) == 0)
			break;
		if ((t = strndup(p, n)) == NULL) {
			ok = false;
			break;
		}
		ok = append(a, jtext(t));
		free(t);
		p += n;
	}
	if (!ok) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* The stored grants as a JSON object with printable keys and values; an
 * unreadable record gives {} rather than stopping a listing. */
static json_t *
grants_json(const char *grants)
{
	json_t *in, *out = json_object(), *v;
	const char *k;
	bool ok = out != NULL;

	in = grants != NULL ? jet_json_parse(grants, strlen(grants), 64 * 1024, 4, true, NULL, 0)
			    : NULL;
	if (ok && json_is_object(in)) {
		json_object_foreach(in, k, v) {
			char *pk = printable(k);

			ok = pk != NULL && put(out, pk, jtext(json_is_string(v) ?
				json_string_value(v) : "?"));
			free(pk);
			if (!ok)
				break;
		}
	}
	json_decref(in);
	if (!ok) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* [{"kid","alg"}...] of the client's JWKS; *why set when the stored set is
 * unusable (a record not written by this command). */
static json_t *
jwks_keys_json(const char *jwks, char *why, size_t whylen)
{
	struct jet_jwks set = { 0 };
	json_t *a = json_array();
	bool ok = a != NULL;

	why[0] = '\0';
	if (jwks == NULL || a == NULL)
		return a;
	if (jet_jwks_parse(jwks, strlen(jwks), JWKS_FILE_MAX, JWKS_KEYS_MAX, jwks_allowed(),
		JET_JWS_RS256, &set, why, whylen) != JET_OK) {
		if (why[0] == '\0')
			snprintf(why, whylen, "unreadable");
		return a;
	}
	for (size_t i = 0; ok && i < set.n; i++)
		ok = append(a, json_pack("{s:s, s:s}", "kid", set.keys[i]->kid, "alg",
			jet_jws_alg_name(set.keys[i]->alg)));
	jet_jwks_cleanup(&set);
	if (!ok) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* Everything about a client but its secret hash; full adds the JWKS
 * document itself.  A new reference, NULL on ENOMEM. */
static json_t *
client_json(const struct jet_client *cl, bool full)
{
	json_t *o = json_object();
	char created[32], updated[32], why[128];
	bool ok = o != NULL;

	fmt_time(cl->created_at, created);
	fmt_time(cl->updated_at, updated);
	ok = ok && put(o, "client_id", jtext(cl->id)) && put(o, "name", jtext(cl->name)) &&
		put(o, "status", json_string(cl->disabled ? "disabled" : "enabled")) &&
		put(o, "auth_methods", methods_json(cl)) &&
		put(o, "has_secret", json_boolean(cl->has_secret)) &&
		put(o, "scopes", scopes_json(cl->scopes)) &&
		put(o, "grants", grants_json(cl->grants)) &&
		put(o, "jwks_keys", jwks_keys_json(cl->jwks, why, sizeof(why)));
	if (ok && why[0] != '\0')
		ok = put(o, "jwks_error", json_string(why));
	if (ok && full) {
		json_t *doc = cl->jwks != NULL ? jet_json_parse(cl->jwks, strlen(cl->jwks),
			JWKS_FILE_MAX, 16, true, NULL, 0) : NULL;

		ok = put(o, "jwks", doc != NULL ? doc : json_null());
	}
	ok = ok && put(o, "tls_subject", jtext(cl->tls_subject)) &&
		put(o, "tls_san", jtext(cl->tls_san)) &&
		put(o, "created_at", json_string(created)) &&
		put(o, "updated_at", json_string(updated));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Prints v as one line of compact JSON and releases it; exit status. */
static int
emit(const struct ctx *c, json_t *v)
{
	int rc;

	if (v == NULL)
		return fail(c, "out of memory");
	rc = json_dumpf(v, stdout, JSON_COMPACT);
	json_decref(v);
	if (rc != 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0)
		return fail(c, "cannot write the output");
	return 0;
}

/* Text form of a JSON array of strings, joined by sep ("-" when empty). */
static void
put_list(const json_t *a, const char *sep)
{
	size_t i;
	json_t *v;

	if (json_array_size(a) == 0)
		fputs("-", stdout);
	json_array_foreach(a, i, v)
		printf("%s%s", i ? sep : "", json_string_value(v));
}

/* "b1=role,b2=role" ("-" when none). */
static void
put_grants(const json_t *g, const char *sep)
{
	const char *k;
	json_t *v;
	bool first = true;

	if (json_object_size(g) == 0)
		fputs("-", stdout);
	json_object_foreach((json_t *)g, k, v) {
		printf("%s%s=%s", first ? "" : sep, k, json_string_value(v));
		first = false;
	}
}

static int
print_client(const struct ctx *c, const struct jet_client *cl)
{
	json_t *o = client_json(cl, false), *keys;
	const char *why;
	size_t i;
	json_t *k;

	if (o == NULL)
		return fail(c, "out of memory");
	printf("client_id:     %s\nname:          ", json_string_value(json_object_get(o,
		"client_id")));
	put_text(cl->name);
	printf("\nstatus:        %s\nauth methods:  ", cl->disabled ? "disabled" : "enabled");
	put_list(json_object_get(o, "auth_methods"), " ");
	printf("\nsecret:        %s\nscopes:        ", cl->has_secret ?
		"set (stored as a keyed hash; replace it with rotate-secret)" : "none");
	put_list(json_object_get(o, "scopes"), " ");
	printf("\ngrants:        ");
	put_grants(json_object_get(o, "grants"), " ");
	printf("\njwks:          ");
	keys = json_object_get(o, "jwks_keys");
	why = json_string_value(json_object_get(o, "jwks_error"));
	if (cl->jwks == NULL)
		printf("none");
	else if (why != NULL)
		printf("unusable: %s", why);
	else
		printf("%zu key%s:", json_array_size(keys), json_array_size(keys) == 1 ? "" : "s");
	json_array_foreach(keys, i, k)
		printf("%s %s (%s)", i ? "," : "", json_string_value(json_object_get(k, "kid")),
			json_string_value(json_object_get(k, "alg")));
	printf("\ntls subject:   ");
	put_text(cl->tls_subject);
	printf("\ntls san:       ");
	put_text(cl->tls_san);
	printf("\ncreated:       %s\nupdated:       %s\n",
		json_string_value(json_object_get(o, "created_at")),
		json_string_value(json_object_get(o, "updated_at")));
	json_decref(o);
	return 0;
}

/* After a change: the client (--json) or one line saying what happened. */
static int
report_change(const struct ctx *c, const struct jet_client *cl, const char *what,
	const char *note)
{
	struct jet_client now = { 0 };
	int rc;

	if (c->json) {
		/* Read back: the JSON shows the stored record, updated_at included. */
		if ((rc = jet_store_client_get(c->store, cl->id, &now)) != JET_OK)
			return fail(c, "store: %s", jet_strerror(rc));
		rc = emit(c, client_json(&now, true));
		jet_client_cleanup(&now);
		return rc;
	}
	printf("client %s: %s\n%s\n", cl->id, what, TTL_NOTE);
	if (note != NULL)
		printf("%s\n", note);
	return 0;
}

/* The id and the secret, shown once.  secret NULL: the id only. */
static int
print_credentials(const struct ctx *c, const char *id, const char *secret)
{
	int rc;

	/* Both are from fixed alphabets (id checked, secret base64url), so
	 * they go out as they are, with no intermediate copy to wipe. */
	if (c->json && secret != NULL)
		rc = printf("{\"client_id\":\"%s\",\"client_secret\":\"%s\"}\n", id, secret);
	else if (c->json)
		rc = printf("{\"client_id\":\"%s\"}\n", id);
	else if (secret != NULL)
		rc = printf("client_id: %s\nclient_secret: %s\n%s\n", id, secret, SHOWN_ONCE);
	else
		rc = printf("client_id: %s\n", id);
	if (rc < 0 || fflush(stdout) != 0)
		return fail(c, "cannot write the output");
	return 0;
}

/* ------------------------------------------------------------------------
 * Commands
 * --------------------------------------------------------------------- */

/* The positional ID, checked; exit status 2 when it cannot be a client id. */
static int
arg_id(const struct ctx *c, const char **id)
{
	*id = c->pos[0];
	if (!id_valid(*id, strlen(*id), JET_CLIENT_ID_MAX))
		return bad(c, "a client id is 1..%d of A-Z a-z 0-9 . _ -", JET_CLIENT_ID_MAX);
	return 0;
}

static void
gen_id(char out[JET_CLIENT_ID_MAX + 1])
{
	uint8_t rnd[GEN_ID_RANDOM];

	/* RAND_bytes failing means no usable CSPRNG: nothing safe to do. */
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		abort();
	memcpy(out, "jc_", 3);
	(void)jet_b64url_encode(rnd, sizeof(rnd), out + 3, JET_CLIENT_ID_MAX + 1 - 3);
}

static int
cmd_create(struct ctx *c)
{
	struct jet_client cl = { 0 };
	struct jet_buf scopes = { 0 };
	char id[JET_CLIENT_ID_MAX + 1], secret[JET_SECRET_TEXT] = "", why[200];
	char *grants = NULL, *jwks = NULL;
	const char *name = c->val[OPT_NAME], *subject = c->val[OPT_TLS_SUBJECT];
	const char *san = c->set[OPT_TLS_SAN] ? san_value(c->val[OPT_TLS_SAN]) : NULL;
	bool with_secret = !c->set[OPT_NO_SECRET];
	int rc = 2;

	if (name == NULL) {
		bad(c, "--name is required");
		goto out;
	}
	if (!text_valid(name, NAME_MAX_BYTES)) {
		bad(c, "--name: 1..%d bytes of UTF-8 text without control characters",
			NAME_MAX_BYTES);
		goto out;
	}
	if (c->set[OPT_ID]) {
		if (!id_valid(c->val[OPT_ID], strlen(c->val[OPT_ID]), JET_CLIENT_ID_MAX)) {
			bad(c, "--id: 1..%d of A-Z a-z 0-9 . _ -", JET_CLIENT_ID_MAX);
			goto out;
		}
		snprintf(id, sizeof(id), "%s", c->val[OPT_ID]);
	} else {
		gen_id(id);
	}
	if (!parse_scopes(c->set[OPT_SCOPE] ? c->val[OPT_SCOPE] : DEFAULT_SCOPE, &scopes, why,
		sizeof(why))) {
		bad(c, "--scope: %s", why);
		goto out;
	}
	if ((grants = parse_grants(c, why, sizeof(why))) == NULL) {
		bad(c, "--grant: %s", why);
		goto out;
	}
	if (subject != NULL && !tls_name_valid(subject, false)) {
		bad(c, "--tls-subject: 1..%d printable ASCII characters (RFC 2253 escapes "
			"the rest)", TLS_NAME_MAX);
		goto out;
	}
	if (san != NULL && !tls_name_valid(san, true)) {
		bad(c, "--tls-san: 1..%d printable ASCII characters, no spaces", TLS_NAME_MAX);
		goto out;
	}
	if (!with_secret && !c->set[OPT_JWKS] && subject == NULL && san == NULL) {
		bad(c, "--no-secret needs --jwks, --tls-subject or --tls-san: a client needs "
			"a credential");
		goto out;
	}
	rc = 1;
	if (c->set[OPT_JWKS] && (jwks = jwks_load(c, c->val[OPT_JWKS])) == NULL)
		goto out;
	if (open_store(c, true) != 0)
		goto out;
	if (with_secret && new_secret(c, secret, cl.secret_hash) != 0)
		goto out;
	cl.id = id;
	cl.name = (char *)name;
	cl.scopes = scopes.data;
	cl.grants = grants;
	cl.has_secret = with_secret;
	cl.jwks = jwks;
	cl.tls_subject = (char *)subject;
	cl.tls_san = (char *)san;
	rc = jet_store_client_create(c->store, &cl);
	if (rc == JET_EEXIST) {
		rc = fail(c, "client %s already exists", id);
		goto out;
	}
	if (rc != JET_OK) {
		rc = fail(c, "store: %s", jet_strerror(rc));
		goto out;
	}
	rc = print_credentials(c, id, with_secret ? secret : NULL);
out:
	jet_wipe(secret, sizeof(secret));
	jet_wipe(cl.secret_hash, sizeof(cl.secret_hash));
	jet_buf_cleanup(&scopes);
	free(grants);
	free(jwks);
	return rc;
}

struct list_acc {
	json_t *all;
	bool nomem;
};

static int
list_cb(const struct jet_client *cl, void *arg)
{
	struct list_acc *acc = arg;

	if (!append(acc->all, client_json(cl, false))) {
		acc->nomem = true;
		return JET_ENOMEM;
	}
	return 0;
}

/* Display width of UTF-8 text: its characters (good enough for names). */
static size_t
width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void
put_cell(const char *s, size_t w)
{
	fputs(s, stdout);
	for (size_t n = width(s); n < w; n++)
		fputc(' ', stdout);
	fputs("  ", stdout);
}

/* The columns of `client list`, and the text of one cell. */
enum col { COL_ID = 0, COL_NAME, COL_STATUS, COL_AUTH, COL_SCOPES, COL_GRANTS, COL_COUNT };

static const char *const col_title[COL_COUNT] = { "ID", "NAME", "STATUS", "AUTH", "SCOPES",
	"GRANTS" };

/* Text of a cell of a listed client (client_json output) into b ("-" when
 * empty); false on ENOMEM. */
static bool
cell_text(const json_t *o, enum col col, struct jet_buf *b)
{
	static const char *const key[COL_COUNT] = { "client_id", "name", "status",
		"auth_methods", "scopes", "grants" };
	const json_t *v = json_object_get(o, key[col]);
	const char *k;
	json_t *e;
	size_t i;
	bool ok = true;

	jet_buf_reset(b);
	if (json_is_string(v)) {
		ok = jet_buf_append_str(b, json_string_value(v)) == JET_OK;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			ok = ok && jet_buf_printf(b, "%s%s", i ? "," : "", json_string_value(e)) ==
				JET_OK;
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, e)
			ok = ok && jet_buf_printf(b, "%s%s=%s", b->len ? "," : "", k,
				json_string_value(e)) == JET_OK;
	}
	if (ok && b->len == 0)
		ok = jet_buf_append_str(b, "-") == JET_OK;
	return ok && jet_buf_append(b, "", 1) == JET_OK;
}

static int
cmd_list(struct ctx *c)
{
	struct list_acc acc = { json_array(), false };
	struct jet_buf b;
	size_t i, w[COL_COUNT];
	json_t *o;
	int rc;

	if (acc.all == NULL)
		return fail(c, "out of memory");
	if (open_store(c, false) != 0) {
		json_decref(acc.all);
		return 1;
	}
	rc = jet_store_client_list(c->store, list_cb, &acc);
	if (rc != JET_OK) {
		json_decref(acc.all);
		return fail(c, "%s", acc.nomem ? "out of memory" : jet_strerror(rc));
	}
	if (c->json)
		return emit(c, acc.all);
	if (json_array_size(acc.all) == 0) {
		printf("no clients\n");
		json_decref(acc.all);
		return 0;
	}
	/* Two passes: the widths, then the rows; the last column is not padded. */
	jet_buf_init(&b, 1 << 20);
	for (int k = 0; k < COL_COUNT; k++)
		w[k] = strlen(col_title[k]);
	rc = 0;
	json_array_foreach(acc.all, i, o) {
		for (int k = 0; k < COL_COUNT - 1 && rc == 0; k++) {
			if (!cell_text(o, (enum col)k, &b))
				rc = fail(c, "out of memory");
			else
				w[k] = JET_MAX(w[k], width(b.data));
		}
	}
	for (int k = 0; k < COL_COUNT - 1 && rc == 0; k++)
		put_cell(col_title[k], w[k]);
	if (rc == 0)
		printf("%s\n", col_title[COL_COUNT - 1]);
	json_array_foreach(acc.all, i, o) {
		for (int k = 0; k < COL_COUNT && rc == 0; k++) {
			if (!cell_text(o, (enum col)k, &b))
				rc = fail(c, "out of memory");
			else if (k < COL_COUNT - 1)
				put_cell(b.data, w[k]);
			else
				printf("%s\n", b.data);
		}
	}
	jet_buf_cleanup(&b);
	json_decref(acc.all);
	return rc;
}

static int
cmd_show(struct ctx *c)
{
	struct jet_client cl = { 0 };
	const char *id;
	int rc;

	if ((rc = arg_id(c, &id)) != 0 || (rc = open_store(c, false)) != 0 ||
		(rc = get_client(c, id, &cl)) != 0)
		return rc;
	rc = c->json ? emit(c, client_json(&cl, true)) : print_client(c, &cl);
	jet_client_cleanup(&cl);
	return rc;
}

static int
cmd_rotate(struct ctx *c)
{
	struct jet_client cl = { 0 };
	char secret[JET_SECRET_TEXT] = "";
	const char *id;
	bool had = false;
	int rc;

	if ((rc = arg_id(c, &id)) != 0 || (rc = open_store(c, false)) != 0 ||
		(rc = get_client(c, id, &cl)) != 0)
		return rc;
	had = cl.has_secret;
	if ((rc = new_secret(c, secret, cl.secret_hash)) != 0)
		goto out;
	cl.has_secret = true;
	if ((rc = save_client(c, &cl)) != 0)
		goto out;
	if ((rc = print_credentials(c, id, secret)) != 0)
		goto out;
	if (!c->json)
		printf("%s: %s\n", had ? "the previous secret stops working" :
			"client_secret_basic and client_secret_post now work too", TTL_NOTE);
	if (!c->json && cl.disabled)
		printf("note: the client is disabled (jetstream client enable %s)\n", id);
out:
	jet_wipe(secret, sizeof(secret));
	jet_client_cleanup(&cl);
	return rc;
}

static int
set_disabled(struct ctx *c, bool disabled)
{
	struct jet_client cl = { 0 };
	const char *id, *what = disabled ? "disabled" : "enabled";
	int rc;

	if ((rc = arg_id(c, &id)) != 0 || (rc = open_store(c, false)) != 0 ||
		(rc = get_client(c, id, &cl)) != 0)
		return rc;
	if (cl.disabled == disabled && !c->json) {
		printf("client %s is already %s\n", id, what);
	} else if (cl.disabled == disabled) {
		rc = emit(c, client_json(&cl, true));
	} else {
		cl.disabled = disabled;
		if ((rc = save_client(c, &cl)) == 0)
			rc = report_change(c, &cl, what, disabled ? TOKENS_NOTE : NULL);
	}
	jet_client_cleanup(&cl);
	return rc;
}

static int
cmd_disable(struct ctx *c)
{
	return set_disabled(c, true);
}

static int
cmd_enable(struct ctx *c)
{
	return set_disabled(c, false);
}

static int
cmd_delete(struct ctx *c)
{
	const char *id;
	int rc;

	if ((rc = arg_id(c, &id)) != 0 || (rc = open_store(c, false)) != 0)
		return rc;
	rc = jet_store_client_delete(c->store, id);
	if (rc == JET_ENOTFOUND)
		return fail(c, "client %s not found", id);
	if (rc != JET_OK)
		return fail(c, "store: %s", jet_strerror(rc));
	if (c->json)
		return emit(c, json_pack("{s:s, s:b}", "client_id", id, "deleted", 1));
	printf("client %s deleted\n%s\n%s\n", id, TTL_NOTE, TOKENS_NOTE);
	return 0;
}

static int
cmd_set_jwks(struct ctx *c)
{
	struct jet_client cl = { 0 };
	const char *id;
	char *jwks = NULL, what[64];
	bool clear = c->set[OPT_CLEAR];
	int rc;

	if ((rc = arg_id(c, &id)) != 0)
		return rc;
	if (clear == (c->npos == 2))
		return bad(c, "give either FILE or --clear");
	if (!clear && (jwks = jwks_load(c, c->pos[1])) == NULL)
		return 1;
	if ((rc = open_store(c, false)) != 0 || (rc = get_client(c, id, &cl)) != 0)
		goto out;
	free(cl.jwks);
	cl.jwks = jwks;
	jwks = NULL;
	if ((rc = save_client(c, &cl)) != 0)
		goto out;
	if (clear) {
		snprintf(what, sizeof(what), "JWKS removed");
	} else {
		char why[128];
		json_t *keys = jwks_keys_json(cl.jwks, why, sizeof(why));

		snprintf(what, sizeof(what), "JWKS set (%zu key%s)", json_array_size(keys),
			json_array_size(keys) == 1 ? "" : "s");
		json_decref(keys);
	}
	rc = report_change(c, &cl, what, NULL);
out:
	free(jwks);
	jet_client_cleanup(&cl);
	return rc;
}

static int
cmd_set_tls(struct ctx *c)
{
	struct jet_client cl = { 0 };
	const char *id, *subject = c->val[OPT_SUBJECT];
	const char *san = c->set[OPT_SAN] ? san_value(c->val[OPT_SAN]) : NULL;
	bool clear = c->set[OPT_CLEAR];
	int rc;

	if ((rc = arg_id(c, &id)) != 0)
		return rc;
	if (clear == (subject != NULL || san != NULL))
		return bad(c, "give --subject and/or --san, or --clear");
	if (subject != NULL && !tls_name_valid(subject, false))
		return bad(c, "--subject: 1..%d printable ASCII characters (RFC 2253 escapes "
			"the rest)", TLS_NAME_MAX);
	if (san != NULL && !tls_name_valid(san, true))
		return bad(c, "--san: 1..%d printable ASCII characters, no spaces", TLS_NAME_MAX);
	if ((rc = open_store(c, false)) != 0 || (rc = get_client(c, id, &cl)) != 0)
		return rc;
	free(cl.tls_subject);
	free(cl.tls_san);
	cl.tls_subject = subject != NULL ? strdup(subject) : NULL;
	cl.tls_san = san != NULL ? strdup(san) : NULL;
	if ((subject != NULL && cl.tls_subject == NULL) || (san != NULL && cl.tls_san == NULL))
		rc = fail(c, "out of memory");
	else if ((rc = save_client(c, &cl)) == 0)
		rc = report_change(c, &cl, clear ? "TLS identity removed" : "TLS identity set",
			NULL);
	jet_client_cleanup(&cl);
	return rc;
}

static int
cmd_set_scope(struct ctx *c)
{
	struct jet_client cl = { 0 };
	struct jet_buf scopes = { 0 };
	const char *id;
	char why[200];
	int rc;

	if ((rc = arg_id(c, &id)) != 0)
		return rc;
	if (!parse_scopes(c->pos[1], &scopes, why, sizeof(why))) {
		jet_buf_cleanup(&scopes);
		return bad(c, "scopes: %s", why);
	}
	if ((rc = open_store(c, false)) != 0 || (rc = get_client(c, id, &cl)) != 0)
		goto out;
	free(cl.scopes);
	cl.scopes = scopes.data;
	scopes.data = NULL;
	if ((rc = save_client(c, &cl)) == 0)
		rc = report_change(c, &cl, "scopes replaced", NULL);
out:
	jet_buf_cleanup(&scopes);
	jet_client_cleanup(&cl);
	return rc;
}

static int
cmd_set_grants(struct ctx *c)
{
	struct jet_client cl = { 0 };
	const char *id;
	char *grants = NULL, why[200];
	int rc;

	if ((rc = arg_id(c, &id)) != 0)
		return rc;
	if (c->set[OPT_CLEAR] == (c->ngrants > 0))
		return bad(c, "give --grant BUILDING=ROLE (repeatable) or --clear");
	if ((grants = parse_grants(c, why, sizeof(why))) == NULL)
		return bad(c, "--grant: %s", why);
	if ((rc = open_store(c, false)) != 0 || (rc = get_client(c, id, &cl)) != 0)
		goto out;
	free(cl.grants);
	cl.grants = grants;
	grants = NULL;
	if ((rc = save_client(c, &cl)) == 0)
		rc = report_change(c, &cl, c->set[OPT_CLEAR] ? "grants removed" :
			"grants replaced", NULL);
out:
	free(grants);
	jet_client_cleanup(&cl);
	return rc;
}

/* ------------------------------------------------------------------------
 * Entry point
 * --------------------------------------------------------------------- */

int
jet_cli_client_main(int argc, char **argv)
{
	struct ctx c = { 0 };
	int rc;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < JET_ARRAY_LEN(subs) && c.sub == NULL; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			c.sub = &subs[i];
	if (c.sub == NULL) {
		if (argv[1][0] == '-')
			return bad(&c, "the command comes first: jetstream client <command> "
				"[options]");
		return bad(&c, "unknown command '%s'", shown(argv[1]));
	}
	for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (is_help(argv[i])) {
			sub_usage(stdout, c.sub);
			return 0;
		}
	}
	if ((rc = parse_args(&c, argc, argv)) != 0)
		return rc;
	c.json = c.set[OPT_JSON];
	c.data = c.set[OPT_DATA] ? c.val[OPT_DATA] : DEFAULT_DATA;
	if (c.data[0] == '\0')
		return bad(&c, "--data: empty path");
	if (c.set[OPT_STORE]) {
		if (c.val[OPT_STORE][0] == '\0' ||
			strlen(c.val[OPT_STORE]) >= sizeof(c.store_url))
			return bad(&c, "--store: empty or too long");
		snprintf(c.store_url, sizeof(c.store_url), "%s", c.val[OPT_STORE]);
	} else {
		if ((size_t)snprintf(c.store_url, sizeof(c.store_url), "sqlite:%s/jetstream.db",
			c.data) >= sizeof(c.store_url))
			return bad(&c, "--data: path too long");
		c.default_store = true;
	}
	/* Whatever this command creates (data directory, key, database) is
	 * for this user only. */
	umask(077);
	rc = c.sub->run(&c);
	jet_store_close(c.store);
	return rc;
}
