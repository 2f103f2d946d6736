#!/usr/bin/env bash
# Banned in Jetstream's C (see docs/architecture.md, "Code rules"): functions
# with no bound on what they write, or that parse numbers without telling
# you they failed.  Use snprintf / jet_buf, jet_parse_u64, strtok_r-free
# slicing.  strtol & co. are allowed only in tests.
set -euo pipefail
root=${1:-.}
cd "$root"
fail=0
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atoll|atof|tmpnam|mktemp)[[:space:]]*\('
if grep -nE "$banned" $(find include lib services cli tests -name '*.[ch]'); then
  echo "check_banned: banned functions found (above)"; fail=1
fi
strto='\b(strtol|strtoul|strtoll|strtoull|strtoimax|strtoumax)[[:space:]]*\('
if grep -nE "$strto" $(find lib services cli -name '*.c'); then
  echo "check_banned: strtol family outside tests (above): use jet_parse_u64"; fail=1
fi
# Self-test: the pattern must catch what it claims to catch.
printf 'int f(void){ char b[4]; strcpy(b, "x"); return atoi("1"); }\n' |
  grep -qE "$banned" || { echo "check_banned: pattern self-test failed"; fail=1; }
printf 'int f(void){ char b[4]; return snprintf(b, 4, "x"); }\n' |
  grep -qE "$banned" && { echo "check_banned: pattern flags snprintf"; fail=1; }
[ $fail -eq 0 ] && echo "check_banned: ok"
exit $fail
