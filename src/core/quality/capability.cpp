#include "core/quality/capability.h"

#include "core/common/errors.h"
#include "core/quality/spc_constants.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace pp::quality {

namespace {

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

}  // namespace

Capability capability(const std::vector<std::vector<double>>& subgroups, const SpecLimits& spec) {
  if (!spec.lsl && !spec.usl) throw_invalid("the characteristic has no specification limit (lsl, usl)");
  if (spec.lsl && spec.usl && !(*spec.lsl < *spec.usl)) throw_invalid("lsl must be below usl");
  Capability c;
  std::vector<double> all;
  for (const auto& g : subgroups) all.insert(all.end(), g.begin(), g.end());
  c.n = static_cast<long>(all.size());
  if (c.n < 2) throw_invalid("capability needs at least 2 readings, got " + std::to_string(c.n));
  double sum = 0;
  for (double x : all) sum += x;
  c.mean = sum / c.n;
  double ss = 0;
  for (double x : all) ss += (x - c.mean) * (x - c.mean);
  c.sigma_overall = std::sqrt(ss / (c.n - 1));

  // Within: by subgroups when they have two readings or more.
  std::set<std::size_t> sizes;
  for (const auto& g : subgroups)
    if (g.size() >= 2) sizes.insert(g.size());
  if (sizes.empty()) {
    double mr = 0;
    for (std::size_t i = 1; i < all.size(); ++i) mr += std::fabs(all[i] - all[i - 1]);
    c.sigma_within = mr / (all.size() - 1) / spc_constants(2).d2;
  } else if (sizes.size() == 1 && *sizes.begin() <= static_cast<std::size_t>(kMaxSubgroup)) {
    const int n = static_cast<int>(*sizes.begin());
    double rbar = 0;
    int k = 0;
    for (const auto& g : subgroups)
      if (g.size() >= 2) {
        const auto [lo, hi] = std::minmax_element(g.begin(), g.end());
        rbar += *hi - *lo;
        ++k;
      }
    c.sigma_within = rbar / k / spc_constants(n).d2;
  } else {
    double sbar = 0, c4bar = 0;
    int k = 0;
    for (const auto& g : subgroups) {
      if (g.size() < 2) continue;
      double m = 0;
      for (double x : g) m += x;
      m /= g.size();
      double s2 = 0;
      for (double x : g) s2 += (x - m) * (x - m);
      sbar += std::sqrt(s2 / (g.size() - 1));
      const int n = static_cast<int>(g.size());
      c4bar += std::sqrt(2.0 / (n - 1)) * std::exp(std::lgamma(n / 2.0) - std::lgamma((n - 1) / 2.0));
      ++k;
    }
    c.sigma_within = (sbar / k) / (c4bar / k);
  }

  const auto index = [&](double sigma, std::optional<double>* both, std::optional<double>* upper,
                         std::optional<double>* lower, std::optional<double>* k) {
    if (!(sigma > 0)) return;
    if (spec.usl) *upper = (*spec.usl - c.mean) / (3 * sigma);
    if (spec.lsl) *lower = (c.mean - *spec.lsl) / (3 * sigma);
    if (spec.usl && spec.lsl) *both = (*spec.usl - *spec.lsl) / (6 * sigma);
    if (*upper && *lower) *k = std::min(**upper, **lower);
    else *k = *upper ? *upper : *lower;
  };
  index(c.sigma_within, &c.cp, &c.cpu, &c.cpl, &c.cpk);
  index(c.sigma_overall, &c.pp, &c.ppu, &c.ppl, &c.ppk);
  if (spec.usl && spec.lsl) {
    const double t = spec.target ? *spec.target : (*spec.usl + *spec.lsl) / 2;
    double st = 0;
    for (double x : all) st += (x - t) * (x - t);
    const double tau = std::sqrt(st / (c.n - 1));
    if (tau > 0) c.cpm = (*spec.usl - *spec.lsl) / (6 * tau);
  }
  const auto expected = [&](double sigma) {
    if (!(sigma > 0)) return 0.0;
    double p = 0;
    if (spec.lsl) p += normal_cdf((*spec.lsl - c.mean) / sigma);
    if (spec.usl) p += 1 - normal_cdf((*spec.usl - c.mean) / sigma);
    return p * 1e6;
  };
  c.expected_ppm_within = expected(c.sigma_within);
  c.expected_ppm_overall = expected(c.sigma_overall);
  long out = 0;
  for (double x : all)
    if ((spec.lsl && x < *spec.lsl) || (spec.usl && x > *spec.usl)) ++out;
  c.observed_ppm = 1e6 * static_cast<double>(out) / c.n;
  return c;
}

}  // namespace pp::quality
