-- prodplan 0.1.0: the canonical factory model, roles, partition upkeep and the demo factory.
-- Loaded by CREATE EXTENSION prodplan; the schema `prodplan` is created by the control file.
\echo Use "CREATE EXTENSION prodplan" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Roles. Cluster-wide, so created only when missing and never dropped by
-- DROP EXTENSION (other databases may use them). NOLOGIN: grant them to users.
-- ---------------------------------------------------------------------------
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'prodplan_reader') THEN
    CREATE ROLE prodplan_reader NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'prodplan_planner') THEN
    CREATE ROLE prodplan_planner NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'prodplan_admin') THEN
    CREATE ROLE prodplan_admin NOLOGIN;
  END IF;
  -- Planners read everything readers read; admins do everything planners do.
  IF NOT pg_catalog.pg_has_role('prodplan_planner', 'prodplan_reader', 'MEMBER') THEN
    GRANT prodplan_reader TO prodplan_planner;
  END IF;
  IF NOT pg_catalog.pg_has_role('prodplan_admin', 'prodplan_planner', 'MEMBER') THEN
    GRANT prodplan_planner TO prodplan_admin;
  END IF;
END
$roles$;

COMMENT ON SCHEMA prodplan IS 'prodplan: production planning inside PostgreSQL (canonical factory model, plans, analytics)';
REVOKE ALL ON SCHEMA prodplan FROM PUBLIC;
GRANT USAGE ON SCHEMA prodplan TO prodplan_reader, prodplan_planner, prodplan_admin;

-- ---------------------------------------------------------------------------
-- Master data
-- ---------------------------------------------------------------------------
CREATE TABLE prodplan.plant (
  plant_id   text PRIMARY KEY,
  name       text NOT NULL,
  timezone   text NOT NULL DEFAULT 'UTC'
);
COMMENT ON TABLE prodplan.plant IS 'A factory site. Every other table leads its key with plant_id, so several plants share one database.';
COMMENT ON COLUMN prodplan.plant.timezone IS 'IANA time zone of the site; shift times of its calendars are local to it.';

CREATE TABLE prodplan.calendar (
  plant_id     text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  calendar_id  text NOT NULL,
  name         text NOT NULL,
  timezone     text NOT NULL DEFAULT 'UTC',
  PRIMARY KEY (plant_id, calendar_id)
);
COMMENT ON TABLE prodplan.calendar IS 'A working-time calendar: recurring shifts (calendar_shift) minus holidays and downtime plus overtime (calendar_exception). Work centers point to one.';

CREATE TABLE prodplan.calendar_shift (
  plant_id      text NOT NULL,
  calendar_id   text NOT NULL,
  shift_no      int  NOT NULL CHECK (shift_no >= 1),
  weekdays      int[] NOT NULL CHECK (weekdays <@ ARRAY[1,2,3,4,5,6,7] AND cardinality(weekdays) > 0),
  start_minute  int  NOT NULL CHECK (start_minute >= 0 AND start_minute < 1440),
  end_minute    int  NOT NULL CHECK (end_minute > start_minute AND end_minute <= 2880),
  PRIMARY KEY (plant_id, calendar_id, shift_no),
  FOREIGN KEY (plant_id, calendar_id) REFERENCES prodplan.calendar ON DELETE CASCADE
);
COMMENT ON TABLE prodplan.calendar_shift IS 'A recurring shift of a calendar: on each ISO weekday listed, from start_minute to end_minute after local midnight.';
COMMENT ON COLUMN prodplan.calendar_shift.shift_no IS 'Shift number as the shop floor uses it (1 = morning, 2 = afternoon, ...); operations record it in operation.shift.';
COMMENT ON COLUMN prodplan.calendar_shift.weekdays IS 'ISO weekdays the shift runs on: 1 = Monday ... 7 = Sunday.';
COMMENT ON COLUMN prodplan.calendar_shift.start_minute IS 'Start, minutes after local midnight (0-1439).';
COMMENT ON COLUMN prodplan.calendar_shift.end_minute IS 'End (exclusive), minutes after local midnight of the start day; above 1440 for a shift that crosses midnight.';

