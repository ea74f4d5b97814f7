// The output of the factory scheduler: one row per operation, the objective
// values, and every problem found (nothing is silently dropped). Owned by
// the caller; plain values only.
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/factory_options.h"
#include "core/schedule/factory_problem.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pp::factory {

enum class ProblemKind {
  InputProblem,        // flagged by the SQL layer (Operation::problem)
  NoWorkCenter,        // no alternative at all: placed on no unit, duration 0
  ZeroCapacity,        // every alternative's work center has 0 units: placed on no unit
  DoesNotFitInterval,  // non-resumable but longer than every working interval: placed as if resumable
  BeyondCalendar,      // runs past the last interval of its work center's calendar
  AfterHorizon,        // ends after FactoryOptions::horizon_end
  InvalidFixed,        // fixed placement on a missing unit / work center, or ending before it starts
  FixedConflict,       // fixed operations overlap on a unit, or a planned op cannot precede a fixed successor
};
std::string_view problem_kind_name(ProblemKind kind) noexcept;  // "input", "no_work_center", ...

struct PlanProblem {
  int order = 0;      // index into FactoryProblem::orders
  int operation = 0;  // index into Order::operations
  ProblemKind kind = ProblemKind::InputProblem;
  std::string message;
};

struct PlannedOperation {
  int order = 0;
  int operation = 0;
  int work_center = -1;  // -1 only when the operation has no alternative at all
  int unit = -1;         // 0-based; -1 = not on a unit (no capacity, see problems)
  Time setup_start = 0;  // setup occupies the unit's working time [setup_start, start)
  Time start = 0;
  Time end = 0;
  Seconds setup_seconds = 0;  // working seconds of setup before start (0: none)
  std::string duration_source;
  bool fixed = false;  // kept exactly as FixedPlacement
  bool late = false;   // its order completes after its due time
  bool has_problem = false;
  std::string problem;  // the operation's problem messages joined by "; "
};

struct ObjectiveValues {
  Time makespan_end = 0;                 // latest end of any operation (Unix seconds)
  double total_weighted_tardiness = 0;   // sum of weight x tardiness seconds
  int late_orders = 0;
  double mean_flow_seconds = 0;          // mean of (completion - release) over orders with operations
  std::int64_t setups = 0;               // operations with setup_seconds > 0
  double value = 0;                      // the chosen objective (smaller is better)
};

struct RuleOutcome {
  DispatchRule rule = DispatchRule::Fifo;
  ObjectiveValues objective;
  double seconds = 0;  // wall clock of that constructive run
};

struct FactoryPlan {
  std::vector<PlannedOperation> operations;  // order by order, in routing sequence
  ObjectiveValues objective;
  DispatchRule rule = DispatchRule::Fifo;    // rule whose plan started the search (the best rule)
  std::vector<RuleOutcome> rules;            // every constructive run, in run order
  bool improved = false;                     // the search beat the best rule (or the warm start)
  bool warm_started = false;                 // built from FactoryOptions::warm_start, not the rules
  std::int64_t iterations = 0;               // candidates decoded by the search
  double seconds = 0;                        // wall clock of the whole call
  std::vector<PlanProblem> problems;
};

}  // namespace pp::factory
