/*
 * identity.c - which request header fields claim a client identity.
 *
 * The gateway removes every one of them from incoming requests before it
 * adds the identity it verified itself, and services believe such fields
 * only on a connection that presents the gateway's certificate.  Proxies
 * disagree on spelling (X-Client-Cert, X_Client_Cert, x-client-cert, and
 * some servers fold '_' into '-'), so names are compared case-insensitively
 * with '_' and '-' as the same character: a client must not smuggle an
 * identity past the stripping by spelling it differently.  Where in doubt
 * a name is a prefix: removing a harmless field costs nothing, keeping a
 * forged one costs everything.
 */
#include <stddef.h>

#include "jet/http.h"

/* Lower case, '-' as the separator; "*" at the end: a prefix. */
static const char *const identity_names[] = {
	"x-client-*",
	"x-ssl-client-*",
	"ssl-client-*",
	"x-jetstream-*",
	"x-forwarded-client-cert*",
	"client-cert*",
	"x-remote-user",
	"remote-user",
	"x-authenticated-user",
	"x-amzn-mtls-clientcert*",
};

static char
fold(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	return c == '_' ? '-' : c;
}

static bool
matches(struct jet_str name, const char *pattern)
{
	size_t i = 0;

	for (; pattern[i] != '\0'; i++) {
		if (pattern[i] == '*' && pattern[i + 1] == '\0')
			return true;
		if (i >= name.len || fold(name.p[i]) != pattern[i])
			return false;
	}
	return i == name.len;
}

bool
jet_http_is_identity_header(struct jet_str name)
{
	for (size_t k = 0; k < sizeof(identity_names) / sizeof(identity_names[0]); k++)
		if (matches(name, identity_names[k]))
			return true;
	return false;
}
