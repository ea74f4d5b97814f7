#include "core/quality/defect_risk_model.h"

#include "core/common/errors.h"
#include "core/learn/logistic_regression.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <unordered_map>

namespace pp::quality {

namespace {

void check_options(const DefectRiskOptions& o) {
  if (!(o.test_share > 0 && o.test_share <= 0.9)) throw_invalid("test_share must be in (0, 0.9], got " + std::to_string(o.test_share));
  if (!(o.c > 0)) throw_invalid("c (the inverse L2 strength) must be above 0, got " + std::to_string(o.c));
  if (!(o.prior_weight >= 0)) throw_invalid("prior_weight must be 0 or more");
  if (o.min_level_rows < 1) throw_invalid("min_level_rows must be at least 1");
  if (!(o.alert_rate > 0 && o.alert_rate <= 1)) throw_invalid("alert_rate must be in (0, 1]");
  if (o.calibration_bins < 1 || o.calibration_bins > 100) throw_invalid("calibration_bins must be 1 to 100");
  if (o.min_train_rows < 10) throw_invalid("min_train_rows must be at least 10");
}

[[noreturn]] void cannot(const std::string& what) { throw Error(ErrorKind::DataException, what); }

// Per order of the test set: P(any blamed) = 1 - prod(1 - p), and the label.
void order_level(const CaseSet& set, const std::vector<std::size_t>& test, const std::vector<double>& p,
                 std::vector<double>* order_p, std::vector<char>* order_y) {
  std::unordered_map<int, std::size_t> slot;
  std::vector<double> keep;  // prod(1 - p)
  for (std::size_t i = 0; i < test.size(); ++i) {
    const OpCase& c = set.cases[test[i]];
    auto [it, fresh] = slot.emplace(c.order, keep.size());
    if (fresh) {
      keep.push_back(1);
      order_y->push_back(0);
    }
    keep[it->second] *= 1 - p[i];
    if (c.culprit) (*order_y)[it->second] = 1;
  }
  for (double k : keep) order_p->push_back(1 - k);
}

}  // namespace

ScoreMetrics score_metrics(const std::vector<double>& p, const std::vector<char>& y, double alert_rate, int bins) {
  ScoreMetrics m;
  m.rows = static_cast<long>(p.size());
  m.positives = static_cast<long>(std::count(y.begin(), y.end(), 1));
  m.pr_auc = learn::average_precision(p, y);
  m.roc_auc = learn::roc_auc(p, y);
  m.brier = learn::brier_score(p, y);
  m.recall_at_alert = learn::recall_at_alert_rate(p, y, alert_rate);
  m.alert_threshold = learn::alert_threshold(p, alert_rate);
  m.calibration = learn::calibration_bins(p, y, bins);
  m.calibration_error = learn::calibration_error(m.calibration);
  return m;
}

DefectRiskTraining train_defect_risk(CaseSet& set, const DefectRiskOptions& o) {
  check_options(o);
  static const CancelToken kNever;
  const CancelToken& cancel = o.cancel ? *o.cancel : kNever;
  bool any_evaluation = false;
  for (char e : set.evaluation) any_evaluation = any_evaluation || e;
  if (!any_evaluation) cannot("no work center finds defects: the defect records name no evaluating work center");

  sort_cases(set, cancel);
  label_cases(set, cancel);
  const CaseRates rates = rates_before_start(set, o.prior_weight, cancel);
  DefectRiskTraining out;

  // Judged operations by start; the split.
  std::vector<std::size_t> judged;
  for (std::size_t i = 0; i < set.cases.size(); ++i) {
    if (std::isnan(set.cases[i].label_time)) ++out.unjudged;
    else judged.push_back(i);
  }
  if (judged.empty()) cannot("no operation has been judged by an ended evaluation yet");
  std::stable_sort(judged.begin(), judged.end(), [&](std::size_t a, std::size_t b) { return set.cases[a].start < set.cases[b].start; });
  double split = o.test_from;
  if (std::isnan(split)) {
    const std::size_t k = static_cast<std::size_t>(std::floor(static_cast<double>(judged.size()) * (1 - o.test_share)));
    split = set.cases[judged[std::min(k, judged.size() - 1)]].start;
  }
  std::vector<std::size_t> train, test;
  for (std::size_t i : judged) {
    const OpCase& c = set.cases[i];
    if (c.start >= split) test.push_back(i);
    else if (c.label_time <= split) train.push_back(i);
  }
  if (static_cast<long>(train.size()) < o.min_train_rows)
    cannot(std::to_string(train.size()) + " operations judged before the split (at least " + std::to_string(o.min_train_rows) +
           " needed): too little history to train on");
  if (test.empty()) cannot("no judged operation starts at or after the split: nothing to test on");
  out.train_from = set.cases[train.front()].start;
  out.split_at = split;
  out.test_to = set.cases[test.back()].start;

  auto features = [&](std::size_t i) {
    return features_of(set, set.cases[i], rates.product[i], rates.work_center[i]);
  };
  std::vector<FeatureValues> train_f;
  train_f.reserve(train.size());
  Eigen::VectorXd y(static_cast<Eigen::Index>(train.size()));
  for (std::size_t r = 0; r < train.size(); ++r) {
    train_f.push_back(features(train[r]));
    y[static_cast<Eigen::Index>(r)] = set.cases[train[r]].culprit ? 1 : 0;
  }
  out.train_rows = static_cast<long>(train.size());
  out.train_positives = static_cast<long>(y.sum());
  if (out.train_positives == 0 || out.train_positives == out.train_rows)
    cannot("every training operation has the same outcome (" + std::to_string(out.train_positives) + " of " +
           std::to_string(out.train_rows) + " blamed): nothing to learn");

  const DefectEncoding enc = DefectEncoding::fit(train_f, o.min_level_rows);
  // One-hot rows have at most nine non-zeros: the sparse design keeps a
  // Newton step at n x 81 multiply-adds instead of n x columns^2.
  learn::SparseRows x;
  x.cols = enc.columns();
  x.start.reserve(train.size() + 1);
  x.index.reserve(train.size() * 9);
  x.value.reserve(train.size() * 9);
  std::vector<double> row(static_cast<std::size_t>(enc.columns()));
  for (std::size_t r = 0; r < train_f.size(); ++r) {
    if ((r & 8191) == 0) cancel.poll();
    enc.encode(train_f[r], row.data());
    x.add_row(row.data());
  }
  train_f.clear();
  train_f.shrink_to_fit();

  learn::LogisticOptions lo;
  lo.c = o.c;
  lo.cancel = o.cancel;
  lo.tolerance = 1e-8;
  const learn::LogisticModel fit = learn::fit_logistic(x, y, lo);
  out.iterations = fit.iterations;
  out.converged = fit.converged;
  std::vector<double> coef(fit.coefficients.data(), fit.coefficients.data() + fit.coefficients.size());
  out.terms = enc.terms(coef, fit.intercept);

  // The test set under the model and under the fallback.
  const DefectRiskModel model(out.terms);
  std::vector<double> pm, pf;
  std::vector<char> yt;
  pm.reserve(test.size());
  pf.reserve(test.size());
  for (std::size_t r = 0; r < test.size(); ++r) {
    if ((r & 8191) == 0) cancel.poll();
    const std::size_t i = test[r];
    pm.push_back(model.probability(features(i)));
    pf.push_back(fallback_probability(rates.product[i], rates.work_center[i], rates.plant[i]));
    yt.push_back(set.cases[i].culprit ? 1 : 0);
  }
  out.model_operations = score_metrics(pm, yt, o.alert_rate, o.calibration_bins);
  out.fallback_operations = score_metrics(pf, yt, o.alert_rate, o.calibration_bins);
  std::vector<double> om, of;
  std::vector<char> oy, oy2;
  order_level(set, test, pm, &om, &oy);
  order_level(set, test, pf, &of, &oy2);
  out.model_orders = score_metrics(om, oy, o.alert_rate, o.calibration_bins);
  out.fallback_orders = score_metrics(of, oy2, o.alert_rate, o.calibration_bins);
  out.snapshot = rate_snapshot(set);
  return out;
}

DefectRiskModel::DefectRiskModel(const std::vector<Term>& terms)
    : encoding_(DefectEncoding::from_terms(terms)) {
  coefficients_ = DefectEncoding::coefficients_of(encoding_, terms, &intercept_);
  row_.resize(coefficients_.size());
}

double DefectRiskModel::probability(const FeatureValues& f) const {
  encoding_.encode(f, row_.data());
  double z = intercept_;
  for (std::size_t j = 0; j < row_.size(); ++j) z += coefficients_[j] * row_[j];
  return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z));
}

}  // namespace pp::quality
