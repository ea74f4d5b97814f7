// Lead-time inference (src/core/leadtime/*): the step series and the shop
// load on a hand-built history worked out in the comments; the no-leakage
// property (features and fallback answers at t <= T are the same on the full
// history and on a copy truncated at T, as a planner saw it then); the
// smoothed product / family levels; the history fallback's ladder; the
// metrics on a worked example; and training on a synthetic plant whose lead
// times are driven by the queue, which a model must learn and the history
// fallback cannot.
#include "core/common/errors.h"
#include "core/leadtime/history_fallback.h"
#include "core/leadtime/leadtime_features.h"
#include "core/leadtime/leadtime_model.h"
#include "core/leadtime/leadtime_training.h"
#include "core/leadtime/order_history.h"
#include "core/leadtime/shop_load.h"
#include "support/demand_series.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace test_leadtime {

using namespace pp::leadtime;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
constexpr double kOneHour = 3600;

// Bitwise equal, or both NaN.
bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

int add_product(OrderHistory& h, const std::string& name, const std::string& family,
                const std::vector<std::pair<std::string, double>>& steps) {
  ProductInfo& p = h.product(name);
  if (!family.empty()) p.known = true, p.family = h.families.id(family);
  for (const auto& [wc, hours] : steps) p.routing.push_back(RoutingStep{h.work_centers.id(wc), hours});
  return h.products.find(name);
}

int add_order(OrderHistory& h, int product, double created, double finished, double quantity = 1,
              std::string name = {}) {
  const int id = h.order_ids.id(name.empty() ? "O" + std::to_string(100000 + h.orders.size()) : name);
  h.orders.push_back(OrderInfo{product, created, finished, quantity});
  return id;
}

void add_op(OrderHistory& h, int order, const std::string& wc, double started, double ended) {
  h.operations.push_back(OperationSpan{order, h.work_centers.id(wc), started, ended});
}

// The history as a planner had it at T: orders created before T, finishes
// and operation ends known by T, operations started (or ended, without a
// start) before T.
OrderHistory truncate(const OrderHistory& h, double T) {
  OrderHistory c;
  for (int i = 0; i < h.products.size(); ++i) c.products.id(h.products.name(i));
  for (int i = 0; i < h.families.size(); ++i) c.families.id(h.families.name(i));
  for (int i = 0; i < h.work_centers.size(); ++i) c.work_centers.id(h.work_centers.name(i));
  c.product_info = h.product_info;
  std::vector<int> map(h.orders.size(), -1);
  for (std::size_t i = 0; i < h.orders.size(); ++i) {
    OrderInfo o = h.orders[i];
    if (!(o.created < T)) continue;
    if (!(o.finished < T)) o.finished = kNaN;
    map[i] = c.order_ids.id(h.order_ids.name(static_cast<int>(i)));
    c.orders.push_back(o);
  }
  for (OperationSpan op : h.operations) {
    const double start = std::isnan(op.started) ? op.ended : op.started;
    if (map[static_cast<std::size_t>(op.order)] < 0 || !(start < T)) continue;
    if (!(op.ended < T)) op.ended = kNaN;
    op.order = map[static_cast<std::size_t>(op.order)];
    c.operations.push_back(op);
  }
  return c;
}

}  // namespace

TEST(LeadTimeStepSeries, CountsOnlyEventsStrictlyBefore) {
  StepSeries empty;
  empty.finish();
  EXPECT_EQ(empty.value_before(kInf), 0);
  StepSeries s;  // added unsorted, two events at 2 and two at 5
  s.add(5, 1);
  s.add(2, 10);
  s.add(5, 100);
  s.add(9, 1000);
  s.add(2, 0.5);
  s.finish();
  EXPECT_EQ(s.value_before(-kInf), 0);
  EXPECT_EQ(s.value_before(2), 0) << "events at exactly t are not before t";
  EXPECT_EQ(s.value_before(std::nextafter(2.0, 3.0)), 10.5);
  EXPECT_EQ(s.value_before(5), 10.5);
  EXPECT_EQ(s.value_before(5.5), 111.5);
  EXPECT_EQ(s.value_before(9), 111.5);
  EXPECT_EQ(s.value_before(kInf), 1111.5);
}

