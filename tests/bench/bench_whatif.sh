#!/usr/bin/env bash
# What-if benchmark on load_demo(BENCH_SCALE) (default 1): each kind of
# scenario answered by prodplan.whatif (read the data, apply the changes,
# re-plan warm-started from the base plan with its default 100 ms search, write
# the plan) next to a cold full re-plan by prodplan.plan() with its defaults,
# measured in the same run; then the same scenario asked again (the stored
# result), and plan_diff against the base. Target: a what-if answered (re-plan
# and diff) in under 1 s. Last, a Monte Carlo simulation of the base plan.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning -c TimeZone=UTC"
scale=${BENCH_SCALE:-1}
# shellcheck source=../integration/db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/db_helpers.sh"
pp_fresh_databases pp_bench_whatif
q() { psql -qX -d pp_bench_whatif -v ON_ERROR_STOP=1 -At "$@"; }
ms() { q -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1; }
q -c "SELECT prodplan.load_demo($scale, 42)" >/dev/null
q -c "ANALYZE" >/dev/null
start=$(q -c "SELECT date_trunc('minute', now())")
cold=$(ms "SELECT prodplan.plan('{\"start\": \"$start\"}')")
base=$(q -c "SELECT max(plan_id) FROM prodplan.plans")
echo "load_demo($scale, 42): $(q -c "SELECT count(*) FROM prodplan.plan_orders WHERE plan_id = $base") open orders, $(q -c "SELECT count(*) FROM prodplan.planned_operations WHERE plan_id = $base") operations planned"
echo "cold full re-plan, prodplan.plan() with its defaults: $cold ms"
from=$(q -c "SELECT date_trunc('hour', min(start_at) FILTER (WHERE NOT is_fixed)) FROM prodplan.planned_operations WHERE plan_id = $base AND work_center_id = '17'")
product=$(q -c "SELECT product_id FROM prodplan.production_order WHERE finished_at IS NULL AND product_id IN (SELECT product_id FROM prodplan.routing_step) ORDER BY order_id LIMIT 1")
week=$(q -c "SELECT '$from'::timestamptz + interval '7 days'")
printf '%-34s %12s %10s %10s %10s %12s %16s %14s\n' scenario "whatif (ms)" "diff (ms)" "sum" "vs cold" "again (ms)" "wtard delta (h)" "orders moved"
while IFS='|' read -r name changes; do
  t=$(ms "SELECT prodplan.whatif('$changes', $base)")
  id=$(q -c "SELECT max(plan_id) FROM prodplan.plans WHERE status = 'scenario'")
  again=$(ms "SELECT prodplan.whatif('$changes', $base)")
  d=$(ms "SELECT count(*) FROM prodplan.plan_diff($base, $id)")
  read -r delta moved <<<"$(q -F' ' -c "SELECT round(((SELECT delta FROM prodplan.compare_plans($base, $id) WHERE kpi = 'weighted_tardiness'))::numeric, 1), (SELECT count(*) FROM prodplan.plan_diff($base, $id))")"
  sum=$(awk -v a="$t" -v b="$d" 'BEGIN{printf "%.1f", a+b}')
  printf '%-34s %12s %10s %10s %10s %12s %16s %14s\n' "$name" "$t" "$d" "$sum" "$(awk -v a="$sum" -v b="$cold" 'BEGIN{printf "%.2fx", a/b}')" "$again" "$delta" "$moved"
done <<CASES
bottleneck 17 down for 2 days|[{"type": "work_center_down", "work_center": "17", "from": "$from", "to": "$(q -c "SELECT '$from'::timestamptz + interval '2 days'")"}]
rush order (priority 10)|[{"type": "rush_order", "product": "$product", "due": "$(q -c "SELECT '$start'::timestamptz + interval '30 days'")", "priority": 10}]
bottleneck durations x 0.5|[{"type": "duration_factor", "work_center": "17", "factor": 0.5}]
one more unit on 17 for a week|[{"type": "capacity", "work_center": "17", "units_add": 1, "from": "$from", "to": "$week"}]
night shift on 17 for a week|[{"type": "calendar", "work_center": "17", "action": "add", "from": "$from", "to": "$week", "shift": {"start": "22:00", "end": "06:00"}}]
CASES
sim=$(ms "SELECT count(*) FROM prodplan.simulate($base, 1000)")
echo "simulate the base plan, 1,000 replications: $sim ms ($(awk -v a="$sim" -v b="$cold" 'BEGIN{printf "%.2fx", a/b}') the cold re-plan; phases $(q -c "SELECT phase_seconds FROM prodplan.simulations ORDER BY simulation_id DESC LIMIT 1"))"
