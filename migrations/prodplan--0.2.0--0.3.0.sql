-- prodplan 0.2.0 -> 0.3.0: finite-capacity planning (plans, planned operations,
-- the Gantt, order status, KPIs, an independent plan checker, released plans
-- protected against double booking) and the job-shop solver.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.3.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Planning inputs the workbook does not carry.
-- ---------------------------------------------------------------------------
ALTER TABLE prodplan.work_center
  ADD COLUMN resumable boolean NOT NULL DEFAULT true,
  ADD COLUMN setup_minutes float8 NOT NULL DEFAULT 0 CHECK (setup_minutes >= 0);
COMMENT ON COLUMN prodplan.work_center.resumable IS 'true: an operation interrupted by the end of working time continues in the next working period; false: an operation must fit in one working period (e.g. a lamination that cannot pause).';
COMMENT ON COLUMN prodplan.work_center.setup_minutes IS 'Setup time, minutes, when consecutive operations on a unit are of different product families (prodplan.setup_matrix overrides it per pair of families).';

ALTER TABLE prodplan.production_order
  ADD COLUMN priority float8 NOT NULL DEFAULT 1 CHECK (priority > 0);
COMMENT ON COLUMN prodplan.production_order.priority IS 'Weight of the order in the planning objective (weighted tardiness): 2 counts an hour late twice as much as 1.';

CREATE TABLE prodplan.setup_matrix (
  plant_id        text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  work_center_id  text NOT NULL,
  from_family     text NOT NULL,
  to_family       text NOT NULL,
  setup_minutes   float8 NOT NULL CHECK (setup_minutes >= 0),
  PRIMARY KEY (plant_id, work_center_id, from_family, to_family),
  FOREIGN KEY (plant_id, work_center_id) REFERENCES prodplan.work_center ON DELETE CASCADE
);
COMMENT ON TABLE prodplan.setup_matrix IS 'Sequence-dependent setup: minutes needed on a work center between an operation of product family from_family and one of to_family. Pairs not listed use work_center.setup_minutes; the same family needs none.';

CREATE TABLE prodplan.alternative_work_center (
  plant_id        text NOT NULL,
  work_center_id  text NOT NULL,
  alternative_id  text NOT NULL,
  speed_factor    float8 NOT NULL DEFAULT 1 CHECK (speed_factor > 0),
  PRIMARY KEY (plant_id, work_center_id, alternative_id),
  FOREIGN KEY (plant_id, work_center_id) REFERENCES prodplan.work_center ON DELETE CASCADE,
  FOREIGN KEY (plant_id, alternative_id) REFERENCES prodplan.work_center ON DELETE CASCADE,
  CHECK (alternative_id <> work_center_id)
);
COMMENT ON TABLE prodplan.alternative_work_center IS 'Flexible routing: an operation routed to work_center_id may run on alternative_id instead, taking its standard time x speed_factor there. The planner chooses per operation.';

-- ---------------------------------------------------------------------------
-- Working time and standard times, as the planner sees them.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.working_time(plant text, from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (calendar_id text, starts_at timestamptz, ends_at timestamptz)
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
  -- Shifts recur on local weekdays in the calendar's time zone (so a shift
  -- keeps its local hours across daylight-saving changes); holidays and
  -- downtime remove time, overtime adds it. Multiranges merge touching
  -- shifts into one working period.
  WITH days AS (
    SELECT c.calendar_id, c.timezone, d::date AS day
    FROM prodplan.calendar c,
         generate_series((from_ts AT TIME ZONE c.timezone)::date - 1, (to_ts AT TIME ZONE c.timezone)::date, interval '1 day') d
    WHERE c.plant_id = plant
  ), shifts AS (
    SELECT d.calendar_id,
           range_agg(tstzrange((d.day + make_interval(mins => s.start_minute)) AT TIME ZONE d.timezone,
                               (d.day + make_interval(mins => s.end_minute)) AT TIME ZONE d.timezone)) AS r
    FROM days d
    JOIN prodplan.calendar_shift s ON s.plant_id = plant AND s.calendar_id = d.calendar_id
    WHERE extract(isodow FROM d.day)::int = ANY (s.weekdays)
    GROUP BY d.calendar_id
  ), removed AS (
    SELECT e.calendar_id, range_agg(tstzrange(e.starts_at, e.ends_at)) AS r
    FROM prodplan.calendar_exception e
    WHERE e.plant_id = plant AND e.kind IN ('holiday', 'downtime') AND e.ends_at > from_ts AND e.starts_at < to_ts
    GROUP BY e.calendar_id
  ), added AS (
    SELECT e.calendar_id, range_agg(tstzrange(e.starts_at, e.ends_at)) AS r
    FROM prodplan.calendar_exception e
    WHERE e.plant_id = plant AND e.kind = 'overtime' AND e.ends_at > from_ts AND e.starts_at < to_ts
    GROUP BY e.calendar_id
  ), working AS (
    SELECT c.calendar_id,
           ((coalesce(s.r, '{}'::tstzmultirange) - coalesce(rm.r, '{}'::tstzmultirange)) + coalesce(a.r, '{}'::tstzmultirange))
             * tstzmultirange(tstzrange(from_ts, to_ts)) AS r
    FROM prodplan.calendar c
    LEFT JOIN shifts s USING (calendar_id)
    LEFT JOIN removed rm USING (calendar_id)
    LEFT JOIN added a USING (calendar_id)
    WHERE c.plant_id = plant
  )
  SELECT w.calendar_id, lower(p), upper(p)
  FROM working w, unnest(w.r) p
  ORDER BY 1, 2
