-- prodplan 0.5.0 -> 0.6.0: what-if scenarios.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.6.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- A scenario is a plan like any other (planned_operations, plan_problems,
-- plan_kpis, gantt), with status 'scenario', the plan it varies, its changes
-- and the data version it was computed on. The same changes on the same base
-- plan and data version give the stored scenario back (prodplan.whatif).
-- ---------------------------------------------------------------------------
ALTER TABLE prodplan.plans DROP CONSTRAINT plans_status_check,
  ADD CONSTRAINT plans_status_check CHECK (status IN ('proposed', 'released', 'superseded', 'scenario')),
  ADD COLUMN base_plan_id bigint REFERENCES prodplan.plans ON DELETE CASCADE,
  ADD COLUMN changes jsonb,
  ADD COLUMN changes_hash text,
  ADD COLUMN data_version bigint,
  ADD CONSTRAINT plans_scenario_check CHECK ((status = 'scenario') = (base_plan_id IS NOT NULL AND changes IS NOT NULL));
COMMENT ON COLUMN prodplan.plans.status IS 'proposed (made, not committed), released (the committed plan of its plant; at most one), superseded (released once, replaced by a later release), scenario (a what-if of prodplan.whatif: never released, never the current plan).';
COMMENT ON COLUMN prodplan.plans.base_plan_id IS 'For a scenario: the plan whose data and sequence it varies.';
COMMENT ON COLUMN prodplan.plans.changes IS 'For a scenario: the changes as given to prodplan.whatif (a JSON array).';
COMMENT ON COLUMN prodplan.plans.changes_hash IS 'For a scenario: md5 of its changes and options (jsonb text, so key order does not matter): with base_plan_id and data_version, what finds a stored scenario again.';
COMMENT ON COLUMN prodplan.plans.data_version IS 'For a scenario: prodplan.data_version when it was computed (a later data change makes prodplan.whatif compute it again).';
CREATE INDEX plans_scenario_idx ON prodplan.plans (base_plan_id, changes_hash) WHERE status = 'scenario';

-- The orders as each plan saw them: a scenario changes due dates and
-- priorities and adds hypothetical orders that exist nowhere else, so its
-- KPIs, Gantt and differences read them from here. Plans made before 0.6.0
-- have no rows here; readers fall back to prodplan.production_order.
CREATE TABLE prodplan.plan_orders (
  plan_id       bigint NOT NULL REFERENCES prodplan.plans ON DELETE CASCADE,
  order_id      text NOT NULL,
  product_id    text,
  released_at   timestamptz NOT NULL,
  due_at        timestamptz,
  priority      float8 NOT NULL CHECK (priority > 0),
  hypothetical  boolean NOT NULL DEFAULT false,
  PRIMARY KEY (plan_id, order_id)
);
COMMENT ON TABLE prodplan.plan_orders IS 'One row per order a plan planned, as the plan saw it: for a what-if scenario its changed due dates and priorities, and its hypothetical (rush) orders. The planned end of an order is max(end_at) of its rows in prodplan.planned_operations.';
COMMENT ON COLUMN prodplan.plan_orders.released_at IS 'Nothing of the order starts before this (its creation; a rush order: the plan start).';
COMMENT ON COLUMN prodplan.plan_orders.due_at IS 'The due date the plan measured lateness against (NULL: none).';
COMMENT ON COLUMN prodplan.plan_orders.priority IS 'The order''s weight in the plan''s weighted tardiness.';
COMMENT ON COLUMN prodplan.plan_orders.hypothetical IS 'true: the order exists only in this scenario (a rush_order change).';
GRANT SELECT ON prodplan.plan_orders TO prodplan_reader;
GRANT INSERT, UPDATE, DELETE ON prodplan.plan_orders TO prodplan_planner;

-- ---------------------------------------------------------------------------
-- Reading plans through plan_orders.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.plan_order_ends(plan_id bigint)
RETURNS TABLE (order_id text, product_id text, released_at timestamptz, due_at timestamptz, priority float8,
               hypothetical boolean, end_at timestamptz)
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH p AS (SELECT pl.plant_id FROM prodplan.plans pl WHERE pl.plan_id = plan_order_ends.plan_id),
  ends AS (SELECT po.order_id, max(po.end_at) AS end_at FROM prodplan.planned_operations po
           WHERE po.plan_id = plan_order_ends.plan_id GROUP BY po.order_id)
  SELECT po.order_id, po.product_id, po.released_at, po.due_at, po.priority, po.hypothetical, e.end_at
  FROM prodplan.plan_orders po LEFT JOIN ends e USING (order_id)
  WHERE po.plan_id = plan_order_ends.plan_id
  UNION ALL
  -- A plan made before 0.6.0: its orders as the base data has them now.
  SELECT e.order_id, o.product_id, o.created_at, o.due_at, coalesce(o.priority, 1), false, e.end_at
  FROM ends e LEFT JOIN prodplan.production_order o ON o.plant_id = (SELECT p.plant_id FROM p) AND o.order_id = e.order_id
  WHERE NOT EXISTS (SELECT 1 FROM prodplan.plan_orders x WHERE x.plan_id = plan_order_ends.plan_id)
$fn$;
COMMENT ON FUNCTION prodplan.plan_order_ends(bigint) IS 'The orders of a plan as it saw them (prodplan.plan_orders: due date, priority, hypothetical) with their planned end (NULL: nothing of the order could be placed). For plans made before 0.6.0, the orders'' current rows in prodplan.production_order.';

