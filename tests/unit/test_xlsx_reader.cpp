// The streaming xlsx reader (src/core/xlsx/workbook_reader.h and its parts).
//
//  * helpers: number text, column names, number-format classification, part
//    target resolution, OOXML escapes;
//  * round trip of workbooks written by our writer (write_reference_workbook);
//  * hand-written workbooks (zips built here with libzip): every cell type,
//    rich text, phonetic runs, formulas with and without cached values, sparse
//    rows and cells, lying dimension, prefixed namespace, absolute targets,
//    sheets in another order than their parts;
//  * workbooks made with /usr/bin/python3 + openpyxl, and the hand-written one,
//    compared cell by cell with what openpyxl reads (skipped without openpyxl);
//  * bad input: not a zip, truncated, corrupt, zip bomb, too many entries, DTD /
//    billion laughs, missing parts, row 1,048,577, column XFE, invalid UTF-8,
//    limits, cancellation; each a pp::Error of the right kind and message;
//  * the parallel sheet parse: same rows, stats and errors as the sequential
//    one, including its fallbacks (comments, rows without r=, encodings).
#include "core/common/cancel.h"
#include "core/common/errors.h"
#include "core/model/factory.h"
#include "core/model/workbook_format.h"
#include "core/xlsx/cell.h"
#include "core/xlsx/excel_dates.h"
#include "core/xlsx/ooxml_text.h"
#include "core/xlsx/shared_strings.h"
#include "core/xlsx/sheet_reader.h"
#include "core/xlsx/styles.h"
#include "core/xlsx/workbook_info.h"
#include "core/xlsx/workbook_reader.h"
#include "core/xlsx/workbook_writer.h"
#include "core/xlsx/zip_archive.h"

#include "support/test_files.h"

#include <gtest/gtest.h>

#include <regex>
#include <unistd.h>
#include <zip.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace test_xlsx_reader {

namespace fs = std::filesystem;
using namespace pp;
using namespace pp::xlsx;
using Kind = CellValue::Kind;

