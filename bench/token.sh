#!/usr/bin/env bash
# bench/token.sh - access tokens: issuing (Jetstream's authorization server
# against oidc-provider and glewlwyd) and verifying (Jetstream's API against
# a jose resource server), in one run, over TLS keep-alive.
#
#   1. issue        wrk POSTs grant_type=client_credentials&scope=points:read
#                   with client_secret_basic to `jetstream auth`
#                   /oauth2/token, to oidc-provider /token
#                   (tests/interop/oidc-peer.mjs) and to glewlwyd
#                   /api/oidc/token, all issuing JWT access tokens signed with
#                   BENCH_ALG: tokens/s and tokens per server CPU-second.
#   2. verify-one   wrk GETs /v1/me with one token, again and again, from
#                   `jetstream api` (its verified-token cache answers) and
#                   from bench/token/jose-verifier.mjs (jose jwtVerify with a
#                   local JWKS; no cache: a signature check each time).
#   3. verify-many  the same with BENCH_TOKENS distinct tokens in turn
#                   (bench/token/verify.lua); the API's cache holds half as
#                   many, so with least-recently-used eviction every request
#                   is a miss and a signature check on both sides.
#
# Also prints this core's raw signing and verifying rate for BENCH_ALG
# (openssl speed, pinned to the server CPU), tokens issued per server
# core-second as a fraction of the signing rate and distinct-token
# verifications per server core-second as a fraction of the verify rate.
#
# Method as bench/http.sh: servers on one CPU (one worker each), wrk (one
# thread) on another, the servers of a test measured in turn (A B C A B C
# ...) for BENCH_ROUNDS rounds, the median over rounds of each round's ratio
# Jetstream/peer, server CPU from /proc/<pid>/stat.  Every server uses the
# same certificate and key.
#
# Peers: oidc-provider and jose come from tests/interop/package.json (npm ci
# is run when they are missing).  glewlwyd is Debian's package; without it
# (or with BENCH_GLEWLWYD=0) the issue test runs without it and says why.
#
# Environment (defaults in brackets):
#   BENCH_SECONDS [10]   duration of each wrk run
#   BENCH_ROUNDS  [3]    rounds (per test)
#   BENCH_WARMUP  [2]    seconds of warm-up per server and test
#   BENCH_CONNS   [50]   wrk connections (keep-alive)
#   BENCH_TOKENS  [2000] distinct tokens for verify-many
#   BENCH_ALG     [ES256] token signing algorithm: ES256, EdDSA or RS256
#   BENCH_TESTS   ["issue verify-one verify-many"]
#   BENCH_GLEWLWYD [1]   0: leave glewlwyd out
#   BENCH_SERVER_CPU [0], BENCH_CLIENT_CPU [1]
#   BENCH_PORT    [18460] first of five consecutive ports
#   BENCH_JETSTREAM [build/jetstream]   binary; BENCH_BUILD=0 skips `make build`
#
# Output: a summary on stdout; raw wrk outputs, server logs, configs,
# results.tsv and summary.md under bench/out/token-<date>/
# (bench/out/token-latest points to the newest).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

scripts/deps.sh bench

secs=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-3}
warmup=${BENCH_WARMUP:-2}
conns=${BENCH_CONNS:-50}
ntokens=${BENCH_TOKENS:-2000}
alg=${BENCH_ALG:-ES256}
tests_sel=${BENCH_TESTS:-issue verify-one verify-many}
scpu=${BENCH_SERVER_CPU:-0}
ccpu=${BENCH_CLIENT_CPU:-1}
port0=${BENCH_PORT:-18460}
jet_bin=${BENCH_JETSTREAM:-build/jetstream}

for v in secs rounds warmup conns ntokens scpu ccpu port0; do
	[[ ${!v} =~ ^[0-9]+$ ]] || bench_die "$v must be a whole number (got '${!v}')"
done
{ [ "$secs" -ge 1 ] && [ "$rounds" -ge 1 ] && [ "$ntokens" -ge 2 ]; } ||
	bench_die "BENCH_SECONDS and BENCH_ROUNDS must be >= 1, BENCH_TOKENS >= 2"
[ "$scpu" != "$ccpu" ] || bench_die "server and client must be on different CPUs"
[ "$(nproc)" -ge 2 ] || bench_die "needs at least 2 CPUs (servers and wrk on different cores)"
case $alg in
	ES256) speed_alg=ecdsap256 glew_type=ecdsa ;;
	RS256) speed_alg=rsa2048 glew_type=rsa ;; # the size is Jetstream's, read below
	EdDSA) speed_alg=ed25519 glew_type="" ;;
	*) bench_die "BENCH_ALG must be ES256, EdDSA or RS256" ;;
