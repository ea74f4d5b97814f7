// See leadtime_storage.h. The model round-trips through text: numbers are
// written with 17 significant digits, so a model read back predicts exactly
// what the trained one did (tested by prodplan.train_leadtime's check that
// the stored model reproduces its test metrics).
#include "core/common/json_text.h"
#include "core/leadtime/leadtime_model.h"
#include "core/leadtime/order_history.h"
#include "pg/boundary.h"
#include "pg/spi_text.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "pg/pg_includes.h"
#include "pg/spi_scan.h"
#include "pg/leadtime_storage.h"

using pp::pg::pp_call;

namespace pp::pg {

namespace {

double num(const char* cell) { return cell == nullptr ? std::nan("") : std::strtod(cell, nullptr); }

void append_number(std::string& out, double v) { pp::append_json_number(out, v); }

}  // namespace

void read_order_history(const char* who, Datum plant, pp::leadtime::OrderHistory* h) {
  Oid types[1] = {TEXTOID};
  Datum values[1] = {plant};
  const pp::planning::TextTable products = fetch_text_table(
      who,
      "SELECT product_id, coalesce(family, '(unknown)'), demould_weight_kg, finish_weight_kg, gel_deck_kg, gel_hull_kg "
      "FROM prodplan.product WHERE plant_id = $1 ORDER BY product_id",
      1, types, values);
  pp_call(who, [&] {
    for (int64 i = 0; i < products.rows; ++i) {
      pp::leadtime::ProductInfo& p = h->product(products.cell(i, 0));
      p.known = true;
      p.family = h->families.id(products.cell(i, 1));
      p.demould_kg = num(products.cell(i, 2));
      p.finish_kg = num(products.cell(i, 3));
      p.gel_deck_kg = num(products.cell(i, 4));
      p.gel_hull_kg = num(products.cell(i, 5));
    }
  });
  scan_plant_rows(who,
                  "SELECT product_id, work_center_id, standard_minutes / 60 FROM prodplan.routing_step "
                  "WHERE plant_id = $1 ORDER BY product_id, sequence",
                  plant, [&](const ScanRow& r) {
                    pp::leadtime::RoutingStep s;
                    s.work_center = h->work_centers.id(r.b);
                    s.standard_hours = r.x;
                    h->product(r.a).routing.push_back(s);
                  });
  // Orders in id order, so indices (and everything built on them) do not
  // depend on the physical order of the table.
  scan_plant_rows(who,
                  "SELECT order_id, product_id, created_at, finished_at, quantity FROM prodplan.production_order "
                  "WHERE plant_id = $1 ORDER BY order_id",
                  plant, [&](const ScanRow& r) {
                    const int id = h->order_ids.id(r.a);
                    if (static_cast<std::size_t>(id) != h->orders.size()) return;  // a duplicate id cannot happen (key)
                    pp::leadtime::OrderInfo o;
                    o.product = h->products.id(r.b);
                    h->product(r.b);
                    o.created = r.x;
                    o.finished = r.y;
                    o.quantity = std::isnan(r.z) ? 1 : r.z;
                    h->orders.push_back(o);
                  });
  scan_plant_rows(who,
                  "SELECT order_id, work_center_id, started_at, ended_at FROM prodplan.operation WHERE plant_id = $1",
                  plant, [&](const ScanRow& r) {
                    const int order = h->order_ids.find(r.a);
                    if (order < 0) return;
                    pp::leadtime::OperationSpan op;
                    op.order = order;
                    op.work_center = h->work_centers.id(r.b);
                    op.started = r.x;
                    op.ended = r.y;
                    h->operations.push_back(op);
                  });
}

ModelRows model_rows(const pp::leadtime::LeadTimeModel& m) {
  using namespace pp::leadtime;
  ModelRows rows;
  std::string& p = rows.parameters;
  p = "{\"algorithm\":";
  pp::append_json_string(p, algorithm_name(m.algorithm));
  p += ",\"prior_weight\":";
  append_number(p, m.prior_weight);
  p += ",\"q50\":";
  append_number(p, m.q50);
  p += ",\"q90\":";
  append_number(p, m.q90);
  if (m.algorithm == Algorithm::Ridge) {
    p += ",\"lambda\":";
    append_number(p, m.ridge.lambda);
    p += ",\"impute\":{";
    for (int f = 0; f < kFeatureCount; ++f) {
      if (f) p += ',';
      pp::append_json_string(p, feature_name(f));
      p += ':';
      append_number(p, m.impute[static_cast<std::size_t>(f)]);
    }
    p += '}';
  } else {
    p += ",\"baseline\":";
    append_number(p, m.boosting.baseline);
    p += ",\"trees\":";
    append_number(p, static_cast<double>(m.boosting.trees.size()));
  }
  p += '}';

  std::string& t = rows.terms;
  t = "[";
  if (m.algorithm == Algorithm::Ridge) {
    // Per column: the coefficient per standard deviation (as the defect
    // model's terms), with the centre and scale that standardise it.
    auto term = [&](const std::string& name, double coef, double center, double scale) {
      if (t.size() > 1) t += ',';
      t += "{\"term\":";
      pp::append_json_string(t, name);
      t += ",\"coefficient\":";
      append_number(t, coef);
      t += ",\"center\":";
      append_number(t, center);
      t += ",\"scale\":";
      append_number(t, scale);
      t += '}';
    };
    term("intercept", m.ridge.intercept, 0, 1);
    const auto& cols = linear_columns();
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const Eigen::Index i = static_cast<Eigen::Index>(c);
      term(cols[c], m.ridge.coefficients[i] * m.ridge.scale[i], m.ridge.center[i], m.ridge.scale[i]);
    }
  }
  t += ']';

