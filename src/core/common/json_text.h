// Writing JSON text by hand in the few places that build a small document
// (run reports, plan summaries): strings quoted and escaped.
#pragma once
#include "core/common/core_only.h"

#include <string>
#include <string_view>

namespace pp {

// Appends s as a JSON string: quotes, backslashes and control characters
// escaped; other bytes copied (the caller passes valid UTF-8).
void append_json_string(std::string& out, std::string_view s);

}  // namespace pp
