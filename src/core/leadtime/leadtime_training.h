// Training a lead-time model (issue 9): the data set, the temporal split,
// both learners, the conformal offsets, and the test metrics of the model,
// of the history fallback and of the deployed model on the same orders.
//
// Data set: one row per finished order whose lead time is in (0, 10,000)
// hours (others are counted in `excluded`), its features at its creation.
// Split by creation time: the latest test_share of rows (or those created
// at or after test_from) are the test set, the validation_share before them
// the validation set, the rest the training set. Learners fit the training
// set; the validation set chooses ridge's lambda, stops the boosting, gives
// the conformal offsets, and (algorithm auto) picks the learner with the
// lower validation MAE. The test set is touched only to measure.
//
// Deterministic: the same history and options give the same model, bit for
// bit (rows are ordered by creation time, then order id).
#pragma once
#include "core/common/core_only.h"

#include "core/common/cancel.h"
#include "core/leadtime/leadtime_model.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pp::leadtime {

struct LeadTimeOptions {
  double test_share = 0.1, validation_share = 0.1;  // of the usable orders, by creation
  double test_from = kUnknown;     // Unix seconds; overrides test_share when set
  double prior_weight = 10;        // pseudo-orders of the product / family levels
  int min_orders = 5;              // history fallback: orders a level needs
  std::string algorithm = "auto";  // auto, ridge or boosting
  double coverage = 0.9;           // the upper quantile's target (P90)
  std::int64_t min_train_rows = 200;
  learn::BoostingOptions boosting; // seed, iterations, ... (cancel set from `cancel`)
  std::vector<double> lambdas;     // ridge grid; empty: the learner's default
  const CancelToken* cancel = nullptr;
};

// Accuracy of P50 / P90 predictions (hours) on a set of orders.
struct RegressionMetrics {
  std::int64_t rows = 0;
  double mae = kUnknown;           // mean |P50 - actual|, hours
  double mape = kUnknown;          // mean |P50 - actual| / actual
  double median_error = kUnknown;  // median of P50 - actual (bias), hours
  double p90_coverage = kUnknown;  // share of actuals <= P90
  double pinball50 = kUnknown, pinball90 = kUnknown;  // quantile losses, hours
};
RegressionMetrics regression_metrics(const std::vector<double>& actual, const std::vector<double>& p50,
                                     const std::vector<double>& p90);

// One row of the data set (also what prodplan.leadtime_dataset returns).
struct DataRow {
  int order = -1;                  // OrderHistory::orders index
  int split = 0;                   // 0 train, 1 validation, 2 test
  double hours = 0;                // the label
  double x[kFeatureCount];
};

struct DataSet {
  std::vector<DataRow> rows;       // ordered by creation, then order id
  std::int64_t excluded = 0;       // finished orders with a lead time outside (0, 10,000) h
  std::int64_t open = 0;           // orders not finished
  double validation_from = kUnknown, test_from = kUnknown;  // creation times starting the splits
};

DataSet build_dataset(const OrderHistory& h, const FeatureBuilder& features, const LeadTimeOptions& o);

struct LeadTimeTraining {
  LeadTimeModel model;
  DataSet data;
  std::int64_t train_rows = 0, validation_rows = 0, test_rows = 0;
  double train_from = kUnknown, test_to = kUnknown;  // first and last creation times
  RegressionMetrics model_test, fallback_test, deployed_test;  // deployed_test.rows == 0: none
  RegressionMetrics ridge_validation, boosting_validation;     // rows == 0: not fitted
  double ridge_lambda = kUnknown;
  int boosting_iterations = 0;
  double seconds_features = 0, seconds_fit = 0;
};

// deployed: the plant's deployed model, measured on the same test orders
// (its own prior weight); nullptr when none.
LeadTimeTraining train_leadtime(const OrderHistory& h, const LeadTimeOptions& o, const LeadTimeModel* deployed);

}  // namespace pp::leadtime
