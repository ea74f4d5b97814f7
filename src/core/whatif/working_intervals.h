// Set algebra on working time: lists of [start, end) intervals in Unix
// seconds. What-if changes add working time (overtime, an extra shift),
// remove it (a breakdown, a holiday) or restrict extra capacity to a period.
// Every function returns a normalized list: sorted, non-empty, non-touching.
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/factory_problem.h"

#include <vector>

namespace pp::whatif {

using Intervals = std::vector<factory::WorkInterval>;

Intervals normalized(Intervals v);                          // sorts and merges overlapping or touching intervals
Intervals united(const Intervals& a, const Intervals& b);   // a or b
Intervals subtracted(const Intervals& a, const Intervals& b);  // a and not b
Intervals intersected(const Intervals& a, const Intervals& b);  // a and b

}  // namespace pp::whatif
