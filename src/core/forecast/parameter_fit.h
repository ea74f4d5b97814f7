// Smoothing parameters by least squares: the parameters that minimise the
// in-sample one-step-ahead squared error (the SSE of SmoothingFit::fitted
// against the days), found by a bounded deterministic search:
//
//   1. a grid over the box of the method's parameters (endpoints included):
//        ses, adida      alpha 12 values
//        croston, sba    alpha 12 values
//        holt            alpha 8 x beta 6
//        tsb             alpha 8 x beta 6
//        holt_winters    alpha 5 x beta 3 x gamma 4
//   2. from the best grid point, coordinate-wise golden-section search (8
//      steps, 10 evaluations) on each parameter in turn, within one grid
//      spacing of the current value, the other parameters held; two rounds
//      when there are two or three parameters, the second within half a
//      spacing. Only a strictly lower SSE moves the point, so ties keep the
//      earlier (grid order: lowest values first) point.
//
// Bounds (the box): alpha in [0.01, 0.99] for ses, holt, holt_winters and
// adida (SES on buckets); trend and season weights beta, gamma in
// [0.01, 0.5], since daily noise would otherwise pass straight into the trend
// and the season; croston, sba and tsb weights in [0.01, 0.5] (Syntetos &
// Boylan recommend 0.05-0.2 for intermittent demand; the box is wider).
//
// Each SSE is one O(n) pass, so a fit costs 22 (one parameter) to about 120
// (three) passes over the history. With fewer than two one-step errors the
// SSE says nothing: the defaults of default_parameters() are returned.
// Deterministic: same days, same parameters.
#pragma once
#include "core/common/core_only.h"

#include "core/forecast/forecast_method.h"

#include <cstddef>

namespace pp::forecast {

// Sum of squared one-step errors of `method` with `params` over the first n
// days (ADIDA buckets ending at day n); *errors receives how many there were.
double one_step_sse(Method method, const MethodParams& params, const double* daily, std::size_t n,
                    std::size_t* errors = nullptr);

// alpha 0.1, beta 0.05 (holt, holt_winters) or 0.1 (tsb), gamma 0.1, and the bucket.
MethodParams default_parameters(Method method, int bucket);

// The least-squares parameters of `method` (not auto) on the first n days;
// bucket (days, >= 1) is ADIDA's, kept as given. Throws pp::Error if the
// method is not usable on those days (smoothing_methods.h).
MethodParams fit_parameters(Method method, const double* daily, std::size_t n, int bucket);

}  // namespace pp::forecast
