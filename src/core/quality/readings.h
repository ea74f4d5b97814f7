// A characteristic's readings (prodplan.measurement rows, in time order)
// grouped into the rational subgroups a control chart plots: by the
// readings' subgroup numbers, or every `subgroup_size` consecutive readings,
// or one reading each. Attribute charts read a subgroup's readings as units:
// p and np count the defective ones (readings 0 or 1), c and u add up the
// defects.
#pragma once
#include "core/common/core_only.h"

#include "core/planning/plan_inputs.h"
#include "core/quality/control_chart.h"

#include <cstdint>
#include <vector>

namespace pp::quality {

// rows: measured_at (Unix seconds), value, subgroup (NULL none), in time
// order. subgroup_size 0: by subgroup number where there is one.
std::vector<Subgroup> group_readings(const planning::TextTable& rows, int subgroup_size);

// The chart a subgroup structure calls for: i_mr for single readings,
// xbar_r for 2-10 readings, xbar_s above.
ChartType default_chart(const std::vector<Subgroup>& subgroups);

// Turns grouped readings into attribute counts for P, NP, C and U (no-op for
// variables charts). Throws pp::Error(InvalidParameter) for a p or np
// reading other than 0 or 1, or a negative c or u reading.
void as_attributes(ChartType type, std::vector<Subgroup>& subgroups);

}  // namespace pp::quality
