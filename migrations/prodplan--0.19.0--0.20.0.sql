-- prodplan 0.19.0 -> 0.20.0 (issue 11): an order's detail in one call.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.20.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Why. The reference system's order detail screen (250 ms p95) shows one
-- order: its status, where the plan puts its remaining operations and what
-- the shop floor recorded of it. Read as rows it takes one statement per
-- part, each parsed and planned again: the order_status view alone costs
-- about 0.5 ms to plan, more than reading the order. make load measured the
-- status and the bars (two statements) 7-15x below the target at 32
-- closed-loop clients on the 2-core machine, where the target is 10x.
--
-- order_detail is PL/pgSQL, so a session plans its queries once where it
-- can, and the screen pays one round trip. Nothing is stored: an order's
-- detail is a few dozen rows, reading them by key costs less than keeping a
-- copy current against every operation the MES records, and so it is exact
-- at any time and on a standby.
--
-- The timeline is the hard part. prodplan.operation is partitioned by month
-- of event_time (load_demo(1): 62 partitions), and an order's operations can
-- only be found by probing every partition's order index. Worse than the
-- probes are the locks: a plan that touches every partition takes a lock on
-- each, far past the 16 a backend takes without the shared lock table, and
-- at 8 clients the calls queued on the lock table's partitions (make load,
-- first try: 315 calls a second against 2,476 for the two statements). So
-- order_progress now keeps the range of event_time of each order's
-- operations, recounted with the rest of its progress, and order_detail
-- reads only the partitions in that range: with the range as values, each
-- call gets a plan pruned to them (one or two months). An order listed in
-- order_progress_pending (its operations changed since the last
-- apply_order_progress) is read from every partition, as order_status
-- counts it live: exact, slower, and rare (the job applies every minute).
-- An order with no progress row and not pending has no operations.
--
-- The function runs with the caller's rights (not SECURITY DEFINER):
-- row-level security by plant applies to every table it reads, and an order
-- of a plant the caller may not see is reported as not found, as one that
-- does not exist.

-- ---------------------------------------------------------------------------
-- Each order's range of event_time, kept with its progress.
ALTER TABLE prodplan.order_progress
  ADD COLUMN first_event_at timestamptz,
  ADD COLUMN last_event_at timestamptz;
COMMENT ON TABLE prodplan.order_progress IS 'One row per order that has operations (prodplan.operation): how many, how many ended, when the first started and the last ended, the last routing step finished, and the range of their event_time (which partitions hold them), as of the last prodplan.apply_order_progress() (the built-in job "prodplan.order progress" runs it every minute; load_demo and ingest at their end). Orders whose operations changed since are listed in prodplan.order_progress_pending; order_status, risk_queue and order_detail count those live (prodplan.order_progress_live), so they are always exact. Writes straight into a partition of prodplan.operation are not seen. Derived: not part of content_checksum.';
COMMENT ON COLUMN prodplan.order_progress.first_event_at IS 'The earliest event_time (the partition key of prodplan.operation) among the order''s operations: prodplan.order_detail reads only the partitions from first_event_at to last_event_at.';
COMMENT ON COLUMN prodplan.order_progress.last_event_at IS 'The latest event_time among the order''s operations.';
UPDATE prodplan.order_progress g SET first_event_at = f.lo, last_event_at = f.hi
FROM (SELECT op.plant_id, op.order_id, min(op.event_time) AS lo, max(op.event_time) AS hi
      FROM prodplan.operation op GROUP BY op.plant_id, op.order_id) f
WHERE f.plant_id = g.plant_id AND f.order_id = g.order_id;

