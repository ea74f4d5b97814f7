#include "core/report/report_inventory.h"

#include "core/report/report_sheet.h"
#include "core/report/report_workbook.h"

#include <algorithm>

namespace pp::report {

using namespace detail;

namespace {

struct ActionStyle {
  const char* value;
  lxw_color_t fill, font;
};
// Excel's own "light fill, dark text" pairs where it has one.
constexpr ActionStyle kActions[] = {
    {"expedite", 0xFFC7CE, 0x9C0006},   // red
    {"order_now", 0xFFD8A8, 0x9C4A00},  // orange
    {"excess", 0xBDD7EE, 0x1F4E78},     // blue
    {"ok", 0xC6EFCE, 0x006100},         // green
    {"no_demand", 0xD9D9D9, 0x404040},  // grey
};

}  // namespace

void write_inventory_report(const InventoryReportData& data, const std::string& path,
                            const ReportOptions& options, const CancelToken& cancel) {
  ReportWorkbook book(path, options, WorkbookMode::InMemory, "inventory report");
  const auto& cols = data.policy.columns;
  const auto action = std::find_if(cols.begin(), cols.end(),
                                   [&](const Column& c) { return c.header == data.action_column; });
  if (action == cols.end()) {
    throw_invalid(book.report() + ": the policy table has no column named \"" +
                  data.action_column + "\" (action_column)");
  }
  if (!data.facts.empty()) {
    ReportSheet summary(book, "Summary");
    summary.write_facts(0, 0, data.facts);
    summary.apply_widths();
  }
  ReportSheet sheet(book, "Policy");
  const TablePlacement p = sheet.write_table(0, 0, data.policy, "policy", cancel);
  if (p.rows > 0) {
    const auto col = static_cast<lxw_col_t>(p.first_col + (action - cols.begin()));
    for (const ActionStyle& a : kActions) {
      lxw_format* f = book.add_format();
      format_set_bg_color(f, a.fill);
      format_set_font_color(f, a.font);
      const std::string quoted = std::string("\"") + a.value + "\"";
      lxw_conditional_format cf{};
      cf.type = LXW_CONDITIONAL_TYPE_CELL;
      cf.criteria = LXW_CONDITIONAL_CRITERIA_EQUAL_TO;
      cf.value_string = const_cast<char*>(quoted.c_str());
      cf.format = f;
      sheet.check(worksheet_conditional_format_range(sheet.ws(), p.first_data_row(), col,
                                                     p.last_row(), col, &cf),
                  std::string("adding the format of action ") + a.value);
    }
  }
  sheet.apply_widths();
  cancel.poll();
  book.close();
}

}  // namespace pp::report
