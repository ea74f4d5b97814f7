#include "core/schedule/calendar_timeline.h"

#include <algorithm>

namespace pp::factory {

namespace {
constexpr std::size_t npos = static_cast<std::size_t>(-1);
}

CalendarTimeline::CalendarTimeline() : a_{kFarPast}, b_{kFarFuture}, cum_{0} {
  tree_.assign(2, kFarFuture - kFarPast);
}

CalendarTimeline::CalendarTimeline(const std::vector<WorkInterval>& intervals) : always_(false) {
  std::vector<WorkInterval> v;
  v.reserve(intervals.size());
  for (const WorkInterval& w : intervals)
    if (w.end > w.start) v.push_back(w);
  std::sort(v.begin(), v.end(), [](const WorkInterval& x, const WorkInterval& y) { return x.start < y.start; });
  for (const WorkInterval& w : v) {
    if (!a_.empty() && w.start <= b_.back()) {
      b_.back() = std::max(b_.back(), w.end);
    } else {
      a_.push_back(w.start);
      b_.push_back(w.end);
    }
  }
  if (a_.empty()) {
    // No known working time: everything lands in the open tail, all reported.
    a_.push_back(kFarPast);
    b_.push_back(kFarFuture);
    covered_end_ = kFarPast;
    longest_ = kFarFuture;
  } else {
    covered_end_ = b_.back();
    longest_ = 0;
    for (std::size_t i = 0; i < a_.size(); ++i) longest_ = std::max(longest_, b_[i] - a_[i]);
    b_.back() = std::max(b_.back(), kFarFuture);
  }
  cum_.resize(a_.size());
  Seconds c = 0;
  for (std::size_t i = 0; i < a_.size(); ++i) {
    cum_[i] = c;
    c += b_[i] - a_[i];
  }
  while (size_ < a_.size()) size_ *= 2;
  tree_.assign(2 * size_, 0);
  for (std::size_t i = 0; i < a_.size(); ++i) tree_[size_ + i] = b_[i] - a_[i];
  for (std::size_t i = size_ - 1; i >= 1; --i) tree_[i] = std::max(tree_[2 * i], tree_[2 * i + 1]);
}

std::size_t CalendarTimeline::index_at_or_before(Time t) const {
  const auto it = std::upper_bound(a_.begin(), a_.end(), t);
  return it == a_.begin() ? npos : static_cast<std::size_t>(it - a_.begin()) - 1;
}

Seconds CalendarTimeline::position(Time t) const {
  const std::size_t i = index_at_or_before(t);
  if (i == npos) return 0;
  return cum_[i] + (std::min(t, b_[i]) - a_[i]);
}

Time CalendarTimeline::next_working(Time t) const {
  const std::size_t i = index_at_or_before(t);
  if (i != npos && t < b_[i]) return t;
  const std::size_t j = i == npos ? 0 : i + 1;
  return j < a_.size() ? a_[j] : t;
}

Seconds CalendarTimeline::working_seconds(Time a, Time b) const {
  if (b <= a) return 0;
  return position(b) - position(a);
}

Time CalendarTimeline::finish(Time t, Seconds d) const {
  if (d <= 0) return t;
  const Seconds p = position(t) + d;
  // The interval i with cum_[i] < p <= cum_[i] + length: the earliest instant
  // at working position p (it may be the interval's end, e.g. a shift end).
  const auto it = std::lower_bound(cum_.begin(), cum_.end(), p);
  const std::size_t i = static_cast<std::size_t>(it - cum_.begin()) - 1;
  return a_[i] + (p - cum_[i]);
}

Time CalendarTimeline::latest_start(Time e, Seconds d) const {
  if (d <= 0) return e;
  const Seconds p = position(e) - d;
  if (p < 0) return a_.front();
  // The interval i with cum_[i] <= p < cum_[i] + length: the latest instant at
  // working position p is inside a working interval (a start, not an end).
  const auto it = std::upper_bound(cum_.begin(), cum_.end(), p);
  const std::size_t i = static_cast<std::size_t>(it - cum_.begin()) - 1;
  return a_[i] + (p - cum_[i]);
}

std::size_t CalendarTimeline::first_long_enough(std::size_t from, Seconds d) const {
  // Descend the max-tree: the leftmost leaf >= from whose length is >= d.
  // Walk up from the leaf `from`, looking right, then down.
  if (from >= a_.size()) return npos;
  std::size_t node = size_ + from;
  if (tree_[node] >= d) return from;
  while (true) {
    // Move to the next subtree to the right of `node`.
    while (node & 1) {
      node >>= 1;
      if (node == 0) return npos;
    }
    ++node;  // right sibling
    if (tree_[node] >= d) break;
  }
  while (node < size_) node = tree_[2 * node] >= d ? 2 * node : 2 * node + 1;
  const std::size_t i = node - size_;
  return i < a_.size() ? i : npos;
}

Time CalendarTimeline::fit(Time t, Seconds d) const {
  if (d <= 0) return t;
  const std::size_t i = index_at_or_before(t);
  if (i != npos && t < b_[i] && b_[i] - t >= d) return t;
  const std::size_t j = first_long_enough(i == npos ? 0 : i + 1, d);
  // The last interval is open-ended, so j exists unless d is absurd.
  return j == npos ? std::max(t, a_.back()) : a_[j];
}

bool CalendarTimeline::inside_one_interval(Time s, Time e) const {
  if (e <= s) return true;
  const std::size_t i = index_at_or_before(s);
  return i != npos && e <= b_[i];
}

WorkSpan CalendarTimeline::schedule_work(Time t, Seconds d, bool resumable) const {
  WorkSpan w;
  if (!resumable && d <= longest_) {
    w.start = fit(t, d);
    w.end = w.start + std::max<Seconds>(d, 0);
    return w;
  }
  w.fits = resumable;
  w.start = d > 0 ? next_working(t) : t;
  w.end = finish(w.start, d);
  return w;
}

}  // namespace pp::factory
