#include "core/simulate/monte_carlo.h"

#include "core/common/errors.h"
#include "core/schedule/factory_placement.h"
#include "core/simulate/random_keys.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pp::simulate {

namespace {

constexpr std::int64_t kMaxCompletions = 50'000'000;
constexpr int kMaxFailuresPerOperation = 10000;
constexpr std::uint64_t kOpenBreakdownDraw = 0xFFFFFFFFull;  // draw index of the open breakdown's residual

// One unit's breakdown process inside one replication.
struct UnitState {
  Time free = 0;                           // when its previous operation (or repair) ends
  Time next_failure = factory::kFarFuture;
  std::uint64_t draws = 0;                 // failures drawn so far
};

class Replication {
 public:
  Replication(const ReplayModel& m, const SimOptions& o) : m_(m), o_(o), end_(m.ops.size()), units_(m.units.size()) {}

  // Runs replication rep; ends are then in end().
  void run(std::int64_t rep) {
    rep_ = rep;
    for (std::size_t u = 0; u < units_.size(); ++u) {
      const SimUnit& su = m_.units[u];
      UnitState& st = units_[u];
      st = UnitState{};
      // Nothing holds a unit before the plan start but its fixed work (the
      // plan start bounds the rest through their ready times).
      st.free = factory::kFarPast;
      if (!o_.breakdowns) continue;
      if (su.open_since && su.repairs && !su.repairs->empty()) st.free = open_repair_end(su);
      st.next_failure = next_failure(u, std::max(st.free, m_.plan_start));
    }
    for (std::size_t i = 0; i < m_.ops.size(); ++i) end_[i] = place(i);
  }

  const std::vector<Time>& end() const { return end_; }
  std::int64_t failures() const { return failures_; }

 private:
  double draw(std::uint64_t key, std::uint64_t k) const { return uniform_draw(o_.seed, rep_, key, k); }

  // The open downtime's end: a repair time drawn among the observed ones
  // longer than it has lasted so far (their mean when none is).
  Time open_repair_end(const SimUnit& su) const {
    const std::vector<double>& r = *su.repairs;
    const double elapsed = static_cast<double>(m_.plan_start - *su.open_since);
    const auto first = std::upper_bound(r.begin(), r.end(), elapsed);
    double total;
    if (first == r.end()) {
      double mean = 0;
      for (double x : r) mean += x;
      total = elapsed + mean / static_cast<double>(r.size());
    } else {
      const std::size_t n = static_cast<std::size_t>(r.end() - first);
      const std::size_t i = std::min(n - 1, static_cast<std::size_t>(draw(su.key, kOpenBreakdownDraw) * static_cast<double>(n)));
      total = first[static_cast<std::ptrdiff_t>(i)];
    }
    return *su.open_since + static_cast<Time>(std::llround(total));
  }

  [[noreturn]] static void implausible_failures(const SimUnit& su) {
    throw Error(ErrorKind::DataException,
                "work center " + su.work_center_id + " breaks down more than " +
                    std::to_string(kMaxFailuresPerOperation) + " times around one operation",
                "Its downtime history gives an implausible failure rate; check prodplan.resource_event or "
                "simulate with {\"breakdowns\": false}.");
  }

  // The first failure after `from`: exponential working time of the unit.
  Time next_failure(std::size_t u, Time from) {
    const SimUnit& su = m_.units[u];
    if (!o_.breakdowns || !(su.failure_rate > 0)) return factory::kFarFuture;
    UnitState& st = units_[u];
    const double gap = -std::log(draw(su.key, 2 * st.draws)) / su.failure_rate;
    if (!(gap < 1e15)) return factory::kFarFuture;
    const factory::CalendarTimeline& cal = m_.timelines[su.timeline];
    return cal.finish(cal.next_working(from), static_cast<Seconds>(std::llround(gap)));
  }

