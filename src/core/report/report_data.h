// What the Excel reports (issue 10) are written from: plain tables the SQL
// layer reads (src/pg/report_functions.cpp), one struct per report. The core
// turns them into .xlsx files with libxlsxwriter (report_*.h); it never
// queries anything, so every report is unit-tested without a server.
//
// Conventions of every table:
//   - cells are text as PostgreSQL prints them (planning::TextTable; nullptr
//     = NULL, written as an empty cell); not owned, they outlive the write;
//   - date-times are the plant's local wall-clock time as Unix seconds
//     (SQL: extract(epoch FROM ts AT TIME ZONE plant.timezone)), so Excel
//     shows the times the plant lives by; dates likewise at 00:00;
//   - booleans are "t" / "f";
//   - each table's column order is given by the Column list that describes
//     it (a report's columns are fixed by the report, named below).
#pragma once
#include "core/common/core_only.h"

#include "core/planning/plan_inputs.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pp::report {

using planning::TextTable;

// How a missing group key (NULL product, culprit, ...) is shown in a report.
inline constexpr const char* kUnknown = "(unknown)";

// How a column is written: its Excel number format and width.
enum class Kind {
  Text,       // a string
  Integer,    // a number, format 0
  Number,     // a number, format #,##0.00
  Hours,      // a number of hours, format #,##0.0
  Percent,    // a fraction 0..1, format 0.0%
  DateTime,   // Unix seconds -> Excel serial, format yyyy-mm-dd hh:mm
  Date,       // Unix seconds -> Excel serial, format yyyy-mm-dd
  Bool,       // "t"/"f" -> TRUE/FALSE
};

struct Column {
  std::string header;
  Kind kind = Kind::Text;
  std::string comment;  // a note on the header cell ("" none): what it means, its unit
};

// A table with its column descriptions (columns.size() == rows.cols).
struct Table {
  std::vector<Column> columns;
  TextTable rows;
};

// Key/value facts shown above or beside a report (plan id, plant, made at, ...).
struct Fact {
  std::string label;
  std::string value;
};

// --- plan -------------------------------------------------------------------
// Orders: order_id, product_id, priority, due_at, planned_start, planned_end,
//   lateness_hours (planned_end - due_at, NULL without a due date), status
//   (on_time, late, no_due_date, not_planned).
// Operations: order_id, operation, work_center_id, unit, setup_start_at,
//   start_at, end_at, setup_minutes, work_minutes, duration_source, is_fixed.
// Gantt bars: work_center_id, unit, order_id, start_at, end_at (the plan's
//   operations again, by work center, unit, start).
// Non-working time: work_center_id, from, to (intervals inside the plan's
//   horizon when the work center's calendar has no shift: weekends, breaks,
//   holidays; none for a work center working around the clock).
// KPIs: kpi, value, unit (prodplan.plan_kpis).
struct PlanReportData {
  std::vector<Fact> facts;   // plan id, plant, rule, objective, plan start, made at, time zone
  Table orders, operations, kpis;
  TextTable gantt_bars;      // work_center_id, unit, order_id, start, end
  TextTable non_working;     // work_center_id, from, to
  double horizon_from = 0, horizon_to = 0;  // local Unix seconds the Gantt spans
  double bucket_hours = 0;   // Gantt column width in hours; 0: chosen from the horizon
};

// --- kpis -------------------------------------------------------------------
// By period: period (date), kpi, value, unit, for every period of the range
//   (day or ISO week); By work center: work_center_id, kpi, value, unit.
struct KpiReportData {
  std::vector<Fact> facts;   // plant, from, to, period (day or week)
  TextTable by_period;       // period, kpi, value, unit
  TextTable by_work_center;  // work_center_id, kpi, value, unit
  std::vector<std::string> line_kpis;  // KPIs drawn as lines over the periods (e.g. throughput, oee)
  std::vector<std::string> bar_kpis;   // KPIs drawn as bars per work center (e.g. operations_completed)
};

// --- quality ----------------------------------------------------------------
// Pareto: description, defects (most first); the report adds the cumulative share.
// Heatmap: evaluation_work_center_id, culprit_work_center_id, defects.
// SPC: one row per characteristic (columns given by the Table).
struct QualityReportData {
  std::vector<Fact> facts;   // plant, from, to
  TextTable pareto;          // description, defects
  TextTable heatmap;         // evaluating, culprit, defects
  Table spc;                 // characteristic summary (n, mean, sigma, cpk, out-of-control points, ...)
};

// --- inventory --------------------------------------------------------------
// The policy table (prodplan.inventory_policy) with its action column named
// by action_column (expedite, order_now, excess, ok, no_demand) formatted by
// value.
struct InventoryReportData {
  std::vector<Fact> facts;   // plant, as of, service level
  Table policy;
  std::string action_column = "action";
};

// --- template ---------------------------------------------------------------
// The reference workbook's sheets, empty: per sheet its name and columns in
// the reference order, each with the canonical column it feeds, its type
// (text, int, float8, timestamptz, boolean, ...), whether it is required,
// and what it means (the header's comment).
struct TemplateColumn {
  std::string header, canonical, type, meaning;
  bool required = false;
};
struct TemplateSheet {
  std::string name;
  std::vector<TemplateColumn> columns;
};
struct TemplateReportData {
  std::vector<TemplateSheet> sheets;
};

}  // namespace pp::report
