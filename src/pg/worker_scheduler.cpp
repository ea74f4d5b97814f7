// The scheduler of one database (workers.h), started by the launcher and
// connected as the bootstrap superuser. Every tick (at most a second, sooner
// when a job run stops) it:
//   1. settles runs whose worker stopped without recording a result
//      (terminated with pg_terminate_backend, crashed): failed, with why;
//   2. asks the core's policy (core/jobs/job_policy.h) which enabled jobs are
//      due; a job with a run still going is never due (no overlap), a job
//      that missed several fire times runs once, and failures back off;
//   3. records each due run (job_runs row, jobs.last_scheduled_at) and
//      commits, then starts its worker (worker_job_run.cpp), at most
//      prodplan.max_job_workers at once.
// At start-up, runs left running by a crash or restart are marked failed.
// It exits when the extension is not (or no longer) installed; the launcher
// tries again later. C++ runs only in decide_due(), without PostgreSQL calls.
#include "core/jobs/cron_schedule.h"
#include "core/jobs/job_policy.h"
#include "pg/gucs.h"
#include "pg/run_recorder.h"
#include "pg/workers.h"

#include <exception>
#include <string>

#include "pg/pg_includes.h"

extern "C" {
#include "access/xact.h"
#include "commands/extension.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
PGDLLEXPORT void prodplan_scheduler_main(Datum arg);
}

