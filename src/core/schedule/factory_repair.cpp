#include "core/schedule/factory_repair.h"

#include "core/common/errors.h"
#include "core/schedule/factory_compiled.h"
#include "core/schedule/factory_fixed.h"
#include "core/schedule/factory_placement.h"
#include "core/schedule/factory_report.h"

#include <algorithm>
#include <chrono>
#include <string>

namespace pp::factory {

namespace {

// Shortest duration of the operation on work center wc (-1 if none).
Seconds duration_on(const CompiledFactory& f, std::int32_t op, std::int32_t wc) {
  Seconds d = -1;
  for (std::int32_t a = f.ops[op].alt_begin; a < f.ops[op].alt_end; ++a)
    if (f.alts[a].work_center == wc) d = d < 0 ? f.alts[a].duration : std::min(d, f.alts[a].duration);
  return d;
}

struct Repair {
  const CompiledFactory& f;
  const FactoryOptions& options;
  FactorySchedule s;                              // the result, filled in topological order
  std::vector<std::vector<Block>> fixed_units;    // per global unit
  std::vector<std::vector<std::int32_t>> seq;     // per global unit: non-fixed ops in sequence
  std::vector<Time> lower;                        // per op: earliest allowed start (never earlier than before)
  std::vector<Seconds> duration;                  // per op on its unit

  // Places `id` on its unit after `prev` (the previous non-fixed op of the
  // sequence, or -1), jumping over fixed blocks in the way.
  void place_on_unit(std::int32_t id, std::int32_t prev, Time ready) {
    OpPlace& p = s.ops[id];
    const std::int32_t wc = p.work_center;
    const std::int32_t g = f.wcs[wc].first_unit + p.unit;
    const CalendarTimeline& cal = f.timeline_of(wc);
    Time unit_free = std::max(f.plan_start, prev >= 0 ? s.ops[prev].end : kFarPast);
    std::int32_t prev_family = prev >= 0 ? f.ops[prev].family : -1;
    const auto& fixed = fixed_units[g];
    std::size_t fi = static_cast<std::size_t>(
        std::upper_bound(fixed.begin(), fixed.end(), unit_free, [](Time t, const Block& b) { return t < b.end; }) -
        fixed.begin());
    // A fixed block ending before the unit is free may still be the unit's
    // latest work before this op (e.g. before the plan start): its family
    // then decides the setup.
    if (fi > 0 && (prev < 0 || fixed[fi - 1].start > s.ops[prev].start)) prev_family = fixed[fi - 1].family;
    Placement pl;
    while (true) {
      pl = place_after(cal, f.wcs[wc].resumable, unit_free, ready, f.setup(wc, prev_family, f.ops[id].family),
                       duration[id]);
      // A fixed block that starts before this placement ends either overlaps
      // it or lies between the unit's previous work and it: either way the
      // operation follows that block (and takes its setup from it).
      if (fi < fixed.size() && fixed[fi].start < pl.end) {
        unit_free = std::max(unit_free, fixed[fi].end);
        prev_family = fixed[fi].family;
        ++fi;
        continue;
      }
      break;
    }
    p.setup_start = pl.setup_start;
    p.start = pl.start;
    p.end = pl.end;
    p.setup = pl.setup;
    p.flags = pl.fits ? 0 : kFlagDoesNotFit;
  }
};

}  // namespace

FactoryPlan move_operation(const FactoryProblem& problem, const FactoryPlan& current, int order, int operation,
                           Time new_start, std::optional<int> new_work_center, const FactoryOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const CompiledFactory f(problem, options);
  const std::size_t n = f.ops.size();
  if (order < 0 || order >= static_cast<int>(problem.orders.size()) || operation < 0 ||
      operation >= static_cast<int>(problem.orders[order].operations.size()))
    throw_invalid("move_operation: no operation " + std::to_string(operation) + " in order " + std::to_string(order));
  if (current.operations.size() != n) throw_invalid("move_operation: the current plan does not match the problem");

  Repair r{f, options, {}, {}, {}, {}, {}};
  place_fixed_operations(f, r.s.ops, r.fixed_units);
  // Read the current plan (by (order, operation), whatever its row order).
  std::vector<char> seen(n, 0);
  for (const PlannedOperation& row : current.operations) {
    if (row.order < 0 || row.order >= static_cast<int>(problem.orders.size()) || row.operation < 0 ||
        row.operation >= static_cast<int>(problem.orders[row.order].operations.size()))
      throw_invalid("move_operation: the current plan has an operation the problem does not have");
    const std::int32_t id = f.order_first_op[row.order] + row.operation;
    if (seen[id]++) throw_invalid("move_operation: the current plan lists an operation twice");
    if (f.ops[id].fixed) continue;  // fixed ones come from the problem, unchanged
    OpPlace& p = r.s.ops[id];
    p.work_center = row.work_center;
    p.unit = row.unit;
    p.setup_start = row.setup_start;
    p.start = row.start;
    p.end = row.end;
    p.setup = row.setup_seconds;
    if (f.ops[id].alt_begin == f.ops[id].alt_end) {
      p.unit = -1;
      p.flags = problem.orders[row.order].operations[row.operation].alternatives.empty() ? kFlagNoAlternative
                                                                                         : kFlagNoCapacity;
    } else if (row.work_center < 0 || row.work_center >= static_cast<int>(f.wcs.size()) || row.unit < 0 ||
               row.unit >= f.wcs[row.work_center].units || duration_on(f, id, row.work_center) < 0) {
      throw_invalid("move_operation: the current plan puts an operation on a unit it cannot use");
    }
  }

  const std::int32_t moved = f.order_first_op[order] + operation;
  if (f.ops[moved].fixed) throw_invalid("move_operation: a fixed operation cannot be moved");
  if (r.s.ops[moved].unit < 0) throw_invalid("move_operation: the operation has no usable work center");
  const std::int32_t target_wc = new_work_center ? *new_work_center : r.s.ops[moved].work_center;
  if (target_wc < 0 || target_wc >= static_cast<int>(f.wcs.size()) || duration_on(f, moved, target_wc) < 0)
    throw_invalid("move_operation: work center " + std::to_string(target_wc) +
                  " is not a usable alternative of the operation");

  // Old starts are lower bounds (nothing moves earlier); durations per unit.
  r.lower.resize(n);
  r.duration.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    r.lower[i] = r.s.ops[i].start;
    if (r.s.ops[i].unit >= 0 && !f.ops[i].fixed)
      r.duration[i] = duration_on(f, static_cast<std::int32_t>(i), r.s.ops[i].work_center);
  }

