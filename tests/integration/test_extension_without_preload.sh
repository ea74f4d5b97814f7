#!/usr/bin/env bash
# On a server WITHOUT shared_preload_libraries, CREATE EXTENSION prodplan and
# DROP EXTENSION prodplan both work (twice, so nothing is left behind that
# breaks a re-install), every relation and function is documented, and the
# SQL functions work.
set -euo pipefail
: "${PRODPLAN_HARNESS:?}"
# shellcheck source=/dev/null
source "$PRODPLAN_HARNESS/lib.sh"

pp_temp_cluster_start --no-preload
dir=$PP_CLUSTER_DIR
trap 'pp_temp_cluster_stop "$dir"' EXIT
q() { pp_cluster_psql "$dir" -qAt -v ON_ERROR_STOP=1 "$@"; }

preload=$(q -c "SHOW shared_preload_libraries")
if [ -n "$preload" ]; then echo "FAIL: cluster has shared_preload_libraries = '$preload'"; exit 1; fi
echo "ok: server runs without preload"

q -c "CREATE DATABASE pp_noload"
for round in 1 2; do
  q -d pp_noload -c "CREATE EXTENSION prodplan"
  undocumented=$(q -d pp_noload -c "
    SELECT count(*) FROM pg_class c
    WHERE c.relnamespace = 'prodplan'::regnamespace AND c.relkind IN ('r','p','v','m')
      AND obj_description(c.oid, 'pg_class') IS NULL" )
  undocumented_fn=$(q -d pp_noload -c "
    SELECT count(*) FROM pg_proc p
    WHERE p.pronamespace = 'prodplan'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL")
  if [ "$undocumented" != 0 ] || [ "$undocumented_fn" != 0 ]; then
    echo "FAIL: round $round: $undocumented relations and $undocumented_fn functions without COMMENT"; exit 1
  fi
  rows=$(q -d pp_noload -c "SELECT (prodplan.load_demo(0.002, 7) -> 'rows' ->> 'operation')::int > 0")
  [ "$rows" = t ] || { echo "FAIL: round $round: load_demo loaded no operations"; exit 1; }
  q -d pp_noload -c "DROP EXTENSION prodplan"
  # The schema itself outlives DROP EXTENSION (PostgreSQL does not make an
  # auto-created schema a member); nothing may be left inside it.
  left=$(q -d pp_noload -c "
    SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'prodplan')
         + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'prodplan')")
  [ "$left" = 0 ] || { echo "FAIL: round $round: $left objects left in schema prodplan after DROP EXTENSION"; exit 1; }
  echo "ok: round $round: CREATE EXTENSION, documented objects, load_demo, DROP EXTENSION"
done
