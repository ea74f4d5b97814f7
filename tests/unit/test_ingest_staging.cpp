// Staging of a workbook (src/core/ingest/staging.h): cell conversion, header
// matching, row rules, dedup, quarantine JSON, and whole workbooks: the demo
// workbook of the writer round-trips to the Factory's clean rows with its
// duplicates and invalid rows accounted for, and a workbook written by
// openpyxl (other column and sheet order, dates as text and serials, 1900 and
// 1904 date systems, error cells) stages to the same rows.
#include "support/test_files.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "core/common/civil_time.h"
#include "core/common/errors.h"
#include "core/demo/generator.h"
#include "core/ingest/staging.h"
#include "core/ingest/staging_detail.h"
#include "core/model/factory.h"
#include "core/model/workbook_format.h"
#include "core/xlsx/excel_dates.h"
#include "core/xlsx/workbook_writer.h"

namespace test_ingest_staging {

namespace fs = std::filesystem;
using namespace pp;
using namespace pp::ingest;
using pp::xlsx::CellValue;
using pp::xlsx::DateSystem;
using Kind = pp::xlsx::CellValue::Kind;
using detail::Field;

namespace {

// ---- helpers ------------------------------------------------------------------------

class StagingTempDir : public pp::test::TempDir {
 public:
  StagingTempDir() : pp::test::TempDir("pp_ingest_test") {}
};

using pp::test::read_bytes;

xlsx::UnixTime utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  auto t = xlsx::checked_unix_from_civil({y, mo, d, h, mi, s});
  EXPECT_TRUE(t.has_value());
  return t.value_or(0);
}

CellValue num(double v) {
  CellValue c;
  c.kind = Kind::Number;
  c.number = v;
  return c;
}
CellValue text(std::string_view s) {
  CellValue c;
  c.kind = Kind::Text;
  c.text = s;
  return c;
}
CellValue boolean(bool b) {
  CellValue c;
  c.kind = Kind::Bool;
  c.number = b ? 1 : 0;
  return c;
}
CellValue error(std::string_view code) {
  CellValue c;
  c.kind = Kind::Error;
  c.text = code;
  return c;
}
CellValue datetime(xlsx::UnixTime t) {
  CellValue c;
  c.kind = Kind::DateTime;
  c.unix_seconds = t;
  c.number = *xlsx::unix_to_excel_serial(t);
  return c;
}

// Converts and renders as COPY text ("\N" for NULL, "BAD:<reason>" for a bad value).
std::string conv(const CellValue& c, ColumnType type, DateSystem sys = DateSystem::k1900) {
  char scratch[detail::kScratchSize];
  const Field f = detail::convert_cell(c, type, sys, scratch);
  if (f.state == Field::State::Bad) return std::string("BAD:") + f.reason;
  std::string out;
  detail::append_copy_field(out, f, type);
  return out;
}

std::string ts(xlsx::UnixTime t) {
  std::string s;
  append_timestamptz(s, t);
  return s;
}

// ---- COPY text parsing --------------------------------------------------------------

using Fields = std::vector<std::optional<std::string>>;
struct CopyRow {
  std::uint32_t source_row = 0;
  Fields fields;
};

std::vector<CopyRow> parse_copy(const std::string& copy, std::size_t ncols) {
  std::vector<CopyRow> rows;
  std::size_t pos = 0;
  while (pos < copy.size()) {
    const std::size_t eol = copy.find('\n', pos);
    EXPECT_NE(eol, std::string::npos) << "COPY text must end with a newline";
    if (eol == std::string::npos) break;
    const std::string_view line(copy.data() + pos, eol - pos);
    pos = eol + 1;
    std::vector<std::optional<std::string>> raw;
    std::size_t f0 = 0;
    for (;;) {
      const std::size_t tab = line.find('\t', f0);
      const std::string_view field = line.substr(f0, tab == std::string::npos ? std::string::npos : tab - f0);
      if (field == "\\N") {
        raw.push_back(std::nullopt);
      } else {
        std::string v;
        for (std::size_t i = 0; i < field.size(); ++i) {
          if (field[i] == '\\' && i + 1 < field.size()) {
            const char e = field[++i];
            v.push_back(e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e);
          } else {
            v.push_back(field[i]);
          }
        }
        raw.push_back(std::move(v));
      }
      if (tab == std::string::npos) break;
      f0 = tab + 1;
    }
    EXPECT_EQ(raw.size(), ncols + 1) << line;
    CopyRow r;
    if (!raw.empty() && raw[0]) r.source_row = static_cast<std::uint32_t>(std::stoul(*raw[0]));
    r.fields.assign(raw.begin() + (raw.empty() ? 0 : 1), raw.end());
    rows.push_back(std::move(r));
  }
  return rows;
}

// ---- expected rows from a Factory --------------------------------------------------

std::optional<std::string> id(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}
std::optional<std::string> id(const std::optional<std::string>& s) { return s ? id(*s) : std::nullopt; }
std::optional<std::string> tm(model::Time t) { return ts(t); }
std::optional<std::string> tm(const model::OptTime& t) { return t ? tm(*t) : std::nullopt; }
std::optional<std::string> real(double v) {
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}
std::optional<std::string> real(const std::optional<double>& v) { return v ? real(*v) : std::nullopt; }
std::optional<std::string> integer(long long v) { return std::to_string(v); }
std::optional<std::string> integer(const std::optional<int>& v) { return v ? integer(*v) : std::nullopt; }
std::optional<std::string> flag(bool b) { return std::string(b ? "t" : "f"); }

std::vector<Fields> expected_rows(const model::Factory& f, model::Sheet sheet) {
  std::vector<Fields> out;
  using model::Sheet;
  switch (sheet) {
    case Sheet::WorkCenters:
      for (const auto& w : f.work_centers)
        out.push_back({id(w.work_center_id), w.name, integer(w.sequence), flag(w.is_production), flag(w.is_automatic)});
      break;
    case Sheet::Products:
      for (const auto& p : f.products)
        out.push_back({id(p.product_id), p.name, real(p.demould_weight_kg), real(p.finish_weight_kg),
                       real(p.gel_deck_kg), real(p.gel_hull_kg)});
      break;
    case Sheet::RoutingSteps:
      for (const auto& r : f.routing_steps)
        out.push_back(
            {id(r.product_id), id(r.work_center_id), integer(r.sequence), real(r.coefficient), real(r.coefficient_x)});
      break;
    case Sheet::Employees:
      for (const auto& e : f.employees) out.push_back({id(e.employee_id), e.name, flag(e.active)});
      break;
    case Sheet::Skills:
      for (const auto& s : f.skills) out.push_back({id(s.employee_id), id(s.work_center_id), tm(s.qualified_since)});
      break;
    case Sheet::Orders:
      for (const auto& o : f.orders)
        out.push_back({id(o.order_id), id(o.product_id), tm(o.created_at), tm(o.finished_at), tm(o.due_at),
                       id(o.current_work_center_id)});
      break;
    case Sheet::Operations:
      for (const auto& op : f.operations)
        out.push_back({id(op.operation_id), id(op.order_id), id(op.work_center_id), integer(op.sequence),
                       flag(op.is_rework), integer(op.shift), tm(op.started_at), tm(op.ended_at), tm(op.planned_at),
                       real(op.coefficient), real(op.coefficient_x), real(op.weight_kg)});
      break;
    case Sheet::Assignments:
      for (const auto& a : f.assignments) out.push_back({id(a.operation_id), id(a.employee_id), flag(a.is_lead)});
      break;
    case Sheet::Defects:
      for (const auto& d : f.defects)
        out.push_back({id(d.order_id), id(d.evaluation_operation_id), d.description, id(d.culprit_operation_id),
                       id(d.evaluation_work_center_id), integer(d.severity)});
      break;
  }
  return out;
}

std::size_t clean_count(const model::Factory& f, model::Sheet sheet) { return expected_rows(f, sheet).size(); }

struct StageResult {
  WorkbookPlan plan;
  std::map<std::string, StagedEntity> staged;
  std::vector<std::string> entity_order;
  std::size_t progress_calls = 0;
};

StageResult stage_bytes(const std::string& bytes, const IngestOptions& opt = {}) {
  StageResult r;
  IngestCallbacks cb;
  cb.on_entity = [&](StagedEntity& e, const SheetReport& rep) {
    EXPECT_EQ(e.entity, rep.entity);
    EXPECT_EQ(e.rows, rep.staged);
    r.entity_order.push_back(e.entity);
    r.staged[e.entity] = std::move(e);
  };
  cb.on_progress = [&](std::string_view, std::size_t) { ++r.progress_calls; };
  r.plan = stage_workbook(bytes.data(), bytes.size(), default_column_aliases(), default_sheet_aliases(), opt, cb);
  return r;
}

const SheetReport* report_of(const WorkbookPlan& plan, std::string_view entity) {
  for (const SheetReport& r : plan.sheets)
    if (r.entity == entity) return &r;
  return nullptr;
}

// ---- a tiny xlsx writer for hand-made sheets (libxlsxwriter) ------------------------

struct XCell {
  enum K { None, Num, Str, Bool, Date } k = None;
  double v = 0;
  std::string s;
};
XCell xn(double v) { return {XCell::Num, v, {}}; }
XCell xs(std::string s) { return {XCell::Str, 0, std::move(s)}; }
XCell xb(bool b) { return {XCell::Bool, b ? 1.0 : 0.0, {}}; }
XCell xd(xlsx::UnixTime t) { return {XCell::Date, *xlsx::unix_to_excel_serial(t), {}}; }
XCell xnone() { return {}; }
using XSheet = std::pair<std::string, std::vector<std::vector<XCell>>>;

void write_xlsx(const std::string& path, const std::vector<XSheet>& sheets) {
  lxw_workbook* wb = workbook_new(path.c_str());
  ASSERT_NE(wb, nullptr);
  lxw_format* date_fmt = workbook_add_format(wb);
  format_set_num_format(date_fmt, "yyyy-mm-dd hh:mm:ss");
  for (const auto& [name, rows] : sheets) {
    lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
    ASSERT_NE(ws, nullptr);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      for (std::size_t c = 0; c < rows[r].size(); ++c) {
        const XCell& x = rows[r][c];
        const auto R = static_cast<lxw_row_t>(r);
        const auto C = static_cast<lxw_col_t>(c);
        switch (x.k) {
          case XCell::None:
            break;
          case XCell::Num:
            worksheet_write_number(ws, R, C, x.v, nullptr);
            break;
          case XCell::Str:
            worksheet_write_string(ws, R, C, x.s.c_str(), nullptr);
            break;
          case XCell::Bool:
            worksheet_write_boolean(ws, R, C, x.v != 0, nullptr);
            break;
          case XCell::Date:
            worksheet_write_number(ws, R, C, x.v, date_fmt);
            break;
        }
      }
    }
  }
  ASSERT_EQ(workbook_close(wb), LXW_NO_ERROR);
}

