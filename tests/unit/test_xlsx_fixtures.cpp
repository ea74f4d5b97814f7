// Workbooks written by other producers, committed as fixtures, read cell by cell.
#include "core/common/civil_time.h"
#include "core/xlsx/workbook_reader.h"
#include "support/test_files.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace test_xlsx_fixtures {

namespace {

using pp::xlsx::CellValue;
using Kind = CellValue::Kind;

struct Cell {
  Kind kind;
  double number = 0;
  std::int64_t unix_seconds = 0;
  std::string text;
};
using Sheet = std::map<std::uint32_t, std::vector<Cell>>;  // row number -> cells

std::vector<Sheet> read_all(const std::string& bytes, std::vector<std::string>& names) {
  pp::xlsx::WorkbookReader wb(bytes.data(), bytes.size());
  std::vector<Sheet> out;
  for (std::size_t i = 0; i < wb.sheets().size(); ++i) {
    names.push_back(wb.sheets()[i].name);
    Sheet sheet;
    wb.read_sheet(i, [&](const pp::xlsx::Row& row) {
      std::vector<Cell>& cells = sheet[row.row_number];
      for (const CellValue& c : row.cells) cells.push_back({c.kind, c.number, c.unix_seconds, std::string(c.text)});
    });
    out.push_back(std::move(sheet));
  }
  return out;
}

std::int64_t utc(int y, int mo, int d, int h, int mi, int s) { return pp::unix_from_civil({y, mo, d, h, mi, s}); }

TEST(XlsxFixtures, LibreOfficeCalcWorkbook) {
  const std::string bytes =
      pp::test::read_bytes(std::string(PRODPLAN_SOURCE_DIR) + "/tests/unit/fixtures/xlsx/libreoffice_basic.xlsx");
  ASSERT_FALSE(bytes.empty()) << "fixture missing";
  std::vector<std::string> names;
  const std::vector<Sheet> sheets = read_all(bytes, names);
  ASSERT_EQ(names, (std::vector<std::string>{"Ordens de Fabrico", "Pe\xC3\xA7" "as & Fases"}));

  const Sheet& s = sheets[0];
  ASSERT_EQ(s.size(), 4u);  // rows 1, 2, 3 and 5: row 4 is absent
  EXPECT_EQ(s.count(4), 0u);
  const auto& h = s.at(1);
  ASSERT_EQ(h.size(), 7u);
  EXPECT_EQ(h[0].text, "Of_Id");
  EXPECT_EQ(h[6].text, "Erro");

  const auto& r2 = s.at(2);
  ASSERT_EQ(r2.size(), 7u);
  EXPECT_EQ(r2[0].kind, Kind::Number);
  EXPECT_EQ(r2[0].number, 133626);
  EXPECT_EQ(r2[1].kind, Kind::Text);
  EXPECT_EQ(r2[1].text, "Kayak Sprint");
  EXPECT_EQ(r2[2].number, 2.5);
  EXPECT_EQ(r2[3].kind, Kind::DateTime);  // built-in date-time style
  EXPECT_EQ(r2[3].unix_seconds, utc(2024, 3, 1, 7, 30, 0));
  EXPECT_EQ(r2[4].kind, Kind::Bool);  // formula TRUE(), cached
  EXPECT_EQ(r2[4].number, 1);
  EXPECT_EQ(r2[5].kind, Kind::Number);  // formula C2*2, cached
  EXPECT_EQ(r2[5].number, 5);
  EXPECT_EQ(r2[6].kind, Kind::Error);  // formula 1/0, cached error
  EXPECT_EQ(r2[6].text, "#DIV/0!");

  const auto& r3 = s.at(3);
  ASSERT_GE(r3.size(), 6u);
  EXPECT_EQ(r3[0].text, "A-77");
  EXPECT_EQ(r3[1].text, "Canoa \xC3\x87\xC3\xA3o");
  EXPECT_EQ(r3[2].kind, Kind::Empty);
  EXPECT_EQ(r3[3].kind, Kind::DateTime);  // custom style dd/mm/yyyy hh:mm:ss
  EXPECT_EQ(r3[3].unix_seconds, utc(2025, 12, 31, 23, 59, 59));
  EXPECT_EQ(r3[4].kind, Kind::Bool);
  EXPECT_EQ(r3[4].number, 0);
  EXPECT_EQ(r3[5].number, 0);

  const auto& r5 = s.at(5);
  ASSERT_EQ(r5.size(), 7u);  // A5 and G5, the columns between empty
  EXPECT_EQ(r5[0].text, "sparse");
  for (int c = 1; c < 6; ++c) EXPECT_EQ(r5[c].kind, Kind::Empty) << c;
  EXPECT_EQ(r5[6].number, 42);

  const Sheet& s2 = sheets[1];
  ASSERT_EQ(s2.size(), 3u);
  EXPECT_EQ(s2.at(2)[0].number, 10);
  EXPECT_EQ(s2.at(3)[1].text, "Lamina\xC3\xA7\xC3\xA3o");
}

}  // namespace

}  // namespace test_xlsx_fixtures
