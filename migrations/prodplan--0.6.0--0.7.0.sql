-- prodplan 0.7.0: risk. Monte Carlo simulation of a plan (prodplan.simulate),
-- the risk queue of open orders, and due-date quoting for a new order.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.7.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- The options check every function with an options object shares.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.check_options(who text, options jsonb, allowed text[], hint text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  bad text;
BEGIN
  IF options IS NULL OR jsonb_typeof(options) <> 'object' THEN
    RAISE EXCEPTION '%: options must be a JSON object', who USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(k, ', ' ORDER BY k) INTO bad FROM jsonb_object_keys(options) k WHERE k <> ALL (allowed);
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION '%: unknown option(s) %', who, bad USING ERRCODE = 'invalid_parameter_value', HINT = hint;
  END IF;
END
$fn$;
COMMENT ON FUNCTION prodplan.check_options(text, jsonb, text[], text) IS 'Raises invalid_parameter_value, naming the function who, when options is not a JSON object or has keys outside allowed (hint lists them).';
REVOKE ALL ON FUNCTION prodplan.check_options(text, jsonb, text[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.check_options(text, jsonb, text[], text) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Simulations and their per-order results.
-- ---------------------------------------------------------------------------
ALTER TABLE prodplan.plans ADD COLUMN risk jsonb;
COMMENT ON COLUMN prodplan.plans.risk IS 'The latest Monte Carlo simulation of the plan (prodplan.simulate): simulation_id, replications, seed, durations model, and the distribution of the on-time rate over the replications (mean, p10, p50, p90) next to the plan''s own on-time rate.';

CREATE TABLE prodplan.simulations (
  simulation_id      bigserial PRIMARY KEY,
  plan_id            bigint NOT NULL REFERENCES prodplan.plans ON DELETE CASCADE,
  replications       int NOT NULL CHECK (replications >= 1),
  seed               bigint NOT NULL,
  durations          text NOT NULL CHECK (durations IN ('empirical', 'lognormal', 'none')),
  breakdowns         boolean NOT NULL,
  early_start        boolean NOT NULL,
  options            jsonb NOT NULL DEFAULT '{}',
  orders             int NOT NULL,
  operations         int NOT NULL,
  spread_sources     jsonb NOT NULL,
  units_with_breakdowns int NOT NULL,
  breakdowns_drawn   bigint NOT NULL,
  planned_on_time    float8,
  on_time_mean       float8,
  on_time_p10        float8,
  on_time_p50        float8,
  on_time_p90        float8,
  on_time_by_replication float8[] NOT NULL,
  seconds            float8 NOT NULL,
  phase_seconds      jsonb,
  created_at         timestamptz NOT NULL DEFAULT now(),
  created_by         name NOT NULL DEFAULT current_user
);
COMMENT ON TABLE prodplan.simulations IS 'One row per prodplan.simulate() run: a Monte Carlo replay of a plan''s sequences with random durations and breakdowns. Per-order results are in prodplan.simulation_orders.';
COMMENT ON COLUMN prodplan.simulations.durations IS 'How durations vary: empirical (a factor drawn from the history of the operation''s product and work center relative to its median), lognormal (exp(sigma x Z) with sigma fitted on the log of those ratios) or none (the planned durations: a replay check).';
COMMENT ON COLUMN prodplan.simulations.breakdowns IS 'Whether work centers broke down at random: failures arrive at each work center''s observed rate per working hour (prodplan.resource_event downtimes), each taking one unit for a repair time drawn from its observed downtimes; a downtime still open at the plan start holds the first unit for a drawn remaining time.';
COMMENT ON COLUMN prodplan.simulations.early_start IS 'false (default): right shift, work starts at its planned time or later when held up (a shop following the released schedule); true: as soon as its sequence allows.';
COMMENT ON COLUMN prodplan.simulations.spread_sources IS 'How many planned operations took their duration spread from their own (product, work center) history (pair), from their work center''s pool of the plan''s products (work_center), or kept the planned duration (none: too little history).';
COMMENT ON COLUMN prodplan.simulations.planned_on_time IS 'Share of the plan''s orders with a due date that the plan itself finishes on time.';
COMMENT ON COLUMN prodplan.simulations.on_time_mean IS 'Mean over the replications of the share of orders (with a due date) finished on time.';
COMMENT ON COLUMN prodplan.simulations.on_time_by_replication IS 'The on-time share in each replication, in replication order. Two simulations with the same seed use the same random numbers for the same operations and units (common random numbers), so they can be compared replication by replication.';
COMMENT ON COLUMN prodplan.simulations.phase_seconds IS 'Seconds per phase: read (the plan, calendars and history), simulate, write.';
CREATE INDEX simulations_plan_idx ON prodplan.simulations (plan_id, simulation_id DESC);

CREATE TABLE prodplan.simulation_orders (
  simulation_id      bigint NOT NULL REFERENCES prodplan.simulations ON DELETE CASCADE,
  order_id           text NOT NULL,
  due_at             timestamptz,
  planned_end        timestamptz,
  p_on_time          float8,
  mean_end           timestamptz,
  p10_end            timestamptz,
  p50_end            timestamptz,
  p90_end            timestamptz,
  p50_low            timestamptz,
  p50_high           timestamptz,
  driver_work_center text,
  driver_operation   int,
  driver_hours       float8,
  PRIMARY KEY (simulation_id, order_id)
);
COMMENT ON TABLE prodplan.simulation_orders IS 'Per order of a simulated plan: the probability of finishing by its due date and the distribution of its completion time over the replications.';
COMMENT ON COLUMN prodplan.simulation_orders.p_on_time IS 'Share of replications in which the order completes by its due date; NULL when it has none.';
COMMENT ON COLUMN prodplan.simulation_orders.p50_end IS 'Median completion (the smallest time reached in at least half the replications); p10_end and p90_end likewise.';
COMMENT ON COLUMN prodplan.simulation_orders.p50_low IS 'Lower end of the distribution-free 95% confidence interval of the median completion (order statistics); p50_high the upper end. More replications narrow it.';
COMMENT ON COLUMN prodplan.simulation_orders.driver_work_center IS 'The work center of the operation that adds most delay to this order on average (its end''s delay minus the delay it inherited from the order''s previous operation: waiting for its unit, its own duration, breakdowns). NULL when nothing adds delay.';
COMMENT ON COLUMN prodplan.simulation_orders.driver_hours IS 'The mean delay, in hours, that the driver operation adds.';

GRANT SELECT ON prodplan.simulations, prodplan.simulation_orders TO prodplan_reader;
GRANT INSERT, UPDATE, DELETE ON prodplan.simulations, prodplan.simulation_orders TO prodplan_planner;
GRANT USAGE ON SEQUENCE prodplan.simulations_simulation_id_seq TO prodplan_planner;

-- ---------------------------------------------------------------------------
-- Breakdown statistics: what simulate draws failures from.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.work_center_reliability(plant text, as_of timestamptz DEFAULT now())
RETURNS TABLE (work_center_id text, units int, failures bigint, observed_from timestamptz, observed_to timestamptz,
               working_hours float8, mtbf_hours float8, mttr_hours float8, repairs_seconds float8[],
               down_since timestamptz)
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
  -- The observation window is the one the plant's resource events cover
  -- (any kind), up to as_of; a work center's working time in it comes from
  -- its calendar (the whole window without one).
  WITH win AS (
    SELECT min(e.started_at) AS a, least(max(coalesce(e.ended_at, e.started_at)), work_center_reliability.as_of) AS b
    FROM prodplan.resource_event e
    WHERE e.plant_id = work_center_reliability.plant AND e.started_at < work_center_reliability.as_of
  ), dt AS (
    SELECT e.work_center_id, count(*) FILTER (WHERE e.ended_at > e.started_at) AS failures,
           array_agg(extract(epoch FROM e.ended_at - e.started_at)::float8 ORDER BY e.ended_at - e.started_at)
             FILTER (WHERE e.ended_at > e.started_at) AS repairs,
           max(e.started_at) FILTER (WHERE e.ended_at IS NULL) AS down_since
    FROM prodplan.resource_event e
    WHERE e.plant_id = work_center_reliability.plant AND e.kind = 'downtime' AND e.started_at < work_center_reliability.as_of
    GROUP BY 1
  ), wt AS (
    SELECT w.calendar_id, sum(extract(epoch FROM w.ends_at - w.starts_at))::float8 AS seconds
    FROM win, prodplan.working_time(work_center_reliability.plant, win.a, win.b) w WHERE win.a < win.b GROUP BY 1
  ), r AS (
    SELECT dt.work_center_id, wc.capacity_units AS units, dt.failures, win.a, win.b,
           CASE WHEN wc.calendar_id IS NULL THEN extract(epoch FROM win.b - win.a)::float8 ELSE coalesce(wt.seconds, 0) END AS seconds,
           dt.repairs, dt.down_since
    FROM dt JOIN prodplan.work_center wc ON wc.plant_id = work_center_reliability.plant AND wc.work_center_id = dt.work_center_id
    CROSS JOIN win LEFT JOIN wt ON wt.calendar_id = wc.calendar_id
  )
  SELECT r.work_center_id, r.units, r.failures, r.a, r.b, r.seconds / 3600,
         CASE WHEN r.failures > 0 THEN r.seconds * greatest(r.units, 1) / 3600 / r.failures END,
         (SELECT avg(x) / 3600 FROM unnest(r.repairs) x), r.repairs, r.down_since
  FROM r ORDER BY r.work_center_id
$fn$;
COMMENT ON FUNCTION prodplan.work_center_reliability(text, timestamptz) IS 'Per work center with downtime events (prodplan.resource_event, kind downtime) before as_of: completed failures, the observation window (what the plant''s events cover), the work center''s working hours in it, MTBF per unit in working hours (working hours x units / failures: each failure takes one unit), MTTR in hours, every repair time in seconds (sorted), and the start of a downtime still open. prodplan.simulate draws breakdowns from exactly these rows.';

-- ---------------------------------------------------------------------------
-- simulate
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.simulate_plan(plan_id bigint, replications int, options jsonb)
RETURNS bigint
LANGUAGE C STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_simulate_plan';
COMMENT ON FUNCTION prodplan.simulate_plan(bigint, int, jsonb) IS 'The engine behind prodplan.simulate(): runs the simulation, stores it in prodplan.simulations and prodplan.simulation_orders, sets the plan''s risk column, and returns the simulation id. Options as prodplan.simulate.';

CREATE FUNCTION prodplan.simulate(plan_id bigint, replications int DEFAULT 1000, options jsonb DEFAULT '{}')
RETURNS TABLE (order_id text, p_on_time float8, p50_end timestamptz, p90_end timestamptz)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  sim bigint;
BEGIN
  IF plan_id IS NULL OR replications IS NULL THEN
    RAISE EXCEPTION 'prodplan.simulate: plan_id and replications must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF replications < 1 OR replications > 100000 THEN
    RAISE EXCEPTION 'prodplan.simulate: replications must be between 1 and 100000, got %', replications
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM prodplan.check_options('prodplan.simulate', options, ARRAY['seed', 'durations', 'breakdowns', 'early_start', 'min_samples', 'history_days'],
    'Options are seed (integer, default 1), durations (empirical, lognormal or none), breakdowns (true/false), early_start (true/false), min_samples (default 5) and history_days (default 365, 0: all).');
  IF options ? 'seed' AND (jsonb_typeof(options -> 'seed') <> 'number' OR (options ->> 'seed') !~ '^-?[0-9]{1,18}$') THEN
    RAISE EXCEPTION 'prodplan.simulate: seed must be an integer, got %', options -> 'seed' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF options ? 'durations' AND coalesce(options ->> 'durations', '') NOT IN ('empirical', 'lognormal', 'none') THEN
    RAISE EXCEPTION 'prodplan.simulate: durations must be empirical, lognormal or none, got %', options -> 'durations'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF options ? 'breakdowns' AND jsonb_typeof(options -> 'breakdowns') <> 'boolean' THEN
    RAISE EXCEPTION 'prodplan.simulate: breakdowns must be true or false' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF options ? 'early_start' AND jsonb_typeof(options -> 'early_start') <> 'boolean' THEN
    RAISE EXCEPTION 'prodplan.simulate: early_start must be true or false' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF options ? 'min_samples' AND (jsonb_typeof(options -> 'min_samples') <> 'number' OR (options ->> 'min_samples') !~ '^[0-9]{1,6}$'
                                  OR (options ->> 'min_samples')::int < 2) THEN
    RAISE EXCEPTION 'prodplan.simulate: min_samples must be an integer of at least 2, got %', options -> 'min_samples'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF options ? 'history_days' AND (jsonb_typeof(options -> 'history_days') <> 'number' OR (options ->> 'history_days')::float8 < 0) THEN
    RAISE EXCEPTION 'prodplan.simulate: history_days must be a number of days >= 0 (0: all history), got %', options -> 'history_days'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM prodplan.plans p WHERE p.plan_id = simulate.plan_id) THEN
    RAISE EXCEPTION 'prodplan.simulate: no plan %', simulate.plan_id
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Plans are listed in prodplan.plans.';
  END IF;
  sim := prodplan.simulate_plan(simulate.plan_id, simulate.replications, options);
  RETURN QUERY
  SELECT so.order_id, so.p_on_time, so.p50_end, so.p90_end FROM prodplan.simulation_orders so
  WHERE so.simulation_id = sim
  ORDER BY so.p_on_time NULLS LAST, so.p90_end DESC, so.order_id;
END
$fn$;
COMMENT ON FUNCTION prodplan.simulate(bigint, int, jsonb) IS 'Monte Carlo risk of a plan: replays its sequences (every operation keeps its unit and its place on it) replications times with random durations and breakdowns, and returns per order the probability of finishing by its due date (NULL: no due date) and the P50/P90 completion, most at risk first. Durations: the planned duration times a factor drawn from the history of the operation''s (product, work center) relative to its median, samples beyond 3 interquartile ranges dropped as errors (options.durations empirical, the default, or lognormal: fitted; none: no variation); history is the operations completed in the last options.history_days (default 365; 0: all) before the plan start, each measured in its work center''s working time; pairs with fewer than options.min_samples (default 5) use their work center''s pool. Breakdowns (options.breakdowns, default true): each work center fails at its observed downtime rate per working hour and stays down for a drawn observed repair time; a failure suspends the operation. Execution: right shift (nothing starts before its planned time; early_start true lets work start as soon as its sequence allows). Deterministic per options.seed (default 1), with common random numbers: the same operation or unit gets the same draws in two plans simulated with the same seed. Stores prodplan.simulations (with the on-time rate per replication) and prodplan.simulation_orders (mean, P10, the median''s 95% interval, the operation driving the delay), and the plan''s risk column.';

-- ---------------------------------------------------------------------------
-- The risk queue.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.current_plan(plant text)
RETURNS bigint
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT p.plan_id FROM prodplan.plans p
  WHERE p.plant_id = current_plan.plant AND p.status IN ('released', 'proposed')
  ORDER BY p.status = 'released' DESC, p.plan_id DESC LIMIT 1
$fn$;
COMMENT ON FUNCTION prodplan.current_plan(text) IS 'The plan a plant works to: its released plan, else its newest proposed one (never a what-if scenario); NULL when it has none.';

CREATE FUNCTION prodplan.risk_queue(as_of timestamptz DEFAULT now())
RETURNS TABLE (plant_id text, order_id text, product_id text, due_at timestamptz, eta timestamptz, slack_hours float8,
               p_late float8, eta_source text, plan_id bigint, simulation_id bigint, reason text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH plan_of AS (
    SELECT pl.plant_id, prodplan.current_plan(pl.plant_id) AS plan_id FROM prodplan.plant pl
  ), sim_of AS (
    SELECT po.plant_id, po.plan_id,
           (SELECT s.simulation_id FROM prodplan.simulations s WHERE s.plan_id = po.plan_id
            ORDER BY s.simulation_id DESC LIMIT 1) AS simulation_id
    FROM plan_of po WHERE po.plan_id IS NOT NULL
  ), open_orders AS (
    SELECT o.plant_id, o.order_id, o.product_id, o.due_at, o.created_at
    FROM prodplan.production_order o
    WHERE o.finished_at IS NULL AND o.created_at <= risk_queue.as_of
  ), planned_ops AS (
    -- Each planned operation's wait: from when its order's previous
    -- operation ends (the plan start for the first) to its start.
    SELECT po.plan_id, po.order_id, po.operation, po.work_center_id, po.start_at, po.end_at,
           extract(epoch FROM po.start_at - coalesce(lag(po.end_at) OVER w, greatest(p.plan_start, po.setup_start_at)))::float8 / 3600 AS wait_h,
           extract(epoch FROM po.end_at - po.start_at)::float8 / 3600 AS run_h
    FROM prodplan.planned_operations po JOIN prodplan.plans p ON p.plan_id = po.plan_id
    WHERE po.plan_id IN (SELECT s.plan_id FROM sim_of s)
    WINDOW w AS (PARTITION BY po.plan_id, po.order_id ORDER BY po.operation)
  ), planned AS (
    SELECT x.plan_id, x.order_id, max(x.end_at) AS end_at,
           (array_agg(x.operation ORDER BY greatest(x.wait_h, x.run_h) DESC, x.operation))[1] AS key_op,
           (array_agg(x.work_center_id ORDER BY greatest(x.wait_h, x.run_h) DESC, x.operation))[1] AS key_wc,
           (array_agg(x.wait_h ORDER BY greatest(x.wait_h, x.run_h) DESC, x.operation))[1] AS key_wait,
           (array_agg(x.run_h ORDER BY greatest(x.wait_h, x.run_h) DESC, x.operation))[1] AS key_run
    FROM planned_ops x GROUP BY x.plan_id, x.order_id
  ), unplanned AS (
    SELECT oo.* FROM open_orders oo LEFT JOIN sim_of s ON s.plant_id = oo.plant_id
    WHERE NOT EXISTS (SELECT 1 FROM planned p WHERE p.plan_id = s.plan_id AND p.order_id = oo.order_id)
  ), std AS (
    SELECT pl.plant_id, st.product_id, st.work_center_id, st.minutes
    FROM (SELECT DISTINCT u.plant_id FROM unplanned u) pl,
         LATERAL prodplan.standard_times(pl.plant_id, 5,
                   (SELECT array_agg(DISTINCT u.product_id) FROM unplanned u WHERE u.plant_id = pl.plant_id)) st
  ), remaining AS (
    -- The routing steps after the last one the order finished.
    SELECT u.plant_id, u.order_id, sum(coalesce(sd.minutes, 0)) AS minutes, count(*) AS steps,
           count(*) FILTER (WHERE sd.minutes IS NULL) AS unknown,
           (array_agg(rs.work_center_id ORDER BY sd.minutes DESC NULLS LAST))[1] AS longest_wc,
           max(sd.minutes) / 60 AS longest_h
    FROM unplanned u
    JOIN prodplan.routing_step rs ON rs.plant_id = u.plant_id AND rs.product_id = u.product_id
    LEFT JOIN std sd ON sd.plant_id = u.plant_id AND sd.product_id = u.product_id AND sd.work_center_id = rs.work_center_id
    WHERE rs.sequence > coalesce((SELECT max(op.sequence) FROM prodplan.operation op
                                  WHERE op.plant_id = u.plant_id AND op.order_id = u.order_id AND op.ended_at IS NOT NULL), -1)
    GROUP BY u.plant_id, u.order_id
  ), rows AS (
    SELECT oo.plant_id, oo.order_id, oo.product_id, oo.due_at,
           CASE WHEN pd.order_id IS NOT NULL THEN greatest(pd.end_at, risk_queue.as_of)
                WHEN r.order_id IS NOT NULL THEN risk_queue.as_of + make_interval(secs => r.minutes * 60)
           END AS eta,
           CASE WHEN pd.order_id IS NOT NULL THEN 'plan'
                WHEN r.order_id IS NOT NULL THEN 'history'
                ELSE 'none' END AS eta_source,
           s.plan_id AS plan_id_, s.simulation_id AS sim_id, so.p_on_time, so.driver_work_center, so.driver_operation,
           so.driver_hours, pd.end_at AS plan_end, pd.key_op, pd.key_wc, pd.key_wait, pd.key_run,
           r.steps, r.unknown, r.longest_wc, r.longest_h
    FROM open_orders oo
    LEFT JOIN sim_of s ON s.plant_id = oo.plant_id
    LEFT JOIN planned pd ON pd.plan_id = s.plan_id AND pd.order_id = oo.order_id
    LEFT JOIN remaining r ON r.plant_id = oo.plant_id AND r.order_id = oo.order_id AND pd.order_id IS NULL
    LEFT JOIN prodplan.simulation_orders so ON so.simulation_id = s.simulation_id AND so.order_id = oo.order_id
  )
  SELECT x.plant_id, x.order_id, x.product_id, x.due_at, x.eta,
         (extract(epoch FROM x.due_at - x.eta) / 3600)::float8 AS slack_hours,
         1 - x.p_on_time AS p_late, x.eta_source, x.plan_id_, x.sim_id,
         concat_ws('; ',
           CASE WHEN x.due_at < risk_queue.as_of THEN format('past due by %s h', round((extract(epoch FROM risk_queue.as_of - x.due_at) / 3600)::numeric, 1)) END,
           CASE WHEN x.plan_end < risk_queue.as_of THEN format('plan %s expected it done by %s', x.plan_id_, x.plan_end) END,
           CASE WHEN x.driver_work_center IS NOT NULL AND x.driver_hours >= 0.05 THEN
                  format('in simulation %s, operation %s on work center %s adds %s h on average', x.sim_id, x.driver_operation,
                         x.driver_work_center, round(x.driver_hours::numeric, 1))
                WHEN x.eta_source = 'plan' AND x.key_wait > x.key_run THEN
                  format('operation %s waits %s h for work center %s', x.key_op, round(x.key_wait::numeric, 1), x.key_wc)
                WHEN x.eta_source = 'plan' THEN
                  format('operation %s on work center %s takes %s h', x.key_op, x.key_wc, round(x.key_run::numeric, 1))
                WHEN x.eta_source = 'history' THEN
                  format('not in a plan: %s remaining operations at their historical medians%s, longest on work center %s (%s h)',
                         x.steps, CASE WHEN x.unknown > 0 THEN format(' (%s without history)', x.unknown) ELSE '' END,
                         x.longest_wc, round(coalesce(x.longest_h, 0)::numeric, 1))
                ELSE 'no plan and no remaining routing step: ETA unknown' END)
  FROM rows x
  ORDER BY (extract(epoch FROM x.due_at - x.eta) / 3600) ASC NULLS LAST, 1 - x.p_on_time DESC NULLS LAST, x.plant_id, x.order_id
$fn$;
COMMENT ON FUNCTION prodplan.risk_queue(timestamptz) IS 'Every open order (not finished, created by as_of) with its ETA, due date, slack (due minus ETA, hours; negative: late), probability of being late and why, most urgent (least slack) first. ETA: the order''s completion in its plant''s current plan (prodplan.current_plan), never before as_of (eta_source plan); for orders the plan does not hold, as_of plus the historical medians (prodplan.standard_times) of the routing steps after the last one finished (eta_source history). p_late: 1 - p_on_time of the plan''s latest simulation (prodplan.simulate), NULL without one. reason: past due, a stale plan, and what drives the order: the simulation''s delay driver when there is one, else the operation with the longest wait for its work center or the longest run in the plan, else the remaining routing.';

-- ---------------------------------------------------------------------------
-- Due-date quoting.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.quote_due_date(product_id text, quantity float8 DEFAULT 1, options jsonb DEFAULT '{}')
RETURNS TABLE (order_id text, planned_end timestamptz, p50_end timestamptz, p90_end timestamptz, p_on_time float8,
               deciding_work_centers text[], decided_by jsonb, scenario_plan bigint, simulation_id bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  plant text;
  base bigint;
  scenario bigint;
  sim bigint;
  quote_id text;
  change jsonb;
BEGIN
  IF product_id IS NULL OR quantity IS NULL THEN
    RAISE EXCEPTION 'prodplan.quote_due_date: product_id and quantity must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT (quantity > 0) THEN
    RAISE EXCEPTION 'prodplan.quote_due_date: quantity must be above 0, got %', quantity USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM prodplan.check_options('prodplan.quote_due_date', options, ARRAY['plant', 'due', 'priority', 'replications', 'seed', 'durations', 'breakdowns', 'time_limit_ms'],
    'Options are plant, due (a wanted date: the order is planned against it), priority (default 1), replications (default 500), seed, durations, breakdowns and time_limit_ms.');
  plant := options ->> 'plant';
  IF plant IS NULL THEN
    IF (SELECT count(*) FROM prodplan.plant) <> 1 THEN
      RAISE EXCEPTION 'prodplan.quote_due_date: options.plant is needed: the database has % plants', (SELECT count(*) FROM prodplan.plant)
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    plant := (SELECT p.plant_id FROM prodplan.plant p);
  END IF;
  base := prodplan.current_plan(plant);
  IF base IS NULL THEN
    base := prodplan.plan(jsonb_build_object('plant', plant));
  END IF;
  -- The hypothetical order: an id no order has.
  quote_id := 'QUOTE-' || product_id;
  WHILE EXISTS (SELECT 1 FROM prodplan.production_order o WHERE o.plant_id = plant AND o.order_id = quote_id) LOOP
    quote_id := quote_id || '''';
  END LOOP;
  change := jsonb_build_object('type', 'rush_order', 'order_id', quote_id, 'product', product_id, 'quantity', quantity,
                               'due', options -> 'due', 'priority', coalesce(options -> 'priority', '1'::jsonb));
  scenario := prodplan.whatif(jsonb_build_array(change), base,
                              jsonb_strip_nulls(jsonb_build_object('plant', plant, 'time_limit_ms', options -> 'time_limit_ms',
                                                                   'seed', options -> 'seed')));
  sim := prodplan.simulate_plan(scenario, coalesce((options ->> 'replications')::int, 500),
                                jsonb_strip_nulls(jsonb_build_object('seed', options -> 'seed', 'durations', options -> 'durations',
                                                                     'breakdowns', options -> 'breakdowns')));
  RETURN QUERY
  WITH ops AS (
    SELECT po.operation, po.work_center_id,
           extract(epoch FROM po.start_at - coalesce(lag(po.end_at) OVER (ORDER BY po.operation), p.plan_start))::float8 / 3600 AS wait_h,
           extract(epoch FROM po.end_at - po.start_at)::float8 / 3600 AS run_h
    FROM prodplan.planned_operations po JOIN prodplan.plans p ON p.plan_id = po.plan_id
    WHERE po.plan_id = scenario AND po.order_id = quote_id
  ), ranked AS (
    SELECT o.work_center_id, sum(greatest(o.wait_h, 0) + o.run_h) AS hours, sum(greatest(o.wait_h, 0)) AS wait_h,
           sum(o.run_h) AS run_h
    FROM ops o GROUP BY o.work_center_id
  )
  SELECT so.order_id, so.planned_end, so.p50_end, so.p90_end, so.p_on_time,
         (SELECT array_agg(r.work_center_id ORDER BY r.hours DESC, r.work_center_id)
          FROM (SELECT * FROM ranked ORDER BY hours DESC, work_center_id LIMIT 3) r),
         (SELECT jsonb_agg(jsonb_build_object('work_center', r.work_center_id, 'wait_hours', round(r.wait_h::numeric, 2),
                                              'run_hours', round(r.run_h::numeric, 2)) ORDER BY r.hours DESC, r.work_center_id)
          FROM ranked r),
         scenario, sim
  FROM prodplan.simulation_orders so WHERE so.simulation_id = sim AND so.order_id = quote_id;
END
$fn$;
COMMENT ON FUNCTION prodplan.quote_due_date(text, float8, jsonb) IS 'When could a new order of product_id (quantity units: durations x quantity) be finished? Adds it as a hypothetical order to the plant''s current plan (prodplan.whatif rush_order: the base data and the plan are not changed; the scenario is kept and reused for the same question on the same data), simulates that scenario (prodplan.simulate, options.replications default 500) and returns the order''s planned, P50 and P90 completion, its probability of meeting options.due when given, and the work centers that decide it: where its operations wait and run longest (deciding_work_centers, the top three; decided_by, every one with wait and run hours). Options: plant, due, priority (default 1: higher is more urgent), replications, seed, durations, breakdowns, time_limit_ms.';

REVOKE ALL ON FUNCTION prodplan.work_center_reliability(text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.work_center_reliability(text, timestamptz) TO prodplan_reader;
REVOKE ALL ON FUNCTION prodplan.simulate(bigint, int, jsonb), prodplan.simulate_plan(bigint, int, jsonb),
  prodplan.risk_queue(timestamptz), prodplan.quote_due_date(text, float8, jsonb), prodplan.current_plan(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.simulate(bigint, int, jsonb), prodplan.simulate_plan(bigint, int, jsonb),
  prodplan.quote_due_date(text, float8, jsonb) TO prodplan_planner;
GRANT EXECUTE ON FUNCTION prodplan.risk_queue(timestamptz), prodplan.current_plan(text) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- A plan's standard times, kept for its what-ifs.
-- ---------------------------------------------------------------------------
CREATE TABLE prodplan.plan_standard_times (
  plan_id         bigint NOT NULL REFERENCES prodplan.plans ON DELETE CASCADE,
  product_id      text NOT NULL,
  work_center_id  text NOT NULL,
  seconds         bigint NOT NULL,
  source          text NOT NULL,
  PRIMARY KEY (plan_id, product_id, work_center_id)
);
COMMENT ON TABLE prodplan.plan_standard_times IS 'The standard times (prodplan.standard_times) a plan was made with, for the products of its orders. prodplan.whatif reuses them while the data version is the plan''s (prodplan.plans.data_version) and the scenario adds no other product, instead of estimating them again from the whole operation history.';
COMMENT ON COLUMN prodplan.plan_standard_times.seconds IS 'Working seconds of one unit of the product on the work center.';
COMMENT ON COLUMN prodplan.plan_standard_times.source IS 'As prodplan.standard_times: history, coefficient or phase_median.';
COMMENT ON COLUMN prodplan.plans.data_version IS 'prodplan.data_version when the plan was made (read before its data). For a scenario, what finds it again; for a plan, whether its stored standard times (prodplan.plan_standard_times) still hold.';
GRANT SELECT ON prodplan.plan_standard_times TO prodplan_reader;
GRANT INSERT, UPDATE, DELETE ON prodplan.plan_standard_times TO prodplan_planner;

-- ---------------------------------------------------------------------------
-- validate_plan for scenarios: their own working time and capacity.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.scenario_resources(plan_id bigint)
RETURNS TABLE (work_center_id text, unit_from int, unit_to int, working tstzmultirange)
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
-- Written apart from the C++ that applies a scenario's changes
-- (src/core/whatif/scenario_apply.cpp), so that validate_plan checks the
-- scenario's plan against an independent reading of the same changes. Each
-- work center starts as one entry (all its units, its calendar's working
-- time; unbounded without calendar); changes apply in order: work_center_down
-- removes time from every entry of the work center, calendar adds or removes
-- it (every work center when none is named), capacity without a period sets
-- the first entry's units, with a period splits off the units it adds
-- (numbered after every unit the work center has, working only inside the
-- periods) or removes (the first entry's top units, working only outside).
#variable_conflict use_column
DECLARE
  p        record;
  c        record;
  wcs      text[] := '{}';
  offs     int[] := '{}';
  units    int[] := '{}';
  times    tstzmultirange[] := '{}';
  i        int;
  j        int;
  base     int;
  target   int;
  nxt      int;
  per      tstzmultirange;
BEGIN
  SELECT pl.plant_id, pl.plan_start, pl.status, pl.changes, coalesce((pl.options->>'horizon_days')::float8, 90) AS horizon_days
  INTO p FROM prodplan.plans pl WHERE pl.plan_id = scenario_resources.plan_id;
  IF p.status IS DISTINCT FROM 'scenario' THEN
    RETURN;
  END IF;
  SELECT array_agg(w.work_center_id ORDER BY w.work_center_id), array_agg(0 ORDER BY w.work_center_id),
         array_agg(w.capacity_units ORDER BY w.work_center_id),
         array_agg(coalesce(t.r, CASE WHEN w.calendar_id IS NULL THEN '{(,)}'::tstzmultirange ELSE '{}'::tstzmultirange END)
                   ORDER BY w.work_center_id)
  INTO wcs, offs, units, times
  FROM prodplan.work_center w
  LEFT JOIN (SELECT x.calendar_id, range_agg(tstzrange(x.starts_at, x.ends_at)) AS r
             FROM prodplan.working_time(p.plant_id, p.plan_start - interval '31 days',
                                        p.plan_start + make_interval(secs => p.horizon_days * 86400) + interval '365 days') x
             GROUP BY x.calendar_id) t ON t.calendar_id = w.calendar_id
  WHERE w.plant_id = p.plant_id;
  IF wcs IS NULL THEN
    RETURN;
  END IF;
  FOR c IN
    SELECT ch.type, ch.work_center, ch.add, ch.units_set, ch.units_add,
           (SELECT range_agg(tstzrange(to_timestamp(ch.periods[2 * k - 1]), to_timestamp(ch.periods[2 * k])))
            FROM generate_series(1, coalesce(array_length(ch.periods, 1), 0) / 2) k) AS periods
    FROM prodplan.whatif_changes(p.plant_id,
           coalesce((SELECT jsonb_agg(x ORDER BY n) FROM jsonb_array_elements(p.changes) WITH ORDINALITY e(x, n)
                     WHERE x ->> 'type' IN ('work_center_down', 'calendar', 'capacity')), '[]'::jsonb),
           extract(epoch FROM p.plan_start)::bigint) ch
    ORDER BY ch.item
  LOOP
    per := coalesce(c.periods, '{}'::tstzmultirange);
    IF c.type = 'work_center_down' THEN
      FOR i IN 1 .. array_length(wcs, 1) LOOP
        IF wcs[i] = c.work_center THEN times[i] := times[i] - per; END IF;
      END LOOP;
    ELSIF c.type = 'calendar' THEN
      FOR i IN 1 .. array_length(wcs, 1) LOOP
        IF coalesce(c.work_center, '') = '' OR wcs[i] = c.work_center THEN
          times[i] := CASE WHEN c.add THEN times[i] + per ELSE times[i] - per END;
        END IF;
      END LOOP;
    ELSIF c.type = 'capacity' THEN
      j := NULL;
      nxt := 0;
      FOR i IN 1 .. array_length(wcs, 1) LOOP
        IF wcs[i] = c.work_center THEN
          IF offs[i] = 0 AND j IS NULL THEN j := i; END IF;
          nxt := greatest(nxt, offs[i] + units[i]);
        END IF;
      END LOOP;
      CONTINUE WHEN j IS NULL;
      base := units[j];
      target := coalesce(c.units_set, base + coalesce(c.units_add, 0));
      IF isempty(per) THEN
        units[j] := target;
      ELSIF target <> base THEN
        wcs := wcs || c.work_center;
        offs := offs || CASE WHEN target > base THEN greatest(nxt, least(target, base)) ELSE least(target, base) END;
        units := units || abs(target - base);
        times := times || CASE WHEN target > base THEN times[j] * per ELSE times[j] - per END;
        units[j] := least(target, base);
      END IF;
    END IF;
  END LOOP;
  RETURN QUERY SELECT wcs[i], offs[i] + 1, offs[i] + units[i], times[i] FROM generate_subscripts(wcs, 1) i;
END
$fn$;
COMMENT ON FUNCTION prodplan.scenario_resources(bigint) IS 'For a what-if scenario: which units of which work center work when, after its work_center_down, calendar and capacity changes (units unit_from..unit_to, 1-based, work in working; a work center split by a capacity change with a period has several rows). No rows for a plan that is not a scenario. What prodplan.validate_plan checks a scenario against; computed in SQL apart from the C++ that planned it.';

CREATE OR REPLACE FUNCTION prodplan.validate_plan(plan_id bigint)
RETURNS TABLE (violation text, detail jsonb)
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
  -- Written apart from the planner, in set-based SQL, so that a bug in the
  -- planner's C++ cannot hide itself: a feasible plan returns no rows. A
  -- scenario is checked against its own working time and units
  -- (prodplan.scenario_resources) and its own orders (prodplan.plan_orders).
  WITH p AS (
    SELECT * FROM prodplan.plans WHERE plans.plan_id = validate_plan.plan_id
  ), scen AS (
    SELECT * FROM prodplan.scenario_resources(validate_plan.plan_id)
  ), ops AS (
    SELECT po.*, wc.capacity_units, wc.calendar_id, wc.resumable, (wc.work_center_id IS NULL) AS unknown_wc,
           coalesce(o.created_at, pod.released_at) AS released_at
    FROM prodplan.planned_operations po
    LEFT JOIN prodplan.work_center wc ON wc.plant_id = (SELECT plant_id FROM p) AND wc.work_center_id = po.work_center_id
    LEFT JOIN prodplan.production_order o ON o.plant_id = (SELECT plant_id FROM p) AND o.order_id = po.order_id
    LEFT JOIN prodplan.plan_orders pod ON pod.plan_id = po.plan_id AND pod.order_id = po.order_id
    WHERE po.plan_id = validate_plan.plan_id
  ), wt AS (
    SELECT w.calendar_id, range_agg(tstzrange(w.starts_at, w.ends_at)) AS r
    FROM prodplan.working_time((SELECT plant_id FROM p),
                               (SELECT least(min(setup_start_at), (SELECT plan_start FROM p)) FROM ops) - interval '1 day',
                               (SELECT max(end_at) FROM ops) + interval '1 day') w
    GROUP BY w.calendar_id
  ), timed AS (
    SELECT ops.*, s.working AS scenario_working, (s.work_center_id IS NOT NULL) AS in_scenario_unit
    FROM ops LEFT JOIN scen s ON s.work_center_id = ops.work_center_id AND ops.unit BETWEEN s.unit_from AND s.unit_to
  ), worked AS (
    SELECT t.*,
           CASE WHEN t.scenario_working IS NULL AND t.calendar_id IS NULL THEN extract(epoch FROM t.end_at - t.setup_start_at) / 60.0
                ELSE coalesce((SELECT sum(extract(epoch FROM upper(x) - lower(x))) / 60.0
                               FROM unnest(coalesce(t.scenario_working, wt.r) * tstzmultirange(tstzrange(t.setup_start_at, t.end_at))) x), 0) END
             AS working_minutes,
           (t.scenario_working IS NULL AND t.calendar_id IS NULL) OR t.setup_start_at = t.end_at
             OR EXISTS (SELECT 1 FROM unnest(coalesce(t.scenario_working, wt.r)) x WHERE x @> tstzrange(t.setup_start_at, t.end_at)) AS in_one_period
    FROM timed t LEFT JOIN wt ON wt.calendar_id = t.calendar_id
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
  FROM timed
  WHERE unknown_wc OR CASE WHEN EXISTS (SELECT 1 FROM scen) THEN NOT in_scenario_unit ELSE unit > capacity_units END
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
    -- A plan that lists its orders (0.6.0 on) answers only for those: a
    -- scenario's cancelled orders are not missing.
    AND (NOT EXISTS (SELECT 1 FROM prodplan.plan_orders x WHERE x.plan_id = validate_plan.plan_id)
         OR EXISTS (SELECT 1 FROM prodplan.plan_orders x WHERE x.plan_id = validate_plan.plan_id AND x.order_id = o.order_id))
$fn$;
COMMENT ON FUNCTION prodplan.validate_plan(bigint) IS 'Checks a plan independently of the planner (its own SQL, not the planner''s C++): precedence within each order (work starts after the previous operation ends; a unit''s setup may overlap it), no overlap on a unit (setups included), units within capacity and known work centers, enough working time between start and end per the work center''s calendar (within one working period when not resumable), nothing before the order''s creation or the plan start, started operations where they are, and every unfinished operation of an open order planned or listed as a problem. A what-if scenario is checked against its own working time and units (prodplan.scenario_resources: downtime, added shifts, capacity changes) and its own orders (cancelled ones are not missing; rush orders are released at the plan start). No rows when the plan is feasible; else one row per violation with its details.';
REVOKE ALL ON FUNCTION prodplan.scenario_resources(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.scenario_resources(bigint), prodplan.whatif_changes(text, jsonb, bigint) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- SPC and capability (issue 7).
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.spc_points(plant text, characteristic text, options jsonb)
RETURNS TABLE (point int, taken_at timestamptz, subgroup_size int, phase int, value float8, cl float8, lcl float8,
               ucl float8, zone text, rules int[], spread float8, spread_cl float8, spread_lcl float8,
               spread_ucl float8, spread_beyond boolean, out_of_control boolean, chart text, sigma float8)
LANGUAGE C STRICT STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_spc_points';
COMMENT ON FUNCTION prodplan.spc_points(text, text, jsonb) IS 'The engine behind prodplan.spc for one plant; call prodplan.spc.';

CREATE FUNCTION prodplan.capability_of(plant text, characteristic text, from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (n bigint, mean float8, sigma_within float8, sigma_overall float8, cp float8, cpu float8, cpl float8,
               cpk float8, pp float8, ppu float8, ppl float8, ppk float8, cpm float8, expected_ppm_within float8,
               expected_ppm_overall float8, observed_ppm float8, lsl float8, target float8, usl float8)
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_capability_of';
COMMENT ON FUNCTION prodplan.capability_of(text, text, timestamptz, timestamptz) IS 'The engine behind prodplan.capability for one plant; call prodplan.capability.';

CREATE FUNCTION prodplan.characteristic_plant(characteristic text, plant text, who text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  found text;
  n int;
BEGIN
  IF characteristic IS NULL THEN
    RAISE EXCEPTION '%: characteristic must not be NULL', who USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT min(c.plant_id), count(*) INTO found, n FROM prodplan.characteristic c
  WHERE c.characteristic_id = characteristic_plant.characteristic AND (plant IS NULL OR c.plant_id = plant);
  IF n = 0 THEN
    RAISE EXCEPTION '%: characteristic "%" is unknown%', who, characteristic,
                    CASE WHEN plant IS NULL THEN '' ELSE ' in plant ' || plant END
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Characteristics are listed in prodplan.characteristic.';
  ELSIF n > 1 THEN
    RAISE EXCEPTION '%: characteristic "%" exists in % plants; give options.plant', who, characteristic, n
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN found;
END
$fn$;
COMMENT ON FUNCTION prodplan.characteristic_plant(text, text, text) IS 'The plant of a characteristic (plant NULL: the only plant that has it), or an error naming the function who asked.';

CREATE FUNCTION prodplan.spc(characteristic text, options jsonb DEFAULT '{}')
RETURNS TABLE (point int, taken_at timestamptz, subgroup_size int, phase int, value float8, cl float8, lcl float8,
               ucl float8, zone text, rules int[], spread float8, spread_cl float8, spread_lcl float8,
               spread_ucl float8, spread_beyond boolean, out_of_control boolean, chart text, sigma float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
BEGIN
  PERFORM prodplan.check_options('prodplan.spc', options, ARRAY['plant', 'chart', 'subgroup_size', 'baseline_subgroups', 'baseline_to', 'from', 'to'],
    'Options are plant, chart (xbar_r, xbar_s, i_mr, p, np, c, u), subgroup_size, baseline_subgroups, baseline_to, from and to.');
  IF options ? 'chart' AND coalesce(options ->> 'chart', '') NOT IN ('xbar_r', 'xbar_s', 'i_mr', 'p', 'np', 'c', 'u') THEN
    RAISE EXCEPTION 'prodplan.spc: chart must be xbar_r, xbar_s, i_mr, p, np, c or u, got %', options -> 'chart'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF options ? 'subgroup_size' AND (jsonb_typeof(options -> 'subgroup_size') <> 'number'
       OR (options ->> 'subgroup_size') !~ '^[0-9]+$' OR (options ->> 'subgroup_size')::int NOT BETWEEN 1 AND 25) THEN
    RAISE EXCEPTION 'prodplan.spc: subgroup_size must be a whole number from 1 to 25, got %', options -> 'subgroup_size'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF options ? 'baseline_subgroups' AND (jsonb_typeof(options -> 'baseline_subgroups') <> 'number'
       OR (options ->> 'baseline_subgroups') !~ '^[0-9]+$' OR (options ->> 'baseline_subgroups')::int < 2) THEN
    RAISE EXCEPTION 'prodplan.spc: baseline_subgroups must be a whole number of at least 2, got %', options -> 'baseline_subgroups'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  BEGIN
    PERFORM (options ->> 'baseline_to')::timestamptz, (options ->> 'from')::timestamptz, (options ->> 'to')::timestamptz;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'prodplan.spc: baseline_to, from and to must be timestamps: %', SQLERRM USING ERRCODE = 'invalid_parameter_value';
  END;
  RETURN QUERY SELECT * FROM prodplan.spc_points(
    prodplan.characteristic_plant(characteristic, options ->> 'plant', 'prodplan.spc'), characteristic, options - 'plant');
END
$fn$;
COMMENT ON FUNCTION prodplan.spc(text, jsonb) IS 'A Shewhart control chart of a characteristic''s measurements (prodplan.measurement), one row per plotted point in time order. Charts (options.chart): xbar_r and xbar_s (subgroup means with ranges or standard deviations; the default for subgroups of 2-10 and 11-25 readings), i_mr (individuals and moving ranges; the default for single readings), p and np (each reading 0/1 defective; a subgroup''s readings are its units), c (defects: the sum of a subgroup''s readings) and u (defects per unit). Subgroups: the measurement''s subgroup number, or options.subgroup_size consecutive readings. Phase I (phase 1): the first options.baseline_subgroups subgroups, or those before options.baseline_to, else all; their statistics give the centre line and 3-sigma limits (constants A2, A3, B3, B4, D3, D4 for n = 2-25; LCL clipped at 0 for attributes), applied to every point (phase 2 after the baseline). Per point: zone (C, B, A on each side, above UCL, below LCL, on CL), rules: the Nelson rules that fire (1 beyond 3 sigma; 2 nine on one side; 3 six rising or falling; 4 fourteen alternating; 5 two of three beyond 2 sigma on one side; 6 four of five beyond 1 sigma on one side; 7 fifteen within 1 sigma; 8 eight beyond 1 sigma on either side; "beyond" is strict, a point on the centre line is on neither side, equal neighbours neither rise nor fall; a rule fires at the point completing its pattern and at each later point keeping it), the dispersion chart''s value and limits, and out_of_control (a rule fires or the dispersion is outside its limits). chart and sigma (the within-subgroup sigma estimate) repeat on every row. Options also: plant, from, to (measured_at window).';

CREATE FUNCTION prodplan.capability(characteristic text, from_ts timestamptz DEFAULT NULL, to_ts timestamptz DEFAULT NULL,
                                    plant text DEFAULT NULL)
RETURNS TABLE (n bigint, mean float8, sigma_within float8, sigma_overall float8, cp float8, cpu float8, cpl float8,
               cpk float8, pp float8, ppu float8, ppl float8, ppk float8, cpm float8, expected_ppm_within float8,
               expected_ppm_overall float8, observed_ppm float8, lsl float8, target float8, usl float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT * FROM prodplan.capability_of(prodplan.characteristic_plant(capability.characteristic, capability.plant, 'prodplan.capability'),
                                       capability.characteristic, capability.from_ts, capability.to_ts)
$fn$;
COMMENT ON FUNCTION prodplan.capability(text, timestamptz, timestamptz, text) IS 'Process capability of a characteristic over its measurements in [from_ts, to_ts) (NULL: unbounded) against its specification limits (prodplan.characteristic lsl, target, usl): n, mean, sigma within (Rbar/d2 for one subgroup size, Sbar/c4 for varying sizes, MRbar/1.128 for single readings) and overall (sample standard deviation); Cp = (USL - LSL) / 6 sigma_within, Cpu = (USL - mean) / 3 sigma_within, Cpl = (mean - LSL) / 3 sigma_within, Cpk = min(Cpu, Cpl); Pp, Ppu, Ppl, Ppk likewise with sigma overall; Cpm = (USL - LSL) / 6 sqrt(sum (x - T)^2 / (n - 1)) with T the target (the midpoint without one); expected ppm out of specification from the normal tails with either sigma, and observed ppm. One-sided specifications: Cp, Pp and Cpm are NULL, Cpk and Ppk are the one side. plant NULL: the only plant with that characteristic.';

REVOKE ALL ON FUNCTION prodplan.spc_points(text, text, jsonb), prodplan.capability_of(text, text, timestamptz, timestamptz),
  prodplan.characteristic_plant(text, text, text), prodplan.spc(text, jsonb), prodplan.capability(text, timestamptz, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.spc_points(text, text, jsonb), prodplan.capability_of(text, text, timestamptz, timestamptz),
  prodplan.characteristic_plant(text, text, text), prodplan.spc(text, jsonb), prodplan.capability(text, timestamptz, timestamptz, text) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Creating a month's partition when its rows already wait in the DEFAULT
-- partition (written before the partition existed, e.g. by a plain INSERT):
-- PostgreSQL refuses to create the partition over them, so they move into it
-- in the same transaction, as prodplan.maintain_partitions moves them.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION prodplan.ensure_table_partitions(table_name text, from_ts timestamptz, to_ts timestamptz)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  -- Months are calendar months in UTC, whatever the session's TimeZone.
  first_month timestamp := date_trunc('month', from_ts AT TIME ZONE 'UTC');
  last_month  timestamp := date_trunc('month', to_ts AT TIME ZONE 'UTC');
  m           timestamp;
  part        text;
  created     integer := 0;
  tcol        text;
  cols        text;
  lo          timestamptz;
  hi          timestamptz;
  waiting     boolean;
BEGIN
  SELECT p.time_column INTO tcol FROM prodplan.partitioned_table p WHERE p.table_name = $1;
  IF tcol IS NULL THEN
    RAISE EXCEPTION 'prodplan.ensure_table_partitions: "%" is not a partitioned prodplan table', $1
      USING HINT = 'SELECT table_name FROM prodplan.partitioned_table lists them.';
  END IF;
  IF from_ts IS NULL OR to_ts IS NULL THEN
    RAISE EXCEPTION 'prodplan.ensure_table_partitions: from_ts and to_ts must not be NULL';
  END IF;
  IF to_ts < from_ts THEN
    RAISE EXCEPTION 'prodplan.ensure_table_partitions: to_ts (%) is before from_ts (%)', to_ts, from_ts;
  END IF;
  IF last_month - first_month > interval '100 years' THEN
    RAISE EXCEPTION 'prodplan.ensure_table_partitions: range % .. % spans more than 100 years', from_ts, to_ts
      USING HINT = 'Check the dates of the data: a range this wide usually means a mis-parsed date.';
  END IF;
  -- One creator at a time per database: concurrent loaders would race on the
  -- existence check below.
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('prodplan.ensure_partitions'));
  m := first_month;
  WHILE m <= last_month LOOP
    part := format('%s_p%s', $1, to_char(m, 'YYYYMM'));
    IF pg_catalog.to_regclass(format('prodplan.%I', part)) IS NULL THEN
      lo := m AT TIME ZONE 'UTC';
      hi := (m + interval '1 month') AT TIME ZONE 'UTC';
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM prodplan.%I WHERE %I >= $1 AND %I < $2)', $1 || '_default', tcol, tcol)
        INTO waiting USING lo, hi;
      IF waiting THEN
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                   WHERE k.contype = 'f' AND k.confrelid = pg_catalog.to_regclass('prodplan.' || $1)) THEN
          RAISE EXCEPTION 'prodplan.ensure_table_partitions: rows of % for % wait in %_default and other tables reference % by foreign key',
                          $1, to_char(m, 'YYYY-MM'), $1, $1
            USING HINT = 'Move them by hand (delete, create the partition, insert again) in one transaction.';
        END IF;
        SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) INTO cols
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = pg_catalog.to_regclass('prodplan.' || $1) AND a.attnum > 0
          AND NOT a.attisdropped AND a.attgenerated = '';
        EXECUTE format('CREATE TEMP TABLE pp_month_rows (LIKE prodplan.%I) ON COMMIT DROP', $1);
        EXECUTE format('WITH d AS (DELETE FROM prodplan.%I WHERE %I >= $1 AND %I < $2 RETURNING %s) '
                       'INSERT INTO pg_temp.pp_month_rows (%s) SELECT %s FROM d', $1 || '_default', tcol, tcol, cols, cols, cols)
          USING lo, hi;
      END IF;
      EXECUTE format('CREATE TABLE prodplan.%I PARTITION OF prodplan.%I FOR VALUES FROM (%L) TO (%L)', part, $1, lo, hi);
      EXECUTE format('COMMENT ON TABLE prodplan.%I IS %L', part,
                     format('Monthly partition of prodplan.%s for %s (UTC).', $1, to_char(m, 'YYYY-MM')));
      IF waiting THEN
        EXECUTE format('INSERT INTO prodplan.%I (%s) SELECT %s FROM pg_temp.pp_month_rows', $1, cols, cols);
        DROP TABLE pg_temp.pp_month_rows;
      END IF;
      created := created + 1;
    END IF;
    m := m + interval '1 month';
  END LOOP;
  RETURN created;
END
$fn$;
COMMENT ON FUNCTION prodplan.ensure_table_partitions(text, timestamptz, timestamptz) IS 'Creates the missing monthly partitions (UTC months) of one partitioned prodplan table for the months from from_ts to to_ts; returns how many it created. Rows of such a month already in the DEFAULT partition move into the new partition in the same transaction (an error names the month when other tables reference the table by foreign key).';

-- ---------------------------------------------------------------------------
-- Defect rates (issue 7).
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.defect_rates(by text DEFAULT 'overall', from_ts timestamptz DEFAULT NULL,
                                      to_ts timestamptz DEFAULT NULL, options jsonb DEFAULT '{}')
RETURNS TABLE (plant_id text, group_key text, orders bigint, orders_with_defects bigint, defect_rate float8,
               defects bigint, mean_severity float8, level text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  high_rate float8;
  medium_rate float8;
  high_severity float8;
  medium_severity float8;
BEGIN
  IF by IS NULL OR by NOT IN ('overall', 'product', 'work_center', 'evaluating_phase', 'severity', 'week') THEN
    RAISE EXCEPTION 'prodplan.defect_rates: by must be overall, product, work_center, evaluating_phase, severity or week, got %',
                    coalesce(by, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM prodplan.check_options('prodplan.defect_rates', options, ARRAY['plant', 'high_rate', 'medium_rate', 'high_severity', 'medium_severity', 'ignore_gates'],
    'Options are plant, high_rate (0.3), medium_rate (0.1), high_severity (2.5), medium_severity (2.0) and ignore_gates.');
  BEGIN
    high_rate := coalesce((options ->> 'high_rate')::float8, 0.3);
    medium_rate := coalesce((options ->> 'medium_rate')::float8, 0.1);
    high_severity := coalesce((options ->> 'high_severity')::float8, 2.5);
    medium_severity := coalesce((options ->> 'medium_severity')::float8, 2.0);
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'prodplan.defect_rates: thresholds must be numbers: %', SQLERRM USING ERRCODE = 'invalid_parameter_value';
  END;
  IF from_ts > to_ts THEN
    RAISE EXCEPTION 'prodplan.defect_rates: from_ts (%) is after to_ts (%)', from_ts, to_ts USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF by = 'work_center' THEN
    -- Blaming work centers needs defects that name their culprit operation.
    PERFORM prodplan.require_feature('culprit_analytics', options ->> 'plant', options);
  END IF;
  RETURN QUERY
  WITH o AS (
    -- The orders of the window: created in [from_ts, to_ts).
    SELECT po.plant_id, po.order_id, po.product_id, po.created_at FROM prodplan.production_order po
    WHERE (options ->> 'plant' IS NULL OR po.plant_id = options ->> 'plant')
      AND (from_ts IS NULL OR po.created_at >= from_ts) AND (to_ts IS NULL OR po.created_at < to_ts)
  ), d0 AS (
    SELECT d.plant_id, d.order_id, d.severity, d.evaluation_work_center_id, d.culprit_operation_id
    FROM prodplan.defect d JOIN o ON o.plant_id = d.plant_id AND o.order_id = d.order_id
  ), culprit AS (
    -- The culprit operations' work centers, in one pass over the operations
    -- (only when grouping by culprit).
    SELECT DISTINCT ON (op.plant_id, op.operation_id) op.plant_id, op.operation_id, op.work_center_id
    FROM prodplan.operation op
    WHERE by = 'work_center'
      AND EXISTS (SELECT 1 FROM d0 WHERE d0.plant_id = op.plant_id AND d0.culprit_operation_id = op.operation_id)
  ), d AS (
    SELECT d0.*, c.work_center_id AS culprit_work_center_id
    FROM d0 LEFT JOIN culprit c ON c.plant_id = d0.plant_id AND c.operation_id = d0.culprit_operation_id
  ), visits AS (
    -- Orders that passed through a work center (an operation there).
    SELECT DISTINCT op.plant_id, op.order_id, op.work_center_id
    FROM prodplan.operation op JOIN o ON o.plant_id = op.plant_id AND o.order_id = op.order_id
    WHERE by IN ('work_center', 'evaluating_phase')
  ), population AS (
    -- (plant, group, order): which orders each group's rate is over.
    SELECT o.plant_id, '' AS g, o.order_id FROM o WHERE by = 'overall'
    UNION ALL SELECT o.plant_id, o.product_id, o.order_id FROM o WHERE by = 'product'
    UNION ALL SELECT o.plant_id, to_char(date_trunc('week', o.created_at AT TIME ZONE 'UTC'), 'IYYY-"W"IW'), o.order_id FROM o WHERE by = 'week'
    UNION ALL SELECT o.plant_id, s::text, o.order_id FROM o, generate_series(1, 3) s WHERE by = 'severity'
    UNION ALL SELECT v.plant_id, v.work_center_id, v.order_id FROM visits v
    -- Defects without a known culprit are rated over every order of the window.
    UNION ALL SELECT o.plant_id, '(unknown)', o.order_id FROM o
              WHERE by = 'work_center' AND EXISTS (SELECT 1 FROM d WHERE d.plant_id = o.plant_id AND d.culprit_work_center_id IS NULL)
  ), hits AS (
    -- (plant, group, order, severity): each defect under the group it counts for.
    SELECT d.plant_id, '' AS g, d.order_id, d.severity FROM d WHERE by = 'overall'
    UNION ALL SELECT d.plant_id, o.product_id, d.order_id, d.severity FROM d JOIN o USING (plant_id, order_id) WHERE by = 'product'
    UNION ALL SELECT d.plant_id, to_char(date_trunc('week', o.created_at AT TIME ZONE 'UTC'), 'IYYY-"W"IW'), d.order_id, d.severity
              FROM d JOIN o USING (plant_id, order_id) WHERE by = 'week'
    UNION ALL SELECT d.plant_id, d.severity::text, d.order_id, d.severity FROM d WHERE by = 'severity'
    UNION ALL SELECT d.plant_id, coalesce(d.culprit_work_center_id, '(unknown)'), d.order_id, d.severity FROM d WHERE by = 'work_center'
    UNION ALL SELECT d.plant_id, d.evaluation_work_center_id, d.order_id, d.severity FROM d WHERE by = 'evaluating_phase'
  ), pop AS (
    SELECT p.plant_id, p.g, count(DISTINCT p.order_id) AS orders FROM population p GROUP BY 1, 2
  ), hit AS (
    SELECT h.plant_id, h.g, count(DISTINCT h.order_id) AS orders_with, count(*) AS defects, avg(h.severity)::float8 AS sev
    FROM hits h GROUP BY 1, 2
  ), r AS (
    SELECT coalesce(p.plant_id, h.plant_id) AS plant_id, coalesce(p.g, h.g) AS g,
           coalesce(p.orders, 0) AS orders, coalesce(h.orders_with, 0) AS orders_with, coalesce(h.defects, 0) AS defects, h.sev
    FROM pop p FULL JOIN hit h ON h.plant_id = p.plant_id AND h.g = p.g
  )
  SELECT r.plant_id, nullif(r.g, ''), r.orders, r.orders_with,
         CASE WHEN r.orders > 0 THEN r.orders_with::float8 / r.orders END, r.defects, r.sev,
         CASE WHEN r.orders = 0 THEN NULL
              WHEN r.orders_with::float8 / r.orders > high_rate OR r.sev >= high_severity THEN 'HIGH'
              WHEN r.orders_with::float8 / r.orders > medium_rate OR r.sev >= medium_severity THEN 'MEDIUM'
              ELSE 'LOW' END
  FROM r
  ORDER BY r.plant_id, CASE WHEN r.orders > 0 THEN r.orders_with::float8 / r.orders END DESC NULLS LAST, r.defects DESC, r.g;
END
$fn$;
COMMENT ON FUNCTION prodplan.defect_rates(text, timestamptz, timestamptz, jsonb) IS 'Defect rates of the orders created in [from_ts, to_ts) (NULL: unbounded), per plant and group (by): overall; product; work_center (the culprit: the work center of the operation a defect is blamed on; the orders are those with an operation there; defects without a known culprit form the group "(unknown)", rated over every order); evaluating_phase (the work center that found the defect; the orders are those with an operation there); severity (1-3; every order of the window); week (ISO week of the order''s creation, e.g. 2026-W48). Per group: orders, orders_with_defects, defect_rate (orders_with_defects / orders), defects, mean_severity, and the reference system''s level: HIGH when the rate > high_rate (0.3) or the mean severity >= high_severity (2.5), MEDIUM when > medium_rate (0.1) or >= medium_severity (2.0), else LOW (thresholds and plant in options). by work_center is refused while prodplan.feature_gates has culprit_analytics off (options.ignore_gates overrides). Highest rate first.';
REVOKE ALL ON FUNCTION prodplan.defect_rates(text, timestamptz, timestamptz, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.defect_rates(text, timestamptz, timestamptz, jsonb) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Defect heatmap and Pareto (issue 7): defects by when they were found.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.defects_found(from_ts timestamptz, to_ts timestamptz, plant text)
RETURNS TABLE (plant_id text, order_id text, description text, severity smallint, evaluating_work_center_id text,
               culprit_work_center_id text, detected_at timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  -- The culprit operation's work center comes from one pass over the
  -- operations the window's defects blame (the operation table has no
  -- index by operation id alone across its monthly partitions).
  WITH d AS (
    SELECT d.* FROM prodplan.defect d
    WHERE (defects_found.plant IS NULL OR d.plant_id = defects_found.plant)
      AND (defects_found.from_ts IS NULL OR d.detected_at >= defects_found.from_ts)
      AND (defects_found.to_ts IS NULL OR d.detected_at < defects_found.to_ts)
  ), c AS (
    SELECT DISTINCT ON (op.plant_id, op.operation_id) op.plant_id, op.operation_id, op.work_center_id
    FROM prodplan.operation op
    WHERE EXISTS (SELECT 1 FROM d WHERE d.plant_id = op.plant_id AND d.culprit_operation_id = op.operation_id)
  )
  SELECT d.plant_id, d.order_id, d.description, d.severity, d.evaluation_work_center_id, c.work_center_id, d.detected_at
  FROM d LEFT JOIN c ON c.plant_id = d.plant_id AND c.operation_id = d.culprit_operation_id
$fn$;
COMMENT ON FUNCTION prodplan.defects_found(timestamptz, timestamptz, text) IS 'The defects detected in [from_ts, to_ts) (NULL: unbounded) of a plant (NULL: all), with the work center of the operation each is blamed on (NULL when the culprit is unknown or not in prodplan.operation). What defect_heatmap and defect_pareto read.';

CREATE FUNCTION prodplan.defect_heatmap(from_ts timestamptz DEFAULT NULL, to_ts timestamptz DEFAULT NULL, plant text DEFAULT NULL)
RETURNS TABLE (plant_id text, evaluating_work_center_id text, culprit_work_center_id text, defects bigint, orders bigint,
               mean_severity float8, share float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT f.plant_id, f.evaluating_work_center_id, coalesce(f.culprit_work_center_id, '(unknown)'), count(*),
         count(DISTINCT f.order_id), avg(f.severity)::float8,
         (count(*)::float8 / sum(count(*)) OVER (PARTITION BY f.plant_id))::float8
  FROM prodplan.defects_found(defect_heatmap.from_ts, defect_heatmap.to_ts, defect_heatmap.plant) f
  GROUP BY 1, 2, 3
  ORDER BY 1, 4 DESC, 2, 3
$fn$;
COMMENT ON FUNCTION prodplan.defect_heatmap(timestamptz, timestamptz, text) IS 'The evaluation-by-culprit heatmap: defects detected in [from_ts, to_ts) per plant, evaluating phase (the work center that found them) and culprit work center (the one whose operation they are blamed on; "(unknown)" when not known): defects, distinct orders, mean severity, and the cell''s share of the plant''s defects. Most defects first.';

CREATE FUNCTION prodplan.defect_pareto(from_ts timestamptz DEFAULT NULL, to_ts timestamptz DEFAULT NULL, plant text DEFAULT NULL,
                                       vital_share float8 DEFAULT 0.8)
RETURNS TABLE (plant_id text, rank bigint, description text, defects bigint, orders bigint, mean_severity float8,
               share float8, cumulative_share float8, vital_few boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH g AS (
    SELECT f.plant_id, f.description, count(*) AS defects, count(DISTINCT f.order_id) AS orders, avg(f.severity)::float8 AS sev
    FROM prodplan.defects_found(defect_pareto.from_ts, defect_pareto.to_ts, defect_pareto.plant) f
    GROUP BY 1, 2
  ), r AS (
    SELECT g.*, row_number() OVER w AS rank,
           g.defects::float8 / sum(g.defects) OVER (PARTITION BY g.plant_id) AS share,
           sum(g.defects) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)::float8
             / sum(g.defects) OVER (PARTITION BY g.plant_id) AS cumulative
    FROM g WINDOW w AS (PARTITION BY g.plant_id ORDER BY g.defects DESC, g.description)
  )
  SELECT r.plant_id, r.rank, r.description, r.defects, r.orders, r.sev, r.share, r.cumulative,
         r.cumulative - r.share < defect_pareto.vital_share
  FROM r ORDER BY r.plant_id, r.rank
$fn$;
COMMENT ON FUNCTION prodplan.defect_pareto(timestamptz, timestamptz, text, float8) IS 'A Pareto of defect descriptions detected in [from_ts, to_ts) per plant: rank (most frequent first; ties by description), defects, distinct orders, mean severity, share and cumulative share of the plant''s defects, and vital_few: the descriptions that together make the first vital_share (0.8) of the defects (each one whose preceding cumulative share is below it).';

REVOKE ALL ON FUNCTION prodplan.defects_found(timestamptz, timestamptz, text), prodplan.defect_heatmap(timestamptz, timestamptz, text),
  prodplan.defect_pareto(timestamptz, timestamptz, text, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.defects_found(timestamptz, timestamptz, text), prodplan.defect_heatmap(timestamptz, timestamptz, text),
  prodplan.defect_pareto(timestamptz, timestamptz, text, float8) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Yields (issue 7): first pass, rolled throughput, DPMO and sigma level.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.normal_quantile(p float8)
RETURNS float8
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_normal_quantile';
COMMENT ON FUNCTION prodplan.normal_quantile(float8) IS 'z with P(Z <= z) = p for a standard normal Z, p in (0, 1) (Acklam''s approximation refined to double precision).';

CREATE FUNCTION prodplan.first_pass_yield(by text DEFAULT 'work_center', from_ts timestamptz DEFAULT NULL,
                                          to_ts timestamptz DEFAULT NULL, plant text DEFAULT NULL)
RETURNS TABLE (plant_id text, group_key text, units bigint, first_pass_units bigint, fpy float8, rty float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
  IF by IS NULL OR by NOT IN ('overall', 'work_center', 'product') THEN
    RAISE EXCEPTION 'prodplan.first_pass_yield: by must be overall, work_center or product, got %', coalesce(by, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  WITH o AS (
    SELECT po.plant_id, po.order_id, po.product_id FROM prodplan.production_order po
    WHERE (first_pass_yield.plant IS NULL OR po.plant_id = first_pass_yield.plant)
      AND (from_ts IS NULL OR po.created_at >= from_ts) AND (to_ts IS NULL OR po.created_at < to_ts)
  ), ops AS (
    SELECT op.plant_id, op.order_id, op.operation_id, op.work_center_id, op.is_rework
    FROM prodplan.operation op JOIN o ON o.plant_id = op.plant_id AND o.order_id = op.order_id
  ), blamed AS (
    -- (order, work center) pairs a defect is blamed on.
    SELECT DISTINCT d.plant_id, d.order_id, c.work_center_id
    FROM prodplan.defect d JOIN o ON o.plant_id = d.plant_id AND o.order_id = d.order_id
    JOIN ops c ON c.plant_id = d.plant_id AND c.operation_id = d.culprit_operation_id
  ), through AS (
    -- Each order at each work center: first pass when it needed no rework
    -- pass there and no defect is blamed on its work there.
    SELECT x.plant_id, x.order_id, x.work_center_id,
           NOT bool_or(x.is_rework) AND NOT EXISTS (SELECT 1 FROM blamed b WHERE b.plant_id = x.plant_id
             AND b.order_id = x.order_id AND b.work_center_id = x.work_center_id) AS first_pass
    FROM ops x GROUP BY 1, 2, 3
  ), wc AS (
    SELECT t.plant_id, t.work_center_id, count(*) AS units, count(*) FILTER (WHERE t.first_pass) AS fp
    FROM through t GROUP BY 1, 2
  ), per_order AS (
    -- An order is first pass overall with no rework pass anywhere and no defect at all.
    SELECT o.plant_id, o.order_id, o.product_id,
           NOT EXISTS (SELECT 1 FROM ops x WHERE x.plant_id = o.plant_id AND x.order_id = o.order_id AND x.is_rework)
           AND NOT EXISTS (SELECT 1 FROM prodplan.defect d WHERE d.plant_id = o.plant_id AND d.order_id = o.order_id) AS first_pass
    FROM o
  ), product_wcs AS (
    -- The work centers a product passes: its routing, else where its orders went.
    SELECT DISTINCT o.plant_id, o.product_id, coalesce(rs.work_center_id, x.work_center_id) AS work_center_id
    FROM o LEFT JOIN prodplan.routing_step rs ON rs.plant_id = o.plant_id AND rs.product_id = o.product_id
    LEFT JOIN ops x ON rs.work_center_id IS NULL AND x.plant_id = o.plant_id AND x.order_id = o.order_id
  )
  SELECT w.plant_id, w.work_center_id, w.units, w.fp, w.fp::float8 / w.units, NULL::float8
  FROM wc w WHERE by = 'work_center'
  UNION ALL
  SELECT p.plant_id, p.product_id, count(*), count(*) FILTER (WHERE p.first_pass),
         (count(*) FILTER (WHERE p.first_pass))::float8 / count(*),
         (SELECT CASE WHEN bool_or(w.fp = 0) THEN 0 ELSE exp(sum(ln(w.fp::float8 / w.units))) END
          FROM product_wcs pw JOIN wc w ON w.plant_id = pw.plant_id AND w.work_center_id = pw.work_center_id
          WHERE pw.plant_id = p.plant_id AND pw.product_id = p.product_id)
  FROM per_order p WHERE by = 'product' GROUP BY p.plant_id, p.product_id
  UNION ALL
  SELECT p.plant_id, NULL, count(*), count(*) FILTER (WHERE p.first_pass), (count(*) FILTER (WHERE p.first_pass))::float8 / count(*),
         (SELECT CASE WHEN bool_or(w.fp = 0) THEN 0 ELSE exp(sum(ln(w.fp::float8 / w.units))) END FROM wc w WHERE w.plant_id = p.plant_id)
  FROM per_order p WHERE by = 'overall' GROUP BY p.plant_id
  ORDER BY 1, 5, 2;
END
$fn$;
COMMENT ON FUNCTION prodplan.first_pass_yield(text, timestamptz, timestamptz, text) IS 'First pass yield of the orders created in [from_ts, to_ts), per plant and by: work_center (units = orders through it; first pass = no rework pass there and no defect blamed on its work there), product or overall (first pass = no rework pass anywhere and no defect at all). rty, the rolled throughput yield: the product of the work centers'' first pass yields over the product''s routing (else the work centers its orders went through), or over every work center for overall. Lowest yield first.';

CREATE FUNCTION prodplan.dpmo(opportunities_per_unit float8, from_ts timestamptz DEFAULT NULL, to_ts timestamptz DEFAULT NULL,
                              plant text DEFAULT NULL)
RETURNS TABLE (plant_id text, units bigint, defects bigint, opportunities float8, dpmo float8, sigma_level float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
  IF opportunities_per_unit IS NULL OR NOT (opportunities_per_unit > 0) THEN
    RAISE EXCEPTION 'prodplan.dpmo: opportunities_per_unit must be above 0, got %', coalesce(opportunities_per_unit::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value', HINT = 'How many distinct defects one order could have (the defect descriptions that apply to it).';
  END IF;
  RETURN QUERY
  WITH o AS (
    SELECT po.plant_id, po.order_id FROM prodplan.production_order po
    WHERE (dpmo.plant IS NULL OR po.plant_id = dpmo.plant)
      AND (from_ts IS NULL OR po.created_at >= from_ts) AND (to_ts IS NULL OR po.created_at < to_ts)
  ), r AS (
    SELECT o.plant_id, count(*) AS units,
           coalesce(sum((SELECT count(*) FROM prodplan.defect d WHERE d.plant_id = o.plant_id AND d.order_id = o.order_id)), 0)::bigint AS defects
    FROM o GROUP BY o.plant_id
  )
  SELECT r.plant_id, r.units, r.defects, r.units * opportunities_per_unit,
         1e6 * r.defects / (r.units * opportunities_per_unit),
         CASE WHEN r.defects = 0 THEN NULL
              WHEN r.defects >= r.units * opportunities_per_unit THEN NULL
              ELSE prodplan.normal_quantile(1 - r.defects / (r.units * opportunities_per_unit)) + 1.5 END
  FROM r ORDER BY 1;
END
$fn$;
COMMENT ON FUNCTION prodplan.dpmo(float8, timestamptz, timestamptz, text) IS 'Defects per million opportunities of the orders created in [from_ts, to_ts), per plant: units (orders), defects, opportunities (units x opportunities_per_unit, which the caller defines), DPMO, and the short-term sigma level (the normal quantile of the yield 1 - DPMO / 1e6 plus the conventional 1.5 shift; NULL with no defect or no yield).';

REVOKE ALL ON FUNCTION prodplan.normal_quantile(float8), prodplan.first_pass_yield(text, timestamptz, timestamptz, text),
  prodplan.dpmo(float8, timestamptz, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.normal_quantile(float8), prodplan.first_pass_yield(text, timestamptz, timestamptz, text),
  prodplan.dpmo(float8, timestamptz, timestamptz, text) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Quality score (issue 7).
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.quality_score(by text DEFAULT 'work_center', from_ts timestamptz DEFAULT NULL,
                                       to_ts timestamptz DEFAULT NULL, plant text DEFAULT NULL)
RETURNS TABLE (plant_id text, group_key text, score float8, first_pass_yield float8, defect_rate float8, min_cpk float8,
               rule_violation_share float8, out_of_control boolean, characteristics int)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  r record;
  c record;
  cpk float8;
  flagged bigint;
  points bigint;
  recent_ooc boolean;
  cf bigint;
  cp bigint;
  co boolean;
  n int;
  w float8;
  s float8;
BEGIN
  IF by IS NULL OR by NOT IN ('work_center', 'product') THEN
    RAISE EXCEPTION 'prodplan.quality_score: by must be work_center or product, got %', coalesce(by, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR r IN
    SELECT coalesce(f.plant_id, d.plant_id) AS plant_id, coalesce(f.group_key, d.group_key) AS group_key, f.fpy, d.defect_rate
    FROM prodplan.first_pass_yield(by, from_ts, to_ts, plant) f
    FULL JOIN (SELECT * FROM prodplan.defect_rates(by, from_ts, to_ts, jsonb_strip_nulls(jsonb_build_object('plant', plant)))
               WHERE group_key IS DISTINCT FROM '(unknown)') d
      ON d.plant_id = f.plant_id AND d.group_key = f.group_key
    ORDER BY 1, 2
  LOOP
    cpk := NULL;
    flagged := 0;
    points := 0;
    recent_ooc := false;
    n := 0;
    IF by = 'work_center' THEN
      FOR c IN SELECT ch.characteristic_id FROM prodplan.characteristic ch
               WHERE ch.plant_id = r.plant_id AND ch.work_center_id = r.group_key
                 AND EXISTS (SELECT 1 FROM prodplan.measurement m WHERE m.plant_id = ch.plant_id AND m.characteristic_id = ch.characteristic_id
                             AND (from_ts IS NULL OR m.measured_at >= from_ts) AND (to_ts IS NULL OR m.measured_at < to_ts))
      LOOP
        -- A characteristic whose data cannot make a chart or a capability
        -- (one subgroup, no specification limit) adds nothing.
        BEGIN
          SELECT count(*) FILTER (WHERE x.out_of_control), count(*),
                 coalesce(bool_or(x.rules && ARRAY[1, 2]) FILTER (WHERE x.point > x.total - 25), false)
          INTO cf, cp, co
          FROM (SELECT y.*, count(*) OVER () AS total
                FROM prodplan.spc_points(r.plant_id, c.characteristic_id,
                                         jsonb_strip_nulls(jsonb_build_object('from', from_ts, 'to', to_ts))) y) x;
          flagged := flagged + cf;
          points := points + cp;
          recent_ooc := recent_ooc OR co;
          n := n + 1;
          cpk := least(cpk, (SELECT k.cpk FROM prodplan.capability_of(r.plant_id, c.characteristic_id, from_ts, to_ts) k));
        EXCEPTION WHEN invalid_parameter_value OR no_data_found THEN
          NULL;
        END;
      END LOOP;
    END IF;
    -- The score: weighted mean of the components there are, capped at 50
    -- when the process is out of control now.
    w := 0;
    s := 0;
    IF r.fpy IS NOT NULL THEN w := w + 0.35; s := s + 0.35 * r.fpy; END IF;
    IF r.defect_rate IS NOT NULL THEN w := w + 0.25; s := s + 0.25 * (1 - r.defect_rate); END IF;
    IF cpk IS NOT NULL THEN w := w + 0.25; s := s + 0.25 * greatest(0, least(cpk / 1.33, 1)); END IF;
    IF points > 0 THEN w := w + 0.15; s := s + 0.15 * (1 - flagged::float8 / points); END IF;
    plant_id := r.plant_id;
    group_key := r.group_key;
    score := CASE WHEN w > 0 THEN 100 * s / w END;
    IF recent_ooc AND score > 50 THEN score := 50; END IF;
    first_pass_yield := r.fpy;
    defect_rate := r.defect_rate;
    min_cpk := cpk;
    rule_violation_share := CASE WHEN points > 0 THEN flagged::float8 / points END;
    out_of_control := recent_ooc;
    characteristics := n;
    RETURN NEXT;
  END LOOP;
END
$fn$;
COMMENT ON FUNCTION prodplan.quality_score(text, timestamptz, timestamptz, text) IS 'A 0-100 quality score per plant and work center or product over [from_ts, to_ts): score = 100 x (0.35 first_pass_yield + 0.25 (1 - defect_rate) + 0.25 min(1, max(0, min_cpk / 1.33)) + 0.15 (1 - rule_violation_share)) / (the weights of the components there are). first_pass_yield and defect_rate as prodplan.first_pass_yield and prodplan.defect_rates (culprit work center, or product); min_cpk the lowest Cpk of the work center''s characteristics (prodplan.capability; products have none); rule_violation_share the share of their chart points out of control (prodplan.spc). Capped at 50 when the process is out of control now: rule 1 or 2 fires in the last 25 points of one of its charts. characteristics counts the charts used.';
REVOKE ALL ON FUNCTION prodplan.quality_score(text, timestamptz, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.quality_score(text, timestamptz, timestamptz, text) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Data quality and feature gates (issue 7).
-- ---------------------------------------------------------------------------
CREATE SEQUENCE prodplan.data_quality_run_seq;
COMMENT ON SEQUENCE prodplan.data_quality_run_seq IS 'Run numbers of prodplan.data_quality.';
CREATE TABLE prodplan.data_quality_results (
  run_id      bigint NOT NULL,
  checked_at  timestamptz NOT NULL DEFAULT now(),
  plant_id    text NOT NULL,
  entity      text NOT NULL,
  check_name  text NOT NULL,
  dimension   text NOT NULL CHECK (dimension IN ('completeness', 'uniqueness', 'validity', 'consistency', 'referential',
                                                 'freshness', 'volume', 'all')),
  failed      bigint NOT NULL,
  total       bigint NOT NULL,
  score       float8,
  detail      text,
  PRIMARY KEY (run_id, plant_id, entity, check_name)
);
COMMENT ON TABLE prodplan.data_quality_results IS 'Every result of prodplan.data_quality, kept with its run: the history of the data''s quality, and what prodplan.feature_gates reads (the latest run per plant and check).';
COMMENT ON COLUMN prodplan.data_quality_results.score IS '1 - failed / total (NULL when there is nothing to check); for the entity row (check_name ''(entity)''), the mean of its checks'' scores.';
CREATE INDEX data_quality_results_latest_idx ON prodplan.data_quality_results (plant_id, entity, check_name, run_id DESC);
GRANT SELECT ON prodplan.data_quality_results TO prodplan_reader;
GRANT INSERT ON prodplan.data_quality_results TO prodplan_planner;
GRANT USAGE ON SEQUENCE prodplan.data_quality_run_seq TO prodplan_planner;

CREATE FUNCTION prodplan.data_quality(entity text DEFAULT NULL, plant text DEFAULT NULL, freshness_hours float8 DEFAULT 168)
RETURNS TABLE (plant_id text, entity_name text, check_name text, dimension text, failed bigint, total bigint, score float8, detail text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  run bigint := nextval('prodplan.data_quality_run_seq');
  c record;
  entities text[] := ARRAY['production_order', 'operation', 'operation_assignment', 'defect', 'product', 'employee'];
BEGIN
  IF entity IS NOT NULL AND entity <> ALL (entities) THEN
    RAISE EXCEPTION 'prodplan.data_quality: entity must be one of %, got %', array_to_string(entities, ', '), entity
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Each check: per plant, failed and total rows. Written as set-based SQL
  -- over the canonical tables (one pass each).
  FOR c IN SELECT * FROM (VALUES
    ('production_order', 'product_reference', 'referential', 'orders whose product is in prodplan.product',
     $q$SELECT o.plant_id, count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM prodplan.product p WHERE p.plant_id = o.plant_id AND p.product_id = o.product_id)), count(*) FROM prodplan.production_order o GROUP BY 1$q$),
    ('production_order', 'due_date', 'completeness', 'orders with a due date',
     $q$SELECT o.plant_id, count(*) FILTER (WHERE o.due_at IS NULL), count(*) FROM prodplan.production_order o GROUP BY 1$q$),
    ('production_order', 'finished_after_operations', 'consistency', 'finished orders not finished before their last operation ended',
     $q$SELECT o.plant_id, count(*) FILTER (WHERE o.finished_at < x.last_end), count(*) FROM prodplan.production_order o
        JOIN (SELECT op.plant_id, op.order_id, max(op.ended_at) AS last_end FROM prodplan.operation op WHERE op.ended_at IS NOT NULL GROUP BY 1, 2) x
          ON x.plant_id = o.plant_id AND x.order_id = o.order_id WHERE o.finished_at IS NOT NULL GROUP BY 1$q$),
    ('operation', 'order_reference', 'referential', 'operations whose order is in prodplan.production_order',
     $q$SELECT op.plant_id, count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM prodplan.production_order o WHERE o.plant_id = op.plant_id AND o.order_id = op.order_id)), count(*) FROM prodplan.operation op GROUP BY 1$q$),
    ('operation', 'start_recorded', 'completeness', 'ended operations with a start',
     $q$SELECT op.plant_id, count(*) FILTER (WHERE op.started_at IS NULL), count(*) FROM prodplan.operation op WHERE op.ended_at IS NOT NULL GROUP BY 1$q$),
    ('operation', 'duration_plausible', 'validity', 'ended operations lasting more than 0 and at most 30 days',
     $q$SELECT op.plant_id, count(*) FILTER (WHERE op.ended_at - op.started_at > interval '30 days' OR op.ended_at = op.started_at), count(*) FROM prodplan.operation op WHERE op.ended_at IS NOT NULL AND op.started_at IS NOT NULL GROUP BY 1$q$),
    ('operation', 'rework_after_first_pass', 'consistency', 'rework passes with an earlier first pass of the same order at the same work center',
     $q$SELECT r.plant_id, count(*) FILTER (WHERE f.first_start IS NULL OR f.first_start > r.started_at), count(*) FROM prodplan.operation r LEFT JOIN (SELECT x.plant_id, x.order_id, x.work_center_id, min(x.started_at) AS first_start FROM prodplan.operation x WHERE NOT x.is_rework GROUP BY 1, 2, 3) f ON f.plant_id = r.plant_id AND f.order_id = r.order_id AND f.work_center_id = r.work_center_id WHERE r.is_rework GROUP BY 1$q$),
    ('operation', 'one_first_pass', 'uniqueness', 'first passes not repeated (same order, work center and sequence)',
     $q$SELECT x.plant_id, coalesce(sum(x.n - 1), 0)::bigint, coalesce(sum(x.n), 0)::bigint FROM (SELECT op.plant_id, count(*) AS n FROM prodplan.operation op WHERE NOT op.is_rework GROUP BY op.plant_id, op.order_id, op.work_center_id, op.sequence) x GROUP BY 1$q$),
    ('operation_assignment', 'operation_reference', 'referential', 'assignments whose operation is in prodplan.operation',
     $q$SELECT a.plant_id, count(*) FILTER (WHERE op.operation_id IS NULL), count(*) FROM prodplan.operation_assignment a LEFT JOIN (SELECT DISTINCT x.plant_id, x.operation_id FROM prodplan.operation x) op ON op.plant_id = a.plant_id AND op.operation_id = a.operation_id GROUP BY 1$q$),
    ('operation_assignment', 'employee_reference', 'referential', 'assignments whose employee is in prodplan.employee',
     $q$SELECT a.plant_id, count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM prodplan.employee e WHERE e.plant_id = a.plant_id AND e.employee_id = a.employee_id)), count(*) FROM prodplan.operation_assignment a GROUP BY 1$q$),
    ('defect', 'order_reference', 'referential', 'defects whose order is in prodplan.production_order',
     $q$SELECT d.plant_id, count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM prodplan.production_order o WHERE o.plant_id = d.plant_id AND o.order_id = d.order_id)), count(*) FROM prodplan.defect d GROUP BY 1$q$),
    ('defect', 'culprit_operation_reference', 'referential', 'defects whose culprit operation is in prodplan.operation (a defect without culprit fails)',
     $q$SELECT d.plant_id, count(*) FILTER (WHERE op.operation_id IS NULL), count(*) FROM prodplan.defect d LEFT JOIN (SELECT DISTINCT x.plant_id, x.operation_id FROM prodplan.operation x) op ON op.plant_id = d.plant_id AND op.operation_id = d.culprit_operation_id GROUP BY 1$q$),
    ('defect', 'evaluation_operation_reference', 'referential', 'defects whose evaluating operation is in prodplan.operation',
     $q$SELECT d.plant_id, count(*) FILTER (WHERE op.operation_id IS NULL), count(*) FROM prodplan.defect d LEFT JOIN (SELECT DISTINCT x.plant_id, x.operation_id FROM prodplan.operation x) op ON op.plant_id = d.plant_id AND op.operation_id = d.evaluation_operation_id GROUP BY 1$q$),
    ('product', 'family', 'completeness', 'products with a family',
     $q$SELECT p.plant_id, count(*) FILTER (WHERE p.family IS NULL OR p.family = ''), count(*) FROM prodplan.product p GROUP BY 1$q$),
    ('employee', 'hire_date', 'completeness', 'employees with a hire date',
     $q$SELECT e.plant_id, count(*) FILTER (WHERE e.hired_at IS NULL), count(*) FROM prodplan.employee e GROUP BY 1$q$)
  ) v(ent, chk, dim, what, sql)
  WHERE data_quality.entity IS NULL OR v.ent = data_quality.entity
  LOOP
    EXECUTE format('INSERT INTO prodplan.data_quality_results (run_id, plant_id, entity, check_name, dimension, failed, total, score, detail) '
                   'SELECT %s, x.plant_id, %L, %L, %L, x.failed, x.total, CASE WHEN x.total > 0 THEN 1 - x.failed::float8 / x.total END, %L '
                   'FROM (%s) x(plant_id, failed, total) WHERE %L IS NULL OR x.plant_id = %L',
                   run, c.ent, c.chk, c.dim, c.what, c.sql, plant, plant);
  END LOOP;
  -- Freshness: the newest event of the entities that record events.
  INSERT INTO prodplan.data_quality_results (run_id, plant_id, entity, check_name, dimension, failed, total, score, detail)
  SELECT run, f.plant_id, f.ent, 'freshness', 'freshness', (f.newest < now() - make_interval(secs => freshness_hours * 3600))::int, 1,
         CASE WHEN f.newest < now() - make_interval(secs => freshness_hours * 3600) THEN 0 ELSE 1 END,
         format('newest %s, %s hours before now (limit %s)', f.newest, round((extract(epoch FROM now() - f.newest) / 3600)::numeric, 1), freshness_hours)
  FROM (SELECT o.plant_id, 'production_order' AS ent, max(o.created_at) AS newest FROM prodplan.production_order o GROUP BY 1
        UNION ALL SELECT op.plant_id, 'operation', max(coalesce(op.ended_at, op.started_at)) FROM prodplan.operation op GROUP BY 1
        UNION ALL SELECT d.plant_id, 'defect', max(d.detected_at) FROM prodplan.defect d GROUP BY 1) f
  WHERE (data_quality.entity IS NULL OR f.ent = data_quality.entity) AND (plant IS NULL OR f.plant_id = plant);
  -- Volume: rows now against the previous run's (a change of more than half fails).
  INSERT INTO prodplan.data_quality_results (run_id, plant_id, entity, check_name, dimension, failed, total, score, detail)
  SELECT run, n.plant_id, n.entity, 'volume', 'volume',
         CASE WHEN prev.total IS NOT NULL AND (n.total < 0.5 * prev.total OR n.total > 1.5 * prev.total) THEN 1 ELSE 0 END, 1,
         CASE WHEN prev.total IS NOT NULL AND (n.total < 0.5 * prev.total OR n.total > 1.5 * prev.total) THEN 0 ELSE 1 END,
         CASE WHEN prev.total IS NULL THEN format('%s rows (no earlier run)', n.total)
              ELSE format('%s rows, %s in run %s', n.total, prev.total, prev.run_id) END
  FROM (SELECT r.plant_id, r.entity, max(r.total) AS total FROM prodplan.data_quality_results r
        WHERE r.run_id = run AND r.dimension IN ('referential', 'completeness') GROUP BY 1, 2) n
  LEFT JOIN LATERAL (SELECT p.run_id, max(p.total) AS total FROM prodplan.data_quality_results p
                     WHERE p.plant_id = n.plant_id AND p.entity = n.entity AND p.run_id < run
                       AND p.dimension IN ('referential', 'completeness')
                     GROUP BY p.run_id ORDER BY p.run_id DESC LIMIT 1) prev ON true;
  -- One row per entity: its checks' mean score.
  INSERT INTO prodplan.data_quality_results (run_id, plant_id, entity, check_name, dimension, failed, total, score, detail)
  SELECT run, r.plant_id, r.entity, '(entity)', 'all', sum(r.failed), sum(r.total), avg(r.score),
         format('%s checks', count(*))
  FROM prodplan.data_quality_results r WHERE r.run_id = run GROUP BY r.plant_id, r.entity;
  RETURN QUERY
  SELECT r.plant_id, r.entity, r.check_name, r.dimension, r.failed, r.total, r.score, r.detail
  FROM prodplan.data_quality_results r WHERE r.run_id = run
  ORDER BY r.plant_id, r.entity, r.check_name = '(entity)' DESC, r.score NULLS LAST, r.check_name;
END
$fn$;
COMMENT ON FUNCTION prodplan.data_quality(text, text, float8) IS 'Measures the data''s quality per plant and entity (production_order, operation, operation_assignment, defect, product, employee; entity NULL: all) and keeps the results in prodplan.data_quality_results: completeness (due dates, starts of ended operations, product families, hire dates), uniqueness (first passes not repeated), validity (operations lasting more than 0 and at most 30 days), consistency (orders finished before their last operation ended, rework without an earlier first pass), referential integrity (match rates: order to product, operation to order, assignment to operation and to employee, defect to order, to its culprit and evaluating operations), freshness (the newest event against now, limit freshness_hours) and volume (rows against the previous run: a change of more than half fails). Per check: failed and total rows and score = 1 - failed / total; per entity (check ''(entity)''): the mean score. entity_name is the entity checked. Worst first.';

CREATE VIEW prodplan.feature_gates AS
WITH latest AS (
  SELECT DISTINCT ON (r.plant_id, r.entity, r.check_name) r.plant_id, r.entity, r.check_name, r.score, r.failed, r.total, r.checked_at
  FROM prodplan.data_quality_results r
  ORDER BY r.plant_id, r.entity, r.check_name, r.run_id DESC
), gates (feature, entity, check_name, threshold, needs) AS (VALUES
  ('per_employee_kpis', 'operation_assignment', 'operation_reference', 0.9::float8, 'assignment-to-operation match'),
  ('culprit_analytics', 'defect', 'culprit_operation_reference', 0.8::float8, 'defect-to-culprit-operation match'),
  ('product_analytics', 'production_order', 'product_reference', 0.7::float8, 'order-to-product match')
)
SELECT p.plant_id, g.feature, l.score >= g.threshold AS supported, l.score AS measured_value, g.threshold,
       CASE WHEN l.score IS NULL THEN format('%s not measured yet: run prodplan.data_quality()', g.needs)
            WHEN l.score >= g.threshold THEN format('%s is %s%% (at least %s%% needed)', g.needs, round((100 * l.score)::numeric, 1), round((100 * g.threshold)::numeric))
            ELSE format('not supported by data: %s is %s%%, below the %s%% it needs', g.needs, round((100 * l.score)::numeric, 1), round((100 * g.threshold)::numeric)) END AS reason,
       l.checked_at
FROM prodplan.plant p CROSS JOIN gates g
LEFT JOIN latest l ON l.plant_id = p.plant_id AND l.entity = g.entity AND l.check_name = g.check_name;
COMMENT ON VIEW prodplan.feature_gates IS 'Which features the data supports, per plant, from the latest prodplan.data_quality run: per_employee_kpis needs an assignment-to-operation match of at least 90%, culprit_analytics a defect-to-culprit-operation match of at least 80%, product_analytics an order-to-product match of at least 70%. supported is NULL until data_quality has run; reason says what was measured against what. Functions of a feature that is off refuse with that reason unless their options say ignore_gates (prodplan.require_feature).';
GRANT SELECT ON prodplan.feature_gates TO prodplan_reader;

CREATE FUNCTION prodplan.require_feature(feature text, plant text, options jsonb DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  g record;
BEGIN
  IF coalesce((options ->> 'ignore_gates')::boolean, false) THEN
    RETURN;
  END IF;
  FOR g IN SELECT * FROM prodplan.feature_gates f
           WHERE f.feature = require_feature.feature AND (plant IS NULL OR f.plant_id = plant) AND f.supported = false LOOP
    RAISE EXCEPTION 'feature % is gated off for plant %: %', g.feature, g.plant_id, g.reason
      USING ERRCODE = 'feature_not_supported',
            HINT = 'See prodplan.feature_gates and prodplan.data_quality(); options {"ignore_gates": true} overrides the gate.';
  END LOOP;
END
$fn$;
COMMENT ON FUNCTION prodplan.require_feature(text, text, jsonb) IS 'Raises feature_not_supported naming the gate and the measured rate when the feature is gated off for the plant (NULL: any plant) in prodplan.feature_gates, unless options.ignore_gates is true. A gate not measured yet lets the call through.';
REVOKE ALL ON FUNCTION prodplan.data_quality(text, text, float8), prodplan.require_feature(text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.data_quality(text, text, float8) TO prodplan_planner;
GRANT EXECUTE ON FUNCTION prodplan.require_feature(text, text, jsonb) TO prodplan_reader;
INSERT INTO prodplan.jobs (name, schedule, command, is_builtin)
VALUES ('prodplan.data quality', '23 4 * * *', 'SELECT count(*) FROM prodplan.data_quality()', true);

-- The quality results are measurements of the data, not part of it.
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
      -- Aggregates, their invalidation log and KPI snapshots are derived from the data.
      AND c.relname NOT LIKE 'agg\_%' AND c.relname NOT IN ('aggregate_invalidation', 'kpi_snapshots')
      -- Measurements of the data's quality are about the data, not part of it.
      AND c.relname <> 'data_quality_results'
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
COMMENT ON FUNCTION prodplan.content_checksum(text) IS
  'Row count and an md5 over the sorted text of every row, per canonical table (optionally of one plant): two databases with equal results hold the same data. Used to reconcile loads and to test determinism. Leaves out what is derived or records what was done: ingestion runs, plans and their slots, aggregates, KPI snapshots and data-quality results.';
