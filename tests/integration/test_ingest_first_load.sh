#!/usr/bin/env bash
# A plant's first load COPYs the rows that need nothing else straight into the
# canonical tables, derives times from the run's own orders and operations and
# counts reference matches while staging (src/core/ingest/direct_split.h). This
# test ingests one workbook full of the cases where that could go wrong twice,
# with the direct path (the default) and without it (every row staged and
# derived in SQL, prodplan.ingest_direct_copy = off), in small parts so keys
# come again in later parts, and requires the same tables, the same
# quarantine and the same reported counts and match rates.
# Cases: operations without dates (their order's creation), without dates and
# with an unknown order (quarantined in SQL), NULL flags with a default,
# assignments naming quarantined, dated and unknown operations, defects whose
# evaluation operation is dated, undated, quarantined or unknown, and keys
# repeated at the end of a sheet with other values. Products and employees are
# not in the workbook: a first load of them is empty, and their references are
# counted as unmatched while staging as SQL would count them.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}" "${PRODPLAN_ROOT:?}" "${PRODPLAN_SCRATCH:?}"
export PGUSER=${PGUSER:-postgres}
PYTHON=${PYTHON:-/usr/bin/python3}
"$PYTHON" -c 'import openpyxl' 2>/dev/null || { echo "skipped: $PYTHON has no openpyxl"; exit 77; }
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_first_src pp_first_direct pp_first_staged
q() { local d=$1; shift; psql -qX -d "$d" -v ON_ERROR_STOP=1 -At "$@"; }
q pp_first_src -c "SELECT prodplan.load_demo(0.02, 5, via => 'direct')" >/dev/null

csvdir=$PRODPLAN_SCRATCH/first_load_csv
rm -rf "$csvdir"
mkdir -p "$csvdir"
export_sheet() {  # sheet select
  q pp_first_src -c "SET TimeZone = 'UTC'" -c "COPY ($2) TO STDOUT WITH (FORMAT csv, HEADER)" > "$csvdir/$1.csv"
}
ts() { echo "to_char($1, 'YYYY-MM-DD HH24:MI:SS')"; }
# Classes of operations by a hash of their id: 0 undated, 1 undated with an
# unknown order; is_rework NULL for another slice.
cls="(abs(hashtext(operation_id)) % 23)"
export_sheet OrdensFabrico "SELECT order_id AS \"Of_Id\", $(ts created_at) AS \"Of_DataCriacao\", $(ts finished_at) AS \"Of_DataAcabamento\", product_id AS \"Of_ProdutoId\", current_work_center_id AS \"Of_FaseId\", $(ts due_at) AS \"Of_DataTransporte\" FROM prodplan.production_order WHERE plant_id = 'DEMO'"
export_sheet FasesOrdemFabrico "SELECT \"FaseOf_Id\", \"FaseOf_OfId\", \"FaseOf_Inicio\", \"FaseOf_Fim\", \"FaseOf_DataPrevista\", \"FaseOf_Coeficiente\", \"FaseOf_CoeficienteX\", \"FaseOf_FaseId\", \"FaseOf_Peso\", \"FaseOf_Retorno\", \"FaseOf_Turno\", \"FaseOf_Sequencia\" FROM (
  SELECT 0 AS grp, operation_id AS \"FaseOf_Id\", CASE WHEN $cls = 1 THEN 'NO-SUCH-ORDER' ELSE order_id END AS \"FaseOf_OfId\",
    CASE WHEN $cls > 1 THEN $(ts started_at) END AS \"FaseOf_Inicio\", CASE WHEN $cls > 1 THEN $(ts ended_at) END AS \"FaseOf_Fim\",
    CASE WHEN $cls > 1 THEN $(ts planned_at) END AS \"FaseOf_DataPrevista\", coefficient AS \"FaseOf_Coeficiente\", coefficient_x AS \"FaseOf_CoeficienteX\",
    work_center_id AS \"FaseOf_FaseId\", weight_kg AS \"FaseOf_Peso\", CASE WHEN $cls <> 2 THEN is_rework::int END AS \"FaseOf_Retorno\", shift AS \"FaseOf_Turno\", sequence AS \"FaseOf_Sequencia\"
  FROM prodplan.operation WHERE plant_id = 'DEMO'
  UNION ALL  -- keys again at the end: dated ones undated, undated ones dated, another weight
  SELECT 1, operation_id, order_id, CASE WHEN $cls <= 1 THEN $(ts started_at) END, CASE WHEN $cls <= 1 THEN $(ts ended_at) END, NULL,
    coefficient, coefficient_x, work_center_id, weight_kg + 1, is_rework::int, shift, sequence
  FROM prodplan.operation WHERE plant_id = 'DEMO' AND abs(hashtext(operation_id)) % 97 IN (0, 1)) x
  ORDER BY grp, \"FaseOf_Id\""
