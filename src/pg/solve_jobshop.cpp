// prodplan.solve_jobshop(instance text, time_limit_ms int, seed int, format text):
// the scheduler's job-shop engine (core/schedule/jobshop_solver.h) on an
// OR-Library job-shop (jsp) or Brandimarte flexible job-shop (fjs) instance.
// Returns one row: makespan, a valid lower bound, whether the makespan is
// proven optimal (it meets the bound), and the schedule as jsonb.
#include "core/schedule/jobshop_instance.h"
#include "core/schedule/jobshop_solver.h"
#include "pg/boundary.h"

#include <string>

#include "pg/pg_includes.h"

extern "C" {
PGDLLEXPORT Datum prodplan_solve_jobshop(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_solve_jobshop);
}

namespace {

// What crosses from the C++ frame to the PostgreSQL frame: plain values and
// a malloc'd JSON text (freed by the caller).
struct Outcome {
  int64 makespan;
  int64 lower_bound;
  bool proven_optimal;
  char* solution_json;
};

}  // namespace

Datum prodplan_solve_jobshop(PG_FUNCTION_ARGS) {
  text* instance = PG_GETARG_TEXT_PP(0);
  const int32 time_limit_ms = PG_GETARG_INT32(1);
  const int32 seed = PG_GETARG_INT32(2);
  char* format = text_to_cstring(PG_GETARG_TEXT_PP(3));
  if (time_limit_ms < 0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.solve_jobshop: time_limit_ms must be >= 0, got %d", time_limit_ms)));
  pp::schedule::JobShopFormat fmt;
  if (pg_strcasecmp(format, "jsp") == 0)
    fmt = pp::schedule::JobShopFormat::Jsp;
  else if (pg_strcasecmp(format, "fjs") == 0)
    fmt = pp::schedule::JobShopFormat::Fjs;
  else
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.solve_jobshop: unknown format \"%s\"", format),
                    errhint("Formats are jsp (OR-Library job shop) and fjs (Brandimarte flexible job shop).")));
  const char* data = VARDATA_ANY(instance);
  const size_t len = VARSIZE_ANY_EXHDR(instance);
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();

  Outcome out = {0, 0, false, nullptr};
  pp::pg::pp_call("solve_jobshop", [&] {
    const pp::schedule::JobShopInstance inst = pp::schedule::parse_jobshop(std::string_view(data, len), fmt);
    pp::schedule::SolveOptions opt;
    opt.time_limit_ms = time_limit_ms;
    opt.seed = (std::uint64_t)(std::uint32_t)seed;
    opt.cancel = &cancel;
    if (time_limit_ms == 0) opt.max_iterations = 1;  // the constructive schedule, barely improved
    const pp::schedule::SolveResult r = pp::schedule::solve_jobshop(inst, opt);
    // {"jobs": [[{"machine": m, "start": s, "end": e}, ...], ...], "iterations": n, "seconds": s,
    //  "first_solution_makespan": m}: per job, its operations in processing order.
    std::string j = "{\"jobs\": [";
    std::int32_t job = -1;
    for (const auto& op : r.operations) {
      if (op.job != job) {
        if (job >= 0) j += "], ";
        // Jobs without operations still get their (empty) list.
        while (++job < op.job) j += "[], ";
        j += "[";
      } else {
        j += ", ";
      }
      j += "{\"machine\": " + std::to_string(op.machine) + ", \"start\": " + std::to_string(op.start) +
           ", \"end\": " + std::to_string(op.end) + "}";
    }
    if (job >= 0) j += "]";
    while (++job < (std::int32_t)inst.jobs.size()) j += job == 0 ? "[]" : ", []";
    j += "], \"iterations\": " + std::to_string(r.iterations) + ", \"seconds\": " + std::to_string(r.seconds) +
         ", \"first_solution_makespan\": " + std::to_string(r.first_solution_makespan) + "}";
    out.makespan = r.makespan;
    out.lower_bound = r.lower_bound;
    out.proven_optimal = r.proven_optimal;
    out.solution_json = static_cast<char*>(malloc(j.size() + 1));
    if (out.solution_json == nullptr) throw std::bad_alloc();
    memcpy(out.solution_json, j.c_str(), j.size() + 1);
  });

  TupleDesc desc;
  if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE) {
    free(out.solution_json);
    elog(ERROR, "prodplan.solve_jobshop: return type must be a row type");
  }
  desc = BlessTupleDesc(desc);
  Datum solution;
  PG_TRY();
  {
    solution = DirectFunctionCall1(jsonb_in, CStringGetDatum(out.solution_json));
  }
  PG_FINALLY();
  {
    free(out.solution_json);
  }
  PG_END_TRY();
  Datum values[4] = {Int64GetDatum(out.makespan), Int64GetDatum(out.lower_bound), BoolGetDatum(out.proven_optimal),
                     solution};
  bool nulls[4] = {false, false, false, false};
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
