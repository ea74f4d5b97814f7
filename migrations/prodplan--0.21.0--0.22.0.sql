-- prodplan 0.21.0 -> 0.22.0 (issue 11): partition upkeep one table per transaction.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.22.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Why. Creating a partition (CREATE TABLE ... PARTITION OF) and detaching
-- one take an ACCESS EXCLUSIVE lock on the parent and on its DEFAULT
-- partition, held to the end of the transaction. 0.4.0's hourly job ran the
-- upkeep of every partitioned table in one transaction, so it held such
-- locks on several parents at once: the first run after a load makes six
-- months of partitions of all five tables (30 of them), and every month
-- after makes one of each. A reader that holds one of those parents (a
-- function that reads the operations, then the defects) and then asks for
-- another closes a cycle with it:
--   * on the primary the deadlock detector breaks it after deadlock_timeout
--     by cancelling one side: the user's read, or the upkeep;
--   * on a hot standby the locks are held by the startup process, which
--     replays them and which the deadlock detector does not see: replay
--     stops, and the read is cancelled only after max_standby_streaming_delay
--     (30 s; "User was holding a relation lock for too long"). test_replica
--     met it when its reads crossed 16:00 on 2026-12-02 (quality_score).
-- Now each partitioned table has a built-in job of its own, a minute apart,
-- which runs prodplan.maintain_partitions(parent), the upkeep of that table
-- alone, in its own transaction. The locks of one run are on one parent and
-- its partitions, taken parent first as every reader takes them, so no
-- reader can be in a cycle with them: a reader waits at most for one
-- table's upkeep (milliseconds), on the primary and on a standby.
-- prodplan.maintain_partitions() stays, the upkeep of every table in one
-- transaction, for an administrator's call; its comment says what it holds.

