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
