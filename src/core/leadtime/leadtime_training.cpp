#include "core/leadtime/leadtime_training.h"

#include "core/common/errors.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <cmath>
#include <numeric>

namespace pp::leadtime {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void poll(const CancelToken* c) {
  if (c != nullptr) c->poll();
}

// The k-th smallest residual with k = ceil((n + 1) q), clipped to n: the
// split-conformal quantile (finite-sample valid for exchangeable errors).
double conformal_quantile(std::vector<double> r, double q) {
  if (r.empty()) return 0;
  std::sort(r.begin(), r.end());
  const double k = std::ceil((static_cast<double>(r.size()) + 1) * q);
  const std::size_t i = static_cast<std::size_t>(std::clamp(k, 1.0, static_cast<double>(r.size()))) - 1;
  return r[i];
}

struct Matrices {
  Eigen::MatrixXd x;
  Eigen::VectorXd y;  // log hours
};

Matrices rows_of(const DataSet& d, int split) {
  std::int64_t n = 0;
  for (const DataRow& r : d.rows) n += r.split == split;
  Matrices m;
  m.x.resize(n, kFeatureCount);
  m.y.resize(n);
  Eigen::Index i = 0;
  for (const DataRow& r : d.rows) {
    if (r.split != split) continue;
    for (int f = 0; f < kFeatureCount; ++f) m.x(i, f) = r.x[f];
    m.y[i] = std::log(r.hours);
    ++i;
  }
  return m;
}

Eigen::MatrixXd design_of(const Eigen::MatrixXd& x, const std::vector<double>& impute) {
  const int cols = static_cast<int>(linear_columns().size());
  Eigen::MatrixXd d(x.rows(), cols);
  double raw[kFeatureCount], out[64];
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    for (int f = 0; f < kFeatureCount; ++f) raw[f] = x(i, f);
    linear_design(raw, impute, out);
    for (int c = 0; c < cols; ++c) d(i, c) = out[c];
  }
  return d;
}

// Log-scale predictions of a model (offsets not applied) for the rows of x.
std::vector<double> predict_logs(const LeadTimeModel& m, const Eigen::MatrixXd& x) {
  std::vector<double> out(static_cast<std::size_t>(x.rows()));
  double raw[kFeatureCount];
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    for (int f = 0; f < kFeatureCount; ++f) raw[f] = x(i, f);
    out[static_cast<std::size_t>(i)] = m.predict_log(raw);
  }
  return out;
}

// Sets the model's offsets from its validation residuals and returns its
// validation metrics.
RegressionMetrics calibrate(LeadTimeModel& m, const Matrices& valid, double coverage) {
  const std::vector<double> f = predict_logs(m, valid.x);
  std::vector<double> r(f.size()), actual(f.size()), p50(f.size()), p90(f.size());
  for (std::size_t i = 0; i < f.size(); ++i) r[i] = valid.y[static_cast<Eigen::Index>(i)] - f[i];
  m.q50 = conformal_quantile(r, 0.5);
  m.q90 = conformal_quantile(r, coverage);
  for (std::size_t i = 0; i < f.size(); ++i) {
    actual[i] = std::exp(valid.y[static_cast<Eigen::Index>(i)]);
    p50[i] = std::exp(f[i] + m.q50);
    p90[i] = std::exp(f[i] + m.q90);
  }
  return regression_metrics(actual, p50, p90);
}

}  // namespace

RegressionMetrics regression_metrics(const std::vector<double>& actual, const std::vector<double>& p50,
                                     const std::vector<double>& p90) {
  RegressionMetrics m;
  const std::size_t n = actual.size();
  if (p50.size() != n || p90.size() != n) throw Error(ErrorKind::InvalidParameter, "leadtime metrics: sizes differ");
  m.rows = static_cast<std::int64_t>(n);
  if (n == 0) return m;
  double abs = 0, pct = 0, cover = 0, pin50 = 0, pin90 = 0;
  std::vector<double> err(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double e = p50[i] - actual[i];
    err[i] = e;
    abs += std::fabs(e);
    pct += std::fabs(e) / actual[i];
    cover += actual[i] <= p90[i];
    pin50 += 0.5 * std::fabs(e);
    const double u = actual[i] - p90[i];
    pin90 += u >= 0 ? 0.9 * u : -0.1 * u;
  }
  const double dn = static_cast<double>(n);
  m.mae = abs / dn;
  m.mape = pct / dn;
  m.p90_coverage = cover / dn;
  m.pinball50 = pin50 / dn;
  m.pinball90 = pin90 / dn;
  std::sort(err.begin(), err.end());
  m.median_error = sorted_quantile(err, 0.5);
  return m;
}

