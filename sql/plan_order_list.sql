-- A plant's order list as one JSON document (0.19.0):
-- prodplan.order_list_document, prodplan.order_list_documents and the change
-- log prodplan.order_list_changes. Runs after plan.sql and plan_document.sql
-- and reads their plants: DEMO (load_demo(0.01), its plans, one moved) and
-- the hand-made P1.
SET client_min_messages = notice;
SET TimeZone = 'UTC';

-- The invariant, checked after every step: the list a read returns equals
-- one computed from prodplan.order_status now, value for value.
CREATE FUNCTION pg_temp.list_right(plant text, since timestamptz) RETURNS boolean
LANGUAGE sql AS $$
  SELECT (prodplan.order_list_document(plant, since) -> 'orders')::text = prodplan.order_list_json(plant, since)::text
$$;
-- How many lists of that plant and created_since are stored (0 or 1).
CREATE FUNCTION pg_temp.stored(plant text, since timestamptz) RETURNS bigint
LANGUAGE sql AS $$
  SELECT count(*) FROM prodplan.order_list_documents d WHERE d.plant_id = plant AND d.created_since = since
$$;
CREATE FUNCTION pg_temp.changes(plant text) RETURNS bigint
LANGUAGE sql AS $$
  SELECT count(*) FROM prodplan.order_list_changes c WHERE c.plant_id = plant
$$;
-- A document's orders read back as prodplan.order_status's columns.
CREATE FUNCTION pg_temp.document_rows(doc json)
RETURNS TABLE (n bigint, order_id text, product_id text, created_at timestamptz, due_at timestamptz,
               finished_at timestamptz, priority int, status text, planned_end_at timestamptz, slack_hours numeric,
               plan_id bigint, next_operation int, next_work_center_id text, next_start_at timestamptz)
LANGUAGE sql AS $$
  SELECT e.n, o->>0, o->>1, (o->>2)::timestamptz, (o->>3)::timestamptz, (o->>4)::timestamptz, (o->>5)::int, o->>6,
         (o->>7)::timestamptz, (o->>8)::numeric, (o->>9)::bigint, (o->>10)::int, o->>11, (o->>12)::timestamptz
  FROM json_array_elements(doc -> 'orders') WITH ORDINALITY e(o, n)
$$;

SELECT min(created_at) + (max(created_at) - min(created_at)) / 2 AS since
FROM prodplan.production_order WHERE plant_id = 'DEMO' \gset
-- What earlier suites left in the log does not matter: the first read
-- rebuilds.
SELECT prodplan.expire_order_list_documents() >= 0 AS expired;

-- The first read builds and stores the list; the log is empty after it.
SELECT prodplan.order_list_document('DEMO', :'since') AS doc \gset
SELECT pg_temp.stored('DEMO', :'since') AS stored, pg_temp.changes('DEMO') AS changes;
SELECT :'doc'::json ->> 'plant_id' AS plant_id,
       (:'doc'::json ->> 'created_since')::timestamptz = :'since' AS since_right,
       (:'doc'::json ->> 'order_count')::int = json_array_length(:'doc'::json -> 'orders') AS counted,
       (:'doc'::json ->> 'order_count')::int > 0 AS has_orders;
-- Exactly the view's rows, in its order (due date, then order): every open
-- order and every order created since.
CREATE TEMP TABLE view_rows AS
SELECT row_number() OVER (ORDER BY due_at, order_id) AS n, order_id, product_id, created_at, due_at, finished_at,
       priority, status, planned_end_at, slack_hours, plan_id, next_operation, next_work_center_id, next_start_at
FROM prodplan.order_status
WHERE plant_id = 'DEMO' AND (finished_at IS NULL OR created_at >= :'since');
SELECT (SELECT count(*) FROM (SELECT * FROM view_rows EXCEPT ALL SELECT * FROM pg_temp.document_rows(:'doc')) x) AS only_in_view,
       (SELECT count(*) FROM (SELECT * FROM pg_temp.document_rows(:'doc') EXCEPT ALL SELECT * FROM view_rows) x) AS only_in_document,
       (SELECT count(*) FROM view_rows WHERE finished_at IS NOT NULL) > 0 AS has_recent_done,
       (SELECT count(DISTINCT status) FROM view_rows) >= 2 AS several_statuses;
-- Its column names are the view's without plant_id: a column added to the
-- view and not to the document fails here.
SELECT ARRAY(SELECT json_array_elements_text(:'doc'::json -> 'columns')) = prodplan.order_list_columns() AS columns_listed,
       prodplan.order_list_columns() =
         ARRAY(SELECT a.attname::text FROM pg_attribute a
               WHERE a.attrelid = 'prodplan.order_status'::regclass AND a.attnum > 0 AND NOT a.attisdropped
                 AND a.attname <> 'plant_id' ORDER BY a.attnum) AS the_views_columns;
-- Times are written as the Gantt document writes them (gantt_document_time).
SELECT count(*) FILTER (WHERE o ->> i IS NOT NULL) > 0 AS has_times,
       count(*) FILTER (WHERE o ->> i IS DISTINCT FROM prodplan.gantt_document_time((o ->> i)::timestamptz)) AS written_otherwise
