// prodplan.xlsx_report(report, params): the engine behind
// prodplan.export_xlsx. The SQL wrapper checks the report's parameters and
// resolves them (plant, its time zone, the plan, the window); this reads
// each sheet's rows through the prodplan.report_* functions (and the
// existing analytics: plan_kpis, kpis, defect_heatmap, inventory_policy),
// has the core write the workbook (core/report) to a temporary file, and
// returns the file as a bytea.
//
// PostgreSQL work happens in plain frames; the report data (C++ strings and
// vectors) lives behind one raw pointer freed in PG_FINALLY and is used only
// in pp_call. The text cells of the fetched tables are palloc'd and outlive
// the write.
#include "core/model/workbook_format.h"
#include "core/report/report_data.h"
#include "core/report/report_inventory.h"
#include "core/report/report_kpis.h"
#include "core/report/report_plan.h"
#include "core/report/report_quality.h"
#include "core/report/report_template.h"
#include "pg/boundary.h"
#include "pg/spi_text.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

#include "pg/pg_includes.h"
#include "pg/temp_file.h"

extern "C" {
#include "catalog/pg_authid.h"
PGDLLEXPORT Datum prodplan_xlsx_report(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_xlsx_report);
PGDLLEXPORT Datum prodplan_write_server_file(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_write_server_file);
}

using pp::pg::fetch_text_table;
using pp::pg::pp_call;
using pp::report::Column;
using pp::report::Kind;
using pp::report::TextTable;

