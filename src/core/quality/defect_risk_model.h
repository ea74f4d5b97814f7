// Training and scoring the defect-risk model: the probability that an
// operation will be blamed for a defect, from features known before it runs
// (defect_features.h), by L2-regularised logistic regression
// (learn/logistic_regression.h); an order's risk combines its operations'.
//
// Training splits the judged operations by time: the latest test_share of
// starts (or those from test_from on) are the test set; the training set is
// the operations that started before the split AND whose outcome was known
// by then, so nothing after the split informs the model. Rate features are
// those known before each operation's start (defect_history.h). Metrics are
// measured on the test set for the model and for the fallback (the
// historical rate of the product and work center), per operation and per
// order (P(order) = 1 - prod(1 - p) over its test operations; an order is
// positive when one of them was blamed).
#pragma once
#include "core/common/core_only.h"

#include "core/common/cancel.h"
#include "core/learn/classification_metrics.h"
#include "core/quality/defect_cases.h"
#include "core/quality/defect_features.h"
#include "core/quality/defect_history.h"

#include <limits>
#include <string>
#include <vector>

namespace pp::quality {

struct DefectRiskOptions {
  double test_share = 0.2;  // share of judged operations (latest starts) tested on, in (0, 0.9]
  double test_from = std::numeric_limits<double>::quiet_NaN();  // or the split time, Unix seconds
  double c = 1.0;           // inverse L2 strength (scikit-learn's C), > 0
  double prior_weight = 20; // pseudo-operations pulling a rate to the plant's
  long min_level_rows = 30; // rarer categorical levels pool into "(other)"
  double alert_rate = 0.1;  // recall is measured among the top alert_rate scores
  int calibration_bins = 10;
  long min_train_rows = 200;
  const CancelToken* cancel = nullptr;
};

struct ScoreMetrics {
  long rows = 0;
  long positives = 0;
  double pr_auc = 0, roc_auc = 0, brier = 0, recall_at_alert = 0, alert_threshold = 0, calibration_error = 0;
  std::vector<learn::CalibrationBin> calibration;
};

struct DefectRiskTraining {
  std::vector<Term> terms;             // the fitted model
  ScoreMetrics model_operations, fallback_operations, model_orders, fallback_orders;
  long train_rows = 0, train_positives = 0;
  double train_from = 0, split_at = 0, test_to = 0;  // Unix seconds (starts)
  long unjudged = 0;                   // operations whose outcome is not known yet
  int iterations = 0;
  bool converged = false;
  RateSnapshot snapshot;               // every outcome known now, for scoring
};

// Labels the cases (label_cases) and trains. Throws InvalidParameter for bad
// options, DataException when the data cannot support a model (too few
// judged operations, no evaluation work centers, a class missing).
DefectRiskTraining train_defect_risk(CaseSet& set, const DefectRiskOptions& options);

// A stored model, ready to score.
class DefectRiskModel {
 public:
  explicit DefectRiskModel(const std::vector<Term>& terms);
  double probability(const FeatureValues& f) const;

 private:
  DefectEncoding encoding_;
  std::vector<double> coefficients_;
  double intercept_ = 0;
  mutable std::vector<double> row_;
};

ScoreMetrics score_metrics(const std::vector<double>& p, const std::vector<char>& y, double alert_rate, int bins);

}  // namespace pp::quality
