#!/usr/bin/env bash
# test_oidc_provider.sh SRC BIN SCRATCH - Jetstream's token verifier
# (`jetstream api`, GET /v1/me) accepts access tokens from an independent
# authorization server, and refuses altered ones.
#
# Two oidc-provider peers (tests/interop/oidc-peer.mjs) run on loopback
# HTTPS with a certificate made here, each issuing JWT access tokens for the
# client credentials grant:
#   okta     RS256, shaped like Okta's tokens (no typ, cid, scp array,
#            groups; no client_id, no scope), trusted with profile "okta";
#   generic  ES256, oidc-provider's own RFC 9068 tokens (typ at+jwt,
#            client_id, scope) plus a groups claim, trusted with profile
#            "generic".
# One `jetstream api` trusts both through [token] external_issuers (and no
# Jetstream issuer); tests/interop/oidc-client.mjs gets tokens from each peer
# with oauth4webapi and checks what the API makes of them.
#
#   SRC      the source tree (tests/interop/node_modules installed)
#   BIN      the jetstream binary
#   SCRATCH  a directory for temporary files (a fresh subdirectory is made)
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 SRC BIN SCRATCH" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
interop_init "$@" interop-oidc-provider oidc-provider oauth4webapi jose

# ---------------------------------------------------------------- set-up

# The peers' certificate: a CA and a server certificate for localhost.
(
	umask 077
	cd "$tmp"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout peer-ca.key \
		-out peer-ca.crt -days 1 -subj "/CN=interop peer CA" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout peer.key \
		-out peer.csr -subj "/CN=localhost" &&
	printf '%s\n' basicConstraints=critical,CA:FALSE keyUsage=critical,digitalSignature \
		extendedKeyUsage=serverAuth subjectAltName=DNS:localhost,IP:127.0.0.1 >peer.ext &&
	openssl x509 -req -in peer.csr -CA peer-ca.crt -CAkey peer-ca.key -CAcreateserial -days 1 \
		-sha256 -extfile peer.ext -out peer.crt &&
	chmod 0644 peer-ca.crt peer.crt
) >"$tmp/pki.log" 2>&1 || { cat "$tmp/pki.log" >&2; die "certificate generation failed"; }

client_id=interop-okta-client
client_secret=$(openssl rand -hex 24)
client2_id=interop-other-client
client2_secret=$(openssl rand -hex 24)
peers=()
declare -A peer_port peer_alg peer_shape
peer_port[okta]=$(free_port)
peer_alg[okta]=RS256
peer_shape[okta]=okta
peer_port[generic]=$(free_port)
peer_alg[generic]=ES256
peer_shape[generic]=rfc9068
api_port=$(free_port)

issuers_json=
for name in okta generic; do
	cat >"$tmp/peer-$name.json" <<-EOF
		{
		  "port": ${peer_port[$name]},
		  "cert": "$tmp/peer.crt",
		  "key": "$tmp/peer.key",
		  "audience": "jetstream",
		  "resources": { "urn:other:api": "other-api" },
		  "alg": "${peer_alg[$name]}",
		  "ttl": 600,
		  "shape": "${peer_shape[$name]}",
		  "clients": [
		    { "client_id": "$client_id", "client_secret": "$client_secret",
		      "scope": "points:read commands:write",
		      "groups": ["jetstream:hq-1:operator", "jetstream:annex:viewer", "Everyone"] },
		    { "client_id": "$client2_id", "client_secret": "$client2_secret",
		      "scope": "points:read", "groups": ["Everyone", "jetstream-admins"] }
		  ]
		}
	EOF
	issuer=https://localhost:${peer_port[$name]}
	peers+=("$name=$issuer=${peer_alg[$name]}=${peer_shape[$name]}")
	# Okta's tokens: profile okta (cid, scp, no typ check).  oidc-provider's
	# own: profile generic (RFC 9068 claims).  Both map the groups claim.
	if [ "$name" = okta ]; then profile=okta; else profile=generic; fi
	issuers_json+="${issuers_json:+,}
  { \"issuer\": \"$issuer\", \"audience\": \"jetstream\", \"jwks_uri\": \"$issuer/jwks\",
    \"profile\": \"$profile\", \"algs\": [\"${peer_alg[$name]}\"], \"groups_claim\": \"groups\",
    \"group_prefix\": \"jetstream:\" }"
done
printf '[%s\n]\n' "$issuers_json" >"$tmp/external-issuers.json"

data=$tmp/data
cat >"$tmp/api.conf" <<EOF
[server]
listen = 127.0.0.1:$api_port
data_dir = $data
workers = 1
[token]
issuer = ""
external_issuers = $tmp/external-issuers.json
ca = $tmp/peer-ca.crt
[log]
access = off
EOF

for name in okta generic; do
	say "starting oidc-provider ($name) on https://localhost:${peer_port[$name]}"
	node "$here/oidc-peer.mjs" "$tmp/peer-$name.json" >"$tmp/peer-$name.log" 2>&1 </dev/null &
	pids+=($!)
	names+=("oidc-provider ($name)")
	wait_ready "peer-$name" $! "https://localhost:${peer_port[$name]}/jwks" "$tmp/peer-ca.crt"
done

say "starting jetstream api on https://localhost:$api_port"
start api "$tmp/api.conf"
wait_ready api "$last_pid" "https://localhost:$api_port/healthz" "$data/tls/ca.crt"

# The checks trust both the peers' CA and the API's development CA.
cat "$tmp/peer-ca.crt" "$data/tls/ca.crt" >"$tmp/trust.pem"

# ---------------------------------------------------------------- checks

say "running the oidc-provider -> jetstream api checks"
rc=0
NODE_EXTRA_CA_CERTS=$tmp/trust.pem API_URL=https://localhost:$api_port PEERS="${peers[*]}" \
	CLIENT_ID=$client_id CLIENT_SECRET=$client_secret \
	CLIENT2_ID=$client2_id CLIENT2_SECRET=$client2_secret \
	timeout -k 5 60 node "$here/oidc-client.mjs" || rc=$?

for p in "${pids[@]}"; do
	kill -0 "$p" 2>/dev/null || { rc=1; say "a server died during the checks"; }
done
if [ "$rc" -ne 0 ]; then
	keep=1
	for n in api peer-okta peer-generic; do
		say "--- $n log (last 20 lines)"
		tail -20 "$tmp/$n.log" >&2
	done
	[ "$rc" -ne 124 ] || die "the checks did not finish within 60 s"
	die "oidc-provider interoperability checks failed (exit $rc)"
fi
stop_checked || { keep=1; die "a server did not stop cleanly"; }
say "PASS in $((SECONDS - t0)) s"
