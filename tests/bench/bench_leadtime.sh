#!/usr/bin/env bash
# Lead-time inference on load_demo(BENCH_SCALE) (default 1: 27k orders), one
# run, one temporal split for everyone: prodplan.train_leadtime (wall time,
# and its test metrics next to the history fallback's), the same data set
# (prodplan.leadtime_dataset) given to scikit-learn's
# HistGradientBoostingRegressor and Ridge (tests/bench/leadtime_peers.py,
# run with Debian's /usr/bin/python3), then the prediction speeds: the
# batch over every order, and single predict_leadtime calls after the
# first. Targets (issue 9): MAE at least 30% below the fallback and at most
# 5% above HistGradientBoosting, P90 coverage 0.85-0.95, training under
# 30 s, batch >= 100,000 orders/s, a single call under 1 ms.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
scale=${BENCH_SCALE:-1}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../integration/db_helpers.sh
source "$here/../integration/db_helpers.sh"
pp_fresh_databases pp_bench_leadtime
q() { psql -qX -d pp_bench_leadtime -v ON_ERROR_STOP=1 -At "$@"; }
now_ms() { date +%s%3N; }

q -c "SELECT prodplan.load_demo($scale, 42, 'direct') IS NOT NULL" -c "ANALYZE" >/dev/null
echo "load_demo($scale, 42): $(q -c "SELECT count(*) FROM prodplan.production_order") orders"
t0=$(now_ms)
id=$(q -c "SELECT prodplan.train_leadtime('{\"seed\": 1}')")
t1=$(now_ms)
train_ms=$((t1 - t0))
q -c "SELECT format('train_leadtime: %s ms wall (read %s s, features %s s, fit %s s); %s train / %s validation / %s test orders; algorithm %s (%s trees, ridge lambda %s)',
                    $train_ms, round((metrics->>'seconds_read')::numeric, 2), round((metrics->>'seconds_features')::numeric, 2),
                    round((metrics->>'seconds_fit')::numeric, 2), metrics->>'train_orders', metrics->>'validation_orders',
                    metrics->>'test_orders', metrics->>'algorithm', metrics->>'boosting_iterations',
                    round((metrics->>'ridge_lambda')::numeric, 3)) FROM prodplan.models WHERE model_id = $id"

csv=$(mktemp /tmp/pp_leadtime_XXXXXX.csv)
trap 'rm -f "$csv"' EXIT
q -c "\copy (SELECT * FROM prodplan.leadtime_dataset('{\"seed\": 1}')) TO '$csv' CSV HEADER"
peers=""
if /usr/bin/python3 -c "import sklearn" 2>/dev/null; then
  peers=$(/usr/bin/python3 "$here/leadtime_peers.py" "$csv")
else
  echo "peers skipped: /usr/bin/python3 has no scikit-learn (Debian package python3-sklearn)"
fi

echo
echo "test set, the same orders for all (MAE and MAPE of P50; coverage of P90):"
q -F ' ' -c "SELECT format('  %-22s MAE %8s h  MAPE %6s  P90 coverage %s', who, round((m->>'mae_hours')::numeric, 1),
                          round((m->>'mape')::numeric, 3), coalesce(round((m->>'p90_coverage')::numeric, 3)::text, '-'))
             FROM prodplan.models x, LATERAL (VALUES ('prodplan model', x.metrics->'test'->'model'),
                                                     ('history fallback', x.metrics->'test'->'fallback')) v(who, m)
             WHERE x.model_id = $id"
ours=$(q -c "SELECT metrics->'test'->'model'->>'mae_hours' FROM prodplan.models WHERE model_id = $id")
fallback=$(q -c "SELECT metrics->'test'->'fallback'->>'mae_hours' FROM prodplan.models WHERE model_id = $id")
cover=$(q -c "SELECT metrics->'test'->'model'->>'p90_coverage' FROM prodplan.models WHERE model_id = $id")
best_hgb=""
while read -r _ name _ mae _ mape _ cov _ secs; do
  [ -n "${name:-}" ] || continue
  printf '  %-22s MAE %8.1f h  MAPE %6.3f  P90 coverage %s  (%s s)\n' "sklearn $name" "$mae" "$mape" "$cov" "$secs"
  case $name in hgb_*) if [ -z "$best_hgb" ] || awk -v a="$mae" -v b="$best_hgb" 'BEGIN{exit !(a < b)}'; then best_hgb=$mae; fi ;; esac
done <<< "$peers"

echo
awk -v o="$ours" -v f="$fallback" 'BEGIN{printf "MAE vs history fallback: %.3f (target <= 0.70)\n", o / f}'
[ -n "$best_hgb" ] && awk -v o="$ours" -v h="$best_hgb" 'BEGIN{printf "MAE vs the better HistGradientBoosting: %.3f (target <= 1.05)\n", o / h}'
awk -v c="$cover" 'BEGIN{printf "P90 coverage: %.3f (target 0.85 to 0.95)\n", c}'
echo "training: $train_ms ms (target 30,000)"

# Batch: every order of the plant through the engine, after one warm-up
# call has built this session's cache.
out=$(q -c "SELECT count(*) FROM prodplan.predict_leadtime_open()" \
        -c "SELECT clock_timestamp()" \
        -c "SELECT count(*) FROM prodplan.leadtime_predict('DEMO', (SELECT array_agg(order_id) FROM prodplan.production_order), NULL, NULL, NULL)" \
        -c "SELECT clock_timestamp()")
n=$(sed -n 3p <<< "$out")
q -c "SELECT format('batch: %s orders in %s ms: %s orders per second (target 100,000)', $n,
                    round(extract(epoch FROM (timestamptz '$(sed -n 4p <<< "$out")' - timestamptz '$(sed -n 2p <<< "$out")')) * 1000, 1),
                    round($n / extract(epoch FROM (timestamptz '$(sed -n 4p <<< "$out")' - timestamptz '$(sed -n 2p <<< "$out")'))))"

# Single calls: 2,000 separate statements on one connection after a warm-up.
order=$(q -c "SELECT min(order_id) FROM prodplan.production_order WHERE finished_at IS NULL")
script=$(mktemp /tmp/pp_leadtime_XXXXXX.sql)
{
  echo "SELECT * FROM prodplan.predict_leadtime('$order');"
  echo "SELECT clock_timestamp() AS t0 \\gset"
  for _ in $(seq 2000); do echo "SELECT * FROM prodplan.predict_leadtime('$order');"; done
  echo "SELECT format('single predict_leadtime: %s ms per call over 2,000 calls, client round trip included (target 1 ms)', round((extract(epoch FROM clock_timestamp() - :'t0') * 1000 / 2000)::numeric, 3));"
} > "$script"
psql -qX -d pp_bench_leadtime -v ON_ERROR_STOP=1 -At -f "$script" | tail -1
rm -f "$script"
