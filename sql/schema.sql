-- The canonical schema: documentation, privileges, partitions, derived columns.
SET client_min_messages = warning;

-- Every relation and function of the extension explains itself (psql \d+, \df+, BI tools).
SELECT c.relname AS undocumented_relation
FROM pg_class c
WHERE c.relnamespace = 'prodplan'::regnamespace
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND obj_description(c.oid, 'pg_class') IS NULL
ORDER BY 1;
SELECT p.oid::regprocedure AS undocumented_function
FROM pg_proc p
WHERE p.pronamespace = 'prodplan'::regnamespace
  AND obj_description(p.oid, 'pg_proc') IS NULL
ORDER BY 1;

-- Vacuum never truncates a plain table of the extension (0.14.0): the
-- ACCESS EXCLUSIVE lock it takes is replayed on a hot standby and cancels
-- the readers there (see migrations/prodplan--0.13.0--0.14.0.sql). A table
-- a later update adds must say so too.
SELECT c.relname AS truncated_by_vacuum
FROM pg_class c
WHERE c.relnamespace = 'prodplan'::regnamespace
  AND c.relkind = 'r' AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_options_to_table(c.reloptions) o
                  WHERE o.option_name = 'vacuum_truncate' AND NOT o.option_value::boolean)
ORDER BY 1;

-- Every function pins its search_path (CONVENTIONS 21), except aggregates,
-- their C support functions taking internal, and sketch_add (called per
-- group a refresh updates): they resolve no names, and a SET clause would
-- route every row through fmgr_security_definer.
SELECT p.oid::regprocedure AS function_without_search_path
FROM pg_proc p
WHERE p.pronamespace = 'prodplan'::regnamespace
  AND NOT coalesce(p.proconfig, '{}') @> ARRAY['search_path=pg_catalog, pg_temp']
  AND p.prokind <> 'a'
  AND NOT (p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
           AND ('internal'::regtype = ANY (p.proargtypes::oid[]) OR p.prorettype = 'internal'::regtype))
  AND p.oid <> 'prodplan.sketch_add(int4[], int4[])'::regprocedure
ORDER BY 1;
-- Those exceptions, listed so that a new one is a visible change.
SELECT p.oid::regprocedure AS pinned_nothing_by_design
FROM pg_proc p
WHERE p.pronamespace = 'prodplan'::regnamespace AND p.proconfig IS NULL
ORDER BY 1;

-- The library and the install script agree on the version.
SELECT prodplan.version() = extversion AS version_matches FROM pg_extension WHERE extname = 'prodplan';

-- Roles exist, nest, and PUBLIC gets nothing.
SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'prodplan\_%' ORDER BY 1;
SELECT pg_has_role('prodplan_admin', 'prodplan_reader', 'MEMBER') AS admin_reads,
       pg_has_role('prodplan_reader', 'prodplan_planner', 'MEMBER') AS reader_plans;
SELECT c.relname AS public_table_grant
FROM pg_class c, aclexplode(c.relacl) a
WHERE c.relnamespace = 'prodplan'::regnamespace AND a.grantee = 0
ORDER BY 1;
SELECT p.oid::regprocedure AS public_function_grant
FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
WHERE p.pronamespace = 'prodplan'::regnamespace AND a.grantee = 0
ORDER BY 1;

-- Partitioned tables and their DEFAULT partitions.
SELECT table_name, time_column FROM prodplan.partitioned_table ORDER BY 1;
SELECT parent, partition FROM prodplan.partitions WHERE is_default ORDER BY 1;

-- ensure_partitions creates UTC months once, whatever the session time zone.
SET TimeZone = 'America/New_York';
BEGIN;
SELECT prodplan.ensure_partitions('2031-01-31 23:00:00+00', '2031-03-01 00:00:00+00') AS created;
SELECT prodplan.ensure_partitions('2031-02-15', '2031-02-16') AS created_again;
SELECT partition, bounds FROM prodplan.partitions
WHERE parent = 'operation' AND partition LIKE 'operation_p2031%' ORDER BY 1;
ROLLBACK;
RESET TimeZone;
SELECT prodplan.ensure_partitions(NULL, now());
SELECT prodplan.ensure_partitions('2031-02-01', '2031-01-01');
SELECT prodplan.ensure_partitions('1900-01-01', '2200-01-01');

-- Rows route to their month; an open operation (no end) is stored normally;
-- derived columns follow the data.
BEGIN;
SELECT prodplan.ensure_partitions('2031-01-01', '2031-02-28') AS created;
INSERT INTO prodplan.plant VALUES ('T1', 'Test plant', 'UTC');
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, started_at, ended_at, event_time)
VALUES ('T1', 'op-closed', 'o1', 'wc', '2031-01-10 08:00+00', '2031-01-10 09:30+00', '2031-01-10 09:30+00'),
       ('T1', 'op-open',   'o1', 'wc', '2031-02-03 06:00+00', NULL,                  '2031-02-03 06:00+00'),
       ('T1', 'op-future', 'o1', 'wc', NULL,                  NULL,                  '2035-07-01 00:00+00');
SELECT tableoid::regclass AS partition, operation_id, duration_minutes, is_open
FROM prodplan.operation WHERE plant_id = 'T1' ORDER BY operation_id;
-- Closing an open operation moves it to the partition of its end.
UPDATE prodplan.operation SET ended_at = '2031-02-03 10:00+00', event_time = '2031-02-03 10:00+00'
WHERE plant_id = 'T1' AND operation_id = 'op-open';
SELECT tableoid::regclass AS partition, duration_minutes, is_open
FROM prodplan.operation WHERE plant_id = 'T1' AND operation_id = 'op-open';
-- Domain checks reject impossible rows with a clear message.
INSERT INTO prodplan.operation (plant_id, operation_id, order_id, work_center_id, started_at, ended_at, event_time)
VALUES ('T1', 'op-bad', 'o1', 'wc', '2031-01-10 09:00+00', '2031-01-10 08:00+00', '2031-01-10 08:00+00');
ROLLBACK;
BEGIN;
INSERT INTO prodplan.defect VALUES ('T1', 'o1', 'e1', 'Bolhas', NULL, 'wc', 4, '2031-01-10');
ROLLBACK;

-- The indexes the read paths need exist (an order's timeline, open operations
-- per work center, defects per order and culprit, events per work center).
SELECT indexrelid::regclass AS index_name
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
WHERE c.relnamespace = 'prodplan'::regnamespace AND NOT c.relispartition
  AND c.relname IN ('operation', 'defect', 'resource_event')
ORDER BY 1;

-- Privileges: a reader reads but cannot load; a planner loads; nobody else reads.
CREATE ROLE regress_pp_reader LOGIN IN ROLE prodplan_reader;
CREATE ROLE regress_pp_outsider LOGIN;
CREATE ROLE regress_pp_planner LOGIN IN ROLE prodplan_planner;
-- A planner loads (ensure_partitions runs as the extension's owner for it).
SET ROLE regress_pp_planner;
BEGIN;
SELECT (prodplan.load_demo(0.002, 5) -> 'rows' ->> 'production_order')::int > 0 AS planner_can_load;
ROLLBACK;
RESET ROLE;
SET ROLE regress_pp_reader;
SELECT count(*) >= 0 AS reader_can_read FROM prodplan.production_order;
SELECT prodplan.load_demo(0.001, 1);
RESET ROLE;
SET ROLE regress_pp_outsider;
SELECT count(*) FROM prodplan.production_order;
SELECT prodplan.version();
RESET ROLE;
DROP ROLE regress_pp_reader;
DROP ROLE regress_pp_outsider;
DROP ROLE regress_pp_planner;
