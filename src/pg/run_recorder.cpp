#include "pg/run_recorder.h"

#include "pg/pg_includes.h"

extern "C" {
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/lsyscache.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
}

extern "C" {
PGDLLEXPORT void prodplan_run_recorder_main(Datum arg);
}

namespace {

enum class RecordKind : int32 { Failed, Running };

// The segment holds fixed fields then the strings, each NUL-terminated, in
// the order of offsets[].
struct RecordHeader {
  RecordKind kind;
  int64 run_id;
  int64 started_at;
  uint64 xid;  // Running: the caller's top-level FullTransactionId
  Oid database;
  Oid user;
  Size offsets[7];  // plant, source, source_name, sha256, profile, options, error (0 = NULL)
};
constexpr int kStrings = 7;

// Whether the installed SQL has prodplan.ingest_runs.running_xid (0.13.0): a
// library newer than its SQL must still ingest. Needs SPI.
bool running_xid_installed() {
  if (SPI_execute("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute "
                  "WHERE attrelid = pg_catalog.to_regclass('prodplan.ingest_runs') AND attname = 'running_xid' "
                  "AND NOT attisdropped)",
                  true, 1) != SPI_OK_SELECT)
    elog(ERROR, "prodplan: could not look for prodplan.ingest_runs.running_xid");
  bool isnull;
  return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

const char* what_of(RecordKind kind) { return kind == RecordKind::Failed ? "failed" : "running"; }

// Whether this transaction holds a lock on prodplan.ingest_runs that the
// worker's insert (ROW EXCLUSIVE) would wait for (a caller that truncated or
// locked the table): we would then wait for the worker and it for us, a wait
// no deadlock detector sees.
bool recorder_would_wait_for_us() {
  const Oid nsp = get_namespace_oid("prodplan", true);
  const Oid relid = OidIsValid(nsp) ? get_relname_relid("ingest_runs", nsp) : InvalidOid;
  if (!OidIsValid(relid)) return false;
  LOCKTAG tag;
  SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
  // The modes that conflict with ROW EXCLUSIVE.
  const LOCKMODE conflicting[] = {ShareLock, ShareRowExclusiveLock, ExclusiveLock, AccessExclusiveLock};
  for (LOCKMODE mode : conflicting)
    if (LockHeldByMe(&tag, mode)) return true;
  return false;
}

// Starts the recorder worker on a segment holding the record and waits for
// it to exit. False (with a WARNING) when it could not be started.
bool launch_recorder(const pp::pg::RunRecord& run, RecordKind kind, uint64 xid) {
  const char* strings[kStrings] = {run.plant_id, run.source, run.source_name, run.sha256,
                                   run.profile, run.options_json, run.error};
  Size size = sizeof(RecordHeader);
  for (int i = 0; i < kStrings; i++)
    if (strings[i]) size += strlen(strings[i]) + 1;

  dsm_segment* seg = dsm_create(size, DSM_CREATE_NULL_IF_MAXSEGMENTS);
  if (seg == NULL) {
    ereport(WARNING, (errmsg("prodplan: could not record %s ingestion run " INT64_FORMAT
                             ": no dynamic shared memory segment available", what_of(kind), run.run_id)));
    return false;
  }
  char* base = static_cast<char*>(dsm_segment_address(seg));
  RecordHeader* h = reinterpret_cast<RecordHeader*>(base);
  h->kind = kind;
  h->xid = xid;
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
  snprintf(worker.bgw_name, BGW_MAXLEN, "prodplan run recorder for %s run " INT64_FORMAT, what_of(kind), run.run_id);
  snprintf(worker.bgw_type, BGW_MAXLEN, "prodplan run recorder");
  worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
  worker.bgw_notify_pid = MyProcPid;

  BackgroundWorkerHandle* handle = NULL;
  if (!RegisterDynamicBackgroundWorker(&worker, &handle)) {
    dsm_detach(seg);
    ereport(WARNING, (errmsg("prodplan: could not record %s ingestion run " INT64_FORMAT
                             ": no background worker slot free", what_of(kind), run.run_id),
                      errhint("Raise max_worker_processes.")));
    return false;
  }
  // The worker attaches to the segment before it reads it; we keep it mapped
  // until the worker has exited.
  BgwHandleStatus status = WaitForBackgroundWorkerShutdown(handle);
  dsm_detach(seg);
  if (status != BGWH_STOPPED) {
    ereport(WARNING, (errmsg("prodplan: the recorder of %s ingestion run " INT64_FORMAT " did not finish",
                             what_of(kind), run.run_id)));
    return false;
  }
  return true;
}

}  // namespace

namespace pp::pg {

void record_failed_run(const RunRecord& run) {
  if (recorder_would_wait_for_us()) {
    ereport(WARNING, (errmsg("prodplan: could not record failed ingestion run " INT64_FORMAT
                             ": this transaction holds a lock on prodplan.ingest_runs that the recorder would wait for",
                             run.run_id)));
    return;
  }
  (void)launch_recorder(run, RecordKind::Failed, 0);
}

bool record_running_run(const RunRecord& run) {
  // A transaction snapshot taken before the worker commits would not see
  // the row, and the run's last UPDATE of it would find nothing.
  if (IsolationUsesXactSnapshot() || recorder_would_wait_for_us() || !running_xid_installed()) return false;
  const uint64 xid = U64FromFullTransactionId(GetTopFullTransactionId());
  if (!launch_recorder(run, RecordKind::Running, xid)) return false;
  // The worker may have failed (it reports to the server log): the row is
  // there only if it committed. read_only = false: a fresh snapshot.
  Oid types[1] = {INT8OID};
  Datum values[1] = {Int64GetDatum(run.run_id)};
  if (SPI_execute_with_args("SELECT EXISTS (SELECT 1 FROM prodplan.ingest_runs WHERE run_id = $1)", 1, types, values,
                            NULL, false, 1) != SPI_OK_SELECT)
    elog(ERROR, "prodplan: could not read back ingestion run " INT64_FORMAT, run.run_id);
  bool isnull;
  return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

void settle_ingest_runs() {
  if (!running_xid_installed()) return;
  // A run's transaction that is not in progress any more and left its row
  // running never committed (a commit sets the row to succeeded): after a
  // crash every transaction that was in progress reads as aborted.
  if (SPI_execute("UPDATE prodplan.ingest_runs SET status = 'failed', finished_at = pg_catalog.clock_timestamp(), "
                  "error = 'its transaction ended without committing: rolled back, or its server process was "
                  "killed or the server stopped while it ran' "
                  "WHERE status = 'running' AND running_xid IS NOT NULL "
                  "AND pg_catalog.pg_xact_status(running_xid) IS DISTINCT FROM 'in progress'",
                  false, 0) != SPI_OK_UPDATE)
    elog(ERROR, "prodplan: could not settle the ingestion runs left running");
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
  pgstat_report_activity(STATE_RUNNING, h->kind == RecordKind::Failed ? "recording a failed prodplan ingestion run"
                                                                       : "recording a starting prodplan ingestion run");

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

  // Failed: the row, or the running row the run recorded as it started,
  // becomes failed. Running: a new row with the caller's transaction id.
  int rc;
  if (h->kind == RecordKind::Failed) {
    rc = SPI_execute_with_args(
        "INSERT INTO prodplan.ingest_runs (run_id, plant_id, source, source_name, workbook_sha256, profile, "
        "  options, started_at, finished_at, run_by, status, error) "
        "VALUES ($1, $2, $3, $4, $5, $6, coalesce($7::jsonb, '{}'), $8, pg_catalog.clock_timestamp(), "
        "        current_user, 'failed', $9) "
        "ON CONFLICT (run_id) DO UPDATE SET status = 'failed', error = EXCLUDED.error, "
        "  finished_at = EXCLUDED.finished_at",
        9, types, values, nulls, false, 0);
  } else {
    types[8] = INT8OID;
    values[8] = Int64GetDatum(static_cast<int64>(h->xid));
    nulls[8] = ' ';
    rc = SPI_execute_with_args(
        "INSERT INTO prodplan.ingest_runs (run_id, plant_id, source, source_name, workbook_sha256, profile, "
        "  options, started_at, run_by, status, running_xid) "
        "VALUES ($1, $2, $3, $4, $5, $6, coalesce($7::jsonb, '{}'), $8, current_user, 'running', "
        "        $9::text::pg_catalog.xid8)",
        9, types, values, nulls, false, 0);
  }
  if (rc != SPI_OK_INSERT)
    ereport(ERROR, (errmsg("prodplan run recorder: insert failed: %s", SPI_result_code_string(rc))));

  SPI_finish();
  PopActiveSnapshot();
  CommitTransactionCommand();
  pgstat_report_activity(STATE_IDLE, NULL);
  dsm_detach(seg);
  proc_exit(0);
}
