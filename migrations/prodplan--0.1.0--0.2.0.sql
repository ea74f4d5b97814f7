-- prodplan 0.1.0 -> 0.2.0: workbook and CSV ingestion (runs, quarantine, aliases, progress).
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Profiles: which sheet feeds which entity, which header feeds which column.
-- ---------------------------------------------------------------------------
CREATE TABLE prodplan.sheet_aliases (
  profile     text NOT NULL,
  sheet       text NOT NULL,
  entity      text NOT NULL,
  is_default  boolean NOT NULL DEFAULT false,
  PRIMARY KEY (profile, sheet)
);
COMMENT ON TABLE prodplan.sheet_aliases IS 'Ingestion profiles: a workbook sheet (matched ignoring case, accents, spaces and underscores) feeds a canonical entity. Rows with is_default = false are a site''s own and are kept by pg_dump.';

CREATE TABLE prodplan.column_aliases (
  profile     text NOT NULL,
  entity      text NOT NULL,
  header      text NOT NULL,
  column_name text NOT NULL,
  is_default  boolean NOT NULL DEFAULT false,
  PRIMARY KEY (profile, entity, header)
);
COMMENT ON TABLE prodplan.column_aliases IS 'Ingestion profiles: a header text (matched ignoring case, accents, spaces and underscores) maps to a canonical column of an entity. Edit it to map another ERP''s headers; rows with is_default = false are kept by pg_dump.';
COMMENT ON COLUMN prodplan.column_aliases.column_name IS 'The canonical staging column the header feeds (see prodplan.ingest_columns).';

CREATE FUNCTION prodplan.ingest_columns()
RETURNS TABLE (entity text, column_name text, column_type text, required boolean, is_key boolean)
LANGUAGE c STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_ingest_columns';
COMMENT ON FUNCTION prodplan.ingest_columns() IS 'The columns ingestion accepts per entity: type (text, id, integer, real, flag, timestamp), whether a row needs it, and whether it is part of the natural key.';

CREATE FUNCTION prodplan.default_aliases()
RETURNS TABLE (kind text, profile text, entity text, header text, column_name text)
LANGUAGE c STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_default_aliases';
COMMENT ON FUNCTION prodplan.default_aliases() IS 'The built-in sheet (kind = sheet) and column (kind = column) aliases of the profiles prodplan (the reference workbook) and canonical (English entity and column names).';

INSERT INTO prodplan.sheet_aliases (profile, sheet, entity, is_default)
SELECT profile, header, entity, true FROM prodplan.default_aliases() WHERE kind = 'sheet';
INSERT INTO prodplan.column_aliases (profile, entity, header, column_name, is_default)
SELECT profile, entity, header, column_name, true FROM prodplan.default_aliases() WHERE kind = 'column';
SELECT pg_catalog.pg_extension_config_dump('prodplan.sheet_aliases', 'WHERE NOT is_default');
SELECT pg_catalog.pg_extension_config_dump('prodplan.column_aliases', 'WHERE NOT is_default');

-- ---------------------------------------------------------------------------
-- Runs and quarantine
-- ---------------------------------------------------------------------------
CREATE TABLE prodplan.ingest_runs (
  run_id            bigint PRIMARY KEY,
  plant_id          text NOT NULL,
  source            text NOT NULL CHECK (source IN ('workbook', 'file', 'table')),
  source_name       text,
  workbook_sha256   text,
  profile           text,
  status            text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
  started_at        timestamptz NOT NULL,
  finished_at       timestamptz,
  run_by            name NOT NULL,
  options           jsonb NOT NULL DEFAULT '{}',
  rows_read         bigint,
  inserted          bigint,
  updated           bigint,
  unchanged         bigint,
  quarantined       bigint,
  duplicates        bigint,
  phase_seconds     jsonb,
  report            jsonb,
  error             text
);
COMMENT ON TABLE prodplan.ingest_runs IS 'One row per ingestion run: source, workbook sha256, profile, status (running, succeeded, failed, skipped), counts, seconds per phase (parse, stage, merge, ...), a report (unknown headers, orphans with match rates, error cells) and who ran it. A failed run is recorded by a background worker in its own transaction, so it survives the rollback of the failed load.';
COMMENT ON COLUMN prodplan.ingest_runs.duplicates IS 'Rows whose key appeared again later in the same source: the last occurrence wins.';
COMMENT ON COLUMN prodplan.ingest_runs.report IS 'Per sheet counts, unknown headers, orphan references with match rates, error cells.';
CREATE SEQUENCE prodplan.ingest_run_id_seq OWNED BY prodplan.ingest_runs.run_id;
COMMENT ON SEQUENCE prodplan.ingest_run_id_seq IS 'Run ids of prodplan.ingest_runs (taken before a run starts, so a failed run keeps its id).';
ALTER TABLE prodplan.ingest_runs ALTER COLUMN run_id SET DEFAULT nextval('prodplan.ingest_run_id_seq');
CREATE INDEX ingest_runs_sha_idx ON prodplan.ingest_runs (workbook_sha256, profile, plant_id) WHERE status = 'succeeded';

