// Working-time arithmetic of CalendarTimeline: hand-made cases (a weekend, a
// non-resumable wait, gaps, zero durations, the open tail) and a brute-force
// cross-check on random calendars.
#include "core/schedule/calendar_timeline.h"

#include <gtest/gtest.h>

#include <random>

namespace test_factory_calendar {

using namespace pp::factory;

namespace {

constexpr Time H = 3600, D = 86400;
// 2026-01-02 is a Friday; 2026-01-05 a Monday.
constexpr Time kFri = 1767312000, kMon = kFri + 3 * D;

CalendarTimeline two_shift_week() {
  std::vector<WorkInterval> v;
  for (Time day = kFri - 4 * D; day <= kMon + 4 * D; day += D) {
    const int wd = static_cast<int>(((day / D) + 3) % 7);  // 0 = Monday
    if (wd < 5) v.push_back({day + 6 * H, day + 22 * H});
  }
  return CalendarTimeline(v);
}

}  // namespace

TEST(CalendarTimeline, NoCalendarWorksAlways) {
  CalendarTimeline c;
  EXPECT_TRUE(c.always_working());
  EXPECT_EQ(c.next_working(123), 123);
  EXPECT_EQ(c.finish(100, 50), 150);
  EXPECT_EQ(c.working_seconds(100, 160), 60);
  EXPECT_EQ(c.fit(7, 1000), 7);
  EXPECT_EQ(c.latest_start(500, 100), 400);
  EXPECT_EQ(c.covered_end(), kFarFuture);
}

TEST(CalendarTimeline, ResumableWorkCrossesTheWeekend) {
  const CalendarTimeline c = two_shift_week();
  // 10 h from Friday 16:00: 6 h on Friday (to 22:00), 4 h on Monday from 06:00.
  EXPECT_EQ(c.finish(kFri + 16 * H, 10 * H), kMon + 10 * H);
  EXPECT_EQ(c.working_seconds(kFri + 16 * H, kMon + 10 * H), 10 * H);
  // Starting on Saturday waits for Monday 06:00.
  EXPECT_EQ(c.next_working(kFri + D + 12 * H), kMon + 6 * H);
  const WorkSpan w = c.schedule_work(kFri + D + 12 * H, 2 * H, true);
  EXPECT_EQ(w.start, kMon + 6 * H);
  EXPECT_EQ(w.end, kMon + 8 * H);
  // Backwards: 3 h ending Monday 07:00 began Friday 20:00.
  EXPECT_EQ(c.latest_start(kMon + 7 * H, 3 * H), kFri + 20 * H);
  // Work that ends exactly at a shift end ends there, not at the next start.
  EXPECT_EQ(c.finish(kFri + 20 * H, 2 * H), kFri + 22 * H);
}

TEST(CalendarTimeline, NonResumableWaitsForALongEnoughInterval) {
  const CalendarTimeline c({{0, 4 * H}, {5 * H, 7 * H}, {10 * H, 20 * H}, {30 * H, 33 * H}});
  EXPECT_EQ(c.fit(0, 5 * H), 10 * H);
  EXPECT_EQ(c.fit(H, 3 * H), H);
  EXPECT_EQ(c.fit(2 * H, 3 * H), 10 * H);   // 2 h left in the first, 2 h in the second
  EXPECT_EQ(c.fit(6 * H, 2 * H), 10 * H);
  EXPECT_EQ(c.fit(18 * H, 3 * H), 30 * H);
  const WorkSpan w = c.schedule_work(0, 5 * H, false);
  EXPECT_TRUE(w.fits);
  EXPECT_EQ(w.start, 10 * H);
  EXPECT_EQ(w.end, 15 * H);
  EXPECT_EQ(c.longest_interval(), 10 * H);
  EXPECT_TRUE(c.inside_one_interval(11 * H, 20 * H));
  EXPECT_FALSE(c.inside_one_interval(3 * H, 6 * H));
}

TEST(CalendarTimeline, LongerThanAnyIntervalFallsBackToResumable) {
  const CalendarTimeline c({{0, 4 * H}, {5 * H, 7 * H}, {10 * H, 12 * H}});
  const WorkSpan w = c.schedule_work(0, 7 * H, false);
  EXPECT_FALSE(w.fits);
  EXPECT_EQ(w.start, 0);
  EXPECT_EQ(w.end, 11 * H);
}

TEST(CalendarTimeline, GapsZeroDurationsAndTheOpenTail) {
  const CalendarTimeline c({{100, 200}, {300, 400}});
  EXPECT_EQ(c.next_working(0), 100);
  EXPECT_EQ(c.next_working(200), 300);
  EXPECT_EQ(c.next_working(250), 300);
  EXPECT_EQ(c.next_working(399), 399);
  EXPECT_EQ(c.working_seconds(150, 350), 100);
  EXPECT_EQ(c.working_seconds(350, 150), 0);
  EXPECT_EQ(c.finish(250, 0), 250);
  EXPECT_EQ(c.fit(250, 0), 250);
  EXPECT_EQ(c.schedule_work(250, 0, true).end, 250);
  // Past the last interval time counts as working (reported by the planner).
  EXPECT_EQ(c.covered_end(), 400);
  EXPECT_EQ(c.finish(350, 100), 450);
  EXPECT_EQ(c.fit(150, 500), 300);
  EXPECT_EQ(c.working_seconds(500, 600), 100);
}

TEST(CalendarTimeline, NormalizesUnsortedOverlappingAndTouchingIntervals) {
  const CalendarTimeline c({{300, 400}, {100, 200}, {150, 250}, {250, 260}, {500, 500}});
  EXPECT_EQ(c.working_seconds(0, 300), 160);
  EXPECT_EQ(c.fit(100, 160), 100);  // [100, 260) is one interval after merging
  EXPECT_EQ(c.longest_interval(), 160);
  const CalendarTimeline empty(std::vector<WorkInterval>{});
  EXPECT_EQ(empty.covered_end(), kFarPast);
  EXPECT_EQ(empty.finish(10, 5), 15);
}

TEST(CalendarTimeline, MatchesBruteForceOnRandomCalendars) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<WorkInterval> v;
    Time t = static_cast<Time>(rng() % 20);
    for (int i = 0; i < 30; ++i) {
      const Time a = t + static_cast<Time>(rng() % 15) + 1;
      const Time b = a + static_cast<Time>(rng() % 12) + 1;
      v.push_back({a, b});
      t = b;
    }
    const CalendarTimeline c(v);
    auto working = [&](Time x) {  // second [x, x+1) working (tail included)
      for (const auto& w : v)
        if (w.start <= x && x < w.end) return true;
      return x >= v.back().end;
    };
    for (int q = 0; q < 50; ++q) {
      const Time s = static_cast<Time>(rng() % (t + 10));
      const Seconds d = static_cast<Seconds>(rng() % 25);
      // Resumable end: count d working seconds.
      Time e = s;
      for (Seconds left = d; left > 0; ++e)
        if (working(e)) --left;
      EXPECT_EQ(c.finish(s, d), e) << "finish " << s << " " << d;
      // Non-resumable: first x >= s with d consecutive working seconds.
      Time x = s;
      while (true) {
        bool ok = true;
        for (Time y = x; y < x + d; ++y) ok &= working(y);
        // touching intervals merge, so consecutive working seconds is the criterion
        if (ok) break;
        ++x;
      }
      EXPECT_EQ(c.fit(s, d), x) << "fit " << s << " " << d;
      Seconds ws = 0;
      for (Time y = s; y < s + d; ++y) ws += working(y);
      EXPECT_EQ(c.working_seconds(s, s + d), ws);
    }
  }
}

}  // namespace test_factory_calendar
