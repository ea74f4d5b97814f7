#include "core/leadtime/history_fallback.h"

#include "core/leadtime/leadtime_features.h"

#include <algorithm>
#include <cmath>

namespace pp::leadtime {

double sorted_quantile(const std::vector<double>& v, double q) {
  if (v.empty()) return kUnknown;
  const double pos = q * static_cast<double>(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

HistoryFallback::HistoryFallback(const OrderHistory& h, int min_orders) : h_(h), min_orders_(std::max(1, min_orders)) {
  product_.resize(h.product_info.size());
  family_.resize(static_cast<std::size_t>(h.families.size()));
  unknown_family_ = h.families.find("(unknown)");
  std::vector<std::size_t> by_finish;
  for (std::size_t i = 0; i < h.orders.size(); ++i)
    if (usable_label(h.orders[i])) by_finish.push_back(i);
  std::stable_sort(by_finish.begin(), by_finish.end(),
                   [&](std::size_t a, std::size_t b) { return h.orders[a].finished < h.orders[b].finished; });
  for (std::size_t i : by_finish) {
    const OrderInfo& o = h.orders[i];
    Sorted* groups[3] = {&all_, &product_[static_cast<std::size_t>(o.product)],
                         &family_[static_cast<std::size_t>(h.family_of(o.product))]};
    for (Sorted* g : groups) {
      g->finished.push_back(o.finished);
      g->hours.push_back(lead_hours(o));
    }
  }
  auto sort_all = [](Sorted& s) {
    s.ascending = s.hours;
    std::sort(s.ascending.begin(), s.ascending.end());
  };
  sort_all(all_);
  for (Sorted& s : product_) sort_all(s);
  for (Sorted& s : family_) sort_all(s);
}

std::size_t HistoryFallback::Sorted::count_before(double t) const {
  return static_cast<std::size_t>(std::lower_bound(finished.begin(), finished.end(), t) - finished.begin());
}

LeadAnswer HistoryFallback::Sorted::quantiles_before(double t, const char* source) const {
  const std::size_t n = count_before(t);
  if (n == hours.size()) return LeadAnswer{sorted_quantile(ascending, 0.5), sorted_quantile(ascending, 0.9), source};
  std::vector<double> v(hours.begin(), hours.begin() + static_cast<std::ptrdiff_t>(n));
  std::sort(v.begin(), v.end());
  return LeadAnswer{sorted_quantile(v, 0.5), sorted_quantile(v, 0.9), source};
}

LeadAnswer HistoryFallback::answer(int product, double quantity, double t) const {
  const std::size_t need = static_cast<std::size_t>(min_orders_);
  if (product >= 0 && static_cast<std::size_t>(product) < product_.size()) {
    const Sorted& p = product_[static_cast<std::size_t>(product)];
    if (p.count_before(t) >= need) return p.quantiles_before(t, "history:product");
    const int fam = h_.family_of(product);
    if (fam != unknown_family_) {
      const Sorted& f = family_[static_cast<std::size_t>(fam)];
      if (f.count_before(t) >= need) return f.quantiles_before(t, "history:family");
    }
  }
  if (all_.count_before(t) > 0) return all_.quantiles_before(t, "history:all");
  if (product >= 0 && static_cast<std::size_t>(product) < product_.size()) {
    double hours = 0;
    bool any = false;
    for (const RoutingStep& s : h_.product_info[static_cast<std::size_t>(product)].routing)
      if (!std::isnan(s.standard_hours)) hours += s.standard_hours, any = true;
    if (any) return LeadAnswer{hours * quantity, hours * quantity, "routing"};
  }
  return LeadAnswer{};
}

}  // namespace pp::leadtime
