#include "core/xlsx/sheet_handler.h"

#include "core/common/errors.h"
#include "core/xlsx/excel_dates.h"
#include "core/xlsx/ooxml_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <optional>

namespace pp::xlsx {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Digits only, no sign; false on anything else or overflow of uint64.
bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::string with_thousands(std::uint64_t v) {
  const std::string digits = std::to_string(v);
  std::string s;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s.push_back(',');
    s.push_back(digits[i]);
  }
  return s;
}

// "YYYY-MM-DD", "YYYY-MM-DD[T ]HH:MM:SS" with an optional fraction and 'Z'.
std::optional<UnixTime> parse_iso_datetime(std::string_view s) {
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.remove_suffix(1);
  int round_up = 0;
  if (s.size() > 19 && s[19] == '.') {
    for (std::size_t i = 20; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
    }
    round_up = s.size() > 20 && s[20] >= '5' ? 1 : 0;
    s = s.substr(0, 19);
  }
  auto t = parse_datetime(s);
  if (t) *t += round_up;
  return t;
}

}  // namespace

SheetHandler::SheetHandler(const SheetContext& ctx, SheetStats& stats,
                           const std::function<void(const Row&)>& on_row, const CancelToken& cancel)
    : ctx_(ctx),
      limits_(ctx.limits),
      stats_(stats),
      on_row_(&on_row),
      cancel_(&cancel),
      sheet_label_("sheet '" + ctx.sheet_name + "'") {
  val_.reserve(64);
  arena_.reserve(4096);
}

SheetHandler::SheetHandler(const SheetContext& ctx, RowBatch& batch)
    : ctx_(ctx),
      limits_(ctx.limits),
      stats_(batch.stats),
      batch_(&batch),
      sheet_label_("sheet '" + ctx.sheet_name + "'"),
      row_known_(false) {
  val_.reserve(64);
  arena_.reserve(4096);
}

void SheetHandler::attach_to(XmlStream& xml) { xml.attach(*this); }

// ---- events -----------------------------------------------------------------------

void SheetHandler::on_start(const char* name, const char** atts) {
  const char* n = local_name(name);
  switch (n[0]) {
    case 'c':
      if (n[1] == '\0') start_cell(atts);
      break;
    case 'v':
      if (n[1] == '\0' && in_cell_ && !in_is_) {
        collect_ = Collect::Value;
        has_v_ = true;
        val_.clear();
      }
      break;
    case 'r':
      if (std::strcmp(n, "row") == 0) {
        start_row(atts);
      } else if (std::strcmp(n, "rPh") == 0) {
        ++rph_depth_;
      }
      break;
    case 't':
      if (n[1] == '\0' && in_is_ && rph_depth_ == 0) collect_ = Collect::Inline;
      break;
    case 'i':
      if (n[1] == 's' && n[2] == '\0' && in_cell_) {
        in_is_ = true;
        has_is_ = true;
        is_start_ = arena_.size();
      }
      break;
    case 'd':
      if (std::strcmp(n, "dimension") == 0) dimension(atts);
      break;
    default:
      break;
  }
}

void SheetHandler::on_end(const char* name) {
  const char* n = local_name(name);
  switch (n[0]) {
    case 'c':
      if (n[1] == '\0' && in_cell_) {
        finish_cell();
        in_cell_ = false;
        collect_ = Collect::None;
      }
      break;
    case 'v':
      if (n[1] == '\0' && collect_ == Collect::Value) collect_ = Collect::None;
      break;
    case 't':
      if (n[1] == '\0' && collect_ == Collect::Inline) collect_ = Collect::None;
      break;
    case 'i':
      if (n[1] == 's' && n[2] == '\0') in_is_ = false;
      break;
    case 'r':
      if (std::strcmp(n, "row") == 0) {
        if (in_row_) finish_row();
      } else if (std::strcmp(n, "rPh") == 0) {
        if (rph_depth_ > 0) --rph_depth_;
      }
      break;
    default:
      break;
  }
}

void SheetHandler::on_text(const char* s, int len) {
  if (collect_ == Collect::None) return;
  if (collect_ == Collect::Value) {
    val_.append(s, static_cast<std::size_t>(len));
  } else {
    arena_.append(s, static_cast<std::size_t>(len));
  }
  check_row_bytes();
}

std::string SheetHandler::where() const {
  if (row_ == 0 || !row_known_) return {};
  return " (near row " + std::to_string(row_) + ")";
}

// ---- rows ---------------------------------------------------------------------------

