// Turns an internal schedule into the caller's FactoryPlan: one row per
// operation (order by order), objective values, and the problem list, in
// which every abnormal placement appears (nothing is dropped silently).
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/factory_compiled.h"
#include "core/schedule/factory_options.h"
#include "core/schedule/factory_plan.h"
#include "core/schedule/factory_sgs.h"

namespace pp::factory {

// Fills operations, objective and problems (the rest is left default).
FactoryPlan build_plan(const CompiledFactory& f, const FactorySchedule& s, const FactoryOptions& options);

}  // namespace pp::factory
