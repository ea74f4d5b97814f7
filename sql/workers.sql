-- What the background workers keep current: incremental aggregates (with
-- their quantile sketches), the data version and the metrics. Runs last, on
-- the state the other suites leave.
SET client_min_messages = warning;

-- Sketches: quantiles within 1% of the exact ones; merging is exact.
WITH v AS (SELECT (g * 7919 % 10007)::float8 / 10.0 AS x, g % 4 AS part FROM generate_series(1, 20000) g),
exact AS (SELECT percentile_disc(ARRAY[0, 0.1, 0.5, 0.9, 0.99, 1]) WITHIN GROUP (ORDER BY x) AS q FROM v),
sk AS (SELECT prodplan.sketch_agg(x) AS s FROM v),
parts AS (SELECT prodplan.sketch_merge(s) AS s FROM (SELECT prodplan.sketch_agg(x) AS s FROM v GROUP BY part) p)
SELECT q.qq, round((e.q[q.i])::numeric, 1) AS exact,
       abs(prodplan.sketch_quantile(sk.s, q.qq) - e.q[q.i]) <= 0.01 * e.q[q.i] AS within_1pct,
       prodplan.sketch_quantile(sk.s, q.qq) = prodplan.sketch_quantile(parts.s, q.qq) AS merged_equal
FROM exact e, sk, parts, (VALUES (1, 0.0::float8), (2, 0.1), (3, 0.5), (4, 0.9), (5, 0.99), (6, 1.0)) q(i, qq)
ORDER BY q.i;
SELECT prodplan.sketch_count(prodplan.sketch_agg(x)) AS counted, prodplan.sketch_agg(NULL::float8) IS NULL AS empty_is_null
FROM (VALUES (0.0), (-3.0), (5.0), ('NaN'::float8), (NULL)) v(x);
-- sketch_add of two parts' sketches is the whole's sketch, exactly (the
-- refresh adds appended rows' sketches to stored ones this way).
WITH v AS (SELECT (g * 7919 % 10007)::float8 / 10.0 AS x, g <= 7000 AS first FROM generate_series(1, 20000) g)
SELECT prodplan.sketch_add((SELECT prodplan.sketch_agg(x) FROM v WHERE first), (SELECT prodplan.sketch_agg(x) FROM v WHERE NOT first))
         = (SELECT prodplan.sketch_agg(x) FROM v) AS add_exact,
       prodplan.sketch_add((SELECT prodplan.sketch_agg(x) FROM v), NULL) = (SELECT prodplan.sketch_agg(x) FROM v) AS null_adds_nothing,
       prodplan.sketch_add(NULL, NULL) IS NULL AS both_null;
SELECT prodplan.sketch_add(ARRAY[1, 0, 0, 0, 0], ARRAY[2, 0, 0, 0, 0]);
SELECT prodplan.sketch_quantile(prodplan.sketch_agg(x), 1.5) FROM (VALUES (1.0)) v(x);
SELECT prodplan.sketch_quantile(ARRAY[2, 0, 0, 0, 0], 0.5);

-- Aggregates over the demo: counts equal the source tables'.
SELECT prodplan.load_demo(0.005, 3) IS NOT NULL AS demo_loaded;
-- load_demo goes through ingest_workbook: the run's rows bumped the data version.
SELECT version > 0 AS ingestion_bumped_version FROM prodplan.data_version;
SELECT (SELECT version FROM prodplan.data_version) AS version_before \gset
SELECT aggregate, ranges, rows_written > 0 AS wrote FROM prodplan.refresh_aggregates() ORDER BY 1;
SELECT (SELECT version FROM prodplan.data_version) > :version_before AS refresh_bumped_version;
SELECT (SELECT sum(operations) FROM prodplan.agg_operation_day WHERE plant_id = 'DEMO')
         = (SELECT count(*) FROM prodplan.operation WHERE plant_id = 'DEMO') AS operations_match,
       (SELECT sum(open) FROM prodplan.agg_operation_day WHERE plant_id = 'DEMO')
         = (SELECT count(*) FROM prodplan.operation WHERE plant_id = 'DEMO' AND ended_at IS NULL) AS wip_matches,
       (SELECT sum(orders) FROM prodplan.agg_order_day WHERE plant_id = 'DEMO')
         = (SELECT count(*) FROM prodplan.production_order WHERE plant_id = 'DEMO') AS orders_match,
       (SELECT sum(defects) FROM prodplan.agg_defect_day WHERE plant_id = 'DEMO')
         = (SELECT count(*) FROM prodplan.defect WHERE plant_id = 'DEMO') AS defects_match;
-- Lead time p90 from the merged daily sketches vs the exact one.
SELECT abs(prodplan.sketch_quantile((SELECT prodplan.sketch_merge(lead_sketch) FROM prodplan.agg_order_day WHERE plant_id = 'DEMO'), 0.9)
           - (SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at) / 3600.0)
              FROM prodplan.production_order WHERE plant_id = 'DEMO' AND finished_at IS NOT NULL))
       <= 0.01 * (SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at) / 3600.0)
                  FROM prodplan.production_order WHERE plant_id = 'DEMO' AND finished_at IS NOT NULL) AS p90_within_1pct;
