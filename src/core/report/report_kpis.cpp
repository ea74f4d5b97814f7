#include "core/report/report_kpis.h"

#include "core/report/report_cells.h"
#include "core/report/report_input.h"
#include "core/report/report_sheet.h"
#include "core/report/report_workbook.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pp::report {

using namespace detail;

namespace {

// Natural order of work centers, the unknown one (NULL) last.
struct WorkCenterLess {
  bool operator()(std::string_view a, std::string_view b) const {
    const bool ua = a == kUnknown, ub = b == kUnknown;
    if (ua || ub) return !ua && ub;
    return natural_less(a, b);
  }
};
std::string_view work_center_key(const char* cell) {
  return cell == nullptr || *cell == '\0' ? std::string_view(kUnknown) : std::string_view(cell);
}

// Turns a long-form table (key, kpi, value, unit) into one row per key
// (ordered by Less; key_of reads and checks a row's key, key_cell gives the
// text its row shows) and one column per KPI (by first appearance, header
// note: its units). The KPI names go to kpis_out. A (key, KPI) pair given
// twice is an error.
template <class Key, class Less, class KeyOf, class KeyCell>
BuiltTable pivot(const InputTable& in, const Column& key_column, KeyOf key_of, KeyCell key_cell,
                 std::vector<std::string_view>& kpis_out, const CancelToken& cancel) {
  struct Cell {
    std::size_t key, kpi;  // key by first appearance
    const char* value;
    std::int64_t row;
  };
  std::vector<Cell> cells;
  cells.reserve(static_cast<std::size_t>(in.rows()));
  std::map<Key, std::size_t, Less> keys;  // key -> first appearance
  std::vector<const char*> key_text;      // by first appearance: the key's cell
  std::vector<std::string_view> kpis;
  std::vector<std::vector<std::string_view>> units;  // per KPI, distinct
  std::unordered_map<std::string_view, std::size_t> kpi_of;
  for (std::int64_t r = 0; r < in.rows(); ++r) {
    if (r % kPollEveryRows == 0) cancel.poll();
    auto [it, fresh] = keys.emplace(key_of(r), key_text.size());
    if (fresh) key_text.push_back(key_cell(r));
    const std::string_view kpi = in.key(r, 1);
    auto [kt, kfresh] = kpi_of.emplace(kpi, kpis.size());
    if (kfresh) {
      kpis.push_back(kpi);
      units.emplace_back();
    }
    const char* unit = in.raw(r, 3);
    if (unit != nullptr && *unit != '\0') {
      auto& us = units[kt->second];
      if (std::find(us.begin(), us.end(), std::string_view(unit)) == us.end()) us.push_back(unit);
    }
    cells.push_back(Cell{it->second, kt->second, in.optional_number(r, 2), r});
  }
  // Output rows in key order.
  std::vector<std::size_t> out_row(key_text.size());
  std::vector<const char*> row_text;
  row_text.reserve(key_text.size());
  for (const auto& [k, first] : keys) {
    out_row[first] = row_text.size();
    row_text.push_back(key_text[first]);
  }
  const std::size_t nk = kpis.size();
  std::vector<const char*> grid(row_text.size() * nk, nullptr);
  std::vector<std::int64_t> seen(grid.size(), -1);
  for (const Cell& c : cells) {
    const std::size_t at = out_row[c.key] * nk + c.kpi;
    if (seen[at] >= 0) {
      in.fail(c.row, 1, "KPI \"" + std::string(kpis[c.kpi]) + "\" is given again for this " +
                            key_column.header + " (first at row " + std::to_string(seen[at] + 1) +
                            ")");
    }
    seen[at] = c.row;
    grid[at] = c.value;
  }

  std::vector<Column> columns{key_column};
  for (std::size_t k = 0; k < nk; ++k) {
    std::string note;
    const auto& us = units[k];
    for (std::size_t u = 0; u < us.size(); ++u) {
      note += u == 0 ? (us.size() == 1 ? "Unit: " : "Units: ") : ", ";
      note += us[u];
    }
    columns.push_back({std::string(kpis[k]), Kind::Number, note});
  }
  BuiltTable t(std::move(columns));
  for (std::size_t r = 0; r < row_text.size(); ++r) {
    t.add(row_text[r]);
    for (std::size_t k = 0; k < nk; ++k) t.add(grid[r * nk + k]);
  }
  kpis_out = std::move(kpis);
  return t;
}

Table long_form(const TextTable& t, std::vector<Column> columns) { return Table{std::move(columns), t}; }

// A chart of `type` beside the pivot with one series per wanted KPI present;
// none when there is no row or no such KPI.
void pivot_chart(ReportWorkbook& book, ReportSheet& sheet, const TablePlacement& p,
                 const std::vector<std::string_view>& kpis, const std::vector<std::string>& wanted,
                 std::uint8_t type, const char* title, const char* category_format) {
  if (p.rows == 0) return;
  std::vector<lxw_col_t> series;
  for (const auto& w : wanted) {
    const auto it = std::find(kpis.begin(), kpis.end(), std::string_view(w));
    if (it == kpis.end()) continue;
    const auto col = static_cast<lxw_col_t>(p.first_col + 1 + (it - kpis.begin()));
    if (std::find(series.begin(), series.end(), col) == series.end()) series.push_back(col);
  }
  if (series.empty()) return;
  lxw_chart* chart = book.add_chart(type);
  const char* name = sheet.name().c_str();
  for (lxw_col_t col : series) {
    lxw_chart_series* s = chart_add_series(chart, nullptr, nullptr);
    if (s == nullptr) throw Error(ErrorKind::Internal, sheet.where() + ": cannot add a chart series");
    chart_series_set_categories(s, name, p.first_data_row(), p.first_col, p.last_row(), p.first_col);
    chart_series_set_values(s, name, p.first_data_row(), col, p.last_row(), col);
    chart_series_set_name_range(s, name, p.header_row, col);
  }
  chart_title_set_name(chart, title);
  chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
  if (category_format != nullptr) chart_axis_set_num_format(chart->x_axis, category_format);
  lxw_chart_options o{};
  o.x_scale = 1.6;
  o.y_scale = 1.4;
  sheet.check(worksheet_insert_chart_opt(sheet.ws(), p.header_row,
                                         static_cast<lxw_col_t>(p.last_col + 2), chart, &o),
              std::string("inserting the chart \"") + title + "\"");
}

}  // namespace

