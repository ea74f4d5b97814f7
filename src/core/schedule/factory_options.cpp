#include "core/schedule/factory_options.h"

namespace pp::factory {

namespace {
struct RuleName {
  DispatchRule rule;
  std::string_view name;
};
constexpr RuleName kRuleNames[] = {{DispatchRule::Fifo, "fifo"}, {DispatchRule::Spt, "spt"},
                                   {DispatchRule::Edd, "edd"},   {DispatchRule::Cr, "cr"},
                                   {DispatchRule::Wspt, "wspt"}, {DispatchRule::Atc, "atc"},
                                   {DispatchRule::Best, "best"}};
struct ObjectiveName {
  Objective objective;
  std::string_view name;
};
constexpr ObjectiveName kObjectiveNames[] = {{Objective::WeightedTardiness, "weighted_tardiness"},
                                             {Objective::Makespan, "makespan"},
                                             {Objective::MeanFlowTime, "mean_flow_time"},
                                             {Objective::Setups, "setups"},
                                             {Objective::WeightedSum, "weighted_sum"}};
}  // namespace

std::string_view rule_name(DispatchRule rule) noexcept {
  for (const auto& r : kRuleNames)
    if (r.rule == rule) return r.name;
  return "?";
}

std::optional<DispatchRule> parse_rule(std::string_view name) noexcept {
  for (const auto& r : kRuleNames)
    if (r.name == name) return r.rule;
  return std::nullopt;
}

std::string_view objective_name(Objective objective) noexcept {
  for (const auto& o : kObjectiveNames)
    if (o.objective == objective) return o.name;
  return "?";
}

std::optional<Objective> parse_objective(std::string_view name) noexcept {
  for (const auto& o : kObjectiveNames)
    if (o.name == name) return o.objective;
  return std::nullopt;
}

}  // namespace pp::factory
