#include "core/whatif/scenario_apply.h"

#include "core/common/errors.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_map>

namespace pp::whatif {

namespace {

const char* type_name(ChangeType t) {
  switch (t) {
    case ChangeType::WorkCenterDown: return "work_center_down";
    case ChangeType::Capacity: return "capacity";
    case ChangeType::Calendar: return "calendar";
    case ChangeType::RushOrder: return "rush_order";
    case ChangeType::Order: return "order";
    case ChangeType::DurationFactor: return "duration_factor";
  }
  return "?";
}

[[noreturn]] void fail(const Change& c, const std::string& what, std::string hint = {}) {
  throw_invalid("what-if change " + std::to_string(c.position) + " (" + type_name(c.type) + "): " + what,
                std::move(hint));
}

class Applier {
 public:
  Applier(planning::PlanInput& in, factory::Time from, factory::Time to) : in_(in), pb_(in.problem), from_(from), to_(to) {
    const int n = static_cast<int>(pb_.work_centers.size());
    for (int w = 0; w < n; ++w) {
      map_.origin.push_back(w);
      map_.unit_offset.push_back(0);
      by_id_.emplace(pb_.work_centers[w].id, w);
    }
    own_.assign(n, false);
    for (std::size_t o = 0; o < pb_.orders.size(); ++o) order_index_.emplace(pb_.orders[o].id, static_cast<int>(o));
  }

  void apply(const Change& c) {
    switch (c.type) {
      case ChangeType::WorkCenterDown: {
        // Every unit is down, including units a capacity change split off.
        const int w = work_center(c);
        for (int e : entries_of(w))
          edit_calendar(e, [&](const Intervals& cal) { return subtracted(cal, c.periods); });
        touched_wc(w);
        break;
      }
      case ChangeType::Calendar: {
        std::vector<int> targets;
        if (c.work_center.empty())
          for (int w = 0; w < static_cast<int>(map_.origin.size()); ++w) targets.push_back(w);
        else
          targets = entries_of(work_center(c));
        for (int w : targets) {
          edit_calendar(w, [&](const Intervals& cal) { return c.add ? united(cal, c.periods) : subtracted(cal, c.periods); });
          touched_wc(map_.origin[w]);
        }
        break;
      }
      case ChangeType::Capacity: capacity(c); break;
      case ChangeType::RushOrder: {
        const int o = order(c, "the rush order could not be planned: its product has no routing");
        scale_order(o, c.quantity.value_or(1.0), c);
        ++map_.changed_orders;
        break;
      }
      case ChangeType::Order: order_change(c); break;
      case ChangeType::DurationFactor: duration_factor(c); break;
    }
  }

  ScenarioMap finish() {
    map_.changed_work_centers = static_cast<int>(touched_.size());
    return std::move(map_);
  }

 private:
  int work_center(const Change& c) const {
    auto it = by_id_.find(c.work_center);
    if (it == by_id_.end()) fail(c, "work center \"" + c.work_center + "\" is unknown");
    return it->second;
  }

  // The base work center and the entries split from it.
  std::vector<int> entries_of(int base) const {
    std::vector<int> out;
    for (int w = 0; w < static_cast<int>(map_.origin.size()); ++w)
      if (map_.origin[w] == base) out.push_back(w);
    return out;
  }

  int order(const Change& c, const char* missing) {
    auto it = order_index_.find(c.order);
    if (it == order_index_.end()) fail(c, "order \"" + c.order + "\": " + missing);
    return it->second;
  }

  void touched_wc(int base) { touched_.emplace(base, true); }

  Intervals calendar_of(int w) const {
    const int cal = pb_.work_centers[w].calendar;
    if (cal < 0) return {{from_, to_}};
    return normalized(pb_.calendars[cal].intervals);
  }

  template <typename F>
  void edit_calendar(int w, F&& edit) {
    Intervals next = edit(calendar_of(w));
    if (!own_[w]) {
      pb_.calendars.push_back({std::move(next)});
      pb_.work_centers[w].calendar = static_cast<int>(pb_.calendars.size()) - 1;
      own_[w] = true;
    } else {
      pb_.calendars[pb_.work_centers[w].calendar].intervals = std::move(next);
    }
  }

  void capacity(const Change& c) {
    const int w = work_center(c);
    const int base = pb_.work_centers[w].units;
    const int target = c.units_set ? *c.units_set : base + c.units_add.value_or(0);
    if (target < 0)
      fail(c, "work center \"" + c.work_center + "\" has " + std::to_string(base) + " units; the change leaves " +
                  std::to_string(target), "units (set) must be >= 0; units_add at least minus the units it has");
    touched_wc(w);
    if (c.periods.empty()) {
      pb_.work_centers[w].units = target;
      return;
    }
    if (target == base) return;
    // Split: w keeps the units that exist throughout; a new entry with the
    // same id holds the others, working inside (added) or outside (removed)
    // the periods.
    factory::WorkCenter extra = pb_.work_centers[w];
    const Intervals cal = calendar_of(w);
    extra.units = std::abs(target - base);
    const int permanent = std::min(target, base);
    pb_.calendars.push_back({target > base ? intersected(cal, c.periods) : subtracted(cal, c.periods)});
    extra.calendar = static_cast<int>(pb_.calendars.size()) - 1;
    pb_.work_centers[w].units = permanent;
    pb_.work_centers.push_back(std::move(extra));
    const int e = static_cast<int>(pb_.work_centers.size()) - 1;
    // Removed units are the top ones of w; added units are numbered after
    // every unit the work center already has (an earlier change's added units
    // included), so no two entries share a unit number.
    int next_free = 0;
    for (int x : entries_of(w)) next_free = std::max(next_free, map_.unit_offset[x] + pb_.work_centers[x].units);
    map_.origin.push_back(map_.origin[w]);
    map_.unit_offset.push_back(target > base ? std::max(next_free, map_.unit_offset[w] + permanent)
                                             : map_.unit_offset[w] + permanent);
    own_.push_back(true);
    for (factory::Order& o : pb_.orders)
      for (factory::Operation& op : o.operations) {
        const std::size_t n = op.alternatives.size();
        for (std::size_t k = 0; k < n; ++k)
          if (op.alternatives[k].work_center == w) op.alternatives.push_back({e, op.alternatives[k].duration});
        // Started work on a unit that is now the split-off entry's.
        if (op.fixed && op.fixed->work_center == w && op.fixed->unit >= permanent) {
          op.fixed->work_center = e;
          op.fixed->unit -= permanent;
        }
      }
  }

