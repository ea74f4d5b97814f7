#!/usr/bin/env bash
# The integration-test contract itself (tests/integration/README.md): the environment is there,
# the server is reachable, preloads prodplan, runs as an unprivileged user when the harness is
# root, shares PRODPLAN_SCRATCH with the harness user, and lib.sh can start and stop an extra
# cluster without preload.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
q() { psql -X -v ON_ERROR_STOP=1 -Atq "$@"; }

for v in PGHOST PGPORT PGUSER PGDATABASE PRODPLAN_ROOT PRODPLAN_SHARED PYTHON PRODPLAN_SCRATCH PRODPLAN_HARNESS; do
  [ -n "${!v:-}" ] || fail "$v is not set"
done
[ "$PGUSER" = postgres ] || fail "PGUSER is $PGUSER"
[ "$PWD" = "$PRODPLAN_ROOT" ] || fail "not run from the repo root ($PWD)"
[ -f "$PRODPLAN_ROOT/prodplan.control" ] || fail "PRODPLAN_ROOT=$PRODPLAN_ROOT is not the repo root"
[ -f "$PRODPLAN_HARNESS/lib.sh" ] || fail "no lib.sh in PRODPLAN_HARNESS=$PRODPLAN_HARNESS"
"$PYTHON" -c 'import openpyxl' || fail "$PYTHON cannot import openpyxl"
if [ ! -d "$PRODPLAN_SCRATCH" ] || [ -n "$(ls -A "$PRODPLAN_SCRATCH")" ]; then
  fail "PRODPLAN_SCRATCH is not a fresh empty directory"
fi
echo "environment: ok (PGHOST=$PGHOST PGPORT=$PGPORT)"

# Connected as the superuser postgres, to a PostgreSQL 15 server.
[ "$(q -c 'SELECT current_user')" = postgres ] || fail "current_user is not postgres"
[ "$(q -c 'SHOW server_version_num')" -ge 150000 ] || fail "not PostgreSQL 15"
[ "$(q -c 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')" = t ] || fail "postgres is not a superuser"
q -c 'SHOW shared_preload_libraries' | tr ',' '\n' | tr -d ' "' | grep -qx prodplan ||
  fail "shared_preload_libraries does not contain prodplan"
[ -z "$(q -c 'SHOW listen_addresses')" ] || fail "the test server listens on TCP"
echo "server: ok (PostgreSQL $(q -c 'SHOW server_version'), preloads prodplan, no TCP)"

# The OS user of the server process: never root; root's harness runs it as PRODPLAN_SERVER_USER.
# (The postmaster's PID is the first line of postmaster.pid; a backend exits with its psql.)
datadir=$(q -c 'SHOW data_directory')
pid=$(head -n 1 "$datadir/postmaster.pid")
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
[ -n "$uid" ] || fail "cannot read the owner of the postmaster (pid $pid)"
[ "$uid" != 0 ] || fail "the server runs as root"
if [ "$(id -u)" -eq 0 ]; then
  [ "$uid" = "$(id -u "${PRODPLAN_SERVER_USER:-postgres}")" ] || fail "server uid $uid is not ${PRODPLAN_SERVER_USER:-postgres}"
else
  [ "$uid" = "$(id -u)" ] || fail "server uid $uid is not the harness user's $(id -u)"
fi
echo "server user: ok (uid $uid, harness uid $(id -u))"

# Own database; the scratch directory works both ways.
db=test_harness_selfcheck
trap 'psql -X -q -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
echo 'written by the harness user' >"$PRODPLAN_SCRATCH/from_harness.txt"
[ "$(q -d "$db" -c "SELECT pg_read_file('$PRODPLAN_SCRATCH/from_harness.txt')")" = 'written by the harness user' ] ||
  fail "the server cannot read a file the harness wrote in PRODPLAN_SCRATCH"
q -d "$db" -c "COPY (SELECT 'written by the server') TO '$PRODPLAN_SCRATCH/from_server.txt'"
[ "$(cat "$PRODPLAN_SCRATCH/from_server.txt")" = 'written by the server' ] ||
  fail "the harness cannot read a file the server wrote in PRODPLAN_SCRATCH"
echo "scratch: ok ($PRODPLAN_SCRATCH)"

# An extra cluster without preload, started and stopped through lib.sh.
# shellcheck source=tests/harness/lib.sh
source "$PRODPLAN_HARNESS/lib.sh"
pp_temp_cluster_start --no-preload || fail "pp_temp_cluster_start --no-preload failed"
extra=$PP_CLUSTER_DIR
trap 'pp_temp_cluster_stop "$extra" || true; psql -X -q -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
[ "$PP_PORT" != "$PGPORT" ] || fail "the extra cluster got the main cluster's port $PGPORT"
[ -z "$(pp_cluster_psql "$extra" -Atqc 'SHOW shared_preload_libraries')" ] || fail "the extra cluster preloads something"
[ "$(psql -X -h "$PP_SOCKDIR" -p "$PP_PORT" -U postgres -d postgres -Atqc 'SELECT 1')" = 1 ] || fail "cannot reach the extra cluster"
pp_temp_cluster_stop "$extra"
[ ! -e "$extra" ] || fail "pp_temp_cluster_stop left $extra behind"
[ "$(q -c 'SELECT 1')" = 1 ] || fail "the main cluster is gone after stopping the extra one"
echo "extra cluster: ok (port $PP_PORT, no preload, stopped and deleted)"

q -c "DROP DATABASE $db"
echo "harness selfcheck: ok"
