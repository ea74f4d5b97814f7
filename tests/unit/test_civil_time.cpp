#include "core/common/civil_time.h"

#include <gtest/gtest.h>

namespace test_civil_time {

namespace {

TEST(CivilTime, KnownInstants) {
  EXPECT_EQ(pp::days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(pp::days_from_civil(2000, 3, 1), 11017);
  std::string s;
  pp::append_datetime(s, 1794787200);
  EXPECT_EQ(s, "2026-11-16 00:00:00");
  s.clear();
  pp::append_timestamptz(s, 951782399);  // the last second of 2000-02-28
  EXPECT_EQ(s, "2000-02-28 23:59:59+00");
  EXPECT_EQ(pp::iso_weekday(1794787200), 1);  // a Monday
  EXPECT_EQ(pp::iso_weekday(0), 4);           // 1970-01-01 was a Thursday
}

TEST(CivilTime, RoundTripsEveryDayOverFourCenturies) {
  // Covers leap years, century non-leap years and 2000 (a leap century), and
  // negative times before 1970.
  for (std::int64_t day = -200000; day < 150000; day += 1) {
    const std::int64_t t = day * 86400 + (day % 86400 + 86400) % 86400;
    const pp::CivilTime c = pp::civil_from_unix(t);
    ASSERT_EQ(pp::unix_from_civil(c), t) << "day " << day;
    ASSERT_GE(c.month, 1);
    ASSERT_LE(c.month, 12);
    ASSERT_GE(c.day, 1);
    ASSERT_LE(c.day, 31);
  }
}

TEST(CivilTime, NegativeSecondsBelongToThePreviousDay) {
  const pp::CivilTime c = pp::civil_from_unix(-1);
  EXPECT_EQ(c.year, 1969);
  EXPECT_EQ(c.month, 12);
  EXPECT_EQ(c.day, 31);
  EXPECT_EQ(c.hour, 23);
  EXPECT_EQ(c.minute, 59);
  EXPECT_EQ(c.second, 59);
  EXPECT_EQ(pp::iso_weekday(-1), 3);  // Wednesday
}

}  // namespace

}  // namespace test_civil_time