$fn$;
COMMENT ON FUNCTION prodplan.working_time(text, timestamptz, timestamptz) IS 'The working periods of every calendar of a plant between from_ts and to_ts: recurring shifts in the calendar''s time zone, minus holidays and downtime, plus overtime; touching shifts merged. What the planner schedules into and validate_plan checks against.';

CREATE FUNCTION prodplan.standard_times(plant text, min_samples int DEFAULT 5, products text[] DEFAULT NULL)
RETURNS TABLE (product_id text, work_center_id text, minutes float8, source text, samples bigint)
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_standard_times';
COMMENT ON FUNCTION prodplan.standard_times(text, int, text[]) IS 'Standard minutes of each (product, phase) of a plant for planning (of the given products only, when products is not NULL): the median actual duration of completed first-pass operations with outliers beyond 1.5 IQR trimmed (source history, when at least min_samples); else the phase''s linear model on the routing coefficient (source coefficient, when it fits); else the phase median (source phase_median); else NULL (source none, a planning problem).';

-- ---------------------------------------------------------------------------
-- Plans.
-- ---------------------------------------------------------------------------
CREATE TABLE prodplan.plans (
  plan_id           bigserial PRIMARY KEY,
  plant_id          text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  status            text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'released', 'superseded')),
  plan_start        timestamptz NOT NULL,
  options           jsonb NOT NULL DEFAULT '{}',
  objective         text NOT NULL,
  rule              text,
  objective_values  jsonb,
  first_plan_seconds float8,
  total_seconds     float8,
  iterations        bigint,
  problem_count     int NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  created_by        name NOT NULL DEFAULT current_user,
  released_at       timestamptz
);
COMMENT ON TABLE prodplan.plans IS 'One row per plan prodplan.plan() made: the options, the objective it minimized and the values reached, the dispatching rule the improvement started from, timings, how many problems it listed (prodplan.plan_problems), and whether it is released (the committed plan the floor follows).';
COMMENT ON COLUMN prodplan.plans.status IS 'proposed (made, not committed), released (the committed plan of its plant; at most one), superseded (released once, replaced by a later release).';
COMMENT ON COLUMN prodplan.plans.objective_values IS 'makespan_hours, weighted_tardiness_hours, late_orders, mean_flow_hours, setups of the plan, and the same for the best dispatching rule (rule_*).';
COMMENT ON COLUMN prodplan.plans.first_plan_seconds IS 'Seconds until the first feasible plan (the dispatching rules).';
CREATE UNIQUE INDEX plans_one_released ON prodplan.plans (plant_id) WHERE status = 'released';

