// The forecasting methods of src/core/forecast, their text names and their
// smoothing parameters. One parameter set serves every method; each method
// reads only the fields listed next to it:
//
//   naive         the last observed day, repeated           (none)
//   ses           simple exponential smoothing               alpha
//   holt          Holt's additive (linear) trend              alpha (level), beta (trend)
//   holt_winters  Holt-Winters, additive weekly season        alpha, beta, gamma (season)
//   croston       Croston's size / interval                   alpha (both)
//   sba           Syntetos-Boylan approximation               alpha (both)
//   tsb           Teunter-Syntetos-Babai                      alpha (size), beta (probability)
//   adida         temporal aggregation + SES                  alpha, bucket (days per bucket)
//   auto          chosen per series (method_selection.h)
#pragma once
#include "core/common/core_only.h"

#include <string>
#include <string_view>

namespace pp::forecast {

enum class Method { Naive, Ses, Holt, HoltWinters, Croston, Sba, Tsb, Adida, Auto };

// Days in a season of holt_winters: the week of daily demand.
constexpr int kSeasonDays = 7;

// Smoothing constants are dimensionless weights in (0, 1); bucket is a count
// of days (>= 1). Fields a method does not use stay 0.
struct MethodParams {
  double alpha = 0;
  double beta = 0;
  double gamma = 0;
  int bucket = 0;
};

// "naive", "ses", "holt", "holt_winters", "croston", "sba", "tsb", "adida", "auto".
const char* method_name(Method m);

// The method named by text (ASCII case and surrounding blanks ignored).
// Throws pp::Error(InvalidParameter) naming the valid names otherwise.
Method parse_method(std::string_view text);

// True for croston, sba, tsb and adida: the methods built for intermittent demand.
bool is_intermittent_method(Method m);

}  // namespace pp::forecast
