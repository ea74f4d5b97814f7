// The engines behind prodplan.train_leadtime, leadtime_dataset,
// predict_leadtime (one order, a new order, every open order) and
// explain_leadtime (issue 9). The SQL wrappers check options and choose the
// plant; these read the plant's history (pg/leadtime_storage.h), call the
// core (core/leadtime) and store or return rows.
//
// Prediction cache. A backend keeps one plant's order history, the
// features built on it, the history fallback and the deployed model, so a
// prediction after the first costs one small query and microseconds of C++.
// Each call first reads prodplan.data_version and the plant's deployed
// leadtime model id (one query): a new data version (every ingestion and
// aggregate refresh bumps it) rebuilds the history; another deployed model
// (prodplan.deploy_model in any session) is read again. So a deployment is
// seen by the next call of every connected session, and an order not in
// the cached history (written without a version bump) forces one rebuild
// before it is called unknown.
//
// PostgreSQL work happens in this file's plain frames; C++ objects live
// behind raw pointers (the cache, or one per call freed in PG_FINALLY) and
// are used only inside pp_call.
#include "core/common/json_text.h"
#include "core/leadtime/history_fallback.h"
#include "core/leadtime/leadtime_features.h"
#include "core/leadtime/leadtime_model.h"
#include "core/leadtime/leadtime_training.h"
#include "core/leadtime/order_history.h"
#include "pg/boundary.h"
#include "pg/spi_text.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "pg/pg_includes.h"
#include "pg/leadtime_storage.h"
#include "pg/spi_scan.h"

extern "C" {
#include "funcapi.h"
#include "portability/instr_time.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
PGDLLEXPORT Datum prodplan_leadtime_train(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_leadtime_train);
PGDLLEXPORT Datum prodplan_leadtime_dataset(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_leadtime_dataset);
PGDLLEXPORT Datum prodplan_leadtime_predict(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_leadtime_predict);
PGDLLEXPORT Datum prodplan_leadtime_explain(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_leadtime_explain);
}

using pp::pg::fetch_text_table;
using pp::pg::pp_call;

