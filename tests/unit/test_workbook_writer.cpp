// Workbook writer (src/core/xlsx/workbook_writer.h) and Excel date helpers
// (src/core/xlsx/excel_dates.h). The written file is opened with libzip and its
// XML checked directly: sheet names and order, headers, row counts, duplicates,
// invalid rows, and that every clean cell reads back to the model's value.
#include "core/common/errors.h"
#include "core/model/factory.h"
#include "core/model/workbook_format.h"
#include "core/xlsx/excel_dates.h"
#include "core/xlsx/workbook_writer.h"

#include "support/test_files.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zip.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace test_workbook_writer {

namespace fs = std::filesystem;
using namespace pp;
using namespace pp::xlsx;
using model::Sheet;

namespace {

// ---- Excel dates --------------------------------------------------------------

UnixTime utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  auto t = checked_unix_from_civil({y, mo, d, h, mi, s});
  EXPECT_TRUE(t.has_value());
  return *t;
}

// What libxlsxwriter (Debian build) puts in <v>: "%.16G".
std::optional<UnixTime> via_lxw_text(double serial, DateSystem sys = DateSystem::k1900) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.16G", serial);
  return excel_serial_to_unix(std::strtod(buf, nullptr), sys);
}

TEST(ExcelDate, CivilConversions) {
  EXPECT_EQ(utc(1970, 1, 1), 0);
  EXPECT_EQ(utc(2000, 1, 1), 946684800);
  EXPECT_EQ(utc(2023, 11, 14, 22, 13, 20), 1700000000);
  EXPECT_EQ(utc(1899, 12, 30), kExcel1900Epoch);
  EXPECT_EQ(utc(1904, 1, 1), kExcel1904Epoch);
  EXPECT_EQ(utc(1900, 1, 1), kExcel1900First);
  EXPECT_EQ(utc(1900, 3, 1), kExcel1900March1);
  EXPECT_EQ(utc(9999, 12, 31, 23, 59, 59), kExcelLast);
  const CivilTime c = civil_from_unix(-1);
  EXPECT_EQ(c.year, 1969);
  EXPECT_EQ(c.month, 12);
  EXPECT_EQ(c.day, 31);
  EXPECT_EQ(c.hour, 23);
  EXPECT_EQ(c.minute, 59);
  EXPECT_EQ(c.second, 59);
  EXPECT_FALSE(checked_unix_from_civil({2023, 2, 29, 0, 0, 0}));
  EXPECT_TRUE(checked_unix_from_civil({2024, 2, 29, 0, 0, 0}));
  EXPECT_FALSE(checked_unix_from_civil({1900, 2, 29, 0, 0, 0}));  // real calendar: not a leap year
  EXPECT_TRUE(checked_unix_from_civil({2000, 2, 29, 0, 0, 0}));
  EXPECT_FALSE(checked_unix_from_civil({2024, 13, 1, 0, 0, 0}));
  EXPECT_FALSE(checked_unix_from_civil({2024, 1, 1, 24, 0, 0}));
  EXPECT_FALSE(checked_unix_from_civil({2024, 1, 1, 0, 60, 0}));
  EXPECT_FALSE(checked_unix_from_civil({2024, 1, 1, 0, 0, 60}));
}

TEST(ExcelDate, KnownSerials1900) {
  EXPECT_DOUBLE_EQ(*unix_to_excel_serial(utc(1900, 1, 1)), 1.0);
  EXPECT_DOUBLE_EQ(*unix_to_excel_serial(utc(1900, 2, 28)), 59.0);
  EXPECT_DOUBLE_EQ(*unix_to_excel_serial(utc(1900, 3, 1)), 61.0);  // 60 is the fake 1900-02-29
  EXPECT_DOUBLE_EQ(*unix_to_excel_serial(utc(1900, 3, 1, 12)), 61.5);
  EXPECT_DOUBLE_EQ(*unix_to_excel_serial(utc(1970, 1, 1)), 25569.0);
  EXPECT_DOUBLE_EQ(*unix_to_excel_serial(utc(2000, 1, 1, 6)), 36526.25);
  EXPECT_DOUBLE_EQ(*unix_to_excel_serial(utc(9999, 12, 31)), 2958465.0);

  EXPECT_EQ(*excel_serial_to_unix(1.0), utc(1900, 1, 1));
  EXPECT_EQ(*excel_serial_to_unix(59.5), utc(1900, 2, 28, 12));
  EXPECT_EQ(*excel_serial_to_unix(61.0), utc(1900, 3, 1));
  EXPECT_EQ(*excel_serial_to_unix(25569.0), 0);
  EXPECT_EQ(*excel_serial_to_unix(45244.92592592593), 1700000000);
  // Rounds to the nearest second.
  EXPECT_EQ(*excel_serial_to_unix(25569.0 + 0.4 / 86400), 0);
  EXPECT_EQ(*excel_serial_to_unix(25569.0 + 0.6 / 86400), 1);
}

