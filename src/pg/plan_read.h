// Every row a planning run reads (core/planning/plan_inputs.h PlanRows), in
// one place so that prodplan.plan() and prodplan.whatif() build their
// problems from the same data the same way.
#pragma once

#include "core/planning/plan_inputs.h"

#include <cstdint>

namespace pp::pg {

// plant is a text Datum; plan_start and horizon_end Unix seconds. rush_orders
// is a jsonb Datum (0: none) of hypothetical orders added to the open ones:
// an array of {"order_id", "product_id", "due" (Unix seconds or null),
// "priority"}, released at plan_start. standard_times_of_plan non-zero: the
// standard times stored with that plan (prodplan.plan_standard_times), which
// the caller checked still hold, instead of estimating them from the whole
// history. Call inside SPI, from a frame without live C++ objects (it can
// ereport); `who` names the SQL function in errors.
void read_plan_rows(const char* who, std::uintptr_t plant, std::int64_t plan_start, std::int64_t horizon_end,
                    double frozen_hours, std::uintptr_t rush_orders, std::int64_t standard_times_of_plan,
                    pp::planning::PlanRows* rows);

}  // namespace pp::pg