namespace {

namespace lt = pp::leadtime;

constexpr const char* kNewProduct = "(new product)";

double unix_of(TimestampTz t) { return (double)t / 1e6 + 946684800.0; }
TimestampTz timestamptz_of(double unix) { return (TimestampTz)std::llround((unix - 946684800.0) * 1e6); }

double seconds_since(instr_time t0) {
  instr_time t;
  INSTR_TIME_SET_CURRENT(t);
  INSTR_TIME_SUBTRACT(t, t0);
  return INSTR_TIME_GET_DOUBLE(t);
}

// ---------------------------------------------------------------------------
// Options (names and types are checked by the SQL wrappers).
// ---------------------------------------------------------------------------
struct PlainOptions {
  double test_share, validation_share, test_from, prior_weight, coverage, learning_rate, l2, subsample;
  int min_orders, max_iterations, max_leaf_nodes, min_samples_leaf, early_stopping_rounds;
  int64 min_train_rows, seed;
  char algorithm[16];
};

PlainOptions read_options(const char* who, Jsonb* options) {
  Oid t[1] = {JSONBOID};
  Datum v[1] = {PointerGetDatum(options)};
  if (SPI_execute_with_args(
          "SELECT coalesce(($1->>'test_share')::float8, 0.1), coalesce(($1->>'validation_share')::float8, 0.1), "
          "($1->>'test_from')::timestamptz, coalesce(($1->>'prior_weight')::float8, 10), "
          "coalesce(($1->>'coverage')::float8, 0.9), coalesce(($1->>'learning_rate')::float8, 0.1), "
          "coalesce(($1->>'l2_regularization')::float8, 0), coalesce(($1->>'subsample')::float8, 1), "
          "coalesce(($1->>'min_orders')::int4, 5), coalesce(($1->>'max_iterations')::int4, 300), "
          "coalesce(($1->>'max_leaf_nodes')::int4, 31), coalesce(($1->>'min_samples_leaf')::int4, 20), "
          "coalesce(($1->>'early_stopping_rounds')::int4, 20), coalesce(($1->>'min_train_rows')::int8, 200), "
          "coalesce(($1->>'seed')::int8, 1), coalesce($1->>'algorithm', 'auto')",
          1, t, v, NULL, true, 1) != SPI_OK_SELECT)
    elog(ERROR, "%s: could not read the options", who);
  HeapTuple r = SPI_tuptable->vals[0];
  TupleDesc d = SPI_tuptable->tupdesc;
  bool isnull;
  PlainOptions o;
  o.test_share = DatumGetFloat8(SPI_getbinval(r, d, 1, &isnull));
  o.validation_share = DatumGetFloat8(SPI_getbinval(r, d, 2, &isnull));
  Datum tf = SPI_getbinval(r, d, 3, &isnull);
  o.test_from = isnull ? NAN : unix_of(DatumGetTimestampTz(tf));
  o.prior_weight = DatumGetFloat8(SPI_getbinval(r, d, 4, &isnull));
  o.coverage = DatumGetFloat8(SPI_getbinval(r, d, 5, &isnull));
  o.learning_rate = DatumGetFloat8(SPI_getbinval(r, d, 6, &isnull));
  o.l2 = DatumGetFloat8(SPI_getbinval(r, d, 7, &isnull));
  o.subsample = DatumGetFloat8(SPI_getbinval(r, d, 8, &isnull));
  o.min_orders = DatumGetInt32(SPI_getbinval(r, d, 9, &isnull));
  o.max_iterations = DatumGetInt32(SPI_getbinval(r, d, 10, &isnull));
  o.max_leaf_nodes = DatumGetInt32(SPI_getbinval(r, d, 11, &isnull));
  o.min_samples_leaf = DatumGetInt32(SPI_getbinval(r, d, 12, &isnull));
  o.early_stopping_rounds = DatumGetInt32(SPI_getbinval(r, d, 13, &isnull));
  o.min_train_rows = DatumGetInt64(SPI_getbinval(r, d, 14, &isnull));
  o.seed = DatumGetInt64(SPI_getbinval(r, d, 15, &isnull));
  char* alg = TextDatumGetCString(SPI_getbinval(r, d, 16, &isnull));
  strlcpy(o.algorithm, alg, sizeof o.algorithm);
  return o;
}

lt::LeadTimeOptions core_options(const PlainOptions& p, const pp::CancelToken* cancel) {
  lt::LeadTimeOptions o;
  o.test_share = p.test_share;
  o.validation_share = p.validation_share;
  o.test_from = p.test_from;
  o.prior_weight = p.prior_weight;
  o.min_orders = p.min_orders;
  o.algorithm = p.algorithm;
  o.coverage = p.coverage;
  o.min_train_rows = p.min_train_rows;
  o.boosting.learning_rate = p.learning_rate;
  o.boosting.l2_regularization = p.l2;
  o.boosting.subsample = p.subsample;
  o.boosting.max_iterations = p.max_iterations;
  o.boosting.max_leaf_nodes = p.max_leaf_nodes;
  o.boosting.min_samples_leaf = p.min_samples_leaf;
  o.boosting.early_stopping_rounds = p.early_stopping_rounds;
  o.boosting.seed = static_cast<std::uint64_t>(p.seed);
  o.cancel = cancel;
  return o;
}

// The plant's deployed leadtime model (0: none) and a key of the data
// version (the version and the transaction that wrote it).
void current_versions(Datum plant, int64* data_version, int64* model_id) {
  Oid t[1] = {TEXTOID};
  Datum v[1] = {plant};
  // The version row's xmin too: a rolled-back transaction that bumped the
  // version (and filled this cache from its own changes) leaves a number a
  // later bump reuses, but never that writer.
  if (SPI_execute_with_args("SELECT (SELECT max(version) * 4294967296 + max(xmin::text::int8) FROM prodplan.data_version), "
                            "(SELECT model_id FROM prodplan.models WHERE plant_id = $1 AND kind = 'leadtime' AND deployed)",
                            1, t, v, NULL, true, 1) != SPI_OK_SELECT)
    elog(ERROR, "prodplan.predict_leadtime: could not read the data version");
  bool isnull;
  Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
  *data_version = isnull ? 0 : DatumGetInt64(d);
  d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
  *model_id = isnull ? 0 : DatumGetInt64(d);
}

// Reads a plant's history into a new object (freed if reading fails).
lt::OrderHistory* load_history(const char* who, Datum plant) {
  lt::OrderHistory* volatile h = nullptr;
  pp_call(who, [&] { h = new lt::OrderHistory(); });
  PG_TRY();
  {
    pp::pg::read_order_history(who, plant, const_cast<lt::OrderHistory*>(h));
  }
  PG_CATCH();
  {
    delete h;
    PG_RE_THROW();
  }
  PG_END_TRY();
  return h;
}

// ---------------------------------------------------------------------------
// The per-backend prediction cache.
// ---------------------------------------------------------------------------
struct LeadCache {
  std::string plant;
  int64 data_version = -1;
  std::unique_ptr<lt::OrderHistory> history;
  int new_product = -1;  // the stand-in for a product the history does not know
  std::unique_ptr<lt::HistoryFallback> fallback;
  std::unique_ptr<lt::FeatureBuilder> features;
  int64 model_id = -1;  // 0: none deployed; -1: not read yet
  std::unique_ptr<lt::LeadTimeModel> model;
};
LeadCache* g_cache = nullptr;

// Brings the cache up to date for the plant; force rebuilds the history.
void refresh_cache(const char* who, Datum plant, bool force) {
  int64 version = 0, model_id = 0;
  current_versions(plant, &version, &model_id);
  const std::string_view plant_name = pp::pg::text_view(plant);
  bool rebuild = force;
  pp_call(who, [&] {
    if (g_cache == nullptr) g_cache = new LeadCache();
    if (g_cache->plant != plant_name) {
      g_cache->plant = std::string(plant_name);
      g_cache->model_id = -1;
      rebuild = true;
    }
    if (g_cache->data_version != version || !g_cache->history) rebuild = true;
  });
  if (rebuild) {
    lt::OrderHistory* h = load_history(who, plant);
    pp_call(who, [&] {
      g_cache->features.reset();
      g_cache->fallback.reset();
      g_cache->history.reset(h);
      // A product no order names yet: its own family, so its levels are the plant's.
      lt::ProductInfo& p = h->product(kNewProduct);
      p.family = h->families.id("(new)");
      g_cache->new_product = h->products.find(kNewProduct);
      g_cache->fallback = std::make_unique<lt::HistoryFallback>(*h);
      g_cache->data_version = version;
    });
  }
  if (g_cache->model_id != model_id) {
    lt::LeadTimeModel* m = nullptr;
    if (model_id != 0) {
      pp_call(who, [&] { m = new lt::LeadTimeModel(); });
      volatile bool found = false;
      PG_TRY();
      {
        found = pp::pg::read_leadtime_model(who, model_id, m);
      }
      PG_CATCH();
      {
        delete m;
        PG_RE_THROW();
      }
      PG_END_TRY();
      if (!found) {
        delete m;
        m = nullptr;
      }
    }
    pp_call(who, [&] {
      g_cache->model.reset(m);
      g_cache->model_id = m != nullptr ? model_id : 0;
    });
  }
  pp_call(who, [&] {
    const double weight = g_cache->model ? g_cache->model->prior_weight : 10.0;
    if (!g_cache->features || g_cache->features->prior_weight() != weight)
      g_cache->features = std::make_unique<lt::FeatureBuilder>(*g_cache->history, weight);
  });
}

// One answer for `quantity` units of product at moment t (and, for the
// fallback, history as of now).
struct Answer {
  double p50 = NAN, p90 = NAN;
  std::string source;
};

Answer answer_for(int product, double quantity, double t) {
  Answer a;
  if (g_cache->model) {
    double x[lt::kFeatureCount];
    g_cache->features->features(product, quantity, t, x);
    const lt::LeadAnswer m = g_cache->model->predict(x);
    a.p50 = m.p50;
    a.p90 = m.p90;
    a.source = "model:" + std::to_string(g_cache->model_id);
    return a;
  }
  const lt::LeadAnswer f = g_cache->fallback->answer(product, quantity, INFINITY);
  a.p50 = f.p50;
  a.p90 = f.p90;
  a.source = f.source;
  return a;
}

struct PredictRow {
  int order = -1;  // -1: a new order
  int product = -1;
  double created = 0;
  Answer answer;
};

struct PredictRun {
  std::vector<std::string> wanted;  // order ids asked for (empty: every open order)
  std::vector<PredictRow> rows;
  std::string missing;              // the first order id not in the history
};

void add_field(std::string& out, const char* name, double v, bool comma = true) {
  pp::append_json_field(out, name, v, !comma);
}

std::string metrics_json(const lt::RegressionMetrics& m) {
  std::string s = "{";
  add_field(s, "rows", static_cast<double>(m.rows), false);
  add_field(s, "mae_hours", m.mae);
  add_field(s, "mape", m.mape);
  add_field(s, "median_error_hours", m.median_error);
  add_field(s, "p90_coverage", m.p90_coverage);
  add_field(s, "pinball50_hours", m.pinball50);
  add_field(s, "pinball90_hours", m.pinball90);
  s += '}';
  return s;
}

struct TrainRun {
  lt::OrderHistory* history = nullptr;
  lt::LeadTimeModel* deployed = nullptr;
  lt::LeadTimeTraining result;
  std::string metrics, features;
  pp::pg::ModelRows rows;
  ~TrainRun() {
    delete history;
    delete deployed;
  }
};

}  // namespace

