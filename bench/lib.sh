# shellcheck shell=bash disable=SC2034
# bench/lib.sh - helpers shared by the benchmark scripts.  Sourced, never run.
#
# Conventions: every helper is prefixed bench_; every wait is bounded in
# time; servers are stopped by the pid this shell started, never by name;
# all traffic stays on 127.0.0.1.
#
# Requires bash, coreutils (timeout), util-linux (taskset), procps (pgrep),
# openssl, curl, awk.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_clk_tck=$(getconf CLK_TCK)

# Jetstream's TLS policy (lib/tls/tls_int.h: JET_TLS12_CIPHERS,
# JET_TLS13_SUITES, JET_TLS_GROUPS), in OpenSSL names and in Jetstream's
# order of preference, for peers that must match it.  bench/http.sh checks
# that both servers negotiate the same parameters, so a drift here is caught.
bench_tls12_ciphers="ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:\
ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
bench_tls13_suites="TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

bench_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
bench_die() { bench_log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------
# PKI
# ---------------------------------------------------------------------------

# bench_pki DIR: a throw-away CA and an ECDSA P-256 server certificate for
# IP 127.0.0.1, valid two days: DIR/ca.crt, DIR/server.crt, DIR/server.key
# (mode 0600; Jetstream refuses group- or world-readable keys).
bench_pki() {
	local d=$1
	(
		umask 077
		cd "$d" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout ca.key -out ca.crt -days 2 -subj "/CN=Jetstream bench CA" \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign &&
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout server.key -out server.csr -subj "/CN=127.0.0.1" &&
		printf '%s\n' basicConstraints=critical,CA:FALSE \
			keyUsage=critical,digitalSignature extendedKeyUsage=serverAuth \
			subjectAltName=IP:127.0.0.1 >server.ext &&
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
			-days 2 -sha256 -extfile server.ext -out server.crt &&
		chmod 0644 ca.crt server.crt && chmod 0600 server.key
	) >"$d/pki.log" 2>&1 || { cat "$d/pki.log" >&2; bench_die "certificate generation failed"; }
}

# ---------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------

bench_pids=() # every server this shell started, for bench_stop_all

# bench_spawn CPU LOG CMD...: starts CMD pinned to CPU, output to LOG; the
# pid is left in bench_pid.
bench_spawn() {
	local cpu=$1 log=$2
	shift 2
	taskset -c "$cpu" "$@" >"$log" 2>&1 </dev/null &
	bench_pid=$!
	bench_pids+=("$bench_pid")
}

# bench_stop PID: SIGTERM, up to 10 s to exit, then SIGKILL.
bench_stop() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		bench_log "pid $pid ignored SIGTERM for 10 s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

bench_stop_all() {
	local i
	for ((i = ${#bench_pids[@]} - 1; i >= 0; i--)); do
		bench_stop "${bench_pids[i]}"
	done
	bench_pids=()
}

# bench_port_busy PORT: true when something accepts on 127.0.0.1:PORT.
bench_port_busy() {
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# bench_wait_ready URL CAFILE PID [SECONDS]: polls URL until it answers 200;
# fails when PID exits or after SECONDS (default 20).
bench_wait_ready() {
	local url=$1 ca=$2 pid=$3 secs=${4:-20} i
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 1
		if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$ca" "$url")" = 200 ]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# bench_tree PID: PID and all its descendants, one per line.
bench_tree() {
	local c
	echo "$1"
	for c in $(pgrep -P "$1"); do bench_tree "$c"; done
}

# bench_cpu_ticks PID: CPU time (clock ticks, user + system) consumed by the
# process PID, all its threads, its live descendants and their threads, and
# the children it has already reaped (cutime/cstime of PID).  /proc/P/stat
# totals every thread of P, including threads that have exited.
bench_cpu_ticks() {
	local root=$1 p total=0 t
	for p in $(bench_tree "$root"); do
		# Fields after "(comm) ": $1 is field 3 (state), so utime (14) is
		# $12, stime $13, cutime $14, cstime $15.
		t=$(awk -v root=$((p == root)) '{ sub(/^.*\) /, "");
			print $12 + $13 + (root ? $14 + $15 : 0) }' "/proc/$p/stat" 2>/dev/null) || t=0
		total=$((total + ${t:-0}))
	done
	echo "$total"
}

# ---------------------------------------------------------------------------
# TLS checks
# ---------------------------------------------------------------------------

# bench_tls_params HOST:PORT CAFILE: what a default OpenSSL client (the one
# wrk links) negotiates, as "protocol suite group signature".
bench_tls_params() {
	timeout 10 openssl s_client -connect "$1" -CAfile "$2" -brief </dev/null 2>&1 |
		awk -F': *' '/^Protocol version/ { p = $2 } /^Ciphersuite/ { c = $2 }
			/^Server Temp Key/ { split($2, g, ","); k = g[1] }
			/^Signature type/ { s = $2 } /^Verification/ { v = $2 }
			END { printf "%s %s %s %s verify=%s\n", p, c, k, s, v }'
}

# bench_tls_resumes HOST:PORT CAFILE: counts resumed sessions over openssl
# s_client -reconnect (5 reconnects each) with TLS 1.2 and with TLS 1.3.
# 0 means every connection was a full handshake.
bench_tls_resumes() {
	local v n=0 r
	for v in -tls1_2 -tls1_3; do
		r=$(timeout 20 openssl s_client -connect "$1" -CAfile "$2" "$v" -reconnect \
			</dev/null 2>/dev/null | grep -c '^Reused,') || true
		n=$((n + ${r:-0}))
	done
	echo "$n"
}

# ---------------------------------------------------------------------------
# nginx
# ---------------------------------------------------------------------------

# bench_nginx_render TEMPLATE OUT DIR ADDR CERT KEY PROTOCOLS CIPHERS: fills
# the @NAME@ placeholders of an nginx template (SUITES13 with Jetstream's
# TLS 1.3 suites); creates DIR/tmp.
bench_nginx_render() {
	local tpl=$1 out=$2 dir=$3 addr=$4 cert=$5 key=$6 protos=$7 ciphers=$8
	mkdir -p "$dir/tmp"
	sed -e "s|@DIR@|$dir|g" -e "s|@ADDR@|$addr|g" -e "s|@CERT@|$cert|g" \
		-e "s|@KEY@|$key|g" -e "s|@PROTOCOLS@|$protos|g" -e "s|@CIPHERS@|$ciphers|g" \
		-e "s|@SUITES13@|$bench_tls13_suites|g" \
		"$tpl" >"$out"
	if grep -q '@[A-Z]*@' "$out"; then bench_die "$out: unfilled placeholder"; fi
}

# bench_nginx_start CPU DIR CONF LOG: starts nginx in the foreground (master
# + workers, all pinned to CPU by inheritance); pid in bench_pid.
bench_nginx_start() {
	local cpu=$1 dir=$2 conf=$3 log=$4
	nginx -t -q -p "$dir" -c "$conf" -e stderr >"$log" 2>&1 ||
		{ cat "$log" >&2; bench_die "nginx rejects $conf"; }
	bench_spawn "$cpu" "$log" nginx -p "$dir" -c "$conf" -e stderr -g 'daemon off;'
}

# ---------------------------------------------------------------------------
# wrk output and statistics
# ---------------------------------------------------------------------------

# bench_wrk_parse FILE: "requests seconds rps p99_ms errors" from the output
# of wrk --latency; errors counts socket errors plus non-2xx/3xx answers.
bench_wrk_parse() {
	awk '
	function ms(v) {
		if (v ~ /us$/) return v * 0.001
		if (v ~ /ms$/) return v + 0
		if (v ~ /m$/) return v * 60000
		if (v ~ /s$/) return v * 1000
		return v + 0
	}
	/ requests in / { req = $1; d = $4; sub(/,$/, "", d); secs = ms(d) / 1000 }
	/^Requests\/sec:/ { rps = $2 }
	/^ +99% / { p99 = ms($2) }
	/Socket errors:/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
	/Non-2xx or 3xx responses:/ { err += $NF }
	END {
		if (req == "" || rps == "") exit 1
		printf "%d %.3f %.2f %.3f %d\n", req, secs, rps, p99, err
	}' "$1"
}

# bench_median: the median of the numbers on stdin (mean of the middle two
# for an even count); "nan" when there are none.
bench_median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
