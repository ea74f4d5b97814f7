#!/usr/bin/env bash
# Lead-time inference on load_demo(0.2): before any model, predict_leadtime
# walks the fallback ladder (history:product, history:family, history:all,
# routing, none) and never returns nothing; train_leadtime stores a model
# that beats the fallback, as rows, and deploys it; a session that is
# already connected sees the deployment (and a rollback) on its next call;
# two trainings with the same seed give the same model and predictions; a
# prediction as of a past date is unchanged when everything after that date
# is removed (no feature leaks the future); the batch form, explanations,
# rollback, deletion, the weekly job; bad input is refused and changes
# nothing.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning -c TimeZone=UTC"
# shellcheck source=db_helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/db_helpers.sh"
pp_fresh_databases pp_leadtime
q() { psql -qX -d pp_leadtime -v ON_ERROR_STOP=1 -At "$@"; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
check() {  # label sql: passes when the query returns t
  local got
  got=$(q -c "$2" 2>&1) || true
  if [ "$got" = t ]; then ok "$1"; else bad "$1: got [$got]"; fi
}
refused() {  # label sql pattern: the call fails with a message matching pattern
  local out
  if out=$(q -c "$2" 2>&1); then bad "$1: accepted"; return; fi
  if grep -q -- "$3" <<<"$out"; then ok "$1"; else bad "$1: wrong error [$out]"; fi
}

q -c "SELECT prodplan.load_demo(0.2, 42, 'direct') IS NOT NULL" >/dev/null

# --- The ladder without a model -------------------------------------------
many=$(q -c "SELECT o.order_id FROM prodplan.production_order o JOIN prodplan.product p USING (plant_id, product_id)
             WHERE o.product_id IN (SELECT product_id FROM prodplan.production_order WHERE finished_at IS NOT NULL
                                    GROUP BY product_id HAVING count(*) >= 5) ORDER BY o.order_id LIMIT 1")
few=$(q -c "SELECT o.order_id FROM prodplan.production_order o JOIN prodplan.product p USING (plant_id, product_id)
            WHERE p.family IS NOT NULL AND (SELECT count(*) FROM prodplan.production_order x
                                            WHERE x.product_id = o.product_id AND x.finished_at IS NOT NULL) < 5
            ORDER BY o.order_id LIMIT 1")
orphan=$(q -c "SELECT o.order_id FROM prodplan.production_order o
               WHERE NOT EXISTS (SELECT 1 FROM prodplan.product p WHERE p.plant_id = o.plant_id AND p.product_id = o.product_id)
                 AND (SELECT count(*) FROM prodplan.production_order x WHERE x.product_id = o.product_id AND x.finished_at IS NOT NULL) < 5
               ORDER BY o.order_id LIMIT 1")
check "no model: a product with history answers from its own finished orders" \
  "SELECT source = 'history:product' AND p50_hours > 0 AND p90_hours >= p50_hours FROM prodplan.predict_leadtime('$many')"
check "... the median is the product's" \
  "SELECT abs(p50_hours - (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)::float8 / 3600)
                           FROM prodplan.production_order WHERE product_id = (SELECT product_id FROM prodplan.production_order WHERE order_id = '$many')
                             AND finished_at IS NOT NULL)) < 1e-6 FROM prodplan.predict_leadtime('$many')"
check "no model: a product with under 5 finished orders answers from its family" \
  "SELECT source = 'history:family' AND p50_hours > 0 FROM prodplan.predict_leadtime('$few')"
check "no model: a product missing from the master data answers from every order" \
  "SELECT source = 'history:all' AND p50_hours > 0 FROM prodplan.predict_leadtime('$orphan')"
check "no model: a new order of an unknown product answers from every order" \
  "SELECT source = 'history:all' AND p50_hours > 0 FROM prodplan.predict_leadtime('NO-SUCH-PRODUCT', 2)"
# A second plant with a routing and nothing finished: routing, then none.
q -c "INSERT INTO prodplan.plant (plant_id, name) VALUES ('NEW', 'New plant')" \
  -c "INSERT INTO prodplan.product (plant_id, product_id, name) VALUES ('NEW', 'P1', 'Kayak one')" \
  -c "INSERT INTO prodplan.routing_step (plant_id, product_id, sequence, work_center_id, standard_minutes)
      VALUES ('NEW', 'P1', 1, 'W1', 90), ('NEW', 'P1', 2, 'W2', 30)" \
  -c "INSERT INTO prodplan.production_order (plant_id, order_id, product_id, created_at, quantity) VALUES
      ('NEW', 'N1', 'P1', '2026-01-05 08:00+00', 3), ('NEW', 'N2', 'P2', '2026-01-05 09:00+00', 1)"
check "nothing finished yet: the routing's standard hours x quantity" \
  "SELECT source = 'routing' AND p50_hours = 6 AND p90_hours = 6 FROM prodplan.predict_leadtime('N1')"
check "nothing known at all: source none, hours NULL, still a row" \
  "SELECT source = 'none' AND p50_hours IS NULL FROM prodplan.predict_leadtime('N2')"
refused "two plants: a new order needs options.plant" "SELECT * FROM prodplan.predict_leadtime('P1', 1)" 'options.plant'
check "... and gets it" \
  "SELECT source = 'routing' AND p50_hours = 2 FROM prodplan.predict_leadtime('P1', 1, '{\"plant\": \"NEW\"}')"
refused "unknown order" "SELECT * FROM prodplan.predict_leadtime('NOPE-1')" 'no order "NOPE-1"'
q -c "DELETE FROM prodplan.production_order WHERE plant_id = 'NEW'" -c "DELETE FROM prodplan.routing_step WHERE plant_id = 'NEW'" \
  -c "DELETE FROM prodplan.plant WHERE plant_id = 'NEW'"
refused "unknown order, one plant" "SELECT * FROM prodplan.predict_leadtime('NOPE-1')" 'no order "NOPE-1" in plant "DEMO"'
refused "quantity 0" "SELECT * FROM prodplan.predict_leadtime('X', 0)" 'quantity must be above 0'
refused "explain without a model" "SELECT * FROM prodplan.explain_leadtime('$many')" 'no deployed lead-time model'

# --- Training ---------------------------------------------------------------
refused "bad option name" "SELECT prodplan.train_leadtime('{\"sed\": 1}')" 'unknown option(s) sed'
refused "bad option value" "SELECT prodplan.train_leadtime('{\"test_share\": \"half\"}')" 'options.test_share must be a number, found'
refused "bad algorithm" "SELECT prodplan.train_leadtime('{\"algorithm\": \"svm\"}')" 'algorithm must be auto, ridge or boosting'
refused "too little data for the options" "SELECT prodplan.train_leadtime('{\"min_train_rows\": 1000000}')" 'min_train_rows'
check "a refused training stored nothing" "SELECT count(*) = 0 FROM prodplan.models"
id=$(q -c "SELECT prodplan.train_leadtime('{\"seed\": 7}')")
check "the model is stored with its split, features, parameters and metrics" \
  "SELECT kind = 'leadtime' AND version = 1 AND train_rows > 1000 AND test_rows > 100 AND split_at > train_from
          AND cardinality(features) = 17 AND parameters ? 'q90' AND metrics->'test'->'model' ? 'mae_hours'
   FROM prodplan.models WHERE model_id = $id"
check "it beats the history fallback on the test orders, by at least 30% MAE" \
  "SELECT (metrics->'test'->'model'->>'mae_hours')::float8 < 0.7 * (metrics->'test'->'fallback'->>'mae_hours')::float8
   FROM prodplan.models WHERE model_id = $id"
check "P90 covers 80-97% of the test orders" \
  "SELECT (metrics->'test'->'model'->>'p90_coverage')::float8 BETWEEN 0.80 AND 0.97 FROM prodplan.models WHERE model_id = $id"
check "deployed automatically, saying why" \
  "SELECT deployed AND deploy_reason LIKE 'deployed after training: test MAE % below the history fallback%' FROM prodplan.models WHERE model_id = $id"
check "the model is rows: trees (boosting) or terms (ridge)" \
  "SELECT CASE parameters->>'algorithm' WHEN 'boosting' THEN (SELECT count(*) > 10 FROM prodplan.model_trees t WHERE t.model_id = $id)
          ELSE (SELECT count(*) > 10 FROM prodplan.model_terms t WHERE t.model_id = $id) END FROM prodplan.models WHERE model_id = $id"
check "predictions now come from the model" \
  "SELECT source = 'model:$id' AND p50_hours > 0 AND p90_hours > p50_hours FROM prodplan.predict_leadtime('$few')"
check "a new order of an unknown product gets a model answer too" \
  "SELECT source = 'model:$id' AND p50_hours > 0 FROM prodplan.predict_leadtime('NO-SUCH-PRODUCT', 1)"
check "the batch form: one row per open order, finish times = created + hours" \
  "SELECT count(*) = (SELECT count(*) FROM prodplan.production_order WHERE finished_at IS NULL) AND count(*) > 5
          AND bool_and(source = 'model:$id') AND bool_and(p50_at = created_at + make_interval(secs => p50_hours * 3600))
   FROM prodplan.predict_leadtime_open()"
check "the risk queue takes unplanned orders' ETA from the model" \
  "SELECT bool_and(r.eta_source = 'model:$id' AND r.eta >= p.created_at + make_interval(secs => p.p50_hours * 3600) - interval '1 microsecond'
                   AND r.reason LIKE '%lead-time model $id expects it done by%')
          AND count(*) = (SELECT count(*) FROM prodplan.production_order WHERE finished_at IS NULL)
   FROM prodplan.risk_queue() r JOIN prodplan.predict_leadtime_open() p USING (order_id)"
product=$(q -c "SELECT product_id FROM prodplan.production_order WHERE order_id = '$many'")
check "a due-date quote shows the model's P50 and P90 next to the simulation's" \
  "SELECT leadtime_source = 'model:$id' AND leadtime_p90_end > leadtime_p50_end AND leadtime_p50_end > now() AND p50_end IS NOT NULL
   FROM prodplan.quote_due_date('$product', 1, '{\"replications\": 50, \"time_limit_ms\": 2000}')"
check "explain: the factors multiply to the P50" \
  "SELECT abs(exp(sum(contribution)) - (SELECT p50_hours FROM prodplan.predict_leadtime('$many'))) < 1e-6 * exp(sum(contribution))
          AND count(*) = 19 FROM prodplan.explain_leadtime('$many')"
check "the stored model reproduces the training's test MAE (rows round-trip exactly)" \
  "WITH d AS (SELECT * FROM prodplan.leadtime_dataset('{\"seed\": 7}') WHERE split = 'test')
   SELECT abs(avg(abs(p.p50_hours - d.lead_hours)) - (SELECT (metrics->'test'->'model'->>'mae_hours')::float8 FROM prodplan.models WHERE model_id = $id)) < 1e-6
   FROM d, LATERAL prodplan.predict_leadtime(d.order_id) p"

# --- Same seed, same model ----------------------------------------------------
id2=$(q -c "SELECT prodplan.train_leadtime('{\"seed\": 7, \"deploy\": false}')")
check "a second training with the same seed: identical trees, terms and metrics" \
  "SELECT NOT EXISTS (SELECT tree, node, feature, threshold, value FROM prodplan.model_trees WHERE model_id = $id
                      EXCEPT SELECT tree, node, feature, threshold, value FROM prodplan.model_trees WHERE model_id = $id2)
      AND (SELECT count(*) FROM prodplan.model_trees WHERE model_id = $id) = (SELECT count(*) FROM prodplan.model_trees WHERE model_id = $id2)
      AND NOT EXISTS (SELECT term, coefficient FROM prodplan.model_terms WHERE model_id = $id
                      EXCEPT SELECT term, coefficient FROM prodplan.model_terms WHERE model_id = $id2)
      AND (SELECT metrics->'test'->'model' FROM prodplan.models WHERE model_id = $id) = (SELECT metrics->'test'->'model' FROM prodplan.models WHERE model_id = $id2)
      AND (SELECT parameters FROM prodplan.models WHERE model_id = $id) = (SELECT parameters FROM prodplan.models WHERE model_id = $id2)"