// (plant, options) -> model id: trains on the plant's history and stores
// the model (not deployed: the SQL wrapper decides).
Datum prodplan_leadtime_train(PG_FUNCTION_ARGS) {
  static const char* who = "prodplan.train_leadtime";
  Datum plant = PG_GETARG_DATUM(0);
  Jsonb* options = PG_GETARG_JSONB_P(1);
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();
  instr_time t0;
  INSTR_TIME_SET_CURRENT(t0);
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "%s: SPI_connect failed", who);
  const PlainOptions po = read_options(who, options);
  int64 version = 0, deployed_id = 0;
  current_versions(plant, &version, &deployed_id);

  TrainRun* run = nullptr;
  int64 model_id = 0;
  PG_TRY();
  {
    pp_call(who, [&] { run = new TrainRun(); });
    run->history = load_history(who, plant);
    if (deployed_id != 0) {
      pp_call(who, [&] { run->deployed = new lt::LeadTimeModel(); });
      if (!pp::pg::read_leadtime_model(who, deployed_id, run->deployed)) {
        delete run->deployed;
        run->deployed = nullptr;
      }
    }
    const double seconds_read = seconds_since(t0);
    pp_call(who, [&] {
      const lt::LeadTimeOptions o = core_options(po, &cancel);
      run->result = lt::train_leadtime(*run->history, o, run->deployed);
      const lt::LeadTimeTraining& r = run->result;
      std::string& m = run->metrics;
      m = "{\"test\":{\"model\":" + metrics_json(r.model_test) + ",\"fallback\":" + metrics_json(r.fallback_test) +
          ",\"deployed\":" + (run->deployed ? metrics_json(r.deployed_test) : std::string("null")) + "}";
      m += ",\"validation\":{\"ridge\":" +
           (r.ridge_validation.rows > 0 ? metrics_json(r.ridge_validation) : std::string("null")) +
           ",\"boosting\":" + (r.boosting_validation.rows > 0 ? metrics_json(r.boosting_validation) : std::string("null")) + "}";
      m += ",\"algorithm\":";
      pp::append_json_string(m, lt::algorithm_name(r.model.algorithm));
      add_field(m, "deployed_model", run->deployed ? static_cast<double>(deployed_id) : NAN);
      add_field(m, "mae_vs_fallback", r.model_test.mae / r.fallback_test.mae);
      add_field(m, "mae_vs_deployed", run->deployed ? r.model_test.mae / r.deployed_test.mae : NAN);
      add_field(m, "train_orders", static_cast<double>(r.train_rows));
      add_field(m, "validation_orders", static_cast<double>(r.validation_rows));
      add_field(m, "test_orders", static_cast<double>(r.test_rows));
      add_field(m, "excluded_orders", static_cast<double>(r.data.excluded));
      add_field(m, "open_orders", static_cast<double>(r.data.open));
      add_field(m, "validation_from", r.data.validation_from);
      add_field(m, "ridge_lambda", r.ridge_lambda);
      add_field(m, "boosting_iterations", r.boosting_iterations);
      add_field(m, "data_version", static_cast<double>(version / 4294967296LL));
      add_field(m, "seconds_read", seconds_read);
      add_field(m, "seconds_features", r.seconds_features);
      add_field(m, "seconds_fit", r.seconds_fit);
      m += '}';
      run->rows = pp::pg::model_rows(r.model);
      std::string& f = run->features;
      f = "{";
      for (int i = 0; i < lt::kFeatureCount; ++i) {
        if (i) f += ',';
        f += '"';
        f += lt::feature_name(i);
        f += '"';
      }
      f += '}';
    });

    const lt::LeadTimeTraining& r = run->result;
    Oid ts[9] = {TEXTOID, JSONBOID, TEXTOID, FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, TEXTOID, TEXTOID};
    Datum vs[9] = {plant,
                   PointerGetDatum(options),
                   CStringGetTextDatum(run->metrics.c_str()),
                   Float8GetDatum(r.train_from),
                   Float8GetDatum(r.data.test_from),
                   Float8GetDatum(r.test_to),
                   Float8GetDatum(seconds_since(t0)),
                   CStringGetTextDatum(run->features.c_str()),
                   CStringGetTextDatum(run->rows.parameters.c_str())};
    bool isnull;
    if (SPI_execute_with_args(
            "INSERT INTO prodplan.models (kind, plant_id, options, metrics, train_rows, test_rows, train_from, split_at, test_to, "
            "seconds, features, parameters) "
            "SELECT 'leadtime', $1, $2, m, (m->>'train_orders')::bigint, (m->>'test_orders')::bigint, "
            "to_timestamp($4), to_timestamp($5), to_timestamp($6), $7, $8::text[], $9::jsonb "
            "FROM (SELECT $3::jsonb AS m) x RETURNING model_id",
            9, ts, vs, NULL, false, 1) != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
      elog(ERROR, "%s: could not store the model", who);
    model_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    Oid tt[2] = {INT8OID, TEXTOID};
    Datum vt[2] = {Int64GetDatum(model_id), CStringGetTextDatum(run->rows.terms.c_str())};
    if (SPI_execute_with_args(
            "INSERT INTO prodplan.model_terms (model_id, term, level, coefficient, center, scale) "
            "SELECT $1, t.term, '', t.coefficient, t.center, t.scale "
            "FROM jsonb_to_recordset($2::jsonb) AS t(term text, coefficient float8, center float8, scale float8)",
            2, tt, vt, NULL, false, 0) != SPI_OK_INSERT)
      elog(ERROR, "%s: could not store the model's terms", who);
    vt[1] = CStringGetTextDatum(run->rows.trees.c_str());
    if (SPI_execute_with_args(
            "INSERT INTO prodplan.model_trees (model_id, tree, node, feature, threshold, missing_left, left_node, right_node, "
            "value, samples, gain) "
            "SELECT $1, t.tree, t.node, t.feature, t.threshold, t.missing_left, t.left_node, t.right_node, t.value, t.samples, t.gain "
            "FROM jsonb_to_recordset($2::jsonb) AS t(tree int, node int, feature text, threshold float8, missing_left boolean, "
            "left_node int, right_node int, value float8, samples int, gain float8)",
            2, tt, vt, NULL, false, 0) != SPI_OK_INSERT)
      elog(ERROR, "%s: could not store the model's trees", who);
  }
  PG_FINALLY();
  {
    delete run;
  }
  PG_END_TRY();
  SPI_finish();
  PG_RETURN_INT64(model_id);
}

