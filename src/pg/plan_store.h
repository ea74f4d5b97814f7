// Writing a plan's rows (core/planning/plan_output.h) and results. Shared by
// prodplan.plan() and prodplan.whatif(). Plain PostgreSQL code: call inside
// SPI from frames without live C++ objects (it can ereport).
#pragma once

#include "core/planning/plan_output.h"
#include "core/schedule/factory_plan.h"

#include <cstdint>
#include <string>

namespace pp::pg {

// Copies the planned operations, problems and orders of plan_id. The
// caller has called require_planned_operation_columns, before planning.
void store_plan_rows(const pp::planning::PlanOutput& out);

// Raises a clear error when prodplan.planned_operations lacks a column the
// library writes: the package was upgraded and ALTER EXTENSION prodplan
// UPDATE not yet run (COPY would only name an unknown column). Every writer
// of a plan's rows calls it first, before spending time on planning.
void require_planned_operation_columns(const char* who);

// The plant's product names and families (product_id, name, family) and
// work-center names (work_center_id, name), which a plan's lines carry
// (core/planning/plan_rows.h plan_names). plant is a text Datum. The tables
// live in the SPI context.
void read_plan_names(const char* who, std::uintptr_t plant, pp::planning::TextTable* products,
                     pp::planning::TextTable* work_centers);

// Copies planned-operation lines (core/planning/plan_rows.h) into
// prodplan.planned_operations (after require_planned_operation_columns).
void copy_planned_operations(const std::string& lines);

// Copies the standard times a plan was made with (PlanRows::standard_times:
// product_id, work_center_id, seconds, source) into prodplan.plan_standard_times.
void store_standard_times(std::int64_t plan_id, const pp::planning::TextTable& standard_times);

// Records the plan's results in its prodplan.plans row (objective values,
// rule, timings, problem count) and a 'created' entry in plan_history with
// `history` (a jsonb text) as detail. Times are seconds.
void record_plan_results(const char* who, std::int64_t plan_id, const pp::planning::PlanOutput& out,
                         const pp::factory::FactoryPlan& plan, double first_plan_seconds, double total_seconds,
                         const char* phases_json, const char* history_json);

}  // namespace pp::pg
