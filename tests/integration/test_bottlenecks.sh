#!/usr/bin/env bash
# prodplan.bottlenecks: on a constructed event log the active period method
# gives the sole and shifting shares worked out by hand (the same log as
# tests/unit/test_bottleneck.cpp's two-station case); saturation of a
# multi-unit work center; utilisation inside the calendar's working time;
# bad arguments; on load_demo the planted bottleneck (Laminação, 17) ranks
# first in the actual data; a plan's figures check against plain SQL.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning -c TimeZone=UTC"
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_bottlenecks pp_bottlenecks_demo
q() { psql -qX -d pp_bottlenecks -v ON_ERROR_STOP=1 -At "$@"; }
qd() { psql -qX -d pp_bottlenecks_demo -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
same() {  # label sql expected
  local got
  got=$(q -c "$2" 2>&1 | tr '\n' ' ' | sed 's/ $//')
  if [ "$got" = "$3" ]; then ok "$1"; else bad "$1: expected [$3], got [$got]"; fi
}
refused() {  # label sql pattern
  local out
  if out=$(q -c "$2" 2>&1); then bad "$1: accepted"; return; fi
  if grep -q -- "$3" <<<"$out"; then ok "$1"; else bad "$1: wrong error [$out]"; fi
}

# Plant B, hours from 2026-01-05 00:00 UTC, window [0, 100 h), which the
# recorded work clips to [0, 90 h):
#   A (1 unit): busy [0, 40) and [50, 60);  B (1 unit): busy [30, 90).
#   A sole 30 h, shifting 10 h; B sole 50 h, shifting 10 h (see the unit
#   test): shares of 90 h.
#   C (2 units, calendar: 08:00-16:00 every day): [0, 30) and [10, 20): saturated
#   only on [10, 20) (utilisation below).
q <<'SQL'
INSERT INTO prodplan.plant VALUES ('B', 'Bottleneck test', 'UTC');
INSERT INTO prodplan.calendar (plant_id, calendar_id, name, timezone) VALUES ('B', 'DAY', 'day shift', 'UTC');
INSERT INTO prodplan.calendar_shift (plant_id, calendar_id, shift_no, weekdays, start_minute, end_minute)
VALUES ('B', 'DAY', 1, ARRAY[1, 2, 3, 4, 5, 6, 7], 480, 960);
INSERT INTO prodplan.work_center (plant_id, work_center_id, name, capacity_units, calendar_id) VALUES
  ('B', 'A', 'Station A', 1, NULL), ('B', 'B', 'Station B', 1, NULL), ('B', 'C', 'Station C', 2, 'DAY');
INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at)
SELECT 'B', o, 'P', '2026-01-01' FROM unnest(ARRAY['O1', 'O2', 'O3', 'O4', 'O5']) o;
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, ended_at, event_time)
SELECT 'B', o || '-' || wc, o, wc, 10, t0 + s * interval '1 hour', t0 + e * interval '1 hour', t0 + e * interval '1 hour'
FROM (VALUES ('O1', 'A', 0, 40), ('O2', 'B', 30, 90), ('O3', 'A', 50, 60), ('O4', 'C', 0, 30), ('O5', 'C', 10, 20)) v(o, wc, s, e),
     (SELECT timestamptz '2026-01-05 00:00+00' AS t0) t;
SQL
w="'2026-01-05 00:00+00', '2026-01-09 04:00+00'"   # [0, 100 h)
cols="rank, work_center_id, round(sole_share::numeric, 4), round(shifting_share::numeric, 4), active_periods, round(mean_active_period_hours::numeric, 2)"
same "sole and shifting shares by hand (saturated)" "SELECT $cols FROM prodplan.bottlenecks($w)" \
  "1|B|0.5556|0.1111|1|60.00 2|A|0.3333|0.1111|2|25.00 3|C|0.0000|0.0000|1|10.00"
# Any mode: C is active on [0, 30) (30 h): B's [30, 90) (60 h) still wins
# from 30 h; [0, 30) goes to A (40 h > 30 h).
same "mode any: C active while one unit works" \
  "SELECT $cols FROM prodplan.bottlenecks($w, options => '{\"mode\": \"any\"}')" \
  "1|B|0.5556|0.1111|1|60.00 2|A|0.3333|0.1111|2|25.00 3|C|0.0000|0.0000|1|30.00"
