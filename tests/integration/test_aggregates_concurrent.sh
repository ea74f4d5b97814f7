#!/usr/bin/env bash
# The incremental aggregates under concurrency: writer sessions insert
# operations (some inside savepoints, some rolled back), correct and delete
# them and add orders, in transactions that touch several source tables in
# either order, while another session refreshes the aggregates and applies
# the orders' progress over and over. Afterwards every writer has committed
# all its transactions (no deadlock with a refresh or an apply in flight, no
# lost change), one more refresh gives exactly what a full recompute gives
# (appended rows counted once), and one more apply what a recount gives.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
db=pp_aggregates_concurrent
writers=${AGG_WRITERS:-3}
txns=${AGG_TXNS:-30}
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases "$db"
q() { psql -qX -d "$db" -v ON_ERROR_STOP=1 -At "$@"; }
work=$(mktemp -d)
trap 'rm -rf "$work"; pp_drop_test_databases' EXIT
fail=0

q -c "SELECT prodplan.load_demo(0.01, 5) IS NOT NULL" >/dev/null
q -c "SELECT count(*) FROM prodplan.refresh_aggregates()" >/dev/null

# One writer's transactions as SQL; each ends with a marker row so that the
# test can count the transactions that committed.
writer_sql() {
  local w=$1 t
  echo "CREATE TEMP TABLE done (t int);"
  for t in $(seq 1 "$txns"); do
    echo "BEGIN;"
    if [ $((t % 2)) = 0 ]; then  # orders first, then operations
      echo "INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at, due_at)
            SELECT 'DEMO', 'W$w-$t', min(product_id), now() - interval '2 hours', now() + interval '3 days'
            FROM prodplan.product WHERE plant_id = 'DEMO';"
    fi
    echo "INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, ended_at, event_time)
          SELECT 'DEMO', 'W$w-$t-' || g, o.order_id, o.work_center_id, 1, t - interval '40 minutes', t, t
          FROM generate_series(1, 12) g,
               LATERAL (SELECT order_id, work_center_id FROM prodplan.operation WHERE plant_id = 'DEMO'
                        ORDER BY operation_id OFFSET ($w * 37 + $t * 11 + g) % 400 LIMIT 1) o,
               LATERAL (SELECT now() - (g % 3) * interval '1 day' AS t) x;"
    if [ $((t % 3)) = 0 ]; then  # a backfill into an old month, in a savepoint
      echo "SAVEPOINT s;
            INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, ended_at, event_time)
            SELECT 'DEMO', 'W$w-$t-old' || row_number() OVER (), s.order_id, s.work_center_id, 2,
                   s.event_time - interval '1 hour', s.event_time, s.event_time
            FROM (SELECT order_id, work_center_id, event_time FROM prodplan.operation
                  WHERE plant_id = 'DEMO' AND event_time < now() - interval '150 days'
                  ORDER BY operation_id OFFSET ($w * 13 + $t) % 300 LIMIT 4) s;
            RELEASE s;"
    fi
    if [ $((t % 4)) = 0 ]; then  # rolled back: must count nowhere
      echo "SAVEPOINT r;
            INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, ended_at, event_time)
            SELECT 'DEMO', 'W$w-$t-gone' || g, 'x', 'x', 1, now(), now() FROM generate_series(1, 5) g;
            ROLLBACK TO r;"
    fi
    if [ $((t % 5)) = 0 ]; then  # a correction of an earlier transaction's rows
      echo "UPDATE prodplan.operation SET ended_at = ended_at + interval '3 minutes'
            WHERE plant_id = 'DEMO' AND operation_id LIKE 'W$w-$((t - 1))-%';"
    fi
    if [ $((t % 7)) = 0 ]; then
      echo "DELETE FROM prodplan.operation WHERE plant_id = 'DEMO' AND operation_id LIKE 'W$w-$((t - 2))-%';"
    fi
    if [ $((t % 2)) = 1 ]; then  # operations first, then orders
      echo "INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at, due_at)
            SELECT 'DEMO', 'W$w-$t', min(product_id), now() - interval '2 hours', now() + interval '3 days'
            FROM prodplan.product WHERE plant_id = 'DEMO';"
    fi
    echo "SELECT pg_sleep(0.0$((RANDOM % 4)));"
    echo "INSERT INTO done VALUES ($t);"
    echo "COMMIT;"
  done
  echo "SELECT count(*) FROM done;"
}

for w in $(seq 1 "$writers"); do
  writer_sql "$w" > "$work/w$w.sql"
