// prodplan.forecast_series(plant, ids, kind, as_of, history_days, horizon,
// method): the engine behind prodplan.forecast() and forecast_all(). Builds
// each series' daily demand over the history_days before as_of's day —
// material issues (kind material) or ordered quantities (kind product) — and
// forecasts it (core/forecast/forecaster.h).
//
// PostgreSQL work happens in this file's plain frames; C++ objects live
// behind one raw pointer freed in PG_FINALLY and are used only in pp_call.
#include "core/forecast/forecaster.h"
#include "pg/boundary.h"
#include "pg/spi_text.h"

#include <cmath>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

#include "pg/pg_includes.h"

extern "C" {
#include "funcapi.h"
#include "utils/array.h"
#include "utils/date.h"
PGDLLEXPORT Datum prodplan_forecast_series(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_forecast_series);
}

using pp::pg::fetch_text_table;
using pp::pg::pp_call;

namespace {

struct Series {
  std::string id;
  std::vector<double> daily;
  pp::forecast::ForecastResult result;
};

struct ForecastRun {
  std::vector<Series> series;
  std::unordered_map<std::string, std::size_t> index;
};

}  // namespace

Datum prodplan_forecast_series(PG_FUNCTION_ARGS) {
  Datum plant = PG_GETARG_DATUM(0);
  const bool all = PG_ARGISNULL(1);
  Datum ids = all ? (Datum)0 : PG_GETARG_DATUM(1);
  const char* kind = text_to_cstring(PG_GETARG_TEXT_PP(2));
  const TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(3);
  const int history_days = PG_GETARG_INT32(4);
  const int horizon = PG_GETARG_INT32(5);
  const char* method_text = text_to_cstring(PG_GETARG_TEXT_PP(6));
  const pp::CancelToken cancel = pp::pg::backend_cancel_token();
  const bool product = strcmp(kind, "product") == 0;
  if (!product && strcmp(kind, "material") != 0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("prodplan.forecast: kind must be material or product, got \"%s\"", kind)));
  if (history_days < 14 || history_days > 3660)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.forecast: history_days must be 14 to 3660, got %d", history_days)));
  pp::forecast::Method method = pp::forecast::Method::Auto;
  pp_call("prodplan.forecast", [&] {
    method = pp::forecast::parse_method(method_text);
    if (horizon < 1 || horizon > pp::forecast::kMaxHorizonDays)
      pp::throw_invalid("horizon must be 1 to " + std::to_string(pp::forecast::kMaxHorizonDays) + " days, got " + std::to_string(horizon));
  });
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prodplan.forecast: SPI_connect failed");

  Oid t4[4] = {TEXTOID, TIMESTAMPTZOID, INT4OID, TEXTARRAYOID};
  // fetch_text_table passes no NULLs: "every series" is the empty array.
  Datum v4[4] = {plant, TimestampTzGetDatum(as_of), Int32GetDatum(history_days),
                 all ? PointerGetDatum(construct_empty_array(TEXTOID)) : ids};
  // The series: the ids asked for (all materials or products when none).
  const pp::planning::TextTable names = fetch_text_table(
      "prodplan.forecast",
      product ? "SELECT x FROM unnest(CASE WHEN cardinality($4) > 0 THEN $4 ELSE ARRAY(SELECT product_id FROM prodplan.product WHERE plant_id = $1 "
                "UNION SELECT DISTINCT product_id FROM prodplan.production_order WHERE plant_id = $1 ORDER BY 1) END) x"
              : "SELECT x FROM unnest(CASE WHEN cardinality($4) > 0 THEN $4 ELSE ARRAY(SELECT material_id FROM prodplan.material WHERE plant_id = $1 ORDER BY 1) END) x",
      4, t4, v4);
  // Daily demand: days before as_of's UTC day (1 = the day before).
  const pp::planning::TextTable demand = fetch_text_table(
      "prodplan.forecast",
      product ? "SELECT product_id, (($2 AT TIME ZONE 'UTC')::date - (created_at AT TIME ZONE 'UTC')::date), sum(quantity) "
                "FROM prodplan.production_order WHERE plant_id = $1 AND (cardinality($4) = 0 OR product_id = ANY ($4)) "
                "AND created_at >= (($2 AT TIME ZONE 'UTC')::date - $3) AT TIME ZONE 'UTC' AND created_at < (($2 AT TIME ZONE 'UTC')::date) AT TIME ZONE 'UTC' "
                "GROUP BY 1, 2"
              : "SELECT material_id, (($2 AT TIME ZONE 'UTC')::date - (moved_at AT TIME ZONE 'UTC')::date), -sum(quantity) "
                "FROM prodplan.stock_movement WHERE plant_id = $1 AND kind = 'issue' AND (cardinality($4) = 0 OR material_id = ANY ($4)) "
                "AND moved_at >= (($2 AT TIME ZONE 'UTC')::date - $3) AT TIME ZONE 'UTC' AND moved_at < (($2 AT TIME ZONE 'UTC')::date) AT TIME ZONE 'UTC' "
                "GROUP BY 1, 2",
      4, t4, v4);
  // The first forecast day is as_of's UTC day.
  const DateADT first_day = DatumGetDateADT(DirectFunctionCall1(timestamptz_date, TimestampTzGetDatum(as_of)));

  ForecastRun* run = nullptr;
  PG_TRY();
  {
    pp_call("prodplan.forecast", [&] {
      run = new ForecastRun();
      for (int64 i = 0; i < names.rows; ++i) {
        if (!names.cell(i, 0) || run->index.count(names.cell(i, 0))) continue;
        run->index.emplace(names.cell(i, 0), run->series.size());
        run->series.push_back({names.cell(i, 0), std::vector<double>(static_cast<std::size_t>(history_days), 0.0), {}});
      }
      for (int64 i = 0; i < demand.rows; ++i) {
        auto it = run->index.find(demand.cell(i, 0));
        if (it == run->index.end()) continue;
        const int back = std::atoi(demand.cell(i, 1));
        const int day = history_days - back;
        // Returns booked as issues (positive movements) never make demand negative.
        if (day >= 0 && day < history_days)
          run->series[it->second].daily[static_cast<std::size_t>(day)] += std::max(0.0, std::strtod(demand.cell(i, 2), nullptr));
      }
      pp::forecast::ForecastOptions fo;
      fo.cancel = cancel;
      for (Series& s : run->series) {
        cancel.poll();
        s.result = pp::forecast::forecast_series(s.daily, horizon, method, fo);
      }
    });
    for (const Series& s : run->series) {
      const auto& r = s.result;
      for (std::size_t d = 0; d < r.days.size(); ++d) {
        Datum values[17];
        bool nulls[17] = {false};
        auto f = [&](int i, double x) {
          values[i] = Float8GetDatum(x);
          nulls[i] = !std::isfinite(x);
        };
        values[0] = CStringGetTextDatum(s.id.c_str());
        values[1] = DateADTGetDatum(first_day + static_cast<DateADT>(d));
        f(2, r.days[d].point);
        f(3, r.days[d].lo80);
        f(4, r.days[d].hi80);
        f(5, r.days[d].lo95);
        f(6, r.days[d].hi95);
        values[7] = CStringGetTextDatum(pp::forecast::method_name(r.method));
        values[8] = CStringGetTextDatum(pp::forecast::demand_class_name(r.demand_class));
        f(9, r.adi);
        f(10, r.cv2);
        f(11, r.mase);
        f(12, r.naive_mase);
        f(13, r.params.alpha);
        f(14, r.params.beta);
        f(15, r.params.gamma);
        values[16] = CStringGetTextDatum(r.note.c_str());
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
      }
    }
  }
  PG_FINALLY();
  {
    delete run;
  }
  PG_END_TRY();
  SPI_finish();
  return (Datum)0;
}
