#!/usr/bin/env bash
# A workbook written by python3-openpyxl with the reference headers in another
# column order, with dates as text and as serials, ingests to the same contents
# as the rows it was written from.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}" "${PRODPLAN_ROOT:?}" "${PRODPLAN_SCRATCH:?}"
export PGUSER=${PGUSER:-postgres}
PYTHON=${PYTHON:-/usr/bin/python3}
"$PYTHON" -c 'import openpyxl' 2>/dev/null || { echo "skipped: $PYTHON has no openpyxl"; exit 77; }
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_openpyxl_src pp_openpyxl_dst
q() { local d=$1; shift; psql -qX -d "$d" -v ON_ERROR_STOP=1 -At "$@"; }
q pp_openpyxl_src -c "SELECT prodplan.load_demo(0.01, 11, via => 'direct')" >/dev/null

csvdir=$PRODPLAN_SCRATCH/csv
mkdir -p "$csvdir"
export_sheet() {  # sheet select
  q pp_openpyxl_src -c "SET TimeZone = 'UTC'" -c "COPY ($2) TO STDOUT WITH (FORMAT csv, HEADER)" > "$csvdir/$1.csv"
}
ts() { echo "to_char($1, 'YYYY-MM-DD HH24:MI:SS')"; }
export_sheet OrdensFabrico "SELECT order_id AS \"Of_Id\", $(ts created_at) AS \"Of_DataCriacao\", $(ts finished_at) AS \"Of_DataAcabamento\", product_id AS \"Of_ProdutoId\", current_work_center_id AS \"Of_FaseId\", $(ts due_at) AS \"Of_DataTransporte\" FROM prodplan.production_order WHERE plant_id = 'DEMO'"
export_sheet FasesOrdemFabrico "SELECT operation_id AS \"FaseOf_Id\", order_id AS \"FaseOf_OfId\", $(ts started_at) AS \"FaseOf_Inicio\", $(ts ended_at) AS \"FaseOf_Fim\", $(ts planned_at) AS \"FaseOf_DataPrevista\", coefficient AS \"FaseOf_Coeficiente\", coefficient_x AS \"FaseOf_CoeficienteX\", work_center_id AS \"FaseOf_FaseId\", weight_kg AS \"FaseOf_Peso\", is_rework::int AS \"FaseOf_Retorno\", shift AS \"FaseOf_Turno\", sequence AS \"FaseOf_Sequencia\" FROM prodplan.operation WHERE plant_id = 'DEMO'"
export_sheet FuncionariosFaseOrdemFabrico "SELECT operation_id AS \"FuncionarioFaseOf_FaseOfId\", employee_id AS \"FuncionarioFaseOf_FuncionarioId\", is_lead::int AS \"FuncionarioFaseOf_Chefe\" FROM prodplan.operation_assignment WHERE plant_id = 'DEMO'"
export_sheet OrdemFabricoErros "SELECT description AS \"Erro_Descricao\", order_id AS \"Erro_OfId\", evaluation_work_center_id AS \"Erro_FaseAvaliacao\", severity AS \"OFCH_GRAVIDADE\", evaluation_operation_id AS \"Erro_FaseOfAvaliacao\", culprit_operation_id AS \"Erro_FaseOfCulpada\" FROM prodplan.defect WHERE plant_id = 'DEMO'"
export_sheet FuncionariosFasesAptos "SELECT employee_id AS \"FuncionarioFase_FuncionarioId\", work_center_id AS \"FuncionarioFase_FaseId\", $(ts qualified_since) AS \"FuncionarioFase_Inicio\" FROM prodplan.employee_skill WHERE plant_id = 'DEMO'"
export_sheet FasesStandardModelos "SELECT product_id AS \"ProdutoFase_ProdutoId\", work_center_id AS \"ProdutoFase_FaseId\", sequence AS \"ProdutoFase_Sequencia\", coefficient AS \"ProdutoFase_Coeficiente\", coefficient_x AS \"ProdutoFase_CoeficienteX\" FROM prodplan.routing_step WHERE plant_id = 'DEMO'"

"$PYTHON" "$PRODPLAN_ROOT/tests/integration/write_workbook_openpyxl.py" "$csvdir" "$PRODPLAN_SCRATCH/openpyxl.xlsx"
chmod a+r "$PRODPLAN_SCRATCH/openpyxl.xlsx"
q pp_openpyxl_dst -c "SELECT sheet || ': ' || rows_read || ' read, ' || inserted || ' inserted, ' || quarantined || ' quarantined' FROM prodplan.ingest_file('$PRODPLAN_SCRATCH/openpyxl.xlsx', 'prodplan', '{\"plant\": \"DEMO\"}') ORDER BY sheet"

tables="'production_order','operation','operation_assignment','defect','employee_skill','routing_step'"
sums="SELECT table_name || ' ' || row_count || ' ' || checksum FROM prodplan.content_checksum('DEMO') WHERE table_name IN ($tables) ORDER BY 1"
a=$(q pp_openpyxl_src -c "$sums")
b=$(q pp_openpyxl_dst -c "$sums")
if [ "$a" = "$b" ]; then echo "ok: the openpyxl workbook ingests to the same contents:"; echo "$a"; exit 0; fi
echo "FAIL: contents differ (source, then ingested):"; diff <(echo "$a") <(echo "$b") || true
exit 1