  // The moved operation's target: new_start, not before its order may start
  // nor before its predecessor ends, at the first instant its calendar can
  // take it (setup and unit occupancy are settled by the pass below).
  const std::int32_t pred = f.ops[moved].prev;
  Time target = std::max(new_start, f.order_ready(order));
  if (pred >= 0) target = std::max(target, r.s.ops[pred].end);
  const Seconds moved_duration = duration_on(f, moved, target_wc);
  target = f.timeline_of(target_wc).schedule_work(target, moved_duration, f.wcs[target_wc].resumable).start;

  // Unit sequences of the non-fixed operations, by their current start.
  r.seq.assign(f.unit_wc.size(), {});
  for (std::size_t i = 0; i < n; ++i) {
    const OpPlace& p = r.s.ops[i];
    if (f.ops[i].fixed || p.unit < 0) continue;
    r.seq[f.wcs[p.work_center].first_unit + p.unit].push_back(static_cast<std::int32_t>(i));
  }
  for (auto& q : r.seq)
    std::sort(q.begin(), q.end(), [&](std::int32_t a, std::int32_t b) {
      const OpPlace &x = r.s.ops[a], &y = r.s.ops[b];
      if (x.start != y.start) return x.start < y.start;
      if (x.end != y.end) return x.end < y.end;
      return a < b;
    });
  // Everything that follows the moved op in the current plan (through
  // routing and unit sequences). None of it can precede the moved op's
  // predecessor (times only grow along these edges), so putting the moved op
  // before all of it keeps the new precedence graph acyclic.
  std::vector<char> after_moved(n, 0);
  {
    std::vector<std::int32_t> unit_next_now(n, -1), stack{moved};
    for (const auto& q : r.seq)
      for (std::size_t k = 1; k < q.size(); ++k) unit_next_now[q[k - 1]] = q[k];
    while (!stack.empty()) {
      const std::int32_t id = stack.back();
      stack.pop_back();
      for (std::int32_t next : {unit_next_now[id], f.ops[id].next})
        if (next >= 0 && !f.ops[next].fixed && !after_moved[next]) {
          after_moved[next] = 1;
          stack.push_back(next);
        }
    }
  }
  {
    auto& q = r.seq[f.wcs[r.s.ops[moved].work_center].first_unit + r.s.ops[moved].unit];
    q.erase(std::find(q.begin(), q.end(), moved));
  }
  // The moved op goes before every operation of the unit that ends after its
  // target (those are pushed) and before anything that followed it. New work
  // center: the unit where that position comes earliest.
  auto position_in = [&](std::int32_t g) {
    const auto& q = r.seq[g];
    std::size_t k = 0;
    while (k < q.size() && r.s.ops[q[k]].end <= target && !after_moved[q[k]]) ++k;
    return k;
  };
  std::int32_t unit = r.s.ops[moved].unit;
  if (target_wc != r.s.ops[moved].work_center) {
    Time best_free = 0;
    for (std::int32_t u = 0; u < f.wcs[target_wc].units; ++u) {
      const std::int32_t g = f.wcs[target_wc].first_unit + u;
      const std::size_t k = position_in(g);
      const Time free_at = k > 0 ? r.s.ops[r.seq[g][k - 1]].end : kFarPast;
      if (u == 0 || free_at < best_free) {
        best_free = free_at;
        unit = u;
      }
    }
  }
  {
    const std::int32_t g = f.wcs[target_wc].first_unit + unit;
    r.seq[g].insert(r.seq[g].begin() + static_cast<std::ptrdiff_t>(position_in(g)), moved);
    r.s.ops[moved].work_center = target_wc;
    r.s.ops[moved].unit = unit;
    r.duration[moved] = moved_duration;
    r.lower[moved] = target;
  }

