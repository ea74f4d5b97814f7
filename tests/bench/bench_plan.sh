#!/usr/bin/env bash
# Benchmark of prodplan.plan() on load_demo(BENCH_SCALE) (default 1): for each
# dispatching rule alone, the time to the first feasible plan (reading the
# data included) and its weighted tardiness; then the improved plan after
# BENCH_PLAN_MS (default 10000) ms from the best rule. Every plan is checked
# with prodplan.validate_plan. Then open orders are added until BENCH_PLAN_OPS
# (default 50000) operations are open, and that factory is planned. Targets:
# first feasible plan under 2 s at scale 1 and under 10 s for 50,000 open
# operations, the improved plan never worse than the best rule, backend peak
# under 1 GB.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
scale=${BENCH_SCALE:-1}
ms=${BENCH_PLAN_MS:-10000}
# shellcheck source=../integration/db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/db_helpers.sh"
pp_fresh_databases pp_bench_plan
q() { psql -qX -d pp_bench_plan -v ON_ERROR_STOP=1 -At -F' ' "$@"; }
q -c "SELECT prodplan.load_demo($scale, 42)" >/dev/null
q -c "ANALYZE" >/dev/null
start=$(q -c "SELECT date_trunc('minute', now())")
q -c "SELECT prodplan.plan('{\"start\": \"$start\", \"time_limit_ms\": 0}')" >/dev/null  # warm the cache
echo "load_demo($scale, 42): $(q -c "SELECT count(*) FROM prodplan.production_order WHERE finished_at IS NULL") open orders"
printf '%-8s %10s %14s %12s %10s %8s\n' rule "first plan" "wtard (h)" "late orders" operations invalid
for r in fifo spt edd cr wspt atc; do
  id=$(q -c "SELECT prodplan.plan('{\"start\": \"$start\", \"rule\": \"$r\", \"time_limit_ms\": 0}')")
  read -r secs wt late <<<"$(q -c "SELECT round(first_plan_seconds::numeric, 2), round((objective_values ->> 'weighted_tardiness_hours')::numeric, 1), objective_values ->> 'late_orders' FROM prodplan.plans WHERE plan_id = $id")"
  printf '%-8s %9ss %14s %12s %10s %8s\n' "$r" "$secs" "$wt" "$late" \
    "$(q -c "SELECT count(*) FROM prodplan.planned_operations WHERE plan_id = $id")" \
    "$(q -c "SELECT count(*) FROM prodplan.validate_plan($id)")"
done
# The improved plan and this backend's peak memory, in one session.
read -r id peak <<<"$(q -c "SELECT prodplan.plan('{\"start\": \"$start\", \"time_limit_ms\": $ms}')" \
  -c "SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+)'))[1]::bigint / 1024" | tr '\n' ' ')"
read -r secs total wt rwt rule it late <<<"$(q -c "SELECT round(first_plan_seconds::numeric, 2), round(total_seconds::numeric, 1), round((objective_values ->> 'weighted_tardiness_hours')::numeric, 1), round((objective_values ->> 'rule_weighted_tardiness_hours')::numeric, 1), rule, iterations, objective_values ->> 'late_orders' FROM prodplan.plans WHERE plan_id = $id")"
printf '%-8s %9ss %14s %12s %10s %8s\n' "improved" "$secs" "$wt" "$late" \
  "$(q -c "SELECT count(*) FROM prodplan.planned_operations WHERE plan_id = $id")" \
  "$(q -c "SELECT count(*) FROM prodplan.validate_plan($id)")"
echo "improved from the best rule ($rule: $rwt h) in $total s, $it candidates: $(echo "$rwt $wt" | awk '{ if ($1 > 0) printf "%.1f%% less weighted tardiness", 100 * ($1 - $2) / $1; else print "nothing to improve" }')"
echo "backend peak memory of the improved plan's session: $peak MB"

# A whole factory: open orders of the demo's products added until about
# BENCH_PLAN_OPS (default 50000) operations are open on its 71 work centers;
# each order's operations come from its product's routing. Target: the first
# feasible plan in under 10 s, peak memory under 1 GB.
ops=${BENCH_PLAN_OPS:-50000}
q -c "INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at, due_at, priority)
      SELECT 'DEMO', 'BENCH-' || g, p.product_id, timestamptz '$start' - interval '2 days' + (g % 500) * interval '1 minute',
             timestamptz '$start' + interval '10 days' + (g % 900) * interval '1 hour', 1 + g % 3
      FROM (SELECT avg(n) AS steps FROM (SELECT count(*) n FROM prodplan.routing_step WHERE plant_id = 'DEMO' GROUP BY product_id) s) r,
           generate_series(1, greatest(0, ceil(($ops - (SELECT count(*) FROM prodplan.operation o JOIN prodplan.production_order po
             USING (plant_id, order_id) WHERE po.finished_at IS NULL)) / r.steps))::int) g,
           LATERAL (SELECT product_id FROM prodplan.product WHERE plant_id = 'DEMO' ORDER BY md5(product_id || g) LIMIT 1) p" >/dev/null
q -c "ANALYZE prodplan.production_order" >/dev/null
read -r id peak <<<"$(q -c "SELECT prodplan.plan('{\"start\": \"$start\", \"time_limit_ms\": 0}')" \
  -c "SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+)'))[1]::bigint / 1024" | tr '\n' ' ')"
read -r secs total rule nops wcs <<<"$(q -c "SELECT round(first_plan_seconds::numeric, 2), round(total_seconds::numeric, 2), rule,
  (SELECT count(*) FROM prodplan.planned_operations WHERE plan_id = $id) + (SELECT count(*) FROM prodplan.plan_problems WHERE plan_id = $id AND operation IS NOT NULL AND problem <> 'after_horizon'),
  (SELECT count(DISTINCT work_center_id) FROM prodplan.planned_operations WHERE plan_id = $id) FROM prodplan.plans WHERE plan_id = $id")"
echo "factory of $nops open operations on $wcs work centers: first feasible plan (best of 6 rules: $rule) in $secs s, all rules and writing the plan $total s, $(q -c "SELECT count(*) FROM prodplan.validate_plan($id)") invalid, backend peak $peak MB"
