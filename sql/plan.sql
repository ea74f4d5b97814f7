-- Planning building blocks: the job-shop engine on a public instance (its
-- solution checked here, independently), working time from calendars,
-- standard times from history, released plans protected against double
-- booking, and the plan checker on hand-made plans.
SET client_min_messages = notice;
SET TimeZone = 'UTC';

-- ft06 (Fisher and Thompson, OR-Library): optimum 55.
CREATE TEMP TABLE ft06 (t text);
INSERT INTO ft06 VALUES (E'6 6\n'
  '2 1 0 3 1 6 3 7 5 3 4 6\n'
  '1 8 2 5 4 10 5 10 0 10 3 4\n'
  '2 5 3 4 5 8 0 9 1 1 4 7\n'
  '1 5 0 5 2 5 3 3 4 8 5 9\n'
  '2 9 1 3 4 5 5 4 0 3 3 1\n'
  '1 3 3 3 5 9 0 10 4 4 2 1\n');
CREATE TEMP TABLE sol AS SELECT * FROM prodplan.solve_jobshop((SELECT t FROM ft06), 2000, 7);
SELECT makespan, lower_bound <= makespan AS bound_ok, lower_bound <= 55 AS bound_valid FROM sol;
-- The solution, read back as rows and checked against the instance.
CREATE TEMP TABLE inst AS
SELECT j - 1 AS job, k - 1 AS op, (f[2 * k - 1])::int AS machine, (f[2 * k])::int AS duration
FROM (SELECT j, regexp_split_to_array(btrim(line), '\s+') AS f
      FROM unnest((string_to_array(btrim((SELECT t FROM ft06), E' \n'), E'\n'))[2:]) WITH ORDINALITY AS l(line, j)) x,
     generate_series(1, 6) k;
CREATE TEMP TABLE sched AS
SELECT j.i - 1 AS job, o.i - 1 AS op, (o.v ->> 'machine')::int AS machine, (o.v ->> 'start')::int AS s,
       (o.v ->> 'end')::int AS e
FROM sol, jsonb_array_elements(solution -> 'jobs') WITH ORDINALITY j(v, i),
     jsonb_array_elements(j.v) WITH ORDINALITY o(v, i);
SELECT count(*) AS operations,
       count(*) FILTER (WHERE i.machine <> s.machine OR s.e - s.s <> i.duration) AS wrong_machine_or_duration,
       max(s.e) = (SELECT makespan FROM sol) AS makespan_is_last_end
FROM inst i JOIN sched s USING (job, op);
SELECT count(*) AS precedence_violations FROM sched a JOIN sched b ON b.job = a.job AND b.op = a.op + 1 WHERE b.s < a.e;
SELECT count(*) AS machine_overlaps FROM sched a JOIN sched b
  ON b.machine = a.machine AND (b.job, b.op) > (a.job, a.op) AND b.s < a.e AND a.s < b.e;
-- Flexible job shop (Brandimarte format, machines from 1): 2 jobs, 2 machines.
SELECT makespan, lower_bound, proven_optimal, jsonb_array_length(solution -> 'jobs') AS jobs
FROM prodplan.solve_jobshop(E'2 2\n2 2 1 3 2 5 1 1 4\n1 2 1 2 2 2\n', 1000, 1, 'fjs');
-- Bad instances: the line and what was expected.
SELECT * FROM prodplan.solve_jobshop(E'2 2\n0 5 1 x\n1 3 0 2\n');
SELECT * FROM prodplan.solve_jobshop(E'2 3\n0 5 1 4\n', 100);
SELECT * FROM prodplan.solve_jobshop('1 1', 100, 1, 'xml');

-- Working time: two shifts on weekdays in Lisbon time, a holiday, overtime.
INSERT INTO prodplan.plant VALUES ('P1', 'Plan test', 'Europe/Lisbon');
INSERT INTO prodplan.calendar VALUES ('P1', 'TWO', 'Two shifts', 'Europe/Lisbon');
INSERT INTO prodplan.calendar_shift VALUES ('P1', 'TWO', 1, '{1,2,3,4,5}', 360, 840), ('P1', 'TWO', 2, '{1,2,3,4,5}', 840, 1320);
INSERT INTO prodplan.calendar_exception VALUES
  ('P1', 'TWO', 'holiday', '2026-03-24 00:00+00', '2026-03-25 00:00+00', 'holiday'),
  ('P1', 'TWO', 'overtime', '2026-03-28 08:00+00', '2026-03-28 12:00+00', 'Saturday overtime');
