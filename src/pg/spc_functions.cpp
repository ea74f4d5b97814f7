// prodplan.spc_points(plant, characteristic, options) and
// prodplan.capability_of(plant, characteristic, from, to): the engines
// behind prodplan.spc() and prodplan.capability() (which check the options
// and find the plant). Read the characteristic's measurements in time order,
// group them (core/quality/readings.h) and return the chart
// (core/quality/control_chart.h) or the capability (core/quality/capability.h).
//
// PostgreSQL work happens in this file's plain frames; C++ objects live
// behind one raw pointer freed in PG_FINALLY and are used only in pp_call.
#include "core/quality/capability.h"
#include "core/quality/control_chart.h"
#include "core/quality/readings.h"
#include "core/simulate/inverse_normal.h"
#include "pg/boundary.h"
#include "pg/spi_text.h"

#include <string>
#include <vector>

#include "pg/pg_includes.h"

extern "C" {
#include "funcapi.h"
#include "utils/array.h"
PGDLLEXPORT Datum prodplan_spc_points(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_spc_points);
PGDLLEXPORT Datum prodplan_capability_of(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_capability_of);
}

using pp::pg::fetch_text_table;
using pp::pg::pp_call;

namespace {

struct SpcRun {
  std::vector<pp::quality::Subgroup> subgroups;
  pp::quality::Chart chart;
  pp::quality::Capability cap;
};

// The characteristic's readings in [from, to) (NULL bounds: unbounded), in
// time order: measured_at (Unix seconds), value, subgroup.
pp::planning::TextTable read_readings(Datum plant, Datum characteristic, Datum from, bool from_null, Datum to,
                                      bool to_null) {
  Oid t[4] = {TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
  Datum v[4] = {plant, characteristic, from, to};
  // fetch_text_table takes no null flags: NULL bounds become infinities.
  if (from_null) v[2] = DirectFunctionCall3(timestamptz_in, CStringGetDatum("-infinity"), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
  if (to_null) v[3] = DirectFunctionCall3(timestamptz_in, CStringGetDatum("infinity"), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
  return fetch_text_table("prodplan.spc",
      "SELECT extract(epoch FROM m.measured_at)::bigint, m.value, m.subgroup FROM prodplan.measurement m "
      "WHERE m.plant_id = $1 AND m.characteristic_id = $2 AND m.measured_at >= $3 AND m.measured_at < $4 "
      "ORDER BY m.measured_at, m.measurement_id",
      4, t, v);
}

Datum ts_of(std::int64_t unix_seconds) {
  // PostgreSQL timestamps count microseconds from 2000-01-01.
  return TimestampTzGetDatum((TimestampTz)((unix_seconds - 946684800LL) * 1000000LL));
}

}  // namespace

Datum prodplan_spc_points(PG_FUNCTION_ARGS) {
  Datum plant = PG_GETARG_DATUM(0);
  Datum characteristic = PG_GETARG_DATUM(1);
  Jsonb* options = PG_GETARG_JSONB_P(2);
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prodplan.spc: SPI_connect failed");

  Oid to[1] = {JSONBOID};
  Datum vo[1] = {PointerGetDatum(options)};
  if (SPI_execute_with_args("SELECT coalesce($1->>'chart', ''), coalesce(($1->>'subgroup_size')::int, 0), "
                            "coalesce(($1->>'baseline_subgroups')::int, 0), ($1->>'baseline_to')::timestamptz, "
                            "($1->>'from')::timestamptz, ($1->>'to')::timestamptz",
                            1, to, vo, NULL, true, 1) != SPI_OK_SELECT)
    elog(ERROR, "prodplan.spc: could not read the options");
  HeapTuple ot = SPI_tuptable->vals[0];
  TupleDesc od = SPI_tuptable->tupdesc;
  bool isnull, from_null, to_null, baseline_null;
  char* chart_name = SPI_getvalue(ot, od, 1);
  const int subgroup_size = DatumGetInt32(SPI_getbinval(ot, od, 2, &isnull));
  const int baseline_subgroups = DatumGetInt32(SPI_getbinval(ot, od, 3, &isnull));
  Datum baseline_to = SPI_getbinval(ot, od, 4, &baseline_null);
  Datum from = SPI_getbinval(ot, od, 5, &from_null);
  Datum to_ts = SPI_getbinval(ot, od, 6, &to_null);
  const int64 baseline_to_unix =
      baseline_null ? 0 : (int64)(DatumGetTimestampTz(baseline_to) / 1000000LL) + 946684800LL;

  pp::planning::TextTable rows = read_readings(plant, characteristic, from, from_null, to_ts, to_null);
  if (rows.rows == 0)
    ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND),
                    errmsg("prodplan.spc: characteristic \"%s\" has no measurements%s", TextDatumGetCString(characteristic),
                           (from_null && to_null) ? "" : " in the window"),
                    errhint("Measurements are in prodplan.measurement.")));

