#include "core/simulate/replay_model.h"

#include "core/common/errors.h"
#include "core/simulate/random_keys.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <unordered_map>

namespace pp::simulate {

namespace {

std::int64_t int_of(const char* s) { return s ? std::strtoll(s, nullptr, 10) : 0; }

}  // namespace

ReplayModel build_replay(const SimRows& rows, const DurationSpreads& spreads) {
  ReplayModel m;
  m.plan_start = rows.plan_start;
  const factory::FactoryProblem& res = *rows.resources;
  m.timelines.reserve(res.calendars.size() + 1);
  m.timelines.emplace_back();
  for (const factory::Calendar& c : res.calendars) m.timelines.emplace_back(c.intervals);

  // Scenario entries by base work center id: (first unit, units, entry).
  struct Entry {
    int offset, units, index;
  };
  std::unordered_map<std::string, std::vector<Entry>> entries;
  for (std::size_t e = 0; e < res.work_centers.size(); ++e) {
    const int origin = rows.map ? rows.map->origin[e] : static_cast<int>(e);
    const int offset = rows.map ? rows.map->unit_offset[e] : 0;
    entries[res.work_centers[origin].id].push_back({offset, res.work_centers[e].units, static_cast<int>(e)});
  }
  std::unordered_map<std::string, const FailureHistory*> history;
  for (const FailureHistory& f : rows.failures) history[f.work_center_id] = &f;

  std::map<std::pair<std::string, int>, int> unit_index;
  auto unit_of = [&](const char* wc, int unit) {
    auto [it, added] = unit_index.try_emplace({wc, unit}, static_cast<int>(m.units.size()));
    if (!added) return it->second;
    SimUnit u;
    u.work_center_id = wc;
    u.unit = unit;
    u.key = key_of(wc, unit);
    if (auto e = entries.find(wc); e != entries.end()) {
      // The entry holding this unit; the permanent one (offset 0) otherwise.
      const Entry* pick = nullptr;
      for (const Entry& x : e->second)
        if (unit - 1 >= x.offset && unit - 1 < x.offset + x.units) pick = &x;
      if (pick == nullptr)
        for (const Entry& x : e->second)
          if (x.offset == 0) pick = &x;
      if (pick == nullptr) pick = &e->second.front();
      const factory::WorkCenter& w = res.work_centers[pick->index];
      u.timeline = w.calendar + 1;
      u.resumable = w.resumable;
    }
    if (auto h = history.find(wc); h != history.end()) {
      const FailureHistory& f = *h->second;
      if (f.failures > 0 && f.observed_seconds > 0 && !f.repairs.empty())
        u.failure_rate = static_cast<double>(f.failures) / (f.observed_seconds * std::max(f.units, 1));
      if (!f.repairs.empty()) {
        u.repairs = &f.repairs;
        if (unit == 1 && f.open_since) u.open_since = f.open_since;
      }
    }
    if (u.failure_rate > 0 || u.open_since) ++m.units_with_failures;
    m.units.push_back(std::move(u));
    return it->second;
  };

  std::unordered_map<std::string, int> order_index;
  const planning::TextTable& ot = rows.orders;
  m.orders.reserve(static_cast<std::size_t>(ot.rows));
  for (std::int64_t r = 0; r < ot.rows; ++r) {
    SimOrder o;
    o.id = ot.cell(r, 0);
    o.release = int_of(ot.cell(r, 1));
    if (ot.cell(r, 2)) o.due = int_of(ot.cell(r, 2));
    order_index.emplace(o.id, static_cast<int>(m.orders.size()));
    m.orders.push_back(std::move(o));
  }

  const planning::TextTable& pt = rows.operations;
  m.ops.reserve(static_cast<std::size_t>(pt.rows));
  for (std::int64_t r = 0; r < pt.rows; ++r) {
    const auto oi = order_index.find(pt.cell(r, 0));
    if (oi == order_index.end())
      throw Error(ErrorKind::DataException, std::string("planned operation of order ") + pt.cell(r, 0) +
                                                " whose order the plan does not list");
    const int unit = static_cast<int>(int_of(pt.cell(r, 3)));
    if (unit < 1)
      throw Error(ErrorKind::DataException, std::string("planned operation of order ") + pt.cell(r, 0) +
                                                " has unit " + std::to_string(unit) + " (units count from 1)");
    SimOp op;
    op.order = oi->second;
    op.operation = static_cast<int>(int_of(pt.cell(r, 1)));
    op.unit = unit_of(pt.cell(r, 2), unit);
    op.planned_setup_start = int_of(pt.cell(r, 4));
    op.planned_start = int_of(pt.cell(r, 5));
    op.planned_end = int_of(pt.cell(r, 6));
    op.setup = std::max<Seconds>(0, int_of(pt.cell(r, 7)));
    op.work = std::max<Seconds>(0, int_of(pt.cell(r, 8)));
    op.fixed = pt.cell(r, 9) && pt.cell(r, 9)[0] == 't';
    const char* product = pt.cell(r, 10) ? pt.cell(r, 10) : "";
    op.spread = spreads.find(product, pt.cell(r, 2));
    m.ops_by_source[static_cast<int>(op.spread ? op.spread->source : SpreadSource::None)]++;
    op.key = key_of(m.orders[op.order].id, op.operation);
    m.ops.push_back(op);
  }
  // Dispatch order. An operation starts after its routing predecessor ends
  // and after the unit's previous operation, so sorting by planned start
  // lists every operation after everything it waits for (ties: routing).
  std::sort(m.ops.begin(), m.ops.end(), [](const SimOp& a, const SimOp& b) {
    if (a.planned_start != b.planned_start) return a.planned_start < b.planned_start;
    if (a.order != b.order) return a.order < b.order;
    return a.operation < b.operation;
  });
  std::vector<int> last(m.orders.size(), -1);
  for (std::size_t i = 0; i < m.ops.size(); ++i) {
    SimOp& op = m.ops[i];
    op.pred = last[op.order];
    last[op.order] = static_cast<int>(i);
  }
  for (std::size_t o = 0; o < m.orders.size(); ++o) {
    m.orders[o].last_op = last[o];
    m.orders[o].planned_end = last[o] >= 0 ? m.ops[last[o]].planned_end : m.orders[o].release;
  }
  // The order's completion is its latest end, which is the last dispatched
  // operation's unless a zero-length one sorts after a longer one.
  for (std::size_t i = 0; i < m.ops.size(); ++i) {
    SimOrder& o = m.orders[m.ops[i].order];
    if (m.ops[i].planned_end > o.planned_end) o.planned_end = m.ops[i].planned_end;
  }
  return m;
}

}  // namespace pp::simulate