// Work centers A, B, C. P1: A 2h, B 1h, A 0.5h (A 2.5h, B 1h per unit);
// P2: B 3h, C no standard time; P3: C 4h.
//   o1 P1 x2 created 0 finished 20: A 1-5, B 6-10, A again 11-12
//   o2 P2 x1 created 2 open:        B 8-(running); never started on C
//   o3 P1 x1 created 3 finished 15: A 4-(never ended: counts until 15), B 7-9
//   o4 P3 x1 created 5 finished 14: never on C (queued there 5-14); B 10-11 off its routing
// Queue events: A: o1 +1@0 -1@1 (hours 5), o3 +1@3 -1@4 (2.5);
//   B: o1 +1@0 -1@6 (2), o2 +1@2 -1@8 (3), o3 +1@3 -1@7 (1); C: o2 +1@2 (0), o4 +1@5 -1@14 (4).
// WIP: A: +1@1 -1@5, +1@11 -1@12, +1@4 -1@15; B: +1@6 -1@10, +1@8, +1@7 -1@9, +1@10 -1@11.
TEST(LeadTimeShopLoad, HandBuiltHistory) {
  OrderHistory h;
  add_product(h, "P1", "F", {{"A", 2}, {"B", 1}, {"A", 0.5}});
  add_product(h, "P2", "F", {{"B", 3}, {"C", kNaN}});
  add_product(h, "P3", "G", {{"C", 4}});
  const int A = h.work_centers.find("A"), B = h.work_centers.find("B"), C = h.work_centers.find("C");
  const int o1 = add_order(h, 0, 0, 20, 2), o2 = add_order(h, 1, 2, kNaN), o3 = add_order(h, 0, 3, 15),
            o4 = add_order(h, 2, 5, 14);
  add_op(h, o1, "A", 1, 5);
  add_op(h, o1, "B", 6, 10);
  add_op(h, o1, "A", 11, 12);
  add_op(h, o2, "B", 8, kNaN);
  add_op(h, o3, "A", 4, kNaN);
  add_op(h, o3, "B", 7, 9);
  add_op(h, o4, "B", 10, 11);
  const ShopLoad load(h);
  EXPECT_EQ(routing_work_centers(h.product_info[0]), (std::vector<int>{A, B}));
  auto check = [&](double t, std::vector<int> wcs, double open, double q, double qmax, double qh, double wip) {
    const LoadSnapshot s = load.at(t, wcs);
    EXPECT_EQ(s.open_orders, open) << "t=" << t;
    EXPECT_EQ(s.route_queue, q) << "t=" << t;
    EXPECT_EQ(s.route_queue_max, qmax) << "t=" << t;
    EXPECT_DOUBLE_EQ(s.route_queue_hours, qh) << "t=" << t;
    EXPECT_EQ(s.route_wip, wip) << "t=" << t;
  };
  check(0, {A, B, C}, 0, 0, 0, 0, 0);  // o1's own creation does not count
  // t=3 (o3's creation) on [A,B]: open o1,o2; A empty (o1 left at 1); B o1,o2 (hours 2+3); A runs o1.
  check(3, {A, B}, 2, 2, 2, 5, 1);
  // t=4: A holds o3 (its start at 4 is not before 4, 2.5h); B o1,o2,o3 (2+3+1); A runs o1.
  check(4, {A, B}, 3, 4, 3, 8.5, 1);
  check(4.5, {A, B}, 3, 3, 3, 6, 2);  // o3 started on A: A empty, A runs o1 and o3
  // t=8.5 on [B,C]: B empty (o1 left 6, o3 7, o2 8); C o2 (0h), o4 (4h); B runs o1, o3, o2.
  check(8.5, {B, C}, 4, 2, 2, 4, 3);
  // t=14.5 on all: o4 finished (open o1,o2,o3); C o2 only; A runs o3's unended op, B o2.
  check(14.5, {A, B, C}, 3, 1, 1, 0, 2);
  check(15, {A, B, C}, 3, 1, 1, 0, 2);    // o3's finish at 15 not yet counted
  check(15.5, {A, B, C}, 2, 1, 1, 0, 1);  // o3's unended op stops with its order
  check(25, {A, B, C}, 1, 1, 1, 0, 1);    // only o2, queued on C and running on B
  check(25, {C}, 1, 1, 1, 0, 0);
}