  std::string& tr = rows.trees;
  tr = "[";
  if (m.algorithm == Algorithm::Boosting) {
    for (std::size_t k = 0; k < m.boosting.trees.size(); ++k) {
      const auto& nodes = m.boosting.trees[k].nodes;
      for (std::size_t n = 0; n < nodes.size(); ++n) {
        const auto& node = nodes[n];
        if (tr.size() > 1) tr += ',';
        tr += "{\"tree\":" + std::to_string(k) + ",\"node\":" + std::to_string(n) + ",\"feature\":";
        if (node.feature >= 0) pp::append_json_string(tr, feature_name(node.feature));
        else tr += "null";
        tr += ",\"threshold\":";
        // +inf (only missing values go right) has no JSON form: 1e308 splits
        // every finite value the same way.
        append_number(tr, node.feature < 0 ? NAN : std::isinf(node.threshold) ? std::copysign(1e308, node.threshold) : node.threshold);
        tr += ",\"missing_left\":";
        tr += node.missing_left ? "true" : "false";
        tr += ",\"left_node\":" + (node.left >= 0 ? std::to_string(node.left) : std::string("null"));
        tr += ",\"right_node\":" + (node.right >= 0 ? std::to_string(node.right) : std::string("null"));
        tr += ",\"value\":";
        append_number(tr, node.value);
        tr += ",\"samples\":" + std::to_string(node.samples) + ",\"gain\":";
        append_number(tr, node.gain);
        tr += '}';
      }
    }
  }
  tr += ']';
  return rows;
}