std::string quarantine_reasons(const WorkbookPlan& plan, const std::string& sheet) {
  std::string s;
  for (const QuarantineRecord& q : plan.quarantine)
    if (q.sheet == sheet) s += std::to_string(q.row_number) + ":" + q.reason_code + ":" + q.column + " ";
  return s;
}

// ======================================================================================
// Cell conversion
// ======================================================================================

TEST(IngestCellConvert, IdsFromNumbersAndText) {
  EXPECT_EQ(conv(num(133626), ColumnType::Id), "133626");
  EXPECT_EQ(conv(num(0), ColumnType::Id), "0");
  EXPECT_EQ(conv(num(123456789012345.0), ColumnType::Id), "123456789012345");
  EXPECT_EQ(conv(num(12.5), ColumnType::Id), "12.5");
  EXPECT_EQ(conv(text("133626"), ColumnType::Id), "133626");
  EXPECT_EQ(conv(text("  0042 \t"), ColumnType::Id), "0042");  // text ids keep leading zeros, lose padding
  EXPECT_EQ(conv(text("\xC2\xA0"
                      "A-17\xC2\xA0"),
                 ColumnType::Id),
            "A-17");  // no-break spaces trimmed
  EXPECT_EQ(conv(text("NULL"), ColumnType::Id), "\\N");
  EXPECT_EQ(conv(text("null"), ColumnType::Id), "\\N");
  EXPECT_EQ(conv(text(" Null "), ColumnType::Id), "\\N");
  EXPECT_EQ(conv(text("NULLS"), ColumnType::Id), "NULLS");
  EXPECT_EQ(conv(text(""), ColumnType::Id), "\\N");
  EXPECT_EQ(conv(text("   "), ColumnType::Id), "\\N");
  EXPECT_EQ(conv(CellValue{}, ColumnType::Id), "\\N");
  EXPECT_EQ(conv(text("a\\b\tc\nd"), ColumnType::Id), "a\\\\b\\tc\\nd");  // COPY escaping
}

TEST(IngestCellConvert, Text) {
  EXPECT_EQ(conv(text("Pintura Malhada"), ColumnType::Text), "Pintura Malhada");
  EXPECT_EQ(conv(text(" Laminação "), ColumnType::Text), "Laminação");
  EXPECT_EQ(conv(num(2.5), ColumnType::Text), "2.5");
  EXPECT_EQ(conv(boolean(true), ColumnType::Text), "TRUE");
  EXPECT_EQ(conv(datetime(utc(2024, 3, 5, 7, 8, 9)), ColumnType::Text), "2024-03-05 07:08:09");
  EXPECT_EQ(conv(text("NuLL"), ColumnType::Text), "\\N");
}

TEST(IngestCellConvert, Reals) {
  EXPECT_EQ(conv(num(2.7), ColumnType::Real), "2.7");
  EXPECT_EQ(conv(text("2.7"), ColumnType::Real), "2.7");
  EXPECT_EQ(conv(text(" 2,7 "), ColumnType::Real), "2.7");    // decimal comma
  EXPECT_EQ(conv(text("0,125"), ColumnType::Real), "0.125");  // cannot be thousands
  EXPECT_EQ(conv(text("1234,5"), ColumnType::Real), "1234.5");
  EXPECT_EQ(conv(text("-3,25"), ColumnType::Real), "-3.25");
  EXPECT_EQ(conv(text("1e-07"), ColumnType::Real), "1e-07");
  EXPECT_EQ(conv(text("+4"), ColumnType::Real), "4");
  EXPECT_EQ(conv(text(".5"), ColumnType::Real), "0.5");
  EXPECT_EQ(conv(text("133626"), ColumnType::Real), "133626");
  EXPECT_EQ(conv(text("0.1"), ColumnType::Real), "0.1");
  EXPECT_EQ(conv(text("NULL"), ColumnType::Real), "\\N");
  EXPECT_EQ(conv(boolean(true), ColumnType::Real), "1");
  // Ambiguous or malformed.
  EXPECT_EQ(conv(text("1,234"), ColumnType::Real), "BAD:bad_number");
  EXPECT_EQ(conv(text("1.234,5"), ColumnType::Real), "BAD:bad_number");
  EXPECT_EQ(conv(text("1,234.5"), ColumnType::Real), "BAD:bad_number");
  EXPECT_EQ(conv(text("1,2,3"), ColumnType::Real), "BAD:bad_number");
  EXPECT_EQ(conv(text("abc"), ColumnType::Real), "BAD:bad_number");
  EXPECT_EQ(conv(text("2.7kg"), ColumnType::Real), "BAD:bad_number");
  EXPECT_EQ(conv(text("nan"), ColumnType::Real), "BAD:bad_number");
  EXPECT_EQ(conv(text("inf"), ColumnType::Real), "BAD:bad_number");
  EXPECT_EQ(conv(text("1e999"), ColumnType::Real), "BAD:bad_number");
  EXPECT_EQ(conv(text("+-1"), ColumnType::Real), "BAD:bad_number");
  EXPECT_EQ(conv(text("."), ColumnType::Real), "BAD:bad_number");
  EXPECT_EQ(conv(text("1 234"), ColumnType::Real), "BAD:bad_number");
  double d = 0;
  EXPECT_EQ(detail::parse_number_text("1,234", d), detail::NumberParse::Ambiguous);
  EXPECT_EQ(detail::parse_number_text("12,345", d), detail::NumberParse::Ambiguous);
  EXPECT_EQ(detail::parse_number_text("12,3456", d), detail::NumberParse::Ok);
  EXPECT_DOUBLE_EQ(d, 12.3456);
}

TEST(IngestCellConvert, Integers) {
  EXPECT_EQ(conv(num(3), ColumnType::Integer), "3");
  EXPECT_EQ(conv(text("3"), ColumnType::Integer), "3");
  EXPECT_EQ(conv(text(" 12 "), ColumnType::Integer), "12");
  EXPECT_EQ(conv(text("7.0"), ColumnType::Integer), "7");
  EXPECT_EQ(conv(text("-2"), ColumnType::Integer), "-2");
  EXPECT_EQ(conv(text("+5"), ColumnType::Integer), "5");
  EXPECT_EQ(conv(text("NULL"), ColumnType::Integer), "\\N");
  EXPECT_EQ(conv(num(2.5), ColumnType::Integer), "BAD:bad_number");
  EXPECT_EQ(conv(text("2.5"), ColumnType::Integer), "BAD:bad_number");
  EXPECT_EQ(conv(text("2,5"), ColumnType::Integer), "BAD:bad_number");
  EXPECT_EQ(conv(text("two"), ColumnType::Integer), "BAD:bad_number");
  EXPECT_EQ(conv(num(3e10), ColumnType::Integer), "BAD:bad_number");
  EXPECT_EQ(conv(text("99999999999"), ColumnType::Integer), "BAD:bad_number");
}

