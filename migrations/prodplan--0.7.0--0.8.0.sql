-- prodplan 0.8.0: the defect-risk model (prodplan.train_defect_risk,
-- prodplan.defect_risk) with its registry prodplan.models, per-employee KPIs
-- behind their data-quality gate, and defect analytics served from
-- aggregates.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.8.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- The model registry, shared by every learned model (defect risk now, lead
-- time later).
-- ---------------------------------------------------------------------------
CREATE TABLE prodplan.models (
  model_id      bigserial PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('defect_risk', 'leadtime')),
  plant_id      text NOT NULL REFERENCES prodplan.plant ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    name NOT NULL DEFAULT current_user,
  options       jsonb NOT NULL DEFAULT '{}',
  train_rows    bigint,
  test_rows     bigint,
  train_from    timestamptz,
  split_at      timestamptz,
  test_to       timestamptz,
  metrics       jsonb NOT NULL,
  deployed      boolean NOT NULL DEFAULT false,
  deployed_at   timestamptz,
  deploy_reason text,
  seconds       float8
);
CREATE UNIQUE INDEX models_one_deployed ON prodplan.models (plant_id, kind) WHERE deployed;
COMMENT ON TABLE prodplan.models IS 'Every trained model, per plant and kind (defect_risk: prodplan.train_defect_risk; leadtime), with its options, its temporal split, its test metrics next to the fallback''s, and whether it is the deployed one (at most one per plant and kind; prodplan.deploy_model). Scoring functions use the deployed model and fall back to historical rates without one.';
COMMENT ON COLUMN prodplan.models.kind IS 'defect_risk or leadtime.';
COMMENT ON COLUMN prodplan.models.options IS 'The options it was trained with (defaults not spelled out).';
COMMENT ON COLUMN prodplan.models.train_rows IS 'Training examples (defect_risk: operations judged by an evaluation that ended before the split).';
COMMENT ON COLUMN prodplan.models.test_rows IS 'Test examples (defect_risk: judged operations that started at or after the split).';
COMMENT ON COLUMN prodplan.models.train_from IS 'Start of the earliest training example.';
COMMENT ON COLUMN prodplan.models.split_at IS 'The temporal split: training examples started before it and their outcome was known by then; test examples started at or after it.';
COMMENT ON COLUMN prodplan.models.test_to IS 'Start of the latest test example.';
COMMENT ON COLUMN prodplan.models.metrics IS 'Test metrics. defect_risk: operations.model / operations.fallback and orders.model / orders.fallback, each with rows, positives, base_rate, pr_auc (average precision), roc_auc, brier, recall_at_alert (share of the blamed among the alert_rate highest scores), alert_threshold, calibration_error and calibration (equal-count bins: rows, mean_probability, observed); also train_operations, train_blamed, unjudged_operations, iterations, converged, culprits_per_order (blamed operations per judged order: what an average order expects), seconds_read, seconds_train.';
COMMENT ON COLUMN prodplan.models.deployed IS 'The model scoring functions use for its plant and kind.';
COMMENT ON COLUMN prodplan.models.deploy_reason IS 'Why it was (or was not) deployed at training, or who deployed it.';
COMMENT ON COLUMN prodplan.models.seconds IS 'Wall-clock seconds to read the data, train, test and store.';
CREATE INDEX models_plant_kind_idx ON prodplan.models (plant_id, kind, created_at);

CREATE TABLE prodplan.model_terms (
  model_id    bigint NOT NULL REFERENCES prodplan.models ON DELETE CASCADE,
  term        text NOT NULL,
  level       text NOT NULL DEFAULT '',
  coefficient float8 NOT NULL,
  odds_ratio  float8 GENERATED ALWAYS AS (exp(coefficient)) STORED,
  center      float8 NOT NULL DEFAULT 0,
  scale       float8 NOT NULL DEFAULT 1,
  rows        bigint NOT NULL DEFAULT 0,
  baseline    boolean NOT NULL DEFAULT false,
  PRIMARY KEY (model_id, term, level)
);
COMMENT ON TABLE prodplan.model_terms IS 'A logistic model''s terms: the intercept; per categorical feature (family, work_center, shift, crew_tenure, rework, weight) every level with its coefficient (the baseline level, the most frequent in training, has 0; "(other)" pools the rare levels and takes levels first seen when scoring); per numeric feature (log_weight_kg, product_rate_logit, work_center_rate_logit) its coefficient per standard deviation with the centre and scale used to standardise it. What the model learned, readable by a BI tool: odds_ratio > 1 raises the risk.';
COMMENT ON COLUMN prodplan.model_terms.term IS 'intercept, a categorical feature or a numeric feature.';
COMMENT ON COLUMN prodplan.model_terms.level IS 'The categorical level ('''' for the intercept and numeric features).';
COMMENT ON COLUMN prodplan.model_terms.coefficient IS 'Log-odds added by the level against the baseline level, or per standard deviation of a numeric feature.';
COMMENT ON COLUMN prodplan.model_terms.odds_ratio IS 'exp(coefficient): the factor on the odds.';
COMMENT ON COLUMN prodplan.model_terms.center IS 'Numeric features: the training mean subtracted before scaling.';
COMMENT ON COLUMN prodplan.model_terms.scale IS 'Numeric features: the training standard deviation divided by.';
COMMENT ON COLUMN prodplan.model_terms.rows IS 'Categorical levels: training examples with the level.';
COMMENT ON COLUMN prodplan.model_terms.baseline IS 'The level without a column (coefficient 0).';

CREATE TABLE prodplan.model_rates (
  model_id bigint NOT NULL REFERENCES prodplan.models ON DELETE CASCADE,
  scope    text NOT NULL CHECK (scope IN ('plant', 'product', 'work_center')),
  key      text NOT NULL,
  judged   float8 NOT NULL,
  culprits float8 NOT NULL,
  PRIMARY KEY (model_id, scope, key)
);
COMMENT ON TABLE prodplan.model_rates IS 'The historical defect rates a defect-risk model scores with, as of its training: per plant (key ''''), product and work center, the judged operations (an evaluation after them has ended) and how many of them a defect was blamed on. The model''s rate features and its fallback smooth them towards the plant''s rate with options.prior_weight (20) pseudo-operations.';
COMMENT ON COLUMN prodplan.model_rates.judged IS 'Operations whose outcome was known at training.';
COMMENT ON COLUMN prodplan.model_rates.culprits IS 'Of those, operations a defect was blamed on.';

GRANT SELECT ON prodplan.models, prodplan.model_terms, prodplan.model_rates TO prodplan_reader;

-- Models are derived from the data: content checksums leave them out.
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
      -- Trained models are derived from the data.
      AND c.relname NOT IN ('models')
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
  'Row count and an md5 over the sorted text of every row, per canonical table (optionally of one plant): two databases with equal results hold the same data. Used to reconcile loads and to test determinism. Leaves out what is derived or records what was done: ingestion runs, plans and their slots, aggregates, KPI snapshots, data-quality results and trained models.';

-- ---------------------------------------------------------------------------
-- Training and deploying the defect-risk model.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.defect_risk_train(plant text, options jsonb)
RETURNS bigint
AS 'MODULE_PATHNAME', 'prodplan_defect_risk_train'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
-- The whole-plant read joins hundreds of partitions; JIT compiling it costs
-- seconds and saves nothing.
SET jit = off;
COMMENT ON FUNCTION prodplan.defect_risk_train(text, jsonb) IS 'The engine of prodplan.train_defect_risk (which checks the options and chooses the plant): reads the plant''s operations with what was known before each ran, trains, tests, and stores the model in prodplan.models, model_terms and model_rates (not deployed); returns its model_id.';
REVOKE ALL ON FUNCTION prodplan.defect_risk_train(text, jsonb) FROM PUBLIC;

