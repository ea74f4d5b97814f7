-- prodplan 0.18.0 -> 0.19.0 (issue 11): a plant's order list as one JSON
-- document, kept until the orders, plans, bars or operations it is computed
-- from change.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.19.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Why. make load found the order list (load_demo(1): 961 open or recent
-- orders x 14 columns of prodplan.order_status) 4-7x below the reference
-- system's 400 ms at 32 closed-loop clients on the 2-core machine, where the
-- target is 10x. A call plans the view (0.5 ms), computes every order's
-- status (about 1 ms) and formats 13,000 values that the client parses
-- again; the same rows read from a plain table are 10-18x. The statuses
-- change far less often than they are read, so the list is kept as one
-- document, like a plan's Gantt (0.18.0), and a read copies it: 145 kB,
-- 8.6-13.2 ms at p95 with 32 clients (30-47x below the target) against
-- 72-92 ms for the rows (make load runs 12 and 13).
--
-- Unlike the Gantt, the list cannot be rebuilt by its writers: it depends on
-- every operation recorded (an order turns in_progress), and the MES stream
-- writes operations in many small concurrent transactions that must not
-- queue on one plant-wide row (0.13.0 took order_progress's row locks out of
-- their way for the same reason). So the writers only append to a change
-- log, which costs no lock, and the document is rebuilt by the next read
-- that finds it stale.
--
-- The protocol (every rebuild and expiry holds the plant's advisory lock,
-- prodplan.order_list_lock):
--   * a statement that changes what a plant's list is computed from (its
--     orders, plans, planned bars or operations) appends a row for the plant
--     to order_list_changes in its own transaction;
--   * a document is served only when the reader's snapshot holds no change
--     row of its plant (and time has not turned an order late, below);
--   * a rebuild takes the lock, then deletes the change rows it sees and
--     every document of the plant, then computes its document in a later
--     statement (so from a snapshot that includes every change whose row it
--     deleted) and stores it; expiry does the same without computing.
-- A change committed before a reader's snapshot either has its row still
-- visible (the reader rebuilds) or had it deleted by a rebuild that saw the
-- change: that rebuild's document includes it and dropped every older one,
-- and later rebuilds, which waited for its lock, see it too. A change not
-- yet committed when a rebuild ran keeps its row, which its commit makes
-- visible. The lock is also what keeps two rebuilds from storing documents
-- of different snapshots out of order.
--
-- Time: an open order turns late when now() passes its due date, without
-- any write. A document records as_of (the now() its statuses are for) and
-- valid_until (the earliest due date of its open orders not yet late);
-- it is served to a transaction whose now() is from as_of to valid_until
-- (an order is late once now() is past its due date, not at it).

CREATE TABLE prodplan.order_list_changes (
  plant_id text NOT NULL,
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now()
) WITH (vacuum_truncate = false);
-- Not unique: a writer appends without waiting for another writer's key.
CREATE INDEX order_list_changes_plant_idx ON prodplan.order_list_changes (plant_id);
COMMENT ON TABLE prodplan.order_list_changes IS 'Plants whose order list changed since its documents (prodplan.order_list_documents) were built: appended by statement triggers of production_order, plans, planned_operations and operation (a plant may appear many times), taken out by the rebuild that finds them (prodplan.order_list_document) or by the minute''s expiry job (prodplan.expire_order_list_documents). Derived: no role writes it.';
COMMENT ON COLUMN prodplan.order_list_changes.plant_id IS 'The plant whose order list changed.';
COMMENT ON COLUMN prodplan.order_list_changes.changed_by IS 'The table and statement that changed it (e.g. operation INSERT).';
COMMENT ON COLUMN prodplan.order_list_changes.changed_at IS 'When the changing transaction started.';