namespace {

constexpr const char* kWho = "prodplan.export_xlsx";

// A query with the resolved parameters as $1 (jsonb).
TextTable query(const char* sql, Jsonb* params) {
  Oid t[1] = {JSONBOID};
  Datum v[1] = {PointerGetDatum(params)};
  return fetch_text_table(kWho, sql, 1, t, reinterpret_cast<std::uintptr_t*>(v));
}

// The facts of a report: two text columns (label, value).
std::vector<pp::report::Fact> facts_of(const TextTable& t) {
  std::vector<pp::report::Fact> out;
  for (int64 i = 0; i < t.rows; ++i)
    out.push_back({t.cell(i, 0) ? t.cell(i, 0) : "", t.cell(i, 1) ? t.cell(i, 1) : ""});
  return out;
}

std::vector<std::string> strings_of(const TextTable& t) {
  std::vector<std::string> out;
  for (int64 i = 0; i < t.rows; ++i)
    if (t.cell(i, 0)) out.emplace_back(t.cell(i, 0));
  return out;
}

// Every report's data, so one pointer frees whichever was filled.
struct ReportRun {
  pp::report::PlanReportData plan;
  pp::report::KpiReportData kpis;
  pp::report::QualityReportData quality;
  pp::report::InventoryReportData inventory;
  pp::report::TemplateReportData templ;
};

const char* kPlanFacts =
    "SELECT x.label, x.value FROM prodplan.plans p JOIN prodplan.plant pl USING (plant_id), LATERAL (VALUES "
    "('Plan', p.plan_id::text), ('Plant', p.plant_id || ' (' || pl.name || ')'), ('Status', p.status), "
    "('Rule', coalesce(p.rule, '')), ('Objective', p.objective), "
    "('Plan start', to_char(p.plan_start AT TIME ZONE pl.timezone, 'YYYY-MM-DD HH24:MI')), "
    "('Made at', to_char(p.created_at AT TIME ZONE pl.timezone, 'YYYY-MM-DD HH24:MI')), "
    "('Made by', p.created_by::text), ('Problems', p.problem_count::text), "
    "('Times shown in', pl.timezone)) x(label, value) WHERE p.plan_id = ($1->>'plan_id')::bigint";

const char* kWindowFacts =
    "SELECT x.label, x.value FROM prodplan.plant pl, LATERAL (VALUES "
    "('Plant', pl.plant_id || ' (' || pl.name || ')'), "
    "('From', to_char(($1->>'from')::timestamptz AT TIME ZONE pl.timezone, 'YYYY-MM-DD HH24:MI')), "
    "('To', to_char(($1->>'to')::timestamptz AT TIME ZONE pl.timezone, 'YYYY-MM-DD HH24:MI')), "
    "('Period', coalesce($1->>'period', '')), ('Times shown in', pl.timezone)) x(label, value) "
    "WHERE pl.plant_id = $1->>'plant' AND x.value <> ''";

void read_plan(Jsonb* p, ReportRun* run) {
  const TextTable facts = query(kPlanFacts, p);
  const TextTable orders = query(
      "SELECT * FROM prodplan.report_plan_orders(($1->>'plan_id')::bigint, $1->>'tz')", p);
  const TextTable ops = query(
      "SELECT * FROM prodplan.report_plan_operations(($1->>'plan_id')::bigint, $1->>'tz')", p);
  const TextTable bars = query("SELECT * FROM prodplan.report_plan_bars(($1->>'plan_id')::bigint, $1->>'tz')", p);
  const TextTable horizon = query(
      "SELECT prodplan.local_seconds(p.plan_start, $1->>'tz'), "
      "       prodplan.local_seconds(greatest(max(po.end_at), p.plan_start + interval '1 hour'), $1->>'tz'), "
      "       p.plan_start, greatest(max(po.end_at), p.plan_start + interval '1 hour') "
      "FROM prodplan.plans p LEFT JOIN prodplan.planned_operations po USING (plan_id) "
      "WHERE p.plan_id = ($1->>'plan_id')::bigint GROUP BY p.plan_id, p.plan_start", p);
  const TextTable non_working = query(
      "SELECT * FROM prodplan.report_plan_non_working(($1->>'plan_id')::bigint, $1->>'tz', "
      "(SELECT p.plan_start FROM prodplan.plans p WHERE p.plan_id = ($1->>'plan_id')::bigint), "
      "(SELECT greatest(max(po.end_at), min(p.plan_start) + interval '1 hour') FROM prodplan.plans p "
      " LEFT JOIN prodplan.planned_operations po USING (plan_id) WHERE p.plan_id = ($1->>'plan_id')::bigint))", p);
  const TextTable kpis = query("SELECT kpi, value, unit FROM prodplan.plan_kpis(($1->>'plan_id')::bigint)", p);
  const TextTable bucket = query("SELECT coalesce(($1->>'bucket_hours')::float8, 0)", p);
  pp_call(kWho, [&] {
    auto& d = run->plan;
    d.facts = facts_of(facts);
    d.orders.columns = {{"Order", Kind::Text, ""},
                        {"Product", Kind::Text, ""},
                        {"Priority", Kind::Number, "Higher is more urgent (1 by default)."},
                        {"Due", Kind::DateTime, "The order's due (transport) date."},
                        {"Planned start", Kind::DateTime, "The start of its first planned operation (setup included)."},
                        {"Planned end", Kind::DateTime, "The end of its last planned operation."},
                        {"Lateness (h)", Kind::Hours, "Planned end minus due date, hours; negative: early."},
                        {"Status", Kind::Text, "late, on_time, no_due_date or not_planned (nothing of it could be placed)."}};
    d.orders.rows = orders;
    d.operations.columns = {{"Order", Kind::Text, ""},
                            {"Operation", Kind::Integer, "Its position in the order's routing."},
                            {"Work center", Kind::Text, ""},
                            {"Unit", Kind::Integer, "Which of the work center's parallel units."},
                            {"Setup start", Kind::DateTime, ""},
                            {"Start", Kind::DateTime, ""},
                            {"End", Kind::DateTime, ""},
                            {"Setup (min)", Kind::Number, ""},
                            {"Work (min)", Kind::Number, "Working minutes (calendar time may be longer across breaks)."},
                            {"Duration from", Kind::Text, "Where the duration came from: history, coefficient, phase_median, ..."},
                            {"Fixed", Kind::Bool, "Frozen or started: the planner did not move it."}};
    d.operations.rows = ops;
    d.kpis.columns = {{"KPI", Kind::Text, ""}, {"Value", Kind::Number, ""}, {"Unit", Kind::Text, ""}};
    d.kpis.rows = kpis;
    d.gantt_bars = bars;
    d.non_working = non_working;
    if (horizon.rows == 1) {
      d.horizon_from = std::strtod(horizon.cell(0, 0), nullptr);
      d.horizon_to = std::strtod(horizon.cell(0, 1), nullptr);
    }
    d.bucket_hours = std::strtod(bucket.cell(0, 0), nullptr);
  });
}

void read_kpis(Jsonb* p, ReportRun* run) {
  const TextTable facts = query(kWindowFacts, p);
  const TextTable by_period = query(
      "SELECT prodplan.local_seconds(k.group_key::date::timestamp AT TIME ZONE 'UTC', 'UTC'), k.kpi, k.value, k.unit "
      "FROM prodplan.kpis(($1->>'from')::timestamptz, ($1->>'to')::timestamptz, $1->>'period', $1->>'plant') k "
      "ORDER BY k.group_key, k.kpi", p);
  const TextTable by_wc = query(
      "SELECT k.group_key, k.kpi, k.value, k.unit "
      "FROM prodplan.kpis(($1->>'from')::timestamptz, ($1->>'to')::timestamptz, 'work_center', $1->>'plant') k "
      "ORDER BY k.group_key, k.kpi", p);
  const TextTable lines = query("SELECT jsonb_array_elements_text($1->'line_kpis')", p);
  const TextTable bars = query("SELECT jsonb_array_elements_text($1->'bar_kpis')", p);
  pp_call(kWho, [&] {
    auto& d = run->kpis;
    d.facts = facts_of(facts);
    d.by_period = by_period;
    d.by_work_center = by_wc;
    d.line_kpis = strings_of(lines);
    d.bar_kpis = strings_of(bars);
  });
}

void read_quality(Jsonb* p, ReportRun* run) {
  const TextTable facts = query(kWindowFacts, p);
  const TextTable pareto = query(
      "SELECT d.description, count(*) FROM prodplan.defect d WHERE d.plant_id = $1->>'plant' "
      "AND d.detected_at >= ($1->>'from')::timestamptz AND d.detected_at < ($1->>'to')::timestamptz "
      "GROUP BY d.description ORDER BY count(*) DESC, d.description", p);
  const TextTable heatmap = query(
      "SELECT h.evaluating_work_center_id, h.culprit_work_center_id, h.defects "
      "FROM prodplan.defect_heatmap(($1->>'from')::timestamptz, ($1->>'to')::timestamptz, $1->>'plant') h "
      "ORDER BY 1, 2", p);
  const TextTable spc = query(
      "SELECT * FROM prodplan.report_spc_summary($1->>'plant', ($1->>'from')::timestamptz, ($1->>'to')::timestamptz)", p);
  pp_call(kWho, [&] {
    auto& d = run->quality;
    d.facts = facts_of(facts);
    d.pareto = pareto;
    d.heatmap = heatmap;
    d.spc.columns = {{"Characteristic", Kind::Text, ""},
                     {"Name", Kind::Text, ""},
                     {"Unit", Kind::Text, ""},
                     {"Work center", Kind::Text, ""},
                     {"LSL", Kind::Number, "Lower specification limit."},
                     {"Target", Kind::Number, ""},
                     {"USL", Kind::Number, "Upper specification limit."},
                     {"n", Kind::Integer, "Measurements in the window."},
                     {"Mean", Kind::Number, ""},
                     {"Sigma within", Kind::Number, "Short-term standard deviation (Rbar/d2, Sbar/c4 or MRbar/d2)."},
                     {"Cp", Kind::Number, ""},
                     {"Cpk", Kind::Number, "Below 1.33: not capable by the usual rule."},
                     {"Ppk", Kind::Number, ""},
                     {"Points", Kind::Integer, "Control chart points in the window."},
                     {"Out of control", Kind::Integer, "Points breaking a Nelson rule."},
                     {"Last out of control", Kind::DateTime, ""}};
    d.spc.rows = spc;
  });
}

void read_inventory(Jsonb* p, ReportRun* run) {
  const TextTable facts = query(
      "SELECT x.label, x.value FROM prodplan.plant pl, LATERAL (VALUES ('Plant', pl.plant_id || ' (' || pl.name || ')'), "
      "('Service level', ($1->>'service_level')), ('Times shown in', pl.timezone)) x(label, value) "
      "WHERE pl.plant_id = $1->>'plant'", p);
  const TextTable policy = query(
      "SELECT i.material_id, i.name, i.unit, i.abc_class, i.xyz_class, i.demand_class, i.mean_daily_demand, i.sd_daily_demand, "
      "i.lead_time_days, i.method, i.safety_stock, i.reorder_point, i.eoq, i.order_quantity, i.on_hand, i.open_supply, "
      "i.stock_position, i.days_of_cover, prodplan.local_seconds(i.stockout_date::timestamp AT TIME ZONE 'UTC', 'UTC'), "
      "i.stockout_risk_30d, i.action, i.action_quantity, i.reason "
      "FROM prodplan.inventory_policy(($1->>'service_level')::float8, jsonb_build_object('plant', $1->>'plant')) i "
      "ORDER BY CASE i.action WHEN 'expedite' THEN 0 WHEN 'order_now' THEN 1 WHEN 'excess' THEN 2 ELSE 3 END, i.material_id", p);
  pp_call(kWho, [&] {
    auto& d = run->inventory;
    d.facts = facts_of(facts);
    d.policy.columns = {{"Material", Kind::Text, ""},
                        {"Name", Kind::Text, ""},
                        {"Unit", Kind::Text, ""},
                        {"ABC", Kind::Text, "By consumption value: A the top 80%, B the next 15%."},
                        {"XYZ", Kind::Text, "By the variability of daily demand: X steady, Z erratic."},
                        {"Demand class", Kind::Text, "smooth, intermittent, erratic or lumpy (ADI and CV2)."},
                        {"Mean daily demand", Kind::Number, ""},
                        {"SD daily demand", Kind::Number, ""},
                        {"Lead time (days)", Kind::Number, ""},
                        {"Method", Kind::Text, "How the safety stock was computed."},
                        {"Safety stock", Kind::Number, ""},
                        {"Reorder point", Kind::Number, ""},
                        {"EOQ", Kind::Number, "Economic order quantity."},
                        {"Order quantity", Kind::Number, ""},
                        {"On hand", Kind::Number, ""},
                        {"Open supply", Kind::Number, ""},
                        {"Stock position", Kind::Number, "On hand plus open supply."},
                        {"Days of cover", Kind::Number, ""},
                        {"Stock-out date", Kind::Date, "When the current plan's needs exhaust the stock."},
                        {"Stock-out risk 30 d", Kind::Percent, ""},
                        {"Action", Kind::Text, "expedite, order_now, excess, ok or no_demand."},
                        {"Action quantity", Kind::Number, ""},
                        {"Reason", Kind::Text, ""}};
    d.policy.rows = policy;
    d.action_column = "Action";
  });
}

void read_template(Jsonb* p, ReportRun* run) {
  const TextTable cols = query("SELECT * FROM prodplan.report_template_columns()", p);
  pp_call(kWho, [&] {
    // The reference order of sheets and headers, with what the database
    // says about each header.
    std::map<std::pair<std::string, std::string>, int64> at;
    for (int64 i = 0; i < cols.rows; ++i) at[{cols.cell(i, 0), cols.cell(i, 1)}] = i;
    for (const pp::model::SheetFormat& f : pp::model::reference_sheets()) {
      pp::report::TemplateSheet s;
      s.name = std::string(f.name);
      for (std::string_view h : f.headers) {
        pp::report::TemplateColumn c;
        c.header = std::string(h);
        const auto it = at.find({s.name, c.header});
        if (it != at.end()) {
          const int64 i = it->second;
          c.canonical = cols.cell(i, 2) ? cols.cell(i, 2) : "";
          c.type = cols.cell(i, 3) ? cols.cell(i, 3) : "text";
          c.required = cols.cell(i, 4) && cols.cell(i, 4)[0] == 't';
          c.meaning = cols.cell(i, 5) ? cols.cell(i, 5) : "";
        } else {
          c.type = "text";
          c.meaning = "Not read by the prodplan profile.";
        }
        s.columns.push_back(std::move(c));
      }
      run->templ.sheets.push_back(std::move(s));
    }
  });
}

}  // namespace

