// The features of an order's lead time as known at a prediction moment t
// (its creation, for training and for an order already in the books; now,
// for a new order). Each is a function of the order's own attributes and of
// the history strictly before t - never of the order's outcome or of
// anything after t (shop_load.h says why that holds for the load):
//
//   product_level, family_level  smoothed mean log lead time (hours) of the
//                  product's / family's orders finished before t, shrunk
//                  towards the family's / plant's with prior_weight
//                  pseudo-orders: a product with 2 orders is mostly its
//                  family, one with 200 mostly itself. NaN before any order
//                  has finished.
//   log_quantity   log(units)
//   demould_kg, finish_kg, gel_deck_kg, gel_hull_kg   per unit; NaN unknown
//   routing_steps  steps of the product's routing (0: none known)
//   standard_hours the routing's standard hours x quantity (NaN: none known)
//   month, weekday, hour   of t, UTC (1-12, 0 = Monday .. 6, 0-23)
//   open_orders, route_queue, route_queue_max, route_queue_hours, route_wip
//                  the load at t (shop_load.h) on the routing's work centers
//
// Only orders whose lead time is in (0, 10,000) hours count towards the
// levels, the same orders the model trains on.
#pragma once
#include "core/common/core_only.h"

#include "core/leadtime/order_history.h"
#include "core/leadtime/shop_load.h"

#include <vector>

namespace pp::leadtime {

enum Feature : int {
  kProductLevel,
  kFamilyLevel,
  kLogQuantity,
  kDemouldKg,
  kFinishKg,
  kGelDeckKg,
  kGelHullKg,
  kRoutingSteps,
  kStandardHours,
  kMonth,
  kWeekday,
  kHour,
  kOpenOrders,
  kRouteQueue,
  kRouteQueueMax,
  kRouteQueueHours,
  kRouteWip,
  kFeatureCount
};

const char* feature_name(int f);

inline constexpr double kMaxLeadHours = 10000;
// A finished order the models learn from: lead time in (0, kMaxLeadHours).
bool usable_label(const OrderInfo& o);

// Builds features from one history; the history must outlive it.
class FeatureBuilder {
 public:
  FeatureBuilder(const OrderHistory& h, double prior_weight);
  // out: kFeatureCount values for `quantity` units of `product` at t.
  void features(int product, double quantity, double t, double* out) const;
  double prior_weight() const { return prior_weight_; }

 private:
  // Count and sum of log lead hours of finished usable orders, by finish time.
  struct Level {
    StepSeries count, sum;
  };
  double level_at(const Level& l, double t, double prior, double weight) const;

  const OrderHistory& h_;
  double prior_weight_;
  ShopLoad load_;
  Level all_;
  std::vector<Level> product_, family_;
  std::vector<std::vector<int>> routing_wcs_;  // by product
};

}  // namespace pp::leadtime