# Utilisation: A 50 h of 90; B 60 of 90; C works [0, 30) and [10, 20) on two
# units = 40 unit-hours of wall time, of which inside 08:00-16:00 ([8, 16)
# of day 1; day 2's shift starts at 32 h): [8, 16) on one unit and [10, 16)
# on the other = 8 + 6 = 14 unit-hours; available: 2 units x the working
# hours in [0, 90 h), shifts at [8, 16), [32, 40), [56, 64), [80, 88) = 64.
same "utilisation inside working time" \
  "SELECT work_center_id, round(utilisation::numeric, 4), round(busy_unit_hours::numeric, 2), round(available_unit_hours::numeric, 2)
   FROM prodplan.bottlenecks($w) ORDER BY work_center_id" \
  "A|0.5556|50.00|90.00 B|0.6667|60.00|90.00 C|0.2188|14.00|64.00"
same "the window's single week: the top station is confident" \
  "SELECT work_center_id, round(confidence::numeric, 2) FROM prodplan.bottlenecks($w) WHERE rank = 1" "B|1.00"
same "default window ends at the latest recorded work" \
  "SELECT count(*) > 0 FROM prodplan.bottlenecks()" "t"
refused "bad source" "SELECT * FROM prodplan.bottlenecks(source => 'guess')" "source must be actual or plan"
refused "plan without plan_id" "SELECT * FROM prodplan.bottlenecks(source => 'plan')" "source plan needs a plan_id"
refused "unknown plan" "SELECT * FROM prodplan.bottlenecks(source => 'plan', plan_id => 424242)" "no plan 424242"
refused "empty window" "SELECT * FROM prodplan.bottlenecks('2026-02-01', '2026-01-01')" "is empty"
refused "a window without recorded work" "SELECT * FROM prodplan.bottlenecks('2030-01-01', '2030-02-01')" "is empty"
refused "bad mode" "SELECT * FROM prodplan.bottlenecks($w, options => '{\"mode\": \"half\"}')" "mode must be saturated or any"
refused "unknown option" "SELECT * FROM prodplan.bottlenecks($w, options => '{\"plant\": \"B\", \"x\": 1}')" "unknown option(s) x"