DataSet build_dataset(const OrderHistory& h, const FeatureBuilder& features, const LeadTimeOptions& o) {
  if (!(o.test_share > 0 && o.test_share < 1) || !(o.validation_share > 0 && o.validation_share < 1) ||
      o.test_share + o.validation_share >= 1)
    throw Error(ErrorKind::InvalidParameter,
                "leadtime: test_share and validation_share must be in (0, 1) and sum to under 1");
  DataSet d;
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < h.orders.size(); ++i) {
    const OrderInfo& ord = h.orders[i];
    if (std::isnan(ord.finished)) ++d.open;
    else if (!usable_label(ord)) ++d.excluded;
    else idx.push_back(i);
  }
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    const double ca = h.orders[a].created, cb = h.orders[b].created;
    if (ca != cb) return ca < cb;
    return h.order_ids.name(static_cast<int>(a)) < h.order_ids.name(static_cast<int>(b));
  });
  const std::size_t n = idx.size();
  std::size_t test_start;
  if (!std::isnan(o.test_from)) {
    test_start = 0;
    while (test_start < n && h.orders[idx[test_start]].created < o.test_from) ++test_start;
  } else {
    test_start = n - std::min(n, static_cast<std::size_t>(std::ceil(static_cast<double>(n) * o.test_share)));
  }
  const std::size_t valid_len = static_cast<std::size_t>(std::ceil(static_cast<double>(n) * o.validation_share));
  const std::size_t valid_start = test_start > valid_len ? test_start - valid_len : 0;
  if (valid_start < n) d.validation_from = h.orders[idx[valid_start]].created;
  if (test_start < n) d.test_from = h.orders[idx[test_start]].created;
  d.rows.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    if ((k & 4095) == 0) poll(o.cancel);
    DataRow& r = d.rows[k];
    const OrderInfo& ord = h.orders[idx[k]];
    r.order = static_cast<int>(idx[k]);
    r.split = k >= test_start ? 2 : k >= valid_start ? 1 : 0;
    r.hours = lead_hours(ord);
    features.features(ord.product, ord.quantity, ord.created, r.x);
  }
  return d;
}

