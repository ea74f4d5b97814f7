#!/usr/bin/env bash
# prodplan.kpis() under load: pgbench with 8 clients (BENCH_CLIENTS) for
# BENCH_SECONDS (default 20) on load_demo(BENCH_SCALE) (default 1), once
# overall and once by work center, over the last 90 days of the demo's data.
# Prints each call's latency percentiles from pgbench's per-transaction log
# (identical calls are served from prodplan.result_cache after the first;
# the first call's uncached computation time is printed at the end).
# Target: p95 under 20 ms (the reference system's target was 300 ms).
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
scale=${BENCH_SCALE:-1}
clients=${BENCH_CLIENTS:-8}
seconds=${BENCH_SECONDS:-20}
pgbench=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
[ -x "$pgbench" ] || pgbench=$(command -v pgbench || true)
[ -n "$pgbench" ] || { echo "bench_kpis: skipped (no pgbench)"; exit 0; }
work=$(mktemp -d "${TMPDIR:-/tmp}/pp_kpis.XXXXXX")
trap 'rm -rf "$work"' EXIT
# shellcheck source=../integration/db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/db_helpers.sh"
pp_fresh_databases pp_bench_kpis
q() { psql -qX -d pp_bench_kpis -v ON_ERROR_STOP=1 -At "$@"; }

q -c "SELECT prodplan.load_demo($scale, 42) IS NOT NULL" >/dev/null
q -c "SELECT count(*) FROM prodplan.refresh_aggregates()" -c "SELECT prodplan.store_standard_times('DEMO')" -c "ANALYZE" >/dev/null
to=$(q -c "SELECT max(day) + 1 FROM prodplan.agg_operation_day WHERE plant_id = 'DEMO' AND completed > 0")
echo "load_demo($scale, 42), aggregates refreshed; range: 90 days to $to; $clients clients, $seconds s each"
printf '%-14s %8s %8s %8s %8s %8s %10s\n' by calls p50_ms p95_ms p99_ms max_ms calls/s
for by in overall work_center; do
  echo "SELECT count(*) FROM prodplan.kpis(timestamptz '$to' - interval '90 days', timestamptz '$to', '$by');" > "$work/$by.sql"
  (cd "$work" && "$pgbench" -n -c "$clients" -j 2 -T "$seconds" -f "$work/$by.sql" -l --log-prefix="$work/log_$by" pp_bench_kpis >/dev/null 2>&1)
  cat "$work"/log_"$by".* | awk '{print $3 / 1000.0}' | sort -n > "$work/lat_$by"
  n=$(wc -l < "$work/lat_$by")
  pct() { awk -v n="$n" -v p="$1" 'NR == int(n * p + 0.999999) {printf "%.1f", $1; exit}' "$work/lat_$by"; }
  printf '%-14s %8s %8s %8s %8s %8s %10s\n' "$by" "$n" "$(pct 0.5)" "$(pct 0.95)" "$(pct 0.99)" "$(tail -1 "$work/lat_$by" | awk '{printf "%.1f", $1}')" \
    "$(awk -v n="$n" -v s="$seconds" 'BEGIN{printf "%.0f", n / s}')"
done
# What a miss costs: the computation each cached result took (its first call).
q -c "SELECT 'uncached computation (first call): ' || string_agg(split_part(arguments, '|', 3) || ' ' || round((compute_seconds * 1000)::numeric, 1) || ' ms', ', ' ORDER BY arguments) FROM prodplan.result_cache WHERE function_name = 'kpis'"
