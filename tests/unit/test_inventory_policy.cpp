// Inventory policy (src/core/inventory): the formulas against hand-computed
// values (safety stock with both variabilities, EOQ, the normal loss
// function, the fill-rate safety factor by bisection, lead-time demand
// windows) and the policy's classes and actions on constructed materials.
#include "core/common/errors.h"
#include "core/inventory/inventory_policy.h"
#include "core/inventory/policy_formulas.h"

#include <gtest/gtest.h>

#include <cmath>

namespace test_inventory_policy {

using namespace pp::inventory;

TEST(InventoryFormulas, HandComputed) {
  EXPECT_NEAR(normal_loss(0), 0.3989422804, 1e-9);
  EXPECT_NEAR(normal_loss(1), 0.0833154, 1e-6);   // tables: G(1.00) = 0.0833
  EXPECT_NEAR(normal_quantile(0.95), 1.6448536, 1e-6);
  // d = 10/day, sd 3, L = 9 d, sd_L = 2 d: sqrt(9 x 9 + 100 x 4) = sqrt(481).
  EXPECT_NEAR(lead_time_demand_sd(10, 3, 9, 2), std::sqrt(481.0), 1e-12);
  EXPECT_NEAR(1.6448536 * std::sqrt(481.0), 36.0746, 1e-3);
  // D = 3650/yr, S = 100, H = 0.25 x 8 = 2: sqrt(2 x 3650 x 100 / 2) = sqrt(365000).
  EXPECT_NEAR(economic_order_quantity(3650, 100, 2), std::sqrt(365000.0), 1e-9);
  EXPECT_EQ(economic_order_quantity(0, 100, 2), 0);
  EXPECT_THROW(economic_order_quantity(10, 0, 2), pp::Error);
  // Fill rate 98%, Q = 500, sd_LTD = 100: G(k) = 0.02 x 500 / 100 = 0.1,
  // k ~ 0.9 (tables: G(0.90) = 0.1004).
  const double k = fill_rate_k(0.98, 500, 100);
  EXPECT_NEAR(normal_loss(k), 0.1, 1e-9);
  EXPECT_NEAR(k, 0.9, 0.005);
  EXPECT_THROW(fill_rate_k(1.0, 500, 100), pp::Error);
  const auto w = lead_time_demand_windows({1, 0, 2, 0, 3}, 2);
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0], 1);
  EXPECT_EQ(w[3], 3);
  EXPECT_EQ(lead_time_demand_windows({1, 2}, 2.4).size(), 0u) << "2.4 days round up to 3";
  EXPECT_NEAR(quantile({4, 1, 3, 2}, 0.5), 2.5, 1e-12);
  EXPECT_NEAR(quantile({4, 1, 3, 2}, 1.0), 4, 1e-12);
}

namespace {
MaterialInputs steady(const std::string& id, double per_day, double cost, double on_hand) {
  MaterialInputs m;
  m.material_id = id;
  for (int i = 0; i < 100; ++i) m.daily_demand.push_back(per_day + (i % 2 ? 1 : -1) * per_day * 0.2);
  m.unit_cost = cost;
  m.lead_days = 10;
  m.on_hand = on_hand;
  return m;
}
}  // namespace

TEST(InventoryPolicy, ClassesFiguresAndActions) {
  std::vector<MaterialInputs> ms;
  ms.push_back(steady("LOW", 10, 8, 50));        // position 50 <= ROP ~ 100 + SS: order now
  ms.push_back(steady("LATE", 10, 1, 30));       // out on day 3; supply of 500 due day 12 (lead 10): expedite
  ms.back().supply = {{12, 500}};
  ms.push_back(steady("FULL", 1, 1, 5000));      // 5000 days of cover: excess
  ms.push_back(steady("MID", 10, 2, 400));       // ok
  PolicyOptions o;
  const auto rows = inventory_policy(ms, o);
  ASSERT_EQ(rows.size(), 4u);
  const PolicyRow& low = rows[0];
  EXPECT_NEAR(low.mean_daily, 10, 1e-12);
  EXPECT_NEAR(low.sd_daily, 2 * std::sqrt(100.0 / 99.0), 1e-9);  // +-2 around 10, sample sd
  EXPECT_EQ(low.xyz_class, 'X');
  EXPECT_EQ(low.demand_class, "smooth");
  EXPECT_EQ(low.method, "normal");
  EXPECT_NEAR(low.safety_stock, normal_quantile(0.95) * std::sqrt(10.0) * low.sd_daily, 1e-9);
  EXPECT_NEAR(low.reorder_point, 100 + low.safety_stock, 1e-9);
  EXPECT_NEAR(low.eoq, std::sqrt(2 * 3650 * 100 / (0.25 * 8)), 1e-9);
  EXPECT_EQ(low.action, "order_now");
  EXPECT_NEAR(low.action_quantity, low.order_quantity, 1e-9) << "one lot lifts the position above the reorder point";
  EXPECT_EQ(low.stockout_day, 5) << "50 on hand, 10 a day: 0 after day 4, below zero on day 5 (0-based)";
  EXPECT_EQ(rows[1].action, "expedite");
  EXPECT_EQ(rows[2].action, "excess");
  EXPECT_EQ(rows[3].action, "ok");
  // ABC by value per year: LOW 10 x 365 x 8 = 29200, MID 7300, LATE 3650,
  // FULL 365 (total 40515). The share before each: LOW 0 -> A, MID 72% -> A
  // (the item crossing 80% is A), LATE 90% -> B, FULL 99% -> C.
  EXPECT_EQ(rows[0].abc_class, 'A');
  EXPECT_EQ(rows[3].abc_class, 'A');
  EXPECT_EQ(rows[1].abc_class, 'B');
  EXPECT_EQ(rows[2].abc_class, 'C');
}

TEST(InventoryPolicy, IntermittentUsesEmpiricalLeadTimeDemand) {
  MaterialInputs m;
  m.material_id = "SPARE";
  for (int i = 0; i < 196; ++i) m.daily_demand.push_back(i % 7 == 0 ? 14 : 0);  // 2 a day on average, every 7th day
  m.unit_cost = 5;
  m.lead_days = 7;
  m.on_hand = 100;
  const auto rows = inventory_policy({m}, PolicyOptions{});
  EXPECT_EQ(rows[0].demand_class, "intermittent");
  EXPECT_EQ(rows[0].method, "empirical");
  EXPECT_NEAR(rows[0].reorder_point, 14, 1e-9) << "every 7-day window holds exactly one demand of 14";
  EXPECT_NEAR(rows[0].safety_stock, 0, 1e-9);
}

TEST(InventoryPolicy, BadInput) {
  MaterialInputs m = steady("X", 1, 1, 1);
  m.lead_days = NAN;
  EXPECT_THROW(inventory_policy({m}, PolicyOptions{}), pp::Error);
  PolicyOptions o;
  o.service_level = 1;
  EXPECT_THROW(inventory_policy({steady("X", 1, 1, 1)}, o), pp::Error);
}

}  // namespace test_inventory_policy
