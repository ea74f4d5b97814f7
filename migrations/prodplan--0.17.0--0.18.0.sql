-- prodplan 0.17.0 -> 0.18.0 (issue 11): a plan's Gantt as one JSON document,
-- kept with the plan, for the screens that draw it.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.18.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Why a document. tests/bench/bench_load.sh found the full Gantt (load_demo(1):
-- 1,050 bars x 24 columns) could not be read 10x below the reference
-- system's 250 ms at 32 closed-loop clients on the 2-core machine, whatever
-- prodplan did: the same rows read from a plain table, nothing computed,
-- took 43-64 ms at p95. The cost is per value (25,200 output calls, five
-- timestamps per bar formatted in the session's time zone, and as many
-- fields parsed by the client), not per byte. A screen that draws a Gantt
-- wants the bars as one document anyway. Built when the bars are written
-- and stored uncompressed, a read is a copy of about 300 kB: 0.39 ms a call
-- on one client against 1.7 ms for the rows (pgbench, simple protocol), and
-- 4,200 calls a second at 32 clients against 880 (make load).
--
-- The document is derived: the statement triggers below rebuild it in the
-- transaction that changes its plan's bars, so a reader sees the bars and
-- their document of the same snapshot, on a standby too. No role writes it.
CREATE TABLE prodplan.gantt_documents (
  plan_id bigint PRIMARY KEY REFERENCES prodplan.plans (plan_id) ON DELETE CASCADE,
  bar_count integer NOT NULL CHECK (bar_count >= 0),
  bars json NOT NULL,
  built_at timestamptz NOT NULL DEFAULT now()
) WITH (vacuum_truncate = false, toast.vacuum_truncate = false);
-- Uncompressed: a read then copies the document out of TOAST instead of
-- decompressing it (pglz on every read of a 290 kB value).
ALTER TABLE prodplan.gantt_documents ALTER COLUMN bars SET STORAGE EXTERNAL;
COMMENT ON TABLE prodplan.gantt_documents IS 'Each plan''s Gantt bars as one JSON array (prodplan.gantt_document returns it with its plan), rebuilt by statement triggers in the transaction that inserts, updates or deletes the plan''s rows of prodplan.planned_operations. Derived: no role writes it.';
COMMENT ON COLUMN prodplan.gantt_documents.plan_id IS 'The plan (prodplan.plans).';
COMMENT ON COLUMN prodplan.gantt_documents.bar_count IS 'How many bars the document holds: the plan''s rows in prodplan.planned_operations.';
COMMENT ON COLUMN prodplan.gantt_documents.bars IS 'The plan''s bars in chart order (work center, unit, start, order, operation), each an array of the values named by prodplan.gantt_document_columns(), the columns of prodplan.gantt without the plan''s own; times in UTC, ISO 8601 (2026-12-01T06:00:00Z; fractions of a second when there are any).';
COMMENT ON COLUMN prodplan.gantt_documents.built_at IS 'When the transaction that last rebuilt the document started.';
GRANT SELECT ON prodplan.gantt_documents TO prodplan_reader;

CREATE FUNCTION prodplan.gantt_document_columns()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT ARRAY['order_id', 'product_id', 'product_name', 'family', 'operation', 'operation_id', 'work_center_id',
               'work_center_name', 'unit', 'resource', 'setup_start_at', 'start_at', 'end_at', 'span_hours',
               'setup_minutes', 'work_minutes', 'duration_source', 'is_fixed', 'due_at', 'order_end_at',
               'order_late']
$fn$;
COMMENT ON FUNCTION prodplan.gantt_document_columns() IS 'The names of the values of each bar in a Gantt document (prodplan.gantt_documents.bars), in order: the columns of prodplan.gantt without plan_id, plant_id and plan_status, which the document carries once.';
REVOKE ALL ON FUNCTION prodplan.gantt_document_columns() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.gantt_document_columns() TO prodplan_reader;

-- A time as the document writes it: UTC whatever the session's TimeZone,
-- so a document does not depend on who rebuilt it.
CREATE FUNCTION prodplan.gantt_document_time(t timestamptz)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT CASE WHEN date_trunc('second', t AT TIME ZONE 'UTC') = t AT TIME ZONE 'UTC'
              THEN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
              ELSE to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END
