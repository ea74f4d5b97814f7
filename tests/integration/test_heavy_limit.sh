#!/usr/bin/env bash
# prodplan.max_concurrent_heavy on a preloaded cluster: with a limit of 1, a
# second plan() waits while the first runs and fails after
# prodplan.heavy_wait_ms with an error saying why; with a longer wait it
# runs once the first has ended; a plan cancelled while waiting leaves the
# slot count right (the next plan runs at once).
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
db=pp_heavy
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases "$db"
q() { psql -qX -d "$db" -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
[ "$(q -c "SHOW shared_preload_libraries")" = prodplan ] || { echo "skipped: the cluster does not preload prodplan"; exit 0; }
q -c "SELECT prodplan.load_demo(0.02, 5) IS NOT NULL" >/dev/null
psql -qX -d postgres -c "ALTER SYSTEM SET prodplan.max_concurrent_heavy = 1" -c "SELECT pg_reload_conf()" >/dev/null
trap 'psql -qX -d postgres -c "ALTER SYSTEM RESET prodplan.max_concurrent_heavy" -c "SELECT pg_reload_conf()" >/dev/null; pp_drop_test_databases' EXIT
sleep 0.5
# The first plan improves for 4 s (the slot is held all that time).
q -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 4000}')" >/dev/null &
first=$!
sleep 1.5
t0=$(date +%s.%N)
err=$(PGOPTIONS="-c prodplan.heavy_wait_ms=500" q -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 0}')" 2>&1 || true)
t1=$(date +%s.%N)
case $err in
  *"heavy calls"*"already running"*) echo "ok: a second plan waited $(echo "$t0 $t1" | awk '{printf "%.1f", $2 - $1}') s and failed: ${err#ERROR:  }" ;;
  *) echo "FAIL: the second plan did not hit the limit: $err"; fail=1 ;;
esac
# With a long enough wait it runs as soon as the first ends.
id=$(PGOPTIONS="-c prodplan.heavy_wait_ms=20000" q -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 0}')" 2>&1 || true)
wait $first
case $id in ''|*[!0-9]*) echo "FAIL: the waiting plan did not run: $id"; fail=1 ;; *) echo "ok: a plan that waited ran after the first ended (plan $id)" ;; esac
# A plan cancelled while waiting gives nothing back twice: the next one runs at once.
q -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 3000}')" >/dev/null &
first=$!
sleep 1
PGOPTIONS="-c prodplan.heavy_wait_ms=20000 -c statement_timeout=500" q -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 0}')" >/dev/null 2>&1 || true
wait $first
t0=$(date +%s.%N)
PGOPTIONS="-c prodplan.heavy_wait_ms=200" q -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 0}')" >/dev/null 2>&1 &&
  echo "ok: after a cancelled wait the slot is free again" || { echo "FAIL: the slot count is off after a cancelled wait"; fail=1; }
exit $fail
