-- prodplan.order_progress: one row per order, kept from its operations by
-- statement triggers in the same transaction (what order_status and
-- risk_queue read instead of probing every monthly partition).
SET client_min_messages = notice;
SET TimeZone = 'UTC';

INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at, due_at) VALUES
  ('PG9', 'A', 'X', '2036-01-05 08:00+00', '2036-12-31 00:00+00'),
  ('PG9', 'B', 'X', '2036-01-05 08:00+00', '2036-12-31 00:00+00');
-- Orders A and B; A's operations span two months (two partitions).
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, ended_at, event_time) VALUES
  ('PG9', 'A1', 'A', 'W1', 1, '2036-01-30 08:00+00', '2036-01-30 09:00+00', '2036-01-30 09:00+00'),
  ('PG9', 'A2', 'A', 'W2', 2, '2036-02-02 08:00+00', NULL, '2036-02-02 08:00+00'),
  ('PG9', 'A3', 'A', 'W3', 3, NULL, NULL, '2036-02-03 08:00+00'),
  ('PG9', 'B1', 'B', 'W1', 1, NULL, NULL, '2036-02-03 08:00+00');
SELECT order_id, operations, operations_done, first_started_at, last_ended_at, last_done_sequence
FROM prodplan.order_progress WHERE plant_id = 'PG9' ORDER BY order_id;
SELECT order_id, status FROM prodplan.order_status WHERE plant_id = 'PG9' ORDER BY order_id;

-- Another insert adds to the order's row: an earlier start, a later end.
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, ended_at, event_time) VALUES
  ('PG9', 'A0', 'A', 'W1', 0, '2036-01-29 08:00+00', '2036-02-04 08:00+00', '2036-02-04 08:00+00');
SELECT order_id, operations, operations_done, first_started_at, last_ended_at, last_done_sequence
FROM prodplan.order_progress WHERE plant_id = 'PG9' ORDER BY order_id;

-- Updates recount the orders they touch: A2 ends; B's operation moves to
-- order A (B has none left, so its row goes); A0 is deleted (the earliest
-- start and latest end are taken back).
UPDATE prodplan.operation SET ended_at = '2036-02-02 12:00+00' WHERE plant_id = 'PG9' AND operation_id = 'A2';
UPDATE prodplan.operation SET order_id = 'A' WHERE plant_id = 'PG9' AND operation_id = 'B1';
DELETE FROM prodplan.operation WHERE plant_id = 'PG9' AND operation_id = 'A0';
SELECT order_id, operations, operations_done, first_started_at, last_ended_at, last_done_sequence
FROM prodplan.order_progress WHERE plant_id = 'PG9' ORDER BY order_id;
SELECT order_id, status FROM prodplan.order_status WHERE plant_id = 'PG9' ORDER BY order_id;

-- What a rolled-back savepoint wrote is gone from the progress too.
BEGIN;
SAVEPOINT s;
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, event_time)
VALUES ('PG9', 'B2', 'B', 'W1', 1, '2036-02-05 08:00+00', '2036-02-05 08:00+00');
SELECT count(*) AS b_rows_inside FROM prodplan.order_progress WHERE plant_id = 'PG9' AND order_id = 'B';
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT count(*) AS b_rows_after FROM prodplan.order_progress WHERE plant_id = 'PG9' AND order_id = 'B';

-- The whole table equals a recount of every plant's operations (the demo
-- plant and the suites before this one included).
CREATE TEMP VIEW recount AS
SELECT op.plant_id, op.order_id, count(*) AS operations, count(op.ended_at) AS operations_done,
       min(op.started_at) AS first_started_at, max(op.ended_at) AS last_ended_at,
       max(op.sequence) FILTER (WHERE op.ended_at IS NOT NULL) AS last_done_sequence
FROM prodplan.operation op GROUP BY op.plant_id, op.order_id;
SELECT (SELECT count(*) FROM (TABLE prodplan.order_progress EXCEPT ALL TABLE recount) x) AS extra,
       (SELECT count(*) FROM (TABLE recount EXCEPT ALL TABLE prodplan.order_progress) x) AS missing,
       (SELECT count(*) > 4 FROM prodplan.order_progress) AS several_plants_kept;

-- TRUNCATE empties it (inside a transaction rolled back: later suites keep
-- their data).
BEGIN;
TRUNCATE prodplan.operation;
SELECT count(*) AS rows_after_truncate FROM prodplan.order_progress;
ROLLBACK;

-- Readers may read it; nobody writes it but the triggers.
SELECT has_table_privilege('prodplan_reader', 'prodplan.order_progress', 'SELECT') AS reader_reads,
       has_table_privilege('prodplan_planner', 'prodplan.order_progress', 'INSERT') AS planner_inserts,
       has_table_privilege('prodplan_admin', 'prodplan.order_progress', 'UPDATE') AS admin_updates;

DELETE FROM prodplan.operation WHERE plant_id = 'PG9';
DELETE FROM prodplan.production_order WHERE plant_id = 'PG9';
SELECT count(*) AS pg9_left FROM prodplan.order_progress WHERE plant_id = 'PG9';
