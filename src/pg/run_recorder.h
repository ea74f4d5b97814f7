// Records an ingestion run in a transaction of its own, so that the record
// outlives the caller's: a short-lived dynamic background worker, connected as
// the same user to the same database, writes the run row and commits while the
// caller waits. Two records:
//   * the run as it starts ('running', with the caller's transaction id), so
//     that a run whose transaction never commits (rolled back, its backend
//     killed, the server stopped) leaves a row that settle_ingest_runs()
//     later marks failed;
//   * the run as failed (after rolling back the failed load), with the error.
// Works without shared_preload_libraries (dynamic workers need only a free
// max_worker_processes slot).
#pragma once

#include <cstdint>

namespace pp::pg {

struct RunRecord {
  std::int64_t run_id;
  const char* plant_id;
  const char* source;       // workbook, file, table
  const char* source_name;  // file path or table name; may be NULL
  const char* sha256;       // may be NULL
  const char* profile;      // may be NULL
  const char* options_json;
  std::int64_t started_at;  // TimestampTz
  const char* error;        // the failure; NULL for a running record
};

// Plain PostgreSQL code: call these only when no C++ object is alive in the
// calling frames. Neither raises an ERROR for the recording itself.

// After rolling back the failed subtransaction: the run row, failed with
// run.error (inserted, or the running row updated). Without a worker slot
// the caller gets a WARNING and the failure is only in the server log.
void record_failed_run(const RunRecord& run);

// Before the load starts, outside any subtransaction: the run row as
// 'running' with the caller's top-level transaction id (assigned here),
// committed. Returns false when it could not be committed (no worker slot or
// segment, the installed SQL predates prodplan.ingest_runs.running_xid, or a
// transaction snapshot that could not see it: REPEATABLE READ and
// SERIALIZABLE); the caller then writes the row in its own transaction.
bool record_running_run(const RunRecord& run);

// Marks failed every 'running' run whose transaction is no longer in
// progress (it rolled back, or its server process died): run at each
// ingestion's start and when the scheduler starts. Needs SPI; a no-op when
// the installed SQL has no running_xid column.
void settle_ingest_runs();

}  // namespace pp::pg