namespace {

// ---- zips and workbooks built in the test ---------------------------------------------

struct Part {
  std::string name;
  std::string data;
  bool store = false;  // no compression
};

std::string make_zip(const std::vector<Part>& parts) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
  if (src == nullptr) throw std::runtime_error("zip_source_buffer_create");
  zip_source_keep(src);
  zip_t* z = zip_open_from_source(src, ZIP_TRUNCATE, &err);
  if (z == nullptr) throw std::runtime_error("zip_open_from_source");
  for (const Part& p : parts) {
    zip_source_t* s = zip_source_buffer(z, p.data.data(), p.data.size(), 0);
    const zip_int64_t idx = zip_file_add(z, p.name.c_str(), s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
    if (idx < 0) throw std::runtime_error("zip_file_add " + p.name);
    zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), p.store ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0);
  }
  if (zip_close(z) != 0) throw std::runtime_error("zip_close");
  std::string out;
  if (zip_source_open(src) != 0) throw std::runtime_error("zip_source_open");
  char buf[65536];
  zip_int64_t n;
  while ((n = zip_source_read(src, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  zip_source_close(src);
  zip_source_free(src);
  return out;
}

constexpr const char* kMainNs = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
constexpr const char* kRelNs = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
constexpr const char* kRelType = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";

std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

// <worksheet> with the given sheetData content.
std::string sheet_xml(const std::string& rows, const std::string& before_data = "") {
  return std::string("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"") +
         kMainNs + "\" xmlns:r=\"" + kRelNs + "\">" + before_data + "<sheetData>" + rows +
         "</sheetData></worksheet>";
}

struct TestSheet {
  std::string name;
  std::string xml;
  std::string part;    // default xl/worksheets/sheet<N>.xml, N = position + 1
  std::string target;  // relationship target; default relative to xl/
};

struct TestBook {
  std::vector<TestSheet> sheets;
  std::string sst;     // xl/sharedStrings.xml, if any
  std::string styles;  // xl/styles.xml, if any
  bool date1904 = false;
  std::vector<Part> extra;
  bool store_sheets = false;
};

std::vector<Part> book_parts(const TestBook& b) {
  std::vector<Part> parts;
  const std::string ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.";
  std::string types =
      "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
      "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
      "<Override PartName=\"/xl/workbook.xml\" ContentType=\"" + ct + "sheet.main+xml\"/>";
  for (std::size_t i = 0; i < b.sheets.size(); ++i) {
    const std::string part = b.sheets[i].part.empty() ? "xl/worksheets/sheet" + std::to_string(i + 1) + ".xml" : b.sheets[i].part;
    types += "<Override PartName=\"/" + part + "\" ContentType=\"" + ct + "worksheet+xml\"/>";
  }
  if (!b.sst.empty()) types += "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"" + ct + "sharedStrings+xml\"/>";
  if (!b.styles.empty()) types += "<Override PartName=\"/xl/styles.xml\" ContentType=\"" + ct + "styles+xml\"/>";
  parts.push_back({"[Content_Types].xml", types + "</Types>"});
  parts.push_back({"_rels/.rels",
                   std::string("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/"
                               "package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"") +
                       kRelType + "officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"});
  std::string wb = std::string("<?xml version=\"1.0\"?><workbook xmlns=\"") + kMainNs + "\" xmlns:r=\"" +
                   kRelNs + "\">" + (b.date1904 ? "<workbookPr date1904=\"1\"/>" : "<workbookPr/>") +
                   "<sheets>";
  std::string rels = "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">";
  for (std::size_t i = 0; i < b.sheets.size(); ++i) {
    const TestSheet& s = b.sheets[i];
    const std::string part = s.part.empty() ? "xl/worksheets/sheet" + std::to_string(i + 1) + ".xml" : s.part;
    const std::string target = s.target.empty() ? part.substr(3) : s.target;
    const std::string rid = "rIdS" + std::to_string(i + 1);
    wb += "<sheet name=\"" + xml_escape(s.name) + "\" sheetId=\"" + std::to_string(i + 1) + "\" r:id=\"" + rid + "\"/>";
    rels += "<Relationship Id=\"" + rid + "\" Type=\"" + kRelType + "worksheet\" Target=\"" + target + "\"/>";
    if (!s.xml.empty()) parts.push_back({part, s.xml, b.store_sheets});
  }
  wb += "</sheets></workbook>";
  if (!b.sst.empty()) {
    rels += std::string("<Relationship Id=\"rIdSst\" Type=\"") + kRelType + "sharedStrings\" Target=\"sharedStrings.xml\"/>";
    parts.push_back({"xl/sharedStrings.xml", b.sst});
  }
  if (!b.styles.empty()) {
    rels += std::string("<Relationship Id=\"rIdSty\" Type=\"") + kRelType + "styles\" Target=\"styles.xml\"/>";
    parts.push_back({"xl/styles.xml", b.styles});
  }
  rels += "</Relationships>";
  parts.push_back({"xl/workbook.xml", wb});
  parts.push_back({"xl/_rels/workbook.xml.rels", rels});
  for (const Part& p : b.extra) parts.push_back(p);
  return parts;
}

std::string book_zip(const TestBook& b) { return make_zip(book_parts(b)); }

std::string one_sheet_book(const std::string& rows, const std::string& sst = "") {
  TestBook b;
  b.sheets.push_back({"S", sheet_xml(rows), "", ""});
  b.sst = sst;
  return book_zip(b);
}

std::string sst_xml(const std::vector<std::string>& items_xml) {
  std::string s = std::string("<?xml version=\"1.0\"?><sst xmlns=\"") + kMainNs + "\" uniqueCount=\"" +
                  std::to_string(items_xml.size()) + "\">";
  for (const auto& i : items_xml) s += "<si>" + i + "</si>";
  return s + "</sst>";
}

// ---- reading into plain values -----------------------------------------------------------

struct CellOut {
  Kind kind = Kind::Empty;
  double number = 0;
  std::int64_t unix_seconds = 0;
  std::string text;
};
struct RowOut {
  std::uint32_t row = 0;
  std::size_t width = 0;
  std::map<std::uint32_t, CellOut> cells;  // non-empty only
};
struct SheetOut {
  std::vector<RowOut> rows;
  SheetStats stats;
  const RowOut* row(std::uint32_t r) const {
    for (const auto& x : rows) {
      if (x.row == r) return &x;
    }
    return nullptr;
  }
  const CellOut* cell(std::uint32_t r, std::uint32_t c) const {
    const RowOut* x = row(r);
    if (x == nullptr) return nullptr;
    auto it = x->cells.find(c);
    return it == x->cells.end() ? nullptr : &it->second;
  }
};

std::function<void(const Row&)> collector(SheetOut& out) {
  return [&out](const Row& r) {
    RowOut ro;
    ro.row = r.row_number;
    ro.width = r.cells.size();
    for (std::uint32_t c = 0; c < r.cells.size(); ++c) {
      const CellValue& v = r.cells[c];
      if (v.kind == Kind::Empty) continue;
      ro.cells[c] = CellOut{v.kind, v.number, v.unix_seconds, std::string(v.text)};
    }
    out.rows.push_back(std::move(ro));
  };
}

SheetOut read_one(WorkbookReader& wb, std::size_t i) {
  SheetOut out;
  out.stats = wb.read_sheet(i, collector(out));
  return out;
}

std::vector<SheetOut> read_book(const std::string& bytes, ReaderLimits lim = {}) {
  WorkbookReader wb(bytes.data(), bytes.size(), lim);
  std::vector<SheetOut> out;
  for (std::size_t i = 0; i < wb.sheets().size(); ++i) out.push_back(read_one(wb, i));
  return out;
}

// Runs f, expects a pp::Error of `kind` whose message contains every needle; returns it.
template <class F>
std::string expect_error(F&& f, ErrorKind kind, const std::vector<std::string>& needles) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
    for (const auto& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << "'" << n << "' not in: " << e.what();
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected pp::Error, got std::exception: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected pp::Error, nothing thrown";
  return {};
}

void read_all_sheets(const std::string& bytes, ReaderLimits lim = {}) { (void)read_book(bytes, lim); }

class TempDir : public pp::test::TempDir {
 public:
  TempDir() : pp::test::TempDir("pp_xlsx_reader") {}
};

std::string read_file(const std::string& path) { return pp::test::read_bytes(path); }

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

std::int64_t utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return *checked_unix_from_civil({y, mo, d, h, mi, s});
}

// ---- helpers ------------------------------------------------------------------------------

TEST(XlsxReader, FormatNumberAsText) {
  auto f = [](double v) {
    std::string s;
    format_number_as_text(v, s);
    return s;
  };
  EXPECT_EQ(f(133626), "133626");
  EXPECT_EQ(f(0), "0");
  EXPECT_EQ(f(-0.0), "-0");
  EXPECT_EQ(f(-5), "-5");
  EXPECT_EQ(f(2.7), "2.7");
  EXPECT_EQ(f(1e-07), "1e-07");
  EXPECT_EQ(f(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(f(1e15), "1000000000000000");
  EXPECT_EQ(f(999999999999999), "999999999999999");
  EXPECT_EQ(f(1e16), "1e+16");
  EXPECT_EQ(f(44518.29694444445), "44518.29694444445");
  EXPECT_EQ(f(1.5e300), "1.5e+300");
  // Appends.
  std::string s = "x=";
  format_number_as_text(12.5, s);
  EXPECT_EQ(s, "x=12.5");
  // Shortest round trip for many values.
  for (double v : {1.0 / 3, 2.0 / 3, 1e-300, 123456.789, 9007199254740993.0, -1e22}) {
    const std::string t = f(v);
    double back = 0;
    std::from_chars(t.data(), t.data() + t.size(), back);
    EXPECT_EQ(back, v) << t;
  }
}

TEST(XlsxReader, ColumnNamesAndReferences) {
  EXPECT_EQ(column_name(0), "A");
  EXPECT_EQ(column_name(25), "Z");
  EXPECT_EQ(column_name(26), "AA");
  EXPECT_EQ(column_name(701), "ZZ");
  EXPECT_EQ(column_name(702), "AAA");
  EXPECT_EQ(column_name(16383), "XFD");
  EXPECT_EQ(column_name(16384), "XFE");
  EXPECT_EQ(cell_reference(7, 1), "B7");
}

TEST(XlsxReader, NumberFormatClassification) {
  using K = NumberFormatKind;
  EXPECT_EQ(classify_number_format("General"), K::Number);
  EXPECT_EQ(classify_number_format("0.00"), K::Number);
  EXPECT_EQ(classify_number_format("#,##0.00_);[Red](#,##0.00)"), K::Number);
  EXPECT_EQ(classify_number_format("0.00\" days\""), K::Number);
  EXPECT_EQ(classify_number_format("[Red]0.00"), K::Number);
  EXPECT_EQ(classify_number_format("[$-409]#,##0"), K::Number);
  EXPECT_EQ(classify_number_format("\\d0"), K::Number);  // escaped d
  EXPECT_EQ(classify_number_format("0_s"), K::Number);   // padding
  EXPECT_EQ(classify_number_format("0*s"), K::Number);   // fill
  EXPECT_EQ(classify_number_format("0.00E+00"), K::Number);
  EXPECT_EQ(classify_number_format("@"), K::Number);
  EXPECT_EQ(classify_number_format("yyyy-mm-dd hh:mm:ss"), K::DateTime);
  EXPECT_EQ(classify_number_format("dd/mm/yyyy"), K::DateTime);
  EXPECT_EQ(classify_number_format("[$-409]d-mmm-yy"), K::DateTime);
  EXPECT_EQ(classify_number_format("yyyy\"\xE5\xB9\xB4\"m\"\xE6\x9C\x88\"d\"\xE6\x97\xA5\""), K::DateTime);
  EXPECT_EQ(classify_number_format("h:mm AM/PM"), K::DateTime);
  EXPECT_EQ(classify_number_format("[Blue]dd/mm/yy;[Red]0"), K::DateTime);
  EXPECT_EQ(classify_number_format("0.00;dd/mm/yy"), K::Number);  // only the first section decides
  EXPECT_EQ(classify_number_format("[h]:mm:ss"), K::Duration);
  EXPECT_EQ(classify_number_format("[mm]:ss"), K::Duration);
  for (std::uint32_t id : {14u, 15u, 16u, 17u, 18u, 19u, 20u, 21u, 22u, 45u, 47u, 27u, 36u, 50u, 58u}) {
    EXPECT_EQ(builtin_number_format_kind(id), K::DateTime) << id;
  }
  for (std::uint32_t id : {0u, 1u, 2u, 9u, 10u, 11u, 12u, 13u, 23u, 37u, 44u, 48u, 49u, 59u, 164u}) {
    EXPECT_EQ(builtin_number_format_kind(id), K::Number) << id;
  }
  EXPECT_EQ(builtin_number_format_kind(46), K::Duration);
}

TEST(XlsxReader, PartTargets) {
  EXPECT_EQ(resolve_part_target("xl/workbook.xml", "worksheets/sheet1.xml"), "xl/worksheets/sheet1.xml");
  EXPECT_EQ(resolve_part_target("xl/workbook.xml", "/xl/worksheets/sheet1.xml"), "xl/worksheets/sheet1.xml");
  EXPECT_EQ(resolve_part_target("xl/workbook.xml", "./worksheets/../worksheets/s.xml"), "xl/worksheets/s.xml");
  EXPECT_EQ(resolve_part_target("xl/worksheets/sheet1.xml", "../drawings/d1.xml"), "xl/drawings/d1.xml");
  EXPECT_EQ(resolve_part_target("", "xl/workbook.xml"), "xl/workbook.xml");
  EXPECT_EQ(resolve_part_target("xl/workbook.xml", "worksheets/sheet%201.xml"), "xl/worksheets/sheet 1.xml");
  EXPECT_EQ(relationships_part("xl/workbook.xml"), "xl/_rels/workbook.xml.rels");
  EXPECT_EQ(relationships_part("workbook.xml"), "_rels/workbook.xml.rels");
}

TEST(XlsxReader, OoxmlEscapes) {
  auto d = [](std::string s) {
    decode_ooxml_escapes(s);
    return s;
  };
  EXPECT_EQ(d("plain"), "plain");
  EXPECT_EQ(d("a_x000D_b"), "a\rb");
  EXPECT_EQ(d("_x0007_"), "\x07");
  EXPECT_EQ(d("_x005F_x0041_"), "_x0041_");  // an escaped underscore protects a literal _x
  EXPECT_EQ(d("_x00E7_"), "\xC3\xA7");
  EXPECT_EQ(d("_xD83D__xDEA3_"), "\xF0\x9F\x9A\xA3");  // surrogate pair
  EXPECT_EQ(d("_xD83D_"), "\xEF\xBF\xBD");              // lone surrogate
  EXPECT_EQ(d("_x0000_"), "_x0000_");
  EXPECT_EQ(d("_x12G4_ _x12_ x_"), "_x12G4_ _x12_ x_");
  std::string tail = "keep_x000D_|_x000D_";
  decode_ooxml_escapes(tail, 12);
  EXPECT_EQ(tail, "keep_x000D_|\r");
}

// ---- round trip of our own writer ---------------------------------------------------------

model::Factory small_factory() {
  model::Factory f;
  f.plant_id = "P1";
  f.export_at = utc(2026, 11, 16);
  const std::int64_t t0 = utc(2026, 3, 2, 7, 30, 0);
  for (int i = 0; i < 5; ++i) {
    model::WorkCenter w;
    w.work_center_id = std::to_string(10 + i);
    w.name = i == 1 ? "Lamina\xC3\xA7\xC3\xA3o & <Casco>" : "Fase " + std::to_string(i);
    w.sequence = i + 1;
    w.is_production = i != 3;
    w.is_automatic = i == 2;
    f.work_centers.push_back(w);
  }
  for (int i = 0; i < 4; ++i) {
    model::Product p;
    p.product_id = i == 3 ? "K-07" : std::to_string(500 + i);
    p.name = "Kayak " + std::to_string(i);
    p.demould_weight_kg = 20.5 + i;
    if (i != 1) p.finish_weight_kg = 0.1 + 0.2;
    p.gel_deck_kg = 1.25;
    if (i != 0) p.gel_hull_kg = 3.0;
    f.products.push_back(p);
  }
  for (int i = 0; i < 30; ++i) {
    model::ProductionOrder o;
    o.order_id = std::to_string(133600 + i);
    o.created_at = t0 + i * 3601;
    if (i % 3 != 0) o.finished_at = t0 + 86400 * 10 + i * 61;
    o.product_id = f.products[static_cast<std::size_t>(i) % 4].product_id;
    if (i % 2 == 0) o.current_work_center_id = f.work_centers[static_cast<std::size_t>(i) % 5].work_center_id;
    if (i != 5) o.due_at = t0 + 86400 * 30;
    f.orders.push_back(o);
  }
  for (int i = 0; i < 60; ++i) {
    model::Operation op;
    op.operation_id = i == 59 ? "000123" : std::to_string(7000000 + i);
    op.order_id = f.orders[static_cast<std::size_t>(i) % 30].order_id;
    op.started_at = t0 + i * 1800;
    if (i % 5 != 4) op.ended_at = *op.started_at + 3600 + i;
    if (i % 2 == 0) op.planned_at = t0 + 86400;
    op.coefficient = 0.75 * i;
    if (i % 3) op.coefficient_x = 1.0 / 3.0;
    op.work_center_id = f.work_centers[static_cast<std::size_t>(i) % 5].work_center_id;
    if (i % 4) op.weight_kg = 12.5 + i;
    op.is_rework = i % 7 == 0;
    if (i % 3) op.shift = 1 + i % 2;
    op.sequence = i % 4 + 1;
    op.event_time = op.ended_at.value_or(*op.started_at);
    f.operations.push_back(op);
  }
  for (int i = 0; i < 4; ++i) {
    model::Employee e;
    e.employee_id = std::to_string(900 + i);
    e.name = "Pessoa " + std::to_string(i);
    e.active = i != 2;
    f.employees.push_back(e);
  }
  // A duplicate (of order 1, after order 2) and an invalid row (after order 0).
  f.duplicates.push_back({model::Sheet::Orders, 1, 2});
  f.invalid_rows.push_back({model::Sheet::Orders, 0, {"133699", "31/02/2026", "", "NULL"}, "bad_date"});
  return f;
}

struct FormCounts {
  int id_number = 0, id_text = 0, real_number = 0, real_text = 0, date_serial = 0, date_text = 0,
      null_empty = 0, null_literal = 0;
};

bool is_null_cell(const CellOut* c) { return c == nullptr || (c->kind == Kind::Text && c->text == "NULL"); }

void expect_id(const CellOut* c, const std::optional<std::string>& id, FormCounts& n) {
  if (!id || id->empty()) {
    EXPECT_TRUE(is_null_cell(c)) << (c ? c->text : "");
    (c == nullptr ? n.null_empty : n.null_literal)++;
    return;
  }
  ASSERT_NE(c, nullptr) << *id;
  if (c->kind == Kind::Number) {
    std::string t;
    format_number_as_text(c->number, t);
    EXPECT_EQ(t, *id);
    n.id_number++;
  } else {
    ASSERT_EQ(c->kind, Kind::Text) << *id;
    EXPECT_EQ(c->text, *id);
    n.id_text++;
  }
}

void expect_real(const CellOut* c, const std::optional<double>& v, FormCounts& n) {
  if (!v) {
    EXPECT_TRUE(is_null_cell(c));
    (c == nullptr ? n.null_empty : n.null_literal)++;
    return;
  }
  ASSERT_NE(c, nullptr) << *v;
  if (c->kind == Kind::Number) {
    EXPECT_EQ(c->number, *v);
    n.real_number++;
  } else {
    ASSERT_EQ(c->kind, Kind::Text) << *v;
    double back = 0;
    const auto r = std::from_chars(c->text.data(), c->text.data() + c->text.size(), back);
    EXPECT_TRUE(r.ec == std::errc() && r.ptr == c->text.data() + c->text.size()) << c->text;
    EXPECT_EQ(back, *v) << c->text;
    n.real_text++;
  }
}

void expect_time(const CellOut* c, const std::optional<std::int64_t>& t, FormCounts& n) {
  if (!t) {
    EXPECT_TRUE(is_null_cell(c));
    (c == nullptr ? n.null_empty : n.null_literal)++;
    return;
  }
  ASSERT_NE(c, nullptr);
  if (c->kind == Kind::DateTime) {
    EXPECT_EQ(c->unix_seconds, *t);
    n.date_serial++;
  } else {
    ASSERT_EQ(c->kind, Kind::Text);
    EXPECT_EQ(parse_datetime(c->text), *t) << c->text;  // the reader returns what is in the cell
    n.date_text++;
  }
}

TEST(XlsxReader, RoundTripOfOurWriter) {
  TempDir tmp;
  const model::Factory f = small_factory();
  const std::string path = tmp.file("w.xlsx");
  WorkbookWriteOptions opt;
  opt.tmpdir = tmp.path();
  const WorkbookWriteStats ws = write_reference_workbook(f, path, opt);
  const std::string bytes = read_file(path);

  WorkbookReader wb(bytes.data(), bytes.size());
  EXPECT_FALSE(wb.date1904());
  const auto& formats = model::reference_sheets();
  ASSERT_EQ(wb.sheets().size(), formats.size());
  std::vector<SheetOut> sheets;
  for (std::size_t s = 0; s < formats.size(); ++s) {
    SCOPED_TRACE(std::string(formats[s].name));
    EXPECT_EQ(wb.sheets()[s].name, formats[s].name);
    EXPECT_TRUE(wb.sheets()[s].is_worksheet);
    sheets.push_back(read_one(wb, s));
    const SheetOut& out = sheets.back();
    // Header + data rows (an empty sheet has its header only).
    EXPECT_EQ(out.stats.rows, ws.rows[s] + 1);
    ASSERT_FALSE(out.rows.empty());
    const RowOut& h = out.rows[0];
    EXPECT_EQ(h.row, 1u);
    ASSERT_EQ(h.cells.size(), formats[s].headers.size());
    for (std::uint32_t c = 0; c < formats[s].headers.size(); ++c) {
      EXPECT_EQ(h.cells.at(c).kind, Kind::Text);
      EXPECT_EQ(h.cells.at(c).text, formats[s].headers[c]);
    }
    // Contiguous rows, each as wide as its last value.
    for (std::size_t i = 0; i < out.rows.size(); ++i) {
      EXPECT_EQ(out.rows[i].row, i + 1);
      EXPECT_EQ(out.rows[i].width, out.rows[i].cells.rbegin()->first + 1);
    }
    EXPECT_EQ(out.stats.error_cells, 0u);
  }
  EXPECT_EQ(wb.shared_string_count(), 0u);  // constant-memory mode: inline strings only

  FormCounts n;
  // Orders: row 2 = order 0, row 3 = the invalid row, rows 4.. = orders 1.., and the
  // duplicate of order 1 right after order 2.
  {
    const SheetOut& o = sheets[static_cast<int>(model::Sheet::Orders)];
    std::vector<std::uint32_t> row_of(f.orders.size());
    std::uint32_t r = 2;
    for (std::size_t i = 0; i < f.orders.size(); ++i) {
      row_of[i] = r++;
      if (i == 0) r++;  // invalid row
      if (i == 2) r++;  // duplicate
    }
    for (std::size_t i = 0; i < f.orders.size(); ++i) {
      SCOPED_TRACE("order " + std::to_string(i));
      const auto& ord = f.orders[i];
      const std::uint32_t row = row_of[i];
      expect_id(o.cell(row, 0), ord.order_id, n);
      expect_time(o.cell(row, 1), ord.created_at, n);
      expect_time(o.cell(row, 2), ord.finished_at, n);
      expect_id(o.cell(row, 3), ord.product_id, n);
      expect_id(o.cell(row, 4), ord.current_work_center_id, n);
      expect_time(o.cell(row, 5), ord.due_at, n);
    }
    // The invalid row: text as written, "" = empty cell, the literal NULL kept.
    const RowOut* inv = o.row(3);
    ASSERT_NE(inv, nullptr);
    EXPECT_EQ(inv->cells.at(0).kind, Kind::Text);
    EXPECT_EQ(inv->cells.at(0).text, "133699");
    EXPECT_EQ(inv->cells.at(1).text, "31/02/2026");
    EXPECT_EQ(inv->cells.count(2), 0u);
    EXPECT_EQ(inv->cells.at(3).text, "NULL");
    EXPECT_EQ(inv->width, 4u);
    // The duplicate reads exactly like its source.
    const RowOut* dup = o.row(row_of[2] + 1);
    const RowOut* src = o.row(row_of[1]);
    ASSERT_TRUE(dup && src);
    ASSERT_EQ(dup->cells.size(), src->cells.size());
    for (const auto& [c, v] : src->cells) {
      EXPECT_EQ(dup->cells.at(c).kind, v.kind);
      EXPECT_EQ(dup->cells.at(c).text, v.text);
      EXPECT_EQ(dup->cells.at(c).number, v.number);
    }
  }
  // Operations.
  {
    const SheetOut& o = sheets[static_cast<int>(model::Sheet::Operations)];
    for (std::size_t i = 0; i < f.operations.size(); ++i) {
      SCOPED_TRACE("operation " + std::to_string(i));
      const auto& op = f.operations[i];
      const std::uint32_t row = static_cast<std::uint32_t>(i) + 2;
      expect_id(o.cell(row, 0), op.operation_id, n);
      expect_id(o.cell(row, 1), op.order_id, n);
      expect_time(o.cell(row, 2), op.started_at, n);
      expect_time(o.cell(row, 3), op.ended_at, n);
      expect_time(o.cell(row, 4), op.planned_at, n);
      expect_real(o.cell(row, 5), op.coefficient, n);
      expect_real(o.cell(row, 6), op.coefficient_x, n);
      expect_id(o.cell(row, 7), op.work_center_id, n);
      expect_real(o.cell(row, 8), op.weight_kg, n);
      expect_real(o.cell(row, 9), op.is_rework ? 1.0 : 0.0, n);
      expect_real(o.cell(row, 10), op.shift ? std::optional<double>(*op.shift) : std::nullopt, n);
      expect_real(o.cell(row, 11), op.sequence, n);
    }
    // A leading-zero id is always text.
    EXPECT_EQ(o.cell(61, 0)->kind, Kind::Text);
    EXPECT_EQ(o.cell(61, 0)->text, "000123");
  }
  // Work centers: XML specials and UTF-8 survive.
  {
    const SheetOut& o = sheets[static_cast<int>(model::Sheet::WorkCenters)];
    for (std::size_t i = 0; i < f.work_centers.size(); ++i) {
      const auto& w = f.work_centers[i];
      const std::uint32_t row = static_cast<std::uint32_t>(i) + 2;
      expect_id(o.cell(row, 0), w.work_center_id, n);
      ASSERT_NE(o.cell(row, 1), nullptr);
      EXPECT_EQ(o.cell(row, 1)->text, w.name);
      expect_real(o.cell(row, 2), w.sequence, n);
      expect_real(o.cell(row, 3), w.is_production ? 1.0 : 0.0, n);
      expect_real(o.cell(row, 4), w.is_automatic ? 1.0 : 0.0, n);
    }
  }
  // Products: 0.1 + 0.2 needs 17 digits and is always text, exactly.
  {
    const SheetOut& o = sheets[static_cast<int>(model::Sheet::Products)];
    for (std::size_t i = 0; i < f.products.size(); ++i) {
      const auto& p = f.products[i];
      const std::uint32_t row = static_cast<std::uint32_t>(i) + 2;
      expect_id(o.cell(row, 0), p.product_id, n);
      EXPECT_EQ(o.cell(row, 1)->text, p.name);
      expect_real(o.cell(row, 2), p.demould_weight_kg, n);
      expect_real(o.cell(row, 3), p.finish_weight_kg, n);
      if (p.finish_weight_kg) {
        EXPECT_EQ(o.cell(row, 3)->kind, Kind::Text);
      }
      expect_real(o.cell(row, 4), p.gel_deck_kg, n);
      expect_real(o.cell(row, 5), p.gel_hull_kg, n);
    }
  }
  // Every rendering occurs: ids as numbers and as text, numbers both ways,
  // dates as serials and as text, NULL as an empty cell and as "NULL".
  EXPECT_GT(n.id_number, 0);
  EXPECT_GT(n.id_text, 0);
  EXPECT_GT(n.real_number, 0);
  EXPECT_GT(n.real_text, 0);
  EXPECT_GT(n.date_serial, 0);
  EXPECT_GT(n.date_text, 0);
  EXPECT_GT(n.null_empty, 0);
  EXPECT_GT(n.null_literal, 0);
}

// ---- a hand-written workbook: every cell type ------------------------------------------------

// Styles: cellStyleXfs (ignored) and cellXfs 0 General, 1 custom date-time,
// 2 custom number with a quoted d, 3 built-in 14, 4 built-in 22, 5 [h]:mm, 6 h:mm.
std::string handmade_styles() {
  return std::string("<?xml version=\"1.0\"?><styleSheet xmlns=\"") + kMainNs +
         "\"><numFmts count=\"4\"><numFmt numFmtId=\"164\" formatCode=\"dd/mm/yyyy hh:mm\"/>"
         "<numFmt numFmtId=\"165\" formatCode=\"0.0&quot; d&quot;\"/>"
         "<numFmt numFmtId=\"166\" formatCode=\"[h]:mm\"/><numFmt numFmtId=\"167\" formatCode=\"h:mm\"/></numFmts>"
         "<fonts count=\"1\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
         "<fills count=\"1\"><fill><patternFill patternType=\"none\"/></fill></fills>"
         "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
         "<cellStyleXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/></cellStyleXfs>"
         "<cellXfs count=\"7\"><xf numFmtId=\"0\" xfId=\"0\"/><xf numFmtId=\"164\" xfId=\"0\" applyNumberFormat=\"1\"/>"
         "<xf numFmtId=\"165\"/><xf numFmtId=\"14\"/><xf numFmtId=\"22\"/><xf numFmtId=\"166\"/><xf numFmtId=\"167\"/></cellXfs>"
         "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles></styleSheet>";
}

std::string handmade_sst() {
  return sst_xml({
      "<t>plain</t>",                                                                    // 0
      "<r><rPr><b/><sz val=\"11\"/></rPr><t>Bold</t></r><r><t xml:space=\"preserve\"> and normal</t></r>",  // 1
      "<t>\xE6\xBC\xA2\xE5\xAD\x97</t><rPh sb=\"0\" eb=\"2\"><t>\xE3\x82\xAB\xE3\x83\xB3\xE3\x82\xB8</t></rPh>"
      "<phoneticPr fontId=\"1\"/>",                                                         // 2: phonetic ignored
      "<t xml:space=\"preserve\">  spaced  </t>",                                         // 3
      "<t/>",                                                                             // 4: empty string
      "<t>a&amp;b &lt;c&gt; &#x1F6A3; &#233;</t>",                                        // 5
  });
}

std::string handmade_main_sheet() {
  return sheet_xml(
      "<row r=\"1\" spans=\"1:6\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
      "<c r=\"C1\" t=\"s\"><v>2</v></c><c r=\"D1\" t=\"s\"><v>3</v></c><c r=\"E1\" t=\"s\"><v>4</v></c>"
      "<c r=\"F1\" t=\"s\" s=\"0\"><v>5</v></c></row>"
      // inline rich text, formula results: string, number, none; bool; errors
      "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><r><t>in</t></r><r><rPr><i/></rPr><t>line</t></r>"
      "<rPh sb=\"0\" eb=\"1\"><t>X</t></rPh></is></c>"
      "<c r=\"B2\" t=\"str\"><f>A2&amp;\"x\"</f><v>inlinex</v></c><c r=\"C2\"><f>1+1</f><v>2</v></c>"
      "<c r=\"D2\"><f>NOW()</f></c><c r=\"E2\" t=\"b\"><v>1</v></c><c r=\"F2\" t=\"e\"><v>#N/A</v></c>"
      "<c r=\"G2\" t=\"e\"><f>1/0</f><v>#DIV/0!</v></c><c r=\"H2\" t=\"b\"><v>0</v></c></row>"
      // styles: custom date-time, number with a quoted d, built-in 14, built-in 22
      "<row r=\"4\"><c r=\"B4\" s=\"1\"><v>45351.5</v></c><c r=\"C4\" s=\"2\"><v>3.25</v></c>"
      "<c r=\"D4\" s=\"3\"><v>45351</v></c><c r=\"E4\" s=\"4\"><v>45351.75</v></c></row>"
      // no r on the row (row 5) and on cells (A, B, then E by ref, then F)
      "<row><c><v>1</v></c><c t=\"n\"><v>2</v></c><c r=\"E5\"><v>5</v></c><c><v>6</v></c></row>"
      // an empty row and a row of empty cells: not handed out
      "<row r=\"7\" spans=\"1:3\" ht=\"20\" customHeight=\"1\"/>"
      "<row r=\"9\"><c r=\"A9\" s=\"1\"/><c r=\"B9\"><v></v></c></row>"
      // far column, exponent, leading plus
      "<row r=\"20\"><c r=\"AB20\"><v>-1.5E+3</v></c><c r=\"AC20\"><v> +12 </v></c></row>",
      "<dimension ref=\"A1:B2\"/>");  // the dimension lies
}

std::string handmade_prefixed_sheet() {
  return std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?><x:worksheet xmlns:x=\"") + kMainNs +
         "\"><x:sheetData><x:row r=\"1\"><x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>prefixed</x:t></x:is></x:c>"
         "<x:c r=\"B1\"><x:v>7</x:v></x:c></x:row></x:sheetData></x:worksheet>";
}

// "Plano de produção 2024" is listed first but lives in sheet2.xml; the second
// sheet, in sheet1.xml, is named through an absolute target.
std::string handmade_book() {
  TestBook b;
  b.sheets.push_back({"Plano de produ\xC3\xA7\xC3\xA3o 2024", handmade_main_sheet(), "xl/worksheets/sheet2.xml", ""});
  b.sheets.push_back({"Segunda folha", handmade_prefixed_sheet(), "xl/worksheets/sheet1.xml", "/xl/worksheets/sheet1.xml"});
  b.sst = handmade_sst();
  b.styles = handmade_styles();
  return book_zip(b);
}

TEST(XlsxReader, HandWrittenWorkbookCellTypes) {
  const std::string bytes = handmade_book();
  WorkbookReader wb(bytes.data(), bytes.size());
  ASSERT_EQ(wb.sheets().size(), 2u);
  EXPECT_EQ(wb.sheets()[0].name, "Plano de produ\xC3\xA7\xC3\xA3o 2024");
  EXPECT_EQ(wb.sheets()[0].part, "xl/worksheets/sheet2.xml");
  EXPECT_EQ(wb.sheets()[1].name, "Segunda folha");
  EXPECT_EQ(wb.sheets()[1].part, "xl/worksheets/sheet1.xml");
  EXPECT_EQ(wb.find_sheet("Segunda folha"), 1u);
  EXPECT_FALSE(wb.find_sheet("nope"));
  EXPECT_EQ(wb.shared_string_count(), 6u);

  const SheetOut s = read_one(wb, 0);
  // Shared strings.
  EXPECT_EQ(s.cell(1, 0)->text, "plain");
  EXPECT_EQ(s.cell(1, 1)->text, "Bold and normal");
  EXPECT_EQ(s.cell(1, 2)->text, "\xE6\xBC\xA2\xE5\xAD\x97");
  EXPECT_EQ(s.cell(1, 3)->text, "  spaced  ");
  ASSERT_NE(s.cell(1, 4), nullptr);
  EXPECT_EQ(s.cell(1, 4)->kind, Kind::Text);
  EXPECT_EQ(s.cell(1, 4)->text, "");
  EXPECT_EQ(s.cell(1, 5)->text, "a&b <c> \xF0\x9F\x9A\xA3 \xC3\xA9");
  // Row 2.
  EXPECT_EQ(s.cell(2, 0)->kind, Kind::Text);
  EXPECT_EQ(s.cell(2, 0)->text, "inline");
  EXPECT_EQ(s.cell(2, 1)->text, "inlinex");
  EXPECT_EQ(s.cell(2, 2)->kind, Kind::Number);
  EXPECT_EQ(s.cell(2, 2)->number, 2);
  EXPECT_EQ(s.cell(2, 3), nullptr);  // formula without a cached value
  EXPECT_EQ(s.cell(2, 4)->kind, Kind::Bool);
  EXPECT_EQ(s.cell(2, 4)->number, 1);
  EXPECT_EQ(s.cell(2, 5)->kind, Kind::Error);
  EXPECT_EQ(s.cell(2, 5)->text, "#N/A");
  EXPECT_EQ(s.cell(2, 6)->text, "#DIV/0!");
  EXPECT_EQ(s.cell(2, 7)->kind, Kind::Bool);
  EXPECT_EQ(s.cell(2, 7)->number, 0);
  // Row 4: date styles (1900 system).
  EXPECT_EQ(s.cell(4, 1)->kind, Kind::DateTime);
  EXPECT_EQ(s.cell(4, 1)->unix_seconds, utc(2024, 2, 29, 12));
  EXPECT_EQ(s.cell(4, 1)->number, 45351.5);
  EXPECT_EQ(s.cell(4, 2)->kind, Kind::Number);
  EXPECT_EQ(s.cell(4, 2)->number, 3.25);
  EXPECT_EQ(s.cell(4, 3)->unix_seconds, utc(2024, 2, 29));
  EXPECT_EQ(s.cell(4, 4)->unix_seconds, utc(2024, 2, 29, 18));
  // Row 5: no r anywhere.
  const RowOut* r5 = s.row(5);
  ASSERT_NE(r5, nullptr);
  EXPECT_EQ(r5->cells.size(), 4u);
  EXPECT_EQ(r5->cells.at(0).number, 1);
  EXPECT_EQ(r5->cells.at(1).number, 2);
  EXPECT_EQ(r5->cells.at(4).number, 5);
  EXPECT_EQ(r5->cells.at(5).number, 6);
  EXPECT_EQ(r5->width, 6u);
  // Rows 7 and 9 have no value.
  EXPECT_EQ(s.row(7), nullptr);
  EXPECT_EQ(s.row(9), nullptr);
  const RowOut* r20 = s.row(20);
  ASSERT_NE(r20, nullptr);
  EXPECT_EQ(r20->width, 29u);
  EXPECT_EQ(r20->cells.at(27).number, -1500);
  EXPECT_EQ(r20->cells.at(28).number, 12);
  // Stats: rows handed out, errors with their places, the (lying) dimension.
  EXPECT_EQ(s.stats.rows, 5u);
  EXPECT_EQ(s.stats.last_row, 20u);
  EXPECT_EQ(s.stats.columns, 29u);
  EXPECT_EQ(s.stats.error_cells, 2u);
  ASSERT_EQ(s.stats.first_errors.size(), 2u);
  EXPECT_EQ(s.stats.first_errors[0].reference(), "F2");
  EXPECT_EQ(s.stats.first_errors[0].code, "#N/A");
  EXPECT_EQ(s.stats.first_errors[1].reference(), "G2");
  EXPECT_EQ(s.stats.dimension, "A1:B2");
  std::uint64_t cells = 0;
  for (const auto& r : s.rows) cells += r.cells.size();
  EXPECT_EQ(s.stats.cells, cells);

  // The prefixed sheet.
  const SheetOut p = read_one(wb, 1);
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_EQ(p.cell(1, 0)->text, "prefixed");
  EXPECT_EQ(p.cell(1, 1)->number, 7);
  // Reading again gives the same.
  EXPECT_EQ(read_one(wb, 0).rows.size(), s.rows.size());
}

TEST(XlsxReader, DateSystem1904AndTimes) {
  TestBook b;
  b.date1904 = true;
  b.styles = handmade_styles();
  // 0 = 1904-01-01; 43889.5 = 2024-02-29 12:00 in the 1904 system; a time of
  // day alone and an elapsed time stay numbers in 1900; t="d" ISO cells.
  b.sheets.push_back({"D", sheet_xml("<row r=\"1\"><c r=\"A1\" s=\"1\"><v>0</v></c><c r=\"B1\" s=\"1\"><v>43889.5</v></c>"
                                     "<c r=\"C1\" s=\"3\"><v>-1</v></c></row>"), "", ""});
  const std::string bytes = book_zip(b);
  WorkbookReader wb(bytes.data(), bytes.size());
  EXPECT_TRUE(wb.date1904());
  const SheetOut s = read_one(wb, 0);
  EXPECT_EQ(s.cell(1, 0)->kind, Kind::DateTime);
  EXPECT_EQ(s.cell(1, 0)->unix_seconds, utc(1904, 1, 1));
  EXPECT_EQ(s.cell(1, 1)->unix_seconds, utc(2024, 2, 29, 12));
  EXPECT_EQ(s.cell(1, 2)->kind, Kind::Number);  // no date before the epoch
  EXPECT_EQ(s.cell(1, 2)->number, -1);

  TestBook c;
  c.styles = handmade_styles();
  c.sheets.push_back({"T", sheet_xml("<row r=\"1\"><c r=\"A1\" s=\"6\"><v>0.5</v></c><c r=\"B1\" s=\"5\"><v>1.5</v></c>"
                                     "<c r=\"C1\" s=\"1\"><v>60</v></c><c r=\"D1\" s=\"1\"><v>59.5</v></c>"
                                     "<c r=\"E1\" t=\"d\"><v>2024-02-29T12:00:00Z</v></c>"
                                     "<c r=\"F1\" t=\"d\"><v>2024-02-29T12:00:00.600</v></c>"
                                     "<c r=\"G1\" t=\"d\"><v>not a date</v></c></row>"), "", ""});
  const std::string bytes2 = book_zip(c);
  const auto out = read_book(bytes2);
  const SheetOut& t = out[0];
  EXPECT_EQ(t.cell(1, 0)->kind, Kind::Number);  // 12:00 without a date (1900 system)
  EXPECT_EQ(t.cell(1, 1)->kind, Kind::Number);  // elapsed time [h]:mm
  EXPECT_EQ(t.cell(1, 2)->kind, Kind::Number);  // Excel's fictitious 1900-02-29
  EXPECT_EQ(t.cell(1, 3)->kind, Kind::DateTime);
  EXPECT_EQ(t.cell(1, 3)->unix_seconds, utc(1900, 2, 28, 12));
  EXPECT_EQ(t.cell(1, 4)->kind, Kind::DateTime);
  EXPECT_EQ(t.cell(1, 4)->unix_seconds, utc(2024, 2, 29, 12));
  EXPECT_EQ(t.cell(1, 5)->unix_seconds, utc(2024, 2, 29, 12, 0, 1));
  EXPECT_EQ(t.cell(1, 6)->kind, Kind::Text);
  EXPECT_EQ(t.cell(1, 6)->text, "not a date");
}

TEST(XlsxReader, EscapesInStringsAndDuplicateColumns) {
  const std::string sst = sst_xml({"<t>a_x000D_b</t>", "<t>_x005F_x0041_</t>"});
  const std::string bytes = one_sheet_book(
      "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
      "<c r=\"C1\" t=\"inlineStr\"><is><t>tab_x0009_here</t></is></c>"
      "<c r=\"D1\" t=\"str\"><v>x_x000A_y</v></c></row>"
      // The same column twice: the last value wins, whatever its kind.
      "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>first</t></is></c><c r=\"A2\" t=\"s\"><v>0</v></c>"
      "<c r=\"B2\" t=\"s\"><v>1</v></c><c r=\"B2\" t=\"inlineStr\"><is><t>second</t></is></c>"
      "<c r=\"C2\" t=\"str\"><v>x</v></c><c r=\"C2\"><v>3</v></c></row>",
      sst);
  const auto out = read_book(bytes);
  const SheetOut& s = out[0];
  EXPECT_EQ(s.cell(1, 0)->text, "a\rb");
  EXPECT_EQ(s.cell(1, 1)->text, "_x0041_");
  EXPECT_EQ(s.cell(1, 2)->text, "tab\there");
  EXPECT_EQ(s.cell(1, 3)->text, "x\ny");
  EXPECT_EQ(s.cell(2, 0)->text, "a\rb");
  EXPECT_EQ(s.cell(2, 1)->text, "second");
  EXPECT_EQ(s.cell(2, 2)->kind, Kind::Number);
}

TEST(XlsxReader, CallbackExceptionsAndCancellation) {
  std::string rows;
  for (int r = 1; r <= 10000; ++r) rows += "<row r=\"" + std::to_string(r) + "\"><c r=\"A" + std::to_string(r) + "\"><v>" + std::to_string(r) + "</v></c></row>";
  const std::string bytes = one_sheet_book(rows);
  WorkbookReader wb(bytes.data(), bytes.size());
  int seen = 0;
  EXPECT_THROW(wb.read_sheet(0, [&](const Row& r) {
    if (++seen == 100) throw std::runtime_error("stop at " + std::to_string(r.row_number));
  }), std::runtime_error);
  EXPECT_EQ(seen, 100);
  // Cancellation: polled every 4096 rows (and every 256 KiB of XML).
  static std::atomic<int> polls{0};
  polls = 0;
  CancelToken cancel([] { return ++polls > 1; });
  seen = 0;
  EXPECT_THROW(wb.read_sheet(0, [&](const Row&) { ++seen; }, cancel), Cancelled);
  EXPECT_LT(seen, 10000);
  // The reader is still usable.
  EXPECT_EQ(read_one(wb, 0).rows.size(), 10000u);
  expect_error([&] { wb.read_sheet(1, [](const Row&) {}); }, ErrorKind::InvalidParameter, {"sheet index 1"});
}

// ---- bad input ------------------------------------------------------------------------------

TEST(XlsxReaderErrors, NotAZip) {
  const std::string text = "Of_Id;Of_DataCriacao\n133626;2026-01-01\n";
  expect_error([&] { WorkbookReader wb(text.data(), text.size()); }, ErrorKind::DataException,
               {"not an xlsx workbook", "not a zip archive"});
  expect_error([&] { WorkbookReader wb(text.data(), 0); }, ErrorKind::DataException, {"not an xlsx workbook", "empty"});
  const std::string ole = std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(600, '\0');
  expect_error([&] { WorkbookReader wb(ole.data(), ole.size()); }, ErrorKind::DataException,
               {"not an xlsx workbook", "OLE2"});
  // A zip without a workbook.
  const std::string z = make_zip({{"hello.txt", "hello"}});
  expect_error([&] { WorkbookReader wb(z.data(), z.size()); }, ErrorKind::DataException,
               {"not an xlsx workbook", "no workbook part"});
}

TEST(XlsxReaderErrors, TruncatedAndCorruptZip) {
  const std::string good = handmade_book();
  for (std::size_t keep : {good.size() / 2, good.size() - 10, std::size_t{30}}) {
    const std::string cut = good.substr(0, keep);
    expect_error([&] { read_all_sheets(cut); }, ErrorKind::DataException, {"not an xlsx workbook"});
  }
  // Damage the compressed data of the big sheet, keep the directory: the
  // entry fails to inflate or its CRC mismatches.
  TestBook b;
  std::string rows;
  for (int r = 1; r <= 3000; ++r) rows += "<row r=\"" + std::to_string(r) + "\"><c r=\"A" + std::to_string(r) + "\"><v>" + std::to_string(r * 7919 % 10007) + "</v></c></row>";
  b.sheets.push_back({"S", sheet_xml(rows), "", ""});
  std::string bad = book_zip(b);
  const std::size_t at = bad.find("xl/worksheets/sheet1.xml");
  ASSERT_NE(at, std::string::npos);
  for (std::size_t i = at + 200; i < at + 400 && i < bad.size(); ++i) bad[i] = static_cast<char>(bad[i] ^ 0x5A);
  expect_error([&] { read_all_sheets(bad); }, ErrorKind::DataException, {"not an xlsx workbook", "sheet1.xml"});
}

TEST(XlsxReaderErrors, ZipBomb) {
  // A 50 MB entry of one repeated byte compresses about 1000:1.
  TestBook b;
  b.sheets.push_back({"Bomb", std::string(50u << 20, ' '), "", ""});
  const std::string bytes = book_zip(b);
  EXPECT_LT(bytes.size(), 200000u);
  // Refused before anything is inflated: by its ratio (default limits) ...
  expect_error([&] { read_all_sheets(bytes); }, ErrorKind::ProgramLimit, {"max_ratio = 200", "xl/worksheets/sheet1.xml"});
  // ... or, with the ratio unbounded, by its size (checked when the zip is opened) ...
  ReaderLimits lim;
  lim.max_ratio = 1e12;
  lim.max_uncompressed_bytes = 10u << 20;
  expect_error([&] { WorkbookReader wb(bytes.data(), bytes.size(), lim); }, ErrorKind::ProgramLimit,
               {"max_uncompressed_bytes = 10485760"});
  // ... and with no limit in the way it is just malformed XML, streamed in constant memory.
  lim = {};
  lim.max_ratio = 1e12;
  expect_error([&] { read_all_sheets(bytes, lim); }, ErrorKind::DataException, {"sheet 'Bomb'", "malformed XML"});
}

TEST(XlsxReaderErrors, SizeAndEntryLimits) {
  TestBook b;
  b.sheets.push_back({"Big", sheet_xml(std::string(3u << 20, ' ')), "", ""});
  const std::string bytes = book_zip(b);
  ReaderLimits lim;
  lim.max_uncompressed_bytes = 1u << 20;
  expect_error([&] { read_all_sheets(bytes, lim); }, ErrorKind::ProgramLimit, {"max_uncompressed_bytes", "1048576"});
  lim = {};
  lim.max_entries = 3;
  expect_error([&] { read_all_sheets(bytes, lim); }, ErrorKind::ProgramLimit, {"max_entries", "3"});
  // The tiny limit on the ratio only applies above ratio_min_entry_bytes.
  lim = {};
  lim.max_ratio = 2;
  expect_error([&] { read_all_sheets(bytes, lim); }, ErrorKind::ProgramLimit, {"max_ratio"});
  lim.ratio_min_entry_bytes = 8u << 20;
  EXPECT_NO_THROW(read_all_sheets(bytes, lim));
}

TEST(XlsxReaderErrors, DtdAndEntityExpansion) {
  const std::string laughs =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
      " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
      " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
      " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
      " <!ENTITY lol9 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n]>\n";
  {
    TestBook b;
    b.sheets.push_back({"Lol", laughs + "<worksheet xmlns=\"" + kMainNs + "\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>", "", ""});
    const std::string bytes = book_zip(b);
    expect_error([&] { read_all_sheets(bytes); }, ErrorKind::DataException, {"sheet 'Lol'", "DTD"});
  }
  {  // In the shared strings.
    const std::string bytes = one_sheet_book("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>",
                                             laughs + "<sst xmlns=\"" + kMainNs + "\"><si><t>&lol9;</t></si></sst>");
    expect_error([&] { read_all_sheets(bytes); }, ErrorKind::DataException, {"shared-strings", "DTD"});
  }
  {  // An external entity.
    const std::string bytes = one_sheet_book("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>",
                                             "<?xml version=\"1.0\"?><!DOCTYPE sst [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                                             "<sst><si><t>&x;</t></si></sst>");
    expect_error([&] { read_all_sheets(bytes); }, ErrorKind::DataException, {"DTD"});
  }
  {  // An undeclared entity is malformed XML.
    const std::string bytes = one_sheet_book("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&nbsp;</t></is></c></row>");
    expect_error([&] { read_all_sheets(bytes); }, ErrorKind::DataException, {"sheet 'S'", "malformed XML", "row 1"});
  }
}

TEST(XlsxReaderErrors, MissingParts) {
  {  // The sheet's part is not in the zip.
    TestBook b;
    b.sheets.push_back({"Present", sheet_xml("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"), "", ""});
    b.sheets.push_back({"Ausente", "", "xl/worksheets/sheet9.xml", ""});
    const std::string bytes = book_zip(b);
    expect_error([&] { WorkbookReader wb(bytes.data(), bytes.size()); }, ErrorKind::DataException,
                 {"not an xlsx workbook", "Ausente", "xl/worksheets/sheet9.xml"});
  }
  {  // No relationship for the sheet's r:id.
    std::vector<Part> parts = book_parts([] {
      TestBook b;
      b.sheets.push_back({"S", sheet_xml(""), "", ""});
      return b;
    }());
    for (Part& p : parts) {
      if (p.name == "xl/_rels/workbook.xml.rels") p.data = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"/>";
    }
    const std::string bytes = make_zip(parts);
    expect_error([&] { WorkbookReader wb(bytes.data(), bytes.size()); }, ErrorKind::DataException,
                 {"not an xlsx workbook", "rIdS1"});
  }
  {  // No sheets at all.
    const std::string bytes = make_zip({{"xl/workbook.xml", std::string("<workbook xmlns=\"") + kMainNs + "\"><sheets/></workbook>"}});
    expect_error([&] { WorkbookReader wb(bytes.data(), bytes.size()); }, ErrorKind::DataException,
                 {"not an xlsx workbook", "no sheets"});
  }
  {  // Without _rels/.rels the conventional workbook part is used; the sheet XML is truncated.
    std::vector<Part> parts = book_parts([] {
      TestBook b;
      b.sheets.push_back({"T", sheet_xml("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>").substr(0, 150), "", ""});
      return b;
    }());
    parts.erase(parts.begin() + 1);
    const std::string bytes = make_zip(parts);
    expect_error([&] { read_all_sheets(bytes); }, ErrorKind::DataException, {"sheet 'T'", "malformed XML", "truncated"});
  }
}

TEST(XlsxReaderErrors, CoordinatesBeyondExcel) {
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"1048576\"><c r=\"A1048576\"><v>1</v></c></row><row r=\"1048577\"><c r=\"A1048577\"><v>1</v></c></row>")); },
               ErrorKind::DataException, {"sheet 'S'", "row 1048577", "1,048,576"});
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"5\"><c r=\"A1048577\"><v>1</v></c></row>")); },
               ErrorKind::DataException, {"sheet 'S'", "cell A1048577"});
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"7\"><c r=\"XFD7\"><v>1</v></c><c r=\"XFE7\"><v>1</v></c></row>")); },
               ErrorKind::DataException, {"sheet 'S'", "cell XFE7", "XFD"});
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"7\"><c r=\"XFD7\"><v>1</v></c><c><v>2</v></c></row>")); },
               ErrorKind::DataException, {"sheet 'S'", "cell XFE7", "XFD"});
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"7\"><c r=\"ABCDEFGHIJ7\"><v>1</v></c></row>")); },
               ErrorKind::DataException, {"sheet 'S'", "ABCDEFGHIJ7"});
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"0\"/>")); }, ErrorKind::DataException, {"invalid row number '0'"});
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"2\"><c r=\"7B\"><v>1</v></c></row>")); }, ErrorKind::DataException,
               {"invalid cell reference '7B'"});
  // Within Excel but beyond the configured limits: ProgramLimit.
  ReaderLimits lim;
  lim.max_rows = 10;
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"11\"><c r=\"A11\"><v>1</v></c></row>"), lim); },
               ErrorKind::ProgramLimit, {"max_rows = 10", "sheet 'S'"});
  lim = {};
  lim.max_columns = 3;
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"1\"><c r=\"D1\"><v>1</v></c></row>"), lim); },
               ErrorKind::ProgramLimit, {"max_columns = 3", "cell D1"});
}

