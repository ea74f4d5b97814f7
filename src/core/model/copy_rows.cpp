#include "core/model/copy_rows.h"

#include "core/common/civil_time.h"
#include "core/common/errors.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace pp::model {

namespace {

// Appends one row's fields with COPY text escaping. A row is begun with
// field() calls and finished with end_row().
class RowWriter {
 public:
  explicit RowWriter(std::string& out) : out_(out) {}

  void text(std::string_view v) {
    sep();
    append_copy_text(out_, v);
  }
  void opt_text(const std::optional<std::string>& v) { v ? text(*v) : null(); }
  void null() {
    sep();
    out_ += "\\N";
  }
  void integer(long long v) {
    sep();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }
  void integer(const std::optional<int>& v) { v ? integer(*v) : null(); }
  void real(double v) {
    sep();
    if (!std::isfinite(v)) throw Error(ErrorKind::Internal, "non-finite number in demo data");
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact round trip
    out_.append(buf, r.ptr);
  }
  void real(const std::optional<double>& v) { v ? real(*v) : null(); }
  void boolean(bool v) {
    sep();
    out_.push_back(v ? 't' : 'f');
  }
  void time(Time v) {
    sep();
    append_timestamptz(out_, v);
  }
  void time(const OptTime& v) { v ? time(*v) : null(); }
  void weekdays(int mask) {
    sep();
    out_.push_back('{');
    bool first = true;
    for (int d = 0; d < 7; ++d) {
      if (mask & (1 << d)) {
        if (!first) out_.push_back(',');
        out_.push_back(static_cast<char>('1' + d));
        first = false;
      }
    }
    out_.push_back('}');
  }
  void end_row() {
    out_.push_back('\n');
    first_ = true;
  }

 private:
  void sep() {
    if (!first_) out_.push_back('\t');
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};

enum TableIndex : std::size_t {
  kPlant, kCalendar, kCalendarShift, kCalendarException, kWorkCenter, kProduct, kRoutingStep,
  kEmployee, kEmployeeSkill, kMaterial, kBomLine, kProductionOrder, kOperation,
  kOperationAssignment, kDefect, kResourceEvent, kCharacteristic, kMeasurement, kStockBalance,
  kStockMovement, kOpenSupply, kTableCount
};

// Writes every element of `rows` with `emit`, polling for cancellation.
template <typename Row, typename Emit>
std::size_t emit_all(const std::vector<Row>& rows, std::string& out, const CancelToken& cancel,
                     Emit emit) {
  RowWriter w(out);
  std::size_t n = 0;
  for (const Row& r : rows) {
    if ((++n & 4095) == 0) cancel.poll();
    emit(w, r);
    w.end_row();
  }
  return rows.size();
}

}  // namespace

void append_copy_text(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out.push_back(c);
    }
  }
}