TEST(ExcelDate, RejectsOutOfRange) {
  // The fictitious 1900-02-29 and Excel's "1900-01-00".
  EXPECT_FALSE(excel_serial_to_unix(60.0));
  EXPECT_FALSE(excel_serial_to_unix(60.75));
  EXPECT_FALSE(excel_serial_to_unix(0.0));
  EXPECT_FALSE(excel_serial_to_unix(0.5));
  // Negative, non-finite, past 9999-12-31.
  EXPECT_FALSE(excel_serial_to_unix(-1.0));
  EXPECT_FALSE(excel_serial_to_unix(-1e-9));
  EXPECT_FALSE(excel_serial_to_unix(std::nan("")));
  EXPECT_FALSE(excel_serial_to_unix(INFINITY));
  EXPECT_FALSE(excel_serial_to_unix(2958466.0));
  EXPECT_FALSE(excel_serial_to_unix(1e300));
  EXPECT_TRUE(excel_serial_to_unix(2958465.99998));
  // Pre-1900 and post-9999 instants have no serial.
  EXPECT_FALSE(unix_to_excel_serial(utc(1899, 12, 31, 23, 59, 59)));
  EXPECT_FALSE(unix_to_excel_serial(-9000000000LL));
  EXPECT_FALSE(unix_to_excel_serial(kExcelLast + 1));
  EXPECT_TRUE(unix_to_excel_serial(kExcelLast));
  // 1904 system: nothing before 1904-01-01.
  EXPECT_FALSE(unix_to_excel_serial(utc(1903, 12, 31, 23, 59, 59), DateSystem::k1904));
  EXPECT_FALSE(excel_serial_to_unix(-0.5, DateSystem::k1904));
}

TEST(ExcelDate, System1904) {
  EXPECT_DOUBLE_EQ(*unix_to_excel_serial(utc(1904, 1, 1), DateSystem::k1904), 0.0);
  EXPECT_DOUBLE_EQ(*unix_to_excel_serial(utc(1904, 1, 2, 12), DateSystem::k1904), 1.5);
  EXPECT_EQ(*excel_serial_to_unix(0.0, DateSystem::k1904), utc(1904, 1, 1));
  // The two systems are 1462 days apart from 1900-03-01 on.
  const UnixTime t = utc(2024, 5, 17, 8, 30, 15);
  EXPECT_DOUBLE_EQ(*unix_to_excel_serial(t) - *unix_to_excel_serial(t, DateSystem::k1904),
                   1462.0);
  EXPECT_EQ(*excel_serial_to_unix(*unix_to_excel_serial(t, DateSystem::k1904), DateSystem::k1904),
            t);
}

TEST(ExcelDate, EverySecondRoundTripsThroughSixteenDigits) {
  // A whole day, every second, in several eras (one across the 1900-02-28 /
  // 1900-03-01 gap), through the exact text libxlsxwriter writes.
  for (UnixTime start : {utc(1900, 1, 1), utc(1900, 2, 28, 12), utc(1970, 1, 1),
                         utc(2026, 11, 14), utc(9999, 12, 31)}) {
    for (UnixTime t = start; t < start + kSecondsPerDay && t <= kExcelLast; ++t) {
      const auto s = unix_to_excel_serial(t);
      ASSERT_TRUE(s) << t;
      ASSERT_EQ(via_lxw_text(*s), t) << t;
      ASSERT_TRUE(serial_round_trips(*s, t)) << t;
      const auto s4 = unix_to_excel_serial(t, DateSystem::k1904);
      if (s4) {
        ASSERT_EQ(via_lxw_text(*s4, DateSystem::k1904), t) << t;
      }
    }
  }
  // And random seconds over all of Excel's range.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<UnixTime> any(kExcel1900First, kExcelLast);
  for (int i = 0; i < 300000; ++i) {
    const UnixTime t = any(rng);
    const auto s = unix_to_excel_serial(t);
    ASSERT_TRUE(s) << t;
    ASSERT_EQ(via_lxw_text(*s), t) << t;
  }
}

