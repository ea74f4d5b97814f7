#include "core/schedule/jobshop_solver.h"

#include "core/common/errors.h"
#include "core/schedule/jobshop_bounds.h"
#include "core/schedule/jobshop_construct.h"
#include "core/schedule/jobshop_problem.h"
#include "core/schedule/jobshop_solution.h"
#include "core/schedule/jobshop_tabu.h"

#include <chrono>

namespace pp::schedule {

namespace {

SolveResult describe(const JobShopProblem& p, Schedule& s) {
  SolveResult r;
  r.makespan = s.makespan();
  r.operations.resize(static_cast<std::size_t>(p.ops));
  for (std::int32_t o = 0; o < p.ops; ++o) {
    ScheduledOperation& op = r.operations[o];
    op.job = p.job_of[o];
    op.operation = p.index_in_job[o];
    op.machine = s.machine()[o];
    op.start = s.head()[o];
    op.end = op.start + s.dur()[o];
  }
  return r;
}

}  // namespace

SolveResult solve_jobshop(const JobShopInstance& instance, const SolveOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  if (options.time_limit_ms <= 0 && options.max_iterations <= 0)
    throw_invalid("job-shop solve needs a time limit or an iteration budget");
  if (options.max_iterations < 0) throw_invalid("job-shop max_iterations must be >= 0");
  const JobShopProblem p = build_problem(instance);
  const std::int64_t lb = makespan_lower_bound(p);
  Rng rng(options.seed);
  Schedule s(p);

  // Constructive phase: the GT schedule of each rule, plus randomized ones;
  // keep the shortest.
  Sequencing first;
  first.makespan = -1;
  const DispatchRule rules[] = {DispatchRule::MostWorkRemaining, DispatchRule::MostOperationsRemaining,
                                DispatchRule::ShortestProcessingTime, DispatchRule::Random,
                                DispatchRule::MostWorkRemaining, DispatchRule::Random};
  for (DispatchRule rule : rules) {
    construct_active(s, rule, rng, options.cancel);
    if (first.makespan < 0 || s.makespan() < first.makespan) s.save(first);
  }
  s.load(first);
  if (!s.evaluate()) throw Error(ErrorKind::Internal, "job-shop: initial solution has a cycle");

  TabuConfig cfg;
  cfg.max_iterations = options.max_iterations;
  cfg.has_deadline = options.time_limit_ms > 0;
  cfg.deadline = t0 + std::chrono::milliseconds(options.time_limit_ms);
  cfg.cancel = options.cancel;
  cfg.lower_bound = lb;
  std::int64_t iterations = 0;
  if (p.ops > 0 && first.makespan > lb) {
    TabuResult tr = tabu_search(s, rng, cfg);
    iterations = tr.iterations;
    s.load(tr.best);
    if (!s.evaluate()) throw Error(ErrorKind::Internal, "job-shop: best solution has a cycle");
  }
  SolveResult r = describe(p, s);
  r.lower_bound = lb;
  r.proven_optimal = r.makespan == lb;
  r.iterations = iterations;
  r.first_solution_makespan = first.makespan;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace pp::schedule
