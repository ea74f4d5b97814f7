#include "core/xlsx/workbook_writer.h"

#include "core/common/errors.h"
#include "core/model/workbook_format.h"
#include "core/xlsx/excel_dates.h"

#include <xlsxwriter.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace pp::xlsx {

namespace {

using model::Sheet;

constexpr std::size_t kMaxDataRows = 1048575;  // Excel's 1,048,576 rows minus the header
constexpr std::size_t kPollEvery = 4096;       // rows between cancel polls
constexpr model::Time kDefaultCreated = 946684800;  // 2000-01-01 00:00:00 UTC
constexpr const char* kDateFormat = "yyyy-mm-dd hh:mm:ss";

// Shares of the alternatives, in percent.
constexpr std::uint64_t kNumberShare = 60;     // number cell, else text
constexpr std::uint64_t kNullEmptyShare = 70;  // empty cell, else "NULL"
constexpr std::uint64_t kSerialShare = 60;     // date serial, else text

// SplitMix64 finalizer: a stateless 64-bit mix.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct WorkbookDeleter {
  void operator()(lxw_workbook* wb) const { lxw_workbook_free(wb); }
};
using WorkbookPtr = std::unique_ptr<lxw_workbook, WorkbookDeleter>;

std::string sheet_name(Sheet s) { return std::string(model::sheet_format(s).name); }

// Errors about files and sizes are the caller's (path, tmpdir, disk, a too
// long string); the others would be a bug of this writer.
ErrorKind kind_of(lxw_error err) {
  switch (err) {
    case LXW_ERROR_CREATING_XLSX_FILE:
    case LXW_ERROR_CREATING_TMPFILE:
    case LXW_ERROR_READING_TMPFILE:
    case LXW_ERROR_ZIP_FILE_OPERATION:
    case LXW_ERROR_ZIP_FILE_ADD:
    case LXW_ERROR_ZIP_CLOSE:
      return ErrorKind::InvalidParameter;
    case LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED:
      return ErrorKind::DataException;
    default:
      return ErrorKind::Internal;
  }
}

[[noreturn]] void throw_lxw(lxw_error err, Sheet s, std::size_t row, std::size_t col) {
  throw Error(kind_of(err),
              "libxlsxwriter error \"" + std::string(lxw_strerror(err)) + "\" writing sheet " +
                  sheet_name(s) + " row " + std::to_string(row + 1) + " column " +
                  std::to_string(col + 1));
}

// True for "0" or 1..15 digits without a leading zero: exact in a double and
// printed back by "%.16G" as the same text.
bool numeric_id(const std::string& id, double& value) {
  const std::size_t n = id.size();
  if (n == 0 || n > 15) return false;
  if (id[0] == '0' && n > 1) return false;
  std::uint64_t v = 0;
  for (char c : id) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  value = static_cast<double>(v);
  return true;
}

// True when libxlsxwriter's "%.16G" prints `v` so that it reads back exactly.
bool number_round_trips(double v) {
  char buf[48];
  const auto w = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 16);
  if (w.ec != std::errc()) return false;
  double back = 0;
  const auto r = std::from_chars(buf, w.ptr, back);
  return r.ec == std::errc() && back == v;
}

// Writes the cells of one sheet, one row at a time, in order.
class SheetWriter {
 public:
  SheetWriter(lxw_worksheet* ws, lxw_format* date_fmt, Sheet sheet, std::uint64_t seed)
      : ws_(ws),
        date_fmt_(date_fmt),
        sheet_(sheet),
        sheet_key_(mix64(seed ^ mix64(static_cast<std::uint64_t>(sheet) + 1))) {}

  // Starts the output row `row` (0-based, 0 = header) whose choices are keyed
  // by `key_index` (the clean row index; a duplicate passes its source).
  void begin_row(std::size_t row, std::size_t key_index) {
    row_ = row;
    row_key_ = mix64(sheet_key_ ^ static_cast<std::uint64_t>(key_index));
  }

  void text(lxw_col_t col, const std::string& s) { put_string(col, s.c_str()); }

  void id(lxw_col_t col, const std::string& s) {
    double v = 0;
    if (numeric(col) && numeric_id(s, v)) {
      put_number(col, v, nullptr);
    } else {
      put_string(col, s.c_str());
    }
  }
  void id(lxw_col_t col, const std::optional<std::string>& s) {
    if (s) {
      id(col, *s);
    } else {
      null(col);
    }
  }

  void integer(lxw_col_t col, long long v) {
    if (numeric(col)) {
      put_number(col, static_cast<double>(v), nullptr);
    } else {
      const auto r = std::to_chars(buf_, buf_ + sizeof buf_ - 1, v);
      *r.ptr = '\0';
      put_string(col, buf_);
    }
  }
  void integer(lxw_col_t col, const std::optional<int>& v) {
    if (v) {
      integer(col, *v);
    } else {
      null(col);
    }
  }
  void flag(lxw_col_t col, bool b) { integer(col, b ? 1 : 0); }

