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
-- ---------------------------------------------------------------------------
-- Quantile sketches (src/pg/sketch_functions.cpp, core/stats/log_sketch.h):
-- mergeable int4[] summaries of non-negative measures (lead times,
-- durations) whose quantiles are within 1% relative error.
-- ---------------------------------------------------------------------------

-- Aggregate support functions. They take or return internal, so SQL cannot
-- hand them a state, and each raises an ERROR unless an aggregate calls it.
-- No SET search_path here, deliberately: a function with a SET clause is
-- called through fmgr_security_definer, which saves and restores the GUC on
-- every call, i.e. for every row aggregated; these C functions resolve no
-- name, so the clause would only cost time.
CREATE FUNCTION prodplan.sketch_agg_add(internal, float8) RETURNS internal
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'prodplan_sketch_agg_add';
COMMENT ON FUNCTION prodplan.sketch_agg_add(internal, float8) IS 'Transition function of prodplan.sketch_agg: counts one value in the sketch state (NULL and NaN skipped, values <= 0 counted as 0). Called only by the aggregate.';

CREATE FUNCTION prodplan.sketch_merge_add(internal, int4[]) RETURNS internal
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'prodplan_sketch_merge_add';
COMMENT ON FUNCTION prodplan.sketch_merge_add(internal, int4[]) IS 'Transition function of prodplan.sketch_merge: adds the counts of one sketch to the state (NULL skipped, a malformed sketch is an error saying what is wrong). Called only by the aggregate.';

CREATE FUNCTION prodplan.sketch_final(internal) RETURNS int4[]
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'prodplan_sketch_final';
COMMENT ON FUNCTION prodplan.sketch_final(internal) IS 'Final function of prodplan.sketch_agg and prodplan.sketch_merge: the state as a sketch (int4[], format version 1), NULL when nothing was counted. Called only by the aggregates.';

CREATE FUNCTION prodplan.sketch_combine(internal, internal) RETURNS internal
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'prodplan_sketch_combine';
COMMENT ON FUNCTION prodplan.sketch_combine(internal, internal) IS 'Combine function of prodplan.sketch_agg and prodplan.sketch_merge (parallel aggregation): adds the counts of two partial states, exactly. Called only by the aggregates.';

CREATE FUNCTION prodplan.sketch_serialize(internal) RETURNS bytea
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'prodplan_sketch_serialize';
COMMENT ON FUNCTION prodplan.sketch_serialize(internal) IS 'Serialization function of prodplan.sketch_agg and prodplan.sketch_merge: a partial state as bytea for parallel workers (not a storage format). Called only by the aggregates.';

CREATE FUNCTION prodplan.sketch_deserialize(bytea, internal) RETURNS internal
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'prodplan_sketch_deserialize';
COMMENT ON FUNCTION prodplan.sketch_deserialize(bytea, internal) IS 'Deserialization function of prodplan.sketch_agg and prodplan.sketch_merge: the inverse of prodplan.sketch_serialize. Called only by the aggregates.';

