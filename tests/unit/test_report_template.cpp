// The template report (src/core/report/report_template.h): empty sheets with
// bold frozen headers, header notes, data validation by type, and nothing to
// read back.
#include "core/report/report_template.h"
#include "core/report/report_workbook.h"

#include "test_report_helpers.h"

#include <gtest/gtest.h>

namespace test_report_template {

using namespace pp::test::report;
using pp::report::TemplateColumn;
using pp::report::TemplateReportData;
using pp::report::TemplateSheet;

namespace {

TemplateReportData template_data() {
  TemplateReportData d;
  d.sheets = {
      TemplateSheet{"OrdensFabrico",
                    {TemplateColumn{"Of_Id", "order_id", "text", "Production order number", true},
                     TemplateColumn{"Of_DataCriacao", "created_at", "timestamptz", "When the order was created", true},
                     TemplateColumn{"Of_Prioridade", "priority", "int4", "1 = most urgent", false},
                     TemplateColumn{"Of_Peso", "weight_kg", "numeric(10,2)", "", false},
                     TemplateColumn{"Of_DataEntrega", "due_date", "date", "", false}}},
      TemplateSheet{"Fases",
                    {TemplateColumn{"Fase_Id", "work_center_id", "bigint", "Work center", true},
                     TemplateColumn{"Fase_DeProducao", "is_production", "boolean", "Production phase?", false},
                     TemplateColumn{"Fase_Sequencia", "sequence", "SMALLINT", "", false}}},
  };
  return d;
}

TEST(ReportTemplate, HeadersNotesValidationsAndNoData) {
  pp::test::TempDir tmp("pp_report_template");
  const std::string path = tmp.file("template.xlsx");
  pp::report::write_template_report(template_data(), path, {});
  const Book b = read_book(path);
  ASSERT_EQ(b.names(), (std::vector<std::string>{"OrdensFabrico", "Fases"}));
  const SheetData& o = b.sheet("OrdensFabrico");
  ASSERT_EQ(o.rows.size(), 1u);  // headers only: zero data rows
  EXPECT_EQ(o.texts(1), (std::vector<std::string>{"Of_Id", "Of_DataCriacao", "Of_Prioridade", "Of_Peso",
                                                  "Of_DataEntrega"}));
  EXPECT_EQ(b.sheet("Fases").rows.size(), 1u);

  const std::string x = b.sheet_xml("OrdensFabrico");
  EXPECT_NE(x.find("state=\"frozen\""), std::string::npos);
  EXPECT_NE(x.find("<dataValidations count=\"4\">"), std::string::npos) << x;
  EXPECT_NE(x.find("type=\"date\""), std::string::npos);
  EXPECT_NE(x.find("sqref=\"B2:B1048576\""), std::string::npos);
  EXPECT_NE(x.find("promptTitle=\"Date and time\""), std::string::npos);
  EXPECT_NE(x.find("yyyy-mm-dd hh:mm"), std::string::npos);
  EXPECT_NE(x.find("type=\"whole\""), std::string::npos);
  EXPECT_NE(x.find("<formula1>-2147483648</formula1><formula2>2147483647</formula2>"), std::string::npos);
  EXPECT_NE(x.find("type=\"decimal\""), std::string::npos);
  EXPECT_EQ(x.find("sqref=\"A2:A1048576\""), std::string::npos);  // text: none
  const std::string y = b.sheet_xml("Fases");
  EXPECT_NE(y.find("type=\"list\""), std::string::npos);
  EXPECT_NE(y.find("<formula1>\"0,1\"</formula1>"), std::string::npos) << y;
  EXPECT_NE(y.find("<formula1>-32768</formula1><formula2>32767</formula2>"), std::string::npos);
  EXPECT_NE(y.find("<formula1>-999999999999999</formula1>"), std::string::npos);
  // Header cells are bold (a style), notes for every column.
  EXPECT_GT(style_of(x, "A1"), 0);
  EXPECT_EQ(b.count_entries("xl/comments", ".xml"), 2u);
  std::string notes;
  for (const auto& e : b.entries()) {
    if (e.rfind("xl/comments", 0) == 0) notes += b.entry(e);
  }
  EXPECT_EQ(count_of(notes, "<comment ref="), 8u);
  for (const char* s : {"Production order number", "Type: timestamptz", "Required", "Optional",
                        "Feeds: created_at", "Feeds: is_production", "Type: numeric(10,2)"}) {
    EXPECT_NE(notes.find(s), std::string::npos) << s;
  }
  // Date columns are formatted as dates for whatever is typed in.
  EXPECT_NE(b.entry("xl/styles.xml").find("formatCode=\"yyyy-mm-dd\""), std::string::npos);
  EXPECT_EQ(b.count_entries("xl/tables/", ".xml"), 0u);
}

TEST(ReportTemplate, BadSheetsThrowAndLeaveNoFile) {
  pp::test::TempDir tmp("pp_report_template");
  const std::string path = tmp.file("t.xlsx");
  auto with_name = [](std::string name) {
    TemplateReportData d = template_data();
    d.sheets[1].name = std::move(name);
    return d;
  };
  expect_error([&] { pp::report::write_template_report(with_name("Fases/Old"), path, {}); },
               pp::ErrorKind::InvalidParameter, {"template report: sheet name \"Fases/Old\"", "'/'"});
  expect_error([&] { pp::report::write_template_report(with_name(std::string(32, 'x')), path, {}); },
               pp::ErrorKind::InvalidParameter, {"31 characters"});
  expect_error([&] { pp::report::write_template_report(with_name("ordensfabrico"), path, {}); },
               pp::ErrorKind::InvalidParameter, {"two sheets", "ordensfabrico"});
  expect_error([&] { pp::report::write_template_report(with_name("'Fases"), path, {}); },
               pp::ErrorKind::InvalidParameter, {"apostrophe"});
  expect_error([&] { pp::report::write_template_report(with_name("History"), path, {}); },
               pp::ErrorKind::InvalidParameter, {"reserved"});
  expect_error([&] { pp::report::write_template_report(TemplateReportData{}, path, {}); },
               pp::ErrorKind::InvalidParameter, {"no sheets"});
  TemplateReportData d = template_data();
  d.sheets[0].columns[2].header.clear();
  expect_error([&] { pp::report::write_template_report(d, path, {}); }, pp::ErrorKind::InvalidParameter,
               {"OrdensFabrico", "column 3", "empty header"});
  EXPECT_TRUE(files_in(tmp.path()).empty());
  // 31 UTF-16 units with a non-ASCII letter is fine.
  EXPECT_NO_THROW(pp::report::detail::validate_sheet_name("Fun\xC3\xA7\xC3\xB5" "es" + std::string(24, 'x')));
}

TEST(ReportTemplate, Deterministic) {
  pp::test::TempDir tmp("pp_report_template");
  pp::report::write_template_report(template_data(), tmp.file("a.xlsx"), {});
  pp::report::write_template_report(template_data(), tmp.file("b.xlsx"), {});
  const std::string a = pp::test::read_bytes(tmp.file("a.xlsx"));
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, pp::test::read_bytes(tmp.file("b.xlsx")));
}

}  // namespace

}  // namespace test_report_template
