#include "core/schedule/factory_objective.h"

#include <algorithm>

namespace pp::factory {

ObjectiveValues evaluate(const CompiledFactory& f, const FactorySchedule& s, const FactoryOptions& options,
                         std::vector<Time>* completion) {
  ObjectiveValues v;
  v.makespan_end = f.plan_start;
  double flow_sum = 0;
  int flow_n = 0;
  const std::size_t orders = f.order_first_op.size() - 1;
  if (completion != nullptr) completion->assign(orders, kFarPast);
  for (std::size_t o = 0; o < orders; ++o) {
    const std::int32_t b = f.order_first_op[o], e = f.order_first_op[o + 1];
    if (b == e) continue;
    Time c = kFarPast;
    for (std::int32_t i = b; i < e; ++i) {
      c = std::max(c, s.ops[i].end);
      if (s.ops[i].setup > 0) ++v.setups;
    }
    if (completion != nullptr) (*completion)[o] = c;
    v.makespan_end = std::max(v.makespan_end, c);
    if (c > f.due[o]) {
      ++v.late_orders;
      v.total_weighted_tardiness += f.weight[o] * static_cast<double>(c - f.due[o]);
    }
    flow_sum += static_cast<double>(c - f.release[o]);
    ++flow_n;
  }
  v.mean_flow_seconds = flow_n > 0 ? flow_sum / flow_n : 0;
  const double makespan = static_cast<double>(v.makespan_end - f.plan_start);
  switch (options.objective) {
    case Objective::WeightedTardiness: v.value = v.total_weighted_tardiness; break;
    case Objective::Makespan: v.value = makespan; break;
    case Objective::MeanFlowTime: v.value = v.mean_flow_seconds; break;
    case Objective::Setups: v.value = static_cast<double>(v.setups); break;
    case Objective::WeightedSum:
      v.value = options.weights.weighted_tardiness * v.total_weighted_tardiness +
                options.weights.makespan * makespan + options.weights.mean_flow_time * v.mean_flow_seconds +
                options.weights.setups * static_cast<double>(v.setups);
      break;
  }
  return v;
}

}  // namespace pp::factory
