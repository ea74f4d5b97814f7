// The quality report (src/core/report/report_quality.h): Pareto with the
// cumulative share and a column + line chart on a secondary axis (the chart
// part rewritten after libxlsxwriter, report_chart_patch.h), the heatmap
// matrix with totals and a colour scale, the SPC table.
#include "core/report/report_chart_patch.h"
#include "core/report/report_quality.h"

#include "test_report_helpers.h"

#include <gtest/gtest.h>

namespace test_report_quality {

using namespace pp::test::report;
using pp::report::Kind;
using pp::report::QualityReportData;
using CK = pp::xlsx::CellValue::Kind;

namespace {

struct QualityFixture {
  Cells pareto{2}, heat{3}, spc{5};
  QualityReportData data;
  QualityFixture() {
    data.facts = {{"Plant", "P1"}, {"From", "2026-01-01"}, {"To", "2026-03-01"}};
    pareto.row({"Bolha no gelcoat", "50"})
        .row({"Pintura malhada", "30"})
        .row({"Risco", "15"})
        .row({std::nullopt, "5"});
    data.pareto = pareto.table();
    heat.row({"30", "10", "4"})
        .row({"30", "2", "3"})
        .row({"40", "10", "1"})
        .row({"30", "10", "2"})  // same pair again: summed
        .row({"40", std::nullopt, "5"});
    data.heatmap = heat.table();
    spc.row({"hull weight", "120", "20.51", "1.42", "0"}).row({"deck gel", "80", "1.25", std::nullopt, "3"});
    data.spc = {{{"characteristic", Kind::Text, ""},
                 {"n", Kind::Integer, "readings"},
                 {"mean", Kind::Number, ""},
                 {"cpk", Kind::Number, "process capability; empty without limits"},
                 {"out_of_control", Kind::Integer, ""}},
                spc.table()};
  }
};

TEST(ReportQuality, ParetoHeatmapAndSpc) {
  pp::test::TempDir tmp("pp_report_quality");
  QualityFixture f;
  const std::string path = tmp.file("quality.xlsx");
  pp::report::write_quality_report(f.data, path, {});
  const Book b = read_book(path);
  ASSERT_EQ(b.names(), (std::vector<std::string>{"Summary", "Pareto", "Heatmap", "SPC"}));

  const SheetData& p = b.sheet("Pareto");
  EXPECT_EQ(p.texts(1), (std::vector<std::string>{"description", "defects", "cumulative share"}));
  ASSERT_EQ(p.rows.size(), 5u);
  const double share[] = {0.5, 0.8, 0.95, 1.0};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(p.at(2 + i, 2).kind, CK::Number);
    EXPECT_NEAR(p.at(2 + i, 2).number, share[i], 1e-12);
  }
  EXPECT_EQ(p.at(2, 1).number, 50);
  EXPECT_NE(b.entry("xl/styles.xml").find("formatCode=\"0.0%\""), std::string::npos);
  EXPECT_TRUE(p.at(5, 0).empty());

  // The chart: defects as columns, the share as a line on a right-hand 0-100 % axis.
  ASSERT_EQ(b.count_entries("xl/charts/chart", ".xml"), 1u);
  const std::string c = b.entry("xl/charts/chart1.xml");
  const auto bar = c.find("<c:barChart>"), bar_end = c.find("</c:barChart>");
  const auto line = c.find("<c:lineChart>"), line_end = c.find("</c:lineChart>");
  ASSERT_NE(bar, std::string::npos) << c;
  ASSERT_NE(line, std::string::npos) << c;
  EXPECT_EQ(count_of(c.substr(bar, bar_end - bar), "<c:ser>"), 1u);
  EXPECT_EQ(count_of(c.substr(line, line_end - line), "<c:ser>"), 1u);
  EXPECT_NE(c.substr(bar, bar_end - bar).find("Pareto!$B$2:$B$5"), std::string::npos);
  EXPECT_NE(c.substr(line, line_end - line).find("Pareto!$C$2:$C$5"), std::string::npos);
  EXPECT_EQ(count_of(c, "<c:valAx>"), 2u);
  EXPECT_EQ(count_of(c, "<c:catAx>"), 2u);
  EXPECT_NE(c.find("<c:crosses val=\"max\"/>"), std::string::npos);
  EXPECT_NE(c.find("<c:axPos val=\"r\"/>"), std::string::npos);
  EXPECT_NE(c.find("formatCode=\"0%\""), std::string::npos);
  EXPECT_NE(c.find("<c:max val=\"1\"/><c:min val=\"0\"/>"), std::string::npos);

  // Heatmap: evaluating rows x culprit columns, unknown last, totals.
  const SheetData& h = b.sheet("Heatmap");
  EXPECT_EQ(h.texts(1), (std::vector<std::string>{"evaluating work center", "2", "10", "(unknown)", "Total"}));
  ASSERT_EQ(h.rows.size(), 4u);
  const double m[2][4] = {{3, 6, 0, 9}, {0, 1, 5, 6}};
  for (int r = 0; r < 2; ++r) {
    for (int col = 0; col < 4; ++col) {
      EXPECT_EQ(h.at(2 + r, 1 + col).kind, CK::Number);
      EXPECT_EQ(h.at(2 + r, 1 + col).number, m[r][col]) << r << "," << col;
    }
  }
  EXPECT_EQ(h.at(2, 0).text, "30");
  EXPECT_EQ(h.at(3, 0).text, "40");
  EXPECT_EQ(h.at(4, 0).text, "Total");
  const double totals[] = {3, 7, 5, 15};
  for (int col = 0; col < 4; ++col) EXPECT_EQ(h.at(4, 1 + col).number, totals[col]);
  const std::string hx = b.sheet_xml("Heatmap");
  EXPECT_NE(hx.find("<conditionalFormatting sqref=\"B2:D3\">"), std::string::npos) << hx;
  EXPECT_NE(hx.find("<colorScale>"), std::string::npos);
  EXPECT_NE(hx.find("FFF8696B"), std::string::npos);

