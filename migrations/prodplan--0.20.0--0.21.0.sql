-- prodplan 0.20.0 -> 0.21.0 (issue 11): an order's defects in its detail.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.21.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Why. An order detail screen shows what went wrong with the order as well
-- as what was done: the defects found on it, where, how severe and which
-- operation they are blamed on. 0.20.0's order_detail left them out, for
-- the reason it first read the operations slowly: prodplan.defect is
-- partitioned by month of detected_at (load_demo(1): 62 partitions), an
-- order's defects can only be found by probing every partition's order
-- index, and a plan touching every partition takes a lock on each, past the
-- 16 a backend takes without the shared lock table; at 8 clients the calls
-- queue on it (0.20.0's first try at the operations: 315 calls a second
-- against 2,531 with a range).
--
-- detected_at gives no range of its own: the ingest sets it from the
-- evaluating operation's event time, else the order's creation, but a
-- writer through SQL may set any time. So each order's range of detected_at
-- is kept, with the same protocol as its progress (0.13.0):
--   * statement triggers of prodplan.defect append the orders a statement
--     changed to prodplan.order_defects_pending; writers take no row lock
--     shared with another writer (0.13.0 found the deadlocks that come of
--     writers updating a per-order row);
--   * prodplan.apply_order_progress() also takes those keys out and recounts
--     them into prodplan.order_defects, under its advisory lock;
--   * order_detail reads an order's defects from the partitions of its range
--     in order_defects (widened while the order is pending, see below), and
--     from none when it has no row and is not pending (no defects).
-- The two pending lists are apart: a defect recorded on an order does not
-- make order_status count that order's operations live.
--
-- A pending order is read from its applied range widened by the times its
-- pending rows carry, not from every partition. The orders a factory looks
-- at are the ones it is working on, so they are pending for up to a minute
-- after each recorded step; read from every partition their detail took
-- 10-24 ms instead of 2-4 (load_demo(1), 62 partitions of each table, one
-- warm session), with a lock on each partition. Each pending row now holds
-- the range of the times (event_time, detected_at) of the rows its statement
-- inserted, or changed before and after: every row of the order is either
-- in the applied range (unchanged since the apply that counted it) or was
-- written later by a statement whose pending row holds its time (until an
-- apply that takes that row recounts it, with a later snapshot). A deleted
-- row needs no reading, so a delete's pending row holds an empty range
-- ('infinity', '-infinity'); a row with no range (NULL: listed before this
-- update, or by after_restore) means every partition.

-- ---------------------------------------------------------------------------
-- Each order's defects: how many, the worst, their range of detected_at.
-- vacuum_truncate off like every prodplan table (0.14.0): a vacuum that
-- truncates takes an ACCESS EXCLUSIVE lock, which standbys replay and which
-- cancels their readers; the applier rewrites these rows every minute.
CREATE TABLE prodplan.order_defects (
  plant_id           text NOT NULL,
  order_id           text NOT NULL,
  defects            integer NOT NULL CHECK (defects > 0),
  worst_severity     smallint NOT NULL CHECK (worst_severity BETWEEN 1 AND 3),
  first_detected_at  timestamptz NOT NULL,
  last_detected_at   timestamptz NOT NULL,
  PRIMARY KEY (plant_id, order_id),
  CHECK (first_detected_at <= last_detected_at)
) WITH (vacuum_truncate = false, toast.vacuum_truncate = false);
COMMENT ON TABLE prodplan.order_defects IS 'One row per order that has defects (prodplan.defect): how many, the worst severity and the range of their detected_at (which partitions hold them), as of the last prodplan.apply_order_progress() (the built-in job "prodplan.order progress" runs it every minute; load_demo and ingest at their end). Orders whose defects changed since are listed in prodplan.order_defects_pending with the range of the times they wrote, and prodplan.order_detail reads those from the partitions of both ranges, so it is always exact. Writes straight into a partition of prodplan.defect are not seen. Derived: not part of content_checksum.';
COMMENT ON COLUMN prodplan.order_defects.plant_id IS 'The plant (prodplan.plant).';
COMMENT ON COLUMN prodplan.order_defects.order_id IS 'The order (prodplan.production_order; defects of an order not loaded are counted too).';
COMMENT ON COLUMN prodplan.order_defects.defects IS 'Defects recorded on the order (rows of prodplan.defect).';
COMMENT ON COLUMN prodplan.order_defects.worst_severity IS 'The highest severity among them: 1 (minor) to 3 (severe).';
COMMENT ON COLUMN prodplan.order_defects.first_detected_at IS 'The earliest detected_at (the partition key of prodplan.defect) among the order''s defects: prodplan.order_detail reads only the partitions from first_detected_at to last_detected_at.';
COMMENT ON COLUMN prodplan.order_defects.last_detected_at IS 'The latest detected_at among the order''s defects.';
GRANT SELECT ON prodplan.order_defects TO prodplan_reader;

