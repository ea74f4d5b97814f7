#!/usr/bin/env bash
# Monte Carlo benchmark on load_demo(BENCH_SCALE) (default 5: about 400 open
# orders and 5,000 planned operations): prodplan.simulate with 1,000
# replications (durations from the history, breakdowns from the downtime
# history), next to a cold full re-plan by prodplan.plan() with its defaults,
# measured in the same run. Target: 1,000 replications of a 5,000-operation
# plan in under 5 s. Also: a what-if of that plan and its simulation with the
# same seed (common random numbers), and a due-date quote.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning -c TimeZone=UTC"
scale=${BENCH_SCALE:-5}
reps=${BENCH_REPLICATIONS:-1000}
# shellcheck source=../integration/db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/db_helpers.sh"
pp_fresh_databases pp_bench_simulate
q() { psql -qX -d pp_bench_simulate -v ON_ERROR_STOP=1 -At "$@"; }
ms() { q -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1; }
# Direct load: above scale 2 the demo's operation sheet exceeds an .xlsx sheet's row limit.
q -c "SELECT prodplan.load_demo($scale, 42, 'direct')" >/dev/null
q -c "ANALYZE" >/dev/null
cold=$(ms "SELECT prodplan.plan('{}')")
base=$(q -c "SELECT max(plan_id) FROM prodplan.plans")
echo "load_demo($scale, 42, 'direct'): $(q -c "SELECT count(*) FROM prodplan.plan_orders WHERE plan_id = $base") open orders, $(q -c "SELECT count(*) FROM prodplan.planned_operations WHERE plan_id = $base") operations planned"
echo "cold full re-plan, prodplan.plan() with its defaults: $cold ms"
printf '%-44s %10s %9s %s\n' run "ms" "vs cold" "phases (s) / on-time mean, p10-p90 (planned)"
row() {  # label sql
  local t s
  t=$(ms "$2")
  s=$(q -c "SELECT phase_seconds::text || ' / ' || round(on_time_mean::numeric, 3) || ', ' || round(on_time_p10::numeric, 3) || '-' || round(on_time_p90::numeric, 3) || ' (' || round(planned_on_time::numeric, 3) || ')' FROM prodplan.simulations ORDER BY simulation_id DESC LIMIT 1")
  printf '%-44s %10s %9s %s\n' "$1" "$t" "$(awk -v a="$t" -v b="$cold" 'BEGIN{printf "%.2fx", a/b}')" "$s"
}
for i in 1 2 3; do
  row "simulate $reps replications (run $i)" "SELECT count(*) FROM prodplan.simulate($base, $reps)"
done
row "simulate $reps, lognormal durations" "SELECT count(*) FROM prodplan.simulate($base, $reps, '{\"durations\": \"lognormal\"}')"
row "simulate $reps, no breakdowns" "SELECT count(*) FROM prodplan.simulate($base, $reps, '{\"breakdowns\": false}')"
half=$(q -c "SELECT prodplan.whatif('[{\"type\": \"duration_factor\", \"work_center\": \"17\", \"factor\": 0.5}]', $base)")
row "what-if 17 x 0.5, simulate $reps (same seed)" "SELECT count(*) FROM prodplan.simulate($half, $reps)"
product=$(q -c "SELECT product_id FROM prodplan.production_order WHERE finished_at IS NULL AND product_id IN (SELECT product_id FROM prodplan.routing_step) ORDER BY order_id LIMIT 1")
row "quote_due_date (what-if + 500 replications)" "SELECT * FROM prodplan.quote_due_date('$product')"
echo "pairwise (common random numbers): on-time share, what-if minus base, over $reps replications:"
q -c "WITH a AS (SELECT on_time_by_replication v FROM prodplan.simulations WHERE plan_id = $base AND durations = 'empirical' AND breakdowns ORDER BY simulation_id LIMIT 1),
  b AS (SELECT on_time_by_replication v FROM prodplan.simulations WHERE plan_id = $half ORDER BY simulation_id LIMIT 1),
  d AS (SELECT y - x AS diff FROM a, b, unnest(a.v, b.v) u(x, y))
  SELECT format('  mean %s, 95%% interval +-%s (paired); better in %s%% of replications', round(avg(diff)::numeric, 4),
                round((1.96 * stddev(diff) / sqrt(count(*)))::numeric, 4), round(100.0 * avg((diff > 0)::int), 1)) FROM d"
