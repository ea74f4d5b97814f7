// What lead-time inference reads about a plant (issue 9), as plain structs
// the pg layer fills and the core never changes after building: products
// with their routings, the orders, and the operations' start and end.
//
// Times are Unix seconds (UTC); NaN = not known (an open order's finish, an
// operation not started or not ended). Hours are hours. Every id is interned
// once: products, families and work centers are indexed by dense ints.
#pragma once
#include "core/common/core_only.h"

#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pp::leadtime {

inline constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

// Interned names: id(name) adds, find(name) does not (-1 when absent). The
// deque keeps every string where it is, so the map's views stay valid.
class NameIndex {
 public:
  int id(std::string_view name);
  int find(std::string_view name) const;
  const std::string& name(int id) const { return names_[static_cast<std::size_t>(id)]; }
  int size() const { return static_cast<int>(names_.size()); }

 private:
  std::deque<std::string> names_;
  std::unordered_map<std::string_view, int> ids_;
};

struct RoutingStep {
  int work_center = -1;
  double standard_hours = kUnknown;  // one unit's standard time on it; NaN when not estimated
};

struct ProductInfo {
  int family = -1;                 // OrderHistory::families; "(unknown)" when not in the master data
  bool known = false;              // in the product master data
  double demould_kg = kUnknown, finish_kg = kUnknown, gel_deck_kg = kUnknown, gel_hull_kg = kUnknown;
  std::vector<RoutingStep> routing;  // in sequence order
};

struct OrderInfo {
  int product = -1;                // OrderHistory::products
  double created = 0;              // Unix seconds
  double finished = kUnknown;      // NaN while open
  double quantity = 1;             // units
};

// One operation of an order: when its work started and ended (NaN: not yet).
struct OperationSpan {
  int order = -1;                  // index into OrderHistory::orders
  int work_center = -1;
  double started = kUnknown, ended = kUnknown;
};

struct OrderHistory {
  NameIndex products, families, work_centers, order_ids;  // order_ids: the index of orders
  std::vector<ProductInfo> product_info;                   // by product id
  std::vector<OrderInfo> orders;                           // by order_ids id
  std::vector<OperationSpan> operations;

  // The product's info, added (unknown, empty routing) when first seen.
  ProductInfo& product(std::string_view id);
  int family_of(int product) const { return product_info[static_cast<std::size_t>(product)].family; }
};

// Lead time of a finished order in hours; NaN when open.
inline double lead_hours(const OrderInfo& o) { return (o.finished - o.created) / 3600.0; }

}  // namespace pp::leadtime
