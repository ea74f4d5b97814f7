// rebuild_plan (plan_rebuild.h).
#include "core/planning/plan_rebuild.h"

#include "core/common/errors.h"
#include "core/planning/text_cells.h"
#include "core/schedule/calendar_timeline.h"

#include <cstdlib>
#include <unordered_map>

namespace pp::planning {

using cells::flag_of;
using cells::int_of;
using cells::real_of;
using cells::str;

StoredPlan rebuild_plan(const StoredPlanRows& rows, const std::string& order_id, int operation,
                        const std::string& new_work_center) {
  StoredPlan out;
  // Work centers and calendars exactly as a plan reads them.
  PlanRows base;
  base.work_centers = rows.work_centers;
  base.working_time = rows.working_time;
  base.setup_matrix = rows.setup_matrix;
  base.alternatives = TextTable{};
  base.orders = TextTable{};
  base.operations = TextTable{};
  base.routing = TextTable{};
  base.standard_times = TextTable{};
  base.frozen = TextTable{};
  PlanInput skeleton = build_plan_input(base, 0);
  factory::FactoryProblem& pb = out.problem;
  pb.calendars = std::move(skeleton.problem.calendars);
  pb.work_centers = std::move(skeleton.problem.work_centers);
  std::unordered_map<std::string, int> wc_index;
  for (std::size_t w = 0; w < pb.work_centers.size(); ++w) wc_index.emplace(pb.work_centers[w].id, static_cast<int>(w));
  std::vector<factory::CalendarTimeline> timelines;
  for (const auto& wc : pb.work_centers)
    timelines.push_back(wc.calendar < 0 ? factory::CalendarTimeline()
                                        : factory::CalendarTimeline(pb.calendars[wc.calendar].intervals));

  std::unordered_map<std::string, std::int64_t> order_row;
  for (std::int64_t r = 0; r < rows.orders.rows; ++r) order_row.emplace(str(rows.orders.cell(r, 0)), r);

  std::string current;
  for (std::int64_t r = 0; r < rows.operations.rows; ++r) {
    const std::string oid = str(rows.operations.cell(r, 0));
    if (oid != current) {
      current = oid;
      factory::Order order;
      order.id = oid;
      auto it = order_row.find(oid);
      if (it != order_row.end()) {
        order.release = int_of(rows.orders.cell(it->second, 1));
        if (rows.orders.cell(it->second, 2) != nullptr) order.due = int_of(rows.orders.cell(it->second, 2));
        order.weight = real_of(rows.orders.cell(it->second, 3), 1.0);
        order.family = str(rows.orders.cell(it->second, 4));
      }
      pb.orders.push_back(std::move(order));
      out.numbers.emplace_back();
      out.operation_ids.emplace_back();
    }
    const int o = static_cast<int>(pb.orders.size()) - 1;
    const int k = static_cast<int>(pb.orders[o].operations.size());
    const std::string wc_id = str(rows.operations.cell(r, 3));
    auto wc = wc_index.find(wc_id);
    if (wc == wc_index.end())
      throw_invalid("planned operation " + oid + "/" + str(rows.operations.cell(r, 1)) + " is on work center " + wc_id +
                    ", which no longer exists");
    const int w = wc->second;
    const std::int64_t work = int_of(rows.operations.cell(r, 8));
    factory::Operation op;
    op.alternatives.push_back({w, work});
    op.duration_source = str(rows.operations.cell(r, 9));
    factory::PlannedOperation p;
    p.order = o;
    p.operation = k;
    p.work_center = w;
    p.unit = static_cast<int>(int_of(rows.operations.cell(r, 4), 1)) - 1;
    p.setup_start = int_of(rows.operations.cell(r, 5));
    p.end = int_of(rows.operations.cell(r, 6));
    p.setup_seconds = int_of(rows.operations.cell(r, 7));
    p.start = rows.operations.cols > 11 && rows.operations.cell(r, 11) != nullptr ? int_of(rows.operations.cell(r, 11))
              : p.setup_seconds > 0 ? timelines[w].finish(p.setup_start, p.setup_seconds)
                                    : p.setup_start;
    p.duration_source = op.duration_source;
    p.fixed = flag_of(rows.operations.cell(r, 10));
    if (p.fixed) op.fixed = factory::FixedPlacement{w, p.unit, p.setup_start, p.end};
    const int number = static_cast<int>(int_of(rows.operations.cell(r, 1)));
    if (oid == order_id && number == operation) {
      out.moved_order = o;
      out.moved_operation = k;
      if (!new_work_center.empty() && new_work_center != wc_id) {
        auto nw = wc_index.find(new_work_center);
        double factor = 0;
        for (std::int64_t a = 0; a < rows.alternatives.rows; ++a)
          if (str(rows.alternatives.cell(a, 0)) == wc_id && str(rows.alternatives.cell(a, 1)) == new_work_center)
            factor = real_of(rows.alternatives.cell(a, 2), 1.0);
        if (nw == wc_index.end() || factor <= 0)
          throw_invalid("work center " + new_work_center + " is not an alternative of " + wc_id + " for operation " +
                            std::to_string(operation) + " of order " + order_id,
                        "alternatives are listed in prodplan.alternative_work_center");
        op.alternatives.push_back({nw->second, static_cast<std::int64_t>(static_cast<double>(work) * factor + 0.5)});
        out.new_work_center = nw->second;
      }
    }
    pb.orders[o].operations.push_back(std::move(op));
    out.numbers[o].push_back(number);
    out.operation_ids[o].push_back(str(rows.operations.cell(r, 2)));
    out.plan.operations.push_back(p);
  }
  if (out.moved_order < 0)
    throw_invalid("the plan has no operation " + std::to_string(operation) + " of order " + order_id,
                  "planned operations are listed in prodplan.planned_operations (operation = the routing sequence)");
  return out;
}

}  // namespace pp::planning