CREATE TABLE prodplan.order_list_documents (
  plant_id text NOT NULL,
  created_since timestamptz NOT NULL,
  order_count integer NOT NULL CHECK (order_count >= 0),
  orders json NOT NULL,
  as_of timestamptz NOT NULL,
  valid_until timestamptz,
  built_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  PRIMARY KEY (plant_id, created_since)
) WITH (vacuum_truncate = false, toast.vacuum_truncate = false);
-- Uncompressed, as the Gantt documents: a read copies it out of TOAST.
ALTER TABLE prodplan.order_list_documents ALTER COLUMN orders SET STORAGE EXTERNAL;
COMMENT ON TABLE prodplan.order_list_documents IS 'Order lists as prodplan.order_list_document serves them, one per plant and created_since, built by the first read after a change and dropped by the next change (prodplan.order_list_changes). Derived: no role writes it; not kept by pg_dump.';
COMMENT ON COLUMN prodplan.order_list_documents.plant_id IS 'The plant.';
COMMENT ON COLUMN prodplan.order_list_documents.created_since IS 'The list holds every open order of the plant and every order created at or after this time.';
COMMENT ON COLUMN prodplan.order_list_documents.order_count IS 'How many orders the list holds.';
COMMENT ON COLUMN prodplan.order_list_documents.orders IS 'The orders by due date, then order, each an array of the values named by prodplan.order_list_columns(); times in UTC, ISO 8601.';
COMMENT ON COLUMN prodplan.order_list_documents.as_of IS 'The time the statuses are for: now() of the transaction that built the list.';
COMMENT ON COLUMN prodplan.order_list_documents.valid_until IS 'The earliest due date of the list''s open orders that were not late at as_of: after it one of them is late and the list is rebuilt. NULL when no open order can turn late.';
COMMENT ON COLUMN prodplan.order_list_documents.built_at IS 'When the list was computed.';

CREATE FUNCTION prodplan.order_list_columns()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT ARRAY['order_id', 'product_id', 'created_at', 'due_at', 'finished_at', 'priority', 'status',
               'planned_end_at', 'slack_hours', 'plan_id', 'next_operation', 'next_work_center_id', 'next_start_at']
$fn$;
COMMENT ON FUNCTION prodplan.order_list_columns() IS 'The names of the values of each order in an order list document (prodplan.order_list_document), in order: the columns of prodplan.order_status without plant_id, which the document carries once.';
REVOKE ALL ON FUNCTION prodplan.order_list_columns() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.order_list_columns() TO prodplan_reader;

