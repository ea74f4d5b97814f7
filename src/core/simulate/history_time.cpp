#include "core/simulate/history_time.h"

#include <cmath>
#include <cstdlib>
#include <map>

namespace pp::simulate {

HistoryWorkingTime::HistoryWorkingTime(const planning::TextTable& wcs, const planning::TextTable& periods) {
  std::map<std::string, std::vector<factory::WorkInterval>> by_calendar;
  for (std::int64_t r = 0; r < periods.rows; ++r) {
    if (!periods.cell(r, 0) || !periods.cell(r, 1) || !periods.cell(r, 2)) continue;
    by_calendar[periods.cell(r, 0)].push_back(
        {std::strtoll(periods.cell(r, 1), nullptr, 10), std::strtoll(periods.cell(r, 2), nullptr, 10)});
  }
  std::map<std::string, int> index;
  for (auto& [id, intervals] : by_calendar) {
    index[id] = static_cast<int>(timelines_.size());
    timelines_.emplace_back(intervals);
  }
  for (std::int64_t r = 0; r < wcs.rows; ++r) {
    const char* cal = wcs.cell(r, 2);
    auto it = cal ? index.find(cal) : index.end();
    work_center_timeline_[wcs.cell(r, 0)] = it == index.end() ? -1 : it->second;
  }
}

double HistoryWorkingTime::working_seconds(std::string_view wc, double start, double end) const {
  if (!(end > start)) return 0;
  key_.assign(wc);
  const auto it = work_center_timeline_.find(key_);
  if (it == work_center_timeline_.end() || it->second < 0) return end - start;
  const factory::CalendarTimeline& t = timelines_[it->second];
  return static_cast<double>(t.working_seconds(static_cast<factory::Time>(std::llround(start)),
                                               static_cast<factory::Time>(std::llround(end))));
}

}  // namespace pp::simulate