-- Monday 23 to Monday 30 March 2026; summer time starts on Sunday the 29th.
SELECT starts_at, ends_at FROM prodplan.working_time('P1', '2026-03-23 00:00+00', '2026-03-31 00:00+00');

-- Standard times from history (demo plant): every source is used.
SELECT prodplan.load_demo(0.01) IS NOT NULL AS demo_loaded;
SELECT source, count(*) > 0 AS used, bool_and(minutes > 0) AS positive
FROM prodplan.standard_times('DEMO') GROUP BY source ORDER BY source;
-- The history source agrees with SQL's own percentile_cont over the same
-- operations trimmed at 1.5 interquartile ranges (an independent path).
WITH d AS (
  SELECT po.product_id, o.work_center_id, extract(epoch FROM o.ended_at - o.started_at)::float8 / 60.0 AS m
  FROM prodplan.operation o JOIN prodplan.production_order po USING (plant_id, order_id)
  WHERE o.plant_id = 'DEMO' AND o.ended_at > o.started_at AND NOT o.is_rework
), q AS (
  SELECT product_id, work_center_id, percentile_cont(0.25) WITHIN GROUP (ORDER BY m) AS q1,
         percentile_cont(0.75) WITHIN GROUP (ORDER BY m) AS q3
  FROM d GROUP BY 1, 2
), h AS (
  SELECT d.product_id, d.work_center_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY m) AS median, count(*) AS n
  FROM d JOIN q USING (product_id, work_center_id)
  WHERE m BETWEEN q1 - 1.5 * (q3 - q1) AND q3 + 1.5 * (q3 - q1) GROUP BY 1, 2
)
SELECT count(*) >= 20 AS many_pairs,
       count(*) FILTER (WHERE h.median IS NULL OR abs(s.minutes - h.median) > 1e-9 OR s.samples <> h.n) AS disagreeing
FROM prodplan.standard_times('DEMO') s LEFT JOIN h USING (product_id, work_center_id)
WHERE s.source = 'history';
-- Only the products asked for; min_samples must be positive.
SELECT count(DISTINCT product_id) AS products, count(*) > 0 AS pairs
FROM prodplan.standard_times('DEMO', 5, ARRAY[(SELECT min(product_id) FROM prodplan.product WHERE plant_id = 'DEMO'), 'no such product']);
SELECT * FROM prodplan.standard_times('DEMO', 0);

-- A hand-made plan on plant P1 (in 2036, so that no order is late by today's date): work center A (2 units), B (1 unit, not resumable).
INSERT INTO prodplan.work_center (plant_id, work_center_id, name, capacity_units, calendar_id, resumable)
VALUES ('P1', 'A', 'Cutting', 2, 'TWO', true), ('P1', 'B', 'Lamination', 1, 'TWO', false);
INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at, due_at, priority) VALUES
  ('P1', 'O1', 'X', '2036-03-21 00:00+00', '2036-03-28 00:00+00', 2),
  ('P1', 'O2', 'X', '2036-03-21 00:00+00', '2036-03-24 12:00+00', 1);
INSERT INTO prodplan.plans (plant_id, plan_start, objective) VALUES ('P1', '2036-03-24 06:00+00', 'weighted_tardiness');
-- O1: A (4 h work) then B (2 h); O2: A on the other unit, across the two shifts.
INSERT INTO prodplan.planned_operations (plan_id, order_id, operation, work_center_id, unit, setup_start_at, start_at, end_at, work_minutes, duration_source)
SELECT currval('prodplan.plans_plan_id_seq'), order_id, operation, wc, unit, s, s, e, w, src FROM (VALUES
  ('O1', 1, 'A', 1, '2036-03-24 06:00+00'::timestamptz, '2036-03-24 10:00+00'::timestamptz, 240.0, 'history'),
  ('O1', 2, 'B', 1, '2036-03-24 10:00+00', '2036-03-24 12:00+00', 120.0, 'history'),
  ('O2', 1, 'A', 2, '2036-03-24 12:00+00', '2036-03-24 16:00+00', 240.0, 'phase_median')) v(order_id, operation, wc, unit, s, e, w, src);