-- The applier recounts the range with the rest (same protocol as 0.13.0).
CREATE OR REPLACE FUNCTION prodplan.apply_order_progress(wait boolean DEFAULT false)
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
  -- with a later snapshot (0.13.0's protocol says why that loses nothing).
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
  RETURN cardinality(kp);
END
$fn$;
COMMENT ON FUNCTION prodplan.apply_order_progress(boolean) IS 'Brings prodplan.order_progress up to date: takes the orders listed in prodplan.order_progress_pending and recounts them from their operations (counts, first start, last end, last step finished and, since 0.20.0, the range of their event_time). Returns how many orders it recounted, or NULL when another transaction is applying and wait is false (with wait true it waits for that transaction). Readers are exact without it (they count pending orders live); it keeps them fast. The built-in job "prodplan.order progress" runs it every minute; load_demo and ingest run it at their end. For prodplan_planner.';

CREATE OR REPLACE FUNCTION prodplan.order_progress_live(plant text, order_id text)
RETURNS prodplan.order_progress
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  r prodplan.order_progress;
BEGIN
  SELECT plant, order_progress_live.order_id, count(*), count(op.ended_at), min(op.started_at), max(op.ended_at),
         max(op.sequence) FILTER (WHERE op.ended_at IS NOT NULL), min(op.event_time), max(op.event_time)
    INTO r
  FROM prodplan.operation op
  WHERE op.plant_id = plant AND op.order_id = order_progress_live.order_id;
  RETURN r;
END
$fn$;
COMMENT ON FUNCTION prodplan.order_progress_live(text, text) IS 'An order''s progress (the columns of prodplan.order_progress, its range of event_time included) counted from its operations now; operations is 0 when it has none. What order_status and risk_queue read for the orders listed in prodplan.order_progress_pending.';

-- An update that moves an operation to another month (event_time) or to
-- another order changes the range: such rows now mark the order pending too.
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
    INSERT INTO prodplan.order_progress_pending SELECT DISTINCT x.plant_id, x.order_id FROM n x;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO prodplan.order_progress_pending SELECT DISTINCT x.plant_id, x.order_id FROM o x;
  ELSE
    -- An order's progress depends only on the (start, end, sequence,
    -- event_time) of its operations: an update that changed none of them (a
    -- merge rewriting a row for another column) leaves it as it was.
    INSERT INTO prodplan.order_progress_pending
    SELECT DISTINCT d.plant_id, d.order_id
    FROM ((SELECT x.plant_id, x.order_id, x.started_at, x.ended_at, x.sequence, x.event_time FROM o x
           EXCEPT ALL SELECT y.plant_id, y.order_id, y.started_at, y.ended_at, y.sequence, y.event_time FROM n y)
          UNION ALL
          (SELECT y.plant_id, y.order_id, y.started_at, y.ended_at, y.sequence, y.event_time FROM n y
           EXCEPT ALL SELECT x.plant_id, x.order_id, x.started_at, x.ended_at, x.sequence, x.event_time FROM o x)) d;
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.order_progress_changed() IS 'Statement trigger of prodplan.operation: appends the orders whose operations a statement inserted, deleted or changed (start, end, sequence or event_time) to prodplan.order_progress_pending; TRUNCATE empties prodplan.order_progress and the pending list.';

-- ---------------------------------------------------------------------------
-- The order detail.
CREATE FUNCTION prodplan.order_detail(plant_id text, order_id text)
RETURNS json
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
AS $fn$
DECLARE
  s prodplan.order_status;
  bars json;
  ops json;
  lo timestamptz;
  hi timestamptz;
  recorded boolean;
BEGIN
  -- STABLE: every query below reads the calling statement's snapshot, so
  -- the status, the range and the operations agree with each other.
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

  -- The partitions that hold its operations (see the header): the range of
  -- its applied progress; every partition while it is pending; none when it
  -- has no progress row and is not pending (no operations).
  SELECT CASE WHEN p.pending THEN '-infinity' ELSE coalesce(g.first_event_at, '-infinity') END,
         CASE WHEN p.pending THEN 'infinity' ELSE coalesce(g.last_event_at, 'infinity') END,
         p.pending OR g.order_id IS NOT NULL
    INTO lo, hi, recorded
  FROM (SELECT EXISTS (SELECT FROM prodplan.order_progress_pending q
                       WHERE q.plant_id = s.plant_id AND q.order_id = s.order_id) AS pending) p
  LEFT JOIN prodplan.order_progress g ON g.plant_id = s.plant_id AND g.order_id = s.order_id;

  -- What the shop floor recorded: each operation with the employees assigned
  -- to it, the lead first. Open operations (no end) are included; operations
  -- not started yet come last. EXECUTE plans the query at each call with the
  -- range as constants, pruned to its partitions. As a static query the plan
  -- cache would also build, once a session, a generic plan over every
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

  RETURN json_build_object(
    'plant_id', s.plant_id,
    'order_id', s.order_id,
    'as_of', now(),
    'order', row_to_json(s),
    'planned_operations', coalesce(bars, '[]'::json),
    'operations', coalesce(ops, '[]'::json));
END
$fn$;
COMMENT ON FUNCTION prodplan.order_detail(text, text) IS
  'One order as one JSON document, what an order detail screen shows, in one call: {plant_id, order_id, as_of, order: its row of prodplan.order_status (status, planned end, slack, next operation, the plan they come from), planned_operations: its rows of prodplan.gantt in that plan by operation (empty when no released or proposed plan holds it), operations: the operations recorded for it (operation_id, sequence, work_center_id, is_rework, shift, started_at, ended_at, planned_at, duration_minutes, weight_kg, is_open, employees [{employee_id, is_lead}], lead first) by start, not started last}. Computed at each call with the caller''s rights, times in the session''s time zone (ISO 8601); the operations are read from the partitions of their range in prodplan.order_progress (all of them while the order is pending), so like order_status it does not see rows written straight into a partition. Raises no_data_found (P0002) for an order that does not exist or that row-level security by plant hides.';
REVOKE ALL ON FUNCTION prodplan.order_detail(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.order_detail(text, text) TO prodplan_reader;