CREATE OR REPLACE VIEW prodplan.gantt AS
SELECT po.plan_id, p.plant_id, p.status AS plan_status, po.order_id, coalesce(pod.product_id, o.product_id) AS product_id,
       pr.name AS product_name,
       pr.family, po.operation, po.operation_id, po.work_center_id, wc.name AS work_center_name, po.unit,
       coalesce(wc.name, po.work_center_id) || ' #' || po.unit AS resource,
       po.setup_start_at, po.start_at, po.end_at,
       extract(epoch FROM po.end_at - po.setup_start_at) / 3600.0 AS span_hours,
       po.setup_minutes, po.work_minutes, po.duration_source, po.is_fixed,
       CASE WHEN pod.plan_id IS NOT NULL THEN pod.due_at ELSE o.due_at END AS due_at,
       max(po.end_at) OVER (PARTITION BY po.plan_id, po.order_id) AS order_end_at,
       coalesce(max(po.end_at) OVER (PARTITION BY po.plan_id, po.order_id) >
                CASE WHEN pod.plan_id IS NOT NULL THEN pod.due_at ELSE o.due_at END, false) AS order_late
FROM prodplan.planned_operations po
JOIN prodplan.plans p ON p.plan_id = po.plan_id
LEFT JOIN prodplan.plan_orders pod ON pod.plan_id = po.plan_id AND pod.order_id = po.order_id
LEFT JOIN prodplan.production_order o ON o.plant_id = p.plant_id AND o.order_id = po.order_id
LEFT JOIN prodplan.product pr ON pr.plant_id = p.plant_id AND pr.product_id = coalesce(pod.product_id, o.product_id)
LEFT JOIN prodplan.work_center wc ON wc.plant_id = p.plant_id AND wc.work_center_id = po.work_center_id;
COMMENT ON VIEW prodplan.gantt IS 'One bar per planned operation, ready for a BI tool''s Gantt chart: plan, order, product and family, operation, work center and unit (resource = "name #unit", the row of the chart), setup_start_at (the bar''s start, setup included), start_at (the work''s start) and end_at, span in hours, where the duration came from, whether it is fixed, and the order''s due date (as the plan saw it: a scenario''s changed one), planned end and lateness. Filter on plan_id (or plan_status = ''released'').';

CREATE OR REPLACE FUNCTION prodplan.plan_kpis(plan_id bigint)
RETURNS TABLE (kpi text, value float8, unit text)
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH p AS (
    SELECT * FROM prodplan.plans WHERE plans.plan_id = plan_kpis.plan_id
  ), ops AS (
    SELECT po.* FROM prodplan.planned_operations po WHERE po.plan_id = plan_kpis.plan_id
  ), orders AS (
    SELECT e.order_id, e.end_at, e.due_at, e.released_at AS created_at, e.priority
    FROM prodplan.plan_order_ends(plan_kpis.plan_id) e WHERE e.end_at IS NOT NULL
  ), span AS (
    SELECT (SELECT plan_start FROM p) AS t0, greatest(max(end_at), (SELECT plan_start FROM p)) AS t1 FROM ops
  ), wt AS (
    SELECT w.calendar_id, range_agg(tstzrange(w.starts_at, w.ends_at)) AS r
    FROM span, prodplan.working_time((SELECT plant_id FROM p), span.t0, span.t1) w
    GROUP BY w.calendar_id
  ), available AS (
    -- Working minutes of each work center over the plan's span, all units.
    SELECT wc.work_center_id, wc.capacity_units *
           CASE WHEN wc.calendar_id IS NULL THEN extract(epoch FROM span.t1 - span.t0) / 60.0
                ELSE coalesce((SELECT sum(extract(epoch FROM upper(x) - lower(x))) / 60.0
                               FROM wt, unnest(wt.r) x WHERE wt.calendar_id = wc.calendar_id), 0) END AS minutes
    FROM prodplan.work_center wc, span
    WHERE wc.plant_id = (SELECT plant_id FROM p)
  ), busy AS (
    -- The working time each operation occupies inside the plan's span (work
    -- started before the plan start counts from the start on).
    SELECT ops.work_center_id,
           sum(least(ops.work_minutes + ops.setup_minutes,
                     CASE WHEN wc.calendar_id IS NULL
                          THEN extract(epoch FROM ops.end_at - greatest(ops.setup_start_at, span.t0)) / 60.0
                          ELSE coalesce((SELECT sum(extract(epoch FROM upper(x) - lower(x))) / 60.0
                                         FROM wt, unnest(wt.r * tstzmultirange(tstzrange(greatest(ops.setup_start_at, span.t0), ops.end_at))) x
                                         WHERE wt.calendar_id = wc.calendar_id), 0) END)) AS minutes
    FROM ops
    CROSS JOIN span
    JOIN prodplan.work_center wc ON wc.plant_id = (SELECT plant_id FROM p) AND wc.work_center_id = ops.work_center_id
    WHERE ops.end_at > span.t0
    GROUP BY 1
  )
  SELECT 'makespan', extract(epoch FROM span.t1 - span.t0) / 3600.0, 'hours' FROM span
  UNION ALL
  SELECT 'weighted_tardiness', coalesce(sum(priority * greatest(extract(epoch FROM end_at - due_at), 0)) / 3600.0, 0),
         'weighted hours' FROM orders
  UNION ALL
  SELECT 'late_orders', count(*) FILTER (WHERE end_at > due_at), 'orders' FROM orders
  UNION ALL
  SELECT 'on_time', 100.0 * count(*) FILTER (WHERE end_at <= due_at) / nullif(count(due_at), 0), '%' FROM orders
  UNION ALL
  SELECT 'mean_flow_time', avg(extract(epoch FROM end_at - created_at)) / 3600.0, 'hours' FROM orders
  UNION ALL
  SELECT 'setups', count(*) FILTER (WHERE setup_minutes > 0), 'setups' FROM ops
  UNION ALL
  SELECT 'orders', count(*), 'orders' FROM orders
  UNION ALL
  SELECT 'operations', count(*), 'operations' FROM ops
  UNION ALL
  SELECT 'problems', count(*), 'problems' FROM prodplan.plan_problems pp WHERE pp.plan_id = plan_kpis.plan_id
  UNION ALL
  (SELECT 'utilisation:' || a.work_center_id, 100.0 * b.minutes / nullif(a.minutes, 0), '%'
   FROM busy b JOIN available a USING (work_center_id)
   ORDER BY a.work_center_id)
