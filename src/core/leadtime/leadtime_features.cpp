#include "core/leadtime/leadtime_features.h"

#include "core/common/errors.h"

#include <cmath>
#include <ctime>

namespace pp::leadtime {

const char* feature_name(int f) {
  static const char* const kNames[kFeatureCount] = {
      "product_level", "family_level", "log_quantity",   "demould_kg",      "finish_kg",        "gel_deck_kg",
      "gel_hull_kg",   "routing_steps", "standard_hours", "month",           "weekday",          "hour",
      "open_orders",   "route_queue",  "route_queue_max", "route_queue_hours", "route_wip"};
  if (f < 0 || f >= kFeatureCount) throw Error(ErrorKind::InvalidParameter, "leadtime: no feature " + std::to_string(f));
  return kNames[f];
}

bool usable_label(const OrderInfo& o) {
  if (std::isnan(o.finished)) return false;
  const double h = lead_hours(o);
  return h > 0 && h < kMaxLeadHours;
}

FeatureBuilder::FeatureBuilder(const OrderHistory& h, double prior_weight)
    : h_(h), prior_weight_(prior_weight), load_(h) {
  if (!(prior_weight >= 0) || !std::isfinite(prior_weight))
    throw Error(ErrorKind::InvalidParameter, "leadtime: prior_weight must be a finite number >= 0");
  product_.resize(h.product_info.size());
  family_.resize(static_cast<std::size_t>(h.families.size()));
  for (const OrderInfo& o : h.orders) {
    if (!usable_label(o)) continue;
    const double y = std::log(lead_hours(o));
    Level* levels[3] = {&all_, &product_[static_cast<std::size_t>(o.product)],
                        &family_[static_cast<std::size_t>(h.family_of(o.product))]};
    for (Level* l : levels) {
      l->count.add(o.finished, 1);
      l->sum.add(o.finished, y);
    }
  }
  all_.count.finish();
  all_.sum.finish();
  for (Level& l : product_) l.count.finish(), l.sum.finish();
  for (Level& l : family_) l.count.finish(), l.sum.finish();
  routing_wcs_.reserve(h.product_info.size());
  for (const ProductInfo& p : h.product_info) routing_wcs_.push_back(routing_work_centers(p));
}

double FeatureBuilder::level_at(const Level& l, double t, double prior, double weight) const {
  const double n = l.count.value_before(t), s = l.sum.value_before(t);
  if (std::isnan(prior)) return n > 0 ? s / n : kUnknown;
  return (s + weight * prior) / (n + weight);
}

void FeatureBuilder::features(int product, double quantity, double t, double* out) const {
  if (product < 0 || static_cast<std::size_t>(product) >= h_.product_info.size())
    throw Error(ErrorKind::InvalidParameter, "leadtime: unknown product index");
  const ProductInfo& p = h_.product_info[static_cast<std::size_t>(product)];
  const double plant = level_at(all_, t, kUnknown, 0);
  const double family = level_at(family_[static_cast<std::size_t>(p.family)], t, plant, prior_weight_);
  out[kProductLevel] = level_at(product_[static_cast<std::size_t>(product)], t, family, prior_weight_);
  out[kFamilyLevel] = family;
  out[kLogQuantity] = std::log(quantity > 0 ? quantity : 1);
  out[kDemouldKg] = p.demould_kg;
  out[kFinishKg] = p.finish_kg;
  out[kGelDeckKg] = p.gel_deck_kg;
  out[kGelHullKg] = p.gel_hull_kg;
  out[kRoutingSteps] = static_cast<double>(p.routing.size());
  double hours = 0;
  bool any = false;
  for (const RoutingStep& s : p.routing)
    if (!std::isnan(s.standard_hours)) hours += s.standard_hours, any = true;
  out[kStandardHours] = any ? hours * quantity : kUnknown;
  const std::time_t secs = static_cast<std::time_t>(std::floor(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  out[kMonth] = tm.tm_mon + 1;
  out[kWeekday] = (tm.tm_wday + 6) % 7;
  out[kHour] = tm.tm_hour;
  const LoadSnapshot s = load_.at(t, routing_wcs_[static_cast<std::size_t>(product)]);
  out[kOpenOrders] = s.open_orders;
  out[kRouteQueue] = s.route_queue;
  out[kRouteQueueMax] = s.route_queue_max;
  out[kRouteQueueHours] = s.route_queue_hours;
  out[kRouteWip] = s.route_wip;
}

}  // namespace pp::leadtime
