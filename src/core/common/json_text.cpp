// append_json_string, append_json_number (json_text.h).
#include "core/common/json_text.h"

#include <cmath>
#include <cstdio>

namespace pp {

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char u[8];
      std::snprintf(u, sizeof u, "\\u%04x", static_cast<unsigned char>(ch));
      out += u;
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

void append_json_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  out += buf;
}

void append_json_field(std::string& out, std::string_view name, double v, bool first) {
  if (!first) out += ',';
  append_json_string(out, name);
  out += ':';
  append_json_number(out, v);
}

}  // namespace pp
