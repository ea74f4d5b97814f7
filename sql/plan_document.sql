-- A plan's Gantt as one JSON document (0.18.0): prodplan.gantt_documents,
-- kept by statement triggers of prodplan.planned_operations, and
-- prodplan.gantt_document. Runs after plan.sql and reads its plans: the
-- hand-made plans of plant P1, and the demo plans, one of them moved by
-- move_operation (a DELETE and a COPY of every bar).
SET client_min_messages = notice;
SET TimeZone = 'UTC';

-- The invariant, checked after every step below: each plan with bars has a
-- document equal to one computed from its bars now, with their count; a plan
-- without bars has none.
CREATE FUNCTION pg_temp.documents_off() RETURNS TABLE (plans_with_bars bigint, without_document bigint,
                                                      stale bigint, orphan_documents bigint)
LANGUAGE sql AS $$
  SELECT count(*) FILTER (WHERE b.n > 0),
         count(*) FILTER (WHERE b.n > 0 AND d.plan_id IS NULL),
         count(*) FILTER (WHERE d.plan_id IS NOT NULL
                                AND (d.bars::text IS DISTINCT FROM prodplan.gantt_bars_json(p.plan_id)::text
                                     OR d.bar_count <> b.n)),
         count(*) FILTER (WHERE b.n = 0 AND d.plan_id IS NOT NULL)
  FROM prodplan.plans p
  CROSS JOIN LATERAL (SELECT count(*) AS n FROM prodplan.planned_operations q WHERE q.plan_id = p.plan_id) b
  LEFT JOIN prodplan.gantt_documents d ON d.plan_id = p.plan_id
$$;
SELECT * FROM pg_temp.documents_off();

-- A document's bars, read back as prodplan.gantt's columns.
CREATE FUNCTION pg_temp.document_rows(doc json)
RETURNS TABLE (n bigint, order_id text, product_id text, product_name text, family text, operation int,
               operation_id text, work_center_id text, work_center_name text, unit int, resource text,
               setup_start_at timestamptz, start_at timestamptz, end_at timestamptz, span_hours numeric,
               setup_minutes float8, work_minutes float8, duration_source text, is_fixed boolean, due_at timestamptz,
               order_end_at timestamptz, order_late boolean)
LANGUAGE sql AS $$
  SELECT e.n, b->>0, b->>1, b->>2, b->>3, (b->>4)::int, b->>5, b->>6, b->>7, (b->>8)::int, b->>9,
         (b->>10)::timestamptz, (b->>11)::timestamptz, (b->>12)::timestamptz, (b->>13)::numeric,
         (b->>14)::float8, (b->>15)::float8, b->>16, (b->>17)::boolean, (b->>18)::timestamptz,
         (b->>19)::timestamptz, (b->>20)::boolean
  FROM json_array_elements(doc -> 'bars') WITH ORDINALITY e(b, n)
$$;

-- The demo plan after its move: the document holds exactly the view's bars,
-- value for value, in chart order.
SELECT max(plan_id) AS moved_plan FROM prodplan.plan_history WHERE action = 'moved' \gset
SELECT prodplan.gantt_document(:moved_plan) AS doc \gset
SELECT (:'doc'::json ->> 'plan_id')::bigint = :moved_plan AS its_plan,
       :'doc'::json ->> 'plant_id' AS plant_id, :'doc'::json ->> 'plan_status' AS plan_status,
       (:'doc'::json ->> 'bar_count')::int = (SELECT count(*) FROM prodplan.gantt WHERE plan_id = :moved_plan) AS bar_count_right,
       json_array_length(:'doc'::json -> 'bars') = (:'doc'::json ->> 'bar_count')::int AS bars_counted,
       (:'doc'::json ->> 'plan_start')::timestamptz = (SELECT plan_start FROM prodplan.plans WHERE plan_id = :moved_plan) AS plan_start_right;
