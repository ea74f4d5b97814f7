// Forecast accuracy: MASE and the rolling-origin evaluation that `auto`
// selects by.
//
// MASE (Hyndman & Koehler 2006) = mean |actual - forecast| / scale, the scale
// being the in-sample MAE of the naive one-step forecast, mean |y_t - y_t-1|
// over the history the forecast was made from. Below 1: better than the
// naive method was in sample. A history whose days never change has scale 0:
// MASE is then 0 when the errors are all 0 and +infinity otherwise (any error
// is infinitely worse than the naive fit); NaN without any error or with
// fewer than 2 history days.
//
// Rolling origin (Tashman 2000), without re-estimation: the parameters are
// fitted once on the days before the first origin; the method then runs on
// through the days, and from each of k consecutive origins t (the state has
// seen days 0..t-1) forecasts the days t..t+h-1. Every (origin, step) error
// counts once, the forecasts clipped at 0 as demand is. One pass over the
// days, so many origins cost little; the errors' MASE uses the scale of the
// days before the first origin.
#pragma once
#include "core/common/core_only.h"

#include "core/forecast/forecast_method.h"

#include <cstddef>
#include <vector>

namespace pp::forecast {

// mean |y_t - y_t-1| over t = 1..n-1 of the first n days; NaN if n < 2.
double naive_scale(const double* daily, std::size_t n);

// mae / scale with the zero-scale rule above.
double scaled_error(double mae, double scale);

// MASE of `forecast` against `actual` (same length, >= 1) with the scale of
// `history`. Throws pp::Error(InvalidParameter) on a length mismatch or no days.
double mase(const std::vector<double>& actual, const std::vector<double>& forecast,
            const std::vector<double>& history);

// Where the origins of a history of n days fall for a horizon of h days and
// k origins. The days before first_origin (at least max(14, n/2)) are the
// fitting part; the origins are first_origin .. first_origin + origins - 1
// and the last one's horizon ends on the last day. When the history is short
// the horizon shrinks to half of what is left after the fitting part, then
// the origins to what fits; origins == 0 when nothing fits (n < 15).
struct RollingPlan {
  std::size_t first_origin = 0;
  int origins = 0;
  int horizon = 0;  // days, <= the requested horizon
  bool valid() const { return origins > 0; }
};
RollingPlan plan_rolling_origin(std::size_t n, int horizon, int origins);

struct RollingScore {
  double mae = 0;   // demand units per day
  double mase = 0;  // scaled_error(mae, scale)
  long errors = 0;  // origins x horizon
};

// The rolling-origin errors of `method` with `params` (fitted on days before
// plan.first_origin; ADIDA buckets aligned to end there) over n days. A state
// that has no forecast yet at an origin (no demand seen) forecasts 0.
RollingScore rolling_origin_score(Method method, const MethodParams& params, const double* daily, std::size_t n,
                                  const RollingPlan& plan, double scale);

}  // namespace pp::forecast
