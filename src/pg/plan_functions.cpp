// prodplan.plan(options): plans every open order of a plant with the factory
// scheduler (core/schedule/factory_planner.h). PostgreSQL work (options,
// reading rows as text, writing the plan) happens in this file's plain
// frames; C++ work (building the problem, planning, formatting rows) inside
// pp_call. C++ state lives behind one raw pointer freed in PG_FINALLY.
#include "core/common/civil_time.h"
#include "core/planning/plan_output.h"
#include "core/planning/plan_inputs.h"
#include "core/schedule/factory_planner.h"
#include "pg/boundary.h"
#include "pg/heavy_guard.h"
#include "pg/plan_read.h"
#include "pg/plan_store.h"
#include "pg/spi_text.h"
#include "pg/gucs.h"

#include <cstdio>
#include <memory>
#include <string>

#include "pg/pg_includes.h"

extern "C" {
#include "utils/json.h"
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
  pp::planning::TextTable product_names, work_center_names;
  pp::planning::PlanOutput out;
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
  // Before any planning: a library newer than the extension's SQL objects
  // could not write the plan it spent its time limit on.
  pp::pg::require_planned_operation_columns("prodplan.plan");

  // Options: a JSON object; unknown keys are refused (a typo must not
  // silently plan otherwise).
  if (!JB_ROOT_IS_OBJECT(options))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("prodplan.plan: options must be a JSON object")));
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
  // Values of the wrong type: an error naming the option, not the cast's.
  if (SPI_execute_with_args("SELECT prodplan.check_option_types('prodplan.plan', $1)", 1, jt, jv, NULL, false, 1) !=
      SPI_OK_SELECT)
    elog(ERROR, "prodplan.plan: could not check the options");
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
    // The data version first: rows read after it are at least that new, so
    // the standard times stored with the plan never claim a later version.
    if (SPI_execute("SELECT version FROM prodplan.data_version", true, 1) != SPI_OK_SELECT || SPI_processed != 1)
      elog(ERROR, "prodplan.plan: could not read the data version");
    const int64 data_version = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    pp::pg::read_plan_rows("prodplan.plan", tv[0], plan_start, horizon_end, frozen_hours, 0, 0, &st->rows);
    pp::pg::read_plan_names("prodplan.plan", tv[0], &st->product_names, &st->work_center_names);

    // The plan's row first: its id goes into every planned operation.
    {
      Oid ti[6] = {TEXTOID, INT8OID, JSONBOID, TEXTOID, TEXTOID, INT8OID};
      Datum vi[6] = {tv[0], Int64GetDatum(plan_start), PointerGetDatum(options), CStringGetTextDatum(objective),
                     CStringGetTextDatum(rule), Int64GetDatum(data_version)};
      if (SPI_execute_with_args("INSERT INTO prodplan.plans (plant_id, plan_start, options, objective, rule, data_version) "
                                "VALUES ($1, to_timestamp($2), $3, $4, $5, $6) RETURNING plan_id",
                                6, ti, vi, NULL, false, 1) != SPI_OK_INSERT_RETURNING)
        elog(ERROR, "prodplan.plan: could not record the plan");
      plan_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
      pp::pg::store_standard_times(plan_id, st->rows.standard_times);
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
        pp::throw_invalid(std::string("prodplan.plan: unknown objective \"") + objective + "\"",
                          "objectives: weighted_tardiness, makespan, mean_flow_time, setups");
      fo.objective = *obj;
      const auto rl = pp::factory::parse_rule(rule);
      if (!rl)
        pp::throw_invalid(std::string("prodplan.plan: unknown rule \"") + rule + "\"", "rules: fifo, spt, edd, cr, wspt, atc, best");
      fo.rule = *rl;
      fo.time_limit_ms = time_limit_ms;
      fo.max_iterations = max_iterations;
      fo.seed = (std::uint64_t)seed;
      fo.horizon_end = horizon_end;
      fo.cancel = &cancel;
      s.plan = pp::factory::plan_factory(s.input.problem, fo);

      s.out = pp::planning::format_plan(std::to_string(plan_id), s.input, s.plan, plan_start, nullptr,
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
    StringInfoData history;
    initStringInfo(&history);
    appendStringInfoString(&history, "{\"plant\": ");
    escape_json(&history, plant);
    appendStringInfoChar(&history, '}');
    pp::pg::record_plan_results("prodplan.plan", plan_id, st->out, st->plan, read_seconds + first_rule_seconds,
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
