// Improvement phase: iterated local search over the operation list (the
// priority order the SGS decodes; see RankKey). It starts from the best
// dispatching-rule plan, whose placement sequence decodes to exactly that
// plan, and only ever replaces the incumbent by a strictly better plan, so it
// never returns anything worse than the best rule.
//
// Moves are biased by the objective: late orders (weighted by tardiness)
// move earlier in the list; for makespan / flow time the orders finishing
// last / flowing longest move earlier; for setups an operation moves next to
// one of the same family on its work center; plus random order shifts and
// swaps. Non-worsening candidates are accepted (plateaus are walked); after a
// while without a new best the search restarts from the best with a random
// perturbation. Deterministic per (seed, max_iterations) when the time limit
// does not cut it short.
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/factory_compiled.h"
#include "core/schedule/factory_options.h"
#include "core/schedule/factory_plan.h"
#include "core/schedule/factory_sgs.h"

#include <cstdint>

namespace pp::factory {

struct SearchResult {
  FactorySchedule best;
  ObjectiveValues value;
  std::int64_t iterations = 0;  // candidates decoded
  bool improved = false;
};

// Runs until options.time_limit_ms (wall clock, from this call) or
// options.max_iterations (candidates) runs out, whichever is first; at least
// one of them must be > 0. Throws pp::Cancelled when options.cancel fires.
SearchResult improve_plan(const CompiledFactory& f, Sgs& sgs, const FactorySchedule& start,
                          const ObjectiveValues& start_value, const FactoryOptions& options);

}  // namespace pp::factory