bool read_leadtime_model(const char* who, int64 model_id, pp::leadtime::LeadTimeModel* m) {
  Oid types[1] = {INT8OID};
  Datum values[1] = {Int64GetDatum(model_id)};
  const pp::planning::TextTable head = fetch_text_table(
      who,
      "SELECT parameters->>'algorithm', (parameters->>'prior_weight')::float8, (parameters->>'q50')::float8, "
      "(parameters->>'q90')::float8, (parameters->>'baseline')::float8, (parameters->>'lambda')::float8, "
      "(SELECT array_to_string(array_agg(coalesce((parameters->'impute'->>f.name)::float8, 'NaN') ORDER BY f.i), ',') "
      "   FROM unnest(features) WITH ORDINALITY AS f(name, i)) "
      "FROM prodplan.models WHERE model_id = $1 AND kind = 'leadtime'",
      1, types, values);
  if (head.rows != 1) return false;
  const bool ridge = std::string(head.cell(0, 0) ? head.cell(0, 0) : "") == "ridge";
  const pp::planning::TextTable terms =
      ridge ? fetch_text_table(who,
                               "SELECT term, coefficient, center, scale FROM prodplan.model_terms WHERE model_id = $1",
                               1, types, values)
            : pp::planning::TextTable{};
  const pp::planning::TextTable trees =
      ridge ? pp::planning::TextTable{}
            : fetch_text_table(who,
                               "SELECT tree, node, feature, threshold, missing_left, left_node, right_node, value, samples, gain "
                               "FROM prodplan.model_trees WHERE model_id = $1 ORDER BY tree, node",
                               1, types, values);
  pp_call(who, [&] {
    using namespace pp::leadtime;
    m->algorithm = ridge ? Algorithm::Ridge : Algorithm::Boosting;
    m->prior_weight = num(head.cell(0, 1));
    m->q50 = num(head.cell(0, 2));
    m->q90 = num(head.cell(0, 3));
    if (ridge) {
      m->impute.assign(kFeatureCount, 0);
      const char* list = head.cell(0, 6) ? head.cell(0, 6) : "";
      for (int f = 0; f < kFeatureCount && *list; ++f) {
        char* end = nullptr;
        m->impute[static_cast<std::size_t>(f)] = std::strtod(list, &end);
        list = *end == ',' ? end + 1 : end;
      }
      const auto& cols = linear_columns();
      const Eigen::Index n = static_cast<Eigen::Index>(cols.size());
      m->ridge.coefficients = Eigen::VectorXd::Zero(n);
      m->ridge.center = Eigen::VectorXd::Zero(n);
      m->ridge.scale = Eigen::VectorXd::Ones(n);
      m->ridge.lambda = num(head.cell(0, 5));
      for (int64 i = 0; i < terms.rows; ++i) {
        const std::string name = terms.cell(i, 0);
        if (name == "intercept") {
          m->ridge.intercept = num(terms.cell(i, 1));
          continue;
        }
        for (Eigen::Index c = 0; c < n; ++c)
          if (cols[static_cast<std::size_t>(c)] == name) {
            m->ridge.scale[c] = num(terms.cell(i, 3));
            m->ridge.center[c] = num(terms.cell(i, 2));
            m->ridge.coefficients[c] = num(terms.cell(i, 1)) / m->ridge.scale[c];
          }
      }
    } else {
      m->boosting = pp::learn::BoostedModel{};
      m->boosting.baseline = num(head.cell(0, 4));
      m->boosting.features = kFeatureCount;
      for (int64 i = 0; i < trees.rows; ++i) {
        const std::size_t k = static_cast<std::size_t>(std::strtol(trees.cell(i, 0), nullptr, 10));
        if (k >= m->boosting.trees.size()) m->boosting.trees.resize(k + 1);
        pp::learn::TreeNode node;
        node.feature = -1;
        if (trees.cell(i, 2) != nullptr)
          for (int f = 0; f < kFeatureCount; ++f)
            if (std::string(feature_name(f)) == trees.cell(i, 2)) node.feature = f;
        node.threshold = num(trees.cell(i, 3));
        node.missing_left = trees.cell(i, 4)[0] == 't';
        node.left = trees.cell(i, 5) ? std::atoi(trees.cell(i, 5)) : -1;
        node.right = trees.cell(i, 6) ? std::atoi(trees.cell(i, 6)) : -1;
        node.value = num(trees.cell(i, 7));
        node.samples = std::atoi(trees.cell(i, 8));
        node.gain = num(trees.cell(i, 9));
        m->boosting.trees[k].nodes.push_back(node);
      }
    }
  });
  return true;
}

}  // namespace pp::pg
