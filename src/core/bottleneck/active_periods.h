// The active period method of bottleneck detection (Roser, Nakano and
// Tanaka 2001, "A practical bottleneck detection method"; 2002, "Shifting
// bottleneck detection"). A station is active while it works (or is being
// repaired) and inactive while it waits for work; at any instant the
// station in the longest uninterrupted active period is the bottleneck.
// Where the bottleneck passes from one station to another their active
// periods overlap: that overlap is a shifting bottleneck period for both;
// the rest of a station's time as bottleneck is sole.
//
// Stations with several units: a work center counts as active while all
// its units are busy (saturated), so a 24-unit oven is not "active" merely
// because something is curing; mode Any (active while one unit is busy) is
// the classical single-machine reading. Times are seconds (any epoch).
#pragma once
#include "core/common/core_only.h"

#include "core/common/cancel.h"

#include <vector>

namespace pp::bottleneck {

struct Busy {
  int station = 0;     // 0-based
  double start = 0;    // seconds
  double end = 0;      // seconds, > start
};

struct Period {
  double start = 0, end = 0;
  double length() const { return end - start; }
};

enum class ActiveMode { Saturated, Any };

// The active periods of every station (capacity[s] units each, >= 1) within
// [from, to): maximal intervals where its busy count reaches the threshold
// (capacity in Saturated mode, 1 in Any mode). Periods are clipped to the
// window; a period cut by the window edge is measured from its clipped part.
std::vector<std::vector<Period>> active_periods(const std::vector<Busy>& busy, const std::vector<int>& capacity,
                                                ActiveMode mode, double from, double to, const CancelToken& cancel);

struct StationShares {
  double sole_seconds = 0;      // momentary bottleneck, not shifting
  double shifting_seconds = 0;  // in an overlap where the bottleneck passed to or from it
  double active_seconds = 0;    // total active time
  long periods = 0;
  double mean_period_seconds = 0;
};

struct BottleneckTimeline {
  std::vector<StationShares> stations;
  double window_seconds = 0;
  double no_bottleneck_seconds = 0;  // no station active
};

// Sole and shifting bottleneck time per station over [from, to) from the
// active periods. Ties in period length go to the lower station index.
BottleneckTimeline shifting_bottleneck(const std::vector<std::vector<Period>>& periods, double from, double to,
                                       const CancelToken& cancel);

}  // namespace pp::bottleneck
