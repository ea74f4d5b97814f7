// Historical defect rates of products and work centers: the share of judged
// operations a defect was blamed on. Two views:
//  - rates_before_start: for each operation, the rates from the outcomes
//    known before it started (their label_time earlier than its start), so a
//    model trained on them never sees the future;
//  - rate_snapshot: the counts over every outcome known now, what scoring a
//    new order uses.
// A rate is smoothed towards the plant's rate with prior_weight pseudo
// operations, so a product with three judged operations is not 0% or 100%.
#pragma once
#include "core/common/core_only.h"

#include "core/common/cancel.h"
#include "core/quality/defect_cases.h"

#include <vector>

namespace pp::quality {

struct RateCounts {
  double judged = 0;    // judged operations
  double culprits = 0;  // of those, blamed for a defect
};

// The plant's rate: (culprits + 0.5) / (judged + 1), never 0 or 1.
double plant_rate(const RateCounts& all);
// (culprits + prior_weight x plant) / (judged + prior_weight).
double smoothed_rate(const RateCounts& c, double plant, double prior_weight);

struct CaseRates {
  std::vector<double> product;      // per case: its product's smoothed rate
  std::vector<double> work_center;  // per case: its work center's smoothed rate
  std::vector<double> plant;        // per case: the plant's rate
};
CaseRates rates_before_start(const CaseSet& set, double prior_weight, const CancelToken& cancel);

struct RateSnapshot {
  std::vector<RateCounts> product;      // by CaseSet::products id
  std::vector<RateCounts> work_center;  // by CaseSet::work_centers id
  RateCounts all;
  double judged_orders = 0;             // orders with a judged operation
};
RateSnapshot rate_snapshot(const CaseSet& set);

// The fallback's probability that an operation is blamed for a defect: its
// work center's rate scaled by how its product compares with the plant
// (product / plant), kept inside (0, 1).
double fallback_probability(double product_rate, double work_center_rate, double plant);

}  // namespace pp::quality
