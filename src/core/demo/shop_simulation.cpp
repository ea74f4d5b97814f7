// The discrete-event shop simulation that times every operation.
//
// Each order walks its product's routing. An operation becomes ready when the
// previous operation of its order ends (the first one at the order's release)
// and goes to the capacity unit of its work center that frees up first (FIFO
// by ready time: events are processed in time order). It starts at the first
// working instant of the work center's calendar at or after max(ready, unit
// free) and runs for its duration in working time, across shifts and days.
// Duration (working minutes) = base(phase) x (finish kg / 100)^exponent(phase)
// x LN(sigma(phase)) (mean-one log-normal), x U(0.3, 0.6) for a rework pass.
// A colour change on a Gelcoat/Pintura unit adds a setup before the start.
//
// Manual operations get a crew of 1-3 holders of the phase's employee slots at
// the start. Each operation carries lambda, its expected number of defects:
// kDefectBaseRate x family x phase x shift (2 = x1.35) x tenure band of the
// crew's least experienced member. When an evaluation operation is scheduled,
// every operation since the order's previous evaluation gets Poisson(lambda)
// defects with distinct descriptions of its phase; if one has severity >= 2,
// with probability kReworkProbability (0.4) a rework pass of that culprit's
// phase follows.
#include "core/demo/plant_spec.h"
#include "core/demo/rng.h"
#include "core/demo/stages.h"

#include <algorithm>
#include <cmath>

namespace pp::demo {

namespace {

struct Event {
  Time t;
  std::uint64_t seq;
  int kind;  // 0 = an order's next operation is ready, 1 = breakdown
  int index;
};
struct EventLater {
  bool operator()(const Event& a, const Event& b) const { return a.t != b.t ? a.t > b.t : a.seq > b.seq; }
};
struct Unit {
  Time free;
  int id;
};
struct UnitLater {
  bool operator()(const Unit& a, const Unit& b) const { return a.free != b.free ? a.free > b.free : a.id > b.id; }
};
struct Pool {
  std::vector<Unit> heap;
  std::vector<int> last_colour;
};
struct OrderState {
  int next_step = 0;
  int pending_rework = -1;  // culprit op of the rework pass to run next
  int last_eval_pos = -1;   // position in order_ops of the last evaluation
};

class ShopSimulation {
 public:
  explicit ShopSimulation(DemoState& st)
      : st_(st), specs_(phase_specs()), fams_(family_specs()), rng_(st.seed, Stream::Simulation) {}

  void run(const CancelToken& cancel) {
    pools_.resize(st_.phases.size());
    for (std::size_t p = 0; p < st_.phases.size(); ++p) {
      for (int u = 0; u < st_.phases[p].capacity; ++u) pools_[p].heap.push_back({st_.tf.calendar_start, u});
      pools_[p].last_colour.assign(static_cast<std::size_t>(st_.phases[p].capacity), -1);
    }
    const std::size_t n = st_.orders.size();
    state_.assign(n, OrderState{});
    st_.order_ops.assign(n, {});
    st_.order_done.assign(n, kNever);
    std::size_t expected_ops = 0;
    for (std::size_t o = 0; o < n; ++o) {
      const int len = st_.products[static_cast<std::size_t>(st_.orders[o].product)].route_len;
      st_.order_ops[o].reserve(static_cast<std::size_t>(len) + 2);
      expected_ops += static_cast<std::size_t>(len) + 1;
      push({st_.orders[o].release, 0, 0, static_cast<int>(o)});
    }
    st_.ops.reserve(expected_ops);
    st_.crew_pool.reserve(expected_ops * 2);
    for (std::size_t b = 0; b < st_.breakdowns.size(); ++b) push({st_.breakdowns[b].at, 0, 1, static_cast<int>(b)});
    std::uint64_t handled = 0;
    while (!events_.empty()) {
      if ((++handled & 4095) == 0) cancel.poll();
      std::pop_heap(events_.begin(), events_.end(), EventLater{});
      const Event e = events_.back();
      events_.pop_back();
      if (e.kind == 0) step(e.index, e.t);
      else breakdown(e.index);
    }
  }

 private:
  void push(Event e) {
    e.seq = seq_++;
    events_.push_back(e);
    std::push_heap(events_.begin(), events_.end(), EventLater{});
  }
  Unit take_unit(int phase) {
    auto& h = pools_[static_cast<std::size_t>(phase)].heap;
    std::pop_heap(h.begin(), h.end(), UnitLater{});
    const Unit u = h.back();
    h.pop_back();
    return u;
  }
  void give_unit(int phase, Unit u) {
    auto& h = pools_[static_cast<std::size_t>(phase)].heap;
    h.push_back(u);
    std::push_heap(h.begin(), h.end(), UnitLater{});
  }

