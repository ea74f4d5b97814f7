#!/usr/bin/env bash
# Incremental refresh vs REFRESH MATERIALIZED VIEW on load_demo(BENCH_SCALE)
# (default 1): 1% new operations are appended (today's work on orders in
# progress: half at a work center the order has already visited, half at
# another one, most of those a first visit; in the second series 1 in 100 of
# them is a late one backfilled into an old month), then
# prodplan.refresh_aggregates() and, as the peer, REFRESH of materialized
# views with the same definitions as every aggregate the refresh maintains:
# agg_operation_day, agg_order_day, agg_defect_day (issue 5's three) and the
# quality aggregates agg_quality_order_day + agg_quality_work_center_day and
# agg_defect_cell_day + agg_defect_cell_order (issue 7's). Target: the
# refresh at least 50x faster than the peer. The results are checked equal.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
scale=${BENCH_SCALE:-1}
reps=${BENCH_REPS:-3}
# shellcheck source=../integration/db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/db_helpers.sh"
pp_fresh_databases pp_bench_agg
q() { psql -qX -d pp_bench_agg -v ON_ERROR_STOP=1 -At "$@"; }
ms() { q -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1; }

q -c "SELECT prodplan.load_demo($scale, 42) IS NOT NULL" >/dev/null
q -c "ANALYZE" >/dev/null
full_ms=$(ms "SELECT count(*) FROM prodplan.refresh_aggregates()")
# The same definitions as prodplan.agg_recompute_*_day over all data.
q -c "CREATE MATERIALIZED VIEW mv_operation_day AS
SELECT o.plant_id, o.work_center_id, coalesce(po.product_id, '') AS product_id, (o.event_time AT TIME ZONE 'UTC')::date AS day,
       count(*) AS operations, count(*) FILTER (WHERE o.ended_at IS NOT NULL) AS completed,
       count(*) FILTER (WHERE o.is_rework) AS rework, count(*) FILTER (WHERE o.ended_at IS NULL) AS open,
       count(*) FILTER (WHERE o.duration_minutes > 0) AS duration_n,
       sum(o.duration_minutes) FILTER (WHERE o.duration_minutes > 0) AS duration_sum,
       sum(o.duration_minutes * o.duration_minutes) FILTER (WHERE o.duration_minutes > 0) AS duration_sumsq,
       min(o.duration_minutes) FILTER (WHERE o.duration_minutes > 0) AS duration_min,
       max(o.duration_minutes) FILTER (WHERE o.duration_minutes > 0) AS duration_max,
       prodplan.sketch_agg(o.duration_minutes) FILTER (WHERE o.duration_minutes > 0) AS duration_sketch
