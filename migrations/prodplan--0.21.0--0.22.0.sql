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
