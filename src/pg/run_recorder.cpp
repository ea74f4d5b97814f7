#include "pg/run_recorder.h"

#include "pg/pg_includes.h"

extern "C" {
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
}

extern "C" {
PGDLLEXPORT void prodplan_run_recorder_main(Datum arg);
}

namespace {

// The segment holds fixed fields then the strings, each NUL-terminated, in
// the order of kFields.
struct RecordHeader {
  int64 run_id;
  int64 started_at;
  Oid database;
  Oid user;
  Size offsets[7];  // plant, source, source_name, sha256, profile, options, error (0 = NULL)
};
constexpr int kStrings = 7;

}  // namespace

namespace pp::pg {

void record_failed_run(const FailedRun& run) {
  const char* strings[kStrings] = {run.plant_id, run.source, run.source_name, run.sha256,
                                   run.profile, run.options_json, run.error};
  Size size = sizeof(RecordHeader);
  for (int i = 0; i < kStrings; i++)
    if (strings[i]) size += strlen(strings[i]) + 1;

  dsm_segment* seg = dsm_create(size, DSM_CREATE_NULL_IF_MAXSEGMENTS);
  if (seg == NULL) {
    ereport(WARNING, (errmsg("prodplan: could not record failed ingestion run " INT64_FORMAT
                             ": no dynamic shared memory segment available", run.run_id)));
    return;
  }
  char* base = static_cast<char*>(dsm_segment_address(seg));
  RecordHeader* h = reinterpret_cast<RecordHeader*>(base);
  h->run_id = run.run_id;
  h->started_at = run.started_at;
  h->database = MyDatabaseId;
  h->user = GetUserId();
  Size pos = sizeof(RecordHeader);
  for (int i = 0; i < kStrings; i++) {
    if (strings[i] == NULL) {
      h->offsets[i] = 0;
      continue;
    }
    h->offsets[i] = pos;
    size_t n = strlen(strings[i]) + 1;
    memcpy(base + pos, strings[i], n);
    pos += n;
  }

  BackgroundWorker worker;
  memset(&worker, 0, sizeof worker);
  worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
  worker.bgw_restart_time = BGW_NEVER_RESTART;
  snprintf(worker.bgw_library_name, BGW_MAXLEN, "prodplan");
  snprintf(worker.bgw_function_name, BGW_MAXLEN, "prodplan_run_recorder_main");
  snprintf(worker.bgw_name, BGW_MAXLEN, "prodplan run recorder for run " INT64_FORMAT, run.run_id);
  snprintf(worker.bgw_type, BGW_MAXLEN, "prodplan run recorder");
  worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
  worker.bgw_notify_pid = MyProcPid;

  BackgroundWorkerHandle* handle = NULL;
  if (!RegisterDynamicBackgroundWorker(&worker, &handle)) {
    dsm_detach(seg);
    ereport(WARNING, (errmsg("prodplan: could not record failed ingestion run " INT64_FORMAT
                             ": no background worker slot free", run.run_id),
                      errhint("Raise max_worker_processes.")));
    return;
  }
  // The worker attaches to the segment before it reads it; we keep it mapped
  // until the worker has exited.
  BgwHandleStatus status = WaitForBackgroundWorkerShutdown(handle);
  dsm_detach(seg);
  if (status != BGWH_STOPPED)
    ereport(WARNING, (errmsg("prodplan: the recorder of failed ingestion run " INT64_FORMAT
                             " did not finish", run.run_id)));
}

}  // namespace pp::pg

void prodplan_run_recorder_main(Datum arg) {
  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();

  CurrentResourceOwner = ResourceOwnerCreate(NULL, "prodplan run recorder");
  dsm_segment* seg = dsm_attach(DatumGetUInt32(arg));
  if (seg == NULL) ereport(ERROR, (errmsg("prodplan run recorder: could not attach to its segment")));
  const char* base = static_cast<const char*>(dsm_segment_address(seg));
  const RecordHeader* h = reinterpret_cast<const RecordHeader*>(base);

  BackgroundWorkerInitializeConnectionByOid(h->database, h->user, 0);

  const char* s[kStrings];
  for (int i = 0; i < kStrings; i++) s[i] = h->offsets[i] ? base + h->offsets[i] : NULL;

  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  SPI_connect();
  PushActiveSnapshot(GetTransactionSnapshot());
  pgstat_report_activity(STATE_RUNNING, "recording a failed prodplan ingestion run");

  Oid types[9] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TEXTOID};
  Datum values[9];
  char nulls[9];
  values[0] = Int64GetDatum(h->run_id);
  for (int i = 0; i < 5; i++) {
    nulls[i + 1] = s[i] ? ' ' : 'n';
    values[i + 1] = s[i] ? CStringGetTextDatum(s[i]) : (Datum)0;
  }
  nulls[0] = ' ';
  nulls[6] = s[5] ? ' ' : 'n';
  values[6] = s[5] ? CStringGetTextDatum(s[5]) : (Datum)0;
  values[7] = TimestampTzGetDatum(h->started_at);
  nulls[7] = ' ';
  nulls[8] = s[6] ? ' ' : 'n';
  values[8] = s[6] ? CStringGetTextDatum(s[6]) : (Datum)0;

  int rc = SPI_execute_with_args(
      "INSERT INTO prodplan.ingest_runs (run_id, plant_id, source, source_name, workbook_sha256, profile, "
      "  options, started_at, finished_at, run_by, status, error) "
      "VALUES ($1, $2, $3, $4, $5, $6, coalesce($7::jsonb, '{}'), $8, pg_catalog.clock_timestamp(), "
      "        current_user, 'failed', $9) "
      "ON CONFLICT (run_id) DO UPDATE SET status = 'failed', error = EXCLUDED.error, "
      "  finished_at = EXCLUDED.finished_at",
      9, types, values, nulls, false, 0);
  if (rc != SPI_OK_INSERT)
    ereport(ERROR, (errmsg("prodplan run recorder: insert failed: %s", SPI_result_code_string(rc))));

  SPI_finish();
  PopActiveSnapshot();
  CommitTransactionCommand();
  pgstat_report_activity(STATE_IDLE, NULL);
  dsm_detach(seg);
  proc_exit(0);
}