TEST(ExcelDate, TextFormatAndParse) {
  char buf[32] = {};
  ASSERT_EQ(format_datetime(1700000000, buf), kDateTimeTextLength);
  EXPECT_EQ(std::string(buf, kDateTimeTextLength), "2023-11-14 22:13:20");
  ASSERT_EQ(format_datetime(utc(1899, 12, 31, 23, 59, 59), buf), kDateTimeTextLength);
  EXPECT_EQ(std::string(buf, kDateTimeTextLength), "1899-12-31 23:59:59");
  ASSERT_EQ(format_datetime(utc(5, 3, 1), buf), kDateTimeTextLength);
  EXPECT_EQ(std::string(buf, kDateTimeTextLength), "0005-03-01 00:00:00");
  EXPECT_EQ(format_datetime(kExcelLast + 1, buf), 0u);

  EXPECT_EQ(parse_datetime("2023-11-14 22:13:20"), 1700000000);
  EXPECT_EQ(parse_datetime("2023-11-14T22:13:20"), 1700000000);
  EXPECT_EQ(parse_datetime("2023-11-14"), utc(2023, 11, 14));
  EXPECT_FALSE(parse_datetime("2024-13-01 00:00:00"));
  EXPECT_FALSE(parse_datetime("2023-02-29 00:00:00"));
  EXPECT_FALSE(parse_datetime("2023-11-14 22:13"));
  EXPECT_FALSE(parse_datetime("2023-11-14 22:13:2x"));
  EXPECT_FALSE(parse_datetime("NULL"));
  EXPECT_FALSE(parse_datetime(""));
  EXPECT_FALSE(parse_datetime("2023/11/14 22:13:20"));
  for (UnixTime t : {UnixTime{0}, UnixTime{-1}, kExcel1900Epoch, kExcelLast, UnixTime{1794787199}}) {
    ASSERT_EQ(format_datetime(t, buf), kDateTimeTextLength);
    EXPECT_EQ(parse_datetime(std::string_view(buf, kDateTimeTextLength)), t);
  }
}

// ---- reading the written file back --------------------------------------------

std::string zip_entry(const std::string& path, const std::string& name) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (z == nullptr) throw std::runtime_error("zip_open failed for " + path);
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(z, name.c_str(), 0, &st) != 0) {
    zip_close(z);
    throw std::runtime_error("no zip entry " + name);
  }
  std::string out(st.size, '\0');
  zip_file_t* zf = zip_fopen(z, name.c_str(), 0);
  const zip_int64_t n = zip_fread(zf, out.data(), st.size);
  zip_fclose(zf);
  zip_close(z);
  if (n != static_cast<zip_int64_t>(st.size)) throw std::runtime_error("short read of " + name);
  return out;
}

using pp::test::read_bytes;

std::size_t count_of(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

std::string xml_unescape(std::string s) {
  const std::pair<const char*, const char*> ents[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (auto [from, to] : ents) {
    for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + 1))
      s.replace(p, std::string(from).size(), to);
  }
  return s;
}

struct Cell {
  bool is_text = false;
  bool date_styled = false;  // s="1": the shared date format
  std::string value;         // text, or the number as written
};
using Row = std::map<int, Cell>;  // 0-based column -> cell

int col_index(const std::string& ref) {
  int c = 0;
  for (char ch : ref) {
    if (ch < 'A' || ch > 'Z') break;
    c = c * 26 + (ch - 'A' + 1);
  }
  return c - 1;
}

// Parses libxlsxwriter's constant-memory sheet XML: rows keyed by 1-based row number.
std::map<int, Row> parse_sheet(const std::string& xml) {
  std::map<int, Row> rows;
  std::size_t p = 0;
  while ((p = xml.find("<row r=\"", p)) != std::string::npos) {
    const int r = static_cast<int>(std::strtol(xml.c_str() + p + 8, nullptr, 10));
    const std::size_t end = xml.find("</row>", p);
    std::size_t c = p;
    Row row;
    while ((c = xml.find("<c r=\"", c)) != std::string::npos && c < end) {
      const std::size_t tag_end = xml.find('>', c);
      const std::string tag = xml.substr(c, tag_end - c);
      const std::string ref = tag.substr(6, tag.find('"', 6) - 6);
      Cell cell;
      cell.is_text = tag.find("t=\"inlineStr\"") != std::string::npos;
      cell.date_styled = tag.find("s=\"1\"") != std::string::npos;
      if (tag.back() == '/') {
        c = tag_end;
        continue;
      }
      const std::size_t cend = xml.find("</c>", c);
      const std::string body = xml.substr(tag_end + 1, cend - tag_end - 1);
      if (cell.is_text) {
        const std::size_t t0 = body.find('>', body.find("<t")) + 1;
        cell.value = xml_unescape(body.substr(t0, body.find("</t>") - t0));
      } else {
        cell.value = body.substr(3, body.find("</v>") - 3);
      }
      row[col_index(ref)] = cell;
      c = cend;
    }
    rows[r] = row;
    p = end;
  }
  return rows;
}

