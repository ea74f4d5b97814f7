// A stored plan compiled for Monte Carlo replay: its operations in the order
// they are dispatched, each on the unit the plan gave it, with the unit's
// working-time calendar and breakdown behaviour, and the spread of its
// duration. Built once per simulate() call; read-only during replications.
//
// Units: times are Unix seconds (UTC), durations seconds, failure rates per
// working second of one unit.
#pragma once
#include "core/common/core_only.h"

#include "core/planning/plan_inputs.h"
#include "core/schedule/calendar_timeline.h"
#include "core/schedule/factory_problem.h"
#include "core/simulate/duration_spread.h"
#include "core/whatif/scenario_apply.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pp::simulate {

using factory::Seconds;
using factory::Time;

// The breakdown history of one work center, from its downtime events.
struct FailureHistory {
  std::string work_center_id;
  int units = 1;                    // capacity units while the history was recorded
  std::int64_t failures = 0;        // completed downtimes in the observation window
  double observed_seconds = 0;      // the work center's working seconds in that window (one unit's calendar)
  std::vector<double> repairs;      // seconds of each completed downtime
  std::optional<Time> open_since;   // start of a downtime still open at the plan start
};

// The rows simulate() reads; the caller owns everything referenced.
struct SimRows {
  // Work centers and calendars as the plan saw them (a scenario's changes
  // applied; see whatif::ScenarioMap). Only work_centers and calendars are read.
  const factory::FactoryProblem* resources = nullptr;
  const whatif::ScenarioMap* map = nullptr;  // nullptr: entry i is work center i, units from 0
  // order_id, operation, work_center_id, unit (1-based), setup_start, start, end, setup_seconds,
  // work_seconds, is_fixed (t/f), product_id ('' unknown)
  planning::TextTable operations;
  // order_id, released_at, due_at (NULL: never late)
  planning::TextTable orders;
  std::vector<FailureHistory> failures;
  Time plan_start = 0;
};

struct SimUnit {
  std::string work_center_id;
  int unit = 1;              // 1-based, as in the plan
  int timeline = 0;          // index into ReplayModel::timelines
  bool resumable = true;
  std::uint64_t key = 0;     // common-random-number key of (work center, unit)
  double failure_rate = 0;   // failures per working second; 0: never breaks down
  const std::vector<double>* repairs = nullptr;  // sorted seconds; non-empty when failure_rate > 0
  std::optional<Time> open_since;  // down at the plan start since then (the first unit of its work center)
};

struct SimOp {
  int order = 0;
  int operation = 0;        // routing position, as in the plan
  int unit = 0;             // index into ReplayModel::units
  int pred = -1;            // the order's previous operation (index into ops), -1 none
  Time planned_setup_start = 0, planned_start = 0, planned_end = 0;
  Seconds setup = 0, work = 0;
  // Started work, or frozen: a wall-clock block from its planned start (which
  // may be before the plan start) that moves only when held up; its part
  // after the plan start stretches by its random factor.
  bool fixed = false;
  const Spread* spread = nullptr;  // nullptr: keeps its planned duration
  std::uint64_t key = 0;           // common-random-number key of (order, operation)
};

struct SimOrder {
  std::string id;
  Time release = 0;
  std::optional<Time> due;
  Time planned_end = 0;
  int last_op = -1;  // the op that completes it (-1: no operation planned)
};

struct ReplayModel {
  std::vector<factory::CalendarTimeline> timelines;  // [0] works always
  std::vector<SimUnit> units;
  std::vector<SimOp> ops;        // dispatch order: by planned start, then order, then operation
  std::vector<SimOrder> orders;  // as in SimRows::orders
  Time plan_start = 0;
  int ops_by_source[3] = {0, 0, 0};  // operations whose spread is SpreadSource Pair / WorkCenter / None
  int units_with_failures = 0;
};

// Throws pp::Error(DataException) when an operation names an order not in
// SimRows::orders or a unit below 1; a work center the resources no longer
// have is replayed as always working, resumable.
ReplayModel build_replay(const SimRows& rows, const DurationSpreads& spreads);

}  // namespace pp::simulate