CREATE TABLE prodplan.planned_operations (
  plan_id           bigint NOT NULL REFERENCES prodplan.plans ON DELETE CASCADE,
  order_id          text NOT NULL,
  operation         int NOT NULL,
  operation_id      text,
  work_center_id    text NOT NULL,
  unit              int NOT NULL CHECK (unit >= 1),
  setup_start_at    timestamptz NOT NULL,
  start_at          timestamptz NOT NULL CHECK (start_at >= setup_start_at),
  end_at            timestamptz NOT NULL CHECK (end_at >= start_at),
  setup_minutes     float8 NOT NULL DEFAULT 0,
  work_minutes      float8 NOT NULL,
  duration_source   text NOT NULL,
  is_fixed          boolean NOT NULL DEFAULT false,
  PRIMARY KEY (plan_id, order_id, operation)
);
COMMENT ON TABLE prodplan.planned_operations IS 'The operations of a plan: which unit of which work center does each remaining operation of each open order: the unit is set up from setup_start_at, the work runs from start_at to end_at (spanning breaks in working time when the work center is resumable).';
COMMENT ON COLUMN prodplan.planned_operations.setup_start_at IS 'When the unit''s setup for this operation starts (= start_at without setup). A setup prepares the unit, not the part: it may run while the order''s previous operation is still going on elsewhere, never before the plan start.';
COMMENT ON COLUMN prodplan.planned_operations.start_at IS 'When the work itself starts: after the setup, and after the order''s previous operation ends.';
COMMENT ON COLUMN prodplan.planned_operations.operation IS 'The operation''s position in its order''s routing (the routing sequence).';
COMMENT ON COLUMN prodplan.planned_operations.operation_id IS 'The shop-floor operation (prodplan.operation) this planned operation continues or schedules, when it exists.';
COMMENT ON COLUMN prodplan.planned_operations.unit IS 'Which of the work center''s capacity_units (1-based) does it.';
COMMENT ON COLUMN prodplan.planned_operations.setup_minutes IS 'Working minutes of setup before the operation on its unit (a change of product family), inside [setup_start_at, start_at).';
COMMENT ON COLUMN prodplan.planned_operations.work_minutes IS 'Working minutes of the operation itself (setup excluded).';
COMMENT ON COLUMN prodplan.planned_operations.duration_source IS 'Where work_minutes comes from: history, coefficient, phase_median (prodplan.standard_times), median_standard (no standard time for the pair: the median of the others, listed as a problem), in_progress (the remaining part of a started operation) or frozen (kept from the released plan within frozen_hours).';
COMMENT ON COLUMN prodplan.planned_operations.is_fixed IS 'Kept in place: work already started, or inside the frozen window.';
CREATE INDEX planned_operations_wc_idx ON prodplan.planned_operations (plan_id, work_center_id, start_at);

CREATE TABLE prodplan.plan_problems (
  plan_id         bigint NOT NULL REFERENCES prodplan.plans ON DELETE CASCADE,
  order_id        text,
  operation       int,
  work_center_id  text,
  problem         text NOT NULL,
  detail          text NOT NULL
);
COMMENT ON TABLE prodplan.plan_problems IS 'What a plan could not do as asked, listed rather than silently dropped: an order without routing, an operation whose work center is unknown or has no capacity, no standard time, an operation longer than any working period of a non-resumable work center, work placed beyond the horizon.';
CREATE INDEX plan_problems_plan_idx ON prodplan.plan_problems (plan_id);

