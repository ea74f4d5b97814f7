// The improvement phase: never worse than the best rule, deterministic per
// (seed, max_iterations), and a cancel stops it quickly.
#include "core/common/cancel.h"
#include "core/common/errors.h"
#include "core/schedule/factory_planner.h"
#include "support/factory_checker.h"
#include "support/factory_generator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

namespace test_factory_search {

using namespace pp::factory;

namespace {

FactoryProblem small_factory(std::uint64_t seed) {
  pp::test::FactoryGenSpec spec;
  spec.seed = seed;
  spec.orders = 100;
  spec.release_spread_days = 5;  // a loaded plant: many late orders
  return pp::test::generate_factory(spec);
}

std::atomic<int> probes{0};
int cancel_after = 0;
bool probe() { return ++probes > cancel_after; }

}  // namespace

TEST(FactorySearch, NeverWorseThanTheBestRule) {
  for (std::uint64_t seed : {3u, 4u}) {
    const FactoryProblem p = small_factory(seed);
    FactoryOptions o;
    o.plan_start = pp::test::FactoryGenSpec{}.plan_start;
    o.max_iterations = 150;
    o.seed = seed;
    const FactoryPlan plan = plan_factory(p, o);
    ASSERT_EQ(pp::test::check_factory_plan(p, o, plan), "");
    double best = plan.rules.front().objective.value;
    for (const auto& r : plan.rules) best = std::min(best, r.objective.value);
    EXPECT_LE(plan.objective.value, best);
    EXPECT_EQ(plan.improved, plan.objective.value < best);
    EXPECT_GT(plan.iterations, 0);
    EXPECT_LE(plan.iterations, 150);
  }
}

TEST(FactorySearch, DeterministicPerSeed) {
  const FactoryProblem p = small_factory(5);
  FactoryOptions o;
  o.plan_start = pp::test::FactoryGenSpec{}.plan_start;
  o.max_iterations = 80;
  o.time_limit_ms = 60000;  // not the binding limit
  o.seed = 17;
  const FactoryPlan a = plan_factory(p, o), b = plan_factory(p, o);
  ASSERT_EQ(a.operations.size(), b.operations.size());
  EXPECT_EQ(a.objective.value, b.objective.value);
  EXPECT_EQ(a.iterations, b.iterations);
  for (std::size_t i = 0; i < a.operations.size(); ++i) {
    EXPECT_EQ(a.operations[i].start, b.operations[i].start);
    EXPECT_EQ(a.operations[i].unit, b.operations[i].unit);
    EXPECT_EQ(a.operations[i].work_center, b.operations[i].work_center);
  }
}

TEST(FactorySearch, TimeLimitIsRespected) {
  const FactoryProblem p = small_factory(6);
  FactoryOptions o;
  o.plan_start = pp::test::FactoryGenSpec{}.plan_start;
  o.time_limit_ms = 200;
  o.objective = Objective::Makespan;
  const FactoryPlan plan = plan_factory(p, o);
  EXPECT_LT(plan.seconds, 1.5);
  EXPECT_EQ(pp::test::check_factory_plan(p, o, plan), "");
}

TEST(FactorySearch, CancelThrowsQuickly) {
  pp::test::FactoryGenSpec spec;
  spec.orders = 2000;
  const FactoryProblem p = pp::test::generate_factory(spec);
  const pp::CancelToken token(&probe);
  for (int after : {0, 3, 40}) {  // during the first rule, later rules, the search
    probes = 0;
    cancel_after = after;
    FactoryOptions o;
    o.plan_start = spec.plan_start;
    o.time_limit_ms = 30000;
    o.cancel = &token;
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_THROW(plan_factory(p, o), pp::Cancelled) << after;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(s, 2.0) << after;
  }
}

}  // namespace test_factory_search