CREATE AGGREGATE prodplan.sketch_agg(float8) (
  SFUNC = prodplan.sketch_agg_add,
  STYPE = internal,
  SSPACE = 4096,
  FINALFUNC = prodplan.sketch_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = prodplan.sketch_combine,
  SERIALFUNC = prodplan.sketch_serialize,
  DESERIALFUNC = prodplan.sketch_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE prodplan.sketch_agg(float8) IS 'A quantile sketch of the values (any unit): logarithmic buckets, so prodplan.sketch_quantile is within 1% relative error of the true value of the same rank. Values <= 0 count as 0 (the measures are non-negative), NULL and NaN are skipped, values beyond about 1e-13 and 1e26 are clamped to those. NULL over no counted value. Sketches merge exactly (prodplan.sketch_merge), so they can be stored per period or group and combined later.';

CREATE AGGREGATE prodplan.sketch_merge(int4[]) (
  SFUNC = prodplan.sketch_merge_add,
  STYPE = internal,
  SSPACE = 4096,
  FINALFUNC = prodplan.sketch_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = prodplan.sketch_combine,
  SERIALFUNC = prodplan.sketch_serialize,
  DESERIALFUNC = prodplan.sketch_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE prodplan.sketch_merge(int4[]) IS 'Merges sketches made by prodplan.sketch_agg (or this aggregate) exactly: the result equals the sketch of all their values, with the same 1% relative accuracy. NULL sketches are skipped (NULL when all are); a malformed sketch is an error saying what is wrong.';

CREATE FUNCTION prodplan.sketch_quantile(sketch int4[], q float8) RETURNS float8
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_sketch_quantile';
COMMENT ON FUNCTION prodplan.sketch_quantile(int4[], float8) IS 'The q-quantile of a sketch, in the unit of the values sketched, within 1% relative error of the true value of the same rank. Ranks as percentile_disc: the value at 1-based rank max(ceil(q * n), 1), so q = 0 is the smallest, q = 1 the largest, q = 0.5 of an even count the lower median. NULL for an empty sketch; an error unless 0 <= q <= 1 or when the sketch is malformed.';

CREATE FUNCTION prodplan.sketch_count(sketch int4[]) RETURNS bigint
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_sketch_count';
COMMENT ON FUNCTION prodplan.sketch_count(int4[]) IS 'The number of values a sketch counts (values <= 0 included, NULL and NaN never counted). An error when the sketch is malformed.';

-- Aggregates check their owner's EXECUTE right on the support functions, not
-- the caller's: those stay revoked from everyone.
REVOKE ALL ON FUNCTION prodplan.sketch_agg_add(internal, float8), prodplan.sketch_merge_add(internal, int4[]),
  prodplan.sketch_final(internal), prodplan.sketch_combine(internal, internal),
  prodplan.sketch_serialize(internal), prodplan.sketch_deserialize(bytea, internal),
  prodplan.sketch_agg(float8), prodplan.sketch_merge(int4[]),
  prodplan.sketch_quantile(int4[], float8), prodplan.sketch_count(int4[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.sketch_agg(float8), prodplan.sketch_merge(int4[]),
  prodplan.sketch_quantile(int4[], float8), prodplan.sketch_count(int4[]) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Incremental aggregates (CONVENTIONS 19). Each aggregate has daily buckets
-- (UTC days) of mergeable partials (counts, sums, sums of squares, min, max,
-- quantile sketches), a watermark, and an invalidation log.
--
-- Protocol. Every statement that writes a source table (through the parent
-- table, not a partition) runs a statement-level trigger that (a) takes a
-- FOR SHARE lock on the watermark rows of the aggregates that read the table
-- and (b) logs, per plant, the runs of days its rows touch (once an aggregate
-- has a watermark; before its first refresh there is nothing to keep
-- current). prodplan.refresh_aggregates() takes those rows FOR UPDATE first:
-- it waits for every writer in flight to commit (so their rows and log
-- entries are visible to it) and makes writers that start meanwhile wait
-- until it commits (so they read the new watermark). It then recomputes, per
-- plant, the logged ranges below the watermark (late data, corrections,
-- deletes) and, when a logged change reaches the watermark, every day from
-- the watermark on (new data); deletes the log rows it consumed; and moves
-- the watermark to the newest day it saw. A day no log row names is
-- therefore exactly what a full recompute would give, and a refresh after no
-- change reads nothing.
-- ---------------------------------------------------------------------------
CREATE TABLE prodplan.aggregate_watermark (
  aggregate    text PRIMARY KEY,
  watermark    date,
  refreshed_at timestamptz,
  last_refresh jsonb
);
COMMENT ON TABLE prodplan.aggregate_watermark IS 'One row per incremental aggregate: every day is up to date except those named in prodplan.aggregate_invalidation; a refresh recomputes the named days before the watermark one range at a time, and all days from the watermark on when a change reaches them (new data). NULL: never refreshed (the next refresh recomputes everything). last_refresh: what the last refresh recomputed (ranges, rows, seconds).';
INSERT INTO prodplan.aggregate_watermark (aggregate) VALUES ('operation_day'), ('order_day'), ('defect_day');

CREATE TABLE prodplan.aggregate_invalidation (
  id         bigserial PRIMARY KEY,
  aggregate  text NOT NULL REFERENCES prodplan.aggregate_watermark,
  plant_id   text NOT NULL,
  from_day   date NOT NULL,
  to_day     date NOT NULL CHECK (to_day >= from_day),
  logged_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE prodplan.aggregate_invalidation IS 'Runs of days per plant whose source rows changed since the aggregate''s last refresh (new data, late data, corrections, deletes), logged by statement-level triggers on the source tables and consumed by prodplan.refresh_aggregates().';

CREATE TABLE prodplan.agg_operation_day (
  plant_id        text NOT NULL,
  work_center_id  text NOT NULL,
  product_id      text NOT NULL,
  day             date NOT NULL,
  operations      bigint NOT NULL,
  completed       bigint NOT NULL,
  rework          bigint NOT NULL,
  open            bigint NOT NULL,
  duration_n      bigint NOT NULL,
  duration_sum    float8,
  duration_sumsq  float8,
  duration_min    float8,
  duration_max    float8,
  duration_sketch int4[],
  PRIMARY KEY (plant_id, day, work_center_id, product_id)
);
COMMENT ON TABLE prodplan.agg_operation_day IS 'Operations per plant x work center x product x UTC day of event_time (incremental; prodplan.refresh_aggregates). product_id is the order''s product, '''' when the order is unknown. Partials merge by adding counts and sums and taking min/max; durations are minutes of completed operations with a positive duration; duration_sketch merges with prodplan.sketch_merge.';
COMMENT ON COLUMN prodplan.agg_operation_day.operations IS 'Operations whose event_time falls on the day.';
COMMENT ON COLUMN prodplan.agg_operation_day.completed IS 'Of those, ended (ended_at set).';
COMMENT ON COLUMN prodplan.agg_operation_day.rework IS 'Of those, rework passes.';
COMMENT ON COLUMN prodplan.agg_operation_day.open IS 'Of those, still open (no end): work in progress; the sum over all days is the current WIP.';
COMMENT ON COLUMN prodplan.agg_operation_day.duration_n IS 'Completed operations with a positive duration (the duration partials count these).';
COMMENT ON COLUMN prodplan.agg_operation_day.duration_sum IS 'Sum of their durations, minutes.';
COMMENT ON COLUMN prodplan.agg_operation_day.duration_sumsq IS 'Sum of their squared durations, minutes^2 (variance = sumsq/n - (sum/n)^2).';
COMMENT ON COLUMN prodplan.agg_operation_day.duration_min IS 'Shortest duration, minutes.';
COMMENT ON COLUMN prodplan.agg_operation_day.duration_max IS 'Longest duration, minutes.';
COMMENT ON COLUMN prodplan.agg_operation_day.duration_sketch IS 'Quantile sketch of the durations (1% relative accuracy; prodplan.sketch_quantile).';
CREATE INDEX agg_operation_day_wc_idx ON prodplan.agg_operation_day (plant_id, work_center_id, day);
CREATE INDEX agg_operation_day_day_idx ON prodplan.agg_operation_day (day);

CREATE TABLE prodplan.agg_order_day (
  plant_id       text NOT NULL,
  product_id     text NOT NULL,
  day            date NOT NULL,
  orders         bigint NOT NULL,
  finished       bigint NOT NULL,
  with_due       bigint NOT NULL,
  on_time        bigint NOT NULL,
  late           bigint NOT NULL,
  lead_n         bigint NOT NULL,
  lead_sum       float8,
  lead_sumsq     float8,
  lead_min       float8,
  lead_max       float8,
  lead_sketch    int4[],
  PRIMARY KEY (plant_id, day, product_id)
);
COMMENT ON TABLE prodplan.agg_order_day IS 'Production orders per plant x product x UTC day of creation (incremental; prodplan.refresh_aggregates): how many, finished, on time against the due date, and lead-time partials in hours (finished - created) with a quantile sketch.';
COMMENT ON COLUMN prodplan.agg_order_day.orders IS 'Orders created on the day.';
COMMENT ON COLUMN prodplan.agg_order_day.finished IS 'Of those, finished.';
COMMENT ON COLUMN prodplan.agg_order_day.with_due IS 'Of the finished, those with a due date (the on-time rate''s denominator).';
COMMENT ON COLUMN prodplan.agg_order_day.on_time IS 'Finished no later than the due date.';
COMMENT ON COLUMN prodplan.agg_order_day.late IS 'Finished after the due date.';
COMMENT ON COLUMN prodplan.agg_order_day.lead_n IS 'Finished orders (lead-time partials count these).';
COMMENT ON COLUMN prodplan.agg_order_day.lead_sum IS 'Sum of lead times, hours.';
COMMENT ON COLUMN prodplan.agg_order_day.lead_sumsq IS 'Sum of squared lead times, hours^2.';
COMMENT ON COLUMN prodplan.agg_order_day.lead_min IS 'Shortest lead time, hours.';
COMMENT ON COLUMN prodplan.agg_order_day.lead_max IS 'Longest lead time, hours.';
COMMENT ON COLUMN prodplan.agg_order_day.lead_sketch IS 'Quantile sketch of lead times in hours (1% relative accuracy): p50/p90 with prodplan.sketch_quantile(prodplan.sketch_merge(...)).';

CREATE TABLE prodplan.agg_defect_day (
  plant_id              text NOT NULL,
  product_id            text NOT NULL,
  culprit_work_center_id text NOT NULL,
  severity              smallint NOT NULL,
  day                   date NOT NULL,
  defects               bigint NOT NULL,
  orders                bigint NOT NULL,
  PRIMARY KEY (plant_id, day, product_id, culprit_work_center_id, severity)
);
COMMENT ON TABLE prodplan.agg_defect_day IS 'Defects per plant x product x culprit work center x severity x UTC day of detection (incremental; prodplan.refresh_aggregates). product_id and culprit_work_center_id are '''' when unknown, severity 0 when not given.';
COMMENT ON COLUMN prodplan.agg_defect_day.defects IS 'Defect records.';
CREATE INDEX agg_defect_day_day_idx ON prodplan.agg_defect_day (day);
COMMENT ON COLUMN prodplan.agg_defect_day.orders IS 'Distinct orders among them (distinct per bucket: not additive across buckets).';

CREATE VIEW prodplan.wip_by_work_center AS
SELECT plant_id, work_center_id, sum(open)::bigint AS open_operations
FROM prodplan.agg_operation_day
GROUP BY plant_id, work_center_id
HAVING sum(open) > 0;
COMMENT ON VIEW prodplan.wip_by_work_center IS 'Current work in progress per work center: open operations (no end), from prodplan.agg_operation_day (as fresh as its last refresh).';

-- Recomputations of one plant's days lo..hi (plant NULL: every plant; hi
-- NULL: to the newest data). The source rows are selected by their UTC day
-- through the partition key, so only the partitions of those days are read.
CREATE FUNCTION prodplan.agg_recompute_operation_day(plant text, lo date, hi date)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  n bigint;
  t0 timestamptz := (lo::timestamp AT TIME ZONE 'UTC');
  t1 timestamptz := CASE WHEN hi IS NULL THEN 'infinity'::timestamptz ELSE ((hi + 1)::timestamp AT TIME ZONE 'UTC') END;
BEGIN
  DELETE FROM prodplan.agg_operation_day a
  WHERE (plant IS NULL OR a.plant_id = plant) AND a.day >= lo AND (hi IS NULL OR a.day <= hi);
  INSERT INTO prodplan.agg_operation_day
  SELECT o.plant_id, o.work_center_id, coalesce(po.product_id, ''), (o.event_time AT TIME ZONE 'UTC')::date,
         count(*), count(*) FILTER (WHERE o.ended_at IS NOT NULL), count(*) FILTER (WHERE o.is_rework),
         count(*) FILTER (WHERE o.ended_at IS NULL),
         count(*) FILTER (WHERE o.duration_minutes > 0),
         sum(o.duration_minutes) FILTER (WHERE o.duration_minutes > 0),
         sum(o.duration_minutes * o.duration_minutes) FILTER (WHERE o.duration_minutes > 0),
         min(o.duration_minutes) FILTER (WHERE o.duration_minutes > 0),
         max(o.duration_minutes) FILTER (WHERE o.duration_minutes > 0),
         prodplan.sketch_agg(o.duration_minutes) FILTER (WHERE o.duration_minutes > 0)
  FROM prodplan.operation o
  LEFT JOIN prodplan.production_order po ON po.plant_id = o.plant_id AND po.order_id = o.order_id
  WHERE (plant IS NULL OR o.plant_id = plant) AND o.event_time >= t0 AND o.event_time < t1
  GROUP BY 1, 2, 3, 4;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_recompute_operation_day(text, date, date) IS 'Recomputes prodplan.agg_operation_day for a plant''s days lo..hi (plant NULL: all plants; hi NULL: through the newest data); returns the rows written. Used by prodplan.refresh_aggregates.';

CREATE FUNCTION prodplan.agg_recompute_order_day(plant text, lo date, hi date)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  n bigint;
  t0 timestamptz := (lo::timestamp AT TIME ZONE 'UTC');
  t1 timestamptz := CASE WHEN hi IS NULL THEN 'infinity'::timestamptz ELSE ((hi + 1)::timestamp AT TIME ZONE 'UTC') END;
BEGIN
  DELETE FROM prodplan.agg_order_day a
  WHERE (plant IS NULL OR a.plant_id = plant) AND a.day >= lo AND (hi IS NULL OR a.day <= hi);
  INSERT INTO prodplan.agg_order_day
  SELECT o.plant_id, o.product_id, (o.created_at AT TIME ZONE 'UTC')::date,
         count(*), count(o.finished_at),
         count(*) FILTER (WHERE o.finished_at IS NOT NULL AND o.due_at IS NOT NULL),
         count(*) FILTER (WHERE o.finished_at <= o.due_at),
         count(*) FILTER (WHERE o.finished_at > o.due_at),
         count(o.finished_at),
         sum(extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600.0),
         sum((extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600.0) ^ 2),
         min(extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600.0),
         max(extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600.0),
         prodplan.sketch_agg(extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600.0)
  FROM prodplan.production_order o
  WHERE (plant IS NULL OR o.plant_id = plant) AND o.created_at >= t0 AND o.created_at < t1
  GROUP BY 1, 2, 3;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_recompute_order_day(text, date, date) IS 'Recomputes prodplan.agg_order_day for a plant''s days lo..hi (plant NULL: all plants; hi NULL: through the newest data); returns the rows written. Used by prodplan.refresh_aggregates.';

CREATE FUNCTION prodplan.agg_recompute_defect_day(plant text, lo date, hi date)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  n bigint;
  t0 timestamptz := (lo::timestamp AT TIME ZONE 'UTC');
  t1 timestamptz := CASE WHEN hi IS NULL THEN 'infinity'::timestamptz ELSE ((hi + 1)::timestamp AT TIME ZONE 'UTC') END;
BEGIN
  DELETE FROM prodplan.agg_defect_day a
  WHERE (plant IS NULL OR a.plant_id = plant) AND a.day >= lo AND (hi IS NULL OR a.day <= hi);
  -- The culprit operation's work center (an operation id stored twice, with
  -- two event times, counts its smallest work center id). The culprit may be
  -- in any month: a few defects look it up by key in each partition; many
  -- defects hash-join the operations once.
  IF (SELECT count(*) FROM prodplan.defect d
      WHERE (plant IS NULL OR d.plant_id = plant) AND d.detected_at >= t0 AND d.detected_at < t1) <= 2000 THEN
    INSERT INTO prodplan.agg_defect_day
    SELECT d.plant_id, coalesce(po.product_id, ''), coalesce(c.work_center_id, ''), d.severity,
           (d.detected_at AT TIME ZONE 'UTC')::date, count(*), count(DISTINCT d.order_id)
    FROM prodplan.defect d
    LEFT JOIN prodplan.production_order po ON po.plant_id = d.plant_id AND po.order_id = d.order_id
    LEFT JOIN LATERAL (SELECT min(op.work_center_id) AS work_center_id FROM prodplan.operation op
                       WHERE op.plant_id = d.plant_id AND op.operation_id = d.culprit_operation_id) c ON true
    WHERE (plant IS NULL OR d.plant_id = plant) AND d.detected_at >= t0 AND d.detected_at < t1
    GROUP BY 1, 2, 3, 4, 5;
  ELSE
    INSERT INTO prodplan.agg_defect_day
    SELECT d.plant_id, coalesce(po.product_id, ''), coalesce(c.work_center_id, ''), d.severity,
           (d.detected_at AT TIME ZONE 'UTC')::date, count(*), count(DISTINCT d.order_id)
    FROM prodplan.defect d
    LEFT JOIN prodplan.production_order po ON po.plant_id = d.plant_id AND po.order_id = d.order_id
    LEFT JOIN (SELECT op.plant_id, op.operation_id, min(op.work_center_id) AS work_center_id
               FROM prodplan.operation op
               WHERE (plant IS NULL OR op.plant_id = plant)
                 AND op.operation_id IN (SELECT x.culprit_operation_id FROM prodplan.defect x
                                         WHERE (plant IS NULL OR x.plant_id = plant)
                                           AND x.detected_at >= t0 AND x.detected_at < t1)
               GROUP BY 1, 2) c ON c.plant_id = d.plant_id AND c.operation_id = d.culprit_operation_id
    WHERE (plant IS NULL OR d.plant_id = plant) AND d.detected_at >= t0 AND d.detected_at < t1
    GROUP BY 1, 2, 3, 4, 5;
  END IF;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_recompute_defect_day(text, date, date) IS 'Recomputes prodplan.agg_defect_day for a plant''s days lo..hi (plant NULL: all plants; hi NULL: through the newest data); returns the rows written. Used by prodplan.refresh_aggregates.';

-- Logs the days a statement changed, as runs of consecutive days per plant
-- (islands), so a bulk load logs a few rows.
CREATE FUNCTION prodplan.agg_log(aggregate text, plants text[], days date[])
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $fn$
  INSERT INTO prodplan.aggregate_invalidation (aggregate, plant_id, from_day, to_day)
  SELECT $1, s.p, min(s.d), max(s.d)
  FROM (SELECT u.p, u.d, u.d - (dense_rank() OVER (PARTITION BY u.p ORDER BY u.d))::int AS g
        FROM unnest($2, $3) AS u(p, d) WHERE u.p IS NOT NULL AND u.d IS NOT NULL) s
  GROUP BY s.p, s.g
$fn$;
COMMENT ON FUNCTION prodplan.agg_log(text, text[], date[]) IS 'Records in prodplan.aggregate_invalidation the days (per plant, as runs of consecutive days) whose source rows changed. Called by the source tables'' statement triggers.';

-- Statement triggers with transition tables (o: old rows, n: new rows).
-- Each first takes FOR SHARE on the watermark rows it reads (see the
-- protocol above). A NULL watermark means "never refreshed": nothing to log.
CREATE FUNCTION prodplan.agg_operation_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  w_op  date;
  w_def date;
  p     text[];
  d     date[];
BEGIN
  SELECT w.watermark INTO w_op FROM prodplan.aggregate_watermark w WHERE w.aggregate = 'operation_day' FOR SHARE;
  SELECT w.watermark INTO w_def FROM prodplan.aggregate_watermark w WHERE w.aggregate = 'defect_day' FOR SHARE;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    IF w_op IS NOT NULL THEN
      SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
      FROM (SELECT DISTINCT x.plant_id, (x.event_time AT TIME ZONE 'UTC')::date AS day FROM n x) s;
      PERFORM prodplan.agg_log('operation_day', p, d) WHERE p IS NOT NULL;
    END IF;
    -- Defects blame operations: a culprit's work center may have changed.
    IF w_def IS NOT NULL AND EXISTS (SELECT 1 FROM prodplan.defect x WHERE x.plant_id IN (SELECT y.plant_id FROM n y)) THEN
      SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
      FROM (SELECT DISTINCT x.plant_id, (x.detected_at AT TIME ZONE 'UTC')::date AS day
            FROM prodplan.defect x JOIN n y ON y.plant_id = x.plant_id AND y.operation_id = x.culprit_operation_id) s;
      PERFORM prodplan.agg_log('defect_day', p, d) WHERE p IS NOT NULL;
    END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF w_op IS NOT NULL THEN
      SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
      FROM (SELECT DISTINCT x.plant_id, (x.event_time AT TIME ZONE 'UTC')::date AS day FROM o x) s;
      PERFORM prodplan.agg_log('operation_day', p, d) WHERE p IS NOT NULL;
    END IF;
    IF w_def IS NOT NULL AND EXISTS (SELECT 1 FROM prodplan.defect x WHERE x.plant_id IN (SELECT y.plant_id FROM o y)) THEN
      SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
      FROM (SELECT DISTINCT x.plant_id, (x.detected_at AT TIME ZONE 'UTC')::date AS day
            FROM prodplan.defect x JOIN o y ON y.plant_id = x.plant_id AND y.operation_id = x.culprit_operation_id) s;
      PERFORM prodplan.agg_log('defect_day', p, d) WHERE p IS NOT NULL;
    END IF;
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_operation_changed() IS 'Statement trigger of prodplan.operation: logs the changed days of agg_operation_day and (through culprit operations) agg_defect_day.';

CREATE FUNCTION prodplan.agg_order_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  w_ord date;
  w_op  date;
  w_def date;
  op    text[] := '{}';
  oo    text[] := '{}';
  oc    timestamptz[] := '{}';
  p     text[];
  d     date[];
BEGIN
  SELECT w.watermark INTO w_ord FROM prodplan.aggregate_watermark w WHERE w.aggregate = 'order_day' FOR SHARE;
  SELECT w.watermark INTO w_op FROM prodplan.aggregate_watermark w WHERE w.aggregate = 'operation_day' FOR SHARE;
  SELECT w.watermark INTO w_def FROM prodplan.aggregate_watermark w WHERE w.aggregate = 'defect_day' FOR SHARE;
  IF w_ord IS NULL AND w_op IS NULL AND w_def IS NULL THEN
    RETURN NULL;
  END IF;
  -- The changed orders, new and old versions (keys and creation times).
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT op || coalesce(array_agg(x.plant_id), '{}'), oo || coalesce(array_agg(x.order_id), '{}'),
           oc || coalesce(array_agg(x.created_at), '{}') INTO op, oo, oc FROM n x;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT op || coalesce(array_agg(x.plant_id), '{}'), oo || coalesce(array_agg(x.order_id), '{}'),
           oc || coalesce(array_agg(x.created_at), '{}') INTO op, oo, oc FROM o x;
  END IF;
  IF w_ord IS NOT NULL THEN
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT u.plant_id, (u.created_at AT TIME ZONE 'UTC')::date AS day
          FROM unnest(op, oc) AS u(plant_id, created_at)) s;
    PERFORM prodplan.agg_log('order_day', p, d) WHERE p IS NOT NULL;
  END IF;
  -- An order's product labels its operations and defects.
  IF w_op IS NOT NULL AND EXISTS (SELECT 1 FROM prodplan.operation x WHERE x.plant_id = ANY (op)) THEN
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT x.plant_id, (x.event_time AT TIME ZONE 'UTC')::date AS day
          FROM prodplan.operation x JOIN unnest(op, oo) AS y(plant_id, order_id)
            ON y.plant_id = x.plant_id AND y.order_id = x.order_id) s;
    PERFORM prodplan.agg_log('operation_day', p, d) WHERE p IS NOT NULL;
  END IF;
  IF w_def IS NOT NULL AND EXISTS (SELECT 1 FROM prodplan.defect x WHERE x.plant_id = ANY (op)) THEN
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT x.plant_id, (x.detected_at AT TIME ZONE 'UTC')::date AS day
          FROM prodplan.defect x JOIN unnest(op, oo) AS y(plant_id, order_id)
            ON y.plant_id = x.plant_id AND y.order_id = x.order_id) s;
    PERFORM prodplan.agg_log('defect_day', p, d) WHERE p IS NOT NULL;
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_order_changed() IS 'Statement trigger of prodplan.production_order: logs the changed days of agg_order_day (creation days) and, since an order''s product labels them, of its operations'' and defects'' aggregates.';

