// Daily demand forecasting of one series (issue 8): validation, the demand
// class, the method (given or `auto`), its least-squares parameters, the point
// forecast and its 80% / 95% intervals. Pure and deterministic: the same days,
// horizon, method and options give the same result, bit for bit; no state is
// shared, so series may be forecast on several threads at once.
//
// What is done, in order:
//   1. the days are checked: at least one, every value finite and >= 0
//      (pp::Error DataException naming the first bad day); the horizon is
//      1..kMaxHorizonDays (InvalidParameter);
//   2. ADI, CV2 and the class of the whole history (demand_class.h);
//   3. the method: `auto` per method_selection.h; a given method that is not
//      usable on the history falls back along holt_winters -> holt -> ses ->
//      naive, adida -> sba, croston / sba / tsb -> naive (a history without
//      demand), and `note` says why; a history without demand always gets
//      naive, which forecasts 0 with zero-width intervals;
//   4. the rolling-origin MASE of the method and of naive (NaN when the
//      history is too short for a rolling plan: under 15 days);
//   5. the method's parameters refitted on the whole history, the forecast
//      of the `horizon` days after it, clipped at 0, and the intervals of
//      prediction_interval.h from the errors of the last 365 origins.
#pragma once
#include "core/common/core_only.h"

#include "core/common/cancel.h"
#include "core/forecast/demand_class.h"
#include "core/forecast/forecast_method.h"

#include <string>
#include <vector>

namespace pp::forecast {

constexpr int kMaxHorizonDays = 3660;

struct ForecastOptions {
  // Rolling origins (consecutive days) for MASE and auto. Many, because one
  // pass scores them all and intermittent demand needs them: with few
  // origins, naive wins the selection whenever the days before them happen
  // to have no demand.
  int origins = 90;
  int bucket = 0;                      // ADIDA days per bucket; 0: round(ADI), at least 1
  std::size_t interval_window = 365;   // origins (days) whose errors make the intervals; 0: zero width
  CancelToken cancel;                  // polled between candidate methods
};

// One forecast day, demand units, all >= 0: lo95 <= lo80 <= hi80 <= hi95.
struct ForecastDay {
  double point = 0, lo80 = 0, hi80 = 0, lo95 = 0, hi95 = 0;
};

struct ForecastResult {
  std::vector<ForecastDay> days;  // horizon days, the first being the day after the history
  Method requested = Method::Auto;
  Method method = Method::Naive;  // the method used
  MethodParams params;            // its parameters, fitted on the whole history
  DemandClass demand_class = DemandClass::NoDemand;
  double adi = 0, cv2 = 0;        // days; dimensionless (demand_class.h)
  double mase = 0;                // rolling-origin MASE of `method` (NaN: not scored)
  double naive_mase = 0;          // the same for naive
  std::string note;               // why a fallback happened; empty otherwise
};

// daily: demand per day, oldest first. method: any, including Auto.
ForecastResult forecast_series(const std::vector<double>& daily, int horizon, Method method,
                               const ForecastOptions& options = {});

}  // namespace pp::forecast
