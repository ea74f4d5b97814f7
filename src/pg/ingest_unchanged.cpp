// read_stored_rows (ingest_unchanged.h): a plant's stored rows, read in
// batches through an SPI cursor, converted in PostgreSQL frames into plain
// StoredCell arrays, and indexed in C++ behind the error boundary.
#include "core/ingest/unchanged_filter.h"
#include "pg/boundary.h"
#include "pg/ingest_unchanged.h"

#include "pg/pg_includes.h"

extern "C" {
#include "catalog/pg_type.h"
#include "access/htup_details.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
}

namespace {

constexpr long kBatch = 10000;

// Seconds between the Unix epoch and PostgreSQL's (2000-01-01).
constexpr int64 kPgEpochUnix = 946684800;

// One stored value as the filter compares it. Text points into the batch's
// tuples (detoasted there when needed), which outlive the add_stored calls.
void to_cell(Datum d, bool isnull, Oid type, pp::ingest::StoredCell* c) {
  c->null = isnull;
  c->integer = 0;
  c->real = 0;
  c->text = NULL;
  c->text_len = 0;
  c->representable = true;
  if (isnull) return;
  switch (type) {
    case TEXTOID:
    case VARCHAROID: {
      text* t = DatumGetTextPP(d);
      c->text = VARDATA_ANY(t);
      c->text_len = VARSIZE_ANY_EXHDR(t);
      break;
    }
    case INT2OID: c->integer = DatumGetInt16(d); break;
    case INT4OID: c->integer = DatumGetInt32(d); break;
    case INT8OID: c->integer = DatumGetInt64(d); break;
    case BOOLOID: c->integer = DatumGetBool(d) ? 1 : 0; break;
    case FLOAT8OID: c->real = DatumGetFloat8(d); break;
    case FLOAT4OID: c->real = DatumGetFloat4(d); break;
    case TIMESTAMPTZOID:
    case TIMESTAMPOID: {
      // Staged times are whole seconds; a stored fraction differs from them.
      const int64 us = DatumGetInt64(d);
      if (us % USECS_PER_SEC != 0 || TIMESTAMP_NOT_FINITE(us)) c->representable = false;
      else c->integer = us / USECS_PER_SEC + kPgEpochUnix;
      break;
    }
    default:
      // A type the staged form does not cover: never equal (the SQL merge decides).
      c->representable = false;
  }
}

}  // namespace

namespace pp::pg {

void read_stored_rows(const pp::ingest::EntitySpec& spec, const char* derived, std::uintptr_t plant,
                      pp::ingest::UnchangedFilter* filter) {
  StringInfoData sql;
  initStringInfo(&sql);
  appendStringInfoString(&sql, "SELECT ");
  int ncols = 0;
  for (const auto& c : spec.columns) {
    appendStringInfo(&sql, "%s%.*s", ncols ? ", " : "", (int)c.name.size(), c.name.data());
    ncols++;
  }
  if (derived) {
    appendStringInfo(&sql, ", %s", derived);
    ncols++;
  }
  if (ncols > 64) elog(ERROR, "prodplan ingestion: too many columns in %.*s", (int)spec.entity.size(), spec.entity.data());
  appendStringInfo(&sql, " FROM prodplan.%.*s WHERE plant_id = $1", (int)spec.entity.size(), spec.entity.data());
  Oid types[1] = {TEXTOID};
  Datum values[1] = {(Datum)plant};
  SPIPlanPtr plan = SPI_prepare(sql.data, 1, types);
  if (plan == NULL) elog(ERROR, "prodplan ingestion: could not prepare %s", sql.data);
  Portal portal = SPI_cursor_open(NULL, plan, values, NULL, true);
  pp::ingest::StoredCell* cells = (pp::ingest::StoredCell*)palloc(sizeof(pp::ingest::StoredCell) * ncols * kBatch);
  // Detoasted copies of a batch's values live until the batch is indexed
  // (the filter copies what it keeps).
  MemoryContext batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "prodplan stored rows", ALLOCSET_DEFAULT_SIZES);
  for (;;) {
    SPI_cursor_fetch(portal, true, kBatch);
    const uint64 n = SPI_processed;
    if (n == 0) break;
    SPITupleTable* tt = SPI_tuptable;
    MemoryContext old = MemoryContextSwitchTo(batch_cxt);
    Oid col_type[64];
    for (int k = 0; k < ncols; k++) col_type[k] = SPI_gettypeid(tt->tupdesc, k + 1);
    // One deform per tuple: attribute-by-attribute access walks the tuple
    // from its start for every column past the first NULL.
    Datum d[64];
    bool isnull[64];
    for (uint64 r = 0; r < n; r++) {
      heap_deform_tuple(tt->vals[r], tt->tupdesc, d, isnull);
      for (int k = 0; k < ncols; k++) to_cell(d[k], isnull[k], col_type[k], &cells[r * ncols + k]);
    }
    MemoryContextSwitchTo(old);
    pp_call("ingest", [&] {
      for (uint64 r = 0; r < n; r++) filter->add_stored(&cells[r * ncols]);
    });
    MemoryContextReset(batch_cxt);
    SPI_freetuptable(tt);
    CHECK_FOR_INTERRUPTS();
  }
  MemoryContextDelete(batch_cxt);
  SPI_cursor_close(portal);
  SPI_freeplan(plan);
  pfree(cells);
  pfree(sql.data);
}

}  // namespace pp::pg
