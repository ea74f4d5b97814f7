#include "core/quality/readings.h"

#include "core/common/errors.h"

#include <cstdlib>
#include <map>
#include <string>
#include <unordered_map>

namespace pp::quality {

std::vector<Subgroup> group_readings(const planning::TextTable& rows, int subgroup_size) {
  std::vector<Subgroup> out;
  std::unordered_map<std::int64_t, std::size_t> by_number;
  for (std::int64_t r = 0; r < rows.rows; ++r) {
    const std::int64_t at = std::strtoll(rows.cell(r, 0), nullptr, 10);
    const double v = std::strtod(rows.cell(r, 1), nullptr);
    if (subgroup_size > 0) {
      if (out.empty() || static_cast<int>(out.back().values.size()) == subgroup_size) out.push_back(Subgroup{at, {}, 0, 0});
      out.back().values.push_back(v);
    } else if (rows.cell(r, 2) != nullptr) {
      const std::int64_t k = std::strtoll(rows.cell(r, 2), nullptr, 10);
      auto [it, added] = by_number.try_emplace(k, out.size());
      if (added) out.push_back(Subgroup{at, {}, 0, 0});
      out[it->second].values.push_back(v);
    } else {
      out.push_back(Subgroup{at, {v}, 0, 0});
    }
  }
  return out;
}

ChartType default_chart(const std::vector<Subgroup>& subgroups) {
  std::map<std::size_t, int> sizes;
  for (const Subgroup& s : subgroups) sizes[s.values.size()]++;
  std::size_t n = 1;
  int best = 0;
  for (const auto& [size, count] : sizes)
    if (count >= best) best = count, n = size;
  if (n <= 1) return ChartType::IMR;
  return n <= 10 ? ChartType::XbarR : ChartType::XbarS;
}

void as_attributes(ChartType type, std::vector<Subgroup>& subgroups) {
  if (type == ChartType::XbarR || type == ChartType::XbarS || type == ChartType::IMR) return;
  for (Subgroup& s : subgroups) {
    double sum = 0;
    for (double v : s.values) {
      if ((type == ChartType::P || type == ChartType::NP) && v != 0 && v != 1)
        throw_invalid(std::string("a ") + chart_type_name(type) +
                      " chart reads each reading as a unit, 1 defective or 0 not; got " + std::to_string(v));
      if (v < 0) throw_invalid(std::string("a ") + chart_type_name(type) + " chart counts defects; got " + std::to_string(v));
      sum += v;
    }
    s.count = sum;
    s.size = type == ChartType::C ? 1.0 : static_cast<double>(s.values.size());
  }
}

}  // namespace pp::quality
