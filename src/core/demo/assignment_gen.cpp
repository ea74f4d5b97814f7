// Operation assignments (FuncionariosFaseOrdemFabrico).
//
// Matched rows (kMatchedAssignmentShare of the clean rows): the crews of a
// random sample of the exported, started manual operations (crew booking at
// the terminal is patchy), the lead first; the sample is cut so the row count
// is exact. Orphan rows: crews of pruned history, operation ids
// 100001.. below the first exported operation id, spread over the time before
// the warm-up at the rate of the window's manual operations, drawn from the
// slot holders of the time (so they are plausible people, just not checkable).
#include "core/demo/plant_spec.h"
#include "core/demo/rng.h"
#include "core/demo/stages.h"

#include <algorithm>
#include <cmath>

namespace pp::demo {

namespace {

constexpr std::int64_t kFirstPrunedOpId = 100001;

int holder_at(const DemoState& st, int slot, Time t) {
  const auto& chain = st.slots[static_cast<std::size_t>(slot)].chain;
  for (std::size_t k = chain.size(); k-- > 0;) {
    const EmployeeInfo& e = st.employees[static_cast<std::size_t>(chain[k])];
    if (e.qualified <= t && e.left > t) return chain[k];
  }
  return -1;
}

}  // namespace

void build_orphan_assignments(DemoState& st, const CancelToken& cancel) {
  Rng rng(st.seed, Stream::Assignments);
  const auto& specs = phase_specs();
  const std::int64_t want = st.targets.asg_orphan;
  std::vector<int> phases;
  std::vector<double> cum;
  double manual_visits = 0;
  for (std::size_t p = 0; p < specs.size(); ++p) {
    if (!st.phases[p].used || specs[p].automatic || st.phases[p].slots.empty()) continue;
    manual_visits += st.phases[p].visits_per_order;
    phases.push_back(static_cast<int>(p));
    cum.push_back(manual_visits);
  }
  const double mean_crew = kCrewSizeShare[0] + 2 * kCrewSizeShare[1] + 3 * kCrewSizeShare[2];
  const double pruned_ops = std::max(1.0, static_cast<double>(want) / mean_crew);
  const double per_second = std::max(1e-9, manual_visits * static_cast<double>(st.targets.orders_clean) /
                                               (static_cast<double>(st.tf.span_days) * kDay));
  const Time end = st.tf.warmup_start;
  const double step = 1.0 / per_second;
  std::int64_t rows = 0, k = 0;
  auto& out = st.f.assignments;
  out.reserve(static_cast<std::size_t>(st.targets.asg_clean));
  while (rows < want) {
    if ((k & 4095) == 0) cancel.poll();
    const Time t = end - static_cast<Time>((pruned_ops - static_cast<double>(k) - rng.uniform()) * step);
    const int phase = phases[rng.from_cumulative(cum)];
    const auto& slots = st.phases[static_cast<std::size_t>(phase)].slots;
    const double u = rng.uniform();
    const int size = u < kCrewSizeShare[0] ? 1 : u < kCrewSizeShare[0] + kCrewSizeShare[1] ? 2 : 3;
    int chosen[3];
    int got = 0;
    for (int attempt = 0; attempt < 12 && got < size; ++attempt) {
      const int e = holder_at(st, slots[rng.index(slots.size())], std::min(t, end - 1));
      if (e < 0) continue;
      bool dup = false;
      for (int j = 0; j < got; ++j) dup = dup || chosen[j] == e;
      if (!dup) chosen[got++] = e;
    }
    const std::string id = std::to_string(kFirstPrunedOpId + k);
    for (int j = 0; j < got && rows < want; ++j, ++rows) {
      out.push_back({id, std::to_string(st.employees[static_cast<std::size_t>(chosen[j])].number), j == 0});
    }
    ++k;
  }
  // The exported operation ids start at the next round ten thousand.
  st.first_exported_op_id = ((kFirstPrunedOpId + k + 1000) / 10000 + 1) * 10000 + 1;
}

void export_crew_assignments(DemoState& st, const CancelToken& cancel) {
  Rng rng(st.seed ^ 0xc4e3ull, Stream::Assignments);
  const Time E = st.options.export_at;
  std::vector<int> candidates;
  for (std::size_t i = 0; i < st.ops.size(); ++i) {
    const SimOp& op = st.ops[i];
    if (st.op_row[i] >= 0 && op.crew_n > 0 && op.start <= E) candidates.push_back(static_cast<int>(i));
  }
  rng.shuffle(candidates);
  std::int64_t rows = 0;
  const std::int64_t want = st.targets.asg_matched;
  std::vector<std::pair<int, int>> chosen;  // (op row, rows of its crew to write)
  for (int i : candidates) {
    if (rows >= want) break;
    const SimOp& op = st.ops[static_cast<std::size_t>(i)];
    const int n = static_cast<int>(std::min<std::int64_t>(op.crew_n, want - rows));
    chosen.emplace_back(i, n);
    rows += n;
  }
  std::sort(chosen.begin(), chosen.end(), [&](const auto& a, const auto& b) {
    return st.op_row[static_cast<std::size_t>(a.first)] < st.op_row[static_cast<std::size_t>(b.first)];
  });
  auto& out = st.f.assignments;
  std::size_t n = 0;
  for (const auto& [i, count] : chosen) {
    if ((++n & 4095) == 0) cancel.poll();
    const SimOp& op = st.ops[static_cast<std::size_t>(i)];
    const std::string& op_id = st.f.operations[static_cast<std::size_t>(st.op_row[static_cast<std::size_t>(i)])].operation_id;
    for (int j = 0; j < count; ++j) {
      const int e = st.crew_pool[static_cast<std::size_t>(op.crew_begin + j)];
      out.push_back({op_id, std::to_string(st.employees[static_cast<std::size_t>(e)].number), j == 0});
    }
  }
}

}  // namespace pp::demo
