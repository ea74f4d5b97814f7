#include "core/jobs/job_policy.h"

#include "core/common/errors.h"

#include <algorithm>
#include <limits>

namespace pp::jobs {

namespace {

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  // b >= 0 here: delays and intervals are never negative.
  return a > kNever - b ? kNever : a + b;
}

// The time after which the schedule's next fire time is the job's nominal
// due time (see job_policy.h for why each anchor).
std::int64_t anchor(const CronSchedule& schedule, const JobState& state) {
  if (schedule.is_interval()) return std::max({state.created_at, state.last_scheduled, state.last_finished});
  const std::int64_t created =
      state.created_at == std::numeric_limits<std::int64_t>::min() ? state.created_at : state.created_at - 1;
  return std::max(state.last_scheduled, created);
}

}  // namespace

std::int64_t backoff_delay(const BackoffPolicy& policy, int consecutive_failures) {
  if (policy.base_seconds < 0)
    throw_invalid("backoff base_seconds " + std::to_string(policy.base_seconds) + " must be >= 0");
  if (policy.cap_seconds < 0)
    throw_invalid("backoff cap_seconds " + std::to_string(policy.cap_seconds) + " must be >= 0");
  if (consecutive_failures <= 0 || policy.base_seconds == 0) return 0;
  // Double until the cap is reached; at most 63 doublings before any int64
  // would pass the cap, so the loop is short and never overflows.
  std::int64_t delay = policy.base_seconds;
  for (int i = 1; i < consecutive_failures && delay < policy.cap_seconds; ++i) {
    if (delay > policy.cap_seconds / 2) return policy.cap_seconds;
    delay *= 2;
  }
  return std::min(delay, policy.cap_seconds);
}

std::int64_t next_due(const CronSchedule& schedule, const JobState& state, const BackoffPolicy& backoff) {
  if (!state.enabled || state.running) return kNever;
  const std::int64_t nominal = schedule.next_after(anchor(schedule, state));
  if (nominal == kNever) return kNever;
  return saturating_add(nominal, backoff_delay(backoff, state.consecutive_failures));
}

std::int64_t latest_fire_at_or_before(const CronSchedule& schedule, std::int64_t after, std::int64_t now) {
  if (now <= after || schedule.next_after(after) > now) return after;
  // now - after can exceed int64 (after < 0 < now); as uint64 it is exact,
  // and C++20 converts back to int64 modulo 2^64.
  const auto span = [](std::int64_t a, std::int64_t b) {  // b - a for a <= b
    return static_cast<std::uint64_t>(b) - static_cast<std::uint64_t>(a);
  };
  const auto plus = [](std::int64_t a, std::uint64_t k) {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + k);
  };
  if (schedule.is_interval()) {
    const auto i = static_cast<std::uint64_t>(schedule.interval_seconds());
    return plus(after, span(after, now) / i * i);
  }
  // Largest x in [after, now) with next_after(x) <= now: then next_after(x)
  // is the latest fire time <= now (a later one f' would give x' = the fire
  // before it, > x, with next_after(x') <= now). Invariant: P(lo), !P(hi).
  std::int64_t lo = after, hi = now;
  while (span(lo, hi) > 1) {
    const std::int64_t mid = plus(lo, span(lo, hi) / 2);
    if (schedule.next_after(mid) <= now)
      lo = mid;
    else
      hi = mid;
  }
  return schedule.next_after(lo);
}

Decision decide(const CronSchedule& schedule, const JobState& state, std::int64_t now, const BackoffPolicy& backoff) {
  Decision d;
  if (!state.enabled || state.running) return d;
  const std::int64_t after = anchor(schedule, state);
  const std::int64_t nominal = schedule.next_after(after);
  if (nominal == kNever) return d;
  const std::int64_t due = saturating_add(nominal, backoff_delay(backoff, state.consecutive_failures));
  if (now < due) {
    d.scheduled_for = nominal;
    d.wake_at = due;
    return d;
  }
  d.run_now = true;
  // Cron: collapse every missed fire time into this one run. Interval: the
  // next due time comes from the end of this run, so the nominal one is kept.
  d.scheduled_for = schedule.is_interval() ? nominal : latest_fire_at_or_before(schedule, after, now);
  d.wake_at = now;
  return d;
}

}  // namespace pp::jobs
