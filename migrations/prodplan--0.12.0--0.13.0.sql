-- prodplan 0.12.0 -> 0.13.0 (issue 11): the read paths of tests/bench/
-- bench_load.sh made cheaper. The order list, order detail and risk queue
-- no longer probe every monthly partition of the operations (a per-order
-- progress table kept by triggers); the Gantt no longer hashes every order;
-- the risk queue and defect rates keep their plans between calls. A direct
-- ingestion call killed mid-run leaves its run row, marked failed.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.13.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Per-order progress of the operations. Found by tests/bench/bench_load.sh:
-- order_status asked "has an operation of this order started?" of
-- prodplan.operation, and risk_queue "which routing step did it finish
-- last?". Operations are partitioned by month (62 partitions in
-- load_demo(1)) and an order's operations span months, so each question was
-- one index probe per partition, and planning a query that holds it cost
-- 10-50 ms a call (an order list: 50 ms planning, 15 ms execution). One row
-- per order answers both by key.
--
-- The protocol (why writers never lock a progress row):
--   * Statement triggers on prodplan.operation only append the keys of the
--     orders a statement changed to prodplan.order_progress_pending: an
--     insert-only table without a unique key, so writers never wait for one
--     another there. (A first version kept order_progress itself in the
--     writing transaction: writers adding operations to the same orders in
--     multi-statement transactions locked its rows in different orders and
--     deadlocked, test_aggregates_concurrent.)
--   * prodplan.apply_order_progress() takes the pending keys out (one
--     statement), then recounts those orders from the operations (a later
--     statement, so a later snapshot) and writes order_progress. A change
--     the recount does not see was not visible when the keys were taken
--     either (its key and its operations commit together), so its key is
--     still pending: nothing is lost. A key taken twice is recounted twice,
--     which is idempotent. Appliers exclude one another with a transaction
--     advisory lock; only they and TRUNCATE write order_progress.
--   * Readers (order_status, risk_queue) take an order's row from
--     order_progress unless its key is pending, and then count it live
--     (prodplan.order_progress_live): exact whatever the applier's delay.
--   * The built-in job "prodplan.order progress" applies every minute;
--     load_demo and ingest apply at their end, in their own transaction.
CREATE TABLE prodplan.order_progress (
  plant_id           text NOT NULL,
  order_id           text NOT NULL,
  operations         bigint NOT NULL CHECK (operations > 0),
  operations_done    bigint NOT NULL CHECK (operations_done BETWEEN 0 AND operations),
  first_started_at   timestamptz,
  last_ended_at      timestamptz,
  last_done_sequence integer,
  PRIMARY KEY (plant_id, order_id)
);
COMMENT ON TABLE prodplan.order_progress IS 'One row per order that has operations (prodplan.operation): how many, how many ended, when the first started and the last ended, and the last routing step finished, as of the last prodplan.apply_order_progress() (the built-in job "prodplan.order progress" runs it every minute; load_demo and ingest at their end). Orders whose operations changed since are listed in prodplan.order_progress_pending; order_status and risk_queue count those live (prodplan.order_progress_live), so they are always exact. Writes straight into a partition of prodplan.operation are not seen. Derived: not part of content_checksum.';
COMMENT ON COLUMN prodplan.order_progress.plant_id IS 'The plant (prodplan.plant).';
COMMENT ON COLUMN prodplan.order_progress.order_id IS 'The order (prodplan.production_order; operations of an order not loaded are counted too).';
COMMENT ON COLUMN prodplan.order_progress.operations IS 'Operations of the order, rework included.';
COMMENT ON COLUMN prodplan.order_progress.operations_done IS 'Operations of the order with an end time.';
COMMENT ON COLUMN prodplan.order_progress.first_started_at IS 'The earliest start of its operations; NULL when none has started (order_status says in_progress when it is set).';
COMMENT ON COLUMN prodplan.order_progress.last_ended_at IS 'The latest end of its operations; NULL when none has ended.';
COMMENT ON COLUMN prodplan.order_progress.last_done_sequence IS 'The highest routing sequence among its ended operations (risk_queue estimates the steps after it); NULL when none has ended or they carry no sequence.';
GRANT SELECT ON prodplan.order_progress TO prodplan_reader;

CREATE TABLE prodplan.order_progress_pending (
  plant_id text NOT NULL,
  order_id text NOT NULL
);
-- Not unique: a writer appends without waiting for another writer's key.
CREATE INDEX order_progress_pending_key_idx ON prodplan.order_progress_pending (plant_id, order_id);
COMMENT ON TABLE prodplan.order_progress_pending IS 'Orders whose operations changed since prodplan.order_progress last counted them, appended by the statement triggers of prodplan.operation (a key may appear several times) and taken out by prodplan.apply_order_progress(). Readers count these orders live. Derived: not part of content_checksum.';
COMMENT ON COLUMN prodplan.order_progress_pending.plant_id IS 'The plant.';
COMMENT ON COLUMN prodplan.order_progress_pending.order_id IS 'The order whose operations changed.';
GRANT SELECT ON prodplan.order_progress_pending TO prodplan_reader;