$fn$;
COMMENT ON FUNCTION prodplan.gantt_document_time(timestamptz) IS 'A time as a Gantt document writes it: UTC, ISO 8601, whole seconds unless it has a fraction (2026-12-01T06:00:00Z, 2026-12-01T06:00:00.250000Z).';
REVOKE ALL ON FUNCTION prodplan.gantt_document_time(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.gantt_document_time(timestamptz) TO prodplan_reader;

-- The one place the bars' document is computed: the triggers store it, and
-- gantt_document falls back to it for a plan without a stored one. Float
-- digits are pinned: with a session's extra_float_digits = 0 the same bars
-- would read back rounded to 15 digits.
CREATE FUNCTION prodplan.gantt_bars_json(plan_id bigint)
RETURNS json
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
AS $fn$
  SELECT coalesce(json_agg(json_build_array(
           po.order_id, po.product_id, po.product_name, po.family, po.operation, po.operation_id, po.work_center_id,
           po.work_center_name, po.unit, po.resource, prodplan.gantt_document_time(po.setup_start_at),
           prodplan.gantt_document_time(po.start_at), prodplan.gantt_document_time(po.end_at), po.span_hours,
           po.setup_minutes, po.work_minutes, po.duration_source, po.is_fixed, prodplan.gantt_document_time(po.due_at),
           prodplan.gantt_document_time(po.order_end_at), po.order_late)
         ORDER BY po.work_center_id, po.unit, po.start_at, po.order_id, po.operation), '[]'::json)
  FROM prodplan.planned_operations po
  WHERE po.plan_id = gantt_bars_json.plan_id
$fn$;
COMMENT ON FUNCTION prodplan.gantt_bars_json(bigint) IS 'A plan''s bars as a Gantt document stores them (prodplan.gantt_documents.bars), computed from prodplan.planned_operations now: a JSON array in chart order, each bar an array of the values prodplan.gantt_document_columns() names. [] for a plan without bars.';
REVOKE ALL ON FUNCTION prodplan.gantt_bars_json(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.gantt_bars_json(bigint) TO prodplan_reader;

-- SECURITY DEFINER like order_progress_changed: whoever may write a plan's
-- bars rebuilds its document, which no role writes directly. The writer can
-- only touch plans it sees (row-level security checks the bars it writes),
-- and a document holds its own plan's bars only.
--
-- Named to fire after planned_operations_order_end_* (statement triggers of
-- one event fire in name order): those fill the bars' planned ends, heads
-- and names first. When they change a row, their UPDATE fires this trigger
-- too, so a hand-written statement may build its plan's document twice; the
-- extension's own writes carry those columns, the UPDATE changes no row, and
-- the document is built once.
CREATE FUNCTION prodplan.planned_operations_document_changed()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  touched bigint[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM prodplan.gantt_documents;
    RETURN NULL;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT x.plan_id) INTO touched FROM n x;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT x.plan_id) INTO touched FROM o x;
  ELSE
    SELECT array_agg(k.plan_id) INTO touched FROM (SELECT x.plan_id FROM o x UNION SELECT y.plan_id FROM n y) k;
  END IF;
  IF touched IS NULL THEN
    RETURN NULL;
  END IF;
  -- One rebuild of a plan's document at a time, each from the bars as the
  -- transactions before it committed them. Without the lock, two
  -- transactions changing different bars of one plan would each build from
  -- a snapshot without the other's, and the second's upsert, waiting for the
  -- first's, would store a document missing the first's change. The lock is
  -- the plan's row (NO KEY UPDATE: the key share of a bar's foreign key check
  -- is not blocked), held until commit; in READ COMMITTED the statements
  -- below take their snapshot after it is granted. Taken in plan order, so
  -- two statements touching the same plans do not deadlock here.
  PERFORM 1 FROM prodplan.plans p WHERE p.plan_id = ANY (touched) ORDER BY p.plan_id FOR NO KEY UPDATE;
  -- A plan left without bars (move_operation deletes before it writes them
  -- again; a plan being deleted) loses its document instead of getting an
  -- empty one built: gantt_document says [] for it all the same.
  DELETE FROM prodplan.gantt_documents d
  WHERE d.plan_id = ANY (touched)
    AND NOT EXISTS (SELECT 1 FROM prodplan.planned_operations q WHERE q.plan_id = d.plan_id);
  INSERT INTO prodplan.gantt_documents AS d (plan_id, bar_count, bars, built_at)
  SELECT p.plan_id, b.bar_count, prodplan.gantt_bars_json(p.plan_id), now()
  FROM prodplan.plans p
  CROSS JOIN LATERAL (SELECT count(*)::integer AS bar_count FROM prodplan.planned_operations q
                      WHERE q.plan_id = p.plan_id) b
  WHERE p.plan_id = ANY (touched) AND b.bar_count > 0
  ON CONFLICT (plan_id) DO UPDATE SET bar_count = excluded.bar_count, bars = excluded.bars, built_at = excluded.built_at;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.planned_operations_document_changed() IS 'Statement trigger of prodplan.planned_operations: rebuilds the Gantt document (prodplan.gantt_documents) of each plan a statement inserted, updated or deleted rows of, and drops it when the plan has no bars left; TRUNCATE drops every document.';
