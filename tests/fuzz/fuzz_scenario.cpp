// libFuzzer target: what-if scenarios in the core. The bytes become up to 8
// changes of any type (known and unknown work centers, orders and products,
// up to 4 periods each inside and outside the calendars, unit counts below
// zero, factors and quantities from 0 to 1e300, due dates, priorities,
// cancels), applied in order to a small factory (3 work centers, one always
// working, one on a day-shift calendar, one with a setup-free flexible
// alternative; 3 orders of 2-3 operations). The SQL layer has checked the
// documents' types and expanded periods into [start, end) intervals with
// start < end; the fuzzer keeps to that. A pp::Error is an expected outcome
// (it names the change). What applies must then plan (each dispatching rule,
// a few improvement iterations) and map back to the base work centers:
// every operation placed on a unit is on a base work center, its setup,
// start and end in order, none before the plan start.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/common/errors.h"
#include "core/planning/plan_inputs.h"
#include "core/schedule/factory_planner.h"
#include "core/whatif/scenario_apply.h"

namespace {

using pp::factory::Time;
using pp::whatif::Change;
using pp::whatif::ChangeType;

constexpr Time H = 3600;

pp::planning::PlanInput base_factory() {
  pp::planning::PlanInput in;
  auto& pb = in.problem;
  pp::factory::Calendar cal;
  for (int d = 0; d < 20; ++d) cal.intervals.push_back({d * 24 * H + 8 * H, d * 24 * H + 16 * H});
  pb.calendars.push_back(cal);
  pb.work_centers.push_back({"A", 1, -1, true, 0, {}});
  pb.work_centers.push_back({"B", 2, 0, true, 0, {}});
  pb.work_centers.push_back({"C", 1, -1, true, 0, {}});
  for (int o = 0; o < 3; ++o) {
    pp::factory::Order ord;
    ord.id = "O" + std::to_string(o + 1);
    ord.release = o * H;
    ord.due = (20 + 10 * o) * H;
    ord.weight = 1 + o;
    for (int w = 0; w < 2 + o % 2; ++w) {
      pp::factory::Operation op;
      op.alternatives.push_back({w % 3, (2 + w) * H});
      if (w == 1) op.alternatives.push_back({2, 5 * H});
      ord.operations.push_back(op);
    }
    pb.orders.push_back(ord);
    in.numbers.push_back(std::vector<int>(ord.operations.size(), 1));
    in.operation_ids.push_back(std::vector<std::string>(ord.operations.size()));
    in.products.push_back(o == 2 ? "P2" : "P1");
  }
  return in;
}

const char* pick(FuzzedDataProvider& fdp, std::initializer_list<const char*> names) {
  const std::size_t i = fdp.ConsumeIntegralInRange<std::size_t>(0, names.size() - 1);
  return *(names.begin() + i);
}

double amount(FuzzedDataProvider& fdp) {
  static const double values[] = {0.0, 1e-300, 1e-9, 0.25, 0.5, 1.0, 2.0, 3.0, 1e6, 1e300, -1.0};
  return values[fdp.ConsumeIntegralInRange<std::size_t>(0, std::size(values) - 1)];
}

Change change(FuzzedDataProvider& fdp, int position) {
  Change c;
  c.position = position;
  c.type = static_cast<ChangeType>(fdp.ConsumeIntegralInRange<int>(0, 5));
  c.work_center = pick(fdp, {"A", "B", "C", "", "X"});
  c.product = pick(fdp, {"", "P1", "P2", "Q"});
  c.order = pick(fdp, {"O1", "O2", "O3", "Z"});
  const int periods = fdp.ConsumeIntegralInRange<int>(0, 4);
  for (int p = 0; p < periods; ++p) {
    Time a = fdp.ConsumeIntegralInRange<Time>(-200 * H, 1200 * H);
    Time b = a + fdp.ConsumeIntegralInRange<Time>(1, 300 * H);
    c.periods.push_back({a, b});
  }
  c.add = fdp.ConsumeBool();
  if (fdp.ConsumeBool()) c.units_set = fdp.ConsumeIntegralInRange<int>(-3, 5);
  if (fdp.ConsumeBool()) c.units_add = fdp.ConsumeIntegralInRange<int>(-3, 5);
  c.factor = amount(fdp);
  if (fdp.ConsumeBool()) c.quantity = amount(fdp);
  c.base_quantity = fdp.ConsumeBool() ? 1.0 : amount(fdp);
  if (fdp.ConsumeBool()) c.due = fdp.ConsumeIntegralInRange<Time>(-100 * H, 2000 * H);
  if (fdp.ConsumeBool()) c.priority = amount(fdp);
  c.cancel = fdp.ConsumeBool();
  return c;
}

// A finding prints what led to it before aborting, so its input explains
// itself without a debugger: the changes as applied, then every operation.
[[noreturn]] void fail(const char* what, const std::vector<Change>& changes, const pp::factory::FactoryPlan& plan) {
  std::fprintf(stderr, "fuzz_scenario invariant: %s\n", what);
  for (const auto& c : changes) {
    std::fprintf(stderr, "change %d type %d wc '%s' product '%s' order '%s' add %d factor %g base %g cancel %d",
                 c.position, static_cast<int>(c.type), c.work_center.c_str(), c.product.c_str(), c.order.c_str(),
                 c.add, c.factor, c.base_quantity, c.cancel);
    if (c.units_set) std::fprintf(stderr, " units_set %d", *c.units_set);
    if (c.units_add) std::fprintf(stderr, " units_add %d", *c.units_add);
    if (c.quantity) std::fprintf(stderr, " quantity %g", *c.quantity);
    if (c.due) std::fprintf(stderr, " due %lld", static_cast<long long>(*c.due));
    if (c.priority) std::fprintf(stderr, " priority %g", *c.priority);
    for (const auto& p : c.periods)
      std::fprintf(stderr, " [%lld,%lld)", static_cast<long long>(p.start), static_cast<long long>(p.end));
    std::fprintf(stderr, "\n");
  }
  for (const auto& op : plan.operations)
    std::fprintf(stderr, "op %d.%d wc %d unit %d setup_start %lld start %lld end %lld setup %lld fixed %d problem '%s'\n",
                 op.order, op.operation, op.work_center, op.unit, static_cast<long long>(op.setup_start),
                 static_cast<long long>(op.start), static_cast<long long>(op.end),
                 static_cast<long long>(op.setup_seconds), op.fixed, op.problem.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  std::vector<Change> changes;
  const int n = fdp.ConsumeIntegralInRange<int>(0, 8);
  for (int i = 0; i < n; ++i) changes.push_back(change(fdp, i + 1));
  auto in = base_factory();
  const std::size_t base_work_centers = in.problem.work_centers.size();
  pp::whatif::ScenarioMap map;
  try {
    map = pp::whatif::apply_changes(in, changes, -1000 * H, 5000 * H);
  } catch (const pp::Error&) {
    return 0;
  }
  pp::factory::FactoryOptions fo;
  fo.plan_start = 0;
  fo.rule = static_cast<pp::factory::DispatchRule>(fdp.ConsumeIntegralInRange<int>(0, 5));
  fo.max_iterations = fdp.ConsumeIntegralInRange<int>(0, 30);
  pp::factory::FactoryPlan plan;
  try {
    plan = pp::factory::plan_factory(in.problem, fo);
  } catch (const pp::Error&) {
    return 0;  // e.g. an operation no unit can ever do
  }
  pp::whatif::map_to_base(map, plan);
  for (const auto& op : plan.operations) {
    if (op.unit < 0) continue;  // not on a unit (no capacity): reported as a problem
    if (op.work_center < 0 || static_cast<std::size_t>(op.work_center) >= base_work_centers)
      fail("an operation on a unit is not on a base work center", changes, plan);
    if (!(op.setup_start <= op.start && op.start <= op.end) || op.setup_start < fo.plan_start)
      fail("setup, start and end out of order, or before the plan start", changes, plan);
  }
  return 0;
}