-- Its column names are prodplan.gantt's, without the plan's own three: a
-- column added to the view and not to the document fails here.
SELECT ARRAY(SELECT json_array_elements_text(:'doc'::json -> 'columns')) = prodplan.gantt_document_columns() AS columns_listed,
       prodplan.gantt_document_columns() =
         ARRAY(SELECT a.attname::text FROM pg_attribute a
               WHERE a.attrelid = 'prodplan.gantt'::regclass AND a.attnum > 0 AND NOT a.attisdropped
                 AND a.attname NOT IN ('plan_id', 'plant_id', 'plan_status') ORDER BY a.attnum) AS the_views_columns;
-- Its times are written as gantt_document_time writes them (the builder
-- spells the expression out instead of calling it, for speed).
SELECT count(*) FILTER (WHERE b ->> i IS NOT NULL) > 0 AS has_times,
       count(*) FILTER (WHERE b ->> i IS DISTINCT FROM prodplan.gantt_document_time((b ->> i)::timestamptz)) AS written_otherwise
FROM json_array_elements(:'doc'::json -> 'bars') b, unnest(ARRAY[10, 11, 12, 18, 19]) i;
CREATE TEMP TABLE view_rows AS
SELECT row_number() OVER (ORDER BY work_center_id, unit, start_at, order_id, operation) AS n,
       order_id, product_id, product_name, family, operation, operation_id, work_center_id, work_center_name, unit,
       resource, setup_start_at, start_at, end_at, span_hours, setup_minutes, work_minutes, duration_source, is_fixed,
       due_at, order_end_at, order_late
FROM prodplan.gantt WHERE plan_id = :moved_plan;
SELECT (SELECT count(*) FROM view_rows) AS bars,
       (SELECT count(*) FROM (SELECT * FROM view_rows EXCEPT ALL SELECT * FROM pg_temp.document_rows(:'doc')) x) AS only_in_view,
       (SELECT count(*) FROM (SELECT * FROM pg_temp.document_rows(:'doc') EXCEPT ALL SELECT * FROM view_rows) x) AS only_in_document;

-- Times are UTC, floats at full precision, whatever the reading or
-- building session's settings.
SET TimeZone = 'America/Sao_Paulo';
SET extra_float_digits = 0;
SELECT prodplan.gantt_bars_json(:moved_plan)::text = (SELECT bars::text FROM prodplan.gantt_documents WHERE plan_id = :moved_plan)
       AS same_in_another_zone_and_precision;
SELECT prodplan.gantt_document(:moved_plan) -> 'bars' -> 0 ->> 11 LIKE '%Z' AS utc;
RESET extra_float_digits;
SET TimeZone = 'UTC';

-- Bars written by hand (the hand-made plan of P1): each statement leaves its
-- plan's document right, the trigger's own fixes (planned ends, heads,
-- names) included; rolled back, the document is as it was.
SELECT min(plan_id) AS p1_plan FROM prodplan.plans WHERE plant_id = 'P1' \gset
SELECT bars::text AS p1_bars FROM prodplan.gantt_documents WHERE plan_id = :p1_plan \gset
SELECT json_array_length(bars) AS p1_bar_count FROM prodplan.gantt_documents WHERE plan_id = :p1_plan;
BEGIN;
INSERT INTO prodplan.planned_operations (plan_id, order_id, operation, work_center_id, unit, setup_start_at, start_at, end_at, work_minutes, duration_source)
VALUES (:p1_plan, 'O2', 2, 'A', 2, '2036-03-24 16:00+00', '2036-03-24 16:00+00', '2036-03-24 19:30+00', 210, 'history');
SELECT * FROM pg_temp.documents_off();
SELECT b->>0 AS order_id, b->>4 AS operation, b->>9 AS resource, b->>11 AS start_at, b->>12 AS end_at, b->>19 AS order_end_at, b->>20 AS order_late
FROM json_array_elements((SELECT bars FROM prodplan.gantt_documents WHERE plan_id = :p1_plan)) b;
UPDATE prodplan.planned_operations SET work_center_name = NULL, end_at = end_at + interval '90 minutes'
WHERE plan_id = :p1_plan AND order_id = 'O1' AND operation = 1;
SELECT * FROM pg_temp.documents_off();
UPDATE prodplan.work_center SET name = 'Cutting (new die)' WHERE plant_id = 'P1' AND work_center_id = 'A';
UPDATE prodplan.planned_operations SET work_center_name = NULL WHERE plan_id = :p1_plan AND work_center_id = 'A';
SELECT * FROM pg_temp.documents_off();
SELECT DISTINCT b->>9 AS resource FROM json_array_elements((SELECT bars FROM prodplan.gantt_documents WHERE plan_id = :p1_plan)) b ORDER BY 1;
DELETE FROM prodplan.planned_operations WHERE plan_id = :p1_plan AND order_id = 'O1';
SELECT * FROM pg_temp.documents_off();
SELECT bar_count FROM prodplan.gantt_documents WHERE plan_id = :p1_plan;
-- No bars left: no stored document, and gantt_document says so.
DELETE FROM prodplan.planned_operations WHERE plan_id = :p1_plan;
SELECT * FROM pg_temp.documents_off();
SELECT prodplan.gantt_document(:p1_plan) ->> 'bar_count' AS bar_count, prodplan.gantt_document(:p1_plan) ->> 'bars' AS bars;
ROLLBACK;
SELECT bars::text = :'p1_bars' AS as_before_the_rollback FROM prodplan.gantt_documents WHERE plan_id = :p1_plan;

