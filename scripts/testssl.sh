#!/usr/bin/env bash
# Audits a TLS listener against Jetstream's policy (include/jet/tls.h) with
# Debian's testssl.sh, offline, and fails unless the policy holds:
#   - TLS 1.2 and TLS 1.3 offered; SSLv2, SSLv3, TLS 1.0, TLS 1.1 not offered
#   - every offered suite is ECDHE with an AEAD cipher: TLS 1.2
#     ECDHE-{ECDSA,RSA}-{AES128-GCM,AES256-GCM,CHACHA20-POLY1305}, TLS 1.3
#     TLS_AES_{128,256}_GCM, TLS_CHACHA20_POLY1305; no NULL, anonymous,
#     export, LOW, 3DES/IDEA or CBC category offered; forward secrecy offered
#   - secure renegotiation, no client-initiated renegotiation, no compression
#   - no finding rated LOW or worse, no scan problem, testssl exit status 0
#
#   scripts/testssl.sh [--out DIR] [HOST:PORT]   default 127.0.0.1:8443, DIR
#                                                 bench/out/testssl
#   scripts/testssl.sh --self-test               checks this checker: nginx
#       configured like Jetstream must pass; with TLS 1.1 enabled, and with a
#       CBC suite added, it must fail (a check that cannot fail is a defect)
#
# Exit status: 0 policy holds; 1 policy violated or not verifiable (no
# listener, no testssl result), reasons on stderr and in <output>.fail;
# 2 usage error or missing tool.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

out_dir=bench/out/testssl
target=127.0.0.1:8443
self_test=0
while [ $# -gt 0 ]; do
	case $1 in
		--out) [ $# -ge 2 ] || { echo "usage: $0 [--out DIR] [HOST:PORT] | --self-test" >&2; exit 2; }
			out_dir=$2; shift 2 ;;
		--self-test) self_test=1; shift ;;
		-h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
		-*) echo "usage: $0 [--out DIR] [HOST:PORT] | --self-test" >&2; exit 2 ;;
		*) target=$1; shift ;;
	esac
done

testssl_bin=$(command -v testssl || command -v testssl.sh) ||
	{ echo "testssl not found: scripts/deps.sh bench installs it" >&2; exit 2; }

# check_csv CSV: prints one "FAIL: reason" line per violation found in a
# testssl CSV file; exit status 1 when there is any.
check_csv() {
	awk '
	function fail(msg) { print "FAIL: " msg; bad++ }
	NR == 1 { next }
	{
		# "id","fqdn/ip","port","severity","finding","cve","cwe"
		line = substr($0, 2, length($0) - 2)
		n = split(line, f, "\",\"")
		id = f[1]; sev = f[4]; finding = f[5]
		seen[id] = 1; find[id] = finding
		if (sev ~ /^(LOW|MEDIUM|HIGH|CRITICAL|WARN|FATAL)$/)
			fail(id " rated " sev ": " finding)
		if (id ~ /scanProblem/) fail("scan problem: " finding)
		if (id ~ /^cipher-/) {
			split(finding, c, " +")   # TLS 1.2 xc02b NAME KX BITS ENC BITS IANA
			proto = c[1] " " c[2]; name = c[4]; kx = c[5]; enc = c[7]
			if (proto == "TLS 1.2") {
				n12++
				if (name !~ /^ECDHE-(ECDSA|RSA)-(AES(128-GCM-SHA256|256-GCM-SHA384)|CHACHA20-POLY1305)$/)
					fail("TLS 1.2 suite " name " offered (only ECDHE with AES-GCM or CHACHA20-POLY1305 allowed)")
			} else if (proto == "TLS 1.3") {
				n13++
				if (name !~ /^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/)
					fail("TLS 1.3 suite " name " offered (only AES-GCM and CHACHA20-POLY1305 allowed)")
			} else {
				fail("suite " name " offered with " proto)
			}
			if (kx !~ /^ECDH/) fail(proto " suite " name " uses key exchange " kx " (ECDHE required)")
			if (enc !~ /^(AESGCM|ChaCha20)$/) fail(proto " suite " name " uses cipher " enc " (AEAD required)")
		}
	}
	function want(id, re, what) {
		if (!(id in seen)) fail("testssl did not report " id)
		else if (find[id] !~ re) fail(id ": \"" find[id] "\" (expected " what ")")
	}
	END {
		want("SSLv2", "^not offered", "not offered")
		want("SSLv3", "^not offered", "not offered")
		want("TLS1", "^not offered", "not offered")
		want("TLS1_1", "^not offered", "not offered")
		want("TLS1_2", "^offered", "offered")
		want("TLS1_3", "^offered", "offered")
		want("cipherlist_NULL", "^not offered", "not offered")
		want("cipherlist_aNULL", "^not offered", "not offered")
		want("cipherlist_EXPORT", "^not offered", "not offered")
		want("cipherlist_LOW", "^not offered", "not offered")
		want("cipherlist_3DES_IDEA", "^not offered", "not offered")
		want("cipherlist_AVERAGE", "^not offered", "not offered: CBC suites")
		want("cipherlist_STRONG", "^offered", "offered")
		want("PFS", "^offered", "offered")
		want("secure_renego", "^supported", "supported")
		want("secure_client_renego", "^not vulnerable", "not vulnerable")
		want("CRIME_TLS", "^not vulnerable", "not vulnerable: no TLS compression")
		if (n12 == 0) fail("no TLS 1.2 suite listed by the per-protocol cipher test")
		if (n13 == 0) fail("no TLS 1.3 suite listed by the per-protocol cipher test")
		exit bad > 0
	}' "$1"
}

