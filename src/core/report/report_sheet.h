// The table-writing primitives every report shares: a worksheet with its
// name for error messages and its column widths, facts blocks, and tables.
//
// A table (report_data.h Table) is written as:
//   * a header row, bold on a light fill; a header whose Column::comment is
//     non-empty gets it as a cell note (hover comment);
//   * one row per data row; each cell by its column's Kind: Text as is,
//     Integer/Number/Hours/Percent as numbers with the kind's format,
//     DateTime/Date as Excel serials (Unix seconds of the plant's wall clock,
//     rounded to the second) with yyyy-mm-dd hh:mm / yyyy-mm-dd, Bool "t"/"f"
//     as TRUE/FALSE; NULL (nullptr) and "" as an empty cell; PostgreSQL's
//     non-finite spellings (NaN, Infinity, -infinity, ...) as that text;
//     texts longer than Excel's 32,767 characters are cut there;
//   * frozen below the header (TableOptions::freeze), widths by kind and
//     header length (Text columns also by their first 1,000 values);
//   * filterable: an Excel table (worksheet_add_table, style Medium 2, the
//     column headers set through the table's options so the header cells are
//     written once) in an in-memory workbook; in a constant-memory workbook,
//     where libxlsxwriter 1.1.4 does not support tables, an autofilter over
//     the header and data rows instead (one per sheet). An Excel table with
//     no data row spans the header and one empty row (Excel needs one).
// Bad input throws pp::Error naming the report, sheet, row and column:
// columns.size() != rows.cols when there are rows (an empty result may have
// any column count), no columns, empty or duplicate headers (Excel tables need
// unique names, compared ignoring ASCII case) -> InvalidParameter; a cell
// that is not a number / Unix time / boolean where its kind needs one, or a
// time outside Excel's dates (1900-01-01 .. 9999-12-31) -> DataException;
// more rows or columns than a sheet holds -> ProgramLimit.
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/report/report_data.h"
#include "core/report/report_workbook.h"

#include <xlsxwriter.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace pp::report::detail {

inline constexpr std::int64_t kPollEveryRows = 4096;
inline constexpr lxw_row_t kSheetRows = 1048576;
inline constexpr lxw_col_t kSheetColumns = 16384;

// Where a table landed (0-based rows and columns).
struct TablePlacement {
  lxw_row_t header_row = 0;
  lxw_col_t first_col = 0, last_col = 0;
  std::int64_t rows = 0;  // data rows
  lxw_row_t first_data_row() const { return header_row + 1; }
  // The last data row (the header row when there is none).
  lxw_row_t last_row() const { return header_row + static_cast<lxw_row_t>(rows); }
  // The first row after the table: after its last data row, or after the header when it has none.
  lxw_row_t end_row() const { return last_row() + 1; }
};

struct TableOptions {
  bool freeze = true;  // freeze the panes below the header row
  bool filter = true;  // Excel table / autofilter (see above)
};

class ReportSheet {
 public:
  ReportSheet(ReportWorkbook& book, const std::string& name);
  ReportSheet(const ReportSheet&) = delete;
  ReportSheet& operator=(const ReportSheet&) = delete;

  lxw_worksheet* ws() const { return ws_; }
  const std::string& name() const { return name_; }
  ReportWorkbook& book() const { return book_; }
  const Formats& formats() const { return book_.formats(); }

  // Column widths: the largest wanted wins; apply_widths() sets them (call it
  // once the sheet is complete, before the workbook is closed).
  void want_width(lxw_col_t col, double width);
  void apply_widths();

  // Label (bold) / value (text) pairs in two columns from `row`; returns the
  // row after the last one.
  lxw_row_t write_facts(lxw_row_t row, lxw_col_t col, const std::vector<Fact>& facts);

  // Writes `table` with its header at (row, col); `what` names it in errors
  // ("orders"). Polls `cancel` every kPollEveryRows rows.
  TablePlacement write_table(lxw_row_t row, lxw_col_t col, const Table& table,
                             const std::string& what, const CancelToken& cancel,
                             const TableOptions& options = {});

  // Single cells (errors name the sheet and cell).
  void text(lxw_row_t row, lxw_col_t col, std::string_view s, lxw_format* f = nullptr);
  void number(lxw_row_t row, lxw_col_t col, double v, lxw_format* f = nullptr);
  void blank(lxw_row_t row, lxw_col_t col, lxw_format* f);
  void merge(lxw_row_t row, lxw_col_t first, lxw_col_t last, std::string_view s, lxw_format* f);
  // A note (hover comment) on a cell, sized to its text. In constant-memory
  // mode it must be written while `row` is the current row.
  void note(lxw_row_t row, lxw_col_t col, std::string_view text);
  void freeze(lxw_row_t rows, lxw_col_t cols);

  // Throws for a libxlsxwriter error at a cell / about something.
  void check(lxw_error err, lxw_row_t row, lxw_col_t col) const;
  void check(lxw_error err, const std::string& what) const;
  // "plan report, sheet "Orders"": the prefix of this sheet's messages.
  std::string where() const;

 private:
  // One data cell of a table by its kind.
  void table_cell(lxw_row_t row, lxw_col_t col, const char* cell, const Column& column,
                  std::int64_t data_row);

  ReportWorkbook& book_;
  std::string name_;
  lxw_worksheet* ws_;
  std::vector<double> widths_;
  bool has_autofilter_ = false;
};

// A table a report computes (pivot, matrix, Pareto) in report_data.h form,
// owning the texts it adds. Cells are added row-major.
class BuiltTable {
 public:
  explicit BuiltTable(std::vector<Column> columns);
  void add(const char* cell) { cells_.push_back(cell); }  // not owned; nullptr = NULL
  void add_owned(std::string text);
  void add_number(double v);
  // The table (rows = cells added / columns; a partial last row is an error).
  const Table& table();

 private:
  Table table_;
  std::deque<std::string> texts_;  // stable addresses
  std::vector<const char*> cells_;
};

// The width a column of `kind` gets (Excel character units), without the
// header; Text: 8.
double kind_width(Kind kind);

// The A1 cell reference ("C7") of a 0-based row and column.
std::string cell_name(lxw_row_t row, lxw_col_t col);

}  // namespace pp::report::detail
