// A job run (workers.h): a dynamic worker connected as the job's owner that
// runs the command of one prodplan.job_runs row and records how it ended.
//
// Protocol with the scheduler: the scheduler inserts the run row (status
// running) and starts this worker. The command and the success record commit
// in one transaction, so a run is never recorded as succeeded without its
// effects or the other way round. On an error the transaction is aborted and
// the failure recorded in a fresh one. If this process dies first (terminated,
// crashed), the row stays running and the scheduler, notified of the exit,
// marks it failed. Bookkeeping statements run as the bootstrap superuser
// (the owner may not write prodplan.job_runs); the command runs as the owner.
#include "pg/workers.h"

#include "pg/pg_includes.h"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
PGDLLEXPORT void prodplan_job_run_main(Datum arg);
}

namespace {

// Runs one bookkeeping statement as the bootstrap superuser inside the
// current transaction (SPI connected).
void exec_as_superuser(const char* sql, int nargs, Oid* types, Datum* values, const char* nulls) {
  Oid saved_user;
  int saved_context;
  GetUserIdAndSecContext(&saved_user, &saved_context);
  SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID, saved_context | SECURITY_LOCAL_USERID_CHANGE);
  const int rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
  SetUserIdAndSecContext(saved_user, saved_context);
  if (rc < 0) elog(ERROR, "prodplan job run: bookkeeping failed (%s): %s", SPI_result_code_string(rc), sql);
}

void record_failure(std::int64_t run_id, std::int64_t job_id, const char* message) {
  StartTransactionCommand();
  SPI_connect();
  PushActiveSnapshot(GetTransactionSnapshot());
  Oid saved_user;
  int saved_context;
  GetUserIdAndSecContext(&saved_user, &saved_context);
  SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID, saved_context | SECURITY_LOCAL_USERID_CHANGE);
  pp::pg::settle_failed_run(run_id, job_id, message);
  SetUserIdAndSecContext(saved_user, saved_context);
  SPI_finish();
  PopActiveSnapshot();
  CommitTransactionCommand();
}

}  // namespace

void prodplan_job_run_main(Datum) {
  pp::pg::JobRunArgs args;
  memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof args);
  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();
  BackgroundWorkerInitializeConnectionByOid(args.database, args.role, 0);
  pgstat_report_appname("prodplan job");

  // The command, read as the superuser (the run row is the scheduler's).
  char* command = NULL;
  char* job_name = NULL;
  {
    StartTransactionCommand();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    Oid types[2] = {INT8OID, INT4OID};
    Datum values[2] = {Int64GetDatum(args.run_id), Int32GetDatum(MyProcPid)};
    exec_as_superuser("UPDATE prodplan.job_runs SET pid = $2, started_at = clock_timestamp() "
                      "WHERE run_id = $1 AND status = 'running' RETURNING command, job_name",
                      2, types, values, NULL);
    if (SPI_processed == 1) {
      command = MemoryContextStrdup(TopMemoryContext, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
      job_name = MemoryContextStrdup(TopMemoryContext, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2));
    }
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
  }
  if (command == NULL) proc_exit(0);  // the run was settled meanwhile (e.g. marked failed)

  char appname[NAMEDATALEN];
  snprintf(appname, sizeof appname, "prodplan job %s", job_name);
  pgstat_report_appname(appname);

  MemoryContext worker_context = CurrentMemoryContext;
  PG_TRY();
  {
    StartTransactionCommand();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, command);
    SetCurrentStatementStartTimestamp();
    const int rc = SPI_execute(command, false, 0);
    if (rc < 0) elog(ERROR, "the command could not run: %s", SPI_result_code_string(rc));
    char message[160];
    // "SPI_OK_INSERT" -> "INSERT": the last statement's kind and rows.
    const char* kind = SPI_result_code_string(rc);
    if (strncmp(kind, "SPI_OK_", 7) == 0) kind += 7;
    snprintf(message, sizeof message, "%s, %llu rows", kind, (unsigned long long)SPI_processed);
    Oid types[3] = {INT8OID, TEXTOID, INT8OID};
    Datum values[3] = {Int64GetDatum(args.run_id), CStringGetTextDatum(message), Int64GetDatum(args.job_id)};
    exec_as_superuser(
        "WITH r AS (UPDATE prodplan.job_runs SET status = 'succeeded', ended_at = clock_timestamp(), message = $2 "
        "WHERE run_id = $1 RETURNING 1) "
        "UPDATE prodplan.jobs SET consecutive_failures = 0 WHERE job_id = $3 AND EXISTS (SELECT 1 FROM r)",
        3, types, values, NULL);
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    pgstat_report_activity(STATE_IDLE, NULL);
  }
  PG_CATCH();
  {
    // Keep the error's text, leave the failed transaction, record it.
    MemoryContextSwitchTo(worker_context);
    ErrorData* edata = CopyErrorData();
    FlushErrorState();
    AbortCurrentTransaction();
    char* message = psprintf("%s%s%s", edata->message != NULL ? edata->message : "unknown error",
                             edata->detail != NULL ? ": " : "", edata->detail != NULL ? edata->detail : "");
    pgstat_report_activity(STATE_IDLE, NULL);
    record_failure(args.run_id, args.job_id, message);
  }
  PG_END_TRY();
  proc_exit(0);
}

namespace pp::pg {

BgwHandle* start_job_run(const JobRunArgs& args) {
  BackgroundWorker w;
  memset(&w, 0, sizeof w);
  w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  w.bgw_start_time = BgWorkerStart_RecoveryFinished;
  w.bgw_restart_time = BGW_NEVER_RESTART;
  snprintf(w.bgw_library_name, BGW_MAXLEN, "prodplan");
  snprintf(w.bgw_function_name, BGW_MAXLEN, "prodplan_job_run_main");
  snprintf(w.bgw_name, BGW_MAXLEN, "prodplan job run %lld", (long long)args.run_id);
  snprintf(w.bgw_type, BGW_MAXLEN, "prodplan job");
  static_assert(sizeof(JobRunArgs) <= BGW_EXTRALEN, "the run's arguments fit in bgw_extra");
  memcpy(w.bgw_extra, &args, sizeof args);
  w.bgw_notify_pid = MyProcPid;
  BackgroundWorkerHandle* handle = NULL;
  if (!RegisterDynamicBackgroundWorker(&w, &handle)) return nullptr;
  return reinterpret_cast<BgwHandle*>(handle);
}

}  // namespace pp::pg
