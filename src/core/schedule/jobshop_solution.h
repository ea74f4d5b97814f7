// A (flexible) job-shop solution as the disjunctive-graph search sees it: a
// machine per operation plus a sequence per machine (doubly linked lists, so
// moving one operation is O(1)). Start times are not stored as decisions;
// evaluate() derives the semi-active schedule by longest paths:
//   head[o] = longest path from the source to the start of o (= start time)
//   tail[o] = longest path from the end of o to the sink (o's duration excluded)
//   makespan = max over o of head[o] + dur[o] + tail[o].
// All times are in the instance's integer units. Holds a pointer to the
// JobShopProblem, which must outlive it. Not thread-safe; one per search.
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/jobshop_problem.h"

#include <cstdint>
#include <vector>

namespace pp::schedule {

// The decisions of a solution without the derived times: what the elite
// pool keeps and what a search restarts from.
struct Sequencing {
  std::vector<std::int32_t> machine;            // [N] assigned machine
  std::vector<std::int32_t> mprev, mnext;       // [N] machine neighbours, -1 at ends
  std::vector<std::int32_t> mfirst, mlast;      // [M] ends of each machine list, -1 if empty
  std::int64_t makespan = 0;                    // as evaluated when captured
};

class Schedule {
 public:
  explicit Schedule(const JobShopProblem& problem);

  const JobShopProblem& problem() const { return *pb_; }

  // Empties every machine list (all operations unassigned), for constructors.
  void clear();
  // Appends o at the end of machine m's list; o must be unassigned and m one
  // of its alternatives.
  void append(std::int32_t o, std::int32_t m);
  // Moves o (currently assigned) to machine m right after operation `after`
  // (-1: first on m). `after` must be on m and differ from o.
  void relocate(std::int32_t o, std::int32_t m, std::int32_t after);

  // Recomputes head/tail/makespan. Returns false (and leaves the times
  // meaningless) when the machine sequences create a cycle.
  bool evaluate();

  // One critical path, source to sink, chosen by `pick` among tied successors
  // (pick(k) returns an index < k; pass a seeded generator for diversity).
  template <class Pick>
  void critical_path(std::vector<std::int32_t>& out, Pick&& pick) const;

  void save(Sequencing& s) const;
  void load(const Sequencing& s);

  // Decisions (read-only views; change them only through the methods above).
  const std::vector<std::int32_t>& machine() const { return machine_; }
  const std::vector<std::int64_t>& dur() const { return dur_; }
  const std::vector<std::int32_t>& mprev() const { return mprev_; }
  const std::vector<std::int32_t>& mnext() const { return mnext_; }
  std::int32_t mfirst(std::int32_t m) const { return mfirst_[m]; }
  std::int32_t mlast(std::int32_t m) const { return mlast_[m]; }
  // Derived by the last successful evaluate().
  const std::vector<std::int64_t>& head() const { return head_; }
  const std::vector<std::int64_t>& tail() const { return tail_; }
  std::int64_t makespan() const { return makespan_; }

  // End of o's job predecessor (0 if first), and head+duration of the job
  // successor counted from its start to the sink (0 if last): the parts of
  // o's longest paths that no machine move of o changes.
  std::int64_t job_ready(std::int32_t o) const {
    std::int32_t p = pb_->job_prev[o];
    return p < 0 ? 0 : head_[p] + dur_[p];
  }
  std::int64_t job_rest(std::int32_t o) const {
    std::int32_t s = pb_->job_next[o];
    return s < 0 ? 0 : tail_[s] + dur_[s];
  }

 private:
  void unlink(std::int32_t o);

  const JobShopProblem* pb_;
  std::vector<std::int32_t> machine_;
  std::vector<std::int64_t> dur_;
  std::vector<std::int32_t> mprev_, mnext_, mfirst_, mlast_;
  std::vector<std::int64_t> head_, tail_;
  std::int64_t makespan_ = 0;
  // Scratch for evaluate(): in-degrees and the topological order.
  std::vector<std::int32_t> indeg_, order_;
};

template <class Pick>
void Schedule::critical_path(std::vector<std::int32_t>& out, Pick&& pick) const {
  out.clear();
  const std::int32_t n = pb_->ops;
  auto critical = [&](std::int32_t o) { return head_[o] + dur_[o] + tail_[o] == makespan_; };
  std::int32_t cand[2];
  std::int32_t k = 0;
  // Start: any critical operation with head 0 (a path from it to the sink
  // has length makespan); reservoir choice among them with `pick`.
  std::int32_t start = -1, seen = 0;
  for (std::int32_t o = 0; o < n; ++o)
    if (head_[o] == 0 && critical(o)) {
      ++seen;
      if (pick(seen) == 0) start = o;
    }
  if (start < 0) return;
  std::int32_t o = start;
  while (true) {
    out.push_back(o);
    k = 0;
    const std::int64_t end = head_[o] + dur_[o];
    std::int32_t s = mnext_[o];
    if (s >= 0 && head_[s] == end && critical(s)) cand[k++] = s;
    s = pb_->job_next[o];
    if (s >= 0 && head_[s] == end && critical(s)) cand[k++] = s;
    if (k == 0) break;
    o = k == 1 ? cand[0] : cand[pick(2)];
  }
}

}  // namespace pp::schedule