// Decoding as the reader must: NULL = missing cell or "NULL".
bool is_null(const Row& row, int col) {
  auto it = row.find(col);
  return it == row.end() || (it->second.is_text && it->second.value == "NULL");
}

std::optional<std::string> read_id(const Row& row, int col) {
  if (is_null(row, col)) return std::nullopt;
  const Cell& c = row.at(col);
  if (c.is_text) return c.value;
  const double v = std::strtod(c.value.c_str(), nullptr);
  EXPECT_EQ(v, std::floor(v)) << c.value;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return std::string(buf);
}

std::optional<double> read_real(const Row& row, int col) {
  if (is_null(row, col)) return std::nullopt;
  const Cell& c = row.at(col);
  EXPECT_FALSE(c.date_styled);
  return std::strtod(c.value.c_str(), nullptr);
}

std::optional<UnixTime> read_time(const Row& row, int col) {
  if (is_null(row, col)) return std::nullopt;
  const Cell& c = row.at(col);
  if (c.is_text) {
    auto t = parse_datetime(c.value);
    EXPECT_TRUE(t) << c.value;
    return t;
  }
  EXPECT_TRUE(c.date_styled) << c.value;
  auto t = excel_serial_to_unix(std::strtod(c.value.c_str(), nullptr));
  EXPECT_TRUE(t) << c.value;
  return t;
}

// ---- a tiny hand-made factory ---------------------------------------------------

model::Factory tiny_factory() {
  model::Factory f;
  f.plant_id = "P1";
  f.export_at = utc(2026, 11, 16);
  const UnixTime t0 = utc(2026, 3, 2, 7, 30, 0);

  for (int i = 0; i < 4; ++i) {
    model::WorkCenter w;
    w.work_center_id = std::to_string(10 + i);
    w.name = i == 1 ? "Lamina\xC3\xA7\xC3\xA3o & <Casco>" : "Fase " + std::to_string(i);
    w.sequence = i + 1;
    w.is_production = i != 3;
    w.is_automatic = i == 2;
    f.work_centers.push_back(w);
  }
  for (int i = 0; i < 3; ++i) {
    model::Product p;
    p.product_id = i == 2 ? "K-07" : std::to_string(500 + i);
    p.name = "Kayak " + std::to_string(i);
    p.demould_weight_kg = 20.5 + i;
    p.finish_weight_kg = i == 1 ? std::optional<double>() : 0.1 + 0.2;  // 17 digits
    p.gel_deck_kg = 1.25;
    p.gel_hull_kg = i == 0 ? std::optional<double>() : 3.0;
    f.products.push_back(p);
  }
  for (int i = 0; i < 6; ++i) {
    model::RoutingStep r;
    r.product_id = f.products[i % 3].product_id;
    r.work_center_id = f.work_centers[i % 4].work_center_id;
    r.sequence = i;
    r.coefficient = 1.5 * i;
    r.coefficient_x = i % 2 ? std::optional<double>() : 2.7;
    f.routing_steps.push_back(r);
  }
  for (int i = 0; i < 4; ++i) {
    model::Employee e;
    e.employee_id = std::to_string(900 + i);
    e.name = "Pessoa " + std::to_string(i);
    e.active = i != 2;
    f.employees.push_back(e);
    model::EmployeeSkill s;
    s.employee_id = e.employee_id;
    s.work_center_id = f.work_centers[i].work_center_id;
    if (i != 1) s.qualified_since = t0 - 86400 * 400 - i;
    f.skills.push_back(s);
  }
  for (int i = 0; i < 8; ++i) {
    model::ProductionOrder o;
    o.order_id = std::to_string(133620 + i);
    o.created_at = t0 + i * 3601;
    if (i % 3 != 0) o.finished_at = t0 + 86400 * 10 + i * 61;
    o.product_id = i == 7 ? "999999" : f.products[i % 3].product_id;  // 999999: orphan
    if (i % 2 == 0) o.current_work_center_id = f.work_centers[i % 4].work_center_id;
    if (i != 5) o.due_at = t0 + 86400 * 30;
    f.orders.push_back(o);
  }
  for (int i = 0; i < 24; ++i) {
    model::Operation op;
    op.operation_id = i == 23 ? "000123" : std::to_string(7000000 + i);  // leading zeros: text
    op.order_id = f.orders[i % 8].order_id;
    op.started_at = t0 + i * 1800;
    if (i % 5 != 4) op.ended_at = *op.started_at + 3600 + i;  // some open
    if (i % 2 == 0) op.planned_at = t0 + 86400;
    op.coefficient = 0.75 * i;
    if (i % 3) op.coefficient_x = 1.0 / 3.0;
    op.work_center_id = f.work_centers[i % 4].work_center_id;
    if (i % 4) op.weight_kg = 12.5 + i;
    op.is_rework = i % 7 == 0;
    if (i % 3) op.shift = 1 + i % 2;
    op.sequence = i % 4 + 1;
    op.event_time = op.ended_at.value_or(*op.started_at);
    f.operations.push_back(op);
  }
  for (int i = 0; i < 10; ++i) {
    model::OperationAssignment a;
    a.operation_id = i == 9 ? "8888888" : f.operations[i].operation_id;
    a.employee_id = f.employees[i % 4].employee_id;
    a.is_lead = i % 3 == 0;
    f.assignments.push_back(a);
  }
  for (int i = 0; i < 5; ++i) {
    model::Defect d;
    d.description = i % 2 ? "Pintura Malhada" : "Bolha no gelcoat";
    d.order_id = f.orders[i].order_id;
    d.evaluation_work_center_id = f.work_centers[3].work_center_id;
    d.severity = 1 + i % 3;
    d.evaluation_operation_id = f.operations[i + 4].operation_id;
    if (i != 2) d.culprit_operation_id = f.operations[i].operation_id;
    d.detected_at = t0;
    f.defects.push_back(d);
  }
  // Planted flaws: duplicates (one after a later row), invalid rows.
  f.duplicates.push_back({Sheet::Operations, 3, 3});
  f.duplicates.push_back({Sheet::Operations, 1, 10});
  f.duplicates.push_back({Sheet::Orders, 2, 7});
  f.duplicates.push_back({Sheet::Operations, 5, 3});
  f.invalid_rows.push_back({Sheet::Operations,
                            3,
                            {"7999999", "133620", "2026-03-05 10:00:00", "2026-03-05 09:00:00",
                             "", "1", "", "10", "", "0", "", "1"},
                            "end_before_start"});
  f.invalid_rows.push_back(
      {Sheet::Defects, 4, {"Risco", "133621", "13", "7", "7000005", "NULL"}, "severity_domain"});
  f.invalid_rows.push_back({Sheet::Orders, 0, {"133699", "31/02/2026"}, "bad_date"});
  return f;
}

