// prodplan.ingest_columns() and prodplan.default_aliases(): the core's
// ingestion catalogue (entity specs, built-in profiles) as rows, so SQL and
// the install script use the one definition the parser uses.
#include "core/ingest/staging.h"
#include "pg/boundary.h"

#include "pg/pg_includes.h"

extern "C" {
PGDLLEXPORT Datum prodplan_ingest_columns(PG_FUNCTION_ARGS);
PGDLLEXPORT Datum prodplan_default_aliases(PG_FUNCTION_ARGS);
PG_FUNCTION_INFO_V1(prodplan_ingest_columns);
PG_FUNCTION_INFO_V1(prodplan_default_aliases);
}

namespace {

const char* type_name(pp::ingest::ColumnType t) {
  switch (t) {
    case pp::ingest::ColumnType::Text: return "text";
    case pp::ingest::ColumnType::Id: return "id";
    case pp::ingest::ColumnType::Integer: return "integer";
    case pp::ingest::ColumnType::Real: return "real";
    case pp::ingest::ColumnType::Flag: return "flag";
    case pp::ingest::ColumnType::Timestamp: return "timestamp";
  }
  return "text";
}

Datum text_of(std::string_view v) { return PointerGetDatum(cstring_to_text_with_len(v.data(), (int)v.size())); }

}  // namespace

// The specs are static tables built at first use (no allocation can fail
// after that); reading them from this frame raises no C++ exception.
Datum prodplan_ingest_columns(PG_FUNCTION_ARGS) {
  pp::pg::pp_call("ingest_columns", [] { (void)pp::ingest::workbook_entities(); });
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  for (const auto& e : pp::ingest::workbook_entities()) {
    for (const auto& c : e.columns) {
      Datum values[5] = {text_of(e.entity), text_of(c.name), CStringGetTextDatum(type_name(c.type)),
                         BoolGetDatum(c.required), BoolGetDatum(c.key)};
      bool nulls[5] = {false, false, false, false, false};
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
  }
  return (Datum)0;
}

Datum prodplan_default_aliases(PG_FUNCTION_ARGS) {
  pp::pg::pp_call("default_aliases", [] {
    (void)pp::ingest::default_sheet_aliases();
    (void)pp::ingest::default_column_aliases();
  });
  InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
  ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
  bool nulls[5] = {false, false, false, false, false};
  for (const auto& s : pp::ingest::default_sheet_aliases()) {
    Datum values[5] = {CStringGetTextDatum("sheet"), text_of(s.profile), text_of(s.entity), text_of(s.sheet),
                       (Datum)0};
    nulls[4] = true;
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  }
  nulls[4] = false;
  for (const auto& a : pp::ingest::default_column_aliases()) {
    Datum values[5] = {CStringGetTextDatum("column"), text_of(a.profile), text_of(a.entity), text_of(a.header),
                       text_of(a.column)};
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  }
  return (Datum)0;
}
