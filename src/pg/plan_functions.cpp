// prodplan.plan(options): plans every open order of a plant with the factory
// scheduler (core/schedule/factory_planner.h). PostgreSQL work (options,
// reading rows as text, writing the plan) happens in this file's plain
// frames; C++ work (building the problem, planning, formatting rows) inside
// pp_call. C++ state lives behind one raw pointer freed in PG_FINALLY.
#include "core/common/civil_time.h"
#include "core/common/json_text.h"
#include "core/model/copy_rows.h"
#include "core/planning/plan_rows.h"
#include "core/planning/plan_inputs.h"
#include "core/schedule/factory_planner.h"
#include "pg/boundary.h"
#include "pg/copy_into.h"
#include "pg/heavy_guard.h"
#include "pg/plan_resources.h"
#include "pg/spi_text.h"
#include "pg/gucs.h"

#include <cstdio>
#include <memory>
#include <string>

#include "pg/pg_includes.h"

extern "C" {
#include "utils/timestamp.h"
PGDLLEXPORT Datum prodplan_plan(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_plan);
}

using pp::pg::fetch_text_table;
using pp::pg::pp_call;

namespace {

struct PlanRun {
  pp::planning::PlanRows rows;
  pp::planning::PlanInput input;
  pp::factory::FactoryPlan plan;
  std::string operations_copy, problems_copy, summary_json, rule_name;
  int problem_count = 0;
};

const char* kOptionKeys[] = {"plant", "start", "time_limit_ms", "seed", "objective", "rule", "frozen_hours",
                             "horizon_days", "max_iterations"};

}  // namespace

