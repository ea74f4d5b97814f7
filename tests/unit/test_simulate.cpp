// The Monte Carlo replay (core/simulate): without variation it reproduces
// the planner's plan exactly; with variation its median agrees with a
// brute-force enumeration; it is deterministic per seed and uses common
// random numbers; breakdowns only ever delay.
#include "core/schedule/factory_planner.h"
#include "core/simulate/duration_spread.h"
#include "core/simulate/inverse_normal.h"
#include "core/simulate/monte_carlo.h"
#include "core/simulate/replay_model.h"
#include "support/factory_generator.h"
#include "support/sim_rows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace test_simulate {

using namespace pp::simulate;
using pp::factory::FactoryProblem;

using pp::test::PlanAsRows;
using pp::test::Tables;
using pp::test::plan_as_rows;

namespace {

std::string s(std::int64_t v) { return std::to_string(v); }

}  // namespace

TEST(Simulate, InverseNormalIsAccurate) {
  EXPECT_NEAR(inverse_normal(0.5), 0.0, 1e-15);
  EXPECT_NEAR(inverse_normal(0.975), 1.959963984540054, 1e-12);
  EXPECT_NEAR(inverse_normal(0.001), -3.090232306167814, 1e-11);
  for (double p = 1e-9; p < 1; p = p * 1.7 + 1e-4) {
    const double x = inverse_normal(p);
    EXPECT_NEAR(0.5 * std::erfc(-x / std::sqrt(2.0)), p, 1e-12 * std::max(1.0, p / 1e-3)) << p;
    EXPECT_NEAR(inverse_normal(1 - p), -x, 1e-7 * std::max(1.0, std::fabs(x))) << p;
  }
}

TEST(Simulate, WithoutVariationTheReplayIsThePlan) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    pp::test::FactoryGenSpec spec;
    spec.seed = seed;
    spec.orders = 120;
    const FactoryProblem p = pp::test::generate_factory(spec);
    pp::factory::FactoryOptions fo;
    fo.plan_start = spec.plan_start;
    fo.max_iterations = 40;
    fo.horizon_end = spec.plan_start + 40 * 86400;
    const auto plan = pp::factory::plan_factory(p, fo);
    PlanAsRows pr;
    plan_as_rows(p, plan, spec.plan_start, &pr);
    DurationSpreads none;
    none.build(5);
    const ReplayModel m = build_replay(pr.rows, none);
    SimOptions o;
    o.replications = 3;
    const SimResult r = run_monte_carlo(m, o);
    int late = 0, checked = 0;
    for (std::size_t k = 0; k < m.orders.size(); ++k) {
      EXPECT_EQ(r.orders[k].p50_end, m.orders[k].planned_end) << m.orders[k].id;
      EXPECT_EQ(r.orders[k].p10_end, r.orders[k].p90_end);
      if (!m.orders[k].due || m.orders[k].last_op < 0) continue;
      ++checked;
      const bool plan_late = pr.late[m.orders[k].id];
      late += plan_late;
      EXPECT_EQ(r.orders[k].p_on_time, plan_late ? 0.0 : 1.0) << m.orders[k].id;
    }
    EXPECT_GT(checked, 50);
    EXPECT_GT(late, 0) << "the check needs late and on-time orders";
    EXPECT_EQ(r.on_time_p10, r.on_time_p90);
    EXPECT_DOUBLE_EQ(r.on_time_mean, r.planned_on_time);
  }
}

// One order, three operations on three always-working units; each pair's
// history has five durations, so the completion has 125 equally likely
// values: its exact median is computed by enumeration.
struct ThreeSteps {
  FactoryProblem resources;
  Tables tables;
  SimRows rows;
  DurationSpreads spreads;
  std::vector<std::vector<double>> history{{50, 60, 70, 80, 100}, {20, 30, 30, 45, 90}, {100, 110, 120, 180, 240}};
  std::int64_t start = 1767225600;