CREATE TABLE prodplan.order_defects_pending (
  plant_id           text NOT NULL,
  order_id           text NOT NULL,
  first_detected_at  timestamptz,
  last_detected_at   timestamptz
) WITH (vacuum_truncate = false, toast.vacuum_truncate = false);
CREATE INDEX order_defects_pending_key_idx ON prodplan.order_defects_pending (plant_id, order_id);
COMMENT ON TABLE prodplan.order_defects_pending IS 'Orders whose defects changed since prodplan.order_defects last counted them, appended by the statement triggers of prodplan.defect (a key may appear several times) and taken out by prodplan.apply_order_progress(). prodplan.order_detail reads these orders'' defects from the partitions of their applied range widened by the ranges listed here. Derived: not part of content_checksum.';
COMMENT ON COLUMN prodplan.order_defects_pending.plant_id IS 'The plant.';
COMMENT ON COLUMN prodplan.order_defects_pending.order_id IS 'The order whose defects changed.';
COMMENT ON COLUMN prodplan.order_defects_pending.first_detected_at IS 'The earliest detected_at among the rows the statement inserted or changed (before and after the change); ''infinity'' for a delete (nothing to read); NULL when not known (every partition is read).';
COMMENT ON COLUMN prodplan.order_defects_pending.last_detected_at IS 'The latest detected_at among those rows; ''-infinity'' for a delete; NULL when not known.';
GRANT SELECT ON prodplan.order_defects_pending TO prodplan_reader;

-- SECURITY DEFINER like order_progress_changed: whoever may write defects
-- lists the orders they changed, in a table no role writes.
CREATE FUNCTION prodplan.order_defects_changed()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    -- DELETE, not TRUNCATE: readers of the table are not blocked.
    DELETE FROM prodplan.order_defects;
    DELETE FROM prodplan.order_defects_pending;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO prodplan.order_defects_pending
    SELECT x.plant_id, x.order_id, min(x.detected_at), max(x.detected_at) FROM n x GROUP BY x.plant_id, x.order_id;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO prodplan.order_defects_pending
    SELECT DISTINCT x.plant_id, x.order_id, 'infinity'::timestamptz, '-infinity'::timestamptz FROM o x;
  ELSE
    -- An order's row depends only on the (severity, detected_at) of its
    -- defects: an update that changed neither (a merge rewriting a row for
    -- its work center, say) leaves it as it was. A changed row's times
    -- before and after both count (a superset is enough).
    INSERT INTO prodplan.order_defects_pending
    SELECT d.plant_id, d.order_id, min(d.detected_at), max(d.detected_at)
    FROM ((SELECT x.plant_id, x.order_id, x.severity, x.detected_at FROM o x
           EXCEPT ALL SELECT y.plant_id, y.order_id, y.severity, y.detected_at FROM n y)
          UNION ALL
          (SELECT y.plant_id, y.order_id, y.severity, y.detected_at FROM n y
           EXCEPT ALL SELECT x.plant_id, x.order_id, x.severity, x.detected_at FROM o x)) d
    GROUP BY d.plant_id, d.order_id;
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.order_defects_changed() IS 'Statement trigger of prodplan.defect: appends the orders whose defects a statement inserted, deleted or changed (order, severity or detected_at) to prodplan.order_defects_pending, each with the range of detected_at it wrote; TRUNCATE empties prodplan.order_defects and that list.';
REVOKE ALL ON FUNCTION prodplan.order_defects_changed() FROM PUBLIC;

CREATE TRIGGER order_defects_ins AFTER INSERT ON prodplan.defect
  REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.order_defects_changed();
