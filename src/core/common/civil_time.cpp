#include "core/common/civil_time.h"

namespace pp {

std::int64_t days_from_civil(int year, int month, int day) noexcept {
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;                                     // [0, 399]
  const std::int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;  // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;             // [0, 146096]
  return era * 146097 + doe - 719468;
}

CivilTime civil_from_unix(std::int64_t unix_seconds) noexcept {
  std::int64_t days = unix_seconds / 86400;
  std::int64_t secs = unix_seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    days -= 1;
  }
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  CivilTime t;
  t.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  t.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  t.year = static_cast<int>(yoe + era * 400 + (t.month <= 2 ? 1 : 0));
  t.hour = static_cast<int>(secs / 3600);
  t.minute = static_cast<int>(secs / 60 % 60);
  t.second = static_cast<int>(secs % 60);
  return t;
}

std::int64_t unix_from_civil(const CivilTime& t) noexcept {
  return days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
}

int iso_weekday(std::int64_t unix_seconds) noexcept {
  std::int64_t days = unix_seconds / 86400;
  if (unix_seconds % 86400 < 0) days -= 1;
  // 1970-01-01 was a Thursday (ISO 4).
  std::int64_t w = (days + 3) % 7;
  if (w < 0) w += 7;
  return static_cast<int>(w) + 1;
}

namespace {
void put2(std::string& out, int v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}
void put_year(std::string& out, int y) {
  if (y < 0 || y > 9999) {  // outside what the workbook and PostgreSQL text forms use
    out += std::to_string(y);
    return;
  }
  put2(out, y / 100);
  put2(out, y % 100);
}
}  // namespace

void append_datetime(std::string& out, std::int64_t unix_seconds) {
  const CivilTime t = civil_from_unix(unix_seconds);
  put_year(out, t.year);
  out.push_back('-');
  put2(out, t.month);
  out.push_back('-');
  put2(out, t.day);
  out.push_back(' ');
  put2(out, t.hour);
  out.push_back(':');
  put2(out, t.minute);
  out.push_back(':');
  put2(out, t.second);
}

void append_timestamptz(std::string& out, std::int64_t unix_seconds) {
  append_datetime(out, unix_seconds);
  out += "+00";
}

}  // namespace pp
