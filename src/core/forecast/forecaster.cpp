#include "core/forecast/forecaster.h"

#include "core/common/errors.h"
#include "core/forecast/forecast_accuracy.h"
#include "core/forecast/method_selection.h"
#include "core/forecast/parameter_fit.h"
#include "core/forecast/prediction_interval.h"
#include "core/forecast/smoothing_methods.h"
#include "core/forecast/state_dispatch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace pp::forecast {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void validate(const std::vector<double>& daily, int horizon) {
  if (horizon < 1 || horizon > kMaxHorizonDays)
    throw_invalid("forecast horizon " + std::to_string(horizon) + " days is out of range: expected 1.." +
                  std::to_string(kMaxHorizonDays));
  if (daily.empty()) throw Error(ErrorKind::DataException, "forecast: the history has no days; expected at least one");
  for (std::size_t t = 0; t < daily.size(); ++t) {
    const double v = daily[t];
    if (std::isfinite(v) && v >= 0) continue;
    throw Error(ErrorKind::DataException, "forecast: day " + std::to_string(t + 1) + " of the history is " +
                                              (std::isnan(v) ? std::string("NaN") : std::to_string(v)) +
                                              "; expected a finite demand >= 0");
  }
}

Method fallback_of(Method m) {
  switch (m) {
    case Method::HoltWinters: return Method::Holt;
    case Method::Holt: return Method::Ses;
    case Method::Adida: return Method::Sba;
    default: return Method::Naive;
  }
}

// The requested method, or the first usable one along its fallback chain.
Method usable_method(Method m, const std::vector<double>& daily, int bucket, std::string* note) {
  std::string why;
  while (m != Method::Naive && !usable(m, daily.data(), daily.size(), bucket, &why)) {
    const Method next = fallback_of(m);
    *note += (note->empty() ? "" : "; ") + why + ": fell back to " + method_name(next);
    m = next;
  }
  return m;
}

int adida_bucket(const DemandProfile& p, int requested) {
  if (requested > 0) return requested;
  if (!std::isfinite(p.adi)) return 1;
  return std::max(1, static_cast<int>(std::lround(p.adi)));
}

}  // namespace

ForecastResult forecast_series(const std::vector<double>& daily, int horizon, Method method,
                               const ForecastOptions& options) {
  validate(daily, horizon);
  if (options.origins < 1) throw_invalid("forecast: origins must be >= 1, got " + std::to_string(options.origins));
  if (options.bucket < 0) throw_invalid("forecast: the adida bucket must be >= 0 days (0: from ADI), got " +
                                        std::to_string(options.bucket));
  const std::size_t n = daily.size();
  const DemandProfile profile = demand_profile(daily);
  const int bucket = adida_bucket(profile, options.bucket);

  ForecastResult r;
  r.requested = method;
  r.demand_class = profile.demand_class;
  r.adi = profile.adi;
  r.cv2 = profile.cv2;
  r.mase = r.naive_mase = kNaN;

  const RollingPlan plan = plan_rolling_origin(n, horizon, options.origins);
  Selection sel;
  if (profile.demand_class == DemandClass::NoDemand) {
    r.method = Method::Naive;
    if (method != Method::Naive && method != Method::Auto) r.note = "no demand in the history: forecast 0 by naive";
  } else if (method == Method::Auto) {
    sel = select_method(daily.data(), n, profile.demand_class, bucket, plan, options.cancel);
    r.method = sel.chosen;
  } else {
    r.method = usable_method(method, daily, bucket, &r.note);
  }

  // MASE of the method and of naive: from the selection when it scored them.
  if (plan.valid()) {
    const double scale = sel.scored ? sel.scale : naive_scale(daily.data(), plan.first_origin);
    auto score_of = [&](Method m) {
      for (const CandidateScore& c : sel.candidates)
        if (c.method == m) return c.score.mase;
      if (!usable(m, daily.data(), plan.first_origin, bucket)) return kNaN;
      options.cancel.poll();
      return score_candidate(m, daily.data(), n, bucket, plan, scale).score.mase;
    };
    r.mase = score_of(r.method);
    r.naive_mase = score_of(Method::Naive);
  }

  options.cancel.poll();
  r.params = fit_parameters(r.method, daily.data(), n, bucket);
  const std::vector<ErrorQuantiles> q =
      error_quantiles(r.method, r.params, daily.data(), n, horizon, options.interval_window);
  r.days.resize(static_cast<std::size_t>(horizon));
  with_state(r.method, r.params, n, [&](auto& s) {
    for (double y : daily) s.update(y);
    for (int k = 1; k <= horizon; ++k) {
      ForecastDay& d = r.days[static_cast<std::size_t>(k - 1)];
      d.point = std::max(0.0, s.forecast(k));
      const Interval iv = interval_around(d.point, q[static_cast<std::size_t>(k - 1)]);
      d.lo80 = iv.lo80, d.hi80 = iv.hi80, d.lo95 = iv.lo95, d.hi95 = iv.hi95;
    }
  });
  return r;
}

}  // namespace pp::forecast
