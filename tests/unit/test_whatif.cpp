// What-if in the core: working-time set algebra, each change applied to a
// small problem, the split of a work center for a capacity period, and the
// warm start that keeps a base plan's sequence.
#include "core/common/errors.h"
#include "core/planning/plan_inputs.h"
#include "core/schedule/factory_planner.h"
#include "core/whatif/scenario_apply.h"
#include "core/whatif/working_intervals.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace test_whatif {

namespace {

using pp::factory::Time;
using pp::whatif::Change;
using pp::whatif::ChangeType;
using pp::whatif::Intervals;

constexpr Time H = 3600;

std::string str(const Intervals& v) {
  std::string s;
  for (const auto& i : v) s += "[" + std::to_string(i.start) + "," + std::to_string(i.end) + ")";
  return s;
}

TEST(WorkingIntervals, UnionSubtractIntersect) {
  const Intervals a = {{0, 10}, {20, 30}};
  EXPECT_EQ(str(pp::whatif::normalized({{5, 8}, {0, 5}, {9, 9}, {12, 14}})), "[0,8)[12,14)");
  EXPECT_EQ(str(pp::whatif::united(a, {{10, 20}})), "[0,30)");
  EXPECT_EQ(str(pp::whatif::subtracted(a, {{5, 25}})), "[0,5)[25,30)");
  EXPECT_EQ(str(pp::whatif::subtracted(a, {{2, 3}, {4, 6}, {28, 40}})), "[0,2)[3,4)[6,10)[20,28)");
  EXPECT_EQ(str(pp::whatif::subtracted(a, {{-5, 50}})), "");
  EXPECT_EQ(str(pp::whatif::intersected(a, {{5, 25}, {29, 31}})), "[5,10)[20,25)[29,30)");
}

// Two orders over work centers A (1 unit, works always) and B (1 unit, a
// calendar of 8 hours a day for 10 days).
pp::planning::PlanInput two_orders() {
  pp::planning::PlanInput in;
  auto& pb = in.problem;
  pp::factory::Calendar cal;
  for (int d = 0; d < 10; ++d) cal.intervals.push_back({d * 24 * H + 8 * H, d * 24 * H + 16 * H});
  pb.calendars.push_back(cal);
  pb.work_centers.push_back({"A", 1, -1, true, 0, {}});
  pb.work_centers.push_back({"B", 1, 0, true, 0, {}});
  for (int o = 0; o < 2; ++o) {
    pp::factory::Order ord;
    ord.id = "O" + std::to_string(o + 1);
    ord.release = 0;
    ord.due = 30 * H;
    for (int w = 0; w < 2; ++w) {
      pp::factory::Operation op;
      op.alternatives.push_back({w, 4 * H});
      ord.operations.push_back(op);
    }
    pb.orders.push_back(ord);
    in.numbers.push_back({1, 2});
    in.operation_ids.push_back({"", ""});
    in.products.push_back(o == 0 ? "P1" : "P2");
  }
  return in;
}

Change change(ChangeType t, int position = 1) {
  Change c;
  c.type = t;
  c.position = position;
  return c;
}

TEST(ScenarioApply, DownRemovesWorkingTimeOfThatWorkCenterOnly) {
  auto in = two_orders();
  Change c = change(ChangeType::WorkCenterDown);
  c.work_center = "B";
  c.periods = {{8 * H, 24 * H + 12 * H}};
  const auto map = pp::whatif::apply_changes(in, {c}, -100 * H, 1000 * H);
  EXPECT_EQ(map.changed_work_centers, 1);
  const auto& pb = in.problem;
  ASSERT_EQ(pb.calendars.size(), 2u);  // B got its own copy
  EXPECT_EQ(pb.work_centers[1].calendar, 1);
  EXPECT_EQ(pb.calendars[0].intervals.size(), 10u);  // the shared one is untouched
  EXPECT_EQ(pb.calendars[1].intervals.front().start, 24 * H + 12 * H);
  EXPECT_EQ(pb.work_centers[0].calendar, -1);
}

TEST(ScenarioApply, CalendarForAllWorkCentersMakesAlwaysWorkingExplicit) {
  auto in = two_orders();
  Change c = change(ChangeType::Calendar);
  c.add = false;
  c.periods = {{0, 24 * H}};  // a holiday everywhere
  pp::whatif::apply_changes(in, {c}, -100 * H, 1000 * H);
  const auto& pb = in.problem;
  ASSERT_GE(pb.work_centers[0].calendar, 0);
  EXPECT_EQ(str(pb.calendars[pb.work_centers[0].calendar].intervals), "[-360000,0)[86400,3600000)");
  EXPECT_EQ(pb.calendars[pb.work_centers[1].calendar].intervals.front().start, 24 * H + 8 * H);
}

TEST(ScenarioApply, CapacityPeriodSplitsTheWorkCenterAndMapsBack) {
  auto in = two_orders();
  Change c = change(ChangeType::Capacity);
  c.work_center = "A";
  c.units_add = 1;
  c.periods = {{0, 8 * H}};
  const auto map = pp::whatif::apply_changes(in, {c}, -100 * H, 1000 * H);
  const auto& pb = in.problem;
  ASSERT_EQ(pb.work_centers.size(), 3u);
  EXPECT_EQ(pb.work_centers[2].id, "A");
  EXPECT_EQ(pb.work_centers[2].units, 1);
  EXPECT_EQ(str(pb.calendars[pb.work_centers[2].calendar].intervals), "[0,28800)");
  EXPECT_EQ(map.origin[2], 0);
  EXPECT_EQ(map.unit_offset[2], 1);
  ASSERT_EQ(pb.orders[0].operations[0].alternatives.size(), 2u);
  EXPECT_EQ(pb.orders[0].operations[0].alternatives[1].work_center, 2);

  // Both orders' first operations run in parallel on A's two units, mapped back to A #1 and A #2.
  pp::factory::FactoryOptions fo;
  fo.plan_start = 0;
  fo.rule = pp::factory::DispatchRule::Fifo;
  auto plan = pp::factory::plan_factory(in.problem, fo);
  pp::whatif::map_to_base(map, plan);
  int on_a = 0, units = 0;
  for (const auto& op : plan.operations)
    if (op.operation == 0) {
      EXPECT_EQ(op.work_center, 0);
      EXPECT_EQ(op.start, 0);
      ++on_a;
      units |= 1 << op.unit;
    }
  EXPECT_EQ(on_a, 2);
  EXPECT_EQ(units, 3);  // units 0 and 1
}

TEST(ScenarioApply, TwoAddedPeriodsGetTheirOwnUnitsAndDownStopsThemAll) {
  auto in = two_orders();
  Change a = change(ChangeType::Capacity, 1), b = change(ChangeType::Capacity, 2), d = change(ChangeType::WorkCenterDown, 3);
  a.work_center = b.work_center = d.work_center = "A";
  a.units_add = 1;
  a.periods = {{0, 8 * H}};
  b.units_add = 2;
  b.periods = {{4 * H, 12 * H}};
  d.periods = {{5 * H, 6 * H}};
  const auto map = pp::whatif::apply_changes(in, {a, b, d}, -100 * H, 1000 * H);
  const auto& pb = in.problem;
  ASSERT_EQ(pb.work_centers.size(), 4u);
  // A's own unit is #1; the first change's unit #2; the second change's units #3 and #4.
  EXPECT_EQ(map.unit_offset[2], 1);
  EXPECT_EQ(map.unit_offset[3], 2);
  EXPECT_EQ(pb.work_centers[3].units, 2);
  // The breakdown takes every entry of A down, the split-off ones included.
  EXPECT_EQ(str(pb.calendars[pb.work_centers[2].calendar].intervals), "[0,18000)[21600,28800)");
  EXPECT_EQ(str(pb.calendars[pb.work_centers[3].calendar].intervals), "[14400,18000)[21600,43200)");
  EXPECT_EQ(str(pb.calendars[pb.work_centers[0].calendar].intervals), "[-360000,18000)[21600,3600000)");
}

TEST(ScenarioApply, CapacityWithoutPeriodSetsUnitsAndRefusesBelowZero) {
  auto in = two_orders();
  Change c = change(ChangeType::Capacity, 3);
  c.work_center = "B";
  c.units_set = 4;
  pp::whatif::apply_changes(in, {c}, 0, 1000 * H);
  EXPECT_EQ(in.problem.work_centers[1].units, 4);
  Change d = change(ChangeType::Capacity, 2);
  d.work_center = "B";
  d.units_add = -5;
  try {
    pp::whatif::apply_changes(in, {d}, 0, 1000 * H);
    FAIL() << "expected an error";
  } catch (const pp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("change 2 (capacity): work center \"B\" has 4 units"), std::string::npos) << e.what();
  }
  Change u = change(ChangeType::WorkCenterDown, 7);
  u.work_center = "Z";
  EXPECT_THROW(pp::whatif::apply_changes(in, {u}, 0, 1000 * H), pp::Error);
}

