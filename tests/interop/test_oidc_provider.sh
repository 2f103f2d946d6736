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
src=$(cd "$1" && pwd)
bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
scratch=$3
here=$src/tests/interop
t0=$SECONDS

say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

[ -x "$bin" ] || die "$bin: no such executable"
command -v node >/dev/null || die "node not found (scripts/deps.sh test installs it)"
for m in oidc-provider oauth4webapi jose; do
	[ -d "$here/node_modules/$m" ] ||
		die "npm package $m missing: run scripts/deps.sh test (or npm ci --prefix tests/interop)"
done
command -v openssl >/dev/null || die "openssl not found"
command -v curl >/dev/null || die "curl not found"

mkdir -p "$scratch"
tmp=$(mktemp -d "$scratch/interop-oidc-provider.XXXXXX")
pids=() names=()
cleanup() {
	local p i
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ "${keep:-0}" = 1 ] || [ -n "${INTEROP_KEEP:-}" ]; then
		say "files kept in $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stop_checked: SIGTERM to every process started here, 10 s each to exit;
# each must exit 0 and no log may hold a sanitizer report (the binary may be
# an ASan/UBSan build).
stop_checked() {
	local i p st bad=0
	for ((i = 0; i < ${#pids[@]}; i++)); do
		p=${pids[i]}
		kill -TERM "$p" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$p" 2>/dev/null; then
			say "${names[i]} ignored SIGTERM for 10 s"
			kill -KILL "$p" 2>/dev/null || true
			bad=1
		fi
		st=0
		wait "$p" || st=$?
		[ "$st" -eq 0 ] || { say "${names[i]} exited with status $st"; bad=1; }
	done
	pids=()
	if grep -l -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$tmp"/*.log >&2; then
		say "sanitizer reports in the logs above"
		bad=1
	fi
	return "$bad"
}

free_port() {
	node -e 'const s = require("net").createServer().listen(0, "127.0.0.1",
		() => { console.log(s.address().port); s.close(); });'
}

# wait_ready NAME PID URL CA: up to 20 s for URL to answer 200.
wait_ready() {
	local name=$1 pid=$2 url=$3 ca=$4 i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/$name.log" >&2; die "$name exited at start-up"; }
		if [ -f "$ca" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
			--cacert "$ca" "$url")" = 200 ]; then
			return 0
		fi
		sleep 0.1
	done
	cat "$tmp/$name.log" >&2
	die "$name did not answer 200 on $url within 20 s"
}

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

"$bin" api --config "$tmp/api.conf" --check >"$tmp/api-check.log" 2>&1 ||
	{ cat "$tmp/api-check.log" >&2; die "jetstream api --check refuses the configuration"; }
unset_env=()
for v in $(compgen -e); do [[ $v != JETSTREAM_* ]] || unset_env+=(-u "$v"); done
say "starting jetstream api on https://localhost:$api_port"
env "${unset_env[@]}" "$bin" api --config "$tmp/api.conf" >"$tmp/api.log" 2>&1 </dev/null &
pids+=($!)
names+=("jetstream api")
wait_ready api $! "https://localhost:$api_port/healthz" "$data/tls/ca.crt"

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
