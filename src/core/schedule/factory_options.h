// Options of a factory planning run: the objective, the dispatching rule of
// the constructive phase and the budget of the improvement phase.
#pragma once
#include "core/common/core_only.h"

#include "core/common/cancel.h"

#include "core/schedule/factory_problem.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace pp::factory {

enum class Objective {
  WeightedTardiness,  // sum over orders of weight x max(0, completion - due), seconds
  Makespan,           // last end - plan start, seconds
  MeanFlowTime,       // mean over orders of completion - release, seconds
  Setups,             // number of operations with a setup
  WeightedSum,        // ObjectiveWeights applied to the four above
};

// Weights of Objective::WeightedSum (each term in its own unit: seconds x
// weight, seconds, seconds, count). Ignored by the other objectives.
struct ObjectiveWeights {
  double weighted_tardiness = 1.0;
  double makespan = 0.0;
  double mean_flow_time = 0.0;
  double setups = 0.0;
};

// Priority of the constructive (serial schedule generation) phase.
enum class DispatchRule {
  Fifo,  // earliest ready time first
  Spt,   // shortest processing time first
  Edd,   // earliest order due date first
  Cr,    // smallest critical ratio (due - ready) / remaining work
  Wspt,  // largest weight / processing time first
  Atc,   // apparent tardiness cost (Vepsalainen & Morton)
  Best,  // run every rule above, keep the best on the objective
};

inline constexpr DispatchRule kConcreteRules[] = {DispatchRule::Fifo, DispatchRule::Spt, DispatchRule::Edd,
                                                  DispatchRule::Cr,   DispatchRule::Wspt, DispatchRule::Atc};

std::string_view rule_name(DispatchRule rule) noexcept;       // "fifo", "spt", ..., "best"
std::optional<DispatchRule> parse_rule(std::string_view name) noexcept;
std::string_view objective_name(Objective objective) noexcept;  // "weighted_tardiness", ...
std::optional<Objective> parse_objective(std::string_view name) noexcept;

struct FactoryOptions {
  Time plan_start = 0;  // Unix seconds: nothing non-fixed (not even a setup) starts before it
  Objective objective = Objective::WeightedTardiness;
  ObjectiveWeights weights;
  DispatchRule rule = DispatchRule::Best;
  // Improvement budget. Both 0: no improvement (the constructive plan).
  // time_limit_ms > 0: stop after that wall-clock time; max_iterations > 0:
  // stop after that many decoded candidates. The result is deterministic for
  // (problem, options) whenever the time limit does not cut the search short.
  std::int64_t time_limit_ms = 0;
  std::int64_t max_iterations = 0;
  std::uint64_t seed = 1;
  // Operations ending after this are still planned but reported
  // (ProblemKind::AfterHorizon). nullopt: no horizon.
  std::optional<Time> horizon_end;
  const CancelToken* cancel = nullptr;  // not owned; may be null; polled every few ms
  // Warm start (what-if re-planning): warm_start[order][op] is the Unix
  // second the operation started in a base plan, NaN when it has none (new
  // work). When set, the constructive phase is one run that places
  // operations in that order (new work by its ready time) instead of the
  // dispatching rules, so work the changes do not touch keeps its sequence;
  // the improvement phase then starts from it. Not owned; may be null.
  const std::vector<std::vector<double>>* warm_start = nullptr;
};

}  // namespace pp::factory
