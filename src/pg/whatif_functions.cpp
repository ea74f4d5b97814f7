// prodplan.whatif_plan(base_plan, changes, options, changes_hash,
// data_version): the engine behind prodplan.whatif() (which checks the
// options, finds the base plan and returns a stored scenario when the same
// one exists for the same data). Reads what the base plan read, applies the
// changes to the problem in memory (core/whatif/scenario_apply.h), re-plans
// warm-started from the base plan's sequence, and stores the result as a plan
// with status 'scenario'. Nothing but the plan's own rows is written.
#include "core/common/errors.h"
#include "core/planning/plan_inputs.h"
#include "core/planning/plan_output.h"
#include "core/schedule/factory_planner.h"
#include "core/whatif/change_rows.h"
#include "core/whatif/scenario_apply.h"
#include "pg/boundary.h"
#include "pg/gucs.h"
#include "pg/heavy_guard.h"
#include "pg/plan_read.h"
#include "pg/plan_store.h"
#include "pg/spi_text.h"

#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <unordered_set>

#include "pg/pg_includes.h"

extern "C" {
#include "utils/json.h"
PGDLLEXPORT Datum prodplan_whatif_plan(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_whatif_plan);
}

using pp::pg::fetch_text_table;
using pp::pg::pp_call;

namespace {

struct WhatifRun {
  pp::planning::PlanRows rows;
  pp::planning::TextTable changes, base_ops;
  pp::planning::PlanInput input;
  pp::whatif::ScenarioMap map;
  pp::factory::FactoryPlan plan;
  pp::planning::TextTable product_names, work_center_names;
  pp::planning::PlanOutput out;
};

std::int64_t int_of(const char* s) { return std::strtoll(s, nullptr, 10); }

}  // namespace