# audit HOST:PORT DIR: runs testssl, saves DIR/<host>_<port>-<stamp>.{txt,csv},
# checks the CSV.  Returns 0 when the policy holds, 1 when it is violated or
# could not be verified (no listener, testssl failed).
audit() {
	local tgt=$1 dir=$2 base rc
	mkdir -p "$dir" || return 1
	base=$dir/$(tr ':' '_' <<<"$tgt")-$(date +%Y%m%d-%H%M%S)
	echo "testssl: auditing $tgt (about a minute), output in $base.{txt,csv}" >&2
	# Offline: no DNS (-n none), no CRL/OCSP fetches (PHONE_OUT=false, no
	# --phone-out); stop on the first testing error (--warnings batch); every
	# openssl connect and the whole run bounded in time.
	PHONE_OUT=false timeout -k 10 600 "$testssl_bin" --quiet --color 0 --warnings batch \
		--nodns none --openssl-timeout 10 --mapping openssl --csvfile "$base.csv" \
		-p -s -f -E -R -C "$tgt" >"$base.txt" 2>&1
	rc=$?
	if [ ! -s "$base.csv" ]; then
		tail -20 "$base.txt" >&2
		echo "FAIL: testssl gave no result for $tgt (exit status $rc)" | tee "$base.fail" >&2
		return 1
	fi
	local fails
	fails=$(check_csv "$base.csv")
	[ "$rc" -eq 0 ] || fails+=$'\n'"FAIL: testssl exited with status $rc"
	fails=$(sed '/^$/d' <<<"$fails")
	if [ -n "$fails" ]; then
		echo "$fails" | tee "$base.fail" >&2
		echo "testssl: $tgt violates the TLS policy (see $base.txt)" >&2
		return 1
	fi
	echo "testssl: $tgt meets the TLS policy" >&2
	return 0
}

if [ "$self_test" -eq 0 ]; then
	audit "$target" "$out_dir"
	exit $?
fi

# ---------------------------------------------------------------------------
# Self-test: the same checks against nginx configured three ways.
# ---------------------------------------------------------------------------

# shellcheck source=bench/lib.sh
. bench/lib.sh
command -v nginx >/dev/null || { echo "nginx not found: scripts/deps.sh bench installs it" >&2; exit 2; }
port=${TESTSSL_SELFTEST_PORT:-18445}
! bench_port_busy "$port" || { echo "127.0.0.1:$port is in use" >&2; exit 2; }
tmp=$(mktemp -d /tmp/jetstream-testssl.XXXXXX)
trap 'bench_stop_all; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
bench_pki "$tmp"
st_dir=$out_dir/self-test-$(date +%Y%m%d-%H%M%S)
failures=0

# case NAME EXPECT PROTOCOLS CIPHERS: EXPECT is "pass" or an extended regex
# that must match one of the FAIL lines.
case_run() {
	local name=$1 expect=$2 protos=$3 ciphers=$4 d=$tmp/$1 rc
	mkdir -p "$d"
	bench_nginx_render bench/nginx/http.conf.in "$d/nginx.conf" "$d" "127.0.0.1:$port" \
		"$tmp/server.crt" "$tmp/server.key" "$protos" "$ciphers"
	bench_nginx_start 0 "$d" "$d/nginx.conf" "$d/nginx.log"
	if ! bench_wait_ready "https://127.0.0.1:$port/healthz" "$tmp/ca.crt" "$bench_pid" 20; then
		cat "$d/nginx.log" >&2
		echo "self-test $name: nginx did not start" >&2
		failures=$((failures + 1)); bench_stop_all; return
	fi
	audit "127.0.0.1:$port" "$st_dir/$name"
	rc=$?
	bench_stop_all
	if [ "$expect" = pass ]; then
		if [ "$rc" -eq 0 ]; then echo "self-test $name: passed, as it must" >&2
		else echo "self-test $name: FAILED: a compliant server was rejected" >&2; failures=$((failures + 1)); fi
	elif [ "$rc" -eq 1 ] && grep -Eq "$expect" "$st_dir/$name"/*.fail; then
		echo "self-test $name: rejected for the expected reason (/$expect/), as it must" >&2
	else
		echo "self-test $name: FAILED: expected a rejection matching /$expect/ (audit status $rc)" >&2
		failures=$((failures + 1))
	fi
}

# TLS 1.0/1.1 need security level 0 with OpenSSL 3, and CBC suites (no GCM
# before TLS 1.2).
case_run compliant pass "TLSv1.2 TLSv1.3" "$bench_tls12_ciphers"
case_run tls11 '^FAIL: TLS1_1: ' "TLSv1.1 TLSv1.2 TLSv1.3" "$bench_tls12_ciphers:ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0"
case_run cbc 'TLS 1.2 suite ECDHE-ECDSA-AES128-SHA256 offered' "TLSv1.2 TLSv1.3" "$bench_tls12_ciphers:ECDHE-ECDSA-AES128-SHA256"

if [ "$failures" -eq 0 ]; then
	echo "testssl self-test: OK (outputs in $st_dir)"
	exit 0
fi
echo "testssl self-test: $failures case(s) FAILED (outputs in $st_dir)" >&2
exit 1
