-- An order's detail as one JSON document (0.20.0; its defects since 0.21.0): prodplan.order_detail.
-- Runs after plan.sql and plan_document.sql and reads their plant DEMO
-- (load_demo(0.01), its plans, one moved). Changes it makes are rolled back.
SET client_min_messages = notice;
SET TimeZone = 'UTC';

-- The invariant, checked for every order: each part of the detail equals
-- what the views and tables say of the order now.
CREATE FUNCTION pg_temp.detail_right(plant text, ord text) RETURNS boolean
LANGUAGE sql AS $$
  WITH d AS (SELECT prodplan.order_detail(plant, ord)::jsonb AS d)
  SELECT d ->> 'plant_id' = plant AND d ->> 'order_id' = ord
     -- the order's row of order_status, every column
     AND d -> 'order' = (SELECT to_jsonb(s) FROM prodplan.order_status s WHERE s.plant_id = plant AND s.order_id = ord)
     -- its bars in the plan its status comes from, every column of gantt, by operation
     AND d -> 'planned_operations' =
         coalesce((SELECT jsonb_agg(to_jsonb(g) ORDER BY g.operation)
                   FROM prodplan.gantt g JOIN prodplan.order_status s USING (plan_id, order_id)
                   WHERE s.plant_id = plant AND s.order_id = ord), '[]')
     -- its recorded operations, in the order of the timeline
     AND (SELECT coalesce(array_agg(e ->> 'operation_id' ORDER BY n), '{}')
          FROM jsonb_array_elements(d -> 'operations') WITH ORDINALITY x(e, n)) =
         (SELECT coalesce(array_agg(op.operation_id ORDER BY op.started_at NULLS LAST, op.sequence NULLS LAST,
                                    op.operation_id, op.event_time), '{}')
          FROM prodplan.operation op WHERE op.plant_id = plant AND op.order_id = ord)
     -- with their starts and ends
     AND NOT EXISTS (SELECT FROM jsonb_array_elements(d -> 'operations') e
                     WHERE NOT EXISTS (SELECT FROM prodplan.operation op
                                       WHERE op.plant_id = plant AND op.order_id = ord
                                         AND op.operation_id = e ->> 'operation_id'
                                         AND op.started_at IS NOT DISTINCT FROM (e ->> 'started_at')::timestamptz
                                         AND op.ended_at IS NOT DISTINCT FROM (e ->> 'ended_at')::timestamptz))
     -- and every employee assigned to them
     AND (SELECT count(*) FROM jsonb_array_elements(d -> 'operations') e, jsonb_array_elements(e -> 'employees')) =
         (SELECT count(*) FROM prodplan.operation op
          JOIN prodplan.operation_assignment a ON a.plant_id = op.plant_id AND a.operation_id = op.operation_id
          WHERE op.plant_id = plant AND op.order_id = ord)
     -- its defects, every column but its key's plant and order, by detection
     AND d -> 'defects' =
         coalesce((SELECT jsonb_agg(to_jsonb(df) - 'plant_id' - 'order_id'
                                    ORDER BY df.detected_at, df.evaluation_operation_id, df.description,
                                             df.culprit_operation_id NULLS FIRST)
                   FROM prodplan.defect df WHERE df.plant_id = plant AND df.order_id = ord), '[]')
  FROM d
$$;

-- Every order of DEMO, and orders of each kind: planned, recorded and with
-- employees (a check that runs over empty lists proves nothing).
SELECT count(*) AS orders,
       count(*) FILTER (WHERE NOT pg_temp.detail_right(plant_id, order_id)) AS wrong
FROM prodplan.production_order WHERE plant_id = 'DEMO' \gset
SELECT :orders > 50 AS many_orders, :wrong AS wrong;