SELECT * FROM prodplan.validate_plan(currval('prodplan.plans_plan_id_seq'));
SELECT kpi, round(value::numeric, 2) AS value, unit FROM prodplan.plan_kpis(currval('prodplan.plans_plan_id_seq'));
SELECT order_id, operation, resource, start_at, end_at, order_end_at, order_late FROM prodplan.gantt
WHERE plan_id = currval('prodplan.plans_plan_id_seq') ORDER BY resource, start_at;
-- Its rows were written without product, due date, planned end or names:
-- the statement trigger gave them the order's (its row: the plan has no
-- plan_orders), the order's last end and the current names. An UPDATE or a
-- DELETE of bars moves the order's planned end on all its bars (rolled back:
-- the plan is used below).
BEGIN;
SELECT order_id, operation, product_id, due_at, order_end_at, product_name, family, work_center_name, is_order_head
FROM prodplan.planned_operations
WHERE plan_id = currval('prodplan.plans_plan_id_seq') ORDER BY 1, 2;
-- An order's head is its first operation not fixed: fixing O1's first moves
-- it to the second, and order_status's next operation with it.
UPDATE prodplan.planned_operations SET is_fixed = true
WHERE plan_id = currval('prodplan.plans_plan_id_seq') AND order_id = 'O1' AND operation = 1;
SELECT order_id, operation, is_fixed, is_order_head FROM prodplan.planned_operations
WHERE plan_id = currval('prodplan.plans_plan_id_seq') ORDER BY 1, 2;
SELECT order_id, next_operation, next_work_center_id, next_start_at FROM prodplan.order_status
WHERE plant_id = 'P1' ORDER BY 1;
UPDATE prodplan.planned_operations SET end_at = end_at + interval '3 hours'
WHERE plan_id = currval('prodplan.plans_plan_id_seq') AND order_id = 'O1' AND operation = 2;
SELECT order_id, operation, end_at, order_end_at FROM prodplan.planned_operations
WHERE plan_id = currval('prodplan.plans_plan_id_seq') ORDER BY 1, 2;
DELETE FROM prodplan.planned_operations WHERE plan_id = currval('prodplan.plans_plan_id_seq') AND order_id = 'O1' AND operation = 2;
SELECT order_id, operation, order_end_at, order_late FROM prodplan.gantt
WHERE plan_id = currval('prodplan.plans_plan_id_seq') ORDER BY 1, 2;
ROLLBACK;
-- Names are the plan's: renaming a work center leaves the plan's bars as
-- they were; a bar written afterwards without a name gets the new one.
BEGIN;
UPDATE prodplan.work_center SET name = 'Cutting (new die)' WHERE plant_id = 'P1' AND work_center_id = 'A';
INSERT INTO prodplan.planned_operations (plan_id, order_id, operation, work_center_id, unit, setup_start_at, start_at, end_at, work_minutes, duration_source)
VALUES (currval('prodplan.plans_plan_id_seq'), 'O2', 2, 'A', 2, '2036-03-24 16:00+00', '2036-03-24 16:00+00', '2036-03-24 17:00+00', 60, 'history');
SELECT order_id, operation, resource, work_center_name FROM prodplan.gantt
WHERE plan_id = currval('prodplan.plans_plan_id_seq') ORDER BY work_center_id, unit, start_at;
-- The resource label is generated from the row: a bar whose name is cleared
-- gets the current one from the trigger, and its label follows.
UPDATE prodplan.planned_operations SET work_center_name = NULL
WHERE plan_id = currval('prodplan.plans_plan_id_seq') AND order_id = 'O1' AND operation = 1;
SELECT order_id, operation, resource, work_center_name FROM prodplan.gantt
WHERE plan_id = currval('prodplan.plans_plan_id_seq') ORDER BY work_center_id, unit, start_at;
ROLLBACK;
-- A broken copy of it: every kind of violation the checker knows.
INSERT INTO prodplan.plans (plant_id, plan_start, objective) VALUES ('P1', '2036-03-24 06:00+00', 'weighted_tardiness');
INSERT INTO prodplan.planned_operations (plan_id, order_id, operation, work_center_id, unit, setup_start_at, start_at, end_at, work_minutes, duration_source)
SELECT currval('prodplan.plans_plan_id_seq'), order_id, operation, wc, unit, s, s, e, w, src FROM (VALUES
  ('O1', 1, 'A', 1, '2036-03-24 06:00+00'::timestamptz, '2036-03-24 10:00+00'::timestamptz, 240.0, 'history'),
  ('O1', 2, 'B', 1, '2036-03-24 09:00+00', '2036-03-24 20:00+00', 420.0, 'history'),
  ('O2', 1, 'A', 1, '2036-03-24 08:00+00', '2036-03-24 09:00+00', 300.0, 'history'),
  ('O2', 2, 'A', 3, '2036-03-24 10:00+00', '2036-03-24 11:00+00', 60.0, 'history'),
  ('O2', 3, 'Z', 1, '2036-03-20 10:00+00', '2036-03-20 11:00+00', 60.0, 'history')) v(order_id, operation, wc, unit, s, e, w, src);
