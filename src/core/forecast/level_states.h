// The recursions of the level methods (naive, SES, Holt, Holt-Winters) as
// small state machines, one day at a time. Every state has
//   update(y)     take the next day's demand (oldest first);
//   ready()       true once it has a forecast (after its initialisation);
//   forecast(k)   the k-days-ahead forecast (k >= 1) from the days seen so far.
// A fit, a rolling-origin evaluation and an interval all run the same state
// over the days, so they cannot disagree on a recursion. Header-only so the
// parameter search's inner loop inlines.
//
// Initialisation (the standard "simple" choices, e.g. Hyndman & Athanasopoulos,
// Forecasting: Principles and Practice, and Chatfield's Holt-Winters notes):
//   naive   the forecast is the last day seen; ready after day 1.
//   ses     level = the first day; ready after day 1.
//   holt    level = day 2, trend = day 2 - day 1; ready after day 2.
//   holt_winters   from the first two weeks: w1, w2 their means,
//           trend  b = (w2 - w1) / 7,
//           season s_i = mean over both weeks of (day - (week mean + (i - 3) b)),
//                    i = day of the week 0..6 from the first day (they sum to 0),
//           level  = w2 + 3 b (the week-2 mean is centred on its 4th day);
//           ready after day 14. Updates (Winters' form):
//             l' = alpha (y - s_i) + (1 - alpha)(l + b)
//             b' = beta (l' - l) + (1 - beta) b
//             s_i' = gamma (y - l') + (1 - gamma) s_i
//           forecast(k) = l + k b + s of the day k days ahead.
#pragma once
#include "core/common/core_only.h"

#include "core/forecast/forecast_method.h"

namespace pp::forecast {

struct NaiveState {
  double last = 0;
  bool seen = false;
  bool ready() const { return seen; }
  void update(double y) {
    last = y;
    seen = true;
  }
  double forecast(int) const { return last; }
};

struct SesState {
  double alpha;
  double level = 0;
  bool seen = false;
  explicit SesState(double a) : alpha(a) {}
  bool ready() const { return seen; }
  void update(double y) {
    if (seen) {
      level += alpha * (y - level);
    } else {
      level = y;
      seen = true;
    }
  }
  double forecast(int) const { return level; }
};

struct HoltState {
  double alpha, beta;
  double level = 0, trend = 0;
  int seen = 0;
  HoltState(double a, double b) : alpha(a), beta(b) {}
  bool ready() const { return seen >= 2; }
  void update(double y) {
    if (seen >= 2) {
      const double prev = level;
      level = alpha * y + (1 - alpha) * (level + trend);
      trend = beta * (level - prev) + (1 - beta) * trend;
    } else if (seen == 1) {
      trend = y - level;
      level = y;
      seen = 2;
    } else {
      level = y;
      seen = 1;
    }
  }
  double forecast(int k) const { return level + k * trend; }
};

struct HoltWintersState {
  static constexpr int m = kSeasonDays;
  double alpha, beta, gamma;
  double level = 0, trend = 0;
  double season[m] = {};
  double first[2 * m] = {};  // the first two weeks, until initialised
  int seen = 0;
  int phase = 0;  // day of the week (0..6, from the first day) of the next day
  HoltWintersState(double a, double b, double g) : alpha(a), beta(b), gamma(g) {}
  bool ready() const { return seen >= 2 * m; }
  void update(double y) {
    if (seen < 2 * m) {
      first[seen++] = y;
      if (seen == 2 * m) initialise();
    } else {
      const double prev = level;
      level = alpha * (y - season[phase]) + (1 - alpha) * (level + trend);
      trend = beta * (level - prev) + (1 - beta) * trend;
      season[phase] = gamma * (y - level) + (1 - gamma) * season[phase];
    }
    phase = phase + 1 == m ? 0 : phase + 1;
  }
  double forecast(int k) const { return level + k * trend + season[(phase + k - 1) % m]; }

 private:
  void initialise() {
    double w1 = 0, w2 = 0;
    for (int i = 0; i < m; ++i) w1 += first[i], w2 += first[m + i];
    w1 /= m;
    w2 /= m;
    trend = (w2 - w1) / m;
    for (int i = 0; i < m; ++i) {
      const double centred = (i - (m - 1) / 2) * trend;
      season[i] = ((first[i] - (w1 + centred)) + (first[m + i] - (w2 + centred))) / 2;
    }
    level = w2 + ((m - 1) / 2) * trend;
  }
};

}  // namespace pp::forecast
