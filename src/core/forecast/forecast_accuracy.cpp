#include "core/forecast/forecast_accuracy.h"

#include "core/common/errors.h"
#include "core/forecast/state_dispatch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace pp::forecast {

double naive_scale(const double* daily, std::size_t n) {
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  double s = 0;
  for (std::size_t t = 1; t < n; ++t) s += std::fabs(daily[t] - daily[t - 1]);
  return s / static_cast<double>(n - 1);
}

double scaled_error(double mae, double scale) {
  if (std::isnan(mae) || std::isnan(scale)) return std::numeric_limits<double>::quiet_NaN();
  if (scale > 0) return mae / scale;
  return mae == 0 ? 0.0 : std::numeric_limits<double>::infinity();
}

double mase(const std::vector<double>& actual, const std::vector<double>& forecast,
            const std::vector<double>& history) {
  if (actual.size() != forecast.size())
    throw_invalid("mase: " + std::to_string(actual.size()) + " actual days but " + std::to_string(forecast.size()) +
                  " forecast days; expected the same number");
  if (actual.empty()) throw_invalid("mase: no days to score; expected at least one");
  double s = 0;
  for (std::size_t i = 0; i < actual.size(); ++i) s += std::fabs(actual[i] - forecast[i]);
  return scaled_error(s / static_cast<double>(actual.size()), naive_scale(history.data(), history.size()));
}

RollingPlan plan_rolling_origin(std::size_t n, int horizon, int origins) {
  RollingPlan plan;
  const std::size_t min_fit = std::max<std::size_t>(14, n / 2);
  if (horizon < 1 || origins < 1 || n <= min_fit) return plan;
  const std::size_t left = n - min_fit;
  const std::size_t h = std::min<std::size_t>(static_cast<std::size_t>(horizon), std::max<std::size_t>(1, left / 2));
  const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(origins), left - h + 1);
  plan.horizon = static_cast<int>(h);
  plan.origins = static_cast<int>(k);
  plan.first_origin = n - h - k + 1;
  return plan;
}

RollingScore rolling_origin_score(Method method, const MethodParams& params, const double* daily, std::size_t n,
                                  const RollingPlan& plan, double scale) {
  if (!plan.valid() || plan.first_origin + plan.origins - 1 + plan.horizon > n)
    throw Error(ErrorKind::Internal, "rolling_origin_score: the plan does not fit the " + std::to_string(n) + " days");
  RollingScore score;
  const std::size_t last_origin = plan.first_origin + static_cast<std::size_t>(plan.origins) - 1;
  double abs_sum = 0;
  with_state(method, params, plan.first_origin, [&](auto& s) {
    for (std::size_t t = 0; t <= last_origin; ++t) {
      if (t >= plan.first_origin) {
        for (int k = 1; k <= plan.horizon; ++k) {
          const double f = s.ready() ? std::max(0.0, s.forecast(k)) : 0.0;
          abs_sum += std::fabs(daily[t + static_cast<std::size_t>(k) - 1] - f);
        }
      }
      s.update(daily[t]);
    }
  });
  score.errors = static_cast<long>(plan.origins) * plan.horizon;
  score.mae = abs_sum / static_cast<double>(score.errors);
  score.mase = scaled_error(score.mae, scale);
  return score;
}

}  // namespace pp::forecast
