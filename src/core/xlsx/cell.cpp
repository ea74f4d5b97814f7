#include "core/xlsx/cell.h"

#include <charconv>
#include <cmath>

namespace pp::xlsx {

std::size_t format_number(double v, char* buf) {
  char* end = buf + kNumberTextMax;
  std::to_chars_result r;
  if (v == 0) {
    if (std::signbit(v)) {
      buf[0] = '-';
      buf[1] = '0';
      return 2;
    }
    buf[0] = '0';
    return 1;
  }
  if (std::isfinite(v) && std::fabs(v) < 1e16 && v == std::trunc(v)) {
    r = std::to_chars(buf, end, static_cast<long long>(v));
  } else {
    r = std::to_chars(buf, end, v);
  }
  return static_cast<std::size_t>(r.ptr - buf);
}

void format_number_as_text(double value, std::string& out) {
  char buf[kNumberTextMax];
  out.append(buf, format_number(value, buf));
}

std::string column_name(std::uint32_t column) {
  char buf[8];
  int n = 0;
  std::uint64_t c = static_cast<std::uint64_t>(column) + 1;
  while (c > 0 && n < 8) {
    const std::uint64_t rem = (c - 1) % 26;
    buf[n++] = static_cast<char>('A' + rem);
    c = (c - 1) / 26;
  }
  std::string s;
  while (n > 0) s.push_back(buf[--n]);
  return s;
}

std::string cell_reference(std::uint32_t row_number, std::uint32_t column) {
  return column_name(column) + std::to_string(row_number);
}

}  // namespace pp::xlsx
