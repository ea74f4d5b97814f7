#include "core/quality/defect_history.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pp::quality {

double plant_rate(const RateCounts& all) { return (all.culprits + 0.5) / (all.judged + 1); }

double smoothed_rate(const RateCounts& c, double plant, double prior_weight) {
  if (c.judged + prior_weight <= 0) return plant;
  return (c.culprits + prior_weight * plant) / (c.judged + prior_weight);
}

double fallback_probability(double product_rate, double work_center_rate, double plant) {
  const double p = work_center_rate * product_rate / plant;
  return std::clamp(p, 1e-6, 1 - 1e-6);
}

CaseRates rates_before_start(const CaseSet& set, double prior_weight, const CancelToken& cancel) {
  const auto& cases = set.cases;
  const std::size_t n = cases.size();
  // Outcomes in the order they became known, queries in the order of starts;
  // one sweep adds every outcome known strictly before each start.
  std::vector<std::size_t> known, queries(n);
  known.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isnan(cases[i].label_time)) known.push_back(i);
  std::sort(known.begin(), known.end(), [&](std::size_t a, std::size_t b) {
    return cases[a].label_time < cases[b].label_time || (cases[a].label_time == cases[b].label_time && a < b);
  });
  std::iota(queries.begin(), queries.end(), std::size_t{0});
  std::sort(queries.begin(), queries.end(), [&](std::size_t a, std::size_t b) {
    return cases[a].start < cases[b].start || (cases[a].start == cases[b].start && a < b);
  });
  std::vector<RateCounts> product(static_cast<std::size_t>(set.products.size()));
  std::vector<RateCounts> work_center(static_cast<std::size_t>(set.work_centers.size()));
  RateCounts all;
  CaseRates out;
  out.product.resize(n);
  out.work_center.resize(n);
  out.plant.resize(n);
  std::size_t k = 0;
  for (std::size_t q = 0; q < n; ++q) {
    if ((q & 8191) == 0) cancel.poll();
    const OpCase& c = cases[queries[q]];
    for (; k < known.size() && cases[known[k]].label_time < c.start; ++k) {
      const OpCase& o = cases[known[k]];
      const double hit = o.culprit ? 1 : 0;
      if (o.product >= 0) {
        product[static_cast<std::size_t>(o.product)].judged += 1;
        product[static_cast<std::size_t>(o.product)].culprits += hit;
      }
      work_center[static_cast<std::size_t>(o.work_center)].judged += 1;
      work_center[static_cast<std::size_t>(o.work_center)].culprits += hit;
      all.judged += 1;
      all.culprits += hit;
    }
    const double plant = plant_rate(all);
    out.plant[queries[q]] = plant;
    out.product[queries[q]] =
        c.product >= 0 ? smoothed_rate(product[static_cast<std::size_t>(c.product)], plant, prior_weight) : plant;
    out.work_center[queries[q]] = smoothed_rate(work_center[static_cast<std::size_t>(c.work_center)], plant, prior_weight);
  }
  return out;
}

RateSnapshot rate_snapshot(const CaseSet& set) {
  RateSnapshot s;
  s.product.resize(static_cast<std::size_t>(set.products.size()));
  s.work_center.resize(static_cast<std::size_t>(set.work_centers.size()));
  std::vector<char> order_judged(static_cast<std::size_t>(set.orders.size()), 0);
  for (const OpCase& c : set.cases) {
    if (std::isnan(c.label_time)) continue;
    const double hit = c.culprit ? 1 : 0;
    if (c.product >= 0) {
      s.product[static_cast<std::size_t>(c.product)].judged += 1;
      s.product[static_cast<std::size_t>(c.product)].culprits += hit;
    }
    s.work_center[static_cast<std::size_t>(c.work_center)].judged += 1;
    s.work_center[static_cast<std::size_t>(c.work_center)].culprits += hit;
    s.all.judged += 1;
    s.all.culprits += hit;
    order_judged[static_cast<std::size_t>(c.order)] = 1;
  }
  s.judged_orders = static_cast<double>(std::count(order_judged.begin(), order_judged.end(), 1));
  return s;
}

}  // namespace pp::quality
