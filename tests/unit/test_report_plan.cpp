// The plan report (src/core/report/report_plan.h): sheets, tables in
// constant-memory mode (autofilter + frozen header, no Excel tables), cell
// kinds read back with the project's reader, header notes, determinism,
// bad input and cancellation leaving no file. The Gantt sheet has its own
// tests (test_report_gantt.cpp).
#include "core/report/report_plan.h"

#include "test_report_helpers.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace test_report_plan {

using namespace pp::test::report;
using pp::report::Column;
using pp::report::Kind;
using pp::report::PlanReportData;
using pp::report::ReportOptions;
using CK = pp::xlsx::CellValue::Kind;

namespace {

const std::int64_t kT0 = at(2026, 3, 2, 6, 0);  // Monday 06:00, plant time

// Owns the cell arrays of a small plan.
struct PlanFixture {
  Cells kpis{3}, orders{8}, ops{11}, bars{5}, off{3};
  PlanReportData data;

  explicit PlanFixture(int operations = 6) {
    data.facts = {{"Plan", "42"}, {"Plant", "Kayaks & Co <Leiria>"}, {"Rule", "edd"},
                  {"Time zone", "Europe/Lisbon"}};
    kpis.row({"makespan_hours", "30.5", "h"})
        .row({"on_time_share", "0.875", "fraction"})
        .row({"late_orders", "1", std::nullopt});
    data.kpis = {{{"kpi", Kind::Text, ""},
                  {"value", Kind::Number, ""},
                  {"unit", Kind::Text, ""}},
                 kpis.table()};

    orders.row({"133626", "K-07", "2", secs(kT0 + 86400), secs(kT0), secs(kT0 + 7200), "-22",
                "on_time"})
        .row({"133627", "K-08", "1", std::nullopt, secs(kT0 + 3600), secs(kT0 + 30 * 3600),
              std::nullopt, "no_due_date"})
        .row({"133628", "K-07", "3", secs(kT0), secs(kT0 + 1800), secs(kT0 + 5400 + 30), "1.5083",
              "late"});
    data.orders = {{{"order_id", Kind::Text, ""},
                    {"product_id", Kind::Text, ""},
                    {"priority", Kind::Integer, ""},
                    {"due_at", Kind::DateTime, "Due date, plant time"},
                    {"planned_start", Kind::DateTime, ""},
                    {"planned_end", Kind::DateTime, ""},
                    {"lateness_hours", Kind::Hours,
                     "planned_end - due_at in hours; empty without a due date"},
                    {"status", Kind::Text, ""}},
                   orders.table()};

    for (int i = 0; i < operations; ++i) {
      const std::int64_t s = kT0 + i * 3600;
      ops.row({std::to_string(133626 + i % 3), std::to_string(10 * (i + 1)),
               std::to_string(100 + i % 4), "1", i % 2 ? std::optional<std::string>() : secs(s - 600),
               secs(s), secs(s + 3000), i % 2 ? "0" : "10", "50", "standard_time",
               i == 0 ? "t" : "f"});
    }
    data.operations = {{{"order_id", Kind::Text, ""},
                        {"operation", Kind::Integer, ""},
                        {"work_center_id", Kind::Text, ""},
                        {"unit", Kind::Integer, ""},
                        {"setup_start_at", Kind::DateTime, ""},
                        {"start_at", Kind::DateTime, ""},
                        {"end_at", Kind::DateTime, ""},
                        {"setup_minutes", Kind::Number, ""},
                        {"work_minutes", Kind::Number, ""},
                        {"duration_source", Kind::Text, ""},
                        {"is_fixed", Kind::Bool, ""}},
                       ops.table()};

    bars.row({"100", "1", "133626", secs(kT0), secs(kT0 + 7200)})
        .row({"101", "1", "133627", secs(kT0 + 3600), secs(kT0 + 30 * 3600)});
    data.gantt_bars = bars.table();
    off.row({"100", secs(at(2026, 3, 2, 22)), secs(at(2026, 3, 3, 6))});
    data.non_working = off.table();
    data.horizon_from = static_cast<double>(kT0);
    data.horizon_to = static_cast<double>(kT0 + 2 * 86400);
  }
};

ReportOptions options(const pp::test::TempDir& tmp) {
  ReportOptions o;
  o.tmpdir = tmp.path();
  return o;
}

TEST(ReportPlan, SheetsTablesAndValues) {
  pp::test::TempDir tmp("pp_report_plan");
  PlanFixture f;
  const std::string path = tmp.file("plan.xlsx");
  pp::report::write_plan_report(f.data, path, options(tmp));
  const Book b = read_book(path);
  ASSERT_EQ(b.names(), (std::vector<std::string>{"Summary", "Orders", "Operations", "Gantt", "KPIs"}));

  // Summary: the facts.
  const SheetData& sum = b.sheet("Summary");
  EXPECT_EQ(sum.texts(1), (std::vector<std::string>{"Plan", "42"}));
  EXPECT_EQ(sum.at(2, 1).text, "Kayaks & Co <Leiria>");
  EXPECT_EQ(sum.rows.size(), 4u);

  // KPIs: the plan's KPI table.
  const SheetData& kp = b.sheet("KPIs");
  EXPECT_EQ(kp.texts(1), (std::vector<std::string>{"kpi", "value", "unit"}));
  EXPECT_EQ(kp.at(2, 0).text, "makespan_hours");
  EXPECT_EQ(kp.at(2, 1).kind, CK::Number);
  EXPECT_DOUBLE_EQ(kp.at(2, 1).number, 30.5);
  EXPECT_DOUBLE_EQ(kp.at(3, 1).number, 0.875);
  EXPECT_TRUE(kp.at(4, 2).empty());  // NULL unit
  EXPECT_EQ(kp.rows.size(), 1u + 3);

  // Orders: header, rows, kinds.
  const SheetData& ord = b.sheet("Orders");
  ASSERT_EQ(ord.rows.size(), 4u);
  EXPECT_EQ(ord.texts(1), (std::vector<std::string>{"order_id", "product_id", "priority", "due_at",
                                                     "planned_start", "planned_end",
                                                     "lateness_hours", "status"}));
  EXPECT_EQ(ord.at(2, 0).kind, CK::Text);
  EXPECT_EQ(ord.at(2, 0).text, "133626");  // an id stays text
  EXPECT_EQ(ord.at(2, 2).kind, CK::Number);
  EXPECT_EQ(ord.at(2, 2).number, 2);
  EXPECT_EQ(ord.at(2, 3).kind, CK::DateTime);
  EXPECT_EQ(ord.at(2, 3).unix_seconds, kT0 + 86400);
  EXPECT_NEAR(ord.at(2, 3).number, serial(kT0 + 86400), 1e-9);
  EXPECT_EQ(ord.at(4, 5).unix_seconds, kT0 + 5400 + 30);  // seconds kept
  EXPECT_DOUBLE_EQ(ord.at(2, 6).number, -22);
  EXPECT_EQ(ord.at(2, 6).kind, CK::Number);  // hours are not dates
  EXPECT_TRUE(ord.at(3, 3).empty());         // NULL due date
  EXPECT_TRUE(ord.at(3, 6).empty());
  EXPECT_EQ(ord.at(3, 7).text, "no_due_date");

  // Operations: booleans, NULL date-times.
  const SheetData& ops = b.sheet("Operations");
  ASSERT_EQ(ops.rows.size(), 7u);
  EXPECT_EQ(ops.at(2, 10).kind, CK::Bool);
  EXPECT_EQ(ops.at(2, 10).number, 1);
  EXPECT_EQ(ops.at(3, 10).number, 0);
  EXPECT_TRUE(ops.at(3, 4).empty());
  EXPECT_EQ(ops.at(4, 5).unix_seconds, kT0 + 2 * 3600);
  EXPECT_DOUBLE_EQ(ops.at(2, 7).number, 10);

  // Constant memory: inline strings, no Excel tables (not supported there):
  // an autofilter and a frozen header instead; header notes as comments.
  EXPECT_FALSE(b.has_entry("xl/sharedStrings.xml"));
  EXPECT_EQ(b.count_entries("xl/tables/", ".xml"), 0u);
  const std::string xml = b.sheet_xml("Orders");
  EXPECT_NE(xml.find("<autoFilter ref=\"A1:H4\"/>"), std::string::npos) << xml.substr(0, 600);
  EXPECT_NE(xml.find("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"),
            std::string::npos);
  EXPECT_NE(xml.find("<legacyDrawing"), std::string::npos);
  EXPECT_NE(b.sheet_xml("KPIs").find("<autoFilter ref=\"A1:C4\"/>"), std::string::npos);
  EXPECT_NE(b.sheet_xml("Operations").find("<autoFilter ref=\"A1:K7\"/>"), std::string::npos);
  // Column widths are set.
  EXPECT_NE(xml.find("<cols>"), std::string::npos);
  // Orders is the only sheet with notes: due_at and lateness_hours.
  EXPECT_EQ(b.count_entries("xl/comments", ".xml"), 1u);
  const std::string comments = b.entry("xl/comments1.xml");
  EXPECT_NE(comments.find("Due date, plant time"), std::string::npos);
  EXPECT_NE(comments.find("<comment ref=\"D1\""), std::string::npos);
  EXPECT_NE(comments.find("<comment ref=\"G1\""), std::string::npos);
  // Formats per kind (libxlsxwriter writes the ones cells use).
  const std::string styles = b.entry("xl/styles.xml");
  for (const char* code : {"yyyy-mm-dd hh:mm", "#,##0.00", "#,##0.0"}) {
    EXPECT_NE(styles.find(std::string("formatCode=\"") + code + "\""), std::string::npos) << code;
  }
  // The creation date defaults to 2000-01-01.
  EXPECT_NE(b.entry("docProps/core.xml").find("2000-01-01T00:00:00Z"), std::string::npos);
  // Nothing left beside the report.
  EXPECT_EQ(files_in(tmp.path()), (std::vector<std::string>{"plan.xlsx"}));
}

TEST(ReportPlan, Deterministic) {
  pp::test::TempDir tmp("pp_report_plan");
  PlanFixture f(50);
  pp::report::write_plan_report(f.data, tmp.file("a.xlsx"), options(tmp));
  pp::report::write_plan_report(f.data, tmp.file("b.xlsx"), options(tmp));
  const std::string a = pp::test::read_bytes(tmp.file("a.xlsx"));
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, pp::test::read_bytes(tmp.file("b.xlsx")));
  ReportOptions o = options(tmp);
  o.created_at = static_cast<double>(at(2026, 3, 1, 12));
  pp::report::write_plan_report(f.data, tmp.file("c.xlsx"), o);
  const Book c = read_book(tmp.file("c.xlsx"));
  EXPECT_NE(c.entry("docProps/core.xml").find("2026-03-01T12:00:00Z"), std::string::npos);
  EXPECT_NE(c.bytes, a);
}