TEST(IngestCellConvert, Flags) {
  EXPECT_EQ(conv(num(0), ColumnType::Flag), "f");
  EXPECT_EQ(conv(num(1), ColumnType::Flag), "t");
  EXPECT_EQ(conv(text("0"), ColumnType::Flag), "f");
  EXPECT_EQ(conv(text("1"), ColumnType::Flag), "t");
  EXPECT_EQ(conv(text(" TRUE "), ColumnType::Flag), "t");
  EXPECT_EQ(conv(text("false"), ColumnType::Flag), "f");
  EXPECT_EQ(conv(text("Sim"), ColumnType::Flag), "t");
  EXPECT_EQ(conv(text("nao"), ColumnType::Flag), "f");
  EXPECT_EQ(conv(text("NÃO"), ColumnType::Flag), "f");
  EXPECT_EQ(conv(text("não"), ColumnType::Flag), "f");
  EXPECT_EQ(conv(text("1.0"), ColumnType::Flag), "t");
  EXPECT_EQ(conv(boolean(true), ColumnType::Flag), "t");
  EXPECT_EQ(conv(boolean(false), ColumnType::Flag), "f");
  EXPECT_EQ(conv(text("NULL"), ColumnType::Flag), "\\N");
  EXPECT_EQ(conv(num(2), ColumnType::Flag), "BAD:bad_flag");
  EXPECT_EQ(conv(text("2"), ColumnType::Flag), "BAD:bad_flag");
  EXPECT_EQ(conv(text("maybe"), ColumnType::Flag), "BAD:bad_flag");
  EXPECT_EQ(conv(num(0.5), ColumnType::Flag), "BAD:bad_flag");
}

TEST(IngestCellConvert, Timestamps) {
  const auto t = utc(2023, 4, 5, 6, 7, 8);
  EXPECT_EQ(conv(datetime(t), ColumnType::Timestamp), "2023-04-05 06:07:08+00");
  // A plain number cell is a serial in the workbook's date system.
  EXPECT_EQ(conv(num(*xlsx::unix_to_excel_serial(t)), ColumnType::Timestamp), ts(t));
  EXPECT_EQ(conv(num(45000.5), ColumnType::Timestamp), ts(utc(2023, 3, 15, 12)));
  EXPECT_EQ(conv(num(45000.5), ColumnType::Timestamp, DateSystem::k1904), ts(utc(2027, 3, 16, 12)));
  EXPECT_EQ(conv(num(*xlsx::unix_to_excel_serial(t, DateSystem::k1904)), ColumnType::Timestamp, DateSystem::k1904),
            ts(t));
  EXPECT_EQ(conv(text("45000.5"), ColumnType::Timestamp), ts(utc(2023, 3, 15, 12)));  // serial as text
  // Text layouts.
  EXPECT_EQ(conv(text("2023-04-05 06:07:08"), ColumnType::Timestamp), ts(t));
  EXPECT_EQ(conv(text("2023-04-05T06:07:08"), ColumnType::Timestamp), ts(t));
  EXPECT_EQ(conv(text("2023-04-05T06:07:08Z"), ColumnType::Timestamp), ts(t));
  EXPECT_EQ(conv(text(" 2023-04-05 06:07 "), ColumnType::Timestamp), ts(utc(2023, 4, 5, 6, 7)));
  EXPECT_EQ(conv(text("2023-04-05"), ColumnType::Timestamp), ts(utc(2023, 4, 5)));
  EXPECT_EQ(conv(text("2023-4-5 6:07:08"), ColumnType::Timestamp), ts(t));
  EXPECT_EQ(conv(text("05/04/2023 06:07:08"), ColumnType::Timestamp), ts(t));
  EXPECT_EQ(conv(text("05/04/2023 06:07"), ColumnType::Timestamp), ts(utc(2023, 4, 5, 6, 7)));
  EXPECT_EQ(conv(text("5/4/2023 6:07"), ColumnType::Timestamp), ts(utc(2023, 4, 5, 6, 7)));
  EXPECT_EQ(conv(text("05/04/2023"), ColumnType::Timestamp), ts(utc(2023, 4, 5)));
  EXPECT_EQ(conv(text("05-04-2023 06:07:08"), ColumnType::Timestamp), ts(t));
  EXPECT_EQ(conv(text("2023-04-05 06:07:08.000"), ColumnType::Timestamp), ts(t));
  EXPECT_EQ(conv(text("2023-04-05 06:07:08.6"), ColumnType::Timestamp), ts(t + 1));
  EXPECT_EQ(conv(text("2023-12-31 23:59:59.9"), ColumnType::Timestamp), ts(utc(2024, 1, 1)));
  EXPECT_EQ(conv(text("NULL"), ColumnType::Timestamp), "\\N");
  // Impossible or unknown forms.
  EXPECT_EQ(conv(text("31/02/2023 25:61"), ColumnType::Timestamp), "BAD:bad_date");
  EXPECT_EQ(conv(text("2023-13-45 99:99:99"), ColumnType::Timestamp), "BAD:bad_date");
  EXPECT_EQ(conv(text("00/00/0000 00:00"), ColumnType::Timestamp), "BAD:bad_date");
  EXPECT_EQ(conv(text("31-11-2023 24:61:00"), ColumnType::Timestamp), "BAD:bad_date");
  EXPECT_EQ(conv(text("29/02/2023"), ColumnType::Timestamp), "BAD:bad_date");
  EXPECT_EQ(conv(text("2023-04-05 24:00:00"), ColumnType::Timestamp), "BAD:bad_date");
  EXPECT_EQ(conv(text("2023-04-05 06:07:60"), ColumnType::Timestamp), "BAD:bad_date");
  EXPECT_EQ(conv(text("2023-04-05 6:7"), ColumnType::Timestamp), "BAD:bad_date");
  EXPECT_EQ(conv(text("2023-04-05 06:07:08+01"), ColumnType::Timestamp), "BAD:bad_date");
  EXPECT_EQ(conv(text("yesterday"), ColumnType::Timestamp), "BAD:bad_date");
  EXPECT_EQ(conv(text("20230405"), ColumnType::Timestamp), "BAD:bad_date");  // serial past 9999
  EXPECT_EQ(conv(num(-1), ColumnType::Timestamp), "BAD:bad_date");
  EXPECT_EQ(conv(num(60.5), ColumnType::Timestamp), "BAD:bad_date");  // Excel's fictitious 1900-02-29
  EXPECT_EQ(conv(boolean(true), ColumnType::Timestamp), "BAD:bad_date");
  EXPECT_TRUE(detail::parse_datetime_text("29/02/2024 00:00").has_value());
  EXPECT_FALSE(detail::parse_datetime_text("2024-02-29 00:00:00 extra").has_value());
}

TEST(IngestCellConvert, ErrorCellsAreNullAndFlagged) {
  char scratch[detail::kScratchSize];
  for (ColumnType type : {ColumnType::Id, ColumnType::Text, ColumnType::Integer, ColumnType::Real, ColumnType::Flag,
                          ColumnType::Timestamp}) {
    const Field f = detail::convert_cell(error("#N/A"), type, DateSystem::k1900, scratch);
    EXPECT_TRUE(f.is_null());
    EXPECT_TRUE(f.error_cell);
  }
  const Field e = detail::convert_cell(CellValue{}, ColumnType::Id, DateSystem::k1900, scratch);
  EXPECT_TRUE(e.is_null());
  EXPECT_FALSE(e.error_cell);
}

// ======================================================================================
// Header matching
// ======================================================================================

TEST(IngestHeaders, NormalizeHeader) {
  EXPECT_EQ(normalize_header("FaseOf_Inicio"), "faseofinicio");
  EXPECT_EQ(normalize_header("fase of inicio"), "faseofinicio");
  EXPECT_EQ(normalize_header("FASEOF_INÍCIO"), "faseofinicio");
  EXPECT_EQ(normalize_header(" Fase-Of.Início "), "faseofinicio");
  EXPECT_EQ(normalize_header("Laminação Reforços"), "laminacaoreforcos");
  EXPECT_EQ(normalize_header("ŁÓDŹ Œuvre Straße"), "lodzoeuvrestrasse");
  EXPECT_EQ(normalize_header("N.º\xC2\xA0"
                             "Ordem"),
            "noordem");
  EXPECT_EQ(normalize_header("ĀĂĄ ĆČ ĎĐ ĒĚ ĞĢ Ħ ĪİI Ķ ĹŁ ŃŇ ŌŐ ŔŘ ŚŠ ŢŦ ŪŲ Ŵ ŶŸ ŹŽ"),
            "aaaccddeegghiiiklln"
            "noorrssttuuwyyzz");
  EXPECT_EQ(normalize_header("日本"), "日本");  // other scripts kept
  EXPECT_EQ(normalize_header(""), "");
}

TEST(IngestHeaders, MapsAnyOrderCaseAndAccents) {
  const EntitySpec& op = *find_entity("operation");
  const std::vector<std::string> headers = {"FASEOF_INÍCIO", "faseof fim",    "Comentário",   "FaseOf_Id", "",
                                            "fase of ofid",  "FaseOf-FaseId", "Faseof_Turno", "Extra"};
  const auto m = detail::match_headers("Ops", op, headers, default_column_aliases(), "prodplan");
  auto src = [&](std::string_view col) {
    for (std::size_t i = 0; i < op.columns.size(); ++i)
      if (op.columns[i].name == col) return m.source[i];
    return -2;
  };
  EXPECT_EQ(src("started_at"), 0);
  EXPECT_EQ(src("ended_at"), 1);
  EXPECT_EQ(src("operation_id"), 3);
  EXPECT_EQ(src("order_id"), 5);
  EXPECT_EQ(src("work_center_id"), 6);
  EXPECT_EQ(src("shift"), 7);
  EXPECT_EQ(src("weight_kg"), -1);
  EXPECT_EQ(m.unknown_headers, (std::vector<std::string>{"Comentário", "Extra"}));
  EXPECT_NE(std::find(m.missing_optional.begin(), m.missing_optional.end(), "weight_kg"), m.missing_optional.end());
  // The canonical profile uses the column names.
  const auto c = detail::match_headers("operation", op, {"operation_id", "ORDER_ID", "work center id"},
                                       default_column_aliases(), "canonical");
  EXPECT_EQ(c.source[0], 0);
  EXPECT_EQ(c.source[1], 1);
  EXPECT_EQ(c.source[2], 2);
}

