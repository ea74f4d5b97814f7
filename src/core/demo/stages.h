// The generation stages, in the order generate_demo runs them. Each reads and
// extends the DemoState; each draws from its own random stream (rng.h).
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/demo/demo_state.h"

namespace pp::demo {

void build_master_data(DemoState& st, const CancelToken& cancel);       // master_data_gen.cpp
void build_calendars(DemoState& st);                                    // calendar_gen.cpp
void build_employees(DemoState& st);                                    // employee_gen.cpp
void build_orders(DemoState& st, const CancelToken& cancel);            // order_gen.cpp
void plan_breakdowns(DemoState& st);                                    // resource_events_gen.cpp
void run_shop_simulation(DemoState& st, const CancelToken& cancel);     // shop_simulation.cpp
void build_orphan_assignments(DemoState& st, const CancelToken& cancel);  // assignment_gen.cpp
void export_orders_and_operations(DemoState& st, const CancelToken& cancel);  // order_export.cpp
void export_defects(DemoState& st, const CancelToken& cancel);          // quality_gen.cpp
void export_crew_assignments(DemoState& st, const CancelToken& cancel);  // assignment_gen.cpp
void export_resource_events(DemoState& st);                             // resource_events_gen.cpp
void build_spc(DemoState& st, const CancelToken& cancel);               // spc_gen.cpp
void build_inventory(DemoState& st, const CancelToken& cancel);         // inventory_gen.cpp
void plant_workbook_flaws(DemoState& st, const CancelToken& cancel);    // flaws_gen.cpp

// Small shared helpers.
inline Time day_start(Time t) { return (t >= 0 ? t / kDay : (t - kDay + 1) / kDay) * kDay; }
inline int minute_of_day(Time t) { return static_cast<int>((t - day_start(t)) / kMinute); }
// Duration multiplier of a product weight at a phase.
double weight_factor(double finish_kg, double exponent);

}  // namespace pp::demo
