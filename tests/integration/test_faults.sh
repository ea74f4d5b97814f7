#!/usr/bin/env bash
# Faults, on a throwaway cluster of its own (fsync on, so that recovery is
# the real thing): kill -9 of the backend in the middle of an ingest, of a
# plan and of a refresh, kill -9 of job workers running an ingest and a
# refresh, and an immediate server stop in the middle of partition upkeep.
# After each recovery: nothing partial (every table of the plant's data and
# every aggregate holds exactly what it held before the call: checksums),
# the runs the job system had running and the killed direct ingest's run are
# failed with the reason, the next run succeeds and its counts reconcile.
# Each fault must land while the call runs (the killed client must lose its
# connection): a call that finished first fails the test instead of passing
# it unexercised.
set -euo pipefail
: "${PRODPLAN_HARNESS:?}"
# shellcheck source=/dev/null
source "$PRODPLAN_HARNESS/lib.sh"

pp_temp_cluster_start --fsync
dir=$PP_CLUSTER_DIR
trap 'pp_temp_cluster_stop "$dir"' EXIT
db=pp_faults
q() { pp_cluster_psql "$dir" -d "$db" -qAt -v ON_ERROR_STOP=1 "$@"; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
started=$SECONDS
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
# wait_for SECONDS SQL: polls until SQL returns t (errors, e.g. during
# recovery, count as not yet).
wait_for() { pp_wait_true "$1" q -c "$2"; }
# What the plants' data, the aggregates and the plans hold: per table its
# row count and the sum of its rows' hashes (order-free, cheaper than
# prodplan.content_checksum's sorted text); faults_snapshot() is created below.
snapshot() { q -c "SELECT faults_snapshot()"; }
# kill_during LABEL SQL PATTERN [DELAY]: runs SQL in a session of its own and,
# once a backend has been running a query matching PATTERN for DELAY seconds
# (default 1), kills it with SIGKILL; waits for the server to be back.
# Fails the test when the call ended before the kill.
kill_during() {
  local label=$1 sql=$2 pattern=$3 delay=${4:-1} out pid i rc=0
  out=$(mktemp)
  q -c "$sql" >"$out" 2>&1 &
  local client=$!
  pid=''
  for i in $(seq 1 300); do
    pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE '$pattern'
                AND pid <> pg_backend_pid() AND now() - query_start >= interval '$delay seconds' LIMIT 1" 2>/dev/null || true)
    [ -n "$pid" ] && break
    kill -0 "$client" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$pid" ]; then
    wait "$client" || true
    bad "$label: the call ended before it could be killed ($(head -c 300 "$out"))"
    rm -f "$out"
    return 1
  fi
  kill -9 "$pid"
  wait "$client" || rc=$?
  if [ "$rc" = 0 ]; then
    bad "$label: the call finished although its backend was killed"
  else
    ok "$label: backend $pid killed with SIGKILL mid-call (the client saw: $(grep -m1 -oE 'server closed the connection[^.]*|terminating connection[^.]*|connection to server[^:]*' "$out" || echo 'an error'))"
  fi
  rm -f "$out"
  wait_for 60 "SELECT true" || { bad "$label: the server did not come back"; return 1; }
}

pp_cluster_psql "$dir" -qAt -c "CREATE DATABASE $db"
q -c "CREATE EXTENSION prodplan"
q -c "CREATE FUNCTION faults_snapshot() RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE t text; r text; out text := '';
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c
           WHERE c.relnamespace = 'prodplan'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
             AND c.relname NOT IN ('job_runs', 'jobs', 'result_cache', 'data_version', 'ingest_runs', 'order_list_changes', 'order_list_documents')
           ORDER BY c.relname LOOP
    EXECUTE format('SELECT count(*) || '':'' || coalesce(sum(hashtext(x::text)::bigint), 0) FROM prodplan.%I x', t) INTO r;
    out := out || t || '=' || r || ' ';
  END LOOP;
  RETURN out;
END \$\$"
q -c "SELECT prodplan.load_demo(0.05, 42, 'direct') IS NOT NULL" >/dev/null
q -c "SELECT count(*) FROM prodplan.refresh_aggregates()" >/dev/null
# A workbook for a second plant, K, big enough to take seconds to ingest.
q -c "CREATE TABLE faults_wb AS SELECT prodplan.demo_workbook(0.2, 7) AS wb"
q -c "ANALYZE"

# --- 1. kill -9 during an ingest ------------------------------------------
before=$(snapshot)
kill_during "ingest" "SELECT count(*) FROM prodplan.ingest_workbook((SELECT wb FROM faults_wb), 'prodplan', '{\"plant\": \"K\"}')" \
  '%ingest_workbook%' 0.8
after=$(snapshot)
[ "$before" = "$after" ] && ok "after recovery nothing of the killed ingest is stored (every table's rows as before)" ||
  bad "the killed ingest left data behind"
# The run's row was committed as it started (by a worker), so the killed
# call leaves it; no scheduler serves this database yet, so the next
# ingestion is what marks it failed (the scheduler's start does in step 4).
killed_run=$(q -c "SELECT string_agg(run_id || ' ' || status, ', ') FROM prodplan.ingest_runs WHERE plant_id = 'K'")
[ "${killed_run#* }" = running ] && ok "the killed direct ingest left its run row (run $killed_run)" ||
  bad "the killed direct ingest's run rows: [$killed_run]"
q -c "CREATE TABLE faults_k AS SELECT * FROM prodplan.ingest_workbook((SELECT wb FROM faults_wb), 'prodplan', '{\"plant\": \"K\"}')"
mismatch=$(q -c "SELECT coalesce(string_agg(r.entity || ' ' || r.inserted || ' inserted, ' || c.n || ' stored', '; '), '')
                 FROM faults_k r, LATERAL (SELECT (xpath('/row/n/text()', query_to_xml(format(
                   'SELECT count(*) AS n FROM prodplan.%I WHERE plant_id = %L', r.entity, 'K'), false, false, '')))[1]::text::bigint AS n) c
                 WHERE to_regclass('prodplan.' || r.entity) IS NOT NULL AND r.inserted <> c.n")
unbalanced=$(q -c "SELECT count(*) FROM prodplan.ingest_runs WHERE plant_id = 'K' AND status = 'succeeded'
                     AND rows_read <> inserted + updated + unchanged + quarantined + duplicates")
if [ -z "$mismatch" ] && [ "$unbalanced" = 0 ] && [ "$(q -c "SELECT sum(inserted) > 0 FROM faults_k")" = t ]; then
  ok "the next ingest succeeds: $(q -c "SELECT sum(inserted) FROM faults_k") rows inserted, each table's count equals its inserted rows, the run reconciles"
else
  bad "the ingest after the kill: [$mismatch], $unbalanced runs do not reconcile"
fi
[ "$(q -c "SELECT status || ': ' || error FROM prodplan.ingest_runs WHERE run_id = ${killed_run%% *}")" = \
  "failed: its transaction ended without committing: rolled back, or its server process was killed or the server stopped while it ran" ] &&
  ok "the next ingest marked the killed one's run failed" ||
  bad "the killed ingest's run after the next ingest: $(q -c "SELECT status || ' ' || coalesce(error, '') FROM prodplan.ingest_runs WHERE run_id = ${killed_run%% *}")"

# --- 2. kill -9 during a plan ---------------------------------------------
before=$(snapshot)
kill_during "plan" "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 60000, \"max_iterations\": 100000000}')" \
  '%prodplan.plan(%' 2
after=$(snapshot)
[ "$before" = "$after" ] && ok "after recovery the killed plan left no plan, operation or aggregate behind" ||
  bad "the killed plan left rows behind ($before / $after)"
plan=$(q -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 500}')")
ops=$(q -c "SELECT count(*) FROM prodplan.planned_operations WHERE plan_id = $plan")
[ "${ops:-0}" -gt 0 ] && ok "the next plan succeeds: plan $plan with $ops operations" || bad "the plan after the kill has no operations"

# --- 3. kill -9 during a refresh ------------------------------------------
# No watermark: the next refresh computes every aggregate in full (what it
# does after a TRUNCATE of a source), seconds of work.
q -c "UPDATE prodplan.aggregate_watermark SET watermark = NULL"
before=$(snapshot)
log_before=$(q -c "SELECT count(*) FROM prodplan.aggregate_invalidation")
kill_during "refresh" "SELECT count(*) FROM prodplan.refresh_aggregates()" '%refresh_aggregates%' 0.5
after=$(snapshot)
[ "$before" = "$after" ] && [ "$log_before" = "$(q -c "SELECT count(*) FROM prodplan.aggregate_invalidation")" ] &&
  ok "after recovery the aggregates, watermarks and invalidation log are as before the killed refresh" ||
  bad "the killed refresh left a partial result"
q -c "SELECT count(*) FROM prodplan.refresh_aggregates()" >/dev/null
stale=$(pp_aggregates_differ q)
[ "$stale" = 0 ] && ok "the next refresh succeeds and equals a full recompute" || bad "after the refresh $stale aggregate rows differ from a full recompute"

# --- 4. kill -9 of a job's worker: the run is failed ---------------------
# The built-in jobs off (they would change the aggregates and partitions the
# next step checks), then the scheduler on for this database.
q -c "SELECT count(*) FROM prodplan.jobs j, LATERAL prodplan.alter_job(j.name, enabled => false) a" >/dev/null
pp_cluster_psql "$dir" -qAt -c "ALTER SYSTEM SET prodplan.databases = 'postgres, $db'" -c "SELECT pg_reload_conf()" >/dev/null
q -c "SELECT prodplan.schedule_job('fault ingest', '1 seconds',
        'SELECT count(*) FROM prodplan.ingest_workbook((SELECT wb FROM faults_wb), ''prodplan'', ''{\"plant\": \"J\"}'')')" >/dev/null
if wait_for 60 "SELECT EXISTS (SELECT 1 FROM prodplan.job_runs WHERE job_name = 'fault ingest' AND status = 'running'
                               AND pid IS NOT NULL AND now() - started_at > interval '1 second')"; then
  run=$(q -c "SELECT run_id FROM prodplan.job_runs WHERE job_name = 'fault ingest' AND status = 'running'")
  q -c "SELECT prodplan.alter_job('fault ingest', enabled => false)" >/dev/null
  kill -9 "$(q -c "SELECT pid FROM prodplan.job_runs WHERE run_id = $run")"
  wait_for 60 "SELECT true" || bad "the server did not come back after the job worker's kill"
  if wait_for 30 "SELECT status = 'failed' FROM prodplan.job_runs WHERE run_id = $run"; then
    ok "a job's worker killed with SIGKILL mid-ingest: the run is failed ($(q -c "SELECT message FROM prodplan.job_runs WHERE run_id = $run"))"
  else
    bad "the killed job run is $(q -c "SELECT status FROM prodplan.job_runs WHERE run_id = $run")"
  fi
  [ "$(q -c "SELECT count(*) FROM prodplan.production_order WHERE plant_id = 'J'")" = 0 ] &&
    ok "nothing of the killed job's ingest is stored" || bad "the killed job's ingest left rows behind"
  # Its ingestion run, committed as it started: failed by the scheduler as
  # it starts again after the crash.
  if wait_for 30 "SELECT count(*) > 0 AND bool_and(status = 'failed') FROM prodplan.ingest_runs WHERE plant_id = 'J'"; then
    ok "the killed job's ingestion run is failed too ($(q -c "SELECT count(*) FROM prodplan.ingest_runs WHERE plant_id = 'J'") run)"
  else
    bad "the killed job's ingestion runs: $(q -c "SELECT coalesce(string_agg(run_id || ' ' || status, ', '), 'none') FROM prodplan.ingest_runs WHERE plant_id = 'J'")"
  fi
else
  bad "the ingest job did not start"
fi

# --- 5. immediate stop during partition upkeep ----------------------------
# Late rows in months without a partition land in the DEFAULT partition; the
# upkeep creates the months and moves them.
q -c "INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, ended_at, event_time)
      SELECT 'DEMO', 'F-' || g, 'F', '10', 1, t - interval '1 hour', t, t
      FROM generate_series(1, 150000) g, LATERAL (SELECT timestamptz '2031-01-01' + (g % 40) * interval '31 days' + g * interval '1 second' AS t) x"
in_default=$(q -c "SELECT count(*) FROM ONLY prodplan.operation_default")
total=$(q -c "SELECT count(*) FROM prodplan.operation")
before=$(snapshot)
out=$(mktemp)
q -c "SELECT count(*) FROM prodplan.maintain_partitions()" >"$out" 2>&1 &
client=$!
if wait_for 30 "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%maintain_partitions%'
                               AND pid <> pg_backend_pid() AND now() - query_start > interval '0.5 seconds')"; then
  pp_as_server "$PP_PGBIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 -s stop >/dev/null 2>&1 || true
  rc=0; wait "$client" || rc=$?
  [ "$rc" != 0 ] && ok "partition upkeep: the server stopped (immediate) in the middle of it ($in_default rows in DEFAULT)" ||
    bad "partition upkeep finished before the stop: $(cat "$out")"
  pp_cluster_start "$dir" || bad "the server did not start after the immediate stop"
