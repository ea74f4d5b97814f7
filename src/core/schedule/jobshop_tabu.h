// The improvement phase: tabu search on the critical path (TSAB family,
// Nowicki and Smutnicki 1996; N7 neighbourhood, Zhang et al. 2007; machine
// reassignments for flexible shops, Mastrolilli and Gambardella 2000) with
// restarts from an elite pool: when a run has not improved its best for a
// while, the search reloads one of the best distinct solutions found so far,
// perturbs it with a few random critical moves and starts a fresh run.
//
// Deterministic: every choice comes from the Rng, so the same start, seed and
// iteration budget give the same result. The wall clock only decides when to
// stop. No allocation in the steady state of the loop.
#pragma once
#include "core/common/core_only.h"

#include "core/common/cancel.h"
#include "core/schedule/jobshop_rng.h"
#include "core/schedule/jobshop_solution.h"

#include <chrono>
#include <cstdint>

namespace pp::schedule {

struct TabuConfig {
  std::int64_t max_iterations = 0;  // total over all runs; 0 = unlimited
  bool has_deadline = false;
  std::chrono::steady_clock::time_point deadline{};
  const CancelToken* cancel = nullptr;  // polled every iteration (each is well under 10 ms)
  std::int64_t lower_bound = 0;         // stop as soon as the best reaches it
};

struct TabuResult {
  Sequencing best;            // best solution found (makespan included)
  std::int64_t iterations = 0;
};

// Improves `s` (evaluated, acyclic), which is left in an unspecified state.
TabuResult tabu_search(Schedule& s, Rng& rng, const TabuConfig& config);

}  // namespace pp::schedule
