// Benchmark of the finite-capacity factory scheduler (src/core/schedule/
// factory_*) on a synthetic factory shaped like the demo plant: routings
// through phases in sequence, work centers with 2-6 units, two-shift and
// around-the-clock calendars, resumable and non-resumable centers,
// alternatives, families with setups, started (fixed) operations.
//
//   bench_factory_plan [--ops 50000] [--work-centers 70] [--seed 1] [--time-ms 3000]
//                      [--objective weighted_tardiness|makespan|mean_flow_time|setups|weighted_sum]
//                      [--no-check]
//
// Prints per dispatching rule the time to the first feasible plan (the rule's
// SGS run, and the whole call including model compilation) and its objective;
// then the plan improved by the search within --time-ms (rule Best), its
// iterations, and the peak RSS (VmHWM). Every plan is verified by the
// independent checker of tests/unit/support unless --no-check; exits 1 if one
// is infeasible. Single-threaded.
#include "core/schedule/factory_planner.h"
#include "../unit/support/factory_checker.h"
#include "../unit/support/factory_generator.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

using namespace pp::factory;

namespace {

std::string peak_rss() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return line.substr(6);
  return "?";
}

double secs_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  long ops = 50000, wcs = 70, time_ms = 3000;
  unsigned long long seed = 1;
  bool check = true;
  Objective objective = Objective::WeightedTardiness;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--ops") ops = std::atol(next());
    else if (a == "--work-centers") wcs = std::atol(next());
    else if (a == "--seed") seed = std::strtoull(next(), nullptr, 10);
    else if (a == "--time-ms") time_ms = std::atol(next());
    else if (a == "--no-check") check = false;
    else if (a == "--objective") {
      const auto o = parse_objective(next());
      if (!o) {
        std::fprintf(stderr, "unknown objective\n");
        return 2;
      }
      objective = *o;
    } else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  pp::test::FactoryGenSpec spec;
  spec.min_ops = 4;
  spec.max_ops = 10;
  spec.orders = static_cast<int>(std::max(1L, ops / 7));
  spec.work_centers = static_cast<int>(wcs);
  spec.min_units = 2;
  spec.max_units = 6;
  spec.families = 8;
  spec.release_spread_days = 45;
  spec.calendar_days = 150;
  spec.seed = seed;
  const auto tg = std::chrono::steady_clock::now();
  const FactoryProblem p = pp::test::generate_factory(spec);
  std::size_t n = 0, fixed = 0;
  for (const auto& o : p.orders)
    for (const auto& op : o.operations) {
      ++n;
      fixed += op.fixed.has_value();
    }
  std::printf("factory: %zu orders, %zu operations (%zu fixed), %zu work centers, seed %llu (generated in %.2f s)\n",
              p.orders.size(), n, fixed, p.work_centers.size(), seed, secs_since(tg));
  std::printf("objective: %s\n\n", std::string(objective_name(objective)).c_str());
  std::printf("%-6s %10s %10s %16s %10s %12s %8s %s\n", "rule", "sgs_s", "call_s", "objective", "late", "makespan_d",
              "setups", "check");
  int bad = 0;
  for (DispatchRule rule : kConcreteRules) {
    FactoryOptions o;
    o.plan_start = spec.plan_start;
    o.objective = objective;
    o.rule = rule;
    const FactoryPlan plan = plan_factory(p, o);
    const std::string c = check ? pp::test::check_factory_plan(p, o, plan) : "skipped";
    bad += !c.empty() && c != "skipped";
    std::printf("%-6s %10.3f %10.3f %16.4g %10d %12.2f %8lld %s\n", std::string(rule_name(rule)).c_str(),
                plan.rules.front().seconds, plan.seconds, plan.objective.value, plan.objective.late_orders,
                static_cast<double>(plan.objective.makespan_end - spec.plan_start) / 86400.0,
                static_cast<long long>(plan.objective.setups), c.empty() ? "ok" : c.c_str());
  }
  FactoryOptions o;
  o.plan_start = spec.plan_start;
  o.objective = objective;
  o.rule = DispatchRule::Best;
  o.time_limit_ms = time_ms;
  o.seed = seed;
  const FactoryPlan plan = plan_factory(p, o);
  const std::string c = check ? pp::test::check_factory_plan(p, o, plan) : "skipped";
  bad += !c.empty() && c != "skipped";
  double best_rule = plan.rules.front().objective.value;
  for (const auto& r : plan.rules) best_rule = std::min(best_rule, r.objective.value);
  std::printf("\nimproved (best rule %s, %ld ms search): objective %.4g vs best rule %.4g (%.2f%%), late %d, "
              "%lld iterations, %.2f s total, check %s\n",
              std::string(rule_name(plan.rule)).c_str(), time_ms, plan.objective.value, best_rule,
              best_rule > 0 ? 100.0 * (plan.objective.value - best_rule) / best_rule : 0.0, plan.objective.late_orders,
              static_cast<long long>(plan.iterations), plan.seconds, c.empty() ? "ok" : c.c_str());
  std::printf("problems reported: %zu\n", plan.problems.size());
  std::printf("peak RSS:%s\n", peak_rss().c_str());
  return bad == 0 ? 0 : 1;
}
