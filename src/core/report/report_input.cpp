#include "core/report/report_input.h"

#include "core/common/errors.h"
#include "core/report/report_cells.h"

#include <cmath>

namespace pp::report::detail {

InputTable::InputTable(std::string where, std::string name, const TextTable& t,
                       std::vector<const char*> columns)
    : where_(std::move(where)), name_(std::move(name)), t_(t), columns_(std::move(columns)) {
  const auto want = static_cast<int>(columns_.size());
  if (t.rows < 0 || (t.rows > 0 && (t.cols != want || t.cells == nullptr))) {
    throw_invalid(where_ + ": input table " + name_ + " has " + std::to_string(t.cols) +
                  " columns" + (t.cells == nullptr ? " and no cells" : "") + "; expected " +
                  std::to_string(want));
  }
}

void InputTable::fail(std::int64_t r, int c, const std::string& what) const {
  throw Error(ErrorKind::DataException, where_ + ": input table " + name_ + " row " +
                                            std::to_string(r + 1) + ", column " +
                                            columns_[static_cast<std::size_t>(c)] + ": " + what);
}

std::string_view InputTable::key(std::int64_t r, int c) const {
  const char* s = t_.cell(r, c);
  if (s == nullptr || *s == '\0') fail(r, c, "is NULL or empty");
  return s;
}

double InputTable::number(std::int64_t r, int c) const {
  const char* s = t_.cell(r, c);
  if (s == nullptr) fail(r, c, "is NULL");
  const auto v = parse_number(s);
  if (!v) fail(r, c, "\"" + std::string(utf8_prefix(s, 64)) + "\" is not a number");
  return *v;
}

double InputTable::count(std::int64_t r, int c) const {
  const double v = number(r, c);
  if (v < 0) fail(r, c, number_text(v) + " is negative");
  return v;
}

const char* InputTable::optional_number(std::int64_t r, int c) const {
  const char* s = t_.cell(r, c);
  if (s == nullptr || *s == '\0') return nullptr;
  if (!parse_number(s) && !is_non_finite_spelling(s)) {
    fail(r, c, "\"" + std::string(utf8_prefix(s, 64)) + "\" is not a number");
  }
  return s;
}

std::int64_t InputTable::time(std::int64_t r, int c) const {
  const std::string_view s = key(r, c);
  const auto v = parse_number(s);
  if (!v) fail(r, c, "\"" + std::string(utf8_prefix(s, 64)) + "\" is not a Unix time in seconds");
  if (!unix_to_serial(*v)) {
    fail(r, c, "\"" + std::string(s) + "\" is outside Excel's dates (1900-01-01 .. 9999-12-31)");
  }
  return std::llround(*v);
}

}  // namespace pp::report::detail
