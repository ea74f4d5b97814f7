// The KPI report: shop-floor KPIs over a range of days or ISO weeks.
//
// Sheets, in this order:
//   "Summary"         the facts (only when there are some);
//   "By period"       a pivot of by_period: one row per period (ascending,
//                     date format), one column per KPI (in order of first
//                     appearance; header note: its unit), the value in the
//                     cells (empty where a period has none); beside it a line
//                     chart with one series per KPI of line_kpis that occurs
//                     (categories: the periods) when there is a period and
//                     such a KPI;
//   "By work center"  the same for by_work_center: one row per work center
//                     (natural order; a NULL one is "(unknown)", last), one
//                     column per KPI; beside it a clustered column chart of
//                     the bar_kpis that occur;
//   "Data"            by_period as it came (period, kpi, value, unit);
//   "Data by work center"  by_work_center as it came.
// With no rows the sheets still exist with their headers (and no chart).
// Values are numbers (format #,##0.00); NULL is an empty cell. Tables follow
// report_sheet.h; the workbook is built in memory, so each is an Excel table.
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/report/report_data.h"
#include "core/report/report_options.h"

#include <string>

namespace pp::report {

// Writes the KPI report to `path` (replaced only when complete). Throws
// pp::Error on bad input, naming the input table, row and column: a NULL
// period or KPI, a period that is not Unix seconds, a value
// that is not a number (NULL and NaN/Infinity are allowed), the same
// (period, KPI) or (work center, KPI) twice, a wrong column count; or on a
// libxlsxwriter / file error; pp::Cancelled when `cancel` fires. No file is
// left at `path` by a failed call.
void write_kpi_report(const KpiReportData& data, const std::string& path,
                      const ReportOptions& options, const CancelToken& cancel = {});

}  // namespace pp::report
