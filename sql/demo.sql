-- The demo factory: deterministic counts, idempotent reload, the invariants
-- every later feature relies on.
SET client_min_messages = warning;

-- In one transaction, so that autovacuum cannot have analyzed anything yet.
BEGIN;
CREATE TEMP TABLE first_load AS SELECT prodplan.load_demo(0.01, 42) AS j;
-- Statistics of every column it wrote, of what ingestion loaded (orders,
-- operations), of what it loaded directly (measurements) and of the columns
-- it filled in after ingestion (families, hire dates): a window on created_at
-- without them sent first_pass_yield into a 93 s plan.
SELECT s.tablename, s.attname, s.inherited, s.null_frac < 1 AS has_values
FROM pg_stats s
WHERE s.schemaname = 'prodplan'
  AND (s.tablename, s.attname, s.inherited) IN (('production_order', 'created_at', false), ('operation', 'ended_at', true),
       ('measurement', 'value', true), ('product', 'family', false), ('employee', 'hired_at', false))
ORDER BY 1;
COMMIT;
SELECT key AS table_name, value::bigint AS rows
FROM first_load, jsonb_each_text(j -> 'rows') ORDER BY 1;
SELECT j ->> 'plant_id' AS plant FROM first_load;
-- Planted workbook flaws per sheet: duplicated rows are stored once, invalid
-- rows are left out (ingestion quarantines them).
SELECT d.key AS sheet, d.value::int AS duplicates, (j -> 'workbook_invalid' ->> d.key)::int AS invalid
FROM first_load, jsonb_each_text(j -> 'workbook_duplicates') d ORDER BY 1;

-- What load_demo reports is what the tables hold (tables it does not fill are empty).
SELECT t.table_name, t.row_count = coalesce((f.j -> 'rows' ->> t.table_name)::bigint, 0) AS reported_equals_stored
FROM prodplan.content_checksum('DEMO') t, first_load f ORDER BY 1;

-- Running it again replaces the demo: same contents, nothing duplicated.
CREATE TEMP TABLE sums1 AS SELECT * FROM prodplan.content_checksum();
SELECT (prodplan.load_demo(0.01, 42) -> 'rows') = (SELECT j -> 'rows' FROM first_load) AS same_counts;
SELECT count(*) AS tables_differing
FROM prodplan.content_checksum() s2 FULL JOIN sums1 s1 USING (table_name)
WHERE s1.checksum IS DISTINCT FROM s2.checksum;

-- Invariants of the canonical data.
SELECT count(*) AS event_time_rule_violations
FROM prodplan.operation op
LEFT JOIN prodplan.production_order o USING (plant_id, order_id)
WHERE op.event_time IS DISTINCT FROM coalesce(op.ended_at, op.started_at, op.planned_at, o.created_at);
SELECT count(*) AS ends_before_start FROM prodplan.operation WHERE ended_at < started_at;
SELECT count(*) AS rows_in_default_partitions
FROM (SELECT 1 FROM prodplan.operation_default UNION ALL SELECT 1 FROM prodplan.defect_default
      UNION ALL SELECT 1 FROM prodplan.resource_event_default UNION ALL SELECT 1 FROM prodplan.measurement_default
      UNION ALL SELECT 1 FROM prodplan.stock_movement_default) d;
SELECT count(*) > 0 AS has_open_operations FROM prodplan.operation WHERE is_open AND started_at IS NOT NULL;
SELECT count(*) AS open_operations_of_finished_orders
FROM prodplan.operation op JOIN prodplan.production_order o USING (plant_id, order_id)
WHERE op.is_open AND o.finished_at IS NOT NULL;
SELECT count(*) AS severity_out_of_domain FROM prodplan.defect WHERE severity NOT BETWEEN 1 AND 3;
SELECT count(*) AS defects_blaming_a_later_operation
FROM prodplan.defect d JOIN prodplan.operation c ON c.plant_id = d.plant_id AND c.operation_id = d.culprit_operation_id
JOIN prodplan.operation e ON e.plant_id = d.plant_id AND e.operation_id = d.evaluation_operation_id
WHERE c.order_id <> d.order_id OR c.sequence > e.sequence;

-- The real export's flaws are reproduced, not hidden: orphans are kept.
SELECT round(avg((p.product_id IS NOT NULL)::int), 1) AS order_product_match_rate
FROM prodplan.production_order o LEFT JOIN prodplan.product p USING (plant_id, product_id);
SELECT round(avg((op.operation_id IS NOT NULL)::int), 1) AS assignment_operation_match_rate
FROM prodplan.operation_assignment a
LEFT JOIN (SELECT DISTINCT plant_id, operation_id FROM prodplan.operation) op USING (plant_id, operation_id);

-- Master data is complete at any scale.
SELECT (SELECT count(*) FROM prodplan.work_center) AS work_centers,
       (SELECT count(*) FROM prodplan.product) AS products,
       (SELECT count(*) FROM prodplan.routing_step) AS routing_steps,
       (SELECT count(*) FROM prodplan.employee) AS employees,
       (SELECT count(*) FROM prodplan.work_center WHERE is_evaluation) AS evaluation_phases;

-- Every material has a current stock balance.
SELECT count(*) AS materials_without_balance
FROM prodplan.material m LEFT JOIN prodplan.stock_balance b USING (plant_id, material_id)
WHERE b.material_id IS NULL;

-- Another seed gives other data.
SELECT (prodplan.load_demo(0.01, 43) -> 'rows' ->> 'operation') <> (SELECT j -> 'rows' ->> 'operation' FROM first_load)
       OR (SELECT checksum FROM prodplan.content_checksum() WHERE table_name = 'operation')
          <> (SELECT checksum FROM sums1 WHERE table_name = 'operation') AS seed_changes_data;
-- Leave the seed-42 demo for the suites that follow.
SELECT prodplan.load_demo(0.01, 42) -> 'rows' = (SELECT j -> 'rows' FROM first_load) AS restored;
