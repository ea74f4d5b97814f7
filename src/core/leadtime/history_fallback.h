// The lead time answer without a model, and the baseline every model is
// measured against: the median (P50) and 90th percentile (P90) of the lead
// times of similar finished orders, down a ladder:
//
//   history:product  at least min_orders finished orders of the product
//   history:family   else at least min_orders of its family (not "(unknown)")
//   history:all      else any finished order of the plant
//   routing          else (nothing has finished yet) the routing's standard
//                    hours x quantity, P90 = P50: no spread is known
//   none             else: no history and no routing (both NaN)
//
// Only orders finished before the moment asked about count (as of now for a
// prediction, as of each test order's creation when a model is measured
// against it), and only usable labels (leadtime_features.h).
#pragma once
#include "core/common/core_only.h"

#include "core/leadtime/order_history.h"

#include <string>
#include <vector>

namespace pp::leadtime {

struct LeadAnswer {
  double p50 = kUnknown, p90 = kUnknown;  // hours
  const char* source = "none";            // static string
};

class HistoryFallback {
 public:
  HistoryFallback(const OrderHistory& h, int min_orders = 5);
  // product: -1 when not in the history; t: Unix seconds, +inf for "now".
  LeadAnswer answer(int product, double quantity, double t) const;

 private:
  struct Sorted {
    std::vector<double> finished;  // ascending
    std::vector<double> hours;     // the same orders' lead times, in that order
    std::vector<double> ascending; // all of hours, sorted
    // How many finished before t, and their P50 and P90.
    std::size_t count_before(double t) const;
    LeadAnswer quantiles_before(double t, const char* source) const;
  };
  const OrderHistory& h_;
  int min_orders_;
  Sorted all_;
  std::vector<Sorted> product_, family_;
  int unknown_family_ = -1;
};

// The q-quantile of ascending values, linear interpolation (as numpy's default).
double sorted_quantile(const std::vector<double>& ascending, double q);

}  // namespace pp::leadtime
