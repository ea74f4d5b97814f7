// Fitting one method with given parameters to a daily history: the in-sample
// one-step-ahead fitted values and the forecast of the days after it. The
// recursions and their initialisation are in level_states.h and
// intermittent_states.h; parameters are chosen in parameter_fit.h.
#pragma once
#include "core/common/core_only.h"

#include "core/forecast/forecast_method.h"

#include <cstddef>
#include <string>
#include <vector>

namespace pp::forecast {

struct SmoothingFit {
  // fitted[t]: the forecast of day t made from days 0..t-1 (one step ahead),
  // NaN while the method is still initialising. Same length as the history.
  std::vector<double> fitted;
  // forecast[k-1]: the forecast of day n-1+k, k = 1..horizon, in demand units.
  // Not clipped: a trend may go below 0 (forecaster.h clips its output).
  std::vector<double> forecast;
  std::size_t first_fitted = 0;  // index of the first non-NaN fitted value
};

// Fits `method` (not auto) with `params` to `daily` (oldest first). ADIDA's
// buckets end on the last day. Throws pp::Error(InvalidParameter) if the
// method has no forecast at the end of the history (see usable()).
SmoothingFit fit_method(Method method, const std::vector<double>& daily, const MethodParams& params, int horizon);

// The fewest days of history a method is fitted on, so that its parameter
// fit sees at least one one-step error: naive 1, ses 2, holt 3, holt_winters
// 21 (two weeks to initialise, one to fit), croston/sba/tsb 2, adida two buckets.
std::size_t min_history_days(Method method, int bucket);

// True if `method` can be fitted to the first n days of `daily`: at least
// min_history_days, and for croston, sba and tsb at least one demand day.
// Otherwise false, with the reason in *why when why is not null.
bool usable(Method method, const double* daily, std::size_t n, int bucket, std::string* why = nullptr);

}  // namespace pp::forecast