TEST(XlsxReaderErrors, InvalidUtf8) {
  {  // In a shared string.
    const std::string bytes = one_sheet_book("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c></row>",
                                             sst_xml({"<t>ok</t>", "<t>Pintura \xC3\x28 Malhada</t>"}));
    expect_error([&] { read_all_sheets(bytes); }, ErrorKind::DataException,
                 {"shared-strings table (xl/sharedStrings.xml)", "invalid UTF-8", "in shared string #1, 0-based", "line 1"});
  }
  {  // In a sheet: names the sheet and the row.
    std::string rows;
    for (int r = 1; r <= 40; ++r) {
      rows += "<row r=\"" + std::to_string(r) + "\"><c r=\"A" + std::to_string(r) + "\" t=\"inlineStr\"><is><t>" +
              (r == 37 ? std::string("bad \xFF byte") : "fine") + "</t></is></c></row>\n";
    }
    const std::string bytes = one_sheet_book(rows);
    expect_error([&] { read_all_sheets(bytes); }, ErrorKind::DataException,
                 {"sheet 'S' (xl/worksheets/sheet1.xml)", "near row 37", "invalid UTF-8"});
  }
  {  // An encoded surrogate and an overlong form.
    expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>\xED\xA0\x80</t></is></c></row>")); },
                 ErrorKind::DataException, {"invalid UTF-8"});
    expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>\xC0\xAF</t></is></c></row>")); },
                 ErrorKind::DataException, {"invalid UTF-8"});
  }
}

