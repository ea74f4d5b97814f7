// One what-if change, as the SQL layer hands it to the core after checking
// its fields (prodplan.whatif_changes): names are ids as in the base data,
// periods are already expanded to explicit [start, end) intervals (daily
// shifts included) in Unix seconds.
#pragma once
#include "core/common/core_only.h"

#include "core/whatif/working_intervals.h"

#include <optional>
#include <string>

namespace pp::whatif {

enum class ChangeType {
  WorkCenterDown,  // work_center, periods: no working time there
  Capacity,        // work_center, units_set or units_add, periods (empty: from now on)
  Calendar,        // work_center ("" every one), add, periods: working time added or removed
  RushOrder,       // order (its id), quantity: a hypothetical order the SQL layer added to the rows
  Order,           // order: due, priority, quantity (with base_quantity), cancel
  DurationFactor,  // work_center and/or product, factor
};

struct Change {
  int position = 0;  // 1-based position in the changes array, for error messages
  ChangeType type = ChangeType::WorkCenterDown;
  std::string work_center;
  std::string product;
  std::string order;
  Intervals periods;
  bool add = false;
  std::optional<int> units_set;
  std::optional<int> units_add;
  double factor = 1.0;
  std::optional<double> quantity;
  double base_quantity = 1.0;
  std::optional<factory::Time> due;
  std::optional<double> priority;
  bool cancel = false;
};

}  // namespace pp::whatif
