#include "core/report/report_workbook.h"

#include "core/report/report_cells.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace pp::report::detail {

namespace {

constexpr double kDefaultCreated = 946684800;     // 2000-01-01 00:00:00 UTC
constexpr double kLastCreated = 253402300799;     // 9999-12-31 23:59:59 UTC
constexpr lxw_color_t kHeaderFill = 0xDDEBF7;     // light blue

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

ErrorKind lxw_error_kind(lxw_error err) {
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

void validate_sheet_name(std::string_view name, std::string_view what) {
  const std::string quoted = "\"" + std::string(name) + "\"";
  const std::string role(what);
  if (name.empty()) throw_invalid(role + " name is empty");
  if (utf16_length(name) > 31) {
    throw_invalid(role + " name " + quoted + " is longer than Excel's 31 characters");
  }
  for (char c : name) {
    if (std::strchr("[]:*?/\\", c) != nullptr) {
      throw_invalid(role + " name " + quoted + " contains '" + std::string(1, c) +
                    "' (Excel forbids []:*?/\\ in sheet names)");
    }
  }
  if (name.front() == '\'' || name.back() == '\'') {
    throw_invalid(role + " name " + quoted + " starts or ends with an apostrophe");
  }
  if (ascii_lower(name) == "history") {
    throw_invalid(role + " name " + quoted + " is reserved by Excel");
  }
}

lxw_format* Formats::of(Kind k) const {
  switch (k) {
    case Kind::Integer: return integer;
    case Kind::Number: return number;
    case Kind::Hours: return hours;
    case Kind::Percent: return percent;
    case Kind::DateTime: return date_time;
    case Kind::Date: return date;
    case Kind::Text:
    case Kind::Bool: return nullptr;
  }
  return nullptr;
}

ReportWorkbook::ReportWorkbook(const std::string& path, const ReportOptions& options,
                               WorkbookMode mode, std::string report)
    : path_(path), tmpdir_(options.tmpdir), report_(std::move(report)), mode_(mode) {
  if (path.empty()) throw_invalid(report_ + ": the output path is empty");
  const double created = options.created_at == 0 ? kDefaultCreated : options.created_at;
  if (!std::isfinite(created) || created < 0 || created > kLastCreated) {
    throw_invalid(report_ + ": created_at " + number_text(options.created_at) +
                  " is not a Unix time in 1970..9999");
  }

  // The temporary file is created here (O_EXCL, so never someone else's file
  // or a planted link); libxlsxwriter reopens it for writing at close.
  std::string templ = path + ".XXXXXX";
  const int fd = ::mkstemp(templ.data());
  if (fd < 0) {
    throw_invalid(report_ + ": cannot create a file next to " + path + ": " +
                  std::strerror(errno));
  }
  ::close(fd);
  temp_ = templ;

  lxw_workbook_options lxo{};
  lxo.constant_memory = mode == WorkbookMode::ConstantMemory ? LXW_TRUE : LXW_FALSE;
  lxo.tmpdir = tmpdir_.empty() ? nullptr : tmpdir_.data();
  lxo.use_zip64 = LXW_FALSE;
  wb_ = workbook_new_opt(temp_.c_str(), &lxo);
  if (wb_ == nullptr) {
    std::remove(temp_.c_str());
    throw Error(ErrorKind::Internal, report_ + ": libxlsxwriter could not create a workbook");
  }
  try {
    lxw_doc_properties props{};
    props.created = static_cast<time_t>(std::floor(created));
    check(workbook_set_properties(wb_, &props), "setting the document properties");

    auto numbered = [&](const char* code) {
      lxw_format* f = add_format();
      format_set_num_format(f, code);
      return f;
    };
    formats_.header = add_format();
    format_set_bold(formats_.header);
    format_set_bg_color(formats_.header, kHeaderFill);
    format_set_bottom(formats_.header, LXW_BORDER_THIN);
    format_set_align(formats_.header, LXW_ALIGN_VERTICAL_TOP);
    formats_.label = add_format();
    format_set_bold(formats_.label);
    formats_.total_number = numbered("0");
    format_set_bold(formats_.total_number);
    formats_.integer = numbered("0");
    formats_.number = numbered("#,##0.00");
    formats_.hours = numbered("#,##0.0");
    formats_.percent = numbered("0.0%");
    formats_.date_time = numbered("yyyy-mm-dd hh:mm");
    formats_.date = numbered("yyyy-mm-dd");
  } catch (...) {
    lxw_workbook_free(wb_);
    wb_ = nullptr;
    std::remove(temp_.c_str());
    throw;
  }
}

ReportWorkbook::~ReportWorkbook() {
  if (done_) return;
  if (wb_ != nullptr) lxw_workbook_free(wb_);
  std::remove(temp_.c_str());
}

void ReportWorkbook::check(lxw_error err, const std::string& where) const {
  if (err == LXW_NO_ERROR) return;
  throw Error(lxw_error_kind(err), report_ + ": libxlsxwriter error \"" +
                                       std::string(lxw_strerror(err)) + "\" " + where);
}

lxw_worksheet* ReportWorkbook::add_sheet(const std::string& name) {
  validate_sheet_name(name, report_ + ": sheet");
  const std::string key = ascii_lower(name);
  for (const auto& n : sheet_names_) {
    if (n == key) throw_invalid(report_ + ": two sheets are named \"" + name + "\"");
  }
  lxw_worksheet* ws = workbook_add_worksheet(wb_, name.c_str());
  if (ws == nullptr) {
    throw Error(constant_memory() ? ErrorKind::InvalidParameter : ErrorKind::Internal,
                report_ + ": libxlsxwriter could not add sheet \"" + name + "\"" +
                    (constant_memory() ? " (is the temporary directory writable?)" : ""));
  }
  sheet_names_.push_back(key);
  return ws;
}

lxw_format* ReportWorkbook::add_format() {
  lxw_format* f = workbook_add_format(wb_);
  if (f == nullptr) throw Error(ErrorKind::Internal, report_ + ": libxlsxwriter could not add a format");
  return f;
}

lxw_chart* ReportWorkbook::add_chart(std::uint8_t type) {
  lxw_chart* c = workbook_add_chart(wb_, type);
  if (c == nullptr) throw Error(ErrorKind::Internal, report_ + ": libxlsxwriter could not add a chart");
  return c;
}

void ReportWorkbook::close(const std::function<void(const std::string&)>& post) {
  if (done_ || wb_ == nullptr) throw Error(ErrorKind::Internal, report_ + ": workbook closed twice");
  // workbook_close frees the workbook, also on error.
  lxw_workbook* wb = wb_;
  wb_ = nullptr;
  const lxw_error err = workbook_close(wb);
  if (err != LXW_NO_ERROR) {
    throw Error(lxw_error_kind(err), report_ + ": libxlsxwriter error \"" +
                                         std::string(lxw_strerror(err)) + "\" writing " + path_);
  }
  if (post) post(temp_);
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
    throw_invalid(report_ + ": cannot move the finished report to " + path_ + ": " +
                  std::strerror(errno));
  }
  done_ = true;
}

}  // namespace pp::report::detail
