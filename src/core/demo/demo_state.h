// The generator's internal working state, passed from stage to stage: the row
// targets, the time frame, the hidden truth behind the exported rows (true
// weights, hidden products, employee tenure chains, the simulated shop floor)
// and the Factory being filled. Nothing here leaves the demo module.
#pragma once
#include "core/common/core_only.h"
#include "core/common/cancel.h"
#include "core/demo/generator.h"
#include "core/demo/work_calendar.h"
#include "core/model/factory.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace pp::demo {

using model::Time;
inline constexpr Time kMinute = 60;
inline constexpr Time kHour = 3600;
inline constexpr Time kDay = 86400;
inline constexpr Time kNever = std::numeric_limits<Time>::max();

// Row counts derived from the scale (workbook rows = clean + duplicates + invalid).
struct Targets {
  std::int64_t orders_rows = 0, orders_dup = 0, orders_bad_date = 0, orders_clean = 0;
  std::int64_t ops_rows = 0, ops_dup = 0, ops_end_before_start = 0, ops_bad_date = 0, ops_clean = 0;
  std::int64_t asg_rows = 0, asg_dup = 0, asg_clean = 0, asg_matched = 0, asg_orphan = 0;
  std::int64_t def_rows = 0, def_dup = 0, def_severity = 0, def_clean = 0;
};

struct TimeFrame {
  Time export_at = 0;
  Time window_start = 0;   // first exported order is created at or after this
  Time warmup_start = 0;   // unexported warm-up orders from here
  Time calendar_start = 0; // working calendars begin (a day before warm-up)
  Time calendar_end = 0;   // working calendars end (internal horizon)
  int span_days = 0;       // window length
  int first_year = 0, last_year = 0;  // years whose calendar exceptions are exported
};

struct PhaseRuntime {
  int spec = 0;                  // index into phase_specs()
  bool used = false;
  int capacity = 1;              // capacity units at this scale
  int calendar = 0;              // 0 = CAL-2SHIFT, 1 = CAL-24x7
  double visits_per_order = 0;   // expected, from the product mix
  double mean_minutes = 0;       // target mean working minutes of a normal pass
  double base_minutes = 0;       // minutes at kWeightRefKg
  std::vector<int> slots;        // employee slots qualified for this phase
};

struct ProductInfo {
  std::string id;
  std::string name;
  int family = 0;
  bool exported = true;
  double demould_kg = 0, finish_kg = 0, gel_deck_kg = 0, gel_hull_kg = 0;  // true values
  bool null_demould = false, null_finish = false, null_deck = false, null_hull = false;  // NULL in Modelos
  double popularity = 0;
  int route_begin = 0, route_len = 0;  // into DemoState::route_steps
  double standard_minutes = 0;         // expected working minutes of the whole routing
};

struct RouteStep {
  int phase = 0;  // index into phases
  double coefficient = 0, coefficient_x = 0;
  bool null_coefficient = false, null_coefficient_x = false;
};

struct EmployeeInfo {
  int phase = 0;
  Time hired = 0, qualified = 0, left = kNever;
  std::string name;
  std::int64_t number = 0;  // employee id
};

struct SlotInfo {
  int phase = 0;
  std::vector<int> chain;  // employees holding the slot, by hire date
};

struct OrderInfo {
  Time created = 0, release = 0;
  int product = 0;
  int colour = 0;
  bool warmup = false;
  std::int64_t number = 0;  // order id (window orders)
};

struct Breakdown {
  int phase = 0;
  Time at = 0;
  Time duration = 0;
  int reason = 0;
  bool ongoing = false;  // the one downtime still open at export_at
};

struct SimOp {
  int order = 0;
  std::int16_t phase = 0;
  std::int16_t step = 0;  // routing step index
  bool rework = false;
  std::int8_t shift = 0;  // true shift of the start (1..3), 0 = none
  bool dropped = false;   // rework trimmed to hit the row target
  std::uint8_t crew_n = 0;
  Time created = 0, ready = 0, start = 0, end = 0;
  float work_minutes = 0;
  float lambda = 0;       // expected defects blamed on this operation
  int crew_begin = 0;     // into DemoState::crew_pool
  int trigger_defect = -1;  // rework: the defect that caused it
};

struct SimDefect {
  int eval_op = 0, culprit_op = 0;
  std::int16_t description = 0;
  std::int8_t severity = 1;
  bool triggered_rework = false;
};

struct SetupRecord {
  int phase = 0;
  Time start = 0, end = 0;
  int colour = 0;
};

struct DowntimeRecord {
  int phase = 0;
  Time start = 0, end = 0;
  int reason = 0;
  bool ongoing = false;
};

struct DemoState {
  DemoOptions options;
  std::uint64_t seed = 0;
  Targets targets;
  TimeFrame tf;
  double rate_ratio = 1;  // capacity ratio c_bottleneck(scale) / c_bottleneck(1)

  std::vector<PhaseRuntime> phases;  // one per work center, phase_specs() order
  int bottleneck = 0;
  WorkCalendar calendars[2];

  std::vector<ProductInfo> products;  // exported first (Modelos order), then hidden
  std::vector<RouteStep> route_steps;
  std::vector<EmployeeInfo> employees;
  std::vector<SlotInfo> slots;

  std::vector<OrderInfo> orders;  // by creation; warm-up orders first
  int first_window_order = 0;
  std::int64_t routing_ops_of_window = 0;  // sum of routing lengths of window orders
  std::int64_t rework_plan = 0;            // rework operations the row target leaves room for

  std::vector<Breakdown> breakdowns;

  // The simulated shop floor.
  std::vector<SimOp> ops;
  std::vector<std::vector<int>> order_ops;  // per order, in execution order
  std::vector<Time> order_done;
  std::vector<int> crew_pool;
  std::vector<SimDefect> defects;
  std::vector<SetupRecord> setups;
  std::vector<DowntimeRecord> downtimes;

  // Export bookkeeping.
  std::int64_t first_exported_op_id = 0;
  std::vector<int> op_row;  // sim op -> Factory::operations index, -1 if not exported

  model::Factory f;
};

}  // namespace pp::demo
