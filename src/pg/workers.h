// prodplan's background workers (CONVENTIONS 12-17):
//   launcher  (static, one per cluster, no database): keeps one scheduler
//             running for each database named in prodplan.databases;
//   scheduler (dynamic, one per database, bootstrap superuser): starts due
//             jobs of prodplan.jobs, records runs that were lost;
//   job run   (dynamic, one per run, connected as the job's owner): runs
//             the command and records how it ended.
// Nothing starts on a standby (BgWorkerStart_RecoveryFinished), and nothing
// is registered when the library is not preloaded or under pg_upgrade.
#pragma once

#include <cstdint>

namespace pp::pg {

// Registers the launcher; call from _PG_init while preloading.
void register_launcher();

// Unix seconds <-> TimestampTz (microseconds since 2000-01-01).
std::int64_t unix_from_timestamptz(std::int64_t ts);
std::int64_t timestamptz_from_unix(std::int64_t unix_seconds);

// What a job-run worker receives in bgw_extra.
struct JobRunArgs {
  std::int64_t run_id;
  std::int64_t job_id;
  unsigned int database;  // Oid
  unsigned int role;      // Oid: the job's owner
};

// Records a run still 'running' as failed with `why`, and counts the
// failure on its job (the backoff). Call in a transaction with SPI connected,
// as a role that may write prodplan.job_runs and prodplan.jobs.
void settle_failed_run(std::int64_t run_id, std::int64_t job_id, const char* why);

// Starts a job-run worker that notifies the calling process when it stops;
// returns the handle, or nullptr when no worker slot is free.
struct BgwHandle;
BgwHandle* start_job_run(const JobRunArgs& args);

}  // namespace pp::pg