-- Byte for byte (0.23.0: the function is C): the document's text equals the
-- one json_build_object and json_agg write for the same values, which is
-- what 0.20.0-0.22.0's PL/pgSQL returned. Here every operation and defect of
-- the order is read, not the partitions of its ranges.
CREATE FUNCTION pg_temp.detail_text(plant text, ord text) RETURNS text
LANGUAGE sql SET extra_float_digits = 1 AS $$
  SELECT json_build_object(
    'plant_id', s.plant_id, 'order_id', s.order_id, 'as_of', now(), 'order', row_to_json(s),
    'planned_operations', coalesce((SELECT json_agg(g ORDER BY g.operation) FROM prodplan.gantt g
                                    WHERE g.plan_id = s.plan_id AND g.order_id = s.order_id), '[]'::json),
    'operations', coalesce((
      SELECT json_agg(json_build_object(
               'operation_id', op.operation_id, 'sequence', op.sequence, 'work_center_id', op.work_center_id,
               'is_rework', op.is_rework, 'shift', op.shift, 'started_at', op.started_at, 'ended_at', op.ended_at,
               'planned_at', op.planned_at, 'duration_minutes', op.duration_minutes, 'weight_kg', op.weight_kg,
               'is_open', op.is_open,
               'employees', (SELECT coalesce(json_agg(json_build_object('employee_id', a.employee_id, 'is_lead', a.is_lead)
                                                      ORDER BY a.is_lead DESC, a.employee_id), '[]'::json)
                             FROM prodplan.operation_assignment a
                             WHERE a.plant_id = op.plant_id AND a.operation_id = op.operation_id))
             ORDER BY op.started_at NULLS LAST, op.sequence NULLS LAST, op.operation_id, op.event_time)
      FROM prodplan.operation op WHERE op.plant_id = s.plant_id AND op.order_id = s.order_id), '[]'::json),
    'defects', coalesce((
      SELECT json_agg(json_build_object(
               'detected_at', d.detected_at, 'description', d.description, 'severity', d.severity,
               'evaluation_operation_id', d.evaluation_operation_id,
               'evaluation_work_center_id', d.evaluation_work_center_id,
               'culprit_operation_id', d.culprit_operation_id)
             ORDER BY d.detected_at, d.evaluation_operation_id, d.description, d.culprit_operation_id NULLS FIRST)
      FROM prodplan.defect d WHERE d.plant_id = s.plant_id AND d.order_id = s.order_id), '[]'::json))::text
  FROM prodplan.order_status s WHERE s.plant_id = plant AND s.order_id = ord
$$;
SELECT count(*) FILTER (WHERE prodplan.order_detail(plant_id, order_id)::text
                              IS DISTINCT FROM pg_temp.detail_text(plant_id, order_id)) AS text_differs
FROM prodplan.production_order WHERE plant_id = 'DEMO';
-- Orders whose operations lie in two partitions or more, and floats, are
-- among them (the reads are planned per window of partitions, the floats
-- written as float8out writes them).
SELECT count(*) > 0 AS some_across_partitions
FROM (SELECT op.order_id FROM prodplan.operation op WHERE op.plant_id = 'DEMO'
      GROUP BY op.order_id HAVING count(DISTINCT op.tableoid) > 1) x;
SELECT count(*) FILTER (WHERE op.duration_minutes <> round(op.duration_minutes::numeric, 3)::float8) > 0 AS some_long_floats
FROM prodplan.operation op WHERE op.plant_id = 'DEMO';

-- Many windows in one session: an order's ranges widened month by month
-- (order_progress and order_defects set by hand, rolled back) read the same
-- document through up to 36 windows of partitions for its operations and 36
-- for its defects, while the backend keeps 5 plans
-- (prodplan.kept_window_plans), so plans are dropped and made again. With 8
-- monthly partitions or more, whatever the order's months, its widened
-- ranges fall in more than 5 windows.
SELECT count(*) >= 8 AS enough_partitions FROM pg_inherits WHERE inhparent = 'prodplan.operation'::regclass;
SELECT g.order_id AS wide_order FROM prodplan.order_progress g
JOIN prodplan.order_defects f USING (plant_id, order_id)
WHERE g.plant_id = 'DEMO'
  AND NOT EXISTS (SELECT FROM prodplan.order_progress_pending q WHERE q.plant_id = g.plant_id AND q.order_id = g.order_id)
  AND NOT EXISTS (SELECT FROM prodplan.order_defects_pending r WHERE r.plant_id = g.plant_id AND r.order_id = g.order_id)
ORDER BY g.order_id LIMIT 1 \gset
BEGIN;
SET LOCAL pp.wide_order = :'wide_order';
SET LOCAL prodplan.kept_window_plans = 5;
CREATE TEMP TABLE window_reads (k int, same boolean);
DO $$
DECLARE
  k int;
  ord text := current_setting('pp.wide_order');
  first0 timestamptz; last0 timestamptz; dfirst0 timestamptz; dlast0 timestamptz;
