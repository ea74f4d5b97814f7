// The active period method (src/core/bottleneck/active_periods): active
// periods of single- and multi-unit stations, and sole / shifting
// bottleneck time on constructed event logs whose shares are worked out by
// hand in the comments.
#include "core/bottleneck/active_periods.h"
#include "core/common/errors.h"

#include <gtest/gtest.h>

namespace test_bottleneck {

using namespace pp::bottleneck;

namespace {
const pp::CancelToken kNoCancel;
}

TEST(ActivePeriods, SingleAndMultiUnitStations) {
  // Station 0 (1 unit): back-to-back work is one period; a gap ends it.
  // Station 1 (2 units): saturated only while both units work.
  const std::vector<Busy> busy{{0, 0, 5}, {0, 5, 10}, {0, 12, 20}, {1, 0, 10}, {1, 5, 15}, {1, 14, 30}, {1, 16, 18}};
  const auto sat = active_periods(busy, {1, 2}, ActiveMode::Saturated, 0, 100, kNoCancel);
  ASSERT_EQ(sat[0].size(), 2u);
  EXPECT_EQ(sat[0][0].start, 0);
  EXPECT_EQ(sat[0][0].end, 10);
  EXPECT_EQ(sat[0][1].start, 12);
  ASSERT_EQ(sat[1].size(), 3u);
  EXPECT_EQ(sat[1][0].start, 5);
  EXPECT_EQ(sat[1][0].end, 10);
  EXPECT_EQ(sat[1][1].start, 14);
  EXPECT_EQ(sat[1][1].end, 15);
  EXPECT_EQ(sat[1][2].start, 16);
  EXPECT_EQ(sat[1][2].end, 18);
  const auto any = active_periods(busy, {1, 2}, ActiveMode::Any, 0, 100, kNoCancel);
  ASSERT_EQ(any[1].size(), 1u);
  EXPECT_EQ(any[1][0].end, 30);
  // The window clips.
  const auto clipped = active_periods(busy, {1, 2}, ActiveMode::Any, 3, 25, kNoCancel);
  EXPECT_EQ(clipped[1][0].start, 3);
  EXPECT_EQ(clipped[1][0].end, 25);
  EXPECT_THROW(active_periods(busy, {1, 0}, ActiveMode::Any, 0, 100, kNoCancel), pp::Error);
  EXPECT_THROW(active_periods(busy, {1}, ActiveMode::Any, 0, 100, kNoCancel), pp::Error);
  EXPECT_THROW(active_periods(busy, {1, 2}, ActiveMode::Any, 5, 5, kNoCancel), pp::Error);
}

TEST(ShiftingBottleneck, HandWorkedTwoStations) {
  // A active [0, 40) and [50, 60); B active [30, 90); window [0, 100).
  // Momentary bottleneck: A on [0, 30) (only A), then B (60 > 40 > 10) on
  // [30, 90), nobody on [90, 100). The hand-over A -> B at 30: A's [0, 40)
  // and B's [30, 90) overlap on [30, 40): shifting for both.
  //   A: sole 30, shifting 10;  B: sole 60 - 10 = 50, shifting 10.
  const std::vector<std::vector<Period>> p{{{0, 40}, {50, 60}}, {{30, 90}}};
  const auto t = shifting_bottleneck(p, 0, 100, kNoCancel);
  EXPECT_DOUBLE_EQ(t.stations[0].sole_seconds, 30);
  EXPECT_DOUBLE_EQ(t.stations[0].shifting_seconds, 10);
  EXPECT_DOUBLE_EQ(t.stations[1].sole_seconds, 50);
  EXPECT_DOUBLE_EQ(t.stations[1].shifting_seconds, 10);
  EXPECT_DOUBLE_EQ(t.no_bottleneck_seconds, 10);
  EXPECT_DOUBLE_EQ(t.stations[0].active_seconds, 50);
  EXPECT_EQ(t.stations[0].periods, 2);
  EXPECT_DOUBLE_EQ(t.stations[0].mean_period_seconds, 25);
}

TEST(ShiftingBottleneck, HandWorkedThreeStationsWithBackAndForth) {
  // A [0, 50), B [40, 110), C [100, 130), A [120, 200); window [0, 200).
  // Lengths: A1 50, B 70, C 30, A2 80.
  // [0, 40) A1; [40, 110) B (70 > 50, then alone, then 70 > 30);
  // [110, 120) C; [120, 200) A2 (80 > 30).
  // Hand-overs: A1 -> B at 40: overlap [40, 50); B -> C at 110: B [40, 110)
  // and C [100, 130) overlap [100, 110); C -> A2 at 120: [120, 130).
  //   A: momentary [0, 40) + [120, 200) = 120, shifting [40, 50) + [120, 130)
  //      = 20, of which momentary [120, 130): sole 110.
  //   B: momentary 70, shifting [40, 50) + [100, 110) = 20 (both inside its
  //      momentary time): sole 50.
  //   C: momentary [110, 120) = 10, shifting [100, 110) + [120, 130) = 20,
  //      none of it momentary: sole 10 (between two hand-overs it is the
  //      only bottleneck).
  const std::vector<std::vector<Period>> p{{{0, 50}, {120, 200}}, {{40, 110}}, {{100, 130}}};
  const auto t = shifting_bottleneck(p, 0, 200, kNoCancel);
  EXPECT_DOUBLE_EQ(t.stations[0].sole_seconds, 110);
  EXPECT_DOUBLE_EQ(t.stations[0].shifting_seconds, 20);
  EXPECT_DOUBLE_EQ(t.stations[1].sole_seconds, 50);
  EXPECT_DOUBLE_EQ(t.stations[1].shifting_seconds, 20);
  EXPECT_DOUBLE_EQ(t.stations[2].sole_seconds, 10);
  EXPECT_DOUBLE_EQ(t.stations[2].shifting_seconds, 20);
  EXPECT_DOUBLE_EQ(t.no_bottleneck_seconds, 0);
}

TEST(ShiftingBottleneck, TiesAndTouchingPeriods) {
  // Equal lengths: the lower station wins. Touching periods (A ends where B
  // starts) do not overlap: the hand-over is sole on both sides.
  const std::vector<std::vector<Period>> p{{{0, 10}}, {{10, 20}}, {{0, 10}}};
  const auto t = shifting_bottleneck(p, 0, 20, kNoCancel);
  EXPECT_DOUBLE_EQ(t.stations[0].sole_seconds, 10);
  EXPECT_DOUBLE_EQ(t.stations[2].sole_seconds, 0) << "tie goes to the lower station";
  EXPECT_DOUBLE_EQ(t.stations[0].shifting_seconds, 0);
  EXPECT_DOUBLE_EQ(t.stations[1].sole_seconds, 10);
  EXPECT_DOUBLE_EQ(t.stations[1].shifting_seconds, 0);
}

}  // namespace test_bottleneck