void SheetHandler::start_row(const char** atts) {
  std::uint64_t r = static_cast<std::uint64_t>(prev_row_) + 1;
  if (const char* ra = find_attribute(atts, "r")) {
    const std::string_view t = trimmed(ra);
    if (!parse_u64(t, r) || r == 0) {
      throw_bad_data(sheet_label_ + ": invalid row number '" + std::string(ra) + "'" + after_row());
    }
    row_known_ = true;
  } else if (!row_known_) {
    throw NeedSequential();
  }
  check_row_number(r, nullptr);
  row_ = static_cast<std::uint32_t>(r);
  in_row_ = true;
  next_col_ = 0;
  cells_.clear();
  arena_.clear();
  fixups_.clear();
}

void SheetHandler::finish_row() {
  in_row_ = false;
  prev_row_ = row_;
  if (batch_ != nullptr) batch_->last_row_seen = row_;
  if (cancel_ != nullptr && ++rows_seen_ % 4096 == 0) cancel_->poll();
  if (cells_.empty()) return;
  // Texts copied into the row arena get their views now that it no longer
  // moves; a later value of the same column wins (reverse order, first fill).
  for (auto it = fixups_.rbegin(); it != fixups_.rend(); ++it) {
    CellValue& c = cells_[it->column];
    if ((c.kind == CellValue::Kind::Text || c.kind == CellValue::Kind::Error) &&
        c.text.data() == nullptr) {
      c.text = std::string_view(arena_.data() + it->offset, it->length);
    }
  }
  std::uint64_t n = 0;
  for (const CellValue& c : cells_) n += c.kind != CellValue::Kind::Empty;
  stats_.rows++;
  stats_.cells += n;
  stats_.last_row = row_;
  stats_.columns = std::max<std::uint32_t>(stats_.columns, static_cast<std::uint32_t>(cells_.size()));
  if (batch_ != nullptr) {
    append_to_batch();
  } else {
    (*on_row_)(Row{row_, cells_});
  }
}

void SheetHandler::append_to_batch() {
  RowBatch& b = *batch_;
  RowBatch::RowRec rec{row_, static_cast<std::uint32_t>(cells_.size()), b.cells.size(), 0};
  for (std::uint32_t c = 0; c < cells_.size(); ++c) {
    const CellValue& v = cells_[c];
    if (v.kind == CellValue::Kind::Empty) continue;
    RowBatch::CellRec cr{c, false, 0, 0, v};
    const std::less_equal<const char*> le;
    if ((v.kind == CellValue::Kind::Text || v.kind == CellValue::Kind::Error) &&
        le(arena_.data(), v.text.data()) && le(v.text.data(), arena_.data() + arena_.size())) {
      cr.text_in_batch = true;
      cr.text_offset = b.text.size();
      cr.text_length = v.text.size();
      b.text.append(v.text);
      cr.value.text = std::string_view();
    }
    b.cells.push_back(cr);
    ++rec.cell_count;
  }
  b.rows.push_back(rec);
}

// ---- cells ----------------------------------------------------------------------------

void SheetHandler::start_cell(const char** atts) {
  if (!in_row_) return;  // a cell outside <row>: malformed, ignored
  const char* ref = nullptr;
  const char* type = nullptr;
  const char* style = nullptr;
  for (const char** a = atts; a[0] != nullptr; a += 2) {
    const char* k = a[0];
    if (k[0] != '\0' && k[1] == '\0') {
      switch (k[0]) {
        case 'r': ref = a[1]; break;
        case 't': type = a[1]; break;
        case 's': style = a[1]; break;
        default: break;
      }
    }
  }
  col_ = ref != nullptr ? parse_ref(ref) : next_col_;
  if (col_ >= kExcelMaxColumns) {
    throw_bad_data(sheet_label_ + ": cell " + cell_label() +
                   " is beyond Excel's last column XFD (16,384 columns)");
  }
  if (col_ >= limits_.max_columns) {
    throw_reader_limit(sheet_label_ + ": cell " + cell_label() + " (column " +
                           std::to_string(col_ + 1) + ")",
                       "max_columns", limits_.max_columns);
  }
  next_col_ = col_ + 1;
  type_ = type != nullptr ? parse_type(type) : CellType::Number;
  style_ = 0;
  if (style != nullptr) {
    std::uint64_t s = 0;
    if (parse_u64(style, s) && s <= 0xFFFFFFFFu) style_ = static_cast<std::uint32_t>(s);
  }
  in_cell_ = true;
  in_is_ = false;
  has_v_ = false;
  has_is_ = false;
  rph_depth_ = 0;
  collect_ = Collect::None;
}

