-- prodplan.order_progress: one row per order, what order_status and
-- risk_queue read instead of probing every monthly partition. Writers only
-- append the orders they changed to order_progress_pending;
-- apply_order_progress() recounts those; readers count pending orders live.
SET client_min_messages = notice;
SET TimeZone = 'UTC';

-- load_demo and the ingestions of the earlier suites applied what they
-- wrote: nothing is pending.
SELECT count(*) AS pending_after_loads FROM prodplan.order_progress_pending;
SELECT count(*) AS defects_pending_after_loads FROM prodplan.order_defects_pending;

CREATE TEMP VIEW pg9 AS
SELECT order_id, operations, operations_done, first_started_at, last_ended_at, last_done_sequence
FROM prodplan.order_progress WHERE plant_id = 'PG9';
CREATE TEMP VIEW pg9_pending AS
SELECT string_agg(order_id, ',' ORDER BY order_id) AS pending
FROM prodplan.order_progress_pending WHERE plant_id = 'PG9';

INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at, due_at) VALUES
  ('PG9', 'A', 'X', '2036-01-05 08:00+00', '2036-12-31 00:00+00'),
  ('PG9', 'B', 'X', '2036-01-05 08:00+00', '2036-12-31 00:00+00');
-- Orders A and B; A's operations span two months (two partitions). The
-- insert lists both orders as pending and writes no progress row; the order
-- list counts them live all the same.
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, ended_at, event_time) VALUES
  ('PG9', 'A1', 'A', 'W1', 1, '2036-01-30 08:00+00', '2036-01-30 09:00+00', '2036-01-30 09:00+00'),
  ('PG9', 'A2', 'A', 'W2', 2, '2036-02-02 08:00+00', NULL, '2036-02-02 08:00+00'),
  ('PG9', 'A3', 'A', 'W3', 3, NULL, NULL, '2036-02-03 08:00+00'),
  ('PG9', 'B1', 'B', 'W1', 1, NULL, NULL, '2036-02-03 08:00+00');
SELECT * FROM pg9_pending;
-- Each pending row holds the range of event_time its statement wrote
-- (0.21.0): order_detail reads a pending order's operations from there.
SELECT order_id, first_event_at, last_event_at FROM prodplan.order_progress_pending WHERE plant_id = 'PG9' ORDER BY 1, 2;
SELECT count(*) AS progress_rows FROM pg9;
SELECT order_id, status FROM prodplan.order_status WHERE plant_id = 'PG9' ORDER BY order_id;
SELECT (prodplan.order_progress_live('PG9', 'A')).*;
SELECT (prodplan.order_progress_live('PG9', 'none')).operations AS no_operations;

-- Applying recounts them and empties the list.
SELECT prodplan.apply_order_progress(true) >= 2 AS applied;
SELECT * FROM pg9_pending;
SELECT * FROM pg9 ORDER BY order_id;
SELECT order_id, status FROM prodplan.order_status WHERE plant_id = 'PG9' ORDER BY order_id;

-- Another insert: an earlier start, a later end.
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, ended_at, event_time) VALUES
  ('PG9', 'A0', 'A', 'W1', 0, '2036-01-29 08:00+00', '2036-02-04 08:00+00', '2036-02-04 08:00+00');
SELECT * FROM pg9_pending;
SELECT prodplan.apply_order_progress(true) AS applied;
SELECT * FROM pg9 ORDER BY order_id;

-- An update of a column the progress does not depend on lists no order.
UPDATE prodplan.operation SET work_center_id = 'W9' WHERE plant_id = 'PG9' AND operation_id = 'A3';
SELECT * FROM pg9_pending;

-- Updates and deletes: A2 ends; B's operation moves to order A (B has none
-- left, so its row goes); A0 is deleted (the earliest start and latest end
-- are taken back). Before the apply, the order list counts both live.
UPDATE prodplan.operation SET ended_at = '2036-02-02 12:00+00' WHERE plant_id = 'PG9' AND operation_id = 'A2';
UPDATE prodplan.operation SET order_id = 'A' WHERE plant_id = 'PG9' AND operation_id = 'B1';
DELETE FROM prodplan.operation WHERE plant_id = 'PG9' AND operation_id = 'A0';
SELECT * FROM pg9_pending;
-- An update's range spans the rows' times before and after; a delete's is
-- empty (infinity to -infinity: nothing to read).
SELECT order_id, first_event_at, last_event_at FROM prodplan.order_progress_pending WHERE plant_id = 'PG9' ORDER BY 1, 2, 3;
SELECT order_id, status FROM prodplan.order_status WHERE plant_id = 'PG9' ORDER BY order_id;
SELECT prodplan.apply_order_progress(true) AS applied;
SELECT * FROM pg9 ORDER BY order_id;

