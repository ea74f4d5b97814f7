// prodplan.simulate_plan(plan_id, replications, options): the engine behind
// prodplan.simulate() (which checks the options). Reads the plan's
// operations and orders, its plant's calendars (a scenario's calendar and
// capacity changes applied again, as whatif planned with them), the duration
// history of the plan's products and the work centers' downtime history;
// runs the Monte Carlo replay in the core (core/simulate); stores the
// simulation, its per-order rows and the plan's risk summary.
//
// PostgreSQL work happens in this file's plain frames; C++ objects live
// behind one raw pointer freed in PG_FINALLY and are used only in pp_call.
#include "core/planning/plan_inputs.h"
#include "core/simulate/duration_spread.h"
#include "core/simulate/history_time.h"
#include "core/simulate/monte_carlo.h"
#include "core/simulate/replay_model.h"
#include "core/simulate/sim_output.h"
#include "core/whatif/change_rows.h"
#include "core/whatif/scenario_apply.h"
#include "pg/boundary.h"
#include "pg/copy_into.h"
#include "pg/heavy_guard.h"
#include "pg/plan_resources.h"
#include "pg/spi_text.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "pg/pg_includes.h"
#include "pg/spi_scan.h"

extern "C" {
#include "utils/array.h"
PGDLLEXPORT Datum prodplan_simulate_plan(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_simulate_plan);
}

using pp::pg::fetch_text_table;
using pp::pg::pp_call;

namespace {

struct SimulateRun {
  pp::planning::PlanRows rows;   // work_centers and working_time only
  pp::planning::TextTable changes, operations, orders, failures, history_periods;
  pp::simulate::HistoryWorkingTime* history_time = nullptr;  // owned
  ~SimulateRun() { delete history_time; }
  pp::planning::PlanInput input;
  pp::whatif::ScenarioMap map;
  bool has_map = false;
  pp::simulate::DurationSpreads spreads;
  pp::simulate::SimRows sim_rows;
  pp::simulate::ReplayModel model;
  pp::simulate::SimResult result;
  pp::simulate::SimOutput out;
};

double seconds_since(const instr_time& t0) {
  instr_time t;
  INSTR_TIME_SET_CURRENT(t);
  INSTR_TIME_SUBTRACT(t, t0);
  return INSTR_TIME_GET_DOUBLE(t);
}

// "{1.5,2,3}" (float8[] as text) -> values; NULL or "{}" -> none.
std::vector<double> doubles_of(const char* s) {
  std::vector<double> v;
  if (s == nullptr) return v;
  for (const char* p = s; *p;) {
    if (*p == '-' || *p == '.' || (*p >= '0' && *p <= '9')) {
      char* end = nullptr;
      v.push_back(std::strtod(p, &end));
      p = end;
    } else {
      ++p;
    }
  }
  return v;
}

}  // namespace

