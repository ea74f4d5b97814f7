// Reading the cells of a planning::TextTable: text as PostgreSQL prints it,
// nullptr for NULL. One definition for every reader of those rows
// (plan_inputs.cpp, plan_rebuild.cpp).
#pragma once
#include "core/common/core_only.h"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace pp::planning::cells {

inline std::string str(const char* s) { return s ? std::string(s) : std::string(); }

// NULL or empty: the fallback.
inline std::int64_t int_of(const char* s, std::int64_t fallback = 0) {
  return (s == nullptr || *s == '\0') ? fallback : std::strtoll(s, nullptr, 10);
}

inline double real_of(const char* s, double fallback) {
  return (s == nullptr || *s == '\0') ? fallback : std::strtod(s, nullptr);
}

// PostgreSQL prints booleans as t / f.
inline bool flag_of(const char* s) { return s != nullptr && (*s == 't' || *s == 'T' || *s == '1'); }

}  // namespace pp::planning::cells
