#include "core/schedule/factory_sgs.h"

#include "core/schedule/factory_fixed.h"

#include <algorithm>

namespace pp::factory {

namespace {

constexpr int kPollEvery = 256;  // placements between cancel polls (well under 10 ms)

bool later(const auto& a, const auto& b) {  // heap order: smallest key on top
  if (a.key != b.key) return a.key > b.key;
  if (a.ready != b.ready) return a.ready > b.ready;
  return a.op > b.op;
}

}  // namespace

Sgs::Sgs(const CompiledFactory& f) : f_(f) {
  place_fixed_operations(f_, fixed_ops_, fixed_units_);
  units_.resize(fixed_units_.size());
  out_.ops.reserve(f.ops.size());
  out_.sequence.reserve(f.ops.size());
  heap_.reserve(f.problem.orders.size() + 16);
}

Time Sgs::ready_of(std::int32_t op) const {
  const CompiledOp& o = f_.ops[op];
  Time ready = f_.order_ready(o.order);
  if (o.prev >= 0) ready = std::max(ready, out_.ops[o.prev].end);
  return ready;
}

void Sgs::push(std::int32_t op, const PriorityKey& priority) {
  const Time ready = ready_of(op);
  heap_.push_back({priority.key(op, ready), ready, op});
  std::push_heap(heap_.begin(), heap_.end(), [](const Eligible& a, const Eligible& b) { return later(a, b); });
}

void Sgs::place(std::int32_t id) {
  const CompiledOp& op = f_.ops[id];
  OpPlace& out = out_.ops[id];
  const Time ready = ready_of(id);
  if (op.alt_begin == op.alt_end) {
    // No usable work center: still placed (on no unit) so that successors and
    // the report see it; the planner lists it as a problem.
    const auto& src = f_.problem.orders[op.order].operations[op.index].alternatives;
    out.work_center = src.empty() ? -1 : src.front().work_center;
    out.unit = -1;
    out.setup_start = out.start = ready;
    out.end = ready + op.min_duration;
    out.flags |= src.empty() ? kFlagNoAlternative : kFlagNoCapacity;
    return;
  }
  Slot best;
  std::int32_t best_unit = -1;
  for (std::int32_t a = op.alt_begin; a < op.alt_end; ++a) {
    const CompiledAlt& alt = f_.alts[a];
    const CompiledWorkCenter& wc = f_.wcs[alt.work_center];
    for (std::int32_t u = 0; u < wc.units; ++u) {
      const std::int32_t g = wc.first_unit + u;
      const Slot s = find_slot(units_[g], f_, alt.work_center, op.family, ready, alt.duration, f_.plan_start);
      if (best_unit < 0 || s.placement.end < best.placement.end ||
          (s.placement.end == best.placement.end && s.placement.setup < best.placement.setup)) {
        best = s;
        best_unit = g;
      }
    }
  }
  insert_block(units_[best_unit], best, id, op.family);
  out.work_center = f_.unit_wc[best_unit];
  out.unit = best_unit - f_.wcs[out.work_center].first_unit;
  out.start = best.placement.start;
  out.end = best.placement.end;
  if (!best.placement.fits) out.flags |= kFlagDoesNotFit;
}

const FactorySchedule& Sgs::run(const PriorityKey& priority, const CancelToken* cancel) {
  out_.ops = fixed_ops_;
  out_.sequence.clear();
  for (std::size_t g = 0; g < units_.size(); ++g) units_[g] = fixed_units_[g];  // keeps capacity
  heap_.clear();
  const auto cmp = [](const Eligible& a, const Eligible& b) { return later(a, b); };
  for (std::size_t i = 0; i < f_.ops.size(); ++i) {
    const CompiledOp& op = f_.ops[i];
    if (!op.fixed && (op.prev < 0 || f_.ops[op.prev].fixed)) push(static_cast<std::int32_t>(i), priority);
  }
  int until_poll = kPollEvery;
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), cmp);
    const std::int32_t id = heap_.back().op;
    heap_.pop_back();
    place(id);
    out_.sequence.push_back(id);
    const std::int32_t next = f_.ops[id].next;
    if (next >= 0 && !f_.ops[next].fixed) push(next, priority);
    if (--until_poll == 0) {
      until_poll = kPollEvery;
      if (cancel != nullptr) cancel->poll();
    }
  }
  // Setups are final only now: a later insertion may have changed a block's
  // predecessor (and so its setup) after the block was placed.
  for (const auto& blocks : units_)
    for (const Block& b : blocks) {
      out_.ops[b.op].setup = b.setup;
      out_.ops[b.op].setup_start = b.setup_start;
    }
  return out_;
}

}  // namespace pp::factory