TEST(ReportPlan, BadCellNamesRowAndColumnAndLeavesNoFile) {
  pp::test::TempDir tmp("pp_report_plan");
  PlanFixture f;
  f.ops.set(1, 5, "2026-03-02 07:00");  // text where Unix seconds belong
  f.data.operations.rows = f.ops.table();
  const std::string path = tmp.file("plan.xlsx");
  expect_error([&] { pp::report::write_plan_report(f.data, path, options(tmp)); },
               pp::ErrorKind::DataException,
               {"plan report", "sheet \"Operations\"", "cell F3", "data row 2", "start_at",
                "\"2026-03-02 07:00\"", "Unix time"});
  EXPECT_TRUE(files_in(tmp.path()).empty());

  PlanFixture g;
  g.orders.set(0, 2, "2x");
  g.data.orders.rows = g.orders.table();
  expect_error([&] { pp::report::write_plan_report(g.data, path, options(tmp)); },
               pp::ErrorKind::DataException, {"Orders", "priority", "data row 1", "not a number"});
  PlanFixture h;
  h.ops.set(2, 10, "yes");
  h.data.operations.rows = h.ops.table();
  expect_error([&] { pp::report::write_plan_report(h.data, path, options(tmp)); },
               pp::ErrorKind::DataException, {"is_fixed", "data row 3", "boolean"});
  PlanFixture y;
  y.orders.set(1, 4, "1e12");  // year ~33700
  y.data.orders.rows = y.orders.table();
  expect_error([&] { pp::report::write_plan_report(y.data, path, options(tmp)); },
               pp::ErrorKind::DataException, {"planned_start", "Excel's dates"});
  EXPECT_TRUE(files_in(tmp.path()).empty());
}

