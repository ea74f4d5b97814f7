#include "core/forecast/demand_class.h"

#include <limits>

namespace pp::forecast {

DemandClass classify(double adi, double cv2) {
  const bool sparse = adi >= kAdiCutoff;
  const bool variable = cv2 >= kCv2Cutoff;
  if (sparse) return variable ? DemandClass::Lumpy : DemandClass::Intermittent;
  return variable ? DemandClass::Erratic : DemandClass::Smooth;
}

const char* demand_class_name(DemandClass c) {
  switch (c) {
    case DemandClass::Smooth: return "smooth";
    case DemandClass::Intermittent: return "intermittent";
    case DemandClass::Erratic: return "erratic";
    case DemandClass::Lumpy: return "lumpy";
    case DemandClass::NoDemand: return "no_demand";
  }
  return "no_demand";
}

DemandProfile demand_profile(const double* daily, std::size_t n) {
  DemandProfile p;
  std::size_t last = 0;  // 1-based position of the last demand day
  double sum = 0;
  for (std::size_t t = 0; t < n; ++t) {
    if (daily[t] > 0) {
      ++p.demand_days;
      last = t + 1;
      sum += daily[t];
    }
  }
  if (p.demand_days == 0) {
    p.adi = std::numeric_limits<double>::infinity();
    return p;
  }
  const double k = static_cast<double>(p.demand_days);
  p.adi = static_cast<double>(last) / k;
  const double mean = sum / k;
  if (p.demand_days > 1) {
    // Two passes: the variance of sizes near a large mean keeps its digits.
    double ss = 0;
    for (std::size_t t = 0; t < n; ++t)
      if (daily[t] > 0) ss += (daily[t] - mean) * (daily[t] - mean);
    p.cv2 = ss / (k - 1) / (mean * mean);
  }
  p.demand_class = classify(p.adi, p.cv2);
  return p;
}

}  // namespace pp::forecast
