// Fixed operations (work already started, or in the frozen window) are placed
// before anything else, exactly where FixedPlacement says, with no setup.
// Invalid placements (missing work center or unit, end before start) are put
// on no unit and flagged; fixed operations overlapping on a unit are kept and
// flagged as conflicts.
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/factory_compiled.h"
#include "core/schedule/factory_schedule.h"
#include "core/schedule/factory_unit_timeline.h"

#include <vector>

namespace pp::factory {

// Resets `ops` (one per global operation, non-fixed ones default) and `units`
// (one block list per global unit, fixed blocks only, sorted by start).
void place_fixed_operations(const CompiledFactory& f, std::vector<OpPlace>& ops,
                            std::vector<std::vector<Block>>& units);

}  // namespace pp::factory
