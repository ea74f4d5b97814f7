// prodplan.move_operation(plan_id, order_id, operation, new_start, work_center):
// a planner's manual drag on the Gantt. The plan is rebuilt from its rows
// (core/planning/plan_rebuild.h), the core moves the operation and pushes
// whatever conflicts or follows to the right (core/schedule/factory_repair.h),
// and the plan's rows (and its released slots, if released) are rewritten.
// The move is recorded in prodplan.plan_history.
#include "core/common/civil_time.h"
#include "core/common/json_text.h"
#include "core/model/copy_rows.h"
#include "core/planning/plan_rows.h"
#include "core/planning/plan_rebuild.h"
#include "core/schedule/factory_repair.h"
#include "pg/boundary.h"
#include "pg/plan_resources.h"
#include "pg/plan_store.h"
#include "pg/spi_text.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "pg/pg_includes.h"

extern "C" {
PGDLLEXPORT Datum prodplan_move_operation(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_move_operation);
}

using pp::pg::fetch_text_table;
using pp::pg::pp_call;

namespace {

struct MoveRun {
  pp::planning::StoredPlanRows rows;
  // order_id, product_id, due (Unix s), product_name, family: as the plan saw them
  pp::planning::TextTable order_facts;
  // work_center_id, name: as the plan's rows carry it, else the current one
  pp::planning::TextTable work_center_names;
  pp::planning::StoredPlan stored;
  pp::factory::FactoryPlan moved;
  std::string copy, summary;
};

// Per order of the rebuilt problem, its product, due date and the product's
// name and family as the plan saw them (the plan's own rows say; the move
// changes none of them).
std::vector<pp::planning::PlannedOrder> planned_orders(const pp::planning::TextTable& facts,
                                                       const pp::factory::FactoryProblem& pb) {
  std::unordered_map<std::string, pp::planning::PlannedOrder> by_id;
  for (std::int64_t r = 0; r < facts.rows; ++r) {
    pp::planning::PlannedOrder o;
    if (facts.cell(r, 1) != nullptr) o.product_id = facts.cell(r, 1);
    if (facts.cell(r, 2) != nullptr) o.due = std::strtoll(facts.cell(r, 2), nullptr, 10);
    if (facts.cell(r, 3) != nullptr) o.product_name = facts.cell(r, 3);
    if (facts.cell(r, 4) != nullptr) o.family = facts.cell(r, 4);
    by_id.emplace(facts.cell(r, 0), std::move(o));
  }
  std::vector<pp::planning::PlannedOrder> out(pb.orders.size());
  for (std::size_t o = 0; o < pb.orders.size(); ++o) {
    auto it = by_id.find(pb.orders[o].id);
    if (it != by_id.end()) out[o] = it->second;
  }
  return out;
}

}  // namespace