CREATE FUNCTION prodplan.agg_defect_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  w_def date;
  p     text[];
  d     date[];
BEGIN
  SELECT w.watermark INTO w_def FROM prodplan.aggregate_watermark w WHERE w.aggregate = 'defect_day' FOR SHARE;
  IF w_def IS NULL THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT x.plant_id, (x.detected_at AT TIME ZONE 'UTC')::date AS day FROM n x) s;
    PERFORM prodplan.agg_log('defect_day', p, d) WHERE p IS NOT NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT x.plant_id, (x.detected_at AT TIME ZONE 'UTC')::date AS day FROM o x) s;
    PERFORM prodplan.agg_log('defect_day', p, d) WHERE p IS NOT NULL;
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_defect_changed() IS 'Statement trigger of prodplan.defect: logs the changed detection days of agg_defect_day.';

CREATE TRIGGER agg_operation_ins AFTER INSERT ON prodplan.operation
  REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_operation_changed();
CREATE TRIGGER agg_operation_upd AFTER UPDATE ON prodplan.operation
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_operation_changed();
CREATE TRIGGER agg_operation_del AFTER DELETE ON prodplan.operation
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_operation_changed();
CREATE TRIGGER agg_order_ins AFTER INSERT ON prodplan.production_order
  REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_order_changed();