TEST(XlsxReaderErrors, DimensionThatLies) {
  std::string rows;
  for (int r = 1; r <= 100; ++r) rows += "<row r=\"" + std::to_string(r) + "\"><c r=\"J" + std::to_string(r) + "\"><v>" + std::to_string(r) + "</v></c></row>";
  for (const char* dim : {"A1:B2", "A1", "A1:XFD1048576", "garbage", ""}) {
    TestBook b;
    b.sheets.push_back({"S", sheet_xml(rows, std::string("<dimension ref=\"") + dim + "\"/>"), "", ""});
    const auto out = read_book(book_zip(b));
    EXPECT_EQ(out[0].rows.size(), 100u) << dim;
    EXPECT_EQ(out[0].stats.last_row, 100u);
    EXPECT_EQ(out[0].stats.columns, 10u);
    EXPECT_EQ(out[0].stats.dimension, dim);
    EXPECT_EQ(out[0].cell(100, 9)->number, 100);
  }
}

TEST(XlsxReaderErrors, BadCellsAndTextLimits) {
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"3\"><c r=\"C3\"><v>12abc</v></c></row>")); }, ErrorKind::DataException,
               {"sheet 'S'", "cell C3", "invalid number '12abc'"});
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"3\"><c r=\"C3\"><v>inf</v></c></row>")); }, ErrorKind::DataException,
               {"invalid number 'inf'"});
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"3\"><c r=\"C3\" t=\"b\"><v>2</v></c></row>")); }, ErrorKind::DataException,
               {"cell C3", "invalid boolean"});
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"3\"><c r=\"C3\" t=\"x\"><v>2</v></c></row>")); }, ErrorKind::DataException,
               {"cell C3", "unknown type"});
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"3\"><c r=\"C3\" t=\"s\"><v>2</v></c></row>", sst_xml({"<t>a</t>"}))); },
               ErrorKind::DataException, {"cell C3", "shared string '2'", "has 1 shared strings"});
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"3\"><c r=\"C3\" t=\"s\"><v>0</v></c></row>")); },
               ErrorKind::DataException, {"cell C3", "has 0 shared strings"});
  // Limits on text.
  ReaderLimits lim;
  lim.max_row_text_bytes = 1000;
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"4\"><c r=\"A4\" t=\"inlineStr\"><is><t>" + std::string(2000, 'x') + "</t></is></c></row>"), lim); },
               ErrorKind::ProgramLimit, {"max_row_text_bytes = 1000", "row 4"});
  lim.max_row_text_bytes = 1u << 20;
  lim.max_ratio = 1e12;
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"4\"><c r=\"A4\"><v>1</v></c></row><!--" + std::string(3u << 20, 'x') + "-->"), lim); },
               ErrorKind::ProgramLimit, {"max_row_text_bytes", "single XML token"});
  lim = {};
  lim.max_shared_strings_bytes = 4096;
  std::vector<std::string> many(200, "<t>some shared text</t>");
  expect_error([&] { read_all_sheets(one_sheet_book("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>", sst_xml(many)), lim); },
               ErrorKind::ProgramLimit, {"max_shared_strings_bytes = 4096"});
}