else
  wait "$client" || true
  bad "partition upkeep ended before the stop ($(head -c 300 "$out"))"
fi
rm -f "$out"
after=$(snapshot)
[ "$before" = "$after" ] && [ "$(q -c "SELECT count(*) FROM prodplan.operation")" = "$total" ] &&
  ok "after recovery every operation is there once ($total) and every table's rows are as before" ||
  bad "the interrupted upkeep lost or duplicated rows ($total before, $(q -c "SELECT count(*) FROM prodplan.operation") after)"
# (Moving rows logs their days for the aggregates: only the operations are
# compared after a completed upkeep.)
ops() { q -c "SELECT count(*) || ':' || sum(hashtext(x::text)::bigint) FROM prodplan.operation x"; }
ops_before=$(ops)
q -c "SELECT count(*) FROM prodplan.maintain_partitions()" >/dev/null
[ "$(q -c "SELECT count(*) FROM ONLY prodplan.operation_default")" = 0 ] && [ "$(q -c "SELECT count(*) FROM prodplan.operation")" = "$total" ] &&
  [ "$ops_before" = "$(ops)" ] &&
  ok "the next upkeep succeeds: the DEFAULT partition is empty, $total operations, contents unchanged" ||
  bad "the upkeep after the stop: $(q -c "SELECT count(*) FROM ONLY prodplan.operation_default") rows left in DEFAULT"

echo "$((SECONDS - started)) s"
exit $fail
