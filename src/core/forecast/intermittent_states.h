// The recursions of the intermittent-demand methods (Croston, SBA, TSB,
// ADIDA) as state machines with the interface of level_states.h.
//
// Initialisation:
//   croston, sba  at the first demand day: size z = its demand, interval
//           p = its 1-based position (the gap from a virtual demand just
//           before the first day, as ADI counts it); ready from then on.
//           At every later demand day, with q the days since the previous one:
//             z' = z + alpha (y - z),  p' = p + alpha (q - p);
//           days without demand change nothing. Forecast z / p, and for SBA
//           (Syntetos & Boylan 2005) (1 - alpha / 2) z / p, correcting
//           Croston's positive bias.
//   tsb     (Teunter, Syntetos & Babai 2011) at the first demand day: size
//           z = its demand, probability d = 1 / its 1-based position; then
//           EVERY day d' = d + beta (1[y > 0] - d), and on demand days also
//           z' = z + alpha (y - z). Forecast d z; unlike Croston it decays
//           when demand stops.
//   adida   (Nikolopoulos et al. 2011) days are summed into non-overlapping
//           buckets of `bucket` days; SES runs on the bucket totals (level =
//           the first bucket's total) and each day's forecast is the level /
//           bucket. The buckets are aligned so that one ends at `align_end`
//           (the day count of the history being fitted, so the newest bucket
//           is complete); the days before the first whole bucket are left out.
#pragma once
#include "core/common/core_only.h"

#include <cstddef>

namespace pp::forecast {

struct CrostonState {
  double alpha;
  double factor;  // 1 for Croston, 1 - alpha / 2 for SBA
  double size = 0, interval = 0;
  long since = 0;  // days since the previous demand day, this one included
  bool seen = false;
  CrostonState(double a, bool sba) : alpha(a), factor(sba ? 1 - a / 2 : 1.0) {}
  bool ready() const { return seen; }
  void update(double y) {
    ++since;
    if (!(y > 0)) return;
    if (seen) {
      size += alpha * (y - size);
      interval += alpha * (static_cast<double>(since) - interval);
    } else {
      size = y;
      interval = static_cast<double>(since);
      seen = true;
    }
    since = 0;
  }
  double forecast(int) const { return factor * size / interval; }
};

struct TsbState {
  double alpha, beta;
  double size = 0, probability = 0;
  long since = 0;  // days until the first demand, before initialisation
  bool seen = false;
  TsbState(double a, double b) : alpha(a), beta(b) {}
  bool ready() const { return seen; }
  void update(double y) {
    if (seen) {
      if (y > 0) {
        probability += beta * (1 - probability);
        size += alpha * (y - size);
      } else {
        probability -= beta * probability;
      }
    } else {
      ++since;
      if (y > 0) {
        size = y;
        probability = 1.0 / static_cast<double>(since);
        seen = true;
      }
    }
  }
  double forecast(int) const { return probability * size; }
};

struct AdidaState {
  double alpha;
  int bucket;
  std::size_t skip;  // leading days outside any whole bucket
  std::size_t day = 0;
  double total = 0, level = 0;
  int filled = 0;
  bool seen = false;
  AdidaState(double a, int b, std::size_t align_end)
      : alpha(a), bucket(b), skip(align_end % static_cast<std::size_t>(b)) {}
  bool ready() const { return seen; }
  void update(double y) {
    if (day++ < skip) return;
    total += y;
    if (++filled < bucket) return;
    if (seen) {
      level += alpha * (total - level);
    } else {
      level = total;
      seen = true;
    }
    total = 0;
    filled = 0;
  }
  double forecast(int) const { return level / bucket; }
};

}  // namespace pp::forecast