REVOKE ALL ON FUNCTION prodplan.planned_operations_document_changed() FROM PUBLIC;

CREATE TRIGGER planned_operations_rebuild_document_ins AFTER INSERT ON prodplan.planned_operations
  REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.planned_operations_document_changed();
CREATE TRIGGER planned_operations_rebuild_document_upd AFTER UPDATE ON prodplan.planned_operations
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.planned_operations_document_changed();
CREATE TRIGGER planned_operations_rebuild_document_del AFTER DELETE ON prodplan.planned_operations
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION prodplan.planned_operations_document_changed();
CREATE TRIGGER planned_operations_rebuild_document_truncate AFTER TRUNCATE ON prodplan.planned_operations
  FOR EACH STATEMENT EXECUTE FUNCTION prodplan.planned_operations_document_changed();
COMMENT ON TRIGGER planned_operations_rebuild_document_ins ON prodplan.planned_operations IS 'Rebuilds the Gantt document of each plan a statement inserted bars of (prodplan.planned_operations_document_changed).';
COMMENT ON TRIGGER planned_operations_rebuild_document_upd ON prodplan.planned_operations IS 'Rebuilds the Gantt document of each plan a statement updated bars of, before and after the update (prodplan.planned_operations_document_changed).';
COMMENT ON TRIGGER planned_operations_rebuild_document_del ON prodplan.planned_operations IS 'Rebuilds the Gantt document of each plan a statement deleted bars of, or drops it when none are left (prodplan.planned_operations_document_changed).';
COMMENT ON TRIGGER planned_operations_rebuild_document_truncate ON prodplan.planned_operations IS 'Drops every Gantt document when the bars are truncated (prodplan.planned_operations_document_changed).';

-- Plans made before 0.18.0.
INSERT INTO prodplan.gantt_documents (plan_id, bar_count, bars, built_at)
SELECT p.plan_id, b.bar_count, prodplan.gantt_bars_json(p.plan_id), now()
FROM prodplan.plans p
CROSS JOIN LATERAL (SELECT count(*)::integer AS bar_count FROM prodplan.planned_operations q
                    WHERE q.plan_id = p.plan_id) b
WHERE b.bar_count > 0;

-- plpgsql: the two statements' plans are kept for the session, so a call
-- plans nothing. The document is copied once into the result, never
-- parsed: json_build_object appends a json value's text as it is.
CREATE FUNCTION prodplan.gantt_document(plan_id bigint)
RETURNS json
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  doc json;
  computed json;
