// Rebuilding a stored plan (prodplan.planned_operations) as the scheduler's
// problem and plan, so that a planner's manual move can be repaired by the
// core (core/schedule/factory_repair.h): every planned operation keeps its
// work center and duration, fixed ones stay fixed, and the moved operation
// may also go to an alternative work center of its own.
#pragma once
#include "core/common/core_only.h"
#include "core/planning/plan_inputs.h"
#include "core/schedule/factory_plan.h"
#include "core/schedule/factory_problem.h"

#include <string>
#include <vector>

namespace pp::planning {

struct StoredPlanRows {
  TextTable work_centers;   // as PlanRows::work_centers
  TextTable working_time;   // as PlanRows::working_time
  TextTable setup_matrix;   // as PlanRows::setup_matrix
  TextTable alternatives;   // as PlanRows::alternatives
  // order_id, created_at, due_at (NULL none), priority, family ('' none): the plan's orders
  TextTable orders;
  // order_id, operation, operation_id (NULL), work_center_id, unit (1-based), setup_start_at, end_at,
  // setup_seconds, work_seconds, duration_source, is_fixed (t/f), start_at; by order_id, operation
  TextTable operations;
};

struct StoredPlan {
  factory::FactoryProblem problem;
  factory::FactoryPlan plan;
  std::vector<std::vector<int>> numbers;               // [order][op] operation number
  std::vector<std::vector<std::string>> operation_ids;  // [order][op] shop-floor id or ""
  int moved_order = -1, moved_operation = -1;           // indexes of the operation to move
  int new_work_center = -1;                             // its new work center's index, -1 = stays
};

// Throws pp::Error(InvalidParameter) when the plan has no such operation, or
// new_work_center (non-empty) is neither the operation's work center nor one
// of its alternatives (prodplan.alternative_work_center).
StoredPlan rebuild_plan(const StoredPlanRows& rows, const std::string& order_id, int operation,
                        const std::string& new_work_center);

}  // namespace pp::planning