TEST(IngestHeaders, MissingRequiredColumnsAreNamed) {
  const EntitySpec& op = *find_entity("operation");
  try {
    detail::match_headers("FasesOrdemFabrico", op, {"FaseOf_OfId", "FaseOf_Inicio", "Notas"}, default_column_aliases(),
                          "prodplan");
    FAIL() << "expected a DataException";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::DataException);
    const std::string m = e.what();
    EXPECT_NE(m.find("FasesOrdemFabrico"), std::string::npos) << m;
    EXPECT_NE(m.find("operation_id (header \"FaseOf_Id\")"), std::string::npos) << m;
    EXPECT_NE(m.find("work_center_id (header \"FaseOf_FaseId\")"), std::string::npos) << m;
    EXPECT_EQ(m.find("order_id (header"), std::string::npos) << m;  // present
    EXPECT_NE(m.find("headers found: \"FaseOf_OfId\", \"FaseOf_Inicio\", \"Notas\""), std::string::npos) << m;
  }
  // Several aliases of one column are all named.
  const EntitySpec& emp = *find_entity("employee");
  try {
    detail::match_headers("Funcionarios", emp, {"Funcionario_Activo"}, default_column_aliases(), "prodplan");
    FAIL() << "expected a DataException";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("employee_id (header \"Funcionario_Id\")"), std::string::npos) << m;
    EXPECT_NE(m.find("name (header \"Funcionario_Nome\")"), std::string::npos) << m;
  }
}

TEST(IngestHeaders, TwoHeadersForOneColumnAndBadAliases) {
  const EntitySpec& emp = *find_entity("employee");
  try {
    detail::match_headers("Funcionarios", emp,
                          {"Funcionario_Id", "Funcionario_Nome", "Funcionario_Activo", "Funcionario_Ativo"},
                          default_column_aliases(), "prodplan");
    FAIL() << "expected a DataException";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::DataException);
    EXPECT_NE(std::string(e.what()).find("both map to employee.is_active"), std::string::npos) << e.what();
  }
  std::vector<ColumnAlias> aliases = default_column_aliases();
  aliases.push_back({"prodplan", "employee", "Funcionario_Idade", "age"});
  EXPECT_THROW(detail::match_headers("F", emp, {"Funcionario_Id", "Funcionario_Nome"}, aliases, "prodplan"), Error);
  aliases.pop_back();
  aliases.push_back({"prodplan", "employee", "FUNCIONARIO ID", "name"});  // same as Funcionario_Id normalized
  EXPECT_THROW(detail::match_headers("F", emp, {"Funcionario_Id", "Funcionario_Nome"}, aliases, "prodplan"), Error);
}

TEST(IngestHeaders, DefaultAliasesCoverTheReferenceFormat) {
  // Every reference header maps, in profile prodplan, to a column of its entity,
  // and every entity's columns are reachable in both profiles.
  const auto& aliases = default_column_aliases();
  for (const model::SheetFormat& sf : model::reference_sheets()) {
    const EntitySpec* spec = find_entity(sf.entity);
    ASSERT_NE(spec, nullptr) << sf.entity;
    std::vector<std::string> headers(sf.headers.begin(), sf.headers.end());
    const auto m = detail::match_headers(sf.name, *spec, headers, aliases, "prodplan");
    EXPECT_TRUE(m.unknown_headers.empty()) << sf.name;
    for (std::size_t c = 0; c < spec->columns.size(); ++c) EXPECT_GE(m.source[c], 0) << spec->columns[c].name;
  }
  std::map<std::string, std::string> expect = {{"FaseOf_Inicio", "started_at"},
                                               {"Of_DataTransporte", "due_at"},
                                               {"Erro_FaseOfCulpada", "culprit_operation_id"},
                                               {"OFCH_GRAVIDADE", "severity"},
                                               {"Fase_DeProducao", "is_production"},
                                               {"Of_FaseId", "current_work_center_id"},
                                               {"FuncionarioFase_Inicio", "qualified_since"}};
  for (const ColumnAlias& a : aliases)
    if (a.profile == "prodplan" && expect.count(a.header)) {
      EXPECT_EQ(a.column, expect[a.header]) << a.header;
      expect.erase(a.header);
    }
  EXPECT_TRUE(expect.empty());
  std::set<std::string> sheets;
  for (const SheetAlias& s : default_sheet_aliases()) sheets.insert(s.profile + "/" + s.sheet + "->" + s.entity);
  EXPECT_TRUE(sheets.count("prodplan/FasesOrdemFabrico->operation"));
  EXPECT_TRUE(sheets.count("prodplan/OrdemFabricoErros->defect"));
  EXPECT_TRUE(sheets.count("canonical/routing_step->routing_step"));
  EXPECT_EQ(sheets.size(), 18u);
}

TEST(IngestEntities, SpecsMatchTheCanonicalTables) {
  const auto& e = workbook_entities();
  ASSERT_EQ(e.size(), 9u);
  EXPECT_EQ(e.front().entity, "work_center");
  auto col = [](std::string_view entity, std::string_view name) -> const ColumnSpec* {
    for (const ColumnSpec& c : find_entity(entity)->columns)
      if (c.name == name) return &c;
    return nullptr;
  };
  ASSERT_NE(col("operation", "shift"), nullptr);
  EXPECT_EQ(col("operation", "shift")->type, ColumnType::Integer);
  EXPECT_TRUE(col("defect", "culprit_operation_id")->key);
  EXPECT_FALSE(col("defect", "culprit_operation_id")->required);
  EXPECT_TRUE(col("routing_step", "sequence")->key);
  EXPECT_FALSE(col("routing_step", "work_center_id")->key);
  EXPECT_EQ(col("production_order", "created_at")->type, ColumnType::Timestamp);
  EXPECT_TRUE(col("production_order", "created_at")->required);
  EXPECT_EQ(find_entity("nope"), nullptr);
  // Every column name appears in the migration's table of the same name.
  const fs::path sql =
      fs::path(__FILE__).parent_path().parent_path().parent_path() / "migrations" / "prodplan--0.1.0.sql";
  const std::string ddl = read_bytes(sql.string());
  if (ddl.empty()) GTEST_SKIP() << "migration not found at " << sql;
  for (const EntitySpec& spec : e) {
    const std::string head = "CREATE TABLE prodplan." + std::string(spec.entity) + " (";
    const std::size_t at = ddl.find(head);
    ASSERT_NE(at, std::string::npos) << spec.entity;
    const std::string body = ddl.substr(at, ddl.find(");", at) - at);
    for (const ColumnSpec& c : spec.columns)
      EXPECT_NE(body.find("\n  " + std::string(c.name) + " "), std::string::npos) << spec.entity << "." << c.name;
  }
}

// ======================================================================================
// Row rules, dedup, JSON
// ======================================================================================

Field ok_int(std::int64_t v) {
  Field f;
  f.state = Field::State::Value;
  f.integer = v;
  return f;
}
Field ok_text(std::string_view s) {
  Field f;
  f.state = Field::State::Value;
  f.text = s;
  return f;
}