BEGIN
  SELECT first_event_at, last_event_at INTO first0, last0 FROM prodplan.order_progress WHERE plant_id = 'DEMO' AND order_id = ord;
  SELECT first_detected_at, last_detected_at INTO dfirst0, dlast0 FROM prodplan.order_defects WHERE plant_id = 'DEMO' AND order_id = ord;
  FOR k IN 0..35 LOOP
    UPDATE prodplan.order_progress
       SET first_event_at = first0 - (k % 6) * interval '1 month', last_event_at = last0 + (k / 6) * interval '1 month'
     WHERE plant_id = 'DEMO' AND order_id = ord;
    UPDATE prodplan.order_defects
       SET first_detected_at = dfirst0 - (k / 6) * interval '1 month', last_detected_at = dlast0 + (k % 6) * interval '1 month'
     WHERE plant_id = 'DEMO' AND order_id = ord;
    INSERT INTO window_reads SELECT k, prodplan.order_detail('DEMO', ord)::text = pg_temp.detail_text('DEMO', ord);
  END LOOP;
END $$;
SELECT count(*) AS reads, count(*) FILTER (WHERE NOT same) AS differ FROM window_reads;
ROLLBACK;
CREATE TEMP TABLE details AS
SELECT order_id, prodplan.order_detail(plant_id, order_id)::jsonb AS d
FROM prodplan.production_order WHERE plant_id = 'DEMO';
SELECT count(*) FILTER (WHERE jsonb_array_length(d -> 'planned_operations') > 0) > 0 AS some_planned,
       count(*) FILTER (WHERE jsonb_array_length(d -> 'planned_operations') = 0) > 0 AS some_not_planned,
       count(*) FILTER (WHERE jsonb_array_length(d -> 'operations') > 0) > 0 AS some_recorded,
       count(*) FILTER (WHERE jsonb_path_exists(d, '$.operations[*].employees[*]')) > 0 AS some_with_employees,
       count(*) FILTER (WHERE jsonb_array_length(d -> 'defects') > 1) > 0 AS some_with_defects,
       count(*) FILTER (WHERE jsonb_array_length(d -> 'defects') = 0) > 0 AS some_without_defects,
       count(DISTINCT d -> 'order' ->> 'status') >= 3 AS several_statuses
FROM details;

-- The document's shape: its keys and those of an operation.
SELECT string_agg(k, ', ' ORDER BY k) AS document_keys
FROM (SELECT DISTINCT jsonb_object_keys(d) AS k FROM details) x;
SELECT string_agg(k, ', ' ORDER BY k) AS operation_keys
FROM (SELECT DISTINCT jsonb_object_keys(e) AS k FROM details, jsonb_array_elements(d -> 'operations') e) x;
SELECT string_agg(k, ', ' ORDER BY k) AS defect_keys
FROM (SELECT DISTINCT jsonb_object_keys(e) AS k FROM details, jsonb_array_elements(d -> 'defects') e) x;
-- The lead employee of an operation comes first.
SELECT count(*) AS lead_not_first
FROM details, jsonb_array_elements(d -> 'operations') e
WHERE jsonb_path_exists(e, '$.employees[*] ? (@.is_lead == true)') AND NOT (e -> 'employees' -> 0 ->> 'is_lead')::boolean;
-- Operations not started come after every started one.
SELECT count(*) AS unstarted_before_started
FROM details, jsonb_array_elements(d -> 'operations') WITH ORDINALITY a(e, n), jsonb_array_elements(d -> 'operations') WITH ORDINALITY b(f, m)
WHERE a.n < b.m AND e ->> 'started_at' IS NULL AND f ->> 'started_at' IS NOT NULL;

