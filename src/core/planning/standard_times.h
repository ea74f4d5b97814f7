// Standard times for planning: how long an operation of a product takes on
// a work center, estimated from the plant's history. The one implementation
// behind prodplan.standard_times() and prodplan.plan().
//
// For each (product, work center) pair of the routings, and each pair only
// history knows:
//   history       the median duration of the pair's completed first-pass
//                 operations after trimming those beyond 1.5 interquartile
//                 ranges, when at least min_samples remain;
//   coefficient   else the work center's linear model minutes = a + b x the
//                 routing coefficient, fitted on all its completed operations
//                 that record a coefficient, when it has 3 x min_samples of
//                 them, b > 0 and r^2 >= 0.3 and the pair has a coefficient
//                 (never below 1 minute);
//   phase_median  else the median of all the work center's completed operations;
//   none          else no estimate (a planning problem).
// Percentiles interpolate linearly between ranks (SQL percentile_cont).
#pragma once
#include "core/common/core_only.h"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pp::planning {

enum class StandardTimeSource { History, Coefficient, PhaseMedian, None };
const char* standard_time_source_name(StandardTimeSource s);

struct StandardTime {
  std::string product_id;
  std::string work_center_id;
  double minutes = std::numeric_limits<double>::quiet_NaN();  // NaN for source None
  StandardTimeSource source = StandardTimeSource::None;
  std::int64_t samples = 0;  // history samples left after trimming (0 when none)
};

// Collects the history and the routing, then estimates. Strings are copied
// (interned), so callers may pass buffers they reuse.
class StandardTimeEstimator {
 public:
  // products: only pairs of these products are estimated (the phase-level
  // models still use every product's history). Not called: every product.
  void restrict_to_products(const std::vector<std::string>& products);

  // One completed first-pass operation of any product: its duration in
  // minutes (> 0) and its routing coefficient (NaN when it records none).
  void add_completed(std::string_view product_id, std::string_view work_center_id, double coefficient,
                     double minutes);

  // One routing step; coefficient NaN when none. A pair listed twice keeps
  // the coefficient of the step added first (callers add by sequence).
  void add_routing_step(std::string_view product_id, std::string_view work_center_id, double coefficient);

  // The estimates, sorted by product then work center. min_samples >= 1.
  std::vector<StandardTime> estimate(int min_samples) const;

 private:
  int intern(std::unordered_map<std::string, int>& ids, std::vector<std::string>& names, std::string_view s);
  bool wanted(int product) const;

  std::unordered_map<std::string, int> product_ids_, work_center_ids_;
  std::vector<std::string> products_, work_centers_;
  bool restricted_ = false;
  std::vector<char> wanted_;  // by product id, when restricted_; ids interned later are not wanted
  struct Done {
    int product, work_center;
    double coefficient, minutes;
  };
  std::vector<Done> done_;
  struct Step {
    int product, work_center;
    double coefficient;
  };
  std::vector<Step> steps_;
};

}  // namespace pp::planning