$fn$;
COMMENT ON FUNCTION prodplan.plan_kpis(bigint) IS 'KPIs of a plan: makespan (hours from plan start to the last end), weighted tardiness (hours late x order priority), late orders, on-time %, mean flow time (hours from order creation, or a rush order''s release, to planned end), setups, counts of orders, operations and problems, and utilisation:<work center> (% of its working time over the plan''s span, all units, spent in setups and work). Orders are taken as the plan saw them (prodplan.plan_orders: a scenario''s changed due dates and its hypothetical orders); utilisation is measured against the base calendars and units, so a scenario that adds capacity can exceed 100%.';

CREATE FUNCTION prodplan.compare_plans(plan_a bigint, plan_b bigint)
RETURNS TABLE (kpi text, a float8, b float8, delta float8, unit text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  pa text;
  pb text;
BEGIN
  SELECT p.plant_id INTO pa FROM prodplan.plans p WHERE p.plan_id = compare_plans.plan_a;
  SELECT p.plant_id INTO pb FROM prodplan.plans p WHERE p.plan_id = compare_plans.plan_b;
  IF pa IS NULL OR pb IS NULL THEN
    RAISE EXCEPTION 'prodplan.compare_plans: no plan %', CASE WHEN pa IS NULL THEN compare_plans.plan_a ELSE compare_plans.plan_b END
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Plans are listed in prodplan.plans.';
  END IF;
  IF pa <> pb THEN
    RAISE EXCEPTION 'prodplan.compare_plans: plan % is of plant %, plan % of plant %', compare_plans.plan_a, pa, compare_plans.plan_b, pb
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Compare plans of one plant.';
  END IF;
  RETURN QUERY
  SELECT coalesce(x.kpi, y.kpi), x.value, y.value, y.value - x.value, coalesce(x.unit, y.unit)
  FROM prodplan.plan_kpis(compare_plans.plan_a) x FULL JOIN prodplan.plan_kpis(compare_plans.plan_b) y ON y.kpi = x.kpi
  ORDER BY coalesce(x.kpi, y.kpi) LIKE 'utilisation:%', coalesce(x.kpi, y.kpi);
END
$fn$;
COMMENT ON FUNCTION prodplan.compare_plans(bigint, bigint) IS 'Every KPI of prodplan.plan_kpis for two plans of one plant, plan_a and plan_b (typically a base plan and a what-if scenario of it): a and b, and the delta b - a, with its unit; the plan KPIs first, then utilisation per work center.';

CREATE FUNCTION prodplan.plan_diff(a bigint, b bigint)
RETURNS TABLE (order_id text, product_id text, end_a timestamptz, end_b timestamptz, delta_hours float8,
               due_at_a timestamptz, due_at_b timestamptz, late_a boolean, late_b boolean,
               tardiness_a_hours float8, tardiness_b_hours float8, change text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  pa text := (SELECT p.plant_id FROM prodplan.plans p WHERE p.plan_id = plan_diff.a);
  pb text := (SELECT p.plant_id FROM prodplan.plans p WHERE p.plan_id = plan_diff.b);
BEGIN
  IF pa IS NULL OR pb IS NULL THEN
    RAISE EXCEPTION 'prodplan.plan_diff: no plan %', CASE WHEN pa IS NULL THEN plan_diff.a ELSE plan_diff.b END
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Plans are listed in prodplan.plans.';
  END IF;
  IF pa <> pb THEN
    RAISE EXCEPTION 'prodplan.plan_diff: plan % is of plant %, plan % of plant %', plan_diff.a, pa, plan_diff.b, pb
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Compare plans of one plant.';
  END IF;
  RETURN QUERY
  WITH x AS (SELECT * FROM prodplan.plan_order_ends(plan_diff.a)),
  y AS (SELECT * FROM prodplan.plan_order_ends(plan_diff.b)),
  d AS (
    SELECT coalesce(x.order_id, y.order_id) AS order_id, coalesce(y.product_id, x.product_id) AS product_id,
           x.end_at AS end_a, y.end_at AS end_b,
           (extract(epoch FROM y.end_at - x.end_at) / 3600.0)::float8 AS delta_hours,
           x.due_at AS due_a, y.due_at AS due_b,
           x.order_id IS NOT NULL AND coalesce(x.end_at > x.due_at, false) AS late_a,
           y.order_id IS NOT NULL AND coalesce(y.end_at > y.due_at, false) AS late_b,
           greatest(extract(epoch FROM x.end_at - x.due_at) / 3600.0, 0)::float8 AS tard_a,
           greatest(extract(epoch FROM y.end_at - y.due_at) / 3600.0, 0)::float8 AS tard_b,
           x.order_id IS NULL AS added, y.order_id IS NULL AS removed
    FROM x FULL JOIN y ON y.order_id = x.order_id)
  SELECT d.order_id, d.product_id, d.end_a, d.end_b, d.delta_hours, d.due_a, d.due_b, d.late_a, d.late_b,
         d.tard_a, d.tard_b,
         CASE WHEN d.added THEN 'added'
              WHEN d.removed THEN 'removed'
              WHEN NOT d.late_a AND d.late_b THEN 'became late'
              WHEN d.late_a AND NOT d.late_b THEN 'now on time'
              WHEN d.end_b > d.end_a THEN 'later'
              WHEN d.end_b < d.end_a THEN 'earlier'
              ELSE 'due date changed' END
  FROM d
  WHERE d.added OR d.removed OR d.end_a IS DISTINCT FROM d.end_b OR d.due_a IS DISTINCT FROM d.due_b
  ORDER BY d.added OR d.removed DESC, abs(coalesce(d.tard_b, 0) - coalesce(d.tard_a, 0)) DESC,
           abs(coalesce(d.delta_hours, 0)) DESC, d.order_id;
END
$fn$;
COMMENT ON FUNCTION prodplan.plan_diff(bigint, bigint) IS 'The orders whose planned completion differs between plans a and b of one plant (typically a base plan and a what-if scenario): both completion times, the delta in hours (b - a), both due dates (a scenario may change them), lateness and tardiness hours in each, and the change (added: only in b, e.g. a rush order; removed: only in a, e.g. cancelled; became late; now on time; later; earlier; due date changed). Most affected first: added and removed orders, then by the change in tardiness, then by the move.';

-- ---------------------------------------------------------------------------
-- What-if.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.whatif_changes(plant text, changes jsonb, plan_start bigint)
RETURNS TABLE (item int, type text, work_center text, product text, order_id text, periods bigint[],
               add boolean, units_set int, units_add int, factor float8, quantity float8, base_quantity float8,
               due bigint, priority float8, cancel boolean, rule text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  c        jsonb;
  i        int := 0;
  t        text;
  allowed  text[];
  bad      text;
  f        timestamptz;
  tt       timestamptz;
  tz       text;
  sh_start interval;
  sh_end   interval;
  dows     int[];
  what     text;
  rush_ids text[] := '{}';
BEGIN
  IF changes IS NULL OR jsonb_typeof(changes) <> 'array' THEN
    RAISE EXCEPTION 'prodplan.whatif: changes must be a JSON array of objects, each with a "type"'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Example: [{"type": "work_center_down", "work_center": "40", "from": "2026-12-01 06:00", "to": "2026-12-03 06:00"}]';
  END IF;
  FOR c IN SELECT e FROM jsonb_array_elements(changes) e LOOP
    i := i + 1;
    what := format('prodplan.whatif: change %s', i);
    IF jsonb_typeof(c) <> 'object' OR NOT c ? 'type' THEN
      RAISE EXCEPTION '%: an object with a "type" is expected, got %', what, left(c::text, 200)
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    t := c ->> 'type';
    what := format('%s (%s)', what, t);
    allowed := CASE t
      WHEN 'work_center_down' THEN ARRAY['type', 'work_center', 'from', 'to']
      WHEN 'capacity' THEN ARRAY['type', 'work_center', 'units', 'units_add', 'from', 'to']
      WHEN 'calendar' THEN ARRAY['type', 'work_center', 'action', 'from', 'to', 'shift', 'days', 'time_zone', 'label']
      WHEN 'rush_order' THEN ARRAY['type', 'order_id', 'product', 'quantity', 'due', 'priority']
      WHEN 'order' THEN ARRAY['type', 'order_id', 'due', 'priority', 'quantity', 'cancel']
      WHEN 'duration_factor' THEN ARRAY['type', 'work_center', 'product', 'factor']
      WHEN 'rule' THEN ARRAY['type', 'rule']
    END;
    IF allowed IS NULL THEN
      RAISE EXCEPTION 'prodplan.whatif: change %: unknown type "%"', i, t
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Types: work_center_down, capacity, calendar, rush_order, order, duration_factor, rule.';
    END IF;
    SELECT string_agg(format('"%s"', k), ', ' ORDER BY k) INTO bad FROM jsonb_object_keys(c) k WHERE k <> ALL (allowed);
    IF bad IS NOT NULL THEN
      RAISE EXCEPTION '%: unknown field(s) %', what, bad
        USING ERRCODE = 'invalid_parameter_value', HINT = format('Fields of %s: %s.', t, array_to_string(allowed, ', '));
    END IF;

    -- Fields every type checks the same way.
    IF c ? 'work_center' THEN
      IF jsonb_typeof(c -> 'work_center') NOT IN ('string', 'number') THEN
        RAISE EXCEPTION '%: work_center must be a work center id (text)', what USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM prodplan.work_center w WHERE w.plant_id = plant AND w.work_center_id = c ->> 'work_center') THEN
        RAISE EXCEPTION '%: work center "%" is unknown in plant %', what, c ->> 'work_center', plant
          USING ERRCODE = 'invalid_parameter_value', HINT = 'Work centers are listed in prodplan.work_center.';
      END IF;
    END IF;
    IF c ? 'product' THEN
      IF NOT EXISTS (SELECT 1 FROM prodplan.product p WHERE p.plant_id = plant AND p.product_id = c ->> 'product') THEN
        RAISE EXCEPTION '%: product "%" is unknown in plant %', what, c ->> 'product', plant
          USING ERRCODE = 'invalid_parameter_value', HINT = 'Products are listed in prodplan.product.';
      END IF;
    END IF;
    f := NULL;
    tt := NULL;
    BEGIN
      f := (c ->> 'from')::timestamptz;
      tt := (c ->> 'to')::timestamptz;
    EXCEPTION WHEN others THEN
      RAISE EXCEPTION '%: from and to must be timestamps (e.g. "2026-12-01 06:00"): %', what, SQLERRM
        USING ERRCODE = 'invalid_parameter_value';
    END;
    IF (c ? 'from') <> (c ? 'to') AND t IN ('capacity') THEN
      RAISE EXCEPTION '%: a period needs both from and to', what USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF t IN ('work_center_down', 'calendar') AND (f IS NULL OR tt IS NULL) THEN
      RAISE EXCEPTION '%: from and to are required', what USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF f IS NOT NULL AND tt IS NOT NULL AND f >= tt THEN
      RAISE EXCEPTION '%: from (%) must be before to (%)', what, f, tt USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR bad IN SELECT k FROM unnest(ARRAY['units', 'units_add', 'factor', 'quantity', 'priority']) k
               WHERE c ? k AND jsonb_typeof(c -> k) <> 'number' LOOP
      RAISE EXCEPTION '%: % must be a number, got %', what, bad, c -> bad USING ERRCODE = 'invalid_parameter_value';
    END LOOP;

    item := i;
    type := t;
    work_center := c ->> 'work_center';
    product := c ->> 'product';
    order_id := NULL;
    periods := CASE WHEN f IS NOT NULL THEN ARRAY[extract(epoch FROM f)::bigint, extract(epoch FROM tt)::bigint] END;
    add := NULL;
    units_set := NULL;
    units_add := NULL;
    factor := NULL;
    quantity := NULL;
    base_quantity := NULL;
    due := NULL;
    priority := NULL;
    cancel := NULL;
    rule := NULL;

    IF t = 'work_center_down' AND NOT c ? 'work_center' THEN
      RAISE EXCEPTION '%: work_center is required', what USING ERRCODE = 'invalid_parameter_value';
    ELSIF t = 'capacity' THEN
      IF NOT c ? 'work_center' THEN
        RAISE EXCEPTION '%: work_center is required', what USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF (c ? 'units') = (c ? 'units_add') THEN
        RAISE EXCEPTION '%: give either units (the count to set) or units_add (units added, negative to remove)', what
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF c ? 'units' AND ((c ->> 'units')::numeric < 0 OR (c ->> 'units')::numeric <> trunc((c ->> 'units')::numeric)) THEN
        RAISE EXCEPTION '%: units must be a whole number >= 0, got %', what, c ->> 'units' USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF c ? 'units_add' AND (c ->> 'units_add')::numeric <> trunc((c ->> 'units_add')::numeric) THEN
        RAISE EXCEPTION '%: units_add must be a whole number, got %', what, c ->> 'units_add' USING ERRCODE = 'invalid_parameter_value';
      END IF;
      units_set := (c ->> 'units')::int;
      units_add := (c ->> 'units_add')::int;
    ELSIF t = 'calendar' THEN
      IF c ->> 'action' IS NULL OR c ->> 'action' NOT IN ('add', 'remove') THEN
        RAISE EXCEPTION '%: action must be "add" (overtime, an extra shift) or "remove" (a holiday, a shift less), got %',
          what, coalesce((c -> 'action')::text, 'nothing') USING ERRCODE = 'invalid_parameter_value';
      END IF;
      add := c ->> 'action' = 'add';
      IF c ? 'shift' THEN
        -- A daily window between from and to, in the work center's calendar
        -- time zone (or time_zone, or the session's).
        tz := coalesce(c ->> 'time_zone',
                       (SELECT cal.timezone FROM prodplan.work_center w JOIN prodplan.calendar cal
                          ON cal.plant_id = w.plant_id AND cal.calendar_id = w.calendar_id
                        WHERE w.plant_id = plant AND w.work_center_id = c ->> 'work_center'),
                       current_setting('TimeZone'));
        -- (pg_timezone_names would read the whole time zone database.)
        BEGIN
          PERFORM now() AT TIME ZONE tz;
        EXCEPTION WHEN others THEN
          RAISE EXCEPTION '%: unknown time zone "%"', what, tz USING ERRCODE = 'invalid_parameter_value';
        END;
        BEGIN
          sh_start := (c -> 'shift' ->> 'start')::time;
          sh_end := (c -> 'shift' ->> 'end')::time;
        EXCEPTION WHEN others THEN
          sh_start := NULL;
        END;
        IF sh_start IS NULL OR sh_end IS NULL THEN
          RAISE EXCEPTION '%: shift must be {"start": "HH:MM", "end": "HH:MM"} (end at or before start: the next day), got %',
            what, c -> 'shift' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        dows := NULL;
        IF c ? 'days' THEN
          IF jsonb_typeof(c -> 'days') <> 'array' OR EXISTS (SELECT 1 FROM jsonb_array_elements(c -> 'days') d
                                                            WHERE jsonb_typeof(d) <> 'number' OR d::text NOT IN ('1','2','3','4','5','6','7')) THEN
            RAISE EXCEPTION '%: days must be an array of ISO weekdays (1 = Monday .. 7 = Sunday), got %', what, c -> 'days'
              USING ERRCODE = 'invalid_parameter_value';
          END IF;
          SELECT array_agg(d::int) INTO dows FROM jsonb_array_elements_text(c -> 'days') d;
        END IF;
        SELECT array_agg(v ORDER BY s, k) INTO periods
        FROM (SELECT greatest(w.ws, f) AS s, least(w.we, tt) AS e
              FROM generate_series((f AT TIME ZONE tz)::date - 1, (tt AT TIME ZONE tz)::date, interval '1 day') d,
                   LATERAL (SELECT (d + sh_start) AT TIME ZONE tz AS ws,
                                   (d + sh_end + CASE WHEN sh_end <= sh_start THEN interval '1 day' ELSE interval '0' END)
                                     AT TIME ZONE tz AS we) w
              WHERE (dows IS NULL OR extract(isodow FROM d)::int = ANY (dows))
                AND least(w.we, tt) > greatest(w.ws, f)) x,
             LATERAL (VALUES (1, extract(epoch FROM x.s)::bigint), (2, extract(epoch FROM x.e)::bigint)) AS p(k, v);
        IF periods IS NULL THEN
          RAISE EXCEPTION '%: the shift falls on no day between from and to', what USING ERRCODE = 'invalid_parameter_value';
        END IF;
      ELSIF c ? 'days' OR c ? 'time_zone' THEN
        RAISE EXCEPTION '%: days and time_zone go with a shift', what USING ERRCODE = 'invalid_parameter_value';
      END IF;
    ELSIF t = 'rush_order' THEN
      IF NOT c ? 'product' OR NOT c ? 'due' THEN
        RAISE EXCEPTION '%: product and due are required', what USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM prodplan.routing_step r WHERE r.plant_id = plant AND r.product_id = c ->> 'product') THEN
        RAISE EXCEPTION '%: product "%" has no routing, so a new order of it cannot be planned', what, c ->> 'product'
          USING ERRCODE = 'invalid_parameter_value', HINT = 'Routings are in prodplan.routing_step.';
      END IF;
      order_id := coalesce(c ->> 'order_id', 'RUSH-' || i);
      IF EXISTS (SELECT 1 FROM prodplan.production_order o WHERE o.plant_id = plant AND o.order_id = whatif_changes.order_id)
         OR order_id = ANY (rush_ids) THEN
        RAISE EXCEPTION '%: order_id "%" is taken', what, order_id
          USING ERRCODE = 'invalid_parameter_value', HINT = 'Give the rush order an id no order has.';
      END IF;
      rush_ids := rush_ids || order_id;
      quantity := coalesce((c ->> 'quantity')::float8, 1);
      priority := coalesce((c ->> 'priority')::float8, 1);
    ELSIF t = 'order' THEN
      order_id := c ->> 'order_id';
      IF order_id IS NULL THEN
        RAISE EXCEPTION '%: order_id is required', what USING ERRCODE = 'invalid_parameter_value';
      END IF;
      SELECT coalesce(o.quantity, 1) INTO base_quantity FROM prodplan.production_order o
      WHERE o.plant_id = plant AND o.order_id = whatif_changes.order_id AND o.finished_at IS NULL;
      IF NOT FOUND THEN
        RAISE EXCEPTION '%: order "%" is not an open order of plant %', what, order_id, plant
          USING ERRCODE = 'invalid_parameter_value', HINT = 'Open orders: prodplan.production_order with no finished_at.';
      END IF;
      IF NOT (c ? 'due' OR c ? 'priority' OR c ? 'quantity' OR c ? 'cancel') THEN
        RAISE EXCEPTION '%: nothing to change: give due, priority, quantity or cancel', what USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF c ? 'cancel' AND jsonb_typeof(c -> 'cancel') <> 'boolean' THEN
        RAISE EXCEPTION '%: cancel must be true or false', what USING ERRCODE = 'invalid_parameter_value';
      END IF;
      cancel := coalesce((c ->> 'cancel')::boolean, false);
      IF cancel AND (c ? 'due' OR c ? 'priority' OR c ? 'quantity') THEN
        RAISE EXCEPTION '%: a cancelled order takes no other change', what USING ERRCODE = 'invalid_parameter_value';
      END IF;
      quantity := (c ->> 'quantity')::float8;
      priority := (c ->> 'priority')::float8;
    ELSIF t = 'duration_factor' THEN
      IF NOT (c ? 'work_center' OR c ? 'product') OR NOT c ? 'factor' THEN
        RAISE EXCEPTION '%: factor and a work_center, a product or both are required', what USING ERRCODE = 'invalid_parameter_value';
      END IF;
      factor := (c ->> 'factor')::float8;
      IF factor <= 0 OR factor > 100 THEN
        RAISE EXCEPTION '%: factor must be above 0 and at most 100, got %', what, factor USING ERRCODE = 'invalid_parameter_value';
      END IF;
    ELSIF t = 'rule' THEN
      rule := lower(c ->> 'rule');
      IF rule IS NULL OR rule NOT IN ('fifo', 'spt', 'edd', 'cr', 'slack', 'wspt', 'atc', 'best', 'optimise', 'optimize') THEN
        RAISE EXCEPTION '%: rule must be one of fifo, spt, edd, cr (or slack), wspt, atc, best, optimise; got %', what,
          coalesce((c -> 'rule')::text, 'nothing') USING ERRCODE = 'invalid_parameter_value';
      END IF;
    END IF;
    IF t IN ('rush_order', 'order') AND c ? 'due' THEN
      BEGIN
        due := extract(epoch FROM (c ->> 'due')::timestamptz)::bigint;
      EXCEPTION WHEN others THEN
        RAISE EXCEPTION '%: due must be a timestamp (e.g. "2026-12-15 16:00"): %', what, SQLERRM USING ERRCODE = 'invalid_parameter_value';
      END;
    END IF;
    IF quantity IS NOT NULL AND (quantity <= 0 OR quantity > 1e6) THEN
      RAISE EXCEPTION '%: quantity must be above 0, got %', what, quantity USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF priority IS NOT NULL AND (priority <= 0 OR priority > 1e6) THEN
      RAISE EXCEPTION '%: priority must be above 0, got %', what, priority USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN NEXT;
  END LOOP;
  IF (SELECT count(*) FROM jsonb_array_elements(changes) e WHERE e ->> 'type' = 'rule') > 1 THEN
    RAISE EXCEPTION 'prodplan.whatif: at most one rule change' USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$fn$;
COMMENT ON FUNCTION prodplan.whatif_changes(text, jsonb, bigint) IS 'Checks what-if changes field by field for a plant (an error names the change, its position and the bad field) and returns them typed, with periods as [start, end) Unix-second pairs (a calendar shift expanded day by day in its time zone). Used by prodplan.whatif; see it for the change types.';

CREATE FUNCTION prodplan.whatif_plan(base_plan bigint, changes jsonb, options jsonb, changes_hash text, data_version bigint)
RETURNS bigint
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_whatif_plan';
COMMENT ON FUNCTION prodplan.whatif_plan(bigint, jsonb, jsonb, text, bigint) IS 'The engine behind prodplan.whatif: plans the scenario (changes applied in memory to the base plan''s data, warm-started from its sequence) and stores it as a plan with status scenario. Call prodplan.whatif instead, which checks the options and reuses a stored scenario.';

CREATE FUNCTION prodplan.whatif(changes jsonb, base_plan bigint DEFAULT NULL, options jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  bad     text;
  plant   text;
  base    bigint := base_plan;
  status  text;
  version bigint;
  hash    text;
  found_id bigint;
BEGIN
  IF options IS NULL OR jsonb_typeof(options) <> 'object' THEN
    RAISE EXCEPTION 'prodplan.whatif: options must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(k, ', ' ORDER BY k) INTO bad FROM jsonb_object_keys(options) k
  WHERE k <> ALL (ARRAY['plant', 'time_limit_ms', 'max_iterations', 'seed']);
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'prodplan.whatif: unknown option(s) %', bad
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Options are plant, time_limit_ms (default 100), max_iterations and seed.';
  END IF;
  IF base IS NULL THEN
    -- The plant's current plan (released, else the newest proposed), or a new one.
    plant := options ->> 'plant';
    IF plant IS NULL THEN
      IF (SELECT count(*) FROM prodplan.plant) <> 1 THEN
        RAISE EXCEPTION 'prodplan.whatif: options.plant is needed: the database has % plants', (SELECT count(*) FROM prodplan.plant)
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      plant := (SELECT p.plant_id FROM prodplan.plant p);
    END IF;
    SELECT p.plan_id INTO base FROM prodplan.plans p
    WHERE p.plant_id = plant AND p.status IN ('released', 'proposed')
    ORDER BY p.status = 'released' DESC, p.plan_id DESC LIMIT 1;
    IF base IS NULL THEN
      base := prodplan.plan(jsonb_build_object('plant', plant));
    END IF;
  ELSE
    SELECT p.plant_id, p.status INTO plant, status FROM prodplan.plans p WHERE p.plan_id = base;
    IF plant IS NULL THEN
      RAISE EXCEPTION 'prodplan.whatif: no plan %', base
        USING ERRCODE = 'invalid_parameter_value', HINT = 'Plans are listed in prodplan.plans; NULL means the current plan.';
    END IF;
    IF options ? 'plant' AND options ->> 'plant' <> plant THEN
      RAISE EXCEPTION 'prodplan.whatif: plan % is of plant %, not %', base, plant, options ->> 'plant'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END IF;
  -- A stored scenario (its changes were checked when it was made).
  version := (SELECT d.version FROM prodplan.data_version d);
  hash := md5(changes::text || '|' || (options - 'plant')::text);
  SELECT p.plan_id INTO found_id FROM prodplan.plans p
  WHERE p.status = 'scenario' AND p.base_plan_id = base AND p.changes_hash = hash AND p.data_version = version
  ORDER BY p.plan_id DESC LIMIT 1;
  IF found_id IS NOT NULL THEN
    RETURN found_id;
  END IF;
  -- Checks every change now (errors name the field) before anything is written.
  PERFORM 1 FROM prodplan.whatif_changes(plant, changes,
                                         (SELECT extract(epoch FROM p.plan_start)::bigint FROM prodplan.plans p WHERE p.plan_id = base));
  RETURN prodplan.whatif_plan(base, changes, options - 'plant', hash, version);
END
$fn$;
COMMENT ON FUNCTION prodplan.whatif(jsonb, bigint, jsonb) IS 'A what-if scenario: applies changes to the base plan''s data in memory (the base tables are never written), re-plans warm-started from the base plan''s sequence (so work the changes do not touch keeps its order; then a short local search, options.time_limit_ms, default 100) and returns the scenario''s plan id (status scenario; compare it with prodplan.compare_plans and prodplan.plan_diff). base_plan NULL: the plant''s current plan (released, else the newest proposed; one is planned if there is none). The same changes and options on the same base plan and data version return the stored scenario. changes is a JSON array of objects: {"type": "work_center_down", "work_center", "from", "to"}; {"type": "capacity", "work_center", "units" (set) or "units_add", optional "from"/"to" (only then)}; {"type": "calendar", "work_center" (omit: all), "action": "add" or "remove", "from", "to", optional "shift": {"start": "22:00", "end": "06:00"}, "days" (ISO weekdays), "time_zone"}; {"type": "rush_order", "product", "due", "quantity" (default 1: durations x quantity), "priority" (default 1), "order_id" (default RUSH-<position>)}; {"type": "order", "order_id", "due", "priority", "quantity", "cancel"}; {"type": "duration_factor", "work_center" and/or "product", "factor"}; {"type": "rule", "rule": fifo, spt, edd, cr/slack, wspt, atc, best or optimise} (a rule replaces the warm start). Options: plant, time_limit_ms, max_iterations, seed. A bad change is an error naming it and its field; nothing is written.';

REVOKE ALL ON FUNCTION prodplan.whatif(jsonb, bigint, jsonb), prodplan.whatif_plan(bigint, jsonb, jsonb, text, bigint),
  prodplan.whatif_changes(text, jsonb, bigint), prodplan.compare_plans(bigint, bigint), prodplan.plan_diff(bigint, bigint),
  prodplan.plan_order_ends(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.whatif(jsonb, bigint, jsonb), prodplan.whatif_plan(bigint, jsonb, jsonb, text, bigint),
  prodplan.whatif_changes(text, jsonb, bigint) TO prodplan_planner;
GRANT EXECUTE ON FUNCTION prodplan.compare_plans(bigint, bigint), prodplan.plan_diff(bigint, bigint),
  prodplan.plan_order_ends(bigint) TO prodplan_reader;

-- A scenario is never committed: its calendars, capacities and orders exist
-- only in its changes.
CREATE OR REPLACE FUNCTION prodplan.release_plan(plan_id bigint)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  plant text;
  st text;
  previous bigint;
  n bigint;
BEGIN
  SELECT p.plant_id, p.status INTO plant, st FROM prodplan.plans p WHERE p.plan_id = release_plan.plan_id FOR UPDATE;
  IF plant IS NULL THEN
    RAISE EXCEPTION 'prodplan.release_plan: no plan %', release_plan.plan_id
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Plans are listed in prodplan.plans.';
  END IF;
  IF st = 'scenario' THEN
    RAISE EXCEPTION 'prodplan.release_plan: plan % is a what-if scenario', release_plan.plan_id
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Make the scenario''s changes real in the data (or plan with its rule), plan, and release that plan.';
  END IF;
  -- One release per plant at a time.
  PERFORM pg_advisory_xact_lock(hashtext('prodplan.release:' || plant));
  SELECT p.plan_id INTO previous FROM prodplan.plans p WHERE p.plant_id = plant AND p.status = 'released';
  IF previous = release_plan.plan_id THEN
    RETURN 0;
  END IF;
  IF previous IS NOT NULL THEN
    DELETE FROM prodplan.released_slots s WHERE s.plan_id = previous;
    UPDATE prodplan.plans p SET status = 'superseded' WHERE p.plan_id = previous;
    INSERT INTO prodplan.plan_history (plan_id, action, detail)
    VALUES (previous, 'superseded', jsonb_build_object('by_plan', release_plan.plan_id));
  END IF;
  INSERT INTO prodplan.released_slots (plant_id, work_center_id, unit, start_at, end_at, plan_id, order_id, operation, axis, slot)
  SELECT plant, po.work_center_id, po.unit, po.setup_start_at, po.end_at, po.plan_id, po.order_id, po.operation, 0, 'empty'
  FROM prodplan.planned_operations po
  WHERE po.plan_id = release_plan.plan_id AND po.end_at > po.setup_start_at;
  GET DIAGNOSTICS n = ROW_COUNT;
  UPDATE prodplan.plans p SET status = 'released', released_at = now() WHERE p.plan_id = release_plan.plan_id;
  INSERT INTO prodplan.plan_history (plan_id, action, detail)
  VALUES (release_plan.plan_id, 'released', jsonb_build_object('slots', n, 'replaces_plan', previous));
  RETURN n;
END
$fn$;
COMMENT ON FUNCTION prodplan.release_plan(bigint) IS 'Makes a plan the committed one of its plant (what prodplan.order_status and the floor follow): the previous released plan becomes superseded, and the plan''s operations become slots in prodplan.released_slots, whose exclusion constraint refuses any double booking of a unit. Returns the number of slots. A what-if scenario cannot be released.';