-- ---------------------------------------------------------------------------
-- The upkeep of one table: 0.4.0's loop body, for the table named.
CREATE FUNCTION prodplan.maintain_partitions(parent text)
RETURNS TABLE (table_name text, action text, partition text, detail text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  t         record;
  p         record;
  cols      text;
  n         bigint;
  lo        timestamptz;
  hi        timestamptz;
  newest    timestamptz;
  first_lo  timestamptz;
  created   integer;
  remaining integer;
BEGIN
  -- One upkeep at a time (the jobs, one per table, and a manual call).
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('prodplan.maintain_partitions'));
  SELECT pt.* INTO t FROM prodplan.partitioned_table pt WHERE pt.table_name = parent;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'prodplan.maintain_partitions: "%" is not a partitioned prodplan table', parent
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'SELECT table_name FROM prodplan.partitioned_table lists them.';
  END IF;

  -- 1. Retention: whole months older than the retention, never the newest partition.
  IF t.retention IS NOT NULL THEN
    SELECT count(*) INTO remaining FROM prodplan.partitions x WHERE x.parent = t.table_name AND NOT x.is_default;
    FOR p IN
      SELECT c.relname::text AS name,
             (regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS upper
      FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = pg_catalog.to_regclass('prodplan.' || t.table_name)
        AND pg_catalog.pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
      ORDER BY 2
    LOOP
      EXIT WHEN remaining <= 1 OR p.upper > now() - t.retention;
      IF t.retention_action = 'drop' THEN
        EXECUTE format('DROP TABLE prodplan.%I', p.name);
      ELSE
        -- Detached partitions leave the extension's schema for
        -- prodplan_archive: they are the site's data now, not ours.
        EXECUTE format('ALTER TABLE prodplan.%I DETACH PARTITION prodplan.%I', t.table_name, p.name);
        CREATE SCHEMA IF NOT EXISTS prodplan_archive;
        EXECUTE format('ALTER TABLE prodplan.%I SET SCHEMA prodplan_archive', p.name);
        EXECUTE format('COMMENT ON TABLE prodplan_archive.%I IS %L', p.name,
                       format('Detached from prodplan.%s by retention (%s) on %s.', t.table_name, t.retention, now()));
      END IF;
      remaining := remaining - 1;
      table_name := t.table_name; action := t.retention_action; partition := p.name;
      detail := format('ended %s, older than the retention of %s', p.upper, t.retention);
      RETURN NEXT;
    END LOOP;
  END IF;

  -- 2. Rows in the DEFAULT partition: moved into monthly partitions in this
  --    transaction (delete, create the partitions, re-insert through the
  --    parent), unless another table references this one by foreign key.
  EXECUTE format('SELECT count(*), min(%I), max(%I) FROM prodplan.%I', t.time_column, t.time_column,
                 t.table_name || '_default') INTO n, lo, hi;
  IF n > 0 THEN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
               WHERE k.contype = 'f' AND k.confrelid = pg_catalog.to_regclass('prodplan.' || t.table_name)) THEN
      table_name := t.table_name; action := 'default_rows_kept'; partition := t.table_name || '_default';
      detail := format('%s rows from %s to %s; not moved: other tables reference %s by foreign key', n, lo, hi, t.table_name);
      RETURN NEXT;
    ELSIF hi - lo > interval '100 years' THEN
      table_name := t.table_name; action := 'default_rows_kept'; partition := t.table_name || '_default';
      detail := format('%s rows from %s to %s; not moved: the range spans more than 100 years (mis-parsed dates?)', n, lo, hi);
      RETURN NEXT;
    ELSE
      SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) INTO cols
      FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = pg_catalog.to_regclass('prodplan.' || t.table_name) AND a.attnum > 0
        AND NOT a.attisdropped AND a.attgenerated = '';
      EXECUTE format('CREATE TEMP TABLE pp_moved (LIKE prodplan.%I) ON COMMIT DROP', t.table_name);
      EXECUTE format('WITH d AS (DELETE FROM prodplan.%I RETURNING %s) INSERT INTO pg_temp.pp_moved (%s) SELECT %s FROM d',
                     t.table_name || '_default', cols, cols, cols);
      PERFORM prodplan.ensure_table_partitions(t.table_name, lo, hi);
      EXECUTE format('INSERT INTO prodplan.%I (%s) SELECT %s FROM pg_temp.pp_moved', t.table_name, cols, cols);
      DROP TABLE pg_temp.pp_moved;
      table_name := t.table_name; action := 'moved_from_default'; partition := t.table_name || '_default';
      detail := format('%s rows from %s to %s', n, lo, hi);
      RETURN NEXT;
    END IF;
  END IF;

  -- 3. Partitions from the data's first month (the oldest partition) or
  --    now, whichever is earlier, to premake_months ahead of the newest
  --    data or now, whichever is later.
  first_lo := NULL;
  newest := NULL;
  FOR p IN
    SELECT c.relname::text AS name,
           (regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\)'))[1]::timestamptz AS lower
    FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = pg_catalog.to_regclass('prodplan.' || t.table_name)
      AND pg_catalog.pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
    ORDER BY 2 DESC
  LOOP
    first_lo := p.lower;
    IF newest IS NULL THEN
      EXECUTE format('SELECT max(%I) FROM prodplan.%I', t.time_column, p.name) INTO newest;
    END IF;
  END LOOP;
  created := prodplan.ensure_table_partitions(t.table_name, least(coalesce(first_lo, now()), now()),
    greatest(coalesce(newest, now()), now()) + make_interval(months => t.premake_months));
  IF created > 0 THEN
    table_name := t.table_name; action := 'created'; partition := NULL;
    detail := format('%s partitions, through %s', created,
                     to_char(date_trunc('month', (greatest(coalesce(newest, now()), now())
                             + make_interval(months => t.premake_months)) AT TIME ZONE 'UTC'), 'YYYY-MM'));
    RETURN NEXT;
  END IF;
END
$fn$;
COMMENT ON FUNCTION prodplan.maintain_partitions(text) IS 'Partition upkeep of one table of prodplan.partitioned_table, in the caller''s transaction (its built-in job, "prodplan.partition upkeep: <table>", runs it hourly; since 0.22.0): retention first (whole months older than the table''s retention are detached into schema prodplan_archive or dropped, never the newest partition), then rows that landed in the DEFAULT partition are moved into monthly partitions (or reported when they cannot be moved safely), then monthly partitions are created from the oldest one (or this month, if earlier) to premake_months (default 6) ahead of the later of the newest data and now. Creating and detaching lock the table and its DEFAULT partition (ACCESS EXCLUSIVE) to the end of the transaction; one table at a time, no reader can deadlock with it. Advisory-locked and idempotent; returns one row per action taken; raises invalid_parameter_value for a table that is not in prodplan.partitioned_table.';

