#include "core/leadtime/shop_load.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace pp::leadtime {

void StepSeries::finish() {
  std::stable_sort(events_.begin(), events_.end(), [](const Event& a, const Event& b) { return a.time < b.time; });
  times_.resize(events_.size());
  cumulative_.resize(events_.size());
  double sum = 0;
  for (std::size_t i = 0; i < events_.size(); ++i) {
    sum += events_[i].delta;
    times_[i] = events_[i].time;
    cumulative_[i] = sum;
  }
  events_.clear();
  events_.shrink_to_fit();
}

double StepSeries::value_before(double t) const {
  const auto it = std::lower_bound(times_.begin(), times_.end(), t);  // first event at or after t
  return it == times_.begin() ? 0 : cumulative_[static_cast<std::size_t>(it - times_.begin()) - 1];
}

std::vector<int> routing_work_centers(const ProductInfo& p) {
  std::vector<int> out;
  for (const RoutingStep& s : p.routing)
    if (std::find(out.begin(), out.end(), s.work_center) == out.end()) out.push_back(s.work_center);
  return out;
}

ShopLoad::ShopLoad(const OrderHistory& h) {
  const std::size_t wcs = static_cast<std::size_t>(h.work_centers.size());
  queue_.resize(wcs);
  queue_hours_.resize(wcs);
  wip_.resize(wcs);

  // First start on each (order, work center): when the order left its queue.
  std::unordered_map<std::uint64_t, double> first_start;
  first_start.reserve(h.operations.size());
  auto key = [](int order, int wc) { return (static_cast<std::uint64_t>(order) << 32) | static_cast<std::uint32_t>(wc); };
  for (const OperationSpan& op : h.operations) {
    const OrderInfo& o = h.orders[static_cast<std::size_t>(op.order)];
    const double start = std::isnan(op.started) ? op.ended : op.started;
    if (std::isnan(start)) continue;
    auto [it, added] = first_start.emplace(key(op.order, op.work_center), start);
    if (!added && start < it->second) it->second = start;
    // Running from its start to its end or its order's finish, whichever
    // came first: an operation booked as ending after its order closed must
    // not make the load before that booking depend on it (the no-leakage
    // property: a history cut at T must give the same load before T).
    const double end = std::fmin(op.ended, o.finished);  // fmin: NaN only when both are
    auto& w = wip_[static_cast<std::size_t>(op.work_center)];
    w.add(start, 1);
    if (!std::isnan(end)) w.add(std::max(end, start), -1);
  }

  for (std::size_t i = 0; i < h.orders.size(); ++i) {
    const OrderInfo& o = h.orders[i];
    open_.add(o.created, 1);
    if (!std::isnan(o.finished)) open_.add(o.finished, -1);
    const ProductInfo& p = h.product_info[static_cast<std::size_t>(o.product)];
    for (int wc : routing_work_centers(p)) {
      double hours = 0;
      for (const RoutingStep& s : p.routing)
        if (s.work_center == wc && !std::isnan(s.standard_hours)) hours += s.standard_hours;
      hours *= o.quantity;
      const auto it = first_start.find(key(static_cast<int>(i), wc));
      // The first start there or the order's finish, whichever came first.
      double leave = std::fmin(it != first_start.end() ? it->second : kUnknown, o.finished);
      auto& q = queue_[static_cast<std::size_t>(wc)];
      auto& qh = queue_hours_[static_cast<std::size_t>(wc)];
      q.add(o.created, 1);
      qh.add(o.created, hours);
      if (!std::isnan(leave)) {
        leave = std::max(leave, o.created);
        q.add(leave, -1);
        qh.add(leave, -hours);
      }
    }
  }
  open_.finish();
  for (std::size_t w = 0; w < wcs; ++w) {
    queue_[w].finish();
    queue_hours_[w].finish();
    wip_[w].finish();
  }
}

LoadSnapshot ShopLoad::at(double t, const std::vector<int>& work_centers) const {
  LoadSnapshot s;
  s.open_orders = open_.value_before(t);
  for (int wc : work_centers) {
    if (wc < 0 || static_cast<std::size_t>(wc) >= queue_.size()) continue;
    const double q = queue_[static_cast<std::size_t>(wc)].value_before(t);
    s.route_queue += q;
    s.route_queue_max = std::max(s.route_queue_max, q);
    s.route_queue_hours += queue_hours_[static_cast<std::size_t>(wc)].value_before(t);
    s.route_wip += wip_[static_cast<std::size_t>(wc)].value_before(t);
  }
  return s;
}

}  // namespace pp::leadtime
