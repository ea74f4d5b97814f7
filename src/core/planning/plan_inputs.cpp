// build_plan_input (plan_inputs.h).
#include "core/planning/plan_inputs.h"

#include "core/common/errors.h"
#include "core/planning/text_cells.h"
#include "core/schedule/calendar_timeline.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <unordered_map>

namespace pp::planning {

using cells::flag_of;
using cells::int_of;
using cells::real_of;
using cells::str;

namespace {

std::string key2(const char* a, const char* b) { return str(a) + '\x1f' + str(b); }

}  // namespace

PlanInput build_plan_input(const PlanRows& rows, std::int64_t plan_start) {
  PlanInput in;
  factory::FactoryProblem& pb = in.problem;

  // Calendars, in order of first appearance.
  std::unordered_map<std::string, int> calendar_index;
  for (std::int64_t r = 0; r < rows.working_time.rows; ++r) {
    const std::string id = str(rows.working_time.cell(r, 0));
    auto [it, added] = calendar_index.emplace(id, static_cast<int>(pb.calendars.size()));
    if (added) pb.calendars.emplace_back();
    pb.calendars[it->second].intervals.push_back(
        {int_of(rows.working_time.cell(r, 1)), int_of(rows.working_time.cell(r, 2))});
  }

  // Work centers; a calendar without any working period in the window is an
  // empty calendar (nothing can be placed on it without a reported problem).
  std::unordered_map<std::string, int> wc_index;
  for (std::int64_t r = 0; r < rows.work_centers.rows; ++r) {
    factory::WorkCenter wc;
    wc.id = str(rows.work_centers.cell(r, 0));
    wc.units = static_cast<int>(int_of(rows.work_centers.cell(r, 1), 1));
    const std::string cal = str(rows.work_centers.cell(r, 2));
    if (!cal.empty()) {
      auto it = calendar_index.find(cal);
      if (it == calendar_index.end()) {
        calendar_index.emplace(cal, static_cast<int>(pb.calendars.size()));
        wc.calendar = static_cast<int>(pb.calendars.size());
        pb.calendars.emplace_back();
      } else {
        wc.calendar = it->second;
      }
    }
    wc.resumable = rows.work_centers.cell(r, 3) == nullptr || flag_of(rows.work_centers.cell(r, 3));
    wc.default_setup_seconds = int_of(rows.work_centers.cell(r, 4));
    wc_index.emplace(wc.id, static_cast<int>(pb.work_centers.size()));
    pb.work_centers.push_back(std::move(wc));
  }
  for (std::int64_t r = 0; r < rows.setup_matrix.rows; ++r) {
    auto it = wc_index.find(str(rows.setup_matrix.cell(r, 0)));
    if (it == wc_index.end()) continue;
    pb.work_centers[it->second].setup_matrix.push_back(
        {str(rows.setup_matrix.cell(r, 1)), str(rows.setup_matrix.cell(r, 2)), int_of(rows.setup_matrix.cell(r, 3))});
  }
  // Flexible routing: work center -> [(alternative, speed factor)].
  std::unordered_map<int, std::vector<std::pair<int, double>>> alternatives;
  for (std::int64_t r = 0; r < rows.alternatives.rows; ++r) {
    auto a = wc_index.find(str(rows.alternatives.cell(r, 0)));
    auto b = wc_index.find(str(rows.alternatives.cell(r, 1)));
    if (a == wc_index.end() || b == wc_index.end() || a->second == b->second) continue;
    alternatives[a->second].push_back({b->second, real_of(rows.alternatives.cell(r, 2), 1.0)});
  }
  std::vector<factory::CalendarTimeline> timelines;
  timelines.reserve(pb.work_centers.size());
  for (const factory::WorkCenter& wc : pb.work_centers)
    timelines.push_back(wc.calendar < 0 ? factory::CalendarTimeline()
                                        : factory::CalendarTimeline(pb.calendars[wc.calendar].intervals));

  std::unordered_map<std::string, std::pair<std::int64_t, std::string>> standard;
  std::vector<std::int64_t> all_times;
  for (std::int64_t r = 0; r < rows.standard_times.rows; ++r) {
    standard.emplace(key2(rows.standard_times.cell(r, 0), rows.standard_times.cell(r, 1)),
                     std::make_pair(int_of(rows.standard_times.cell(r, 2)), str(rows.standard_times.cell(r, 3))));
    all_times.push_back(int_of(rows.standard_times.cell(r, 2)));
  }
  std::int64_t median_seconds = 3600;
  if (!all_times.empty()) {
    std::nth_element(all_times.begin(), all_times.begin() + all_times.size() / 2, all_times.end());
    median_seconds = all_times[all_times.size() / 2];
  }
  // Routing of each product: [(sequence, work center id)].
  std::unordered_map<std::string, std::vector<std::pair<int, std::string>>> routing;
  for (std::int64_t r = 0; r < rows.routing.rows; ++r)
    routing[str(rows.routing.cell(r, 0))].push_back(
        {static_cast<int>(int_of(rows.routing.cell(r, 1))), str(rows.routing.cell(r, 2))});
  // Shop-floor operations of each open order, in sequence.
  std::unordered_map<std::string, std::vector<std::int64_t>> order_ops;
  for (std::int64_t r = 0; r < rows.operations.rows; ++r) order_ops[str(rows.operations.cell(r, 0))].push_back(r);
  // The released plan's frozen slots: (order, operation number) -> row.
  std::map<std::pair<std::string, int>, std::int64_t> frozen;
  for (std::int64_t r = 0; r < rows.frozen.rows; ++r)
    frozen.emplace(std::make_pair(str(rows.frozen.cell(r, 0)), static_cast<int>(int_of(rows.frozen.cell(r, 1)))), r);

  std::vector<int> started_on(pb.work_centers.size(), 0);  // started operations per work center so far
  for (std::int64_t r = 0; r < rows.orders.rows; ++r) {
    factory::Order order;
    order.id = str(rows.orders.cell(r, 0));
    const std::string product = str(rows.orders.cell(r, 1));
    order.release = int_of(rows.orders.cell(r, 2));
    if (rows.orders.cell(r, 3) != nullptr) order.due = int_of(rows.orders.cell(r, 3));
    order.weight = real_of(rows.orders.cell(r, 4), 1.0);
    order.family = str(rows.orders.cell(r, 5));

    // What remains: the unfinished shop-floor operations, else the product's routing.
    struct Step {
      int number;
      std::string operation_id, work_center;
      const char* started;
    };
    std::vector<Step> steps;
    auto ops = order_ops.find(order.id);
    if (ops != order_ops.end()) {
      bool numbered = true;  // sequences present and increasing: they are the operation numbers
      int last = 0;
      for (std::int64_t row : ops->second) {
        const char* seq = rows.operations.cell(row, 2);
        if (flag_of(rows.operations.cell(row, 5))) {
          if (seq != nullptr) last = std::max(last, static_cast<int>(int_of(seq)));
          continue;  // finished
        }
        if (seq == nullptr || int_of(seq) <= last) numbered = false;
        if (seq != nullptr) last = static_cast<int>(int_of(seq));
        steps.push_back({seq ? static_cast<int>(int_of(seq)) : 0, str(rows.operations.cell(row, 1)),
                         str(rows.operations.cell(row, 3)), rows.operations.cell(row, 4)});
      }
      if (!numbered)
        for (std::size_t k = 0; k < steps.size(); ++k) steps[k].number = static_cast<int>(k) + 1;
    } else {
      auto rt = routing.find(product);
      if (rt == routing.end() || rt->second.empty()) {
        in.order_problems.push_back({order.id, "no_routing",
                                     "order " + order.id + " has no operations and its product " +
                                         (product.empty() ? std::string("(none)") : product) + " has no routing"});
        continue;
      }
      for (const auto& [seq, wc] : rt->second) steps.push_back({seq, "", wc, nullptr});
    }
    if (steps.empty()) continue;  // every operation finished: nothing to plan

    std::vector<int> numbers;
    std::vector<std::string> ids;
    for (const Step& st : steps) {
      factory::Operation op;
      auto wc = wc_index.find(st.work_center);
      std::int64_t seconds = median_seconds;
      auto sd = standard.find(product + '\x1f' + st.work_center);
      if (sd != standard.end() && sd->second.first > 0) {
        seconds = sd->second.first;
        op.duration_source = sd->second.second;
      } else {
        op.duration_source = "median_standard";
        op.has_problem = true;
        op.problem = "no standard time for product " + product + " at work center " + st.work_center +
                     "; planned with the median standard time";
      }
      if (wc == wc_index.end()) {
        op.has_problem = true;
        op.problem = "work center " + st.work_center + " is unknown";
      } else {
        op.alternatives.push_back({wc->second, seconds});
        auto alt = alternatives.find(wc->second);
        if (alt != alternatives.end())
          for (const auto& [other, factor] : alt->second)
            op.alternatives.push_back({other, static_cast<std::int64_t>(static_cast<double>(seconds) * factor + 0.5)});
        const int w = wc->second;
        if (st.started != nullptr) {
          // Started work stays where it is with what remains of it.
          const std::int64_t started = int_of(st.started);
          const std::int64_t done = timelines[w].working_seconds(started, std::max(started, plan_start));
          const std::int64_t remaining = std::max(seconds - done, seconds / 10);
          factory::FixedPlacement f;
          f.work_center = w;
          f.unit = started_on[w]++;
          f.start = started;
          f.end = timelines[w].finish(std::max(started, plan_start), remaining);
          op.fixed = f;
          op.duration_source = "in_progress";
        } else {
          auto fz = frozen.find({order.id, st.number});
          if (fz != frozen.end()) {
            auto fw = wc_index.find(str(rows.frozen.cell(fz->second, 2)));
            if (fw != wc_index.end()) {
              factory::FixedPlacement f;
              f.work_center = fw->second;
              f.unit = static_cast<int>(int_of(rows.frozen.cell(fz->second, 3), 1)) - 1;
              f.start = int_of(rows.frozen.cell(fz->second, 4));
              f.end = int_of(rows.frozen.cell(fz->second, 5));
              op.fixed = f;
              op.duration_source = "frozen";
            }
          }
        }
      }
      order.operations.push_back(std::move(op));
      numbers.push_back(st.number);
      ids.push_back(st.operation_id);
    }
    pb.orders.push_back(std::move(order));
    in.numbers.push_back(std::move(numbers));
    in.operation_ids.push_back(std::move(ids));
    in.products.push_back(product);
  }
  return in;
}

}  // namespace pp::planning
