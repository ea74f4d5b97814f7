-- prodplan 0.11.0 -> 0.12.0 (issue 11): the read functions on a hot
-- standby, row-level security by plant, a quadratic refresh on small data.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.12.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- kpis on a hot standby and in read-only transactions. Found by
-- tests/integration/test_replica.sh: on a standby every kpis call failed
-- ("cannot access temporary or unlogged relations during recovery": the
-- result cache is UNLOGGED, so a standby has no data for it), and in a
-- read-only transaction on the primary a cache miss failed on its INSERT
-- and every call on nextval of the hit and miss counters. Now a standby
-- computes every call from the aggregates (which it does have), and a
-- read-only transaction serves hits and computes misses without storing or
-- counting them.
CREATE OR REPLACE FUNCTION prodplan.kpis(from_ts timestamptz, to_ts timestamptz, "by" text DEFAULT 'overall', plant text DEFAULT NULL)
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
  ro    boolean := pg_catalog.current_setting('transaction_read_only') = 'on';
  -- Row-level security by plant: the caller's plants (NULL: all). kpis
  -- runs as its owner, so it filters its rows itself.
  vis   text[] := prodplan.visible_plants(prodplan.calling_role());
BEGIN
  IF from_ts IS NULL OR to_ts IS NULL OR to_ts <= from_ts THEN
    RAISE EXCEPTION 'prodplan.kpis: the range must be from_ts < to_ts, got % .. %', from_ts, to_ts;
  END IF;
  IF "by" IS NULL OR "by" NOT IN ('overall', 'work_center', 'product', 'day', 'week') THEN
    RAISE EXCEPTION 'prodplan.kpis: by must be overall, work_center, product, day or week, got %', coalesce("by", 'NULL');
  END IF;
  -- A hot standby cannot read the cache (an unlogged table has no data
  -- there): it computes every call.
  IF pg_catalog.pg_is_in_recovery() THEN
    RETURN QUERY SELECT k.plant_id, k.group_key, k.kpi, k.value, k.unit, k.reason
    FROM prodplan.kpis_compute(from_ts, to_ts, "by", $4) k
    WHERE vis IS NULL OR k.plant_id = ANY (vis)
    ORDER BY k.plant_id, k.group_key, k.kpi;
    RETURN;
  END IF;
  -- The key does not depend on the session's TimeZone or DateStyle; today's
  -- date is in it because WIP ageing counts days to today.
  key := concat_ws('|', extract(epoch FROM from_ts), extract(epoch FROM to_ts), "by", coalesce($4, '*'),
                   (now() AT TIME ZONE 'UTC')::date);
  SELECT d.version INTO v FROM prodplan.data_version d;
  SELECT c.result INTO res FROM prodplan.result_cache c
  WHERE c.function_name = 'kpis' AND c.arguments = key AND c.data_version = v;
  IF res IS NULL AND ro THEN
    -- A read-only transaction (a BI tool's default_transaction_read_only)
    -- may read the cache but neither store nor count: it computes a miss.
    SELECT coalesce(jsonb_agg(to_jsonb(k) ORDER BY k.plant_id, k.group_key, k.kpi), '[]') INTO res
    FROM prodplan.kpis_compute(from_ts, to_ts, "by", $4) k;
  ELSIF res IS NULL THEN
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
  ELSIF NOT ro THEN
    PERFORM pg_catalog.nextval('prodplan.result_cache_hits');
  END IF;
  RETURN QUERY SELECT r.plant_id, r.group_key, r.kpi, r.value, r.unit, r.reason
  FROM jsonb_to_recordset(res) AS r(plant_id text, group_key text, kpi text, value float8, unit text, reason text)
  WHERE vis IS NULL OR r.plant_id = ANY (vis);
END
$fn$;
COMMENT ON FUNCTION prodplan.kpis(timestamptz, timestamptz, text, text) IS 'KPIs of the UTC days from from_ts to to_ts, served from the incremental aggregates (as fresh as their last refresh) and cached per prodplan.data_version (identical concurrent calls compute once; a read-only transaction reads the cache but computes a miss without storing it, and a hot standby computes every call); under row-level security by plant (prodplan.set_plant_security) only the calling role''s plants, one row per plant, group and KPI with its unit; a KPI the data cannot support has NULL and the reason. by: overall, work_center (culprit work center for defects), product, day or week (ISO, Monday). Orders (created in the range): orders_created, orders_finished, lead_time_mean/p50/p90 (h; percentiles from sketches, 1% accuracy), on_time_rate. Operations (event day in the range): operations_completed, throughput (per day), wip and wip_age_mean (open operations), operation_time_mean/p50, rework_ratio, defects, defects_per_100_operations. ISO 22400-2: throughput_rate, availability (actual production time / planned busy time from the work centers'' calendars x capacity units), effectiveness (standard time of the work done / actual time, from routing_step.standard_minutes); quality_ratio, scrap_ratio, first_pass_yield, oee, setup_rate and allocation_ratio say why the data cannot give them.';

-- ---------------------------------------------------------------------------
-- Row-level security by plant (optional; off until an admin turns it on).
--
-- prodplan.plant_access maps roles to the plants they may see and change;
-- a role sees a plant when it is a member (directly or through other
-- roles) of a role mapped to it. Superusers, roles with BYPASSRLS and
-- members of prodplan_admin see every plant. prodplan.set_plant_security
-- (true) then
--  * enables row-level security with one policy, plant_access, on every
--    prodplan table with a plant_id column (partitions included, for the
--    few that are granted directly), for reading and writing (USING and
--    WITH CHECK: a planner cannot ingest or plan another plant's data);
--  * gives the tables keyed by a plan, a simulation, an ingest run or a
--    model (planned_operations, simulation_orders, ingest_quarantine,
--    model_terms, ...) a policy that shows the rows whose parent row the
--    role can see, through the parent table's own policy;
--  * makes every prodplan view security_invoker (PostgreSQL 15), so a view
--    reads its tables as the caller, through the policies, rather than as
--    its owner, who bypasses them.
-- SECURITY INVOKER functions (most of the surface, the C functions
-- included: they read through SPI as the caller) are restricted by the
-- policies with no change. The SECURITY DEFINER read function, kpis, runs as
-- the owner, so it filters its result rows itself by the calling role's
-- plants (its cache holds every plant's rows, one computation serving all
-- roles). The aggregates' maintenance (refresh, triggers) runs as the owner
-- and sees every plant, as it must. prodplan.metrics() exports server-wide
-- operational counters (ingest rows, cache hits, lag), no plant's data.
--
-- Policies evaluate prodplan.visible_plants() once per query (an InitPlan:
-- the call is wrapped in a scalar subquery), then compare plant_id to an
-- array: no per-row lookup.
-- ---------------------------------------------------------------------------
CREATE TABLE prodplan.plant_access (
  role_name name NOT NULL,
  plant_id  text NOT NULL,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (role_name, plant_id)
);
COMMENT ON TABLE prodplan.plant_access IS 'Row-level security by plant (see prodplan.set_plant_security): each row lets a role, and every role that is a member of it, see and change one plant''s data. Superusers, BYPASSRLS roles and members of prodplan_admin see every plant. A mapping may name a plant not loaded yet. Maintained by prodplan_admin.';
COMMENT ON COLUMN prodplan.plant_access.role_name IS 'A role name (a mapping of a role that does not exist, or no longer does, grants nothing).';
COMMENT ON COLUMN prodplan.plant_access.plant_id IS 'The plant that role may see (prodplan.plant.plant_id).';
COMMENT ON COLUMN prodplan.plant_access.granted_at IS 'When the mapping was added.';
GRANT SELECT, INSERT, UPDATE, DELETE ON prodplan.plant_access TO prodplan_admin;

-- PL/pgSQL rather than SQL here and below: a session caches their plans,
-- and kpis (a cache hit costs well under a millisecond) calls them every time.
CREATE FUNCTION prodplan.plant_security_enabled()
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RETURN (SELECT c.relrowsecurity FROM pg_catalog.pg_class c WHERE c.oid = 'prodplan.production_order'::regclass);
END
$fn$;
COMMENT ON FUNCTION prodplan.plant_security_enabled() IS 'True when row-level security by plant is on (prodplan.set_plant_security).';
REVOKE ALL ON FUNCTION prodplan.plant_security_enabled() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.plant_security_enabled() TO prodplan_reader;

-- SECURITY DEFINER: it reads prodplan.plant_access, which the roles it
-- answers for cannot read, and it must not go through the policies it
-- serves. who is an argument, defaulting to current_user, evaluated where
-- the call is written: in a policy, the querying role.
CREATE FUNCTION prodplan.visible_plants(who name DEFAULT current_user)
RETURNS text[]
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  r record;
BEGIN
  IF NOT prodplan.plant_security_enabled() THEN
    RETURN NULL;
  END IF;
  SELECT x.rolsuper, x.rolbypassrls INTO r FROM pg_catalog.pg_roles x WHERE x.rolname = who;
  IF NOT FOUND THEN
    RETURN '{}'::text[];
  END IF;
  IF r.rolsuper OR r.rolbypassrls OR pg_catalog.pg_has_role(who, 'prodplan_admin', 'MEMBER') THEN
    RETURN NULL;
  END IF;
  RETURN (SELECT coalesce(array_agg(DISTINCT a.plant_id ORDER BY a.plant_id), '{}')
          FROM prodplan.plant_access a JOIN pg_catalog.pg_roles x ON x.rolname = a.role_name
          WHERE pg_catalog.pg_has_role(who, x.oid, 'MEMBER'));
END
$fn$;
COMMENT ON FUNCTION prodplan.visible_plants(name) IS 'The plants a role (default: the current one) may see under row-level security by plant: the plants mapped in prodplan.plant_access to it or to a role it is a member of. NULL means every plant: security is off, or the role is a superuser, has BYPASSRLS or is a member of prodplan_admin.';
REVOKE ALL ON FUNCTION prodplan.visible_plants(name) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.visible_plants(name) TO prodplan_reader;

-- The role on whose behalf a SECURITY DEFINER function runs: inside one,
-- current_user is its owner, while the role setting (SET ROLE) and the
-- session user are the caller's.
CREATE FUNCTION prodplan.calling_role()
RETURNS name
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RETURN CASE WHEN pg_catalog.current_setting('role') IN ('none', '') THEN session_user
              ELSE pg_catalog.current_setting('role')::name END;
END
$fn$;
COMMENT ON FUNCTION prodplan.calling_role() IS 'The role a SECURITY DEFINER function works for (SET ROLE''s role, else the session user): kpis filters its rows by this role''s plants.';
REVOKE ALL ON FUNCTION prodplan.calling_role() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.calling_role() TO prodplan_reader;

CREATE FUNCTION prodplan.set_plant_security(enabled boolean)
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
COMMENT ON FUNCTION prodplan.set_plant_security(boolean) IS 'Turns row-level security by plant on (true) or off (false). On: every prodplan table with a plant_id gets the policy plant_access (read and write: only the plants prodplan.visible_plants() gives the role, from prodplan.plant_access), the tables keyed by a plan, simulation, ingest run or model show the rows of the parents the role sees, and every prodplan view reads as its caller (security_invoker). Superusers, BYPASSRLS roles and prodplan_admin members see every plant. Returns what it changed. New monthly partitions are not granted to any role, so they are read through their parent''s policy. For prodplan_admin.';
REVOKE ALL ON FUNCTION prodplan.set_plant_security(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.set_plant_security(boolean) TO prodplan_admin;

-- ---------------------------------------------------------------------------
-- The refresh of agg_defect_day for at most 2000 defects (small plants, the
-- first load of a small factory) was quadratic: found by
-- tests/bench/bench_growth.sh, whose first refresh took 6 s at
-- load_demo(0.02) and 1.4 s at 0.05 (where the other path is taken).
CREATE OR REPLACE FUNCTION prodplan.agg_recompute_defect_day(plant text, lo date, hi date)
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
    -- min over an expression, not the column: on the column the planner
    -- answers min() from the (plant_id, work_center_id, ...) index, walking
    -- it in order and filtering on operation_id, per defect: 3.2 s for
    -- load_demo(0.02)'s 1,800 defects, against 19 ms through the key.
    LEFT JOIN LATERAL (SELECT min(op.work_center_id || '') AS work_center_id FROM prodplan.operation op
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

-- ---------------------------------------------------------------------------
-- content_checksum leaves out prodplan.plant_access: who may see a plant is
-- configuration, not the plant's data.
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
  'Row count and an md5 over the sorted text of every row, per canonical table (optionally of one plant): two databases with equal results hold the same data. Used to reconcile loads and to test determinism. Leaves out what is derived or records what was done: ingestion runs, plans and their slots, aggregates, KPI snapshots, data-quality results, trained models and their deployments, and who may see the plant (prodplan.plant_access).';

-- ---------------------------------------------------------------------------
-- order_status without scanning every operation. Found by
-- tests/bench/bench_load.sh: an order list (the open and recent orders of
-- load_demo(1), 961 rows) cost 190 ms a call, nearly all of it finding the
-- started orders among all 517,000 operations; 13 calls a second at 8
-- clients. The started test is now asked per order, and only of the open
-- orders the CASE reaches (neither late nor at risk): 9 ms a call. Same
-- rows (checked against the old view with EXCEPT both ways).
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
         -- Asked only of the open orders that reach this branch, by key
         -- (operation_order_idx, one probe per monthly partition): the
         -- started orders used to be found by scanning every operation.
         WHEN EXISTS (SELECT 1 FROM prodplan.operation op
                      WHERE op.plant_id = o.plant_id AND op.order_id = o.order_id AND op.started_at IS NOT NULL)
           THEN 'in_progress'
         ELSE 'created'
       END AS status,
       p.planned_end_at,
       extract(epoch FROM o.due_at - coalesce(o.finished_at, p.planned_end_at)) / 3600.0 AS slack_hours,
       p.plan_id, p.next_operation, p.next_work_center_id, p.next_start_at
FROM prodplan.production_order o
LEFT JOIN planned p ON p.plant_id = o.plant_id AND p.order_id = o.order_id;
COMMENT ON VIEW prodplan.order_status IS 'Every order with its status: done (finished), late (past its due date, or planned to end after it), at_risk (planned to end less than a day before it), in_progress (an operation started), created. Planned end, slack (hours from planned or actual end to due date; negative when late) and the next operation come from the released plan of the plant, else its latest plan.';