// "B7" -> column 1; validates the row digits if any. Letters only ("B") is
// accepted too.
std::uint32_t SheetHandler::parse_ref(const char* ref) {
  const char* p = ref;
  std::uint64_t col = 0;
  int letters = 0;
  for (;; ++p) {
    char ch = *p;
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    if (ch < 'A' || ch > 'Z') break;
    if (++letters <= 7) col = col * 26 + static_cast<std::uint64_t>(ch - 'A' + 1);
  }
  std::uint64_t row = 0;
  int digits = 0;
  for (; *p >= '0' && *p <= '9'; ++p) {
    if (++digits <= 12) row = row * 10 + static_cast<std::uint64_t>(*p - '0');
  }
  if (letters == 0 || *p != '\0' || (digits > 0 && row == 0)) {
    throw_bad_data(sheet_label_ + ": invalid cell reference '" + std::string(ref) + "'" + after_row());
  }
  if (letters > 3 || col > kExcelMaxColumns) {
    throw_bad_data(sheet_label_ + ": cell " + std::string(ref) +
                   " is beyond Excel's last column XFD (16,384 columns)");
  }
  if (digits > 0) check_row_number(digits > 12 ? ~0ull : row, ref);
  return static_cast<std::uint32_t>(col - 1);
}

// ref: the cell reference that holds the row number, or nullptr for <row r=>.
void SheetHandler::check_row_number(std::uint64_t r, const char* ref) const {
  if (r <= kExcelMaxRows && r <= limits_.max_rows) return;
  const std::string what = ref != nullptr ? "cell " + std::string(ref) : "row " + std::to_string(r);
  if (r > kExcelMaxRows) {
    throw_bad_data(sheet_label_ + ": " + what + " is beyond Excel's last row (1,048,576)");
  }
  if (r > limits_.max_rows) {
    throw_reader_limit(sheet_label_ + ": " + what, "max_rows", limits_.max_rows);
  }
}

SheetHandler::CellType SheetHandler::parse_type(const char* t) const {
  switch (t[0]) {
    case 's':
      if (t[1] == '\0') return CellType::Shared;
      if (std::strcmp(t, "str") == 0) return CellType::FormulaString;
      break;
    case 'n':
      if (t[1] == '\0') return CellType::Number;
      break;
    case 'i':
      if (std::strcmp(t, "inlineStr") == 0) return CellType::Inline;
      break;
    case 'b':
      if (t[1] == '\0') return CellType::Bool;
      break;
    case 'e':
      if (t[1] == '\0') return CellType::Error;
      break;
    case 'd':
      if (t[1] == '\0') return CellType::Date;
      break;
    default:
      break;
  }
  throw_bad_data(sheet_label_ + ": cell " + cell_label() + " has an unknown type t=\"" +
                 std::string(t) + "\"");
}

void SheetHandler::finish_cell() {
  CellValue v;
  switch (type_) {
    case CellType::Number: {
      const std::string_view s = trimmed(val_);
      if (!has_v_ || s.empty()) return;
      v.number = parse_number(s);
      v.kind = CellValue::Kind::Number;
      if (ctx_.styles != nullptr && ctx_.styles->kind(style_) == NumberFormatKind::DateTime) {
        if (auto t = excel_serial_to_unix(v.number, ctx_.date_system)) {
          v.kind = CellValue::Kind::DateTime;
          v.unix_seconds = *t;
        }
      }
      break;
    }
    case CellType::Shared: {
      const std::string_view s = trimmed(val_);
      if (!has_v_ || s.empty()) return;
      std::uint64_t i = 0;
      const std::size_t n = ctx_.shared_strings != nullptr ? ctx_.shared_strings->size() : 0;
      if (!parse_u64(s, i) || i >= n) {
        throw_bad_data(sheet_label_ + ": cell " + cell_label() + " refers to shared string '" +
                       std::string(s) + "', but the workbook has " + std::to_string(n) +
                       " shared strings");
      }
      v.kind = CellValue::Kind::Text;
      v.text = (*ctx_.shared_strings)[static_cast<std::size_t>(i)];
      if (v.text.data() == nullptr) v.text = std::string_view("", 0);
      break;
    }
    case CellType::Inline:
      if (has_is_) {
        decode_ooxml_escapes(arena_, is_start_);
        set_arena_text(v, CellValue::Kind::Text, is_start_);
        return;
      }
      if (!has_v_) return;
      copy_value_text(v, CellValue::Kind::Text, true);
      return;
    case CellType::FormulaString:
      if (!has_v_ || val_.empty()) return;
      copy_value_text(v, CellValue::Kind::Text, true);
      return;
    case CellType::Bool: {
      const std::string_view s = trimmed(val_);
      if (!has_v_ || s.empty()) return;
      if (s == "1" || s == "true" || s == "TRUE") {
        v.number = 1;
      } else if (s == "0" || s == "false" || s == "FALSE") {
        v.number = 0;
      } else {
        throw_bad_data(sheet_label_ + ": cell " + cell_label() + " holds an invalid boolean '" +
                       std::string(s) + "'");
      }
      v.kind = CellValue::Kind::Bool;
      break;
    }
    case CellType::Error: {
      const std::string_view s = trimmed(val_);
      if (!has_v_ || s.empty()) return;
      stats_.error_cells++;
      if (stats_.first_errors.size() < SheetStats::kMaxErrorSamples) {
        stats_.first_errors.push_back({row_, col_, std::string(s)});
      }
      val_.assign(s);
      copy_value_text(v, CellValue::Kind::Error, false);
      return;
    }
    case CellType::Date: {
      const std::string_view s = trimmed(val_);
      if (!has_v_ || s.empty()) return;
      if (auto t = parse_iso_datetime(s)) {
        v.kind = CellValue::Kind::DateTime;
        v.unix_seconds = *t;
        if (auto serial = unix_to_excel_serial(*t, ctx_.date_system)) v.number = *serial;
        break;
      }
      copy_value_text(v, CellValue::Kind::Text, false);
      return;
    }
  }
  place(v);
}

