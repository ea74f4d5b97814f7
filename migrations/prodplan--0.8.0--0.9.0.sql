-- prodplan 0.9.0: lead-time inference (issue 9): the data set, models
-- trained in C++ (ridge and gradient-boosted trees) stored as rows,
-- deployment with history and rollback, prediction with a fallback that
-- always answers, explanations, weekly retraining, and the risk queue and
-- due-date quotes using the deployed model.
\echo Use "ALTER EXTENSION prodplan UPDATE TO '0.9.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- The registry: versions, features, parameters, trees, deployments.
-- ---------------------------------------------------------------------------
ALTER TABLE prodplan.models ADD COLUMN version int, ADD COLUMN features text[],
  ADD COLUMN parameters jsonb NOT NULL DEFAULT '{}';
UPDATE prodplan.models m SET version = x.v
FROM (SELECT model_id, row_number() OVER (PARTITION BY plant_id, kind ORDER BY model_id) AS v FROM prodplan.models) x
WHERE x.model_id = m.model_id;
COMMENT ON COLUMN prodplan.models.version IS 'The model''s number among its plant''s models of its kind: 1, 2, ... in training order (set on insert).';
COMMENT ON COLUMN prodplan.models.features IS 'leadtime: the features the model reads, in order (see prodplan.leadtime_dataset); defect_risk: NULL (its features are its terms).';
COMMENT ON COLUMN prodplan.models.parameters IS 'leadtime: algorithm (ridge or boosting), prior_weight of the product and family levels, q50 and q90 (the split-conformal offsets on log hours: P50 = exp(f + q50), P90 = exp(f + q90)), and for ridge lambda and impute (the training mean that replaces a missing feature), for boosting baseline and trees. The model itself is in model_terms (ridge) or model_trees (boosting).';
COMMENT ON TABLE prodplan.models IS 'Every trained model, per plant and kind (defect_risk: prodplan.train_defect_risk; leadtime: prodplan.train_leadtime), with its version, options, temporal split, features, parameters, test metrics next to the fallback''s (and, for leadtime, the deployed model''s), and whether it is the deployed one (at most one per plant and kind; prodplan.deploy_model, prodplan.rollback_model, history in prodplan.model_deployments). The model itself is rows: model_terms (logistic and ridge coefficients), model_rates (defect rates), model_trees (boosted trees). Scoring functions use the deployed model and fall back to history without one. prodplan.delete_models removes old undeployed ones.';

CREATE FUNCTION prodplan.models_number()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  -- Serialised per plant and kind by the advisory lock: two trainings
  -- committing together still get distinct numbers.
  PERFORM pg_advisory_xact_lock(hashtext('prodplan.models:' || NEW.plant_id || ':' || NEW.kind));
  IF NEW.version IS NULL THEN
    NEW.version := coalesce((SELECT max(m.version) FROM prodplan.models m WHERE m.plant_id = NEW.plant_id AND m.kind = NEW.kind), 0) + 1;
  END IF;
  RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION prodplan.models_number() IS 'Trigger: numbers a new model among its plant''s models of its kind (prodplan.models.version).';
CREATE TRIGGER models_number BEFORE INSERT ON prodplan.models FOR EACH ROW EXECUTE FUNCTION prodplan.models_number();
REVOKE ALL ON FUNCTION prodplan.models_number() FROM PUBLIC;
ALTER TABLE prodplan.models ALTER COLUMN version SET NOT NULL;

CREATE TABLE prodplan.model_trees (
  model_id     bigint NOT NULL REFERENCES prodplan.models ON DELETE CASCADE,
  tree         int NOT NULL,
  node         int NOT NULL,
  feature      text,
  threshold    float8,
  missing_left boolean NOT NULL DEFAULT false,
  left_node    int,
  right_node   int,
  value        float8 NOT NULL,
  samples      int NOT NULL,
  gain         float8 NOT NULL DEFAULT 0,
  PRIMARY KEY (model_id, tree, node)
);
COMMENT ON TABLE prodplan.model_trees IS 'A boosted lead-time model''s regression trees, one row per node (node 0 the root): the prediction on log hours is the model''s baseline (models.parameters) plus, for every tree, the value of the leaf an order reaches. What the model learned, readable and auditable: which features split where, and on how many training orders.';
COMMENT ON COLUMN prodplan.model_trees.feature IS 'The feature the node splits on (prodplan.models.features); NULL for a leaf.';
COMMENT ON COLUMN prodplan.model_trees.threshold IS 'Orders with feature <= threshold go to left_node, others to right_node.';
COMMENT ON COLUMN prodplan.model_trees.missing_left IS 'Where an order whose feature is unknown goes: left when true.';
COMMENT ON COLUMN prodplan.model_trees.value IS 'The node''s contribution to log hours (learning rate applied); for internal nodes the value an order stopping there would get, which explanations use.';
COMMENT ON COLUMN prodplan.model_trees.samples IS 'Training orders that reached the node.';
COMMENT ON COLUMN prodplan.model_trees.gain IS 'Reduction of the squared-error loss by the split (0 for leaves).';
COMMENT ON TABLE prodplan.model_terms IS 'A linear model''s terms. defect_risk (logistic): the intercept; per categorical feature (family, work_center, shift, crew_tenure, rework, weight) every level with its coefficient (the baseline level, the most frequent in training, has 0; "(other)" pools the rare levels and takes levels first seen when scoring); per numeric feature (log_weight_kg, product_rate_logit, work_center_rate_logit) its coefficient per standard deviation with the centre and scale used to standardise it; odds_ratio > 1 raises the risk. leadtime (ridge on log hours): the intercept (in log hours) and per design column (features, missing-value indicators, log1p transforms, month and hour as sine and cosine, weekday one-hot, two interactions) its coefficient per standard deviation, centre and scale; odds_ratio is then the factor on the lead time per standard deviation.';

