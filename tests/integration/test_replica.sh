#!/usr/bin/env bash
# A streaming replica (hot standby) of a throwaway cluster of its own: every read function (each
# function prodplan_reader may call, engine helpers aside: a new one not called here fails the
# test) answers on the standby, with the same results as on the primary where the result is
# deterministic; the functions that write (planning, what-if, simulate and quote_due_date, which
# keep their results, data_quality, which keeps its runs, ingestion, jobs, training) fail
# cleanly as read-only (SQLSTATE 25006), never with an internal error; no prodplan worker runs on the standby while it replays, even
# with a job due every second on the primary; after promotion the launcher and the database's
# scheduler start and the job runs on the new primary. Partition upkeep while a standby session
# reads two partitioned tables: the built-in jobs' upkeep, one table per transaction (0.22.0),
# lets the session through; the upkeep of every table in one transaction (the control, and
# what 0.4.0-0.21.0's job ran) stops replay behind it until the standby cancels it.
set -euo pipefail
: "${PRODPLAN_HARNESS:?}"
# shellcheck source=/dev/null
source "$PRODPLAN_HARNESS/lib.sh"

pp_temp_cluster_start
primary=$PP_CLUSTER_DIR
standby=''
cleanup() {
  [ -z "$standby" ] || pp_temp_cluster_stop "$standby" || true
  pp_temp_cluster_stop "$primary" || true
}
trap cleanup EXIT
db=pp_replica
p() { pp_cluster_psql "$primary" -d "$db" -qAt -v ON_ERROR_STOP=1 "$@"; }
s() { pp_cluster_psql "$standby" -d "$db" -qAt -v ON_ERROR_STOP=1 "$@"; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"

# ---- the primary: a small factory with a plan, aggregates, models and a job every second ----
pp_cluster_psql "$primary" -qAt -c "CREATE DATABASE $db"
pp_cluster_psql "$primary" -qAt -c "ALTER SYSTEM SET prodplan.databases = 'postgres, $db'" -c "SELECT pg_reload_conf()" >/dev/null
p -c "CREATE EXTENSION prodplan"
# The upkeep jobs (one per partitioned table, hourly, minutes 0-4) are paused: the upkeep
# section below runs it itself, and a run of its own between two of its steps would change
# what that section sees.
p -c "SELECT count(prodplan.alter_job(name, enabled => false)) FROM prodplan.jobs WHERE name LIKE 'prodplan.partition upkeep%'" >/dev/null
p -c "SELECT prodplan.load_demo(0.02, 7) IS NOT NULL" >/dev/null
p -c "SELECT count(*) FROM prodplan.refresh_aggregates()" >/dev/null
plan=$(p -c "SELECT prodplan.plan('{\"time_limit_ms\": 200}')")
p -c "SELECT prodplan.train_defect_risk('{}') IS NOT NULL" >/dev/null 2>&1 || true
p -c "SELECT prodplan.deploy_model(prodplan.train_leadtime('{}'))" >/dev/null 2>&1 || true
p -c "CREATE TABLE public.ticks (at timestamptz DEFAULT clock_timestamp())"
p -c "SELECT prodplan.schedule_job('tick', '1 second', 'INSERT INTO public.ticks DEFAULT VALUES')" >/dev/null
pp_wait_true 30 p -c "SELECT count(*) >= 2 FROM public.ticks" &&
  ok "the primary runs the job every second" || bad "the job does not run on the primary"
order=$(p -c "SELECT order_id FROM prodplan.production_order WHERE finished_at IS NULL ORDER BY order_id LIMIT 1")
product=$(p -c "SELECT product_id FROM prodplan.production_order ORDER BY order_id LIMIT 1")
characteristic=$(p -c "SELECT characteristic_id FROM prodplan.characteristic ORDER BY 1 LIMIT 1")
material=$(p -c "SELECT material_id FROM prodplan.material ORDER BY 1 LIMIT 1")
# A fixed range: results over a range ending at now() change from one call to the next.
range="timestamptz '2020-01-01', timestamptz '2030-01-01'"

# A read-only transaction on the primary (a BI tool's default_transaction_read_only): kpis serves
# a cached result and computes a miss without storing it (an INSERT or nextval would fail).
# (A range of its own: the calls compared with the standby below must not come from this cache.)
ro_range="timestamptz '2019-01-01', timestamptz '2030-01-01'"
p -c "SELECT count(*) FROM prodplan.kpis($ro_range, 'overall')" >/dev/null
out=$(p -c "BEGIN READ ONLY" -c "SELECT count(*) > 0 FROM prodplan.kpis($ro_range, 'overall')" \
        -c "SELECT count(*) > 0 FROM prodplan.kpis($ro_range, 'week')" -c "COMMIT" 2>&1 | paste -sd ' ' -)
stored=$(p -c "SELECT count(*) FROM prodplan.result_cache WHERE function_name = 'kpis' AND arguments LIKE '%|week|%'")
[ "$out" = "t t" ] && [ "$stored" = 0 ] && ok "kpis in a read-only transaction on the primary: a hit served, a miss computed and not stored" ||
  bad "kpis in a read-only transaction: '$out', $stored stored"

# ---- the standby: pg_basebackup -R of the primary, in a harness cluster directory of its own ----
standby=$(mktemp -d /tmp/prodplan-XXXXXX)
pp_server_mkdir "$standby"
: | pp_server_write "$standby/.prodplan-cluster"
printf 'PP_C_PORT=%s\nPP_C_PRELOAD=1\nPP_C_FSYNC=0\n' "$(pp_free_port)" | pp_server_write "$standby/harness.env"
pp_as_server "$PP_PGBIN/pg_basebackup" -h "$primary" -p "$(pp_cluster_port "$primary")" -U postgres \
  -D "$standby/data" -R -X stream -c fast >/dev/null
# The copied harness settings name the primary's port and socket: pp_cluster_start rewrites
# them for the standby. hot_standby_feedback, as a reporting replica should run: without it the
# primary's vacuum cancels long reads on the standby ("conflict with recovery").
# log_recovery_conflict_waits: a conflict that cancels a read names the relation and the lock
# in the standby's log, which a failed read below prints.
printf "hot_standby_feedback = on\nlog_recovery_conflict_waits = on\n" | pp_as_server sh -c 'cat >> "$1"' sh "$standby/data/postgresql.auto.conf"
pp_cluster_start "$standby"
[ "$(s -c "SELECT pg_is_in_recovery()")" = t ] && ok "the standby is in recovery (hot standby)" || bad "the standby is not in recovery"
# An order list stored on the primary reaches the standby, which serves it (a
# standby that finds a list stale computes it: it cannot store one).
p -c "SELECT prodplan.order_list_document('DEMO', '-infinity') IS NOT NULL" >/dev/null
# Caught up: the standby has replayed the primary's current WAL position.
lsn=$(p -c "SELECT pg_current_wal_lsn()")
pp_wait_true 60 s -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn" || bad "the standby did not catch up"

# ---- every read function on the standby ----
# name|SQL: each must succeed; where the result is deterministic, the standby's equals the primary's.
reads=(
  "version|SELECT prodplan.version()"
  "order_status|SELECT md5(string_agg(order_id || status, ',' ORDER BY order_id)) FROM prodplan.order_status"
  "gantt|SELECT md5(string_agg(order_id || operation || start_at, ',' ORDER BY order_id, operation)) FROM prodplan.gantt WHERE plan_id = $plan"
  "gantt_document|SELECT md5(prodplan.gantt_document($plan)::text)"
  "gantt_bars_json|SELECT md5(prodplan.gantt_bars_json($plan)::text)"
  "gantt_document_columns|SELECT array_to_string(prodplan.gantt_document_columns(), ',')"
  "gantt_document_time|SELECT prodplan.gantt_document_time('2026-11-29 10:07:00.5+00')"
  "order_list_document|SELECT md5((prodplan.order_list_document('DEMO', '-infinity') -> 'orders')::text)"
  "order_list_json|SELECT md5(prodplan.order_list_json('DEMO', '-infinity')::text)"
  "order_list_columns|SELECT array_to_string(prodplan.order_list_columns(), ',')"
  "order_detail|SELECT md5((prodplan.order_detail('DEMO', '$order')::jsonb - 'as_of')::text)"
  "plan_kpis|SELECT md5(string_agg(kpi || coalesce(value::text, ''), ',' ORDER BY kpi)) FROM prodplan.plan_kpis($plan)"
  "validate_plan|SELECT count(*) FROM prodplan.validate_plan($plan)"
  "compare_plans|SELECT count(*) FROM prodplan.compare_plans($plan, $plan)"
  "plan_diff|SELECT count(*) FROM prodplan.plan_diff($plan, $plan)"
  "risk_queue|SELECT count(*) FROM prodplan.risk_queue()"
  "defect_rates|SELECT md5(string_agg(r::text, ',' ORDER BY r::text)) FROM prodplan.defect_rates('work_center', $range) r"
  "defect_heatmap|SELECT count(*) FROM prodplan.defect_heatmap($range)"
  "quality_score|SELECT count(*) FROM prodplan.quality_score('work_center', $range)"
  "spc|SELECT count(*) FROM prodplan.spc('$characteristic')"
  "capability|SELECT count(*) FROM prodplan.capability('$characteristic')"
  "defect_risk|SELECT count(*) FROM prodplan.defect_risk('$order')"
  "feature_gates|SELECT md5(string_agg(feature || supported, ',' ORDER BY feature)) FROM prodplan.feature_gates"
  "wip|SELECT count(*) FROM prodplan.wip()"
  "material_requirements|SELECT count(*) FROM prodplan.material_requirements($plan)"
  "forecast|SELECT count(*) FROM prodplan.forecast('$material', 14)"
  "inventory_policy|SELECT count(*) FROM prodplan.inventory_policy(0.95)"
  "bottlenecks|SELECT count(*) FROM prodplan.bottlenecks($range)"
  "predict_leadtime|SELECT count(*) FROM prodplan.predict_leadtime('$order')"
  "explain_leadtime|SELECT count(*) FROM prodplan.explain_leadtime('$order')"
  "kpis|SELECT md5(string_agg(k::text, ',' ORDER BY k::text)) FROM prodplan.kpis($range, 'overall') k"
  "kpis_by_wc|SELECT md5(string_agg(k::text, ',' ORDER BY k::text)) FROM prodplan.kpis(timestamptz '2021-06-01', timestamptz '2030-01-01', 'work_center') k"
  "employee_kpis|SELECT count(*) FROM prodplan.employee_kpis($range)"
  "metrics|SELECT length(prodplan.metrics()) > 0"
  "export_plan|SELECT length(prodplan.export_xlsx('plan', '{\"plan_id\": $plan}')) > 0"
  "export_kpis|SELECT length(prodplan.export_xlsx('kpis')) > 0"
  "export_quality|SELECT length(prodplan.export_xlsx('quality')) > 0"
  "export_inventory|SELECT length(prodplan.export_xlsx('inventory')) > 0"
  "export_template|SELECT length(prodplan.export_xlsx('template')) > 0"
  "solve_jobshop|SELECT makespan FROM prodplan.solve_jobshop(E'2 2\\n0 3 1 2\\n1 2 0 4', 100, 1)"
  "next_run_time|SELECT prodplan.next_run_time('*/15 * * * *', '2026-11-29 10:07:00+00')"
  "content_checksum|SELECT prodplan.content_checksum('DEMO')"
  "current_plan|SELECT prodplan.current_plan('DEMO')"
  "defect_pareto|SELECT count(*) FROM prodplan.defect_pareto($range)"
  "defects_found|SELECT count(*) FROM prodplan.defects_found($range, 'DEMO')"
  "dpmo|SELECT count(*) FROM prodplan.dpmo(10, $range)"
  "first_pass_yield|SELECT count(*) FROM prodplan.first_pass_yield('work_center', $range)"
  "forecast_all|SELECT count(*) FROM prodplan.forecast_all(14)"
  "material_variance|SELECT count(*) FROM prodplan.material_variance($range)"
  "plan_order_ends|SELECT md5(string_agg(p::text, ',' ORDER BY p::text)) FROM prodplan.plan_order_ends($plan) p"
  "standard_times|SELECT count(*) FROM prodplan.standard_times('DEMO')"
  "work_center_reliability|SELECT count(*) FROM prodplan.work_center_reliability('DEMO')"
  "working_time|SELECT count(*) FROM prodplan.working_time('DEMO', $range)"
  "visible_plants|SELECT prodplan.visible_plants() IS NULL"
  "plant_security_enabled|SELECT prodplan.plant_security_enabled()"
  "calling_role|SELECT prodplan.calling_role()"
  "order_progress_live|SELECT prodplan.order_progress_live('DEMO', '$order')"
  "predict_leadtime_product|SELECT count(*) FROM prodplan.predict_leadtime('$product', 10)"
  "tables|SELECT (SELECT count(*) FROM prodplan.plans) + (SELECT count(*) FROM prodplan.ingest_runs) + (SELECT count(*) FROM prodplan.jobs) + (SELECT count(*) FROM prodplan.ingest_progress)"
)
deterministic=' version order_status gantt gantt_document gantt_bars_json gantt_document_columns gantt_document_time order_list_document order_list_json order_list_columns order_detail plan_kpis validate_plan compare_plans plan_diff defect_rates feature_gates kpis kpis_by_wc solve_jobshop next_run_time content_checksum current_plan plan_order_ends visible_plants plant_security_enabled calling_role order_progress_live '
# Coverage: every function prodplan_reader may call is called above, except the engine helpers
# the public functions call (named by pattern) and the SQL-language sketch support functions.
uncovered=$(p -c "SELECT string_agg(DISTINCT p.proname, ' ' ORDER BY p.proname) FROM pg_proc p
  WHERE p.pronamespace = 'prodplan'::regnamespace
    AND has_function_privilege('prodplan_reader', p.oid, 'EXECUTE') AND NOT has_function_privilege('public', p.oid, 'EXECUTE')
    AND p.proname !~ '^(agg_|check_|sketch_|report_|leadtime_|ingest_|spc_points|forecast_series|forecast_setup|inventory_policy_rows|defect_heatmap_base|defect_rates_base|defect_risk_(fallback|score)|predict_leadtime_open|capability_of|characteristic_plant|default_aliases|whatif_changes|scenario_resources|local_seconds|metric_samples|normal_quantile|only_plant|plant_of_order|require_feature|xlsx_report|bottleneck_shares)'
    AND p.proname <> ALL (string_to_array('$(printf '%s
' "${reads[@]}" | cut -d'|' -f1 | sed 's/^export_.*/export_xlsx/; s/_product$//; s/^kpis_by_wc$/kpis/' | sort -u | paste -sd ' ' -)', ' '))")
[ -z "$uncovered" ] && ok "every function prodplan_reader may call is called on the standby" ||
  bad "functions prodplan_reader may call that this test does not call on the standby: $uncovered"
served=0
for entry in "${reads[@]}"; do
  name=${entry%%|*} sql=${entry#*|}
  if ! out=$(s -c "$sql" 2>&1); then
    bad "$name on the standby: $(head -n 2 <<<"$out" | tr '\n' ' ')"
    if [[ $out == *"conflict with recovery"* ]]; then
      echo "  the standby's log on recovery conflicts:"
      grep -E 'recovery (still waiting|finished waiting)|conflict with recovery' "$standby/server.log" 2>/dev/null |
        tail -n 6 | sed 's/^/    /' || true
    fi
    continue
  fi
  served=$((served + 1))
  if [[ $deterministic == *" $name "* ]]; then
    want=$(p -c "$sql" 2>&1 || true)
    [ "$out" = "$want" ] || bad "$name: the standby answered '$out', the primary '$want'"
  fi
done
[ "$served" = "${#reads[@]}" ] && ok "all $served read calls answered on the standby (deterministic ones equal the primary's)" ||
  bad "$served of ${#reads[@]} read calls answered on the standby"

# ---- writes on the standby: refused as read-only, no internal error ----
writes=(
  "SELECT prodplan.plan('{\"time_limit_ms\": 100}')"
  "SELECT prodplan.refresh_aggregates()"
  "SELECT prodplan.whatif('[{\"type\": \"duration_factor\", \"product\": \"$product\", \"factor\": 1.1}]', $plan)"
  "SELECT count(*) FROM prodplan.simulate($plan, 20)"
  "SELECT count(*) FROM prodplan.quote_due_date('$product', 1)"
  "SELECT count(*) FROM prodplan.data_quality()"
  "SELECT prodplan.ingest_workbook(prodplan.demo_workbook(0.001, 1))"
  "SELECT prodplan.schedule_job('x', '1 minute', 'SELECT 1')"
  "SELECT prodplan.train_leadtime('{}')"
)
for sql in "${writes[@]}"; do
  out=$(pp_cluster_psql "$standby" -d "$db" -qAt -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "$sql" 2>&1) && {
    bad "a write succeeded on the standby: $sql"
    continue
  }
  if grep -q 'ERROR:  25006' <<<"$out"; then
    ok "refused as read-only: ${sql:7:40}..."
  else
    bad "not a read-only error for ${sql:0:60}: $(grep -m1 ERROR <<<"$out")"
  fi
done

# ---- partition upkeep while a standby session reads two partitioned tables ----
# A standby session (a BI report in one transaction) reads prodplan.operation, waits for the
# upkeep of prodplan.defect to be replayed (a new partition of it visible), then reads
# prodplan.defect. Creating partitions locks each parent ACCESS EXCLUSIVE to the end of the
# transaction, and on a standby the startup process replays those locks: an upkeep holding
# defect and then asking for operation, held by the session, waits for the session, which waits
# for it; the deadlock detector does not see the startup process, so only
# max_standby_streaming_delay (10 s here, 30 by default) ends it, by cancelling the session
# (in the jobs' case below, the session has those 10 s to read defect and commit).
# The built-in jobs upkeep one table per transaction: defect commits before operation is asked
# for, and the session gets through. maintain_partitions() does every table in one transaction:
# the control, which must stall replay and cost the session its transaction.
pp_cluster_psql "$standby" -qAt -c "ALTER SYSTEM SET max_standby_streaming_delay = '10s'" -c "SELECT pg_reload_conf()" >/dev/null
caught_up() {
  local lsn
  lsn=$(p -c "SELECT pg_current_wal_lsn()")
  pp_wait_true "$1" s -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn"
}
# The empty partitions of defect and operation from four months ahead: premade first (the call
# just below), then dropped before each case, so that its upkeep makes them again.
p -c "SELECT count(*) FROM prodplan.maintain_partitions()" >/dev/null
drop_ahead() {
  p -c "DO \$\$
    DECLARE r record; n bigint; dropped int := 0;
    BEGIN
      FOR r IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent IN ('prodplan.defect'::regclass, 'prodplan.operation'::regclass)
                 AND c.relname ~ '_p[0-9]{6}\$'
                 AND right(c.relname, 6) >= to_char(now() AT TIME ZONE 'UTC' + interval '4 months', 'YYYYMM')
      LOOP
        EXECUTE format('SELECT count(*) FROM prodplan.%I', r.relname) INTO n;
        IF n = 0 THEN EXECUTE format('DROP TABLE prodplan.%I', r.relname); dropped := dropped + 1; END IF;
      END LOOP;
      IF dropped < 2 THEN RAISE EXCEPTION 'only % empty partitions ahead to drop', dropped; END IF;
    END \$\$"
}
# upkeep_under_reader NAME SQL...: the session on the standby, the upkeep (each SQL in a
# transaction of its own) on the primary; prints the session's exit status and output.
upkeep_under_reader() {
  local name=$1 sql holder_out rc n0
  shift
  drop_ahead >/dev/null
  caught_up 30 || { echo "the standby did not catch up before $name"; return 0; }
  n0=$(s -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'prodplan.defect'::regclass")
  holder_out=$(mktemp)
  PGAPPNAME=pp_holder pp_cluster_psql "$standby" -d "$db" -qAt -v ON_ERROR_STOP=1 >"$holder_out" 2>&1 <<SQL &
BEGIN;
SELECT count(*) >= 0 FROM prodplan.operation;
DO \$\$ BEGIN
  FOR i IN 1..200 LOOP
    EXIT WHEN (SELECT count(*) FROM pg_inherits WHERE inhparent = 'prodplan.defect'::regclass) > $n0;
    PERFORM pg_sleep(0.1);
  END LOOP;
END \$\$;
SELECT count(*) >= 0 FROM prodplan.defect;
COMMIT;
SQL
  local holder=$!
  pp_wait_true 10 s -c "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
    WHERE a.application_name = 'pp_holder' AND l.relation = 'prodplan.operation'::regclass AND l.granted)" ||
    echo "(the session did not hold prodplan.operation in time)"
  for sql in "$@"; do p -c "$sql" >/dev/null; done
  rc=0
  wait "$holder" || rc=$?
  echo "exit $rc: $(paste -sd ' ' "$holder_out")"
  rm -f "$holder_out"
}
out=$(upkeep_under_reader "the jobs' upkeep" \
  "SELECT count(*) FROM prodplan.maintain_partitions('defect')" \
  "SELECT count(*) FROM prodplan.maintain_partitions('operation')")
[ "$out" = "exit 0: t t" ] && caught_up 30 &&
  ok "upkeep one table per transaction (the built-in jobs) while a standby session reads operation, then defect: the session gets through, replay goes on" ||
  bad "upkeep one table per transaction under a standby reader: $out"
start=$SECONDS
out=$(upkeep_under_reader "the control" "SELECT count(*) FROM prodplan.maintain_partitions()")
[[ $out == "exit "[1-9]*"conflict with recovery"* ]] && caught_up 30 &&
  ok "control: every table's upkeep in one transaction stalls replay behind the same session until the standby cancels it ($((SECONDS - start)) s)" ||
  bad "control: the one-transaction upkeep did not stall replay behind the session: $out"
pp_cluster_psql "$standby" -qAt -c "ALTER SYSTEM RESET max_standby_streaming_delay" -c "SELECT pg_reload_conf()" >/dev/null

# ---- no prodplan worker on the standby; they start on promotion ----
sleep 3  # the primary's job ran meanwhile; a worker on the standby would have had time to start
# The launcher has no database connection, so pg_stat_activity does not list it: the
# postmaster's children are looked at too.
launchers() { pgrep -P "$(head -n 1 "$standby/data/postmaster.pid")" -f 'prodplan launcher' | wc -l; }
workers=$(s -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'prodplan%'")
[ "$workers" = 0 ] && [ "$(launchers)" = 0 ] && ok "no prodplan worker runs on the standby while it replays (no launcher either)" ||
  bad "$workers prodplan worker(s) on the standby: $(s -c "SELECT string_agg(backend_type, ', ') FROM pg_stat_activity WHERE backend_type LIKE 'prodplan%'")"
pp_temp_cluster_stop "$primary"
promoted_at=$(s -c "SELECT clock_timestamp()")
pp_as_server "$PP_PGBIN/pg_ctl" -D "$standby/data" -w -t 60 promote >/dev/null
[ "$(s -c "SELECT pg_is_in_recovery()")" = f ] && ok "the standby is promoted" || bad "the standby is still in recovery"
pp_wait_true 30 s -c "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'prodplan scheduler' AND datname = '$db'" &&
  [ "$(launchers)" = 1 ] && ok "after promotion the launcher runs and has started the scheduler of $db" ||
  bad "after promotion: $(s -c "SELECT coalesce(string_agg(backend_type, ', '), 'no prodplan worker') FROM pg_stat_activity WHERE backend_type LIKE 'prodplan%'")"
pp_wait_true 30 s -c "SELECT count(*) >= 2 FROM prodplan.job_runs WHERE job_name = 'tick' AND status = 'succeeded' AND started_at > '$promoted_at'" &&
  ok "the job runs on the promoted standby ($(s -c "SELECT count(*) FROM public.ticks WHERE at > '$promoted_at'") ticks since promotion)" ||
  bad "the job does not run after promotion"
# Written by the new primary: a plan.
s -c "SELECT prodplan.plan('{\"time_limit_ms\": 100}') > $plan" | grep -q t && ok "the promoted standby plans" || bad "no plan on the promoted standby"
exit "$fail"
