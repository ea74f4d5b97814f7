// Working-time arithmetic on one calendar, by binary search over the sorted
// intervals and a prefix sum of working seconds (never minute by minute).
//
// Invariants of the normalized form: intervals sorted, disjoint and not
// touching (touching ones are merged: work flows across them), each
// non-empty, at least one. The last interval extends to kFarFuture: past the
// calendar's known end the time counts as working so a plan is always
// complete; covered_end() tells where that assumption starts so the planner
// can report it. A timeline without a calendar is one interval
// [kFarPast, kFarFuture) with covered_end() == kFarFuture.
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/factory_problem.h"

#include <cstdint>
#include <vector>

namespace pp::factory {

inline constexpr Time kFarFuture = INT64_MAX / 4;
inline constexpr Time kFarPast = INT64_MIN / 4;

// Where a piece of work lands: [start, end). fits == false when non-resumable
// work is longer than every working interval and was laid out as resumable.
struct WorkSpan {
  Time start = 0;
  Time end = 0;
  bool fits = true;
};

class CalendarTimeline {
 public:
  CalendarTimeline();  // works always
  // Normalizes: sorts, merges overlapping/touching intervals, drops empty ones.
  explicit CalendarTimeline(const std::vector<WorkInterval>& intervals);

  bool always_working() const noexcept { return always_; }
  // End of the last given interval (kFarFuture without calendar, kFarPast for
  // an empty calendar): work ending after it is beyond the known calendar.
  Time covered_end() const noexcept { return covered_end_; }
  // Longest given interval in seconds (kFarFuture without calendar or when the
  // calendar is empty, because everything then lands in the open tail).
  Seconds longest_interval() const noexcept { return longest_; }

  // Earliest working instant >= t.
  Time next_working(Time t) const;
  // Working seconds in [a, b); 0 when b <= a.
  Seconds working_seconds(Time a, Time b) const;
  // Resumable: earliest e >= t with working_seconds(t, e) == d (d == 0: t).
  Time finish(Time t, Seconds d) const;
  // Latest s <= e with working_seconds(s, e) == d (d == 0: e). Requires that
  // much working time before e, else returns the first interval's start.
  Time latest_start(Time e, Seconds d) const;
  // Earliest s >= t such that [s, s + d) lies inside one interval (d == 0: t).
  // Always exists thanks to the open tail.
  Time fit(Time t, Seconds d) const;
  // Whether [s, e) lies inside one interval (true when e <= s).
  bool inside_one_interval(Time s, Time e) const;
  // d working seconds from t: resumable spans intervals (start = next working
  // instant); non-resumable fits in one interval, or (when d exceeds the
  // longest interval) falls back to resumable with fits == false.
  WorkSpan schedule_work(Time t, Seconds d, bool resumable) const;

 private:
  std::size_t index_at_or_before(Time t) const;  // last i with a_[i] <= t, or npos
  Seconds position(Time t) const;                // working seconds from a_[0] to t
  std::size_t first_long_enough(std::size_t from, Seconds d) const;  // first i >= from with length >= d

  std::vector<Time> a_, b_;
  std::vector<Seconds> cum_;   // cum_[i] = working seconds before a_[i]
  std::vector<Seconds> tree_;  // max-segment tree over interval lengths (leaves at size_)
  std::size_t size_ = 1;
  Time covered_end_ = kFarFuture;
  Seconds longest_ = kFarFuture;
  bool always_ = true;
};

}  // namespace pp::factory
