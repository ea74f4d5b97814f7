// The launcher (workers.h): one static background worker without a database
// connection. It keeps a scheduler (worker_scheduler.cpp) running for each
// database of prodplan.databases, restarts one that stopped (a database
// without the extension makes its scheduler exit; it is retried every
// kRetrySeconds), and stops the scheduler of a database that leaves the list
// (so that database can be dropped). Its state lives in TopMemoryContext.
#include "pg/gucs.h"
#include "pg/workers.h"

#include "pg/pg_includes.h"

extern "C" {
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"
PGDLLEXPORT void prodplan_launcher_main(Datum arg);
PGDLLEXPORT void prodplan_scheduler_main(Datum arg);
}

namespace {

constexpr int kMaxDatabases = 64;
constexpr long kRetrySeconds = 30;

struct SchedulerSlot {
  bool used;
  char database[NAMEDATALEN];
  BackgroundWorkerHandle* handle;  // NULL: not started yet or stopped
  TimestampTz last_start;
};

SchedulerSlot slots[kMaxDatabases];

bool start_scheduler(SchedulerSlot* slot) {
  BackgroundWorker w;
  memset(&w, 0, sizeof w);
  w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  w.bgw_start_time = BgWorkerStart_RecoveryFinished;
  w.bgw_restart_time = BGW_NEVER_RESTART;
  snprintf(w.bgw_library_name, BGW_MAXLEN, "prodplan");
  snprintf(w.bgw_function_name, BGW_MAXLEN, "prodplan_scheduler_main");
  snprintf(w.bgw_name, BGW_MAXLEN, "prodplan scheduler %s", slot->database);
  snprintf(w.bgw_type, BGW_MAXLEN, "prodplan scheduler");
  static_assert(NAMEDATALEN <= BGW_EXTRALEN, "a database name fits in bgw_extra");
  memcpy(w.bgw_extra, slot->database, NAMEDATALEN);
  w.bgw_notify_pid = MyProcPid;
  slot->last_start = GetCurrentTimestamp();
  // The handle outlives this loop iteration: TopMemoryContext.
  MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
  const bool registered = RegisterDynamicBackgroundWorker(&w, &slot->handle);
  MemoryContextSwitchTo(old);
  if (!registered) {
    slot->handle = NULL;
    ereport(LOG, (errmsg("prodplan launcher: no background worker slot for the scheduler of database \"%s\"",
                         slot->database),
                  errhint("Raise max_worker_processes.")));
    return false;
  }
  return true;
}

// Brings the slots in line with prodplan.databases.
void reconcile() {
  // Allocated in the loop's context, reset after each pass.
  char* raw = pstrdup(pp::pg::guc_databases != NULL ? pp::pg::guc_databases : "");
  List* names = NIL;
  if (!SplitIdentifierString(raw, ',', &names)) {
    ereport(LOG, (errmsg("prodplan launcher: prodplan.databases is not a comma-separated list of names: \"%s\"",
                         pp::pg::guc_databases)));
    names = NIL;
  }
  // Stop the schedulers of databases no longer listed.
  for (int i = 0; i < kMaxDatabases; i++) {
    if (!slots[i].used) continue;
    bool listed = false;
    ListCell* lc;
    foreach (lc, names)
      if (strcmp((const char*)lfirst(lc), slots[i].database) == 0) listed = true;
    if (!listed) {
      if (slots[i].handle != NULL) TerminateBackgroundWorker(slots[i].handle);
      slots[i].used = false;
      slots[i].handle = NULL;
    }
  }
  // Start (or restart, at most every kRetrySeconds) the listed ones.
  ListCell* lc;
  foreach (lc, names) {
    const char* name = (const char*)lfirst(lc);
    SchedulerSlot* slot = NULL;
    SchedulerSlot* free_slot = NULL;
    for (int i = 0; i < kMaxDatabases; i++) {
      if (slots[i].used && strcmp(slots[i].database, name) == 0) slot = &slots[i];
      if (!slots[i].used && free_slot == NULL) free_slot = &slots[i];
    }
    if (slot == NULL) {
      if (free_slot == NULL) {
        ereport(LOG, (errmsg("prodplan launcher: more than %d databases in prodplan.databases; \"%s\" is skipped",
                             kMaxDatabases, name)));
        continue;
      }
      slot = free_slot;
      memset(slot, 0, sizeof *slot);
      slot->used = true;
      strlcpy(slot->database, name, NAMEDATALEN);
    }
    if (slot->handle != NULL) {
      pid_t pid;
      if (GetBackgroundWorkerPid(slot->handle, &pid) != BGWH_STOPPED) continue;
      pfree(slot->handle);
      slot->handle = NULL;
    }
    if (slot->last_start != 0 &&
        !TimestampDifferenceExceeds(slot->last_start, GetCurrentTimestamp(), (int)(kRetrySeconds * 1000)))
      continue;
    start_scheduler(slot);
  }
}

}  // namespace

void prodplan_launcher_main(Datum) {
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();
  pgstat_report_appname("prodplan launcher");
  memset(slots, 0, sizeof slots);
  MemoryContext loop = AllocSetContextCreate(TopMemoryContext, "prodplan launcher loop", ALLOCSET_DEFAULT_SIZES);
  ereport(LOG, (errmsg("prodplan launcher started")));
  for (;;) {
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);
    }
    MemoryContext old = MemoryContextSwitchTo(loop);
    reconcile();
    MemoryContextSwitchTo(old);
    MemoryContextReset(loop);
    // Woken by SIGHUP and by a scheduler stopping (bgw_notify_pid).
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 5000L, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
  }
}

namespace pp::pg {

void register_launcher() {
  BackgroundWorker w;
  memset(&w, 0, sizeof w);
  w.bgw_flags = BGWORKER_SHMEM_ACCESS;
  w.bgw_start_time = BgWorkerStart_RecoveryFinished;
  w.bgw_restart_time = 10;
  snprintf(w.bgw_library_name, BGW_MAXLEN, "prodplan");
  snprintf(w.bgw_function_name, BGW_MAXLEN, "prodplan_launcher_main");
  snprintf(w.bgw_name, BGW_MAXLEN, "prodplan launcher");
  snprintf(w.bgw_type, BGW_MAXLEN, "prodplan launcher");
  RegisterBackgroundWorker(&w);
}

std::int64_t unix_from_timestamptz(std::int64_t ts) {
  return (ts >= 0 ? ts / USECS_PER_SEC : -((-ts + USECS_PER_SEC - 1) / USECS_PER_SEC)) +
         (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
}

std::int64_t timestamptz_from_unix(std::int64_t unix_seconds) {
  return (unix_seconds - (std::int64_t)(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY) * USECS_PER_SEC;
}

}  // namespace pp::pg