  void breakdown(int index) {
    const Breakdown& b = st_.breakdowns[static_cast<std::size_t>(index)];
    const PhaseRuntime& ph = st_.phases[static_cast<std::size_t>(b.phase)];
    Unit u = take_unit(b.phase);
    DowntimeRecord d;
    d.phase = b.phase;
    d.reason = b.reason;
    d.ongoing = b.ongoing;
    d.start = b.ongoing ? b.at : st_.calendars[ph.calendar].next_start(std::max(b.at, u.free));
    d.end = d.start + b.duration;
    u.free = std::max(u.free, d.end);
    give_unit(b.phase, u);
    st_.downtimes.push_back(d);
  }

  int holder(int slot, Time t) const {
    const auto& chain = st_.slots[static_cast<std::size_t>(slot)].chain;
    for (std::size_t k = chain.size(); k-- > 0;) {
      const EmployeeInfo& e = st_.employees[static_cast<std::size_t>(chain[k])];
      if (e.qualified <= t && e.left > t) return chain[k];
    }
    return -1;
  }

  // Draws the crew, returns the tenure multiplier of its least experienced member.
  double assign_crew(SimOp& op) {
    const auto& slots = st_.phases[static_cast<std::size_t>(op.phase)].slots;
    op.crew_begin = static_cast<int>(st_.crew_pool.size());
    op.crew_n = 0;
    if (slots.empty()) return 1.0;
    const double u = rng_.uniform();
    const int want = u < kCrewSizeShare[0] ? 1 : u < kCrewSizeShare[0] + kCrewSizeShare[1] ? 2 : 3;
    int chosen[3];
    int got = 0;
    for (int attempt = 0; attempt < 12 && got < want; ++attempt) {
      const int slot = slots[rng_.index(slots.size())];
      const int e = holder(slot, op.start);
      if (e < 0) continue;
      bool dup = false;
      for (int k = 0; k < got; ++k) dup = dup || chosen[k] == e;
      if (!dup) chosen[got++] = e;
    }
    double min_tenure = 1e9;
    for (int k = 0; k < got; ++k) {
      st_.crew_pool.push_back(chosen[k]);
      const double years = static_cast<double>(op.start - st_.employees[static_cast<std::size_t>(chosen[k])].hired) /
                           (365.25 * kDay);
      min_tenure = std::min(min_tenure, years);
    }
    op.crew_n = static_cast<std::uint8_t>(got);
    if (got == 0) return 1.0;
    for (const TenureBand& b : kTenureBands) {
      if (min_tenure < b.max_years) return b.multiplier;
    }
    return 1.0;
  }

  void step(int order, Time t) {
    OrderState& os = state_[static_cast<std::size_t>(order)];
    const OrderInfo& ord = st_.orders[static_cast<std::size_t>(order)];
    const ProductInfo& prod = st_.products[static_cast<std::size_t>(ord.product)];
    SimOp op;
    op.order = order;
    op.ready = t;
    if (os.pending_rework >= 0) {
      const SimOp& culprit = st_.ops[static_cast<std::size_t>(os.pending_rework)];
      op.phase = culprit.phase;
      op.step = culprit.step;
      op.rework = true;
      op.created = t;
      op.trigger_defect = pending_defect_[static_cast<std::size_t>(order)];
      os.pending_rework = -1;
    } else {
      op.step = static_cast<std::int16_t>(os.next_step++);
      op.phase = static_cast<std::int16_t>(st_.route_steps[static_cast<std::size_t>(prod.route_begin + op.step)].phase);
      op.created = ord.created;
    }
    const std::size_t p = static_cast<std::size_t>(op.phase);
    const PhaseRuntime& ph = st_.phases[p];
    const PhaseSpec& spec = specs_[p];
    const WorkCalendar& cal = st_.calendars[ph.calendar];
    Pool& pool = pools_[p];
    Unit unit = take_unit(op.phase);
    Time start = cal.next_start(std::max(t, unit.free));
    const std::size_t uid = static_cast<std::size_t>(unit.id);
    if (spec.colour_setups && pool.last_colour[uid] >= 0 && pool.last_colour[uid] != ord.colour) {
      const Time setup = static_cast<Time>(rng_.uniform(kSetupMinutesMin, kSetupMinutesMax) * kMinute);
      st_.setups.push_back({op.phase, start, cal.advance_end(start, setup), ord.colour});
      start = cal.advance_start(start, setup);
    }
    pool.last_colour[uid] = ord.colour;
    double minutes = ph.base_minutes * weight_factor(prod.finish_kg, spec.weight_exponent) *
                     rng_.lognormal_mean1(spec.sigma);
    if (op.rework) minutes *= rng_.uniform(kReworkDurationMin, kReworkDurationMax);
    minutes = std::max(kMinOperationMinutes, minutes);
    const Time end = cal.advance_end(start, static_cast<Time>(std::llround(minutes * 60.0)));
    unit.free = end;
    give_unit(op.phase, unit);
    op.start = start;
    op.end = end;
    op.work_minutes = static_cast<float>(minutes);
    const int mod = minute_of_day(start);
    op.shift = static_cast<std::int8_t>(mod >= 360 && mod < 840 ? 1 : mod >= 840 && mod < 1320 ? 2 : 3);
    double tenure_mult = 1.0;
    if (!spec.automatic) tenure_mult = assign_crew(op);
    else op.crew_begin = static_cast<int>(st_.crew_pool.size());
    const double shift_mult = (!spec.around_the_clock && op.shift == 2) ? kShift2DefectMultiplier : 1.0;
    op.lambda = static_cast<float>(kDefectBaseRate * fams_[static_cast<std::size_t>(prod.family)].defect_multiplier *
                                   spec.defect_multiplier * shift_mult * tenure_mult);
    const int idx = static_cast<int>(st_.ops.size());
    st_.ops.push_back(op);
    st_.order_ops[static_cast<std::size_t>(order)].push_back(idx);
    if (spec.evaluation) evaluate(order, idx);
    if (os.pending_rework >= 0 || os.next_step < prod.route_len) {
      push({end, 0, 0, order});
    } else {
      st_.order_done[static_cast<std::size_t>(order)] = end;
    }
  }

