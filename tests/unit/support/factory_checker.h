// An independent checker of factory plans, written from the public contract
// (factory_problem.h, factory_plan.h) with its own working-time arithmetic
// and sharing no code with the planner. "" when the plan is feasible and its
// figures are right; otherwise the first violation, in words.
//
// Checked: every operation exactly once; fixed operations exactly where given;
// non-fixed ones on a unit of an alternative with units, not before plan start
// or release, after their predecessor; setup and processing in working time
// (resumable: the right number of working seconds; non-resumable: inside one
// interval; the time past a calendar's last interval counts as working, and
// such work must be reported); no two blocks overlapping on a unit and at most
// `units` busy per work center; setups equal to the rule for the family
// change from the previous block on the unit; operations on no unit, too long
// for an interval, or after the horizon reported; objective values recomputed.
#pragma once

#include "core/schedule/factory_options.h"
#include "core/schedule/factory_plan.h"
#include "core/schedule/factory_problem.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pp::test {

namespace factory_check_detail {

using pp::factory::Time;
constexpr Time kOpenEnd = INT64_MAX / 4;

// Merged working intervals, the last one open-ended (see Calendar's contract).
struct Work {
  std::vector<std::pair<Time, Time>> iv;
  Time known_end = kOpenEnd;
  std::int64_t longest = kOpenEnd;

  static Work of(const pp::factory::FactoryProblem& p, int calendar) {
    Work w;
    if (calendar < 0) {
      w.iv.push_back({INT64_MIN / 4, kOpenEnd});
      return w;
    }
    std::vector<std::pair<Time, Time>> v;
    for (const auto& i : p.calendars[calendar].intervals)
      if (i.end > i.start) v.push_back({i.start, i.end});
    std::sort(v.begin(), v.end());
    for (const auto& x : v) {
      if (!w.iv.empty() && x.first <= w.iv.back().second)
        w.iv.back().second = std::max(w.iv.back().second, x.second);
      else
        w.iv.push_back(x);
    }
    if (w.iv.empty()) {
      w.iv.push_back({INT64_MIN / 4, kOpenEnd});
      w.known_end = INT64_MIN / 4;
      return w;
    }
    w.known_end = w.iv.back().second;
    w.longest = 0;
    for (const auto& x : w.iv) w.longest = std::max(w.longest, x.second - x.first);
    w.iv.back().second = kOpenEnd;
    return w;
  }
  std::int64_t seconds(Time a, Time b) const {  // working seconds in [a, b)
    std::int64_t s = 0;
    auto it = std::upper_bound(iv.begin(), iv.end(), std::make_pair(a, kOpenEnd));
    if (it != iv.begin()) --it;
    for (; it != iv.end() && it->first < b; ++it) s += std::max<Time>(0, std::min(b, it->second) - std::max(a, it->first));
    return s;
  }
  bool one_interval(Time a, Time b) const {
    if (b <= a) return true;
    for (const auto& x : iv)
      if (x.first <= a && b <= x.second) return true;
    return false;
  }
};

inline bool reported(const pp::factory::FactoryPlan& plan, int o, int k, pp::factory::ProblemKind kind) {
  for (const auto& pr : plan.problems)
    if (pr.order == o && pr.operation == k && pr.kind == kind) return true;
  return false;
}

inline std::int64_t expected_setup(const pp::factory::WorkCenter& wc, const std::string& from, const std::string& to) {
  if (from == to) return 0;
  for (const auto& m : wc.setup_matrix)
    if (m.from_family == from && m.to_family == to) return m.seconds;
  return wc.default_setup_seconds;
}

}  // namespace factory_check_detail

