// prodplan.defect_risk_train(plant, options) and
// prodplan.defect_risk_score(model_id, order_id): the engines behind
// prodplan.train_defect_risk() and prodplan.defect_risk() (which check the
// options, choose the plant and the deployed model, and fall back to
// historical rates). Training reads the plant's operations with what was
// known before each ran (core/quality/defect_cases.h), trains
// (core/quality/defect_risk_model.h) and stores the model, its terms and
// the rate snapshot in prodplan.models, model_terms and model_rates.
//
// PostgreSQL work happens in this file's plain frames; C++ objects live
// behind one raw pointer freed in PG_FINALLY and are used only in pp_call.
#include "core/common/json_text.h"
#include "core/quality/defect_risk_model.h"
#include "pg/boundary.h"
#include "pg/spi_text.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "pg/pg_includes.h"
#include "pg/spi_scan.h"

extern "C" {
#include "funcapi.h"
#include "portability/instr_time.h"
PGDLLEXPORT Datum prodplan_defect_risk_train(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_defect_risk_train);
PGDLLEXPORT Datum prodplan_defect_risk_score(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_defect_risk_score);
}

using pp::pg::fetch_text_table;
using pp::pg::pp_call;
using pp::pg::text_view;

namespace {

// The operations of a plant (or of one order: $2) with what was known before
// each ran: its order's product and family, work center, weight (its own,
// else the product's finish weight), shift, when it starts (started, else
// planned, else its event time) and ends, rework, the hire date of its
// crew's most recently hired member, and whether a defect is blamed on it
// (scoring one order does not need that, and skips the defect partitions).
// The placeholders take the whole-plant or the one-order variant.
constexpr const char* kCasesSql =
    "WITH ops AS MATERIALIZED ("
    "  SELECT o.plant_id, o.order_id, o.operation_id, o.work_center_id, o.weight_kg, o.shift, o.is_rework, o.ended_at,"
    "         coalesce(o.started_at, o.planned_at, o.event_time) AS starts"
    "  FROM prodplan.operation o WHERE o.plant_id = $1 %s"
    "), crew AS ("
    "  SELECT a.operation_id, max(e.hired_at) AS newest_hire"
    "  FROM prodplan.operation_assignment a"
    "  JOIN prodplan.employee e ON e.plant_id = a.plant_id AND e.employee_id = a.employee_id"
    "  WHERE a.plant_id = $1 %s GROUP BY a.operation_id"
    "), blamed AS ("
    "  SELECT DISTINCT d.culprit_operation_id AS operation_id FROM prodplan.defect d"
    "  WHERE d.plant_id = $1 AND d.culprit_operation_id IS NOT NULL %s"
    ") "
    "SELECT ops.order_id, coalesce(po.product_id, ''), coalesce(p.family, '(unknown)'), ops.work_center_id,"
    "       coalesce(ops.weight_kg, p.finish_weight_kg), coalesce(ops.shift, 0)::int4,"
    "       ops.starts, ops.ended_at, ops.is_rework, crew.newest_hire, blamed.operation_id IS NOT NULL "
    "FROM ops"
    " LEFT JOIN prodplan.production_order po ON %s"
    " LEFT JOIN prodplan.product p ON p.plant_id = po.plant_id AND p.product_id = po.product_id"
    " LEFT JOIN crew ON crew.operation_id = ops.operation_id"
    " LEFT JOIN blamed ON blamed.operation_id = ops.operation_id";

std::string cases_sql(bool one_order) {
  char buf[4096];
  if (one_order)
    std::snprintf(buf, sizeof buf, kCasesSql, "AND o.order_id = $2", "AND a.operation_id IN (SELECT operation_id FROM ops)",
                  "AND false", "po.plant_id = $1 AND po.order_id = $2");
  else
    std::snprintf(buf, sizeof buf, kCasesSql, "", "", "", "po.plant_id = ops.plant_id AND po.order_id = ops.order_id");
  return buf;
}

// One fetched row in a plain frame; the views point into the fetched tuples.
struct CaseRow {
  std::string_view order, product, family, work_center;
  double weight, start, ended, hire;
  int shift;
  bool rework, blamed;
};

// A float8 or timestamptz column (as Unix seconds, read without the
// numeric detour of extract(epoch)); NaN for NULL.
double float_or_nan(HeapTuple t, TupleDesc d, int col) {
  bool isnull = false;
  Datum v = SPI_getbinval(t, d, col, &isnull);
  return isnull ? std::nan("") : pp::pg::number_of(v, SPI_gettypeid(d, col));
}

void add_case(pp::quality::CaseSet& set, const CaseRow& r) {
  pp::quality::OpCase c;
  c.order = set.orders.id(r.order);
  c.product = set.products.id(r.product);
  c.family = set.families.id(r.family);
  c.work_center = set.work_centers.id(r.work_center);
  c.weight_kg = r.weight;
  c.shift = r.shift;
  c.start = r.start;
  c.ended = r.ended;
  c.rework = r.rework;
  c.newest_hire = r.hire;
  c.culprit = r.blamed;
  set.cases.push_back(c);
}

// Feeds every case of the query to the set, kScanBatch rows at a time.
void read_cases(const char* who, const std::string& sql, int nargs, Oid* types, Datum* values, pp::quality::CaseSet* set) {
  SPIPlanPtr plan = SPI_prepare(sql.c_str(), nargs, types);
  if (plan == nullptr) elog(ERROR, "%s: could not prepare a query: %s", who, SPI_result_code_string(SPI_result));
  Portal portal = SPI_cursor_open(nullptr, plan, values, nullptr, true);
  CaseRow* rows = (CaseRow*)palloc(sizeof(CaseRow) * pp::pg::kScanBatch);
  for (;;) {
    SPI_cursor_fetch(portal, true, pp::pg::kScanBatch);
    if (SPI_processed == 0) break;
    SPITupleTable* tt = SPI_tuptable;
    const uint64 n = SPI_processed;
    for (uint64 i = 0; i < n; ++i) {
      HeapTuple t = tt->vals[i];
      TupleDesc d = tt->tupdesc;
      bool isnull = false;
      CaseRow& r = rows[i];
      r.order = text_view(SPI_getbinval(t, d, 1, &isnull));
      r.product = text_view(SPI_getbinval(t, d, 2, &isnull));
      r.family = text_view(SPI_getbinval(t, d, 3, &isnull));
      r.work_center = text_view(SPI_getbinval(t, d, 4, &isnull));
      r.weight = float_or_nan(t, d, 5);
      r.shift = DatumGetInt32(SPI_getbinval(t, d, 6, &isnull));
      r.start = float_or_nan(t, d, 7);
      r.ended = float_or_nan(t, d, 8);
      r.rework = DatumGetBool(SPI_getbinval(t, d, 9, &isnull));
      r.hire = float_or_nan(t, d, 10);
      r.blamed = DatumGetBool(SPI_getbinval(t, d, 11, &isnull));
    }
    pp_call(who, [&] {
      for (uint64 i = 0; i < n; ++i) add_case(*set, rows[i]);
    });
    SPI_freetuptable(tt);
  }
  pfree(rows);
  SPI_cursor_close(portal);
  SPI_freeplan(plan);
}

void append_field(std::string& out, const char* name, double v, bool comma = true) {
  pp::append_json_field(out, name, v, !comma);
}

std::string metrics_json(const pp::quality::ScoreMetrics& m) {
  std::string s = "{";
  append_field(s, "rows", static_cast<double>(m.rows), false);
  append_field(s, "positives", static_cast<double>(m.positives));
  append_field(s, "base_rate", m.rows > 0 ? static_cast<double>(m.positives) / static_cast<double>(m.rows) : NAN);
  append_field(s, "pr_auc", m.pr_auc);
  append_field(s, "roc_auc", m.roc_auc);
  append_field(s, "brier", m.brier);
  append_field(s, "recall_at_alert", m.recall_at_alert);
  append_field(s, "alert_threshold", m.alert_threshold);
  append_field(s, "calibration_error", m.calibration_error);
  s += ",\"calibration\":[";
  for (std::size_t i = 0; i < m.calibration.size(); ++i) {
    if (i) s += ',';
    s += '{';
    append_field(s, "rows", static_cast<double>(m.calibration[i].rows), false);
    append_field(s, "mean_probability", m.calibration[i].mean_score);
    append_field(s, "observed", m.calibration[i].observed);
    s += '}';
  }
  s += "]}";
  return s;
}

struct TrainRun {
  pp::quality::CaseSet set;
  pp::quality::DefectRiskOptions options;
  pp::quality::DefectRiskTraining result;
  std::string metrics, terms, rates;
  double seconds_read = 0, seconds_train = 0;
};

void render(TrainRun& run, double alert_rate) {
  const auto& r = run.result;
  std::string& m = run.metrics;
  m = "{\"operations\":{\"model\":" + metrics_json(r.model_operations) + ",\"fallback\":" + metrics_json(r.fallback_operations) +
      "},\"orders\":{\"model\":" + metrics_json(r.model_orders) + ",\"fallback\":" + metrics_json(r.fallback_orders) + "}";
  append_field(m, "train_operations", static_cast<double>(r.train_rows));
  append_field(m, "train_blamed", static_cast<double>(r.train_positives));
  append_field(m, "unjudged_operations", static_cast<double>(r.unjudged));
  append_field(m, "alert_rate", alert_rate);
  append_field(m, "iterations", r.iterations);
  m += ",\"converged\":";
  m += r.converged ? "true" : "false";
  append_field(m, "culprits_per_order", r.snapshot.judged_orders > 0 ? r.snapshot.all.culprits / r.snapshot.judged_orders : NAN);
  append_field(m, "seconds_read", run.seconds_read);
  append_field(m, "seconds_train", run.seconds_train);
  m += '}';

  std::string& t = run.terms;
  t = "[";
  for (std::size_t i = 0; i < r.terms.size(); ++i) {
    const auto& term = r.terms[i];
    if (i) t += ',';
    t += "{\"term\":";
    pp::append_json_string(t, term.term);
    t += ",\"level\":";
    pp::append_json_string(t, term.level);
    append_field(t, "coefficient", term.coefficient);
    append_field(t, "center", term.center);
    append_field(t, "scale", term.scale);
    append_field(t, "rows", static_cast<double>(term.rows));
    t += ",\"baseline\":";
    t += term.baseline ? "true" : "false";
    t += '}';
  }
  t += ']';

  std::string& rt = run.rates;
  rt = "[";
  auto rate = [&](const char* scope, const std::string& key, const pp::quality::RateCounts& c) {
    if (rt.size() > 1) rt += ',';
    rt += "{\"scope\":";
    pp::append_json_string(rt, scope);
    rt += ",\"key\":";
    pp::append_json_string(rt, key);
    append_field(rt, "judged", c.judged);
    append_field(rt, "culprits", c.culprits);
    rt += '}';
  };
  rate("plant", "", r.snapshot.all);
  for (int i = 0; i < run.set.products.size(); ++i)
    if (r.snapshot.product[static_cast<std::size_t>(i)].judged > 0) rate("product", run.set.products.name(i), r.snapshot.product[static_cast<std::size_t>(i)]);
  for (int i = 0; i < run.set.work_centers.size(); ++i)
    if (r.snapshot.work_center[static_cast<std::size_t>(i)].judged > 0)
      rate("work_center", run.set.work_centers.name(i), r.snapshot.work_center[static_cast<std::size_t>(i)]);
  rt += ']';
}

double seconds_since(instr_time t0) {
  instr_time t;
  INSTR_TIME_SET_CURRENT(t);
  INSTR_TIME_SUBTRACT(t, t0);
  return INSTR_TIME_GET_DOUBLE(t);
}

}  // namespace

