-- prodplan 0.10.0 -> 0.11.0: appending operations no longer recomputes the
-- quality aggregate's days (issue 5); options and what-if fields of the
-- wrong type are errors naming the function and the option (issue 11).
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.11.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Why. In 0.8.0 an inserted operation logged its order's creation day as a
-- change of "quality_order_day", which the refresh recomputed: every order
-- created that day, found by key in each monthly partition of operation and
-- defect (after appending 1% of load_demo(1)'s operations, 286 orders over
-- 22 days: 0.6 s of a 0.65 s refresh, most of it planning in the new
-- backend of the minutely job). Yet an inserted operation changes that
-- aggregate in one way only (defects blamed on its id aside): the order
-- counts as having visited its work center once it has its first operation
-- there (agg_quality_work_center_day.orders_visited + 1 on the order's
-- creation day).
--
-- So the operations' INSERT trigger now works out those first visits when
-- the rows arrive: the (order, work center) pairs whose every visible
-- operation is one of the statement's rows. It records them in
-- prodplan.agg_quality_visit_pending and logs their orders' creation days
-- as insert-only entries; the refresh adds them to orders_visited instead
-- of recomputing the days. A new operation whose id a defect blames still
-- logs the defect's order day as a change (recomputed), and so do updates,
-- deletes and changes of orders and defects.
--
-- Why the recorded pairs are exactly the new ones:
--  * The trigger counts the pair's operations after taking FOR SHARE on the
--    watermark rows, which waits for a refresh in flight; under READ
--    COMMITTED its snapshot is then newer than any refresh's, so an
--    operation some refresh counted is visible to it: a pair it records
--    was not counted. Another statement of the transaction that inserted
--    the pair earlier is visible too (it recorded the pair itself).
--  * Two transactions inserting the same pair's first operations at once
--    may both record it: the refresh counts distinct pairs.
--  * Whatever later changes the pair (its operations deleted or moved to
--    another order or work center, its order's creation or product
--    changed) logs a change on the same creation day, and a range with any
--    change is recomputed from the base tables, its pending pairs ignored.
--  * Under REPEATABLE READ or SERIALIZABLE the transaction's snapshot can be
--    older than the last refresh: the trigger logs the days as changes, as
--    0.8.0 did.
--  * A rolled back (sub)transaction takes its pending rows with it.
-- The refresh holds every watermark row FOR UPDATE, so no writer adds
-- pending rows while it runs; it empties the table when done.
-- (tests/integration/test_defect_aggregates.sh: appends with first and
-- repeated visits, the same first visit from two sessions at once, under
-- REPEATABLE READ, then a full recompute compared.)
-- ---------------------------------------------------------------------------
CREATE TABLE prodplan.agg_quality_visit_pending (
  plant_id        text NOT NULL,
  day             date NOT NULL,
  work_center_id  text NOT NULL,
  order_id        text NOT NULL
);
COMMENT ON TABLE prodplan.agg_quality_visit_pending IS 'First visits since the last refresh: an (order, work center) pair whose first operation was inserted, with the order''s creation day (UTC), recorded by the statement trigger of prodplan.operation and added by prodplan.refresh_aggregates to agg_quality_work_center_day.orders_visited (distinct pairs: two sessions can record the same one), which then empties the table. Internal to the "quality_order_day" aggregate.';
COMMENT ON COLUMN prodplan.agg_quality_visit_pending.plant_id IS 'The order''s plant.';
COMMENT ON COLUMN prodplan.agg_quality_visit_pending.day IS 'UTC day of the order''s created_at when the operation was inserted.';
COMMENT ON COLUMN prodplan.agg_quality_visit_pending.work_center_id IS 'The work center the order visited for the first time.';
COMMENT ON COLUMN prodplan.agg_quality_visit_pending.order_id IS 'The order.';
REVOKE ALL ON prodplan.agg_quality_visit_pending FROM PUBLIC;
GRANT SELECT ON prodplan.agg_quality_visit_pending TO prodplan_reader;

