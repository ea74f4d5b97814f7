// Orders and operations as exported at export_at. Operations of window orders
// that exist at the export (routing operations from the order's creation,
// rework passes from the evaluation that caused them); surplus rework passes
// are trimmed (a gap in the order's timeline) so the row count is exact.
// Operation ids follow creation. What the export sees: started_at if the
// simulated start is <= export_at, ended_at if the end is too (else open),
// planned_at = midnight of start + N(0, 1 day) (the simulated future start for
// operations not yet started; NULL for 2% of those), shift from the start for
// CAL-2SHIFT phases (NULL for 5% and for CAL-24x7), weight = finish kg (NULL
// 0.5%), event_time = end, else start, else planned, else order creation.
// Due dates: creation day + ceil(family median lead time x U(1.0, 1.6)) days.
#include "core/demo/plant_spec.h"
#include "core/demo/rng.h"
#include "core/demo/stages.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace pp::demo {

void export_orders_and_operations(DemoState& st, const CancelToken& cancel) {
  Rng rng(st.seed, Stream::Export);
  const auto& specs = phase_specs();
  const Time E = st.options.export_at;
  const int first = st.first_window_order;

  // Rework trimming.
  std::vector<int> reworks;
  for (std::size_t o = static_cast<std::size_t>(first); o < st.orders.size(); ++o) {
    for (int i : st.order_ops[o]) {
      const SimOp& op = st.ops[static_cast<std::size_t>(i)];
      if (op.rework && op.created <= E) reworks.push_back(i);
    }
  }
  const std::int64_t room = std::max<std::int64_t>(0, st.targets.ops_clean - st.routing_ops_of_window);
  if (static_cast<std::int64_t>(reworks.size()) > room) {
    rng.shuffle(reworks);
    for (std::size_t k = 0; k < reworks.size() - static_cast<std::size_t>(room); ++k) {
      SimOp& op = st.ops[static_cast<std::size_t>(reworks[k])];
      op.dropped = true;
      if (op.trigger_defect >= 0) st.defects[static_cast<std::size_t>(op.trigger_defect)].triggered_rework = false;
    }
  }

  // Ids by creation.
  std::vector<std::tuple<Time, int, int, int>> keyed;  // created, order, position, op
  for (std::size_t o = static_cast<std::size_t>(first); o < st.orders.size(); ++o) {
    const auto& list = st.order_ops[o];
    for (std::size_t pos = 0; pos < list.size(); ++pos) {
      const SimOp& op = st.ops[static_cast<std::size_t>(list[pos])];
      if (op.created <= E && !op.dropped) keyed.emplace_back(op.created, static_cast<int>(o), static_cast<int>(pos), list[pos]);
    }
  }
  std::sort(keyed.begin(), keyed.end());
  cancel.poll();
  st.op_row.assign(st.ops.size(), -1);
  auto& ops = st.f.operations;
  ops.reserve(keyed.size());
  std::vector<std::string> order_ids(st.orders.size());
  for (std::size_t o = static_cast<std::size_t>(first); o < st.orders.size(); ++o) {
    order_ids[o] = std::to_string(st.orders[o].number);
  }
  for (std::size_t r = 0; r < keyed.size(); ++r) {
    if ((r & 4095) == 0) cancel.poll();
    const int i = std::get<3>(keyed[r]);
    const SimOp& op = st.ops[static_cast<std::size_t>(i)];
    const OrderInfo& ord = st.orders[static_cast<std::size_t>(op.order)];
    const ProductInfo& prod = st.products[static_cast<std::size_t>(ord.product)];
    const RouteStep& rs = st.route_steps[static_cast<std::size_t>(prod.route_begin + op.step)];
    const PhaseSpec& spec = specs[static_cast<std::size_t>(op.phase)];
    st.op_row[static_cast<std::size_t>(i)] = static_cast<int>(r);
    model::Operation row;
    row.operation_id = std::to_string(st.first_exported_op_id + static_cast<std::int64_t>(r));
    row.order_id = order_ids[static_cast<std::size_t>(op.order)];
    const bool started = op.start <= E;
    const bool ended = started && op.end <= E;
    if (started) row.started_at = op.start;
    if (ended) row.ended_at = op.end;
    const Time planned = std::max(day_start(ord.created), day_start(op.start + static_cast<Time>(rng.normal() * kDay)));
    const bool null_planned = rng.chance(0.02);
    if (started || !null_planned) row.planned_at = planned;
    if (!rs.null_coefficient) row.coefficient = rs.coefficient;
    if (!rs.null_coefficient_x) row.coefficient_x = rs.coefficient_x;
    row.work_center_id = std::to_string(spec.id);
    if (!rng.chance(0.005)) row.weight_kg = prod.finish_kg;
    row.is_rework = op.rework;
    const bool null_shift = rng.chance(0.05);
    if (started && !spec.around_the_clock && !null_shift) row.shift = op.shift;
    row.sequence = op.step + 1;
    row.event_time = row.ended_at ? *row.ended_at
                     : row.started_at ? *row.started_at
                     : row.planned_at ? *row.planned_at
                                      : ord.created;
    ops.push_back(std::move(row));
  }

  // Quoted due dates from the family's median lead time.
  const auto& fams = family_specs();
  std::vector<std::vector<double>> lead(fams.size());
  for (std::size_t o = static_cast<std::size_t>(first); o < st.orders.size(); ++o) {
    if (st.order_done[o] == kNever) continue;
    lead[static_cast<std::size_t>(st.products[static_cast<std::size_t>(st.orders[o].product)].family)].push_back(
        static_cast<double>(st.order_done[o] - st.orders[o].created) / kDay);
  }
  std::vector<double> median(fams.size(), 14.0);
  for (std::size_t k = 0; k < fams.size(); ++k) {
    if (lead[k].empty()) continue;
    std::nth_element(lead[k].begin(), lead[k].begin() + static_cast<std::ptrdiff_t>(lead[k].size() / 2), lead[k].end());
    median[k] = lead[k][lead[k].size() / 2];
  }
  auto& orders = st.f.orders;
  orders.reserve(st.orders.size() - static_cast<std::size_t>(first));
  for (std::size_t o = static_cast<std::size_t>(first); o < st.orders.size(); ++o) {
    const OrderInfo& ord = st.orders[o];
    model::ProductionOrder row;
    row.order_id = order_ids[o];
    row.created_at = ord.created;
    row.product_id = st.products[static_cast<std::size_t>(ord.product)].id;
    const Time done = st.order_done[o];
    if (done <= E) row.finished_at = done;
    int current = -1;
    Time latest = 0;
    for (int i : st.order_ops[o]) {
      const SimOp& op = st.ops[static_cast<std::size_t>(i)];
      if (st.op_row[static_cast<std::size_t>(i)] < 0 || op.start > E) continue;
      if (current < 0 || op.start >= latest) {
        current = op.phase;
        latest = op.start;
      }
    }
    const bool null_current = rng.chance(0.02);
    if (current >= 0 && !(row.finished_at && null_current)) {
      row.current_work_center_id = std::to_string(specs[static_cast<std::size_t>(current)].id);
    }
    const double quote = median[static_cast<std::size_t>(st.products[static_cast<std::size_t>(ord.product)].family)] *
                         rng.uniform(kQuoteMin, kQuoteMax);
    if (!rng.chance(0.01)) row.due_at = day_start(ord.created + static_cast<Time>(std::ceil(quote)) * kDay);
    orders.push_back(std::move(row));
  }
}

}  // namespace pp::demo
