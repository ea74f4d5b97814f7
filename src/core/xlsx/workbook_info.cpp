#include "core/xlsx/workbook_info.h"

#include "core/xlsx/xml_stream.h"

#include <charconv>
#include <cstring>
#include <unordered_map>

namespace pp::xlsx {

namespace {

struct Relationship {
  std::string id;
  std::string type;  // the last segment of the Type URI: "worksheet", "styles", ...
  std::string target;
  bool external = false;
};

std::string type_suffix(const char* type) {
  const char* slash = std::strrchr(type, '/');
  return slash != nullptr ? std::string(slash + 1) : std::string(type);
}

class RelsHandler {
 public:
  explicit RelsHandler(std::vector<Relationship>& rels) : rels_(rels) {}
  void on_start(const char* name, const char** atts) {
    if (std::strcmp(local_name(name), "Relationship") != 0) return;
    Relationship r;
    const char* id = find_attribute(atts, "Id");
    const char* type = find_attribute(atts, "Type");
    const char* target = find_attribute(atts, "Target");
    const char* mode = find_attribute(atts, "TargetMode");
    if (id == nullptr || target == nullptr) return;
    r.id = id;
    r.type = type != nullptr ? type_suffix(type) : std::string();
    r.target = target;
    r.external = mode != nullptr && std::strcmp(mode, "External") == 0;
    rels_.push_back(std::move(r));
  }
  void on_end(const char*) {}
  void on_text(const char*, int) {}
  std::string where() const { return {}; }

 private:
  std::vector<Relationship>& rels_;
};

struct SheetEntry {
  std::string name, rid;
  std::uint32_t sheet_id = 0;
  bool hidden = false;
};

bool xsd_true(const char* v) {
  return v != nullptr && (std::strcmp(v, "1") == 0 || std::strcmp(v, "true") == 0);
}

class WorkbookHandler {
 public:
  WorkbookHandler(std::vector<SheetEntry>& sheets, bool& date1904)
      : sheets_(sheets), date1904_(date1904) {}
  void on_start(const char* name, const char** atts) {
    const char* n = local_name(name);
    if (std::strcmp(n, "sheet") == 0) {
      SheetEntry s;
      const char* nm = find_attribute(atts, "name");
      const char* rid = find_attribute(atts, "id", /*prefixed=*/true);
      const char* id = find_attribute(atts, "sheetId");
      const char* state = find_attribute(atts, "state");
      s.name = nm != nullptr ? nm : "";
      s.rid = rid != nullptr ? rid : "";
      if (id != nullptr) std::from_chars(id, id + std::strlen(id), s.sheet_id);
      s.hidden = state != nullptr && std::strcmp(state, "visible") != 0;
      sheets_.push_back(std::move(s));
    } else if (std::strcmp(n, "workbookPr") == 0) {
      date1904_ = xsd_true(find_attribute(atts, "date1904"));
    }
  }
  void on_end(const char*) {}
  void on_text(const char*, int) {}
  std::string where() const { return {}; }

