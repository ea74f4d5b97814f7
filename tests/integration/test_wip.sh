#!/usr/bin/env bash
# prodplan.wip on a constructed plant counted by hand: work in process and
# orders waiting at their next operation, their ages, the mass with its
# source (operation weight, product demould weight, unknown), each
# grouping, the as_of default, and bad arguments.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning -c TimeZone=UTC"
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_wip
q() { psql -qX -d pp_wip -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
same() {
  local got
  got=$(q -c "$2" 2>&1 | tr '\n' ' ' | sed 's/ $//')
  if [ "$got" = "$3" ]; then ok "$1"; else bad "$1: expected [$3], got [$got]"; fi
}
refused() {
  local out
  if out=$(q -c "$2" 2>&1); then bad "$1: accepted"; return; fi
  if grep -q -- "$3" <<<"$out"; then ok "$1"; else bad "$1: wrong error [$out]"; fi
}

# As of 12:00 (day 10):
#   O1 (product P, 100 kg): op 10 at A ended 08:00; op 20 at B started 10:00, open -> in process at B, age 2 h, op weight 50
#   O2 (product P): op 10 at A ended 06:00; op 20 at B not started -> waiting at B since 06:00 (6 h), mass: product 100 kg
#   O3 (product Q, no master data): nothing started, created 00:00 -> waiting at A (its first operation) 12 h, mass unknown
#   O4 (product P): finished at 09:00 -> not WIP
#   O5 (product P): op at A started 11:00, open, weight 30 -> in process at A, 1 h
q <<'SQL'
INSERT INTO prodplan.plant VALUES ('W', 'WIP test', 'UTC');
INSERT INTO prodplan.work_center (plant_id, work_center_id, name) VALUES ('W', 'A', 'A'), ('W', 'B', 'B');
INSERT INTO prodplan.product (plant_id, product_id, name, demould_weight_kg) VALUES ('W', 'P', 'P', 100);
INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at, finished_at) VALUES
  ('W', 'O1', 'P', '2026-03-10 00:00+00', NULL), ('W', 'O2', 'P', '2026-03-10 00:00+00', NULL),
  ('W', 'O3', 'Q', '2026-03-10 00:00+00', NULL), ('W', 'O4', 'P', '2026-03-10 00:00+00', '2026-03-10 09:00+00'),
  ('W', 'O5', 'P', '2026-03-10 00:00+00', NULL);
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, ended_at, planned_at, weight_kg, event_time) VALUES
  ('W', 'O1-10', 'O1', 'A', 10, '2026-03-10 04:00+00', '2026-03-10 08:00+00', NULL, NULL, '2026-03-10 08:00+00'),
  ('W', 'O1-20', 'O1', 'B', 20, '2026-03-10 10:00+00', NULL, NULL, 50, '2026-03-10 10:00+00'),
  ('W', 'O2-10', 'O2', 'A', 10, '2026-03-10 02:00+00', '2026-03-10 06:00+00', NULL, NULL, '2026-03-10 06:00+00'),
  ('W', 'O2-20', 'O2', 'B', 20, NULL, NULL, '2026-03-10 13:00+00', NULL, '2026-03-10 13:00+00'),
  ('W', 'O3-10', 'O3', 'A', 10, NULL, NULL, '2026-03-10 14:00+00', NULL, '2026-03-10 14:00+00'),
  ('W', 'O3-20', 'O3', 'B', 20, NULL, NULL, '2026-03-10 16:00+00', NULL, '2026-03-10 16:00+00'),
  ('W', 'O4-10', 'O4', 'A', 10, '2026-03-10 01:00+00', '2026-03-10 09:00+00', NULL, NULL, '2026-03-10 09:00+00'),
  ('W', 'O5-10', 'O5', 'A', 10, '2026-03-10 11:00+00', NULL, NULL, 30, '2026-03-10 11:00+00');
SQL
t="'2026-03-10 12:00+00'"
cols="work_center_id, product_id, in_process, waiting, in_process_age_p50_hours, waiting_age_p50_hours, in_process_mass_kg, waiting_mass_kg, mass_from_operation, mass_from_product, mass_unknown"
same "by work center" "SELECT $cols FROM prodplan.wip('work_center', $t) ORDER BY work_center_id" \
  "A||1|1|1|12|30|0|1|0|1 B||1|1|2|6|50|100|1|1|0"
same "by product" "SELECT $cols FROM prodplan.wip('product', $t) ORDER BY product_id" \
  "|P|2|1|1.5|6|80|100|2|1|0 |Q|0|1||12|0|0|0|0|1"
same "by both" "SELECT count(*), sum(in_process), sum(waiting) FROM prodplan.wip('both', $t)" "3|2|2"
# At 09:30: O1 waits at B since 08:00 (1.5 h, its next operation's 50 kg);
# O2 at B 3.5 h (product 100 kg); O3 at A 9.5 h (unknown); O4 finished at
# 09:00; O5 waits at A since its creation, 9.5 h (30 kg).
same "earlier: at 09:30 everything waits" \
  "SELECT $cols FROM prodplan.wip('work_center', '2026-03-10 09:30+00') ORDER BY work_center_id" \
  "A||0|2||9.5|0|30|1|0|1 B||0|2||2.5|0|150|1|1|0"
same "as_of defaults to the latest recorded work (here before now)" \
  "SELECT DISTINCT as_of_time = '2026-03-10 11:00+00' FROM prodplan.wip()" "t"
refused "bad by" "SELECT * FROM prodplan.wip('shift')" "by must be work_center, product or both"
refused "unknown option" "SELECT * FROM prodplan.wip('product', NULL, '{\"x\": 1}')" "unknown option(s) x"
exit $fail
