// CronSchedule: the three forms (cron fields, macros, intervals), every kind
// of parse error, and next_after over month and year ends, leap years, the
// Vixie day-of-month / day-of-week rule, steps, ranges, names and 7 = Sunday.
// Expected times are Unix seconds (UTC) checked with `date -u -d @N`.
#include "core/jobs/cron_schedule.h"

#include "core/common/errors.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace test_cron_schedule {

namespace {

using pp::jobs::CronSchedule;
using pp::jobs::kNever;

constexpr std::int64_t kMinute = 60, kHour = 3600, kDay = 86400;

// 2026-01-01 00:00:00 UTC, a Thursday.
constexpr std::int64_t kJan1 = 1767225600;
// 2026-06-01 10:00:00 UTC, a Monday.
constexpr std::int64_t kJune1At10 = 1780308000;

std::int64_t next(const char* text, std::int64_t t) { return CronSchedule::parse(text).next_after(t); }

// The fire times in (t, t + span], by repeated next_after.
std::vector<std::int64_t> fires(const char* text, std::int64_t t, std::int64_t span) {
  const CronSchedule s = CronSchedule::parse(text);
  std::vector<std::int64_t> out;
  for (std::int64_t f = s.next_after(t); f <= t + span; f = s.next_after(f)) out.push_back(f);
  return out;
}

// The minutes of the hour starting at hour_start at which the schedule fires.
std::vector<int> minutes_of_hour(const char* text, std::int64_t hour_start) {
  const CronSchedule s = CronSchedule::parse(text);
  std::vector<int> out;
  for (int m = 0; m < 60; ++m)
    if (s.fires_at(hour_start + m * kMinute)) out.push_back(m);
  return out;
}

// The message of the error parse throws ("" when it does not throw).
std::string parse_error(const char* text) {
  try {
    CronSchedule::parse(text);
  } catch (const pp::Error& e) {
    EXPECT_EQ(e.kind(), pp::ErrorKind::InvalidParameter);
    return e.what();
  }
  return "";
}

void expect_error(const char* text, const std::string& part) {
  const std::string message = parse_error(text);
  EXPECT_EQ(message.rfind("invalid schedule \"" + std::string(text) + "\": ", 0), 0u) << message;
  EXPECT_NE(message.find(part), std::string::npos) << "text: " << text << "\nmessage: " << message;
}

TEST(CronParse, FiveFieldsWithBlanksAroundAndBetween) {
  const CronSchedule s = CronSchedule::parse("  0   12 * *\t1-5 ");
  EXPECT_FALSE(s.is_interval());
  EXPECT_EQ(s.interval_seconds(), 0);
  EXPECT_EQ(s.describe(), "0 12 * * 1-5");
  // From Thursday 2026-01-01 00:00: the same day at 12:00 (1767268800).
  EXPECT_EQ(s.next_after(kJan1), kJan1 + 12 * kHour);
  // Then Friday 12:00, then (skipping the weekend) Monday 2026-01-05 12:00.
  EXPECT_EQ(s.next_after(kJan1 + 12 * kHour), kJan1 + kDay + 12 * kHour);
  EXPECT_EQ(s.next_after(kJan1 + kDay + 12 * kHour), kJan1 + 4 * kDay + 12 * kHour);
}

TEST(CronNextAfter, IsStrictlyAfterAndOnWholeMinutes) {
  EXPECT_EQ(next("* * * * *", kJan1 - 1), kJan1);
  EXPECT_EQ(next("* * * * *", kJan1), kJan1 + kMinute);
  EXPECT_EQ(next("* * * * *", kJan1 + 1), kJan1 + kMinute);
  EXPECT_EQ(next("* * * * *", kJan1 + 59), kJan1 + kMinute);
  // Before 1970 the minute is floored, not truncated toward zero.
  EXPECT_EQ(next("* * * * *", -1), 0);
  EXPECT_EQ(next("* * * * *", -61), -60);
  EXPECT_EQ(next("0 0 1 1 *", -1), 0);  // 1970-01-01 00:00
  EXPECT_TRUE(CronSchedule::parse("* * * * *").fires_at(kJan1));
  EXPECT_FALSE(CronSchedule::parse("* * * * *").fires_at(kJan1 + 30));
}

TEST(CronNextAfter, CrossesMonthAndYearEnds) {
  // From 2026-04-15 12:00 (1776254400): April has no 31st, so 2026-05-31 00:00.
  EXPECT_EQ(next("0 0 31 * *", 1776254400), 1780185600);
  // Then June is skipped too: 2026-07-31 00:00.
  EXPECT_EQ(next("0 0 31 * *", 1780185600), 1785456000);
  // 2026-12-31 23:30 (1798759800) -> 2027-12-31 23:30 (1830295800).
  EXPECT_EQ(next("30 23 31 12 *", 1798759800), 1830295800);
  // The last minute of 2026 -> the first of 2027 (1798761600).
  EXPECT_EQ(next("* * * * *", 1798761600 - 60), 1798761600);
  EXPECT_EQ(next("0 0 1 * *", 1798761600 - 60), 1798761600);
}

TEST(CronNextAfter, FebruaryTwentyNinthOnlyInLeapYears) {
  // From 2026-03-01 (1772323200): 2028-02-29 00:00 (1835395200).
  EXPECT_EQ(next("0 0 29 2 *", 1772323200), 1835395200);
  // 2100 is not a leap year: from 2096-03-01 (3981398400), 2104-02-29 (4233686400).
  EXPECT_EQ(next("0 0 29 2 *", 3981398400), 4233686400);
  // Feb 29 that is also a Sunday (the day-of-week field starts with '*',
  // so both fields must match): 2028-02-29 is a Tuesday; 2032-02-29 (1961625600) a Sunday.
  EXPECT_EQ(next("0 0 29 2 */7", 1772323200), 1961625600);
}

TEST(CronNextAfter, DayOfMonthOrDayOfWeekWhenBothAreRestricted) {
  // Every 13th and every Friday. From Thursday 2026-01-01: Fri 2 (1767312000),
  // Fri 9 (1767916800), Tue 13 (1768262400), Fri 16 (1768521600).
  EXPECT_EQ(fires("0 0 13 * FRI", kJan1, 16 * kDay),
            (std::vector<std::int64_t>{1767312000, 1767916800, 1768262400, 1768521600}));
  // Only one field restricted: that one decides. Mondays: 2026-01-05 (1767571200).
  EXPECT_EQ(next("0 0 * * MON", kJan1), 1767571200);
  EXPECT_EQ(next("0 0 13 * *", kJan1), 1768262400);
  // Vixie: a field starting with '*' counts as unrestricted even with a step,
  // so "*/2" + MON means odd days that are Mondays: Jan 5 and Jan 19 (1768780800).
  EXPECT_EQ(fires("0 0 */2 * MON", kJan1, 20 * kDay), (std::vector<std::int64_t>{1767571200, 1768780800}));
  // Written as a range, the same days are restricted: odd days OR Mondays,
  // from 2025-12-31 23:59 (1767225540): Jan 1, Jan 3 (1767398400), Jan 5.
  EXPECT_EQ(fires("0 0 1-31/2 * MON", 1767225540, 5 * kDay),
            (std::vector<std::int64_t>{kJan1, 1767398400, 1767571200}));
}

TEST(CronNextAfter, StepsRangesAndLists) {
  const std::int64_t h = kJune1At10;
  EXPECT_EQ(minutes_of_hour("*/15 * * * *", h), (std::vector<int>{0, 15, 30, 45}));
  EXPECT_EQ(minutes_of_hour("10-30/10 * * * *", h), (std::vector<int>{10, 20, 30}));
  EXPECT_EQ(minutes_of_hour("5/20 * * * *", h), (std::vector<int>{5, 25, 45}));
  EXPECT_EQ(minutes_of_hour("0,7,59 * * * *", h), (std::vector<int>{0, 7, 59}));
  EXPECT_EQ(minutes_of_hour("1-3,50-52 * * * *", h), (std::vector<int>{1, 2, 3, 50, 51, 52}));
  EXPECT_EQ(minutes_of_hour("* 11 * * *", h), std::vector<int>{});  // h is 10:00
  // Every quarter hour from 9 to 17: from 10:00 the next is 10:15; from
  // 17:50 (1780336200) the next day's 09:00 (1780390800).
  EXPECT_EQ(next("*/15 9-17 * * *", h), h + 15 * kMinute);
  EXPECT_EQ(next("*/15 9-17 * * *", 1780336200), 1780390800);
  // No minute left in the hour: the first minute of the next listed hour.
  EXPECT_EQ(next("0,30 8,20 * * *", h), h + 10 * kHour);  // 20:00
  EXPECT_EQ(next("0,30 8,20 * * *", h + 10 * kHour + 30 * kMinute), h + 22 * kHour);  // 08:00 next day
}

TEST(CronNextAfter, MonthAndDayNamesInAnyCase) {
  const CronSchedule named = CronSchedule::parse("0 9 * jan,JUL Mon-fri");
  const CronSchedule numbered = CronSchedule::parse("0 9 * 1,7 1-5");
  EXPECT_EQ(named.describe(), "0 9 * JAN,JUL MON-FRI");
  // From 2026-02-01 (1769904000): Wed 2026-07-01 09:00 (1782896400), Thu 2 (1782982800).
  EXPECT_EQ(named.next_after(1769904000), 1782896400);
  EXPECT_EQ(named.next_after(1782896400), 1782982800);
  for (std::int64_t t = kJan1; t < kJan1 + 400 * kDay; t = named.next_after(t))
    ASSERT_EQ(named.next_after(t), numbered.next_after(t)) << t;
}

TEST(CronNextAfter, SevenIsSunday) {
  // From Thursday 2026-01-01: Sunday 2026-01-04 (1767484800).
  for (const char* text : {"0 0 * * 0", "0 0 * * 7", "0 0 * * sun", "0 0 * * SUN"})
    EXPECT_EQ(next(text, kJan1), 1767484800) << text;
  // 5-7: Friday, Saturday, Sunday, then Friday again.
  EXPECT_EQ(fires("0 0 * * 5-7", kJan1, 8 * kDay),
            (std::vector<std::int64_t>{kJan1 + kDay, kJan1 + 2 * kDay, kJan1 + 3 * kDay, kJan1 + 8 * kDay}));
}

TEST(CronParse, Macros) {
  const std::int64_t t = kJune1At10;  // Monday 2026-06-01 10:00
  struct Case {
    const char* text;
    const char* canonical;
    std::int64_t next;
  };
  for (const Case& c : {Case{"@yearly", "@yearly", 1798761600},    // 2027-01-01
                        Case{"@annually", "@yearly", 1798761600},
                        Case{"@monthly", "@monthly", 1782864000},  // 2026-07-01
                        Case{"@weekly", "@weekly", 1780790400},    // Sunday 2026-06-07
                        Case{"@daily", "@daily", 1780358400},      // 2026-06-02
                        Case{"@midnight", "@daily", 1780358400},
                        Case{" @DAILY ", "@daily", 1780358400},
                        Case{"@hourly", "@hourly", t + kHour}}) {
    const CronSchedule s = CronSchedule::parse(c.text);
    EXPECT_FALSE(s.is_interval()) << c.text;
    EXPECT_EQ(s.describe(), c.canonical) << c.text;
    EXPECT_EQ(s.next_after(t), c.next) << c.text;
  }
}

TEST(CronParse, Intervals) {
  struct Case {
    const char* text;
    std::int64_t seconds;
    const char* canonical;
  };
  for (const Case& c : {Case{"30 seconds", 30, "30 seconds"}, Case{"1 second", 1, "1 second"},
                        Case{"45 sec", 45, "45 seconds"}, Case{"5 min", 300, "5 minutes"},
                        Case{"90 minutes", 5400, "90 minutes"}, Case{"120 MINUTES", 7200, "2 hours"},
                        Case{"1 hour", 3600, "1 hour"}, Case{"2 hours", 7200, "2 hours"},
                        Case{" 3   days ", 259200, "3 days"}, Case{"24 hours", 86400, "1 day"}}) {
    const CronSchedule s = CronSchedule::parse(c.text);
    EXPECT_TRUE(s.is_interval()) << c.text;
    EXPECT_EQ(s.interval_seconds(), c.seconds) << c.text;
    EXPECT_EQ(s.describe(), c.canonical) << c.text;
    EXPECT_EQ(s.next_after(1000), 1000 + c.seconds) << c.text;
    EXPECT_EQ(CronSchedule::parse(s.describe()).interval_seconds(), c.seconds) << c.text;
  }
  EXPECT_EQ(CronSchedule::parse("10 days").next_after(kNever - 5), kNever);  // saturates
}

TEST(CronParse, ErrorsSayWhatWhereAndWhatWasExpected) {
  expect_error("", "the schedule is empty");
  expect_error("   ", "the schedule is empty");
  expect_error("0 0 * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 6");
  expect_error("0 0 *", "expected 5 fields (minute hour day-of-month month day-of-week), got 3");
  expect_error("61 * * * *", "minute 61 is out of range 0-59");
  expect_error("0 24 * * *", "hour 24 is out of range 0-23");
  expect_error("0 0 0 * *", "day-of-month 0 is out of range 1-31");
  expect_error("0 0 * 13 *", "month 13 is out of range 1-12");
  expect_error("0 0 * * 8", "day-of-week 8 is out of range 0-7");
  expect_error("0 0 * * 1-9", "day-of-week 9 is out of range 0-7");
  expect_error("99999999999 * * * *", "minute 99999999999 is out of range 0-59");
  expect_error("*/0 * * * *", "minute step \"0\" in \"*/0\" must be an integer 1-60");
  expect_error("0 */25 * * *", "hour step \"25\" in \"*/25\" must be an integer 1-24");
  expect_error("1-5/x * * * *", "minute step \"x\" in \"1-5/x\" must be an integer 1-60");
  expect_error("0 5-3 * * *", "hour range \"5-3\" is reversed: 5 > 3");
  expect_error("0 0 * * FRI-MON", "day-of-week range \"FRI-MON\" is reversed: 5 > 1");
  expect_error("0 0 * FOO *", "unknown month name \"FOO\" (expected JAN-DEC or 1-12)");
  expect_error("0 0 * * funday", "unknown day-of-week name \"funday\" (expected SUN-SAT or 0-7)");
  expect_error("JAN 0 * * *", "minute \"JAN\" is not a number (expected 0-59)");
  expect_error("1x * * * *", "minute \"1x\" is not a number");
  expect_error("1,,2 * * * *", "minute field \"1,,2\" has an empty list element");
  expect_error("0 0 1- * *", "day-of-month \"1-\" lacks a number");
  expect_error("@reboot", "unknown macro \"@reboot\"");
  expect_error("@daily 5", "unknown macro");
  expect_error("0 seconds", "interval count \"0\" must be a positive integer");
  expect_error("-5 minutes", "interval count \"-5\" must be a positive integer");
  expect_error("1.5 hours", "interval count \"1.5\" must be a positive integer");
  expect_error("5 fortnights", "unknown interval unit \"fortnights\" (expected seconds, minutes, hours or days)");
  expect_error("99999999999999999999 days", "is too long");
  expect_error("0 0 30 2 *", "never fires: day-of-month \"30\" does not occur in month \"2\"");
  expect_error("0 0 31 4,6,9,11 *", "never fires: day-of-month \"31\" does not occur in month \"4,6,9,11\"");
  expect_error("0 0 30,31 FEB */2", "never fires");
}

TEST(CronParse, RestrictedWeekdaysRescueAnImpossibleDay) {
  // April 31 never comes, but with both fields restricted Mondays still fire:
  // from 2026-01-01 the first is Monday 2026-04-06 (1775433600).
  EXPECT_EQ(next("0 0 31 4 MON", kJan1), 1775433600);
}

TEST(CronNextAfter, EndsWithYear9999) {
  // 9999-12-31 23:59 (253402300740) is the last supported fire time.
  EXPECT_EQ(next("* * * * *", 253402300740 - 60), 253402300740);
  EXPECT_EQ(next("* * * * *", 253402300740), kNever);
  EXPECT_EQ(next("* * * * *", kNever - 1), kNever);
  // After 9996-03-01 (253281254400) the next Feb 29 would be in 10000.
  EXPECT_EQ(next("0 0 29 2 *", 253281254400), kNever);
}

TEST(CronNextAfter, SparseSchedulesStayFast) {
  // Every Feb 29 that is a Sunday up to year 9999: 260 of them (one every
  // 28 years or so, irregular across century years that are not leap). A
  // minute-by-minute search would visit 4 billion minutes.
  const CronSchedule s = CronSchedule::parse("0 0 29 2 */7");
  std::int64_t t = s.next_after(1078012800 - 1);
  EXPECT_EQ(t, 1078012800);  // 2004-02-29 00:00, a Sunday
  int count = 0;
  for (; t != kNever; ++count) {
    const std::int64_t u = s.next_after(t);
    ASSERT_GT(u, t);
    t = u;
  }
  EXPECT_EQ(count, 260);
}

}  // namespace

}  // namespace test_cron_schedule