// ---- the parallel sheet parse -----------------------------------------------------------------

struct LowLevelBook {
  // Keeps its own copy of the bytes (the zip reads them in place).
  explicit LowLevelBook(std::string b) : bytes(std::move(b)), zip(bytes.data(), bytes.size(), ReaderLimits{}) {
    info = read_workbook_info(zip, ReaderLimits{});
    if (info.shared_strings_entry) sst.load(zip, *info.shared_strings_entry, ReaderLimits{}, {});
    if (info.styles_entry) styles.load(zip, *info.styles_entry, ReaderLimits{}, {});
  }
  SheetOut read(std::size_t sheet, unsigned threads, std::size_t chunk = 4096, const CancelToken& cancel = {}) {
    SheetContext ctx;
    ctx.sheet_name = info.sheets[sheet].name;
    ctx.shared_strings = &sst;
    ctx.styles = &styles;
    ctx.limits.parse_threads = threads;
    ctx.parallel_min_bytes = 0;
    ctx.chunk_bytes = chunk;
    SheetOut out;
    out.stats = stream_sheet(zip, info.sheet_entries[sheet], ctx, collector(out), cancel);
    return out;
  }
  std::string bytes;
  ZipArchive zip;
  WorkbookInfo info;
  SharedStrings sst;
  Styles styles;
};

