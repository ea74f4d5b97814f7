// The job scheduler's decisions, as pure functions of a job's schedule, its
// recorded state and the current time, so the background worker only
// executes them (start a run, record its state, sleep until the next wake).
//
// Rules (times are Unix seconds, int64, UTC):
//   - A disabled job is never due; a running job is never due again until its
//     run ends (no overlap), so neither has a wake time of its own: the end of
//     the run or re-enabling changes the state and the worker decides again.
//   - Cron: the job is due at the first fire time after
//     max(last_scheduled, created_at - 1), so a job created at a fire time
//     fires then. When the worker was away (server down) and several fire
//     times passed, the job runs ONCE, late: decide() reports the LATEST fire
//     time <= now as scheduled_for, and the worker records it as
//     last_scheduled, so the missed ones are skipped.
//   - Interval: the job is due one interval after
//     max(created_at, last_scheduled, last_finished): after the end of the
//     previous run (a slow job never piles up), after its start while no end
//     is recorded (a crash mid-run), and one interval after creation for the
//     first run. A late run also runs once: scheduled_for is the due time.
//   - After consecutive failures the due time moves later by
//     backoff_delay(failures); no jitter, so decisions are deterministic.
#pragma once
#include "core/common/core_only.h"

#include "core/jobs/cron_schedule.h"

#include <cstdint>

namespace pp::jobs {

struct BackoffPolicy {
  std::int64_t base_seconds = 10;   // the delay after the first failure, >= 0
  std::int64_t cap_seconds = 3600;  // the longest delay, >= 0
};

struct JobState {
  std::int64_t last_scheduled = 0;  // the schedule time of the last run started; 0 never
  std::int64_t created_at = 0;
  bool running = false;
  int consecutive_failures = 0;     // runs failed in a row since the last success
  std::int64_t last_finished = 0;   // when the last run ended; 0 never
  bool enabled = true;
};

struct Decision {
  bool run_now = false;
  // run_now: the schedule time to record as last_scheduled when the run
  // starts. Otherwise the schedule time the job waits for (kNever if none);
  // the run may start later than that by the backoff delay.
  std::int64_t scheduled_for = kNever;
  // When this decision can next change without a change of the state: now
  // when run_now, else the due time (backoff included), kNever for a disabled
  // or running job or a schedule that never fires again. The worker sleeps
  // until the minimum over its jobs (capped by its own poll interval).
  std::int64_t wake_at = kNever;
};

// min(base * 2^(failures - 1), cap), and 0 for failures <= 0; never
// overflows. Throws pp::Error (InvalidParameter) for a negative base or cap.
std::int64_t backoff_delay(const BackoffPolicy& policy, int consecutive_failures);

// The time the job becomes due (backoff included); kNever when it is
// disabled, running, or its schedule never fires again.
std::int64_t next_due(const CronSchedule& schedule, const JobState& state, const BackoffPolicy& backoff = {});

// The latest fire time f of the schedule with after < f <= now, or `after`
// itself when no fire time lies there (so recording the result as
// last_scheduled changes nothing). For an interval schedule the fire times
// are after + k x interval. O(log(now - after)) calls of next_after.
std::int64_t latest_fire_at_or_before(const CronSchedule& schedule, std::int64_t after, std::int64_t now);

Decision decide(const CronSchedule& schedule, const JobState& state, std::int64_t now,
                const BackoffPolicy& backoff = {});

}  // namespace pp::jobs
