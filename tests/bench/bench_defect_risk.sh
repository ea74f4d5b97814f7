#!/usr/bin/env bash
# Defect-risk training and scoring on load_demo(BENCH_SCALE) (default 1:
# 518k operations): wall time of prodplan.train_defect_risk() (read, fit and
# test, store), split into reading and training as the model records it,
# the test metrics of the model next to the historical-rate fallback's, the
# learned drivers, and the latency of prodplan.defect_risk() for 200 orders
# with the model and with the fallback. Target: training under 10 s at
# scale 1.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
scale=${BENCH_SCALE:-1}
# shellcheck source=../integration/db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/db_helpers.sh"
pp_fresh_databases pp_bench_defect_risk
q() { psql -qX -d pp_bench_defect_risk -v ON_ERROR_STOP=1 -At "$@"; }
now_ms() { date +%s%3N; }

q -c "SELECT prodplan.load_demo($scale, 42, 'direct') IS NOT NULL" -c "ANALYZE" >/dev/null
q -c "SELECT count(*) FROM prodplan.refresh_aggregates()" >/dev/null
echo "load_demo($scale, 42): $(q -c "SELECT count(*) FROM prodplan.operation") operations, $(q -c "SELECT count(*) FROM prodplan.defect") defects"
for round in 1 2 3; do
  t0=$(now_ms)
  id=$(q -c "SELECT prodplan.train_defect_risk()")
  t1=$(now_ms)
  q -c "SELECT format('train_defect_risk round $round: %s ms wall (read %s s, train and test %s s, %s training operations, %s Newton steps)',
                      $((t1 - t0)), round((metrics->>'seconds_read')::numeric, 2), round((metrics->>'seconds_train')::numeric, 2),
                      train_rows, metrics->>'iterations') FROM prodplan.models WHERE model_id = $id"
done
echo
echo "test metrics (model vs historical-rate fallback):"
q -F ' ' -c "SELECT format('  %-10s %-8s PR-AUC %s  ROC-AUC %s  Brier %s  recall@10%% %s  calibration error %s  (rows %s, base rate %s)',
                  level, who, round((m->>'pr_auc')::numeric, 4), round((m->>'roc_auc')::numeric, 4), round((m->>'brier')::numeric, 4),
                  round((m->>'recall_at_alert')::numeric, 4), round((m->>'calibration_error')::numeric, 4), m->>'rows',
                  round((m->>'base_rate')::numeric, 3))
             FROM prodplan.models x, LATERAL (VALUES ('operations', 'model', x.metrics->'operations'->'model'),
                                                     ('operations', 'fallback', x.metrics->'operations'->'fallback'),
                                                     ('orders', 'model', x.metrics->'orders'->'model'),
                                                     ('orders', 'fallback', x.metrics->'orders'->'fallback')) v(level, who, m)
             WHERE x.model_id = $id"
echo
echo "drivers (odds ratios vs the baseline level; numeric: per standard deviation):"
q -c "SELECT format('  %-22s %-16s %s', term, CASE WHEN baseline THEN level || ' (baseline)' ELSE level END, round(odds_ratio::numeric, 3))
      FROM prodplan.model_terms WHERE model_id = $id AND term IN ('crew_tenure', 'shift', 'log_weight_kg', 'product_rate_logit', 'work_center_rate_logit', 'rework')
      ORDER BY term, odds_ratio DESC"
echo
orders=$(q -c "SELECT string_agg(quote_literal(order_id), ',') FROM (SELECT order_id FROM prodplan.production_order ORDER BY created_at DESC LIMIT 200) o")
for mode in model fallback; do
  opt='{}'; [ $mode = fallback ] && opt='{"fallback": true}'
  q -c "SELECT count(*) FROM prodplan.defect_risk((ARRAY[$orders])[1], '$opt')" >/dev/null
  t0=$(now_ms)
  q -c "SELECT count(*) FROM unnest(ARRAY[$orders]) o, LATERAL prodplan.defect_risk(o, '$opt')" >/dev/null
  t1=$(now_ms)
  echo "defect_risk ($mode): 200 orders in $((t1 - t0)) ms ($(awk -v t=$((t1 - t0)) 'BEGIN{printf "%.1f", t / 200}') ms per order)"
done
