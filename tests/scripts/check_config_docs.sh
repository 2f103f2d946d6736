#!/usr/bin/env bash
# Every option in a service's configuration table is documented in
# docs/configuration.md, and nothing documented there is missing from the
# table: the table (services/*/.. OPT(...) entries) is the single source.
set -euo pipefail
root=${1:-.}
cd "$root"
table=$(grep -ho 'OPT("[a-z0-9_.-]*", "[a-z0-9_]*"' services/*/*.c |
  sed -E 's/OPT\("([^"]*)", "([^"]*)"/\1.\2/' | sort -u)
docs=$(awk '/^## \[[a-z0-9_.-]+\]/ { gsub(/^## \[|\].*$/, ""); sec=$0; next }
            /^## / { sec="" }
            sec != "" && /^\| `[a-z0-9_]+` \|/ { split($0, a, "`"); print sec "." a[2] }' \
       docs/configuration.md | sort -u)
[ -n "$table" ] || { echo "check_config_docs: no options found in the table"; exit 1; }
missing=$(comm -23 <(echo "$table") <(echo "$docs"))
extra=$(comm -13 <(echo "$table") <(echo "$docs"))
[ -z "$missing" ] || { echo "check_config_docs: undocumented options:"; echo "$missing"; }
[ -z "$extra" ] || { echo "check_config_docs: documented but not in the table:"; echo "$extra"; }
[ -z "$missing$extra" ] && echo "check_config_docs: $(echo "$table" | wc -l) options documented"
[ -z "$missing$extra" ]