Datum prodplan_simulate_plan(PG_FUNCTION_ARGS) {
  const int64 plan_id = PG_GETARG_INT64(0);
  const int32 replications = PG_GETARG_INT32(1);
  Jsonb* options = PG_GETARG_JSONB_P(2);
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();
  instr_time t0;
  INSTR_TIME_SET_CURRENT(t0);
  if (replications < 1 || replications > 100000)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.simulate: replications must be between 1 and 100000, got %d", replications)));
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prodplan.simulate: SPI_connect failed");

  // The plan, its horizon as it was planned, the options, and a scenario's
  // changes that alter working time or capacity.
  Oid tp[2] = {INT8OID, JSONBOID};
  Datum vp[2] = {Int64GetDatum(plan_id), PointerGetDatum(options)};
  if (SPI_execute_with_args(
          "SELECT p.plant_id, extract(epoch FROM p.plan_start)::bigint, coalesce((p.options->>'horizon_days')::float8, 90), "
          "(SELECT jsonb_agg(c ORDER BY i) FROM jsonb_array_elements(p.changes) WITH ORDINALITY e(c, i) "
          " WHERE c->>'type' IN ('work_center_down', 'calendar', 'capacity')), "
          "coalesce(($2->>'seed')::bigint, 1), coalesce($2->>'durations', 'empirical'), "
          "coalesce(($2->>'breakdowns')::boolean, true), coalesce(($2->>'early_start')::boolean, false), "
          "coalesce(($2->>'min_samples')::int, 5), coalesce(($2->>'history_days')::float8, 365) "
          "FROM prodplan.plans p WHERE p.plan_id = $1",
          2, tp, vp, NULL, true, 1) != SPI_OK_SELECT)
    elog(ERROR, "prodplan.simulate: could not read the plan");
  if (SPI_processed != 1)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("prodplan.simulate: no plan " INT64_FORMAT, plan_id),
                    errhint("Plans are listed in prodplan.plans.")));
  HeapTuple pt = SPI_tuptable->vals[0];
  TupleDesc pd = SPI_tuptable->tupdesc;
  bool isnull;
  char* plant = SPI_getvalue(pt, pd, 1);
  const int64 plan_start = DatumGetInt64(SPI_getbinval(pt, pd, 2, &isnull));
  const double horizon_days = DatumGetFloat8(SPI_getbinval(pt, pd, 3, &isnull));
  Datum changes = SPI_getbinval(pt, pd, 4, &isnull);
  const bool has_changes = !isnull;
  const int64 seed = DatumGetInt64(SPI_getbinval(pt, pd, 5, &isnull));
  char* durations = SPI_getvalue(pt, pd, 6);
  const bool breakdowns = DatumGetBool(SPI_getbinval(pt, pd, 7, &isnull));
  const bool early_start = DatumGetBool(SPI_getbinval(pt, pd, 8, &isnull));
  const int min_samples = DatumGetInt32(SPI_getbinval(pt, pd, 9, &isnull));
  const double history_days = DatumGetFloat8(SPI_getbinval(pt, pd, 10, &isnull));
  if (!(history_days >= 0))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.simulate: history_days must be at least 0 (0: all history), got %g", history_days)));
  // Completed operations that ended after this (Unix seconds) make the
  // duration spreads; event_time is a finished operation's end, so the
  // operation partitions before it are never read.
  const int64 history_from = history_days > 0 ? plan_start - (int64)(history_days * 86400.0) : INT64CONST(-210866803200);
  if (min_samples < 2)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.simulate: min_samples must be at least 2, got %d", min_samples)));
  pp::simulate::DurationModel model = pp::simulate::DurationModel::Empirical;
  if (!pp::simulate::parse_duration_model(durations, &model))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.simulate: durations must be empirical, lognormal or none, got \"%s\"", durations)));
  const int64 horizon_end = plan_start + (int64)(horizon_days * 86400.0);
  Datum plant_d = CStringGetTextDatum(plant);

  SimulateRun* volatile st = nullptr;
  int64 simulation_id = 0;
  PG_TRY();
  {
    pp::pg::heavy_enter("simulate");
    pp_call("simulate", [&] { st = new SimulateRun(); });
    // Resources as the planner read them (plan_read.cpp: the same working-time window).
    pp::planning::TextTable unused_setup, unused_alts;
    pp::pg::read_plant_resources("prodplan.simulate", plant_d, &st->rows.work_centers, &unused_setup, &unused_alts);
    Oid t3[3] = {TEXTOID, INT8OID, INT8OID};
    Datum v3[3] = {plant_d, Int64GetDatum(plan_start), Int64GetDatum(horizon_end)};
    st->rows.working_time = fetch_text_table("prodplan.simulate",
        "SELECT calendar_id, extract(epoch FROM starts_at)::bigint, extract(epoch FROM ends_at)::bigint "
        "FROM prodplan.working_time($1, to_timestamp($2) - interval '31 days', to_timestamp($3) + interval '365 days')",
        3, t3, v3);
    if (has_changes) {
      Oid tc[3] = {TEXTOID, JSONBOID, INT8OID};
      Datum vc[3] = {plant_d, changes, Int64GetDatum(plan_start)};
      st->changes = fetch_text_table("prodplan.simulate",
          "SELECT item, type, work_center, product, order_id, periods, add, units_set, units_add, factor, "
          "quantity, base_quantity, due, priority, cancel, rule FROM prodplan.whatif_changes($1, $2, $3) ORDER BY item",
          3, tc, vc);
    }
    st->operations = fetch_text_table("prodplan.simulate",
        "SELECT po.order_id, po.operation, po.work_center_id, po.unit, extract(epoch FROM po.setup_start_at)::bigint, "
        "extract(epoch FROM po.start_at)::bigint, extract(epoch FROM po.end_at)::bigint, "
        "round(po.setup_minutes * 60)::bigint, round(po.work_minutes * 60)::bigint, po.is_fixed, coalesce(e.product_id, '') "
        "FROM prodplan.planned_operations po LEFT JOIN prodplan.plan_order_ends($1) e ON e.order_id = po.order_id "
        "WHERE po.plan_id = $1",
        1, tp, vp);
    // Release up, due date down, to whole seconds, as the planner reads them (plan_read.cpp):
    // rounded to the nearest second, a completion 0.2 s after the due date counted as on time.
    st->orders = fetch_text_table("prodplan.simulate",
        "SELECT e.order_id, ceil(extract(epoch FROM e.released_at))::bigint, floor(extract(epoch FROM e.due_at))::bigint "
        "FROM prodplan.plan_order_ends($1) e WHERE e.end_at IS NOT NULL ORDER BY e.order_id",
        1, tp, vp);
    // Each work center's downtime history before the plan start
    // (prodplan.work_center_reliability, which users see as well).
    st->failures = fetch_text_table("prodplan.simulate",
        "SELECT work_center_id, units, failures, working_hours * 3600, repairs_seconds, "
        "extract(epoch FROM down_since)::bigint FROM prodplan.work_center_reliability($1, to_timestamp($2))",
        2, t3, v3);
    // The duration history of the plan's products, each operation measured
    // in its work center's working time (core/simulate/history_time.h).
    Oid t4[3] = {TEXTOID, INT8OID, INT8OID};
    Datum v4[3] = {plant_d, Int64GetDatum(plan_start), Int64GetDatum(history_from)};
    st->history_periods = fetch_text_table("prodplan.simulate",
        "SELECT w.calendar_id, extract(epoch FROM w.starts_at)::bigint, extract(epoch FROM w.ends_at)::bigint "
        "FROM prodplan.working_time($1, greatest(to_timestamp($3), (SELECT min(o.started_at) FROM prodplan.operation o "
        "WHERE o.plant_id = $1 AND o.event_time >= to_timestamp($3))) - interval '31 days', to_timestamp($2)) w",
        3, t4, v4);
    pp_call("simulate", [&] { st->history_time = new pp::simulate::HistoryWorkingTime(st->rows.work_centers, st->history_periods); });
    {
      Oid th[3] = {TEXTOID, INT8OID, INT8OID};
      Datum vh[3] = {plant_d, Int64GetDatum(plan_id), Int64GetDatum(history_from)};
      pp::simulate::DurationSpreads& spreads = st->spreads;
      const pp::simulate::HistoryWorkingTime& hw = *st->history_time;
      pp::pg::scan_rows("prodplan.simulate",
          "SELECT po.product_id, o.work_center_id, extract(epoch FROM o.started_at)::float8, "
          "extract(epoch FROM o.ended_at)::float8 FROM prodplan.operation o JOIN prodplan.production_order po "
          "ON po.plant_id = o.plant_id AND po.order_id = o.order_id "
          "WHERE o.plant_id = $1 AND o.ended_at > o.started_at AND NOT o.is_rework AND po.product_id IN "
          "(SELECT DISTINCT e.product_id FROM prodplan.plan_order_ends($2) e WHERE e.product_id IS NOT NULL) "
          "AND o.event_time >= to_timestamp($3) AND o.ended_at >= to_timestamp($3)",
          3, th, vh, [&](const pp::pg::ScanRow& r) {
            const double w = hw.working_seconds(r.b, r.x, r.y);
            if (w > 0) spreads.add_sample(r.a, r.b, w / 60.0);
          });
    }
    const double read_seconds = seconds_since(t0);

    pp_call("simulate", [&] {
      SimulateRun& s = *st;
      s.input = pp::planning::build_plan_input(s.rows, plan_start);
      if (s.changes.rows > 0) {
        std::string rule;
        const std::vector<pp::whatif::Change> cs = pp::whatif::changes_from_rows(s.changes, &rule);
        s.map = pp::whatif::apply_changes(s.input, cs, plan_start - 31 * 86400, horizon_end + 365 * 86400);
        s.has_map = true;
      }
      for (std::int64_t r = 0; r < s.failures.rows; ++r) {
        pp::simulate::FailureHistory f;
        f.work_center_id = s.failures.cell(r, 0);
        f.units = (int)std::strtol(s.failures.cell(r, 1), nullptr, 10);
        f.failures = std::strtoll(s.failures.cell(r, 2), nullptr, 10);
        f.observed_seconds = s.failures.cell(r, 3) ? std::strtod(s.failures.cell(r, 3), nullptr) : 0;
        f.repairs = doubles_of(s.failures.cell(r, 4));
        if (s.failures.cell(r, 5)) f.open_since = std::strtoll(s.failures.cell(r, 5), nullptr, 10);
        s.sim_rows.failures.push_back(std::move(f));
      }
      s.spreads.build(min_samples);
      s.sim_rows.resources = &s.input.problem;
      s.sim_rows.map = s.has_map ? &s.map : nullptr;
      s.sim_rows.operations = s.operations;
      s.sim_rows.orders = s.orders;
      s.sim_rows.plan_start = plan_start;
      s.model = pp::simulate::build_replay(s.sim_rows, s.spreads);
      pp::simulate::SimOptions o;
      o.replications = replications;
      o.seed = (std::uint64_t)seed;
      o.durations = model;
      o.breakdowns = breakdowns;
      o.early_start = early_start;
      o.cancel = &cancel;
      s.result = pp::simulate::run_monte_carlo(s.model, o);
    });
    const double simulated_at = seconds_since(t0);

    // The simulation's row first (its id goes into the order rows).
    {
      Oid ti[6] = {INT8OID, INT4OID, INT8OID, TEXTOID, BOOLOID, BOOLOID};
      Datum vi[6] = {Int64GetDatum(plan_id), Int32GetDatum(replications), Int64GetDatum(seed),
                     CStringGetTextDatum(durations), BoolGetDatum(breakdowns), BoolGetDatum(early_start)};
      if (SPI_execute_with_args(
              "INSERT INTO prodplan.simulations (plan_id, replications, seed, durations, breakdowns, early_start, orders, "
              "operations, spread_sources, units_with_breakdowns, breakdowns_drawn, on_time_by_replication, seconds) "
              "VALUES ($1, $2, $3, $4, $5, $6, 0, 0, '{}', 0, 0, '{}', 0) RETURNING simulation_id",
              6, ti, vi, NULL, false, 1) != SPI_OK_INSERT_RETURNING)
        elog(ERROR, "prodplan.simulate: could not record the simulation");
      simulation_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    }
    pp_call("simulate", [&] {
      SimulateRun& s = *st;
      pp::simulate::SimOptions o;
      o.replications = replications;
      o.seed = (std::uint64_t)seed;
      o.durations = model;
      o.breakdowns = breakdowns;
      s.out = pp::simulate::format_simulation(std::to_string(simulation_id), s.model, s.result, o);
    });
    if (!st->out.orders_copy.empty())
      pp::pg::copy_into_table("simulation_orders", pp::simulate::kSimulationOrderColumns,
                              pp::simulate::kSimulationOrderColumnCount, st->out.orders_copy.data(),
                              st->out.orders_copy.size());
    {
      const pp::simulate::SimResult& r = st->result;
      char phases[160];
      snprintf(phases, sizeof phases, "{\"read\": %.3f, \"simulate\": %.3f, \"write\": %.3f}", read_seconds,
               simulated_at - read_seconds, seconds_since(t0) - simulated_at);
      Oid tu[14] = {INT8OID, INT4OID, INT4OID, TEXTOID, INT4OID, INT8OID, FLOAT8OID, FLOAT8OID,
                    FLOAT8OID, FLOAT8OID, FLOAT8OID, TEXTOID, FLOAT8OID, TEXTOID};
      Datum vu[14] = {Int64GetDatum(simulation_id),
                      Int32GetDatum((int32)st->model.orders.size()),
                      Int32GetDatum((int32)st->model.ops.size()),
                      CStringGetTextDatum(st->out.spread_sources_json.c_str()),
                      Int32GetDatum(st->model.units_with_failures),
                      Int64GetDatum(r.failures_drawn),
                      Float8GetDatum(r.planned_on_time),
                      Float8GetDatum(r.on_time_mean),
                      Float8GetDatum(r.on_time_p10),
                      Float8GetDatum(r.on_time_p50),
                      Float8GetDatum(r.on_time_p90),
                      CStringGetTextDatum(st->out.on_time_array.c_str()),
                      Float8GetDatum(seconds_since(t0)),
                      CStringGetTextDatum(phases)};
      char nulls[15];
      memset(nulls, ' ', 14);
      nulls[14] = '\0';
      if (r.orders_with_due == 0)
        for (int k = 6; k <= 10; k++) nulls[k] = 'n';
      if (SPI_execute_with_args(
              "UPDATE prodplan.simulations SET orders = $2, operations = $3, spread_sources = $4::jsonb, "
              "units_with_breakdowns = $5, breakdowns_drawn = $6, planned_on_time = $7, on_time_mean = $8, "
              "on_time_p10 = $9, on_time_p50 = $10, on_time_p90 = $11, on_time_by_replication = $12::float8[], "
              "seconds = $13, phase_seconds = $14::jsonb WHERE simulation_id = $1",
              14, tu, vu, nulls, false, 0) != SPI_OK_UPDATE)
        elog(ERROR, "prodplan.simulate: could not record the simulation's results");
      Oid tr[3] = {INT8OID, INT8OID, TEXTOID};
      Datum vr[3] = {Int64GetDatum(plan_id), Int64GetDatum(simulation_id), CStringGetTextDatum(st->out.risk_json.c_str())};
      if (SPI_execute_with_args("UPDATE prodplan.plans SET risk = ('{\"simulation_id\": ' || $2 || ', ' || $3 || '}')::jsonb "
                                "WHERE plan_id = $1",
                                3, tr, vr, NULL, false, 0) != SPI_OK_UPDATE)
        elog(ERROR, "prodplan.simulate: could not record the plan's risk");
    }
  }
  PG_FINALLY();
  {
    pp::pg::heavy_leave();
    delete st;
  }
  PG_END_TRY();
  SPI_finish();
  PG_RETURN_INT64(simulation_id);
}