void expect_same(const SheetOut& a, const SheetOut& b) {
  ASSERT_EQ(a.rows.size(), b.rows.size());
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    ASSERT_EQ(a.rows[i].row, b.rows[i].row) << i;
    ASSERT_EQ(a.rows[i].width, b.rows[i].width) << i;
    ASSERT_EQ(a.rows[i].cells.size(), b.rows[i].cells.size()) << i;
    for (const auto& [c, v] : a.rows[i].cells) {
      const CellOut& w = b.rows[i].cells.at(c);
      ASSERT_EQ(v.kind, w.kind);
      ASSERT_EQ(v.text, w.text);
      ASSERT_EQ(v.number, w.number);
      ASSERT_EQ(v.unix_seconds, w.unix_seconds);
    }
  }
  EXPECT_EQ(a.stats.rows, b.stats.rows);
  EXPECT_EQ(a.stats.cells, b.stats.cells);
  EXPECT_EQ(a.stats.last_row, b.stats.last_row);
  EXPECT_EQ(a.stats.columns, b.stats.columns);
  EXPECT_EQ(a.stats.error_cells, b.stats.error_cells);
  ASSERT_EQ(a.stats.first_errors.size(), b.stats.first_errors.size());
  for (std::size_t i = 0; i < a.stats.first_errors.size(); ++i) {
    EXPECT_EQ(a.stats.first_errors[i].reference(), b.stats.first_errors[i].reference());
    EXPECT_EQ(a.stats.first_errors[i].code, b.stats.first_errors[i].code);
  }
  EXPECT_EQ(a.stats.dimension, b.stats.dimension);
  EXPECT_EQ(a.stats.xml_bytes, b.stats.xml_bytes);
}

// Rows of every kind; `middle` is inserted before row `at`.
std::string mixed_rows(int n, int at = -1, const std::string& middle = "", bool omit_r_after = false) {
  std::string rows;
  for (int r = 1; r <= n; ++r) {
    if (r == at) rows += middle;
    const std::string R = std::to_string(r);
    const bool no_r = omit_r_after && at > 0 && r >= at && r < at + 5;
    rows += no_r ? "<row>" : "<row r=\"" + R + "\" spans=\"1:8\">";
    rows += "<c r=\"A" + R + "\"><v>" + std::to_string(100000 + r) + "</v></c>";
    rows += "<c r=\"B" + R + "\" t=\"s\"><v>" + std::to_string(r % 3) + "</v></c>";
    rows += "<c r=\"C" + R + "\" t=\"inlineStr\"><is><t>item &amp; " + R + " \xC3\xA7</t></is></c>";
    if (r % 4 != 0) rows += "<c r=\"D" + R + "\" s=\"1\"><v>" + std::to_string(45000 + r) + ".25</v></c>";
    rows += "<c r=\"E" + R + "\" t=\"b\"><v>" + std::to_string(r % 2) + "</v></c>";
    if (r % 997 == 0) rows += "<c r=\"F" + R + "\" t=\"e\"><v>#REF!</v></c>";
    if (r % 5 == 0) rows += "<c r=\"H" + R + "\" t=\"str\"><f>X</f><v>s" + R + "</v></c>";
    rows += "</row>\n";
    if (r % 10 == 0) rows += "<row r=\"" + std::to_string(r) + "\" hidden=\"1\"/>\n";  // same number, empty
  }
  return rows;
}

std::string mixed_book(const std::string& sheet) {
  TestBook b;
  b.sheets.push_back({"Big", sheet, "", ""});
  b.sst = sst_xml({"<t>zero</t>", "<r><t>o</t></r><r><t>ne</t></r>", "<t>two</t>"});
  b.styles = handmade_styles();
  return book_zip(b);
}

