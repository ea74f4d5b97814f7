// The rows a plan writes: one COPY line of prodplan.planned_operations per
// placed operation, in the column order of kPlannedOperationColumns. Shared
// by prodplan.plan() and prodplan.move_operation(), which write the same rows.
// Each line also carries its order's product, due date and planned end, so
// prodplan.gantt reads a bar from its own row (0.15.0: reading them through
// joins and a per-order aggregate halved the Gantt's throughput under load),
// and since 0.16.0 the product's name and family and the work center's name
// as the plan saw them (hashing the plant's products on every Gantt read was
// a sixth of it). A plan writes its lines in chart order (chart_order()), so
// a Gantt read in that order finds its rows already sorted.
#pragma once
#include "core/common/core_only.h"
#include "core/planning/plan_inputs.h"
#include "core/schedule/factory_plan.h"
#include "core/schedule/factory_problem.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace pp::planning {

inline constexpr const char* kPlannedOperationColumns[] = {
    "plan_id",  "order_id", "operation",     "operation_id",  "work_center_id",  "unit",    "setup_start_at",
    "start_at", "end_at",   "setup_minutes", "work_minutes", "duration_source", "is_fixed",
    "product_id", "due_at", "order_end_at", "product_name", "family", "work_center_name", "is_order_head"};
inline constexpr int kPlannedOperationColumnCount = 20;

// The order as the plan saw it, repeated on each of its lines: its product
// ("" none), due date (Unix seconds; none when the order has none), and the
// product's name and family (none: SQL NULL, or no such product).
struct PlannedOrder {
  std::string product_id;
  std::optional<std::int64_t> due;
  std::optional<std::string> product_name;
  std::optional<std::string> family;
};

// The names a plan's lines carry, as the plant's rows say when it is written.
struct PlanNames {
  struct Product {
    std::optional<std::string> name, family;
  };
  std::unordered_map<std::string, Product> products;                         // by product_id
  std::unordered_map<std::string, std::optional<std::string>> work_centers;  // by work_center_id
  // The product's name and family; none for an unknown product.
  Product product(const std::string& product_id) const;
  // The work center's name; none for an unknown one (or a NULL name).
  std::optional<std::string> work_center(const std::string& work_center_id) const;
};

// From products (product_id, name, family) and work_centers (work_center_id,
// name); NULL cells stay none. The tables are read, not kept.
PlanNames plan_names(const TextTable& products, const TextTable& work_centers);

// Indices into ops of the operations placed on a unit, in chart order: by
// work center id (bytewise), unit, start, then order and operation (the same
// bars, whatever order the scheduler listed them in, give the same lines).
// prodplan.gantt's chart order is ORDER BY work_center_id, unit, start_at;
// written so, a plan's rows lie in the heap as a chart reads them, and
// PostgreSQL's sort checks for presorted input before sorting (under a
// non-C collation ids that sort differently only cost that shortcut).
std::vector<std::size_t> chart_order(const factory::FactoryProblem& problem,
                                     const std::vector<factory::PlannedOperation>& ops);

// Per order of problem, the end (Unix seconds) of its last operation placed
// on a unit in ops; 0 for an order with none placed (it writes no line).
std::vector<std::int64_t> order_ends(const factory::FactoryProblem& problem,
                                     const std::vector<factory::PlannedOperation>& ops);

// Per order of problem, the index in ops of its head: the line
// prodplan.order_status reads for the order's planned end and next step (0.17.0:
// aggregating every bar of the plan per order was most of an order list's
// execution). The head is the order's first operation not fixed, by start
// then operation number (numbers[order][op], as written), or its first fixed
// one when all are fixed; -1 for an order with none placed on a unit. The
// statement trigger on planned_operations computes the same for rows written
// by hand.
std::vector<int> order_heads(const factory::FactoryProblem& problem, const std::vector<factory::PlannedOperation>& ops,
                             const std::vector<std::vector<int>>& numbers);

// Appends op's line (op must be on a unit). number is its operation number in
// the order, operation_id the shop-floor operation it continues ("" none).
// work_minutes is the chosen alternative's duration (fixed work: its span).
// order_end is order_ends()[op.order]; work_center_name is the name of op's
// work center (none: NULL); order_head whether op is its order's head
// (order_heads()).
void append_planned_operation(std::string& out, const std::string& plan_id, const factory::FactoryProblem& problem,
                              const factory::PlannedOperation& op, int number, const std::string& operation_id,
                              const PlannedOrder& order, std::int64_t order_end,
                              const std::optional<std::string>& work_center_name, bool order_head);

}  // namespace pp::planning