-- A late correction below the watermark is logged, then consumed.
UPDATE prodplan.operation SET is_rework = NOT is_rework
WHERE plant_id = 'DEMO' AND operation_id = (SELECT min(operation_id) FROM prodplan.operation WHERE plant_id = 'DEMO' AND event_time < now() - interval '60 days');
SELECT aggregate, count(*) AS logged FROM prodplan.aggregate_invalidation GROUP BY 1 ORDER BY 1;
SELECT aggregate, ranges FROM prodplan.refresh_aggregates() ORDER BY 1;
SELECT count(*) AS left_in_log FROM prodplan.aggregate_invalidation;
-- Nothing changed: nothing read or written.
SELECT aggregate, ranges, rows_written FROM prodplan.refresh_aggregates() ORDER BY 1;
SELECT count(*) > 0 AS wip_rows FROM prodplan.wip_by_work_center WHERE plant_id = 'DEMO';

-- Metrics: Prometheus text, every family with HELP and TYPE.
SELECT count(*) FILTER (WHERE line LIKE '# HELP %') = count(*) FILTER (WHERE line LIKE '# TYPE %') AS help_and_type,
       bool_and(line ~ '^(# (HELP|TYPE) prodplan_[a-z_]+ .+|prodplan_[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+-]+|NaN)$') AS well_formed
FROM regexp_split_to_table(rtrim(prodplan.metrics(), E'\n'), E'\n') line;
SELECT DISTINCT metric, kind FROM prodplan.metric_samples() ORDER BY 1;

-- KPIs from the aggregates: names, units, which the data supports, and
-- values checked against the source tables.
SELECT kpi, unit, value IS NOT NULL AS has_value, reason
FROM prodplan.kpis('2000-01-01', now() + interval '1 year', 'overall', 'DEMO') ORDER BY kpi;
SELECT (SELECT value FROM prodplan.kpis('2000-01-01', now() + interval '1 year', 'overall', 'DEMO') WHERE kpi = 'operations_completed')
         = (SELECT count(*) FROM prodplan.operation WHERE plant_id = 'DEMO' AND ended_at IS NOT NULL) AS completed_matches,
       round((SELECT value FROM prodplan.kpis('2000-01-01', now() + interval '1 year', 'overall', 'DEMO') WHERE kpi = 'on_time_rate')::numeric, 6)
         = round((SELECT 100.0 * count(*) FILTER (WHERE finished_at <= due_at) / count(*) FROM prodplan.production_order
                  WHERE plant_id = 'DEMO' AND finished_at IS NOT NULL AND due_at IS NOT NULL)::numeric, 6) AS on_time_matches,
       abs((SELECT value FROM prodplan.kpis('2000-01-01', now() + interval '1 year', 'overall', 'DEMO') WHERE kpi = 'lead_time_p50')
           - (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at) / 3600.0)
              FROM prodplan.production_order WHERE plant_id = 'DEMO' AND finished_at IS NOT NULL))
       <= 0.01 * (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at) / 3600.0)
                  FROM prodplan.production_order WHERE plant_id = 'DEMO' AND finished_at IS NOT NULL) AS p50_within_1pct;