TEST(XlsxReaderParallel, SameRowsAsSequential) {
  const std::string bytes = mixed_book(sheet_xml(mixed_rows(6000), "<dimension ref=\"A1:H6000\"/>") +
                                       "<!-- after the worksheet -->");
  LowLevelBook book(bytes);
  const SheetOut seq = book.read(0, 0);
  ASSERT_EQ(seq.rows.size(), 6000u);
  EXPECT_EQ(seq.stats.error_cells, 6u);
  for (unsigned threads : {2u, 3u}) {
    for (std::size_t chunk : {std::size_t{100}, std::size_t{4096}, std::size_t{100000}}) {
      SCOPED_TRACE(std::to_string(threads) + " threads, chunk " + std::to_string(chunk));
      const SheetOut par = book.read(0, threads, chunk);
      expect_same(seq, par);
      EXPECT_GE(par.stats.fragments, seq.stats.xml_bytes / std::max<std::size_t>(chunk, 400) / 2);
    }
  }
}

TEST(XlsxReaderParallel, FallbacksGiveTheSameRows) {
  struct Case {
    std::string name, xml;
    int split;  // 1: fragments were parsed in parallel before the fallback, 0: none, -1: either
  };
  const std::vector<Case> cases = {
      {"comment hiding </row>", sheet_xml(mixed_rows(3000, 1500, "<!-- <row r=\"1\"></row> -->")), 1},
      {"CDATA", sheet_xml(mixed_rows(3000, 2000, "<row r=\"1999\"><c r=\"A1999\"><v><![CDATA[12]]></v></c></row>")), 1},
      {"processing instruction", sheet_xml(mixed_rows(3000, 10, "<?pi </row> ?>")), -1},
      {"rows without r", sheet_xml(mixed_rows(3000, 1700, "", true)), 1},
      {"element between rows", sheet_xml(mixed_rows(2000, 900, "<foo a=\"1\"><bar/></foo>")), 1},
      {"encoding", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><worksheet xmlns=\"" + std::string(kMainNs) +
                       "\"><sheetData>" + mixed_rows(500) + "<row r=\"501\"><c r=\"A501\" t=\"inlineStr\"><is><t>caf\xE9</t></is></c></row>" +
                       "</sheetData></worksheet>", 0},
      {"prefixed", std::string("<x:worksheet xmlns:x=\"") + kMainNs + "\"><x:sheetData><x:row r=\"1\"><x:c r=\"A1\"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>", 0},
      {"comment before the rows", sheet_xml("<!-- x -->" + mixed_rows(800)), 0},
      {"no rows", sheet_xml(""), 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string bytes = mixed_book(c.xml);
    LowLevelBook book(bytes);
    const SheetOut seq = book.read(0, 0);
    EXPECT_EQ(seq.stats.fragments, 0u);
    const SheetOut par = book.read(0, 2, 2048);
    expect_same(seq, par);
    if (c.split >= 0) {
      EXPECT_EQ(par.stats.fragments > 0, c.split == 1) << par.stats.fragments;
    }
    expect_same(seq, book.read(0, 3, 300));
  }
  // The Latin-1 text came through the sequential fallback.
  LowLevelBook latin(mixed_book(cases[5].xml));
  EXPECT_EQ(latin.read(0, 2).cell(501, 0)->text, "caf\xC3\xA9");
}

// The fast tokenizer of fragments (fast_fragment.h) against expat: rows in
// every shape it takes or declines come out the same with one thread (every
// fragment through the tokenizer) and two as in the sequential expat parse,
// and malformed ones fail the same way.
TEST(XlsxReaderParallel, FastTokenizerSameAsExpat) {
  const std::vector<std::string> rows = {
      // entities and character references in text, non-ASCII, a 4-byte character
      "<row r=\"2345\"><c r=\"A2345\" t=\"inlineStr\"><is><t>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; "
      "&#233;&#xE9;&#x1F600; \xC3\xA7\xF0\x9F\x98\x80</t></is></c></row>",
      // single quotes, spaces around '=' and before '>', prefixed names, self-closing cells
      "<x:row r='2345' spans = \"1:3\" ><x:c r='A2345' ><x:v >7</x:v ></x:c><x:c r=\"B2345\"/></x:row >",
      // attribute values the tokenizer leaves to expat: an entity, a tab
      "<row r=\"2345\"><c r=\"A2345\" t=\"inlineStr\" x=\"a&amp;b\"><is><t>v</t></is></c></row>",
      "<row r=\"2345\"><c r=\"A2345\" x=\"a\tb\"><v>1</v></c></row>",
      // text the tokenizer leaves to expat: a carriage return, a &#13;
      "<row r=\"2345\"><c r=\"A2345\" t=\"inlineStr\"><is><t>a\r\nb&#13;</t></is></c></row>",
      // rich text with phonetic runs, '>' in text and attributes, white space between cells
      "<row r=\"2345\">\n  <c r=\"A2345\" t=\"inlineStr\" x=\"1>0\"><is><r><t>x &gt; y > z</t></r><rPh><t>no</t></rPh>"
      "</is></c>\n</row>",
  };
  for (const std::string& middle : rows) {
    SCOPED_TRACE(middle);
    LowLevelBook book(mixed_book(sheet_xml(mixed_rows(4000, 2345, middle))));
    const SheetOut seq = book.read(0, 0);
    expect_same(seq, book.read(0, 1, 3000));
    expect_same(seq, book.read(0, 2, 3000));
  }
  const std::vector<std::string> malformed = {
      "<row r=\"2345\"><c r=\"A2345\" r=\"B2345\"><v>1</v></c></row>",   // duplicate attribute
      "<row r=\"2345\"><c r=\"A2345\"s=\"1\"><v>1</v></c></row>",        // no space between attributes
      "<row r=\"2345\"><c r=\"A2345\" t=\"inlineStr\"><is><t>]]></t></is></c></row>",
      "<row r=\"2345\"><c r=\"A2345\" t=\"inlineStr\"><is><t>&nbsp;</t></is></c></row>",
      "<row r=\"2345\"><c r=\"A2345\" t=\"inlineStr\"><is><t>&#0;</t></is></c></row>",
      "<row r=\"2345\"><c r=\"A2345\" t=\"inlineStr\"><is><t>\xED\xA0\x80</t></is></c></row>",  // a surrogate
      "<row r=\"2345\"><c r=\"A2345\" t=\"inlineStr\"><is><t>\xEF\xBF\xBF</t></is></c></row>",  // U+FFFF
      "<row r=\"2345\"><c r=\"A2345\" x=\"<\"><v>1</v></c></row>",
      "<row r=\"2345\"><c r=\"A2345\"><v>1</v></c></rw>",
  };
  for (const std::string& middle : malformed) {
    SCOPED_TRACE(middle);
    LowLevelBook book(mixed_book(sheet_xml(mixed_rows(4000, 2345, middle))));
    // The fragment parse names no line (its lines do not count the sheet's).
    auto without_line = [](std::string m) {
      return std::regex_replace(m, std::regex(" at line [0-9]+, column [0-9]+"), "");
    };
    std::string sequential_error;
    try {
      book.read(0, 0);
    } catch (const Error& e) {
      sequential_error = without_line(e.what());
    }
    ASSERT_NE(sequential_error, "") << "expat accepted it";
    for (unsigned threads : {1u, 2u}) {
      try {
        book.read(0, threads, 3000);
        ADD_FAILURE() << "accepted with " << threads << " threads";
      } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), sequential_error) << threads;
      }
    }
  }
}

