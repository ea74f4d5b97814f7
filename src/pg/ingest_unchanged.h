// Reading a plant's stored rows of one entity into the core's
// UnchangedFilter (core/ingest/unchanged_filter.h), so rows a workbook
// repeats as they are never have to be loaded into a staging table.
#pragma once

#include <cstdint>

namespace pp::ingest {
class UnchangedFilter;
struct EntitySpec;
}  // namespace pp::ingest

namespace pp::pg {

// Streams `SELECT <spec columns>[, <derived column>] FROM prodplan.<entity>
// WHERE plant_id = plant` through an SPI cursor in batches and hands every
// row to filter->add_stored(). `plant` is a text Datum (Datum is uintptr_t); `derived` the derived
// column's name or NULL. Call inside SPI, from a frame without live C++
// objects (it can ereport). Polls for interrupts between batches.
void read_stored_rows(const pp::ingest::EntitySpec& spec, const char* derived, std::uintptr_t plant,
                      pp::ingest::UnchangedFilter* filter);

}  // namespace pp::pg
