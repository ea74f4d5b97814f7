// Conversions between Unix seconds (UTC) and civil date-times, without the C
// library's time zone state (thread-safe, locale-free, identical everywhere).
// Algorithms after Howard Hinnant's public-domain "chrono-compatible low-level
// date algorithms".
#pragma once
#include "core/common/core_only.h"

#include <cstdint>
#include <string>

namespace pp {

struct CivilTime {
  int year = 1970, month = 1, day = 1;     // proleptic Gregorian
  int hour = 0, minute = 0, second = 0;
};

// Days since 1970-01-01 for a civil date (any year, month 1-12, day 1-31).
std::int64_t days_from_civil(int year, int month, int day) noexcept;
CivilTime civil_from_unix(std::int64_t unix_seconds) noexcept;
std::int64_t unix_from_civil(const CivilTime& t) noexcept;
// ISO weekday of a Unix time: 1 = Monday ... 7 = Sunday.
int iso_weekday(std::int64_t unix_seconds) noexcept;

// "YYYY-MM-DD HH:MM:SS" (the workbook's text form), appended to out.
void append_datetime(std::string& out, std::int64_t unix_seconds);
// "YYYY-MM-DD HH:MM:SS+00": PostgreSQL's timestamptz input form, UTC.
void append_timestamptz(std::string& out, std::int64_t unix_seconds);

}  // namespace pp
