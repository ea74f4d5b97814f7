#!/usr/bin/env bash
# The integration-test contract itself (tests/integration/README.md): the environment is there,
# the server is reachable, preloads prodplan, runs as an unprivileged user when the harness is
# root, shares PRODPLAN_SCRATCH with the harness user, lib.sh can start and stop an extra
# cluster without preload, and its GoogleTest shard runner counts right.
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

# pp_gtest_shards (make test's sanitized unit tests: two GoogleTest shards at once) counts over
# both shards, names failed tests, and names the test a dead shard left running. A fake
# GoogleTest binary plays each case by its shard index.
fake=$PRODPLAN_SCRATCH/fake_gtest
cat >"$fake" <<'EOF_FAKE'
#!/usr/bin/env bash
run() { echo "[ RUN      ] $1"; echo "[       OK ] $1 (1 ms)"; }
if [ "$GTEST_SHARD_INDEX" = 0 ]; then
  run A.one; run A.two
  echo "[ RUN      ] A.three"; echo "[  SKIPPED ] A.three (0 ms)"
  echo "[==========] 3 tests from 1 test suite ran. (2 ms total)"; echo "[  PASSED  ] 2 tests."
  echo "[  SKIPPED ] 1 test, listed below:"; echo "[  SKIPPED ] A.three"
  exit 0
fi
run B.one
case $FAKE_CASE in
  pass) echo "[==========] 1 test from 1 test suite ran. (1 ms total)"; echo "[  PASSED  ] 1 test."; exit 0 ;;
  fail) echo "[ RUN      ] B.two"; echo "x.cpp:1: Failure"; echo "[  FAILED  ] B.two (1 ms)"
        echo "[==========] 2 tests from 1 test suite ran. (2 ms total)"; echo "[  PASSED  ] 1 test."
        echo "[  FAILED  ] 1 test, listed below:"; echo "[  FAILED  ] B.two"; exit 1 ;;
  die) echo "[ RUN      ] B.crash"; echo "==1==ERROR: AddressSanitizer: heap-use-after-free"; exit 1 ;;
esac
EOF_FAKE
chmod +x "$fake"
rc=0; FAKE_CASE=pass pp_gtest_shards "$fake" "$PRODPLAN_SCRATCH/gtest.out" || rc=$?
[ "$rc/$PP_UNIT_PASSED/$PP_UNIT_FAILED/$PP_UNIT_SKIPPED/$PP_GTEST_DIED" = "0/3/0/1/" ] ||
  fail "pp_gtest_shards, both shards pass: rc/passed/failed/skipped/died $rc/$PP_UNIT_PASSED/$PP_UNIT_FAILED/$PP_UNIT_SKIPPED/$PP_GTEST_DIED"
rc=0; FAKE_CASE=fail pp_gtest_shards "$fake" "$PRODPLAN_SCRATCH/gtest.out" || rc=$?
[ "$rc/$PP_UNIT_PASSED/$PP_UNIT_FAILED/$PP_UNIT_FAILED_NAMES/$PP_GTEST_DIED" = "1/3/1/B.two/" ] ||
  fail "pp_gtest_shards, a failed test: rc/passed/failed/names/died $rc/$PP_UNIT_PASSED/$PP_UNIT_FAILED/$PP_UNIT_FAILED_NAMES/$PP_GTEST_DIED"
rc=0; FAKE_CASE=die pp_gtest_shards "$fake" "$PRODPLAN_SCRATCH/gtest.out" || rc=$?
[ "$rc/$PP_GTEST_DIED" = "1/B.crash" ] || fail "pp_gtest_shards, a shard dies: rc/died $rc/$PP_GTEST_DIED"
grep -q 'AddressSanitizer' "$PRODPLAN_SCRATCH/gtest.out" || fail "pp_gtest_shards lost a shard's output"
echo "gtest shards: ok (counts over both shards, a failed test named, a dead shard's test named)"

q -c "DROP DATABASE $db"
echo "harness selfcheck: ok"