CREATE TRIGGER agg_order_upd AFTER UPDATE ON prodplan.production_order
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_order_changed();
CREATE TRIGGER agg_order_del AFTER DELETE ON prodplan.production_order
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_order_changed();
CREATE TRIGGER agg_defect_ins AFTER INSERT ON prodplan.defect
  REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_defect_changed();
CREATE TRIGGER agg_defect_upd AFTER UPDATE ON prodplan.defect
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_defect_changed();
CREATE TRIGGER agg_defect_del AFTER DELETE ON prodplan.defect
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_defect_changed();

-- TRUNCATE has no transition table: the aggregates reading the table start
-- over (a NULL watermark makes the next refresh recompute everything).
CREATE FUNCTION prodplan.agg_source_truncated()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  UPDATE prodplan.aggregate_watermark w SET watermark = NULL
  WHERE w.aggregate = ANY (CASE TG_TABLE_NAME
                             WHEN 'operation' THEN ARRAY['operation_day', 'defect_day']
                             WHEN 'production_order' THEN ARRAY['order_day', 'operation_day', 'defect_day']
                             ELSE ARRAY['defect_day'] END);
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_source_truncated() IS 'TRUNCATE trigger of the aggregates'' source tables: the aggregates reading the table are recomputed in full by the next refresh.';
CREATE TRIGGER agg_operation_truncate AFTER TRUNCATE ON prodplan.operation
  FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_source_truncated();
CREATE TRIGGER agg_order_truncate AFTER TRUNCATE ON prodplan.production_order
  FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_source_truncated();
CREATE TRIGGER agg_defect_truncate AFTER TRUNCATE ON prodplan.defect
  FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_source_truncated();

CREATE FUNCTION prodplan.refresh_aggregates()
RETURNS TABLE (aggregate text, ranges int, rows_written bigint, watermark date, seconds float8)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  a        text;
  wm       date;
  max_id   bigint;
  newest   timestamptz;
  rp       text[];
  rl       date[];
  rh       date[];
  k        int;
  gap      int;
  tail     boolean;
  total    bigint := 0;
  n        bigint;
  nranges  int;
  t0       timestamptz;
  from_ts  timestamptz;
  merged   jsonb;
BEGIN
  FOREACH a IN ARRAY ARRAY['order_day', 'operation_day', 'defect_day'] LOOP
    t0 := clock_timestamp();
    -- FOR UPDATE: wait for writers in flight, hold off new ones (see the protocol).
    SELECT w.watermark INTO wm FROM prodplan.aggregate_watermark w WHERE w.aggregate = a FOR UPDATE;
    SELECT max(i.id) INTO max_id FROM prodplan.aggregate_invalidation i WHERE i.aggregate = a;
    -- New data: a logged change at or after the watermark (or no watermark yet).
    tail := wm IS NULL OR EXISTS (SELECT 1 FROM prodplan.aggregate_invalidation i
                                  WHERE i.aggregate = a AND i.id <= max_id AND i.to_day >= wm);
    from_ts := coalesce(wm::timestamp AT TIME ZONE 'UTC', '-infinity'::timestamptz);
    newest := CASE WHEN NOT tail THEN NULL WHEN a
