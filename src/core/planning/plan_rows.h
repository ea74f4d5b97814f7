// The rows a plan writes: one COPY line of prodplan.planned_operations per
// placed operation, in the column order of kPlannedOperationColumns. Shared
// by prodplan.plan() and prodplan.move_operation(), which write the same rows.
// Each line also carries its order's product, due date and planned end, so
// prodplan.gantt reads a bar from its own row (0.15.0: reading them through
// joins and a per-order aggregate halved the Gantt's throughput under load).
#pragma once
#include "core/common/core_only.h"
#include "core/schedule/factory_plan.h"
#include "core/schedule/factory_problem.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pp::planning {

inline constexpr const char* kPlannedOperationColumns[] = {
    "plan_id",  "order_id", "operation",     "operation_id",  "work_center_id",  "unit",    "setup_start_at",
    "start_at", "end_at",   "setup_minutes", "work_minutes", "duration_source", "is_fixed",
    "product_id", "due_at", "order_end_at"};
inline constexpr int kPlannedOperationColumnCount = 16;

// The order as the plan saw it, repeated on each of its lines: its product
// ("" none) and due date (Unix seconds; none when the order has none).
struct PlannedOrder {
  std::string product_id;
  std::optional<std::int64_t> due;
};

// Per order of problem, the end (Unix seconds) of its last operation placed
// on a unit in ops; 0 for an order with none placed (it writes no line).
std::vector<std::int64_t> order_ends(const factory::FactoryProblem& problem,
                                     const std::vector<factory::PlannedOperation>& ops);

// Appends op's line (op must be on a unit). number is its operation number in
// the order, operation_id the shop-floor operation it continues ("" none).
// work_minutes is the chosen alternative's duration (fixed work: its span).
// order_end is order_ends()[op.order].
void append_planned_operation(std::string& out, const std::string& plan_id, const factory::FactoryProblem& problem,
                              const factory::PlannedOperation& op, int number, const std::string& operation_id,
                              const PlannedOrder& order, std::int64_t order_end);

}  // namespace pp::planning
