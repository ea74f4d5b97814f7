// Process capability of a characteristic from its readings (in time order,
// grouped in rational subgroups) and its specification limits.
//
//   sigma_within   Rbar / d2 for one subgroup size n in 2..25, Sbar / c4 for
//                  varying sizes (subgroups of one reading left out), and
//                  MRbar / d2(2) when every subgroup has one reading;
//   sigma_overall  the sample standard deviation of all readings;
//   Cp  = (USL - LSL) / (6 sigma_within)        Pp  likewise with sigma_overall
//   Cpu = (USL - mean) / (3 sigma_within)        Cpl = (mean - LSL) / (3 sigma_within)
//   Cpk = min(Cpu, Cpl)                          Ppk likewise with sigma_overall
//   Cpm = (USL - LSL) / (6 sqrt(sum (x - T)^2 / (n - 1))), T the target (the
//         specification's midpoint when none is given)
//   expected ppm: the normal tails beyond the limits, with either sigma;
//   observed ppm: readings outside the limits per million.
// One-sided specifications: Cp, Pp and Cpm need both limits (absent
// otherwise); Cpk and Ppk are the one side there is.
#pragma once
#include "core/common/core_only.h"

#include <optional>
#include <vector>

namespace pp::quality {

struct SpecLimits {
  std::optional<double> lsl, usl, target;
};

struct Capability {
  long n = 0;
  double mean = 0, sigma_within = 0, sigma_overall = 0;
  std::optional<double> cp, cpu, cpl, cpk, pp, ppu, ppl, ppk, cpm;
  double expected_ppm_within = 0, expected_ppm_overall = 0, observed_ppm = 0;
};

// subgroups: readings grouped as taken (a subgroup of one reading is an
// individual). Throws pp::Error(InvalidParameter) for fewer than 2 readings,
// no specification limit, or lsl >= usl.
Capability capability(const std::vector<std::vector<double>>& subgroups, const SpecLimits& spec);

}  // namespace pp::quality
