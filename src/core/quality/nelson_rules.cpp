#include "core/quality/nelson_rules.h"

#include <cmath>
#include <cstddef>

namespace pp::quality {

std::vector<RuleMask> nelson_rules(const std::vector<double>& v, const std::vector<double>& cl,
                                   const std::vector<double>& sigma) {
  const std::size_t n = v.size();
  std::vector<RuleMask> out(n, 0);
  std::vector<double> z(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) z[i] = sigma[i] > 0 ? (v[i] - cl[i]) / sigma[i] : 0.0;
  const auto side = [&](std::size_t i) { return v[i] > cl[i] ? 1 : (v[i] < cl[i] ? -1 : 0); };
  const auto dir = [&](std::size_t i) { return v[i] > v[i - 1] ? 1 : (v[i] < v[i - 1] ? -1 : 0); };
  const auto has = [&](std::size_t i) { return sigma[i] > 0; };

  int run_side = 0, run_len = 0;  // rule 2
  int mono_dir = 0, mono_len = 1;  // rule 3: points in the current monotone run
  int alt_len = 1;                 // rule 4: points in the current alternating run
  int within = 0, outside = 0;     // rules 7 and 8
  for (std::size_t i = 0; i < n; ++i) {
    RuleMask m = 0;
    if (has(i) && std::fabs(z[i]) > 3) m |= 1u << 0;

    const int s = side(i);
    if (s != 0 && s == run_side) ++run_len;
    else run_len = s != 0 ? 1 : 0, run_side = s;
    if (run_len >= 9) m |= 1u << 1;

    if (i > 0) {
      const int d = dir(i);
      if (d != 0 && d == mono_dir) ++mono_len;
      else mono_len = d != 0 ? 2 : 1, mono_dir = d;
      if (mono_len >= 6) m |= 1u << 2;
      if (d != 0 && i > 1 && dir(i - 1) == -d) ++alt_len;
      else alt_len = d != 0 ? 2 : 1;
      if (alt_len >= 14) m |= 1u << 3;
    }

    const auto count_beyond = [&](std::size_t window, double k, int sgn) {
      int c = 0;
      for (std::size_t j = i + 1 - window; j <= i; ++j)
        if (has(j) && sgn * z[j] > k) ++c;
      return c;
    };
    if (i >= 2)
      for (int sgn : {1, -1})
        if (count_beyond(3, 2.0, sgn) >= 2) m |= 1u << 4;
    if (i >= 4)
      for (int sgn : {1, -1})
        if (count_beyond(5, 1.0, sgn) >= 4) m |= 1u << 5;

    within = has(i) && std::fabs(z[i]) < 1 ? within + 1 : 0;
    if (within >= 15) m |= 1u << 6;
    outside = has(i) && std::fabs(z[i]) > 1 ? outside + 1 : 0;
    if (outside >= 8) m |= 1u << 7;
    out[i] = m;
  }
  return out;
}

}  // namespace pp::quality
