// The standard normal quantile function, for drawing lognormal durations
// by inversion (so one uniform per draw, as common random numbers need).
#pragma once
#include "core/common/core_only.h"

namespace pp::simulate {

// z such that P(Z <= z) = p for Z ~ N(0, 1); p in (0, 1). Acklam's rational
// approximation (relative error below 1.2e-9), refined by one Halley step
// on erfc, which brings it to double precision.
double inverse_normal(double p);

}  // namespace pp::simulate
