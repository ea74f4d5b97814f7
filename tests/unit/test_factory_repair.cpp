// move_operation: the moved operation lands at the requested time (or the
// earliest feasible after it), everything else only moves right, fixed
// operations never move, and the result passes the independent checker.
#include "core/common/errors.h"
#include "core/schedule/factory_planner.h"
#include "core/schedule/factory_repair.h"
#include "support/factory_checker.h"
#include "support/factory_generator.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace test_factory_repair {

using namespace pp::factory;

namespace {

constexpr Time H = 3600;

const PlannedOperation& at(const FactoryPlan& plan, int o, int k) {
  for (const auto& r : plan.operations)
    if (r.order == o && r.operation == k) return r;
  throw std::runtime_error("missing");
}

// "" when no operation other than (mo, mk) starts earlier than before and
// fixed ones did not move at all.
std::string only_pushed_right(const FactoryPlan& before, const FactoryPlan& after, int mo, int mk) {
  for (const auto& r : before.operations) {
    const auto& a = at(after, r.order, r.operation);
    if (r.order == mo && r.operation == mk) continue;
    if (a.start < r.start) return "op moved earlier";
    if (a.unit != r.unit || a.work_center != r.work_center) return "op changed unit";
    if (r.fixed && (a.start != r.start || a.end != r.end)) return "fixed op moved";
  }
  return "";
}

Order one_op(const std::string& id, int wc, Time d, Time release = 0) {
  Order o;
  o.id = id;
  o.family = "f";
  o.release = release;
  Operation op;
  op.alternatives = {{wc, d}};
  o.operations = {op};
  return o;
}

}  // namespace

TEST(FactoryRepair, MoveLaterPushesFollowersRight) {
  FactoryProblem p;
  p.work_centers = {{"A", 1, -1, true, 0, {}}, {"B", 1, -1, true, 0, {}}};
  Order two;
  two.id = "two";
  two.family = "f";
  two.operations.resize(2);
  two.operations[0].alternatives = {{0, 2 * H}};
  two.operations[1].alternatives = {{1, H}};
  p.orders = {two, one_op("x", 0, H), one_op("y", 1, H)};
  FactoryOptions o;
  const FactoryPlan plan = plan_factory(p, o);
  ASSERT_EQ(pp::test::check_factory_plan(p, o, plan), "");
  ASSERT_EQ(at(plan, 0, 0).start, 0);
  const FactoryPlan moved = move_operation(p, plan, 0, 0, 5 * H, std::nullopt, o);
  ASSERT_EQ(pp::test::check_factory_plan(p, o, moved), "");
  EXPECT_EQ(at(moved, 0, 0).start, 5 * H);
  EXPECT_GE(at(moved, 0, 1).start, 7 * H);  // its successor follows
  EXPECT_EQ(only_pushed_right(plan, moved, 0, 0), "");
}

TEST(FactoryRepair, MoveEarlierIsLimitedByPredecessorAndPushesOthers) {
  FactoryProblem p;
  p.work_centers = {{"A", 1, -1, true, 0, {}}};
  p.orders = {one_op("a", 0, 2 * H), one_op("b", 0, 2 * H), one_op("c", 0, 2 * H, 3 * H)};
  FactoryOptions o;
  o.rule = DispatchRule::Fifo;
  const FactoryPlan plan = plan_factory(p, o);
  ASSERT_EQ(at(plan, 2, 0).start, 4 * H);
  // Move c to 1 h: its release (3 h) wins; b (2-4 h) overlaps and is pushed.
  const FactoryPlan moved = move_operation(p, plan, 2, 0, H, std::nullopt, o);
  ASSERT_EQ(pp::test::check_factory_plan(p, o, moved), "");
  EXPECT_EQ(at(moved, 2, 0).start, 3 * H);
  EXPECT_EQ(at(moved, 1, 0).start, 5 * H);
  EXPECT_EQ(at(moved, 0, 0).start, 0);
  EXPECT_EQ(only_pushed_right(plan, moved, 2, 0), "");
}

TEST(FactoryRepair, FixedOperationsDoNotMove) {
  FactoryProblem p;
  p.work_centers = {{"A", 1, -1, true, 0, {}}, {"B", 2, -1, true, 0, {}}};
  Order f = one_op("fixed", 0, 2 * H);
  f.operations[0].fixed = FixedPlacement{0, 0, 4 * H, 6 * H};
  p.orders = {f, one_op("a", 0, 2 * H), one_op("b", 1, H)};
  p.orders[1].operations[0].alternatives.push_back({1, 3 * H});
  FactoryOptions o;
  const FactoryPlan plan = plan_factory(p, o);
  ASSERT_EQ(pp::test::check_factory_plan(p, o, plan), "");
  // Into the fixed op: the moved op goes after it.
  const FactoryPlan moved = move_operation(p, plan, 1, 0, 5 * H, 0, o);
  ASSERT_EQ(pp::test::check_factory_plan(p, o, moved), "");
  EXPECT_EQ(at(moved, 1, 0).start, 6 * H);
  EXPECT_EQ(at(moved, 0, 0).start, 4 * H);
  // To the other work center.
  const FactoryPlan other = move_operation(p, plan, 1, 0, 0, 1, o);
  ASSERT_EQ(pp::test::check_factory_plan(p, o, other), "");
  EXPECT_EQ(at(other, 1, 0).work_center, 1);
  EXPECT_EQ(at(other, 1, 0).end - at(other, 1, 0).start, 3 * H);
  EXPECT_THROW(move_operation(p, plan, 0, 0, 0, std::nullopt, o), pp::Error);  // fixed
  EXPECT_THROW(move_operation(p, plan, 2, 0, 0, 0, o), pp::Error);             // not an alternative
}

TEST(FactoryRepair, RandomMovesStayFeasible) {
  pp::test::FactoryGenSpec spec;
  spec.seed = 21;
  spec.orders = 150;
  const FactoryProblem p = pp::test::generate_factory(spec);
  FactoryOptions o;
  o.plan_start = spec.plan_start;
  FactoryPlan plan = plan_factory(p, o);
  ASSERT_EQ(pp::test::check_factory_plan(p, o, plan), "");
  pp::test::GenRng rng(5);
  int moves = 0;
  for (int attempt = 0; attempt < 400 && moves < 40; ++attempt) {
    const auto& row = plan.operations[rng.next() % plan.operations.size()];
    if (row.fixed || row.unit < 0) continue;
    const Operation& op = p.orders[row.order].operations[row.operation];
    std::optional<int> wc;
    if (rng.unit() < 0.3) wc = op.alternatives[rng.next() % op.alternatives.size()].work_center;
    if (wc && p.work_centers[*wc].units == 0) continue;
    const Time when = row.start + rng.range(-3 * 86400, 5 * 86400);
    const FactoryPlan next = move_operation(p, plan, row.order, row.operation, when, wc, o);
    ASSERT_EQ(pp::test::check_factory_plan(p, o, next), "") << "move " << moves;
    ASSERT_EQ(only_pushed_right(plan, next, row.order, row.operation), "") << "move " << moves;
    const auto& m = at(next, row.order, row.operation);
    EXPECT_GE(m.start, std::max(when, std::max(o.plan_start, p.orders[row.order].release)));
    plan = next;
    ++moves;
  }
  EXPECT_EQ(moves, 40);
}

}  // namespace test_factory_repair