esac
tests=()
for t in $tests_sel; do
	case $t in
		issue | verify-one | verify-many) tests+=("$t") ;;
		*) bench_die "BENCH_TESTS: unknown test '$t' (issue, verify-one, verify-many)" ;;
	esac
done
[ ${#tests[@]} -gt 0 ] || bench_die "BENCH_TESTS selects no test"
in_tests() { [[ " ${tests[*]} " == *" $1 "* ]]; }
any_verify() { in_tests verify-one || in_tests verify-many; }

command -v node >/dev/null || bench_die "node is needed for the peers (scripts/deps.sh test installs it)"
if [ ! -d tests/interop/node_modules/oidc-provider ] || [ ! -d tests/interop/node_modules/jose ]; then
	bench_log "installing the npm peers (npm ci --prefix tests/interop)"
	timeout 300 npm ci --prefix tests/interop --no-audit --no-fund >/dev/null ||
		bench_die "npm ci --prefix tests/interop failed"
fi

# glewlwyd: measured when installed, asked for, and able to sign with BENCH_ALG.
glewlwyd_note=""
if ! in_tests issue; then
	glewlwyd_note="not measured: BENCH_TESTS has no issue test"
elif [ "${BENCH_GLEWLWYD:-1}" = 0 ]; then
	glewlwyd_note="not measured: BENCH_GLEWLWYD=0"
elif ! command -v glewlwyd >/dev/null || [ ! -f /usr/share/dbconfig-common/data/glewlwyd/install/sqlite3 ]; then
	glewlwyd_note="not measured: not installed (apt-get install glewlwyd sqlite3)"
elif ! command -v sqlite3 >/dev/null; then
	glewlwyd_note="not measured: the sqlite3 command is missing (apt-get install sqlite3)"
elif [ -z "$glew_type" ]; then
	glewlwyd_note="not measured: this script configures glewlwyd for ES256 and RS256 only"
fi

stamp=$(date +%Y%m%d-%H%M%S)
out=bench/out/token-$stamp
mkdir -p "$out"
ln -sfn "token-$stamp" bench/out/token-latest
tmp=$(mktemp -d /tmp/jetstream-bench-token.XXXXXX)
glew_dbdir=""
cleanup() {
	bench_stop_all
	rm -rf "$tmp"
	[ -z "$glew_dbdir" ] || rm -rf "$glew_dbdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

# jsq EXPR: EXPR (JavaScript; the JSON document on stdin is d) printed raw
# when a string, as JSON otherwise; fails when the input is not JSON or EXPR
# is undefined, null or false.
jsq() {
	node -e 'let s = ""; process.stdin.on("data", (c) => s += c).on("end", () => {
		let v; try { const d = JSON.parse(s); v = eval(process.argv[1]); } catch { process.exit(1); }
		if (v === undefined || v === null || v === false) process.exit(1);
		console.log(typeof v === "string" ? v : JSON.stringify(v)); });' "$1"
}
# jwt_part N TOKEN: the decoded header (0) or payload (1) of a JWS.
jwt_part() {
	node -e 'console.log(Buffer.from(process.argv[2].split(".")[process.argv[1]], "base64url").toString())' "$1" "$2"
}
# tamper TOKEN: TOKEN with one character in the middle of its payload changed.
tamper() {
	local h=${1%%.*} rest=${1#*.} p s i c
	p=${rest%%.*} s=${rest#*.}
	i=$((${#p} / 2))
	c=A
	[ "${p:i:1}" != A ] || c=B
	printf '%s.%s%s%s.%s' "$h" "${p:0:i}" "$c" "${p:i+1}" "$s"
}
# basic ID SECRET: an Authorization header for client_secret_basic (ids and
# secrets here are URL-safe, so RFC 6749 §2.3.1's form-encoding is a no-op).
basic() { printf 'Authorization: Basic %s' "$(printf '%s:%s' "$1" "$2" | base64 -w0)"; }
# secret: 32 random bytes, base64url.
secret() { openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n'; }

# ---------------------------------------------------------------------------
# Build, certificate, configurations
# ---------------------------------------------------------------------------

if [ "${BENCH_BUILD:-1}" != 0 ]; then
	bench_log "building Jetstream (make build)"
	make build >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; bench_die "make build failed"; }
fi
[ -x "$jet_bin" ] || bench_die "$jet_bin not found"
jet_bin=$(cd "$(dirname "$jet_bin")" && pwd)/$(basename "$jet_bin")

bench_pki "$tmp"
cp "$tmp/ca.crt" "$tmp/server.crt" "$out/"

declare -A port pid label
port[jet-auth]=$port0
port[oidc]=$((port0 + 1))
port[jet-api]=$((port0 + 2))
port[jose]=$((port0 + 3))
port[glewlwyd]=$((port0 + 4))
label[jet-auth]="Jetstream auth"
label[oidc]="oidc-provider"
label[glewlwyd]="glewlwyd"
label[jet-api]="Jetstream api"
label[jose]="jose verifier"
servers=(jet-auth)
in_tests issue && servers+=(oidc)
[ -n "$glewlwyd_note" ] || servers+=(glewlwyd)
any_verify && servers+=(jet-api jose)
for s in "${servers[@]}"; do
	! bench_port_busy "${port[$s]}" || bench_die "127.0.0.1:${port[$s]} is already in use ($s)"
done
jet_issuer=https://127.0.0.1:${port[jet-auth]}

# Each server's client: its id and secret, and what wrk posts to.
declare -A client_id client_secret auth_hdr issue_url
client_id[oidc]=bench-client
client_secret[oidc]=$(secret)
client_id[glewlwyd]=bench-client
client_secret[glewlwyd]=$(secret)
issue_url[jet-auth]=$jet_issuer/oauth2/token
issue_url[oidc]=https://127.0.0.1:${port[oidc]}/token
issue_url[glewlwyd]=https://127.0.0.1:${port[glewlwyd]}/api/oidc/token

cat >"$tmp/auth.conf" <<EOF
# Generated by bench/token.sh: one worker, no access log, rate limits far
# above the load (the limiter still runs on every request).
[server]
listen = 127.0.0.1:${port[jet-auth]}
workers = 1
data_dir = $tmp/jet-data
[tls]
cert = $tmp/server.crt
key = $tmp/server.key
[auth]
issuer = $jet_issuer
audience = jetstream
token_lifetime = 10m
signing_alg = $alg
rate_per_client = 1000000
burst_per_client = 1000000
rate_per_address = 1000000
burst_per_address = 1000000
[log]
access = off
error = -
EOF
# The API shares the data directory (its revocation feed is the store the
# authorization server writes).  cache_entries: half of BENCH_TOKENS, so that
# verify-many misses every time (see the top of this file).
cat >"$tmp/api.conf" <<EOF
# Generated by bench/token.sh: one worker, no access log.
[server]
listen = 127.0.0.1:${port[jet-api]}
workers = 1
data_dir = $tmp/jet-data
[tls]
cert = $tmp/server.crt
key = $tmp/server.key
[token]
issuer = $jet_issuer
audience = jetstream
jwks_uri = $jet_issuer/.well-known/jwks.json
ca = $tmp/ca.crt
algs = $alg
cache_entries = $((ntokens / 2))
[log]
access = off
error = -
EOF
cat >"$tmp/oidc.json" <<EOF
{
  "port": ${port[oidc]},
  "host": "127.0.0.1",
  "cert": "$tmp/server.crt",
  "key": "$tmp/server.key",
  "audience": "jetstream",
  "alg": "$alg",
  "rsa_bits": @RSA_BITS@,
  "ttl": 600,
  "shape": "rfc9068",
  "clients": [{ "client_id": "${client_id[oidc]}", "client_secret": "${client_secret[oidc]}",
                "scope": "points:read commands:write", "groups": ["jetstream:hq-1:operator"] }]
}
EOF
cp "$tmp/auth.conf" "$tmp/api.conf" "$out/"
sed 's/"client_secret": "[^"]*"/"client_secret": "(not kept)"/' "$tmp/oidc.json" >"$out/oidc.json"

# JETSTREAM_* variables would override the files: keep them out.
unset_env=()
for v in $(compgen -e); do
	[[ $v != JETSTREAM_* ]] || unset_env+=(-u "$v")
done

# ---------------------------------------------------------------------------
# Start the issuers, pinned to the server CPU
# ---------------------------------------------------------------------------

start_wait() { # NAME URL
	pid[$1]=$bench_pid
	if ! bench_wait_ready "$2" "$tmp/ca.crt" "${pid[$1]}" 20; then
		tail -20 "$out/$1.log" >&2
		bench_die "$1 did not answer 200 on $2 within 20 s"
	fi
}

bench_spawn "$scpu" "$out/jet-auth.log" env "${unset_env[@]}" "$jet_bin" auth --config "$tmp/auth.conf"
start_wait jet-auth "$jet_issuer/healthz"
jet_client=$("$jet_bin" client create --data "$tmp/jet-data" --name bench-client \
	--scope "points:read commands:write" --grant hq-1=operator --json 2>"$out/client.log") ||
	{ cat "$out/client.log" >&2; bench_die "jetstream client create failed"; }
if ! client_id[jet-auth]=$(jsq d.client_id <<<"$jet_client") ||
	! client_secret[jet-auth]=$(jsq d.client_secret <<<"$jet_client"); then
	bench_die "client create printed no credentials"
fi

# RS256: the peers sign with keys of the size Jetstream uses, and the raw
# signing rate is openssl speed's for that size.
rsa_bits=2048
if [ "$alg" = RS256 ]; then
	rsa_bits=$(curl -sf --max-time 5 --cacert "$tmp/ca.crt" "$jet_issuer/.well-known/jwks.json" |
		jsq 'Buffer.from(d.keys.find((k) => k.kty === "RSA").n, "base64url").length * 8') ||
		bench_die "cannot read the size of Jetstream's RSA key"
	case $rsa_bits in
		2048 | 3072 | 4096) speed_alg=rsa$rsa_bits ;;
		*) bench_die "Jetstream's RSA key has $rsa_bits bits (expected 2048, 3072 or 4096)" ;;
	esac
	bench_log "Jetstream signs with RSA-$rsa_bits: the peers too"
fi
sed -i "s/@RSA_BITS@/$rsa_bits/" "$tmp/oidc.json" "$out/oidc.json"

if in_tests issue; then
	bench_spawn "$scpu" "$out/oidc.log" node tests/interop/oidc-peer.mjs "$tmp/oidc.json"
	start_wait oidc "https://127.0.0.1:${port[oidc]}/jwks"
fi

# glewlwyd: a database from the package's schema, the server, then (through
# its administration API, logged in as the schema's default administrator)
# the OpenID Connect plugin with an ES256/RS256 key, the scopes and a
# confidential client whose secret is a client_secret property (compared as
# is; the alternative, a "password", goes through glewlwyd's password hash
# on every request, ~40 tokens/s here).  Access tokens: at+jwt, 10 minutes.
# glewlwyd stores every token it issues in its database (for introspection
# and revocation): that is part of what is measured.
glewlwyd_setup() {
	local d=$tmp/glewlwyd g=https://127.0.0.1:${port[glewlwyd]} c rc=0 db
	mkdir -p "$d"
	# The database on tmpfs when there is one: glewlwyd writes every token
	# it issues, and on this machine's disk that write (not the CPU) sets
	# its rate (~30 tokens/s); in memory the CPU cost is what is compared.
	if glew_dbdir=$(mktemp -d /dev/shm/jetstream-bench-glewlwyd.XXXXXX 2>/dev/null); then
		db=$glew_dbdir/glewlwyd.db
	else
		db=$d/glewlwyd.db
	fi
	sqlite3 "$db" </usr/share/dbconfig-common/data/glewlwyd/install/sqlite3 ||
		{ glewlwyd_note="not measured: its database schema did not load"; return 1; }
	sed -e "s|@PORT@|${port[glewlwyd]}|g" -e "s|@KEY@|$tmp/server.key|g" \
		-e "s|@CERT@|$tmp/server.crt|g" -e "s|@DB@|$db|g" \
		bench/token/glewlwyd.conf.in >"$d/glewlwyd.conf"
	cp "$d/glewlwyd.conf" "$out/"
	bench_spawn "$scpu" "$out/glewlwyd.log" glewlwyd -c "$d/glewlwyd.conf"
	pid[glewlwyd]=$bench_pid
	bench_wait_ready "$g/config" "$tmp/ca.crt" "${pid[glewlwyd]}" 20 ||
		{ glewlwyd_note="not measured: it did not start (see glewlwyd.log)"; return 1; }
	(
		umask 077
		if [ "$glew_type" = ecdsa ]; then
			openssl ecparam -name prime256v1 -genkey -noout -out "$d/sign.key"
		else
			openssl genrsa -traditional -out "$d/sign.key" "$rsa_bits"
		fi && openssl pkey -in "$d/sign.key" -pubout -out "$d/sign.pub"
	) >"$d/keygen.log" 2>&1 ||
		{ glewlwyd_note="not measured: signing key generation failed"; return 1; }
	node -e '
		const fs = require("fs");
		const [iss, type, key, pub, out] = process.argv.slice(1);
		fs.writeFileSync(out, JSON.stringify({ module: "oidc", name: "oidc", display_name: "oidc",
			enabled: true, parameters: { iss, "jwt-type": type, "jwt-key-size": "256",
			key: fs.readFileSync(key, "utf8"), cert: fs.readFileSync(pub, "utf8"),
			"access-token-duration": 600, "refresh-token-duration": 3600, "code-duration": 600,
			"refresh-token-rolling": false, "allow-non-oidc": true,
			"auth-type-code-enabled": false, "auth-type-token-enabled": false,
			"auth-type-id-token-enabled": true, "auth-type-none-enabled": false,
			"auth-type-password-enabled": false, "auth-type-client-enabled": true,
			"auth-type-refresh-enabled": false, "auth-type-device-enabled": false,
			scope: [], claims: [], "additional-parameters": [] } }));' \
		"$g/api/oidc" "$glew_type" "$d/sign.key" "$d/sign.pub" "$d/plugin.json"
	c=(curl -sf -o /dev/null --max-time 10 --cacert "$tmp/ca.crt" -b "$d/cookies" -c "$d/cookies"
		-H 'Content-Type: application/json')
	"${c[@]}" -d '{"username":"admin","password":"password"}' "$g/api/auth/" &&
		"${c[@]}" -d @"$d/plugin.json" "$g/api/mod/plugin/" &&
		"${c[@]}" -d '{"name":"points:read","display_name":"points:read","description":"read","password_required":false}' "$g/api/scope/" &&
		"${c[@]}" -d '{"name":"commands:write","display_name":"commands:write","description":"write","password_required":false}' "$g/api/scope/" &&
		"${c[@]}" -d "{\"client_id\":\"${client_id[glewlwyd]}\",\"name\":\"bench\",\"confidential\":true,
			\"client_secret\":\"${client_secret[glewlwyd]}\",\"enabled\":true,\"redirect_uri\":[],
			\"authorization_type\":[\"client_credentials\"],\"scope\":[\"points:read\",\"commands:write\"],
			\"token_endpoint_auth_method\":[\"client_secret_basic\"]}" "$g/api/client/?source=database" ||
		rc=$?
	[ "$rc" -eq 0 ] || { glewlwyd_note="not measured: its administration API refused the set-up (curl exit $rc)"; return 1; }
}
if [ -z "$glewlwyd_note" ] && ! glewlwyd_setup; then
	bench_log "glewlwyd: $glewlwyd_note"
	[ -z "${pid[glewlwyd]:-}" ] || bench_stop "${pid[glewlwyd]}"
	unset 'pid[glewlwyd]'
	kept=()
	for s in "${servers[@]}"; do [ "$s" = glewlwyd ] || kept+=("$s"); done
	servers=("${kept[@]}")
fi
[ -n "$glewlwyd_note" ] ||
	glewlwyd_note="measured: glewlwyd $(dpkg-query -W -f='${Version}' glewlwyd 2>/dev/null), OpenID Connect plugin, client_secret property, every token stored in SQLite ($([ -n "$glew_dbdir" ] && echo "on tmpfs" || echo "on disk"))"
in_run() { [[ " ${servers[*]} " == *" $1 "* ]]; }

for s in jet-auth oidc glewlwyd; do
	in_run "$s" || continue
	auth_hdr[$s]=$(basic "${client_id[$s]}" "${client_secret[$s]}")
	body=$(curl -s --max-time 5 --cacert "$tmp/ca.crt" -H "${auth_hdr[$s]}" \
		-d grant_type=client_credentials -d scope=points:read -D "$out/$s-response.txt" \
		"${issue_url[$s]}")
	tok=$(jsq d.access_token <<<"$body") || bench_die "$s: no access token: $(head -c 300 <<<"$body")"
	hdr=$(jwt_part 0 "$tok")
	jsq "d.alg === '$alg' && d.typ === 'at+jwt'" <<<"$hdr" >/dev/null ||
		bench_die "$s: the token's header is not {alg: $alg, typ: at+jwt}: $hdr"
	# The response without the token itself, and the token's claims.
	jsq '({ ...d, access_token: d.access_token.length + " bytes" })' <<<"$body" >>"$out/$s-response.txt"
	{ echo "header: $hdr"; echo "claims: $(jwt_part 1 "$tok")"; } >>"$out/$s-response.txt"
	bench_log "$s: token of ${#tok} bytes, header $hdr"
done

# ---------------------------------------------------------------------------
# The verifiers
# ---------------------------------------------------------------------------

declare -A me_url
if any_verify; then
	# BENCH_TOKENS distinct tokens from Jetstream, and Jetstream's public
	# keys for the jose verifier.
	bench_log "minting $ntokens tokens"
	NODE_EXTRA_CA_CERTS=$tmp/ca.crt timeout 120 node bench/token/mint.mjs "${issue_url[jet-auth]}" \
		"${client_id[jet-auth]}" "${client_secret[jet-auth]}" "$ntokens" "$tmp/tokens.txt" ||
		bench_die "minting tokens failed"
	tok1=$(head -1 "$tmp/tokens.txt")
	curl -sf --max-time 5 --cacert "$tmp/ca.crt" "$jet_issuer/.well-known/jwks.json" >"$tmp/jwks.json" ||
		bench_die "cannot fetch Jetstream's JWKS"
	cat >"$tmp/jose.json" <<-EOF
		{ "port": ${port[jose]}, "cert": "$tmp/server.crt", "key": "$tmp/server.key",
		  "jwks": "$tmp/jwks.json", "issuer": "$jet_issuer", "audience": "jetstream", "algs": ["$alg"] }
	EOF
	cp "$tmp/jose.json" "$tmp/jwks.json" "$out/"

	bench_spawn "$scpu" "$out/jet-api.log" env "${unset_env[@]}" "$jet_bin" api --config "$tmp/api.conf"
	start_wait jet-api "https://127.0.0.1:${port[jet-api]}/healthz"
	bench_spawn "$scpu" "$out/jose.log" node bench/token/jose-verifier.mjs "$tmp/jose.json"
	pid[jose]=$bench_pid
	# No /healthz there: wait for it to refuse a request without a token.
	for ((i = 0; i < 200; i++)); do
		kill -0 "${pid[jose]}" 2>/dev/null || { tail "$out/jose.log" >&2; bench_die "jose verifier exited"; }
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$tmp/ca.crt" \
			"https://127.0.0.1:${port[jose]}/v1/me")" != 401 ] || break
		sleep 0.1
	done
	[ "$i" -lt 200 ] || bench_die "jose verifier did not answer within 20 s"

	me_url[jet-api]=https://127.0.0.1:${port[jet-api]}/v1/me
	me_url[jose]=https://127.0.0.1:${port[jose]}/v1/me
	for s in jet-api jose; do
		body=$(curl -s --max-time 5 --cacert "$tmp/ca.crt" -H "Authorization: Bearer $tok1" \
			-D "$out/$s-response.txt" "${me_url[$s]}")
		echo "$body" >>"$out/$s-response.txt"
		jsq "d.client_id === '${client_id[jet-auth]}' && d.buildings['hq-1'] === 'operator'" \
			<<<"$body" >/dev/null || bench_die "$s: /v1/me does not accept the token: $body"
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$tmp/ca.crt" \
			-H "Authorization: Bearer $(tamper "$tok1")" "${me_url[$s]}")
		[ "$code" = 401 ] || bench_die "$s: /v1/me answered $code to a tampered token"
	done
fi

declare -A tls_params
for s in "${servers[@]}"; do
	tls_params[$s]=$(bench_tls_params "127.0.0.1:${port[$s]}" "$tmp/ca.crt")
	bench_log "$s: pid ${pid[$s]} on CPU $scpu, TLS ${tls_params[$s]}"
done

# ---------------------------------------------------------------------------
# The single-core limits: openssl speed on the server CPU
# ---------------------------------------------------------------------------

# speed_run SECONDS FILE: openssl speed for BENCH_ALG on the server CPU;
# prints "sign/s verify/s".  Measured once here and again in every round
# (the machine's speed drifts; each round's fractions use that round's).
speed_run() {
	taskset -c "$scpu" timeout 120 openssl speed -seconds "$1" "$speed_alg" >"$2" 2>&1 ||
		bench_die "openssl speed failed"
	# The result line ends with "... sign/s verify/s".
	awk -v a="$speed_alg" '
		(a == "ecdsap256" && /nistp256\)/) || (a == "ed25519" && /Ed25519\)/) ||
		(a ~ /^rsa/ && $0 ~ "^rsa " substr(a, 4) " bits") { s = $(NF - 1); v = $NF }
		END { if (s == "") exit 1; print s, v }' "$2" ||
		{ cat "$2" >&2; bench_die "cannot read openssl speed's result"; }
}
bench_log "openssl speed -seconds 3 $speed_alg on CPU $scpu"
read -r sign_s verify_s < <(speed_run 3 "$out/openssl-speed.txt")
bench_log "one core: $sign_s $alg signatures/s, $verify_s verifications/s (openssl speed)"
bench_log "glewlwyd: $glewlwyd_note"

# ---------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------

{
	echo "date:      $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "host:      $(uname -srm), $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "openssl:   $(openssl version)"
	echo "node:      $(node --version), oidc-provider $(node -p 'require("./tests/interop/node_modules/oidc-provider/package.json").version'), jose $(node -p 'require("./tests/interop/node_modules/jose/package.json").version')"
	echo "wrk:       $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')"
	echo "jetstream: $(git describe --always --dirty 2>/dev/null || echo unknown)"
	echo "settings:  ${secs}s x $rounds rounds, warm-up ${warmup}s, wrk -t1 -c$conns, $alg, $ntokens tokens, server CPU $scpu, wrk CPU $ccpu"
	echo "speed:     one core, at start: $sign_s $alg sign/s, $verify_s verify/s (openssl speed; again in each round: speed.tsv)"
	for s in "${servers[@]}"; do echo "tls:       $s ${tls_params[$s]}"; done
	echo "glewlwyd:  $glewlwyd_note"
} >"$out/env.txt"

# The servers of each test, Jetstream first.
declare -A group
group[issue]="jet-auth oidc"
if in_run glewlwyd; then group[issue]+=" glewlwyd"; fi
group[verify-one]="jet-api jose"
group[verify-many]="jet-api jose"

# run_wrk TEST SERVER SECONDS FILE: one wrk run pinned to the client CPU;
# prints "requests seconds rps p99_ms errors cpu_s client_util" (client_util:
# wrk's own CPU time over the run's duration, 0..1; near 1 the load
# generator is the limit).  wrk's CPU time is read from the cutime/cstime
# of the subshell that waited for it (per-CPU /proc/stat figures are not
# trustworthy in every sandbox; per-process accounting is).
run_wrk() {
	local test=$1 s=$2 d=$3 file=$4 t0 t1 wt args=()
	case $test in
		issue) args=(-s bench/token/issue.lua -H "${auth_hdr[$s]}" "${issue_url[$s]}") ;;
		verify-one) args=(-H "Authorization: Bearer $tok1" "${me_url[$s]}") ;;
		verify-many) args=(-s bench/token/verify.lua "${me_url[$s]}") ;;
	esac
	t0=$(bench_cpu_ticks "${pid[$s]}")
	wt=$(
		BENCH_TOKENS=$tmp/tokens.txt timeout -k 5 $((d + 30)) taskset -c "$ccpu" \
			wrk -t1 -c"$conns" -d"${d}s" --timeout 5s --latency "${args[@]}" >"$file" 2>&1 || true
		awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$BASHPID/stat"
	)
	t1=$(bench_cpu_ticks "${pid[$s]}")
	kill -0 "${pid[$s]}" 2>/dev/null || bench_die "$s exited during the $test test (log: $out/$s.log)"
	local r
	r=$(bench_wrk_parse "$file") || { cat "$file" >&2; bench_die "$s $test: no wrk result"; }
	echo "$r $(awk -v t=$((t1 - t0)) -v hz="$bench_clk_tck" -v w="$wt" -v sec="${r#* }" 'BEGIN {
		split(sec, f, " "); printf "%.3f %.2f", t / hz, (f[1] > 0 ? w / hz / f[1] : 0) }')"
}

