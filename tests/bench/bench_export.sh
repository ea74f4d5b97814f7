#!/usr/bin/env bash
# Excel reports: prodplan.export_xlsx('plan') for a plan of about
# BENCH_EXPORT_OPS (default 50000) operations (load_demo(BENCH_SCALE, default
# 1) plus open orders of its products, planned by the first rule), timed in
# a fresh session with its backend's peak memory; then the other reports on
# the demo. Target (issue 10): the plan report under 5 s and 200 MB of
# backend memory.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
scale=${BENCH_SCALE:-1}
ops=${BENCH_EXPORT_OPS:-50000}
# shellcheck source=../integration/db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/db_helpers.sh"
pp_fresh_databases pp_bench_export
q() { psql -qX -d pp_bench_export -v ON_ERROR_STOP=1 -At -F' ' "$@"; }
now_ms() { date +%s%3N; }
q -c "SELECT prodplan.load_demo($scale, 42, 'direct')" >/dev/null
start=$(q -c "SELECT date_trunc('minute', now())")
q -c "INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at, due_at, priority)
      SELECT 'DEMO', 'BENCH-' || g, p.product_id, timestamptz '$start' - interval '2 days' + (g % 500) * interval '1 minute',
             timestamptz '$start' + interval '10 days' + (g % 900) * interval '1 hour', 1 + g % 3
      FROM (SELECT avg(n) AS steps FROM (SELECT count(*) n FROM prodplan.routing_step WHERE plant_id = 'DEMO' GROUP BY product_id) s) r,
           generate_series(1, greatest(0, ceil(($ops - (SELECT count(*) FROM prodplan.operation o JOIN prodplan.production_order po
             USING (plant_id, order_id) WHERE po.finished_at IS NULL)) / r.steps))::int) g,
           LATERAL (SELECT product_id FROM prodplan.product WHERE plant_id = 'DEMO' ORDER BY md5(product_id || g) LIMIT 1) p" >/dev/null
q -c "ANALYZE" >/dev/null
plan=$(q -c "SELECT prodplan.plan('{\"start\": \"$start\", \"time_limit_ms\": 0, \"rule\": \"edd\"}')")
nops=$(q -c "SELECT count(*) FROM prodplan.planned_operations WHERE plan_id = $plan")
norders=$(q -c "SELECT count(DISTINCT order_id) FROM prodplan.planned_operations WHERE plan_id = $plan")
echo "plan $plan: $nops planned operations of $norders orders"

out=$(mktemp /tmp/pp_export_XXXXXX)
trap 'rm -f "$out" "$out".*' EXIT
for round in 1 2; do
  t0=$(now_ms)
  read -r bytes peak <<<"$(q -c "SELECT octet_length(prodplan.export_xlsx('plan', '{\"plan_id\": $plan}'))" \
    -c "SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+)'))[1]::bigint / 1024" | tr '\n' ' ')"
  t1=$(now_ms)
  base=$(q -c "SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+)'))[1]::bigint / 1024")
  echo "export_xlsx('plan') round $round: $((t1 - t0)) ms wall (session start included), $bytes bytes; backend peak $peak MB (an idle session's: $base MB) (target 5,000 ms, 200 MB)"
done
for r in kpis quality inventory template; do
  t0=$(now_ms)
  bytes=$(q -c "SELECT octet_length(prodplan.export_xlsx('$r'))")
  t1=$(now_ms)
  echo "export_xlsx('$r'): $((t1 - t0)) ms, $bytes bytes"
done