CREATE TABLE prodplan.calendar_exception (
  plant_id     text NOT NULL,
  calendar_id  text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('holiday', 'downtime', 'overtime')),
  starts_at    timestamptz NOT NULL,
  ends_at      timestamptz NOT NULL CHECK (ends_at > starts_at),
  note         text,
  PRIMARY KEY (plant_id, calendar_id, starts_at, kind),
  FOREIGN KEY (plant_id, calendar_id) REFERENCES prodplan.calendar ON DELETE CASCADE
);
COMMENT ON TABLE prodplan.calendar_exception IS 'Dated exceptions to a calendar: holiday and downtime remove working time, overtime adds it, over [starts_at, ends_at).';

CREATE TABLE prodplan.work_center (
  plant_id        text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  work_center_id  text NOT NULL,
  name            text NOT NULL,
  sequence        int,
  is_production   boolean NOT NULL DEFAULT true,
  is_automatic    boolean NOT NULL DEFAULT false,
  is_evaluation   boolean NOT NULL DEFAULT false,
  capacity_units  int NOT NULL DEFAULT 1 CHECK (capacity_units > 0),
  calendar_id     text,
  PRIMARY KEY (plant_id, work_center_id),
  FOREIGN KEY (plant_id, calendar_id) REFERENCES prodplan.calendar
);
COMMENT ON TABLE prodplan.work_center IS 'A work center: a phase of the workbook (Fases). Operations of a routing run on one; capacity_units of them run at once during its calendar''s working time.';
COMMENT ON COLUMN prodplan.work_center.sequence IS 'Fase_Sequencia: the phase''s usual position in the flow.';
COMMENT ON COLUMN prodplan.work_center.is_production IS 'Fase_DeProducao: a production phase (false for administrative phases such as CAD).';
COMMENT ON COLUMN prodplan.work_center.is_automatic IS 'Fase_Automatica: runs without operators (e.g. oven curing); no skill limits it.';
COMMENT ON COLUMN prodplan.work_center.is_evaluation IS 'A quality evaluation phase: defects are found here and blamed on earlier operations.';
COMMENT ON COLUMN prodplan.work_center.capacity_units IS 'How many operations the work center can run at the same time (parallel moulds, stations or crews).';

CREATE TABLE prodplan.product (
  plant_id           text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  product_id         text NOT NULL,
  name               text NOT NULL,
  family             text,
  demould_weight_kg  float8 CHECK (demould_weight_kg >= 0),
  finish_weight_kg   float8 CHECK (finish_weight_kg >= 0),
  gel_deck_kg        float8 CHECK (gel_deck_kg >= 0),
  gel_hull_kg        float8 CHECK (gel_hull_kg >= 0),
  PRIMARY KEY (plant_id, product_id)
);
COMMENT ON TABLE prodplan.product IS 'A product (model) that orders make: workbook sheet Modelos.';
COMMENT ON COLUMN prodplan.product.family IS 'Product family (kayak, canoe, dinghy, ...), derived from the name; used to group analytics.';
COMMENT ON COLUMN prodplan.product.demould_weight_kg IS 'Produto_PesoDesmolde: weight at demoulding, kg.';
COMMENT ON COLUMN prodplan.product.finish_weight_kg IS 'Produto_PesoAcabamento: finished weight, kg.';
COMMENT ON COLUMN prodplan.product.gel_deck_kg IS 'Produto_QtdGelDeck: gelcoat for the deck, kg per unit.';
COMMENT ON COLUMN prodplan.product.gel_hull_kg IS 'Produto_QtdGelCasco: gelcoat for the hull, kg per unit.';