  SpcRun* volatile st = nullptr;
  PG_TRY();
  {
    pp_call("prodplan.spc", [&] {
      st = new SpcRun();
      SpcRun& s = *st;
      s.subgroups = pp::quality::group_readings(rows, subgroup_size);
      pp::quality::ChartOptions o;
      if (chart_name[0] == '\0') o.type = pp::quality::default_chart(s.subgroups);
      else if (!pp::quality::parse_chart_type(chart_name, &o.type))
        pp::throw_invalid(std::string("unknown chart \"") + chart_name + "\"");
      pp::quality::as_attributes(o.type, s.subgroups);
      o.baseline_subgroups = baseline_subgroups;
      if (!baseline_null) {
        int k = 0;
        for (const auto& g : s.subgroups)
          if (g.at < baseline_to_unix) ++k;
        if (k < 2) pp::throw_invalid("fewer than 2 subgroups before baseline_to");
        o.baseline_subgroups = k;
      }
      s.chart = pp::quality::build_chart(s.subgroups, o);
    });
    const pp::quality::Chart& c = st->chart;
    const char* chart = pp::quality::chart_type_name(c.type);
    for (size_t i = 0; i < c.points.size(); i++) {
      const pp::quality::ChartPoint& p = c.points[i];
      Datum values[18];
      bool nulls[18];
      memset(nulls, 0, sizeof nulls);
      values[0] = Int32GetDatum((int32)(i + 1));
      values[1] = ts_of(p.at);
      values[2] = Int32GetDatum(p.size);
      values[3] = Int32GetDatum(p.baseline ? 1 : 2);
      values[4] = Float8GetDatum(p.value);
      values[5] = Float8GetDatum(p.cl);
      values[6] = Float8GetDatum(p.lcl);
      values[7] = Float8GetDatum(p.ucl);
      values[8] = CStringGetTextDatum(p.zone.c_str());
      Datum rules[8];
      int nr = 0;
      for (int r = 0; r < 8; r++)
        if (p.rules & (1u << r)) rules[nr++] = Int32GetDatum(r + 1);
      values[9] = PointerGetDatum(construct_array(rules, nr, INT4OID, 4, true, TYPALIGN_INT));
      if (p.spread) {
        values[10] = Float8GetDatum(*p.spread);
        values[11] = Float8GetDatum(*p.spread_cl);
        values[12] = Float8GetDatum(*p.spread_lcl);
        values[13] = Float8GetDatum(*p.spread_ucl);
        values[14] = BoolGetDatum(p.spread_beyond);
      } else {
        for (int k = 10; k <= 14; k++) nulls[k] = true;
      }
      values[15] = BoolGetDatum(p.rules != 0 || p.spread_beyond);
      values[16] = CStringGetTextDatum(chart);
      if (c.sigma > 0) values[17] = Float8GetDatum(c.sigma);
      else nulls[17] = true;
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
  }
  PG_FINALLY();
  {
    delete st;
  }
  PG_END_TRY();
  SPI_finish();
  return (Datum)0;
}

Datum prodplan_capability_of(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("prodplan.capability: plant and characteristic are required")));
  Datum plant = PG_GETARG_DATUM(0);
  Datum characteristic = PG_GETARG_DATUM(1);
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "prodplan.capability: SPI_connect failed");

  Oid tc[2] = {TEXTOID, TEXTOID};
  Datum vc[2] = {plant, characteristic};
  if (SPI_execute_with_args("SELECT lsl, target, usl FROM prodplan.characteristic WHERE plant_id = $1 AND characteristic_id = $2",
                            2, tc, vc, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.capability: characteristic \"%s\" is unknown", TextDatumGetCString(characteristic))));
  bool lsl_null, target_null, usl_null;
  const double lsl = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &lsl_null));
  const double target = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &target_null));
  const double usl = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &usl_null));
  pp::planning::TextTable rows = read_readings(plant, characteristic, PG_ARGISNULL(2) ? (Datum)0 : PG_GETARG_DATUM(2),
                                               PG_ARGISNULL(2), PG_ARGISNULL(3) ? (Datum)0 : PG_GETARG_DATUM(3),
                                               PG_ARGISNULL(3));

  SpcRun* volatile st = nullptr;
  PG_TRY();
  {
    pp_call("prodplan.capability", [&] {
      st = new SpcRun();
      SpcRun& s = *st;
      s.subgroups = pp::quality::group_readings(rows, 0);
      std::vector<std::vector<double>> groups;
      for (const auto& g : s.subgroups) groups.push_back(g.values);
      pp::quality::SpecLimits spec;
      if (!lsl_null) spec.lsl = lsl;
      if (!usl_null) spec.usl = usl;
      if (!target_null) spec.target = target;
      s.cap = pp::quality::capability(groups, spec);
    });
    const pp::quality::Capability& c = st->cap;
    Datum values[19];
    bool nulls[19];
    memset(nulls, 0, sizeof nulls);
    values[0] = Int64GetDatum(c.n);
    values[1] = Float8GetDatum(c.mean);
    values[2] = Float8GetDatum(c.sigma_within);
    values[3] = Float8GetDatum(c.sigma_overall);
    const std::optional<double>* opt[] = {&c.cp, &c.cpu, &c.cpl, &c.cpk, &c.pp, &c.ppu, &c.ppl, &c.ppk, &c.cpm};
    for (int k = 0; k < 9; k++) {
      if (opt[k]->has_value()) values[4 + k] = Float8GetDatum(**opt[k]);
      else nulls[4 + k] = true;
    }
    values[13] = Float8GetDatum(c.expected_ppm_within);
    values[14] = Float8GetDatum(c.expected_ppm_overall);
    values[15] = Float8GetDatum(c.observed_ppm);
    values[16] = Float8GetDatum(lsl);
    nulls[16] = lsl_null;
    values[17] = Float8GetDatum(target);
    nulls[17] = target_null;
    values[18] = Float8GetDatum(usl);
    nulls[18] = usl_null;
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  }
  PG_FINALLY();
  {
    delete st;
  }
  PG_END_TRY();
  SPI_finish();
  return (Datum)0;
}

extern "C" {
PGDLLEXPORT Datum prodplan_normal_quantile(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_normal_quantile);
}

// The standard normal quantile (core/simulate/inverse_normal.h), for sigma
// levels; no C++ object lives here, and the core function does not throw.
Datum prodplan_normal_quantile(PG_FUNCTION_ARGS) {
  const double p = PG_GETARG_FLOAT8(0);
  if (!(p > 0.0 && p < 1.0))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("prodplan.normal_quantile: p must be strictly between 0 and 1, got %g", p)));
  PG_RETURN_FLOAT8(pp::simulate::inverse_normal(p));
}
