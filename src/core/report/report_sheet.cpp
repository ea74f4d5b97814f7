#include "core/report/report_sheet.h"

#include "core/common/errors.h"
#include "core/report/report_cells.h"
#include "core/xlsx/cell.h"

#include <algorithm>
#include <cstring>

namespace pp::report::detail {

namespace {

constexpr double kMaxWidth = 60;
constexpr double kFilterButton = 3;       // room for the filter drop-down in a header
constexpr std::int64_t kWidthSample = 1000;  // Text columns: rows looked at for the width
constexpr std::uint16_t kNoteWidth = 320;   // pixels
constexpr std::size_t kNoteCharsPerLine = 48;

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Text: return "text";
    case Kind::Integer: return "integer";
    case Kind::Number: return "number";
    case Kind::Hours: return "hours";
    case Kind::Percent: return "percent";
    case Kind::DateTime: return "date-time";
    case Kind::Date: return "date";
    case Kind::Bool: return "boolean";
  }
  return "?";
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

BuiltTable::BuiltTable(std::vector<Column> columns) { table_.columns = std::move(columns); }

void BuiltTable::add_owned(std::string text) {
  texts_.push_back(std::move(text));
  cells_.push_back(texts_.back().c_str());
}

void BuiltTable::add_number(double v) { add_owned(number_text(v)); }

const Table& BuiltTable::table() {
  const auto cols = static_cast<int>(table_.columns.size());
  if (cols == 0 || cells_.size() % static_cast<std::size_t>(cols) != 0) {
    throw Error(ErrorKind::Internal, "a computed report table has a partial row");
  }
  table_.rows.cols = cols;
  table_.rows.rows = static_cast<std::int64_t>(cells_.size() / static_cast<std::size_t>(cols));
  table_.rows.cells = cells_.data();
  return table_;
}

double kind_width(Kind kind) {
  switch (kind) {
    case Kind::Text: return 8;
    case Kind::Integer: return 10;
    case Kind::Number: return 13;
    case Kind::Hours: return 10;
    case Kind::Percent: return 9;
    case Kind::DateTime: return 17;
    case Kind::Date: return 11;
    case Kind::Bool: return 8;
  }
  return 10;
}

std::string cell_name(lxw_row_t row, lxw_col_t col) {
  return xlsx::cell_reference(static_cast<std::uint32_t>(row) + 1, col);
}

ReportSheet::ReportSheet(ReportWorkbook& book, const std::string& name)
    : book_(book), name_(name), ws_(book.add_sheet(name)) {
  worksheet_set_comments_author(ws_, "prodplan");
}

std::string ReportSheet::where() const { return book_.report() + ", sheet \"" + name_ + "\""; }

void ReportSheet::check(lxw_error err, lxw_row_t row, lxw_col_t col) const {
  if (err == LXW_NO_ERROR) return;
  throw Error(lxw_error_kind(err), where() + " cell " + cell_name(row, col) +
                                       ": libxlsxwriter error \"" + lxw_strerror(err) + "\"");
}

void ReportSheet::check(lxw_error err, const std::string& what) const {
  if (err == LXW_NO_ERROR) return;
  throw Error(lxw_error_kind(err),
              where() + ": libxlsxwriter error \"" + lxw_strerror(err) + "\" " + what);
}

void ReportSheet::want_width(lxw_col_t col, double width) {
  if (col >= widths_.size()) widths_.resize(static_cast<std::size_t>(col) + 1, 0);
  widths_[col] = std::max(widths_[col], std::min(width, kMaxWidth));
}

void ReportSheet::apply_widths() {
  // One <col> element per run of equal widths (a Gantt has hundreds).
  for (std::size_t c = 0; c < widths_.size();) {
    std::size_t e = c + 1;
    while (e < widths_.size() && widths_[e] == widths_[c]) ++e;
    if (widths_[c] > 0) {
      check(worksheet_set_column(ws_, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(e - 1),
                                 widths_[c], nullptr),
            "setting column widths");
    }
    c = e;
  }
}

void ReportSheet::text(lxw_row_t row, lxw_col_t col, std::string_view s, lxw_format* f) {
  const std::string v(utf8_prefix(s, kMaxCellText));
  check(worksheet_write_string(ws_, row, col, v.c_str(), f), row, col);
}

void ReportSheet::number(lxw_row_t row, lxw_col_t col, double v, lxw_format* f) {
  check(worksheet_write_number(ws_, row, col, v, f), row, col);
}

void ReportSheet::blank(lxw_row_t row, lxw_col_t col, lxw_format* f) {
  check(worksheet_write_blank(ws_, row, col, f), row, col);
}

void ReportSheet::merge(lxw_row_t row, lxw_col_t first, lxw_col_t last, std::string_view s,
                        lxw_format* f) {
  const std::string v(utf8_prefix(s, kMaxCellText));
  check(worksheet_merge_range(ws_, row, first, row, last, v.c_str(), f), row, first);
}

void ReportSheet::note(lxw_row_t row, lxw_col_t col, std::string_view text) {
  const std::string v(utf8_prefix(text, kMaxCellText));
  // Size the box to the text (Excel's default box shows ~4 short lines).
  std::size_t lines = 0;
  std::size_t start = 0;
  while (start <= v.size()) {
    std::size_t end = v.find('\n', start);
    if (end == std::string::npos) end = v.size();
    const std::size_t len = utf8_length(std::string_view(v).substr(start, end - start));
    lines += std::max<std::size_t>(1, (len + kNoteCharsPerLine - 1) / kNoteCharsPerLine);
    start = end + 1;
  }
  lxw_comment_options o{};
  o.width = kNoteWidth;
  o.height = static_cast<std::uint16_t>(std::clamp<std::size_t>(12 + 15 * lines, 40, 600));
  check(worksheet_write_comment_opt(ws_, row, col, v.c_str(), &o), row, col);
}

void ReportSheet::freeze(lxw_row_t rows, lxw_col_t cols) { worksheet_freeze_panes(ws_, rows, cols); }

lxw_row_t ReportSheet::write_facts(lxw_row_t row, lxw_col_t col, const std::vector<Fact>& facts) {
  for (const Fact& f : facts) {
    text(row, col, f.label, formats().label);
    text(row, col + 1, f.value);
    want_width(col, static_cast<double>(utf8_length(f.label)) + 2);
    want_width(col + 1, static_cast<double>(utf8_length(f.value)) + 2);
    ++row;
  }
  return row;
}

void ReportSheet::table_cell(lxw_row_t row, lxw_col_t col, const char* cell, const Column& column,
                             std::int64_t data_row) {
  if (cell == nullptr || *cell == '\0') return;  // NULL / "": an empty cell
  const Kind kind = column.kind;
  if (kind == Kind::Text) {
    if (std::strlen(cell) <= kMaxCellText) {
      check(worksheet_write_string(ws_, row, col, cell, nullptr), row, col);
    } else {
      text(row, col, cell);
    }
    return;
  }
  const std::string_view s(cell);
  if (kind != Kind::Bool && is_non_finite_spelling(s)) {
    text(row, col, s);
    return;
  }
  auto bad = [&](const char* expected) {
    throw Error(ErrorKind::DataException,
                where() + " cell " + cell_name(row, col) + " (data row " +
                    std::to_string(data_row + 1) + ", column \"" + column.header + "\", " +
                    kind_name(kind) + "): \"" + std::string(utf8_prefix(s, 64)) + "\" is not " +
                    expected);
  };
  lxw_format* f = formats().of(kind);
  switch (kind) {
    case Kind::Integer:
    case Kind::Number:
    case Kind::Hours:
    case Kind::Percent: {
      const auto v = parse_number(s);
      if (!v) bad("a number");
      number(row, col, *v, f);
      return;
    }
    case Kind::DateTime:
    case Kind::Date: {
      const auto v = parse_number(s);
      if (!v) bad("a Unix time in seconds");
      const auto serial = unix_to_serial(*v);
      if (!serial) bad("a Unix time within Excel's dates (1900-01-01 .. 9999-12-31)");
      number(row, col, *serial, f);
      return;
    }
    case Kind::Bool: {
      const auto b = parse_bool(s);
      if (!b) bad("a boolean (t or f)");
      check(worksheet_write_boolean(ws_, row, col, *b ? 1 : 0, nullptr), row, col);
      return;
    }
    case Kind::Text: break;
  }
}

TablePlacement ReportSheet::write_table(lxw_row_t row, lxw_col_t col, const Table& table,
                                        const std::string& what, const CancelToken& cancel,
                                        const TableOptions& options) {
  const TextTable& t = table.rows;
  const std::string ctx = where() + ", table " + what;
  // An empty result may come with any column count (or none): the
  // descriptions alone say what the table is.
  if (t.rows < 0 || (t.rows > 0 && (table.columns.size() != static_cast<std::size_t>(t.cols)))) {
    throw_invalid(ctx + " has " + std::to_string(table.columns.size()) +
                  " column descriptions but " + std::to_string(t.cols) + " columns of cells");
  }
  if (t.rows > 0 && t.cells == nullptr) {
    throw_invalid(ctx + " has " + std::to_string(t.rows) + " rows but no cells");
  }
  const auto ncols = table.columns.size();
  if (ncols == 0) throw_invalid(ctx + " has no columns");
  {
    std::vector<std::string> seen;
    for (const Column& c : table.columns) {
      if (c.header.empty()) throw_invalid(ctx + " has an empty column header");
      std::string key = lower_ascii(c.header);
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        throw_invalid(ctx + " has two columns named \"" + c.header + "\"");
      }
      seen.push_back(std::move(key));
    }
  }
  const std::int64_t span = std::max<std::int64_t>(t.rows, 1);  // Excel tables need a data row
  if (static_cast<std::int64_t>(row) + span >= static_cast<std::int64_t>(kSheetRows)) {
    throw Error(ErrorKind::ProgramLimit,
                ctx + " has " + std::to_string(t.rows) + " rows; from row " +
                    std::to_string(row + 1) + " a sheet holds at most " +
                    std::to_string(static_cast<std::int64_t>(kSheetRows) - row - 1));
  }
  if (static_cast<std::int64_t>(col) + static_cast<std::int64_t>(ncols) >
      static_cast<std::int64_t>(kSheetColumns)) {
    throw Error(ErrorKind::ProgramLimit, ctx + " has more columns than a sheet holds");
  }