TEST(IngestRowRules, DomainsRangesAndOrder) {
  const EntitySpec& d = *find_entity("defect");
  detail::RowRules rules(d, IngestOptions{});
  std::vector<Field> f = {ok_text("1"), ok_text("2"), ok_text("Risco"), Field{}, ok_text("13"), ok_int(3)};
  detail::RowFault fault;
  EXPECT_TRUE(rules.check(f.data(), fault));
  f[5] = ok_int(4);
  ASSERT_FALSE(rules.check(f.data(), fault));
  EXPECT_STREQ(fault.reason, "domain");
  EXPECT_EQ(d.columns[fault.column].name, "severity");
  f[5] = ok_int(0);
  EXPECT_FALSE(rules.check(f.data(), fault));
  f[5] = Field{};
  ASSERT_FALSE(rules.check(f.data(), fault));
  EXPECT_STREQ(fault.reason, "missing_required");
  f[5].error_cell = true;
  ASSERT_FALSE(rules.check(f.data(), fault));
  EXPECT_STREQ(fault.reason, "error_cell");
  f[5] = ok_int(2);
  f[3].error_cell = true;  // optional column: NULL, the row passes
  EXPECT_TRUE(rules.check(f.data(), fault));

  const EntitySpec& op = *find_entity("operation");
  detail::RowRules op_rules(op, IngestOptions{});
  std::vector<Field> o(op.columns.size());
  o[0] = ok_text("1");
  o[1] = ok_text("2");
  o[2] = ok_text("3");
  EXPECT_TRUE(op_rules.check(o.data(), fault));
  o[5] = ok_int(3);  // shift 3 is allowed (24x7 calendars)
  EXPECT_TRUE(op_rules.check(o.data(), fault));
  o[5] = ok_int(4);
  ASSERT_FALSE(op_rules.check(o.data(), fault));
  EXPECT_STREQ(fault.reason, "domain");
  o[5] = Field{};
  o[6] = ok_int(utc(2024, 1, 2, 10));  // started_at
  o[7] = ok_int(utc(2024, 1, 2, 9));   // ended_at
  ASSERT_FALSE(op_rules.check(o.data(), fault));
  EXPECT_STREQ(fault.reason, "end_before_start");
  EXPECT_EQ(fault.column, detail::RowFault::kRow);
  o[7] = ok_int(utc(2024, 1, 2, 10));  // equal is fine
  EXPECT_TRUE(op_rules.check(o.data(), fault));
  o[8] = ok_int(utc(1980, 1, 1));
  ASSERT_FALSE(op_rules.check(o.data(), fault));
  EXPECT_STREQ(fault.reason, "date_out_of_range");
  o[8] = ok_int(utc(2100, 1, 1));  // max is exclusive
  EXPECT_FALSE(op_rules.check(o.data(), fault));
  o[8] = ok_int(utc(2099, 12, 31, 23, 59, 59));
  EXPECT_TRUE(op_rules.check(o.data(), fault));
  Field w;
  w.state = Field::State::Value;
  w.real = -1;
  o[11] = w;  // weight_kg
  ASSERT_FALSE(op_rules.check(o.data(), fault));
  EXPECT_STREQ(fault.reason, "domain");
  o[11] = Field{};
  o[4] = detail::convert_cell(text("maybe"), ColumnType::Flag, DateSystem::k1900, nullptr);
  ASSERT_FALSE(op_rules.check(o.data(), fault));
  EXPECT_STREQ(fault.reason, "bad_flag");
}

TEST(IngestDedup, LastOccurrenceWinsAtFirstPosition) {
  detail::StagedRows rows;
  auto add = [&](std::string_view key, std::string_view line) {
    const std::size_t start = rows.buffer().size();
    rows.buffer().append(line);
    rows.buffer().push_back('\n');
    return rows.commit(start, key, static_cast<std::uint32_t>(line[1] - '0'));
  };
  EXPECT_FALSE(add("a", "a1"));
  EXPECT_FALSE(add("b", "b1"));
  EXPECT_TRUE(add("a", "a2"));
  EXPECT_FALSE(add("c", "c1"));
  EXPECT_TRUE(add("a", "a3"));
  EXPECT_TRUE(add("c", "c2"));
  EXPECT_EQ(rows.rows(), 3u);
  EXPECT_EQ(rows.duplicates(), 3u);
  EXPECT_EQ(rows.take_copy_text(), "a3\nb1\nc2\n");
  // Without duplicates the buffer is handed over as is; many keys force growth.
  detail::StagedRows many;
  std::string expect;
  for (int i = 0; i < 50000; ++i) {
    const std::string k = std::to_string(i);
    const std::size_t start = many.buffer().size();
    many.buffer() += k + "\n";
    expect += k + "\n";
    EXPECT_FALSE(many.commit(start, k, static_cast<std::uint32_t>(i)));
  }
  for (int i = 0; i < 50000; i += 7) {
    const std::string k = std::to_string(i);
    const std::size_t start = many.buffer().size();
    many.buffer() += k + "\n";
    ASSERT_TRUE(many.commit(start, k, static_cast<std::uint32_t>(i)));
  }
  EXPECT_EQ(many.rows(), 50000u);
  EXPECT_EQ(many.duplicates(), 7143u);
  EXPECT_EQ(many.take_copy_text(), expect);
}

// Rows handed out in chunks: a later occurrence of a handed-out key becomes a
// new row and the handed-out one is listed as superseded; pending rows are
// still replaced in place.
TEST(IngestDedup, ChunksListSupersededRows) {
  detail::StagedRows rows;
  auto add = [&](std::string_view key, std::uint32_t source_row) {
    const std::size_t start = rows.buffer().size();
    rows.buffer() += std::to_string(source_row) + "\t" + std::string(key) + "\n";
    return rows.commit(start, key, source_row);
  };
  EXPECT_FALSE(add("a", 2));
  EXPECT_FALSE(add("b", 3));
  EXPECT_EQ(rows.pending_bytes(), 8u);
  EXPECT_EQ(rows.take_chunk(), "2\ta\n3\tb\n");
  EXPECT_EQ(rows.pending_bytes(), 0u);
  EXPECT_FALSE(add("c", 4));
  EXPECT_TRUE(add("a", 5));  // replaces row 2, already handed out
  EXPECT_TRUE(add("c", 6));  // replaces row 4 in place (pending)
  EXPECT_TRUE(add("a", 7));  // replaces row 5 in place (pending)
  EXPECT_EQ(rows.rows(), 3u);
  EXPECT_EQ(rows.duplicates(), 3u);
  EXPECT_EQ(rows.superseded(), std::vector<std::uint32_t>{2});
  EXPECT_EQ(rows.take_chunk(), "6\tc\n7\ta\n");
  EXPECT_TRUE(add("b", 8));
  EXPECT_EQ(rows.superseded(), (std::vector<std::uint32_t>{2, 3}));
  EXPECT_EQ(rows.rows(), 3u);
  EXPECT_EQ(rows.take_copy_text(), "8\tb\n");
  EXPECT_TRUE(rows.superseded().empty());
  EXPECT_EQ(rows.rows(), 0u);
}

TEST(IngestQuarantineJson, EscapesAnyText) {
  std::string s;
  detail::append_json_string(s,
                             "a\"b\\c\nd\te\x01"
                             "f\x7F");
  EXPECT_EQ(s, "\"a\\\"b\\\\c\\nd\\te\\u0001f\\u007f\"");
  s.clear();
  detail::append_json_string(s, "Laminação 日本 😀");
  EXPECT_EQ(s, "\"Laminação 日本 😀\"");
  s.clear();
  detail::append_json_string(s, "x\xC3(\xFF\xED\xA0\x80y");  // truncated, invalid byte, surrogate
  EXPECT_EQ(s, "\"x\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDy\"");
  const auto keys = detail::json_keys({"Of_Id", "", "Of_Id"});
  EXPECT_EQ(keys, (std::vector<std::string>{"Of_Id", "B", "Of_Id [C]"}));
  const std::vector<CellValue> cells = {num(133626), CellValue{}, text("x\"y"), error("#N/A")};
  EXPECT_EQ(detail::row_to_json(keys, cells),
            "{\"Of_Id\":\"133626\",\"B\":null,\"Of_Id [C]\":\"x\\\"y\",\"D\":\"#N/A\"}");
}

// ======================================================================================
// Whole workbooks
// ======================================================================================

