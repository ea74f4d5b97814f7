// append_json_string: what the hand-built JSON documents rely on.
#include "core/common/json_text.h"

#include <gtest/gtest.h>

namespace test_json_text {

TEST(JsonText, QuotesAndEscapes) {
  std::string out;
  pp::append_json_string(out, std::string_view("a\"b\\c\n\x01 é", 10));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\u000a\\u0001 é\"");
}

}  // namespace test_json_text
