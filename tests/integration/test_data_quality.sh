#!/usr/bin/env bash
# Data quality and feature gates:
# - a constructed plant G with one planted flaw per check: each check counts
#   exactly its flawed rows; results are kept per run and the volume check
#   compares with the previous run;
# - G's defects name no culprit, so culprit analytics is gated off for G:
#   defect_rates by work center refuses, naming the gate and the rate, and
#   ignore_gates overrides it;
# - load_demo(0.1): the planted flaws come out at their planted rates
#   (orphan products about 27%, assignment-to-operation match about 32%) and
#   per-employee KPIs are gated off with that reason.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning -c TimeZone=UTC"
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_data_quality
q() { psql -qX -d pp_data_quality -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
same() {  # label sql expected
  local got
  got=$(q -c "$2" | tr '\n' ' ' | sed 's/ $//')
  if [ "$got" = "$3" ]; then ok "$1"; else bad "$1: expected [$3], got [$got]"; fi
}

# Plant G: product P (no family), orders A (product P, finished before its
# last operation ended), B (unknown product X, no due date); operations: A's
# first pass at W1 twice (a duplicate), a rework at W2 with no first pass
# there, one lasting 40 days; an assignment to an unknown operation and one
# to an unknown employee; a defect of B without culprit, evaluated by an
# unknown operation.
q <<'SQL'
INSERT INTO prodplan.plant VALUES ('G', 'Gaps', 'UTC');
INSERT INTO prodplan.product (plant_id, product_id, name) VALUES ('G', 'P', 'Plain');
INSERT INTO prodplan.employee (plant_id, employee_id, name, hired_at) VALUES ('G', 'E1', 'Ana', '2020-01-01');
INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at, finished_at, due_at) VALUES
  ('G', 'A', 'P', now() - interval '60 days', now() - interval '2 days', now()),
  ('G', 'B', 'X', now() - interval '50 days', NULL, NULL);
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, is_rework, started_at, ended_at, event_time) VALUES
  ('G', 'A1', 'A', 'W1', 1, false, now() - interval '59 days', now() - interval '58 days', now() - interval '58 days'),
  ('G', 'A1b', 'A', 'W1', 1, false, now() - interval '57 days', now() - interval '56 days', now() - interval '56 days'),
  ('G', 'A2', 'A', 'W2', 2, true, now() - interval '55 days', now() - interval '54 days', now() - interval '54 days'),
  ('G', 'A3', 'A', 'W3', 3, false, now() - interval '45 days', now() - interval '1 day', now() - interval '1 day');
INSERT INTO prodplan.operation_assignment (plant_id, operation_id, employee_id) VALUES
  ('G', 'A1', 'E1'), ('G', 'NOPE', 'E1'), ('G', 'A3', 'E9');
INSERT INTO prodplan.defect (plant_id, order_id, evaluation_operation_id, description, culprit_operation_id,
                             evaluation_work_center_id, severity, detected_at) VALUES
  ('G', 'B', 'GONE', 'risco', NULL, 'W3', 2, now() - interval '3 days');
SQL
dq="SELECT entity_name || '.' || check_name || '=' || failed || '/' || total FROM prodplan.data_quality(NULL, 'G') WHERE check_name NOT IN ('(entity)', 'volume', 'freshness') ORDER BY 1"
same "every check counts exactly its planted flaws" "$dq" \
  "defect.culprit_operation_reference=1/1 defect.evaluation_operation_reference=1/1 defect.order_reference=0/1 employee.hire_date=0/1 operation.duration_plausible=1/4 operation.one_first_pass=1/3 operation.order_reference=0/4 operation.rework_after_first_pass=1/1 operation.start_recorded=0/4 operation_assignment.employee_reference=1/3 operation_assignment.operation_reference=1/3 product.family=1/1 production_order.due_date=1/2 production_order.finished_after_operations=1/1 production_order.product_reference=1/2"
same "entity scores are the mean of their checks (product 0.5, due date 0.5, finish 0, freshness 0, volume 1)" \
  "SELECT round(score::numeric, 3) FROM prodplan.data_quality('production_order', 'G') WHERE check_name = '(entity)'" "0.400"
same "freshness: the newest event against now (operations ended a day ago: fresh)" \
  "SELECT entity_name || '=' || failed FROM prodplan.data_quality(NULL, 'G') WHERE check_name = 'freshness' ORDER BY 1" \
  "defect=0 operation=0 production_order=1"
same "results kept per run; volume compares with the previous run" \
  "SELECT count(DISTINCT run_id) = 3 AND (SELECT detail LIKE '2 rows, 2 in run %' FROM prodplan.data_quality_results WHERE plant_id = 'G' AND entity = 'production_order' AND check_name = 'volume' ORDER BY run_id DESC LIMIT 1) FROM prodplan.data_quality_results WHERE plant_id = 'G'" "t"
same "feature gates of G" "SELECT feature || '=' || supported FROM prodplan.feature_gates WHERE plant_id = 'G' ORDER BY 1" \
  "culprit_analytics=false per_employee_kpis=false product_analytics=false"
err=$(q -c "SELECT count(*) FROM prodplan.defect_rates('work_center', NULL, NULL, '{\"plant\": \"G\"}')" 2>&1 >/dev/null || true)
[[ "$err" == *"feature culprit_analytics is gated off for plant G: not supported by data: defect-to-culprit-operation match is 0.0%, below the 80% it needs"* ]] \
  && ok "a gated-off feature refuses, naming the gate and the measured rate" || bad "gate: $err"
same "ignore_gates overrides the gate (W1, W2, W3 and the unknown culprit)" \
  "SELECT count(*) FROM prodplan.defect_rates('work_center', NULL, NULL, '{\"plant\": \"G\", \"ignore_gates\": true}')" "4"
err=$(q -c "SELECT count(*) FROM prodplan.data_quality('colour')" 2>&1 >/dev/null || true)
[[ "$err" == *"entity must be one of production_order, operation"* ]] && ok "refused: an unknown entity" || bad "entity: $err"

q -c "SELECT prodplan.load_demo(0.1, 42)" >/dev/null
q -c "SELECT count(*) FROM prodplan.data_quality(NULL, 'DEMO')" >/dev/null
same "load_demo: orphan products at their planted rate (about 27%)" \
  "SELECT (1 - score) BETWEEN 0.22 AND 0.32 FROM prodplan.data_quality_results WHERE plant_id = 'DEMO' AND entity = 'production_order' AND check_name = 'product_reference' ORDER BY run_id DESC LIMIT 1" "t"
same "load_demo: assignment-to-operation match at its planted rate (about 32%)" \
  "SELECT score BETWEEN 0.27 AND 0.37 FROM prodplan.data_quality_results WHERE plant_id = 'DEMO' AND entity = 'operation_assignment' AND check_name = 'operation_reference' ORDER BY run_id DESC LIMIT 1" "t"
same "load_demo: per-employee KPIs gated off with that reason" \
  "SELECT supported = false AND reason LIKE 'not supported by data: assignment-to-operation match is 3_._%, below the 90% it needs' FROM prodplan.feature_gates WHERE plant_id = 'DEMO' AND feature = 'per_employee_kpis'" "t"
same "the daily data quality job is installed" "SELECT count(*) FROM prodplan.jobs WHERE name = 'prodplan.data quality' AND is_builtin" "1"
exit $fail
