// Planted workbook flaws, rendered by the workbook writer and found again by
// ingestion. Duplicates: exact copies of distinct random clean rows (half
// right after their source row, half up to 200 rows later). Invalid rows, with
// ids no clean row uses (orders and operations: numbers above the largest
// clean id) and cells as text in the sheet's column order (dates as
// "YYYY-MM-DD HH:MM:SS", NULL as ""):
//   orders      "bad_date"          Of_DataCriacao unparseable ("31/02/2023 25:61", ...)
//   operations  "end_before_start"  FaseOf_Fim 1-72 h before FaseOf_Inicio
//   operations  "bad_date"          FaseOf_Inicio unparseable
//   defects     "severity_domain"   OFCH_GRAVIDADE = 4 (key unique vs clean rows)
#include "core/common/civil_time.h"
#include "core/demo/plant_spec.h"
#include "core/demo/rng.h"
#include "core/demo/stages.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>
#include <tuple>

namespace pp::demo {

namespace {

std::string text(Time t) {
  std::string s;
  append_datetime(s, t);
  return s;
}
std::string text(const model::OptTime& t) { return t ? text(*t) : std::string(); }
std::string text(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}
std::string text(const std::optional<double>& v) { return v ? text(*v) : std::string(); }
std::string text(const std::optional<int>& v) { return v ? std::to_string(*v) : std::string(); }

std::string bad_date(Rng& rng, Time near) {
  const int y = civil_from_unix(near).year;
  switch (rng.index(4)) {
    case 0: return "31/02/" + std::to_string(y) + " 25:61";
    case 1: return std::to_string(y) + "-13-45 99:99:99";
    case 2: return "00/00/0000 00:00";
    default: return "31-11-" + std::to_string(y) + " 24:61:00";
  }
}

void add_duplicates(Rng& rng, model::Sheet sheet, std::size_t n, std::int64_t count,
                    std::vector<model::DuplicateRow>& out) {
  if (n == 0 || count <= 0) return;
  std::vector<char> taken(n, 0);
  std::int64_t made = 0;
  for (std::int64_t attempt = 0; made < count && attempt < count * 50 + 1000; ++attempt) {
    const std::size_t src = rng.index(n);
    if (taken[src]) continue;
    taken[src] = 1;
    std::size_t after = src;
    if (rng.chance(0.5)) after = std::min(n - 1, src + static_cast<std::size_t>(rng.range(1, 200)));
    out.push_back({sheet, src, after});
    ++made;
  }
}

}  // namespace

void plant_workbook_flaws(DemoState& st, const CancelToken& cancel) {
  Rng rng(st.seed, Stream::Flaws);
  auto& f = st.f;
  const Targets& t = st.targets;
  using model::Sheet;
  add_duplicates(rng, Sheet::Orders, f.orders.size(), t.orders_dup, f.duplicates);
  add_duplicates(rng, Sheet::Operations, f.operations.size(), t.ops_dup, f.duplicates);
  add_duplicates(rng, Sheet::Assignments, f.assignments.size(), t.asg_dup, f.duplicates);
  add_duplicates(rng, Sheet::Defects, f.defects.size(), t.def_dup, f.duplicates);
  cancel.poll();

  // Orders with an unparseable creation date.
  if (!f.orders.empty()) {
    std::int64_t next = std::stoll(f.orders.back().order_id) + 1;
    for (std::int64_t k = 0; k < t.orders_bad_date; ++k) {
      const std::size_t at = rng.index(f.orders.size());
      const model::ProductionOrder& near = f.orders[at];
      const model::ProductionOrder& other = f.orders[rng.index(f.orders.size())];
      f.invalid_rows.push_back({Sheet::Orders, at,
                                {std::to_string(next++), bad_date(rng, near.created_at), "", other.product_id, "",
                                 text(near.due_at)},
                                "bad_date"});
    }
  }
  // Operations: end before start, and an unparseable start.
  std::vector<std::size_t> ended, started;
  for (std::size_t i = 0; i < f.operations.size(); ++i) {
    if (f.operations[i].ended_at) ended.push_back(i);
    if (f.operations[i].started_at) started.push_back(i);
  }
  std::int64_t next_op = 0;
  if (!f.operations.empty()) next_op = std::stoll(f.operations.back().operation_id) + 1;
  auto op_cells = [&](const model::Operation& op, std::string start, std::string end) {
    return std::vector<std::string>{std::to_string(next_op++), op.order_id, std::move(start), std::move(end),
                                    text(op.planned_at), text(op.coefficient), text(op.coefficient_x),
                                    op.work_center_id, text(op.weight_kg), op.is_rework ? "1" : "0",
                                    text(op.shift), std::to_string(op.sequence)};
  };
  for (std::int64_t k = 0; k < t.ops_end_before_start && !ended.empty(); ++k) {
    const std::size_t i = ended[rng.index(ended.size())];
    const model::Operation& op = f.operations[i];
    const Time end = *op.started_at - static_cast<Time>(rng.uniform(1.0, 72.0) * kHour);
    f.invalid_rows.push_back({Sheet::Operations, i, op_cells(op, text(op.started_at), text(end)), "end_before_start"});
  }
  for (std::int64_t k = 0; k < t.ops_bad_date && !started.empty(); ++k) {
    const std::size_t i = started[rng.index(started.size())];
    const model::Operation& op = f.operations[i];
    f.invalid_rows.push_back({Sheet::Operations, i, op_cells(op, bad_date(rng, *op.started_at), text(op.ended_at)),
                              "bad_date"});
  }
  // Defects with severity 4, with a description that no clean defect of the
  // same (evaluation, culprit) pair uses (such rows are adjacent: sorted).
  const auto& descs = defect_descriptions();
  for (std::int64_t k = 0; k < t.def_severity && !f.defects.empty(); ++k) {
    const std::size_t i = rng.index(f.defects.size());
    const model::Defect& d = f.defects[i];
    std::size_t lo = i, hi = i + 1;
    auto same = [&](std::size_t j) {
      return f.defects[j].evaluation_operation_id == d.evaluation_operation_id &&
             f.defects[j].culprit_operation_id == d.culprit_operation_id;
    };
    while (lo > 0 && same(lo - 1)) --lo;
    while (hi < f.defects.size() && same(hi)) ++hi;
    std::string desc;
    for (int attempt = 0; attempt < 100 && desc.empty(); ++attempt) {
      const std::string candidate = descs[rng.index(descs.size())];
      bool used = false;
      for (std::size_t j = lo; j < hi; ++j) used = used || f.defects[j].description == candidate;
      if (!used) desc = candidate;
    }
    f.invalid_rows.push_back({Sheet::Defects, i,
                              {desc, d.order_id, d.evaluation_work_center_id, "4", d.evaluation_operation_id,
                               d.culprit_operation_id.value_or("")},
                              "severity_domain"});
  }
  auto by_position = [](const auto& a, const auto& b) {
    return std::tie(a.sheet, a.after_index) < std::tie(b.sheet, b.after_index);
  };
  std::stable_sort(f.duplicates.begin(), f.duplicates.end(), by_position);
  std::stable_sort(f.invalid_rows.begin(), f.invalid_rows.end(), by_position);
}

}  // namespace pp::demo
