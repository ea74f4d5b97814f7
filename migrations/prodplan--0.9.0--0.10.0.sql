-- prodplan 0.10.0: Excel reports written with libxlsxwriter
-- (prodplan.export_xlsx: plan, kpis, quality, inventory, template) and a star
-- schema of views for BI tools (prodplan.bi_*), issue 10.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.10.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- What the reports are written from. Times are the plant's local wall-clock
-- time as Unix seconds (what Excel should show), so each function takes the
-- plant's time zone.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.local_seconds(ts timestamptz, tz text)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT extract(epoch FROM (ts AT TIME ZONE tz))::float8 $fn$;
COMMENT ON FUNCTION prodplan.local_seconds(timestamptz, text) IS 'A moment as the wall-clock time of time zone tz, counted in seconds from 1970-01-01 00:00 of that clock: how reports hand times to the Excel writer, so a sheet shows the plant''s local times.';

CREATE FUNCTION prodplan.report_plan_orders(plan_id bigint, tz text)
RETURNS TABLE (order_id text, product_id text, priority float8, due_at float8, planned_start float8, planned_end float8,
               lateness_hours float8, status text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH starts AS (
    SELECT po.order_id, min(po.setup_start_at) AS start_at FROM prodplan.planned_operations po
    WHERE po.plan_id = report_plan_orders.plan_id GROUP BY po.order_id
  )
  SELECT e.order_id, e.product_id, e.priority, prodplan.local_seconds(e.due_at, tz), prodplan.local_seconds(s.start_at, tz),
         prodplan.local_seconds(e.end_at, tz), extract(epoch FROM e.end_at - e.due_at)::float8 / 3600,
         CASE WHEN e.end_at IS NULL THEN 'not_planned' WHEN e.due_at IS NULL THEN 'no_due_date'
              WHEN e.end_at <= e.due_at THEN 'on_time' ELSE 'late' END
  FROM prodplan.plan_order_ends(report_plan_orders.plan_id) e LEFT JOIN starts s USING (order_id)
  ORDER BY e.end_at - e.due_at DESC NULLS LAST, e.order_id
$fn$;
COMMENT ON FUNCTION prodplan.report_plan_orders(bigint, text) IS 'The Orders sheet of the plan report: each order of the plan with its due date, planned start and end (local seconds of tz), lateness in hours (planned end - due) and status (late, on_time, no_due_date, not_planned), latest first.';

CREATE FUNCTION prodplan.report_plan_operations(plan_id bigint, tz text)
RETURNS TABLE (order_id text, operation int, work_center_id text, unit int, setup_start_at float8, start_at float8, end_at float8,
               setup_minutes float8, work_minutes float8, duration_source text, is_fixed boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT po.order_id, po.operation, po.work_center_id, po.unit, prodplan.local_seconds(po.setup_start_at, tz),
         prodplan.local_seconds(po.start_at, tz), prodplan.local_seconds(po.end_at, tz), po.setup_minutes, po.work_minutes,
         po.duration_source, po.is_fixed
  FROM prodplan.planned_operations po WHERE po.plan_id = report_plan_operations.plan_id
  ORDER BY po.order_id, po.operation
$fn$;
COMMENT ON FUNCTION prodplan.report_plan_operations(bigint, text) IS 'The Operations sheet of the plan report: every planned operation (times as local seconds of tz), by order and operation.';

CREATE FUNCTION prodplan.report_plan_bars(plan_id bigint, tz text)
RETURNS TABLE (work_center_id text, unit int, order_id text, from_at float8, to_at float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT po.work_center_id, po.unit, po.order_id, prodplan.local_seconds(po.setup_start_at, tz), prodplan.local_seconds(po.end_at, tz)
  FROM prodplan.planned_operations po WHERE po.plan_id = report_plan_bars.plan_id AND po.end_at > po.setup_start_at
  ORDER BY po.work_center_id, po.unit, po.setup_start_at, po.order_id
$fn$;
COMMENT ON FUNCTION prodplan.report_plan_bars(bigint, text) IS 'The Gantt bars of the plan report: what each work center unit does from its setup start to its end (local seconds of tz).';

CREATE FUNCTION prodplan.report_plan_non_working(plan_id bigint, tz text, from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (work_center_id text, from_at float8, to_at float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  -- The complement of each planned work center's calendar inside the
  -- horizon; a work center without a calendar works around the clock.
  WITH p AS (SELECT pl.plant_id FROM prodplan.plans pl WHERE pl.plan_id = report_plan_non_working.plan_id),
  wcs AS (
    SELECT DISTINCT po.work_center_id, wc.calendar_id
    FROM prodplan.planned_operations po
    JOIN prodplan.work_center wc ON wc.plant_id = (SELECT plant_id FROM p) AND wc.work_center_id = po.work_center_id
    WHERE po.plan_id = report_plan_non_working.plan_id AND wc.calendar_id IS NOT NULL
  ), wt AS (
    SELECT w.calendar_id, range_agg(tstzrange(w.starts_at, w.ends_at)) AS r
    FROM prodplan.working_time((SELECT plant_id FROM p), from_ts, to_ts) w GROUP BY w.calendar_id
  )
  SELECT wcs.work_center_id, prodplan.local_seconds(lower(x), tz), prodplan.local_seconds(upper(x), tz)
  FROM wcs LEFT JOIN wt USING (calendar_id),
       unnest(tstzmultirange(tstzrange(from_ts, to_ts)) - coalesce(wt.r, '{}'::tstzmultirange)) x
  ORDER BY 1, 2
$fn$;
COMMENT ON FUNCTION prodplan.report_plan_non_working(bigint, text, timestamptz, timestamptz) IS 'Non-working time of the work centers a plan uses between from_ts and to_ts (outside their calendars'' shifts: nights, weekends, breaks, holidays), as local seconds of tz: what the plan report''s Gantt shades.';

CREATE FUNCTION prodplan.report_spc_summary(plant text, from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (characteristic_id text, name text, unit text, work_center_id text, lsl float8, target float8, usl float8,
               n bigint, mean float8, sigma_within float8, cp float8, cpk float8, ppk float8, points bigint,
               out_of_control bigint, last_out_of_control float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  c record;
  tz text := (SELECT p.timezone FROM prodplan.plant p WHERE p.plant_id = plant);
BEGIN
  FOR c IN SELECT * FROM prodplan.characteristic x WHERE x.plant_id = plant ORDER BY x.characteristic_id LOOP
    characteristic_id := c.characteristic_id;
    name := c.name;
    unit := c.unit;
    work_center_id := c.work_center_id;
    lsl := c.lsl;
    target := c.target;
    usl := c.usl;
    n := NULL; mean := NULL; sigma_within := NULL; cp := NULL; cpk := NULL; ppk := NULL;
    points := 0; out_of_control := 0; last_out_of_control := NULL;
    BEGIN
      SELECT k.n, k.mean, k.sigma_within, k.cp, k.cpk, k.ppk INTO n, mean, sigma_within, cp, cpk, ppk
      FROM prodplan.capability(c.characteristic_id, from_ts, to_ts, plant) k;
      SELECT count(*), count(*) FILTER (WHERE s.out_of_control),
             prodplan.local_seconds(max(s.taken_at) FILTER (WHERE s.out_of_control), tz)
      INTO points, out_of_control, last_out_of_control
      FROM prodplan.spc(c.characteristic_id, jsonb_build_object('plant', plant)) s
      WHERE (from_ts IS NULL OR s.taken_at >= from_ts) AND (to_ts IS NULL OR s.taken_at < to_ts);
    EXCEPTION WHEN invalid_parameter_value OR data_exception OR no_data_found THEN
      -- Too few measurements for a chart or an index: the row says nothing more.
      NULL;
    END;
    RETURN NEXT;
  END LOOP;
END
$fn$;
COMMENT ON FUNCTION prodplan.report_spc_summary(text, timestamptz, timestamptz) IS 'The SPC sheet of the quality report: per characteristic of the plant its limits, capability in [from_ts, to_ts) (n, mean, sigma within, Cp, Cpk, Ppk: prodplan.capability) and its control chart''s points and out-of-control points in the window (prodplan.spc), with the last out-of-control time (local seconds); a characteristic without enough measurements has NULLs.';

CREATE FUNCTION prodplan.report_template_columns()
RETURNS TABLE (sheet text, header text, canonical text, column_type text, required boolean, meaning text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  -- The reference profile's headers with the staging column each feeds,
  -- its type and whether it is required, and the canonical column's
  -- comment (what it means); the Excel writer orders them as the reference
  -- workbook does.
  SELECT s.sheet, a.header, a.column_name, ic.column_type, ic.required,
         coalesce(d.description, '')
  FROM prodplan.sheet_aliases s
  JOIN prodplan.column_aliases a ON a.profile = s.profile AND a.entity = s.entity AND a.is_default
  LEFT JOIN prodplan.ingest_columns() ic ON ic.entity = a.entity AND ic.column_name = a.column_name
  LEFT JOIN pg_catalog.pg_attribute att ON att.attrelid = to_regclass('prodplan.' || s.entity) AND att.attname = a.column_name
  LEFT JOIN pg_catalog.pg_description d ON d.objoid = att.attrelid AND d.classoid = 'pg_catalog.pg_class'::regclass
                                        AND d.objsubid = att.attnum
  WHERE s.profile = 'prodplan' AND s.is_default
$fn$;
COMMENT ON FUNCTION prodplan.report_template_columns() IS 'What the template report writes: the reference workbook''s sheets and headers (the prodplan profile of prodplan.sheet_aliases and column_aliases) with the canonical column each feeds, its type, whether ingestion requires it, and its comment.';

REVOKE ALL ON FUNCTION prodplan.report_plan_orders(bigint, text), prodplan.report_plan_operations(bigint, text),
  prodplan.report_plan_bars(bigint, text), prodplan.report_plan_non_working(bigint, text, timestamptz, timestamptz),
  prodplan.report_spc_summary(text, timestamptz, timestamptz), prodplan.report_template_columns(),
  prodplan.local_seconds(timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.report_plan_orders(bigint, text), prodplan.report_plan_operations(bigint, text),
  prodplan.report_plan_bars(bigint, text), prodplan.report_plan_non_working(bigint, text, timestamptz, timestamptz),
  prodplan.report_spc_summary(text, timestamptz, timestamptz), prodplan.report_template_columns(),
  prodplan.local_seconds(timestamptz, text) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- export_xlsx and its server-file form.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.xlsx_report(report text, params jsonb)
RETURNS bytea
AS 'MODULE_PATHNAME', 'prodplan_xlsx_report'
LANGUAGE C STABLE STRICT
SET search_path = pg_catalog, pg_temp
SET jit = off;
COMMENT ON FUNCTION prodplan.xlsx_report(text, jsonb) IS 'The engine of prodplan.export_xlsx: reads the report''s rows with the resolved parameters and writes the workbook (src/core/report, libxlsxwriter).';
REVOKE ALL ON FUNCTION prodplan.xlsx_report(text, jsonb) FROM PUBLIC;

CREATE FUNCTION prodplan.export_xlsx(report text, params jsonb DEFAULT '{}')
RETURNS bytea
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  plant text;
  tz text;
  p jsonb;
  latest timestamptz;
  plan bigint;
BEGIN
  IF report IS NULL OR report NOT IN ('plan', 'kpis', 'quality', 'inventory', 'template') THEN
    RAISE EXCEPTION 'prodplan.export_xlsx: unknown report %', coalesce(quote_literal(report), 'NULL')
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Reports are plan, kpis, quality, inventory and template.';
  END IF;
  params := coalesce(params, '{}');
  IF report = 'template' THEN
    PERFORM prodplan.check_options('prodplan.export_xlsx(template)', params, ARRAY[]::text[], 'The template takes no parameters.');
    RETURN prodplan.xlsx_report(report, '{}');
  END IF;
  PERFORM prodplan.check_options(format('prodplan.export_xlsx(%s)', report), params,
    CASE report WHEN 'plan' THEN ARRAY['plant', 'plan_id', 'bucket_hours']
                WHEN 'kpis' THEN ARRAY['plant', 'from', 'to', 'period', 'line_kpis', 'bar_kpis']
                WHEN 'quality' THEN ARRAY['plant', 'from', 'to']
                ELSE ARRAY['plant', 'service_level'] END,
    CASE report WHEN 'plan' THEN 'Parameters are plant, plan_id (default: the plant''s current plan) and bucket_hours (the Gantt''s column width).'
                WHEN 'kpis' THEN 'Parameters are plant, from, to (default: the 12 weeks up to the latest data), period (day or week), line_kpis and bar_kpis (arrays of KPI names to chart).'
                WHEN 'quality' THEN 'Parameters are plant, from and to (default: the 12 weeks up to the latest defect).'
                ELSE 'Parameters are plant and service_level (0.95).' END);
  BEGIN
    PERFORM (params ->> 'plan_id')::bigint, (params ->> 'bucket_hours')::float8, (params ->> 'from')::timestamptz,
            (params ->> 'to')::timestamptz, (params ->> 'service_level')::float8;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'prodplan.export_xlsx(%): bad parameter value: %', report, SQLERRM USING ERRCODE = 'invalid_parameter_value';
  END;
  IF report = 'plan' AND params ? 'plan_id' AND NOT params ? 'plant' THEN
    plant := (SELECT pl.plant_id FROM prodplan.plans pl WHERE pl.plan_id = (params ->> 'plan_id')::bigint);
    IF plant IS NULL THEN
      RAISE EXCEPTION 'prodplan.export_xlsx(plan): no plan %', params ->> 'plan_id' USING ERRCODE = 'invalid_parameter_value',
        HINT = 'Plans are listed in prodplan.plans.';
    END IF;
  ELSE
    plant := prodplan.only_plant(params ->> 'plant', format('prodplan.export_xlsx(%s)', report));
  END IF;
  tz := (SELECT pl.timezone FROM prodplan.plant pl WHERE pl.plant_id = plant);
  p := params || jsonb_build_object('plant', plant, 'tz', tz);
  IF report = 'plan' THEN
    plan := coalesce((params ->> 'plan_id')::bigint, prodplan.current_plan(plant));
    IF plan IS NULL THEN
      RAISE EXCEPTION 'prodplan.export_xlsx(plan): plant "%" has no plan yet', plant USING ERRCODE = 'object_not_in_prerequisite_state',
        HINT = 'Make one with prodplan.plan().';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM prodplan.plans pl WHERE pl.plan_id = plan AND pl.plant_id = plant) THEN
      RAISE EXCEPTION 'prodplan.export_xlsx(plan): plan % is not a plan of plant "%"', plan, plant USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (params ->> 'bucket_hours')::float8 <= 0 THEN
      RAISE EXCEPTION 'prodplan.export_xlsx(plan): bucket_hours must be above 0' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    p := p || jsonb_build_object('plan_id', plan);
  ELSIF report IN ('kpis', 'quality') THEN
    IF report = 'kpis' THEN
      latest := (SELECT max(a.day) FROM prodplan.agg_operation_day a WHERE a.plant_id = plant)::timestamp AT TIME ZONE 'UTC' + interval '1 day';
      latest := coalesce(latest, (SELECT max(o.created_at) FROM prodplan.production_order o WHERE o.plant_id = plant));
    ELSE
      latest := (SELECT max(d.detected_at) FROM prodplan.defect d WHERE d.plant_id = plant) + interval '1 second';
    END IF;
    latest := coalesce(latest, now());
    p := p || jsonb_build_object('to', coalesce((params ->> 'to')::timestamptz, latest));
    p := p || jsonb_build_object('from', coalesce((params ->> 'from')::timestamptz, (p ->> 'to')::timestamptz - interval '84 days'));
    IF (p ->> 'from')::timestamptz >= (p ->> 'to')::timestamptz THEN
      RAISE EXCEPTION 'prodplan.export_xlsx(%): from (%) must be before to (%)', report, p ->> 'from', p ->> 'to'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF report = 'kpis' THEN
      IF coalesce(params ->> 'period', 'week') NOT IN ('day', 'week') THEN
        RAISE EXCEPTION 'prodplan.export_xlsx(kpis): period must be day or week, got %', params ->> 'period' USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF (params ? 'line_kpis' AND jsonb_typeof(params -> 'line_kpis') <> 'array')
         OR (params ? 'bar_kpis' AND jsonb_typeof(params -> 'bar_kpis') <> 'array') THEN
        RAISE EXCEPTION 'prodplan.export_xlsx(kpis): line_kpis and bar_kpis must be arrays of KPI names' USING ERRCODE = 'invalid_parameter_value';
      END IF;
      p := p || jsonb_build_object('period', coalesce(params ->> 'period', 'week'),
                                   'line_kpis', coalesce(params -> 'line_kpis', '["throughput", "on_time_rate"]'),
                                   'bar_kpis', coalesce(params -> 'bar_kpis', '["operations_completed", "defects"]'));
    END IF;
  ELSE
    p := p || jsonb_build_object('service_level', coalesce((params ->> 'service_level')::float8, 0.95));
  END IF;
  RETURN prodplan.xlsx_report(report, p);
END
$fn$;
COMMENT ON FUNCTION prodplan.export_xlsx(text, jsonb) IS 'An Excel workbook (xlsx, written with libxlsxwriter; times in the plant''s time zone) as a bytea. report: plan (params plan_id, default the plant''s current plan; bucket_hours): a Summary sheet (the plan''s facts), Orders (due, planned start and end, lateness, status), Operations, a Gantt (work center units as rows, time buckets as columns, each order in its colour with a legend, non-working time shaded) and KPIs (prodplan.plan_kpis); kpis (from, to: default the 12 weeks up to the latest data; period day or week; line_kpis, bar_kpis): KPIs by period and by work center with native line and bar charts; quality (from, to): a Pareto of defect descriptions with its cumulative line, the evaluating x culprit heatmap with a colour scale, and an SPC summary per characteristic; inventory (service_level 0.95): the reorder policy with the action column coloured; template: the reference workbook''s nine sheets, empty, with header notes and data validation, for sites that fill data by hand (it ingests with zero rows). Every report takes plant (default: the only plant). Save it from psql with \copy (SELECT encode(prodplan.export_xlsx(''plan''), ''base64'')) TO ''plan.b64'' then base64 -d (README), or on the server with prodplan.export_xlsx_file.';
REVOKE ALL ON FUNCTION prodplan.export_xlsx(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.export_xlsx(text, jsonb) TO prodplan_reader;
GRANT EXECUTE ON FUNCTION prodplan.xlsx_report(text, jsonb) TO prodplan_reader;

CREATE FUNCTION prodplan.write_server_file(path text, data bytea)
RETURNS bigint
AS 'MODULE_PATHNAME', 'prodplan_write_server_file'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION prodplan.write_server_file(text, bytea) IS 'Writes data to a file on the database server (an absolute path, created or replaced) and returns its size; only for roles with the privileges of pg_write_server_files (checked on every call).';
REVOKE ALL ON FUNCTION prodplan.write_server_file(text, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.write_server_file(text, bytea) TO pg_write_server_files;

CREATE FUNCTION prodplan.export_xlsx_file(report text, path text, params jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT prodplan.write_server_file(path, prodplan.export_xlsx(report, params))
$fn$;
COMMENT ON FUNCTION prodplan.export_xlsx_file(text, text, jsonb) IS 'prodplan.export_xlsx written to a file on the database server (absolute path, as the server''s operating-system user); returns the bytes written. For roles with pg_write_server_files, and for workbooks too large to pass as a value.';
REVOKE ALL ON FUNCTION prodplan.export_xlsx_file(text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.export_xlsx_file(text, text, jsonb) TO pg_write_server_files;

-- ---------------------------------------------------------------------------
-- The BI star schema: stable views (and one date table) a BI tool reads.
-- Every dimension has a one-column text key (plant_id || '/' || id) and the
-- facts carry the same key under the same name, so tools that join on equal
-- column names (Power BI, Metabase, Superset) find the relationships alone;
-- dates are the plant's local calendar dates (date_key).
-- ---------------------------------------------------------------------------
CREATE TABLE prodplan.bi_dim_date (
  date_key      date PRIMARY KEY,
  year          int NOT NULL,
  quarter       int NOT NULL,
  month         int NOT NULL,
  month_name    text NOT NULL,
  year_month    text NOT NULL,
  iso_year      int NOT NULL,
  iso_week      int NOT NULL,
  year_week     text NOT NULL,
  week_start    date NOT NULL,
  day_of_month  int NOT NULL,
  iso_weekday   int NOT NULL,
  weekday_name  text NOT NULL,
  is_weekend    boolean NOT NULL
);
INSERT INTO prodplan.bi_dim_date
SELECT d, extract(year FROM d), extract(quarter FROM d), extract(month FROM d), trim(to_char(d, 'Month')), to_char(d, 'YYYY-MM'),
       extract(isoyear FROM d), extract(week FROM d), to_char(d, 'IYYY-"W"IW'), date_trunc('week', d)::date, extract(day FROM d),
       extract(isodow FROM d), trim(to_char(d, 'Day')), extract(isodow FROM d) IN (6, 7)
FROM generate_series(date '2000-01-01', date '2060-12-31', interval '1 day') g(g), LATERAL (SELECT g::date AS d) x;
COMMENT ON TABLE prodplan.bi_dim_date IS 'BI date dimension, 2000-01-01 to 2060-12-31: one row per calendar day (date_key) with year, quarter, month, ISO week (Monday start), weekday and weekend flag. Join on date_key, the local date of every fact.';
COMMENT ON COLUMN prodplan.bi_dim_date.date_key IS 'The day; every bi_fact_* view has a date_key in its plant''s local time.';
COMMENT ON COLUMN prodplan.bi_dim_date.year_month IS 'YYYY-MM, sorts as text.';
COMMENT ON COLUMN prodplan.bi_dim_date.year_week IS 'ISO year and week, e.g. 2026-W48, sorts as text.';
COMMENT ON COLUMN prodplan.bi_dim_date.week_start IS 'The Monday of the ISO week.';
COMMENT ON COLUMN prodplan.bi_dim_date.iso_weekday IS '1 Monday .. 7 Sunday.';
COMMENT ON COLUMN prodplan.bi_dim_date.quarter IS '1-4.';
COMMENT ON COLUMN prodplan.bi_dim_date.year IS 'Calendar year.';
COMMENT ON COLUMN prodplan.bi_dim_date.month IS '1-12.';
COMMENT ON COLUMN prodplan.bi_dim_date.month_name IS 'The month''s name (English).';
COMMENT ON COLUMN prodplan.bi_dim_date.iso_year IS 'The ISO year the ISO week belongs to.';
COMMENT ON COLUMN prodplan.bi_dim_date.iso_week IS 'ISO week number 1-53.';
COMMENT ON COLUMN prodplan.bi_dim_date.day_of_month IS '1-31.';
COMMENT ON COLUMN prodplan.bi_dim_date.weekday_name IS 'The weekday''s name (English).';
COMMENT ON COLUMN prodplan.bi_dim_date.is_weekend IS 'Saturday or Sunday.';

CREATE VIEW prodplan.bi_dim_plant AS
SELECT p.plant_id, p.name, p.timezone FROM prodplan.plant p;
COMMENT ON VIEW prodplan.bi_dim_plant IS 'BI plant dimension: one row per plant (plant_id), with the time zone its local dates and times are in.';

CREATE VIEW prodplan.bi_dim_product AS
SELECT p.plant_id || '/' || p.product_id AS product_key, p.plant_id, p.product_id, p.name, coalesce(p.family, '(none)') AS family,
       p.demould_weight_kg, p.finish_weight_kg, p.gel_deck_kg, p.gel_hull_kg,
       (SELECT count(*) FROM prodplan.routing_step r WHERE r.plant_id = p.plant_id AND r.product_id = p.product_id) AS routing_steps
FROM prodplan.product p;
COMMENT ON VIEW prodplan.bi_dim_product IS 'BI product dimension: one row per product (product_key = plant_id/product_id) with family, weights, gelcoat kg and routing length. Facts of products missing from the master data have a product_key without a row here (the workbook''s orphans).';

CREATE VIEW prodplan.bi_dim_work_center AS
SELECT w.plant_id || '/' || w.work_center_id AS work_center_key, w.plant_id, w.work_center_id, w.name, w.sequence,
       w.is_production, w.is_evaluation, w.is_automatic, w.capacity_units, w.calendar_id
FROM prodplan.work_center w;
COMMENT ON VIEW prodplan.bi_dim_work_center IS 'BI work center (phase) dimension: one row per work center (work_center_key = plant_id/work_center_id) with its sequence in the flow, production / evaluation flags, parallel units and calendar.';

CREATE VIEW prodplan.bi_dim_employee AS
SELECT e.plant_id || '/' || e.employee_id AS employee_key, e.plant_id, e.employee_id, e.name, e.is_active, e.hired_at
FROM prodplan.employee e;
COMMENT ON VIEW prodplan.bi_dim_employee IS 'BI employee dimension: one row per employee (employee_key = plant_id/employee_id). Per-employee analytics are gated by prodplan.feature_gates (per_employee_kpis): check it before publishing such a dashboard.';

CREATE VIEW prodplan.bi_dim_material AS
SELECT m.plant_id || '/' || m.material_id AS material_key, m.plant_id, m.material_id, m.name, m.unit, m.unit_cost,
       m.supplier_lead_time_days, m.min_order_qty
FROM prodplan.material m;
COMMENT ON VIEW prodplan.bi_dim_material IS 'BI material dimension: one row per material (material_key = plant_id/material_id) with unit, cost and supplier lead time.';

CREATE VIEW prodplan.bi_dim_order AS
SELECT o.plant_id || '/' || o.order_id AS order_key, o.plant_id, o.order_id, o.plant_id || '/' || o.product_id AS product_key,
       (o.created_at AT TIME ZONE pl.timezone)::date AS date_key, o.created_at, o.due_at, o.finished_at, o.quantity,
       extract(epoch FROM o.finished_at - o.created_at)::float8 / 3600 AS lead_time_hours,
       CASE WHEN o.finished_at IS NULL THEN (CASE WHEN o.due_at < now() THEN 'open_late' ELSE 'open' END)
            WHEN o.due_at IS NULL THEN 'done'
            WHEN o.finished_at <= o.due_at THEN 'done_on_time' ELSE 'done_late' END AS status
FROM prodplan.production_order o JOIN prodplan.plant pl USING (plant_id);
COMMENT ON VIEW prodplan.bi_dim_order IS 'BI order dimension: one row per production order (order_key = plant_id/order_id) with its product_key, creation date (date_key, local), due and finish times, lead time in hours and status (open, open_late, done, done_on_time, done_late).';

CREATE VIEW prodplan.bi_dim_plan AS
SELECT p.plan_id, p.plant_id, p.status, p.rule, p.objective, p.base_plan_id, p.plan_start, p.created_at, p.created_by,
       p.released_at, p.problem_count, p.plan_id = prodplan.current_plan(p.plant_id) AS is_current
FROM prodplan.plans p;
COMMENT ON VIEW prodplan.bi_dim_plan IS 'BI plan dimension: one row per plan or what-if scenario (plan_id) with status (proposed, released, superseded, scenario), rule, objective, when it starts and was made, and whether it is the plant''s current plan (prodplan.current_plan).';

CREATE VIEW prodplan.bi_fact_operation AS
SELECT op.plant_id, op.operation_id, op.plant_id || '/' || op.order_id AS order_key, op.order_id,
       op.plant_id || '/' || o.product_id AS product_key, op.plant_id || '/' || op.work_center_id AS work_center_key,
       (coalesce(op.ended_at, op.started_at, op.event_time) AT TIME ZONE pl.timezone)::date AS date_key,
       op.started_at, op.ended_at, op.duration_minutes, op.is_rework, op.is_open, op.shift, op.weight_kg
FROM prodplan.operation op
JOIN prodplan.plant pl ON pl.plant_id = op.plant_id
LEFT JOIN prodplan.production_order o ON o.plant_id = op.plant_id AND o.order_id = op.order_id;
COMMENT ON VIEW prodplan.bi_fact_operation IS 'BI fact: one row per recorded operation (a phase of an order on a work center), keyed to bi_dim_order, bi_dim_product, bi_dim_work_center and bi_dim_date (date_key: the local date it ended, else started). Measures: duration_minutes, count of rows, is_rework, is_open (work in progress), weight_kg.';

CREATE VIEW prodplan.bi_fact_defect AS
WITH culprit AS (
  -- An operation id stored twice (rework) counts on its smallest work center, as defect_heatmap does.
  SELECT op.plant_id, op.operation_id, min(op.work_center_id) AS work_center_id
  FROM prodplan.operation op GROUP BY op.plant_id, op.operation_id
)
SELECT d.plant_id, d.plant_id || '/' || d.order_id AS order_key, d.order_id, d.plant_id || '/' || o.product_id AS product_key,
       d.plant_id || '/' || d.evaluation_work_center_id AS evaluation_work_center_key,
       d.plant_id || '/' || coalesce(c.work_center_id, '(unknown)') AS work_center_key,
       (d.detected_at AT TIME ZONE pl.timezone)::date AS date_key, d.detected_at, d.description, d.severity,
       d.culprit_operation_id
FROM prodplan.defect d
JOIN prodplan.plant pl ON pl.plant_id = d.plant_id
LEFT JOIN prodplan.production_order o ON o.plant_id = d.plant_id AND o.order_id = d.order_id
LEFT JOIN culprit c ON c.plant_id = d.plant_id AND c.operation_id = d.culprit_operation_id;
COMMENT ON VIEW prodplan.bi_fact_defect IS 'BI fact: one row per defect, keyed to bi_dim_order, bi_dim_product, bi_dim_date (date_key: local date detected) and two work center roles: work_center_key is the culprit''s (the work center of the operation it is blamed on; plant/(unknown) when not known), evaluation_work_center_key the one that found it. Measures: count of rows, severity (1-3).';

CREATE VIEW prodplan.bi_fact_planned_operation AS
SELECT po.plan_id, p.plant_id, p.plant_id || '/' || po.order_id AS order_key, po.order_id,
       p.plant_id || '/' || coalesce(pod.product_id, o.product_id) AS product_key,
       p.plant_id || '/' || po.work_center_id AS work_center_key, po.unit,
       (po.start_at AT TIME ZONE pl.timezone)::date AS date_key, po.operation, po.setup_start_at, po.start_at, po.end_at,
       po.setup_minutes, po.work_minutes, po.duration_source, po.is_fixed
FROM prodplan.planned_operations po
JOIN prodplan.plans p ON p.plan_id = po.plan_id
JOIN prodplan.plant pl ON pl.plant_id = p.plant_id
LEFT JOIN prodplan.plan_orders pod ON pod.plan_id = po.plan_id AND pod.order_id = po.order_id
LEFT JOIN prodplan.production_order o ON o.plant_id = p.plant_id AND o.order_id = po.order_id;
COMMENT ON VIEW prodplan.bi_fact_planned_operation IS 'BI fact: one row per planned operation of every plan and scenario (filter on bi_dim_plan.is_current for the plan the plant works to), keyed to bi_dim_plan, bi_dim_order, bi_dim_product, bi_dim_work_center and bi_dim_date (local start date). Measures: setup_minutes, work_minutes, count of rows.';

CREATE VIEW prodplan.bi_fact_kpi_snapshot AS
SELECT s.plant_id, s.day AS date_key, s."by" AS breakdown, s.group_key,
       CASE WHEN s."by" = 'work_center' THEN s.plant_id || '/' || s.group_key END AS work_center_key,
       s.kpi, s.value, s.unit, s.reason, s.taken_at
FROM prodplan.kpi_snapshots s;
COMMENT ON VIEW prodplan.bi_fact_kpi_snapshot IS 'BI fact: the daily ISO 22400 KPI snapshots (prodplan.snapshot_kpis, the built-in daily job): one row per day (date_key), breakdown (overall or work_center, with work_center_key), KPI, value and unit; reason says why a value is NULL.';

CREATE VIEW prodplan.bi_fact_stock_movement AS
SELECT m.plant_id, m.movement_id, m.plant_id || '/' || m.material_id AS material_key,
       (m.moved_at AT TIME ZONE pl.timezone)::date AS date_key, m.moved_at, m.kind, m.quantity,
       abs(m.quantity) AS moved_quantity,
       CASE WHEN m.order_id IS NOT NULL THEN m.plant_id || '/' || m.order_id END AS order_key
FROM prodplan.stock_movement m JOIN prodplan.plant pl ON pl.plant_id = m.plant_id;
COMMENT ON VIEW prodplan.bi_fact_stock_movement IS 'BI fact: one row per stock movement (receipt, issue, adjustment), keyed to bi_dim_material, bi_dim_date (local date) and, for issues to production, bi_dim_order. Measures: quantity (receipts positive, issues negative: its sum is the net change), moved_quantity (its absolute value: sum it per kind for volumes).';

GRANT SELECT ON prodplan.bi_dim_date, prodplan.bi_dim_plant, prodplan.bi_dim_product, prodplan.bi_dim_work_center,
  prodplan.bi_dim_employee, prodplan.bi_dim_material, prodplan.bi_dim_order, prodplan.bi_dim_plan,
  prodplan.bi_fact_operation, prodplan.bi_fact_defect, prodplan.bi_fact_planned_operation, prodplan.bi_fact_kpi_snapshot,
  prodplan.bi_fact_stock_movement TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Found by the role-model test (issue 11): engines that readers' and
-- planners' functions call were never granted to them, so those functions
-- failed with "permission denied" for anyone but the owner.
-- ---------------------------------------------------------------------------
GRANT EXECUTE ON FUNCTION prodplan.defect_risk_score(bigint, text, text, boolean), prodplan.defect_risk_fallback(text, text),
  prodplan.forecast_setup(text, jsonb, text), prodplan.forecast_series(text, text[], text, timestamptz, int, int, text),
  prodplan.inventory_policy_rows(text, timestamptz, float8, jsonb, bigint), prodplan.bottleneck_shares(text, timestamptz, timestamptz, bigint, text),
  prodplan.leadtime_dataset_rows(text, jsonb) TO prodplan_reader;
GRANT EXECUTE ON FUNCTION prodplan.defect_risk_train(text, jsonb), prodplan.leadtime_train(text, jsonb),
  prodplan.deploy_model_because(bigint, text, boolean) TO prodplan_planner;
GRANT INSERT, UPDATE, DELETE ON prodplan.models, prodplan.model_terms, prodplan.model_rates, prodplan.model_trees,
  prodplan.model_deployments TO prodplan_planner;
GRANT USAGE ON SEQUENCE prodplan.models_model_id_seq, prodplan.model_deployments_deployment_id_seq TO prodplan_planner;

-- ---------------------------------------------------------------------------
-- first_pass_yield over a whole history: joins instead of per-group
-- correlated subqueries (minutes -> seconds at load_demo(1)); same results.
-- ---------------------------------------------------------------------------
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
  WITH o AS (
    SELECT po.plant_id, po.order_id, po.product_id FROM prodplan.production_order po
    WHERE (first_pass_yield.plant IS NULL OR po.plant_id = first_pass_yield.plant)
      AND (from_ts IS NULL OR po.created_at >= from_ts) AND (to_ts IS NULL OR po.created_at < to_ts)
  ), ops AS (
    SELECT op.plant_id, op.order_id, op.operation_id, op.work_center_id, op.is_rework
    FROM prodplan.operation op JOIN o ON o.plant_id = op.plant_id AND o.order_id = op.order_id
  ), blamed AS (
    -- (order, work center) pairs a defect is blamed on.
    SELECT DISTINCT d.plant_id, d.order_id, c.work_center_id
    FROM prodplan.defect d JOIN o ON o.plant_id = d.plant_id AND o.order_id = d.order_id
    JOIN ops c ON c.plant_id = d.plant_id AND c.operation_id = d.culprit_operation_id
  ), passes AS (
    SELECT x.plant_id, x.order_id, x.work_center_id, bool_or(x.is_rework) AS reworked
    FROM ops x GROUP BY 1, 2, 3
  ), through AS (
    -- Each order at each work center: first pass when it needed no rework
    -- pass there and no defect is blamed on its work there. Joins, not
    -- correlated subqueries: over a whole history those ran once per
    -- (order, work center) against the whole blamed set, for minutes.
    SELECT p.plant_id, p.order_id, p.work_center_id, NOT p.reworked AND b.order_id IS NULL AS first_pass
    FROM passes p LEFT JOIN blamed b
      ON b.plant_id = p.plant_id AND b.order_id = p.order_id AND b.work_center_id = p.work_center_id
  ), wc AS (
    SELECT t.plant_id, t.work_center_id, count(*) AS units, count(*) FILTER (WHERE t.first_pass) AS fp
    FROM through t GROUP BY 1, 2
  ), reworked AS (
    SELECT DISTINCT x.plant_id, x.order_id FROM ops x WHERE x.is_rework
  ), defective AS (
    SELECT DISTINCT d.plant_id, d.order_id FROM prodplan.defect d JOIN o ON o.plant_id = d.plant_id AND o.order_id = d.order_id
  ), per_order AS (
    -- An order is first pass overall with no rework pass anywhere and no defect at all.
    SELECT o.plant_id, o.order_id, o.product_id, r.order_id IS NULL AND d.order_id IS NULL AS first_pass
    FROM o LEFT JOIN reworked r ON r.plant_id = o.plant_id AND r.order_id = o.order_id
    LEFT JOIN defective d ON d.plant_id = o.plant_id AND d.order_id = o.order_id
  ), product_wcs AS MATERIALIZED (
    -- The work centers a product passes: its routing, else where its orders
    -- went. Materialized: referenced once, inside the per-product subquery,
    -- it would otherwise be recomputed (a scan of every operation) per product.
    SELECT DISTINCT o.plant_id, o.product_id, coalesce(rs.work_center_id, x.work_center_id) AS work_center_id
    FROM o LEFT JOIN prodplan.routing_step rs ON rs.plant_id = o.plant_id AND rs.product_id = o.product_id
    LEFT JOIN ops x ON rs.work_center_id IS NULL AND x.plant_id = o.plant_id AND x.order_id = o.order_id
  )
  SELECT w.plant_id, w.work_center_id, w.units, w.fp, w.fp::float8 / w.units, NULL::float8
  FROM wc w WHERE by = 'work_center'
  UNION ALL
  SELECT p.plant_id, p.product_id, count(*), count(*) FILTER (WHERE p.first_pass),
         (count(*) FILTER (WHERE p.first_pass))::float8 / count(*),
         (SELECT CASE WHEN bool_or(w.fp = 0) THEN 0 ELSE exp(sum(ln(w.fp::float8 / w.units))) END
          FROM product_wcs pw JOIN wc w ON w.plant_id = pw.plant_id AND w.work_center_id = pw.work_center_id
          WHERE pw.plant_id = p.plant_id AND pw.product_id = p.product_id)
  FROM per_order p WHERE by = 'product' GROUP BY p.plant_id, p.product_id
  UNION ALL
  SELECT p.plant_id, NULL, count(*), count(*) FILTER (WHERE p.first_pass), (count(*) FILTER (WHERE p.first_pass))::float8 / count(*),
         (SELECT CASE WHEN bool_or(w.fp = 0) THEN 0 ELSE exp(sum(ln(w.fp::float8 / w.units))) END FROM wc w WHERE w.plant_id = p.plant_id)
  FROM per_order p WHERE by = 'overall' GROUP BY p.plant_id
  ORDER BY 1, 5, 2;
END
$fn$;