BEGIN
  SELECT json_build_object('plan_id', p.plan_id, 'plant_id', p.plant_id, 'plan_status', p.status,
                           'plan_start', prodplan.gantt_document_time(p.plan_start),
                           'bar_count', d.bar_count, 'columns', prodplan.gantt_document_columns(),
                           'bars', d.bars)
  INTO doc
  FROM prodplan.plans p
  JOIN prodplan.gantt_documents d ON d.plan_id = p.plan_id
  WHERE p.plan_id = gantt_document.plan_id;
  IF doc IS NOT NULL THEN
    RETURN doc;
  END IF;
  -- No stored document: the plan has no bars, or they were written with the
  -- triggers off (session_replication_role = replica, as logical
  -- replication applies them). Computed, then, from the bars as they are.
  computed := prodplan.gantt_bars_json(gantt_document.plan_id);
  SELECT json_build_object('plan_id', p.plan_id, 'plant_id', p.plant_id, 'plan_status', p.status,
                           'plan_start', prodplan.gantt_document_time(p.plan_start),
                           'bar_count', json_array_length(computed), 'columns', prodplan.gantt_document_columns(),
                           'bars', computed)
  INTO doc
  FROM prodplan.plans p
  WHERE p.plan_id = gantt_document.plan_id;
  RETURN doc;
END
$fn$;
COMMENT ON FUNCTION prodplan.gantt_document(bigint) IS 'A plan''s Gantt as one JSON document, for a screen that draws it: {"plan_id", "plant_id", "plan_status", "plan_start", "bar_count", "columns": [the names of a bar''s values], "bars": [[values], ...]}, bars in chart order (work center, unit, start), the same bars and values as prodplan.gantt, times in UTC (ISO 8601). Kept with the plan (prodplan.gantt_documents), so a read copies it instead of formatting every value: about 5x faster than selecting the bars from prodplan.gantt. NULL when the plan does not exist or the caller does not see it. The current plan of a plant: prodplan.gantt_document(prodplan.current_plan(plant)).';
REVOKE ALL ON FUNCTION prodplan.gantt_document(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.gantt_document(bigint) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Row-level security by plant covers the documents like the bars: a role
-- reads the documents of the plans it sees. As 0.12.0's, with the new table
-- among those keyed by a plan; an installation with the security on gets the
-- policy now (set_plant_security is idempotent).
CREATE OR REPLACE FUNCTION prodplan.set_plant_security(enabled boolean)
RETURNS TABLE (object_name text, change text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  t record;
  mine constant text := '(SELECT prodplan.visible_plants()) IS NULL OR plant_id = ANY ((SELECT prodplan.visible_plants())::text[])';
BEGIN
  IF enabled IS NULL THEN
    RAISE EXCEPTION 'prodplan.set_plant_security: enabled must be true or false' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- One change at a time, and none while the tables are read: ALTER TABLE
  -- takes their ACCESS EXCLUSIVE locks in this transaction.
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('prodplan.set_plant_security'));
  -- Tables with plant_id (partitions too), then tables keyed by a parent.
  FOR t IN
    SELECT c.oid::regclass::text AS name, c.relispartition AS part, NULL::text AS parent_sql
    FROM pg_catalog.pg_class c
    WHERE c.relnamespace = 'prodplan'::regnamespace AND c.relkind IN ('r', 'p')
      AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'plant_id' AND NOT a.attisdropped)
      AND c.oid <> 'prodplan.plant_access'::regclass
    UNION ALL
    SELECT x.name, false, x.parent_sql FROM (VALUES
      ('prodplan.planned_operations', 'plan_id IN (SELECT p.plan_id FROM prodplan.plans p)'),
      ('prodplan.gantt_documents', 'plan_id IN (SELECT p.plan_id FROM prodplan.plans p)'),
      ('prodplan.plan_orders', 'plan_id IN (SELECT p.plan_id FROM prodplan.plans p)'),
      ('prodplan.plan_problems', 'plan_id IN (SELECT p.plan_id FROM prodplan.plans p)'),
      ('prodplan.plan_history', 'plan_id IN (SELECT p.plan_id FROM prodplan.plans p)'),
      ('prodplan.plan_standard_times', 'plan_id IN (SELECT p.plan_id FROM prodplan.plans p)'),
      ('prodplan.simulations', 'plan_id IN (SELECT p.plan_id FROM prodplan.plans p)'),
      ('prodplan.simulation_orders', 'simulation_id IN (SELECT s.simulation_id FROM prodplan.simulations s)'),
      ('prodplan.ingest_quarantine', 'run_id IN (SELECT r.run_id FROM prodplan.ingest_runs r)'),
      ('prodplan.model_terms', 'model_id IN (SELECT m.model_id FROM prodplan.models m)'),
      ('prodplan.model_rates', 'model_id IN (SELECT m.model_id FROM prodplan.models m)'),
      ('prodplan.model_trees', 'model_id IN (SELECT m.model_id FROM prodplan.models m)')) x(name, parent_sql)
    ORDER BY 1
  LOOP
    EXECUTE format('DROP POLICY IF EXISTS plant_access ON %s', t.name);
    IF enabled THEN
      EXECUTE format('CREATE POLICY plant_access ON %s FOR ALL USING (%s) WITH CHECK (%s)', t.name,
                     coalesce(t.parent_sql, mine), coalesce(t.parent_sql, mine));
      EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t.name);
    ELSE
      EXECUTE format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', t.name);
    END IF;
    IF NOT t.part THEN
      object_name := t.name;
      change := CASE WHEN enabled THEN 'policy plant_access (' || CASE WHEN t.parent_sql IS NULL THEN 'plant_id' ELSE 'parent' END || ')'
                     ELSE 'row-level security off' END;
      RETURN NEXT;
    END IF;
  END LOOP;
  FOR t IN
    SELECT c.oid::regclass::text AS name FROM pg_catalog.pg_class c
    WHERE c.relnamespace = 'prodplan'::regnamespace AND c.relkind = 'v' ORDER BY 1
  LOOP
    EXECUTE format('ALTER VIEW %s SET (security_invoker = %s)', t.name, enabled);
    object_name := t.name;
    change := 'security_invoker = ' || enabled;
    RETURN NEXT;
  END LOOP;
