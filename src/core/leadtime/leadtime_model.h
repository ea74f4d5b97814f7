// A trained lead-time model: a regression of log(lead time hours) on the
// features of leadtime_features.h, by ridge (linear) or gradient-boosted
// trees, plus two split-conformal offsets on the log scale that turn its
// prediction into a calibrated median (P50) and 90th percentile (P90):
//     P50 = exp(f(x) + q50),  P90 = exp(f(x) + q90)
// q50 and q90 are quantiles of log(actual) - f(x) over the validation
// orders, which the learner did not fit; with exchangeable errors P90 then
// covers >= 90% of new orders.
//
// The linear part sees a fixed design (linear_design): the features with
// missing values replaced by their training means, a missing-weight and a
// missing-standard-time indicator, log1p of the loads and standard hours,
// the month and hour as a sine and cosine, the weekday one-hot (Monday the
// baseline), and two interactions the queueing needs: the product's level x
// the routing's queue, and the queue x the open orders.
#pragma once
#include "core/common/core_only.h"

#include "core/leadtime/history_fallback.h"
#include "core/leadtime/leadtime_features.h"
#include "core/learn/gradient_boosting.h"
#include "core/learn/ridge_regression.h"

#include <string>
#include <vector>

namespace pp::leadtime {

enum class Algorithm { Ridge, Boosting };
const char* algorithm_name(Algorithm a);  // "ridge", "boosting"

// The linear design's column names, in order, and the feature each is
// credited to in explanations (an interaction: to its first feature).
const std::vector<std::string>& linear_columns();
int linear_column_feature(int column);
// out: linear_columns().size() values for raw features x; impute: kFeatureCount means.
void linear_design(const double* x, const std::vector<double>& impute, double* out);

struct LeadTimeModel {
  Algorithm algorithm = Algorithm::Boosting;
  double prior_weight = 10;           // of the product / family levels it was trained with
  double q50 = 0, q90 = 0;            // conformal offsets, log hours
  std::vector<double> impute;         // ridge: kFeatureCount training means (NaN -> mean)
  learn::RidgeModel ridge;            // on linear_design columns
  learn::BoostedModel boosting;       // on the raw features

  double predict_log(const double* x) const;
  LeadAnswer predict(const double* x) const;  // hours; source left to the caller
  // out: kFeatureCount + 1 contributions to predict_log (the last is the
  // baseline); they sum to predict_log(x).
  void contributions(const double* x, double* out) const;
};

}  // namespace pp::leadtime
