#include "core/quality/defect_cases.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pp::quality {

int Names::id(std::string_view name) {
  auto it = ids_.find(name);
  if (it != ids_.end()) return it->second;
  const int id = static_cast<int>(names_.size());
  names_.emplace_back(name);
  ids_.emplace(std::string_view(names_.back()), id);
  return id;
}

int Names::find(std::string_view name) const {
  auto it = ids_.find(name);
  return it == ids_.end() ? -1 : it->second;
}

double OpCase::crew_tenure_years() const {
  if (std::isnan(newest_hire)) return kNoTime;
  return std::max(0.0, (start - newest_hire) / (365.25 * 86400.0));
}

void sort_cases(CaseSet& set, const CancelToken& cancel) {
  cancel.poll();
  // NaN compares as "greater than every number" so the order is total.
  auto less_nan = [](double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return !std::isnan(a) && std::isnan(b);
    return a < b;
  };
  auto key_less = [&](const OpCase& a, const OpCase& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.order != b.order) return set.orders.name(a.order) < set.orders.name(b.order);
    if (a.work_center != b.work_center) return set.work_centers.name(a.work_center) < set.work_centers.name(b.work_center);
    if (a.ended != b.ended && !(std::isnan(a.ended) && std::isnan(b.ended))) return less_nan(a.ended, b.ended);
    if (a.rework != b.rework) return a.rework < b.rework;
    if (a.culprit != b.culprit) return a.culprit < b.culprit;
    if (a.shift != b.shift) return a.shift < b.shift;
    if (a.newest_hire != b.newest_hire && !(std::isnan(a.newest_hire) && std::isnan(b.newest_hire)))
      return less_nan(a.newest_hire, b.newest_hire);
    return less_nan(a.weight_kg, b.weight_kg);
  };
  std::sort(set.cases.begin(), set.cases.end(), key_less);
  cancel.poll();
}

void label_cases(CaseSet& set, const CancelToken& cancel) {
  auto& cases = set.cases;
  std::vector<std::size_t> idx(cases.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    if (cases[a].order != cases[b].order) return cases[a].order < cases[b].order;
    return cases[a].start < cases[b].start;
  });
  for (std::size_t i = 0; i < idx.size();) {
    if ((i & 8191) == 0) cancel.poll();
    std::size_t j = i;
    while (j < idx.size() && cases[idx[j]].order == cases[idx[i]].order) ++j;
    // Backwards through the order: `judge` is when the nearest later
    // evaluation ended (NaN if it has not), `judge_start` when it started.
    double judge = kNoTime, judge_start = kNoTime;
    bool have_judge = false;
    for (std::size_t k = j; k-- > i;) {
      OpCase& c = cases[idx[k]];
      // An evaluation starting at the same instant does not judge it (its
      // outcome is then left unknown: rare, and never a wrong label).
      c.label_time = have_judge && c.start < judge_start ? judge : kNoTime;
      if (set.is_evaluation(c.work_center)) {
        have_judge = true;
        judge = c.ended;
        judge_start = c.start;
      }
    }
    i = j;
  }
}

}  // namespace pp::quality
