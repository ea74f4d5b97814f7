#include "core/xlsx/styles.h"

#include "core/xlsx/xml_stream.h"

#include <charconv>
#include <cstring>
#include <unordered_map>

namespace pp::xlsx {

namespace {

bool is_date_letter(char c) {
  switch (c) {
    case 'd': case 'D': case 'm': case 'M': case 'y': case 'Y':
    case 'h': case 'H': case 's': case 'S':
      return true;
    default:
      return false;
  }
}

// "[h]", "[hh]", "[mm]", "[ss]": elapsed time.
bool is_elapsed(std::string_view inside) {
  if (inside.empty()) return false;
  const char c = static_cast<char>(inside[0] | 0x20);
  if (c != 'h' && c != 'm' && c != 's') return false;
  for (char x : inside) {
    if (static_cast<char>(x | 0x20) != c) return false;
  }
  return true;
}

std::uint32_t parse_u32(const char* s, std::uint32_t fallback) {
  if (s == nullptr) return fallback;
  std::uint32_t v = 0;
  const auto r = std::from_chars(s, s + std::strlen(s), v);
  return r.ec == std::errc() ? v : fallback;
}

class StylesHandler {
 public:
  explicit StylesHandler(std::vector<NumberFormatKind>& kinds) : kinds_(kinds) {}

  void on_start(const char* name, const char** atts) {
    const char* n = local_name(name);
    if (std::strcmp(n, "numFmt") == 0) {
      const char* id = find_attribute(atts, "numFmtId");
      const char* code = find_attribute(atts, "formatCode");
      if (id != nullptr && code != nullptr) {
        custom_[parse_u32(id, 0)] = classify_number_format(code);
      }
    } else if (std::strcmp(n, "cellXfs") == 0) {
      in_cell_xfs_ = true;
    } else if (in_cell_xfs_ && std::strcmp(n, "xf") == 0) {
      ids_.push_back(parse_u32(find_attribute(atts, "numFmtId"), 0));
    }
  }
  void on_end(const char* name) {
    if (std::strcmp(local_name(name), "cellXfs") == 0) in_cell_xfs_ = false;
  }
  void on_text(const char*, int) {}
  std::string where() const { return {}; }

  void finish() {
    kinds_.clear();
    kinds_.reserve(ids_.size());
    for (std::uint32_t id : ids_) {
      auto it = custom_.find(id);
      kinds_.push_back(it != custom_.end() ? it->second : builtin_number_format_kind(id));
    }
  }

 private:
  std::vector<NumberFormatKind>& kinds_;
  std::unordered_map<std::uint32_t, NumberFormatKind> custom_;
  std::vector<std::uint32_t> ids_;
  bool in_cell_xfs_ = false;
};

}  // namespace

NumberFormatKind classify_number_format(std::string_view code) {
  bool date = false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == ';') break;  // only the first section (positive numbers) decides
    if (c == '"') {
      const std::size_t close = code.find('"', i + 1);
      if (close == std::string_view::npos) break;
      i = close;
    } else if (c == '\\' || c == '_' || c == '*') {
      ++i;  // escaped, padding or fill character
    } else if (c == '[') {
      const std::size_t close = code.find(']', i + 1);
      if (close == std::string_view::npos) break;
      if (is_elapsed(code.substr(i + 1, close - i - 1))) return NumberFormatKind::Duration;
      i = close;
    } else if (is_date_letter(c)) {
      date = true;
    }
  }
  return date ? NumberFormatKind::DateTime : NumberFormatKind::Number;
}

NumberFormatKind builtin_number_format_kind(std::uint32_t id) {
  if ((id >= 14 && id <= 22) || id == 45 || id == 47 || (id >= 27 && id <= 36) ||
      (id >= 50 && id <= 58)) {
    return NumberFormatKind::DateTime;
  }
  if (id == 46) return NumberFormatKind::Duration;
  return NumberFormatKind::Number;
}

void Styles::load(const ZipArchive& zip, std::uint64_t index, const ReaderLimits& limits,
                  const CancelToken& cancel) {
  ZipEntryReader in = zip.open(index);
  StylesHandler h(kinds_);
  XmlStream xml("the styles part (" + zip.entry_name(index) + ")", limits.max_row_text_bytes);
  xml.parse(in, h, cancel);
  h.finish();
}

}  // namespace pp::xlsx
