#!/usr/bin/env bash
# demo_workbook(0.05, 7) saved to a file opens with python3-openpyxl: 9 sheets,
# headers exactly as in DOMAIN.md, and data rows per sheet equal to what
# load_demo(0.05, 7) inserted for that entity plus the planted duplicated and
# invalid rows the workbook carries.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}" "${PRODPLAN_ROOT:?}"
export PGUSER=${PGUSER:-postgres}
PYTHON=${PYTHON:-/usr/bin/python3}
scratch=${PRODPLAN_SCRATCH:-$(mktemp -d)}
db=pp_workbook_openpyxl
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases "$db"
q() { psql -qX -d "$db" -v ON_ERROR_STOP=1 -At "$@"; }

# The workbook travels as base64 text: psql has no binary output mode.
q -c "SELECT encode(prodplan.demo_workbook(0.05, 7), 'base64')" | base64 -d > "$scratch/demo_0.05_7.xlsx"
q -c "
  WITH j AS (SELECT prodplan.load_demo(0.05, 7) AS j),
  m(sheet, tbl) AS (VALUES ('OrdensFabrico', 'production_order'), ('FasesOrdemFabrico', 'operation'),
      ('FuncionariosFaseOrdemFabrico', 'operation_assignment'), ('OrdemFabricoErros', 'defect'),
      ('Funcionarios', 'employee'), ('FuncionariosFasesAptos', 'employee_skill'), ('Fases', 'work_center'),
      ('Modelos', 'product'), ('FasesStandardModelos', 'routing_step'))
  SELECT jsonb_object_agg(sheet, (j -> 'rows' ->> tbl)::bigint
                                 + (j -> 'workbook_duplicates' ->> sheet)::bigint
                                 + (j -> 'workbook_invalid' ->> sheet)::bigint)
  FROM m, j" > "$scratch/expected_0.05_7.json"
echo "expected rows per sheet: $(cat "$scratch/expected_0.05_7.json")"
echo "workbook: $(stat -c %s "$scratch/demo_0.05_7.xlsx") bytes"
"$PYTHON" "$PRODPLAN_ROOT/tests/integration/check_workbook.py" "$scratch/demo_0.05_7.xlsx" "$scratch/expected_0.05_7.json"
