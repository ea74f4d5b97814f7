// An independent feasibility checker for job-shop solutions, written against
// the public data only (the instance's jobs/alternatives and the solver's
// per-operation output), sharing no code with the solver. Used by the unit
// tests and by tests/bench/bench_jobshop.cpp.
#pragma once

#include "core/schedule/jobshop_instance.h"
#include "core/schedule/jobshop_solver.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pp::test {

// "" when `r` is a feasible schedule of `inst` whose makespan is reported
// correctly; otherwise the first violation found, in words.
inline std::string check_jobshop_solution(const pp::schedule::JobShopInstance& inst,
                                          const pp::schedule::SolveResult& r) {
  using pp::schedule::ScheduledOperation;
  std::size_t total = 0;
  for (const auto& job : inst.jobs) total += job.operations.size();
  if (r.operations.size() != total)
    return "expected " + std::to_string(total) + " scheduled operations, got " +
           std::to_string(r.operations.size());
  // Index the output by (job, operation); each must appear exactly once.
  std::vector<std::vector<const ScheduledOperation*>> at(inst.jobs.size());
  for (std::size_t j = 0; j < inst.jobs.size(); ++j) at[j].assign(inst.jobs[j].operations.size(), nullptr);
  for (const ScheduledOperation& s : r.operations) {
    if (s.job < 0 || static_cast<std::size_t>(s.job) >= inst.jobs.size() || s.operation < 0 ||
        static_cast<std::size_t>(s.operation) >= at[s.job].size())
      return "operation (" + std::to_string(s.job) + "," + std::to_string(s.operation) + ") does not exist";
    if (at[s.job][s.operation] != nullptr)
      return "operation (" + std::to_string(s.job) + "," + std::to_string(s.operation) + ") scheduled twice";
    at[s.job][s.operation] = &s;
  }
  std::int64_t cmax = 0;
  std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> busy(
      static_cast<std::size_t>(std::max(inst.machine_count, 0)));
  for (std::size_t j = 0; j < inst.jobs.size(); ++j) {
    std::int64_t job_end = 0;
    for (std::size_t o = 0; o < at[j].size(); ++o) {
      const ScheduledOperation& s = *at[j][o];
      const std::string name = "operation (" + std::to_string(j) + "," + std::to_string(o) + ")";
      bool allowed = false;
      for (const auto& a : inst.jobs[j].operations[o].alternatives)
        if (a.machine == s.machine && s.end - s.start == a.duration) allowed = true;
      if (!allowed)
        return name + " on machine " + std::to_string(s.machine) + " for " + std::to_string(s.end - s.start) +
               " is not one of its alternatives";
      if (s.start < 0) return name + " starts before 0";
      if (s.start < job_end) return name + " starts before its job predecessor ends";
      job_end = s.end;
      cmax = std::max(cmax, s.end);
      busy[s.machine].push_back({s.start, s.end});
    }
  }
  for (std::size_t m = 0; m < busy.size(); ++m) {
    auto& b = busy[m];
    std::sort(b.begin(), b.end());
    // Zero-length operations occupy no time and may sit anywhere; positive
    // ones may not overlap.
    std::int64_t last_end = 0;
    for (const auto& [start, end] : b) {
      if (end == start) continue;
      if (start < last_end) return "machine " + std::to_string(m) + " runs two operations at " + std::to_string(start);
      last_end = end;
    }
  }
  if (cmax != r.makespan)
    return "reported makespan " + std::to_string(r.makespan) + " but the last operation ends at " +
           std::to_string(cmax);
  if (r.lower_bound > r.makespan) return "lower bound above the makespan";
  return "";
}

}  // namespace pp::test
