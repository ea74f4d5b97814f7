// Valid lower bounds on the optimal makespan (every schedule, not just the
// ones the search finds, has makespan >= the bound). Used to stop the search
// early with a proof of optimality and reported to the caller.
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/jobshop_problem.h"

#include <cstdint>

namespace pp::schedule {

// The maximum of:
//  - the longest job, each operation at its shortest alternative;
//  - per machine, the one-machine preemptive bound (Jackson's preemptive
//    schedule with heads = shortest job prefix and tails = shortest job
//    suffix, Carlier 1982) over the operations that can only run there
//    (all of them in a classic job shop);
//  - ceil(sum of shortest durations / machine count) (flexible shops: work
//    can at best be spread evenly over all machines).
std::int64_t makespan_lower_bound(const JobShopProblem& problem);

}  // namespace pp::schedule
