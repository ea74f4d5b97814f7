// build_plan_input: the rows a plan reads become the scheduler's problem.
#include "core/common/errors.h"
#include "core/planning/plan_inputs.h"
#include "core/planning/plan_output.h"
#include "core/planning/plan_rebuild.h"
#include "core/planning/plan_rows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace test_plan_inputs {

namespace {

// A text table from rows of cells ("\\N" is NULL).
struct Rows {
  std::vector<std::string> text;
  std::vector<const char*> cells;
  pp::planning::TextTable table(std::initializer_list<std::vector<std::string>> rows) {
    text.clear();
    int cols = 0;
    for (const auto& r : rows) {
      cols = static_cast<int>(r.size());
      for (const auto& c : r) text.push_back(c);
    }
    cells.clear();
    for (const auto& c : text) cells.push_back(c == "\\N" ? nullptr : c.c_str());
    pp::planning::TextTable t;
    t.rows = static_cast<std::int64_t>(rows.size());
    t.cols = cols;
    t.cells = cells.data();
    return t;
  }
};

constexpr std::int64_t kStart = 1'700'000'000;  // plan start (Unix seconds)

TEST(PlanInputs, RemainingWorkStartedWorkRoutingsAndProblems) {
  Rows wc, cal, ord, ops, rt, st, alt, fz, sm;
  pp::planning::PlanRows rows;
  rows.work_centers = wc.table({{"A", "2", "", "t", "0"}, {"B", "1", "", "f", "600"}});
  rows.working_time = cal.table({});
  rows.setup_matrix = sm.table({});
  rows.alternatives = alt.table({{"A", "B", "1.5"}});
  rows.orders = ord.table({{"O1", "P1", "1699990000", "1700100000", "2", "Kayak"},
                           {"O2", "P1", "1699990000", "\\N", "1", ""},
                           {"O3", "P9", "1699990000", "\\N", "1", ""}});
  // O1: op 1 done, op 2 started an hour before the plan start, op 3 not started on an
  // unknown work center. O2 and O3 have no shop-floor operations.
  rows.operations = ops.table({{"O1", "op1", "1", "A", "1699980000", "t"},
                               {"O1", "op2", "2", "B", std::to_string(kStart - 3600), "f"},
                               {"O1", "op3", "3", "Z", "\\N", "f"}});
  rows.routing = rt.table({{"P1", "10", "A"}, {"P1", "20", "B"}});
  rows.standard_times = st.table({{"P1", "A", "7200", "history"}, {"P1", "B", "5400", "coefficient"}});
  rows.frozen = fz.table({});
  const pp::planning::PlanInput in = pp::planning::build_plan_input(rows, kStart);
  const auto& pb = in.problem;
  ASSERT_EQ(pb.orders.size(), 2u);  // O3: no operations and no routing
  ASSERT_EQ(in.order_problems.size(), 1u);
  EXPECT_EQ(in.order_problems[0].order_id, "O3");
  EXPECT_EQ(in.order_problems[0].problem, "no_routing");

  const auto& o1 = pb.orders[0];
  EXPECT_EQ(o1.id, "O1");
  EXPECT_DOUBLE_EQ(o1.weight, 2.0);
  EXPECT_EQ(o1.family, "Kayak");
  ASSERT_TRUE(o1.due.has_value());
  ASSERT_EQ(o1.operations.size(), 2u);  // the finished op1 is not planned
  EXPECT_EQ(in.numbers[0], (std::vector<int>{2, 3}));
  EXPECT_EQ(in.operation_ids[0], (std::vector<std::string>{"op2", "op3"}));
  // Started: fixed on B, unit 0, ending when what remains of 5400 s is done
  // (an hour of it is done; B has no calendar, so it works always).
  const auto& started = o1.operations[0];
  ASSERT_TRUE(started.fixed.has_value());
  EXPECT_EQ(started.fixed->work_center, 1);
  EXPECT_EQ(started.fixed->unit, 0);
  EXPECT_EQ(started.fixed->start, kStart - 3600);
  EXPECT_EQ(started.fixed->end, kStart + 1800);
  EXPECT_EQ(started.duration_source, "in_progress");
  // Unknown work center: no alternative, flagged.
  EXPECT_TRUE(o1.operations[1].alternatives.empty());
  EXPECT_TRUE(o1.operations[1].has_problem);

  // O2 from the routing: A (with its alternative B at 1.5x), then B.
  const auto& o2 = pb.orders[1];
  EXPECT_FALSE(o2.due.has_value());
  ASSERT_EQ(o2.operations.size(), 2u);
  EXPECT_EQ(in.numbers[1], (std::vector<int>{10, 20}));
  ASSERT_EQ(o2.operations[0].alternatives.size(), 2u);
  EXPECT_EQ(o2.operations[0].alternatives[0].duration, 7200);
  EXPECT_EQ(o2.operations[0].alternatives[1].work_center, 1);
  EXPECT_EQ(o2.operations[0].alternatives[1].duration, 10800);
  EXPECT_EQ(o2.operations[0].duration_source, "history");
  EXPECT_EQ(o2.operations[1].duration_source, "coefficient");
  EXPECT_FALSE(pb.work_centers[1].resumable);
  EXPECT_EQ(pb.work_centers[1].default_setup_seconds, 600);
}

TEST(PlanInputs, MissingStandardTimesAndFrozenSlots) {
  Rows wc, cal, ord, ops, rt, st, alt, fz, sm;
  pp::planning::PlanRows rows;
  rows.work_centers = wc.table({{"A", "1", "CAL", "t", "0"}});
  rows.working_time = cal.table({{"CAL", std::to_string(kStart), std::to_string(kStart + 8 * 3600)}});
  rows.setup_matrix = sm.table({{"A", "Kayak", "Canoe", "900"}});
  rows.alternatives = alt.table({});
  rows.orders = ord.table({{"O1", "P2", "1699990000", "\\N", "1", "Kayak"}});
  rows.operations = ops.table({});
  rows.routing = rt.table({{"P2", "1", "A"}, {"P2", "2", "A"}});
  rows.standard_times = st.table({{"P1", "A", "100", "history"}, {"P1", "B", "300", "history"},
                                  {"P3", "A", "200", "history"}});
  rows.frozen = fz.table({{"O1", "2", "A", "1", std::to_string(kStart + 600), std::to_string(kStart + 900)}});
  const pp::planning::PlanInput in = pp::planning::build_plan_input(rows, kStart);
  ASSERT_EQ(in.problem.orders.size(), 1u);
  const auto& ops1 = in.problem.orders[0].operations;
  // No standard time for P2: the median of the others (200 s), flagged.
  EXPECT_EQ(ops1[0].alternatives[0].duration, 200);
  EXPECT_EQ(ops1[0].duration_source, "median_standard");
  EXPECT_TRUE(ops1[0].has_problem);
  // Operation 2 is in the released plan's frozen window: it keeps its slot.
  ASSERT_TRUE(ops1[1].fixed.has_value());
  EXPECT_EQ(ops1[1].fixed->start, kStart + 600);
  EXPECT_EQ(ops1[1].fixed->unit, 0);
  EXPECT_EQ(ops1[1].duration_source, "frozen");
  EXPECT_EQ(in.problem.work_centers[0].calendar, 0);
  EXPECT_EQ(in.problem.calendars[0].intervals.size(), 1u);
  ASSERT_EQ(in.problem.work_centers[0].setup_matrix.size(), 1u);
  EXPECT_EQ(in.problem.work_centers[0].setup_matrix[0].seconds, 900);
}

}  // namespace