class TempDir : public pp::test::TempDir {
 public:
  TempDir() : pp::test::TempDir("pp_wb_test") {}
};

std::string sheet_xml(const std::string& path, int index) {
  return zip_entry(path, "xl/worksheets/sheet" + std::to_string(index + 1) + ".xml");
}

// ---- workbook tests ---------------------------------------------------------------

TEST(WorkbookWriter, SheetsHeadersAndRowCounts) {
  TempDir tmp;
  const auto f = tiny_factory();
  const std::string path = tmp.file("w.xlsx");
  WorkbookWriteOptions opt;
  opt.tmpdir = tmp.path();
  const WorkbookWriteStats st = write_reference_workbook(f, path, opt);

  // Sheets in workbook.xml, in the reference order with the exact names.
  const std::string wb = zip_entry(path, "xl/workbook.xml");
  const std::vector<std::string> expected_names = {
      "OrdensFabrico", "FasesOrdemFabrico", "FuncionariosFaseOrdemFabrico",
      "OrdemFabricoErros", "Funcionarios", "FuncionariosFasesAptos",
      "Fases", "Modelos", "FasesStandardModelos"};
  EXPECT_EQ(count_of(wb, "<sheet "), 9u);
  std::size_t pos = 0;
  for (std::size_t i = 0; i < expected_names.size(); ++i) {
    const std::string tag = "<sheet name=\"" + expected_names[i] + "\" sheetId=\"" +
                            std::to_string(i + 1) + "\"";
    const auto at = wb.find(tag, pos);
    ASSERT_NE(at, std::string::npos) << tag;
    pos = at + 1;
  }

  const std::array<std::size_t, 9> expected_rows = {
      8 + 1 + 1,   // orders: 1 duplicate, 1 invalid
      24 + 3 + 1,  // operations: 3 duplicates, 1 invalid
      10, 5 + 1, 4, 4, 4, 3, 6};
  const auto& sheets = model::reference_sheets();
  for (int s = 0; s < 9; ++s) {
    SCOPED_TRACE(std::string(sheets[s].name));
    EXPECT_EQ(st.rows[s], expected_rows[s]);
    const std::string xml = sheet_xml(path, s);
    EXPECT_EQ(count_of(xml, "<row "), expected_rows[s] + 1);
    const auto rows = parse_sheet(xml);
    ASSERT_EQ(rows.size(), expected_rows[s] + 1);
    // Contiguous rows 1..n+1.
    int r = 1;
    for (const auto& [num, row] : rows) EXPECT_EQ(num, r++);
    // Header row, exact texts.
    const Row& h = rows.at(1);
    ASSERT_EQ(h.size(), sheets[s].headers.size());
    for (std::size_t c = 0; c < sheets[s].headers.size(); ++c) {
      EXPECT_TRUE(h.at(static_cast<int>(c)).is_text);
      EXPECT_EQ(h.at(static_cast<int>(c)).value, sheets[s].headers[c]);
    }
  }
  EXPECT_EQ(st.total_rows(), 10u + 28 + 10 + 6 + 4 + 4 + 4 + 3 + 6);
  EXPECT_EQ(count_of(wb, "date1904"), 0u);  // 1900 date system
  // Constant-memory mode: inline strings only.
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
  ASSERT_NE(z, nullptr);
  EXPECT_LT(zip_name_locate(z, "xl/sharedStrings.xml", 0), 0);
  zip_close(z);
  // The one date format.
  EXPECT_NE(zip_entry(path, "xl/styles.xml").find("formatCode=\"yyyy-mm-dd hh:mm:ss\""),
            std::string::npos);
}

