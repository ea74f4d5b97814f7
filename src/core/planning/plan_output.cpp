#include "core/planning/plan_output.h"

#include "core/common/civil_time.h"
#include "core/common/json_text.h"
#include "core/model/copy_rows.h"
#include "core/planning/plan_rows.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace pp::planning {

namespace {

std::string objective_json(const factory::ObjectiveValues& v, const char* prefix, std::int64_t plan_start) {
  char buf[512];
  snprintf(buf, sizeof buf,
           "\"%smakespan_hours\": %.4f, \"%sweighted_tardiness_hours\": %.4f, \"%slate_orders\": %d, "
           "\"%smean_flow_hours\": %.4f, \"%ssetups\": %lld",
           prefix, static_cast<double>(v.makespan_end - plan_start) / 3600.0, prefix, v.total_weighted_tardiness / 3600.0,
           prefix, v.late_orders, prefix, v.mean_flow_seconds / 3600.0, prefix, static_cast<long long>(v.setups));
  return buf;
}

}  // namespace

PlanOutput format_plan(const std::string& pid, const PlanInput& input, const factory::FactoryPlan& plan,
                       std::int64_t plan_start, const std::unordered_set<std::string>* hypothetical,
                       const PlanNames& names) {
  PlanOutput out;
  const factory::FactoryProblem& pb = input.problem;
  const std::vector<std::int64_t> ends = order_ends(pb, plan.operations);
  const std::vector<int> heads = order_heads(pb, plan.operations, input.numbers);
  // Indexed like pb.orders; the same product and due date plan_orders gets.
  std::vector<PlannedOrder> orders(pb.orders.size());
  for (std::size_t o = 0; o < pb.orders.size(); ++o) {
    const PlanNames::Product p = names.product(input.products[o]);
    orders[o] = {input.products[o], pb.orders[o].due, p.name, p.family};
  }
  std::vector<std::optional<std::string>> wc_names(pb.work_centers.size());
  for (std::size_t w = 0; w < pb.work_centers.size(); ++w) wc_names[w] = names.work_center(pb.work_centers[w].id);
  // Operations not placed on a unit write no line: they are listed as problems.
  for (std::size_t i : chart_order(pb, plan.operations)) {
    const factory::PlannedOperation& op = plan.operations[i];
    append_planned_operation(out.operations_copy, pid, pb, op, input.numbers[op.order][op.operation],
                             input.operation_ids[op.order][op.operation], orders[op.order], ends[op.order],
                             wc_names[op.work_center], heads[op.order] == static_cast<int>(i));
  }
  for (const factory::PlanProblem& p : plan.problems) {
    std::string& b = out.problems_copy;
    const auto& order = pb.orders[p.order];
    b += pid + '\t';
    model::append_copy_text(b, order.id);
    b += '\t' + std::to_string(input.numbers[p.order][p.operation]) + '\t';
    const auto& alts = order.operations[p.operation].alternatives;
    if (alts.empty()) b += "\\N";
    else model::append_copy_text(b, pb.work_centers[alts[0].work_center].id);
    b += '\t';
    model::append_copy_text(b, std::string(factory::problem_kind_name(p.kind)));
    b += '\t';
    model::append_copy_text(b, p.message);
    b += '\n';
    ++out.problem_count;
  }
  for (const OrderProblem& p : input.order_problems) {
    std::string& b = out.problems_copy;
    b += pid + '\t';
    model::append_copy_text(b, p.order_id);
    b += "\t\\N\t\\N\t";
    model::append_copy_text(b, p.problem);
    b += '\t';
    model::append_copy_text(b, p.detail);
    b += '\n';
    ++out.problem_count;
  }
  for (std::size_t o = 0; o < pb.orders.size(); ++o) {
    const factory::Order& order = pb.orders[o];
    std::string& b = out.orders_copy;
    b += pid + '\t';
    model::append_copy_text(b, order.id);
    b += '\t';
    if (input.products[o].empty()) b += "\\N";
    else model::append_copy_text(b, input.products[o]);
    b += '\t';
    append_timestamptz(b, order.release);
    b += '\t';
    if (order.due) append_timestamptz(b, *order.due);
    else b += "\\N";
    char w[64];
    snprintf(w, sizeof w, "\t%.17g", order.weight);
    b += w;
    b += (hypothetical != nullptr && hypothetical->count(order.id)) ? "\tt\n" : "\tf\n";
  }

  // Objective values of the plan and of the best dispatching rule.
  const factory::ObjectiveValues* best_rule = nullptr;
  for (const auto& ro : plan.rules)
    if (ro.rule == plan.rule) best_rule = &ro.objective;
  out.summary_json = "{" + objective_json(plan.objective, "", plan_start);
  if (best_rule) out.summary_json += ", " + objective_json(*best_rule, "rule_", plan_start);
  out.summary_json += ", \"improved\": " + std::string(plan.improved ? "true" : "false");
  out.summary_json += ", \"warm_started\": " + std::string(plan.warm_started ? "true" : "false") + ", \"rules\": {";
  for (std::size_t i = 0; i < plan.rules.size(); ++i) {
    const auto& ro = plan.rules[i];
    if (i) out.summary_json += ", ";
    append_json_string(out.summary_json, std::string(factory::rule_name(ro.rule)));
    char buf[160];
    snprintf(buf, sizeof buf, ": {\"weighted_tardiness_hours\": %.4f, \"makespan_hours\": %.4f, \"seconds\": %.3f}",
             ro.objective.total_weighted_tardiness / 3600.0,
             static_cast<double>(ro.objective.makespan_end - plan_start) / 3600.0, ro.seconds);
    out.summary_json += buf;
  }
  out.summary_json += "}}";
  out.rule_name = plan.warm_started ? "warm_start" : std::string(factory::rule_name(plan.rule));
  return out;
}

}  // namespace pp::planning