// The demo workbook stages back to the Factory's clean rows.
TEST(IngestStaging, DemoWorkbookRoundTrip) {
  demo::DemoOptions dopt;
  dopt.scale = 0.02;
  dopt.seed = 7;
  const model::Factory f = demo::generate_demo(dopt);
  StagingTempDir tmp;
  const std::string path = tmp.file("demo.xlsx");
  xlsx::WorkbookWriteOptions wopt;
  wopt.tmpdir = tmp.path();
  const auto written = xlsx::write_reference_workbook(f, path, wopt);
  const std::string bytes = read_bytes(path);
  ASSERT_FALSE(bytes.empty());

  const StageResult r = stage_bytes(bytes);
  EXPECT_TRUE(r.plan.ignored_sheets.empty());
  ASSERT_EQ(r.plan.sheets.size(), 9u);
  std::vector<std::string> order;
  for (const EntitySpec& e : workbook_entities()) order.emplace_back(e.entity);
  EXPECT_EQ(r.entity_order, order);
  EXPECT_GT(r.progress_calls, 0u);

  std::size_t total_quarantined = 0;
  for (const model::SheetFormat& sf : model::reference_sheets()) {
    SCOPED_TRACE(std::string(sf.name));
    const SheetReport* rep = report_of(r.plan, sf.entity);
    ASSERT_NE(rep, nullptr);
    EXPECT_EQ(rep->sheet, sf.name);
    const std::size_t si = static_cast<std::size_t>(sf.sheet);
    EXPECT_EQ(rep->rows_read, written.rows[si]);
    EXPECT_EQ(rep->rows_read, rep->staged + rep->quarantined + rep->duplicates);
    EXPECT_TRUE(rep->unknown_headers.empty());
    EXPECT_TRUE(rep->missing_columns.empty());
    EXPECT_EQ(rep->error_cells, 0u);

    // Layout of the written sheet: clean row i, its duplicates, its invalid rows.
    const std::size_t n = clean_count(f, sf.sheet);
    std::vector<std::uint32_t> winner_row(n, 0);
    std::vector<std::pair<std::uint32_t, std::string>> invalid_rows;  // row number, reason
    std::size_t dup_count = 0;
    {
      std::uint32_t row = 2;
      std::size_t d = 0, v = 0;
      while (d < f.duplicates.size() && f.duplicates[d].sheet != sf.sheet) ++d;
      while (v < f.invalid_rows.size() && f.invalid_rows[v].sheet != sf.sheet) ++v;
      for (std::size_t i = 0; i < n; ++i) {
        winner_row[i] = row++;
        for (; d < f.duplicates.size() && f.duplicates[d].sheet == sf.sheet && f.duplicates[d].after_index == i; ++d) {
          winner_row[f.duplicates[d].source_index] = row++;
          ++dup_count;
        }
        for (; v < f.invalid_rows.size() && f.invalid_rows[v].sheet == sf.sheet && f.invalid_rows[v].after_index == i;
             ++v) {
          std::string reason = f.invalid_rows[v].reason_code;
          if (reason == "severity_domain") reason = "domain";
          invalid_rows.emplace_back(row++, reason);
        }
      }
      EXPECT_EQ(row - 2, written.rows[si]);
    }
    EXPECT_EQ(rep->duplicates, dup_count);
    EXPECT_EQ(rep->quarantined, invalid_rows.size());
    EXPECT_EQ(rep->staged, n);

    // Quarantine records of this sheet, in sheet order, with the planted reasons.
    std::vector<const QuarantineRecord*> qs;
    for (const QuarantineRecord& q : r.plan.quarantine)
      if (q.sheet == sf.name) qs.push_back(&q);
    ASSERT_EQ(qs.size(), invalid_rows.size());
    for (std::size_t k = 0; k < qs.size(); ++k) {
      EXPECT_EQ(qs[k]->row_number, invalid_rows[k].first);
      EXPECT_EQ(qs[k]->reason_code, invalid_rows[k].second) << qs[k]->detail;
      EXPECT_FALSE(qs[k]->detail.empty());
      EXPECT_EQ(qs[k]->raw_json.front(), '{');
      std::string first_key;
      detail::append_json_string(first_key, sf.headers[0]);
      first_key.push_back(':');
      EXPECT_NE(qs[k]->raw_json.find(first_key), std::string::npos) << qs[k]->raw_json;
    }
    total_quarantined += qs.size();

    // Staged rows = clean rows, in clean order, each from its key's last occurrence.
    const auto it = r.staged.find(std::string(sf.entity));
    ASSERT_NE(it, r.staged.end());
    const EntitySpec& spec = *find_entity(sf.entity);
    const auto rows = parse_copy(it->second.copy_text, spec.columns.size());
    const auto expect = expected_rows(f, sf.sheet);
    ASSERT_EQ(rows.size(), expect.size());
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < rows.size() && mismatches < 5; ++i) {
      if (rows[i].fields != expect[i] || rows[i].source_row != winner_row[i]) {
        ++mismatches;
        std::string got, want;
        for (const auto& x : rows[i].fields) got += (x ? *x : "\\N") + " | ";
        for (const auto& x : expect[i]) want += (x ? *x : "\\N") + " | ";
        ADD_FAILURE() << "row " << i << " (source_row " << rows[i].source_row << ", expected " << winner_row[i]
                      << ")\n got:  " << got << "\n want: " << want;
      }
    }
  }
  EXPECT_EQ(total_quarantined, f.invalid_rows.size());
  EXPECT_EQ(r.plan.quarantine.size(), f.invalid_rows.size());
  // Each planted reason is seen.
  std::set<std::string> reasons;
  for (const QuarantineRecord& q : r.plan.quarantine) reasons.insert(q.reason_code);
  EXPECT_TRUE(reasons.count("end_before_start"));
  EXPECT_TRUE(reasons.count("bad_date"));
  EXPECT_TRUE(reasons.count("domain"));
  // bad_date records name the column and show the text.
  for (const QuarantineRecord& q : r.plan.quarantine)
    if (q.reason_code == "bad_date") {
      EXPECT_TRUE(q.column == "created_at" || q.column == "started_at") << q.column;
      EXPECT_NE(q.detail.find(" = \""), std::string::npos) << q.detail;
    }
}

// A hand-made workbook: headers in another order and spelling, an unknown
// column, sheets under other names (normalized), duplicates, every reason.
TEST(IngestStaging, HandMadeSheetsHeadersAndReasons) {
  StagingTempDir tmp;
  const std::string path = tmp.file("hand.xlsx");
  const auto t0 = utc(2024, 5, 6, 7, 0, 0);
  const auto t1 = utc(2024, 5, 6, 9, 30, 0);
  write_xlsx(path, {{"Notas", {{xs("anything")}}},
                    {"fases ordem fabrico",
                     {{xs("faseof fim"), xs("FASEOF_INÍCIO"), xs("Fase Of Id"), xs("Comentário"), xs("faseof_ofid"),
                       xs("FaseOf_FaseId"), xs("FaseOf_Turno"), xs("FaseOf_Peso"), xs("FaseOf_Retorno")},
                      /*2*/ {xd(t1), xd(t0), xn(1001), xs("ok"), xs("500"), xn(17), xn(1), xs("2,5"), xb(false)},
                      /*3*/
                      {xs("2024-05-06 09:30:00"), xs("06/05/2024 07:00"), xs("1002"), xnone(), xn(500), xs("17"),
                       xs("NULL"), xn(3.25), xs("1")},
                      /*4*/ {xd(t0), xd(t1), xn(1003), xnone(), xn(500), xn(17)},  // end before start
                      /*5*/ {xnone(), xs("31/02/2023 25:61"), xn(1004), xnone(), xn(500), xn(17)},
                      /*6*/ {xnone(), xnone(), xn(1005), xnone(), xn(500), xn(17), xn(5)},  // shift 5
                      /*7*/ {xnone(), xnone(), xn(1006), xnone(), xs("NULL"), xn(17)},      // no order
                      /*8*/ {xnone(), xnone(), xn(1007), xnone(), xn(500), xn(17), xnone(), xs("heavy")},
                      /*9*/ {xnone(), xnone(), xn(1008), xnone(), xn(500), xn(17), xnone(), xnone(), xs("talvez")},
                      /*10*/ {xnone(), xs("1985-01-01"), xn(1009), xnone(), xn(500), xn(17)},
                      /*11*/ {xs(" "), xnone(), xnone()},  // blank: not a row
                      /*12*/ {xd(t1), xd(t0), xs("1001"), xs("dup"), xn(501), xn(18), xn(2), xn(1.5), xn(1)},  // wins
                      /*13*/ {xnone(), xnone(), xn(1010), xnone(), xn(500), xn(17), xnone(), xn(-1)}}},
                    {"ORDENSFABRICO", {}}});
  const std::string bytes = read_bytes(path);
  // OrdensFabrico has no header row: the whole staging fails, naming the sheet.
  try {
    stage_bytes(bytes);
    FAIL() << "expected a DataException";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::DataException);
    EXPECT_NE(std::string(e.what()).find("sheet \"ORDENSFABRICO\" has no header row"), std::string::npos) << e.what();
  }
  // Without that sheet.
  std::vector<SheetAlias> sheet_aliases;
  for (const SheetAlias& a : default_sheet_aliases())
    if (a.entity != "production_order") sheet_aliases.push_back(a);
  IngestCallbacks cb;
  StagedEntity staged;
  cb.on_entity = [&](StagedEntity& e, const SheetReport&) { staged = std::move(e); };
  const WorkbookPlan plan =
      stage_workbook(bytes.data(), bytes.size(), default_column_aliases(), sheet_aliases, IngestOptions{}, cb);
  EXPECT_EQ(plan.ignored_sheets, (std::vector<std::string>{"Notas", "ORDENSFABRICO"}));
  ASSERT_EQ(plan.sheets.size(), 1u);
  const SheetReport& rep = plan.sheets[0];
  EXPECT_EQ(rep.sheet, "fases ordem fabrico");
  EXPECT_EQ(rep.entity, "operation");
  EXPECT_EQ(rep.rows_read, 11u);
  EXPECT_EQ(rep.staged, 2u);
  EXPECT_EQ(rep.duplicates, 1u);
  EXPECT_EQ(rep.quarantined, 8u);
  EXPECT_EQ(rep.unknown_headers, (std::vector<std::string>{"Comentário"}));
  EXPECT_NE(std::find(rep.missing_columns.begin(), rep.missing_columns.end(), "planned_at"), rep.missing_columns.end());
  EXPECT_EQ(quarantine_reasons(plan, "fases ordem fabrico"),
            "4:end_before_start: 5:bad_date:started_at 6:domain:shift 7:missing_required:order_id "
            "8:bad_number:weight_kg 9:bad_flag:is_rework 10:date_out_of_range:started_at 13:domain:weight_kg ");
  for (const QuarantineRecord& q : plan.quarantine) {
    if (q.row_number == 5) {
      EXPECT_NE(q.detail.find("FASEOF_INÍCIO (started_at) = \"31/02/2023 25:61\" (cell B5)"), std::string::npos)
          << q.detail;
      EXPECT_NE(q.raw_json.find("\"FASEOF_INÍCIO\":\"31/02/2023 25:61\""), std::string::npos) << q.raw_json;
      EXPECT_NE(q.raw_json.find("\"faseof fim\":null"), std::string::npos) << q.raw_json;
    }
    if (q.row_number == 7) {
      EXPECT_NE(q.detail.find("faseof_ofid (order_id) = \"NULL\""), std::string::npos) << q.detail;
    }
  }
  const EntitySpec& op = *find_entity("operation");
  const auto rows = parse_copy(staged.copy_text, op.columns.size());
  ASSERT_EQ(rows.size(), 2u);
  // Row 12 replaced row 2 (same FaseOf_Id, one as number, one as text) at its place.
  EXPECT_EQ(rows[0].source_row, 12u);
  EXPECT_EQ(rows[0].fields, (Fields{"1001", "501", "18", std::nullopt, "t", "2", ts(t0), ts(t1), std::nullopt,
                                    std::nullopt, std::nullopt, "1.5"}));
  EXPECT_EQ(rows[1].source_row, 3u);
  EXPECT_EQ(rows[1].fields, (Fields{"1002", "500", "17", std::nullopt, "t", std::nullopt, ts(t0), ts(t1), std::nullopt,
                                    std::nullopt, std::nullopt, "3.25"}));
}

