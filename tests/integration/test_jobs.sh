#!/usr/bin/env bash
# The job scheduler on a preloaded throwaway cluster (its own, so it can be
# restarted): a job every second runs and is recorded; a failing job records
# its error while the others keep running; a job run killed with
# pg_terminate_backend is recorded as failed and the scheduler goes on; after a
# restart the launcher is back and the run the restart cut off is failed; a
# job runs as its owner and cannot read what the owner cannot; bad schedules
# and other roles' jobs are refused; the built-in partition upkeep jobs (one
# per partitioned table, 0.22.0) keep partitions 6 months ahead and empty the
# DEFAULT partition.
set -euo pipefail
: "${PRODPLAN_HARNESS:?}"
# shellcheck source=/dev/null
source "$PRODPLAN_HARNESS/lib.sh"

pp_temp_cluster_start
dir=$PP_CLUSTER_DIR
trap 'pp_temp_cluster_stop "$dir"' EXIT
q() { pp_cluster_psql "$dir" -d pp_jobs -qAt -v ON_ERROR_STOP=1 "$@"; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# wait_for SECONDS SQL: polls until SQL returns t.
wait_for() {
  local i
  for i in $(seq 1 $(($1 * 10))); do
    [ "$(q -c "$2" 2>/dev/null || true)" = t ] && return 0
    sleep 0.1
  done
  return 1
}

pp_cluster_psql "$dir" -qAt -c "CREATE DATABASE pp_jobs"
q -c "CREATE EXTENSION prodplan"
pp_cluster_psql "$dir" -qAt -c "ALTER SYSTEM SET prodplan.databases = 'postgres, pp_jobs'" -c "SELECT pg_reload_conf()" >/dev/null

# PL/pgSQL comes loaded from the postmaster: a new backend knows its settings
# before it has called any PL/pgSQL function.
[ "$(q -c "SELECT count(*) FROM pg_settings WHERE name = 'plpgsql.variable_conflict'")" = 1 ] &&
  ok "a new backend has PL/pgSQL loaded (preloaded with prodplan)" || bad "PL/pgSQL is not preloaded with prodplan"

# Schedules: valid ones, and errors that say what is wrong.
q -c "SELECT prodplan.next_run_time('*/15 * * * *', '2026-11-29 10:07:00+00')" | grep -q '10:15:00' &&
  ok "next_run_time of */15 after 10:07 is 10:15" || bad "next_run_time of */15"
err=$(q -c "SELECT prodplan.schedule_job('x', '61 * * * *', 'SELECT 1')" 2>&1 || true)
case $err in *"minute 61"*) ok "an invalid schedule is refused: ${err#*ERROR:  }" ;; *) bad "invalid schedule accepted or unclear: $err" ;; esac

# 1. Every second; 2. failing while the others keep running.
q -c "CREATE TABLE ticks (at timestamptz DEFAULT clock_timestamp())"
q -c "SELECT prodplan.schedule_job('tick', '1 second', 'INSERT INTO ticks DEFAULT VALUES')" >/dev/null
q -c "SELECT prodplan.schedule_job('broken', '1 second', 'SELECT 1 / 0')" >/dev/null
if wait_for 20 "SELECT count(*) >= 3 FROM prodplan.job_runs WHERE job_name = 'tick' AND status = 'succeeded'"; then
  ok "a job every second ran $(q -c "SELECT count(*) FROM ticks") times, each recorded"
else
  bad "the every-second job did not run 3 times in 20 s"; tail -20 "$dir/server.log"
fi
wait_for 10 "SELECT count(*) >= 1 FROM prodplan.job_runs WHERE job_name = 'broken' AND status = 'failed'" &&
  ok "the failing job recorded: $(q -c "SELECT message FROM prodplan.job_runs WHERE job_name = 'broken' LIMIT 1")" ||
  bad "the failing job's error was not recorded"
[ "$(q -c "SELECT count(*) FROM ticks WHERE at > (SELECT min(ended_at) FROM prodplan.job_runs WHERE job_name = 'broken')")" -gt 0 ] &&
  ok "the other job kept running after the failure" || bad "the other job stopped after the failure"
backoff=$(q -c "SELECT consecutive_failures FROM prodplan.jobs WHERE name = 'broken'")
[ "$backoff" -ge 1 ] && ok "failures counted for the backoff ($backoff)" || bad "no failure counted"
# Backoff: in 4 s a job failing every second runs at most twice more (10 s, then 20 s apart).
n0=$(q -c "SELECT count(*) FROM prodplan.job_runs WHERE job_name = 'broken'")
sleep 4
n1=$(q -c "SELECT count(*) FROM prodplan.job_runs WHERE job_name = 'broken'")
[ $((n1 - n0)) -le 1 ] && ok "repeated failures back off ($((n1 - n0)) runs in 4 s)" || bad "no backoff: $((n1 - n0)) runs in 4 s"
q -c "SELECT prodplan.alter_job('broken', enabled => false)" >/dev/null

