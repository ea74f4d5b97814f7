#include "core/xlsx/ooxml_text.h"

#include <cstring>

namespace pp::xlsx {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of an escape "_xHHHH_" starting at s[i], or -1.
long escape_at(const std::string& s, std::size_t i) {
  if (i + 7 > s.size() || s[i] != '_' || s[i + 1] != 'x' || s[i + 6] != '_') return -1;
  long v = 0;
  for (std::size_t k = i + 2; k < i + 6; ++k) {
    const int h = hex_value(s[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

std::size_t put_utf8(char* out, unsigned long cp) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

}  // namespace

void decode_ooxml_escapes(std::string& s, std::size_t from) {
  if (from >= s.size()) return;
  const char* first = static_cast<const char*>(std::memchr(s.data() + from, '_', s.size() - from));
  if (first == nullptr) return;
  std::size_t r = static_cast<std::size_t>(first - s.data());
  std::size_t w = r;
  bool changed = false;
  while (r < s.size()) {
    const long u = s[r] == '_' ? escape_at(s, r) : -1;
    if (u <= 0) {  // not an escape, or _x0000_ (kept)
      s[w++] = s[r++];
      continue;
    }
    changed = true;
    unsigned long cp = static_cast<unsigned long>(u);
    std::size_t used = 7;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      const long lo = escape_at(s, r + 7);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<unsigned long>(lo) - 0xDC00);
        used = 14;
      } else {
        cp = 0xFFFD;
      }
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      cp = 0xFFFD;
    }
    char buf[4];
    const std::size_t len = put_utf8(buf, cp);  // <= 4 < 7: never overtakes r
    std::memcpy(&s[w], buf, len);
    w += len;
    r += used;
  }
  if (changed) s.resize(w);
}

}  // namespace pp::xlsx