const std::vector<CopyTableSpec>& canonical_copy_tables() {
  static const std::vector<CopyTableSpec> specs = {
      {"plant", {"plant_id", "name", "timezone"}},
      {"calendar", {"plant_id", "calendar_id", "name", "timezone"}},
      {"calendar_shift",
       {"plant_id", "calendar_id", "shift_no", "weekdays", "start_minute", "end_minute"}},
      {"calendar_exception", {"plant_id", "calendar_id", "kind", "starts_at", "ends_at", "note"}},
      {"work_center",
       {"plant_id", "work_center_id", "name", "sequence", "is_production", "is_automatic",
        "is_evaluation", "capacity_units", "calendar_id"}},
      {"product",
       {"plant_id", "product_id", "name", "family", "demould_weight_kg", "finish_weight_kg",
        "gel_deck_kg", "gel_hull_kg"}},
      {"routing_step",
       {"plant_id", "product_id", "sequence", "work_center_id", "coefficient", "coefficient_x",
        "standard_minutes"}},
      {"employee", {"plant_id", "employee_id", "name", "is_active", "hired_at"}},
      {"employee_skill", {"plant_id", "employee_id", "work_center_id", "qualified_since"}},
      {"material",
       {"plant_id", "material_id", "name", "unit", "unit_cost", "supplier_lead_time_days",
        "min_order_qty"}},
      {"bom_line", {"plant_id", "product_id", "material_id", "work_center_id", "quantity_per_unit"}},
      {"production_order",
       {"plant_id", "order_id", "product_id", "created_at", "finished_at", "due_at",
        "current_work_center_id", "quantity"}},
      {"operation",
       {"plant_id", "operation_id", "order_id", "work_center_id", "sequence", "is_rework", "shift",
        "started_at", "ended_at", "planned_at", "coefficient", "coefficient_x", "weight_kg",
        "event_time"}},
      {"operation_assignment", {"plant_id", "operation_id", "employee_id", "is_lead"}},
      {"defect",
       {"plant_id", "order_id", "evaluation_operation_id", "description", "culprit_operation_id",
        "evaluation_work_center_id", "severity", "detected_at"}},
      {"resource_event",
       {"plant_id", "event_id", "work_center_id", "kind", "started_at", "ended_at", "reason"}},
      {"characteristic",
       {"plant_id", "characteristic_id", "name", "unit", "work_center_id", "lsl", "target", "usl"}},
      {"measurement",
       {"plant_id", "measurement_id", "characteristic_id", "order_id", "operation_id",
        "measured_at", "value", "subgroup"}},
      {"stock_balance", {"plant_id", "material_id", "location", "as_of", "on_hand"}},
      {"stock_movement",
       {"plant_id", "movement_id", "material_id", "moved_at", "quantity", "kind", "order_id"}},
      {"open_supply", {"plant_id", "supply_id", "material_id", "quantity", "due_at", "supplier"}},
  };
  return specs;
}

std::size_t copy_row_count(const Factory& f, std::size_t table_index) {
  switch (table_index) {
    case kPlant: return 1;
    case kCalendar: return f.calendars.size();
    case kCalendarShift: return f.shifts.size();
    case kCalendarException: return f.calendar_exceptions.size();
    case kWorkCenter: return f.work_centers.size();
    case kProduct: return f.products.size();
    case kRoutingStep: return f.routing_steps.size();
    case kEmployee: return f.employees.size();
    case kEmployeeSkill: return f.skills.size();
    case kMaterial: return f.materials.size();
    case kBomLine: return f.bom_lines.size();
    case kProductionOrder: return f.orders.size();
    case kOperation: return f.operations.size();
    case kOperationAssignment: return f.assignments.size();
    case kDefect: return f.defects.size();
    case kResourceEvent: return f.resource_events.size();
    case kCharacteristic: return f.characteristics.size();
    case kMeasurement: return f.measurements.size();
    case kStockBalance: return f.stock_balances.size();
    case kStockMovement: return f.stock_movements.size();
    case kOpenSupply: return f.open_supply.size();
    default: throw Error(ErrorKind::Internal, "copy_row_count: no table " + std::to_string(table_index));
  }
}

