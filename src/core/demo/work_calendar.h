// Working-time arithmetic on one calendar: the sorted, disjoint working
// intervals of a shift calendar (holidays removed, overtime added) and a
// prefix sum of working seconds, so that "next working instant" and "end of
// N working seconds from here" are two binary searches.
#pragma once
#include "core/common/core_only.h"
#include "core/common/errors.h"
#include "core/model/factory.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace pp::demo {

class WorkCalendar {
 public:
  using Time = model::Time;
  WorkCalendar() = default;
  // `intervals`: [start, end) pairs, sorted, disjoint, each non-empty.
  explicit WorkCalendar(const std::vector<std::pair<Time, Time>>& intervals) {
    a_.reserve(intervals.size());
    b_.reserve(intervals.size());
    cum_.reserve(intervals.size() + 1);
    std::int64_t c = 0;
    for (const auto& [a, b] : intervals) {
      a_.push_back(a);
      b_.push_back(b);
      cum_.push_back(c);
      c += b - a;
    }
    total_ = c;
  }

  // Working seconds between the calendar's first instant and t.
  std::int64_t position(Time t) const {
    const auto it = std::upper_bound(a_.begin(), a_.end(), t);
    if (it == a_.begin()) return 0;
    const std::size_t i = static_cast<std::size_t>(it - a_.begin()) - 1;
    return cum_[i] + (std::min(t, b_[i]) - a_[i]);
  }
  // The instant inside a working interval at working position w (a start).
  Time start_at(std::int64_t w) const {
    if (w < 0) w = 0;
    if (w >= total_) beyond();
    const auto it = std::upper_bound(cum_.begin(), cum_.end(), w);
    const std::size_t i = static_cast<std::size_t>(it - cum_.begin()) - 1;
    return a_[i] + (w - cum_[i]);
  }
  // The earliest instant at working position w (an end: may be a shift end).
  Time end_at(std::int64_t w) const {
    if (w <= 0) return a_.front();
    if (w > total_) beyond();
    const auto it = std::lower_bound(cum_.begin(), cum_.end(), w);
    const std::size_t i = static_cast<std::size_t>(it - cum_.begin()) - 1;
    return a_[i] + (w - cum_[i]);
  }
  Time next_start(Time t) const { return start_at(position(t)); }
  Time advance_end(Time start, std::int64_t seconds) const { return end_at(position(start) + seconds); }
  Time advance_start(Time start, std::int64_t seconds) const { return start_at(position(start) + seconds); }
  // Working seconds in [from, to).
  std::int64_t working_seconds(Time from, Time to) const { return to <= from ? 0 : position(to) - position(from); }
  bool is_working(Time t) const {
    const auto it = std::upper_bound(a_.begin(), a_.end(), t);
    if (it == a_.begin()) return false;
    return t < b_[static_cast<std::size_t>(it - a_.begin()) - 1];
  }
  std::int64_t total() const { return total_; }

 private:
  [[noreturn]] static void beyond() {
    throw Error(ErrorKind::Internal, "demo generator: working time past the calendar horizon");
  }
  std::vector<Time> a_, b_;
  std::vector<std::int64_t> cum_;
  std::int64_t total_ = 0;
};

}  // namespace pp::demo
