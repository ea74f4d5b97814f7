#include "core/bottleneck/active_periods.h"

#include "core/common/errors.h"

#include <algorithm>
#include <queue>
#include <tuple>
#include <utility>

namespace pp::bottleneck {

namespace {

// Sorted, merged union of intervals.
std::vector<Period> merged(std::vector<Period> v) {
  std::sort(v.begin(), v.end(), [](const Period& a, const Period& b) { return a.start < b.start; });
  std::vector<Period> out;
  for (const Period& p : v) {
    if (p.end <= p.start) continue;
    if (!out.empty() && p.start <= out.back().end) out.back().end = std::max(out.back().end, p.end);
    else out.push_back(p);
  }
  return out;
}

double total(const std::vector<Period>& v) {
  double s = 0;
  for (const Period& p : v) s += p.length();
  return s;
}

// Length of the intersection of two merged, sorted lists.
double overlap(const std::vector<Period>& a, const std::vector<Period>& b) {
  double s = 0;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const double lo = std::max(a[i].start, b[j].start), hi = std::min(a[i].end, b[j].end);
    if (hi > lo) s += hi - lo;
    if (a[i].end < b[j].end) ++i;
    else ++j;
  }
  return s;
}

}  // namespace

std::vector<std::vector<Period>> active_periods(const std::vector<Busy>& busy, const std::vector<int>& capacity,
                                                ActiveMode mode, double from, double to, const CancelToken& cancel) {
  if (!(to > from)) throw_invalid("the bottleneck window must end after it starts");
  const std::size_t n = capacity.size();
  for (int c : capacity)
    if (c < 1) throw_invalid("every station needs at least one unit");
  // Events per station: +1 at a start, -1 at an end; at equal times ends
  // come first, so back-to-back work on one unit is not counted twice.
  std::vector<std::vector<std::pair<double, int>>> events(n);
  for (std::size_t i = 0; i < busy.size(); ++i) {
    const Busy& b = busy[i];
    if (b.station < 0 || static_cast<std::size_t>(b.station) >= n) throw_invalid("a busy interval names an unknown station");
    const double s = std::max(b.start, from), e = std::min(b.end, to);
    if (!(e > s)) continue;
    events[static_cast<std::size_t>(b.station)].emplace_back(s, +1);
    events[static_cast<std::size_t>(b.station)].emplace_back(e, -1);
  }
  std::vector<std::vector<Period>> out(n);
  for (std::size_t st = 0; st < n; ++st) {
    cancel.poll();
    auto& ev = events[st];
    std::sort(ev.begin(), ev.end());
    const int threshold = mode == ActiveMode::Saturated ? capacity[st] : 1;
    int level = 0;
    double since = 0;
    bool active = false;
    for (std::size_t k = 0; k < ev.size();) {
      const double t = ev[k].first;
      // Apply every event at this instant before testing the level.
      for (; k < ev.size() && ev[k].first == t; ++k) level += ev[k].second;
      const bool now = level >= threshold;
      if (now && !active) since = t;
      if (!now && active && t > since) out[st].push_back({since, t});
      active = now;
    }
    if (active && to > since) out[st].push_back({since, to});
  }
  return out;
}

BottleneckTimeline shifting_bottleneck(const std::vector<std::vector<Period>>& periods, double from, double to,
                                       const CancelToken& cancel) {
  if (!(to > from)) throw_invalid("the bottleneck window must end after it starts");
  struct P {
    int station;
    double start, end;
  };
  std::vector<P> all;
  for (std::size_t s = 0; s < periods.size(); ++s)
    for (const Period& p : periods[s]) {
      const double a = std::max(p.start, from), b = std::min(p.end, to);
      if (b > a) all.push_back({static_cast<int>(s), a, b});
    }
  std::sort(all.begin(), all.end(), [](const P& a, const P& b) { return std::tie(a.start, a.station) < std::tie(b.start, b.station); });
  std::vector<double> cuts;
  cuts.reserve(all.size() * 2 + 2);
  cuts.push_back(from);
  cuts.push_back(to);
  for (const P& p : all) {
    cuts.push_back(p.start);
    cuts.push_back(p.end);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

  // Momentary bottleneck per elementary interval: the longest active period
  // (ties: the lower station), from a heap with lazy removal of ended ones.
  auto worse = [&](int a, int b) {
    const double la = all[static_cast<std::size_t>(a)].end - all[static_cast<std::size_t>(a)].start;
    const double lb = all[static_cast<std::size_t>(b)].end - all[static_cast<std::size_t>(b)].start;
    if (la != lb) return la < lb;
    return all[static_cast<std::size_t>(a)].station > all[static_cast<std::size_t>(b)].station;
  };
  std::priority_queue<int, std::vector<int>, decltype(worse)> heap(worse);
  struct Segment {
    int period;  // index into all, -1: nobody active
    double start, end;
  };
  std::vector<Segment> segments;
  std::size_t next = 0;
  for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
    if ((c & 4095) == 0) cancel.poll();
    const double t = cuts[c], u = cuts[c + 1];
    for (; next < all.size() && all[next].start <= t; ++next) heap.push(static_cast<int>(next));
    while (!heap.empty() && all[static_cast<std::size_t>(heap.top())].end <= t) heap.pop();
    const int top = heap.empty() ? -1 : heap.top();
    if (!segments.empty() && segments.back().period == top && segments.back().end == t) segments.back().end = u;
    else segments.push_back({top, t, u});
  }

  BottleneckTimeline out;
  out.window_seconds = to - from;
  out.stations.resize(periods.size());
  std::vector<std::vector<Period>> momentary(periods.size()), shifting(periods.size());
  for (std::size_t k = 0; k < segments.size(); ++k) {
    const Segment& g = segments[k];
    if (g.period < 0) {
      out.no_bottleneck_seconds += g.end - g.start;
      continue;
    }
    const P& pa = all[static_cast<std::size_t>(g.period)];
    momentary[static_cast<std::size_t>(pa.station)].push_back({g.start, g.end});
    // A hand-over to another station at the segment's end: the overlap of
    // the two active periods is shifting for both.
    if (k + 1 < segments.size() && segments[k + 1].period >= 0 && segments[k + 1].start == g.end) {
      const P& pb = all[static_cast<std::size_t>(segments[k + 1].period)];
      if (pb.station != pa.station) {
        const double lo = std::max(pa.start, pb.start), hi = std::min(pa.end, pb.end);
        if (hi > lo) {
          shifting[static_cast<std::size_t>(pa.station)].push_back({lo, hi});
          shifting[static_cast<std::size_t>(pb.station)].push_back({lo, hi});
        }
      }
    }
  }
  for (std::size_t s = 0; s < periods.size(); ++s) {
    StationShares& sh = out.stations[s];
    const auto mom = merged(momentary[s]);
    const auto shi = merged(shifting[s]);
    sh.shifting_seconds = total(shi);
    sh.sole_seconds = total(mom) - overlap(mom, shi);
    for (const Period& p : periods[s]) {
      const double a = std::max(p.start, from), b = std::min(p.end, to);
      if (b > a) {
        sh.active_seconds += b - a;
        ++sh.periods;
      }
    }
    sh.mean_period_seconds = sh.periods > 0 ? sh.active_seconds / static_cast<double>(sh.periods) : 0;
  }
  return out;
}

}  // namespace pp::bottleneck