std::size_t append_copy_rows(const Factory& f, std::size_t table_index, std::string& out,
                             const CancelToken& cancel) {
  const std::string& plant = f.plant_id;
  switch (table_index) {
    case kPlant: {
      RowWriter w(out);
      w.text(plant);
      w.text(f.plant_name);
      w.text(std::string_view("UTC"));
      w.end_row();
      return 1;
    }
    case kCalendar:
      return emit_all(f.calendars, out, cancel, [&](RowWriter& w, const Calendar& r) {
        w.text(plant); w.text(r.calendar_id); w.text(r.name); w.text(r.timezone);
      });
    case kCalendarShift:
      return emit_all(f.shifts, out, cancel, [&](RowWriter& w, const Shift& r) {
        w.text(plant); w.text(r.calendar_id); w.integer(r.shift_no); w.weekdays(r.weekday_mask);
        w.integer(r.start_minute); w.integer(r.end_minute);
      });
    case kCalendarException:
      return emit_all(f.calendar_exceptions, out, cancel, [&](RowWriter& w, const CalendarException& r) {
        w.text(plant); w.text(r.calendar_id); w.text(r.kind); w.time(r.starts_at); w.time(r.ends_at);
        r.note.empty() ? w.null() : w.text(r.note);
      });
    case kWorkCenter:
      return emit_all(f.work_centers, out, cancel, [&](RowWriter& w, const WorkCenter& r) {
        w.text(plant); w.text(r.work_center_id); w.text(r.name); w.integer(r.sequence);
        w.boolean(r.is_production); w.boolean(r.is_automatic); w.boolean(r.is_evaluation);
        w.integer(r.capacity_units);
        r.calendar_id.empty() ? w.null() : w.text(r.calendar_id);
      });
    case kProduct:
      return emit_all(f.products, out, cancel, [&](RowWriter& w, const Product& r) {
        w.text(plant); w.text(r.product_id); w.text(r.name);
        r.family.empty() ? w.null() : w.text(r.family);
        w.real(r.demould_weight_kg); w.real(r.finish_weight_kg); w.real(r.gel_deck_kg);
        w.real(r.gel_hull_kg);
      });
    case kRoutingStep:
      return emit_all(f.routing_steps, out, cancel, [&](RowWriter& w, const RoutingStep& r) {
        w.text(plant); w.text(r.product_id); w.integer(r.sequence); w.text(r.work_center_id);
        w.real(r.coefficient); w.real(r.coefficient_x); w.real(r.standard_minutes);
      });
    case kEmployee:
      return emit_all(f.employees, out, cancel, [&](RowWriter& w, const Employee& r) {
        w.text(plant); w.text(r.employee_id); w.text(r.name); w.boolean(r.active); w.time(r.hired_at);
      });
    case kEmployeeSkill:
      return emit_all(f.skills, out, cancel, [&](RowWriter& w, const EmployeeSkill& r) {
        w.text(plant); w.text(r.employee_id); w.text(r.work_center_id); w.time(r.qualified_since);
      });
    case kMaterial:
      return emit_all(f.materials, out, cancel, [&](RowWriter& w, const Material& r) {
        w.text(plant); w.text(r.material_id); w.text(r.name); w.text(r.unit); w.real(r.unit_cost);
        w.real(r.supplier_lead_time_days); w.real(r.min_order_qty);
      });
    case kBomLine:
      return emit_all(f.bom_lines, out, cancel, [&](RowWriter& w, const BomLine& r) {
        w.text(plant); w.text(r.product_id); w.text(r.material_id); w.text(r.work_center_id);
        w.real(r.quantity_per_unit);
      });
    case kProductionOrder:
      return emit_all(f.orders, out, cancel, [&](RowWriter& w, const ProductionOrder& r) {
        w.text(plant); w.text(r.order_id); w.text(r.product_id); w.time(r.created_at);
        w.time(r.finished_at); w.time(r.due_at); w.opt_text(r.current_work_center_id);
        w.real(r.quantity);
      });
    case kOperation:
      return emit_all(f.operations, out, cancel, [&](RowWriter& w, const Operation& r) {
        w.text(plant); w.text(r.operation_id); w.text(r.order_id); w.text(r.work_center_id);
        w.integer(r.sequence); w.boolean(r.is_rework); w.integer(r.shift); w.time(r.started_at);
        w.time(r.ended_at); w.time(r.planned_at); w.real(r.coefficient); w.real(r.coefficient_x);
        w.real(r.weight_kg); w.time(r.event_time);
      });
    case kOperationAssignment:
      return emit_all(f.assignments, out, cancel, [&](RowWriter& w, const OperationAssignment& r) {
        w.text(plant); w.text(r.operation_id); w.text(r.employee_id); w.boolean(r.is_lead);
      });
    case kDefect:
      return emit_all(f.defects, out, cancel, [&](RowWriter& w, const Defect& r) {
        w.text(plant); w.text(r.order_id); w.text(r.evaluation_operation_id); w.text(r.description);
        w.opt_text(r.culprit_operation_id); w.text(r.evaluation_work_center_id); w.integer(r.severity);
        w.time(r.detected_at);
      });
    case kResourceEvent:
      return emit_all(f.resource_events, out, cancel, [&](RowWriter& w, const ResourceEvent& r) {
        w.text(plant); w.text(r.event_id); w.text(r.work_center_id); w.text(r.kind);
        w.time(r.started_at); w.time(r.ended_at);
        r.reason.empty() ? w.null() : w.text(r.reason);
      });
    case kCharacteristic:
      return emit_all(f.characteristics, out, cancel, [&](RowWriter& w, const Characteristic& r) {
        w.text(plant); w.text(r.characteristic_id); w.text(r.name); w.text(r.unit);
        r.work_center_id.empty() ? w.null() : w.text(r.work_center_id);
        w.real(r.lsl); w.real(r.target); w.real(r.usl);
      });
    case kMeasurement:
      return emit_all(f.measurements, out, cancel, [&](RowWriter& w, const Measurement& r) {
        w.text(plant); w.text(r.measurement_id); w.text(r.characteristic_id); w.opt_text(r.order_id);
        w.opt_text(r.operation_id); w.time(r.measured_at); w.real(r.value); w.integer(r.subgroup);
      });
    case kStockBalance:
      return emit_all(f.stock_balances, out, cancel, [&](RowWriter& w, const StockBalance& r) {
        w.text(plant); w.text(r.material_id); w.text(r.location); w.time(r.as_of); w.real(r.on_hand);
      });
    case kStockMovement:
      return emit_all(f.stock_movements, out, cancel, [&](RowWriter& w, const StockMovement& r) {
        w.text(plant); w.text(r.movement_id); w.text(r.material_id); w.time(r.moved_at);
        w.real(r.quantity); w.text(r.kind); w.opt_text(r.order_id);
      });
    case kOpenSupply:
      return emit_all(f.open_supply, out, cancel, [&](RowWriter& w, const OpenSupply& r) {
        w.text(plant); w.text(r.supply_id); w.text(r.material_id); w.real(r.quantity);
        w.time(r.due_at); r.supplier.empty() ? w.null() : w.text(r.supplier);
      });
    default:
      throw Error(ErrorKind::Internal, "append_copy_rows: no table " + std::to_string(table_index));
  }
}

