#!/usr/bin/env bash
# load_demo(0.01, 42) in two fresh databases gives identical contents (a
# checksum over every table); seed 43 gives different contents.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}

# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_det_a pp_det_b pp_det_c

sums() {  # db scale seed -> one line per table: name rows checksum
  local db=$1
  psql -qX -d "$db" -v ON_ERROR_STOP=1 -Atc "SELECT prodplan.load_demo($2, $3)" >/dev/null
  psql -qX -d "$db" -v ON_ERROR_STOP=1 -AtF' ' -c "SELECT table_name, row_count, checksum FROM prodplan.content_checksum() ORDER BY 1"
}

a=$(sums pp_det_a 0.01 42)
b=$(sums pp_det_b 0.01 42)
c=$(sums pp_det_c 0.01 43)
echo "$a"

fail=0
if [ "$a" != "$b" ]; then
  echo "FAIL: seed 42 loaded twice differs:"; diff <(echo "$a") <(echo "$b") || true; fail=1
else
  echo "ok: seed 42 gives identical contents in two databases ($(echo "$a" | wc -l) tables)"
fi
empty=$(echo "$a" | awk '$2 == 0 {print $1}' | tr '\n' ' ')
if [ -n "$empty" ]; then echo "FAIL: tables left empty by load_demo: $empty"; fail=1; fi
differing=$(join <(echo "$a") <(echo "$c") | awk '$3 != $5 {n++} END {print n+0}')
if [ "$differing" -lt 5 ]; then
  echo "FAIL: seed 43 differs from seed 42 in only $differing tables"; fail=1
else
  echo "ok: seed 43 differs from seed 42 in $differing tables"
fi
exit $fail
