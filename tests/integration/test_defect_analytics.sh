#!/usr/bin/env bash
# Defect analytics on a constructed plant whose every figure is counted by
# hand below: defect_rates in each grouping (overall, product, culprit work
# center, evaluating phase, severity, week), its window, level thresholds and
# options, and bad arguments; the evaluation-by-culprit heatmap and the
# Pareto of descriptions; first pass and rolled throughput yields, DPMO and
# sigma level; the quality score and its out-of-control cap; then a smoke run
# on load_demo.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning -c TimeZone=UTC"
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_defect_analytics
q() { psql -qX -d pp_defect_analytics -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
same() {  # label sql expected
  local got
  got=$(q -c "$2" | tr '\n' ' ' | sed 's/ $//')
  if [ "$got" = "$3" ]; then ok "$1"; else bad "$1: expected [$3], got [$got]"; fi
}

# Orders O1, O2 (product A, week 2026-W19) and O3, O4 (B, 2026-W20):
#   O1: ops at 10, 20, 30; defect found at 30, blamed on its op at 10, severity 3
#   O2: ops at 10, 20, 30; no defect
#   O3: ops at 10, 30; defects found at 30: blamed on its op at 10 (severity 1), culprit unknown (2)
#   O4: ops at 20, 30; defect found at 30, blamed on its op at 20, severity 2
q <<'SQL'
INSERT INTO prodplan.plant VALUES ('Q', 'Quality', 'UTC');
INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at, finished_at) VALUES
  ('Q', 'O1', 'A', '2026-05-04 08:00+00', '2026-05-06 08:00+00'), ('Q', 'O2', 'A', '2026-05-05 08:00+00', '2026-05-07 08:00+00'),
  ('Q', 'O3', 'B', '2026-05-11 08:00+00', '2026-05-13 08:00+00'), ('Q', 'O4', 'B', '2026-05-12 08:00+00', '2026-05-14 08:00+00');
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, ended_at, event_time)
SELECT 'Q', o || '-' || wc, o, wc, wc::int, t, t + interval '1 hour', t + interval '1 hour'
FROM (VALUES ('O1', '10'), ('O1', '20'), ('O1', '30'), ('O2', '10'), ('O2', '20'), ('O2', '30'),
             ('O3', '10'), ('O3', '30'), ('O4', '20'), ('O4', '30')) v(o, wc),
     LATERAL (SELECT created_at + wc::int * interval '1 hour' AS t FROM prodplan.production_order WHERE order_id = v.o) x;
INSERT INTO prodplan.defect (plant_id, order_id, evaluation_operation_id, description, culprit_operation_id,
                             evaluation_work_center_id, severity, detected_at) VALUES
  ('Q', 'O1', 'O1-30', 'bolha', 'O1-10', '30', 3, '2026-05-05 12:00+00'),
  ('Q', 'O3', 'O3-30', 'risco', 'O3-10', '30', 1, '2026-05-12 12:00+00'),
  ('Q', 'O3', 'O3-30', 'mancha', NULL, '30', 2, '2026-05-12 12:00+00'),
  ('Q', 'O4', 'O4-30', 'bolha', 'O4-20', '30', 2, '2026-05-13 12:00+00');
SQL
cols="group_key, orders, orders_with_defects, round(defect_rate::numeric, 3), defects, round(mean_severity::numeric, 3), level"
same "overall" "SELECT $cols FROM prodplan.defect_rates()" "|4|3|0.750|4|2.000|HIGH"
same "by product" "SELECT $cols FROM prodplan.defect_rates('product')" "B|2|2|1.000|3|1.667|HIGH A|2|1|0.500|1|3.000|HIGH"
same "by culprit work center (orders through it; unknown culprits over every order)" \
  "SELECT $cols FROM prodplan.defect_rates('work_center')" \
  "10|3|2|0.667|2|2.000|HIGH 20|3|1|0.333|1|2.000|HIGH (unknown)|4|1|0.250|1|2.000|MEDIUM 30|4|0|0.000|0||LOW"
same "by evaluating phase" "SELECT $cols FROM prodplan.defect_rates('evaluating_phase')" \
  "30|4|3|0.750|4|2.000|HIGH 10|3|0|0.000|0||LOW 20|3|0|0.000|0||LOW"
same "by severity" "SELECT $cols FROM prodplan.defect_rates('severity')" \
  "2|4|2|0.500|2|2.000|HIGH 1|4|1|0.250|1|1.000|MEDIUM 3|4|1|0.250|1|3.000|HIGH"
same "by ISO week of creation" "SELECT $cols FROM prodplan.defect_rates('week')" \
  "2026-W20|2|2|1.000|3|1.667|HIGH 2026-W19|2|1|0.500|1|3.000|HIGH"
