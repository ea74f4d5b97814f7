#include "core/report/report_quality.h"

#include "core/report/report_cells.h"
#include "core/report/report_chart_patch.h"
#include "core/report/report_input.h"
#include "core/report/report_sheet.h"
#include "core/report/report_workbook.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <vector>

namespace pp::report {

using namespace detail;

namespace {

// The only chart of this workbook, hence libxlsxwriter's first chart part.
constexpr const char* kParetoChartPart = "xl/charts/chart1.xml";

// Natural order with the unknown (NULL) work center last.
struct KeyLess {
  bool operator()(std::string_view a, std::string_view b) const {
    const bool ua = a.empty(), ub = b.empty();
    if (ua || ub) return !ua && ub;
    return natural_less(a, b);
  }
};
std::string_view key_or_unknown(const char* s) { return s == nullptr ? std::string_view() : s; }
const char* shown(std::string_view k) { return k.empty() ? kUnknown : k.data(); }

// Pareto: the given rows plus the cumulative share; returns whether a chart was added.
bool write_pareto(ReportWorkbook& book, const QualityReportData& data, const CancelToken& cancel) {
  ReportSheet sheet(book, "Pareto");
  InputTable in(book.report(), "pareto", data.pareto, {"description", "defects"});
  double total = 0;
  for (std::int64_t r = 0; r < in.rows(); ++r) total += in.count(r, 1);
  BuiltTable t({{"description", Kind::Text, ""},
                {"defects", Kind::Integer, ""},
                {"cumulative share", Kind::Percent,
                 "Defects of this and the rows above as a share of all defects"}});
  double running = 0;
  for (std::int64_t r = 0; r < in.rows(); ++r) {
    if (r % kPollEveryRows == 0) cancel.poll();
    t.add(in.raw(r, 0));
    t.add(in.raw(r, 1));
    running += in.count(r, 1);
    if (total > 0) {
      t.add_number(running / total);
    } else {
      t.add(nullptr);
    }
  }
  const TablePlacement p = sheet.write_table(0, 0, t.table(), "pareto", cancel);
  sheet.apply_widths();
  if (p.rows == 0) return false;

  // Both series as columns here; the share becomes a line on a secondary
  // axis when the file is patched (report_chart_patch.h).
  lxw_chart* chart = book.add_chart(LXW_CHART_COLUMN);
  const char* name = sheet.name().c_str();
  for (lxw_col_t col : {lxw_col_t{1}, lxw_col_t{2}}) {
    lxw_chart_series* s = chart_add_series(chart, nullptr, nullptr);
    if (s == nullptr) throw Error(ErrorKind::Internal, sheet.where() + ": cannot add a chart series");
    chart_series_set_categories(s, name, p.first_data_row(), 0, p.last_row(), 0);
    chart_series_set_values(s, name, p.first_data_row(), col, p.last_row(), col);
    chart_series_set_name_range(s, name, p.header_row, col);
  }
  chart_title_set_name(chart, "Pareto of defects");
  chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
  lxw_chart_options o{};
  o.x_scale = 1.6;
  o.y_scale = 1.4;
  sheet.check(worksheet_insert_chart_opt(sheet.ws(), 0, static_cast<lxw_col_t>(p.last_col + 2),
                                         chart, &o),
              "inserting the Pareto chart");
  return true;
}

void write_heatmap(ReportWorkbook& book, const QualityReportData& data, const CancelToken& cancel) {
  ReportSheet sheet(book, "Heatmap");
  InputTable in(book.report(), "heatmap", data.heatmap,
                {"evaluation_work_center_id", "culprit_work_center_id", "defects"});
  std::map<std::string_view, std::size_t, KeyLess> rows, cols;
  for (std::int64_t r = 0; r < in.rows(); ++r) {
    if (r % kPollEveryRows == 0) cancel.poll();
    in.count(r, 2);
    rows.emplace(key_or_unknown(in.raw(r, 0)), 0);
    cols.emplace(key_or_unknown(in.raw(r, 1)), 0);
  }
  std::size_t i = 0;
  for (auto& [k, v] : rows) v = i++;
  i = 0;
  for (auto& [k, v] : cols) v = i++;
  const std::size_t nr = rows.size(), nc = cols.size();
  std::vector<double> m(nr * nc, 0.0);
  for (std::int64_t r = 0; r < in.rows(); ++r) {
    m[rows.at(key_or_unknown(in.raw(r, 0))) * nc + cols.at(key_or_unknown(in.raw(r, 1)))] +=
        in.count(r, 2);
  }

  std::vector<Column> columns{{"evaluating work center", Kind::Text,
                               "Rows: the work center where the defect was found. Columns: the "
                               "work center that caused it. Cells: defects of the pair."}};
  for (const auto& [k, v] : cols) columns.push_back({shown(k), Kind::Integer, ""});
  columns.push_back({"Total", Kind::Integer, "Defects found at this work center"});
  BuiltTable t(std::move(columns));
  std::vector<double> col_total(nc, 0.0);
  double grand = 0;
  for (const auto& [k, ri] : rows) {
    t.add(shown(k));
    double row_total = 0;
    for (std::size_t c = 0; c < nc; ++c) {
      const double v = m[ri * nc + c];
      t.add_number(v);
      row_total += v;
      col_total[c] += v;
    }
    t.add_number(row_total);
    grand += row_total;
  }
  const TablePlacement p = sheet.write_table(0, 0, t.table(), "heatmap", cancel);
  if (p.rows > 0) {
    const lxw_row_t tr = p.end_row();
    sheet.text(tr, 0, "Total", sheet.formats().label);
    for (std::size_t c = 0; c < nc; ++c) {
      sheet.number(tr, static_cast<lxw_col_t>(1 + c), col_total[c], sheet.formats().total_number);
    }
    sheet.number(tr, static_cast<lxw_col_t>(1 + nc), grand, sheet.formats().total_number);

    lxw_conditional_format cf{};
    cf.type = LXW_CONDITIONAL_3_COLOR_SCALE;
    cf.min_color = 0xFFFFFF;
    cf.mid_color = 0xFFEB84;
    cf.max_color = 0xF8696B;
    sheet.check(worksheet_conditional_format_range(sheet.ws(), p.first_data_row(), 1, p.last_row(),
                                                   static_cast<lxw_col_t>(nc), &cf),
                "adding the heatmap's colour scale");
  }
  sheet.apply_widths();
}

}  // namespace

void write_quality_report(const QualityReportData& data, const std::string& path,
                          const ReportOptions& options, const CancelToken& cancel) {
  ReportWorkbook book(path, options, WorkbookMode::InMemory, "quality report");
  if (!data.facts.empty()) {
    ReportSheet summary(book, "Summary");
    summary.write_facts(0, 0, data.facts);
    summary.apply_widths();
  }
  const bool chart = write_pareto(book, data, cancel);
  write_heatmap(book, data, cancel);
  {
    ReportSheet spc(book, "SPC");
    spc.write_table(0, 0, data.spc, "spc", cancel);
    spc.apply_widths();
  }
  cancel.poll();
  book.close([&](const std::string& written) {
    if (!chart) return;
    const std::string xml = read_zip_entry(written, kParetoChartPart);
    replace_zip_entry(written, kParetoChartPart,
                      combine_second_series_as_line(xml, "0%", 0, 1));
  });
}

}  // namespace pp::report