CREATE TRIGGER order_defects_upd AFTER UPDATE ON prodplan.defect
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.order_defects_changed();
CREATE TRIGGER order_defects_del AFTER DELETE ON prodplan.defect
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION prodplan.order_defects_changed();
CREATE TRIGGER order_defects_truncate AFTER TRUNCATE ON prodplan.defect
  FOR EACH STATEMENT EXECUTE FUNCTION prodplan.order_defects_changed();

-- The operations' pending list carries the range of the times written too,
-- and the trigger of prodplan.operation fills it (0.20.0's, with ranges).
ALTER TABLE prodplan.order_progress_pending
  ADD COLUMN first_event_at timestamptz,
  ADD COLUMN last_event_at timestamptz;
COMMENT ON TABLE prodplan.order_progress_pending IS 'Orders whose operations changed since prodplan.order_progress last counted them, appended by the statement triggers of prodplan.operation (a key may appear several times) with the range of event_time each statement wrote, and taken out by prodplan.apply_order_progress(). Readers count these orders live; prodplan.order_detail reads their operations from the partitions of the applied range widened by the ranges listed here. Derived: not part of content_checksum.';
COMMENT ON COLUMN prodplan.order_progress_pending.first_event_at IS 'The earliest event_time among the rows the statement inserted or changed (before and after the change); ''infinity'' for a delete (nothing to read); NULL when not known (listed before 0.21.0 or by after_restore: every partition is read).';
COMMENT ON COLUMN prodplan.order_progress_pending.last_event_at IS 'The latest event_time among those rows; ''-infinity'' for a delete; NULL when not known.';

CREATE OR REPLACE FUNCTION prodplan.order_progress_changed()
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
    INSERT INTO prodplan.order_progress_pending
    SELECT x.plant_id, x.order_id, min(x.event_time), max(x.event_time) FROM n x GROUP BY x.plant_id, x.order_id;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO prodplan.order_progress_pending
    SELECT DISTINCT x.plant_id, x.order_id, 'infinity'::timestamptz, '-infinity'::timestamptz FROM o x;
  ELSE
    -- An order's progress depends only on the (start, end, sequence,
    -- event_time) of its operations: an update that changed none of them (a
    -- merge rewriting a row for another column) leaves it as it was. A
    -- changed row's times before and after both count (a superset is enough).
    INSERT INTO prodplan.order_progress_pending
    SELECT d.plant_id, d.order_id, min(d.event_time), max(d.event_time)
    FROM ((SELECT x.plant_id, x.order_id, x.started_at, x.ended_at, x.sequence, x.event_time FROM o x
           EXCEPT ALL SELECT y.plant_id, y.order_id, y.started_at, y.ended_at, y.sequence, y.event_time FROM n y)
          UNION ALL
          (SELECT y.plant_id, y.order_id, y.started_at, y.ended_at, y.sequence, y.event_time FROM n y
           EXCEPT ALL SELECT x.plant_id, x.order_id, x.started_at, x.ended_at, x.sequence, x.event_time FROM o x)) d
    GROUP BY d.plant_id, d.order_id;
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.order_progress_changed() IS 'Statement trigger of prodplan.operation: appends the orders whose operations a statement inserted, deleted or changed (start, end, sequence or event_time) to prodplan.order_progress_pending, each with the range of event_time it wrote; TRUNCATE empties prodplan.order_progress and the pending list.';

-- The defects already recorded. The triggers are in place and this runs in
-- the update's transaction, which holds the extension's objects: a writer
-- committing meanwhile is listed as pending and recounted by the next apply.
INSERT INTO prodplan.order_defects (plant_id, order_id, defects, worst_severity, first_detected_at, last_detected_at)
SELECT d.plant_id, d.order_id, count(*), max(d.severity), min(d.detected_at), max(d.detected_at)
FROM prodplan.defect d GROUP BY d.plant_id, d.order_id ORDER BY 1, 2;

