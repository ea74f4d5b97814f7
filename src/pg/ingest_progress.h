// Shared-memory progress of ingestion runs, read by the view
// prodplan.ingest_progress from any session. Exists only when prodplan is in
// shared_preload_libraries; otherwise every call here is a cheap no-op.
//
// Protocol: a backend claims a free slot (pid == 0) under the lock at the
// start of a run and clears it at the end (also from its error path and at
// backend exit). While it owns the slot it alone writes the counters, with
// plain stores of 64-bit values; readers take the lock only to copy slots, so
// a reader may see a counter one update old, never a torn slot owner.
#pragma once

#include <cstdint>

namespace pp::pg {

void progress_request_shmem();  // from shmem_request_hook
void progress_startup_shmem();  // from shmem_startup_hook

// All safe to call from C++ frames: they never raise a PostgreSQL error.
void progress_begin(std::int64_t run_id);
void progress_sheet(const char* sheet, std::int64_t rows_done, std::int64_t rows_expected);
void progress_end();

}  // namespace pp::pg