# 3. A run killed with pg_terminate_backend.
q -c "SELECT prodplan.schedule_job('sleeper', '1 second', 'SELECT pg_sleep(60)')" >/dev/null
wait_for 20 "SELECT EXISTS (SELECT 1 FROM prodplan.job_runs WHERE job_name = 'sleeper' AND status = 'running' AND pid IS NOT NULL)" ||
  bad "the sleeper never started"
pid=$(q -c "SELECT pid FROM prodplan.job_runs WHERE job_name = 'sleeper' AND status = 'running'")
q -c "SELECT pg_terminate_backend($pid)" >/dev/null
if wait_for 10 "SELECT status = 'failed' FROM prodplan.job_runs WHERE pid = $pid"; then
  ok "the terminated run is failed: $(q -c "SELECT message FROM prodplan.job_runs WHERE pid = $pid")"
else
  bad "the terminated run was not recorded as failed"
fi
t0=$(q -c "SELECT clock_timestamp()")
wait_for 10 "SELECT count(*) >= 2 FROM ticks WHERE at > '$t0'" && ok "the scheduler went on" || bad "the scheduler stopped after the kill"
[ "$(q -c "SELECT count(*) FROM prodplan.job_runs WHERE job_name = 'sleeper' AND status = 'running'")" -le 1 ] &&
  ok "the sleeper never overlaps itself" || bad "two sleeper runs at once"

# 4. A restart cuts a run off: the launcher comes back and the run is failed.
wait_for 20 "SELECT EXISTS (SELECT 1 FROM prodplan.job_runs WHERE job_name = 'sleeper' AND status = 'running' AND pid IS NOT NULL)" ||
  bad "the sleeper did not start again"
cut=$(q -c "SELECT run_id FROM prodplan.job_runs WHERE job_name = 'sleeper' AND status = 'running'")
pp_cluster_stop "$dir" && pp_cluster_start "$dir"
if wait_for 20 "SELECT status = 'failed' AND message LIKE '%stopped while it ran%' FROM prodplan.job_runs WHERE run_id = $cut"; then
  ok "after the restart the cut-off run is failed: $(q -c "SELECT message FROM prodplan.job_runs WHERE run_id = $cut")"
else
  bad "the run cut off by the restart is $(q -c "SELECT status || ': ' || coalesce(message, '') FROM prodplan.job_runs WHERE run_id = $cut")"
fi
q -c "SELECT prodplan.unschedule_job('sleeper')" >/dev/null
t0=$(q -c "SELECT clock_timestamp()")
wait_for 20 "SELECT count(*) >= 2 FROM ticks WHERE at > '$t0'" && ok "the launcher and the scheduler are back after the restart" ||
  bad "no job ran after the restart"

# 5. A job runs as its owner.
q -c "CREATE ROLE pp_job_user LOGIN" -c "GRANT prodplan_planner TO pp_job_user" \
  -c "CREATE TABLE secret (x int)" -c "CREATE TABLE open_to_all (x int)" -c "GRANT INSERT ON open_to_all TO pp_job_user"
q -c "SET ROLE pp_job_user" -c "SELECT prodplan.schedule_job('peek', '1 second', 'SELECT count(*) FROM public.secret')" \
  -c "SELECT prodplan.schedule_job('allowed', '1 second', 'INSERT INTO public.open_to_all VALUES (1)')" >/dev/null
wait_for 20 "SELECT EXISTS (SELECT 1 FROM prodplan.job_runs WHERE job_name = 'peek' AND status = 'failed')" &&
  ok "the owner's job cannot read what the owner cannot: $(q -c "SELECT message FROM prodplan.job_runs WHERE job_name = 'peek' LIMIT 1")" ||
  bad "the unprivileged owner's job was not refused"
wait_for 20 "SELECT EXISTS (SELECT 1 FROM prodplan.job_runs WHERE job_name = 'allowed' AND status = 'succeeded')" &&
  ok "the owner's job does what the owner may" || bad "the owner's permitted job did not succeed"
seen=$(q -c "SET ROLE pp_job_user" -c "SELECT string_agg(name, ',' ORDER BY name) FROM prodplan.jobs")
[ "$seen" = "allowed,peek" ] && ok "a role sees only its own jobs ($seen)" || bad "pp_job_user sees: $seen"
err=$(q -c "SET ROLE pp_job_user" -c "UPDATE prodplan.jobs SET owner = 'postgres' WHERE name = 'peek'" 2>&1 || true)
case $err in *"only the owner"*|*"row-level security"*|*"policy"*) ok "a job cannot be given to another role" ;; *) bad "ownership change: $err" ;; esac
err=$(q -c "SET ROLE pp_job_user" -c "INSERT INTO prodplan.jobs (name, owner, schedule, command) VALUES ('x', 'postgres', '@daily', 'SELECT 1')" 2>&1 || true)
case $err in *ERROR*) ok "a role cannot schedule a job for another role" ;; *) bad "a job was scheduled for postgres by pp_job_user" ;; esac

