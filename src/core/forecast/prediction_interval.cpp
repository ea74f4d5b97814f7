#include "core/forecast/prediction_interval.h"

#include "core/forecast/state_dispatch.h"

#include <algorithm>
#include <cmath>

namespace pp::forecast {

namespace {

// Puts the order statistics at the sorted indexes want[0..count) (ascending)
// in place within [lo, hi): selects the middle one, then each side's in the
// part that holds them. Deterministic: the values at those indexes do not
// depend on how nth_element partitions.
void multi_select(std::vector<double>& v, std::size_t lo, std::size_t hi, const std::size_t* want, int count) {
  if (count <= 0 || hi - lo < 2) return;
  const int mid = count / 2;
  const std::size_t at = want[mid];
  std::nth_element(v.begin() + static_cast<std::ptrdiff_t>(lo), v.begin() + static_cast<std::ptrdiff_t>(at),
                   v.begin() + static_cast<std::ptrdiff_t>(hi));
  multi_select(v, lo, at, want, mid);
  multi_select(v, at + 1, hi, want + mid + 1, count - mid - 1);
}

}  // namespace

void empirical_quantiles(std::vector<double>& v, const double* ps, int count, double* out) {
  // Each level needs the order statistics floor(h) and floor(h) + 1, h = (N - 1) p.
  const std::size_t n = v.size();
  std::vector<std::size_t> want;
  for (int i = 0; i < count; ++i) {
    const std::size_t lo = static_cast<std::size_t>(std::floor((static_cast<double>(n) - 1) * ps[i]));
    want.push_back(lo);
    if (lo + 1 < n) want.push_back(lo + 1);
  }
  std::sort(want.begin(), want.end());
  want.erase(std::unique(want.begin(), want.end()), want.end());
  multi_select(v, 0, n, want.data(), static_cast<int>(want.size()));
  for (int i = 0; i < count; ++i) {
    const double h = (static_cast<double>(n) - 1) * ps[i];
    const std::size_t lo = static_cast<std::size_t>(std::floor(h));
    const double frac = h - static_cast<double>(lo);
    out[i] = (lo + 1 < n && frac > 0) ? v[lo] + frac * (v[lo + 1] - v[lo]) : v[lo];
  }
}

double empirical_quantile(std::vector<double>& v, double p) {
  double q = 0;
  empirical_quantiles(v, &p, 1, &q);
  return q;
}

std::vector<ErrorQuantiles> error_quantiles(Method method, const MethodParams& params, const double* daily,
                                            std::size_t n, int horizon, std::size_t window) {
  const std::size_t h = horizon > 0 ? static_cast<std::size_t>(horizon) : 0;
  std::vector<std::vector<double>> errs(h);
  const std::size_t from = n > window ? n - window : 0;
  for (auto& e : errs) e.reserve(n - from);
  with_state(method, params, n, [&](auto& s) {
    for (std::size_t t = 0; t < n; ++t) {
      if (t >= from && s.ready()) {
        const std::size_t steps = std::min(h, n - t);
        for (std::size_t k = 1; k <= steps; ++k)
          errs[k - 1].push_back(daily[t + k - 1] - std::max(0.0, s.forecast(static_cast<int>(k))));
      }
      s.update(daily[t]);
    }
  });
  std::vector<ErrorQuantiles> out(h);
  for (std::size_t k = 0; k < h; ++k) {
    auto& e = errs[k];
    if (static_cast<long>(e.size()) < kMinIntervalErrors && k > 0) {
      out[k] = out[k - 1];
      out[k].errors = 0;
      continue;
    }
    if (e.empty()) continue;
    static constexpr double kLevels[4] = {0.025, 0.10, 0.90, 0.975};
    double qs[4];
    empirical_quantiles(e, kLevels, 4, qs);
    ErrorQuantiles& q = out[k];
    q.errors = static_cast<long>(e.size());
    q.q025 = qs[0], q.q10 = qs[1], q.q90 = qs[2], q.q975 = qs[3];
  }
  return out;
}

Interval interval_around(double point, const ErrorQuantiles& q) {
  Interval iv;
  iv.lo95 = std::max(0.0, point + q.q025);
  iv.lo80 = std::max(0.0, point + q.q10);
  iv.hi80 = std::max(0.0, point + q.q90);
  iv.hi95 = std::max(0.0, point + q.q975);
  return iv;
}

}  // namespace pp::forecast
