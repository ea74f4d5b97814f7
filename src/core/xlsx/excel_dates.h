// Excel date serials and the workbook's text timestamps <-> Unix seconds (UTC).
//
// Shared by the workbook writer and the (future) workbook reader so the two
// agree to the second.
//
// Excel stores a date-time as a day count ("serial") with the time of day as
// the fraction. Two systems exist (workbook.xml <workbookPr date1904="1"/>):
//   * 1900 system (default): serial 1 = 1900-01-01. Excel keeps Lotus 1-2-3's
//     bug that 1900 was a leap year, so serial 60 is the fictitious 1900-02-29
//     and from serial 61 (1900-03-01) on, serial = days since 1899-12-30.
//     Serials 1..59 are days since 1899-12-31.
//   * 1904 system: serial 0 = 1904-01-01, no leap-year bug.
// Excel's last date is 9999-12-31 in both systems.
//
// All functions are pure, locale-free and thread-safe (no gmtime, no TZ).
// Civil date arithmetic is core/common/civil_time.h's.
#pragma once
#include "core/common/core_only.h"
#include "core/common/civil_time.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace pp::xlsx {

using UnixTime = std::int64_t;  // seconds since 1970-01-01 00:00:00 UTC

enum class DateSystem { k1900, k1904 };

inline constexpr UnixTime kSecondsPerDay = 86400;
// 1899-12-30 00:00:00 UTC: day 0 of the 1900 system for serials >= 61.
inline constexpr UnixTime kExcel1900Epoch = -2209161600;
// 1904-01-01 00:00:00 UTC: day 0 of the 1904 system.
inline constexpr UnixTime kExcel1904Epoch = -2082844800;
// 1900-01-01 00:00:00 UTC: the first day Excel can show (serial 1).
inline constexpr UnixTime kExcel1900First = -2208988800;
// 1900-03-01 00:00:00 UTC: serial 61, the first day after the fictitious
// 1900-02-29; from here on serial = (t - kExcel1900Epoch) / 86400.
inline constexpr UnixTime kExcel1900March1 = -2203891200;
// 9999-12-31 23:59:59 UTC: the last second Excel can show.
inline constexpr UnixTime kExcelLast = 253402300799;

// Unix seconds -> Excel serial (days with fraction). Returns nullopt when the
// instant has no serial in that system: before 1900-01-01 (1900 system) or
// 1904-01-01 (1904 system), or after 9999-12-31 23:59:59. Instants from
// 1900-01-01 to 1900-02-28 get Excel's serials 1..59 (bug-compatible);
// no instant maps to serial 60.
std::optional<double> unix_to_excel_serial(UnixTime t, DateSystem sys = DateSystem::k1900);

// Excel serial -> Unix seconds, rounded to the nearest whole second.
// Returns nullopt for NaN/inf, negative serials, the fictitious 1900-02-29
// (serials in [60, 61) of the 1900 system), serials below 1 in the 1900 system
// (Excel's "1900-01-00", i.e. a time of day with no date: the caller decides),
// and serials past 9999-12-31 23:59:59.
std::optional<UnixTime> excel_serial_to_unix(double serial, DateSystem sys = DateSystem::k1900);

// True when `serial` (as written by unix_to_excel_serial and then printed with
// at most 16 significant digits, as libxlsxwriter does) reads back as `t`.
// The writer checks this before writing a serial; it holds for every second
// of Excel's range (tested).
bool serial_round_trips(double serial, UnixTime t, DateSystem sys = DateSystem::k1900);

// pp::unix_from_civil (core/common/civil_time.h) with validation: nullopt when
// a field is out of range (month 1..12, day valid for the month and year,
// hour 0..23, minute 0..59, second 0..59).
std::optional<UnixTime> checked_unix_from_civil(const CivilTime& c);

// The workbook's text timestamp: "YYYY-MM-DD HH:MM:SS" (19 characters, no
// terminator written). Needs a year in 0..9999; returns 0 (nothing written) if
// the year is outside, else 19. `out` must hold at least 19 characters.
std::size_t format_datetime(UnixTime t, char* out);
inline constexpr std::size_t kDateTimeTextLength = 19;

// Parses exactly "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD" (midnight). Also accepts
// 'T' as the separator. Returns nullopt for anything else or an invalid date.
std::optional<UnixTime> parse_datetime(std::string_view text);

}  // namespace pp::xlsx
