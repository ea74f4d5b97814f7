-- prodplan 0.16.0 -> 0.17.0 (issue 11): a Gantt bar's resource and lateness
-- are stored with it; each order's head row in a plan is marked, so the
-- order list reads one row per order instead of aggregating every bar; and a
-- cached KPI result is kept as rows, not JSON.
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
    GENERATED ALWAYS AS (coalesce(order_end_at > due_at, false)) STORED,
  ADD COLUMN is_order_head boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN prodplan.planned_operations.resource IS 'The row of a Gantt chart this bar sits on: "work center name #unit" (the work center''s id when it has no name). Generated from work_center_name, work_center_id and unit; not written directly.';
COMMENT ON COLUMN prodplan.planned_operations.order_late IS 'Whether the order''s planned end (order_end_at) is after its due date as the plan saw it (due_at); false when either is unknown. Generated; not written directly.';

COMMENT ON COLUMN prodplan.planned_operations.is_order_head IS 'True on exactly one row per plan and order: the order''s first operation not fixed, by start_at then operation (its next step in the plan), else, when all are fixed, its first by start_at. prodplan.order_status reads the order''s planned end (order_end_at) and next operation from it. Written with the plan; kept by a statement trigger for rows written by hand.';

-- ---------------------------------------------------------------------------
-- Each order's head row. Found by bench_load.sh: the order list
-- (prodplan.order_status for load_demo(1)'s 961 open and recent orders)
-- spent about 1.1 of its 1.85 ms of execution aggregating the current plan's
-- 1,050 bars into the 83 orders' planned end and next operation: a sort by
-- order, and two sorts per order for the ordered array_aggs. The planned end
-- is already on every row (order_end_at); the next operation is the head
-- row's. Reading those facts from one row per order took a one-client order
-- list from 3.47 ms to 2.40, same rows (EXCEPT ALL both ways). The planner,
-- what-if and move_operation write the flag with the rows (order_heads() in
-- core/planning/plan_rows.h); the statement trigger below sets it for rows
-- written by hand, as it does order_end_at.
--
-- Plans made before 0.17.0 get theirs here. The UPDATE trigger is off
-- meanwhile: it would recompute every order's facts, which are right.
ALTER TABLE prodplan.planned_operations DISABLE TRIGGER planned_operations_order_end_upd;
UPDATE prodplan.planned_operations po
SET is_order_head = true
FROM (SELECT DISTINCT ON (q.plan_id, q.order_id) q.plan_id, q.order_id, q.operation
      FROM prodplan.planned_operations q
      ORDER BY q.plan_id, q.order_id, q.is_fixed, q.start_at, q.operation) h
WHERE po.plan_id = h.plan_id AND po.order_id = h.order_id AND po.operation = h.operation;
ALTER TABLE prodplan.planned_operations ENABLE TRIGGER planned_operations_order_end_upd;
CREATE INDEX planned_operations_order_head_idx ON prodplan.planned_operations (plan_id, order_id) WHERE is_order_head;
COMMENT ON INDEX prodplan.planned_operations_order_head_idx IS 'The head row of each order in a plan (is_order_head): prodplan.order_status reads one row per order through it.';

-- As 0.16.0's, and each touched order's head row is marked (the other rows
-- of the order unmarked). The extension's own writes carry the flag, so after
-- them this changes no row. Each order's planned end and head come from one
-- sorted pass over the touched orders' rows: asking both of every order in
-- subqueries (two index scans and a sort per order) made a 1,050-bar plan's
-- write take 34 ms; this way it takes 20-21 ms against 16-18 with the
-- trigger off (INSERT ... SELECT of load_demo(1)'s plan, psql \timing, warm,
-- the two measured in turn): about 4 ms, less than 0.16.0's trigger cost
-- (7 ms, one subquery per order for the planned end).
CREATE OR REPLACE FUNCTION prodplan.planned_operations_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  kp bigint[];
  ko text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(k.plan_id), array_agg(k.order_id) INTO kp, ko
    FROM (SELECT DISTINCT x.plan_id, x.order_id FROM n x) k;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(k.plan_id), array_agg(k.order_id) INTO kp, ko
    FROM (SELECT DISTINCT x.plan_id, x.order_id FROM o x) k;
  ELSE
    SELECT array_agg(k.plan_id), array_agg(k.order_id) INTO kp, ko
    FROM (SELECT x.plan_id, x.order_id FROM o x UNION SELECT y.plan_id, y.order_id FROM n y) k;
  END IF;
  IF kp IS NULL THEN
    RETURN NULL;
  END IF;
  UPDATE prodplan.planned_operations po
  SET order_end_at = e.order_end_at,
      is_order_head = (po.operation = e.head_operation),
      product_id = coalesce(po.product_id, e.product_id),
      due_at = coalesce(po.due_at, e.due_at),
      product_name = coalesce(po.product_name,
                              CASE WHEN coalesce(po.product_id, e.product_id) = e.product_id THEN e.product_name END),
      family = coalesce(po.family, CASE WHEN coalesce(po.product_id, e.product_id) = e.product_id THEN e.family END)
  FROM (SELECT k.plan_id, k.order_id, k.order_end_at, k.head_operation,
               coalesce(pod.product_id, o.product_id) AS product_id,
               CASE WHEN pod.plan_id IS NOT NULL THEN pod.due_at ELSE o.due_at END AS due_at,
               pr.name AS product_name, pr.family
        FROM (SELECT DISTINCT ON (q.plan_id, q.order_id) q.plan_id, q.order_id, q.operation AS head_operation,
                     max(q.end_at) OVER (PARTITION BY q.plan_id, q.order_id) AS order_end_at
              FROM unnest(kp, ko) AS t(plan_id, order_id)
              JOIN prodplan.planned_operations q ON q.plan_id = t.plan_id AND q.order_id = t.order_id
              ORDER BY q.plan_id, q.order_id, q.is_fixed, q.start_at, q.operation) k
        LEFT JOIN prodplan.plans p ON p.plan_id = k.plan_id
        LEFT JOIN prodplan.plan_orders pod ON pod.plan_id = k.plan_id AND pod.order_id = k.order_id
        LEFT JOIN prodplan.production_order o ON o.plant_id = p.plant_id AND o.order_id = k.order_id
        LEFT JOIN prodplan.product pr ON pr.plant_id = p.plant_id
                                     AND pr.product_id = coalesce(pod.product_id, o.product_id)) e
  WHERE po.plan_id = e.plan_id AND po.order_id = e.order_id
    AND (po.order_end_at IS DISTINCT FROM e.order_end_at
         OR po.is_order_head IS DISTINCT FROM (po.operation = e.head_operation)
         OR (po.product_id IS NULL AND e.product_id IS NOT NULL)
         OR (po.due_at IS NULL AND e.due_at IS NOT NULL)
         OR (po.product_name IS NULL AND e.product_name IS NOT NULL
             AND coalesce(po.product_id, e.product_id) = e.product_id)
         OR (po.family IS NULL AND e.family IS NOT NULL
             AND coalesce(po.product_id, e.product_id) = e.product_id));
  -- Asked first: with no row missing it (the extension's writes), the
  -- planner's estimates for the UPDATE below are far off and it would probe
  -- the table once per work center and order.
  IF EXISTS (SELECT 1 FROM unnest(kp, ko) AS k(plan_id, order_id)
             JOIN prodplan.planned_operations q ON q.plan_id = k.plan_id AND q.order_id = k.order_id
             WHERE q.work_center_name IS NULL) THEN
    UPDATE prodplan.planned_operations po
    SET work_center_name = wc.name
    FROM unnest(kp, ko) AS k(plan_id, order_id), prodplan.plans p, prodplan.work_center wc
    WHERE po.plan_id = k.plan_id AND po.order_id = k.order_id AND po.work_center_name IS NULL
      AND p.plan_id = po.plan_id AND wc.plant_id = p.plant_id AND wc.work_center_id = po.work_center_id
      AND wc.name IS NOT NULL;
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.planned_operations_changed() IS 'Statement trigger of prodplan.planned_operations: for each order a statement inserted, updated or deleted rows of, sets order_end_at on the order''s rows of that plan to their latest end_at and marks its head row (is_order_head), fills a missing product_id or due_at with the order''s as the plan saw it (prodplan.plan_orders, else prodplan.production_order), a missing product_name or family with the current ones of the order''s product, and a missing work_center_name with the current one. Rows already right are not rewritten.';
COMMENT ON TRIGGER planned_operations_order_end_ins ON prodplan.planned_operations IS 'Keeps order_end_at the latest end_at of each order a statement inserted rows of and marks its head row, and fills a missing product_id, due_at or name (prodplan.planned_operations_changed).';
COMMENT ON TRIGGER planned_operations_order_end_upd ON prodplan.planned_operations IS 'Keeps order_end_at the latest end_at of each order a statement updated rows of, before and after the update, and marks its head row, and fills a missing product_id, due_at or name (prodplan.planned_operations_changed).';
COMMENT ON TRIGGER planned_operations_order_end_del ON prodplan.planned_operations IS 'Keeps order_end_at the latest end_at of each order a statement deleted rows of and marks its head row (prodplan.planned_operations_changed).';

-- The same columns as 0.13.0's view, from each order's head row in the
-- current plan instead of an aggregate over its bars. On equal starts the
-- next operation is now the lower-numbered one (array_agg's order was
-- arbitrary there).
CREATE OR REPLACE VIEW prodplan.order_status AS
WITH current_plan AS (
  -- The released plan of each plant, else its latest plan.
  SELECT DISTINCT ON (plant_id) plant_id, plan_id, status
  FROM prodplan.plans
  WHERE status IN ('released', 'proposed')
  ORDER BY plant_id, (status = 'released') DESC, plan_id DESC
), planned AS (
  SELECT cp.plant_id, po.order_id, cp.plan_id, po.order_end_at AS planned_end_at,
         CASE WHEN NOT po.is_fixed THEN po.operation END AS next_operation,
         CASE WHEN NOT po.is_fixed THEN po.work_center_id END AS next_work_center_id,
         CASE WHEN NOT po.is_fixed THEN po.start_at END AS next_start_at
  FROM current_plan cp JOIN prodplan.planned_operations po ON po.plan_id = cp.plan_id AND po.is_order_head
)
SELECT o.plant_id, o.order_id, o.product_id, o.created_at, o.due_at, o.finished_at, o.priority,
       CASE
         WHEN o.finished_at IS NOT NULL THEN 'done'
         WHEN o.due_at < now() OR p.planned_end_at > o.due_at THEN 'late'
         WHEN p.planned_end_at > o.due_at - interval '1 day' THEN 'at_risk'
         -- Asked only of the open orders that reach this branch, by key: a
         -- scalar subquery runs once per row that reaches it, where an
         -- EXISTS may be turned into a hash of every order's progress. An
         -- order whose operations changed since the progress was applied is
         -- counted live.
         WHEN CASE WHEN (SELECT true FROM prodplan.order_progress_pending q
                         WHERE q.plant_id = o.plant_id AND q.order_id = o.order_id LIMIT 1)
                   THEN (prodplan.order_progress_live(o.plant_id, o.order_id)).first_started_at
                   ELSE (SELECT g.first_started_at FROM prodplan.order_progress g
                         WHERE g.plant_id = o.plant_id AND g.order_id = o.order_id) END IS NOT NULL
           THEN 'in_progress'
         ELSE 'created'
       END AS status,
       p.planned_end_at,
       extract(epoch FROM o.due_at - coalesce(o.finished_at, p.planned_end_at)) / 3600.0 AS slack_hours,
       p.plan_id, p.next_operation, p.next_work_center_id, p.next_start_at
FROM prodplan.production_order o
LEFT JOIN planned p ON p.plant_id = o.plant_id AND p.order_id = o.order_id;
COMMENT ON VIEW prodplan.order_status IS 'Every order with its status: done (finished), late (past its due date, or planned to end after it), at_risk (planned to end less than a day before it), in_progress (an operation started), created. Planned end, slack (hours from planned or actual end to due date; negative when late) and the next operation (the first not fixed, by start, then operation number) come from the released plan of the plant, else its latest plan.';

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
-- by plant on, order_status and gantt must read as their caller again
-- (security_invoker), like every other view (set_plant_security is
-- idempotent).
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
