// Where one operation (with its setup) lands on one unit, given the time the
// unit is free and the time the operation's material is ready. The setup
// occupies the unit's working time right before the operation starts; it may
// be done before the material is ready (the unit prepares while it waits) but
// never before the unit is free.
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/calendar_timeline.h"

#include <optional>

namespace pp::factory {

struct Placement {
  Time setup_start = 0;  // setup in [setup_start, start), operation in [start, end)
  Time start = 0;
  Time end = 0;
  Seconds setup = 0;
  bool fits = true;              // false: non-resumable work longer than any interval
  bool resumable_layout = true;  // laid out across intervals (resumable, or !fits)
};

// Earliest placement: setup then `duration` working seconds, the setup not
// before unit_free, the operation not before ready. Non-resumable: setup and
// operation together inside one working interval.
Placement place_after(const CalendarTimeline& cal, bool resumable, Time unit_free, Time ready, Seconds setup,
                      Seconds duration);

// The setup start of an already placed block [start, end) whose setup becomes
// `setup` seconds (start and end unchanged); nullopt when a non-resumable
// layout cannot take that setup inside the block's interval.
std::optional<Time> setup_start_before(const CalendarTimeline& cal, bool resumable_layout, Time start, Time end,
                                       Seconds setup);

}  // namespace pp::factory
