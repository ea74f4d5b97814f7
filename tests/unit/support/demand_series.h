// Synthetic daily demand with known processes, for the forecasting tests and
// benchmark: reproducible from a seed on every platform (own xorshift64*, no
// std::*_distribution, whose output differs between standard libraries).
//
//   smooth        level 20..100 + Gaussian noise (sd 15% of the level);
//                 variant 1 adds a trend (up to +0.1% of the level per day),
//                 variant 2 an additive weekly season (amplitude 30%)
//   intermittent  a demand on a day with probability 0.2..0.6 (Bernoulli),
//                 sizes mean 3..20 within +-30% (CV2 ~ 0.03)
//   lumpy         probability 0.05..0.3, lognormal sizes with sigma 1 (CV2 ~ 1.7)
// Values are whole units, >= 0.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace pp::test {

class XorShift {
 public:
  explicit XorShift(std::uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull) {
    if (s_ == 0) s_ = 1;
  }
  std::uint64_t next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1Dull;
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double between(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  double normal() {  // Box-Muller
    const double u = 1.0 - uniform(), v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }

 private:
  std::uint64_t s_;
};

enum class SeriesKind { Smooth, Intermittent, Lumpy };

inline std::vector<double> demand_series(SeriesKind kind, int variant, int days, std::uint64_t seed) {
  XorShift r(seed);
  std::vector<double> y(static_cast<std::size_t>(days));
  if (kind == SeriesKind::Smooth) {
    const double level = r.between(20, 100);
    const double slope = variant == 1 ? level * r.between(0.0003, 0.001) : 0;
    static constexpr double kWeek[7] = {0.25, 0.2, 0.1, 0.1, 0.15, -0.3, -0.5};  // sums to 0
    const double amp = variant == 2 ? 0.3 * level / 0.5 : 0;
    for (int t = 0; t < days; ++t) {
      const double v = level + slope * t + amp * kWeek[t % 7] + 0.15 * level * r.normal();
      y[static_cast<std::size_t>(t)] = std::max(0.0, std::round(v));
    }
  } else if (kind == SeriesKind::Intermittent) {
    const double p = r.between(0.2, 0.6), mean = r.between(3, 20);
    for (int t = 0; t < days; ++t) {
      const bool demand = r.uniform() < p;
      const double size = std::max(1.0, std::round(mean * (1 + 0.3 * (2 * r.uniform() - 1))));
      y[static_cast<std::size_t>(t)] = demand ? size : 0;
    }
  } else {
    const double p = r.between(0.05, 0.3), mean = r.between(3, 20), sigma = 1.0;
    for (int t = 0; t < days; ++t) {
      const bool demand = r.uniform() < p;
      const double size = std::max(1.0, std::round(mean * std::exp(sigma * r.normal() - sigma * sigma / 2)));
      y[static_cast<std::size_t>(t)] = demand ? size : 0;
    }
  }
  return y;
}

}  // namespace pp::test
