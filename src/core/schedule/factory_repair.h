// A manual move with repair: one operation goes to a new start (and perhaps
// another work center); everything else keeps its unit and its sequence on
// that unit and is only pushed right where the move makes it necessary
// (precedence, unit overlap, setups, calendar). Fixed operations never move.
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/factory_options.h"
#include "core/schedule/factory_plan.h"
#include "core/schedule/factory_problem.h"

#include <optional>

namespace pp::factory {

// Moves operation (order, operation) of `current` (a plan of `problem`, e.g.
// from plan_factory or an earlier move) to start at new_start (Unix seconds)
// - or at the earliest feasible time after it given its calendar, its
// predecessor's end, the order's release, options.plan_start, its setup, and
// fixed operations in the way; the result reports the actual start. With
// new_work_center, the operation goes to the unit of that work center where
// it can start earliest (the work center must be one of its alternatives
// and have units); otherwise it stays on its unit.
//
// options supplies plan_start, the objective (for the objective values),
// horizon_end and cancel; the result's rule/rules are copied from `current`.
// Throws pp::Error(InvalidParameter) when `current` does not match the
// problem, the operation is fixed or on no unit, or the work center is not
// an alternative.
FactoryPlan move_operation(const FactoryProblem& problem, const FactoryPlan& current, int order, int operation,
                           Time new_start, std::optional<int> new_work_center, const FactoryOptions& options);

}  // namespace pp::factory