TEST(ScenarioApply, DurationFactorOrderChangesAndCancel) {
  auto in = two_orders();
  Change f = change(ChangeType::DurationFactor);
  f.work_center = "B";
  f.product = "P2";
  f.factor = 0.5;
  Change o = change(ChangeType::Order, 2);
  o.order = "O1";
  o.due = 99 * H;
  o.priority = 3;
  o.quantity = 3;
  o.base_quantity = 2;
  const auto map = pp::whatif::apply_changes(in, {f, o}, 0, 1000 * H);
  const auto& pb = in.problem;
  EXPECT_EQ(pb.orders[1].operations[1].alternatives[0].duration, 2 * H);  // P2 on B halved
  EXPECT_EQ(pb.orders[1].operations[0].alternatives[0].duration, 4 * H);  // P2 on A kept
  EXPECT_EQ(pb.orders[0].operations[0].alternatives[0].duration, 6 * H);  // O1 x 3/2
  EXPECT_EQ(*pb.orders[0].due, 99 * H);
  EXPECT_EQ(pb.orders[0].weight, 3);
  EXPECT_EQ(map.changed_operations, 3);

  Change x = change(ChangeType::Order, 3);
  x.order = "O1";
  x.cancel = true;
  pp::whatif::apply_changes(in, {x}, 0, 1000 * H);
  ASSERT_EQ(in.problem.orders.size(), 1u);
  EXPECT_EQ(in.problem.orders[0].id, "O2");
  EXPECT_EQ(in.products.size(), 1u);
  EXPECT_EQ(in.numbers.size(), 1u);
}