  // The repair of the unit's current failure, then the next failure after it.
  Time repair_and_advance(std::size_t u) {
    const SimUnit& su = m_.units[u];
    UnitState& st = units_[u];
    const std::vector<double>& r = *su.repairs;
    const std::size_t i =
        std::min(r.size() - 1, static_cast<std::size_t>(draw(su.key, 2 * st.draws + 1) * static_cast<double>(r.size())));
    const Time up = st.next_failure + static_cast<Time>(std::llround(r[i]));
    ++st.draws;
    ++failures_;
    st.next_failure = next_failure(u, up);
    return up;
  }

  Time place(std::size_t i) {
    const SimOp& op = m_.ops[i];
    const SimOrder& order = m_.orders[op.order];
    const SimUnit& su = m_.units[op.unit];
    const factory::CalendarTimeline& cal = m_.timelines[su.timeline];
    UnitState& st = units_[op.unit];

    const double factor = op.spread != nullptr && o_.durations != DurationModel::None
                              ? draw_factor(*op.spread, o_.durations, draw(op.key, 0))
                              : 1.0;
    const Time pred_end = op.pred >= 0 ? end_[op.pred] : factory::kFarPast;
    // Fixed work varies only in its part after the plan start: what was done
    // before it is history.
    const Seconds done = std::max<Seconds>(0, std::min(op.planned_end, m_.plan_start) - op.planned_start);
    const Seconds fixed_length =
        done + std::llround(static_cast<double>(op.planned_end - op.planned_start - done) * factor);
    const Seconds work = std::llround(static_cast<double>(op.work) * factor);
    Time ready = std::max({order.release, m_.plan_start, pred_end});
    Time free = st.free;
    if (!o_.early_start) {
      ready = std::max(ready, op.planned_start);
      free = std::max(free, op.planned_setup_start);
    }
    const auto lay_out = [&] {
      if (!op.fixed) return factory::place_after(cal, su.resumable, free, ready, op.setup, work);
      factory::Placement f;
      f.setup_start = f.start = std::max({op.planned_start, pred_end, free});
      f.end = f.start + fixed_length;
      return f;
    };
    factory::Placement p = lay_out();
    // Failures while the unit waits: a repair that outlasts the wait delays the start.
    int struck = 0;
    while (st.next_failure < p.setup_start) {
      if (++struck > kMaxFailuresPerOperation) implausible_failures(su);
      const Time up = repair_and_advance(op.unit);
      if (up > p.setup_start) {
        free = std::max(free, up);
        p = lay_out();
      }
    }
    // Failures during setup or work suspend it until the repair ends.
    Time end = p.end;
    while (st.next_failure < end) {
      if (++struck > kMaxFailuresPerOperation) implausible_failures(su);
      const Time at = st.next_failure;
      const Seconds left = op.fixed ? end - at : cal.working_seconds(at, end);
      const Time up = repair_and_advance(op.unit);
      end = op.fixed ? up + left : cal.finish(cal.next_working(up), left);
    }
    st.free = end;
    return end;
  }

