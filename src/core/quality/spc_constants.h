// Control chart constants for rational subgroups of n readings from a
// normal process:
//   d2(n) = E[R] / sigma, the mean range of n standard normal readings;
//   d3(n) = sd(R) / sigma;
//   c4(n) = E[s] / sigma = sqrt(2 / (n - 1)) Gamma(n / 2) / Gamma((n - 1) / 2).
// d2 and d3 come from a table computed by numerical integration to seven
// decimals (the published tables give three); tests/unit/test_spc.cpp
// integrates them again and compares every factor with the published tables.
// The chart factors follow as in every SPC textbook:
//   A2 = 3 / (d2 sqrt n), D3 = max(0, 1 - 3 d3 / d2), D4 = 1 + 3 d3 / d2,
//   A3 = 3 / (c4 sqrt n), B3 = max(0, 1 - 3 sqrt(1 - c4^2) / c4),
//   B4 = 1 + 3 sqrt(1 - c4^2) / c4.
#pragma once
#include "core/common/core_only.h"

namespace pp::quality {

inline constexpr int kMinSubgroup = 2;
inline constexpr int kMaxSubgroup = 25;

struct SpcConstants {
  int n = 0;
  double d2 = 0, d3 = 0, c4 = 0;
  double A2 = 0, A3 = 0, B3 = 0, B4 = 0, D3 = 0, D4 = 0;
};

// n in [kMinSubgroup, kMaxSubgroup]; throws pp::Error(InvalidParameter) otherwise.
SpcConstants spc_constants(int n);

}  // namespace pp::quality