namespace {

// A stored plan rebuilt for a manual move: operations keep their work center,
// unit and duration; the moved one may also go to a listed alternative.
TEST(PlanRebuild, StoredPlanForAMove) {
  Rows wc, cal, sm, alt, ord, ops;
  pp::planning::StoredPlanRows rows;
  rows.work_centers = wc.table({{"A", "1", "", "t", "0"}, {"B", "1", "", "t", "0"}, {"C", "1", "", "t", "0"}});
  rows.working_time = cal.table({});
  rows.setup_matrix = sm.table({});
  rows.alternatives = alt.table({{"A", "B", "2"}});
  rows.orders = ord.table({{"O1", "1699990000", "\\N", "1", "Kayak"}});
  rows.operations = ops.table({{"O1", "10", "op10", "A", "1", std::to_string(kStart), std::to_string(kStart + 600), "0", "600", "history", "f"},
                               {"O1", "20", "\\N", "C", "1", std::to_string(kStart + 600), std::to_string(kStart + 900), "0", "300", "history", "t"}});
  pp::planning::StoredPlan sp = pp::planning::rebuild_plan(rows, "O1", 10, "B");
  EXPECT_EQ(sp.moved_order, 0);
  EXPECT_EQ(sp.moved_operation, 0);
  EXPECT_EQ(sp.new_work_center, 1);
  ASSERT_EQ(sp.problem.orders[0].operations[0].alternatives.size(), 2u);
  EXPECT_EQ(sp.problem.orders[0].operations[0].alternatives[1].duration, 1200);  // 600 s x 2
  EXPECT_TRUE(sp.problem.orders[0].operations[1].fixed.has_value());
  EXPECT_EQ(sp.plan.operations.size(), 2u);
  EXPECT_EQ(sp.numbers[0], (std::vector<int>{10, 20}));
  EXPECT_EQ(sp.operation_ids[0], (std::vector<std::string>{"op10", ""}));
  EXPECT_THROW(pp::planning::rebuild_plan(rows, "O1", 10, "C"), pp::Error);   // not an alternative
  EXPECT_THROW(pp::planning::rebuild_plan(rows, "O1", 30, ""), pp::Error);    // no such operation
  EXPECT_EQ(pp::planning::rebuild_plan(rows, "O1", 20, "").new_work_center, -1);
}

}  // namespace