  void real(lxw_col_t col, double v) {
    if (!std::isfinite(v)) {
      throw_invalid("non-finite number in sheet " + sheet_name(sheet_) + " row " +
                    std::to_string(row_ + 1) + " column " + std::to_string(col + 1));
    }
    if (numeric(col) && number_round_trips(v)) {
      put_number(col, v, nullptr);
    } else {
      const auto r = std::to_chars(buf_, buf_ + sizeof buf_ - 1, v);
      *r.ptr = '\0';
      put_string(col, buf_);
    }
  }
  void real(lxw_col_t col, const std::optional<double>& v) {
    if (v) {
      real(col, *v);
    } else {
      null(col);
    }
  }

  void time(lxw_col_t col, model::Time t) {
    if (cell_hash(col) % 100 < kSerialShare && t >= kExcel1900March1) {
      const auto serial = unix_to_excel_serial(t);
      if (serial && serial_round_trips(*serial, t)) {
        put_number(col, *serial, date_fmt_);
        return;
      }
    }
    if (format_datetime(t, buf_) != kDateTimeTextLength) {
      throw_invalid("date-time out of Excel's range (years 0..9999) in sheet " +
                    sheet_name(sheet_) + " row " + std::to_string(row_ + 1) + " column " +
                    std::to_string(col + 1) + ": " + std::to_string(t) + " s");
    }
    buf_[kDateTimeTextLength] = '\0';
    put_string(col, buf_);
  }
  void time(lxw_col_t col, const model::OptTime& t) {
    if (t) {
      time(col, *t);
    } else {
      null(col);
    }
  }

  void null(lxw_col_t col) {
    if ((cell_hash(col) >> 32) % 100 >= kNullEmptyShare) put_string(col, "NULL");
  }

  // An invalid row's cell: always text, "" = empty cell.
  void raw(lxw_col_t col, const std::string& s) {
    if (!s.empty()) put_string(col, s.c_str());
  }

  void header(lxw_col_t col, std::string_view h) {
    std::string s(h);
    put_string(col, s.c_str());
  }

 private:
  std::uint64_t cell_hash(lxw_col_t col) const {
    return mix64(row_key_ + 0x632be59bd9b4e019ULL * (static_cast<std::uint64_t>(col) + 1));
  }
  bool numeric(lxw_col_t col) const { return cell_hash(col) % 100 < kNumberShare; }

  void put_number(lxw_col_t col, double v, lxw_format* fmt) {
    const lxw_error err =
        worksheet_write_number(ws_, static_cast<lxw_row_t>(row_), col, v, fmt);
    if (err != LXW_NO_ERROR) throw_lxw(err, sheet_, row_, col);
  }
  void put_string(lxw_col_t col, const char* s) {
    if (*s == '\0') return;  // empty cell
    const lxw_error err = worksheet_write_string(ws_, static_cast<lxw_row_t>(row_), col, s, nullptr);
    if (err != LXW_NO_ERROR) throw_lxw(err, sheet_, row_, col);
  }

  lxw_worksheet* ws_;
  lxw_format* date_fmt_;
  Sheet sheet_;
  std::uint64_t sheet_key_;
  std::uint64_t row_key_ = 0;
  std::size_t row_ = 0;
  char buf_[64] = {};
};

// ---- per-sheet rendering: one function per clean row type -------------------

void render(SheetWriter& w, const model::ProductionOrder& o) {
  w.id(0, o.order_id);
  w.time(1, o.created_at);
  w.time(2, o.finished_at);
  w.id(3, o.product_id);
  w.id(4, o.current_work_center_id);
  w.time(5, o.due_at);
}

void render(SheetWriter& w, const model::Operation& o) {
  w.id(0, o.operation_id);
  w.id(1, o.order_id);
  w.time(2, o.started_at);
  w.time(3, o.ended_at);
  w.time(4, o.planned_at);
  w.real(5, o.coefficient);
  w.real(6, o.coefficient_x);
  w.id(7, o.work_center_id);
  w.real(8, o.weight_kg);
  w.flag(9, o.is_rework);
  w.integer(10, o.shift);
  w.integer(11, o.sequence);
}

void render(SheetWriter& w, const model::OperationAssignment& a) {
  w.id(0, a.operation_id);
  w.id(1, a.employee_id);
  w.flag(2, a.is_lead);
}

void render(SheetWriter& w, const model::Defect& d) {
  w.text(0, d.description);
  w.id(1, d.order_id);
  w.id(2, d.evaluation_work_center_id);
  w.integer(3, d.severity);
  w.id(4, d.evaluation_operation_id);
  w.id(5, d.culprit_operation_id);
}