SELECT violation, detail ->> 'order_id' AS order_id, detail ->> 'operation' AS operation, detail ->> 'reason' AS reason
FROM prodplan.validate_plan(currval('prodplan.plans_plan_id_seq')) ORDER BY 1, 2, 3;

-- Releasing: the plan's slots are protected against double booking.
SELECT prodplan.release_plan(currval('prodplan.plans_plan_id_seq') - 1) AS slots;
SELECT status FROM prodplan.plans WHERE plant_id = 'P1' ORDER BY plan_id;
\set VERBOSITY terse
INSERT INTO prodplan.released_slots (plant_id, work_center_id, unit, start_at, end_at, plan_id, order_id, operation, axis, slot)
VALUES ('P1', 'A', 1, '2036-03-24 09:00+00', '2036-03-24 11:00+00', currval('prodplan.plans_plan_id_seq') - 1, 'O9', 1, 0, 'empty');
\set VERBOSITY default
-- Another unit, or touching end to start, is fine.
INSERT INTO prodplan.released_slots (plant_id, work_center_id, unit, start_at, end_at, plan_id, order_id, operation, axis, slot)
VALUES ('P1', 'A', 2, '2036-03-24 09:00+00', '2036-03-24 11:00+00', currval('prodplan.plans_plan_id_seq') - 1, 'O9', 1, 0, 'empty'),
       ('P1', 'A', 1, '2036-03-24 10:00+00', '2036-03-24 11:00+00', currval('prodplan.plans_plan_id_seq') - 1, 'O9', 2, 0, 'empty');
SELECT order_id, status, planned_end_at, round(slack_hours::numeric, 1) AS slack_hours, next_operation
FROM prodplan.order_status WHERE plant_id = 'P1' ORDER BY order_id;
SELECT action, detail FROM prodplan.plan_history h JOIN prodplan.plans p USING (plan_id)
WHERE p.plant_id = 'P1' ORDER BY h.at;

-- Planning the demo plant's open orders. A fixed start and an iteration
-- budget (the time limit never cuts it) make the plan deterministic.
SELECT prodplan.plan('{"plant": "DEMO", "start": "2026-11-16 06:00+00", "time_limit_ms": 600000,
                       "max_iterations": 300, "seed": 3}') AS demo_plan \gset
SELECT count(*) > 0 AS planned, count(*) FILTER (WHERE is_fixed) > 0 AS started_work_kept,
       count(DISTINCT duration_source) > 1 AS several_duration_sources
FROM prodplan.planned_operations WHERE plan_id = :demo_plan;
SELECT count(*) AS violations FROM prodplan.validate_plan(:demo_plan);
SELECT (objective_values ->> 'weighted_tardiness_hours')::float8
         <= (objective_values ->> 'rule_weighted_tardiness_hours')::float8 AS not_worse_than_best_rule,
       jsonb_object_keys(objective_values -> 'rules') IS NOT NULL AS rules_recorded, status, problem_count =
         (SELECT count(*) FROM prodplan.plan_problems pp WHERE pp.plan_id = :demo_plan) AS problems_listed
FROM prodplan.plans WHERE plan_id = :demo_plan LIMIT 1;
-- The same options give the same plan.
SELECT prodplan.plan('{"plant": "DEMO", "start": "2026-11-16 06:00+00", "time_limit_ms": 600000,
                       "max_iterations": 300, "seed": 3}') AS demo_plan2 \gset
SELECT count(*) AS differing_operations FROM (
  (SELECT order_id, operation, work_center_id, unit, start_at, end_at FROM prodplan.planned_operations WHERE plan_id = :demo_plan
   EXCEPT SELECT order_id, operation, work_center_id, unit, start_at, end_at FROM prodplan.planned_operations WHERE plan_id = :demo_plan2)
  UNION ALL
  (SELECT order_id, operation, work_center_id, unit, start_at, end_at FROM prodplan.planned_operations WHERE plan_id = :demo_plan2
   EXCEPT SELECT order_id, operation, work_center_id, unit, start_at, end_at FROM prodplan.planned_operations WHERE plan_id = :demo_plan)) d;
