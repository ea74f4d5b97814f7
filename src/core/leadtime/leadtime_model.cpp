#include "core/leadtime/leadtime_model.h"

#include "core/common/errors.h"

#include <cmath>

namespace pp::leadtime {

namespace {

constexpr double kTwoPi = 6.283185307179586;

// Column -> credited feature; built with the names so they cannot drift.
struct Design {
  std::vector<std::string> names;
  std::vector<int> feature;
  Design() {
    auto add = [&](std::string n, int f) {
      names.push_back(std::move(n));
      feature.push_back(f);
    };
    add("product_level", kProductLevel);
    add("family_level", kFamilyLevel);
    add("log_quantity", kLogQuantity);
    add("demould_kg", kDemouldKg);
    add("finish_kg", kFinishKg);
    add("gel_deck_kg", kGelDeckKg);
    add("gel_hull_kg", kGelHullKg);
    add("missing(demould_kg)", kDemouldKg);
    add("routing_steps", kRoutingSteps);
    add("log1p(standard_hours)", kStandardHours);
    add("missing(standard_hours)", kStandardHours);
    add("sin(month)", kMonth);
    add("cos(month)", kMonth);
    for (int d = 1; d < 7; ++d) add("weekday=" + std::to_string(d), kWeekday);
    add("sin(hour)", kHour);
    add("cos(hour)", kHour);
    add("log1p(open_orders)", kOpenOrders);
    add("log1p(route_queue)", kRouteQueue);
    add("log1p(route_queue_max)", kRouteQueueMax);
    add("log1p(route_queue_hours)", kRouteQueueHours);
    add("log1p(route_wip)", kRouteWip);
    add("product_level*log1p(route_queue)", kProductLevel);
    add("log1p(route_queue)*log1p(open_orders)", kRouteQueue);
  }
};

const Design& design() {
  static const Design d;
  return d;
}

}  // namespace

const char* algorithm_name(Algorithm a) { return a == Algorithm::Ridge ? "ridge" : "boosting"; }

const std::vector<std::string>& linear_columns() { return design().names; }
int linear_column_feature(int column) { return design().feature[static_cast<std::size_t>(column)]; }

void linear_design(const double* x, const std::vector<double>& impute, double* out) {
  auto v = [&](int f) {
    const double a = x[f];
    return std::isnan(a) ? (impute.empty() ? 0 : impute[static_cast<std::size_t>(f)]) : a;
  };
  auto lp = [&](int f) { return std::log1p(std::max(0.0, v(f))); };
  int c = 0;
  out[c++] = v(kProductLevel);
  out[c++] = v(kFamilyLevel);
  out[c++] = v(kLogQuantity);
  out[c++] = v(kDemouldKg);
  out[c++] = v(kFinishKg);
  out[c++] = v(kGelDeckKg);
  out[c++] = v(kGelHullKg);
  out[c++] = std::isnan(x[kDemouldKg]) ? 1 : 0;
  out[c++] = v(kRoutingSteps);
  out[c++] = lp(kStandardHours);
  out[c++] = std::isnan(x[kStandardHours]) ? 1 : 0;
  out[c++] = std::sin(kTwoPi * (v(kMonth) - 1) / 12);
  out[c++] = std::cos(kTwoPi * (v(kMonth) - 1) / 12);
  for (int d = 1; d < 7; ++d) out[c++] = v(kWeekday) == d ? 1 : 0;
  out[c++] = std::sin(kTwoPi * v(kHour) / 24);
  out[c++] = std::cos(kTwoPi * v(kHour) / 24);
  out[c++] = lp(kOpenOrders);
  out[c++] = lp(kRouteQueue);
  out[c++] = lp(kRouteQueueMax);
  out[c++] = lp(kRouteQueueHours);
  out[c++] = lp(kRouteWip);
  out[c++] = v(kProductLevel) * lp(kRouteQueue);
  out[c++] = lp(kRouteQueue) * lp(kOpenOrders);
}

double LeadTimeModel::predict_log(const double* x) const {
  if (algorithm == Algorithm::Boosting) return boosting.predict(x);
  double d[64];
  linear_design(x, impute, d);
  return ridge.predict(d);
}

LeadAnswer LeadTimeModel::predict(const double* x) const {
  const double f = predict_log(x);
  return LeadAnswer{std::exp(f + q50), std::exp(f + q90), "model"};
}

void LeadTimeModel::contributions(const double* x, double* out) const {
  for (int f = 0; f <= kFeatureCount; ++f) out[f] = 0;
  if (algorithm == Algorithm::Boosting) {
    boosting.contributions(x, out);  // kFeatureCount + 1 entries, the baseline last
    return;
  }
  // Each column's coefficient x (value - training mean), credited to its
  // feature; the intercept plus coefficient x mean is the baseline.
  double d[64];
  linear_design(x, impute, d);
  double base = ridge.intercept;
  const int cols = static_cast<int>(linear_columns().size());
  for (int c = 0; c < cols; ++c) {
    const double w = ridge.coefficients[c], m = ridge.center[c];
    out[linear_column_feature(c)] += w * (d[c] - m);
    base += w * m;
  }
  out[kFeatureCount] = base;
}

}  // namespace pp::leadtime
