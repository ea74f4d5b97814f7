-- prodplan 0.3.0 -> 0.4.0: the job scheduler run by background workers.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.4.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Jobs. A launcher (preloaded library) starts one scheduler per database of
-- prodplan.databases that has the extension; the scheduler starts each due
-- job in its own dynamic worker connected as the job's owner.
--
-- Ownership protocol: planners schedule jobs; a role sees and edits only
-- its own jobs (row-level security); members of prodplan_admin see all of them and may pause,
-- reschedule or remove any, but only the owner (or a superuser) may change
-- what a job runs or who owns it (trigger jobs_guard): otherwise editing a
-- job would run SQL as another role.
-- ---------------------------------------------------------------------------
CREATE TABLE prodplan.jobs (
  job_id               bigserial PRIMARY KEY,
  name                 text NOT NULL CHECK (name <> ''),
  owner                name NOT NULL DEFAULT current_user,
  schedule             text NOT NULL,
  command              text NOT NULL CHECK (command <> ''),
  enabled              boolean NOT NULL DEFAULT true,
  is_builtin           boolean NOT NULL DEFAULT false,
  created_at           timestamptz NOT NULL DEFAULT now(),
  last_scheduled_at    timestamptz,
  consecutive_failures int NOT NULL DEFAULT 0,
  UNIQUE (owner, name)
);
COMMENT ON TABLE prodplan.jobs IS 'Jobs the prodplan scheduler runs (background workers; needs shared_preload_libraries = ''prodplan'' and the database in prodplan.databases). Each run is a dynamic worker connected as owner; a job never overlaps itself, runs missed while the server was down run once, late, and repeated failures back off (10 s doubling, at most 1 hour). A role sees only its own jobs unless it is a member of prodplan_admin. Edit through prodplan.schedule_job, alter_job and unschedule_job.';
COMMENT ON COLUMN prodplan.jobs.name IS 'The job''s name, unique per owner.';
COMMENT ON COLUMN prodplan.jobs.owner IS 'The role the job runs as (whoever scheduled it).';
COMMENT ON COLUMN prodplan.jobs.schedule IS 'When it runs, in UTC: 5-field cron (minute hour day-of-month month day-of-week, with *, lists, ranges, steps and names), @hourly, @daily, @weekly, @monthly, @yearly, or an interval ''N seconds|minutes|hours|days'' counted from the end of the previous run.';
COMMENT ON COLUMN prodplan.jobs.command IS 'The SQL it runs, in one transaction.';
COMMENT ON COLUMN prodplan.jobs.enabled IS 'false: paused (prodplan.alter_job(name, enabled => false)).';
COMMENT ON COLUMN prodplan.jobs.is_builtin IS 'Installed by the extension (run-history retention, later the aggregate refresh, partition upkeep and KPI snapshots); editable, not dumped by pg_dump.';
COMMENT ON COLUMN prodplan.jobs.last_scheduled_at IS 'The scheduled time of the latest run started (a late run records the latest time it stood for).';
COMMENT ON COLUMN prodplan.jobs.consecutive_failures IS 'Failed runs since the last success: the scheduler delays the next run by 10 s x 2^(n-1), at most an hour.';

CREATE TABLE prodplan.job_runs (
  run_id         bigserial PRIMARY KEY,
  job_id         bigint REFERENCES prodplan.jobs ON DELETE SET NULL,
  job_name       text NOT NULL,
  owner          name NOT NULL,
  command        text NOT NULL,
  scheduled_for  timestamptz NOT NULL,
  started_at     timestamptz NOT NULL DEFAULT now(),
  ended_at       timestamptz,
  status         text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  message        text,
  pid            int,
  duration_seconds float8 GENERATED ALWAYS AS (extract(epoch FROM ended_at - started_at)) STORED
);
CREATE INDEX job_runs_job_idx ON prodplan.job_runs (job_id, started_at);
CREATE INDEX job_runs_running_idx ON prodplan.job_runs (status) WHERE status = 'running';
COMMENT ON TABLE prodplan.job_runs IS 'One row per job run: when it was due and ran, how it ended and why. A run whose worker was terminated or crashed, or that was running when the server stopped, is marked failed with the reason. Pruned by the built-in job prodplan.job_runs retention (prodplan.prune_job_runs).';
COMMENT ON COLUMN prodplan.job_runs.scheduled_for IS 'The schedule time the run stands for (a late run: the latest one it catches up).';
COMMENT ON COLUMN prodplan.job_runs.status IS 'running, succeeded or failed.';
COMMENT ON COLUMN prodplan.job_runs.message IS 'succeeded: the last statement''s command tag and row count; failed: the error, or why the run was lost.';
COMMENT ON COLUMN prodplan.job_runs.pid IS 'The process id of the worker that ran it.';
COMMENT ON COLUMN prodplan.job_runs.duration_seconds IS 'ended_at - started_at in seconds.';

