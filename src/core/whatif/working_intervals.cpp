#include "core/whatif/working_intervals.h"

#include <algorithm>

namespace pp::whatif {

Intervals normalized(Intervals v) {
  std::erase_if(v, [](const factory::WorkInterval& i) { return i.end <= i.start; });
  std::sort(v.begin(), v.end(), [](const auto& x, const auto& y) { return x.start < y.start; });
  Intervals out;
  for (const auto& i : v) {
    if (!out.empty() && i.start <= out.back().end) out.back().end = std::max(out.back().end, i.end);
    else out.push_back(i);
  }
  return out;
}

Intervals united(const Intervals& a, const Intervals& b) {
  Intervals v = a;
  v.insert(v.end(), b.begin(), b.end());
  return normalized(std::move(v));
}

Intervals subtracted(const Intervals& a, const Intervals& b) {
  const Intervals x = normalized(a), y = normalized(b);
  Intervals out;
  std::size_t j = 0;
  for (factory::WorkInterval i : x) {
    while (j < y.size() && y[j].end <= i.start) ++j;
    // Cut every removed interval overlapping i out of it, left to right.
    for (std::size_t k = j; k < y.size() && y[k].start < i.end; ++k) {
      if (y[k].start > i.start) out.push_back({i.start, y[k].start});
      i.start = std::max(i.start, y[k].end);
      if (i.start >= i.end) break;
    }
    if (i.start < i.end) out.push_back(i);
  }
  return out;
}

Intervals intersected(const Intervals& a, const Intervals& b) {
  const Intervals x = normalized(a), y = normalized(b);
  Intervals out;
  std::size_t i = 0, j = 0;
  while (i < x.size() && j < y.size()) {
    const factory::Time s = std::max(x[i].start, y[j].start), e = std::min(x[i].end, y[j].end);
    if (s < e) out.push_back({s, e});
    if (x[i].end < y[j].end) ++i;
    else ++j;
  }
  return out;
}

}  // namespace pp::whatif