TEST(IngestStaging, MissingRequiredColumnsFailTheWorkbook) {
  StagingTempDir tmp;
  const std::string path = tmp.file("missing.xlsx");
  write_xlsx(path, {{"Funcionarios", {{xs("Funcionario_Activo"), xs("Extra")}, {xn(1), xs("x")}}}});
  const std::string bytes = read_bytes(path);
  try {
    stage_bytes(bytes);
    FAIL() << "expected a DataException";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::DataException);
    const std::string m = e.what();
    EXPECT_NE(m.find("sheet \"Funcionarios\""), std::string::npos) << m;
    EXPECT_NE(m.find("employee_id (header \"Funcionario_Id\")"), std::string::npos) << m;
    EXPECT_NE(m.find("name (header \"Funcionario_Nome\")"), std::string::npos) << m;
    EXPECT_NE(m.find("headers found: \"Funcionario_Activo\", \"Extra\""), std::string::npos) << m;
  }
  // Row 1 empty, data below: no header row.
  write_xlsx(path, {{"Fases", {{}, {xs("Fase_Id"), xs("Fase_Nome")}}}});
  const std::string b2 = read_bytes(path);
  try {
    stage_bytes(b2);
    FAIL() << "expected a DataException";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sheet \"Fases\" has no header row"), std::string::npos) << e.what();
  }
  // Not a workbook at all.
  const std::string junk = "this is not a zip";
  EXPECT_THROW(stage_bytes(junk), Error);
  // Unknown profile.
  IngestOptions opt;
  opt.profile = "nope";
  EXPECT_THROW(stage_bytes(b2, opt), Error);
}

TEST(IngestStaging, CancelStops) {
  demo::DemoOptions dopt;
  dopt.scale = 0.01;
  const model::Factory f = demo::generate_demo(dopt);
  StagingTempDir tmp;
  const std::string path = tmp.file("c.xlsx");
  xlsx::WorkbookWriteOptions wopt;
  wopt.tmpdir = tmp.path();
  xlsx::write_reference_workbook(f, path, wopt);
  const std::string bytes = read_bytes(path);
  static int polls;
  polls = 0;
  CancelToken cancel([]() { return ++polls > 3; });
  EXPECT_THROW(
      stage_workbook(bytes.data(), bytes.size(), default_column_aliases(), default_sheet_aliases(), {}, {}, cancel),
      Cancelled);
}

// ---- openpyxl -------------------------------------------------------------------------

bool have_openpyxl() {
  if (!fs::exists("/usr/bin/python3")) return false;
  return std::system("/usr/bin/python3 -c 'import openpyxl' >/dev/null 2>&1") == 0;
}

// A Factory with the first `n` clean rows of each workbook sheet, no flaws.
model::Factory small_factory(std::size_t n) {
  demo::DemoOptions dopt;
  dopt.scale = 0.01;
  dopt.seed = 11;
  model::Factory f = demo::generate_demo(dopt);
  auto cut = [&](auto& v) {
    if (v.size() > n) v.resize(n);
  };
  cut(f.work_centers);
  cut(f.products);
  cut(f.routing_steps);
  cut(f.employees);
  cut(f.skills);
  cut(f.orders);
  cut(f.operations);
  cut(f.assignments);
  cut(f.defects);
  f.duplicates.clear();
  f.invalid_rows.clear();
  return f;
}

// One cell of the openpyxl spec: ["n"], ["i", 5], ["f", 2.5], ["s", "x"],
// ["b", true], ["d", [y, m, d, h, mi, s]], ["e", "#N/A"].
std::string jstr(std::string_view s) {
  std::string o;
  detail::append_json_string(o, s);
  return o;
}

class PyCells {
 public:
  PyCells(DateSystem sys, std::uint64_t salt) : sys_(sys), k_(salt) {}
  std::string null_cell(bool optional_column) {
    switch (next(optional_column ? 4 : 3)) {
      case 0:
        return "[\"n\"]";
      case 1:
        return "[\"s\", \"NULL\"]";
      case 2:
        return "[\"s\", \" null \"]";
      default:
        return "[\"e\", \"#N/A\"]";
    }
  }
  std::string id(const std::string& v) {
    if (v.empty()) return null_cell(true);
    const bool numeric =
        v.size() <= 15 && v.find_first_not_of("0123456789") == std::string::npos && (v.size() == 1 || v[0] != '0');
    switch (next(3)) {
      case 0:
        if (numeric) return "[\"i\", " + v + "]";
        [[fallthrough]];
      case 1:
        return "[\"s\", " + jstr(v) + "]";
      default:
        return "[\"s\", " + jstr(" " + v + " ") + "]";
    }
  }
  std::string id(const std::optional<std::string>& v) { return v ? id(*v) : null_cell(true); }
  std::string name(const std::string& v) { return "[\"s\", " + jstr(v) + "]"; }
  std::string integer(long long v) {
    return next(2) == 0 ? "[\"i\", " + std::to_string(v) + "]" : "[\"s\", \"" + std::to_string(v) + "\"]";
  }
  std::string integer(const std::optional<int>& v) { return v ? integer(*v) : null_cell(true); }
  std::string real(double v) {
    char buf[40];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    std::string t(buf, r.ptr);
    switch (next(3)) {
      case 0:
        return "[\"f\", " + t + "]";
      case 1:
        return "[\"s\", \"" + t + "\"]";
      default: {
        // Decimal comma, unless it would be ambiguous ("1,234").
        const std::size_t dot = t.find('.');
        std::string c = t;
        if (dot != std::string::npos) c[dot] = ',';
        double back = 0;
        if (detail::parse_number_text(c, back) != detail::NumberParse::Ok) c = t;
        return "[\"s\", \"" + c + "\"]";
      }
    }
  }
  std::string real(const std::optional<double>& v) { return v ? real(*v) : null_cell(true); }
  std::string flag(bool b) {
    switch (next(4)) {
      case 0:
        return b ? "[\"i\", 1]" : "[\"i\", 0]";
      case 1:
        return b ? "[\"s\", \"1\"]" : "[\"s\", \"0\"]";
      case 2:
        return b ? "[\"b\", true]" : "[\"b\", false]";
      default:
        return b ? "[\"s\", \"TRUE\"]" : "[\"s\", \"false\"]";
    }
  }
  std::string time(model::Time t) {
    const CivilTime c = civil_from_unix(t);
    char buf[64];
    switch (next(5)) {
      case 0:
        std::snprintf(buf, sizeof buf, "[\"d\", [%d, %d, %d, %d, %d, %d]]", c.year, c.month, c.day, c.hour, c.minute,
                      c.second);
        return buf;
      case 1:  // a plain number: the serial in the workbook's date system
        if (auto serial = xlsx::unix_to_excel_serial(t, sys_)) {
          std::snprintf(buf, sizeof buf, "[\"f\", %.17g]", *serial);
          return buf;
        }
        [[fallthrough]];
      case 2: {
        std::string s;
        append_datetime(s, t);
        return "[\"s\", \"" + s + "\"]";
      }
      case 3:
        std::snprintf(buf, sizeof buf, "[\"s\", \"%02d/%02d/%04d %02d:%02d:%02d\"]", c.day, c.month, c.year, c.hour,
                      c.minute, c.second);
        return buf;
      default:
        std::snprintf(buf, sizeof buf, "[\"s\", \"%04d-%02d-%02dT%02d:%02d:%02d\"]", c.year, c.month, c.day, c.hour,
                      c.minute, c.second);
        return buf;
    }
  }
  std::string time(const model::OptTime& t) { return t ? time(*t) : null_cell(true); }

 private:
  unsigned next(unsigned n) {
    k_ = k_ * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<unsigned>((k_ >> 33) % n);
  }
  DateSystem sys_;
  std::uint64_t k_;
};