-- The one place the list is computed from prodplan.order_status, as the
-- caller: the rebuild (run as the extension's owner) stores it, and a
-- read-only transaction or a standby that finds no valid document gets it
-- computed. slack_hours is numeric: its text is exact whatever the session.
-- Times are written as gantt_document_time writes them (UTC, whole seconds
-- unless there is a fraction), by an expression instead of a call: a SQL
-- function with a pinned search_path is not inlined, and its five calls an
-- order took two thirds of a rebuild (about 100 ms for load_demo(1)'s 961
-- orders).
CREATE FUNCTION prodplan.order_list_json(plant_id text, created_since timestamptz)
RETURNS json
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT coalesce(json_agg(json_build_array(
           s.order_id, s.product_id,
           replace(to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z'),
           replace(to_char(s.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z'),
           replace(to_char(s.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z'),
           s.priority, s.status,
           replace(to_char(s.planned_end_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z'),
           s.slack_hours, s.plan_id, s.next_operation, s.next_work_center_id,
           replace(to_char(s.next_start_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z'))
         ORDER BY s.due_at, s.order_id), '[]'::json)
  FROM prodplan.order_status s
  WHERE s.plant_id = order_list_json.plant_id
    AND (s.finished_at IS NULL OR s.created_at >= order_list_json.created_since)
$fn$;
COMMENT ON FUNCTION prodplan.order_list_json(text, timestamptz) IS 'A plant''s order list computed from prodplan.order_status now, as the caller sees it: every open order and every order created at or after created_since, by due date then order, each an array of the values prodplan.order_list_columns() names (times in UTC, ISO 8601). What prodplan.order_list_documents stores.';
REVOKE ALL ON FUNCTION prodplan.order_list_json(text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.order_list_json(text, timestamptz) TO prodplan_reader;

-- The lock of the protocol above: transaction-scoped, per plant.
CREATE FUNCTION prodplan.order_list_lock(plant_id text, wait boolean DEFAULT true)
RETURNS boolean
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF wait THEN
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('prodplan.order_list_documents'), pg_catalog.hashtext(plant_id));
    RETURN true;
  END IF;
  RETURN pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('prodplan.order_list_documents'), pg_catalog.hashtext(plant_id));
END
$fn$;
COMMENT ON FUNCTION prodplan.order_list_lock(text, boolean) IS 'Takes the advisory lock (until the end of the transaction) that orders the rebuilds and expiries of a plant''s order list documents; with wait false, only if it is free, and says whether it was taken.';
REVOKE ALL ON FUNCTION prodplan.order_list_lock(text, boolean) FROM PUBLIC;

-- SECURITY DEFINER like order_progress_changed: whoever may write the
-- sources records the change, which no role writes directly. It appends
-- only the plants of the rows the statement wrote.
CREATE FUNCTION prodplan.order_list_changed()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  what constant text := TG_TABLE_NAME || ' ' || TG_OP;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    -- Every plant with an order or a document. A rebuild that read the
    -- truncated table before it holds a lock TRUNCATE waited for, so its
    -- document is committed and seen here.
    INSERT INTO prodplan.order_list_changes (plant_id, changed_by)
    SELECT p.plant_id, what FROM prodplan.plant p
    UNION SELECT d.plant_id, what FROM prodplan.order_list_documents d;
  ELSIF TG_TABLE_NAME = 'planned_operations' THEN
    -- Bars carry no plant: their plan does. A plan deleted with its bars has
    -- its own row in the log from the plans trigger.
    IF TG_OP = 'INSERT' THEN
      INSERT INTO prodplan.order_list_changes (plant_id, changed_by)
      SELECT DISTINCT p.plant_id, what FROM prodplan.plans p WHERE p.plan_id IN (SELECT x.plan_id FROM n x);
    ELSIF TG_OP = 'DELETE' THEN
      INSERT INTO prodplan.order_list_changes (plant_id, changed_by)
      SELECT DISTINCT p.plant_id, what FROM prodplan.plans p WHERE p.plan_id IN (SELECT y.plan_id FROM o y);
    ELSE
      INSERT INTO prodplan.order_list_changes (plant_id, changed_by)
      SELECT DISTINCT p.plant_id, what FROM prodplan.plans p
      WHERE p.plan_id IN (SELECT x.plan_id FROM n x UNION ALL SELECT y.plan_id FROM o y);
    END IF;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO prodplan.order_list_changes (plant_id, changed_by)
    SELECT DISTINCT x.plant_id, what FROM n x;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO prodplan.order_list_changes (plant_id, changed_by)
    SELECT DISTINCT y.plant_id, what FROM o y;
  ELSE
    INSERT INTO prodplan.order_list_changes (plant_id, changed_by)
    SELECT k.plant_id, what FROM (SELECT x.plant_id FROM n x UNION SELECT y.plant_id FROM o y) k;
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.order_list_changed() IS 'Statement trigger of prodplan.production_order, plans, planned_operations and operation: appends each plant whose rows a statement inserted, updated or deleted to prodplan.order_list_changes, so its order list documents are rebuilt at the next read; TRUNCATE appends every plant.';
REVOKE ALL ON FUNCTION prodplan.order_list_changed() FROM PUBLIC;

-- Where these fire among the tables' other statement triggers does not
-- matter: they only name the plant, and a row another trigger then updates
-- (a bar's head flag) fires the update trigger again.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['production_order', 'plans', 'planned_operations', 'operation'] LOOP
    EXECUTE format('CREATE TRIGGER order_list_changed_ins AFTER INSERT ON prodplan.%I
                      REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.order_list_changed()', t);
    EXECUTE format('CREATE TRIGGER order_list_changed_upd AFTER UPDATE ON prodplan.%I
                      REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.order_list_changed()', t);
    EXECUTE format('CREATE TRIGGER order_list_changed_del AFTER DELETE ON prodplan.%I
                      REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION prodplan.order_list_changed()', t);
    EXECUTE format('CREATE TRIGGER order_list_changed_truncate AFTER TRUNCATE ON prodplan.%I
                      FOR EACH STATEMENT EXECUTE FUNCTION prodplan.order_list_changed()', t);
    EXECUTE format('COMMENT ON TRIGGER order_list_changed_ins ON prodplan.%I IS %L', t,
                   'Marks the order lists of the plants a statement inserted rows of as changed (prodplan.order_list_changed).');
    EXECUTE format('COMMENT ON TRIGGER order_list_changed_upd ON prodplan.%I IS %L', t,
                   'Marks the order lists of the plants a statement updated rows of as changed (prodplan.order_list_changed).');
    EXECUTE format('COMMENT ON TRIGGER order_list_changed_del ON prodplan.%I IS %L', t,
                   'Marks the order lists of the plants a statement deleted rows of as changed (prodplan.order_list_changed).');
    EXECUTE format('COMMENT ON TRIGGER order_list_changed_truncate ON prodplan.%I IS %L', t,
                   'Marks every plant''s order lists as changed when the table is truncated (prodplan.order_list_changed).');
  END LOOP;
END
$$;

-- SECURITY DEFINER: any reader rebuilds a stale list, and no role writes
-- the documents or the log; the list is computed as the owner, so the
-- function checks the caller's plants itself (row-level security by plant
-- would otherwise be bypassed), as prodplan.kpis does.
--
-- plpgsql keeps each statement's plan for the session, so a served call
-- plans nothing; each statement takes its own snapshot (VOLATILE), which
-- the protocol needs: the rebuild computes after its lock and deletions.
CREATE FUNCTION prodplan.order_list_document(plant_id text, created_since timestamptz)
RETURNS json
LANGUAGE plpgsql VOLATILE STRICT
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  plant constant text := order_list_document.plant_id;
  since constant timestamptz := order_list_document.created_since;
  vis text[] := prodplan.visible_plants(prodplan.calling_role());
  computed json;
  n integer;
  due timestamptz;
BEGIN
  IF vis IS NOT NULL AND NOT plant = ANY (vis) THEN
    RETURN NULL;
  END IF;
  -- Served: one statement, so the document and the change log are read in
  -- the same snapshot. The same statement again after the lock below.
  SELECT d.orders, d.order_count INTO computed, n
  FROM prodplan.order_list_documents d
  WHERE d.plant_id = plant AND d.created_since = since
    AND d.as_of <= now() AND (d.valid_until IS NULL OR now() <= d.valid_until)
    AND NOT EXISTS (SELECT 1 FROM prodplan.order_list_changes c WHERE c.plant_id = plant);
  IF computed IS NULL THEN
    IF NOT EXISTS (SELECT 1 FROM prodplan.plant p WHERE p.plant_id = plant) THEN
      RETURN NULL;
    END IF;
    -- A transaction that may not write (a standby, a BI tool's read-only
    -- session) or whose snapshot is fixed (repeatable read: it could store a
    -- list older than one it replaced) gets the list computed, not stored.
    IF pg_catalog.current_setting('transaction_read_only') = 'on'
       OR pg_catalog.current_setting('transaction_isolation') <> 'read committed' THEN
      computed := prodplan.order_list_json(plant, since);
      n := json_array_length(computed);
    ELSE
      PERFORM prodplan.order_list_lock(plant);
      -- Another reader may have rebuilt it while this one waited.
      SELECT d.orders, d.order_count INTO computed, n
      FROM prodplan.order_list_documents d
      WHERE d.plant_id = plant AND d.created_since = since
        AND d.as_of <= now() AND (d.valid_until IS NULL OR now() <= d.valid_until)
        AND NOT EXISTS (SELECT 1 FROM prodplan.order_list_changes c WHERE c.plant_id = plant);
      IF computed IS NULL THEN
        DELETE FROM prodplan.order_list_changes c WHERE c.plant_id = plant;
        -- A change drops every list of the plant; a plant keeps at most the
        -- eight lists read last (a created_since a day is one a day).
        IF FOUND THEN
          DELETE FROM prodplan.order_list_documents d WHERE d.plant_id = plant;
        ELSE
          DELETE FROM prodplan.order_list_documents d
          WHERE d.plant_id = plant
            AND (d.created_since = since
                 OR d.created_since NOT IN (SELECT e.created_since FROM prodplan.order_list_documents e
                                            WHERE e.plant_id = plant ORDER BY e.built_at DESC LIMIT 7));
        END IF;
        computed := prodplan.order_list_json(plant, since);
        n := json_array_length(computed);
        SELECT min(o.due_at) INTO due
        FROM prodplan.production_order o
        WHERE o.plant_id = plant AND o.finished_at IS NULL AND o.due_at >= now();
        INSERT INTO prodplan.order_list_documents (plant_id, created_since, order_count, orders, as_of, valid_until)
        VALUES (plant, since, n, computed, now(), due);
      END IF;
    END IF;
  END IF;
  RETURN json_build_object('plant_id', plant, 'created_since', prodplan.gantt_document_time(since),
                           'as_of', prodplan.gantt_document_time(now()), 'order_count', n,
                           'columns', prodplan.order_list_columns(), 'orders', computed);
END
$fn$;
COMMENT ON FUNCTION prodplan.order_list_document(text, timestamptz) IS 'A plant''s order list as one JSON document, for a screen that shows it: {"plant_id", "created_since", "as_of", "order_count", "columns": [the names of an order''s values], "orders": [[values], ...]}: every open order and every order created at or after created_since, by due date then order, with the values of prodplan.order_status (status, planned end, slack, next operation) as of now; times in UTC (ISO 8601). Kept until the plant''s orders, plans, bars or operations change or an order turns late (prodplan.order_list_documents), so a read copies it instead of computing every status: pass a created_since that stays the same between calls (current_date - 90, not now() - interval ''90 days''). NULL when the plant does not exist or the caller does not see it.';
REVOKE ALL ON FUNCTION prodplan.order_list_document(text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.order_list_document(text, timestamptz) TO prodplan_reader;

-- Keeps the change log short when nobody reads the lists: a plant with
-- changes loses its documents (they are stale already) and its log, as a
-- rebuild would drop them. A plant whose lock is held (being rebuilt) is
-- left for the next run. SECURITY DEFINER: the job runs as its owner, and
-- admins may call it.
CREATE FUNCTION prodplan.expire_order_list_documents()
RETURNS integer
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  p text;
  expired integer := 0;
BEGIN
  FOR p IN SELECT DISTINCT c.plant_id FROM prodplan.order_list_changes c ORDER BY 1 LOOP
    IF prodplan.order_list_lock(p, false) THEN
      DELETE FROM prodplan.order_list_changes c WHERE c.plant_id = p;
      DELETE FROM prodplan.order_list_documents d WHERE d.plant_id = p;
      expired := expired + 1;
    END IF;
  END LOOP;
  RETURN expired;
END
$fn$;
COMMENT ON FUNCTION prodplan.expire_order_list_documents() IS 'Drops the order list documents and the change log of every plant whose lists changed since they were built (they would be rebuilt at the next read anyway), so the log stays short when nobody reads the lists; skips a plant being rebuilt. Returns how many plants it expired. Run every minute by the built-in job prodplan.order list expiry; for prodplan_admin.';
REVOKE ALL ON FUNCTION prodplan.expire_order_list_documents() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.expire_order_list_documents() TO prodplan_admin;

INSERT INTO prodplan.jobs (name, schedule, command, is_builtin)
VALUES ('prodplan.order list expiry', '* * * * *', 'SELECT prodplan.expire_order_list_documents()', true);

-- Row-level security by plant: the two tables have plant_id, so
-- set_plant_security gives them its policy like every plant table (no role
-- reads them but through order_list_document, which checks the caller's
-- plants itself; the policy keeps that true should a grant be added).
DO $$
BEGIN
  IF prodplan.plant_security_enabled() THEN
    PERFORM prodplan.set_plant_security(true);
  END IF;
END
$$;

-- content_checksum leaves out the derived order lists and their log.
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
      -- So is each order's progress, kept from its operations.
      AND c.relname NOT IN ('order_progress', 'order_progress_pending')
      -- And the order lists kept for reading, with their change log.
      AND c.relname NOT IN ('order_list_documents', 'order_list_changes')
      -- Measurements of the data's quality are about the data, not part of it.
      AND c.relname <> 'data_quality_results'
      -- Trained models are derived from the data; their deployments record what was done.
      AND c.relname NOT IN ('models', 'model_deployments')
      -- Who may see the plant (row-level security by plant) is configuration.
      AND c.relname <> 'plant_access'
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
  'Row count and an md5 over the sorted text of every row, per canonical table (optionally of one plant): two databases with equal results hold the same data. Used to reconcile loads and to test determinism. Leaves out what is derived or records what was done: ingestion runs, plans and their slots, aggregates, each order''s progress (prodplan.order_progress), the order list documents and their change log, KPI snapshots, data-quality results, trained models and their deployments, and who may see the plant (prodplan.plant_access).';

-- ---------------------------------------------------------------------------
-- The Gantt document's builder writes its five times a bar by the same
-- expression as order_list_json, instead of calling gantt_document_time:
-- the same text (pg_regress plan_document compares them), built in 16 ms
-- instead of 36 for load_demo(1)'s 1,050 bars, which every write of a plan's
-- bars (plan, what-if, move_operation) pays in its statement trigger.
CREATE OR REPLACE FUNCTION prodplan.gantt_bars_json(plan_id bigint)
RETURNS json
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
AS $fn$
  SELECT coalesce(json_agg(json_build_array(
           po.order_id, po.product_id, po.product_name, po.family, po.operation, po.operation_id, po.work_center_id,
           po.work_center_name, po.unit, po.resource,
           replace(to_char(po.setup_start_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z'),
           replace(to_char(po.start_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z'),
           replace(to_char(po.end_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z'),
           po.span_hours, po.setup_minutes, po.work_minutes, po.duration_source, po.is_fixed,
           replace(to_char(po.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z'),
           replace(to_char(po.order_end_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '.000000Z', 'Z'),
           po.order_late)
         ORDER BY po.work_center_id, po.unit, po.start_at, po.order_id, po.operation), '[]'::json)
  FROM prodplan.planned_operations po
  WHERE po.plan_id = gantt_bars_json.plan_id
$fn$;
