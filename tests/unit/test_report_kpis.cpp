// The KPI report (src/core/report/report_kpis.h): pivots by period and by
// work center, native charts, Excel tables, the long-form data sheets, empty
// input, bad input.
#include "core/report/report_kpis.h"

#include "test_report_helpers.h"

#include <gtest/gtest.h>

namespace test_report_kpis {

using namespace pp::test::report;
using pp::report::KpiReportData;
using CK = pp::xlsx::CellValue::Kind;

namespace {

const std::int64_t kD1 = at(2026, 3, 2), kD2 = at(2026, 3, 3), kD3 = at(2026, 3, 4);

struct KpiFixture {
  Cells periods{4}, centers{4};
  KpiReportData data;
  KpiFixture() {
    data.facts = {{"Plant", "P1"}, {"From", "2026-03-02"}, {"Period", "day"}};
    periods.row({secs(kD2), "throughput", "12", "units/day"})
        .row({secs(kD1) + ".000000", "throughput", "10", "units/day"})  // extract(epoch) form
        .row({secs(kD1), "oee", "0.61", "fraction"})
        .row({secs(kD2), "oee", std::nullopt, "fraction"})
        .row({secs(kD3), "throughput", "9.5", "units/day"})
        .row({secs(kD3), "scrap", "2", "units"});
    data.by_period = periods.table();
    centers.row({"10", "operations_completed", "40", "count"})
        .row({"2", "operations_completed", "35", "count"})
        .row({"10", "utilization", "0.8", "fraction"})
        .row({"WC-A", "operations_completed", "5", "count"});
    data.by_work_center = centers.table();
    data.line_kpis = {"throughput", "oee", "not_there"};
    data.bar_kpis = {"operations_completed"};
  }
};

// The chart parts' XML.
std::vector<std::string> charts(const Book& b) {
  std::vector<std::string> out;
  for (const auto& e : b.entries()) {
    if (e.rfind("xl/charts/chart", 0) == 0) out.push_back(b.entry(e));
  }
  return out;
}

TEST(ReportKpis, PivotsChartsAndData) {
  pp::test::TempDir tmp("pp_report_kpis");
  KpiFixture f;
  const std::string path = tmp.file("kpis.xlsx");
  pp::report::write_kpi_report(f.data, path, {});
  const Book b = read_book(path);
  ASSERT_EQ(b.names(), (std::vector<std::string>{"Summary", "By period", "By work center", "Data",
                                                 "Data by work center"}));
  EXPECT_EQ(b.sheet("Summary").texts(3), (std::vector<std::string>{"Period", "day"}));

  const SheetData& p = b.sheet("By period");
  EXPECT_EQ(p.texts(1), (std::vector<std::string>{"period", "throughput", "oee", "scrap"}));
  ASSERT_EQ(p.rows.size(), 4u);
  const std::int64_t days[] = {kD1, kD2, kD3};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(p.at(2 + i, 0).kind, CK::DateTime);
    EXPECT_EQ(p.at(2 + i, 0).unix_seconds, days[i]);
  }
  EXPECT_EQ(p.at(2, 1).kind, CK::Number);
  EXPECT_DOUBLE_EQ(p.at(2, 1).number, 10);
  EXPECT_DOUBLE_EQ(p.at(2, 2).number, 0.61);
  EXPECT_TRUE(p.at(2, 3).empty());  // no scrap that day
  EXPECT_NE(b.entry("xl/styles.xml").find("formatCode=\"yyyy-mm-dd\""), std::string::npos);
  EXPECT_DOUBLE_EQ(p.at(3, 1).number, 12);
  EXPECT_TRUE(p.at(3, 2).empty());  // NULL
  EXPECT_DOUBLE_EQ(p.at(4, 1).number, 9.5);
  EXPECT_DOUBLE_EQ(p.at(4, 3).number, 2);

