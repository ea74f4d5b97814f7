// Employees and skills: 902 employees, each qualified for exactly one phase.
// Every phase has a fixed number of positions ("slots", 541 in all, spread
// over the manual phases by capacity); 361 departures are spread over the
// slots, and each departure is covered by a hire 15-60 days before it
// (on-the-job training). Hires span the 15 years before the export; the
// employee who left is inactive. The crew of an operation is drawn from the
// holders of the phase's slots at its start (shop_simulation.cpp), so tenure
// at that moment is known and drives defects.
#include "core/demo/plant_spec.h"
#include "core/demo/rng.h"
#include "core/demo/stages.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pp::demo {

void build_employees(DemoState& st) {
  Rng rng(st.seed, Stream::Employees);
  const auto& specs = phase_specs();
  const Time E = st.options.export_at;
  const int active = kEmployees - kInactiveEmployees;
  int fixed = 0;
  for (const auto& s : specs) fixed += s.fixed_staff;
  // Slots of the used manual phases, proportional to capacity (min 3), by
  // largest remainder so that the total is exact.
  std::vector<int> manual;
  double cap_total = 0;
  for (std::size_t p = 0; p < specs.size(); ++p) {
    if (st.phases[p].used && !specs[p].automatic) {
      manual.push_back(static_cast<int>(p));
      cap_total += specs[p].capacity1;
    }
  }
  const int to_share = active - fixed;
  std::vector<int> staff(specs.size(), 0);
  std::vector<std::pair<double, int>> remainders;
  int given = 0;
  for (int p : manual) {
    const double exact = to_share * specs[static_cast<std::size_t>(p)].capacity1 / cap_total;
    staff[static_cast<std::size_t>(p)] = std::max(3, static_cast<int>(std::floor(exact)));
    given += staff[static_cast<std::size_t>(p)];
    remainders.emplace_back(-(exact - std::floor(exact)), p);
  }
  std::sort(remainders.begin(), remainders.end());
  for (std::size_t k = 0; given < to_share; k = (k + 1) % remainders.size(), ++given) {
    ++staff[static_cast<std::size_t>(remainders[k].second)];
  }
  for (std::size_t k = 0; given > to_share && k < 100 * remainders.size(); ++k) {
    auto& s = staff[static_cast<std::size_t>(remainders[remainders.size() - 1 - k % remainders.size()].second)];
    if (s > 3) {
      --s;
      --given;
    }
  }
  for (std::size_t p = 0; p < specs.size(); ++p) {
    const int n = specs[p].fixed_staff > 0 ? specs[p].fixed_staff : staff[p];
    for (int k = 0; k < n; ++k) {
      st.phases[p].slots.push_back(static_cast<int>(st.slots.size()));
      st.slots.push_back(SlotInfo{static_cast<int>(p), {}});
    }
  }
  // Departures per slot.
  std::vector<int> leavers(st.slots.size(), 0);
  for (int k = 0; k < kInactiveEmployees; ++k) ++leavers[rng.index(st.slots.size())];

  const auto& firsts = first_names();
  const auto& lasts = surnames();
  const Time year = static_cast<Time>(365.25 * kDay);
  for (std::size_t s = 0; s < st.slots.size(); ++s) {
    const int k = leavers[s];
    const Time h0 = static_cast<Time>(rng.uniform(static_cast<double>(E - 15 * year),
                                                  static_cast<double>(E - 5 * year - 120 * kDay)));
    const Time lo = h0 + 180 * kDay, hi = E - 14 * kDay;
    Time gap = 120 * kDay;
    if (k > 1 && (hi - lo) < gap * (k - 1) * 2) gap = (hi - lo) / (2 * (k - 1));
    std::vector<Time> leaves;
    for (int j = 0; j < k; ++j) {
      leaves.push_back(lo + static_cast<Time>(rng.uniform() * static_cast<double>(hi - lo - gap * (k - 1))));
    }
    std::sort(leaves.begin(), leaves.end());
    for (int j = 0; j < k; ++j) leaves[static_cast<std::size_t>(j)] += gap * j;
    for (int j = 0; j <= k; ++j) {
      EmployeeInfo e;
      e.phase = st.slots[s].phase;
      e.hired = j == 0 ? h0
                       : leaves[static_cast<std::size_t>(j - 1)] - static_cast<Time>(rng.uniform(15, 60) * kDay);
      e.hired = e.hired / kDay * kDay + 8 * kHour;  // hired on a morning
      e.qualified = e.hired + static_cast<Time>(rng.range(7, 14)) * kDay;
      e.left = j < k ? leaves[static_cast<std::size_t>(j)] : kNever;
      e.name = std::string(firsts[rng.index(firsts.size())]) + " " + lasts[rng.index(lasts.size())] + " " +
               lasts[rng.index(lasts.size())];
      st.slots[s].chain.push_back(static_cast<int>(st.employees.size()));
      st.employees.push_back(std::move(e));
    }
  }
  if (st.employees.size() != static_cast<std::size_t>(kEmployees)) {
    throw Error(ErrorKind::Internal, "demo generator: employee count mismatch");
  }
  // Ids follow the hire order.
  std::vector<int> order(st.employees.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return st.employees[static_cast<std::size_t>(a)].hired < st.employees[static_cast<std::size_t>(b)].hired;
  });
  for (std::size_t r = 0; r < order.size(); ++r) {
    EmployeeInfo& e = st.employees[static_cast<std::size_t>(order[r])];
    e.number = 1001 + static_cast<std::int64_t>(r);
    model::Employee row;
    row.employee_id = std::to_string(e.number);
    row.name = e.name;
    row.active = e.left == kNever;
    row.hired_at = e.hired;
    st.f.employees.push_back(std::move(row));
    model::EmployeeSkill skill;
    skill.employee_id = std::to_string(e.number);
    skill.work_center_id = std::to_string(specs[static_cast<std::size_t>(e.phase)].id);
    skill.qualified_since = e.qualified;
    st.f.skills.push_back(std::move(skill));
  }
}

}  // namespace pp::demo