namespace {

constexpr int kMaxRuns = 64;
constexpr long kErrorPauseMs = 5000;

struct RunningJob {
  bool used;
  std::int64_t run_id;
  std::int64_t job_id;
  BackgroundWorkerHandle* handle;
};
RunningJob running[kMaxRuns];
char database_name[NAMEDATALEN];

struct DueRun {
  std::int64_t run_id;
  std::int64_t job_id;
  Oid role;
};

void begin_tx() {
  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prodplan scheduler: SPI_connect failed");
  PushActiveSnapshot(GetTransactionSnapshot());
}

void commit_tx() {
  SPI_finish();
  PopActiveSnapshot();
  CommitTransactionCommand();
  pgstat_report_stat(false);
  pgstat_report_activity(STATE_IDLE, NULL);
}

bool extension_ready() {
  // The extension and its jobs table (an older version has none).
  if (!OidIsValid(get_extension_oid("prodplan", true))) return false;
  return SPI_execute("SELECT 1 FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass('prodplan.jobs')", true, 1) ==
             SPI_OK_SELECT &&
         SPI_processed == 1;
}

// The core's decision for one job; false (and a message) when its schedule
// does not parse (the jobs trigger prevents it, unless it was bypassed).
struct Decision {
  bool run_now;
  std::int64_t scheduled_for;
  std::int64_t wake_at;
};
bool decide_due(const char* schedule, const pp::jobs::JobState& state, std::int64_t now, Decision* out, char* error,
                size_t error_len) {
  try {
    const auto s = pp::jobs::CronSchedule::parse(schedule);
    const pp::jobs::Decision d = pp::jobs::decide(s, state, now);
    out->run_now = d.run_now;
    out->scheduled_for = d.scheduled_for;
    out->wake_at = d.wake_at;
    return true;
  } catch (const std::exception& e) {
    snprintf(error, error_len, "%s", e.what());
  } catch (...) {
    snprintf(error, error_len, "unknown error");
  }
  return false;
}


// 1. Runs whose worker stopped: a run still 'running' was lost.
void reap() {
  bool any = false;
  for (auto& r : running)
    if (r.used) {
      pid_t pid;
      if (GetBackgroundWorkerPid(r.handle, &pid) == BGWH_STOPPED) any = true;
    }
  if (!any) return;
  begin_tx();
  for (auto& r : running) {
    if (!r.used) continue;
    pid_t pid;
    if (GetBackgroundWorkerPid(r.handle, &pid) != BGWH_STOPPED) continue;
    pp::pg::settle_failed_run(r.run_id, r.job_id,
                "the job's worker ended without recording a result (terminated, e.g. by pg_terminate_backend, or "
                "crashed)");
    pfree(r.handle);
    r.used = false;
  }
  commit_tx();
}

int running_count() {
  int n = 0;
  for (const auto& r : running) n += r.used ? 1 : 0;
  return n;
}

// 2 and 3. Returns the milliseconds to sleep.
long schedule_due() {
  DueRun due[kMaxRuns];
  int n_due = 0;
  const std::int64_t now = pp::pg::unix_from_timestamptz(GetCurrentTimestamp());
  std::int64_t wake = now + 1;
  begin_tx();
  if (!extension_ready()) {
    commit_tx();
    ereport(LOG, (errmsg("prodplan scheduler: the extension is not installed in database \"%s\"; stopping",
                         database_name)));
    proc_exit(0);
  }
  if (pp::pg::guc_workers_enabled) {
    pgstat_report_activity(STATE_RUNNING, "prodplan scheduler: finding due jobs");
    if (SPI_execute(
            "SELECT j.job_id, j.schedule, extract(epoch FROM j.created_at)::int8, "
            "coalesce(extract(epoch FROM j.last_scheduled_at)::int8, 0), j.consecutive_failures, "
            "coalesce((SELECT extract(epoch FROM max(r.ended_at))::int8 FROM prodplan.job_runs r "
            "WHERE r.job_id = j.job_id), 0), "
            "EXISTS (SELECT 1 FROM prodplan.job_runs r WHERE r.job_id = j.job_id AND r.status = 'running'), "
            "a.oid, coalesce(a.rolcanlogin, false), j.owner::text "
            "FROM prodplan.jobs j LEFT JOIN pg_catalog.pg_authid a ON a.rolname = j.owner "
            "WHERE j.enabled ORDER BY j.job_id",
            false, 0) != SPI_OK_SELECT)
      elog(ERROR, "prodplan scheduler: could not read prodplan.jobs");
    SPITupleTable* jobs = SPI_tuptable;
    const uint64 n_jobs = SPI_processed;
    int slots = pp::pg::guc_max_job_workers - running_count();
    for (uint64 i = 0; i < n_jobs; i++) {
      HeapTuple t = jobs->vals[i];
      TupleDesc d = jobs->tupdesc;
      bool isnull;
      const std::int64_t job_id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
      const char* schedule = SPI_getvalue(t, d, 2);
      pp::jobs::JobState st;
      st.created_at = DatumGetInt64(SPI_getbinval(t, d, 3, &isnull));
      st.last_scheduled = DatumGetInt64(SPI_getbinval(t, d, 4, &isnull));
      st.consecutive_failures = DatumGetInt32(SPI_getbinval(t, d, 5, &isnull));
      st.last_finished = DatumGetInt64(SPI_getbinval(t, d, 6, &isnull));
      st.running = DatumGetBool(SPI_getbinval(t, d, 7, &isnull));
      st.enabled = true;
      const Datum role_d = SPI_getbinval(t, d, 8, &isnull);
      const Oid role = isnull ? InvalidOid : DatumGetObjectId(role_d);
      const bool can_login = DatumGetBool(SPI_getbinval(t, d, 9, &isnull));
      const char* owner = SPI_getvalue(t, d, 10);
      Decision dec;
      char error[512];
      if (!decide_due(schedule, st, now, &dec, error, sizeof error)) {
        ereport(WARNING, (errmsg("prodplan scheduler: job " INT64_FORMAT " is skipped: %s", job_id, error)));
        continue;
      }
      if (dec.wake_at < wake) wake = dec.wake_at;
      if (!dec.run_now || slots <= 0 || n_due >= kMaxRuns) continue;
      // The run row and the job's new mark, in this transaction.
      const char* why = NULL;
      if (!OidIsValid(role)) why = psprintf("role \"%s\" does not exist", owner);
      else if (!can_login)
        why = psprintf("role \"%s\" cannot log in: a job runs as its owner, who needs LOGIN", owner);
      Oid types[4] = {INT8OID, TIMESTAMPTZOID, TEXTOID, TEXTOID};
      Datum values[4] = {Int64GetDatum(job_id), Int64GetDatum(pp::pg::timestamptz_from_unix(dec.scheduled_for)),
                         CStringGetTextDatum(why != NULL ? "failed" : "running"),
                         why != NULL ? CStringGetTextDatum(why) : (Datum)0};
      const char nulls[4] = {' ', ' ', ' ', why != NULL ? ' ' : 'n'};
      if (SPI_execute_with_args(
              "WITH j AS (UPDATE prodplan.jobs SET last_scheduled_at = $2, "
              "consecutive_failures = consecutive_failures + (CASE WHEN $3 = 'failed' THEN 1 ELSE 0 END) "
              "WHERE job_id = $1 RETURNING job_id, name, owner, command) "
              "INSERT INTO prodplan.job_runs (job_id, job_name, owner, command, scheduled_for, status, message, ended_at) "
              "SELECT job_id, name, owner, command, $2, $3, $4, CASE WHEN $3 = 'failed' THEN clock_timestamp() END "
              "FROM j RETURNING run_id",
              4, types, values, nulls, false, 0) != SPI_OK_INSERT_RETURNING)
        elog(ERROR, "prodplan scheduler: could not record a run of job " INT64_FORMAT, job_id);
      if (why != NULL || SPI_processed != 1) continue;
      due[n_due].run_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
      due[n_due].job_id = job_id;
      due[n_due].role = role;
      n_due++;
      slots--;
    }
  }
  commit_tx();

  // Start the recorded runs; one that finds no worker slot fails now.
  for (int i = 0; i < n_due; i++) {
    pp::pg::JobRunArgs args = {due[i].run_id, due[i].job_id, MyDatabaseId, due[i].role};
    MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
    BackgroundWorkerHandle* h = reinterpret_cast<BackgroundWorkerHandle*>(pp::pg::start_job_run(args));
    MemoryContextSwitchTo(old);
    if (h == NULL) {
      begin_tx();
      pp::pg::settle_failed_run(due[i].run_id, due[i].job_id,
                  "no background worker slot was free to run it (raise max_worker_processes)");
      commit_tx();
      continue;
    }
    for (auto& r : running)
      if (!r.used) {
        r = {true, due[i].run_id, due[i].job_id, h};
        break;
      }
  }
  const std::int64_t wait_s = wake - now;
  return wait_s <= 0 ? 10L : (wait_s >= 1 ? 1000L : wait_s * 1000L);
}

// Start-up: runs still 'running' whose process is gone were lost with the
// previous server or scheduler; so were ingestion runs whose transaction is
// not in progress any more.
void settle_stale() {
  begin_tx();
  if (!extension_ready()) {
    commit_tx();
    proc_exit(0);
  }
  if (SPI_execute("WITH r AS (UPDATE prodplan.job_runs SET status = 'failed', ended_at = clock_timestamp(), "
                  "message = 'the server or the scheduler stopped while it ran' "
                  "WHERE status = 'running' AND (pid IS NULL OR pid NOT IN (SELECT pid FROM pg_catalog.pg_stat_activity)) "
                  "RETURNING job_id) "
                  "UPDATE prodplan.jobs j SET consecutive_failures = consecutive_failures + 1 "
                  "WHERE j.job_id IN (SELECT job_id FROM r)",
                  false, 0) < 0)
    elog(ERROR, "prodplan scheduler: could not settle stale runs");
  // Direct ingestion calls whose transaction died with the previous server.
  pp::pg::settle_ingest_runs();
  commit_tx();
}

}  // namespace

