// A complete schedule in the planner's internal form: one place per global
// operation id (see CompiledFactory), plus the placement order of the
// non-fixed operations (the search's encoding of that schedule).
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/factory_problem.h"

#include <cstdint>
#include <vector>

namespace pp::factory {

// Why an operation's place is not a normal one (bit flags).
enum OpFlag : std::uint8_t {
  kFlagDoesNotFit = 1,      // non-resumable, longer than any interval: laid out as resumable
  kFlagNoCapacity = 2,      // every alternative has 0 units: on no unit
  kFlagNoAlternative = 4,   // no alternative at all: on no unit
  kFlagInvalidFixed = 8,    // fixed placement on a missing unit / work center, or end < start
  kFlagFixedConflict = 16,  // fixed operations overlapping on one unit
};

struct OpPlace {
  Time setup_start = 0;
  Time start = 0;
  Time end = 0;
  Seconds setup = 0;
  std::int32_t work_center = -1;
  std::int32_t unit = -1;  // 0-based within the work center; -1: on no unit
  std::uint8_t flags = 0;
};

struct FactorySchedule {
  std::vector<OpPlace> ops;            // by global operation id
  std::vector<std::int32_t> sequence;  // non-fixed operations in placement order
};

}  // namespace pp::factory