END
$fn$;

DO $$
BEGIN
  IF prodplan.plant_security_enabled() THEN
    PERFORM prodplan.set_plant_security(true);
  END IF;
END
$$;

-- ---------------------------------------------------------------------------
-- pg_dump keeps the factory. An extension's tables are members of it:
-- pg_dump writes CREATE EXTENSION and none of their rows unless the table
-- is marked with pg_extension_config_dump. Until 0.18.0 only the aliases
-- and the jobs were, so a logical backup of a planning database held the
-- monthly partitions of the fact tables (not members) and nothing else: no
-- order, product, work center, calendar, plan, model or run. Found by
-- tests/integration/test_dump_restore.sh.
--
-- Marked: every table holding what was loaded, planned, simulated, trained,
-- recorded or configured, and the sequences that number its rows (so a
-- restored database goes on numbering after them). Not marked, and why:
--   * rows CREATE EXTENSION installs itself (partitioned_table,
--     aggregate_watermark, data_version, bi_dim_date): a restore's CREATE
--     EXTENSION writes them, and copying the dumped ones too would collide;
--   * what is derived and rebuilt (the aggregates, their invalidation log and
--     pending visits, the result cache, the Gantt documents, the slot axes):
--     triggers fired by the restore's own COPY write some of them, which a
--     dumped copy would collide with; prodplan.after_restore() rebuilds the
--     rest.
-- order_progress and its pending list are marked: they are consistent with
-- the operations in the dump's snapshot, and nothing writes them while a
-- restore copies the operations straight into their partitions.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'plant', 'product', 'work_center', 'production_order', 'routing_step', 'bom_line', 'gelcoat_bom',
    'employee', 'employee_skill', 'operation_assignment', 'calendar', 'calendar_shift', 'calendar_exception',
    'characteristic', 'material', 'stock_balance', 'open_supply', 'alternative_work_center', 'setup_matrix',
    'operation_default', 'defect_default', 'measurement_default', 'resource_event_default', 'stock_movement_default',
    'order_progress', 'order_progress_pending',
    'plans', 'planned_operations', 'plan_orders', 'plan_problems', 'plan_history', 'plan_standard_times',
    'released_slots', 'simulations', 'simulation_orders',
    'models', 'model_terms', 'model_rates', 'model_trees', 'model_deployments',
    'ingest_runs', 'ingest_quarantine', 'data_quality_results', 'job_runs', 'kpi_snapshots', 'plant_access',
    'plans_plan_id_seq', 'simulations_simulation_id_seq', 'models_model_id_seq',
    'model_deployments_deployment_id_seq', 'ingest_run_id_seq', 'job_runs_run_id_seq', 'data_quality_run_seq']
  LOOP
    PERFORM pg_catalog.pg_extension_config_dump(('prodplan.' || t)::regclass, '');
  END LOOP;