ALTER TABLE prodplan.jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE prodplan.job_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY jobs_own ON prodplan.jobs
  USING (owner = current_user OR pg_catalog.pg_has_role(current_user, 'prodplan_admin', 'MEMBER'))
  WITH CHECK (owner = current_user OR pg_catalog.pg_has_role(current_user, 'prodplan_admin', 'MEMBER'));
CREATE POLICY job_runs_own ON prodplan.job_runs
  USING (owner = current_user OR pg_catalog.pg_has_role(current_user, 'prodplan_admin', 'MEMBER'));

-- C helpers over the scheduler's core (core/jobs): the schedule grammar and
-- next fire time, so SQL, the trigger and the workers agree.
CREATE FUNCTION prodplan.next_run_time(schedule text, after timestamptz DEFAULT now())
RETURNS timestamptz
LANGUAGE c STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_next_run_time';
COMMENT ON FUNCTION prodplan.next_run_time(text, timestamptz) IS 'The first time strictly after `after` at which a cron schedule (UTC) fires; for an interval schedule, after + the interval. An invalid schedule is an error saying what is wrong and what was expected.';

CREATE FUNCTION prodplan.jobs_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  PERFORM prodplan.next_run_time(NEW.schedule);  -- raises on an invalid schedule
  IF TG_OP = 'UPDATE' AND (NEW.command IS DISTINCT FROM OLD.command OR NEW.owner IS DISTINCT FROM OLD.owner)
     AND OLD.owner <> current_user
     AND NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    RAISE EXCEPTION 'prodplan: only the owner of job "%" (%) may change its command or owner', OLD.name, OLD.owner
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'An administrator may pause, reschedule or unschedule it.';
  END IF;
  IF TG_OP = 'INSERT' AND NEW.owner <> current_user
     AND NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    RAISE EXCEPTION 'prodplan: a job runs as the role that schedules it; % cannot schedule one for %', current_user, NEW.owner
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.schedule IS DISTINCT FROM OLD.schedule THEN
    NEW.last_scheduled_at := NULL;  -- the new schedule counts from now
    NEW.created_at := now();
  END IF;
  RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION prodplan.jobs_guard() IS 'Trigger of prodplan.jobs: checks the schedule, keeps a job running as the role that scheduled it (only the owner or a superuser may change its command or owner), and restarts the schedule''s clock when it changes.';
CREATE TRIGGER jobs_guard BEFORE INSERT OR UPDATE ON prodplan.jobs
  FOR EACH ROW EXECUTE FUNCTION prodplan.jobs_guard();

CREATE FUNCTION prodplan.schedule_job(name text, schedule text, command text)
RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
  INSERT INTO prodplan.jobs AS j (name, schedule, command) VALUES ($1, $2, $3)
  ON CONFLICT (owner, name) DO UPDATE SET schedule = EXCLUDED.schedule, command = EXCLUDED.command, enabled = true
  RETURNING j.job_id
$fn$;
COMMENT ON FUNCTION prodplan.schedule_job(text, text, text) IS 'Schedules command (SQL, run in one transaction as the calling role) under name; a job of the same name and owner is replaced. Schedules (UTC): 5-field cron, @hourly/@daily/@weekly/@monthly/@yearly, or ''N seconds|minutes|hours|days''. Returns the job id. Runs need the library preloaded and the database listed in prodplan.databases.';