void render(SheetWriter& w, const model::Employee& e) {
  w.id(0, e.employee_id);
  w.text(1, e.name);
  w.flag(2, e.active);
}

void render(SheetWriter& w, const model::EmployeeSkill& s) {
  w.id(0, s.employee_id);
  w.id(1, s.work_center_id);
  w.time(2, s.qualified_since);
}

void render(SheetWriter& w, const model::WorkCenter& c) {
  w.id(0, c.work_center_id);
  w.text(1, c.name);
  w.integer(2, c.sequence);
  w.flag(3, c.is_production);
  w.flag(4, c.is_automatic);
}

void render(SheetWriter& w, const model::Product& p) {
  w.id(0, p.product_id);
  w.text(1, p.name);
  w.real(2, p.demould_weight_kg);
  w.real(3, p.finish_weight_kg);
  w.real(4, p.gel_deck_kg);
  w.real(5, p.gel_hull_kg);
}

void render(SheetWriter& w, const model::RoutingStep& r) {
  w.id(0, r.product_id);
  w.id(1, r.work_center_id);
  w.integer(2, r.sequence);
  w.real(3, r.coefficient);
  w.real(4, r.coefficient_x);
}

// Columns each render() writes, per Sheet; checked against the headers.
constexpr std::array<std::size_t, model::kSheetCount> kRenderedColumns = {6, 12, 3, 6, 3,
                                                                          3, 5,  6, 5};

std::size_t clean_count(const model::Factory& f, Sheet s) {
  switch (s) {
    case Sheet::Orders: return f.orders.size();
    case Sheet::Operations: return f.operations.size();
    case Sheet::Assignments: return f.assignments.size();
    case Sheet::Defects: return f.defects.size();
    case Sheet::Employees: return f.employees.size();
    case Sheet::Skills: return f.skills.size();
    case Sheet::WorkCenters: return f.work_centers.size();
    case Sheet::Products: return f.products.size();
    case Sheet::RoutingSteps: return f.routing_steps.size();
  }
  throw Error(ErrorKind::Internal, "unknown sheet");
}

// The planted rows of one sheet, stably ordered by after_index.
struct Extras {
  std::vector<const model::DuplicateRow*> dups;
  std::vector<const model::InvalidRow*> invalid;
};

std::array<Extras, model::kSheetCount> collect_extras(const model::Factory& f) {
  std::array<Extras, model::kSheetCount> ex;
  for (const auto& d : f.duplicates) {
    const auto s = static_cast<std::size_t>(d.sheet);
    if (s >= model::kSheetCount) throw_invalid("duplicate row with an unknown sheet");
    const std::size_t n = clean_count(f, d.sheet);
    if (d.source_index >= n || d.after_index >= n) {
      throw_invalid("duplicate row of sheet " + sheet_name(d.sheet) + " out of range: source " +
                    std::to_string(d.source_index) + ", after " + std::to_string(d.after_index) +
                    ", clean rows " + std::to_string(n));
    }
    ex[s].dups.push_back(&d);
  }
  for (const auto& r : f.invalid_rows) {
    const auto s = static_cast<std::size_t>(r.sheet);
    if (s >= model::kSheetCount) throw_invalid("invalid row with an unknown sheet");
    const std::size_t n = clean_count(f, r.sheet);
    if (r.after_index >= n) {
      throw_invalid("invalid row of sheet " + sheet_name(r.sheet) + " out of range: after " +
                    std::to_string(r.after_index) + ", clean rows " + std::to_string(n));
    }
    if (r.cells.size() > model::sheet_format(r.sheet).headers.size()) {
      throw_invalid("invalid row of sheet " + sheet_name(r.sheet) + " has " +
                    std::to_string(r.cells.size()) + " cells, more than its columns");
    }
    ex[s].invalid.push_back(&r);
  }
  for (auto& e : ex) {
    std::stable_sort(e.dups.begin(), e.dups.end(),
                     [](auto* a, auto* b) { return a->after_index < b->after_index; });
    std::stable_sort(e.invalid.begin(), e.invalid.end(),
                     [](auto* a, auto* b) { return a->after_index < b->after_index; });
  }
  return ex;
}