// (plant, options) -> the data set the training would use: order_id,
// product_id, created_at, split, lead_hours, then one float8 per feature.
Datum prodplan_leadtime_dataset(PG_FUNCTION_ARGS) {
  static const char* who = "prodplan.leadtime_dataset";
  Datum plant = PG_GETARG_DATUM(0);
  Jsonb* options = PG_GETARG_JSONB_P(1);
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "%s: SPI_connect failed", who);
  const PlainOptions po = read_options(who, options);
  lt::OrderHistory* h = load_history(who, plant);
  lt::DataSet* data = nullptr;
  PG_TRY();
  {
    pp_call(who, [&] {
      const lt::LeadTimeOptions o = core_options(po, &cancel);
      const lt::FeatureBuilder features(*h, o.prior_weight);
      data = new lt::DataSet(lt::build_dataset(*h, features, o));
    });
    static const char* const kSplit[3] = {"train", "validation", "test"};
    const int ncols = 5 + lt::kFeatureCount;
    Datum* values = (Datum*)palloc(sizeof(Datum) * ncols);
    bool* nulls = (bool*)palloc(sizeof(bool) * ncols);
    for (const lt::DataRow& r : data->rows) {
      const lt::OrderInfo& o = h->orders[static_cast<std::size_t>(r.order)];
      memset(nulls, 0, sizeof(bool) * ncols);
      values[0] = CStringGetTextDatum(h->order_ids.name(r.order).c_str());
      values[1] = CStringGetTextDatum(h->products.name(o.product).c_str());
      values[2] = TimestampTzGetDatum(timestamptz_of(o.created));
      values[3] = CStringGetTextDatum(kSplit[r.split]);
      values[4] = Float8GetDatum(r.hours);
      for (int f = 0; f < lt::kFeatureCount; ++f) {
        nulls[5 + f] = std::isnan(r.x[f]);
        values[5 + f] = Float8GetDatum(r.x[f]);
      }
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
  }
  PG_FINALLY();
  {
    delete data;
    delete h;
  }
  PG_END_TRY();
  SPI_finish();
  return (Datum)0;
}

