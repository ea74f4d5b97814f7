#include "pg/gucs.h"

#include "pg/backend_heap.h"
#include "pg/pg_includes.h"

namespace pp::pg {

int guc_xlsx_max_uncompressed_mb = 4096;
double guc_xlsx_max_ratio = 200.0;
int guc_xlsx_max_shared_strings_mb = 512;
int guc_xlsx_parse_threads = 2;
int guc_ingest_work_mem_mb = 128;
int guc_ingest_chunk_kb = 4096;
bool guc_ingest_direct_copy = true;
int guc_plan_time_limit_ms = 2000;
bool guc_workers_enabled = true;
char* guc_databases = nullptr;
int guc_max_job_workers = 4;
int guc_max_concurrent_heavy = 2;
int guc_heavy_wait_ms = 30000;
int guc_backend_heap_retain_kb = -1;
int guc_kept_window_plans = 128;

void define_gucs() {
  DefineCustomIntVariable(
      "prodplan.xlsx_max_uncompressed_mb",
      "Largest total uncompressed size of a workbook prodplan will read, in MB.",
      "Guards against zip bombs: a workbook whose entries inflate past this is refused before it is read.",
      &guc_xlsx_max_uncompressed_mb, 4096, 1, 1024 * 1024, PGC_SUSET, GUC_UNIT_MB, NULL, NULL, NULL);
  DefineCustomRealVariable(
      "prodplan.xlsx_max_ratio",
      "Largest compression ratio of a workbook entry over 1 MB.",
      "Real sheets compress 5-30x; a zip bomb compresses thousands of times.",
      &guc_xlsx_max_ratio, 200.0, 2.0, 1e6, PGC_SUSET, 0, NULL, NULL, NULL);
  DefineCustomIntVariable(
      "prodplan.xlsx_max_shared_strings_mb",
      "Largest shared-strings table of a workbook prodplan will hold in memory, in MB.",
      "The reader's memory is this table plus a constant, whatever the row count.",
      &guc_xlsx_max_shared_strings_mb, 512, 1, 1024 * 1024, PGC_SUSET, GUC_UNIT_MB, NULL, NULL, NULL);
  DefineCustomIntVariable(
      "prodplan.xlsx_parse_threads",
      "Threads that parse a large sheet's XML in parallel (1 = the backend alone).",
      "Worker threads block every signal and never call into PostgreSQL; rows are handed out in order. "
      "A plant's first load uses at most one fewer than the machine's CPUs, leaving one to the backend that "
      "inserts the rows meanwhile.",
      &guc_xlsx_parse_threads, 2, 1, 16, PGC_USERSET, 0, NULL, NULL, NULL);
  DefineCustomIntVariable(
      "prodplan.ingest_work_mem",
      "work_mem of an ingestion run's own statements, in MB.",
      "A run compares or joins a whole sheet at once; at the session's work_mem those hash joins spill to "
      "disk in batches. The session's setting is restored when the run ends.",
      &guc_ingest_work_mem_mb, 128, 4, 4096, PGC_USERSET, GUC_UNIT_MB, NULL, NULL, NULL);
  DefineCustomIntVariable(
      "prodplan.ingest_chunk_size",
      "Size of the parts in which a workbook sheet's staged rows are loaded while it is parsed.",
      "Larger parts mean fewer COPY calls; smaller parts start loading sooner and hold less memory.",
      &guc_ingest_chunk_kb, 4096, 64, 1024 * 1024, PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
  DefineCustomBoolVariable(
      "prodplan.ingest_direct_copy",
      "Whether a plant's first load of an entity COPYs self-contained rows straight into the canonical table.",
      "on: rows whose partition key and defaults are in the row itself skip the staging table; off: every "
      "row goes through the staging table and INSERT ... SELECT. Both give the same tables.",
      &guc_ingest_direct_copy, true, PGC_USERSET, 0, NULL, NULL, NULL);
  DefineCustomIntVariable(
      "prodplan.plan_time_limit_ms",
      "Time prodplan.plan() spends improving a plan after the dispatching rules, in milliseconds.",
      "options.time_limit_ms overrides it per call; 0 keeps the best dispatching rule's plan.",
      &guc_plan_time_limit_ms, 2000, 0, 3600 * 1000, PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
  DefineCustomBoolVariable(
      "prodplan.workers_enabled",
      "Whether prodplan's schedulers start jobs.",
      "off: schedulers stay connected but start no job run (runs going on finish). Needs the library in "
      "shared_preload_libraries.",
      &guc_workers_enabled, true, PGC_SIGHUP, 0, NULL, NULL, NULL);
  DefineCustomStringVariable(
      "prodplan.databases",
      "Databases (comma-separated) where prodplan runs a job scheduler.",
      "The launcher starts a scheduler for each listed database that has the extension installed, "
      "and stops it when the database leaves the list.",
      &guc_databases, "postgres", PGC_SIGHUP, GUC_SUPERUSER_ONLY, NULL, NULL, NULL);
  DefineCustomIntVariable(
      "prodplan.max_job_workers",
      "Most job runs one database's scheduler has going at once.",
      "Each run is a background worker: max_worker_processes must leave room for them, the launcher and "
      "one scheduler per database.",
      &guc_max_job_workers, 4, 1, 64, PGC_SIGHUP, 0, NULL, NULL, NULL);
  DefineCustomIntVariable(
      "prodplan.max_concurrent_heavy",
      "Most heavy calls (plan, what-if, simulation, training) running at once in the cluster.",
      "Further calls wait for one to end, up to prodplan.heavy_wait_ms. Needs the library in "
      "shared_preload_libraries; without it there is no limit.",
      &guc_max_concurrent_heavy, 2, 1, 1024, PGC_SIGHUP, 0, NULL, NULL, NULL);
  DefineCustomIntVariable(
      "prodplan.heavy_wait_ms",
      "How long a heavy call waits for a free slot before it fails, in milliseconds.",
      "See prodplan.max_concurrent_heavy.",
      &guc_heavy_wait_ms, 30000, 0, 3600 * 1000, PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
  DefineCustomIntVariable(
      "prodplan.backend_heap_retain",
      "Freed memory each backend keeps mapped for its next query instead of returning it to the kernel "
      "(glibc's malloc; -1: glibc's own thresholds).",
      "Sets glibc's mmap and trim thresholds. A read that builds the same few MB each call (an order list's "
      "join and sort) then reuses its pages instead of faulting them in again: 25% off an "
      "order list of load_demo(1). Each backend may hold up to this much more memory while idle. "
      "Superuser-only; ALTER DATABASE or ALTER ROLE can scope it. Applies in the backends that have loaded "
      "the library: every one when it is in shared_preload_libraries.",
      &guc_backend_heap_retain_kb, -1, -1, kBackendHeapRetainMaxKb, PGC_SUSET, GUC_UNIT_KB, NULL,
      assign_backend_heap_retain, NULL);
  DefineCustomIntVariable(
      "prodplan.kept_window_plans",
      "Plans of reads by partition window each backend keeps (prodplan.order_detail's operations and defects).",
      "A read of a range of a partitioned table is planned once per window of partitions around the range and "
      "kept; when a backend has this many, the oldest is dropped. An order's range spans one or two monthly "
      "partitions, so about two windows a partition and query are enough; each plan is a few kB.",
      &guc_kept_window_plans, 128, 1, 1024, PGC_USERSET, 0, NULL, NULL, NULL);
}

}  // namespace pp::pg