// Found by fuzz_scenario: a duration factor of 1e6 then a quantity 1e9 times the
// base made end times saturate below their starts. Work scaled past the
// 100-year limit is refused, naming the change and the order.
TEST(ScenarioApply, WorkScaledPastTheLimitIsRefusedNamingTheChange) {
  auto in = two_orders();
  Change f = change(ChangeType::DurationFactor);
  f.work_center = "A";
  f.factor = 1e5;  // 4 h become 4.6 years: allowed
  Change o = change(ChangeType::Order, 2);
  o.order = "O2";
  o.quantity = 1;
  o.base_quantity = 1e-9;
  try {
    pp::whatif::apply_changes(in, {f, o}, 0, 1000 * H);
    FAIL() << "expected the quantity change to be refused";
  } catch (const pp::Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("what-if change 2 (order)"), std::string::npos) << m;
    EXPECT_NE(m.find("order O2"), std::string::npos) << m;
    EXPECT_NE(m.find("limit of 3153600000"), std::string::npos) << m;
  }
  auto ok = two_orders();  // the factor alone stays under the limit
  EXPECT_NO_THROW(pp::whatif::apply_changes(ok, {f}, 0, 1000 * H));
  Change huge = f;
  huge.factor = 1e300;  // past int64: refused, never llround's undefined result
  auto again = two_orders();
  EXPECT_THROW(pp::whatif::apply_changes(again, {huge}, 0, 1000 * H), pp::Error);
}

TEST(WarmStart, KeepsTheBaseSequenceAndPlacesNewWorkByReadyTime) {
  auto in = two_orders();
  pp::factory::FactoryOptions fo;
  fo.plan_start = 0;
  // Base plan: O2 before O1 on both work centers.
  std::vector<std::vector<double>> warm = {{10.0 * H, 20.0 * H}, {0.0, 9.0 * H}};
  fo.warm_start = &warm;
  const auto plan = pp::factory::plan_factory(in.problem, fo);
  EXPECT_TRUE(plan.warm_started);
  Time o1 = -1, o2 = -1;
  for (const auto& op : plan.operations)
    if (op.operation == 0) (op.order == 0 ? o1 : o2) = op.start;
  EXPECT_EQ(o2, 0);
  EXPECT_EQ(o1, 4 * H);
  // Same input, same plan (no randomness without a search budget).
  const auto again = pp::factory::plan_factory(in.problem, fo);
  for (std::size_t i = 0; i < plan.operations.size(); ++i) EXPECT_EQ(plan.operations[i].start, again.operations[i].start);

  // A new order (NaN keys) goes in by its ready time: before work keyed later.
  warm = {{10.0 * H, 20.0 * H}, {std::nan(""), std::nan("")}};
  const auto fresh = pp::factory::plan_factory(in.problem, fo);
  for (const auto& op : fresh.operations) {
    if (op.operation == 0 && op.order == 1) {
      EXPECT_EQ(op.start, 0);
    }
  }

  std::vector<std::vector<double>> wrong = {{1.0}};
  fo.warm_start = &wrong;
  EXPECT_THROW(pp::factory::plan_factory(in.problem, fo), pp::Error);
}

}  // namespace

}  // namespace test_whatif
