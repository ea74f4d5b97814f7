// Counter-based random numbers for the Monte Carlo simulation: every draw is
// a pure function of (seed, replication, what it is for), never of how many
// draws came before. That is what makes common random numbers work: the same
// operation (order id, operation number) or the same unit (work center id,
// unit number) gets the same draws in replication r of two different plans
// simulated with the same seed, so their difference is measured pairwise,
// not drowned in sampling noise. The mixer is SplitMix64's finalizer.
#pragma once
#include "core/common/core_only.h"

#include <cstdint>
#include <string_view>

namespace pp::simulate {

inline std::uint64_t mix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A stable 64-bit key of a name (FNV-1a, then mixed): the same on every
// platform and in every run.
inline std::uint64_t key_of(std::string_view s) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  return mix64(h);
}

inline std::uint64_t key_of(std::string_view s, std::int64_t n) {
  return mix64(key_of(s) ^ mix64(static_cast<std::uint64_t>(n) * 0xD1B54A32D192ED03ull));
}

// The k-th uniform draw in (0, 1) for `key` in replication `rep`: never 0 or
// 1, so inverse distribution functions stay finite.
inline double uniform_draw(std::uint64_t seed, std::int64_t rep, std::uint64_t key, std::uint64_t k) {
  const std::uint64_t z = mix64(mix64(seed ^ key) + mix64(static_cast<std::uint64_t>(rep)) * 0x9E3779B97F4A7C15ull + k);
  return (static_cast<double>(z >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

}  // namespace pp::simulate