LeadTimeTraining train_leadtime(const OrderHistory& h, const LeadTimeOptions& o, const LeadTimeModel* deployed) {
  if (o.algorithm != "auto" && o.algorithm != "ridge" && o.algorithm != "boosting")
    throw Error(ErrorKind::InvalidParameter, "leadtime: algorithm must be auto, ridge or boosting, got \"" + o.algorithm + "\"");
  if (!(o.coverage > 0.5 && o.coverage < 1))
    throw Error(ErrorKind::InvalidParameter, "leadtime: coverage must be in (0.5, 1)");
  LeadTimeTraining t;
  auto t0 = std::chrono::steady_clock::now();
  const FeatureBuilder features(h, o.prior_weight);
  t.data = build_dataset(h, features, o);
  t.seconds_features = seconds_since(t0);
  const Matrices train = rows_of(t.data, 0), valid = rows_of(t.data, 1), test = rows_of(t.data, 2);
  t.train_rows = train.x.rows();
  t.validation_rows = valid.x.rows();
  t.test_rows = test.x.rows();
  if (t.train_rows < o.min_train_rows)
    throw Error(ErrorKind::DataException, "leadtime: " + std::to_string(t.train_rows) +
                                              " finished orders to train on before the validation period, " +
                                              std::to_string(o.min_train_rows) + " needed (option min_train_rows)");
  if (t.validation_rows < 20 || t.test_rows < 20)
    throw Error(ErrorKind::DataException, "leadtime: the validation and test periods need 20 orders each, got " +
                                              std::to_string(t.validation_rows) + " and " + std::to_string(t.test_rows));
  if (!t.data.rows.empty()) {
    t.train_from = h.orders[static_cast<std::size_t>(t.data.rows.front().order)].created;
    t.test_to = h.orders[static_cast<std::size_t>(t.data.rows.back().order)].created;
  }

  t0 = std::chrono::steady_clock::now();
  LeadTimeModel ridge, boost;
  ridge.algorithm = Algorithm::Ridge;
  boost.algorithm = Algorithm::Boosting;
  ridge.prior_weight = boost.prior_weight = o.prior_weight;
  if (o.algorithm != "boosting") {
    ridge.impute.assign(kFeatureCount, 0);
    for (int f = 0; f < kFeatureCount; ++f) {
      double s = 0;
      std::int64_t c = 0;
      for (Eigen::Index i = 0; i < train.x.rows(); ++i)
        if (!std::isnan(train.x(i, f))) s += train.x(i, f), ++c;
      ridge.impute[static_cast<std::size_t>(f)] = c > 0 ? s / static_cast<double>(c) : 0;
    }
    const Eigen::MatrixXd dt = design_of(train.x, ridge.impute), dv = design_of(valid.x, ridge.impute);
    poll(o.cancel);
    ridge.ridge = learn::select_ridge(dt, train.y, dv, valid.y, o.lambdas).model;
    t.ridge_lambda = ridge.ridge.lambda;
    t.ridge_validation = calibrate(ridge, valid, o.coverage);
  }
  if (o.algorithm != "ridge") {
    learn::BoostingOptions bo = o.boosting;
    bo.cancel = o.cancel;
    boost.boosting = learn::fit_boosting(train.x, train.y, &valid.x, &valid.y, bo);
    t.boosting_iterations = static_cast<int>(boost.boosting.trees.size());
    t.boosting_validation = calibrate(boost, valid, o.coverage);
  }
  const bool use_ridge = o.algorithm == "ridge" ||
                         (o.algorithm == "auto" && t.ridge_validation.mae < t.boosting_validation.mae);
  t.model = use_ridge ? std::move(ridge) : std::move(boost);
  t.seconds_fit = seconds_since(t0);

  // The test set: the model, the history fallback as of each order's
  // creation, and the deployed model, on the same orders.
  std::vector<double> actual, p50, p90, f50, f90, d50, d90;
  const HistoryFallback fallback(h, o.min_orders);
  std::unique_ptr<FeatureBuilder> deployed_features;
  if (deployed != nullptr && deployed->prior_weight != o.prior_weight)
    deployed_features = std::make_unique<FeatureBuilder>(h, deployed->prior_weight);
  double xd[kFeatureCount];
  for (const DataRow& r : t.data.rows) {
    if (r.split != 2) continue;
    const OrderInfo& ord = h.orders[static_cast<std::size_t>(r.order)];
    actual.push_back(r.hours);
    const LeadAnswer m = t.model.predict(r.x);
    p50.push_back(m.p50);
    p90.push_back(m.p90);
    const LeadAnswer fb = fallback.answer(ord.product, ord.quantity, ord.created);
    f50.push_back(fb.p50);
    f90.push_back(fb.p90);
    if (deployed != nullptr) {
      const double* x = r.x;
      if (deployed_features) {
        deployed_features->features(ord.product, ord.quantity, ord.created, xd);
        x = xd;
      }
      const LeadAnswer dm = deployed->predict(x);
      d50.push_back(dm.p50);
      d90.push_back(dm.p90);
    }
  }
  t.model_test = regression_metrics(actual, p50, p90);
  t.fallback_test = regression_metrics(actual, f50, f90);
  if (deployed != nullptr) t.deployed_test = regression_metrics(actual, d50, d90);
  return t;
}

}  // namespace pp::leadtime