CREATE TABLE prodplan.routing_step (
  plant_id          text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  product_id        text NOT NULL,
  sequence          int  NOT NULL,
  work_center_id    text NOT NULL,
  coefficient       float8,
  coefficient_x     float8,
  standard_minutes  float8 CHECK (standard_minutes >= 0),
  PRIMARY KEY (plant_id, product_id, sequence)
);
COMMENT ON TABLE prodplan.routing_step IS 'The standard routing of a product: its phases in sequence (workbook sheet FasesStandardModelos). Product and work center are not foreign keys: real exports reference unknown ones, which are reported, not rejected.';
COMMENT ON COLUMN prodplan.routing_step.coefficient IS 'ProdutoFase_Coeficiente: a standard-time coefficient whose unit the ERP does not document; used only as a fallback model.';
COMMENT ON COLUMN prodplan.routing_step.coefficient_x IS 'ProdutoFase_CoeficienteX: a second standard-time coefficient, unit undocumented.';
COMMENT ON COLUMN prodplan.routing_step.standard_minutes IS 'Standard time of the step in minutes, estimated from history (median actual duration per product and phase); NULL until estimated.';
CREATE INDEX routing_step_work_center_idx ON prodplan.routing_step (plant_id, work_center_id);

CREATE TABLE prodplan.employee (
  plant_id     text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  employee_id  text NOT NULL,
  name         text NOT NULL,
  is_active    boolean NOT NULL DEFAULT true,
  hired_at     timestamptz,
  PRIMARY KEY (plant_id, employee_id)
);
COMMENT ON TABLE prodplan.employee IS 'An employee (workbook sheet Funcionarios).';
COMMENT ON COLUMN prodplan.employee.hired_at IS 'Start of employment when known (not in the reference workbook); drives tenure analytics.';

CREATE TABLE prodplan.employee_skill (
  plant_id         text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  employee_id      text NOT NULL,
  work_center_id   text NOT NULL,
  qualified_since  timestamptz,
  PRIMARY KEY (plant_id, employee_id, work_center_id)
);
COMMENT ON TABLE prodplan.employee_skill IS 'An employee is qualified to work at a work center since a date (workbook sheet FuncionariosFasesAptos).';
CREATE INDEX employee_skill_work_center_idx ON prodplan.employee_skill (plant_id, work_center_id) INCLUDE (employee_id);

CREATE TABLE prodplan.material (
  plant_id                  text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  material_id               text NOT NULL,
  name                      text NOT NULL,
  unit                      text NOT NULL,
  unit_cost                 float8 CHECK (unit_cost >= 0),
  supplier_lead_time_days   float8 CHECK (supplier_lead_time_days >= 0),
  min_order_qty             float8 CHECK (min_order_qty >= 0),
  PRIMARY KEY (plant_id, material_id)
);
COMMENT ON TABLE prodplan.material IS 'A purchased material (gelcoat, resin, fibre, ...).';
COMMENT ON COLUMN prodplan.material.unit IS 'Unit of every quantity of this material (kg, m2, l, ...).';
COMMENT ON COLUMN prodplan.material.supplier_lead_time_days IS 'Supplier lead time from order to receipt, days.';
COMMENT ON COLUMN prodplan.material.min_order_qty IS 'Smallest purchase quantity, in the material''s unit.';

CREATE TABLE prodplan.bom_line (
  plant_id           text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  product_id         text NOT NULL,
  material_id        text NOT NULL,
  work_center_id     text NOT NULL,
  quantity_per_unit  float8 NOT NULL CHECK (quantity_per_unit >= 0),
  PRIMARY KEY (plant_id, product_id, material_id, work_center_id),
  FOREIGN KEY (plant_id, material_id) REFERENCES prodplan.material
);
COMMENT ON TABLE prodplan.bom_line IS 'Bill of materials: quantity of a material (in its unit) one unit of a product consumes at a work center.';
CREATE INDEX bom_line_material_idx ON prodplan.bom_line (plant_id, material_id);

