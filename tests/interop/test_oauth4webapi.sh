#!/usr/bin/env bash
# test_oauth4webapi.sh SRC BIN SCRATCH - Jetstream's authorization server
# (`jetstream auth`) and API (`jetstream api`) driven by independent client
# code from npm: oauth4webapi (discovery, the client credentials grant with
# client_secret_basic, client_secret_post, private_key_jwt and
# tls_client_auth, RFC 9068 token validation, introspection, revocation)
# and jose (JWT verification against the published JWKS).
#
#   SRC      the source tree (tests/interop/node_modules installed:
#            scripts/deps.sh test, or npm ci --prefix tests/interop)
#   BIN      the jetstream binary
#   SCRATCH  a directory for temporary files (a fresh subdirectory is made)
#
# Both services run on loopback ports picked at random, on one data
# directory (the API reads revocations from the store the authorization
# server writes), with the development PKI.  Every wait is bounded; the
# services are stopped on every exit path.  Exit 0 only when every check
# passed.
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 SRC BIN SCRATCH" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
interop_init "$@" interop-oauth4webapi oauth4webapi jose

# ---------------------------------------------------------------- set-up

data=$tmp/data
auth_port=$(free_port)
api_port=$(free_port)
issuer=https://localhost:$auth_port

# A CA for client certificates and one client certificate (tls_client_auth).
mkdir -p "$tmp/mtls"
(
	umask 077
	cd "$tmp/mtls"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
		-out ca.crt -days 1 -subj "/CN=interop client CA" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client.key \
		-out client.csr -subj "/CN=interop-device" &&
	printf '%s\n' basicConstraints=critical,CA:FALSE keyUsage=critical,digitalSignature \
		extendedKeyUsage=clientAuth subjectAltName=URI:spiffe://jetstream.test/interop-device \
		>client.ext &&
	openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 \
		-sha256 -extfile client.ext -out client.crt &&
	chmod 0644 ca.crt client.crt
) >"$tmp/mtls.log" 2>&1 || { cat "$tmp/mtls.log" >&2; die "client certificate generation failed"; }

cat >"$tmp/auth.conf" <<EOF
[server]
listen = 127.0.0.1:$auth_port
data_dir = $data
workers = 1
[tls]
mtls = optional
client_ca = $tmp/mtls/ca.crt
[auth]
issuer = $issuer
audience = jetstream
token_lifetime = 10m
signing_alg = ES256
[log]
access = off
EOF
cat >"$tmp/api.conf" <<EOF
[server]
listen = 127.0.0.1:$api_port
data_dir = $data
workers = 1
[tls]
mtls = optional
client_ca = $tmp/mtls/ca.crt
[token]
issuer = $issuer
audience = jetstream
jwks_uri = $issuer/.well-known/jwks.json
ca = $data/tls/ca.crt
revocation_poll = 200ms
[log]
access = off
EOF

say "starting jetstream auth on $issuer"
start auth "$tmp/auth.conf"
auth_pid=$last_pid
wait_ready auth "$auth_pid" "$issuer/healthz" "$data/tls/ca.crt"
say "starting jetstream api on https://localhost:$api_port"
start api "$tmp/api.conf"
wait_ready api "$last_pid" "https://localhost:$api_port/healthz" "$data/tls/ca.crt"

# Clients, through the admin CLI on the same data directory.
node "$here/oauth4webapi-client.mjs" keygen "$tmp" || die "key generation failed"
client() { # NAME ARGS...: prints the JSON of `client create`
	local name=$1 out
	shift
	out=$("$bin" client create --data "$data" --name "$name" \
		--scope "points:read commands:write" --grant hq-1=operator "$@" --json 2>"$tmp/cli.log") ||
		{ cat "$tmp/cli.log" >&2; die "jetstream client create --name $name failed"; }
	printf '%s\n' "$out"
}
basic_json=$(client interop-basic)
basic_id=$(json_get client_id <<<"$basic_json") || die "client create printed no client_id"
basic_secret=$(json_get client_secret <<<"$basic_json") || die "client create: no client_secret"
pkjwt_json=$(client interop-pkjwt --jwks "$tmp/pkjwt-jwks.json" --no-secret)
pkjwt_id=$(json_get client_id <<<"$pkjwt_json") || die "client create --jwks: no client_id"
! json_get client_secret <<<"$pkjwt_json" >/dev/null 2>&1 ||
	die "client create --no-secret printed a client_secret"
mtls_json=$(client interop-mtls --tls-san URI:spiffe://jetstream.test/interop-device --no-secret)
mtls_id=$(json_get client_id <<<"$mtls_json") || die "client create --tls-san: no client_id"

# ---------------------------------------------------------------- checks

say "running the oauth4webapi / jose checks"
rc=0
NODE_EXTRA_CA_CERTS=$data/tls/ca.crt ISSUER=$issuer AUDIENCE=jetstream \
	API_URL=https://localhost:$api_port CA=$data/tls/ca.crt ALG=ES256 \
	BASIC_ID=$basic_id BASIC_SECRET=$basic_secret \
	PKJWT_ID=$pkjwt_id PKJWT_KEY=$tmp/pkjwt-key.json \
	MTLS_ID=$mtls_id MTLS_CERT=$tmp/mtls/client.crt MTLS_KEY=$tmp/mtls/client.key \
	timeout -k 5 60 node "$here/oauth4webapi-client.mjs" run || rc=$?

for p in "${pids[@]}"; do
	kill -0 "$p" 2>/dev/null || { rc=1; say "a service died during the checks"; }
done
if [ "$rc" -ne 0 ]; then
	keep=1
	for n in auth api; do say "--- $n log (last 20 lines)"; tail -20 "$tmp/$n.log" >&2; done
	[ "$rc" -ne 124 ] || die "the checks did not finish within 60 s"
	die "oauth4webapi/jose checks failed (exit $rc)"
fi
stop_checked || { keep=1; die "a service did not stop cleanly"; }
say "PASS in $((SECONDS - t0)) s"
