#include "pg/plan_store.h"

#include "core/planning/plan_rows.h"
#include "pg/copy_into.h"

#include "pg/pg_includes.h"

namespace pp::pg {

void store_plan_rows(const pp::planning::PlanOutput& out) {
  if (!out.operations_copy.empty())
    copy_into_table("planned_operations", pp::planning::kPlannedOperationColumns,
                    pp::planning::kPlannedOperationColumnCount, out.operations_copy.data(), out.operations_copy.size());
  if (!out.problems_copy.empty())
    copy_into_table("plan_problems", pp::planning::kPlanProblemColumns, pp::planning::kPlanProblemColumnCount,
                    out.problems_copy.data(), out.problems_copy.size());
  if (!out.orders_copy.empty())
    copy_into_table("plan_orders", pp::planning::kPlanOrderColumns, pp::planning::kPlanOrderColumnCount,
                    out.orders_copy.data(), out.orders_copy.size());
}

void record_plan_results(const char* who, std::int64_t plan_id, const pp::planning::PlanOutput& out,
                         const pp::factory::FactoryPlan& plan, double first_plan_seconds, double total_seconds,
                         const char* phases_json, const char* history_json) {
  Oid tu[8] = {INT8OID, TEXTOID, TEXTOID, FLOAT8OID, FLOAT8OID, INT8OID, INT4OID, TEXTOID};
  Datum vu[8] = {Int64GetDatum(plan_id),
                 CStringGetTextDatum(out.summary_json.c_str()),
                 CStringGetTextDatum(out.rule_name.c_str()),
                 Float8GetDatum(first_plan_seconds),
                 Float8GetDatum(total_seconds),
                 Int64GetDatum(plan.iterations),
                 Int32GetDatum(out.problem_count),
                 CStringGetTextDatum(phases_json)};
  if (SPI_execute_with_args("UPDATE prodplan.plans SET objective_values = $2::jsonb, rule = $3, "
                            "first_plan_seconds = $4, total_seconds = $5, iterations = $6, problem_count = $7, "
                            "phase_seconds = $8::jsonb WHERE plan_id = $1",
                            8, tu, vu, NULL, false, 0) != SPI_OK_UPDATE)
    elog(ERROR, "%s: could not record the plan's results", who);
  Oid th[2] = {INT8OID, TEXTOID};
  Datum vh[2] = {Int64GetDatum(plan_id), CStringGetTextDatum(history_json)};
  if (SPI_execute_with_args("INSERT INTO prodplan.plan_history (plan_id, action, detail) VALUES ($1, 'created', $2::jsonb)",
                            2, th, vh, NULL, false, 0) != SPI_OK_INSERT)
    elog(ERROR, "%s: could not record the plan's history", who);
}

}  // namespace pp::pg
