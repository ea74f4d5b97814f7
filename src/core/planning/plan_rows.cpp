// append_planned_operation (plan_rows.h).
#include "core/planning/plan_rows.h"

#include "core/common/civil_time.h"
#include "core/model/copy_rows.h"

#include <algorithm>

namespace pp::planning {

std::vector<std::int64_t> order_ends(const factory::FactoryProblem& problem,
                                     const std::vector<factory::PlannedOperation>& ops) {
  std::vector<std::int64_t> ends(problem.orders.size(), 0);
  std::vector<bool> seen(problem.orders.size(), false);
  for (const factory::PlannedOperation& op : ops) {
    if (op.work_center < 0 || op.unit < 0 || op.order < 0 || static_cast<std::size_t>(op.order) >= ends.size()) continue;
    ends[op.order] = seen[op.order] ? std::max(ends[op.order], op.end) : op.end;
    seen[op.order] = true;
  }
  return ends;
}

void append_planned_operation(std::string& out, const std::string& plan_id, const factory::FactoryProblem& problem,
                              const factory::PlannedOperation& op, int number, const std::string& operation_id,
                              const PlannedOrder& order, std::int64_t order_end) {
  std::int64_t work = op.end - op.start;
  if (!op.fixed)
    for (const auto& a : problem.orders[op.order].operations[op.operation].alternatives)
      if (a.work_center == op.work_center) work = a.duration;
  out += plan_id;
  out += '\t';
  model::append_copy_text(out, problem.orders[op.order].id);
  out += '\t' + std::to_string(number) + '\t';
  if (operation_id.empty()) out += "\\N";
  else model::append_copy_text(out, operation_id);
  out += '\t';
  model::append_copy_text(out, problem.work_centers[op.work_center].id);
  out += '\t' + std::to_string(op.unit + 1) + '\t';
  // Fixed work carries no setup of its own: it starts where it starts.
  append_timestamptz(out, op.fixed ? op.start : op.setup_start);
  out += '\t';
  append_timestamptz(out, op.start);
  out += '\t';
  append_timestamptz(out, op.end);
  out += '\t' + std::to_string(static_cast<double>(op.setup_seconds) / 60.0) + '\t' +
         std::to_string(static_cast<double>(work) / 60.0) + '\t';
  model::append_copy_text(out, op.duration_source);
  out += op.fixed ? "\tt\t" : "\tf\t";
  if (order.product_id.empty()) out += "\\N";
  else model::append_copy_text(out, order.product_id);
  out += '\t';
  if (order.due) append_timestamptz(out, *order.due);
  else out += "\\N";
  out += '\t';
  append_timestamptz(out, order_end);
  out += '\n';
}

}  // namespace pp::planning