  explicit ThreeSteps(int orders = 1) {
    std::vector<std::vector<std::string>> ops, ords;
    for (int w = 0; w < 3; ++w) {
      pp::factory::WorkCenter wc;
      wc.id = "W" + s(w);
      resources.work_centers.push_back(wc);
      spreads.add_pair("P", wc.id, history[w].data(), history[w].size());
    }
    spreads.build(5);
    for (int k = 0; k < orders; ++k) {
      const std::string id = "O" + s(k);
      std::int64_t t = start + k * 400 * 60;
      for (int w = 0; w < 3; ++w) {
        std::vector<double> h = history[w];
        std::sort(h.begin(), h.end());
        const std::int64_t work = static_cast<std::int64_t>(h[2] * 60);  // the median
        ops.push_back({id, s(w + 1), "W" + s(w), "1", s(t), s(t), s(t + work), "0", s(work), "f", "P"});
        t += work;
      }
      ords.push_back({id, s(start), s(start + 5 * 3600)});
    }
    rows.resources = &resources;
    rows.operations = tables.make(ops, 11);
    rows.orders = tables.make(ords, 3);
    rows.plan_start = start;
  }
};

TEST(Simulate, MedianAgreesWithBruteForce) {
  ThreeSteps f;
  std::vector<double> sums;
  for (double a : f.history[0])
    for (double b : f.history[1])
      for (double c : f.history[2]) sums.push_back(a + b + c);
  std::sort(sums.begin(), sums.end());
  const double exact_median_minutes = sums[62];  // 125 values: the 63rd
  const ReplayModel m = build_replay(f.rows, f.spreads);
  EXPECT_EQ(m.ops_by_source[0], 3);
  SimOptions o;
  o.replications = 2000;
  o.seed = 7;
  o.early_start = true;  // no planned start to wait for: completion = sum of durations
  const SimResult r = run_monte_carlo(m, o);
  const OrderRisk& risk = r.orders[0];
  const auto minutes = [&](std::int64_t t) { return static_cast<double>(t - f.start) / 60.0; };
  EXPECT_LE(minutes(risk.p50_low), exact_median_minutes);
  EXPECT_GE(minutes(risk.p50_high), exact_median_minutes);
  EXPECT_LT(risk.p50_low, risk.p50_high);
  // The due time (5 h) against the exact share of sums <= 300 minutes.
  const double exact_on_time =
      static_cast<double>(std::upper_bound(sums.begin(), sums.end(), 300.0) - sums.begin()) / 125.0;
  EXPECT_NEAR(risk.p_on_time, exact_on_time, 4 * std::sqrt(exact_on_time * (1 - exact_on_time) / 2000) + 1e-9);
  EXPECT_EQ(risk.driver_op >= 0, true);
  EXPECT_EQ(m.ops[risk.driver_op].operation, 3) << "the widest spread adds most delay";
}

TEST(Simulate, DeterministicPerSeedWithCommonRandomNumbers) {
  ThreeSteps one(1), two(2);
  const ReplayModel m1 = build_replay(one.rows, one.spreads);
  const ReplayModel m2 = build_replay(two.rows, two.spreads);
  SimOptions o;
  o.replications = 300;
  o.seed = 11;
  o.durations = DurationModel::Lognormal;
  const SimResult a = run_monte_carlo(m1, o), b = run_monte_carlo(m1, o);
  EXPECT_EQ(a.orders[0].p50_end, b.orders[0].p50_end);
  EXPECT_EQ(a.orders[0].mean_end, b.orders[0].mean_end);
  EXPECT_EQ(a.on_time_by_rep, b.on_time_by_rep);
  o.seed = 12;
  const SimResult c = run_monte_carlo(m1, o);
  EXPECT_NE(a.orders[0].mean_end, c.orders[0].mean_end);
  // O0 is the first order in both plans, untouched by O1 under right shift
  // (O1 waits behind it): the same draws give the same completion in every
  // replication, so the plans differ pairwise by exactly zero for O0.
  o.seed = 11;
  const SimResult d = run_monte_carlo(m2, o);
  EXPECT_EQ(a.orders[0].mean_end, d.orders[0].mean_end);
  EXPECT_EQ(a.orders[0].p90_end, d.orders[0].p90_end);
  EXPECT_EQ(a.orders[0].p_on_time, d.orders[0].p_on_time);
}