CREATE FUNCTION prodplan.unschedule_job(name text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  n int;
BEGIN
  -- The caller's own job first; an administrator may name another role's
  -- job when only one has that name.
  DELETE FROM prodplan.jobs j WHERE j.name = $1 AND j.owner = current_user;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 AND (SELECT count(*) FROM prodplan.jobs j WHERE j.name = $1) > 1 THEN
    RAISE EXCEPTION 'prodplan: several roles have a job named "%"', $1
      USING HINT = 'DELETE FROM prodplan.jobs WHERE name = ... AND owner = ...';
  END IF;
  IF n = 0 THEN
    DELETE FROM prodplan.jobs j WHERE j.name = $1;
    GET DIAGNOSTICS n = ROW_COUNT;
  END IF;
  IF n = 0 THEN
    RAISE EXCEPTION 'prodplan: no job named "%" that % can see', $1, current_user
      USING ERRCODE = 'no_data_found', HINT = 'SELECT name, owner FROM prodplan.jobs lists them.';
  END IF;
  RETURN true;
END
$fn$;
COMMENT ON FUNCTION prodplan.unschedule_job(text) IS 'Removes the job of that name (the caller''s own; an administrator may name another role''s job). Its run history stays. An unknown name is an error.';

CREATE FUNCTION prodplan.alter_job(name text, schedule text DEFAULT NULL, command text DEFAULT NULL,
                                   enabled boolean DEFAULT NULL)
RETURNS prodplan.jobs
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  r prodplan.jobs;
  n int;
BEGIN
  SELECT count(*) INTO n FROM prodplan.jobs j WHERE j.name = $1 AND j.owner = current_user;
  IF n = 0 AND (SELECT count(*) FROM prodplan.jobs j WHERE j.name = $1) > 1 THEN
    RAISE EXCEPTION 'prodplan: several roles have a job named "%"', $1
      USING HINT = 'UPDATE prodplan.jobs ... WHERE name = ... AND owner = ...';
  END IF;
  UPDATE prodplan.jobs j SET schedule = coalesce($2, j.schedule), command = coalesce($3, j.command),
         enabled = coalesce($4, j.enabled),
         consecutive_failures = CASE WHEN $4 THEN 0 ELSE j.consecutive_failures END
   WHERE j.name = $1 AND (n = 0 OR j.owner = current_user)
  RETURNING j.* INTO r;
  IF r.job_id IS NULL THEN
    RAISE EXCEPTION 'prodplan: no job named "%" that % can see', $1, current_user
      USING ERRCODE = 'no_data_found', HINT = 'SELECT name, owner FROM prodplan.jobs lists them.';
  END IF;
  RETURN r;
END
$fn$;
COMMENT ON FUNCTION prodplan.alter_job(text, text, text, boolean) IS 'Changes a job''s schedule, command (owner only) or enabled flag (false pauses it; true resumes it and clears its failure backoff); NULL keeps the current value. Returns the job row. An unknown name is an error.';

CREATE FUNCTION prodplan.prune_job_runs(keep interval DEFAULT '14 days')
RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH d AS (DELETE FROM prodplan.job_runs WHERE status <> 'running' AND ended_at < now() - $1 RETURNING 1)
  SELECT count(*) FROM d
$fn$;
COMMENT ON FUNCTION prodplan.prune_job_runs(interval) IS 'Deletes finished job runs older than keep (default 14 days) that the caller can see; returns how many. The built-in job "prodplan.job_runs retention" runs it daily.';

-- Built-in jobs belong to the role that installed the extension.
INSERT INTO prodplan.jobs (name, schedule, command, is_builtin)
VALUES ('prodplan.job_runs retention', '17 3 * * *', 'SELECT prodplan.prune_job_runs()', true);

SELECT pg_catalog.pg_extension_config_dump('prodplan.jobs', 'WHERE NOT is_builtin');
SELECT pg_catalog.pg_extension_config_dump('prodplan.jobs_job_id_seq', '');

REVOKE ALL ON FUNCTION prodplan.next_run_time(text, timestamptz), prodplan.schedule_job(text, text, text),
  prodplan.unschedule_job(text), prodplan.alter_job(text, text, text, boolean), prodplan.prune_job_runs(interval),
  prodplan.jobs_guard() FROM PUBLIC;
GRANT SELECT ON prodplan.jobs, prodplan.job_runs TO prodplan_reader;
GRANT EXECUTE ON FUNCTION prodplan.next_run_time(text, timestamptz) TO prodplan_reader;
-- Planners schedule their own jobs (row-level security keeps them to their
-- own rows); administrators see and manage everyone's.
GRANT INSERT, UPDATE, DELETE ON prodplan.jobs TO prodplan_planner;
GRANT DELETE ON prodplan.job_runs TO prodplan_planner;
GRANT USAGE ON SEQUENCE prodplan.jobs_job_id_seq TO prodplan_planner;
GRANT EXECUTE ON FUNCTION prodplan.schedule_job(text, text, text), prodplan.unschedule_job(text),
  prodplan.alter_job(text, text, text, boolean), prodplan.prune_job_runs(interval), prodplan.jobs_guard()
  TO prodplan_planner;

-- ---------------------------------------------------------------------------
-- Partition upkeep (CONVENTIONS 18): per table, retention first, then rows
-- of the DEFAULT partition moved into monthly partitions, then partitions
-- from the data's first month to premake_months ahead of max(data, now).
-- ---------------------------------------------------------------------------
ALTER TABLE prodplan.partitioned_table
  ADD COLUMN premake_months int NOT NULL DEFAULT 6 CHECK (premake_months BETWEEN 0 AND 120),
  ADD COLUMN retention interval CHECK (retention IS NULL OR retention > interval '0'),
  ADD COLUMN retention_action text NOT NULL DEFAULT 'detach' CHECK (retention_action IN ('detach', 'drop'));
COMMENT ON COLUMN prodplan.partitioned_table.premake_months IS 'prodplan.maintain_partitions keeps partitions this many months ahead of the later of the newest data and now (default 6).';
COMMENT ON COLUMN prodplan.partitioned_table.retention IS 'Partitions whose whole month ended longer ago than this are detached or dropped by prodplan.maintain_partitions; NULL (default) keeps everything. The newest partition is never removed.';
COMMENT ON COLUMN prodplan.partitioned_table.retention_action IS 'detach (default: the partition becomes a standalone table in schema prodplan_archive, data kept) or drop.';

CREATE FUNCTION prodplan.ensure_table_partitions(table_name text, from_ts timestamptz, to_ts timestamptz)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  -- Months are calendar months in UTC, whatever the session's TimeZone.
  first_month timestamp := date_trunc('month', from_ts AT TIME ZONE 'UTC');
  last_month  timestamp := date_trunc('month', to_ts AT TIME ZONE 'UTC');
  m           timestamp;
  part        text;
  created     integer := 0;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM prodplan.partitioned_table p WHERE p.table_name = $1) THEN
    RAISE EXCEPTION 'prodplan.ensure_table_partitions: "%" is not a partitioned prodplan table', $1
      USING HINT = 'SELECT table_name FROM prodplan.partitioned_table lists them.';
  END IF;
  IF from_ts IS NULL OR to_ts IS NULL THEN
    RAISE EXCEPTION 'prodplan.ensure_table_partitions: from_ts and to_ts must not be NULL';
  END IF;
  IF to_ts < from_ts THEN
    RAISE EXCEPTION 'prodplan.ensure_table_partitions: to_ts (%) is before from_ts (%)', to_ts, from_ts;
  END IF;
  IF last_month - first_month > interval '100 years' THEN
    RAISE EXCEPTION 'prodplan.ensure_table_partitions: range % .. % spans more than 100 years', from_ts, to_ts
      USING HINT = 'Check the dates of the data: a range this wide usually means a mis-parsed date.';
  END IF;
  -- One creator at a time per database: concurrent loaders would race on the
  -- existence check below.
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('prodplan.ensure_partitions'));
  m := first_month;
  WHILE m <= last_month LOOP
    part := format('%s_p%s', $1, to_char(m, 'YYYYMM'));
    IF pg_catalog.to_regclass(format('prodplan.%I', part)) IS NULL THEN
      EXECUTE format('CREATE TABLE prodplan.%I PARTITION OF prodplan.%I FOR VALUES FROM (%L) TO (%L)',
                     part, $1, (m AT TIME ZONE 'UTC'), ((m + interval '1 month') AT TIME ZONE 'UTC'));
      EXECUTE format('COMMENT ON TABLE prodplan.%I IS %L', part,
                     format('Monthly partition of prodplan.%s for %s (UTC).', $1, to_char(m, 'YYYY-MM')));
      created := created + 1;
    END IF;
    m := m + interval '1 month';
  END LOOP;
  RETURN created;