FROM json_array_elements(:'doc'::json -> 'orders') o, unnest(ARRAY[2, 3, 4, 7, 12]) i;
-- valid_until: the earliest due date of the open orders not late yet.
SELECT d.valid_until IS NOT DISTINCT FROM (SELECT min(o.due_at) FROM prodplan.production_order o
                                           WHERE o.plant_id = 'DEMO' AND o.finished_at IS NULL AND o.due_at >= d.as_of)
       AS valid_until_right
FROM prodplan.order_list_documents d WHERE d.plant_id = 'DEMO' AND d.created_since = :'since';

-- The second read is served: the stored list is not rebuilt.
SELECT built_at AS built FROM prodplan.order_list_documents WHERE plant_id = 'DEMO' AND created_since = :'since' \gset
SELECT pg_temp.list_right('DEMO', :'since') AS list_right;
SELECT built_at = :'built' AS served FROM prodplan.order_list_documents WHERE plant_id = 'DEMO' AND created_since = :'since';

-- Each kind of change is logged, and the next read rebuilds the list.
-- An operation starts on an order not started: it turns in_progress.
SELECT s.order_id AS idle_order FROM prodplan.order_status s
WHERE s.plant_id = 'DEMO' AND s.status = 'created' ORDER BY s.order_id LIMIT 1 \gset
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, sequence, started_at, event_time)
SELECT 'DEMO', 'OLD-TEST-1', :'idle_order', w.work_center_id, 1, now() - interval '1 hour', now() - interval '1 hour'
FROM prodplan.work_center w WHERE w.plant_id = 'DEMO' ORDER BY w.work_center_id LIMIT 1;
SELECT pg_temp.changes('DEMO') > 0 AS logged;
SELECT pg_temp.list_right('DEMO', :'since') AS list_right, pg_temp.changes('DEMO') AS changes_after_read;
SELECT o ->> 6 AS status FROM json_array_elements(prodplan.order_list_document('DEMO', :'since') -> 'orders') o
WHERE o ->> 0 = :'idle_order';
-- A rolled-back change leaves the list as it was and nothing in the log.
SELECT built_at AS built FROM prodplan.order_list_documents WHERE plant_id = 'DEMO' AND created_since = :'since' \gset
BEGIN;
DELETE FROM prodplan.operation WHERE operation_id = 'OLD-TEST-1';
SELECT pg_temp.list_right('DEMO', :'since') AS list_right_inside;
ROLLBACK;
SELECT pg_temp.changes('DEMO') AS changes_after_rollback, pg_temp.list_right('DEMO', :'since') AS list_right;
SELECT built_at = :'built' AS still_served FROM prodplan.order_list_documents WHERE plant_id = 'DEMO' AND created_since = :'since';
-- An order's due date moves into the past: it is late.
SELECT due_at AS due_before FROM prodplan.production_order WHERE plant_id = 'DEMO' AND order_id = :'idle_order' \gset
UPDATE prodplan.production_order SET due_at = now() - interval '1 day' WHERE plant_id = 'DEMO' AND order_id = :'idle_order';
SELECT pg_temp.list_right('DEMO', :'since') AS list_right;
SELECT o ->> 6 AS status FROM json_array_elements(prodplan.order_list_document('DEMO', :'since') -> 'orders') o
WHERE o ->> 0 = :'idle_order';
-- Its due date has a fraction of a second (now()): written with it.
SELECT o ->> 3 ~ '\.[0-9]{6}Z$' AS fraction_written, o ->> 3 = prodplan.gantt_document_time((o ->> 3)::timestamptz) AS as_gantt
FROM json_array_elements(prodplan.order_list_document('DEMO', :'since') -> 'orders') o
WHERE o ->> 0 = :'idle_order';
-- The released plan superseded: the latest proposed plan is current.
BEGIN;
UPDATE prodplan.plans SET status = 'superseded' WHERE plant_id = 'DEMO' AND status = 'released';
SELECT pg_temp.list_right('DEMO', :'since') AS list_right_plan_changed;
ROLLBACK;
SELECT pg_temp.list_right('DEMO', :'since') AS list_right;
-- A bar of the current plan moves: the order's next start follows it.
SELECT plan_id AS cur_plan, order_id AS head_order
FROM prodplan.order_status WHERE plant_id = 'DEMO' AND next_operation IS NOT NULL ORDER BY order_id LIMIT 1 \gset
SELECT (o ->> 12)::timestamptz AS start_before
FROM json_array_elements(prodplan.order_list_document('DEMO', :'since') -> 'orders') o WHERE o ->> 0 = :'head_order' \gset
BEGIN;
UPDATE prodplan.planned_operations SET start_at = start_at + interval '1 hour', end_at = end_at + interval '1 hour'
WHERE plan_id = :cur_plan AND order_id = :'head_order';
SELECT pg_temp.list_right('DEMO', :'since') AS list_right_bars_moved,
       (SELECT (o ->> 12)::timestamptz FROM json_array_elements(prodplan.order_list_document('DEMO', :'since') -> 'orders') o
        WHERE o ->> 0 = :'head_order') = :'start_before'::timestamptz + interval '1 hour' AS next_start_followed;
