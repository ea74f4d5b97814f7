// Streaming a large query into the core without holding all its tuples:
// rows are fetched through an SPI cursor kScanBatch at a time, their columns
// read in a plain frame, and each batch handed to a callable run in pp_call.
// Shared by prodplan.standard_times() and prodplan.simulate(), which read the
// plant's whole operation history.
//
// Include after the core headers, pg/boundary.h and pg/pg_includes.h. Call
// inside SPI, from a frame without live C++ objects (it can ereport).
#pragma once

#include <limits>
#include <string_view>

namespace pp::pg {

inline constexpr long kScanBatch = 10000;

inline std::string_view text_view(Datum d) {
  text* t = DatumGetTextPP(d);
  return std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

// A float8 column as is, a timestamptz column as Unix seconds.
inline double number_of(Datum d, Oid type) {
  if (type == TIMESTAMPTZOID) return (double)DatumGetTimestampTz(d) / 1e6 + 946684800.0;
  return DatumGetFloat8(d);
}

// One fetched row: two text columns (not NULL) and up to three float8 or
// timestamptz columns (a timestamptz becomes Unix seconds, so queries need
// not convert half a million timestamps to numeric with extract(epoch);
// NaN for NULL or absent). The views point into the fetched tuples and live
// until the callable returns.
struct ScanRow {
  std::string_view a, b;
  double x, y, z;
};

// Feeds every row of sql (with its arguments) to add(const ScanRow&).
template <typename Add>
void scan_rows(const char* who, const char* sql, int nargs, Oid* types, Datum* values, Add&& add) {
  SPIPlanPtr plan = SPI_prepare(sql, nargs, types);
  if (plan == nullptr) elog(ERROR, "%s: could not prepare a query: %s", who, SPI_result_code_string(SPI_result));
  Portal portal = SPI_cursor_open(nullptr, plan, values, nullptr, true);
  ScanRow* rows = (ScanRow*)palloc(sizeof(ScanRow) * kScanBatch);
  for (;;) {
    SPI_cursor_fetch(portal, true, kScanBatch);
    if (SPI_processed == 0) break;
    SPITupleTable* tt = SPI_tuptable;
    const uint64 n = SPI_processed;
    const int ncols = tt->tupdesc->natts;
    const Oid type3 = SPI_gettypeid(tt->tupdesc, 3);
    const Oid type4 = ncols >= 4 ? SPI_gettypeid(tt->tupdesc, 4) : InvalidOid;
    const Oid type5 = ncols >= 5 ? SPI_gettypeid(tt->tupdesc, 5) : InvalidOid;
    for (uint64 i = 0; i < n; ++i) {
      bool isnull = false;
      ScanRow& r = rows[i];
      r.a = text_view(SPI_getbinval(tt->vals[i], tt->tupdesc, 1, &isnull));
      r.b = text_view(SPI_getbinval(tt->vals[i], tt->tupdesc, 2, &isnull));
      Datum d = SPI_getbinval(tt->vals[i], tt->tupdesc, 3, &isnull);
      r.x = isnull ? std::numeric_limits<double>::quiet_NaN() : number_of(d, type3);
      r.y = r.z = std::numeric_limits<double>::quiet_NaN();
      if (ncols >= 4) {
        d = SPI_getbinval(tt->vals[i], tt->tupdesc, 4, &isnull);
        if (!isnull) r.y = number_of(d, type4);
      }
      if (ncols >= 5) {
        d = SPI_getbinval(tt->vals[i], tt->tupdesc, 5, &isnull);
        if (!isnull) r.z = number_of(d, type5);
      }
    }
    pp_call(who, [&] {
      for (uint64 i = 0; i < n; ++i) add(rows[i]);
    });
    SPI_freetuptable(tt);
  }
  pfree(rows);
  SPI_cursor_close(portal);
  SPI_freeplan(plan);
}

// The same with the plant (a text Datum) as the only argument.
template <typename Add>
void scan_plant_rows(const char* who, const char* sql, Datum plant, Add&& add) {
  Oid types[1] = {TEXTOID};
  Datum values[1] = {plant};
  scan_rows(who, sql, 1, types, values, static_cast<Add&&>(add));
}

}  // namespace pp::pg
