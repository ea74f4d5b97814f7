#include "core/schedule/jobshop_construct.h"

#include "core/common/errors.h"

#include <limits>
#include <vector>

namespace pp::schedule {

void construct_active(Schedule& s, DispatchRule rule, Rng& rng, const CancelToken* cancel) {
  const JobShopProblem& p = s.problem();
  s.clear();
  std::vector<std::int32_t> next(p.jobs);       // next unscheduled op of each job (job_begin[j+1] = done)
  std::vector<std::int64_t> job_ready(p.jobs, 0);
  std::vector<std::int64_t> work_left(p.jobs, 0);  // shortest-duration work still to do
  std::vector<std::int64_t> machine_ready(p.machines, 0);
  for (std::int32_t j = 0; j < p.jobs; ++j) {
    next[j] = p.job_begin[j];
    for (std::int32_t o = p.job_begin[j]; o < p.job_begin[j + 1]; ++o) work_left[j] += p.min_duration[o];
  }
  constexpr std::int64_t kInf = std::numeric_limits<std::int64_t>::max();
  for (std::int32_t step = 0; step < p.ops; ++step) {
    if (cancel != nullptr && (step & 255) == 0) cancel->poll();
    // m*: the machine of the earliest completion over all ready (op, machine).
    std::int64_t best_end = kInf;
    std::int32_t best_m = -1;
    for (std::int32_t j = 0; j < p.jobs; ++j) {
      const std::int32_t o = next[j];
      if (o == p.job_begin[j + 1]) continue;
      for (std::int32_t a = p.alt_begin[o]; a < p.alt_begin[o + 1]; ++a) {
        const std::int32_t m = p.alt_machine[a];
        const std::int64_t end = std::max(job_ready[j], machine_ready[m]) + p.alt_duration[a];
        if (end < best_end) {
          best_end = end;
          best_m = m;
        }
      }
    }
    if (best_m < 0) throw Error(ErrorKind::Internal, "job-shop construction: no ready operation");
    // Conflict set on m*: ready ops that can start there before best_end (or
    // exactly at it when zero-duration, so the set is never empty).
    std::int32_t chosen = -1, ties = 0;
    double chosen_key = 0;
    for (std::int32_t j = 0; j < p.jobs; ++j) {
      const std::int32_t o = next[j];
      if (o == p.job_begin[j + 1]) continue;
      const std::int64_t d = p.duration_on(o, best_m);
      if (d < 0) continue;
      const std::int64_t start = std::max(job_ready[j], machine_ready[best_m]);
      if (start > best_end || (start == best_end && d > 0)) continue;
      double key = 0;  // larger is better
      switch (rule) {
        case DispatchRule::MostWorkRemaining: key = static_cast<double>(work_left[j]); break;
        case DispatchRule::MostOperationsRemaining: key = p.job_begin[j + 1] - o; break;
        case DispatchRule::ShortestProcessingTime: key = -static_cast<double>(d); break;
        case DispatchRule::Random: key = 0; break;
      }
      if (chosen < 0 || key > chosen_key) {
        chosen = o;
        chosen_key = key;
        ties = 1;
      } else if (key == chosen_key && rng.below(static_cast<std::uint32_t>(++ties)) == 0) {
        chosen = o;
      }
    }
    if (chosen < 0) throw Error(ErrorKind::Internal, "job-shop construction: empty conflict set");
    const std::int32_t j = p.job_of[chosen];
    const std::int64_t start = std::max(job_ready[j], machine_ready[best_m]);
    const std::int64_t end = start + p.duration_on(chosen, best_m);
    s.append(chosen, best_m);
    job_ready[j] = end;
    machine_ready[best_m] = end;
    work_left[j] -= p.min_duration[chosen];
    ++next[j];
  }
  if (!s.evaluate()) throw Error(ErrorKind::Internal, "job-shop construction produced a cycle");
}

}  // namespace pp::schedule
