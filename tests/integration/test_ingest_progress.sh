#!/usr/bin/env bash
# While a run is going, another session sees it in prodplan.ingest_progress
# (shared memory, the cluster preloads prodplan).
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
db=pp_progress
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases "$db"
q() { psql -qX -d "$db" -v ON_ERROR_STOP=1 -At "$@"; }
q -c "CREATE TABLE wb AS SELECT prodplan.demo_workbook(0.3, 5) AS b"
q -c "SELECT count(*) FROM prodplan.ingest_workbook((SELECT b FROM wb), 'prodplan', '{\"plant\": \"PG\"}')" >/dev/null &
loader=$!
seen=""
for _ in $(seq 1 400); do
  row=$(q -c "SELECT run_id || ' ' || coalesce(sheet, '-') || ' ' || rows_done || ' ' || round(elapsed_seconds::numeric, 1) FROM prodplan.ingest_progress LIMIT 1")
  if [ -n "$row" ]; then seen="$seen
$row"; fi
  kill -0 $loader 2>/dev/null || break
  sleep 0.05
done
wait $loader
head -n 12 <<<"progress seen from another session (run sheet rows_done elapsed):$seen"
[ -n "$seen" ] || { echo "FAIL: the run never showed in prodplan.ingest_progress"; exit 1; }
left=$(q -c "SELECT count(*) FROM prodplan.ingest_progress")
[ "$left" = 0 ] || { echo "FAIL: the finished run still shows in ingest_progress"; exit 1; }
echo "ok: progress visible while running, gone after"
