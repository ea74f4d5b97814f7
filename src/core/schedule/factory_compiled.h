// The planner's internal, flat view of a FactoryProblem: operations numbered
// globally (order by order, routing order), family names turned into ids,
// setup matrices into sorted lookup tables, calendars into timelines. Built
// once per call and shared read-only by every constructive run and every
// candidate the search decodes, so the hot loops touch only arrays.
#pragma once
#include "core/common/core_only.h"

#include "core/schedule/calendar_timeline.h"
#include "core/schedule/factory_options.h"
#include "core/schedule/factory_problem.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace pp::factory {

struct CompiledAlt {
  std::int32_t work_center = 0;
  Seconds duration = 0;
};

struct CompiledOp {
  std::int32_t order = 0;
  std::int32_t index = 0;      // position in its order's routing
  std::int32_t alt_begin = 0;  // usable alternatives: alts[alt_begin, alt_end) (work centers with units > 0)
  std::int32_t alt_end = 0;
  std::int32_t family = 0;
  std::int32_t prev = -1;      // global id of the routing predecessor, -1 for the first
  std::int32_t next = -1;
  Seconds min_duration = 0;    // over usable alternatives (else over all, else 0)
  bool fixed = false;
};

struct CompiledWorkCenter {
  std::int32_t units = 0;
  std::int32_t timeline = 0;     // index into CompiledFactory::timelines
  std::int32_t first_unit = 0;   // global unit id of its unit 0
  bool resumable = true;
  Seconds default_setup = 0;
  std::vector<std::pair<std::uint64_t, Seconds>> matrix;  // (from << 32 | to) -> seconds, sorted
};

class CompiledFactory {
 public:
  // Throws pp::Error(InvalidParameter) on structurally invalid input (an index
  // out of range, a negative duration or unit count, a weight <= 0).
  CompiledFactory(const FactoryProblem& problem, const FactoryOptions& options);

  // Working seconds of setup when an operation of family `to` follows one of
  // family `from` on a unit of work center `wc`; from < 0: the unit's first.
  Seconds setup(std::int32_t wc, std::int32_t from, std::int32_t to) const;
  const CalendarTimeline& timeline_of(std::int32_t wc) const { return timelines[wcs[wc].timeline]; }
  // Earliest start of non-fixed work of an order: max(plan start, release).
  Time order_ready(std::int32_t order) const { return std::max(plan_start, release[order]); }

  const FactoryProblem& problem;
  Time plan_start = 0;
  std::vector<CompiledOp> ops;
  std::vector<CompiledAlt> alts;
  std::vector<CompiledWorkCenter> wcs;
  std::vector<CalendarTimeline> timelines;  // [0] = always working, then one per calendar
  std::vector<std::int32_t> order_first_op; // size orders + 1
  std::vector<Time> release, due;           // per order; due = kFarFuture when none
  std::vector<double> weight;               // per order
  std::vector<Seconds> remaining_work;      // per op: min durations of it and its successors
  std::vector<std::int32_t> unit_wc;        // global unit -> work center
  std::int32_t family_count = 0;
  double mean_duration = 1;                 // mean min_duration over non-fixed ops (>= 1)
};

}  // namespace pp::factory
