// Reading the SQL layer's long-form input tables (the TextTables of
// report_data.h that are not written as they are: Gantt bars, non-working
// time, KPI rows, Pareto and heatmap rows) with errors that name the report,
// the input table, the row (1-based) and the column: pp::Error
// DataException for a bad cell, InvalidParameter for a wrong column count.
#pragma once
#include "core/common/core_only.h"
#include "core/report/report_data.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pp::report::detail {

class InputTable {
 public:
  // `where` prefixes the messages ("kpi report"); `name` is the table's
  // ("by_period"); `columns` its expected column names. A table with no rows
  // may have any column count (an empty result); otherwise it must match.
  InputTable(std::string where, std::string name, const TextTable& t,
             std::vector<const char*> columns);

  std::int64_t rows() const { return t_.rows; }
  // The cell, nullptr for NULL.
  const char* raw(std::int64_t r, int c) const { return t_.cell(r, c); }
  // A required text: NULL or "" is an error.
  std::string_view key(std::int64_t r, int c) const;
  // A required finite number.
  double number(std::int64_t r, int c) const;
  // A required finite number >= 0 (a count).
  double count(std::int64_t r, int c) const;
  // NULL, a finite number, or one of PostgreSQL's non-finite spellings:
  // otherwise an error. Returns the cell (nullptr for NULL).
  const char* optional_number(std::int64_t r, int c) const;
  // Required Unix seconds within Excel's dates, rounded to the second.
  std::int64_t time(std::int64_t r, int c) const;

  [[noreturn]] void fail(std::int64_t r, int c, const std::string& what) const;

 private:
  std::string where_, name_;
  const TextTable& t_;
  std::vector<const char*> columns_;
};

}  // namespace pp::report::detail
