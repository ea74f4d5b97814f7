#include "core/report/report_template.h"

#include "core/report/report_cells.h"
#include "core/report/report_sheet.h"
#include "core/report/report_workbook.h"

#include <algorithm>

namespace pp::report {

using namespace detail;

namespace {

enum class Validation { None, Whole, Decimal, DateTime, Date, Boolean };

struct TypeRule {
  Validation v = Validation::None;
  double min = 0, max = 0;  // Whole
};

std::string normalized_type(const std::string& type) {
  std::string t;
  for (char c : type) t += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (const auto p = t.find('('); p != std::string::npos) t.erase(p);
  while (!t.empty() && t.back() == ' ') t.pop_back();
  while (!t.empty() && t.front() == ' ') t.erase(0, 1);
  return t;
}

TypeRule rule_of(const std::string& type) {
  const std::string t = normalized_type(type);
  auto is = [&](std::initializer_list<const char*> names) {
    return std::any_of(names.begin(), names.end(), [&](const char* n) { return t == n; });
  };
  if (is({"smallint", "int2", "smallserial"})) return {Validation::Whole, -32768, 32767};
  if (is({"int", "int4", "integer", "serial"})) return {Validation::Whole, -2147483648.0, 2147483647};
  if (is({"bigint", "int8", "bigserial"})) return {Validation::Whole, -999999999999999, 999999999999999};
  if (is({"float8", "float4", "real", "float", "double precision", "numeric", "decimal"})) {
    return {Validation::Decimal, 0, 0};
  }
  if (is({"timestamptz", "timestamp", "timestamp with time zone", "timestamp without time zone"})) {
    return {Validation::DateTime, 0, 0};
  }
  if (is({"date"})) return {Validation::Date, 0, 0};
  if (is({"boolean", "bool"})) return {Validation::Boolean, 0, 0};
  return {};
}

std::string header_note(const TemplateColumn& c) {
  std::string note;
  if (!c.meaning.empty()) note += c.meaning + "\n";
  note += "Type: " + (c.type.empty() ? std::string("text") : c.type) + "\n";
  note += c.required ? "Required" : "Optional";
  if (!c.canonical.empty()) note += "\nFeeds: " + c.canonical;
  return note;
}

// Validation (and for dates the column format, with `width`) of one column.
void validate(ReportSheet& sheet, lxw_col_t col, const TemplateColumn& c, double width) {
  const TypeRule rule = rule_of(c.type);
  if (rule.v == Validation::None) return;
  lxw_data_validation dv{};
  dv.ignore_blank = LXW_VALIDATION_ON;
  dv.show_error = LXW_VALIDATION_ON;
  std::string error_message;
  const char* list[] = {"0", "1", nullptr};
  switch (rule.v) {
    case Validation::Whole:
      dv.validate = LXW_VALIDATION_TYPE_INTEGER;
      dv.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
      dv.minimum_number = rule.min;
      dv.maximum_number = rule.max;
      dv.error_title = const_cast<char*>("Not a whole number");
      error_message = "Enter a whole number from " + number_text(rule.min) + " to " +
                      number_text(rule.max) + ".";
      break;
    case Validation::Decimal:
      dv.validate = LXW_VALIDATION_TYPE_DECIMAL;
      dv.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
      dv.minimum_number = -1e300;
      dv.maximum_number = 1e300;
      dv.error_title = const_cast<char*>("Not a number");
      error_message = "Enter a number (a decimal point, no thousands separators).";
      break;
    case Validation::DateTime:
    case Validation::Date: {
      const bool with_time = rule.v == Validation::DateTime;
      dv.validate = LXW_VALIDATION_TYPE_DATE;
      dv.criteria = LXW_VALIDATION_CRITERIA_GREATER_THAN;
      dv.value_datetime = lxw_datetime{1900, 1, 1, 0, 0, 0};
      dv.show_input = LXW_VALIDATION_ON;
      dv.input_title = const_cast<char*>(with_time ? "Date and time" : "Date");
      dv.input_message = const_cast<char*>(
          with_time ? "A date and time after 1900-01-01, typed as yyyy-mm-dd hh:mm "
                      "(e.g. 2026-03-02 07:30)."
                    : "A date after 1900-01-01, typed as yyyy-mm-dd (e.g. 2026-03-02).");
      dv.error_title = const_cast<char*>("Not a date");
      error_message = with_time ? "Enter a date and time after 1900-01-01 as yyyy-mm-dd hh:mm."
                                : "Enter a date after 1900-01-01 as yyyy-mm-dd.";
      break;
    }
    case Validation::Boolean:
      dv.validate = LXW_VALIDATION_TYPE_LIST;
      dv.value_list = const_cast<char**>(list);
      dv.show_input = LXW_VALIDATION_ON;
      dv.input_title = const_cast<char*>("Yes or no");
      dv.input_message = const_cast<char*>("1 = yes, 0 = no.");
      dv.error_title = const_cast<char*>("Not 0 or 1");
      error_message = "Enter 1 (yes) or 0 (no).";
      break;
    case Validation::None: return;
  }
  dv.error_message = error_message.data();
  sheet.check(worksheet_data_validation_range(sheet.ws(), 1, col, kSheetRows - 1, col, &dv),
              "adding the validation of column \"" + c.header + "\"");
  if (rule.v == Validation::DateTime || rule.v == Validation::Date) {
    lxw_format* f =
        rule.v == Validation::DateTime ? sheet.formats().date_time : sheet.formats().date;
    sheet.check(worksheet_set_column(sheet.ws(), col, col, std::max(width, kind_width(Kind::DateTime)), f),
                "setting the format of column \"" + c.header + "\"");
  }
}

}  // namespace

void write_template_report(const TemplateReportData& data, const std::string& path,
                           const ReportOptions& options, const CancelToken& cancel) {
  ReportWorkbook book(path, options, WorkbookMode::InMemory, "template report");
  if (data.sheets.empty()) throw_invalid(book.report() + ": there are no sheets");
  for (const TemplateSheet& s : data.sheets) {
    cancel.poll();
    ReportSheet sheet(book, s.name);
    if (s.columns.empty()) throw_invalid(sheet.where() + " has no columns");
    if (s.columns.size() > kSheetColumns) {
      throw Error(ErrorKind::ProgramLimit, sheet.where() + " has more columns than a sheet holds");
    }
    for (std::size_t i = 0; i < s.columns.size(); ++i) {
      const TemplateColumn& c = s.columns[i];
      const auto col = static_cast<lxw_col_t>(i);
      if (c.header.empty()) {
        throw_invalid(sheet.where() + " column " + std::to_string(i + 1) + " has an empty header");
      }
      sheet.text(0, col, c.header, sheet.formats().header);
      sheet.note(0, col, header_note(c));
      const TypeRule rule = rule_of(c.type);
      const double width = std::max(10.0, static_cast<double>(utf8_length(c.header)) * 1.1 + 2);
      // Date columns get their width with their format in validate().
      if (rule.v != Validation::DateTime && rule.v != Validation::Date) sheet.want_width(col, width);
      validate(sheet, col, c, width);
    }
    sheet.freeze(1, 0);
    sheet.apply_widths();
  }
  book.close();
}

}  // namespace pp::report
