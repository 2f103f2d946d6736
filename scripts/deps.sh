#!/usr/bin/env bash
# Installs the Debian packages Jetstream needs, and only those missing.
#   scripts/deps.sh run     build and run the platform
#   scripts/deps.sh test    also everything `make test` uses
#   scripts/deps.sh bench   also the peers the benchmarks compare against
# Safe to run again: with nothing missing it changes nothing and takes well
# under a second.
set -euo pipefail
profile=${1:-run}

pkgs=(gcc make cmake ninja-build pkg-config openssl ca-certificates curl
      libssl-dev libuv1-dev libjansson-dev libsqlite3-dev jq)
case $profile in
  run) ;;
  test) pkgs+=(clang libclang-rt-14-dev libcmocka-dev iproute2 procps sqlite3) ;;
  bench) pkgs+=(clang libclang-rt-14-dev libcmocka-dev wrk nginx-light testssl.sh
               util-linux procps glewlwyd sqlite3) ;;
  *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac

missing=()
# Node.js and npm run the interoperability tests (independent OAuth clients
# and an independent authorization server from npm).  They need Node 20 or
# newer (global fetch and WebCrypto); Debian's is installed only when there
# is none at all.
if [ "$profile" != run ] && ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$p")
done
install_debian() {
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "deps: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Try without refreshing the package lists first; refresh once if that fails.
  if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}
install_debian

# The interoperability tests' and benchmarks' npm packages (independent OAuth
# clients and servers), exactly as package-lock.json pins them; again only
# when missing or older than the lock file.
if [ "$profile" != run ]; then
  interop="$(cd "$(dirname "$0")/.." && pwd)/tests/interop"
  if [ -f "$interop/package-lock.json" ] &&
     { [ ! -f "$interop/node_modules/.package-lock.json" ] ||
       [ "$interop/package-lock.json" -nt "$interop/node_modules/.package-lock.json" ]; }; then
    echo "deps: npm ci in tests/interop" >&2
    (cd "$interop" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
fi
