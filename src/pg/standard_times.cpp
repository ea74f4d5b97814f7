// prodplan.standard_times(plant, min_samples, products): reads a plant's
// completed first-pass operations and routing once, in batches through an
// SPI cursor, into the core's estimator (core/planning/standard_times.h),
// and returns its estimates. plan() reads them through this function.
// PostgreSQL work happens in this file's plain frames; the estimator lives
// behind one raw pointer freed in PG_FINALLY and is used only in pp_call.
#include "core/planning/standard_times.h"
#include "pg/boundary.h"

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "pg/pg_includes.h"
#include "pg/spi_scan.h"

extern "C" {
#include "funcapi.h"
#include "utils/array.h"
PGDLLEXPORT Datum prodplan_standard_times(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_standard_times);
}

using pp::pg::pp_call;

using pp::pg::ScanRow;
using pp::pg::text_view;

Datum prodplan_standard_times(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0)) ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("prodplan.standard_times: plant must not be NULL")));
  const Datum plant = PG_GETARG_DATUM(0);
  const int min_samples = PG_ARGISNULL(1) ? 5 : PG_GETARG_INT32(1);
  if (min_samples < 1)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.standard_times: min_samples must be at least 1, got %d", min_samples)));
  // The products asked for, viewed in this call's memory context.
  const bool restricted = !PG_ARGISNULL(2);
  Datum* elems = nullptr;
  bool* elem_nulls = nullptr;
  int n_elems = 0;
  std::string_view* wanted = nullptr;
  int n_wanted = 0;
  if (restricted) {
    deconstruct_array(PG_GETARG_ARRAYTYPE_P(2), TEXTOID, -1, false, TYPALIGN_INT, &elems, &elem_nulls, &n_elems);
    wanted = (std::string_view*)palloc(sizeof(std::string_view) * (n_elems + 1));
    for (int i = 0; i < n_elems; ++i)
      if (!elem_nulls[i]) wanted[n_wanted++] = text_view(elems[i]);
  }

  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prodplan.standard_times: SPI_connect failed");

  pp::planning::StandardTimeEstimator* volatile est = nullptr;
  std::vector<pp::planning::StandardTime>* volatile result = nullptr;
  PG_TRY();
  {
    pp_call("standard_times", [&] {
      est = new pp::planning::StandardTimeEstimator();
      result = new std::vector<pp::planning::StandardTime>();
      if (restricted) est->restrict_to_products(std::vector<std::string>(wanted, wanted + n_wanted));
    });
    pp::planning::StandardTimeEstimator& e = *est;
    pp::pg::scan_plant_rows("prodplan.standard_times", "SELECT po.product_id, o.work_center_id, o.coefficient, "
         "extract(epoch FROM o.ended_at - o.started_at)::float8 / 60.0 "
         "FROM prodplan.operation o JOIN prodplan.production_order po "
         "ON po.plant_id = o.plant_id AND po.order_id = o.order_id "
         "WHERE o.plant_id = $1 AND o.ended_at > o.started_at AND NOT o.is_rework",
         plant, [&](const ScanRow& r) { e.add_completed(r.a, r.b, r.x, r.y); });
    pp::pg::scan_plant_rows("prodplan.standard_times", "SELECT product_id, work_center_id, coefficient FROM prodplan.routing_step WHERE plant_id = $1 "
         "ORDER BY product_id, work_center_id, sequence",
         plant, [&](const ScanRow& r) { e.add_routing_step(r.a, r.b, r.x); });
    pp_call("standard_times", [&] { *result = est->estimate(min_samples); });

    // Rows into the tuplestore, in the memory context it was created in.
    for (const pp::planning::StandardTime& st : *result) {
      Datum values[5];
      bool nulls[5] = {false, false, false, false, false};
      values[0] = PointerGetDatum(cstring_to_text_with_len(st.product_id.data(), (int)st.product_id.size()));
      values[1] = PointerGetDatum(cstring_to_text_with_len(st.work_center_id.data(), (int)st.work_center_id.size()));
      if (std::isnan(st.minutes)) nulls[2] = true;
      else values[2] = Float8GetDatum(st.minutes);
      values[3] = CStringGetTextDatum(pp::planning::standard_time_source_name(st.source));
      values[4] = Int64GetDatum(st.samples);
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
  }
  PG_FINALLY();
  {
    delete est;
    delete result;
  }
  PG_END_TRY();
  SPI_finish();
  return (Datum)0;
}