CREATE OR REPLACE FUNCTION prodplan.agg_quality_operation_changed()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
-- Restored on exit (a few orders' operations are read with it off).
SET enable_seqscan = on
AS $fn$
DECLARE
  w_q   date;
  w_c   date;
  tp    text[];
  tord  text[];
  top   text[];
  dp    text[];
  dord  text[];
  ddet  timestamptz[];
  plants text[];
  ids   text[];
  p     text[];
  d     date[];
  c     bigint[];
BEGIN
  SELECT l.quality_order_day, l.defect_cell_day INTO w_q, w_c FROM prodplan.agg_quality_watermarks() l;
  IF w_q IS NULL AND w_c IS NULL THEN
    RETURN NULL;
  END IF;
  -- The changed operations (old and new versions; of an update, only those
  -- whose order, operation id or work center changed: closing an operation
  -- changes no quality figure).
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(x.plant_id), array_agg(x.order_id), array_agg(x.operation_id) INTO tp, tord, top FROM n x;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(x.plant_id), array_agg(x.order_id), array_agg(x.operation_id) INTO tp, tord, top FROM o x;
  ELSE
    SELECT array_agg(x.plant_id), array_agg(x.order_id), array_agg(x.operation_id) INTO tp, tord, top
    FROM ((SELECT y.plant_id, y.order_id, y.operation_id, y.work_center_id FROM o y
           EXCEPT ALL SELECT y.plant_id, y.order_id, y.operation_id, y.work_center_id FROM n y)
          UNION ALL
          (SELECT y.plant_id, y.order_id, y.operation_id, y.work_center_id FROM n y
           EXCEPT ALL SELECT y.plant_id, y.order_id, y.operation_id, y.work_center_id FROM o y)) x;
  END IF;
  IF tp IS NULL THEN
    RETURN NULL;
  END IF;
  -- The defects blaming them (the culprit's work center is the smallest
  -- among the rows of its id), for both aggregates: one pass over defects.
  SELECT array_agg(x.plant_id), array_agg(x.order_id), array_agg(x.detected_at) INTO dp, dord, ddet
  FROM prodplan.defect x
  WHERE (x.plant_id, x.culprit_operation_id) IN (SELECT u.p, u.op FROM unnest(tp, top) AS u(p, op));
  IF w_q IS NOT NULL AND TG_OP = 'INSERT' AND current_setting('transaction_isolation') = 'read committed' THEN
    -- Inserted rows: the creation days of those defects' orders are
    -- changes; the pairs the rows visit first are pending visits (see the
    -- 0.11.0 notes above).
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT po.plant_id, (po.created_at AT TIME ZONE 'UTC')::date AS day
          FROM prodplan.production_order po
          WHERE (po.plant_id, po.order_id) IN (SELECT u.p, u.o FROM unnest(dp, dord) AS u(p, o))) s;
    PERFORM prodplan.agg_log('quality_order_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
    SELECT array_agg(DISTINCT po.plant_id), array_agg(po.order_id) INTO plants, ids
    FROM prodplan.production_order po
    WHERE (po.plant_id, po.order_id) IN (SELECT DISTINCT x.plant_id, x.order_id FROM n x);
    p := NULL;
    d := NULL;
    IF ids IS NOT NULL THEN
      -- Every visible operation of those orders, per work center; a pair
      -- whose count equals the statement's own is a first visit. A few
      -- orders (an append's) are read by key, index scans of each monthly
      -- partition: the planner cannot tell that the orders' operations are
      -- a handful per partition and reads every partition whole (50 ms for
      -- 300 orders of load_demo(1) either way, less by index on a cold
      -- cache; by index the cost follows the orders and the partitions,
      -- not the rows stored). Many (a load's) are read in one pass, the
      -- arrays hashed.
      PERFORM set_config('enable_seqscan', CASE WHEN cardinality(ids) <= 2000 THEN 'off' ELSE 'on' END, true);
      WITH np AS (
        SELECT x.plant_id, x.order_id, x.work_center_id, count(*) AS c FROM n x GROUP BY 1, 2, 3
      ), t AS (
        SELECT op.plant_id, op.order_id, op.work_center_id, count(*) AS c
        FROM prodplan.operation op
        WHERE op.plant_id = ANY (plants) AND op.order_id = ANY (ids)
        GROUP BY 1, 2, 3
      ), ins AS (
        INSERT INTO prodplan.agg_quality_visit_pending (plant_id, day, work_center_id, order_id)
        SELECT po.plant_id, (po.created_at AT TIME ZONE 'UTC')::date, np.work_center_id, np.order_id
        FROM np JOIN prodplan.production_order po ON po.plant_id = np.plant_id AND po.order_id = np.order_id
        JOIN t ON t.plant_id = np.plant_id AND t.order_id = np.order_id AND t.work_center_id = np.work_center_id
        WHERE t.c = np.c
        RETURNING plant_id, day
      )
      SELECT array_agg(s.plant_id), array_agg(s.day), array_agg(s.c) INTO p, d, c
      FROM (SELECT ins.plant_id, ins.day, count(*) AS c FROM ins GROUP BY 1, 2) s;
      PERFORM set_config('enable_seqscan', 'on', true);
    END IF;
    -- (ids NULL: no order of theirs is loaded, no quality figure counts them yet.)
    PERFORM prodplan.agg_log('quality_order_day', p, d, c, prodplan.agg_inserting_xid()) WHERE p IS NOT NULL;
  ELSIF w_q IS NOT NULL THEN
    -- The creation days of their orders (which work centers those visited)
    -- and of those defects' orders.
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT po.plant_id, (po.created_at AT TIME ZONE 'UTC')::date AS day
          FROM prodplan.production_order po
          WHERE (po.plant_id, po.order_id) IN (SELECT u.p, u.o FROM unnest(tp, tord) AS u(p, o)
                                               UNION
                                               SELECT u.p, u.o FROM unnest(dp, dord) AS u(p, o))) s;
    PERFORM prodplan.agg_log('quality_order_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
  END IF;
  IF w_c IS NOT NULL AND dp IS NOT NULL THEN
    -- The detection days of those defects.
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT u.p AS plant_id, (u.t AT TIME ZONE 'UTC')::date AS day FROM unnest(dp, ddet) AS u(p, t)) s;
    PERFORM prodplan.agg_log('defect_cell_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_quality_operation_changed() IS 'Statement trigger of prodplan.operation. For "quality_order_day": inserted rows (under READ COMMITTED) log the creation days of the orders of defects blaming them as changes, and record the (order, work center) pairs they visit first in prodplan.agg_quality_visit_pending, logging those orders'' creation days as insert-only entries; updates, deletes and inserts under REPEATABLE READ or SERIALIZABLE log the creation days of the changed operations'' orders and of the orders of defects blaming them. For "defect_cell_day": the detection days of defects blaming the changed operations. (Old and new versions; an update only where order, operation id or work center changed.)';

-- The pending first visits of a plant's creation-day ranges los[i]..his[i]
-- (his[i] NULL: through the newest data), added to the stored groups.
CREATE FUNCTION prodplan.agg_add_quality_visits(plant text, los date[], his date[])
RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH v AS (
    SELECT p.day, p.plant_id, p.work_center_id, count(DISTINCT p.order_id) AS orders
    FROM prodplan.agg_quality_visit_pending p
    WHERE p.plant_id = plant
      AND EXISTS (SELECT 1 FROM unnest(los, his) AS r(lo, hi) WHERE p.day >= r.lo AND (r.hi IS NULL OR p.day <= r.hi))
    GROUP BY p.day, p.plant_id, p.work_center_id
  ), w AS (
    INSERT INTO prodplan.agg_quality_work_center_day AS a
      (day, plant_id, work_center_id, orders_visited, orders_culprit, defects_culprit, severity_sum_culprit,
       orders_evaluated, defects_evaluated, severity_sum_evaluated)
    SELECT v.day, v.plant_id, v.work_center_id, v.orders, 0, 0, 0, 0, 0, 0 FROM v
    ON CONFLICT (day, plant_id, work_center_id) DO UPDATE SET orders_visited = a.orders_visited + excluded.orders_visited
    RETURNING 1
  )
  SELECT count(*) FROM w
$fn$;
COMMENT ON FUNCTION prodplan.agg_add_quality_visits(text, date[], date[]) IS 'Adds the pending first visits (prodplan.agg_quality_visit_pending, distinct pairs) of a plant''s creation-day ranges los[i]..his[i] (his[i] NULL: through the newest data) to agg_quality_work_center_day.orders_visited; returns the rows written. Used by prodplan.refresh_aggregates for ranges whose every log entry only inserted operations.';
REVOKE ALL ON FUNCTION prodplan.agg_add_quality_visits(text, date[], date[]) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- The refresh of 0.8.0, with the quality aggregate's insert-only ranges
-- added from the pending first visits instead of recomputed.
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
  names    text[] := ARRAY['order_day', 'operation_day', 'defect_day', 'quality_order_day', 'defect_cell_day'];
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
  ri       boolean[];
  al       date[];
  ah       date[];
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
    FROM (SELECT w.aggregate, w.watermark, array_position(names, w.aggregate) AS o,
                 l.max_id, l.last_day
          FROM prodplan.aggregate_watermark w
          LEFT JOIN (SELECT i.aggregate, max(i.id) AS max_id, max(i.to_day) AS last_day
                     FROM prodplan.aggregate_invalidation i GROUP BY i.aggregate) l ON l.aggregate = w.aggregate
          WHERE w.aggregate = ANY (names)) w;
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
      ELSIF a = 'defect_day' THEN
        newest := (SELECT max(d.detected_at) FROM prodplan.defect d);
        n := prodplan.agg_recompute_defect_day(NULL, '-infinity', NULL);
      ELSIF a = 'quality_order_day' THEN
        newest := (SELECT max(o.created_at) FROM prodplan.production_order o);
        n := prodplan.agg_recompute_quality_order_day(NULL, ARRAY['-infinity'::date], ARRAY[NULL::date]);
      ELSE
        newest := (SELECT max(d.detected_at) FROM prodplan.defect d);
        n := prodplan.agg_recompute_defect_cell_day(NULL, ARRAY['-infinity'::date], ARRAY[NULL::date]);
      END IF;
      wm := (newest AT TIME ZONE 'UTC')::date;
    ELSIF max_id IS NOT NULL THEN
      wm := greatest(wm, lasts[j]);
      -- The logged ranges, merged per plant where they overlap or touch.
      -- (ri: whether every entry of the range only inserted rows.)
      WITH l AS (SELECT i.plant_id, i.from_day, i.to_day, i.inserted_by FROM prodplan.aggregate_invalidation i
                 WHERE i.aggregate = a AND i.id <= max_id),
      s AS (SELECT l.*, max(l.to_day) OVER (PARTITION BY l.plant_id ORDER BY l.from_day, l.to_day
                                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM l),
      g AS (SELECT s.*, sum(CASE WHEN s.prev_end IS NULL OR s.from_day > s.prev_end + 1 THEN 1 ELSE 0 END)
                          OVER (PARTITION BY s.plant_id ORDER BY s.from_day, s.to_day) AS grp FROM s),
      m AS (SELECT g.plant_id, min(g.from_day) AS lo, max(g.to_day) AS hi, bool_and(g.inserted_by IS NOT NULL) AS ins
            FROM g GROUP BY g.plant_id, g.grp)
      SELECT array_agg(m.plant_id ORDER BY m.plant_id, m.lo), array_agg(m.lo ORDER BY m.plant_id, m.lo),
             array_agg(m.hi ORDER BY m.plant_id, m.lo), array_agg(m.ins ORDER BY m.plant_id, m.lo)
        INTO rp, rl, rh, ri FROM m;
      -- Too many ranges: bridge gaps of up to a week, a month, a quarter,
      -- a year, then everything, until at most 32 remain. (The quality
      -- aggregates recompute all of a plant's ranges in one pass: no need.)
      FOREACH gap IN ARRAY ARRAY[7, 31, 92, 366, 1000000] LOOP
        EXIT WHEN coalesce(array_length(rp, 1), 0) <= 32 OR a IN ('quality_order_day', 'defect_cell_day');
        WITH x AS (SELECT u.p, u.lo, u.hi,
                          CASE WHEN u.lo > lag(u.hi) OVER (PARTITION BY u.p ORDER BY u.lo) + gap THEN 1 ELSE 0 END AS brk
                   FROM unnest(rp, rl, rh) AS u(p, lo, hi)),
        y AS (SELECT x.*, sum(x.brk) OVER (PARTITION BY x.p ORDER BY x.lo) AS grp FROM x),
        z AS (SELECT y.p, min(y.lo) AS lo, max(y.hi) AS hi FROM y GROUP BY y.p, y.grp)
        SELECT array_agg(z.p ORDER BY z.p, z.lo), array_agg(z.lo ORDER BY z.p, z.lo), array_agg(z.hi ORDER BY z.p, z.lo)
          INTO rp, rl, rh FROM z;
      END LOOP;
      IF a IN ('quality_order_day', 'defect_cell_day') THEN
        -- All of a plant's ranges in one pass (a range's orders or defects
        -- are found by key, each in every monthly partition: one pass per
        -- range would repeat that per range). Of quality_order_day, the
        -- ranges whose every entry only inserted operations have their
        -- pending first visits added instead (see 0.11.0's notes).
        FOR k IN 1 .. coalesce(array_length(rp, 1), 0) LOOP
          IF k = 1 OR rp[k] <> rp[k - 1] THEN
            IF a = 'quality_order_day' THEN
              SELECT array_agg(u.lo ORDER BY u.o) FILTER (WHERE u.ins), array_agg(u.hi ORDER BY u.o) FILTER (WHERE u.ins)
                INTO al, ah FROM unnest(rp, rl, rh, ri) WITH ORDINALITY AS u(p, lo, hi, ins, o) WHERE u.p = rp[k];
              IF al IS NOT NULL THEN
                n := n + prodplan.agg_add_quality_visits(rp[k], al, ah);
              END IF;
              SELECT array_agg(u.lo ORDER BY u.o) FILTER (WHERE NOT u.ins), array_agg(u.hi ORDER BY u.o) FILTER (WHERE NOT u.ins)
                INTO al, ah FROM unnest(rp, rl, rh, ri) WITH ORDINALITY AS u(p, lo, hi, ins, o) WHERE u.p = rp[k];
              IF al IS NOT NULL THEN
                n := n + prodplan.agg_recompute_quality_order_day(rp[k], al, ah);
              END IF;
            ELSE
              n := n + prodplan.agg_recompute_defect_cell_day(rp[k],
                ARRAY(SELECT u.lo FROM unnest(rp, rl) WITH ORDINALITY AS u(p, lo, o) WHERE u.p = rp[k] ORDER BY u.o),
                ARRAY(SELECT u.hi FROM unnest(rp, rh) WITH ORDINALITY AS u(p, hi, o) WHERE u.p = rp[k] ORDER BY u.o));
            END IF;
          END IF;
          nranges := nranges + 1;
          merged := merged || jsonb_build_array(jsonb_build_object('plant', rp[k], 'from', rl[k], 'to', rh[k],
            'how', CASE WHEN a = 'quality_order_day' AND ri[k] THEN 'added' ELSE 'recomputed' END));
        END LOOP;
        rp := NULL;
      END IF;
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
  -- watermarks and reports of all in one statement each.
  DELETE FROM prodplan.aggregate_invalidation i
   USING unnest(aggs, max_ids) AS u(a, max_id)
   WHERE i.aggregate = u.a AND i.id <= u.max_id;
  -- The pending first visits are covered too: added, recomputed over, or
  -- part of a full computation. (Holding the watermark rows, the refresh
  -- sees every writer's rows committed and no new ones.)
  DELETE FROM prodplan.agg_quality_visit_pending;
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
COMMENT ON FUNCTION prodplan.refresh_aggregates() IS 'Brings the incremental aggregates (agg_order_day, agg_operation_day, agg_defect_day, and the quality aggregates quality_order_day = agg_quality_order_day + agg_quality_work_center_day and defect_cell_day = agg_defect_cell_day + agg_defect_cell_order) up to date: refreshes exactly the day ranges the source tables'' triggers logged since the last refresh (new days, late data, corrections, deletes; merged per plant, and when more than 32 remain bridged over their smallest gaps). A range where rows were only inserted has their partials added to the stored groups (operations and orders; for quality_order_day, the first visits of orders to work centers that inserted operations made, from prodplan.agg_quality_visit_pending); any other range is recomputed (always for defects, whose distinct order counts do not add; a quality aggregate recomputes all of a plant''s ranges in one pass, without bridging); then it moves the watermark to the newest day covered. An aggregate with nothing logged reads nothing; one never refreshed (or whose source was truncated) is computed in full. The result equals a full recompute. Returns per aggregate the ranges refreshed, rows written, the watermark and seconds (aggregate_watermark.last_refresh says per range whether it was added or recomputed). The built-in job "prodplan.aggregate refresh" runs it every minute.';

-- ---------------------------------------------------------------------------
-- Options of the wrong type (issue 11's hostile-input test). Functions read
-- their options with casts such as (options ->> 'time_limit_ms')::int, whose
-- errors name neither the function nor the option ("invalid input syntax
-- for type integer: "true""). prodplan.check_option_types tries the same
-- casts first, for every option name the API uses with a typed value, and
-- raises invalid_parameter_value naming the function, the option, what was
-- expected and what was found. check_options (which the functions with
-- options call) runs it after refusing unknown keys; prodplan.plan and
-- prodplan.whatif (which check their keys themselves) call it too, whatif
-- also for each change. A JSON null stays "not given" (the default).
-- tests/integration/test_hostile_options.sh: every error of 240 mutated
-- documents names the function.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.check_option_types(who text, options jsonb, what text DEFAULT 'options')
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  k      text;
  v      jsonb;
  want   text;
  shown  text;
BEGIN
  IF options IS NULL OR jsonb_typeof(options) <> 'object' THEN
    RETURN;
  END IF;
  FOR k, v IN SELECT e.key, e.value FROM jsonb_each(options) e LOOP
    want := CASE
      WHEN k IN ('time_limit_ms', 'replications', 'subgroup_size', 'baseline_subgroups', 'min_samples', 'calibration_bins',
                 'candidates', 'early_stopping_rounds', 'max_leaf_nodes', 'min_samples_leaf', 'min_orders', 'risk_days',
                 'units', 'units_add') THEN 'integer'
      WHEN k IN ('seed', 'max_iterations', 'min_level_rows', 'min_train_rows', 'plan', 'plan_id') THEN 'bigint'
      WHEN k IN ('frozen_hours', 'horizon_days', 'history_days', 'quantity', 'factor', 'priority', 'high_rate', 'medium_rate',
                 'high_severity', 'medium_severity', 'high_ratio', 'medium_ratio', 'test_share', 'validation_share', 'c',
                 'prior_weight', 'alert_rate', 'learning_rate', 'subsample', 'coverage', 'bucket_hours', 'service_level',
                 'lead_time_days', 'lead_time_sd_days', 'order_cost', 'holding_rate', 'excess_days', 'abc_a', 'abc_b',
                 'xyz_x', 'xyz_y') THEN 'double precision'
      WHEN k IN ('ignore_gates', 'fallback', 'fill_rate', 'force', 'breakdowns', 'early_start', 'cancel') THEN 'boolean'
      WHEN k IN ('start', 'due', 'from', 'to', 'as_of', 'baseline_to', 'test_from', 'at') THEN 'timestamptz'
    END;
    CONTINUE WHEN want IS NULL OR v = 'null'::jsonb;
    BEGIN
      -- The casts the functions make (of the value as ->> gives it).
      CASE want
        WHEN 'integer' THEN PERFORM (options ->> k)::int4;
        WHEN 'bigint' THEN PERFORM (options ->> k)::int8;
        WHEN 'double precision' THEN PERFORM (options ->> k)::float8;
        WHEN 'boolean' THEN PERFORM (options ->> k)::boolean;
        ELSE PERFORM (options ->> k)::timestamptz;
      END CASE;
    EXCEPTION WHEN data_exception THEN
      shown := left(v::text, 60) || CASE WHEN length(v::text) > 60 THEN '...' ELSE '' END;
      RAISE EXCEPTION '%: %.% must be %, found %', who, what, k,
        CASE want WHEN 'integer' THEN 'an integer from -2147483648 to 2147483647'
                  WHEN 'bigint' THEN 'an integer' WHEN 'double precision' THEN 'a number'
                  WHEN 'boolean' THEN 'true or false' ELSE 'a date and time (e.g. "2026-06-01 08:00+02")' END,
        shown
        USING ERRCODE = 'invalid_parameter_value';
    END;
  END LOOP;
END
$fn$;
COMMENT ON FUNCTION prodplan.check_option_types(text, jsonb, text) IS 'Raises invalid_parameter_value, naming the function who, the option (what.key; what defaults to options) and what it must be, when an option the API reads as an integer, a number, a boolean or a date and time has a value that does not convert (JSON null counts as not given). Called by check_options, prodplan.plan and prodplan.whatif (also for each change).';
REVOKE ALL ON FUNCTION prodplan.check_option_types(text, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.check_option_types(text, jsonb, text) TO prodplan_reader;

CREATE OR REPLACE FUNCTION prodplan.check_options(who text, options jsonb, allowed text[], hint text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  bad text;
BEGIN
  IF options IS NULL OR jsonb_typeof(options) <> 'object' THEN
    RAISE EXCEPTION '%: options must be a JSON object', who USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(k, ', ' ORDER BY k) INTO bad FROM jsonb_object_keys(options) k WHERE k <> ALL (allowed);
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION '%: unknown option(s) %', who, bad USING ERRCODE = 'invalid_parameter_value', HINT = hint;
  END IF;
  PERFORM prodplan.check_option_types(who, options);
END
$fn$;
COMMENT ON FUNCTION prodplan.check_options(text, jsonb, text[], text) IS 'Raises invalid_parameter_value, naming the function who, when options is not a JSON object, has keys outside allowed (hint lists them), or has a value of the wrong type (prodplan.check_option_types).';

-- prodplan.whatif of 0.6.0 with the type checks.
CREATE OR REPLACE FUNCTION prodplan.whatif(changes jsonb, base_plan bigint DEFAULT NULL, options jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  bad     text;
  plant   text;
  base    bigint := base_plan;
  status  text;
  version bigint;
  hash    text;
  found_id bigint;
BEGIN
  IF options IS NULL OR jsonb_typeof(options) <> 'object' THEN
    RAISE EXCEPTION 'prodplan.whatif: options must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(k, ', ' ORDER BY k) INTO bad FROM jsonb_object_keys(options) k
  WHERE k <> ALL (ARRAY['plant', 'time_limit_ms', 'max_iterations', 'seed']);
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'prodplan.whatif: unknown option(s) %', bad
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Options are plant, time_limit_ms (default 100), max_iterations and seed.';
  END IF;
  -- Values of the wrong type name the option, or the change and its field.
  PERFORM prodplan.check_option_types('prodplan.whatif', options);
  IF jsonb_typeof(changes) = 'array' THEN
    PERFORM prodplan.check_option_types('prodplan.whatif', c.value, format('change %s', c.n))
    FROM jsonb_array_elements(changes) WITH ORDINALITY AS c(value, n);
  END IF;
  IF base IS NULL THEN
    -- The plant's current plan (released, else the newest proposed), or a new one.
    plant := options ->> 'plant';
    IF plant IS NULL THEN
      IF (SELECT count(*) FROM prodplan.plant) <> 1 THEN
        RAISE EXCEPTION 'prodplan.whatif: options.plant is needed: the database has % plants', (SELECT count(*) FROM prodplan.plant)
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      plant := (SELECT p.plant_id FROM prodplan.plant p);
    END IF;
    SELECT p.plan_id INTO base FROM prodplan.plans p
    WHERE p.plant_id = plant AND p.status IN ('released', 'proposed')
    ORDER BY p.status = 'released' DESC, p.plan_id DESC LIMIT 1;
    IF base IS NULL THEN
      base := prodplan.plan(jsonb_build_object('plant', plant));
    END IF;
  ELSE
    SELECT p.plant_id, p.status INTO plant, status FROM prodplan.plans p WHERE p.plan_id = base;
    IF plant IS NULL THEN
      RAISE EXCEPTION 'prodplan.whatif: no plan %', base
        USING ERRCODE = 'invalid_parameter_value', HINT = 'Plans are listed in prodplan.plans; NULL means the current plan.';
    END IF;
    IF options ? 'plant' AND options ->> 'plant' <> plant THEN
      RAISE EXCEPTION 'prodplan.whatif: plan % is of plant %, not %', base, plant, options ->> 'plant'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END IF;
  -- A stored scenario (its changes were checked when it was made).
  version := (SELECT d.version FROM prodplan.data_version d);
  hash := md5(changes::text || '|' || (options - 'plant')::text);
  SELECT p.plan_id INTO found_id FROM prodplan.plans p
  WHERE p.status = 'scenario' AND p.base_plan_id = base AND p.changes_hash = hash AND p.data_version = version
  ORDER BY p.plan_id DESC LIMIT 1;
  IF found_id IS NOT NULL THEN
    RETURN found_id;
  END IF;
  -- Checks every change now (errors name the field) before anything is written.
  PERFORM 1 FROM prodplan.whatif_changes(plant, changes,
                                         (SELECT extract(epoch FROM p.plan_start)::bigint FROM prodplan.plans p WHERE p.plan_id = base));
  RETURN prodplan.whatif_plan(base, changes, options - 'plant', hash, version);
END
$fn$;
COMMENT ON FUNCTION prodplan.whatif(jsonb, bigint, jsonb) IS 'A what-if scenario: applies changes to the base plan''s data in memory (the base tables are never written), re-plans warm-started from the base plan''s sequence (so work the changes do not touch keeps its order; then a short local search, options.time_limit_ms, default 100) and returns the scenario''s plan id (status scenario; compare it with prodplan.compare_plans and prodplan.plan_diff). base_plan NULL: the plant''s current plan (released, else the newest proposed; one is planned if there is none). The same changes and options on the same base plan and data version return the stored scenario. changes is a JSON array of objects: {"type": "work_center_down", "work_center", "from", "to"}; {"type": "capacity", "work_center", "units" (set) or "units_add", optional "from"/"to" (only then)}; {"type": "calendar", "work_center" (omit: all), "action": "add" or "remove", "from", "to", optional "shift": {"start": "22:00", "end": "06:00"}, "days" (ISO weekdays), "time_zone"}; {"type": "rush_order", "product", "due", "quantity" (default 1: durations x quantity), "priority" (default 1), "order_id" (default RUSH-<position>)}; {"type": "order", "order_id", "due", "priority", "quantity", "cancel"}; {"type": "duration_factor", "work_center" and/or "product", "factor"}; {"type": "rule", "rule": fifo, spt, edd, cr/slack, wspt, atc, best or optimise} (a rule replaces the warm start). Options: plant, time_limit_ms, max_iterations, seed. A bad change is an error naming it and its field; nothing is written.';

-- ---------------------------------------------------------------------------
-- Lock order of the data version (found by tests/integration/test_concurrency.sh:
-- a refresh and an ingest deadlocked). The refresh takes every watermark row
-- FOR UPDATE first and bumps prodplan.data_version last; an ingest bumped it
-- early (its work centers' and calendars' statement triggers) and then wrote
-- operations, whose triggers wait for FOR SHARE on the watermark rows the
-- refresh held while the refresh waited for the data version row. Now every
-- bump takes the watermark rows FOR SHARE first (prodplan.agg_watermarks_for_share,
-- the triggers' order), so the data version row is always locked after them:
-- a writer that bumped holds the watermark rows, and a refresh waits for it
-- before it locks anything.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION prodplan.bump_data_version(what text)
RETURNS bigint
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT prodplan.agg_watermarks_for_share();
  UPDATE prodplan.data_version SET version = version + 1, changed_at = now(), changed_by = $1 RETURNING version
$fn$;
COMMENT ON FUNCTION prodplan.bump_data_version(text) IS 'Increments prodplan.data_version (in the caller''s transaction) and returns the new version; what says who changed the data. Takes the aggregates'' watermark rows FOR SHARE first (the lock order of the source tables'' triggers and the refresh), so that a writer and a refresh cannot deadlock on the data version.';