FROM prodplan.operation o
LEFT JOIN prodplan.production_order po ON po.plant_id = o.plant_id AND po.order_id = o.order_id
GROUP BY 1, 2, 3, 4"
q -c "CREATE MATERIALIZED VIEW mv_order_day AS
SELECT o.plant_id, o.product_id, (o.created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS orders, count(o.finished_at) AS finished,
       count(*) FILTER (WHERE o.finished_at IS NOT NULL AND o.due_at IS NOT NULL) AS with_due,
       count(*) FILTER (WHERE o.finished_at <= o.due_at) AS on_time, count(*) FILTER (WHERE o.finished_at > o.due_at) AS late,
       count(o.finished_at) AS lead_n, sum(extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600.0) AS lead_sum,
       sum((extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600.0) ^ 2) AS lead_sumsq,
       min(extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600.0) AS lead_min,
       max(extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600.0) AS lead_max,
       prodplan.sketch_agg(extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600.0) AS lead_sketch
FROM prodplan.production_order o GROUP BY 1, 2, 3"
q -c "CREATE MATERIALIZED VIEW mv_defect_day AS
SELECT d.plant_id, coalesce(po.product_id, '') AS product_id, coalesce(c.work_center_id, '') AS culprit_work_center_id, d.severity,
       (d.detected_at AT TIME ZONE 'UTC')::date AS day, count(*) AS defects, count(DISTINCT d.order_id) AS orders
FROM prodplan.defect d
LEFT JOIN prodplan.production_order po ON po.plant_id = d.plant_id AND po.order_id = d.order_id
LEFT JOIN (SELECT op.plant_id, op.operation_id, min(op.work_center_id) AS work_center_id FROM prodplan.operation op
           WHERE op.operation_id IN (SELECT x.culprit_operation_id FROM prodplan.defect x) GROUP BY 1, 2) c
  ON c.plant_id = d.plant_id AND c.operation_id = d.culprit_operation_id
GROUP BY 1, 2, 3, 4, 5"
# The quality aggregates, as the refresh computes them in full.
q -c "CREATE MATERIALIZED VIEW mv_quality AS
SELECT * FROM prodplan.agg_quality_partials(NULL, ARRAY['-infinity'::timestamptz], ARRAY['infinity'::timestamptz])"
q -c "CREATE MATERIALIZED VIEW mv_defect_cell AS
SELECT * FROM prodplan.agg_defect_cell_partials(NULL, ARRAY['-infinity'::timestamptz], ARRAY['infinity'::timestamptz])"
q -c "CREATE MATERIALIZED VIEW mv_defect_cell_order AS
SELECT c.plant_id, c.evaluation_work_center_id, c.culprit_work_center_id, c.order_id, min(c.day) AS first_day, max(c.day) AS last_day,
       sum(c.defects) AS defects, sum(c.severity_sum) AS severity_sum
FROM mv_defect_cell c GROUP BY 1, 2, 3, 4"
ops=$(q -c "SELECT count(*) FROM prodplan.operation")
new=$((ops / 100))
echo "load_demo($scale, 42): $ops operations; first (full) refresh of the aggregates: $(awk -v m="$full_ms" 'BEGIN{printf "%.2f s", m/1000}')"
printf '%-20s %9s %13s %11s %11s %7s   %s\n' series "new rows" "refresh (ms)" "3 MVs (ms)" "6 MVs (ms)" ratio "ranges: operation_day; quality_order_day"
mvs() { q -c '\timing on' "$@" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | awk '{s += $1} END {printf "%.1f", s}'; }
for series in append backfill; do
  for r in $(seq 1 "$reps"); do
    # 1% new operations of today; in the backfill series 1 in 100 of them late, in an old month.
    late=$([ $series = backfill ] && echo 100 || echo 0)
    # (Another work center per round and series: first visits in every round.)
    wc_shift=$([ $series = backfill ] && echo $((r + 3)) || echo "$r")
    q -c "INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, ended_at, event_time)
          SELECT 'DEMO', '$series$r-' || g, o.order_id, CASE WHEN g % 2 = 0 THEN o.work_center_id ELSE w.work_center_id END, 99,
                 t - interval '2 hours', t, t
          FROM generate_series(1, $new) g
          JOIN LATERAL (SELECT order_id, work_center_id FROM prodplan.operation WHERE plant_id = 'DEMO' AND operation_id = (250000 + g)::text LIMIT 1) o ON true
          JOIN LATERAL (SELECT work_center_id FROM prodplan.work_center WHERE plant_id = 'DEMO' ORDER BY work_center_id
                        OFFSET (g * 7 + $wc_shift) % (SELECT count(*) FROM prodplan.work_center WHERE plant_id = 'DEMO') LIMIT 1) w ON true
          CROSS JOIN LATERAL (SELECT CASE WHEN $late > 0 AND g % 100 = 0 THEN now() - (g % 900) * interval '1 day'
                                          ELSE now() - (g % 600) * interval '1 second' END AS t) x"
    inc=$(ms "SELECT count(*) FROM prodplan.refresh_aggregates()")
    # How the refresh covered the operations and quality aggregates: ranges
    # whose new rows' partials (or first visits) were added, ranges recomputed.
    how=$(q -c "SELECT string_agg(coalesce(h, 'none'), '; ' ORDER BY a) FROM (
                SELECT w.aggregate AS a, (SELECT string_agg(n || ' ' || h, ', ' ORDER BY h) FROM (
                         SELECT r ->> 'how' AS h, count(*) AS n FROM jsonb_array_elements(w.last_refresh -> 'invalidated_ranges') r GROUP BY 1) x) AS h
                FROM prodplan.aggregate_watermark w WHERE w.aggregate IN ('operation_day', 'quality_order_day')) y")
    mv3=$(mvs -c "REFRESH MATERIALIZED VIEW mv_operation_day" -c "REFRESH MATERIALIZED VIEW mv_order_day" \
              -c "REFRESH MATERIALIZED VIEW mv_defect_day")
    mvq=$(mvs -c "REFRESH MATERIALIZED VIEW mv_quality" -c "REFRESH MATERIALIZED VIEW mv_defect_cell" \
              -c "REFRESH MATERIALIZED VIEW mv_defect_cell_order")
    mv=$(awk -v a="$mv3" -v b="$mvq" 'BEGIN{printf "%.1f", a + b}')
    printf '%-20s %9s %13s %11s %11s %7s   %s\n' "$series (round $r)" "$new" "$inc" "$mv3" "$mv" \
      "$(awk -v a="$inc" -v b="$mv" 'BEGIN{printf "%.0fx", b/a}')" "$how"
  done
done
diff=$(q -c "SELECT count(*) FROM ((SELECT plant_id, work_center_id, product_id, day, operations, completed, rework, open, duration_n, duration_min, duration_max, duration_sketch FROM prodplan.agg_operation_day
  EXCEPT SELECT plant_id, work_center_id, product_id, day, operations, completed, rework, open, duration_n, duration_min, duration_max, duration_sketch FROM mv_operation_day)
  UNION ALL (SELECT plant_id, work_center_id, product_id, day, operations, completed, rework, open, duration_n, duration_min, duration_max, duration_sketch FROM mv_operation_day
  EXCEPT SELECT plant_id, work_center_id, product_id, day, operations, completed, rework, open, duration_n, duration_min, duration_max, duration_sketch FROM prodplan.agg_operation_day)) d")