// An operation booked as ending (or starting) after its order finished: the
// load before the cut must not depend on it. o1 (finished 10, its operation
// on W ended 20) and o2 (finished 10, first operation on W started 20),
// truncated at T = 15: both histories agree at t = 12 (the operation stops,
// and the order leaves the queue, at the order's finish).
TEST(LeadTimeShopLoad, NoLeakageWhenAnOperationOutlivesItsOrder) {
  OrderHistory h;
  add_product(h, "P", "F", {{"W", 1}});
  const int o1 = add_order(h, 0, 0, 10), o2 = add_order(h, 0, 0, 10);
  add_op(h, o1, "W", 2, 20);
  add_op(h, o2, "W", 20, 21);
  const OrderHistory cut = truncate(h, 15);
  const std::vector<int> w{h.work_centers.find("W")};
  const LoadSnapshot full = ShopLoad(h).at(12, w), seen = ShopLoad(cut).at(12, w);
  EXPECT_EQ(full.route_wip, seen.route_wip) << "BUG: wip of an op ended after its order's finish";
  EXPECT_EQ(full.route_queue, seen.route_queue) << "BUG: queue of an op started after its order's finish";
}

namespace {

// ~300 orders over two years: 8 products (two families, "(unknown)", one
// without routing) over 4 work centers; 10% open, some with lead times
// outside (0, 10000) h; operations inside their order's life (start >=
// creation, end <= finish), some never started or never ended, some off
// the routing.
OrderHistory random_history(std::uint64_t seed) {
  pp::test::XorShift r(seed);
  OrderHistory h;
  for (int w = 0; w < 4; ++w) h.work_centers.id("W" + std::to_string(w));
  for (int p = 0; p < 8; ++p) {
    ProductInfo& info = h.product("P" + std::to_string(p));
    if (p < 6) info.known = true, info.family = h.families.id(p % 2 ? "F1" : "F2"), info.demould_kg = 10.0 * p;
    const int steps = p == 7 ? 0 : 1 + static_cast<int>(r.next() % 4);
    for (int s = 0; s < steps; ++s)
      info.routing.push_back(RoutingStep{static_cast<int>(r.next() % 4), r.uniform() < 0.2 ? kNaN : r.between(0.5, 8)});
  }
  const double t0 = 1.6e9, span = 2 * 365 * 86400.0;
  for (int i = 0; i < 300; ++i) {
    const int p = static_cast<int>(r.next() % 8);
    const double created = t0 + span * r.uniform(), lead = r.between(5, 1500) * kOneHour, u = r.uniform();
    const double finished = u < 0.1 ? kNaN : u < 0.12 ? created : u < 0.14 ? created + 12000 * kOneHour : created + lead;
    const int o = add_order(h, p, created, finished, 1 + static_cast<double>(r.next() % 5));
    const double limit = std::isnan(finished) ? created + lead : finished;
    std::vector<int> wcs;
    for (const RoutingStep& s : h.product_info[static_cast<std::size_t>(p)].routing) wcs.push_back(s.work_center);
    if (r.uniform() < 0.2) wcs.push_back(static_cast<int>(r.next() % 4));
    for (int wc : wcs) {
      if (r.uniform() < 0.2) continue;
      const double s = created + (limit - created) * r.uniform(), e = s + (limit - s) * r.uniform(), v = r.uniform();
      h.operations.push_back(OperationSpan{o, wc, v < 0.1 ? kNaN : s, v > 0.85 ? kNaN : e});
    }
  }
  return h;
}

}  // namespace

