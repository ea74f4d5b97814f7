# shellcheck shell=bash
# Fresh databases for integration tests and benchmarks (source this file).
#   pp_fresh_databases [--bare] DB...   drops and creates each DB, runs CREATE EXTENSION
#                                       prodplan in it unless --bare, and drops them all
#                                       again when the script exits.
#   pp_wait_true SECONDS CMD...          runs CMD (a psql -At call printing one value) every
#                                       0.1 s until it prints t; errors (recovery) count as no.
#   pp_aggregates_differ CMD...          with CMD a psql -At call on the database: the rows in
#                                       which agg_operation_day and agg_quality_work_center_day
#                                       differ from a full recompute (in a rolled back transaction).
PP_TEST_DATABASES=()

pp_drop_test_databases() {
  local d
  for d in "${PP_TEST_DATABASES[@]}"; do
    psql -qX -d postgres -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true
  done
}

pp_fresh_databases() {
  local extension=1 d
  if [ "${1:-}" = --bare ]; then extension=0; shift; fi
  trap pp_drop_test_databases EXIT
  for d in "$@"; do
    PP_TEST_DATABASES+=("$d")
    psql -qX -d postgres -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true
    psql -qX -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $d" >/dev/null
    if [ $extension = 1 ]; then psql -qX -v ON_ERROR_STOP=1 -d "$d" -c "CREATE EXTENSION prodplan" >/dev/null; fi
  done
}

pp_wait_true() {
  local seconds=$1 i
  shift
  for i in $(seq 1 $((seconds * 10))); do
    [ "$("$@" 2>/dev/null || true)" = t ] && return 0
    sleep 0.1
  done
  return 1
}

pp_aggregates_differ() {
  "$@" -c "BEGIN" -c "CREATE TEMP TABLE o AS SELECT * FROM prodplan.agg_operation_day" \
    -c "CREATE TEMP TABLE w AS SELECT * FROM prodplan.agg_quality_work_center_day" \
    -c "SELECT prodplan.agg_recompute_operation_day(NULL, '-infinity', NULL),
               prodplan.agg_recompute_quality_order_day(NULL, ARRAY['-infinity'::date], ARRAY[NULL::date])" \
    -c "SELECT (SELECT count(*) FROM ((TABLE o EXCEPT ALL TABLE prodplan.agg_operation_day)
                                      UNION ALL (TABLE prodplan.agg_operation_day EXCEPT ALL TABLE o)) x)
             + (SELECT count(*) FROM ((TABLE w EXCEPT ALL TABLE prodplan.agg_quality_work_center_day)
                                      UNION ALL (TABLE prodplan.agg_quality_work_center_day EXCEPT ALL TABLE w)) x)" \
    -c "ROLLBACK" | tail -n 1
}
