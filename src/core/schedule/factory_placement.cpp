#include "core/schedule/factory_placement.h"

#include <algorithm>

namespace pp::factory {

Placement place_after(const CalendarTimeline& cal, bool resumable, Time unit_free, Time ready, Seconds setup,
                      Seconds duration) {
  Placement p;
  p.setup = setup;
  const Seconds total = setup + duration;
  if (!resumable && total <= cal.longest_interval()) {
    p.resumable_layout = false;
    p.setup_start = cal.fit(std::max(unit_free, ready - setup), total);
    p.start = p.setup_start + setup;
    p.end = p.start + duration;
    return p;
  }
  p.fits = resumable;
  const Time setup_done = cal.finish(unit_free, setup);
  p.start = std::max(ready, setup_done);
  if (duration > 0) p.start = cal.next_working(p.start);
  p.end = cal.finish(p.start, duration);
  // The latest setup window ending at start: it begins at or after unit_free
  // because [unit_free, setup_done) already holds `setup` working seconds.
  p.setup_start = cal.latest_start(p.start, setup);
  return p;
}

std::optional<Time> setup_start_before(const CalendarTimeline& cal, bool resumable_layout, Time start, Time end,
                                       Seconds setup) {
  if (resumable_layout) return cal.latest_start(start, setup);
  const Time s = start - setup;
  if (!cal.inside_one_interval(s, std::max(end, start))) return std::nullopt;
  return s;
}

}  // namespace pp::factory