TEST(LeadTimeFeatures, NoLeakageOnARandomHistory) {
  const OrderHistory h = random_history(7);
  const FeatureBuilder full(h, 10);
  const HistoryFallback full_fb(h, 3);
  const double t0 = 1.6e9, span = 2 * 365 * 86400.0;
  for (double share : {0.25, 0.5, 0.9}) {
    const double T = t0 + share * span;
    const OrderHistory cut = truncate(h, T);
    const FeatureBuilder seen(cut, 10);
    const HistoryFallback seen_fb(cut, 3);
    int compared = 0, changed = 0;
    for (std::size_t i = 0; i < cut.orders.size(); ++i) changed += std::isnan(cut.orders[i].finished);
    for (const OperationSpan& op : cut.operations) changed += std::isnan(op.ended);
    ASSERT_GT(changed, 10) << "the cut must hide finishes and ends";
    auto compare = [&](int product, double q, double t) {
      double a[kFeatureCount], b[kFeatureCount];
      full.features(product, q, t, a);
      seen.features(product, q, t, b);
      for (int f = 0; f < kFeatureCount; ++f)
        EXPECT_TRUE(same(a[f], b[f])) << feature_name(f) << " at T share " << share << " t=" << t << ": " << a[f]
                                      << " vs " << b[f];
      for (int p : {product, -1}) {
        const LeadAnswer x = full_fb.answer(p, q, t), y = seen_fb.answer(p, q, t);
        EXPECT_TRUE(same(x.p50, y.p50) && same(x.p90, y.p90) && std::string(x.source) == y.source)
            << "fallback of product " << p << " at t=" << t;
      }
      ++compared;
    };
    for (const OrderInfo& o : h.orders)
      if (o.created < T) compare(o.product, o.quantity, o.created);
    for (int p = 0; p < h.products.size(); ++p) compare(p, 2, T);
    EXPECT_EQ(compared, static_cast<int>(cut.orders.size()) + h.products.size());
  }
}

// Orders created at B (2023-11-14 22:13:20 UTC, a Tuesday) + hours; levels
// are means of log lead hours: plant, then family = (s + 10 plant) / (n + 10),
// product = (s + 10 family) / (n + 10).
TEST(LeadTimeFeatures, SmoothedLevelsByHand) {
  const double B = 1700000000;
  OrderHistory h;
  const int p1 = add_product(h, "P1", "F", {{"A", 2}, {"B", kNaN}, {"A", 0.5}});
  const int p2 = add_product(h, "P2", "F", {});
  const int p3 = add_product(h, "P3", "G", {});
  add_order(h, p1, B, B + 10 * kOneHour);             // log 10, finishes B+10
  add_order(h, p1, B + 1 * kOneHour, B + 31 * kOneHour);  // log 30, finishes B+31
  add_order(h, p2, B + 2 * kOneHour, B + 22 * kOneHour);  // log 20, finishes B+22
  add_order(h, p3, B + 3 * kOneHour, B + 43 * kOneHour);  // log 40, finishes B+43
  add_order(h, p2, B + 5 * kOneHour, B + 5 * kOneHour);   // lead 0: never counts
  add_order(h, p1, B - 20000 * kOneHour, B + 4 * kOneHour);  // lead 20004 h: never counts
  const FeatureBuilder fb(h, 10);
  double x[kFeatureCount];
  fb.features(p1, 3, B + 10 * kOneHour, x);  // o1 finishes exactly now: nothing finished before
  EXPECT_TRUE(std::isnan(x[kProductLevel]) && std::isnan(x[kFamilyLevel]));
  // B+25h: o1 (10 h) and o3 (20 h) finished, both family F.
  fb.features(p1, 3, B + 25 * kOneHour, x);
  const double plant25 = (std::log(10) + std::log(20)) / 2;
  const double fam25 = (std::log(10) + std::log(20) + 10 * plant25) / 12;
  EXPECT_NEAR(x[kFamilyLevel], fam25, 1e-12);
  EXPECT_NEAR(x[kProductLevel], (std::log(10) + 10 * fam25) / 11, 1e-12);
  fb.features(p3, 1, B + 25 * kOneHour, x);  // family G has none: everything is the plant's
  EXPECT_NEAR(x[kFamilyLevel], plant25, 1e-12);
  EXPECT_NEAR(x[kProductLevel], plant25, 1e-12);
  // B+50h: all four. F: 10, 30, 20; P1: 10, 30.
  fb.features(p1, 3, B + 50 * kOneHour, x);
  const double plant = std::log(10.0 * 30 * 20 * 40) / 4, fam = (std::log(10.0 * 30 * 20) + 10 * plant) / 13;
  EXPECT_NEAR(x[kFamilyLevel], fam, 1e-12);
  EXPECT_NEAR(x[kProductLevel], (std::log(300.0) + 10 * fam) / 12, 1e-12);
  EXPECT_NEAR(x[kLogQuantity], std::log(3.0), 1e-15);
  EXPECT_EQ(x[kRoutingSteps], 3);
  EXPECT_EQ(x[kStandardHours], 7.5);  // (2 + 0.5) x 3, the NaN step skipped
  EXPECT_TRUE(std::isnan(x[kDemouldKg]));
  fb.features(p2, 1, B, x);
  EXPECT_TRUE(std::isnan(x[kStandardHours])) << "no routing: standard hours unknown";
  EXPECT_EQ(x[kRoutingSteps], 0);
  EXPECT_EQ(x[kMonth], 11);
  EXPECT_EQ(x[kWeekday], 1);
  EXPECT_EQ(x[kHour], 22);
  // An order never counts itself: at its creation its features are those of
  // the history without it (its own finish is after its creation).
  for (std::size_t i = 0; i < h.orders.size(); ++i) {
    OrderHistory without = h;
    without.orders.erase(without.orders.begin() + static_cast<std::ptrdiff_t>(i));
    const FeatureBuilder fw(without, 10);
    const OrderInfo& o = h.orders[i];
    double a[kFeatureCount], b[kFeatureCount];
    fb.features(o.product, o.quantity, o.created, a);
    fw.features(o.product, o.quantity, o.created, b);
    for (int f = 0; f < kFeatureCount; ++f) EXPECT_TRUE(same(a[f], b[f])) << "order " << i << " " << feature_name(f);
  }
  EXPECT_THROW(FeatureBuilder(h, -1), pp::Error);
  EXPECT_THROW(fb.features(99, 1, B, x), pp::Error);
}