// (report, params) -> bytea: the workbook. params are resolved by
// prodplan.export_xlsx (plant, tz and the report's own).
Datum prodplan_xlsx_report(PG_FUNCTION_ARGS) {
  const char* report = text_to_cstring(PG_GETARG_TEXT_PP(0));
  Jsonb* params = PG_GETARG_JSONB_P(1);
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();
  // The workbook is returned after SPI_finish, which frees what was palloc'd
  // while connected: it is read into the caller's context instead. (Read in
  // SPI's, the bytes were freed before plpgsql copied them, and a clean-clone
  // run got an inventory report whose zip directory glibc had overwritten.)
  MemoryContext caller = CurrentMemoryContext;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "%s: SPI_connect failed", kWho);
  ReportRun* run = nullptr;
  char* volatile path = nullptr;
  void* result = nullptr;
  PG_TRY();
  {
    pp_call(kWho, [&] { run = new ReportRun(); });
    if (strcmp(report, "plan") == 0) read_plan(params, run);
    else if (strcmp(report, "kpis") == 0) read_kpis(params, run);
    else if (strcmp(report, "quality") == 0) read_quality(params, run);
    else if (strcmp(report, "inventory") == 0) read_inventory(params, run);
    else if (strcmp(report, "template") == 0) read_template(params, run);
    else
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s: unknown report \"%s\"", kWho, report),
                      errhint("Reports are plan, kpis, quality, inventory and template.")));
    path = pp::pg::make_temp_file(kWho, "prodplan-report");
    const char* out = path;
    pp_call(kWho, [&] {
      pp::report::ReportOptions o;
      if (strcmp(report, "plan") == 0) pp::report::write_plan_report(run->plan, out, o, cancel);
      else if (strcmp(report, "kpis") == 0) pp::report::write_kpi_report(run->kpis, out, o, cancel);
      else if (strcmp(report, "quality") == 0) pp::report::write_quality_report(run->quality, out, o, cancel);
      else if (strcmp(report, "inventory") == 0) pp::report::write_inventory_report(run->inventory, out, o, cancel);
      else pp::report::write_template_report(run->templ, out, o, cancel);
    });
    MemoryContext spi = MemoryContextSwitchTo(caller);
    result = pp::pg::read_file_bytea(kWho, path);
    MemoryContextSwitchTo(spi);
  }
  PG_FINALLY();
  {
    if (path != nullptr && path[0]) unlink(path);
    delete run;
  }
  PG_END_TRY();
  SPI_finish();
  PG_RETURN_BYTEA_P(reinterpret_cast<bytea*>(result));
}

