// Every plan the factory scheduler produces on seeded random factories (300
// orders x 5-8 operations, 10 work centers with 1-3 units, two-shift
// calendars, alternatives, families, fixed operations, problem operations)
// passes the independent checker: each rule, the search, each objective.
#include "core/schedule/factory_planner.h"
#include "support/factory_checker.h"
#include "support/factory_generator.h"

#include <gtest/gtest.h>

#include <map>

namespace test_factory_random {

using namespace pp::factory;

TEST(FactoryRandom, EveryRuleGivesACheckedPlan) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    pp::test::FactoryGenSpec spec;
    spec.seed = seed;
    const FactoryProblem p = pp::test::generate_factory(spec);
    for (DispatchRule rule : kConcreteRules) {
      FactoryOptions o;
      o.plan_start = spec.plan_start;
      o.rule = rule;
      o.horizon_end = spec.plan_start + 40 * 86400;
      const FactoryPlan plan = plan_factory(p, o);
      EXPECT_EQ(pp::test::check_factory_plan(p, o, plan), "") << "seed " << seed << " rule " << rule_name(rule);
      EXPECT_EQ(plan.rules.size(), 1u);
    }
  }
}

TEST(FactoryRandom, SearchPlansAreCheckedForEveryObjective) {
  const Objective objectives[] = {Objective::WeightedTardiness, Objective::Makespan, Objective::MeanFlowTime,
                                  Objective::Setups, Objective::WeightedSum};
  std::uint64_t seed = 10;
  for (Objective obj : objectives) {
    pp::test::FactoryGenSpec spec;
    spec.seed = ++seed;
    spec.orders = 120;
    const FactoryProblem p = pp::test::generate_factory(spec);
    FactoryOptions o;
    o.plan_start = spec.plan_start;
    o.objective = obj;
    o.weights = {1.0, 0.5, 0.5, 3600.0};
    o.max_iterations = 60;
    const FactoryPlan plan = plan_factory(p, o);
    EXPECT_EQ(pp::test::check_factory_plan(p, o, plan), "") << objective_name(obj);
    double best_rule = plan.rules.front().objective.value;
    for (const auto& r : plan.rules) best_rule = std::min(best_rule, r.objective.value);
    EXPECT_LE(plan.objective.value, best_rule) << objective_name(obj);
    EXPECT_EQ(plan.rules.size(), 6u);
  }
}

TEST(FactoryRandom, ProblemsAreReportedNotDropped) {
  pp::test::FactoryGenSpec spec;
  spec.seed = 99;
  spec.long_op_share = 0.05;
  spec.input_problem_share = 0.02;
  const FactoryProblem p = pp::test::generate_factory(spec);
  FactoryOptions o;
  o.plan_start = spec.plan_start;
  o.horizon_end = spec.plan_start + 10 * 86400;
  const FactoryPlan plan = plan_factory(p, o);
  ASSERT_EQ(pp::test::check_factory_plan(p, o, plan), "");
  std::map<ProblemKind, int> kinds;
  for (const auto& pr : plan.problems) ++kinds[pr.kind];
  EXPECT_GT(kinds[ProblemKind::InputProblem], 0);
  EXPECT_GT(kinds[ProblemKind::AfterHorizon], 0);
  EXPECT_GT(kinds[ProblemKind::NoWorkCenter] + kinds[ProblemKind::ZeroCapacity], 0);
}

}  // namespace test_factory_random
