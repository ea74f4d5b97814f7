// The demand pattern of a daily series after Syntetos, Boylan and Croston
// (2005, "On the categorization of demand patterns"):
//
//   ADI  average inter-demand interval, in days: the mean gap between
//        successive days with demand, the first gap counted from a virtual
//        demand just before the first day (as R tsintermittent's idclass).
//        So ADI = (1-based position of the last demand day) / (demand days);
//        trailing days without demand do not count. 1 = demand every day.
//   CV2  squared coefficient of variation of the non-zero demands: sample
//        variance (n - 1) over the squared mean; 0 with one demand day.
//
// Cut-offs ADI 1.32 and CV2 0.49, a value on a cut-off belonging to the upper side:
//
//                 CV2 < 0.49      CV2 >= 0.49
//   ADI <  1.32   smooth          erratic
//   ADI >= 1.32   intermittent    lumpy
//
// A series without any demand has no pattern: class no_demand, ADI +infinity,
// CV2 0.
#pragma once
#include "core/common/core_only.h"

#include <cstddef>
#include <vector>

namespace pp::forecast {

enum class DemandClass { Smooth, Intermittent, Erratic, Lumpy, NoDemand };

constexpr double kAdiCutoff = 1.32;
constexpr double kCv2Cutoff = 0.49;

struct DemandProfile {
  double adi = 0;       // days
  double cv2 = 0;       // dimensionless
  long demand_days = 0; // days with demand > 0
  DemandClass demand_class = DemandClass::NoDemand;
};

// The class of an (ADI, CV2) pair, per the table above.
DemandClass classify(double adi, double cv2);

// "smooth", "intermittent", "erratic", "lumpy", "no_demand".
const char* demand_class_name(DemandClass c);

// ADI, CV2 and class of daily demand (oldest first, values >= 0; the caller
// validates). n values from `daily`.
DemandProfile demand_profile(const double* daily, std::size_t n);
inline DemandProfile demand_profile(const std::vector<double>& daily) {
  return demand_profile(daily.data(), daily.size());
}

}  // namespace pp::forecast