CREATE TABLE prodplan.ingest_quarantine (
  run_id         bigint NOT NULL REFERENCES prodplan.ingest_runs ON DELETE CASCADE,
  sheet          text NOT NULL,
  row_number     int NOT NULL,
  column_name    text,
  reason_code    text NOT NULL,
  reason_detail  text NOT NULL,
  raw_row        jsonb NOT NULL
);
COMMENT ON TABLE prodplan.ingest_quarantine IS 'Rows an ingestion run refused, with the reason: the sheet, its row number, the column at fault, a reason code (missing_required, bad_number, bad_date, bad_flag, domain, end_before_start, date_out_of_range, error_cell, no_event_time) and the raw row as jsonb (header -> cell text).';
CREATE INDEX ingest_quarantine_run_idx ON prodplan.ingest_quarantine (run_id, sheet, row_number);

CREATE TYPE prodplan.ingest_result AS (
  run_id       bigint,
  sheet        text,
  entity       text,
  rows_read    bigint,
  inserted     bigint,
  updated      bigint,
  unchanged    bigint,
  quarantined  bigint,
  seconds      float8
);
COMMENT ON TYPE prodplan.ingest_result IS 'One row per ingested sheet: rows read = inserted + updated + unchanged + quarantined + duplicates (duplicates are in ingest_runs).';

-- ---------------------------------------------------------------------------
-- Functions
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.ingest_workbook(workbook bytea, profile text DEFAULT 'prodplan', options jsonb DEFAULT '{}')
RETURNS SETOF prodplan.ingest_result
LANGUAGE c VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_ingest_workbook';
COMMENT ON FUNCTION prodplan.ingest_workbook(bytea, text, jsonb) IS
  'Ingests an .xlsx workbook into the canonical tables in one transaction: streams every sheet the profile maps, validates (bad rows to prodplan.ingest_quarantine with a reason), merges (unchanged rows are not rewritten; the last duplicate wins) and reconciles counts. The same workbook again is a skipped run unless options.force. options: plant (default ''MAIN''), force.';

CREATE FUNCTION prodplan.ingest_file(path text, profile text DEFAULT 'prodplan', options jsonb DEFAULT '{}')
RETURNS SETOF prodplan.ingest_result
LANGUAGE c VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_ingest_file';
COMMENT ON FUNCTION prodplan.ingest_file(text, text, jsonb) IS
  'ingest_workbook for a workbook in a server-side file (for workbooks over the 1 GB bytea limit); only for roles with pg_read_server_files.';

CREATE FUNCTION prodplan.ingest_progress_rows()
RETURNS TABLE (pid int, run_id bigint, sheet text, rows_done bigint, rows_expected bigint,
               started_at timestamptz, elapsed_seconds float8, rows_per_second float8)
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_ingest_progress';
COMMENT ON FUNCTION prodplan.ingest_progress_rows() IS 'Backs the view prodplan.ingest_progress.';

