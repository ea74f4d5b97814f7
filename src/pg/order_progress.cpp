#include "pg/order_progress.h"

#include "pg/pg_includes.h"

namespace pp::pg {

void apply_order_progress_after_load(const char* who) {
  // A library newer than the installed SQL (ALTER EXTENSION ... UPDATE not
  // run yet) must still load and ingest.
  if (SPI_execute("SELECT pg_catalog.to_regprocedure('prodplan.apply_order_progress(boolean)') IS NOT NULL", true,
                  1) != SPI_OK_SELECT)
    elog(ERROR, "%s: could not look for prodplan.apply_order_progress", who);
  bool isnull;
  if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull))) return;
  // read_only = false: a fresh snapshot that sees the operations just written.
  if (SPI_execute("SELECT prodplan.apply_order_progress(false)", false, 1) != SPI_OK_SELECT)
    elog(ERROR, "%s: prodplan.apply_order_progress failed", who);
}

}  // namespace pp::pg