TEST(XlsxReaderParallel, SameErrors) {
  // Errors inside a fragment: the rows before it are handed out, then the error.
  struct Case {
    std::string name, middle;
    ErrorKind kind;
    std::vector<std::string> needles;
  };
  const std::vector<Case> cases = {
      {"invalid UTF-8", "<row r=\"2345\"><c r=\"A2345\" t=\"inlineStr\"><is><t>\xFF</t></is></c></row>", ErrorKind::DataException,
       {"sheet 'Big'", "near row 2345", "invalid UTF-8"}},
      {"bad number", "<row r=\"2345\"><c r=\"B2345\"><v>1.2.3</v></c></row>", ErrorKind::DataException,
       {"sheet 'Big'", "cell B2345", "invalid number"}},
      {"row too far", "<row r=\"1048577\"/>", ErrorKind::DataException, {"row 1048577"}},
      {"mismatched tag", "<row r=\"2345\"><c r=\"A2345\"><v>1</c></row>", ErrorKind::DataException,
       {"malformed XML", "near row 2345"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string bytes = mixed_book(sheet_xml(mixed_rows(4000, 2345, c.middle)));
    LowLevelBook book(bytes);
    for (unsigned threads : {0u, 2u}) {
      std::size_t handed = 0;
      SheetContext ctx;
      ctx.sheet_name = "Big";
      ctx.shared_strings = &book.sst;
      ctx.styles = &book.styles;
      ctx.limits.parse_threads = threads;
      ctx.parallel_min_bytes = 0;
      ctx.chunk_bytes = 3000;
      expect_error([&] { stream_sheet(book.zip, book.info.sheet_entries[0], ctx, [&](const Row&) { ++handed; }); },
                   c.kind, c.needles);
      EXPECT_EQ(handed, 2344u) << threads;  // every row before it
    }
  }
}

TEST(XlsxReaderParallel, CallbackExceptionAndCancel) {
  const std::string bytes = mixed_book(sheet_xml(mixed_rows(8000)));
  LowLevelBook book(bytes);
  SheetContext ctx;
  ctx.sheet_name = "Big";
  ctx.shared_strings = &book.sst;
  ctx.styles = &book.styles;
  ctx.limits.parse_threads = 2;
  ctx.parallel_min_bytes = 0;
  ctx.chunk_bytes = 2000;
  std::size_t handed = 0;
  EXPECT_THROW(stream_sheet(book.zip, book.info.sheet_entries[0], ctx, [&](const Row& r) {
    ++handed;
    if (r.row_number == 5000) throw std::runtime_error("enough");
  }), std::runtime_error);
  EXPECT_EQ(handed, 5000u);
  static std::atomic<int> polls{0};
  polls = 0;
  CancelToken cancel([] { return ++polls > 3; });
  EXPECT_THROW(stream_sheet(book.zip, book.info.sheet_entries[0], ctx, [](const Row&) {}, cancel), Cancelled);
  // And again, fine.
  SheetOut out;
  stream_sheet(book.zip, book.info.sheet_entries[0], ctx, collector(out));
  EXPECT_EQ(out.rows.size(), 8000u);
}

TEST(XlsxReaderParallel, FacadeOnALargeSheet) {
  // Over 4 MiB of XML: the facade parses in parallel by default; the same
  // rows as with parse_threads = 0.
  const std::string bytes = mixed_book(sheet_xml(mixed_rows(40000)));
  ReaderLimits seq;
  seq.parse_threads = 0;
  const auto a = read_book(bytes, seq);
  const auto b = read_book(bytes);
  ASSERT_GT(a[0].stats.xml_bytes, 4u << 20);
  expect_same(a[0], b[0]);
  EXPECT_EQ(a[0].stats.fragments, 0u);
  EXPECT_GT(b[0].stats.fragments, 8u);
}

// ---- against openpyxl -------------------------------------------------------------------------

const char* kOpenpyxlScript = R"PY(
import datetime, re, sys, zipfile
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

out = sys.argv[1]

def post_edit(path):
    # This openpyxl writes inline strings: move those of sheets 1 and 3 to a
    # shared-strings table (sheet 2 keeps inline strings), and reverse the
    # <sheet> elements of workbook.xml so that the workbook order no longer
    # follows the part numbers.
    with zipfile.ZipFile(path) as z:
        items = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    table = []
    def to_shared(m):
        table.append(m.group(3))
        return '<c %st="s"%s><v>%d</v></c>' % (m.group(1), m.group(2), len(table) - 1)
    inline = re.compile(r'<c ([^>]*?)t="inlineStr"([^>]*)><is>(<t[^>]*>.*?</t>|<t/>)</is></c>', re.S)
    out = []
    for name, data in items:
        text = data.decode("utf-8")
        if name in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml"):
            text = inline.sub(to_shared, text)
        elif name == "xl/workbook.xml":
            sheets = re.findall(r"<sheet [^>]*/>", text)
            text = text.replace("".join(sheets), "".join(reversed(sheets)))
        elif name == "xl/_rels/workbook.xml.rels":
            text = text.replace("</Relationships>", '<Relationship Type="http://schemas.openxmlformats.org/'
                                'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" '
                                'Id="rIdSst"/></Relationships>')
        elif name == "[Content_Types].xml":
            text = text.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType='
                                '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        out.append((name, text.encode("utf-8")))
    sst = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           'uniqueCount="%d">' % len(table) + "".join("<si>%s</si>" % t for t in table) + "</sst>")
    out.append(("xl/sharedStrings.xml", sst.encode("utf-8")))
    assert len(table) > 5
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in out:
            z.writestr(name, data)

def make_main(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Dados 2024 \u2013 produ\u00e7\u00e3o"
    ws.append(["Id", "Nome", "Qtd", "Peso", "Ativo", "Criado"])
    ws.append([133626, "Pintura Malhada", 3, 2.7, True, datetime.datetime(2026, 3, 2, 7, 30, 15)])
    ws["F2"].number_format = "yyyy-mm-dd hh:mm:ss"
    ws.append(["000123", "  padded  ", -0.5, 1e-07, False, datetime.datetime(1999, 12, 31, 23, 59, 59)])
    ws["F3"].number_format = "dd/mm/yyyy"
    ws["C7"] = "sparse"
    ws["H7"] = 42
    ws["AA9"] = 123456789012345
    ws["A10"] = "<a & b> \"q\" 'apos'"
    ws["B10"] = "line1\nline2"
    ws["C10"] = "\U0001F6A3 \u00e7 \u00e3 \u6f22"
    for i, code in enumerate(["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]):
        ws.cell(row=11, column=i + 1, value=code)
    formats = ["mm-dd-yy", "d-mmm-yy", "h:mm:ss", "[$-409]d-mmm-yy", 'yyyy"\u5e74"m"\u6708"d"\u65e5"',
               '0.00" days"', "[Red]0.00", "h:mm", "mm/dd/yy;@", "#,##0.00_);[Red](#,##0.00)",
               "General", "0.00E+00"]
    for i, f in enumerate(formats):
        c = ws.cell(row=12 + i, column=2, value=45351.5)
        c.number_format = f
    ws2 = wb.create_sheet("Second sheet")
    for r in range(1, 50):
        ws2.append([r, "row %d" % r, r * 0.5, r % 2 == 0])
    ws3 = wb.create_sheet("\u00dcn\u00efc\u00f8de \u00df")
    ws3["B2"] = "only cell"
    wb.save(path)
    post_edit(path)

def make_1904(path):
    wb = Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Mac"
    ws["A1"] = datetime.datetime(2024, 2, 29, 12, 0, 0)
    ws["A1"].number_format = "yyyy-mm-dd hh:mm:ss"
    ws["A2"] = datetime.datetime(1904, 1, 2, 0, 0, 1)
    ws["A2"].number_format = "yyyy-mm-dd hh:mm:ss"
    ws["B1"] = 1.5
    wb.save(path)

def dump(path, dump_path):
    wb = load_workbook(path, data_only=True)
    lines = ["sheets\t" + "\t".join(n.encode("utf-8").hex() for n in wb.sheetnames),
             "epoch\t" + ("1904" if wb.epoch == CALENDAR_MAC_1904 else "1900")]
    for si, ws in enumerate(wb.worksheets):
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if v is None:
                    continue
                if isinstance(v, bool):
                    t, s = "b", "1" if v else "0"
                elif isinstance(v, (int, float)):
                    t, s = "n", repr(float(v))
                elif isinstance(v, datetime.datetime):
                    t, s = "d", str(round((v - datetime.datetime(1970, 1, 1)).total_seconds()))
                elif isinstance(v, str):
                    t, s = ("e" if c.data_type == "e" else "s"), v.encode("utf-8").hex()
                else:
                    t, s = "?", repr(v).encode("utf-8").hex()
                lines.append("%d\t%d\t%d\t%s\t%s" % (si, c.row, c.column, t, s))
    with open(dump_path, "w") as f:
        f.write("\n".join(lines) + "\n")

make_main(out + "/main.xlsx")
make_1904(out + "/d1904.xlsx")
for name in ["main", "d1904", "handmade"]:
    dump(out + "/" + name + ".xlsx", out + "/" + name + ".tsv")
)PY";

bool have_openpyxl() {
  if (access("/usr/bin/python3", X_OK) != 0) return false;
  return std::system("/usr/bin/python3 -c 'import openpyxl' >/dev/null 2>&1") == 0;
}

std::string unhex(const std::string& h) {
  std::string s;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) s.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return s;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> f;
  std::size_t p = 0;
  for (;;) {
    const std::size_t q = line.find('\t', p);
    f.push_back(line.substr(p, q == std::string::npos ? std::string::npos : q - p));
    if (q == std::string::npos) break;
    p = q + 1;
  }
  return f;
}

// Compares our reading of `xlsx` with openpyxl's dump, cell by cell.
void compare_with_openpyxl(const std::string& xlsx, const std::string& dump, bool expect_1904) {
  const std::string bytes = read_file(xlsx);
  WorkbookReader wb(bytes.data(), bytes.size());
  std::istringstream in(read_file(dump));
  std::string line;
  std::map<std::tuple<std::size_t, std::uint32_t, std::uint32_t>, std::pair<std::string, std::string>> expected;
  while (std::getline(in, line)) {
    const auto f = split_tabs(line);
    if (f[0] == "sheets") {
      ASSERT_EQ(f.size() - 1, wb.sheets().size());
      for (std::size_t i = 1; i < f.size(); ++i) EXPECT_EQ(wb.sheets()[i - 1].name, unhex(f[i]));
    } else if (f[0] == "epoch") {
      EXPECT_EQ(f[1] == "1904", wb.date1904());
      EXPECT_EQ(wb.date1904(), expect_1904);
    } else {
      ASSERT_EQ(f.size(), 5u) << line;
      expected[{std::stoul(f[0]), static_cast<std::uint32_t>(std::stoul(f[1])),
                static_cast<std::uint32_t>(std::stoul(f[2]) - 1)}] = {f[3], f[4]};
    }
  }
  ASSERT_FALSE(expected.empty());
  std::size_t compared = 0;
  for (std::size_t s = 0; s < wb.sheets().size(); ++s) {
    wb.read_sheet(s, [&](const Row& row) {
      for (std::uint32_t c = 0; c < row.cells.size(); ++c) {
        const CellValue& v = row.cells[c];
        if (v.kind == Kind::Empty) continue;
        const std::string where = wb.sheets()[s].name + "!" + cell_reference(row.row_number, c);
        auto it = expected.find({s, row.row_number, c});
        if (it == expected.end()) {
          ADD_FAILURE() << where << ": we read a value openpyxl does not have";
          continue;
        }
        const auto& [type, value] = it->second;
        switch (v.kind) {
          case Kind::Text:
            EXPECT_EQ(type, "s") << where;
            EXPECT_EQ(std::string(v.text), unhex(value)) << where;
            break;
          case Kind::Error:
            EXPECT_EQ(type, "e") << where;
            EXPECT_EQ(std::string(v.text), unhex(value)) << where;
            break;
          case Kind::Number:
            EXPECT_EQ(type, "n") << where;
            EXPECT_EQ(v.number, std::stod(value)) << where;
            break;
          case Kind::Bool:
            EXPECT_EQ(type, "b") << where;
            EXPECT_EQ(v.number, value == "1" ? 1.0 : 0.0) << where;
            break;
          case Kind::DateTime:
            EXPECT_EQ(type, "d") << where;
            EXPECT_EQ(v.unix_seconds, std::stoll(value)) << where;
            break;
          case Kind::Empty:
            break;
        }
        expected.erase(it);
        ++compared;
      }
    });
  }
  EXPECT_GT(compared, 0u);
  for (const auto& [k, v] : expected) {
    ADD_FAILURE() << "openpyxl has a value we did not read: sheet " << std::get<0>(k) << " "
                  << cell_reference(std::get<1>(k), std::get<2>(k)) << " (" << v.first << ")";
  }
}

TEST(XlsxReaderOpenpyxl, SameValuesAsOpenpyxl) {
  if (!have_openpyxl()) GTEST_SKIP() << "/usr/bin/python3 with openpyxl is not available";
  TempDir tmp;
  write_file(tmp.file("handmade.xlsx"), handmade_book());
  write_file(tmp.file("gen.py"), kOpenpyxlScript);
  const std::string cmd = "/usr/bin/python3 '" + tmp.file("gen.py") + "' '" + tmp.path() + "' 2>'" + tmp.file("err.txt") + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_file(tmp.file("err.txt"));
  {
    SCOPED_TRACE("openpyxl-written workbook, sheets reordered");
    compare_with_openpyxl(tmp.file("main.xlsx"), tmp.file("main.tsv"), false);
    // The reordering worked: the first sheet lives in the last part.
    const std::string bytes = read_file(tmp.file("main.xlsx"));
    WorkbookReader wb(bytes.data(), bytes.size());
    ASSERT_EQ(wb.sheets().size(), 3u);
    EXPECT_EQ(wb.sheets()[0].name, "\xC3\x9Cn\xC3\xAF" "c\xC3\xB8" "de \xC3\x9F");
    EXPECT_EQ(wb.sheets()[0].part, "xl/worksheets/sheet3.xml");
    EXPECT_EQ(wb.sheets()[2].name, "Dados 2024 \xE2\x80\x93 produ\xC3\xA7\xC3\xA3o");
    EXPECT_GT(wb.shared_string_count(), 5u);
    // openpyxl writes an id as a number: it comes back as its integer text.
    const SheetOut s = read_one(wb, 2);
    std::string t;
    format_number_as_text(s.cell(2, 0)->number, t);
    EXPECT_EQ(t, "133626");
    EXPECT_EQ(s.cell(3, 0)->text, "000123");
    EXPECT_EQ(s.stats.error_cells, 7u);
  }
  {
    SCOPED_TRACE("1904 date system");
    compare_with_openpyxl(tmp.file("d1904.xlsx"), tmp.file("d1904.tsv"), true);
  }
  {
    SCOPED_TRACE("hand-written workbook");
    compare_with_openpyxl(tmp.file("handmade.xlsx"), tmp.file("handmade.tsv"), false);
  }
}

}  // namespace

}  // namespace test_xlsx_reader