-- Exact at once: an operation recorded on an order not started shows in its
-- detail in the same transaction, and the order is in progress.
SELECT s.order_id AS idle_order FROM prodplan.order_status s
WHERE s.plant_id = 'DEMO' AND s.status = 'created' ORDER BY s.order_id LIMIT 1 \gset
BEGIN;
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, event_time)
SELECT 'DEMO', 'OD-TEST-1', :'idle_order', w.work_center_id, 1, now() - interval '1 hour', now() - interval '1 hour'
FROM prodplan.work_center w WHERE w.plant_id = 'DEMO' ORDER BY w.work_center_id LIMIT 1;
INSERT INTO prodplan.operation_assignment (plant_id, operation_id, employee_id, is_lead)
SELECT 'DEMO', 'OD-TEST-1', e.employee_id, row_number() OVER (ORDER BY e.employee_id) = 2
FROM prodplan.employee e WHERE e.plant_id = 'DEMO' ORDER BY e.employee_id LIMIT 2;
SELECT d -> 'order' ->> 'status' AS status,
       (e ->> 'is_open')::boolean AS is_open,
       json_array_length(e -> 'employees') AS employees,
       (e -> 'employees' -> 0 ->> 'is_lead')::boolean AS lead_first,
       (e -> 'employees' -> 1 ->> 'is_lead')::boolean AS second_lead,
       pg_temp.detail_right('DEMO', :'idle_order') AS detail_right
FROM (SELECT prodplan.order_detail('DEMO', :'idle_order') AS d) x, json_array_elements(d -> 'operations') e
WHERE e ->> 'operation_id' = 'OD-TEST-1';
-- Still there once the progress is applied: read from its range's partitions.
SELECT prodplan.apply_order_progress(true) > 0 AS applied;
SELECT count(*) AS operations_in_detail, pg_temp.detail_right('DEMO', :'idle_order') AS detail_right
FROM json_array_elements(prodplan.order_detail('DEMO', :'idle_order') -> 'operations') e
WHERE e ->> 'operation_id' = 'OD-TEST-1';
ROLLBACK;
SELECT d -> 'order' ->> 'status' AS status_after_rollback FROM (SELECT prodplan.order_detail('DEMO', :'idle_order') AS d) x;

-- Each order's range of event_time in order_progress is its operations'.
SELECT count(*) AS ranges_wrong
FROM prodplan.order_progress g
FULL JOIN (SELECT op.plant_id, op.order_id, min(op.event_time) AS lo, max(op.event_time) AS hi
           FROM prodplan.operation op GROUP BY op.plant_id, op.order_id) r USING (plant_id, order_id)
WHERE (g.first_event_at, g.last_event_at) IS DISTINCT FROM (r.lo, r.hi)
  AND NOT EXISTS (SELECT FROM prodplan.order_progress_pending q
                  WHERE q.plant_id = coalesce(g.plant_id, r.plant_id) AND q.order_id = coalesce(g.order_id, r.order_id));
-- An operation moved to a month outside its order's range: the order is
-- pending and its detail has the operation, before and after the apply.
SELECT op.order_id AS moved_order, op.operation_id AS moved_operation
FROM prodplan.operation op JOIN prodplan.order_progress g USING (plant_id, order_id)
WHERE op.plant_id = 'DEMO' ORDER BY op.order_id, op.operation_id LIMIT 1 \gset
BEGIN;
SELECT prodplan.apply_order_progress(true) IS NOT NULL AS applied_before;
UPDATE prodplan.operation SET event_time = g.first_event_at - interval '100 days'
FROM prodplan.order_progress g
WHERE g.plant_id = 'DEMO' AND g.order_id = :'moved_order'
  AND operation.plant_id = 'DEMO' AND operation.operation_id = :'moved_operation';
SELECT count(*) > 0 AS pending FROM prodplan.order_progress_pending WHERE plant_id = 'DEMO' AND order_id = :'moved_order';
SELECT pg_temp.detail_right('DEMO', :'moved_order') AS detail_right_pending;
SELECT prodplan.apply_order_progress(true) > 0 AS applied;
SELECT g.first_event_at = (SELECT op.event_time FROM prodplan.operation op
                          WHERE op.plant_id = 'DEMO' AND op.operation_id = :'moved_operation') AS range_follows,
       pg_temp.detail_right('DEMO', :'moved_order') AS detail_right_applied,
       (SELECT count(*) FROM json_array_elements(prodplan.order_detail('DEMO', :'moved_order') -> 'operations') e
        WHERE e ->> 'operation_id' = :'moved_operation') AS moved_in_detail
FROM prodplan.order_progress g WHERE g.plant_id = 'DEMO' AND g.order_id = :'moved_order';
ROLLBACK;

