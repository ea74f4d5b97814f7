// The objective values of a schedule (see ObjectiveValues in factory_plan.h):
// order completion = latest end of its operations; tardiness = max(0,
// completion - due) in seconds, times the order's weight; flow = completion -
// release; makespan measured from the plan start for the chosen objective.
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/factory_compiled.h"
#include "core/schedule/factory_options.h"
#include "core/schedule/factory_plan.h"
#include "core/schedule/factory_sgs.h"

#include <vector>

namespace pp::factory {

// `completion` (optional, may be null) receives each order's completion time
// (kFarPast for an order without operations).
ObjectiveValues evaluate(const CompiledFactory& f, const FactorySchedule& s, const FactoryOptions& options,
                         std::vector<Time>* completion = nullptr);

}  // namespace pp::factory