 private:
  std::vector<SheetEntry>& sheets_;
  bool& date1904_;
};

template <class H>
void parse_part(const ZipArchive& zip, std::uint64_t index, H& h, const ReaderLimits& limits,
                const CancelToken& cancel) {
  ZipEntryReader in = zip.open(index);
  XmlStream xml("part " + zip.entry_name(index), limits.max_row_text_bytes);
  xml.parse(in, h, cancel);
}

std::vector<Relationship> read_rels(const ZipArchive& zip, const std::string& rels_part,
                                    const ReaderLimits& limits, const CancelToken& cancel) {
  std::vector<Relationship> rels;
  if (auto idx = zip.find(rels_part)) {
    RelsHandler h(rels);
    parse_part(zip, *idx, h, limits, cancel);
  }
  return rels;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::optional<std::uint64_t> find_related(const ZipArchive& zip, const std::string& source,
                                          const std::vector<Relationship>& rels,
                                          const char* type, const char* fallback) {
  for (const auto& r : rels) {
    if (r.type == type && !r.external) {
      if (auto idx = zip.find(resolve_part_target(source, r.target))) return idx;
    }
  }
  return zip.find(resolve_part_target(source, fallback));
}

}  // namespace

std::string resolve_part_target(std::string_view source_part, std::string_view target) {
  std::string t = percent_decode(target);
  for (char& c : t) {
    if (c == '\\') c = '/';
  }
  std::string path;
  if (!t.empty() && t[0] == '/') {
    path = t;
  } else {
    const std::size_t slash = source_part.rfind('/');
    path = std::string(slash == std::string_view::npos ? std::string_view() : source_part.substr(0, slash + 1));
    path += t;
  }
  // Normalize "." and ".." segments and repeated slashes.
  std::vector<std::string_view> segs;
  std::string_view p(path);
  std::size_t i = 0;
  while (i <= p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    const std::string_view seg = p.substr(i, j - i);
    if (seg == "..") {
      if (!segs.empty()) segs.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segs.push_back(seg);
    }
    i = j + 1;
  }
  std::string out;
  for (std::size_t k = 0; k < segs.size(); ++k) {
    if (k) out += '/';
    out += segs[k];
  }
  return out;
}

std::string relationships_part(std::string_view part) {
  const std::size_t slash = part.rfind('/');
  const std::string_view dir = slash == std::string_view::npos ? std::string_view() : part.substr(0, slash + 1);
  const std::string_view file = slash == std::string_view::npos ? part : part.substr(slash + 1);
  return std::string(dir) + "_rels/" + std::string(file) + ".rels";
}

WorkbookInfo read_workbook_info(const ZipArchive& zip, const ReaderLimits& limits,
                                const CancelToken& cancel) {
  WorkbookInfo info;
  // The package's main part.
  const auto root_rels = read_rels(zip, "_rels/.rels", limits, cancel);
  std::optional<std::uint64_t> wb;
  for (const auto& r : root_rels) {
    if (r.type == "officeDocument" && !r.external) {
      wb = zip.find(resolve_part_target("", r.target));
      if (wb) break;
    }
  }
  if (!wb) wb = zip.find("xl/workbook.xml");
  if (!wb) {
    throw_not_xlsx("the zip archive has no workbook part (xl/workbook.xml)",
                   "is this an .xlsx (Office Open XML spreadsheet)? .ods and .xls files are not "
                   "supported");
  }
  info.workbook_part = zip.entry_name(*wb);

  std::vector<SheetEntry> entries;
  {
    WorkbookHandler h(entries, info.date1904);
    parse_part(zip, *wb, h, limits, cancel);
  }
  if (entries.empty()) throw_not_xlsx("the workbook (" + info.workbook_part + ") lists no sheets");

  const std::string rels_part = relationships_part(info.workbook_part);
  const auto rels = read_rels(zip, rels_part, limits, cancel);
  std::unordered_map<std::string, const Relationship*> by_id;
  for (const auto& r : rels) by_id.emplace(r.id, &r);

  for (const auto& e : entries) {
    auto it = by_id.find(e.rid);
    if (e.rid.empty() || it == by_id.end()) {
      throw_not_xlsx("sheet '" + e.name + "' refers to relationship '" + e.rid + "', which " +
                     rels_part + " does not define");
    }
    const Relationship& r = *it->second;
    if (r.external) {
      throw_not_xlsx("sheet '" + e.name + "' is an external reference (" + r.target + ")");
    }
    SheetInfo s;
    s.name = e.name;
    s.sheet_id = e.sheet_id;
    s.hidden = e.hidden;
    s.is_worksheet = r.type == "worksheet";
    const std::string part = resolve_part_target(info.workbook_part, r.target);
    const auto idx = zip.find(part);
    if (!idx) {
      throw_not_xlsx("sheet '" + e.name + "' has no part: " + part + " is missing from the zip archive");
    }
    s.part = zip.entry_name(*idx);
    info.sheets.push_back(std::move(s));
    info.sheet_entries.push_back(*idx);
  }
  info.shared_strings_entry = find_related(zip, info.workbook_part, rels, "sharedStrings", "sharedStrings.xml");
  info.styles_entry = find_related(zip, info.workbook_part, rels, "styles", "styles.xml");
  return info;
}

}  // namespace pp::xlsx
