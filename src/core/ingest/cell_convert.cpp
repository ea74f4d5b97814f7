// Cell -> typed staging field (staging_detail.h), with the forms real exports
// use: numbers as text, decimal commas, "NULL" literals, error cells, dates as
// serials (1900 or 1904 system) or as text in several layouts.
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/common/civil_time.h"
#include "core/ingest/staging_detail.h"

namespace pp::ingest::detail {

namespace {

using Kind = xlsx::CellValue::Kind;

constexpr const char* kBadNumber = "bad_number";
constexpr const char* kBadDate = "bad_date";
constexpr const char* kBadFlag = "bad_flag";

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view lower_b) {
  if (a.size() != lower_b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower_b[i]) return false;
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

Field bad(const char* reason, const char* why) {
  Field f;
  f.state = Field::State::Bad;
  f.reason = reason;
  f.why = why;
  return f;
}

Field value_text(std::string_view t) {
  Field f;
  f.state = Field::State::Value;
  f.text = t;
  return f;
}

Field value_int(std::int64_t v) {
  Field f;
  f.state = Field::State::Value;
  f.integer = v;
  return f;
}

Field value_real(double v) {
  Field f;
  f.state = Field::State::Value;
  f.real = v;
  return f;
}

// A whole number in int32 range (sequence, shift, severity).
Field integral(double v) {
  if (!std::isfinite(v) || v != std::trunc(v)) return bad(kBadNumber, "a whole number");
  if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max())
    return bad(kBadNumber, "a whole number within -2147483648..2147483647");
  return value_int(static_cast<std::int64_t>(v));
}

Field flag_of(double v) {
  if (v == 0) return value_int(0);
  if (v == 1) return value_int(1);
  return bad(kBadFlag, "a flag: 0/1, true/false, yes/no or sim/nao");
}

Field timestamp_of_serial(double serial, xlsx::DateSystem sys) {
  if (auto t = xlsx::excel_serial_to_unix(serial, sys)) return value_int(*t);
  return bad(kBadDate, "a date-time: an Excel date serial or text YYYY-MM-DD HH:MM:SS / DD/MM/YYYY HH:MM");
}

// Reads 1..max digits at s[p]; at least `min`.
bool read_digits(std::string_view s, std::size_t& p, int min, int max, int& out) {
  int n = 0, v = 0;
  while (p < s.size() && n < max && is_digit(s[p])) {
    v = v * 10 + (s[p] - '0');
    ++p;
    ++n;
  }
  if (n < min) return false;
  if (p < s.size() && is_digit(s[p])) return false;  // more digits than allowed
  out = v;
  return true;
}

}  // namespace

std::string_view trim(std::string_view s) {
  for (;;) {
    if (!s.empty() && is_ascii_space(s.front())) {
      s.remove_prefix(1);
    } else if (s.size() >= 2 && static_cast<unsigned char>(s[0]) == 0xC2 && static_cast<unsigned char>(s[1]) == 0xA0) {
      s.remove_prefix(2);
    } else {
      break;
    }
  }
  for (;;) {
    if (!s.empty() && is_ascii_space(s.back())) {
      s.remove_suffix(1);
    } else if (s.size() >= 2 && static_cast<unsigned char>(s[s.size() - 2]) == 0xC2 &&
               static_cast<unsigned char>(s[s.size() - 1]) == 0xA0) {
      s.remove_suffix(2);
    } else {
      break;
    }
  }
  return s;
}

bool is_null_literal(std::string_view t) { return iequals(t, "null"); }

NumberParse parse_number_text(std::string_view s, double& out) {
  if (s.empty() || s.size() > 64) return NumberParse::Bad;
  std::size_t commas = 0, dots = 0, comma_at = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ',') {
      ++commas;
      comma_at = i;
    } else if (s[i] == '.') {
      ++dots;
    }
  }
  char buf[66];
  std::size_t n = 0;
  std::size_t start = 0;
  if (s[0] == '+') {
    start = 1;  // from_chars takes no '+'
    if (s.size() == 1 || s[1] == '-' || s[1] == '+') return NumberParse::Bad;
  }
  if (commas > 0) {
    if (commas > 1 || dots > 0) return NumberParse::Ambiguous;
    // 1-3 digits not starting with 0, the comma, exactly 3 digits: a thousands
    // separator as much as a decimal comma.
    std::size_t int_begin = start;
    if (int_begin < s.size() && s[int_begin] == '-') ++int_begin;
    const std::size_t int_digits = comma_at - int_begin;
    bool all_digits = true;
    for (std::size_t i = int_begin; i < s.size(); ++i)
      if (i != comma_at && !is_digit(s[i])) all_digits = false;
    if (all_digits && int_digits >= 1 && int_digits <= 3 && s[int_begin] != '0' && s.size() - comma_at - 1 == 3)
      return NumberParse::Ambiguous;
  }
  for (std::size_t i = start; i < s.size(); ++i) buf[n++] = s[i] == ',' ? '.' : s[i];
  double v = 0;
  const auto r = std::from_chars(buf, buf + n, v, std::chars_format::general);
  if (r.ec != std::errc() || r.ptr != buf + n || !std::isfinite(v)) return NumberParse::Bad;
  // from_chars accepts "inf"/"nan" (rejected above) and nothing but decimal
  // forms otherwise; require a digit so "." or "e5" cannot pass.
  bool digit = false;
  for (std::size_t i = 0; i < n && !digit; ++i) digit = is_digit(buf[i]);
  if (!digit) return NumberParse::Bad;
  out = v;
  return NumberParse::Ok;
}