  TablePlacement p;
  p.header_row = row;
  p.first_col = col;
  p.last_col = static_cast<lxw_col_t>(col + ncols - 1);
  p.rows = t.rows;

  const bool excel_table = options.filter && !book_.constant_memory();
  if (excel_table) {
    std::vector<lxw_table_column> cols(ncols);
    std::vector<lxw_table_column*> ptrs(ncols + 1, nullptr);
    for (std::size_t c = 0; c < ncols; ++c) {
      cols[c] = lxw_table_column{};
      cols[c].header = const_cast<char*>(table.columns[c].header.c_str());
      cols[c].header_format = formats().header;
      ptrs[c] = &cols[c];
    }
    lxw_table_options to{};
    to.style_type = LXW_TABLE_STYLE_TYPE_MEDIUM;
    to.style_type_number = 2;
    to.columns = ptrs.data();
    check(worksheet_add_table(ws_, row, col, static_cast<lxw_row_t>(row + span), p.last_col, &to),
          "adding the table " + what);
  } else {
    for (std::size_t c = 0; c < ncols; ++c) {
      text(row, static_cast<lxw_col_t>(col + c), table.columns[c].header, formats().header);
    }
    if (options.filter && !has_autofilter_) {
      check(worksheet_autofilter(ws_, row, col, p.last_row(), p.last_col),
            "adding the filter of " + what);
      has_autofilter_ = true;
    }
  }
  // Notes now: in constant-memory mode only the current row takes them.
  for (std::size_t c = 0; c < ncols; ++c) {
    if (!table.columns[c].comment.empty()) {
      note(row, static_cast<lxw_col_t>(col + c), table.columns[c].comment);
    }
  }

  for (std::int64_t r = 0; r < t.rows; ++r) {
    if (r % kPollEveryRows == 0) cancel.poll();
    const auto out = static_cast<lxw_row_t>(row + 1 + r);
    const char* const* cells = t.cells + r * t.cols;
    for (std::size_t c = 0; c < ncols; ++c) {
      table_cell(out, static_cast<lxw_col_t>(col + c), cells[c], table.columns[c], r);
    }
  }

  if (options.freeze) freeze(row + 1, 0);
  for (std::size_t c = 0; c < ncols; ++c) {
    const Column& column = table.columns[c];
    double w = std::max(kind_width(column.kind),
                        static_cast<double>(utf8_length(column.header)) * 1.1 + kFilterButton);
    if (column.kind == Kind::Text) {
      const std::int64_t n = std::min(t.rows, kWidthSample);
      for (std::int64_t r = 0; r < n; ++r) {
        const char* cell = t.cell(r, static_cast<int>(c));
        if (cell != nullptr) w = std::max(w, static_cast<double>(utf8_length(cell)) + 2);
      }
    }
    want_width(static_cast<lxw_col_t>(col + c), w);
  }
  return p;
}

}  // namespace pp::report::detail
