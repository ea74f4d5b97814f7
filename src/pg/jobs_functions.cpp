// prodplan.next_run_time(schedule, after): the schedule grammar and fire
// times of core/jobs/cron_schedule.h, for SQL (the jobs trigger validates
// schedules with it, so the table and the scheduler never disagree).
#include "core/jobs/cron_schedule.h"
#include "pg/boundary.h"
#include "pg/workers.h"

#include <string>

#include "pg/pg_includes.h"

extern "C" {
#include "utils/timestamp.h"
PGDLLEXPORT Datum prodplan_next_run_time(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_next_run_time);
}

Datum prodplan_next_run_time(PG_FUNCTION_ARGS) {
  text* schedule = PG_GETARG_TEXT_PP(0);
  const TimestampTz after = PG_GETARG_TIMESTAMPTZ(1);
  const char* data = VARDATA_ANY(schedule);
  const int len = VARSIZE_ANY_EXHDR(schedule);
  const std::int64_t after_unix = pp::pg::unix_from_timestamptz(after);
  std::int64_t next = 0;
  pp::pg::pp_call("next_run_time", [&] {
    next = pp::jobs::CronSchedule::parse(std::string_view(data, (size_t)len)).next_after(after_unix);
  });
  if (next == pp::jobs::kNever) PG_RETURN_NULL();
  PG_RETURN_TIMESTAMPTZ(pp::pg::timestamptz_from_unix(next));
}
