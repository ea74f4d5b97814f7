#include "core/inventory/policy_formulas.h"

#include "core/common/errors.h"
#include "core/simulate/inverse_normal.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace pp::inventory {

namespace {
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
}

double normal_pdf(double x) { return kInvSqrt2Pi * std::exp(-0.5 * x * x); }

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

double normal_loss(double k) { return normal_pdf(k) - k * (1 - normal_cdf(k)); }

double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) throw_invalid("a service level must be in (0, 1), got " + std::to_string(p));
  return pp::simulate::inverse_normal(p);
}

double lead_time_demand_sd(double mean_daily, double sd_daily, double lead_days, double lead_sd_days) {
  if (lead_days < 0 || lead_sd_days < 0 || sd_daily < 0) throw_invalid("lead times and deviations must not be negative");
  return std::sqrt(lead_days * sd_daily * sd_daily + mean_daily * mean_daily * lead_sd_days * lead_sd_days);
}

double economic_order_quantity(double annual_demand, double order_cost, double holding_cost) {
  if (!(order_cost > 0)) throw_invalid("the order cost must be above 0, got " + std::to_string(order_cost));
  if (!(holding_cost > 0)) throw_invalid("the holding cost must be above 0, got " + std::to_string(holding_cost));
  if (annual_demand <= 0) return 0;
  return std::sqrt(2 * annual_demand * order_cost / holding_cost);
}

double fill_rate_k(double beta, double order_quantity, double sd_ltd) {
  if (!(beta > 0 && beta < 1)) throw_invalid("a fill rate must be in (0, 1), got " + std::to_string(beta));
  if (!(order_quantity > 0) || !(sd_ltd > 0)) throw_invalid("the fill-rate safety factor needs an order quantity and a lead-time deviation above 0");
  const double target = (1 - beta) * order_quantity / sd_ltd;
  double lo = -5, hi = 8;  // G(-5) ~ 5, G(8) ~ 0
  if (target >= normal_loss(lo)) return lo;
  if (target <= normal_loss(hi)) return hi;
  while (hi - lo > 1e-10) {
    const double mid = (lo + hi) / 2;
    if (normal_loss(mid) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

std::vector<double> lead_time_demand_windows(const std::vector<double>& daily, double lead_days) {
  const std::size_t w = static_cast<std::size_t>(std::max(1.0, std::ceil(lead_days - 1e-9)));
  std::vector<double> out;
  if (daily.size() < w) return out;
  double s = 0;
  for (std::size_t i = 0; i < daily.size(); ++i) {
    s += daily[i];
    if (i >= w) s -= daily[i - w];
    if (i + 1 >= w) out.push_back(s);
  }
  return out;
}

double quantile(std::vector<double> values, double p) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const double pos = std::clamp(p, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

}  // namespace pp::inventory
