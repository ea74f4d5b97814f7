// Entry point of the job-shop / flexible job-shop engine: minimizes the
// makespan of a JobShopInstance. Anytime: returns the best schedule found
// when the time limit or iteration budget runs out, and stops at once when
// the makespan meets the lower bound (proven_optimal).
//
// Deterministic for a given (instance, seed, max_iterations) whenever the
// time limit does not cut the search short. Thread-safe: no global mutable
// state, so independent solves may run concurrently.
#pragma once
#include "core/common/core_only.h"

#include "core/common/cancel.h"
#include "core/schedule/jobshop_instance.h"

#include <cstdint>
#include <vector>

namespace pp::schedule {

struct SolveOptions {
  std::int64_t time_limit_ms = 1000;  // wall clock; <= 0: none (then max_iterations must be > 0)
  std::uint64_t seed = 1;
  std::int64_t max_iterations = 0;    // tabu iterations; 0 = unlimited
  const CancelToken* cancel = nullptr;  // not owned; polled every few ms of work; may be null
};

struct ScheduledOperation {
  std::int32_t job = 0;        // 0-based job index in the instance
  std::int32_t operation = 0;  // 0-based index within the job
  std::int32_t machine = 0;    // 0-based machine, one of the operation's alternatives
  std::int64_t start = 0;      // time units from 0
  std::int64_t end = 0;        // start + duration on that machine
};

struct SolveResult {
  std::int64_t makespan = 0;
  std::int64_t lower_bound = 0;     // valid: no schedule is shorter
  bool proven_optimal = false;      // makespan == lower_bound
  std::vector<ScheduledOperation> operations;  // job by job, in processing order
  std::int64_t iterations = 0;      // tabu iterations performed
  double seconds = 0;               // wall clock of the whole solve
  std::int64_t first_solution_makespan = 0;  // best constructive (dispatching) schedule
};

// Throws pp::Error(InvalidParameter) for an invalid instance or options,
// pp::Cancelled when the cancel token fires.
SolveResult solve_jobshop(const JobShopInstance& instance, const SolveOptions& options);

}  // namespace pp::schedule
