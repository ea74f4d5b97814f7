-- prodplan 0.14.0 -> 0.15.0 (issue 11): a Gantt bar is read from its own
-- row. Each planned operation carries its order's product and due date (as
-- the plan saw them) and the order's planned end, written with the plan;
-- prodplan.gantt joins only the plan and the names of products and work
-- centers, and its span in hours is a generated column.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.15.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Found by tests/bench/bench_load.sh: under load, reading a plan's bars
-- through 0.14.0's view (plan_orders joined per bar, the order's row asked
-- for plans older than plan_orders, and a memoized max(end_at) per order)
-- served 236 full Gantt reads a second at 8 clients with the simple
-- protocol, where the same columns stored on the rows serve 440 (pgbench,
-- load_demo(1), 1,050 bars). These three facts do not change while the plan
-- stands: the product and due date are the ones plan_orders keeps (a
-- scenario's changed due date included), and the order's planned end is the
-- latest end_at among its bars, which only a write to these rows changes.
ALTER TABLE prodplan.planned_operations
  ADD COLUMN product_id text,
  ADD COLUMN due_at timestamptz,
  ADD COLUMN order_end_at timestamptz,
  -- The bar's length as 0.14.0's view computed it per read: numeric
  -- arithmetic on every bar was a fifth of a full Gantt read.
  ADD COLUMN span_hours numeric GENERATED ALWAYS AS (extract(epoch FROM end_at - setup_start_at) / 3600.0) STORED;
COMMENT ON COLUMN prodplan.planned_operations.product_id IS 'The order''s product as the plan saw it (prodplan.plan_orders.product_id), repeated on each of the order''s rows; NULL for an order without one. Written with the plan; a row written without it gets it from plan_orders (or the order''s row) by a statement trigger.';
COMMENT ON COLUMN prodplan.planned_operations.due_at IS 'The order''s due date as the plan saw it (prodplan.plan_orders.due_at: a scenario''s changed one), repeated on each of the order''s rows; NULL for an order without one. Written with the plan; a row written without it gets it from plan_orders (or the order''s row) by a statement trigger.';
COMMENT ON COLUMN prodplan.planned_operations.span_hours IS 'Hours from setup_start_at to end_at (the bar''s length, breaks included); computed from them.';
COMMENT ON COLUMN prodplan.planned_operations.order_end_at IS 'When the order''s last operation in this plan ends: the latest end_at among the order''s rows of the plan. Kept so by a statement trigger whoever writes the rows.';

-- Plans made before 0.15.0: the same values the 0.14.0 view computed (the
-- order's current row for plans made before plan_orders existed).
UPDATE prodplan.planned_operations po
SET product_id = f.product_id, due_at = f.due_at, order_end_at = f.order_end_at
FROM (
  SELECT q.plan_id, q.order_id, max(q.end_at) AS order_end_at,
         coalesce(min(pod.product_id), min(o.product_id)) AS product_id,
         CASE WHEN bool_or(pod.plan_id IS NOT NULL) THEN min(pod.due_at) ELSE min(o.due_at) END AS due_at
  FROM prodplan.planned_operations q
  JOIN prodplan.plans p ON p.plan_id = q.plan_id
  LEFT JOIN prodplan.plan_orders pod ON pod.plan_id = q.plan_id AND pod.order_id = q.order_id
  LEFT JOIN prodplan.production_order o ON o.plant_id = p.plant_id AND o.order_id = q.order_id
  GROUP BY q.plan_id, q.order_id) f
WHERE po.plan_id = f.plan_id AND po.order_id = f.order_id;

-- prodplan.plan(), whatif() and move_operation() write these columns right;
-- planners may also write the rows themselves (they hold INSERT, UPDATE and
-- DELETE on the table, and pg_regress plan builds a plan by hand). After
-- any statement, this recomputes the planned end of every order the
-- statement touched, old keys and new, and gives a row written without the
-- order's product or due date the ones the plan saw (plan_orders; the
-- order's row for a plan without one), as 0.14.0's view did at every read.
-- It rewrites only the rows that change: after the extension's own writes,
-- none. Its own UPDATE fires it once more, which then finds nothing to
-- change. Runs as the writer (row-level security by plant applies as it
-- does to the write itself).
CREATE FUNCTION prodplan.planned_operations_changed()
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
      due_at = coalesce(po.due_at, e.due_at)
  FROM (SELECT k.plan_id, k.order_id,
               (SELECT max(q.end_at) FROM prodplan.planned_operations q
                WHERE q.plan_id = k.plan_id AND q.order_id = k.order_id) AS order_end_at,
               coalesce(pod.product_id, o.product_id) AS product_id,
               CASE WHEN pod.plan_id IS NOT NULL THEN pod.due_at ELSE o.due_at END AS due_at
        FROM unnest(kp, ko) AS k(plan_id, order_id)
        LEFT JOIN prodplan.plans p ON p.plan_id = k.plan_id
        LEFT JOIN prodplan.plan_orders pod ON pod.plan_id = k.plan_id AND pod.order_id = k.order_id
        LEFT JOIN prodplan.production_order o ON o.plant_id = p.plant_id AND o.order_id = k.order_id) e
  WHERE po.plan_id = e.plan_id AND po.order_id = e.order_id
    AND (po.order_end_at IS DISTINCT FROM e.order_end_at
         OR (po.product_id IS NULL AND e.product_id IS NOT NULL)
         OR (po.due_at IS NULL AND e.due_at IS NOT NULL));
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.planned_operations_changed() IS 'Statement trigger of prodplan.planned_operations: for each order a statement inserted, updated or deleted rows of, sets order_end_at on the order''s rows of that plan to their latest end_at, and fills a missing product_id or due_at with the order''s as the plan saw it (prodplan.plan_orders, else prodplan.production_order). Rows already right are not rewritten.';
REVOKE ALL ON FUNCTION prodplan.planned_operations_changed() FROM PUBLIC;

CREATE TRIGGER planned_operations_order_end_ins AFTER INSERT ON prodplan.planned_operations
  REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.planned_operations_changed();
CREATE TRIGGER planned_operations_order_end_upd AFTER UPDATE ON prodplan.planned_operations
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.planned_operations_changed();
CREATE TRIGGER planned_operations_order_end_del AFTER DELETE ON prodplan.planned_operations
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION prodplan.planned_operations_changed();
COMMENT ON TRIGGER planned_operations_order_end_ins ON prodplan.planned_operations IS 'Keeps order_end_at the latest end_at of each order a statement inserted rows of, and fills a missing product_id or due_at (prodplan.planned_operations_changed).';
COMMENT ON TRIGGER planned_operations_order_end_upd ON prodplan.planned_operations IS 'Keeps order_end_at the latest end_at of each order a statement updated rows of, before and after the update, and fills a missing product_id or due_at (prodplan.planned_operations_changed).';
COMMENT ON TRIGGER planned_operations_order_end_del ON prodplan.planned_operations IS 'Keeps order_end_at the latest end_at of each order a statement deleted rows of (prodplan.planned_operations_changed).';

-- The same 24 columns as 0.14.0, in the same order, from the bar's row. A
-- plan's bars still come in chart order straight from
-- planned_operations_chart_idx; the names stay current (a renamed product
-- is drawn with its new name).
CREATE OR REPLACE VIEW prodplan.gantt AS
SELECT po.plan_id, p.plant_id, p.status AS plan_status, po.order_id, po.product_id,
       pr.name AS product_name,
       pr.family, po.operation, po.operation_id, po.work_center_id, wc.name AS work_center_name, po.unit,
       coalesce(wc.name, po.work_center_id) || ' #' || po.unit AS resource,
       po.setup_start_at, po.start_at, po.end_at,
       po.span_hours,
       po.setup_minutes, po.work_minutes, po.duration_source, po.is_fixed,
       po.due_at,
       po.order_end_at,
       coalesce(po.order_end_at > po.due_at, false) AS order_late
FROM prodplan.planned_operations po
JOIN prodplan.plans p ON p.plan_id = po.plan_id
LEFT JOIN prodplan.product pr ON pr.plant_id = p.plant_id AND pr.product_id = po.product_id
LEFT JOIN prodplan.work_center wc ON wc.plant_id = p.plant_id AND wc.work_center_id = po.work_center_id;
COMMENT ON VIEW prodplan.gantt IS 'One bar per planned operation, ready for a BI tool''s Gantt chart: plan, order, product and family, operation, work center and unit (resource = "name #unit", the row of the chart), setup_start_at (the bar''s start, setup included), start_at (the work''s start) and end_at, span in hours, where the duration came from, whether it is fixed, and the order''s due date (as the plan saw it: a scenario''s changed one), planned end and lateness. Filter on plan_id (or plan_status = ''released''); ORDER BY work_center_id, unit, start_at (chart order) is read from an index without a sort. Product and work center names are the current ones.';

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
