// The rows every planning call reads about a plant's resources, in the column
// orders core/planning/plan_inputs.h expects: work centers, the setup matrix
// and alternative work centers. Shared by prodplan.plan() and
// prodplan.move_operation(), which must see the resources the same way.
#pragma once

#include "core/planning/plan_inputs.h"

#include <cstdint>

namespace pp::pg {

// plant is a text Datum. Call inside SPI, from a frame without live C++
// objects (it can ereport); `who` names the SQL function in errors.
void read_plant_resources(const char* who, std::uintptr_t plant, pp::planning::TextTable* work_centers,
                          pp::planning::TextTable* setup_matrix, pp::planning::TextTable* alternatives);

}  // namespace pp::pg
