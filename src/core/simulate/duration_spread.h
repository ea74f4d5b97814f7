// How much an operation's duration varies, learnt from history. The plan's
// duration of an operation is its typical (median) time, already adjusted
// for the work center (alternative speed) and any what-if factor; the
// simulation multiplies it by a random factor whose distribution is the
// history of the same (product, work center) pair relative to that pair's
// median. So the factor's median is 1 and a plan's changes are kept.
//
// Samples beyond Tukey's far-out fences (3 interquartile ranges from the
// quartiles) are dropped as recording errors; the 1.5-IQR trimming of the
// standard times would cut the real long tail, which is the risk.
// A pair with fewer than min_samples kept samples uses its work center's
// pool (every pair's ratios on that work center); a work center with fewer
// than min_samples pooled ratios has no spread: its operations keep their
// planned duration (reported as source "none").
#pragma once
#include "core/common/core_only.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pp::simulate {

enum class DurationModel {
  Empirical,  // a factor drawn from the observed ratios
  Lognormal,  // exp(sigma x Z), sigma fitted on the log ratios
  None,       // no variation: the plan's durations (a check of the replay)
};
// "empirical", "lognormal", "none"; parse returns false for anything else.
const char* duration_model_name(DurationModel m);
bool parse_duration_model(std::string_view name, DurationModel* out);

enum class SpreadSource { Pair, WorkCenter, None };
const char* spread_source_name(SpreadSource s);

struct Spread {
  SpreadSource source = SpreadSource::None;
  std::vector<double> ratios;  // sorted, sample / median of its pair
  double sigma = 0;            // standard deviation of log(ratio)
};

class DurationSpreads {
 public:
  // The completed first-pass durations of one pair, in minutes (any order;
  // non-positive and non-finite values are ignored). A pair added twice
  // keeps both lists.
  void add_pair(std::string_view product_id, std::string_view work_center_id, const double* minutes, std::size_t n);
  void add_sample(std::string_view product_id, std::string_view work_center_id, double minutes) {
    add_pair(product_id, work_center_id, &minutes, 1);
  }
  // Fits every pair and work center pool; min_samples >= 2.
  void build(int min_samples);
  // The pair's spread, else its work center's pool, else nullptr. After build().
  const Spread* find(std::string_view product_id, std::string_view work_center_id) const;

 private:
  static std::string pair_key(std::string_view product_id, std::string_view work_center_id);
  std::unordered_map<std::string, std::vector<double>> raw_;         // by pair: minutes
  std::unordered_map<std::string, std::string> raw_work_center_;    // by pair: its work center
  std::unordered_map<std::string, Spread> pairs_, pools_;           // by pair / by work center
  std::string key_buf_;  // reused by add_pair: history rows come by the hundred thousand
};

// A factor for one draw: u uniform in (0, 1). Empirical picks the ratio at
// rank floor(u x n); lognormal inverts the fitted distribution; None is 1.
double draw_factor(const Spread& s, DurationModel model, double u);

}  // namespace pp::simulate