CREATE TABLE prodplan.plan_history (
  plan_id     bigint NOT NULL REFERENCES prodplan.plans ON DELETE CASCADE,
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  by_role     name NOT NULL DEFAULT current_user,
  action      text NOT NULL CHECK (action IN ('created', 'moved', 'released', 'superseded')),
  detail      jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE prodplan.plan_history IS 'What happened to a plan and who did it: created, released, superseded, and every manual move (the operation, from, to, and how many operations were pushed to keep the plan feasible).';
CREATE INDEX plan_history_plan_idx ON prodplan.plan_history (plan_id, at);

-- The released plan's slots. The exclusion constraint makes double booking
-- impossible whoever writes here: two slots of one unit of one work center
-- cannot overlap. (Stock gist on int8range: each unit gets its own stretch
-- of one integer axis, slot_axis, so no btree_gist is needed and CREATE
-- EXTENSION prodplan works on a stock server.)
CREATE TABLE prodplan.resource_slot_axis (
  plant_id        text NOT NULL,
  work_center_id  text NOT NULL,
  unit            int NOT NULL,
  axis            bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  PRIMARY KEY (plant_id, work_center_id, unit)
);
COMMENT ON TABLE prodplan.resource_slot_axis IS 'Internal: a number per (plant, work center, unit) that places each unit''s slots on its own stretch of the integer axis the exclusion constraint of prodplan.released_slots uses.';

CREATE TABLE prodplan.released_slots (
  plant_id        text NOT NULL,
  work_center_id  text NOT NULL,
  unit            int NOT NULL,
  start_at        timestamptz NOT NULL,
  end_at          timestamptz NOT NULL CHECK (end_at > start_at),
  plan_id         bigint NOT NULL REFERENCES prodplan.plans ON DELETE CASCADE,
  order_id        text NOT NULL,
  operation       int NOT NULL,
  axis            bigint NOT NULL,
  slot            int8range NOT NULL,
  PRIMARY KEY (plan_id, order_id, operation),
  CONSTRAINT released_slots_no_double_booking EXCLUDE USING gist (slot WITH &&)
);
COMMENT ON TABLE prodplan.released_slots IS 'The time slots of the released plan on each unit of each work center, protected by an exclusion constraint: no client, BI tool or manual edit can book one unit twice at the same time. Written by release_plan and move_operation; axis comes from prodplan.resource_slot_axis.';
COMMENT ON COLUMN prodplan.released_slots.axis IS 'The unit''s number in prodplan.resource_slot_axis (set by a trigger on every write).';
COMMENT ON COLUMN prodplan.released_slots.slot IS '[start, end) in whole seconds, shifted by axis x 2^42 s so that each unit has its own stretch of the axis (set by a trigger on every write); the exclusion constraint forbids two overlapping slots.';
CREATE INDEX released_slots_wc_idx ON prodplan.released_slots (plant_id, work_center_id, unit, start_at);

CREATE FUNCTION prodplan.released_slot_axis() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  INSERT INTO prodplan.resource_slot_axis (plant_id, work_center_id, unit)
  VALUES (NEW.plant_id, NEW.work_center_id, NEW.unit) ON CONFLICT DO NOTHING;
  SELECT a.axis INTO NEW.axis FROM prodplan.resource_slot_axis a
  WHERE a.plant_id = NEW.plant_id AND a.work_center_id = NEW.work_center_id AND a.unit = NEW.unit;
  -- 2^42 seconds (139,000 years) per unit: slots of different units never meet.
  NEW.slot := int8range(NEW.axis * 4398046511104 + floor(extract(epoch FROM NEW.start_at))::bigint,
                        NEW.axis * 4398046511104 + floor(extract(epoch FROM NEW.end_at))::bigint);
  RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION prodplan.released_slot_axis() IS 'Trigger of prodplan.released_slots: sets axis and slot from the unit and the times, whatever the writer put there, so the exclusion constraint always sees the true unit and times.';
CREATE TRIGGER released_slots_axis BEFORE INSERT OR UPDATE ON prodplan.released_slots
  FOR EACH ROW EXECUTE FUNCTION prodplan.released_slot_axis();

CREATE FUNCTION prodplan.plan(options jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE c VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_plan';
COMMENT ON FUNCTION prodplan.plan(jsonb) IS 'Plans every open order of a plant over its work centers (capacity units, calendars, setups, flexible routing) and returns the plan id (rows in prodplan.plans, planned_operations, plan_problems; view prodplan.gantt). Each dispatching rule (fifo, spt, edd, cr, wspt, atc) builds a plan, the best on the objective is improved by local search within time_limit_ms, and the result is never worse than the best rule. Durations: prodplan.standard_times; started work stays with what remains of it; the released plan''s operations within frozen_hours keep their slots. options: plant (needed when there are several), start (default now), time_limit_ms (default prodplan.plan_time_limit_ms), seed (default 1), objective (weighted_tardiness, makespan, mean_flow_time, setups), rule (default best), frozen_hours (default 0), horizon_days (default 90), max_iterations. A query cancel stops it and leaves no plan.';

-- ---------------------------------------------------------------------------
-- Reading plans: the Gantt, order status, KPIs, an independent checker.
-- ---------------------------------------------------------------------------
CREATE VIEW prodplan.gantt AS
SELECT po.plan_id, p.plant_id, p.status AS plan_status, po.order_id, o.product_id, pr.name AS product_name,
       pr.family, po.operation, po.operation_id, po.work_center_id, wc.name AS work_center_name, po.unit,
       coalesce(wc.name, po.work_center_id) || ' #' || po.unit AS resource,
       po.setup_start_at, po.start_at, po.end_at,
       extract(epoch FROM po.end_at - po.setup_start_at) / 3600.0 AS span_hours,
       po.setup_minutes, po.work_minutes, po.duration_source, po.is_fixed, o.due_at,
       max(po.end_at) OVER (PARTITION BY po.plan_id, po.order_id) AS order_end_at,
       coalesce(max(po.end_at) OVER (PARTITION BY po.plan_id, po.order_id) > o.due_at, false) AS order_late
FROM prodplan.planned_operations po
JOIN prodplan.plans p ON p.plan_id = po.plan_id
LEFT JOIN prodplan.production_order o ON o.plant_id = p.plant_id AND o.order_id = po.order_id
LEFT JOIN prodplan.product pr ON pr.plant_id = p.plant_id AND pr.product_id = o.product_id
LEFT JOIN prodplan.work_center wc ON wc.plant_id = p.plant_id AND wc.work_center_id = po.work_center_id;
COMMENT ON VIEW prodplan.gantt IS 'One bar per planned operation, ready for a BI tool''s Gantt chart: plan, order, product and family, operation, work center and unit (resource = "name #unit", the row of the chart), setup_start_at (the bar''s start, setup included), start_at (the work''s start) and end_at, span in hours, where the duration came from, whether it is fixed, and the order''s due date, planned end and lateness. Filter on plan_id (or plan_status = ''released'').';

CREATE VIEW prodplan.order_status AS
WITH current_plan AS (
  -- The released plan of each plant, else its latest plan.
  SELECT DISTINCT ON (plant_id) plant_id, plan_id, status
  FROM prodplan.plans
  WHERE status IN ('released', 'proposed')
  ORDER BY plant_id, (status = 'released') DESC, plan_id DESC
), planned AS (
  SELECT cp.plant_id, po.order_id, cp.plan_id, max(po.end_at) AS planned_end_at,
         (array_agg(po.operation ORDER BY po.start_at) FILTER (WHERE NOT po.is_fixed))[1] AS next_operation,
         (array_agg(po.work_center_id ORDER BY po.start_at) FILTER (WHERE NOT po.is_fixed))[1] AS next_work_center_id,
         min(po.start_at) FILTER (WHERE NOT po.is_fixed) AS next_start_at
  FROM current_plan cp JOIN prodplan.planned_operations po ON po.plan_id = cp.plan_id
  GROUP BY cp.plant_id, po.order_id, cp.plan_id
), started AS (
  SELECT DISTINCT o.plant_id, o.order_id
  FROM prodplan.operation o
  JOIN prodplan.production_order po ON po.plant_id = o.plant_id AND po.order_id = o.order_id
  WHERE po.finished_at IS NULL AND o.started_at IS NOT NULL
)
SELECT o.plant_id, o.order_id, o.product_id, o.created_at, o.due_at, o.finished_at, o.priority,
       CASE
         WHEN o.finished_at IS NOT NULL THEN 'done'
         WHEN o.due_at < now() OR p.planned_end_at > o.due_at THEN 'late'
         WHEN p.planned_end_at > o.due_at - interval '1 day' THEN 'at_risk'
         WHEN s.order_id IS NOT NULL THEN 'in_progress'
         ELSE 'created'
       END AS status,
       p.planned_end_at,
       extract(epoch FROM o.due_at - coalesce(o.finished_at, p.planned_end_at)) / 3600.0 AS slack_hours,
       p.plan_id, p.next_operation, p.next_work_center_id, p.next_start_at
FROM prodplan.production_order o
LEFT JOIN planned p ON p.plant_id = o.plant_id AND p.order_id = o.order_id
LEFT JOIN started s ON s.plant_id = o.plant_id AND s.order_id = o.order_id;
COMMENT ON VIEW prodplan.order_status IS 'Every order with its status: done (finished), late (past its due date, or planned to end after it), at_risk (planned to end less than a day before it), in_progress (an operation started), created. Planned end, slack (hours from planned or actual end to due date; negative when late) and the next operation come from the released plan of the plant, else its latest plan.';

CREATE FUNCTION prodplan.plan_kpis(plan_id bigint)
RETURNS TABLE (kpi text, value float8, unit text)
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH p AS (
    SELECT * FROM prodplan.plans WHERE plans.plan_id = plan_kpis.plan_id
  ), ops AS (
    SELECT po.* FROM prodplan.planned_operations po WHERE po.plan_id = plan_kpis.plan_id
  ), orders AS (
    SELECT ops.order_id, max(ops.end_at) AS end_at, o.due_at, o.created_at, coalesce(o.priority, 1) AS priority
    FROM ops
    LEFT JOIN prodplan.production_order o ON o.plant_id = (SELECT plant_id FROM p) AND o.order_id = ops.order_id
    GROUP BY ops.order_id, o.due_at, o.created_at, o.priority
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
COMMENT ON FUNCTION prodplan.plan_kpis(bigint) IS 'KPIs of a plan: makespan (hours from plan start to the last end), weighted tardiness (hours late x order priority), late orders, on-time %, mean flow time (hours from order creation to planned end), setups, counts of orders, operations and problems, and utilisation:<work center> (% of its working time over the plan''s span, all units, spent in setups and work).';

CREATE FUNCTION prodplan.validate_plan(plan_id bigint)
RETURNS TABLE (violation text, detail jsonb)
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
  -- Written apart from the planner, in set-based SQL, so that a bug in the
  -- planner's C++ cannot hide itself: a feasible plan returns no rows.
  WITH p AS (
    SELECT * FROM prodplan.plans WHERE plans.plan_id = validate_plan.plan_id
  ), ops AS (
    SELECT po.*, wc.capacity_units, wc.calendar_id, wc.resumable, (wc.work_center_id IS NULL) AS unknown_wc,
           o.created_at AS released_at
    FROM prodplan.planned_operations po
    LEFT JOIN prodplan.work_center wc ON wc.plant_id = (SELECT plant_id FROM p) AND wc.work_center_id = po.work_center_id
    LEFT JOIN prodplan.production_order o ON o.plant_id = (SELECT plant_id FROM p) AND o.order_id = po.order_id
    WHERE po.plan_id = validate_plan.plan_id
  ), wt AS (
    SELECT w.calendar_id, range_agg(tstzrange(w.starts_at, w.ends_at)) AS r
    FROM prodplan.working_time((SELECT plant_id FROM p),
                               (SELECT least(min(setup_start_at), (SELECT plan_start FROM p)) FROM ops) - interval '1 day',
                               (SELECT max(end_at) FROM ops) + interval '1 day') w
    GROUP BY w.calendar_id
  ), worked AS (
    SELECT ops.*,
           CASE WHEN ops.calendar_id IS NULL THEN extract(epoch FROM ops.end_at - ops.setup_start_at) / 60.0
                ELSE coalesce((SELECT sum(extract(epoch FROM upper(x) - lower(x))) / 60.0
                               FROM unnest(wt.r * tstzmultirange(tstzrange(ops.setup_start_at, ops.end_at))) x), 0) END
             AS working_minutes,
           ops.calendar_id IS NULL OR ops.setup_start_at = ops.end_at
             OR EXISTS (SELECT 1 FROM unnest(wt.r) x WHERE x @> tstzrange(ops.setup_start_at, ops.end_at)) AS in_one_period
    FROM ops LEFT JOIN wt ON wt.calendar_id = ops.calendar_id
  )
  SELECT 'precedence', jsonb_build_object('order_id', a.order_id, 'operation', b.operation,
         'starts_at', b.start_at, 'previous_operation', a.operation, 'previous_ends_at', a.end_at)
  FROM ops a JOIN ops b ON b.order_id = a.order_id AND b.operation > a.operation AND b.start_at < a.end_at
  WHERE NOT EXISTS (SELECT 1 FROM ops m WHERE m.order_id = a.order_id AND m.operation > a.operation AND m.operation < b.operation)
  UNION ALL
  SELECT 'unit_overlap', jsonb_build_object('work_center_id', a.work_center_id, 'unit', a.unit,
         'order_id', a.order_id, 'operation', a.operation, 'setup_start_at', a.setup_start_at, 'end_at', a.end_at,
         'other_order_id', b.order_id, 'other_operation', b.operation, 'other_setup_start_at', b.setup_start_at,
         'other_end_at', b.end_at)
  FROM ops a JOIN ops b ON b.work_center_id = a.work_center_id AND b.unit = a.unit
   AND (b.order_id, b.operation) > (a.order_id, a.operation)
   AND b.setup_start_at < a.end_at AND a.setup_start_at < b.end_at
  UNION ALL
  SELECT CASE WHEN unknown_wc THEN 'unknown_work_center' ELSE 'capacity' END,
         jsonb_build_object('order_id', order_id, 'operation', operation, 'work_center_id', work_center_id,
                            'unit', unit, 'capacity_units', capacity_units)
  FROM ops WHERE unknown_wc OR unit > capacity_units
  UNION ALL
  SELECT 'calendar', jsonb_build_object('order_id', order_id, 'operation', operation, 'work_center_id', work_center_id,
         'setup_start_at', setup_start_at, 'end_at', end_at, 'needed_minutes', work_minutes + setup_minutes,
         'working_minutes_in_span', round(working_minutes::numeric, 2),
         'reason', CASE WHEN NOT resumable AND NOT in_one_period THEN 'not resumable and not within one working period'
                        ELSE 'less working time between start and end than the operation needs' END)
  FROM worked
  WHERE NOT is_fixed AND NOT unknown_wc
    AND (working_minutes < work_minutes + setup_minutes - 1.0 / 60 OR (NOT resumable AND NOT in_one_period))
  UNION ALL
  SELECT 'release', jsonb_build_object('order_id', order_id, 'operation', operation, 'setup_start_at', setup_start_at,
         'start_at', start_at, 'not_before', greatest(released_at, (SELECT plan_start FROM p)))
  FROM ops WHERE NOT is_fixed
    AND (start_at < greatest(released_at, (SELECT plan_start FROM p)) OR setup_start_at < (SELECT plan_start FROM p))
  UNION ALL
  SELECT 'fixed_moved', jsonb_build_object('order_id', po.order_id, 'operation', po.operation,
         'operation_id', po.operation_id, 'planned_work_center_id', po.work_center_id, 'planned_start_at', po.start_at,
         'actual_work_center_id', o.work_center_id, 'actual_started_at', o.started_at)
  FROM ops po
  JOIN prodplan.operation o ON o.plant_id = (SELECT plant_id FROM p) AND o.operation_id = po.operation_id
  WHERE o.started_at IS NOT NULL AND o.ended_at IS NULL
    AND (po.work_center_id <> o.work_center_id OR po.setup_start_at <> o.started_at)
  UNION ALL
  SELECT 'missing_operation', jsonb_build_object('order_id', o.order_id, 'operation_id', o.operation_id,
         'sequence', o.sequence, 'work_center_id', o.work_center_id)
  FROM prodplan.operation o
  JOIN prodplan.production_order po ON po.plant_id = o.plant_id AND po.order_id = o.order_id
  WHERE o.plant_id = (SELECT plant_id FROM p) AND po.finished_at IS NULL AND o.ended_at IS NULL
    AND po.created_at <= (SELECT plan_start FROM p)
    AND NOT EXISTS (SELECT 1 FROM ops WHERE ops.operation_id = o.operation_id)
    AND NOT EXISTS (SELECT 1 FROM prodplan.plan_problems pp
                    WHERE pp.plan_id = validate_plan.plan_id AND pp.order_id = o.order_id)
$fn$;
COMMENT ON FUNCTION prodplan.validate_plan(bigint) IS 'Checks a plan independently of the planner (its own SQL, not the planner''s C++): precedence within each order (work starts after the previous operation ends; a unit''s setup may overlap it), no overlap on a unit (setups included), units within capacity and known work centers, enough working time between start and end per the work center''s calendar (within one working period when not resumable), nothing before the order''s creation or the plan start, started operations where they are, and every unfinished operation of an open order planned or listed as a problem. No rows when the plan is feasible; else one row per violation with its details.';

CREATE FUNCTION prodplan.release_plan(plan_id bigint)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  plant text;
  previous bigint;
  n bigint;
BEGIN
  SELECT p.plant_id INTO plant FROM prodplan.plans p WHERE p.plan_id = release_plan.plan_id FOR UPDATE;
  IF plant IS NULL THEN
    RAISE EXCEPTION 'prodplan.release_plan: no plan %', release_plan.plan_id
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Plans are listed in prodplan.plans.';
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
COMMENT ON FUNCTION prodplan.release_plan(bigint) IS 'Makes a plan the committed one of its plant (what prodplan.order_status and the floor follow): the previous released plan becomes superseded, and the plan''s operations become slots in prodplan.released_slots, whose exclusion constraint refuses any double booking of a unit. Returns the number of slots.';

-- ---------------------------------------------------------------------------
-- The job-shop engine on public benchmark instances.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.solve_jobshop(instance text, time_limit_ms int DEFAULT 1000, seed int DEFAULT 1,
                                       format text DEFAULT 'jsp')
RETURNS TABLE (makespan bigint, lower_bound bigint, proven_optimal boolean, solution jsonb)
LANGUAGE c VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_solve_jobshop';
COMMENT ON FUNCTION prodplan.solve_jobshop(text, int, int, text) IS 'Minimizes the makespan of a job-shop instance with the planner''s engine (dispatching rules, then tabu search on the critical path) within time_limit_ms, deterministic per seed when the time limit does not cut it short. format: jsp (OR-Library: a line "jobs machines", then per job "machine duration" pairs, machines from 0) or fjs (Brandimarte flexible job shop, machines from 1). Returns the makespan, a valid lower bound, whether they meet (proven optimal), and the solution {"jobs": [[{"machine", "start", "end"}, ...], ...]} (machines 0-based). A malformed instance is an error naming the line.';

-- content_checksum compares the plant's data, not the plans made from it.
CREATE OR REPLACE FUNCTION prodplan.content_checksum(plant text DEFAULT NULL)
RETURNS TABLE (table_name text, row_count bigint, checksum text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  t record;
BEGIN
  -- Every ordinary or partitioned table of the schema with a plant_id column,
  -- except partitions (counted through the parent). Rows are rendered as text
  -- and sorted, so the checksum depends on contents only, never on physical
  -- order or partition layout.
  FOR t IN
    SELECT c.relname
    FROM pg_catalog.pg_class c
    WHERE c.relnamespace = 'prodplan'::regnamespace
      AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attname = 'plant_id' AND NOT a.attisdropped)
      -- Runs and plans record what was done (ids, times), not the plant's data.
      AND c.relname NOT IN ('ingest_runs', 'plans', 'released_slots', 'resource_slot_axis')
    ORDER BY c.relname
  LOOP
    table_name := t.relname;
    EXECUTE format(
      'SELECT count(*), coalesce(md5(string_agg(r::text, E''\n'' ORDER BY r::text)), md5('''')) '
      'FROM prodplan.%I r WHERE $1 IS NULL OR r.plant_id = $1', t.relname)
      INTO row_count, checksum USING plant;
    RETURN NEXT;
  END LOOP;
END
$fn$;

-- ---------------------------------------------------------------------------
-- Privileges: readers read plans; planners plan, release and move.
-- ---------------------------------------------------------------------------
GRANT SELECT ON prodplan.alternative_work_center, prodplan.setup_matrix, prodplan.plans, prodplan.planned_operations, prodplan.plan_problems,
  prodplan.plan_history, prodplan.released_slots, prodplan.resource_slot_axis, prodplan.gantt,
  prodplan.order_status TO prodplan_reader;
GRANT INSERT, UPDATE, DELETE ON prodplan.alternative_work_center, prodplan.setup_matrix, prodplan.plans, prodplan.planned_operations,
  prodplan.plan_problems, prodplan.plan_history, prodplan.released_slots, prodplan.resource_slot_axis
  TO prodplan_planner;
GRANT USAGE ON SEQUENCE prodplan.plans_plan_id_seq TO prodplan_planner;
REVOKE ALL ON FUNCTION prodplan.working_time(text, timestamptz, timestamptz), prodplan.standard_times(text, int, text[]),
  prodplan.plan_kpis(bigint), prodplan.validate_plan(bigint), prodplan.release_plan(bigint),
  prodplan.released_slot_axis(), prodplan.solve_jobshop(text, int, int, text), prodplan.plan(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.working_time(text, timestamptz, timestamptz), prodplan.standard_times(text, int, text[]),
  prodplan.plan_kpis(bigint), prodplan.validate_plan(bigint) TO prodplan_reader;
GRANT EXECUTE ON FUNCTION prodplan.release_plan(bigint), prodplan.released_slot_axis(),
  prodplan.solve_jobshop(text, int, int, text), prodplan.plan(jsonb) TO prodplan_planner;

CREATE FUNCTION prodplan.move_operation(plan_id bigint, order_id text, operation int, new_start timestamptz,
                                        work_center text DEFAULT NULL)
RETURNS jsonb
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_move_operation';
COMMENT ON FUNCTION prodplan.move_operation(bigint, text, int, timestamptz, text) IS 'A planner''s manual drag on the Gantt: operation (the routing sequence) of order_id starts at new_start, or at the earliest feasible time after it (its calendar, its predecessor, the plan start, fixed work in the way), on its unit or on the best unit of work_center (its own or an alternative from prodplan.alternative_work_center). Every other operation keeps its unit and its order on the unit and is only pushed right where needed, so the plan stays feasible; fixed operations never move. A released plan''s slots follow. Returns and records in prodplan.plan_history what moved: from, to, the requested start and how many operations were pushed.';
REVOKE ALL ON FUNCTION prodplan.move_operation(bigint, text, int, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.move_operation(bigint, text, int, timestamptz, text) TO prodplan_planner;
