#include "pg/ingest_progress.h"

#include "pg/pg_includes.h"

extern "C" {
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"
}

extern "C" {
PGDLLEXPORT Datum prodplan_ingest_progress(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_ingest_progress);
}

namespace pp::pg {

namespace {

constexpr int kSlots = 32;  // concurrent ingestion runs shown; more still run, unseen

struct Slot {
  int pid;  // 0 = free
  int64 run_id;
  TimestampTz started_at;
  char sheet[64];
  volatile int64 rows_done;
  volatile int64 rows_expected;  // -1 = unknown
};

struct ProgressShared {
  LWLock* lock;
  Slot slots[kSlots];
};

ProgressShared* shared = nullptr;
Slot* my_slot = nullptr;

void release_at_exit(int, Datum) { progress_end(); }
bool exit_hook_registered = false;

}  // namespace

void progress_request_shmem() {
  RequestAddinShmemSpace(MAXALIGN(sizeof(ProgressShared)));
  RequestNamedLWLockTranche("prodplan_ingest_progress", 1);
}

void progress_startup_shmem() {
  bool found = false;
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  shared = static_cast<ProgressShared*>(ShmemInitStruct("prodplan ingest progress", sizeof(ProgressShared), &found));
  if (!found) {
    memset(shared, 0, sizeof(ProgressShared));
    shared->lock = &(GetNamedLWLockTranche("prodplan_ingest_progress"))->lock;
  }
  LWLockRelease(AddinShmemInitLock);
}

void progress_begin(int64_t run_id) {
  if (shared == nullptr || my_slot != nullptr) return;
  // LWLockAcquire does not raise errors in practice (only on too many held
  // locks, a bug); the critical section is a few stores.
  LWLockAcquire(shared->lock, LW_EXCLUSIVE);
  for (int i = 0; i < kSlots; i++) {
    if (shared->slots[i].pid == 0) {
      my_slot = &shared->slots[i];
      my_slot->pid = MyProcPid;
      my_slot->run_id = run_id;
      my_slot->started_at = GetCurrentTimestamp();
      my_slot->sheet[0] = '\0';
      my_slot->rows_done = 0;
      my_slot->rows_expected = -1;
      break;
    }
  }
  LWLockRelease(shared->lock);
  if (my_slot != nullptr && !exit_hook_registered) {
    before_shmem_exit(release_at_exit, 0);
    exit_hook_registered = true;
  }
}

void progress_sheet(const char* sheet, int64_t rows_done, int64_t rows_expected) {
  if (my_slot == nullptr) return;
  if (strncmp(my_slot->sheet, sheet, sizeof my_slot->sheet) != 0) {
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    strlcpy(my_slot->sheet, sheet, sizeof my_slot->sheet);
    LWLockRelease(shared->lock);
  }
  my_slot->rows_done = rows_done;
  my_slot->rows_expected = rows_expected;
}

void progress_end() {
  if (my_slot == nullptr) return;
  LWLockAcquire(shared->lock, LW_EXCLUSIVE);
  my_slot->pid = 0;
  LWLockRelease(shared->lock);
  my_slot = nullptr;
}

}  // namespace pp::pg

Datum prodplan_ingest_progress(PG_FUNCTION_ARGS) {
  using pp::pg::Slot;
  InitMaterializedSRF(fcinfo, 0);
  ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  if (pp::pg::shared == nullptr) return (Datum)0;

  Slot copy[pp::pg::kSlots];
  LWLockAcquire(pp::pg::shared->lock, LW_SHARED);
  memcpy(copy, pp::pg::shared->slots, sizeof copy);
  LWLockRelease(pp::pg::shared->lock);

  TimestampTz now = GetCurrentTimestamp();
  for (int i = 0; i < pp::pg::kSlots; i++) {
    if (copy[i].pid == 0) continue;
    Datum values[8];
    bool nulls[8] = {false};
    double elapsed = (double)(now - copy[i].started_at) / USECS_PER_SEC;
    values[0] = Int32GetDatum(copy[i].pid);
    values[1] = Int64GetDatum(copy[i].run_id);
    copy[i].sheet[sizeof copy[i].sheet - 1] = '\0';
    values[2] = CStringGetTextDatum(copy[i].sheet);
    nulls[2] = copy[i].sheet[0] == '\0';
    values[3] = Int64GetDatum(copy[i].rows_done);
    values[4] = Int64GetDatum(copy[i].rows_expected);
    nulls[4] = copy[i].rows_expected < 0;
    values[5] = TimestampTzGetDatum(copy[i].started_at);
    values[6] = Float8GetDatum(elapsed);
    values[7] = Float8GetDatum(elapsed > 0 ? copy[i].rows_done / elapsed : 0);
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  }
  return (Datum)0;
}