-- ---------------------------------------------------------------------------
-- Transactions
-- ---------------------------------------------------------------------------
CREATE TABLE prodplan.production_order (
  plant_id                text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  order_id                text NOT NULL,
  product_id              text NOT NULL,
  created_at              timestamptz NOT NULL,
  finished_at             timestamptz,
  due_at                  timestamptz,
  current_work_center_id  text,
  quantity                float8 NOT NULL DEFAULT 1 CHECK (quantity > 0),
  PRIMARY KEY (plant_id, order_id),
  CHECK (finished_at IS NULL OR finished_at >= created_at)
);
COMMENT ON TABLE prodplan.production_order IS 'A production order (workbook sheet OrdensFabrico). product_id is not a foreign key: real exports reference unknown products (orphans), which are kept and reported.';
COMMENT ON COLUMN prodplan.production_order.finished_at IS 'Of_DataAcabamento; NULL while the order is open.';
COMMENT ON COLUMN prodplan.production_order.due_at IS 'Of_DataTransporte: the transport (ship) date, the order''s due date.';
COMMENT ON COLUMN prodplan.production_order.current_work_center_id IS 'Of_FaseId: the phase the ERP reports the order in.';
CREATE INDEX production_order_product_idx ON prodplan.production_order (plant_id, product_id);
CREATE INDEX production_order_open_due_idx ON prodplan.production_order (plant_id, due_at)
  INCLUDE (order_id, product_id, created_at) WHERE finished_at IS NULL;
CREATE INDEX production_order_created_idx ON prodplan.production_order (plant_id, created_at);

CREATE TABLE prodplan.operation (
  plant_id          text NOT NULL,
  operation_id      text NOT NULL,
  order_id          text NOT NULL,
  work_center_id    text NOT NULL,
  sequence          int,
  is_rework         boolean NOT NULL DEFAULT false,
  shift             smallint CHECK (shift IN (1, 2, 3)),
  started_at        timestamptz,
  ended_at          timestamptz,
  planned_at        timestamptz,
  coefficient       float8,
  coefficient_x     float8,
  weight_kg         float8 CHECK (weight_kg >= 0),
  event_time        timestamptz NOT NULL,
  duration_minutes  float8 GENERATED ALWAYS AS (EXTRACT(EPOCH FROM (ended_at - started_at)) / 60.0) STORED,
  is_open           boolean GENERATED ALWAYS AS (ended_at IS NULL) STORED,
  PRIMARY KEY (plant_id, operation_id, event_time),
  CHECK (ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at)
) PARTITION BY RANGE (event_time);
COMMENT ON TABLE prodplan.operation IS 'An operation: one phase of one order (workbook sheet FasesOrdemFabrico). Range-partitioned by month on event_time; open operations (no end) live in the partition of their start or planned date.';
COMMENT ON COLUMN prodplan.operation.shift IS 'FaseOf_Turno: the shift the operation started in (1, 2; 3 for 24x7 calendars), NULL when unknown.';
COMMENT ON COLUMN prodplan.operation.ended_at IS 'FaseOf_Fim: NULL while the operation is open.';
COMMENT ON COLUMN prodplan.operation.planned_at IS 'FaseOf_DataPrevista: the date the ERP planned the operation for.';
COMMENT ON COLUMN prodplan.operation.coefficient IS 'FaseOf_Coeficiente: standard-time coefficient, unit undocumented (see routing_step.coefficient).';
COMMENT ON COLUMN prodplan.operation.coefficient_x IS 'FaseOf_CoeficienteX: second standard-time coefficient, unit undocumented.';
COMMENT ON COLUMN prodplan.operation.weight_kg IS 'FaseOf_Peso: weight of the part in this phase, kg.';
COMMENT ON COLUMN prodplan.operation.event_time IS 'Partition key: ended_at, else started_at, else planned_at, else the order''s created_at. Set by the loader; changes (and moves the row) when the operation closes.';
COMMENT ON COLUMN prodplan.operation.duration_minutes IS 'Elapsed minutes from start to end (calendar time, not working time); NULL while open.';
COMMENT ON COLUMN prodplan.operation.is_open IS 'true while the operation has no end.';
-- An order's timeline, without heap fetches for the Gantt columns.
CREATE INDEX operation_order_idx ON prodplan.operation (plant_id, order_id, sequence)
  INCLUDE (work_center_id, started_at, ended_at, is_rework);
