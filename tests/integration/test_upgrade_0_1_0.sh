#!/usr/bin/env bash
# An installation of 0.1.0 with data updates to the current version: data
# kept, new objects documented, the update path equals a fresh install.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases --bare pp_upgrade_old pp_upgrade_new
q() { local d=$1; shift; psql -qX -d "$d" -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
q pp_upgrade_old -c "CREATE EXTENSION prodplan VERSION '0.1.0'"
q pp_upgrade_old -c "SELECT prodplan.load_demo(0.005, 9)" >/dev/null
before=$(q pp_upgrade_old -c "SELECT string_agg(table_name || ':' || checksum, ' ' ORDER BY 1) FROM prodplan.content_checksum('DEMO')")
# A copy of every table's rows, to compare after the update.
q pp_upgrade_old -c "CREATE SCHEMA pp_snap"
for t in $(q pp_upgrade_old -c "SELECT table_name FROM prodplan.content_checksum('DEMO')"); do
  q pp_upgrade_old -c "CREATE TABLE pp_snap.$t AS SELECT * FROM prodplan.$t"
done
q pp_upgrade_old -c "ALTER EXTENSION prodplan UPDATE"
version=$(q pp_upgrade_old -c "SELECT extversion FROM pg_extension WHERE extname = 'prodplan'")
lib=$(q pp_upgrade_old -c "SELECT prodplan.version()")
[ "$version" = "$lib" ] && echo "ok: updated to $version" || { echo "FAIL: extension $version, library $lib"; fail=1; }
after=$(q pp_upgrade_old -c "SELECT string_agg(table_name || ':' || checksum, ' ' ORDER BY 1) FROM prodplan.content_checksum('DEMO')")
# Every row there before is there after, column for column (an update may add
# tables and columns with defaults; the checksums of such tables differ only
# by the new columns, so the rows are compared on the old ones).
changed=""
for pair in $before; do
  case " $after " in *" $pair "*) continue ;; esac
  t=${pair%%:*}
  cols=$(q pp_upgrade_old -c "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'pp_snap.$t'::regclass AND attnum > 0 AND NOT attisdropped")
  diff=$(q pp_upgrade_old -c "SELECT count(*) FROM ((SELECT $cols FROM prodplan.$t EXCEPT ALL SELECT * FROM pp_snap.$t) UNION ALL (SELECT * FROM pp_snap.$t EXCEPT ALL SELECT $cols FROM prodplan.$t)) d")
  [ "$diff" = 0 ] || changed="$changed $t"
done
[ -z "$changed" ] && echo "ok: data unchanged by the update" || { echo "FAIL: data changed by the update:$changed"; fail=1; }
# The progress of every order, counted from the operations already loaded
# when the update (0.13.0) created it.
progress=$(q pp_upgrade_old -c "WITH recount AS (
    SELECT op.plant_id, op.order_id, count(*) AS operations, count(op.ended_at) AS operations_done,
           min(op.started_at) AS first_started_at, max(op.ended_at) AS last_ended_at,
           max(op.sequence) FILTER (WHERE op.ended_at IS NOT NULL) AS last_done_sequence,
           min(op.event_time) AS first_event_at, max(op.event_time) AS last_event_at
    FROM prodplan.operation op GROUP BY op.plant_id, op.order_id)
  SELECT (SELECT count(*) FROM recount) || ' ' ||
         ((SELECT count(*) FROM (TABLE prodplan.order_progress EXCEPT ALL TABLE recount) x)
          + (SELECT count(*) FROM (TABLE recount EXCEPT ALL TABLE prodplan.order_progress) x))")
case $progress in
  "0 "*) echo "FAIL: no operations before the update"; fail=1 ;;
  *" 0") echo "ok: order_progress filled from the ${progress% *} orders with operations" ;;
  *) echo "FAIL: order_progress after the update differs from a recount: $progress"; fail=1 ;;
esac
# Each order's defects, counted from the defects already loaded when the
# update (0.21.0) created order_defects.
defects=$(q pp_upgrade_old -c "WITH recount AS (
    SELECT d.plant_id, d.order_id, count(*)::integer AS defects, max(d.severity) AS worst_severity,
           min(d.detected_at) AS first_detected_at, max(d.detected_at) AS last_detected_at
    FROM prodplan.defect d GROUP BY d.plant_id, d.order_id)
  SELECT (SELECT count(*) FROM recount) || ' ' ||
         ((SELECT count(*) FROM (TABLE prodplan.order_defects EXCEPT ALL TABLE recount) x)
          + (SELECT count(*) FROM (TABLE recount EXCEPT ALL TABLE prodplan.order_defects) x))")
case $defects in
  "0 "*) echo "FAIL: no defects before the update"; fail=1 ;;
  *" 0") echo "ok: order_defects filled from the ${defects% *} orders with defects" ;;
  *) echo "FAIL: order_defects after the update differs from a recount: $defects"; fail=1 ;;
esac
q pp_upgrade_new -c "CREATE EXTENSION prodplan"
objects="SELECT string_agg(x, ' ' ORDER BY x) FROM (
  SELECT c.relname || '/' || c.relkind::text AS x FROM pg_class c WHERE c.relnamespace = 'prodplan'::regnamespace AND NOT c.relispartition
  UNION ALL SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'prodplan'::regnamespace
  UNION ALL SELECT 'undocumented:' || c.relname FROM pg_class c WHERE c.relnamespace = 'prodplan'::regnamespace
     AND c.relkind IN ('r','p','v') AND obj_description(c.oid, 'pg_class') IS NULL
  UNION ALL SELECT 'undocumented:' || p.proname FROM pg_proc p WHERE p.pronamespace = 'prodplan'::regnamespace
     AND obj_description(p.oid, 'pg_proc') IS NULL) o"
o=$(q pp_upgrade_old -c "$objects")
n=$(q pp_upgrade_new -c "$objects")
if [ "$o" = "$n" ]; then echo "ok: updated objects = fresh install objects"; else
  echo "FAIL: updated and fresh installs differ:"; diff <(tr ' ' '\n' <<<"$o") <(tr ' ' '\n' <<<"$n") || true; fail=1; fi
case $o in *undocumented:*) echo "FAIL: undocumented objects after update"; fail=1;; esac
rows=$(q pp_upgrade_old -c "SELECT prodplan.load_demo(0.005, 9) -> 'rows' ->> 'operation'")
[ "$rows" -gt 0 ] && echo "ok: load_demo through ingestion works after the update ($rows operations)" || fail=1
exit $fail
