#include "core/forecast/smoothing_methods.h"

#include "core/common/errors.h"
#include "core/forecast/state_dispatch.h"

#include <limits>

namespace pp::forecast {

SmoothingFit fit_method(Method method, const std::vector<double>& daily, const MethodParams& params, int horizon) {
  if (horizon < 0) throw_invalid("fit_method: the horizon must be >= 0 days, got " + std::to_string(horizon));
  SmoothingFit out;
  out.fitted.assign(daily.size(), std::numeric_limits<double>::quiet_NaN());
  out.first_fitted = daily.size();
  with_state(method, params, daily.size(), [&](auto& s) {
    for (std::size_t t = 0; t < daily.size(); ++t) {
      if (s.ready()) {
        if (out.first_fitted == daily.size()) out.first_fitted = t;
        out.fitted[t] = s.forecast(1);
      }
      s.update(daily[t]);
    }
    if (!s.ready())
      throw_invalid(std::string(method_name(method)) + " has no forecast from " + std::to_string(daily.size()) +
                    " days of history: too short or without demand");
    out.forecast.reserve(static_cast<std::size_t>(horizon));
    for (int k = 1; k <= horizon; ++k) out.forecast.push_back(s.forecast(k));
  });
  return out;
}

std::size_t min_history_days(Method method, int bucket) {
  switch (method) {
    case Method::Naive: return 1;
    case Method::Ses: return 2;
    case Method::Holt: return 3;
    case Method::HoltWinters: return 3 * kSeasonDays;
    case Method::Croston:
    case Method::Sba:
    case Method::Tsb: return 2;
    case Method::Adida: return 2 * static_cast<std::size_t>(bucket < 1 ? 1 : bucket);
    case Method::Auto: break;
  }
  return 1;
}

bool usable(Method method, const double* daily, std::size_t n, int bucket, std::string* why) {
  const std::size_t need = min_history_days(method, bucket);
  if (n < need) {
    if (why)
      *why = std::string(method_name(method)) + " needs at least " + std::to_string(need) + " days of history, got " +
             std::to_string(n);
    return false;
  }
  if (method == Method::Croston || method == Method::Sba || method == Method::Tsb) {
    for (std::size_t t = 0; t < n; ++t)
      if (daily[t] > 0) return true;
    if (why) *why = std::string(method_name(method)) + " needs at least one day with demand";
    return false;
  }
  return true;
}

}  // namespace pp::forecast