Datum prodplan_whatif_plan(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("prodplan.whatif_plan: every argument is required")));
  const int64 base_plan = PG_GETARG_INT64(0);
  Datum changes = PG_GETARG_DATUM(1);
  Jsonb* options = PG_GETARG_JSONB_P(2);
  Datum changes_hash = PG_GETARG_DATUM(3);
  const int64 data_version = PG_GETARG_INT64(4);
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();
  instr_time t0;
  INSTR_TIME_SET_CURRENT(t0);
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prodplan.whatif: SPI_connect failed");
  // Before any planning: a library newer than the extension's SQL objects
  // could not write the plan it spent its time limit on.
  pp::pg::require_planned_operation_columns("prodplan.whatif");

  // The base plan and the settings it was made with.
  Oid tb[2] = {INT8OID, JSONBOID};
  Datum vb[2] = {Int64GetDatum(base_plan), PointerGetDatum(options)};
  if (SPI_execute_with_args(
          "SELECT p.plant_id, extract(epoch FROM p.plan_start)::bigint, "
          "coalesce((p.options->>'horizon_days')::float8, 90), coalesce((p.options->>'frozen_hours')::float8, 0), "
          "p.objective, p.status, coalesce(($2->>'time_limit_ms')::int, 100), coalesce(($2->>'max_iterations')::bigint, 0), "
          "coalesce(($2->>'seed')::bigint, 1) FROM prodplan.plans p WHERE p.plan_id = $1",
          2, tb, vb, NULL, true, 1) != SPI_OK_SELECT)
    elog(ERROR, "prodplan.whatif: could not read the base plan");
  if (SPI_processed != 1)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("prodplan.whatif: no plan " INT64_FORMAT, base_plan)));
  HeapTuple bt = SPI_tuptable->vals[0];
  TupleDesc bd = SPI_tuptable->tupdesc;
  bool isnull;
  char* plant = SPI_getvalue(bt, bd, 1);
  const int64 plan_start = DatumGetInt64(SPI_getbinval(bt, bd, 2, &isnull));
  const double horizon_days = DatumGetFloat8(SPI_getbinval(bt, bd, 3, &isnull));
  const double frozen_hours = DatumGetFloat8(SPI_getbinval(bt, bd, 4, &isnull));
  char* objective = SPI_getvalue(bt, bd, 5);
  char* status = SPI_getvalue(bt, bd, 6);
  const int time_limit_ms = DatumGetInt32(SPI_getbinval(bt, bd, 7, &isnull));
  const int64 max_iterations = DatumGetInt64(SPI_getbinval(bt, bd, 8, &isnull));
  const int64 seed = DatumGetInt64(SPI_getbinval(bt, bd, 9, &isnull));
  if (strcmp(status, "scenario") == 0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.whatif: plan " INT64_FORMAT " is itself a scenario", base_plan),
                    errhint("Give a plan made by prodplan.plan() as the base, with every change in one array.")));
  if (time_limit_ms < 0 || max_iterations < 0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.whatif: time_limit_ms and max_iterations must be >= 0")));
  const int64 horizon_end = plan_start + (int64)(horizon_days * 86400.0);

  WhatifRun* volatile st = nullptr;
  int64 plan_id = 0;
  PG_TRY();
  {
    pp::pg::heavy_enter("whatif");
    pp_call("whatif", [&] { st = new WhatifRun(); });
    Oid tc[3] = {TEXTOID, JSONBOID, INT8OID};
    Datum vc[3] = {CStringGetTextDatum(plant), changes, Int64GetDatum(plan_start)};
    // Checked and expanded (prodplan.whatif_changes raises the errors that
    // name a bad field); rush orders go into the rows read.
    st->changes = fetch_text_table("prodplan.whatif",
        "SELECT item, type, work_center, product, order_id, periods, add, units_set, units_add, factor, "
        "quantity, base_quantity, due, priority, cancel, rule FROM prodplan.whatif_changes($1, $2, $3) ORDER BY item",
        3, tc, vc);
    // The rush orders, as read_plan_rows takes them (columns of whatif_changes:
    // 1 type, 3 product, 4 order_id, 12 due, 13 priority).
    StringInfoData rj;
    initStringInfo(&rj);
    appendStringInfoChar(&rj, '[');
    for (int64 r = 0; r < st->changes.rows; r++) {
      if (strcmp(st->changes.cell(r, 1), "rush_order") != 0) continue;
      if (rj.len > 1) appendStringInfoString(&rj, ", ");
      appendStringInfoString(&rj, "{\"order_id\": ");
      escape_json(&rj, st->changes.cell(r, 4));
      appendStringInfoString(&rj, ", \"product_id\": ");
      escape_json(&rj, st->changes.cell(r, 3));
      appendStringInfo(&rj, ", \"due\": %s, \"priority\": %s}", st->changes.cell(r, 12) ? st->changes.cell(r, 12) : "null",
                       st->changes.cell(r, 13) ? st->changes.cell(r, 13) : "1");
    }
    appendStringInfoChar(&rj, ']');
    Datum rush = DirectFunctionCall1(jsonb_in, CStringGetDatum(rj.data));
    // The base plan's standard times hold while the data version is its own
    // and the scenario brings no product the base plan did not have.
    int64 reuse = 0;
    {
      Oid tr[2] = {INT8OID, JSONBOID};
      Datum vr[2] = {Int64GetDatum(base_plan), rush};
      if (SPI_execute_with_args(
              "SELECT p.data_version = (SELECT d.version FROM prodplan.data_version d) "
              "AND EXISTS (SELECT 1 FROM prodplan.plan_standard_times s WHERE s.plan_id = $1) "
              "AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($2) r(product_id text) WHERE NOT EXISTS "
              "  (SELECT 1 FROM prodplan.plan_orders o WHERE o.plan_id = $1 AND o.product_id = r.product_id)) "
              "FROM prodplan.plans p WHERE p.plan_id = $1",
              2, tr, vr, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
        elog(ERROR, "prodplan.whatif: could not check the base plan's standard times");
      bool n;
      Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &n);
      if (!n && DatumGetBool(d)) reuse = base_plan;
    }
    pp::pg::read_plan_rows("prodplan.whatif", vc[0], plan_start, horizon_end, frozen_hours, rush, reuse, &st->rows);
    pp::pg::read_plan_names("prodplan.whatif", vc[0], &st->product_names, &st->work_center_names);
    st->base_ops = fetch_text_table("prodplan.whatif",
        "SELECT order_id, operation, extract(epoch FROM start_at)::float8 FROM prodplan.planned_operations "
        "WHERE plan_id = $1", 1, tb, vb);
    {
      Oid ti[8] = {TEXTOID, INT8OID, JSONBOID, TEXTOID, INT8OID, JSONBOID, TEXTOID, INT8OID};
      Datum vi[8] = {vc[0], Int64GetDatum(plan_start), PointerGetDatum(options), CStringGetTextDatum(objective),
                     Int64GetDatum(base_plan), changes, changes_hash, Int64GetDatum(data_version)};
      if (SPI_execute_with_args(
              "INSERT INTO prodplan.plans (plant_id, plan_start, options, objective, status, base_plan_id, changes, "
              "changes_hash, data_version) VALUES ($1, to_timestamp($2), $3, $4, 'scenario', $5, $6, $7, $8) RETURNING plan_id",
              8, ti, vi, NULL, false, 1) != SPI_OK_INSERT_RETURNING)
        elog(ERROR, "prodplan.whatif: could not record the scenario");
      plan_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    }
    instr_time t1;
    INSTR_TIME_SET_CURRENT(t1);
    INSTR_TIME_SUBTRACT(t1, t0);
    const double read_seconds = INSTR_TIME_GET_DOUBLE(t1);

    pp_call("whatif", [&] {
      WhatifRun& s = *st;
      s.input = pp::planning::build_plan_input(s.rows, plan_start);
      std::string rule;
      const std::vector<pp::whatif::Change> cs = pp::whatif::changes_from_rows(s.changes, &rule);
      // A calendar that "works always" becomes explicit over the rows' span.
      s.map = pp::whatif::apply_changes(s.input, cs, plan_start - 31 * 86400, horizon_end + 365 * 86400);
      std::unordered_set<std::string> hypothetical;
      for (const auto& c : cs)
        if (c.type == pp::whatif::ChangeType::RushOrder) hypothetical.insert(c.order);

      pp::factory::FactoryOptions fo;
      fo.plan_start = plan_start;
      const auto obj = pp::factory::parse_objective(objective);
      if (!obj) pp::throw_invalid(std::string("the base plan's objective \"") + objective + "\" is unknown");
      fo.objective = *obj;
      fo.time_limit_ms = time_limit_ms;
      fo.max_iterations = max_iterations;
      fo.seed = (std::uint64_t)seed;
      fo.horizon_end = horizon_end;
      fo.cancel = &cancel;
      // Warm start from the base plan's sequence, unless the scenario asks
      // for a dispatching rule (or a full optimisation) instead.
      std::vector<std::vector<double>> warm;
      if (rule.empty()) {
        std::map<std::pair<std::string, int>, double> base;
        for (std::int64_t r = 0; r < s.base_ops.rows; ++r)
          base[{s.base_ops.cell(r, 0), static_cast<int>(int_of(s.base_ops.cell(r, 1)))}] =
              std::strtod(s.base_ops.cell(r, 2), nullptr);
        const auto& orders = s.input.problem.orders;
        warm.resize(orders.size());
        for (std::size_t o = 0; o < orders.size(); ++o)
          for (std::size_t k = 0; k < orders[o].operations.size(); ++k) {
            auto it = base.find({orders[o].id, s.input.numbers[o][k]});
            warm[o].push_back(it == base.end() ? std::nan("") : it->second);
          }
        fo.warm_start = &warm;
      } else if (rule == "optimise" || rule == "optimize") {
        fo.rule = pp::factory::DispatchRule::Best;
        fo.time_limit_ms = std::max<std::int64_t>(fo.time_limit_ms, pp::pg::guc_plan_time_limit_ms);
      } else {
        const auto rl = pp::factory::parse_rule(rule == "slack" ? "cr" : rule);
        if (!rl) pp::throw_invalid("unknown rule \"" + rule + "\"");
        fo.rule = *rl;
      }
      s.plan = pp::factory::plan_factory(s.input.problem, fo);
      pp::whatif::map_to_base(s.map, s.plan);
      s.out = pp::planning::format_plan(std::to_string(plan_id), s.input, s.plan, plan_start, &hypothetical,
                                        pp::planning::plan_names(s.product_names, s.work_center_names));
    });

    instr_time tp;
    INSTR_TIME_SET_CURRENT(tp);
    INSTR_TIME_SUBTRACT(tp, t0);
    const double planned_at = INSTR_TIME_GET_DOUBLE(tp);
    pp::pg::store_plan_rows(st->out);
    instr_time t2;
    INSTR_TIME_SET_CURRENT(t2);
    INSTR_TIME_SUBTRACT(t2, t0);
    char phases[256];
    snprintf(phases, sizeof phases, "{\"read\": %.3f, \"plan\": %.3f, \"write\": %.3f}", read_seconds,
             planned_at - read_seconds, INSTR_TIME_GET_DOUBLE(t2) - planned_at);
    StringInfoData history;
    initStringInfo(&history);
    appendStringInfoString(&history, "{\"plant\": ");
    escape_json(&history, plant);
    appendStringInfo(&history,
                     ", \"base_plan\": " INT64_FORMAT ", \"changed_work_centers\": %d, \"changed_orders\": %d, "
                     "\"changed_operations\": %d, \"base_standard_times\": %s}",
                     base_plan, st->map.changed_work_centers, st->map.changed_orders, st->map.changed_operations,
                     reuse != 0 ? "true" : "false");
    pp::pg::record_plan_results("prodplan.whatif", plan_id, st->out, st->plan, planned_at,
                                INSTR_TIME_GET_DOUBLE(t2), phases, history.data);
  }
  PG_FINALLY();
  {
    pp::pg::heavy_leave();
    delete st;
  }
  PG_END_TRY();
  SPI_finish();
  PG_RETURN_INT64(plan_id);
}