  const SheetData& w = b.sheet("By work center");
  EXPECT_EQ(w.texts(1), (std::vector<std::string>{"work_center_id", "operations_completed", "utilization"}));
  EXPECT_EQ(w.at(2, 0).text, "2");
  EXPECT_EQ(w.at(3, 0).text, "10");
  EXPECT_EQ(w.at(4, 0).text, "WC-A");
  EXPECT_DOUBLE_EQ(w.at(3, 1).number, 40);
  EXPECT_DOUBLE_EQ(w.at(3, 2).number, 0.8);
  EXPECT_TRUE(w.at(2, 2).empty());

  const SheetData& d = b.sheet("Data");
  ASSERT_EQ(d.rows.size(), 7u);
  EXPECT_EQ(d.texts(1), (std::vector<std::string>{"period", "kpi", "value", "unit"}));
  EXPECT_EQ(d.at(2, 0).unix_seconds, kD2);  // as given, not sorted
  EXPECT_EQ(d.at(5, 3).text, "fraction");
  EXPECT_TRUE(d.at(5, 2).empty());
  EXPECT_EQ(b.sheet("Data by work center").rows.size(), 5u);

  // Two native charts: the line chart of throughput and oee, the column chart.
  const auto cs = charts(b);
  ASSERT_EQ(cs.size(), 2u);
  int lines = 0, columns = 0;
  for (const auto& c : cs) {
    if (c.find("<c:lineChart>") != std::string::npos) {
      ++lines;
      EXPECT_EQ(count_of(c, "<c:ser>"), 2u);
      EXPECT_NE(c.find("'By period'!$B$2:$B$4"), std::string::npos) << c;
      EXPECT_NE(c.find("'By period'!$C$2:$C$4"), std::string::npos);
      EXPECT_NE(c.find("'By period'!$A$2:$A$4"), std::string::npos);
      EXPECT_NE(c.find("formatCode=\"yyyy-mm-dd\""), std::string::npos);
    }
    if (c.find("<c:barDir val=\"col\"/>") != std::string::npos) {
      ++columns;
      EXPECT_EQ(count_of(c, "<c:ser>"), 1u);
      EXPECT_NE(c.find("'By work center'!$B$2:$B$4"), std::string::npos) << c;
    }
  }
  EXPECT_EQ(lines, 1);
  EXPECT_EQ(columns, 1);
  EXPECT_EQ(b.count_entries("xl/drawings/drawing", ".xml"), 2u);
  // Every table is an Excel table; units as header notes.
  EXPECT_EQ(b.count_entries("xl/tables/table", ".xml"), 4u);
  EXPECT_NE(b.entry("xl/tables/table1.xml").find("ref=\"A1:D4\""), std::string::npos)
      << b.entry("xl/tables/table1.xml");
  EXPECT_NE(b.sheet_xml("By period").find("<tableParts count=\"1\">"), std::string::npos);
  EXPECT_NE(b.sheet_xml("By period").find("state=\"frozen\""), std::string::npos);
  EXPECT_GE(b.count_entries("xl/comments", ".xml"), 2u);
  bool unit_note = false;
  for (const auto& e : b.entries()) {
    if (e.rfind("xl/comments", 0) == 0 && b.entry(e).find("Unit: units/day") != std::string::npos) unit_note = true;
  }
  EXPECT_TRUE(unit_note);
}

TEST(ReportKpis, EmptyDataKeepsSheetsWithoutCharts) {
  pp::test::TempDir tmp("pp_report_kpis");
  KpiReportData d;
  d.line_kpis = {"throughput"};
  d.bar_kpis = {"operations_completed"};
  const std::string path = tmp.file("kpis.xlsx");
  pp::report::write_kpi_report(d, path, {});
  const Book b = read_book(path);
  ASSERT_EQ(b.names(), (std::vector<std::string>{"By period", "By work center", "Data", "Data by work center"}));
  EXPECT_EQ(b.sheet("By period").texts(1), (std::vector<std::string>{"period"}));
  EXPECT_EQ(b.sheet("By period").rows.size(), 1u);
  EXPECT_EQ(b.sheet("Data").texts(1), (std::vector<std::string>{"period", "kpi", "value", "unit"}));
  EXPECT_EQ(b.count_entries("xl/charts/", ".xml"), 0u);
}

TEST(ReportKpis, BadInputNamesTableRowAndColumn) {
  pp::test::TempDir tmp("pp_report_kpis");
  const std::string path = tmp.file("kpis.xlsx");
  {
    KpiFixture f;
    f.periods.row({secs(kD1), "throughput", "11", "units/day"});
    f.data.by_period = f.periods.table();
    expect_error([&] { pp::report::write_kpi_report(f.data, path, {}); }, pp::ErrorKind::DataException,
                 {"kpi report", "by_period row 7, column kpi", "\"throughput\" is given again",
                  "first at row 2"});
  }
  {
    KpiFixture f;
    f.periods.set(4, 0, "yesterday");
    f.data.by_period = f.periods.table();
    expect_error([&] { pp::report::write_kpi_report(f.data, path, {}); }, pp::ErrorKind::DataException,
                 {"by_period row 5, column period", "\"yesterday\"", "Unix time"});
  }
  {
    KpiFixture f;
    f.centers.set(3, 2, "five");
    f.data.by_work_center = f.centers.table();
    expect_error([&] { pp::report::write_kpi_report(f.data, path, {}); }, pp::ErrorKind::DataException,
                 {"by_work_center row 4, column value", "\"five\" is not a number"});
  }
  {
    KpiFixture f;
    f.periods.set(2, 1, std::nullopt);
    f.data.by_period = f.periods.table();
    expect_error([&] { pp::report::write_kpi_report(f.data, path, {}); }, pp::ErrorKind::DataException,
                 {"by_period row 3, column kpi", "NULL"});
  }
  EXPECT_TRUE(files_in(tmp.path()).empty());
}

TEST(ReportKpis, UnknownWorkCenterLastAndEmptyResultsWithoutColumns) {
  pp::test::TempDir tmp("pp_report_kpis");
  KpiFixture f;
  f.centers.set(3, 0, std::nullopt);  // WC-A's row: no work center
  f.data.by_work_center = f.centers.table();
  f.data.by_period = {0, 0, nullptr};  // an empty result as SPI may give it
  const std::string path = tmp.file("kpis.xlsx");
  pp::report::write_kpi_report(f.data, path, {});
  const Book b = read_book(path);
  const SheetData& w = b.sheet("By work center");
  EXPECT_EQ(w.at(4, 0).text, "(unknown)");
  EXPECT_DOUBLE_EQ(w.at(4, 1).number, 5);
  EXPECT_EQ(b.sheet("Data").texts(1), (std::vector<std::string>{"period", "kpi", "value", "unit"}));
  EXPECT_EQ(b.sheet("Data").rows.size(), 1u);
  EXPECT_TRUE(b.sheet("Data by work center").at(5, 0).empty());  // NULL kept in the long form
}

TEST(ReportKpis, CancelThrowsAndLeavesNoFile) {
  pp::test::TempDir tmp("pp_report_kpis");
  KpiFixture f;
  CancelAfter::left = 2;  // the second poll: writing the "By period" table
  EXPECT_THROW(pp::report::write_kpi_report(f.data, tmp.file("k.xlsx"), {}, pp::CancelToken(&CancelAfter::probe)),
               pp::Cancelled);
  EXPECT_EQ(CancelAfter::left, 0);
  EXPECT_TRUE(files_in(tmp.path()).empty());
}

TEST(ReportKpis, Deterministic) {
  pp::test::TempDir tmp("pp_report_kpis");
  KpiFixture f;
  pp::report::write_kpi_report(f.data, tmp.file("a.xlsx"), {});
  pp::report::write_kpi_report(f.data, tmp.file("b.xlsx"), {});
  const std::string a = pp::test::read_bytes(tmp.file("a.xlsx"));
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, pp::test::read_bytes(tmp.file("b.xlsx")));
}

}  // namespace

}  // namespace test_report_kpis
