#include "core/simulate/duration_spread.h"

#include "core/simulate/inverse_normal.h"

#include <algorithm>
#include <cmath>

namespace pp::simulate {

const char* duration_model_name(DurationModel m) {
  switch (m) {
    case DurationModel::Empirical: return "empirical";
    case DurationModel::Lognormal: return "lognormal";
    case DurationModel::None: break;
  }
  return "none";
}

bool parse_duration_model(std::string_view name, DurationModel* out) {
  if (name == "empirical") *out = DurationModel::Empirical;
  else if (name == "lognormal") *out = DurationModel::Lognormal;
  else if (name == "none") *out = DurationModel::None;
  else return false;
  return true;
}

const char* spread_source_name(SpreadSource s) {
  switch (s) {
    case SpreadSource::Pair: return "pair";
    case SpreadSource::WorkCenter: return "work_center";
    case SpreadSource::None: break;
  }
  return "none";
}

namespace {

double quantile_sorted(const std::vector<double>& v, double f) {  // percentile_cont
  const double pos = f * static_cast<double>(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos)), hi = static_cast<std::size_t>(std::ceil(pos));
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

// Ratios to the median of the samples inside the far-out fences (sorted).
std::vector<double> ratios_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return v;
  const double q1 = quantile_sorted(v, 0.25), q3 = quantile_sorted(v, 0.75);
  const double lo = q1 - 3 * (q3 - q1), hi = q3 + 3 * (q3 - q1);
  std::vector<double> kept;
  kept.reserve(v.size());
  for (double x : v)
    if (x >= lo && x <= hi) kept.push_back(x);
  if (kept.empty()) return kept;
  const double median = quantile_sorted(kept, 0.5);
  for (double& x : kept) x /= median;
  return kept;
}

double log_sd(const std::vector<double>& ratios) {
  if (ratios.size() < 2) return 0;
  double mean = 0;
  for (double r : ratios) mean += std::log(r);
  mean /= static_cast<double>(ratios.size());
  double ss = 0;
  for (double r : ratios) ss += (std::log(r) - mean) * (std::log(r) - mean);
  return std::sqrt(ss / static_cast<double>(ratios.size() - 1));
}

}  // namespace

std::string DurationSpreads::pair_key(std::string_view product_id, std::string_view work_center_id) {
  std::string k;
  k.reserve(product_id.size() + work_center_id.size() + 1);
  k.append(product_id).push_back('\x1f');
  k.append(work_center_id);
  return k;
}

void DurationSpreads::add_pair(std::string_view product_id, std::string_view work_center_id, const double* minutes,
                               std::size_t n) {
  key_buf_.clear();
  key_buf_.append(product_id).push_back('\x1f');
  key_buf_.append(work_center_id);
  auto it = raw_.find(key_buf_);
  if (it == raw_.end()) {
    it = raw_.emplace(key_buf_, std::vector<double>()).first;
    raw_work_center_.emplace(key_buf_, work_center_id);
  }
  std::vector<double>& v = it->second;
  for (std::size_t i = 0; i < n; ++i)
    if (std::isfinite(minutes[i]) && minutes[i] > 0) v.push_back(minutes[i]);
}

void DurationSpreads::build(int min_samples) {
  const std::size_t need = static_cast<std::size_t>(std::max(min_samples, 2));
  pairs_.clear();
  pools_.clear();
  std::unordered_map<std::string, std::vector<double>> pooled;
  for (auto& [k, minutes] : raw_) {
    std::vector<double> r = ratios_of(minutes);
    if (r.size() >= 2) {
      auto& pool = pooled[raw_work_center_[k]];
      pool.insert(pool.end(), r.begin(), r.end());
    }
    if (r.size() >= need) {
      Spread s;
      s.source = SpreadSource::Pair;
      s.sigma = log_sd(r);
      s.ratios = std::move(r);
      pairs_.emplace(k, std::move(s));
    }
  }
  for (auto& [wc, r] : pooled) {
    if (r.size() < need) continue;
    std::sort(r.begin(), r.end());
    Spread s;
    s.source = SpreadSource::WorkCenter;
    s.sigma = log_sd(r);
    s.ratios = std::move(r);
    pools_.emplace(wc, std::move(s));
  }
}

const Spread* DurationSpreads::find(std::string_view product_id, std::string_view work_center_id) const {
  if (auto it = pairs_.find(pair_key(product_id, work_center_id)); it != pairs_.end()) return &it->second;
  if (auto it = pools_.find(std::string(work_center_id)); it != pools_.end()) return &it->second;
  return nullptr;
}

double draw_factor(const Spread& s, DurationModel model, double u) {
  switch (model) {
    case DurationModel::Empirical: {
      if (s.ratios.empty()) return 1.0;
      std::size_t i = static_cast<std::size_t>(u * static_cast<double>(s.ratios.size()));
      return s.ratios[std::min(i, s.ratios.size() - 1)];
    }
    case DurationModel::Lognormal: return std::exp(s.sigma * inverse_normal(u));
    case DurationModel::None: break;
  }
  return 1.0;
}

}  // namespace pp::simulate