// All orders created at T0; lead L finishes at T0 + L h. P1, P2 family F;
// P3 family G (no orders); P4, P5 unknown; P6, P7 routings only.
// Finished: P1 10, 20, 40 (+ lead 0 and 20000 h, ignored); P2 100; P4 1, 2, 3, 4.
TEST(LeadTimeFallback, Ladder) {
  const double T0 = 1.7e9;
  OrderHistory h;
  const int p1 = add_product(h, "P1", "F", {}), p2 = add_product(h, "P2", "F", {});
  const int p3 = add_product(h, "P3", "G", {}), p4 = add_product(h, "P4", "", {}), p5 = add_product(h, "P5", "", {});
  const int p6 = add_product(h, "P6", "G", {{"A", 2}, {"B", kNaN}, {"A", 3}});
  const int p7 = add_product(h, "P7", "G", {{"A", kNaN}});
  for (double lead : {40.0, 10.0, 20.0, 0.0, 20000.0}) add_order(h, p1, T0, T0 + lead * kOneHour);
  add_order(h, p2, T0, T0 + 100 * kOneHour);
  for (double lead : {3.0, 1.0, 4.0, 2.0}) add_order(h, p4, T0, T0 + lead * kOneHour);
  add_order(h, p5, T0, kNaN);
  const HistoryFallback fb(h, 3);
  auto check = [&](int product, double q, double t, double p50, double p90, const std::string& source) {
    const LeadAnswer a = fb.answer(product, q, t);
    EXPECT_EQ(std::string(a.source), source) << "product " << product << " t=" << t;
    if (std::isnan(p50)) {
      EXPECT_TRUE(std::isnan(a.p50) && std::isnan(a.p90));
    } else {
      EXPECT_NEAR(a.p50, p50, 1e-9) << source;
      EXPECT_NEAR(a.p90, p90, 1e-9) << source;
    }
  };
  // P1 {10, 20, 40}: P50 20, P90 at position 1.8: 20 + 0.8 x 20 = 36.
  check(p1, 1, kInf, 20, 36, "history:product");
  check(p1, 1, T0 + 40 * kOneHour + 1, 20, 36, "history:product");
  // At T0+40h exactly P1 has 2 (< min_orders 3), F too: all {1,2,3,4,10,20}:
  // P50 (3+4)/2 = 3.5, P90 at position 4.5: 10 + 0.5 x 10 = 15.
  check(p1, 1, T0 + 40 * kOneHour, 3.5, 15, "history:all");
  // P2 has 1 finished: its family F {10, 20, 40} (at T0+50h), {10,20,40,100} at the end:
  // P50 at 1.5: 30, P90 at 2.7: 40 + 0.7 x 60 = 82.
  check(p2, 1, T0 + 50 * kOneHour, 20, 36, "history:family");
  check(p2, 1, kInf, 30, 82, "history:family");
  // P5's family "(unknown)" has 4 finished, but is never a family level; P3's G has none.
  // All {1,2,3,4,10,20,40,100}: P50 (4+10)/2 = 7, P90 at 6.3: 40 + 0.3 x 60 = 58.
  check(p5, 1, kInf, 7, 58, "history:all");
  check(p3, 1, kInf, 7, 58, "history:all");
  check(-1, 1, kInf, 7, 58, "history:all");
  check(p4, 1, kInf, 2.5, 3.7, "history:product");  // {1,2,3,4}: P90 at 2.7
  check(p6, 1, T0 + 2 * kOneHour, 1, 1, "history:all");  // only the 1 h order
  // Nothing finished before T0+1h: the routing's 2 + 3 h x 4 units, no spread.
  check(p6, 4, T0 + kOneHour, 20, 20, "routing");
  check(p7, 4, T0 + kOneHour, kNaN, kNaN, "none");  // routing without standard times
  check(-1, 1, T0 + kOneHour, kNaN, kNaN, "none");
  EXPECT_TRUE(std::isnan(sorted_quantile({}, 0.5)));
  EXPECT_EQ(sorted_quantile({7}, 0.9), 7);
  EXPECT_NEAR(sorted_quantile({1, 2, 3, 4, 5}, 0.9), 4.6, 1e-12);
}

