// Textbook inventory formulas (Silver, Pyke and Thomas, "Inventory and
// Production Management in Supply Chains", 4th ed., ch. 6-7). Demand in
// units per day, lead times in days, costs in money per order and per unit
// per year; the caller chooses the units and keeps them consistent.
#pragma once
#include "core/common/core_only.h"

#include <vector>

namespace pp::inventory {

double normal_pdf(double x);
double normal_cdf(double x);
// The standard normal loss function G(k) = E[(Z - k)+] = pdf(k) - k (1 - cdf(k)).
double normal_loss(double k);
// The z of a cycle service level p in (0, 1): P(Z <= z) = p.
double normal_quantile(double p);

// Standard deviation of demand over a lead time of random length:
// sqrt(L sd_d^2 + d^2 sd_L^2) (demand and lead time independent).
double lead_time_demand_sd(double mean_daily, double sd_daily, double lead_days, double lead_sd_days);

// Economic order quantity sqrt(2 D S / H): D per year, S per order, H per
// unit per year. 0 when there is no demand; throws for S or H <= 0.
double economic_order_quantity(double annual_demand, double order_cost, double holding_cost);

// The safety factor k meeting a fill rate beta (share of demand met from
// stock) with order quantity q: G(k) = (1 - beta) q / sd_ltd, solved by
// bisection (G decreases in k) on [-5, 8] to 1e-10. Throws for beta outside
// (0, 1) or q, sd_ltd <= 0.
double fill_rate_k(double beta, double order_quantity, double sd_ltd);

// The empirical lead-time demand of a daily series: the sums of every
// window of `lead_days` consecutive days (rounded up to whole days; at least
// one). Used for intermittent demand, where the normal approximation fails.
std::vector<double> lead_time_demand_windows(const std::vector<double>& daily, double lead_days);
// Quantile p of values by linear interpolation between order statistics.
double quantile(std::vector<double> values, double p);

}  // namespace pp::inventory
