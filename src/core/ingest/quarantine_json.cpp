// The raw row of a quarantine record as a JSON object (staging_detail.h).
#include <algorithm>
#include <unordered_set>

#include "core/ingest/staging_detail.h"

namespace pp::ingest::detail {

namespace {

// Length of the valid UTF-8 sequence at s[i] (1..4), or 0 when invalid
// (bad lead byte, truncated, overlong, surrogate, above U+10FFFF).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n;
  std::uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3Fu);
  }
  if (n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
  if (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
  return n;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD
        ++i;
      } else {
        out.append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

std::vector<std::string> json_keys(const std::vector<std::string>& headers) {
  std::vector<std::string> keys;
  keys.reserve(headers.size());
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const std::string letter = xlsx::column_name(static_cast<std::uint32_t>(i));
    std::string k = headers[i].empty() ? letter : headers[i];
    if (!seen.insert(k).second) {
      k += " [" + letter + "]";
      seen.insert(k);
    }
    keys.push_back(std::move(k));
  }
  return keys;
}

std::string row_to_json(const std::vector<std::string>& keys, const std::vector<xlsx::CellValue>& cells) {
  std::string out = "{";
  std::string text;
  const std::size_t n = std::max(keys.size(), cells.size());
  bool first = true;
  for (std::size_t i = 0; i < n; ++i) {
    const bool has_cell = i < cells.size() && !cells[i].empty();
    if (i >= keys.size() && !has_cell) continue;
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, i < keys.size() ? keys[i] : xlsx::column_name(static_cast<std::uint32_t>(i)));
    out.push_back(':');
    if (!has_cell) {
      out += "null";
      continue;
    }
    text.clear();
    append_cell_text(text, cells[i]);
    append_json_string(out, text);
  }
  out.push_back('}');
  return out;
}

}  // namespace pp::ingest::detail