END
$fn$;
COMMENT ON FUNCTION prodplan.ensure_table_partitions(text, timestamptz, timestamptz) IS 'Creates the missing monthly partitions (UTC months) of one partitioned prodplan table for the months from from_ts to to_ts; returns how many it created.';

CREATE OR REPLACE FUNCTION prodplan.ensure_partitions(from_ts timestamptz, to_ts timestamptz)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  t       record;
  created integer := 0;
BEGIN
  -- The arguments are checked here too, so errors name the function called.
  IF from_ts IS NULL OR to_ts IS NULL THEN
    RAISE EXCEPTION 'prodplan.ensure_partitions: from_ts and to_ts must not be NULL';
  END IF;
  IF to_ts < from_ts THEN
    RAISE EXCEPTION 'prodplan.ensure_partitions: to_ts (%) is before from_ts (%)', to_ts, from_ts;
  END IF;
  IF date_trunc('month', to_ts AT TIME ZONE 'UTC') - date_trunc('month', from_ts AT TIME ZONE 'UTC') > interval '100 years' THEN
    RAISE EXCEPTION 'prodplan.ensure_partitions: range % .. % spans more than 100 years', from_ts, to_ts
      USING HINT = 'Check the dates of the data: a range this wide usually means a mis-parsed date.';
  END IF;
  FOR t IN SELECT p.table_name FROM prodplan.partitioned_table p ORDER BY p.table_name LOOP
    created := created + prodplan.ensure_table_partitions(t.table_name, from_ts, to_ts);
  END LOOP;
  RETURN created;