-- The same for defects (0.21.0): each order's range of detected_at in
-- order_defects is its defects'; a defect recorded on an order shows in its
-- detail at once (the order pending) and after the apply; one moved 100
-- days before its order's range moves the range.
SELECT count(*) AS defect_ranges_wrong
FROM prodplan.order_defects g
FULL JOIN (SELECT df.plant_id, df.order_id, min(df.detected_at) AS lo, max(df.detected_at) AS hi
           FROM prodplan.defect df GROUP BY df.plant_id, df.order_id) r USING (plant_id, order_id)
WHERE (g.first_detected_at, g.last_detected_at) IS DISTINCT FROM (r.lo, r.hi)
  AND NOT EXISTS (SELECT FROM prodplan.order_defects_pending q
                  WHERE q.plant_id = coalesce(g.plant_id, r.plant_id) AND q.order_id = coalesce(g.order_id, r.order_id));
SELECT g.order_id AS defect_order, g.first_detected_at AS defect_first
FROM prodplan.order_defects g WHERE g.plant_id = 'DEMO' AND g.defects > 1 ORDER BY g.order_id LIMIT 1 \gset
BEGIN;
INSERT INTO prodplan.defect (plant_id, order_id, evaluation_operation_id, description, culprit_operation_id,
                             evaluation_work_center_id, severity, detected_at)
VALUES ('DEMO', :'defect_order', 'OD-EVAL-1', 'Test defect', NULL, 'OD-WC', 3, now() - interval '2 hours');
SELECT count(*) > 0 AS defects_pending FROM prodplan.order_defects_pending WHERE plant_id = 'DEMO' AND order_id = :'defect_order';
SELECT e ->> 'description' AS description, e ->> 'severity' AS severity, e -> 'culprit_operation_id' AS culprit,
       pg_temp.detail_right('DEMO', :'defect_order') AS detail_right
FROM json_array_elements(prodplan.order_detail('DEMO', :'defect_order') -> 'defects') e
WHERE e ->> 'evaluation_operation_id' = 'OD-EVAL-1';
SELECT prodplan.apply_order_progress(true) > 0 AS applied;
SELECT count(*) AS defects_in_detail, pg_temp.detail_right('DEMO', :'defect_order') AS detail_right
FROM json_array_elements(prodplan.order_detail('DEMO', :'defect_order') -> 'defects') e
WHERE e ->> 'evaluation_operation_id' = 'OD-EVAL-1';
-- Moved back 100 days before the order's first defect.
UPDATE prodplan.defect SET detected_at = :'defect_first'::timestamptz - interval '100 days'
WHERE plant_id = 'DEMO' AND order_id = :'defect_order' AND evaluation_operation_id = 'OD-EVAL-1';
SELECT pg_temp.detail_right('DEMO', :'defect_order') AS detail_right_pending;
SELECT prodplan.apply_order_progress(true) > 0 AS applied;
SELECT g.first_detected_at = :'defect_first'::timestamptz - interval '100 days' AS range_follows,
       pg_temp.detail_right('DEMO', :'defect_order') AS detail_right_applied,
       (prodplan.order_detail('DEMO', :'defect_order') -> 'defects' -> 0 ->> 'evaluation_operation_id') = 'OD-EVAL-1' AS moved_first
FROM prodplan.order_defects g WHERE g.plant_id = 'DEMO' AND g.order_id = :'defect_order';
-- Every defect of the order deleted: no row, an empty list.
DELETE FROM prodplan.defect WHERE plant_id = 'DEMO' AND order_id = :'defect_order';
SELECT json_array_length(prodplan.order_detail('DEMO', :'defect_order') -> 'defects') AS defects_pending_deleted;
SELECT prodplan.apply_order_progress(true) > 0 AS applied;
SELECT count(*) AS defect_row, json_array_length(prodplan.order_detail('DEMO', :'defect_order') -> 'defects') AS defects_applied_deleted
FROM prodplan.order_defects g WHERE g.plant_id = 'DEMO' AND g.order_id = :'defect_order';
ROLLBACK;

