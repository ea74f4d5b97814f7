#!/usr/bin/env bash
# load_demo(0.01, 42) in two fresh databases gives identical contents (a
# checksum over every table); seed 43 gives different contents. as_of (the
# export moment) moves every date: the same as_of gives identical contents,
# the factory's last activity lies just before it, and a plan from it (plans
# start on a whole minute) is feasible.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}

# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_det_a pp_det_b pp_det_c

sums() {  # db scale seed [as_of] -> one line per table: name rows checksum
  local db=$1
  psql -qX -d "$db" -v ON_ERROR_STOP=1 -Atc "SELECT prodplan.load_demo($2, $3${4:+, as_of => '$4'})" >/dev/null
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

# A Wednesday afternoon in another year (the default is a Monday, midnight).
as_of='2027-03-10 13:37:21+00'
first_created=$(psql -qX -d pp_det_a -v ON_ERROR_STOP=1 -At -c "SELECT min(created_at) FROM prodplan.production_order")
d=$(sums pp_det_b 0.01 42 "$as_of")
e=$(sums pp_det_c 0.01 42 "$as_of")
if [ "$d" != "$e" ]; then
  echo "FAIL: as_of $as_of loaded twice differs:"; diff <(echo "$d") <(echo "$e") || true; fail=1
else
  echo "ok: as_of $as_of gives identical contents in two databases"
fi
empty=$(echo "$d" | awk '$2 == 0 {print $1}' | tr '\n' ' ')
[ -z "$empty" ] || { echo "FAIL: tables left empty by load_demo as of $as_of: $empty"; fail=1; }
facts=$(psql -qX -d pp_det_c -v ON_ERROR_STOP=1 -At -c "
  SELECT (SELECT max(greatest(started_at, ended_at)) FROM prodplan.operation)
           BETWEEN timestamptz '$as_of' - interval '2 days' AND timestamptz '$as_of',
         abs(extract(epoch FROM (SELECT min(created_at) FROM prodplan.production_order)
                                - timestamptz '$first_created' - (timestamptz '$as_of' - timestamptz '2026-11-16 00:00:00+00'))) < 86400,
         (SELECT count(*) FROM prodplan.production_order WHERE finished_at IS NULL) > 0,
         (SELECT count(*) FROM prodplan.production_order WHERE finished_at IS NULL AND due_at >= timestamptz '$as_of') > 0,
         (SELECT status FROM prodplan.ingest_runs ORDER BY run_id DESC LIMIT 1)")
if [ "$facts" = "t|t|t|t|succeeded" ]; then
  echo "ok: as of $as_of the last activity is within 2 days before it, the first order moved with as_of (within a day), orders are open and due after it, the workbook ingested"
else
  echo "FAIL: as of $as_of (last activity before it, first order moved with it, open orders, open orders due after it, ingestion): $facts"; fail=1
fi
plan=$(psql -qX -d pp_det_c -v ON_ERROR_STOP=1 -At -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"start\": \"$as_of\", \"time_limit_ms\": 300}')")
check=$(psql -qX -d pp_det_c -v ON_ERROR_STOP=1 -At -c "
  SELECT (SELECT count(*) FROM prodplan.validate_plan($plan)) || ' ' ||
         (SELECT count(*) FROM prodplan.planned_operations WHERE plan_id = $plan AND NOT is_fixed) || ' ' ||
         (SELECT count(*) FROM prodplan.planned_operations WHERE plan_id = $plan AND NOT is_fixed
            AND start_at < date_trunc('minute', timestamptz '$as_of'))")
case $check in
  "0 "*" 0") [ "$(echo "$check" | cut -d' ' -f2)" -gt 0 ] && echo "ok: a plan from $as_of is feasible and plans $(echo "$check" | cut -d' ' -f2) operations, none before it" \
               || { echo "FAIL: the plan from $as_of plans nothing"; fail=1; } ;;
  *) echo "FAIL: the plan from $as_of (violations, operations planned, planned before it): $check"; fail=1 ;;
esac
exit $fail