std::optional<xlsx::UnixTime> parse_datetime_text(std::string_view s) {
  // Fast path: the workbook's own "YYYY-MM-DD HH:MM:SS" / "YYYY-MM-DD".
  if (s.size() == xlsx::kDateTimeTextLength || s.size() == 10) {
    if (auto t = xlsx::parse_datetime(s)) return t;
  }
  CivilTime c;
  c.hour = c.minute = c.second = 0;
  std::size_t p = 0;
  int first = 0;
  const std::size_t p0 = p;
  if (!read_digits(s, p, 1, 4, first) || p >= s.size()) return std::nullopt;
  const std::size_t first_len = p - p0;
  const char sep = s[p];
  if (first_len == 4 && (sep == '-' || sep == '/')) {
    c.year = first;
    ++p;
    if (!read_digits(s, p, 1, 2, c.month) || p >= s.size() || s[p] != sep) return std::nullopt;
    ++p;
    if (!read_digits(s, p, 1, 2, c.day)) return std::nullopt;
  } else if (first_len <= 2 && (sep == '/' || sep == '-' || sep == '.')) {
    c.day = first;
    ++p;
    if (!read_digits(s, p, 1, 2, c.month) || p >= s.size() || s[p] != sep) return std::nullopt;
    ++p;
    if (!read_digits(s, p, 4, 4, c.year)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  bool round_up = false;
  if (p < s.size()) {
    if (s[p] == 'T') {
      ++p;
    } else if (s[p] == ' ') {
      while (p < s.size() && s[p] == ' ') ++p;
    } else {
      return std::nullopt;
    }
    if (!read_digits(s, p, 1, 2, c.hour) || p >= s.size() || s[p] != ':') return std::nullopt;
    ++p;
    if (!read_digits(s, p, 2, 2, c.minute)) return std::nullopt;
    if (p < s.size() && s[p] == ':') {
      ++p;
      if (!read_digits(s, p, 2, 2, c.second)) return std::nullopt;
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        const std::size_t f0 = p;
        while (p < s.size() && is_digit(s[p])) ++p;
        if (p == f0 || p - f0 > 9) return std::nullopt;
        round_up = s[f0] >= '5';
      }
    }
    if (p < s.size() && s[p] == 'Z') ++p;
    if (p != s.size()) return std::nullopt;
  }
  auto t = xlsx::checked_unix_from_civil(c);
  if (t && round_up) ++*t;
  return t;
}

Field convert_cell(const xlsx::CellValue& cell, ColumnType type, xlsx::DateSystem sys, char* scratch) {
  Field f;
  if (cell.kind == Kind::Empty) return f;
  if (cell.kind == Kind::Error) {
    f.error_cell = true;
    return f;
  }
  std::string_view text;
  if (cell.kind == Kind::Text) {
    text = trim(cell.text);
    if (text.empty() || is_null_literal(text)) return f;
  }
  switch (type) {
    case ColumnType::Text:
    case ColumnType::Id:
      switch (cell.kind) {
        case Kind::Text:
          return value_text(text);
        case Kind::Bool:
          return value_text(cell.number != 0 ? "TRUE" : "FALSE");
        case Kind::DateTime:
          if (type == ColumnType::Text) {
            const std::size_t n = xlsx::format_datetime(cell.unix_seconds, scratch);
            if (n != 0) return value_text(std::string_view(scratch, n));
          }
          [[fallthrough]];
        default:
          return value_text(std::string_view(scratch, xlsx::format_number(cell.number, scratch)));
      }
    case ColumnType::Integer:
      if (cell.kind != Kind::Text) return integral(cell.number);
      {
        // Fast path: plain digits.
        std::int64_t v = 0;
        const char* b = text.data();
        const char* e = b + text.size();
        if (*b != '+') {
          const auto r = std::from_chars(b, e, v);
          if (r.ec == std::errc() && r.ptr == e) return integral(static_cast<double>(v));
        }
        double d = 0;
        switch (parse_number_text(text, d)) {
          case NumberParse::Ok:
            return integral(d);
          case NumberParse::Ambiguous:
            return bad(kBadNumber, "a whole number (the separator is ambiguous)");
          default:
            return bad(kBadNumber, "a whole number");
        }
      }
    case ColumnType::Real:
      if (cell.kind != Kind::Text) return value_real(cell.number);
      {
        double d = 0;
        switch (parse_number_text(text, d)) {
          case NumberParse::Ok:
            return value_real(d);
          case NumberParse::Ambiguous:
            return bad(kBadNumber, "a number (\"1,234\" could be 1234 or 1.234: write 1234 or 1.234)");
          default:
            return bad(kBadNumber, "a number such as 2.7 or 2,7");
        }
      }
    case ColumnType::Flag:
      if (cell.kind != Kind::Text) return flag_of(cell.number);
      if (text.size() <= 10) {
        static constexpr std::string_view kTrue[] = {"1", "true", "t", "yes", "y", "sim", "s", "verdadeiro"};
        static constexpr std::string_view kFalse[] = {"0", "false", "f", "no", "n", "nao", "n\xc3\xa3o", "falso"};
        char low[10];
        for (std::size_t i = 0; i < text.size(); ++i) low[i] = lower(text[i]);
        // "NÃO": fold the capital Ã (C3 83) to ã (C3 A3).
        for (std::size_t i = 0; i + 1 < text.size(); ++i)
          if (low[i] == '\xc3' && low[i + 1] == '\x83') low[i + 1] = '\xa3';
        const std::string_view l(low, text.size());
        for (std::string_view t : kTrue)
          if (l == t) return value_int(1);
        for (std::string_view t : kFalse)
          if (l == t) return value_int(0);
      }
      {
        double d = 0;
        if (parse_number_text(text, d) == NumberParse::Ok) return flag_of(d);
      }
      return bad(kBadFlag, "a flag: 0/1, true/false, yes/no or sim/nao");
    case ColumnType::Timestamp:
      switch (cell.kind) {
        case Kind::DateTime:
          return value_int(cell.unix_seconds);
        case Kind::Number:
          return timestamp_of_serial(cell.number, sys);
        case Kind::Text: {
          if (auto t = parse_datetime_text(text)) return value_int(*t);
          double d = 0;
          if (parse_number_text(text, d) == NumberParse::Ok) return timestamp_of_serial(d, sys);
          return bad(kBadDate,
                     "a date-time: YYYY-MM-DD HH:MM:SS, YYYY-MM-DD, DD/MM/YYYY HH:MM[:SS] or an Excel serial");
        }
        default:
          return bad(kBadDate, "a date-time, not a boolean");
      }
  }
  return f;
}

void append_copy_escaped(std::string& out, std::string_view text) {
  std::size_t from = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char* esc = nullptr;
    switch (c) {
      case '\\':
        esc = "\\\\";
        break;
      case '\t':
        esc = "\\t";
        break;
      case '\n':
        esc = "\\n";
        break;
      case '\r':
        esc = "\\r";
        break;
      default:
        continue;
    }
    out.append(text.data() + from, i - from);
    out.append(esc, 2);
    from = i + 1;
  }
  out.append(text.data() + from, text.size() - from);
}

