#include "core/schedule/jobshop_solution.h"

#include "core/common/errors.h"

#include <algorithm>

namespace pp::schedule {

Schedule::Schedule(const JobShopProblem& problem) : pb_(&problem) {
  const auto n = static_cast<std::size_t>(problem.ops);
  const auto m = static_cast<std::size_t>(problem.machines);
  machine_.assign(n, -1);
  dur_.assign(n, 0);
  mprev_.assign(n, -1);
  mnext_.assign(n, -1);
  mfirst_.assign(m, -1);
  mlast_.assign(m, -1);
  head_.assign(n, 0);
  tail_.assign(n, 0);
  indeg_.assign(n, 0);
  order_.assign(n, 0);
}

void Schedule::clear() {
  std::fill(machine_.begin(), machine_.end(), -1);
  std::fill(mprev_.begin(), mprev_.end(), -1);
  std::fill(mnext_.begin(), mnext_.end(), -1);
  std::fill(mfirst_.begin(), mfirst_.end(), -1);
  std::fill(mlast_.begin(), mlast_.end(), -1);
}

void Schedule::append(std::int32_t o, std::int32_t m) {
  std::int64_t d = pb_->duration_on(o, m);
  if (machine_[o] >= 0 || d < 0) throw Error(ErrorKind::Internal, "job-shop append: bad operation/machine");
  machine_[o] = m;
  dur_[o] = d;
  mprev_[o] = mlast_[m];
  mnext_[o] = -1;
  if (mlast_[m] >= 0) mnext_[mlast_[m]] = o; else mfirst_[m] = o;
  mlast_[m] = o;
}

void Schedule::unlink(std::int32_t o) {
  const std::int32_t m = machine_[o], p = mprev_[o], s = mnext_[o];
  if (p >= 0) mnext_[p] = s; else mfirst_[m] = s;
  if (s >= 0) mprev_[s] = p; else mlast_[m] = p;
}

void Schedule::relocate(std::int32_t o, std::int32_t m, std::int32_t after) {
  unlink(o);
  if (machine_[o] != m) {
    machine_[o] = m;
    dur_[o] = pb_->duration_on(o, m);
  }
  const std::int32_t s = after >= 0 ? mnext_[after] : mfirst_[m];
  mprev_[o] = after;
  mnext_[o] = s;
  if (after >= 0) mnext_[after] = o; else mfirst_[m] = o;
  if (s >= 0) mprev_[s] = o; else mlast_[m] = o;
}

bool Schedule::evaluate() {
  // Kahn's algorithm over the graph whose arcs are job and machine successors
  // (each operation has at most two predecessors and two successors).
  const std::int32_t n = pb_->ops;
  const auto& jp = pb_->job_prev;
  const auto& jn = pb_->job_next;
  std::int32_t qn = 0;
  for (std::int32_t o = 0; o < n; ++o) {
    indeg_[o] = (jp[o] >= 0) + (mprev_[o] >= 0);
    if (indeg_[o] == 0) order_[qn++] = o;
  }
  for (std::int32_t qi = 0; qi < qn; ++qi) {
    const std::int32_t o = order_[qi];
    std::int64_t h = 0;
    if (jp[o] >= 0) h = head_[jp[o]] + dur_[jp[o]];
    if (mprev_[o] >= 0) h = std::max(h, head_[mprev_[o]] + dur_[mprev_[o]]);
    head_[o] = h;
    if (jn[o] >= 0 && --indeg_[jn[o]] == 0) order_[qn++] = jn[o];
    if (mnext_[o] >= 0 && --indeg_[mnext_[o]] == 0) order_[qn++] = mnext_[o];
  }
  if (qn != n) return false;
  std::int64_t cmax = 0;
  for (std::int32_t qi = n - 1; qi >= 0; --qi) {
    const std::int32_t o = order_[qi];
    std::int64_t t = 0;
    if (jn[o] >= 0) t = tail_[jn[o]] + dur_[jn[o]];
    if (mnext_[o] >= 0) t = std::max(t, tail_[mnext_[o]] + dur_[mnext_[o]]);
    tail_[o] = t;
    cmax = std::max(cmax, head_[o] + dur_[o] + t);
  }
  makespan_ = cmax;
  return true;
}

void Schedule::save(Sequencing& s) const {
  s.machine = machine_;
  s.mprev = mprev_;
  s.mnext = mnext_;
  s.mfirst = mfirst_;
  s.mlast = mlast_;
  s.makespan = makespan_;
}

void Schedule::load(const Sequencing& s) {
  machine_ = s.machine;
  mprev_ = s.mprev;
  mnext_ = s.mnext;
  mfirst_ = s.mfirst;
  mlast_ = s.mlast;
  for (std::int32_t o = 0; o < pb_->ops; ++o) dur_[o] = pb_->duration_on(o, machine_[o]);
}

}  // namespace pp::schedule