template <class Row>
std::size_t write_sheet(lxw_workbook* wb, lxw_format* date_fmt, Sheet sheet,
                        const std::vector<Row>& rows, const Extras& ex, std::uint64_t seed,
                        const CancelToken& cancel) {
  const model::SheetFormat& fmt = model::sheet_format(sheet);
  const std::string name(fmt.name);
  lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
  if (ws == nullptr) {
    throw Error(ErrorKind::InvalidParameter,
                "libxlsxwriter could not add worksheet " + name +
                    " (in constant-memory mode: is the temporary directory writable?)");
  }
  SheetWriter w(ws, date_fmt, sheet, seed);
  w.begin_row(0, 0);
  for (std::size_t c = 0; c < fmt.headers.size(); ++c) {
    w.header(static_cast<lxw_col_t>(c), fmt.headers[c]);
  }

  std::size_t out = 1;  // next output row (0-based; row 0 = headers)
  auto dup = ex.dups.begin();
  auto inv = ex.invalid.begin();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i % kPollEvery == 0) cancel.poll();
    w.begin_row(out++, i);
    render(w, rows[i]);
    for (; dup != ex.dups.end() && (*dup)->after_index == i; ++dup) {
      w.begin_row(out++, (*dup)->source_index);
      render(w, rows[(*dup)->source_index]);
    }
    for (; inv != ex.invalid.end() && (*inv)->after_index == i; ++inv) {
      w.begin_row(out++, i);
      const auto& cells = (*inv)->cells;
      for (std::size_t c = 0; c < cells.size(); ++c) w.raw(static_cast<lxw_col_t>(c), cells[c]);
    }
  }
  return out - 1;
}

}  // namespace

WorkbookWriteStats write_reference_workbook(const model::Factory& f, const std::string& path,
                                            const WorkbookWriteOptions& opt,
                                            const CancelToken& cancel) {
  if (path.empty()) throw_invalid("workbook path is empty");

  // Validate everything that can be checked before any output exists.
  const auto& sheets = model::reference_sheets();
  if (sheets.size() != model::kSheetCount) {
    throw Error(ErrorKind::Internal, "reference_sheets() does not list 9 sheets");
  }
  for (std::size_t s = 0; s < sheets.size(); ++s) {
    if (static_cast<std::size_t>(sheets[s].sheet) != s ||
        sheets[s].headers.size() != kRenderedColumns[s]) {
      throw Error(ErrorKind::Internal, "workbook writer out of step with reference_sheets() at " +
                                           std::string(sheets[s].name));
    }
  }
  const auto extras = collect_extras(f);
  for (std::size_t s = 0; s < model::kSheetCount; ++s) {
    const auto sheet = static_cast<Sheet>(s);
    const std::size_t n = clean_count(f, sheet) + extras[s].dups.size() + extras[s].invalid.size();
    if (n > kMaxDataRows) {
      throw Error(ErrorKind::ProgramLimit,
                  "sheet " + sheet_name(sheet) + " would have " + std::to_string(n) +
                      " data rows; an .xlsx sheet holds at most " + std::to_string(kMaxDataRows));
    }
  }

  std::string tmpdir = opt.tmpdir;
  lxw_workbook_options lxo{};
  lxo.constant_memory = LXW_TRUE;
  lxo.tmpdir = tmpdir.empty() ? nullptr : tmpdir.data();
  lxo.use_zip64 = LXW_FALSE;
  WorkbookPtr wb(workbook_new_opt(path.c_str(), &lxo));
  if (!wb) {
    throw Error(ErrorKind::Internal, "libxlsxwriter could not create a workbook for " + path);
  }

  lxw_doc_properties props{};
  props.created = static_cast<time_t>(f.export_at != 0 ? f.export_at : kDefaultCreated);
  if (lxw_error err = workbook_set_properties(wb.get(), &props); err != LXW_NO_ERROR) {
    throw Error(ErrorKind::Internal,
                "libxlsxwriter error \"" + std::string(lxw_strerror(err)) + "\" setting properties");
  }

  lxw_format* date_fmt = workbook_add_format(wb.get());
  if (date_fmt == nullptr) throw Error(ErrorKind::Internal, "libxlsxwriter could not add a format");
  format_set_num_format(date_fmt, kDateFormat);

  WorkbookWriteStats stats;
  const std::uint64_t seed = opt.seed;
  auto put = [&](Sheet s, const auto& rows) {
    const auto i = static_cast<std::size_t>(s);
    stats.rows[i] = write_sheet(wb.get(), date_fmt, s, rows, extras[i], seed, cancel);
  };
  // The order of reference_sheets() (checked above to be the Sheet order).
  put(Sheet::Orders, f.orders);
  put(Sheet::Operations, f.operations);
  put(Sheet::Assignments, f.assignments);
  put(Sheet::Defects, f.defects);
  put(Sheet::Employees, f.employees);
  put(Sheet::Skills, f.skills);
  put(Sheet::WorkCenters, f.work_centers);
  put(Sheet::Products, f.products);
  put(Sheet::RoutingSteps, f.routing_steps);
  cancel.poll();

  // workbook_close writes the file and frees the workbook, also on error.
  const lxw_error err = workbook_close(wb.release());
  if (err != LXW_NO_ERROR) {
    std::remove(path.c_str());
    throw Error(kind_of(err), "libxlsxwriter error \"" + std::string(lxw_strerror(err)) +
                                         "\" writing workbook " + path);
  }
  return stats;
}

}  // namespace pp::xlsx
