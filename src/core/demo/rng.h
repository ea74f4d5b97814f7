// The demo generator's own pseudo-random numbers: splitmix64 seeding and
// xoshiro256** (Blackman & Vigna, public domain), with hand-written transforms
// (uniform, normal, Poisson, ...). std::*_distribution is never used: its
// output differs between standard libraries, and the demo must be identical
// everywhere for the same seed.
#pragma once
#include "core/common/core_only.h"

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace pp::demo {

inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Independent random streams, one per generation stage: a change in how one
// stage draws never shifts the numbers of another stage.
enum class Stream : std::uint64_t {
  Products = 1,
  Routings,
  Employees,
  Calendar,
  Orders,
  Breakdowns,
  Simulation,
  Export,
  Quality,
  Assignments,
  Inventory,
  Spc,
  Flaws,
};

class Rng {
 public:
  Rng(std::uint64_t seed, Stream stream) {
    std::uint64_t sm = seed ^ (static_cast<std::uint64_t>(stream) * 0xD1B54A32D192ED03ull);
    for (auto& w : s_) w = splitmix64(sm);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }

  // Unbiased integer in [0, n), n > 0 (Lemire's multiply-and-reject).
  std::uint64_t below(std::uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
    std::uint64_t low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }
  // Uniform integer in [lo, hi].
  int range(int lo, int hi) { return lo + static_cast<int>(below(static_cast<std::uint64_t>(hi - lo) + 1)); }
  std::size_t index(std::size_t n) { return static_cast<std::size_t>(below(n)); }
  bool chance(double p) { return uniform() < p; }

  // Standard normal (Marsaglia's polar method; the spare value is kept).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }
  // Log-normal noise with mean 1: exp(sigma*Z - sigma^2/2).
  double lognormal_mean1(double sigma) { return std::exp(sigma * normal() - 0.5 * sigma * sigma); }
  // Log-uniform in [a, b], a > 0.
  double log_uniform(double a, double b) { return std::exp(uniform(std::log(a), std::log(b))); }

  // Poisson: inversion for small means, a rounded normal for large ones.
  int poisson(double lambda) {
    if (lambda <= 0) return 0;
    if (lambda > 60) {
      const double x = std::floor(normal(lambda, std::sqrt(lambda)) + 0.5);
      return x < 0 ? 0 : static_cast<int>(x);
    }
    const double limit = std::exp(-lambda);
    int k = 0;
    double p = uniform();
    while (p > limit) {
      ++k;
      p *= uniform();
    }
    return k;
  }

  // Index drawn from a cumulative weight vector (last element = total).
  std::size_t from_cumulative(const std::vector<double>& cumulative) {
    const double x = uniform() * cumulative.back();
    std::size_t lo = 0, hi = cumulative.size() - 1;
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (cumulative[mid] > x) hi = mid; else lo = mid + 1;
    }
    return lo;
  }

  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      const std::size_t j = index(i);
      std::swap(v[i - 1], v[j]);
    }
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace pp::demo
