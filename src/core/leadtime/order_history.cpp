#include "core/leadtime/order_history.h"

namespace pp::leadtime {

int NameIndex::id(std::string_view name) {
  auto it = ids_.find(name);
  if (it != ids_.end()) return it->second;
  names_.emplace_back(name);
  const int id = static_cast<int>(names_.size()) - 1;
  ids_.emplace(names_.back(), id);
  return id;
}

int NameIndex::find(std::string_view name) const {
  auto it = ids_.find(name);
  return it == ids_.end() ? -1 : it->second;
}

ProductInfo& OrderHistory::product(std::string_view id) {
  const int p = products.id(id);
  if (static_cast<std::size_t>(p) >= product_info.size()) {
    product_info.resize(static_cast<std::size_t>(p) + 1);
    product_info[static_cast<std::size_t>(p)].family = families.id("(unknown)");
  }
  return product_info[static_cast<std::size_t>(p)];
}

}  // namespace pp::leadtime