= 'order_day' THEN (SELECT max(o.created_at) FROM prodplan.production_order o WHERE o.created_at >= from_ts)
      WHEN a = 'operation_day' THEN (SELECT max(o.event_time) FROM prodplan.operation o WHERE o.event_time >= from_ts)
      ELSE (SELECT max(d.detected_at) FROM prodplan.defect d WHERE d.detected_at >= from_ts) END;
    n := 0;
    nranges := 0;
    merged := '[]';
    IF wm IS NOT NULL THEN
      -- Logged ranges below the watermark, merged per plant where they
      -- overlap or touch.
      WITH l AS (SELECT i.plant_id, i.from_day, least(i.to_day, wm - 1) AS to_day
                 FROM prodplan.aggregate_invalidation i
                 WHERE i.aggregate = a AND i.id <= max_id AND i.from_day < wm),
      s AS (SELECT l.*, max(l.to_day) OVER (PARTITION BY l.plant_id ORDER BY l.from_day, l.to_day
                                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM l),
      g AS (SELECT s.*, sum(CASE WHEN s.prev_end IS NULL OR s.from_day > s.prev_end + 1 THEN 1 ELSE 0 END)
                          OVER (PARTITION BY s.plant_id ORDER BY s.from_day, s.to_day) AS grp FROM s),
      m AS (SELECT g.plant_id, min(g.from_day) AS lo, max(g.to_day) AS hi FROM g GROUP BY g.plant_id, g.grp)
      SELECT array_agg(m.plant_id ORDER BY m.plant_id, m.lo), array_agg(m.lo ORDER BY m.plant_id, m.lo),
             array_agg(m.hi ORDER BY m.plant_id, m.lo)
        INTO rp, rl, rh FROM m;
      -- Too many ranges: bridge gaps of up to a week, a month, a quarter,
      -- a year, then everything, until at most 32 remain.
      FOREACH gap IN ARRAY ARRAY[7, 31, 92, 366, 1000000] LOOP
        EXIT WHEN coalesce(array_length(rp, 1), 0) <= 32;
        WITH x AS (SELECT u.p, u.lo, u.hi,
                          CASE WHEN u.lo > lag(u.hi) OVER (PARTITION BY u.p ORDER BY u.lo) + gap THEN 1 ELSE 0 END AS brk
                   FROM unnest(rp, rl, rh) AS u(p, lo, hi)),
        y AS (SELECT x.*, sum(x.brk) OVER (PARTITION BY x.p ORDER BY x.lo) AS grp FROM x),
        z AS (SELECT y.p, min(y.lo) AS lo, max(y.hi) AS hi FROM y GROUP BY y.p, y.grp)
        SELECT array_agg(z.p ORDER BY z.p, z.lo), array_agg(z.lo ORDER BY z.p, z.lo), array_agg(z.hi ORDER BY z.p, z.lo)
          INTO rp, rl, rh FROM z;
      END LOOP;
      FOR k IN 1 .. coalesce(array_length(rp, 1), 0) LOOP
        n := n + CASE a
          WHEN 'order_day' THEN prodplan.agg_recompute_order_day(rp[k], rl[k], rh[k])
          WHEN 'operation_day' THEN prodplan.agg_recompute_operation_day(rp[k], rl[k], rh[k])
          ELSE prodplan.agg_recompute_defect_day(rp[k], rl[k], rh[k]) END;
        nranges := nranges + 1;
        merged := merged || jsonb_build_array(jsonb_build_object('plant', rp[k], 'from', rl[k], 'to', rh[k]));
      END LOOP;
    END IF;
    -- New data: every plant's days from the watermark on (all of them the first time).
    IF tail THEN
      n := n + CASE a
        WHEN 'order_day' THEN prodplan.agg_recompute_order_day(NULL, coalesce(wm, '-infinity'::date), NULL)
        WHEN 'operation_day' THEN prodplan.agg_recompute_operation_day(NULL, coalesce(wm, '-infinity'::date), NULL)
        ELSE prodplan.agg_recompute_defect_day(NULL, coalesce(wm, '-infinity'::date), NULL) END;
    END IF;
    DELETE FROM prodplan.aggregate_invalidation i WHERE i.aggregate = a AND i.id <= max_id;
    aggregate := a;
    ranges := nranges;
    rows_written := n;
    watermark := coalesce((newest AT TIME ZONE 'UTC')::date, wm);
    seconds := extract(epoch FROM clock_timestamp() - t0);
    UPDATE prodplan.aggregate_watermark w
       SET watermark = refresh_aggregates.watermark, refreshed_at = now(),
           last_refresh = jsonb_build_object('invalidated_ranges', merged, 'from', CASE WHEN tail THEN wm END, 'rows_written', n,
                                             'seconds', round(seconds::numeric, 3))
     WHERE w.aggregate = a;
    total := total + n;
    RETURN NEXT;
  END LOOP;
  -- Cached results computed from the aggregates are stale now.
  IF total > 0 THEN
    PERFORM prodplan.bump_data_version('refresh_aggregates');
  END IF;
END
$fn$;
COMMENT ON FUNCTION prodplan.refresh_aggregates() IS 'Brings the incremental aggregates (agg_order_day, agg_operation_day, agg_defect_day) up to date: recomputes only the day ranges logged as changed below each watermark (merged per plant; more than 32 are bridged over their smallest gaps until at most 32 remain) plus, when a change reaches the watermark, every day from it on, then moves the watermark to the newest data; after no change it reads nothing. The result equals a full recompute. Returns per aggregate the ranges recomputed, rows written, the new watermark and seconds. The built-in job "prodplan.aggregate refresh" runs it every minute.';

INSERT INTO prodplan.jobs (name, schedule, command, is_builtin)
VALUES ('prodplan.aggregate refresh', '* * * * *', 'SELECT count(*) FROM prodplan.refresh_aggregates()', true);

ALTER FUNCTION prodplan.agg_operation_changed() SECURITY DEFINER;
ALTER FUNCTION prodplan.agg_order_changed() SECURITY DEFINER;
ALTER FUNCTION prodplan.agg_defect_changed() SECURITY DEFINER;
ALTER FUNCTION prodplan.agg_source_truncated() SECURITY DEFINER;
REVOKE ALL ON FUNCTION prodplan.refresh_aggregates(), prodplan.agg_log(text, text[], date[]),
  prodplan.agg_recompute_operation_day(text, date, date), prodplan.agg_recompute_order_day(text, date, date),
  prodplan.agg_recompute_defect_day(text, date, date), prodplan.agg_operation_changed(), prodplan.agg_order_changed(),
  prodplan.agg_defect_changed(), prodplan.agg_source_truncated() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.refresh_aggregates() TO prodplan_planner;
GRANT SELECT ON prodplan.aggregate_watermark, prodplan.aggregate_invalidation, prodplan.agg_operation_day,
  prodplan.agg_order_day, prodplan.agg_defect_day, prodplan.wip_by_work_center TO prodplan_reader;

-- The checksum covers the plant's data, not what is derived from it.
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

-- ---------------------------------------------------------------------------
-- Data version and metrics.
-- ---------------------------------------------------------------------------
CREATE TABLE prodplan.data_version (
  only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  version     bigint NOT NULL DEFAULT 0,
  changed_at  timestamptz NOT NULL DEFAULT now(),
  changed_by  text
);
COMMENT ON TABLE prodplan.data_version IS 'One row: a counter that every ingestion run that changed rows and every aggregate refresh that rewrote rows bumps in its own transaction. Results computed from the data can be cached under it: a cached result of an older version is stale.';
COMMENT ON COLUMN prodplan.data_version.version IS 'Increases by one per change.';
COMMENT ON COLUMN prodplan.data_version.changed_by IS 'What bumped it last (e.g. ingest run 12, refresh_aggregates).';
INSERT INTO prodplan.data_version DEFAULT VALUES;

CREATE FUNCTION prodplan.bump_data_version(what text)
RETURNS bigint
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  UPDATE prodplan.data_version SET version = version + 1, changed_at = now(), changed_by = $1 RETURNING version
$fn$;
COMMENT ON FUNCTION prodplan.bump_data_version(text) IS 'Increments prodplan.data_version (in the caller''s transaction) and returns the new version; what says who changed the data.';

CREATE FUNCTION prodplan.ingest_run_bumps_version()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF NEW.status = 'succeeded' AND OLD.status IS DISTINCT FROM 'succeeded'
     AND coalesce(NEW.inserted, 0) + coalesce(NEW.updated, 0) > 0 THEN
    PERFORM prodplan.bump_data_version('ingest run ' || NEW.run_id);
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.ingest_run_bumps_version() IS 'Trigger of prodplan.ingest_runs: a run that succeeds having inserted or updated rows bumps prodplan.data_version in the run''s transaction.';
CREATE TRIGGER ingest_run_bumps_version AFTER UPDATE OF status ON prodplan.ingest_runs
  FOR EACH ROW EXECUTE FUNCTION prodplan.ingest_run_bumps_version();

-- Counters of the result cache (prodplan.kpis), read by the metrics.
CREATE SEQUENCE prodplan.result_cache_hits;
CREATE SEQUENCE prodplan.result_cache_misses;
COMMENT ON SEQUENCE prodplan.result_cache_hits IS 'Calls served from prodplan.result_cache (a sequence: counting costs no row lock).';
COMMENT ON SEQUENCE prodplan.result_cache_misses IS 'Calls that computed their result (and stored it in prodplan.result_cache).';

CREATE FUNCTION prodplan.metric_samples()
RETURNS TABLE (metric text, kind text, help text, labels jsonb, value float8)
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT 'prodplan_ingest_runs_total', 'counter', 'Ingestion runs by status.',
         jsonb_build_object('status', s.status), count(r.run_id)::float8
  FROM (VALUES ('succeeded'), ('failed'), ('skipped'), ('running')) s(status)
  LEFT JOIN prodplan.ingest_runs r ON r.status = s.status GROUP BY s.status
  UNION ALL
  SELECT 'prodplan_ingest_rows_total', 'counter', 'Rows of succeeded ingestion runs by outcome.',
         jsonb_build_object('outcome', o.outcome), coalesce(sum(o.n), 0)::float8
  FROM prodplan.ingest_runs r
  CROSS JOIN LATERAL (VALUES ('read', r.rows_read), ('inserted', r.inserted), ('updated', r.updated),
                             ('unchanged', r.unchanged), ('quarantined', r.quarantined), ('duplicate', r.duplicates)) o(outcome, n)
  WHERE r.status = 'succeeded' GROUP BY o.outcome
  UNION ALL
  SELECT 'prodplan_ingest_seconds_total', 'counter', 'Seconds spent in succeeded ingestion runs.', '{}',
         coalesce(sum(extract(epoch FROM r.finished_at - r.started_at)), 0)::float8
  FROM prodplan.ingest_runs r WHERE r.status = 'succeeded'
  UNION ALL
  SELECT 'prodplan_ingest_last_success_timestamp_seconds', 'gauge', 'When the last ingestion run succeeded (Unix seconds; 0 never).', '{}',
         coalesce(extract(epoch FROM max(r.finished_at)), 0)::float8
  FROM prodplan.ingest_runs r WHERE r.status = 'succeeded'
  UNION ALL
  SELECT 'prodplan_plans_total', 'counter', 'Plans made, by status.', jsonb_build_object('status', s.status), count(p.plan_id)::float8
  FROM (VALUES ('proposed'), ('released'), ('superseded')) s(status)
  LEFT JOIN prodplan.plans p ON p.status = s.status GROUP BY s.status
  UNION ALL
  SELECT 'prodplan_plan_seconds_total', 'counter', 'Seconds spent planning (prodplan.plan).', '{}',
         coalesce(sum(p.total_seconds), 0)::float8 FROM prodplan.plans p
  UNION ALL
  SELECT 'prodplan_plan_first_feasible_seconds_max', 'gauge', 'Longest time to a first feasible plan over the last 100 plans.', '{}',
         coalesce(max(x.first_plan_seconds), 0)::float8
  FROM (SELECT p.first_plan_seconds FROM prodplan.plans p ORDER BY p.plan_id DESC LIMIT 100) x
  UNION ALL
  SELECT 'prodplan_job_runs_total', 'counter', 'Job runs kept in prodplan.job_runs, by job and status.',
         jsonb_build_object('job', r.job_name, 'status', r.status), count(*)::float8
  FROM prodplan.job_runs r GROUP BY r.job_name, r.status
  UNION ALL
  SELECT 'prodplan_job_last_success_timestamp_seconds', 'gauge', 'When each job last succeeded (Unix seconds; 0 never).',
         jsonb_build_object('job', j.name),
         coalesce((SELECT extract(epoch FROM max(r.ended_at)) FROM prodplan.job_runs r
                   WHERE r.job_id = j.job_id AND r.status = 'succeeded'), 0)::float8
  FROM prodplan.jobs j
  UNION ALL
  SELECT 'prodplan_job_consecutive_failures', 'gauge', 'Failed runs in a row per job (0: last run succeeded).',
         jsonb_build_object('job', j.name), j.consecutive_failures::float8
  FROM prodplan.jobs j
  UNION ALL
  SELECT 'prodplan_partitions', 'gauge', 'Monthly partitions per partitioned table.', jsonb_build_object('table', x.parent),
         count(*) FILTER (WHERE NOT x.is_default)::float8
  FROM prodplan.partitions x GROUP BY x.parent
  UNION ALL
  SELECT 'prodplan_default_partition_rows_estimate', 'gauge', 'Rows in each DEFAULT partition as of the last ANALYZE (should be 0: partition upkeep moves them).',
         jsonb_build_object('table', x.parent), greatest(x.estimated_rows, 0)::float8
  FROM prodplan.partitions x WHERE x.is_default
  UNION ALL
  SELECT 'prodplan_aggregate_lag_seconds', 'gauge', 'Seconds since each aggregate was last refreshed (-1 never).',
         jsonb_build_object('aggregate', w.aggregate),
         coalesce(extract(epoch FROM now() - w.refreshed_at), -1)::float8
  FROM prodplan.aggregate_watermark w
  UNION ALL
  SELECT 'prodplan_aggregate_pending_ranges', 'gauge', 'Logged changes waiting for the next refresh, per aggregate.',
         jsonb_build_object('aggregate', w.aggregate),
         (SELECT count(*) FROM prodplan.aggregate_invalidation i WHERE i.aggregate = w.aggregate)::float8
  FROM prodplan.aggregate_watermark w
  UNION ALL
  SELECT 'prodplan_cache_requests_total', 'counter', 'Calls of cached read functions (prodplan.kpis), served from the cache (hit) or computed (miss).',
         jsonb_build_object('result', x.result), coalesce(x.n, 0)::float8
  FROM (VALUES ('hit', pg_catalog.pg_sequence_last_value('prodplan.result_cache_hits')),
               ('miss', pg_catalog.pg_sequence_last_value('prodplan.result_cache_misses'))) x(result, n)
  UNION ALL
  SELECT 'prodplan_data_version', 'gauge', 'prodplan.data_version: bumped by every ingestion and refresh that changed rows.', '{}',
         v.version::float8 FROM prodplan.data_version v
$fn$;
COMMENT ON FUNCTION prodplan.metric_samples() IS 'The samples of prodplan.metrics() as rows (metric, kind counter|gauge, help, labels, value), for SQL clients and the postgres_exporter queries in contrib/postgres_exporter/prodplan_queries.yaml.';

CREATE FUNCTION prodplan.metrics()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH s AS (SELECT * FROM prodplan.metric_samples()),
  fam AS (SELECT DISTINCT ON (s.metric) s.metric, s.kind, s.help FROM s ORDER BY s.metric)
  SELECT string_agg(
           '# HELP ' || f.metric || ' ' || replace(replace(f.help, E'\\', E'\\\\'), E'\n', E'\\n') || E'\n' ||
           '# TYPE ' || f.metric || ' ' || f.kind || E'\n' ||
           (SELECT string_agg(f.metric ||
                     coalesce('{' || (SELECT string_agg(l.key || '="' ||
                                        replace(replace(replace(l.value, E'\\', E'\\\\'), '"', E'\\"'), E'\n', E'\\n') || '"',
                                        ',' ORDER BY l.key)
                                      FROM jsonb_each_text(x.labels) l) || '}', '') ||
                     ' ' || CASE WHEN x.value = 'NaN'::float8 THEN 'NaN' ELSE x.value::text END,
                     E'\n' ORDER BY x.labels::text)
            FROM s x WHERE x.metric = f.metric) || E'\n',
           '' ORDER BY f.metric)
  FROM fam f
$fn$;
COMMENT ON FUNCTION prodplan.metrics() IS 'Prometheus text exposition (version 0.0.4) of prodplan''s metrics: ingestion runs, rows and seconds, plans and planning seconds, job runs by status and last success, partitions per table and DEFAULT-partition rows, aggregate lag and pending changes, the data version. Serve it with postgres_exporter (contrib/postgres_exporter/prodplan_queries.yaml) or any HTTP bridge that runs SELECT prodplan.metrics().';

REVOKE ALL ON FUNCTION prodplan.bump_data_version(text), prodplan.ingest_run_bumps_version(),
  prodplan.metric_samples(), prodplan.metrics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.metric_samples(), prodplan.metrics() TO prodplan_reader;
GRANT EXECUTE ON FUNCTION prodplan.bump_data_version(text) TO prodplan_planner;
GRANT SELECT ON prodplan.data_version TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- KPIs, served from the aggregates.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.store_standard_times(plant text)
RETURNS integer
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH st AS (SELECT * FROM prodplan.standard_times($1) WHERE minutes IS NOT NULL),
  u AS (UPDATE prodplan.routing_step r SET standard_minutes = st.minutes
        FROM st WHERE r.plant_id = $1 AND r.product_id = st.product_id AND r.work_center_id = st.work_center_id
          AND r.standard_minutes IS DISTINCT FROM st.minutes
        RETURNING 1)
  SELECT count(*)::int FROM u
$fn$;
COMMENT ON FUNCTION prodplan.store_standard_times(text) IS 'Writes prodplan.standard_times(plant) into routing_step.standard_minutes (the stored standard times the effectiveness KPI of prodplan.kpis reads); returns how many steps changed.';

CREATE FUNCTION prodplan.kpis_compute(from_ts timestamptz, to_ts timestamptz, "by" text, plant text)
RETURNS TABLE (plant_id text, group_key text, kpi text, value float8, unit text, reason text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  d0    date;
  d1    date;
  today date := (now() AT TIME ZONE 'UTC')::date;
BEGIN
  IF from_ts IS NULL OR to_ts IS NULL OR to_ts <= from_ts THEN
    RAISE EXCEPTION 'prodplan.kpis: the range must be from_ts < to_ts, got % .. %', from_ts, to_ts;
  END IF;
  -- Whole UTC days: those from_ts and to_ts (exclusive) fall on.
  d0 := (from_ts AT TIME ZONE 'UTC')::date;
  d1 := ((to_ts - interval '1 microsecond') AT TIME ZONE 'UTC')::date;
  RETURN QUERY
  WITH
  op AS (
    SELECT a.plant_id AS p, CASE "by" WHEN 'overall' THEN 'all' WHEN 'work_center' THEN a.work_center_id
             WHEN 'product' THEN a.product_id WHEN 'day' THEN a.day::text
             ELSE date_trunc('week', a.day)::date::text END AS g,
           a.*
    FROM prodplan.agg_operation_day a
    WHERE a.day BETWEEN d0 AND d1 AND ($4 IS NULL OR a.plant_id = $4)),
  -- Stored standard minutes per (product, work center): effectiveness.
  std AS (SELECT r.plant_id, r.product_id, r.work_center_id, min(r.standard_minutes) AS minutes
          FROM prodplan.routing_step r WHERE r.standard_minutes > 0 AND ($4 IS NULL OR r.plant_id = $4)
          GROUP BY 1, 2, 3),
  -- Planned busy time per work center: its calendar's working time in the
  -- range times its capacity units (minutes).
  cal AS (SELECT pl.plant_id, w.calendar_id,
                 sum(extract(epoch FROM least(w.ends_at, to_ts) - greatest(w.starts_at, from_ts)) / 60.0) AS minutes
          FROM prodplan.plant pl
          CROSS JOIN LATERAL prodplan.working_time(pl.plant_id, from_ts, to_ts) w
          WHERE "by" IN ('overall', 'work_center') AND ($4 IS NULL OR pl.plant_id = $4)
            AND w.ends_at > from_ts AND w.starts_at < to_ts
          GROUP BY 1, 2),
  busy AS (SELECT wc.plant_id, wc.work_center_id, wc.capacity_units * c.minutes AS minutes
           FROM prodplan.work_center wc JOIN cal c ON c.plant_id = wc.plant_id AND c.calendar_id = wc.calendar_id
           WHERE wc.is_production),
  opg AS (
    SELECT o.p, o.g, sum(o.operations) AS operations, sum(o.completed) AS completed, sum(o.rework) AS rework,
           sum(o.open) AS open, sum(o.open * (today - o.day)) AS open_age_days,
           sum(o.duration_n) AS dn, sum(o.duration_sum) AS ds, prodplan.sketch_merge(o.duration_sketch) AS dsk,
           sum(o.duration_n * s.minutes) AS std_minutes, sum(o.duration_sum) FILTER (WHERE s.minutes IS NOT NULL) AS std_actual,
           -- Days of the range in the group (a day or week group: its own days).
           CASE "by" WHEN 'day' THEN 1 WHEN 'week' THEN
             (least(min(o.day)::date - extract(isodow FROM min(o.day))::int + 7, d1) - greatest(min(o.day)::date - extract(isodow FROM min(o.day))::int + 1, d0) + 1)
             ELSE d1 - d0 + 1 END AS days
    FROM op o LEFT JOIN std s ON s.plant_id = o.plant_id AND s.product_id = o.product_id AND s.work_center_id = o.work_center_id
    GROUP BY o.p, o.g),
  avail AS (
    SELECT o.p, o.g, sum(o.duration_sum) AS actual, sum(b.minutes) AS planned
    FROM (SELECT op.p, op.g, op.work_center_id, sum(op.duration_sum) AS duration_sum FROM op GROUP BY 1, 2, 3) o
    JOIN busy b ON b.plant_id = o.p AND b.work_center_id = o.work_center_id
    WHERE "by" IN ('overall', 'work_center')
    GROUP BY o.p, o.g),
  def AS (
    SELECT d.plant_id AS p, CASE "by" WHEN 'overall' THEN 'all' WHEN 'work_center' THEN d.culprit_work_center_id
             WHEN 'product' THEN d.product_id WHEN 'day' THEN d.day::text
             ELSE date_trunc('week', d.day)::date::text END AS g,
           sum(d.defects) AS defects
    FROM prodplan.agg_defect_day d
    WHERE d.day BETWEEN d0 AND d1 AND ($4 IS NULL OR d.plant_id = $4)
    GROUP BY 1, 2),
  ord AS (
    SELECT a.plant_id AS p, CASE "by" WHEN 'overall' THEN 'all' WHEN 'product' THEN a.product_id WHEN 'day' THEN a.day::text
             ELSE date_trunc('week', a.day)::date::text END AS g,
           sum(a.orders) AS orders, sum(a.finished) AS finished, sum(a.with_due) AS with_due, sum(a.on_time) AS on_time,
           sum(a.lead_n) AS lead_n, sum(a.lead_sum) AS lead_sum, prodplan.sketch_merge(a.lead_sketch) AS lsk
    FROM prodplan.agg_order_day a
    WHERE "by" <> 'work_center' AND a.day BETWEEN d0 AND d1 AND ($4 IS NULL OR a.plant_id = $4)
    GROUP BY 1, 2)
  -- Orders (by creation day in the range).
  SELECT o.p, o.g, v.kpi, v.value, v.unit, v.reason
  FROM ord o CROSS JOIN LATERAL (VALUES
    ('orders_created', o.orders::float8, 'orders', NULL::text),
    ('orders_finished', o.finished::float8, 'orders', NULL),
    ('lead_time_mean', o.lead_sum / nullif(o.lead_n, 0), 'h',
       CASE WHEN o.lead_n = 0 THEN 'no order created in the range has finished' END),
    ('lead_time_p50', prodplan.sketch_quantile(o.lsk, 0.5), 'h',
       CASE WHEN o.lsk IS NULL THEN 'no order created in the range has finished' END),
    ('lead_time_p90', prodplan.sketch_quantile(o.lsk, 0.9), 'h',
       CASE WHEN o.lsk IS NULL THEN 'no order created in the range has finished' END),
    ('on_time_rate', 100.0 * o.on_time / nullif(o.with_due, 0), '%',
       CASE WHEN o.with_due = 0 THEN 'no order created in the range has finished with a due date' END)) v(kpi, value, unit, reason)
  UNION ALL
  SELECT pl.plant_id, 'all', k.kpi, NULL::float8, k.unit,
         'order KPIs are per plant, product or period: an order passes many work centers'
  FROM prodplan.plant pl, (VALUES ('orders_created', 'orders'), ('orders_finished', 'orders'), ('lead_time_mean', 'h'),
                                  ('lead_time_p50', 'h'), ('lead_time_p90', 'h'), ('on_time_rate', '%')) k(kpi, unit)
  WHERE "by" = 'work_center' AND ($4 IS NULL OR pl.plant_id = $4)
  UNION ALL
  -- Operations (by event day in the range) and, per group, defects and ISO 22400-2.
  SELECT o.p, o.g, v.kpi, v.value, v.unit, v.reason
  FROM opg o
  LEFT JOIN def d ON d.p = o.p AND d.g = o.g
  LEFT JOIN avail a ON a.p = o.p AND a.g = o.g
  CROSS JOIN LATERAL (VALUES
    ('operations_completed', o.completed::float8, 'operations', NULL::text),
    ('throughput', o.completed::float8 / greatest(o.days, 1), 'operations/day', NULL),
    ('wip', o.open::float8, 'open operations', NULL),
    ('wip_age_mean', o.open_age_days::float8 / nullif(o.open, 0), 'days',
       CASE WHEN o.open = 0 THEN 'no open operation in the range' END),
    ('operation_time_mean', o.ds / nullif(o.dn, 0), 'min', CASE WHEN o.dn = 0 THEN 'no completed operation with a duration' END),
    ('operation_time_p50', prodplan.sketch_quantile(o.dsk, 0.5), 'min', CASE WHEN o.dsk IS NULL THEN 'no completed operation with a duration' END),
    ('rework_ratio', 100.0 * o.rework / nullif(o.operations, 0), '%', NULL),
    ('defects', coalesce(d.defects, 0)::float8, 'defects', NULL),
    ('defects_per_100_operations', 100.0 * coalesce(d.defects, 0) / nullif(o.completed, 0), 'defects/100 operations',
       CASE WHEN o.completed = 0 THEN 'no completed operation' END),
    ('throughput_rate', o.dn / nullif(o.ds / 60.0, 0), 'operations/h', CASE WHEN o.dn = 0 THEN 'no completed operation with a duration' END),
    ('availability', CASE WHEN "by" IN ('overall', 'work_center') THEN 100.0 * a.actual / nullif(a.planned, 0) END, '%',
       CASE WHEN "by" NOT IN ('overall', 'work_center') THEN 'availability is per work center or overall (planned busy time comes from work center calendars)'
            WHEN a.planned IS NULL OR a.planned = 0 THEN 'no calendar working time for these work centers in the range' END),
    ('effectiveness', 100.0 * o.std_minutes / nullif(o.std_actual, 0), '%',
       CASE WHEN o.std_actual IS NULL THEN 'no stored standard times (routing_step.standard_minutes): run prodplan.store_standard_times(plant)' END),
    ('quality_ratio', NULL, '%', 'the data records defects, not good and scrapped quantities'),
    ('scrap_ratio', NULL, '%', 'the data records no scrapped quantities'),
    ('first_pass_yield', NULL, '%', 'needs per-order rework, which the daily aggregates do not keep'),
    ('oee', NULL, '%', 'needs the quality ratio, which the data cannot give'),
    ('setup_rate', NULL, '%', 'actual setup times are not recorded (planned setups: prodplan.plan_kpis)'),
    ('allocation_ratio', NULL, '%', 'needs the busy time of each work unit, which operations do not record')) v(kpi, value, unit, reason);
END
$fn$;
COMMENT ON FUNCTION prodplan.kpis_compute(timestamptz, timestamptz, text, text) IS 'What prodplan.kpis returns, computed from the aggregates without the cache.';

-- The result cache (per function, arguments and data version) and its
-- single flight: identical concurrent calls compute once, the others wait on
-- an advisory lock and read the stored result. Unlogged: a cache.
CREATE UNLOGGED TABLE prodplan.result_cache (
  function_name   text NOT NULL,
  arguments       text NOT NULL,
  data_version    bigint NOT NULL,
  result          jsonb NOT NULL,
  computed_at     timestamptz NOT NULL DEFAULT now(),
  compute_seconds float8,
  PRIMARY KEY (function_name, arguments)
);
COMMENT ON TABLE prodplan.result_cache IS 'Results of expensive read functions (prodplan.kpis) keyed by function and arguments, valid for one prodplan.data_version; a newer version recomputes. Unlogged (lost on a crash, which only costs a recomputation).';

CREATE FUNCTION prodplan.kpis(from_ts timestamptz, to_ts timestamptz, "by" text DEFAULT 'overall', plant text DEFAULT NULL)
RETURNS TABLE (plant_id text, group_key text, kpi text, value float8, unit text, reason text)
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  v     bigint;
  key   text;
  res   jsonb;
  t0    timestamptz;
BEGIN
  IF from_ts IS NULL OR to_ts IS NULL OR to_ts <= from_ts THEN
    RAISE EXCEPTION 'prodplan.kpis: the range must be from_ts < to_ts, got % .. %', from_ts, to_ts;
  END IF;
  IF "by" IS NULL OR "by" NOT IN ('overall', 'work_center', 'product', 'day', 'week') THEN
    RAISE EXCEPTION 'prodplan.kpis: by must be overall, work_center, product, day or week, got %', coalesce("by", 'NULL');
  END IF;
  -- The key does not depend on the session's TimeZone or DateStyle; today's
  -- date is in it because WIP ageing counts days to today.
  key := concat_ws('|', extract(epoch FROM from_ts), extract(epoch FROM to_ts), "by", coalesce($4, '*'),
                   (now() AT TIME ZONE 'UTC')::date);
  SELECT d.version INTO v FROM prodplan.data_version d;
  SELECT c.result INTO res FROM prodplan.result_cache c
  WHERE c.function_name = 'kpis' AND c.arguments = key AND c.data_version = v;
  IF res IS NULL THEN
    -- Single flight: one computes, identical calls wait here, then find it.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('prodplan.kpis'), pg_catalog.hashtext(key));
    SELECT d.version INTO v FROM prodplan.data_version d;
    SELECT c.result INTO res FROM prodplan.result_cache c
    WHERE c.function_name = 'kpis' AND c.arguments = key AND c.data_version = v;
    IF res IS NULL THEN
      PERFORM pg_catalog.nextval('prodplan.result_cache_misses');
      t0 := clock_timestamp();
      SELECT coalesce(jsonb_agg(to_jsonb(k) ORDER BY k.plant_id, k.group_key, k.kpi), '[]') INTO res
      FROM prodplan.kpis_compute(from_ts, to_ts, "by", $4) k;
      INSERT INTO prodplan.result_cache AS c (function_name, arguments, data_version, result, compute_seconds)
      VALUES ('kpis', key, v, res, extract(epoch FROM clock_timestamp() - t0))
      ON CONFLICT (function_name, arguments) DO UPDATE
        SET data_version = EXCLUDED.data_version, result = EXCLUDED.result, computed_at = now(),
            compute_seconds = EXCLUDED.compute_seconds;
    ELSE
      PERFORM pg_catalog.nextval('prodplan.result_cache_hits');
    END IF;
  ELSE
    PERFORM pg_catalog.nextval('prodplan.result_cache_hits');
  END IF;
  RETURN QUERY SELECT r.plant_id, r.group_key, r.kpi, r.value, r.unit, r.reason
  FROM jsonb_to_recordset(res) AS r(plant_id text, group_key text, kpi text, value float8, unit text, reason text);
END
$fn$;
COMMENT ON FUNCTION prodplan.kpis(timestamptz, timestamptz, text, text) IS 'KPIs of the UTC days from from_ts to to_ts, served from the incremental aggregates (as fresh as their last refresh) and cached per prodplan.data_version (identical concurrent calls compute once), one row per plant, group and KPI with its unit; a KPI the data cannot support has NULL and the reason. by: overall, work_center (culprit work center for defects), product, day or week (ISO, Monday). Orders (created in the range): orders_created, orders_finished, lead_time_mean/p50/p90 (h; percentiles from sketches, 1% accuracy), on_time_rate. Operations (event day in the range): operations_completed, throughput (per day), wip and wip_age_mean (open operations), operation_time_mean/p50, rework_ratio, defects, defects_per_100_operations. ISO 22400-2: throughput_rate, availability (actual production time / planned busy time from the work centers'' calendars x capacity units), effectiveness (standard time of the work done / actual time, from routing_step.standard_minutes); quality_ratio, scrap_ratio, first_pass_yield, oee, setup_rate and allocation_ratio say why the data cannot give them.';

-- Edits that change KPIs without an ingestion or a refresh (calendars, work
-- centers, stored standard times) bump the data version too.
CREATE FUNCTION prodplan.bump_data_version_trigger()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  PERFORM prodplan.bump_data_version(TG_TABLE_NAME || ' changed');
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.bump_data_version_trigger() IS 'Statement trigger of the tables KPIs read besides the aggregates (calendars, work centers, routing steps): bumps prodplan.data_version so cached results are recomputed.';
CREATE TRIGGER bump_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON prodplan.calendar
  FOR EACH STATEMENT EXECUTE FUNCTION prodplan.bump_data_version_trigger();
CREATE TRIGGER bump_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON prodplan.calendar_shift
  FOR EACH STATEMENT EXECUTE FUNCTION prodplan.bump_data_version_trigger();
CREATE TRIGGER bump_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON prodplan.calendar_exception
  FOR EACH STATEMENT EXECUTE FUNCTION prodplan.bump_data_version_trigger();
CREATE TRIGGER bump_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON prodplan.work_center
  FOR EACH STATEMENT EXECUTE FUNCTION prodplan.bump_data_version_trigger();
CREATE TRIGGER bump_data_version AFTER UPDATE OF standard_minutes ON prodplan.routing_step
  FOR EACH STATEMENT EXECUTE FUNCTION prodplan.bump_data_version_trigger();

REVOKE ALL ON FUNCTION prodplan.store_standard_times(text), prodplan.kpis(timestamptz, timestamptz, text, text),
  prodplan.kpis_compute(timestamptz, timestamptz, text, text), prodplan.bump_data_version_trigger() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.kpis(timestamptz, timestamptz, text, text) TO prodplan_reader;
GRANT EXECUTE ON FUNCTION prodplan.store_standard_times(text) TO prodplan_planner;

CREATE TABLE prodplan.kpi_snapshots (
  day        date NOT NULL,
  "by"       text NOT NULL,
  plant_id   text NOT NULL,
  group_key  text NOT NULL,
  kpi        text NOT NULL,
  value      float8,
  unit       text,
  reason     text,
  taken_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, "by", plant_id, group_key, kpi)
);
COMMENT ON TABLE prodplan.kpi_snapshots IS 'Daily KPI snapshots (prodplan.kpis of one UTC day, overall and per work center), written by the built-in job "prodplan.kpi snapshot" through prodplan.snapshot_kpis: a history that later corrections of the data do not rewrite.';

