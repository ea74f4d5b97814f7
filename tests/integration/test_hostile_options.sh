#!/usr/bin/env bash
# Hostile JSON documents: every public function that takes options, what-if
# changes or report parameters, called HOSTILE_CASES (default 240) times with
# documents mutated from valid ones (tests/integration/hostile_options.py,
# seeded by HOSTILE_SEED: wrong types, extreme and non-finite numbers, huge,
# empty and quoted strings, SQL in values, unknown and missing keys, arrays
# for objects, nesting 1000 deep, impossible dates). Every call must either
# succeed or fail with a clear error of a user class: never an internal
# error (SQLSTATE class XX), never a lost connection (a crashed backend),
# never a statement timeout (30 s); and every error names the function it
# came from (prodplan.<name>). And a failed call changes nothing: the
# plant's data is the same checksum after all of them.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
py=${PYTHON:-/usr/bin/python3}
cases=${HOSTILE_CASES:-240}
seed=${HOSTILE_SEED:-7}
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_hostile
q() { psql -qX -d pp_hostile -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
started=$SECONDS
work=$(mktemp -d)
trap 'cp "$work"/failed.tsv /tmp/ho_failed.tsv 2>/dev/null; rm -rf "$work"; pp_drop_test_databases' EXIT

q -c "SELECT prodplan.load_demo(0.02, 42, 'direct') IS NOT NULL" >/dev/null
q -c "SELECT count(*) FROM prodplan.refresh_aggregates()" >/dev/null
base=$(q -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 300}')")
read -r wc order product <<<"$(q -F ' ' -c "SELECT o.work_center_id, o.order_id, po.product_id
  FROM prodplan.planned_operations o JOIN prodplan.production_order po ON po.plant_id = 'DEMO' AND po.order_id = o.order_id
  WHERE o.plan_id = $base ORDER BY o.order_id, o.operation LIMIT 1")"
characteristic=$(q -c "SELECT characteristic_id FROM prodplan.measurement WHERE plant_id = 'DEMO' ORDER BY 1 LIMIT 1")
before=$(q -c "SELECT md5(string_agg(table_name || row_count || checksum, ',' ORDER BY table_name)) FROM prodplan.content_checksum()")

# One psql session runs every case; a failed case is echoed with its error
# (ECHO errors) and tagged by its comment, and a lost connection is reset.
"$py" "$(dirname "${BASH_SOURCE[0]}")/hostile_options.py" "$seed" "$cases" "$base" "$wc" "$order" "$product" "$characteristic" >"$work/cases.tsv"
{
  echo "\\set VERBOSITY verbose"
  echo "\\set ECHO errors"
  echo "SET statement_timeout = '30s';"
  echo "SET client_min_messages = error;"
  while IFS=$'\t' read -r id fn sql; do
    printf '/* case %s %s */ %s;\n' "$id" "$fn" "$sql"
  done <"$work/cases.tsv"
} >"$work/cases.sql"
psql -X -d pp_hostile -f "$work/cases.sql" -o /dev/null 2>"$work/errors.log" || true

# Per failed case: its SQLSTATE (psql prints the error, then the statement).
awk '/ERROR:  [0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z]:/ { match($0, /ERROR:  [0-9A-Z]+:/); code = substr($0, RSTART + 8, 5); msg = substr($0, RSTART + 15, 160) }
     /\/\* case [0-9]+ [a-z_]+ \*\// { match($0, /\/\* case [0-9]+ [a-z_]+/); split(substr($0, RSTART + 3, RLENGTH - 3), f, " ");
                                     if (code != "") print f[2] "\t" f[3] "\t" code "\t" msg; code = "" }' \
  "$work/errors.log" >"$work/failed.tsv"
failed=$(wc -l <"$work/failed.tsv")
echo "$cases cases: $((cases - failed)) succeeded, $failed failed with an error"
echo "errors by SQLSTATE and function:"
cut -f2,3 "$work/failed.tsv" | sort | uniq -c | sort -rn | awk '{printf "    %5d  %s %s\n", $1, $3, $2}'
internal=$(awk -F'\t' '$3 ~ /^XX/' "$work/failed.tsv")
if [ -z "$internal" ]; then echo "ok: no internal error (class XX)"
else echo "FAIL: internal errors:"; printf '%s\n' "$internal" | head -n 20 | sed 's/^/    /'; fail=1; fi
# A clear error says whose it is (and check_option_types what was wrong).
unclear=$(awk -F'\t' '$4 !~ /prodplan\./' "$work/failed.tsv")
if [ -z "$unclear" ]; then echo "ok: every error names the function"
else echo "FAIL: errors that do not name the function:"; printf '%s\n' "$unclear" | head -n 20 | cut -c1-200 | sed 's/^/    /'; fail=1; fi
timeouts=$(awk -F'\t' '$3 == "57014"' "$work/failed.tsv")
if [ -z "$timeouts" ]; then echo "ok: no call ran into the 30 s statement timeout"
else echo "FAIL: calls that ran 30 s:"; printf '%s\n' "$timeouts" | head -n 10 | sed 's/^/    /'; fail=1; fi
if grep -qE 'server closed the connection|connection to the server was lost' "$work/errors.log"; then
  echo "FAIL: a backend crashed:"; grep -B2 -A3 -E 'server closed the connection|connection to the server was lost' "$work/errors.log" | head -n 20 | sed 's/^/    /'; fail=1
else
  echo "ok: no backend crashed"
fi
after=$(q -c "SELECT md5(string_agg(table_name || row_count || checksum, ',' ORDER BY table_name)) FROM prodplan.content_checksum()")
[ "$before" = "$after" ] && echo "ok: the plant's data is unchanged after every call" || { echo "FAIL: the calls changed the plant's data"; fail=1; }
echo "$((SECONDS - started)) s"
exit $fail
