#include "core/schedule/factory_report.h"

#include "core/schedule/factory_objective.h"

#include <string>

namespace pp::factory {

std::string_view problem_kind_name(ProblemKind kind) noexcept {
  switch (kind) {
    case ProblemKind::InputProblem: return "input";
    case ProblemKind::NoWorkCenter: return "no_work_center";
    case ProblemKind::ZeroCapacity: return "zero_capacity";
    case ProblemKind::DoesNotFitInterval: return "does_not_fit_interval";
    case ProblemKind::BeyondCalendar: return "beyond_calendar";
    case ProblemKind::AfterHorizon: return "after_horizon";
    case ProblemKind::InvalidFixed: return "invalid_fixed";
    case ProblemKind::FixedConflict: return "fixed_conflict";
  }
  return "?";
}

namespace {

void add(FactoryPlan& plan, PlannedOperation& row, ProblemKind kind, std::string message) {
  if (!row.problem.empty()) row.problem += "; ";
  row.problem += message;
  row.has_problem = true;
  plan.problems.push_back({row.order, row.operation, kind, std::move(message)});
}

}  // namespace

FactoryPlan build_plan(const CompiledFactory& f, const FactorySchedule& s, const FactoryOptions& options) {
  FactoryPlan plan;
  std::vector<Time> completion;
  plan.objective = evaluate(f, s, options, &completion);
  plan.operations.reserve(f.ops.size());
  for (std::size_t i = 0; i < f.ops.size(); ++i) {
    const CompiledOp& op = f.ops[i];
    const Operation& src = f.problem.orders[op.order].operations[op.index];
    const OpPlace& p = s.ops[i];
    PlannedOperation row;
    row.order = op.order;
    row.operation = op.index;
    row.work_center = p.work_center;
    row.unit = p.unit;
    row.setup_start = p.setup_start;
    row.start = p.start;
    row.end = p.end;
    row.setup_seconds = p.setup;
    row.duration_source = src.duration_source;
    row.fixed = op.fixed;
    row.late = completion[op.order] > f.due[op.order];
    if (src.has_problem || !src.problem.empty())
      add(plan, row, ProblemKind::InputProblem, src.problem.empty() ? "flagged by the input" : src.problem);
    const std::string wc_name = p.work_center >= 0 ? f.problem.work_centers[p.work_center].id : std::string();
    if (p.flags & kFlagNoAlternative)
      add(plan, row, ProblemKind::NoWorkCenter, "no work center can do this operation");
    if (p.flags & kFlagNoCapacity)
      add(plan, row, ProblemKind::ZeroCapacity, "every work center of this operation has 0 units");
    if (p.flags & kFlagInvalidFixed)
      add(plan, row, ProblemKind::InvalidFixed, "fixed placement on a missing work center or unit, or ending before it starts");
    if (p.flags & kFlagFixedConflict)
      add(plan, row, ProblemKind::FixedConflict, "overlaps another fixed operation on " + wc_name);
    if (p.flags & kFlagDoesNotFit)
      add(plan, row, ProblemKind::DoesNotFitInterval,
          "needs more uninterrupted working time than any interval of " + wc_name + " has; planned as if resumable");
    if (!op.fixed && op.next >= 0 && f.ops[op.next].fixed && p.end > s.ops[op.next].start)
      add(plan, row, ProblemKind::FixedConflict, "ends after its fixed successor starts");
    if (!op.fixed && p.unit >= 0 && p.end > f.timeline_of(p.work_center).covered_end())
      add(plan, row, ProblemKind::BeyondCalendar, "runs past the end of the calendar of " + wc_name);
    if (options.horizon_end && p.end > *options.horizon_end)
      add(plan, row, ProblemKind::AfterHorizon, "ends after the planning horizon");
    plan.operations.push_back(std::move(row));
  }
  return plan;
}

}  // namespace pp::factory