void write_kpi_report(const KpiReportData& data, const std::string& path,
                      const ReportOptions& options, const CancelToken& cancel) {
  ReportWorkbook book(path, options, WorkbookMode::InMemory, "kpi report");
  if (!data.facts.empty()) {
    ReportSheet summary(book, "Summary");
    summary.write_facts(0, 0, data.facts);
    summary.apply_widths();
  }
  const InputTable periods(book.report(), "by_period", data.by_period,
                           {"period", "kpi", "value", "unit"});
  const InputTable centers(book.report(), "by_work_center", data.by_work_center,
                           {"work_center_id", "kpi", "value", "unit"});
  {
    ReportSheet sheet(book, "By period");
    std::vector<std::string_view> kpis;
    BuiltTable t = pivot<std::int64_t, std::less<std::int64_t>>(
        periods, Column{"period", Kind::Date, ""},
        [&](std::int64_t r) { return periods.time(r, 0); },
        [&](std::int64_t r) { return periods.raw(r, 0); }, kpis, cancel);
    const TablePlacement p = sheet.write_table(0, 0, t.table(), "by period", cancel);
    pivot_chart(book, sheet, p, kpis, data.line_kpis, LXW_CHART_LINE, "KPIs by period",
                "yyyy-mm-dd");
    sheet.apply_widths();
  }
  {
    ReportSheet sheet(book, "By work center");
    std::vector<std::string_view> kpis;
    BuiltTable t = pivot<std::string_view, WorkCenterLess>(
        centers, Column{"work_center_id", Kind::Text, ""},
        [&](std::int64_t r) { return work_center_key(centers.raw(r, 0)); },
        [&](std::int64_t r) { return work_center_key(centers.raw(r, 0)).data(); }, kpis, cancel);
    const TablePlacement p = sheet.write_table(0, 0, t.table(), "by work center", cancel);
    pivot_chart(book, sheet, p, kpis, data.bar_kpis, LXW_CHART_COLUMN, "KPIs by work center",
                nullptr);
    sheet.apply_widths();
  }
  {
    ReportSheet sheet(book, "Data");
    sheet.write_table(0, 0,
                      long_form(data.by_period, {{"period", Kind::Date, ""},
                                                 {"kpi", Kind::Text, ""},
                                                 {"value", Kind::Number, ""},
                                                 {"unit", Kind::Text, ""}}),
                      "data", cancel);
    sheet.apply_widths();
  }
  {
    ReportSheet sheet(book, "Data by work center");
    sheet.write_table(0, 0,
                      long_form(data.by_work_center, {{"work_center_id", Kind::Text, ""},
                                                      {"kpi", Kind::Text, ""},
                                                      {"value", Kind::Number, ""},
                                                      {"unit", Kind::Text, ""}}),
                      "data by work center", cancel);
    sheet.apply_widths();
  }
  cancel.poll();
  book.close();
}

}  // namespace pp::report