-- SECURITY DEFINER like the aggregates' triggers: whoever may write
-- operations records the change, which no role writes directly.
CREATE FUNCTION prodplan.order_progress_changed()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    -- DELETE, not TRUNCATE: readers of the progress are not blocked.
    DELETE FROM prodplan.order_progress;
    DELETE FROM prodplan.order_progress_pending;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO prodplan.order_progress_pending SELECT DISTINCT x.plant_id, x.order_id FROM n x;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO prodplan.order_progress_pending SELECT DISTINCT x.plant_id, x.order_id FROM o x;
  ELSE
    -- An order's progress depends only on the (start, end, sequence) of its
    -- operations: an update that changed none of them (a merge rewriting a
    -- row for another column) leaves it as it was.
    INSERT INTO prodplan.order_progress_pending
    SELECT DISTINCT d.plant_id, d.order_id
    FROM ((SELECT x.plant_id, x.order_id, x.started_at, x.ended_at, x.sequence FROM o x
           EXCEPT ALL SELECT y.plant_id, y.order_id, y.started_at, y.ended_at, y.sequence FROM n y)
          UNION ALL
          (SELECT y.plant_id, y.order_id, y.started_at, y.ended_at, y.sequence FROM n y
           EXCEPT ALL SELECT x.plant_id, x.order_id, x.started_at, x.ended_at, x.sequence FROM o x)) d;
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.order_progress_changed() IS 'Statement trigger of prodplan.operation: appends the orders whose operations a statement inserted, deleted or changed (start, end or sequence) to prodplan.order_progress_pending; TRUNCATE empties prodplan.order_progress and the pending list.';
REVOKE ALL ON FUNCTION prodplan.order_progress_changed() FROM PUBLIC;

CREATE TRIGGER order_progress_ins AFTER INSERT ON prodplan.operation
  REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.order_progress_changed();
CREATE TRIGGER order_progress_upd AFTER UPDATE ON prodplan.operation
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.order_progress_changed();
CREATE TRIGGER order_progress_del AFTER DELETE ON prodplan.operation
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION prodplan.order_progress_changed();
CREATE TRIGGER order_progress_truncate AFTER TRUNCATE ON prodplan.operation
  FOR EACH STATEMENT EXECUTE FUNCTION prodplan.order_progress_changed();

CREATE FUNCTION prodplan.apply_order_progress(wait boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  kp text[];
  ko text[];
BEGIN
  IF wait THEN
    PERFORM pg_advisory_xact_lock(hashtext('prodplan.apply_order_progress'));
  ELSIF NOT pg_try_advisory_xact_lock(hashtext('prodplan.apply_order_progress')) THEN
    RETURN NULL;  -- another transaction is applying; it or a later run takes these keys
  END IF;
  -- This statement takes the keys; the recount below is a later statement
  -- with a later snapshot (the protocol above says why that loses nothing).
  WITH taken AS (
    DELETE FROM prodplan.order_progress_pending RETURNING plant_id, order_id
  )
  SELECT array_agg(k.plant_id ORDER BY k.plant_id, k.order_id), array_agg(k.order_id ORDER BY k.plant_id, k.order_id)
    INTO kp, ko
  FROM (SELECT DISTINCT t.plant_id, t.order_id FROM taken t) k;
  IF kp IS NULL THEN
    RETURN 0;
  END IF;
  -- EXECUTE: planned with the key arrays as constants, so the planner knows
  -- how many orders there are (a few: index probes; a whole plant: one hash
  -- join over the operations).
  EXECUTE $q$
    WITH k AS (
      SELECT * FROM unnest($1::text[], $2::text[]) k(plant_id, order_id)
    ), fresh AS (
      SELECT op.plant_id, op.order_id, count(*) AS operations, count(op.ended_at) AS operations_done,
             min(op.started_at) AS first_started_at, max(op.ended_at) AS last_ended_at,
             max(op.sequence) FILTER (WHERE op.ended_at IS NOT NULL) AS last_done_sequence
      FROM prodplan.operation op JOIN k ON k.plant_id = op.plant_id AND k.order_id = op.order_id
      GROUP BY op.plant_id, op.order_id
    ), gone AS (
      DELETE FROM prodplan.order_progress g USING k
      WHERE g.plant_id = k.plant_id AND g.order_id = k.order_id
        AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.plant_id = k.plant_id AND f.order_id = k.order_id)
    )
    INSERT INTO prodplan.order_progress AS g
      (plant_id, order_id, operations, operations_done, first_started_at, last_ended_at, last_done_sequence)
    SELECT * FROM fresh ORDER BY plant_id, order_id
    ON CONFLICT (plant_id, order_id) DO UPDATE SET
      operations = excluded.operations, operations_done = excluded.operations_done,
      first_started_at = excluded.first_started_at, last_ended_at = excluded.last_ended_at,
      last_done_sequence = excluded.last_done_sequence
  $q$ USING kp, ko;
  RETURN cardinality(kp);
