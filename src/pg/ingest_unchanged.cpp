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
  // Whole rows: a scan returns a table's tuples as they are stored when the
  // query asks for every column (no projection, so no deforming and forming
  // of each row before SPI copies it); the columns are picked out below.
  int ncols = (int)spec.columns.size() + (derived ? 1 : 0);
  if (ncols > 64) elog(ERROR, "prodplan ingestion: too many columns in %.*s", (int)spec.entity.size(), spec.entity.data());
  appendStringInfo(&sql, "SELECT * FROM prodplan.%.*s WHERE plant_id = $1", (int)spec.entity.size(), spec.entity.data());
  Oid types[1] = {TEXTOID};
  Datum values[1] = {(Datum)plant};

  // About how many rows the plant has (the table's row estimate times the
  // plant's share in the plant_id statistics), so the index is sized once.
  {
    char qualified[NAMEDATALEN + 16];
    snprintf(qualified, sizeof qualified, "prodplan.%.*s", (int)spec.entity.size(), spec.entity.data());
    Oid et[3] = {TEXTOID, TEXTOID, TEXTOID};
    Datum ev[3] = {(Datum)plant, CStringGetTextDatum(qualified),
                   PointerGetDatum(cstring_to_text_with_len(spec.entity.data(), (int)spec.entity.size()))};
    const char* estimate =
        "SELECT (s.freq * t.n)::bigint FROM (SELECT sum(greatest(c.reltuples, 0)) AS n FROM pg_catalog.pg_class c "
        "WHERE c.oid = $2::regclass OR c.oid IN (SELECT i.inhrelid FROM pg_catalog.pg_inherits i "
        "WHERE i.inhparent = $2::regclass)) t, LATERAL (SELECT f.freq FROM pg_catalog.pg_stats p, "
        "unnest(p.most_common_vals::text::text[], p.most_common_freqs) AS f(v, freq) WHERE p.schemaname = "
        "'prodplan' AND p.tablename = $3 AND p.attname = 'plant_id' AND f.v = $1 ORDER BY p.inherited DESC "
        "LIMIT 1) s";
    if (SPI_execute_with_args(estimate, 3, et, ev, NULL, true, 1) == SPI_OK_SELECT && SPI_processed == 1) {
      bool isnull;
      const Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
      const int64 rows = isnull ? 0 : DatumGetInt64(d);
      if (rows > 0) pp_call("ingest", [&] { filter->reserve((std::size_t)Min(rows, (int64)50000000)); });
    }
  }

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
    // Attribute numbers of the spec's columns (then the derived one).
    Oid col_type[64];
    int attno[64];
    for (int k = 0; k < ncols; k++) {
      char name[NAMEDATALEN];
      if (k < (int)spec.columns.size())
        snprintf(name, sizeof name, "%.*s", (int)spec.columns[k].name.size(), spec.columns[k].name.data());
      else
        snprintf(name, sizeof name, "%s", derived);
      attno[k] = SPI_fnumber(tt->tupdesc, name);
      if (attno[k] <= 0) elog(ERROR, "prodplan ingestion: prodplan.%.*s has no column %s", (int)spec.entity.size(),
                              spec.entity.data(), name);
      col_type[k] = SPI_gettypeid(tt->tupdesc, attno[k]);
    }
    const int natts = tt->tupdesc->natts;
    Datum* d = (Datum*)palloc(sizeof(Datum) * natts);
    bool* isnull = (bool*)palloc(sizeof(bool) * natts);
    // One deform per tuple: attribute-by-attribute access walks the tuple
    // from its start for every column past the first NULL.
    for (uint64 r = 0; r < n; r++) {
      heap_deform_tuple(tt->vals[r], tt->tupdesc, d, isnull);
      for (int k = 0; k < ncols; k++)
        to_cell(d[attno[k] - 1], isnull[attno[k] - 1], col_type[k], &cells[r * ncols + k]);
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
