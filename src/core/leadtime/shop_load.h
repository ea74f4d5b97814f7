// The shop's load at any past or present moment, rebuilt from the order
// history: how many orders were open, and per work center how many orders
// (and standard hours of work) were waiting for it and how many operations
// were running on it. Lead times in the demo - and in job shops generally -
// are mostly queueing, so the load an order meets when it is created is the
// strongest predictor after the product.
//
// Every count is built from events placed at the moment they became known
// (an order's creation and finish, an operation's start and end), and
// load_at(t) sums the events strictly before t. So the load at a moment
// depends only on what had happened by then: truncating the history at any
// T >= t leaves every answer at t unchanged (the no-leakage property the
// lead-time tests check), and an order never counts itself at its creation.
//
// Definitions, per work center w:
//   queue: orders created, not finished, whose product's routing visits w
//          and that have not started an operation on w yet (an order that
//          finishes without visiting w leaves the queue at its finish);
//   queue_hours: the same orders' standard hours on w x quantity (steps
//          without a standard time count 0);
//   wip:   operations on w started and not ended (an operation stops
//          counting when its order finishes, if that comes first).
#pragma once
#include "core/common/core_only.h"

#include "core/leadtime/order_history.h"

#include <vector>

namespace pp::leadtime {

// A step function of time: value(t) = the sum of the deltas of events
// before t.
class StepSeries {
 public:
  void add(double time, double delta) { events_.push_back({time, delta}); }
  void finish();  // sorts and accumulates; call once after every add
  double value_before(double t) const;

 private:
  struct Event {
    double time, delta;
  };
  std::vector<Event> events_;
  std::vector<double> times_, cumulative_;
};

struct LoadSnapshot {
  double open_orders = 0;
  double route_queue = 0;        // sum over the routing's distinct work centers of their queue
  double route_queue_max = 0;    // the longest of those queues
  double route_queue_hours = 0;  // sum of their queued standard hours
  double route_wip = 0;          // operations running on them
};

class ShopLoad {
 public:
  explicit ShopLoad(const OrderHistory& h);
  // The load order-free: the plant's and the given work centers' (distinct).
  LoadSnapshot at(double t, const std::vector<int>& work_centers) const;

 private:
  StepSeries open_;
  std::vector<StepSeries> queue_, queue_hours_, wip_;  // by work center
};

// The distinct work centers of a product's routing, in first-visit order.
std::vector<int> routing_work_centers(const ProductInfo& p);

}  // namespace pp::leadtime