  void evaluate(int order, int eval_op) {
    OrderState& os = state_[static_cast<std::size_t>(order)];
    const auto& list = st_.order_ops[static_cast<std::size_t>(order)];
    const int here = static_cast<int>(list.size()) - 1;
    int best = -1;
    for (int pos = os.last_eval_pos + 1; pos < here; ++pos) {
      const int j = list[static_cast<std::size_t>(pos)];
      const SimOp& c = st_.ops[static_cast<std::size_t>(j)];
      if (c.lambda <= 0) continue;
      int k = rng_.poisson(c.lambda);
      if (k == 0) continue;
      const auto& descs = specs_[static_cast<std::size_t>(c.phase)].defects;
      k = std::min<int>(k, static_cast<int>(descs.size()));
      int picked[8];
      for (int a = 0; a < static_cast<int>(descs.size()) && a < 8; ++a) picked[a] = descs[static_cast<std::size_t>(a)];
      const int m = std::min<int>(static_cast<int>(descs.size()), 8);
      for (int a = 0; a < k; ++a) {
        const int b = a + static_cast<int>(rng_.index(static_cast<std::size_t>(m - a)));
        std::swap(picked[a], picked[b]);
        SimDefect d;
        d.eval_op = eval_op;
        d.culprit_op = j;
        d.description = static_cast<std::int16_t>(picked[a]);
        const double u = rng_.uniform();
        d.severity = static_cast<std::int8_t>(u < kSeverityShare[0] ? 1 : u < kSeverityShare[0] + kSeverityShare[1] ? 2 : 3);
        if (d.severity >= 2 && (best < 0 || d.severity > st_.defects[static_cast<std::size_t>(best)].severity)) {
          best = static_cast<int>(st_.defects.size());
        }
        st_.defects.push_back(d);
      }
    }
    os.last_eval_pos = here;
    if (best >= 0 && rng_.chance(kReworkProbability)) {
      st_.defects[static_cast<std::size_t>(best)].triggered_rework = true;
      os.pending_rework = st_.defects[static_cast<std::size_t>(best)].culprit_op;
      if (pending_defect_.empty()) pending_defect_.assign(st_.orders.size(), -1);
      pending_defect_[static_cast<std::size_t>(order)] = best;
    }
  }

  DemoState& st_;
  const std::vector<PhaseSpec>& specs_;
  const std::vector<FamilySpec>& fams_;
  Rng rng_;
  std::vector<Pool> pools_;
  std::vector<OrderState> state_;
  std::vector<int> pending_defect_;
  std::vector<Event> events_;
  std::uint64_t seq_ = 0;
};

}  // namespace

void run_shop_simulation(DemoState& st, const CancelToken& cancel) {
  ShopSimulation sim(st);
  sim.run(cancel);
}

}  // namespace pp::demo
