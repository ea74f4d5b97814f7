// A factory plan as prodplan.simulate() reads it from the database (text
// tables of planned operations and orders), for the simulation's unit tests
// and its core benchmark.
#pragma once

#include "core/planning/plan_inputs.h"
#include "core/schedule/factory_plan.h"
#include "core/schedule/factory_problem.h"
#include "core/simulate/replay_model.h"

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace pp::test {

// Text tables whose cells stay valid as long as the builder ("\\N" is NULL).
struct Tables {
  std::deque<std::vector<std::string>> text;
  std::deque<std::vector<const char*>> cells;
  pp::planning::TextTable make(const std::vector<std::vector<std::string>>& rows, int cols) {
    text.emplace_back();
    cells.emplace_back();
    for (const auto& r : rows)
      for (const auto& c : r) text.back().push_back(c);
    for (const auto& c : text.back()) cells.back().push_back(c == "\\N" ? nullptr : c.c_str());
    pp::planning::TextTable t;
    t.rows = static_cast<std::int64_t>(rows.size());
    t.cols = cols;
    t.cells = cells.back().data();
    return t;
  }
};

inline std::string s(std::int64_t v) { return std::to_string(v); }

// A planner's plan as simulate() reads it from prodplan.planned_operations.
struct PlanAsRows {
  Tables tables;
  pp::simulate::SimRows rows;
  std::map<std::string, bool> late;  // by order
};

inline void plan_as_rows(const pp::factory::FactoryProblem& p, const pp::factory::FactoryPlan& plan, std::int64_t plan_start,
                  PlanAsRows* out) {
  std::set<int> skip;  // orders with work on no unit (stored plans list those as problems only)
  for (const auto& op : plan.operations)
    if (op.unit < 0) skip.insert(op.order);
  std::vector<std::vector<std::string>> ops, orders;
  for (const auto& op : plan.operations) {
    if (skip.count(op.order)) continue;
    const auto& o = p.orders[op.order];
    ops.push_back({o.id, s(op.operation + 1), p.work_centers[op.work_center].id, s(op.unit + 1), s(op.setup_start),
                   s(op.start), s(op.end), s(op.setup_seconds),
                   s(p.orders[op.order].operations[op.operation].alternatives.front().duration), op.fixed ? "t" : "f",
                   "P" + o.family});
    out->late[o.id] = op.late;
  }
  // The work of an operation on an alternative: what the plan used.
  for (std::size_t i = 0, r = 0; i < plan.operations.size(); ++i) {
    const auto& op = plan.operations[i];
    if (skip.count(op.order)) continue;
    const auto& alts = p.orders[op.order].operations[op.operation].alternatives;
    for (const auto& a : alts)
      if (a.work_center == op.work_center) ops[r][8] = s(a.duration);
    if (op.fixed) ops[r][8] = s(op.end - op.start);
    ++r;
  }
  for (std::size_t k = 0; k < p.orders.size(); ++k) {
    if (skip.count(static_cast<int>(k))) continue;
    const auto& o = p.orders[k];
    orders.push_back({o.id, s(o.release), o.due ? s(*o.due) : "\\N"});
  }
  out->rows.resources = &p;
  out->rows.operations = out->tables.make(ops, 11);
  out->rows.orders = out->tables.make(orders, 3);
  out->rows.plan_start = plan_start;
}

}  // namespace pp::test