// (path, data) -> bytes written: a server-side file, for roles with
// pg_write_server_files (checked here as well as by the grants).
Datum prodplan_write_server_file(PG_FUNCTION_ARGS) {
  const char* path = text_to_cstring(PG_GETARG_TEXT_PP(0));
  bytea* data = PG_GETARG_BYTEA_PP(1);
  if (!has_privs_of_role(GetUserId(), ROLE_PG_WRITE_SERVER_FILES))
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("prodplan.export_xlsx_file: writing a server file needs the privileges of pg_write_server_files"),
                    errhint("Call prodplan.export_xlsx() and save the bytea on the client (see the README).")));
  if (!is_absolute_path(path))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.export_xlsx_file: the path must be absolute, got \"%s\"", path)));
  const char* bytes = VARDATA_ANY(data);
  const size_t len = VARSIZE_ANY_EXHDR(data);
  FILE* f = AllocateFile(path, PG_BINARY_W);
  if (f == nullptr) ereport(ERROR, (errcode_for_file_access(), errmsg("prodplan.export_xlsx_file: could not create \"%s\": %m", path)));
  if (fwrite(bytes, 1, len, f) != len) {
    FreeFile(f);
    ereport(ERROR, (errcode_for_file_access(), errmsg("prodplan.export_xlsx_file: could not write \"%s\": %m", path)));
  }
  if (FreeFile(f) != 0)
    ereport(ERROR, (errcode_for_file_access(), errmsg("prodplan.export_xlsx_file: could not close \"%s\": %m", path)));
  PG_RETURN_INT64((int64)len);
}
