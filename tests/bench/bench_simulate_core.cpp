// Benchmark of the Monte Carlo replay (src/core/simulate) without
// PostgreSQL: a synthetic factory shaped like the demo plant is planned by
// the factory scheduler (its dispatching rules, no search), the plan is
// replayed N times with lognormal-like empirical duration spreads on every
// (product, work center) pair and breakdowns on a third of the work centers.
// The peer, measured in the same run, is the scheduler's own cold plan of
// the same factory (rules only).
//
//   bench_simulate_core [--orders 800] [--replications 1000] [--seed 1]
//
// Prints the operations, the cold plan's seconds, the simulation's seconds,
// nanoseconds per simulated operation and the ratio. Single-threaded.
#include "core/schedule/factory_planner.h"
#include "core/simulate/duration_spread.h"
#include "core/simulate/monte_carlo.h"
#include "core/simulate/replay_model.h"
#include "../unit/support/factory_generator.h"
#include "../unit/support/sim_rows.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  int orders = 800, replications = 1000;
  std::uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--orders")) orders = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--replications")) replications = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  pp::test::FactoryGenSpec spec;
  spec.orders = orders;
  spec.seed = seed;
  const pp::factory::FactoryProblem p = pp::test::generate_factory(spec);
  pp::factory::FactoryOptions fo;
  fo.plan_start = spec.plan_start;
  fo.time_limit_ms = 0;
  fo.horizon_end = spec.plan_start + 120 * 86400;
  const auto t0 = std::chrono::steady_clock::now();
  const auto plan = pp::factory::plan_factory(p, fo);
  const double plan_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  pp::test::PlanAsRows rows;
  pp::test::plan_as_rows(p, plan, spec.plan_start, &rows);
  // Spreads: every family's product on every work center, 40 samples of a
  // skewed distribution (ratios e^(0.35 z) at evenly spaced quantiles).
  pp::simulate::DurationSpreads spreads;
  std::vector<double> minutes;
  for (int k = 1; k <= 40; ++k) {
    const double u = (k - 0.5) / 40.0;
    minutes.push_back(60.0 * std::exp(0.35 * std::sqrt(2.0) * std::erfc(2 * (1 - u)) * (u < 0.5 ? -1 : 1)));
  }
  for (int f = 0; f < spec.families; ++f)
    for (const auto& wc : p.work_centers) spreads.add_pair("P" + std::to_string(f), wc.id, minutes.data(), minutes.size());
  spreads.build(5);
  for (std::size_t w = 0; w < p.work_centers.size(); w += 3) {
    pp::simulate::FailureHistory h;
    h.work_center_id = p.work_centers[w].id;
    h.failures = 30;
    h.observed_seconds = 30 * 80 * 3600.0;  // one failure per 80 working hours
    h.repairs = {1800, 3600, 7200, 14400, 28800};
    rows.rows.failures.push_back(h);
  }
  const auto t1 = std::chrono::steady_clock::now();
  const pp::simulate::ReplayModel m = pp::simulate::build_replay(rows.rows, spreads);
  pp::simulate::SimOptions o;
  o.replications = replications;
  o.seed = seed;
  const pp::simulate::SimResult r = pp::simulate::run_monte_carlo(m, o);
  const double sim_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::printf("%zu orders, %zu operations; cold plan (rules, no search) %.3f s\n", m.orders.size(), m.ops.size(), plan_s);
  std::printf("simulate %d replications: %.3f s (%.0f ns per operation), %.2fx the cold plan; %lld breakdowns drawn\n",
              replications, sim_s, 1e9 * sim_s / (static_cast<double>(m.ops.size()) * replications), sim_s / plan_s,
              static_cast<long long>(r.failures_drawn));
  std::printf("on-time share: plan %.3f, simulated mean %.3f (p10 %.3f, p90 %.3f)\n", r.planned_on_time, r.on_time_mean,
              r.on_time_p10, r.on_time_p90);
  return 0;
}
