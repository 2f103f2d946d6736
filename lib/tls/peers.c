/*
 * peers.c - the allow-list of peer identities: which verified client
 * certificates may talk to a server at all.
 *
 * mTLS alone says "some certificate the CA issued"; a private service wants
 * "the gateway's certificate".  The list names identities by SAN URI (e.g.
 * spiffe://<trust-domain>/gateway), the form Jetstream's PKI gives every
 * workload and device.
 *
 * Rules:
 *  - Exact, byte-for-byte match against the URIs jet_tls_peer_identity
 *    extracted (which are already printable ASCII, never truncated).  No
 *    prefix, wildcard or case folding: ".../gateway" must not admit
 *    ".../gateway-old" or ".../GATEWAY".  Identities are not secrets, so a
 *    plain comparison is fine.
 *  - Entries are checked when the server is built: printable ASCII, fewer
 *    than JET_TLS_NAME_MAX bytes (a longer one could never match, since a
 *    longer SAN refuses the whole identity), containing "://", at most
 *    JET_TLS_MAX_ALLOWED_PEERS of them.  A list that is set requires mtls
 *    REQUIRED: under OPTIONAL an anonymous client would pass a check that
 *    only looks at certificates.
 *  - The subject and DNS SANs are never consulted: a CN is free text any
 *    issuing CA may repeat, a URI is the identity the PKI assigns.
 */
#include <stdio.h>
#include <string.h>

#include "tls_int.h"

static bool
is_sep(char ch)
{
	return ch == ' ' || ch == '\t';
}

int
jet_tls_peers_parse(struct jet_tls_server *ts, const char *list, char *err, size_t errlen)
{
	const char *p = list;
	size_t n = 0;

	ts->n_allowed = 0;
	if (list == NULL)
		return JET_OK;
	for (;;) {
		size_t len = 0;
		bool scheme = false;

		while (is_sep(*p))
			p++;
		if (*p == '\0')
			break;
		if (n == JET_TLS_MAX_ALLOWED_PEERS) {
			snprintf(err, errlen, "TLS: allowed_peers holds more than %d entries",
				JET_TLS_MAX_ALLOWED_PEERS);
			return JET_ECONF;
		}
		while (p[len] != '\0' && !is_sep(p[len])) {
			unsigned char ch = (unsigned char)p[len];

			if (ch < 0x21 || ch > 0x7e) {
				snprintf(err, errlen,
					"TLS: allowed_peers entry %zu holds a non-printable byte", n + 1);
				return JET_ECONF;
			}
			if (len >= JET_TLS_NAME_MAX - 1) {
				snprintf(err, errlen,
					"TLS: allowed_peers entry %zu is longer than %d bytes", n + 1,
					JET_TLS_NAME_MAX - 1);
				return JET_ECONF;
			}
			if (ch == ':' && p[len + 1] == '/' && p[len + 2] == '/' && len > 0)
				scheme = true;
			len++;
		}
		if (!scheme) {
			snprintf(err, errlen, "TLS: allowed_peers entry %zu is not a URI (no \"://\")",
				n + 1);
			return JET_ECONF;
		}
		memcpy(ts->allowed[n], p, len);
		ts->allowed[n][len] = '\0';
		n++;
		p += len;
	}
	ts->n_allowed = n;
	return JET_OK;
}

bool
jet_tls_server_peer_allowed(const struct jet_tls_server *ts, const struct jet_peer_identity *id)
{
	if (ts->n_allowed == 0)
		return true;
	if (id == NULL)
		return false;
	for (size_t i = 0; i < id->n_uri && i < JET_TLS_MAX_SAN; i++)
		for (size_t k = 0; k < ts->n_allowed; k++)
			if (strcmp(id->san_uri[i], ts->allowed[k]) == 0)
				return true;
	return false;
}
