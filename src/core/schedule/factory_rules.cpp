#include "core/schedule/factory_rules.h"

#include "core/common/errors.h"

#include <algorithm>
#include <cmath>

namespace pp::factory {

namespace {
constexpr double kNoDue = 1e30;  // orders without due date sort after all others
constexpr double kAtcK = 2.0;    // ATC look-ahead parameter (typical range 1-3)
}  // namespace

RuleKey::RuleKey(const CompiledFactory& f, DispatchRule rule)
    : f_(f), rule_(rule), atc_scale_(kAtcK * f.mean_duration) {
  if (rule == DispatchRule::Best) throw_invalid("RuleKey needs a concrete dispatching rule");
}

double RuleKey::key(std::int32_t op, Time ready) const {
  const CompiledOp& o = f_.ops[op];
  const Time due = f_.due[o.order];
  const bool has_due = due < kFarFuture;
  const double p = static_cast<double>(std::max<Seconds>(1, o.min_duration));
  const double w = f_.weight[o.order];
  switch (rule_) {
    case DispatchRule::Fifo:
      return static_cast<double>(ready);
    case DispatchRule::Spt:
      return static_cast<double>(o.min_duration);
    case DispatchRule::Edd:
      return has_due ? static_cast<double>(due) : kNoDue;
    case DispatchRule::Cr: {
      if (!has_due) return kNoDue;
      const double rem = static_cast<double>(std::max<Seconds>(1, f_.remaining_work[op]));
      return static_cast<double>(due - ready) / rem;
    }
    case DispatchRule::Wspt:
      return p / w;
    case DispatchRule::Atc: {
      // Priority (w/p) exp(-slack+ / (K pbar)); in logs so that large slacks
      // keep their order instead of all underflowing to 0.
      const double slack =
          has_due ? std::max(0.0, static_cast<double>(due - ready - f_.remaining_work[op])) : kNoDue;
      return -(std::log(w / p) - slack / atc_scale_);
    }
    case DispatchRule::Best:
      break;
  }
  return 0;
}

WarmKey::WarmKey(const CompiledFactory& f, const std::vector<std::vector<double>>& start)
    : start_(f.ops.size(), std::nan("")) {
  const auto& orders = f.problem.orders;
  if (start.size() != orders.size()) throw_invalid("warm start: one entry per order is needed");
  for (std::size_t o = 0; o < orders.size(); ++o) {
    if (start[o].size() != orders[o].operations.size())
      throw_invalid("warm start: order " + orders[o].id + " needs one entry per operation");
    for (std::size_t k = 0; k < start[o].size(); ++k) start_[f.order_first_op[o] + k] = start[o][k];
  }
}

double WarmKey::key(std::int32_t op, Time ready) const {
  const double s = start_[op];
  return std::isnan(s) ? static_cast<double>(ready) : s;
}

}  // namespace pp::factory
