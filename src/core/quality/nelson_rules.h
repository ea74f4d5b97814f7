// The eight Nelson rules on a control chart's points, given each point's
// value, centre line and sigma of the plotted statistic (per point: p and u
// charts have limits that vary with the subgroup size).
//
//   1  one point more than 3 sigma from the centre line
//   2  nine points in a row on the same side of the centre line
//   3  six points in a row steadily increasing, or steadily decreasing
//   4  fourteen points in a row alternating up and down
//   5  two out of three points in a row more than 2 sigma from the centre
//      line, on the same side
//   6  four out of five points in a row more than 1 sigma from the centre
//      line, on the same side
//   7  fifteen points in a row within 1 sigma of the centre line, either side
//   8  eight points in a row more than 1 sigma from the centre line, either
//      side (none within 1 sigma)
//
// Conventions (ties): "more than k sigma" is strict (|z| > k); a point on
// the centre line (z = 0) is on neither side, so it ends a rule 2 run;
// "within 1 sigma" is |z| < 1; two equal consecutive values are neither an
// increase nor a decrease, so they end rule 3 and rule 4 runs. A rule fires
// at the point that completes its pattern, and at every later point that
// keeps it (the tenth point of a run of ten on one side fires rule 2 too);
// earlier points of the pattern are not marked.
#pragma once
#include "core/common/core_only.h"

#include <cstdint>
#include <vector>

namespace pp::quality {

// Bit r-1 set: rule r fires at the point.
using RuleMask = std::uint8_t;

// values, centre and sigma are per point, same length; sigma <= 0 means the
// point has no spread (only rules 2, 3 and 4 can apply to it).
std::vector<RuleMask> nelson_rules(const std::vector<double>& values, const std::vector<double>& centre,
                                   const std::vector<double>& sigma);

}  // namespace pp::quality
