// append_planned_operation (plan_rows.h).
#include "core/planning/plan_rows.h"

#include "core/common/civil_time.h"
#include "core/model/copy_rows.h"

#include <algorithm>
#include <tuple>

namespace pp::planning {

namespace {

std::optional<std::string> cell_text(const TextTable& t, std::int64_t r, int c) {
  const char* v = t.cell(r, c);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

void append_optional_text(std::string& out, const std::optional<std::string>& v) {
  if (v) model::append_copy_text(out, *v);
  else out += "\\N";
}

// Whether op writes a line: placed on a unit, of one of the problem's orders.
bool placed(const factory::PlannedOperation& op, std::size_t orders) {
  return op.work_center >= 0 && op.unit >= 0 && op.order >= 0 && static_cast<std::size_t>(op.order) < orders;
}

}  // namespace

PlanNames::Product PlanNames::product(const std::string& product_id) const {
  auto it = products.find(product_id);
  return it == products.end() ? Product{} : it->second;
}

std::optional<std::string> PlanNames::work_center(const std::string& work_center_id) const {
  auto it = work_centers.find(work_center_id);
  return it == work_centers.end() ? std::nullopt : it->second;
}

PlanNames plan_names(const TextTable& products, const TextTable& work_centers) {
  PlanNames n;
  for (std::int64_t r = 0; r < products.rows; ++r)
    if (products.cell(r, 0) != nullptr)
      n.products[products.cell(r, 0)] = {cell_text(products, r, 1), cell_text(products, r, 2)};
  for (std::int64_t r = 0; r < work_centers.rows; ++r)
    if (work_centers.cell(r, 0) != nullptr) n.work_centers[work_centers.cell(r, 0)] = cell_text(work_centers, r, 1);
  return n;
}

std::vector<std::size_t> chart_order(const factory::FactoryProblem& problem,
                                     const std::vector<factory::PlannedOperation>& ops) {
  std::vector<std::size_t> idx;
  idx.reserve(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (placed(ops[i], problem.orders.size())) idx.push_back(i);
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    const factory::PlannedOperation& x = ops[a];
    const factory::PlannedOperation& y = ops[b];
    if (x.work_center != y.work_center) {
      const int c = problem.work_centers[x.work_center].id.compare(problem.work_centers[y.work_center].id);
      if (c != 0) return c < 0;
    }
    return std::tie(x.unit, x.start, problem.orders[x.order].id, x.operation) <
           std::tie(y.unit, y.start, problem.orders[y.order].id, y.operation);
  });
  return idx;
}

std::vector<std::int64_t> order_ends(const factory::FactoryProblem& problem,
                                     const std::vector<factory::PlannedOperation>& ops) {
  std::vector<std::int64_t> ends(problem.orders.size(), 0);
  std::vector<bool> seen(problem.orders.size(), false);
  for (const factory::PlannedOperation& op : ops) {
    if (!placed(op, ends.size())) continue;
    ends[op.order] = seen[op.order] ? std::max(ends[op.order], op.end) : op.end;
    seen[op.order] = true;
  }
  return ends;
}

std::vector<int> order_heads(const factory::FactoryProblem& problem, const std::vector<factory::PlannedOperation>& ops,
                             const std::vector<std::vector<int>>& numbers) {
  std::vector<int> heads(problem.orders.size(), -1);
  // The SQL's ORDER BY is_fixed, start_at, operation: false sorts first.
  auto key = [&](const factory::PlannedOperation& op) {
    return std::make_tuple(op.fixed, op.start, numbers[op.order][op.operation]);
  };
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const factory::PlannedOperation& op = ops[i];
    if (!placed(op, heads.size())) continue;
    int& h = heads[op.order];
    if (h < 0 || key(op) < key(ops[h])) h = static_cast<int>(i);
  }
  return heads;
}

void append_planned_operation(std::string& out, const std::string& plan_id, const factory::FactoryProblem& problem,
                              const factory::PlannedOperation& op, int number, const std::string& operation_id,
                              const PlannedOrder& order, std::int64_t order_end,
                              const std::optional<std::string>& work_center_name, bool order_head) {
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
  out += '\t';
  append_optional_text(out, order.product_name);
  out += '\t';
  append_optional_text(out, order.family);
  out += '\t';
  append_optional_text(out, work_center_name);
  out += order_head ? "\tt\n" : "\tf\n";
}

}  // namespace pp::planning
