#!/usr/bin/env bash
# Several sessions at once for CONCURRENCY_SECONDS (default 25): ingest
# (forced re-runs of two workbooks into one plant, so each run updates
# rows), plan, what-if, refresh of the aggregates, appends and corrections of
# operations and defects, and readers (KPIs by work center, defect rates, the
# Gantt of the newest plan, the risk queue; order list documents, rebuilt and
# expired while the writers change them; order details). Every call is its own transaction on a
# loopback socket. Afterwards: no deadlock and no unexpected error (each
# error is listed with its SQLSTATE; a heavy call waiting for a slot is the
# only refusal allowed, and none is expected with the wait set above the
# test's length), every worker made progress, every ingest run reconciles,
# the newest plan validates, each order's progress and defects equal a
# recount, and after a last refresh the aggregates equal a full recompute.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
seconds=${CONCURRENCY_SECONDS:-25}
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_concurrency
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning -c prodplan.heavy_wait_ms=$(((seconds + 60) * 1000))"
q() { psql -qX -d pp_concurrency -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
started=$SECONDS
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"; pp_drop_test_databases' EXIT

q -c "SELECT prodplan.load_demo(0.05, 42, 'direct') IS NOT NULL" >/dev/null
q -c "CREATE TABLE conc_wb AS SELECT 1 AS n, prodplan.demo_workbook(0.02, 42) AS wb UNION ALL SELECT 2, prodplan.demo_workbook(0.02, 43)"
q -c "SELECT count(*) FROM prodplan.refresh_aggregates()" >/dev/null
base=$(q -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 200}')")
wcs=$(q -c "SELECT string_agg(work_center_id, ' ') FROM (SELECT DISTINCT work_center_id FROM prodplan.planned_operations WHERE plan_id = $base ORDER BY 1 LIMIT 8) w")
read -r -a wc <<<"$wcs"
q -c "ANALYZE"

# The lock order, deterministically first: a transaction that bumps the data
# version (a work center edited, as an ingest's master data does) and then
# writes operations, while a refresh with work to do starts in between. (In
# 0.10.0 the refresh then waited for the data version row while the writer
# waited for the watermark rows the refresh held: a deadlock.)
q -c "INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, ended_at, event_time)
      SELECT plant_id, 'LO-' || operation_id, order_id, work_center_id, 60, started_at, ended_at, event_time
      FROM prodplan.operation WHERE plant_id = 'DEMO' ORDER BY operation_id LIMIT 20"
q -c "BEGIN" -c "UPDATE prodplan.work_center SET name = name WHERE plant_id = 'DEMO'" -c "SELECT pg_sleep(1.5)" \
  -c "INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, ended_at, event_time)
      SELECT plant_id, 'LO2-' || operation_id, order_id, work_center_id, 61, started_at, ended_at, event_time
      FROM prodplan.operation WHERE plant_id = 'DEMO' ORDER BY operation_id LIMIT 20" -c "COMMIT" >"$work/lock_writer.out" 2>&1 &
writer_pid=$!
sleep 0.5
lock_refresh=0; q -c "SELECT count(*) FROM prodplan.refresh_aggregates()" >"$work/lock_refresh.out" 2>&1 || lock_refresh=$?
lock_writer=0; wait "$writer_pid" || lock_writer=$?
if [ "$lock_refresh$lock_writer" = 00 ]; then ok "a writer that bumped the data version and a refresh started meanwhile both complete"
else bad "writer after a bump vs refresh: $(cat "$work/lock_writer.out" "$work/lock_refresh.out" | grep -m2 ERROR)"; fi

# Two transactions changing different bars of one plan at once: the plan's
# Gantt document must hold both changes. (Without the trigger's lock on the
# plan's row, the second built its document from a snapshot without the
# first's change, waited for the first's upsert, then stored it: stale.)
bar_sql="UPDATE prodplan.planned_operations SET duration_source = @V@ WHERE plan_id = $base AND (order_id, operation) =
           (SELECT order_id, operation FROM prodplan.planned_operations WHERE plan_id = $base ORDER BY order_id @DIR@, operation LIMIT 1)"
first_sql=${bar_sql//@DIR@/ASC} second_sql=${bar_sql//@DIR@/DESC}
first_was=$(q -c "SELECT quote_literal(duration_source) FROM prodplan.planned_operations WHERE plan_id = $base ORDER BY order_id, operation LIMIT 1")
second_was=$(q -c "SELECT quote_literal(duration_source) FROM prodplan.planned_operations WHERE plan_id = $base ORDER BY order_id DESC, operation LIMIT 1")
v1="'concurrent-first'" v2="'concurrent-second'"
q -c "BEGIN" -c "${first_sql//@V@/$v1}" -c "SELECT pg_sleep(1.5)" -c "COMMIT" >"$work/doc_first.out" 2>&1 &
first_pid=$!
sleep 0.5
doc_second=0; q -c "${second_sql//@V@/$v2}" >"$work/doc_second.out" 2>&1 || doc_second=$?
doc_first=0; wait "$first_pid" || doc_first=$?
both=$(q -c "SELECT position('concurrent-first' IN d.bars::text) > 0 AND position('concurrent-second' IN d.bars::text) > 0
               AND d.bars::text = prodplan.gantt_bars_json($base)::text FROM prodplan.gantt_documents d WHERE d.plan_id = $base")
if [ "$doc_first$doc_second" = 00 ] && [ "$both" = t ]; then
  ok "two transactions changing bars of one plan at once: its Gantt document holds both changes"
else
  bad "concurrent bar changes and the Gantt document: first $doc_first, second $doc_second, both changes in it: $both $(cat "$work/doc_first.out" "$work/doc_second.out" | grep -m2 ERROR)"
fi
q -c "${first_sql//@V@/$first_was}" -c "${second_sql//@V@/$second_was}"  # as they were

# An order list rebuilt while a change is in flight: a transaction starts an
# operation on an order not started and commits after another transaction's
# change made a reader rebuild the list. The rebuild cannot see the first
# change; the first read after its commit must (its change-log row was not
# the rebuild's to take).
since="timestamptz '2000-01-01'"
# A new order, due in a year and in no plan: created, until an operation starts.
idle=OL-RACE-ORDER
q -c "INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at, due_at)
      SELECT 'DEMO', '$idle', product_id, now(), now() + interval '1 year' FROM prodplan.production_order
      WHERE plant_id = 'DEMO' ORDER BY order_id LIMIT 1" >/dev/null
status_in_list() { q -c "SELECT o ->> 6 FROM json_array_elements(prodplan.order_list_document('DEMO', $since) -> 'orders') o WHERE o ->> 0 = '$idle'"; }
q -c "SELECT prodplan.order_list_document('DEMO', $since) IS NOT NULL" >/dev/null
q -c "BEGIN" -c "INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, event_time)
                 SELECT 'DEMO', 'OL-RACE', '$idle', w.work_center_id, 1, now(), now()
                 FROM prodplan.work_center w WHERE w.plant_id = 'DEMO' ORDER BY 1 LIMIT 1" \
  -c "SELECT pg_sleep(4)" -c "COMMIT" >"$work/list_first.out" 2>&1 &
first_pid=$!
# Read only once the writer holds its insert uncommitted (it is asleep), however slow its start.
for _ in $(seq 1 100); do
  [ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(4)' AND state = 'active'")" = 1 ] && break
  sleep 0.1
done
q -c "UPDATE prodplan.production_order SET priority = priority WHERE plant_id = 'DEMO' AND order_id <> '$idle'" >/dev/null
during=$(status_in_list)
list_first=0; wait "$first_pid" || list_first=$?
after=$(status_in_list)
right=$(q -c "SELECT (prodplan.order_list_document('DEMO', $since) -> 'orders')::text = prodplan.order_list_json('DEMO', $since)::text")
if [ "$list_first" = 0 ] && [ "$during" = created ] && [ "$after" = in_progress ] && [ "$right" = t ]; then
  ok "an order list rebuilt while a change was in flight: the first read after its commit has it ($idle: $during, then $after)"
else
  bad "order list and a change in flight: writer $list_first, $idle was '$during' during, '$after' after, list equals the view: $right $(grep -m1 ERROR "$work/list_first.out")"
fi
# Out of the way of the planners below (an order started on a made-up work center).
q -c "DELETE FROM prodplan.operation WHERE plant_id = 'DEMO' AND order_id = '$idle'" \
  -c "DELETE FROM prodplan.production_order WHERE plant_id = 'DEMO' AND order_id = '$idle'" \
  -c "SELECT prodplan.apply_order_progress(true)" >/dev/null

# worker NAME SQL...: runs the statements in turn (each its own psql call,
# one transaction) until the deadline; logs "ok" or the error's SQLSTATE and
# message per call.
deadline=$((SECONDS + seconds))
worker() {
  local name=$1 i=0 sql out
  shift
  while [ "$SECONDS" -lt "$deadline" ]; do
    for sql in "$@"; do
      sql=${sql//@I@/$i}
      sql=${sql//@WC@/${wc[$((i % ${#wc[@]}))]}}
      if out=$(psql -qX -d pp_concurrency -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -At -c "$sql" 2>&1 >/dev/null); then
        echo "ok" >>"$work/$name.log"
      else
        printf 'error\t%s\t%s\n' "$(sed -nE 's/^(psql:[^ ]* )?ERROR:  ([0-9A-Z]{5}): .*/\2/p' <<<"$out" | head -n 1)" \
          "$(head -n 1 <<<"$out" | cut -c1-200)" >>"$work/$name.log"
      fi
    done
    i=$((i + 1))
  done
}
worker ingest "SELECT count(*) FROM prodplan.ingest_workbook((SELECT wb FROM conc_wb WHERE n = 1 + @I@ % 2), 'prodplan', '{\"plant\": \"C\", \"force\": true}')" &
worker plan "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 300, \"seed\": @I@}')" &
worker whatif "SELECT prodplan.whatif('[{\"type\": \"duration_factor\", \"work_center\": \"@WC@\", \"factor\": 1.5}]', $base, '{\"time_limit_ms\": 100, \"seed\": @I@}')" &
worker refresh "SELECT count(*) FROM prodplan.refresh_aggregates()" "SELECT pg_sleep(0.3)" &
worker writer \
  "INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, ended_at, event_time)
   SELECT 'DEMO', 'CC-@I@-' || g, o.order_id, o.work_center_id, 50, now() - interval '1 hour', now(), now() - g * interval '1 second'
   FROM generate_series(1, 50) g, LATERAL (SELECT order_id, work_center_id FROM prodplan.operation WHERE plant_id = 'DEMO'
                                          ORDER BY operation_id OFFSET 100 + (@I@ * 50 + g) % 5000 LIMIT 1) o" \
  "UPDATE prodplan.operation SET ended_at = ended_at + interval '1 minute' WHERE plant_id = 'DEMO' AND operation_id LIKE 'CC-@I@-1%'" \
  "DELETE FROM prodplan.operation WHERE plant_id = 'DEMO' AND operation_id LIKE 'CC-@I@-2%'" \
  "INSERT INTO prodplan.defect (plant_id, order_id, evaluation_operation_id, description, culprit_operation_id,
                                evaluation_work_center_id, severity, detected_at)
   SELECT 'DEMO', o.order_id, 'CD-@I@-' || g, 'concurrency', NULL, 'W', 1 + g % 3, now() - g * interval '1 second'
   FROM generate_series(1, 20) g, LATERAL (SELECT order_id FROM prodplan.operation WHERE plant_id = 'DEMO'
                                          ORDER BY operation_id OFFSET 100 + (@I@ * 20 + g) % 5000 LIMIT 1) o" \
  "UPDATE prodplan.defect SET severity = 3, detected_at = detected_at - interval '40 days'
   WHERE plant_id = 'DEMO' AND evaluation_operation_id LIKE 'CD-@I@-1%'" \
  "DELETE FROM prodplan.defect WHERE plant_id = 'DEMO' AND evaluation_operation_id LIKE 'CD-@I@-2%'" &
worker reader1 "SELECT count(*) FROM prodplan.kpis(now() - interval '90 days', now(), 'work_center')" \
  "SELECT count(*) FROM prodplan.defect_rates('work_center', NULL, NULL, '{\"plant\": \"DEMO\", \"ignore_gates\": true}')" &
worker reader2 "SELECT count(*) FROM prodplan.gantt WHERE plan_id = (SELECT max(plan_id) FROM prodplan.plans WHERE plant_id = 'DEMO')" \
  "SELECT count(*) FROM prodplan.risk_queue()" "SELECT count(*) FROM prodplan.kpis(now() - interval '30 days', now())" &
worker reader3 "SELECT prodplan.order_list_document('DEMO', timestamptz '2000-01-01') IS NOT NULL" \
  "SELECT prodplan.order_list_document('C', timestamptz '2000-01-01') IS NOT NULL" &
worker reader4 "SELECT prodplan.order_list_document('DEMO', timestamptz '2000-01-01') IS NOT NULL" \
  "SELECT prodplan.expire_order_list_documents()" "SELECT pg_sleep(0.2)" &
worker reader5 "SELECT prodplan.order_detail('DEMO', (SELECT order_id FROM prodplan.operation WHERE plant_id = 'DEMO'
                                                      ORDER BY operation_id OFFSET 100 + (@I@ * 7) % 5000 LIMIT 1)) IS NOT NULL" \
  "SELECT count(*) FROM prodplan.order_detail('C', (SELECT order_id FROM prodplan.production_order WHERE plant_id = 'C'
                                                    ORDER BY order_id OFFSET @I@ % 50 LIMIT 1))" &
wait

echo "$seconds s of concurrent calls:"
for f in "$work"/*.log; do
  name=$(basename "$f" .log)
  printf '    %-8s %5d calls, %d errors\n' "$name" "$(wc -l <"$f")" "$(grep -c '^error' "$f" || true)"
done
errors=$(cat "$work"/*.log | grep '^error' | sort | uniq -c | sort -rn || true)
if [ -z "$errors" ]; then ok "no call failed (no deadlock, no unexpected error)"
else bad "calls failed:"; printf '%s\n' "$errors" | head -n 20 | cut -c1-220 | sed 's/^/    /'; fi
idle=''
for f in "$work"/*.log; do grep -q '^ok' "$f" || idle+=" $(basename "$f" .log)"; done
[ -z "$idle" ] && ok "every worker completed calls" || bad "workers that completed no call:$idle"

runs=$(q -c "SELECT count(*) FROM prodplan.ingest_runs WHERE plant_id = 'C' AND status = 'succeeded'")
unbalanced=$(q -c "SELECT count(*) FROM prodplan.ingest_runs WHERE status = 'succeeded' AND rows_read <> inserted + updated + unchanged + quarantined + duplicates")
[ "$unbalanced" = 0 ] && ok "all $runs ingest runs reconcile" || bad "$unbalanced ingest runs do not reconcile"
newest=$(q -c "SELECT max(plan_id) FROM prodplan.plans WHERE plant_id = 'DEMO' AND status = 'proposed'")
violations=$(q -c "SELECT count(*) FROM prodplan.validate_plan($newest)")
[ "$violations" = 0 ] && ok "the newest plan ($newest) validates" || bad "plan $newest has $violations violations"
q -c "SELECT count(*) FROM prodplan.refresh_aggregates()" >/dev/null
lists=$(q -c "SELECT bool_and((prodplan.order_list_document(p, timestamptz '2000-01-01') -> 'orders')::text
                                = prodplan.order_list_json(p, timestamptz '2000-01-01')::text) FROM unnest(ARRAY['DEMO', 'C']) p")
[ "$lists" = t ] && ok "after the writers, both plants' order list documents equal the view" || bad "an order list document differs from the view after the writers"
# Each order's progress and defects (0.21.0), once applied, equal a recount of
# what the writers, the ingests and their deletes left.
kept=$(q -c "SELECT prodplan.apply_order_progress(true) IS NOT NULL" -c "
  WITH p AS (SELECT op.plant_id, op.order_id, count(*) AS operations, count(op.ended_at) AS operations_done,
                    min(op.started_at) AS first_started_at, max(op.ended_at) AS last_ended_at,
                    max(op.sequence) FILTER (WHERE op.ended_at IS NOT NULL) AS last_done_sequence,
                    min(op.event_time) AS first_event_at, max(op.event_time) AS last_event_at
             FROM prodplan.operation op GROUP BY op.plant_id, op.order_id),
       d AS (SELECT f.plant_id, f.order_id, count(*)::integer AS defects, max(f.severity) AS worst_severity,
                    min(f.detected_at) AS first_detected_at, max(f.detected_at) AS last_detected_at
             FROM prodplan.defect f GROUP BY f.plant_id, f.order_id)
  SELECT (SELECT count(*) FROM (TABLE prodplan.order_progress EXCEPT ALL TABLE p) x)
       + (SELECT count(*) FROM (TABLE p EXCEPT ALL TABLE prodplan.order_progress) x) || ' '
       || (SELECT count(*) FROM (TABLE prodplan.order_defects EXCEPT ALL TABLE d) x)
       + (SELECT count(*) FROM (TABLE d EXCEPT ALL TABLE prodplan.order_defects) x) || ' '
       || (SELECT count(*) FROM prodplan.defect WHERE plant_id = 'DEMO' AND description = 'concurrency')" | tail -n 1)
case $kept in
  "0 0 0") bad "the writers recorded no defect" ;;
  "0 0 "*) ok "after the writers, order_progress and order_defects equal a recount (${kept##* } defects written)" ;;
  *) bad "order_progress and order_defects against a recount (rows differing, progress then defects): $kept" ;;
esac
stale=$(pp_aggregates_differ q)
[ "$stale" = 0 ] && ok "after a last refresh the aggregates equal a full recompute" || bad "$stale aggregate rows differ from a full recompute"
echo "$((SECONDS - started)) s"
exit $fail
