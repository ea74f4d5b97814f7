#include "core/report/report_plan.h"

#include "core/report/report_gantt.h"
#include "core/report/report_sheet.h"
#include "core/report/report_workbook.h"

namespace pp::report {

using namespace detail;

void write_plan_report(const PlanReportData& data, const std::string& path,
                       const ReportOptions& options, const CancelToken& cancel) {
  ReportWorkbook book(path, options, WorkbookMode::ConstantMemory, "plan report");
  {
    ReportSheet summary(book, "Summary");
    summary.write_facts(0, 0, data.facts);
    summary.apply_widths();
  }
  {
    ReportSheet orders(book, "Orders");
    orders.write_table(0, 0, data.orders, "orders", cancel);
    orders.apply_widths();
  }
  {
    ReportSheet operations(book, "Operations");
    operations.write_table(0, 0, data.operations, "operations", cancel);
    operations.apply_widths();
  }
  write_gantt_sheet(book, data, cancel);
  {
    ReportSheet kpis(book, "KPIs");
    kpis.write_table(0, 0, data.kpis, "kpis", cancel);
    kpis.apply_widths();
  }
  cancel.poll();
  book.close();
}

}  // namespace pp::report
