# shellcheck shell=bash
# Fresh databases for integration tests and benchmarks (source this file).
#   pp_fresh_databases [--bare] DB...   drops and creates each DB, runs CREATE EXTENSION
#                                       prodplan in it unless --bare, and drops them all
#                                       again when the script exits.
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
