// The plan report's Gantt sheet (src/core/report/report_gantt.h): bucket
// choice, which order fills which bucket, grey non-working buckets, colours
// (through the cells' style indexes and styles.xml), header rows, legend,
// frozen panes, bad input.
#include "core/report/report_gantt.h"
#include "core/report/report_plan.h"

#include "test_report_helpers.h"

#include <gtest/gtest.h>

namespace test_report_gantt {

using namespace pp::test::report;
using pp::report::Kind;
using pp::report::PlanReportData;
using pp::report::ReportOptions;
using pp::report::detail::choose_gantt_buckets;
using CK = pp::xlsx::CellValue::Kind;

namespace {

const std::int64_t kDay0 = at(2026, 3, 2);  // Monday

std::string h(int hour, int minute = 0) { return secs(kDay0 + hour * 3600 + minute * 60); }

struct GanttFixture {
  Cells bars{5}, off{3};
  PlanReportData data;
  GanttFixture() {
    data.kpis = {{{"kpi", Kind::Text, ""}}, {0, 1, nullptr}};
    data.orders = {{{"order_id", Kind::Text, ""}}, {0, 1, nullptr}};
    data.operations = {{{"order_id", Kind::Text, ""}}, {0, 1, nullptr}};
    // Rows sort naturally: work center "2" before "10".
    bars.row({"10", "1", "A", h(0), h(5)})
        .row({"10", "1", "B", h(5), h(12)})
        .row({"10", "2", "C", h(2), h(3)})
        .row({"2", "1", "A", h(12), h(14)})
        .row({"2", "1", "D", h(13), h(13, 30)})  // less of bucket 12-16 than A
        .row({"2", "2", "E", h(16), h(18)})      // ties with B in 16-20: B ranks first
        .row({"2", "2", "B", h(18), h(20)});
    data.gantt_bars = bars.table();
    off.row({"10", h(18), h(24)})
        .row({"10", h(16), h(18)})   // touches the next: 16-24 is one interval, 16-20 inside it
        .row({"2", h(11), h(13)})    // over work, and only part of 08-12
        .row({"2", h(20, 30), h(24)})  // only part of 20-24
        .row({"99", h(0), h(24)});   // no bars: no row
    data.non_working = off.table();
    data.horizon_from = static_cast<double>(kDay0);
    data.horizon_to = static_cast<double>(kDay0 + 86400);
    data.bucket_hours = 4;
  }
};

// The <fill> that cell format `xf` uses, from styles.xml.
std::string fill_of(const std::string& styles, int xf) {
  const std::string x = cell_xf(styles, xf);
  const auto p = x.find("fillId=\"");
  if (p == std::string::npos) return {};
  const int fill = std::atoi(x.c_str() + p + 8);
  auto f = styles.find("<fills");
  for (int i = 0; i <= fill && f != std::string::npos; ++i) f = styles.find("<fill>", f + 1);
  if (f == std::string::npos) return {};
  return styles.substr(f, styles.find("</fill>", f) - f);
}

std::string font_of(const std::string& styles, int xf) {
  const std::string x = cell_xf(styles, xf);
  const auto p = x.find("fontId=\"");
  if (p == std::string::npos) return {};
  const int font = std::atoi(x.c_str() + p + 8);
  auto f = styles.find("<fonts");
  for (int i = 0; i <= font && f != std::string::npos; ++i) f = styles.find("<font>", f + 1);
  if (f == std::string::npos) return {};
  return styles.substr(f, styles.find("</font>", f) - f);
}

TEST(ReportGantt, BucketChoice) {
  const double t0 = static_cast<double>(kDay0 + 7 * 3600 + 1800);  // 07:30
  auto b = choose_gantt_buckets(t0, t0 + 3 * 86400, 0);
  EXPECT_EQ(b.seconds, 3600);
  EXPECT_EQ(b.origin, kDay0 + 7 * 3600);  // aligned to the hour
  EXPECT_EQ(b.count, 73);                 // 07:00 .. 07:30 three days later
  b = choose_gantt_buckets(t0, t0 + 20 * 86400, 0);  // 481 h: 1 h is too fine
  EXPECT_EQ(b.seconds, 2 * 3600);
  EXPECT_EQ(b.origin, kDay0 + 6 * 3600);
  b = choose_gantt_buckets(t0, t0 + 100 * 86400, 0);
  EXPECT_EQ(b.seconds, 8 * 3600);
  EXPECT_EQ(b.origin, kDay0);
  EXPECT_LE(b.count, 400);
  b = choose_gantt_buckets(t0, t0 + 1000 * 86400, 0);  // nothing keeps 400: days
  EXPECT_EQ(b.seconds, 86400);
  EXPECT_EQ(b.count, 1001);
  b = choose_gantt_buckets(t0, t0 + 86400, 5);  // 5 h does not divide a day: from the start
  EXPECT_EQ(b.seconds, 5 * 3600);
  EXPECT_EQ(b.origin, kDay0 + 7 * 3600 + 1800);
  EXPECT_EQ(b.count, 5);
  EXPECT_EQ(choose_gantt_buckets(t0, t0, 0).count, 0);
  expect_error([&] { choose_gantt_buckets(t0, t0 + 86400, 0.001); }, pp::ErrorKind::InvalidParameter,
               {"below a minute"});
  expect_error([&] { choose_gantt_buckets(t0, t0 - 1, 0); }, pp::ErrorKind::InvalidParameter,
               {"horizon"});
  expect_error([&] { choose_gantt_buckets(t0, t0 + 86400, -1); }, pp::ErrorKind::InvalidParameter,
               {"bucket_hours"});
  expect_error([&] { choose_gantt_buckets(t0, t0 + 365.0 * 86400, 0.25); }, pp::ErrorKind::ProgramLimit,
               {"35040 buckets", "16382"});
}

TEST(ReportGantt, CellsShadingColoursAndLegend) {
  pp::test::TempDir tmp("pp_report_gantt");
  GanttFixture f;
  const std::string path = tmp.file("plan.xlsx");
  ReportOptions o;
  o.tmpdir = tmp.path();
  pp::report::write_plan_report(f.data, path, o);
  const Book b = read_book(path);
  const SheetData& g = b.sheet("Gantt");

  // Header rows: the day (a date serial) over the day's buckets, the hours.
  EXPECT_EQ(g.at(1, 0).text, "Work center");
  EXPECT_EQ(g.at(1, 1).text, "Unit");
  EXPECT_EQ(g.at(1, 2).kind, CK::DateTime);
  EXPECT_EQ(g.at(1, 2).unix_seconds, kDay0);
  ASSERT_EQ(g.rows.at(2).size(), 8u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(g.at(2, 2 + i).kind, CK::Number);
    EXPECT_EQ(g.at(2, 2 + i).number, 4 * i);
  }
  const std::string xml = b.sheet_xml("Gantt");
  EXPECT_NE(xml.find("<mergeCell ref=\"C1:H1\"/>"), std::string::npos);
  EXPECT_NE(xml.find("xSplit=\"2\" ySplit=\"2\" topLeftCell=\"C3\""), std::string::npos);
  EXPECT_NE(xml.find("state=\"frozen\""), std::string::npos);

  // Rows in natural order; units are numbers.
  EXPECT_EQ(g.at(3, 0).text, "2");
  EXPECT_EQ(g.at(3, 1).number, 1);
  EXPECT_EQ(g.at(4, 0).text, "2");
  EXPECT_EQ(g.at(4, 1).number, 2);
  EXPECT_EQ(g.at(5, 0).text, "10");
  EXPECT_EQ(g.at(6, 0).text, "10");

  // Which order holds each bucket (columns C..H = 00, 04, ..., 20 h).
  EXPECT_EQ(g.texts(3), (std::vector<std::string>{"2", "", "", "", "", "A"}));   // A 2 h > D 0.5 h
  EXPECT_EQ(g.texts(4), (std::vector<std::string>{"2", "", "", "", "", "", "B"}));  // tie: B ranks before E
  EXPECT_EQ(g.texts(5), (std::vector<std::string>{"10", "", "A", "B", "B"}));  // 04-08: B 3 h > A 1 h
  EXPECT_EQ(g.texts(6), (std::vector<std::string>{"10", "", "C"}));

  // Cell styles: an order's fill, grey off-shift buckets, nothing elsewhere.
  const int a = style_of(xml, "C5"), bb = style_of(xml, "D5"), grey = style_of(xml, "G5");  // G5: 16-20,
  // inside 16-24 only once 16-18 and 18-24 are merged
  EXPECT_GT(a, 0);
  EXPECT_GT(bb, 0);
  EXPECT_GT(grey, 0);
  EXPECT_NE(a, bb);
  EXPECT_NE(a, grey);
  EXPECT_NE(bb, grey);
  EXPECT_EQ(style_of(xml, "F3"), a);   // A again, other row
  EXPECT_EQ(style_of(xml, "E5"), bb);
  EXPECT_EQ(style_of(xml, "G4"), bb);
  EXPECT_EQ(style_of(xml, "H5"), grey);
  EXPECT_EQ(style_of(xml, "G6"), grey);
  EXPECT_EQ(style_of(xml, "H6"), grey);
  EXPECT_EQ(style_of(xml, "F5"), -1);  // 12-16 on 10: idle in working time
  EXPECT_EQ(style_of(xml, "D6"), -1);
  EXPECT_EQ(style_of(xml, "E3"), -1);  // 08-12 on 2: only partly off
  EXPECT_EQ(style_of(xml, "H3"), -1);  // 20-24 on 2: only partly off
  EXPECT_EQ(style_of(xml, "C4"), -1);

  const std::string styles = b.entry("xl/styles.xml");
  EXPECT_NE(fill_of(styles, a).find("FF1F77B4"), std::string::npos) << fill_of(styles, a);  // rank 0
  EXPECT_NE(fill_of(styles, style_of(xml, "C6")).find("FFFF7F0E"), std::string::npos);  // C: rank 1
  EXPECT_NE(fill_of(styles, bb).find("FF2CA02C"), std::string::npos);  // B: rank 2
  EXPECT_NE(fill_of(styles, grey).find("FFD9D9D9"), std::string::npos);
  EXPECT_NE(font_of(styles, a).find("<sz val=\"7\"/>"), std::string::npos) << font_of(styles, a);

  // Legend after an empty row: orders by colour rank with start and end.
  EXPECT_EQ(g.rows.count(7), 0u);
  // 4 h buckets are 5 wide: start and end take four columns each.
  EXPECT_EQ(g.texts(8), (std::vector<std::string>{"Order", "Colour", "Planned start", "", "", "", "Planned end"}));
  const std::vector<std::string> ids = {"A", "C", "B", "D", "E"};
  const std::vector<std::pair<int, int>> span = {{0, 14 * 60}, {120, 180}, {300, 20 * 60},
                                                 {13 * 60, 13 * 60 + 30}, {16 * 60, 18 * 60}};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto r = static_cast<std::uint32_t>(9 + i);
    EXPECT_EQ(g.at(r, 0).text, ids[i]);
    EXPECT_EQ(g.at(r, 2).kind, CK::DateTime);
    EXPECT_EQ(g.at(r, 2).unix_seconds, kDay0 + span[i].first * 60) << ids[i];
    EXPECT_EQ(g.at(r, 6).unix_seconds, kDay0 + span[i].second * 60) << ids[i];
  }
  EXPECT_EQ(style_of(xml, "B9"), a);  // A's swatch
  EXPECT_EQ(style_of(xml, "B11"), bb);
  EXPECT_EQ(g.rows.size(), 2u + 4 + 1 + 5);
  EXPECT_NE(xml.find("<mergeCell ref=\"C9:F9\"/>"), std::string::npos);
  EXPECT_NE(xml.find("<mergeCell ref=\"G9:J9\"/>"), std::string::npos);
}

TEST(ReportGantt, AutomaticBucketsAndOddStarts) {
  pp::test::TempDir tmp("pp_report_gantt");
  GanttFixture f;
  f.data.bucket_hours = 0;
  f.data.horizon_to = static_cast<double>(kDay0 + 3 * 86400);  // 72 h: hourly
  const std::string path = tmp.file("plan.xlsx");
  pp::report::write_plan_report(f.data, path, {});
  const Book b = read_book(path);
  const SheetData& g = b.sheet("Gantt");
  ASSERT_EQ(g.rows.at(2).size(), 2u + 72);
  EXPECT_EQ(g.at(2, 2 + 23).number, 23);
  EXPECT_EQ(g.at(2, 2 + 24).number, 0);
  EXPECT_EQ(g.at(1, 2 + 24).unix_seconds, kDay0 + 86400);  // second day
  EXPECT_EQ(g.at(5, 2 + 5).text, "B");                       // 05-06 on 10/1
  const std::string xml = b.sheet_xml("Gantt");
  EXPECT_NE(xml.find("<mergeCell ref=\"C1:Z1\"/>"), std::string::npos);
  EXPECT_NE(xml.find("<mergeCell ref=\"AA1:AX1\"/>"), std::string::npos);

  f.data.bucket_hours = 5;  // not a divisor of 24 h: buckets from the horizon start
  f.data.horizon_from = static_cast<double>(kDay0 + 90 * 60);
  f.data.horizon_to = static_cast<double>(kDay0 + 86400);
  pp::report::write_plan_report(f.data, path, {});
  const SheetData g2 = read_book(path).sheet("Gantt");
  EXPECT_EQ(g2.texts(2), (std::vector<std::string>{"", "", "01:30", "06:30", "11:30", "16:30", "21:30"}));
  EXPECT_EQ(g2.at(5, 2).text, "A");  // 01:30-06:30 on 10/1: A 3.5 h, B 1.5 h
}

TEST(ReportGantt, BadBarsNameRowAndColumn) {
  pp::test::TempDir tmp("pp_report_gantt");
  const std::string path = tmp.file("plan.xlsx");
  {
    GanttFixture f;
    f.bars.set(1, 4, h(4));  // end before start
    f.data.gantt_bars = f.bars.table();
    expect_error([&] { pp::report::write_plan_report(f.data, path, {}); },
                 pp::ErrorKind::DataException, {"Gantt", "gantt_bars row 2, column end", "before"});
  }
  {
    GanttFixture f;
    f.bars.set(2, 2, std::nullopt);
    f.data.gantt_bars = f.bars.table();
    expect_error([&] { pp::report::write_plan_report(f.data, path, {}); },
                 pp::ErrorKind::DataException, {"gantt_bars row 3, column order_id", "NULL"});
  }
  {
    GanttFixture f;
    f.off.set(0, 1, "monday");
    f.data.non_working = f.off.table();
    expect_error([&] { pp::report::write_plan_report(f.data, path, {}); },
                 pp::ErrorKind::DataException, {"non_working row 1, column from", "\"monday\""});
  }
  EXPECT_TRUE(files_in(tmp.path()).empty());
}

}  // namespace

}  // namespace test_report_gantt