TEST(WorkbookWriter, RowsReadBackExactly) {
  TempDir tmp;
  const auto f = tiny_factory();
  const std::string path = tmp.file("w.xlsx");
  write_reference_workbook(f, path, {});

  // Orders: row 2 = clean 0, row 3 = invalid after 0, rows 4.. = clean 1..,
  // duplicate of clean 2 after clean 7 (last).
  {
    const auto rows = parse_sheet(sheet_xml(path, 0));
    const std::vector<int> clean_row = {2, 4, 5, 6, 7, 8, 9, 10};
    for (std::size_t i = 0; i < f.orders.size(); ++i) {
      SCOPED_TRACE("order " + std::to_string(i));
      const Row& r = rows.at(clean_row[i]);
      const auto& o = f.orders[i];
      EXPECT_EQ(read_id(r, 0), o.order_id);
      EXPECT_EQ(read_time(r, 1), o.created_at);
      EXPECT_EQ(read_time(r, 2), o.finished_at);
      EXPECT_EQ(read_id(r, 3), o.product_id);
      EXPECT_EQ(read_id(r, 4), o.current_work_center_id);
      EXPECT_EQ(read_time(r, 5), o.due_at);
    }
    // The invalid row, as text, with trailing empty cells.
    const Row& inv = rows.at(3);
    ASSERT_EQ(inv.size(), 2u);
    EXPECT_TRUE(inv.at(0).is_text);
    EXPECT_EQ(inv.at(0).value, "133699");
    EXPECT_EQ(inv.at(1).value, "31/02/2026");
    // The duplicate renders exactly like its source.
    const Row& dup = rows.at(11);
    const Row& src = rows.at(clean_row[2]);
    ASSERT_EQ(dup.size(), src.size());
    for (const auto& [c, cell] : src) {
      EXPECT_EQ(dup.at(c).is_text, cell.is_text);
      EXPECT_EQ(dup.at(c).date_styled, cell.date_styled);
      EXPECT_EQ(dup.at(c).value, cell.value);
    }
  }
  // Operations: after clean 3 come duplicates of 3 and 5, then the invalid
  // row; after clean 10 a duplicate of 1.
  {
    const auto rows = parse_sheet(sheet_xml(path, 1));
    std::vector<int> clean_row;
    int r = 2;
    for (std::size_t i = 0; i < f.operations.size(); ++i) {
      clean_row.push_back(r++);
      if (i == 3) r += 3;
      if (i == 10) r += 1;
    }
    ASSERT_EQ(r, 2 + 28);
    auto check = [&](const Row& row, const model::Operation& op) {
      EXPECT_EQ(read_id(row, 0), op.operation_id);
      EXPECT_EQ(read_id(row, 1), op.order_id);
      EXPECT_EQ(read_time(row, 2), op.started_at);
      EXPECT_EQ(read_time(row, 3), op.ended_at);
      EXPECT_EQ(read_time(row, 4), op.planned_at);
      EXPECT_EQ(read_real(row, 5), op.coefficient);
      EXPECT_EQ(read_real(row, 6), op.coefficient_x);
      EXPECT_EQ(read_id(row, 7), op.work_center_id);
      EXPECT_EQ(read_real(row, 8), op.weight_kg);
      EXPECT_EQ(read_real(row, 9), op.is_rework ? 1.0 : 0.0);
      const auto shift = read_real(row, 10);
      EXPECT_EQ(shift.has_value(), op.shift.has_value());
      if (shift && op.shift) {
        EXPECT_EQ(*shift, *op.shift);
      }
      EXPECT_EQ(read_real(row, 11), op.sequence);
    };
    for (std::size_t i = 0; i < f.operations.size(); ++i) {
      SCOPED_TRACE("operation " + std::to_string(i));
      check(rows.at(clean_row[i]), f.operations[i]);
    }
    {
      SCOPED_TRACE("duplicates");
      check(rows.at(clean_row[3] + 1), f.operations[3]);
      check(rows.at(clean_row[3] + 2), f.operations[5]);
      check(rows.at(clean_row[10] + 1), f.operations[1]);
    }
    const Row& inv = rows.at(clean_row[3] + 3);
    EXPECT_EQ(inv.at(0).value, "7999999");
    EXPECT_EQ(inv.at(3).value, "2026-03-05 09:00:00");
    EXPECT_EQ(inv.count(4), 0u);  // "" = empty cell
    for (const auto& [c, cell] : inv) EXPECT_TRUE(cell.is_text);
    // A leading-zero id never becomes a number.
    const Row& lz = rows.at(clean_row[23]);
    EXPECT_TRUE(lz.at(0).is_text);
    EXPECT_EQ(lz.at(0).value, "000123");
  }
  // Products: 0.1 + 0.2 needs 17 digits: always text, exact.
  {
    const auto rows = parse_sheet(sheet_xml(path, 7));
    for (std::size_t i = 0; i < f.products.size(); ++i) {
      const Row& r = rows.at(static_cast<int>(i) + 2);
      const auto& p = f.products[i];
      EXPECT_EQ(read_id(r, 0), p.product_id);
      EXPECT_EQ(r.at(1).value, p.name);
      EXPECT_EQ(read_real(r, 2), p.demould_weight_kg);
      EXPECT_EQ(read_real(r, 3), p.finish_weight_kg);
      if (p.finish_weight_kg) {
        EXPECT_TRUE(r.at(3).is_text);
      }
      EXPECT_EQ(read_real(r, 4), p.gel_deck_kg);
      EXPECT_EQ(read_real(r, 5), p.gel_hull_kg);
    }
  }
  // Fases: names with XML specials and UTF-8 survive; flags 0/1.
  {
    const auto rows = parse_sheet(sheet_xml(path, 6));
    for (std::size_t i = 0; i < f.work_centers.size(); ++i) {
      const Row& r = rows.at(static_cast<int>(i) + 2);
      const auto& w = f.work_centers[i];
      EXPECT_EQ(read_id(r, 0), w.work_center_id);
      EXPECT_EQ(r.at(1).value, w.name);
      EXPECT_EQ(read_real(r, 2), w.sequence);
      EXPECT_EQ(read_real(r, 3), w.is_production ? 1 : 0);
      EXPECT_EQ(read_real(r, 4), w.is_automatic ? 1 : 0);
    }
  }
  // Skills: NULL date.
  {
    const auto rows = parse_sheet(sheet_xml(path, 5));
    for (std::size_t i = 0; i < f.skills.size(); ++i) {
      const Row& r = rows.at(static_cast<int>(i) + 2);
      EXPECT_EQ(read_time(r, 2), f.skills[i].qualified_since);
    }
  }
  // Defects: the invalid row after the last clean one.
  {
    const auto rows = parse_sheet(sheet_xml(path, 3));
    for (std::size_t i = 0; i < f.defects.size(); ++i) {
      const Row& r = rows.at(static_cast<int>(i) + 2);
      const auto& d = f.defects[i];
      EXPECT_EQ(r.at(0).value, d.description);
      EXPECT_EQ(read_id(r, 1), d.order_id);
      EXPECT_EQ(read_real(r, 3), d.severity);
      EXPECT_EQ(read_id(r, 5), d.culprit_operation_id);
    }
    EXPECT_EQ(rows.at(7).at(3).value, "7");
    EXPECT_EQ(rows.at(7).at(5).value, "NULL");
  }
}

