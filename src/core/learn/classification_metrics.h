// How well probabilities rank and calibrate against 0/1 outcomes: the
// figures a defect-risk model is judged by. Scores are probabilities in
// [0, 1]; labels are 0 or 1; both vectors have the same length.
//
// Ties: tied scores are one threshold. Average precision then takes the
// precision of the whole tied group (as scikit-learn's
// average_precision_score), ROC-AUC counts a positive-negative tie as one
// half (the Mann-Whitney statistic), and the alert set at a rate takes whole
// groups only while they fit (see recall_at_alert_rate).
#pragma once
#include "core/common/core_only.h"

#include <vector>

namespace pp::learn {

// Area under the precision-recall curve as average precision:
// sum over thresholds of (recall step) x precision. NaN without positives.
double average_precision(const std::vector<double>& scores, const std::vector<char>& labels);

// Area under the ROC curve: P(score of a random positive > score of a random
// negative) + P(tie) / 2. NaN without positives or without negatives.
double roc_auc(const std::vector<double>& scores, const std::vector<char>& labels);

// Mean squared difference between the probability and the outcome.
double brier_score(const std::vector<double>& scores, const std::vector<char>& labels);

// Share of the positives among the highest-scored rate x n rows (the alerts a
// planner would look at): ceil(rate x n) rows, ties broken by position (the
// caller's order) so the set has exactly that size. NaN without positives.
double recall_at_alert_rate(const std::vector<double>& scores, const std::vector<char>& labels, double rate);

// The lowest score among those alerts: the threshold a deployment alerts at.
double alert_threshold(const std::vector<double>& scores, double rate);

// Calibration by bins of equal count after sorting by score (deciles when
// bins = 10): per bin, rows, mean score and observed share of positives.
struct CalibrationBin {
  long rows = 0;
  double mean_score = 0;
  double observed = 0;
};
std::vector<CalibrationBin> calibration_bins(const std::vector<double>& scores, const std::vector<char>& labels, int bins);

// Expected calibration error: the row-weighted mean |mean score - observed|
// over the bins.
double calibration_error(const std::vector<CalibrationBin>& bins);

}  // namespace pp::learn
