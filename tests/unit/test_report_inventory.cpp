// The inventory report (src/core/report/report_inventory.h): the policy as an
// Excel table with the action column coloured by value (cell-equals rules).
#include "core/report/report_inventory.h"

#include "test_report_helpers.h"

#include <gtest/gtest.h>

namespace test_report_inventory {

using namespace pp::test::report;
using pp::report::InventoryReportData;
using pp::report::Kind;
using CK = pp::xlsx::CellValue::Kind;

namespace {

struct InventoryFixture {
  Cells policy{6};
  InventoryReportData data;
  InventoryFixture() {
    data.facts = {{"Plant", "P1"}, {"As of", "2026-03-02"}, {"Service level", "95%"}};
    policy.row({"R-100", "12", "30", "0.95", "t", "expedite"})
        .row({"R-101", "400", "30", "0.95", "f", "excess"})
        .row({"R-102", "35", "30", "0.95", "f", "ok"})
        .row({"R-103", "0", std::nullopt, std::nullopt, "f", "no_demand"})
        .row({"R-104", "20", "30", "0.95", "t", "order_now"});
    data.policy = {{{"item_id", Kind::Text, ""},
                    {"on_hand", Kind::Number, "units in stock"},
                    {"reorder_point", Kind::Number, ""},
                    {"service_level", Kind::Percent, ""},
                    {"below_reorder_point", Kind::Bool, ""},
                    {"action", Kind::Text, "expedite, order_now, excess, ok, no_demand"}},
                   policy.table()};
  }
};

TEST(ReportInventory, PolicyWithActionFormats) {
  pp::test::TempDir tmp("pp_report_inventory");
  InventoryFixture f;
  const std::string path = tmp.file("inventory.xlsx");
  pp::report::write_inventory_report(f.data, path, {});
  const Book b = read_book(path);
  ASSERT_EQ(b.names(), (std::vector<std::string>{"Summary", "Policy"}));
  EXPECT_EQ(b.sheet("Summary").texts(2), (std::vector<std::string>{"As of", "2026-03-02"}));
  const SheetData& p = b.sheet("Policy");
  ASSERT_EQ(p.rows.size(), 6u);
  EXPECT_EQ(p.texts(1), (std::vector<std::string>{"item_id", "on_hand", "reorder_point", "service_level",
                                                  "below_reorder_point", "action"}));
  EXPECT_EQ(p.at(2, 1).number, 12);
  EXPECT_DOUBLE_EQ(p.at(2, 3).number, 0.95);
  EXPECT_EQ(p.at(2, 4).kind, CK::Bool);
  EXPECT_TRUE(p.at(5, 2).empty());
  EXPECT_EQ(p.at(6, 5).text, "order_now");

  const std::string x = b.sheet_xml("Policy");
  EXPECT_NE(x.find("<conditionalFormatting sqref=\"F2:F6\">"), std::string::npos) << x;
  for (const char* a : {"expedite", "order_now", "excess", "ok", "no_demand"}) {
    EXPECT_NE(x.find(std::string("<formula>\"") + a + "\"</formula>"), std::string::npos) << a;
  }
  EXPECT_EQ(count_of(x, "<cfRule type=\"cellIs\""), 5u);
  EXPECT_NE(x.find("<tableParts"), std::string::npos);
  EXPECT_NE(x.find("state=\"frozen\""), std::string::npos);
  EXPECT_EQ(b.count_entries("xl/tables/table", ".xml"), 1u);
  // The fills of the rules (differential formats).
  const std::string styles = b.entry("xl/styles.xml");
  for (const char* fill : {"FFFFC7CE", "FFFFD8A8", "FFBDD7EE", "FFC6EFCE", "FFD9D9D9"}) {
    EXPECT_NE(styles.find(fill), std::string::npos) << fill;
  }
  EXPECT_NE(b.entry("xl/comments1.xml").find("units in stock"), std::string::npos);
}

TEST(ReportInventory, Deterministic) {
  pp::test::TempDir tmp("pp_report_inventory");
  InventoryFixture f;
  pp::report::write_inventory_report(f.data, tmp.file("a.xlsx"), {});
  pp::report::write_inventory_report(f.data, tmp.file("b.xlsx"), {});
  const std::string a = pp::test::read_bytes(tmp.file("a.xlsx"));
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, pp::test::read_bytes(tmp.file("b.xlsx")));
}

TEST(ReportInventory, NoActionColumn) {
  pp::test::TempDir tmp("pp_report_inventory");
  InventoryFixture f;
  f.data.action_column = "Reorder";
  expect_error([&] { pp::report::write_inventory_report(f.data, tmp.file("i.xlsx"), {}); },
               pp::ErrorKind::InvalidParameter, {"inventory report", "no column named \"Reorder\""});
  InventoryFixture g;
  g.policy.set(2, 1, "lots");
  g.data.policy.rows = g.policy.table();
  expect_error([&] { pp::report::write_inventory_report(g.data, tmp.file("i.xlsx"), {}); },
               pp::ErrorKind::DataException, {"sheet \"Policy\"", "cell B4", "data row 3", "on_hand"});
  EXPECT_TRUE(files_in(tmp.path()).empty());
}

TEST(ReportInventory, EmptyPolicy) {
  pp::test::TempDir tmp("pp_report_inventory");
  InventoryFixture f;
  f.data.facts.clear();
  f.data.policy.rows = {0, 6, nullptr};
  const std::string path = tmp.file("i.xlsx");
  pp::report::write_inventory_report(f.data, path, {});
  const Book b = read_book(path);
  EXPECT_EQ(b.names(), (std::vector<std::string>{"Policy"}));
  EXPECT_EQ(b.sheet("Policy").rows.size(), 1u);
  EXPECT_EQ(b.sheet_xml("Policy").find("<conditionalFormatting"), std::string::npos);
}

}  // namespace

}  // namespace test_report_inventory
