// Prediction intervals from the method's own past errors (empirical, in the
// spirit of split conformal prediction): for each horizon step k the
// forecast errors y[t+k-1] - forecast_t(k) of the fitted method, from every
// origin t of the last `window` days at which it had a forecast (in-sample:
// the parameters were fitted on the same days, so the intervals are somewhat
// optimistic). The interval of step k is the point forecast plus the errors'
// empirical quantiles (linear interpolation between order statistics,
// Hyndman & Fan type 7):
//
//   80%: quantiles 0.10 and 0.90        95%: quantiles 0.025 and 0.975
//
// so the 95% interval always contains the 80% one. Bounds are demand:
// clipped at 0 (forecasts too, before the errors are taken). A step with
// fewer than kMinIntervalErrors errors reuses the previous step's quantiles
// (step 1 uses what it has; none at all gives a zero-width interval).
// Intervals are not forced around the point: for intermittent demand the
// point is a mean rate while most days have no demand, and an 80% upper
// bound below the rate is the honest answer.
#pragma once
#include "core/common/core_only.h"

#include "core/forecast/forecast_method.h"

#include <cstddef>
#include <vector>

namespace pp::forecast {

constexpr long kMinIntervalErrors = 10;

// Error quantiles of one horizon step, in demand units.
struct ErrorQuantiles {
  double q025 = 0, q10 = 0, q90 = 0, q975 = 0;
  long errors = 0;  // errors of this step (0 when carried from an earlier step)
};

// Type-7 quantile of v at p in [0, 1]; reorders v. v must not be empty.
double empirical_quantile(std::vector<double>& v, double p);

// The same at count levels ps (each in [0, 1]) into out[0..count), with one
// multi-selection over v (a few passes instead of one selection per level).
void empirical_quantiles(std::vector<double>& v, const double* ps, int count, double* out);

// Per step k = 1..horizon, the error quantiles of `method` with `params` over
// n days (ADIDA buckets ending on day n), origins in the last `window` days.
std::vector<ErrorQuantiles> error_quantiles(Method method, const MethodParams& params, const double* daily,
                                            std::size_t n, int horizon, std::size_t window);

struct Interval {
  double lo80 = 0, hi80 = 0, lo95 = 0, hi95 = 0;  // demand units, >= 0
};

// point + the quantiles, clipped at 0.
Interval interval_around(double point, const ErrorQuantiles& q);

}  // namespace pp::forecast
