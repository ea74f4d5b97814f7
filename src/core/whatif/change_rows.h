// The rows of prodplan.whatif_changes (every change checked and expanded by
// SQL) as the core's changes. Shared by prodplan.whatif() and
// prodplan.simulate() (which replays a scenario on its changed calendars).
#pragma once
#include "core/common/core_only.h"

#include "core/planning/plan_inputs.h"
#include "core/whatif/scenario_change.h"

#include <string>
#include <vector>

namespace pp::whatif {

// Columns: item, type, work_center, product, order_id, periods (bigint[] of
// start, end pairs in Unix seconds), add, units_set, units_add, factor,
// quantity, base_quantity, due, priority, cancel, rule. A "rule" row sets
// *rule instead of adding a change. Throws pp::Error(InvalidParameter) for
// an unknown type.
std::vector<Change> changes_from_rows(const planning::TextTable& rows, std::string* rule);

}  // namespace pp::whatif