-- ---------------------------------------------------------------------------
-- The applier recounts both lists (same protocol as 0.13.0: the statement
-- that takes the keys comes before the recount, whose later snapshot sees
-- every change that listed them).
CREATE OR REPLACE FUNCTION prodplan.apply_order_progress(wait boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  kp text[];
  ko text[];
  dp text[];
  dk text[];
BEGIN
  IF wait THEN
    PERFORM pg_advisory_xact_lock(hashtext('prodplan.apply_order_progress'));
  ELSIF NOT pg_try_advisory_xact_lock(hashtext('prodplan.apply_order_progress')) THEN
    RETURN NULL;  -- another transaction is applying; it or a later run takes these keys
  END IF;
  -- This statement takes the keys; the recounts below are later statements
  -- with later snapshots (0.13.0's protocol says why that loses nothing).
  WITH taken AS (
    DELETE FROM prodplan.order_progress_pending RETURNING plant_id, order_id
  )
  SELECT array_agg(k.plant_id ORDER BY k.plant_id, k.order_id), array_agg(k.order_id ORDER BY k.plant_id, k.order_id)
    INTO kp, ko
  FROM (SELECT DISTINCT t.plant_id, t.order_id FROM taken t) k;
  WITH taken AS (
    DELETE FROM prodplan.order_defects_pending RETURNING plant_id, order_id
  )
  SELECT array_agg(k.plant_id ORDER BY k.plant_id, k.order_id), array_agg(k.order_id ORDER BY k.plant_id, k.order_id)
    INTO dp, dk
  FROM (SELECT DISTINCT t.plant_id, t.order_id FROM taken t) k;

  -- EXECUTE: planned with the key arrays as constants, so the planner knows
  -- how many orders there are (a few: index probes; a whole plant: one hash
  -- join over the operations or the defects).
  IF kp IS NOT NULL THEN
    EXECUTE $q$
      WITH k AS (
        SELECT * FROM unnest($1::text[], $2::text[]) k(plant_id, order_id)
      ), fresh AS (
        SELECT op.plant_id, op.order_id, count(*) AS operations, count(op.ended_at) AS operations_done,
               min(op.started_at) AS first_started_at, max(op.ended_at) AS last_ended_at,
               max(op.sequence) FILTER (WHERE op.ended_at IS NOT NULL) AS last_done_sequence,
               min(op.event_time) AS first_event_at, max(op.event_time) AS last_event_at
        FROM prodplan.operation op JOIN k ON k.plant_id = op.plant_id AND k.order_id = op.order_id
        GROUP BY op.plant_id, op.order_id
      ), gone AS (
        DELETE FROM prodplan.order_progress g USING k
        WHERE g.plant_id = k.plant_id AND g.order_id = k.order_id
          AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.plant_id = k.plant_id AND f.order_id = k.order_id)
      )
      INSERT INTO prodplan.order_progress AS g
        (plant_id, order_id, operations, operations_done, first_started_at, last_ended_at, last_done_sequence,
         first_event_at, last_event_at)
      SELECT * FROM fresh ORDER BY plant_id, order_id
      ON CONFLICT (plant_id, order_id) DO UPDATE SET
        operations = excluded.operations, operations_done = excluded.operations_done,
        first_started_at = excluded.first_started_at, last_ended_at = excluded.last_ended_at,
        last_done_sequence = excluded.last_done_sequence,
        first_event_at = excluded.first_event_at, last_event_at = excluded.last_event_at
    $q$ USING kp, ko;
  END IF;
  IF dp IS NOT NULL THEN
    EXECUTE $q$
      WITH k AS (
        SELECT * FROM unnest($1::text[], $2::text[]) k(plant_id, order_id)
      ), fresh AS (
        SELECT d.plant_id, d.order_id, count(*)::integer AS defects, max(d.severity) AS worst_severity,
               min(d.detected_at) AS first_detected_at, max(d.detected_at) AS last_detected_at
        FROM prodplan.defect d JOIN k ON k.plant_id = d.plant_id AND k.order_id = d.order_id
        GROUP BY d.plant_id, d.order_id
      ), gone AS (
        DELETE FROM prodplan.order_defects g USING k
        WHERE g.plant_id = k.plant_id AND g.order_id = k.order_id
          AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.plant_id = k.plant_id AND f.order_id = k.order_id)
      )
      INSERT INTO prodplan.order_defects AS g
        (plant_id, order_id, defects, worst_severity, first_detected_at, last_detected_at)
      SELECT * FROM fresh ORDER BY plant_id, order_id
      ON CONFLICT (plant_id, order_id) DO UPDATE SET
        defects = excluded.defects, worst_severity = excluded.worst_severity,
        first_detected_at = excluded.first_detected_at, last_detected_at = excluded.last_detected_at
    $q$ USING dp, dk;
  END IF;
  RETURN coalesce(cardinality(kp), 0) + coalesce(cardinality(dp), 0);
