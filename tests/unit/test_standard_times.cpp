// StandardTimeEstimator: each source (history with IQR trimming, the phase's
// coefficient model, the phase median, none), percentiles as SQL's
// percentile_cont, the product restriction, and the output order.
#include "core/planning/standard_times.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace test_standard_times {

namespace {

using pp::planning::StandardTime;
using pp::planning::StandardTimeEstimator;
using pp::planning::StandardTimeSource;

const double kNone = std::nan("");

const StandardTime* find(const std::vector<StandardTime>& v, const std::string& p, const std::string& w) {
  for (const auto& s : v)
    if (s.product_id == p && s.work_center_id == w) return &s;
  return nullptr;
}
// The result points into v: a temporary would be gone before it is read
// (AddressSanitizer found such a use after free here).
const StandardTime* find(std::vector<StandardTime>&& v, const std::string& p, const std::string& w) = delete;

TEST(StandardTimes, HistoryTrimsOutliersBeyondOneAndAHalfIqr) {
  StandardTimeEstimator e;
  // Sorted 10 11 12 13 100: q1 11, q3 13, fences 8 and 16; 100 is trimmed,
  // the median of 10..13 is 11.5.
  for (double m : {13.0, 100.0, 10.0, 12.0, 11.0}) e.add_completed("P1", "W1", kNone, m);
  const auto four = e.estimate(4);
  ASSERT_EQ(four.size(), 1u);
  EXPECT_EQ(four[0].source, StandardTimeSource::History);
  EXPECT_DOUBLE_EQ(four[0].minutes, 11.5);
  EXPECT_EQ(four[0].samples, 4);
  // Too few samples after trimming: the phase median of all five (12).
  const auto five = e.estimate(5);
  EXPECT_EQ(five[0].source, StandardTimeSource::PhaseMedian);
  EXPECT_DOUBLE_EQ(five[0].minutes, 12.0);
  EXPECT_EQ(five[0].samples, 4);
}

TEST(StandardTimes, PercentilesInterpolateBetweenRanks) {
  StandardTimeEstimator e;
  for (double m : {1.0, 2.0, 3.0, 4.0}) e.add_completed("P1", "W1", kNone, m);
  const auto v = e.estimate(1);
  EXPECT_DOUBLE_EQ(v[0].minutes, 2.5);
  EXPECT_EQ(v[0].samples, 4);
}

TEST(StandardTimes, CoefficientModelThenPhaseMedianThenNone) {
  StandardTimeEstimator e;
  // W2: minutes = 1 + 2 x coefficient over 15 operations of P1 (3 x min_samples).
  for (int x = 1; x <= 15; ++x) e.add_completed("P1", "W2", x, 1 + 2.0 * x);
  // W3: history without coefficients.
  for (double m : {5.0, 7.0, 9.0}) e.add_completed("P1", "W3", kNone, m);
  // P9 has no history; its routing lists W2 (coefficient 10, then a second
  // step of W2 whose coefficient is ignored), W3 and W4 (never run).
  e.add_routing_step("P9", "W2", 10);
  e.add_routing_step("P9", "W2", 99);
  e.add_routing_step("P9", "W3", 4);
  e.add_routing_step("P9", "W4", kNone);
  const auto v = e.estimate(5);
  const StandardTime* w2 = find(v, "P9", "W2");
  ASSERT_NE(w2, nullptr);
  EXPECT_EQ(w2->source, StandardTimeSource::Coefficient);
  EXPECT_NEAR(w2->minutes, 21.0, 1e-9);
  EXPECT_EQ(w2->samples, 0);
  const StandardTime* w3 = find(v, "P9", "W3");
  ASSERT_NE(w3, nullptr);
  EXPECT_EQ(w3->source, StandardTimeSource::PhaseMedian);  // no model on W3
  EXPECT_DOUBLE_EQ(w3->minutes, 7.0);
  const StandardTime* w4 = find(v, "P9", "W4");
  ASSERT_NE(w4, nullptr);
  EXPECT_EQ(w4->source, StandardTimeSource::None);
  EXPECT_TRUE(std::isnan(w4->minutes));
  // P1's own pairs come from history (15 and 3 samples; W3 has too few).
  EXPECT_EQ(find(v, "P1", "W2")->source, StandardTimeSource::History);
  EXPECT_DOUBLE_EQ(find(v, "P1", "W2")->minutes, 17.0);
  EXPECT_EQ(find(v, "P1", "W3")->source, StandardTimeSource::PhaseMedian);
  EXPECT_EQ(v.size(), 5u);
}

TEST(StandardTimes, ModelNeedsPositiveSlopeFitAndEnoughSamplesAndNeverGoesBelowAMinute) {
  StandardTimeEstimator falling;
  for (int x = 1; x <= 15; ++x) falling.add_completed("P1", "W", x, 100 - x);
  falling.add_routing_step("P9", "W", 3);
  const auto falling_times = falling.estimate(5);
  EXPECT_EQ(find(falling_times, "P9", "W")->source, StandardTimeSource::PhaseMedian);

  StandardTimeEstimator few;
  for (int x = 1; x <= 14; ++x) few.add_completed("P1", "W", x, 2.0 * x);
  few.add_routing_step("P9", "W", 3);
  const auto few_times = few.estimate(5);
  EXPECT_EQ(find(few_times, "P9", "W")->source, StandardTimeSource::PhaseMedian);

  StandardTimeEstimator noisy;  // r^2 far below 0.3
  for (int x = 1; x <= 30; ++x) noisy.add_completed("P1", "W", x, (x % 2 == 0 ? 100.0 : 1.0) + 0.01 * x);
  noisy.add_routing_step("P9", "W", 3);
  const auto noisy_times = noisy.estimate(5);
  EXPECT_EQ(find(noisy_times, "P9", "W")->source, StandardTimeSource::PhaseMedian);

  StandardTimeEstimator floor;  // a + b x c below 1 minute
  for (int x = 1; x <= 15; ++x) floor.add_completed("P1", "W", x, -50 + 10.0 * x);
  floor.add_routing_step("P9", "W", 0.5);
  const auto floor_times = floor.estimate(5);
  const auto* s = find(floor_times, "P9", "W");
  EXPECT_EQ(s->source, StandardTimeSource::Coefficient);
  EXPECT_DOUBLE_EQ(s->minutes, 1.0);
}

TEST(StandardTimes, RestrictionKeepsOnlyThoseProductsButModelsUseAllHistory) {
  StandardTimeEstimator e;
  e.restrict_to_products({"P9", "unknown"});
  for (double m : {5.0, 7.0, 9.0}) e.add_completed("P1", "W3", kNone, m);
  e.add_routing_step("P1", "W3", kNone);
  e.add_routing_step("P9", "W3", kNone);
  const auto v = e.estimate(5);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].product_id, "P9");
  EXPECT_EQ(v[0].source, StandardTimeSource::PhaseMedian);
  EXPECT_DOUBLE_EQ(v[0].minutes, 7.0);
}

TEST(StandardTimes, SortedByProductThenWorkCenterWithSourceNames) {
  StandardTimeEstimator e;
  e.add_routing_step("B", "W2", kNone);
  e.add_routing_step("A", "W9", kNone);
  e.add_completed("B", "W1", kNone, 3);
  const auto v = e.estimate(1);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].product_id + v[0].work_center_id, "AW9");
  EXPECT_EQ(v[1].product_id + v[1].work_center_id, "BW1");
  EXPECT_EQ(v[2].product_id + v[2].work_center_id, "BW2");
  EXPECT_STREQ(pp::planning::standard_time_source_name(v[0].source), "none");
  EXPECT_STREQ(pp::planning::standard_time_source_name(v[1].source), "history");
}

}  // namespace

}  // namespace test_standard_times