check "not deployed on request, the first stays" \
  "SELECT NOT deployed AND deploy_reason = 'not deployed: options.deploy = false' AND version = 2 FROM prodplan.models WHERE model_id = $id2"
check "it is compared with the deployed model on the same test orders" \
  "SELECT (metrics->>'deployed_model')::bigint = $id AND (metrics->'test'->'deployed'->>'mae_hours')::float8 = (metrics->'test'->'model'->>'mae_hours')::float8
   FROM prodplan.models WHERE model_id = $id2"

# --- A connected session sees deployments -------------------------------------
id3=$(q -c "SELECT prodplan.train_leadtime('{\"seed\": 7, \"algorithm\": \"ridge\", \"deploy\": false}')")
session=$(q <<SQL
SELECT source || ' ' || p50_hours FROM prodplan.predict_leadtime('$many');
\! psql -qX -d pp_leadtime -At -c "SELECT prodplan.deploy_model($id3)" >/dev/null
SELECT source || ' ' || p50_hours FROM prodplan.predict_leadtime('$many');
\! psql -qX -d pp_leadtime -At -c "SELECT prodplan.rollback_model()" >/dev/null
SELECT source || ' ' || p50_hours FROM prodplan.predict_leadtime('$many');
SQL
)
first=$(sed -n 1p <<< "$session"); second=$(sed -n 2p <<< "$session"); third=$(sed -n 3p <<< "$session")
if [ "${first%% *}" = "model:$id" ] && [ "${second%% *}" = "model:$id3" ] && [ "${second#* }" != "${first#* }" ] && [ "$third" = "$first" ]; then
  ok "a connected session's next call uses a model deployed (and rolled back) by another session"