TEST(ReportPlan, BadShapesAreInvalidParameters) {
  pp::test::TempDir tmp("pp_report_plan");
  const std::string path = tmp.file("plan.xlsx");
  PlanFixture f;
  f.data.orders.columns.pop_back();  // 7 descriptions, 8 columns
  expect_error([&] { pp::report::write_plan_report(f.data, path, options(tmp)); },
               pp::ErrorKind::InvalidParameter, {"Orders", "orders", "7 column descriptions", "8 columns"});
  PlanFixture g;
  g.data.kpis.columns[2].header = "KPI";  // same as "kpi" for Excel
  expect_error([&] { pp::report::write_plan_report(g.data, path, options(tmp)); },
               pp::ErrorKind::InvalidParameter, {"two columns named \"KPI\""});
  PlanFixture h;
  h.data.gantt_bars.cols = 4;
  expect_error([&] { pp::report::write_plan_report(h.data, path, options(tmp)); },
               pp::ErrorKind::InvalidParameter, {"gantt_bars", "4 columns", "expected 5"});
  PlanFixture i;
  i.data.horizon_to = i.data.horizon_from - 1;
  expect_error([&] { pp::report::write_plan_report(i.data, path, options(tmp)); },
               pp::ErrorKind::InvalidParameter, {"horizon"});
  expect_error([&] { pp::report::write_plan_report(PlanFixture().data, tmp.file("no/such/dir.xlsx"), options(tmp)); },
               pp::ErrorKind::InvalidParameter, {"cannot create"});
  ReportOptions bad = options(tmp);
  bad.created_at = -5;
  expect_error([&] { pp::report::write_plan_report(PlanFixture().data, path, bad); },
               pp::ErrorKind::InvalidParameter, {"created_at"});
  EXPECT_TRUE(files_in(tmp.path()).empty());
}