for test in "${tests[@]}"; do
	for s in ${group[$test]}; do
		bench_log "warm-up $s $test (${warmup}s)"
		run_wrk "$test" "$s" "$warmup" "$out/warmup-$test-$s.txt" >/dev/null
	done
done

speeds=$out/speed.tsv
printf 'round\tsign_s\tverify_s\n' >"$speeds"
res=$out/results.tsv
printf 'round\ttest\tserver\trequests\tseconds\trps\tp99_ms\terrors\tcpu_s\tcpu_util\tper_core\tclient_util\n' >"$res"
for ((r = 1; r <= rounds; r++)); do
	read -r rs rv < <(speed_run 2 "$out/r$r-openssl-speed.txt")
	printf '%d\t%s\t%s\n' "$r" "$rs" "$rv" >>"$speeds"
	bench_log "round $r/$rounds openssl speed: $rs $alg sign/s, $rv verify/s"
	for test in "${tests[@]}"; do
		for s in ${group[$test]}; do
			line=$(run_wrk "$test" "$s" "$secs" "$out/r$r-$test-$s.txt")
			read -r req sec rps p99 err cpu cutil <<<"$line"
			read -r util per_core < <(awk -v req="$req" -v sec="$sec" -v cpu="$cpu" 'BEGIN {
				printf "%.3f %.1f\n", cpu / sec, (cpu > 0 ? req / cpu : 0) }')
			printf '%d\t%s\t%s\t%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n' "$r" "$test" "$s" \
				"$req" "$sec" "$rps" "$p99" "$err" "$cpu" "$util" "$per_core" "$cutil" >>"$res"
			bench_log "round $r/$rounds $test $s: $rps req/s, p99 ${p99} ms, server CPU $(awk -v u="$util" 'BEGIN { printf "%.0f", u * 100 }')%, $per_core req/core-s, wrk CPU $(awk -v u="$cutil" 'BEGIN { printf "%.0f", u * 100 }')%, errors $err"
			[ "$err" -eq 0 ] || bench_log "WARNING: $s $test had $err errors (see $out/r$r-$test-$s.txt)"
		done
	done
