#include "core/quality/spc_constants.h"

#include "core/common/errors.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace pp::quality {

namespace {

// E[R] and sd(R) of n standard normal readings, n = 2..25: Simpson's rule
// on a 0.005 grid over [-10, 10] (E[R] = integral of 1 - F^n - (1 - F)^n;
// E[R^2] = n (n - 1) double integral of w^2 phi(x) phi(x + w)
// (F(x + w) - F(x))^(n - 2) over w > 0). d2(2) = 2 / sqrt(pi) exactly.
constexpr double kD2[] = {1.1283792, 1.6925688, 2.0587507, 2.3259289, 2.5344127, 2.7043568, 2.8472006, 2.9700263,
                          3.0775055, 3.1728727, 3.2584553, 3.3359804, 3.4067631, 3.4718269, 3.5319828, 3.5878840,
                          3.6400638, 3.6889630, 3.7349501, 3.7783358, 3.8193846, 3.8583234, 3.8953481, 3.9306292};
constexpr double kD3[] = {0.8525025, 0.8883680, 0.8798082, 0.8640819, 0.8480397, 0.8332053, 0.8198315, 0.8078343,
                          0.7970507, 0.7873146, 0.7784783, 0.7704162, 0.7630231, 0.7562114, 0.7499081, 0.7440518,
                          0.7385909, 0.7334815, 0.7286863, 0.7241733, 0.7199148, 0.7158867, 0.7120682, 0.7084408};

}  // namespace

SpcConstants spc_constants(int n) {
  if (n < kMinSubgroup || n > kMaxSubgroup)
    throw_invalid("subgroup size must be between " + std::to_string(kMinSubgroup) + " and " +
                  std::to_string(kMaxSubgroup) + ", got " + std::to_string(n));
  SpcConstants k;
  k.n = n;
  k.d2 = kD2[n - kMinSubgroup];
  k.d3 = kD3[n - kMinSubgroup];
  k.c4 = std::sqrt(2.0 / (n - 1)) * std::exp(std::lgamma(n / 2.0) - std::lgamma((n - 1) / 2.0));
  const double rn = std::sqrt(static_cast<double>(n));
  k.A2 = 3 / (k.d2 * rn);
  k.D3 = std::max(0.0, 1 - 3 * k.d3 / k.d2);
  k.D4 = 1 + 3 * k.d3 / k.d2;
  k.A3 = 3 / (k.c4 * rn);
  const double s = std::sqrt(1 - k.c4 * k.c4) / k.c4;
  k.B3 = std::max(0.0, 1 - 3 * s);
  k.B4 = 1 + 3 * s;
  return k;
}

}  // namespace pp::quality