CREATE TABLE prodplan.model_deployments (
  deployment_id bigserial PRIMARY KEY,
  plant_id      text NOT NULL,
  kind          text NOT NULL,
  model_id      bigint REFERENCES prodplan.models ON DELETE SET NULL,
  deployed_at   timestamptz NOT NULL DEFAULT now(),
  deployed_by   name NOT NULL DEFAULT current_user,
  reason        text NOT NULL,
  is_rollback   boolean NOT NULL DEFAULT false
);
CREATE INDEX model_deployments_plant_kind_idx ON prodplan.model_deployments (plant_id, kind, deployment_id);
COMMENT ON TABLE prodplan.model_deployments IS 'Every deployment of a model, newest last: what prodplan.rollback_model steps back through. model_id is NULL once the model was deleted.';
COMMENT ON COLUMN prodplan.model_deployments.reason IS 'Why: by hand, automatic after training (with the metrics that decided), or a rollback.';
COMMENT ON COLUMN prodplan.model_deployments.is_rollback IS 'Made by prodplan.rollback_model: it undoes the deployment before it, so rolling back again goes further back instead of forth.';
INSERT INTO prodplan.model_deployments (plant_id, kind, model_id, deployed_at, reason)
SELECT plant_id, kind, model_id, coalesce(deployed_at, created_at), coalesce(deploy_reason, 'deployed') FROM prodplan.models WHERE deployed;

-- Deployments record what was done: content checksums leave them out.
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
      -- Trained models are derived from the data; their deployments record what was done.
      AND c.relname NOT IN ('models', 'model_deployments')
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
  'Row count and an md5 over the sorted text of every row, per canonical table (optionally of one plant): two databases with equal results hold the same data. Used to reconcile loads and to test determinism. Leaves out what is derived or records what was done: ingestion runs, plans and their slots, aggregates, KPI snapshots, data-quality results, trained models and their deployments.';


