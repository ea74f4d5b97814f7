// The search's only source of randomness: a small seeded generator
// (SplitMix64, Steele/Lea/Flood 2014) owned by one solve, so the same seed
// and iteration count reproduce the same search on any platform.
#pragma once
#include "core/common/core_only.h"

#include <cstdint>

namespace pp::schedule {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, k) for k >= 1 (the multiply-shift bias is negligible here).
  std::uint32_t below(std::uint32_t k) {
    return static_cast<std::uint32_t>(((next() >> 32) * static_cast<std::uint64_t>(k)) >> 32);
  }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

 private:
  std::uint64_t state_;
};

}  // namespace pp::schedule