-- Every dispatching rule and objective gives a feasible plan.
SELECT r AS rule, o AS objective,
       (SELECT count(*) FROM prodplan.validate_plan(prodplan.plan(jsonb_build_object(
          'plant', 'DEMO', 'start', '2026-11-16 06:00+00', 'rule', r, 'objective', o, 'time_limit_ms', 0)))) AS violations
FROM unnest(ARRAY['fifo', 'spt', 'edd', 'cr', 'wspt', 'atc']) r,
     unnest(ARRAY['weighted_tardiness', 'makespan', 'mean_flow_time', 'setups']) o
ORDER BY 1, 2;
SELECT kpi, unit FROM prodplan.plan_kpis(:demo_plan) WHERE kpi NOT LIKE 'utilisation:%' ORDER BY kpi;
-- A manual move a day later, on the released plan: the operation moves, the
-- others are only pushed right, the plan and its slots stay feasible.
SELECT prodplan.release_plan(:demo_plan) > 0 AS released;
SELECT order_id AS m_order, operation AS m_op, start_at AS m_start FROM prodplan.planned_operations
WHERE plan_id = :demo_plan AND NOT is_fixed ORDER BY start_at, order_id LIMIT 1 \gset
CREATE TEMP TABLE before_move AS SELECT * FROM prodplan.planned_operations WHERE plan_id = :demo_plan;
-- The move writes each bar's order facts right itself: the statement
-- trigger that keeps them finds no row to fix. PostgreSQL 15's
-- pg_stat_xact_* views add the counts of earlier transactions not yet
-- flushed (a flush happens at most once a second): flushed first, they hold
-- only this transaction's.
SELECT pg_stat_force_next_flush();
BEGIN;
SELECT (r -> 'to' ->> 'start_at')::timestamptz >= :'m_start'::timestamptz + interval '1 day' AS starts_a_day_later_or_after,
       (r ->> 'pushed_operations')::int >= 0 AS pushed_reported
FROM prodplan.move_operation(:demo_plan, :'m_order', :m_op, :'m_start'::timestamptz + interval '1 day') r;
SELECT n_tup_upd AS bars_the_trigger_fixed FROM pg_stat_xact_user_tables
WHERE relid = 'prodplan.planned_operations'::regclass;
COMMIT;
-- Every bar of the moved plan carries its order's planned end, its product
-- and due date as the plan saw them, and the names of its product and work
-- center (none was renamed since the plan).
SELECT count(*) > 0 AS has_bars,
       count(*) FILTER (WHERE po.order_end_at IS DISTINCT FROM (SELECT max(q.end_at) FROM prodplan.planned_operations q
                                                                WHERE q.plan_id = po.plan_id AND q.order_id = po.order_id)) AS wrong_end,
       count(*) FILTER (WHERE pod.plan_id IS NULL OR po.product_id IS DISTINCT FROM pod.product_id
                              OR po.due_at IS DISTINCT FROM pod.due_at) AS not_as_planned,
       count(*) FILTER (WHERE po.product_name IS DISTINCT FROM pr.name OR po.family IS DISTINCT FROM pr.family
                              OR po.work_center_name IS DISTINCT FROM wc.name) AS names_not_the_plants,
       count(*) FILTER (WHERE po.work_center_name IS NULL) AS without_work_center_name,
       count(*) FILTER (WHERE po.resource IS DISTINCT FROM coalesce(po.work_center_name, po.work_center_id) || ' #' || po.unit
                              OR po.order_late IS DISTINCT FROM coalesce(po.order_end_at > po.due_at, false)) AS wrong_label_or_lateness,
       count(*) FILTER (WHERE po.is_order_head IS DISTINCT FROM
                              (po.operation = (SELECT q.operation FROM prodplan.planned_operations q
                                               WHERE q.plan_id = po.plan_id AND q.order_id = po.order_id
                                               ORDER BY q.is_fixed, q.start_at, q.operation LIMIT 1))) AS wrong_head