# load_demo: the planted bottleneck.
qd -c "SELECT prodplan.load_demo(0.1, 42, 'direct') IS NOT NULL" >/dev/null
got=$(qd -c "SELECT work_center_id FROM prodplan.bottlenecks() WHERE rank = 1")
[ "$got" = 17 ] && ok "load_demo: Laminação (17) is the top bottleneck of the last 90 days" || bad "load_demo last 90 days: top is [$got]"
got=$(qd -c "SELECT work_center_id FROM prodplan.bottlenecks('2000-01-01', '2100-01-01') WHERE rank = 1")
[ "$got" = 17 ] && ok "load_demo: ... and of all its history" || bad "load_demo all history: top is [$got]"
got=$(qd -c "SELECT round(confidence::numeric, 2) >= 0.3 FROM prodplan.bottlenecks('2000-01-01', '2100-01-01') WHERE rank = 1")
[ "$got" = t ] && ok "load_demo: it tops at least 30% of the weeks" || bad "load_demo confidence: [$got]"
got=$(qd -c "WITH w AS (SELECT min(started_at) AS t0, max(greatest(started_at, ended_at)) AS t1 FROM prodplan.operation),
                  s AS (SELECT o.work_center_id, o.started_at AS st,
                               lag(coalesce(o.ended_at, (SELECT t1 FROM w))) OVER (PARTITION BY o.order_id ORDER BY o.started_at) AS ready
                        FROM prodplan.operation o WHERE o.started_at IS NOT NULL)
             SELECT round(percentile_cont(0.9) WITHIN GROUP (ORDER BY greatest(extract(epoch FROM st - ready) / 3600, 0))::numeric, 6)
                    = (SELECT round(waiting_hours_p90::numeric, 6) FROM prodplan.bottlenecks('2000-01-01', '2100-01-01') WHERE work_center_id = '17')
             FROM s WHERE work_center_id = '17' AND ready IS NOT NULL")
[ "$got" = t ] && ok "load_demo: Laminação's p90 wait equals an independent SQL percentile" || bad "p90 wait: [$got]"
plan=$(qd -c "SELECT prodplan.plan('{\"plant\": \"DEMO\", \"time_limit_ms\": 300}')")
got=$(qd -c "SELECT count(*) > 0 AND bool_and(utilisation BETWEEN 0 AND 1.0001) AND bool_and(sole_share + shifting_share <= 1.0001)
              AND sum(sole_share) <= 1.0001 FROM prodplan.bottlenecks(source => 'plan', plan_id => $plan)")
[ "$got" = t ] && ok "a plan: shares and utilisation within bounds" || bad "plan: [$got]"
got=$(qd -c "SELECT (SELECT round(busy_unit_hours::numeric, 3) FROM prodplan.bottlenecks(source => 'plan', plan_id => $plan) WHERE work_center_id = '17')
                 = (SELECT round((sum(extract(epoch FROM least(p.end_at, w.ends_at) - greatest(p.setup_start_at, w.starts_at))) / 3600.0)::numeric, 3)
                    FROM prodplan.planned_operations p
                    JOIN prodplan.work_center c ON c.plant_id = 'DEMO' AND c.work_center_id = p.work_center_id
                    JOIN prodplan.working_time('DEMO', (SELECT plan_start FROM prodplan.plans WHERE plan_id = $plan),
                                               (SELECT max(end_at) FROM prodplan.planned_operations WHERE plan_id = $plan)) w
                      ON w.calendar_id = c.calendar_id AND w.starts_at < p.end_at AND w.ends_at > p.setup_start_at
                    WHERE p.plan_id = $plan AND p.work_center_id = '17')")
[ "$got" = t ] && ok "a plan: Laminação's busy hours inside working time equal an independent SQL sum" || bad "plan busy hours: [$got]"
# bottleneck_relief on that plan: scenarios per candidate and change, each
# figure matching the scenario's own KPIs (read in a later statement: the
# scenarios are written during the call), best first.
qd -c "CREATE TABLE relief AS SELECT * FROM prodplan.bottleneck_relief($plan, '{\"candidates\": 2}')"
got=$(qd -c "SELECT count(*) = 4 AND bool_and(r.scenario_weighted_tardiness_hours =
               (SELECT k.value FROM prodplan.plan_kpis(r.scenario_plan_id) k WHERE k.kpi = 'weighted_tardiness'))
             AND bool_and(abs(r.reduction_hours - (r.weighted_tardiness_hours - r.scenario_weighted_tardiness_hours)) < 1e-9)
             AND bool_and(r.weighted_tardiness_hours = (SELECT k.value FROM prodplan.plan_kpis($plan) k WHERE k.kpi = 'weighted_tardiness'))
             AND bool_and((SELECT p.status FROM prodplan.plans p WHERE p.plan_id = r.scenario_plan_id) = 'scenario')
             FROM relief r")
[ "$got" = t ] && ok "bottleneck_relief: 2 candidates x 2 changes, figures from the scenarios' KPIs" || bad "relief: [$got]"
got=$(qd -c "SELECT bool_and(reduction_hours <= lag_red) FROM (SELECT reduction_hours, lag(reduction_hours, 1, 'infinity') OVER (ORDER BY rank) AS lag_red
             FROM prodplan.bottleneck_relief($plan, '{\"candidates\": 2}')) x")
[ "$got" = t ] && ok "bottleneck_relief: best reduction first (and the same scenarios are reused)" || bad "relief order: [$got]"
out=$(qd -c "SELECT * FROM prodplan.bottleneck_relief($plan, '{\"changes\": [\"magic\"]}')" 2>&1) && bad "bad change accepted" || \
  { grep -q "changes must name extra_unit and/or extra_shift" <<<"$out" && ok "bad change refused" || bad "bad change: [$out]"; }
out=$(qd -c "SELECT * FROM prodplan.bottleneck_relief(999999)" 2>&1) && bad "unknown plan accepted" || \
  { grep -q "no plan 999999" <<<"$out" && ok "relief: unknown plan refused" || bad "relief unknown plan: [$out]"; }
exit $fail
