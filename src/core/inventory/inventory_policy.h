// Reorder policy per material: ABC by consumption value, XYZ by the
// variability of daily demand, the demand class (forecast/demand_class.h),
// safety stock with demand and lead-time variability, reorder point, EOQ,
// cover, the projected stock-out from the plan's requirements, the risk of
// a stock-out within the horizon, and what to do.
//
// Units: demand in the material's unit per day; lead times in days; costs
// in money per order and per unit. All figures of one material use its own
// unit; ABC compares money.
#pragma once
#include "core/common/core_only.h"

#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace pp::inventory {

struct MaterialInputs {
  std::string material_id;
  std::vector<double> daily_demand;  // the history window, oldest first, units/day (>= 0)
  double unit_cost = std::numeric_limits<double>::quiet_NaN();  // NaN: unknown
  double lead_days = std::numeric_limits<double>::quiet_NaN();  // NaN: unknown
  double lead_sd_days = 0;
  double min_order_qty = 0;
  double on_hand = 0;
  std::vector<std::pair<int, double>> supply;  // (days from today when due, quantity); overdue at day 0
  std::vector<double> planned_daily;           // requirements of the latest plan, day 0 = today; may be empty
};

struct PolicyOptions {
  double service_level = 0.95;  // cycle service level, or the fill rate when fill_rate
  bool fill_rate = false;
  double order_cost = 100;      // money per order
  double holding_rate = 0.25;   // share of the unit cost per year
  double abc_a = 0.80, abc_b = 0.95;  // cumulative consumption-value cut-offs
  double xyz_x = 0.5, xyz_y = 1.0;    // coefficient of variation cut-offs of daily demand
  double excess_days = 180;     // cover beyond it (and above the reorder point plus an order) is excess
  int risk_days = 30;           // the stock-out risk's horizon
  int projection_days = 365;    // how far the stock-out date is projected
};

struct PolicyRow {
  std::string material_id;
  char abc_class = 'C', xyz_class = 'Z';
  std::string demand_class;
  double mean_daily = 0, sd_daily = 0, cv = 0;
  double lead_days = 0, lead_sd_days = 0;
  std::string method;           // normal or empirical (lead-time demand windows)
  double safety_factor = 0;     // k (NaN for the empirical method)
  double safety_stock = 0, reorder_point = 0;
  double eoq = 0;               // NaN when the unit cost is unknown
  double order_quantity = 0;    // the lot: max(EOQ, minimum order), or 30 days of demand without EOQ
  double on_hand = 0, open_supply = 0, position = 0;
  double days_of_cover = 0;     // on hand / mean daily demand; +inf without demand
  int stockout_day = -1;        // first projected day below zero (0 = today); -1 none within projection_days
  double stockout_risk = 0;     // P(demand within risk_days exceeds on hand + supply due by then)
  std::string action;           // order_now, expedite, ok, excess, no_demand
  double action_quantity = 0;   // for order_now
  std::string reason;
};

// Throws pp::Error (InvalidParameter) for bad options, DataException for a
// material without lead time or with negative demand.
std::vector<PolicyRow> inventory_policy(const std::vector<MaterialInputs>& materials, const PolicyOptions& options);

}  // namespace pp::inventory