same "window: orders created from 2026-05-10" "SELECT $cols FROM prodplan.defect_rates('overall', '2026-05-10')" "|2|2|1.000|3|1.667|HIGH"
same "window: to is exclusive" "SELECT $cols FROM prodplan.defect_rates('overall', NULL, '2026-05-05 08:00+00')" "|1|1|1.000|1|3.000|HIGH"
same "thresholds as options" \
  "SELECT level FROM prodplan.defect_rates('overall', NULL, NULL, '{\"high_rate\": 0.9, \"high_severity\": 9}')" "MEDIUM"
same "a level for a low rate and severity" \
  "SELECT level FROM prodplan.defect_rates('product', NULL, NULL, '{\"high_rate\": 0.9, \"medium_rate\": 0.6, \"high_severity\": 9, \"medium_severity\": 9}') WHERE group_key = 'A'" "LOW"

# Heatmap (cells sorted here in C collation: "(unknown)" before digits) and Pareto.
hm="evaluating_work_center_id, culprit_work_center_id, defects, orders, round(mean_severity::numeric, 2), round(share::numeric, 2)"
same "heatmap: evaluating phase x culprit work center" \
  "SELECT $hm FROM prodplan.defect_heatmap() ORDER BY evaluating_work_center_id COLLATE \"C\", culprit_work_center_id COLLATE \"C\"" \
  "30|(unknown)|1|1|2.00|0.25 30|10|2|2|2.00|0.50 30|20|1|1|2.00|0.25"
same "heatmap: detection window from 2026-05-12" \
  "SELECT $hm FROM prodplan.defect_heatmap('2026-05-12') ORDER BY evaluating_work_center_id COLLATE \"C\", culprit_work_center_id COLLATE \"C\"" \
  "30|(unknown)|1|1|2.00|0.33 30|10|1|1|1.00|0.33 30|20|1|1|2.00|0.33"
pa="rank, description, defects, orders, round(mean_severity::numeric, 2), round(share::numeric, 2), round(cumulative_share::numeric, 2), vital_few"
same "Pareto of descriptions: most frequent first, cumulative shares" \
  "SELECT $pa FROM prodplan.defect_pareto()" "1|bolha|2|2|2.50|0.50|0.50|t 2|mancha|1|1|2.00|0.25|0.75|t 3|risco|1|1|1.00|0.25|1.00|t"
same "Pareto: the vital few for 60%" "SELECT string_agg(description, ',' ORDER BY rank) FROM prodplan.defect_pareto(NULL, NULL, 'Q', 0.6) WHERE vital_few" "bolha,mancha"

# Yields. O2 needed a rework pass at work center 20.
q -c "INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, is_rework, started_at, ended_at, event_time)
      VALUES ('Q', 'O2-20r', 'O2', '20', 21, true, '2026-05-06 01:00+00', '2026-05-06 02:00+00', '2026-05-06 02:00+00')"
fp="coalesce(group_key, ''), units, first_pass_units, round(fpy::numeric, 3), round(rty::numeric, 3)"
same "first pass yield per work center (no rework there, no defect blamed there)" \
  "SELECT $fp FROM prodplan.first_pass_yield()" "10|3|1|0.333| 20|3|1|0.333| 30|4|4|1.000|"
same "first pass yield per product, rolled throughput yield over its work centers (1/3 x 1/3 x 1)" \
  "SELECT $fp FROM prodplan.first_pass_yield('product')" "A|2|0|0.000|0.111 B|2|0|0.000|0.111"
same "first pass yield overall" "SELECT $fp FROM prodplan.first_pass_yield('overall')" "|4|0|0.000|0.111"
# A routing decides a product's work centers: B through 10 and 30 only rolls 1/3 x 1; a
# routed work center no order went through (40) has no yield and counts for nothing. A
# keeps the work centers its orders went through; before 2026-05-10 (O1 and O2 only) they yield
# 1/2 at 10 (O1 blamed), 1/2 at 20 (O2 reworked) and 1 at 30.
q -c "INSERT INTO prodplan.routing_step (plant_id, product_id, sequence, work_center_id)
      VALUES ('Q', 'B', 10, '10'), ('Q', 'B', 20, '30'), ('Q', 'B', 30, '40')"
same "rolled throughput yield over the product's routing" \
  "SELECT $fp FROM prodplan.first_pass_yield('product')" "A|2|0|0.000|0.111 B|2|0|0.000|0.333"
same "a window without B's orders leaves its routing out" \
  "SELECT $fp FROM prodplan.first_pass_yield('product', NULL, '2026-05-10')" "A|2|0|0.000|0.250"
