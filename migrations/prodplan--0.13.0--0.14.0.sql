-- prodplan 0.13.0 -> 0.14.0 (issue 11): the schedule screen without sorts.
-- prodplan.gantt read in chart order (work center, unit, start) comes
-- straight from an index in that order, and each order's planned end is one
-- memoized lookup per order instead of a window over the plan. The demo
-- factory can be loaded as of any day (load_demo's as_of). Vacuum leaves
-- the extension's tables their pages, so readers on a standby are not
-- cancelled.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.14.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Found by tests/bench/bench_load.sh: reading every bar of a plan in chart
-- order (load_demo(1): 1,050 bars) sorted the bars twice, once by order for
-- the window that gives each bar its order's planned end and once for the
-- ORDER BY, and a sort of these 25-column rows costs about 1 ms (the
-- comparator walks each row's text columns to reach unit and start_at).
-- The index below serves ORDER BY work_center_id, unit, start_at for one
-- plan; it replaces planned_operations_wc_idx (plan_id, work_center_id,
-- start_at), whose every use it serves as well (the unit, 1 to a few, sits
-- between the work center and the time).
DROP INDEX prodplan.planned_operations_wc_idx;
CREATE INDEX planned_operations_chart_idx ON prodplan.planned_operations (plan_id, work_center_id, unit, start_at);

-- The order's planned end is asked per bar through a LATERAL subquery on
-- the primary key (plan_id, order_id, ...): the planner memoizes it per
-- order (83 lookups for 1,050 bars), and a plan's bars keep the index's
-- order through the joins. Same rows as 0.13.0's view (EXCEPT ALL both ways
-- on load_demo(1)); a chart read takes 2.8 ms instead of 4.4 (pgbench, one
-- client, prepared).
CREATE OR REPLACE VIEW prodplan.gantt AS
SELECT po.plan_id, p.plant_id, p.status AS plan_status, po.order_id, x.product_id,
       pr.name AS product_name,
       pr.family, po.operation, po.operation_id, po.work_center_id, wc.name AS work_center_name, po.unit,
       coalesce(wc.name, po.work_center_id) || ' #' || po.unit AS resource,
       po.setup_start_at, po.start_at, po.end_at,
       extract(epoch FROM po.end_at - po.setup_start_at) / 3600.0 AS span_hours,
       po.setup_minutes, po.work_minutes, po.duration_source, po.is_fixed,
       x.due_at,
       e.order_end_at,
       coalesce(e.order_end_at > x.due_at, false) AS order_late
FROM prodplan.planned_operations po
JOIN prodplan.plans p ON p.plan_id = po.plan_id
LEFT JOIN prodplan.plan_orders pod ON pod.plan_id = po.plan_id AND pod.order_id = po.order_id
-- The order's product and due date as the plan saw them; the order's
-- current row only for plans made before 0.6.0 (no plan_orders), asked per
-- bar and only then. Joining production_order hashed all of them (27,000
-- orders in load_demo(1)) to draw 1,050 bars.
CROSS JOIN LATERAL (
  SELECT coalesce(pod.product_id, (SELECT o.product_id FROM prodplan.production_order o
                                   WHERE o.plant_id = p.plant_id AND o.order_id = po.order_id)) AS product_id,
         CASE WHEN pod.plan_id IS NOT NULL THEN pod.due_at
              ELSE (SELECT o.due_at FROM prodplan.production_order o
                    WHERE o.plant_id = p.plant_id AND o.order_id = po.order_id) END AS due_at
  OFFSET 0) x
-- Never empty: the bar itself is one of the order's operations.
CROSS JOIN LATERAL (
  SELECT max(q.end_at) AS order_end_at FROM prodplan.planned_operations q
  WHERE q.plan_id = po.plan_id AND q.order_id = po.order_id) e
LEFT JOIN prodplan.product pr ON pr.plant_id = p.plant_id AND pr.product_id = x.product_id
LEFT JOIN prodplan.work_center wc ON wc.plant_id = p.plant_id AND wc.work_center_id = po.work_center_id;
COMMENT ON VIEW prodplan.gantt IS 'One bar per planned operation, ready for a BI tool''s Gantt chart: plan, order, product and family, operation, work center and unit (resource = "name #unit", the row of the chart), setup_start_at (the bar''s start, setup included), start_at (the work''s start) and end_at, span in hours, where the duration came from, whether it is fixed, and the order''s due date (as the plan saw it: a scenario''s changed one), planned end and lateness. Filter on plan_id (or plan_status = ''released''); ORDER BY work_center_id, unit, start_at (chart order) is read from an index without a sort.';

-- ---------------------------------------------------------------------------
-- The demo factory as of a given moment. Its data was always exported on
-- 2026-11-16 (a fixed default, so the same seed gives the same rows on any
-- day); a plan made from now() on it drifts further from the data every day
-- (open orders long past due, a schedule starting weeks after the last
-- activity). as_of moves the export moment, and with it every date of the
-- factory; make demo loads it as of today. The default keeps the fixed date:
-- tests and benchmarks compare runs across days.
DROP FUNCTION prodplan.load_demo(float8, int, text);
CREATE FUNCTION prodplan.load_demo(scale float8 DEFAULT 0.01, seed int DEFAULT 42, via text DEFAULT 'workbook',
                                   as_of timestamptz DEFAULT '2026-11-16 00:00:00+00')
RETURNS jsonb
LANGUAGE c VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_load_demo';
COMMENT ON FUNCTION prodplan.load_demo(float8, int, text, timestamptz) IS
  'Generates the deterministic demo factory (plant DEMO) for scale, seed and as_of and loads it, replacing earlier demo data. as_of is the moment the factory''s data was exported: its last activity lies just before it, its open orders are due around and after it (default 2026-11-16 00:00 UTC, so the same arguments give the same rows on any day; as_of => date_trunc(''day'', now()) gives a factory as of today; fractions of a second are dropped; 2000-01-01 to 2200-01-01). via => ''workbook'' (default) writes the workbook entities as the reference workbook and ingests it (as a factory''s export would be), loading what the workbook lacks (calendars, materials, stock, SPC, resource events) directly; via => ''direct'' bulk-loads every table from the generator. Returns row counts per table, the as_of used and the planted workbook flaws.';
REVOKE ALL ON FUNCTION prodplan.load_demo(float8, int, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.load_demo(float8, int, text, timestamptz) TO prodplan_planner;

DROP FUNCTION prodplan.demo_workbook(float8, int);
CREATE FUNCTION prodplan.demo_workbook(scale float8 DEFAULT 0.01, seed int DEFAULT 42,
                                       as_of timestamptz DEFAULT '2026-11-16 00:00:00+00')
RETURNS bytea
LANGUAGE c VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_demo_workbook';
COMMENT ON FUNCTION prodplan.demo_workbook(float8, int, timestamptz) IS
  'The workbook part of the demo factory for scale, seed and as_of (the export moment, as in prodplan.load_demo; default 2026-11-16 00:00 UTC) as an .xlsx in the reference format (9 sheets, reference headers), including its planted flaws: numbers as text, literal NULL, text dates, duplicated and invalid rows. Byte-identical for the same arguments.';
REVOKE ALL ON FUNCTION prodplan.demo_workbook(float8, int, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.demo_workbook(float8, int, timestamptz) TO prodplan_planner;

-- ---------------------------------------------------------------------------
-- Reads on a hot standby are not cancelled by the primary's vacuum giving
-- empty pages back. Found by tests/integration/test_replica.sh in a
-- clean-clone run: quality_score on the standby was cancelled ("conflict with
-- recovery: User was holding a relation lock for too long"). The built-in
-- jobs rewrite the aggregates, the progress list and the caches every
-- minute; autovacuum then truncates their emptied tail pages, which takes an
-- ACCESS EXCLUSIVE lock. That lock is replayed on a standby, waits there for
-- the readers of the table, and cancels them after
-- max_standby_streaming_delay (30 s, counted from when the WAL arrived, so a
-- lagging standby cancels at once). Without truncation these tables keep
-- their pages for the next rewrite, which refills them anyway; VACUUM
-- (TRUNCATE) still gives the space back on demand. Every plain table of the
-- extension, and its TOAST table; the monthly partitions of the fact tables
-- are appended to, not rewritten, and keep the default.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT c.oid::regclass AS name FROM pg_catalog.pg_class c
    WHERE c.relnamespace = 'prodplan'::regnamespace AND c.relkind = 'r' AND NOT c.relispartition
    ORDER BY 1
  LOOP
    EXECUTE format('ALTER TABLE %s SET (vacuum_truncate = false, toast.vacuum_truncate = false)', t.name);
  END LOOP;
END
$$;

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