-- What a rolled-back savepoint wrote is not listed either.
BEGIN;
SAVEPOINT s;
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, event_time)
VALUES ('PG9', 'B2', 'B', 'W1', 1, '2036-02-05 08:00+00', '2036-02-05 08:00+00');
SELECT * FROM pg9_pending;
SELECT status AS b_inside FROM prodplan.order_status WHERE plant_id = 'PG9' AND order_id = 'B';
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT * FROM pg9_pending;
SELECT status AS b_after FROM prodplan.order_status WHERE plant_id = 'PG9' AND order_id = 'B';

-- After applying, the whole table equals a recount of every plant's
-- operations (the demo plant and the suites before this one included).
SELECT prodplan.apply_order_progress(true) IS NOT NULL AS applied;
CREATE TEMP VIEW recount AS
SELECT op.plant_id, op.order_id, count(*) AS operations, count(op.ended_at) AS operations_done,
       min(op.started_at) AS first_started_at, max(op.ended_at) AS last_ended_at,
       max(op.sequence) FILTER (WHERE op.ended_at IS NOT NULL) AS last_done_sequence,
       min(op.event_time) AS first_event_at, max(op.event_time) AS last_event_at
FROM prodplan.operation op GROUP BY op.plant_id, op.order_id;
SELECT (SELECT count(*) FROM (TABLE prodplan.order_progress EXCEPT ALL TABLE recount) x) AS extra,
       (SELECT count(*) FROM (TABLE recount EXCEPT ALL TABLE prodplan.order_progress) x) AS missing,
       (SELECT count(*) > 4 FROM prodplan.order_progress) AS several_plants_kept;

-- TRUNCATE empties the progress and the list (inside a transaction rolled
-- back: later suites keep their data).
BEGIN;
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, event_time)
VALUES ('PG9', 'C1', 'C', 'W1', 1, '2036-02-05 08:00+00');
TRUNCATE prodplan.operation;
SELECT (SELECT count(*) FROM prodplan.order_progress) AS rows_after_truncate,
       (SELECT count(*) FROM prodplan.order_progress_pending) AS pending_after_truncate;
ROLLBACK;

-- Readers may read both; nobody writes them but the triggers and the
-- applier, which planners may run.
SELECT has_table_privilege('prodplan_reader', 'prodplan.order_progress', 'SELECT') AS reader_reads,
       has_table_privilege('prodplan_reader', 'prodplan.order_progress_pending', 'SELECT') AS reader_reads_pending,
       has_table_privilege('prodplan_planner', 'prodplan.order_progress', 'INSERT') AS planner_inserts,
       has_table_privilege('prodplan_planner', 'prodplan.order_progress_pending', 'INSERT') AS planner_inserts_pending,
       has_table_privilege('prodplan_admin', 'prodplan.order_progress', 'UPDATE') AS admin_updates,
       has_function_privilege('prodplan_planner', 'prodplan.apply_order_progress(boolean)', 'EXECUTE') AS planner_applies,
       has_function_privilege('prodplan_reader', 'prodplan.apply_order_progress(boolean)', 'EXECUTE') AS reader_applies;

-- prodplan.order_defects (0.21.0): each order's defects, their worst
-- severity and range of detected_at, kept by the same protocol from
-- order_defects_pending, which the statement triggers of prodplan.defect
-- fill. A defect listing an order does not list it in order_progress_pending.
CREATE TEMP VIEW pg9_defects AS
SELECT order_id, defects, worst_severity, first_detected_at, last_detected_at
FROM prodplan.order_defects WHERE plant_id = 'PG9';
CREATE TEMP VIEW pg9_defects_pending AS
SELECT string_agg(order_id, ',' ORDER BY order_id) AS defects_pending
FROM prodplan.order_defects_pending WHERE plant_id = 'PG9';
INSERT INTO prodplan.defect VALUES
  ('PG9', 'A', 'A2', 'Bolhas', 'A1', 'W2', 2, '2036-02-02 10:00+00'),
  ('PG9', 'A', 'A2', 'Fissura', NULL, 'W2', 1, '2036-01-30 12:00+00'),
  ('PG9', 'B', 'B1', 'Bolhas', NULL, 'W1', 3, '2036-03-01 08:00+00');
