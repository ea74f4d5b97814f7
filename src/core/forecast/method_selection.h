// `auto`: the method for one series, chosen by rolling-origin MASE
// (forecast_accuracy.h) among candidates that depend on its demand class:
//
//   smooth, erratic             naive, ses, holt, holt_winters
//   intermittent, lumpy         croston, sba, tsb, adida
//   no_demand                   naive (it forecasts 0)
//
// Erratic demand is not sparse, so the level methods suit it as they suit
// smooth demand. Sparse demand gets only the methods made for it: naive and
// ses, once candidates there too, won the rolling MAE by chance (a run of
// empty days before the origins) and then forecast 0 or one whole demand a
// day; over 1,000 synthetic lumpy series that made auto worse than naive on
// held-out MASE (0.956 vs 0.922) and doubled its 30-day total error
// (test_forecast.cpp). A candidate not usable on the fitting part (too few
// days, no demand: smoothing_methods.h) is skipped; when none is, naive.
// Each candidate's parameters are fitted on the days before the first origin
// (parameter_fit.h). The lowest MAE wins (the same order as MASE: one scale
// serves every candidate, and a zero scale cannot hide a difference); equal
// MAEs go to the method earliest in the enum (naive, ses, holt,
// holt_winters, croston, sba, tsb, adida): the simpler one.
//
// Without a rolling plan (history under 15 days) nothing is scored: smooth
// and erratic take ses (naive under 2 days), intermittent and lumpy sba,
// no_demand naive.
#pragma once
#include "core/common/core_only.h"

#include "core/common/cancel.h"
#include "core/forecast/demand_class.h"
#include "core/forecast/forecast_accuracy.h"
#include "core/forecast/forecast_method.h"

#include <cstddef>
#include <vector>

namespace pp::forecast {

// The candidates of a class, in the order above.
std::vector<Method> candidate_methods(DemandClass c);

struct CandidateScore {
  Method method = Method::Naive;
  MethodParams params;  // fitted on the days before the first origin
  RollingScore score;
};

struct Selection {
  Method chosen = Method::Naive;
  std::vector<CandidateScore> candidates;  // the scored ones, in candidate order
  double scale = 0;                        // the MASE scale of the fitting part
  bool scored = false;                     // false: chosen by class alone
};

// Scores one method on the plan (fitting its parameters first); bucket is
// ADIDA's bucket in days. The method must be usable on the fitting part.
CandidateScore score_candidate(Method method, const double* daily, std::size_t n, int bucket,
                               const RollingPlan& plan, double scale);

// Chooses the method for n days of class c (profile of the whole history).
// Polls `cancel` before each candidate.
Selection select_method(const double* daily, std::size_t n, DemandClass c, int bucket, const RollingPlan& plan,
                        const CancelToken& cancel);

}  // namespace pp::forecast
