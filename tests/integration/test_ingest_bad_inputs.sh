#!/usr/bin/env bash
# Every malformed or hostile workbook gets a clear ERROR (or quarantine for
# row-level faults), never a crash or a hang; after each failure the tables are
# as they were and the failed run is recorded.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}" "${PRODPLAN_ROOT:?}" "${PRODPLAN_SCRATCH:?}"
export PGUSER=${PGUSER:-postgres}
PYTHON=${PYTHON:-/usr/bin/python3}
dir=$PRODPLAN_SCRATCH
db=pp_bad_inputs
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases "$db"
q() { psql -qX -d "$db" -v ON_ERROR_STOP=1 -At "$@"; }
q -c "SELECT encode(prodplan.demo_workbook(0.002, 3), 'base64')" | base64 -d > "$dir/good.xlsx"
q -c "SELECT count(*) FROM prodplan.ingest_file('$dir/good.xlsx', 'prodplan', '{\"plant\": \"BAD\"}')" >/dev/null
"$PYTHON" "$PRODPLAN_ROOT/tests/integration/make_bad_workbooks.py" "$dir/good.xlsx" "$dir"
chmod a+r "$dir"/*.xlsx

sums() { q -c "SELECT string_agg(table_name || ':' || checksum, ' ' ORDER BY table_name) FROM prodplan.content_checksum('BAD')"; }
before=$(sums)
fail=0

# case  expected outcome (error:<regex> | ok)
while read -r name expect; do
  [ -n "$name" ] || continue
  start=$(date +%s)
  # A case name "file@setting=value" runs file with that setting.
  opts=""
  case $name in *@*) opts="-c ${name#*@}"; name=${name%@*};; esac
  out=$(PGOPTIONS="$opts" timeout 120 psql -qX -d "$db" -At -c \
        "SELECT sum(rows_read), sum(quarantined) FROM prodplan.ingest_file('$dir/$name', 'prodplan', '{\"plant\": \"BAD\", \"force\": true}')" 2>&1) && rc=0 || rc=$?
  secs=$(( $(date +%s) - start ))
  msg=$(printf '%s' "$out" | grep -m1 -E 'ERROR' || true)
  case $expect in
    error:*)
      pattern=${expect#error:}
      if [ $rc -ne 0 ] && grep -qiE "$pattern" <<<"$msg"; then
        echo "ok: $name -> $msg (${secs}s)"
      else
        echo "FAIL: $name: expected an ERROR matching /$pattern/, got rc=$rc: $out"; fail=1
      fi
      now=$(sums)
      if [ "$now" != "$before" ]; then echo "FAIL: $name changed the tables"; fail=1; fi
      ;;
    ok*)
      if [ $rc -eq 0 ]; then echo "ok: $name ingested: rows_read|quarantined = $out (${secs}s)"
      else echo "FAIL: $name: expected success, got: $out"; fail=1; fi
      before=$(sums)
      ;;
  esac
done <<'CASES'
not_a_zip.xlsx      error:not an xlsx workbook
truncated.xlsx      error:not an xlsx workbook
zip_bomb.xlsx       error:ratio|uncompressed
dtd_entities.xlsx   error:DTD|DOCTYPE|entit
missing_sheet.xlsx  error:missing|not found|no part
no_header.xlsx      error:no header row
too_wide_row.xlsx   error:column
bad_utf8.xlsx       error:UTF-8|utf8|encoding|invalid token
wrong_types.xlsx    ok
wide_row.xlsx       ok
max_rows.xlsx       ok
max_rows.xlsx@prodplan.xlsx_max_uncompressed_mb=1   error:uncompressed
CASES

failed_runs=$(q -c "SELECT count(*) FROM prodplan.ingest_runs WHERE plant_id = 'BAD' AND status = 'failed' AND error <> ''")
if [ "$failed_runs" -lt 9 ]; then echo "FAIL: only $failed_runs failed runs recorded (expected 9)"; fail=1
else echo "ok: $failed_runs failed runs recorded with their error"; fi
reasons=$(q -c "SELECT string_agg(DISTINCT reason_code, ',') FROM prodplan.ingest_quarantine q JOIN prodplan.ingest_runs r USING (run_id) WHERE r.plant_id = 'BAD' AND q.sheet = 'Fases'")
echo "quarantine reasons for the Fases cases: $reasons"
case $reasons in *bad_*) ;; *) echo "FAIL: wrong_types.xlsx quarantined nothing on Fases"; fail=1;; esac
exit $fail