END
$$;

-- A scenario references its base plan in the same table. pg_dump copies a
-- table's rows in their physical order, and a base plan updated after its
-- scenarios were made (released, say) lies after them: checked row by row,
-- the restore's COPY of plans would fail on the scenario. Checked at the end
-- of the copying transaction instead; the cascade on delete is not deferred
-- (PostgreSQL never defers referential actions).
ALTER TABLE prodplan.plans ALTER CONSTRAINT plans_base_plan_id_fkey DEFERRABLE INITIALLY DEFERRED;

-- What a restore from pg_dump leaves to do. Plans and stored scenarios
-- carry the data version they were made at; the restored counter starts
-- again from CREATE EXTENSION's, so it is moved past every stored one
-- (otherwise a later version could equal a stored scenario's, and whatif
-- would return that scenario for different data).
CREATE FUNCTION prodplan.after_restore()
RETURNS TABLE (step text, detail text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v bigint;
  n bigint;
BEGIN
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('prodplan.after_restore'));
  UPDATE prodplan.data_version d
  SET version = greatest(d.version, coalesce((SELECT max(p.data_version) FROM prodplan.plans p), 0)) + 1,
      changed_at = now(), changed_by = 'after_restore'
  RETURNING d.version INTO v;
  step := 'data version'; detail := v::text; RETURN NEXT;

  -- Every order with operations is recounted (the dumped counts are right
  -- when the dump was whole; a partial or older restore is not assumed).
  INSERT INTO prodplan.order_progress_pending (plant_id, order_id)
  SELECT DISTINCT o.plant_id, o.order_id FROM prodplan.operation o;
  SELECT prodplan.apply_order_progress(true) INTO n;
  step := 'order progress'; detail := coalesce(n, 0) || ' orders recounted'; RETURN NEXT;

  -- Aggregates: CREATE EXTENSION left their watermarks unset, so this
  -- computes each in full.
  SELECT count(*) INTO n FROM prodplan.refresh_aggregates();
  step := 'aggregates'; detail := n || ' aggregates refreshed'; RETURN NEXT;

  -- Gantt documents: the restore's COPY of the bars fired their trigger, but
  -- rebuilt here whatever the order the tables were copied in.
  DELETE FROM prodplan.gantt_documents;
  INSERT INTO prodplan.gantt_documents (plan_id, bar_count, bars, built_at)
  SELECT p.plan_id, b.bar_count, prodplan.gantt_bars_json(p.plan_id), now()
  FROM prodplan.plans p
  CROSS JOIN LATERAL (SELECT count(*)::integer AS bar_count FROM prodplan.planned_operations q
                      WHERE q.plan_id = p.plan_id) b
  WHERE b.bar_count > 0;
  GET DIAGNOSTICS n = ROW_COUNT;
  step := 'gantt documents'; detail := n || ' plans'; RETURN NEXT;

  -- Row-level security by plant: pg_dump writes the policies of the monthly
  -- partitions (not the extension's tables) but neither those of the
  -- extension's own tables nor the options of its views. A policy
  -- plant_access on any prodplan table means the security was on.
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
             WHERE c.relnamespace = 'prodplan'::regnamespace AND p.polname = 'plant_access') THEN
    SELECT count(*) INTO n FROM prodplan.set_plant_security(true);
    step := 'plant security'; detail := 'on again: every plant table has its policy, every view reads as its caller';
    RETURN NEXT;
  END IF;
END
$fn$;
COMMENT ON FUNCTION prodplan.after_restore() IS 'Run once after restoring a pg_dump of a prodplan database (pg_dump keeps every loaded, planned, trained and recorded row since 0.18.0): moves the data version past every stored plan''s, recounts every order''s progress, computes the aggregates in full, rebuilds the Gantt documents and, when row-level security by plant was on, turns it on again (pg_dump keeps only the monthly partitions'' policies). Returns what it did. Safe to run again. For prodplan_admin.';
REVOKE ALL ON FUNCTION prodplan.after_restore() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.after_restore() TO prodplan_admin;