SELECT * FROM pg9_defects_pending;
SELECT order_id, first_detected_at, last_detected_at FROM prodplan.order_defects_pending WHERE plant_id = 'PG9' ORDER BY 1, 2;
SELECT * FROM pg9_pending;
SELECT count(*) AS defect_rows_before_apply FROM pg9_defects;
SELECT prodplan.apply_order_progress(true) AS applied;
SELECT * FROM pg9_defects_pending;
SELECT * FROM pg9_defects ORDER BY order_id;
-- An update of a column the row does not depend on lists no order; one of
-- severity, of detected_at or of the order lists the orders it touched.
UPDATE prodplan.defect SET evaluation_work_center_id = 'W9' WHERE plant_id = 'PG9' AND order_id = 'A';
SELECT * FROM pg9_defects_pending;
UPDATE prodplan.defect SET severity = 3 WHERE plant_id = 'PG9' AND order_id = 'A' AND description = 'Fissura';
UPDATE prodplan.defect SET detected_at = '2035-12-31 23:00+00' WHERE plant_id = 'PG9' AND order_id = 'A' AND description = 'Bolhas';
UPDATE prodplan.defect SET order_id = 'A' WHERE plant_id = 'PG9' AND order_id = 'B';
SELECT * FROM pg9_defects_pending;
SELECT order_id, first_detected_at, last_detected_at FROM prodplan.order_defects_pending WHERE plant_id = 'PG9' ORDER BY 1, 2, 3;
SELECT prodplan.apply_order_progress(true) AS applied;
SELECT * FROM pg9_defects ORDER BY order_id;
-- B lost its row above (its only defect moved to A); a delete recounts A.
DELETE FROM prodplan.defect WHERE plant_id = 'PG9' AND order_id = 'A' AND description = 'Fissura';
SELECT order_id, first_detected_at, last_detected_at FROM prodplan.order_defects_pending WHERE plant_id = 'PG9' ORDER BY 1, 2, 3;
SELECT prodplan.apply_order_progress(true) AS applied;
SELECT * FROM pg9_defects ORDER BY order_id;
-- A rolled-back savepoint lists nothing.
BEGIN;
SAVEPOINT s;
INSERT INTO prodplan.defect VALUES ('PG9', 'B', 'B1', 'Riscos', NULL, 'W1', 1, '2036-03-02 08:00+00');
SELECT * FROM pg9_defects_pending;
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT * FROM pg9_defects_pending;
-- After applying, the whole table equals a recount of every plant's defects.
SELECT prodplan.apply_order_progress(true) IS NOT NULL AS applied;
CREATE TEMP VIEW defect_recount AS
SELECT d.plant_id, d.order_id, count(*)::integer AS defects, max(d.severity) AS worst_severity,
       min(d.detected_at) AS first_detected_at, max(d.detected_at) AS last_detected_at
FROM prodplan.defect d GROUP BY d.plant_id, d.order_id;
SELECT (SELECT count(*) FROM (TABLE prodplan.order_defects EXCEPT ALL TABLE defect_recount) x) AS extra,
       (SELECT count(*) FROM (TABLE defect_recount EXCEPT ALL TABLE prodplan.order_defects) x) AS missing,
       (SELECT count(*) > 4 FROM prodplan.order_defects) AS several_orders_kept;
-- TRUNCATE empties the table and its list.
BEGIN;
INSERT INTO prodplan.defect VALUES ('PG9', 'C', 'C1', 'Bolhas', NULL, 'W1', 1, '2036-03-02 08:00+00');
TRUNCATE prodplan.defect;
SELECT (SELECT count(*) FROM prodplan.order_defects) AS defect_rows_after_truncate,
       (SELECT count(*) FROM prodplan.order_defects_pending) AS defects_pending_after_truncate;
ROLLBACK;
SELECT has_table_privilege('prodplan_reader', 'prodplan.order_defects', 'SELECT') AS reader_reads,
       has_table_privilege('prodplan_reader', 'prodplan.order_defects_pending', 'SELECT') AS reader_reads_pending,
       has_table_privilege('prodplan_planner', 'prodplan.order_defects', 'INSERT') AS planner_inserts,
       has_table_privilege('prodplan_planner', 'prodplan.order_defects_pending', 'INSERT') AS planner_inserts_pending,
       has_table_privilege('prodplan_admin', 'prodplan.order_defects', 'UPDATE') AS admin_updates;

DELETE FROM prodplan.defect WHERE plant_id = 'PG9';
DELETE FROM prodplan.operation WHERE plant_id = 'PG9';
DELETE FROM prodplan.production_order WHERE plant_id = 'PG9';
SELECT prodplan.apply_order_progress(true) AS applied;
SELECT count(*) AS pg9_left FROM prodplan.order_progress WHERE plant_id = 'PG9';
SELECT count(*) AS pg9_defects_left FROM prodplan.order_defects WHERE plant_id = 'PG9';
