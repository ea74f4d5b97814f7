// The checks a staged row must pass before it is handed to the SQL layer
// (staging_detail.h): required values, domains, the plausible date range and
// the canonical tables' CHECK constraints across columns.
#include <charconv>

#include "core/common/civil_time.h"
#include "core/ingest/staging_detail.h"

namespace pp::ingest::detail {

namespace {

std::string datetime_text(std::int64_t t) {
  std::string s;
  append_datetime(s, t);
  return s;
}

std::string real_text(double v) {
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// Years PostgreSQL's timestamptz and the civil-time helpers handle as written.
constexpr std::int64_t kYear1 = -62135596800;      // 0001-01-01 00:00:00 UTC
constexpr std::int64_t kYear10000 = 253402300800;  // 10000-01-01 00:00:00 UTC

}  // namespace

RowRules::RowRules(const EntitySpec& spec, const IngestOptions& options)
    : spec_(&spec),
      min_time_(options.min_time < kYear1 ? kYear1 : options.min_time),
      max_time_(options.max_time > kYear10000 ? kYear10000 : options.max_time) {
  auto index = [&](std::string_view name) -> std::size_t {
    for (std::size_t i = 0; i < spec.columns.size(); ++i)
      if (spec.columns[i].name == name) return i;
    return RowFault::kRow;
  };
  domains_.assign(spec.columns.size(), Domain::None);
  for (std::size_t i = 0; i < spec.columns.size(); ++i) {
    const ColumnSpec& c = spec.columns[i];
    if (c.name == "severity" && c.type == ColumnType::Integer) domains_[i] = Domain::Severity;
    if (c.name == "shift" && c.type == ColumnType::Integer) domains_[i] = Domain::Shift;
    if (c.type == ColumnType::Real &&
        (c.name == "weight_kg" || c.name.ends_with("_weight_kg") || c.name == "gel_deck_kg" || c.name == "gel_hull_kg"))
      domains_[i] = Domain::NonNegative;
  }
  auto add_order = [&](std::string_view first, std::string_view second) {
    const std::size_t a = index(first), b = index(second);
    if (a != RowFault::kRow && b != RowFault::kRow) orders_.push_back({a, b});
  };
  if (spec.entity == "operation") add_order("started_at", "ended_at");
  if (spec.entity == "production_order") add_order("created_at", "finished_at");
}

bool RowRules::check(const Field* fields, RowFault& fault) const {
  const std::size_t n = spec_->columns.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Field& f = fields[i];
    const ColumnSpec& c = spec_->columns[i];
    if (f.state == Field::State::Bad) {
      fault = {i, f.reason, std::string("expected ") + f.why};
      return false;
    }
    if (f.is_null() && c.required) {
      if (f.error_cell)
        fault = {i, "error_cell", "an error value in a required column"};
      else
        fault = {i, "missing_required", "a value is required"};
      return false;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Field& f = fields[i];
    if (!f.ok()) continue;
    switch (domains_[i]) {
      case Domain::Severity:
        if (f.integer < 1 || f.integer > 3) {
          fault = {i, "domain", "severity must be 1, 2 or 3"};
          return false;
        }
        break;
      case Domain::Shift:
        if (f.integer < 1 || f.integer > 3) {
          fault = {i, "domain", "shift must be 1, 2, 3 or empty"};
          return false;
        }
        break;
      case Domain::NonNegative:
        if (f.real < 0) {
          fault = {i, "domain", "a weight cannot be negative"};
          return false;
        }
        break;
      case Domain::None:
        break;
    }
    if (spec_->columns[i].type == ColumnType::Timestamp && (f.integer < min_time_ || f.integer >= max_time_)) {
      fault = {i, "date_out_of_range",
               "a date from " + datetime_text(min_time_) + " to before " + datetime_text(max_time_) + " (read as " +
                   (f.integer >= kYear1 && f.integer < kYear10000 ? datetime_text(f.integer)
                                                                  : real_text(static_cast<double>(f.integer)) + " s") +
                   " UTC)"};
      return false;
    }
  }
  for (const Order& o : orders_) {
    const Field& a = fields[o.first];
    const Field& b = fields[o.second];
    if (a.ok() && b.ok() && b.integer < a.integer) {
      fault = {RowFault::kRow, "end_before_start",
               std::string(spec_->columns[o.second].name) + " " + datetime_text(b.integer) + " is before " +
                   std::string(spec_->columns[o.first].name) + " " + datetime_text(a.integer)};
      return false;
    }
  }
  return true;
}

}  // namespace pp::ingest::detail