CREATE VIEW prodplan.ingest_progress AS SELECT * FROM prodplan.ingest_progress_rows();
COMMENT ON VIEW prodplan.ingest_progress IS 'Ingestion runs in progress in any session: run id, sheet, rows done, rows expected where known, elapsed time and rate. Needs shared_preload_libraries = ''prodplan''; without it the view is always empty (runs in progress are then only visible to their own session).';

GRANT SELECT ON prodplan.sheet_aliases, prodplan.column_aliases, prodplan.ingest_runs,
  prodplan.ingest_quarantine, prodplan.ingest_progress TO prodplan_reader;
GRANT INSERT, UPDATE, DELETE ON prodplan.sheet_aliases, prodplan.column_aliases TO prodplan_admin;
GRANT INSERT, UPDATE ON prodplan.ingest_runs TO prodplan_planner;
GRANT INSERT ON prodplan.ingest_quarantine TO prodplan_planner;
GRANT USAGE ON SEQUENCE prodplan.ingest_run_id_seq TO prodplan_planner;
REVOKE ALL ON FUNCTION prodplan.ingest_columns(), prodplan.default_aliases(),
  prodplan.ingest_workbook(bytea, text, jsonb), prodplan.ingest_file(text, text, jsonb),
  prodplan.ingest_progress_rows() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.ingest_columns(), prodplan.default_aliases(),
  prodplan.ingest_progress_rows() TO prodplan_reader;
GRANT EXECUTE ON FUNCTION prodplan.ingest_workbook(bytea, text, jsonb) TO prodplan_planner;

-- ---------------------------------------------------------------------------
-- load_demo now loads the workbook entities through ingestion by default.
-- ---------------------------------------------------------------------------
DROP FUNCTION prodplan.load_demo(float8, int);
CREATE FUNCTION prodplan.load_demo(scale float8 DEFAULT 0.01, seed int DEFAULT 42, via text DEFAULT 'workbook')
RETURNS jsonb
LANGUAGE c VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_load_demo';
COMMENT ON FUNCTION prodplan.load_demo(float8, int, text) IS
  'Generates the deterministic demo factory (plant DEMO) for scale and seed and loads it, replacing earlier demo data. via => ''workbook'' (default) writes the workbook entities as the reference workbook and ingests it (as a factory''s export would be), loading what the workbook lacks (calendars, materials, stock, SPC, resource events) directly; via => ''direct'' bulk-loads every table from the generator. Returns row counts per table and the planted workbook flaws.';
REVOKE ALL ON FUNCTION prodplan.load_demo(float8, int, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.load_demo(float8, int, text) TO prodplan_planner;
GRANT EXECUTE ON FUNCTION prodplan.ingest_file(text, text, jsonb) TO prodplan_planner;

-- Only the plant-keyed canonical tables: ingestion bookkeeping and profiles
-- are not factory data.
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
      AND c.relname <> 'ingest_runs'
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

CREATE FUNCTION prodplan.ingest_table(entity text, source regclass, options jsonb DEFAULT '{}')
RETURNS SETOF prodplan.ingest_result
LANGUAGE c VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_ingest_table';
COMMENT ON FUNCTION prodplan.ingest_table(text, regclass, jsonb) IS
  'Ingests the rows of any table (e.g. a CSV a client loaded with COPY) into one canonical entity through the same validation, quarantine, dedup and merge as a workbook sheet. Column names are matched by the profile''s column aliases (options.profile, default canonical: the English column names of prodplan.ingest_columns()); options.plant as for ingest_workbook. The caller needs SELECT on the source.';
REVOKE ALL ON FUNCTION prodplan.ingest_table(text, regclass, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.ingest_table(text, regclass, jsonb) TO prodplan_planner;

-- Transaction tables carry no foreign key to plant (as the partitioned ones
-- never did): a per-row referential check on every assignment and order made
-- bulk loads pay a trigger call per row for a key the loader itself creates.
ALTER TABLE prodplan.operation_assignment DROP CONSTRAINT operation_assignment_plant_id_fkey;
ALTER TABLE prodplan.production_order DROP CONSTRAINT production_order_plant_id_fkey;
ALTER TABLE prodplan.routing_step DROP CONSTRAINT routing_step_plant_id_fkey;
