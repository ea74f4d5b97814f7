-- prodplan 0.16.0 -> 0.17.0 (issue 11): a Gantt bar's resource and lateness
-- are stored with it, and a cached KPI result is kept as rows, not JSON.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.17.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Found by tests/bench/bench_load.sh at 32 clients, where each call's CPU
-- time counts about 16 times in p95. Reading the 8 columns a Gantt chart
-- draws for load_demo(1)'s 1,050 bars (one pgbench client, simple protocol,
-- the chart index walked in order, best of 5 runs) took 0.93-1.00 ms through
-- prodplan.gantt and 0.74 ms from planned_operations alone. The view spent
-- it on the resource label (a text concatenation of name and unit per bar:
-- 0.85-0.87 ms computed against 0.80 stored), order_late and the join to
-- the plan (below). The label and the lateness depend only on the row, so
-- they are stored, generated columns: computed when the row is written and
-- again whenever the work center's name, the unit, the order's planned end
-- or its due date change (the statement trigger updates those), so they
-- cannot go stale. Adding them rewrites the table once.
ALTER TABLE prodplan.planned_operations
  ADD COLUMN resource text
    GENERATED ALWAYS AS (coalesce(work_center_name, work_center_id) || ' #' || unit::text) STORED,
  ADD COLUMN order_late boolean
    GENERATED ALWAYS AS (coalesce(order_end_at > due_at, false)) STORED;
COMMENT ON COLUMN prodplan.planned_operations.resource IS 'The row of a Gantt chart this bar sits on: "work center name #unit" (the work center''s id when it has no name). Generated from work_center_name, work_center_id and unit; not written directly.';
COMMENT ON COLUMN prodplan.planned_operations.order_late IS 'Whether the order''s planned end (order_end_at) is after its due date as the plan saw it (due_at); false when either is unknown. Generated; not written directly.';

