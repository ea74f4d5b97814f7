#include "core/xlsx/excel_dates.h"

#include <charconv>
#include <cmath>

namespace pp::xlsx {

namespace {

constexpr bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// 1899-12-31: day 0 of the 1900 system for serials below 60.
constexpr UnixTime kExcel1900EarlyEpoch = kExcel1900Epoch + kSecondsPerDay;

void put2(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

// Reads exactly n decimal digits.
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::optional<double> unix_to_excel_serial(UnixTime t, DateSystem sys) {
  if (t > kExcelLast) return std::nullopt;
  if (sys == DateSystem::k1904) {
    if (t < kExcel1904Epoch) return std::nullopt;
    return static_cast<double>(t - kExcel1904Epoch) / static_cast<double>(kSecondsPerDay);
  }
  if (t < kExcel1900First) return std::nullopt;
  const UnixTime epoch = t < kExcel1900March1 ? kExcel1900EarlyEpoch : kExcel1900Epoch;
  return static_cast<double>(t - epoch) / static_cast<double>(kSecondsPerDay);
}

std::optional<UnixTime> excel_serial_to_unix(double serial, DateSystem sys) {
  if (!std::isfinite(serial) || serial < 0) return std::nullopt;
  // Bound before converting so llround cannot overflow.
  if (serial > 3.0e6) return std::nullopt;
  const auto secs = static_cast<UnixTime>(std::llround(serial * static_cast<double>(kSecondsPerDay)));
  UnixTime t;
  if (sys == DateSystem::k1904) {
    t = kExcel1904Epoch + secs;
  } else {
    constexpr UnixTime kSerial60 = 60 * kSecondsPerDay;
    constexpr UnixTime kSerial61 = 61 * kSecondsPerDay;
    if (secs < kSecondsPerDay) return std::nullopt;                 // "1900-01-00"
    if (secs >= kSerial60 && secs < kSerial61) return std::nullopt;  // 1900-02-29
    t = (secs < kSerial60 ? kExcel1900EarlyEpoch : kExcel1900Epoch) + secs;
  }
  if (t > kExcelLast) return std::nullopt;
  return t;
}

bool serial_round_trips(double serial, UnixTime t, DateSystem sys) {
  // libxlsxwriter (Debian build, no dtoa) prints numbers with "%.16G";
  // to_chars with general/16 yields the same correctly rounded digits.
  char buf[64];
  const auto w = std::to_chars(buf, buf + sizeof buf, serial, std::chars_format::general, 16);
  if (w.ec != std::errc()) return false;
  double back = 0;
  const auto r = std::from_chars(buf, w.ptr, back);
  if (r.ec != std::errc()) return false;
  const auto u = excel_serial_to_unix(back, sys);
  return u && *u == t;
}

std::optional<UnixTime> checked_unix_from_civil(const CivilTime& c) {
  if (c.month < 1 || c.month > 12 || c.day < 1) return std::nullopt;
  if (static_cast<unsigned>(c.day) > days_in_month(c.year, static_cast<unsigned>(c.month)))
    return std::nullopt;
  if (c.hour < 0 || c.hour > 23 || c.minute < 0 || c.minute > 59 || c.second < 0 || c.second > 59)
    return std::nullopt;
  return unix_from_civil(c);
}

std::size_t format_datetime(UnixTime t, char* out) {
  // Year 0 starts at -62167219200, year 10000 at 253402300800.
  if (t < -62167219200LL || t > kExcelLast) return 0;
  const CivilTime c = civil_from_unix(t);
  put2(out, c.year / 100);
  put2(out + 2, c.year % 100);
  out[4] = '-';
  put2(out + 5, c.month);
  out[7] = '-';
  put2(out + 8, c.day);
  out[10] = ' ';
  put2(out + 11, c.hour);
  out[13] = ':';
  put2(out + 14, c.minute);
  out[16] = ':';
  put2(out + 17, c.second);
  return kDateTimeTextLength;
}

std::optional<UnixTime> parse_datetime(std::string_view s) {
  if (s.size() != 10 && s.size() != kDateTimeTextLength) return std::nullopt;
  CivilTime c;
  if (!digits(s, 0, 4, c.year) || s[4] != '-' || !digits(s, 5, 2, c.month) || s[7] != '-' ||
      !digits(s, 8, 2, c.day))
    return std::nullopt;
  c.hour = c.minute = c.second = 0;
  if (s.size() == kDateTimeTextLength) {
    if ((s[10] != ' ' && s[10] != 'T') || !digits(s, 11, 2, c.hour) || s[13] != ':' ||
        !digits(s, 14, 2, c.minute) || s[16] != ':' || !digits(s, 17, 2, c.second))
      return std::nullopt;
  }
  return checked_unix_from_civil(c);
}

}  // namespace pp::xlsx