  const ReplayModel& m_;
  const SimOptions& o_;
  std::vector<Time> end_;
  std::vector<UnitState> units_;
  std::int64_t rep_ = 0;
  std::int64_t failures_ = 0;
};

// Empirical quantile (inverse CDF) of sorted values: the smallest v with F(v) >= f.
Time quantile(const std::vector<Time>& sorted, double f) {
  const double n = static_cast<double>(sorted.size());
  std::size_t rank = static_cast<std::size_t>(std::ceil(f * n - 1e-9));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

double quantile(std::vector<double> v, double f) {
  std::sort(v.begin(), v.end());
  const double n = static_cast<double>(v.size());
  std::size_t rank = static_cast<std::size_t>(std::ceil(f * n - 1e-9));
  rank = std::clamp<std::size_t>(rank, 1, v.size());
  return v[rank - 1];
}

}  // namespace

SimResult run_monte_carlo(const ReplayModel& m, const SimOptions& o) {
  if (o.replications < 1) throw_invalid("replications must be at least 1, got " + std::to_string(o.replications));
  const std::int64_t reps = o.replications;
  const std::int64_t n_orders = static_cast<std::int64_t>(m.orders.size());
  if (n_orders * reps > kMaxCompletions)
    throw Error(ErrorKind::ProgramLimit,
                std::to_string(n_orders) + " orders x " + std::to_string(reps) + " replications is more than " +
                    std::to_string(kMaxCompletions) + " completion times",
                "Use fewer replications.");

  std::vector<Time> completion(static_cast<std::size_t>(n_orders * reps));
  std::vector<double> added(m.ops.size(), 0.0);
  SimResult out;
  out.on_time_by_rep.resize(static_cast<std::size_t>(reps));
  for (const SimOrder& ord : m.orders)
    if (ord.due) {
      ++out.orders_with_due;
      if (ord.planned_end <= *ord.due) out.planned_on_time += 1;
    }
  if (out.orders_with_due > 0) out.planned_on_time /= out.orders_with_due;

  Replication sim(m, o);
  for (std::int64_t r = 0; r < reps; ++r) {
    if (o.cancel) o.cancel->poll();
    sim.run(r);
    const std::vector<Time>& end = sim.end();
    for (std::size_t i = 0; i < m.ops.size(); ++i) {
      const SimOp& op = m.ops[i];
      const Time in = op.pred >= 0 ? end[op.pred] - m.ops[op.pred].planned_end : 0;
      added[i] += static_cast<double>((end[i] - op.planned_end) - std::max<Time>(in, 0));
    }
    int on_time = 0;
    for (std::int64_t k = 0; k < n_orders; ++k) {
      const SimOrder& ord = m.orders[k];
      const Time c = ord.last_op >= 0 ? end[ord.last_op] : ord.planned_end;
      completion[static_cast<std::size_t>(k * reps + r)] = c;
      if (ord.due && c <= *ord.due) ++on_time;
    }
    out.on_time_by_rep[r] = out.orders_with_due > 0 ? static_cast<double>(on_time) / out.orders_with_due : 1.0;
  }
  out.failures_drawn = sim.failures();

  // Per order: the distribution of its completion, and its delay driver.
  std::vector<int> driver(m.orders.size(), -1);
  for (std::size_t i = 0; i < m.ops.size(); ++i) {
    const int k = m.ops[i].order;
    if (added[i] > 0 && (driver[k] < 0 || added[i] > added[driver[k]])) driver[k] = static_cast<int>(i);
  }
  out.orders.resize(m.orders.size());
  std::vector<Time> v(static_cast<std::size_t>(reps));
  const double half = static_cast<double>(reps) / 2, spread = 1.959964 * std::sqrt(static_cast<double>(reps)) / 2;
  const std::size_t lo_rank = static_cast<std::size_t>(std::max(1.0, std::floor(half - spread)));
  const std::size_t hi_rank = static_cast<std::size_t>(std::min(static_cast<double>(reps), std::ceil(half + spread) + 1));
  for (std::int64_t k = 0; k < n_orders; ++k) {
    const SimOrder& ord = m.orders[k];
    OrderRisk& risk = out.orders[k];
    std::copy_n(completion.begin() + k * reps, reps, v.begin());
    std::sort(v.begin(), v.end());
    long double sum = 0;
    std::int64_t on_time = 0;
    for (Time c : v) {
      sum += c;
      if (ord.due && c <= *ord.due) ++on_time;
    }
    risk.p_on_time = ord.due ? static_cast<double>(on_time) / static_cast<double>(reps) : -1;
    risk.mean_end = static_cast<Time>(std::llround(sum / reps));
    risk.p10_end = quantile(v, 0.1);
    risk.p50_end = quantile(v, 0.5);
    risk.p90_end = quantile(v, 0.9);
    risk.p50_low = v[lo_rank - 1];
    risk.p50_high = v[hi_rank - 1];
    risk.driver_op = driver[k];
    if (driver[k] >= 0) risk.driver_seconds = added[driver[k]] / static_cast<double>(reps);
  }
  out.on_time_mean = 0;
  for (double x : out.on_time_by_rep) out.on_time_mean += x;
  out.on_time_mean /= static_cast<double>(reps);
  out.on_time_p10 = quantile(out.on_time_by_rep, 0.1);
  out.on_time_p50 = quantile(out.on_time_by_rep, 0.5);
  out.on_time_p90 = quantile(out.on_time_by_rep, 0.9);
  return out;
}

}  // namespace pp::simulate