CREATE FUNCTION prodplan.only_plant(plant text, who text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  found text;
  n int;
BEGIN
  IF plant IS NOT NULL THEN
    IF NOT EXISTS (SELECT 1 FROM prodplan.plant p WHERE p.plant_id = plant) THEN
      RAISE EXCEPTION '%: no plant "%"', who, plant USING ERRCODE = 'invalid_parameter_value', HINT = 'Plants are listed in prodplan.plant.';
    END IF;
    RETURN plant;
  END IF;
  SELECT min(p.plant_id), count(*) INTO found, n FROM prodplan.plant p;
  IF n = 1 THEN
    RETURN found;
  END IF;
  RAISE EXCEPTION '%: %', who, CASE WHEN n = 0 THEN 'there is no plant yet' ELSE n || ' plants: say which in options.plant' END
    USING ERRCODE = 'invalid_parameter_value', HINT = 'Plants are listed in prodplan.plant.';
END
$fn$;
COMMENT ON FUNCTION prodplan.only_plant(text, text) IS 'The plant a call is about: plant when given (an error if it does not exist), else the only plant; with several plants an error asks for options.plant, naming the function who asked.';
REVOKE ALL ON FUNCTION prodplan.only_plant(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.only_plant(text, text) TO prodplan_reader;

CREATE FUNCTION prodplan.deploy_model(model_id bigint)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  m record;
BEGIN
  SELECT * INTO m FROM prodplan.models x WHERE x.model_id = deploy_model.model_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'prodplan.deploy_model: no model %', model_id USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Models are listed in prodplan.models.';
  END IF;
  -- One deployed model per plant and kind: the previous one steps down in
  -- the same transaction (the unique index checks it).
  UPDATE prodplan.models x SET deployed = false
  WHERE x.plant_id = m.plant_id AND x.kind = m.kind AND x.deployed AND x.model_id <> m.model_id;
  UPDATE prodplan.models x SET deployed = true, deployed_at = now(),
         deploy_reason = format('deployed by %s', current_user)
  WHERE x.model_id = m.model_id;
END
$fn$;
COMMENT ON FUNCTION prodplan.deploy_model(bigint) IS 'Makes a model the deployed one of its plant and kind (the previously deployed one steps down): what prodplan.defect_risk scores with.';
REVOKE ALL ON FUNCTION prodplan.deploy_model(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.deploy_model(bigint) TO prodplan_planner;

CREATE FUNCTION prodplan.train_defect_risk(options jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  plant text;
  id bigint;
  m jsonb;
  deploy text;
  model_ap float8;
  fallback_ap float8;
BEGIN
  PERFORM prodplan.check_options('prodplan.train_defect_risk', options,
    ARRAY['plant', 'test_share', 'test_from', 'c', 'prior_weight', 'min_level_rows', 'alert_rate', 'calibration_bins',
          'min_train_rows', 'deploy'],
    'Options are plant, test_share (0.2), test_from (a timestamp: the split instead of test_share), c (1: inverse L2 strength), '
    'prior_weight (20), min_level_rows (30), alert_rate (0.1), calibration_bins (10), min_train_rows (200) and deploy (auto, true or false).');
  BEGIN
    PERFORM (options ->> 'test_share')::float8, (options ->> 'test_from')::timestamptz, (options ->> 'c')::float8,
            (options ->> 'prior_weight')::float8, (options ->> 'min_level_rows')::int8, (options ->> 'alert_rate')::float8,
            (options ->> 'calibration_bins')::int4, (options ->> 'min_train_rows')::int8;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'prodplan.train_defect_risk: bad option value: %', SQLERRM USING ERRCODE = 'invalid_parameter_value';
  END;
  deploy := coalesce(options ->> 'deploy', 'auto');
  IF deploy NOT IN ('auto', 'true', 'false') THEN
    RAISE EXCEPTION 'prodplan.train_defect_risk: deploy must be auto, true or false, got %', deploy USING ERRCODE = 'invalid_parameter_value';
  END IF;
  plant := prodplan.only_plant(options ->> 'plant', 'prodplan.train_defect_risk');
  id := prodplan.defect_risk_train(plant, options);
  SELECT x.metrics INTO m FROM prodplan.models x WHERE x.model_id = id;
  model_ap := (m -> 'operations' -> 'model' ->> 'pr_auc')::float8;
  fallback_ap := (m -> 'operations' -> 'fallback' ->> 'pr_auc')::float8;
  IF deploy = 'true' OR (deploy = 'auto' AND model_ap > fallback_ap) THEN
    PERFORM prodplan.deploy_model(id);
    UPDATE prodplan.models x SET deploy_reason = CASE WHEN deploy = 'true' THEN 'deployed: options.deploy = true'
      ELSE format('deployed: test PR-AUC %s above the fallback''s %s', round(model_ap::numeric, 4), round(fallback_ap::numeric, 4)) END
    WHERE x.model_id = id;
  ELSE
    UPDATE prodplan.models x SET deploy_reason = CASE WHEN deploy = 'false' THEN 'not deployed: options.deploy = false'
      ELSE format('not deployed: test PR-AUC %s not above the fallback''s %s', round(model_ap::numeric, 4), round(fallback_ap::numeric, 4)) END
    WHERE x.model_id = id;
  END IF;
  RETURN id;
END
$fn$;
COMMENT ON FUNCTION prodplan.train_defect_risk(jsonb) IS 'Trains the defect-risk model of a plant (options.plant, or the only plant) and returns its model_id (prodplan.models). What it predicts: the probability that a defect will be blamed on an operation, from what is known before the operation runs: the order''s product family and weight, the work center (the phase of the routing), the shift, rework, the crew''s least experienced member''s years since hire (bands; where assignments match operations), and the product''s and work center''s historical defect rates from outcomes known before the operation started, never after. An order''s risk combines its operations'' (prodplan.defect_risk). L2-regularised logistic regression (IRLS, scikit-learn''s objective with C = options.c). Temporal split: the latest test_share (0.2) of judged operations by start (or those from test_from on) are the test set; training uses the operations started before the split whose evaluation had ended by then. Metrics on the test set for the model and for the fallback (product x work center historical rate), per operation and per order, are stored in models.metrics: PR-AUC, ROC-AUC, Brier score, recall at alert_rate (0.1), calibration by decile. deploy: auto (default: deploy when the model''s test PR-AUC beats the fallback''s), true or false. Other options: prior_weight (20), min_level_rows (30), calibration_bins (10), min_train_rows (200). Errors when the data cannot support a model (no evaluations, too few judged operations).';
REVOKE ALL ON FUNCTION prodplan.train_defect_risk(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.train_defect_risk(jsonb) TO prodplan_planner;

-- ---------------------------------------------------------------------------
-- Scoring an order.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.defect_risk_score(model_id bigint, plant text, order_id text, fallback boolean)
RETURNS TABLE (probability float8, expected_defective_operations float8, riskiest_work_center_id text,
               riskiest_probability float8, operations int)
AS 'MODULE_PATHNAME', 'prodplan_defect_risk_score'
LANGUAGE C STABLE STRICT
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION prodplan.defect_risk_score(bigint, text, text, boolean) IS 'The engine of prodplan.defect_risk: an order''s operations (else its product''s routing) scored by a stored model, or with fallback by the model''s rate snapshot alone (the historical-rate fallback its metrics measured); no row when nothing of the order''s work is known.';
REVOKE ALL ON FUNCTION prodplan.defect_risk_score(bigint, text, text, boolean) FROM PUBLIC;

-- The fallback before any model was trained: per operation of the order
-- (else of its product's routing),
-- P(a defect is blamed on it) = 1 - exp(-lambda), lambda = the work
-- center's defects per operation x the product's / the plant's, each
-- smoothed with 20 pseudo-operations; counted from the aggregates when they
-- have been refreshed, else from the base tables.
CREATE FUNCTION prodplan.defect_risk_fallback(plant text, order_id text)
RETURNS TABLE (probability float8, expected_defective_operations float8, riskiest_work_center_id text,
               riskiest_probability float8, operations int, typical float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  from_aggregates boolean;
  product text;
BEGIN
  SELECT po.product_id INTO product FROM prodplan.production_order po
  WHERE po.plant_id = defect_risk_fallback.plant AND po.order_id = defect_risk_fallback.order_id;
  from_aggregates := coalesce((SELECT bool_and(w.watermark IS NOT NULL) FROM prodplan.aggregate_watermark w
                               WHERE w.aggregate IN ('operation_day', 'order_day', 'defect_day')), false);
  RETURN QUERY
  WITH work AS (
    SELECT o.work_center_id FROM prodplan.operation o
    WHERE o.plant_id = defect_risk_fallback.plant AND o.order_id = defect_risk_fallback.order_id
  ), steps AS (
    SELECT w.work_center_id FROM work w
    UNION ALL
    SELECT rs.work_center_id FROM prodplan.routing_step rs
    WHERE rs.plant_id = defect_risk_fallback.plant AND rs.product_id = product AND NOT EXISTS (SELECT 1 FROM work)
  ), ops AS (
    -- Operations per work center and of the product: (scope, key, n). Every
    -- branch groups, so the branch not taken yields no row.
    SELECT 'work_center' AS scope, a.work_center_id AS key, sum(a.operations)::float8 AS n FROM prodplan.agg_operation_day a
    WHERE from_aggregates AND a.plant_id = defect_risk_fallback.plant GROUP BY a.work_center_id
    UNION ALL
    SELECT 'product', product, sum(a.operations)::float8 FROM prodplan.agg_operation_day a
    WHERE from_aggregates AND a.plant_id = defect_risk_fallback.plant AND a.product_id = product GROUP BY a.product_id
    UNION ALL
    SELECT 'work_center', o.work_center_id, count(*)::float8 FROM prodplan.operation o
    WHERE NOT from_aggregates AND o.plant_id = defect_risk_fallback.plant GROUP BY o.work_center_id
    UNION ALL
    SELECT 'product', product, count(*)::float8 FROM prodplan.operation o
    JOIN prodplan.production_order po ON po.plant_id = o.plant_id AND po.order_id = o.order_id
    WHERE NOT from_aggregates AND o.plant_id = defect_risk_fallback.plant AND po.product_id = product GROUP BY po.product_id
  ), defects AS (
    -- Defects blamed per culprit work center and on the product's orders.
    SELECT 'work_center' AS scope, d.culprit_work_center_id AS key, sum(d.defects)::float8 AS n FROM prodplan.agg_defect_day d
    WHERE from_aggregates AND d.plant_id = defect_risk_fallback.plant GROUP BY d.culprit_work_center_id
    UNION ALL
    SELECT 'product', product, sum(d.defects)::float8 FROM prodplan.agg_defect_day d
    WHERE from_aggregates AND d.plant_id = defect_risk_fallback.plant AND d.product_id = product GROUP BY d.product_id
    UNION ALL
    SELECT 'work_center', f.culprit_work_center_id, count(*)::float8
    FROM prodplan.defects_found(NULL, NULL, defect_risk_fallback.plant) f
    WHERE NOT from_aggregates GROUP BY f.culprit_work_center_id
    UNION ALL
    SELECT 'product', product, count(*)::float8 FROM prodplan.defect d
    JOIN prodplan.production_order po ON po.plant_id = d.plant_id AND po.order_id = d.order_id
    WHERE NOT from_aggregates AND d.plant_id = defect_risk_fallback.plant AND po.product_id = product GROUP BY po.product_id
  ), basis AS (
    SELECT o.scope, o.key, o.n AS operations, coalesce(d.n, 0) AS defects
    FROM ops o LEFT JOIN defects d ON d.scope = o.scope AND d.key = o.key
  ), g AS (
    SELECT (sum(b.defects) + 0.5) / (sum(b.operations) + 1) AS lam, sum(b.operations) AS operations
    FROM basis b WHERE b.scope = 'work_center'
  ), orders AS (
    SELECT CASE WHEN from_aggregates THEN (SELECT sum(a.orders)::float8 FROM prodplan.agg_order_day a WHERE a.plant_id = defect_risk_fallback.plant)
                ELSE (SELECT count(*)::float8 FROM prodplan.production_order po WHERE po.plant_id = defect_risk_fallback.plant) END AS n
  ), scored AS (
    SELECT s.work_center_id,
           1 - exp(-((coalesce(wc.defects, 0) + 20 * g.lam) / (coalesce(wc.operations, 0) + 20))
                   * ((coalesce(pr.defects, 0) + 20 * g.lam) / (coalesce(pr.operations, 0) + 20)) / g.lam) AS p
    FROM steps s CROSS JOIN g
    LEFT JOIN basis wc ON wc.scope = 'work_center' AND wc.key = s.work_center_id
    LEFT JOIN basis pr ON pr.scope = 'product' AND pr.key = product
  )
  SELECT 1 - exp(sum(ln(greatest(1 - sc.p, 1e-12)))), sum(sc.p),
         (array_agg(sc.work_center_id ORDER BY sc.p DESC, sc.work_center_id))[1], max(sc.p), count(*)::int,
         -- An average order: the plant's operations per order, each at the plant's rate.
         (SELECT CASE WHEN orders.n > 0 THEN (g.operations / orders.n) * (1 - exp(-g.lam)) END FROM g, orders)
  FROM scored sc
  HAVING count(*) > 0;
END
$fn$;
COMMENT ON FUNCTION prodplan.defect_risk_fallback(text, text) IS 'The historical-rate answer of prodplan.defect_risk without a deployed model: per operation of the order (else of its product''s routing) P(defect) = 1 - exp(-lambda) with lambda = the work center''s defects per operation x (the product''s defects per operation / the plant''s), each smoothed with 20 pseudo-operations; from the aggregates once refreshed, else the base tables. typical: the expected defective operations of an average order. No row when nothing of the order''s work is known.';
REVOKE ALL ON FUNCTION prodplan.defect_risk_fallback(text, text) FROM PUBLIC;

CREATE FUNCTION prodplan.defect_risk(order_id text, options jsonb DEFAULT '{}')
RETURNS TABLE (plant_id text, probability float8, level text, source text,
               expected_defective_operations float8, typical_defective_operations float8,
               riskiest_work_center_id text, riskiest_probability float8, operations int)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  plant text;
  n int;
  model bigint;
  typical float8;
  high float8;
  medium float8;
  r record;
  src text;
BEGIN
  PERFORM prodplan.check_options('prodplan.defect_risk', options, ARRAY['plant', 'high_ratio', 'medium_ratio', 'fallback'],
    'Options are plant, high_ratio (1.5), medium_ratio (1.0) and fallback (true: ignore the deployed model).');
  BEGIN
    high := coalesce((options ->> 'high_ratio')::float8, 1.5);
    medium := coalesce((options ->> 'medium_ratio')::float8, 1.0);
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'prodplan.defect_risk: high_ratio and medium_ratio must be numbers: %', SQLERRM USING ERRCODE = 'invalid_parameter_value';
  END;
  IF order_id IS NULL THEN
    RAISE EXCEPTION 'prodplan.defect_risk: order_id must not be NULL' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT min(po.plant_id), count(*) INTO plant, n FROM prodplan.production_order po
  WHERE po.order_id = defect_risk.order_id AND (options ->> 'plant' IS NULL OR po.plant_id = options ->> 'plant');
  IF n = 0 THEN
    RAISE EXCEPTION 'prodplan.defect_risk: no production order "%"%', order_id,
      CASE WHEN options ->> 'plant' IS NOT NULL THEN format(' in plant %s', options ->> 'plant') ELSE '' END
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Orders are listed in prodplan.production_order.';
  ELSIF n > 1 THEN
    RAISE EXCEPTION 'prodplan.defect_risk: order "%" exists in % plants: say which in options.plant', order_id, n
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT coalesce((options ->> 'fallback')::boolean, false) THEN
    SELECT m.model_id, (m.metrics ->> 'culprits_per_order')::float8 INTO model, typical FROM prodplan.models m
    WHERE m.plant_id = plant AND m.kind = 'defect_risk' AND m.deployed;
  END IF;
  IF model IS NOT NULL THEN
    SELECT * INTO r FROM prodplan.defect_risk_score(model, plant, order_id, false);
    src := 'model:' || model;
  END IF;
  IF r IS NULL THEN
    -- The fallback: the rates of the latest model trained (deployed or not),
    -- else rates counted now.
    SELECT m.model_id, (m.metrics ->> 'culprits_per_order')::float8 INTO model, typical FROM prodplan.models m
    WHERE m.plant_id = plant AND m.kind = 'defect_risk' ORDER BY m.created_at DESC, m.model_id DESC LIMIT 1;
    IF model IS NOT NULL THEN
      SELECT * INTO r FROM prodplan.defect_risk_score(model, plant, order_id, true);
    ELSE
      SELECT * INTO r FROM prodplan.defect_risk_fallback(plant, order_id);
      typical := r.typical;
    END IF;
    IF r IS NULL THEN
      -- Nothing of the work is known: the share of the plant's orders with a defect.
      SELECT (SELECT count(DISTINCT d.order_id) FROM prodplan.defect d WHERE d.plant_id = plant)::float8
               / nullif((SELECT count(*) FROM prodplan.production_order po WHERE po.plant_id = plant), 0) AS probability,
             NULL::float8 AS expected_defective_operations, NULL::text AS riskiest_work_center_id, NULL::float8 AS riskiest_probability,
             0 AS operations, NULL::float8 AS typical
        INTO r;
      src := 'fallback:plant';
    ELSE
      src := 'fallback:history';
    END IF;
  END IF;
  RETURN QUERY SELECT plant, r.probability,
    CASE WHEN r.expected_defective_operations IS NULL OR typical IS NULL OR typical <= 0 THEN 'UNKNOWN'
         WHEN r.expected_defective_operations >= high * typical THEN 'HIGH'
         WHEN r.expected_defective_operations >= medium * typical THEN 'MEDIUM'
         ELSE 'LOW' END,
    src, r.expected_defective_operations, typical, r.riskiest_work_center_id, r.riskiest_probability, r.operations;
END
$fn$;
COMMENT ON FUNCTION prodplan.defect_risk(text, jsonb) IS 'The defect risk of a production order (one row): always an answer. probability: that a defect will be blamed on at least one of its operations (its operations, else its product''s routing), 1 - prod(1 - p) over them. source: model:<id> when its plant has a deployed defect-risk model (prodplan.train_defect_risk / deploy_model); fallback:history (no deployed model, or options.fallback): each operation at its work center''s historical defect rate scaled by its product''s against the plant''s (the rates of the plant''s latest trained model, prodplan.model_rates, as measured in its metrics; before any training, defects per operation counted now by prodplan.defect_risk_fallback); fallback:plant when nothing of the order''s work is known (the share of the plant''s orders with a defect). expected_defective_operations: the sum of the operations'' probabilities; typical_defective_operations: the same for an average order. level: HIGH when expected >= high_ratio (1.5) x typical, MEDIUM when >= medium_ratio (1.0) x typical, else LOW (UNKNOWN for fallback:plant). riskiest_work_center_id and riskiest_probability: the operation most likely to be blamed. options.plant when the order id exists in several plants.';
REVOKE ALL ON FUNCTION prodplan.defect_risk(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.defect_risk(text, jsonb) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Per-employee KPIs, behind the per_employee_kpis gate.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.employee_kpis(from_ts timestamptz DEFAULT NULL, to_ts timestamptz DEFAULT NULL,
                                       options jsonb DEFAULT '{}')
RETURNS TABLE (plant_id text, employee_id text, name text, operations bigint, orders bigint, work_centers bigint,
               worked_hours float8, lead_operations bigint, rework_operations bigint, blamed_operations bigint,
               blamed_rate float8, first_work timestamptz, last_work timestamptz)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
  PERFORM prodplan.check_options('prodplan.employee_kpis', options, ARRAY['plant', 'ignore_gates'],
    'Options are plant and ignore_gates.');
  IF from_ts > to_ts THEN
    RAISE EXCEPTION 'prodplan.employee_kpis: from_ts (%) is after to_ts (%)', from_ts, to_ts USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Figures per person are only as good as the assignments that name real
  -- operations: refuse while the gate is off.
  PERFORM prodplan.require_feature('per_employee_kpis', options ->> 'plant', options);
  RETURN QUERY
  WITH work AS (
    SELECT a.plant_id, a.employee_id, a.is_lead, o.operation_id, o.order_id, o.work_center_id, o.is_rework,
           o.started_at, o.ended_at, o.duration_minutes
    FROM prodplan.operation_assignment a
    JOIN prodplan.operation o ON o.plant_id = a.plant_id AND o.operation_id = a.operation_id
    WHERE (options ->> 'plant' IS NULL OR a.plant_id = options ->> 'plant')
      AND (from_ts IS NULL OR o.event_time >= from_ts) AND (to_ts IS NULL OR o.event_time < to_ts)
  ), blamed AS (
    SELECT DISTINCT d.plant_id, d.culprit_operation_id AS operation_id FROM prodplan.defect d
    WHERE d.culprit_operation_id IS NOT NULL AND (options ->> 'plant' IS NULL OR d.plant_id = options ->> 'plant')
  )
  SELECT w.plant_id, w.employee_id, e.name, count(DISTINCT w.operation_id), count(DISTINCT w.order_id),
         count(DISTINCT w.work_center_id), (sum(w.duration_minutes) FILTER (WHERE w.duration_minutes > 0) / 60.0)::float8,
         count(DISTINCT w.operation_id) FILTER (WHERE w.is_lead), count(DISTINCT w.operation_id) FILTER (WHERE w.is_rework),
         count(DISTINCT w.operation_id) FILTER (WHERE b.operation_id IS NOT NULL),
         (count(DISTINCT w.operation_id) FILTER (WHERE b.operation_id IS NOT NULL))::float8 / count(DISTINCT w.operation_id),
         min(w.started_at), max(coalesce(w.ended_at, w.started_at))
  FROM work w
  LEFT JOIN blamed b ON b.plant_id = w.plant_id AND b.operation_id = w.operation_id
  LEFT JOIN prodplan.employee e ON e.plant_id = w.plant_id AND e.employee_id = w.employee_id
  GROUP BY w.plant_id, w.employee_id, e.name
  ORDER BY w.plant_id, count(DISTINCT w.operation_id) DESC, w.employee_id;
END
$fn$;
COMMENT ON FUNCTION prodplan.employee_kpis(timestamptz, timestamptz, jsonb) IS 'Per employee, over the operations whose event time is in [from_ts, to_ts) (NULL: unbounded) that their assignments name: operations, orders, work centers, worked hours (the operations'' durations; a shared operation counts fully for each person on it), operations led, rework operations, operations a defect was blamed on and their share. Gated: refused with the measured assignment-to-operation match while prodplan.feature_gates has per_employee_kpis off (below 90%: figures from the matching minority would mislead); options.ignore_gates overrides, options.plant restricts. Most operations first.';
REVOKE ALL ON FUNCTION prodplan.employee_kpis(timestamptz, timestamptz, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.employee_kpis(timestamptz, timestamptz, jsonb) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Bottlenecks by the active period method (issue 8).
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.bottleneck_shares(plant text, from_ts timestamptz, to_ts timestamptz, plan_id bigint, mode text)
RETURNS TABLE (work_center_id text, capacity_units int, busy_unit_hours float8, active_hours float8, active_periods bigint,
               mean_active_period_hours float8, sole_share float8, shifting_share float8, weeks_first int, weeks int,
               available_unit_hours float8, queue_length float8, waiting_hours_p90 float8)
AS 'MODULE_PATHNAME', 'prodplan_bottleneck_shares'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp
-- Its scans cross every partition: JIT would compile for seconds to save nothing.
SET jit = off;
COMMENT ON FUNCTION prodplan.bottleneck_shares(text, timestamptz, timestamptz, bigint, text) IS 'The engine of prodplan.bottlenecks: per work center of the plant, its busy and available unit-hours inside its calendar''s working time, and from its busy intervals in [from_ts, to_ts) (actual operations, setups and downtimes; or plan_id''s planned operations with their setups), its active periods (mode saturated: all units busy; any: one unit busy), the shares of the window it was the sole or a shifting bottleneck (Roser, Nakano and Tanaka), in how many of the window''s weeks it was the top bottleneck, the time-average number of orders waiting for it (from their previous operation''s end to the start there, within the window) and the 90th percentile of those waits in hours for operations starting in the window.';
REVOKE ALL ON FUNCTION prodplan.bottleneck_shares(text, timestamptz, timestamptz, bigint, text) FROM PUBLIC;

CREATE FUNCTION prodplan.bottlenecks(from_ts timestamptz DEFAULT NULL, to_ts timestamptz DEFAULT NULL,
                                     source text DEFAULT 'actual', plan_id bigint DEFAULT NULL, options jsonb DEFAULT '{}')
RETURNS TABLE (rank int, plant_id text, work_center_id text, name text, capacity_units int, utilisation float8,
               busy_unit_hours float8, available_unit_hours float8, active_periods bigint, mean_active_period_hours float8,
               sole_share float8, shifting_share float8, bottleneck_share float8, confidence float8,
               queue_length float8, waiting_hours_p90 float8, reference_score float8, reference_rank int)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $fn$
#variable_conflict use_column
DECLARE
  plant text;
  t0 timestamptz := from_ts;
  t1 timestamptz := to_ts;
  mode text;
BEGIN
  PERFORM prodplan.check_options('prodplan.bottlenecks', options, ARRAY['plant', 'mode'],
    'Options are plant and mode (saturated: a work center is active while all its units are busy; any: while one is).');
  mode := coalesce(options ->> 'mode', 'saturated');
  IF source IS NULL OR source NOT IN ('actual', 'plan') THEN
    RAISE EXCEPTION 'prodplan.bottlenecks: source must be actual or plan, got %', coalesce(source, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF source = 'plan' THEN
    IF plan_id IS NULL THEN
      RAISE EXCEPTION 'prodplan.bottlenecks: source plan needs a plan_id' USING ERRCODE = 'invalid_parameter_value',
        HINT = 'Plans are listed in prodplan.plans.';
    END IF;
    SELECT p.plant_id, coalesce(t0, p.plan_start),
           coalesce(t1, (SELECT max(po.end_at) FROM prodplan.planned_operations po WHERE po.plan_id = bottlenecks.plan_id))
      INTO plant, t0, t1 FROM prodplan.plans p WHERE p.plan_id = bottlenecks.plan_id;
    IF plant IS NULL THEN
      RAISE EXCEPTION 'prodplan.bottlenecks: no plan %', plan_id USING ERRCODE = 'invalid_parameter_value',
        HINT = 'Plans are listed in prodplan.plans.';
    END IF;
  ELSE
    IF plan_id IS NOT NULL THEN
      RAISE EXCEPTION 'prodplan.bottlenecks: plan_id goes with source plan' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    plant := prodplan.only_plant(options ->> 'plant', 'prodplan.bottlenecks');
    IF t1 <= t0 THEN
      RAISE EXCEPTION 'prodplan.bottlenecks: the window [%, %) is empty', t0, t1 USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The window is clipped to the recorded work: what is in progress at
    -- its end is busy until then, not until a far future to_ts (the data
    -- may be an export older than today). Default: the 90 days up to the
    -- latest recorded work.
    SELECT least(t1, max(greatest(o.started_at, o.ended_at))), greatest(t0, min(o.started_at))
      INTO t1, t0 FROM prodplan.operation o WHERE o.plant_id = plant AND o.started_at IS NOT NULL;
    t0 := coalesce(t0, t1 - interval '90 days');
  END IF;
  IF t1 IS NULL THEN
    RAISE EXCEPTION 'prodplan.bottlenecks: there is no % work to look at', CASE WHEN source = 'plan' THEN 'planned' ELSE 'recorded' END
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF t0 IS NULL OR t1 <= t0 THEN
    RAISE EXCEPTION 'prodplan.bottlenecks: the window [%, %) is empty', t0, t1 USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  WITH shares AS (
    SELECT * FROM prodplan.bottleneck_shares(plant, t0, t1, CASE WHEN source = 'plan' THEN plan_id END, mode)
  ), wip AS (
    -- The reference system's inputs as of the window's end: ages of the
    -- work in progress and the queue waiting for each work center.
    SELECT o.work_center_id, avg(extract(epoch FROM t1 - o.started_at)::float8 / 3600.0) AS wip_age_hours
    FROM prodplan.operation o
    WHERE source = 'actual' AND o.plant_id = plant AND o.started_at < t1 AND (o.ended_at IS NULL OR o.ended_at > t1)
    GROUP BY o.work_center_id
  ), j AS (
    SELECT s.*, w.name AS wc_name,
           s.available_unit_hours AS available, s.queue_length AS queue, s.waiting_hours_p90 AS p90, wi.wip_age_hours
    FROM shares s
    JOIN prodplan.work_center w ON w.plant_id = plant AND w.work_center_id = s.work_center_id
    LEFT JOIN wip wi ON wi.work_center_id = s.work_center_id
  ), scored AS (
    SELECT j.*,
           -- Reconstructed reference score: equal weights of the work in
           -- progress's mean age and the queue, each over its largest value.
           0.5 * coalesce(j.wip_age_hours / nullif(max(j.wip_age_hours) OVER (), 0), 0)
           + 0.5 * coalesce(j.queue / nullif(max(j.queue) OVER (), 0), 0) AS ref
    FROM j
  )
  SELECT (row_number() OVER (ORDER BY sc.sole_share + sc.shifting_share DESC, sc.sole_share DESC, sc.utilisation_sort DESC, sc.work_center_id))::int,
         plant, sc.work_center_id, sc.wc_name, sc.capacity_units,
         CASE WHEN sc.available > 0 THEN sc.busy_unit_hours / sc.available END, sc.busy_unit_hours, sc.available,
         sc.active_periods, sc.mean_active_period_hours, sc.sole_share, sc.shifting_share, sc.sole_share + sc.shifting_share,
         CASE WHEN sc.weeks > 0 THEN sc.weeks_first::float8 / sc.weeks END,
         coalesce(sc.queue, 0), sc.p90, sc.ref,
         (rank() OVER (ORDER BY sc.ref DESC))::int
  FROM (SELECT s2.*, CASE WHEN s2.available > 0 THEN s2.busy_unit_hours / s2.available ELSE 0 END AS utilisation_sort FROM scored s2) sc
  ORDER BY 1;
END
$fn$;
COMMENT ON FUNCTION prodplan.bottlenecks(timestamptz, timestamptz, text, bigint, jsonb) IS 'Bottlenecks by the active period method (Roser, Nakano and Tanaka 2001/2002), per work center, ranked by bottleneck_share = sole_share + shifting_share: at every instant the work center in the longest uninterrupted active period is the bottleneck; where it hands over to another their overlapping active periods count as shifting for both, the rest as sole; shares are of the window. A work center is active while all its units are busy (options.mode saturated, the default; any: while one unit is), counting work, setups and downtimes (repairs). source actual: operations, setups and downtimes in [from_ts, to_ts), clipped to the recorded work (default: the 90 days up to the latest recorded work; work in progress is busy until the window''s end); source plan: the planned operations of plan_id (default window: the plan''s span). Also: utilisation (busy unit-hours inside the work center''s working time / its units'' working hours in the window, by its calendar; around the clock without one), active periods and their mean length, confidence (the share of the window''s weeks in which it was the top bottleneck), queue_length (time-average orders waiting for it after their previous operation ended) and waiting_hours_p90, and for comparison the reference system''s score (reconstructed: 0.5 x mean age of its work in progress + 0.5 x its queue, each over the largest; actual source only for the age) with its rank.';
REVOKE ALL ON FUNCTION prodplan.bottlenecks(timestamptz, timestamptz, text, bigint, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.bottlenecks(timestamptz, timestamptz, text, bigint, jsonb) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Work in progress (issue 8).
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.wip(by text DEFAULT 'work_center', as_of timestamptz DEFAULT NULL, options jsonb DEFAULT '{}')
RETURNS TABLE (plant_id text, work_center_id text, product_id text, in_process bigint, waiting bigint,
               in_process_age_p50_hours float8, in_process_age_p90_hours float8,
               waiting_age_p50_hours float8, waiting_age_p90_hours float8,
               in_process_mass_kg float8, waiting_mass_kg float8,
               mass_from_operation bigint, mass_from_product bigint, mass_unknown bigint, as_of_time timestamptz)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $fn$
#variable_conflict use_column
DECLARE
  plant text;
  t timestamptz := as_of;
BEGIN
  PERFORM prodplan.check_options('prodplan.wip', options, ARRAY['plant'], 'The option is plant.');
  IF by IS NULL OR by NOT IN ('work_center', 'product', 'both') THEN
    RAISE EXCEPTION 'prodplan.wip: by must be work_center, product or both, got %', coalesce(by, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  plant := prodplan.only_plant(options ->> 'plant', 'prodplan.wip');
  IF t IS NULL THEN
    -- Now, or the latest recorded work when the data is an older export.
    SELECT least(now(), max(greatest(o.started_at, o.ended_at))) INTO t FROM prodplan.operation o WHERE o.plant_id = plant;
    t := coalesce(t, now());
  END IF;
  RETURN QUERY
  WITH open_orders AS (
    SELECT po.order_id, po.product_id, po.created_at FROM prodplan.production_order po
    WHERE po.plant_id = plant AND po.created_at <= t AND (po.finished_at IS NULL OR po.finished_at > t)
  ), ops AS (
    SELECT o.order_id, o.operation_id, o.work_center_id, o.sequence, o.started_at, o.ended_at, o.planned_at, o.weight_kg
    FROM prodplan.operation o JOIN open_orders oo ON oo.order_id = o.order_id
    WHERE o.plant_id = plant
  ), running AS (
    -- Operations in process at t.
    SELECT x.order_id, x.work_center_id, extract(epoch FROM t - x.started_at)::float8 / 3600.0 AS age, x.weight_kg
    FROM ops x WHERE x.started_at <= t AND (x.ended_at IS NULL OR x.ended_at > t)
  ), next_step AS (
    -- Orders with nothing in process: the first operation not started by t
    -- waits since the latest end before t (else since the order's creation).
    SELECT DISTINCT ON (x.order_id) x.order_id, x.work_center_id, x.weight_kg,
           (SELECT max(y.ended_at) FROM ops y WHERE y.order_id = x.order_id AND y.ended_at <= t) AS ready
    FROM ops x
    WHERE (x.started_at IS NULL OR x.started_at > t)
      AND NOT EXISTS (SELECT 1 FROM running r WHERE r.order_id = x.order_id)
    ORDER BY x.order_id, x.sequence NULLS LAST, x.planned_at NULLS LAST, x.operation_id
  ), items AS (
    SELECT 'in_process' AS state, r.order_id, r.work_center_id, r.age, r.weight_kg FROM running r
    UNION ALL
    SELECT 'waiting', n.order_id, n.work_center_id,
           extract(epoch FROM t - coalesce(n.ready, oo.created_at))::float8 / 3600.0, n.weight_kg
    FROM next_step n JOIN open_orders oo ON oo.order_id = n.order_id
  ), weighed AS (
    SELECT i.*, oo.product_id, coalesce(i.weight_kg, p.demould_weight_kg) AS kg,
           CASE WHEN i.weight_kg IS NOT NULL THEN 'operation' WHEN p.demould_weight_kg IS NOT NULL THEN 'product' ELSE 'unknown' END AS src
    FROM items i JOIN open_orders oo ON oo.order_id = i.order_id
    LEFT JOIN prodplan.product p ON p.plant_id = plant AND p.product_id = oo.product_id
  )
  SELECT plant, CASE WHEN by IN ('work_center', 'both') THEN w.work_center_id END,
         CASE WHEN by IN ('product', 'both') THEN w.product_id END,
         count(*) FILTER (WHERE w.state = 'in_process'), count(*) FILTER (WHERE w.state = 'waiting'),
         percentile_cont(0.5) WITHIN GROUP (ORDER BY w.age) FILTER (WHERE w.state = 'in_process'),
         percentile_cont(0.9) WITHIN GROUP (ORDER BY w.age) FILTER (WHERE w.state = 'in_process'),
         percentile_cont(0.5) WITHIN GROUP (ORDER BY w.age) FILTER (WHERE w.state = 'waiting'),
         percentile_cont(0.9) WITHIN GROUP (ORDER BY w.age) FILTER (WHERE w.state = 'waiting'),
         coalesce(sum(w.kg) FILTER (WHERE w.state = 'in_process'), 0), coalesce(sum(w.kg) FILTER (WHERE w.state = 'waiting'), 0),
         count(*) FILTER (WHERE w.src = 'operation'), count(*) FILTER (WHERE w.src = 'product'),
         count(*) FILTER (WHERE w.src = 'unknown'), t
  FROM weighed w
  GROUP BY 2, 3
  ORDER BY count(*) FILTER (WHERE w.state = 'in_process') + count(*) FILTER (WHERE w.state = 'waiting') DESC, 2, 3;
END
$fn$;
COMMENT ON FUNCTION prodplan.wip(text, timestamptz, jsonb) IS 'Work in progress of a plant (options.plant, or the only plant) at as_of (default: now, or the latest recorded work when the data is an older export), by work_center, product or both: in_process (operations started and not ended at as_of) and waiting (orders open at as_of with nothing in process, counted at their next operation not yet started), the ages in hours (p50, p90: since the start for work in process; since the previous operation ended, else since the order was created, for waiting orders), and the mass in kg of each (the operation''s weight, else the product''s demould weight) with how many items took each source (mass_from_operation, mass_from_product, mass_unknown: neither known, left out of the mass). Largest first.';
REVOKE ALL ON FUNCTION prodplan.wip(text, timestamptz, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.wip(text, timestamptz, jsonb) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Materials: what a plan needs, and theory against consumption (issue 8).
-- ---------------------------------------------------------------------------
-- The workbook carries gelcoat per product (Modelos: deck and hull kg) but no
-- bill-of-materials sheet: a plant says once which materials and work
-- center those columns mean, and the view joins them to prodplan.bom_line.
CREATE TABLE prodplan.gelcoat_bom (
  plant_id         text PRIMARY KEY REFERENCES prodplan.plant ON DELETE CASCADE,
  work_center_id   text NOT NULL,
  deck_material_id text NOT NULL,
  hull_material_id text NOT NULL
);
COMMENT ON TABLE prodplan.gelcoat_bom IS 'Per plant, what the products'' gelcoat columns mean as a bill of materials: product.gel_deck_kg of deck_material_id and product.gel_hull_kg of hull_material_id, per unit, consumed at work_center_id (the Gelcoat phase). Without a row the columns add nothing to prodplan.bill_of_materials.';
COMMENT ON COLUMN prodplan.gelcoat_bom.work_center_id IS 'The work center that applies the gelcoat.';
COMMENT ON COLUMN prodplan.gelcoat_bom.deck_material_id IS 'The material product.gel_deck_kg is a quantity of.';
COMMENT ON COLUMN prodplan.gelcoat_bom.hull_material_id IS 'The material product.gel_hull_kg is a quantity of.';
GRANT SELECT ON prodplan.gelcoat_bom TO prodplan_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON prodplan.gelcoat_bom TO prodplan_planner;

CREATE VIEW prodplan.bill_of_materials AS
SELECT b.plant_id, b.product_id, b.material_id, b.work_center_id, b.quantity_per_unit, 'bom_line'::text AS source
FROM prodplan.bom_line b
UNION ALL
SELECT p.plant_id, p.product_id, g.deck_material_id, g.work_center_id, p.gel_deck_kg, 'product.gel_deck_kg'
FROM prodplan.product p JOIN prodplan.gelcoat_bom g ON g.plant_id = p.plant_id
WHERE p.gel_deck_kg IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM prodplan.bom_line b WHERE b.plant_id = p.plant_id AND b.product_id = p.product_id AND b.material_id = g.deck_material_id)
UNION ALL
SELECT p.plant_id, p.product_id, g.hull_material_id, g.work_center_id, p.gel_hull_kg, 'product.gel_hull_kg'
FROM prodplan.product p JOIN prodplan.gelcoat_bom g ON g.plant_id = p.plant_id
WHERE p.gel_hull_kg IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM prodplan.bom_line b WHERE b.plant_id = p.plant_id AND b.product_id = p.product_id AND b.material_id = g.hull_material_id);
COMMENT ON VIEW prodplan.bill_of_materials IS 'Every product''s bill of materials: prodplan.bom_line, plus the products'' gelcoat deck and hull kg (the workbook''s Modelos columns) as the materials prodplan.gelcoat_bom names, where bom_line does not already list them. source says which. What material_requirements and material_variance read.';
GRANT SELECT ON prodplan.bill_of_materials TO prodplan_reader;

CREATE FUNCTION prodplan.material_requirements(plan_id bigint)
RETURNS TABLE (material_id text, day date, quantity float8, unit text, orders bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  p record;
BEGIN
  SELECT x.plant_id, x.plan_start INTO p FROM prodplan.plans x WHERE x.plan_id = material_requirements.plan_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'prodplan.material_requirements: no plan %', plan_id USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Plans are listed in prodplan.plans.';
  END IF;
  RETURN QUERY
  WITH steps AS (
    -- The first planned operation of each order at each work center that
    -- has not started by the plan's start: where its bill of materials for
    -- that work center is consumed (work already started drew its material).
    SELECT DISTINCT ON (po.order_id, po.work_center_id) po.order_id, po.work_center_id, po.start_at
    FROM prodplan.planned_operations po
    WHERE po.plan_id = material_requirements.plan_id AND po.start_at >= p.plan_start AND NOT po.is_fixed
    ORDER BY po.order_id, po.work_center_id, po.start_at
  )
  SELECT b.material_id, (s.start_at AT TIME ZONE 'UTC')::date, sum(b.quantity_per_unit * o.quantity), m.unit,
         count(DISTINCT s.order_id)
  FROM steps s
  JOIN prodplan.production_order o ON o.plant_id = p.plant_id AND o.order_id = s.order_id
  JOIN prodplan.bill_of_materials b ON b.plant_id = p.plant_id AND b.product_id = o.product_id AND b.work_center_id = s.work_center_id
  LEFT JOIN prodplan.material m ON m.plant_id = p.plant_id AND m.material_id = b.material_id
  GROUP BY b.material_id, 2, m.unit
  ORDER BY b.material_id, 2;
END
$fn$;
COMMENT ON FUNCTION prodplan.material_requirements(bigint) IS 'The materials a plan needs, per material and UTC day: for every planned order, its product''s bill of materials (prodplan.bill_of_materials, per work center) x the order quantity, due on the day of the order''s first planned operation at that work center that starts at or after the plan start (work already started drew its material). orders: how many orders need it that day.';
REVOKE ALL ON FUNCTION prodplan.material_requirements(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.material_requirements(bigint) TO prodplan_reader;

CREATE FUNCTION prodplan.material_variance(from_ts timestamptz DEFAULT NULL, to_ts timestamptz DEFAULT NULL, options jsonb DEFAULT '{}')
RETURNS TABLE (plant_id text, material_id text, month date, theoretical float8, actual float8, variance float8,
               variance_pct float8, operations bigint, operations_without_bom bigint, unit text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $fn$
#variable_conflict use_column
BEGIN
  PERFORM prodplan.check_options('prodplan.material_variance', options, ARRAY['plant'], 'The option is plant.');
  IF from_ts > to_ts THEN
    RAISE EXCEPTION 'prodplan.material_variance: from_ts (%) is after to_ts (%)', from_ts, to_ts USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  WITH theory AS (
    -- What the finished first passes should have used: the bill of
    -- materials at each operation's work center x the order quantity, in
    -- the month the operation ended.
    SELECT op.plant_id, b.material_id, date_trunc('month', op.ended_at AT TIME ZONE 'UTC')::date AS month,
           sum(b.quantity_per_unit * o.quantity) AS qty, count(*) AS n
    FROM prodplan.operation op
    JOIN prodplan.production_order o ON o.plant_id = op.plant_id AND o.order_id = op.order_id
    JOIN prodplan.bill_of_materials b ON b.plant_id = op.plant_id AND b.product_id = o.product_id AND b.work_center_id = op.work_center_id
    WHERE op.ended_at IS NOT NULL AND NOT op.is_rework
      AND (options ->> 'plant' IS NULL OR op.plant_id = options ->> 'plant')
      AND (from_ts IS NULL OR op.ended_at >= from_ts) AND (to_ts IS NULL OR op.ended_at < to_ts)
    GROUP BY 1, 2, 3
  ), missing AS (
    -- Finished first passes at a work center where the material is used
    -- whose product has no bill of materials for it (an unknown product,
    -- say): consumption the theory cannot explain.
    SELECT op.plant_id, bw.material_id, date_trunc('month', op.ended_at AT TIME ZONE 'UTC')::date AS month, count(*) AS n
    FROM prodplan.operation op
    JOIN (SELECT DISTINCT b.plant_id, b.work_center_id, b.material_id FROM prodplan.bill_of_materials b) bw
      ON bw.plant_id = op.plant_id AND bw.work_center_id = op.work_center_id
    LEFT JOIN prodplan.production_order o ON o.plant_id = op.plant_id AND o.order_id = op.order_id
    WHERE op.ended_at IS NOT NULL AND NOT op.is_rework
      AND (options ->> 'plant' IS NULL OR op.plant_id = options ->> 'plant')
      AND (from_ts IS NULL OR op.ended_at >= from_ts) AND (to_ts IS NULL OR op.ended_at < to_ts)
      AND NOT EXISTS (SELECT 1 FROM prodplan.bill_of_materials b WHERE b.plant_id = op.plant_id AND b.product_id = o.product_id
                      AND b.work_center_id = op.work_center_id AND b.material_id = bw.material_id)
    GROUP BY 1, 2, 3
  ), used AS (
    -- What the stock says was issued (issues are negative movements).
    SELECT sm.plant_id, sm.material_id, date_trunc('month', sm.moved_at AT TIME ZONE 'UTC')::date AS month, -sum(sm.quantity) AS qty
    FROM prodplan.stock_movement sm
    WHERE sm.kind = 'issue' AND (options ->> 'plant' IS NULL OR sm.plant_id = options ->> 'plant')
      AND (from_ts IS NULL OR sm.moved_at >= from_ts) AND (to_ts IS NULL OR sm.moved_at < to_ts)
    GROUP BY 1, 2, 3
  )
  SELECT coalesce(t.plant_id, u.plant_id), coalesce(t.material_id, u.material_id), coalesce(t.month, u.month),
         coalesce(t.qty, 0), coalesce(u.qty, 0), coalesce(u.qty, 0) - coalesce(t.qty, 0),
         CASE WHEN t.qty > 0 THEN 100 * (coalesce(u.qty, 0) - t.qty) / t.qty END, coalesce(t.n, 0), coalesce(mi.n, 0), m.unit
  FROM theory t
  FULL JOIN used u ON u.plant_id = t.plant_id AND u.material_id = t.material_id AND u.month = t.month
  LEFT JOIN missing mi ON mi.plant_id = coalesce(t.plant_id, u.plant_id) AND mi.material_id = coalesce(t.material_id, u.material_id)
                      AND mi.month = coalesce(t.month, u.month)
  LEFT JOIN prodplan.material m ON m.plant_id = coalesce(t.plant_id, u.plant_id) AND m.material_id = coalesce(t.material_id, u.material_id)
  ORDER BY 1, 2, 3;
END
$fn$;
COMMENT ON FUNCTION prodplan.material_variance(timestamptz, timestamptz, jsonb) IS 'Theoretical use of finished production against actual consumption, per plant, material and UTC month in [from_ts, to_ts): theoretical = the bill of materials (prodplan.bill_of_materials) of every finished first-pass operation (not rework) at its work center x its order''s quantity, in the month it ended; actual = the issue movements of prodplan.stock_movement in the month (issued quantities positive); variance = actual - theoretical and variance_pct its share of the theoretical (rework, scrap and over-use show as positive). operations: the finished operations counted; operations_without_bom: finished first passes at a work center that uses the material whose product has no bill of materials for it (e.g. an order of a product missing from the master data): consumption the theory cannot explain.';
REVOKE ALL ON FUNCTION prodplan.material_variance(timestamptz, timestamptz, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.material_variance(timestamptz, timestamptz, jsonb) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Which capacity relieves the plan most (issue 8).
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.bottleneck_relief(plan_id bigint, options jsonb DEFAULT '{}')
RETURNS TABLE (rank int, work_center_id text, name text, change text, scenario_plan_id bigint,
               weighted_tardiness_hours float8, scenario_weighted_tardiness_hours float8, reduction_hours float8,
               late_orders int, scenario_late_orders int, bottleneck_share float8)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  base record;
  n int;
  changes text[];
  shift_start text;
  shift_end text;
  c record;
  ch text;
  scen bigint;
  base_wt float8;
  base_late int;
BEGIN
  PERFORM prodplan.check_options('prodplan.bottleneck_relief', options,
    ARRAY['candidates', 'changes', 'shift_start', 'shift_end', 'time_limit_ms'],
    'Options are candidates (5: the plan''s top bottlenecks tried), changes (["extra_unit", "extra_shift"]), '
    'shift_start (''22:00'') and shift_end (''06:00'') of the extra shift, and time_limit_ms of each what-if (100).');
  SELECT p.* INTO base FROM prodplan.plans p WHERE p.plan_id = bottleneck_relief.plan_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'prodplan.bottleneck_relief: no plan %', plan_id USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Plans are listed in prodplan.plans.';
  END IF;
  BEGIN
    n := coalesce((options ->> 'candidates')::int, 5);
    changes := coalesce((SELECT array_agg(x) FROM jsonb_array_elements_text(options -> 'changes') x), ARRAY['extra_unit', 'extra_shift']);
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'prodplan.bottleneck_relief: candidates must be an integer and changes an array of names: %', SQLERRM
      USING ERRCODE = 'invalid_parameter_value';
  END;
  IF n < 1 OR n > 50 THEN
    RAISE EXCEPTION 'prodplan.bottleneck_relief: candidates must be between 1 and 50, got %', n USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(changes) x WHERE x NOT IN ('extra_unit', 'extra_shift')) OR cardinality(changes) = 0 THEN
    RAISE EXCEPTION 'prodplan.bottleneck_relief: changes must name extra_unit and/or extra_shift, got %', changes
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  shift_start := coalesce(options ->> 'shift_start', '22:00');
  shift_end := coalesce(options ->> 'shift_end', '06:00');
  SELECT k.value, NULL::int INTO base_wt FROM prodplan.plan_kpis(plan_id) k WHERE k.kpi = 'weighted_tardiness';
  SELECT k.value::int INTO base_late FROM prodplan.plan_kpis(plan_id) k WHERE k.kpi = 'late_orders';
  CREATE TEMP TABLE IF NOT EXISTS pp_relief (work_center_id text, change text, scenario bigint, wt float8, late int, share float8)
    ON COMMIT DROP;
  TRUNCATE pp_relief;
  -- Candidates: the plan's top bottlenecks by the active period method.
  FOR c IN SELECT b.work_center_id, b.bottleneck_share FROM prodplan.bottlenecks(source => 'plan', plan_id => bottleneck_relief.plan_id) b
           ORDER BY b.rank LIMIT n LOOP
    FOREACH ch IN ARRAY changes LOOP
      scen := prodplan.whatif(
        CASE ch WHEN 'extra_unit' THEN jsonb_build_array(jsonb_build_object('type', 'capacity', 'work_center', c.work_center_id, 'units_add', 1))
                ELSE jsonb_build_array(jsonb_build_object('type', 'calendar', 'work_center', c.work_center_id, 'action', 'add',
                       'from', base.plan_start, 'to', base.plan_start + make_interval(days => coalesce((base.options ->> 'horizon_days')::int, 90)),
                       'shift', jsonb_build_object('start', shift_start, 'end', shift_end))) END,
        plan_id, jsonb_strip_nulls(jsonb_build_object('time_limit_ms', (options ->> 'time_limit_ms')::int)));
      INSERT INTO pp_relief
      SELECT c.work_center_id, ch, scen,
             (SELECT k.value FROM prodplan.plan_kpis(scen) k WHERE k.kpi = 'weighted_tardiness'),
             (SELECT k.value::int FROM prodplan.plan_kpis(scen) k WHERE k.kpi = 'late_orders'), c.bottleneck_share;
    END LOOP;
  END LOOP;
  RETURN QUERY
  SELECT (row_number() OVER (ORDER BY base_wt - r.wt DESC, r.share DESC, r.work_center_id, r.change))::int,
         r.work_center_id, w.name, r.change, r.scenario, base_wt, r.wt, base_wt - r.wt, base_late, r.late, r.share
  FROM pp_relief r LEFT JOIN prodplan.work_center w ON w.plant_id = base.plant_id AND w.work_center_id = r.work_center_id
  ORDER BY 1;
END
$fn$;
COMMENT ON FUNCTION prodplan.bottleneck_relief(bigint, jsonb) IS 'Which work center''s extra capacity most reduces a plan''s weighted tardiness: for the plan''s top bottlenecks (options.candidates, 5, by prodplan.bottlenecks(source => ''plan'')), a what-if scenario (prodplan.whatif, warm-started from the plan) per change: extra_unit (one more capacity unit) and extra_shift (a shift from shift_start 22:00 to shift_end 06:00 every day of the plan''s horizon). One row per scenario, best first: the scenario''s plan id (compare with prodplan.plan_diff), weighted tardiness and late orders before and after, the reduction, and the work center''s bottleneck share in the plan. Scenarios are stored like any what-if (prodplan.plans, status scenario; a later statement sees them) and reused by the next call on the same plan and data.';
REVOKE ALL ON FUNCTION prodplan.bottleneck_relief(bigint, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.bottleneck_relief(bigint, jsonb) TO prodplan_planner;

-- ---------------------------------------------------------------------------
-- Reorder policy (issue 8).
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.inventory_policy_rows(plant text, as_of timestamptz, service_level float8, options jsonb, plan_id bigint)
RETURNS TABLE (material_id text, abc_class text, xyz_class text, demand_class text, mean_daily_demand float8,
               sd_daily_demand float8, cv float8, lead_time_days float8, lead_time_sd_days float8, method text,
               safety_factor float8, safety_stock float8, reorder_point float8, eoq float8, order_quantity float8,
               on_hand float8, open_supply float8, days_of_cover float8, stockout_day int, stockout_risk_30d float8,
               action text, action_quantity float8, reason text, stock_position float8)
AS 'MODULE_PATHNAME', 'prodplan_inventory_policy_rows'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION prodplan.inventory_policy_rows(text, timestamptz, float8, jsonb, bigint) IS 'The engine of prodplan.inventory_policy: per material of the plant, its daily issues over the history window before as_of, its stock at as_of, its open supply and plan_id''s requirements (NULL: none), through the policy of src/core/inventory/inventory_policy.h.';
REVOKE ALL ON FUNCTION prodplan.inventory_policy_rows(text, timestamptz, float8, jsonb, bigint) FROM PUBLIC;

CREATE FUNCTION prodplan.inventory_policy(service_level float8 DEFAULT 0.95, options jsonb DEFAULT '{}')
RETURNS TABLE (plant_id text, material_id text, name text, unit text, abc_class text, xyz_class text, demand_class text,
               mean_daily_demand float8, sd_daily_demand float8, cv float8, lead_time_days float8, lead_time_sd_days float8,
               method text, safety_factor float8, safety_stock float8, reorder_point float8, eoq float8, order_quantity float8,
               on_hand float8, open_supply float8, stock_position float8, days_of_cover float8, stockout_date date,
               stockout_risk_30d float8, action text, action_quantity float8, reason text, as_of_time timestamptz, plan_id bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  plant text;
  t timestamptz;
  plan bigint;
BEGIN
  PERFORM prodplan.check_options('prodplan.inventory_policy', options,
    ARRAY['plant', 'as_of', 'plan_id', 'fill_rate', 'order_cost', 'holding_rate', 'abc_a', 'abc_b', 'xyz_x', 'xyz_y',
          'excess_days', 'risk_days', 'history_days', 'lead_time_days', 'lead_time_sd_days'],
    'Options are plant, as_of, plan_id, fill_rate (false: service_level is a cycle service level), order_cost (100), holding_rate (0.25 a year), '
    'abc_a (0.8), abc_b (0.95), xyz_x (0.5), xyz_y (1.0), excess_days (180), risk_days (30), history_days (365), lead_time_days and lead_time_sd_days (0).');
  BEGIN
    PERFORM (options ->> 'as_of')::timestamptz, (options ->> 'plan_id')::bigint, (options ->> 'fill_rate')::boolean,
            (options ->> 'order_cost')::float8, (options ->> 'holding_rate')::float8, (options ->> 'abc_a')::float8,
            (options ->> 'abc_b')::float8, (options ->> 'xyz_x')::float8, (options ->> 'xyz_y')::float8,
            (options ->> 'excess_days')::float8, (options ->> 'risk_days')::int, (options ->> 'history_days')::int,
            (options ->> 'lead_time_days')::float8, (options ->> 'lead_time_sd_days')::float8;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'prodplan.inventory_policy: bad option value: %', SQLERRM USING ERRCODE = 'invalid_parameter_value';
  END;
  IF service_level IS NULL OR NOT (service_level > 0 AND service_level < 1) THEN
    RAISE EXCEPTION 'prodplan.inventory_policy: service_level must be in (0, 1), got %', service_level USING ERRCODE = 'invalid_parameter_value';
  END IF;
  plant := prodplan.only_plant(options ->> 'plant', 'prodplan.inventory_policy');
  -- as_of: the option, else the latest stock record (the data may be an
  -- older export), else now.
  t := coalesce((options ->> 'as_of')::timestamptz,
                (SELECT least(now(), greatest(max(b.as_of), (SELECT max(m.moved_at) FROM prodplan.stock_movement m WHERE m.plant_id = plant)))
                 FROM prodplan.stock_balance b WHERE b.plant_id = plant),
                now());
  plan := coalesce((options ->> 'plan_id')::bigint,
                   (SELECT p.plan_id FROM prodplan.plans p WHERE p.plant_id = plant AND p.status IN ('released', 'proposed')
                    ORDER BY (p.status = 'released') DESC, p.plan_id DESC LIMIT 1));
  IF plan IS NOT NULL AND NOT EXISTS (SELECT 1 FROM prodplan.plans p WHERE p.plan_id = plan AND p.plant_id = plant) THEN
    RAISE EXCEPTION 'prodplan.inventory_policy: no plan % of plant %', plan, plant USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  SELECT plant, r.material_id, m.name, m.unit, r.abc_class, r.xyz_class, r.demand_class, r.mean_daily_demand, r.sd_daily_demand,
         r.cv, r.lead_time_days, r.lead_time_sd_days, r.method, r.safety_factor, r.safety_stock, r.reorder_point, r.eoq,
         r.order_quantity, r.on_hand, r.open_supply, r.stock_position, r.days_of_cover,
         (t AT TIME ZONE 'UTC')::date + r.stockout_day, r.stockout_risk_30d, r.action, r.action_quantity, r.reason, t, plan
  FROM prodplan.inventory_policy_rows(plant, t, service_level, options, plan) r
  LEFT JOIN prodplan.material m ON m.plant_id = plant AND m.material_id = r.material_id
  ORDER BY CASE r.action WHEN 'expedite' THEN 0 WHEN 'order_now' THEN 1 WHEN 'excess' THEN 2 ELSE 3 END, r.abc_class, r.material_id;
END
$fn$;
COMMENT ON FUNCTION prodplan.inventory_policy(float8, jsonb) IS 'The reorder policy of every material of a plant (options.plant, or the only plant), as of options.as_of (default: the latest stock record): ABC class by consumption value (cumulative share before the item under abc_a 80% -> A, under abc_b 95% -> B, else C; unit cost x mean daily issues), XYZ class by the coefficient of variation of daily demand (<= xyz_x 0.5 X, <= xyz_y 1.0 Y, else Z), demand class (smooth, intermittent, erratic, lumpy by ADI 1.32 and CV2 0.49), mean and sigma of daily demand from the issues of the last history_days (365), lead time (material.supplier_lead_time_days, or options.lead_time_days) and its sigma (options.lead_time_sd_days, 0: the data holds no supplier history), safety stock k x sqrt(L sigma_d^2 + d^2 sigma_L^2) with k the one-sided z of the cycle service level (or, with fill_rate true, the k whose normal loss G(k) = (1 - fill rate) Q / sigma_LTD, by bisection), for intermittent and lumpy demand the service-level quantile of the history''s lead-time demand windows instead (method empirical), reorder point = d L + safety stock, EOQ = sqrt(2 D order_cost / (holding_rate x unit cost)), the order quantity (max of EOQ and the minimum order; 30 days of demand without a unit cost), on hand, open supply, days of cover, the projected stock-out date (on hand + supply as it falls due - the current plan''s material requirements day by day, the mean daily demand beyond the plan), the probability of a stock-out within risk_days (30: demand over those days above on hand plus supply due by then; normal, or from historical windows for intermittent demand), and an action: expedite (a stock-out projected within the lead time, before open supply arrives), order_now (stock position at or below the reorder point, or a stock-out within the lead time; action_quantity in whole lots lifts the position above the reorder point), excess (cover beyond excess_days 180 and above reorder point plus a lot), ok, or no_demand; reason says why. The plan is options.plan_id, else the released (else newest proposed) plan.';
REVOKE ALL ON FUNCTION prodplan.inventory_policy(float8, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.inventory_policy(float8, jsonb) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Demand forecasts (issue 8).
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.forecast_series(plant text, ids text[], kind text, as_of timestamptz, history_days int, horizon int, method text)
RETURNS TABLE (series_id text, day date, forecast float8, lo80 float8, hi80 float8, lo95 float8, hi95 float8, method text,
               demand_class text, adi float8, cv2 float8, mase float8, naive_mase float8, alpha float8, beta float8, gamma float8,
               note text)
AS 'MODULE_PATHNAME', 'prodplan_forecast_series'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION prodplan.forecast_series(text, text[], text, timestamptz, int, int, text) IS 'The engine of prodplan.forecast and forecast_all: the daily demand of each id (NULL: every material, or every product) over the history_days before as_of''s UTC day (kind material: issue movements; product: ordered quantities by creation day), forecast horizon days from as_of''s day by src/core/forecast/forecaster.h.';
REVOKE ALL ON FUNCTION prodplan.forecast_series(text, text[], text, timestamptz, int, int, text) FROM PUBLIC;

CREATE FUNCTION prodplan.forecast_setup(id text, options jsonb, who text, OUT plant text, OUT kind text, OUT as_of timestamptz, OUT history_days int)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  PERFORM prodplan.check_options(who, options, ARRAY['plant', 'as_of', 'history_days', 'kind'],
    'Options are plant, as_of (default: the day after the latest data), history_days (730) and kind (material or product).');
  BEGIN
    as_of := (options ->> 'as_of')::timestamptz;
    history_days := coalesce((options ->> 'history_days')::int, 730);
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION '%: bad option value: %', who, SQLERRM USING ERRCODE = 'invalid_parameter_value';
  END;
  plant := prodplan.only_plant(options ->> 'plant', who);
  kind := options ->> 'kind';
  IF kind IS NOT NULL AND kind NOT IN ('material', 'product') THEN
    RAISE EXCEPTION '%: kind must be material or product, got %', who, kind USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF id IS NOT NULL AND kind IS NULL THEN
    -- A material, else a finished product (forecast from its orders).
    IF EXISTS (SELECT 1 FROM prodplan.material m WHERE m.plant_id = plant AND m.material_id = id) THEN
      kind := 'material';
    ELSIF EXISTS (SELECT 1 FROM prodplan.product p WHERE p.plant_id = plant AND p.product_id = id)
       OR EXISTS (SELECT 1 FROM prodplan.production_order o WHERE o.plant_id = plant AND o.product_id = id) THEN
      kind := 'product';
    ELSE
      RAISE EXCEPTION '%: "%" is neither a material nor a product of plant %', who, id, plant USING ERRCODE = 'invalid_parameter_value',
        HINT = 'Materials are in prodplan.material, products in prodplan.product and prodplan.production_order.';
    END IF;
  END IF;
  kind := coalesce(kind, 'material');
  IF as_of IS NULL THEN
    -- The day after the latest data: exports are older than today.
    IF kind = 'material' THEN
      SELECT date_trunc('day', max(m.moved_at) AT TIME ZONE 'UTC') + interval '1 day' INTO as_of
      FROM prodplan.stock_movement m WHERE m.plant_id = plant AND m.kind = 'issue';
    ELSE
      SELECT date_trunc('day', max(o.created_at) AT TIME ZONE 'UTC') + interval '1 day' INTO as_of
      FROM prodplan.production_order o WHERE o.plant_id = plant;
    END IF;
    as_of := coalesce(least(as_of AT TIME ZONE 'UTC', now()), now());
  END IF;
END
$fn$;
COMMENT ON FUNCTION prodplan.forecast_setup(text, jsonb, text) IS 'Checks a forecast''s options and resolves its plant, its kind (material when id is one, else product) and as_of (default: the UTC day after the latest issue or order), naming the function who asked.';
REVOKE ALL ON FUNCTION prodplan.forecast_setup(text, jsonb, text) FROM PUBLIC;

CREATE FUNCTION prodplan.forecast(material_id text, horizon int DEFAULT 30, method text DEFAULT 'auto', options jsonb DEFAULT '{}')
RETURNS TABLE (day date, forecast float8, lo80 float8, hi80 float8, lo95 float8, hi95 float8, method_used text,
               demand_class text, adi float8, cv2 float8, mase float8, naive_mase float8, alpha float8, beta float8, gamma float8,
               note text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  s record;
BEGIN
  IF material_id IS NULL THEN
    RAISE EXCEPTION 'prodplan.forecast: material_id must not be NULL (prodplan.forecast_all forecasts every material)'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  s := prodplan.forecast_setup(material_id, options, 'prodplan.forecast');
  RETURN QUERY
  SELECT f.day, f.forecast, f.lo80, f.hi80, f.lo95, f.hi95, f.method, f.demand_class, f.adi, f.cv2, f.mase, f.naive_mase,
         f.alpha, f.beta, f.gamma, f.note
  FROM prodplan.forecast_series(s.plant, ARRAY[material_id], s.kind, s.as_of, s.history_days, horizon, method) f
  ORDER BY f.day;
END
$fn$;
COMMENT ON FUNCTION prodplan.forecast(text, int, text, jsonb) IS 'Daily demand forecast of a material (from its issue movements) or, when the id is a finished product, of its orders (ordered quantity by creation day), for horizon days (30) from options.as_of (default: the UTC day after the latest data), fitted on the history_days (730) before it. method: naive, ses, holt, holt_winters (weekly season), croston, sba, tsb, adida, or auto (default): the series is classed by ADI and CV2 (smooth, intermittent, erratic, lumpy) and the method fit for its class with the lowest rolling-origin MASE is chosen. Parameters minimise the in-sample one-step squared error (grid and golden-section search, deterministic). Per day: the forecast and its 80% and 95% intervals (empirical quantiles of the method''s errors at each horizon step over the last 365 origins, clipped at 0), the method used, the class, ADI, CV2, the MASE of the method and of naive, the fitted parameters, and a note when a requested method could not be used.';
REVOKE ALL ON FUNCTION prodplan.forecast(text, int, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.forecast(text, int, text, jsonb) TO prodplan_reader;

CREATE FUNCTION prodplan.forecast_all(horizon int DEFAULT 30, method text DEFAULT 'auto', options jsonb DEFAULT '{}')
RETURNS TABLE (series_id text, kind text, day date, forecast float8, lo80 float8, hi80 float8, lo95 float8, hi95 float8,
               method_used text, demand_class text, adi float8, cv2 float8, mase float8, naive_mase float8, note text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  s record;
BEGIN
  s := prodplan.forecast_setup(NULL, options, 'prodplan.forecast_all');
  RETURN QUERY
  SELECT f.series_id, s.kind, f.day, f.forecast, f.lo80, f.hi80, f.lo95, f.hi95, f.method, f.demand_class, f.adi, f.cv2,
         f.mase, f.naive_mase, f.note
  FROM prodplan.forecast_series(s.plant, NULL, s.kind, s.as_of, s.history_days, horizon, method) f
  ORDER BY f.series_id, f.day;
END
$fn$;
COMMENT ON FUNCTION prodplan.forecast_all(int, text, jsonb) IS 'prodplan.forecast for every material of the plant at once (options.kind product: every product, from its orders); the same options, one row per series and day.';
REVOKE ALL ON FUNCTION prodplan.forecast_all(int, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.forecast_all(int, text, jsonb) TO prodplan_reader;

-- ===========================================================================
-- Defect analytics from aggregates (issue 7).
-- ===========================================================================
-- ---------------------------------------------------------------------------
-- Quality aggregates (issue 7): defect_rates and defect_heatmap served from
-- incrementally maintained aggregates, with results identical to the
-- base-table computation.
--
-- Two aggregates join prodplan.aggregate_watermark / aggregate_invalidation
-- and prodplan.refresh_aggregates():
--
--   quality_order_day: keyed by the UTC day an ORDER WAS CREATED. Every
--     order belongs to exactly one such day, so distinct order counts add
--     across days. Two tables: agg_quality_order_day (plant x day x product:
--     orders, orders with defects, defects and severity sums, per severity,
--     and of defects whose culprit is unknown) and
--     agg_quality_work_center_day (plant x day x work center: orders that
--     had an operation there, orders / defects / severity blamed on it
--     (culprit) and found there (evaluating phase)). A day's rows depend on
--     the orders created that day, their operations and defects, and the
--     operations those defects blame; the statement triggers below log the
--     creation days of every order whose figures a statement can change.
--
--   defect_cell_day: keyed by the UTC day a DEFECT WAS DETECTED: one row
--     per plant x day x evaluating work center x culprit work center x
--     order (defects, severity sum) in agg_defect_cell_day, and one per
--     (cell, order) pair over all its days in agg_defect_cell_order (first
--     and last day, totals). A window of whole days counts a pair whose
--     first and last day it holds from the pair row (no count(DISTINCT)
--     over the day rows); the few pairs crossing its ends, from their day
--     rows. A day's rows depend on the defects detected that day and the
--     operations they blame.
--
-- Both are recomputed (never added to) per logged range, all of a plant's
-- ranges in one pass: distinct counts do not add. Readers (defect_rates,
-- defect_heatmap) answer from the aggregate for the whole UTC days of their
-- window that no pending log entry names, and from the base tables (the
-- same partials functions the refresh uses) for the partial days at the
-- window's ends and the days changed since the last refresh, so a result
-- is current between refreshes. When the aggregate was never refreshed (or
-- a source was truncated), too many days changed (over 62 days or 32 runs),
-- or the window holds no whole day, they run the base-table computation
-- (prodplan.defect_rates_base / defect_heatmap_base, 0.7.0's). Either way
-- the result equals the base-table computation (the property test
-- tests/integration/test_defect_aggregates.sh; bench:
-- tests/bench/bench_defect_analytics.sh). Refreshing inside a reader was
-- not chosen: readers are STABLE, may run on a standby or as a role that
-- cannot write, and would queue behind writers on the watermark locks.
--
-- The culprit operation's work center is the smallest work center id among
-- the rows with that operation id (as agg_defect_day has always done); the
-- base-table functions now do the same instead of taking an arbitrary one.
-- ---------------------------------------------------------------------------
INSERT INTO prodplan.aggregate_watermark (aggregate) VALUES ('quality_order_day'), ('defect_cell_day');

CREATE TABLE prodplan.agg_quality_order_day (
  day                           date NOT NULL,
  plant_id                      text NOT NULL,
  product_id                    text NOT NULL,
  orders                        bigint NOT NULL,
  orders_with_defects           bigint NOT NULL,
  defects                       bigint NOT NULL,
  severity_sum                  bigint NOT NULL,
  orders_severity_1             bigint NOT NULL,
  orders_severity_2             bigint NOT NULL,
  orders_severity_3             bigint NOT NULL,
  defects_severity_1            bigint NOT NULL,
  defects_severity_2            bigint NOT NULL,
  defects_severity_3            bigint NOT NULL,
  orders_unknown_culprit        bigint NOT NULL,
  defects_unknown_culprit       bigint NOT NULL,
  severity_sum_unknown_culprit  bigint NOT NULL,
  PRIMARY KEY (day, plant_id, product_id)
);
COMMENT ON TABLE prodplan.agg_quality_order_day IS 'Defect figures of the production orders created on a UTC day, per plant and product (incremental aggregate "quality_order_day"; prodplan.refresh_aggregates). Each order counts on its creation day only, so every column adds across days, distinct order counts included. Defects count when their order is in prodplan.production_order. What prodplan.defect_rates reads for overall, product, week, severity and the "(unknown)" culprit.';
COMMENT ON COLUMN prodplan.agg_quality_order_day.day IS 'UTC day of the orders'' created_at.';
COMMENT ON COLUMN prodplan.agg_quality_order_day.plant_id IS 'The orders'' plant.';
COMMENT ON COLUMN prodplan.agg_quality_order_day.product_id IS 'The orders'' product_id.';
COMMENT ON COLUMN prodplan.agg_quality_order_day.orders IS 'Orders created on the day.';
COMMENT ON COLUMN prodplan.agg_quality_order_day.orders_with_defects IS 'Of those, orders with at least one defect.';
COMMENT ON COLUMN prodplan.agg_quality_order_day.defects IS 'Defects of those orders.';
COMMENT ON COLUMN prodplan.agg_quality_order_day.severity_sum IS 'Sum of those defects'' severities (mean = severity_sum / defects).';
COMMENT ON COLUMN prodplan.agg_quality_order_day.orders_severity_1 IS 'Orders with at least one defect of severity 1.';
COMMENT ON COLUMN prodplan.agg_quality_order_day.orders_severity_2 IS 'Orders with at least one defect of severity 2.';
COMMENT ON COLUMN prodplan.agg_quality_order_day.orders_severity_3 IS 'Orders with at least one defect of severity 3.';
COMMENT ON COLUMN prodplan.agg_quality_order_day.defects_severity_1 IS 'Defects of severity 1.';
COMMENT ON COLUMN prodplan.agg_quality_order_day.defects_severity_2 IS 'Defects of severity 2.';
COMMENT ON COLUMN prodplan.agg_quality_order_day.defects_severity_3 IS 'Defects of severity 3.';
COMMENT ON COLUMN prodplan.agg_quality_order_day.orders_unknown_culprit IS 'Orders with at least one defect whose culprit work center is unknown (no culprit operation, or none in prodplan.operation).';
COMMENT ON COLUMN prodplan.agg_quality_order_day.defects_unknown_culprit IS 'Defects whose culprit work center is unknown.';
COMMENT ON COLUMN prodplan.agg_quality_order_day.severity_sum_unknown_culprit IS 'Sum of their severities.';

CREATE TABLE prodplan.agg_quality_work_center_day (
  day                     date NOT NULL,
  plant_id                text NOT NULL,
  work_center_id          text NOT NULL,
  orders_visited          bigint NOT NULL,
  orders_culprit          bigint NOT NULL,
  defects_culprit         bigint NOT NULL,
  severity_sum_culprit    bigint NOT NULL,
  orders_evaluated        bigint NOT NULL,
  defects_evaluated       bigint NOT NULL,
  severity_sum_evaluated  bigint NOT NULL,
  PRIMARY KEY (day, plant_id, work_center_id)
);
COMMENT ON TABLE prodplan.agg_quality_work_center_day IS 'Per work center, defect figures of the production orders created on a UTC day (incremental aggregate "quality_order_day", with prodplan.agg_quality_order_day): which orders went through it, had defects blamed on it (its operation is the culprit) or found there (evaluating phase). Each order counts on its creation day only, so every column adds across days. What prodplan.defect_rates reads for work_center and evaluating_phase.';
COMMENT ON COLUMN prodplan.agg_quality_work_center_day.day IS 'UTC day of the orders'' created_at.';
COMMENT ON COLUMN prodplan.agg_quality_work_center_day.plant_id IS 'The orders'' plant.';
COMMENT ON COLUMN prodplan.agg_quality_work_center_day.work_center_id IS 'A work center an order of the day visited, was blamed on or was evaluated at.';
COMMENT ON COLUMN prodplan.agg_quality_work_center_day.orders_visited IS 'Orders of the day with an operation at the work center.';
COMMENT ON COLUMN prodplan.agg_quality_work_center_day.orders_culprit IS 'Orders of the day with a defect whose culprit operation is at the work center (the culprit''s work center: the smallest among the rows with that operation id).';
COMMENT ON COLUMN prodplan.agg_quality_work_center_day.defects_culprit IS 'Those defects.';
COMMENT ON COLUMN prodplan.agg_quality_work_center_day.severity_sum_culprit IS 'Sum of their severities.';
COMMENT ON COLUMN prodplan.agg_quality_work_center_day.orders_evaluated IS 'Orders of the day with a defect found at the work center (evaluation_work_center_id).';
COMMENT ON COLUMN prodplan.agg_quality_work_center_day.defects_evaluated IS 'Those defects.';
COMMENT ON COLUMN prodplan.agg_quality_work_center_day.severity_sum_evaluated IS 'Sum of their severities.';

CREATE TABLE prodplan.agg_defect_cell_day (
  day                        date NOT NULL,
  plant_id                   text NOT NULL,
  evaluation_work_center_id  text NOT NULL,
  culprit_work_center_id     text NOT NULL,
  order_id                   text NOT NULL,
  defects                    bigint NOT NULL,
  severity_sum               bigint NOT NULL,
  PRIMARY KEY (day, plant_id, evaluation_work_center_id, culprit_work_center_id, order_id)
);
COMMENT ON TABLE prodplan.agg_defect_cell_day IS 'Defects per UTC day of detection, plant, evaluating work center, culprit work center and order (incremental aggregate "defect_cell_day"; prodplan.refresh_aggregates): the cells of prodplan.defect_heatmap, kept per order so that distinct orders over any range of days are count(DISTINCT order_id). Counts every defect, whether or not its order is in prodplan.production_order (as prodplan.defects_found does).';
COMMENT ON COLUMN prodplan.agg_defect_cell_day.day IS 'UTC day of the defects'' detected_at.';
COMMENT ON COLUMN prodplan.agg_defect_cell_day.plant_id IS 'The defects'' plant.';
COMMENT ON COLUMN prodplan.agg_defect_cell_day.evaluation_work_center_id IS 'The work center that found them (the heatmap''s evaluating phase).';
COMMENT ON COLUMN prodplan.agg_defect_cell_day.culprit_work_center_id IS 'The work center of the operation they are blamed on (the smallest among the rows with that operation id); ''(unknown)'' when there is no culprit operation or it is not in prodplan.operation.';
COMMENT ON COLUMN prodplan.agg_defect_cell_day.order_id IS 'The defects'' order.';
COMMENT ON COLUMN prodplan.agg_defect_cell_day.defects IS 'Defects of the order in the cell on the day.';
COMMENT ON COLUMN prodplan.agg_defect_cell_day.severity_sum IS 'Sum of their severities.';
-- The re-derivation of a (cell, order) pair and the readers look its days up by order.
CREATE INDEX agg_defect_cell_day_order_idx ON prodplan.agg_defect_cell_day (plant_id, order_id);

CREATE TABLE prodplan.agg_defect_cell_order (
  plant_id                   text NOT NULL,
  evaluation_work_center_id  text NOT NULL,
  culprit_work_center_id     text NOT NULL,
  order_id                   text NOT NULL,
  first_day                  date NOT NULL,
  last_day                   date NOT NULL,
  defects                    bigint NOT NULL,
  severity_sum               bigint NOT NULL,
  PRIMARY KEY (plant_id, evaluation_work_center_id, culprit_work_center_id, order_id)
);
COMMENT ON TABLE prodplan.agg_defect_cell_order IS 'Each (heatmap cell, order) pair of prodplan.agg_defect_cell_day over all its days (part of the incremental aggregate "defect_cell_day", re-derived by the refresh for every pair with a day in a recomputed range): a window of whole days that holds a pair''s first and last day counts the pair once without a count(DISTINCT) over the day rows; pairs crossing the window''s ends or days changed since the last refresh are counted from their day rows.';
COMMENT ON COLUMN prodplan.agg_defect_cell_order.plant_id IS 'The defects'' plant.';
COMMENT ON COLUMN prodplan.agg_defect_cell_order.evaluation_work_center_id IS 'The work center that found them.';
COMMENT ON COLUMN prodplan.agg_defect_cell_order.culprit_work_center_id IS 'The work center they are blamed on, ''(unknown)'' when unknown (as in agg_defect_cell_day).';
COMMENT ON COLUMN prodplan.agg_defect_cell_order.order_id IS 'The defects'' order.';
COMMENT ON COLUMN prodplan.agg_defect_cell_order.first_day IS 'The first UTC day of detection of the order''s defects in the cell.';
COMMENT ON COLUMN prodplan.agg_defect_cell_order.last_day IS 'The last UTC day of detection of the order''s defects in the cell.';
COMMENT ON COLUMN prodplan.agg_defect_cell_order.defects IS 'The order''s defects in the cell, all days.';
COMMENT ON COLUMN prodplan.agg_defect_cell_order.severity_sum IS 'Sum of their severities.';

-- ---------------------------------------------------------------------------
-- Partials from the base tables: what a set of day ranges of a plant holds
-- in the aggregates, computed from the source tables. The refresh writes
-- them (one pass per plant over all its changed ranges); the readers use
-- them for the partial days at a window's ends and the days changed since
-- the last refresh. Ranges are [t0s[i], t1s[i]) and must not overlap.
--
-- Plans: a few orders or defects (a day's) find their operations, defects
-- and culprits by index; many (a full computation) hash-join. The planner
-- cannot tell which from the partitioned tables' statistics (autovacuum
-- never analyzes a partitioned parent, so its distinct counts are
-- defaults), so the functions count the rows first and turn join methods
-- off for the call (their SET clauses restore the settings on exit).
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.agg_quality_partials(plant text, t0s timestamptz[], t1s timestamptz[])
RETURNS TABLE (plant_id text, day date, product_id text, work_center_id text,
               orders bigint, orders_with_defects bigint, defects bigint, severity_sum bigint,
               orders_severity_1 bigint, orders_severity_2 bigint, orders_severity_3 bigint,
               defects_severity_1 bigint, defects_severity_2 bigint, defects_severity_3 bigint,
               orders_unknown_culprit bigint, defects_unknown_culprit bigint, severity_sum_unknown_culprit bigint,
               orders_visited bigint, orders_culprit bigint, defects_culprit bigint, severity_sum_culprit bigint,
               orders_evaluated bigint, defects_evaluated bigint, severity_sum_evaluated bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
-- The two statements below are planned once per session (see there).
SET plan_cache_mode = force_generic_plan
-- Compiling these statements costs more than running them.
SET jit = off
-- Restored on exit (a large computation turns nested loops off).
SET enable_nestloop = on
AS $fn$
#variable_conflict use_column
DECLARE
  n   bigint;
  ids text[];
BEGIN
  IF plant IS NULL THEN
    -- Plant by plant (those with orders in the ranges).
    RETURN QUERY
    SELECT x.* FROM (SELECT DISTINCT po.plant_id FROM prodplan.production_order po, unnest(t0s, t1s) AS r(t0, t1)
                     WHERE po.created_at >= r.t0 AND po.created_at < r.t1) l
    CROSS JOIN LATERAL prodplan.agg_quality_partials(l.plant_id, t0s, t1s) x;
    RETURN;
  END IF;
  SELECT count(*) INTO n FROM unnest(t0s, t1s) AS r(t0, t1)
  JOIN prodplan.production_order po ON po.plant_id = plant AND po.created_at >= r.t0 AND po.created_at < r.t1;
  IF n = 0 THEN
    RETURN;
  END IF;
  -- Two statements, each planned once per session (planning over every
  -- monthly partition costs more than running it for a day): a few orders
  -- (up to 200: a day's, a reader's) find their operations, defects and
  -- culprits by key; many (a refresh's) hash-join, nested loops off. The
  -- planner cannot pick between them itself: autovacuum never analyzes a
  -- partitioned parent, so its distinct counts are defaults.
  IF n <= 200 THEN
    -- The orders first; then every table by key (= ANY: index scans of
    -- each monthly partition, whatever the estimates).
    SELECT array_agg(po.order_id) INTO ids FROM unnest(t0s, t1s) AS r(t0, t1)
    JOIN prodplan.production_order po ON po.plant_id = plant AND po.created_at >= r.t0 AND po.created_at < r.t1;
    RETURN QUERY
    WITH o AS NOT MATERIALIZED (
      SELECT po.plant_id, po.order_id, po.product_id, (po.created_at AT TIME ZONE 'UTC')::date AS day
      FROM prodplan.production_order po
      WHERE po.plant_id = plant AND po.order_id = ANY (ids)
    ), d0 AS MATERIALIZED (
      SELECT d.plant_id, d.order_id, o.day, d.severity, d.evaluation_work_center_id, d.culprit_operation_id
      FROM prodplan.defect d JOIN o ON o.plant_id = d.plant_id AND o.order_id = d.order_id
      WHERE d.plant_id = plant AND d.order_id = ANY (ids)
    ), c AS (
      SELECT op.plant_id, op.operation_id, min(op.work_center_id) AS work_center_id
      FROM prodplan.operation op
      WHERE op.plant_id = plant AND op.operation_id = ANY (ARRAY(SELECT d0.culprit_operation_id FROM d0))
      GROUP BY op.plant_id, op.operation_id
    ), d AS MATERIALIZED (
      SELECT d0.*, c.work_center_id AS culprit_work_center_id
      FROM d0 LEFT JOIN c ON c.plant_id = d0.plant_id AND c.operation_id = d0.culprit_operation_id
    ), per_order AS (
      SELECT o.plant_id, o.day, o.product_id, o.order_id,
             count(d.order_id) AS n, coalesce(sum(d.severity), 0) AS s,
             count(*) FILTER (WHERE d.severity = 1) AS n1, count(*) FILTER (WHERE d.severity = 2) AS n2,
             count(*) FILTER (WHERE d.severity = 3) AS n3,
             count(*) FILTER (WHERE d.order_id IS NOT NULL AND d.culprit_work_center_id IS NULL) AS nu,
             coalesce(sum(d.severity) FILTER (WHERE d.culprit_work_center_id IS NULL), 0) AS su
      FROM o LEFT JOIN d ON d.plant_id = o.plant_id AND d.order_id = o.order_id
      GROUP BY o.plant_id, o.order_id, o.day, o.product_id
    ), per_wc AS (
      SELECT x.plant_id, x.day, x.order_id, x.work_center_id, bool_or(x.visited) AS visited,
             sum(x.cn) AS cn, sum(x.cs) AS cs, sum(x.en) AS en, sum(x.es) AS es
      FROM (SELECT o.plant_id, o.day, o.order_id, op.work_center_id, true AS visited,
                   0 AS cn, 0 AS cs, 0 AS en, 0 AS es
            FROM prodplan.operation op JOIN o ON o.plant_id = op.plant_id AND o.order_id = op.order_id
            WHERE op.plant_id = plant AND op.order_id = ANY (ids)
            UNION ALL
            SELECT d.plant_id, d.day, d.order_id, d.culprit_work_center_id, false, 1, d.severity, 0, 0
            FROM d WHERE d.culprit_work_center_id IS NOT NULL
            UNION ALL
            SELECT d.plant_id, d.day, d.order_id, d.evaluation_work_center_id, false, 0, 0, 1, d.severity
            FROM d) x
      GROUP BY x.plant_id, x.day, x.order_id, x.work_center_id
    )
    SELECT p.plant_id, p.day, p.product_id, NULL::text,
           count(*), count(*) FILTER (WHERE p.n > 0), sum(p.n)::bigint, sum(p.s)::bigint,
           count(*) FILTER (WHERE p.n1 > 0), count(*) FILTER (WHERE p.n2 > 0), count(*) FILTER (WHERE p.n3 > 0),
           sum(p.n1)::bigint, sum(p.n2)::bigint, sum(p.n3)::bigint,
           count(*) FILTER (WHERE p.nu > 0), sum(p.nu)::bigint, sum(p.su)::bigint,
           0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint
    FROM per_order p
    GROUP BY p.plant_id, p.day, p.product_id
    UNION ALL
    SELECT w.plant_id, w.day, NULL::text, w.work_center_id,
           0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint,
           0::bigint, 0::bigint, 0::bigint,
           count(*) FILTER (WHERE w.visited), count(*) FILTER (WHERE w.cn > 0), sum(w.cn)::bigint, sum(w.cs)::bigint,
           count(*) FILTER (WHERE w.en > 0), sum(w.en)::bigint, sum(w.es)::bigint
    FROM per_wc w
    GROUP BY w.plant_id, w.day, w.work_center_id;
  ELSE
    PERFORM set_config('enable_nestloop', 'off', true);
    RETURN QUERY
  WITH o AS NOT MATERIALIZED (
    -- The orders created in the ranges.
    SELECT po.plant_id, po.order_id, po.product_id, (po.created_at AT TIME ZONE 'UTC')::date AS day
    FROM unnest(t0s, t1s) AS r(t0, t1)
    JOIN prodplan.production_order po ON po.plant_id = plant AND po.created_at >= r.t0 AND po.created_at < r.t1
  ), d0 AS NOT MATERIALIZED (
    SELECT d.plant_id, d.order_id, o.day, d.severity, d.evaluation_work_center_id, d.culprit_operation_id
    FROM prodplan.defect d JOIN o ON o.plant_id = d.plant_id AND o.order_id = d.order_id
  ), c AS (
    -- The culprit operations' work centers (the smallest of an operation id
    -- stored twice).
    SELECT op.plant_id, op.operation_id, min(op.work_center_id) AS work_center_id
    FROM prodplan.operation op
    WHERE op.plant_id = plant AND op.operation_id IN (SELECT d0.culprit_operation_id FROM d0)
    GROUP BY op.plant_id, op.operation_id
  ), d AS MATERIALIZED (
    SELECT d0.*, c.work_center_id AS culprit_work_center_id
    FROM d0 LEFT JOIN c ON c.plant_id = d0.plant_id AND c.operation_id = d0.culprit_operation_id
  ), per_order AS (
    SELECT o.plant_id, o.day, o.product_id, o.order_id,
           count(d.order_id) AS n, coalesce(sum(d.severity), 0) AS s,
           count(*) FILTER (WHERE d.severity = 1) AS n1, count(*) FILTER (WHERE d.severity = 2) AS n2,
           count(*) FILTER (WHERE d.severity = 3) AS n3,
           count(*) FILTER (WHERE d.order_id IS NOT NULL AND d.culprit_work_center_id IS NULL) AS nu,
           coalesce(sum(d.severity) FILTER (WHERE d.culprit_work_center_id IS NULL), 0) AS su
    FROM o LEFT JOIN d ON d.plant_id = o.plant_id AND d.order_id = o.order_id
    GROUP BY o.plant_id, o.order_id, o.day, o.product_id
  ), per_wc AS (
    -- (order, work center): visited, defects blamed there, defects found there.
    SELECT x.plant_id, x.day, x.order_id, x.work_center_id, bool_or(x.visited) AS visited,
           sum(x.cn) AS cn, sum(x.cs) AS cs, sum(x.en) AS en, sum(x.es) AS es
    FROM (SELECT o.plant_id, o.day, o.order_id, op.work_center_id, true AS visited,
                 0 AS cn, 0 AS cs, 0 AS en, 0 AS es
          FROM prodplan.operation op JOIN o ON o.plant_id = op.plant_id AND o.order_id = op.order_id
          UNION ALL
          SELECT d.plant_id, d.day, d.order_id, d.culprit_work_center_id, false, 1, d.severity, 0, 0
          FROM d WHERE d.culprit_work_center_id IS NOT NULL
          UNION ALL
          SELECT d.plant_id, d.day, d.order_id, d.evaluation_work_center_id, false, 0, 0, 1, d.severity
          FROM d) x
    GROUP BY x.plant_id, x.day, x.order_id, x.work_center_id
  )
  SELECT p.plant_id, p.day, p.product_id, NULL::text,
         count(*), count(*) FILTER (WHERE p.n > 0), sum(p.n)::bigint, sum(p.s)::bigint,
         count(*) FILTER (WHERE p.n1 > 0), count(*) FILTER (WHERE p.n2 > 0), count(*) FILTER (WHERE p.n3 > 0),
         sum(p.n1)::bigint, sum(p.n2)::bigint, sum(p.n3)::bigint,
         count(*) FILTER (WHERE p.nu > 0), sum(p.nu)::bigint, sum(p.su)::bigint,
         0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint
  FROM per_order p
  GROUP BY p.plant_id, p.day, p.product_id
  UNION ALL
  SELECT w.plant_id, w.day, NULL::text, w.work_center_id,
         0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint,
         0::bigint, 0::bigint, 0::bigint,
         count(*) FILTER (WHERE w.visited), count(*) FILTER (WHERE w.cn > 0), sum(w.cn)::bigint, sum(w.cs)::bigint,
         count(*) FILTER (WHERE w.en > 0), sum(w.en)::bigint, sum(w.es)::bigint
  FROM per_wc w
  GROUP BY w.plant_id, w.day, w.work_center_id;
  END IF;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_quality_partials(text, timestamptz[], timestamptz[]) IS 'From the base tables: the rows of the "quality_order_day" aggregate for the orders of a plant (NULL: every plant) created in the ranges [t0s[i], t1s[i]) (not overlapping): rows with work_center_id NULL are prodplan.agg_quality_order_day''s (per UTC creation day and product), rows with product_id NULL are prodplan.agg_quality_work_center_day''s (per day and work center; their other columns are 0). Used by the refresh and, for partial days and days changed since the last refresh, by prodplan.defect_rates.';

CREATE FUNCTION prodplan.agg_defect_cell_partials(plant text, t0s timestamptz[], t1s timestamptz[])
RETURNS TABLE (plant_id text, day date, evaluation_work_center_id text, culprit_work_center_id text, order_id text,
               defects bigint, severity_sum bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
-- The statements below are planned once per session (see there).
SET plan_cache_mode = force_generic_plan
SET jit = off
-- Restored on exit (a large computation turns nested loops off).
SET enable_nestloop = on
AS $fn$
#variable_conflict use_column
DECLARE
  n      bigint := 0;
  k      int;
  plants text[] := '{}';
BEGIN
  -- Range by range: each statement's bounds prune the defects' monthly
  -- partitions (a join with the ranges would not).
  IF plant IS NULL THEN
    -- Plant by plant (those with defects in the ranges).
    FOR k IN 1 .. coalesce(cardinality(t0s), 0) LOOP
      plants := plants || ARRAY(SELECT DISTINCT x.plant_id FROM prodplan.defect x
                                WHERE x.detected_at >= t0s[k] AND x.detected_at < t1s[k]);
    END LOOP;
    RETURN QUERY
    SELECT x.* FROM (SELECT DISTINCT u.p FROM unnest(plants) AS u(p)) l
    CROSS JOIN LATERAL prodplan.agg_defect_cell_partials(l.p, t0s, t1s) x;
    RETURN;
  END IF;
  FOR k IN 1 .. coalesce(cardinality(t0s), 0) LOOP
    n := n + (SELECT count(*) FROM prodplan.defect x
              WHERE x.plant_id = plant AND x.detected_at >= t0s[k] AND x.detected_at < t1s[k]);
  END LOOP;
  IF n = 0 THEN
    RETURN;
  END IF;
  -- As agg_quality_partials: a few defects (a day's) look their culprits up
  -- by key; many hash-join (nested loops off).
  IF n <= 2000 THEN
    FOR k IN 1 .. cardinality(t0s) LOOP
      RETURN QUERY
      WITH d AS MATERIALIZED (
        SELECT x.plant_id, x.order_id, x.severity, x.evaluation_work_center_id, x.culprit_operation_id,
               (x.detected_at AT TIME ZONE 'UTC')::date AS day
        FROM prodplan.defect x
        WHERE x.plant_id = plant AND x.detected_at >= t0s[k] AND x.detected_at < t1s[k]
      ), c AS (
        SELECT op.plant_id, op.operation_id, min(op.work_center_id) AS work_center_id
        FROM prodplan.operation op
        WHERE op.plant_id = plant AND op.operation_id = ANY (ARRAY(SELECT d.culprit_operation_id FROM d))
        GROUP BY op.plant_id, op.operation_id
      )
      SELECT d.plant_id, d.day, d.evaluation_work_center_id, coalesce(c.work_center_id, '(unknown)'), d.order_id,
             count(*), sum(d.severity)::bigint
      FROM d LEFT JOIN c ON c.plant_id = d.plant_id AND c.operation_id = d.culprit_operation_id
      GROUP BY 1, 2, 3, 4, 5;
    END LOOP;
  ELSE
    PERFORM set_config('enable_nestloop', 'off', true);
    RETURN QUERY
    WITH d AS MATERIALIZED (
      SELECT x.plant_id, x.order_id, x.severity, x.evaluation_work_center_id, x.culprit_operation_id,
             (x.detected_at AT TIME ZONE 'UTC')::date AS day
      FROM unnest(t0s, t1s) AS r(t0, t1)
      JOIN prodplan.defect x ON x.plant_id = plant AND x.detected_at >= r.t0 AND x.detected_at < r.t1
    ), c AS (
      SELECT op.plant_id, op.operation_id, min(op.work_center_id) AS work_center_id
      FROM prodplan.operation op
      WHERE op.plant_id = plant AND op.operation_id IN (SELECT d.culprit_operation_id FROM d)
      GROUP BY op.plant_id, op.operation_id
    )
    SELECT d.plant_id, d.day, d.evaluation_work_center_id, coalesce(c.work_center_id, '(unknown)'), d.order_id,
           count(*), sum(d.severity)::bigint
    FROM d LEFT JOIN c ON c.plant_id = d.plant_id AND c.operation_id = d.culprit_operation_id
    GROUP BY 1, 2, 3, 4, 5;
  END IF;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_defect_cell_partials(text, timestamptz[], timestamptz[]) IS 'From the base tables: the rows of prodplan.agg_defect_cell_day for the defects of a plant (NULL: every plant) detected in the ranges [t0s[i], t1s[i]) (not overlapping, no day in two of them), the culprit work center resolved as prodplan.defects_found does (''(unknown)'' when unknown). Used by the refresh and, for partial days and days changed since the last refresh, by prodplan.defect_heatmap.';

-- Recomputations of a plant's day ranges los[i]..his[i] (his[i] NULL:
-- through the newest data; plant NULL: every plant), as the other
-- aggregates' agg_recompute_*, but all of a plant's ranges in one pass.
CREATE FUNCTION prodplan.agg_recompute_quality_order_day(plant text, los date[], his date[])
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $fn$
DECLARE
  n bigint;
BEGIN
  DELETE FROM prodplan.agg_quality_order_day a USING unnest(los, his) AS r(lo, hi)
  WHERE (plant IS NULL OR a.plant_id = plant) AND a.day >= r.lo AND (r.hi IS NULL OR a.day <= r.hi);
  DELETE FROM prodplan.agg_quality_work_center_day a USING unnest(los, his) AS r(lo, hi)
  WHERE (plant IS NULL OR a.plant_id = plant) AND a.day >= r.lo AND (r.hi IS NULL OR a.day <= r.hi);
  WITH h AS MATERIALIZED (
    SELECT * FROM prodplan.agg_quality_partials(plant,
      ARRAY(SELECT r.lo::timestamp AT TIME ZONE 'UTC' FROM unnest(los, his) WITH ORDINALITY AS r(lo, hi, k) ORDER BY r.k),
      ARRAY(SELECT coalesce((r.hi + 1)::timestamp AT TIME ZONE 'UTC', 'infinity') FROM unnest(los, his) WITH ORDINALITY AS r(lo, hi, k) ORDER BY r.k))
  ), a AS (
    INSERT INTO prodplan.agg_quality_order_day
    SELECT h.day, h.plant_id, h.product_id, h.orders, h.orders_with_defects, h.defects, h.severity_sum,
           h.orders_severity_1, h.orders_severity_2, h.orders_severity_3,
           h.defects_severity_1, h.defects_severity_2, h.defects_severity_3,
           h.orders_unknown_culprit, h.defects_unknown_culprit, h.severity_sum_unknown_culprit
    FROM h WHERE h.work_center_id IS NULL
    RETURNING 1
  ), w AS (
    INSERT INTO prodplan.agg_quality_work_center_day
    SELECT h.day, h.plant_id, h.work_center_id, h.orders_visited, h.orders_culprit, h.defects_culprit,
           h.severity_sum_culprit, h.orders_evaluated, h.defects_evaluated, h.severity_sum_evaluated
    FROM h WHERE h.product_id IS NULL
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM w) INTO n;
  IF plant IS NULL AND los = ARRAY['-infinity'::date] AND his = ARRAY[NULL::date] THEN
    -- A full computation: statistics of the new contents for the readers,
    -- now rather than when autovacuum gets to it.
    ANALYZE prodplan.agg_quality_order_day, prodplan.agg_quality_work_center_day;
  END IF;
  RETURN n;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_recompute_quality_order_day(text, date[], date[]) IS 'Recomputes prodplan.agg_quality_order_day and prodplan.agg_quality_work_center_day for a plant''s creation-day ranges los[i]..his[i] (not overlapping; plant NULL: all plants; his[i] NULL: through the newest data) in one pass; returns the rows written. Used by prodplan.refresh_aggregates.';

CREATE FUNCTION prodplan.agg_recompute_defect_cell_day(plant text, los date[], his date[])
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
SET jit = off
AS $fn$
DECLARE
  n   bigint;
  kp  text[];
  ke  text[];
  kk  text[];
  ko  text[];
  t0s timestamptz[] := ARRAY(SELECT r.lo::timestamp AT TIME ZONE 'UTC' FROM unnest(los, his) WITH ORDINALITY AS r(lo, hi, k) ORDER BY r.k);
  t1s timestamptz[] := ARRAY(SELECT coalesce((r.hi + 1)::timestamp AT TIME ZONE 'UTC', 'infinity') FROM unnest(los, his) WITH ORDINALITY AS r(lo, hi, k) ORDER BY r.k);
BEGIN
  IF plant IS NULL AND los = ARRAY['-infinity'::date] AND his = ARRAY[NULL::date] THEN
    -- Everything: the days, then every pair from them.
    DELETE FROM prodplan.agg_defect_cell_day;
    INSERT INTO prodplan.agg_defect_cell_day
    SELECT h.day, h.plant_id, h.evaluation_work_center_id, h.culprit_work_center_id, h.order_id, h.defects, h.severity_sum
    FROM prodplan.agg_defect_cell_partials(NULL, t0s, t1s) h;
    GET DIAGNOSTICS n = ROW_COUNT;
    DELETE FROM prodplan.agg_defect_cell_order;
    INSERT INTO prodplan.agg_defect_cell_order
    SELECT c.plant_id, c.evaluation_work_center_id, c.culprit_work_center_id, c.order_id, min(c.day), max(c.day),
           sum(c.defects), sum(c.severity_sum)
    FROM prodplan.agg_defect_cell_day c
    GROUP BY c.plant_id, c.evaluation_work_center_id, c.culprit_work_center_id, c.order_id;
    -- Statistics of the new contents for the readers, now rather than
    -- when autovacuum gets to it.
    ANALYZE prodplan.agg_defect_cell_day, prodplan.agg_defect_cell_order;
    RETURN n;
  END IF;
  -- The pairs with a day in the ranges before (the rows deleted) and after
  -- (the rows written): exactly the pairs whose figures can have changed.
  WITH del AS (
    DELETE FROM prodplan.agg_defect_cell_day a USING unnest(los, his) AS r(lo, hi)
    WHERE (plant IS NULL OR a.plant_id = plant) AND a.day >= r.lo AND (r.hi IS NULL OR a.day <= r.hi)
    RETURNING a.plant_id, a.evaluation_work_center_id, a.culprit_work_center_id, a.order_id
  )
  SELECT array_agg(del.plant_id), array_agg(del.evaluation_work_center_id), array_agg(del.culprit_work_center_id),
         array_agg(del.order_id)
    INTO kp, ke, kk, ko FROM del;
  WITH ins AS (
    INSERT INTO prodplan.agg_defect_cell_day
    SELECT h.day, h.plant_id, h.evaluation_work_center_id, h.culprit_work_center_id, h.order_id, h.defects, h.severity_sum
    FROM prodplan.agg_defect_cell_partials(plant, t0s, t1s) h
    RETURNING plant_id, evaluation_work_center_id, culprit_work_center_id, order_id
  )
  SELECT count(*), coalesce(kp, '{}') || array_agg(ins.plant_id), coalesce(ke, '{}') || array_agg(ins.evaluation_work_center_id),
         coalesce(kk, '{}') || array_agg(ins.culprit_work_center_id), coalesce(ko, '{}') || array_agg(ins.order_id)
    INTO n, kp, ke, kk, ko FROM ins;
  IF kp IS NULL THEN
    RETURN n;
  END IF;
  -- Those pairs again, from all their days.
  DELETE FROM prodplan.agg_defect_cell_order p
  USING (SELECT DISTINCT u.p, u.e, u.k, u.o FROM unnest(kp, ke, kk, ko) AS u(p, e, k, o)) u
  WHERE p.plant_id = u.p AND p.evaluation_work_center_id = u.e AND p.culprit_work_center_id = u.k AND p.order_id = u.o;
  INSERT INTO prodplan.agg_defect_cell_order
  SELECT c.plant_id, c.evaluation_work_center_id, c.culprit_work_center_id, c.order_id, min(c.day), max(c.day),
         sum(c.defects), sum(c.severity_sum)
  FROM prodplan.agg_defect_cell_day c
  JOIN (SELECT DISTINCT u.p, u.e, u.k, u.o FROM unnest(kp, ke, kk, ko) AS u(p, e, k, o)) u
    ON c.plant_id = u.p AND c.order_id = u.o AND c.evaluation_work_center_id = u.e AND c.culprit_work_center_id = u.k
  GROUP BY c.plant_id, c.evaluation_work_center_id, c.culprit_work_center_id, c.order_id;
  RETURN n;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_recompute_defect_cell_day(text, date[], date[]) IS 'Recomputes prodplan.agg_defect_cell_day for a plant''s detection-day ranges los[i]..his[i] (not overlapping; plant NULL: all plants; his[i] NULL: through the newest data) in one pass, and re-derives prodplan.agg_defect_cell_order for every (cell, order) pair with a day in them before or after; returns the day rows written. Used by prodplan.refresh_aggregates.';

-- ---------------------------------------------------------------------------
-- Statement triggers: the protocol of the other aggregates (lock the
-- watermark rows FOR SHARE in the fixed order, log the changed runs of days
-- once the aggregate has a watermark), with their own days:
--   orders     -> quality_order_day: their creation days (old and new);
--   defects    -> quality_order_day: their orders' creation days;
--                 defect_cell_day: their detection days;
--   operations -> quality_order_day: their orders' creation days and those
--                 of the orders of defects blaming them;
--                 defect_cell_day: detection days of defects blaming them.
-- An UPDATE logs only the rows whose relevant columns changed (old rows
-- EXCEPT ALL new rows and the reverse, on those columns): closing an
-- operation or finishing an order changes no quality figure.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.agg_quality_watermarks(OUT quality_order_day date, OUT defect_cell_day date)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  -- Every watermark row (these two included) FOR SHARE, in the order a
  -- refresh locks them FOR UPDATE; then these two.
  PERFORM prodplan.agg_watermarks_for_share();
  SELECT max(w.watermark) FILTER (WHERE w.aggregate = 'quality_order_day'),
         max(w.watermark) FILTER (WHERE w.aggregate = 'defect_cell_day')
    INTO quality_order_day, defect_cell_day
    FROM prodplan.aggregate_watermark w
   WHERE w.aggregate IN ('quality_order_day', 'defect_cell_day');
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_quality_watermarks() IS 'The watermarks of the quality aggregates (quality_order_day, defect_cell_day), after locking every watermark row FOR SHARE in the refresh''s order (prodplan.agg_watermarks_for_share). Called by the quality aggregates'' statement triggers.';

CREATE FUNCTION prodplan.agg_quality_order_changed()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
AS $fn$
DECLARE
  w_q date;
  w_c date;
  p   text[];
  d   date[];
BEGIN
  SELECT l.quality_order_day, l.defect_cell_day INTO w_q, w_c FROM prodplan.agg_quality_watermarks() l;
  IF w_q IS NULL THEN
    RETURN NULL;
  END IF;
  -- The creation days of the orders whose key, product or creation changed.
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT x.plant_id, (x.created_at AT TIME ZONE 'UTC')::date AS day FROM n x) s;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT x.plant_id, (x.created_at AT TIME ZONE 'UTC')::date AS day FROM o x) s;
  ELSE
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT x.plant_id, (x.created_at AT TIME ZONE 'UTC')::date AS day
          FROM ((SELECT y.plant_id, y.order_id, y.product_id, y.created_at FROM o y
                 EXCEPT ALL SELECT y.plant_id, y.order_id, y.product_id, y.created_at FROM n y)
                UNION ALL
                (SELECT y.plant_id, y.order_id, y.product_id, y.created_at FROM n y
                 EXCEPT ALL SELECT y.plant_id, y.order_id, y.product_id, y.created_at FROM o y)) x) s;
  END IF;
  PERFORM prodplan.agg_log('quality_order_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_quality_order_changed() IS 'Statement trigger of prodplan.production_order: logs for the "quality_order_day" aggregate the creation days (old and new) of the orders inserted, deleted, or updated in their key, product or creation time.';

CREATE FUNCTION prodplan.agg_quality_defect_changed()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
AS $fn$
DECLARE
  w_q  date;
  w_c  date;
  tp   text[];
  tord text[];
  tdet timestamptz[];
  p    text[];
  d    date[];
BEGIN
  SELECT l.quality_order_day, l.defect_cell_day INTO w_q, w_c FROM prodplan.agg_quality_watermarks() l;
  IF w_q IS NULL AND w_c IS NULL THEN
    RETURN NULL;
  END IF;
  -- The changed defects (old and new versions; of an update, only those
  -- whose order, severity, evaluating work center, culprit or detection
  -- changed).
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(x.plant_id), array_agg(x.order_id), array_agg(x.detected_at) INTO tp, tord, tdet FROM n x;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(x.plant_id), array_agg(x.order_id), array_agg(x.detected_at) INTO tp, tord, tdet FROM o x;
  ELSE
    SELECT array_agg(x.plant_id), array_agg(x.order_id), array_agg(x.detected_at) INTO tp, tord, tdet
    FROM ((SELECT y.plant_id, y.order_id, y.severity, y.evaluation_work_center_id, y.culprit_operation_id, y.detected_at FROM o y
           EXCEPT ALL
           SELECT y.plant_id, y.order_id, y.severity, y.evaluation_work_center_id, y.culprit_operation_id, y.detected_at FROM n y)
          UNION ALL
          (SELECT y.plant_id, y.order_id, y.severity, y.evaluation_work_center_id, y.culprit_operation_id, y.detected_at FROM n y
           EXCEPT ALL
           SELECT y.plant_id, y.order_id, y.severity, y.evaluation_work_center_id, y.culprit_operation_id, y.detected_at FROM o y)) x;
  END IF;
  IF tp IS NULL THEN
    RETURN NULL;
  END IF;
  IF w_q IS NOT NULL THEN
    -- Their orders' creation days (a defect of an order not loaded yet
    -- counts once the order is: its insert logs its day).
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT po.plant_id, (po.created_at AT TIME ZONE 'UTC')::date AS day
          FROM prodplan.production_order po
          WHERE (po.plant_id, po.order_id) IN (SELECT u.p, u.o FROM unnest(tp, tord) AS u(p, o))) s;
    PERFORM prodplan.agg_log('quality_order_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
  END IF;
  IF w_c IS NOT NULL THEN
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT u.p AS plant_id, (u.t AT TIME ZONE 'UTC')::date AS day FROM unnest(tp, tdet) AS u(p, t)) s;
    PERFORM prodplan.agg_log('defect_cell_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_quality_defect_changed() IS 'Statement trigger of prodplan.defect: logs for "quality_order_day" the creation days of the changed defects'' orders and for "defect_cell_day" their detection days (old and new versions; an update only where order, severity, evaluating work center, culprit or detection changed).';

CREATE FUNCTION prodplan.agg_quality_operation_changed()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
AS $fn$
DECLARE
  w_q  date;
  w_c  date;
  tp   text[];
  tord text[];
  top  text[];
  p    text[];
  d    date[];
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
  IF w_q IS NOT NULL THEN
    -- The creation days of their orders (which work centers those visited)
    -- and of the orders of defects blaming them (the culprit's work center).
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT po.plant_id, (po.created_at AT TIME ZONE 'UTC')::date AS day
          FROM prodplan.production_order po
          WHERE (po.plant_id, po.order_id) IN (SELECT u.p, u.o FROM unnest(tp, tord) AS u(p, o)
                                               UNION
                                               SELECT x.plant_id, x.order_id FROM prodplan.defect x
                                               WHERE (x.plant_id, x.culprit_operation_id) IN
                                                     (SELECT u.p, u.op FROM unnest(tp, top) AS u(p, op)))) s;
    PERFORM prodplan.agg_log('quality_order_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
  END IF;
  IF w_c IS NOT NULL THEN
    -- The detection days of the defects blaming them.
    SELECT array_agg(s.plant_id), array_agg(s.day) INTO p, d
    FROM (SELECT DISTINCT x.plant_id, (x.detected_at AT TIME ZONE 'UTC')::date AS day
          FROM prodplan.defect x
          WHERE (x.plant_id, x.culprit_operation_id) IN (SELECT u.p, u.op FROM unnest(tp, top) AS u(p, op))) s;
    PERFORM prodplan.agg_log('defect_cell_day', p, d, NULL, NULL) WHERE p IS NOT NULL;
  END IF;
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_quality_operation_changed() IS 'Statement trigger of prodplan.operation: logs for "quality_order_day" the creation days of the changed operations'' orders and of the orders of defects blaming them, and for "defect_cell_day" the detection days of defects blaming them (old and new versions; an update only where order, operation id or work center changed).';

CREATE TRIGGER agg_quality_operation_ins AFTER INSERT ON prodplan.operation
  REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_quality_operation_changed();
CREATE TRIGGER agg_quality_operation_upd AFTER UPDATE ON prodplan.operation
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_quality_operation_changed();
CREATE TRIGGER agg_quality_operation_del AFTER DELETE ON prodplan.operation
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_quality_operation_changed();
CREATE TRIGGER agg_quality_order_ins AFTER INSERT ON prodplan.production_order
  REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_quality_order_changed();
CREATE TRIGGER agg_quality_order_upd AFTER UPDATE ON prodplan.production_order
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_quality_order_changed();
CREATE TRIGGER agg_quality_order_del AFTER DELETE ON prodplan.production_order
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_quality_order_changed();
CREATE TRIGGER agg_quality_defect_ins AFTER INSERT ON prodplan.defect
  REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_quality_defect_changed();
CREATE TRIGGER agg_quality_defect_upd AFTER UPDATE ON prodplan.defect
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_quality_defect_changed();
CREATE TRIGGER agg_quality_defect_del AFTER DELETE ON prodplan.defect
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_quality_defect_changed();

-- TRUNCATE has no transition table: the aggregates reading the table start
-- over (the next refresh computes them in full; until then the readers use
-- the base tables).
CREATE FUNCTION prodplan.agg_quality_source_truncated()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  PERFORM prodplan.agg_lock_watermarks();
  UPDATE prodplan.aggregate_watermark w SET watermark = NULL
  WHERE w.aggregate = ANY (CASE TG_TABLE_NAME WHEN 'production_order' THEN ARRAY['quality_order_day']
                                              ELSE ARRAY['quality_order_day', 'defect_cell_day'] END);
  RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_quality_source_truncated() IS 'TRUNCATE trigger of the quality aggregates'' source tables (operation, production_order, defect): the aggregates reading the table are recomputed in full by the next refresh, and read from the base tables until then.';
CREATE TRIGGER agg_quality_operation_truncate AFTER TRUNCATE ON prodplan.operation
  FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_quality_source_truncated();
CREATE TRIGGER agg_quality_order_truncate AFTER TRUNCATE ON prodplan.production_order
  FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_quality_source_truncated();
CREATE TRIGGER agg_quality_defect_truncate AFTER TRUNCATE ON prodplan.defect
  FOR EACH STATEMENT EXECUTE FUNCTION prodplan.agg_quality_source_truncated();

-- ---------------------------------------------------------------------------
-- The refresh of 0.5.0 with the two quality aggregates after the other
-- three: their logged ranges are always recomputed (distinct orders do not
-- add), and a first refresh (or one after a TRUNCATE) computes them in full.
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
        -- range would repeat that per range).
        FOR k IN 1 .. coalesce(array_length(rp, 1), 0) LOOP
          IF k = 1 OR rp[k] <> rp[k - 1] THEN
            n := n + CASE a
              WHEN 'quality_order_day' THEN prodplan.agg_recompute_quality_order_day(rp[k],
                ARRAY(SELECT u.lo FROM unnest(rp, rl) WITH ORDINALITY AS u(p, lo, o) WHERE u.p = rp[k] ORDER BY u.o),
                ARRAY(SELECT u.hi FROM unnest(rp, rh) WITH ORDINALITY AS u(p, hi, o) WHERE u.p = rp[k] ORDER BY u.o))
              ELSE prodplan.agg_recompute_defect_cell_day(rp[k],
                ARRAY(SELECT u.lo FROM unnest(rp, rl) WITH ORDINALITY AS u(p, lo, o) WHERE u.p = rp[k] ORDER BY u.o),
                ARRAY(SELECT u.hi FROM unnest(rp, rh) WITH ORDINALITY AS u(p, hi, o) WHERE u.p = rp[k] ORDER BY u.o)) END;
          END IF;
          nranges := nranges + 1;
          merged := merged || jsonb_build_array(jsonb_build_object('plant', rp[k], 'from', rl[k], 'to', rh[k], 'how', 'recomputed'));
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
COMMENT ON FUNCTION prodplan.refresh_aggregates() IS 'Brings the incremental aggregates (agg_order_day, agg_operation_day, agg_defect_day, and the quality aggregates quality_order_day = agg_quality_order_day + agg_quality_work_center_day and defect_cell_day = agg_defect_cell_day + agg_defect_cell_order) up to date: refreshes exactly the day ranges the source tables'' triggers logged since the last refresh (new days, late data, corrections, deletes; merged per plant, and when more than 32 remain bridged over their smallest gaps): a range where rows were only inserted has their partials added to the stored groups (operations and orders), any other is recomputed (always for defects and the quality aggregates, whose distinct order counts do not add; a quality aggregate recomputes all of a plant''s ranges in one pass, without bridging); then it moves the watermark to the newest day covered. An aggregate with nothing logged reads nothing; one never refreshed (or whose source was truncated) is computed in full. The result equals a full recompute. Returns per aggregate the ranges recomputed, rows written, the watermark and seconds. The built-in job "prodplan.aggregate refresh" runs it every minute.';

-- ---------------------------------------------------------------------------
-- How a reader covers a window [from_ts, to_ts) with a day aggregate: the
-- whole UTC days lo_day <= day < hi_day from the aggregate, except the days
-- logged as changed since the last refresh (excluded_*, merged per plant);
-- those days and the partial days at the window's ends from the base tables
-- (base_*: disjoint [from, to) intervals, plant NULL = every plant). Exact
-- because a day no pending log entry names holds what the base tables give
-- (the triggers log a change in the changing transaction, the refresh
-- deletes the entries it covered in its own, and a reader sees both in one
-- snapshot).
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.agg_read_plan(agg text, plant text, from_ts timestamptz, to_ts timestamptz,
  OUT usable boolean, OUT reason text, OUT lo_day date, OUT hi_day date,
  OUT excluded_plants text[], OUT excluded_from date[], OUT excluded_to date[],
  OUT base_plants text[], OUT base_from timestamptz[], OUT base_to timestamptz[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  -- A reader answers from the aggregate while the days changed since the
  -- last refresh (within its window) are at most this many, in at most this
  -- many runs. Their orders cost about 0.8 ms each by key, or one pass over
  -- the plant's operations (about 200 ms at load_demo(1)); beyond the
  -- limits the base-table computation is about as cheap.
  max_days   constant int := 62;
  max_ranges constant int := 32;
  wm     date;
  found_ boolean;
  f      timestamptz := CASE WHEN from_ts = '-infinity' THEN NULL ELSE from_ts END;
  t      timestamptz := CASE WHEN to_ts = 'infinity' THEN NULL ELSE to_ts END;
  lo_ts  timestamptz;
  hi_ts  timestamptz;
  np     int;
  nd     bigint;
BEGIN
  excluded_plants := '{}'; excluded_from := '{}'; excluded_to := '{}';
  base_plants := '{}'; base_from := '{}'; base_to := '{}';
  SELECT true, w.watermark INTO found_, wm FROM prodplan.aggregate_watermark w WHERE w.aggregate = agg;
  IF found_ IS NULL THEN
    RAISE EXCEPTION 'prodplan.agg_read_plan: no aggregate %', agg USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF wm IS NULL THEN
    usable := false;
    reason := format('aggregate %s not computed (never refreshed, or a source table was truncated since)', agg);
    RETURN;
  END IF;
  lo_day := CASE WHEN f IS NULL THEN '-infinity'::date
                 WHEN NOT isfinite(f) THEN 'infinity'::date
                 WHEN ((f AT TIME ZONE 'UTC')::date::timestamp AT TIME ZONE 'UTC') = f THEN (f AT TIME ZONE 'UTC')::date
                 ELSE (f AT TIME ZONE 'UTC')::date + 1 END;
  hi_day := CASE WHEN t IS NULL THEN 'infinity'::date
                 WHEN NOT isfinite(t) THEN '-infinity'::date
                 ELSE (t AT TIME ZONE 'UTC')::date END;
  IF lo_day >= hi_day THEN
    -- No whole day in the window: nothing to take from the aggregate, and
    -- the base-table computation of a few hours is as cheap.
    usable := false;
    reason := 'no whole UTC day in the window';
    RETURN;
  END IF;
  -- The partial days at the ends.
  lo_ts := CASE WHEN isfinite(lo_day) THEN lo_day::timestamp AT TIME ZONE 'UTC' END;
  hi_ts := CASE WHEN isfinite(hi_day) THEN hi_day::timestamp AT TIME ZONE 'UTC' END;
  IF f IS NOT NULL AND f < lo_ts THEN
    base_plants := base_plants || plant;
    base_from := base_from || f;
    base_to := base_to || lo_ts;
  END IF;
  IF t IS NOT NULL AND hi_ts < t THEN
    base_plants := base_plants || plant;
    base_from := base_from || hi_ts;
    base_to := base_to || t;
  END IF;
  -- The days changed since the last refresh, within the whole days, merged
  -- per plant where they overlap or touch.
  WITH l AS (SELECT i.plant_id, greatest(i.from_day, lo_day) AS from_day,
                    CASE WHEN isfinite(hi_day) THEN least(i.to_day, hi_day - 1) ELSE i.to_day END AS to_day
             FROM prodplan.aggregate_invalidation i
             WHERE i.aggregate = agg AND (plant IS NULL OR i.plant_id = plant)
               AND i.to_day >= lo_day AND i.from_day < hi_day),
  s AS (SELECT l.*, max(l.to_day) OVER (PARTITION BY l.plant_id ORDER BY l.from_day, l.to_day
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM l),
  g AS (SELECT s.*, sum(CASE WHEN s.prev_end IS NULL OR s.from_day > s.prev_end + 1 THEN 1 ELSE 0 END)
                      OVER (PARTITION BY s.plant_id ORDER BY s.from_day, s.to_day) AS grp FROM s),
  m AS (SELECT g.plant_id, min(g.from_day) AS lo, max(g.to_day) AS hi FROM g GROUP BY g.plant_id, g.grp)
  SELECT coalesce(array_agg(m.plant_id ORDER BY m.plant_id, m.lo), '{}'), coalesce(array_agg(m.lo ORDER BY m.plant_id, m.lo), '{}'),
         coalesce(array_agg(m.hi ORDER BY m.plant_id, m.lo), '{}'), count(*), coalesce(sum(m.hi - m.lo + 1), 0)
    INTO excluded_plants, excluded_from, excluded_to, np, nd
    FROM m;
  IF np > max_ranges OR nd > max_days THEN
    usable := false;
    reason := format('aggregate %s: %s days in %s runs changed since the last refresh (more than %s days or %s runs)',
                     agg, nd, np, max_days, max_ranges);
    RETURN;
  END IF;
  base_plants := base_plants || excluded_plants;
  base_from := base_from || ARRAY(SELECT u.d::timestamp AT TIME ZONE 'UTC' FROM unnest(excluded_from) WITH ORDINALITY AS u(d, k) ORDER BY u.k);
  base_to := base_to || ARRAY(SELECT (u.d + 1)::timestamp AT TIME ZONE 'UTC' FROM unnest(excluded_to) WITH ORDINALITY AS u(d, k) ORDER BY u.k);
  usable := true;
  reason := format('aggregate %s; from the base tables: %s partial days, %s days changed since the last refresh',
                   agg, cardinality(base_plants) - np, nd);
END
$fn$;
COMMENT ON FUNCTION prodplan.agg_read_plan(text, text, timestamptz, timestamptz) IS 'How prodplan.defect_rates and prodplan.defect_heatmap cover the window [from_ts, to_ts) (NULL: unbounded) of a plant (NULL: all) with the day aggregate agg (quality_order_day or defect_cell_day): usable is false (the caller computes from the base tables) when the aggregate was never computed (or a source was truncated since), the window holds no whole UTC day (a few hours cost the base tables little), or more than 62 days or 32 runs of days changed since the last refresh; else the whole UTC days lo_day <= day < hi_day come from the aggregate, except the changed days excluded_* (plant, from, to per run), and the disjoint intervals base_* (plant NULL: every plant) from the base tables: the partial days at the window''s ends and the changed days. reason says which.';

-- ---------------------------------------------------------------------------
-- The base-table computations (0.7.0's, the culprit's work center made
-- deterministic): the fallback, and the reference the aggregate path equals.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION prodplan.defects_found(from_ts timestamptz, to_ts timestamptz, plant text)
RETURNS TABLE (plant_id text, order_id text, description text, severity smallint, evaluating_work_center_id text,
               culprit_work_center_id text, detected_at timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  -- The culprit operation's work center comes from one pass over the
  -- operations the window's defects blame (the operation table has no
  -- index by operation id alone across its monthly partitions); an
  -- operation id stored twice gives its smallest work center id.
  WITH d AS (
    SELECT d.* FROM prodplan.defect d
    WHERE (defects_found.plant IS NULL OR d.plant_id = defects_found.plant)
      AND (defects_found.from_ts IS NULL OR d.detected_at >= defects_found.from_ts)
      AND (defects_found.to_ts IS NULL OR d.detected_at < defects_found.to_ts)
  ), c AS (
    SELECT op.plant_id, op.operation_id, min(op.work_center_id) AS work_center_id
    FROM prodplan.operation op
    WHERE EXISTS (SELECT 1 FROM d WHERE d.plant_id = op.plant_id AND d.culprit_operation_id = op.operation_id)
    GROUP BY op.plant_id, op.operation_id
  )
  SELECT d.plant_id, d.order_id, d.description, d.severity, d.evaluation_work_center_id, c.work_center_id, d.detected_at
  FROM d LEFT JOIN c ON c.plant_id = d.plant_id AND c.operation_id = d.culprit_operation_id
$fn$;
COMMENT ON FUNCTION prodplan.defects_found(timestamptz, timestamptz, text) IS 'The defects detected in [from_ts, to_ts) (NULL: unbounded) of a plant (NULL: all), with the work center of the operation each is blamed on (NULL when the culprit is unknown or not in prodplan.operation; the smallest work center id when the operation id is stored more than once). What defect_pareto and the base-table heatmap read.';

CREATE FUNCTION prodplan.defect_rates_base(by text DEFAULT 'overall', from_ts timestamptz DEFAULT NULL,
                                           to_ts timestamptz DEFAULT NULL, options jsonb DEFAULT '{}')
RETURNS TABLE (plant_id text, group_key text, orders bigint, orders_with_defects bigint, defect_rate float8,
               defects bigint, mean_severity float8, level text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  high_rate float8;
  medium_rate float8;
  high_severity float8;
  medium_severity float8;
BEGIN
  IF by IS NULL OR by NOT IN ('overall', 'product', 'work_center', 'evaluating_phase', 'severity', 'week') THEN
    RAISE EXCEPTION 'prodplan.defect_rates: by must be overall, product, work_center, evaluating_phase, severity or week, got %',
                    coalesce(by, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM prodplan.check_options('prodplan.defect_rates', options, ARRAY['plant', 'high_rate', 'medium_rate', 'high_severity', 'medium_severity', 'ignore_gates'],
    'Options are plant, high_rate (0.3), medium_rate (0.1), high_severity (2.5), medium_severity (2.0) and ignore_gates.');
  BEGIN
    high_rate := coalesce((options ->> 'high_rate')::float8, 0.3);
    medium_rate := coalesce((options ->> 'medium_rate')::float8, 0.1);
    high_severity := coalesce((options ->> 'high_severity')::float8, 2.5);
    medium_severity := coalesce((options ->> 'medium_severity')::float8, 2.0);
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'prodplan.defect_rates: thresholds must be numbers: %', SQLERRM USING ERRCODE = 'invalid_parameter_value';
  END;
  IF from_ts > to_ts THEN
    RAISE EXCEPTION 'prodplan.defect_rates: from_ts (%) is after to_ts (%)', from_ts, to_ts USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF by = 'work_center' THEN
    -- Blaming work centers needs defects that name their culprit operation.
    PERFORM prodplan.require_feature('culprit_analytics', options ->> 'plant', options);
  END IF;
  RETURN QUERY
  WITH o AS (
    -- The orders of the window: created in [from_ts, to_ts).
    SELECT po.plant_id, po.order_id, po.product_id, po.created_at FROM prodplan.production_order po
    WHERE (options ->> 'plant' IS NULL OR po.plant_id = options ->> 'plant')
      AND (from_ts IS NULL OR po.created_at >= from_ts) AND (to_ts IS NULL OR po.created_at < to_ts)
  ), d0 AS (
    SELECT d.plant_id, d.order_id, d.severity, d.evaluation_work_center_id, d.culprit_operation_id
    FROM prodplan.defect d JOIN o ON o.plant_id = d.plant_id AND o.order_id = d.order_id
  ), culprit AS (
    -- The culprit operations' work centers, in one pass over the operations
    -- (only when grouping by culprit; an operation id stored twice gives its
    -- smallest work center id).
    SELECT op.plant_id, op.operation_id, min(op.work_center_id) AS work_center_id
    FROM prodplan.operation op
    WHERE by = 'work_center'
      AND EXISTS (SELECT 1 FROM d0 WHERE d0.plant_id = op.plant_id AND d0.culprit_operation_id = op.operation_id)
    GROUP BY op.plant_id, op.operation_id
  ), d AS (
    SELECT d0.*, c.work_center_id AS culprit_work_center_id
    FROM d0 LEFT JOIN culprit c ON c.plant_id = d0.plant_id AND c.operation_id = d0.culprit_operation_id
  ), visits AS (
    -- Orders that passed through a work center (an operation there).
    SELECT DISTINCT op.plant_id, op.order_id, op.work_center_id
    FROM prodplan.operation op JOIN o ON o.plant_id = op.plant_id AND o.order_id = op.order_id
    WHERE by IN ('work_center', 'evaluating_phase')
  ), population AS (
    -- (plant, group, order): which orders each group's rate is over.
    SELECT o.plant_id, '' AS g, o.order_id FROM o WHERE by = 'overall'
    UNION ALL SELECT o.plant_id, o.product_id, o.order_id FROM o WHERE by = 'product'
    UNION ALL SELECT o.plant_id, to_char(date_trunc('week', o.created_at AT TIME ZONE 'UTC'), 'IYYY-"W"IW'), o.order_id FROM o WHERE by = 'week'
    UNION ALL SELECT o.plant_id, s::text, o.order_id FROM o, generate_series(1, 3) s WHERE by = 'severity'
    UNION ALL SELECT v.plant_id, v.work_center_id, v.order_id FROM visits v
    -- Defects without a known culprit are rated over every order of the window.
    UNION ALL SELECT o.plant_id, '(unknown)', o.order_id FROM o
              WHERE by = 'work_center' AND EXISTS (SELECT 1 FROM d WHERE d.plant_id = o.plant_id AND d.culprit_work_center_id IS NULL)
  ), hits AS (
    -- (plant, group, order, severity): each defect under the group it counts for.
    SELECT d.plant_id, '' AS g, d.order_id, d.severity FROM d WHERE by = 'overall'
    UNION ALL SELECT d.plant_id, o.product_id, d.order_id, d.severity FROM d JOIN o USING (plant_id, order_id) WHERE by = 'product'
    UNION ALL SELECT d.plant_id, to_char(date_trunc('week', o.created_at AT TIME ZONE 'UTC'), 'IYYY-"W"IW'), d.order_id, d.severity
              FROM d JOIN o USING (plant_id, order_id) WHERE by = 'week'
    UNION ALL SELECT d.plant_id, d.severity::text, d.order_id, d.severity FROM d WHERE by = 'severity'
    UNION ALL SELECT d.plant_id, coalesce(d.culprit_work_center_id, '(unknown)'), d.order_id, d.severity FROM d WHERE by = 'work_center'
    UNION ALL SELECT d.plant_id, d.evaluation_work_center_id, d.order_id, d.severity FROM d WHERE by = 'evaluating_phase'
  ), pop AS (
    SELECT p.plant_id, p.g, count(DISTINCT p.order_id) AS orders FROM population p GROUP BY 1, 2
  ), hit AS (
    SELECT h.plant_id, h.g, count(DISTINCT h.order_id) AS orders_with, count(*) AS defects, avg(h.severity)::float8 AS sev
    FROM hits h GROUP BY 1, 2
  ), r AS (
    SELECT coalesce(p.plant_id, h.plant_id) AS plant_id, coalesce(p.g, h.g) AS g,
           coalesce(p.orders, 0) AS orders, coalesce(h.orders_with, 0) AS orders_with, coalesce(h.defects, 0) AS defects, h.sev
    FROM pop p FULL JOIN hit h ON h.plant_id = p.plant_id AND h.g = p.g
  )
  SELECT r.plant_id, nullif(r.g, ''), r.orders, r.orders_with,
         CASE WHEN r.orders > 0 THEN r.orders_with::float8 / r.orders END, r.defects, r.sev,
         CASE WHEN r.orders = 0 THEN NULL
              WHEN r.orders_with::float8 / r.orders > high_rate OR r.sev >= high_severity THEN 'HIGH'
              WHEN r.orders_with::float8 / r.orders > medium_rate OR r.sev >= medium_severity THEN 'MEDIUM'
              ELSE 'LOW' END
  FROM r
  ORDER BY r.plant_id, CASE WHEN r.orders > 0 THEN r.orders_with::float8 / r.orders END DESC NULLS LAST, r.defects DESC, r.g;
END
$fn$;
COMMENT ON FUNCTION prodplan.defect_rates_base(text, timestamptz, timestamptz, jsonb) IS 'prodplan.defect_rates computed from the base tables (orders, operations, defects), as 0.7.0 did: what defect_rates falls back to when its aggregate cannot serve the call, and the reference its aggregate path equals. Same arguments, checks and result.';

CREATE FUNCTION prodplan.defect_heatmap_base(from_ts timestamptz DEFAULT NULL, to_ts timestamptz DEFAULT NULL, plant text DEFAULT NULL)
RETURNS TABLE (plant_id text, evaluating_work_center_id text, culprit_work_center_id text, defects bigint, orders bigint,
               mean_severity float8, share float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT f.plant_id, f.evaluating_work_center_id, coalesce(f.culprit_work_center_id, '(unknown)'), count(*),
         count(DISTINCT f.order_id), avg(f.severity)::float8,
         (count(*)::float8 / sum(count(*)) OVER (PARTITION BY f.plant_id))::float8
  FROM prodplan.defects_found(defect_heatmap_base.from_ts, defect_heatmap_base.to_ts, defect_heatmap_base.plant) f
  GROUP BY 1, 2, 3
  ORDER BY 1, 4 DESC, 2, 3
$fn$;
COMMENT ON FUNCTION prodplan.defect_heatmap_base(timestamptz, timestamptz, text) IS 'prodplan.defect_heatmap computed from the base tables (prodplan.defects_found), as 0.7.0 did: what defect_heatmap falls back to when its aggregate cannot serve the call, and the reference its aggregate path equals.';

-- ---------------------------------------------------------------------------
-- defect_rates and defect_heatmap from the aggregates.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION prodplan.defect_rates(by text DEFAULT 'overall', from_ts timestamptz DEFAULT NULL,
                                                 to_ts timestamptz DEFAULT NULL, options jsonb DEFAULT '{}')
RETURNS TABLE (plant_id text, group_key text, orders bigint, orders_with_defects bigint, defect_rate float8,
               defects bigint, mean_severity float8, level text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
-- Each call's grouping and window prune the statement to what it reads.
SET plan_cache_mode = force_custom_plan
SET jit = off
AS $fn$
#variable_conflict use_column
DECLARE
  high_rate float8;
  medium_rate float8;
  high_severity float8;
  medium_severity float8;
  plant text;
  rp record;
BEGIN
  IF by IS NULL OR by NOT IN ('overall', 'product', 'work_center', 'evaluating_phase', 'severity', 'week') THEN
    RAISE EXCEPTION 'prodplan.defect_rates: by must be overall, product, work_center, evaluating_phase, severity or week, got %',
                    coalesce(by, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM prodplan.check_options('prodplan.defect_rates', options, ARRAY['plant', 'high_rate', 'medium_rate', 'high_severity', 'medium_severity', 'ignore_gates'],
    'Options are plant, high_rate (0.3), medium_rate (0.1), high_severity (2.5), medium_severity (2.0) and ignore_gates.');
  BEGIN
    high_rate := coalesce((options ->> 'high_rate')::float8, 0.3);
    medium_rate := coalesce((options ->> 'medium_rate')::float8, 0.1);
    high_severity := coalesce((options ->> 'high_severity')::float8, 2.5);
    medium_severity := coalesce((options ->> 'medium_severity')::float8, 2.0);
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'prodplan.defect_rates: thresholds must be numbers: %', SQLERRM USING ERRCODE = 'invalid_parameter_value';
  END;
  IF from_ts > to_ts THEN
    RAISE EXCEPTION 'prodplan.defect_rates: from_ts (%) is after to_ts (%)', from_ts, to_ts USING ERRCODE = 'invalid_parameter_value';
  END IF;
  plant := options ->> 'plant';
  SELECT * INTO rp FROM prodplan.agg_read_plan('quality_order_day', plant, from_ts, to_ts);
  IF NOT rp.usable THEN
    -- Not computed, or too much changed since the last refresh.
    RETURN QUERY SELECT * FROM prodplan.defect_rates_base(by, from_ts, to_ts, options);
    RETURN;
  END IF;
  IF by = 'work_center' THEN
    -- Blaming work centers needs defects that name their culprit operation.
    PERFORM prodplan.require_feature('culprit_analytics', plant, options);
  END IF;
  RETURN QUERY
  WITH ex AS MATERIALIZED (
    -- The days changed since the last refresh, per plant.
    SELECT u.p, range_agg(daterange(u.lo, u.hi, '[]')) AS days
    FROM unnest(rp.excluded_plants, rp.excluded_from, rp.excluded_to) AS u(p, lo, hi) GROUP BY u.p
  ), h AS MATERIALIZED (
    -- From the base tables: the partial days at the window's ends and the
    -- days changed since the last refresh.
    SELECT x.* FROM (SELECT i.p, array_agg(i.t0 ORDER BY i.t0) AS t0s, array_agg(i.t1 ORDER BY i.t0) AS t1s
                     FROM unnest(rp.base_plants, rp.base_from, rp.base_to) AS i(p, t0, t1) GROUP BY i.p) i
    CROSS JOIN LATERAL prodplan.agg_quality_partials(i.p, i.t0s, i.t1s) x
  ), a AS NOT MATERIALIZED (
    -- Per creation day and product (each order on one day: everything adds).
    SELECT q.plant_id, q.day, q.product_id, q.orders, q.orders_with_defects, q.defects, q.severity_sum,
           q.orders_severity_1, q.orders_severity_2, q.orders_severity_3,
           q.defects_severity_1, q.defects_severity_2, q.defects_severity_3,
           q.orders_unknown_culprit, q.defects_unknown_culprit, q.severity_sum_unknown_culprit
    FROM prodplan.agg_quality_order_day q LEFT JOIN ex ON ex.p = q.plant_id
    WHERE by <> 'evaluating_phase' AND q.day >= rp.lo_day AND q.day < rp.hi_day AND (plant IS NULL OR q.plant_id = plant)
      AND (ex.days IS NULL OR NOT ex.days @> q.day)
    UNION ALL
    SELECT h.plant_id, h.day, h.product_id, h.orders, h.orders_with_defects, h.defects, h.severity_sum,
           h.orders_severity_1, h.orders_severity_2, h.orders_severity_3,
           h.defects_severity_1, h.defects_severity_2, h.defects_severity_3,
           h.orders_unknown_culprit, h.defects_unknown_culprit, h.severity_sum_unknown_culprit
    FROM h WHERE by <> 'evaluating_phase' AND h.work_center_id IS NULL
  ), v AS NOT MATERIALIZED (
    -- Per creation day and work center.
    SELECT c.plant_id, c.work_center_id, c.orders_visited, c.orders_culprit, c.defects_culprit, c.severity_sum_culprit,
           c.orders_evaluated, c.defects_evaluated, c.severity_sum_evaluated
    FROM prodplan.agg_quality_work_center_day c LEFT JOIN ex ON ex.p = c.plant_id
    WHERE by IN ('work_center', 'evaluating_phase') AND c.day >= rp.lo_day AND c.day < rp.hi_day
      AND (plant IS NULL OR c.plant_id = plant) AND (ex.days IS NULL OR NOT ex.days @> c.day)
    UNION ALL
    SELECT h.plant_id, h.work_center_id, h.orders_visited, h.orders_culprit, h.defects_culprit, h.severity_sum_culprit,
           h.orders_evaluated, h.defects_evaluated, h.severity_sum_evaluated
    FROM h WHERE by IN ('work_center', 'evaluating_phase') AND h.product_id IS NULL
  ), sev AS (
    SELECT a.plant_id, sum(a.orders) AS pop,
           sum(a.orders_severity_1) AS o1, sum(a.orders_severity_2) AS o2, sum(a.orders_severity_3) AS o3,
           sum(a.defects_severity_1) AS n1, sum(a.defects_severity_2) AS n2, sum(a.defects_severity_3) AS n3
    FROM a WHERE by = 'severity' GROUP BY a.plant_id
  ), g AS (
    -- (plant, group): the orders rated (population), those with defects,
    -- defects and their severity sum; the groups of defect_rates_base.
    SELECT a.plant_id, '' AS g, sum(a.orders) AS pop, sum(a.orders_with_defects) AS ow, sum(a.defects) AS n,
           sum(a.severity_sum) AS s
    FROM a WHERE by = 'overall' GROUP BY a.plant_id
    UNION ALL
    SELECT a.plant_id, a.product_id, sum(a.orders), sum(a.orders_with_defects), sum(a.defects), sum(a.severity_sum)
    FROM a WHERE by = 'product' GROUP BY a.plant_id, a.product_id
    UNION ALL
    SELECT wk.plant_id, to_char(wk.week, 'IYYY-"W"IW'), wk.pop, wk.ow, wk.n, wk.s
    FROM (SELECT a.plant_id, date_trunc('week', a.day::timestamp) AS week, sum(a.orders) AS pop,
                 sum(a.orders_with_defects) AS ow, sum(a.defects) AS n, sum(a.severity_sum) AS s
          FROM a WHERE by = 'week' GROUP BY 1, 2) wk
    UNION ALL
    SELECT sev.plant_id, k::text, sev.pop,
           CASE k WHEN 1 THEN sev.o1 WHEN 2 THEN sev.o2 ELSE sev.o3 END,
           CASE k WHEN 1 THEN sev.n1 WHEN 2 THEN sev.n2 ELSE sev.n3 END,
           k * CASE k WHEN 1 THEN sev.n1 WHEN 2 THEN sev.n2 ELSE sev.n3 END
    FROM sev CROSS JOIN generate_series(1, 3) k
    UNION ALL
    SELECT v.plant_id, v.work_center_id, sum(v.orders_visited), sum(v.orders_culprit), sum(v.defects_culprit),
           sum(v.severity_sum_culprit)
    FROM v WHERE by = 'work_center' GROUP BY v.plant_id, v.work_center_id
    UNION ALL
    -- Defects without a known culprit, rated over every order of the window.
    SELECT a.plant_id, '(unknown)', sum(a.orders), sum(a.orders_unknown_culprit), sum(a.defects_unknown_culprit),
           sum(a.severity_sum_unknown_culprit)
    FROM a WHERE by = 'work_center' GROUP BY a.plant_id HAVING sum(a.defects_unknown_culprit) > 0
    UNION ALL
    SELECT v.plant_id, v.work_center_id, sum(v.orders_visited), sum(v.orders_evaluated), sum(v.defects_evaluated),
           sum(v.severity_sum_evaluated)
    FROM v WHERE by = 'evaluating_phase' GROUP BY v.plant_id, v.work_center_id
  ), r AS (
    -- A group exists where it has orders or defects (defect_rates_base's
    -- full join of population and hits); the mean severity is what avg()
    -- gives: the numeric quotient of the sum and the count.
    SELECT g.plant_id, g.g, g.pop::bigint AS orders, g.ow::bigint AS orders_with, g.n::bigint AS defects,
           CASE WHEN g.n > 0 THEN (g.s::numeric / g.n::numeric)::float8 END AS sev
    FROM g WHERE g.pop > 0 OR g.n > 0
  )
  SELECT r.plant_id, nullif(r.g, ''), r.orders, r.orders_with,
         CASE WHEN r.orders > 0 THEN r.orders_with::float8 / r.orders END, r.defects, r.sev,
         CASE WHEN r.orders = 0 THEN NULL
              WHEN r.orders_with::float8 / r.orders > high_rate OR r.sev >= high_severity THEN 'HIGH'
              WHEN r.orders_with::float8 / r.orders > medium_rate OR r.sev >= medium_severity THEN 'MEDIUM'
              ELSE 'LOW' END
  FROM r
  ORDER BY r.plant_id, CASE WHEN r.orders > 0 THEN r.orders_with::float8 / r.orders END DESC NULLS LAST, r.defects DESC, r.g;
END
$fn$;
COMMENT ON FUNCTION prodplan.defect_rates(text, timestamptz, timestamptz, jsonb) IS 'Defect rates of the orders created in [from_ts, to_ts) (NULL: unbounded), per plant and group (by): overall; product; work_center (the culprit: the work center of the operation a defect is blamed on, the smallest work center id when the operation id is stored twice; the orders are those with an operation there; defects without a known culprit form the group "(unknown)", rated over every order); evaluating_phase (the work center that found the defect; the orders are those with an operation there); severity (1-3; every order of the window); week (ISO week of the order''s creation, e.g. 2026-W48). Per group: orders, orders_with_defects, defect_rate (orders_with_defects / orders), defects, mean_severity, and the reference system''s level: HIGH when the rate > high_rate (0.3) or the mean severity >= high_severity (2.5), MEDIUM when > medium_rate (0.1) or >= medium_severity (2.0), else LOW (thresholds and plant in options). by work_center is refused while prodplan.feature_gates has culprit_analytics off (options.ignore_gates overrides). Highest rate first. Served from the incremental aggregate "quality_order_day" (agg_quality_order_day, agg_quality_work_center_day; under 100 ms over all of load_demo(1)) and always equal to the base-table computation (prodplan.defect_rates_base): whole UTC days come from the aggregate, the partial days at the window''s ends and the days changed since the last refresh from the base tables, so the result is current even between refreshes. The call is computed from the base tables instead (slower, same result) when the aggregate was never refreshed (or a source table was truncated since: the next refresh, every minute by the built-in job, computes it again), when more than 62 days or 32 runs of days changed since the last refresh, or when the window holds no whole UTC day; prodplan.agg_read_plan(''quality_order_day'', plant, from_ts, to_ts) says which. Writes straight into a partition (bypassing the parent table) are not seen until the days are recomputed.';

CREATE OR REPLACE FUNCTION prodplan.defect_heatmap(from_ts timestamptz DEFAULT NULL, to_ts timestamptz DEFAULT NULL, plant text DEFAULT NULL)
RETURNS TABLE (plant_id text, evaluating_work_center_id text, culprit_work_center_id text, defects bigint, orders bigint,
               mean_severity float8, share float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
SET jit = off
AS $fn$
#variable_conflict use_column
DECLARE
  rp record;
BEGIN
  SELECT * INTO rp FROM prodplan.agg_read_plan('defect_cell_day', plant, from_ts, to_ts);
  IF NOT rp.usable THEN
    RETURN QUERY SELECT * FROM prodplan.defect_heatmap_base(from_ts, to_ts, plant);
    RETURN;
  END IF;
  RETURN QUERY
  WITH ex AS MATERIALIZED (
    -- The days changed since the last refresh, per plant.
    SELECT u.p, range_agg(daterange(u.lo, u.hi, '[]')) AS days
    FROM unnest(rp.excluded_plants, rp.excluded_from, rp.excluded_to) AS u(p, lo, hi) GROUP BY u.p
  ), b AS MATERIALIZED (
    -- From the base tables: the partial days at the window's ends and the
    -- days changed since the last refresh.
    SELECT h.plant_id, h.evaluation_work_center_id AS e, h.culprit_work_center_id AS k, h.order_id, h.defects, h.severity_sum
    FROM (SELECT i.p, array_agg(i.t0 ORDER BY i.t0) AS t0s, array_agg(i.t1 ORDER BY i.t0) AS t1s
          FROM unnest(rp.base_plants, rp.base_from, rp.base_to) AS i(p, t0, t1) GROUP BY i.p) i
    CROSS JOIN LATERAL prodplan.agg_defect_cell_partials(i.p, i.t0s, i.t1s) h
  ), pr AS NOT MATERIALIZED (
    -- The (cell, order) pairs with a day in the window's whole days; clean:
    -- all their days are whole days of the window and none changed since
    -- the last refresh (counted from the pair row as they are).
    SELECT p.plant_id, p.evaluation_work_center_id AS e, p.culprit_work_center_id AS k, p.order_id, p.defects, p.severity_sum,
           p.first_day >= rp.lo_day AND p.last_day < rp.hi_day
           AND (ex.days IS NULL OR NOT ex.days && daterange(p.first_day, p.last_day, '[]')) AS clean
    FROM prodplan.agg_defect_cell_order p LEFT JOIN ex ON ex.p = p.plant_id
    WHERE p.last_day >= rp.lo_day AND p.first_day < rp.hi_day AND (plant IS NULL OR p.plant_id = plant)
  ), dirty AS (
    -- The other pairs, from their day rows on the window's unchanged whole
    -- days and the base tables' rows.
    SELECT x.plant_id, x.e, x.k, x.order_id, sum(x.defects) AS n, sum(x.severity_sum) AS s
    FROM (SELECT c.plant_id, c.evaluation_work_center_id AS e, c.culprit_work_center_id AS k, c.order_id, c.defects, c.severity_sum
          FROM pr JOIN prodplan.agg_defect_cell_day c
            ON c.plant_id = pr.plant_id AND c.order_id = pr.order_id AND c.evaluation_work_center_id = pr.e
           AND c.culprit_work_center_id = pr.k
          LEFT JOIN ex ON ex.p = c.plant_id
          WHERE NOT pr.clean AND c.day >= rp.lo_day AND c.day < rp.hi_day AND (ex.days IS NULL OR NOT ex.days @> c.day)
          UNION ALL
          SELECT b.plant_id, b.e, b.k, b.order_id, b.defects, b.severity_sum FROM b) x
    GROUP BY x.plant_id, x.e, x.k, x.order_id
  ), cells AS (
    SELECT pr.plant_id, pr.e, pr.k, count(*) AS orders, sum(pr.defects) AS n, sum(pr.severity_sum) AS s
    FROM pr WHERE pr.clean GROUP BY pr.plant_id, pr.e, pr.k
    UNION ALL
    -- A dirty row of a clean pair (its defects on a changed day) adds
    -- defects, not an order.
    SELECT d.plant_id, d.e, d.k,
           count(*) FILTER (WHERE NOT d.of_clean_pair), sum(d.n), sum(d.s)
    FROM (SELECT dirty.*, EXISTS (SELECT 1 FROM pr WHERE pr.plant_id = dirty.plant_id AND pr.e = dirty.e AND pr.k = dirty.k
                                                     AND pr.order_id = dirty.order_id AND pr.clean) AS of_clean_pair
          FROM dirty) d
    GROUP BY d.plant_id, d.e, d.k
  ), g AS (
    SELECT cells.plant_id, cells.e, cells.k, sum(cells.n)::bigint AS n, sum(cells.orders)::bigint AS orders, sum(cells.s) AS s
    FROM cells GROUP BY cells.plant_id, cells.e, cells.k
  )
  -- The mean severity is what avg() gives: the numeric quotient of the sum
  -- and the count; the share divides by the plant's defects as numeric.
  SELECT g.plant_id, g.e, g.k, g.n, g.orders, (g.s::numeric / g.n::numeric)::float8,
         (g.n::float8 / sum(g.n) OVER (PARTITION BY g.plant_id))::float8
  FROM g
  ORDER BY 1, 4 DESC, 2, 3;
END
$fn$;
COMMENT ON FUNCTION prodplan.defect_heatmap(timestamptz, timestamptz, text) IS 'The evaluation-by-culprit heatmap: defects detected in [from_ts, to_ts) per plant, evaluating phase (the work center that found them) and culprit work center (the one whose operation they are blamed on, the smallest work center id when the operation id is stored twice; "(unknown)" when not known): defects, distinct orders, mean severity, and the cell''s share of the plant''s defects. Most defects first. Served from the incremental aggregate "defect_cell_day" (agg_defect_cell_day, agg_defect_cell_order; under 100 ms over all of load_demo(1)) and always equal to the base-table computation (prodplan.defect_heatmap_base): whole UTC days come from the aggregate, the partial days at the window''s ends and the days changed since the last refresh from the base tables, so the result is current even between refreshes. The call is computed from the base tables instead (slower, same result) when the aggregate was never refreshed (or a source table was truncated since: the next refresh, every minute by the built-in job, computes it again), when more than 62 days or 32 runs of days changed since the last refresh, or when the window holds no whole UTC day; prodplan.agg_read_plan(''defect_cell_day'', plant, from_ts, to_ts) says which. Writes straight into a partition (bypassing the parent table) are not seen until the days are recomputed.';

-- ---------------------------------------------------------------------------
-- Privileges. Triggers and the refresh run as the extension's owner; the
-- readers run as the caller (prodplan_reader reads every table).
-- ---------------------------------------------------------------------------
REVOKE ALL ON FUNCTION prodplan.agg_quality_partials(text, timestamptz[], timestamptz[]),
  prodplan.agg_defect_cell_partials(text, timestamptz[], timestamptz[]),
  prodplan.agg_recompute_quality_order_day(text, date[], date[]), prodplan.agg_recompute_defect_cell_day(text, date[], date[]),
  prodplan.agg_quality_watermarks(), prodplan.agg_quality_order_changed(), prodplan.agg_quality_defect_changed(),
  prodplan.agg_quality_operation_changed(), prodplan.agg_quality_source_truncated(),
  prodplan.agg_read_plan(text, text, timestamptz, timestamptz),
  prodplan.defect_rates_base(text, timestamptz, timestamptz, jsonb),
  prodplan.defect_heatmap_base(timestamptz, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.agg_quality_partials(text, timestamptz[], timestamptz[]),
  prodplan.agg_defect_cell_partials(text, timestamptz[], timestamptz[]),
  prodplan.agg_read_plan(text, text, timestamptz, timestamptz),
  prodplan.defect_rates_base(text, timestamptz, timestamptz, jsonb),
  prodplan.defect_heatmap_base(timestamptz, timestamptz, text) TO prodplan_reader;
GRANT SELECT ON prodplan.agg_quality_order_day, prodplan.agg_quality_work_center_day, prodplan.agg_defect_cell_day,
  prodplan.agg_defect_cell_order TO prodplan_reader;

-- The new tables are derived (agg_*): prodplan.content_checksum leaves them
-- out already (relname LIKE 'agg\_%'), as it does the other aggregates.