END
$fn$;

CREATE FUNCTION prodplan.maintain_partitions()
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
  -- One upkeep at a time (the hourly job and a manual call); idempotent.
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('prodplan.maintain_partitions'));
  FOR t IN SELECT * FROM prodplan.partitioned_table pt ORDER BY pt.table_name LOOP
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
  END LOOP;
END
$fn$;
COMMENT ON FUNCTION prodplan.maintain_partitions() IS 'Partition upkeep of every table in prodplan.partitioned_table (the built-in hourly job runs it): retention first (whole months older than the table''s retention are detached into schema prodplan_archive or dropped, never the newest partition), then rows that landed in the DEFAULT partition are moved into monthly partitions (or reported when they cannot be moved safely), then monthly partitions are created from the oldest one (or this month, if earlier) to premake_months (default 6) ahead of the later of the newest data and now. Advisory-locked and idempotent; returns one row per action taken.';

INSERT INTO prodplan.jobs (name, schedule, command, is_builtin)
VALUES ('prodplan.partition upkeep', '@hourly', 'SELECT count(*) FROM prodplan.maintain_partitions()', true);

REVOKE ALL ON FUNCTION prodplan.ensure_table_partitions(text, timestamptz, timestamptz), prodplan.maintain_partitions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.ensure_table_partitions(text, timestamptz, timestamptz) TO prodplan_planner;
GRANT EXECUTE ON FUNCTION prodplan.maintain_partitions() TO prodplan_admin;
GRANT UPDATE (premake_months, retention, retention_action) ON prodplan.partitioned_table TO prodplan_admin;
