#include "core/schedule/factory_planner.h"

#include "core/common/errors.h"
#include "core/schedule/factory_compiled.h"
#include "core/schedule/factory_objective.h"
#include "core/schedule/factory_report.h"
#include "core/schedule/factory_rules.h"
#include "core/schedule/factory_search.h"
#include "core/schedule/factory_sgs.h"

#include <chrono>
#include <cmath>

namespace pp::factory {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void validate_options(const FactoryOptions& o) {
  if (o.time_limit_ms < 0) throw_invalid("time_limit_ms must be >= 0");
  if (o.max_iterations < 0) throw_invalid("max_iterations must be >= 0");
  const ObjectiveWeights& w = o.weights;
  for (double x : {w.weighted_tardiness, w.makespan, w.mean_flow_time, w.setups})
    if (!(x >= 0) || !std::isfinite(x)) throw_invalid("objective weights must be finite and >= 0");
}

}  // namespace

FactoryPlan plan_factory(const FactoryProblem& problem, const FactoryOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  validate_options(options);
  const CompiledFactory f(problem, options);
  Sgs sgs(f);

  std::vector<RuleOutcome> outcomes;
  FactorySchedule best;
  ObjectiveValues best_value;
  DispatchRule best_rule = DispatchRule::Fifo;
  if (options.warm_start != nullptr) {
    // One run in the base plan's order (see FactoryOptions::warm_start).
    const WarmKey key(f, *options.warm_start);
    best = sgs.run(key, options.cancel);
    best_value = evaluate(f, best, options);
  }
  for (DispatchRule rule : kConcreteRules) {
    if (options.warm_start != nullptr) break;
    if (options.rule != DispatchRule::Best && options.rule != rule) continue;
    const auto t = std::chrono::steady_clock::now();
    const FactorySchedule& s = sgs.run(RuleKey(f, rule), options.cancel);
    const ObjectiveValues v = evaluate(f, s, options);
    outcomes.push_back({rule, v, seconds_since(t)});
    if (outcomes.size() == 1 || v.value < best_value.value) {
      best = s;
      best_value = v;
      best_rule = rule;
    }
  }

  std::int64_t iterations = 0;
  bool improved = false;
  if (options.time_limit_ms > 0 || options.max_iterations > 0) {
    SearchResult r = improve_plan(f, sgs, best, best_value, options);
    iterations = r.iterations;
    improved = r.improved;
    if (r.improved) best = std::move(r.best);
  }

  FactoryPlan plan = build_plan(f, best, options);
  plan.rule = best_rule;
  plan.rules = std::move(outcomes);
  plan.improved = improved;
  plan.warm_started = options.warm_start != nullptr;
  plan.iterations = iterations;
  plan.seconds = seconds_since(t0);
  return plan;
}

}  // namespace pp::factory