FROM prodplan.planned_operations po LEFT JOIN prodplan.plan_orders pod USING (plan_id, order_id)
JOIN prodplan.plans p ON p.plan_id = po.plan_id
LEFT JOIN prodplan.product pr ON pr.plant_id = p.plant_id AND pr.product_id = po.product_id
LEFT JOIN prodplan.work_center wc ON wc.plant_id = p.plant_id AND wc.work_center_id = po.work_center_id
WHERE po.plan_id = :demo_plan;
-- order_status gives every order of the plan the planned end and next
-- operation an aggregate over all its bars gives (0.16.0's view; on equal
-- starts the lower operation number).
SELECT count(*) AS orders_of_the_plan,
       count(*) FILTER (WHERE s.planned_end_at IS DISTINCT FROM a.planned_end_at
                              OR s.next_operation IS DISTINCT FROM a.next_operation
                              OR s.next_work_center_id IS DISTINCT FROM a.next_work_center_id
                              OR s.next_start_at IS DISTINCT FROM a.next_start_at) AS differing
FROM (SELECT po.order_id, max(po.end_at) AS planned_end_at,
             (array_agg(po.operation ORDER BY po.start_at, po.operation) FILTER (WHERE NOT po.is_fixed))[1] AS next_operation,
             (array_agg(po.work_center_id ORDER BY po.start_at, po.operation) FILTER (WHERE NOT po.is_fixed))[1] AS next_work_center_id,
             min(po.start_at) FILTER (WHERE NOT po.is_fixed) AS next_start_at
      FROM prodplan.planned_operations po WHERE po.plan_id = :demo_plan GROUP BY po.order_id) a
JOIN prodplan.order_status s ON s.plan_id = :demo_plan AND s.order_id = a.order_id;
-- A chart's columns are all the bar's own: reading them does not join the
-- plan (0.17.0: a left join to its key that nothing reads is dropped).
CREATE FUNCTION pg_temp.plan_lines(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE l text;
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP RETURN NEXT l; END LOOP;
END $$;
SELECT count(*) FILTER (WHERE l LIKE '%plans%') AS plan_joins
FROM pg_temp.plan_lines(format('SELECT resource, order_id, product_id, setup_start_at, start_at, end_at, is_fixed, order_late
  FROM prodplan.gantt WHERE plan_id = %s ORDER BY work_center_id, unit, start_at', :demo_plan)) l;
-- Every column does read the plan (its status and plant).
SELECT count(*) FILTER (WHERE l LIKE '%plans%') AS plan_joins_every_column
FROM pg_temp.plan_lines(format('SELECT * FROM prodplan.gantt WHERE plan_id = %s', :demo_plan)) l;
SELECT count(*) AS violations_after_move FROM prodplan.validate_plan(:demo_plan);
SELECT count(*) AS moved_earlier FROM before_move b
JOIN prodplan.planned_operations a ON a.plan_id = b.plan_id AND a.order_id = b.order_id AND a.operation = b.operation
WHERE a.start_at < b.start_at;
SELECT count(*) = (SELECT count(*) FROM prodplan.planned_operations WHERE plan_id = :demo_plan AND end_at > setup_start_at)
       AS slots_follow FROM prodplan.released_slots WHERE plan_id = :demo_plan;
SELECT action, detail ->> 'order_id' = :'m_order' AS same_order FROM prodplan.plan_history
WHERE plan_id = :demo_plan AND action = 'moved';
SELECT prodplan.move_operation(:demo_plan, 'NOPE', 1, now());
SELECT prodplan.move_operation(:demo_plan, :'m_order', :m_op, now(), 'NO_SUCH_WC');
-- Bad options: a clear error, no plan.
SELECT count(*) AS plans_before FROM prodplan.plans \gset
SELECT prodplan.plan('{"plant": "DEMO", "objectiv": "makespan"}');
SELECT prodplan.plan('{"plant": "DEMO", "objective": "profit"}');
SELECT prodplan.plan('{"plant": "DEMO", "rule": "random"}');
SELECT prodplan.plan('{"plant": "DEMO", "time_limit_ms": true}');
SELECT prodplan.plan('{"plant": "DEMO", "start": "2026-13-45"}');
SELECT prodplan.plan('[{"plant": "DEMO"}]');
SELECT prodplan.plan('{"plant": "DEMO", "horizon_days": 1e12}');
SELECT prodplan.plan('{"plant": "NOPE"}');
SELECT prodplan.plan('{}');
SELECT count(*) = :plans_before AS no_plan_left FROM prodplan.plans;
RESET TimeZone;
