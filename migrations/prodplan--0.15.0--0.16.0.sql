-- prodplan 0.15.0 -> 0.16.0 (issue 11): a Gantt bar carries its names. Each
-- planned operation keeps the product's name and family and the work
-- center's name as the plan saw them, so prodplan.gantt joins only the plan;
-- and a plan writes its rows in chart order.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.16.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Found by tests/bench/bench_load.sh: at 0.15.0 a full Gantt read
-- (load_demo(1), 1,050 bars, every column) still hashed the plant's 894
-- products and 71 work centers for three names on every call: with the
-- names on the rows, 8 pgbench clients read 571 full Gantts a second
-- instead of 470 (both with the rows in chart order, below). The names are
-- the plan's, like the product and due date 0.15.0 put on the rows: the
-- family is the one the plan computed its setups with, and a renamed
-- product or work center shows under its new name from the next plan on.
ALTER TABLE prodplan.planned_operations
  ADD COLUMN product_name text,
  ADD COLUMN family text,
  ADD COLUMN work_center_name text;
COMMENT ON COLUMN prodplan.planned_operations.product_name IS 'The product''s name as the plan saw it (prodplan.product.name when the plan was written); NULL when it had none or the product was unknown. Written with the plan; a row written without it gets the current one from prodplan.product by a statement trigger.';
COMMENT ON COLUMN prodplan.planned_operations.family IS 'The product''s family as the plan saw it (the one its setups were computed with); NULL when it had none. Written with the plan; a row written without it gets the current one from prodplan.product by a statement trigger.';
COMMENT ON COLUMN prodplan.planned_operations.work_center_name IS 'The work center''s name as the plan saw it (prodplan.work_center.name when the plan was written); NULL when it had none. Written with the plan; a row written without it gets the current one from prodplan.work_center by a statement trigger.';

-- Plans made before 0.16.0: the names the 0.15.0 view showed for them (its
-- LEFT JOINs: a row without a product or work center keeps NULL).
UPDATE prodplan.planned_operations po
SET product_name = pr.name, family = pr.family
FROM prodplan.plans p, prodplan.product pr
WHERE p.plan_id = po.plan_id AND pr.plant_id = p.plant_id AND pr.product_id = po.product_id
  AND (pr.name IS NOT NULL OR pr.family IS NOT NULL);
UPDATE prodplan.planned_operations po
SET work_center_name = wc.name
FROM prodplan.plans p, prodplan.work_center wc
WHERE p.plan_id = po.plan_id AND wc.plant_id = p.plant_id AND wc.work_center_id = po.work_center_id
  AND wc.name IS NOT NULL;

-- As 0.15.0's, and a row written without a name gets the current one. The
-- extension's own writes carry the names (NULL only where the plant's rows
-- have none: load_demo(1) plans 282 of 1,050 bars for products the product
-- sheet does not list), so after them this changes no row. What it costs a
-- plan's write is what it reads: the product is looked up once per order
-- (it is the order's, like product_id), work centers only when a row lacks
-- its name.
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
      product_id = coalesce(po.product_id, e.product_id),
      due_at = coalesce(po.due_at, e.due_at),
      product_name = coalesce(po.product_name,
                              CASE WHEN coalesce(po.product_id, e.product_id) = e.product_id THEN e.product_name END),
      family = coalesce(po.family, CASE WHEN coalesce(po.product_id, e.product_id) = e.product_id THEN e.family END)
  FROM (SELECT k.plan_id, k.order_id,
               (SELECT max(q.end_at) FROM prodplan.planned_operations q
                WHERE q.plan_id = k.plan_id AND q.order_id = k.order_id) AS order_end_at,
               coalesce(pod.product_id, o.product_id) AS product_id,
               CASE WHEN pod.plan_id IS NOT NULL THEN pod.due_at ELSE o.due_at END AS due_at,
               pr.name AS product_name, pr.family
        FROM unnest(kp, ko) AS k(plan_id, order_id)
        LEFT JOIN prodplan.plans p ON p.plan_id = k.plan_id
        LEFT JOIN prodplan.plan_orders pod ON pod.plan_id = k.plan_id AND pod.order_id = k.order_id
        LEFT JOIN prodplan.production_order o ON o.plant_id = p.plant_id AND o.order_id = k.order_id
        LEFT JOIN prodplan.product pr ON pr.plant_id = p.plant_id
                                     AND pr.product_id = coalesce(pod.product_id, o.product_id)) e
  WHERE po.plan_id = e.plan_id AND po.order_id = e.order_id
    AND (po.order_end_at IS DISTINCT FROM e.order_end_at
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
COMMENT ON FUNCTION prodplan.planned_operations_changed() IS 'Statement trigger of prodplan.planned_operations: for each order a statement inserted, updated or deleted rows of, sets order_end_at on the order''s rows of that plan to their latest end_at, fills a missing product_id or due_at with the order''s as the plan saw it (prodplan.plan_orders, else prodplan.production_order), a missing product_name or family with the current ones of the order''s product, and a missing work_center_name with the current one. Rows already right are not rewritten.';
COMMENT ON TRIGGER planned_operations_order_end_ins ON prodplan.planned_operations IS 'Keeps order_end_at the latest end_at of each order a statement inserted rows of, and fills a missing product_id, due_at or name (prodplan.planned_operations_changed).';
COMMENT ON TRIGGER planned_operations_order_end_upd ON prodplan.planned_operations IS 'Keeps order_end_at the latest end_at of each order a statement updated rows of, before and after the update, and fills a missing product_id, due_at or name (prodplan.planned_operations_changed).';

-- The same 24 columns as 0.15.0, in the same order, from the bar's row and
-- its plan's.
CREATE OR REPLACE VIEW prodplan.gantt AS
SELECT po.plan_id, p.plant_id, p.status AS plan_status, po.order_id, po.product_id,
       po.product_name,
       po.family, po.operation, po.operation_id, po.work_center_id, po.work_center_name, po.unit,
       coalesce(po.work_center_name, po.work_center_id) || ' #' || po.unit AS resource,
       po.setup_start_at, po.start_at, po.end_at,
       po.span_hours,
       po.setup_minutes, po.work_minutes, po.duration_source, po.is_fixed,
       po.due_at,
       po.order_end_at,
       coalesce(po.order_end_at > po.due_at, false) AS order_late
FROM prodplan.planned_operations po
JOIN prodplan.plans p ON p.plan_id = po.plan_id;
COMMENT ON VIEW prodplan.gantt IS 'One bar per planned operation, ready for a BI tool''s Gantt chart: plan, order, product and family, operation, work center and unit (resource = "name #unit", the row of the chart), setup_start_at (the bar''s start, setup included), start_at (the work''s start) and end_at, span in hours, where the duration came from, whether it is fixed, and the order''s due date (as the plan saw it: a scenario''s changed one), planned end and lateness. Filter on plan_id (or plan_status = ''released''); ORDER BY work_center_id, unit, start_at is chart order, in which plans write their rows. Product and work center names and the family are the plan''s (a rename shows from the next plan on).';

-- ---------------------------------------------------------------------------
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
