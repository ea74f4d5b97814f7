// heavy_enter / heavy_leave (heavy_guard.h).
#include "pg/heavy_guard.h"
#include "pg/gucs.h"

#include "pg/pg_includes.h"

extern "C" {
#include "pgstat.h"
#include "storage/condition_variable.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/timestamp.h"
}

namespace pp::pg {

namespace {

struct HeavyShared {
  slock_t mutex;
  int running;  // slots taken, cluster-wide
  ConditionVariable released;
};

HeavyShared* shared = nullptr;
bool holding = false;
bool exit_hook_registered = false;

void leave_at_exit(int, Datum) { heavy_leave(); }

bool try_take(int limit) {
  bool taken = false;
  SpinLockAcquire(&shared->mutex);
  if (shared->running < limit) {
    shared->running++;
    taken = true;
  }
  SpinLockRelease(&shared->mutex);
  return taken;
}

}  // namespace

void heavy_request_shmem() { RequestAddinShmemSpace(MAXALIGN(sizeof(HeavyShared))); }

void heavy_startup_shmem() {
  bool found = false;
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  shared = static_cast<HeavyShared*>(ShmemInitStruct("prodplan heavy calls", sizeof(HeavyShared), &found));
  if (!found) {
    SpinLockInit(&shared->mutex);
    shared->running = 0;
    ConditionVariableInit(&shared->released);
  }
  LWLockRelease(AddinShmemInitLock);
}

void heavy_enter(const char* what) {
  if (shared == nullptr || holding) return;
  if (!exit_hook_registered) {
    before_shmem_exit(leave_at_exit, 0);
    exit_hook_registered = true;
  }
  const int limit = guc_max_concurrent_heavy;
  if (!try_take(limit)) {
    const TimestampTz start = GetCurrentTimestamp();
    const long wait_ms = guc_heavy_wait_ms;
    ConditionVariablePrepareToSleep(&shared->released);
    for (;;) {
      if (try_take(limit)) break;
      const long waited = TimestampDifferenceMilliseconds(start, GetCurrentTimestamp());
      if (waited >= wait_ms) {
        ConditionVariableCancelSleep();
        ereport(ERROR, (errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
                        errmsg("prodplan.%s: %d heavy calls (plan, what-if, simulation, training) are already running "
                               "in this cluster; waited %ld ms for one to end",
                               what, limit, waited),
                        errhint("Try again later, or raise prodplan.max_concurrent_heavy (now %d) or "
                                "prodplan.heavy_wait_ms (now %ld).",
                                limit, wait_ms)));
      }
      // Woken when a slot is given back; the timeout bounds the wait and
      // re-reads a limit raised meanwhile. Interrupts are checked inside.
      (void)ConditionVariableTimedSleep(&shared->released, Min(wait_ms - waited, 1000L), PG_WAIT_EXTENSION);
    }
    ConditionVariableCancelSleep();
  }
  holding = true;
}

void heavy_leave() {
  if (shared == nullptr || !holding) return;
  SpinLockAcquire(&shared->mutex);
  if (shared->running > 0) shared->running--;
  SpinLockRelease(&shared->mutex);
  holding = false;
  ConditionVariableSignal(&shared->released);
}

}  // namespace pp::pg