Datum prodplan_plan(PG_FUNCTION_ARGS) {
  Jsonb* options = PG_GETARG_JSONB_P(0);
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();
  instr_time t0;
  INSTR_TIME_SET_CURRENT(t0);
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prodplan.plan: SPI_connect failed");

  // Options: unknown keys are refused (a typo must not silently plan otherwise).
  Oid jt[1] = {JSONBOID};
  Datum jv[1] = {PointerGetDatum(options)};
  {
    StringInfoData q;
    initStringInfo(&q);
    appendStringInfoString(&q, "SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys($1) k WHERE k <> ALL (ARRAY[");
    for (size_t i = 0; i < lengthof(kOptionKeys); i++) appendStringInfo(&q, "%s'%s'", i ? ", " : "", kOptionKeys[i]);
    appendStringInfoString(&q, "])");
    if (SPI_execute_with_args(q.data, 1, jt, jv, NULL, true, 1) != SPI_OK_SELECT) elog(ERROR, "prodplan.plan: options");
    char* unknown = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    if (unknown != NULL)
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("prodplan.plan: unknown option(s) %s", unknown),
                      errhint("Options are plant, start, time_limit_ms, seed, objective, rule, frozen_hours, "
                              "horizon_days and max_iterations.")));
  }
  if (SPI_execute_with_args(
          "SELECT $1->>'plant', extract(epoch FROM date_trunc('minute', coalesce(($1->>'start')::timestamptz, now())))::bigint, "
          "coalesce(($1->>'time_limit_ms')::int, -1), coalesce(($1->>'seed')::bigint, 1), "
          "coalesce($1->>'objective', 'weighted_tardiness'), coalesce($1->>'rule', 'best'), "
          "coalesce(($1->>'frozen_hours')::float8, 0), coalesce(($1->>'horizon_days')::float8, 90), "
          "coalesce(($1->>'max_iterations')::bigint, 0)",
          1, jt, jv, NULL, true, 1) != SPI_OK_SELECT)
    elog(ERROR, "prodplan.plan: could not read options");
  HeapTuple ot = SPI_tuptable->vals[0];
  TupleDesc od = SPI_tuptable->tupdesc;
  bool isnull;
  char* plant = SPI_getvalue(ot, od, 1);
  const int64 plan_start = DatumGetInt64(SPI_getbinval(ot, od, 2, &isnull));
  int time_limit_ms = DatumGetInt32(SPI_getbinval(ot, od, 3, &isnull));
  const int64 seed = DatumGetInt64(SPI_getbinval(ot, od, 4, &isnull));
  char* objective = SPI_getvalue(ot, od, 5);
  char* rule = SPI_getvalue(ot, od, 6);
  const double frozen_hours = DatumGetFloat8(SPI_getbinval(ot, od, 7, &isnull));
  const double horizon_days = DatumGetFloat8(SPI_getbinval(ot, od, 8, &isnull));
  const int64 max_iterations = DatumGetInt64(SPI_getbinval(ot, od, 9, &isnull));
  if (time_limit_ms < 0) time_limit_ms = pp::pg::guc_plan_time_limit_ms;
  if (frozen_hours < 0 || frozen_hours > 24.0 * 3660 || horizon_days <= 0 || horizon_days > 3660 || max_iterations < 0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.plan: options out of range: frozen_hours %g, horizon_days %g, max_iterations " INT64_FORMAT,
                           frozen_hours, horizon_days, max_iterations),
                    errhint("frozen_hours from 0 to 87840 (ten years), horizon_days above 0 up to 3660, "
                            "max_iterations >= 0.")));

  // The plant: given, or the only one.
  if (plant == NULL) {
    if (SPI_execute("SELECT plant_id FROM prodplan.plant ORDER BY 1", true, 0) != SPI_OK_SELECT)
      elog(ERROR, "prodplan.plan: could not list plants");
    if (SPI_processed != 1) {
      StringInfoData l;
      initStringInfo(&l);
      for (uint64 i = 0; i < SPI_processed && i < 20; i++)
        appendStringInfo(&l, "%s%s", i ? ", " : "", SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("prodplan.plan: options.plant is needed: the database has %llu plants",
                             (unsigned long long)SPI_processed),
                      errhint("Plants: %s.", SPI_processed ? l.data : "(none; load data first)")));
    }
    plant = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
  }
  Oid tt[1] = {TEXTOID};
  Datum tv[1] = {CStringGetTextDatum(plant)};
  if (SPI_execute_with_args("SELECT 1 FROM prodplan.plant WHERE plant_id = $1", 1, tt, tv, NULL, true, 1) !=
          SPI_OK_SELECT ||
      SPI_processed != 1)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("prodplan.plan: unknown plant \"%s\"", plant)));

  PlanRun* volatile st = nullptr;
  int64 plan_id = 0;
  PG_TRY();
  {
    // At most prodplan.max_concurrent_heavy plans at once in the cluster.
    pp::pg::heavy_enter("plan");
    instr_time tw;
    INSTR_TIME_SET_CURRENT(tw);
    INSTR_TIME_SUBTRACT(tw, t0);
    const double wait_seconds = INSTR_TIME_GET_DOUBLE(tw);
    pp_call("plan", [&] { st = new PlanRun(); });
    const int64 horizon_end = plan_start + (int64)(horizon_days * 86400.0);
    Oid t4[4] = {TEXTOID, INT8OID, INT8OID, FLOAT8OID};
    Datum v4[4] = {tv[0], Int64GetDatum(plan_start), Int64GetDatum(horizon_end), Float8GetDatum(frozen_hours)};
    pp::planning::PlanRows& rows = st->rows;
    pp::pg::read_plant_resources("prodplan.plan", v4[0], &rows.work_centers, &rows.setup_matrix, &rows.alternatives);
    // Working time from a month before (work already started) to a year past the horizon.
    rows.working_time = fetch_text_table("prodplan.plan",
        "SELECT calendar_id, extract(epoch FROM starts_at)::bigint, extract(epoch FROM ends_at)::bigint "
        "FROM prodplan.working_time($1, to_timestamp($2) - interval '31 days', to_timestamp($3) + interval '365 days')",
        3, t4, v4);
    rows.orders = fetch_text_table("prodplan.plan",
        "SELECT o.order_id, o.product_id, extract(epoch FROM o.created_at)::bigint, extract(epoch FROM o.due_at)::bigint, "
        "o.priority, coalesce(p.family, '') FROM prodplan.production_order o LEFT JOIN prodplan.product p "
        "ON p.plant_id = o.plant_id AND p.product_id = o.product_id "
        "WHERE o.plant_id = $1 AND o.finished_at IS NULL AND o.created_at < to_timestamp($3) ORDER BY o.order_id",
        3, t4, v4);
    rows.operations = fetch_text_table("prodplan.plan",
        "SELECT o.order_id, o.operation_id, o.sequence, o.work_center_id, extract(epoch FROM o.started_at)::bigint, "
        "o.ended_at IS NOT NULL FROM prodplan.operation o JOIN prodplan.production_order po "
        "ON po.plant_id = o.plant_id AND po.order_id = o.order_id "
        "WHERE o.plant_id = $1 AND po.finished_at IS NULL ORDER BY o.order_id, o.sequence NULLS LAST, o.operation_id",
        1, t4, v4);
    rows.routing = fetch_text_table("prodplan.plan",
        "SELECT product_id, sequence, work_center_id FROM prodplan.routing_step WHERE plant_id = $1 ORDER BY 1, 2",
        1, t4, v4);
    // Standard times of the open orders' products only: the per-product
    // medians are the costly part, and only these are needed.
    rows.standard_times = fetch_text_table("prodplan.plan",
        "SELECT product_id, work_center_id, round(minutes * 60)::bigint, source FROM prodplan.standard_times($1, 5, "
        "(SELECT array_agg(DISTINCT product_id) FROM prodplan.production_order WHERE plant_id = $1 "
        "AND finished_at IS NULL AND created_at < to_timestamp($3))) WHERE minutes > 0", 3, t4, v4);
    rows.frozen = fetch_text_table("prodplan.plan",
        "SELECT po.order_id, po.operation, po.work_center_id, po.unit, extract(epoch FROM po.start_at)::bigint, "
        "extract(epoch FROM po.end_at)::bigint FROM prodplan.planned_operations po JOIN prodplan.plans p "
        "ON p.plan_id = po.plan_id WHERE p.plant_id = $1 AND p.status = 'released' AND $4 > 0 "
        "AND po.start_at >= to_timestamp($2) AND po.start_at < to_timestamp($2) + make_interval(secs => $4 * 3600)",
        4, t4, v4);

    // The plan's row first: its id goes into every planned operation.
    {
      Oid ti[5] = {TEXTOID, INT8OID, JSONBOID, TEXTOID, TEXTOID};
      Datum vi[5] = {tv[0], Int64GetDatum(plan_start), PointerGetDatum(options), CStringGetTextDatum(objective),
                     CStringGetTextDatum(rule)};
      if (SPI_execute_with_args("INSERT INTO prodplan.plans (plant_id, plan_start, options, objective, rule) "
                                "VALUES ($1, to_timestamp($2), $3, $4, $5) RETURNING plan_id",
                                5, ti, vi, NULL, false, 1) != SPI_OK_INSERT_RETURNING)
        elog(ERROR, "prodplan.plan: could not record the plan");
      plan_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    }
    instr_time t1;
    INSTR_TIME_SET_CURRENT(t1);
    INSTR_TIME_SUBTRACT(t1, t0);
    const double read_seconds = INSTR_TIME_GET_DOUBLE(t1) - wait_seconds;

    pp_call("plan", [&] {
      PlanRun& s = *st;
      s.input = pp::planning::build_plan_input(s.rows, plan_start);
      pp::factory::FactoryOptions fo;
      fo.plan_start = plan_start;
      const auto obj = pp::factory::parse_objective(objective);
      if (!obj)
        pp::throw_invalid(std::string("unknown objective \"") + objective + "\"",
                          "objectives: weighted_tardiness, makespan, mean_flow_time, setups");
      fo.objective = *obj;
      const auto rl = pp::factory::parse_rule(rule);
      if (!rl) pp::throw_invalid(std::string("unknown rule \"") + rule + "\"", "rules: fifo, spt, edd, cr, wspt, atc, best");
      fo.rule = *rl;
      fo.time_limit_ms = time_limit_ms;
      fo.max_iterations = max_iterations;
      fo.seed = (std::uint64_t)seed;
      fo.horizon_end = horizon_end;
      fo.cancel = &cancel;
      s.plan = pp::factory::plan_factory(s.input.problem, fo);

      const pp::factory::FactoryProblem& pb = s.input.problem;
      const std::string pid = std::to_string(plan_id);
      for (const pp::factory::PlannedOperation& op : s.plan.operations) {
        if (op.work_center < 0 || op.unit < 0) continue;  // not placed: listed as a problem
        pp::planning::append_planned_operation(s.operations_copy, pid, pb, op, s.input.numbers[op.order][op.operation],
                                               s.input.operation_ids[op.order][op.operation]);
      }
      for (const pp::factory::PlanProblem& p : s.plan.problems) {
        std::string& b = s.problems_copy;
        const auto& order = pb.orders[p.order];
        b += pid + '\t';
        pp::model::append_copy_text(b, order.id);
        b += '\t' + std::to_string(s.input.numbers[p.order][p.operation]) + '\t';
        const auto& alts = order.operations[p.operation].alternatives;
        if (alts.empty()) b += "\\N";
        else pp::model::append_copy_text(b, pb.work_centers[alts[0].work_center].id);
        b += '\t';
        pp::model::append_copy_text(b, std::string(pp::factory::problem_kind_name(p.kind)));
        b += '\t';
        pp::model::append_copy_text(b, p.message);
        b += '\n';
        ++s.problem_count;
      }
      for (const pp::planning::OrderProblem& p : s.input.order_problems) {
        std::string& b = s.problems_copy;
        b += pid + '\t';
        pp::model::append_copy_text(b, p.order_id);
        b += "\t\\N\t\\N\t";
        pp::model::append_copy_text(b, p.problem);
        b += '\t';
        pp::model::append_copy_text(b, p.detail);
        b += '\n';
        ++s.problem_count;
      }
      // Objective values of the plan and of the best dispatching rule.
      const auto& ov = s.plan.objective;
      const pp::factory::ObjectiveValues* best_rule = nullptr;
      for (const auto& ro : s.plan.rules)
        if (ro.rule == s.plan.rule) best_rule = &ro.objective;
      auto values = [&](const pp::factory::ObjectiveValues& v, const char* prefix) {
        char buf[512];
        snprintf(buf, sizeof buf,
                 "\"%smakespan_hours\": %.4f, \"%sweighted_tardiness_hours\": %.4f, \"%slate_orders\": %d, "
                 "\"%smean_flow_hours\": %.4f, \"%ssetups\": %lld",
                 prefix, (double)(v.makespan_end - plan_start) / 3600.0, prefix, v.total_weighted_tardiness / 3600.0,
                 prefix, v.late_orders, prefix, v.mean_flow_seconds / 3600.0, prefix, (long long)v.setups);
        return std::string(buf);
      };
      s.summary_json = "{" + values(ov, "");
      if (best_rule) s.summary_json += ", " + values(*best_rule, "rule_");
      s.summary_json += ", \"improved\": " + std::string(s.plan.improved ? "true" : "false") + ", \"rules\": {";
      for (std::size_t i = 0; i < s.plan.rules.size(); ++i) {
        const auto& ro = s.plan.rules[i];
        if (i) s.summary_json += ", ";
        pp::append_json_string(s.summary_json, std::string(pp::factory::rule_name(ro.rule)));
        char buf[160];
        snprintf(buf, sizeof buf, ": {\"weighted_tardiness_hours\": %.4f, \"makespan_hours\": %.4f, \"seconds\": %.3f}",
                 ro.objective.total_weighted_tardiness / 3600.0, (double)(ro.objective.makespan_end - plan_start) / 3600.0,
                 ro.seconds);
        s.summary_json += buf;
      }
      s.summary_json += "}}";
      s.rule_name = std::string(pp::factory::rule_name(s.plan.rule));
    });

    instr_time tp;
    INSTR_TIME_SET_CURRENT(tp);
    INSTR_TIME_SUBTRACT(tp, t0);
    const double planned_at = INSTR_TIME_GET_DOUBLE(tp);
    if (!st->operations_copy.empty())
      pp::pg::copy_into_table("planned_operations", pp::planning::kPlannedOperationColumns,
                              pp::planning::kPlannedOperationColumnCount, st->operations_copy.data(),
                              st->operations_copy.size());
    const char* pr_cols[6] = {"plan_id", "order_id", "operation", "work_center_id", "problem", "detail"};
    if (!st->problems_copy.empty())
      pp::pg::copy_into_table("plan_problems", pr_cols, 6, st->problems_copy.data(), st->problems_copy.size());

    instr_time t2;
    INSTR_TIME_SET_CURRENT(t2);
    INSTR_TIME_SUBTRACT(t2, t0);
    const double first_rule_seconds = st->plan.rules.empty() ? 0 : st->plan.rules[0].seconds;
    // Named phases: waiting for a heavy-call slot, reading the data, the
    // dispatching rules, the improvement (and building the problem), writing.
    double rules_seconds = 0;
    for (const auto& ro : st->plan.rules) rules_seconds += ro.seconds;
    const double compute_seconds = planned_at - wait_seconds - read_seconds;
    char phases[320];
    snprintf(phases, sizeof phases,
             "{\"wait\": %.3f, \"read\": %.3f, \"rules\": %.3f, \"improve\": %.3f, \"write\": %.3f}", wait_seconds,
             read_seconds, rules_seconds, compute_seconds > rules_seconds ? compute_seconds - rules_seconds : 0.0,
             INSTR_TIME_GET_DOUBLE(t2) - planned_at);
    Oid tu[8] = {INT8OID, TEXTOID, TEXTOID, FLOAT8OID, FLOAT8OID, INT8OID, INT4OID, TEXTOID};
    Datum vu[8] = {Int64GetDatum(plan_id),
                   CStringGetTextDatum(st->summary_json.c_str()),
                   CStringGetTextDatum(st->rule_name.c_str()),
                   Float8GetDatum(read_seconds + first_rule_seconds),
                   Float8GetDatum(INSTR_TIME_GET_DOUBLE(t2)),
                   Int64GetDatum(st->plan.iterations),
                   Int32GetDatum(st->problem_count),
                   CStringGetTextDatum(phases)};
    if (SPI_execute_with_args("UPDATE prodplan.plans SET objective_values = $2::jsonb, rule = $3, "
                              "first_plan_seconds = $4, total_seconds = $5, iterations = $6, problem_count = $7, "
                              "phase_seconds = $8::jsonb WHERE plan_id = $1",
                              8, tu, vu, NULL, false, 0) != SPI_OK_UPDATE)
      elog(ERROR, "prodplan.plan: could not record the plan's results");
    Oid th[2] = {INT8OID, TEXTOID};
    Datum vh[2] = {Int64GetDatum(plan_id), CStringGetTextDatum(plant)};
    if (SPI_execute_with_args("INSERT INTO prodplan.plan_history (plan_id, action, detail) VALUES "
                              "($1, 'created', jsonb_build_object('plant', $2::text))",
                              2, th, vh, NULL, false, 0) != SPI_OK_INSERT)
      elog(ERROR, "prodplan.plan: could not record the plan's history");
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