q -c "DELETE FROM prodplan.routing_step WHERE plant_id = 'Q'"
same "DPMO with 5 opportunities per order: 4 defects in 20 opportunities, sigma level z(0.8) + 1.5" \
  "SELECT units, defects, opportunities, round(dpmo::numeric), round(sigma_level::numeric, 3) FROM prodplan.dpmo(5)" "4|4|20|200000|2.342"

# Quality score. Characteristic K at work center 30 (limits 0..10): ten
# individuals alternating 4 and 6 (in control; sigma within 2 / 1.128379,
# Cpk 5 / (3 sigma) = 0.9403).
q <<'SQL'
INSERT INTO prodplan.characteristic (plant_id, characteristic_id, name, unit, work_center_id, lsl, target, usl)
VALUES ('Q', 'K', 'Gloss', 'GU', '30', 0, 5, 10);
INSERT INTO prodplan.measurement (plant_id, measurement_id, characteristic_id, measured_at, value)
SELECT 'Q', 'K' || i, 'K', timestamptz '2026-05-04' + i * interval '1 hour', CASE WHEN i % 2 = 0 THEN 4 ELSE 6 END
FROM generate_series(1, 10) i;
SQL
qs="group_key, round(score::numeric, 2), round(min_cpk::numeric, 4), round(rule_violation_share::numeric, 2), out_of_control, characteristics"
same "quality score per work center: the documented weights over the components there are" \
  "SELECT $qs FROM prodplan.quality_score()" "10|33.33|||f|0 20|47.22|||f|0 30|92.68|0.9403|0.00|f|1"
same "quality score per product (yield and defect rate only)" \
  "SELECT group_key, round(score::numeric, 2) FROM prodplan.quality_score('product')" "A|20.83 B|0.00"
q -c "INSERT INTO prodplan.measurement (plant_id, measurement_id, characteristic_id, measured_at, value) VALUES ('Q', 'K99', 'K', '2026-05-05', 30)"
same "an out-of-control point caps the score at 50" \
  "SELECT round(score::numeric, 2), out_of_control FROM prodplan.quality_score() WHERE group_key = '30'" "50.00|t"

while IFS='|' read -r call want; do
  err=$(q -c "SELECT count(*) FROM $call" 2>&1 >/dev/null || true)
  if [[ "$err" == *"$want"* ]]; then ok "refused: $call"; else bad "$call: expected an error with '$want', got: $err"; fi
done <<'CASES'
prodplan.defect_rates('colour')|by must be overall, product, work_center, evaluating_phase, severity or week
prodplan.defect_rates('overall', '2026-06-01', '2026-05-01')|is after to_ts
prodplan.defect_rates('overall', NULL, NULL, '{"high": 1}')|unknown option(s) high
prodplan.defect_rates('overall', NULL, NULL, '{"high_rate": "lots"}')|options.high_rate must be a number, found "lots"
prodplan.first_pass_yield('shift')|by must be overall, work_center or product
prodplan.dpmo(0)|opportunities_per_unit must be above 0
prodplan.quality_score('shift')|by must be work_center or product
CASES

q -c "SELECT prodplan.load_demo(0.1, 42)" >/dev/null
same "load_demo: heatmap and Pareto shares add up to 1" \
  "SELECT abs((SELECT sum(share) FROM prodplan.defect_heatmap(NULL, NULL, 'DEMO')) - 1) < 1e-9 AND abs((SELECT max(cumulative_share) FROM prodplan.defect_pareto(NULL, NULL, 'DEMO')) - 1) < 1e-9" "t"
same "load_demo: a score in 0..100 for every work center, charts used where it has characteristics" \
  "SELECT count(*) > 10 AND bool_and(score BETWEEN 0 AND 100) AND bool_or(characteristics > 0) FROM prodplan.quality_score('work_center', NULL, NULL, 'DEMO')" "t"
same "load_demo: yields within 0..1 and a sigma level" \
  "SELECT (SELECT bool_and(fpy BETWEEN 0 AND 1) FROM prodplan.first_pass_yield('work_center', NULL, NULL, 'DEMO')) AND (SELECT sigma_level > 0 FROM prodplan.dpmo(20, NULL, NULL, 'DEMO'))" "t"
same "load_demo: every grouping answers, rates within 0..1" \
  "SELECT bool_and(ok) FROM (SELECT b, (SELECT count(*) > 0 AND bool_and(defect_rate BETWEEN 0 AND 1 AND orders_with_defects <= orders) FROM prodplan.defect_rates(b, NULL, NULL, '{\"plant\": \"DEMO\"}')) AS ok FROM unnest(ARRAY['overall', 'product', 'work_center', 'evaluating_phase', 'severity', 'week']) b) x" "t"
exit $fail