ROLLBACK;
-- An order deleted leaves the list.
BEGIN;
DELETE FROM prodplan.operation WHERE plant_id = 'DEMO' AND order_id = :'idle_order';
DELETE FROM prodplan.production_order WHERE plant_id = 'DEMO' AND order_id = :'idle_order';
SELECT pg_temp.list_right('DEMO', :'since') AS list_right_order_deleted,
       (SELECT count(*) FROM json_array_elements(prodplan.order_list_document('DEMO', :'since') -> 'orders') o
        WHERE o ->> 0 = :'idle_order') AS deleted_order_listed;
ROLLBACK;
-- TRUNCATE of the operations marks every plant.
BEGIN;
TRUNCATE prodplan.operation CASCADE;
SELECT pg_temp.changes('DEMO') > 0 AS demo_logged, pg_temp.changes('P1') > 0 AS p1_logged,
       pg_temp.list_right('DEMO', :'since') AS list_right_truncated;
ROLLBACK;
SELECT pg_temp.list_right('DEMO', :'since') AS list_right;

-- Time turns an order late without a write: past valid_until the list is
-- rebuilt. (valid_until is moved back here instead of waiting for a due date.)
UPDATE prodplan.order_list_documents SET valid_until = now() - interval '1 second', built_at = '2000-01-01'
WHERE plant_id = 'DEMO' AND created_since = :'since';
SELECT pg_temp.list_right('DEMO', :'since') AS list_right;
SELECT built_at > '2000-01-01' AS rebuilt FROM prodplan.order_list_documents WHERE plant_id = 'DEMO' AND created_since = :'since';

-- A read-only or repeatable-read transaction that finds the list stale
-- gets it computed and stores nothing: the change stays logged.
UPDATE prodplan.production_order SET priority = priority WHERE plant_id = 'DEMO' AND order_id = :'idle_order';
BEGIN READ ONLY;
SELECT pg_temp.list_right('DEMO', :'since') AS list_right_read_only, pg_temp.changes('DEMO') > 0 AS still_logged;
COMMIT;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pg_temp.list_right('DEMO', :'since') AS list_right_repeatable_read, pg_temp.changes('DEMO') > 0 AS still_logged;
COMMIT;

-- The expiry job's function drops a changed plant's lists and log.
SELECT prodplan.expire_order_list_documents() AS plants_expired;
SELECT pg_temp.stored('DEMO', :'since') AS stored, pg_temp.changes('DEMO') AS changes;
SELECT prodplan.expire_order_list_documents() AS plants_expired_again;
SELECT count(*) AS expiry_job FROM prodplan.jobs WHERE name = 'prodplan.order list expiry' AND is_builtin;

-- A plant keeps at most eight lists, the ones read last.
SELECT count(*) FILTER (WHERE pg_temp.list_right('DEMO', :'since'::timestamptz - k * interval '1 day')) AS lists_right
FROM generate_series(1, 10) k;
SELECT count(*) AS lists_kept FROM prodplan.order_list_documents WHERE plant_id = 'DEMO';

-- The other plant's list is its own.
SELECT pg_temp.list_right('P1', '-infinity') AS p1_list_right,
       (prodplan.order_list_document('P1', '-infinity') ->> 'order_count')::int
         = (SELECT count(*) FROM prodplan.production_order WHERE plant_id = 'P1') AS p1_every_order;

-- A plant that does not exist, or none: NULL.
SELECT prodplan.order_list_document('NO-SUCH-PLANT', now()) IS NULL AS no_such_plant,
       prodplan.order_list_document(NULL, now()) IS NULL AS null_plant,
       prodplan.order_list_document('DEMO', NULL) IS NULL AS null_since;
-- No role writes the lists or the log; a reader reads them through the
-- function only.
SELECT bool_or(has_table_privilege(r, t, 'INSERT') OR has_table_privilege(r, t, 'UPDATE')
               OR has_table_privilege(r, t, 'DELETE') OR has_table_privilege(r, t, 'SELECT')) AS any_role_touches,
       bool_and(has_function_privilege('prodplan_reader', 'prodplan.order_list_document(text, timestamptz)', 'EXECUTE'))
         AS reader_calls
FROM unnest(ARRAY['prodplan_reader', 'prodplan_planner', 'prodplan_admin']) r,
     unnest(ARRAY['prodplan.order_list_documents', 'prodplan.order_list_changes']) t;

-- As it was for the suites after this one: the order's due date, no test
-- operation, no order's progress pending.
UPDATE prodplan.production_order SET due_at = :'due_before' WHERE plant_id = 'DEMO' AND order_id = :'idle_order';
DELETE FROM prodplan.operation WHERE operation_id = 'OLD-TEST-1';
SELECT prodplan.apply_order_progress(true) >= 0 AS applied;
SELECT count(*) AS pending FROM prodplan.order_progress_pending;
SELECT pg_temp.list_right('DEMO', :'since') AS list_right;
RESET TimeZone;