CREATE FUNCTION prodplan.snapshot_kpis(day date DEFAULT ((now() AT TIME ZONE 'UTC')::date - 1))
RETURNS bigint
LANGUAGE sql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH k AS (
    SELECT 'overall' AS b, x.* FROM prodplan.kpis($1::timestamp AT TIME ZONE 'UTC', ($1 + 1)::timestamp AT TIME ZONE 'UTC', 'overall') x
    UNION ALL
    SELECT 'work_center', x.* FROM prodplan.kpis($1::timestamp AT TIME ZONE 'UTC', ($1 + 1)::timestamp AT TIME ZONE 'UTC', 'work_center') x),
  w AS (INSERT INTO prodplan.kpi_snapshots AS s (day, "by", plant_id, group_key, kpi, value, unit, reason)
        SELECT $1, k.b, k.plant_id, k.group_key, k.kpi, k.value, k.unit, k.reason FROM k
        ON CONFLICT (day, "by", plant_id, group_key, kpi) DO UPDATE
          SET value = EXCLUDED.value, unit = EXCLUDED.unit, reason = EXCLUDED.reason, taken_at = now()
        RETURNING 1)
  SELECT count(*) FROM w
$fn$;
COMMENT ON FUNCTION prodplan.snapshot_kpis(date) IS 'Writes the KPIs of one UTC day (default yesterday), overall and per work center, into prodplan.kpi_snapshots (a day taken again is replaced); returns the rows written. The built-in job "prodplan.kpi snapshot" runs it daily after the aggregates'' refresh.';