// (plant, order_ids text[], product_id, quantity, at) -> order_id,
// product_id, created_at, p50_hours, p90_hours, source. order_ids: those
// orders (an unknown id is an error); NULL with product_id NULL: every open
// order; product_id: a new order of quantity units created at `at`.
Datum prodplan_leadtime_predict(PG_FUNCTION_ARGS) {
  static const char* who = "prodplan.predict_leadtime";
  if (PG_ARGISNULL(0)) ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s: the plant must not be NULL", who)));
  Datum plant = PG_GETARG_DATUM(0);
  const bool by_ids = !PG_ARGISNULL(1);
  const bool new_order = !PG_ARGISNULL(2);
  const double quantity = PG_ARGISNULL(3) ? 1 : PG_GETARG_FLOAT8(3);
  const double at = PG_ARGISNULL(4) ? unix_of(GetCurrentTransactionStartTimestamp()) : unix_of(PG_GETARG_TIMESTAMPTZ(4));
  Datum* elems = nullptr;
  bool* elem_nulls = nullptr;
  int n_elems = 0;
  if (by_ids) deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), TEXTOID, -1, false, TYPALIGN_INT, &elems, &elem_nulls, &n_elems);
  const char* product_c = new_order ? text_to_cstring(PG_GETARG_TEXT_PP(2)) : nullptr;
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "%s: SPI_connect failed", who);

  PredictRun* run = nullptr;
  PG_TRY();
  {
    pp_call(who, [&] {
      run = new PredictRun();
      for (int i = 0; i < n_elems; ++i)
        if (!elem_nulls[i]) run->wanted.emplace_back(pp::pg::text_view(elems[i]));
    });
    for (int attempt = 0; attempt < 2; ++attempt) {
      refresh_cache(who, plant, attempt > 0);
      pp_call(who, [&] {
        run->rows.clear();
        run->missing.clear();
        const lt::OrderHistory& h = *g_cache->history;
        if (new_order) {
          PredictRow r;
          r.product = h.products.find(product_c);
          if (r.product < 0) r.product = g_cache->new_product;
          r.created = at;
          r.answer = answer_for(r.product, quantity, at);
          run->rows.push_back(std::move(r));
        } else if (by_ids) {
          for (const std::string& id : run->wanted) {
            const int o = h.order_ids.find(id);
            if (o < 0) {
              if (run->missing.empty()) run->missing = id;
              continue;
            }
            const lt::OrderInfo& info = h.orders[static_cast<std::size_t>(o)];
            PredictRow r;
            r.order = o;
            r.product = info.product;
            r.created = info.created;
            r.answer = answer_for(info.product, info.quantity, info.created);
            run->rows.push_back(std::move(r));
          }
        } else {
          for (std::size_t o = 0; o < h.orders.size(); ++o) {
            const lt::OrderInfo& info = h.orders[o];
            if (!std::isnan(info.finished)) continue;
            PredictRow r;
            r.order = static_cast<int>(o);
            r.product = info.product;
            r.created = info.created;
            r.answer = answer_for(info.product, info.quantity, info.created);
            run->rows.push_back(std::move(r));
          }
        }
      });
      if (run->missing.empty()) break;
    }
    if (!run->missing.empty())
      ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND),
                      errmsg("%s: no order \"%s\" in plant \"%s\"", who, run->missing.c_str(), g_cache->plant.c_str()),
                      errhint("For an order not yet entered, call prodplan.predict_leadtime(product_id, quantity).")));
    const lt::OrderHistory& h = *g_cache->history;
    for (const PredictRow& r : run->rows) {
      Datum values[6];
      bool nulls[6] = {false, false, false, false, false, false};
      if (r.order >= 0) values[0] = CStringGetTextDatum(h.order_ids.name(r.order).c_str());
      else nulls[0] = true;
      values[1] = CStringGetTextDatum(new_order ? product_c : h.products.name(r.product).c_str());
      values[2] = TimestampTzGetDatum(timestamptz_of(r.created));
      values[3] = Float8GetDatum(r.answer.p50);
      nulls[3] = std::isnan(r.answer.p50);
      values[4] = Float8GetDatum(r.answer.p90);
      nulls[4] = std::isnan(r.answer.p90);
      values[5] = CStringGetTextDatum(r.answer.source.c_str());
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
  }
  PG_FINALLY();
  {
    delete run;
  }
  PG_END_TRY();
  SPI_finish();
  return (Datum)0;
}

