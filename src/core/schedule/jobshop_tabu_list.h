// Tabu attributes of the search: forbidden "arcs". An arc (a, b) with b < N
// means "operation a directly or indirectly before operation b on their
// machine is forbidden"; (a, N + m) means "operation a on machine m is
// forbidden". Each arc carries the iteration until which it stays tabu.
//
// Stored in a fixed-size open-addressing hash table (linear probing) rather
// than an N x N matrix, so memory is O(tenure x block length), not O(N^2).
// Expired entries are reused by inserts and purged by a rebuild when too
// many slots have ever been used, which keeps probe chains short.
#pragma once
#include "core/common/core_only.h"

#include <cstdint>
#include <vector>

namespace pp::schedule {

class TabuList {
 public:
  // `key_space`: keys are a * key_space + b; `capacity_hint`: expected live entries.
  TabuList(std::uint64_t key_space, std::size_t capacity_hint) : space_(key_space) {
    std::size_t cap = 64;
    while (cap < 4 * capacity_hint) cap <<= 1;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
  }

  void clear() {
    for (Slot& s : slots_) s = Slot{};
    used_ = 0;
  }

  bool is_tabu(std::int32_t a, std::int32_t b, std::int64_t iteration) const {
    const std::uint64_t key = make_key(a, b);
    for (std::size_t i = hash(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == kEmpty) return false;
      if (s.key == key) return s.until > iteration;
    }
  }

  void forbid(std::int32_t a, std::int32_t b, std::int64_t until, std::int64_t iteration) {
    if (2 * (used_ + 1) > slots_.size()) rebuild(iteration);
    const std::uint64_t key = make_key(a, b);
    std::size_t reuse = SIZE_MAX;
    std::size_t i = hash(key);
    for (;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.key == key) {
        s.until = until;
        return;
      }
      if (s.key == kEmpty) break;
      if (reuse == SIZE_MAX && s.until <= iteration) reuse = i;
    }
    if (reuse != SIZE_MAX) {
      slots_[reuse] = Slot{key, until};
    } else {
      slots_[i] = Slot{key, until};
      ++used_;
    }
  }

 private:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  struct Slot {
    std::uint64_t key = kEmpty;
    std::int64_t until = 0;
  };

  std::uint64_t make_key(std::int32_t a, std::int32_t b) const {
    return static_cast<std::uint64_t>(a) * space_ + static_cast<std::uint64_t>(b);
  }
  std::size_t hash(std::uint64_t key) const {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 20) & mask_;
  }
  // Re-inserts the live entries; grows when more than a quarter are live.
  void rebuild(std::int64_t iteration) {
    std::vector<Slot> old;
    old.swap(slots_);
    std::size_t live = 0;
    for (const Slot& s : old) live += s.key != kEmpty && s.until > iteration;
    std::size_t cap = old.size();
    if (4 * (live + 1) > cap) cap *= 2;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
    used_ = 0;
    for (const Slot& s : old) {
      if (s.key == kEmpty || s.until <= iteration) continue;
      std::size_t i = hash(s.key);
      while (slots_[i].key != kEmpty) i = (i + 1) & mask_;
      slots_[i] = s;
      ++used_;
    }
  }

  std::uint64_t space_;
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t used_ = 0;  // slots that are not kEmpty
};

}  // namespace pp::schedule