TEST(Simulate, LognormalFactorHasMedianOne) {
  ThreeSteps f;
  const Spread* sp = f.spreads.find("P", "W2");
  ASSERT_NE(sp, nullptr);
  EXPECT_GT(sp->sigma, 0.1);
  std::vector<double> draws;
  for (int i = 1; i < 2000; ++i) draws.push_back(draw_factor(*sp, DurationModel::Lognormal, i / 2000.0));
  std::sort(draws.begin(), draws.end());
  EXPECT_NEAR(draws[draws.size() / 2], 1.0, 1e-3);
  EXPECT_EQ(f.spreads.find("P", "W9"), nullptr);
  EXPECT_EQ(f.spreads.find("Q", "W1")->source, SpreadSource::WorkCenter) << "another product: the pool";
}

TEST(Simulate, BreakdownsOnlyDelay) {
  ThreeSteps f(6);
  FailureHistory h;
  h.work_center_id = "W1";
  h.failures = 20;
  h.observed_seconds = 20 * 3600.0;  // one failure per working hour
  h.repairs = {600, 1200, 1800, 3600};
  f.rows.failures.push_back(h);
  DurationSpreads none;
  none.build(5);
  const ReplayModel with = build_replay(f.rows, none);
  EXPECT_EQ(with.units_with_failures, 1);
  SimOptions o;
  o.replications = 400;
  const SimResult r = run_monte_carlo(with, o);
  o.breakdowns = false;
  const SimResult r0 = run_monte_carlo(with, o);
  EXPECT_GT(r.failures_drawn, 0);
  for (std::size_t k = 0; k < with.orders.size(); ++k) {
    EXPECT_EQ(r0.orders[k].p50_end, with.orders[k].planned_end);
    EXPECT_GE(r.orders[k].p10_end, with.orders[k].planned_end);
    EXPECT_GT(r.orders[k].mean_end, with.orders[k].planned_end);
    EXPECT_EQ(with.ops[r.orders[k].driver_op].operation, 2) << "W1 is the second step";
  }
  // W0 (the first step) down since 5 minutes before the plan start: its
  // length is one of the repairs longer than that, so the first operation
  // waits at least until the shortest (10 minutes) ends.
  f.rows.failures[0].failures = 0;
  f.rows.failures[0].work_center_id = "W0";
  f.rows.failures[0].open_since = f.start - 300;
  const ReplayModel open = build_replay(f.rows, none);
  o.breakdowns = true;
  const SimResult ro = run_monte_carlo(open, o);
  EXPECT_EQ(ro.failures_drawn, 0);
  EXPECT_GE(ro.orders[0].p10_end, with.orders[0].planned_end + 300);
  EXPECT_GT(ro.orders[0].p90_end, ro.orders[0].p10_end);
}

TEST(Simulate, ImplausibleFailureRateIsAnErrorNotAHang) {
  ThreeSteps f;
  FailureHistory h;
  h.work_center_id = "W0";
  h.failures = 1000000000;
  h.observed_seconds = 1;  // a failure every nanosecond
  h.repairs = {60};
  f.rows.failures.push_back(h);
  DurationSpreads none;
  none.build(5);
  const ReplayModel m = build_replay(f.rows, none);
  SimOptions o;
  o.replications = 2;
  try {
    run_monte_carlo(m, o);
    FAIL() << "expected an error";
  } catch (const pp::Error& e) {
    EXPECT_EQ(e.kind(), pp::ErrorKind::DataException);
    EXPECT_NE(std::string(e.what()).find("work center W0 breaks down more than"), std::string::npos) << e.what();
  }
}

TEST(Simulate, CancelStopsTheReplications) {
  ThreeSteps f;
  const ReplayModel m = build_replay(f.rows, f.spreads);
  static int polls = 0;
  const pp::CancelToken cancel([] { return ++polls > 3; });
  SimOptions o;
  o.replications = 1000;
  o.cancel = &cancel;
  EXPECT_THROW(run_monte_carlo(m, o), pp::Cancelled);
  EXPECT_EQ(polls, 4) << "polled once per replication";
}

}  // namespace test_simulate