double SheetHandler::parse_number(std::string_view s) const {
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') ++b;
  // Fast path: up to 15 digits (ids, counts, flags) are exact as an integer.
  if (e - b <= 15 && b < e) {
    std::uint64_t v = 0;
    const char* p = b;
    while (p < e && static_cast<unsigned>(*p - '0') <= 9) v = v * 10 + static_cast<unsigned>(*p++ - '0');
    if (p == e) return static_cast<double>(v);
  }
  double d = 0;
  const auto r = std::from_chars(b, e, d);
  // from_chars also reads "inf" and "nan", which no cell holds.
  if (r.ec != std::errc() || r.ptr != e || !std::isfinite(d)) {
    throw_bad_data(sheet_label_ + ": cell " + cell_label() + " holds an invalid number '" +
                   std::string(s) + "'");
  }
  return d;
}

// Cell text held in the row arena from `offset` to its end.
void SheetHandler::set_arena_text(CellValue& v, CellValue::Kind kind, std::size_t offset) {
  v.kind = kind;
  v.text = std::string_view();  // null data: filled in at the end of the row
  fixups_.push_back({col_, offset, arena_.size() - offset});
  check_row_bytes();
  place(v);
}

void SheetHandler::copy_value_text(CellValue& v, CellValue::Kind kind, bool decode) {
  const std::size_t off = arena_.size();
  arena_.append(val_);
  if (decode) decode_ooxml_escapes(arena_, off);
  set_arena_text(v, kind, off);
}

void SheetHandler::place(const CellValue& v) {
  if (col_ >= cells_.size()) cells_.resize(static_cast<std::size_t>(col_) + 1);
  cells_[col_] = v;
}

void SheetHandler::check_row_bytes() const {
  const std::uint64_t bytes = arena_.size() + val_.size() + fixups_.size() * sizeof(Fixup);
  if (bytes > limits_.max_row_text_bytes) {
    throw_reader_limit(sheet_label_ + ": row " + std::to_string(row_) + " (more than " +
                           with_thousands(limits_.max_row_text_bytes) + " bytes of text)",
                       "max_row_text_bytes", limits_.max_row_text_bytes);
  }
}

void SheetHandler::dimension(const char** atts) {
  const char* ref = find_attribute(atts, "ref");
  if (ref == nullptr) return;
  stats_.dimension = ref;
  // A hint only: reserve the declared width (bounded), never trust it.
  const char* colon = std::strchr(ref, ':');
  const char* last = colon != nullptr ? colon + 1 : ref;
  std::uint64_t col = 0;
  for (const char* p = last; *p >= 'A' && *p <= 'Z' && col <= kExcelMaxColumns; ++p) {
    col = col * 26 + static_cast<std::uint64_t>(*p - 'A' + 1);
  }
  col = std::min<std::uint64_t>({col, limits_.max_columns, kExcelMaxColumns});
  cells_.reserve(static_cast<std::size_t>(col));
}

std::string SheetHandler::cell_label() const { return cell_reference(row_, col_); }

std::string SheetHandler::after_row() const {
  return prev_row_ > 0 ? " (after row " + std::to_string(prev_row_) + ")" : std::string();
}

}  // namespace pp::xlsx