TEST(WorkbookWriter, ByteIdenticalForSameInput) {
  TempDir tmp;
  const auto f = tiny_factory();
  write_reference_workbook(f, tmp.file("a.xlsx"), {});
  write_reference_workbook(f, tmp.file("b.xlsx"), {});
  const std::string a = read_bytes(tmp.file("a.xlsx"));
  EXPECT_GT(a.size(), 1000u);
  EXPECT_EQ(a, read_bytes(tmp.file("b.xlsx")));
  // Another seed changes the renderings, not the row counts.
  WorkbookWriteOptions other;
  other.seed = 7;
  const auto st = write_reference_workbook(f, tmp.file("c.xlsx"), other);
  EXPECT_NE(a, read_bytes(tmp.file("c.xlsx")));
  EXPECT_EQ(st.rows[1], 28u);
  // Overwrites an existing file.
  write_reference_workbook(f, tmp.file("c.xlsx"), {});
  EXPECT_EQ(a, read_bytes(tmp.file("c.xlsx")));
}

TEST(WorkbookWriter, SharesAreRoughlyAsDocumented) {
  TempDir tmp;
  model::Factory f;
  f.export_at = utc(2026, 1, 1);
  for (int i = 0; i < 20000; ++i) {
    model::OperationAssignment a;
    a.operation_id = std::to_string(1000000 + i);
    a.employee_id = std::to_string(i % 900);
    a.is_lead = i % 2;
    f.assignments.push_back(a);
    model::EmployeeSkill s;
    s.employee_id = a.employee_id;
    s.work_center_id = "F1";
    if (i % 2) s.qualified_since = utc(2020, 1, 1) + i * 977;
    f.skills.push_back(s);
  }
  const std::string path = tmp.file("s.xlsx");
  write_reference_workbook(f, path, {});
  const auto assignments = parse_sheet(sheet_xml(path, 2));
  std::size_t numbers = 0, cells = 0;
  for (const auto& [r, row] : assignments) {
    if (r == 1) continue;
    for (const auto& [c, cell] : row) {
      ++cells;
      numbers += cell.is_text ? 0 : 1;
    }
  }
  EXPECT_EQ(cells, 60000u);
  EXPECT_NEAR(static_cast<double>(numbers) / cells, 0.60, 0.02);

  const auto skills = parse_sheet(sheet_xml(path, 5));
  std::size_t serials = 0, texts = 0, empty = 0, null_text = 0;
  for (const auto& [r, row] : skills) {
    if (r == 1) continue;
    auto it = row.find(2);
    if (it == row.end()) {
      ++empty;
    } else if (it->second.value == "NULL") {
      ++null_text;
    } else if (it->second.is_text) {
      ++texts;
    } else {
      ++serials;
    }
  }
  EXPECT_EQ(empty + null_text, 10000u);
  EXPECT_NEAR(static_cast<double>(empty) / 10000, 0.70, 0.02);
  EXPECT_NEAR(static_cast<double>(serials) / 10000, 0.60, 0.02);
  EXPECT_EQ(serials + texts, 10000u);
}

