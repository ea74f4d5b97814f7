#include "core/whatif/change_rows.h"

#include "core/common/errors.h"

#include <cstdlib>

namespace pp::whatif {

namespace {

std::int64_t int_of(const char* s) { return std::strtoll(s, nullptr, 10); }

// "{1,2,3,4}" (bigint[] as text) -> [1,2) [3,4)
Intervals periods_of(const char* s) {
  Intervals out;
  if (s == nullptr) return out;
  std::vector<std::int64_t> v;
  for (const char* p = s; *p;) {
    if (*p == '-' || (*p >= '0' && *p <= '9')) {
      char* end = nullptr;
      v.push_back(std::strtoll(p, &end, 10));
      p = end;
    } else {
      ++p;
    }
  }
  for (std::size_t i = 0; i + 1 < v.size(); i += 2) out.push_back({v[i], v[i + 1]});
  return out;
}

// Columns of prodplan.whatif_changes, in order.
enum Col { kPos, kType, kWc, kProduct, kOrder, kPeriods, kAdd, kUnitsSet, kUnitsAdd, kFactor, kQuantity, kBaseQuantity,
           kDue, kPriority, kCancel, kRule };

}  // namespace

std::vector<Change> changes_from_rows(const planning::TextTable& t, std::string* rule) {
  std::vector<Change> out;
  for (std::int64_t r = 0; r < t.rows; ++r) {
    auto cell = [&](int c) { return t.cell(r, c); };
    auto text = [&](int c) { return cell(c) ? std::string(cell(c)) : std::string(); };
    const std::string type = text(kType);
    if (type == "rule") {
      *rule = text(kRule);
      continue;
    }
    Change c;
    c.position = static_cast<int>(int_of(cell(kPos)));
    if (type == "work_center_down") c.type = ChangeType::WorkCenterDown;
    else if (type == "capacity") c.type = ChangeType::Capacity;
    else if (type == "calendar") c.type = ChangeType::Calendar;
    else if (type == "rush_order") c.type = ChangeType::RushOrder;
    else if (type == "order") c.type = ChangeType::Order;
    else if (type == "duration_factor") c.type = ChangeType::DurationFactor;
    else throw_invalid("what-if change " + std::to_string(c.position) + ": unknown type \"" + type + "\"");
    c.work_center = text(kWc);
    c.product = text(kProduct);
    c.order = text(kOrder);
    c.periods = normalized(periods_of(cell(kPeriods)));
    c.add = cell(kAdd) && cell(kAdd)[0] == 't';
    if (cell(kUnitsSet)) c.units_set = static_cast<int>(int_of(cell(kUnitsSet)));
    if (cell(kUnitsAdd)) c.units_add = static_cast<int>(int_of(cell(kUnitsAdd)));
    if (cell(kFactor)) c.factor = std::strtod(cell(kFactor), nullptr);
    if (cell(kQuantity)) c.quantity = std::strtod(cell(kQuantity), nullptr);
    if (cell(kBaseQuantity)) c.base_quantity = std::strtod(cell(kBaseQuantity), nullptr);
    if (cell(kDue)) c.due = int_of(cell(kDue));
    if (cell(kPriority)) c.priority = std::strtod(cell(kPriority), nullptr);
    c.cancel = cell(kCancel) && cell(kCancel)[0] == 't';
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace pp::whatif