-- Open operations per work center (the current schedule, WIP and queues).
CREATE INDEX operation_open_wc_idx ON prodplan.operation (plant_id, work_center_id)
  INCLUDE (order_id, started_at, planned_at) WHERE ended_at IS NULL;
-- Work-center history over time (utilization, durations, bottlenecks).
CREATE INDEX operation_wc_time_idx ON prodplan.operation (plant_id, work_center_id, event_time)
  INCLUDE (started_at, ended_at);
CREATE TABLE prodplan.operation_default PARTITION OF prodplan.operation DEFAULT;
COMMENT ON TABLE prodplan.operation_default IS 'Default partition of operation: rows whose month has no partition yet. Partition upkeep watches it and should keep it empty.';

CREATE TABLE prodplan.operation_assignment (
  plant_id      text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  operation_id  text NOT NULL,
  employee_id   text NOT NULL,
  is_lead       boolean NOT NULL DEFAULT false,
  PRIMARY KEY (plant_id, operation_id, employee_id)
);
COMMENT ON TABLE prodplan.operation_assignment IS 'An employee assigned to an operation (workbook sheet FuncionariosFaseOrdemFabrico). operation_id is not a foreign key: in real exports most assignments reference operations outside the export (orphans, reported with match rates).';
COMMENT ON COLUMN prodplan.operation_assignment.is_lead IS 'FuncionarioFaseOf_Chefe: the team lead of the operation.';
CREATE INDEX operation_assignment_employee_idx ON prodplan.operation_assignment (plant_id, employee_id) INCLUDE (operation_id);

CREATE TABLE prodplan.defect (
  plant_id                   text NOT NULL,
  order_id                   text NOT NULL,
  evaluation_operation_id    text NOT NULL,
  description                text NOT NULL,
  culprit_operation_id       text,
  evaluation_work_center_id  text NOT NULL,
  severity                   smallint NOT NULL CHECK (severity BETWEEN 1 AND 3),
  detected_at                timestamptz NOT NULL,
  CONSTRAINT defect_key UNIQUE NULLS NOT DISTINCT
    (plant_id, order_id, evaluation_operation_id, description, culprit_operation_id, detected_at)
) PARTITION BY RANGE (detected_at);
COMMENT ON TABLE prodplan.defect IS 'A defect found at an evaluation operation and blamed on a culprit operation (workbook sheet OrdemFabricoErros). Range-partitioned by month on detected_at. The workbook has no defect id: a defect is identified by order, evaluating operation, description and culprit.';
COMMENT ON COLUMN prodplan.defect.description IS 'Erro_Descricao: the defect type as the shop floor names it.';
COMMENT ON COLUMN prodplan.defect.culprit_operation_id IS 'Erro_FaseOfCulpada: the earlier operation the defect is blamed on; NULL when unknown.';
COMMENT ON COLUMN prodplan.defect.severity IS 'OFCH_GRAVIDADE: 1 (minor) to 3 (severe).';
COMMENT ON COLUMN prodplan.defect.detected_at IS 'Partition key: the evaluating operation''s event time, else the order''s creation.';
CREATE INDEX defect_order_idx ON prodplan.defect (plant_id, order_id) INCLUDE (severity, description);
CREATE INDEX defect_culprit_idx ON prodplan.defect (plant_id, culprit_operation_id) INCLUDE (severity, description);
CREATE TABLE prodplan.defect_default PARTITION OF prodplan.defect DEFAULT;
COMMENT ON TABLE prodplan.defect_default IS 'Default partition of defect: rows whose month has no partition yet.';

CREATE TABLE prodplan.resource_event (
  plant_id        text NOT NULL,
  event_id        text NOT NULL,
  work_center_id  text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('downtime', 'setup', 'run')),
  started_at      timestamptz NOT NULL,
  ended_at        timestamptz CHECK (ended_at >= started_at),
  reason          text,
  PRIMARY KEY (plant_id, event_id, started_at)
) PARTITION BY RANGE (started_at);
COMMENT ON TABLE prodplan.resource_event IS 'A state interval of a work center (downtime, setup, run), from the MES. Range-partitioned by month on started_at; ended_at is NULL while the state lasts.';
CREATE INDEX resource_event_wc_time_idx ON prodplan.resource_event (plant_id, work_center_id, started_at)
  INCLUDE (kind, ended_at);
