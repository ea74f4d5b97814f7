// A seeded generator of synthetic factories for the factory scheduler's
// tests and benchmark: work centers with 1..k units, two-shift weekday
// calendars (with a break, so intervals do not touch) or no calendar,
// resumable and non-resumable centers, flexible routings (alternatives),
// order families with default and matrix setups, started (fixed) operations,
// a zero-capacity center, and a few operations with input problems.
#pragma once

#include "core/schedule/factory_problem.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace pp::test {

struct FactoryGenSpec {
  int orders = 300;
  int min_ops = 5, max_ops = 8;
  int work_centers = 10;
  int min_units = 1, max_units = 3;
  int families = 4;
  double alternative_share = 0.3;     // operations with a second work center
  double started_share = 0.1;         // orders whose first operations are fixed
  double nonresumable_share = 0.3;    // work centers that cannot interrupt work
  double no_calendar_share = 0.2;     // work centers that work always
  double long_op_share = 0.01;        // operations longer than one shift
  double input_problem_share = 0.005;
  bool problem_ops = true;            // zero-capacity center, op without alternative
  std::int64_t release_spread_days = 20;
  std::int64_t calendar_days = 90;
  std::uint64_t seed = 1;
  std::int64_t plan_start = 1767225600;  // 2026-01-01 00:00:00 UTC, a Thursday
};

class GenRng {
 public:
  explicit GenRng(std::uint64_t seed) : s_(seed * 0x2545F4914F6CDD1Dull + 1) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::int64_t range(std::int64_t lo, std::int64_t hi) {  // inclusive
    return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

 private:
  std::uint64_t s_;
};

inline pp::factory::FactoryProblem generate_factory(const FactoryGenSpec& spec) {
  using namespace pp::factory;
  GenRng rng(spec.seed);
  FactoryProblem p;
  const std::int64_t day = 86400, hour = 3600;
  const std::int64_t t0 = spec.plan_start - 14 * day;  // calendars start two weeks early
  // Calendar 0: two shifts Mon-Fri 06:00-14:00, 14:30-22:30. Calendar 1: one
  // shift Mon-Sat 07:00-15:00. Day 0 of t0 is a Thursday (t0 = plan start - 14 d).
  for (int c = 0; c < 2; ++c) {
    Calendar cal;
    for (std::int64_t d = 0; d < spec.calendar_days + 14; ++d) {
      const std::int64_t base = t0 + d * day;
      const int weekday = static_cast<int>(((base / day) + 3) % 7);  // 0 = Monday
      if (c == 0 && weekday < 5) {
        cal.intervals.push_back({base + 6 * hour, base + 14 * hour});
        cal.intervals.push_back({base + 14 * hour + 1800, base + 22 * hour + 1800});
      } else if (c == 1 && weekday < 6) {
        cal.intervals.push_back({base + 7 * hour, base + 15 * hour});
      }
    }
    p.calendars.push_back(std::move(cal));
  }
  std::vector<std::string> families;
  for (int i = 0; i < spec.families; ++i) families.push_back("F" + std::to_string(i));
  for (int w = 0; w < spec.work_centers; ++w) {
    WorkCenter wc;
    wc.id = "WC" + std::to_string(w);
    wc.units = static_cast<int>(rng.range(spec.min_units, spec.max_units));
    wc.calendar = rng.unit() < spec.no_calendar_share ? -1 : static_cast<int>(rng.range(0, 1));
    wc.resumable = rng.unit() >= spec.nonresumable_share;
    wc.default_setup_seconds = rng.unit() < 0.6 ? rng.range(10, 40) * 60 : 0;
    if (rng.unit() < 0.3 && spec.families >= 2)
      for (int k = 0; k < 3; ++k) {
        const auto a = rng.range(0, spec.families - 1), b = rng.range(0, spec.families - 1);
        if (a != b) wc.setup_matrix.push_back({families[a], families[b], rng.range(5, 90) * 60});
      }
    p.work_centers.push_back(std::move(wc));
  }
  const int zero_wc = spec.problem_ops ? static_cast<int>(p.work_centers.size()) : -1;
  if (spec.problem_ops) p.work_centers.push_back({"ZERO", 0, -1, true, 0, {}});

  std::vector<std::int64_t> unit_cursor;  // fixed placements, per (wc, unit), never overlapping
  std::vector<int> first_unit;
  for (const auto& wc : p.work_centers) {
    first_unit.push_back(static_cast<int>(unit_cursor.size()));
    for (int u = 0; u < wc.units; ++u) unit_cursor.push_back(spec.plan_start - 2 * day);
  }
  for (int o = 0; o < spec.orders; ++o) {
    Order order;
    order.id = "O" + std::to_string(o);
    order.family = families[rng.range(0, spec.families - 1)];
    order.weight = static_cast<double>(rng.range(1, 3));
    order.release = spec.plan_start + rng.range(-3 * day, spec.release_spread_days * day);
    const int n = static_cast<int>(rng.range(spec.min_ops, spec.max_ops));
    // Routing visits centers in increasing index (the phases of a process).
    std::vector<int> route;
    for (int k = 0; k < n; ++k) route.push_back(static_cast<int>(rng.range(0, spec.work_centers - 1)));
    std::sort(route.begin(), route.end());
    std::int64_t work = 0;
    const bool started = rng.unit() < spec.started_share;
    const int fixed_count = started ? static_cast<int>(rng.range(1, 2)) : 0;
    std::int64_t order_cursor = spec.plan_start - 2 * day;
    for (int k = 0; k < n; ++k) {
      Operation op;
      const std::int64_t minutes = rng.unit() < spec.long_op_share ? rng.range(9 * 60, 12 * 60)
                                                                   : static_cast<std::int64_t>(30 * std::exp(rng.unit() * 2.3));
      const std::int64_t d = minutes * 60;
      op.alternatives.push_back({route[k], d});
      if (rng.unit() < spec.alternative_share) {
        const int other = static_cast<int>(rng.range(0, spec.work_centers - 1));
        if (other != route[k]) op.alternatives.push_back({other, d + rng.range(-10, 30) * 60});
      }
      op.duration_source = rng.unit() < 0.7 ? "history" : "standard";
      if (k < fixed_count && p.work_centers[route[k]].units > 0) {
        const int u = static_cast<int>(rng.range(0, p.work_centers[route[k]].units - 1));
        std::int64_t& c = unit_cursor[first_unit[route[k]] + u];
        const std::int64_t s = std::max(c, order_cursor);
        op.fixed = FixedPlacement{route[k], u, s, s + d};
        c = order_cursor = s + d;
      }
      if (spec.problem_ops && rng.unit() < spec.input_problem_share) {
        op.has_problem = true;
        op.problem = "no standard time";
      }
      if (spec.problem_ops && !op.fixed && rng.unit() < 0.004) {
        if (rng.unit() < 0.5) op.alternatives = {{zero_wc, d}};
        else op.alternatives.clear();
      } else if (spec.problem_ops && rng.unit() < 0.02) {
        op.alternatives.push_back({zero_wc, d / 2});  // unusable, ignored
      }
      work += d;
      order.operations.push_back(std::move(op));
    }
    order.due = order.release + static_cast<std::int64_t>(static_cast<double>(work) * (1.5 + 4 * rng.unit())) +
                rng.range(0, 10) * day;
    if (rng.unit() < 0.05) order.due.reset();
    p.orders.push_back(std::move(order));
  }
  return p;
}

}  // namespace pp::test