Datum prodplan_defect_risk_train(PG_FUNCTION_ARGS) {
  Datum plant = PG_GETARG_DATUM(0);
  Jsonb* options = PG_GETARG_JSONB_P(1);
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();
  instr_time t0;
  INSTR_TIME_SET_CURRENT(t0);
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prodplan.train_defect_risk: SPI_connect failed");

  // Options (checked for names and types by the SQL wrapper).
  Oid to[1] = {JSONBOID};
  Datum vo[1] = {PointerGetDatum(options)};
  if (SPI_execute_with_args("SELECT coalesce(($1->>'test_share')::float8, 0.2), extract(epoch FROM ($1->>'test_from')::timestamptz)::float8, "
                            "coalesce(($1->>'c')::float8, 1), coalesce(($1->>'prior_weight')::float8, 20), "
                            "coalesce(($1->>'min_level_rows')::int8, 30), coalesce(($1->>'alert_rate')::float8, 0.1), "
                            "coalesce(($1->>'calibration_bins')::int4, 10), coalesce(($1->>'min_train_rows')::int8, 200)",
                            1, to, vo, NULL, true, 1) != SPI_OK_SELECT)
    elog(ERROR, "prodplan.train_defect_risk: could not read the options");
  HeapTuple ot = SPI_tuptable->vals[0];
  TupleDesc od = SPI_tuptable->tupdesc;
  bool isnull;
  pp::quality::DefectRiskOptions o;
  o.test_share = DatumGetFloat8(SPI_getbinval(ot, od, 1, &isnull));
  o.test_from = float_or_nan(ot, od, 2);
  o.c = DatumGetFloat8(SPI_getbinval(ot, od, 3, &isnull));
  o.prior_weight = DatumGetFloat8(SPI_getbinval(ot, od, 4, &isnull));
  o.min_level_rows = DatumGetInt64(SPI_getbinval(ot, od, 5, &isnull));
  o.alert_rate = DatumGetFloat8(SPI_getbinval(ot, od, 6, &isnull));
  o.calibration_bins = DatumGetInt32(SPI_getbinval(ot, od, 7, &isnull));
  o.min_train_rows = DatumGetInt64(SPI_getbinval(ot, od, 8, &isnull));

  Oid tplant[1] = {TEXTOID};
  Datum vplant[1] = {plant};
  const pp::planning::TextTable evaluators = fetch_text_table(
      "prodplan.train_defect_risk",
      "SELECT DISTINCT evaluation_work_center_id FROM prodplan.defect WHERE plant_id = $1 AND evaluation_work_center_id IS NOT NULL",
      1, tplant, vplant);

  TrainRun* run = nullptr;
  int64 model_id = 0;
  PG_TRY();
  {
    pp_call("prodplan.train_defect_risk", [&] {
      run = new TrainRun();
      run->options = o;
      for (int64 i = 0; i < evaluators.rows; ++i) run->set.mark_evaluation(evaluators.cell(i, 0));
    });
    read_cases("prodplan.train_defect_risk", cases_sql(false), 1, tplant, vplant, &run->set);
    run->seconds_read = seconds_since(t0);
    instr_time t1;
    INSTR_TIME_SET_CURRENT(t1);
    pp_call("prodplan.train_defect_risk", [&] {
      run->options.cancel = &cancel;
      run->result = pp::quality::train_defect_risk(run->set, run->options);
    });
    run->seconds_train = seconds_since(t1);
    pp_call("prodplan.train_defect_risk", [&] { render(*run, o.alert_rate); });

    // Store: the model row, its terms and its rates, in this transaction.
    Oid ts[7] = {TEXTOID, JSONBOID, TEXTOID, FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID};
    Datum vs[7] = {plant, PointerGetDatum(options), CStringGetTextDatum(run->metrics.c_str()),
                   Float8GetDatum(run->result.train_from), Float8GetDatum(run->result.split_at),
                   Float8GetDatum(run->result.test_to), Float8GetDatum(seconds_since(t0))};
    if (SPI_execute_with_args(
            "INSERT INTO prodplan.models (kind, plant_id, options, metrics, train_rows, test_rows, train_from, split_at, test_to, seconds) "
            "SELECT 'defect_risk', $1, $2, m, (m->>'train_operations')::bigint, (m->'operations'->'model'->>'rows')::bigint, "
            "to_timestamp($4), to_timestamp($5), to_timestamp($6), $7 FROM (SELECT $3::jsonb AS m) x RETURNING model_id",
            7, ts, vs, NULL, false, 1) != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
      elog(ERROR, "prodplan.train_defect_risk: could not store the model");
    model_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    Oid tt[2] = {INT8OID, TEXTOID};
    Datum vt[2] = {Int64GetDatum(model_id), CStringGetTextDatum(run->terms.c_str())};
    if (SPI_execute_with_args(
            "INSERT INTO prodplan.model_terms (model_id, term, level, coefficient, center, scale, rows, baseline) "
            "SELECT $1, t.term, t.level, t.coefficient, t.center, t.scale, t.rows, t.baseline "
            "FROM jsonb_to_recordset($2::jsonb) AS t(term text, level text, coefficient float8, center float8, scale float8, rows bigint, baseline boolean)",
            2, tt, vt, NULL, false, 0) != SPI_OK_INSERT)
      elog(ERROR, "prodplan.train_defect_risk: could not store the model's terms");
    vt[1] = CStringGetTextDatum(run->rates.c_str());
    if (SPI_execute_with_args(
            "INSERT INTO prodplan.model_rates (model_id, scope, key, judged, culprits) "
            "SELECT $1, r.scope, r.key, r.judged, r.culprits "
            "FROM jsonb_to_recordset($2::jsonb) AS r(scope text, key text, judged float8, culprits float8)",
            2, tt, vt, NULL, false, 0) != SPI_OK_INSERT)
      elog(ERROR, "prodplan.train_defect_risk: could not store the model's rates");
  }
  PG_FINALLY();
  {
    delete run;
  }
  PG_END_TRY();
  SPI_finish();
  PG_RETURN_INT64(model_id);
}

namespace {

struct ScoreRun {
  pp::quality::CaseSet set;
  std::vector<pp::quality::Term> terms;
  double probability = 0, expected = 0, riskiest = 0;
  std::string riskiest_work_center;
  int operations = 0;
};

}  // namespace

// (model_id, plant, order_id, fallback) -> probability,
// expected_defective_operations, riskiest_work_center_id,
// riskiest_probability, operations; no row when nothing about the order's
// work is known (no operation, no routing). fallback: score with the
// model's rate snapshot alone (the fallback its metrics measured), not its
// coefficients.
Datum prodplan_defect_risk_score(PG_FUNCTION_ARGS) {
  const int64 model_id = PG_GETARG_INT64(0);
  Datum plant = PG_GETARG_DATUM(1);
  Datum order = PG_GETARG_DATUM(2);
  const bool fallback = PG_GETARG_BOOL(3);
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prodplan.defect_risk: SPI_connect failed");

  Oid tm[1] = {INT8OID};
  Datum vm[1] = {Int64GetDatum(model_id)};
  const pp::planning::TextTable terms = fetch_text_table(
      "prodplan.defect_risk",
      "SELECT term, level, coefficient, center, scale, rows, baseline FROM prodplan.model_terms WHERE model_id = $1 ORDER BY term, level",
      1, tm, vm);
  if (terms.rows == 0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("prodplan.defect_risk: model " INT64_FORMAT " has no terms", model_id)));
  const pp::planning::TextTable prior = fetch_text_table(
      "prodplan.defect_risk", "SELECT coalesce((options->>'prior_weight')::float8, 20) FROM prodplan.models WHERE model_id = $1", 1, tm, vm);

  Oid to[2] = {TEXTOID, TEXTOID};
  Datum vo[2] = {plant, order};
  ScoreRun* run = nullptr;
  PG_TRY();
  {
    pp_call("prodplan.defect_risk", [&] {
      run = new ScoreRun();
      for (int64 i = 0; i < terms.rows; ++i) {
        pp::quality::Term t;
        t.term = terms.cell(i, 0);
        t.level = terms.cell(i, 1);
        t.coefficient = std::strtod(terms.cell(i, 2), nullptr);
        t.center = std::strtod(terms.cell(i, 3), nullptr);
        t.scale = std::strtod(terms.cell(i, 4), nullptr);
        t.rows = std::strtol(terms.cell(i, 5), nullptr, 10);
        t.baseline = terms.cell(i, 6)[0] == 't';
        run->terms.push_back(t);
      }
    });
    read_cases("prodplan.defect_risk", cases_sql(true), 2, to, vo, &run->set);
    if (run->set.cases.empty()) {
      // Not started: the product's routing, with nothing known of shifts or crews.
      const pp::planning::TextTable routing = fetch_text_table(
          "prodplan.defect_risk",
          "SELECT po.product_id, coalesce(p.family, '(unknown)'), rs.work_center_id, p.finish_weight_kg, "
          "extract(epoch FROM po.created_at)::float8 "
          "FROM prodplan.production_order po "
          "JOIN prodplan.routing_step rs ON rs.plant_id = po.plant_id AND rs.product_id = po.product_id "
          "LEFT JOIN prodplan.product p ON p.plant_id = po.plant_id AND p.product_id = po.product_id "
          "WHERE po.plant_id = $1 AND po.order_id = $2 ORDER BY rs.sequence",
          2, to, vo);
      pp_call("prodplan.defect_risk", [&] {
        for (int64 i = 0; i < routing.rows; ++i) {
          pp::quality::OpCase c;
          c.order = run->set.orders.id("order");
          c.product = run->set.products.id(routing.cell(i, 0));
          c.family = run->set.families.id(routing.cell(i, 1));
          c.work_center = run->set.work_centers.id(routing.cell(i, 2));
          c.weight_kg = routing.cell(i, 3) ? std::strtod(routing.cell(i, 3), nullptr) : std::nan("");
          c.start = std::strtod(routing.cell(i, 4), nullptr);
          run->set.cases.push_back(c);
        }
      });
    }
    if (!run->set.cases.empty()) {
      // The model's rate snapshot for this order's product and work centers.
      const pp::planning::TextTable rates = fetch_text_table(
          "prodplan.defect_risk",
          "SELECT scope, key, judged, culprits FROM prodplan.model_rates WHERE model_id = $1",
          1, tm, vm);
      pp_call("prodplan.defect_risk", [&] {
        using namespace pp::quality;
        const double prior_weight = std::strtod(prior.cell(0, 0), nullptr);
        std::vector<RateCounts> product(static_cast<std::size_t>(run->set.products.size()));
        std::vector<RateCounts> wc(static_cast<std::size_t>(run->set.work_centers.size()));
        RateCounts all;
        for (int64 i = 0; i < rates.rows; ++i) {
          const std::string scope = rates.cell(i, 0);
          const RateCounts c{std::strtod(rates.cell(i, 2), nullptr), std::strtod(rates.cell(i, 3), nullptr)};
          if (scope == "plant") all = c;
          else if (scope == "product") {
            const int id = run->set.products.find(rates.cell(i, 1));
            if (id >= 0) product[static_cast<std::size_t>(id)] = c;
          } else {
            const int id = run->set.work_centers.find(rates.cell(i, 1));
            if (id >= 0) wc[static_cast<std::size_t>(id)] = c;
          }
        }
        const double plant_p = plant_rate(all);
        const DefectRiskModel model(run->terms);
        double keep = 1;
        for (const OpCase& c : run->set.cases) {
          const double pr = smoothed_rate(product[static_cast<std::size_t>(c.product)], plant_p, prior_weight);
          const double wr = smoothed_rate(wc[static_cast<std::size_t>(c.work_center)], plant_p, prior_weight);
          const double p = fallback ? fallback_probability(pr, wr, plant_p) : model.probability(features_of(run->set, c, pr, wr));
          keep *= 1 - p;
          run->expected += p;
          if (p > run->riskiest) {
            run->riskiest = p;
            run->riskiest_work_center = run->set.work_centers.name(c.work_center);
          }
        }
        run->probability = 1 - keep;
        run->operations = static_cast<int>(run->set.cases.size());
      });
      Datum values[5];
      bool nulls[5] = {false, false, false, false, false};
      values[0] = Float8GetDatum(run->probability);
      values[1] = Float8GetDatum(run->expected);
      values[2] = CStringGetTextDatum(run->riskiest_work_center.c_str());
      values[3] = Float8GetDatum(run->riskiest);
      values[4] = Int32GetDatum(run->operations);
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