Datum prodplan_move_operation(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                    errmsg("prodplan.move_operation: plan_id, order_id, operation and new_start are required")));
  const int64 plan_id = PG_GETARG_INT64(0);
  char* order_id = text_to_cstring(PG_GETARG_TEXT_PP(1));
  const int32 operation = PG_GETARG_INT32(2);
  const TimestampTz new_start_ts = PG_GETARG_TIMESTAMPTZ(3);
  char* new_wc = PG_ARGISNULL(4) ? pstrdup("") : text_to_cstring(PG_GETARG_TEXT_PP(4));
  const int64 new_start = (int64)(new_start_ts / USECS_PER_SEC) + 946684800;  // Unix seconds
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prodplan.move_operation: SPI_connect failed");
  pp::pg::require_planned_operation_columns("prodplan.move_operation");

  // The plan, locked against concurrent moves and releases.
  Oid t1[1] = {INT8OID};
  Datum v1[1] = {Int64GetDatum(plan_id)};
  if (SPI_execute_with_args("SELECT plant_id, extract(epoch FROM plan_start)::bigint, objective, status "
                            "FROM prodplan.plans WHERE plan_id = $1 FOR UPDATE",
                            1, t1, v1, NULL, false, 1) != SPI_OK_SELECT)
    elog(ERROR, "prodplan.move_operation: could not read the plan");
  if (SPI_processed != 1)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.move_operation: no plan " INT64_FORMAT, plan_id),
                    errhint("Plans are listed in prodplan.plans.")));
  char* plant = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
  const int64 plan_start = strtoll(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2), NULL, 10);
  char* objective = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
  char* status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4);
  if (strcmp(status, "superseded") == 0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.move_operation: plan " INT64_FORMAT " is superseded", plan_id),
                    errhint("Move operations of the released plan or of a proposed one.")));
  // A scenario's plan stands on changed calendars, capacities and orders
  // that only its changes describe; repairing it against the base data
  // would mix the two.
  if (strcmp(status, "scenario") == 0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.move_operation: plan " INT64_FORMAT " is a what-if scenario", plan_id),
                    errhint("Add the move's effect to the scenario's changes, or move operations of a plan made by "
                            "prodplan.plan().")));

  MoveRun* volatile run = nullptr;
  Datum result = (Datum)0;
  PG_TRY();
  {
    pp_call("move_operation", [&] { run = new MoveRun(); });
    Oid t2[2] = {TEXTOID, INT8OID};
    Datum v2[2] = {CStringGetTextDatum(plant), Int64GetDatum(plan_id)};
    pp::planning::StoredPlanRows& rows = run->rows;
    pp::pg::read_plant_resources("prodplan.move_operation", v2[0], &rows.work_centers, &rows.setup_matrix, &rows.alternatives);
    rows.working_time = fetch_text_table("prodplan.move_operation",
        "SELECT calendar_id, extract(epoch FROM starts_at)::bigint, extract(epoch FROM ends_at)::bigint "
        "FROM prodplan.working_time($1, (SELECT least(min(setup_start_at), (SELECT plan_start FROM prodplan.plans WHERE plan_id = $2)) "
        "FROM prodplan.planned_operations WHERE plan_id = $2) - interval '31 days', "
        "(SELECT max(end_at) FROM prodplan.planned_operations WHERE plan_id = $2) + interval '365 days')",
        2, t2, v2);
    // Release up, due date down, to whole seconds, as the planner reads them (plan_read.cpp).
    rows.orders = fetch_text_table("prodplan.move_operation",
        "SELECT o.order_id, ceil(extract(epoch FROM o.created_at))::bigint, floor(extract(epoch FROM o.due_at))::bigint, o.priority, "
        "coalesce(p.family, '') FROM prodplan.production_order o LEFT JOIN prodplan.product p "
        "ON p.plant_id = o.plant_id AND p.product_id = o.product_id WHERE o.plant_id = $1 "
        "AND o.order_id IN (SELECT order_id FROM prodplan.planned_operations WHERE plan_id = $2)", 2, t2, v2);
    rows.operations = fetch_text_table("prodplan.move_operation",
        "SELECT order_id, operation, operation_id, work_center_id, unit, extract(epoch FROM setup_start_at)::bigint, "
        "extract(epoch FROM end_at)::bigint, round(setup_minutes * 60)::bigint, round(work_minutes * 60)::bigint, "
        "duration_source, is_fixed, extract(epoch FROM start_at)::bigint FROM prodplan.planned_operations "
        "WHERE plan_id = $2 ORDER BY order_id, operation",
        2, t2, v2);
    run->order_facts = fetch_text_table("prodplan.move_operation",
        "SELECT DISTINCT ON (order_id) order_id, product_id, floor(extract(epoch FROM due_at))::bigint, product_name, family "
        "FROM prodplan.planned_operations WHERE plan_id = $2 ORDER BY order_id",
        2, t2, v2);
    // A bar moved to a work center the plan had no bar on gets its current name.
    run->work_center_names = fetch_text_table("prodplan.move_operation",
        "SELECT w.work_center_id, coalesce((SELECT po.work_center_name FROM prodplan.planned_operations po "
        "WHERE po.plan_id = $2 AND po.work_center_id = w.work_center_id AND po.work_center_name IS NOT NULL LIMIT 1), "
        "w.name) FROM prodplan.work_center w WHERE w.plant_id = $1",
        2, t2, v2);

    const std::string pid = std::to_string(plan_id);
    pp_call("move_operation", [&] {
      MoveRun& m = *run;
      m.stored = pp::planning::rebuild_plan(m.rows, order_id, operation, new_wc);
      pp::factory::FactoryOptions fo;
      fo.plan_start = plan_start;
      const auto obj = pp::factory::parse_objective(objective);
      if (obj) fo.objective = *obj;
      fo.cancel = &cancel;
      std::optional<int> wc;
      if (m.stored.new_work_center >= 0) wc = m.stored.new_work_center;
      m.moved = pp::factory::move_operation(m.stored.problem, m.stored.plan, m.stored.moved_order,
                                            m.stored.moved_operation, new_start, wc, fo);
      // Rows of the repaired plan, and what moved.
      const auto& pb = m.stored.problem;
      const std::vector<pp::planning::PlannedOrder> facts = planned_orders(m.order_facts, pb);
      const std::vector<std::int64_t> ends = pp::planning::order_ends(pb, m.moved.operations);
      const std::vector<int> heads = pp::planning::order_heads(pb, m.moved.operations, m.stored.numbers);
      const pp::planning::PlanNames names = pp::planning::plan_names(pp::planning::TextTable{}, m.work_center_names);
      int pushed = 0;
      const pp::factory::PlannedOperation* before = nullptr;
      const pp::factory::PlannedOperation* after = nullptr;
      for (std::size_t i = 0; i < m.moved.operations.size(); ++i) {
        const auto& n = m.moved.operations[i];
        const auto& o = m.stored.plan.operations[i];
        const bool is_moved = n.order == m.stored.moved_order && n.operation == m.stored.moved_operation;
        if (is_moved) {
          before = &o;
          after = &n;
        } else if (n.setup_start != o.setup_start || n.end != o.end || n.unit != o.unit) {
          ++pushed;
        }
      }
      for (std::size_t i : pp::planning::chart_order(pb, m.moved.operations)) {
        const auto& n = m.moved.operations[i];
        pp::planning::append_planned_operation(m.copy, pid, pb, n, m.stored.numbers[n.order][n.operation],
                                               m.stored.operation_ids[n.order][n.operation], facts[n.order],
                                               ends[n.order], names.work_center(pb.work_centers[n.work_center].id),
                                               heads[n.order] == static_cast<int>(i));
      }
      auto when = [](std::int64_t t) {
        std::string s = "\"";
        pp::append_timestamptz(s, t);
        return s + "\"";
      };
      std::string& j = m.summary;
      j = "{\"order_id\": ";
      pp::append_json_string(j, order_id);
      j += ", \"operation\": " + std::to_string(operation) + ", \"from\": {\"work_center_id\": ";
      pp::append_json_string(j, pb.work_centers[before->work_center].id);
      j += ", \"unit\": " + std::to_string(before->unit + 1) + ", \"start_at\": " + when(before->start) +
           "}, \"to\": {\"work_center_id\": ";
      pp::append_json_string(j, pb.work_centers[after->work_center].id);
      j += ", \"unit\": " + std::to_string(after->unit + 1) + ", \"setup_start_at\": " + when(after->setup_start) +
           ", \"start_at\": " + when(after->start) + ", \"end_at\": " + when(after->end) +
           "}, \"requested_start_at\": " + when(new_start) + ", \"pushed_operations\": " + std::to_string(pushed) + "}";
    });

    // Rewrite the plan's rows; a released plan's slots follow (the exclusion
    // constraint checks them again).
    if (SPI_execute_with_args("DELETE FROM prodplan.planned_operations WHERE plan_id = $2", 2, t2, v2, NULL, false, 0) !=
        SPI_OK_DELETE)
      elog(ERROR, "prodplan.move_operation: could not rewrite the plan");
    pp::pg::copy_planned_operations(run->copy);
    if (strcmp(status, "released") == 0) {
      // Two statements: within one, the insert would still see the rows the
      // delete removes.
      if (SPI_execute_with_args("DELETE FROM prodplan.released_slots WHERE plan_id = $2", 2, t2, v2, NULL, false, 0) !=
              SPI_OK_DELETE ||
          SPI_execute_with_args(
              "INSERT INTO prodplan.released_slots (plant_id, work_center_id, unit, start_at, end_at, plan_id, order_id, "
              "operation, axis, slot) SELECT $1, work_center_id, unit, setup_start_at, end_at, plan_id, order_id, "
              "operation, 0, 'empty' FROM prodplan.planned_operations WHERE plan_id = $2 AND end_at > setup_start_at",
              2, t2, v2, NULL, false, 0) != SPI_OK_INSERT)
        elog(ERROR, "prodplan.move_operation: could not rewrite the released slots");
    }
    Oid t3[2] = {INT8OID, TEXTOID};
    Datum v3[2] = {Int64GetDatum(plan_id), CStringGetTextDatum(run->summary.c_str())};
    if (SPI_execute_with_args("INSERT INTO prodplan.plan_history (plan_id, action, detail) VALUES ($1, 'moved', $2::jsonb)",
                              2, t3, v3, NULL, false, 0) != SPI_OK_INSERT)
      elog(ERROR, "prodplan.move_operation: could not record the move");
    result = DirectFunctionCall1(jsonb_in, CStringGetDatum(run->summary.c_str()));
  }
  PG_FINALLY();
  {
    delete run;
  }
  PG_END_TRY();
  // The jsonb was built in SPI's memory: copy it out before SPI_finish frees it.
  result = SPI_datumTransfer(result, false, -1);
  SPI_finish();
  PG_RETURN_DATUM(result);
}
