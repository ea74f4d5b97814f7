#include "pg/plan_store.h"

#include "core/common/version.h"
#include "core/planning/plan_rows.h"
#include "pg/copy_into.h"
#include "pg/spi_text.h"

#include "pg/pg_includes.h"

namespace pp::pg {

void require_planned_operation_columns(const char* who) {
  Oid relid = get_relname_relid("planned_operations", get_namespace_oid("prodplan", false));
  for (int c = 0; c < pp::planning::kPlannedOperationColumnCount; c++)
    if (!OidIsValid(relid) || get_attnum(relid, pp::planning::kPlannedOperationColumns[c]) == InvalidAttrNumber)
      ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                      errmsg("%s: prodplan.planned_operations has no column %s: the extension's SQL objects are older "
                             "than its library (" PRODPLAN_VERSION ")",
                             who, pp::planning::kPlannedOperationColumns[c]),
                      errhint("Run ALTER EXTENSION prodplan UPDATE.")));
}

void read_plan_names(const char* who, std::uintptr_t plant, pp::planning::TextTable* products,
                     pp::planning::TextTable* work_centers) {
  unsigned int types[1] = {TEXTOID};
  std::uintptr_t values[1] = {plant};
  *products = fetch_text_table(who, "SELECT product_id, name, family FROM prodplan.product WHERE plant_id = $1", 1,
                               types, values);
  *work_centers = fetch_text_table(who, "SELECT work_center_id, name FROM prodplan.work_center WHERE plant_id = $1",
                                   1, types, values);
}

void copy_planned_operations(const std::string& lines) {
  if (lines.empty()) return;
  copy_into_table("planned_operations", pp::planning::kPlannedOperationColumns,
                  pp::planning::kPlannedOperationColumnCount, lines.data(), lines.size());
}

void store_plan_rows(const pp::planning::PlanOutput& out) {
  copy_planned_operations(out.operations_copy);
  if (!out.problems_copy.empty())
    copy_into_table("plan_problems", pp::planning::kPlanProblemColumns, pp::planning::kPlanProblemColumnCount,
                    out.problems_copy.data(), out.problems_copy.size());
  if (!out.orders_copy.empty())
    copy_into_table("plan_orders", pp::planning::kPlanOrderColumns, pp::planning::kPlanOrderColumnCount,
                    out.orders_copy.data(), out.orders_copy.size());
}

namespace {

// One COPY text field: backslash, tab, newline and carriage return escaped.
void append_copy_field(StringInfo buf, const char* v) {
  for (const char* c = v; *c; c++) {
    switch (*c) {
      case '\\': appendStringInfoString(buf, "\\\\"); break;
      case '\t': appendStringInfoString(buf, "\\t"); break;
      case '\n': appendStringInfoString(buf, "\\n"); break;
      case '\r': appendStringInfoString(buf, "\\r"); break;
      default: appendStringInfoChar(buf, *c);
    }
  }
}

}  // namespace

void store_standard_times(std::int64_t plan_id, const pp::planning::TextTable& t) {
  static const char* const columns[] = {"plan_id", "product_id", "work_center_id", "seconds", "source"};
  StringInfoData buf;
  initStringInfo(&buf);
  for (std::int64_t r = 0; r < t.rows; r++) {
    if (t.cell(r, 0) == nullptr || t.cell(r, 1) == nullptr || t.cell(r, 2) == nullptr || t.cell(r, 3) == nullptr) continue;
    appendStringInfo(&buf, INT64_FORMAT "\t", (int64)plan_id);
    for (int c = 0; c < 4; c++) {
      append_copy_field(&buf, t.cell(r, c));
      appendStringInfoChar(&buf, c < 3 ? '\t' : '\n');
    }
  }
  if (buf.len > 0) copy_into_table("plan_standard_times", columns, 5, buf.data, (std::size_t)buf.len);
  pfree(buf.data);
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
