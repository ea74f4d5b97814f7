#include "core/schedule/jobshop_bounds.h"

#include <algorithm>
#include <queue>
#include <vector>

namespace pp::schedule {

namespace {

struct OneMachineJob {
  std::int64_t release, duration, tail;
};

// max over jobs of (completion + tail) in the preemptive schedule that always
// runs the released job with the largest tail: optimal for 1|r_j,pmtn|max(C_j+q_j),
// hence a lower bound for the non-preemptive machine and the whole shop.
std::int64_t jackson_preemptive(std::vector<OneMachineJob>& jobs) {
  std::sort(jobs.begin(), jobs.end(),
            [](const OneMachineJob& a, const OneMachineJob& b) { return a.release < b.release; });
  // (tail, remaining) max-heap on tail.
  std::priority_queue<std::pair<std::int64_t, std::int64_t>> ready;
  std::int64_t t = 0, best = 0;
  std::size_t i = 0;
  while (i < jobs.size() || !ready.empty()) {
    if (ready.empty()) t = std::max(t, jobs[i].release);
    while (i < jobs.size() && jobs[i].release <= t) {
      ready.push({jobs[i].tail, jobs[i].duration});
      ++i;
    }
    auto [q, rem] = ready.top();
    ready.pop();
    // Run until it completes or the next release, whichever comes first.
    std::int64_t next_release = i < jobs.size() ? jobs[i].release : t + rem;
    std::int64_t run = std::min(rem, std::max<std::int64_t>(0, next_release - t));
    t += run;
    if (run == rem) {
      best = std::max(best, t + q);
    } else {
      ready.push({q, rem - run});
    }
  }
  return best;
}

}  // namespace

std::int64_t makespan_lower_bound(const JobShopProblem& p) {
  const std::int32_t n = p.ops;
  std::vector<std::int64_t> head(n, 0), tail(n, 0);
  std::int64_t bound = 0, total = 0;
  for (std::int32_t j = 0; j < p.jobs; ++j) {
    std::int64_t s = 0;
    for (std::int32_t o = p.job_begin[j]; o < p.job_begin[j + 1]; ++o) {
      head[o] = s;
      s += p.min_duration[o];
    }
    bound = std::max(bound, s);
    total += s;
    std::int64_t r = 0;
    for (std::int32_t o = p.job_begin[j + 1] - 1; o >= p.job_begin[j]; --o) {
      tail[o] = r;
      r += p.min_duration[o];
    }
  }
  if (p.machines > 0) bound = std::max(bound, (total + p.machines - 1) / p.machines);
  std::vector<std::vector<OneMachineJob>> fixed(static_cast<std::size_t>(p.machines));
  for (std::int32_t o = 0; o < n; ++o)
    if (p.alt_begin[o + 1] - p.alt_begin[o] == 1)
      fixed[p.alt_machine[p.alt_begin[o]]].push_back({head[o], p.min_duration[o], tail[o]});
  for (auto& jobs : fixed)
    if (!jobs.empty()) bound = std::max(bound, jackson_preemptive(jobs));
  return bound;
}

}  // namespace pp::schedule
