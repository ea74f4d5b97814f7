// Writing JSON text by hand in the few places that build a small document
// (run reports, plan summaries, model rows): strings quoted and escaped,
// numbers exact.
#pragma once
#include "core/common/core_only.h"

#include <string>
#include <string_view>

namespace pp {

// Appends s as a JSON string: quotes, backslashes and control characters
// escaped; other bytes copied (the caller passes valid UTF-8).
void append_json_string(std::string& out, std::string_view s);

// Appends v as a JSON number with 17 significant digits (it reads back as
// the same double); null when v is not finite (JSON has no NaN or infinity).
void append_json_number(std::string& out, double v);

// Appends `"name":v` (append_json_number), after a comma unless first.
void append_json_field(std::string& out, std::string_view name, double v, bool first = false);

}  // namespace pp
