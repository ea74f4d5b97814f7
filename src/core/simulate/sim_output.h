// What a simulation writes, formatted in C++ so the SQL layer only copies
// text: one COPY line of prodplan.simulation_orders per order, the
// prodplan.simulations summary values, and the plan's risk JSON.
#pragma once
#include "core/common/core_only.h"

#include "core/simulate/monte_carlo.h"
#include "core/simulate/replay_model.h"

#include <string>

namespace pp::simulate {

inline constexpr const char* kSimulationOrderColumns[] = {
    "simulation_id", "order_id", "due_at",   "planned_end",        "p_on_time",        "mean_end",    "p10_end",
    "p50_end",       "p90_end",  "p50_low",  "p50_high",           "driver_work_center", "driver_operation", "driver_hours"};
inline constexpr int kSimulationOrderColumnCount = 14;

struct SimOutput {
  std::string orders_copy;         // COPY text of prodplan.simulation_orders
  std::string on_time_array;       // float8[] text of on_time_by_replication
  std::string spread_sources_json; // {"pair": n, "work_center": n, "none": n}
  std::string risk_json;           // prodplan.plans.risk, without the simulation id (the SQL layer adds it)
};

SimOutput format_simulation(const std::string& simulation_id, const ReplayModel& model, const SimResult& result,
                            const SimOptions& options);

}  // namespace pp::simulate