  // Scaled work past kMaxWorkSeconds is refused here, naming the change,
  // rather than by the planner later (or, past int64, by llround's
  // undefined result): 1e6 x 1e9 typed as factor and quantity once gave a
  // plan whose end times saturated before their starts.
  factory::Seconds scaled(factory::Seconds d, double factor, const Change& c, const factory::Order& ord) {
    const double v = static_cast<double>(d) * factor;
    if (!(v <= static_cast<double>(factory::kMaxWorkSeconds))) {
      char took[32];
      std::snprintf(took, sizeof took, "%.3g", v);
      fail(c, "it makes an operation of order " + ord.id + " take " + took +
                  " working seconds, more than the limit of " + std::to_string(factory::kMaxWorkSeconds) +
                  " (100 years)");
    }
    return static_cast<factory::Seconds>(std::llround(v));
  }

  void scale_order(int o, double factor, const Change& c) {
    if (!(factor > 0) || !std::isfinite(factor)) fail(c, "the quantity must be a number above 0");
    for (factory::Operation& op : pb_.orders[o].operations) {
      if (op.fixed) continue;
      for (factory::Alternative& a : op.alternatives)
        a.duration = scaled(a.duration, factor, c, pb_.orders[o]);
      ++map_.changed_operations;
    }
  }

  void order_change(const Change& c) {
    const int o = order(c, "is not an open order of this plan (unknown, finished, or with nothing left to do)");
    factory::Order& ord = pb_.orders[o];
    ++map_.changed_orders;
    if (c.cancel) {
      pb_.orders.erase(pb_.orders.begin() + o);
      in_.numbers.erase(in_.numbers.begin() + o);
      in_.operation_ids.erase(in_.operation_ids.begin() + o);
      in_.products.erase(in_.products.begin() + o);
      order_index_.clear();
      for (std::size_t k = 0; k < pb_.orders.size(); ++k) order_index_.emplace(pb_.orders[k].id, static_cast<int>(k));
      return;
    }
    if (c.due) ord.due = *c.due;
    if (c.priority) {
      if (!(*c.priority > 0)) fail(c, "the priority must be above 0");
      ord.weight = *c.priority;
    }
    if (c.quantity) {
      if (!(c.base_quantity > 0)) fail(c, "the order's quantity now is not above 0, so its work cannot be scaled");
      scale_order(o, *c.quantity / c.base_quantity, c);
    }
  }

  void duration_factor(const Change& c) {
    if (!(c.factor > 0) || !std::isfinite(c.factor)) fail(c, "the factor must be a number above 0");
    if (!c.work_center.empty()) work_center(c);  // known
    for (std::size_t o = 0; o < pb_.orders.size(); ++o) {
      if (!c.product.empty() && in_.products[o] != c.product) continue;
      for (factory::Operation& op : pb_.orders[o].operations) {
        if (op.fixed) continue;
        bool changed = false;
        for (factory::Alternative& a : op.alternatives) {
          if (!c.work_center.empty() && pb_.work_centers[a.work_center].id != c.work_center) continue;
          a.duration = scaled(a.duration, c.factor, c, pb_.orders[o]);
          changed = true;
        }
        if (changed) ++map_.changed_operations;
      }
    }
    if (!c.work_center.empty()) touched_wc(work_center(c));
  }

  planning::PlanInput& in_;
  factory::FactoryProblem& pb_;
  factory::Time from_, to_;
  ScenarioMap map_;
  std::unordered_map<std::string, int> by_id_;
  std::unordered_map<std::string, int> order_index_;
  std::unordered_map<int, bool> touched_;
  std::vector<bool> own_;  // by work center: its calendar is its own copy
};

}  // namespace

ScenarioMap apply_changes(planning::PlanInput& input, const std::vector<Change>& changes, factory::Time always_from,
                          factory::Time always_to) {
  Applier a(input, always_from, always_to);
  for (const Change& c : changes) a.apply(c);
  return a.finish();
}

void map_to_base(const ScenarioMap& map, factory::FactoryPlan& plan) {
  for (factory::PlannedOperation& op : plan.operations) {
    if (op.work_center < 0) continue;
    if (op.unit >= 0) op.unit += map.unit_offset[op.work_center];
    op.work_center = map.origin[op.work_center];
  }
}

}  // namespace pp::whatif
