// Working time of past operations. The history records when an operation
// started and ended on the wall clock; across a night or a weekend that
// span is mostly time the work center was closed. The duration spread must
// measure the working seconds inside the span, as the plan's durations do,
// or every closure would count as variation a second time.
#pragma once
#include "core/common/core_only.h"

#include "core/planning/plan_inputs.h"
#include "core/schedule/calendar_timeline.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pp::simulate {

class HistoryWorkingTime {
 public:
  // work_centers: work_center_id, capacity_units, calendar_id ('' none), ...
  // (plan_inputs.h PlanRows::work_centers); periods: calendar_id, start, end
  // (Unix seconds) over the history's span. The tables are read, not kept.
  HistoryWorkingTime(const planning::TextTable& work_centers, const planning::TextTable& periods);

  // Working seconds of the work center in [start, end) (Unix seconds); the
  // wall-clock span for a work center without calendar or unknown.
  double working_seconds(std::string_view work_center_id, double start, double end) const;

 private:
  std::vector<factory::CalendarTimeline> timelines_;
  std::unordered_map<std::string, int> work_center_timeline_;  // -1: works always
  mutable std::string key_;
};

}  // namespace pp::simulate
