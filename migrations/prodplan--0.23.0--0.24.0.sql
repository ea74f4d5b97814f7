-- prodplan 0.23.0 -> 0.24.0 (issue 11): prodplan.first_pass_yield over a
-- whole history 2-4x faster.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.24.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Why. The replica test found quality_score slow on a standby, and its time
-- went to first_pass_yield. On load_demo(1) (517,677 operations, 89,521
-- defects, 27,348 orders over five years) the whole history took 3.0-4.0 s
-- by work center or overall and 10.4-12.9 s by product.
--   * By product, each product's rolled throughput yield was a correlated
--     subquery that scanned the list of every product's work centers (21,220
--     rows) once per product: 1,231 x 4.7 ms = 5.8 s. It is now one join and
--     one GROUP BY.
--   * That list joined every order's operations to its product's routing
--     with "no routing step" as a join filter: 7.5 million row pairs made and
--     dropped, 2.3 s. The orders of products without a routing are now found
--     first (27,348 lookups), and only their operations are read.
--   * The orders and their operations were CTEs kept in tuple stores, so the
--     planner guessed 2,759 operations where there are 517,677 and chose
--     sorts that spilled to disk (a 507,599-row external merge, 1 s). They
--     are now inlined where they are used, with the tables' statistics. The
--     passes (each order at each work center, and whether it was reworked
--     there) are computed once and read by both results that need them.
-- After, alternating with the old body in new sessions (psql, \timing, the
-- same database): by work center 1.5-1.6 s against 3.1-3.7, overall 1.3-1.6
-- against 3.0-3.1, by product 2.8-3.1 against 10.4-12.9; over 90 days 0.23 s
-- against 0.56 by work center and 0.31 against 0.92 by product.
-- The rows, counts and yields are the same for every grouping, window and
-- plant tried; the rolled throughput yields agree to 1e-12. They now
-- multiply the work centers' yields in work center order, so they are the
-- same to the last bit at every call; before, the order was whatever the
-- plan gave.

CREATE OR REPLACE FUNCTION prodplan.first_pass_yield(by text DEFAULT 'work_center', from_ts timestamptz DEFAULT NULL,
                                          to_ts timestamptz DEFAULT NULL, plant text DEFAULT NULL)
