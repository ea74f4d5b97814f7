// Turning the rows the SQL layer reads for a plan into the factory
// scheduler's problem (core/schedule/factory_problem.h): which operations of
// which open orders remain, their durations and where they come from, work
// already started, the frozen window, flexible routing and setups. Plain
// text tables in, so this logic is unit-tested without a server.
#pragma once
#include "core/common/core_only.h"
#include "core/schedule/factory_plan.h"
#include "core/schedule/factory_problem.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pp::planning {

// A query result as text: cell(r, c) is nullptr for SQL NULL. Not owned.
struct TextTable {
  std::int64_t rows = 0;
  int cols = 0;
  const char* const* cells = nullptr;  // row-major, rows x cols
  const char* cell(std::int64_t r, int c) const { return cells[r * cols + c]; }
};

// The rows a plan reads (column orders as the SQL layer selects them; times
// are Unix seconds, durations seconds).
struct PlanRows {
  // work_center_id, capacity_units, calendar_id ('' none), resumable (t/f), setup_seconds
  TextTable work_centers;
  // calendar_id, start, end (working periods)
  TextTable working_time;
  // work_center_id, from_family, to_family, setup_seconds
  TextTable setup_matrix;
  // work_center_id, alternative_id, speed_factor (duration x factor there)
  TextTable alternatives;
  // order_id, product_id, created_at, due_at (NULL none), priority, family ('' none)
  TextTable orders;
  // order_id, operation_id, sequence (NULL), work_center_id, started_at (NULL), ended (t/f); by order, sequence
  TextTable operations;
  // product_id, sequence, work_center_id; by product, sequence
  TextTable routing;
  // product_id, work_center_id, seconds, source (prodplan.standard_times)
  TextTable standard_times;
  // order_id, operation, work_center_id, unit (1-based), start, end: the released plan's
  // operations inside the frozen window
  TextTable frozen;
};

// A problem the SQL layer finds before planning (an order without routing).
struct OrderProblem {
  std::string order_id;
  std::string problem;
  std::string detail;
};

struct PlanInput {
  factory::FactoryProblem problem;
  std::vector<std::vector<int>> numbers;               // [order][op] operation number
  std::vector<std::vector<std::string>> operation_ids;  // [order][op] shop-floor id or ""
  std::vector<std::string> products;                    // [order] product id ("" none)
  std::vector<OrderProblem> order_problems;
};

// Builds the problem. plan_start is Unix seconds. An operation without a
// standard time gets the median of the standard times given (an hour when
// there are none) and carries that as a problem. Started, unfinished
// operations become fixed on their work center (units in order of start)
// with the remaining part of their standard time from plan_start (at least a
// tenth of it); operations of the released plan inside the frozen window
// keep their slot. Orders without operations and without routing are listed
// in order_problems and not planned.
PlanInput build_plan_input(const PlanRows& rows, std::int64_t plan_start);

}  // namespace pp::planning