CREATE TABLE prodplan.resource_event_default PARTITION OF prodplan.resource_event DEFAULT;
COMMENT ON TABLE prodplan.resource_event_default IS 'Default partition of resource_event: rows whose month has no partition yet.';

CREATE TABLE prodplan.characteristic (
  plant_id           text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  characteristic_id  text NOT NULL,
  name               text NOT NULL,
  unit               text NOT NULL,
  work_center_id     text,
  lsl                float8,
  target             float8,
  usl                float8,
  PRIMARY KEY (plant_id, characteristic_id),
  CHECK (lsl IS NULL OR usl IS NULL OR lsl < usl)
);
COMMENT ON TABLE prodplan.characteristic IS 'A measured quality characteristic (SPC) with its specification limits.';
COMMENT ON COLUMN prodplan.characteristic.lsl IS 'Lower specification limit, in unit.';
COMMENT ON COLUMN prodplan.characteristic.usl IS 'Upper specification limit, in unit.';

CREATE TABLE prodplan.measurement (
  plant_id           text NOT NULL,
  measurement_id     text NOT NULL,
  characteristic_id  text NOT NULL,
  order_id           text,
  operation_id       text,
  measured_at        timestamptz NOT NULL,
  value              float8 NOT NULL,
  subgroup           int,
  PRIMARY KEY (plant_id, measurement_id, measured_at)
) PARTITION BY RANGE (measured_at);
COMMENT ON TABLE prodplan.measurement IS 'One reading of a characteristic, in the characteristic''s unit. Range-partitioned by month on measured_at.';
COMMENT ON COLUMN prodplan.measurement.subgroup IS 'Rational subgroup number within the characteristic (readings taken together), for X-bar/R charts.';
CREATE INDEX measurement_characteristic_idx ON prodplan.measurement (plant_id, characteristic_id, measured_at)
  INCLUDE (value, subgroup);
CREATE TABLE prodplan.measurement_default PARTITION OF prodplan.measurement DEFAULT;
COMMENT ON TABLE prodplan.measurement_default IS 'Default partition of measurement: rows whose month has no partition yet.';

CREATE TABLE prodplan.stock_balance (
  plant_id     text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  material_id  text NOT NULL,
  location     text NOT NULL DEFAULT 'MAIN',
  as_of        timestamptz NOT NULL,
  on_hand      float8 NOT NULL,
  PRIMARY KEY (plant_id, material_id, location),
  FOREIGN KEY (plant_id, material_id) REFERENCES prodplan.material
);
COMMENT ON TABLE prodplan.stock_balance IS 'Stock on hand of a material at a location, as of a moment (in the material''s unit).';

CREATE TABLE prodplan.stock_movement (
  plant_id     text NOT NULL,
  movement_id  text NOT NULL,
  material_id  text NOT NULL,
  moved_at     timestamptz NOT NULL,
  quantity     float8 NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('receipt', 'issue', 'adjustment')),
  order_id     text,
  PRIMARY KEY (plant_id, movement_id, moved_at)
) PARTITION BY RANGE (moved_at);
COMMENT ON TABLE prodplan.stock_movement IS 'A stock movement of a material: positive quantity for receipts, negative for issues (in the material''s unit). Range-partitioned by month on moved_at.';
CREATE INDEX stock_movement_material_idx ON prodplan.stock_movement (plant_id, material_id, moved_at)
  INCLUDE (quantity, kind);
CREATE TABLE prodplan.stock_movement_default PARTITION OF prodplan.stock_movement DEFAULT;
COMMENT ON TABLE prodplan.stock_movement_default IS 'Default partition of stock_movement: rows whose month has no partition yet.';

