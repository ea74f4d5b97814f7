// The rows a plan writes: one COPY line of prodplan.planned_operations per
// placed operation, in the column order of kPlannedOperationColumns. Shared
// by prodplan.plan() and prodplan.move_operation(), which write the same rows.
#pragma once
#include "core/common/core_only.h"
#include "core/schedule/factory_plan.h"
#include "core/schedule/factory_problem.h"

#include <string>

namespace pp::planning {

inline constexpr const char* kPlannedOperationColumns[] = {
    "plan_id",  "order_id", "operation",     "operation_id",  "work_center_id",  "unit",    "setup_start_at",
    "start_at", "end_at",   "setup_minutes", "work_minutes", "duration_source", "is_fixed"};
inline constexpr int kPlannedOperationColumnCount = 13;

// Appends op's line (op must be on a unit). number is its operation number in
// the order, operation_id the shop-floor operation it continues ("" none).
// work_minutes is the chosen alternative's duration (fixed work: its span).
void append_planned_operation(std::string& out, const std::string& plan_id, const factory::FactoryProblem& problem,
                              const factory::PlannedOperation& op, int number, const std::string& operation_id);

}  // namespace pp::planning