inline std::string check_factory_plan(const pp::factory::FactoryProblem& p, const pp::factory::FactoryOptions& opt,
                                      const pp::factory::FactoryPlan& plan) {
  using namespace pp::factory;
  using namespace factory_check_detail;
  auto name = [](int o, int k) { return "op (" + std::to_string(o) + "," + std::to_string(k) + ")"; };
  std::vector<std::vector<const PlannedOperation*>> at(p.orders.size());
  std::size_t total = 0;
  for (std::size_t o = 0; o < p.orders.size(); ++o) {
    at[o].assign(p.orders[o].operations.size(), nullptr);
    total += p.orders[o].operations.size();
  }
  if (plan.operations.size() != total) return "wrong number of planned operations";
  for (const auto& r : plan.operations) {
    if (r.order < 0 || r.order >= static_cast<int>(p.orders.size()) || r.operation < 0 ||
        r.operation >= static_cast<int>(at[r.order].size()))
      return "unknown operation in plan";
    if (at[r.order][r.operation]) return name(r.order, r.operation) + " twice";
    at[r.order][r.operation] = &r;
  }
  std::vector<Work> work;
  for (const auto& wc : p.work_centers) work.push_back(Work::of(p, wc.calendar));

  struct Busy {
    Time from, to;
    int o, k;
    bool fixed;
  };
  std::map<std::pair<int, int>, std::vector<Busy>> units;
  for (std::size_t o = 0; o < p.orders.size(); ++o) {
    const Order& order = p.orders[o];
    for (std::size_t k = 0; k < order.operations.size(); ++k) {
      const Operation& op = order.operations[k];
      const PlannedOperation& r = *at[o][k];
      const int oi = static_cast<int>(o), ki = static_cast<int>(k);
      const std::string me = name(oi, ki);
      if (r.fixed != op.fixed.has_value()) return me + ": fixed flag wrong";
      if (op.fixed) {
        const FixedPlacement& f = *op.fixed;
        if (r.start != f.start) return me + ": fixed operation moved";
        const bool valid = f.work_center >= 0 && f.work_center < static_cast<int>(p.work_centers.size()) &&
                           f.unit >= 0 && f.unit < p.work_centers[f.work_center].units && f.end >= f.start;
        if (!valid) {
          if (!reported(plan, oi, ki, ProblemKind::InvalidFixed)) return me + ": invalid fixed not reported";
          continue;
        }
        if (r.end != f.end || r.work_center != f.work_center || r.unit != f.unit || r.setup_seconds != 0)
          return me + ": fixed operation changed";
        units[{r.work_center, r.unit}].push_back({r.start, r.end, oi, ki, true});
        continue;
      }
      if (r.start < opt.plan_start || r.start < order.release) return me + ": starts before plan start / release";
      if (k > 0 && r.start < at[o][k - 1]->end) return me + ": starts before its predecessor ends";
      if (k + 1 < order.operations.size() && order.operations[k + 1].fixed && r.end > at[o][k + 1]->start &&
          !reported(plan, oi, ki, ProblemKind::FixedConflict))
        return me + ": ends after its fixed successor starts, unreported";
      if (opt.horizon_end && r.end > *opt.horizon_end && !reported(plan, oi, ki, ProblemKind::AfterHorizon))
        return me + ": after the horizon, unreported";
      bool usable = false;
      for (const auto& a : op.alternatives) usable |= p.work_centers[a.work_center].units > 0;
      if (r.unit < 0) {
        if (usable) return me + ": on no unit although a work center has capacity";
        if (!reported(plan, oi, ki, op.alternatives.empty() ? ProblemKind::NoWorkCenter : ProblemKind::ZeroCapacity))
          return me + ": on no unit, unreported";
        continue;
      }
      if (r.work_center < 0 || r.work_center >= static_cast<int>(p.work_centers.size()))
        return me + ": bad work center";
      const WorkCenter& wc = p.work_centers[r.work_center];
      if (r.unit >= wc.units) return me + ": unit out of range";
      if (r.setup_start < opt.plan_start) return me + ": setup before plan start";
      if (!(r.setup_start <= r.start && r.start <= r.end)) return me + ": times out of order";
      const Work& w = work[r.work_center];
      const bool flagged_long = reported(plan, oi, ki, ProblemKind::DoesNotFitInterval);
      bool duration_ok = false;
      for (const auto& a : op.alternatives) {
        if (a.work_center != r.work_center) continue;
        if (wc.resumable || flagged_long) {
          if (flagged_long && !wc.resumable && a.duration + r.setup_seconds <= w.longest) continue;
          duration_ok |= w.seconds(r.start, r.end) == a.duration && w.seconds(r.setup_start, r.start) == r.setup_seconds;
        } else {
          duration_ok |= r.end - r.start == a.duration && r.start - r.setup_start == r.setup_seconds &&
                         w.one_interval(r.setup_start, r.end);
        }
      }
      if (!duration_ok) return me + ": not the right working time on " + wc.id + (flagged_long ? " (flagged long)" : "");
      if (r.end > w.known_end && !reported(plan, oi, ki, ProblemKind::BeyondCalendar))
        return me + ": beyond the calendar, unreported";
      units[{r.work_center, r.unit}].push_back({r.setup_start, r.end, oi, ki, false});
    }
  }
  // Units: no overlap; setups follow the family change from the previous block.
  std::map<int, std::vector<std::pair<Time, int>>> events;  // per work center: +1 / -1
  for (auto& [key, v] : units) {
    std::sort(v.begin(), v.end(), [&](const Busy& a, const Busy& b) {
      const Time sa = at[a.o][a.k]->start, sb = at[b.o][b.k]->start;
      return sa != sb ? sa < sb : a.from < b.from;
    });
    const WorkCenter& wc = p.work_centers[key.first];
    for (std::size_t i = 0; i < v.size(); ++i) {
      const PlannedOperation& r = *at[v[i].o][v[i].k];
      if (i > 0 && v[i].from < v[i - 1].to && !(v[i].fixed && v[i - 1].fixed))
        return name(v[i].o, v[i].k) + " overlaps " + name(v[i - 1].o, v[i - 1].k) + " on " + wc.id + " unit " +
               std::to_string(key.second);
      if (!v[i].fixed) {
        const std::int64_t want =
            i == 0 ? 0 : expected_setup(wc, p.orders[v[i - 1].o].family, p.orders[v[i].o].family);
        if (r.setup_seconds != want)
          return name(v[i].o, v[i].k) + ": setup " + std::to_string(r.setup_seconds) + " s, expected " +
                 std::to_string(want);
      }
      if (v[i].to > v[i].from) {
        events[key.first].push_back({v[i].from, +1});
        events[key.first].push_back({v[i].to, -1});
      }
    }
  }
  for (auto& [wc, ev] : events) {
    std::sort(ev.begin(), ev.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second < b.second;  // ends before starts
    });
    int busy = 0;
    for (const auto& e : ev)
      if ((busy += e.second) > p.work_centers[wc].units) return p.work_centers[wc].id + ": more busy than units";
  }
  // Objective values.
  double twt = 0, flow = 0;
  int late = 0, flow_n = 0;
  std::int64_t setups = 0;
  Time makespan = opt.plan_start;
  for (std::size_t o = 0; o < p.orders.size(); ++o) {
    if (at[o].empty()) continue;
    Time c = INT64_MIN;
    for (const auto* r : at[o]) {
      c = std::max(c, r->end);
      setups += r->setup_seconds > 0;
    }
    makespan = std::max(makespan, c);
    const auto& due = p.orders[o].due;
    const bool is_late = due && c > *due;
    for (const auto* r : at[o])
      if (r->late != is_late) return name(static_cast<int>(o), r->operation) + ": late flag wrong";
    if (is_late) {
      ++late;
      twt += p.orders[o].weight * static_cast<double>(c - *due);
    }
    flow += static_cast<double>(c - p.orders[o].release);
    ++flow_n;
  }
  const ObjectiveValues& v = plan.objective;
  if (v.makespan_end != makespan) return "makespan_end wrong";
  if (v.late_orders != late) return "late_orders wrong";
  if (v.setups != setups) return "setups wrong";
  if (std::abs(v.total_weighted_tardiness - twt) > 1e-6 * std::max(1.0, twt)) return "weighted tardiness wrong";
  if (flow_n > 0 && std::abs(v.mean_flow_seconds - flow / flow_n) > 1e-6 * std::max(1.0, flow / flow_n))
    return "mean flow wrong";
  return "";
}

}  // namespace pp::test