done
touch "$work/running"
(while [ -f "$work/running" ]; do
   q -c "SELECT count(*) FROM prodplan.refresh_aggregates()" >/dev/null || echo x >> "$work/refresh_errors"
   q -c "SELECT prodplan.apply_order_progress()" >/dev/null || echo x >> "$work/refresh_errors"
 done) &
refresher=$!
pids=()
for w in $(seq 1 "$writers"); do
  (psql -qX -d "$db" -At -f "$work/w$w.sql" > "$work/w$w.out" 2> "$work/w$w.err") &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
rm -f "$work/running"
wait "$refresher" || true

committed=0
for w in $(seq 1 "$writers"); do
  n=$(tail -1 "$work/w$w.out" 2>/dev/null || echo 0)
  committed=$((committed + ${n:-0}))
  if [ -s "$work/w$w.err" ]; then echo "writer $w errors:"; sed 's/^/  /' "$work/w$w.err" | head -5; fi
done
expected=$((writers * txns))
[ "$committed" = "$expected" ] && echo "ok: all $expected writer transactions committed beside the refreshes" ||
  { echo "FAIL: $committed of $expected writer transactions committed"; fail=1; }
[ ! -s "$work/refresh_errors" ] && echo "ok: every refresh in flight succeeded" ||
  { echo "FAIL: $(wc -l < "$work/refresh_errors") refreshes failed"; fail=1; }

q -c "SELECT count(*) FROM prodplan.refresh_aggregates()" >/dev/null
result=$(q <<'SQL'
BEGIN;
CREATE TEMP TABLE inc_op AS SELECT * FROM prodplan.agg_operation_day;
CREATE TEMP TABLE inc_ord AS SELECT * FROM prodplan.agg_order_day;
SELECT prodplan.agg_recompute_operation_day(NULL, '-infinity', NULL), prodplan.agg_recompute_order_day(NULL, '-infinity', NULL) \g /dev/null
SELECT (SELECT count(*) FROM inc_op i FULL JOIN prodplan.agg_operation_day f USING (plant_id, work_center_id, product_id, day)
        WHERE i.plant_id IS NULL OR f.plant_id IS NULL
           OR (i.operations, i.completed, i.rework, i.open, i.duration_n, i.duration_min, i.duration_max, i.duration_sketch)
              IS DISTINCT FROM (f.operations, f.completed, f.rework, f.open, f.duration_n, f.duration_min, f.duration_max, f.duration_sketch)
           OR abs(coalesce(i.duration_sum, 0) - coalesce(f.duration_sum, 0)) > 1e-9 * greatest(1, abs(f.duration_sum)))
       || ' ' ||
       (SELECT count(*) FROM inc_ord i FULL JOIN prodplan.agg_order_day f USING (plant_id, product_id, day)
        WHERE i.plant_id IS NULL OR f.plant_id IS NULL
           OR (i.orders, i.finished, i.with_due, i.on_time, i.late, i.lead_n, i.lead_sketch)
              IS DISTINCT FROM (f.orders, f.finished, f.with_due, f.on_time, f.late, f.lead_n, f.lead_sketch));
ROLLBACK;
SQL
)
[ "$result" = "0 0" ] && echo "ok: after the concurrent writes, incremental = full (operation and order aggregates)" ||
  { echo "FAIL: groups differing from a full recompute (operation_day order_day): $result"; fail=1; }

# Each order's progress: the applier ran between the writers' transactions
# (taking keys while they were writing); one more apply leaves nothing
# pending and equals a recount.
progress=$(q <<'SQL'
SELECT prodplan.apply_order_progress(true) \g /dev/null
WITH recount AS (
  SELECT op.plant_id, op.order_id, count(*) AS operations, count(op.ended_at) AS operations_done,
         min(op.started_at) AS first_started_at, max(op.ended_at) AS last_ended_at,
         max(op.sequence) FILTER (WHERE op.ended_at IS NOT NULL) AS last_done_sequence,
         min(op.event_time) AS first_event_at, max(op.event_time) AS last_event_at
  FROM prodplan.operation op GROUP BY op.plant_id, op.order_id)
SELECT (SELECT count(*) FROM (TABLE prodplan.order_progress EXCEPT ALL TABLE recount) x)
     + (SELECT count(*) FROM (TABLE recount EXCEPT ALL TABLE prodplan.order_progress) x)
     || ' ' || (SELECT count(*) FROM prodplan.order_progress_pending);
SQL
)
[ "$progress" = "0 0" ] && echo "ok: after the concurrent writes and applies, order_progress = recount, nothing pending" ||
  { echo "FAIL: order_progress after the concurrent writes (rows differing from a recount, keys pending): $progress"; fail=1; }
exit $fail