TEST(LeadTimeMetrics, WorkedExample) {
  // errors p50 - actual: 2, -5, 0, 5; covered: 10<=15, 20<=30, 5<=20 (not 40>39).
  const RegressionMetrics m = regression_metrics({10, 20, 40, 5}, {12, 15, 40, 10}, {15, 30, 39, 20});
  EXPECT_EQ(m.rows, 4);
  EXPECT_DOUBLE_EQ(m.mae, 3);                             // 12 / 4
  EXPECT_DOUBLE_EQ(m.mape, (0.2 + 0.25 + 0 + 1) / 4);     // 0.3625
  EXPECT_DOUBLE_EQ(m.median_error, 1);                    // sorted -5, 0, 2, 5
  EXPECT_DOUBLE_EQ(m.p90_coverage, 0.75);
  EXPECT_DOUBLE_EQ(m.pinball50, 1.5);                     // 0.5 x 12 / 4
  EXPECT_DOUBLE_EQ(m.pinball90, (0.5 + 1.0 + 0.9 + 1.5) / 4);  // 0.1 x 5, 0.1 x 10, 0.9 x 1, 0.1 x 15
  const RegressionMetrics none = regression_metrics({}, {}, {});
  EXPECT_EQ(none.rows, 0);
  EXPECT_TRUE(std::isnan(none.mae));
  EXPECT_THROW(regression_metrics({1, 2}, {1}, {1, 2}), pp::Error);
}

namespace {

// One work center W; P0..P2 (factors 1, 1.3, 0.8) all through it. Arrivals
// alternate by week between every 3 h and every 12 h on average; an order
// waits on W for 30% of its lead time, and its lead time is
//   24 h x factor x (1 + 0.25 x queue at its creation) x exp(0.1 N(0,1)),
// the queue counted here independently of ShopLoad (created before, started
// at or after). Plus PX (no routing): lead 0, -2 h and 12000 h (excluded),
// and 4 open orders of P0 at the end.
OrderHistory queue_history() {
  pp::test::XorShift r(11);
  OrderHistory h;
  const double factor[3] = {1.0, 1.3, 0.8};
  for (int p = 0; p < 3; ++p) {
    const int id = add_product(h, "P" + std::to_string(p), p == 2 ? "G" : "F", {{"W", 2.0 + p}});
    if (p != 1) h.product_info[static_cast<std::size_t>(id)].demould_kg = 100 + 50 * p;
  }
  const int px = add_product(h, "PX", "G", {});
  std::vector<double> start;
  double t = 1.65e9;
  for (int i = 0; i < 1000; ++i) {
    const bool busy = static_cast<std::int64_t>(t / (7 * 86400)) % 2 == 0;
    t += -std::log(1 - r.uniform()) * (busy ? 3 : 12) * kOneHour;
    int q = 0;
    for (double s : start) q += s >= t;
    const int p = static_cast<int>(r.next() % 3);
    const double lead = 24 * kOneHour * factor[p] * (1 + 0.25 * q) * std::exp(0.1 * r.normal());
    // Ids not in creation order (7919 is prime to 1000): the rows are sorted by creation.
    const int o = add_order(h, p, t, t + lead, 1, "Q" + std::to_string(1000 + i * 7919 % 1000));
    start.push_back(t + 0.3 * lead);
    add_op(h, o, "W", t + 0.3 * lead, t + 0.9 * lead);
    if (i == 300) add_order(h, px, t + 1, t + 1);
    if (i == 400) add_order(h, px, t + 1, t - 2 * kOneHour);
    if (i == 500) add_order(h, px, t + 1, t + 12000 * kOneHour);
  }
  for (int i = 1; i <= 4; ++i) add_order(h, 0, t + i * kOneHour, kNaN);
  return h;
}

}  // namespace

