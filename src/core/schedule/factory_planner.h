// Entry point of the finite-capacity factory scheduler. The SQL layer reads
// rows into a FactoryProblem, calls plan_factory, and writes the plan's rows.
//
// Phases: (1) each dispatching rule of options.rule (all six for Best) builds
// a plan with the serial schedule generation scheme (factory_sgs.h); the best
// on the objective is kept; (2) if a budget is given, the iterated local
// search (factory_search.h) improves it. Single-threaded, no global state.
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/factory_options.h"
#include "core/schedule/factory_plan.h"
#include "core/schedule/factory_problem.h"

namespace pp::factory {

// Throws pp::Error(InvalidParameter) for invalid input or options and
// pp::Cancelled when options.cancel fires. Every operation of the problem
// appears exactly once in the result.
FactoryPlan plan_factory(const FactoryProblem& problem, const FactoryOptions& options);

}  // namespace pp::factory
