#!/usr/bin/env bash
# `make test`: installs what is missing, then runs every test three ways and
# prints one summary line at the end.
#   1. gcc, -Werror, RelWithDebInfo            (build/)
#   2. clang, -Werror, ASan + UBSan            (build-asan/)
#   3. clang libFuzzer targets, smoke run      (build-fuzz/)
# JET_TEST_STAGES="gcc asan fuzz" selects stages; JET_FUZZ_SECONDS sets the
# time each fuzz target runs (default 10).
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test || exit 1

stages=${JET_TEST_STAGES:-gcc asan fuzz}
jobs=$(nproc)
passed=0 failed=0 failed_names=()

run_stage() { # name builddir cmake-args...
  local name=$1 dir=$2; shift 2
  echo "== $name: configure and build ($dir)"
  if ! cmake -S . -B "$dir" -G Ninja "$@" >"$dir/configure.log" 2>&1; then
    cat "$dir/configure.log"; failed=$((failed + 1)); failed_names+=("$name:build"); return
  fi
  if ! cmake --build "$dir" -j "$jobs"; then
    failed=$((failed + 1)); failed_names+=("$name:build"); return
  fi
  echo "== $name: tests"
  local log="$dir/ctest.log"
  (cd "$dir" && ctest -j "$jobs" --output-on-failure --timeout 600) 2>&1 | tee "$log"
  local total fail
  total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
  fail=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -1)
  if [ -z "$total" ]; then
    failed=$((failed + 1)); failed_names+=("$name:ctest"); return
  fi
  passed=$((passed + total - fail)); failed=$((failed + fail))
  while read -r t; do failed_names+=("$name:$t"); done < <(
    sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) (.*/\1/p' "$log")
}

mkdir -p build build-asan build-fuzz
for s in $stages; do
  case $s in
    gcc)  run_stage gcc build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc ;;
    asan) ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
          run_stage asan build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DJET_SANITIZE=ON ;;
    fuzz) run_stage fuzz build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DJET_FUZZ=ON \
          -DJET_FUZZ_SECONDS="${JET_FUZZ_SECONDS:-10}" ;;
    *) echo "unknown stage $s" >&2; exit 2 ;;
  esac
done

echo
for n in "${failed_names[@]}"; do echo "FAILED: $n"; done
echo "summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
