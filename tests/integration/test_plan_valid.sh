#!/usr/bin/env bash
# Every plan prodplan.plan() makes on load_demo data, at several scales, seeds,
# objectives and rules, passes prodplan.validate_plan (its own SQL, not the
# planner's code); the improved plan is never worse than the best rule; a
# released plan refuses double booking; a cancel leaves no plan behind.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_plan_a pp_plan_b
q() { local d=$1; shift; psql -qX -d "$d" -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
check() {  # db label options
  local d=$1 label=$2 opts=$3 id v worse
  id=$(q "$d" -c "SELECT prodplan.plan('$opts')")
  v=$(q "$d" -c "SELECT count(*) FROM prodplan.validate_plan($id)")
  worse=$(q "$d" -c "SELECT (objective_values ->> 'weighted_tardiness_hours')::float8 > (objective_values ->> 'rule_weighted_tardiness_hours')::float8 + 1e-6 FROM prodplan.plans WHERE plan_id = $id")
  if [ "$v" = 0 ] && { [ "$worse" = f ] || [[ "$opts" == *objective* ]]; }; then
    echo "ok: $label: plan $id feasible ($(q "$d" -c "SELECT count(*) FROM prodplan.planned_operations WHERE plan_id = $id") operations)"
  else
    echo "FAIL: $label: plan $id has $v violations (worse than the best rule: $worse)"
    q "$d" -c "SELECT violation, detail FROM prodplan.validate_plan($id) LIMIT 5"; fail=1
  fi
}
q pp_plan_a -c "SELECT prodplan.load_demo(0.05, 7)" >/dev/null
q pp_plan_b -c "SELECT prodplan.load_demo(0.2, 11)" >/dev/null
for seed in 1 2 3; do
  check pp_plan_a "scale 0.05, seed $seed" "{\"seed\": $seed, \"time_limit_ms\": 500}"
done
for o in makespan mean_flow_time setups; do
  check pp_plan_a "scale 0.05, objective $o" "{\"objective\": \"$o\", \"time_limit_ms\": 300}"
done
check pp_plan_b "scale 0.2, default options" '{"time_limit_ms": 1000}'
check pp_plan_b "scale 0.2, rule atc, no improvement" '{"rule": "atc", "time_limit_ms": 0}'
# A frozen window over the released plan keeps its slots; the new plan stays feasible.
rel=$(q pp_plan_b -c "SELECT max(plan_id) FROM prodplan.plans")
q pp_plan_b -c "SELECT prodplan.release_plan($rel)" >/dev/null
start=$(q pp_plan_b -c "SELECT plan_start FROM prodplan.plans WHERE plan_id = $rel")
check pp_plan_b "scale 0.2, frozen 48 h over the released plan" "{\"start\": \"$start\", \"frozen_hours\": 48, \"time_limit_ms\": 500}"
kept=$(q pp_plan_b -c "SELECT count(*) FILTER (WHERE n.start_at = r.start_at AND n.unit = r.unit) || '/' || count(*) FROM prodplan.planned_operations n JOIN prodplan.planned_operations r USING (order_id, operation) WHERE n.plan_id = (SELECT max(plan_id) FROM prodplan.plans) AND r.plan_id = $rel AND n.duration_source = 'frozen'")
if [ "${kept%/*}" = "${kept#*/}" ] && [ "${kept#*/}" -gt 0 ]; then
  echo "ok: frozen window: $kept released slots kept"
else
  echo "FAIL: frozen window: kept/frozen = $kept"; fail=1
fi
# The released plan refuses a double booking of a unit.
if q pp_plan_b -c "INSERT INTO prodplan.released_slots (plant_id, work_center_id, unit, start_at, end_at, plan_id, order_id, operation, axis, slot)
    SELECT plant_id, work_center_id, unit, start_at, end_at, plan_id, 'X-' || order_id, operation, 0, 'empty'
    FROM prodplan.released_slots WHERE plan_id = $rel LIMIT 1" >/dev/null 2>&1; then
  echo "FAIL: a double booking of a released unit was accepted"; fail=1
else
  echo "ok: a double booking of a released unit is refused"
fi
# A cancel (statement timeout) stops planning and leaves no plan.
before=$(q pp_plan_b -c "SELECT count(*) FROM prodplan.plans")
t0=$(date +%s%N)
if q pp_plan_b -c "SET statement_timeout = '1500ms'; SELECT prodplan.plan('{\"time_limit_ms\": 60000}')" >/dev/null 2>&1; then
  echo "FAIL: a 60 s plan finished within a 1.5 s statement timeout"; fail=1
else
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  after=$(q pp_plan_b -c "SELECT count(*) FROM prodplan.plans")
  if [ "$before" = "$after" ] && [ "$ms" -lt 2500 ]; then
    echo "ok: a cancel 1.5 s into a 60 s plan returned after $ms ms and left no plan"
  else
    echo "FAIL: cancelled plan: returned after $ms ms (expected < 2500), plans $before -> $after"; fail=1
  fi
fi
exit $fail