void append_copy_field(std::string& out, const Field& f, ColumnType type) {
  if (f.state != Field::State::Value) {
    out.append(kCopyNull);
    return;
  }
  char buf[40];
  switch (type) {
    case ColumnType::Text:
    case ColumnType::Id:
      append_copy_escaped(out, f.text);
      break;
    case ColumnType::Integer: {
      const auto r = std::to_chars(buf, buf + sizeof buf, f.integer);
      out.append(buf, r.ptr);
      break;
    }
    case ColumnType::Real: {
      const auto r = std::to_chars(buf, buf + sizeof buf, f.real);
      out.append(buf, r.ptr);
      break;
    }
    case ColumnType::Flag:
      out.push_back(f.integer != 0 ? 't' : 'f');
      break;
    case ColumnType::Timestamp: {
      const std::size_t n = xlsx::format_datetime(f.integer, buf);
      if (n == 0) {
        append_timestamptz(out, f.integer);
        break;
      }
      std::memcpy(buf + n, "+00", 3);
      out.append(buf, n + 3);
      break;
    }
  }
}

void append_cell_text(std::string& out, const xlsx::CellValue& cell) {
  switch (cell.kind) {
    case Kind::Empty:
      break;
    case Kind::Text:
    case Kind::Error:
      out.append(cell.text);
      break;
    case Kind::Bool:
      out.append(cell.number != 0 ? "TRUE" : "FALSE");
      break;
    case Kind::DateTime: {
      char buf[xlsx::kDateTimeTextLength];
      const std::size_t n = xlsx::format_datetime(cell.unix_seconds, buf);
      if (n != 0) {
        out.append(buf, n);
        break;
      }
      xlsx::format_number_as_text(cell.number, out);
      break;
    }
    case Kind::Number:
      xlsx::format_number_as_text(cell.number, out);
      break;
  }
}

}  // namespace pp::ingest::detail