TEST(WorkbookWriter, RejectsBadInputWithoutWriting) {
  TempDir tmp;
  const std::string path = tmp.file("bad.xlsx");
  auto expect_invalid = [&](const model::Factory& f) {
    try {
      write_reference_workbook(f, path, {});
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter) << e.what();
    }
    EXPECT_FALSE(fs::exists(path));
  };
  {
    auto f = tiny_factory();
    f.duplicates.push_back({Sheet::Defects, 99, 0});
    expect_invalid(f);
  }
  {
    auto f = tiny_factory();
    f.invalid_rows.push_back({Sheet::WorkCenters, 100, {"x"}, "r"});
    expect_invalid(f);
  }
  {
    auto f = tiny_factory();
    f.invalid_rows.push_back({Sheet::Employees, 0, {"1", "2", "3", "4"}, "r"});
    expect_invalid(f);
  }
  {
    auto f = tiny_factory();
    f.operations[20].weight_kg = std::nan("");
    expect_invalid(f);
  }
  {
    auto f = tiny_factory();
    f.orders[6].created_at = kExcelLast + 100;
    expect_invalid(f);
  }
  {
    model::Factory f;
    f.invalid_rows.push_back({Sheet::Orders, 0, {"1"}, "r"});  // no clean row to follow
    expect_invalid(f);
  }
}

TEST(WorkbookWriter, ReportsUnwritablePath) {
  TempDir tmp;
  const auto f = tiny_factory();
  try {
    write_reference_workbook(f, tmp.file("no/such/dir/w.xlsx"), {});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("libxlsxwriter"), std::string::npos) << e.what();
  }
}

bool always_cancel() { return true; }

TEST(WorkbookWriter, CancelLeavesNoFile) {
  TempDir tmp;
  const auto f = tiny_factory();
  const std::string path = tmp.file("c.xlsx");
  EXPECT_THROW(write_reference_workbook(f, path, {}, CancelToken(&always_cancel)), Cancelled);
  EXPECT_FALSE(fs::exists(path));
}

TEST(WorkbookWriter, EmptyFactoryHasOnlyHeaders) {
  TempDir tmp;
  const std::string path = tmp.file("e.xlsx");
  const auto st = write_reference_workbook(model::Factory{}, path, {});
  EXPECT_EQ(st.total_rows(), 0u);
  for (int s = 0; s < 9; ++s) EXPECT_EQ(count_of(sheet_xml(path, s), "<row "), 1u);
}

}  // namespace

}  // namespace test_workbook_writer
