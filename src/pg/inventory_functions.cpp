// prodplan.inventory_policy_rows(plant, as_of, service_level, options, plan_id): the
// engine behind prodplan.inventory_policy() (which checks the options and
// chooses the plant). Reads per material its daily issues over the history
// window, its stock, its open supply and the current plan's requirements,
// and returns the policy of core/inventory/inventory_policy.h.
//
// PostgreSQL work happens in this file's plain frames; C++ objects live
// behind one raw pointer freed in PG_FINALLY and are used only in pp_call.
#include "core/inventory/inventory_policy.h"
#include "pg/boundary.h"
#include "pg/spi_text.h"

#include <cmath>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

#include "pg/pg_includes.h"

extern "C" {
#include "funcapi.h"
PGDLLEXPORT Datum prodplan_inventory_policy_rows(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_inventory_policy_rows);
}

using pp::pg::fetch_text_table;
using pp::pg::pp_call;

namespace {

double number(const char* s, double fallback) { return s ? std::strtod(s, nullptr) : fallback; }

struct PolicyRun {
  std::vector<pp::inventory::MaterialInputs> materials;
  std::unordered_map<std::string, std::size_t> index;
  std::vector<pp::inventory::PolicyRow> rows;
};

}  // namespace

Datum prodplan_inventory_policy_rows(PG_FUNCTION_ARGS) {
  Datum plant = PG_GETARG_DATUM(0);
  const TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(1);
  const double service_level = PG_GETARG_FLOAT8(2);
  Jsonb* options = PG_GETARG_JSONB_P(3);
  const bool has_plan = !PG_ARGISNULL(4);
  const int64 plan_id = has_plan ? PG_GETARG_INT64(4) : 0;
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prodplan.inventory_policy: SPI_connect failed");

  // Options (names and types checked by the SQL wrapper).
  Oid to[1] = {JSONBOID};
  Datum vo[1] = {PointerGetDatum(options)};
  const pp::planning::TextTable opt = fetch_text_table(
      "prodplan.inventory_policy",
      "SELECT coalesce(($1->>'fill_rate')::boolean, false), coalesce(($1->>'order_cost')::float8, 100), "
      "coalesce(($1->>'holding_rate')::float8, 0.25), coalesce(($1->>'abc_a')::float8, 0.8), coalesce(($1->>'abc_b')::float8, 0.95), "
      "coalesce(($1->>'xyz_x')::float8, 0.5), coalesce(($1->>'xyz_y')::float8, 1.0), coalesce(($1->>'excess_days')::float8, 180), "
      "coalesce(($1->>'risk_days')::int, 30), coalesce(($1->>'history_days')::int, 365), ($1->>'lead_time_days')::float8, "
      "coalesce(($1->>'lead_time_sd_days')::float8, 0)",
      1, to, vo);
  pp::inventory::PolicyOptions o;
  o.service_level = service_level;
  o.fill_rate = opt.cell(0, 0)[0] == 't';
  o.order_cost = number(opt.cell(0, 1), 100);
  o.holding_rate = number(opt.cell(0, 2), 0.25);
  o.abc_a = number(opt.cell(0, 3), 0.8);
  o.abc_b = number(opt.cell(0, 4), 0.95);
  o.xyz_x = number(opt.cell(0, 5), 0.5);
  o.xyz_y = number(opt.cell(0, 6), 1.0);
  o.excess_days = number(opt.cell(0, 7), 180);
  o.risk_days = std::atoi(opt.cell(0, 8));
  o.projection_days = std::max(365, o.risk_days);
  const int history_days = std::atoi(opt.cell(0, 9));
  const double lead_override = number(opt.cell(0, 10), NAN);
  const double lead_sd = number(opt.cell(0, 11), 0);
  if (history_days < 28 || history_days > 3660)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.inventory_policy: history_days must be 28 to 3660, got %d", history_days)));
  if (lead_sd < 0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("prodplan.inventory_policy: lead_time_sd_days must not be negative")));

  Oid t3[3] = {TEXTOID, TIMESTAMPTZOID, INT4OID};
  Datum v3[3] = {plant, TimestampTzGetDatum(as_of), Int32GetDatum(history_days)};
  const pp::planning::TextTable mats = fetch_text_table(
      "prodplan.inventory_policy",
      "SELECT material_id, unit_cost, supplier_lead_time_days, min_order_qty FROM prodplan.material WHERE plant_id = $1 ORDER BY material_id",
      1, t3, v3);
  // Daily issues over the history: day index 0 = as_of - history_days.
  const pp::planning::TextTable issues = fetch_text_table(
      "prodplan.inventory_policy",
      "SELECT material_id, (($2 AT TIME ZONE 'UTC')::date - (moved_at AT TIME ZONE 'UTC')::date), -sum(quantity) "
      "FROM prodplan.stock_movement WHERE plant_id = $1 AND kind = 'issue' "
      "AND moved_at >= (($2 AT TIME ZONE 'UTC')::date - $3) AT TIME ZONE 'UTC' AND moved_at < (($2 AT TIME ZONE 'UTC')::date) AT TIME ZONE 'UTC' "
      "GROUP BY 1, 2",
      3, t3, v3);
  // On hand: each location's latest count at or before as_of plus the
  // movements after it; without a count, the sum of all movements.
  const pp::planning::TextTable stock = fetch_text_table(
      "prodplan.inventory_policy",
      "SELECT m.material_id, coalesce((SELECT sum(b.on_hand + coalesce((SELECT sum(sm.quantity) FROM prodplan.stock_movement sm "
      "   WHERE sm.plant_id = b.plant_id AND sm.material_id = b.material_id AND sm.moved_at > b.as_of AND sm.moved_at <= $2), 0)) "
      "   FROM (SELECT DISTINCT ON (x.location) x.* FROM prodplan.stock_balance x WHERE x.plant_id = $1 AND x.material_id = m.material_id "
      "         AND x.as_of <= $2 ORDER BY x.location, x.as_of DESC) b), "
      "  (SELECT sum(sm.quantity) FROM prodplan.stock_movement sm WHERE sm.plant_id = $1 AND sm.material_id = m.material_id AND sm.moved_at <= $2)) "
      "FROM prodplan.material m WHERE m.plant_id = $1",
      2, t3, v3);
  const pp::planning::TextTable supply = fetch_text_table(
      "prodplan.inventory_policy",
      "SELECT material_id, greatest(0, (due_at AT TIME ZONE 'UTC')::date - ($2 AT TIME ZONE 'UTC')::date), quantity "
      "FROM prodplan.open_supply WHERE plant_id = $1 AND quantity > 0",
      2, t3, v3);
  // The plan's requirements (the wrapper chose the plan; none: history only).
  pp::planning::TextTable planned{};
  if (has_plan) {
    Oid tp[2] = {INT8OID, TIMESTAMPTZOID};
    Datum vp[2] = {Int64GetDatum(plan_id), TimestampTzGetDatum(as_of)};
    planned = fetch_text_table("prodplan.inventory_policy",
                               "SELECT material_id, day - ($2 AT TIME ZONE 'UTC')::date, quantity FROM prodplan.material_requirements($1)",
                               2, tp, vp);
  }

  PolicyRun* run = nullptr;
  PG_TRY();
  {
    pp_call("prodplan.inventory_policy", [&] {
      run = new PolicyRun();
      for (int64 i = 0; i < mats.rows; ++i) {
        pp::inventory::MaterialInputs m;
        m.material_id = mats.cell(i, 0);
        m.unit_cost = number(mats.cell(i, 1), NAN);
        m.lead_days = std::isnan(lead_override) ? number(mats.cell(i, 2), NAN) : lead_override;
        m.lead_sd_days = lead_sd;
        m.min_order_qty = number(mats.cell(i, 3), 0);
        m.daily_demand.assign(static_cast<std::size_t>(history_days), 0.0);
        run->index.emplace(m.material_id, run->materials.size());
        run->materials.push_back(std::move(m));
      }
      auto find = [&](const char* id) -> pp::inventory::MaterialInputs* {
        auto it = run->index.find(id);
        return it == run->index.end() ? nullptr : &run->materials[it->second];
      };
      for (int64 i = 0; i < issues.rows; ++i)
        if (auto* m = find(issues.cell(i, 0))) {
          const int back = std::atoi(issues.cell(i, 1));  // days before as_of's day, 1..history_days
          const int day = history_days - back;
          if (day >= 0 && day < history_days) m->daily_demand[static_cast<std::size_t>(day)] += std::max(0.0, number(issues.cell(i, 2), 0));
        }
      for (int64 i = 0; i < stock.rows; ++i)
        if (auto* m = find(stock.cell(i, 0))) m->on_hand = number(stock.cell(i, 1), 0);
      for (int64 i = 0; i < supply.rows; ++i)
        if (auto* m = find(supply.cell(i, 0))) m->supply.emplace_back(std::atoi(supply.cell(i, 1)), number(supply.cell(i, 2), 0));
      for (int64 i = 0; i < planned.rows; ++i)
        if (auto* m = find(planned.cell(i, 0))) {
          const int day = std::atoi(planned.cell(i, 1));
          if (day < 0 || day >= 3660) continue;
          if (static_cast<int>(m->planned_daily.size()) <= day) m->planned_daily.resize(static_cast<std::size_t>(day) + 1, 0.0);
          m->planned_daily[static_cast<std::size_t>(day)] += number(planned.cell(i, 2), 0);
        }
      run->rows = pp::inventory::inventory_policy(run->materials, o);
    });
    for (const auto& r : run->rows) {
      Datum values[24];
      bool nulls[24] = {false};
      auto f = [&](int i, double x) {
        values[i] = Float8GetDatum(x);
        nulls[i] = !std::isfinite(x);
      };
      auto t = [&](int i, const std::string& s) { values[i] = CStringGetTextDatum(s.c_str()); };
      t(0, r.material_id);
      t(1, std::string(1, r.abc_class));
      t(2, std::string(1, r.xyz_class));
      t(3, r.demand_class);
      f(4, r.mean_daily);
      f(5, r.sd_daily);
      f(6, r.cv);
      f(7, r.lead_days);
      f(8, r.lead_sd_days);
      t(9, r.method);
      f(10, r.safety_factor);
      f(11, r.safety_stock);
      f(12, r.reorder_point);
      f(13, r.eoq);
      f(14, r.order_quantity);
      f(15, r.on_hand);
      f(16, r.open_supply);
      f(17, r.days_of_cover);
      values[18] = Int32GetDatum(r.stockout_day);
      nulls[18] = r.stockout_day < 0;
      f(19, r.stockout_risk);
      t(20, r.action);
      f(21, r.action_quantity);
      nulls[21] = r.action != "order_now";
      t(22, r.reason);
      f(23, r.position);
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
  }
  PG_FINALLY();
  {
    delete run;
  }
  PG_END_TRY();
  SPI_finish();
  return (Datum)0;
}