done

# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------

# col TEST SERVER COLUMN: the median of a results.tsv column.
col() {
	awk -F'\t' -v t="$1" -v s="$2" -v c="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
		$2 == t && $3 == s { print $k }' "$res" | bench_median
}
# ratio TEST PEER COLUMN: the median over rounds of Jetstream/PEER for COLUMN
# (Jetstream: the first server of the test's group).
ratio() {
	local a=${group[$1]%% *}
	awk -F'\t' -v t="$1" -v c="$3" -v a="$a" -v b="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
		$2 == t { v[$1, $3] = $k; n[$1] }
		END { for (r in n) if (v[r, b] > 0) printf "%.4f\n", v[r, a] / v[r, b] }' "$res" |
		bench_median | awk '{ if ($1 == "nan") print "n/a"; else printf "%.2f\n", $1 }'
}
# frac TEST SERVER SPEEDCOL: the median over rounds of SERVER's per_core in
# TEST divided by that round's openssl speed figure (column 2 sign, 3 verify).
frac() {
	awk -F'\t' -v t="$1" -v s="$2" -v c="$3" '
		FNR == 1 { next }
		FILENAME == ARGV[1] { sp[$1] = $c; next }
		$2 == t && $3 == s && sp[$1] > 0 { printf "%.4f\n", $11 / sp[$1] }' "$speeds" "$res" |
		bench_median | awk '{ if ($1 == "nan") print "n/a"; else printf "%.2f\n", $1 }'
}
errors_total=$(awk -F'\t' 'NR > 1 { e += $8 } END { print e + 0 }' "$res")

