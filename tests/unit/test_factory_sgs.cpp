// The constructive phase on small hand-made factories: precedence, release
// and plan start, capacity, calendars (resumable and not), setups on family
// changes, fixed operations, gap insertion, problems reported, bad input.
#include "core/common/errors.h"
#include "core/schedule/factory_planner.h"
#include "support/factory_checker.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

namespace test_factory_sgs {

using namespace pp::factory;

namespace {

constexpr Time H = 3600;

Order order(const std::string& id, const std::string& family, Time release, std::vector<Alternative> route,
            std::optional<Time> due = std::nullopt) {
  Order o;
  o.id = id;
  o.family = family;
  o.release = release;
  o.due = due;
  for (const Alternative& a : route) {
    Operation op;
    op.alternatives = {a};
    op.duration_source = "standard";
    o.operations.push_back(op);
  }
  return o;
}

FactoryOptions opts(DispatchRule rule = DispatchRule::Fifo) {
  FactoryOptions o;
  o.plan_start = 0;
  o.rule = rule;
  return o;
}

const PlannedOperation& at(const FactoryPlan& plan, int o, int k) {
  for (const auto& r : plan.operations)
    if (r.order == o && r.operation == k) return r;
  throw std::runtime_error("missing");
}

}  // namespace

TEST(FactorySgs, PrecedenceReleaseAndCapacity) {
  FactoryProblem p;
  p.work_centers = {{"A", 1, -1, true, 0, {}}, {"B", 2, -1, true, 0, {}}};
  p.orders.push_back(order("o1", "f", 0, {{0, 2 * H}, {1, 3 * H}}));
  p.orders.push_back(order("o2", "f", H, {{0, 1 * H}, {1, 1 * H}}));
  p.orders.push_back(order("o3", "f", 10 * H, {{1, 1 * H}}));
  const FactoryOptions o = opts();
  const FactoryPlan plan = plan_factory(p, o);
  ASSERT_EQ(pp::test::check_factory_plan(p, o, plan), "");
  EXPECT_EQ(at(plan, 0, 0).start, 0);
  EXPECT_EQ(at(plan, 0, 1).start, 2 * H);
  EXPECT_EQ(at(plan, 1, 0).start, 2 * H);      // waits for A (one unit)
  EXPECT_EQ(at(plan, 1, 1).start, 3 * H);      // B has a second unit free
  EXPECT_NE(at(plan, 1, 1).unit, at(plan, 0, 1).unit);
  EXPECT_EQ(at(plan, 2, 0).start, 10 * H);     // release
  EXPECT_EQ(plan.objective.makespan_end, 11 * H);
  EXPECT_EQ(at(plan, 0, 0).duration_source, "standard");
}

TEST(FactorySgs, PlanStartAndCalendars) {
  FactoryProblem p;
  Calendar c;
  c.intervals = {{8 * H, 12 * H}, {13 * H, 17 * H}, {32 * H, 41 * H}};
  p.calendars.push_back(c);
  p.work_centers = {{"R", 1, 0, true, 0, {}}, {"N", 1, 0, false, 0, {}}};
  p.orders.push_back(order("r", "f", 0, {{0, 6 * H}}));
  p.orders.push_back(order("n", "f", 0, {{1, 6 * H}}));
  FactoryOptions o = opts();
  o.plan_start = 9 * H;
  const FactoryPlan plan = plan_factory(p, o);
  ASSERT_EQ(pp::test::check_factory_plan(p, o, plan), "");
  EXPECT_EQ(at(plan, 0, 0).start, 9 * H);   // resumable: 3 h before lunch, 3 h after
  EXPECT_EQ(at(plan, 0, 0).end, 16 * H);
  EXPECT_EQ(at(plan, 1, 0).start, 32 * H);  // non-resumable: waits for a 6 h interval
  EXPECT_EQ(at(plan, 1, 0).end, 38 * H);
}

TEST(FactorySgs, SetupsOnFamilyChange) {
  FactoryProblem p;
  WorkCenter wc{"A", 1, -1, true, 30 * 60, {{"red", "blue", 2 * H}}};
  p.work_centers = {wc};
  p.orders.push_back(order("r1", "red", 0, {{0, H}}));
  p.orders.push_back(order("r2", "red", 0, {{0, H}}));
  p.orders.push_back(order("b1", "blue", 0, {{0, H}}));
  p.orders.push_back(order("g1", "green", 10 * H, {{0, H}}));  // released later: no gap to use
  const FactoryOptions o = opts();
  const FactoryPlan plan = plan_factory(p, o);
  ASSERT_EQ(pp::test::check_factory_plan(p, o, plan), "");
  EXPECT_EQ(at(plan, 0, 0).setup_seconds, 0);  // first on the unit
  EXPECT_EQ(at(plan, 1, 0).setup_seconds, 0);  // same family
  EXPECT_EQ(at(plan, 2, 0).setup_seconds, 2 * H);  // matrix red -> blue
  EXPECT_EQ(at(plan, 2, 0).start, 4 * H);
  EXPECT_EQ(at(plan, 2, 0).setup_start, 2 * H);
  EXPECT_EQ(at(plan, 3, 0).setup_seconds, 30 * 60);  // default
  EXPECT_EQ(plan.objective.setups, 2);
}

TEST(FactorySgs, GapInsertionRecomputesTheFollowersSetup) {
  // g1 fits into the 2 h red -> blue setup window: it takes 30 min setup +
  // 1 h, and blue's setup becomes green -> blue (default 30 min).
  FactoryProblem p;
  p.work_centers = {{"A", 1, -1, true, 30 * 60, {{"red", "blue", 2 * H}}}};
  p.orders.push_back(order("r1", "red", 0, {{0, H}}));
  p.orders.push_back(order("b1", "blue", 0, {{0, H}}));
  p.orders.push_back(order("g1", "green", 0, {{0, H}}));
  const FactoryOptions o = opts();
  const FactoryPlan plan = plan_factory(p, o);
  ASSERT_EQ(pp::test::check_factory_plan(p, o, plan), "");
  EXPECT_EQ(at(plan, 1, 0).start, 3 * H);  // placed after r1 with the 2 h setup
  EXPECT_EQ(at(plan, 2, 0).start, H + 30 * 60);
  EXPECT_EQ(at(plan, 1, 0).setup_seconds, 30 * 60);
  EXPECT_EQ(at(plan, 1, 0).setup_start, 2 * H + 30 * 60);
}

TEST(FactorySgs, FixedOperationsStayAndOthersUseTheGaps) {
  FactoryProblem p;
  p.work_centers = {{"A", 1, -1, true, 0, {}}};
  Order started = order("s", "f", 0, {{0, 2 * H}, {0, H}});
  started.operations[0].fixed = FixedPlacement{0, 0, 3 * H, 5 * H};
  p.orders.push_back(started);
  p.orders.push_back(order("a", "f", 0, {{0, 2 * H}}));   // fits before the fixed op
  p.orders.push_back(order("b", "f", 0, {{0, 2 * H}}));   // does not: after it
  const FactoryOptions o = opts();
  const FactoryPlan plan = plan_factory(p, o);
  ASSERT_EQ(pp::test::check_factory_plan(p, o, plan), "");
  EXPECT_TRUE(at(plan, 0, 0).fixed);
  EXPECT_EQ(at(plan, 0, 0).start, 3 * H);
  EXPECT_EQ(at(plan, 0, 0).end, 5 * H);
  EXPECT_GE(at(plan, 0, 1).start, 5 * H);
  EXPECT_EQ(at(plan, 1, 0).start, 0);
  EXPECT_EQ(at(plan, 1, 0).end, 2 * H);
  EXPECT_GE(at(plan, 2, 0).start, 5 * H);
}

TEST(FactorySgs, AlternativesPickTheEarliestCompletion) {
  FactoryProblem p;
  p.work_centers = {{"slow", 1, -1, true, 0, {}}, {"fast", 1, -1, true, 0, {}}};
  Order a = order("a", "f", 0, {{0, 4 * H}});
  a.operations[0].alternatives.push_back({1, 2 * H});
  p.orders.push_back(a);
  p.orders.push_back(a);
  const FactoryOptions o = opts();
  const FactoryPlan plan = plan_factory(p, o);
  ASSERT_EQ(pp::test::check_factory_plan(p, o, plan), "");
  EXPECT_EQ(at(plan, 0, 0).work_center, 1);
  EXPECT_EQ(at(plan, 1, 0).end, 4 * H);  // fast again (ends 4 h) or slow (ends 4 h): both 4 h
}

TEST(FactorySgs, ProblemsAreReported) {
  FactoryProblem p;
  Calendar c;
  c.intervals = {{0, 4 * H}, {24 * H, 28 * H}};
  p.calendars.push_back(c);
  p.work_centers = {{"zero", 0, -1, true, 0, {}}, {"short", 1, 0, false, 0, {}}};
  p.orders.push_back(order("z", "f", 0, {{0, H}, {1, H}}));   // zero capacity, then fine
  p.orders.push_back(order("long", "f", 0, {{1, 6 * H}}));    // longer than any interval
  p.orders.push_back(order("late", "f", 27 * H, {{1, 3 * H}}));  // past the calendar's end
  Order none = order("none", "f", 0, {});
  none.operations.push_back(Operation{});
  none.operations[0].problem = "no routing step";
  none.operations[0].has_problem = true;
  p.orders.push_back(none);
  FactoryOptions o = opts();
  o.horizon_end = 2 * H;
  const FactoryPlan plan = plan_factory(p, o);
  ASSERT_EQ(pp::test::check_factory_plan(p, o, plan), "");
  std::set<ProblemKind> kinds;
  for (const auto& pr : plan.problems) kinds.insert(pr.kind);
  EXPECT_TRUE(kinds.count(ProblemKind::ZeroCapacity));
  EXPECT_TRUE(kinds.count(ProblemKind::DoesNotFitInterval));
  EXPECT_TRUE(kinds.count(ProblemKind::NoWorkCenter));
  EXPECT_TRUE(kinds.count(ProblemKind::InputProblem));
  EXPECT_TRUE(kinds.count(ProblemKind::AfterHorizon));
  EXPECT_TRUE(kinds.count(ProblemKind::BeyondCalendar));
  EXPECT_EQ(at(plan, 0, 0).unit, -1);
  EXPECT_GE(at(plan, 0, 1).start, at(plan, 0, 0).end);  // successors still wait
  EXPECT_TRUE(at(plan, 1, 0).has_problem);
}

TEST(FactorySgs, InvalidInputThrows) {
  FactoryProblem p;
  p.work_centers = {{"A", 1, 3, true, 0, {}}};  // calendar 3 does not exist
  EXPECT_THROW(plan_factory(p, opts()), pp::Error);
  p.work_centers = {{"A", 1, -1, true, 0, {}}};
  p.orders.push_back(order("o", "f", 0, {{5, H}}));
  EXPECT_THROW(plan_factory(p, opts()), pp::Error);
  p.orders = {order("o", "f", 0, {{0, -H}})};
  EXPECT_THROW(plan_factory(p, opts()), pp::Error);
  p.orders = {order("o", "f", 0, {{0, pp::factory::kMaxWorkSeconds + 1}})};  // over 100 years
  EXPECT_THROW(plan_factory(p, opts()), pp::Error);
  p.orders = {order("o", "f", 0, {{0, pp::factory::kMaxWorkSeconds}})};  // the limit itself plans
  EXPECT_NO_THROW(plan_factory(p, opts()));
  p.work_centers[0].default_setup_seconds = pp::factory::kMaxWorkSeconds + 1;
  EXPECT_THROW(plan_factory(p, opts()), pp::Error);
  p.work_centers[0].default_setup_seconds = 0;
  p.orders = {order("o", "f", 0, {{0, H}})};
  p.orders[0].weight = 0;
  EXPECT_THROW(plan_factory(p, opts()), pp::Error);
}

}  // namespace test_factory_sgs
