// The values the streaming xlsx reader hands out, one row at a time.
#pragma once
#include "core/common/core_only.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pp::xlsx {

struct CellValue {
  enum class Kind : std::uint8_t {
    Empty,     // no cell, a cell without a value, or a formula without a cached value
    Number,    // t="n" (or none): `number`
    Text,      // shared string (t="s"), inline string, formula string result (t="str"): `text`
    Bool,      // t="b": `number` is 0 or 1
    Error,     // t="e": `text` is the error code ("#N/A", "#DIV/0!", ...); read it as NULL
    DateTime,  // a number whose cell format is a date-time: `unix_seconds` (UTC, rounded to
               // the second, the workbook's date system applied); `number` keeps the serial
  };
  Kind kind = Kind::Empty;
  double number = 0;
  std::int64_t unix_seconds = 0;
  // Text or Error. Valid only during the row callback (it points into the
  // reader's buffers). Shared strings are UTF-8 with "_xHHHH_" escapes decoded.
  std::string_view text;

  bool empty() const { return kind == Kind::Empty; }
};

struct Row {
  std::uint32_t row_number;  // 1-based, as in the sheet
  // index = column (0-based: A = 0); Empty where the sheet has no value;
  // size = last non-empty column + 1 (never 0 for a row handed out).
  const std::vector<CellValue>& cells;
};

// The shortest text that reads back as the same double (std::to_chars), with
// integral values below 1e16 in magnitude written as integers ("133626", not
// "133626.0" nor "1.33626e+05"; "1000000000000000"): what a number cell holding
// an id must become. -0 is "-0"; non-finite values (never in a cell) are "nan",
// "inf", "-inf". Appends to out.
void format_number_as_text(double value, std::string& out);
// Same, into buf (at least kNumberTextMax bytes, no terminator); returns the length.
inline constexpr std::size_t kNumberTextMax = 32;
std::size_t format_number(double value, char* buf);

// "A", "B", ..., "Z", "AA", ..., "XFD" for 0-based column indexes.
std::string column_name(std::uint32_t column);
// "B7" for row 7 (1-based), column 1 (0-based).
std::string cell_reference(std::uint32_t row_number, std::uint32_t column);

}  // namespace pp::xlsx
