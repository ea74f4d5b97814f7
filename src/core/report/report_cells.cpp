#include "core/report/report_cells.h"

#include "core/xlsx/excel_dates.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace pp::report::detail {

std::optional<double> parse_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double v = 0;
  const char* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, v, std::chars_format::general);
  // from_chars also reads "inf" and "nan": rejected by the finiteness test.
  if (r.ec != std::errc() || r.ptr != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool is_non_finite_spelling(std::string_view text) {
  return text == "NaN" || text == "Infinity" || text == "-Infinity" || text == "infinity" ||
         text == "-infinity";
}

std::optional<double> unix_to_serial(double unix_seconds) {
  if (!std::isfinite(unix_seconds)) return std::nullopt;
  // Checked before rounding so that llround cannot overflow.
  if (unix_seconds < static_cast<double>(xlsx::kExcel1900First) - 0.5 ||
      unix_seconds >= static_cast<double>(xlsx::kExcelLast) + 0.5) {
    return std::nullopt;
  }
  return xlsx::unix_to_excel_serial(static_cast<xlsx::UnixTime>(std::llround(unix_seconds)));
}

std::optional<double> unix_text_to_serial(std::string_view text) {
  const auto v = parse_number(text);
  if (!v) return std::nullopt;
  return unix_to_serial(*v);
}

std::optional<bool> parse_bool(std::string_view text) {
  if (text == "t" || text == "true") return true;
  if (text == "f" || text == "false") return false;
  return std::nullopt;
}

std::string number_text(double value) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, r.ptr);
}

namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  int zeros_tiebreak = 0;  // <0: a had fewer leading zeros in the first differing run
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      std::size_t za = i, zb = j;
      while (za < a.size() && a[za] == '0') ++za;
      while (zb < b.size() && b[zb] == '0') ++zb;
      std::size_t ea = za, eb = zb;
      while (ea < a.size() && is_digit(a[ea])) ++ea;
      while (eb < b.size() && is_digit(b[eb])) ++eb;
      // Same value iff the significant digits are the same.
      if (ea - za != eb - zb) return ea - za < eb - zb;
      const int c = a.substr(za, ea - za).compare(b.substr(zb, eb - zb));
      if (c != 0) return c < 0;
      if (zeros_tiebreak == 0 && (za - i) != (zb - j)) zeros_tiebreak = (za - i) < (zb - j) ? -1 : 1;
      i = ea;
      j = eb;
    } else {
      if (a[i] != b[j]) {
        return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      }
      ++i;
      ++j;
    }
  }
  const bool a_done = i == a.size(), b_done = j == b.size();
  if (a_done != b_done) return a_done;
  return zeros_tiebreak < 0;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;  // not a continuation byte
  }
  return n;
}

std::size_t utf16_length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;  // 4-byte sequences are surrogate pairs
  }
  return n;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t n = max_bytes;
  // Back off to the start of the sequence the cut would split.
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

}  // namespace pp::report::detail