TEST(LeadTimeTraining, LoadFeaturesBeatTheHistoryFallback) {
  const OrderHistory h = queue_history();
  LeadTimeOptions o;
  o.algorithm = "boosting";
  const LeadTimeTraining a = train_leadtime(h, o, nullptr), b = train_leadtime(h, o, nullptr);
  o.algorithm = "ridge";
  const LeadTimeTraining r = train_leadtime(h, o, nullptr);
  EXPECT_EQ(a.model.algorithm, Algorithm::Boosting);
  EXPECT_EQ(r.model.algorithm, Algorithm::Ridge);

  // The data set: 1000 usable rows, 3 excluded, 4 open; 800 / 100 / 100 by creation.
  const DataSet& d = a.data;
  EXPECT_EQ(d.excluded, 3);
  EXPECT_EQ(d.open, 4);
  ASSERT_EQ(d.rows.size(), 1000u);
  EXPECT_EQ(a.train_rows, 800);
  EXPECT_EQ(a.validation_rows, 100);
  EXPECT_EQ(a.test_rows, 100);
  for (std::size_t i = 1; i < d.rows.size(); ++i) {
    const double c0 = h.orders[static_cast<std::size_t>(d.rows[i - 1].order)].created;
    const double c1 = h.orders[static_cast<std::size_t>(d.rows[i].order)].created;
    EXPECT_LT(c0, c1) << "rows by creation";
    EXPECT_LE(d.rows[i - 1].split, d.rows[i].split) << "train before validation before test";
    EXPECT_EQ(d.rows[i].split == 1 && d.rows[i - 1].split == 0, c1 == d.validation_from);
    EXPECT_EQ(d.rows[i].split == 2 && d.rows[i - 1].split == 1, c1 == d.test_from);
  }

  for (const LeadTimeTraining* t : {&a, &r}) {
    const char* name = algorithm_name(t->model.algorithm);
    EXPECT_EQ(t->model_test.rows, 100);
    EXPECT_LT(t->model_test.mae, 0.8 * t->fallback_test.mae)
        << name << ": model " << t->model_test.mae << " h vs fallback " << t->fallback_test.mae << " h";
    EXPECT_GE(t->model_test.p90_coverage, 0.8) << name;
    EXPECT_LE(t->model_test.p90_coverage, 0.97) << name;
    // Contributions sum to predict_log.
    double c[kFeatureCount + 1];
    for (const DataRow& row : t->data.rows) {
      t->model.contributions(row.x, c);
      double sum = 0;
      for (double v : c) sum += v;
      ASSERT_NEAR(sum, t->model.predict_log(row.x), 1e-9) << name << " order " << row.order;
    }
  }

  // Deterministic: the same options give the same model, bit for bit.
  EXPECT_TRUE(same(a.model.q50, b.model.q50) && same(a.model.q90, b.model.q90));
  EXPECT_LT(a.model.q50, a.model.q90);
  for (const DataRow& row : a.data.rows)
    ASSERT_TRUE(same(a.model.predict_log(row.x), b.model.predict_log(row.x))) << "order " << row.order;

  LeadTimeOptions bad;
  bad.test_share = 0;
  EXPECT_THROW(train_leadtime(h, bad, nullptr), pp::Error);
  bad = LeadTimeOptions{};
  bad.algorithm = "svm";
  EXPECT_THROW(train_leadtime(h, bad, nullptr), pp::Error);
  bad = LeadTimeOptions{};
  bad.coverage = 1.5;
  EXPECT_THROW(train_leadtime(h, bad, nullptr), pp::Error);
  bad = LeadTimeOptions{};
  bad.min_train_rows = 801;  // 800 training rows
  EXPECT_THROW(train_leadtime(h, bad, nullptr), pp::Error);
}

}  // namespace test_leadtime
