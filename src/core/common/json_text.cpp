// append_json_string (json_text.h).
#include "core/common/json_text.h"

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

}  // namespace pp