  // SPC as given.
  const SheetData& s = b.sheet("SPC");
  EXPECT_EQ(s.texts(1), (std::vector<std::string>{"characteristic", "n", "mean", "cpk", "out_of_control"}));
  EXPECT_DOUBLE_EQ(s.at(2, 2).number, 20.51);
  EXPECT_TRUE(s.at(3, 3).empty());
  EXPECT_EQ(s.at(3, 4).number, 3);

  // Tables and notes.
  EXPECT_EQ(b.count_entries("xl/tables/table", ".xml"), 3u);
  EXPECT_NE(b.sheet_xml("SPC").find("<tableParts"), std::string::npos);
  EXPECT_GE(b.count_entries("xl/comments", ".xml"), 2u);
}

TEST(ReportQuality, DeterministicWithThePatchedChart) {
  pp::test::TempDir tmp("pp_report_quality");
  QualityFixture f;
  pp::report::write_quality_report(f.data, tmp.file("a.xlsx"), {});
  pp::report::write_quality_report(f.data, tmp.file("b.xlsx"), {});
  const std::string a = pp::test::read_bytes(tmp.file("a.xlsx"));
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, pp::test::read_bytes(tmp.file("b.xlsx")));
  EXPECT_EQ(files_in(tmp.path()).size(), 2u);  // no temporary files left
}

TEST(ReportQuality, NoDefectsNoChart) {
  pp::test::TempDir tmp("pp_report_quality");
  QualityReportData d;
  d.spc = {{{"characteristic", Kind::Text, ""}}, {0, 1, nullptr}};
  const std::string path = tmp.file("q.xlsx");
  pp::report::write_quality_report(d, path, {});
  const Book b = read_book(path);
  EXPECT_EQ(b.names(), (std::vector<std::string>{"Pareto", "Heatmap", "SPC"}));
  EXPECT_EQ(b.count_entries("xl/charts/", ".xml"), 0u);
  EXPECT_EQ(b.sheet("Heatmap").texts(1), (std::vector<std::string>{"evaluating work center", "Total"}));
  EXPECT_EQ(b.sheet("Heatmap").rows.size(), 1u);
}

TEST(ReportQuality, BadCounts) {
  pp::test::TempDir tmp("pp_report_quality");
  const std::string path = tmp.file("q.xlsx");
  {
    QualityFixture f;
    f.pareto.set(1, 1, "-3");
    f.data.pareto = f.pareto.table();
    expect_error([&] { pp::report::write_quality_report(f.data, path, {}); },
                 pp::ErrorKind::DataException, {"quality report", "pareto row 2, column defects", "negative"});
  }
  {
    QualityFixture f;
    f.heat.set(2, 2, std::nullopt);
    f.data.heatmap = f.heat.table();
    expect_error([&] { pp::report::write_quality_report(f.data, path, {}); },
                 pp::ErrorKind::DataException, {"heatmap row 3, column defects", "NULL"});
  }
  {
    QualityFixture f;
    f.spc.set(0, 2, "twenty");
    f.data.spc.rows = f.spc.table();
    expect_error([&] { pp::report::write_quality_report(f.data, path, {}); },
                 pp::ErrorKind::DataException, {"sheet \"SPC\"", "cell C2", "mean", "not a number"});
  }
  EXPECT_TRUE(files_in(tmp.path()).empty());
}

TEST(ReportQuality, ChartPatchRefusesUnexpectedXml) {
  const std::string one_series =
      "<c:plotArea><c:barChart><c:barDir val=\"col\"/><c:ser><c:idx val=\"0\"/></c:ser>"
      "<c:axId val=\"1\"/><c:axId val=\"2\"/></c:barChart></c:plotArea>";
  expect_error([&] { pp::report::detail::combine_second_series_as_line(one_series, "0%", 0, 1); },
               pp::ErrorKind::Internal, {"Pareto chart"});
  const std::string two =
      "<c:plotArea><c:barChart><c:ser><c:idx val=\"0\"/></c:ser><c:ser><c:idx val=\"1\"/>"
      "<c:invertIfNegative val=\"0\"/></c:ser><c:axId val=\"7\"/><c:axId val=\"8\"/></c:barChart>"
      "<c:catAx><c:axId val=\"7\"/></c:catAx><c:valAx><c:axId val=\"8\"/></c:valAx></c:plotArea>";
  const std::string out = pp::report::detail::combine_second_series_as_line(two, "0%", 0, 1);
  EXPECT_EQ(out.find("invertIfNegative"), std::string::npos);
  EXPECT_NE(out.find("<c:lineChart><c:grouping val=\"standard\"/><c:ser><c:idx val=\"1\"/></c:ser>"
                     "<c:marker val=\"1\"/><c:axId val=\"9\"/><c:axId val=\"10\"/></c:lineChart>"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("<c:crossAx val=\"9\"/><c:crosses val=\"max\"/>"), std::string::npos) << out;
}

}  // namespace

}  // namespace test_report_quality