export_sheet FuncionariosFaseOrdemFabrico "SELECT operation_id AS \"FuncionarioFaseOf_FaseOfId\", employee_id AS \"FuncionarioFaseOf_FuncionarioId\", CASE WHEN abs(hashtext(employee_id)) % 5 <> 0 THEN is_lead::int END AS \"FuncionarioFaseOf_Chefe\" FROM prodplan.operation_assignment WHERE plant_id = 'DEMO'
  UNION ALL SELECT 'NO-SUCH-OPERATION-' || g, '1', 0 FROM generate_series(1, 5) g"
export_sheet OrdemFabricoErros "SELECT description AS \"Erro_Descricao\", order_id AS \"Erro_OfId\", evaluation_work_center_id AS \"Erro_FaseAvaliacao\", severity AS \"OFCH_GRAVIDADE\", CASE WHEN abs(hashtext(description || order_id)) % 11 = 0 THEN 'NO-SUCH-OPERATION' ELSE evaluation_operation_id END AS \"Erro_FaseOfAvaliacao\", culprit_operation_id AS \"Erro_FaseOfCulpada\" FROM prodplan.defect WHERE plant_id = 'DEMO'
  UNION ALL SELECT 'orphan', 'NO-SUCH-ORDER', '10', 1, 'NO-SUCH-OPERATION', NULL"
export_sheet FasesStandardModelos "SELECT product_id AS \"ProdutoFase_ProdutoId\", work_center_id AS \"ProdutoFase_FaseId\", sequence AS \"ProdutoFase_Sequencia\", coefficient AS \"ProdutoFase_Coeficiente\", coefficient_x AS \"ProdutoFase_CoeficienteX\" FROM prodplan.routing_step WHERE plant_id = 'DEMO'"

wb=$PRODPLAN_SCRATCH/first_load.xlsx
"$PYTHON" "$PRODPLAN_ROOT/tests/integration/write_workbook_openpyxl.py" "$csvdir" "$wb"
chmod a+r "$wb"

fail=0
ingest() {  # db direct(on|off)
  q "$1" -c "SET prodplan.ingest_direct_copy = $2" -c "SET prodplan.ingest_chunk_size = '64kB'" \
    -c "SELECT sheet, rows_read, inserted, updated, unchanged, quarantined FROM prodplan.ingest_file('$wb', 'prodplan', '{\"plant\": \"DEMO\"}') ORDER BY sheet"
}
a=$(ingest pp_first_direct on)
b=$(ingest pp_first_staged off)
echo "$a"
if [ "$a" != "$b" ]; then echo "FAIL: counts differ (direct, then staged):"; diff <(echo "$a") <(echo "$b") || true; fail=1; fi

same() {  # what sql
  local x y
  x=$(q pp_first_direct -c "$2")
  y=$(q pp_first_staged -c "$2")
  if [ "$x" = "$y" ]; then echo "ok: same $1"; else echo "FAIL: $1 differs (direct, then staged):"; diff <(echo "$x") <(echo "$y") | head -20 || true; fail=1; fi
}
same "tables" "SELECT table_name || ' ' || row_count || ' ' || checksum FROM prodplan.content_checksum('DEMO') ORDER BY 1"
same "quarantine" "SELECT sheet || ' ' || row_number || ' ' || coalesce(column_name, '-') || ' ' || reason_code || ' ' || md5(reason_detail || raw_row::text) FROM prodplan.ingest_quarantine ORDER BY sheet, row_number"
same "match rates" "SELECT s.key || ' ' || (s.value->'references')::text FROM prodplan.ingest_runs r, jsonb_each(r.report->'sheets') s ORDER BY 1"
same "duplicates" "SELECT s.key || ' ' || (s.value->>'duplicates') FROM prodplan.ingest_runs r, jsonb_each(r.report->'sheets') s ORDER BY 1"