TEST(ReportPlan, FailureKeepsAnExistingFile) {
  pp::test::TempDir tmp("pp_report_plan");
  const std::string path = tmp.file("plan.xlsx");
  { std::ofstream(path) << "previous report"; }
  PlanFixture f;
  f.ops.set(0, 1, "ten");
  f.data.operations.rows = f.ops.table();
  EXPECT_THROW(pp::report::write_plan_report(f.data, path, options(tmp)), pp::Error);
  EXPECT_EQ(pp::test::read_bytes(path), "previous report");
  EXPECT_EQ(files_in(tmp.path()).size(), 1u);
  // Success replaces it.
  pp::report::write_plan_report(PlanFixture().data, path, options(tmp));
  EXPECT_EQ(read_book(path).names().size(), 5u);
}

TEST(ReportPlan, CancelThrowsAndLeavesNoFile) {
  pp::test::TempDir tmp("pp_report_plan");
  PlanFixture f(20000);
  const std::string path = tmp.file("plan.xlsx");
  // Fires at the 4th poll: inside the Operations rows (polled every 4096).
  CancelAfter::left = 4;
  EXPECT_THROW(pp::report::write_plan_report(f.data, path, options(tmp),
                                             pp::CancelToken(&CancelAfter::probe)),
               pp::Cancelled);
  EXPECT_EQ(CancelAfter::left, 0);
  EXPECT_TRUE(files_in(tmp.path()).empty());
  // Polled at all: with a probe that never fires the report is written.
  CancelAfter::left = 0;
  pp::report::write_plan_report(f.data, path, options(tmp), pp::CancelToken(&CancelAfter::probe));
  const Book b = read_book(path);
  EXPECT_EQ(b.sheet("Operations").rows.size(), 20001u);
}

TEST(ReportPlan, NonFiniteAndLongTextAreKept) {
  pp::test::TempDir tmp("pp_report_plan");
  PlanFixture f;
  f.kpis.set(0, 1, "NaN");
  f.data.kpis.rows = f.kpis.table();
  const std::string long_text(40000, 'x');
  f.ops.set(0, 9, long_text);
  f.data.operations.rows = f.ops.table();
  const std::string path = tmp.file("plan.xlsx");
  pp::report::write_plan_report(f.data, path, options(tmp));
  const Book b = read_book(path);
  EXPECT_EQ(b.sheet("KPIs").at(2, 1).kind, CK::Text);
  EXPECT_EQ(b.sheet("KPIs").at(2, 1).text, "NaN");
  EXPECT_EQ(b.sheet("Operations").at(2, 9).text.size(), 32767u);
}

TEST(ReportPlan, EmptyPlanHasHeadersOnly) {
  pp::test::TempDir tmp("pp_report_plan");
  PlanReportData d;
  d.kpis.columns = {{"kpi", Kind::Text, ""}, {"value", Kind::Number, ""}, {"unit", Kind::Text, ""}};
  d.kpis.rows = {0, 0, nullptr};  // an empty result may carry no column count
  d.orders.columns = {{"order_id", Kind::Text, ""}};
  d.orders.rows = {0, 1, nullptr};
  d.operations.columns = {{"order_id", Kind::Text, ""}};
  d.operations.rows = {0, 1, nullptr};
  d.horizon_from = d.horizon_to = static_cast<double>(kT0);
  d.gantt_bars = {0, 0, nullptr};
  const std::string path = tmp.file("plan.xlsx");
  pp::report::write_plan_report(d, path, options(tmp));
  const Book b = read_book(path);
  EXPECT_EQ(b.sheet("KPIs").texts(1), (std::vector<std::string>{"kpi", "value", "unit"}));
  EXPECT_EQ(b.sheet("Orders").rows.size(), 1u);
  EXPECT_EQ(b.sheet("Gantt").texts(1), (std::vector<std::string>{"Work center", "Unit"}));
  EXPECT_EQ(b.sheet("Gantt").rows.size(), 1u);
}

}  // namespace

}  // namespace test_report_plan