CREATE TABLE prodplan.open_supply (
  plant_id     text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  supply_id    text NOT NULL,
  material_id  text NOT NULL,
  quantity     float8 NOT NULL CHECK (quantity > 0),
  due_at       timestamptz NOT NULL,
  supplier     text,
  PRIMARY KEY (plant_id, supply_id),
  FOREIGN KEY (plant_id, material_id) REFERENCES prodplan.material
);
COMMENT ON TABLE prodplan.open_supply IS 'Open supply: purchase orders not yet received, with the quantity (material''s unit) and the date they are due.';
CREATE INDEX open_supply_material_idx ON prodplan.open_supply (plant_id, material_id, due_at);

-- ---------------------------------------------------------------------------
-- Partition upkeep
-- ---------------------------------------------------------------------------
CREATE TABLE prodplan.partitioned_table (
  table_name   text PRIMARY KEY,
  time_column  text NOT NULL
);
COMMENT ON TABLE prodplan.partitioned_table IS 'The monthly range-partitioned tables of prodplan and their partition-key column; ensure_partitions creates partitions for each.';
INSERT INTO prodplan.partitioned_table VALUES
  ('operation', 'event_time'), ('defect', 'detected_at'), ('resource_event', 'started_at'),
  ('measurement', 'measured_at'), ('stock_movement', 'moved_at');

CREATE FUNCTION prodplan.ensure_partitions(from_ts timestamptz, to_ts timestamptz)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  -- Months are calendar months in UTC, whatever the session's TimeZone, so that
  -- partition bounds are the same for every client.
  first_month timestamp := date_trunc('month', from_ts AT TIME ZONE 'UTC');
  last_month  timestamp := date_trunc('month', to_ts AT TIME ZONE 'UTC');
  m           timestamp;
  t           record;
  part        text;
  created     integer := 0;
BEGIN
  IF from_ts IS NULL OR to_ts IS NULL THEN
    RAISE EXCEPTION 'prodplan.ensure_partitions: from_ts and to_ts must not be NULL';
  END IF;
  IF to_ts < from_ts THEN
    RAISE EXCEPTION 'prodplan.ensure_partitions: to_ts (%) is before from_ts (%)', to_ts, from_ts;
  END IF;
  IF last_month - first_month > interval '100 years' THEN
    RAISE EXCEPTION 'prodplan.ensure_partitions: range % .. % spans more than 100 years', from_ts, to_ts
      USING HINT = 'Check the dates of the data: a range this wide usually means a mis-parsed date.';
  END IF;
  -- One creator at a time per database: concurrent loaders would race on the
  -- existence check below.
  PERFORM pg_advisory_xact_lock(hashtext('prodplan.ensure_partitions'));
  FOR t IN SELECT table_name FROM prodplan.partitioned_table ORDER BY table_name LOOP
    m := first_month;
    WHILE m <= last_month LOOP
      part := format('%s_p%s', t.table_name, to_char(m, 'YYYYMM'));
      IF to_regclass(format('prodplan.%I', part)) IS NULL THEN
        EXECUTE format('CREATE TABLE prodplan.%I PARTITION OF prodplan.%I FOR VALUES FROM (%L) TO (%L)',
                       part, t.table_name,
                       (m AT TIME ZONE 'UTC'), ((m + interval '1 month') AT TIME ZONE 'UTC'));
        EXECUTE format('COMMENT ON TABLE prodplan.%I IS %L', part,
                       format('Monthly partition of prodplan.%s for %s (UTC).', t.table_name, to_char(m, 'YYYY-MM')));
        created := created + 1;
      END IF;
      m := m + interval '1 month';
    END LOOP;
  END LOOP;
  RETURN created;
END
$fn$;
COMMENT ON FUNCTION prodplan.ensure_partitions(timestamptz, timestamptz) IS
  'Creates the missing monthly partitions (UTC months) of every partitioned prodplan table for the months from from_ts to to_ts; returns how many it created. Loaders call it before inserting.';