END
$fn$;
COMMENT ON FUNCTION prodplan.apply_order_progress(boolean) IS 'Brings prodplan.order_progress and prodplan.order_defects up to date: takes the orders listed in prodplan.order_progress_pending and recounts them from their operations (counts, first start, last end, last step finished and the range of their event_time), and those listed in prodplan.order_defects_pending from their defects (count, worst severity, range of detected_at; since 0.21.0). Returns how many it recounted (an order in both lists counts twice), or NULL when another transaction is applying and wait is false (with wait true it waits for that transaction). Readers are exact without it (they read pending orders live); it keeps them fast. The built-in job "prodplan.order progress" runs it every minute; load_demo and ingest run it at their end. For prodplan_planner.';

-- ---------------------------------------------------------------------------
-- order_status and risk_queue count a pending order live: from the same
-- widened range now, not from every partition (as the detail, below). An
-- order that is not pending, or has a pending row with no range, is counted
-- from every partition as before. EXECUTE, for the reason order_detail
-- gives: a cached generic plan would lock every partition.
CREATE OR REPLACE FUNCTION prodplan.order_progress_live(plant text, order_id text)
RETURNS prodplan.order_progress
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  r prodplan.order_progress;
  lo timestamptz;
  hi timestamptz;
BEGIN
  -- No row (not pending, or a pending row of unknown range): every partition.
  SELECT least(g.first_event_at, p.lo), greatest(g.last_event_at, p.hi)
    INTO lo, hi
  FROM (SELECT min(q.first_event_at) AS lo, max(q.last_event_at) AS hi
        FROM prodplan.order_progress_pending q
        WHERE q.plant_id = plant AND q.order_id = order_progress_live.order_id
        HAVING count(*) > 0 AND NOT bool_or(q.first_event_at IS NULL OR q.last_event_at IS NULL)) p
  LEFT JOIN prodplan.order_progress g ON g.plant_id = plant AND g.order_id = order_progress_live.order_id;
  IF NOT FOUND THEN
    lo := '-infinity';
    hi := 'infinity';
  END IF;
  EXECUTE $q$
    SELECT $1, $2, count(*), count(op.ended_at), min(op.started_at), max(op.ended_at),
           max(op.sequence) FILTER (WHERE op.ended_at IS NOT NULL), min(op.event_time), max(op.event_time)
    FROM prodplan.operation op
    WHERE op.plant_id = $1 AND op.order_id = $2 AND op.event_time BETWEEN $3 AND $4
  $q$ INTO r USING plant, order_progress_live.order_id, lo, hi;
  RETURN r;
END
$fn$;
COMMENT ON FUNCTION prodplan.order_progress_live(text, text) IS 'An order''s progress (the columns of prodplan.order_progress, its range of event_time included) counted from its operations now; operations is 0 when it has none. What order_status and risk_queue read for the orders listed in prodplan.order_progress_pending. A pending order is read from the partitions of its applied range widened by the ranges its pending rows carry (since 0.21.0); any other order, or one with a pending row of unknown range, from every partition.';

-- ---------------------------------------------------------------------------
-- The order detail, with its defects.
CREATE OR REPLACE FUNCTION prodplan.order_detail(plant_id text, order_id text)
RETURNS json
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
AS $fn$
DECLARE
  s prodplan.order_status;
  bars json;
  ops json;
  defs json;
  lo timestamptz;
  hi timestamptz;
  recorded boolean;
  dlo timestamptz;
  dhi timestamptz;
  found_defects boolean;
