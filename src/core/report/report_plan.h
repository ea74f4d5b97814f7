// The plan report: a released or candidate plan as an .xlsx for the shop.
//
// Sheets, in this order:
//   "Summary"     the facts (label / value rows from A1);
//   "Orders"      the orders table;
//   "Operations"  the operations table (50,000+ rows are fine);
//   "Gantt"       work centers x time buckets (report_gantt.h);
//   "KPIs"        the plan's KPIs table (kpi, value, unit).
// Tables follow report_sheet.h. The workbook is written in constant-memory
// mode (each row goes to a temporary file in ReportOptions::tmpdir as soon as
// the next one starts), so memory stays flat whatever the number of
// operations; libxlsxwriter 1.1.4 cannot make Excel tables in that mode, so
// every table here gets an autofilter over its header and rows and panes
// frozen below its header instead. Text is written as inline strings (no
// shared-strings part).
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/report/report_data.h"
#include "core/report/report_options.h"

#include <string>

namespace pp::report {

// Writes the plan report to `path` (replaced only when complete). Throws
// pp::Error on bad input (the message names the sheet or input table, the
// row and the column; see report_sheet.h and report_gantt.h) or on a
// libxlsxwriter / file error, and pp::Cancelled when `cancel` fires (polled
// every few thousand rows); no file is left at `path` by a failed call.
void write_plan_report(const PlanReportData& data, const std::string& path,
                       const ReportOptions& options, const CancelToken& cancel = {});

}  // namespace pp::report
