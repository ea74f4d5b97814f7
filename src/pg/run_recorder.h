// Records a failed ingestion run so that the record survives the rollback of
// the failed load: a short-lived dynamic background worker, connected as the
// same user to the same database, inserts the run row in its own transaction
// while the caller waits. Works without shared_preload_libraries (dynamic
// workers need only a free max_worker_processes slot); without a slot the
// caller gets a WARNING and the failure is only in the server log.
#pragma once

#include <cstdint>

namespace pp::pg {

struct FailedRun {
  std::int64_t run_id;
  const char* plant_id;
  const char* source;       // workbook, file, table
  const char* source_name;  // file path or table name; may be NULL
  const char* sha256;       // may be NULL
  const char* profile;      // may be NULL
  const char* options_json;
  std::int64_t started_at;  // TimestampTz
  const char* error;
};

// Plain PostgreSQL code: call it only when no C++ object is alive in the
// calling frames and the transaction state is usable (after rolling back the
// failed subtransaction). Never raises an ERROR itself for the recording.
void record_failed_run(const FailedRun& run);

}  // namespace pp::pg
