// The scheduler's decisions: first runs, missed runs collapsed into one late
// run, no overlap, disabled jobs, backoff growth and cap, interval anchoring,
// and latest_fire_at_or_before against a step-by-step search.
// Times are Unix seconds (UTC), checked with `date -u -d @N`.
#include "core/jobs/job_policy.h"

#include "core/common/errors.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace test_job_policy {

namespace {

using pp::jobs::BackoffPolicy;
using pp::jobs::CronSchedule;
using pp::jobs::Decision;
using pp::jobs::JobState;
using pp::jobs::kNever;

constexpr std::int64_t kMinute = 60, kHour = 3600, kDay = 86400;
// 2026-06-01 10:00:00 UTC.
constexpr std::int64_t k10h = 1780308000;
constexpr std::int64_t k09h = 1780304400;  // 09:00
constexpr std::int64_t k12h = 1780315200;  // 12:00
constexpr std::int64_t k13h = 1780318800;  // 13:00

JobState created(std::int64_t at) {
  JobState s;
  s.created_at = at;
  return s;
}

TEST(JobPolicy, CronJobFirstFiresAtOrAfterCreation) {
  const CronSchedule hourly = CronSchedule::parse("@hourly");
  // Created exactly at a fire time: that one counts.
  Decision d = decide(hourly, created(k10h), k10h);
  EXPECT_TRUE(d.run_now);
  EXPECT_EQ(d.scheduled_for, k10h);
  EXPECT_EQ(d.wake_at, k10h);
  // Created a second later: the next hour.
  d = decide(hourly, created(k10h + 1), k10h + 1);
  EXPECT_FALSE(d.run_now);
  EXPECT_EQ(d.scheduled_for, k10h + kHour);
  EXPECT_EQ(d.wake_at, k10h + kHour);
  EXPECT_EQ(next_due(hourly, created(k10h + 1)), k10h + kHour);
}

TEST(JobPolicy, MissedCronRunsRunOnceLate) {
  const CronSchedule hourly = CronSchedule::parse("@hourly");
  JobState s = created(k09h - kDay);
  s.last_scheduled = k09h;  // ran at 09:00; then the server was down until 12:30
  EXPECT_EQ(next_due(hourly, s), k10h);  // the earliest missed fire time
  const std::int64_t now = k12h + 30 * kMinute;
  Decision d = decide(hourly, s, now);
  ASSERT_TRUE(d.run_now);
  EXPECT_EQ(d.scheduled_for, k12h);  // 10:00 and 11:00 are folded into it
  // The worker records the run; 13:00 is next.
  s.last_scheduled = d.scheduled_for;
  d = decide(hourly, s, now);
  EXPECT_FALSE(d.run_now);
  EXPECT_EQ(d.scheduled_for, k13h);
  EXPECT_EQ(d.wake_at, k13h);
}

TEST(JobPolicy, SimulatedOutageRunsEachJobOnce) {
  // A worker polling every 10 s from 09:00:05 to 12:59:55 that was down from
  // 09:30 to 12:30 starts @hourly once at 09:00 (late by 5 s), once for the
  // outage (at 12:30, for 12:00), and never more.
  const CronSchedule hourly = CronSchedule::parse("@hourly");
  JobState s = created(k09h - kHour + 1);
  int runs = 0;
  std::int64_t last = 0;
  for (std::int64_t now = k09h + 5; now < k13h; now += 10) {
    if (now > k09h + 30 * kMinute && now < k12h + 30 * kMinute) continue;  // down
    const Decision d = decide(hourly, s, now);
    if (!d.run_now) continue;
    ++runs;
    last = now;
    s.last_scheduled = d.scheduled_for;
    s.last_finished = now + 1;
  }
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(s.last_scheduled, k12h);
  EXPECT_EQ(last, k12h + 30 * kMinute + 5);  // the first poll after the outage
}

TEST(JobPolicy, MonthLongOutageOfAMinutelyJobRunsOnce) {
  const CronSchedule minutely = CronSchedule::parse("* * * * *");
  JobState s = created(k10h - kDay);
  s.last_scheduled = k10h;
  const std::int64_t now = k10h + 30 * kDay + 17;  // 2026-07-01 10:00:17
  const Decision d = decide(minutely, s, now);
  ASSERT_TRUE(d.run_now);
  EXPECT_EQ(d.scheduled_for, 1782900000);  // 2026-07-01 10:00
  s.last_scheduled = d.scheduled_for;
  EXPECT_FALSE(decide(minutely, s, now).run_now);
}

TEST(JobPolicy, RunningJobNeverOverlapsItself) {
  const CronSchedule minutely = CronSchedule::parse("* * * * *");
  JobState s = created(k09h);
  s.last_scheduled = k09h;
  s.running = true;  // started at 09:00, still running at 12:00
  const Decision d = decide(minutely, s, k12h);
  EXPECT_FALSE(d.run_now);
  EXPECT_EQ(d.wake_at, kNever);
  EXPECT_EQ(next_due(minutely, s), kNever);
  // Once it ends, the latest missed minute runs (once).
  s.running = false;
  EXPECT_EQ(next_due(minutely, s), k09h + kMinute);
  const Decision after = decide(minutely, s, k12h);
  EXPECT_TRUE(after.run_now);
  EXPECT_EQ(after.scheduled_for, k12h);
}

TEST(JobPolicy, DisabledJobIsNeverDue) {
  const CronSchedule minutely = CronSchedule::parse("* * * * *");
  JobState s = created(k09h);
  s.enabled = false;
  const Decision d = decide(minutely, s, k12h);
  EXPECT_FALSE(d.run_now);
  EXPECT_EQ(d.scheduled_for, kNever);
  EXPECT_EQ(d.wake_at, kNever);
  EXPECT_EQ(next_due(minutely, s), kNever);
  EXPECT_FALSE(decide(CronSchedule::parse("1 second"), s, k12h).run_now);
}

TEST(JobPolicy, BackoffDoublesFromBaseUpToCap) {
  const BackoffPolicy b;  // 10 s, capped at 1 hour
  EXPECT_EQ(backoff_delay(b, -1), 0);
  EXPECT_EQ(backoff_delay(b, 0), 0);
  EXPECT_EQ(backoff_delay(b, 1), 10);
  EXPECT_EQ(backoff_delay(b, 2), 20);
  EXPECT_EQ(backoff_delay(b, 3), 40);
  EXPECT_EQ(backoff_delay(b, 9), 2560);
  EXPECT_EQ(backoff_delay(b, 10), 3600);  // 5120 capped
  EXPECT_EQ(backoff_delay(b, 1000000), 3600);
  // No overflow when the cap is out of reach of int64 doubling.
  const BackoffPolicy huge{1, std::numeric_limits<std::int64_t>::max()};
  EXPECT_EQ(backoff_delay(huge, 63), std::int64_t{1} << 62);
  EXPECT_EQ(backoff_delay(huge, 64), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(backoff_delay(huge, 1000), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(backoff_delay(BackoffPolicy{0, 3600}, 5), 0);
  EXPECT_THROW(backoff_delay(BackoffPolicy{-1, 3600}, 1), pp::Error);
  EXPECT_THROW(backoff_delay(BackoffPolicy{10, -1}, 1), pp::Error);
}

TEST(JobPolicy, BackoffDelaysTheDueTime) {
  const CronSchedule hourly = CronSchedule::parse("@hourly");
  JobState s = created(k09h);
  s.last_scheduled = k10h;
  s.consecutive_failures = 3;  // 40 s
  EXPECT_EQ(next_due(hourly, s), k10h + kHour + 40);
  Decision d = decide(hourly, s, k10h + kHour + 39);
  EXPECT_FALSE(d.run_now);
  EXPECT_EQ(d.scheduled_for, k10h + kHour);
  EXPECT_EQ(d.wake_at, k10h + kHour + 40);
  d = decide(hourly, s, k10h + kHour + 40);
  EXPECT_TRUE(d.run_now);
  EXPECT_EQ(d.scheduled_for, k10h + kHour);
  // A custom policy: 1 minute doubling, capped at 5 minutes; 4 failures -> 5 min.
  s.consecutive_failures = 4;
  EXPECT_EQ(next_due(hourly, s, BackoffPolicy{60, 300}), k10h + kHour + 300);
  // A minutely job failing for long waits the cap, then catches up once.
  const CronSchedule minutely = CronSchedule::parse("* * * * *");
  s.consecutive_failures = 20;
  EXPECT_EQ(next_due(minutely, s), k10h + kMinute + kHour);
  d = decide(minutely, s, k10h + kMinute + kHour);
  EXPECT_TRUE(d.run_now);
  EXPECT_EQ(d.scheduled_for, k10h + kMinute + kHour);  // 11:01, the latest minute
}

TEST(JobPolicy, IntervalIsAnchoredOnTheEndOfThePreviousRun) {
  const CronSchedule every5 = CronSchedule::parse("5 minutes");
  JobState s = created(1000);
  // First run: one interval after creation.
  EXPECT_EQ(next_due(every5, s), 1300);
  EXPECT_FALSE(decide(every5, s, 1299).run_now);
  Decision d = decide(every5, s, 1300);
  ASSERT_TRUE(d.run_now);
  EXPECT_EQ(d.scheduled_for, 1300);
  s.last_scheduled = d.scheduled_for;
  s.running = true;
  EXPECT_FALSE(decide(every5, s, 1700).run_now);  // a slow run: no second one
  // It ends at 2000: the next is at 2300, not 1600 (no pile-up).
  s.running = false;
  s.last_finished = 2000;
  d = decide(every5, s, 2000);
  EXPECT_FALSE(d.run_now);
  EXPECT_EQ(d.wake_at, 2300);
  // Down until 100000: one run, then one interval after its end.
  d = decide(every5, s, 100000);
  ASSERT_TRUE(d.run_now);
  EXPECT_EQ(d.scheduled_for, 2300);
  s.last_scheduled = d.scheduled_for;
  s.last_finished = 100010;
  EXPECT_EQ(next_due(every5, s), 100310);
  // A crash mid-run left no end time: one interval after the start.
  JobState crashed = created(1000);
  crashed.last_scheduled = 1300;
  EXPECT_EQ(next_due(every5, crashed), 1600);
  // Failures add the backoff to the interval: 2 failures, 20 s.
  s.consecutive_failures = 2;
  EXPECT_EQ(next_due(every5, s), 100330);
}

TEST(JobPolicy, LatestFireAtOrBefore) {
  const CronSchedule quarter = CronSchedule::parse("*/15 * * * *");
  EXPECT_EQ(latest_fire_at_or_before(quarter, k10h, k10h + kHour - 1), k10h + 45 * kMinute);
  EXPECT_EQ(latest_fire_at_or_before(quarter, k10h, k10h + kHour), k10h + kHour);
  EXPECT_EQ(latest_fire_at_or_before(quarter, k10h, k10h + 15 * kMinute - 1), k10h);  // none: after itself
  EXPECT_EQ(latest_fire_at_or_before(quarter, k10h, k10h - 5), k10h);
  const CronSchedule every5 = CronSchedule::parse("5 minutes");
  // Fires at 1300, 1600, 1900, 2200, 2500, ...
  EXPECT_EQ(latest_fire_at_or_before(every5, 1000, 2499), 2200);
  EXPECT_EQ(latest_fire_at_or_before(every5, 1000, 2500), 2500);
  EXPECT_EQ(latest_fire_at_or_before(every5, 1000, 1299), 1000);
  // Against stepping fire by fire over 12 days, for several shapes.
  for (const char* text : {"* * * * *", "7 * * * *", "0 0 13 * FRI", "30 4 * * 1-5", "0 0 29 2 *", "1 second"}) {
    const CronSchedule s = CronSchedule::parse(text);
    for (std::int64_t now = k10h + 1; now < k10h + 12 * kDay; now += 3 * kHour + 13) {
      std::int64_t expected = k10h;
      if (s.is_interval())
        expected = now;  // every second fires
      else
        for (std::int64_t f = s.next_after(k10h); f <= now; f = s.next_after(f)) expected = f;
      ASSERT_EQ(latest_fire_at_or_before(s, k10h, now), expected) << text << " now " << now;
    }
  }
}

}  // namespace

}  // namespace test_job_policy
