#!/usr/bin/env bash
# make demo: deps, build + install, start (or reuse) this checkout's persistent demo cluster
# (preloaded, fsync on), create the database prodplan_demo if missing, CREATE EXTENSION IF NOT
# EXISTS prodplan, SELECT prodplan.load_demo() as of today (idempotent on a day), print tests/harness/demo_summary.sql
# and how to connect. The cluster lives in .prodplan/ of the checkout, or in
# /var/tmp/prodplan-demo-<hash of the checkout path> when the server user cannot reach the
# checkout; it keeps its port across runs. `make stop` stops it.
set -euo pipefail
# shellcheck source=tests/harness/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
pp_clean_make_env
cd "$PP_ROOT"

DB=prodplan_demo

pp_step "dependencies"
pp_deps
pp_step "build and install prodplan.so"
pp_build
pp_step "demo cluster"
pp_demo_start
DIR=$PP_DEMO_DIR PORT=$PP_DEMO_PORT
pp_say "demo: cluster in $DIR, port $PORT (log: $DIR/server.log)"

dpsql() { PSQLRC=/dev/null "$PP_PGBIN/psql" -X -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres "$@"; }

if [ "$(dpsql -d postgres -Atqc "SELECT count(*) FROM pg_database WHERE datname = '$DB'")" = 0 ]; then
  pp_say "demo: creating database $DB"
  dpsql -d postgres -qc "CREATE DATABASE $DB"
fi
dpsql -d "$DB" -q <<'EOF'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS prodplan;
EOF
# A newer default_version with an update script: move the demo database to it (best effort).
if ! dpsql -d "$DB" -q -c "SET client_min_messages = warning" -c "ALTER EXTENSION prodplan UPDATE" >/dev/null 2>"$PP_LOGDIR/demo-update.log"; then
  pp_say "demo: note: ALTER EXTENSION prodplan UPDATE failed ($(head -n 1 "$PP_LOGDIR/demo-update.log"));" \
    "to start over: psql -h $DIR -p $PORT -U postgres -c 'DROP DATABASE $DB' postgres && make demo"
fi

# As of today (UTC midnight), so the plan from now() below starts where the factory's data ends;
# load_demo's default is a fixed day, the same rows on every day (tests compare them).
pp_step "loading the demo factory as of today: SELECT prodplan.load_demo(as_of => date_trunc('day', now(), 'UTC'))"
t=$SECONDS
dpsql -d "$DB" -At -c "SELECT jsonb_pretty(to_jsonb(prodplan.load_demo(as_of => date_trunc('day', now(), 'UTC'))))"
pp_say "(load_demo took $((SECONDS - t)) s)"

rc=0
if [ -f "$PP_HARNESS_DIR/demo_summary.sql" ]; then
  dpsql -d "$DB" -P pager=off -f "$PP_HARNESS_DIR/demo_summary.sql" || rc=$?
  [ "$rc" -eq 0 ] || pp_err "tests/harness/demo_summary.sql failed (exit status $rc)"
fi

# The plan as a workbook a newcomer can open: demo-plan.xlsx in the checkout.
if [ "$rc" -eq 0 ]; then
  if dpsql -d "$DB" -Atq -c "SELECT encode(prodplan.export_xlsx('plan'), 'base64')" | base64 -d > "$PP_ROOT/demo-plan.xlsx.part" \
     && [ -s "$PP_ROOT/demo-plan.xlsx.part" ]; then
    mv "$PP_ROOT/demo-plan.xlsx.part" "$PP_ROOT/demo-plan.xlsx"
    pp_say "demo: wrote demo-plan.xlsx ($(stat -c %s "$PP_ROOT/demo-plan.xlsx") bytes): the current plan's orders, operations, Gantt and KPIs"
  else
    rm -f "$PP_ROOT/demo-plan.xlsx.part"
    pp_err "demo: could not write demo-plan.xlsx"
    rc=1
  fi
fi

cat <<EOF

The demo factory is loaded in database $DB.
  workbook: $PP_ROOT/demo-plan.xlsx (prodplan.export_xlsx('plan'); also kpis, quality, inventory, template)
  connect:  psql -h $DIR -p $PORT -U postgres $DB
  cluster:  $DIR (data: $DIR/data, log: $DIR/server.log), server user $(pp_server_user)
  stop it:  make stop   ('make demo' again restarts and reuses it, same port)
EOF
exit "$rc"
