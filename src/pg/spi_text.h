// A query's result as text cells for the core (core/planning/plan_inputs.h
// TextTable): read in a PostgreSQL frame, palloc'd in the current memory
// context, so C++ can read it without calling PostgreSQL.
#pragma once

#include "core/planning/plan_inputs.h"

namespace pp::pg {

// Runs sql (read-only) with its arguments; NULL stays NULL. `who` names the
// SQL function in the error raised when the query fails. Call inside SPI,
// from a frame without live C++ objects (it can ereport).
pp::planning::TextTable fetch_text_table(const char* who, const char* sql, int nargs, unsigned int* types,
                                         std::uintptr_t* values);

}  // namespace pp::pg