# Disabled jobs do not run; workers_enabled = off stops new runs.
q -c "SELECT prodplan.unschedule_job('tick')" >/dev/null
q -c "SELECT prodplan.alter_job('allowed', enabled => false)" >/dev/null
sleep 3
[ "$(q -c "SELECT count(*) FROM prodplan.job_runs WHERE started_at > now() - interval '2 seconds' AND job_name IN ('tick', 'allowed', 'broken')")" = 0 ] &&
  ok "unscheduled and paused jobs do not run" || bad "a paused or unscheduled job ran"

# 6. Partition upkeep runs on its own (the built-in jobs, one per partitioned
# table, made to run now): partitions 6 months ahead, a row of the DEFAULT
# partition moved out.
[ "$(q -c "SELECT string_agg(name || ' ' || schedule, ', ' ORDER BY name) FROM prodplan.jobs WHERE is_builtin AND name LIKE 'prodplan.partition upkeep%'")" = \
  "prodplan.partition upkeep: defect 0 * * * *, prodplan.partition upkeep: measurement 1 * * * *, prodplan.partition upkeep: operation 2 * * * *, prodplan.partition upkeep: resource_event 3 * * * *, prodplan.partition upkeep: stock_movement 4 * * * *" ] &&
  ok "one built-in upkeep job per partitioned table, hourly, a minute apart" ||
  bad "built-in upkeep jobs: $(q -c "SELECT string_agg(name || ' ' || schedule, ', ' ORDER BY name) FROM prodplan.jobs WHERE name LIKE '%upkeep%'")"
q -c "INSERT INTO prodplan.plant (plant_id, name) VALUES ('PT', 'upkeep test')"
q -c "INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, event_time) VALUES ('PT', 'late', 'O1', 'W1', now() + interval '3 years')"
[ "$(q -c "SELECT count(*) FROM prodplan.operation_default")" = 1 ] || bad "the test row did not land in the DEFAULT partition"
# Runs that started after the row was written: the upkeep may have run
# before (a run missed while the server was down, step 4, runs once). One job
# at a time, each made to run every second until it has run once and then
# given its schedule back: five at once would take five worker slots.
upkeep_ok=1
while IFS='|' read -r job schedule; do
  since=$(q -c "SELECT clock_timestamp()")
  q -c "SELECT prodplan.alter_job('$job', schedule => '1 second')" >/dev/null
  wait_for 30 "SELECT EXISTS (SELECT 1 FROM prodplan.job_runs WHERE job_name = '$job' AND status = 'succeeded' AND started_at > '$since')" || {
    upkeep_ok=0
    bad "the upkeep job '$job' did not succeed: $(q -c "SELECT string_agg(status || ' ' || coalesce(message, ''), '; ') FROM prodplan.job_runs WHERE job_name = '$job'")"
  }
  q -c "SELECT prodplan.alter_job('$job', schedule => '$schedule')" >/dev/null
done < <(q -c "SELECT name, schedule FROM prodplan.jobs WHERE is_builtin AND name LIKE 'prodplan.partition upkeep: %' ORDER BY name")
if [ "$upkeep_ok" = 1 ]; then
  missing=$(q -c "SELECT string_agg(pt.table_name, ' ') FROM prodplan.partitioned_table pt
    WHERE pg_catalog.to_regclass(format('prodplan.%s_p%s', pt.table_name, to_char(now() AT TIME ZONE 'UTC' + interval '6 months', 'YYYYMM'))) IS NULL")
  [ -z "$missing" ] && ok "the upkeep jobs ran on their own: partitions exist 6 months ahead for every table" ||
    bad "no partition 6 months ahead for: $missing"
  [ "$(q -c "SELECT count(*) FROM prodplan.operation_default")" = 0 ] &&
    [ "$(q -c "SELECT count(*) FROM prodplan.operation WHERE operation_id = 'late'")" = 1 ] &&
    ok "the row in the DEFAULT partition was moved into its month" || bad "the DEFAULT partition's row was not moved"
fi
# One snapshot for both counts: the scheduler may finish another run between
# two queries (cc25 failed here so, at 7c7a4c6, while every run had its phases).
read -r finished without_phases < <(q -F ' ' -c "SELECT count(*), count(*) FILTER (WHERE NOT ((phase_seconds ? 'queued') AND (phase_seconds ? 'ran')))
  FROM prodplan.job_runs WHERE status <> 'running'")
[ "$finished" -gt 0 ] && [ "$without_phases" = 0 ] &&
  ok "every finished run records its phases (queued, ran): $finished runs" ||
  bad "finished runs without phase timings: $without_phases of $finished: $(q -c "SELECT string_agg(job_name || ' ' || status || ' ' || coalesce(phase_seconds::text, 'null'), '; ')
    FROM prodplan.job_runs WHERE status <> 'running' AND NOT ((phase_seconds ? 'queued') AND (phase_seconds ? 'ran'))")"

# Leave the database free to drop: no scheduler connected to it.
pp_cluster_psql "$dir" -qAt -c "ALTER SYSTEM SET prodplan.databases = 'postgres'" -c "SELECT pg_reload_conf()" >/dev/null
exit $fail
