// A job's schedule: when it fires, as parsed from the text a user gives to the
// job scheduler. Three forms are accepted (surrounding whitespace and runs of
// blanks between fields are ignored):
//
//   cron      "minute hour day-of-month month day-of-week", each field a list
//             a,b,c of *, n, a-b, */s, a-b/s or a/s (= a-max/s). Months also
//             JAN-DEC, days of week SUN-SAT (any case); day of week 0-7, where
//             both 0 and 7 are Sunday. Ranges never wrap (5-3 is an error).
//   macros    @yearly = @annually = "0 0 1 1 *", @monthly = "0 0 1 * *",
//             @weekly = "0 0 * * 0", @daily = @midnight = "0 0 * * *",
//             @hourly = "0 * * * *".
//   interval  "N unit", N a positive integer, unit second(s)/sec(s),
//             minute(s)/min(s), hour(s), day(s) (any case).
//
// Day matching follows Vixie cron (and so pg_cron): when the day-of-month or
// the day-of-week field starts with '*' (e.g. "*" or "*/2"), a day must match
// both fields; when neither does, a day matches if EITHER matches, so
// "0 0 13 * FRI" fires on every 13th and on every Friday.
//
// All times are Unix seconds (int64) in UTC; cron fields are read in UTC and
// never through the process time zone. Cron schedules fire at whole minutes
// (second 0). Supported fire times end with year 9999; beyond that, and for
// interval schedules whose next time would overflow, next_after returns kNever.
#pragma once
#include "core/common/core_only.h"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace pp::jobs {

// "Never": no fire time (and, in job_policy, no wake-up) is ahead.
inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

class CronSchedule {
 public:
  // Throws pp::Error (InvalidParameter) whose message starts with
  // `invalid schedule "<text>": ` and says which field or word is wrong and
  // what was expected. Cron schedules that can never fire (a day of month no
  // listed month has, like "0 0 30 2 *") are rejected; Feb 29 is accepted.
  static CronSchedule parse(std::string_view text);

  bool is_interval() const noexcept { return interval_seconds_ > 0; }
  // The interval in seconds (> 0) of an interval schedule; 0 for cron.
  std::int64_t interval_seconds() const noexcept { return interval_seconds_; }

  // The first fire time strictly after t. Cron: the first whole UTC minute
  // > t whose fields match. Interval: t + interval; the caller chooses the
  // anchor t (see job_policy.h). kNever when there is none (see above).
  std::int64_t next_after(std::int64_t t) const;

  // Whether the schedule fires at t (cron: a matching whole minute; interval:
  // always, since an interval has no grid of its own).
  bool fires_at(std::int64_t t) const;

  // Canonical text that parses back to the same schedule: macros by their
  // first name (@annually -> @yearly, @midnight -> @daily); cron fields as
  // written, single-spaced, names upper-cased; intervals in the largest unit
  // that divides them ("90 minutes", "2 hours", "1 day").
  const std::string& describe() const noexcept { return canonical_; }

 private:
  CronSchedule() = default;
  bool day_matches(int year, int month, int day) const;

  // Interval schedules: the interval; cron schedules: 0 and the sets below.
  std::int64_t interval_seconds_ = 0;
  std::uint64_t minutes_ = 0;   // bit m set: fires at minute m (0-59)
  std::uint32_t hours_ = 0;     // bit h: hour h (0-23)
  std::uint32_t days_ = 0;      // bit d: day of month d (1-31)
  std::uint32_t months_ = 0;    // bit m: month m (1-12)
  std::uint32_t weekdays_ = 0;  // bit w: w = 0 Sunday ... 6 Saturday (7 folded into 0)
  bool day_star_ = false;       // the day-of-month field starts with '*'
  bool weekday_star_ = false;   // the day-of-week field starts with '*'
  std::string canonical_;
};

}  // namespace pp::jobs
