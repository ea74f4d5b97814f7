// Everything a plan writes besides its id, formatted in C++ so the SQL layer
// only copies text: the planned operations (plan_rows.h), the problems, one
// row per planned order (prodplan.plan_orders: the order as the plan saw it,
// so a what-if's changed due dates and hypothetical orders are kept with the
// plan), and the objective summary of prodplan.plans.objective_values.
// Shared by prodplan.plan() and prodplan.whatif().
#pragma once
#include "core/common/core_only.h"

#include "core/planning/plan_inputs.h"
#include "core/planning/plan_rows.h"
#include "core/schedule/factory_plan.h"

#include <cstdint>
#include <string>
#include <unordered_set>

namespace pp::planning {

inline constexpr const char* kPlanProblemColumns[] = {"plan_id", "order_id", "operation", "work_center_id", "problem",
                                                      "detail"};
inline constexpr int kPlanProblemColumnCount = 6;
inline constexpr const char* kPlanOrderColumns[] = {"plan_id", "order_id", "product_id", "released_at", "due_at",
                                                    "priority", "hypothetical"};
inline constexpr int kPlanOrderColumnCount = 7;

struct PlanOutput {
  std::string operations_copy;  // COPY text of prodplan.planned_operations
  std::string problems_copy;    // of prodplan.plan_problems
  std::string orders_copy;      // of prodplan.plan_orders
  std::string summary_json;     // prodplan.plans.objective_values
  std::string rule_name;        // the rule the plan came from ("warm_start" for a warm-started what-if)
  int problem_count = 0;
};

// plan_start is Unix seconds. hypothetical: ids of orders that exist only in
// this plan (a what-if's rush orders); may be null. names: the product and
// work-center names the planned operations carry (plan_rows.h).
PlanOutput format_plan(const std::string& plan_id, const PlanInput& input, const factory::FactoryPlan& plan,
                       std::int64_t plan_start, const std::unordered_set<std::string>* hypothetical,
                       const PlanNames& names);

}  // namespace pp::planning
