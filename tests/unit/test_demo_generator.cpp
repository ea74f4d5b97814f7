// Tests of the deterministic demo-factory generator (src/core/demo): row
// counts, flaw and orphan rates, timeline consistency and the planted effects
// documented in src/core/demo/generator.cpp.
#include "core/demo/generator.h"

#include "core/common/civil_time.h"
#include "core/model/workbook_format.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace test_demo_generator {

namespace {

using pp::model::Factory;
using pp::model::Time;

// ---- shared factories (scale 1 takes about two seconds) -----------------------

Factory make(double scale, int seed = 42) {
  pp::demo::DemoOptions o;
  o.scale = scale;
  o.seed = seed;
  return pp::demo::generate_demo(o);
}
const Factory& scale1() {
  static const Factory f = make(1.0);
  return f;
}
const Factory& scale02() {
  static const Factory f = make(0.2);
  return f;
}
const Factory& scale002() {
  static const Factory f = make(0.02);
  return f;
}

// ---- a hash of every field ----------------------------------------------------

struct Hasher {
  std::uint64_t h = 1469598103934665603ull;
  void bytes(const void* p, std::size_t n) {
    const auto* c = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ c[i]) * 1099511628211ull;
  }
  void add(const std::string& s) {
    add(static_cast<std::int64_t>(s.size()));
    bytes(s.data(), s.size());
  }
  void add(std::int64_t v) { bytes(&v, sizeof v); }
  void add(int v) { add(static_cast<std::int64_t>(v)); }
  void add(std::size_t v) { add(static_cast<std::int64_t>(v)); }
  void add(bool v) { add(static_cast<std::int64_t>(v)); }
  void add(double v) {
    std::uint64_t b;
    std::memcpy(&b, &v, sizeof b);
    add(static_cast<std::int64_t>(b));
  }
  template <class T>
  void add(const std::optional<T>& v) {
    add(v.has_value());
    if (v) add(*v);
  }
  template <class... T>
  void all(const T&... v) {
    (add(v), ...);
  }
};

std::uint64_t hash_factory(const Factory& f) {
  Hasher h;
  h.all(f.plant_id, f.plant_name, f.export_at);
  for (const auto& r : f.calendars) h.all(r.calendar_id, r.name, r.timezone);
  for (const auto& r : f.shifts) h.all(r.calendar_id, r.shift_no, r.weekday_mask, r.start_minute, r.end_minute);
  for (const auto& r : f.calendar_exceptions) h.all(r.calendar_id, r.kind, r.starts_at, r.ends_at, r.note);
  for (const auto& r : f.work_centers) {
    h.all(r.work_center_id, r.name, r.sequence, r.is_production, r.is_automatic, r.is_evaluation, r.capacity_units,
          r.calendar_id);
  }
  for (const auto& r : f.products) {
    h.all(r.product_id, r.name, r.demould_weight_kg, r.finish_weight_kg, r.gel_deck_kg, r.gel_hull_kg, r.family);
  }
  for (const auto& r : f.routing_steps) {
    h.all(r.product_id, r.work_center_id, r.sequence, r.coefficient, r.coefficient_x, r.standard_minutes);
  }
  for (const auto& r : f.employees) h.all(r.employee_id, r.name, r.active, r.hired_at);
  for (const auto& r : f.skills) h.all(r.employee_id, r.work_center_id, r.qualified_since);
  for (const auto& r : f.materials) {
    h.all(r.material_id, r.name, r.unit, r.unit_cost, r.supplier_lead_time_days, r.min_order_qty);
  }
  for (const auto& r : f.bom_lines) h.all(r.product_id, r.material_id, r.work_center_id, r.quantity_per_unit);
  for (const auto& r : f.orders) {
    h.all(r.order_id, r.created_at, r.finished_at, r.product_id, r.current_work_center_id, r.due_at, r.quantity);
  }
  for (const auto& r : f.operations) {
    h.all(r.operation_id, r.order_id, r.started_at, r.ended_at, r.planned_at, r.coefficient, r.coefficient_x,
          r.work_center_id, r.weight_kg, r.is_rework, r.shift, r.sequence, r.event_time);
  }
  for (const auto& r : f.assignments) h.all(r.operation_id, r.employee_id, r.is_lead);
  for (const auto& r : f.defects) {
    h.all(r.description, r.order_id, r.evaluation_work_center_id, r.severity, r.evaluation_operation_id,
          r.culprit_operation_id, r.detected_at);
  }
  for (const auto& r : f.resource_events) h.all(r.event_id, r.work_center_id, r.kind, r.started_at, r.ended_at, r.reason);
  for (const auto& r : f.characteristics) {
    h.all(r.characteristic_id, r.name, r.unit, r.work_center_id, r.lsl, r.target, r.usl);
  }
  for (const auto& r : f.measurements) {
    h.all(r.measurement_id, r.characteristic_id, r.order_id, r.operation_id, r.measured_at, r.value, r.subgroup);
  }
  for (const auto& r : f.stock_balances) h.all(r.material_id, r.location, r.as_of, r.on_hand);
  for (const auto& r : f.stock_movements) h.all(r.movement_id, r.material_id, r.moved_at, r.quantity, r.kind, r.order_id);
  for (const auto& r : f.open_supply) h.all(r.supply_id, r.material_id, r.quantity, r.due_at, r.supplier);
  for (const auto& r : f.duplicates) h.all(static_cast<int>(r.sheet), r.source_index, r.after_index);
  for (const auto& r : f.invalid_rows) {
    h.all(static_cast<int>(r.sheet), r.after_index, r.reason_code);
    for (const auto& c : r.cells) h.add(c);
  }
  return h.h;
}