[ "$diff" = 0 ] && echo "the incremental aggregate equals the materialized view (0 rows differ)" || { echo "FAIL: $diff rows differ"; exit 1; }
qdiff=$(q -c "SELECT (SELECT count(*) FROM ((TABLE prodplan.agg_quality_order_day EXCEPT ALL
    SELECT day, plant_id, product_id, orders, orders_with_defects, defects, severity_sum, orders_severity_1, orders_severity_2, orders_severity_3,
           defects_severity_1, defects_severity_2, defects_severity_3, orders_unknown_culprit, defects_unknown_culprit, severity_sum_unknown_culprit
    FROM mv_quality WHERE work_center_id IS NULL)
  UNION ALL (SELECT day, plant_id, product_id, orders, orders_with_defects, defects, severity_sum, orders_severity_1, orders_severity_2, orders_severity_3,
           defects_severity_1, defects_severity_2, defects_severity_3, orders_unknown_culprit, defects_unknown_culprit, severity_sum_unknown_culprit
    FROM mv_quality WHERE work_center_id IS NULL EXCEPT ALL TABLE prodplan.agg_quality_order_day)) d)
  + (SELECT count(*) FROM ((TABLE prodplan.agg_quality_work_center_day EXCEPT ALL
    SELECT day, plant_id, work_center_id, orders_visited, orders_culprit, defects_culprit, severity_sum_culprit, orders_evaluated, defects_evaluated,
           severity_sum_evaluated FROM mv_quality WHERE product_id IS NULL)
  UNION ALL (SELECT day, plant_id, work_center_id, orders_visited, orders_culprit, defects_culprit, severity_sum_culprit, orders_evaluated, defects_evaluated,
           severity_sum_evaluated FROM mv_quality WHERE product_id IS NULL EXCEPT ALL TABLE prodplan.agg_quality_work_center_day)) d)
  + (SELECT count(*) FROM ((SELECT day, plant_id, evaluation_work_center_id, culprit_work_center_id, order_id, defects, severity_sum FROM prodplan.agg_defect_cell_day
    EXCEPT ALL SELECT day, plant_id, evaluation_work_center_id, culprit_work_center_id, order_id, defects, severity_sum FROM mv_defect_cell)
  UNION ALL (SELECT day, plant_id, evaluation_work_center_id, culprit_work_center_id, order_id, defects, severity_sum FROM mv_defect_cell
    EXCEPT ALL SELECT day, plant_id, evaluation_work_center_id, culprit_work_center_id, order_id, defects, severity_sum FROM prodplan.agg_defect_cell_day)) d)")
[ "$qdiff" = 0 ] && echo "the quality aggregates equal their materialized views (0 rows differ)" || { echo "FAIL: $qdiff quality rows differ"; exit 1; }
