// Applying what-if changes to the planner's in-memory problem, built from the
// base data (core/planning/plan_inputs.h). Nothing is written anywhere: the
// scenario is this modified copy, planned like any other.
//
// How each change is modelled:
// - work_center_down, calendar: the work center gets its own copy of its
//   calendar (every work center for a calendar change without one), with the
//   periods removed or added. A work center that works always becomes a
//   calendar covering [always_from, always_to).
// - capacity without a period: the unit count. With a period, the work center
//   is split in two entries with the same id: the units that exist throughout
//   and the ones added (working only inside the periods) or removed (working
//   only outside them); every operation that may run on it may run on both.
//   The plan shows both as one work center (units numbered after the
//   permanent ones): see ScenarioMap.
// - rush_order: the SQL layer adds the order's row; here its operations take
//   quantity x the product's standard time.
// - order: due date, priority (the order's weight), quantity (remaining
//   unstarted work scales by new / old quantity), or cancelled (removed).
// - duration_factor: unstarted operations' durations on the work center
//   and/or of the product, times the factor.
#pragma once
#include "core/common/core_only.h"

#include "core/planning/plan_inputs.h"
#include "core/whatif/scenario_change.h"

#include <vector>

namespace pp::whatif {

// How the scenario's work centers map back to the base ones.
struct ScenarioMap {
  std::vector<int> origin;       // by work center index: the base work center it belongs to
  std::vector<int> unit_offset;  // by work center index: added to its 0-based units in the plan
  int changed_work_centers = 0;  // work centers whose calendar or capacity changed
  int changed_orders = 0;        // orders added, changed or cancelled
  int changed_operations = 0;    // operations whose duration changed
};

// Applies the changes in order. Throws pp::Error(InvalidParameter) naming the
// change (its position and type) for an unknown work center or order, a
// unit count that would go below 0, a factor or quantity <= 0, or a rush
// order the base data cannot route.
ScenarioMap apply_changes(planning::PlanInput& input, const std::vector<Change>& changes,
                          factory::Time always_from, factory::Time always_to);

// Rewrites the plan's work centers and units from the scenario's entries to
// the base ones (see ScenarioMap), so it can be stored and compared.
void map_to_base(const ScenarioMap& map, factory::FactoryPlan& plan);

}  // namespace pp::whatif
