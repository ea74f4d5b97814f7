#!/usr/bin/env bash
# prodplan.bottlenecks() over all of load_demo(BENCH_SCALE) (default 1:
# 518k operations, 29k setups and downtimes, five years): the median of
# BENCH_REPEAT (3) calls, and of its engine prodplan.bottleneck_shares()
# alone (reading the intervals, the active periods, the shifting-bottleneck
# sweep over the window and week by week). The peer in the same run is a
# plain SQL utilisation query over the same operations (busy hours per work
# center), the least any bottleneck report must read. Target: under 2 s.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
scale=${BENCH_SCALE:-1}
repeat=${BENCH_REPEAT:-3}
# shellcheck source=../integration/db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/db_helpers.sh"
pp_fresh_databases pp_bench_bottlenecks
q() { psql -qX -d pp_bench_bottlenecks -v ON_ERROR_STOP=1 -At "$@"; }
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

q -c "SELECT prodplan.load_demo($scale, 42, 'direct') IS NOT NULL" -c "ANALYZE" >/dev/null
echo "load_demo($scale, 42): $(q -c "SELECT count(*) FROM prodplan.operation") operations"
w="'2000-01-01', '2100-01-01'"
time_it() {  # sql -> median ms
  local i t0 t1
  for i in $(seq "$repeat"); do
    t0=$(now_ms); q -c "$1" >/dev/null; t1=$(now_ms); echo $((t1 - t0))
  done | median
}
full=$(time_it "SELECT count(*) FROM prodplan.bottlenecks($w)")
engine=$(time_it "SELECT count(*) FROM prodplan.bottleneck_shares('DEMO', (SELECT min(started_at) FROM prodplan.operation), (SELECT max(greatest(started_at, ended_at)) FROM prodplan.operation), NULL, 'saturated')")
peer=$(time_it "SET jit = off; SELECT work_center_id, sum(extract(epoch FROM coalesce(ended_at, now()) - started_at)) / 3600 FROM prodplan.operation WHERE started_at IS NOT NULL GROUP BY 1")
printf 'bottlenecks() over all history:      %6d ms (target 2000)\n' "$full"
printf '  its engine bottleneck_shares():    %6d ms\n' "$engine"
printf 'peer: plain SQL busy hours per work center: %d ms; ratio bottlenecks / peer %.1f\n' "$peer" "$(awk -v a="$full" -v b="$peer" 'BEGIN{print a / b}')"
q -c "SELECT format('top: %s %s (bottleneck share %s, confidence %s, utilisation %s)', work_center_id, name, round(bottleneck_share::numeric, 3),
                    round(confidence::numeric, 2), round(utilisation::numeric, 3)) FROM prodplan.bottlenecks($w) WHERE rank = 1"