# The cases happened, and the direct path was taken.
check() {  # what sql expected [db]
  local got
  got=$(q "${4:-pp_first_direct}" -c "$2")
  if [ "$got" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: got '$got', expected '$3'"; fail=1; fi
}
check "operations quarantined without a time" "SELECT count(*) > 0 FROM prodplan.ingest_quarantine WHERE sheet = 'FasesOrdemFabrico' AND reason_code = 'no_event_time'" t
check "operations timed by their order's creation" "SELECT count(*) > 0 FROM prodplan.operation o JOIN prodplan.production_order p USING (plant_id, order_id) WHERE o.started_at IS NULL AND o.ended_at IS NULL AND o.planned_at IS NULL AND o.event_time = p.created_at" t
check "keys repeated in later parts" "SELECT (report->'sheets'->'FasesOrdemFabrico'->>'superseded_in_chunks')::int > 0 FROM prodplan.ingest_runs" t
check "assignments to unknown or quarantined operations" "SELECT (report->'sheets'->'FuncionariosFaseOrdemFabrico'->'references'->'operation_id -> operation'->>'match_rate')::float8 < 1 FROM prodplan.ingest_runs" t
check "defects without an operation or order quarantined" "SELECT count(*) > 0 FROM prodplan.ingest_quarantine WHERE sheet = 'OrdemFabricoErros' AND reason_code = 'no_event_time'" t
check "direct COPY used for operations, assignments and defects" "SELECT count(*) FROM prodplan.ingest_runs r, jsonb_each(r.report->'sheets') s WHERE s.key IN ('FasesOrdemFabrico', 'FuncionariosFaseOrdemFabrico', 'OrdemFabricoErros') AND s.value->'merge_seconds' ? 'direct_copy'" 3
check "match rates counted while staging" "SELECT string_agg(s.key || '=' || (s.value->>'references_counted_in_memory'), ' ' ORDER BY s.key) FROM prodplan.ingest_runs r, jsonb_each(r.report->'sheets') s WHERE s.key IN ('FasesOrdemFabrico', 'FuncionariosFaseOrdemFabrico', 'OrdemFabricoErros', 'OrdensFabrico')" "FasesOrdemFabrico=1 FuncionariosFaseOrdemFabrico=2 OrdemFabricoErros=1 OrdensFabrico=1"
check "nothing counted while staging without the direct path" "SELECT sum((s.value->>'references_counted_in_memory')::int + (s.value->>'direct_rows')::int) FROM prodplan.ingest_runs r, jsonb_each(r.report->'sheets') s" 0 pp_first_staged
# A forced re-run changes nothing: its match rates, counted from the stored
# rows it compared with, are the first run's; the defects' (compared in SQL)
# are counted by SQL.
q pp_first_direct -c "SELECT count(*) FROM prodplan.ingest_file('$wb', 'prodplan', '{\"plant\": \"DEMO\", \"force\": true}')" >/dev/null
rates="SELECT s.key || ' ' || (s.value->'references')::text FROM prodplan.ingest_runs r, jsonb_each(r.report->'sheets') s WHERE r.run_id = (SELECT %s(run_id) FROM prodplan.ingest_runs) ORDER BY 1"
# shellcheck disable=SC2059
first=$(q pp_first_direct -c "$(printf "$rates" min)")
# shellcheck disable=SC2059
again=$(q pp_first_direct -c "$(printf "$rates" max)")
if [ "$first" = "$again" ]; then echo "ok: a forced re-run reports the first run's match rates"; else
  echo "FAIL: match rates differ (first run, forced re-run):"; diff <(echo "$first") <(echo "$again") || true; fail=1; fi
check "forced re-run: match rates counted from the stored rows" "SELECT string_agg(s.key || '=' || (s.value->>'references_counted_in_memory'), ' ' ORDER BY s.key) FROM prodplan.ingest_runs r, jsonb_each(r.report->'sheets') s WHERE r.run_id = (SELECT max(run_id) FROM prodplan.ingest_runs) AND s.key IN ('FasesOrdemFabrico', 'FuncionariosFaseOrdemFabrico', 'OrdemFabricoErros', 'OrdensFabrico')" "FasesOrdemFabrico=1 FuncionariosFaseOrdemFabrico=1 OrdemFabricoErros=0 OrdensFabrico=0"
exit $fail