-- A pending order is read from its applied range widened by its pending
-- rows' ranges (0.21.0), not from every partition: an operation and a defect
-- recorded on an order at the ends of its ranges, and its detail, lock a
-- few of the monthly partitions, and so does the live count order_status
-- makes of it (the locks are held to the end of the transaction, so they
-- count what the detail and the count read).
SELECT g.order_id AS ranged_order FROM prodplan.order_progress g JOIN prodplan.order_defects f USING (plant_id, order_id)
WHERE g.plant_id = 'DEMO' ORDER BY g.order_id LIMIT 1 \gset
BEGIN;
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, event_time)
SELECT 'DEMO', 'OD-RANGE-1', :'ranged_order', 'OD-WC', 99, g.last_event_at, g.last_event_at
FROM prodplan.order_progress g WHERE g.plant_id = 'DEMO' AND g.order_id = :'ranged_order';
INSERT INTO prodplan.defect (plant_id, order_id, evaluation_operation_id, description, culprit_operation_id,
                             evaluation_work_center_id, severity, detected_at)
SELECT 'DEMO', :'ranged_order', 'OD-RANGE-1', 'Range test', NULL, 'OD-WC', 1, f.first_detected_at
FROM prodplan.order_defects f WHERE f.plant_id = 'DEMO' AND f.order_id = :'ranged_order';
SELECT (SELECT count(*) FROM prodplan.order_progress_pending q
        JOIN prodplan.order_progress g USING (plant_id, order_id)
        WHERE q.plant_id = 'DEMO' AND q.order_id = :'ranged_order' AND q.first_event_at = g.last_event_at
          AND q.last_event_at = g.last_event_at) AS ops_pending_with_range,
       (SELECT count(*) FROM prodplan.order_defects_pending q
        JOIN prodplan.order_defects f USING (plant_id, order_id)
        WHERE q.plant_id = 'DEMO' AND q.order_id = :'ranged_order' AND q.first_detected_at = f.first_detected_at
          AND q.last_detected_at = f.first_detected_at) AS defects_pending_with_range;
SELECT pg_temp.detail_right('DEMO', :'ranged_order') AS detail_right,
       -- order_status's live count reads the same range
       (SELECT l.operations = (SELECT count(*) FROM prodplan.operation op
                               WHERE op.plant_id = 'DEMO' AND op.order_id = :'ranged_order')
               AND l.first_event_at = (SELECT min(op.event_time) FROM prodplan.operation op
                                       WHERE op.plant_id = 'DEMO' AND op.order_id = :'ranged_order')
        FROM prodplan.order_progress_live('DEMO', :'ranged_order') l) AS live_count_right,
       (SELECT count(*) FROM json_array_elements(prodplan.order_detail('DEMO', :'ranged_order') -> 'operations') e
        WHERE e ->> 'operation_id' = 'OD-RANGE-1') AS new_operation,
       (SELECT count(*) FROM json_array_elements(prodplan.order_detail('DEMO', :'ranged_order') -> 'defects') e
        WHERE e ->> 'evaluation_operation_id' = 'OD-RANGE-1') AS new_defect;
ROLLBACK;
BEGIN;
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, event_time)
SELECT 'DEMO', 'OD-RANGE-1', :'ranged_order', 'OD-WC', 99, g.last_event_at, g.last_event_at
FROM prodplan.order_progress g WHERE g.plant_id = 'DEMO' AND g.order_id = :'ranged_order';
INSERT INTO prodplan.defect (plant_id, order_id, evaluation_operation_id, description, culprit_operation_id,
                             evaluation_work_center_id, severity, detected_at)
SELECT 'DEMO', :'ranged_order', 'OD-RANGE-1', 'Range test', NULL, 'OD-WC', 1, f.first_detected_at
FROM prodplan.order_defects f WHERE f.plant_id = 'DEMO' AND f.order_id = :'ranged_order';
SELECT json_array_length(prodplan.order_detail('DEMO', :'ranged_order') -> 'defects') > 0 AS read_pending,
       (prodplan.order_progress_live('DEMO', :'ranged_order')).operations > 1 AS counted_live;
SELECT count(DISTINCT l.relation) FILTER (WHERE i.inhparent = 'prodplan.operation'::regclass) <= 3 AS few_operation_partitions,
       count(DISTINCT l.relation) FILTER (WHERE i.inhparent = 'prodplan.defect'::regclass) <= 3 AS few_defect_partitions,
       (SELECT count(*) FROM pg_inherits WHERE inhparent = 'prodplan.operation'::regclass) > 10 AS many_partitions