{
	cat "$out/env.txt"
	echo
	echo "Medians over $rounds rounds (per server core = completed requests / server CPU-seconds):"
	echo
	echo "| test | server | req/s | p99 ms | server CPU | req per server core-s | wrk CPU | errors |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	for test in "${tests[@]}"; do
		for s in ${group[$test]}; do
			awk -v t="$test" -v s="${label[$s]}" -v rps="$(col "$test" "$s" rps)" \
				-v p99="$(col "$test" "$s" p99_ms)" -v u="$(col "$test" "$s" cpu_util)" \
				-v pc="$(col "$test" "$s" per_core)" -v cu="$(col "$test" "$s" client_util)" \
				-v e="$(awk -F'\t' -v t="$test" -v s="$s" '$2 == t && $3 == s { e += $8 } END { print e + 0 }' "$res")" \
				'BEGIN { printf "| %s | %s | %.0f | %.2f | %.0f %% | %.0f | %.0f %% | %d |\n", t, s, rps, p99, u * 100, pc, cu * 100, e }'
		done
	done
	echo
	echo "Median ratios Jetstream / peer:"
	echo
	echo "| test | peer | req/s | req per server core-s |"
	echo "|---|---|---:|---:|"
	for test in "${tests[@]}"; do
		for s in ${group[$test]#* }; do
			echo "| $test | ${label[$s]} | $(ratio "$test" "$s" rps) | $(ratio "$test" "$s" per_core) |"
		done
	done
	echo
	sign_med=$(awk -F'\t' 'NR > 1 { print $2 }' "$speeds" | bench_median)
	verify_med=$(awk -F'\t' 'NR > 1 { print $3 }' "$speeds" | bench_median)
	if in_tests issue; then
		awk -v pc="$(col issue jet-auth per_core)" -v s="$sign_med" -v a="$alg" \
			-v f="$(frac issue jet-auth 2)" 'BEGIN {
			printf "Jetstream issued %.0f tokens per server core-second: %.2f of one core'"'"'s raw %s signing rate (median %.0f/s, openssl speed in each round)\n", pc, f, a, s }'
	fi
	if in_tests verify-many; then
		awk -v pc="$(col verify-many jet-api per_core)" -v s="$verify_med" -v a="$alg" \
			-v f="$(frac verify-many jet-api 3)" 'BEGIN {
			printf "Jetstream verified %.0f distinct tokens per server core-second: %.2f of one core'"'"'s raw %s verify rate (median %.0f/s)\n", pc, f, a, s }'
	fi
	echo "glewlwyd: $glewlwyd_note"
} >"$out/summary.md"

echo
cat "$out/summary.md"
echo
[ "$errors_total" -eq 0 ] || echo "WARNING: $errors_total wrk errors in total; see $out/r*.txt"
echo "raw outputs: $out/"
for test in "${tests[@]}"; do
	for s in ${group[$test]#* }; do
		echo "ratio jetstream/$s $test: req/s $(ratio "$test" "$s" rps), per core $(ratio "$test" "$s" per_core)"
	done
done