else
  bad "deployment not seen by a connected session: [$first] [$second] [$third]"
fi
check "the ridge model's terms are stored with centre and scale" \
  "SELECT count(*) = 29 AND bool_and(scale > 0) FROM prodplan.model_terms WHERE model_id = $id3"
check "deployment history: deploy, deploy, rollback" \
  "SELECT array_agg(model_id ORDER BY deployment_id) = ARRAY[$id, $id3, $id]::bigint[] AND (array_agg(reason ORDER BY deployment_id))[3] LIKE 'rollback from model $id3%'
   FROM prodplan.model_deployments"
refused "rollback past the first deployment" "SELECT prodplan.rollback_model()" 'is the first leadtime model deployed'
check "delete_models deletes all but the deployed and the newest others" "SELECT prodplan.delete_models('leadtime', 1) = 1"
check "... keeping the deployed one and the newest" \
  "SELECT array_agg(model_id ORDER BY model_id) = ARRAY[$id, $id3]::bigint[] FROM prodplan.models"
check "... and the deleted one's deployments say so" \
  "SELECT count(*) = 0 FROM prodplan.model_deployments WHERE model_id = $id2"

# --- No leakage: a past moment's prediction ignores everything after it -------
past=$(q -c "SELECT created_at + interval '1 hour' FROM prodplan.production_order ORDER BY created_at OFFSET (SELECT count(*) * 6 / 10 FROM prodplan.production_order) LIMIT 1")
subject=$(q -c "SELECT order_id FROM prodplan.production_order WHERE created_at < '$past' ORDER BY created_at DESC LIMIT 1")
before=$(q -c "SELECT p50_hours || ' ' || p90_hours FROM prodplan.predict_leadtime('$subject')")
after=$(q <<SQL
BEGIN;
DELETE FROM prodplan.production_order WHERE created_at >= '$past';
UPDATE prodplan.production_order SET finished_at = NULL WHERE finished_at >= '$past';
DELETE FROM prodplan.operation WHERE coalesce(started_at, ended_at, '-infinity') >= '$past';
UPDATE prodplan.operation SET ended_at = NULL WHERE ended_at >= '$past';
SELECT prodplan.bump_data_version('leakage test') IS NOT NULL;
SELECT p50_hours || ' ' || p90_hours FROM prodplan.predict_leadtime('$subject');
ROLLBACK;
SQL
)
after=$(tail -1 <<< "$after")
if [ -n "$before" ] && [ "$before" = "$after" ]; then ok "an order's prediction is the same with the history cut at its creation + 1 h ($before)"
else bad "leak: [$before] with the whole history, [$after] with it cut at $past"; fi
check "after the rollback the session predicts from the whole history again" \
  "SELECT p50_hours || ' ' || p90_hours = '$before' FROM prodplan.predict_leadtime('$subject')"
