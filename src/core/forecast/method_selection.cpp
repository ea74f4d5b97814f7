#include "core/forecast/method_selection.h"

#include "core/forecast/parameter_fit.h"
#include "core/forecast/smoothing_methods.h"

namespace pp::forecast {

std::vector<Method> candidate_methods(DemandClass c) {
  switch (c) {
    case DemandClass::Smooth:
    case DemandClass::Erratic: return {Method::Naive, Method::Ses, Method::Holt, Method::HoltWinters};
    case DemandClass::Intermittent:
    case DemandClass::Lumpy:
      return {Method::Croston, Method::Sba, Method::Tsb, Method::Adida};
    case DemandClass::NoDemand: break;
  }
  return {Method::Naive};
}

CandidateScore score_candidate(Method method, const double* daily, std::size_t n, int bucket,
                               const RollingPlan& plan, double scale) {
  CandidateScore c;
  c.method = method;
  c.params = fit_parameters(method, daily, plan.first_origin, bucket);
  c.score = rolling_origin_score(method, c.params, daily, n, plan, scale);
  return c;
}

Selection select_method(const double* daily, std::size_t n, DemandClass c, int bucket, const RollingPlan& plan,
                        const CancelToken& cancel) {
  Selection sel;
  if (!plan.valid()) {
    if (c == DemandClass::Smooth || c == DemandClass::Erratic)
      sel.chosen = usable(Method::Ses, daily, n, bucket) ? Method::Ses : Method::Naive;
    else if (c == DemandClass::Intermittent || c == DemandClass::Lumpy)
      sel.chosen = usable(Method::Sba, daily, n, bucket) ? Method::Sba : Method::Naive;
    return sel;
  }
  sel.scored = true;
  sel.scale = naive_scale(daily, plan.first_origin);
  const CandidateScore* best = nullptr;
  for (Method m : candidate_methods(c)) {
    cancel.poll();
    if (!usable(m, daily, plan.first_origin, bucket)) continue;
    sel.candidates.push_back(score_candidate(m, daily, n, bucket, plan, sel.scale));
  }
  for (const CandidateScore& cs : sel.candidates) {
    if (best == nullptr || cs.score.mae < best->score.mae ||
        (cs.score.mae == best->score.mae && cs.method < best->method))
      best = &cs;
  }
  // Sparse demand whose fitting part has no demand and is too short for
  // ADIDA leaves no candidate: naive, the default.
  if (best != nullptr) sel.chosen = best->method;
  return sel;
}

}  // namespace pp::forecast