RETURNS TABLE (plant_id text, group_key text, units bigint, first_pass_units bigint, fpy float8, rty float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
  IF by IS NULL OR by NOT IN ('overall', 'work_center', 'product') THEN
    RAISE EXCEPTION 'prodplan.first_pass_yield: by must be overall, work_center or product, got %', coalesce(by, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  WITH o AS NOT MATERIALIZED (
    SELECT po.plant_id, po.order_id, po.product_id FROM prodplan.production_order po
    WHERE (first_pass_yield.plant IS NULL OR po.plant_id = first_pass_yield.plant)
      AND (from_ts IS NULL OR po.created_at >= from_ts) AND (to_ts IS NULL OR po.created_at < to_ts)
  ), ops AS NOT MATERIALIZED (
    SELECT op.plant_id, op.order_id, op.operation_id, op.work_center_id, op.is_rework
    FROM prodplan.operation op JOIN o ON o.plant_id = op.plant_id AND o.order_id = op.order_id
  ), passes AS MATERIALIZED (
    -- Each order at each work center it went through, and whether it needed a rework pass there.
    SELECT x.plant_id, x.order_id, x.work_center_id, bool_or(x.is_rework) AS reworked
    FROM ops x GROUP BY 1, 2, 3
  ), blamed AS (
    -- (order, work center) pairs a defect is blamed on.
    SELECT DISTINCT d.plant_id, d.order_id, c.work_center_id
    FROM prodplan.defect d JOIN o ON o.plant_id = d.plant_id AND o.order_id = d.order_id
    JOIN ops c ON c.plant_id = d.plant_id AND c.operation_id = d.culprit_operation_id
  ), wc AS MATERIALIZED (
    -- Each order at each work center: first pass when it needed no rework
    -- pass there and no defect is blamed on its work there.
    SELECT p.plant_id, p.work_center_id, count(*) AS units,
           count(*) FILTER (WHERE NOT p.reworked AND b.order_id IS NULL) AS fp
    FROM passes p LEFT JOIN blamed b
      ON b.plant_id = p.plant_id AND b.order_id = p.order_id AND b.work_center_id = p.work_center_id
    GROUP BY 1, 2
  ), reworked AS (
    SELECT DISTINCT x.plant_id, x.order_id FROM passes x WHERE x.reworked
  ), defective AS (
    SELECT DISTINCT d.plant_id, d.order_id FROM prodplan.defect d JOIN o ON o.plant_id = d.plant_id AND o.order_id = d.order_id
  ), per_order AS (
    -- An order is first pass overall with no rework pass anywhere and no defect at all.
    SELECT o.plant_id, o.order_id, o.product_id, r.order_id IS NULL AND d.order_id IS NULL AS first_pass
    FROM o LEFT JOIN reworked r ON r.plant_id = o.plant_id AND r.order_id = o.order_id
    LEFT JOIN defective d ON d.plant_id = o.plant_id AND d.order_id = o.order_id
  ), unrouted AS MATERIALIZED (
    -- The orders of products without a routing: those products pass where their orders went.
    SELECT o.plant_id, o.order_id, o.product_id FROM o
    WHERE NOT EXISTS (SELECT 1 FROM prodplan.routing_step rs WHERE rs.plant_id = o.plant_id AND rs.product_id = o.product_id)
  ), product_wcs AS (
    -- The work centers a product passes: its routing, else where its orders
    -- went (UNION keeps each once).
    SELECT rs.plant_id, rs.product_id, rs.work_center_id FROM prodplan.routing_step rs
    WHERE EXISTS (SELECT 1 FROM o WHERE o.plant_id = rs.plant_id AND o.product_id = rs.product_id)
    UNION
    SELECT u.plant_id, u.product_id, x.work_center_id
    FROM unrouted u JOIN ops x ON x.plant_id = u.plant_id AND x.order_id = u.order_id
  ), product_rty AS (
    SELECT pw.plant_id, pw.product_id,
           CASE WHEN bool_or(w.fp = 0) THEN 0 ELSE exp(sum(ln(w.fp::float8 / w.units) ORDER BY w.work_center_id)) END AS rty
    FROM product_wcs pw JOIN wc w ON w.plant_id = pw.plant_id AND w.work_center_id = pw.work_center_id
    GROUP BY 1, 2
  ), per_product AS (
    SELECT p.plant_id, p.product_id, count(*) AS units, count(*) FILTER (WHERE p.first_pass) AS fp
    FROM per_order p GROUP BY 1, 2
  )
  SELECT w.plant_id, w.work_center_id, w.units, w.fp, w.fp::float8 / w.units, NULL::float8
  FROM wc w WHERE by = 'work_center'
  UNION ALL
  SELECT p.plant_id, p.product_id, p.units, p.fp, p.fp::float8 / p.units, r.rty
  FROM per_product p LEFT JOIN product_rty r ON r.plant_id = p.plant_id AND r.product_id = p.product_id
  WHERE by = 'product'
  UNION ALL
  SELECT p.plant_id, NULL, count(*), count(*) FILTER (WHERE p.first_pass), (count(*) FILTER (WHERE p.first_pass))::float8 / count(*),
         (SELECT CASE WHEN bool_or(w.fp = 0) THEN 0 ELSE exp(sum(ln(w.fp::float8 / w.units) ORDER BY w.work_center_id)) END FROM wc w WHERE w.plant_id = p.plant_id)
  FROM per_order p WHERE by = 'overall' GROUP BY p.plant_id
  ORDER BY 1, 5, 2;
END
$fn$;

-- 0.7.0's comment, which CREATE OR REPLACE keeps, plus the one thing this
-- body adds for a caller: the rolled yields multiply in work center order.
COMMENT ON FUNCTION prodplan.first_pass_yield(text, timestamptz, timestamptz, text) IS 'First pass yield of the orders created in [from_ts, to_ts), per plant and by: work_center (units = orders through it; first pass = no rework pass there and no defect blamed on its work there), product or overall (first pass = no rework pass anywhere and no defect at all). rty, the rolled throughput yield: the product of the work centers'' first pass yields over the product''s routing (else the work centers its orders went through), or over every work center for overall, multiplied in work center order so that a call gives the same value to the last bit. Lowest yield first.';