namespace {

struct ExplainRun {
  double x[lt::kFeatureCount];
  double contribution[lt::kFeatureCount + 1];
  double p50 = 0, p90 = 0;
  bool found = false, model = false;
  std::string source;
};

}  // namespace

// (plant, order_id) -> feature, value, contribution (log hours), factor
// (exp of it): the deployed model's prediction for the order taken apart.
// The first row is the baseline (value: its hours), the last the
// conformal median offset; the factors multiply to the P50.
Datum prodplan_leadtime_explain(PG_FUNCTION_ARGS) {
  static const char* who = "prodplan.explain_leadtime";
  Datum plant = PG_GETARG_DATUM(0);
  const char* order_c = text_to_cstring(PG_GETARG_TEXT_PP(1));
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "%s: SPI_connect failed", who);
  ExplainRun* run = nullptr;
  PG_TRY();
  {
    pp_call(who, [&] { run = new ExplainRun(); });
    for (int attempt = 0; attempt < 2 && !run->found; ++attempt) {
      refresh_cache(who, plant, attempt > 0);
      pp_call(who, [&] {
        const lt::OrderHistory& h = *g_cache->history;
        const int o = h.order_ids.find(order_c);
        if (o < 0) return;
        run->found = true;
        if (!g_cache->model) return;
        run->model = true;
        const lt::OrderInfo& info = h.orders[static_cast<std::size_t>(o)];
        g_cache->features->features(info.product, info.quantity, info.created, run->x);
        g_cache->model->contributions(run->x, run->contribution);
        const lt::LeadAnswer a = g_cache->model->predict(run->x);
        run->p50 = a.p50;
        run->p90 = a.p90;
        run->source = "model:" + std::to_string(g_cache->model_id);
      });
    }
    if (!run->found)
      ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND),
                      errmsg("%s: no order \"%s\" in plant \"%s\"", who, order_c, g_cache->plant.c_str())));
    if (!run->model)
      ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                      errmsg("%s: plant \"%s\" has no deployed lead-time model to explain", who, g_cache->plant.c_str()),
                      errhint("prodplan.predict_leadtime answers from history without one; train one with prodplan.train_leadtime().")));
    auto emit = [&](const char* feature, double value, double contribution) {
      Datum values[4];
      bool nulls[4] = {false, false, false, false};
      values[0] = CStringGetTextDatum(feature);
      values[1] = Float8GetDatum(value);
      nulls[1] = std::isnan(value);
      values[2] = Float8GetDatum(contribution);
      values[3] = Float8GetDatum(std::exp(contribution));
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    };
    const double base = run->contribution[lt::kFeatureCount];
    emit("(baseline)", std::exp(base), base);
    for (int f = 0; f < lt::kFeatureCount; ++f) emit(lt::feature_name(f), run->x[f], run->contribution[f]);
    emit("(median offset)", NAN, g_cache->model->q50);
  }
  PG_FINALLY();
  {
    delete run;
  }
  PG_END_TRY();
  SPI_finish();
  return (Datum)0;
}
