// Initial solutions: active schedules by the Giffler-Thompson algorithm
// (Giffler and Thompson 1960), extended to flexible shops by letting every
// alternative machine of a ready operation compete: the machine m* that can
// complete some ready operation earliest is scheduled next, with one of the
// operations that could start on m* before that completion (the conflict
// set), chosen by a priority rule. The chosen operation goes on m*, which
// doubles as the flexible machine-assignment heuristic (earliest completion).
#pragma once
#include "core/common/core_only.h"

#include "core/common/cancel.h"
#include "core/schedule/jobshop_rng.h"
#include "core/schedule/jobshop_solution.h"

namespace pp::schedule {

enum class DispatchRule {
  MostWorkRemaining,        // MWKR: largest remaining shortest-duration work of the job
  MostOperationsRemaining,  // MOR
  ShortestProcessingTime,   // SPT on m*
  Random,                   // uniform among the conflict set
};

// Replaces the sequences of `s` with a GT schedule built by `rule` (ties
// broken by rng) and evaluates it. Polls `cancel` (may be null) now and then.
void construct_active(Schedule& s, DispatchRule rule, Rng& rng, const CancelToken* cancel);

}  // namespace pp::schedule