-- Every table in one transaction, as before, for an administrator's call.
-- Not SECURITY DEFINER any more: it calls the definer above, which its
-- callers (prodplan_admin) may execute.
CREATE OR REPLACE FUNCTION prodplan.maintain_partitions()
RETURNS TABLE (table_name text, action text, partition text, detail text)
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT pt.table_name FROM prodplan.partitioned_table pt ORDER BY pt.table_name LOOP
    RETURN QUERY SELECT * FROM prodplan.maintain_partitions(t.table_name);
  END LOOP;
END
$fn$;
COMMENT ON FUNCTION prodplan.maintain_partitions() IS 'Partition upkeep of every table of prodplan.partitioned_table, by name, in one transaction: prodplan.maintain_partitions(table) for each (retention, rows moved out of the DEFAULT partition, monthly partitions premade). For an administrator''s call; the built-in jobs upkeep one table each (since 0.22.0), because this holds ACCESS EXCLUSIVE locks on several tables at once until it commits: a session that reads two of them can deadlock with it (cancelled after deadlock_timeout on the primary, after max_standby_streaming_delay on a hot standby).';

REVOKE ALL ON FUNCTION prodplan.maintain_partitions(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.maintain_partitions(text) TO prodplan_admin;

-- ---------------------------------------------------------------------------
-- The built-in jobs: one per table, a minute apart from the top of the hour
-- (at once, five runs would take five worker slots to queue on one advisory
-- lock). They replace 0.4.0's single job, keeping its owner and, if an
-- administrator paused it, its pause; a site that unscheduled it gets none.
WITH old AS (
  DELETE FROM prodplan.jobs j WHERE j.is_builtin AND j.name = 'prodplan.partition upkeep'
  RETURNING j.owner, j.enabled
)
INSERT INTO prodplan.jobs (name, owner, schedule, command, enabled, is_builtin)
SELECT 'prodplan.partition upkeep: ' || pt.table_name, old.owner,
       format('%s * * * *', (row_number() OVER (ORDER BY pt.table_name) - 1) % 60),
       format('SELECT count(*) FROM prodplan.maintain_partitions(%L)', pt.table_name),
       old.enabled, true
FROM prodplan.partitioned_table pt, old
ORDER BY pt.table_name;

-- ---------------------------------------------------------------------------
-- The order detail reads its operations' and defects' rows with EXECUTE, as
-- 0.21.0 did, and builds their JSON with static queries over those rows:
-- the same document, less planning at each call (see the comment inside).
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
  op_rows prodplan.operation[];
  defect_rows prodplan.defect[];
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
  -- not started yet come last. Only the rows are read with EXECUTE, planned
  -- at each call with the range as constants, pruned to its partitions (as a
  -- static query the plan cache would also build, once a session, a generic
  -- plan over every partition to compare costs: 30 ms on a cold backend, with
  -- a lock on each partition). The JSON, with the employees' subquery, is a
  -- static query over those rows, planned once a session (0.22.0: inside
  -- the EXECUTE they were planned at each call, the employees' subquery
  -- alone 6% of the CPU at 32 clients under perf; load_demo(1), interleaved
  -- pgbench at one client: 1.10-1.21 ms a call against 1.15-1.26, the same
  -- documents).
  IF recorded THEN
    EXECUTE $q$
      SELECT array_agg(op) FROM prodplan.operation op
      WHERE op.plant_id = $1 AND op.order_id = $2 AND op.event_time BETWEEN $3 AND $4
    $q$ INTO op_rows USING s.plant_id, s.order_id, lo, hi;
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
      INTO ops
    FROM unnest(op_rows) op;
  END IF;

  -- What went wrong: each defect found on the order, where it was found and
  -- the operation it is blamed on, in the order they were found (the
  -- defect's key breaks ties, so the order is total).
  IF found_defects THEN
    EXECUTE $q$
      SELECT array_agg(d) FROM prodplan.defect d
      WHERE d.plant_id = $1 AND d.order_id = $2 AND d.detected_at BETWEEN $3 AND $4
    $q$ INTO defect_rows USING s.plant_id, s.order_id, dlo, dhi;
    SELECT json_agg(json_build_object(
             'detected_at', d.detected_at, 'description', d.description, 'severity', d.severity,
             'evaluation_operation_id', d.evaluation_operation_id,
             'evaluation_work_center_id', d.evaluation_work_center_id,
             'culprit_operation_id', d.culprit_operation_id)
           ORDER BY d.detected_at, d.evaluation_operation_id, d.description, d.culprit_operation_id NULLS FIRST)
      INTO defs
    FROM unnest(defect_rows) d;
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
