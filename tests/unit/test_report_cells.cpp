// The report writers' text helpers (src/core/report/report_cells.h).
#include "core/report/report_cells.h"

#include "test_report_helpers.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace test_report_cells {

using namespace pp::report::detail;

namespace {

TEST(ReportCells, Numbers) {
  EXPECT_EQ(parse_number("12"), 12.0);
  EXPECT_EQ(parse_number("-0.5"), -0.5);
  EXPECT_EQ(parse_number("1e+20"), 1e20);
  EXPECT_EQ(parse_number("1767225600.000000"), 1767225600.0);
  for (const char* bad : {"", " 1", "1 ", "+1", "1,5", "0x10", "1e", "abc", "NaN", "inf", "Infinity", "1e400"}) {
    EXPECT_FALSE(parse_number(bad)) << bad;
  }
  EXPECT_TRUE(is_non_finite_spelling("NaN"));
  EXPECT_TRUE(is_non_finite_spelling("-infinity"));
  EXPECT_FALSE(is_non_finite_spelling("nan"));
  EXPECT_EQ(number_text(0.1), "0.1");
  EXPECT_EQ(number_text(3), "3");
  EXPECT_EQ(parse_bool("t"), true);
  EXPECT_EQ(parse_bool("false"), false);
  EXPECT_FALSE(parse_bool("1"));
}

TEST(ReportCells, Times) {
  using pp::test::report::at;
  EXPECT_DOUBLE_EQ(*unix_text_to_serial("0"), 25569.0);
  EXPECT_DOUBLE_EQ(*unix_text_to_serial(std::to_string(at(2000, 1, 1, 6))), 36526.25);
  EXPECT_DOUBLE_EQ(*unix_text_to_serial("0.4"), 25569.0);  // rounded to the second
  EXPECT_DOUBLE_EQ(*unix_text_to_serial("86399.6"), 25570.0);
  EXPECT_FALSE(unix_text_to_serial("-2208988801"));  // before 1900-01-01
  EXPECT_TRUE(unix_text_to_serial("-2208988800"));
  EXPECT_FALSE(unix_text_to_serial("253402300800"));  // after 9999-12-31 23:59:59
  EXPECT_FALSE(unix_text_to_serial("1e300"));
  EXPECT_FALSE(unix_text_to_serial("2026-03-02"));
}

TEST(ReportCells, NaturalOrder) {
  std::vector<std::string> v = {"WC10", "WC2", "10", "2", "a", "WC02", "007", "7", "", "WC2b", "B"};
  std::sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) { return natural_less(a, b); });
  EXPECT_EQ(v, (std::vector<std::string>{"", "2", "7", "007", "10", "B", "WC2", "WC02", "WC2b", "WC10", "a"}));
  EXPECT_FALSE(natural_less("x1", "x1"));
  EXPECT_TRUE(natural_less("x", "x1"));
}

TEST(ReportCells, Utf8) {
  const std::string s = "a\xC3\xA7\xF0\x9F\x98\x80";  // a, c-cedilla, an emoji
  EXPECT_EQ(utf8_length(s), 3u);
  EXPECT_EQ(utf16_length(s), 4u);
  EXPECT_EQ(utf8_prefix(s, 2), "a");
  EXPECT_EQ(utf8_prefix(s, 3), "a\xC3\xA7");
  EXPECT_EQ(utf8_prefix(s, 6), "a\xC3\xA7");
  EXPECT_EQ(utf8_prefix(s, 7), s);
}

}  // namespace

}  // namespace test_report_cells