namespace pp::pg {

void settle_failed_run(std::int64_t run_id, std::int64_t job_id, const char* why) {
  Oid types[3] = {INT8OID, TEXTOID, INT8OID};
  Datum values[3] = {Int64GetDatum(run_id), CStringGetTextDatum(why), Int64GetDatum(job_id)};
  if (SPI_execute_with_args("WITH r AS (UPDATE prodplan.job_runs SET status = 'failed', ended_at = clock_timestamp(), "
                            "message = $2 WHERE run_id = $1 AND status = 'running' RETURNING 1) "
                            "UPDATE prodplan.jobs SET consecutive_failures = consecutive_failures + 1 "
                            "WHERE job_id = $3 AND EXISTS (SELECT 1 FROM r)",
                            3, types, values, NULL, false, 0) < 0)
    elog(ERROR, "prodplan: could not settle job run " INT64_FORMAT, run_id);
}

}  // namespace pp::pg

void prodplan_scheduler_main(Datum) {
  char* database = database_name;
  memcpy(database, MyBgworkerEntry->bgw_extra, NAMEDATALEN);
  database[NAMEDATALEN - 1] = '\0';
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();
  BackgroundWorkerInitializeConnection(database, NULL, 0);
  pgstat_report_appname("prodplan scheduler");
  memset(running, 0, sizeof running);
  settle_stale();
  ereport(LOG, (errmsg("prodplan scheduler started in database \"%s\"", database)));
  MemoryContext loop = AllocSetContextCreate(TopMemoryContext, "prodplan scheduler loop", ALLOCSET_DEFAULT_SIZES);
  for (;;) {
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);
    }
    MemoryContext old = MemoryContextSwitchTo(loop);
    volatile long wait_ms = 1000;
    // A failing tick (a bug, a catalog change under it) is logged and
    // retried after kErrorPauseMs; it must not take the scheduler down.
    PG_TRY();
    {
      reap();
      wait_ms = schedule_due();
    }
    PG_CATCH();
    {
      MemoryContextSwitchTo(old);
      EmitErrorReport();
      FlushErrorState();
      AbortCurrentTransaction();
      wait_ms = kErrorPauseMs;
    }
    PG_END_TRY();
    MemoryContextSwitchTo(old);
    MemoryContextReset(loop);
    // Woken early by SIGHUP and by a job run stopping (bgw_notify_pid).
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, wait_ms, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
  }
}
