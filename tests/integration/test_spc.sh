#!/usr/bin/env bash
# SPC and capability from SQL:
# - a constructed characteristic (subgroups of 5 by subgroup number): the
#   X-bar/R limits and capability equal the hand-computed values, options
#   choose the chart, the subgroups and the baseline;
# - load_demo(0.1): every characteristic's planted mean-shift episode is
#   flagged by the Nelson rules on the X-bar chart, and its planted
#   variance-increase episode by the range chart, far above the rate outside;
# - rows written before their month had a partition move into it when it is
#   created;
# - bad input is an error naming what is wrong.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning -c TimeZone=UTC"
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_spc
q() { psql -qX -d pp_spc -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
expect() {  # label condition-sql
  if [ "$(q -c "SELECT ($2)")" = t ]; then ok "$1"; else bad "$1 ($2)"; fi
}

# Plant S, characteristic T (limits 0..10, target 5): subgroups 1-3 of five
# readings as in the unit test (means 3, 4, 3.4; ranges 4, 4, 1), then
# subgroup 4 far off.
q <<'SQL'
INSERT INTO prodplan.plant VALUES ('S', 'SPC', 'UTC');
INSERT INTO prodplan.characteristic (plant_id, characteristic_id, name, unit, lsl, target, usl) VALUES ('S', 'T', 'Thickness', 'mm', 0, 5, 10),
  ('S', 'U', 'Upper only', 'mm', NULL, NULL, 10);
INSERT INTO prodplan.measurement (plant_id, measurement_id, characteristic_id, measured_at, value, subgroup)
SELECT 'S', 'M' || g || '-' || k, 'T', timestamptz '2026-03-01' + g * interval '1 day' + k * interval '1 minute', v, g
FROM (VALUES (1, ARRAY[1, 2, 3, 4, 5]), (2, ARRAY[2, 3, 4, 5, 6]), (3, ARRAY[3, 3, 3, 4, 4]), (4, ARRAY[9, 9, 9, 9, 9])) s(g, vals),
     LATERAL unnest(vals) WITH ORDINALITY u(v, k);
INSERT INTO prodplan.measurement (plant_id, measurement_id, characteristic_id, measured_at, value)
SELECT 'S', 'N' || k, 'U', timestamptz '2026-03-01' + k * interval '1 hour', v
FROM unnest(ARRAY[10, 12, 11, 13, 12]::float8[]) WITH ORDINALITY u(v, k);
SQL
spc="prodplan.spc('T', '{\"baseline_subgroups\": 3}')"
expect "X-bar/R chosen for subgroups of 5, four points, three in phase I" \
  "(SELECT bool_and(chart = 'xbar_r' AND subgroup_size = 5) AND count(*) = 4 AND count(*) FILTER (WHERE phase = 1) = 3 FROM $spc)"
expect "X-bar limits: 3.4667 +- A2 x Rbar (A2 = 0.577, Rbar = 3)" \
  "(SELECT bool_and(abs(cl - 3.46667) < 0.001 AND abs(ucl - (3.46667 + 0.577 * 3)) < 0.002 AND abs(lcl - (3.46667 - 0.577 * 3)) < 0.002) FROM $spc)"
expect "R chart: Rbar 3, UCL D4 x Rbar (D4 = 2.114), LCL 0" \
  "(SELECT bool_and(abs(spread_cl - 3) < 1e-9 AND abs(spread_ucl - 2.114 * 3) < 0.002 AND spread_lcl = 0) FROM $spc)"
expect "the phase II subgroup (mean 9) is above UCL and fires rule 1" \
  "(SELECT zone = 'above UCL' AND rules = '{1}' AND out_of_control FROM $spc WHERE point = 4)"
expect "baseline_to: the same phase I by time" \
  "(SELECT count(*) FILTER (WHERE phase = 1) = 3 FROM prodplan.spc('T', '{\"baseline_to\": \"2026-03-04 12:00+00\"}'))"
expect "chart xbar_s: A3 x Sbar" \
  "(SELECT bool_and(chart = 'xbar_s' AND abs(ucl - cl - 1.427 * spread_cl) < 0.002) FROM prodplan.spc('T', '{\"chart\": \"xbar_s\", \"baseline_subgroups\": 3}'))"
expect "subgroup_size 1 with chart i_mr: twenty individuals" \
  "(SELECT count(*) = 20 AND bool_and(chart = 'i_mr') FROM prodplan.spc('T', '{\"subgroup_size\": 1, \"chart\": \"i_mr\"}'))"
expect "individuals by default without subgroup numbers: MRbar 1.5, UCL mean + 3 MRbar / 1.128" \
  "(SELECT bool_and(chart = 'i_mr' AND abs(cl - 11.6) < 1e-9 AND abs(ucl - (11.6 + 3 * 1.5 / 1.128)) < 0.002) FROM prodplan.spc('U'))"
expect "capability of T by hand: sigma within Rbar/d2 over all four subgroups" \
  "(SELECT n = 20 AND abs(mean - (3 + 4 + 3.4 + 9) / 4) < 1e-9 AND abs(sigma_within - (9.0 / 4) / 2.3259289) < 1e-6 AND abs(cp - 10 / (6 * sigma_within)) < 1e-9 FROM prodplan.capability('T'))"
expect "capability within a window: the first three subgroups" \
  "(SELECT n = 15 AND abs(sigma_within - 3 / 2.3259289) < 1e-6 AND observed_ppm = 0 FROM prodplan.capability('T', NULL, '2026-03-04 12:00+00'))"
expect "capability, one-sided: Cp and Cpm NULL, Cpk the upper index" \
  "(SELECT cp IS NULL AND cpm IS NULL AND cpl IS NULL AND abs(cpk - (10 - 11.6) / (3 * 1.5 / 1.1283792)) < 1e-6 AND observed_ppm = 800000 FROM prodplan.capability('U'))"

# load_demo: the planted episodes (days before the export, 2026-11-16) are flagged.
q -c "SELECT prodplan.load_demo(0.1, 42)" >/dev/null
# T's readings were written before March 2026 had a partition (so into the
# DEFAULT one); load_demo's partitions include that month, and the rows moved.
expect "rows waiting in the DEFAULT partition moved into the month's new partition" \
  "(SELECT count(*) = 20 FROM prodplan.measurement_p202603 WHERE plant_id = 'S' AND characteristic_id = 'T') AND NOT EXISTS (SELECT 1 FROM prodplan.measurement_default WHERE plant_id = 'S')"
expect "... and the chart is the same" "(SELECT count(*) = 4 FROM $spc)"
read -r rows <<<"$(q -c "
WITH ep(c, sf, st, vf, vt) AS (VALUES ('GEL-THK', 330, 309, 120, 106), ('LAM-THK', 250, 229, 60, 46), ('DEM-WDEV', 200, 179, 300, 286),
                                      ('CURE-TEMP', 150, 136, 270, 256), ('PNT-THK', 90, 69, 220, 206)),
e AS (SELECT c, timestamptz '2026-11-16' - sf * interval '1 day' AS s0, timestamptz '2026-11-16' - st * interval '1 day' AS s1,
             timestamptz '2026-11-16' - vf * interval '1 day' AS v0, timestamptz '2026-11-16' - vt * interval '1 day' AS v1 FROM ep),
r AS (SELECT e.c,
        avg((cardinality(s.rules) > 0)::int) FILTER (WHERE s.taken_at >= s0 AND s.taken_at < s1) AS shift_in,
        avg((cardinality(s.rules) > 0)::int) FILTER (WHERE NOT (s.taken_at >= s0 AND s.taken_at < s1) AND NOT (s.taken_at >= v0 AND s.taken_at < v1)) AS rules_out,
        avg(s.spread_beyond::int) FILTER (WHERE s.taken_at >= v0 AND s.taken_at < v1) AS spread_in,
        avg(s.spread_beyond::int) FILTER (WHERE NOT (s.taken_at >= v0 AND s.taken_at < v1)) AS spread_out
      FROM e, LATERAL prodplan.spc(e.c, '{\"plant\": \"DEMO\"}') s GROUP BY e.c)
SELECT string_agg(format('%s:%s/%s/%s/%s', c, round(shift_in, 2), round(rules_out, 3), round(spread_in, 2), round(spread_out, 3)), ' ' ORDER BY c)
       || ' ' || bool_and(shift_in >= 0.5 AND shift_in >= 10 * rules_out AND spread_in >= 0.15 AND spread_in >= 5 * spread_out)::text
FROM r")"
[[ "$rows" == *" true" ]] && ok "load_demo: shift and spread episodes flagged (shift in/rules out/spread in/spread out: $rows)" \
  || bad "load_demo episodes not flagged well enough: $rows"

while IFS='|' read -r call want; do
  err=$(q -c "SELECT count(*) FROM $call" 2>&1 >/dev/null || true)
  if [[ "$err" == *"$want"* ]]; then ok "refused: $call"; else bad "$call: expected an error with '$want', got: $err"; fi
done <<'CASES'
prodplan.spc('NOPE')|characteristic "NOPE" is unknown
prodplan.spc('T', '{"chart": "pie"}')|chart must be xbar_r, xbar_s, i_mr, p, np, c or u
prodplan.spc('T', '{"subgroup_size": 30}')|subgroup_size must be a whole number from 1 to 25
prodplan.spc('T', '{"baseline": 3}')|unknown option(s) baseline
prodplan.spc('T', '{"chart": "p"}')|a p chart reads each reading as a unit, 1 defective or 0 not
prodplan.spc('T', '{"from": "2030-01-01"}')|has no measurements in the window
prodplan.spc('T', '{"baseline_to": "2026-03-01"}')|fewer than 2 subgroups before baseline_to
prodplan.spc('U', '{"chart": "xbar_r"}')|an X-bar chart needs subgroups of 2 to 25 readings
prodplan.capability('NOPE')|characteristic "NOPE" is unknown
CASES
exit $fail