CREATE FUNCTION prodplan.deploy_model_because(model_id bigint, reason text, is_rollback boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  m record;
BEGIN
  SELECT * INTO m FROM prodplan.models x WHERE x.model_id = deploy_model_because.model_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'prodplan.deploy_model: no model %', model_id USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Models are listed in prodplan.models.';
  END IF;
  -- One deployed model per plant and kind: the previous one steps down in
  -- the same transaction (the unique index checks it).
  UPDATE prodplan.models x SET deployed = false
  WHERE x.plant_id = m.plant_id AND x.kind = m.kind AND x.deployed AND x.model_id <> m.model_id;
  UPDATE prodplan.models x SET deployed = true, deployed_at = now(), deploy_reason = reason
  WHERE x.model_id = m.model_id;
  INSERT INTO prodplan.model_deployments (plant_id, kind, model_id, reason, is_rollback)
  VALUES (m.plant_id, m.kind, m.model_id, reason, is_rollback);
END
$fn$;
COMMENT ON FUNCTION prodplan.deploy_model_because(bigint, text, boolean) IS 'Deploys a model (the previous deployed one of its plant and kind steps down) and records the deployment with its reason in prodplan.model_deployments.';
REVOKE ALL ON FUNCTION prodplan.deploy_model_because(bigint, text, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION prodplan.deploy_model(model_id bigint)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT prodplan.deploy_model_because(model_id, format('deployed by %s', current_user))
$fn$;
COMMENT ON FUNCTION prodplan.deploy_model(bigint) IS 'Makes a model the deployed one of its plant and kind (the previously deployed one steps down), recorded in prodplan.model_deployments: what prodplan.defect_risk and prodplan.predict_leadtime use. Every session sees it on its next call.';

CREATE FUNCTION prodplan.rollback_model(kind text DEFAULT 'leadtime', options jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  plant text;
  current_id bigint;
  back bigint;
  d record;
  stack bigint[] := ARRAY[]::bigint[];
  i int;
BEGIN
  PERFORM prodplan.check_options('prodplan.rollback_model', options, ARRAY['plant'], 'The only option is plant.');
  IF kind IS NULL OR kind NOT IN ('leadtime', 'defect_risk') THEN
    RAISE EXCEPTION 'prodplan.rollback_model: kind must be leadtime or defect_risk, got %', coalesce(kind, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  plant := prodplan.only_plant(options ->> 'plant', 'prodplan.rollback_model');
  SELECT m.model_id INTO current_id FROM prodplan.models m
  WHERE m.plant_id = plant AND m.kind = rollback_model.kind AND m.deployed;
  IF current_id IS NULL THEN
    RAISE EXCEPTION 'prodplan.rollback_model: plant "%" has no deployed % model to roll back', plant, kind
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  -- Replay the deployments as a stack: a deployment pushes its model, a
  -- rollback pops the one it undid. The model under the top is the one to
  -- go back to (skipping models deleted since).
  FOR d IN SELECT x.model_id, x.is_rollback FROM prodplan.model_deployments x
           WHERE x.plant_id = plant AND x.kind = rollback_model.kind ORDER BY x.deployment_id LOOP
    IF d.is_rollback THEN
      stack := stack[1:cardinality(stack) - 1];
    ELSE
      stack := stack || d.model_id;
    END IF;
  END LOOP;
  FOR i IN REVERSE cardinality(stack) - 1 .. 1 LOOP
    IF stack[i] IS NOT NULL AND stack[i] <> current_id AND EXISTS (SELECT 1 FROM prodplan.models m WHERE m.model_id = stack[i]) THEN
      back := stack[i];
      EXIT;
    END IF;
  END LOOP;
  IF back IS NULL THEN
    RAISE EXCEPTION 'prodplan.rollback_model: model % is the first % model deployed in plant "%" (or the earlier ones were deleted or rolled back)',
      current_id, kind, plant USING ERRCODE = 'object_not_in_prerequisite_state',
      HINT = 'prodplan.deploy_model(model_id) deploys any model of prodplan.models.';
  END IF;
  PERFORM prodplan.deploy_model_because(back, format('rollback from model %s by %s', current_id, current_user), true);
  RETURN back;
END
$fn$;
COMMENT ON FUNCTION prodplan.rollback_model(text, jsonb) IS 'Re-deploys the model of the kind (leadtime or defect_risk) that was deployed before the current one in the plant (options.plant, or the only plant) and returns its id. Rollbacks stack: rolling back twice goes two deployments back, not back and forth (prodplan.model_deployments). An error when there is none to go back to.';

CREATE FUNCTION prodplan.delete_models(kind text DEFAULT 'leadtime', keep int DEFAULT 5, options jsonb DEFAULT '{}')
RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  plant text;
  n int;
BEGIN
  PERFORM prodplan.check_options('prodplan.delete_models', options, ARRAY['plant'], 'The only option is plant.');
  IF kind IS NULL OR kind NOT IN ('leadtime', 'defect_risk') THEN
    RAISE EXCEPTION 'prodplan.delete_models: kind must be leadtime or defect_risk, got %', coalesce(kind, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF keep IS NULL OR keep < 0 THEN
    RAISE EXCEPTION 'prodplan.delete_models: keep must be 0 or more, got %', coalesce(keep::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  plant := prodplan.only_plant(options ->> 'plant', 'prodplan.delete_models');
  DELETE FROM prodplan.models m
  WHERE m.plant_id = plant AND m.kind = delete_models.kind AND NOT m.deployed
    AND m.model_id NOT IN (SELECT k.model_id FROM prodplan.models k
                           WHERE k.plant_id = plant AND k.kind = delete_models.kind AND NOT k.deployed
                           ORDER BY k.model_id DESC LIMIT keep);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$fn$;
COMMENT ON FUNCTION prodplan.delete_models(text, int, jsonb) IS 'Deletes the plant''s models of the kind except the deployed one and the newest keep (5) others, with their terms, rates and trees; their deployments stay in prodplan.model_deployments with model_id NULL. Returns how many were deleted.';

REVOKE ALL ON FUNCTION prodplan.rollback_model(text, jsonb), prodplan.delete_models(text, int, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.rollback_model(text, jsonb), prodplan.delete_models(text, int, jsonb) TO prodplan_planner;
GRANT SELECT ON prodplan.model_trees, prodplan.model_deployments TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- The C engines.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.leadtime_train(plant text, options jsonb)
RETURNS bigint
AS 'MODULE_PATHNAME', 'prodplan_leadtime_train'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
SET jit = off;
COMMENT ON FUNCTION prodplan.leadtime_train(text, jsonb) IS 'The engine of prodplan.train_leadtime: reads the plant''s history, builds the data set, trains, measures against the fallback and the deployed model, and stores the model (not deployed). Options as prodplan.train_leadtime, checked there.';
REVOKE ALL ON FUNCTION prodplan.leadtime_train(text, jsonb) FROM PUBLIC;

CREATE FUNCTION prodplan.leadtime_dataset_rows(plant text, options jsonb)
RETURNS TABLE (order_id text, product_id text, created_at timestamptz, split text, lead_hours float8,
               product_level float8, family_level float8, log_quantity float8, demould_kg float8, finish_kg float8,
               gel_deck_kg float8, gel_hull_kg float8, routing_steps float8, standard_hours float8, month float8,
               weekday float8, hour float8, open_orders float8, route_queue float8, route_queue_max float8,
               route_queue_hours float8, route_wip float8)
AS 'MODULE_PATHNAME', 'prodplan_leadtime_dataset'
LANGUAGE C STABLE STRICT
SET search_path = pg_catalog, pg_temp
SET jit = off;
COMMENT ON FUNCTION prodplan.leadtime_dataset_rows(text, jsonb) IS 'The engine of prodplan.leadtime_dataset.';
REVOKE ALL ON FUNCTION prodplan.leadtime_dataset_rows(text, jsonb) FROM PUBLIC;

CREATE FUNCTION prodplan.leadtime_predict(plant text, order_ids text[], product_id text, quantity float8, at timestamptz)
RETURNS TABLE (order_id text, product_id text, created_at timestamptz, p50_hours float8, p90_hours float8, source text)
AS 'MODULE_PATHNAME', 'prodplan_leadtime_predict'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION prodplan.leadtime_predict(text, text[], text, float8, timestamptz) IS 'The engine of prodplan.predict_leadtime and predict_leadtime_open: order_ids (an unknown id is an error), else with product_id a new order of quantity units created at at (NULL: now), else every open order of the plant. Each backend caches the plant''s history and deployed model, checking prodplan.data_version and the deployed model on every call.';
REVOKE ALL ON FUNCTION prodplan.leadtime_predict(text, text[], text, float8, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.leadtime_predict(text, text[], text, float8, timestamptz) TO prodplan_reader;

CREATE FUNCTION prodplan.leadtime_explain(plant text, order_id text)
RETURNS TABLE (feature text, value float8, contribution float8, factor float8)
AS 'MODULE_PATHNAME', 'prodplan_leadtime_explain'
LANGUAGE C STABLE STRICT
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION prodplan.leadtime_explain(text, text) IS 'The engine of prodplan.explain_leadtime.';
REVOKE ALL ON FUNCTION prodplan.leadtime_explain(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.leadtime_explain(text, text) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- The SQL surface.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.leadtime_option_check(who text, options jsonb, extra text[])
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  PERFORM prodplan.check_options(who, options,
    ARRAY['plant', 'test_share', 'validation_share', 'test_from', 'prior_weight', 'min_orders', 'algorithm', 'coverage',
          'min_train_rows', 'seed', 'max_iterations', 'learning_rate', 'max_leaf_nodes', 'min_samples_leaf',
          'l2_regularization', 'subsample', 'early_stopping_rounds'] || extra,
    'Options are plant, test_share (0.1), validation_share (0.1), test_from (a timestamp: the test period''s start instead of test_share), '
    'prior_weight (10), min_orders (5), algorithm (auto, ridge or boosting), coverage (0.9), min_train_rows (200), seed (1), '
    'max_iterations (300), learning_rate (0.1), max_leaf_nodes (31), min_samples_leaf (20), l2_regularization (0), subsample (1), '
    'early_stopping_rounds (20)' || CASE WHEN cardinality(extra) > 0 THEN ' and ' || array_to_string(extra, ', ') ELSE '' END || '.');
  BEGIN
    PERFORM (options ->> 'test_share')::float8, (options ->> 'validation_share')::float8, (options ->> 'test_from')::timestamptz,
            (options ->> 'prior_weight')::float8, (options ->> 'min_orders')::int4, (options ->> 'coverage')::float8,
            (options ->> 'min_train_rows')::int8, (options ->> 'seed')::int8, (options ->> 'max_iterations')::int4,
            (options ->> 'learning_rate')::float8, (options ->> 'max_leaf_nodes')::int4, (options ->> 'min_samples_leaf')::int4,
            (options ->> 'l2_regularization')::float8, (options ->> 'subsample')::float8, (options ->> 'early_stopping_rounds')::int4;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION '%: bad option value: %', who, SQLERRM USING ERRCODE = 'invalid_parameter_value';
  END;
END
$fn$;
COMMENT ON FUNCTION prodplan.leadtime_option_check(text, jsonb, text[]) IS 'Checks the options of lead-time training (and extra allowed names): names and value types, naming the function who asked.';
REVOKE ALL ON FUNCTION prodplan.leadtime_option_check(text, jsonb, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.leadtime_option_check(text, jsonb, text[]) TO prodplan_reader;

CREATE FUNCTION prodplan.train_leadtime(options jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  plant text;
  id bigint;
  m jsonb;
  deploy text;
  mae float8;
  other float8;
  against text;
BEGIN
  PERFORM prodplan.leadtime_option_check('prodplan.train_leadtime', options, ARRAY['deploy']);
  deploy := coalesce(options ->> 'deploy', 'auto');
  IF deploy NOT IN ('auto', 'true', 'false') THEN
    RAISE EXCEPTION 'prodplan.train_leadtime: deploy must be auto, true or false, got %', deploy USING ERRCODE = 'invalid_parameter_value';
  END IF;
  plant := prodplan.only_plant(options ->> 'plant', 'prodplan.train_leadtime');
  id := prodplan.leadtime_train(plant, options - 'deploy' - 'plant');
  UPDATE prodplan.models x SET options = x.options || train_leadtime.options WHERE x.model_id = id;
  SELECT x.metrics INTO m FROM prodplan.models x WHERE x.model_id = id;
  mae := (m -> 'test' -> 'model' ->> 'mae_hours')::float8;
  IF m -> 'test' ->> 'deployed' IS NOT NULL THEN
    other := (m -> 'test' -> 'deployed' ->> 'mae_hours')::float8;
    against := format('the deployed model %s''s', m ->> 'deployed_model');
  ELSE
    other := (m -> 'test' -> 'fallback' ->> 'mae_hours')::float8;
    against := 'the history fallback''s';
  END IF;
  IF deploy = 'true' OR (deploy = 'auto' AND mae < other) THEN
    PERFORM prodplan.deploy_model_because(id, CASE WHEN deploy = 'true' THEN 'deployed: options.deploy = true'
      ELSE format('deployed after training: test MAE %s h below %s %s h', round(mae::numeric, 1), against, round(other::numeric, 1)) END);
  ELSE
    UPDATE prodplan.models x SET deploy_reason = CASE WHEN deploy = 'false' THEN 'not deployed: options.deploy = false'
      ELSE format('not deployed: test MAE %s h not below %s %s h', round(mae::numeric, 1), against, round(other::numeric, 1)) END
    WHERE x.model_id = id;
  END IF;
  RETURN id;
END
$fn$;
COMMENT ON FUNCTION prodplan.train_leadtime(jsonb) IS 'Trains a lead-time model of a plant (options.plant, or the only plant) and returns its model_id (prodplan.models). Data set (prodplan.leadtime_dataset): one row per finished order whose lead time (finished - created, hours) is in (0, 10,000) (others counted in metrics.excluded_orders), with features known when it was created: the product''s and family''s smoothed mean log lead time from orders finished before then (prior_weight 10 pseudo-orders), quantity, weights and gelcoat, routing length and standard hours, month, weekday and hour, and the shop''s load then (open orders; orders and standard hours queued for, and operations running on, the work centers of its routing). Temporal split by creation: the latest test_share (0.1) test, the validation_share (0.1) before it validation, the rest training. Learners, in C++ inside the backend: ridge on log hours (lambda chosen on validation) and gradient-boosted trees (histogram, leaf-wise, early stopping on validation; seed); algorithm auto keeps the lower validation MAE. P50 and P90 from split-conformal offsets of the validation residuals, so P90 covers about coverage (0.9) of orders. Test metrics (MAE, MAPE, median error, P90 coverage, pinball losses) of the model, the history fallback (median of the product''s / family''s / all finished orders as of each order''s creation) and the deployed model, on the same orders, in models.metrics. deploy: auto (default: deploy when the test MAE is below the deployed model''s, or the fallback''s when none is deployed), true or false. The model is stored as rows: model_trees or model_terms.';
REVOKE ALL ON FUNCTION prodplan.train_leadtime(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.train_leadtime(jsonb) TO prodplan_planner;

CREATE FUNCTION prodplan.leadtime_dataset(options jsonb DEFAULT '{}')
RETURNS TABLE (order_id text, product_id text, created_at timestamptz, split text, lead_hours float8,
               product_level float8, family_level float8, log_quantity float8, demould_kg float8, finish_kg float8,
               gel_deck_kg float8, gel_hull_kg float8, routing_steps float8, standard_hours float8, month float8,
               weekday float8, hour float8, open_orders float8, route_queue float8, route_queue_max float8,
               route_queue_hours float8, route_wip float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  plant text;
BEGIN
  PERFORM prodplan.leadtime_option_check('prodplan.leadtime_dataset', options, ARRAY[]::text[]);
  plant := prodplan.only_plant(options ->> 'plant', 'prodplan.leadtime_dataset');
  RETURN QUERY SELECT * FROM prodplan.leadtime_dataset_rows(plant, options - 'plant');
END
$fn$;
COMMENT ON FUNCTION prodplan.leadtime_dataset(jsonb) IS 'The data set prodplan.train_leadtime learns from, with the same options: one row per finished order with a lead time in (0, 10,000) h, ordered by creation; split (train, validation, test); lead_hours (the label); and the features as known at its creation (NULL: unknown). product_level, family_level: smoothed mean log lead time of the product''s / family''s orders finished before the creation (shrunk towards the family / plant with prior_weight pseudo-orders); log_quantity; demould_kg, finish_kg, gel_deck_kg, gel_hull_kg (per unit); routing_steps; standard_hours (routing standard hours x quantity); month, weekday (0 Monday), hour (UTC); open_orders; route_queue (orders waiting for the routing''s work centers: created, not finished, not yet started there), route_queue_max (the longest of those queues), route_queue_hours (their standard hours), route_wip (operations running there). Every feature depends only on what had happened before the creation. For exports and peer benchmarks (tests/bench/bench_leadtime.sh).';
REVOKE ALL ON FUNCTION prodplan.leadtime_dataset(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.leadtime_dataset(jsonb) TO prodplan_reader;

-- The plant of an order: options.plant, else the one plant holding it.
CREATE FUNCTION prodplan.plant_of_order(order_id text, options jsonb, who text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  found text;
  n int;
BEGIN
  PERFORM prodplan.check_options(who, options, ARRAY['plant'], 'The only option is plant.');
  IF order_id IS NULL THEN
    RAISE EXCEPTION '%: order_id must not be NULL', who USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF options ? 'plant' THEN
    RETURN prodplan.only_plant(options ->> 'plant', who);
  END IF;
  -- One plant (the usual case): it, without a search by order id (the
  -- order table's key leads with the plant); the engine reports an unknown
  -- order.
  SELECT min(p.plant_id), count(*) INTO found, n FROM prodplan.plant p;
  IF n = 1 THEN
    RETURN found;
  END IF;
  SELECT min(o.plant_id), count(*) INTO found, n FROM prodplan.production_order o WHERE o.order_id = plant_of_order.order_id;
  IF n = 1 THEN
    RETURN found;
  ELSIF n > 1 THEN
    RAISE EXCEPTION '%: order "%" exists in % plants: say which in options.plant', who, order_id, n
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RAISE EXCEPTION '%: no order "%"', who, order_id USING ERRCODE = 'no_data_found',
    HINT = 'For an order not yet entered, call prodplan.predict_leadtime(product_id, quantity).';
END
$fn$;
COMMENT ON FUNCTION prodplan.plant_of_order(text, jsonb, text) IS 'The plant of an order: options.plant when given, else the only plant holding an order with that id (an error when none or several do), naming the function who asked.';
REVOKE ALL ON FUNCTION prodplan.plant_of_order(text, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.plant_of_order(text, jsonb, text) TO prodplan_reader;

CREATE FUNCTION prodplan.predict_leadtime(order_id text, options jsonb DEFAULT '{}')
RETURNS TABLE (p50_hours float8, p90_hours float8, source text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT p.p50_hours, p.p90_hours, p.source
  FROM prodplan.leadtime_predict(prodplan.plant_of_order(order_id, options, 'prodplan.predict_leadtime'),
                                 ARRAY[order_id], NULL, NULL, NULL) p
$fn$;
COMMENT ON FUNCTION prodplan.predict_leadtime(text, jsonb) IS 'The lead time of an order (hours from its creation to its finish): P50 and P90, and the source that answered, never an empty answer. The ladder: model:<id> (the plant''s deployed lead-time model, from the order''s features as of its creation: prodplan.train_leadtime); without one, history:product (median and 90th percentile of the product''s finished orders, when it has at least 5), history:family (its family''s, at least 5), history:all (every finished order of the plant), routing (no order has finished yet: the routing''s standard hours x quantity, P90 = P50), none (nothing known: NULL hours). Each session caches the plant''s history and model (the first call reads them, later calls take well under a millisecond) and sees a new data version or deployment on its next call. options.plant when the order id exists in several plants.';
REVOKE ALL ON FUNCTION prodplan.predict_leadtime(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.predict_leadtime(text, jsonb) TO prodplan_reader;

CREATE FUNCTION prodplan.predict_leadtime(product_id text, quantity float8, options jsonb DEFAULT '{}')
RETURNS TABLE (p50_hours float8, p90_hours float8, source text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  PERFORM prodplan.check_options('prodplan.predict_leadtime', options, ARRAY['plant', 'at'],
    'Options are plant and at (when the order would be created; default now).');
  IF product_id IS NULL OR quantity IS NULL THEN
    RAISE EXCEPTION 'prodplan.predict_leadtime: product_id and quantity must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT (quantity > 0) THEN
    RAISE EXCEPTION 'prodplan.predict_leadtime: quantity must be above 0, got %', quantity USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
  SELECT p.p50_hours, p.p90_hours, p.source
  FROM prodplan.leadtime_predict(prodplan.only_plant(options ->> 'plant', 'prodplan.predict_leadtime'), NULL,
                                 product_id, quantity, (options ->> 'at')::timestamptz) p;
END
$fn$;
COMMENT ON FUNCTION prodplan.predict_leadtime(text, float8, jsonb) IS 'The lead time of a new order of quantity units of product_id created now (options.at: another moment), from the shop''s current load: P50 and P90 hours and the source, down the same ladder as prodplan.predict_leadtime(order_id); a product the data does not know is predicted as the plant''s typical order (model) or from all finished orders (history:all).';
REVOKE ALL ON FUNCTION prodplan.predict_leadtime(text, float8, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.predict_leadtime(text, float8, jsonb) TO prodplan_reader;

CREATE FUNCTION prodplan.predict_leadtime_open(options jsonb DEFAULT '{}')
RETURNS TABLE (plant_id text, order_id text, product_id text, created_at timestamptz, p50_hours float8, p90_hours float8,
               p50_at timestamptz, p90_at timestamptz, source text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  plant text;
BEGIN
  PERFORM prodplan.check_options('prodplan.predict_leadtime_open', options, ARRAY['plant'], 'The only option is plant.');
  plant := prodplan.only_plant(options ->> 'plant', 'prodplan.predict_leadtime_open');
  RETURN QUERY
  SELECT plant, p.order_id, p.product_id, p.created_at, p.p50_hours, p.p90_hours,
         p.created_at + make_interval(secs => p.p50_hours * 3600), p.created_at + make_interval(secs => p.p90_hours * 3600),
         p.source
  FROM prodplan.leadtime_predict(plant, NULL, NULL, NULL, NULL) p
  ORDER BY p.created_at, p.order_id;
END
$fn$;
COMMENT ON FUNCTION prodplan.predict_leadtime_open(jsonb) IS 'prodplan.predict_leadtime for every open order of the plant at once (batch): P50 and P90 lead time in hours, the finish times they imply (created_at + P50 / P90), and the source; oldest order first.';
REVOKE ALL ON FUNCTION prodplan.predict_leadtime_open(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.predict_leadtime_open(jsonb) TO prodplan_reader;

CREATE FUNCTION prodplan.explain_leadtime(order_id text, options jsonb DEFAULT '{}')
RETURNS TABLE (feature text, value float8, contribution float8, factor float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT e.feature, e.value, e.contribution, e.factor
  FROM prodplan.leadtime_explain(prodplan.plant_of_order(order_id, options, 'prodplan.explain_leadtime'), order_id) e
$fn$;
COMMENT ON FUNCTION prodplan.explain_leadtime(text, jsonb) IS 'Why the deployed lead-time model predicts what it does for an order: the first row is the baseline (value: its hours), then each feature with its value at the order''s creation (NULL: unknown) and its contribution to the log of the lead time (factor = exp(contribution): how many times longer it makes the order), and last the conformal median offset. The factors multiply to the P50 of prodplan.predict_leadtime. Boosted trees: each split''s change of the prediction credited to its feature (path attribution); ridge: coefficient x (value - training mean). An error when no model is deployed.';
REVOKE ALL ON FUNCTION prodplan.explain_leadtime(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.explain_leadtime(text, jsonb) TO prodplan_reader;

-- ---------------------------------------------------------------------------
-- Weekly retraining.
-- ---------------------------------------------------------------------------
CREATE FUNCTION prodplan.retrain_leadtime_models(min_orders int DEFAULT 500)
RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  p record;
  trained int := 0;
  failures text[] := ARRAY[]::text[];
BEGIN
  FOR p IN SELECT pl.plant_id FROM prodplan.plant pl ORDER BY pl.plant_id LOOP
    -- Plants without enough history are not a failure: nothing to learn yet.
    IF (SELECT count(*) FROM prodplan.production_order o WHERE o.plant_id = p.plant_id AND o.finished_at IS NOT NULL) < min_orders THEN
      CONTINUE;
    END IF;
    BEGIN
      PERFORM prodplan.train_leadtime(jsonb_build_object('plant', p.plant_id));
      trained := trained + 1;
    EXCEPTION WHEN query_canceled THEN
      RAISE;
    WHEN others THEN
      failures := failures || format('%s: %s', p.plant_id, SQLERRM);
    END;
  END LOOP;
  IF cardinality(failures) > 0 THEN
    RAISE EXCEPTION 'prodplan.retrain_leadtime_models: % of the plants failed: %', cardinality(failures), array_to_string(failures, '; ');
  END IF;
  RETURN trained;
END
$fn$;
COMMENT ON FUNCTION prodplan.retrain_leadtime_models(int) IS 'The weekly retraining job''s command: prodplan.train_leadtime for every plant with at least min_orders (500) finished orders, each deployed only if it beats the deployed model (deploy auto); a plant''s failure does not stop the others but fails the run, naming each. Returns the number of models trained.';
REVOKE ALL ON FUNCTION prodplan.retrain_leadtime_models(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.retrain_leadtime_models(int) TO prodplan_planner;

INSERT INTO prodplan.jobs (name, schedule, command, is_builtin)
VALUES ('prodplan.leadtime retraining', '23 2 * * 0', 'SELECT prodplan.retrain_leadtime_models()', true);

-- ---------------------------------------------------------------------------
-- The risk queue and due-date quotes use the deployed lead-time model.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION prodplan.risk_queue(as_of timestamptz DEFAULT now())
RETURNS TABLE (plant_id text, order_id text, product_id text, due_at timestamptz, eta timestamptz, slack_hours float8,
               p_late float8, eta_source text, plan_id bigint, simulation_id bigint, reason text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  WITH plan_of AS (
    SELECT pl.plant_id, prodplan.current_plan(pl.plant_id) AS plan_id FROM prodplan.plant pl
  ), sim_of AS (
    SELECT po.plant_id, po.plan_id,
           (SELECT s.simulation_id FROM prodplan.simulations s WHERE s.plan_id = po.plan_id
            ORDER BY s.simulation_id DESC LIMIT 1) AS simulation_id
    FROM plan_of po WHERE po.plan_id IS NOT NULL
  ), open_orders AS (
    SELECT o.plant_id, o.order_id, o.product_id, o.due_at, o.created_at
    FROM prodplan.production_order o
    WHERE o.finished_at IS NULL AND o.created_at <= risk_queue.as_of
  ), planned_ops AS (
    -- Each planned operation's wait: from when its order's previous
    -- operation ends (the plan start for the first) to its start.
    SELECT po.plan_id, po.order_id, po.operation, po.work_center_id, po.start_at, po.end_at,
           extract(epoch FROM po.start_at - coalesce(lag(po.end_at) OVER w, greatest(p.plan_start, po.setup_start_at)))::float8 / 3600 AS wait_h,
           extract(epoch FROM po.end_at - po.start_at)::float8 / 3600 AS run_h
    FROM prodplan.planned_operations po JOIN prodplan.plans p ON p.plan_id = po.plan_id
    WHERE po.plan_id IN (SELECT s.plan_id FROM sim_of s)
    WINDOW w AS (PARTITION BY po.plan_id, po.order_id ORDER BY po.operation)
  ), planned AS (
    SELECT x.plan_id, x.order_id, max(x.end_at) AS end_at,
           (array_agg(x.operation ORDER BY greatest(x.wait_h, x.run_h) DESC, x.operation))[1] AS key_op,
           (array_agg(x.work_center_id ORDER BY greatest(x.wait_h, x.run_h) DESC, x.operation))[1] AS key_wc,
           (array_agg(x.wait_h ORDER BY greatest(x.wait_h, x.run_h) DESC, x.operation))[1] AS key_wait,
           (array_agg(x.run_h ORDER BY greatest(x.wait_h, x.run_h) DESC, x.operation))[1] AS key_run
    FROM planned_ops x GROUP BY x.plan_id, x.order_id
  ), unplanned AS (
    SELECT oo.* FROM open_orders oo LEFT JOIN sim_of s ON s.plant_id = oo.plant_id
    WHERE NOT EXISTS (SELECT 1 FROM planned p WHERE p.plan_id = s.plan_id AND p.order_id = oo.order_id)
  ), std AS (
    SELECT pl.plant_id, st.product_id, st.work_center_id, st.minutes
    FROM (SELECT DISTINCT u.plant_id FROM unplanned u) pl,
         LATERAL prodplan.standard_times(pl.plant_id, 5,
                   (SELECT array_agg(DISTINCT u.product_id) FROM unplanned u WHERE u.plant_id = pl.plant_id)) st
  ), remaining AS (
    -- The routing steps after the last one the order finished.
    SELECT u.plant_id, u.order_id, sum(coalesce(sd.minutes, 0)) AS minutes, count(*) AS steps,
           count(*) FILTER (WHERE sd.minutes IS NULL) AS unknown,
           (array_agg(rs.work_center_id ORDER BY sd.minutes DESC NULLS LAST))[1] AS longest_wc,
           max(sd.minutes) / 60 AS longest_h
    FROM unplanned u
    JOIN prodplan.routing_step rs ON rs.plant_id = u.plant_id AND rs.product_id = u.product_id
    LEFT JOIN std sd ON sd.plant_id = u.plant_id AND sd.product_id = u.product_id AND sd.work_center_id = rs.work_center_id
    WHERE rs.sequence > coalesce((SELECT max(op.sequence) FROM prodplan.operation op
                                  WHERE op.plant_id = u.plant_id AND op.order_id = u.order_id AND op.ended_at IS NOT NULL), -1)
    GROUP BY u.plant_id, u.order_id
  ), model_eta AS (
    -- Orders the plan does not hold, in plants with a deployed lead-time
    -- model: its P50 and P90 finish from the order's creation.
    SELECT pl.plant_id, lp.order_id, lp.created_at + make_interval(secs => lp.p50_hours * 3600) AS p50_end,
           lp.created_at + make_interval(secs => lp.p90_hours * 3600) AS p90_end, lp.source
    FROM (SELECT DISTINCT u.plant_id FROM unplanned u) pl
    CROSS JOIN LATERAL prodplan.leadtime_predict(pl.plant_id,
                 (SELECT array_agg(u.order_id) FROM unplanned u WHERE u.plant_id = pl.plant_id), NULL, NULL, NULL) lp
    WHERE EXISTS (SELECT 1 FROM prodplan.models m WHERE m.plant_id = pl.plant_id AND m.kind = 'leadtime' AND m.deployed)
      AND lp.p50_hours IS NOT NULL
  ), rows AS (
    SELECT oo.plant_id, oo.order_id, oo.product_id, oo.due_at,
           CASE WHEN pd.order_id IS NOT NULL THEN greatest(pd.end_at, risk_queue.as_of)
                WHEN me.order_id IS NOT NULL THEN
                  greatest(me.p50_end, risk_queue.as_of + make_interval(secs => coalesce(r.minutes, 0) * 60))
                WHEN r.order_id IS NOT NULL THEN risk_queue.as_of + make_interval(secs => r.minutes * 60)
           END AS eta,
           CASE WHEN pd.order_id IS NOT NULL THEN 'plan'
                WHEN me.order_id IS NOT NULL THEN me.source
                WHEN r.order_id IS NOT NULL THEN 'history'
                ELSE 'none' END AS eta_source,
           me.p50_end AS model_p50, me.p90_end AS model_p90,
           s.plan_id AS plan_id_, s.simulation_id AS sim_id, so.p_on_time, so.driver_work_center, so.driver_operation,
           so.driver_hours, pd.end_at AS plan_end, pd.key_op, pd.key_wc, pd.key_wait, pd.key_run,
           r.steps, r.unknown, r.longest_wc, r.longest_h
    FROM open_orders oo
    LEFT JOIN sim_of s ON s.plant_id = oo.plant_id
    LEFT JOIN planned pd ON pd.plan_id = s.plan_id AND pd.order_id = oo.order_id
    LEFT JOIN remaining r ON r.plant_id = oo.plant_id AND r.order_id = oo.order_id AND pd.order_id IS NULL
    LEFT JOIN model_eta me ON me.plant_id = oo.plant_id AND me.order_id = oo.order_id AND pd.order_id IS NULL
    LEFT JOIN prodplan.simulation_orders so ON so.simulation_id = s.simulation_id AND so.order_id = oo.order_id
  )
  SELECT x.plant_id, x.order_id, x.product_id, x.due_at, x.eta,
         (extract(epoch FROM x.due_at - x.eta) / 3600)::float8 AS slack_hours,
         1 - x.p_on_time AS p_late, x.eta_source, x.plan_id_, x.sim_id,
         concat_ws('; ',
           CASE WHEN x.due_at < risk_queue.as_of THEN format('past due by %s h', round((extract(epoch FROM risk_queue.as_of - x.due_at) / 3600)::numeric, 1)) END,
           CASE WHEN x.plan_end < risk_queue.as_of THEN format('plan %s expected it done by %s', x.plan_id_, x.plan_end) END,
           CASE WHEN x.driver_work_center IS NOT NULL AND x.driver_hours >= 0.05 THEN
                  format('in simulation %s, operation %s on work center %s adds %s h on average', x.sim_id, x.driver_operation,
                         x.driver_work_center, round(x.driver_hours::numeric, 1))
                WHEN x.eta_source = 'plan' AND x.key_wait > x.key_run THEN
                  format('operation %s waits %s h for work center %s', x.key_op, round(x.key_wait::numeric, 1), x.key_wc)
                WHEN x.eta_source = 'plan' THEN
                  format('operation %s on work center %s takes %s h', x.key_op, x.key_wc, round(x.key_run::numeric, 1))
                WHEN x.eta_source LIKE 'model:%' THEN
                  format('not in a plan: lead-time %s expects it done by %s (P50), %s (P90)%s', replace(x.eta_source, ':', ' '),
                         to_char(x.model_p50, 'YYYY-MM-DD HH24:MI'), to_char(x.model_p90, 'YYYY-MM-DD HH24:MI'),
                         CASE WHEN x.model_p50 < risk_queue.as_of THEN ', already past its P50' ELSE '' END)
                WHEN x.eta_source = 'history' THEN
                  format('not in a plan: %s remaining operations at their historical medians%s, longest on work center %s (%s h)',
                         x.steps, CASE WHEN x.unknown > 0 THEN format(' (%s without history)', x.unknown) ELSE '' END,
                         x.longest_wc, round(coalesce(x.longest_h, 0)::numeric, 1))
                ELSE 'no plan and no remaining routing step: ETA unknown' END)
  FROM rows x
  ORDER BY (extract(epoch FROM x.due_at - x.eta) / 3600) ASC NULLS LAST, 1 - x.p_on_time DESC NULLS LAST, x.plant_id, x.order_id
$fn$;
COMMENT ON FUNCTION prodplan.risk_queue(timestamptz) IS 'Every open order (not finished, created by as_of) with its ETA, due date, slack (due minus ETA, hours; negative: late), probability of being late and why, most urgent (least slack) first. ETA: the order''s completion in its plant''s current plan (prodplan.current_plan), never before as_of (eta_source plan); for orders the plan does not hold, when the plant has a deployed lead-time model (prodplan.train_leadtime), the model''s P50 finish (creation + P50 hours), never before as_of plus the remaining routing''s historical medians (eta_source model:<id>); otherwise as_of plus the historical medians (prodplan.standard_times) of the routing steps after the last one finished (eta_source history). p_late: 1 - p_on_time of the plan''s latest simulation (prodplan.simulate), NULL without one. reason: past due, a stale plan, and what drives the order: the simulation''s delay driver when there is one, else the operation with the longest wait for its work center or the longest run in the plan, else the lead-time model''s P50 and P90 finish, else the remaining routing.';

DROP FUNCTION prodplan.quote_due_date(text, float8, jsonb);
CREATE FUNCTION prodplan.quote_due_date(product_id text, quantity float8 DEFAULT 1, options jsonb DEFAULT '{}')
RETURNS TABLE (order_id text, planned_end timestamptz, p50_end timestamptz, p90_end timestamptz, p_on_time float8,
               deciding_work_centers text[], decided_by jsonb, scenario_plan bigint, simulation_id bigint,
               leadtime_p50_end timestamptz, leadtime_p90_end timestamptz, leadtime_source text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
  plant text;
  base bigint;
  scenario bigint;
  sim bigint;
  quote_id text;
  change jsonb;
BEGIN
  IF product_id IS NULL OR quantity IS NULL THEN
    RAISE EXCEPTION 'prodplan.quote_due_date: product_id and quantity must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT (quantity > 0) THEN
    RAISE EXCEPTION 'prodplan.quote_due_date: quantity must be above 0, got %', quantity USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM prodplan.check_options('prodplan.quote_due_date', options, ARRAY['plant', 'due', 'priority', 'replications', 'seed', 'durations', 'breakdowns', 'time_limit_ms'],
    'Options are plant, due (a wanted date: the order is planned against it), priority (default 1), replications (default 500), seed, durations, breakdowns and time_limit_ms.');
  plant := options ->> 'plant';
  IF plant IS NULL THEN
    IF (SELECT count(*) FROM prodplan.plant) <> 1 THEN
      RAISE EXCEPTION 'prodplan.quote_due_date: options.plant is needed: the database has % plants', (SELECT count(*) FROM prodplan.plant)
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    plant := (SELECT p.plant_id FROM prodplan.plant p);
  END IF;
  base := prodplan.current_plan(plant);
  IF base IS NULL THEN
    base := prodplan.plan(jsonb_build_object('plant', plant));
  END IF;
  -- The hypothetical order: an id no order has.
  quote_id := 'QUOTE-' || product_id;
  WHILE EXISTS (SELECT 1 FROM prodplan.production_order o WHERE o.plant_id = plant AND o.order_id = quote_id) LOOP
    quote_id := quote_id || '''';
  END LOOP;
  change := jsonb_build_object('type', 'rush_order', 'order_id', quote_id, 'product', product_id, 'quantity', quantity,
                               'due', options -> 'due', 'priority', coalesce(options -> 'priority', '1'::jsonb));
  scenario := prodplan.whatif(jsonb_build_array(change), base,
                              jsonb_strip_nulls(jsonb_build_object('plant', plant, 'time_limit_ms', options -> 'time_limit_ms',
                                                                   'seed', options -> 'seed')));
  sim := prodplan.simulate_plan(scenario, coalesce((options ->> 'replications')::int, 500),
                                jsonb_strip_nulls(jsonb_build_object('seed', options -> 'seed', 'durations', options -> 'durations',
                                                                     'breakdowns', options -> 'breakdowns')));
  RETURN QUERY
  WITH ops AS (
    SELECT po.operation, po.work_center_id,
           extract(epoch FROM po.start_at - coalesce(lag(po.end_at) OVER (ORDER BY po.operation), p.plan_start))::float8 / 3600 AS wait_h,
           extract(epoch FROM po.end_at - po.start_at)::float8 / 3600 AS run_h
    FROM prodplan.planned_operations po JOIN prodplan.plans p ON p.plan_id = po.plan_id
    WHERE po.plan_id = scenario AND po.order_id = quote_id
  ), ranked AS (
    SELECT o.work_center_id, sum(greatest(o.wait_h, 0) + o.run_h) AS hours, sum(greatest(o.wait_h, 0)) AS wait_h,
           sum(o.run_h) AS run_h
    FROM ops o GROUP BY o.work_center_id
  )
  SELECT so.order_id, so.planned_end, so.p50_end, so.p90_end, so.p_on_time,
         (SELECT array_agg(r.work_center_id ORDER BY r.hours DESC, r.work_center_id)
          FROM (SELECT * FROM ranked ORDER BY hours DESC, work_center_id LIMIT 3) r),
         (SELECT jsonb_agg(jsonb_build_object('work_center', r.work_center_id, 'wait_hours', round(r.wait_h::numeric, 2),
                                              'run_hours', round(r.run_h::numeric, 2)) ORDER BY r.hours DESC, r.work_center_id)
          FROM ranked r),
         scenario, sim, lt.p50_end, lt.p90_end, lt.source
  FROM prodplan.simulation_orders so
  LEFT JOIN LATERAL (
    -- The deployed lead-time model's view of the same new order, created now.
    SELECT now() + make_interval(secs => p.p50_hours * 3600) AS p50_end, now() + make_interval(secs => p.p90_hours * 3600) AS p90_end,
           p.source
    FROM prodplan.leadtime_predict(plant, NULL, quote_due_date.product_id, quote_due_date.quantity, now()) p
    WHERE EXISTS (SELECT 1 FROM prodplan.models m WHERE m.plant_id = plant AND m.kind = 'leadtime' AND m.deployed)
  ) lt ON true
  WHERE so.simulation_id = sim AND so.order_id = quote_id;
END
$fn$;
COMMENT ON FUNCTION prodplan.quote_due_date(text, float8, jsonb) IS 'When could a new order of product_id (quantity units: durations x quantity) be finished? Adds it as a hypothetical order to the plant''s current plan (prodplan.whatif rush_order: the base data and the plan are not changed; the scenario is kept and reused for the same question on the same data), simulates that scenario (prodplan.simulate, options.replications default 500) and returns the order''s planned, P50 and P90 completion, its probability of meeting options.due when given, and the work centers that decide it: where its operations wait and run longest (deciding_work_centers, the top three; decided_by, every one with wait and run hours); when the plant has a deployed lead-time model (prodplan.train_leadtime), its P50 and P90 finish for the same order created now next to them (leadtime_p50_end, leadtime_p90_end, leadtime_source model:<id>; NULL without one). Options: plant, due, priority (default 1: higher is more urgent), replications, seed, durations, breakdowns, time_limit_ms.';

REVOKE ALL ON FUNCTION prodplan.quote_due_date(text, float8, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION prodplan.quote_due_date(text, float8, jsonb) TO prodplan_planner;
