#include "core/schedule/factory_compiled.h"

#include "core/common/errors.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

namespace pp::factory {

namespace {

std::uint64_t pair_key(std::int32_t from, std::int32_t to) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(from)) << 32) | static_cast<std::uint32_t>(to);
}

}  // namespace

CompiledFactory::CompiledFactory(const FactoryProblem& p, const FactoryOptions& options)
    : problem(p), plan_start(options.plan_start) {
  timelines.reserve(p.calendars.size() + 1);
  timelines.emplace_back();
  for (const Calendar& c : p.calendars) timelines.emplace_back(c.intervals);

  std::unordered_map<std::string, std::int32_t> families;
  auto family_id = [&](const std::string& name) {
    auto [it, inserted] = families.emplace(name, static_cast<std::int32_t>(families.size()));
    return it->second;
  };
  std::vector<std::int32_t> order_family(p.orders.size());
  for (std::size_t o = 0; o < p.orders.size(); ++o) order_family[o] = family_id(p.orders[o].family);

  const std::int32_t wc_count = static_cast<std::int32_t>(p.work_centers.size());
  wcs.resize(p.work_centers.size());
  std::int32_t units = 0;
  for (std::int32_t w = 0; w < wc_count; ++w) {
    const WorkCenter& src = p.work_centers[w];
    CompiledWorkCenter& wc = wcs[w];
    if (src.units < 0) throw_invalid("work center " + src.id + " has a negative unit count");
    if (src.calendar < -1 || src.calendar >= static_cast<int>(p.calendars.size()))
      throw_invalid("work center " + src.id + " refers to calendar " + std::to_string(src.calendar) +
                    ", which does not exist");
    if (src.default_setup_seconds < 0) throw_invalid("work center " + src.id + " has a negative setup");
    if (src.default_setup_seconds > kMaxWorkSeconds)
      throw_invalid("work center " + src.id + " has a setup of " + std::to_string(src.default_setup_seconds) +
                    " s, more than the limit of " + std::to_string(kMaxWorkSeconds) + " s (100 years)");
    wc.units = src.units;
    wc.timeline = src.calendar + 1;
    wc.first_unit = units;
    wc.resumable = src.resumable;
    wc.default_setup = src.default_setup_seconds;
    units += src.units;
    for (const FamilySetup& s : src.setup_matrix) {
      if (s.seconds < 0) throw_invalid("work center " + src.id + " has a negative family setup");
      if (s.seconds > kMaxWorkSeconds)
        throw_invalid("work center " + src.id + " has a family setup of " + std::to_string(s.seconds) +
                      " s, more than the limit of " + std::to_string(kMaxWorkSeconds) + " s (100 years)");
      const auto from = families.find(s.from_family), to = families.find(s.to_family);
      if (from == families.end() || to == families.end()) continue;  // no order of that family
      wc.matrix.emplace_back(pair_key(from->second, to->second), s.seconds);
    }
    // A pair given twice: the first entry counts (stable sort, keep first).
    std::stable_sort(wc.matrix.begin(), wc.matrix.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    wc.matrix.erase(std::unique(wc.matrix.begin(), wc.matrix.end(),
                                [](const auto& x, const auto& y) { return x.first == y.first; }),
                    wc.matrix.end());
  }
  family_count = static_cast<std::int32_t>(families.size());
  unit_wc.resize(static_cast<std::size_t>(units));
  for (std::int32_t w = 0; w < wc_count; ++w)
    for (std::int32_t u = 0; u < wcs[w].units; ++u) unit_wc[wcs[w].first_unit + u] = w;

  std::size_t op_total = 0;
  for (const Order& o : p.orders) op_total += o.operations.size();
  ops.reserve(op_total);
  order_first_op.reserve(p.orders.size() + 1);
  release.reserve(p.orders.size());
  due.reserve(p.orders.size());
  weight.reserve(p.orders.size());
  double duration_sum = 0;
  std::size_t duration_n = 0;
  for (std::size_t o = 0; o < p.orders.size(); ++o) {
    const Order& order = p.orders[o];
    if (!(order.weight > 0) || !std::isfinite(order.weight))
      throw_invalid("order " + order.id + " has a weight that is not > 0");
    order_first_op.push_back(static_cast<std::int32_t>(ops.size()));
    release.push_back(order.release);
    due.push_back(order.due ? *order.due : kFarFuture);
    weight.push_back(order.weight);
    for (std::size_t k = 0; k < order.operations.size(); ++k) {
      const Operation& src = order.operations[k];
      CompiledOp op;
      op.order = static_cast<std::int32_t>(o);
      op.index = static_cast<std::int32_t>(k);
      op.family = order_family[o];
      op.fixed = src.fixed.has_value();
      op.alt_begin = static_cast<std::int32_t>(alts.size());
      Seconds min_all = -1;
      for (const Alternative& a : src.alternatives) {
        if (a.work_center < 0 || a.work_center >= wc_count)
          throw_invalid("order " + order.id + " operation " + std::to_string(k) + " refers to work center " +
                        std::to_string(a.work_center) + ", which does not exist");
        if (a.duration < 0)
          throw_invalid("order " + order.id + " operation " + std::to_string(k) + " has a negative duration");
        if (a.duration > kMaxWorkSeconds)
          throw_invalid("order " + order.id + " operation " + std::to_string(k) + " has a duration of " +
                        std::to_string(a.duration) + " s, more than the limit of " + std::to_string(kMaxWorkSeconds) +
                        " s (100 years)");
        min_all = min_all < 0 ? a.duration : std::min(min_all, a.duration);
        if (wcs[a.work_center].units > 0) alts.push_back({a.work_center, a.duration});
      }
      op.alt_end = static_cast<std::int32_t>(alts.size());
      Seconds min_usable = -1;
      for (std::int32_t i = op.alt_begin; i < op.alt_end; ++i)
        min_usable = min_usable < 0 ? alts[i].duration : std::min(min_usable, alts[i].duration);
      op.min_duration = std::max<Seconds>(0, min_usable >= 0 ? min_usable : min_all);
      if (k > 0) {
        op.prev = static_cast<std::int32_t>(ops.size()) - 1;
        ops.back().next = static_cast<std::int32_t>(ops.size());
      }
      if (!op.fixed) {
        duration_sum += static_cast<double>(op.min_duration);
        ++duration_n;
      }
      ops.push_back(op);
    }
  }
  order_first_op.push_back(static_cast<std::int32_t>(ops.size()));
  remaining_work.assign(ops.size(), 0);
  for (std::size_t i = ops.size(); i-- > 0;)
    remaining_work[i] = ops[i].min_duration + (ops[i].next >= 0 ? remaining_work[ops[i].next] : 0);
  mean_duration = duration_n > 0 ? std::max(1.0, duration_sum / static_cast<double>(duration_n)) : 1.0;
}

Seconds CompiledFactory::setup(std::int32_t wc, std::int32_t from, std::int32_t to) const {
  if (from < 0 || from == to) return 0;
  const CompiledWorkCenter& c = wcs[wc];
  if (!c.matrix.empty()) {
    const std::uint64_t key = pair_key(from, to);
    const auto it = std::lower_bound(c.matrix.begin(), c.matrix.end(), key,
                                     [](const auto& e, std::uint64_t k) { return e.first < k; });
    if (it != c.matrix.end() && it->first == key) return it->second;
  }
  return c.default_setup;
}

}  // namespace pp::factory