BEGIN
  -- STABLE: every query below reads the calling statement's snapshot, so
  -- the status, the ranges, the operations and the defects agree.
  SELECT os.* INTO s FROM prodplan.order_status os
   WHERE os.plant_id = order_detail.plant_id AND os.order_id = order_detail.order_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'prodplan.order_detail: order "%" of plant "%" not found', order_detail.order_id, order_detail.plant_id
      USING ERRCODE = 'no_data_found',
            DETAIL = 'No row of prodplan.production_order has that plant_id and order_id, or row-level security by plant hides it from this role.',
            HINT = 'SELECT plant_id, order_id FROM prodplan.order_status lists the orders this role may see.';
  END IF;

  -- The order's bars in the plan its status comes from (the plant's released
  -- plan, else its latest): none when no such plan holds the order.
  SELECT json_agg(g ORDER BY g.operation) INTO bars
  FROM prodplan.gantt g
  WHERE g.plan_id = s.plan_id AND g.order_id = s.order_id;

  -- The partitions that hold its operations and its defects (see the
  -- headers of 0.20.0 and 0.21.0), in one query: the range of the applied
  -- row, widened by the ranges of the order's pending rows (every partition
  -- when one of them has none); no partition when the order has no applied
  -- row and is not pending. least and greatest ignore NULLs: a pending order
  -- with no applied row reads its pending ranges alone.
  SELECT CASE WHEN p.ops_pending AND p.ops_unknown THEN '-infinity' WHEN p.ops_pending THEN least(g.first_event_at, p.ops_lo)
              ELSE g.first_event_at END,
         CASE WHEN p.ops_pending AND p.ops_unknown THEN 'infinity' WHEN p.ops_pending THEN greatest(g.last_event_at, p.ops_hi)
              ELSE g.last_event_at END,
         p.ops_pending OR g.order_id IS NOT NULL,
         CASE WHEN p.defects_pending AND p.defects_unknown THEN '-infinity' WHEN p.defects_pending THEN least(f.first_detected_at, p.defects_lo)
              ELSE f.first_detected_at END,
         CASE WHEN p.defects_pending AND p.defects_unknown THEN 'infinity' WHEN p.defects_pending THEN greatest(f.last_detected_at, p.defects_hi)
              ELSE f.last_detected_at END,
         p.defects_pending OR f.order_id IS NOT NULL
    INTO lo, hi, recorded, dlo, dhi, found_defects
  FROM (SELECT q.pending AS ops_pending, q.unknown AS ops_unknown, q.lo AS ops_lo, q.hi AS ops_hi,
               r.pending AS defects_pending, r.unknown AS defects_unknown, r.lo AS defects_lo, r.hi AS defects_hi
        FROM (SELECT count(*) > 0 AS pending, bool_or(q.first_event_at IS NULL OR q.last_event_at IS NULL) AS unknown,
                     min(q.first_event_at) AS lo, max(q.last_event_at) AS hi
              FROM prodplan.order_progress_pending q
              WHERE q.plant_id = s.plant_id AND q.order_id = s.order_id) q,
             (SELECT count(*) > 0 AS pending, bool_or(r.first_detected_at IS NULL OR r.last_detected_at IS NULL) AS unknown,
                     min(r.first_detected_at) AS lo, max(r.last_detected_at) AS hi
              FROM prodplan.order_defects_pending r
              WHERE r.plant_id = s.plant_id AND r.order_id = s.order_id) r) p
  LEFT JOIN prodplan.order_progress g ON g.plant_id = s.plant_id AND g.order_id = s.order_id
  LEFT JOIN prodplan.order_defects f ON f.plant_id = s.plant_id AND f.order_id = s.order_id;

  -- What the shop floor recorded: each operation with the employees assigned
  -- to it, the lead first. Open operations (no end) are included; operations
  -- not started yet come last. EXECUTE plans each query at each call with
  -- the range as constants, pruned to its partitions. As a static query the
  -- plan cache would also build, once a session, a generic plan over every
  -- partition to compare costs (30 ms on a cold backend, with a lock on each
  -- partition) before going back to the custom plans.
  IF recorded THEN
    EXECUTE $q$
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
      FROM prodplan.operation op
      WHERE op.plant_id = $1 AND op.order_id = $2 AND op.event_time BETWEEN $3 AND $4
    $q$ INTO ops USING s.plant_id, s.order_id, lo, hi;
  END IF;

  -- What went wrong: each defect found on the order, where it was found and
  -- the operation it is blamed on, in the order they were found (the
  -- defect's key breaks ties, so the order is total).
  IF found_defects THEN
    EXECUTE $q$
      SELECT json_agg(json_build_object(
               'detected_at', d.detected_at, 'description', d.description, 'severity', d.severity,
               'evaluation_operation_id', d.evaluation_operation_id,
               'evaluation_work_center_id', d.evaluation_work_center_id,
               'culprit_operation_id', d.culprit_operation_id)
             ORDER BY d.detected_at, d.evaluation_operation_id, d.description, d.culprit_operation_id NULLS FIRST)
      FROM prodplan.defect d
      WHERE d.plant_id = $1 AND d.order_id = $2 AND d.detected_at BETWEEN $3 AND $4
    $q$ INTO defs USING s.plant_id, s.order_id, dlo, dhi;
  END IF;

  RETURN json_build_object(
    'plant_id', s.plant_id,
    'order_id', s.order_id,
    'as_of', now(),
    'order', row_to_json(s),
    'planned_operations', coalesce(bars, '[]'::json),
    'operations', coalesce(ops, '[]'::json),
    'defects', coalesce(defs, '[]'::json));
END
$fn$;
COMMENT ON FUNCTION prodplan.order_detail(text, text) IS
  'One order as one JSON document, what an order detail screen shows, in one call: {plant_id, order_id, as_of, order: its row of prodplan.order_status (status, planned end, slack, next operation, the plan they come from), planned_operations: its rows of prodplan.gantt in that plan by operation (empty when no released or proposed plan holds it), operations: the operations recorded for it (operation_id, sequence, work_center_id, is_rework, shift, started_at, ended_at, planned_at, duration_minutes, weight_kg, is_open, employees [{employee_id, is_lead}], lead first) by start, not started last, defects: the defects found on it (detected_at, description, severity 1-3, evaluation_operation_id, evaluation_work_center_id, culprit_operation_id, NULL when unknown) by detected_at (since 0.21.0)}. Computed at each call with the caller''s rights, times in the session''s time zone (ISO 8601); the operations and the defects are read from the partitions of their ranges in prodplan.order_progress and prodplan.order_defects (widened by the ranges in their pending lists while the order is pending), so like order_status it does not see rows written straight into a partition. Raises no_data_found (P0002) for an order that does not exist or that row-level security by plant hides.';

-- ---------------------------------------------------------------------------
-- pg_dump keeps the two tables like order_progress and its list (0.18.0):
-- they agree with the defects in the dump's snapshot, and nothing writes
-- them while a restore copies the defects straight into their partitions.
-- after_restore recounts them all the same.
SELECT pg_catalog.pg_extension_config_dump('prodplan.order_defects'::regclass, '');
SELECT pg_catalog.pg_extension_config_dump('prodplan.order_defects_pending'::regclass, '');

CREATE OR REPLACE FUNCTION prodplan.after_restore()
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

  -- Every order with operations or defects is recounted (the dumped counts
  -- are right when the dump was whole; a partial or older restore is not
  -- assumed).
  INSERT INTO prodplan.order_progress_pending (plant_id, order_id)
  SELECT DISTINCT o.plant_id, o.order_id FROM prodplan.operation o;
  INSERT INTO prodplan.order_defects_pending (plant_id, order_id)
  SELECT DISTINCT d.plant_id, d.order_id FROM prodplan.defect d;
  SELECT prodplan.apply_order_progress(true) INTO n;
  step := 'order progress'; detail := coalesce(n, 0) || ' orders recounted (operations and defects)'; RETURN NEXT;

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
COMMENT ON FUNCTION prodplan.after_restore() IS 'Run once after restoring a pg_dump of a prodplan database (pg_dump keeps every loaded, planned, trained and recorded row since 0.18.0): moves the data version past every stored plan''s, recounts every order''s progress and defects, computes the aggregates in full, rebuilds the Gantt documents and, when row-level security by plant was on, turns it on again (pg_dump keeps only the monthly partitions'' policies). Returns what it did. Safe to run again. For prodplan_admin.';
REVOKE ALL ON FUNCTION prodplan.after_restore() FROM PUBLIC;

-- content_checksum leaves out the derived order_defects and its list.
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
      -- So are each order's progress and defects, kept from its operations and defects.
      AND c.relname NOT IN ('order_progress', 'order_progress_pending', 'order_defects', 'order_defects_pending')
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
  'Row count and an md5 over the sorted text of every row, per canonical table (optionally of one plant): two databases with equal results hold the same data. Used to reconcile loads and to test determinism. Leaves out what is derived or records what was done: ingestion runs, plans and their slots, aggregates, each order''s progress and defects (prodplan.order_progress, prodplan.order_defects), the order list documents and their change log, KPI snapshots, data-quality results, trained models and their deployments, and who may see the plant (prodplan.plant_access).';

-- Row-level security by plant: both tables have plant_id, so
-- set_plant_security gives them its policy like every plant table; an
-- installation with the security on gets it now (it is idempotent).
DO $$
BEGIN
  IF prodplan.plant_security_enabled() THEN
    PERFORM prodplan.set_plant_security(true);
  END IF;
END
$$;
