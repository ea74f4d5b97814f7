#include "core/inventory/inventory_policy.h"

#include "core/common/errors.h"
#include "core/forecast/demand_class.h"
#include "core/inventory/policy_formulas.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pp::inventory {

namespace {

void check(const PolicyOptions& o) {
  if (!(o.service_level > 0 && o.service_level < 1)) throw_invalid("service_level must be in (0, 1), got " + std::to_string(o.service_level));
  if (!(o.order_cost > 0)) throw_invalid("order_cost must be above 0");
  if (!(o.holding_rate > 0)) throw_invalid("holding_rate must be above 0");
  if (!(o.abc_a > 0 && o.abc_a < o.abc_b && o.abc_b <= 1)) throw_invalid("ABC cut-offs need 0 < a < b <= 1");
  if (!(o.xyz_x > 0 && o.xyz_x < o.xyz_y)) throw_invalid("XYZ cut-offs need 0 < x < y");
  if (o.risk_days < 1 || o.projection_days < o.risk_days) throw_invalid("risk_days must be at least 1 and at most projection_days");
  if (!(o.excess_days > 0)) throw_invalid("excess_days must be above 0");
}

double mean_of(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double sd_of(const std::vector<double>& v, double mean) {
  if (v.size() < 2) return 0;
  double s = 0;
  for (double x : v) s += (x - mean) * (x - mean);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

}  // namespace

std::vector<PolicyRow> inventory_policy(const std::vector<MaterialInputs>& materials, const PolicyOptions& o) {
  check(o);
  std::vector<PolicyRow> rows(materials.size());
  std::vector<double> value(materials.size(), 0);  // consumption value per year
  for (std::size_t i = 0; i < materials.size(); ++i) {
    const MaterialInputs& m = materials[i];
    PolicyRow& r = rows[i];
    r.material_id = m.material_id;
    for (double d : m.daily_demand)
      if (!(d >= 0) || !std::isfinite(d)) throw Error(ErrorKind::DataException, "material " + m.material_id + ": daily demand must be finite and >= 0");
    if (!(m.lead_days >= 0)) throw Error(ErrorKind::DataException, "material " + m.material_id + " has no lead time",
                                         "Set prodplan.material.supplier_lead_time_days or options.lead_time_days.");
    r.mean_daily = mean_of(m.daily_demand);
    r.sd_daily = sd_of(m.daily_demand, r.mean_daily);
    r.cv = r.mean_daily > 0 ? r.sd_daily / r.mean_daily : std::numeric_limits<double>::infinity();
    r.xyz_class = r.cv <= o.xyz_x ? 'X' : r.cv <= o.xyz_y ? 'Y' : 'Z';
    const auto profile = forecast::demand_profile(m.daily_demand);
    r.demand_class = forecast::demand_class_name(profile.demand_class);
    r.lead_days = m.lead_days;
    r.lead_sd_days = m.lead_sd_days;
    value[i] = r.mean_daily * 365 * (std::isnan(m.unit_cost) ? 0 : m.unit_cost);

    // Lot size.
    const double holding = std::isnan(m.unit_cost) ? NAN : o.holding_rate * m.unit_cost;
    r.eoq = std::isnan(holding) || holding <= 0 ? NAN : economic_order_quantity(r.mean_daily * 365, o.order_cost, holding);
    r.order_quantity = std::isnan(r.eoq) ? r.mean_daily * 30 : r.eoq;
    r.order_quantity = std::max(r.order_quantity, m.min_order_qty);

    // Safety stock and reorder point.
    const double ltd_mean = r.mean_daily * m.lead_days;
    const double ltd_sd = lead_time_demand_sd(r.mean_daily, r.sd_daily, m.lead_days, m.lead_sd_days);
    const bool intermittent = profile.demand_class == forecast::DemandClass::Intermittent ||
                              profile.demand_class == forecast::DemandClass::Lumpy;
    const auto windows = lead_time_demand_windows(m.daily_demand, m.lead_days);
    if (intermittent && windows.size() >= 30) {
      // Empirical lead-time demand: the service-level quantile of the sums
      // over every lead-time window of the history.
      r.method = "empirical";
      r.safety_factor = NAN;
      r.reorder_point = quantile(windows, o.service_level);
      r.safety_stock = std::max(0.0, r.reorder_point - ltd_mean);
      r.reorder_point = ltd_mean + r.safety_stock;
    } else {
      r.method = "normal";
      if (o.fill_rate && ltd_sd > 0 && r.order_quantity > 0) r.safety_factor = fill_rate_k(o.service_level, r.order_quantity, ltd_sd);
      else r.safety_factor = normal_quantile(o.service_level);
      r.safety_stock = std::max(0.0, r.safety_factor * ltd_sd);
      r.reorder_point = ltd_mean + r.safety_stock;
    }

    // Stock now and projected.
    r.on_hand = m.on_hand;
    for (const auto& s : m.supply) r.open_supply += s.second;
    r.position = r.on_hand + r.open_supply;
    r.days_of_cover = r.mean_daily > 0 ? r.on_hand / r.mean_daily : std::numeric_limits<double>::infinity();
    auto demand_on = [&](int t) {
      return t < static_cast<int>(m.planned_daily.size()) ? m.planned_daily[static_cast<std::size_t>(t)] : r.mean_daily;
    };
    double balance = r.on_hand, due_in_risk = 0, demand_in_risk = 0;
    for (int t = 0; t < o.projection_days; ++t) {
      for (const auto& s : m.supply)
        if (std::max(0, s.first) == t) balance += s.second;
      if (t < o.risk_days) {
        for (const auto& s : m.supply)
          if (std::max(0, s.first) == t) due_in_risk += s.second;
        demand_in_risk += demand_on(t);
      }
      balance -= demand_on(t);
      if (balance < 0 && r.stockout_day < 0) r.stockout_day = t;
    }
    // Risk within risk_days: the chance the demand of those days exceeds
    // what is on hand plus what arrives by then. Normal around the projected
    // demand with the daily deviation, or the share of historical windows.
    const double available = r.on_hand + due_in_risk;
    const auto risk_windows = lead_time_demand_windows(m.daily_demand, o.risk_days);
    if (intermittent && risk_windows.size() >= 30) {
      const double shift = demand_in_risk - mean_of(risk_windows);  // the plan's demand vs the history's
      std::size_t over = 0;
      for (double w : risk_windows) over += (w + shift > available) ? 1 : 0;
      r.stockout_risk = static_cast<double>(over) / static_cast<double>(risk_windows.size());
    } else {
      const double sd = r.sd_daily * std::sqrt(static_cast<double>(o.risk_days));
      r.stockout_risk = sd > 0 ? 1 - normal_cdf((available - demand_in_risk) / sd) : (demand_in_risk > available ? 1.0 : 0.0);
    }

    // What to do.
    const int lead = static_cast<int>(std::ceil(m.lead_days));
    bool supply_after_stockout = false;
    for (const auto& s : m.supply)
      if (r.stockout_day >= 0 && s.first > r.stockout_day) supply_after_stockout = true;
    if (r.mean_daily <= 0 && m.planned_daily.empty()) {
      r.action = "no_demand";
      r.reason = "no demand in the history";
    } else if (r.stockout_day >= 0 && r.stockout_day < lead && supply_after_stockout) {
      r.action = "expedite";
      r.reason = "projected stock-out on day " + std::to_string(r.stockout_day) + ", before open supply arrives and within the lead time";
    } else if (r.position <= r.reorder_point || (r.stockout_day >= 0 && r.stockout_day < lead)) {
      r.action = "order_now";
      const double gap = r.reorder_point - r.position;
      const double lots = r.order_quantity > 0 ? std::max(1.0, std::ceil((gap + 1e-9) / r.order_quantity)) : 1;
      r.action_quantity = lots * r.order_quantity;
      r.reason = r.position <= r.reorder_point ? "stock position at or below the reorder point"
                                               : "projected stock-out on day " + std::to_string(r.stockout_day) + ", within the lead time";
    } else if (r.days_of_cover > o.excess_days && r.position > r.reorder_point + r.order_quantity) {
      r.action = "excess";
      r.reason = "cover beyond " + std::to_string(static_cast<int>(o.excess_days)) + " days";
    } else {
      r.action = "ok";
      r.reason = "stock position above the reorder point";
    }
  }
  // ABC by consumption value: A while the cumulative share (before the
  // item) is under abc_a, B under abc_b, else C; ties by id.
  std::vector<std::size_t> order(materials.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return value[a] != value[b] ? value[a] > value[b] : rows[a].material_id < rows[b].material_id;
  });
  const double total = std::accumulate(value.begin(), value.end(), 0.0);
  double before = 0;
  for (std::size_t i : order) {
    const double share = total > 0 ? before / total : 1;
    rows[i].abc_class = total > 0 && value[i] > 0 ? (share < o.abc_a ? 'A' : share < o.abc_b ? 'B' : 'C') : 'C';
    before += value[i];
  }
  return rows;
}

}  // namespace pp::inventory