FROM pg_locks l JOIN pg_inherits i ON i.inhrelid = l.relation
WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation';
ROLLBACK;
-- A pending row with no range (listed before 0.21.0, or by after_restore)
-- means every partition; a delete's pending row reads nothing new.
BEGIN;
UPDATE prodplan.operation SET event_time = event_time - interval '200 days'
WHERE plant_id = 'DEMO' AND order_id = :'ranged_order'
  AND operation_id = (SELECT min(operation_id) FROM prodplan.operation WHERE plant_id = 'DEMO' AND order_id = :'ranged_order');
DELETE FROM prodplan.order_progress_pending WHERE plant_id = 'DEMO' AND order_id = :'ranged_order';
INSERT INTO prodplan.order_progress_pending (plant_id, order_id) VALUES ('DEMO', :'ranged_order');
SELECT pg_temp.detail_right('DEMO', :'ranged_order') AS detail_right_unknown_range;
DELETE FROM prodplan.defect WHERE plant_id = 'DEMO' AND order_id = :'ranged_order'
  AND detected_at = (SELECT max(detected_at) FROM prodplan.defect WHERE plant_id = 'DEMO' AND order_id = :'ranged_order');
SELECT first_detected_at = 'infinity' AND last_detected_at = '-infinity' AS delete_empty_range
FROM prodplan.order_defects_pending WHERE plant_id = 'DEMO' AND order_id = :'ranged_order';
SELECT pg_temp.detail_right('DEMO', :'ranged_order') AS detail_right_after_delete;
ROLLBACK;

-- The plan its bars come from is its status's: with the released plan
-- superseded, the latest proposed plan.
SELECT s.order_id AS planned_order FROM prodplan.order_status s
WHERE s.plant_id = 'DEMO' AND s.plan_id IS NOT NULL ORDER BY s.order_id LIMIT 1 \gset
BEGIN;
UPDATE prodplan.plans SET status = 'superseded' WHERE plant_id = 'DEMO' AND status = 'released';
SELECT (d -> 'order' ->> 'plan_id')::bigint = prodplan.current_plan('DEMO') AS current_plan,
       (SELECT count(DISTINCT b ->> 'plan_id') FROM json_array_elements(d -> 'planned_operations') b) <= 1 AS one_plan,
       pg_temp.detail_right('DEMO', :'planned_order') AS detail_right
FROM (SELECT prodplan.order_detail('DEMO', :'planned_order') AS d) x;
ROLLBACK;

-- Times are the session's time zone's (ISO 8601), the same instants.
SELECT prodplan.order_detail('DEMO', :'planned_order') -> 'order' ->> 'due_at' AS due_utc \gset
SET TimeZone = 'Asia/Kolkata';
SELECT prodplan.order_detail('DEMO', :'planned_order') -> 'order' ->> 'due_at' AS due_kolkata \gset
RESET TimeZone;
SET TimeZone = 'UTC';
SELECT :'due_utc' LIKE '%+00:00' AS utc_offset, :'due_kolkata' LIKE '%+05:30' AS kolkata_offset,
       :'due_utc'::timestamptz = :'due_kolkata'::timestamptz AS same_instant;

-- Bad input: an order that does not exist, another plant's id; NULL reads
-- as NULL (STRICT).
SELECT prodplan.order_detail('DEMO', 'NO-SUCH-ORDER');
SELECT prodplan.order_detail('NO-SUCH-PLANT', :'planned_order');
SELECT prodplan.order_detail(NULL, :'planned_order') IS NULL AS null_plant, prodplan.order_detail('DEMO', NULL) IS NULL AS null_order;

-- The function: readers may call it, PUBLIC may not; it runs with the
-- caller's rights, its search_path pinned, and says what it returns.
SELECT p.prosecdef AS security_definer, p.provolatile AS volatility,
       'search_path=pg_catalog, pg_temp' = ANY (p.proconfig) AS search_path_pinned,
       has_function_privilege('prodplan_reader', p.oid, 'EXECUTE') AS reader_may,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_may,
       obj_description(p.oid, 'pg_proc') LIKE 'One order as one JSON document%' AS commented
FROM pg_proc p WHERE p.oid = 'prodplan.order_detail(text, text)'::regprocedure;
