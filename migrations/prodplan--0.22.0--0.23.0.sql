-- prodplan 0.22.0 -> 0.23.0 (issue 11): prodplan.order_detail in C, the same
-- document at about twice the calls a second.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.23.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Why. make load found the order detail 5-7x below the reference system's
-- 250 ms at 32 closed-loop clients on the 2-core machine, where the target
-- is 10x. Of a call's time (load_demo(1), one order of the 961 open or
-- recent, at random) about 60% went to the order's recorded operations and
-- defects: their two reads were planned at every call, so that the planner
-- pruned the 62 partitions of each table to those of the order's range (a
-- plan kept with the range as parameters holds every partition, and
-- PostgreSQL 15 locks each one at every execution); each operation's
-- employees were a subquery of their own; and json_build_object looked up
-- the type of every value of every row.
--
-- The function is now C (src/pg/order_detail.cpp). It runs the same queries
-- with the caller's rights and snapshot, except that:
--   * the reads of operations and defects are planned once per backend and
--     window: the range widened to the partition bounds around it, which go
--     into the query as constants, so the kept plan holds only the
--     partitions of that window (src/pg/window_plans.h);
--   * the employees of all the operations come from one query;
--   * the values are written to the document as json_build_object and
--     json_agg write them (src/pg/json_values.h).
-- The document is the same byte for byte: pg_regress plan_order_detail
-- compares it with the 0.22.0 function's for every order of a demo factory.
-- Its signature, privileges and comment stay.
CREATE OR REPLACE FUNCTION prodplan.order_detail(plant_id text, order_id text)
RETURNS json
LANGUAGE C STABLE STRICT
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
AS 'MODULE_PATHNAME', 'prodplan_order_detail';