cmp=$(q <<SQL
BEGIN;
CREATE TEMP TABLE whole AS SELECT * FROM prodplan.leadtime_dataset() WHERE created_at < '$past';
DELETE FROM prodplan.production_order WHERE created_at >= '$past';
UPDATE prodplan.production_order SET finished_at = NULL WHERE finished_at >= '$past';
DELETE FROM prodplan.operation WHERE coalesce(started_at, ended_at, '-infinity') >= '$past';
UPDATE prodplan.operation SET ended_at = NULL WHERE ended_at >= '$past';
SELECT count(*) || ' ' || count(*) FILTER (WHERE row(w.product_level, w.family_level, w.log_quantity, w.demould_kg, w.routing_steps,
         w.month, w.weekday, w.hour, w.open_orders, w.route_queue, w.route_queue_max, w.route_queue_hours, w.route_wip)
       IS DISTINCT FROM row(c.product_level, c.family_level, c.log_quantity, c.demould_kg, c.routing_steps,
         c.month, c.weekday, c.hour, c.open_orders, c.route_queue, c.route_queue_max, c.route_queue_hours, c.route_wip))
FROM whole w JOIN prodplan.leadtime_dataset() c USING (order_id);
ROLLBACK;
SQL
)
cmp=$(tail -1 <<< "$cmp")
if [ "${cmp#* }" = 0 ] && [ "${cmp%% *}" -gt 500 ]; then ok "every feature of the ${cmp%% *} orders finished before the cut is the same without the later history"
else bad "data set features changed by later history: [$cmp] (orders compared, orders changed)"; fi

# --- The weekly job -----------------------------------------------------------
check "the retraining job is installed, weekly" \
  "SELECT enabled AND schedule = '23 2 * * 0' AND command = 'SELECT prodplan.retrain_leadtime_models()' FROM prodplan.jobs WHERE name = 'prodplan.leadtime retraining'"
check "its command trains every plant with enough history" "SELECT prodplan.retrain_leadtime_models() = 1"
check "... storing a third model" "SELECT count(*) = 3 FROM prodplan.models WHERE kind = 'leadtime'"
check "with too little history it trains nothing and does not fail" \
  "SELECT prodplan.retrain_leadtime_models(1000000) = 0"

exit $fail
