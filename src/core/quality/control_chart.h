// Shewhart control charts with phase I / phase II: limits are estimated from
// the baseline subgroups (phase I) and applied to every subgroup; the eight
// Nelson rules (nelson_rules.h) run on the primary chart.
//
//   XbarR   subgroup means and ranges: X-bar +- A2 Rbar, R in [D3 Rbar, D4 Rbar]
//   XbarS   subgroup means and standard deviations: X-bar +- A3 Sbar, S in [B3 Sbar, B4 Sbar]
//   IMR     individual readings and moving ranges of two: X +- 3 MRbar / d2(2), MR <= D4(2) MRbar
//   P       share of defective units, per subgroup of size n_i: pbar +- 3 sqrt(pbar (1 - pbar) / n_i)
//   NP      number of defective units, constant n: n pbar +- 3 sqrt(n pbar (1 - pbar))
//   C       defects per subgroup (constant opportunity): cbar +- 3 sqrt(cbar)
//   U       defects per unit, n_i units per subgroup: ubar +- 3 sqrt(ubar / n_i)
// Lower limits below zero (and p limits above one) are clipped. X-bar charts
// take subgroups of one size n (2..25, the constants of spc_constants.h);
// subgroups of another size are left out and counted.
#pragma once
#include "core/common/core_only.h"

#include "core/quality/nelson_rules.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pp::quality {

enum class ChartType { XbarR, XbarS, IMR, P, NP, C, U };
// "xbar_r", "xbar_s", "i_mr", "p", "np", "c", "u"
const char* chart_type_name(ChartType t);
bool parse_chart_type(std::string_view name, ChartType* out);

// One rational subgroup. Variables charts read `values` (one reading for
// IMR); attribute charts read `count` (defective units for P/NP, defects for
// C/U) out of `size` (units inspected; P, NP, U).
struct Subgroup {
  std::int64_t at = 0;  // when it was taken (Unix seconds): its first reading
  std::vector<double> values;
  double count = 0;
  double size = 0;
};

struct ChartOptions {
  ChartType type = ChartType::IMR;
  // Phase I: the first baseline_subgroups subgroups (0: all of them).
  int baseline_subgroups = 0;
};

struct ChartPoint {
  std::int64_t at = 0;
  int size = 0;               // readings (variables) or units (attributes) in the subgroup
  bool baseline = false;      // phase I
  double value = 0;           // the plotted statistic: mean, reading, p, np, c or u
  double cl = 0, lcl = 0, ucl = 0;
  std::string zone;           // "C+", "B-", "A+", "above UCL", "below LCL", "on CL"
  RuleMask rules = 0;
  // The dispersion chart of X-bar/R, X-bar/S and I-MR (range, standard
  // deviation, moving range); absent for attribute charts and the first
  // individual.
  std::optional<double> spread, spread_cl, spread_lcl, spread_ucl;
  bool spread_beyond = false;  // outside its limits
};

struct Chart {
  ChartType type = ChartType::IMR;
  int subgroup_size = 1;  // n of X-bar charts (1 for IMR, 0 for attribute charts)
  int skipped = 0;        // subgroups left out (another size than n, or empty)
  int baseline = 0;       // subgroups in phase I
  double sigma = 0;       // the process sigma estimate of variables charts (Rbar/d2, Sbar/c4, MRbar/d2)
  std::vector<ChartPoint> points;
};

// Throws pp::Error(InvalidParameter) when the data cannot make the chart:
// fewer than two phase I points, an X-bar subgroup size outside 2..25,
// NP with varying sizes, a non-positive size for P/NP/U, or a P count
// above its size.
Chart build_chart(const std::vector<Subgroup>& subgroups, const ChartOptions& options);

}  // namespace pp::quality