-- The plan's status is read when asked: releasing does not rebuild the bars.
SELECT prodplan.gantt_document(:moved_plan) ->> 'plan_status' AS moved_plan_status;

-- Bars written with the triggers off (as logical replication applies them):
-- no document is stored, and gantt_document computes it from the bars.
BEGIN;
INSERT INTO prodplan.plans (plant_id, plan_start, objective) VALUES ('P1', '2036-03-24 06:00+00', 'weighted_tardiness')
RETURNING plan_id AS replica_plan \gset
SET LOCAL session_replication_role = replica;
INSERT INTO prodplan.planned_operations (plan_id, order_id, operation, work_center_id, unit, setup_start_at, start_at, end_at, work_minutes, duration_source)
VALUES (:replica_plan, 'O1', 1, 'A', 1, '2036-03-24 06:00:00.25+00', '2036-03-24 06:00:00.25+00', '2036-03-24 07:00+00', 60, 'history');
SET LOCAL session_replication_role = origin;
SELECT count(*) AS stored FROM prodplan.gantt_documents WHERE plan_id = :replica_plan;
SELECT prodplan.gantt_document(:replica_plan) ->> 'bar_count' AS bar_count,
       prodplan.gantt_document(:replica_plan) -> 'bars' -> 0 ->> 11 AS start_at_with_fraction;
ROLLBACK;

-- Deleting a plan deletes its document; TRUNCATE of the bars drops them all.
BEGIN;
DELETE FROM prodplan.plans WHERE plan_id = :moved_plan;
SELECT count(*) AS moved_plans_document FROM prodplan.gantt_documents WHERE plan_id = :moved_plan;
SELECT * FROM pg_temp.documents_off();
ROLLBACK;
BEGIN;
TRUNCATE prodplan.planned_operations CASCADE;
SELECT count(*) AS documents_after_truncate FROM prodplan.gantt_documents;
ROLLBACK;

-- A plan that does not exist, or none: NULL.
SELECT prodplan.gantt_document(-1) IS NULL AS no_such_plan, prodplan.gantt_document(NULL) IS NULL AS null_plan;
-- No role writes a document, not even a planner.
SELECT has_table_privilege('prodplan_planner', 'prodplan.gantt_documents', 'INSERT')
       OR has_table_privilege('prodplan_planner', 'prodplan.gantt_documents', 'UPDATE')
       OR has_table_privilege('prodplan_planner', 'prodplan.gantt_documents', 'DELETE') AS planner_writes,
       has_table_privilege('prodplan_reader', 'prodplan.gantt_documents', 'SELECT') AS reader_reads;
SELECT * FROM pg_temp.documents_off();
RESET TimeZone;