  // Forward pass in topological order of (routing edges, unit-sequence edges).
  std::vector<std::int32_t> unit_prev(n, -1), unit_next(n, -1), indegree(n, 0), queue;
  queue.reserve(n);
  for (const auto& q : r.seq)
    for (std::size_t k = 1; k < q.size(); ++k) {
      unit_prev[q[k]] = q[k - 1];
      unit_next[q[k - 1]] = q[k];
    }
  for (std::size_t i = 0; i < n; ++i) {
    if (f.ops[i].fixed) continue;
    indegree[i] = (unit_prev[i] >= 0) + (f.ops[i].prev >= 0 && !f.ops[f.ops[i].prev].fixed);
    if (indegree[i] == 0) queue.push_back(static_cast<std::int32_t>(i));
  }
  std::size_t done = 0;
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const std::int32_t id = queue[head];
    ++done;
    if ((done & 1023) == 0 && options.cancel != nullptr) options.cancel->poll();
    const CompiledOp& op = f.ops[id];
    Time ready = std::max(r.lower[id], f.order_ready(op.order));
    if (op.prev >= 0) ready = std::max(ready, r.s.ops[op.prev].end);
    OpPlace& p = r.s.ops[id];
    if (p.unit >= 0) {
      r.place_on_unit(id, unit_prev[id], ready);
    } else {  // on no unit: keep its length, only push
      const Time length = p.end - p.start;
      p.setup_start = p.start = ready;
      p.end = ready + length;
    }
    for (std::int32_t next : {unit_next[id], op.next})
      if (next >= 0 && !f.ops[next].fixed && --indegree[next] == 0) queue.push_back(next);
  }
  std::size_t non_fixed = 0;
  for (const CompiledOp& op : f.ops) non_fixed += !op.fixed;
  if (done != non_fixed) throw Error(ErrorKind::Internal, "move_operation: cyclic sequence after the move");

  FactoryPlan plan = build_plan(f, r.s, options);
  plan.rule = current.rule;
  plan.rules = current.rules;
  plan.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return plan;
}

}  // namespace pp::factory
