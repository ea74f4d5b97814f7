-- Workbook ingestion: profiles, the demo workbook into a fresh plant, quarantine,
-- reconciliation, skipped and forced re-runs, failures recorded across the rollback.
SET client_min_messages = notice;

-- Profiles and the columns ingestion accepts come from the parser's own tables.
SELECT profile, count(*) AS sheets FROM prodplan.sheet_aliases GROUP BY 1 ORDER BY 1;
SELECT entity, count(*) AS columns, count(*) FILTER (WHERE required) AS required,
       string_agg(column_name, ',' ORDER BY column_name) FILTER (WHERE is_key) AS key
FROM prodplan.ingest_columns() GROUP BY 1 ORDER BY 1;

-- The demo workbook of seed 42 into plant W1.
CREATE TEMP TABLE wb AS SELECT prodplan.demo_workbook(0.01, 42) AS b;
CREATE TEMP TABLE r1 AS
SELECT * FROM prodplan.ingest_workbook((SELECT b FROM wb), 'prodplan', '{"plant": "W1"}');
SELECT sheet, entity, rows_read, inserted, updated, unchanged, quarantined FROM r1 ORDER BY sheet;
SELECT status, rows_read, inserted, updated, unchanged, quarantined, duplicates,
       rows_read = inserted + updated + unchanged + quarantined + duplicates AS reconciles,
       round((report #>> '{sheets,OrdensFabrico,references,product_id -> product,match_rate}')::numeric, 2)
         AS order_product_match_rate,
       round((report #>> '{sheets,FuncionariosFaseOrdemFabrico,references,operation_id -> operation,match_rate}')::numeric, 2)
         AS assignment_operation_match_rate
FROM prodplan.ingest_runs WHERE plant_id = 'W1' ORDER BY run_id;
-- Duplicates per sheet (the last occurrence of a key wins).
SELECT key AS sheet, (value ->> 'duplicates')::int AS duplicates
FROM prodplan.ingest_runs, jsonb_each(report -> 'sheets') WHERE plant_id = 'W1' ORDER BY 1;
SELECT q.sheet, q.reason_code, count(*)
FROM prodplan.ingest_quarantine q JOIN prodplan.ingest_runs r USING (run_id)
WHERE r.plant_id = 'W1' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT raw_row ? 'FaseOf_Id' AS raw_row_has_headers, reason_detail <> '' AS has_detail
FROM prodplan.ingest_quarantine q JOIN prodplan.ingest_runs r USING (run_id)
WHERE r.plant_id = 'W1' LIMIT 1;

-- Ingested rows equal the generator's rows loaded directly (plant DEMO, seed 42).
SELECT prodplan.load_demo(0.01, 42, via => 'direct') ->> 'via' AS demo_via;
CREATE FUNCTION pg_temp.rows_differing(entity text, a text, b text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM ('
    '(SELECT to_jsonb(t) - ''plant_id'' FROM prodplan.%1$I t WHERE plant_id = $1 '
    ' EXCEPT SELECT to_jsonb(t) - ''plant_id'' FROM prodplan.%1$I t WHERE plant_id = $2) UNION ALL '
    '(SELECT to_jsonb(t) - ''plant_id'' FROM prodplan.%1$I t WHERE plant_id = $2 '
    ' EXCEPT SELECT to_jsonb(t) - ''plant_id'' FROM prodplan.%1$I t WHERE plant_id = $1)) d', entity)
    INTO n USING a, b;
  RETURN n;
END $$;
SELECT e AS entity, pg_temp.rows_differing(e, 'W1', 'DEMO') AS rows_differing
FROM unnest(ARRAY['production_order', 'operation', 'operation_assignment', 'defect', 'routing_step',
                  'employee_skill']) e;

-- The same workbook again: skipped, nothing read or written.
CREATE TEMP TABLE sums_w1 AS SELECT * FROM prodplan.content_checksum('W1');
SELECT count(*) AS rows_returned FROM prodplan.ingest_workbook((SELECT b FROM wb), 'prodplan', '{"plant": "W1"}');
SELECT status, count(*) FROM prodplan.ingest_runs WHERE plant_id = 'W1' GROUP BY 1 ORDER BY 1;
-- Forced: every row unchanged, nothing rewritten (no row gets a new version).
CREATE TEMP TABLE versions AS
SELECT tableoid::regclass::text AS rel, ctid::text AS tid, xmin::text AS x FROM prodplan.operation WHERE plant_id = 'W1'
UNION ALL SELECT tableoid::regclass::text, ctid::text, xmin::text FROM prodplan.operation_assignment WHERE plant_id = 'W1'
UNION ALL SELECT tableoid::regclass::text, ctid::text, xmin::text FROM prodplan.defect WHERE plant_id = 'W1';
SELECT sheet, inserted, updated, unchanged FROM prodplan.ingest_workbook((SELECT b FROM wb), 'prodplan',
  '{"plant": "W1", "force": true}') ORDER BY sheet;
SELECT count(*) AS rows_rewritten FROM (
  SELECT tableoid::regclass::text, ctid::text, xmin::text FROM prodplan.operation WHERE plant_id = 'W1'
  UNION ALL SELECT tableoid::regclass::text, ctid::text, xmin::text FROM prodplan.operation_assignment WHERE plant_id = 'W1'
  UNION ALL SELECT tableoid::regclass::text, ctid::text, xmin::text FROM prodplan.defect WHERE plant_id = 'W1'
  EXCEPT SELECT * FROM versions) v;
SELECT count(*) AS tables_changed
FROM prodplan.content_checksum('W1') s JOIN sums_w1 o USING (table_name) WHERE s.checksum <> o.checksum;

-- Bad input: a clear error, the tables as they were, and the failed run recorded
-- (by a background worker, so the record survives the rollback).
SELECT prodplan.ingest_workbook('\x00010203'::bytea, 'prodplan', '{"plant": "W2"}');
SELECT prodplan.ingest_workbook((SELECT b FROM wb), 'no_such_profile', '{"plant": "W2"}');
SELECT count(*) AS w2_rows FROM prodplan.production_order WHERE plant_id = 'W2';
SELECT status, source, error FROM prodplan.ingest_runs WHERE plant_id = 'W2' ORDER BY run_id;
-- A cancel (here a statement timeout) in the middle of a run: nothing stays,
-- and the run is recorded as failed with the reason.
CREATE TEMP TABLE wb_big AS SELECT prodplan.demo_workbook(0.2, 8) AS b;
-- (terse: the cancel lands in parsing or in a merge statement, whose context differs)
\set VERBOSITY terse
SET statement_timeout = '300ms';
SELECT count(*) FROM prodplan.ingest_workbook((SELECT b FROM wb_big), 'prodplan', '{"plant": "W4"}');
RESET statement_timeout;
\set VERBOSITY default
SELECT count(*) AS w4_operations FROM prodplan.operation WHERE plant_id = 'W4';
SELECT status, error FROM prodplan.ingest_runs WHERE plant_id = 'W4';
-- Inside the caller's transaction the failure still rolls back only the run.
BEGIN;
SELECT count(*) FROM prodplan.ingest_workbook(substr((SELECT b FROM wb), 1, 5000), 'prodplan', '{"plant": "W3"}');
ROLLBACK;
SELECT status, error IS NOT NULL AS has_error FROM prodplan.ingest_runs WHERE plant_id = 'W3';

-- The CSV path: rows a client loaded with COPY into any table go through the
-- same validation, quarantine, dedup and merge (canonical column names).
SET TimeZone = 'UTC';
CREATE TABLE csv_orders (order_id text, product_id text, created_at text, due_at text, colour text);
COPY csv_orders FROM STDIN WITH (FORMAT csv);
A-1,P-9,2026-01-05 08:00:00,2026-02-01,red
A-2,P-9,05/01/2026 09:30,NULL,blue
A-3,,2026-01-06 10:00:00,2026-02-03,green
A-4,P-7,2026-02-30 10:00:00,,green
A-1,P-8,2026-01-05 08:00:00,2026-02-01,red
\.
SELECT sheet, entity, rows_read, inserted, updated, unchanged, quarantined
FROM prodplan.ingest_table('production_order', 'csv_orders', '{"plant": "C1"}');
SELECT order_id, product_id, created_at, due_at FROM prodplan.production_order WHERE plant_id = 'C1' ORDER BY 1;
SELECT q.row_number, q.column_name, q.reason_code, q.reason_detail
FROM prodplan.ingest_quarantine q JOIN prodplan.ingest_runs r USING (run_id) WHERE r.plant_id = 'C1' ORDER BY 1;
SELECT source, source_name, status, duplicates, report #> '{sheets,public.csv_orders,unknown_headers}' IS NOT NULL AS reported
FROM prodplan.ingest_runs WHERE plant_id = 'C1';
-- Again, with one row changed: one update, the rest unchanged.
UPDATE csv_orders SET due_at = '2026-03-01' WHERE order_id = 'A-2';
SELECT rows_read, inserted, updated, unchanged, quarantined
FROM prodplan.ingest_table('production_order', 'csv_orders', '{"plant": "C1"}');
SELECT prodplan.ingest_table('no_such_entity', 'csv_orders');
DROP TABLE csv_orders;
RESET TimeZone;

-- ingest_file needs pg_read_server_files.
CREATE ROLE regress_pp_ingest_planner LOGIN IN ROLE prodplan_planner;
SET ROLE regress_pp_ingest_planner;
SELECT * FROM prodplan.ingest_file('/etc/passwd');
RESET ROLE;
DROP ROLE regress_pp_ingest_planner;
SELECT * FROM prodplan.ingest_file('/nonexistent/workbook.xlsx');

-- The progress view exists (runs in progress show there from other sessions).
SELECT count(*) AS runs_in_progress FROM prodplan.ingest_progress;

-- The run's row is committed as the run starts, with its transaction id: a
-- run whose transaction rolls back leaves it running, and the next
-- ingestion marks it failed. Under REPEATABLE READ the row is written in the
-- run's own transaction (a worker's commit would not be visible to it).
CREATE TEMP TABLE rb_orders (order_id text, product_id text, created_at text);
INSERT INTO rb_orders VALUES ('R-1', 'P-1', '2026-01-05 08:00:00');
BEGIN;
SELECT inserted FROM prodplan.ingest_table('production_order', 'rb_orders', '{"plant": "RB"}');
ROLLBACK;
SELECT status, running_xid IS NOT NULL AS has_xid, finished_at IS NULL AS unfinished FROM prodplan.ingest_runs WHERE plant_id = 'RB';
SELECT inserted FROM prodplan.ingest_table('production_order', 'rb_orders', '{"plant": "RB"}');
SELECT status, error FROM prodplan.ingest_runs WHERE plant_id = 'RB' ORDER BY run_id;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT updated + unchanged AS seen FROM prodplan.ingest_table('production_order', 'rb_orders', '{"plant": "RB"}');
COMMIT;
SELECT status, running_xid IS NOT NULL AS has_xid FROM prodplan.ingest_runs WHERE plant_id = 'RB' ORDER BY run_id;
-- A caller holding a lock on ingest_runs that the worker's insert would wait
-- for: the row is written in the run's own transaction instead of both
-- waiting for each other forever.
BEGIN;
LOCK TABLE prodplan.ingest_runs IN SHARE MODE;
SELECT updated + unchanged AS seen FROM prodplan.ingest_table('production_order', 'rb_orders', '{"plant": "RB"}');
SELECT status, running_xid IS NOT NULL AS has_xid FROM prodplan.ingest_runs WHERE plant_id = 'RB' ORDER BY run_id DESC LIMIT 1;
COMMIT;
DELETE FROM prodplan.production_order WHERE plant_id = 'RB';
DELETE FROM prodplan.plant WHERE plant_id = 'RB';
DROP TABLE rb_orders;

-- Each ingestion applied the orders' progress of the operations it wrote.
SELECT count(*) AS progress_pending FROM prodplan.order_progress_pending;
