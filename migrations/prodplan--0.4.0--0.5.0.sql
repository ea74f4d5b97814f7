-- prodplan 0.4.0 -> 0.5.0: cheaper incremental refreshes.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.5.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- The aggregate tables are keyed day first. Every reader selects a range of
-- days (prodplan.kpis, the refresh's delete), optionally one plant, so the
-- primary key serves them all and the per-day and per-work-center indexes
-- were only extra writes: a refresh writes one row per group it recomputes,
-- and on the operations aggregate a group is close to one operation.
-- ---------------------------------------------------------------------------
ALTER TABLE prodplan.agg_operation_day DROP CONSTRAINT agg_operation_day_pkey,
  ADD PRIMARY KEY (day, plant_id, work_center_id, product_id);
DROP INDEX prodplan.agg_operation_day_wc_idx, prodplan.agg_operation_day_day_idx;
ALTER TABLE prodplan.agg_order_day DROP CONSTRAINT agg_order_day_pkey,
  ADD PRIMARY KEY (day, plant_id, product_id);
ALTER TABLE prodplan.agg_defect_day DROP CONSTRAINT agg_defect_day_pkey,
  ADD PRIMARY KEY (day, plant_id, product_id, culprit_work_center_id, severity);
DROP INDEX prodplan.agg_defect_day_day_idx;

-- ---------------------------------------------------------------------------
-- Appends without recomputing. A statement that only inserted rows logs the
-- id its rows carry as xmin (the inserting subtransaction's,
-- prodplan.agg_inserting_xid) and how many rows fell on each run of days. A
-- range of the log whose every entry is such an insert is refreshed by
-- aggregating just those rows (xmin = ANY (ids)) and adding their partials
-- to the stored groups, so appending to a day costs what was appended, not
-- what the day already held. Counts, sums, min, max and sketches all add;
-- the defects aggregate counts distinct orders, which do not, and is always
-- recomputed.
--
-- Why the ids find exactly the new rows: the triggers log under FOR SHARE
-- on the watermark rows, which a refresh holds FOR UPDATE (see "Lock
-- order" below), so a logged statement either committed before the refresh
-- that consumes its entry (which then sees its rows) or logs after that
-- refresh committed (its rows were invisible to it). Rows a later statement updated or deleted are in
-- the log as a change (no id), which makes the range a recomputation. As a
-- last check the rows found must number what the entries logged; anything
-- else (a row written into a partition directly by the same transaction, an
-- old row whose 32-bit xmin happens to equal a logged id) recomputes the
-- range instead, as does an entry older than a billion transactions.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.agg_inserting_xid() RETURNS xid
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_agg_inserting_xid';
COMMENT ON FUNCTION prodplan.agg_inserting_xid() IS 'The id of the current (sub)transaction, which every row it inserted carries as xmin; NULL when it has written nothing. Used by the aggregates'' statement triggers.';

-- No SET clause, like the aggregates' support functions: it resolves no
-- name, and a refresh calls it once per group it updates, where the clause
-- would cost a GUC save and restore each time.
CREATE FUNCTION prodplan.sketch_add(a int4[], b int4[]) RETURNS int4[]
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'prodplan_sketch_add';
COMMENT ON FUNCTION prodplan.sketch_add(int4[], int4[]) IS 'The exact merge of two sketches (what prodplan.sketch_merge gives over both): for adding new values'' sketch to a stored one. A NULL sketch adds nothing (NULL when both are); a malformed sketch is an error saying what is wrong.';
REVOKE ALL ON FUNCTION prodplan.sketch_add(int4[], int4[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.sketch_add(int4[], int4[]) TO prodplan_reader;

ALTER TABLE prodplan.aggregate_invalidation
  ADD COLUMN inserted_by xid,
  ADD COLUMN inserted_rows bigint CHECK (inserted_rows > 0),
  ADD CHECK ((inserted_by IS NULL) = (inserted_rows IS NULL));
COMMENT ON COLUMN prodplan.aggregate_invalidation.inserted_by IS 'For an entry that only inserted rows: the (sub)transaction id the rows carry as xmin. NULL: any other change (update, delete, a referenced row changed), which a refresh recomputes.';
COMMENT ON COLUMN prodplan.aggregate_invalidation.inserted_rows IS 'For an insert-only entry: how many rows it inserted on these days (a refresh adding them checks it finds that many).';

-- The 0.4.0 logger, with the insert-only entries' id and row counts
-- (counts NULL for a change).
DROP FUNCTION prodplan.agg_log(text, text[], date[]);
CREATE FUNCTION prodplan.agg_log(aggregate text, plants text[], days date[], counts bigint[], inserted_by xid)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $fn$
  INSERT INTO prodplan.aggregate_invalidation (aggregate, plant_id, from_day, to_day, inserted_by, inserted_rows)
  SELECT $1, s.p, min(s.d), max(s.d), CASE WHEN $4 IS NOT NULL AND $5 IS NOT NULL THEN $5 END,
         CASE WHEN $4 IS NOT NULL AND $5 IS NOT NULL THEN sum(s.c) END
  FROM (SELECT u.p, u.d, u.c, u.d - (dense_rank() OVER (PARTITION BY u.p ORDER BY u.d))::int AS g
        FROM unnest($2, $3, $4) AS u(p, d, c) WHERE u.p IS NOT NULL AND u.d IS NOT NULL) s
  GROUP BY s.p, s.g
$fn$;
COMMENT ON FUNCTION prodplan.agg_log(text, text[], date[], bigint[], xid) IS 'Records in prodplan.aggregate_invalidation the days (per plant, as runs of consecutive days) whose source rows changed. With counts (rows per day) and inserted_by, the entries say the rows were only inserted, by that (sub)transaction; otherwise they are changes. Called by the source tables'' statement triggers.';
REVOKE ALL ON FUNCTION prodplan.agg_log(text, text[], date[], bigint[], xid), prodplan.agg_inserting_xid() FROM PUBLIC;

-- Lock order. Every transaction that writes a source table takes FOR SHARE
-- on all three watermark rows at its first statement, and a refresh takes
-- FOR UPDATE on all three before anything else, both in the one order
-- below. (In 0.4.0 each trigger locked only the rows of the aggregates its
-- table feeds, and the refresh one row per aggregate as it went: a
-- transaction writing operations and then orders could deadlock with a
-- refresh; tests/integration/test_aggregates_concurrent.sh.)
CREATE FUNCTION prodplan.agg_watermarks_for_share(OUT order_day date, OUT operation_day date, OUT defect_day date)
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT max(l.watermark) FILTER (WHERE l.aggregate = 'order_day'),
         max(l.watermark) FILTER (WHERE l.aggregate = 'operation_day'),
         max(l.watermark) FILTER (WHERE l.aggregate = 'defect_day')
  FROM (SELECT w.aggregate, w.watermark FROM prodplan.aggregate_watermark w
        ORDER BY array_position(ARRAY['order_day', 'operation_day', 'defect_day'], w.aggregate), w.aggregate
        FOR SHARE) l
$fn$;
COMMENT ON FUNCTION prodplan.agg_watermarks_for_share() IS 'The aggregates'' watermarks, their rows locked FOR SHARE in the fixed order a refresh locks them FOR UPDATE (order_day, operation_day, defect_day), so that writers and a refresh cannot deadlock. Called by the source tables'' statement triggers.';

CREATE FUNCTION prodplan.agg_lock_watermarks()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  -- PERFORM reads every row (a SQL function would stop at the first).
  PERFORM 1 FROM (SELECT 1 FROM prodplan.aggregate_watermark w
                  ORDER BY array_position(ARRAY['order_day', 'operation_day', 'defect_day'], w.aggregate), w.aggregate
                  FOR UPDATE) l;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_lock_watermarks() IS 'Locks every watermark row FOR UPDATE in the fixed order of prodplan.agg_watermarks_for_share: waits for the writers of source tables in flight and holds off new ones until the caller commits. Used by prodplan.refresh_aggregates and the TRUNCATE trigger.';
REVOKE ALL ON FUNCTION prodplan.agg_watermarks_for_share(), prodplan.agg_lock_watermarks() FROM PUBLIC;

CREATE OR REPLACE FUNCTION prodplan.agg_operation_changed()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  w_op  date;
  w_def date;
  p     text[];
  d     date[];
  c     bigint[];
BEGIN
  SELECT l.operation_day, l.defect_day INTO w_op, w_def FROM prodplan.agg_watermarks_for_share() l;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    IF w_op IS NOT NULL THEN
      -- New rows: insert-only entries (with their id and counts); new
      -- versions of updated rows: changes.
      SELECT array_agg(s.plant_id), array_agg(s.day), array_agg(s.n) INTO p, d, c
      FROM (SELECT x.plant_id, (x.event_time AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM n x GROUP BY 1, 2) s;
      IF TG_OP = 'INSERT' THEN
        PERFORM prodplan.agg_log('operation_day', p, d, c, prodplan.agg_inserting_xid()) WHERE p IS NOT NULL;
      ELSE
        PERFORM prodplan.agg_log('operation_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
      END IF;
    END IF;
    -- Defects blame operations: a culprit's work center may have changed.
    IF w_def IS NOT NULL AND EXISTS (SELECT 1 FROM prodplan.defect x WHERE x.plant_id IN (SELECT y.plant_id FROM n y)) THEN
      SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
      FROM (SELECT DISTINCT x.plant_id, (x.detected_at AT TIME ZONE 'UTC')::date AS day
            FROM prodplan.defect x JOIN n y ON y.plant_id = x.plant_id AND y.operation_id = x.culprit_operation_id) s;
      PERFORM prodplan.agg_log('defect_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
    END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF w_op IS NOT NULL THEN
      SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
      FROM (SELECT DISTINCT x.plant_id, (x.event_time AT TIME ZONE 'UTC')::date AS day FROM o x) s;
      PERFORM prodplan.agg_log('operation_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
    END IF;
    IF w_def IS NOT NULL AND EXISTS (SELECT 1 FROM prodplan.defect x WHERE x.plant_id IN (SELECT y.plant_id FROM o y)) THEN
      SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
      FROM (SELECT DISTINCT x.plant_id, (x.detected_at AT TIME ZONE 'UTC')::date AS day
            FROM prodplan.defect x JOIN o y ON y.plant_id = x.plant_id AND y.operation_id = x.culprit_operation_id) s;
      PERFORM prodplan.agg_log('defect_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
    END IF;
  END IF;
  RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION prodplan.agg_order_changed()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
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
  c     bigint[];
BEGIN
  SELECT l.order_day, l.operation_day, l.defect_day INTO w_ord, w_op, w_def FROM prodplan.agg_watermarks_for_share() l;
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
    SELECT array_agg(s.plant_id), array_agg(s.day), array_agg(s.n) INTO p, d, c
    FROM (SELECT u.plant_id, (u.created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
          FROM unnest(op, oc) AS u(plant_id, created_at) GROUP BY 1, 2) s;
    IF TG_OP = 'INSERT' THEN
      PERFORM prodplan.agg_log('order_day', p, d, c, prodplan.agg_inserting_xid()) WHERE p IS NOT NULL;
    ELSE
      PERFORM prodplan.agg_log('order_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
    END IF;
  END IF;
  -- An order's product labels its operations and defects (a new order
  -- relabels operations that named it before it existed): changes.
  IF w_op IS NOT NULL AND EXISTS (SELECT 1 FROM prodplan.operation x WHERE x.plant_id = ANY (op)) THEN
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT x.plant_id, (x.event_time AT TIME ZONE 'UTC')::date AS day
          FROM prodplan.operation x JOIN unnest(op, oo) AS y(plant_id, order_id)
            ON y.plant_id = x.plant_id AND y.order_id = x.order_id) s;
    PERFORM prodplan.agg_log('operation_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
  END IF;
  IF w_def IS NOT NULL AND EXISTS (SELECT 1 FROM prodplan.defect x WHERE x.plant_id = ANY (op)) THEN
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT x.plant_id, (x.detected_at AT TIME ZONE 'UTC')::date AS day
          FROM prodplan.defect x JOIN unnest(op, oo) AS y(plant_id, order_id)
            ON y.plant_id = x.plant_id AND y.order_id = x.order_id) s;
    PERFORM prodplan.agg_log('defect_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
  END IF;
  RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION prodplan.agg_source_truncated()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  PERFORM prodplan.agg_lock_watermarks();
  UPDATE prodplan.aggregate_watermark w SET watermark = NULL
  WHERE w.aggregate = ANY (CASE TG_TABLE_NAME
                             WHEN 'operation' THEN ARRAY['operation_day', 'defect_day']
                             WHEN 'production_order' THEN ARRAY['order_day', 'operation_day', 'defect_day']
                             ELSE ARRAY['defect_day'] END);
  RETURN NULL;
END
$fn$;

-- Defects are always recomputed (distinct orders do not add), so their
-- entries need no ids.
CREATE OR REPLACE FUNCTION prodplan.agg_defect_changed()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  w_def date;
  p     text[];
  d     date[];
BEGIN
  SELECT l.defect_day INTO w_def FROM prodplan.agg_watermarks_for_share() l;
  IF w_def IS NULL THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT x.plant_id, (x.detected_at AT TIME ZONE 'UTC')::date AS day FROM n x) s;
    PERFORM prodplan.agg_log('defect_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT x.plant_id, (x.detected_at AT TIME ZONE 'UTC')::date AS day FROM o x) s;
    PERFORM prodplan.agg_log('defect_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
  END IF;
  RETURN NULL;
END
$fn$;

-- Adds the partials of the rows the given ids inserted on a plant's days
-- lo..hi to the stored groups; expected is how many rows the log says they
-- are. Returns the groups written, or -1 (nothing written) when the rows
-- found are not that many.
CREATE FUNCTION prodplan.agg_add_operation_day(plant text, lo date, hi date, ids xid[], expected bigint)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  n bigint;
  t0 timestamptz := (lo::timestamp AT TIME ZONE 'UTC');
  t1 timestamptz := ((hi + 1)::timestamp AT TIME ZONE 'UTC');
BEGIN
  WITH d AS (
    SELECT o.plant_id, o.work_center_id, coalesce(po.product_id, '') AS product_id,
           (o.event_time AT TIME ZONE 'UTC')::date AS day,
           count(*) AS operations, count(*) FILTER (WHERE o.ended_at IS NOT NULL) AS completed,
           count(*) FILTER (WHERE o.is_rework) AS rework, count(*) FILTER (WHERE o.ended_at IS NULL) AS open,
           count(*) FILTER (WHERE o.duration_minutes > 0) AS duration_n,
           sum(o.duration_minutes) FILTER (WHERE o.duration_minutes > 0) AS duration_sum,
           sum(o.duration_minutes * o.duration_minutes) FILTER (WHERE o.duration_minutes > 0) AS duration_sumsq,
           min(o.duration_minutes) FILTER (WHERE o.duration_minutes > 0) AS duration_min,
           max(o.duration_minutes) FILTER (WHERE o.duration_minutes > 0) AS duration_max,
           prodplan.sketch_agg(o.duration_minutes) FILTER (WHERE o.duration_minutes > 0) AS duration_sketch
    FROM prodplan.operation o
    LEFT JOIN prodplan.production_order po ON po.plant_id = o.plant_id AND po.order_id = o.order_id
    WHERE o.plant_id = plant AND o.event_time >= t0 AND o.event_time < t1 AND o.xmin = ANY (ids)
    GROUP BY 1, 2, 3, 4)
  INSERT INTO prodplan.agg_operation_day AS a
  SELECT d.* FROM d WHERE (SELECT sum(x.operations) FROM d x) = expected
  ON CONFLICT (day, plant_id, work_center_id, product_id) DO UPDATE
  SET operations = a.operations + excluded.operations, completed = a.completed + excluded.completed,
      rework = a.rework + excluded.rework, open = a.open + excluded.open,
      duration_n = a.duration_n + excluded.duration_n,
      duration_sum = coalesce(a.duration_sum + excluded.duration_sum, a.duration_sum, excluded.duration_sum),
      duration_sumsq = coalesce(a.duration_sumsq + excluded.duration_sumsq, a.duration_sumsq, excluded.duration_sumsq),
      duration_min = least(a.duration_min, excluded.duration_min),
      duration_max = greatest(a.duration_max, excluded.duration_max),
      duration_sketch = prodplan.sketch_add(a.duration_sketch, excluded.duration_sketch);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN CASE WHEN n = 0 THEN -1 ELSE n END;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_add_operation_day(text, date, date, xid[], bigint) IS 'Adds to prodplan.agg_operation_day the partials of the operations the given (sub)transaction ids inserted on a plant''s days lo..hi, when they are exactly the expected number of rows; returns the groups written, or -1 (nothing written: the caller recomputes the days). Used by prodplan.refresh_aggregates.';

CREATE FUNCTION prodplan.agg_add_order_day(plant text, lo date, hi date, ids xid[], expected bigint)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  n bigint;
  t0 timestamptz := (lo::timestamp AT TIME ZONE 'UTC');
  t1 timestamptz := ((hi + 1)::timestamp AT TIME ZONE 'UTC');
BEGIN
  WITH d AS (
    SELECT o.plant_id, o.product_id, (o.created_at AT TIME ZONE 'UTC')::date AS day,
           count(*) AS orders, count(o.finished_at) AS finished,
           count(*) FILTER (WHERE o.finished_at IS NOT NULL AND o.due_at IS NOT NULL) AS with_due,
           count(*) FILTER (WHERE o.finished_at <= o.due_at) AS on_time,
           count(*) FILTER (WHERE o.finished_at > o.due_at) AS late,
           count(o.finished_at) AS lead_n,
           sum(extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600.0) AS lead_sum,
           sum((extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600.0) ^ 2) AS lead_sumsq,
           min(extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600.0) AS lead_min,
           max(extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600.0) AS lead_max,
           prodplan.sketch_agg(extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600.0) AS lead_sketch
    FROM prodplan.production_order o
    WHERE o.plant_id = plant AND o.created_at >= t0 AND o.created_at < t1 AND o.xmin = ANY (ids)
    GROUP BY 1, 2, 3)
  INSERT INTO prodplan.agg_order_day AS a
  SELECT d.* FROM d WHERE (SELECT sum(x.orders) FROM d x) = expected
  ON CONFLICT (day, plant_id, product_id) DO UPDATE
  SET orders = a.orders + excluded.orders, finished = a.finished + excluded.finished,
      with_due = a.with_due + excluded.with_due, on_time = a.on_time + excluded.on_time,
      late = a.late + excluded.late, lead_n = a.lead_n + excluded.lead_n,
      lead_sum = coalesce(a.lead_sum + excluded.lead_sum, a.lead_sum, excluded.lead_sum),
      lead_sumsq = coalesce(a.lead_sumsq + excluded.lead_sumsq, a.lead_sumsq, excluded.lead_sumsq),
      lead_min = least(a.lead_min, excluded.lead_min), lead_max = greatest(a.lead_max, excluded.lead_max),
      lead_sketch = prodplan.sketch_add(a.lead_sketch, excluded.lead_sketch);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN CASE WHEN n = 0 THEN -1 ELSE n END;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_add_order_day(text, date, date, xid[], bigint) IS 'Adds to prodplan.agg_order_day the partials of the orders the given (sub)transaction ids inserted on a plant''s creation days lo..hi, when they are exactly the expected number of rows; returns the groups written, or -1 (nothing written: the caller recomputes the days). Used by prodplan.refresh_aggregates.';
REVOKE ALL ON FUNCTION prodplan.agg_add_operation_day(text, date, date, xid[], bigint),
  prodplan.agg_add_order_day(text, date, date, xid[], bigint) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- The refresh covers exactly the logged ranges (adding or recomputing, as
-- above), wherever they fall. Every statement that
-- writes a source table through its parent logs the days it touched (the
-- protocol of 0.4.0), new days included, so the ranges at or after the
-- watermark are as exact as those below it: a refresh no longer recomputes
-- every plant's days from the watermark on, nor scans the sources for their
-- newest day. The watermark becomes the newest day any refresh covered (the
-- first refresh, with no watermark, still computes everything up to the
-- newest source row). An aggregate with nothing logged plans no statement
-- over its sources.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION prodplan.refresh_aggregates()
RETURNS TABLE (aggregate text, ranges int, rows_written bigint, watermark date, seconds float8)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- A generic plan of the statements below would be planned over every
-- partition; each call's values prune to the few a refresh reads.
SET plan_cache_mode = force_custom_plan
AS $fn$
DECLARE
  -- Per aggregate, in lock order: name, watermark, newest log entry and day.
  aggs     text[];
  wms      date[];
  max_ids  bigint[];
  lasts    date[];
  reports  jsonb[] := '{}';
  j        int;
  a        text;
  wm       date;
  max_id   bigint;
  newest   timestamptz;
  rp       text[];
  rl       date[];
  rh       date[];
  k        int;
  gap      int;
  total    bigint := 0;
  n        bigint;
  nranges  int;
  t0       timestamptz;
  merged   jsonb;
  ids      xid[];
  expected bigint;
  written  bigint;
  how      text;
BEGIN
  -- FOR UPDATE on every watermark row first, in the triggers' order (see
  -- agg_watermarks_for_share): wait for writers in flight, hold off new ones.
  PERFORM prodplan.agg_lock_watermarks();
  -- Then, in a statement of its own (whose snapshot sees what the writers
  -- waited for committed), what each aggregate has logged. A refresh runs in
  -- a new backend each minute, where every statement is parsed and planned
  -- afresh: an aggregate with nothing logged costs no statement of its own.
  SELECT array_agg(w.aggregate ORDER BY w.o), array_agg(w.watermark ORDER BY w.o),
         array_agg(w.max_id ORDER BY w.o), array_agg(w.last_day ORDER BY w.o)
    INTO aggs, wms, max_ids, lasts
    FROM (SELECT w.aggregate, w.watermark, array_position(ARRAY['order_day', 'operation_day', 'defect_day'], w.aggregate) AS o,
                 l.max_id, l.last_day
          FROM prodplan.aggregate_watermark w
          LEFT JOIN (SELECT i.aggregate, max(i.id) AS max_id, max(i.to_day) AS last_day
                     FROM prodplan.aggregate_invalidation i GROUP BY i.aggregate) l ON l.aggregate = w.aggregate
          WHERE w.aggregate IN ('order_day', 'operation_day', 'defect_day')) w;
  FOR j IN 1 .. coalesce(array_length(aggs, 1), 0) LOOP
    t0 := clock_timestamp();
    a := aggs[j];
    wm := wms[j];
    max_id := max_ids[j];
    n := 0;
    nranges := 0;
    merged := '[]';
    IF wm IS NULL THEN
      -- Never refreshed (or a source was truncated): everything, up to the
      -- newest source row.
      IF a = 'order_day' THEN
        newest := (SELECT max(o.created_at) FROM prodplan.production_order o);
        n := prodplan.agg_recompute_order_day(NULL, '-infinity', NULL);
      ELSIF a = 'operation_day' THEN
        newest := (SELECT max(o.event_time) FROM prodplan.operation o);
        n := prodplan.agg_recompute_operation_day(NULL, '-infinity', NULL);
      ELSE
        newest := (SELECT max(d.detected_at) FROM prodplan.defect d);
        n := prodplan.agg_recompute_defect_day(NULL, '-infinity', NULL);
      END IF;
      wm := (newest AT TIME ZONE 'UTC')::date;
    ELSIF max_id IS NOT NULL THEN
      wm := greatest(wm, lasts[j]);
      -- The logged ranges, merged per plant where they overlap or touch.
      WITH l AS (SELECT i.plant_id, i.from_day, i.to_day FROM prodplan.aggregate_invalidation i
                 WHERE i.aggregate = a AND i.id <= max_id),
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
        -- A range whose every entry only inserted rows, recently enough that
        -- their ids are unambiguous, has the new rows' partials added; any
        -- other range (or one whose rows are not all found) is recomputed.
        ids := NULL;
        written := -1;
        IF a IN ('order_day', 'operation_day') THEN
          SELECT CASE WHEN bool_and(i.inserted_by IS NOT NULL) AND count(*) <= 1000
                           AND max(age(i.inserted_by)) < 1000000000 THEN array_agg(i.inserted_by) END,
                 sum(i.inserted_rows)
            INTO ids, expected
            FROM prodplan.aggregate_invalidation i
           WHERE i.aggregate = a AND i.id <= max_id AND i.plant_id = rp[k] AND i.from_day >= rl[k] AND i.to_day <= rh[k];
          IF ids IS NOT NULL AND a = 'order_day' THEN
            written := prodplan.agg_add_order_day(rp[k], rl[k], rh[k], ids, expected);
          ELSIF ids IS NOT NULL THEN
            written := prodplan.agg_add_operation_day(rp[k], rl[k], rh[k], ids, expected);
          END IF;
        END IF;
        how := CASE WHEN written >= 0 THEN 'added' ELSE 'recomputed' END;
        IF written < 0 AND a = 'order_day' THEN
          written := prodplan.agg_recompute_order_day(rp[k], rl[k], rh[k]);
        ELSIF written < 0 AND a = 'operation_day' THEN
          written := prodplan.agg_recompute_operation_day(rp[k], rl[k], rh[k]);
        ELSIF written < 0 THEN
          written := prodplan.agg_recompute_defect_day(rp[k], rl[k], rh[k]);
        END IF;
        n := n + written;
        nranges := nranges + 1;
        merged := merged || jsonb_build_array(jsonb_build_object('plant', rp[k], 'from', rl[k], 'to', rh[k], 'how', how));
      END LOOP;
    END IF;
    wms[j] := wm;
    aggregate := a;
    ranges := nranges;
    rows_written := n;
    watermark := wm;
    seconds := extract(epoch FROM clock_timestamp() - t0);
    reports := reports || jsonb_build_object('invalidated_ranges', merged, 'rows_written', n,
                                             'seconds', round(seconds::numeric, 3));
    total := total + n;
    RETURN NEXT;
  END LOOP;
  -- What was logged is covered now (a full computation covers it too); the
  -- watermarks and reports of all three in one statement each.
  DELETE FROM prodplan.aggregate_invalidation i
   USING unnest(aggs, max_ids) AS u(a, max_id)
   WHERE i.aggregate = u.a AND i.id <= u.max_id;
  UPDATE prodplan.aggregate_watermark w
     SET watermark = u.wm, refreshed_at = now(), last_refresh = u.report
    FROM unnest(aggs, wms, reports) AS u(a, wm, report)
   WHERE w.aggregate = u.a;
  -- Cached results computed from the aggregates are stale now.
  IF total > 0 THEN
    PERFORM prodplan.bump_data_version('refresh_aggregates');
  END IF;
END
$fn$;
COMMENT ON FUNCTION prodplan.refresh_aggregates() IS 'Brings the incremental aggregates (agg_order_day, agg_operation_day, agg_defect_day) up to date: refreshes exactly the day ranges the source tables'' triggers logged since the last refresh (new days, late data, corrections, deletes; merged per plant, and when more than 32 remain bridged over their smallest gaps): a range where rows were only inserted has their partials added to the stored groups (operations and orders), any other is recomputed; then it moves the watermark to the newest day covered. An aggregate with nothing logged reads nothing; one never refreshed (or whose source was truncated) is computed in full. The result equals a full recompute. Returns per aggregate the ranges recomputed, rows written, the watermark and seconds. The built-in job "prodplan.aggregate refresh" runs it every minute.';

COMMENT ON TABLE prodplan.aggregate_watermark IS 'One row per incremental aggregate: every day is up to date except those named in prodplan.aggregate_invalidation. watermark: the newest day a refresh covered; NULL: never refreshed, or a source table was truncated (the next refresh computes everything). last_refresh: what the last refresh recomputed (ranges, rows, seconds).';
COMMENT ON TABLE prodplan.aggregate_invalidation IS 'Runs of days per plant whose source rows changed since the aggregate''s last refresh (new data, late data, corrections, deletes), logged by statement-level triggers on the source tables once the aggregate has a watermark, and consumed by prodplan.refresh_aggregates().';
