# lib.sh - what the interoperability tests share (sourced, not run):
# arguments, preconditions, a scratch directory removed on exit, starting
# and stopping servers with bounded waits.
#
#   interop_init SRC BIN SCRATCH NAME PACKAGE...   sets src, bin, here, tmp, t0;
#                                                  checks tools and npm packages
#   start NAME CONFIG        jetstream NAME --config CONFIG in the background
#                            (after --check), JETSTREAM_* variables removed
#   wait_ready LABEL PID URL CA   up to 20 s for URL to answer 200
#   stop_checked             SIGTERM to all; each must exit 0, no sanitizer report
#   free_port, json_get KEY, say, die
# Set keep=1 (or INTEROP_KEEP) to keep the scratch directory.

say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

interop_init() {
	src=$(cd "$1" && pwd)
	bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
	local scratch=$3 name=$4 m
	shift 4
	here=$src/tests/interop
	t0=$SECONDS
	[ -x "$bin" ] || die "$bin: no such executable"
	command -v node >/dev/null || die "node not found (scripts/deps.sh test installs it)"
	for m in "$@"; do
		[ -d "$here/node_modules/$m" ] ||
			die "npm package $m missing: run scripts/deps.sh test (or npm ci --prefix tests/interop)"
	done
	command -v openssl >/dev/null || die "openssl not found"
	command -v curl >/dev/null || die "curl not found"
	mkdir -p "$scratch"
	tmp=$(mktemp -d "$scratch/$name.XXXXXX")
	pids=() names=()
	trap interop_cleanup EXIT
	trap 'exit 130' INT TERM
}

interop_cleanup() {
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

# SIGTERM to every process started here, 10 s each to exit; each must exit
# 0 and no log may hold a sanitizer report (the binary may be an ASan/UBSan
# build).
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

# A loopback port nothing listens on now (the kernel's choice).
free_port() {
	node -e 'const s = require("net").createServer().listen(0, "127.0.0.1",
		() => { console.log(s.address().port); s.close(); });'
}

# start NAME CONFIG: runs `jetstream NAME --config CONFIG` in the background,
# without JETSTREAM_* variables (they would override the file); last_pid.
start() {
	local name=$1 conf=$2 unset_env=() v
	"$bin" "$name" --config "$conf" --check >"$tmp/$name-check.log" 2>&1 ||
		{ cat "$tmp/$name-check.log" >&2; die "jetstream $name --check refuses $conf"; }
	for v in $(compgen -e); do [[ $v != JETSTREAM_* ]] || unset_env+=(-u "$v"); done
	env "${unset_env[@]}" "$bin" "$name" --config "$conf" >"$tmp/$name.log" 2>&1 </dev/null &
	pids+=($!)
	names+=("jetstream $name")
	last_pid=$!
}

# wait_ready LABEL PID URL CA: up to 20 s for URL to answer 200 (CA may not
# exist yet: the development PKI is made at start-up).  $tmp/LABEL.log is
# the process's log.
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

# json_get KEY: a string member of the JSON object on stdin.
json_get() {
	node -e 'let s = ""; process.stdin.on("data", (d) => s += d).on("end", () => {
		const v = JSON.parse(s)[process.argv[1]];
		if (typeof v !== "string") process.exit(1);
		console.log(v); });' "$1"
}
