// Header normalization and the mapping of a sheet's header row to an entity's
// staging columns through the column aliases (staging.h, staging_detail.h).
#include <unordered_map>

#include "core/common/errors.h"
#include "core/ingest/staging_detail.h"

namespace pp::ingest {

namespace {

// ASCII folding of U+00C0..U+017F (Latin-1 Supplement letters and Latin
// Extended-A), lowercase; nullptr: keep the character.
const char* fold_latin(std::uint32_t cp) {
  static const char* const latin1[64] = {
      // U+00C0 .. U+00FF
      "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",   //
      "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "ss",  //
      "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",   //
      "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "y"};
  if (cp == 0xAA) return "a";  // feminine ordinal
  if (cp == 0xBA) return "o";  // masculine ordinal (N.º)
  if (cp >= 0xC0 && cp <= 0xFF) return latin1[cp - 0xC0];
  if (cp < 0x100 || cp > 0x17F) return nullptr;
  struct Range {
    std::uint32_t last;
    const char* ascii;
  };
  static constexpr Range ext_a[] = {{0x105, "a"}, {0x10D, "c"},  {0x111, "d"}, {0x11B, "e"}, {0x123, "g"}, {0x127, "h"},
                                    {0x131, "i"}, {0x133, "ij"}, {0x135, "j"}, {0x138, "k"}, {0x142, "l"}, {0x14B, "n"},
                                    {0x151, "o"}, {0x153, "oe"}, {0x159, "r"}, {0x161, "s"}, {0x167, "t"}, {0x173, "u"},
                                    {0x175, "w"}, {0x178, "y"},  {0x17E, "z"}, {0x17F, "s"}};
  for (const Range& r : ext_a)
    if (cp <= r.last) return r.ascii;
  return nullptr;
}

}  // namespace

std::string normalize_header(std::string_view h) {
  std::string out;
  out.reserve(h.size());
  for (std::size_t i = 0; i < h.size();) {
    const unsigned char c = static_cast<unsigned char>(h[i]);
    if (c < 0x80) {
      ++i;
      if (c == ' ' || c == '_' || c == '-' || c == '.' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
        continue;
      out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c));
      continue;
    }
    // Two-byte sequences cover U+0080..U+07FF, which holds everything folded.
    if ((c & 0xE0) == 0xC0 && i + 1 < h.size() && (static_cast<unsigned char>(h[i + 1]) & 0xC0) == 0x80) {
      const std::uint32_t cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(h[i + 1]) & 0x3Fu);
      if (cp == 0xA0) {  // no-break space
        i += 2;
        continue;
      }
      if (const char* a = fold_latin(cp)) {
        out += a;
        i += 2;
        continue;
      }
    }
    out.push_back(static_cast<char>(c));
    ++i;
  }
  return out;
}

namespace detail {

namespace {

std::string quoted(std::string_view s) {
  std::string q = "\"";
  q.append(s);
  q.push_back('"');
  return q;
}

}  // namespace

HeaderMatch match_headers(std::string_view sheet, const EntitySpec& spec, const std::vector<std::string>& headers,
                          const std::vector<ColumnAlias>& aliases, std::string_view profile) {
  const std::size_t ncol = spec.columns.size();
  auto column_index = [&](std::string_view name) -> int {
    for (std::size_t i = 0; i < ncol; ++i)
      if (spec.columns[i].name == name) return static_cast<int>(i);
    return -1;
  };

  // normalized alias -> spec column; and the alias texts of each column.
  std::unordered_map<std::string, int> by_alias;
  std::vector<std::vector<std::string>> alias_texts(ncol);
  std::unordered_map<std::string, const ColumnAlias*> first_alias;
  for (const ColumnAlias& a : aliases) {
    if (a.profile != profile || a.entity != spec.entity) continue;
    const int c = column_index(a.column);
    if (c < 0)
      throw_invalid("column alias \"" + a.header + "\" of profile \"" + a.profile + "\" maps to \"" + a.column +
                        "\", which entity " + std::string(spec.entity) + " does not have",
                    "fix or delete the row of prodplan.column_aliases");
    std::string n = normalize_header(a.header);
    auto [it, inserted] = by_alias.emplace(n, c);
    if (!inserted && it->second != c) {
      const ColumnAlias* other = first_alias[n];
      throw_invalid("column aliases \"" + other->header + "\" (-> " + other->column + ") and \"" + a.header +
                        "\" (-> " + a.column + ") of profile \"" + a.profile + "\", entity " +
                        std::string(spec.entity) + ", are the same header once normalized (\"" + n + "\")",
                    "headers are matched ignoring case, accents, spaces, underscores, hyphens and dots");
    }
    if (inserted) first_alias[n] = &a;
    alias_texts[static_cast<std::size_t>(c)].push_back(a.header);
  }

  HeaderMatch m;
  m.headers = headers;
  m.source.assign(ncol, -1);
  for (std::size_t h = 0; h < headers.size(); ++h) {
    if (headers[h].empty()) continue;
    auto it = by_alias.find(normalize_header(headers[h]));
    if (it == by_alias.end()) {
      m.unknown_headers.push_back(headers[h]);
      continue;
    }
    int& src = m.source[static_cast<std::size_t>(it->second)];
    if (src >= 0)
      xlsx::throw_bad_data(
          "sheet \"" + std::string(sheet) + "\": headers " + quoted(headers[static_cast<std::size_t>(src)]) +
              " (column " + xlsx::column_name(static_cast<std::uint32_t>(src)) + ") and " + quoted(headers[h]) +
              " (column " + xlsx::column_name(static_cast<std::uint32_t>(h)) + ") both map to " +
              std::string(spec.entity) + "." + std::string(spec.columns[static_cast<std::size_t>(it->second)].name),
          "delete or rename one of the two columns");
    src = static_cast<int>(h);
  }

  std::string missing;
  for (std::size_t c = 0; c < ncol; ++c) {
    if (m.source[c] >= 0) continue;
    if (!spec.columns[c].required) {
      m.missing_optional.emplace_back(spec.columns[c].name);
      continue;
    }
    if (!missing.empty()) missing += "; ";
    missing += spec.columns[c].name;
    if (alias_texts[c].empty()) {
      missing += " (no header of profile \"" + std::string(profile) + "\" maps to it)";
    } else {
      missing += " (header ";
      for (std::size_t k = 0; k < alias_texts[c].size(); ++k) {
        if (k > 0) missing += " or ";
        missing += quoted(alias_texts[c][k]);
      }
      missing += ")";
    }
  }
  if (!missing.empty()) {
    std::string found;
    for (const std::string& h : headers) {
      if (h.empty()) continue;
      if (!found.empty()) found += ", ";
      found += quoted(h);
    }
    if (found.empty()) found = "none";
    xlsx::throw_bad_data("sheet \"" + std::string(sheet) + "\" (entity " + std::string(spec.entity) + ", profile \"" +
                             std::string(profile) + "\") misses required columns: " + missing +
                             "; headers found: " + found,
                         "headers are matched ignoring case, accents, spaces, underscores, hyphens and dots; "
                         "add an alias to prodplan.column_aliases for a differently named column");
  }
  return m;
}

}  // namespace detail

}  // namespace pp::ingest
