// libFuzzer target: any text as a job schedule (cron fields, macros, "N
// seconds" intervals). A pp::Error is an expected outcome; a schedule that
// parses must describe itself as text that parses back to the same schedule,
// and its next fire times must move forward.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/common/errors.h"
#include "core/jobs/cron_schedule.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const pp::jobs::CronSchedule s = pp::jobs::CronSchedule::parse(text);
    const pp::jobs::CronSchedule again = pp::jobs::CronSchedule::parse(s.describe());
    if (again.describe() != s.describe()) std::abort();
    std::int64_t t = 1764460800;  // 2025-11-30 00:00 UTC
    for (int i = 0; i < 4; ++i) {
      const std::int64_t next = s.next_after(t);
      if (next == pp::jobs::kNever) break;
      if (next <= t || again.next_after(t) != next) std::abort();
      t = next;
    }
  } catch (const pp::Error&) {
  }
  return 0;
}