// Cells of one clean row, in the reference column order.
std::vector<std::string> py_row(const model::Factory& f, model::Sheet sheet, std::size_t i, PyCells& c) {
  using model::Sheet;
  switch (sheet) {
    case Sheet::Orders: {
      const auto& o = f.orders[i];
      return {c.id(o.order_id),   c.time(o.created_at),           c.time(o.finished_at),
              c.id(o.product_id), c.id(o.current_work_center_id), c.time(o.due_at)};
    }
    case Sheet::Operations: {
      const auto& op = f.operations[i];
      return {c.id(op.operation_id), c.id(op.order_id),      c.time(op.started_at),    c.time(op.ended_at),
              c.time(op.planned_at), c.real(op.coefficient), c.real(op.coefficient_x), c.id(op.work_center_id),
              c.real(op.weight_kg),  c.flag(op.is_rework),   c.integer(op.shift),      c.integer(op.sequence)};
    }
    case Sheet::Assignments: {
      const auto& a = f.assignments[i];
      return {c.id(a.operation_id), c.id(a.employee_id), c.flag(a.is_lead)};
    }
    case Sheet::Defects: {
      const auto& d = f.defects[i];
      return {c.name(d.description),
              c.id(d.order_id),
              c.id(d.evaluation_work_center_id),
              c.integer(d.severity),
              c.id(d.evaluation_operation_id),
              c.id(d.culprit_operation_id)};
    }
    case Sheet::Employees: {
      const auto& e = f.employees[i];
      return {c.id(e.employee_id), c.name(e.name), c.flag(e.active)};
    }
    case Sheet::Skills: {
      const auto& s = f.skills[i];
      return {c.id(s.employee_id), c.id(s.work_center_id), c.time(s.qualified_since)};
    }
    case Sheet::WorkCenters: {
      const auto& w = f.work_centers[i];
      return {c.id(w.work_center_id), c.name(w.name), c.integer(w.sequence), c.flag(w.is_production),
              c.flag(w.is_automatic)};
    }
    case Sheet::Products: {
      const auto& p = f.products[i];
      return {c.id(p.product_id),         c.name(p.name),        c.real(p.demould_weight_kg),
              c.real(p.finish_weight_kg), c.real(p.gel_deck_kg), c.real(p.gel_hull_kg)};
    }
    case Sheet::RoutingSteps: {
      const auto& r = f.routing_steps[i];
      return {c.id(r.product_id), c.id(r.work_center_id), c.integer(r.sequence), c.real(r.coefficient),
              c.real(r.coefficient_x)};
    }
  }
  return {};
}

// Writes the spec of the openpyxl workbook: sheets in reverse order, names in
// upper case, columns rotated by one plus an unknown trailing column.
std::string py_spec(const model::Factory& f, bool epoch1904, std::uint64_t salt) {
  PyCells cells(epoch1904 ? DateSystem::k1904 : DateSystem::k1900, salt);
  std::string j = "{\"epoch1904\": ";
  j += epoch1904 ? "true" : "false";
  j += ", \"sheets\": [";
  const auto& sheets = model::reference_sheets();
  for (std::size_t s = sheets.size(); s-- > 0;) {
    const model::SheetFormat& sf = sheets[s];
    std::string upper(sf.name);
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const std::size_t ncol = sf.headers.size();
    auto rot = [&](std::size_t k) { return (k + 1) % ncol; };  // output column k holds reference column rot(k)
    j += "{\"name\": " + jstr(upper) + ", \"headers\": [";
    for (std::size_t k = 0; k < ncol; ++k) {
      std::string h(sf.headers[rot(k)]);
      if (k % 2 == 0)
        for (char& ch : h) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      j += jstr(h) + ", ";
    }
    j += "\"Observações\"], \"rows\": [";
    const std::size_t n = clean_count(f, sf.sheet);
    for (std::size_t i = 0; i < n; ++i) {
      const auto row = py_row(f, sf.sheet, i, cells);
      j += "[";
      for (std::size_t k = 0; k < ncol; ++k) j += row[rot(k)] + ", ";
      j += (i % 3 == 0 ? "[\"s\", \"nota " + std::to_string(i) + "\"]" : std::string("[\"n\"]")) + "]";
      if (i + 1 < n) j += ", ";
    }
    j += "]}";
    if (s > 0) j += ", ";
  }
  j += "]}";
  return j;
}

constexpr const char* kPyWriter = R"(import datetime, json, sys
import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904
spec = json.load(open(sys.argv[1], encoding="utf-8"))
wb = openpyxl.Workbook()
if spec["epoch1904"]:
    wb.epoch = CALENDAR_MAC_1904
wb.remove(wb.active)
for sh in spec["sheets"]:
    ws = wb.create_sheet(sh["name"])
    ws.append(sh["headers"])
    for row in sh["rows"]:
        vals = []
        for c in row:
            k = c[0]
            if k == "n":
                vals.append(None)
            elif k == "d":
                vals.append(datetime.datetime(*c[1]))
            else:
                vals.append(c[1])
        ws.append(vals)
wb.save(sys.argv[2])
)";

TEST(IngestStaging, OpenpyxlWorkbookStagesLikeTheWriters) {
  if (!have_openpyxl()) GTEST_SKIP() << "/usr/bin/python3 with openpyxl is not available";
  const model::Factory f = small_factory(20);
  StagingTempDir tmp;
  // The writer's workbook of the same rows.
  const std::string ref_path = tmp.file("ref.xlsx");
  xlsx::WorkbookWriteOptions wopt;
  wopt.tmpdir = tmp.path();
  xlsx::write_reference_workbook(f, ref_path, wopt);
  const StageResult ref = stage_bytes(read_bytes(ref_path));
  ASSERT_EQ(ref.staged.size(), 9u);
  for (const auto& [entity, st] : ref.staged) EXPECT_GT(st.rows, 0u) << entity;

  { std::ofstream(tmp.file("w.py")) << kPyWriter; }
  for (bool epoch1904 : {false, true}) {
    SCOPED_TRACE(epoch1904 ? "1904 date system" : "1900 date system");
    const std::string spec_path = tmp.file("spec.json");
    const std::string out_path = tmp.file(epoch1904 ? "py1904.xlsx" : "py1900.xlsx");
    { std::ofstream(spec_path, std::ios::binary) << py_spec(f, epoch1904, epoch1904 ? 99 : 5); }
    const std::string cmd = "/usr/bin/python3 " + tmp.file("w.py") + " " + spec_path + " " + out_path;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const StageResult py = stage_bytes(read_bytes(out_path));
    EXPECT_TRUE(py.plan.quarantine.empty()) << py.plan.quarantine.front().detail;
    std::size_t error_cells = 0;
    for (const model::SheetFormat& sf : model::reference_sheets()) {
      SCOPED_TRACE(std::string(sf.name));
      const SheetReport* rep = report_of(py.plan, sf.entity);
      ASSERT_NE(rep, nullptr);
      std::string upper(sf.name);
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      EXPECT_EQ(rep->sheet, upper);
      EXPECT_EQ(rep->unknown_headers, (std::vector<std::string>{"Observações"}));
      EXPECT_EQ(rep->rows_read, clean_count(f, sf.sheet));
      EXPECT_EQ(rep->staged, clean_count(f, sf.sheet));
      error_cells += rep->error_cells;
      const std::string entity(sf.entity);
      ASSERT_TRUE(py.staged.count(entity));
      const EntitySpec& spec = *find_entity(entity);
      const auto a = parse_copy(ref.staged.at(entity).copy_text, spec.columns.size());
      const auto b = parse_copy(py.staged.at(entity).copy_text, spec.columns.size());
      ASSERT_EQ(a.size(), b.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].source_row, b[i].source_row);
        for (std::size_t c = 0; c < spec.columns.size(); ++c)
          EXPECT_EQ(a[i].fields[c], b[i].fields[c])
              << "row " << i << " column " << spec.columns[c].name << ": " << a[i].fields[c].value_or("\\N") << " vs "
              << b[i].fields[c].value_or("\\N");
      }
      EXPECT_EQ(ref.staged.at(entity).copy_text, py.staged.at(entity).copy_text);
    }
    EXPECT_GT(error_cells, 0u);  // some NULLs were written as #N/A
  }
}

// Staging time of the scale-1 demo workbook (~1.1 M rows). Run by hand:
//   prodplan_unit --gtest_also_run_disabled_tests --gtest_filter='*StagingScale1*'
TEST(IngestStaging, DISABLED_StagingScale1Timing) {
  demo::DemoOptions dopt;
  dopt.scale = 1.0;
  const model::Factory f = demo::generate_demo(dopt);
  StagingTempDir tmp;
  const std::string path = tmp.file("scale1.xlsx");
  xlsx::WorkbookWriteOptions wopt;
  wopt.tmpdir = tmp.path();
  const auto written = xlsx::write_reference_workbook(f, path, wopt);
  const std::string bytes = read_bytes(path);
  for (int run = 0; run < 2; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t copy_bytes = 0;
    IngestCallbacks cb;
    cb.on_entity = [&](StagedEntity& e, const SheetReport&) { copy_bytes += e.copy_text.size(); };
    const WorkbookPlan plan =
        stage_workbook(bytes.data(), bytes.size(), default_column_aliases(), default_sheet_aliases(), {}, cb);
    const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
    std::size_t rows = 0;
    for (const SheetReport& r : plan.sheets) {
      rows += r.rows_read;
      std::printf("  %-30s %8zu read %8zu staged %6zu dup %4zu quarantined %6.2f s\n", r.sheet.c_str(), r.rows_read,
                  r.staged, r.duplicates, r.quarantined, r.seconds);
    }
    EXPECT_EQ(rows, written.total_rows());
    std::printf("scale 1: %zu rows, %zu MB xlsx, %zu MB COPY text, staged in %.2f s\n", rows, bytes.size() >> 20,
                copy_bytes >> 20, dt.count());
  }
}

}  // namespace

}  // namespace test_ingest_staging
