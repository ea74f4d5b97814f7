#include "core/learn/classification_metrics.h"

#include "core/common/errors.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace pp::learn {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_sizes(const std::vector<double>& scores, const std::vector<char>& labels) {
  if (scores.size() != labels.size())
    throw_invalid("classification metrics: " + std::to_string(scores.size()) + " scores but " +
                  std::to_string(labels.size()) + " labels");
}

// Row indexes by descending score; equal scores keep their position order.
std::vector<std::size_t> by_score_desc(const std::vector<double>& scores) {
  std::vector<std::size_t> idx(scores.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  return idx;
}

}  // namespace

double average_precision(const std::vector<double>& scores, const std::vector<char>& labels) {
  check_sizes(scores, labels);
  const auto idx = by_score_desc(scores);
  const double positives = static_cast<double>(std::count(labels.begin(), labels.end(), 1));
  if (positives == 0) return kNaN;
  double ap = 0, tp = 0, seen = 0, last_recall = 0;
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j < idx.size() && scores[idx[j]] == scores[idx[i]]) {
      tp += labels[idx[j]] ? 1 : 0;
      ++j;
    }
    seen += static_cast<double>(j - i);
    const double recall = tp / positives;
    ap += (recall - last_recall) * (tp / seen);
    last_recall = recall;
    i = j;
  }
  return ap;
}

double roc_auc(const std::vector<double>& scores, const std::vector<char>& labels) {
  check_sizes(scores, labels);
  // Mann-Whitney: the rank sum of the positives, with tied scores sharing
  // their mean rank.
  std::vector<std::size_t> idx(scores.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  double rank_sum = 0, pos = 0;
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    double group_pos = 0;
    while (j < idx.size() && scores[idx[j]] == scores[idx[i]]) {
      group_pos += labels[idx[j]] ? 1 : 0;
      ++j;
    }
    const double mean_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    rank_sum += group_pos * mean_rank;
    pos += group_pos;
    i = j;
  }
  const double neg = static_cast<double>(scores.size()) - pos;
  if (pos == 0 || neg == 0) return kNaN;
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

double brier_score(const std::vector<double>& scores, const std::vector<char>& labels) {
  check_sizes(scores, labels);
  if (scores.empty()) return kNaN;
  double s = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const double d = scores[i] - (labels[i] ? 1.0 : 0.0);
    s += d * d;
  }
  return s / static_cast<double>(scores.size());
}

namespace {
std::size_t alert_count(std::size_t n, double rate) {
  if (!(rate > 0 && rate <= 1)) throw_invalid("the alert rate must be in (0, 1], got " + std::to_string(rate));
  return std::min(n, static_cast<std::size_t>(std::ceil(rate * static_cast<double>(n) - 1e-9)));
}
}  // namespace

double recall_at_alert_rate(const std::vector<double>& scores, const std::vector<char>& labels, double rate) {
  check_sizes(scores, labels);
  const std::size_t k = alert_count(scores.size(), rate);
  const double positives = static_cast<double>(std::count(labels.begin(), labels.end(), 1));
  if (positives == 0) return kNaN;
  const auto idx = by_score_desc(scores);
  double tp = 0;
  for (std::size_t i = 0; i < k; ++i) tp += labels[idx[i]] ? 1 : 0;
  return tp / positives;
}

double alert_threshold(const std::vector<double>& scores, double rate) {
  const std::size_t k = alert_count(scores.size(), rate);
  if (k == 0) return kNaN;
  std::vector<double> s = scores;
  std::nth_element(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(k - 1), s.end(), std::greater<double>());
  return s[k - 1];
}

std::vector<CalibrationBin> calibration_bins(const std::vector<double>& scores, const std::vector<char>& labels, int bins) {
  check_sizes(scores, labels);
  if (bins < 1) throw_invalid("calibration needs at least one bin");
  std::vector<std::size_t> idx(scores.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  std::vector<CalibrationBin> out;
  const std::size_t n = idx.size();
  for (int b = 0; b < bins; ++b) {
    const std::size_t lo = n * static_cast<std::size_t>(b) / static_cast<std::size_t>(bins);
    const std::size_t hi = n * static_cast<std::size_t>(b + 1) / static_cast<std::size_t>(bins);
    if (hi == lo) continue;
    CalibrationBin c;
    c.rows = static_cast<long>(hi - lo);
    for (std::size_t i = lo; i < hi; ++i) {
      c.mean_score += scores[idx[i]];
      c.observed += labels[idx[i]] ? 1 : 0;
    }
    c.mean_score /= static_cast<double>(c.rows);
    c.observed /= static_cast<double>(c.rows);
    out.push_back(c);
  }
  return out;
}

double calibration_error(const std::vector<CalibrationBin>& bins) {
  double w = 0, e = 0;
  for (const auto& b : bins) {
    w += static_cast<double>(b.rows);
    e += static_cast<double>(b.rows) * std::fabs(b.mean_score - b.observed);
  }
  return w > 0 ? e / w : kNaN;
}

}  // namespace pp::learn
