// The quality report: where defects come from.
//
// Sheets, in this order:
//   "Summary"  the facts (only when there are some);
//   "Pareto"   description, defects, cumulative share (Percent: the running
//              sum of defects over all defects, in the given order, which the
//              SQL layer makes most-first; empty when there are no defects),
//              and beside it a Pareto chart: columns of defects with a line of
//              the cumulative share on a secondary 0-100 % axis (see
//              report_chart_patch.h: libxlsxwriter 1.1.4 has no
//              chart_combine); the chart only when there is a row;
//   "Heatmap"  one row per evaluating work center, one column per culprit
//              work center (both in natural order; a NULL one is "(unknown)",
//              last), the defects of each pair in the cells (0 where none;
//              repeated pairs are summed), a "Total" column, and below the
//              table a bold "Total" row; a 3-colour scale (white, yellow, red)
//              over the pair cells;
//   "SPC"      the spc table as given.
// Tables follow report_sheet.h; the workbook is built in memory, so each
// table is an Excel table.
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/report/report_data.h"
#include "core/report/report_options.h"

#include <string>

namespace pp::report {

// Writes the quality report to `path` (replaced only when complete). Throws
// pp::Error on bad input (a defects count that is NULL, not a number or
// negative; wrong column counts; see report_sheet.h) naming the table, row
// and column, or on a libxlsxwriter / file error; pp::Cancelled when
// `cancel` fires. No file is left at `path` by a failed call.
void write_quality_report(const QualityReportData& data, const std::string& path,
                          const ReportOptions& options, const CancelToken& cancel = {});

}  // namespace pp::report
