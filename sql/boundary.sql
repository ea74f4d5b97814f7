-- The C++/PostgreSQL error boundary: an exception thrown in the core becomes an
-- ordinary SQL ERROR with the core's message and SQLSTATE, a cancel reaches
-- into C++ loops, and the session goes on working afterwards.
\set VERBOSITY default

-- Invalid arguments are rejected by the core (std::exception -> ERROR 22023).
SELECT prodplan.load_demo(scale => -1);
SELECT prodplan.load_demo(scale => 'NaN');
SELECT prodplan.demo_workbook(scale => 0);
SELECT prodplan.load_demo(scale => 1e9);
-- The export moment must be a finite time the generator's calendars cover.
SELECT prodplan.load_demo(as_of => 'infinity');
SELECT prodplan.demo_workbook(as_of => '1999-12-31 23:59:59+00');

-- The SQLSTATE is the core's error kind, not a generic internal error.
DO $$
BEGIN
  PERFORM prodplan.load_demo(scale => 0);
EXCEPTION WHEN invalid_parameter_value THEN
  RAISE NOTICE 'caught invalid_parameter_value: %', SQLERRM;
END
$$;

-- The same session keeps working, inside and outside a transaction.
SELECT 1 AS still_alive;
BEGIN;
SAVEPOINT s;
SELECT prodplan.demo_workbook(scale => -5);
ROLLBACK TO SAVEPOINT s;
SELECT prodplan.version() IS NOT NULL AS works_after_error;
COMMIT;

-- A cancel (here a statement timeout) stops a long C++ loop: the core polls
-- the backend's interrupt flags and PostgreSQL raises its own error.
SET statement_timeout = '200ms';
SELECT prodplan.load_demo(scale => 20);
SELECT prodplan.demo_workbook(scale => 20);
RESET statement_timeout;
SELECT count(*) AS no_partial_rows FROM prodplan.production_order;
SELECT 2 AS still_alive_after_cancel;

-- In a new backend: the cancelled loads above leave this one's heap
-- fragmented (freed memory under a live block is never trimmed), and how much
-- the sorts below fault would depend on where the cancel struck.
\c
-- prodplan.backend_heap_retain: glibc's malloc keeps up to that much freed
-- memory mapped, so a query that builds the same few MB each call reuses its
-- pages instead of faulting them in again. Counted in this backend's minor
-- page faults (/proc/self/stat, field 10) over five calls of a 20,000-row sort.
CREATE FUNCTION pg_temp.minor_faults() RETURNS bigint LANGUAGE sql AS
$$ SELECT split_part(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ', 8)::bigint $$;
CREATE FUNCTION pg_temp.faults_of_five_sorts() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  before bigint;
BEGIN
  -- Three calls to warm up: the heap grows to what the sort needs, and the
  -- statement's plan is made and cached at its first call.
  FOR i IN 1..8 LOOP
    IF i = 4 THEN before := pg_temp.minor_faults(); END IF;
    PERFORM count(*) FROM (SELECT g, md5(g::text) FROM generate_series(1, 20000) g ORDER BY 2) s;
  END LOOP;
  RETURN pg_temp.minor_faults() - before;
END
$$;
SHOW prodplan.backend_heap_retain;
SET prodplan.backend_heap_retain = '16MB';
SELECT pg_temp.faults_of_five_sorts() < 50 AS sorts_reuse_their_pages;
-- Back to -1: glibc's starting thresholds (128 kB), and the sorts fault their
-- memory in again each call.
SET prodplan.backend_heap_retain = -1;
SELECT pg_temp.faults_of_five_sorts() > 500 AS sorts_fault_again;
-- Superuser-only: it sets how much memory a backend holds while idle.
CREATE ROLE pp_heap_user;
SET ROLE pp_heap_user;
SET prodplan.backend_heap_retain = '1MB';
RESET ROLE;
DROP ROLE pp_heap_user;
SET prodplan.backend_heap_retain = '64MB';