void append_demo_extras(const Factory& f, int kind, std::string& out) {
  out.clear();
  RowWriter w(out);
  switch (kind) {
    case 0:
      for (const auto& r : f.work_centers) {
        w.text(r.work_center_id); w.boolean(r.is_evaluation); w.integer(r.capacity_units);
        r.calendar_id.empty() ? w.null() : w.text(r.calendar_id);
        w.end_row();
      }
      return;
    case 1:
      for (const auto& r : f.products) {
        w.text(r.product_id);
        r.family.empty() ? w.null() : w.text(r.family);
        w.end_row();
      }
      return;
    case 2:
      for (const auto& r : f.employees) {
        w.text(r.employee_id); w.time(r.hired_at);
        w.end_row();
      }
      return;
    default:
      throw Error(ErrorKind::Internal, "append_demo_extras: no kind " + std::to_string(kind));
  }
}

std::pair<Time, Time> partition_time_range(const Factory& f) {
  Time lo = std::numeric_limits<Time>::max();
  Time hi = std::numeric_limits<Time>::min();
  auto see = [&](Time t) {
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  };
  for (const auto& r : f.operations) see(r.event_time);
  for (const auto& r : f.defects) see(r.detected_at);
  for (const auto& r : f.resource_events) see(r.started_at);
  for (const auto& r : f.measurements) see(r.measured_at);
  for (const auto& r : f.stock_movements) see(r.moved_at);
  if (lo > hi) return {0, 0};
  return {lo, hi};
}

}  // namespace pp::model
