// prodplan.* settings. Defined in _PG_init, so they exist whether or not the
// library is preloaded (they appear once a prodplan function has been called).
#pragma once

namespace pp::pg {

void define_gucs();

// Limits of the xlsx reader (superuser-only: they guard the backend's memory
// against hostile workbooks).
extern int guc_xlsx_max_uncompressed_mb;
extern double guc_xlsx_max_ratio;
extern int guc_xlsx_max_shared_strings_mb;
extern int guc_xlsx_parse_threads;

// work_mem of an ingestion run's statements, in MB (set for the run only).
extern int guc_ingest_work_mem_mb;
// Size of the staged-row parts loaded while a sheet is parsed, in kB.
extern int guc_ingest_chunk_kb;
// Whether a first load COPYs self-contained rows straight into the canonical
// tables (ingest_append.cpp) rather than through the staging table.
extern bool guc_ingest_direct_copy;
// Default improvement time of prodplan.plan(), milliseconds.
extern int guc_plan_time_limit_ms;

// Background workers (worker_*.cpp): whether schedulers start jobs, the
// databases that get a scheduler (comma-separated names), and the most job
// runs one database's scheduler has going at once.
extern bool guc_workers_enabled;
extern char* guc_databases;
extern int guc_max_job_workers;

// Heavy calls (heavy_guard.h): how many run at once in the cluster, and how
// long a call waits for a free slot, in milliseconds.
extern int guc_max_concurrent_heavy;
extern int guc_heavy_wait_ms;

// Freed memory a backend keeps in its heap, in kB; -1 = glibc's default
// (backend_heap.h).
extern int guc_backend_heap_retain_kb;

// Plans of partition-window reads a backend keeps (window_plans.h).
extern int guc_kept_window_plans;

}  // namespace pp::pg