// ---- helpers --------------------------------------------------------------------

std::size_t workbook_rows(const Factory& f, pp::model::Sheet sheet, std::size_t clean) {
  std::size_t n = clean;
  for (const auto& d : f.duplicates) n += d.sheet == sheet;
  for (const auto& r : f.invalid_rows) n += r.sheet == sheet;
  return n;
}
std::size_t count_dups(const Factory& f, pp::model::Sheet sheet) {
  std::size_t n = 0;
  for (const auto& d : f.duplicates) n += d.sheet == sheet;
  return n;
}
std::size_t count_invalid(const Factory& f, pp::model::Sheet sheet, const std::string& reason) {
  std::size_t n = 0;
  for (const auto& r : f.invalid_rows) n += r.sheet == sheet && r.reason_code == reason;
  return n;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

const pp::model::WorkCenter* find_wc(const Factory& f, const std::string& name) {
  for (const auto& wc : f.work_centers) {
    if (wc.name == name) return &wc;
  }
  return nullptr;
}

// Working time of a calendar rebuilt independently from the exported shifts
// and exceptions (not with the generator's own code).
class TestCalendar {
 public:
  TestCalendar(const Factory& f, const std::string& calendar, Time from, Time to) {
    std::vector<std::pair<Time, Time>> raw, holidays;
    for (Time d = from / 86400 - 1; d <= to / 86400 + 1; ++d) {
      const int weekday = static_cast<int>(((d % 7) + 7 + 3) % 7);  // 0 = Monday
      for (const auto& s : f.shifts) {
        if (s.calendar_id == calendar && ((s.weekday_mask >> weekday) & 1)) {
          raw.emplace_back(d * 86400 + s.start_minute * 60, d * 86400 + s.end_minute * 60);
        }
      }
    }
    for (const auto& e : f.calendar_exceptions) {
      if (e.calendar_id != calendar) continue;
      if (e.kind == "holiday") holidays.emplace_back(e.starts_at, e.ends_at);
      if (e.kind == "overtime") raw.emplace_back(e.starts_at, e.ends_at);
    }
    std::sort(holidays.begin(), holidays.end());
    std::vector<std::pair<Time, Time>> parts;
    for (auto [a, b] : raw) {
      std::vector<std::pair<Time, Time>> pieces{{a, b}};
      for (auto [ha, hb] : holidays) {
        if (hb <= a || ha >= b) continue;
        std::vector<std::pair<Time, Time>> next;
        for (auto [x, y] : pieces) {
          if (hb <= x || ha >= y) {
            next.emplace_back(x, y);
            continue;
          }
          if (x < ha) next.emplace_back(x, ha);
          if (hb < y) next.emplace_back(hb, y);
        }
        pieces = next;
      }
      for (auto p : pieces) parts.push_back(p);
    }
    std::sort(parts.begin(), parts.end());
    for (auto p : parts) {
      if (!iv_.empty() && p.first <= iv_.back().second) iv_.back().second = std::max(iv_.back().second, p.second);
      else iv_.push_back(p);
    }
    Time acc = 0;
    for (auto p : iv_) {
      cum_.push_back(acc);
      acc += p.second - p.first;
    }
  }
  bool inside(Time t) const {
    const std::size_t i = locate(t);
    return i != npos && t < iv_[i].second;
  }
  Time working(Time a, Time b) const { return b <= a ? 0 : pos(b) - pos(a); }

 private:
  static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();
  std::size_t locate(Time t) const {
    auto it = std::upper_bound(iv_.begin(), iv_.end(), std::make_pair(t, std::numeric_limits<Time>::max()));
    return it == iv_.begin() ? npos : static_cast<std::size_t>(it - iv_.begin()) - 1;
  }
  Time pos(Time t) const {
    const std::size_t i = locate(t);
    return i == npos ? 0 : cum_[i] + std::min(t, iv_[i].second) - iv_[i].first;
  }
  std::vector<std::pair<Time, Time>> iv_;
  std::vector<Time> cum_;
};

Time first_created(const Factory& f) {
  Time t = f.export_at;
  for (const auto& o : f.orders) t = std::min(t, o.created_at);
  return t;
}

// Working-time utilization per work center over the order window.
std::map<std::string, double> utilization(const Factory& f) {
  const Time from = first_created(f), to = f.export_at;
  const TestCalendar two(f, "CAL-2SHIFT", from, to), round(f, "CAL-24x7", from, to);
  std::unordered_map<std::string, const pp::model::WorkCenter*> wcs;
  for (const auto& wc : f.work_centers) wcs[wc.work_center_id] = &wc;
  std::map<std::string, double> busy;
  for (const auto& op : f.operations) {
    if (!op.ended_at || *op.started_at < from) continue;
    const TestCalendar& cal = wcs.at(op.work_center_id)->calendar_id == "CAL-24x7" ? round : two;
    busy[op.work_center_id] += static_cast<double>(cal.working(*op.started_at, *op.ended_at));
  }
  std::map<std::string, double> util;
  for (const auto& [id, b] : busy) {
    const auto* wc = wcs.at(id);
    const TestCalendar& cal = wc->calendar_id == "CAL-24x7" ? round : two;
    util[wc->name] = b / (wc->capacity_units * static_cast<double>(cal.working(from, to)));
  }
  return util;
}

// ---- determinism ------------------------------------------------------------------

TEST(DemoGenerator, SameOptionsGiveIdenticalFactory) {
  const Factory a = make(0.02, 42);
  const Factory b = make(0.02, 42);
  EXPECT_EQ(hash_factory(a), hash_factory(b));
  EXPECT_EQ(hash_factory(a), hash_factory(scale002()));
  const Factory c = make(0.02, 43);
  EXPECT_NE(hash_factory(a), hash_factory(c));
  EXPECT_NE(a.operations.front().started_at, c.operations.front().started_at);
  pp::demo::DemoOptions later;
  later.scale = 0.02;
  later.export_at += 7 * 86400;
  EXPECT_NE(hash_factory(a), hash_factory(pp::demo::generate_demo(later)));
}

TEST(DemoGenerator, InvalidScaleThrowsInvalidParameter) {
  for (double bad : {0.0, -1.0, std::nan(""), std::numeric_limits<double>::infinity(), 1e9, pp::demo::kMaxScale * 1.01}) {
    pp::demo::DemoOptions o;
    o.scale = bad;
    try {
      pp::demo::generate_demo(o);
      ADD_FAILURE() << "scale " << bad << " accepted";
    } catch (const pp::Error& e) {
      EXPECT_EQ(e.kind(), pp::ErrorKind::InvalidParameter);
      EXPECT_NE(std::string(e.what()).find("scale"), std::string::npos) << e.what();
    }
  }
  pp::demo::DemoOptions o;
  o.export_at = -5;
  try {
    pp::demo::generate_demo(o);
    ADD_FAILURE() << "export_at -5 accepted";
  } catch (const pp::Error& e) {
    // Named as load_demo's callers know it, with the time they passed.
    EXPECT_EQ(e.kind(), pp::ErrorKind::InvalidParameter);
    EXPECT_NE(std::string(e.what()).find("as_of"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("1969-12-31 23:59:55"), std::string::npos) << e.what();
  }
}

bool always_cancel() { return true; }

TEST(DemoGenerator, PollsTheCancelToken) {
  pp::demo::DemoOptions o;
  o.scale = 0.05;
  EXPECT_THROW(pp::demo::generate_demo(o, pp::CancelToken(&always_cancel)), pp::Cancelled);
}

// ---- volumes -----------------------------------------------------------------------

TEST(DemoGenerator, ScaleOneMasterDataAndWorkbookCounts) {
  const Factory& f = scale1();
  using pp::model::Sheet;
  EXPECT_EQ(f.plant_id, "DEMO");
  EXPECT_EQ(f.plant_name, "Demo composite boat plant");
  EXPECT_EQ(f.work_centers.size(), 71u);
  EXPECT_EQ(f.products.size(), 894u);
  EXPECT_EQ(f.routing_steps.size(), 15347u);
  EXPECT_EQ(f.employees.size(), 902u);
  EXPECT_EQ(f.skills.size(), 902u);
  EXPECT_EQ(workbook_rows(f, Sheet::Orders, f.orders.size()), 27380u);
  EXPECT_EQ(workbook_rows(f, Sheet::Assignments, f.assignments.size()), 423769u);
  EXPECT_EQ(workbook_rows(f, Sheet::Defects, f.defects.size()), 89836u);
  const double ops = static_cast<double>(workbook_rows(f, Sheet::Operations, f.operations.size()));
  EXPECT_NEAR(ops, 519079.0, 519079.0 * 0.005);
  EXPECT_GE(f.measurements.size(), 100000u);
  EXPECT_LE(f.measurements.size(), 200000u);
}

TEST(DemoGenerator, SmallScaleCountsFollowTheScale) {
  const Factory& f = scale002();
  using pp::model::Sheet;
  EXPECT_EQ(workbook_rows(f, Sheet::Orders, f.orders.size()), 548u);            // round(27380 * 0.02)
  EXPECT_EQ(workbook_rows(f, Sheet::Assignments, f.assignments.size()), 8475u);  // round(423769 * 0.02)
  EXPECT_EQ(workbook_rows(f, Sheet::Defects, f.defects.size()), 1797u);          // round(89836 * 0.02)
  EXPECT_NEAR(static_cast<double>(workbook_rows(f, Sheet::Operations, f.operations.size())), 10382.0, 10382 * 0.02);
  EXPECT_EQ(f.products.size(), 894u);  // master data does not scale
  EXPECT_EQ(f.routing_steps.size(), 15347u);
  pp::demo::DemoOptions tiny;
  tiny.scale = 1e-6;
  const Factory t = pp::demo::generate_demo(tiny);
  EXPECT_EQ(t.orders.size(), 1u);
}

TEST(DemoGenerator, MasterDataIsPlausible) {
  const Factory& f = scale002();
  std::set<std::string> used, evaluation;
  std::map<std::string, int> steps_per_product;
  std::map<std::string, const pp::model::WorkCenter*> wcs;
  for (const auto& wc : f.work_centers) {
    wcs[wc.work_center_id] = &wc;
    EXPECT_GE(wc.capacity_units, 1);
    EXPECT_TRUE(wc.calendar_id == "CAL-2SHIFT" || wc.calendar_id == "CAL-24x7");
    if (wc.calendar_id == "CAL-24x7") {
      EXPECT_TRUE(wc.is_automatic) << wc.name;
    }
  }
  for (const auto& s : f.routing_steps) {
    used.insert(s.work_center_id);
    if (wcs.at(s.work_center_id)->is_evaluation) evaluation.insert(s.work_center_id);
    EXPECT_EQ(s.sequence, ++steps_per_product[s.product_id]);
  }
  EXPECT_GE(used.size(), 25u);
  EXPECT_LE(used.size(), 35u);
  EXPECT_GE(evaluation.size(), 3u);
  EXPECT_LE(evaluation.size(), 4u);
  EXPECT_EQ(steps_per_product.size(), 894u);
  for (const auto& [p, n] : steps_per_product) {
    EXPECT_GE(n, 10) << p;
    EXPECT_LE(n, 30) << p;
  }
  for (const char* name : {"Gelcoat", "Laminação", "Desmoldagem", "Acabamento", "Pintura", "Cura", "CAD", "Avaliação Final"}) {
    EXPECT_NE(find_wc(f, name), nullptr) << name;
  }
  EXPECT_TRUE(find_wc(f, "Cura")->is_automatic);
  EXPECT_TRUE(find_wc(f, "Avaliação Final")->is_evaluation);
  // Employees: one skill each, ~40% have left, hires over ~15 years.
  std::set<std::string> skilled;
  for (const auto& s : f.skills) {
    EXPECT_TRUE(skilled.insert(s.employee_id).second);
    ASSERT_TRUE(s.qualified_since.has_value());
    EXPECT_TRUE(wcs.count(s.work_center_id));
  }
  int inactive = 0;
  Time first_hire = f.export_at, last_hire = 0;
  for (const auto& e : f.employees) {
    EXPECT_TRUE(skilled.count(e.employee_id));
    inactive += !e.active;
    first_hire = std::min(first_hire, *e.hired_at);
    last_hire = std::max(last_hire, *e.hired_at);
  }
  EXPECT_NEAR(inactive / 902.0, 0.40, 0.02);
  EXPECT_GT(last_hire - first_hire, 12 * 365 * 86400LL);
  // Calendars.
  ASSERT_EQ(f.calendars.size(), 2u);
  int holidays = 0, shutdowns = 0, overtime = 0;
  for (const auto& e : f.calendar_exceptions) {
    EXPECT_LT(e.starts_at, e.ends_at);
    if (e.kind == "holiday" && e.ends_at - e.starts_at == 86400) ++holidays;
    if (e.kind == "holiday" && e.ends_at - e.starts_at == 14 * 86400) {
      ++shutdowns;
      EXPECT_EQ(pp::civil_from_unix(e.starts_at).month, 8);
      EXPECT_EQ(pp::iso_weekday(e.starts_at), 1);
    }
    if (e.kind == "overtime") {
      ++overtime;
      EXPECT_EQ(pp::iso_weekday(e.starts_at), 6);
    }
  }
  EXPECT_EQ(holidays, 10 * shutdowns);
  EXPECT_GT(overtime, 0);
  // BOM lines for every product, gelcoat at Gelcoat and resin at lamination.
  std::set<std::string> with_bom;
  for (const auto& b : f.bom_lines) {
    with_bom.insert(b.product_id);
    EXPECT_GT(b.quantity_per_unit, 0);
    if (b.material_id == "GEL-HULL") {
      EXPECT_EQ(wcs.at(b.work_center_id)->name, "Gelcoat");
    }
    if (b.material_id == "RESIN") {
      EXPECT_EQ(wcs.at(b.work_center_id)->name, "Laminação");
    }
  }
  EXPECT_EQ(with_bom.size(), 894u);
}

// ---- flaws and orphans -----------------------------------------------------------

TEST(DemoGenerator, FlawRatesAndInvalidRows) {
  const Factory& f = scale1();
  using pp::model::Sheet;
  auto rate = [&](Sheet s, std::size_t clean, std::size_t n) {
    return static_cast<double>(n) / static_cast<double>(workbook_rows(f, s, clean));
  };
  EXPECT_NEAR(rate(Sheet::Orders, f.orders.size(), count_dups(f, Sheet::Orders)), 0.001, 0.0003);
  EXPECT_NEAR(rate(Sheet::Operations, f.operations.size(), count_dups(f, Sheet::Operations)), 0.002, 0.0002);
  EXPECT_NEAR(rate(Sheet::Assignments, f.assignments.size(), count_dups(f, Sheet::Assignments)), 0.005, 0.0005);
  EXPECT_NEAR(rate(Sheet::Defects, f.defects.size(), count_dups(f, Sheet::Defects)), 0.003, 0.0005);
  EXPECT_NEAR(rate(Sheet::Operations, f.operations.size(), count_invalid(f, Sheet::Operations, "end_before_start")),
              0.0005, 0.0001);
  EXPECT_NEAR(rate(Sheet::Operations, f.operations.size(), count_invalid(f, Sheet::Operations, "bad_date")), 0.0002,
              0.00005);
  EXPECT_NEAR(rate(Sheet::Defects, f.defects.size(), count_invalid(f, Sheet::Defects, "severity_domain")), 0.0005,
              0.0001);
  EXPECT_NEAR(rate(Sheet::Orders, f.orders.size(), count_invalid(f, Sheet::Orders, "bad_date")), 0.0002, 0.0001);

  // Duplicates point at distinct clean rows, in range.
  std::set<std::pair<int, std::size_t>> sources;
  for (const auto& d : f.duplicates) {
    EXPECT_TRUE(sources.insert({static_cast<int>(d.sheet), d.source_index}).second);
    const std::size_t n = d.sheet == Sheet::Orders       ? f.orders.size()
                          : d.sheet == Sheet::Operations ? f.operations.size()
                          : d.sheet == Sheet::Assignments ? f.assignments.size()
                                                          : f.defects.size();
    EXPECT_LT(d.source_index, n);
    EXPECT_LT(d.after_index, n);
  }
  // Invalid rows: one cell per column, ids unused by clean rows, text dates.
  std::unordered_set<std::string> op_ids, order_ids;
  for (const auto& op : f.operations) op_ids.insert(op.operation_id);
  for (const auto& o : f.orders) order_ids.insert(o.order_id);
  std::set<std::string> invalid_ids;
  auto is_datetime = [](const std::string& s) {
    if (s.size() != 19) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const bool digit = s[i] >= '0' && s[i] <= '9';
      if ((i == 4 || i == 7) ? s[i] != '-' : i == 10 ? s[i] != ' ' : (i == 13 || i == 16) ? s[i] != ':' : !digit) {
        return false;
      }
    }
    pp::CivilTime c{std::stoi(s.substr(0, 4)), std::stoi(s.substr(5, 2)), std::stoi(s.substr(8, 2)),
                    std::stoi(s.substr(11, 2)), std::stoi(s.substr(14, 2)), std::stoi(s.substr(17, 2))};
    const auto back = pp::civil_from_unix(pp::unix_from_civil(c));
    return back.day == c.day && back.month == c.month && c.hour < 24 && c.minute < 60;
  };
  for (const auto& r : f.invalid_rows) {
    ASSERT_EQ(r.cells.size(), pp::model::sheet_format(r.sheet).headers.size());
    if (r.sheet == Sheet::Operations) {
      EXPECT_FALSE(op_ids.count(r.cells[0])) << r.cells[0];
      EXPECT_TRUE(invalid_ids.insert(r.cells[0]).second);
      EXPECT_TRUE(order_ids.count(r.cells[1]));
      if (r.reason_code == "end_before_start") {
        ASSERT_TRUE(is_datetime(r.cells[2]) && is_datetime(r.cells[3]));
        EXPECT_LT(r.cells[3], r.cells[2]);
      } else {
        EXPECT_EQ(r.reason_code, "bad_date");
        EXPECT_FALSE(is_datetime(r.cells[2])) << r.cells[2];
      }
      if (!r.cells[4].empty()) {
        EXPECT_TRUE(is_datetime(r.cells[4])) << r.cells[4];
      }
    } else if (r.sheet == Sheet::Orders) {
      EXPECT_EQ(r.reason_code, "bad_date");
      EXPECT_FALSE(order_ids.count(r.cells[0]));
      EXPECT_FALSE(is_datetime(r.cells[1])) << r.cells[1];
    } else {
      ASSERT_EQ(r.sheet, Sheet::Defects);
      EXPECT_EQ(r.reason_code, "severity_domain");
      EXPECT_EQ(r.cells[3], "4");
      EXPECT_TRUE(op_ids.count(r.cells[4]));
    }
  }
}

TEST(DemoGenerator, OrphanRatesMatchTheReferenceExport) {
  const Factory& f = scale1();
  std::unordered_set<std::string> products, ops;
  for (const auto& p : f.products) products.insert(p.product_id);
  std::int64_t first_op = std::numeric_limits<std::int64_t>::max();
  for (const auto& op : f.operations) {
    ops.insert(op.operation_id);
    first_op = std::min<std::int64_t>(first_op, std::stoll(op.operation_id));
  }
  std::size_t unknown_products = 0;
  for (const auto& o : f.orders) unknown_products += !products.count(o.product_id);
  EXPECT_NEAR(static_cast<double>(unknown_products) / f.orders.size(), 0.275, 0.003);
  std::unordered_map<std::string, const pp::model::EmployeeSkill*> skill;
  for (const auto& s : f.skills) skill[s.employee_id] = &s;
  std::unordered_map<std::string, const pp::model::Operation*> op_by_id;
  for (const auto& op : f.operations) op_by_id[op.operation_id] = &op;
  std::size_t matched = 0;
  std::map<std::string, int> leads;
  for (const auto& a : f.assignments) {
    if (ops.count(a.operation_id)) {
      ++matched;
      // The crew is qualified for the operation's phase at its start.
      const auto* op = op_by_id.at(a.operation_id);
      const auto* s = skill.at(a.employee_id);
      EXPECT_EQ(s->work_center_id, op->work_center_id);
      ASSERT_TRUE(op->started_at.has_value());
      EXPECT_LE(*s->qualified_since, *op->started_at);
    } else {
      EXPECT_LT(std::stoll(a.operation_id), first_op);  // pruned history
    }
    leads[a.operation_id] += a.is_lead;
  }
  EXPECT_NEAR(static_cast<double>(matched) / f.assignments.size(), 0.323, 0.003);
  for (const auto& [op, n] : leads) ASSERT_EQ(n, 1) << op;
}

// ---- timeline consistency -----------------------------------------------------------

void check_timeline(const Factory& f) {
  const Time E = f.export_at;
  const Time from = first_created(f) - 60 * 86400;
  const TestCalendar two(f, "CAL-2SHIFT", from, E), round(f, "CAL-24x7", from, E);
  std::unordered_map<std::string, const pp::model::WorkCenter*> wcs;
  for (const auto& wc : f.work_centers) wcs[wc.work_center_id] = &wc;
  std::unordered_map<std::string, const pp::model::ProductionOrder*> orders;
  for (const auto& o : f.orders) orders[o.order_id] = &o;
  std::unordered_map<std::string, Time> last_end;
  std::unordered_set<std::string> ids;
  std::int64_t previous_order = 0;
  for (const auto& o : f.orders) {
    EXPECT_GT(std::stoll(o.order_id), previous_order);
    previous_order = std::stoll(o.order_id);
    EXPECT_LE(o.created_at, E);
    if (o.finished_at) {
      EXPECT_LE(*o.finished_at, E);
    }
  }
  std::size_t shift_null = 0, shift_eligible = 0;
  for (const auto& op : f.operations) {
    ASSERT_TRUE(ids.insert(op.operation_id).second) << op.operation_id;
    const auto* order = orders.at(op.order_id);
    const auto* wc = wcs.at(op.work_center_id);
    if (op.ended_at) {
      ASSERT_TRUE(op.started_at.has_value());
      EXPECT_LT(*op.started_at, *op.ended_at) << op.operation_id;
      EXPECT_LE(*op.ended_at, E);
      Time& le = last_end[op.order_id];
      le = std::max(le, *op.ended_at);
    }
    if (op.started_at) {
      EXPECT_LE(*op.started_at, E);
      EXPECT_GE(*op.started_at, order->created_at);
      const bool around = wc->calendar_id == "CAL-24x7";
      EXPECT_TRUE((around ? round : two).inside(*op.started_at)) << op.operation_id << " at " << *op.started_at;
      if (!op.ended_at) {
        EXPECT_FALSE(order->finished_at.has_value()) << "open operation of a finished order";
      }
      if (around) {
        EXPECT_FALSE(op.shift.has_value());
      } else {
        ++shift_eligible;
        if (!op.shift) {
          ++shift_null;
        } else {
          const int minute = static_cast<int>((*op.started_at % 86400) / 60);
          EXPECT_EQ(*op.shift, minute < 840 ? 1 : 2);
        }
      }
    } else {
      EXPECT_FALSE(op.ended_at.has_value());
      EXPECT_FALSE(op.shift.has_value());
      EXPECT_FALSE(order->finished_at.has_value());
    }
    const Time expected = op.ended_at     ? *op.ended_at
                          : op.started_at ? *op.started_at
                          : op.planned_at ? *op.planned_at
                                          : order->created_at;
    EXPECT_EQ(op.event_time, expected);
  }
  EXPECT_NEAR(static_cast<double>(shift_null) / shift_eligible, 0.05, 0.02);
  for (const auto& o : f.orders) {
    if (o.finished_at) {
      EXPECT_EQ(*o.finished_at, last_end[o.order_id]) << o.order_id;
    }
  }
}

TEST(DemoGenerator, TimelineIsConsistentAtScaleOne) { check_timeline(scale1()); }
TEST(DemoGenerator, TimelineIsConsistentAtSmallScale) { check_timeline(scale002()); }

TEST(DemoGenerator, DefectsAreBlamedOnEarlierOperations) {
  const Factory& f = scale1();
  std::unordered_map<std::string, const pp::model::Operation*> ops;
  for (const auto& op : f.operations) ops[op.operation_id] = &op;
  std::unordered_map<std::string, const pp::model::WorkCenter*> wcs;
  for (const auto& wc : f.work_centers) wcs[wc.work_center_id] = &wc;
  std::set<std::string> descriptions;
  std::set<std::tuple<std::string, std::string, std::string, std::string>> keys;
  int severity[4] = {0, 0, 0, 0};
  for (const auto& d : f.defects) {
    ASSERT_TRUE(d.severity >= 1 && d.severity <= 3);
    ++severity[d.severity];
    descriptions.insert(d.description);
    const auto* eval = ops.at(d.evaluation_operation_id);
    ASSERT_TRUE(d.culprit_operation_id.has_value());
    const auto* culprit = ops.at(*d.culprit_operation_id);
    EXPECT_TRUE(wcs.at(eval->work_center_id)->is_evaluation);
    EXPECT_EQ(d.evaluation_work_center_id, eval->work_center_id);
    EXPECT_EQ(eval->order_id, d.order_id);
    EXPECT_EQ(culprit->order_id, d.order_id);
    ASSERT_TRUE(eval->ended_at && culprit->ended_at);
    EXPECT_LE(*culprit->ended_at, *eval->started_at);
    EXPECT_EQ(d.detected_at, eval->event_time);
    EXPECT_TRUE(keys.insert({d.order_id, d.evaluation_operation_id, d.description, *d.culprit_operation_id}).second);
  }
  EXPECT_EQ(descriptions.size(), 47u);
  EXPECT_TRUE(descriptions.count("Pintura Malhada"));
  EXPECT_TRUE(descriptions.count("Bolhas no Gelcoat"));
  const double n = static_cast<double>(f.defects.size());
  EXPECT_NEAR(severity[1] / n, 0.6, 0.02);
  EXPECT_NEAR(severity[2] / n, 0.3, 0.02);
  EXPECT_NEAR(severity[3] / n, 0.1, 0.02);
  // Rework passes exist and follow an evaluation at the culprit's phase.
  std::size_t rework = 0;
  for (const auto& op : f.operations) rework += op.is_rework;
  EXPECT_GT(rework, f.operations.size() / 200);
}

// ---- planted effects ---------------------------------------------------------------

void expect_bottleneck(const Factory& f) {
  const auto util = utilization(f);
  const double lamination = util.at("Laminação");
  double second = 0;
  for (const auto& [name, u] : util) {
    if (name != "Laminação") second = std::max(second, u);
  }
  ::testing::Test::RecordProperty("util_" + std::to_string(f.orders.size()),
                                  std::to_string(lamination) + " vs " + std::to_string(second));
  EXPECT_GT(lamination, 0.75);
  EXPECT_LT(lamination, 0.98);
  for (const auto& [name, u] : util) {
    if (name != "Laminação") {
      EXPECT_LT(u, lamination - 0.05) << name;
    }
  }
}

TEST(DemoGenerator, LaminationIsTheBottleneckAtEveryScale) {
  expect_bottleneck(scale1());
  expect_bottleneck(scale02());
  expect_bottleneck(scale002());
}

TEST(DemoGenerator, DurationsFollowProductWeight) {
  const Factory& f = scale1();
  const std::string lam = find_wc(f, "Laminação")->work_center_id;
  const Time from = first_created(f);
  const TestCalendar two(f, "CAL-2SHIFT", from - 60 * 86400, f.export_at);
  std::vector<double> x, y;
  for (const auto& op : f.operations) {
    if (op.work_center_id != lam || !op.ended_at || !op.weight_kg || op.is_rework) continue;
    x.push_back(std::log(*op.weight_kg));
    y.push_back(std::log(static_cast<double>(two.working(*op.started_at, *op.ended_at))));
  }
  ASSERT_GT(x.size(), 10000u);
  RecordProperty("corr_weight_duration", std::to_string(pearson(x, y)));
  EXPECT_GT(pearson(x, y), 0.7);
}

TEST(DemoGenerator, DefectsDependOnShiftAndTenure) {
  const Factory& f = scale1();
  std::unordered_map<std::string, int> blamed;
  for (const auto& d : f.defects) ++blamed[*d.culprit_operation_id];
  std::unordered_map<std::string, Time> hired;
  for (const auto& e : f.employees) hired[e.employee_id] = *e.hired_at;
  std::unordered_map<std::string, Time> crew_min_hire_gap;  // op -> min tenure (s)
  std::unordered_map<std::string, const pp::model::Operation*> ops;
  for (const auto& op : f.operations) ops[op.operation_id] = &op;
  for (const auto& a : f.assignments) {
    auto it = ops.find(a.operation_id);
    if (it == ops.end()) continue;
    const Time tenure = *it->second->started_at - hired.at(a.employee_id);
    auto [pos, fresh] = crew_min_hire_gap.emplace(a.operation_id, tenure);
    if (!fresh) pos->second = std::min(pos->second, tenure);
  }
  // Operations that can be blamed: manual, not evaluations, followed by an ended evaluation.
  std::set<std::string> culprit_phases;
  for (const auto& d : f.defects) culprit_phases.insert(ops.at(*d.culprit_operation_id)->work_center_id);
  double n_shift[3] = {0, 0, 0}, d_shift[3] = {0, 0, 0};
  double n_new = 0, d_new = 0, n_old = 0, d_old = 0;
  const Time year = 365 * 86400;
  std::unordered_map<std::string, const pp::model::ProductionOrder*> orders;
  for (const auto& o : f.orders) orders[o.order_id] = &o;
  for (const auto& op : f.operations) {
    if (!op.ended_at || !culprit_phases.count(op.work_center_id)) continue;
    if (!orders.at(op.order_id)->finished_at) continue;  // evaluated for sure
    const int n = blamed.count(op.operation_id) ? blamed[op.operation_id] : 0;
    if (op.shift) {
      n_shift[*op.shift] += 1;
      d_shift[*op.shift] += n;
    }
    auto it = crew_min_hire_gap.find(op.operation_id);
    if (it != crew_min_hire_gap.end()) {
      if (it->second < year) {
        n_new += 1;
        d_new += n;
      } else if (it->second >= 2 * year) {
        n_old += 1;
        d_old += n;
      }
    }
  }
  ASSERT_GT(n_shift[1], 1000);
  ASSERT_GT(n_shift[2], 1000);
  ASSERT_GT(n_new, 1000);
  ASSERT_GT(n_old, 1000);
  const double shift_ratio = (d_shift[2] / n_shift[2]) / (d_shift[1] / n_shift[1]);
  const double tenure_ratio = (d_new / n_new) / (d_old / n_old);
  RecordProperty("shift_ratio", std::to_string(shift_ratio));
  RecordProperty("tenure_ratio", std::to_string(tenure_ratio));
  RecordProperty("new_ops", std::to_string(n_new));
  EXPECT_GT(shift_ratio, 1.2) << "shift 2 should be worse";
  EXPECT_LT(shift_ratio, 1.5);
  EXPECT_GT(tenure_ratio, 1.3) << "new employees should be worse";
}

TEST(DemoGenerator, LeadTimeFollowsShopLoadAtRelease) {
  const Factory& f = scale02();
  // Open orders (WIP) at each order's creation.
  std::vector<std::pair<Time, int>> events;
  for (const auto& o : f.orders) {
    events.emplace_back(o.created_at, +1);
    if (o.finished_at) events.emplace_back(*o.finished_at, -1);
  }
  std::sort(events.begin(), events.end());
  std::vector<int> prefix(events.size() + 1, 0);
  for (std::size_t i = 0; i < events.size(); ++i) prefix[i + 1] = prefix[i] + events[i].second;
  std::vector<double> wip, lead;
  std::size_t late = 0, with_due = 0;
  for (const auto& o : f.orders) {
    if (!o.finished_at) continue;
    const auto at = std::lower_bound(events.begin(), events.end(), std::make_pair(o.created_at, -2)) - events.begin();
    wip.push_back(prefix[static_cast<std::size_t>(at)]);
    lead.push_back(static_cast<double>(*o.finished_at - o.created_at));
    if (o.due_at) {
      ++with_due;
      late += *o.finished_at > *o.due_at;
    }
  }
  RecordProperty("corr_wip_lead", std::to_string(pearson(wip, lead)));
  EXPECT_GT(pearson(wip, lead), 0.2);
  const double late_share = static_cast<double>(late) / with_due;
  EXPECT_GT(late_share, 0.05);
  EXPECT_LT(late_share, 0.5);
}

TEST(DemoGenerator, StockBalancesEqualTheSumOfMovements) {
  for (const Factory* f : {&scale002(), &scale1()}) {
    ASSERT_GE(f->materials.size(), 4u);
    std::map<std::string, double> sum;
    std::map<std::string, int> issues, receipts;
    std::set<std::string> ids;
    Time previous = 0;
    for (const auto& m : f->stock_movements) {
      EXPECT_TRUE(ids.insert(m.movement_id).second);
      EXPECT_GE(m.moved_at, previous);
      EXPECT_LE(m.moved_at, f->export_at);
      previous = m.moved_at;
      sum[m.material_id] += m.quantity;
      EXPECT_GE(sum[m.material_id], -1e-6) << m.material_id << " stock negative at " << m.moved_at;
      if (m.kind == "issue") {
        EXPECT_LT(m.quantity, 0);
        ++issues[m.material_id];
      } else if (m.kind == "receipt") {
        EXPECT_GT(m.quantity, 0);
        ++receipts[m.material_id];
      } else {
        EXPECT_EQ(m.kind, "adjustment");
      }
    }
    ASSERT_EQ(f->stock_balances.size(), f->materials.size());
    for (const auto& b : f->stock_balances) {
      EXPECT_EQ(b.location, "MAIN");
      EXPECT_EQ(b.as_of, f->export_at);
      EXPECT_NEAR(b.on_hand, sum[b.material_id], 1e-6 * std::max(1.0, std::abs(b.on_hand)));
      EXPECT_GT(issues[b.material_id], 0);
      EXPECT_GT(receipts[b.material_id], 0);
    }
    for (const auto& s : f->open_supply) EXPECT_GT(s.due_at, f->export_at);
  }
}

TEST(DemoGenerator, SpcHasPlantedEpisodes) {
  const Factory& f = scale1();
  ASSERT_GE(f.characteristics.size(), 4u);
  ASSERT_LE(f.characteristics.size(), 6u);
  const auto* gel = &f.characteristics[0];
  ASSERT_EQ(gel->characteristic_id, "GEL-THK");
  const double sigma = (gel->usl - gel->lsl) / 8;
  const Time E = f.export_at;
  double in_sum = 0, in_n = 0, shift_sum = 0, shift_n = 0;
  std::map<std::pair<std::string, int>, int> subgroup_size;
  for (const auto& m : f.measurements) {
    ++subgroup_size[{m.characteristic_id, m.subgroup}];
    if (m.characteristic_id != "GEL-THK") continue;
    if (m.measured_at >= E - 330 * 86400 && m.measured_at < E - 309 * 86400) {
      shift_sum += m.value;
      shift_n += 1;
    } else if (m.measured_at < E - 400 * 86400) {
      in_sum += m.value;
      in_n += 1;
    }
  }
  for (const auto& [k, n] : subgroup_size) {
    EXPECT_GE(n, 3);
    EXPECT_LE(n, 5);
  }
  ASSERT_GT(shift_n, 100);
  EXPECT_NEAR(in_sum / in_n, gel->target, 0.1 * sigma);
  EXPECT_GT(shift_sum / shift_n - gel->target, 1.2 * sigma);
}

TEST(DemoGenerator, ResourceEvents) {
  const Factory& f = scale1();
  std::set<std::string> ids;
  int open = 0, downtime = 0, setup = 0;
  for (const auto& e : f.resource_events) {
    EXPECT_TRUE(ids.insert(e.event_id).second);
    EXPECT_LE(e.started_at, f.export_at);
    if (e.kind == "downtime") {
      ++downtime;
      if (!e.ended_at) {
        ++open;
      } else {
        EXPECT_GE(*e.ended_at - e.started_at, 30 * 60 - 1);
        EXPECT_LE(*e.ended_at - e.started_at, 2 * 86400 + 1);
      }
    } else {
      EXPECT_EQ(e.kind, "setup");
      ++setup;
      ASSERT_TRUE(e.ended_at.has_value());
    }
  }
  EXPECT_EQ(open, 1);
  // ~1.5 breakdowns per used work center-month over five years.
  EXPECT_GT(downtime, 32 * 60 * 1.0);
  EXPECT_LT(downtime, 32 * 61 * 2.0);
  EXPECT_GT(setup, 1000);
}

}  // namespace

}  // namespace test_demo_generator
