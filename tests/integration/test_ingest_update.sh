#!/usr/bin/env bash
# A second workbook into a plant that already has data (the merge compares
# staged rows with stored ones first, then updates and inserts the rest):
# afterwards every row of the second workbook is stored exactly as a first
# load of it into an empty plant stores it, and the counts reconcile. Also a
# forced re-run at a size where every big sheet arrives in several parts.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_update
q() { psql -qX -d pp_update -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
export PGOPTIONS="${PGOPTIONS:-} -c prodplan.ingest_chunk_size=64kB -c client_min_messages=warning"
q -c "CREATE TABLE wb AS SELECT prodplan.demo_workbook(0.05, 42) AS a, prodplan.demo_workbook(0.05, 43) AS b"
# U: seed 42, then seed 43 on top. F: seed 43 into an empty plant.
q -c "SELECT count(*) FROM prodplan.ingest_workbook((SELECT a FROM wb), 'prodplan', '{\"plant\": \"U\"}')" >/dev/null
counts=$(q -c "SELECT sum(inserted) || ' ' || sum(updated) || ' ' || sum(unchanged) FROM prodplan.ingest_workbook((SELECT b FROM wb), 'prodplan', '{\"plant\": \"U\"}')")
q -c "SELECT count(*) FROM prodplan.ingest_workbook((SELECT b FROM wb), 'prodplan', '{\"plant\": \"F\"}')" >/dev/null
read -r ins upd unch <<<"$counts"
if [ "$upd" -gt 0 ] && [ "$unch" -gt 0 ] && [ "$ins" -gt 0 ]; then
  echo "ok: second workbook: $ins inserted, $upd updated, $unch unchanged"
else
  echo "FAIL: second workbook: inserted/updated/unchanged = $counts, expected all three > 0"; fail=1
fi
for t in work_center product routing_step employee employee_skill production_order operation operation_assignment defect; do
  cols=$(q -c "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'prodplan.$t'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'plant_id'")
  missing=$(q -c "SELECT count(*) FROM (SELECT $cols FROM prodplan.$t WHERE plant_id = 'F' EXCEPT ALL SELECT $cols FROM prodplan.$t WHERE plant_id = 'U') x")
  total=$(q -c "SELECT count(*) FROM prodplan.$t WHERE plant_id = 'F'")
  if [ "$missing" = 0 ]; then
    echo "ok: $t: all $total rows of the second workbook stored as a first load stores them"
  else
    echo "FAIL: $t: $missing of $total rows of the second workbook differ after the update"; fail=1
  fi
done
bad=$(q -c "SELECT count(*) FROM prodplan.ingest_runs WHERE status = 'succeeded' AND rows_read <> inserted + updated + unchanged + quarantined + duplicates")
[ "$bad" = 0 ] && echo "ok: every run reconciles" || { echo "FAIL: $bad runs do not reconcile"; fail=1; }
# Forced re-run of the second workbook: all unchanged, nothing rewritten.
before=$(q -c "SELECT md5(string_agg(ctid::text || xmin::text, ',' ORDER BY tableoid, ctid)) FROM prodplan.operation WHERE plant_id = 'U'")
again=$(q -c "SELECT sum(inserted) || ' ' || sum(updated) FROM prodplan.ingest_workbook((SELECT b FROM wb), 'prodplan', '{\"plant\": \"U\", \"force\": true}')")
after=$(q -c "SELECT md5(string_agg(ctid::text || xmin::text, ',' ORDER BY tableoid, ctid)) FROM prodplan.operation WHERE plant_id = 'U'")
if [ "$again" = "0 0" ] && [ "$before" = "$after" ]; then
  echo "ok: forced re-run: nothing inserted or updated, no operation row rewritten"
else
  echo "FAIL: forced re-run: inserted/updated = $again, rows rewritten: $([ "$before" = "$after" ] && echo no || echo yes)"; fail=1
fi
exit $fail