-- The same 24 columns as 0.16.0, in the same order and with the same values.
-- The plan is LEFT JOINed: every planned operation has its plan (a foreign
-- key, NOT NULL), so the rows are the same, and a query that reads no column
-- of the plan (a chart's 8 columns) skips the join altogether, as PostgreSQL
-- drops a left join to a unique key nothing reads (0.85 ms against 0.94 for
-- those 8 columns). A filter on plan_status or plant_id makes it an inner
-- join again.
CREATE OR REPLACE VIEW prodplan.gantt AS
SELECT po.plan_id, p.plant_id, p.status AS plan_status, po.order_id, po.product_id,
       po.product_name,
       po.family, po.operation, po.operation_id, po.work_center_id, po.work_center_name, po.unit,
       po.resource,
       po.setup_start_at, po.start_at, po.end_at,
       po.span_hours,
       po.setup_minutes, po.work_minutes, po.duration_source, po.is_fixed,
       po.due_at,
       po.order_end_at,
       po.order_late
FROM prodplan.planned_operations po
LEFT JOIN prodplan.plans p ON p.plan_id = po.plan_id;
COMMENT ON VIEW prodplan.gantt IS 'One bar per planned operation, ready for a BI tool''s Gantt chart: plan, order, product and family, operation, work center and unit (resource = "name #unit", the row of the chart), setup_start_at (the bar''s start, setup included), start_at (the work''s start) and end_at, span in hours, where the duration came from, whether it is fixed, and the order''s due date (as the plan saw it: a scenario''s changed one), planned end and lateness. Filter on plan_id (or plan_status = ''released''); ORDER BY work_center_id, unit, start_at is chart order, in which plans write their rows and the index planned_operations_chart_idx reads them. Product and work center names and the family are the plan''s (a rename shows from the next plan on).';

-- CREATE OR REPLACE VIEW resets the view's options: with row-level security
-- by plant on, gantt must read as its caller again (security_invoker), like
-- every other view (set_plant_security is idempotent).
DO $$
BEGIN
  IF prodplan.plant_security_enabled() THEN
    PERFORM prodplan.set_plant_security(true);
  END IF;
END
$$;

-- ---------------------------------------------------------------------------
-- A cached KPI result as an array of rows. Found by bench_load.sh: a hit of
-- prodplan.kpis(..., 'work_center') (582 rows) spent most of its time in
-- jsonb_to_recordset, looking up six keys per row and turning each value
-- back from text (float8 through strtod). Reading the same rows from an
-- array of this type took 0.39 ms against 1.05 ms from the JSON (one
-- client, pgbench, the stored result alone). The cache is unlogged and only
-- ever a copy: emptying it here costs each distinct call one recomputation.
CREATE TYPE prodplan.kpi_value AS (
  plant_id  text,
  group_key text,
  kpi       text,
  value     float8,
  unit      text,
  reason    text
);
COMMENT ON TYPE prodplan.kpi_value IS 'One KPI value as prodplan.kpis returns it (plant, group, KPI, value, unit, and why it is NULL when it is); prodplan.result_cache keeps a result as an array of these.';

TRUNCATE prodplan.result_cache;
ALTER TABLE prodplan.result_cache
  ALTER COLUMN result TYPE prodplan.kpi_value[] USING NULL;
COMMENT ON TABLE prodplan.result_cache IS 'Results of expensive read functions (prodplan.kpis) keyed by function and arguments, valid for one prodplan.data_version; a newer version recomputes. Unlogged (lost on a crash, which only costs a recomputation).';
COMMENT ON COLUMN prodplan.result_cache.result IS 'The function''s rows in the order it returns them (prodplan.kpis: by plant, group and KPI).';

-- As 0.12.0's, with the result kept as rows.
CREATE OR REPLACE FUNCTION prodplan.kpis(from_ts timestamptz, to_ts timestamptz, "by" text DEFAULT 'overall', plant text DEFAULT NULL)
RETURNS TABLE (plant_id text, group_key text, kpi text, value float8, unit text, reason text)
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v     bigint;
  key   text;
  res   prodplan.kpi_value[];
  t0    timestamptz;
  ro    boolean := pg_catalog.current_setting('transaction_read_only') = 'on';
  -- Row-level security by plant: the caller's plants (NULL: all). kpis
  -- runs as its owner, so it filters its rows itself.
  vis   text[] := prodplan.visible_plants(prodplan.calling_role());
BEGIN
  IF from_ts IS NULL OR to_ts IS NULL OR to_ts <= from_ts THEN
    RAISE EXCEPTION 'prodplan.kpis: the range must be from_ts < to_ts, got % .. %', from_ts, to_ts;
  END IF;
  IF "by" IS NULL OR "by" NOT IN ('overall', 'work_center', 'product', 'day', 'week') THEN
    RAISE EXCEPTION 'prodplan.kpis: by must be overall, work_center, product, day or week, got %', coalesce("by", 'NULL');
  END IF;
  -- A hot standby cannot read the cache (an unlogged table has no data
  -- there): it computes every call.
  IF pg_catalog.pg_is_in_recovery() THEN
    RETURN QUERY SELECT k.plant_id, k.group_key, k.kpi, k.value, k.unit, k.reason
    FROM prodplan.kpis_compute(from_ts, to_ts, "by", $4) k
    WHERE vis IS NULL OR k.plant_id = ANY (vis)
    ORDER BY k.plant_id, k.group_key, k.kpi;
    RETURN;
  END IF;
  -- The key does not depend on the session's TimeZone or DateStyle; today's
  -- date is in it because WIP ageing counts days to today.
  key := concat_ws('|', extract(epoch FROM from_ts), extract(epoch FROM to_ts), "by", coalesce($4, '*'),
                   (now() AT TIME ZONE 'UTC')::date);
  SELECT d.version INTO v FROM prodplan.data_version d;
  SELECT c.result INTO res FROM prodplan.result_cache c
  WHERE c.function_name = 'kpis' AND c.arguments = key AND c.data_version = v;
  IF res IS NULL AND ro THEN
    -- A read-only transaction (a BI tool's default_transaction_read_only)
    -- may read the cache but neither store nor count: it computes a miss.
    SELECT coalesce(array_agg(ROW(k.plant_id, k.group_key, k.kpi, k.value, k.unit, k.reason)::prodplan.kpi_value
                              ORDER BY k.plant_id, k.group_key, k.kpi), '{}') INTO res
    FROM prodplan.kpis_compute(from_ts, to_ts, "by", $4) k;
  ELSIF res IS NULL THEN
    -- Single flight: one computes, identical calls wait here, then find it.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('prodplan.kpis'), pg_catalog.hashtext(key));
    SELECT d.version INTO v FROM prodplan.data_version d;
    SELECT c.result INTO res FROM prodplan.result_cache c
    WHERE c.function_name = 'kpis' AND c.arguments = key AND c.data_version = v;
    IF res IS NULL THEN
      PERFORM pg_catalog.nextval('prodplan.result_cache_misses');
      t0 := clock_timestamp();
      SELECT coalesce(array_agg(ROW(k.plant_id, k.group_key, k.kpi, k.value, k.unit, k.reason)::prodplan.kpi_value
                                ORDER BY k.plant_id, k.group_key, k.kpi), '{}') INTO res
      FROM prodplan.kpis_compute(from_ts, to_ts, "by", $4) k;
      INSERT INTO prodplan.result_cache AS c (function_name, arguments, data_version, result, compute_seconds)
      VALUES ('kpis', key, v, res, extract(epoch FROM clock_timestamp() - t0))
      ON CONFLICT (function_name, arguments) DO UPDATE
        SET data_version = EXCLUDED.data_version, result = EXCLUDED.result, computed_at = now(),
            compute_seconds = EXCLUDED.compute_seconds;
    ELSE
      PERFORM pg_catalog.nextval('prodplan.result_cache_hits');
    END IF;
  ELSIF NOT ro THEN
    PERFORM pg_catalog.nextval('prodplan.result_cache_hits');
  END IF;
  RETURN QUERY SELECT r.plant_id, r.group_key, r.kpi, r.value, r.unit, r.reason
  FROM unnest(res) AS r
  WHERE vis IS NULL OR r.plant_id = ANY (vis);
END
$fn$;
