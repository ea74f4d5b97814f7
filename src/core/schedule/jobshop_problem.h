// The solver's flat, read-only view of a JobShopInstance. Operations get one
// global index (job by job, in processing order) so that every per-operation
// quantity of the search is a plain array indexed by operation.
// Built once per solve; owned by the caller of the solver, immutable after.
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/jobshop_instance.h"

#include <cstdint>
#include <vector>

namespace pp::schedule {

struct JobShopProblem {
  std::int32_t ops = 0;       // operation count N
  std::int32_t machines = 0;  // machine count M
  std::int32_t jobs = 0;      // job count J
  bool flexible = false;      // some operation has more than one alternative

  std::vector<std::int32_t> job_of;    // [N] job of the operation
  std::vector<std::int32_t> index_in_job;  // [N] 0-based position in its job
  std::vector<std::int32_t> job_begin;     // [J+1] first global index of each job
  // Same-job neighbours (-1 at the ends of a job).
  std::vector<std::int32_t> job_prev, job_next;  // [N]

  // Alternatives of operation o are alt_machine/alt_duration[alt_begin[o] ..
  // alt_begin[o+1]): one entry per machine (duplicates in the input collapse
  // to the shortest duration), sorted by machine.
  std::vector<std::int32_t> alt_begin;  // [N+1]
  std::vector<std::int32_t> alt_machine;
  std::vector<std::int64_t> alt_duration;
  std::vector<std::int64_t> min_duration;  // [N] shortest alternative

  // Duration of o on machine m, or -1 when m is not an alternative of o.
  std::int64_t duration_on(std::int32_t o, std::int32_t m) const;
};

// Validates the instance (validate_instance) and flattens it.
JobShopProblem build_problem(const JobShopInstance& instance);

}  // namespace pp::schedule
