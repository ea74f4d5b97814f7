// Monte Carlo replay of a plan (replay_model.h): in each replication every
// operation keeps its unit and its place in the unit's sequence, takes a
// random duration (its planned one times a factor drawn from its spread),
// and units break down at random (failures arrive at the work center's
// observed rate in its working time, and last a repair time drawn from its
// observed downtimes; a failure suspends the operation on the unit, which
// resumes when the repair ends). Setups keep their planned length.
//
// Execution policy (right shift, the classic model of a shop working to a
// released schedule): an operation starts at its planned time, or later when
// its order's previous operation, its unit or a breakdown holds it up;
// finishing early never pulls work forward. With no variation this replays
// the plan exactly. early_start = true instead lets work start as soon as
// the sequence allows (from the plan start, fixed operations excepted).
//
// Deterministic per seed, and with common random numbers across plans
// (random_keys.h).
#pragma once
#include "core/common/core_only.h"

#include "core/common/cancel.h"
#include "core/simulate/duration_spread.h"
#include "core/simulate/replay_model.h"

#include <cstdint>
#include <vector>

namespace pp::simulate {

struct SimOptions {
  int replications = 1000;       // >= 1
  std::uint64_t seed = 1;
  DurationModel durations = DurationModel::Empirical;
  bool breakdowns = true;        // draw failures from the failure histories
  bool early_start = false;      // see the header comment
  const CancelToken* cancel = nullptr;  // polled once per replication
};

struct OrderRisk {
  double p_on_time = -1;   // share of replications completing by the due time; -1: the order has no due time
  Time mean_end = 0;       // completion time: mean and empirical quantiles (inverse of the empirical CDF)
  Time p10_end = 0, p50_end = 0, p90_end = 0;
  Time p50_low = 0, p50_high = 0;  // distribution-free 95% confidence interval of the median (order statistics)
  int driver_op = -1;              // index into ReplayModel::ops of the operation adding most delay on average; -1 none
  double driver_seconds = 0;       // that mean added delay (its end's delay minus its predecessor's)
};

struct SimResult {
  std::vector<OrderRisk> orders;           // as ReplayModel::orders
  std::vector<double> on_time_by_rep;      // per replication: share of orders with a due time that are on time
  double on_time_mean = 0, on_time_p10 = 0, on_time_p50 = 0, on_time_p90 = 0;
  double planned_on_time = 0;              // the plan's own on-time share
  int orders_with_due = 0;
  std::int64_t failures_drawn = 0;         // breakdowns that struck planned work or idle units, all replications
};

// Throws pp::Error(InvalidParameter) for replications < 1 and
// pp::Error(ProgramLimit) when orders x replications exceed 50 million
// completion times (400 MB).
SimResult run_monte_carlo(const ReplayModel& model, const SimOptions& options);

}  // namespace pp::simulate
