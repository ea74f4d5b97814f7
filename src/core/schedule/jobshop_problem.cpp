#include "core/schedule/jobshop_problem.h"

#include <algorithm>

namespace pp::schedule {

std::int64_t JobShopProblem::duration_on(std::int32_t o, std::int32_t m) const {
  for (std::int32_t a = alt_begin[o]; a < alt_begin[o + 1]; ++a)
    if (alt_machine[a] == m) return alt_duration[a];
  return -1;
}

JobShopProblem build_problem(const JobShopInstance& instance) {
  validate_instance(instance);
  JobShopProblem p;
  p.machines = instance.machine_count;
  p.jobs = static_cast<std::int32_t>(instance.jobs.size());
  p.ops = static_cast<std::int32_t>(instance.operation_count());
  const auto n = static_cast<std::size_t>(p.ops);
  p.job_of.resize(n);
  p.index_in_job.resize(n);
  p.job_prev.resize(n);
  p.job_next.resize(n);
  p.min_duration.resize(n);
  p.job_begin.assign(static_cast<std::size_t>(p.jobs) + 1, 0);
  p.alt_begin.assign(n + 1, 0);
  std::vector<Alternative> alts;
  std::int32_t o = 0;
  for (std::int32_t j = 0; j < p.jobs; ++j) {
    p.job_begin[j] = o;
    const auto& job_ops = instance.jobs[j].operations;
    for (std::size_t k = 0; k < job_ops.size(); ++k, ++o) {
      p.job_of[o] = j;
      p.index_in_job[o] = static_cast<std::int32_t>(k);
      p.job_prev[o] = k == 0 ? -1 : o - 1;
      p.job_next[o] = k + 1 == job_ops.size() ? -1 : o + 1;
      alts = job_ops[k].alternatives;
      std::sort(alts.begin(), alts.end(), [](const Alternative& a, const Alternative& b) {
        return a.machine != b.machine ? a.machine < b.machine : a.duration < b.duration;
      });
      p.alt_begin[o] = static_cast<std::int32_t>(p.alt_machine.size());
      std::int64_t shortest = alts.front().duration;
      for (std::size_t a = 0; a < alts.size(); ++a) {
        if (a > 0 && alts[a].machine == alts[a - 1].machine) continue;  // keep the shortest
        p.alt_machine.push_back(alts[a].machine);
        p.alt_duration.push_back(alts[a].duration);
        shortest = std::min(shortest, alts[a].duration);
      }
      p.min_duration[o] = shortest;
      if (p.alt_machine.size() - static_cast<std::size_t>(p.alt_begin[o]) > 1) p.flexible = true;
    }
  }
  p.job_begin[p.jobs] = o;
  p.alt_begin[n] = static_cast<std::int32_t>(p.alt_machine.size());
  return p;
}

}  // namespace pp::schedule
