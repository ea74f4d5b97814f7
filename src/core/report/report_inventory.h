// The inventory report: the stock policy of every item with what to do.
//
// Sheets, in this order:
//   "Summary"  the facts (only when there are some);
//   "Policy"   the policy table (report_sheet.h; an Excel table), with
//              conditional formats on its action column (the column whose
//              header is action_column) by value, Excel's "cell value equals"
//              rules (case-insensitive): expedite red, order_now orange,
//              excess blue, ok green, no_demand grey (light fill, dark text).
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/report/report_data.h"
#include "core/report/report_options.h"

#include <string>

namespace pp::report {

// Writes the inventory report to `path` (replaced only when complete).
// Throws pp::Error on bad input (no column named action_column:
// InvalidParameter; see report_sheet.h for the table) naming the sheet, row
// and column, or on a libxlsxwriter / file error; pp::Cancelled when
// `cancel` fires. No file is left at `path` by a failed call.
void write_inventory_report(const InventoryReportData& data, const std::string& path,
                           const ReportOptions& options, const CancelToken& cancel = {});

}  // namespace pp::report
