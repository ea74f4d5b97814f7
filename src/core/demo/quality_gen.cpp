// Defects (OrdemFabricoErros): the defects the simulation found at exported
// evaluation operations that had ended by export_at, blamed on an exported
// earlier operation of the same order. The count is made exact by thinning
// uniformly (never a defect whose rework pass was exported) or by topping up
// with extra defects drawn with the same weights (a random (evaluation,
// culprit) pair accepted with probability lambda / max lambda), so the planted
// multipliers are preserved. Clean defects are unique by (order, evaluation
// operation, description, culprit operation).
#include "core/demo/plant_spec.h"
#include "core/demo/rng.h"
#include "core/demo/stages.h"

#include <algorithm>
#include <tuple>
#include <unordered_set>

namespace pp::demo {

namespace {

std::uint64_t defect_key(int eval_row, int culprit_row, int description) {
  return (static_cast<std::uint64_t>(eval_row) << 32) ^ (static_cast<std::uint64_t>(culprit_row) << 6) ^
         static_cast<std::uint64_t>(description);
}

std::int8_t draw_severity(Rng& rng) {
  const double u = rng.uniform();
  return static_cast<std::int8_t>(u < kSeverityShare[0] ? 1 : u < kSeverityShare[0] + kSeverityShare[1] ? 2 : 3);
}

}  // namespace

void export_defects(DemoState& st, const CancelToken& cancel) {
  Rng rng(st.seed, Stream::Quality);
  const auto& specs = phase_specs();
  const auto& descs = defect_descriptions();
  auto exported_row = [&](int op) { return st.op_row[static_cast<std::size_t>(op)]; };
  auto ended_eval = [&](int op) {
    const int r = exported_row(op);
    return r >= 0 && st.f.operations[static_cast<std::size_t>(r)].ended_at.has_value();
  };
  std::vector<SimDefect> kept;
  for (const SimDefect& d : st.defects) {
    if (ended_eval(d.eval_op) && exported_row(d.culprit_op) >= 0) kept.push_back(d);
  }
  const std::int64_t want = st.targets.def_clean;
  if (static_cast<std::int64_t>(kept.size()) > want) {
    std::vector<std::size_t> order(kept.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    rng.shuffle(order);
    std::stable_partition(order.begin(), order.end(), [&](std::size_t i) { return !kept[i].triggered_rework; });
    std::vector<char> drop(kept.size(), 0);
    for (std::size_t k = 0; k < kept.size() - static_cast<std::size_t>(want); ++k) drop[order[k]] = 1;
    std::vector<SimDefect> thinned;
    thinned.reserve(static_cast<std::size_t>(want));
    for (std::size_t i = 0; i < kept.size(); ++i) {
      if (!drop[i]) thinned.push_back(kept[i]);
    }
    kept = std::move(thinned);
  } else if (static_cast<std::int64_t>(kept.size()) < want) {
    std::vector<std::pair<int, int>> pairs;  // (evaluation op, culprit op)
    float max_lambda = 0;
    for (std::size_t o = static_cast<std::size_t>(st.first_window_order); o < st.orders.size(); ++o) {
      const auto& list = st.order_ops[o];
      std::size_t from = 0;
      for (std::size_t pos = 0; pos < list.size(); ++pos) {
        const SimOp& e = st.ops[static_cast<std::size_t>(list[pos])];
        if (!specs[static_cast<std::size_t>(e.phase)].evaluation) continue;
        if (ended_eval(list[pos])) {
          for (std::size_t c = from; c < pos; ++c) {
            const SimOp& cop = st.ops[static_cast<std::size_t>(list[c])];
            if (cop.lambda > 0 && exported_row(list[c]) >= 0) {
              pairs.emplace_back(list[pos], list[c]);
              max_lambda = std::max(max_lambda, cop.lambda);
            }
          }
        }
        from = pos + 1;
      }
    }
    std::unordered_set<std::uint64_t> used;
    used.reserve(kept.size() * 2 + 16);
    for (const SimDefect& d : kept) used.insert(defect_key(exported_row(d.eval_op), exported_row(d.culprit_op), d.description));
    const std::int64_t max_attempts = 400 * (want - static_cast<std::int64_t>(kept.size())) + 100000;
    for (std::int64_t a = 0; a < max_attempts && static_cast<std::int64_t>(kept.size()) < want && !pairs.empty(); ++a) {
      if ((a & 4095) == 0) cancel.poll();
      const auto& [e, c] = pairs[rng.index(pairs.size())];
      const SimOp& cop = st.ops[static_cast<std::size_t>(c)];
      if (rng.uniform() * max_lambda >= cop.lambda) continue;
      const auto& list = specs[static_cast<std::size_t>(cop.phase)].defects;
      const int desc = list[rng.index(list.size())];
      if (!used.insert(defect_key(exported_row(e), exported_row(c), desc)).second) continue;
      SimDefect d;
      d.eval_op = e;
      d.culprit_op = c;
      d.description = static_cast<std::int16_t>(desc);
      d.severity = draw_severity(rng);
      kept.push_back(d);
    }
  }
  cancel.poll();
  std::vector<std::tuple<Time, int, int, int, std::size_t>> keyed;
  keyed.reserve(kept.size());
  for (std::size_t i = 0; i < kept.size(); ++i) {
    const int er = exported_row(kept[i].eval_op);
    keyed.emplace_back(st.f.operations[static_cast<std::size_t>(er)].event_time, er, exported_row(kept[i].culprit_op),
                       kept[i].description, i);
  }
  std::sort(keyed.begin(), keyed.end());
  auto& out = st.f.defects;
  out.reserve(keyed.size());
  for (const auto& k : keyed) {
    const SimDefect& d = kept[std::get<4>(k)];
    const model::Operation& eval = st.f.operations[static_cast<std::size_t>(std::get<1>(k))];
    model::Defect row;
    row.description = descs[static_cast<std::size_t>(d.description)];
    row.order_id = eval.order_id;
    row.evaluation_work_center_id = eval.work_center_id;
    row.severity = d.severity;
    row.evaluation_operation_id = eval.operation_id;
    row.culprit_operation_id = st.f.operations[static_cast<std::size_t>(std::get<2>(k))].operation_id;
    row.detected_at = eval.event_time;
    out.push_back(std::move(row));
  }
}

}  // namespace pp::demo