-- Per work center: operations and defects per work center; order KPIs say why not.
SELECT count(DISTINCT group_key) > 5 AS many_work_centers,
       bool_and(value IS NULL AND reason IS NOT NULL) FILTER (WHERE kpi LIKE 'lead_time%') AS order_kpis_explained
FROM prodplan.kpis('2000-01-01', now() + interval '1 year', 'work_center', 'DEMO');
-- Effectiveness needs stored standard times.
SELECT prodplan.store_standard_times('DEMO') > 0 AS stored;
SELECT value BETWEEN 1 AND 1000 AS effectiveness_plausible FROM prodplan.kpis('2000-01-01', now() + interval '1 year', 'overall', 'DEMO')
WHERE kpi = 'effectiveness';
-- Weeks: each group is a Monday.
SELECT bool_and(extract(isodow FROM group_key::date) = 1) AS weeks_start_monday
FROM prodplan.kpis('2000-01-01', now() + interval '1 year', 'week', 'DEMO');
SELECT * FROM prodplan.kpis('2026-03-02 00:00+00', '2026-03-01 00:00+00');
SELECT * FROM prodplan.kpis('2026-03-01 00:00+00', '2026-03-02 00:00+00', 'month');
SELECT prodplan.snapshot_kpis((SELECT max(day) FROM prodplan.agg_operation_day WHERE plant_id = 'DEMO' AND completed > 0)) > 0 AS snapshot_written;

-- The cache: an identical call is a hit; a new data version recomputes.
SELECT pg_sequence_last_value('prodplan.result_cache_hits') AS hits0, pg_sequence_last_value('prodplan.result_cache_misses') AS misses0 \gset
SELECT count(*) > 0 AS rows FROM prodplan.kpis('2026-01-01 00:00+00', '2026-02-01 00:00+00', 'product');
SELECT count(*) > 0 AS rows FROM prodplan.kpis('2026-01-01 00:00+00', '2026-02-01 00:00+00', 'product');
SELECT coalesce(pg_sequence_last_value('prodplan.result_cache_misses'), 0) - coalesce(:'misses0'::bigint, 0) AS misses,
       coalesce(pg_sequence_last_value('prodplan.result_cache_hits'), 0) - coalesce(:'hits0'::bigint, 0) AS hits;
UPDATE prodplan.work_center SET capacity_units = capacity_units WHERE plant_id = 'DEMO' AND work_center_id = (SELECT min(work_center_id) FROM prodplan.work_center WHERE plant_id = 'DEMO');
SELECT count(*) > 0 AS rows FROM prodplan.kpis('2026-01-01 00:00+00', '2026-02-01 00:00+00', 'product');
SELECT coalesce(pg_sequence_last_value('prodplan.result_cache_misses'), 0) - coalesce(:'misses0'::bigint, 0) AS misses_after_edit;
SELECT (SELECT result FROM prodplan.result_cache WHERE function_name = 'kpis' ORDER BY computed_at DESC LIMIT 1)
       = (SELECT array_agg(ROW(k.plant_id, k.group_key, k.kpi, k.value, k.unit, k.reason)::prodplan.kpi_value
                           ORDER BY k.plant_id, k.group_key, k.kpi)
          FROM prodplan.kpis_compute('2026-01-01 00:00+00', '2026-02-01 00:00+00', 'product', NULL) k) AS cached_equals_computed;
-- A hit returns the stored rows as they were computed, in the same order.
SELECT (SELECT array_agg(ROW(k.plant_id, k.group_key, k.kpi, k.value, k.unit, k.reason) ORDER BY k.n) FROM prodplan.kpis('2026-01-01 00:00+00', '2026-02-01 00:00+00', 'product')
                                            WITH ORDINALITY AS k(plant_id, group_key, kpi, value, unit, reason, n))
       IS NOT DISTINCT FROM
       (SELECT array_agg(ROW(k.plant_id, k.group_key, k.kpi, k.value, k.unit, k.reason) ORDER BY k.plant_id, k.group_key, k.kpi)
          FROM prodplan.kpis_compute('2026-01-01 00:00+00', '2026-02-01 00:00+00', 'product', NULL) k) AS hit_equals_computed;
