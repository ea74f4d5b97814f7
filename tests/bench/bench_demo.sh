#!/usr/bin/env bash
# Benchmark: load_demo(SCALE) wall time and backend peak memory, demo_workbook(SCALE)
# time, file size and peak memory. Targets on a 2-core machine at scale 1:
# load_demo < 60 s, demo_workbook < 30 s, each < 1 GB peak backend memory.
# Run by `make bench` (which sets PGHOST/PGPORT against a throwaway cluster);
# BENCH_SCALE overrides the scale (default 1).
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
scale=${BENCH_SCALE:-1}
db=pp_bench_demo
# shellcheck source=../integration/db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/db_helpers.sh"
pp_fresh_databases "$db"

# Peak resident memory of the backend that ran the call (VmHWM of /proc/PID/status,
# which includes the shared buffers it touched), read from the same session.
measure() {  # label sql
  local label=$1 sql=$2
  psql -qX -d "$db" -v ON_ERROR_STOP=1 -At <<SQL
CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
CREATE TEMP TABLE r AS SELECT ($sql) AS v;
SELECT format('%-28s %s s   peak backend memory %s   %s', '$label',
              round(extract(epoch FROM clock_timestamp() - (SELECT t FROM t0)), 1),
              (SELECT regexp_replace(l, '\s+', ' ', 'g') FROM regexp_split_to_table(pg_read_file('/proc/' || pg_backend_pid() || '/status'), E'\n') l WHERE l LIKE 'VmHWM%'),
              (SELECT v FROM r));
SQL
}
measure "load_demo($scale, 42)" \
  "(SELECT sum(value::bigint) || ' rows loaded' FROM jsonb_each_text(prodplan.load_demo($scale, 42) -> 'rows'))"
measure "demo_workbook($scale, 42)" \
  "pg_size_pretty(length(prodplan.demo_workbook($scale, 42))::bigint) || ' xlsx'"