namespace {

TEST(PlanRows, OnePlannedOperationLine) {
  pp::factory::FactoryProblem pb;
  pb.work_centers.push_back({});
  pb.work_centers[0].id = "W\t1";
  pp::factory::Order o;
  o.id = "O1";
  pp::factory::Operation op;
  op.alternatives.push_back({0, 5400});
  o.operations.push_back(op);
  pb.orders.push_back(o);
  pp::factory::PlannedOperation p;
  p.order = 0;
  p.operation = 0;
  p.work_center = 0;
  p.unit = 1;
  p.setup_start = kStart;
  p.start = kStart + 600;
  p.end = kStart + 600 + 5400;
  p.setup_seconds = 600;
  p.duration_source = "history";
  std::string line;
  pp::planning::append_planned_operation(line, "7", pb, p, 20, "", {"P\\1", kStart + 86400, "Bolt\n8", ""},
                                         p.end + 3600, std::string("Press"), true);
  EXPECT_EQ(line,
            "7\tO1\t20\t\\N\tW\\t1\t2\t2023-11-14 22:13:20+00\t2023-11-14 22:23:20+00\t2023-11-14 23:53:20+00\t"
            "10.000000\t90.000000\thistory\tf\tP\\\\1\t2023-11-15 22:13:20+00\t2023-11-15 00:53:20+00\t"
            "Bolt\\n8\t\tPress\tt\n");
  // One field per column, the names last (an empty family is '', not NULL).
  EXPECT_EQ(std::count(line.begin(), line.end(), '\t'), pp::planning::kPlannedOperationColumnCount - 1);
  // An order without product or due date, names unknown: all NULL.
  line.clear();
  pp::planning::append_planned_operation(line, "7", pb, p, 20, "op", {}, p.end, std::nullopt, false);
  EXPECT_EQ(line.substr(line.find("history")),
            "history\tf\t\\N\t\\N\t2023-11-14 23:53:20+00\t\\N\t\\N\t\\N\tf\n");
}

TEST(PlanRows, NamesFromThePlantsRowsNullStaysNone) {
  const char* products[] = {"P1", "Bolt", "F1", "P2", nullptr, nullptr};
  const char* work_centers[] = {"W1", "Press", "W2", nullptr};
  const pp::planning::TextTable pt{2, 3, products};
  const pp::planning::TextTable wt{2, 2, work_centers};
  const pp::planning::PlanNames n = pp::planning::plan_names(pt, wt);
  EXPECT_EQ(n.product("P1").name, std::optional<std::string>("Bolt"));
  EXPECT_EQ(n.product("P1").family, std::optional<std::string>("F1"));
  EXPECT_FALSE(n.product("P2").name.has_value());
  EXPECT_FALSE(n.product("P2").family.has_value());
  EXPECT_FALSE(n.product("no such").name.has_value());
  EXPECT_EQ(n.work_center("W1"), std::optional<std::string>("Press"));
  EXPECT_FALSE(n.work_center("W2").has_value());
  EXPECT_FALSE(n.work_center("no such").has_value());
}

TEST(PlanRows, ChartOrderIsWorkCenterUnitStartAndSkipsUnplaced) {
  pp::factory::FactoryProblem pb;
  pb.work_centers.resize(2);
  pb.work_centers[0].id = "W2";
  pb.work_centers[1].id = "W10";  // bytewise "W10" < "W2", whatever the index order
  pb.orders.resize(2);
  pb.orders[0].id = "B";
  pb.orders[1].id = "A";
  auto op = [](int order, int operation, int wc, int unit, std::int64_t start) {
    pp::factory::PlannedOperation p;
    p.order = order;
    p.operation = operation;
    p.work_center = wc;
    p.unit = unit;
    p.start = start;
    return p;
  };
  const std::vector<pp::factory::PlannedOperation> ops = {
      op(0, 0, 0, 0, 50),  // 0: W2 #1 @50
      op(0, 1, 1, 1, 10),  // 1: W10 #2 @10
      op(1, 0, 0, 0, 20),  // 2: W2 #1 @20
      op(1, 1, -1, -1, 0), // 3: not placed
      op(1, 2, 1, 0, 90),  // 4: W10 #1 @90
      op(0, 2, 0, 0, 20),  // 5: W2 #1 @20, order B after order A at the same start
  };
  EXPECT_EQ(pp::planning::chart_order(pb, ops), (std::vector<std::size_t>{4, 1, 2, 5, 0}));
}

TEST(PlanRows, FormatPlanWritesChartOrderWithThePlansNames) {
  pp::planning::PlanInput in;
  auto& pb = in.problem;
  pb.work_centers.resize(2);
  pb.work_centers[0].id = "W2";
  pb.work_centers[1].id = "W1";
  pb.orders.resize(2);
  pb.orders[0].id = "O1";
  pb.orders[1].id = "O2";
  for (auto& o : pb.orders) o.operations.resize(1);
  in.numbers = {{10}, {10}};
  in.operation_ids = {{""}, {""}};
  in.products = {"P1", "P9"};
  auto placed = [](int order, int wc, std::int64_t start) {
    pp::factory::PlannedOperation p;
    p.order = order;
    p.operation = 0;
    p.work_center = wc;
    p.unit = 0;
    p.setup_start = p.start = start;
    p.end = start + 60;
    return p;
  };
  pp::factory::FactoryPlan plan;
  plan.operations = {placed(0, 0, kStart), placed(1, 1, kStart + 600)};  // scheduler order: W2, then W1
  const char* products[] = {"P1", "Bolt", "F1"};
  const char* work_centers[] = {"W1", "Press", "W2", nullptr};
  const pp::planning::PlanOutput out = pp::planning::format_plan(
      "7", in, plan, kStart, nullptr,
      pp::planning::plan_names(pp::planning::TextTable{1, 3, products}, pp::planning::TextTable{2, 2, work_centers}));
  const std::string& c = out.operations_copy;
  const std::size_t nl = c.find('\n');
  ASSERT_NE(nl, std::string::npos);
  // W1's bar first; P9 is no product of the plant and W2 has no name: NULL.
  const std::string first = c.substr(0, nl + 1), second = c.substr(nl + 1);
  EXPECT_TRUE(first.starts_with("7\tO2\t10\t")) << first;
  EXPECT_TRUE(first.ends_with("\tP9\t\\N\t2023-11-14 22:24:20+00\t\\N\t\\N\tPress\tt\n")) << first;
  EXPECT_TRUE(second.starts_with("7\tO1\t10\t")) << second;
  EXPECT_TRUE(second.ends_with("\tP1\t\\N\t2023-11-14 22:14:20+00\tBolt\tF1\t\\N\tt\n")) << second;
}

TEST(PlanRows, OrderHeadIsTheFirstUnfixedByStartThenNumberElseTheFirstFixed) {
  pp::factory::FactoryProblem pb;
  pb.work_centers.resize(1);
  pb.orders.resize(4);
  for (auto& o : pb.orders) o.operations.resize(3);
  // Operation numbers as the routing numbers them: not the operations' indices' order.
  const std::vector<std::vector<int>> numbers = {{10, 20, 30}, {30, 20, 10}, {10, 20, 30}, {10, 20, 30}};
  auto op = [](int order, int operation, bool fixed, std::int64_t start, int unit = 0) {
    pp::factory::PlannedOperation p;
    p.order = order;
    p.operation = operation;
    p.work_center = unit < 0 ? -1 : 0;
    p.unit = unit;
    p.fixed = fixed;
    p.start = start;
    return p;
  };
  const std::vector<pp::factory::PlannedOperation> ops = {
      op(0, 0, true, 10),       // 0: order 0's fixed work comes first in time ...
      op(0, 1, false, 50),      // 1: ... its first unfixed one is the head
      op(0, 2, false, 90),      // 2
      op(1, 0, false, 40),      // 3: order 1: two unfixed at the same start, number 30 ...
      op(1, 2, false, 40),      // 4: ... and number 10: the head
      op(2, 0, true, 30),       // 5: order 2, all fixed: the first by start
      op(2, 1, true, 20),       // 6
      op(3, 0, false, 5, -1),   // 7: order 3's only operation is not placed: no head
  };
  EXPECT_EQ(pp::planning::order_heads(pb, ops, numbers), (std::vector<int>{1, 4, 6, -1}));
}

TEST(PlanRows, OrderEndsIsTheLastPlacedEndPerOrder) {
  pp::factory::FactoryProblem pb;
  pb.orders.resize(3);
  auto placed = [](int order, std::int64_t end, int unit) {
    pp::factory::PlannedOperation p;
    p.order = order;
    p.work_center = 0;
    p.unit = unit;
    p.end = end;
    return p;
  };
  // Order 0: the later end wins whatever the order of the operations; order
  // 1: its unplaced operation (unit -1) does not count, even if later; order
  // 2: nothing placed. Times before 1970 are times like any other.
  const std::vector<pp::factory::PlannedOperation> ops = {placed(0, 500, 0), placed(1, -7200, 0), placed(0, 900, 1),
                                                          placed(0, 700, 0), placed(1, 99999, -1)};
  EXPECT_EQ(pp::planning::order_ends(pb, ops), (std::vector<std::int64_t>{900, -7200, 0}));
}

}  // namespace

}  // namespace test_plan_inputs