CREATE VIEW prodplan.partitions AS
SELECT pt.table_name                                   AS parent,
       c.relname::text                                 AS partition,
       pg_catalog.pg_get_expr(c.relpartbound, c.oid)   AS bounds,
       c.relpartbound IS NOT NULL
         AND pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT' AS is_default,
       c.reltuples::bigint                             AS estimated_rows
FROM prodplan.partitioned_table pt
JOIN pg_catalog.pg_inherits i ON i.inhparent = pg_catalog.to_regclass('prodplan.' || pt.table_name)
JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid;
COMMENT ON VIEW prodplan.partitions IS 'Every partition of the partitioned prodplan tables with its bounds and estimated row count (from the last ANALYZE); the DEFAULT partitions should stay empty.';

-- ---------------------------------------------------------------------------
-- Functions
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.version()
RETURNS text
LANGUAGE c IMMUTABLE PARALLEL SAFE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_version';
COMMENT ON FUNCTION prodplan.version() IS 'Version of the loaded prodplan library (equals the installed extension version when the two match).';

CREATE FUNCTION prodplan.load_demo(scale float8 DEFAULT 0.01, seed int DEFAULT 42)
RETURNS jsonb
LANGUAGE c VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_load_demo';
COMMENT ON FUNCTION prodplan.load_demo(float8, int) IS
  'Generates the deterministic demo factory (plant DEMO) for scale and seed and loads it into the canonical tables in bulk, replacing any earlier demo data; returns row counts per table and the planted workbook flaws (duplicates collapsed, invalid rows left out). scale 1 is about the real 1.1 million-row export.';

CREATE FUNCTION prodplan.demo_workbook(scale float8 DEFAULT 0.01, seed int DEFAULT 42)
RETURNS bytea
LANGUAGE c VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'prodplan_demo_workbook';
COMMENT ON FUNCTION prodplan.demo_workbook(float8, int) IS
  'The workbook part of the demo factory for scale and seed as an .xlsx in the reference format (9 sheets, reference headers), including its planted flaws: numbers as text, literal NULL, text dates, duplicated and invalid rows. Byte-identical for the same arguments.';

CREATE FUNCTION prodplan.content_checksum(plant text DEFAULT NULL)
RETURNS TABLE (table_name text, row_count bigint, checksum text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  t record;
BEGIN
  -- Every ordinary or partitioned table of the schema except partitions (their
  -- rows are counted through the parent) and bookkeeping tables. Rows are
  -- rendered as text and sorted, so the checksum depends on contents only,
  -- never on physical order or partition layout.
  FOR t IN
    SELECT c.relname
    FROM pg_catalog.pg_class c
    WHERE c.relnamespace = 'prodplan'::regnamespace
      AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND c.relname <> 'partitioned_table'
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
  'Row count and an md5 over the sorted text of every row, per canonical table (optionally of one plant): two databases with equal results hold the same data. Used to reconcile loads and to test determinism.';

-- ---------------------------------------------------------------------------
-- Privileges: nothing to PUBLIC; readers read, planners load and plan, admins
-- administer. Tables users edit are none yet.
-- ---------------------------------------------------------------------------
GRANT SELECT ON ALL TABLES IN SCHEMA prodplan TO prodplan_reader;
GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA prodplan TO prodplan_planner;
REVOKE INSERT, UPDATE, DELETE ON prodplan.partitioned_table FROM prodplan_planner;
GRANT INSERT, UPDATE, DELETE ON prodplan.partitioned_table TO prodplan_admin;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA prodplan FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.version() TO prodplan_reader;
GRANT EXECUTE ON FUNCTION prodplan.content_checksum(text) TO prodplan_reader;
GRANT EXECUTE ON FUNCTION prodplan.demo_workbook(float8, int) TO prodplan_planner;
GRANT EXECUTE ON FUNCTION prodplan.load_demo(float8, int) TO prodplan_planner;
GRANT EXECUTE ON FUNCTION prodplan.ensure_partitions(timestamptz, timestamptz) TO prodplan_planner;