END
$fn$;
COMMENT ON FUNCTION prodplan.apply_order_progress(boolean) IS 'Brings prodplan.order_progress up to date: takes the orders listed in prodplan.order_progress_pending and recounts them from their operations. Returns how many orders it recounted, or NULL when another transaction is applying and wait is false (with wait true it waits for that transaction). Readers are exact without it (they count pending orders live); it keeps them fast. The built-in job "prodplan.order progress" runs it every minute; load_demo and ingest run it at their end. For prodplan_planner.';
REVOKE ALL ON FUNCTION prodplan.apply_order_progress(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.apply_order_progress(boolean) TO prodplan_planner;

-- An order's progress counted from its operations now. PL/pgSQL, so a
-- session plans the probe of every partition once, not on each call.
CREATE FUNCTION prodplan.order_progress_live(plant text, order_id text)
RETURNS prodplan.order_progress
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  r prodplan.order_progress;
BEGIN
  SELECT plant, order_progress_live.order_id, count(*), count(op.ended_at), min(op.started_at), max(op.ended_at),
         max(op.sequence) FILTER (WHERE op.ended_at IS NOT NULL)
    INTO r
  FROM prodplan.operation op
  WHERE op.plant_id = plant AND op.order_id = order_progress_live.order_id;
  RETURN r;
END
$fn$;
COMMENT ON FUNCTION prodplan.order_progress_live(text, text) IS 'An order''s progress (the columns of prodplan.order_progress) counted from its operations now; operations is 0 when it has none. What order_status and risk_queue read for the orders listed in prodplan.order_progress_pending.';
REVOKE ALL ON FUNCTION prodplan.order_progress_live(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.order_progress_live(text, text) TO prodplan_reader;

-- The operations already loaded: every order with operations is pending,
-- and the applier counts them (no write can slip in: CREATE TRIGGER above
-- holds a lock on prodplan.operation that writers wait for until the update
-- commits).
INSERT INTO prodplan.order_progress_pending SELECT DISTINCT op.plant_id, op.order_id FROM prodplan.operation op;
SELECT prodplan.apply_order_progress(true);

INSERT INTO prodplan.jobs (name, schedule, command, is_builtin)
VALUES ('prodplan.order progress', '* * * * *', 'SELECT prodplan.apply_order_progress()', true);

-- ---------------------------------------------------------------------------
-- A direct ingestion call killed mid-run left no run row: the row was
-- written in the killed transaction. The run row is now committed by a
-- worker as the run starts, with the run's transaction id; a row left
-- 'running' whose transaction is no longer in progress never committed, and
-- the next ingestion (or the scheduler's start after a crash) marks it failed.
ALTER TABLE prodplan.ingest_runs ADD COLUMN running_xid xid8;
COMMENT ON TABLE prodplan.ingest_runs IS 'One row per ingestion run: source, workbook sha256, profile, status (running, succeeded, failed, skipped), counts, seconds per phase (parse, stage, merge, ...), a report (unknown headers, orphans with match rates, error cells) and who ran it. The row is committed by a background worker as the run starts and again when it fails, in their own transactions, so it survives the rollback of the failed load; a run whose transaction never commits (rolled back, its server process killed, the server stopped) is marked failed by the next ingestion and when the job scheduler starts (running_xid).';
COMMENT ON COLUMN prodplan.ingest_runs.running_xid IS 'The transaction that runs it, for a run whose row was committed as it started (by a background worker, so that the row outlives a transaction that never commits). A row still running whose transaction is no longer in progress (pg_xact_status) is marked failed by the next ingestion and when the job scheduler starts. NULL for rows written in the run''s own transaction (skipped runs; REPEATABLE READ or SERIALIZABLE callers; no free background worker slot).';

-- An order looked up by its number alone (an order detail screen that does
-- not name the plant) was a full scan of the primary key's index.
CREATE INDEX production_order_order_idx ON prodplan.production_order (order_id);

-- ---------------------------------------------------------------------------
-- content_checksum leaves out the derived order_progress.
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
  'Row count and an md5 over the sorted text of every row, per canonical table (optionally of one plant): two databases with equal results hold the same data. Used to reconcile loads and to test determinism. Leaves out what is derived or records what was done: ingestion runs, plans and their slots, aggregates, each order''s progress (prodplan.order_progress), KPI snapshots, data-quality results, trained models and their deployments, and who may see the plant (prodplan.plant_access).';


-- ---------------------------------------------------------------------------
-- order_status asks order_progress whether an order has started (by key).
CREATE OR REPLACE VIEW prodplan.order_status AS
WITH current_plan AS (
  -- The released plan of each plant, else its latest plan.
  SELECT DISTINCT ON (plant_id) plant_id, plan_id, status
  FROM prodplan.plans
  WHERE status IN ('released', 'proposed')
  ORDER BY plant_id, (status = 'released') DESC, plan_id DESC
), planned AS (
  SELECT cp.plant_id, po.order_id, cp.plan_id, max(po.end_at) AS planned_end_at,
         (array_agg(po.operation ORDER BY po.start_at) FILTER (WHERE NOT po.is_fixed))[1] AS next_operation,
         (array_agg(po.work_center_id ORDER BY po.start_at) FILTER (WHERE NOT po.is_fixed))[1] AS next_work_center_id,
         min(po.start_at) FILTER (WHERE NOT po.is_fixed) AS next_start_at
  FROM current_plan cp JOIN prodplan.planned_operations po ON po.plan_id = cp.plan_id
  GROUP BY cp.plant_id, po.order_id, cp.plan_id
)
SELECT o.plant_id, o.order_id, o.product_id, o.created_at, o.due_at, o.finished_at, o.priority,
       CASE
         WHEN o.finished_at IS NOT NULL THEN 'done'
         WHEN o.due_at < now() OR p.planned_end_at > o.due_at THEN 'late'
         WHEN p.planned_end_at > o.due_at - interval '1 day' THEN 'at_risk'
         -- Asked only of the open orders that reach this branch, by key: a
         -- scalar subquery runs once per row that reaches it, where an
         -- EXISTS may be turned into a hash of every order's progress. An
         -- order whose operations changed since the progress was applied is
         -- counted live.
         WHEN CASE WHEN (SELECT true FROM prodplan.order_progress_pending q
                         WHERE q.plant_id = o.plant_id AND q.order_id = o.order_id LIMIT 1)
                   THEN (prodplan.order_progress_live(o.plant_id, o.order_id)).first_started_at
                   ELSE (SELECT g.first_started_at FROM prodplan.order_progress g
                         WHERE g.plant_id = o.plant_id AND g.order_id = o.order_id) END IS NOT NULL
           THEN 'in_progress'
         ELSE 'created'
       END AS status,
       p.planned_end_at,
       extract(epoch FROM o.due_at - coalesce(o.finished_at, p.planned_end_at)) / 3600.0 AS slack_hours,
       p.plan_id, p.next_operation, p.next_work_center_id, p.next_start_at
FROM prodplan.production_order o
LEFT JOIN planned p ON p.plant_id = o.plant_id AND p.order_id = o.order_id;
COMMENT ON VIEW prodplan.order_status IS 'Every order with its status: done (finished), late (past its due date, or planned to end after it), at_risk (planned to end less than a day before it), in_progress (an operation started), created. Planned end, slack (hours from planned or actual end to due date; negative when late) and the next operation come from the released plan of the plant, else its latest plan.';

-- ---------------------------------------------------------------------------
-- risk_queue finds the last routing step an order finished in order_progress,
-- and is PL/pgSQL: a session keeps the plan of its query (a SQL function
-- with a SET clause is planned on every call). 6 ms a call became 2.7 ms
-- on load_demo(1), same rows.
CREATE OR REPLACE FUNCTION prodplan.risk_queue(as_of timestamptz DEFAULT now())
RETURNS TABLE (plant_id text, order_id text, product_id text, due_at timestamptz, eta timestamptz, slack_hours float8,
               p_late float8, eta_source text, plan_id bigint, simulation_id bigint, reason text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
  -- use_column: the output columns are also PL/pgSQL variables; the names
  -- in this query are its tables' columns.
  RETURN QUERY
  WITH plan_of AS (
    SELECT pl.plant_id, prodplan.current_plan(pl.plant_id) AS plan_id FROM prodplan.plant pl
  ), sim_of AS (
    SELECT po.plant_id, po.plan_id,
           (SELECT s.simulation_id FROM prodplan.simulations s WHERE s.plan_id = po.plan_id
            ORDER BY s.simulation_id DESC LIMIT 1) AS simulation_id
    FROM plan_of po WHERE po.plan_id IS NOT NULL
  ), open_orders AS (
    SELECT o.plant_id, o.order_id, o.product_id, o.due_at, o.created_at
    FROM prodplan.production_order o
    WHERE o.finished_at IS NULL AND o.created_at <= risk_queue.as_of
  ), planned_ops AS (
    -- Each planned operation's wait: from when its order's previous
    -- operation ends (the plan start for the first) to its start.
    SELECT po.plan_id, po.order_id, po.operation, po.work_center_id, po.start_at, po.end_at,
           extract(epoch FROM po.start_at - coalesce(lag(po.end_at) OVER w, greatest(p.plan_start, po.setup_start_at)))::float8 / 3600 AS wait_h,
           extract(epoch FROM po.end_at - po.start_at)::float8 / 3600 AS run_h
    FROM prodplan.planned_operations po JOIN prodplan.plans p ON p.plan_id = po.plan_id
    WHERE po.plan_id IN (SELECT s.plan_id FROM sim_of s)
    WINDOW w AS (PARTITION BY po.plan_id, po.order_id ORDER BY po.operation)
  ), planned AS (
    SELECT x.plan_id, x.order_id, max(x.end_at) AS end_at,
           (array_agg(x.operation ORDER BY greatest(x.wait_h, x.run_h) DESC, x.operation))[1] AS key_op,
           (array_agg(x.work_center_id ORDER BY greatest(x.wait_h, x.run_h) DESC, x.operation))[1] AS key_wc,
           (array_agg(x.wait_h ORDER BY greatest(x.wait_h, x.run_h) DESC, x.operation))[1] AS key_wait,
           (array_agg(x.run_h ORDER BY greatest(x.wait_h, x.run_h) DESC, x.operation))[1] AS key_run
    FROM planned_ops x GROUP BY x.plan_id, x.order_id
  ), unplanned AS (
    -- The last routing step each finished: from order_progress by key, or
    -- counted live when its operations changed since it was applied.
    SELECT oo.*,
           CASE WHEN (SELECT true FROM prodplan.order_progress_pending q
                      WHERE q.plant_id = oo.plant_id AND q.order_id = oo.order_id LIMIT 1)
                THEN (prodplan.order_progress_live(oo.plant_id, oo.order_id)).last_done_sequence
                ELSE (SELECT g.last_done_sequence FROM prodplan.order_progress g
                      WHERE g.plant_id = oo.plant_id AND g.order_id = oo.order_id) END AS last_done_sequence
    FROM open_orders oo LEFT JOIN sim_of s ON s.plant_id = oo.plant_id
    WHERE NOT EXISTS (SELECT 1 FROM planned p WHERE p.plan_id = s.plan_id AND p.order_id = oo.order_id)
  ), std AS (
    SELECT pl.plant_id, st.product_id, st.work_center_id, st.minutes
    FROM (SELECT DISTINCT u.plant_id FROM unplanned u) pl,
         LATERAL prodplan.standard_times(pl.plant_id, 5,
                   (SELECT array_agg(DISTINCT u.product_id) FROM unplanned u WHERE u.plant_id = pl.plant_id)) st
  ), remaining AS (
    -- The routing steps after the last one the order finished.
    SELECT u.plant_id, u.order_id, sum(coalesce(sd.minutes, 0)) AS minutes, count(*) AS steps,
           count(*) FILTER (WHERE sd.minutes IS NULL) AS unknown,
           (array_agg(rs.work_center_id ORDER BY sd.minutes DESC NULLS LAST))[1] AS longest_wc,
           max(sd.minutes) / 60 AS longest_h
    FROM unplanned u
    JOIN prodplan.routing_step rs ON rs.plant_id = u.plant_id AND rs.product_id = u.product_id
    LEFT JOIN std sd ON sd.plant_id = u.plant_id AND sd.product_id = u.product_id AND sd.work_center_id = rs.work_center_id
    WHERE rs.sequence > coalesce(u.last_done_sequence, -1)
    GROUP BY u.plant_id, u.order_id
  ), model_eta AS (
    -- Orders the plan does not hold, in plants with a deployed lead-time
    -- model: its P50 and P90 finish from the order's creation.
    SELECT pl.plant_id, lp.order_id, lp.created_at + make_interval(secs => lp.p50_hours * 3600) AS p50_end,
           lp.created_at + make_interval(secs => lp.p90_hours * 3600) AS p90_end, lp.source
    FROM (SELECT DISTINCT u.plant_id FROM unplanned u) pl
    CROSS JOIN LATERAL prodplan.leadtime_predict(pl.plant_id,
                 (SELECT array_agg(u.order_id) FROM unplanned u WHERE u.plant_id = pl.plant_id), NULL, NULL, NULL) lp
    WHERE EXISTS (SELECT 1 FROM prodplan.models m WHERE m.plant_id = pl.plant_id AND m.kind = 'leadtime' AND m.deployed)
      AND lp.p50_hours IS NOT NULL
  ), rows AS (
    SELECT oo.plant_id, oo.order_id, oo.product_id, oo.due_at,
           CASE WHEN pd.order_id IS NOT NULL THEN greatest(pd.end_at, risk_queue.as_of)
                WHEN me.order_id IS NOT NULL THEN
                  greatest(me.p50_end, risk_queue.as_of + make_interval(secs => coalesce(r.minutes, 0) * 60))
                WHEN r.order_id IS NOT NULL THEN risk_queue.as_of + make_interval(secs => r.minutes * 60)
           END AS eta,
           CASE WHEN pd.order_id IS NOT NULL THEN 'plan'
                WHEN me.order_id IS NOT NULL THEN me.source
                WHEN r.order_id IS NOT NULL THEN 'history'
                ELSE 'none' END AS eta_source,
           me.p50_end AS model_p50, me.p90_end AS model_p90,
           s.plan_id AS plan_id_, s.simulation_id AS sim_id, so.p_on_time, so.driver_work_center, so.driver_operation,
           so.driver_hours, pd.end_at AS plan_end, pd.key_op, pd.key_wc, pd.key_wait, pd.key_run,
           r.steps, r.unknown, r.longest_wc, r.longest_h
    FROM open_orders oo
    LEFT JOIN sim_of s ON s.plant_id = oo.plant_id
    LEFT JOIN planned pd ON pd.plan_id = s.plan_id AND pd.order_id = oo.order_id
    LEFT JOIN remaining r ON r.plant_id = oo.plant_id AND r.order_id = oo.order_id AND pd.order_id IS NULL
    LEFT JOIN model_eta me ON me.plant_id = oo.plant_id AND me.order_id = oo.order_id AND pd.order_id IS NULL
    LEFT JOIN prodplan.simulation_orders so ON so.simulation_id = s.simulation_id AND so.order_id = oo.order_id
  )
  SELECT x.plant_id, x.order_id, x.product_id, x.due_at, x.eta,
         (extract(epoch FROM x.due_at - x.eta) / 3600)::float8 AS slack_hours,
         1 - x.p_on_time AS p_late, x.eta_source, x.plan_id_, x.sim_id,
         concat_ws('; ',
           CASE WHEN x.due_at < risk_queue.as_of THEN format('past due by %s h', round((extract(epoch FROM risk_queue.as_of - x.due_at) / 3600)::numeric, 1)) END,
           CASE WHEN x.plan_end < risk_queue.as_of THEN format('plan %s expected it done by %s', x.plan_id_, x.plan_end) END,
           CASE WHEN x.driver_work_center IS NOT NULL AND x.driver_hours >= 0.05 THEN
                  format('in simulation %s, operation %s on work center %s adds %s h on average', x.sim_id, x.driver_operation,
                         x.driver_work_center, round(x.driver_hours::numeric, 1))
                WHEN x.eta_source = 'plan' AND x.key_wait > x.key_run THEN
                  format('operation %s waits %s h for work center %s', x.key_op, round(x.key_wait::numeric, 1), x.key_wc)
                WHEN x.eta_source = 'plan' THEN
                  format('operation %s on work center %s takes %s h', x.key_op, x.key_wc, round(x.key_run::numeric, 1))
                WHEN x.eta_source LIKE 'model:%' THEN
                  format('not in a plan: lead-time %s expects it done by %s (P50), %s (P90)%s', replace(x.eta_source, ':', ' '),
                         to_char(x.model_p50, 'YYYY-MM-DD HH24:MI'), to_char(x.model_p90, 'YYYY-MM-DD HH24:MI'),
                         CASE WHEN x.model_p50 < risk_queue.as_of THEN ', already past its P50' ELSE '' END)
                WHEN x.eta_source = 'history' THEN
                  format('not in a plan: %s remaining operations at their historical medians%s, longest on work center %s (%s h)',
                         x.steps, CASE WHEN x.unknown > 0 THEN format(' (%s without history)', x.unknown) ELSE '' END,
                         x.longest_wc, round(coalesce(x.longest_h, 0)::numeric, 1))
                ELSE 'no plan and no remaining routing step: ETA unknown' END)
  FROM rows x
  ORDER BY (extract(epoch FROM x.due_at - x.eta) / 3600) ASC NULLS LAST, 1 - x.p_on_time DESC NULLS LAST, x.plant_id, x.order_id;
END
$fn$;
COMMENT ON FUNCTION prodplan.risk_queue(timestamptz) IS 'Every open order (not finished, created by as_of) with its ETA, due date, slack (due minus ETA, hours; negative: late), probability of being late and why, most urgent (least slack) first. ETA: the order''s completion in its plant''s current plan (prodplan.current_plan), never before as_of (eta_source plan); for orders the plan does not hold, when the plant has a deployed lead-time model (prodplan.train_leadtime), the model''s P50 finish (creation + P50 hours), never before as_of plus the remaining routing''s historical medians (eta_source model:<id>); otherwise as_of plus the historical medians (prodplan.standard_times) of the routing steps after the last one finished (eta_source history). p_late: 1 - p_on_time of the plan''s latest simulation (prodplan.simulate), NULL without one. reason: past due, a stale plan, and what drives the order: the simulation''s delay driver when there is one, else the operation with the longest wait for its work center or the longest run in the plan, else the lead-time model''s P50 and P90 finish, else the remaining routing.';

-- ---------------------------------------------------------------------------
-- The Gantt without a hash of every order. Found by bench_load.sh: the
-- schedule screen (1,050 bars) spent most of its 4.5 ms building a hash of
-- all 27,000 production orders, a fallback only plans made before 0.6.0
-- need. Same rows (EXCEPT ALL both ways on load_demo(1)): 2x faster.
CREATE OR REPLACE VIEW prodplan.gantt AS
SELECT po.plan_id, p.plant_id, p.status AS plan_status, po.order_id, x.product_id,
       pr.name AS product_name,
       pr.family, po.operation, po.operation_id, po.work_center_id, wc.name AS work_center_name, po.unit,
       coalesce(wc.name, po.work_center_id) || ' #' || po.unit AS resource,
       po.setup_start_at, po.start_at, po.end_at,
       extract(epoch FROM po.end_at - po.setup_start_at) / 3600.0 AS span_hours,
       po.setup_minutes, po.work_minutes, po.duration_source, po.is_fixed,
       x.due_at,
       max(po.end_at) OVER (PARTITION BY po.plan_id, po.order_id) AS order_end_at,
       coalesce(max(po.end_at) OVER (PARTITION BY po.plan_id, po.order_id) > x.due_at, false) AS order_late
FROM prodplan.planned_operations po
JOIN prodplan.plans p ON p.plan_id = po.plan_id
LEFT JOIN prodplan.plan_orders pod ON pod.plan_id = po.plan_id AND pod.order_id = po.order_id
-- The order's product and due date as the plan saw them; the order's
-- current row only for plans made before 0.6.0 (no plan_orders), asked per
-- bar and only then. Joining production_order hashed all of them (27,000
-- orders in load_demo(1)) to draw 1,050 bars.
CROSS JOIN LATERAL (
  SELECT coalesce(pod.product_id, (SELECT o.product_id FROM prodplan.production_order o
                                   WHERE o.plant_id = p.plant_id AND o.order_id = po.order_id)) AS product_id,
         CASE WHEN pod.plan_id IS NOT NULL THEN pod.due_at
              ELSE (SELECT o.due_at FROM prodplan.production_order o
                    WHERE o.plant_id = p.plant_id AND o.order_id = po.order_id) END AS due_at
  OFFSET 0) x
LEFT JOIN prodplan.product pr ON pr.plant_id = p.plant_id AND pr.product_id = x.product_id
LEFT JOIN prodplan.work_center wc ON wc.plant_id = p.plant_id AND wc.work_center_id = po.work_center_id;
COMMENT ON VIEW prodplan.gantt IS 'One bar per planned operation, ready for a BI tool''s Gantt chart: plan, order, product and family, operation, work center and unit (resource = "name #unit", the row of the chart), setup_start_at (the bar''s start, setup included), start_at (the work''s start) and end_at, span in hours, where the duration came from, whether it is fixed, and the order''s due date (as the plan saw it: a scenario''s changed one), planned end and lateness. Filter on plan_id (or plan_status = ''released'').';

-- ---------------------------------------------------------------------------
-- defect_rates keeps its plan when the aggregates alone serve the call.
-- Found by bench_load.sh: defect rates by work center over 90 days cost
-- 14 ms a call, 11 of them planning (force_custom_plan), at 90 calls/s.
CREATE OR REPLACE FUNCTION prodplan.defect_rates(by text DEFAULT 'overall', from_ts timestamptz DEFAULT NULL,
                                                 to_ts timestamptz DEFAULT NULL, options jsonb DEFAULT '{}')
RETURNS TABLE (plant_id text, group_key text, orders bigint, orders_with_defects bigint, defect_rate float8,
               defects bigint, mean_severity float8, level text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
-- Each call's grouping and window prune the statement to what it reads,
-- except calls served by the aggregates alone (see below).
SET plan_cache_mode = force_custom_plan
SET jit = off
AS $fn$
#variable_conflict use_column
DECLARE
  high_rate float8;
  medium_rate float8;
  high_severity float8;
  medium_severity float8;
  plant text;
  rp record;
BEGIN
  IF by IS NULL OR by NOT IN ('overall', 'product', 'work_center', 'evaluating_phase', 'severity', 'week') THEN
    RAISE EXCEPTION 'prodplan.defect_rates: by must be overall, product, work_center, evaluating_phase, severity or week, got %',
                    coalesce(by, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM prodplan.check_options('prodplan.defect_rates', options, ARRAY['plant', 'high_rate', 'medium_rate', 'high_severity', 'medium_severity', 'ignore_gates'],
    'Options are plant, high_rate (0.3), medium_rate (0.1), high_severity (2.5), medium_severity (2.0) and ignore_gates.');
  BEGIN
    high_rate := coalesce((options ->> 'high_rate')::float8, 0.3);
    medium_rate := coalesce((options ->> 'medium_rate')::float8, 0.1);
    high_severity := coalesce((options ->> 'high_severity')::float8, 2.5);
    medium_severity := coalesce((options ->> 'medium_severity')::float8, 2.0);
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'prodplan.defect_rates: thresholds must be numbers: %', SQLERRM USING ERRCODE = 'invalid_parameter_value';
  END;
  IF from_ts > to_ts THEN
    RAISE EXCEPTION 'prodplan.defect_rates: from_ts (%) is after to_ts (%)', from_ts, to_ts USING ERRCODE = 'invalid_parameter_value';
  END IF;
  plant := options ->> 'plant';
  SELECT * INTO rp FROM prodplan.agg_read_plan('quality_order_day', plant, from_ts, to_ts);
  IF NOT rp.usable THEN
    -- Not computed, or too much changed since the last refresh.
    RETURN QUERY SELECT * FROM prodplan.defect_rates_base(by, from_ts, to_ts, options);
    RETURN;
  END IF;
  IF by = 'work_center' THEN
    -- Blaming work centers needs defects that name their culprit operation.
    PERFORM prodplan.require_feature('culprit_analytics', plant, options);
  END IF;
  -- A call served by the aggregates alone (no partial or changed day read
  -- from the base tables) runs the plan the session keeps for the statement
  -- below: planning it costs about 11 ms, running it 2.5 ms (load_demo(1),
  -- by work center over 90 days: 14 ms a call became 2.5). A call that reads
  -- base days is planned with its values, as before (22 ms; 33 with the
  -- kept plan). The SET clause above restores the setting on return.
  IF coalesce(cardinality(rp.base_plants), 0) = 0 THEN
    PERFORM pg_catalog.set_config('plan_cache_mode', 'force_generic_plan', true);
  END IF;
  RETURN QUERY
  WITH ex AS MATERIALIZED (
    -- The days changed since the last refresh, per plant.
    SELECT u.p, range_agg(daterange(u.lo, u.hi, '[]')) AS days
    FROM unnest(rp.excluded_plants, rp.excluded_from, rp.excluded_to) AS u(p, lo, hi) GROUP BY u.p
  ), h AS MATERIALIZED (
    -- From the base tables: the partial days at the window's ends and the
    -- days changed since the last refresh.
    SELECT x.* FROM (SELECT i.p, array_agg(i.t0 ORDER BY i.t0) AS t0s, array_agg(i.t1 ORDER BY i.t0) AS t1s
                     FROM unnest(rp.base_plants, rp.base_from, rp.base_to) AS i(p, t0, t1) GROUP BY i.p) i
    CROSS JOIN LATERAL prodplan.agg_quality_partials(i.p, i.t0s, i.t1s) x
  ), a AS NOT MATERIALIZED (
    -- Per creation day and product (each order on one day: everything adds).
    SELECT q.plant_id, q.day, q.product_id, q.orders, q.orders_with_defects, q.defects, q.severity_sum,
           q.orders_severity_1, q.orders_severity_2, q.orders_severity_3,
           q.defects_severity_1, q.defects_severity_2, q.defects_severity_3,
           q.orders_unknown_culprit, q.defects_unknown_culprit, q.severity_sum_unknown_culprit
    FROM prodplan.agg_quality_order_day q LEFT JOIN ex ON ex.p = q.plant_id
    WHERE by <> 'evaluating_phase' AND q.day >= rp.lo_day AND q.day < rp.hi_day AND (plant IS NULL OR q.plant_id = plant)
      AND (ex.days IS NULL OR NOT ex.days @> q.day)
    UNION ALL
    SELECT h.plant_id, h.day, h.product_id, h.orders, h.orders_with_defects, h.defects, h.severity_sum,
           h.orders_severity_1, h.orders_severity_2, h.orders_severity_3,
           h.defects_severity_1, h.defects_severity_2, h.defects_severity_3,
           h.orders_unknown_culprit, h.defects_unknown_culprit, h.severity_sum_unknown_culprit
    FROM h WHERE by <> 'evaluating_phase' AND h.work_center_id IS NULL
  ), v AS NOT MATERIALIZED (
    -- Per creation day and work center.
    SELECT c.plant_id, c.work_center_id, c.orders_visited, c.orders_culprit, c.defects_culprit, c.severity_sum_culprit,
           c.orders_evaluated, c.defects_evaluated, c.severity_sum_evaluated
    FROM prodplan.agg_quality_work_center_day c LEFT JOIN ex ON ex.p = c.plant_id
    WHERE by IN ('work_center', 'evaluating_phase') AND c.day >= rp.lo_day AND c.day < rp.hi_day
      AND (plant IS NULL OR c.plant_id = plant) AND (ex.days IS NULL OR NOT ex.days @> c.day)
    UNION ALL
    SELECT h.plant_id, h.work_center_id, h.orders_visited, h.orders_culprit, h.defects_culprit, h.severity_sum_culprit,
           h.orders_evaluated, h.defects_evaluated, h.severity_sum_evaluated
    FROM h WHERE by IN ('work_center', 'evaluating_phase') AND h.product_id IS NULL
  ), sev AS (
    SELECT a.plant_id, sum(a.orders) AS pop,
           sum(a.orders_severity_1) AS o1, sum(a.orders_severity_2) AS o2, sum(a.orders_severity_3) AS o3,
           sum(a.defects_severity_1) AS n1, sum(a.defects_severity_2) AS n2, sum(a.defects_severity_3) AS n3
    FROM a WHERE by = 'severity' GROUP BY a.plant_id
  ), g AS (
    -- (plant, group): the orders rated (population), those with defects,
    -- defects and their severity sum; the groups of defect_rates_base.
    SELECT a.plant_id, '' AS g, sum(a.orders) AS pop, sum(a.orders_with_defects) AS ow, sum(a.defects) AS n,
           sum(a.severity_sum) AS s
    FROM a WHERE by = 'overall' GROUP BY a.plant_id
    UNION ALL
    SELECT a.plant_id, a.product_id, sum(a.orders), sum(a.orders_with_defects), sum(a.defects), sum(a.severity_sum)
    FROM a WHERE by = 'product' GROUP BY a.plant_id, a.product_id
    UNION ALL
    SELECT wk.plant_id, to_char(wk.week, 'IYYY-"W"IW'), wk.pop, wk.ow, wk.n, wk.s
    FROM (SELECT a.plant_id, date_trunc('week', a.day::timestamp) AS week, sum(a.orders) AS pop,
                 sum(a.orders_with_defects) AS ow, sum(a.defects) AS n, sum(a.severity_sum) AS s
          FROM a WHERE by = 'week' GROUP BY 1, 2) wk
    UNION ALL
    SELECT sev.plant_id, k::text, sev.pop,
           CASE k WHEN 1 THEN sev.o1 WHEN 2 THEN sev.o2 ELSE sev.o3 END,
           CASE k WHEN 1 THEN sev.n1 WHEN 2 THEN sev.n2 ELSE sev.n3 END,
           k * CASE k WHEN 1 THEN sev.n1 WHEN 2 THEN sev.n2 ELSE sev.n3 END
    FROM sev CROSS JOIN generate_series(1, 3) k
    UNION ALL
    SELECT v.plant_id, v.work_center_id, sum(v.orders_visited), sum(v.orders_culprit), sum(v.defects_culprit),
           sum(v.severity_sum_culprit)
    FROM v WHERE by = 'work_center' GROUP BY v.plant_id, v.work_center_id
    UNION ALL
    -- Defects without a known culprit, rated over every order of the window.
    SELECT a.plant_id, '(unknown)', sum(a.orders), sum(a.orders_unknown_culprit), sum(a.defects_unknown_culprit),
           sum(a.severity_sum_unknown_culprit)
    FROM a WHERE by = 'work_center' GROUP BY a.plant_id HAVING sum(a.defects_unknown_culprit) > 0
    UNION ALL
    SELECT v.plant_id, v.work_center_id, sum(v.orders_visited), sum(v.orders_evaluated), sum(v.defects_evaluated),
           sum(v.severity_sum_evaluated)
    FROM v WHERE by = 'evaluating_phase' GROUP BY v.plant_id, v.work_center_id
  ), r AS (
    -- A group exists where it has orders or defects (defect_rates_base's
    -- full join of population and hits); the mean severity is what avg()
    -- gives: the numeric quotient of the sum and the count.
    SELECT g.plant_id, g.g, g.pop::bigint AS orders, g.ow::bigint AS orders_with, g.n::bigint AS defects,
           CASE WHEN g.n > 0 THEN (g.s::numeric / g.n::numeric)::float8 END AS sev
    FROM g WHERE g.pop > 0 OR g.n > 0
  )
  SELECT r.plant_id, nullif(r.g, ''), r.orders, r.orders_with,
         CASE WHEN r.orders > 0 THEN r.orders_with::float8 / r.orders END, r.defects, r.sev,
         CASE WHEN r.orders = 0 THEN NULL
              WHEN r.orders_with::float8 / r.orders > high_rate OR r.sev >= high_severity THEN 'HIGH'
              WHEN r.orders_with::float8 / r.orders > medium_rate OR r.sev >= medium_severity THEN 'MEDIUM'
              ELSE 'LOW' END
  FROM r
  ORDER BY r.plant_id, CASE WHEN r.orders > 0 THEN r.orders_with::float8 / r.orders END DESC NULLS LAST, r.defects DESC, r.g;
END
$fn$;
COMMENT ON FUNCTION prodplan.defect_rates(text, timestamptz, timestamptz, jsonb) IS 'Defect rates of the orders created in [from_ts, to_ts) (NULL: unbounded), per plant and group (by): overall; product; work_center (the culprit: the work center of the operation a defect is blamed on, the smallest work center id when the operation id is stored twice; the orders are those with an operation there; defects without a known culprit form the group "(unknown)", rated over every order); evaluating_phase (the work center that found the defect; the orders are those with an operation there); severity (1-3; every order of the window); week (ISO week of the order''s creation, e.g. 2026-W48). Per group: orders, orders_with_defects, defect_rate (orders_with_defects / orders), defects, mean_severity, and the reference system''s level: HIGH when the rate > high_rate (0.3) or the mean severity >= high_severity (2.5), MEDIUM when > medium_rate (0.1) or >= medium_severity (2.0), else LOW (thresholds and plant in options). by work_center is refused while prodplan.feature_gates has culprit_analytics off (options.ignore_gates overrides). Highest rate first. Served from the incremental aggregate "quality_order_day" (agg_quality_order_day, agg_quality_work_center_day; under 100 ms over all of load_demo(1)) and always equal to the base-table computation (prodplan.defect_rates_base): whole UTC days come from the aggregate, the partial days at the window''s ends and the days changed since the last refresh from the base tables, so the result is current even between refreshes. The call is computed from the base tables instead (slower, same result) when the aggregate was never refreshed (or a source table was truncated since: the next refresh, every minute by the built-in job, computes it again), when more than 62 days or 32 runs of days changed since the last refresh, or when the window holds no whole UTC day; prodplan.agg_read_plan(''quality_order_day'', plant, from_ts, to_ts) says which. Writes straight into a partition (bypassing the parent table) are not seen until the days are recomputed.';

-- ---------------------------------------------------------------------------
-- With row-level security by plant on, the new table gets its policy like
-- every other (set_plant_security is idempotent).
DO $$
BEGIN
  IF prodplan.plant_security_enabled() THEN
    PERFORM prodplan.set_plant_security(true);
  END IF;
END
$$;