INSERT INTO prodplan.jobs (name, schedule, command, is_builtin)
VALUES ('prodplan.kpi snapshot', '20 0 * * *',
        'SELECT prodplan.refresh_aggregates(); SELECT prodplan.snapshot_kpis()', true);

REVOKE ALL ON FUNCTION prodplan.snapshot_kpis(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.snapshot_kpis(date) TO prodplan_admin;
GRANT SELECT ON prodplan.kpi_snapshots TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Named phase timings in the run rows that lacked them.
-- ---------------------------------------------------------------------------
ALTER TABLE prodplan.plans ADD COLUMN phase_seconds jsonb;
COMMENT ON COLUMN prodplan.plans.phase_seconds IS 'Seconds per phase of prodplan.plan(): wait (for a heavy-call slot, prodplan.max_concurrent_heavy), read (the plant''s rows), rules (every dispatching rule), improve (building the problem and the local search), write (the plan''s rows).';
ALTER TABLE prodplan.job_runs ADD COLUMN phase_seconds jsonb;
COMMENT ON COLUMN prodplan.job_runs.phase_seconds IS 'Seconds per phase of the run, set when it ends: queued (from the scheduled time to the worker''s start) and ran (the command and its bookkeeping).';
CREATE FUNCTION prodplan.job_run_phases() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF NEW.ended_at IS NOT NULL THEN
    NEW.phase_seconds := jsonb_build_object(
      'queued', round(greatest(extract(epoch FROM NEW.started_at - NEW.scheduled_for), 0), 3),
      'ran', round(extract(epoch FROM NEW.ended_at - NEW.started_at), 3));
  END IF;
  RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION prodplan.job_run_phases() IS 'Trigger of prodplan.job_runs: fills phase_seconds when a run ends.';
CREATE TRIGGER job_run_phases BEFORE INSERT OR UPDATE OF ended_at ON prodplan.job_runs
  FOR EACH ROW EXECUTE FUNCTION prodplan.job_run_phases();
REVOKE ALL ON FUNCTION prodplan.job_run_phases() FROM PUBLIC;
