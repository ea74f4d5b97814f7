// The libxlsxwriter workbook behind one report: creation, the shared cell
// formats, validated sheet names, and an all-or-nothing close.
//
// All-or-nothing: libxlsxwriter writes into a fresh temporary file next to
// the target (mkstemp "<path>.XXXXXX", so mode 0600), which is renamed over
// `path` only once it is complete. Any failure before that (bad input, a
// libxlsxwriter error, pp::Cancelled) frees the workbook and removes the
// temporary file: `path` itself is never touched unless the report is
// complete (a pre-existing file there is replaced atomically on success and
// kept on failure).
//
// Modes: ConstantMemory flushes each row to a temporary file in
// ReportOptions::tmpdir once the next row is started (rows must be written in
// order; Excel tables are not supported by libxlsxwriter 1.1.4 in this mode:
// worksheet_add_table returns LXW_ERROR_FEATURE_NOT_SUPPORTED). InMemory
// keeps the whole workbook in memory until close (any order; tables work).
//
// Determinism: libxlsxwriter stamps every zip entry 1980-01-01 and the
// document with ReportOptions::created_at, so equal input gives equal bytes.
// Numbers are printed by libxlsxwriter with "%.16G" under LC_NUMERIC, which
// must be "C" (it is in a PostgreSQL backend and by default in a program).
#pragma once
#include "core/common/core_only.h"
#include "core/common/errors.h"
#include "core/report/report_data.h"
#include "core/report/report_options.h"

#include <xlsxwriter.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pp::report::detail {

enum class WorkbookMode { ConstantMemory, InMemory };

// Throws pp::Error(InvalidParameter) unless `name` is a valid Excel sheet
// name: 1..31 UTF-16 code units, none of []:*?/\, not starting or ending with
// an apostrophe, not "History" (reserved by Excel). `what` names the sheet's
// role in the message.
void validate_sheet_name(std::string_view name, std::string_view what = "sheet");

// The cell formats every report uses (owned by the workbook).
struct Formats {
  lxw_format* header = nullptr;        // bold on a light fill, bottom border
  lxw_format* label = nullptr;         // bold: fact labels, "Total"
  lxw_format* total_number = nullptr;  // bold, format 0: totals
  lxw_format* integer = nullptr;       // 0
  lxw_format* number = nullptr;        // #,##0.00
  lxw_format* hours = nullptr;         // #,##0.0
  lxw_format* percent = nullptr;       // 0.0%
  lxw_format* date_time = nullptr;     // yyyy-mm-dd hh:mm
  lxw_format* date = nullptr;          // yyyy-mm-dd
  // The data format of a column kind (nullptr: General, for Text and Bool).
  lxw_format* of(Kind k) const;
};

class ReportWorkbook {
 public:
  // `report` names the report in error messages ("plan report").
  ReportWorkbook(const std::string& path, const ReportOptions& options, WorkbookMode mode,
                 std::string report);
  ~ReportWorkbook();  // not closed: nothing is written, the temporary file is removed
  ReportWorkbook(const ReportWorkbook&) = delete;
  ReportWorkbook& operator=(const ReportWorkbook&) = delete;

  lxw_workbook* get() const { return wb_; }
  bool constant_memory() const { return mode_ == WorkbookMode::ConstantMemory; }
  const std::string& report() const { return report_; }
  const Formats& formats() const { return formats_; }

  // A new worksheet (validated name, unique ignoring ASCII case). Throws.
  lxw_worksheet* add_sheet(const std::string& name);
  // A new format owned by the workbook. Throws if libxlsxwriter cannot.
  lxw_format* add_format();
  // A new chart of LXW_CHART_* type, owned by the workbook. Throws.
  lxw_chart* add_chart(std::uint8_t type);

  // Writes the file: libxlsxwriter closes the workbook into the temporary
  // file, `post` (if any) may rewrite that file (report_chart_patch.h), then
  // it is renamed to the target path. Throws pp::Error on failure, leaving no
  // file behind. Call once.
  void close(const std::function<void(const std::string& written)>& post = {});

  // Throws pp::Error for a libxlsxwriter error, naming the report and `where`.
  void check(lxw_error err, const std::string& where) const;

 private:
  std::string path_, temp_, tmpdir_, report_;
  WorkbookMode mode_;
  lxw_workbook* wb_ = nullptr;
  Formats formats_;
  std::vector<std::string> sheet_names_;
  bool done_ = false;
};

// The ErrorKind of a libxlsxwriter error: file and size problems are the
// caller's (path, tmpdir, disk); the rest would be a bug here.
ErrorKind lxw_error_kind(lxw_error err);

}  // namespace pp::report::detail
